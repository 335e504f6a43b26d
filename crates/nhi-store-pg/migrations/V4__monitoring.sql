-- V4: monitoring. Mirrors migrations/sqlite/V4__monitoring.sql.
--
-- Alerts from `nhi monitor`, and the monitor's checkpoint: the detector state (baselines,
-- windows, recent event IDs) together with how far each log has been read. Both are
-- written in one transaction, so a restart resumes exactly where the last commit left
-- off: no event is lost and none is counted twice.
CREATE TABLE monitor_alerts (
    id           TEXT PRIMARY KEY,   -- stable: detection + identity + window
    detection    TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('info','low','medium','high','critical')),
    severity_rank BIGINT NOT NULL,   -- 0 info … 4 critical, for filtering and ordering
    identity     TEXT NOT NULL,
    first_seen   TEXT,
    last_seen    TEXT,
    event_count  BIGINT NOT NULL,
    alert        TEXT NOT NULL,      -- the whole alert, JSON kept byte for byte (see V1)
    recorded_at  TEXT NOT NULL
);
CREATE INDEX monitor_alerts_identity ON monitor_alerts (identity);
CREATE INDEX monitor_alerts_last_seen ON monitor_alerts (last_seen);

CREATE TABLE monitor_checkpoints (
    name         TEXT PRIMARY KEY,   -- one per monitored feed; `default` for the CLI
    state        TEXT NOT NULL,      -- detector state, JSON (nhi-monitor's format)
    positions    TEXT NOT NULL,      -- read positions per log file, JSON
    updated_at   TEXT NOT NULL
);
