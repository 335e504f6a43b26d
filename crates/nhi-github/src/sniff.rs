//! Content sniffing: which GitHub response a file holds, from the keys in its first
//! few kilobytes. Textual on purpose: it never parses the file, so it is cheap on big
//! exports and still recognises a truncated one (which [`crate::ingest`] then reports
//! with its position).

use crate::ExportKind;

/// How much of the file is looked at. An entry's nested `owner` / `account` object
/// (a full GitHub user, about 1.2 KB) comes before the keys that tell the endpoints
/// apart, so one kilobyte is not always enough.
const WINDOW: usize = 8 * 1024;

/// Guesses the export kind from content alone. `None` means "not one of ours".
pub fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = body.get(start..)?;
    if !matches!(body.first(), Some(b'{' | b'[')) {
        return None;
    }
    let raw = body.get(..body.len().min(WINDOW))?;
    // `nhi scan` asks this of every JSON file; every kind below needs one of these
    // quoted keys (or key prefix), so most files are turned away before decoding.
    if !MARKERS.iter().any(|marker| marker.find(raw).is_some()) {
        return None;
    }
    let window = String::from_utf8_lossy(raw);
    let text = window.as_ref();
    let has = |key: &str| key_position(text, key).is_some();

    // The wrapper keys first: an installation's `permissions` may itself hold a
    // `"secrets": "write"` entry, but never a `"secrets": [` list.
    if key_opens_array(text, "installations") {
        return Some(ExportKind::Installations);
    }
    if key_opens_array(text, "secrets") && has("total_count") {
        // Only organization secrets carry `visibility`.
        return Some(if has("visibility") {
            ExportKind::OrgActionsSecrets
        } else {
            ExportKind::RepoActionsSecrets
        });
    }
    if has("token_id") || has("token_name") || has("token_expired") || has("token_expires_at") {
        // `/personal-access-token-requests` shares these keys but lists pending
        // requests (with a `reason`), not tokens that have access.
        if has("reason") && !has("access_granted_at") {
            return None;
        }
        return Some(ExportKind::PersonalAccessTokens);
    }
    // `/user/keys` (a person's SSH keys) has the same fields as deploy keys; only the
    // `url` tells them apart.
    if has("key") && has("read_only") && has("verified") && text.contains("/repos/") {
        return Some(ExportKind::DeployKeys);
    }
    // Bare installation entries (`/app/installations`, or `--jq '.installations[]'`).
    if has("access_tokens_url") || (has("app_id") && has("target_type")) {
        return Some(ExportKind::Installations);
    }
    None
}

/// What [`sniff`] needs at least one of: `"installations"`, `"secrets"`, one of the four
/// `"token_…"` keys it asks about, `"read_only"` (deploy keys), `"access_tokens_url"` or
/// `"app_id"`. The token keys are listed whole: configs are full of `"token_url"` and
/// the like, and each such file used to be decoded and searched a dozen times.
static MARKERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| {
        [
            "\"installations\"",
            "\"secrets\"",
            "\"token_id\"",
            "\"token_name\"",
            "\"token_expired\"",
            "\"token_expires_at\"",
            "\"read_only\"",
            "\"access_tokens_url\"",
            "\"app_id\"",
        ]
        .into_iter()
        .map(|marker| memchr::memmem::Finder::new(marker.as_bytes()))
        .collect()
    });

/// Where `"key"` occurs as an object key (followed by `:`), if it does.
fn key_position(text: &str, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(&quoted)) {
        let after = from + found + quoted.len();
        let rest = text.get(after..).unwrap_or_default();
        if rest.trim_start().starts_with(':') {
            return Some(after);
        }
        from = after;
    }
    None
}

/// Whether `"key": [` occurs: the key holds a list.
fn key_opens_array(text: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(&quoted)) {
        let after = from + found + quoted.len();
        let rest = text.get(after..).unwrap_or_default().trim_start();
        if let Some(value) = rest.strip_prefix(':')
            && value.trim_start().starts_with('[')
        {
            return true;
        }
        from = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_keys_not_values() {
        assert!(key_position(r#"{"a": "token_id"}"#, "token_id").is_none());
        assert!(key_position(r#"{"token_id" : 1}"#, "token_id").is_some());
        assert!(key_opens_array(
            r#"{"secrets":
            [ ]}"#,
            "secrets"
        ));
        assert!(!key_opens_array(r#"{"secrets": "write"}"#, "secrets"));
    }
}
