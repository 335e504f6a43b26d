//! Decoders for places where a secret is present but not as plain text: base64 `data:`
//! values of Kubernetes Secrets and JSON-escaped Jupyter notebook cells. Each decoded
//! value is scanned with the same rules, and its hits are placed back on the line of the
//! raw file that holds the encoded form.

use base64::Engine;
use memchr::memmem;
use nhi_model::{SkipReason, SourceKind};

use crate::Collector;
use crate::Hit;
use crate::content::{Origin, looks_binary, push_hit};

/// 1-based (line, column) of the first occurrence of `needle` in `haystack`.
pub(crate) fn locate(haystack: &[u8], needle: &[u8]) -> Option<(u32, u32)> {
    if needle.is_empty() {
        return None;
    }
    let at = memmem::find(haystack, needle)?;
    Some(position_of(haystack, at))
}

// ---------------------------------------------------------------- notebooks

/// Scans every cell source and text output of a Jupyter notebook after JSON unescaping,
/// which the raw scan cannot see through (`\"`, `\n` inside PEM keys).
pub(crate) fn notebook(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    raw: &[u8],
    hits: &mut Vec<Hit>,
) {
    let doc: serde_json::Value = match serde_json::from_slice(raw) {
        Ok(doc) => doc,
        Err(e) => {
            if origin.history.is_none() {
                collector.warn(
                    SkipReason::Malformed,
                    origin.rel_path,
                    Some(format!("line {}, column {}", e.line(), e.column())),
                    format!("notebook is not valid JSON ({e}); scanned as plain text only"),
                );
            }
            return;
        }
    };
    let Some(cells) = doc.get("cells").and_then(|c| c.as_array()) else {
        return;
    };
    for cell in cells {
        let mut texts = Vec::new();
        if let Some(source) = cell.get("source") {
            texts.push(joined_text(source));
        }
        for output in cell
            .get("outputs")
            .and_then(|o| o.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(text) = output.get("text") {
                texts.push(joined_text(text));
            }
            if let Some(plain) = output.get("data").and_then(|d| d.get("text/plain")) {
                texts.push(joined_text(plain));
            }
        }
        for text in texts.iter().filter(|t| !t.is_empty()) {
            scan_decoded(
                collector,
                origin,
                raw,
                text.as_bytes(),
                SourceKind::Notebook,
                hits,
            );
        }
    }
}

/// nbformat stores multi-line strings either as one string or as a list of lines.
fn joined_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(parts) => parts.iter().filter_map(|p| p.as_str()).collect(),
        _ => String::new(),
    }
}

/// Scans decoded text and maps each hit back to the raw file by searching for the
/// JSON-escaped form of the start of the match.
fn scan_decoded(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    raw: &[u8],
    decoded: &[u8],
    source: SourceKind,
    hits: &mut Vec<Hit>,
) {
    for detection in collector.rules.detect(decoded) {
        let matched = decoded
            .get(detection.start..detection.end)
            .unwrap_or_default();
        let located = locate_escaped(raw, matched);
        push_hit(collector, origin, source, &detection, located, hits);
    }
}

/// Finds where a decoded match sits in the raw JSON text. The match's text is cut into
/// runs that JSON writes unescaped; the first run that occurs exactly once in the file
/// pins the match down, so two keys with the same PEM header land on their own lines.
/// When that run is not the first, the start is walked back by the decoded line breaks
/// between them (nbformat writes each source line as its own string on its own line).
fn locate_escaped(raw: &[u8], matched: &[u8]) -> Option<(u32, u32)> {
    let runs: Vec<(usize, &[u8])> = plain_runs(matched);
    let (first_offset, first) = *runs.first()?;
    if first_offset != 0 || first.len() < 6 {
        return None;
    }
    let needle = &first[..first.len().min(48)];
    if occurs_once(raw, needle) {
        return locate(raw, needle);
    }
    let Some(&(offset, anchor)) = runs
        .iter()
        .find(|(_, run)| run.len() >= 12 && occurs_once(raw, &run[..run.len().min(48)]))
    else {
        return locate(raw, needle);
    };
    let (anchor_line, _) = locate(raw, &anchor[..anchor.len().min(48)])?;
    let breaks = memchr::memchr_iter(b'\n', &matched[..offset]).count() as u32;
    for line in [anchor_line.saturating_sub(breaks), anchor_line] {
        if let Some((start, end)) = line_bounds(raw, line)
            && let Some(column) = memmem::find(&raw[start..end], needle)
        {
            return Some((line, column as u32 + 1));
        }
    }
    Some((anchor_line, 1))
}

/// The runs of `text` that JSON writes as is, with their offsets: split at quotes,
/// backslashes and control characters.
fn plain_runs(text: &[u8]) -> Vec<(usize, &[u8])> {
    let mut runs = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            if i > start {
                runs.push((start, &text[start..i]));
            }
            start = i + 1;
        }
    }
    if text.len() > start {
        runs.push((start, &text[start..]));
    }
    runs
}

fn occurs_once(haystack: &[u8], needle: &[u8]) -> bool {
    memmem::find_iter(haystack, needle).take(2).count() == 1
}

/// Byte range of 1-based `line` in `raw`, without its line break.
fn line_bounds(raw: &[u8], line: u32) -> Option<(usize, usize)> {
    if line == 0 {
        return None;
    }
    let start = if line == 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', raw).nth(line as usize - 2)? + 1
    };
    let end = memchr::memchr(b'\n', &raw[start..]).map_or(raw.len(), |i| start + i);
    Some((start, end))
}

// ---------------------------------------------------------------- kubernetes

/// Cheap pre-check so only plausible manifests are parsed as YAML: some `Secret` must be
/// the value of a `kind` key (`kind: Secret`, `"kind": "Secret"`), and `data` must occur.
pub(crate) fn may_hold_kubernetes_secret(data: &[u8]) -> bool {
    memmem::find(data, b"data").is_some()
        && memmem::find_iter(data, b"Secret").any(|at| is_kind_value(&data[..at]))
}

/// Whether `before` ends with `kind:` (YAML) or `"kind":` (JSON), allowing spaces and
/// an opening quote before the value.
fn is_kind_value(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    let trimmed = trimmed
        .strip_suffix(b"\"")
        .or_else(|| trimmed.strip_suffix(b"'"))
        .unwrap_or(trimmed)
        .trim_ascii_end();
    let Some(key) = trimmed.strip_suffix(b":") else {
        return false;
    };
    let key = key.trim_ascii_end();
    let key = key.strip_suffix(b"\"").unwrap_or(key);
    key.ends_with(b"kind")
}

/// One decoded `data:` entry of a Secret.
struct DecodedEntry {
    key: String,
    value: zeroize::Zeroizing<Vec<u8>>,
    /// Where the entry sits in the raw file, for placing hits.
    located: Option<(u32, u32)>,
}

/// Decodes the base64 `data:` values of every `kind: Secret` document (YAML manifests,
/// multi-document files, and `kubectl get secrets -o json|yaml` lists) and scans each
/// Secret's entries together as `KEY: value` lines, so rules that need the variable name
/// as context still fire and an AWS key ID pairs with its secret key. Returns the raw
/// byte ranges of the encoded values, whose plain-text matches are only the base64 of
/// what was decoded here and must not be reported again.
pub(crate) fn kubernetes_secrets(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    raw: &[u8],
    hits: &mut Vec<Hit>,
) -> Vec<std::ops::Range<usize>> {
    let mut encoded_ranges = Vec::new();
    // A Helm or other template is not YAML until rendered; the plain-text pass covers it.
    if memmem::find(raw, b"{{").is_some() {
        return encoded_ranges;
    }
    for document in serde_norway::Deserializer::from_slice(raw) {
        let value: serde_norway::Value = match serde::Deserialize::deserialize(document) {
            Ok(value) => value,
            Err(e) => {
                // History copies of a malformed file repeat the working tree's warning.
                if origin.history.is_none() {
                    let position = e
                        .location()
                        .map(|l| format!("line {}, column {}", l.line(), l.column()));
                    collector.warn(
                        SkipReason::Malformed,
                        origin.rel_path,
                        position,
                        // The parser's message can quote the document; say only where.
                        "YAML document cannot be parsed; scanned as plain text only".to_string(),
                    );
                }
                // A YAML parse error poisons the rest of the stream.
                return encoded_ranges;
            }
        };
        visit_secret_documents(&value, &mut |data| {
            let entries = decode_secret_data(collector, origin, raw, data, &mut encoded_ranges);
            scan_entries(collector, origin, &entries, hits);
        });
    }
    encoded_ranges
}

fn visit_secret_documents(
    value: &serde_norway::Value,
    visit: &mut dyn FnMut(&serde_norway::Mapping),
) {
    let kind = value.get("kind").and_then(|k| k.as_str());
    match kind {
        Some("Secret") => {
            if let Some(data) = value.get("data").and_then(|d| d.as_mapping()) {
                visit(data);
            }
        }
        Some(k) if k == "List" || k.ends_with("List") => {
            for item in value
                .get("items")
                .and_then(|i| i.as_sequence())
                .into_iter()
                .flatten()
            {
                visit_secret_documents(item, visit);
            }
        }
        _ => {}
    }
}

fn decode_secret_data(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    raw: &[u8],
    data: &serde_norway::Mapping,
    encoded_ranges: &mut Vec<std::ops::Range<usize>>,
) -> Vec<DecodedEntry> {
    let mut entries = Vec::new();
    for (key, value) in data {
        let (Some(key), Some(encoded)) = (key.as_str(), value.as_str()) else {
            continue;
        };
        let compact: String = encoded.split_whitespace().collect();
        let key_position = locate(raw, key.as_bytes());
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
        else {
            if origin.history.is_none() {
                collector.warn(
                    SkipReason::Malformed,
                    origin.rel_path,
                    key_position.map(|(l, c)| format!("line {l}, column {c}")),
                    format!("Secret data key `{key}` is not valid base64"),
                );
            }
            continue;
        };
        let decoded = zeroize::Zeroizing::new(decoded);
        let raw_at = memmem::find(raw, compact.as_bytes()).filter(|_| compact.len() >= 8);
        if let Some(at) = raw_at {
            encoded_ranges.push(at..at + compact.len());
        }
        if looks_binary(&decoded) {
            continue;
        }
        let located = raw_at.map(|at| position_of(raw, at)).or(key_position);
        entries.push(DecodedEntry {
            key: key.to_string(),
            value: decoded,
            located,
        });
    }
    entries
}

/// 1-based (line, column) of byte offset `at`.
fn position_of(raw: &[u8], at: usize) -> (u32, u32) {
    let before = &raw[..at.min(raw.len())];
    let line = memchr::memchr_iter(b'\n', before).count() as u32 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, (before.len() - line_start) as u32 + 1)
}

/// Scans one Secret's decoded entries as one text of `KEY: value` lines (a decoded value
/// may itself span lines: an .env file, a PEM key) and places every hit on the raw line
/// of the entry it fell in.
fn scan_entries(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    entries: &[DecodedEntry],
    hits: &mut Vec<Hit>,
) {
    if entries.is_empty() {
        return;
    }
    let mut text = zeroize::Zeroizing::new(Vec::new());
    // First text line of each entry.
    let mut first_lines = Vec::with_capacity(entries.len());
    let mut line = 1u32;
    for entry in entries {
        first_lines.push(line);
        text.extend_from_slice(entry.key.as_bytes());
        text.extend_from_slice(b": ");
        text.extend_from_slice(&entry.value);
        text.push(b'\n');
        line += 1 + memchr::memchr_iter(b'\n', &entry.value).count() as u32;
    }
    for detection in collector.rules.detect(&text) {
        let index = first_lines
            .partition_point(|&first| first <= detection.line)
            .saturating_sub(1);
        let located = entries.get(index).and_then(|e| e.located);
        push_hit(
            collector,
            origin,
            SourceKind::KubernetesSecret,
            &detection,
            located,
            hits,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kind_secret_documents_are_parsed() {
        assert!(may_hold_kubernetes_secret(
            b"apiVersion: v1\nkind: Secret\ndata:\n"
        ));
        assert!(may_hold_kubernetes_secret(
            b"{\"kind\": \"Secret\", \"data\": {}}"
        ));
        assert!(may_hold_kubernetes_secret(b"kind: 'Secret'\ndata: {}"));
        assert!(!may_hold_kubernetes_secret(
            b"secretName: SecretStore\ndata: x"
        ));
        assert!(!may_hold_kubernetes_secret(
            b"kind: Deployment\n# Secret data"
        ));
        assert!(!may_hold_kubernetes_secret(b"kind: Secret\n"));
    }

    #[test]
    fn locate_reports_one_based_line_and_column() {
        assert_eq!(locate(b"ab\ncd\nxyz", b"y"), Some((3, 2)));
        assert_eq!(locate(b"abc", b"zz"), None);
        assert_eq!(locate(b"abc", b""), None);
    }
}
