//! Scanning one buffer: a working-tree file or a history blob. Shared by both paths so
//! that a secret is detected, decoded and fingerprinted the same way wherever it lives.

use nhi_model::{Sighting, SkipReason, SourceKind};
use nhi_rules::Detection;

use crate::{Collector, Hit, decode};

/// Where a buffer came from.
pub(crate) struct Origin<'a> {
    pub root: &'a str,
    /// Path relative to the scan root, `/`-separated.
    pub rel_path: &'a str,
    pub history: Option<HistoryOrigin<'a>>,
}

pub(crate) struct HistoryOrigin<'a> {
    pub commit: &'a str,
    pub blob: &'a str,
    pub author: &'a str,
    pub date: &'a str,
}

/// How many leading bytes are checked for NUL to call a file binary, as git does.
const BINARY_SNIFF: usize = 8000;

pub(crate) fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(BINARY_SNIFF)]).is_some()
}

/// Scans `data` and records hits (and, for working-tree files, consumers).
pub(crate) fn scan_content(collector: &Collector<'_>, origin: &Origin<'_>, data: &[u8]) {
    if looks_binary(data) {
        collector.count_skip(SkipReason::Binary);
        return;
    }
    let base_source = if origin.history.is_some() {
        SourceKind::GitHistory
    } else {
        SourceKind::File
    };
    let mut hits = Vec::new();
    let lower = origin.rel_path.to_ascii_lowercase();
    if lower.ends_with(".ipynb") {
        decode::notebook(collector, origin, data, &mut hits);
    }
    let encoded_ranges =
        if (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
            && decode::may_hold_kubernetes_secret(data)
        {
            decode::kubernetes_secrets(collector, origin, data, &mut hits)
        } else {
            Vec::new()
        };
    // Platform exports list key IDs by design (list-access-keys, the credential
    // report): there they are inventory, not a leak. Secrets in an export (a kubectl
    // Secret's data) are still found.
    let export = collector.is_export(origin.rel_path, data);
    for detection in collector.rules.detect(data) {
        // A match inside a base64 value decoded above is that value's encoding, not a
        // second secret.
        let inside_encoded = encoded_ranges
            .iter()
            .any(|r| r.start <= detection.start && detection.end <= r.end);
        let identifier_only =
            export && detection.external_id.as_deref() == Some(detection.secret.as_str());
        if !inside_encoded && !identifier_only {
            push_hit(collector, origin, base_source, &detection, None, &mut hits);
        }
    }
    collector.add_hits(hits);

    if origin.history.is_none() {
        if export {
            collector.read_export(origin.root, origin.rel_path, data);
        }
        crate::consumers::parse_consumers(collector, origin, data);
    }
}

/// Turns one detection into a `Hit`: fingerprint and preview now, secret dropped when
/// `detection` goes out of scope in the caller. `located` overrides the position for
/// detections made in decoded text.
pub(crate) fn push_hit(
    collector: &Collector<'_>,
    origin: &Origin<'_>,
    source: SourceKind,
    detection: &Detection,
    located: Option<(u32, u32)>,
    hits: &mut Vec<Hit>,
) {
    if detection.inline_ignored {
        collector.count_skip(SkipReason::Suppressed);
        return;
    }
    let Some(rule) = collector.rules.rules().get(detection.rule_index) else {
        return;
    };
    let mut attributes = detection.attributes.clone();
    if rule.id == "azure-client-secret" {
        // Entra lists every client secret with a `hint`: its first three characters.
        // Microsoft shows it to anyone who can read the app registration, and it is
        // the only way to tell which of an app's secrets this is.
        let hint: String = detection.secret.chars().take(3).collect();
        if hint.chars().count() == 3 {
            attributes.insert("entra_hint".into(), hint);
        }
    }
    let (line, column) = located.unwrap_or((detection.line, detection.column));
    let history = origin.history.as_ref();
    hits.push(Hit {
        rule_index: detection.rule_index,
        fingerprint: collector
            .fingerprinter
            .fingerprint(detection.secret.as_bytes()),
        preview: detection.preview(collector.rules),
        external_id: detection.external_id.clone(),
        attributes,
        sighting: Sighting {
            source,
            path: origin.rel_path.to_string(),
            line,
            column,
            commit: history.map(|h| h.commit.to_string()),
            blob: history.map(|h| h.blob.to_string()),
            author: history.map(|h| h.author.to_string()),
            date: history.map(|h| h.date.to_string()),
            root: origin.root.to_string(),
        },
    });
}
