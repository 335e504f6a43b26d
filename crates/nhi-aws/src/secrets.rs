//! `aws secretsmanager list-secrets`: metadata only, never secret values.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ExportWarning;
use crate::gaad::Tag;
use crate::json::{normalize, take_list, warn_if_truncated};
use crate::time::opt_timestamp;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretListEntry {
    #[serde(rename = "ARN", default)]
    pub arn: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", default)]
    pub rotation_lambda_arn: Option<String>,
    #[serde(default)]
    pub rotation_rules: Option<RotationRules>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_rotated_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_changed_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_accessed_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub deleted_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub next_rotation_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub created_date: Option<Timestamp>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Version ID to staging labels (`AWSCURRENT`, `AWSPREVIOUS`, ...).
    #[serde(default)]
    pub secret_versions_to_stages: BTreeMap<String, Vec<String>>,
    /// Set when another AWS service (e.g. RDS) created and manages the secret.
    #[serde(default)]
    pub owning_service: Option<String>,
    #[serde(default)]
    pub primary_region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationRules {
    #[serde(default)]
    pub automatically_after_days: Option<u64>,
    /// A window length such as `3h`.
    #[serde(default)]
    pub duration: Option<String>,
    /// `rate(10 days)` or `cron(...)`.
    #[serde(default)]
    pub schedule_expression: Option<String>,
}

pub(crate) fn parse(
    mut root: Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<SecretListEntry> {
    warn_if_truncated(&root, file, warnings);
    if let Some(list) = root.get_mut("SecretList") {
        normalize(list, "SecretList", file, warnings);
    }
    take_list(&mut root, "SecretList", file, warnings)
}
