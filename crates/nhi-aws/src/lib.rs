//! Offline parsers for AWS inventory exports, read exactly as the AWS CLI
//! writes them. No network access and no AWS SDK: the user runs the CLI, we
//! read the files. See the crate README for the commands.
//!
//! Entry points: [`sniff`] guesses what a file is from its content, and
//! [`parse`] turns it into typed data plus positioned [`ExportWarning`]s.
//! Only input that cannot be read at all (invalid UTF-8, broken JSON or CSV,
//! the wrong top-level shape) is an [`AwsError`]; a bad entry, date or
//! policy document is a warning and the rest of the file still loads.
//!
//! None of these exports contains secret material (AWS never lists secret
//! access keys or secret values), so warnings may quote short field values.

mod credential_report;
mod gaad;
mod inventory;
mod json;
mod keys;
mod organizations;
mod policy;
mod resource_policy;
mod scp;
mod secrets;
mod time;

use std::fmt;

use serde_json::Value;

pub use credential_report::{
    AccessKeyColumns, COLUMNS as CREDENTIAL_REPORT_COLUMNS, CertificateColumns, CredentialReport,
    CredentialReportRow, ROOT_ACCOUNT_USER,
};
pub use gaad::{
    AttachedPolicy, AuthorizationDetails, GroupDetail, InlinePolicy, InstanceProfile,
    InstanceProfileRole, ManagedPolicyDetail, PermissionsBoundary, PolicyVersion, RoleDetail,
    RoleLastUsed, Tag, UserDetail, policy_name_from_arn,
};
pub use inventory::{
    UNRESOLVED_USER_NAME, account_of, grants_everything, principal_id, to_batch, user_id_by_name,
};
pub use keys::{AccessKeyLastUsed, AccessKeyLastUsedResponse, AccessKeyMetadata};
pub use organizations::Account;
pub use policy::{Effect, PolicyDocument, Principal, Statement};
pub use resource_policy::ResourcePolicyExport;
pub use scp::{OrganizationsPolicy, PolicyTarget};
pub use secrets::{RotationRules, SecretListEntry};
pub use time::{parse_aws_timestamp, timestamp_from_epoch};

/// Which AWS export a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsExportKind {
    /// `aws iam get-account-authorization-details`
    AccountAuthorizationDetails,
    /// `aws iam get-credential-report` (decoded CSV, or the CLI's JSON)
    CredentialReport,
    /// `aws iam list-access-keys`
    ListAccessKeys,
    /// `aws iam get-access-key-last-used` (one response or an array of them)
    AccessKeyLastUsed,
    /// `aws secretsmanager list-secrets`
    ListSecrets,
    /// `aws organizations list-accounts`
    ListAccounts,
    /// `aws organizations describe-policy` (a service control policy and its content)
    DescribePolicy,
    /// `aws organizations list-targets-for-policy`
    ListTargetsForPolicy,
    /// A resource-based policy: `aws s3api get-bucket-policy`, `aws lambda get-policy`,
    /// `aws secretsmanager get-resource-policy`, `aws sqs get-queue-attributes`,
    /// `aws sns get-topic-attributes`
    ResourcePolicy,
}

impl AwsExportKind {
    pub const ALL: [AwsExportKind; 9] = [
        AwsExportKind::AccountAuthorizationDetails,
        AwsExportKind::CredentialReport,
        AwsExportKind::ListAccessKeys,
        AwsExportKind::AccessKeyLastUsed,
        AwsExportKind::ListSecrets,
        AwsExportKind::ListAccounts,
        AwsExportKind::DescribePolicy,
        AwsExportKind::ListTargetsForPolicy,
        AwsExportKind::ResourcePolicy,
    ];

    /// The CLI command that produces this export.
    pub fn command(self) -> &'static str {
        match self {
            AwsExportKind::AccountAuthorizationDetails => {
                "aws iam get-account-authorization-details"
            }
            AwsExportKind::CredentialReport => "aws iam get-credential-report",
            AwsExportKind::ListAccessKeys => "aws iam list-access-keys",
            AwsExportKind::AccessKeyLastUsed => "aws iam get-access-key-last-used",
            AwsExportKind::ListSecrets => "aws secretsmanager list-secrets",
            AwsExportKind::ListAccounts => "aws organizations list-accounts",
            AwsExportKind::DescribePolicy => "aws organizations describe-policy",
            AwsExportKind::ListTargetsForPolicy => "aws organizations list-targets-for-policy",
            AwsExportKind::ResourcePolicy => {
                "aws s3api get-bucket-policy (or another resource policy)"
            }
        }
    }
}

impl fmt::Display for AwsExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command())
    }
}

/// The typed content of one export.
#[derive(Debug, Clone, PartialEq)]
pub enum AwsExportData {
    AccountAuthorizationDetails(AuthorizationDetails),
    CredentialReport(CredentialReport),
    ListAccessKeys(Vec<AccessKeyMetadata>),
    AccessKeyLastUsed(Vec<AccessKeyLastUsedResponse>),
    ListSecrets(Vec<SecretListEntry>),
    ListAccounts(Vec<Account>),
    DescribePolicy(OrganizationsPolicy),
    ListTargetsForPolicy(Vec<PolicyTarget>),
    /// `None` when the policy could not be read or placed (a warning says why).
    ResourcePolicy(Option<ResourcePolicyExport>),
}

/// A parsed export and everything that was wrong but recoverable in it.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsExport {
    pub kind: AwsExportKind,
    pub data: AwsExportData,
    pub warnings: Vec<ExportWarning>,
}

/// A recoverable problem. `position` is a JSON path such as
/// `RoleDetailList[3].RolePolicyList[0].PolicyDocument`, or for the
/// credential report `line 4, column password_last_used`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportWarning {
    pub file: String,
    pub position: String,
    pub message: String,
}

impl ExportWarning {
    pub(crate) fn new(file: &str, position: &str, message: String) -> Self {
        ExportWarning {
            file: file.to_string(),
            position: position.to_string(),
            message,
        }
    }
}

impl fmt::Display for ExportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.position, self.message)
    }
}

/// Input that cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AwsError {
    #[error("{file}: not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { file: String, offset: usize },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: line {line}: invalid CSV: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: Content is not valid base64: {message}")]
    Base64 { file: String, message: String },
    #[error("{file}: {message}")]
    UnexpectedShape { file: String, message: String },
}

/// The first non-whitespace part of a file, BOM removed.
fn body_start(bytes: &[u8]) -> &[u8] {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start..).unwrap_or_default()
}

fn kind_from_keys(has: impl Fn(&str) -> bool) -> Option<AwsExportKind> {
    if has("UserDetailList") || has("GroupDetailList") || has("RoleDetailList") {
        Some(AwsExportKind::AccountAuthorizationDetails)
    } else if has("AccessKeyMetadata") {
        Some(AwsExportKind::ListAccessKeys)
    } else if has("AccessKeyLastUsed") {
        Some(AwsExportKind::AccessKeyLastUsed)
    } else if has("SecretList") {
        Some(AwsExportKind::ListSecrets)
    } else if has("Accounts") {
        Some(AwsExportKind::ListAccounts)
    } else if has("PolicySummary") {
        Some(AwsExportKind::DescribePolicy)
    } else if has("Targets") {
        Some(AwsExportKind::ListTargetsForPolicy)
    } else if has("ResourcePolicy") {
        Some(AwsExportKind::ResourcePolicy)
    } else if has("Content") && has("ReportFormat") {
        Some(AwsExportKind::CredentialReport)
    } else if has("PolicyVersionList") {
        // `--filter LocalManagedPolicy` leaves only `Policies`, whose entries
        // carry version lists (plain `list-policies` output does not).
        Some(AwsExportKind::AccountAuthorizationDetails)
    } else {
        None
    }
}

/// How much of a file [`ingest`] sniffs: the top-level keys of every export sit in
/// its first bytes.
pub const SNIFF_HEAD: usize = 64 * 1024;

/// Guess the export kind from content alone: the top-level JSON keys, or the
/// credential report's header line. Truncated JSON is still recognised by
/// its keys so that [`parse`] can report where it breaks.
pub fn sniff(bytes: &[u8]) -> Option<AwsExportKind> {
    let body = body_start(bytes);
    match body.first()? {
        b'{' | b'[' => {}
        _ => {
            let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
            let header = String::from_utf8_lossy(first_line);
            let mut columns = header.trim().split(',').map(str::trim);
            return (columns.next() == Some("user") && columns.next() == Some("arn"))
                .then_some(AwsExportKind::CredentialReport);
        }
    }
    // `nhi scan` asks this of every JSON file it meets: most are package manifests,
    // notebooks and configs, and parsing each head into a tree to learn that was a
    // tenth of a scan. Every kind below needs one of these keys, quoted as the AWS CLI
    // writes them, so without any there is nothing to parse.
    // (Should the automaton ever fail to build, every file goes on to the parse.)
    if MARKER_KEYS
        .as_ref()
        .is_some_and(|markers| !markers.is_match(body))
    {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let from_keys = kind_from_keys(|k| map.contains_key(k));
            if from_keys.is_some() {
                return from_keys;
            }
            match map.get("Policy") {
                Some(Value::Object(policy)) if policy.contains_key("PolicySummary") => {
                    return Some(AwsExportKind::DescribePolicy);
                }
                Some(Value::String(_)) => return Some(AwsExportKind::ResourcePolicy),
                Some(Value::Object(policy)) if policy.contains_key("Statement") => {
                    return Some(AwsExportKind::ResourcePolicy);
                }
                _ => {}
            }
            if map
                .get("Attributes")
                .and_then(Value::as_object)
                .is_some_and(|a| a.contains_key("Policy"))
            {
                return Some(AwsExportKind::ResourcePolicy);
            }
            let policy_versions = map
                .get("Policies")
                .and_then(Value::as_array)
                .and_then(|list| list.first())
                .is_some_and(|p| p.get("PolicyVersionList").is_some());
            policy_versions.then_some(AwsExportKind::AccountAuthorizationDetails)
        }
        Ok(Value::Array(items)) => items
            .first()
            .filter(|first| first.get("AccessKeyLastUsed").is_some())
            .map(|_| AwsExportKind::AccessKeyLastUsed),
        Ok(_) => None,
        // Unreadable JSON: look for the distinctive keys as quoted strings.
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            kind_from_keys(|k| text.contains(&format!("\"{k}\"")))
        }
    }
}

/// The keys [`sniff`] recognises a JSON export by (a `"Policies"` list counts only with a
/// `"PolicyVersionList"` in it, `"Attributes"` only with a `"Policy"`), as one automaton:
/// a file without any is the common case, and one pass over its head replaced a search
/// per key.
///
/// Each key is searched with its closing quote but not its opening one. JSON is full of
/// `"`: with every pattern starting on it, the automaton's prefilter could only skip to
/// the next quote and ran the automaton from there, a few percent of a whole scan. Keys
/// starting on eight different letters let it use its vectorised multi-pattern search
/// instead (leftmost-first semantics are what enable that search; for a yes/no answer
/// they change nothing). Missing the opening quote only lets a longer key like
/// `"MyRoleDetailList"` through to the parse, which then looks at exact keys.
static MARKER_KEYS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build([
                "UserDetailList\"",
                "GroupDetailList\"",
                "RoleDetailList\"",
                "AccessKeyMetadata\"",
                "AccessKeyLastUsed\"",
                "SecretList\"",
                "Accounts\"",
                "PolicySummary\"",
                "Targets\"",
                "ResourcePolicy\"",
                "Content\"",
                "PolicyVersionList\"",
                "Policy\"",
            ])
            .ok()
    });

/// Parse `bytes` as an export of `kind`. `file_label` names the file in
/// warnings and errors. Never panics.
pub fn parse(kind: AwsExportKind, file_label: &str, bytes: &[u8]) -> Result<AwsExport, AwsError> {
    let file = file_label;
    let mut warnings = Vec::new();
    let data = match kind {
        AwsExportKind::CredentialReport => {
            let text = json::text_of(file, bytes)?;
            let report = if text.trim_start().starts_with('{') {
                let value = json::read_value(file, bytes)?;
                credential_report::parse_cli_json(file, value, &mut warnings)?
            } else {
                credential_report::parse_csv(file, text, &mut warnings)?
            };
            AwsExportData::CredentialReport(report)
        }
        AwsExportKind::AccessKeyLastUsed => {
            let value = json::read_value(file, bytes)?;
            if !(value.is_object() || value.is_array()) {
                return Err(AwsError::UnexpectedShape {
                    file: file.to_string(),
                    message: "expected a JSON object or array at the top level".to_string(),
                });
            }
            AwsExportData::AccessKeyLastUsed(keys::parse_last_used(value, file, &mut warnings))
        }
        AwsExportKind::AccountAuthorizationDetails => AwsExportData::AccountAuthorizationDetails(
            gaad::parse_stream(file, bytes, &mut warnings)?,
        ),
        other => {
            let root = json::expect_object(file, json::read_value(file, bytes)?)?;
            let required = match other {
                AwsExportKind::ListAccessKeys => Some("AccessKeyMetadata"),
                AwsExportKind::ListSecrets => Some("SecretList"),
                AwsExportKind::ListAccounts => Some("Accounts"),
                _ => None,
            };
            if let Some(key) = required.filter(|key| !root.contains_key(*key)) {
                return Err(AwsError::UnexpectedShape {
                    file: file.to_string(),
                    message: format!("no `{key}` key: this is not `{}` output", other.command()),
                });
            }
            match other {
                AwsExportKind::ListAccessKeys => {
                    AwsExportData::ListAccessKeys(keys::parse_list(root, file, &mut warnings))
                }
                AwsExportKind::ListSecrets => {
                    AwsExportData::ListSecrets(secrets::parse(root, file, &mut warnings))
                }
                AwsExportKind::ListAccounts => {
                    AwsExportData::ListAccounts(organizations::parse(root, file, &mut warnings))
                }
                AwsExportKind::DescribePolicy => {
                    AwsExportData::DescribePolicy(scp::parse_policy(&root, file, &mut warnings)?)
                }
                AwsExportKind::ListTargetsForPolicy => AwsExportData::ListTargetsForPolicy(
                    scp::parse_targets(&root, file, &mut warnings),
                ),
                AwsExportKind::ResourcePolicy => AwsExportData::ResourcePolicy(
                    resource_policy::parse(&root, file, &mut warnings)?,
                ),
                // Read by `gaad::parse_stream` above; the credential report and
                // last-used outputs are matched before this arm too.
                AwsExportKind::AccountAuthorizationDetails
                | AwsExportKind::CredentialReport
                | AwsExportKind::AccessKeyLastUsed => {
                    return Err(AwsError::UnexpectedShape {
                        file: file.to_string(),
                        message: format!("`{}` is not read here", other.command()),
                    });
                }
            }
        }
    };
    Ok(AwsExport {
        kind,
        data,
        warnings,
    })
}

/// Sniffs, parses and maps one file in a single call: `Ok(None)` when the content is
/// not an AWS export at all.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<Option<nhi_model::InventoryBatch>, AwsError> {
    // The head decides; sniffing a 300 MB GAAD whole would parse it twice.
    let Some(kind) = sniff(&bytes[..bytes.len().min(SNIFF_HEAD)]) else {
        return Ok(None);
    };
    let export = parse(kind, file, bytes)?;
    Ok(Some(to_batch(&export, file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_automaton_builds_and_finds_keys_mid_document() {
        assert!(MARKER_KEYS.is_some());
        // A key deep in a head, after plenty of other quoted keys.
        let mut head = String::from("{");
        for i in 0..200 {
            head.push_str(&format!("\"Key{i}\": \"value {i}\", "));
        }
        head.push_str("\"RoleDetailList\": []}");
        assert!(MARKER_KEYS.as_ref().is_some_and(|m| m.is_match(&head)));
        assert!(
            !MARKER_KEYS
                .as_ref()
                .is_some_and(|m| m.is_match("{\"name\": \"pkg\", \"Role\": 1}"))
        );
    }
}
