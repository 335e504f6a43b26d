//! [`ServerStore`] over SQLite. Rows decode through the shared column structs in
//! [`crate::backend`], as PostgreSQL's do.

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

use super::SqliteStore;
use crate::backend::{
    AUDIT_COLUMNS, AuditColumns, FINDING_INDEX_COLUMNS, FindingIndexColumns, IDENTITY_COLUMNS,
    IDENTITY_LIST_COLUMNS, IdentityColumns, RUN_COLUMNS, RunColumns, SESSION_COLUMNS,
    SNAPSHOT_COLUMNS, SessionColumns, SnapshotColumns, TOKEN_COLUMNS, TokenColumns, USER_COLUMNS,
    UserColumns, count, identity_order, identity_search_text, identity_seek, identity_sort_key,
    sample_bookmarks, search_pattern, severity_rank, stored_count, to_json,
};
use crate::error::{Context, StoreError};
use crate::server::{
    ApiTokenRow, AuditEntry, AuditFilter, FindingIndexRow, FindingQuery, IdentityIndexRow,
    IdentityQuery, LocalUser, Page, RunRow, ServerStore, SessionRow, SnapshotRow, SortValue,
};

fn token_of(r: &Row<'_>) -> rusqlite::Result<TokenColumns> {
    Ok(TokenColumns {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        secret_sha256: r.get(3)?,
        created_at: r.get(4)?,
        created_by: r.get(5)?,
        expires_epoch: r.get(6)?,
        revoked_at: r.get(7)?,
        last_used_at: r.get(8)?,
    })
}

fn user_of(r: &Row<'_>) -> rusqlite::Result<UserColumns> {
    Ok(UserColumns {
        name: r.get(0)?,
        password_hash: r.get(1)?,
        role: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn session_of(r: &Row<'_>) -> rusqlite::Result<SessionColumns> {
    Ok(SessionColumns {
        id_sha256: r.get(0)?,
        subject: r.get(1)?,
        role: r.get(2)?,
        csrf_token: r.get(3)?,
        created_at: r.get(4)?,
        expires_epoch: r.get(5)?,
    })
}

fn audit_of(r: &Row<'_>) -> rusqlite::Result<AuditColumns> {
    Ok(AuditColumns {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        outcome: r.get(6)?,
        source_ip: r.get(7)?,
        detail: r.get(8)?,
    })
}

fn run_of(r: &Row<'_>) -> rusqlite::Result<RunColumns> {
    Ok(RunColumns {
        id: r.get(0)?,
        job: r.get(1)?,
        trigger: r.get(2)?,
        attempt: r.get(3)?,
        started_at: r.get(4)?,
        finished_at: r.get(5)?,
        status: r.get(6)?,
        identities: r.get(7)?,
        credentials: r.get(8)?,
        findings: r.get(9)?,
        errors: r.get(10)?,
        events: r.get(11)?,
        alerts: r.get(12)?,
    })
}

fn identity_of(r: &Row<'_>) -> rusqlite::Result<IdentityColumns> {
    Ok(IdentityColumns {
        id: r.get(0)?,
        provider: r.get(1)?,
        kind: r.get(2)?,
        name: r.get(3)?,
        display: r.get(4)?,
        environment: r.get(5)?,
        owner: r.get(6)?,
        privilege_tier: r.get(7)?,
        risk_score: r.get(8)?,
        risk_tier: r.get(9)?,
        status: r.get(10)?,
        last_used_epoch: r.get(11)?,
        credentials: r.get(12)?,
        findings_open: r.get(13)?,
        body: r.get(14)?,
    })
}

fn finding_of(r: &Row<'_>) -> rusqlite::Result<FindingIndexColumns> {
    Ok(FindingIndexColumns {
        id: r.get(0)?,
        source: r.get(1)?,
        rule: r.get(2)?,
        title: r.get(3)?,
        severity: r.get(4)?,
        owasp: r.get(5)?,
        subject: r.get(6)?,
        subject_name: r.get(7)?,
        status: r.get(8)?,
        body: r.get(9)?,
    })
}

fn snapshot_of(r: &Row<'_>) -> rusqlite::Result<SnapshotColumns> {
    Ok(SnapshotColumns {
        id: r.get(0)?,
        built_at: r.get(1)?,
        identities: r.get(2)?,
        credentials: r.get(3)?,
        findings_open: r.get(4)?,
        summary: r.get(5)?,
    })
}

fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::Text)
}

impl SqliteStore {
    /// Rows of one query, each read by `read` and decoded by `decode`.
    fn rows<C, T>(
        &self,
        sql: &str,
        args: &[Value],
        context: &'static str,
        read: fn(&Row<'_>) -> rusqlite::Result<C>,
        decode: fn(C) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql).context(context)?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), read)
            .context(context)?;
        rows.map(|row| decode(row.context(context)?)).collect()
    }

    /// At most one row of a query.
    fn row<C, T>(
        &self,
        sql: &str,
        key: &str,
        context: &'static str,
        read: fn(&Row<'_>) -> rusqlite::Result<C>,
        decode: fn(C) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.conn
            .query_row(sql, [key], read)
            .optional()
            .context(context)?
            .map(decode)
            .transpose()
    }

    /// One page: how many rows `FROM {from} {filter}` has, and `limit` of them from
    /// `offset` in `order`. The filter's parameters are `?1..?n`; the page's are the two
    /// after them.
    #[allow(clippy::too_many_arguments)]
    fn page<C, T>(
        &self,
        (columns, from, filter, order): (&str, &str, &str, &str),
        (args, seek, seek_args): (Vec<Value>, &str, Vec<Value>),
        (limit, offset, known_total): (usize, usize, Option<u64>),
        context: &'static str,
        read: fn(&Row<'_>) -> rusqlite::Result<C>,
        decode: fn(C) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let n: i64 = match known_total {
            Some(total) => stored_count(total),
            None => self
                .conn
                .query_row(
                    &format!("SELECT count(*) FROM {from} {filter}"),
                    params_from_iter(args.iter()),
                    |row| row.get(0),
                )
                .context(context)?,
        };
        // Past the end there is nothing to read, and OFFSET would walk every match to
        // find that out (a bookmark's seek makes the offset relative, so only without).
        if seek.is_empty() && stored_count(offset as u64) >= n {
            return Ok(Page {
                items: Vec::new(),
                total: count(n),
            });
        }
        let mut paged = args;
        paged.extend(seek_args);
        let (limit_at, offset_at) = (paged.len() + 1, paged.len() + 2);
        paged.push(Value::Integer(stored_count(limit as u64)));
        paged.push(Value::Integer(stored_count(offset as u64)));
        // The page's rows are picked by rowid first and read after: the sort and the
        // OFFSET skip then run over the narrow covering index (V6), not over rows that
        // carry a whole JSON card each.
        let items = self.rows(
            &format!(
                "SELECT {columns} FROM {from} WHERE rowid IN
                   (SELECT rowid FROM {from} {filter}{seek} ORDER BY {order}
                    LIMIT ?{limit_at} OFFSET ?{offset_at})
                 ORDER BY {order}"
            ),
            &paged,
            context,
            read,
            decode,
        )?;
        Ok(Page {
            items,
            total: count(n),
        })
    }
}

impl ServerStore for SqliteStore {
    fn insert_api_token(&mut self, token: &ApiTokenRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!(
                    "INSERT INTO api_tokens ({TOKEN_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
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
        self.row(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
            id,
            "reading an API token",
            token_of,
            TokenColumns::decode,
        )
    }

    fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StoreError> {
        self.rows(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"),
            &[],
            "listing API tokens",
            token_of,
            TokenColumns::decode,
        )
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
                &format!(
                    "INSERT INTO local_users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                         role = excluded.role"
                ),
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
        self.row(
            &format!("SELECT {USER_COLUMNS} FROM local_users WHERE name = ?1"),
            name,
            "reading a local user",
            user_of,
            UserColumns::decode,
        )
    }

    fn local_users(&self) -> Result<Vec<LocalUser>, StoreError> {
        self.rows(
            &format!("SELECT {USER_COLUMNS} FROM local_users ORDER BY name"),
            &[],
            "listing local users",
            user_of,
            UserColumns::decode,
        )
    }

    fn insert_session(&mut self, session: &SessionRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                &format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ),
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
        self.row(
            &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_sha256 = ?1"),
            id_sha256,
            "reading a session",
            session_of,
            SessionColumns::decode,
        )
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
        let args = vec![
            text(&filter.actor),
            text(&filter.action),
            filter
                .since
                .map_or(Value::Null, |t| Value::Integer(t.as_second())),
        ];
        self.page(
            (
                AUDIT_COLUMNS,
                "audit_log",
                "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
                   AND (?3 IS NULL OR at_epoch >= ?3)",
                "id DESC",
            ),
            (args, "", Vec::new()),
            (filter.limit, filter.offset, None),
            "reading the audit log",
            audit_of,
            AuditColumns::decode,
        )
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
        self.conn
            .execute(
                "UPDATE collection_runs SET finished_at = ?2, status = ?3, identities = ?4,
                     credentials = ?5, findings = ?6, errors = ?7, events = ?8, alerts = ?9
                 WHERE id = ?1",
                params![
                    run.id,
                    run.finished_at.map(|t| t.to_string()),
                    run.status.as_str(),
                    stored_count(run.identities),
                    stored_count(run.credentials),
                    stored_count(run.findings),
                    to_json("a run's errors", &run.errors)?,
                    stored_count(run.events),
                    stored_count(run.alerts),
                ],
            )
            .context("recording a collection run's outcome")?;
        Ok(())
    }

    fn runs(&self, limit: usize, offset: usize) -> Result<Page<RunRow>, StoreError> {
        self.page(
            (RUN_COLUMNS, "collection_runs", "", "id DESC"),
            (Vec::new(), "", Vec::new()),
            (limit, offset, None),
            "listing collection runs",
            run_of,
            RunColumns::decode,
        )
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
                        identity_search_text(row),
                    ])
                    .context(CONTEXT)?;
            }
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO finding_index ({FINDING_INDEX_COLUMNS}, severity_rank)
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
                        severity_rank(row.severity),
                    ])
                    .context(CONTEXT)?;
            }
            tx.execute(
                "INSERT INTO snapshots (built_at, identities, credentials, findings_open, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    snapshot.built_at.to_string(),
                    stored_count(snapshot.identities),
                    stored_count(snapshot.credentials),
                    stored_count(snapshot.findings_open),
                    snapshot.summary,
                ],
            )
            .context(CONTEXT)?;
        }
        tx.commit().context(CONTEXT)
    }

    fn identity_page(&self, query: &IdentityQuery) -> Result<Page<IdentityIndexRow>, StoreError> {
        let args = identity_filter_args(query);
        let seek = identity_seek(query, "", args.len() + 1, |n, _| format!("?{n}"));
        let seek_args = if seek.is_empty() {
            Vec::new()
        } else {
            query.after.iter().flatten().map(sort_value).collect()
        };
        self.page(
            (
                IDENTITY_LIST_COLUMNS,
                "identity_index",
                IDENTITY_FILTER,
                &identity_order(query, ""),
            ),
            (args, &seek, seek_args),
            (query.limit, query.offset, query.known_total),
            "listing identities",
            identity_of,
            IdentityColumns::decode,
        )
    }

    fn identity_bookmarks(
        &self,
        query: &IdentityQuery,
        every: usize,
    ) -> Result<Vec<Vec<SortValue>>, StoreError> {
        const CONTEXT: &str = "reading identity bookmarks";
        let key = identity_sort_key(query.sort, "");
        let columns: Vec<&str> = key.iter().map(|(expr, _)| expr.as_str()).collect();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM identity_index {IDENTITY_FILTER} ORDER BY {}",
                columns.join(", "),
                identity_order(query, "")
            ))
            .context(CONTEXT)?;
        let width = key.len();
        let rows = stmt
            .query_map(params_from_iter(identity_filter_args(query)), |row| {
                (0..width)
                    .map(|i| {
                        Ok(match row.get::<_, Value>(i)? {
                            Value::Integer(n) => SortValue::Int(n),
                            Value::Text(t) => SortValue::Text(t),
                            other => SortValue::Text(format!("{other:?}")),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<SortValue>>>()
            })
            .context(CONTEXT)?;
        sample_bookmarks(rows.map(|r| r.context(CONTEXT)), every)
    }

    fn identity_row(&self, id: &str) -> Result<Option<IdentityIndexRow>, StoreError> {
        self.row(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identity_index WHERE id = ?1"),
            id,
            "reading an identity",
            identity_of,
            IdentityColumns::decode,
        )
    }

    fn finding_page(&self, query: &FindingQuery) -> Result<Page<FindingIndexRow>, StoreError> {
        let args = vec![
            Value::Integer(query.min_severity.map_or(0, severity_rank)),
            text(&query.owasp),
            text(&query.status),
            text(&query.subject),
            text(&query.rule),
            text(&search_pattern(query.search.as_deref())),
        ];
        self.page(
            (
                FINDING_INDEX_COLUMNS,
                "finding_index",
                "WHERE severity_rank >= ?1 AND (?2 IS NULL OR owasp = ?2)
                   AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR subject = ?4)
                   AND (?5 IS NULL OR rule = ?5)
                   AND (?6 IS NULL OR lower(title || ' ' || subject_name || ' ' || rule) LIKE ?6 ESCAPE '\\')",
                "severity_rank DESC, id",
            ),
            (args, "", Vec::new()),
            (query.limit, query.offset, None),
            "listing findings",
            finding_of,
            FindingIndexColumns::decode,
        )
    }

    fn finding_row(&self, id: &str) -> Result<Option<FindingIndexRow>, StoreError> {
        self.row(
            &format!("SELECT {FINDING_INDEX_COLUMNS} FROM finding_index WHERE id = ?1"),
            id,
            "reading a finding",
            finding_of,
            FindingIndexColumns::decode,
        )
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
        fn owner_of(r: &Row<'_>) -> rusqlite::Result<(String, i64, i64)> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        }
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(DISTINCT owner) FROM identity_index",
                [],
                |r| r.get(0),
            )
            .context(CONTEXT)?;
        let items = self.rows(
            "SELECT owner, count(*),
                    sum(CASE WHEN risk_tier IN ('high', 'critical') THEN 1 ELSE 0 END)
             FROM identity_index GROUP BY owner
             ORDER BY count(*) DESC, owner LIMIT ?1 OFFSET ?2",
            &[
                Value::Integer(stored_count(limit as u64)),
                Value::Integer(stored_count(offset as u64)),
            ],
            CONTEXT,
            owner_of,
            |(owner, n, high)| Ok((owner, count(n), count(high))),
        )?;
        Ok(Page {
            items,
            total: count(n),
        })
    }

    fn snapshots(&self, limit: usize) -> Result<Vec<SnapshotRow>, StoreError> {
        self.rows(
            &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id DESC LIMIT ?1"),
            &[Value::Integer(stored_count(limit as u64))],
            "reading snapshots",
            snapshot_of,
            SnapshotColumns::decode,
        )
    }
}

const IDENTITY_FILTER: &str = "WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR kind = ?2)
   AND (?3 IS NULL OR risk_tier = ?3) AND (?4 IS NULL OR privilege_tier = ?4)
   AND (?5 IS NULL OR owner = ?5) AND (?6 IS NULL OR search LIKE ?6 ESCAPE '\\')";

fn identity_filter_args(query: &IdentityQuery) -> Vec<Value> {
    vec![
        text(&query.provider),
        text(&query.kind),
        text(&query.risk_tier),
        text(&query.privilege_tier),
        text(&query.owner),
        text(&search_pattern(query.search.as_deref())),
    ]
}

fn sort_value(value: &SortValue) -> Value {
    match value {
        SortValue::Int(n) => Value::Integer(*n),
        SortValue::Text(t) => Value::Text(t.clone()),
    }
}
