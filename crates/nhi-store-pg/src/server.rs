//! [`ServerStore`] on PostgreSQL, with the SQLite backend's behaviour: the same columns,
//! decoded by the same [`nhi_store::backend`] structs, the same filters and the same
//! order (text sort keys compare with `COLLATE "C"`, as SQLite's BINARY does).
//!
//! Unlike inventory writes, the server's single-statement writes (a session, an audit
//! entry, a token's last use) do not take the store's write lock: each statement is
//! atomic on its own, and an authenticated request must not wait behind a long scan
//! import. Replacing the analysis index takes a lock of its own, so two servers that
//! finish an analysis at once replace it one after the other instead of interleaving.

use jiff::Timestamp;
use nhi_store::backend::{
    AUDIT_COLUMNS, AuditColumns, Decoder, FINDING_INDEX_COLUMNS, FindingIndexColumns,
    IDENTITY_COLUMNS, IDENTITY_LIST_COLUMNS, IdentityColumns, KeyType, RUN_COLUMNS, RunColumns,
    SESSION_COLUMNS, SNAPSHOT_COLUMNS, SessionColumns, SnapshotColumns, TOKEN_COLUMNS,
    TokenColumns, USER_COLUMNS, UserColumns, count, identity_order, identity_search_text,
    identity_seek, identity_sort_key, sample_bookmarks, search_pattern, severity_rank,
    stored_count, to_json, with_shown_status,
};
use nhi_store::{
    ApiTokenRow, AuditEntry, AuditFilter, FindingIndexRow, FindingQuery, IdentityIndexRow,
    IdentityQuery, LocalUser, Page, RunRow, ServerStore, SessionRow, SnapshotRow, SortValue,
    StoreError,
};
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use crate::{PgContext, PgStore, col};

type Param<'a> = &'a (dyn ToSql + Sync);

/// How many index rows go into one `INSERT … SELECT FROM unnest(…)`: large enough that
/// 100,000 identities take a few dozen round trips, small enough to keep each message
/// well under the protocol's limits.
const INDEX_CHUNK: usize = 5_000;

fn token_of(r: &Row, c: &'static str) -> Result<TokenColumns, StoreError> {
    Ok(TokenColumns {
        id: col(r, 0, c)?,
        name: col(r, 1, c)?,
        role: col(r, 2, c)?,
        secret_sha256: col(r, 3, c)?,
        created_at: col(r, 4, c)?,
        created_by: col(r, 5, c)?,
        expires_epoch: col(r, 6, c)?,
        revoked_at: col(r, 7, c)?,
        last_used_at: col(r, 8, c)?,
    })
}

fn user_of(r: &Row, c: &'static str) -> Result<UserColumns, StoreError> {
    Ok(UserColumns {
        name: col(r, 0, c)?,
        password_hash: col(r, 1, c)?,
        role: col(r, 2, c)?,
        created_at: col(r, 3, c)?,
    })
}

fn session_of(r: &Row, c: &'static str) -> Result<SessionColumns, StoreError> {
    Ok(SessionColumns {
        id_sha256: col(r, 0, c)?,
        subject: col(r, 1, c)?,
        role: col(r, 2, c)?,
        csrf_token: col(r, 3, c)?,
        created_at: col(r, 4, c)?,
        expires_epoch: col(r, 5, c)?,
    })
}

fn audit_of(r: &Row, c: &'static str) -> Result<AuditColumns, StoreError> {
    Ok(AuditColumns {
        id: col(r, 0, c)?,
        at: col(r, 1, c)?,
        actor: col(r, 2, c)?,
        role: col(r, 3, c)?,
        action: col(r, 4, c)?,
        target: col(r, 5, c)?,
        outcome: col(r, 6, c)?,
        source_ip: col(r, 7, c)?,
        detail: col(r, 8, c)?,
    })
}

fn run_of(r: &Row, c: &'static str) -> Result<RunColumns, StoreError> {
    Ok(RunColumns {
        id: col(r, 0, c)?,
        job: col(r, 1, c)?,
        trigger: col(r, 2, c)?,
        attempt: col(r, 3, c)?,
        started_at: col(r, 4, c)?,
        finished_at: col(r, 5, c)?,
        status: col(r, 6, c)?,
        identities: col(r, 7, c)?,
        credentials: col(r, 8, c)?,
        findings: col(r, 9, c)?,
        errors: col(r, 10, c)?,
        events: col(r, 11, c)?,
        alerts: col(r, 12, c)?,
    })
}

fn identity_of(r: &Row, c: &'static str) -> Result<IdentityColumns, StoreError> {
    Ok(IdentityColumns {
        id: col(r, 0, c)?,
        provider: col(r, 1, c)?,
        kind: col(r, 2, c)?,
        name: col(r, 3, c)?,
        display: col(r, 4, c)?,
        environment: col(r, 5, c)?,
        owner: col(r, 6, c)?,
        privilege_tier: col(r, 7, c)?,
        risk_score: col(r, 8, c)?,
        risk_tier: col(r, 9, c)?,
        status: col(r, 10, c)?,
        last_used_epoch: col(r, 11, c)?,
        credentials: col(r, 12, c)?,
        findings_open: col(r, 13, c)?,
        body: col(r, 14, c)?,
    })
}

fn finding_of(r: &Row, c: &'static str) -> Result<FindingIndexColumns, StoreError> {
    Ok(FindingIndexColumns {
        id: col(r, 0, c)?,
        source: col(r, 1, c)?,
        rule: col(r, 2, c)?,
        title: col(r, 3, c)?,
        severity: col(r, 4, c)?,
        owasp: col(r, 5, c)?,
        subject: col(r, 6, c)?,
        subject_name: col(r, 7, c)?,
        status: col(r, 8, c)?,
        body: col(r, 9, c)?,
    })
}

fn snapshot_of(r: &Row, c: &'static str) -> Result<SnapshotColumns, StoreError> {
    Ok(SnapshotColumns {
        id: col(r, 0, c)?,
        built_at: col(r, 1, c)?,
        identities: col(r, 2, c)?,
        credentials: col(r, 3, c)?,
        findings_open: col(r, 4, c)?,
        summary: col(r, 5, c)?,
    })
}

type Read<C> = fn(&Row, &'static str) -> Result<C, StoreError>;
type Decode<C, T> = fn(C) -> Result<T, StoreError>;

/// Every row of a query, read and decoded.
fn rows<C, T>(
    client: &mut impl GenericClient,
    sql: &str,
    args: &[Param<'_>],
    context: &'static str,
    read: Read<C>,
    decode: Decode<C, T>,
) -> Result<Vec<T>, StoreError> {
    client
        .query(sql, args)
        .pg(context)?
        .iter()
        .map(|row| decode(read(row, context)?))
        .collect()
}

fn limit(n: usize) -> i64 {
    stored_count(n as u64)
}

impl PgStore {
    fn one<C, T>(
        &self,
        sql: &str,
        key: &str,
        context: &'static str,
        read: Read<C>,
        decode: Decode<C, T>,
    ) -> Result<Option<T>, StoreError> {
        self.pool
            .get()?
            .query_opt(sql, &[&key])
            .pg(context)?
            .map(|row| decode(read(&row, context)?))
            .transpose()
    }

    fn run_statement(
        &self,
        sql: &str,
        args: &[Param<'_>],
        context: &'static str,
    ) -> Result<u64, StoreError> {
        self.pool.get()?.execute(sql, args).pg(context)
    }

    /// One page: the count of `FROM {from} {filter}` and `limit` rows from `offset` in
    /// `order`, in one snapshot so the two agree. The filter's parameters are `$1..$n`;
    /// the page's are the two after them.
    #[allow(clippy::too_many_arguments)]
    fn page<C, T>(
        &self,
        (columns, from, filter, order): (&str, &str, &str, &str),
        (args, seek, seek_args): (&[Param<'_>], &str, &[Param<'_>]),
        (limit_rows, offset, known_total): (usize, usize, Option<u64>),
        context: &'static str,
        read: Read<C>,
        decode: Decode<C, T>,
    ) -> Result<Page<T>, StoreError> {
        let offset_rows = offset;
        let (limit_rows, offset) = (limit(limit_rows), limit(offset));
        let mut paged: Vec<Param<'_>> = args.to_vec();
        paged.extend_from_slice(seek_args);
        let (limit_at, offset_at) = (paged.len() + 1, paged.len() + 2);
        paged.push(&limit_rows);
        paged.push(&offset);
        self.read(context, |tx| {
            let n: i64 = match known_total {
                Some(total) => stored_count(total),
                None => col(
                    &tx.query_one(&format!("SELECT count(*) FROM {from} {filter}"), args)
                        .pg(context)?,
                    0,
                    context,
                )?,
            };
            // Past the end there is nothing to read, and OFFSET would walk every match
            // to find that out (a bookmark's seek makes the offset relative, so only
            // without one).
            if seek.is_empty() && i64::try_from(offset_rows).unwrap_or(i64::MAX) >= n {
                return Ok(Page {
                    items: Vec::new(),
                    total: count(n),
                });
            }
            let items = rows(
                tx,
                // The page's keys first, then its rows (see the SQLite twin): the sort
                // and the OFFSET skip run over a covering index, not the wide rows.
                &format!(
                    "SELECT {columns} FROM {from} WHERE id IN
                       (SELECT id FROM {from} {filter}{seek} ORDER BY {order}
                        LIMIT ${limit_at} OFFSET ${offset_at})
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
        })
    }
}

impl ServerStore for PgStore {
    fn insert_api_token(&mut self, token: &ApiTokenRow) -> Result<(), StoreError> {
        self.run_statement(
            &format!(
                "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
            &[
                &token.id,
                &token.name,
                &token.role.as_str(),
                &token.secret_sha256,
                &token.created_at.to_string(),
                &token.created_by,
                &token.expires_at.as_second(),
                &token.revoked_at.map(|t| t.to_string()),
                &token.last_used_at.map(|t| t.to_string()),
            ],
            "storing an API token",
        )?;
        Ok(())
    }

    fn api_token(&self, id: &str) -> Result<Option<ApiTokenRow>, StoreError> {
        self.one(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
            id,
            "reading an API token",
            token_of,
            TokenColumns::decode,
        )
    }

    fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StoreError> {
        rows(
            &mut *self.pool.get()?,
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens
                 ORDER BY created_at COLLATE \"C\" DESC, id COLLATE \"C\""
            ),
            &[],
            "listing API tokens",
            token_of,
            TokenColumns::decode,
        )
    }

    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let changed = self.run_statement(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &at.to_string()],
            "revoking an API token",
        )?;
        Ok(changed > 0)
    }

    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.run_statement(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id, &at.to_string()],
            "recording an API token's use",
        )?;
        Ok(())
    }

    fn upsert_local_user(&mut self, user: &LocalUser) -> Result<(), StoreError> {
        self.run_statement(
            &format!(
                "INSERT INTO local_users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                     role = excluded.role"
            ),
            &[
                &user.name,
                &user.password_hash,
                &user.role.as_str(),
                &user.created_at.to_string(),
            ],
            "storing a local user",
        )?;
        Ok(())
    }

    fn local_user(&self, name: &str) -> Result<Option<LocalUser>, StoreError> {
        self.one(
            &format!("SELECT {USER_COLUMNS} FROM local_users WHERE name = $1"),
            name,
            "reading a local user",
            user_of,
            UserColumns::decode,
        )
    }

    fn local_users(&self) -> Result<Vec<LocalUser>, StoreError> {
        rows(
            &mut *self.pool.get()?,
            &format!("SELECT {USER_COLUMNS} FROM local_users ORDER BY name COLLATE \"C\""),
            &[],
            "listing local users",
            user_of,
            UserColumns::decode,
        )
    }

    fn insert_session(&mut self, session: &SessionRow) -> Result<(), StoreError> {
        self.run_statement(
            &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[
                &session.id_sha256,
                &session.subject,
                &session.role.as_str(),
                &session.csrf_token,
                &session.created_at.to_string(),
                &session.expires_at.as_second(),
            ],
            "storing a session",
        )?;
        Ok(())
    }

    fn session(&self, id_sha256: &str) -> Result<Option<SessionRow>, StoreError> {
        self.one(
            &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_sha256 = $1"),
            id_sha256,
            "reading a session",
            session_of,
            SessionColumns::decode,
        )
    }

    fn delete_session(&mut self, id_sha256: &str) -> Result<(), StoreError> {
        self.run_statement(
            "DELETE FROM sessions WHERE id_sha256 = $1",
            &[&id_sha256],
            "deleting a session",
        )?;
        Ok(())
    }

    fn purge_sessions(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        self.run_statement(
            "DELETE FROM sessions WHERE expires_epoch < $1",
            &[&now.as_second()],
            "purging expired sessions",
        )
    }

    fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64, StoreError> {
        const CONTEXT: &str = "appending to the audit log";
        let row = self
            .pool
            .get()?
            .query_one(
                "INSERT INTO audit_log (at, at_epoch, actor, role, action, target, outcome,
                     source_ip, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &entry.at.to_string(),
                    &entry.at.as_second(),
                    &entry.actor,
                    &entry.role,
                    &entry.action,
                    &entry.target,
                    &entry.outcome,
                    &entry.source_ip,
                    &to_json("an audit entry's detail", &entry.detail)?,
                ],
            )
            .pg(CONTEXT)?;
        col(&row, 0, CONTEXT)
    }

    fn audit_log(&self, filter: &AuditFilter) -> Result<Page<AuditEntry>, StoreError> {
        let since = filter.since.map(|t| t.as_second());
        self.page(
            (
                AUDIT_COLUMNS,
                "audit_log",
                "WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
                   AND ($3::bigint IS NULL OR at_epoch >= $3)",
                "id DESC",
            ),
            (&[&filter.actor, &filter.action, &since], "", &[]),
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
        const CONTEXT: &str = "recording a collection run";
        let row = self
            .pool
            .get()?
            .query_one(
                "INSERT INTO collection_runs (job, trigger_kind, attempt, started_at,
                     started_epoch, status)
                 VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id",
                &[
                    &job,
                    &trigger,
                    &i64::from(attempt),
                    &at.to_string(),
                    &at.as_second(),
                ],
            )
            .pg(CONTEXT)?;
        col(&row, 0, CONTEXT)
    }

    fn finish_run(&mut self, run: &RunRow) -> Result<(), StoreError> {
        self.run_statement(
            "UPDATE collection_runs SET finished_at = $2, status = $3, identities = $4,
                 credentials = $5, findings = $6, errors = $7, events = $8, alerts = $9
             WHERE id = $1",
            &[
                &run.id,
                &run.finished_at.map(|t| t.to_string()),
                &run.status.as_str(),
                &stored_count(run.identities),
                &stored_count(run.credentials),
                &stored_count(run.findings),
                &to_json("a run's errors", &run.errors)?,
                &stored_count(run.events),
                &stored_count(run.alerts),
            ],
            "recording a collection run's outcome",
        )?;
        Ok(())
    }

    fn runs(&self, limit_rows: usize, offset: usize) -> Result<Page<RunRow>, StoreError> {
        self.page(
            (RUN_COLUMNS, "collection_runs", "", "id DESC"),
            (&[], "", &[]),
            (limit_rows, offset, None),
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
        // One statement: INSERT … ON CONFLICT DO UPDATE … WHERE is atomic, and a
        // concurrent taker waits on the row lock and then re-checks the condition, so
        // of two servers racing for an expired lease exactly one gets it.
        let changed = self.run_statement(
            "INSERT INTO job_leases (job, holder, expires_epoch) VALUES ($1, $2, $4)
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,
                 expires_epoch = excluded.expires_epoch
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_epoch < $3",
            &[
                &job,
                &holder,
                &now.as_second(),
                &now.as_second().saturating_add(ttl_secs),
            ],
            "taking a job lease",
        )?;
        Ok(changed > 0)
    }

    fn release_lease(&mut self, job: &str, holder: &str) -> Result<(), StoreError> {
        self.run_statement(
            "DELETE FROM job_leases WHERE job = $1 AND holder = $2",
            &[&job, &holder],
            "releasing a job lease",
        )?;
        Ok(())
    }

    fn replace_index(
        &mut self,
        identities: &[IdentityIndexRow],
        findings: &[FindingIndexRow],
        snapshot: &SnapshotRow,
    ) -> Result<(), StoreError> {
        const CONTEXT: &str = "replacing the analysis index";
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().pg(CONTEXT)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('nhi-index:' || current_schema(), 0))",
            &[],
        )
        .pg(CONTEXT)?;
        tx.batch_execute("DELETE FROM identity_index; DELETE FROM finding_index;")
            .pg(CONTEXT)?;
        let insert_identities = tx
            .prepare(&format!(
                "INSERT INTO identity_index ({IDENTITY_COLUMNS}, search)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                     $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::text[],
                     $11::text[], $12::int8[], $13::int8[], $14::int8[], $15::text[],
                     $16::text[])"
            ))
            .pg(CONTEXT)?;
        for chunk in identities.chunks(INDEX_CHUNK) {
            let text =
                |f: fn(&IdentityIndexRow) -> &str| -> Vec<&str> { chunk.iter().map(f).collect() };
            let number =
                |f: fn(&IdentityIndexRow) -> i64| -> Vec<i64> { chunk.iter().map(f).collect() };
            let last_used: Vec<Option<i64>> = chunk
                .iter()
                .map(|r| r.last_used.map(|t| t.as_second()))
                .collect();
            let search: Vec<String> = chunk.iter().map(identity_search_text).collect();
            tx.execute(
                &insert_identities,
                &[
                    &text(|r| &r.id),
                    &text(|r| &r.provider),
                    &text(|r| &r.kind),
                    &text(|r| &r.name),
                    &text(|r| &r.display),
                    &text(|r| &r.environment),
                    &text(|r| &r.owner),
                    &text(|r| &r.privilege_tier),
                    &number(|r| i64::from(r.risk_score)),
                    &text(|r| &r.risk_tier),
                    &text(|r| &r.status),
                    &last_used,
                    &number(|r| i64::from(r.credentials)),
                    &number(|r| i64::from(r.findings_open)),
                    &text(|r| &r.body),
                    &search,
                ],
            )
            .pg(CONTEXT)?;
        }
        let insert_findings = tx
            .prepare(&format!(
                "INSERT INTO finding_index ({FINDING_INDEX_COLUMNS}, severity_rank)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                     $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::int8[])"
            ))
            .pg(CONTEXT)?;
        for chunk in findings.chunks(INDEX_CHUNK) {
            let text =
                |f: fn(&FindingIndexRow) -> &str| -> Vec<&str> { chunk.iter().map(f).collect() };
            let ranks: Vec<i64> = chunk.iter().map(|r| severity_rank(r.severity)).collect();
            tx.execute(
                &insert_findings,
                &[
                    &text(|r| &r.id),
                    &text(|r| &r.source),
                    &text(|r| &r.rule),
                    &text(|r| &r.title),
                    &text(|r| r.severity.as_str()),
                    &text(|r| &r.owasp),
                    &text(|r| &r.subject),
                    &text(|r| &r.subject_name),
                    &text(|r| &r.status),
                    &text(|r| &r.body),
                    &ranks,
                ],
            )
            .pg(CONTEXT)?;
        }
        tx.execute(
            "INSERT INTO snapshots (built_at, identities, credentials, findings_open, summary)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &snapshot.built_at.to_string(),
                &stored_count(snapshot.identities),
                &stored_count(snapshot.credentials),
                &stored_count(snapshot.findings_open),
                &snapshot.summary,
            ],
        )
        .pg(CONTEXT)?;
        tx.commit().pg(CONTEXT)?;
        // Every row was just replaced: without fresh statistics the planner guesses, and
        // until a vacuum marks the pages all-visible an index-only scan (a count, a
        // bookmark pass, an OFFSET skip) still visits the heap for each entry.
        // Autovacuum would get there in its own time; the lists are slow until it does.
        // VACUUM cannot run in a transaction, so it runs after the commit. The index is
        // committed either way: a failed vacuum (a role that does not own the tables gets
        // only a warning) costs speed until autovacuum runs, never data, so it is not an
        // error of the replacement.
        let _ = conn.batch_execute("VACUUM (ANALYZE) identity_index, finding_index");
        Ok(())
    }

    fn identity_page(&self, query: &IdentityQuery) -> Result<Page<IdentityIndexRow>, StoreError> {
        let search = search_pattern(query.search.as_deref());
        let args = identity_filter_args(query, &search);
        let seek = identity_seek(query, C, args.len() + 1, typed_placeholder);
        let seek_args: Vec<Param<'_>> = if seek.is_empty() {
            Vec::new()
        } else {
            query.after.iter().flatten().map(sort_param).collect()
        };
        self.page(
            (
                IDENTITY_LIST_COLUMNS,
                "identity_index",
                IDENTITY_FILTER,
                &identity_order(query, C),
            ),
            (&args, &seek, &seek_args),
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
        let key = identity_sort_key(query.sort, C);
        let columns: Vec<String> = key
            .iter()
            .map(|(expr, kind)| match kind {
                KeyType::Int => format!("CAST({expr} AS BIGINT)"),
                KeyType::Text => expr.clone(),
            })
            .collect();
        let search = search_pattern(query.search.as_deref());
        let args = identity_filter_args(query, &search);
        let sql = format!(
            "SELECT {} FROM identity_index {IDENTITY_FILTER} ORDER BY {}",
            columns.join(", "),
            identity_order(query, C)
        );
        self.read(CONTEXT, |tx| {
            let rows = tx.query(&sql, &args).pg(CONTEXT)?;
            sample_bookmarks(
                rows.iter().map(|row| {
                    key.iter()
                        .enumerate()
                        .map(|(i, (_, kind))| {
                            Ok(match kind {
                                KeyType::Int => SortValue::Int(col(row, i, CONTEXT)?),
                                KeyType::Text => SortValue::Text(col(row, i, CONTEXT)?),
                            })
                        })
                        .collect()
                }),
                every,
            )
        })
    }

    fn identity_row(&self, id: &str) -> Result<Option<IdentityIndexRow>, StoreError> {
        self.one(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identity_index WHERE id = $1"),
            id,
            "reading an identity",
            identity_of,
            IdentityColumns::decode,
        )
    }

    fn finding_page(&self, query: &FindingQuery) -> Result<Page<FindingIndexRow>, StoreError> {
        let min = query.min_severity.map_or(0, severity_rank);
        let search = search_pattern(query.search.as_deref());
        self.page(
            (
                FINDING_INDEX_COLUMNS,
                "finding_index",
                "WHERE severity_rank >= $1 AND ($2::text IS NULL OR owasp = $2)
                   AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR subject = $4)
                   AND ($5::text IS NULL OR rule = $5)
                   AND ($6::text IS NULL
                        OR lower(title || ' ' || subject_name || ' ' || rule) LIKE $6 ESCAPE '\\')",
                "severity_rank DESC, id COLLATE \"C\"",
            ),
            (
                &[
                    &min,
                    &query.owasp,
                    &query.status,
                    &query.subject,
                    &query.rule,
                    &search,
                ],
                "",
                &[],
            ),
            (query.limit, query.offset, None),
            "listing findings",
            finding_of,
            FindingIndexColumns::decode,
        )
    }

    fn finding_row(&self, id: &str) -> Result<Option<FindingIndexRow>, StoreError> {
        self.one(
            &format!("SELECT {FINDING_INDEX_COLUMNS} FROM finding_index WHERE id = $1"),
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
        // Read, edit and write back under a row lock: JSONB would reorder the body's keys
        // (V1 says why JSON stays text), so the edit is made on the JSON value here.
        const CONTEXT: &str = "updating a finding's status";
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().pg(CONTEXT)?;
        let Some(row) = tx
            .query_opt(
                "SELECT body FROM finding_index WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .pg(CONTEXT)?
        else {
            return Ok(false);
        };
        let body: String = col(&row, 0, CONTEXT)?;
        let body = with_shown_status(&Decoder::new("finding_index", id), &body, shown)?;
        tx.execute(
            "UPDATE finding_index SET status = $2, body = $3 WHERE id = $1",
            &[&id, &status, &body],
        )
        .pg(CONTEXT)?;
        tx.commit().pg(CONTEXT)?;
        Ok(true)
    }

    fn owners(
        &self,
        limit_rows: usize,
        offset: usize,
    ) -> Result<Page<(String, u64, u64)>, StoreError> {
        const CONTEXT: &str = "listing owners";
        let (limit_rows, offset) = (limit(limit_rows), limit(offset));
        self.read(CONTEXT, |tx| {
            let n: i64 = col(
                &tx.query_one("SELECT count(DISTINCT owner) FROM identity_index", &[])
                    .pg(CONTEXT)?,
                0,
                CONTEXT,
            )?;
            let items = rows(
                tx,
                "SELECT owner, count(*),
                        sum(CASE WHEN risk_tier IN ('high', 'critical') THEN 1 ELSE 0 END)
                 FROM identity_index GROUP BY owner
                 ORDER BY count(*) DESC, owner COLLATE \"C\" LIMIT $1 OFFSET $2",
                &[&limit_rows, &offset],
                CONTEXT,
                |r, c| -> Result<(String, i64, i64), StoreError> {
                    Ok((col(r, 0, c)?, col(r, 1, c)?, col(r, 2, c)?))
                },
                |(owner, n, high)| Ok((owner, count(n), count(high))),
            )?;
            Ok(Page {
                items,
                total: count(n),
            })
        })
    }

    fn snapshots(&self, limit_rows: usize) -> Result<Vec<SnapshotRow>, StoreError> {
        rows(
            &mut *self.pool.get()?,
            &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id DESC LIMIT $1"),
            &[&limit(limit_rows)],
            "reading snapshots",
            snapshot_of,
            SnapshotColumns::decode,
        )
    }
}

/// Text sort keys compare by code point, as SQLite's BINARY collation does.
const C: &str = " COLLATE \"C\"";

const IDENTITY_FILTER: &str =
    "WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR kind = $2)
   AND ($3::text IS NULL OR risk_tier = $3)
   AND ($4::text IS NULL OR privilege_tier = $4)
   AND ($5::text IS NULL OR owner = $5)
   AND ($6::text IS NULL OR search LIKE $6 ESCAPE '\\')";

fn identity_filter_args<'q>(
    query: &'q IdentityQuery,
    search: &'q Option<String>,
) -> Vec<Param<'q>> {
    vec![
        &query.provider,
        &query.kind,
        &query.risk_tier,
        &query.privilege_tier,
        &query.owner,
        search,
    ]
}

/// `$n` with its type spelled out: the server cannot infer a parameter's type from a row
/// comparison as reliably as from a plain one.
fn typed_placeholder(n: usize, kind: KeyType) -> String {
    match kind {
        KeyType::Int => format!("${n}::bigint"),
        KeyType::Text => format!("${n}::text"),
    }
}

fn sort_param(value: &SortValue) -> Param<'_> {
    match value {
        SortValue::Int(n) => n,
        SortValue::Text(t) => t,
    }
}
