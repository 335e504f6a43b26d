//! [`ServerStore`] over SQLite.

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

use super::SqliteStore;
use super::codec::{Decoder, to_json};
use crate::error::{Context, StoreError};
use crate::server::{
    ApiTokenRow, AuditEntry, AuditFilter, FindingIndexRow, FindingQuery, IdentityIndexRow,
    IdentityQuery, IdentitySort, LocalUser, Page, Role, RunRow, RunStatus, ServerStore, SessionRow,
    SnapshotRow,
};

fn role(decoder: &Decoder, column: &'static str, text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| decoder.corrupt(column, format!("unknown role {text:?}")))
}

fn from_epoch(decoder: &Decoder, column: &'static str, secs: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(secs).map_err(|e| decoder.corrupt(column, e.to_string()))
}

/// `LIKE` pattern for a substring, with the wildcards in the needle taken literally.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn token_of(row: &Row<'_>) -> rusqlite::Result<[Option<String>; 9]> {
    let mut out: [Option<String>; 9] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = if i == 6 {
            row.get::<_, Option<i64>>(i)?.map(|n| n.to_string())
        } else {
            row.get(i)?
        };
    }
    Ok(out)
}

fn decode_token(raw: [Option<String>; 9]) -> Result<ApiTokenRow, StoreError> {
    let [
        id,
        name,
        role_text,
        hash,
        created,
        by,
        expires,
        revoked,
        used,
    ] = raw;
    let id = id.unwrap_or_default();
    let d = Decoder::new("api_tokens", id.clone());
    let expires: i64 = expires
        .unwrap_or_default()
        .parse()
        .map_err(|_| d.corrupt("expires_epoch", "not an integer"))?;
    Ok(ApiTokenRow {
        role: role(&d, "role", role_text.as_deref().unwrap_or_default())?,
        name: name.unwrap_or_default(),
        secret_sha256: hash.unwrap_or_default(),
        created_at: d.timestamp("created_at", created.as_deref().unwrap_or_default())?,
        created_by: by.unwrap_or_default(),
        expires_at: from_epoch(&d, "expires_epoch", expires)?,
        revoked_at: d.optional_timestamp("revoked_at", revoked.as_deref())?,
        last_used_at: d.optional_timestamp("last_used_at", used.as_deref())?,
        id,
    })
}

const TOKEN_COLUMNS: &str = "id, name, role, secret_sha256, created_at, created_by, expires_epoch, revoked_at, last_used_at";

const IDENTITY_COLUMNS: &str = "id, provider, kind, name, display, environment, owner, privilege_tier, \
     risk_score, risk_tier, status, last_used_epoch, credentials, findings_open, body";

fn identity_of(row: &Row<'_>) -> rusqlite::Result<(Vec<String>, [Option<i64>; 4])> {
    let mut text = Vec::with_capacity(11);
    for i in [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 14] {
        text.push(row.get::<_, String>(i)?);
    }
    Ok((
        text,
        [row.get(8)?, row.get(11)?, row.get(12)?, row.get(13)?],
    ))
}

fn decode_identity(
    (text, numbers): (Vec<String>, [Option<i64>; 4]),
) -> Result<IdentityIndexRow, StoreError> {
    let mut text = text.into_iter();
    let mut next = || text.next().unwrap_or_default();
    let (id, provider, kind, name, display, environment, owner, privilege_tier) = (
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
    );
    let (risk_tier, status, body) = (next(), next(), next());
    let d = Decoder::new("identity_index", id.clone());
    let small = |column: &'static str, n: Option<i64>| {
        u32::try_from(n.unwrap_or(0)).map_err(|_| d.corrupt(column, "out of range"))
    };
    Ok(IdentityIndexRow {
        risk_score: small("risk_score", numbers[0])?,
        last_used: numbers[1]
            .map(|s| from_epoch(&d, "last_used_epoch", s))
            .transpose()?,
        credentials: small("credentials", numbers[2])?,
        findings_open: small("findings_open", numbers[3])?,
        id,
        provider,
        kind,
        name,
        display,
        environment,
        owner,
        privilege_tier,
        risk_tier,
        status,
        body,
    })
}

const FINDING_COLUMNS: &str =
    "id, source, rule, title, severity, owasp, subject, subject_name, status, body";

fn finding_of(row: &Row<'_>) -> rusqlite::Result<Vec<String>> {
    (0..10).map(|i| row.get::<_, String>(i)).collect()
}

fn decode_finding(text: Vec<String>) -> Result<FindingIndexRow, StoreError> {
    let mut text = text.into_iter();
    let mut next = || text.next().unwrap_or_default();
    let (id, source, rule, title, severity) = (next(), next(), next(), next(), next());
    let (owasp, subject, subject_name, status, body) = (next(), next(), next(), next(), next());
    let d = Decoder::new("finding_index", id.clone());
    Ok(FindingIndexRow {
        severity: d.enumeration("severity", &severity)?,
        id,
        source,
        rule,
        title,
        owasp,
        subject,
        subject_name,
        status,
        body,
    })
}

fn run_of(row: &Row<'_>) -> rusqlite::Result<(Vec<Option<String>>, [i64; 5])> {
    Ok((
        vec![
            row.get(1)?,
            row.get(2)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(10)?,
        ],
        [
            row.get(0)?,
            row.get(3)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
        ],
    ))
}

fn decode_run((text, numbers): (Vec<Option<String>>, [i64; 5])) -> Result<RunRow, StoreError> {
    let [id, attempt, identities, credentials, findings] = numbers;
    let mut text = text.into_iter();
    let mut next = || text.next().flatten();
    let (job, trigger, started, finished, status, errors) =
        (next(), next(), next(), next(), next(), next());
    let d = Decoder::new("collection_runs", id.to_string());
    let status_text = status.unwrap_or_default();
    Ok(RunRow {
        id,
        job: job.unwrap_or_default(),
        trigger: trigger.unwrap_or_default(),
        attempt: u32::try_from(attempt).map_err(|_| d.corrupt("attempt", "out of range"))?,
        started_at: d.timestamp("started_at", started.as_deref().unwrap_or_default())?,
        finished_at: d.optional_timestamp("finished_at", finished.as_deref())?,
        status: RunStatus::parse(&status_text)
            .ok_or_else(|| d.corrupt("status", format!("unknown status {status_text:?}")))?,
        identities: count(identities),
        credentials: count(credentials),
        findings: count(findings),
        errors: d.json("errors", errors.as_deref().unwrap_or("[]"))?,
    })
}

const RUN_COLUMNS: &str = "id, job, trigger_kind, attempt, started_at, finished_at, status, \
     identities, credentials, findings, errors";

impl SqliteStore {
    fn total(&self, sql: &str, args: &[Value], context: &'static str) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(sql, params_from_iter(args.iter()), |row| row.get(0))
            .context(context)?;
        Ok(count(n))
    }
}

impl ServerStore for SqliteStore {
    fn insert_api_token(&mut self, token: &ApiTokenRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO api_tokens (id, name, role, secret_sha256, created_at, created_by,
                     expires_epoch, revoked_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    token.id,
                    token.name,
                    token.role.as_str(),
                    token.secret_sha256,
                    token.created_at.to_string(),
                    token.created_by,
                    token.expires_at.as_second(),
                    token.revoked_at.map(|t| t.to_string()),
                    token.last_used_at.map(|t| t.to_string()),
                ],
            )
            .context("storing an API token")?;
        Ok(())
    }

    fn api_token(&self, id: &str) -> Result<Option<ApiTokenRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
                [id],
                token_of,
            )
            .optional()
            .context("reading an API token")?
            .map(decode_token)
            .transpose()
    }

    fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StoreError> {
        const CONTEXT: &str = "listing API tokens";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
            ))
            .context(CONTEXT)?;
        let rows = stmt.query_map([], token_of).context(CONTEXT)?;
        rows.map(|r| decode_token(r.context(CONTEXT)?)).collect()
    }

    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, at.to_string()],
            )
            .context("revoking an API token")?;
        Ok(changed > 0)
    }

    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                params![id, at.to_string()],
            )
            .context("recording an API token's use")?;
        Ok(())
    }

    fn upsert_local_user(&mut self, user: &LocalUser) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO local_users (name, password_hash, role, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                     role = excluded.role",
                params![
                    user.name,
                    user.password_hash,
                    user.role.as_str(),
                    user.created_at.to_string()
                ],
            )
            .context("storing a local user")?;
        Ok(())
    }

    fn local_user(&self, name: &str) -> Result<Option<LocalUser>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT name, password_hash, role, created_at FROM local_users WHERE name = ?1",
                [name],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()
            .context("reading a local user")?;
        row.map(|(name, password_hash, role_text, created)| {
            let d = Decoder::new("local_users", name.clone());
            Ok(LocalUser {
                role: role(&d, "role", &role_text)?,
                created_at: d.timestamp("created_at", &created)?,
                name,
                password_hash,
            })
        })
        .transpose()
    }

    fn insert_session(&mut self, session: &SessionRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sessions (id_sha256, subject, role, csrf_token, created_at, expires_epoch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    session.id_sha256,
                    session.subject,
                    session.role.as_str(),
                    session.csrf_token,
                    session.created_at.to_string(),
                    session.expires_at.as_second(),
                ],
            )
            .context("storing a session")?;
        Ok(())
    }

    fn session(&self, id_sha256: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id_sha256, subject, role, csrf_token, created_at, expires_epoch
                 FROM sessions WHERE id_sha256 = ?1",
                [id_sha256],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                },
            )
            .optional()
            .context("reading a session")?;
        row.map(
            |(id_sha256, subject, role_text, csrf_token, created, expires)| {
                let d = Decoder::new("sessions", subject.clone());
                Ok(SessionRow {
                    role: role(&d, "role", &role_text)?,
                    created_at: d.timestamp("created_at", &created)?,
                    expires_at: from_epoch(&d, "expires_epoch", expires)?,
                    id_sha256,
                    subject,
                    csrf_token,
                })
            },
        )
        .transpose()
    }

    fn delete_session(&mut self, id_sha256: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM sessions WHERE id_sha256 = ?1", [id_sha256])
            .context("deleting a session")?;
        Ok(())
    }

    fn purge_sessions(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM sessions WHERE expires_epoch < ?1",
                [now.as_second()],
            )
            .context("purging expired sessions")?;
        Ok(n as u64)
    }

    fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO audit_log (at, at_epoch, actor, role, action, target, outcome, source_ip, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    entry.at.to_string(),
                    entry.at.as_second(),
                    entry.actor,
                    entry.role,
                    entry.action,
                    entry.target,
                    entry.outcome,
                    entry.source_ip,
                    to_json("an audit entry's detail", &entry.detail)?,
                ],
            )
            .context("appending to the audit log")?;
        Ok(self.conn.last_insert_rowid())
    }

    fn audit_log(&self, filter: &AuditFilter) -> Result<Page<AuditEntry>, StoreError> {
        const CONTEXT: &str = "reading the audit log";
        const WHERE: &str = "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR at_epoch >= ?3)";
        let args = vec![
            filter.actor.clone().map_or(Value::Null, Value::Text),
            filter.action.clone().map_or(Value::Null, Value::Text),
            filter
                .since
                .map_or(Value::Null, |t| Value::Integer(t.as_second())),
        ];
        let total = self.total(
            &format!("SELECT count(*) FROM audit_log {WHERE}"),
            &args,
            CONTEXT,
        )?;
        let mut paged = args.clone();
        paged.push(Value::Integer(filter.limit as i64));
        paged.push(Value::Integer(filter.offset as i64));
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, at, actor, role, action, target, outcome, source_ip, detail
                 FROM audit_log {WHERE} ORDER BY id DESC LIMIT ?4 OFFSET ?5"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(paged.iter()), |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    [
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, String>(8)?,
                    ],
                    row.get::<_, Option<String>>(7)?,
                ))
            })
            .context(CONTEXT)?;
        let mut items = Vec::new();
        for row in rows {
            let (id, [at, actor, role, action, target, outcome, detail], source_ip) =
                row.context(CONTEXT)?;
            let d = Decoder::new("audit_log", id.to_string());
            items.push(AuditEntry {
                id,
                at: d.timestamp("at", &at)?,
                actor,
                role,
                action,
                target,
                outcome,
                source_ip,
                detail: d.json("detail", &detail)?,
            });
        }
        Ok(Page { items, total })
    }

    fn start_run(
        &mut self,
        job: &str,
        trigger: &str,
        attempt: u32,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO collection_runs (job, trigger_kind, attempt, started_at, started_epoch, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
                params![job, trigger, attempt, at.to_string(), at.as_second()],
            )
            .context("recording a collection run")?;
        Ok(self.conn.last_insert_rowid())
    }

    fn finish_run(&mut self, run: &RunRow) -> Result<(), StoreError> {
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.conn
            .execute(
                "UPDATE collection_runs SET finished_at = ?2, status = ?3, identities = ?4,
                     credentials = ?5, findings = ?6, errors = ?7
                 WHERE id = ?1",
                params![
                    run.id,
                    run.finished_at.map(|t| t.to_string()),
                    run.status.as_str(),
                    as_i64(run.identities),
                    as_i64(run.credentials),
                    as_i64(run.findings),
                    to_json("a run's errors", &run.errors)?,
                ],
            )
            .context("recording a collection run's outcome")?;
        Ok(())
    }

    fn runs(&self, limit: usize, offset: usize) -> Result<Page<RunRow>, StoreError> {
        const CONTEXT: &str = "listing collection runs";
        let total = self.total("SELECT count(*) FROM collection_runs", &[], CONTEXT)?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM collection_runs ORDER BY id DESC LIMIT ?1 OFFSET ?2"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params![limit as i64, offset as i64], run_of)
            .context(CONTEXT)?;
        let items = rows
            .map(|r| decode_run(r.context(CONTEXT)?))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    fn try_acquire_lease(
        &mut self,
        job: &str,
        holder: &str,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Result<bool, StoreError> {
        // One statement: the insert-or-take-over is atomic under SQLite's write lock.
        let changed = self
            .conn
            .execute(
                "INSERT INTO job_leases (job, holder, expires_epoch) VALUES (?1, ?2, ?4)
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,
                     expires_epoch = excluded.expires_epoch
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_epoch < ?3",
                params![
                    job,
                    holder,
                    now.as_second(),
                    now.as_second().saturating_add(ttl_secs)
                ],
            )
            .context("taking a job lease")?;
        Ok(changed > 0)
    }

    fn release_lease(&mut self, job: &str, holder: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM job_leases WHERE job = ?1 AND holder = ?2",
                [job, holder],
            )
            .context("releasing a job lease")?;
        Ok(())
    }

    fn replace_index(
        &mut self,
        identities: &[IdentityIndexRow],
        findings: &[FindingIndexRow],
        snapshot: &SnapshotRow,
    ) -> Result<(), StoreError> {
        const CONTEXT: &str = "replacing the analysis index";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(CONTEXT)?;
        tx.execute_batch("DELETE FROM identity_index; DELETE FROM finding_index;")
            .context(CONTEXT)?;
        {
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO identity_index ({IDENTITY_COLUMNS}, search)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                ))
                .context(CONTEXT)?;
            for row in identities {
                let search =
                    format!("{} {} {} {}", row.id, row.name, row.display, row.owner).to_lowercase();
                insert
                    .execute(params![
                        row.id,
                        row.provider,
                        row.kind,
                        row.name,
                        row.display,
                        row.environment,
                        row.owner,
                        row.privilege_tier,
                        row.risk_score,
                        row.risk_tier,
                        row.status,
                        row.last_used.map(|t| t.as_second()),
                        row.credentials,
                        row.findings_open,
                        row.body,
                        search,
                    ])
                    .context(CONTEXT)?;
            }
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO finding_index ({FINDING_COLUMNS}, severity_rank)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .context(CONTEXT)?;
            for row in findings {
                insert
                    .execute(params![
                        row.id,
                        row.source,
                        row.rule,
                        row.title,
                        row.severity.as_str(),
                        row.owasp,
                        row.subject,
                        row.subject_name,
                        row.status,
                        row.body,
                        super::severity_rank(row.severity),
                    ])
                    .context(CONTEXT)?;
            }
            let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO snapshots (built_at, identities, credentials, findings_open, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    snapshot.built_at.to_string(),
                    as_i64(snapshot.identities),
                    as_i64(snapshot.credentials),
                    as_i64(snapshot.findings_open),
                    snapshot.summary,
                ],
            )
            .context(CONTEXT)?;
        }
        tx.commit().context(CONTEXT)
    }

    fn identity_page(&self, query: &IdentityQuery) -> Result<Page<IdentityIndexRow>, StoreError> {
        const CONTEXT: &str = "listing identities";
        let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        let args = vec![
            text(&query.provider),
            text(&query.kind),
            text(&query.risk_tier),
            text(&query.privilege_tier),
            text(&query.owner),
            query
                .search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map_or(Value::Null, |s| Value::Text(like_pattern(s.trim()))),
        ];
        const WHERE: &str = "WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR kind = ?2)
               AND (?3 IS NULL OR risk_tier = ?3) AND (?4 IS NULL OR privilege_tier = ?4)
               AND (?5 IS NULL OR owner = ?5) AND (?6 IS NULL OR search LIKE ?6 ESCAPE '\\')";
        let total = self.total(
            &format!("SELECT count(*) FROM identity_index {WHERE}"),
            &args,
            CONTEXT,
        )?;
        // The column names come from this fixed table, never from the request.
        let direction = if query.descending { "DESC" } else { "ASC" };
        let order = match query.sort {
            IdentitySort::Risk => format!("risk_score {direction}, id"),
            IdentitySort::Name => format!("name {direction}, id"),
            IdentitySort::Provider => format!("provider {direction}, kind, name, id"),
            IdentitySort::LastUsed => {
                format!("last_used_epoch IS NULL, last_used_epoch {direction}, id")
            }
            IdentitySort::Findings => format!("findings_open {direction}, risk_score DESC, id"),
        };
        let mut paged = args;
        paged.push(Value::Integer(query.limit as i64));
        paged.push(Value::Integer(query.offset as i64));
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {IDENTITY_COLUMNS} FROM identity_index {WHERE}
                 ORDER BY {order} LIMIT ?7 OFFSET ?8"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(paged.iter()), identity_of)
            .context(CONTEXT)?;
        let items = rows
            .map(|r| decode_identity(r.context(CONTEXT)?))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    fn identity_row(&self, id: &str) -> Result<Option<IdentityIndexRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {IDENTITY_COLUMNS} FROM identity_index WHERE id = ?1"),
                [id],
                identity_of,
            )
            .optional()
            .context("reading an identity")?
            .map(decode_identity)
            .transpose()
    }

    fn finding_page(&self, query: &FindingQuery) -> Result<Page<FindingIndexRow>, StoreError> {
        const CONTEXT: &str = "listing findings";
        let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        let args = vec![
            Value::Integer(query.min_severity.map_or(0, super::severity_rank)),
            text(&query.owasp),
            text(&query.status),
            text(&query.subject),
            text(&query.rule),
            query
                .search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map_or(Value::Null, |s| Value::Text(like_pattern(s.trim()))),
        ];
        const WHERE: &str = "WHERE severity_rank >= ?1 AND (?2 IS NULL OR owasp = ?2)
               AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR subject = ?4)
               AND (?5 IS NULL OR rule = ?5)
               AND (?6 IS NULL OR lower(title || ' ' || subject_name || ' ' || rule) LIKE ?6 ESCAPE '\\')";
        let total = self.total(
            &format!("SELECT count(*) FROM finding_index {WHERE}"),
            &args,
            CONTEXT,
        )?;
        let mut paged = args;
        paged.push(Value::Integer(query.limit as i64));
        paged.push(Value::Integer(query.offset as i64));
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {FINDING_COLUMNS} FROM finding_index {WHERE}
                 ORDER BY severity_rank DESC, id LIMIT ?7 OFFSET ?8"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(paged.iter()), finding_of)
            .context(CONTEXT)?;
        let items = rows
            .map(|r| decode_finding(r.context(CONTEXT)?))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    fn finding_row(&self, id: &str) -> Result<Option<FindingIndexRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {FINDING_COLUMNS} FROM finding_index WHERE id = ?1"),
                [id],
                finding_of,
            )
            .optional()
            .context("reading a finding")?
            .map(decode_finding)
            .transpose()
    }

    fn set_finding_status(
        &mut self,
        id: &str,
        status: &str,
        shown: &str,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE finding_index SET status = ?2, body = json_set(body, '$.status', ?3)
                 WHERE id = ?1",
                [id, status, shown],
            )
            .context("updating a finding's status")?;
        Ok(changed > 0)
    }

    fn owners(&self, limit: usize, offset: usize) -> Result<Page<(String, u64, u64)>, StoreError> {
        const CONTEXT: &str = "listing owners";
        let total = self.total(
            "SELECT count(DISTINCT owner) FROM identity_index",
            &[],
            CONTEXT,
        )?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT owner, count(*),
                        sum(CASE WHEN risk_tier IN ('high', 'critical') THEN 1 ELSE 0 END)
                 FROM identity_index GROUP BY owner
                 ORDER BY count(*) DESC, owner LIMIT ?1 OFFSET ?2",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params![limit as i64, offset as i64], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .context(CONTEXT)?;
        let mut items = Vec::new();
        for row in rows {
            let (owner, n, high) = row.context(CONTEXT)?;
            items.push((owner, count(n), count(high)));
        }
        Ok(Page { items, total })
    }

    fn snapshots(&self, limit: usize) -> Result<Vec<SnapshotRow>, StoreError> {
        const CONTEXT: &str = "reading snapshots";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, built_at, identities, credentials, findings_open, summary
                 FROM snapshots ORDER BY id DESC LIMIT ?1",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([limit as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    [
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                    ],
                    row.get::<_, String>(5)?,
                ))
            })
            .context(CONTEXT)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, built, [identities, credentials, findings_open], summary) =
                row.context(CONTEXT)?;
            let d = Decoder::new("snapshots", id.to_string());
            out.push(SnapshotRow {
                id,
                built_at: d.timestamp("built_at", &built)?,
                identities: count(identities),
                credentials: count(credentials),
                findings_open: count(findings_open),
                summary,
            });
        }
        Ok(out)
    }
}
