-- The identity covering indexes also carry `search`, so a free-text search reads only
-- the index of its sort order (an index-only scan after the vacuum that follows each
-- index replacement) instead of visiting a table row for every entry it tests: on the
-- 100,000-identity benchmark a search's first page visited ~800 rows, 12 ms each time.
-- The stores cap the search text (nhi_store::backend::SEARCH_TEXT_MAX, 768 bytes), so
-- an entry stays far inside a btree's limit. SQLite's V6 indexes hold it already.
DROP INDEX identity_index_page_risk;
DROP INDEX identity_index_page_name;
DROP INDEX identity_index_page_provider;
DROP INDEX identity_index_page_last_used;
DROP INDEX identity_index_page_findings;

CREATE INDEX identity_index_page_risk ON identity_index
    (risk_score, id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_name ON identity_index
    (name COLLATE "C", id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_provider ON identity_index
    (provider COLLATE "C", kind COLLATE "C", name COLLATE "C", id COLLATE "C")
    INCLUDE (risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_last_used ON identity_index
    (last_used_order, id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_findings ON identity_index
    (findings_open, risk_score, id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner, search);
