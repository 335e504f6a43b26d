-- V3: findings suppressed from `nhi findings suppress`, with a reason and an expiry.
--
-- Keyed by finding ID, which is stable across rescans and collections (derived from the
-- rule and the fingerprint or subject), so a suppression outlives the run that showed
-- the finding. An expired suppression stops applying but is kept, for the audit trail.
CREATE TABLE finding_suppressions (
    finding_id  TEXT PRIMARY KEY,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    expires     TEXT NOT NULL,     -- YYYY-MM-DD, inclusive
    created_at  TEXT NOT NULL
);
