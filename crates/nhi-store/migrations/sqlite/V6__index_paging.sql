-- Inventory paging at 100,000 identities. An identity_index row carries the whole
-- identity card (body, kilobytes), so any query that has to touch the table for each
-- row it skips is slow: counting with filters, or stepping over OFFSET rows. Each sort
-- order gets one covering index holding its sort key and every column the list filters
-- on, so counts and page lookups read only the narrow index and the table is visited
-- for the 50 rows shown. One index serves both directions: orders reverse every
-- column, and "last used" sorts on last_used_order, a generated column holding
-- coalesce(last_used_epoch, -1) (never used is oldest): a real column, so the index
-- covers it and a bookmark seeks on it (an expression index does neither).
DROP INDEX identity_index_by_risk;
DROP INDEX identity_index_by_name;
DROP INDEX identity_index_by_provider;
DROP INDEX identity_index_by_last_used;

ALTER TABLE identity_index ADD COLUMN last_used_order INTEGER
    GENERATED ALWAYS AS (coalesce(last_used_epoch, -1)) VIRTUAL;

CREATE INDEX identity_index_page_risk ON identity_index
    (risk_score, id, provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_name ON identity_index
    (name, id, provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_provider ON identity_index
    (provider, kind, name, id, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_last_used ON identity_index
    (last_used_order, id, provider, kind, risk_tier, privilege_tier, owner, search);
CREATE INDEX identity_index_page_findings ON identity_index
    (findings_open, risk_score, id, provider, kind, risk_tier, privilege_tier, owner, search);

-- Findings list the same way: by severity, filtered by OWASP ID, status, subject, rule.
DROP INDEX finding_index_by_severity;
CREATE INDEX finding_index_page_severity ON finding_index
    (severity_rank, id, owasp, status, subject, rule);
