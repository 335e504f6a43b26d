//! Offline ingestion of Google Cloud IAM exports into the nhi inventory model.
//!
//! `nhi` never calls Google itself: the user runs `gcloud ... --format=json`, saves
//! the output, and points `nhi` at the files. [`sniff`] recognises a file by its first
//! kilobyte; [`ingest`] maps the whole file into an [`InventoryBatch`] of identities,
//! service-account keys (metadata only), role bindings and links.
//!
//! Only input that cannot be read at all (invalid UTF-8, broken JSON, a top-level
//! shape that is none of ours) is an [`Error`]. A bad entry, date or member is a
//! [`nhi_model::SourceWarning`] at its JSON path, and the rest of the file still loads.
//!
//! None of these exports holds secret material, with one exception this crate guards
//! against: a `keys create` REST response carries `privateKeyData`. That field is never
//! read into anything; a warning only says that it was there.

mod batch;
mod json;
mod keys;
mod member;
mod policy;
mod service_account;
mod sniff;
mod wif;

use std::fmt;

use nhi_model::InventoryBatch;
use serde_json::Value;

use crate::batch::Batch;

/// Which gcloud export a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// `gcloud iam service-accounts list --format=json`: a JSON array of
    /// `ServiceAccount` resources (or the REST `{"accounts": [...]}` page).
    ServiceAccounts,
    /// `gcloud iam service-accounts keys list --iam-account=EMAIL --format=json`: a JSON
    /// array of `ServiceAccountKey` resources (or the REST `{"keys": [...]}` page).
    ServiceAccountKeys,
    /// `gcloud projects get-iam-policy PROJECT --format=json`, or the same `Policy`
    /// shape from `gcloud iam service-accounts get-iam-policy EMAIL --format=json`
    /// (also the `--flatten="bindings[].members"` array form).
    IamPolicy,
    /// `gcloud iam workload-identity-pools providers list --workload-identity-pool=POOL
    /// --location=global --format=json`: `WorkloadIdentityPoolProvider` resources (or
    /// the REST `{"workloadIdentityPoolProviders": [...]}` page).
    WorkloadIdentityProviders,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[
        ExportKind::ServiceAccounts,
        ExportKind::ServiceAccountKeys,
        ExportKind::IamPolicy,
        ExportKind::WorkloadIdentityProviders,
    ];

    /// The command that produces this export.
    pub fn command(self) -> &'static str {
        match self {
            ExportKind::ServiceAccounts => "gcloud iam service-accounts list --format=json",
            ExportKind::ServiceAccountKeys => "gcloud iam service-accounts keys list --format=json",
            ExportKind::IamPolicy => "gcloud projects get-iam-policy --format=json",
            ExportKind::WorkloadIdentityProviders => {
                "gcloud iam workload-identity-pools providers list --format=json"
            }
        }
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command())
    }
}

/// Input that cannot be read at all. Every variant names the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("{file}: not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { file: String, offset: usize },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {position}: {message}")]
    UnexpectedShape {
        file: String,
        /// A JSON path (`$` for the top level).
        position: String,
        message: String,
    },
}

/// Cheap content sniff: looks only at the first kilobyte (top-level shape and the first
/// entry's keys), never parses the whole file. `None` = not one of ours.
pub fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    sniff::sniff(bytes)
}

/// Parses `bytes` (the whole file; `file` is its display path, used in provenance and
/// warnings) and maps it into the inventory model. The kind is recognised from the
/// parsed content, so a file [`sniff`] could not place from its first kilobyte still
/// loads when its shape is ours. An empty JSON array (what gcloud prints for an empty
/// list) is an empty batch.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let value = json::read_value(file, bytes)?;
    let kind = match sniff::classify(&value) {
        sniff::Shape::Empty => return Ok(InventoryBatch::default()),
        sniff::Shape::Known(kind) => kind,
        sniff::Shape::Unknown(shape) => {
            return Err(Error::UnexpectedShape {
                file: file.to_string(),
                position: "$".to_string(),
                message: format!(
                    "{shape}: not a gcloud service-account list, key list or IAM policy"
                ),
            });
        }
    };
    let mut batch = Batch::new(file, kind.command());
    match kind {
        ExportKind::ServiceAccounts => {
            for (position, item) in json::list_entries(&value, "accounts", &mut batch) {
                if let Some(entry) = json::entry_object(item, &position, &mut batch) {
                    service_account::ingest_entry(entry, &position, &mut batch);
                }
            }
        }
        ExportKind::ServiceAccountKeys => {
            for (position, item) in json::list_entries(&value, "keys", &mut batch) {
                if let Some(entry) = json::entry_object(item, &position, &mut batch) {
                    keys::ingest_entry(entry, &position, &mut batch);
                }
            }
        }
        ExportKind::IamPolicy => policy::ingest(&value, &mut batch),
        ExportKind::WorkloadIdentityProviders => {
            for (position, item) in
                json::list_entries(&value, "workloadIdentityPoolProviders", &mut batch)
            {
                if let Some(entry) = json::entry_object(item, &position, &mut batch) {
                    wif::ingest_entry(entry, &position, &mut batch);
                }
            }
        }
    }
    Ok(batch.finish())
}

/// The top-level JSON type, for messages.
pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
