-- V3: findings suppressed from `nhi findings suppress`, with a reason and an expiry.
-- Mirrors migrations/sqlite/V3__finding_suppressions.sql.
--
-- Keyed by finding ID, which is stable across rescans and collections, so a suppression
-- outlives the run that showed the finding. An expired suppression stops applying but is
-- kept, for the audit trail.
CREATE TABLE finding_suppressions (
    finding_id  TEXT PRIMARY KEY,
    -- btrim, not trim(): SQLite's trim() strips spaces only, and so does btrim(x).
    reason      TEXT NOT NULL CHECK (length(btrim(reason)) > 0),
    expires     TEXT NOT NULL,     -- YYYY-MM-DD, inclusive
    created_at  TEXT NOT NULL
);
