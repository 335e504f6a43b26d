-- A monitor job's run counts what it did: events read since the feed's checkpoint and
-- alerts raised. Collection jobs leave both at 0.
ALTER TABLE collection_runs ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collection_runs ADD COLUMN alerts INTEGER NOT NULL DEFAULT 0;
