//! A backend-neutral copy of everything a store holds, row by row, for moving an
//! inventory between backends (`nhi migrate-store --from sqlite:… --to postgres://…`).
//!
//! Every backend stores the same text for the same value (enum `as_str()` names, RFC 3339
//! times as `jiff` writes them, JSON as text), so a dump carries the stored values as they
//! are, without decoding them: a move preserves every row exactly, including history the
//! model types do not carry (statuses, first/last seen, resolution times, scan ids, gone
//! sightings, resolved consumers). Rows come in the order their table is read in
//! (credentials, findings and consumers in first-recorded order), and loading inserts
//! them in that order, so the target lists them the same way.
//!
//! A dump holds no raw secret: it holds exactly what the store holds, which is keyed
//! fingerprints and redacted previews.

use serde::{Deserialize, Serialize};

/// The dump layout this build writes and reads. Raise it when a migration adds, drops or
/// changes a dumped column, and teach [`crate::InventoryStore::import_dump`] the old one.
pub const DUMP_FORMAT: u32 = 1;

/// Every row of a store. Build one with [`crate::InventoryStore::export_dump`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreDump {
    /// [`DUMP_FORMAT`] of the build that wrote it.
    pub format: u32,
    pub scans: Vec<ScanDump>,
    pub credentials: Vec<CredentialDump>,
    pub sightings: Vec<SightingDump>,
    pub findings: Vec<FindingDump>,
    pub consumers: Vec<ConsumerDump>,
    pub collections: Vec<CollectionDump>,
    pub codeowners: Vec<CodeownersDump>,
    pub suppressions: Vec<SuppressionDump>,
    pub alerts: Vec<AlertDump>,
    pub checkpoints: Vec<CheckpointDump>,
}

impl StoreDump {
    /// An empty dump in this build's format.
    pub fn new() -> Self {
        StoreDump {
            format: DUMP_FORMAT,
            ..StoreDump::default()
        }
    }

    /// Row counts per table, in load order; for progress messages and tests.
    pub fn row_counts(&self) -> [(&'static str, usize); 10] {
        [
            ("scans", self.scans.len()),
            ("credentials", self.credentials.len()),
            ("sightings", self.sightings.len()),
            ("findings", self.findings.len()),
            ("consumers", self.consumers.len()),
            ("inventory_collections", self.collections.len()),
            ("root_codeowners", self.codeowners.len()),
            ("finding_suppressions", self.suppressions.len()),
            ("monitor_alerts", self.alerts.len()),
            ("monitor_checkpoints", self.checkpoints.len()),
        ]
    }
}

/// What [`crate::InventoryStore::import_dump`] may do to a store that already holds rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportMode {
    /// Refuse ([`crate::StoreError::TargetNotEmpty`]) unless every table is empty.
    #[default]
    RequireEmpty,
    /// Delete everything the store holds first, in the same transaction as the load.
    Replace,
}

/// The tables a dump covers, in the order rows are loaded (parents before children);
/// deletion runs in reverse. `schema_migrations` is not among them: each store keeps
/// its own.
pub const DUMP_TABLES: [&str; 10] = [
    "scans",
    "credentials",
    "sightings",
    "findings",
    "consumers",
    "inventory_collections",
    "root_codeowners",
    "finding_suppressions",
    "monitor_alerts",
    "monitor_checkpoints",
];

/// A `scans` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDump {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub roots: String,
    pub summary: String,
}

/// A `credentials` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDump {
    pub id: String,
    pub fingerprint: String,
    pub kind: String,
    pub provider: String,
    pub preview: String,
    pub external_id: Option<String>,
    pub attributes: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub first_scan_id: i64,
    pub last_scan_id: i64,
}

/// A `sightings` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SightingDump {
    pub id: i64,
    pub credential_id: String,
    pub root: String,
    pub source: String,
    pub path: String,
    pub line: i64,
    pub col: i64,
    pub commit_id: String,
    pub blob_id: Option<String>,
    pub author: Option<String>,
    pub commit_date: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub last_scan_id: i64,
    pub gone_at: Option<String>,
    pub gone_scan_id: Option<i64>,
}

/// A `findings` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDump {
    pub id: String,
    pub rule: String,
    pub title: String,
    pub severity: String,
    pub confidence: String,
    pub owasp: String,
    pub credential_id: String,
    pub history_only: bool,
    pub evidence: String,
    pub fix: String,
    pub refs: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub last_scan_id: i64,
}

/// A `consumers` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerDump {
    pub id: String,
    pub root: String,
    pub kind: String,
    pub tool: String,
    pub name: String,
    pub path: String,
    pub line: i64,
    pub endpoint: Option<String>,
    pub credentials: String,
    pub attributes: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub last_scan_id: i64,
}

/// An `inventory_collections` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionDump {
    pub origin: String,
    pub collected_at: String,
    pub identities: i64,
    pub credentials: i64,
    pub body: String,
}

/// A `root_codeowners` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeownersDump {
    pub root: String,
    pub body: String,
}

/// A `finding_suppressions` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionDump {
    pub finding_id: String,
    pub reason: String,
    pub expires: String,
    pub created_at: String,
}

/// A `monitor_alerts` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDump {
    pub id: String,
    pub detection: String,
    pub severity: String,
    pub severity_rank: i64,
    pub identity: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub event_count: i64,
    pub alert: String,
    pub recorded_at: String,
}

/// A `monitor_checkpoints` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointDump {
    pub name: String,
    pub state: String,
    pub positions: String,
    pub updated_at: String,
}

/// Copies every row of `from` into `to` in one transaction on `to`: the row-level move
/// behind `nhi migrate-store`. Returns the dump's row counts.
pub fn copy_store(
    from: &dyn crate::InventoryStore,
    to: &mut dyn crate::InventoryStore,
    mode: ImportMode,
) -> Result<[(&'static str, usize); 10], crate::StoreError> {
    let dump = from.export_dump()?;
    to.import_dump(&dump, mode)?;
    Ok(dump.row_counts())
}
