//! What `nhi serve` keeps besides the inventory: who may log in (API tokens, local users,
//! sessions), what they did (the audit log), what the scheduler ran (collection runs,
//! job leases), and an index of the latest analysis that pages in SQL.
//!
//! The server issues the tokens and session IDs itself; the store sees only their
//! SHA-256 digests, never the values.

use jiff::Timestamp;
use nhi_model::Severity;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// What a caller may do. Ordered: each role can do everything the one before can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also suppresses findings and triggers collections.
    Operator,
    /// Also manages tokens and settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    /// The public half of the token, shown in listings and the audit log.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Hex SHA-256 of the secret half.
    pub secret_sha256: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalUser {
    pub name: String,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Hex SHA-256 of the session cookie's value.
    pub id_sha256: String,
    /// `user:NAME` or `token:ID`.
    pub subject: String,
    pub role: Role,
    /// The synchroniser token every state-changing form of this session must carry.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Assigned by the store; ignored on append.
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    pub source_ip: Option<String>,
    /// A JSON object with the action's parameters (never a secret).
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<Timestamp>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        [RunStatus::Running, RunStatus::Succeeded, RunStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One run of a collection job, with what it collected or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub job: String,
    /// `schedule` or `manual:<actor>`.
    pub trigger: String,
    pub attempt: u32,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: RunStatus,
    pub identities: u64,
    pub credentials: u64,
    pub findings: u64,
    /// Events a monitor job read (0 for collections).
    pub events: u64,
    /// Alerts a monitor job raised (0 for collections).
    pub alerts: u64,
    pub errors: Vec<String>,
}

/// One identity of the latest analysis, with the columns lists filter and sort on and
/// the whole identity card as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityIndexRow {
    pub id: String,
    pub provider: String,
    pub kind: String,
    pub name: String,
    /// ARN, email, app ID: what people search for.
    pub display: String,
    pub environment: String,
    pub owner: String,
    pub privilege_tier: String,
    pub risk_score: u32,
    pub risk_tier: String,
    pub status: String,
    pub last_used: Option<Timestamp>,
    pub credentials: u32,
    pub findings_open: u32,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingIndexRow {
    pub id: String,
    /// `scan` or `inventory`.
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub owasp: String,
    pub subject: String,
    pub subject_name: String,
    /// `open` or `suppressed`.
    pub status: String,
    pub body: String,
}

/// The headline numbers of one analysis, kept for trends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub id: i64,
    pub built_at: Timestamp,
    pub identities: u64,
    pub credentials: u64,
    pub findings_open: u64,
    /// JSON: counts by provider, tier and OWASP ID.
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySort {
    #[default]
    Risk,
    Name,
    Provider,
    LastUsed,
    Findings,
}

impl IdentitySort {
    pub const ALL: [IdentitySort; 5] = [
        IdentitySort::Risk,
        IdentitySort::Name,
        IdentitySort::Provider,
        IdentitySort::LastUsed,
        IdentitySort::Findings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentitySort::Risk => "risk",
            IdentitySort::Name => "name",
            IdentitySort::Provider => "provider",
            IdentitySort::LastUsed => "last_used",
            IdentitySort::Findings => "findings",
        }
    }

    pub fn parse(text: &str) -> Option<IdentitySort> {
        IdentitySort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Which identities a page holds. Unset filters match everything; `search` is a
/// case-insensitive substring of the ID, name, ARN/email or owner.
#[derive(Debug, Clone, Default)]
pub struct IdentityQuery {
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub risk_tier: Option<String>,
    pub privilege_tier: Option<String>,
    pub owner: Option<String>,
    pub search: Option<String>,
    pub sort: IdentitySort,
    pub descending: bool,
    pub limit: usize,
    pub offset: usize,
    /// The number of matching identities when the caller already knows it (the server
    /// caches counts per index generation): the store then skips counting, which at
    /// 100,000 identities costs more than reading the page.
    pub known_total: Option<u64>,
    /// Start right after the row whose sort key this is (keyset paging); `offset` then
    /// counts from there. The server keeps such bookmarks every few hundred rows (see
    /// [`ServerStore::identity_bookmarks`]), so a page deep in 100,000 identities is an
    /// index seek plus a short skip instead of a skip over every row before it.
    pub after: Option<Vec<SortValue>>,
}

/// One column of an identity's sort key, as [`ServerStore::identity_bookmarks`] returns
/// it and [`IdentityQuery::after`] takes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    pub min_severity: Option<Severity>,
    pub owasp: Option<String>,
    /// `open` or `suppressed`.
    pub status: Option<String>,
    pub subject: Option<String>,
    pub rule: Option<String>,
    pub search: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// One page of a longer list, and how long the list is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Storage for the server. Object safe, like [`crate::InventoryStore`].
pub trait ServerStore {
    fn insert_api_token(&mut self, token: &ApiTokenRow) -> Result<(), StoreError>;
    fn api_token(&self, id: &str) -> Result<Option<ApiTokenRow>, StoreError>;
    /// Every token, newest first, revoked and expired ones included.
    fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StoreError>;
    /// False when there is no such token or it was already revoked.
    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> Result<(), StoreError>;

    fn upsert_local_user(&mut self, user: &LocalUser) -> Result<(), StoreError>;
    fn local_user(&self, name: &str) -> Result<Option<LocalUser>, StoreError>;
    /// Every local user, by name.
    fn local_users(&self) -> Result<Vec<LocalUser>, StoreError>;

    fn insert_session(&mut self, session: &SessionRow) -> Result<(), StoreError>;
    fn session(&self, id_sha256: &str) -> Result<Option<SessionRow>, StoreError>;
    fn delete_session(&mut self, id_sha256: &str) -> Result<(), StoreError>;
    /// Deletes sessions that expired before `now`; returns how many.
    fn purge_sessions(&mut self, now: Timestamp) -> Result<u64, StoreError>;

    /// Appends to the audit log; returns the entry's ID.
    fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64, StoreError>;
    /// Newest first.
    fn audit_log(&self, filter: &AuditFilter) -> Result<Page<AuditEntry>, StoreError>;

    /// Records a run as started; returns its ID.
    fn start_run(
        &mut self,
        job: &str,
        trigger: &str,
        attempt: u32,
        at: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Writes a run's outcome (status, finish time, counts, errors) by its ID.
    fn finish_run(&mut self, run: &RunRow) -> Result<(), StoreError>;
    /// Newest first.
    fn runs(&self, limit: usize, offset: usize) -> Result<Page<RunRow>, StoreError>;

    /// Takes (or renews) the lease on `job` for `holder` until `now + ttl_secs`, unless
    /// another holder's lease is still running. True when `holder` has it.
    fn try_acquire_lease(
        &mut self,
        job: &str,
        holder: &str,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Result<bool, StoreError>;
    fn release_lease(&mut self, job: &str, holder: &str) -> Result<(), StoreError>;

    /// Replaces the index with a new analysis and records its snapshot, in one
    /// transaction: readers see the old index or the new one, never a mix.
    fn replace_index(
        &mut self,
        identities: &[IdentityIndexRow],
        findings: &[FindingIndexRow],
        snapshot: &SnapshotRow,
    ) -> Result<(), StoreError>;
    /// A page of identities. Rows carry no card (`body` is empty): a list never shows
    /// one, and [`ServerStore::identity_row`] reads it for one identity.
    fn identity_page(&self, query: &IdentityQuery) -> Result<Page<IdentityIndexRow>, StoreError>;

    /// The sort keys of the rows at positions `every - 1`, `2 * every - 1`, … of the
    /// query's filter and order (its limit, offset, after and known total ignored):
    /// bookmarks that [`IdentityQuery::after`] resumes from.
    fn identity_bookmarks(
        &self,
        query: &IdentityQuery,
        every: usize,
    ) -> Result<Vec<Vec<SortValue>>, StoreError>;
    fn identity_row(&self, id: &str) -> Result<Option<IdentityIndexRow>, StoreError>;
    fn finding_page(&self, query: &FindingQuery) -> Result<Page<FindingIndexRow>, StoreError>;
    fn finding_row(&self, id: &str) -> Result<Option<FindingIndexRow>, StoreError>;
    /// Sets an indexed finding's status (`open` or `suppressed`) and the status its body
    /// shows (`suppressed until DATE: reason`), after a suppression changes; false when
    /// the finding is not indexed.
    fn set_finding_status(
        &mut self,
        id: &str,
        status: &str,
        shown: &str,
    ) -> Result<bool, StoreError>;
    /// Owners of indexed identities: (owner, identities, of which high or critical risk),
    /// most identities first. Identities without an owner are counted under "".
    fn owners(&self, limit: usize, offset: usize) -> Result<Page<(String, u64, u64)>, StoreError>;
    /// Newest first.
    fn snapshots(&self, limit: usize) -> Result<Vec<SnapshotRow>, StoreError>;
}

/// What [`copy_server_tables`] moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerCopy {
    pub api_tokens: usize,
    pub local_users: usize,
    pub audit_entries: usize,
}

/// Copies who may log in (API tokens with their digests, local users with their
/// password hashes) and the audit log from one store to another, for
/// `nhi migrate-store`. The audit log keeps its order (entries get new IDs). Sessions,
/// leases and the analysis index are not copied: people log in again, and a server
/// rebuilds the index when it starts. Refuses a target that already has tokens, users or
/// audit entries, so a second run cannot duplicate the log.
pub fn copy_server_tables(
    from: &dyn ServerStore,
    to: &mut dyn ServerStore,
) -> Result<ServerCopy, StoreError> {
    let page = AuditFilter {
        limit: 1,
        ..AuditFilter::default()
    };
    for (table, rows) in [
        ("api_tokens", to.api_tokens()?.len() as u64),
        ("local_users", to.local_users()?.len() as u64),
        ("audit_log", to.audit_log(&page)?.total),
    ] {
        if rows > 0 {
            return Err(StoreError::TargetNotEmpty { table, rows });
        }
    }
    let mut copied = ServerCopy::default();
    for token in from.api_tokens()?.iter().rev() {
        to.insert_api_token(token)?;
        copied.api_tokens += 1;
    }
    for user in from.local_users()? {
        to.upsert_local_user(&user)?;
        copied.local_users += 1;
    }
    // Newest first in pages; appended oldest first.
    const PAGE: usize = 1_000;
    let total = from.audit_log(&page)?.total;
    let mut entries = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut offset = 0;
    loop {
        let batch = from.audit_log(&AuditFilter {
            limit: PAGE,
            offset,
            ..AuditFilter::default()
        })?;
        let n = batch.items.len();
        entries.extend(batch.items);
        offset += n;
        if n < PAGE {
            break;
        }
    }
    for entry in entries.iter().rev() {
        to.append_audit(entry)?;
        copied.audit_entries += 1;
    }
    Ok(copied)
}
