//! AWS timestamps as the CLI and the credential report write them.
//!
//! The CLI v2 prints ISO 8601 with an offset (`2024-01-02T03:04:05Z`,
//! `2024-01-02T03:04:05+00:00`, sometimes with fractional seconds). The CLI v1
//! prints the wire value unchanged, which for JSON-protocol services (Secrets
//! Manager, Organizations) is epoch seconds as a number (`1523477145.713`).
//! Both are accepted.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Parse an AWS timestamp string: ISO 8601 / RFC 3339 with `Z` or a numeric
/// offset, with or without fractional seconds. Also accepts epoch seconds
/// written as a string, which some exporters do.
pub fn parse_aws_timestamp(text: &str) -> Option<Timestamp> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(ts) = trimmed.parse::<Timestamp>() {
        return Some(ts);
    }
    trimmed.parse::<f64>().ok().and_then(timestamp_from_epoch)
}

/// Epoch seconds (possibly fractional) to a timestamp; `None` when out of range.
pub fn timestamp_from_epoch(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() {
        return None;
    }
    let whole = seconds.floor();
    // Range-check before the cast so huge values do not saturate silently.
    if !(-377_705_116_800.0..=253_402_207_200.0).contains(&whole) {
        return None;
    }
    let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as i32;
    Timestamp::new(whole as i64, nanos).ok()
}

/// Interpret a JSON value as an AWS timestamp (string or epoch number).
pub(crate) fn timestamp_from_json(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(s) => parse_aws_timestamp(s),
        Value::Number(n) => n.as_f64().and_then(timestamp_from_epoch),
        _ => None,
    }
}

/// Serde adapter for `Option<Timestamp>` fields. Unparseable values were
/// already replaced by `null` (with a warning) before typed deserialization,
/// so this never needs to fail; it maps anything unreadable to `None`.
pub(crate) fn opt_timestamp<'de, D>(deserializer: D) -> Result<Option<Timestamp>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    Ok(timestamp_from_json(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_shapes_aws_writes() {
        let z = parse_aws_timestamp("2024-01-02T03:04:05Z");
        let offset = parse_aws_timestamp("2024-01-02T03:04:05+00:00");
        assert!(z.is_some());
        assert_eq!(z, offset);
        let fractional = parse_aws_timestamp("2024-01-02T03:04:05.123000+00:00");
        assert_eq!(fractional.map(|t| t.subsec_millisecond()), Some(123));
        let epoch = timestamp_from_json(&serde_json::json!(1704164645.0));
        assert_eq!(epoch, z);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_aws_timestamp("not a date"), None);
        assert_eq!(parse_aws_timestamp("2024-13-45T00:00:00Z"), None);
        assert_eq!(timestamp_from_epoch(f64::NAN), None);
        assert_eq!(timestamp_from_epoch(1e300), None);
    }
}
