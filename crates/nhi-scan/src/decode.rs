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
    let before = &haystack[..at];
    let line = memchr::memchr_iter(b'\n', before).count() as u32 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    Some((line, (at - line_start) as u32 + 1))
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
            collector.warn(
                SkipReason::Malformed,
                origin.rel_path,
                Some(format!("line {}, column {}", e.line(), e.column())),
                format!("notebook is not valid JSON ({e}); scanned as plain text only"),
            );
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

/// Finds where a decoded match sits in the raw JSON text: the longest prefix of the
/// match up to its first character that JSON would escape.
fn locate_escaped(raw: &[u8], matched: &[u8]) -> Option<(u32, u32)> {
    let plain_len = matched
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(matched.len());
    let needle = &matched[..plain_len.min(48)];
    if needle.len() >= 6 {
        locate(raw, needle)
    } else {
        None
    }
}

// ---------------------------------------------------------------- kubernetes

/// Cheap pre-check so only plausible manifests are parsed as YAML.
pub(crate) fn may_hold_kubernetes_secret(data: &[u8]) -> bool {
    memmem::find(data, b"Secret").is_some() && memmem::find(data, b"data").is_some()
}

/// Decodes the base64 `data:` values of every `kind: Secret` document (YAML manifests,
/// multi-document files, and `kubectl get secrets -o json|yaml` lists) and scans each as
/// `KEY: value`, so rules that need the variable name as context still fire.
pub(crate) fn kubernetes_secrets(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    raw: &[u8],
    hits: &mut Vec<Hit>,
) {
    for document in serde_norway::Deserializer::from_slice(raw) {
        let value = match serde::Deserialize::deserialize(document) {
            Ok(value) => value,
            Err(e) => {
                let position = e
                    .location()
                    .map(|l| format!("line {}, column {}", l.line(), l.column()));
                collector.warn(
                    SkipReason::Malformed,
                    origin.rel_path,
                    position,
                    format!("YAML document cannot be parsed ({e}); scanned as plain text only"),
                );
                // A YAML parse error poisons the rest of the stream.
                return;
            }
        };
        visit_secret_documents(&value, &mut |data| {
            decode_secret_data(collector, origin, raw, data, hits)
        });
    }
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
    hits: &mut Vec<Hit>,
) {
    for (key, value) in data {
        let (Some(key), Some(encoded)) = (key.as_str(), value.as_str()) else {
            continue;
        };
        let compact: String = encoded.split_whitespace().collect();
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
        else {
            let position =
                locate(raw, key.as_bytes()).map(|(l, c)| format!("line {l}, column {c}"));
            collector.warn(
                SkipReason::Malformed,
                origin.rel_path,
                position,
                format!("Secret data key `{key}` is not valid base64"),
            );
            continue;
        };
        let decoded = zeroize::Zeroizing::new(decoded);
        if looks_binary(&decoded) {
            continue;
        }
        let located = locate(
            raw,
            compact
                .as_bytes()
                .get(..compact.len().min(64))
                .unwrap_or_default(),
        )
        .or_else(|| locate(raw, key.as_bytes()));
        // Scan `KEY: value` so context and assignment rules see the variable name; a
        // decoded value may itself be a whole file (an .env, a credentials file).
        let mut text = zeroize::Zeroizing::new(Vec::with_capacity(key.len() + decoded.len() + 2));
        text.extend_from_slice(key.as_bytes());
        text.extend_from_slice(b": ");
        text.extend_from_slice(&decoded);
        for detection in collector.rules.detect(&text) {
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
}
