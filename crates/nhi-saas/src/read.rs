//! Shared plumbing: reading bytes as text and JSON with positioned errors, field access
//! that turns a bad field into a warning instead of losing the entry, timestamps in both
//! the shapes these APIs write, and a batch builder that folds repeated records.

use jiff::Timestamp;
use nhi_model::{
    BatchBuilder, Confidence, Grant, Identity, InventoryBatch, Link, LinkKind, PlatformCredential,
    Provenance,
};
use serde_json::{Map, Value};

use crate::Error;

/// Strips a UTF-8 BOM and checks the encoding, reporting the first bad byte.
pub(crate) fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| Error::InvalidUtf8 {
        file: file.to_string(),
        // The offset is in the caller's bytes, BOM included.
        offset: e.valid_up_to() + (bytes.len() - body.len()),
    })
}

pub(crate) fn read_json(file: &str, bytes: &[u8]) -> Result<Value, Error> {
    let text = text_of(file, bytes)?;
    serde_json::from_str(text).map_err(|e| Error::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        // serde_json's syntax messages name the problem and position, not the content.
        message: e.to_string(),
    })
}

pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most 40 characters of a value, for messages. These exports hold no secret
/// values (only redacted hints), but a message never needs more than a glimpse.
pub(crate) fn glimpse(text: &str) -> String {
    let mut shown: String = text.chars().take(40).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// RFC 3339 (Anthropic, Okta) or epoch seconds (OpenAI), as a string or a number.
pub(crate) fn timestamp_from_json(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => parse_timestamp(text),
        Value::Number(number) => {
            if let Some(seconds) = number.as_i64() {
                Timestamp::from_second(seconds).ok()
            } else {
                number.as_f64().and_then(timestamp_from_float)
            }
        }
        _ => None,
    }
}

pub(crate) fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(ts) = trimmed.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(seconds) = trimmed.parse::<i64>() {
        return Timestamp::from_second(seconds).ok();
    }
    trimmed.parse::<f64>().ok().and_then(timestamp_from_float)
}

fn timestamp_from_float(seconds: f64) -> Option<Timestamp> {
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

/// Everything one ingest call accumulates: where it reads from, the batch it builds,
/// and indexes so the same identity or key met twice becomes one record.
pub(crate) struct Ctx<'f> {
    pub(crate) file: &'f str,
    pub(crate) source: &'static str,
    out: BatchBuilder,
}

impl<'f> Ctx<'f> {
    pub(crate) fn new(file: &'f str, source: &'static str) -> Self {
        Ctx {
            file,
            source,
            out: BatchBuilder::new(file, source),
        }
    }

    pub(crate) fn provenance(&self, position: &str) -> Provenance {
        Provenance::new(self.source, self.file, position)
    }

    pub(crate) fn warn(&mut self, position: &str, message: impl Into<String>) {
        self.out.warn(position, message);
    }

    /// Adds an identity, or folds it into the one already there; returns its ID.
    pub(crate) fn identity(&mut self, identity: Identity) -> String {
        self.out.identity(identity)
    }

    pub(crate) fn credential(&mut self, credential: PlatformCredential) -> String {
        self.out.credential(credential)
    }

    pub(crate) fn link(
        &mut self,
        from: &str,
        to: &str,
        kind: LinkKind,
        evidence: String,
        at: &str,
    ) {
        let link = Link {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            confidence: Confidence::High,
            evidence,
            provenance: Some(self.provenance(at)),
        };
        if !self.out.batch().links.contains(&link) {
            self.out.link(link);
        }
    }

    /// Adds a grant unless the same one (provenance aside) is already there: a
    /// service account with two keys states its role twice.
    pub(crate) fn grant(&mut self, grant: Grant) {
        let same = |g: &Grant| {
            g.identity == grant.identity
                && g.kind == grant.kind
                && g.role == grant.role
                && g.scope == grant.scope
                && g.via == grant.via
                && g.condition == grant.condition
        };
        if !self.out.batch().grants.iter().any(same) {
            self.out.grant(grant);
        }
    }

    pub(crate) fn finish(self) -> InventoryBatch {
        self.out.finish()
    }
}

/// One JSON object read field by field: a field of the wrong type is a warning at its
/// JSON path and reads as absent, so one odd field never drops the whole entry.
pub(crate) struct Fields<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) path: String,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>, path: impl Into<String>) -> Self {
        Fields {
            map,
            path: path.into(),
        }
    }

    pub(crate) fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// A non-empty string, trimmed. Numbers are accepted as text (IDs sometimes are).
    pub(crate) fn text(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::Null => None,
            Value::String(s) => {
                let trimmed = s.trim();
                (!trimmed.is_empty()).then(|| trimmed.to_string())
            }
            Value::Number(n) => Some(n.to_string()),
            other => {
                let message = format!("expected a string, got {}", json_type_name(other));
                ctx.warn(&self.at(key), message);
                None
            }
        }
    }

    pub(crate) fn time(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Timestamp> {
        let value = self.map.get(key)?;
        if value.is_null() {
            return None;
        }
        let parsed = timestamp_from_json(value);
        if parsed.is_none() {
            let shown = match value {
                Value::String(s) => format!("{:?}", glimpse(s)),
                other => json_type_name(other).to_string(),
            };
            ctx.warn(
                &self.at(key),
                format!("unreadable timestamp {shown}; expected RFC 3339 or epoch seconds"),
            );
        }
        parsed
    }

    pub(crate) fn object(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Fields<'a>> {
        match self.map.get(key)? {
            Value::Null => None,
            Value::Object(inner) => Some(Fields::new(inner, self.at(key))),
            other => {
                let message = format!("expected an object, got {}", json_type_name(other));
                ctx.warn(&self.at(key), message);
                None
            }
        }
    }
}

/// A JSON object of a list together with its JSON path (`data[2]`).
pub(crate) type Located<'v> = (String, &'v Map<String, Value>);

/// The `data` list of an admin-API list response, each entry with its JSON path; a
/// non-object entry is a warning. `has_more: true` means the file is one page of
/// several, which the inventory must say, since keys on later pages are missing.
pub(crate) fn data_entries<'v>(
    ctx: &mut Ctx<'_>,
    root: &'v Map<String, Value>,
) -> Result<Vec<Located<'v>>, Error> {
    let items = match root.get("data") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Error::UnexpectedShape {
                file: ctx.file.to_string(),
                message: format!("`data` should be a list, got {}", json_type_name(other)),
            });
        }
        None => {
            return Err(Error::UnexpectedShape {
                file: ctx.file.to_string(),
                message: format!("no `data` list: this is not `{}` output", ctx.source),
            });
        }
    };
    if root.get("has_more").and_then(Value::as_bool) == Some(true) {
        ctx.warn(
            "has_more",
            "export is one page of a paginated list (has_more: true); keys on later pages are missing",
        );
    }
    Ok(objects(ctx, items, "data"))
}

/// The objects of a JSON list with their paths (`data[2]`, `[2]`); others are warnings.
pub(crate) fn objects<'v>(
    ctx: &mut Ctx<'_>,
    items: &'v [Value],
    list_path: &str,
) -> Vec<Located<'v>> {
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let path = format!("{list_path}[{index}]");
        match item {
            Value::Object(map) => out.push((path, map)),
            other => {
                let message = format!(
                    "entry skipped: expected an object, got {}",
                    json_type_name(other)
                );
                ctx.warn(&path, message);
            }
        }
    }
    out
}

pub(crate) fn expect_object(file: &str, value: Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(Error::UnexpectedShape {
            file: file.to_string(),
            message: format!(
                "expected a JSON object at the top level, got {}",
                json_type_name(&other)
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_shapes() {
        let rfc = parse_timestamp("2024-10-30T23:58:27.427722Z").unwrap();
        assert_eq!(rfc.as_second(), 1_730_332_707);
        let epoch = timestamp_from_json(&serde_json::json!(1_711_471_533));
        assert_eq!(epoch.map(|t| t.as_second()), Some(1_711_471_533));
        let okta = parse_timestamp("2013-07-02T21:36:25.344Z").unwrap();
        assert_eq!(okta.subsec_millisecond(), 344);
        assert!(parse_timestamp("yesterday").is_none());
        assert!(timestamp_from_json(&serde_json::json!(1e300)).is_none());
        assert!(timestamp_from_json(&serde_json::json!(i64::MAX)).is_none());
    }

    #[test]
    fn glimpse_is_short_and_char_safe() {
        let long = "é".repeat(100);
        let shown = glimpse(&long);
        assert_eq!(shown.chars().count(), 41);
        assert_eq!(glimpse("short"), "short");
    }
}
