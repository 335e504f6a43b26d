//! `aws iam get-account-authorization-details` (GAAD).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::ExportWarning;
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

/// Reads a GAAD document entry by entry: each user, group, role and policy is parsed
/// as its own small JSON value, normalised, typed and dropped, so a GAAD of a large
/// organisation is never held as one JSON tree (a tree costs several times the file).
///
/// A document that breaks off (a truncated download, a bad byte) keeps every entry
/// read before the break and warns at the break's line and column; one that breaks
/// before any entry is an error, as for the other exports.
pub(crate) fn parse_stream(
    file: &str,
    bytes: &[u8],
    warnings: &mut Vec<ExportWarning>,
) -> Result<AuthorizationDetails, crate::AwsError> {
    let text = crate::json::text_of(file, bytes)?;
    if let Some(first) = text.trim_start().chars().next()
        && first != '{'
    {
        return Err(crate::AwsError::UnexpectedShape {
            file: file.to_string(),
            message: "expected a JSON object at the top level".to_string(),
        });
    }
    let mut state = StreamState {
        file,
        warnings,
        details: AuthorizationDetails::default(),
        lists_seen: 0,
        entries: 0,
        truncated: false,
        marker: false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let result =
        serde::Deserializer::deserialize_any(&mut de, TopLevel(&mut state)).and_then(|()| de.end());
    if let Err(e) = result {
        if state.entries == 0 {
            return Err(crate::AwsError::Json {
                file: file.to_string(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            });
        }
        state.warnings.push(ExportWarning::new(
            file,
            &format!("line {} column {}", e.line(), e.column()),
            format!(
                "the document breaks off here ({e}); the {} entries before it were read, any after it are missing",
                state.entries
            ),
        ));
    }
    if state.lists_seen == 0 {
        return Err(crate::AwsError::UnexpectedShape {
            file: file.to_string(),
            message: "none of UserDetailList, GroupDetailList, RoleDetailList, Policies present: this is not `aws iam get-account-authorization-details` output".to_string(),
        });
    }
    if state.truncated || state.marker {
        state.warnings.push(ExportWarning::new(
            file,
            "Marker",
            "export is one page of a paginated result; later pages are missing".to_string(),
        ));
    }
    let mut details = state.details;
    for policy in &mut details.policies {
        if policy.policy_name.is_none() {
            policy.policy_name = policy_name_from_arn(&policy.arn).map(str::to_string);
        }
    }
    Ok(details)
}

struct StreamState<'a> {
    file: &'a str,
    warnings: &'a mut Vec<ExportWarning>,
    details: AuthorizationDetails,
    lists_seen: usize,
    entries: usize,
    truncated: bool,
    marker: bool,
}

impl StreamState<'_> {
    /// One list entry: normalise its policy documents and dates, then type it.
    fn entry(&mut self, key: &'static str, index: usize, mut value: Value) {
        let path = format!("{key}[{index}]");
        crate::json::normalize(&mut value, &path, self.file, self.warnings);
        self.entries += 1;
        let pushed = match key {
            "UserDetailList" => serde_json::from_value(value).map(|v| self.details.users.push(v)),
            "GroupDetailList" => serde_json::from_value(value).map(|v| self.details.groups.push(v)),
            "RoleDetailList" => serde_json::from_value(value).map(|v| self.details.roles.push(v)),
            _ => serde_json::from_value(value).map(|v| self.details.policies.push(v)),
        };
        if let Err(e) = pushed {
            self.warnings.push(ExportWarning::new(
                self.file,
                &path,
                format!("entry skipped: {e}"),
            ));
        }
    }
}

struct TopLevel<'s, 'a>(&'s mut StreamState<'a>);

impl<'de> serde::de::Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "a JSON object with UserDetailList, GroupDetailList, RoleDetailList or Policies",
        )
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let list = match key.as_ref() {
                "UserDetailList" => "UserDetailList",
                "GroupDetailList" => "GroupDetailList",
                "RoleDetailList" => "RoleDetailList",
                "Policies" => "Policies",
                "IsTruncated" => {
                    self.0.truncated = map.next_value::<Option<bool>>()? == Some(true);
                    continue;
                }
                "Marker" | "NextToken" => {
                    self.0.marker = map
                        .next_value::<Option<Value>>()?
                        .is_some_and(|v| !v.is_null());
                    continue;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            self.0.lists_seen += 1;
            map.next_value_seed(List {
                key: list,
                state: &mut *self.0,
            })?;
        }
        Ok(())
    }
}

struct List<'s, 'a> {
    key: &'static str,
    state: &'s mut StreamState<'a>,
}

impl<'de> serde::de::DeserializeSeed<'de> for List<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for List<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a list for {}", self.key)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            self.state.entry(self.key, index, value);
            index += 1;
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    // Anything else where a list belongs: warn and go on.
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.not_a_list("a boolean")
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.not_a_list("a number")
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.not_a_list("a number")
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.not_a_list("a number")
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.not_a_list("a string")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        self.not_a_list("an object")
    }
}

impl List<'_, '_> {
    fn not_a_list<E>(self, got: &str) -> Result<(), E> {
        self.state.warnings.push(ExportWarning::new(
            self.state.file,
            self.key,
            format!("expected a list, got {got}"),
        ));
        Ok(())
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
