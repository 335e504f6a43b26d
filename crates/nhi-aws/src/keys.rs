//! `aws iam list-access-keys` and `aws iam get-access-key-last-used`.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ExportWarning;
use crate::json::{normalize, take_list, warn_if_truncated};
use crate::time::opt_timestamp;

/// One entry of `AccessKeyMetadata`. Only the key ID is listed; AWS never
/// returns the secret access key after creation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyMetadata {
    #[serde(default)]
    pub user_name: Option<String>,
    pub access_key_id: String,
    /// `Active`, `Inactive` (and `Expired` for some key types).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub create_date: Option<Timestamp>,
}

/// The response of `get-access-key-last-used`. AWS does not echo the key ID
/// back, so a caller that exported several keys must keep that association
/// itself. Scripts that loop over keys (and `nhi collect aws`) add an
/// `AccessKeyId` member next to `UserName`; it is read when present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyLastUsedResponse {
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    pub access_key_last_used: AccessKeyLastUsed,
}

/// `Region` and `ServiceName` are the literal `N/A` for a never-used key;
/// they are `None` here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyLastUsed {
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_used_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_not_applicable")]
    pub service_name: Option<String>,
    #[serde(default, deserialize_with = "opt_not_applicable")]
    pub region: Option<String>,
}

fn opt_not_applicable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| s != "N/A" && !s.is_empty()))
}

pub(crate) fn parse_list(
    mut root: Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<AccessKeyMetadata> {
    warn_if_truncated(&root, file, warnings);
    if let Some(list) = root.get_mut("AccessKeyMetadata") {
        normalize(list, "AccessKeyMetadata", file, warnings);
    }
    take_list(&mut root, "AccessKeyMetadata", file, warnings)
}

/// Accepts one response object or a JSON array of them (several keys saved
/// together).
pub(crate) fn parse_last_used(
    mut value: Value,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<AccessKeyLastUsedResponse> {
    normalize(&mut value, "", file, warnings);
    match value {
        Value::Array(items) => {
            let mut wrapper = Map::new();
            wrapper.insert(String::new(), Value::Array(items));
            take_list(&mut wrapper, "", file, warnings)
        }
        single => match serde_json::from_value(single) {
            Ok(entry) => vec![entry],
            Err(e) => {
                warnings.push(ExportWarning::new(file, "$", format!("entry skipped: {e}")));
                Vec::new()
            }
        },
    }
}
