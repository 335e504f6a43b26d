//! Recognising an export by its content.
//!
//! gcloud's `--format=json` prints the REST resources with camelCase keys, sorted
//! alphabetically, so the first entry's keys all fall in the first kilobyte. The keys
//! that decide are ones no other export we read uses (`keyAlgorithm`, `oauth2ClientId`,
//! `bindings` with `role`/`members`); a service-account key *file* (snake_case
//! `private_key_id`, `client_email`) is deliberately not ours: it is a secret, and the
//! scanner's business.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::{ExportKind, json_type_name};

const SNIFF_BYTES: usize = 1024;

const KEY_FIELDS: &[&str] = &[
    "keyAlgorithm",
    "keyOrigin",
    "keyType",
    "validAfterTime",
    "validBeforeTime",
];
const ACCOUNT_FIELDS: &[&str] = &["oauth2ClientId", "uniqueId"];
/// `WorkloadIdentityPoolProvider` fields no other export has.
const WIF_PROVIDER_FIELDS: &[&str] = &["attributeMapping", "attributeCondition"];
const POLICY_WRAPPER_FIELDS: &[&str] = &[
    "etag",
    "version",
    "bindings",
    "auditConfigs",
    "projectId",
    "project",
    "resource",
    "serviceAccount",
];

pub(crate) fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    let head = bytes.get(..SNIFF_BYTES.min(bytes.len())).unwrap_or(bytes);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // A multi-byte character cut at the end of the window only costs that character.
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start();
    // Most files asked about are neither a list nor an object: no need to collect keys.
    if !text.starts_with(['[', '{']) {
        return None;
    }
    let keys = object_keys(text);
    let has = |k: &str| keys.contains(k);
    let any = |list: &[&str]| list.iter().any(|k| keys.contains(*k));
    if text.starts_with('[') {
        let first = text.get(1..).unwrap_or_default().trim_start();
        if !first.starts_with('{') {
            return None;
        }
        if any(KEY_FIELDS) {
            Some(ExportKind::ServiceAccountKeys)
        } else if any(WIF_PROVIDER_FIELDS) {
            Some(ExportKind::WorkloadIdentityProviders)
        } else if has("bindings") && (has("role") || has("members")) {
            // `--flatten="bindings[].members"` output.
            Some(ExportKind::IamPolicy)
        } else if any(ACCOUNT_FIELDS) || (has("email") && has("projectId")) {
            Some(ExportKind::ServiceAccounts)
        } else {
            None
        }
    } else if text.starts_with('{') {
        if has("keys") && any(KEY_FIELDS) {
            Some(ExportKind::ServiceAccountKeys)
        } else if has("workloadIdentityPoolProviders") {
            Some(ExportKind::WorkloadIdentityProviders)
        } else if has("accounts") && (any(ACCOUNT_FIELDS) || has("email")) {
            Some(ExportKind::ServiceAccounts)
        } else if (has("bindings") && (has("role") || has("members"))) || has("auditLogConfigs") {
            Some(ExportKind::IamPolicy)
        } else {
            // A policy without bindings (`{"etag": "ACAB"}` is what gcloud prints for a
            // service account nobody was granted on) is only recognisable whole. Parsing
            // is for files with an `etag` key only: every other object in a scan would
            // be parsed (and fail at the cut) for nothing.
            if !has("etag") {
                return None;
            }
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) if is_bare_policy(&map) => Some(ExportKind::IamPolicy),
                _ => None,
            }
        }
    } else {
        None
    }
}

/// What [`crate::ingest`] found at the top level of a parsed file.
pub(crate) enum Shape {
    /// `[]`: an empty list, which every list export prints when there is nothing.
    Empty,
    Known(ExportKind),
    /// Not ours; the text describes what it is.
    Unknown(String),
}

pub(crate) fn classify(value: &Value) -> Shape {
    match value {
        Value::Array(items) if items.is_empty() => Shape::Empty,
        Value::Array(items) => match items
            .iter()
            .filter_map(Value::as_object)
            .find_map(classify_entry)
        {
            Some(kind) => Shape::Known(kind),
            None => Shape::Unknown("a JSON array of unrecognised entries".to_string()),
        },
        Value::Object(map) => {
            if let Some(Value::Array(keys)) = map.get("keys") {
                let entry_kind = keys
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(classify_entry);
                if keys.is_empty() || entry_kind == Some(ExportKind::ServiceAccountKeys) {
                    return Shape::Known(ExportKind::ServiceAccountKeys);
                }
            }
            if let Some(Value::Array(accounts)) = map.get("accounts") {
                let entry_kind = accounts
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(classify_entry);
                if accounts.is_empty() || entry_kind == Some(ExportKind::ServiceAccounts) {
                    return Shape::Known(ExportKind::ServiceAccounts);
                }
            }
            if let Some(Value::Array(_)) = map.get("workloadIdentityPoolProviders") {
                return Shape::Known(ExportKind::WorkloadIdentityProviders);
            }
            if map.contains_key("bindings")
                || map.contains_key("auditConfigs")
                || is_bare_policy(map)
            {
                return Shape::Known(ExportKind::IamPolicy);
            }
            Shape::Unknown("a JSON object without `bindings`, `keys` or `accounts`".to_string())
        }
        other => Shape::Unknown(format!("{} at the top level", json_type_name(other))),
    }
}

fn classify_entry(entry: &Map<String, Value>) -> Option<ExportKind> {
    let has = |k: &str| entry.contains_key(k);
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.contains("/workloadIdentityPools/") || WIF_PROVIDER_FIELDS.iter().any(|k| has(k)) {
        Some(ExportKind::WorkloadIdentityProviders)
    } else if KEY_FIELDS.iter().any(|k| has(k)) || name.contains("/keys/") {
        Some(ExportKind::ServiceAccountKeys)
    } else if entry.get("bindings").is_some_and(Value::is_object) {
        Some(ExportKind::IamPolicy)
    } else if ACCOUNT_FIELDS.iter().any(|k| has(k))
        || (has("email") && has("projectId"))
        || name.contains("/serviceAccounts/")
    {
        Some(ExportKind::ServiceAccounts)
    } else {
        None
    }
}

/// `{"etag": "ACAB"}` or `{"etag": "...", "version": 1}`: an empty policy.
fn is_bare_policy(map: &Map<String, Value>) -> bool {
    map.get("etag").is_some_and(Value::is_string)
        && map
            .keys()
            .all(|k| POLICY_WRAPPER_FIELDS.contains(&k.as_str()))
}

/// Every string in `text` that is followed by a colon, i.e. every object key at any
/// depth. Tracks string state from the start, so quotes inside values never confuse it;
/// a window cut mid-string only loses the tail.
fn object_keys(text: &str) -> HashSet<&str> {
    let mut keys = HashSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'"') {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes.get(j) != Some(&b'"') {
            // Skip the escaped character, whatever it is.
            j += if bytes.get(j) == Some(&b'\\') { 2 } else { 1 };
        }
        if j >= bytes.len() {
            break;
        }
        let mut k = j + 1;
        while bytes.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        if bytes.get(k) == Some(&b':')
            && let Some(key) = text.get(start..j)
        {
            keys.insert(key);
        }
        i = j + 1;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_and_values_are_not() {
        let keys = object_keys(r#"{"a": "b\"c: d", "e" : 1, "f": {"g":2}}"#);
        let mut found: Vec<_> = keys.into_iter().collect();
        found.sort();
        assert_eq!(found, ["a", "e", "f", "g"]);
    }

    #[test]
    fn a_bare_policy_is_recognised_only_whole() {
        assert_eq!(sniff(br#"{"etag": "ACAB"}"#), Some(ExportKind::IamPolicy));
        assert_eq!(sniff(br#"{"etag": "ACAB", "other": 1}"#), None);
        assert_eq!(sniff(br#"{"etag": "#), None);
    }
}
