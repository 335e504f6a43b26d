//! Reading JSON with positioned errors, walking list entries one at a time, and typed
//! field access that turns a wrong type into a warning instead of losing the entry.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::batch::Batch;
use crate::{Error, json_type_name};

/// Strips a UTF-8 BOM and checks the encoding, reporting the first bad byte.
pub(crate) fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| Error::InvalidUtf8 {
        file: file.to_string(),
        // The offset in the caller's bytes, BOM included.
        offset: e.valid_up_to() + (bytes.len() - body.len()),
    })
}

pub(crate) fn read_value(file: &str, bytes: &[u8]) -> Result<Value, Error> {
    let text = text_of(file, bytes)?;
    serde_json::from_str(text).map_err(|e| Error::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        // serde_json's syntax messages name the problem, never the input text.
        message: e.to_string(),
    })
}

/// The entries of a list export, each with its JSON path: the gcloud array itself, or
/// the REST page's `wrapper` list (`{"accounts": [...], "nextPageToken": ...}`).
pub(crate) fn list_entries<'v>(
    value: &'v Value,
    wrapper: &str,
    batch: &mut Batch<'_>,
) -> Vec<(String, &'v Value)> {
    let (items, prefix) = match value {
        Value::Array(items) => (items, ""),
        Value::Object(map) => {
            if map
                .get("nextPageToken")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty())
            {
                batch.warn(
                    "nextPageToken",
                    "export is one page of a paginated result; later pages are missing",
                );
            }
            match map.get(wrapper) {
                Some(Value::Array(items)) => (items, wrapper),
                None | Some(Value::Null) => return Vec::new(),
                Some(other) => {
                    batch.warn(
                        wrapper,
                        format!("expected a list, got {}", json_type_name(other)),
                    );
                    return Vec::new();
                }
            }
        }
        _ => return Vec::new(),
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| (format!("{prefix}[{index}]"), item))
        .collect()
}

/// The entry as an object, or a warning that it was skipped.
pub(crate) fn entry_object<'v>(
    item: &'v Value,
    position: &str,
    batch: &mut Batch<'_>,
) -> Option<&'v Map<String, Value>> {
    let map = item.as_object();
    if map.is_none() {
        batch.warn(
            position,
            format!(
                "entry skipped: expected an object, got {}",
                json_type_name(item)
            ),
        );
    }
    map
}

/// One JSON object at a known path, with warning-reporting accessors.
pub(crate) struct Entry<'v, 'p> {
    pub(crate) map: &'v Map<String, Value>,
    pub(crate) path: &'p str,
}

impl<'v> Entry<'v, '_> {
    pub(crate) fn field_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A non-empty string field. Missing or null is `None` quietly; another type is
    /// `None` with a warning (that never quotes the value).
    pub(crate) fn str(&self, key: &str, batch: &mut Batch<'_>) -> Option<&'v str> {
        match self.map.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            other => {
                batch.warn(
                    &self.field_path(key),
                    format!("expected a string, got {}; ignored", json_type_name(other)),
                );
                None
            }
        }
    }

    pub(crate) fn bool(&self, key: &str, batch: &mut Batch<'_>) -> Option<bool> {
        match self.map.get(key)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            // Some exporters write booleans as strings.
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            other => {
                batch.warn(
                    &self.field_path(key),
                    format!("expected a boolean, got {}; ignored", json_type_name(other)),
                );
                None
            }
        }
    }

    /// A timestamp field; an unreadable one is a warning and `Missing`.
    pub(crate) fn time(&self, key: &str, batch: &mut Batch<'_>) -> Time {
        let Some(value) = self.map.get(key) else {
            return Time::Missing;
        };
        let time = read_time(value);
        if time == Time::Unreadable {
            let shown = match value {
                Value::String(s) => format!("{:?}", truncate(s, 40)),
                other => json_type_name(other).to_string(),
            };
            batch.warn(
                &self.field_path(key),
                format!("unreadable timestamp {shown}; expected RFC 3339 or epoch seconds"),
            );
            return Time::Missing;
        }
        time
    }
}

/// A timestamp as GCP writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Time {
    Missing,
    At(Timestamp),
    /// Year 9999 or later: Google's way of saying "never" (`validBeforeTime` of a key
    /// without an expiry is `9999-12-31T23:59:59Z`, which is also past the range of
    /// `jiff::Timestamp`, so it must be caught before parsing).
    Never,
    Unreadable,
}

impl Time {
    pub(crate) fn at(self) -> Option<Timestamp> {
        match self {
            Time::At(ts) => Some(ts),
            _ => None,
        }
    }
}

/// Epoch seconds of 9999-01-01T00:00:00Z.
const YEAR_9999_EPOCH: f64 = 253_370_764_800.0;

pub(crate) fn read_time(value: &Value) -> Time {
    match value {
        Value::Null => Time::Missing,
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Time::Missing;
            }
            if s.starts_with("9999-") || s.starts_with("+009999-") {
                return Time::Never;
            }
            if let Ok(ts) = s.parse::<Timestamp>() {
                return Time::At(ts);
            }
            match s.parse::<f64>() {
                Ok(seconds) => from_epoch(seconds),
                Err(_) => Time::Unreadable,
            }
        }
        Value::Number(n) => n.as_f64().map_or(Time::Unreadable, from_epoch),
        _ => Time::Unreadable,
    }
}

fn from_epoch(seconds: f64) -> Time {
    if !seconds.is_finite() {
        return Time::Unreadable;
    }
    if seconds >= YEAR_9999_EPOCH {
        return Time::Never;
    }
    let whole = seconds.floor();
    // Range-check before the cast so absurd values do not saturate silently.
    if whole < -377_705_116_800.0 {
        return Time::Unreadable;
    }
    let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as i32;
    Timestamp::new(whole as i64, nanos).map_or(Time::Unreadable, Time::At)
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_times_google_writes() {
        let at = read_time(&json!("2024-03-04T17:39:47Z"));
        assert_eq!(at, Time::At("2024-03-04T17:39:47Z".parse().unwrap()));
        assert_eq!(read_time(&json!("9999-12-31T23:59:59Z")), Time::Never);
        assert_eq!(
            read_time(&json!(1_709_573_987)),
            Time::At("2024-03-04T17:39:47Z".parse().unwrap())
        );
        assert_eq!(read_time(&json!(253_402_300_799_u64)), Time::Never);
        assert_eq!(read_time(&json!("yesterday")), Time::Unreadable);
        assert_eq!(read_time(&json!(true)), Time::Unreadable);
        assert_eq!(read_time(&json!(f64::MIN)), Time::Unreadable);
        assert_eq!(read_time(&Value::Null), Time::Missing);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
