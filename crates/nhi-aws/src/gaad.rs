//! `aws iam get-account-authorization-details` (GAAD).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ExportWarning;
use crate::json::{normalize, take_list, warn_if_truncated};
use crate::policy::PolicyDocument;
use crate::time::opt_timestamp;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorizationDetails {
    pub users: Vec<UserDetail>,
    pub groups: Vec<GroupDetail>,
    pub roles: Vec<RoleDetail>,
    pub policies: Vec<ManagedPolicyDetail>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
}

/// An inline policy (`UserPolicyList`, `GroupPolicyList`, `RolePolicyList`).
/// `policy_document` is `None` when the document was missing or malformed
/// (the latter with a warning).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    #[serde(default)]
    pub policy_document: Option<PolicyDocument>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    #[serde(default)]
    pub policy_name: Option<String>,
    pub policy_arn: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    #[serde(default)]
    pub permissions_boundary_type: Option<String>,
    #[serde(default)]
    pub permissions_boundary_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDetail {
    pub user_name: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub group_list: Vec<String>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub user_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDetail {
    pub group_name: String,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub group_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_used_date: Option<Timestamp>,
    #[serde(default)]
    pub region: Option<String>,
}

/// A role as nested inside an instance profile (a subset of `RoleDetail`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileRole {
    pub role_name: String,
    #[serde(default)]
    pub role_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub assume_role_policy_document: Option<PolicyDocument>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub instance_profile_name: String,
    #[serde(default)]
    pub instance_profile_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub roles: Vec<InstanceProfileRole>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDetail {
    pub role_name: String,
    #[serde(default)]
    pub role_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub assume_role_policy_document: Option<PolicyDocument>,
    #[serde(default)]
    pub instance_profile_list: Vec<InstanceProfile>,
    #[serde(default)]
    pub role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub role_last_used: Option<RoleLastUsed>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    #[serde(default)]
    pub document: Option<PolicyDocument>,
    #[serde(default)]
    pub version_id: Option<String>,
    #[serde(default)]
    pub is_default_version: bool,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicyDetail {
    /// Filled from the ARN when the export omits it (moto does).
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub policy_id: Option<String>,
    pub arn: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub default_version_id: Option<String>,
    #[serde(default)]
    pub attachment_count: Option<u64>,
    #[serde(default)]
    pub permissions_boundary_usage_count: Option<u64>,
    #[serde(default)]
    pub is_attachable: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub update_date: Option<Timestamp>,
    #[serde(default)]
    pub policy_version_list: Vec<PolicyVersion>,
}

impl ManagedPolicyDetail {
    /// The document of the default version, the one that is in force.
    pub fn default_document(&self) -> Option<&PolicyDocument> {
        self.policy_version_list
            .iter()
            .find(|v| {
                v.is_default_version
                    || (v.version_id.is_some() && v.version_id == self.default_version_id)
            })
            .and_then(|v| v.document.as_ref())
    }
}

/// The policy name is the last path segment of a policy ARN
/// (`arn:aws:iam::aws:policy/service-role/NAME`).
pub fn policy_name_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let name = resource.rsplit('/').next()?;
    (!name.is_empty() && resource.contains('/')).then_some(name)
}

pub(crate) fn parse(
    mut root: Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> AuthorizationDetails {
    warn_if_truncated(&root, file, warnings);
    for key in [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ] {
        if let Some(list) = root.get_mut(key) {
            normalize(list, key, file, warnings);
        }
    }
    let users = take_list(&mut root, "UserDetailList", file, warnings);
    let groups = take_list(&mut root, "GroupDetailList", file, warnings);
    let roles = take_list(&mut root, "RoleDetailList", file, warnings);
    let mut policies: Vec<ManagedPolicyDetail> = take_list(&mut root, "Policies", file, warnings);
    for policy in &mut policies {
        if policy.policy_name.is_none() {
            policy.policy_name = policy_name_from_arn(&policy.arn).map(str::to_string);
        }
    }
    AuthorizationDetails {
        users,
        groups,
        roles,
        policies,
    }
}

#[cfg(test)]
mod tests {
    use super::policy_name_from_arn;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            policy_name_from_arn(
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            Some("AWSLambdaBasicExecutionRole")
        );
        assert_eq!(
            policy_name_from_arn("arn:aws:iam::123456789012:policy/deploy-s3"),
            Some("deploy-s3")
        );
        assert_eq!(policy_name_from_arn("not-an-arn"), None);
        assert_eq!(
            policy_name_from_arn("arn:aws:iam::123456789012:policy"),
            None
        );
    }
}
