//! [`StoreDump`] for PostgreSQL: every row out in one REPEATABLE READ snapshot, every
//! row in within one locked transaction.

use nhi_store::{
    AlertDump, CheckpointDump, CodeownersDump, CollectionDump, ConsumerDump, CredentialDump,
    DUMP_TABLES, FindingDump, ImportMode, ScanDump, SightingDump, StoreDump, StoreError,
    SuppressionDump,
};
use postgres::{Row, Transaction};

use crate::{PgContext, col};

const EXPORT: &str = "exporting the store";
const IMPORT: &str = "importing a dump";

fn rows<T>(
    tx: &mut Transaction<'_>,
    sql: &str,
    map: impl Fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    tx.query(sql, &[]).pg(EXPORT)?.iter().map(map).collect()
}

/// Reads every dumped table, in the orders the SQLite export uses (first-recorded order
/// via `rowid`; text keys by code point).
pub(crate) fn export(tx: &mut Transaction<'_>) -> Result<StoreDump, StoreError> {
    let mut dump = StoreDump::new();
    dump.scans = rows(
        tx,
        "SELECT id, started_at, finished_at, roots, summary FROM scans ORDER BY id",
        |r| {
            Ok(ScanDump {
                id: col(r, 0, EXPORT)?,
                started_at: col(r, 1, EXPORT)?,
                finished_at: col(r, 2, EXPORT)?,
                roots: col(r, 3, EXPORT)?,
                summary: col(r, 4, EXPORT)?,
            })
        },
    )?;
    dump.credentials = rows(
        tx,
        "SELECT id, fingerprint, kind, provider, preview, external_id, attributes, status,
                first_seen, last_seen, resolved_at, first_scan_id, last_scan_id
         FROM credentials ORDER BY rowid",
        |r| {
            Ok(CredentialDump {
                id: col(r, 0, EXPORT)?,
                fingerprint: col(r, 1, EXPORT)?,
                kind: col(r, 2, EXPORT)?,
                provider: col(r, 3, EXPORT)?,
                preview: col(r, 4, EXPORT)?,
                external_id: col(r, 5, EXPORT)?,
                attributes: col(r, 6, EXPORT)?,
                status: col(r, 7, EXPORT)?,
                first_seen: col(r, 8, EXPORT)?,
                last_seen: col(r, 9, EXPORT)?,
                resolved_at: col(r, 10, EXPORT)?,
                first_scan_id: col(r, 11, EXPORT)?,
                last_scan_id: col(r, 12, EXPORT)?,
            })
        },
    )?;
    dump.sightings = rows(
        tx,
        "SELECT id, credential_id, root, source, path, line, col, commit_id, blob_id, author,
                commit_date, first_seen, last_seen, last_scan_id, gone_at, gone_scan_id
         FROM sightings ORDER BY id",
        |r| {
            Ok(SightingDump {
                id: col(r, 0, EXPORT)?,
                credential_id: col(r, 1, EXPORT)?,
                root: col(r, 2, EXPORT)?,
                source: col(r, 3, EXPORT)?,
                path: col(r, 4, EXPORT)?,
                line: col(r, 5, EXPORT)?,
                col: col(r, 6, EXPORT)?,
                commit_id: col(r, 7, EXPORT)?,
                blob_id: col(r, 8, EXPORT)?,
                author: col(r, 9, EXPORT)?,
                commit_date: col(r, 10, EXPORT)?,
                first_seen: col(r, 11, EXPORT)?,
                last_seen: col(r, 12, EXPORT)?,
                last_scan_id: col(r, 13, EXPORT)?,
                gone_at: col(r, 14, EXPORT)?,
                gone_scan_id: col(r, 15, EXPORT)?,
            })
        },
    )?;
    dump.findings = rows(
        tx,
        "SELECT id, rule, title, severity, confidence, owasp, credential_id, history_only,
                evidence, fix, refs, status, first_seen, last_seen, resolved_at, last_scan_id
         FROM findings ORDER BY rowid",
        |r| {
            Ok(FindingDump {
                id: col(r, 0, EXPORT)?,
                rule: col(r, 1, EXPORT)?,
                title: col(r, 2, EXPORT)?,
                severity: col(r, 3, EXPORT)?,
                confidence: col(r, 4, EXPORT)?,
                owasp: col(r, 5, EXPORT)?,
                credential_id: col(r, 6, EXPORT)?,
                history_only: col(r, 7, EXPORT)?,
                evidence: col(r, 8, EXPORT)?,
                fix: col(r, 9, EXPORT)?,
                refs: col(r, 10, EXPORT)?,
                status: col(r, 11, EXPORT)?,
                first_seen: col(r, 12, EXPORT)?,
                last_seen: col(r, 13, EXPORT)?,
                resolved_at: col(r, 14, EXPORT)?,
                last_scan_id: col(r, 15, EXPORT)?,
            })
        },
    )?;
    dump.consumers = rows(
        tx,
        "SELECT id, root, kind, tool, name, path, line, endpoint, credentials, attributes,
                status, first_seen, last_seen, resolved_at, last_scan_id
         FROM consumers ORDER BY rowid",
        |r| {
            Ok(ConsumerDump {
                id: col(r, 0, EXPORT)?,
                root: col(r, 1, EXPORT)?,
                kind: col(r, 2, EXPORT)?,
                tool: col(r, 3, EXPORT)?,
                name: col(r, 4, EXPORT)?,
                path: col(r, 5, EXPORT)?,
                line: col(r, 6, EXPORT)?,
                endpoint: col(r, 7, EXPORT)?,
                credentials: col(r, 8, EXPORT)?,
                attributes: col(r, 9, EXPORT)?,
                status: col(r, 10, EXPORT)?,
                first_seen: col(r, 11, EXPORT)?,
                last_seen: col(r, 12, EXPORT)?,
                resolved_at: col(r, 13, EXPORT)?,
                last_scan_id: col(r, 14, EXPORT)?,
            })
        },
    )?;
    dump.collections = rows(
        tx,
        "SELECT origin, collected_at, identities, credentials, body
         FROM inventory_collections ORDER BY origin COLLATE \"C\"",
        |r| {
            Ok(CollectionDump {
                origin: col(r, 0, EXPORT)?,
                collected_at: col(r, 1, EXPORT)?,
                identities: col(r, 2, EXPORT)?,
                credentials: col(r, 3, EXPORT)?,
                body: col(r, 4, EXPORT)?,
            })
        },
    )?;
    dump.codeowners = rows(
        tx,
        "SELECT root, body FROM root_codeowners ORDER BY root COLLATE \"C\"",
        |r| {
            Ok(CodeownersDump {
                root: col(r, 0, EXPORT)?,
                body: col(r, 1, EXPORT)?,
            })
        },
    )?;
    dump.suppressions = rows(
        tx,
        "SELECT finding_id, reason, expires, created_at FROM finding_suppressions
         ORDER BY finding_id COLLATE \"C\"",
        |r| {
            Ok(SuppressionDump {
                finding_id: col(r, 0, EXPORT)?,
                reason: col(r, 1, EXPORT)?,
                expires: col(r, 2, EXPORT)?,
                created_at: col(r, 3, EXPORT)?,
            })
        },
    )?;
    dump.alerts = rows(
        tx,
        "SELECT id, detection, severity, severity_rank, identity, first_seen, last_seen,
                event_count, alert, recorded_at
         FROM monitor_alerts ORDER BY id COLLATE \"C\"",
        |r| {
            Ok(AlertDump {
                id: col(r, 0, EXPORT)?,
                detection: col(r, 1, EXPORT)?,
                severity: col(r, 2, EXPORT)?,
                severity_rank: col(r, 3, EXPORT)?,
                identity: col(r, 4, EXPORT)?,
                first_seen: col(r, 5, EXPORT)?,
                last_seen: col(r, 6, EXPORT)?,
                event_count: col(r, 7, EXPORT)?,
                alert: col(r, 8, EXPORT)?,
                recorded_at: col(r, 9, EXPORT)?,
            })
        },
    )?;
    dump.checkpoints = rows(
        tx,
        "SELECT name, state, positions, updated_at FROM monitor_checkpoints
         ORDER BY name COLLATE \"C\"",
        |r| {
            Ok(CheckpointDump {
                name: col(r, 0, EXPORT)?,
                state: col(r, 1, EXPORT)?,
                positions: col(r, 2, EXPORT)?,
                updated_at: col(r, 3, EXPORT)?,
            })
        },
    )?;
    Ok(dump)
}

/// Loads `dump` inside the caller's locked transaction, which the caller commits.
pub(crate) fn import(
    tx: &mut Transaction<'_>,
    dump: &StoreDump,
    mode: ImportMode,
) -> Result<(), StoreError> {
    match mode {
        ImportMode::RequireEmpty => {
            for table in DUMP_TABLES {
                // The table names are our own constants, never input.
                let rows: i64 = tx
                    .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
                    .and_then(|row| row.try_get(0))
                    .pg(IMPORT)?;
                if rows > 0 {
                    return Err(StoreError::TargetNotEmpty {
                        table,
                        rows: rows.unsigned_abs(),
                    });
                }
            }
        }
        ImportMode::Replace => {
            for table in DUMP_TABLES.iter().rev() {
                tx.execute(&format!("DELETE FROM {table}"), &[])
                    .pg(IMPORT)?;
            }
        }
    }

    let stmt = tx
        .prepare(
            "INSERT INTO scans (id, started_at, finished_at, roots, summary)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .pg(IMPORT)?;
    for s in &dump.scans {
        tx.execute(
            &stmt,
            &[&s.id, &s.started_at, &s.finished_at, &s.roots, &s.summary],
        )
        .pg(IMPORT)?;
    }
    // Rows go in in dump order, so the identity `rowid` keeps first-recorded order.
    let stmt = tx
        .prepare(
            "INSERT INTO credentials (id, fingerprint, kind, provider, preview, external_id,
                 attributes, status, first_seen, last_seen, resolved_at, first_scan_id,
                 last_scan_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .pg(IMPORT)?;
    for c in &dump.credentials {
        tx.execute(
            &stmt,
            &[
                &c.id,
                &c.fingerprint,
                &c.kind,
                &c.provider,
                &c.preview,
                &c.external_id,
                &c.attributes,
                &c.status,
                &c.first_seen,
                &c.last_seen,
                &c.resolved_at,
                &c.first_scan_id,
                &c.last_scan_id,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO sightings (id, credential_id, root, source, path, line, col,
                 commit_id, blob_id, author, commit_date, first_seen, last_seen, last_scan_id,
                 gone_at, gone_scan_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .pg(IMPORT)?;
    for s in &dump.sightings {
        tx.execute(
            &stmt,
            &[
                &s.id,
                &s.credential_id,
                &s.root,
                &s.source,
                &s.path,
                &s.line,
                &s.col,
                &s.commit_id,
                &s.blob_id,
                &s.author,
                &s.commit_date,
                &s.first_seen,
                &s.last_seen,
                &s.last_scan_id,
                &s.gone_at,
                &s.gone_scan_id,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO findings (id, rule, title, severity, confidence, owasp, credential_id,
                 history_only, evidence, fix, refs, status, first_seen, last_seen, resolved_at,
                 last_scan_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .pg(IMPORT)?;
    for f in &dump.findings {
        tx.execute(
            &stmt,
            &[
                &f.id,
                &f.rule,
                &f.title,
                &f.severity,
                &f.confidence,
                &f.owasp,
                &f.credential_id,
                &f.history_only,
                &f.evidence,
                &f.fix,
                &f.refs,
                &f.status,
                &f.first_seen,
                &f.last_seen,
                &f.resolved_at,
                &f.last_scan_id,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO consumers (id, root, kind, tool, name, path, line, endpoint,
                 credentials, attributes, status, first_seen, last_seen, resolved_at,
                 last_scan_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .pg(IMPORT)?;
    for c in &dump.consumers {
        tx.execute(
            &stmt,
            &[
                &c.id,
                &c.root,
                &c.kind,
                &c.tool,
                &c.name,
                &c.path,
                &c.line,
                &c.endpoint,
                &c.credentials,
                &c.attributes,
                &c.status,
                &c.first_seen,
                &c.last_seen,
                &c.resolved_at,
                &c.last_scan_id,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO inventory_collections (origin, collected_at, identities, credentials,
                 body)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .pg(IMPORT)?;
    for c in &dump.collections {
        tx.execute(
            &stmt,
            &[
                &c.origin,
                &c.collected_at,
                &c.identities,
                &c.credentials,
                &c.body,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare("INSERT INTO root_codeowners (root, body) VALUES ($1, $2)")
        .pg(IMPORT)?;
    for c in &dump.codeowners {
        tx.execute(&stmt, &[&c.root, &c.body]).pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO finding_suppressions (finding_id, reason, expires, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .pg(IMPORT)?;
    for s in &dump.suppressions {
        tx.execute(
            &stmt,
            &[&s.finding_id, &s.reason, &s.expires, &s.created_at],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO monitor_alerts (id, detection, severity, severity_rank, identity,
                 first_seen, last_seen, event_count, alert, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .pg(IMPORT)?;
    for a in &dump.alerts {
        tx.execute(
            &stmt,
            &[
                &a.id,
                &a.detection,
                &a.severity,
                &a.severity_rank,
                &a.identity,
                &a.first_seen,
                &a.last_seen,
                &a.event_count,
                &a.alert,
                &a.recorded_at,
            ],
        )
        .pg(IMPORT)?;
    }
    let stmt = tx
        .prepare(
            "INSERT INTO monitor_checkpoints (name, state, positions, updated_at)
             VALUES ($1, $2, $3, $4)",
        )
        .pg(IMPORT)?;
    for c in &dump.checkpoints {
        tx.execute(&stmt, &[&c.name, &c.state, &c.positions, &c.updated_at])
            .pg(IMPORT)?;
    }
    Ok(())
}
