//! Service control policies: `aws organizations describe-policy` (the policy and its
//! JSON content) and `aws organizations list-targets-for-policy` (where it is attached).
//!
//! Neither output names the other, so a targets file is paired with its policy by file
//! name (`<name>.json` and `<name>.targets.json`); see the crate README.

use serde_json::{Map, Value};

use crate::policy::{PolicyDocument, decode_document};
use crate::{AwsError, ExportWarning};

/// One Organizations policy, as `describe-policy` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationsPolicy {
    /// `p-…`, or `p-FullAWSAccess` for the AWS-managed default.
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// `SERVICE_CONTROL_POLICY`, `RESOURCE_CONTROL_POLICY`, `TAG_POLICY`…
    pub policy_type: Option<String>,
    pub aws_managed: bool,
    /// `None` when `Content` was missing or not a readable policy (a warning says why).
    pub document: Option<PolicyDocument>,
}

impl OrganizationsPolicy {
    /// Whether the policy limits IAM permissions (an SCP). Other policy types (tag,
    /// backup, AI opt-out) do not take part in evaluation.
    pub fn is_scp(&self) -> bool {
        self.policy_type
            .as_deref()
            .is_none_or(|t| t == "SERVICE_CONTROL_POLICY")
    }
}

/// Where a policy is attached (`list-targets-for-policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTarget {
    /// A 12-digit account ID, `ou-…` or `r-…`.
    pub target_id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// `ACCOUNT`, `ORGANIZATIONAL_UNIT` or `ROOT`.
    pub target_type: String,
}

pub(crate) fn parse_policy(
    root: &Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Result<OrganizationsPolicy, AwsError> {
    let shape = |message: &str| AwsError::UnexpectedShape {
        file: file.to_string(),
        message: message.to_string(),
    };
    let policy = root
        .get("Policy")
        .and_then(Value::as_object)
        .ok_or_else(|| shape("no `Policy` object: this is not `describe-policy` output"))?;
    let summary = policy
        .get("PolicySummary")
        .and_then(Value::as_object)
        .ok_or_else(|| shape("no `Policy.PolicySummary` object"))?;
    let text = |key: &str| summary.get(key).and_then(Value::as_str).map(str::to_string);
    let id = text("Id").ok_or_else(|| shape("no `Policy.PolicySummary.Id`"))?;
    let document = match policy.get("Content") {
        None => {
            warnings.push(ExportWarning::new(
                file,
                "Policy.Content",
                "no policy content; the policy is ignored".into(),
            ));
            None
        }
        Some(content) => match decode_document(content)
            .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
        {
            Ok(document) => Some(document),
            Err(message) => {
                warnings.push(ExportWarning::new(
                    file,
                    "Policy.Content",
                    format!("{message}; the policy is ignored"),
                ));
                None
            }
        },
    };
    Ok(OrganizationsPolicy {
        id,
        arn: text("Arn"),
        name: text("Name"),
        policy_type: text("Type"),
        aws_managed: summary
            .get("AwsManaged")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        document,
    })
}

pub(crate) fn parse_targets(
    root: &Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<PolicyTarget> {
    let Some(list) = root.get("Targets").and_then(Value::as_array) else {
        warnings.push(ExportWarning::new(
            file,
            "Targets",
            "`Targets` is not a list".into(),
        ));
        return Vec::new();
    };
    let mut targets = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
        match (text("TargetId"), text("Type")) {
            (Some(target_id), Some(target_type)) => targets.push(PolicyTarget {
                target_id,
                arn: text("Arn"),
                name: text("Name"),
                target_type,
            }),
            _ => warnings.push(ExportWarning::new(
                file,
                &format!("Targets[{index}]"),
                "a target needs `TargetId` and `Type`; skipped".into(),
            )),
        }
    }
    targets
}
