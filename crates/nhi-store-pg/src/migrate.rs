//! The versioned-migration runner for PostgreSQL, mirroring nhi-store's SQLite runner.
//!
//! Migrations are plain SQL files (`migrations/V<n>__<name>.sql`) compiled into the
//! binary, one for each SQLite migration with the same version and name. Each applied one
//! is recorded in `schema_migrations` with the shared checksum of its text, so a database
//! migrated by a different copy of a migration is noticed instead of being trusted.

use nhi_store::StoreError;
use nhi_store::backend::migration_checksum;
use postgres::Client;

use crate::{PgContext, lock_store};

pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, in version order. Append only, in step with the
/// SQLite list: never edit a released migration; add a new one under the same version
/// and name as its SQLite twin.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/V1__init.sql"),
    },
    Migration {
        version: 2,
        name: "inventory",
        sql: include_str!("../migrations/V2__inventory.sql"),
    },
    Migration {
        version: 3,
        name: "finding_suppressions",
        sql: include_str!("../migrations/V3__finding_suppressions.sql"),
    },
    Migration {
        version: 4,
        name: "monitoring",
        sql: include_str!("../migrations/V4__monitoring.sql"),
    },
    Migration {
        version: 5,
        name: "server",
        sql: include_str!("../migrations/V5__server.sql"),
    },
    Migration {
        version: 6,
        name: "index_paging",
        sql: include_str!("../migrations/V6__index_paging.sql"),
    },
    Migration {
        version: 7,
        name: "run_events",
        sql: include_str!("../migrations/V7__run_events.sql"),
    },
    Migration {
        version: 8,
        name: "search_in_index",
        sql: include_str!("../migrations/V8__search_in_index.sql"),
    },
];

pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to [`latest_version`], or refuses if the database is from a newer
/// build or its recorded migrations do not match this build's.
///
/// Everything happens in one transaction (PostgreSQL's DDL is transactional), after
/// taking the store's advisory lock: two processes opening a fresh database at once
/// cannot both apply V1 (the second waits, then finds it applied), and a failing
/// migration leaves no trace.
pub(crate) fn run(client: &mut Client, now: &str) -> Result<(), StoreError> {
    const CONTEXT: &str = "applying schema migrations";
    let mut tx = client.transaction().pg(CONTEXT)?;
    lock_store(&mut tx)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .pg("creating schema_migrations")?;

    let applied = read_applied(&mut tx)?;
    let known = latest_version();
    if let Some(newest) = applied.iter().map(|a| a.0).max()
        && newest > known
    {
        return Err(StoreError::SchemaTooNew {
            found: newest,
            known,
        });
    }
    for (version, name, checksum) in &applied {
        let Some(migration) = MIGRATIONS.iter().find(|m| m.version == *version) else {
            return Err(StoreError::UnknownMigration {
                version: *version,
                name: name.clone(),
            });
        };
        let expected = migration_checksum(migration.sql);
        if *checksum != expected {
            return Err(StoreError::MigrationChecksumMismatch {
                version: *version,
                name: name.clone(),
                recorded: checksum.clone(),
                expected,
            });
        }
    }

    for migration in MIGRATIONS {
        if applied.iter().any(|a| a.0 == migration.version) {
            continue;
        }
        tx.batch_execute(migration.sql)
            .pg("applying a schema migration")?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &i64::from(migration.version),
                &migration.name,
                &migration_checksum(migration.sql),
                &now,
            ],
        )
        .pg("recording a schema migration")?;
    }
    tx.commit().pg(CONTEXT)
}

fn version_of(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        table: "schema_migrations",
        column: "version",
        row: value.to_string(),
        reason: "not a valid migration version".into(),
    })
}

fn read_applied(
    tx: &mut postgres::Transaction<'_>,
) -> Result<Vec<(u32, String, String)>, StoreError> {
    const CONTEXT: &str = "reading schema_migrations";
    let rows = tx
        .query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            &[],
        )
        .pg(CONTEXT)?;
    let mut applied = Vec::new();
    for row in rows {
        let version: i64 = row.try_get(0).pg(CONTEXT)?;
        applied.push((
            version_of(version)?,
            row.try_get(1).pg(CONTEXT)?,
            row.try_get(2).pg(CONTEXT)?,
        ));
    }
    Ok(applied)
}

pub(crate) fn current_version(client: &mut Client) -> Result<u32, StoreError> {
    const CONTEXT: &str = "reading the schema version";
    let row = client
        .query_one("SELECT MAX(version) FROM schema_migrations", &[])
        .pg(CONTEXT)?;
    let version: Option<i64> = row.try_get(0).pg(CONTEXT)?;
    version_of(version.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_strictly_increasing_order() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
    }
}
