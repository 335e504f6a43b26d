-- Twin of the SQLite V6: covering indexes for inventory and finding paging at 100,000
-- identities (see that file for why). Text keys sort by code point (COLLATE "C"), as
-- the queries do. The free-text `search` column stays out: a btree entry must fit in a
-- third of a page, and a search text has no length limit.
DROP INDEX identity_index_by_risk;
DROP INDEX identity_index_by_name;
DROP INDEX identity_index_by_provider;
DROP INDEX identity_index_by_last_used;

ALTER TABLE identity_index ADD COLUMN last_used_order BIGINT
    GENERATED ALWAYS AS (coalesce(last_used_epoch, -1)) STORED;

CREATE INDEX identity_index_page_risk ON identity_index
    (risk_score, id COLLATE "C") INCLUDE (provider, kind, risk_tier, privilege_tier, owner);
CREATE INDEX identity_index_page_name ON identity_index
    (name COLLATE "C", id COLLATE "C") INCLUDE (provider, kind, risk_tier, privilege_tier, owner);
CREATE INDEX identity_index_page_provider ON identity_index
    (provider COLLATE "C", kind COLLATE "C", name COLLATE "C", id COLLATE "C")
    INCLUDE (risk_tier, privilege_tier, owner);
CREATE INDEX identity_index_page_last_used ON identity_index
    (last_used_order, id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner);
CREATE INDEX identity_index_page_findings ON identity_index
    (findings_open, risk_score, id COLLATE "C")
    INCLUDE (provider, kind, risk_tier, privilege_tier, owner);

DROP INDEX finding_index_by_severity;
CREATE INDEX finding_index_page_severity ON finding_index
    (severity_rank, id COLLATE "C") INCLUDE (owasp, status, subject, rule);
