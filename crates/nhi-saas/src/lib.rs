//! Offline parsers for AI-provider admin API exports (OpenAI, Anthropic) and people
//! exports (Okta users, a plain CSV), mapped straight into the nhi inventory model.
//!
//! No network access: the user saves the API responses, we read the files. [`sniff`]
//! tells what a file is from its first few KB; [`ingest`] maps it into an
//! [`InventoryBatch`]. Only unreadable input (invalid UTF-8, broken JSON, the wrong
//! top-level shape) is an [`Error`]; a bad entry, field or date is a
//! [`nhi_model::SourceWarning`] with its JSON path or CSV line, and the rest loads.
//!
//! These exports show keys by metadata and a redacted hint only. OpenAI's *create*
//! responses also carry the full key in `value`; that field is never read.

mod anthropic;
mod okta;
mod openai;
mod people_csv;
mod read;

use std::fmt;

use nhi_model::InventoryBatch;

use read::{Ctx, expect_object, read_json, text_of};

/// Which export a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// OpenAI project API keys (`organization.project.api_key`).
    OpenaiProjectApiKeys,
    /// OpenAI project service accounts (`organization.project.service_account`).
    OpenaiProjectServiceAccounts,
    /// OpenAI organization admin API keys (`organization.admin_api_key`).
    OpenaiAdminApiKeys,
    /// Anthropic Admin API keys (`type: "api_key"`, `partial_key_hint`).
    AnthropicApiKeys,
    /// Anthropic organization users (`type: "user"`, `email`, `role`, `added_at`).
    AnthropicUsers,
    /// Okta users (a JSON array of users with `profile` and `status`).
    OktaUsers,
    /// A CSV of people with `email` and `status` columns.
    PeopleCsv,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[
        ExportKind::OpenaiProjectApiKeys,
        ExportKind::OpenaiProjectServiceAccounts,
        ExportKind::OpenaiAdminApiKeys,
        ExportKind::AnthropicApiKeys,
        ExportKind::AnthropicUsers,
        ExportKind::OktaUsers,
        ExportKind::PeopleCsv,
    ];

    /// The API call that produces it.
    pub fn command(self) -> &'static str {
        match self {
            ExportKind::OpenaiProjectApiKeys => {
                "GET https://api.openai.com/v1/organization/projects/{project_id}/api_keys"
            }
            ExportKind::OpenaiProjectServiceAccounts => {
                "GET https://api.openai.com/v1/organization/projects/{project_id}/service_accounts"
            }
            ExportKind::OpenaiAdminApiKeys => {
                "GET https://api.openai.com/v1/organization/admin_api_keys"
            }
            ExportKind::AnthropicApiKeys => {
                "GET https://api.anthropic.com/v1/organizations/api_keys"
            }
            ExportKind::AnthropicUsers => "GET https://api.anthropic.com/v1/organizations/users",
            ExportKind::OktaUsers => "GET https://{yourOktaDomain}/api/v1/users",
            ExportKind::PeopleCsv => "people CSV (email,status,name,manager,department,left_on)",
        }
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command())
    }
}

/// Input that cannot be read at all. Display names the file and the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    #[error("{file}: line {line}: invalid CSV: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    UnexpectedShape { file: String, message: String },
    #[error(
        "{file}: not a recognised OpenAI, Anthropic, Okta or people-CSV export (checked the first {SNIFF_WINDOW} bytes)"
    )]
    NotRecognised { file: String },
}

/// How much of a file [`sniff`] looks at: enough for the first list entry of any of
/// these exports, little enough to run on every file a scan meets.
const SNIFF_WINDOW: usize = 4096;

/// The first non-whitespace part of a file, BOM removed.
fn body_start(bytes: &[u8]) -> &[u8] {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start..).unwrap_or_default()
}

/// Cheap content sniff on the first [`SNIFF_WINDOW`] bytes: the `object` / `type`
/// values and key names of a JSON list response, or a CSV header. Never parses the
/// whole file, so a truncated export is still recognised and [`ingest`] can say where
/// it breaks. `None` = not one of ours.
pub fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    let body = body_start(bytes);
    let window = body.get(..SNIFF_WINDOW).unwrap_or(body);
    match window.first()? {
        b'{' | b'[' => sniff_json(window),
        _ => sniff_csv(window),
    }
}

fn sniff_json(window: &[u8]) -> Option<ExportKind> {
    // Every object kind below needs a `data` key and the array kind `login` and
    // `profile`; keys are compared as written, so a window without those quoted bytes
    // is none of ours. Most JSON files a scan meets are not exports: this spares them
    // the key scan and its allocations.
    let needed: &[&[u8]] = match window.first() {
        Some(b'{') => &[b"\"data\""],
        _ => &[b"\"login\"", b"\"profile\""],
    };
    if !needed
        .iter()
        .all(|key| memchr::memmem::find(window, key).is_some())
    {
        return None;
    }
    let pairs = json_pairs(window);
    let has_key = |key: &str| pairs.iter().any(|(k, _)| k == key);
    let has_pair = |key: &str, value: &str| {
        pairs
            .iter()
            .any(|(k, v)| k == key && v.as_deref() == Some(value))
    };
    // Every admin-API export is a list response: an object with a `data` list. A
    // single-object "retrieve" response is not claimed, since it cannot be ingested.
    let is_object = window.first() == Some(&b'{') && has_key("data");
    let is_array = window.first() == Some(&b'[');

    if is_object && has_pair("object", "organization.project.api_key") {
        return Some(ExportKind::OpenaiProjectApiKeys);
    }
    if is_object && has_pair("object", "organization.admin_api_key") {
        return Some(ExportKind::OpenaiAdminApiKeys);
    }
    // Service accounts also appear inside project keys' owners; a key list has
    // `redacted_value` and is caught above, or here by that key.
    if is_object
        && has_pair("object", "organization.project.service_account")
        && !has_key("redacted_value")
    {
        return Some(ExportKind::OpenaiProjectServiceAccounts);
    }
    if is_object && (has_key("partial_key_hint") || has_pair("type", "api_key")) {
        return Some(ExportKind::AnthropicApiKeys);
    }
    // OpenAI objects carry `object`; Anthropic users do not.
    if is_object
        && has_pair("type", "user")
        && has_key("email")
        && has_key("role")
        && has_key("added_at")
        && !has_key("object")
    {
        return Some(ExportKind::AnthropicUsers);
    }
    if is_array && has_key("profile") && has_key("status") && has_key("id") && has_key("login") {
        return Some(ExportKind::OktaUsers);
    }
    None
}

fn sniff_csv(window: &[u8]) -> Option<ExportKind> {
    let first_line = window.split(|b| *b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(first_line);
    let names: Vec<String> = header.split(',').map(people_csv::header_name).collect();
    // The AWS credential report is nhi-aws's, whatever else its header holds.
    let aws_report =
        names
            .iter()
            .take(3)
            .map(String::as_str)
            .eq(["user", "arn", "user_creation_time"]);
    (!aws_report && people_csv::is_people_header(&names)).then_some(ExportKind::PeopleCsv)
}

/// The JSON object keys in `window`, each with its value when that value is a string.
/// A lexical scan, not a parse: nesting is ignored and a cut-off end is fine.
fn json_pairs(window: &[u8]) -> Vec<(String, Option<String>)> {
    fn read_string(bytes: &[u8], start: usize) -> Option<(String, usize)> {
        let mut at = start;
        loop {
            match bytes.get(at)? {
                b'\\' => at += 2,
                b'"' => {
                    let text = String::from_utf8_lossy(bytes.get(start..at)?).into_owned();
                    return Some((text, at + 1));
                }
                _ => at += 1,
            }
        }
    }
    fn skip_space(bytes: &[u8], mut at: usize) -> usize {
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        at
    }
    let mut pairs = Vec::new();
    let mut at = 0;
    while let Some(offset) = window
        .get(at..)
        .and_then(|rest| rest.iter().position(|b| *b == b'"'))
    {
        let Some((literal, after)) = read_string(window, at + offset + 1) else {
            break;
        };
        let colon = skip_space(window, after);
        if window.get(colon) != Some(&b':') {
            // An array element or a value we did not pair: not a key.
            at = after;
            continue;
        }
        let value_at = skip_space(window, colon + 1);
        if window.get(value_at) == Some(&b'"') {
            match read_string(window, value_at + 1) {
                Some((value, after_value)) => {
                    pairs.push((literal, Some(value)));
                    at = after_value;
                }
                None => {
                    pairs.push((literal, None));
                    break;
                }
            }
        } else {
            pairs.push((literal, None));
            at = value_at;
        }
    }
    pairs
}

/// Parses `bytes` (the whole file; `file` is its display path for provenance and
/// warnings) and maps it into the inventory model. Err only when nothing can be read.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let kind = sniff(bytes).ok_or_else(|| Error::NotRecognised {
        file: file.to_string(),
    })?;
    ingest_as(kind, file, bytes)
}

/// Like [`ingest`], for a caller that already knows (or was told) the export kind.
pub fn ingest_as(kind: ExportKind, file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let mut ctx = Ctx::new(file, kind.command());
    match kind {
        ExportKind::PeopleCsv => {
            let text = text_of(file, bytes)?;
            people_csv::people(&mut ctx, text)?;
        }
        ExportKind::OktaUsers => match read_json(file, bytes)? {
            serde_json::Value::Array(items) => okta::users(&mut ctx, &items),
            other => {
                return Err(Error::UnexpectedShape {
                    file: file.to_string(),
                    message: format!(
                        "expected a JSON array of Okta users at the top level, got {}",
                        read::json_type_name(&other)
                    ),
                });
            }
        },
        admin_api => {
            let root = expect_object(file, read_json(file, bytes)?)?;
            match admin_api {
                ExportKind::OpenaiProjectApiKeys => openai::project_api_keys(&mut ctx, &root)?,
                ExportKind::OpenaiProjectServiceAccounts => {
                    openai::project_service_accounts(&mut ctx, &root)?
                }
                ExportKind::OpenaiAdminApiKeys => openai::admin_api_keys(&mut ctx, &root)?,
                ExportKind::AnthropicApiKeys => anthropic::api_keys(&mut ctx, &root)?,
                ExportKind::AnthropicUsers => anthropic::users(&mut ctx, &root)?,
                ExportKind::OktaUsers | ExportKind::PeopleCsv => {}
            }
        }
    }
    Ok(ctx.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pairs_reads_keys_and_string_values_even_when_cut_off() {
        let pairs =
            json_pairs(br#"{"object": "list", "data": [{"id" :"a\"b", "n": 3, "cut": "abc"#);
        assert_eq!(
            pairs,
            vec![
                ("object".to_string(), Some("list".to_string())),
                ("data".to_string(), None),
                ("id".to_string(), Some("a\\\"b".to_string())),
                ("n".to_string(), None),
                ("cut".to_string(), None),
            ]
        );
        assert!(json_pairs(br#"["a", "b"]"#).is_empty());
    }

    #[test]
    fn csv_sniff_leaves_the_aws_credential_report_alone() {
        assert_eq!(sniff(b"Email,Status,Name\n"), Some(ExportKind::PeopleCsv));
        assert_eq!(sniff(b"user,arn,user_creation_time,email,status\n"), None);
        assert_eq!(sniff(b"email,name\n"), None);
    }
}
