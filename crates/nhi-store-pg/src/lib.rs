//! The inventory store on PostgreSQL: [`PgStore`] implements [`nhi_store::InventoryStore`]
//! with the same behaviour as the SQLite store, for `nhi serve` and `--db postgres://…`.
//!
//! It uses the synchronous `postgres` client (tokio-postgres underneath, with a runtime
//! of its own per connection), because the trait is synchronous; an async server calls it
//! from `spawn_blocking`. Connections come from a small pool, so one `PgStore` can be
//! shared between threads (`&self` reads run concurrently; writes take `&mut self`).
//!
//! Behaviour is kept identical to SQLite by construction rather than by luck:
//! - the schema mirrors SQLite's column for column, with text timestamps and text JSON
//!   (see `migrations/V1__init.sql` for why), and rows decode through the same
//!   [`nhi_store::backend`] decoder;
//! - every write transaction first takes a per-schema advisory lock, so writers are
//!   serialised as SQLite serialises them (and a scan's resolution never races another
//!   scan), and scan and sighting ids are assigned as SQLite assigns them (MAX + 1,
//!   without gaps);
//! - text compares and sorts with `COLLATE "C"` (code-point order, as SQLite's BINARY);
//! - reads that take several queries run in one REPEATABLE READ snapshot.
//!
//! Nothing stored here is a raw secret: the model types carry only keyed fingerprints and
//! redacted previews, and the store persists exactly those. Connection strings may hold a
//! password; it never reaches an error message or `Debug`.

#![forbid(unsafe_code)]

mod dump;
mod migrate;
mod pool;
mod server;

use std::collections::HashMap;

use nhi_model::{Consumer, Credential, Finding, Severity};
use nhi_store::backend::{
    ConsumerRow, CredentialRow, Decoder, FindingRow, SightingRow, severity_rank, to_json,
};
use nhi_store::{
    AlertFilter, CollectionRow, CredentialFilter, FindingFilter, FindingSuppression, ImportMode,
    InventoryStore, MonitorCommit, Page, ScanOutcome, ScanRecord, ScanRow, StoreDump, StoreError,
    StoredAlert, StoredCredential, StoredFinding,
};
use postgres::{GenericClient, IsolationLevel, Row, Transaction};

use pool::Pool;

/// The name errors give this backend.
const BACKEND: &str = "PostgreSQL";

/// Attaches what the store was doing to a bare `postgres` error.
pub(crate) trait PgContext<T> {
    fn pg(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> PgContext<T> for Result<T, postgres::Error> {
    fn pg(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Backend {
            backend: BACKEND,
            context,
            source: Box::new(source),
        })
    }
}

/// Takes the store's write lock for the rest of the transaction: a transaction-level
/// advisory lock keyed by the schema the store lives in, so stores in different schemas
/// of one database do not wait for each other. Every write (scan, collection,
/// suppression, monitor commit, dump load, migration) takes it first.
pub(crate) fn lock_store(tx: &mut Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('nhi-store:' || current_schema(), 0))",
        &[],
    )
    .pg("taking the store's write lock")?;
    Ok(())
}

/// Reads a column without panicking on a type mismatch (`Row::get` would).
fn col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a Row,
    index: usize,
    context: &'static str,
) -> Result<T, StoreError> {
    row.try_get(index).pg(context)
}

/// A count or size as the BIGINT the schema keeps it in.
fn bigint(
    what: &'static str,
    value: impl TryInto<i64> + ToString + Copy,
) -> Result<i64, StoreError> {
    value.try_into().map_err(|_| StoreError::OutOfRange {
        what,
        value: value.to_string(),
    })
}

/// The inventory in a PostgreSQL database (in the schema its connection's `search_path`
/// names first, `public` by default).
///
/// Cloning is cheap and shares the connection pool, so a server hands a clone to each
/// worker instead of connecting (and checking migrations) again.
#[derive(Clone)]
pub struct PgStore {
    pool: std::sync::Arc<Pool>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`, or the
    /// key=value form; a `host` that is a directory means a Unix socket), then applies
    /// pending migrations. Plain TCP or Unix socket only: TLS is not built in yet.
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        let config: postgres::Config = url.parse().pg("parsing the connection string")?;
        PgStore::with_config(config)
    }

    /// As [`PgStore::connect`], from a parsed configuration.
    pub fn with_config(config: postgres::Config) -> Result<PgStore, StoreError> {
        let store = PgStore {
            pool: std::sync::Arc::new(Pool::new(config)),
        };
        let mut conn = store.pool.get()?;
        migrate::run(&mut conn, &jiff::Timestamp::now().to_string())?;
        drop(conn);
        Ok(store)
    }

    /// The highest applied migration version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrate::current_version(&mut *self.pool.get()?)
    }

    /// The newest schema version this build can create.
    pub fn latest_schema_version() -> u32 {
        migrate::latest_version()
    }

    /// A read-only transaction seeing one snapshot, for reads made of several queries.
    fn read<T>(
        &self,
        context: &'static str,
        body: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .pg(context)?;
        let out = body(&mut tx)?;
        tx.commit().pg(context)?;
        Ok(out)
    }

    /// A write transaction holding the store's write lock; committed when `body`
    /// succeeds, rolled back (by dropping it) when it fails.
    fn write<T>(
        &mut self,
        context: &'static str,
        body: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().pg(context)?;
        lock_store(&mut tx)?;
        let out = body(&mut tx)?;
        tx.commit().pg(context)?;
        Ok(out)
    }
}

/// The credential list's filter: every value optional (`NULL` matches all).
const CREDENTIAL_FILTER: &str = "WHERE ($1::text IS NULL OR provider = $1)
   AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR status = $3)";

fn credential_filter_args(filter: &CredentialFilter) -> [Option<&'static str>; 3] {
    [
        filter.provider.map(|p| p.as_str()),
        filter.kind.map(|k| k.as_str()),
        filter.status.map(|s| s.as_str()),
    ]
}

/// `LIMIT NULL` is PostgreSQL's "no limit".
fn sql_limit(limit: Option<usize>) -> Option<i64> {
    limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn sql_offset(offset: usize) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

/// Credentials in the order first recorded, `offset` rows skipped, at most `limit`;
/// sightings are read only for the rows returned.
fn credential_window(
    tx: &mut Transaction<'_>,
    filter: &CredentialFilter,
    limit: Option<usize>,
    offset: usize,
) -> Result<Vec<StoredCredential>, StoreError> {
    const CONTEXT: &str = "reading credentials";
    let [provider, kind, status] = credential_filter_args(filter);
    let rows = tx
        .query(
            &format!(
                "SELECT id, fingerprint, kind, provider, preview, external_id, attributes,
                        status, first_seen, last_seen, resolved_at
                 FROM credentials {CREDENTIAL_FILTER}
                 ORDER BY rowid LIMIT $4::bigint OFFSET $5::bigint"
            ),
            &[
                &provider,
                &kind,
                &status,
                &sql_limit(limit),
                &sql_offset(offset),
            ],
        )
        .pg(CONTEXT)?;
    let mut credentials = Vec::with_capacity(rows.len());
    for row in &rows {
        credentials.push(CredentialRow {
            id: col(row, 0, CONTEXT)?,
            fingerprint: col(row, 1, CONTEXT)?,
            kind: col(row, 2, CONTEXT)?,
            provider: col(row, 3, CONTEXT)?,
            preview: col(row, 4, CONTEXT)?,
            external_id: col(row, 5, CONTEXT)?,
            attributes: col(row, 6, CONTEXT)?,
            status: col(row, 7, CONTEXT)?,
            first_seen: col(row, 8, CONTEXT)?,
            last_seen: col(row, 9, CONTEXT)?,
            resolved_at: col(row, 10, CONTEXT)?,
        });
    }
    let ids: Vec<&str> = credentials.iter().map(|c| c.id.as_str()).collect();
    let mut sightings = load_sightings(tx, &ids)?;
    credentials
        .into_iter()
        .map(|row| {
            let own = sightings.remove(&row.id).unwrap_or_default();
            row.decode(own)
        })
        .collect()
}

fn consumer_window(
    tx: &mut Transaction<'_>,
    limit: Option<usize>,
    offset: usize,
) -> Result<Vec<Consumer>, StoreError> {
    const CONTEXT: &str = "reading consumers";
    let rows = tx
        .query(
            "SELECT id, kind, tool, name, path, line, endpoint, credentials, attributes, root
             FROM consumers WHERE status = 'active'
             ORDER BY rowid LIMIT $1::bigint OFFSET $2::bigint",
            &[&sql_limit(limit), &sql_offset(offset)],
        )
        .pg(CONTEXT)?;
    rows.iter()
        .map(|row| {
            ConsumerRow {
                id: col(row, 0, CONTEXT)?,
                kind: col(row, 1, CONTEXT)?,
                tool: col(row, 2, CONTEXT)?,
                name: col(row, 3, CONTEXT)?,
                path: col(row, 4, CONTEXT)?,
                line: col(row, 5, CONTEXT)?,
                endpoint: col(row, 6, CONTEXT)?,
                credentials: col(row, 7, CONTEXT)?,
                attributes: col(row, 8, CONTEXT)?,
                root: col(row, 9, CONTEXT)?,
            }
            .decode()
        })
        .collect()
}

impl InventoryStore for PgStore {
    fn record_scan(&mut self, scan: &ScanRecord<'_>) -> Result<ScanOutcome, StoreError> {
        self.write("recording a scan", |tx| record(tx, scan))
    }

    fn credentials(&self, filter: &CredentialFilter) -> Result<Vec<StoredCredential>, StoreError> {
        self.read("reading credentials", |tx| {
            credential_window(tx, filter, None, 0)
        })
    }

    fn credential_page(
        &self,
        filter: &CredentialFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Page<StoredCredential>, StoreError> {
        const CONTEXT: &str = "reading a page of credentials";
        // One snapshot: the count and the page agree.
        self.read(CONTEXT, |tx| {
            let [provider, kind, status] = credential_filter_args(filter);
            let total: i64 = tx
                .query_one(
                    &format!("SELECT count(*) FROM credentials {CREDENTIAL_FILTER}"),
                    &[&provider, &kind, &status],
                )
                .pg(CONTEXT)?
                .get(0);
            Ok(Page {
                items: credential_window(tx, filter, Some(limit), offset)?,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError> {
        const CONTEXT: &str = "reading findings";
        let severities: Option<Vec<&str>> = filter.min_severity.map(|min| {
            Severity::ALL
                .iter()
                .filter(|s| **s >= min)
                .map(|s| s.as_str())
                .collect()
        });
        self.read(CONTEXT, |tx| {
            let rows = tx
                .query(
                    "SELECT f.id, f.rule, f.title, f.severity, f.confidence, f.owasp,
                            f.history_only, f.evidence, f.fix, f.refs, f.status, f.first_seen,
                            f.last_seen, c.id, c.fingerprint, c.kind, c.provider, c.preview,
                            c.external_id
                     FROM findings AS f JOIN credentials AS c ON c.id = f.credential_id
                     WHERE ($1::text[] IS NULL OR f.severity = ANY($1))
                       AND ($2::text IS NULL OR f.status = $2)
                     ORDER BY f.rowid",
                    &[&severities, &filter.status],
                )
                .pg(CONTEXT)?;
            let mut findings = Vec::with_capacity(rows.len());
            for row in &rows {
                let history_only: bool = col(row, 6, CONTEXT)?;
                findings.push(FindingRow {
                    id: col(row, 0, CONTEXT)?,
                    rule: col(row, 1, CONTEXT)?,
                    title: col(row, 2, CONTEXT)?,
                    severity: col(row, 3, CONTEXT)?,
                    confidence: col(row, 4, CONTEXT)?,
                    owasp: col(row, 5, CONTEXT)?,
                    history_only: i64::from(history_only),
                    evidence: col(row, 7, CONTEXT)?,
                    fix: col(row, 8, CONTEXT)?,
                    references: col(row, 9, CONTEXT)?,
                    status: col(row, 10, CONTEXT)?,
                    first_seen: col(row, 11, CONTEXT)?,
                    last_seen: col(row, 12, CONTEXT)?,
                    credential_id: col(row, 13, CONTEXT)?,
                    fingerprint: col(row, 14, CONTEXT)?,
                    kind: col(row, 15, CONTEXT)?,
                    provider: col(row, 16, CONTEXT)?,
                    preview: col(row, 17, CONTEXT)?,
                    external_id: col(row, 18, CONTEXT)?,
                });
            }
            let mut ids: Vec<&str> = findings.iter().map(|f| f.credential_id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            let sightings = load_sightings(tx, &ids)?;
            findings
                .into_iter()
                .map(|row| {
                    // Several findings may share a credential, and so its sightings.
                    let own = sightings
                        .get(&row.credential_id)
                        .cloned()
                        .unwrap_or_default();
                    row.decode(own)
                })
                .collect()
        })
    }

    fn consumers(&self) -> Result<Vec<Consumer>, StoreError> {
        self.read("reading consumers", |tx| consumer_window(tx, None, 0))
    }

    fn consumer_page(&self, limit: usize, offset: usize) -> Result<Page<Consumer>, StoreError> {
        const CONTEXT: &str = "reading a page of consumers";
        self.read(CONTEXT, |tx| {
            let total: i64 = tx
                .query_one(
                    "SELECT count(*) FROM consumers WHERE status = 'active'",
                    &[],
                )
                .pg(CONTEXT)?
                .get(0);
            Ok(Page {
                items: consumer_window(tx, Some(limit), offset)?,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
    }

    fn scans(&self, limit: usize) -> Result<Vec<ScanRow>, StoreError> {
        const CONTEXT: &str = "reading scans";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT id, started_at, finished_at, roots, summary
                 FROM scans ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .pg(CONTEXT)?;
        rows.iter()
            .map(|row| {
                let id: i64 = col(row, 0, CONTEXT)?;
                let d = Decoder::new("scans", id.to_string());
                Ok(ScanRow {
                    id,
                    started_at: d.timestamp("started_at", &col::<String>(row, 1, CONTEXT)?)?,
                    finished_at: d.timestamp("finished_at", &col::<String>(row, 2, CONTEXT)?)?,
                    roots: d.json("roots", &col::<String>(row, 3, CONTEXT)?)?,
                    summary: d.json("summary", &col::<String>(row, 4, CONTEXT)?)?,
                })
            })
            .collect()
    }

    fn record_inventory(
        &mut self,
        origin: &str,
        collected_at: jiff::Timestamp,
        inventory: &nhi_model::Inventory,
    ) -> Result<(), StoreError> {
        self.write("recording an inventory collection", |tx| {
            write_collection(tx, origin, collected_at, inventory)
        })
    }

    fn inventory(&self) -> Result<nhi_model::Inventory, StoreError> {
        const CONTEXT: &str = "reading inventory collections";
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT origin, body FROM inventory_collections ORDER BY origin COLLATE \"C\"",
                &[],
            )
            .pg(CONTEXT)?;
        let mut merged = nhi_model::Inventory::default();
        for row in &rows {
            let origin: String = col(row, 0, CONTEXT)?;
            let body: String = col(row, 1, CONTEXT)?;
            let stored: nhi_model::Inventory =
                serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                    table: "inventory_collections",
                    column: "body",
                    row: origin.clone(),
                    reason: e.to_string(),
                })?;
            merged.merge(stored.into());
        }
        merged.normalize();
        Ok(merged)
    }

    fn collections(&self) -> Result<Vec<CollectionRow>, StoreError> {
        const CONTEXT: &str = "reading inventory collections";
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT origin, collected_at, identities, credentials
                 FROM inventory_collections ORDER BY origin COLLATE \"C\"",
                &[],
            )
            .pg(CONTEXT)?;
        rows.iter()
            .map(|row| {
                let origin: String = col(row, 0, CONTEXT)?;
                let at: String = col(row, 1, CONTEXT)?;
                let identities: i64 = col(row, 2, CONTEXT)?;
                let credentials: i64 = col(row, 3, CONTEXT)?;
                let collected_at = at.parse().map_err(|e: jiff::Error| StoreError::Corrupt {
                    table: "inventory_collections",
                    column: "collected_at",
                    row: origin.clone(),
                    reason: e.to_string(),
                })?;
                Ok(CollectionRow {
                    origin,
                    collected_at,
                    identities: identities.max(0).unsigned_abs(),
                    credentials: credentials.max(0).unsigned_abs(),
                })
            })
            .collect()
    }

    fn codeowners(&self) -> Result<Vec<(String, String)>, StoreError> {
        const CONTEXT: &str = "reading CODEOWNERS";
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT root, body FROM root_codeowners ORDER BY root COLLATE \"C\"",
                &[],
            )
            .pg(CONTEXT)?;
        rows.iter()
            .map(|row| Ok((col(row, 0, CONTEXT)?, col(row, 1, CONTEXT)?)))
            .collect()
    }

    fn suppress_finding(&mut self, suppression: &FindingSuppression) -> Result<(), StoreError> {
        const CONTEXT: &str = "recording a suppression";
        self.write(CONTEXT, |tx| {
            tx.execute(
                "INSERT INTO finding_suppressions (finding_id, reason, expires, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (finding_id) DO UPDATE SET reason = excluded.reason,
                     expires = excluded.expires, created_at = excluded.created_at",
                &[
                    &suppression.finding_id,
                    &suppression.reason,
                    &suppression.expires.to_string(),
                    &suppression.created_at.to_string(),
                ],
            )
            .pg(CONTEXT)?;
            Ok(())
        })
    }

    fn unsuppress_finding(&mut self, finding_id: &str) -> Result<bool, StoreError> {
        const CONTEXT: &str = "removing a suppression";
        self.write(CONTEXT, |tx| {
            let removed = tx
                .execute(
                    "DELETE FROM finding_suppressions WHERE finding_id = $1",
                    &[&finding_id],
                )
                .pg(CONTEXT)?;
            Ok(removed > 0)
        })
    }

    fn finding_suppressions(&self) -> Result<Vec<FindingSuppression>, StoreError> {
        const CONTEXT: &str = "reading suppressions";
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT finding_id, reason, expires, created_at FROM finding_suppressions
                 ORDER BY finding_id COLLATE \"C\"",
                &[],
            )
            .pg(CONTEXT)?;
        rows.iter()
            .map(|row| {
                let finding_id: String = col(row, 0, CONTEXT)?;
                let expires: String = col(row, 2, CONTEXT)?;
                let created_at: String = col(row, 3, CONTEXT)?;
                let corrupt = |column: &'static str, reason: String| StoreError::Corrupt {
                    table: "finding_suppressions",
                    column,
                    row: finding_id.clone(),
                    reason,
                };
                Ok(FindingSuppression {
                    expires: expires
                        .parse()
                        .map_err(|e: jiff::Error| corrupt("expires", e.to_string()))?,
                    created_at: created_at
                        .parse()
                        .map_err(|e: jiff::Error| corrupt("created_at", e.to_string()))?,
                    reason: col(row, 1, CONTEXT)?,
                    finding_id: finding_id.clone(),
                })
            })
            .collect()
    }

    fn commit_monitor(&mut self, commit: &MonitorCommit<'_>) -> Result<(), StoreError> {
        const CONTEXT: &str = "committing a monitor checkpoint";
        self.write(CONTEXT, |tx| {
            // The span only widens: LEAST/GREATEST over the stored and the new times,
            // compared as text (as SQLite's min/max do), a missing one taking the other.
            let insert = tx
                .prepare(
                    "INSERT INTO monitor_alerts (id, detection, severity, severity_rank, identity,
                         first_seen, last_seen, event_count, alert, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (id) DO UPDATE SET
                         severity = excluded.severity,
                         severity_rank = excluded.severity_rank,
                         first_seen = LEAST(
                             COALESCE(monitor_alerts.first_seen, excluded.first_seen) COLLATE \"C\",
                             COALESCE(excluded.first_seen, monitor_alerts.first_seen) COLLATE \"C\"),
                         last_seen = GREATEST(
                             COALESCE(monitor_alerts.last_seen, excluded.last_seen) COLLATE \"C\",
                             COALESCE(excluded.last_seen, monitor_alerts.last_seen) COLLATE \"C\"),
                         event_count = excluded.event_count,
                         alert = excluded.alert,
                         recorded_at = excluded.recorded_at",
                )
                .pg(CONTEXT)?;
            let at = commit.at.to_string();
            for alert in commit.alerts {
                tx.execute(
                    &insert,
                    &[
                        &alert.id,
                        &alert.detection,
                        &alert.severity.as_str(),
                        &severity_rank(alert.severity),
                        &alert.identity,
                        &alert.first_seen.map(|t| t.to_string()),
                        &alert.last_seen.map(|t| t.to_string()),
                        // As SQLite stores it: a count past i64::MAX wraps (never in practice).
                        &(alert.event_count as i64),
                        &alert.json,
                        &at,
                    ],
                )
                .pg(CONTEXT)?;
            }
            tx.execute(
                "INSERT INTO monitor_checkpoints (name, state, positions, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET state = excluded.state,
                     positions = excluded.positions, updated_at = excluded.updated_at",
                &[&commit.name, &commit.state, &commit.positions, &at],
            )
            .pg(CONTEXT)?;
            Ok(())
        })
    }

    fn monitor_checkpoint(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        const CONTEXT: &str = "reading the monitor checkpoint";
        let row = self
            .pool
            .get()?
            .query_opt(
                "SELECT state, positions FROM monitor_checkpoints WHERE name = $1",
                &[&name],
            )
            .pg(CONTEXT)?;
        row.map(|row| Ok((col(&row, 0, CONTEXT)?, col(&row, 1, CONTEXT)?)))
            .transpose()
    }

    fn alert_count(&self, filter: &AlertFilter) -> Result<u64, StoreError> {
        const CONTEXT: &str = "counting alerts";
        let row = self
            .pool
            .get()?
            .query_one(
                "SELECT count(*) FROM monitor_alerts
                 WHERE severity_rank >= $1
                   AND ($2::text IS NULL OR identity = $2)
                   AND ($3::text IS NULL OR detection = $3)
                   AND ($4::text IS NULL OR last_seen COLLATE \"C\" >= $4)",
                &[
                    &filter.min_severity.map_or(0, severity_rank),
                    &filter.identity,
                    &filter.detection,
                    &filter.since.map(|t| t.to_string()),
                ],
            )
            .pg(CONTEXT)?;
        let count: i64 = col(&row, 0, CONTEXT)?;
        Ok(count.max(0).unsigned_abs())
    }

    fn alerts(&self, filter: &AlertFilter) -> Result<Vec<StoredAlert>, StoreError> {
        const CONTEXT: &str = "reading alerts";
        // No limit is LIMIT NULL (all rows); a limit past i64 is no limit either.
        let limit: Option<i64> = filter.limit.and_then(|l| i64::try_from(l).ok());
        let offset: i64 = filter
            .offset
            .map_or(0, |o| i64::try_from(o).unwrap_or(i64::MAX));
        let rows = self
            .pool
            .get()?
            .query(
                "SELECT id, detection, severity, identity, first_seen, last_seen, event_count,
                        alert
                 FROM monitor_alerts
                 WHERE severity_rank >= $1
                   AND ($2::text IS NULL OR identity = $2)
                   AND ($3::text IS NULL OR detection = $3)
                   AND ($4::text IS NULL OR last_seen COLLATE \"C\" >= $4)
                 ORDER BY COALESCE(last_seen, '') COLLATE \"C\" DESC, id COLLATE \"C\"
                 LIMIT $5 OFFSET $6",
                &[
                    &filter.min_severity.map_or(0, severity_rank),
                    &filter.identity,
                    &filter.detection,
                    &filter.since.map(|t| t.to_string()),
                    &limit,
                    &offset,
                ],
            )
            .pg(CONTEXT)?;
        rows.iter()
            .map(|row| {
                let id: String = col(row, 0, CONTEXT)?;
                let severity: String = col(row, 2, CONTEXT)?;
                let count: i64 = col(row, 6, CONTEXT)?;
                let d = Decoder::new("monitor_alerts", id.as_str());
                let first: Option<String> = col(row, 4, CONTEXT)?;
                let last: Option<String> = col(row, 5, CONTEXT)?;
                Ok(StoredAlert {
                    severity: d.enumeration("severity", &severity)?,
                    first_seen: d.optional_timestamp("first_seen", first.as_deref())?,
                    last_seen: d.optional_timestamp("last_seen", last.as_deref())?,
                    event_count: count.max(0).unsigned_abs(),
                    detection: col(row, 1, CONTEXT)?,
                    identity: col(row, 3, CONTEXT)?,
                    json: col(row, 7, CONTEXT)?,
                    id,
                })
            })
            .collect()
    }

    fn export_dump(&self) -> Result<StoreDump, StoreError> {
        self.read("exporting the store", dump::export)
    }

    fn import_dump(&mut self, dump: &StoreDump, mode: ImportMode) -> Result<(), StoreError> {
        if dump.format != nhi_store::DUMP_FORMAT {
            return Err(StoreError::DumpFormat {
                found: dump.format,
                known: nhi_store::DUMP_FORMAT,
            });
        }
        self.write("importing a dump", |tx| dump::import(tx, dump, mode))
    }
}

/// Every stored sighting of the given credentials, by credential id, each list in the
/// canonical order: working tree first, then history by commit date, then by place.
fn load_sightings(
    tx: &mut impl GenericClient,
    credential_ids: &[&str],
) -> Result<HashMap<String, Vec<nhi_model::Sighting>>, StoreError> {
    const CONTEXT: &str = "reading sightings";
    let mut by_credential: HashMap<String, Vec<nhi_model::Sighting>> = HashMap::new();
    if credential_ids.is_empty() {
        return Ok(by_credential);
    }
    let rows = tx
        .query(
            "SELECT credential_id, id, root, source, path, line, col, commit_id, blob_id, author,
                    commit_date
             FROM sightings WHERE credential_id = ANY($1)
             ORDER BY credential_id, source = 'git_history',
                      COALESCE(commit_date, '') COLLATE \"C\", root COLLATE \"C\",
                      path COLLATE \"C\", line, col, source COLLATE \"C\",
                      commit_id COLLATE \"C\"",
            &[&credential_ids],
        )
        .pg(CONTEXT)?;
    for row in &rows {
        let credential_id: String = col(row, 0, CONTEXT)?;
        let sighting = SightingRow {
            id: col(row, 1, CONTEXT)?,
            root: col(row, 2, CONTEXT)?,
            source: col(row, 3, CONTEXT)?,
            path: col(row, 4, CONTEXT)?,
            line: col(row, 5, CONTEXT)?,
            column: col(row, 6, CONTEXT)?,
            commit: col(row, 7, CONTEXT)?,
            blob: col(row, 8, CONTEXT)?,
            author: col(row, 9, CONTEXT)?,
            date: col(row, 10, CONTEXT)?,
        }
        .decode()?;
        by_credential
            .entry(credential_id)
            .or_default()
            .push(sighting);
    }
    Ok(by_credential)
}

/// Replaces the collection stored under `origin`; the caller owns the transaction.
fn write_collection(
    tx: &mut Transaction<'_>,
    origin: &str,
    collected_at: jiff::Timestamp,
    inventory: &nhi_model::Inventory,
) -> Result<(), StoreError> {
    const CONTEXT: &str = "recording an inventory collection";
    let body = nhi_store::backend::inventory_body(inventory)?;
    tx.execute(
        "INSERT INTO inventory_collections (origin, collected_at, identities, credentials, body)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (origin) DO UPDATE SET collected_at = excluded.collected_at,
             identities = excluded.identities, credentials = excluded.credentials,
             body = excluded.body",
        &[
            &origin,
            &collected_at.to_string(),
            &bigint("identity count", inventory.identities.len())?,
            &bigint("credential count", inventory.credentials.len())?,
            &body,
        ],
    )
    .pg(CONTEXT)?;
    Ok(())
}

/// The body of [`InventoryStore::record_scan`], run inside its locked transaction.
fn record(tx: &mut Transaction<'_>, scan: &ScanRecord<'_>) -> Result<ScanOutcome, StoreError> {
    let now = scan.finished_at.to_string();
    // Under the write lock, MAX + 1 cannot collide; it numbers scans as SQLite does.
    let scan_id: i64 = tx
        .query_one(
            "INSERT INTO scans (id, started_at, finished_at, roots, summary)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM scans), $1, $2, $3, $4)
             RETURNING id",
            &[
                &scan.started_at.to_string(),
                &now,
                &to_json("scan roots", scan.roots)?,
                &to_json("scan summary", scan.summary)?,
            ],
        )
        .and_then(|row| row.try_get(0))
        .pg("inserting the scan")?;

    if let Some(inventory) = scan.inventory {
        write_collection(
            tx,
            &nhi_store::scan_origin(scan.roots),
            scan.finished_at,
            inventory,
        )?;
    }
    for (root, body) in scan.codeowners {
        match body {
            Some(body) => tx.execute(
                "INSERT INTO root_codeowners (root, body) VALUES ($1, $2)
                 ON CONFLICT (root) DO UPDATE SET body = excluded.body",
                &[root, body],
            ),
            None => tx.execute("DELETE FROM root_codeowners WHERE root = $1", &[root]),
        }
        .pg("recording CODEOWNERS")?;
    }

    let single_root = match scan.roots {
        [only] => Some(only.as_str()),
        _ => None,
    };
    let statements = Statements::prepare(tx)?;

    // Fingerprint -> stored credential id, for the credentials of this scan only.
    let mut ids_by_fingerprint: HashMap<&str, String> = HashMap::new();
    let mut new_credentials = 0u64;
    let mut seen_again = 0u64;
    for credential in scan.credentials {
        let fingerprint = credential.fingerprint.as_str();
        let already_in_this_scan = ids_by_fingerprint.contains_key(fingerprint);
        let stored: Option<String> = tx
            .query_opt(&statements.credential_by_fingerprint, &[&fingerprint])
            .and_then(|row| row.map(|row| row.try_get(0)).transpose())
            .pg("looking up a credential by fingerprint")?;
        let id = match stored {
            Some(id) => {
                update_credential(tx, &statements, &id, credential, &now, scan_id)?;
                if !already_in_this_scan {
                    seen_again += 1;
                }
                id
            }
            None => {
                insert_credential(tx, &statements, credential, &now, scan_id)?;
                new_credentials += 1;
                credential.id.as_str().to_string()
            }
        };
        for sighting in &credential.sightings {
            let root = effective_root(&sighting.root, single_root);
            tx.execute(
                &statements.upsert_sighting,
                &[
                    &id,
                    &root,
                    &sighting.source.as_str(),
                    &sighting.path,
                    &i64::from(sighting.line),
                    &i64::from(sighting.column),
                    &sighting.commit.as_deref().unwrap_or(""),
                    &sighting.blob,
                    &sighting.author,
                    &sighting.date,
                    &now,
                    &scan_id,
                ],
            )
            .pg("upserting a sighting")?;
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
        upsert_finding(tx, &statements, finding, credential_id, &now, scan_id)?;
    }

    for consumer in scan.consumers {
        let root = consumer_root(consumer, scan);
        upsert_consumer(tx, &statements, consumer, &root, &now, scan_id)?;
    }

    let resolved = resolve_unseen(tx, &now, scan_id, scan.roots)?;
    Ok(ScanOutcome {
        scan_id,
        new_credentials,
        seen_again,
        resolved,
    })
}

/// The statements a scan runs once per credential, sighting, finding or consumer,
/// prepared once per scan.
struct Statements {
    credential_by_fingerprint: postgres::Statement,
    insert_credential: postgres::Statement,
    update_credential: postgres::Statement,
    upsert_sighting: postgres::Statement,
    upsert_finding: postgres::Statement,
    upsert_consumer: postgres::Statement,
}

impl Statements {
    fn prepare(tx: &mut Transaction<'_>) -> Result<Statements, StoreError> {
        const CONTEXT: &str = "preparing the scan's statements";
        Ok(Statements {
            credential_by_fingerprint: tx
                .prepare("SELECT id FROM credentials WHERE fingerprint = $1")
                .pg(CONTEXT)?,
            insert_credential: tx
                .prepare(
                    "INSERT INTO credentials (id, fingerprint, kind, provider, preview,
                         external_id, attributes, status, first_seen, last_seen, resolved_at,
                         first_scan_id, last_scan_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL, $10, $10)",
                )
                .pg(CONTEXT)?,
            // Refreshes a known credential: `first_seen` and the stored id stay; being in
            // this scan clears any earlier resolution.
            update_credential: tx
                .prepare(
                    "UPDATE credentials
                     SET kind = $2, provider = $3, preview = $4, external_id = $5,
                         attributes = $6, status = $7, last_seen = $8, resolved_at = NULL,
                         last_scan_id = $9
                     WHERE id = $1",
                )
                .pg(CONTEXT)?,
            upsert_sighting: tx
                .prepare(
                    "INSERT INTO sightings (id, credential_id, root, source, path, line, col,
                         commit_id, blob_id, author, commit_date, first_seen, last_seen,
                         last_scan_id, gone_at, gone_scan_id)
                     VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM sightings),
                             $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, NULL, NULL)
                     ON CONFLICT (credential_id, root, source, path, line, col, commit_id)
                     DO UPDATE SET
                         blob_id = excluded.blob_id,
                         author = excluded.author,
                         commit_date = excluded.commit_date,
                         last_seen = excluded.last_seen,
                         last_scan_id = excluded.last_scan_id,
                         gone_at = NULL,
                         gone_scan_id = NULL",
                )
                .pg(CONTEXT)?,
            // A suppressed finding stays suppressed when seen again; anything else seen
            // is open.
            upsert_finding: tx
                .prepare(
                    "INSERT INTO findings (id, rule, title, severity, confidence, owasp,
                         credential_id, history_only, evidence, fix, refs, status, first_seen,
                         last_seen, resolved_at, last_scan_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $12,
                             NULL, $13)
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
                         status = CASE WHEN findings.status = 'suppressed' THEN 'suppressed'
                                       ELSE 'open' END,
                         last_seen = excluded.last_seen,
                         resolved_at = NULL,
                         last_scan_id = excluded.last_scan_id",
                )
                .pg(CONTEXT)?,
            upsert_consumer: tx
                .prepare(
                    "INSERT INTO consumers (id, root, kind, tool, name, path, line, endpoint,
                         credentials, attributes, status, first_seen, last_seen, resolved_at,
                         last_scan_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $11, NULL,
                             $12)
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
                .pg(CONTEXT)?,
        })
    }
}

fn insert_credential(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    credential: &Credential,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let attributes = to_json("credential attributes", &credential.attributes)?;
    tx.execute(
        &statements.insert_credential,
        &[
            &credential.id.as_str(),
            &credential.fingerprint.as_str(),
            &credential.kind.as_str(),
            &credential.provider.as_str(),
            &credential.preview.as_str(),
            &credential.external_id,
            &attributes,
            &credential.status.as_str(),
            &now,
            &scan_id,
        ],
    )
    .pg("inserting a credential")?;
    Ok(())
}

fn update_credential(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    id: &str,
    credential: &Credential,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let attributes = to_json("credential attributes", &credential.attributes)?;
    tx.execute(
        &statements.update_credential,
        &[
            &id,
            &credential.kind.as_str(),
            &credential.provider.as_str(),
            &credential.preview.as_str(),
            &credential.external_id,
            &attributes,
            &credential.status.as_str(),
            &now,
            &scan_id,
        ],
    )
    .pg("updating a credential")?;
    Ok(())
}

fn upsert_finding(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    finding: &Finding,
    credential_id: &str,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let evidence = to_json("finding evidence", &finding.evidence)?;
    let references = to_json("finding references", &finding.references)?;
    tx.execute(
        &statements.upsert_finding,
        &[
            &finding.id.as_str(),
            &finding.rule,
            &finding.title,
            &finding.severity.as_str(),
            &finding.confidence.as_str(),
            &finding.owasp.as_str(),
            &credential_id,
            &finding.history_only,
            &evidence,
            &finding.fix,
            &references,
            &now,
            &scan_id,
        ],
    )
    .pg("upserting a finding")?;
    Ok(())
}

fn upsert_consumer(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    consumer: &Consumer,
    root: &str,
    now: &str,
    scan_id: i64,
) -> Result<(), StoreError> {
    let credentials = to_json("consumer credentials", &consumer.credentials)?;
    let attributes = to_json("consumer attributes", &consumer.attributes)?;
    tx.execute(
        &statements.upsert_consumer,
        &[
            &consumer.id,
            &root,
            &consumer.kind.as_str(),
            &consumer.tool,
            &consumer.name,
            &consumer.path,
            &i64::from(consumer.line),
            &consumer.endpoint,
            &credentials,
            &attributes,
            &now,
            &scan_id,
        ],
    )
    .pg("upserting a consumer")?;
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

/// Retires what the rescanned roots no longer contain; the same rules, in the same
/// order, as the SQLite backend (see nhi-store's README). Returns how many credentials
/// became resolved.
///
/// Rows filed under the unknown root "" are retired only when this scan covered every
/// root of the scan that last saw them. A credential is resolved when this scan retired
/// one of its sightings and none is left live anywhere. A finding not produced by this
/// scan is resolved when its credential was under a rescanned root and has no live
/// sighting outside the rescanned roots.
fn resolve_unseen(
    tx: &mut Transaction<'_>,
    now: &str,
    scan_id: i64,
    roots: &[String],
) -> Result<u64, StoreError> {
    // The roots of the scan that last saw a row are JSON text; a scan's own roots are a
    // text[] parameter.
    const UNKNOWN_ROOT_COVERED: &str = "NOT EXISTS (
            SELECT 1 FROM scans AS prev,
                 jsonb_array_elements_text(prev.roots::jsonb) AS prev_root(value)
            WHERE prev.id = {table}.last_scan_id
              AND prev_root.value <> ALL($3::text[]))";
    let covered = |table: &str| UNKNOWN_ROOT_COVERED.replace("{table}", table);

    tx.execute(
        &format!(
            "UPDATE sightings SET gone_at = $1, gone_scan_id = $2
             WHERE gone_at IS NULL AND last_scan_id <> $2
               AND (root = ANY($3::text[]) OR (root = '' AND {}))",
            covered("sightings")
        ),
        &[&now, &scan_id, &roots],
    )
    .pg("retiring sightings no longer found")?;

    let resolved = tx
        .execute(
            "UPDATE credentials SET status = 'resolved', resolved_at = $1
             WHERE status <> 'resolved' AND last_scan_id <> $2
               AND EXISTS (SELECT 1 FROM sightings AS s
                           WHERE s.credential_id = credentials.id AND s.gone_scan_id = $2)
               AND NOT EXISTS (SELECT 1 FROM sightings AS s
                               WHERE s.credential_id = credentials.id AND s.gone_at IS NULL)",
            &[&now, &scan_id],
        )
        .pg("resolving credentials no longer found")?;

    tx.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = $1
         WHERE status = 'open' AND last_scan_id <> $2
           AND EXISTS (SELECT 1 FROM sightings AS s
                       WHERE s.credential_id = findings.credential_id
                         AND (s.root = ANY($3::text[]) OR s.gone_scan_id = $2))
           AND NOT EXISTS (SELECT 1 FROM sightings AS s
                           WHERE s.credential_id = findings.credential_id
                             AND s.gone_at IS NULL
                             AND s.root <> ALL($3::text[]))",
        &[&now, &scan_id, &roots],
    )
    .pg("resolving findings no longer raised")?;

    tx.execute(
        &format!(
            "UPDATE consumers SET status = 'resolved', resolved_at = $1
             WHERE status = 'active' AND last_scan_id <> $2
               AND (root = ANY($3::text[]) OR (root = '' AND {}))",
            covered("consumers")
        ),
        &[&now, &scan_id, &roots],
    )
    .pg("resolving consumers no longer found")?;

    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_root_fills_in_only_a_missing_root_of_a_single_root_scan() {
        assert_eq!(effective_root("", Some("/r")), "/r");
        assert_eq!(effective_root("/a", Some("/r")), "/a");
        assert_eq!(effective_root("", None), "");
    }

    #[test]
    fn a_bad_connection_string_is_an_error_that_does_not_echo_it() {
        let err = PgStore::connect("postgres://u:hunter2-secret@[bad").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
