//! Reading the JSON and pulling typed fields out of Graph objects leniently: a missing
//! or null field is simply absent, a field of the wrong type or an unreadable date is a
//! warning at its JSON path, and unknown fields are never looked at.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::Error;
use crate::batch::Batch;

pub(crate) type Object = Map<String, Value>;

/// Strips a UTF-8 BOM and checks the encoding, reporting the first bad byte.
pub(crate) fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| Error::InvalidUtf8 {
        file: file.to_string(),
        offset: e.valid_up_to() + (bytes.len() - body.len()),
    })
}

pub(crate) fn read_value(file: &str, bytes: &[u8]) -> Result<Value, Error> {
    let text = text_of(file, bytes)?;
    serde_json::from_str(text).map_err(|e| Error::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        // serde_json's syntax messages describe the fault, never the text around it.
        message: e.to_string(),
    })
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value[3]` + `passwordCredentials` -> `value[3].passwordCredentials`.
pub(crate) fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() || parent == "$" {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Shortens a value quoted in a warning (dates and names only; never secrets).
pub(crate) fn shown(text: &str) -> &str {
    let mut end = text.len().min(60);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// A non-empty string field. Any other type is a warning.
pub(crate) fn string<'v>(
    batch: &mut Batch<'_>,
    object: &'v Object,
    key: &str,
    at: &str,
) -> Option<&'v str> {
    match object.get(key)? {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
        Value::Null => None,
        other => {
            batch.warn(
                &path(at, key),
                format!("expected a string, got {}", type_name(other)),
            );
            None
        }
    }
}

pub(crate) fn boolean(batch: &mut Batch<'_>, object: &Object, key: &str, at: &str) -> Option<bool> {
    match object.get(key)? {
        Value::Bool(b) => Some(*b),
        // Some exporters (PowerShell's ConvertTo-Csv round trips) write booleans as text.
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Value::Null => None,
        other => {
            batch.warn(
                &path(at, key),
                format!("expected true or false, got {}", type_name(other)),
            );
            None
        }
    }
}

/// The elements of an array field; missing or null is empty, anything else a warning.
pub(crate) fn array<'v>(
    batch: &mut Batch<'_>,
    object: &'v Object,
    key: &str,
    at: &str,
) -> &'v [Value] {
    match object.get(key) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => &[],
        Some(other) => {
            batch.warn(
                &path(at, key),
                format!("expected an array, got {}", type_name(other)),
            );
            &[]
        }
    }
}

/// The non-empty strings of a string-array field (other elements are ignored).
pub(crate) fn strings(batch: &mut Batch<'_>, object: &Object, key: &str, at: &str) -> Vec<String> {
    array(batch, object, key, at)
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The object elements of an array field with their JSON paths; a non-object element
/// is a warning and skipped.
pub(crate) fn objects<'v>(
    batch: &mut Batch<'_>,
    object: &'v Object,
    key: &str,
    at: &str,
) -> Vec<(String, &'v Object)> {
    let list_path = path(at, key);
    let mut out = Vec::new();
    for (index, item) in array(batch, object, key, at).iter().enumerate() {
        let position = format!("{list_path}[{index}]");
        match item {
            Value::Object(entry) => out.push((position, entry)),
            other => batch.warn(
                &position,
                format!(
                    "entry skipped: expected an object, got {}",
                    type_name(other)
                ),
            ),
        }
    }
    out
}

/// Graph writes `DateTimeOffset` as ISO 8601 in UTC (`2024-01-02T03:04:05Z`, often with
/// seven fractional digits); the Azure CLI writes `+00:00` offsets. Epoch seconds are
/// accepted too, for hand-made exports.
pub(crate) fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let trimmed = text.trim();
    if let Ok(ts) = trimmed.parse::<Timestamp>() {
        return Some(ts);
    }
    trimmed
        .parse::<i64>()
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
}

/// A date field; unreadable values are a warning and read as absent.
pub(crate) fn timestamp(
    batch: &mut Batch<'_>,
    object: &Object,
    key: &str,
    at: &str,
) -> Option<Timestamp> {
    let value = object.get(key)?;
    let parsed = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => n.as_i64().and_then(|s| Timestamp::from_second(s).ok()),
        _ => None,
    };
    if parsed.is_none() {
        let what = match value {
            Value::String(s) => format!("{:?}", shown(s)),
            other => type_name(other).to_string(),
        };
        batch.warn(
            &path(at, key),
            format!("unreadable date {what}; expected ISO 8601 (e.g. 2024-01-02T03:04:05Z)"),
        );
    }
    parsed
}

/// The entries of a collection: `{"value": [...]}` as Graph returns it, a bare array
/// as `az rest --query value` or `az ad ... list` print it, or a single object as a
/// `GET /applications/{id}` returns it. Returns each object with its JSON path.
pub(crate) fn entries<'v>(
    file: &str,
    root: &'v Value,
    batch: &mut Batch<'_>,
) -> Result<Vec<(String, &'v Object)>, Error> {
    let (items, prefix): (&[Value], &str) = match root {
        Value::Array(items) => (items, ""),
        Value::Object(map) => match map.get("value") {
            Some(Value::Array(items)) => {
                if map
                    .get("@odata.nextLink")
                    .is_some_and(|link| !link.is_null())
                {
                    batch.warn(
                        "@odata.nextLink",
                        "export is one page of a paged collection; later pages are missing \
                         (follow @odata.nextLink, or use `az rest` / `--all`, which do)",
                    );
                }
                (items, "value")
            }
            Some(other) => {
                return Err(Error::UnexpectedShape {
                    file: file.to_string(),
                    position: "value".to_string(),
                    message: format!("expected an array, got {}", type_name(other)),
                });
            }
            None => return Ok(vec![("$".to_string(), map)]),
        },
        other => {
            return Err(Error::UnexpectedShape {
                file: file.to_string(),
                position: "$".to_string(),
                message: format!(
                    "expected a JSON array or object at the top level, got {}",
                    type_name(other)
                ),
            });
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let position = format!("{prefix}[{index}]");
        match item {
            Value::Object(entry) => out.push((position, entry)),
            other => batch.warn(
                &position,
                format!(
                    "entry skipped: expected an object, got {}",
                    type_name(other)
                ),
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_date_shapes_graph_and_the_cli_write() {
        let z = parse_timestamp("2024-01-02T03:04:05Z");
        assert!(z.is_some());
        assert_eq!(parse_timestamp("2024-01-02T03:04:05+00:00"), z);
        let seven = parse_timestamp("2024-01-02T03:04:05.1234567Z");
        assert_eq!(seven.map(|t| t.subsec_nanosecond()), Some(123_456_700));
        assert_eq!(parse_timestamp("1704164645"), z);
        assert_eq!(parse_timestamp("2024-13-45T00:00:00Z"), None);
        assert_eq!(parse_timestamp("next tuesday"), None);
    }

    #[test]
    fn shown_cuts_at_a_char_boundary() {
        let text = "é".repeat(40);
        assert!(shown(&text).len() <= 60);
        assert!(text.starts_with(shown(&text)));
    }
}
