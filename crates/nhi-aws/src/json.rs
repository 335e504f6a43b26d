//! Shared handling for the JSON exports: reading with positioned errors,
//! normalising policy documents and dates in place (with warnings), and
//! deserialising list entries one at a time so one bad entry never sinks a file.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::policy::{PolicyDocument, decode_document, json_type_name};
use crate::time::timestamp_from_json;
use crate::{AwsError, ExportWarning};

/// Keys whose value is an IAM policy document in the exports we read.
const POLICY_KEYS: &[&str] = &["PolicyDocument", "AssumeRolePolicyDocument", "Document"];

/// Strip a UTF-8 BOM and check the encoding, reporting the first bad byte.
pub(crate) fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, AwsError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| AwsError::InvalidUtf8 {
        file: file.to_string(),
        // Report the offset in the caller's bytes, BOM included.
        offset: e.valid_up_to() + (bytes.len() - body.len()),
    })
}

pub(crate) fn read_value(file: &str, bytes: &[u8]) -> Result<Value, AwsError> {
    let text = text_of(file, bytes)?;
    serde_json::from_str(text).map_err(|e| AwsError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

pub(crate) fn expect_object(file: &str, value: Value) -> Result<Map<String, Value>, AwsError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(AwsError::UnexpectedShape {
            file: file.to_string(),
            message: format!(
                "expected a JSON object at the top level, got {}",
                json_type_name(&other)
            ),
        }),
    }
}

fn is_date_key(key: &str) -> bool {
    key.ends_with("Date") || key.ends_with("Timestamp")
}

/// Walk the tree: decode and validate every policy document, null out
/// unreadable dates. Each problem becomes a warning at its JSON path.
pub(crate) fn normalize(
    value: &mut Value,
    path: &str,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if POLICY_KEYS.contains(&key.as_str()) {
                    normalize_policy(child, &child_path, file, warnings);
                } else if is_date_key(key) {
                    normalize_date(child, &child_path, file, warnings);
                } else {
                    normalize(child, &child_path, file, warnings);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                normalize(item, &format!("{path}[{index}]"), file, warnings);
            }
        }
        _ => {}
    }
}

fn normalize_policy(value: &mut Value, path: &str, file: &str, warnings: &mut Vec<ExportWarning>) {
    if value.is_null() {
        return;
    }
    let problem = match decode_document(value) {
        Ok(decoded) => match PolicyDocument::deserialize_value(&decoded) {
            Ok(()) => {
                *value = decoded;
                return;
            }
            Err(e) => format!("malformed policy document: {e}"),
        },
        Err(e) => format!("malformed policy document: {e}"),
    };
    warnings.push(ExportWarning::new(file, path, problem));
    *value = Value::Null;
}

impl PolicyDocument {
    fn deserialize_value(value: &Value) -> Result<(), serde_json::Error> {
        <PolicyDocument as serde::Deserialize>::deserialize(value).map(|_| ())
    }
}

fn normalize_date(value: &mut Value, path: &str, file: &str, warnings: &mut Vec<ExportWarning>) {
    match value {
        Value::Null => {}
        Value::String(_) | Value::Number(_) if timestamp_from_json(value).is_some() => {}
        other => {
            let shown = match &*other {
                Value::String(s) => format!("{:?}", truncate_for_message(s)),
                v => json_type_name(v).to_string(),
            };
            warnings.push(ExportWarning::new(
                file,
                path,
                format!("unreadable timestamp {shown}; expected ISO 8601 or epoch seconds"),
            ));
            *other = Value::Null;
        }
    }
}

fn truncate_for_message(text: &str) -> &str {
    let mut end = text.len().min(40);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Deserialise `root[key]` as a list of `T`, entry by entry. A missing key is
/// an empty list; a non-list or a bad entry becomes a warning.
pub(crate) fn take_list<T: DeserializeOwned>(
    root: &mut Map<String, Value>,
    key: &str,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<T> {
    match root.remove(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(index, item)| match serde_json::from_value::<T>(item) {
                Ok(entry) => Some(entry),
                Err(e) => {
                    warnings.push(ExportWarning::new(
                        file,
                        &format!("{key}[{index}]"),
                        format!("entry skipped: {e}"),
                    ));
                    None
                }
            })
            .collect(),
        Some(other) => {
            warnings.push(ExportWarning::new(
                file,
                key,
                format!("expected a list, got {}", json_type_name(&other)),
            ));
            Vec::new()
        }
    }
}

/// The CLI merges pages itself, but a hand-paginated export carries a marker;
/// say so, because the inventory is then incomplete.
pub(crate) fn warn_if_truncated(
    root: &Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) {
    let truncated = root.get("IsTruncated").and_then(Value::as_bool) == Some(true);
    for marker in ["Marker", "NextToken"] {
        if truncated || root.get(marker).is_some_and(|v| !v.is_null()) {
            warnings.push(ExportWarning::new(
                file,
                marker,
                "export is one page of a paginated result; later pages are missing".to_string(),
            ));
            return;
        }
    }
}
