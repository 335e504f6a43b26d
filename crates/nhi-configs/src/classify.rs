//! Deciding which names and values carry credentials, whether a value is a literal secret
//! or a run-time reference, and redacting literals out of command lines and URLs.

use zeroize::Zeroizing;

use crate::CarriedValue;

/// What a redacted literal is replaced with in endpoints.
pub(crate) const REDACTED: &str = "<redacted>";

/// Whole words that mark a name as secret-bearing (`DB_PASS`, `X-Api-Key`, `authToken`).
const SECRET_WORDS: &[&str] = &[
    "key",
    "keys",
    "token",
    "tokens",
    "secret",
    "secrets",
    "password",
    "passwd",
    "pass",
    "pwd",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "creds",
    "private",
    "apikey",
    "pat",
    "bearer",
    "cookie",
    "passphrase",
    // Redis spells its password settings as one word.
    "requirepass",
    "masterauth",
];

/// Fragments that mark a name even inside one run-together word (`PGPASSWORD`,
/// `APIKEY`, `githubtoken`).
const SECRET_FRAGMENTS: &[&str] = &[
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "privatekey",
    "accesskey",
    "authorization",
    "passphrase",
];

/// A last word that turns a secret-sounding name into configuration about the secret
/// (`TOKEN_URL`, `KEY_PATH`, `AUTH_TYPE`) rather than the secret itself.
const NON_SECRET_LAST_WORDS: &[&str] = &[
    "url",
    "uri",
    "urls",
    "endpoint",
    "host",
    "hostname",
    "port",
    "path",
    "file",
    "filename",
    "dir",
    "directory",
    "type",
    "mode",
    "method",
    "enabled",
    "enable",
    "disabled",
    "region",
    "length",
    "len",
    "timeout",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "id",
    "ids",
    "name",
    "names",
    "header",
    "format",
    "version",
    "provider",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "helper",
    "command",
    "cmd",
    "prefix",
    "max",
    "min",
    "size",
    "count",
    "location",
    "algorithm",
    "alg",
    "kind",
    "required",
    "optional",
    "usage",
    "env",
];

/// Splits `OPENAI_API_KEY`, `x-api-key` and `apiKey` alike into lowercase words.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// True if a variable, header, flag or field name suggests its value is a credential.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let words = name_words(name);
    let joined: String = words.concat();
    // The access key ID is an identifier, but it only ever travels beside its secret, and
    // static-key detection depends on seeing it.
    if joined.contains("accesskeyid") {
        return true;
    }
    if words.iter().any(|w| w == "public" || w == "publishable") {
        return false;
    }
    if let Some(last) = words.last()
        && NON_SECRET_LAST_WORDS.contains(&last.as_str())
    {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || SECRET_FRAGMENTS.iter().any(|f| joined.contains(f))
}

/// Header names that carry credentials even without a secret-sounding word.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "x-api-key" | "api-key"
    ) || is_secret_name(name)
}

/// Values that are settings rather than secrets even under a secret-sounding name
/// (`USE_AUTH=true`, `TOKEN_LIMIT=4096`).
fn is_trivial_value(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "nil" | "0" | "1"
    ) || (lower.len() <= 6 && lower.bytes().all(|b| b.is_ascii_digit()))
}

/// A value that names a file holding the secret rather than being one: the file is
/// read at run time, so it is a reference.
fn looks_like_path(value: &str) -> bool {
    let v = value.trim();
    let relative = ["~/", "./", "../"].iter().any(|p| v.starts_with(p));
    let segments_ok = |s: &str| {
        s.split('/').filter(|seg| !seg.is_empty()).all(|seg| {
            seg.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-~".contains(&b))
        })
    };
    if relative {
        return !v.contains(char::is_whitespace) && v.contains('/');
    }
    if let Some(rest) = v.strip_prefix('/') {
        let last_has_ext = rest.rsplit('/').next().is_some_and(|s| s.contains('.'));
        return rest.contains('/') && last_has_ext && segments_ok(rest);
    }
    false
}

/// Token prefixes with the shortest total length at which the match is taken to be a
/// real credential rather than a word that happens to start the same way.
const TOKEN_PREFIXES: &[(&str, usize)] = &[
    ("sk-ant-", 30),
    ("sk-proj-", 30),
    ("sk-svcacct-", 30),
    ("sk-admin-", 30),
    ("sk-", 24),
    ("sk_live_", 24),
    ("rk_live_", 24),
    ("ghp_", 36),
    ("gho_", 36),
    ("ghu_", 36),
    ("ghs_", 36),
    ("ghr_", 36),
    ("github_pat_", 40),
    ("glpat-", 26),
    ("xoxb-", 24),
    ("xoxp-", 24),
    ("xoxa-", 24),
    ("xoxr-", 24),
    ("xapp-", 24),
    ("AKIA", 20),
    ("ASIA", 20),
    ("AIza", 39),
    ("npm_", 36),
    ("pypi-AgEIcHlwaS5vcmc", 60),
    ("hf_", 30),
    ("gsk_", 40),
    ("r8_", 30),
    ("lsv2_", 40),
    ("pplx-", 40),
    ("xai-", 40),
    ("dop_v1_", 60),
    ("doo_v1_", 60),
    ("dor_v1_", 60),
    ("lin_api_", 40),
    ("ntn_", 40),
    ("hvs.", 50),
    ("hvb.", 50),
    ("SG.", 60),
    ("shpat_", 38),
    ("shpca_", 38),
    ("shppa_", 38),
    ("shpss_", 38),
];

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-.+/=".contains(&b)
}

/// Byte ranges of known-prefix tokens, JWTs and PEM private keys inside `text`.
pub(crate) fn find_tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || !bytes.get(i - 1).copied().is_some_and(is_token_byte);
        if !at_boundary {
            i += 1;
            continue;
        }
        if let Some(end) = match_token_at(text, i) {
            found.push((i, end));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

fn token_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && is_token_byte(bytes[end]) {
        end += 1;
    }
    // A full stop after a token ends the sentence, not the token.
    while end > start && bytes[end - 1] == b'.' {
        end -= 1;
    }
    end
}

fn match_token_at(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let bytes = text.as_bytes();
    if rest.starts_with("-----BEGIN") && rest.contains("PRIVATE KEY") {
        let end_marker = rest.find("-----END").and_then(|e| {
            let after = rest.get(e + 8..)?;
            after.find("-----").map(|f| e + 8 + f + 5)
        });
        return Some(start + end_marker.unwrap_or(rest.len()));
    }
    if rest.starts_with("eyJ") {
        let end = token_end(bytes, start);
        let candidate = text.get(start..end)?;
        let parts: Vec<&str> = candidate.split('.').collect();
        if parts.len() == 3 && parts.iter().all(|p| p.len() >= 4) && candidate.len() >= 30 {
            return Some(end);
        }
        return None;
    }
    for (prefix, min_len) in TOKEN_PREFIXES {
        if !rest.starts_with(prefix) {
            continue;
        }
        let end = token_end(bytes, start);
        if end - start < *min_len {
            return None;
        }
        if matches!(*prefix, "AKIA" | "ASIA") {
            // Access key IDs are exactly 20 characters from a base32 alphabet.
            let body = text.get(start + 4..start + 20)?;
            if !body
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
            {
                return None;
            }
            return Some(start + 20);
        }
        return Some(end);
    }
    None
}

/// The first known-prefix token in `text`, if any.
pub(crate) fn first_token(text: &str) -> Option<&str> {
    find_tokens(text).first().and_then(|&(s, e)| text.get(s..e))
}

/// Byte ranges of run-time reference expressions in `text`: `${{ … }}`, `{{ … }}`,
/// `${…}`, `$(…)` and `$NAME`.
fn reference_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let span = if rest.starts_with("${{") {
            rest.find("}}").map(|e| e + 2)
        } else if rest.starts_with("{{") {
            rest.find("}}").map(|e| e + 2)
        } else if rest.starts_with("${") {
            rest.find('}').map(|e| e + 1)
        } else if rest.starts_with("$(") {
            rest.find(')').map(|e| e + 1)
        } else if rest.starts_with('$')
            && rest
                .as_bytes()
                .get(1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            let len = 1 + rest[1..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            // A bare `$NAME` is a reference only when NAME is written like an environment
            // variable (upper case, digits, `_`); `$uperS3cret` is a password that starts
            // with a dollar sign.
            let name = &rest.as_bytes()[1..len];
            name.iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                .then_some(len)
        } else {
            None
        };
        match span {
            Some(len) => {
                spans.push((i, i + len));
                i += len;
            }
            None => {
                i += rest.chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    spans
}

/// Prefixes of secret-manager URIs that are resolved at run time.
const MANAGER_PREFIXES: &[&str] = &[
    "op://",
    "vault://",
    "arn:aws:secretsmanager:",
    "arn:aws:ssm:",
    "gcp-secret://",
    "sm://",
    "keychain:",
];

/// True if `value` is (or is built only from) run-time references, so the config holds
/// no secret of its own.
pub(crate) fn is_reference(value: &str) -> bool {
    let v = value.trim();
    if MANAGER_PREFIXES.iter().any(|p| v.starts_with(p)) {
        return true;
    }
    let spans = reference_spans(v);
    if spans.is_empty() {
        return false;
    }
    let mut remainder = String::new();
    let mut last = 0;
    for (s, e) in &spans {
        remainder.push_str(v.get(last..*s).unwrap_or(""));
        remainder.push(' ');
        last = *e;
    }
    remainder.push_str(v.get(last..).unwrap_or(""));
    if !find_tokens(&remainder).is_empty() {
        return false;
    }
    // Glue such as `Bearer `, `token=` or a path around the reference is fine; a long
    // run of other characters might be a secret concatenated to a variable.
    let longest_run = remainder
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::len)
        .max()
        .unwrap_or(0);
    longest_run <= 12
}

/// For `${NAME:-fallback}`, the fallback written into the config, which is a literal
/// used whenever the variable is unset.
fn reference_default(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("${")?.strip_suffix('}')?;
    if inner.contains(['{', '}']) {
        return None;
    }
    let (name, default) = inner.split_once(":-")?;
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (name_ok && !default.trim().is_empty() && !is_reference(default)).then_some(default)
}

/// Literal, reference or empty, for a value already known to sit in a credential slot.
pub(crate) fn classify_value(raw: &str) -> CarriedValue {
    let v = raw.trim();
    if v.is_empty() {
        return CarriedValue::Empty;
    }
    if let Some(default) = reference_default(v) {
        return CarriedValue::Literal(Zeroizing::new(default.to_string()));
    }
    if is_reference(v) {
        return CarriedValue::Reference(v.to_string());
    }
    CarriedValue::Literal(Zeroizing::new(v.to_string()))
}

/// Auth schemes that precede the credential in an `Authorization` header.
const AUTH_SCHEMES: &[&str] = &["bearer", "basic", "token", "bot", "digest", "apikey", "key"];

/// Splits `Bearer abc` into the scheme and the credential, if the value has a scheme.
fn split_scheme(value: &str) -> Option<(&str, &str)> {
    let v = value.trim();
    let (scheme, rest) = v.split_once(char::is_whitespace)?;
    AUTH_SCHEMES
        .contains(&scheme.to_ascii_lowercase().as_str())
        .then(|| (scheme, rest.trim()))
}

/// Classifies a header value; for `Authorization: Bearer <x>` the literal is `<x>`.
pub(crate) fn classify_header(value: &str) -> CarriedValue {
    if let Some((_, credential)) = split_scheme(value) {
        return match classify_value(credential) {
            CarriedValue::Reference(_) => CarriedValue::Reference(value.trim().to_string()),
            other => other,
        };
    }
    classify_value(value)
}

/// What kind of slot a name/value pair is, for deciding whether it carries a credential.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// An environment variable or config field.
    Variable,
    /// An HTTP header.
    Header,
}

/// The credential carried by `name = value`, if either the name is secret-bearing or the
/// value looks like a credential whatever its name. A known-prefix token or a URL password
/// inside the value is taken as the literal, so it matches what the detection rules
/// fingerprint.
pub(crate) fn credential_in(slot: Slot, name: &str, value: &str) -> Option<CarriedValue> {
    let secret_name = match slot {
        Slot::Variable => is_secret_name(name),
        Slot::Header => is_secret_header(name),
    };
    let v = value.trim();
    if v.is_empty() {
        return secret_name.then_some(CarriedValue::Empty);
    }
    let classified = match slot {
        Slot::Header => classify_header(v),
        Slot::Variable => classify_value(v),
    };
    if let CarriedValue::Reference(_) = classified {
        return secret_name.then_some(classified);
    }
    if let Some(token) = first_token(v) {
        return Some(CarriedValue::Literal(Zeroizing::new(token.to_string())));
    }
    if let Some(password) = url_password(v) {
        return Some(password);
    }
    if !secret_name || is_trivial_value(v) {
        return None;
    }
    if slot == Slot::Variable && looks_like_path(v) {
        return Some(CarriedValue::Reference(v.to_string()));
    }
    Some(classified)
}

/// The password of a `scheme://user:password@host` URL inside `text`, unless it is a
/// reference.
pub(crate) fn url_password(text: &str) -> Option<CarriedValue> {
    let (_, found) = redact_text(text);
    found.into_iter().find_map(|f| match f.what {
        Found::UrlPassword => Some(CarriedValue::Literal(f.value)),
        _ => None,
    })
}

/// What a redaction removed.
pub(crate) enum Found {
    UrlPassword,
    UrlParam(String),
    Token,
}

pub(crate) struct Redaction {
    pub(crate) what: Found,
    pub(crate) value: Zeroizing<String>,
}

/// Query parameters that carry credentials in URLs (`?api_key=`, `&sig=`).
fn is_secret_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "sig" | "signature" | "code" | "key" | "apikey" | "access_token" | "auth" | "pass"
    ) || is_secret_name(name)
}

/// Replaces URL passwords, secret query parameters and known-prefix tokens in `text` with
/// `<redacted>`, returning what was removed. References (`${TOKEN}`) are left in place.
pub(crate) fn redact_text(text: &str) -> (String, Vec<Redaction>) {
    let mut found = Vec::new();
    let mut out = redact_urls(text, &mut found);
    let tokens = find_tokens(&out);
    if !tokens.is_empty() {
        let mut rebuilt = String::with_capacity(out.len());
        let mut last = 0;
        for (s, e) in tokens {
            rebuilt.push_str(out.get(last..s).unwrap_or(""));
            found.push(Redaction {
                what: Found::Token,
                value: Zeroizing::new(out.get(s..e).unwrap_or("").to_string()),
            });
            rebuilt.push_str(REDACTED);
            last = e;
        }
        rebuilt.push_str(out.get(last..).unwrap_or(""));
        out = rebuilt;
    }
    (out, found)
}

fn is_url_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

fn redact_urls(text: &str, found: &mut Vec<Redaction>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (before, after_scheme) = rest.split_at(pos + 3);
        out.push_str(before);
        let url_len = after_scheme.find(is_url_end).unwrap_or(after_scheme.len());
        let (url, tail) = after_scheme.split_at(url_len);
        out.push_str(&redact_one_url(url, found));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Redacts one URL after its `scheme://`.
fn redact_one_url(url: &str, found: &mut Vec<Redaction>) -> String {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, path_and_query) = url.split_at(authority_end);
    let mut out = String::with_capacity(url.len());
    match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            // A long user part is a token, not a name (`https://<token>@github.com`,
            // `https://<token>:x-oauth-basic@...`): redact it as well.
            let token_like = |part: &str| part.len() >= 16 && !is_reference(part);
            let mut push_part = |part: &str, out: &mut String| {
                if token_like(part) {
                    found.push(Redaction {
                        what: Found::UrlPassword,
                        value: Zeroizing::new(part.to_string()),
                    });
                    out.push_str(REDACTED);
                } else {
                    out.push_str(part);
                }
            };
            match userinfo.split_once(':') {
                Some((user, password)) if !password.is_empty() && !is_reference(password) => {
                    push_part(user, &mut out);
                    found.push(Redaction {
                        what: Found::UrlPassword,
                        value: Zeroizing::new(password.to_string()),
                    });
                    out.push(':');
                    out.push_str(REDACTED);
                }
                Some((user, rest)) => {
                    push_part(user, &mut out);
                    out.push(':');
                    out.push_str(rest);
                }
                None => push_part(userinfo, &mut out),
            }
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (query, None),
        };
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((k, v)) if !v.is_empty() && is_secret_param(k) && !is_reference(v) => {
                    found.push(Redaction {
                        what: Found::UrlParam(k.to_string()),
                        value: Zeroizing::new(v.to_string()),
                    });
                    format!("{k}={REDACTED}")
                }
                _ => param.to_string(),
            })
            .collect();
        out.push_str(&params.join("&"));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
    }
    out
}

/// Final safety net for endpoints: every literal the entry carries is cut out of the
/// endpoint, whatever path it took to get there.
pub(crate) fn scrub(endpoint: &str, literals: &[&str]) -> String {
    let mut out = endpoint.to_string();
    for literal in literals {
        if literal.len() >= 4 && out.contains(literal) {
            out = out.replace(literal, REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "OPENAI_API_KEY",
            "X-Api-Key",
            "Authorization",
            "apiKey",
            "DB_PASS",
            "PGPASSWORD",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "client_secret",
            "private_key",
            "refresh-token",
        ] {
            assert!(is_secret_name(name), "{name} should be secret-bearing");
        }
        for name in [
            "TOKEN_URL",
            "AUTH_TYPE",
            "SSH_KEY_PATH",
            "PUBLIC_KEY",
            "KEYCLOAK_REALM",
            "LOG_LEVEL",
            "client_id",
            "MONKEY",
            "private_key_id",
        ] {
            assert!(!is_secret_name(name), "{name} should not be secret-bearing");
        }
    }

    #[test]
    fn references_and_literals() {
        for r in [
            "${OPENAI_API_KEY}",
            "${env:TOKEN}",
            "$TOKEN",
            "${input:github-token}",
            "${{ secrets.X }}",
            "${{ vars.X }}",
            "{{ secrets.ANTHROPIC_API_KEY }}",
            "op://vault/item/field",
            "Bearer ${API_TOKEN}",
        ] {
            assert!(is_reference(r), "{r} should be a reference");
        }
        assert!(!is_reference(
            "sk-abc${X}ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ));
        assert!(matches!(classify_value("  "), CarriedValue::Empty));
        assert!(matches!(
            classify_value("hunter2"),
            CarriedValue::Literal(_)
        ));
        match classify_value("${DB_PASS:-hunter2}") {
            CarriedValue::Literal(v) => assert_eq!(v.as_str(), "hunter2"),
            _ => panic!("a fallback default is a literal"),
        }
        match classify_header("Bearer abc.def-123") {
            CarriedValue::Literal(v) => assert_eq!(v.as_str(), "abc.def-123"),
            _ => panic!("bearer token is a literal"),
        }
    }

    #[test]
    fn tokens_found_by_prefix() {
        let text = "run --key ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123 now AKIAIOSFODNN7EXAMPLE.";
        let found: Vec<&str> = find_tokens(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(
            found,
            [
                "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123",
                "AKIAIOSFODNN7EXAMPLE"
            ]
        );
        assert!(find_tokens("task-runner sk-short").is_empty());
    }

    #[test]
    fn urls_are_redacted() {
        let (out, found) =
            redact_text("postgres://app:s3cretPw@db:5432/x?sslmode=require&api_key=abc123");
        assert_eq!(
            out,
            "postgres://app:<redacted>@db:5432/x?sslmode=require&api_key=<redacted>"
        );
        assert_eq!(found.len(), 2);
        let (out, found) = redact_text("https://u:${PASS}@h/");
        assert_eq!(out, "https://u:${PASS}@h/");
        assert!(found.is_empty());
    }

    #[test]
    fn a_dollar_password_is_not_a_reference() {
        assert!(!is_reference("$uperS3cret!2024"));
        assert!(is_reference("$OPENAI_API_KEY"));
        assert!(is_reference("Bearer $GITHUB_TOKEN"));
    }

    #[test]
    fn token_user_parts_are_redacted() {
        let token = "0123456789abcdef0123456789abcdef01234567";
        let (out, found) = redact_text(&format!("https://{token}@github.com/acme/app.git"));
        assert_eq!(out, "https://<redacted>@github.com/acme/app.git");
        assert_eq!(found.len(), 1);
        let (out, _) = redact_text(&format!("https://{token}:x-oauth-basic@github.com/"));
        assert!(!out.contains(token), "{out}");
        let (out, found) = redact_text("ssh://git@github.com/acme/app.git");
        assert_eq!(out, "ssh://git@github.com/acme/app.git");
        assert!(found.is_empty());
    }
}
