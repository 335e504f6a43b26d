//! The inventory store: a backend-neutral trait and the embedded SQLite implementation.
//!
//! [`InventoryStore`] is what the CLI talks to. [`SqliteStore`] implements it over a
//! single SQLite file (WAL mode, versioned migrations; feature `sqlite`, on by default);
//! `nhi-store-pg` implements the same trait over PostgreSQL. [`StoreDump`] moves every
//! row from one backend to another, and the `conformance` feature holds the behavioural
//! tests every backend must pass.
//!
//! Nothing stored here is a raw secret: the model types carry only keyed fingerprints and
//! redacted previews, and the store persists exactly those.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use nhi_model::{
    Consumer, Credential, CredentialKind, CredentialStatus, Finding, Inventory, Provider,
    ScanSummary, Severity,
};

pub mod backend;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod conformance_server;
mod dump;
mod error;
mod server;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use dump::{
    AlertDump, CheckpointDump, CodeownersDump, CollectionDump, ConsumerDump, CredentialDump,
    DUMP_FORMAT, DUMP_TABLES, FindingDump, ImportMode, ScanDump, SightingDump, StoreDump,
    SuppressionDump, copy_store,
};
pub use error::StoreError;
pub use server::{
    ApiTokenRow, AuditEntry, AuditFilter, FindingIndexRow, FindingQuery, IdentityIndexRow,
    IdentityQuery, IdentitySort, LocalUser, Page, Role, RunRow, RunStatus, ServerCopy, ServerStore,
    SessionRow, SnapshotRow, SortValue, copy_server_tables,
};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// A store with everything: the inventory and the server's tables. What the CLI and
/// `nhi serve` hold, whichever backend `--db` picked.
pub trait Backend: InventoryStore + ServerStore + Send {}
impl<T: InventoryStore + ServerStore + Send> Backend for T {}

/// A place that keeps the inventory across scans.
///
/// The trait is object safe, so the CLI can hold a `Box<dyn InventoryStore>` and pick the
/// backend at run time.
pub trait InventoryStore {
    /// Records one completed scan in ONE transaction (never half-written): upserts
    /// credentials by fingerprint (keep first_seen, bump last_seen, status from the
    /// credential), upserts sightings, findings and consumers; then, for every root in
    /// `scan.roots`, marks credentials/findings/consumers previously seen under that root
    /// but not seen in this scan as resolved (credentials.status='resolved',
    /// resolved_at=now). Credentials seen again after being resolved become active again.
    ///
    /// "now" is `scan.finished_at`, so every row touched by one scan carries the same time.
    fn record_scan(&mut self, scan: &ScanRecord<'_>) -> Result<ScanOutcome, StoreError>;

    /// Stored credentials matching `filter`, each with every sighting ever stored for it,
    /// in the order they were first recorded.
    fn credentials(&self, filter: &CredentialFilter) -> Result<Vec<StoredCredential>, StoreError>;

    /// One page of [`InventoryStore::credentials`]: `offset` rows skipped, at most
    /// `limit`, paged by the database (sightings are read for the page only), with the
    /// number matching `filter`.
    fn credential_page(
        &self,
        filter: &CredentialFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Page<StoredCredential>, StoreError>;

    /// Stored findings matching `filter`, in the order they were first recorded.
    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError>;

    /// The consumers that the latest scans of their roots still saw (resolved consumers
    /// stay in the store for history but are not listed, since `Consumer` has no status).
    fn consumers(&self) -> Result<Vec<Consumer>, StoreError>;

    /// One page of [`InventoryStore::consumers`], paged by the database, with their number.
    fn consumer_page(&self, limit: usize, offset: usize) -> Result<Page<Consumer>, StoreError>;

    /// The most recent `limit` scans, newest first.
    fn scans(&self, limit: usize) -> Result<Vec<ScanRow>, StoreError>;

    /// Stores one platform collection under `origin` in ONE transaction, replacing what
    /// an earlier collection from the same origin stored.
    fn record_inventory(
        &mut self,
        origin: &str,
        collected_at: jiff::Timestamp,
        inventory: &Inventory,
    ) -> Result<(), StoreError>;

    /// Every stored collection merged into one inventory (origins in name order).
    fn inventory(&self) -> Result<Inventory, StoreError>;

    /// The stored collections: origin, collection time, identity and credential counts.
    fn collections(&self) -> Result<Vec<CollectionRow>, StoreError>;

    /// The CODEOWNERS text recorded for each scanned root, by root.
    fn codeowners(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Suppresses a finding (scan or inventory) until `expires` (inclusive), replacing
    /// an earlier suppression of the same finding.
    fn suppress_finding(&mut self, suppression: &FindingSuppression) -> Result<(), StoreError>;

    /// Removes a suppression; false when there was none.
    fn unsuppress_finding(&mut self, finding_id: &str) -> Result<bool, StoreError>;

    /// Every recorded suppression, expired ones included, by finding ID.
    fn finding_suppressions(&self) -> Result<Vec<FindingSuppression>, StoreError>;

    /// Commits a monitor checkpoint in one transaction: new or updated alerts (by ID),
    /// the detector state and the read positions that state corresponds to.
    fn commit_monitor(&mut self, commit: &MonitorCommit<'_>) -> Result<(), StoreError>;

    /// The last committed checkpoint of feed `name`: (state, positions), both JSON.
    fn monitor_checkpoint(&self, name: &str) -> Result<Option<(String, String)>, StoreError>;

    /// Stored alerts, newest first; `limit` and `offset` page in the store.
    fn alerts(&self, filter: &AlertFilter) -> Result<Vec<StoredAlert>, StoreError>;

    /// How many stored alerts match `filter` (its `limit` and `offset` ignored).
    fn alert_count(&self, filter: &AlertFilter) -> Result<u64, StoreError>;

    /// Every row the store holds, read in one consistent snapshot, for moving it to
    /// another backend (see [`StoreDump`]).
    fn export_dump(&self) -> Result<StoreDump, StoreError>;

    /// Loads `dump` in ONE transaction: all of it or, on any error, nothing. A store
    /// holding any row is refused unless `mode` is [`ImportMode::Replace`], which deletes
    /// what it holds in the same transaction.
    fn import_dump(&mut self, dump: &StoreDump, mode: ImportMode) -> Result<(), StoreError>;
}

/// What [`InventoryStore::commit_monitor`] writes.
#[derive(Debug, Clone, Copy)]
pub struct MonitorCommit<'a> {
    pub name: &'a str,
    pub alerts: &'a [StoredAlert],
    pub state: &'a str,
    pub positions: &'a str,
    pub at: jiff::Timestamp,
}

/// An alert as the store keeps it: indexed columns plus the whole alert as JSON, so
/// the store does not depend on the detectors' types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    pub id: String,
    pub detection: String,
    pub severity: nhi_model::Severity,
    pub identity: String,
    pub first_seen: Option<jiff::Timestamp>,
    pub last_seen: Option<jiff::Timestamp>,
    pub event_count: u64,
    pub json: String,
}

/// Which alerts [`InventoryStore::alerts`] returns. Unset fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub min_severity: Option<nhi_model::Severity>,
    /// Exact identity (ARN, inventory ID or external ID as the alert names it).
    pub identity: Option<String>,
    pub detection: Option<String>,
    /// Alerts whose last event is at or after this time.
    pub since: Option<jiff::Timestamp>,
    pub limit: Option<usize>,
    /// Alerts to skip (in the newest-first order) before the first one returned.
    pub offset: Option<usize>,
}

/// A finding an operator has accepted for now, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingSuppression {
    pub finding_id: String,
    pub reason: String,
    /// The last day it applies.
    pub expires: jiff::civil::Date,
    pub created_at: jiff::Timestamp,
}

impl FindingSuppression {
    /// Whether it still applies on `today`.
    pub fn applies_on(&self, today: jiff::civil::Date) -> bool {
        today <= self.expires
    }
}

/// One stored platform collection, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRow {
    pub origin: String,
    pub collected_at: jiff::Timestamp,
    pub identities: u64,
    pub credentials: u64,
}

/// One completed scan, as handed to [`InventoryStore::record_scan`].
#[derive(Debug, Clone, Copy)]
pub struct ScanRecord<'a> {
    pub started_at: jiff::Timestamp,
    pub finished_at: jiff::Timestamp,
    /// The roots as given on the command line. Only these roots take part in resolution.
    pub roots: &'a [String],
    pub summary: &'a ScanSummary,
    pub credentials: &'a [Credential],
    /// Every finding's fingerprint must belong to one of `credentials`.
    pub findings: &'a [Finding],
    pub consumers: &'a [Consumer],
    /// The platform exports the scan read among its files, stored under
    /// [`scan_origin`]`(roots)` in the same transaction as the scan.
    pub inventory: Option<&'a Inventory>,
    /// CODEOWNERS text per root (root as in `roots`); a root without one clears what an
    /// earlier scan stored for it.
    pub codeowners: &'a [(String, Option<String>)],
}

/// The origin under which a scan's platform exports are stored.
pub fn scan_origin(roots: &[String]) -> String {
    format!("scan:{}", roots.join(","))
}

/// What recording a scan changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOutcome {
    pub scan_id: i64,
    /// Credentials the store had never seen.
    pub new_credentials: u64,
    /// Credentials the store already knew (including ones it had marked resolved).
    pub seen_again: u64,
    /// Credentials this scan marked resolved.
    pub resolved: u64,
}

/// A credential with its inventory history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The credential with all stored sightings, including ones later rescans no longer
    /// found: working tree first, then history (oldest commit date first).
    pub credential: Credential,
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
}

/// A finding with its inventory history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// The finding; provider, kind, fingerprint, preview, external ID and sightings come
    /// from its credential's stored row.
    pub finding: Finding,
    /// `open`, `resolved` or `suppressed`.
    pub status: String,
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
}

/// Which credentials to list. The default lists all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialFilter {
    pub provider: Option<Provider>,
    pub kind: Option<CredentialKind>,
    pub status: Option<CredentialStatus>,
}

/// Which findings to list. The default lists all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// Only findings at this severity or above.
    pub min_severity: Option<Severity>,
    /// Only findings with this status (`open`, `resolved`, `suppressed`).
    pub status: Option<String>,
}

/// One recorded scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    pub id: i64,
    pub started_at: jiff::Timestamp,
    pub finished_at: jiff::Timestamp,
    pub roots: Vec<String>,
    pub summary: ScanSummary,
}

/// The documented default path: `$NHI_DB` if set, else `$XDG_DATA_HOME/nhi/nhi.db`, else
/// `$HOME/.local/share/nhi/nhi.db`. `None` when none of those is set.
pub fn default_db_path() -> Option<PathBuf> {
    default_db_path_from(|name| std::env::var_os(name))
}

/// [`default_db_path`] over an injected environment, so it can be tested without
/// mutating the process environment (which races with other test threads).
fn default_db_path_from(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let non_empty = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(path) = non_empty("NHI_DB") {
        return Some(PathBuf::from(path));
    }
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if let Some(data_home) = non_empty("XDG_DATA_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Some(Path::new(&data_home).join("nhi").join("nhi.db"));
    }
    non_empty("HOME").map(|home| {
        Path::new(&home)
            .join(".local")
            .join("share")
            .join("nhi")
            .join("nhi.db")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn path_with(vars: &[(&str, &str)]) -> Option<PathBuf> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        default_db_path_from(|name| map.get(name).cloned())
    }

    #[test]
    fn nhi_db_wins_over_everything() {
        assert_eq!(
            path_with(&[
                ("NHI_DB", "/tmp/x.db"),
                ("XDG_DATA_HOME", "/data"),
                ("HOME", "/home/u")
            ]),
            Some(PathBuf::from("/tmp/x.db"))
        );
    }

    #[test]
    fn xdg_data_home_comes_next() {
        assert_eq!(
            path_with(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/u")]),
            Some(PathBuf::from("/data/nhi/nhi.db"))
        );
    }

    #[test]
    fn relative_or_empty_xdg_falls_back_to_home() {
        let expected = Some(PathBuf::from("/home/u/.local/share/nhi/nhi.db"));
        assert_eq!(
            path_with(&[("XDG_DATA_HOME", "rel/data"), ("HOME", "/home/u")]),
            expected
        );
        assert_eq!(
            path_with(&[("NHI_DB", ""), ("XDG_DATA_HOME", ""), ("HOME", "/home/u")]),
            expected
        );
    }

    #[test]
    fn nothing_set_gives_none() {
        assert_eq!(path_with(&[]), None);
    }
}
