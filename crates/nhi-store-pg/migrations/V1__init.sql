-- V1: the initial inventory schema (PostgreSQL). Mirrors migrations/sqlite/V1__init.sql
-- table for table and column for column, so a store moves between backends row by row.
--
-- No column ever holds a raw secret. Credentials are known by their keyed fingerprint and
-- a redacted preview; consumers record literal secrets only as fingerprint + preview.
--
-- Types, and why they are not the "native" ones:
-- * Timestamps are RFC 3339 TEXT exactly as jiff writes them, not TIMESTAMPTZ: jiff keeps
--   nanoseconds and TIMESTAMPTZ microseconds, so a round trip would change values, and
--   the SQLite backend compares alert times as text; the same text gives the same answers.
--   They are never compared in SQL except that alert filter; "seen in this scan" is
--   decided by scan ids.
-- * JSON is TEXT, not JSONB: JSONB reorders keys, drops duplicates and rejects \u0000, so
--   the stored JSON (alert bodies, checkpoint state) would not come back byte for byte,
--   and nothing queries inside it except the roots of a scan, which are cast on the fly.
-- * Integers are BIGINT (SQLite's INTEGER is 64-bit; line numbers are u32).
-- * `rowid` on credentials, findings and consumers stands in for SQLite's implicit rowid:
--   reads list rows in first-recorded order, which an upsert keeps.
-- Every text comparison and ORDER BY in the queries says COLLATE "C", so order is by
-- code point as in SQLite, whatever the database's locale.
-- Enum columns hold the model's `as_str()` names.

CREATE TABLE scans (
    -- Assigned as MAX(id) + 1 under the store's write lock, as SQLite assigns a rowid,
    -- so a rolled-back scan leaves no gap (a sequence would).
    id          BIGINT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    roots       TEXT NOT NULL,  -- JSON array of the roots as given on the command line
    summary     TEXT NOT NULL   -- JSON nhi_model::ScanSummary
);

CREATE TABLE credentials (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id            TEXT PRIMARY KEY,
    fingerprint   TEXT NOT NULL UNIQUE CHECK (length(fingerprint) = 64),
    kind          TEXT NOT NULL,
    provider      TEXT NOT NULL,
    preview       TEXT NOT NULL,
    external_id   TEXT,
    attributes    TEXT NOT NULL DEFAULT '{}',  -- JSON object of string -> string
    status        TEXT NOT NULL CHECK (status IN ('active', 'history_only', 'resolved')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,
    first_scan_id BIGINT NOT NULL REFERENCES scans (id),
    last_scan_id  BIGINT NOT NULL REFERENCES scans (id)
);

CREATE INDEX credentials_by_provider ON credentials (provider, kind);
CREATE INDEX credentials_by_status ON credentials (status);

CREATE TABLE sightings (
    -- MAX(id) + 1 under the write lock, like scans: an identity would burn a value on
    -- every upsert that updates, so ids would drift from the SQLite store's.
    id            BIGINT PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    root          TEXT NOT NULL,
    source        TEXT NOT NULL,
    path          TEXT NOT NULL,
    line          BIGINT NOT NULL,
    col           BIGINT NOT NULL,
    -- '' rather than NULL for "not a history sighting", as in SQLite (where NULLs are
    -- distinct in a UNIQUE constraint), so both backends key sightings the same way.
    commit_id     TEXT NOT NULL DEFAULT '',
    blob_id       TEXT,
    author        TEXT,
    commit_date   TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    last_scan_id  BIGINT NOT NULL REFERENCES scans (id),
    -- Set when a rescan of the sighting's root no longer finds it.
    gone_at       TEXT,
    gone_scan_id  BIGINT REFERENCES scans (id),
    UNIQUE (credential_id, root, source, path, line, col, commit_id)
);

CREATE INDEX sightings_by_root ON sightings (root);
CREATE INDEX sightings_by_gone_scan ON sightings (gone_scan_id);

CREATE TABLE findings (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id            TEXT PRIMARY KEY,  -- the stable nhi_model::FindingId
    rule          TEXT NOT NULL,
    title         TEXT NOT NULL,
    severity      TEXT NOT NULL,
    confidence    TEXT NOT NULL,
    owasp         TEXT NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    history_only  BOOLEAN NOT NULL,
    evidence      TEXT NOT NULL,                 -- JSON array of {label, value}
    fix           TEXT NOT NULL,
    refs          TEXT NOT NULL DEFAULT '{}',    -- JSON framework references
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'suppressed')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,
    last_scan_id  BIGINT NOT NULL REFERENCES scans (id)
);

CREATE INDEX findings_by_credential ON findings (credential_id);
CREATE INDEX findings_by_status ON findings (status, severity);

CREATE TABLE consumers (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- The model's id is `kind:path#name` with a root-relative path, so two roots can hold
    -- the same id; the root is part of the key.
    id            TEXT NOT NULL,
    root          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    tool          TEXT NOT NULL,
    name          TEXT NOT NULL,
    path          TEXT NOT NULL,
    line          BIGINT NOT NULL,
    endpoint      TEXT,
    credentials   TEXT NOT NULL,                 -- JSON array of nhi_model::CredentialUse
    attributes    TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,
    last_scan_id  BIGINT NOT NULL REFERENCES scans (id),
    PRIMARY KEY (root, id)
);

-- Shaped after nhi_model::Identity. Never written to; dropped again by V2, and kept here
-- only so both backends run the same migration history.
CREATE TABLE identities (
    id            TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    external_id   TEXT,
    environment   TEXT,
    owners        TEXT NOT NULL DEFAULT '[]',    -- JSON array of strings
    tags          TEXT NOT NULL DEFAULT '{}',    -- JSON object of string -> string
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);

CREATE INDEX identities_by_external_id ON identities (provider, external_id);
