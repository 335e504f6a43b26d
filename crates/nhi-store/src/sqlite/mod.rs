//! The embedded SQLite backend.

mod dump;
mod migrate;
mod server;

use crate::backend as codec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nhi_model::{Consumer, Credential, Finding, Severity};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::{Context, StoreError};
use crate::{
    CredentialFilter, FindingFilter, InventoryStore, Page, ScanOutcome, ScanRecord, ScanRow,
    StoredCredential, StoredFinding,
};
use codec::{Decoder, severity_rank, to_json};

/// How long a writer waits for another process's lock before giving up. Scans are
/// recorded in one short transaction, so a few seconds covers a concurrent `nhi scan`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The inventory in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`: parent directories are created
    /// (mode 0700 on unix) and a new file gets mode 0600, since the inventory maps where
    /// an organisation's credentials live. Turns on WAL, foreign keys and a busy timeout,
    /// then applies pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        create_parent_dirs(path)?;
        create_private_file(path)?;
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let store = SqliteStore {
            conn,
            path: Some(path.to_path_buf()),
        };
        store.initialise(true)
    }

    /// A private, throw-away store (tests, `--no-store` style runs). No WAL: it has no file.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        SqliteStore { conn, path: None }.initialise(false)
    }

    /// The highest applied migration version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrate::current_version(&self.conn)
    }

    /// The newest schema version this build can create.
    pub fn latest_schema_version() -> u32 {
        migrate::latest_version()
    }

    fn initialise(mut self, wal: bool) -> Result<SqliteStore, StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .context("setting busy_timeout")?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .context("enabling foreign keys")?;
        if wal {
            let mode: String = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
                .context("switching to WAL journal mode")?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::JournalMode {
                    path: self.path.clone().unwrap_or_default(),
                    mode,
                });
            }
            // NORMAL is durable across application crashes in WAL mode and avoids an
            // fsync per transaction; only a power loss can drop the last commit.
            self.conn
                .pragma_update(None, "synchronous", "NORMAL")
                .context("setting synchronous=NORMAL")?;
        }
        migrate::run(&mut self.conn, &jiff::Timestamp::now().to_string())?;
        Ok(self)
    }
}

fn create_parent_dirs(path: &Path) -> Result<(), StoreError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(parent)
        .map_err(|source| StoreError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })
}

/// Creates the file ourselves before SQLite does, so it is born 0600 rather than with the
/// umask's usual 0644. An existing file is left as it is. SQLite gives its `-wal` and
/// `-shm` files the database file's permissions.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        })
}

/// The credential list's filter: every value optional (`NULL` matches all).
const CREDENTIAL_FILTER: &str = "WHERE (?1 IS NULL OR provider = ?1)
   AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR status = ?3)";

fn credential_filter_args(filter: &CredentialFilter) -> [Option<&'static str>; 3] {
    [
        filter.provider.map(|p| p.as_str()),
        filter.kind.map(|k| k.as_str()),
        filter.status.map(|s| s.as_str()),
    ]
}

/// SQLite's LIMIT for "no limit" is any negative number.
fn sql_limit(limit: Option<usize>) -> i64 {
    limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn sql_offset(offset: usize) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Credentials in the order first recorded, `offset` rows skipped, at most `limit`;
    /// sightings are read only for the rows returned.
    fn credential_window(
        &self,
        filter: &CredentialFilter,
        limit: Option<usize>,
        offset: usize,
    ) -> Result<Vec<StoredCredential>, StoreError> {
        const CONTEXT: &str = "reading credentials";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, fingerprint, kind, provider, preview, external_id, attributes, status,
                        first_seen, last_seen, resolved_at
                 FROM credentials {CREDENTIAL_FILTER}
                 ORDER BY rowid LIMIT ?4 OFFSET ?5"
            ))
            .context(CONTEXT)?;
        let [provider, kind, status] = credential_filter_args(filter);
        let rows = stmt
            .query_map(
                params![provider, kind, status, sql_limit(limit), sql_offset(offset)],
                |row| {
                    Ok(codec::CredentialRow {
                        id: row.get(0)?,
                        fingerprint: row.get(1)?,
                        kind: row.get(2)?,
                        provider: row.get(3)?,
                        preview: row.get(4)?,
                        external_id: row.get(5)?,
                        attributes: row.get(6)?,
                        status: row.get(7)?,
                        first_seen: row.get(8)?,
                        last_seen: row.get(9)?,
                        resolved_at: row.get(10)?,
                    })
                },
            )
            .context(CONTEXT)?;
        let mut stored = Vec::new();
        for row in rows {
            let row = row.context(CONTEXT)?;
            let sightings = load_sightings(&self.conn, &row.id)?;
            stored.push(row.decode(sightings)?);
        }
        Ok(stored)
    }

    fn consumer_window(
        &self,
        limit: Option<usize>,
        offset: usize,
    ) -> Result<Vec<Consumer>, StoreError> {
        const CONTEXT: &str = "reading consumers";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, tool, name, path, line, endpoint, credentials, attributes, root
                 FROM consumers WHERE status = 'active' ORDER BY rowid LIMIT ?1 OFFSET ?2",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params![sql_limit(limit), sql_offset(offset)], |row| {
                Ok(codec::ConsumerRow {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    tool: row.get(2)?,
                    name: row.get(3)?,
                    path: row.get(4)?,
                    line: row.get(5)?,
                    endpoint: row.get(6)?,
                    credentials: row.get(7)?,
                    attributes: row.get(8)?,
                    root: row.get(9)?,
                })
            })
            .context(CONTEXT)?;
        let mut consumers = Vec::new();
        for row in rows {
            consumers.push(row.context(CONTEXT)?.decode()?);
        }
        Ok(consumers)
    }
}

impl InventoryStore for SqliteStore {
    fn record_scan(&mut self, scan: &ScanRecord<'_>) -> Result<ScanOutcome, StoreError> {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could fail with SQLITE_BUSY on upgrade instead of waiting on busy_timeout.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting the scan transaction")?;
        let outcome = record(&tx, scan)?;
        // Dropping `tx` on any error above rolls everything back.
        tx.commit().context("committing the scan")?;
        Ok(outcome)
    }

    fn credentials(&self, filter: &CredentialFilter) -> Result<Vec<StoredCredential>, StoreError> {
        self.credential_window(filter, None, 0)
    }

    fn credential_page(
        &self,
        filter: &CredentialFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Page<StoredCredential>, StoreError> {
        let total: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM credentials {CREDENTIAL_FILTER}"),
                credential_filter_args(filter),
                |row| row.get(0),
            )
            .context("counting credentials")?;
        Ok(Page {
            items: self.credential_window(filter, Some(limit), offset)?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError> {
        const CONTEXT: &str = "reading findings";
        let severities = match filter.min_severity {
            Some(min) => {
                let allowed: Vec<&str> = Severity::ALL
                    .iter()
                    .filter(|s| **s >= min)
                    .map(|s| s.as_str())
                    .collect();
                Some(to_json("severity filter", &allowed)?)
            }
            None => None,
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.id, f.rule, f.title, f.severity, f.confidence, f.owasp, f.history_only,
                        f.evidence, f.fix, f.refs, f.status, f.first_seen, f.last_seen,
                        c.id, c.fingerprint, c.kind, c.provider, c.preview, c.external_id
                 FROM findings AS f JOIN credentials AS c ON c.id = f.credential_id
                 WHERE (?1 IS NULL OR f.severity IN (SELECT value FROM json_each(?1)))
                   AND (?2 IS NULL OR f.status = ?2)
                 ORDER BY f.rowid",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params![severities, filter.status], |row| {
                Ok(codec::FindingRow {
                    id: row.get(0)?,
                    rule: row.get(1)?,
                    title: row.get(2)?,
                    severity: row.get(3)?,
                    confidence: row.get(4)?,
                    owasp: row.get(5)?,
                    history_only: row.get(6)?,
                    evidence: row.get(7)?,
                    fix: row.get(8)?,
                    references: row.get(9)?,
                    status: row.get(10)?,
                    first_seen: row.get(11)?,
                    last_seen: row.get(12)?,
                    credential_id: row.get(13)?,
                    fingerprint: row.get(14)?,
                    kind: row.get(15)?,
                    provider: row.get(16)?,
                    preview: row.get(17)?,
                    external_id: row.get(18)?,
                })
            })
            .context(CONTEXT)?;
        let mut stored = Vec::new();
        // Several findings usually share a credential; read its sightings once.
        let mut sightings_by_credential = HashMap::new();
        for row in rows {
            let row = row.context(CONTEXT)?;
            let sightings = match sightings_by_credential.get(&row.credential_id) {
                Some(sightings) => Clone::clone(sightings),
                None => {
                    let loaded = load_sightings(&self.conn, &row.credential_id)?;
                    sightings_by_credential.insert(row.credential_id.clone(), loaded.clone());
                    loaded
                }
            };
            stored.push(row.decode(sightings)?);
        }
        Ok(stored)
    }

    fn consumers(&self) -> Result<Vec<Consumer>, StoreError> {
        self.consumer_window(None, 0)
    }

    fn consumer_page(&self, limit: usize, offset: usize) -> Result<Page<Consumer>, StoreError> {
        let total: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM consumers WHERE status = 'active'",
                [],
                |row| row.get(0),
            )
            .context("counting consumers")?;
        Ok(Page {
            items: self.consumer_window(Some(limit), offset)?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    fn record_inventory(
        &mut self,
        origin: &str,
        collected_at: jiff::Timestamp,
        inventory: &nhi_model::Inventory,
    ) -> Result<(), StoreError> {
        const CONTEXT: &str = "recording an inventory collection";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(CONTEXT)?;
        write_collection(&tx, origin, collected_at, inventory)?;
        tx.commit().context(CONTEXT)
    }

    fn collections(&self) -> Result<Vec<crate::CollectionRow>, StoreError> {
        const CONTEXT: &str = "reading inventory collections";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT origin, collected_at, identities, credentials
                 FROM inventory_collections ORDER BY origin",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .context(CONTEXT)?;
        let mut out = Vec::new();
        for row in rows {
            let (origin, at, identities, credentials) = row.context(CONTEXT)?;
            let collected_at = at.parse().map_err(|e: jiff::Error| StoreError::Corrupt {
                table: "inventory_collections",
                column: "collected_at",
                row: origin.clone(),
                reason: e.to_string(),
            })?;
            out.push(crate::CollectionRow {
                origin,
                collected_at,
                identities: identities.max(0) as u64,
                credentials: credentials.max(0) as u64,
            });
        }
        Ok(out)
    }

    fn suppress_finding(
        &mut self,
        suppression: &crate::FindingSuppression,
    ) -> Result<(), StoreError> {
        const CONTEXT: &str = "recording a suppression";
        self.conn
            .execute(
                "INSERT INTO finding_suppressions (finding_id, reason, expires, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (finding_id) DO UPDATE SET reason = excluded.reason,
                     expires = excluded.expires, created_at = excluded.created_at",
                params![
                    suppression.finding_id,
                    suppression.reason,
                    suppression.expires.to_string(),
                    suppression.created_at.to_string()
                ],
            )
            .context(CONTEXT)?;
        Ok(())
    }

    fn unsuppress_finding(&mut self, finding_id: &str) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .execute(
                "DELETE FROM finding_suppressions WHERE finding_id = ?1",
                params![finding_id],
            )
            .context("removing a suppression")?;
        Ok(removed > 0)
    }

    fn finding_suppressions(&self) -> Result<Vec<crate::FindingSuppression>, StoreError> {
        const CONTEXT: &str = "reading suppressions";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT finding_id, reason, expires, created_at FROM finding_suppressions
                 ORDER BY finding_id",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .context(CONTEXT)?;
        let mut out = Vec::new();
        for row in rows {
            let (finding_id, reason, expires, created_at) = row.context(CONTEXT)?;
            let corrupt = |column: &'static str, reason: String| StoreError::Corrupt {
                table: "finding_suppressions",
                column,
                row: finding_id.clone(),
                reason,
            };
            out.push(crate::FindingSuppression {
                expires: expires
                    .parse()
                    .map_err(|e: jiff::Error| corrupt("expires", e.to_string()))?,
                created_at: created_at
                    .parse()
                    .map_err(|e: jiff::Error| corrupt("created_at", e.to_string()))?,
                finding_id: finding_id.clone(),
                reason,
            });
        }
        Ok(out)
    }

    fn commit_monitor(&mut self, commit: &crate::MonitorCommit<'_>) -> Result<(), StoreError> {
        const CONTEXT: &str = "committing a monitor checkpoint";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(CONTEXT)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO monitor_alerts (id, detection, severity, severity_rank, identity,
                         first_seen, last_seen, event_count, alert, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (id) DO UPDATE SET
                         severity = excluded.severity,
                         severity_rank = excluded.severity_rank,
                         first_seen = min(coalesce(monitor_alerts.first_seen, excluded.first_seen),
                                          coalesce(excluded.first_seen, monitor_alerts.first_seen)),
                         last_seen = max(coalesce(monitor_alerts.last_seen, excluded.last_seen),
                                         coalesce(excluded.last_seen, monitor_alerts.last_seen)),
                         event_count = excluded.event_count,
                         alert = excluded.alert,
                         recorded_at = excluded.recorded_at",
                )
                .context(CONTEXT)?;
            let at = commit.at.to_string();
            for alert in commit.alerts {
                insert
                    .execute(params![
                        alert.id,
                        alert.detection,
                        alert.severity.as_str(),
                        severity_rank(alert.severity),
                        alert.identity,
                        alert.first_seen.map(|t| t.to_string()),
                        alert.last_seen.map(|t| t.to_string()),
                        alert.event_count as i64,
                        alert.json,
                        at,
                    ])
                    .context(CONTEXT)?;
            }
        }
        tx.execute(
            "INSERT INTO monitor_checkpoints (name, state, positions, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET state = excluded.state,
                 positions = excluded.positions, updated_at = excluded.updated_at",
            params![
                commit.name,
                commit.state,
                commit.positions,
                commit.at.to_string()
            ],
        )
        .context(CONTEXT)?;
        tx.commit().context(CONTEXT)
    }

    fn monitor_checkpoint(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT state, positions FROM monitor_checkpoints WHERE name = ?1",
                params![name],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .context("reading the monitor checkpoint")
    }

    fn alert_count(&self, filter: &crate::AlertFilter) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM monitor_alerts
                 WHERE severity_rank >= ?1
                   AND (?2 IS NULL OR identity = ?2)
                   AND (?3 IS NULL OR detection = ?3)
                   AND (?4 IS NULL OR last_seen >= ?4)",
                params![
                    filter.min_severity.map_or(0, severity_rank),
                    filter.identity,
                    filter.detection,
                    filter.since.map(|t| t.to_string()),
                ],
                |row| row.get(0),
            )
            .context("counting alerts")?;
        Ok(count.max(0).unsigned_abs())
    }

    fn alerts(&self, filter: &crate::AlertFilter) -> Result<Vec<crate::StoredAlert>, StoreError> {
        const CONTEXT: &str = "reading alerts";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, detection, severity, identity, first_seen, last_seen, event_count, alert
                 FROM monitor_alerts
                 WHERE severity_rank >= ?1
                   AND (?2 IS NULL OR identity = ?2)
                   AND (?3 IS NULL OR detection = ?3)
                   AND (?4 IS NULL OR last_seen >= ?4)
                 ORDER BY coalesce(last_seen, '') DESC, id
                 LIMIT ?5 OFFSET ?6",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(
                params![
                    filter.min_severity.map_or(0, severity_rank),
                    filter.identity,
                    filter.detection,
                    filter.since.map(|t| t.to_string()),
                    filter.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(-1)),
                    filter
                        .offset
                        .map_or(0, |o| i64::try_from(o).unwrap_or(i64::MAX)),
                ],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, Option<String>>(5)?,
                        row.get::<_, i64>(6)?,
                        row.get::<_, String>(7)?,
                    ))
                },
            )
            .context(CONTEXT)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, detection, severity, identity, first, last, count, json) =
                row.context(CONTEXT)?;
            let corrupt = |column: &'static str, reason: String| StoreError::Corrupt {
                table: "monitor_alerts",
                column,
                row: id.clone(),
                reason,
            };
            let time = |column: &'static str, text: Option<String>| {
                text.map(|t| {
                    t.parse()
                        .map_err(|e: jiff::Error| corrupt(column, e.to_string()))
                })
                .transpose()
            };
            out.push(crate::StoredAlert {
                severity: severity
                    .parse()
                    .map_err(|e: nhi_model::UnknownVariant| corrupt("severity", e.to_string()))?,
                first_seen: time("first_seen", first)?,
                last_seen: time("last_seen", last)?,
                event_count: count.max(0) as u64,
                id: id.clone(),
                detection,
                identity,
                json,
            });
        }
        Ok(out)
    }

    fn export_dump(&self) -> Result<crate::StoreDump, StoreError> {
        dump::export(&self.conn)
    }

    fn import_dump(
        &mut self,
        dump: &crate::StoreDump,
        mode: crate::ImportMode,
    ) -> Result<(), StoreError> {
        dump::import(&mut self.conn, dump, mode)
    }

    fn codeowners(&self) -> Result<Vec<(String, String)>, StoreError> {
        const CONTEXT: &str = "reading CODEOWNERS";
        let mut stmt = self
            .conn
            .prepare("SELECT root, body FROM root_codeowners ORDER BY root")
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .context(CONTEXT)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.context(CONTEXT)?);
        }
        Ok(out)
    }

    fn inventory(&self) -> Result<nhi_model::Inventory, StoreError> {
        const CONTEXT: &str = "reading inventory collections";
        let mut stmt = self
            .conn
            .prepare("SELECT origin, body FROM inventory_collections ORDER BY origin")
            .context(CONTEXT)?;
        let mut rows = stmt.query([]).context(CONTEXT)?;
        let mut merged = nhi_model::Inventory::default();
        while let Some(row) = rows.next().context(CONTEXT)? {
            let origin: String = row.get(0).context(CONTEXT)?;
            let corrupt = |reason: String| StoreError::Corrupt {
                table: "inventory_collections",
                column: "body",
                row: origin.clone(),
                reason,
            };
            // Decoded from SQLite's own buffer: a body is tens of megabytes at 10,000
            // principals, and copying it into a String first cost a tenth of the read.
            let body = row
                .get_ref(1)
                .context(CONTEXT)?
                .as_str()
                .map_err(|e| corrupt(e.to_string()))?;
            let stored: nhi_model::Inventory =
                serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
            merged.merge(stored.into());
        }
        merged.normalize();
        Ok(merged)
    }

    fn scans(&self, limit: usize) -> Result<Vec<ScanRow>, StoreError> {
        const CONTEXT: &str = "reading scans";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, finished_at, roots, summary
                 FROM scans ORDER BY id DESC LIMIT ?1",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })
            .context(CONTEXT)?;
        let mut scans = Vec::new();
        for row in rows {
            let (id, started_at, finished_at, roots, summary) = row.context(CONTEXT)?;
            let d = Decoder::new("scans", id.to_string());
            scans.push(ScanRow {
                id,
                started_at: d.timestamp("started_at", &started_at)?,
                finished_at: d.timestamp("finished_at", &finished_at)?,
                roots: d.json("roots", &roots)?,
                summary: d.json("summary", &summary)?,
            });
        }
        Ok(scans)
    }
}

/// Every stored sighting of one credential: working tree first, then history by commit
/// date, then by place, so the order is the same on every read and every backend.
fn load_sightings(
    conn: &Connection,
    credential_id: &str,
) -> Result<Vec<nhi_model::Sighting>, StoreError> {
    const CONTEXT: &str = "reading sightings";
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, root, source, path, line, col, commit_id, blob_id, author, commit_date
             FROM sightings WHERE credential_id = ?1
             ORDER BY source = 'git_history', COALESCE(commit_date, ''), root, path, line, col,
                      source, commit_id",
        )
        .context(CONTEXT)?;
    let rows = stmt
        .query_map([credential_id], |row| {
            Ok(codec::SightingRow {
                id: row.get(0)?,
                root: row.get(1)?,
                source: row.get(2)?,
                path: row.get(3)?,
                line: row.get(4)?,
                column: row.get(5)?,
                commit: row.get(6)?,
                blob: row.get(7)?,
                author: row.get(8)?,
                date: row.get(9)?,
            })
        })
        .context(CONTEXT)?;
    let mut sightings = Vec::new();
    for row in rows {
        sightings.push(row.context(CONTEXT)?.decode()?);
    }
    Ok(sightings)
}

/// The body of [`InventoryStore::record_scan`], run inside its transaction.
/// Replaces the collection stored under `origin`; the caller owns the transaction.
fn write_collection(
    tx: &Transaction<'_>,
    origin: &str,
    collected_at: jiff::Timestamp,
    inventory: &nhi_model::Inventory,
) -> Result<(), StoreError> {
    const CONTEXT: &str = "recording an inventory collection";
    let body = crate::backend::inventory_body(inventory)?;
    tx.execute(
        "INSERT INTO inventory_collections (origin, collected_at, identities, credentials, body)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (origin) DO UPDATE SET collected_at = excluded.collected_at,
             identities = excluded.identities, credentials = excluded.credentials,
             body = excluded.body",
        params![
            origin,
            collected_at.to_string(),
            inventory.identities.len() as i64,
            inventory.credentials.len() as i64,
            body
        ],
    )
    .context(CONTEXT)?;
    Ok(())
}

fn record(tx: &Transaction<'_>, scan: &ScanRecord<'_>) -> Result<ScanOutcome, StoreError> {
    let now = scan.finished_at.to_string();
    let roots_json = to_json("scan roots", scan.roots)?;
    tx.execute(
        "INSERT INTO scans (started_at, finished_at, roots, summary) VALUES (?1, ?2, ?3, ?4)",
        params![
            scan.started_at.to_string(),
            now,
            roots_json,
            to_json("scan summary", scan.summary)?
        ],
    )
    .context("inserting the scan")?;
    let scan_id = tx.last_insert_rowid();

    if let Some(inventory) = scan.inventory {
        write_collection(
            tx,
            &crate::scan_origin(scan.roots),
            scan.finished_at,
            inventory,
        )?;
    }
    for (root, body) in scan.codeowners {
        match body {
            Some(body) => tx.execute(
                "INSERT INTO root_codeowners (root, body) VALUES (?1, ?2)
                 ON CONFLICT (root) DO UPDATE SET body = excluded.body",
                params![root, body],
            ),
            None => tx.execute("DELETE FROM root_codeowners WHERE root = ?1", params![root]),
        }
        .context("recording CODEOWNERS")?;
    }

    let single_root = match scan.roots {
        [only] => Some(only.as_str()),
        _ => None,
    };

    // Fingerprint -> stored credential id, for the credentials of this scan only.
    let mut ids_by_fingerprint: HashMap<&str, String> = HashMap::new();
    let mut new_credentials = 0u64;
    let mut seen_again = 0u64;
    for credential in scan.credentials {
        let fingerprint = credential.fingerprint.as_str();
        let already_in_this_scan = ids_by_fingerprint.contains_key(fingerprint);
        let id = match stored_credential_id(tx, fingerprint)? {
            Some(id) => {
                update_credential(tx, &id, credential, &now, scan_id)?;
                if !already_in_this_scan {
                    seen_again += 1;
                }
                id
            }
            None => {
                insert_credential(tx, credential, &now, scan_id)?;
                new_credentials += 1;
                credential.id.as_str().to_string()
            }
        };
        for sighting in &credential.sightings {
            upsert_sighting(tx, &id, sighting, single_root, &now, scan_id)?;
        }
        ids_by_fingerprint.insert(fingerprint, id);
    }

    for finding in scan.findings {
        let Some(credential_id) = ids_by_fingerprint.get(finding.fingerprint.as_str()) else {
            return Err(StoreError::DanglingFinding {
                finding: finding.id.to_string(),
                credential_fingerprint: finding.fingerprint.short().to_string(),
            });
        };
        upsert_finding(tx, finding, credential_id, &now, scan_id)?;
    }

    for consumer in scan.consumers {
        let root = consumer_root(consumer, scan);
        upsert_consumer(tx, consumer, &root, &now, scan_id)?;
    }

    let resolved = resolve_unseen(tx, &now, scan_id, &roots_json)?;
    Ok(ScanOutcome {
        scan_id,
        new_credentials,
        seen_again,
        resolved,
    })
}

fn stored_credential_id(
    tx: &Transaction<'_>,
    fingerprint: &str,
) -> Result<Option<String>, StoreError> {
    tx.prepare_cached("SELECT id FROM credentials WHERE fingerprint = ?1")
        .and_then(|mut stmt| stmt.query_row([fingerprint], |row| row.get(0)).optional())
        .context("looking up a credential by fingerprint")
}

fn insert_credential(
    tx: &Transaction<'_>,
    credential: &Credential,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let attributes = to_json("credential attributes", &credential.attributes)?;
    tx.prepare_cached(
        "INSERT INTO credentials (id, fingerprint, kind, provider, preview, external_id,
                                  attributes, status, first_seen, last_seen, resolved_at,
                                  first_scan_id, last_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL, ?10, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            credential.id.as_str(),
            credential.fingerprint.as_str(),
            credential.kind.as_str(),
            credential.provider.as_str(),
            credential.preview.as_str(),
            credential.external_id,
            attributes,
            credential.status.as_str(),
            now,
            scan_id,
        ])
    })
    .context("inserting a credential")?;
    Ok(())
}

/// Refreshes a known credential. `first_seen` and the stored id stay; being in this scan
/// clears any earlier resolution.
fn update_credential(
    tx: &Transaction<'_>,
    id: &str,
    credential: &Credential,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let attributes = to_json("credential attributes", &credential.attributes)?;
    tx.prepare_cached(
        "UPDATE credentials
         SET kind = ?2, provider = ?3, preview = ?4, external_id = ?5, attributes = ?6,
             status = ?7, last_seen = ?8, resolved_at = NULL, last_scan_id = ?9
         WHERE id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            id,
            credential.kind.as_str(),
            credential.provider.as_str(),
            credential.preview.as_str(),
            credential.external_id,
            attributes,
            credential.status.as_str(),
            now,
            scan_id,
        ])
    })
    .context("updating a credential")?;
    Ok(())
}

/// A sighting with no root in a single-root scan belongs to that root: filing it under ""
/// would keep it out of every later resolution of the root.
fn effective_root<'a>(root: &'a str, single_root: Option<&'a str>) -> &'a str {
    match single_root {
        Some(only) if root.is_empty() => only,
        _ => root,
    }
}

fn upsert_sighting(
    tx: &Transaction<'_>,
    credential_id: &str,
    sighting: &nhi_model::Sighting,
    single_root: Option<&str>,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO sightings (credential_id, root, source, path, line, col, commit_id,
                                blob_id, author, commit_date, first_seen, last_seen,
                                last_scan_id, gone_at, gone_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, NULL, NULL)
         ON CONFLICT (credential_id, root, source, path, line, col, commit_id) DO UPDATE SET
             blob_id = excluded.blob_id,
             author = excluded.author,
             commit_date = excluded.commit_date,
             last_seen = excluded.last_seen,
             last_scan_id = excluded.last_scan_id,
             gone_at = NULL,
             gone_scan_id = NULL",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            credential_id,
            effective_root(&sighting.root, single_root),
            sighting.source.as_str(),
            sighting.path,
            sighting.line,
            sighting.column,
            sighting.commit.as_deref().unwrap_or(""),
            sighting.blob,
            sighting.author,
            sighting.date,
            now,
            scan_id,
        ])
    })
    .context("upserting a sighting")?;
    Ok(())
}

/// A suppressed finding stays suppressed when seen again; anything else seen is open.
fn upsert_finding(
    tx: &Transaction<'_>,
    finding: &Finding,
    credential_id: &str,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let evidence = to_json("finding evidence", &finding.evidence)?;
    let references = to_json("finding references", &finding.references)?;
    tx.prepare_cached(
        "INSERT INTO findings (id, rule, title, severity, confidence, owasp, credential_id,
                               history_only, evidence, fix, refs, status, first_seen,
                               last_seen, resolved_at, last_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, ?12, NULL, ?13)
         ON CONFLICT (id) DO UPDATE SET
             rule = excluded.rule,
             title = excluded.title,
             severity = excluded.severity,
             confidence = excluded.confidence,
             owasp = excluded.owasp,
             credential_id = excluded.credential_id,
             history_only = excluded.history_only,
             evidence = excluded.evidence,
             fix = excluded.fix,
             refs = excluded.refs,
             status = CASE WHEN findings.status = 'suppressed' THEN 'suppressed' ELSE 'open' END,
             last_seen = excluded.last_seen,
             resolved_at = NULL,
             last_scan_id = excluded.last_scan_id",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            finding.id.as_str(),
            finding.rule,
            finding.title,
            finding.severity.as_str(),
            finding.confidence.as_str(),
            finding.owasp.as_str(),
            credential_id,
            finding.history_only,
            evidence,
            finding.fix,
            references,
            now,
            scan_id,
        ])
    })
    .context("upserting a finding")?;
    Ok(())
}

/// Which root a consumer was found under: its own, else the only root of a single-root
/// scan, else "" (unknown, resolved only once a later scan covers every root).
fn consumer_root(consumer: &Consumer, scan: &ScanRecord<'_>) -> String {
    if !consumer.root.is_empty() {
        return consumer.root.clone();
    }
    match scan.roots {
        [only] => only.clone(),
        _ => String::new(),
    }
}

fn upsert_consumer(
    tx: &Transaction<'_>,
    consumer: &Consumer,
    root: &str,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let credentials = to_json("consumer credentials", &consumer.credentials)?;
    let attributes = to_json("consumer attributes", &consumer.attributes)?;
    tx.prepare_cached(
        "INSERT INTO consumers (id, root, kind, tool, name, path, line, endpoint, credentials,
                                attributes, status, first_seen, last_seen, resolved_at,
                                last_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active', ?11, ?11, NULL, ?12)
         ON CONFLICT (root, id) DO UPDATE SET
             kind = excluded.kind,
             tool = excluded.tool,
             name = excluded.name,
             path = excluded.path,
             line = excluded.line,
             endpoint = excluded.endpoint,
             credentials = excluded.credentials,
             attributes = excluded.attributes,
             status = 'active',
             last_seen = excluded.last_seen,
             resolved_at = NULL,
             last_scan_id = excluded.last_scan_id",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            consumer.id,
            root,
            consumer.kind.as_str(),
            consumer.tool,
            consumer.name,
            consumer.path,
            consumer.line,
            consumer.endpoint,
            credentials,
            attributes,
            now,
            scan_id,
        ])
    })
    .context("upserting a consumer")?;
    Ok(())
}

/// Retires what the rescanned roots no longer contain. Returns how many credentials
/// became resolved.
///
/// Rows filed under the unknown root "" are retired only when this scan covered every
/// root of the scan that last saw them.
///
/// A credential is resolved when this scan retired one of its sightings and none is left
/// live anywhere: a key still present under a root this scan did not cover stays active.
/// A finding not produced by this scan is resolved when its credential was under a
/// rescanned root and has no live sighting outside the rescanned roots (that also covers
/// a rule that stopped firing on a credential that is still present).
fn resolve_unseen(
    tx: &Transaction<'_>,
    now: &str,
    scan_id: i64,
    roots_json: &str,
) -> Result<u64, StoreError> {
    const UNKNOWN_ROOT_COVERED: &str = "NOT EXISTS (
            SELECT 1 FROM scans AS prev, json_each(prev.roots) AS prev_root
            WHERE prev.id = {table}.last_scan_id
              AND prev_root.value NOT IN (SELECT value FROM json_each(?3)))";
    let covered = |table: &str| UNKNOWN_ROOT_COVERED.replace("{table}", table);

    tx.execute(
        &format!(
            "UPDATE sightings SET gone_at = ?1, gone_scan_id = ?2
             WHERE gone_at IS NULL AND last_scan_id <> ?2
               AND (root IN (SELECT value FROM json_each(?3)) OR (root = '' AND {}))",
            covered("sightings")
        ),
        params![now, scan_id, roots_json],
    )
    .context("retiring sightings no longer found")?;

    let resolved = tx
        .execute(
            "UPDATE credentials SET status = 'resolved', resolved_at = ?1
             WHERE status <> 'resolved' AND last_scan_id <> ?2
               AND EXISTS (SELECT 1 FROM sightings AS s
                           WHERE s.credential_id = credentials.id AND s.gone_scan_id = ?2)
               AND NOT EXISTS (SELECT 1 FROM sightings AS s
                               WHERE s.credential_id = credentials.id AND s.gone_at IS NULL)",
            params![now, scan_id],
        )
        .context("resolving credentials no longer found")?;

    tx.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = ?1
         WHERE status = 'open' AND last_scan_id <> ?2
           AND EXISTS (SELECT 1 FROM sightings AS s
                       WHERE s.credential_id = findings.credential_id
                         AND (s.root IN (SELECT value FROM json_each(?3)) OR s.gone_scan_id = ?2))
           AND NOT EXISTS (SELECT 1 FROM sightings AS s
                           WHERE s.credential_id = findings.credential_id
                             AND s.gone_at IS NULL
                             AND s.root NOT IN (SELECT value FROM json_each(?3)))",
        params![now, scan_id, roots_json],
    )
    .context("resolving findings no longer raised")?;

    tx.execute(
        &format!(
            "UPDATE consumers SET status = 'resolved', resolved_at = ?1
             WHERE status = 'active' AND last_scan_id <> ?2
               AND (root IN (SELECT value FROM json_each(?3)) OR (root = '' AND {}))",
            covered("consumers")
        ),
        params![now, scan_id, roots_json],
    )
    .context("resolving consumers no longer found")?;

    u64::try_from(resolved).map_err(|_| StoreError::OutOfRange {
        what: "resolved credential count",
        value: resolved.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_enforces_foreign_keys_and_waits_on_locks() {
        let store = SqliteStore::open_in_memory().unwrap();
        let foreign_keys: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .unwrap();
        assert_eq!(foreign_keys, 1);
        let timeout_ms: i64 = store
            .conn
            .query_row("PRAGMA busy_timeout", [], |row| row.get(0))
            .unwrap();
        assert_eq!(timeout_ms, 5000);
        let err = store
            .conn
            .execute(
                "INSERT INTO sightings (credential_id, root, source, path, line, col,
                                        first_seen, last_seen, last_scan_id)
                 VALUES ('cred-missing', '/r', 'file', 'a', 1, 1, 'x', 'x', 1)",
                [],
            )
            .unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    }

    #[test]
    fn effective_root_fills_in_only_a_missing_root_of_a_single_root_scan() {
        assert_eq!(effective_root("", Some("/r")), "/r");
        assert_eq!(effective_root("/a", Some("/r")), "/a");
        assert_eq!(effective_root("", None), "");
    }
}
