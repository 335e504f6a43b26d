-- V5: what `nhi serve` keeps: API tokens, local users, sessions, the audit log,
-- collection runs, job leases, and an index of the analysed estate for paged queries.
--
-- Secrets the server itself issues (API tokens, session IDs) are stored only as SHA-256
-- digests: they are 256-bit random values, so a fast hash is enough and a stolen
-- database does not let anyone in. Passwords are argon2 PHC strings.
-- Times the server compares (expiry, leases, sorting) are also kept as Unix seconds.

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,            -- the public part of the token
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    secret_sha256 TEXT NOT NULL CHECK (length(secret_sha256) = 64),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    expires_epoch INTEGER NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);

CREATE TABLE local_users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,              -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    id_sha256     TEXT PRIMARY KEY CHECK (length(id_sha256) = 64),
    subject       TEXT NOT NULL,              -- 'user:NAME' or 'token:ID'
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_epoch INTEGER NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_epoch);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    at_epoch      INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    source_ip     TEXT,
    detail        TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_by_time ON audit_log (at_epoch);

CREATE TABLE collection_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job           TEXT NOT NULL,
    trigger_kind  TEXT NOT NULL,              -- 'schedule' or 'manual:<actor>'
    attempt       INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    started_epoch INTEGER NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    identities    INTEGER NOT NULL DEFAULT 0,
    credentials   INTEGER NOT NULL DEFAULT 0,
    findings      INTEGER NOT NULL DEFAULT 0,
    errors        TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX runs_by_start ON collection_runs (started_epoch);

CREATE TABLE job_leases (
    job           TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    expires_epoch INTEGER NOT NULL
);

-- One row per identity of the latest analysis, so listing 100,000 identities is a
-- paged SQL query rather than a correlation in memory per request.
CREATE TABLE identity_index (
    id              TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    display         TEXT NOT NULL,
    environment     TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL DEFAULT '',
    privilege_tier  TEXT NOT NULL,
    risk_score      INTEGER NOT NULL,
    risk_tier       TEXT NOT NULL,
    status          TEXT NOT NULL,
    last_used_epoch INTEGER,
    credentials     INTEGER NOT NULL,
    findings_open   INTEGER NOT NULL,
    search          TEXT NOT NULL,            -- lowercased id, name, display and owner
    body            TEXT NOT NULL             -- JSON: the identity card
);

CREATE INDEX identity_index_by_risk ON identity_index (risk_score DESC, id);
CREATE INDEX identity_index_by_name ON identity_index (name, id);
CREATE INDEX identity_index_by_provider ON identity_index (provider, kind);
CREATE INDEX identity_index_by_last_used ON identity_index (last_used_epoch, id);

CREATE TABLE finding_index (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    rule          TEXT NOT NULL,
    title         TEXT NOT NULL,
    severity      TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,           -- 4 critical … 0 info, for sorting
    owasp         TEXT NOT NULL,
    subject       TEXT NOT NULL,
    subject_name  TEXT NOT NULL,
    status        TEXT NOT NULL,              -- 'open' or 'suppressed'
    body          TEXT NOT NULL               -- JSON: the finding as `nhi findings` prints it
);

CREATE INDEX finding_index_by_severity ON finding_index (severity_rank DESC, id);
CREATE INDEX finding_index_by_subject ON finding_index (subject);

-- One row per analysis, for the overview's trend over collection runs.
CREATE TABLE snapshots (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    built_at      TEXT NOT NULL,
    identities    INTEGER NOT NULL,
    credentials   INTEGER NOT NULL,
    findings_open INTEGER NOT NULL,
    summary       TEXT NOT NULL               -- JSON: counts by provider, tier, OWASP ID
);
