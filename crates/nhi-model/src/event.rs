//! The normalised activity event: what every monitoring source (CloudTrail, Kubernetes
//! audit, GCP audit logs, Entra sign-ins, GitHub and Okta audit logs, mapped JSON lines)
//! is turned into before detectors see it.
//!
//! Detectors and baselines only ever read this type, so a new log source is a parser
//! and nothing else. Fields a source does not carry stay `None` or empty; detectors must
//! treat "unknown" as unknown, never as a default value.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which log a monitoring event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventSource {
    CloudTrail,
    KubernetesAudit,
    GcpAudit,
    EntraSignIn,
    GithubAudit,
    OktaSystemLog,
    /// Generic JSON lines, mapped to these fields by a declarative config.
    JsonLines,
}

crate::string_enum!(EventSource, "event source", {
    CloudTrail => "cloudtrail",
    KubernetesAudit => "kubernetes_audit",
    GcpAudit => "gcp_audit",
    EntraSignIn => "entra_signin",
    GithubAudit => "github_audit",
    OktaSystemLog => "okta_system_log",
    JsonLines => "json_lines",
});

/// Whether the call or sign-in succeeded, as the source reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

crate::string_enum!(Outcome, "outcome", {
    Success => "success",
    Failure => "failure",
    Unknown => "unknown",
});

/// Who acted, as the log names them. `principal` is the stable key a baseline is kept
/// under; the other fields help resolve it against the inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The most stable name the source gives: an IAM user or role ARN (for an assumed
    /// role, the role ARN, not the session ARN), a Kubernetes username such as
    /// `system:serviceaccount:ns:name`, a GCP principal email, an Entra app ID or
    /// managed-identity object ID, a GitHub actor, an Okta actor ID.
    pub principal: String,
    /// The source's own type word, kept verbatim: `IAMUser`, `AssumedRole`, `Root`,
    /// `AWSService`, `ServiceAccount`, `servicePrincipal`, `managedIdentity`, `Bot`…
    pub kind: Option<String>,
    /// A credential *identifier*, never a secret: an AWS access key ID (AKIA…/ASIA…),
    /// a GCP service-account key ID, an Entra client credential key ID, a token ID.
    pub credential_id: Option<String>,
    /// Role session name, Kubernetes impersonation or sign-in session where given.
    pub session: Option<String>,
    /// The account, project, tenant or organisation the actor belongs to.
    pub account: Option<String>,
    /// Display name where the source gives one (Entra `servicePrincipalName`, Okta
    /// `displayName`); for humans reading alerts, not for matching.
    pub display_name: Option<String>,
}

/// One normalised activity event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEvent {
    pub source: EventSource,
    /// The source's event ID (CloudTrail `eventID`, audit `auditID`, `insertId`…).
    pub id: Option<String>,
    /// When it happened. Events without a time are kept (some real exports lack it);
    /// time-based detectors skip them.
    pub time: Option<Timestamp>,
    pub actor: Actor,
    /// The API call or verb: `GetObject`, `AssumeRole`, `get`, `ConsoleLogin`,
    /// `google.iam.admin.v1.CreateServiceAccountKey`, `repo.create`, `user.session.start`.
    pub action: String,
    /// The service namespace: `s3`, `iam`, `sts` (CloudTrail `eventSource` without
    /// `.amazonaws.com`), a Kubernetes resource group/resource, a GCP `serviceName`.
    pub service: String,
    /// Resources acted on, as ARNs or the source's own names.
    pub resources: Vec<String>,
    /// The account that owns the resource where it differs from the actor's
    /// (CloudTrail `recipientAccountId`, a GCP project).
    pub target_account: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub region: Option<String>,
    pub outcome: Outcome,
    /// Error code and, when short, message: `AccessDenied`, `Forbidden`, AADSTS codes.
    pub error: Option<String>,
    /// Data sent to the caller, where the source records it (CloudTrail
    /// `additionalEventData.bytesTransferredOut`).
    pub bytes_out: Option<u64>,
    pub bytes_in: Option<u64>,
    /// CloudTrail `readOnly`; Kubernetes get/list/watch; `None` where unknown.
    pub read_only: Option<bool>,
    /// Source-specific facts detectors need but that have no column of their own, with
    /// documented keys: `role_arn` (assumed role), `shared_with` (comma-separated
    /// external account IDs a snapshot, AMI or policy was shared with),
    /// `console_login` ("true"), `mfa` ("true"/"false"), `session_issuer`.
    pub details: BTreeMap<String, String>,
    /// Where the event was read: `file:line` or `file:line#record` for evidence.
    pub origin: String,
}
