//! [`StoreDump`] for SQLite: every row out in one read transaction, every row in within
//! one write transaction.

use rusqlite::{Connection, Row, TransactionBehavior, params};

use crate::backend::Decoder;
use crate::error::{Context, StoreError};
use crate::{
    AlertDump, CheckpointDump, CodeownersDump, CollectionDump, ConsumerDump, CredentialDump,
    DUMP_FORMAT, DUMP_TABLES, FindingDump, ImportMode, ScanDump, SightingDump, StoreDump,
    SuppressionDump,
};

const EXPORT: &str = "exporting the store";
const IMPORT: &str = "importing a dump";

fn rows<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(sql).context(EXPORT)?;
    let mapped = stmt.query_map([], map).context(EXPORT)?;
    mapped.collect::<rusqlite::Result<Vec<T>>>().context(EXPORT)
}

pub(super) fn export(conn: &Connection) -> Result<StoreDump, StoreError> {
    // One read transaction: in WAL mode it sees a single snapshot even while another
    // process records a scan. `unchecked_transaction` because reads take `&self`; nothing
    // else runs on this connection meanwhile.
    let tx = conn.unchecked_transaction().context(EXPORT)?;
    let mut dump = StoreDump::new();
    dump.scans = rows(
        &tx,
        "SELECT id, started_at, finished_at, roots, summary FROM scans ORDER BY id",
        |r| {
            Ok(ScanDump {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                roots: r.get(3)?,
                summary: r.get(4)?,
            })
        },
    )?;
    dump.credentials = rows(
        &tx,
        "SELECT id, fingerprint, kind, provider, preview, external_id, attributes, status,
                first_seen, last_seen, resolved_at, first_scan_id, last_scan_id
         FROM credentials ORDER BY rowid",
        |r| {
            Ok(CredentialDump {
                id: r.get(0)?,
                fingerprint: r.get(1)?,
                kind: r.get(2)?,
                provider: r.get(3)?,
                preview: r.get(4)?,
                external_id: r.get(5)?,
                attributes: r.get(6)?,
                status: r.get(7)?,
                first_seen: r.get(8)?,
                last_seen: r.get(9)?,
                resolved_at: r.get(10)?,
                first_scan_id: r.get(11)?,
                last_scan_id: r.get(12)?,
            })
        },
    )?;
    dump.sightings = rows(
        &tx,
        "SELECT id, credential_id, root, source, path, line, col, commit_id, blob_id, author,
                commit_date, first_seen, last_seen, last_scan_id, gone_at, gone_scan_id
         FROM sightings ORDER BY id",
        |r| {
            Ok(SightingDump {
                id: r.get(0)?,
                credential_id: r.get(1)?,
                root: r.get(2)?,
                source: r.get(3)?,
                path: r.get(4)?,
                line: r.get(5)?,
                col: r.get(6)?,
                commit_id: r.get(7)?,
                blob_id: r.get(8)?,
                author: r.get(9)?,
                commit_date: r.get(10)?,
                first_seen: r.get(11)?,
                last_seen: r.get(12)?,
                last_scan_id: r.get(13)?,
                gone_at: r.get(14)?,
                gone_scan_id: r.get(15)?,
            })
        },
    )?;
    // history_only is read as its stored integer and checked below, so a bad value is a
    // Corrupt error rather than a silent `true`.
    let findings = rows(
        &tx,
        "SELECT id, rule, title, severity, confidence, owasp, credential_id, history_only,
                evidence, fix, refs, status, first_seen, last_seen, resolved_at, last_scan_id
         FROM findings ORDER BY rowid",
        |r| {
            Ok((
                r.get::<_, i64>(7)?,
                FindingDump {
                    id: r.get(0)?,
                    rule: r.get(1)?,
                    title: r.get(2)?,
                    severity: r.get(3)?,
                    confidence: r.get(4)?,
                    owasp: r.get(5)?,
                    credential_id: r.get(6)?,
                    history_only: false,
                    evidence: r.get(8)?,
                    fix: r.get(9)?,
                    refs: r.get(10)?,
                    status: r.get(11)?,
                    first_seen: r.get(12)?,
                    last_seen: r.get(13)?,
                    resolved_at: r.get(14)?,
                    last_scan_id: r.get(15)?,
                },
            ))
        },
    )?;
    for (flag, mut finding) in findings {
        finding.history_only =
            Decoder::new("findings", finding.id.as_str()).flag("history_only", flag)?;
        dump.findings.push(finding);
    }
    dump.consumers = rows(
        &tx,
        "SELECT id, root, kind, tool, name, path, line, endpoint, credentials, attributes,
                status, first_seen, last_seen, resolved_at, last_scan_id
         FROM consumers ORDER BY rowid",
        |r| {
            Ok(ConsumerDump {
                id: r.get(0)?,
                root: r.get(1)?,
                kind: r.get(2)?,
                tool: r.get(3)?,
                name: r.get(4)?,
                path: r.get(5)?,
                line: r.get(6)?,
                endpoint: r.get(7)?,
                credentials: r.get(8)?,
                attributes: r.get(9)?,
                status: r.get(10)?,
                first_seen: r.get(11)?,
                last_seen: r.get(12)?,
                resolved_at: r.get(13)?,
                last_scan_id: r.get(14)?,
            })
        },
    )?;
    dump.collections = rows(
        &tx,
        "SELECT origin, collected_at, identities, credentials, body
         FROM inventory_collections ORDER BY origin",
        |r| {
            Ok(CollectionDump {
                origin: r.get(0)?,
                collected_at: r.get(1)?,
                identities: r.get(2)?,
                credentials: r.get(3)?,
                body: r.get(4)?,
            })
        },
    )?;
    dump.codeowners = rows(
        &tx,
        "SELECT root, body FROM root_codeowners ORDER BY root",
        |r| {
            Ok(CodeownersDump {
                root: r.get(0)?,
                body: r.get(1)?,
            })
        },
    )?;
    dump.suppressions = rows(
        &tx,
        "SELECT finding_id, reason, expires, created_at FROM finding_suppressions
         ORDER BY finding_id",
        |r| {
            Ok(SuppressionDump {
                finding_id: r.get(0)?,
                reason: r.get(1)?,
                expires: r.get(2)?,
                created_at: r.get(3)?,
            })
        },
    )?;
    dump.alerts = rows(
        &tx,
        "SELECT id, detection, severity, severity_rank, identity, first_seen, last_seen,
                event_count, alert, recorded_at
         FROM monitor_alerts ORDER BY id",
        |r| {
            Ok(AlertDump {
                id: r.get(0)?,
                detection: r.get(1)?,
                severity: r.get(2)?,
                severity_rank: r.get(3)?,
                identity: r.get(4)?,
                first_seen: r.get(5)?,
                last_seen: r.get(6)?,
                event_count: r.get(7)?,
                alert: r.get(8)?,
                recorded_at: r.get(9)?,
            })
        },
    )?;
    dump.checkpoints = rows(
        &tx,
        "SELECT name, state, positions, updated_at FROM monitor_checkpoints ORDER BY name",
        |r| {
            Ok(CheckpointDump {
                name: r.get(0)?,
                state: r.get(1)?,
                positions: r.get(2)?,
                updated_at: r.get(3)?,
            })
        },
    )?;
    tx.commit().context(EXPORT)?;
    Ok(dump)
}

pub(super) fn import(
    conn: &mut Connection,
    dump: &StoreDump,
    mode: ImportMode,
) -> Result<(), StoreError> {
    if dump.format != DUMP_FORMAT {
        return Err(StoreError::DumpFormat {
            found: dump.format,
            known: DUMP_FORMAT,
        });
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .context(IMPORT)?;
    match mode {
        ImportMode::RequireEmpty => {
            for table in DUMP_TABLES {
                // The table names are our own constants, never input.
                let rows: i64 = tx
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                    .context(IMPORT)?;
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
                tx.execute(&format!("DELETE FROM {table}"), [])
                    .context(IMPORT)?;
            }
        }
    }

    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO scans (id, started_at, finished_at, roots, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .context(IMPORT)?;
        for s in &dump.scans {
            stmt.execute(params![
                s.id,
                s.started_at,
                s.finished_at,
                s.roots,
                s.summary
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO credentials (id, fingerprint, kind, provider, preview, external_id,
                     attributes, status, first_seen, last_seen, resolved_at, first_scan_id,
                     last_scan_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .context(IMPORT)?;
        for c in &dump.credentials {
            stmt.execute(params![
                c.id,
                c.fingerprint,
                c.kind,
                c.provider,
                c.preview,
                c.external_id,
                c.attributes,
                c.status,
                c.first_seen,
                c.last_seen,
                c.resolved_at,
                c.first_scan_id,
                c.last_scan_id
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO sightings (id, credential_id, root, source, path, line, col,
                     commit_id, blob_id, author, commit_date, first_seen, last_seen,
                     last_scan_id, gone_at, gone_scan_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .context(IMPORT)?;
        for s in &dump.sightings {
            stmt.execute(params![
                s.id,
                s.credential_id,
                s.root,
                s.source,
                s.path,
                s.line,
                s.col,
                s.commit_id,
                s.blob_id,
                s.author,
                s.commit_date,
                s.first_seen,
                s.last_seen,
                s.last_scan_id,
                s.gone_at,
                s.gone_scan_id
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO findings (id, rule, title, severity, confidence, owasp,
                     credential_id, history_only, evidence, fix, refs, status, first_seen,
                     last_seen, resolved_at, last_scan_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .context(IMPORT)?;
        for f in &dump.findings {
            stmt.execute(params![
                f.id,
                f.rule,
                f.title,
                f.severity,
                f.confidence,
                f.owasp,
                f.credential_id,
                f.history_only,
                f.evidence,
                f.fix,
                f.refs,
                f.status,
                f.first_seen,
                f.last_seen,
                f.resolved_at,
                f.last_scan_id
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO consumers (id, root, kind, tool, name, path, line, endpoint,
                     credentials, attributes, status, first_seen, last_seen, resolved_at,
                     last_scan_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .context(IMPORT)?;
        for c in &dump.consumers {
            stmt.execute(params![
                c.id,
                c.root,
                c.kind,
                c.tool,
                c.name,
                c.path,
                c.line,
                c.endpoint,
                c.credentials,
                c.attributes,
                c.status,
                c.first_seen,
                c.last_seen,
                c.resolved_at,
                c.last_scan_id
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO inventory_collections (origin, collected_at, identities,
                     credentials, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .context(IMPORT)?;
        for c in &dump.collections {
            stmt.execute(params![
                c.origin,
                c.collected_at,
                c.identities,
                c.credentials,
                c.body
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare("INSERT INTO root_codeowners (root, body) VALUES (?1, ?2)")
            .context(IMPORT)?;
        for c in &dump.codeowners {
            stmt.execute(params![c.root, c.body]).context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO finding_suppressions (finding_id, reason, expires, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .context(IMPORT)?;
        for s in &dump.suppressions {
            stmt.execute(params![s.finding_id, s.reason, s.expires, s.created_at])
                .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO monitor_alerts (id, detection, severity, severity_rank, identity,
                     first_seen, last_seen, event_count, alert, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .context(IMPORT)?;
        for a in &dump.alerts {
            stmt.execute(params![
                a.id,
                a.detection,
                a.severity,
                a.severity_rank,
                a.identity,
                a.first_seen,
                a.last_seen,
                a.event_count,
                a.alert,
                a.recorded_at
            ])
            .context(IMPORT)?;
        }
        let mut stmt = tx
            .prepare(
                "INSERT INTO monitor_checkpoints (name, state, positions, updated_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .context(IMPORT)?;
        for c in &dump.checkpoints {
            stmt.execute(params![c.name, c.state, c.positions, c.updated_at])
                .context(IMPORT)?;
        }
    }
    // Dropping `tx` on any error above rolls the whole load back.
    tx.commit().context(IMPORT)
}
