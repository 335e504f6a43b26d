//! A small versioned-migration runner.
//!
//! Migrations are plain SQL files (`migrations/sqlite/V<n>__<name>.sql`) compiled into the
//! binary. Each applied one is recorded in `schema_migrations` with a checksum of its text,
//! so a database migrated by a different copy of a migration is noticed instead of being
//! silently trusted.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::{Context, StoreError};

pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, in version order. Append only: never edit a
/// released migration (its checksum is recorded in users' databases); add a new one.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../migrations/sqlite/V1__init.sql"),
    },
    Migration {
        version: 2,
        name: "inventory",
        sql: include_str!("../../migrations/sqlite/V2__inventory.sql"),
    },
    Migration {
        version: 3,
        name: "finding_suppressions",
        sql: include_str!("../../migrations/sqlite/V3__finding_suppressions.sql"),
    },
    Migration {
        version: 4,
        name: "monitoring",
        sql: include_str!("../../migrations/sqlite/V4__monitoring.sql"),
    },
    Migration {
        version: 5,
        name: "server",
        sql: include_str!("../../migrations/sqlite/V5__server.sql"),
    },
    Migration {
        version: 6,
        name: "index_paging",
        sql: include_str!("../../migrations/sqlite/V6__index_paging.sql"),
    },
    Migration {
        version: 7,
        name: "run_events",
        sql: include_str!("../../migrations/sqlite/V7__run_events.sql"),
    },
    Migration {
        version: 8,
        name: "search_in_index",
        sql: include_str!("../../migrations/sqlite/V8__search_in_index.sql"),
    },
];

pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The shared checksum (see [`crate::backend::migration_checksum`]).
pub(crate) fn checksum(sql: &str) -> String {
    crate::backend::migration_checksum(sql)
}

struct Applied {
    version: u32,
    name: String,
    checksum: String,
}

/// Brings the schema up to [`latest_version`], or refuses if the database is from a newer
/// build or its recorded migrations do not match this build's.
///
/// Everything happens in one IMMEDIATE transaction: two processes opening a fresh database
/// at once cannot both apply V1, and a failing migration leaves no trace.
pub(crate) fn run(conn: &mut Connection, now: &str) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .context("starting the migration transaction")?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .context("creating schema_migrations")?;

    let applied = read_applied(&tx)?;
    let known = latest_version();
    if let Some(newest) = applied.iter().map(|a| a.version).max()
        && newest > known
    {
        return Err(StoreError::SchemaTooNew {
            found: newest,
            known,
        });
    }
    for record in &applied {
        let Some(migration) = MIGRATIONS.iter().find(|m| m.version == record.version) else {
            return Err(StoreError::UnknownMigration {
                version: record.version,
                name: record.name.clone(),
            });
        };
        let expected = checksum(migration.sql);
        if record.checksum != expected {
            return Err(StoreError::MigrationChecksumMismatch {
                version: record.version,
                name: record.name.clone(),
                recorded: record.checksum.clone(),
                expected,
            });
        }
    }

    for migration in MIGRATIONS {
        if applied.iter().any(|a| a.version == migration.version) {
            continue;
        }
        tx.execute_batch(migration.sql)
            .context("applying a schema migration")?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                migration.version,
                migration.name,
                checksum(migration.sql),
                now
            ],
        )
        .context("recording a schema migration")?;
    }
    tx.commit().context("committing schema migrations")
}

fn read_applied(conn: &Connection) -> Result<Vec<Applied>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        .context("reading schema_migrations")?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .context("reading schema_migrations")?;
    let mut applied = Vec::new();
    for row in rows {
        let (version, name, checksum) = row.context("reading schema_migrations")?;
        let version = u32::try_from(version).map_err(|_| StoreError::Corrupt {
            table: "schema_migrations",
            column: "version",
            row: version.to_string(),
            reason: "not a valid migration version".into(),
        })?;
        applied.push(Applied {
            version,
            name,
            checksum,
        });
    }
    Ok(applied)
}

pub(crate) fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    let version: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .optional()
        .context("reading the schema version")?
        .flatten();
    let version = version.unwrap_or(0);
    u32::try_from(version).map_err(|_| StoreError::Corrupt {
        table: "schema_migrations",
        column: "version",
        row: version.to_string(),
        reason: "not a valid migration version".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_strictly_increasing_order() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
    }

    #[test]
    fn checksum_ignores_carriage_returns() {
        assert_eq!(checksum("a\r\nb\r\n"), checksum("a\nb\n"));
        assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
        assert_eq!(checksum("").len(), 64);
    }
}
