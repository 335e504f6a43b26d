//! Offline reader for Kubernetes identity exports: the JSON `kubectl get ... -o json`
//! prints for service accounts, secrets, workloads and RBAC, mapped straight into the
//! nhi inventory model. No cluster access: the user runs kubectl, we read the file.
//!
//! [`sniff`] recognises the export from its first few KB; [`ingest`] reads it. Items
//! are borrowed as raw JSON slices and typed one at a time, so a large cluster dump
//! never becomes one big `serde_json::Value` tree, and a bad item is a positioned
//! warning (`items[7]: ...`) while the rest loads.
//!
//! Secret values are never read: a Secret contributes its type, its key names and its
//! metadata. Error and warning messages drop any quoted input text, because a
//! malformed Secret's text may be the secret.

mod mapping;
mod objects;
mod rbac;

use nhi_model::InventoryBatch;
use serde::Deserialize;
use serde_json::value::RawValue;

pub use rbac::{PolicyRule, RuleSummary, summarize_rules};

/// Which export a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A `List` (what `kubectl get A,B,C -A -o json` prints, mixed kinds), a typed list
    /// such as `ServiceAccountList` (the raw API response), or a bare JSON array of
    /// objects.
    ResourceList,
    /// One object: `kubectl get serviceaccount NAME -n NS -o json`.
    SingleObject,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[ExportKind::ResourceList, ExportKind::SingleObject];

    /// The command that produces it.
    pub fn command(self) -> &'static str {
        match self {
            ExportKind::ResourceList => {
                "kubectl get serviceaccounts,secrets,roles,clusterroles,rolebindings,clusterrolebindings,pods,deployments -A -o json"
            }
            ExportKind::SingleObject => "kubectl get KIND NAME -n NAMESPACE -o json",
        }
    }
}

impl std::fmt::Display for ExportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.command())
    }
}

/// Input that cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("{file}: not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { file: String, offset: usize },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    UnexpectedShape { file: String, message: String },
}

/// How far [`sniff`] looks.
const SNIFF_WINDOW: usize = 4096;

/// Kinds whose presence in the first KB says "Kubernetes export".
const SNIFF_KINDS: &[&str] = &[
    "List",
    "ServiceAccount",
    "Secret",
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
];

/// The first non-whitespace part of a file, BOM removed.
fn body_start(bytes: &[u8]) -> &[u8] {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start..).unwrap_or_default()
}

/// The string values of `"key": "value"` pairs in `text` (a prefix of JSON, so
/// possibly cut anywhere).
fn string_values<'t>(text: &'t str, key: &str) -> Vec<&'t str> {
    let needle = format!("\"{key}\"");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        rest = rest.get(at + needle.len()..).unwrap_or_default();
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let Some(value) = after.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = value.find('"') {
            out.push(value.get(..end).unwrap_or_default());
        }
    }
    out
}

/// A Kubernetes `apiVersion`: `v1`, or `GROUP/VERSION` with a dotted group (or one of
/// the historic undotted groups `apps`, `batch`, `extensions`, `policy`, `autoscaling`).
fn is_api_version(value: &str) -> bool {
    let is_version = |v: &str| {
        v.strip_prefix('v').is_some_and(|rest| {
            rest.chars().next().is_some_and(|c| c.is_ascii_digit())
                && rest.chars().all(|c| c.is_ascii_alphanumeric())
        })
    };
    match value.split_once('/') {
        None => is_version(value),
        Some((group, version)) => {
            let known_undotted = ["apps", "batch", "extensions", "policy", "autoscaling"];
            (group.contains('.') || known_undotted.contains(&group)) && is_version(version)
        }
    }
}

/// Cheap content sniff over the first 4 KB: a Kubernetes `apiVersion` together with
/// either an `items` key or a known `kind`. Never parses the whole file. A
/// kubeconfig (`kind: Config`, no `items`) is not ours.
pub fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    let body = body_start(bytes);
    if !matches!(body.first(), Some(b'{') | Some(b'[')) {
        return None;
    }
    let window = body.get(..SNIFF_WINDOW.min(body.len())).unwrap_or_default();
    // Everything below needs an `apiVersion` key; most JSON files a scan meets have none,
    // and checking the bytes spares them the decoding.
    memchr::memmem::find(window, b"\"apiVersion\"")?;
    let text = String::from_utf8_lossy(window);
    let api_versions = string_values(&text, "apiVersion");
    if !api_versions.iter().any(|v| is_api_version(v)) {
        return None;
    }
    let kinds = string_values(&text, "kind");
    let first_kind = kinds.first().copied().unwrap_or_default();
    let known_kind = kinds.iter().any(|k| SNIFF_KINDS.contains(k));
    if body.first() == Some(&b'[') || text.contains("\"items\"") || first_kind.ends_with("List") {
        // A list is ours by shape when its items carry Kubernetes apiVersions; the
        // kind check keeps other `apiVersion`+`items` tools out only when a kind is
        // visible and foreign.
        return (known_kind || kinds.is_empty() || first_kind.ends_with("List"))
            .then_some(ExportKind::ResourceList);
    }
    known_kind.then_some(ExportKind::SingleObject)
}

/// Drops quoted text from a serde message (`invalid type: string "c2VjcmV0", ...`),
/// since the quoted input may be secret material.
pub(crate) fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("\"…\"");
        let mut escaped = false;
        for inner in chars.by_ref() {
            match inner {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => break,
                _ => escaped = false,
            }
        }
    }
    out
}

fn json_error(file: &str, e: &serde_json::Error) -> Error {
    Error::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: redact_quoted(&e.to_string()),
    }
}

/// The top level of an export, with items left as raw slices of the input.
#[derive(Deserialize)]
struct Top<'a> {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ListMeta {
    cluster: Option<String>,
    cluster_name: Option<String>,
}

/// Parse `bytes` (the whole file; `file` is its display path for provenance and
/// warnings) and map it straight into the inventory model.
///
/// Err only when nothing can be read: invalid UTF-8, broken JSON (line/column), or a
/// top level that is neither a list nor an object with a `kind`. A bad item, date or
/// field is a warning and the rest still loads.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| Error::InvalidUtf8 {
        file: file.to_string(),
        offset: e.valid_up_to() + (bytes.len() - body.len()),
    })?;
    let shape = |message: &str| Error::UnexpectedShape {
        file: file.to_string(),
        message: message.to_string(),
    };

    if text.trim_start().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
        let raw: Vec<(String, &str)> = items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("[{i}]"), item.get()))
            .collect();
        return Ok(mapping::map(file, ExportKind::ResourceList, "", None, &raw));
    }
    if !text.trim_start().starts_with('{') {
        // Let serde_json say where the JSON breaks, or name the shape.
        let parsed: Result<serde::de::IgnoredAny, _> = serde_json::from_str(text);
        return Err(match parsed {
            Err(e) => json_error(file, &e),
            Ok(_) => shape("expected a Kubernetes List or object at the top level"),
        });
    }

    let top: Top = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
    let top_kind = top.kind.unwrap_or_default();
    let list_meta: ListMeta = top
        .metadata
        .and_then(|m| serde_json::from_str(m.get()).ok())
        .unwrap_or_default();
    let cluster = list_meta.cluster.or(list_meta.cluster_name);

    match top.items {
        Some(items) => {
            // A typed list (`ServiceAccountList`) may leave `kind` off its items.
            let item_kind = top_kind.strip_suffix("List").unwrap_or_default();
            let raw: Vec<(String, &str)> = items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("items[{i}]"), item.get()))
                .collect();
            Ok(mapping::map(
                file,
                ExportKind::ResourceList,
                item_kind,
                cluster.as_deref(),
                &raw,
            ))
        }
        None if top_kind.ends_with("List") => Ok(mapping::map(
            file,
            ExportKind::ResourceList,
            "",
            cluster.as_deref(),
            &[],
        )),
        None if !top_kind.is_empty() => Ok(mapping::map(
            file,
            ExportKind::SingleObject,
            "",
            None,
            &[("$".to_string(), text)],
        )),
        None => Err(shape(
            "neither `items` nor `kind` at the top level: not a kubectl JSON export",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_input_is_dropped_from_messages() {
        let m = r#"invalid type: string "c2VjcmV0\"x", expected a map at line 3"#;
        assert_eq!(
            redact_quoted(m),
            "invalid type: string \"…\", expected a map at line 3"
        );
        assert_eq!(
            redact_quoted("missing field `name`"),
            "missing field `name`"
        );
    }

    #[test]
    fn api_versions() {
        for ok in [
            "v1",
            "apps/v1",
            "rbac.authorization.k8s.io/v1",
            "batch/v1beta1",
        ] {
            assert!(is_api_version(ok), "{ok}");
        }
        for bad in ["", "1", "v", "2.0", "foo/v1", "apps/1"] {
            assert!(!is_api_version(bad), "{bad}");
        }
    }
}
