//! Offline ingestion of Microsoft Entra ID (Microsoft Graph v1.0) and Azure RBAC exports
//! into the nhi inventory model.
//!
//! `nhi` never calls Microsoft itself: the user saves what Graph (`az rest`, Graph
//! Explorer, a script) or the Azure CLI returns, and points `nhi` at the files. Graph
//! collections are accepted as returned (`{"@odata.context": ..., "value": [...]}`), as
//! a bare array (`az rest --query value`, `az ad app list`), or as a single object.
//! [`sniff`] recognises a file from its first kilobytes; [`ingest`] maps the whole file
//! into an [`InventoryBatch`] of identities, credentials (metadata only), grants and
//! links. See the crate README for the calls and the fields read.
//!
//! Only input that cannot be read at all (invalid UTF-8, broken JSON, a shape that is
//! none of ours) is an [`Error`]. A bad entry, date or field is a
//! [`nhi_model::SourceWarning`] at its JSON path, and the rest of the file still loads.
//!
//! Graph never lists secret values (`secretText` is null outside `addPassword`); if a
//! file does carry one, it is not read, and a warning says the file is sensitive.

mod applications;
mod assignments;
mod batch;
mod directory;
mod federation;
mod json;
mod permissions;
mod service_principals;
mod sniff;
mod users;

use std::fmt;

use nhi_model::InventoryBatch;
use serde_json::Value;

use crate::batch::Batch;

pub use directory::{application_id, service_principal_id};
pub use permissions::{
    MICROSOFT_FIRST_PARTY_TENANTS, MICROSOFT_GRAPH_APP_ID, PermissionType, graph_permission,
};

/// Which export a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// `GET /v1.0/applications` (optionally `$expand=owners` or
    /// `$expand=federatedIdentityCredentials`), or `az ad app list --all`.
    Applications,
    /// `GET /v1.0/servicePrincipals` (optionally `$expand=appRoleAssignments` or
    /// `owners`), or `az ad sp list --all`.
    ServicePrincipals,
    /// `GET /v1.0/servicePrincipals/{id}/appRoleAssignments` or `.../appRoleAssignedTo`.
    AppRoleAssignments,
    /// `GET /v1.0/oauth2PermissionGrants`.
    Oauth2PermissionGrants,
    /// `az role assignment list --all` (Azure RBAC).
    RoleAssignments,
    /// `GET /v1.0/users` (optionally with `signInActivity`, `employeeLeaveDateTime`,
    /// `$expand=manager`), or `az ad user list`.
    Users,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[
        ExportKind::Applications,
        ExportKind::ServicePrincipals,
        ExportKind::AppRoleAssignments,
        ExportKind::Oauth2PermissionGrants,
        ExportKind::RoleAssignments,
        ExportKind::Users,
    ];

    /// The API call or command that produces this export.
    pub fn command(self) -> &'static str {
        match self {
            ExportKind::Applications => "GET https://graph.microsoft.com/v1.0/applications",
            ExportKind::ServicePrincipals => {
                "GET https://graph.microsoft.com/v1.0/servicePrincipals"
            }
            ExportKind::AppRoleAssignments => {
                "GET https://graph.microsoft.com/v1.0/servicePrincipals/{id}/appRoleAssignments"
            }
            ExportKind::Oauth2PermissionGrants => {
                "GET https://graph.microsoft.com/v1.0/oauth2PermissionGrants"
            }
            ExportKind::RoleAssignments => "az role assignment list --all",
            ExportKind::Users => "GET https://graph.microsoft.com/v1.0/users",
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

/// Cheap content sniff: looks only at the first 4 KiB (the `@odata.context` URL, else
/// the first entry's keys), never parses the whole file. `None` = not one of ours.
pub fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    sniff::sniff(bytes)
}

/// Parses `bytes` (the whole file; `file` is its display path, used in provenance and
/// warnings) and maps it into the inventory model. The kind comes from [`sniff`], or
/// from the parsed first entry when the first kilobytes did not tell. An empty
/// collection is an empty batch.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let value = json::read_value(file, bytes)?;
    if is_empty_collection(&value) && sniff::classify(&value).is_none() {
        return Ok(InventoryBatch::default());
    }
    let kind = sniff::sniff(bytes)
        .or_else(|| sniff::classify(&value))
        .ok_or_else(|| Error::UnexpectedShape {
            file: file.to_string(),
            position: "$".to_string(),
            message: "not a Microsoft Graph applications, servicePrincipals, \
                      appRoleAssignments, oauth2PermissionGrants or users collection, nor \
                      `az role assignment list` output"
                .to_string(),
        })?;
    ingest_value(kind, file, &value)
}

/// Like [`ingest`], for a caller that already knows the kind (from a file name or a
/// manifest). Entries are read as that kind whatever their keys.
pub fn ingest_as(kind: ExportKind, file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let value = json::read_value(file, bytes)?;
    ingest_value(kind, file, &value)
}

fn ingest_value(kind: ExportKind, file: &str, value: &Value) -> Result<InventoryBatch, Error> {
    let mut batch = Batch::new(file, kind.command());
    let entries = json::entries(file, value, &mut batch)?;
    for (position, entry) in entries {
        match kind {
            ExportKind::Applications => applications::ingest_entry(&mut batch, entry, &position),
            ExportKind::ServicePrincipals => {
                service_principals::ingest_entry(&mut batch, entry, &position)
            }
            ExportKind::AppRoleAssignments => {
                assignments::app_role_assignment(&mut batch, entry, &position)
            }
            ExportKind::Oauth2PermissionGrants => {
                assignments::oauth2_permission_grant(&mut batch, entry, &position)
            }
            ExportKind::RoleAssignments => {
                assignments::role_assignment(&mut batch, entry, &position)
            }
            ExportKind::Users => users::ingest_entry(&mut batch, entry, &position),
        }
    }
    Ok(batch.finish())
}

/// `[]`, or `{"value": []}` without a context: what an empty listing looks like.
fn is_empty_collection(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => {
            matches!(map.get("value"), Some(Value::Array(items)) if items.is_empty())
        }
        _ => false,
    }
}
