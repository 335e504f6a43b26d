-- V1: the initial inventory schema.
--
-- No column ever holds a raw secret. Credentials are known by their keyed fingerprint and
-- a redacted preview; consumers record literal secrets only as fingerprint + preview.
--
-- Timestamps are RFC 3339 text. They are never compared in SQL (fractional seconds make
-- their text order unreliable); "seen in this scan" is decided by scan ids instead.
-- Enum columns hold the model's `as_str()` names.

CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    roots       TEXT NOT NULL,  -- JSON array of the roots as given on the command line
    summary     TEXT NOT NULL   -- JSON nhi_model::ScanSummary
);

CREATE TABLE credentials (
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
    first_scan_id INTEGER NOT NULL REFERENCES scans (id),
    last_scan_id  INTEGER NOT NULL REFERENCES scans (id)
);

CREATE INDEX credentials_by_provider ON credentials (provider, kind);
CREATE INDEX credentials_by_status ON credentials (status);

CREATE TABLE sightings (
    id            INTEGER PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    root          TEXT NOT NULL,
    source        TEXT NOT NULL,
    path          TEXT NOT NULL,
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    -- '' rather than NULL for "not a history sighting": SQLite treats NULLs as distinct
    -- in a UNIQUE constraint, which would let the same working-tree sighting pile up.
    commit_id     TEXT NOT NULL DEFAULT '',
    blob_id       TEXT,
    author        TEXT,
    commit_date   TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    last_scan_id  INTEGER NOT NULL REFERENCES scans (id),
    -- Set when a rescan of the sighting's root no longer finds it.
    gone_at       TEXT,
    gone_scan_id  INTEGER REFERENCES scans (id),
    UNIQUE (credential_id, root, source, path, line, col, commit_id)
);

CREATE INDEX sightings_by_root ON sightings (root);
CREATE INDEX sightings_by_gone_scan ON sightings (gone_scan_id);

CREATE TABLE findings (
    id            TEXT PRIMARY KEY,  -- the stable nhi_model::FindingId
    rule          TEXT NOT NULL,
    title         TEXT NOT NULL,
    severity      TEXT NOT NULL,
    confidence    TEXT NOT NULL,
    owasp         TEXT NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    history_only  INTEGER NOT NULL CHECK (history_only IN (0, 1)),
    evidence      TEXT NOT NULL,                 -- JSON array of {label, value}
    fix           TEXT NOT NULL,
    refs          TEXT NOT NULL DEFAULT '{}',    -- JSON framework references
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'suppressed')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,
    last_scan_id  INTEGER NOT NULL REFERENCES scans (id)
);

CREATE INDEX findings_by_credential ON findings (credential_id);
CREATE INDEX findings_by_status ON findings (status, severity);

CREATE TABLE consumers (
    -- The model's id is `kind:path#name` with a root-relative path, so two roots can hold
    -- the same id; the root is part of the key.
    id            TEXT NOT NULL,
    root          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    tool          TEXT NOT NULL,
    name          TEXT NOT NULL,
    path          TEXT NOT NULL,
    line          INTEGER NOT NULL,
    endpoint      TEXT,
    credentials   TEXT NOT NULL,                 -- JSON array of nhi_model::CredentialUse
    attributes    TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,
    last_scan_id  INTEGER NOT NULL REFERENCES scans (id),
    PRIMARY KEY (root, id)
);

-- Shaped after nhi_model::Identity; filled by the platform-export importers.
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
