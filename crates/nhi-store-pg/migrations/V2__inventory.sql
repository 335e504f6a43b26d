-- V2: platform inventories (identities, platform credentials, grants, links, accounts).
-- Mirrors migrations/sqlite/V2__inventory.sql.
--
-- Each collection (the exports one scan read, or one `nhi collect` run) is stored whole,
-- as the JSON of an `nhi_model::Inventory`, under its origin; a later collection from the
-- same origin replaces it in one transaction, so the store never holds half of one.
-- No platform export holds secret values; the model types cannot carry one.

DROP INDEX identities_by_external_id;
DROP TABLE identities;

CREATE TABLE inventory_collections (
    origin        TEXT PRIMARY KEY,  -- 'scan:<root>' or 'collect:aws:<account>'
    collected_at  TEXT NOT NULL,
    identities    BIGINT NOT NULL,
    credentials   BIGINT NOT NULL,
    body          TEXT NOT NULL      -- JSON nhi_model::Inventory (text: see V1)
);

-- CODEOWNERS of each scanned root, so that queries can attribute owners to credentials
-- found there without going back to the files (the paths may be gone or relative).
CREATE TABLE root_codeowners (
    root  TEXT PRIMARY KEY,
    body  TEXT NOT NULL
);
