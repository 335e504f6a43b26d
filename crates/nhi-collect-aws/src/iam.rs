//! IAM: authorization details, the credential report, access keys and their
//! last use.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, EntityType, GroupDetail, InstanceProfile,
    ManagedPolicyDetail, PolicyDetail, PolicyVersion, ReportStateType, Role, RoleDetail, Tag,
    UserDetail,
};
use futures::stream::{self, StreamExt};
use nhi_aws::{AwsExport, AwsExportKind};
use serde_json::Value;

use crate::cli_json::{Obj, parse};
use crate::error::{Failure, Optional, optional};
use crate::{CollectError, Redactor};

const GAAD: &str = "iam GetAccountAuthorizationDetails";
const GENERATE_REPORT: &str = "iam GenerateCredentialReport";
const GET_REPORT: &str = "iam GetCredentialReport";
const LIST_USERS: &str = "iam ListUsers";
const LIST_KEYS: &str = "iam ListAccessKeys";
const KEY_LAST_USED: &str = "iam GetAccessKeyLastUsed";

/// `get-account-authorization-details` with every entity type, all pages.
pub(crate) async fn authorization_details(
    client: &Client,
    redactor: &Redactor,
) -> Result<AwsExport, CollectError> {
    let (mut users, mut groups, mut roles, mut policies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut pages = client
        .get_account_authorization_details()
        .set_filter(Some(vec![
            EntityType::User,
            EntityType::Group,
            EntityType::Role,
            EntityType::LocalManagedPolicy,
            EntityType::AwsManagedPolicy,
        ]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Failure::from_sdk(GAAD, e, redactor).into_error())?;
        users.extend(page.user_detail_list().iter().map(user_json));
        groups.extend(page.group_detail_list().iter().map(group_json));
        roles.extend(page.role_detail_list().iter().map(role_json));
        policies.extend(page.policies().iter().map(managed_policy_json));
    }
    let merged = Obj::new()
        .list("UserDetailList", users)
        .list("GroupDetailList", groups)
        .list("RoleDetailList", roles)
        .list("Policies", policies)
        .build();
    parse(AwsExportKind::AccountAuthorizationDetails, GAAD, &merged)
}

fn tags_json(tags: &[Tag]) -> Vec<Value> {
    tags.iter()
        .map(|tag| {
            Obj::new()
                .str("Key", Some(tag.key()))
                .str("Value", Some(tag.value()))
                .build()
        })
        .collect()
}

fn inline_policies_json(policies: &[PolicyDetail]) -> Vec<Value> {
    policies
        .iter()
        .map(|policy| {
            // Left URL-encoded as the API sends it; nhi-aws decodes both forms.
            Obj::new()
                .str("PolicyName", policy.policy_name())
                .str("PolicyDocument", policy.policy_document())
                .build()
        })
        .collect()
}

fn attached_json(policies: &[AttachedPolicy]) -> Vec<Value> {
    policies
        .iter()
        .map(|policy| {
            Obj::new()
                .str("PolicyName", policy.policy_name())
                .str("PolicyArn", policy.policy_arn())
                .build()
        })
        .collect()
}

fn boundary_json(boundary: Option<&AttachedPermissionsBoundary>) -> Option<Value> {
    boundary.map(|b| {
        Obj::new()
            .str(
                "PermissionsBoundaryType",
                b.permissions_boundary_type().map(|t| t.as_str()),
            )
            .str("PermissionsBoundaryArn", b.permissions_boundary_arn())
            .build()
    })
}

fn user_json(user: &UserDetail) -> Value {
    Obj::new()
        .str("Path", user.path())
        .str("UserName", user.user_name())
        .str("UserId", user.user_id())
        .str("Arn", user.arn())
        .date("CreateDate", user.create_date())
        .list(
            "UserPolicyList",
            inline_policies_json(user.user_policy_list()),
        )
        .list(
            "GroupList",
            user.group_list()
                .iter()
                .map(|g| Value::from(g.as_str()))
                .collect(),
        )
        .list(
            "AttachedManagedPolicies",
            attached_json(user.attached_managed_policies()),
        )
        .value(
            "PermissionsBoundary",
            boundary_json(user.permissions_boundary()),
        )
        .list("Tags", tags_json(user.tags()))
        .build()
}

fn group_json(group: &GroupDetail) -> Value {
    Obj::new()
        .str("Path", group.path())
        .str("GroupName", group.group_name())
        .str("GroupId", group.group_id())
        .str("Arn", group.arn())
        .date("CreateDate", group.create_date())
        .list(
            "GroupPolicyList",
            inline_policies_json(group.group_policy_list()),
        )
        .list(
            "AttachedManagedPolicies",
            attached_json(group.attached_managed_policies()),
        )
        .build()
}

fn profile_role_json(role: &Role) -> Value {
    Obj::new()
        .str("Path", Some(role.path()))
        .str("RoleName", Some(role.role_name()))
        .str("RoleId", Some(role.role_id()))
        .str("Arn", Some(role.arn()))
        .date("CreateDate", Some(role.create_date()))
        .str(
            "AssumeRolePolicyDocument",
            role.assume_role_policy_document(),
        )
        .build()
}

fn instance_profile_json(profile: &InstanceProfile) -> Value {
    Obj::new()
        .str("Path", Some(profile.path()))
        .str("InstanceProfileName", Some(profile.instance_profile_name()))
        .str("InstanceProfileId", Some(profile.instance_profile_id()))
        .str("Arn", Some(profile.arn()))
        .date("CreateDate", Some(profile.create_date()))
        .list(
            "Roles",
            profile.roles().iter().map(profile_role_json).collect(),
        )
        .list("Tags", tags_json(profile.tags()))
        .build()
}

fn role_json(role: &RoleDetail) -> Value {
    let last_used = role.role_last_used().map(|used| {
        Obj::new()
            .date("LastUsedDate", used.last_used_date())
            .str("Region", used.region())
            .build()
    });
    Obj::new()
        .str("Path", role.path())
        .str("RoleName", role.role_name())
        .str("RoleId", role.role_id())
        .str("Arn", role.arn())
        .date("CreateDate", role.create_date())
        .str(
            "AssumeRolePolicyDocument",
            role.assume_role_policy_document(),
        )
        .list(
            "InstanceProfileList",
            role.instance_profile_list()
                .iter()
                .map(instance_profile_json)
                .collect(),
        )
        .list(
            "RolePolicyList",
            inline_policies_json(role.role_policy_list()),
        )
        .list(
            "AttachedManagedPolicies",
            attached_json(role.attached_managed_policies()),
        )
        .value(
            "PermissionsBoundary",
            boundary_json(role.permissions_boundary()),
        )
        .list("Tags", tags_json(role.tags()))
        .value("RoleLastUsed", last_used)
        .build()
}

fn policy_version_json(version: &PolicyVersion) -> Value {
    Obj::new()
        .str("Document", version.document())
        .str("VersionId", version.version_id())
        .bool("IsDefaultVersion", Some(version.is_default_version()))
        .date("CreateDate", version.create_date())
        .build()
}

fn managed_policy_json(policy: &ManagedPolicyDetail) -> Value {
    Obj::new()
        .str("PolicyName", policy.policy_name())
        .str("PolicyId", policy.policy_id())
        .str("Arn", policy.arn())
        .str("Path", policy.path())
        .str("DefaultVersionId", policy.default_version_id())
        .int("AttachmentCount", policy.attachment_count().map(i64::from))
        .int(
            "PermissionsBoundaryUsageCount",
            policy.permissions_boundary_usage_count().map(i64::from),
        )
        .bool("IsAttachable", Some(policy.is_attachable()))
        .str("Description", policy.description())
        .date("CreateDate", policy.create_date())
        .date("UpdateDate", policy.update_date())
        .list(
            "PolicyVersionList",
            policy
                .policy_version_list()
                .iter()
                .map(policy_version_json)
                .collect(),
        )
        .build()
}

/// How often to ask whether the credential report is ready. AWS builds it
/// in seconds for most accounts; large ones take longer. About 40 s in all.
const REPORT_POLLS: u32 = 12;

fn report_poll_delay(attempt: u32) -> Duration {
    // 250 ms doubling, capped at 5 s.
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(5)).min(5_000))
}

/// `generate-credential-report` until `COMPLETE`, then
/// `get-credential-report`.
pub(crate) async fn credential_report(
    client: &Client,
    redactor: &Redactor,
) -> Result<Optional<AwsExport>, CollectError> {
    for attempt in 0..REPORT_POLLS {
        let state = match client.generate_credential_report().send().await {
            Ok(output) => output.state().cloned(),
            Err(e) => return optional(Failure::from_sdk(GENERATE_REPORT, e, redactor)),
        };
        if state == Some(ReportStateType::Complete) {
            match client.get_credential_report().send().await {
                Ok(report) => return report_export(&report).map(Optional::Collected),
                Err(e) => {
                    let failure = Failure::from_sdk(GET_REPORT, e, redactor);
                    // A report can expire or be replaced between the two
                    // calls; generating again fixes that.
                    let transient = ["ReportInProgress", "ReportNotPresent", "ReportExpired"]
                        .iter()
                        .any(|code| failure.has_code(code));
                    if !transient {
                        return optional(failure);
                    }
                }
            }
        }
        tokio::time::sleep(report_poll_delay(attempt)).await;
    }
    Ok(Optional::Skipped(format!(
        "{GET_REPORT}: the report was still not ready after {REPORT_POLLS} polls; \
         run `nhi collect aws` again in a minute"
    )))
}

fn report_export(
    report: &aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput,
) -> Result<AwsExport, CollectError> {
    use base64::Engine as _;
    // The SDK hands over the decoded CSV; the CLI prints it base64-encoded
    // next to the format and generation time, which nhi-aws reads as is.
    let content = report
        .content()
        .map(|blob| blob.as_ref())
        .unwrap_or_default();
    let cli = Obj::new()
        .str(
            "Content",
            Some(&base64::engine::general_purpose::STANDARD.encode(content)),
        )
        .str(
            "ReportFormat",
            Some(report.report_format().map_or("text/csv", |f| f.as_str())),
        )
        .date("GeneratedTime", report.generated_time())
        .build();
    parse(AwsExportKind::CredentialReport, GET_REPORT, &cli)
}

/// Access keys of every user and when each was last used.
pub(crate) struct AccessKeys {
    pub(crate) exports: Vec<AwsExport>,
    pub(crate) warnings: Vec<String>,
}

/// What one user's calls produced; failures are sorted out afterwards.
#[derive(Default)]
struct UserKeys {
    metadata: Vec<Value>,
    last_used: Vec<Value>,
    failures: Vec<Failure>,
}

/// `list-users`, then `list-access-keys` per user and
/// `get-access-key-last-used` per key, `concurrency` users at a time.
pub(crate) async fn access_keys(
    client: &Client,
    redactor: &Redactor,
    concurrency: usize,
) -> Result<AccessKeys, CollectError> {
    let users = match client
        .list_users()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(users) => users,
        Err(e) => {
            let failure = Failure::from_sdk(LIST_USERS, e, redactor);
            if !failure.is_denied() {
                return Err(failure.into_error());
            }
            return Ok(AccessKeys {
                exports: Vec::new(),
                warnings: vec![failure.warning()],
            });
        }
    };
    let user_names: Vec<String> = users.iter().map(|u| u.user_name().to_string()).collect();
    let per_user: Vec<UserKeys> = stream::iter(user_names)
        .map(|user| keys_of_user(client, user, redactor))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;

    let mut metadata = Vec::new();
    let mut last_used = Vec::new();
    let mut failures = Vec::new();
    for user in per_user {
        metadata.extend(user.metadata);
        last_used.extend(user.last_used);
        failures.extend(user.failures);
    }
    let warnings = failure_warnings(failures)?;

    // Completion order is random; the output should not be.
    let order = |v: &Value| {
        (
            v.get("UserName")
                .and_then(Value::as_str)
                .map(str::to_string),
            v.get("AccessKeyId")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    metadata.sort_by_key(order);
    last_used.sort_by_key(order);
    let listed = Obj::new().list("AccessKeyMetadata", metadata).build();
    let exports = vec![
        parse(AwsExportKind::ListAccessKeys, LIST_KEYS, &listed)?,
        parse(
            AwsExportKind::AccessKeyLastUsed,
            KEY_LAST_USED,
            &Value::Array(last_used),
        )?,
    ];
    Ok(AccessKeys { exports, warnings })
}

async fn keys_of_user(client: &Client, user: String, redactor: &Redactor) -> UserKeys {
    let mut result = UserKeys::default();
    let listed = client
        .list_access_keys()
        .user_name(&user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let keys = match listed {
        Ok(keys) => keys,
        Err(e) => {
            let call = format!("{LIST_KEYS} (user {user})");
            result.failures.push(Failure::from_sdk(call, e, redactor));
            return result;
        }
    };
    for key in keys {
        let Some(key_id) = key.access_key_id() else {
            continue;
        };
        result.metadata.push(
            Obj::new()
                .str("UserName", key.user_name().or(Some(user.as_str())))
                .str("AccessKeyId", Some(key_id))
                .str("Status", key.status().map(|s| s.as_str()))
                .date("CreateDate", key.create_date())
                .build(),
        );
        match client
            .get_access_key_last_used()
            .access_key_id(key_id)
            .send()
            .await
        {
            Ok(output) => {
                let used = output.access_key_last_used().map(|used| {
                    Obj::new()
                        .date("LastUsedDate", used.last_used_date())
                        .str("ServiceName", Some(used.service_name()))
                        .str("Region", Some(used.region()))
                        .build()
                });
                // The API does not echo the key ID; nhi-aws reads it from
                // this extra member, as written by scripts that loop over keys.
                result.last_used.push(
                    Obj::new()
                        .str("UserName", output.user_name().or(Some(user.as_str())))
                        .str("AccessKeyId", Some(key_id))
                        .value(
                            "AccessKeyLastUsed",
                            Some(used.unwrap_or_else(|| Obj::new().build())),
                        )
                        .build(),
                );
            }
            Err(e) => {
                let call = format!("{KEY_LAST_USED} (key of user {user})");
                result.failures.push(Failure::from_sdk(call, e, redactor));
            }
        }
    }
    result
}

/// Denied per-user calls are summarised as one warning per call; a user or
/// key deleted mid-run is a warning; anything else fails the run.
fn failure_warnings(failures: Vec<Failure>) -> Result<Vec<String>, CollectError> {
    let mut denied: BTreeMap<&'static str, (usize, String)> = BTreeMap::new();
    let mut warnings = Vec::new();
    for failure in failures {
        if failure.is_denied() {
            let call = if failure.call.starts_with(LIST_KEYS) {
                LIST_KEYS
            } else {
                KEY_LAST_USED
            };
            let entry = denied.entry(call).or_insert((0, failure.message.clone()));
            entry.0 += 1;
        } else if failure.has_code("NoSuchEntity") {
            warnings.push(format!(
                "{} skipped: it was deleted during the run ({})",
                failure.call, failure.message
            ));
        } else {
            return Err(failure.into_error());
        }
    }
    for (call, (count, first_message)) in denied {
        warnings.push(format!(
            "{call} was denied {count} time(s), those keys are missing: {first_message}"
        ));
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_polling_is_bounded() {
        let total: Duration = (0..REPORT_POLLS).map(report_poll_delay).sum();
        assert!(total <= Duration::from_secs(60), "{total:?}");
        assert_eq!(report_poll_delay(0), Duration::from_millis(250));
        assert_eq!(report_poll_delay(30), Duration::from_secs(5));
    }

    #[test]
    fn denied_key_calls_collapse_into_one_warning_each() {
        let denied = |call: &str| Failure {
            call: call.to_string(),
            code: Some("AccessDenied".into()),
            message: "AccessDenied: not authorized".into(),
        };
        let warnings = failure_warnings(vec![
            denied("iam ListAccessKeys (user a)"),
            denied("iam ListAccessKeys (user b)"),
            denied("iam GetAccessKeyLastUsed (key of user c)"),
        ])
        .unwrap_or_default();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("iam GetAccessKeyLastUsed was denied 1 time(s)"));
        assert!(warnings[1].starts_with("iam ListAccessKeys was denied 2 time(s)"));
    }

    #[test]
    fn other_key_failures_fail_the_run() {
        let failure = Failure {
            call: "iam ListAccessKeys (user a)".into(),
            code: Some("ServiceFailure".into()),
            message: "ServiceFailure: boom".into(),
        };
        assert!(failure_warnings(vec![failure]).is_err());
    }
}
