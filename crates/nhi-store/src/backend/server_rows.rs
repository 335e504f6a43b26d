//! The server tables' rows as plain column values, and their decoding: each backend reads
//! a row into one of these inside its driver's accessors, then decodes it here, so both
//! backends turn the same text into the same [`crate::server`] types and report a bad
//! value the same way. Column lists and ordering clauses live here too, because the
//! tables have the same columns on every backend.

use jiff::Timestamp;
use nhi_model::Severity;

use super::Decoder;
use crate::error::StoreError;
use crate::server::{
    ApiTokenRow, AuditEntry, FindingIndexRow, IdentityIndexRow, IdentityQuery, IdentitySort,
    LocalUser, Role, RunRow, RunStatus, SessionRow, SnapshotRow, SortValue,
};

/// 0 info … 4 critical: the rank alert and finding tables keep beside the severity name,
/// so "at least high" is a comparison and ordering by severity is by number.
pub fn severity_rank(severity: Severity) -> i64 {
    match severity {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// A stored count as the unsigned number it counts (a negative one, which the store never
/// writes, reads as 0).
pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A count as the signed 64-bit integer both backends store.
pub fn stored_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A `LIKE` pattern matching `needle` (lowercased) anywhere, with the wildcards and the
/// escape character in the needle taken literally (`ESCAPE '\'`).
pub fn like_pattern(needle: &str) -> String {
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

/// The search pattern of a query's free text, or `None` when it is blank.
pub fn search_pattern(search: Option<&str>) -> Option<String> {
    search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(like_pattern)
}

/// How much of an identity's search text is kept, in bytes. PostgreSQL's covering
/// indexes carry the column (V8) so a search reads only the index, and a btree entry
/// must fit in about a third of a page; IDs, names and owners are far shorter than this
/// in practice (151 bytes on average in the 100,000-principal benchmark estate, 305 at
/// most). Both backends keep the same text, so a search matches the same rows on each.
pub const SEARCH_TEXT_MAX: usize = 768;

/// What the identity index's `search` column holds for a row: its ID, name, display name
/// and owner, lower-cased, cut at [`SEARCH_TEXT_MAX`] bytes on a character boundary.
pub fn identity_search_text(row: &IdentityIndexRow) -> String {
    capped(
        format!("{} {} {} {}", row.id, row.name, row.display, row.owner).to_lowercase(),
        SEARCH_TEXT_MAX,
    )
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn capped(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The `ORDER BY` of an identity page. `text` is appended to every text sort key (empty
/// for SQLite, whose BINARY collation is code-point order; ` COLLATE "C"` for
/// PostgreSQL), so both order text the same way. The column names come from this fixed
/// table, never from the request.
pub fn identity_order(query: &IdentityQuery, text: &str) -> String {
    // The direction applies to every column, the `id` tie-break included, so one
    // covering index (V6) serves a sort both ways and a sort key is one row value.
    let d = if query.descending { "DESC" } else { "ASC" };
    identity_sort_key(query.sort, text)
        .iter()
        .map(|(expr, _)| format!("{expr} {d}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a sort key column is a number or text (PostgreSQL needs its parameters typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Int,
    Text,
}

/// The columns of an identity order's sort key, most significant first, each ending in
/// the unique `id`. "Last used" puts never-used identities with the oldest.
pub fn identity_sort_key(sort: IdentitySort, text: &str) -> Vec<(String, KeyType)> {
    let int = |e: &str| (e.to_string(), KeyType::Int);
    let txt = |e: &str| (format!("{e}{text}"), KeyType::Text);
    match sort {
        IdentitySort::Risk => vec![int("risk_score"), txt("id")],
        IdentitySort::Name => vec![txt("name"), txt("id")],
        IdentitySort::Provider => vec![txt("provider"), txt("kind"), txt("name"), txt("id")],
        IdentitySort::LastUsed => vec![int("last_used_order"), txt("id")],
        IdentitySort::Findings => vec![int("findings_open"), int("risk_score"), txt("id")],
    }
}

/// The keyset condition of [`IdentityQuery::after`]: `AND (k1, k2, …) > (p1, p2, …)`
/// (`<` descending), its parameters numbered from `first` by `placeholder`. Empty when
/// the query has no bookmark or the bookmark does not fit the sort.
pub fn identity_seek(
    query: &IdentityQuery,
    text: &str,
    first: usize,
    placeholder: impl Fn(usize, KeyType) -> String,
) -> String {
    let key = identity_sort_key(query.sort, text);
    if query.after.as_ref().is_none_or(|a| a.len() != key.len()) {
        return String::new();
    }
    let columns: Vec<&str> = key.iter().map(|(expr, _)| expr.as_str()).collect();
    let params: Vec<String> = key
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| placeholder(first + i, *kind))
        .collect();
    let op = if query.descending { "<" } else { ">" };
    format!(" AND ({}) {op} ({})", columns.join(", "), params.join(", "))
}

/// Keeps every `every`-th sort key of an ordered scan: positions `every - 1`,
/// `2 * every - 1`, …
pub fn sample_bookmarks(
    keys: impl Iterator<Item = Result<Vec<SortValue>, StoreError>>,
    every: usize,
) -> Result<Vec<Vec<SortValue>>, StoreError> {
    let every = every.max(1);
    let mut out = Vec::new();
    for (position, key) in keys.enumerate() {
        let key = key?;
        if (position + 1) % every == 0 {
            out.push(key);
        }
    }
    Ok(out)
}

fn role(d: &Decoder, column: &'static str, text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| d.corrupt(column, format!("unknown role {text:?}")))
}

fn from_epoch(d: &Decoder, column: &'static str, secs: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(secs).map_err(|e| d.corrupt(column, e.to_string()))
}

fn small(d: &Decoder, column: &'static str, n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| d.corrupt(column, "out of range"))
}

pub const TOKEN_COLUMNS: &str = "id, name, role, secret_sha256, created_at, created_by, \
     expires_epoch, revoked_at, last_used_at";

/// An `api_tokens` row, in [`TOKEN_COLUMNS`] order.
pub struct TokenColumns {
    pub id: String,
    pub name: String,
    pub role: String,
    pub secret_sha256: String,
    pub created_at: String,
    pub created_by: String,
    pub expires_epoch: i64,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl TokenColumns {
    pub fn decode(self) -> Result<ApiTokenRow, StoreError> {
        let d = Decoder::new("api_tokens", self.id.clone());
        Ok(ApiTokenRow {
            role: role(&d, "role", &self.role)?,
            created_at: d.timestamp("created_at", &self.created_at)?,
            expires_at: from_epoch(&d, "expires_epoch", self.expires_epoch)?,
            revoked_at: d.optional_timestamp("revoked_at", self.revoked_at.as_deref())?,
            last_used_at: d.optional_timestamp("last_used_at", self.last_used_at.as_deref())?,
            id: self.id,
            name: self.name,
            secret_sha256: self.secret_sha256,
            created_by: self.created_by,
        })
    }
}

pub const USER_COLUMNS: &str = "name, password_hash, role, created_at";

/// A `local_users` row, in [`USER_COLUMNS`] order.
pub struct UserColumns {
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: String,
}

impl UserColumns {
    pub fn decode(self) -> Result<LocalUser, StoreError> {
        let d = Decoder::new("local_users", self.name.clone());
        Ok(LocalUser {
            role: role(&d, "role", &self.role)?,
            created_at: d.timestamp("created_at", &self.created_at)?,
            name: self.name,
            password_hash: self.password_hash,
        })
    }
}

pub const SESSION_COLUMNS: &str = "id_sha256, subject, role, csrf_token, created_at, expires_epoch";

/// A `sessions` row, in [`SESSION_COLUMNS`] order.
pub struct SessionColumns {
    pub id_sha256: String,
    pub subject: String,
    pub role: String,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_epoch: i64,
}

impl SessionColumns {
    pub fn decode(self) -> Result<SessionRow, StoreError> {
        // Named by subject: the digest is a credential's hash, not for error messages.
        let d = Decoder::new("sessions", self.subject.clone());
        Ok(SessionRow {
            role: role(&d, "role", &self.role)?,
            created_at: d.timestamp("created_at", &self.created_at)?,
            expires_at: from_epoch(&d, "expires_epoch", self.expires_epoch)?,
            id_sha256: self.id_sha256,
            subject: self.subject,
            csrf_token: self.csrf_token,
        })
    }
}

pub const AUDIT_COLUMNS: &str = "id, at, actor, role, action, target, outcome, source_ip, detail";

/// An `audit_log` row, in [`AUDIT_COLUMNS`] order.
pub struct AuditColumns {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub source_ip: Option<String>,
    pub detail: String,
}

impl AuditColumns {
    pub fn decode(self) -> Result<AuditEntry, StoreError> {
        let d = Decoder::new("audit_log", self.id.to_string());
        Ok(AuditEntry {
            id: self.id,
            at: d.timestamp("at", &self.at)?,
            detail: d.json("detail", &self.detail)?,
            actor: self.actor,
            role: self.role,
            action: self.action,
            target: self.target,
            outcome: self.outcome,
            source_ip: self.source_ip,
        })
    }
}

pub const RUN_COLUMNS: &str = "id, job, trigger_kind, attempt, started_at, finished_at, status, \
     identities, credentials, findings, errors, events, alerts";

/// A `collection_runs` row, in [`RUN_COLUMNS`] order.
pub struct RunColumns {
    pub id: i64,
    pub job: String,
    pub trigger: String,
    pub attempt: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub identities: i64,
    pub credentials: i64,
    pub findings: i64,
    pub errors: String,
    pub events: i64,
    pub alerts: i64,
}

impl RunColumns {
    pub fn decode(self) -> Result<RunRow, StoreError> {
        let d = Decoder::new("collection_runs", self.id.to_string());
        let status = RunStatus::parse(&self.status)
            .ok_or_else(|| d.corrupt("status", format!("unknown status {:?}", self.status)))?;
        Ok(RunRow {
            id: self.id,
            attempt: small(&d, "attempt", self.attempt)?,
            started_at: d.timestamp("started_at", &self.started_at)?,
            finished_at: d.optional_timestamp("finished_at", self.finished_at.as_deref())?,
            status,
            identities: count(self.identities),
            credentials: count(self.credentials),
            findings: count(self.findings),
            events: count(self.events),
            alerts: count(self.alerts),
            errors: d.json("errors", &self.errors)?,
            job: self.job,
            trigger: self.trigger,
        })
    }
}

pub const IDENTITY_COLUMNS: &str = "id, provider, kind, name, display, environment, owner, \
     privilege_tier, risk_score, risk_tier, status, last_used_epoch, credentials, \
     findings_open, body";

/// [`IDENTITY_COLUMNS`] for a list page: the same columns with an empty card. A card is
/// kilobytes of JSON that a list never shows; reading 50 of them per page was most of a
/// page's cost.
pub const IDENTITY_LIST_COLUMNS: &str = "id, provider, kind, name, display, environment, owner, \
     privilege_tier, risk_score, risk_tier, status, last_used_epoch, credentials, \
     findings_open, '' AS body";

/// An `identity_index` row, in [`IDENTITY_COLUMNS`] order.
pub struct IdentityColumns {
    pub id: String,
    pub provider: String,
    pub kind: String,
    pub name: String,
    pub display: String,
    pub environment: String,
    pub owner: String,
    pub privilege_tier: String,
    pub risk_score: i64,
    pub risk_tier: String,
    pub status: String,
    pub last_used_epoch: Option<i64>,
    pub credentials: i64,
    pub findings_open: i64,
    pub body: String,
}

impl IdentityColumns {
    pub fn decode(self) -> Result<IdentityIndexRow, StoreError> {
        let d = Decoder::new("identity_index", self.id.clone());
        Ok(IdentityIndexRow {
            risk_score: small(&d, "risk_score", self.risk_score)?,
            last_used: self
                .last_used_epoch
                .map(|s| from_epoch(&d, "last_used_epoch", s))
                .transpose()?,
            credentials: small(&d, "credentials", self.credentials)?,
            findings_open: small(&d, "findings_open", self.findings_open)?,
            id: self.id,
            provider: self.provider,
            kind: self.kind,
            name: self.name,
            display: self.display,
            environment: self.environment,
            owner: self.owner,
            privilege_tier: self.privilege_tier,
            risk_tier: self.risk_tier,
            status: self.status,
            body: self.body,
        })
    }
}

pub const FINDING_INDEX_COLUMNS: &str =
    "id, source, rule, title, severity, owasp, subject, subject_name, status, body";

/// A `finding_index` row, in [`FINDING_INDEX_COLUMNS`] order.
pub struct FindingIndexColumns {
    pub id: String,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: String,
    pub owasp: String,
    pub subject: String,
    pub subject_name: String,
    pub status: String,
    pub body: String,
}

impl FindingIndexColumns {
    pub fn decode(self) -> Result<FindingIndexRow, StoreError> {
        let d = Decoder::new("finding_index", self.id.clone());
        Ok(FindingIndexRow {
            severity: d.enumeration("severity", &self.severity)?,
            id: self.id,
            source: self.source,
            rule: self.rule,
            title: self.title,
            owasp: self.owasp,
            subject: self.subject,
            subject_name: self.subject_name,
            status: self.status,
            body: self.body,
        })
    }
}

pub const SNAPSHOT_COLUMNS: &str = "id, built_at, identities, credentials, findings_open, summary";

/// A `snapshots` row, in [`SNAPSHOT_COLUMNS`] order.
pub struct SnapshotColumns {
    pub id: i64,
    pub built_at: String,
    pub identities: i64,
    pub credentials: i64,
    pub findings_open: i64,
    pub summary: String,
}

impl SnapshotColumns {
    pub fn decode(self) -> Result<SnapshotRow, StoreError> {
        let d = Decoder::new("snapshots", self.id.to_string());
        Ok(SnapshotRow {
            id: self.id,
            built_at: d.timestamp("built_at", &self.built_at)?,
            identities: count(self.identities),
            credentials: count(self.credentials),
            findings_open: count(self.findings_open),
            summary: self.summary,
        })
    }
}

/// A finding body with its shown `status` replaced, for backends without a JSON update
/// function that keeps the text as it is. The body is the store's own JSON object.
pub fn with_shown_status(d: &Decoder, body: &str, shown: &str) -> Result<String, StoreError> {
    let mut value: serde_json::Value = d.json("body", body)?;
    match value.as_object_mut() {
        Some(object) => {
            object.insert("status".into(), serde_json::Value::String(shown.into()));
        }
        None => return Err(d.corrupt("body", "not a JSON object")),
    }
    super::to_json("a finding's body", &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_cut_on_a_character_boundary() {
        assert_eq!(capped("short".into(), 768), "short");
        // "é" is two bytes: a cut through it backs off to before it.
        let text = format!("{}é{}", "a".repeat(767), "b".repeat(10));
        let cut = capped(text.clone(), 768);
        assert_eq!(cut, "a".repeat(767));
        assert!(text.starts_with(&cut));
        let exact = "x".repeat(SEARCH_TEXT_MAX + 5);
        assert_eq!(capped(exact, SEARCH_TEXT_MAX).len(), SEARCH_TEXT_MAX);
    }
}
