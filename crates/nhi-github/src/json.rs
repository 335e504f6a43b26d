//! Reading `gh api` output: one or several JSON documents, pages and entries, with a
//! JSON path for every entry, plus the small typed accessors the mappers share.
//! Every accessor tolerates any JSON type: a wrong type is a warning, never a panic.

use std::collections::HashMap;

use jiff::Timestamp;
use nhi_model::{Identity, InventoryBatch, Provenance, SourceWarning};
use serde_json::{Map, Value};

use crate::{Error, ExportKind};

/// Every JSON document in the file, in order. `gh api --paginate` writes one document
/// per page with nothing between them, so a plain `from_slice` would stop at the
/// second page.
pub(crate) fn read_stream(file: &str, bytes: &[u8]) -> Result<Vec<Value>, Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(body) {
        return Err(Error::InvalidUtf8 {
            file: file.to_string(),
            // The offset is in the caller's bytes, BOM included.
            offset: e.valid_up_to() + (bytes.len() - body.len()),
        });
    }
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_slice(body).into_iter::<Value>() {
        match value {
            Ok(value) => values.push(value),
            Err(e) => {
                return Err(Error::Json {
                    file: file.to_string(),
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                });
            }
        }
    }
    if values.is_empty() {
        return Err(Error::UnexpectedShape {
            file: file.to_string(),
            position: "top level".to_string(),
            message: "empty file: no JSON document".to_string(),
        });
    }
    Ok(values)
}

/// One API response page and the path prefix that locates it in the file.
pub(crate) struct Page<'v> {
    /// `""` for a lone document, `page 2: ` for the second of several back-to-back
    /// documents, `[1]` for the second page of a `--slurp` array.
    pub base: String,
    pub value: &'v Value,
}

/// Splits the documents of a file into API response pages.
pub(crate) fn pages(values: &[Value]) -> Vec<Page<'_>> {
    let several = values.len() > 1;
    let mut out = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let base = if several {
            format!("page {}: ", index + 1)
        } else {
            String::new()
        };
        match value {
            Value::Array(items) if is_slurped(items) => {
                for (page_index, page) in items.iter().enumerate() {
                    out.push(Page {
                        base: join(&base, &format!("[{page_index}]")),
                        value: page,
                    });
                }
            }
            _ => out.push(Page { base, value }),
        }
    }
    out
}

/// `gh api --paginate --slurp` wraps the pages in one array: an array of arrays for
/// list endpoints, an array of wrapper objects for the others.
fn is_slurped(items: &[Value]) -> bool {
    match items.first() {
        Some(Value::Array(_)) => true,
        Some(Value::Object(map)) => {
            matches!(map.get("installations"), Some(Value::Array(_)))
                || matches!(map.get("secrets"), Some(Value::Array(_)))
        }
        _ => false,
    }
}

/// What one entry of a page describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Installation,
    PersonalAccessToken,
    DeployKey,
    ActionsSecret,
}

pub(crate) enum PageShape<'v> {
    /// An empty list: nothing to read, and nothing wrong.
    Empty,
    Unknown,
    /// The kind, and every entry with its path relative to the page.
    Known(ItemKind, Vec<(String, &'v Value)>),
}

pub(crate) fn classify_page(page: &Value) -> PageShape<'_> {
    match page {
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("installations") {
                return listed(ItemKind::Installation, "installations", items);
            }
            if let Some(Value::Array(items)) = map.get("secrets") {
                return listed(ItemKind::ActionsSecret, "secrets", items);
            }
            match classify_item(map) {
                Some(kind) => PageShape::Known(kind, vec![(String::new(), page)]),
                None => PageShape::Unknown,
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                return PageShape::Empty;
            }
            // The first recognisable entry decides; the others are mapped as that kind
            // and warn if they do not fit.
            let kind = items
                .iter()
                .filter_map(Value::as_object)
                .find_map(classify_item);
            match kind {
                Some(kind) => listed(kind, "", items),
                None => PageShape::Unknown,
            }
        }
        _ => PageShape::Unknown,
    }
}

fn listed<'v>(kind: ItemKind, key: &str, items: &'v [Value]) -> PageShape<'v> {
    if items.is_empty() {
        return PageShape::Empty;
    }
    let entries = items
        .iter()
        .enumerate()
        .map(|(index, item)| (format!("{key}[{index}]"), item))
        .collect();
    PageShape::Known(kind, entries)
}

/// Recognises a bare entry by the keys only its endpoint returns.
fn classify_item(map: &Map<String, Value>) -> Option<ItemKind> {
    let has = |key: &str| map.contains_key(key);
    if has("app_id") || has("app_slug") || has("access_tokens_url") {
        return Some(ItemKind::Installation);
    }
    if has("token_id") || has("token_name") || has("token_expired") || has("token_expires_at") {
        // A pending request (`/personal-access-token-requests`) has a `reason` and no
        // grant date: it is not a token with access, so it is not ours to load.
        if has("reason") && !has("access_granted_at") {
            return None;
        }
        return Some(ItemKind::PersonalAccessToken);
    }
    if has("key") && (has("read_only") || has("verified")) {
        return Some(ItemKind::DeployKey);
    }
    None
}

/// Appends a path segment: `installations[3]` after `[1]` is `[1].installations[3]`.
pub(crate) fn join(base: &str, tail: &str) -> String {
    if tail.is_empty() {
        return base.to_string();
    }
    if base.is_empty() || base.ends_with(' ') || tail.starts_with('[') {
        format!("{base}{tail}")
    } else {
        format!("{base}.{tail}")
    }
}

/// A lone top-level entry has the empty path; say so in words.
pub(crate) fn display_position(position: &str) -> String {
    let trimmed = position.trim_end_matches([':', ' ']);
    if trimmed.is_empty() {
        "top level".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Shared state while mapping one file.
pub(crate) struct Ctx<'f> {
    pub file: &'f str,
    pub batch: InventoryBatch,
    /// Person identity ID -> index in `batch.identities`, so an owner listed on many
    /// entries (or pages) is one node with every provenance.
    people: HashMap<String, usize>,
}

impl<'f> Ctx<'f> {
    pub fn new(file: &'f str) -> Self {
        Ctx {
            file,
            batch: InventoryBatch::default(),
            people: HashMap::new(),
        }
    }

    pub fn finish(self) -> InventoryBatch {
        self.batch
    }

    pub fn warn(&mut self, position: &str, message: String) {
        self.batch.warnings.push(SourceWarning {
            file: self.file.to_string(),
            position: display_position(position),
            message,
        });
    }

    pub fn provenance(&self, kind: ExportKind, position: &str) -> Provenance {
        Provenance::new(kind.command(), self.file, display_position(position))
    }

    /// Adds (or re-uses) the person node for a GitHub login and returns its ID.
    pub fn person(&mut self, login: &str, provenance: Provenance) -> String {
        let person = Identity::person(login, login, provenance);
        let id = person.id.clone();
        match self.people.get(&id) {
            Some(&index) => {
                if let Some(existing) = self.batch.identities.get_mut(index) {
                    existing.absorb(person);
                }
            }
            None => {
                self.people.insert(id.clone(), self.batch.identities.len());
                self.batch.identities.push(person);
            }
        }
        id
    }

    /// The person node added by [`Ctx::person`], to record more about them.
    pub fn person_mut(&mut self, person_id: &str) -> Option<&mut Identity> {
        let index = *self.people.get(person_id)?;
        self.batch.identities.get_mut(index)
    }

    /// A date field: RFC 3339 as GitHub writes it, or epoch seconds. Absent and `null`
    /// are `None` silently; anything else unreadable is a warning and `None`.
    pub fn timestamp(
        &mut self,
        item: &Map<String, Value>,
        field: &str,
        position: &str,
    ) -> Option<Timestamp> {
        let value = item.get(field)?;
        let parsed = match value {
            Value::Null => return None,
            Value::String(text) => text.trim().parse::<Timestamp>().ok(),
            Value::Number(n) => n.as_i64().and_then(|s| Timestamp::from_second(s).ok()),
            _ => None,
        };
        if parsed.is_none() {
            self.warn(
                &join(position, field),
                format!(
                    "unreadable date {}: expected RFC 3339 (2024-01-02T03:04:05Z) or epoch \
                     seconds; field ignored",
                    short(value)
                ),
            );
        }
        parsed
    }

    /// A field that should be an object, when present: wrong types warn.
    pub fn object<'v>(
        &mut self,
        item: &'v Map<String, Value>,
        field: &str,
        position: &str,
    ) -> Option<&'v Map<String, Value>> {
        match item.get(field)? {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                self.warn(
                    &join(position, field),
                    format!("expected an object, found {}; ignored", type_name(other)),
                );
                None
            }
        }
    }

    /// A field that should be a boolean, when present: wrong types warn.
    pub fn boolean(
        &mut self,
        item: &Map<String, Value>,
        field: &str,
        position: &str,
    ) -> Option<bool> {
        match item.get(field)? {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            other => {
                self.warn(
                    &join(position, field),
                    format!(
                        "expected true or false, found {}; ignored",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }
}

/// A non-empty string field.
pub(crate) fn string<'v>(item: &'v Map<String, Value>, field: &str) -> Option<&'v str> {
    item.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A numeric ID as GitHub writes it (a number), or as some tools re-write it (a string).
pub(crate) fn id(item: &Map<String, Value>, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// The path segments of an API URL, after the host (`https://api.github.com/repos/a/b`
/// gives `["repos", "a", "b"]`).
pub(crate) fn url_segments(url: &str) -> Vec<&str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split_once('/').map_or("", |(_, path)| path);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// The segment after `marker` in an API URL (`orgs` -> the organization login).
pub(crate) fn segment_after<'u>(url: &'u str, marker: &str) -> Option<&'u str> {
    let segments = url_segments(url);
    let at = segments.iter().position(|s| *s == marker)?;
    segments.get(at + 1).copied()
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

/// A short rendering of a (non-secret) value for a warning: strings up to 40
/// characters, other types by name.
pub(crate) fn short(value: &Value) -> String {
    match value {
        Value::String(text) => {
            let mut shown: String = text.chars().take(40).collect();
            if text.chars().nth(40).is_some() {
                shown.push('…');
            }
            format!("`{shown}`")
        }
        Value::Number(n) => format!("`{n}`"),
        other => type_name(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_like_json_paths() {
        assert_eq!(join("", "installations[3]"), "installations[3]");
        assert_eq!(join("[1]", "installations[3]"), "[1].installations[3]");
        assert_eq!(join("[1]", "[3]"), "[1][3]");
        assert_eq!(join("page 2: ", "[3]"), "page 2: [3]");
        assert_eq!(join("page 2: ", ""), "page 2: ");
        assert_eq!(join("page 2: ", "created_at"), "page 2: created_at");
        assert_eq!(display_position("page 2: "), "page 2");
        assert_eq!(join("[0][2]", "created_at"), "[0][2].created_at");
        assert_eq!(display_position(""), "top level");
    }

    #[test]
    fn url_segments_skip_scheme_host_and_query() {
        assert_eq!(
            url_segments("https://api.github.com/repos/octo/hello/keys/1?x=1"),
            ["repos", "octo", "hello", "keys", "1"]
        );
        assert_eq!(
            segment_after("https://ghe.example.com/api/v3/orgs/acme/actions", "orgs"),
            Some("acme")
        );
        assert_eq!(segment_after("no-url-at-all", "orgs"), None);
    }
}
