//! Timestamp parsing shared by the formats.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// RFC 3339 / ISO 8601 with an offset; without one (Athena-style CloudTrail exports
/// write `2023-01-10 21:04:02`) the time is read as UTC, which is what those exports
/// hold.
pub(crate) fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let civil = text.parse::<DateTime>().ok()?;
    civil
        .to_zoned(TimeZone::UTC)
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// Milliseconds since the epoch (GitHub `@timestamp`/`created_at`), as a number or
/// numeric string; falls back to RFC 3339 for exports that rewrote it.
pub(crate) fn parse_millis_or_rfc3339(text: &str) -> Option<Timestamp> {
    match text.trim().parse::<f64>() {
        Ok(millis) if millis.is_finite() => Timestamp::from_millisecond(millis as i64).ok(),
        Ok(_) => None,
        Err(_) => parse_timestamp(text),
    }
}

pub(crate) fn parse_unix_seconds(text: &str) -> Option<Timestamp> {
    let seconds = text.trim().parse::<f64>().ok()?;
    if !seconds.is_finite() {
        return None;
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round() as i32;
    Timestamp::new(whole as i64, nanos.clamp(0, 999_999_999)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_shapes_real_exports_use() {
        let expected: Timestamp = "2023-01-10T21:04:02Z".parse().unwrap();
        assert_eq!(parse_timestamp("2023-01-10T21:04:02Z"), Some(expected));
        assert_eq!(parse_timestamp("2023-01-10 21:04:02"), Some(expected));
        assert_eq!(parse_timestamp("2023-01-10T23:04:02+02:00"), Some(expected));
        assert_eq!(parse_millis_or_rfc3339("1673384642000"), Some(expected));
        assert_eq!(parse_unix_seconds("1673384642"), Some(expected));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_millis_or_rfc3339("1e300"), None);
        assert_eq!(parse_unix_seconds("-1e300"), None);
    }
}
