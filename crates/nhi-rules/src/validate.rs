//! Named validators a rule can list under `validate`. Each one looks at a regex match
//! and either rejects it or completes it (canonical secret, external id, attributes).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use base64::Engine;
use regex::bytes::{Regex, RegexBuilder};
use zeroize::Zeroizing;

use crate::noise::{is_noise, shannon_entropy};
use crate::text;

/// A check or enrichment step applied to a rule's match.
#[derive(Debug, Clone, PartialEq)]
pub enum Validator {
    /// `github-crc32` / `npm-crc32`: `prefix_` + 30 base62 + 6-char CRC32 in base62.
    TokenChecksum,
    /// `entropy:<bits>`: the secret's Shannon entropy is at least this many bits/char.
    Entropy(f64),
    /// `max-length:<bytes>`: the secret is at most this long. Lets a rule's regex leave a
    /// long repetition open (`{16,}`): a bounded one (`{16,200}`) costs the lazy DFA a
    /// state per count in every context, and building them was a tenth of a scan.
    MaxLength(usize),
    /// `mixed-case`: the secret has both upper- and lowercase ASCII letters.
    MixedCase,
    /// `jwt`: header and payload decode (base64url) to JSON objects; claims become
    /// attributes.
    Jwt,
    /// `aws-pair`: the match is an AWS key ID; a 40-char secret access key must sit
    /// within five lines. The secret becomes the detection, the key ID its external id.
    AwsPair,
    /// `gcp-service-account`: the match is a `private_key` field; the surrounding JSON
    /// must say `"type": "service_account"`. Reads `private_key_id` and `client_email`.
    GcpServiceAccount,
    /// `db-url`: `scheme://user:password@host`; the password must not be a placeholder.
    DbUrl,
    /// `url-credentials`: like `db-url` for http(s) basic-auth URLs.
    UrlCredentials,
    /// `key-block`: a PEM / OpenSSH / PuTTY block; normalises line breaks (also literal
    /// `\n` escapes) and requires a real body.
    KeyBlock,
    /// `generic-value`: rejects values that look like code, paths or identifiers rather
    /// than secrets.
    GenericValue,
    /// `twilio-sid`: records a Twilio account SID (`AC` + 32 hex) found within five lines.
    TwilioSid,
}

impl FromStr for Validator {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name {
            "github-crc32" | "npm-crc32" | "token-crc32" => Validator::TokenChecksum,
            "mixed-case" => Validator::MixedCase,
            "jwt" => Validator::Jwt,
            "aws-pair" => Validator::AwsPair,
            "gcp-service-account" => Validator::GcpServiceAccount,
            "db-url" => Validator::DbUrl,
            "url-credentials" => Validator::UrlCredentials,
            "key-block" => Validator::KeyBlock,
            "generic-value" => Validator::GenericValue,
            "twilio-sid" => Validator::TwilioSid,
            other if other.starts_with("max-length:") => {
                match other.trim_start_matches("max-length:").parse::<usize>() {
                    Ok(n) if n > 0 => Validator::MaxLength(n),
                    _ => {
                        return Err(format!(
                            "validator `{other}`: max-length must be a positive number of bytes"
                        ));
                    }
                }
            }
            other => match other.strip_prefix("entropy:") {
                Some(bits) => match bits.parse::<f64>() {
                    Ok(b) if b.is_finite() && (0.0..=8.0).contains(&b) => Validator::Entropy(b),
                    _ => return Err(format!("validator `{other}`: entropy must be 0..=8 bits")),
                },
                None => {
                    return Err(format!(
                        "unknown validator `{other}`; expected one of: github-crc32, npm-crc32, \
                         entropy:<bits>, max-length:<bytes>, mixed-case, jwt, aws-pair, \
                         gcp-service-account, db-url, url-credentials, key-block, generic-value, \
                         twilio-sid"
                    ));
                }
            },
        })
    }
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::TokenChecksum => f.write_str("github-crc32"),
            Validator::Entropy(bits) => write!(f, "entropy:{bits}"),
            Validator::MaxLength(bytes) => write!(f, "max-length:{bytes}"),
            Validator::MixedCase => f.write_str("mixed-case"),
            Validator::Jwt => f.write_str("jwt"),
            Validator::AwsPair => f.write_str("aws-pair"),
            Validator::GcpServiceAccount => f.write_str("gcp-service-account"),
            Validator::DbUrl => f.write_str("db-url"),
            Validator::UrlCredentials => f.write_str("url-credentials"),
            Validator::KeyBlock => f.write_str("key-block"),
            Validator::GenericValue => f.write_str("generic-value"),
            Validator::TwilioSid => f.write_str("twilio-sid"),
        }
    }
}

/// A match on its way to becoming a detection.
pub(crate) struct Candidate {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub secret: Zeroizing<String>,
    pub external_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// What a validator may look at besides the candidate.
pub(crate) struct MatchContext<'a> {
    pub data: &'a [u8],
    /// Start of the whole regex match (the secret may start later).
    pub match_start: usize,
    pub match_end: usize,
}

impl MatchContext<'_> {
    fn neighbourhood(&self, lines: u32, cap: usize) -> (usize, usize) {
        text::window(
            self.data,
            self.match_start,
            self.match_end,
            lines,
            lines,
            cap,
        )
    }
}

impl Validator {
    /// Validators that vet their own parts for placeholders; for these the engine does
    /// not run the generic noise filter over the whole secret.
    pub(crate) fn owns_noise_check(&self) -> bool {
        matches!(
            self,
            Validator::DbUrl
                | Validator::UrlCredentials
                | Validator::KeyBlock
                | Validator::GcpServiceAccount
                | Validator::Jwt
        )
    }

    /// True when this validator turns away every candidate whose secret is `value`,
    /// whatever surrounds it; false when it would accept it or needs more than the
    /// value to decide. What a keyword gate may use before any regex has run.
    pub(crate) fn rejects_value(&self, value: &str) -> bool {
        match self {
            Validator::TokenChecksum => !token_checksum_ok(value),
            Validator::Entropy(bits) => shannon_entropy(value) < *bits,
            Validator::MaxLength(bytes) => value.len() > *bytes,
            Validator::MixedCase => {
                !(value.bytes().any(|b| b.is_ascii_uppercase())
                    && value.bytes().any(|b| b.is_ascii_lowercase()))
            }
            Validator::GenericValue => !generic_value_shape(value),
            Validator::Jwt
            | Validator::AwsPair
            | Validator::GcpServiceAccount
            | Validator::DbUrl
            | Validator::UrlCredentials
            | Validator::KeyBlock
            | Validator::TwilioSid => false,
        }
    }

    /// Validators that may put another secret in the candidate's place (the paired AWS
    /// secret, the decoded private key): validators after them see that one instead.
    pub(crate) fn may_replace_secret(&self) -> bool {
        matches!(
            self,
            Validator::AwsPair | Validator::GcpServiceAccount | Validator::KeyBlock
        )
    }

    pub(crate) fn apply(&self, ctx: &MatchContext<'_>, cand: &mut Candidate) -> bool {
        match self {
            Validator::TokenChecksum => token_checksum_ok(&cand.secret),
            Validator::Entropy(bits) => shannon_entropy(&cand.secret) >= *bits,
            Validator::MaxLength(bytes) => cand.secret.len() <= *bytes,
            Validator::MixedCase => {
                cand.secret.bytes().any(|b| b.is_ascii_uppercase())
                    && cand.secret.bytes().any(|b| b.is_ascii_lowercase())
            }
            Validator::Jwt => jwt(cand),
            Validator::AwsPair => aws_pair(ctx, cand),
            Validator::GcpServiceAccount => gcp_service_account(ctx, cand),
            Validator::DbUrl => url_credentials(cand, false),
            Validator::UrlCredentials => url_credentials(cand, true),
            Validator::KeyBlock => key_block(cand),
            Validator::GenericValue => generic_value(ctx, cand),
            Validator::TwilioSid => {
                twilio_sid(ctx, cand);
                true
            }
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 (0-9A-Za-z) of `value`, left-padded with `0` to six characters.
pub(crate) fn base62_checksum(mut value: u32) -> String {
    let mut digits = [b'0'; 6];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62.get((value % 62) as usize).copied().unwrap_or(b'0');
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// GitHub / npm token checksum: the last six characters are CRC32 (IEEE) of the 30
/// random characters after the prefix, in base62.
fn token_checksum_ok(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() != 36 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, checksum) = body.split_at(30);
    base62_checksum(crc32fast::hash(random.as_bytes())) == checksum
}

fn decode_json_part(part: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(part).ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn claim_text(value: &serde_json::Value) -> Option<String> {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(","),
        _ => return None,
    };
    // Claims are attacker-controlled text; keep attributes short.
    Some(text.chars().take(200).collect())
}

fn jwt(cand: &mut Candidate) -> bool {
    let mut parts = cand.secret.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Some(header), Some(claims)) = (decode_json_part(header), decode_json_part(payload)) else {
        return false;
    };
    if let Some(alg) = header.get("alg").and_then(claim_text) {
        cand.attributes.insert("alg".into(), alg);
    }
    for claim in ["iss", "sub", "aud", "exp", "role"] {
        if let Some(value) = claims.get(claim).and_then(claim_text) {
            cand.attributes.insert(claim.into(), value);
        }
    }
    true
}

fn build(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).unicode(false).build().ok()
}

/// A 40-char run of the AWS secret alphabet, not part of a longer run.
static AWS_SECRET: LazyLock<Option<Regex>> =
    LazyLock::new(|| build(r"(?m)(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"));

fn line_number_at(data: &[u8], from: usize, pos: usize) -> usize {
    data.get(from..pos)
        .map_or(0, |s| memchr::memchr_iter(b'\n', s).count())
}

fn aws_pair(ctx: &MatchContext<'_>, cand: &mut Candidate) -> bool {
    let Some(re) = AWS_SECRET.as_ref() else {
        return false;
    };
    let key_id = cand.secret.to_string();
    let (lo, hi) = ctx.neighbourhood(5, 2048);
    let Some(hay) = ctx.data.get(lo..hi) else {
        return false;
    };
    let id_line = line_number_at(ctx.data, lo, ctx.match_start);
    let mut best: Option<(usize, usize, usize)> = None; // (distance, start, end)
    for caps in re.captures_iter(hay) {
        let Some(m) = caps.get(1) else { continue };
        let (start, end) = (lo + m.start(), lo + m.end());
        let Ok(value) = std::str::from_utf8(&ctx.data[start..end]) else {
            continue;
        };
        let line = line_number_at(ctx.data, lo, start);
        let labelled = {
            let (ls, _) = text::this_and_previous_line_start(ctx.data, start, 1024);
            let le = text::line_end_capped(ctx.data, start, 1024);
            let squashed: Vec<u8> = ctx.data[ls..le]
                .iter()
                .filter(|b| !matches!(b, b'_' | b'-' | b' '))
                .map(|b| b.to_ascii_lowercase())
                .collect();
            let has = |needle: &[u8]| memchr::memmem::find(&squashed, needle).is_some();
            has(b"secretaccesskey") || has(b"awssecret") || has(b"secretkey")
        };
        if !(labelled || line == id_line) {
            continue;
        }
        if value.bytes().all(|b| b.is_ascii_hexdigit())
            || !value.bytes().any(|b| b.is_ascii_uppercase())
            || !value.bytes().any(|b| b.is_ascii_lowercase())
            || shannon_entropy(value) < 3.0
            || is_noise(value)
        {
            continue;
        }
        let distance = line.abs_diff(id_line);
        if best.is_none_or(|(d, _, _)| distance < d) {
            best = Some((distance, start, end));
        }
    }
    let Some((_, start, end)) = best else {
        return false;
    };
    let Ok(secret) = std::str::from_utf8(&ctx.data[start..end]) else {
        return false;
    };
    cand.secret = Zeroizing::new(secret.to_string());
    cand.start = start;
    cand.end = end;
    cand.external_id = Some(key_id);
    true
}

/// Undoes JSON string escaping, once per level of nesting (a service-account file
/// embedded as a string inside another JSON document is escaped twice).
fn json_unescape_fully(raw: &str) -> String {
    let mut text = raw.to_string();
    for _ in 0..3 {
        if !text.contains('\\') {
            break;
        }
        text = json_unescape_once(&text);
    }
    text
}

fn json_unescape_once(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('/') => out.push('/'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

static GCP_TYPE: LazyLock<Option<Regex>> =
    LazyLock::new(|| build(r#"\\*"type\\*"\s*:\s*\\*"service_account\\*""#));
static GCP_KEY_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| build(r#"\\*"private_key_id\\*"\s*:\s*\\*"([0-9a-f]{40})\\*""#));
static GCP_EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    build(
        r#"\\*"client_email\\*"\s*:\s*\\*"([A-Za-z0-9._%+-]{1,100}@([a-z0-9-]{1,63})\.iam\.gserviceaccount\.com)\\*""#,
    )
});

/// The capture nearest to `pos` of `re`'s group 1 within `[lo, hi)`.
fn nearest_capture<'d>(
    re: &Regex,
    data: &'d [u8],
    lo: usize,
    hi: usize,
    pos: usize,
) -> Option<(&'d [u8], Option<&'d [u8]>)> {
    let hay = data.get(lo..hi)?;
    re.captures_iter(hay)
        .filter_map(|c| {
            let m = c.get(1)?;
            let second = c.get(2).map(|g| g.as_bytes());
            Some(((lo + m.start()).abs_diff(pos), m.as_bytes(), second))
        })
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, m, second)| (m, second))
}

fn gcp_service_account(ctx: &MatchContext<'_>, cand: &mut Candidate) -> bool {
    let (Some(type_re), Some(id_re), Some(email_re)) =
        (GCP_TYPE.as_ref(), GCP_KEY_ID.as_ref(), GCP_EMAIL.as_ref())
    else {
        return false;
    };
    let (lo, hi) = ctx.neighbourhood(30, 8192);
    let Some(hay) = ctx.data.get(lo..hi) else {
        return false;
    };
    if !type_re.is_match(hay) {
        return false;
    }
    let private_key = json_unescape_fully(&cand.secret);
    if !key_body_is_real(&private_key) {
        return false;
    }
    cand.secret = Zeroizing::new(private_key);
    if let Some((id, _)) = nearest_capture(id_re, ctx.data, lo, hi, ctx.match_start) {
        cand.external_id = Some(String::from_utf8_lossy(id).into_owned());
    }
    if let Some((email, project)) = nearest_capture(email_re, ctx.data, lo, hi, ctx.match_start) {
        cand.attributes.insert(
            "client_email".into(),
            String::from_utf8_lossy(email).into_owned(),
        );
        if let Some(project) = project {
            cand.attributes.insert(
                "project_id".into(),
                String::from_utf8_lossy(project).into_owned(),
            );
        }
    }
    true
}

/// True when a key block carries at least 64 base64 characters outside its BEGIN/END
/// and header lines: placeholders such as `-----BEGIN PRIVATE KEY-----\n...` fail.
fn key_body_is_real(block: &str) -> bool {
    let body: usize = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .map(|l| {
            l.bytes()
                .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count()
        })
        .sum();
    body >= 64
}

fn key_block(cand: &mut Candidate) -> bool {
    let unescaped = json_unescape_fully(&cand.secret);
    let canonical: Vec<&str> = unescaped
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let canonical = canonical.join("\n");
    if !key_body_is_real(&canonical) || canonical.contains("****") {
        return false;
    }
    // Base64 key material is uniformly random; a body dominated by one character is a
    // made-up stand-in.
    let body: String = canonical
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    if shannon_entropy(&body) < 4.0 {
        return false;
    }
    cand.secret = Zeroizing::new(canonical);
    true
}

/// Placeholder passwords that show up in documentation and sample configs.
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "xxx",
    "mypassword",
    "yourpassword",
    "pa55word",
    "p@ssw0rd",
    "p@ssword",
    "dbpass",
    "dbpassword",
];

/// Splits `scheme://user:password@host[:port][/path]` and vets the password.
fn url_credentials(cand: &mut Candidate, http: bool) -> bool {
    let url = cand.secret.as_str();
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    // The rules' patterns allow `?` and `#` in a password but never `@` or `/`, so the
    // userinfo ends at the first `@`, and only after it does `/`, `?` or `#` end the host.
    let Some(at) = rest.find('@') else {
        return false;
    };
    let authority_end = rest[at..]
        .find(['/', '?', '#'])
        .map_or(rest.len(), |end| at + end);
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host_port)) = authority.rsplit_once('@') else {
        return false;
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return false;
    };
    let lower_pw = password.to_ascii_lowercase();
    if password.is_empty()
        || PLACEHOLDER_PASSWORDS.contains(&lower_pw.as_str())
        || is_noise(password)
        || password.starts_with(['$', '%', '{', '<', '['])
    {
        return false;
    }
    if http && (user.is_empty() || user.starts_with('$') || user.contains("${")) {
        return false;
    }
    let lower_host = host_port.to_ascii_lowercase();
    if host_port.is_empty()
        || lower_host.contains("example")
        || lower_host.contains("${")
        || lower_host.starts_with('<')
    {
        return false;
    }
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (host_port, None),
    };
    let mut attrs = BTreeMap::new();
    attrs.insert("scheme".to_string(), scheme.to_ascii_lowercase());
    attrs.insert("host".to_string(), host.to_string());
    if let Some(port) = port {
        attrs.insert("port".to_string(), port.to_string());
    }
    // An http(s) user part is often the token itself (`https://<token>@github.com`), so
    // only database and queue users, which name a role, are kept.
    if !user.is_empty() && !http {
        attrs.insert("user".to_string(), user.to_string());
    }
    if !http {
        let database = path
            .trim_start_matches('/')
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        if !database.is_empty() {
            attrs.insert("database".to_string(), database.to_string());
        }
    }
    cand.attributes.extend(attrs);
    true
}

/// File extensions that mark a value as a path, not a secret.
const FILE_EXTENSIONS: &[&str] = &[
    "yml",
    "yaml",
    "json",
    "txt",
    "pem",
    "key",
    "crt",
    "cer",
    "env",
    "js",
    "ts",
    "py",
    "rb",
    "go",
    "rs",
    "java",
    "xml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "sh",
    "html",
    "md",
    "p12",
    "pfx",
    "jks",
    "der",
    "pub",
    "gpg",
    "asc",
    "log",
    "lock",
    "csv",
    "properties",
];

/// Value prefixes owned by a specific rule: when that rule rejected the value (bad
/// checksum, test key, wrong shape), the generic rule must not report it instead.
const STRUCTURED_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "npm_",
    "glpat-",
    "glrt-",
    "xox",
    "sk_",
    "rk_",
    "pk_",
    "whsec_",
    "sk-",
    "AKIA",
    "ASIA",
    "AIza",
    "eyJ",
    "hf_",
    "gsk_",
    "r8_",
    "lsv2_",
    "pplx-",
    "xai-",
    "dop_v1_",
    "doo_v1_",
    "dor_v1_",
    "lin_api_",
    "ntn_",
    "hvs.",
    "hvb.",
    "SG.",
    "shpat_",
    "shpca_",
    "shppa_",
    "shpss_",
    "pypi-",
    "key-",
];

/// Name endings that mark the value as an identifier or a pointer to a secret rather
/// than the secret (`private_key_id`, `token_url`, `secret_name`, `password_file`).
const NON_SECRET_NAME_ENDINGS: &[&str] = &[
    "id",
    "ids",
    "name",
    "url",
    "uri",
    "file",
    "path",
    "type",
    "length",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "at",
    "version",
    "count",
    "header",
    "field",
    "key_ref",
    "ref",
];

/// The variable name a generic match assigns to: the last identifier-like run before
/// the value, lowercased.
fn assigned_name(ctx: &MatchContext<'_>, value_start: usize) -> String {
    let before = ctx
        .data
        .get(ctx.match_start..value_start)
        .unwrap_or_default();
    let trimmed_end = before
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .map_or(0, |i| i + 1);
    let ident = before.get(..trimmed_end).unwrap_or_default();
    let start = ident
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        .map_or(0, |i| i + 1);
    let name = String::from_utf8_lossy(ident.get(start..).unwrap_or_default()).to_ascii_lowercase();
    if name != "value" {
        return name;
    }
    // `name: X` / `value: Y` pairs (Kubernetes env, ECS task definitions): the name is
    // the identifier after the last `name`.
    let text = String::from_utf8_lossy(before).to_ascii_lowercase();
    text.rfind("name")
        .and_then(|i| text.get(i + 4..))
        .map(|rest| {
            rest.trim_start_matches(['"', '\'', ':', ' ', '\t'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect()
        })
        .unwrap_or(name)
}

/// True when the value at `[start, end)` reads as a literal rather than code: either
/// it is quoted (and the quote closes right after it), or it ends its statement the way
/// config files do (end of line, comment, whitespace) and not the way source code does
/// (`;`, `)`, a following operator as in `name: Type = ...`).
fn assignment_is_literal(data: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| data.get(i)).copied();
    let after = data.get(end).copied();
    if let Some(quote @ (b'"' | b'\'' | b'`')) = before {
        return after == Some(quote);
    }
    if matches!(after, Some(b';' | b',' | b')' | b']' | b'}')) {
        return false;
    }
    let next = data
        .get(end..)
        .unwrap_or_default()
        .iter()
        .take(64)
        .find(|b| !matches!(b, b' ' | b'\t'))
        .copied();
    !matches!(
        next,
        Some(b'=' | b':' | b'?' | b'&' | b'|' | b'+' | b'<' | b'>' | b'(' | b'{' | b'.')
    )
}

fn generic_value(ctx: &MatchContext<'_>, cand: &Candidate) -> bool {
    let value = cand.secret.as_str();
    let name = assigned_name(ctx, cand.start);
    let name_without_author = name.replace("author", "");
    if !["secret", "token", "passw", "key", "auth"]
        .iter()
        .any(|k| name_without_author.contains(k))
    {
        return false;
    }
    // camelCase endings (`accessKeyId`) are folded by the lowercasing above.
    let last_word = name.rsplit(['_', '-', '.']).next().unwrap_or(name.as_str());
    if NON_SECRET_NAME_ENDINGS.contains(&last_word)
        || name.ends_with("keyid")
        || name.ends_with("tokenid")
        || name.ends_with("secretid")
        || name.ends_with("url")
        || name.ends_with("uri")
    {
        return false;
    }
    // An AWS session token only works with its key pair, which the aws rules report.
    if name.contains("aws") && name.contains("session") {
        return false;
    }
    if !assignment_is_literal(ctx.data, cand.start, cand.end) {
        return false;
    }
    // `NAME==value` in an env file is the value `=value`; `a == b` with spaces is code.
    if value.starts_with('=')
        && !cand
            .start
            .checked_sub(2)
            .and_then(|i| ctx.data.get(i))
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return false;
    }
    generic_value_shape(value)
}

/// The part of `generic-value` that looks at the value alone: false for values shaped
/// like URLs, paths, file names, identifiers or constants rather than secrets. Kept apart
/// so the assignment gate can turn such values away before any regex runs.
fn generic_value_shape(value: &str) -> bool {
    // The first byte decides for nearly every prefix, without a `memcmp` call each: the
    // gate asks this of every value assigned to a secret-like name.
    let first = value.as_bytes().first();
    if STRUCTURED_PREFIXES
        .iter()
        .any(|p| p.as_bytes().first() == first && value.starts_with(p))
    {
        return false;
    }
    // URLs, paths, and language paths or member chains (`proc_macro::TokenStream`,
    // `self->token`) are code or locations, not secrets.
    if value.contains("://")
        || value.contains("::")
        || value.contains("->")
        || value.starts_with(['/', '~', '@', '#', '$', '&', ':'])
        || value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with("--")
    {
        return false;
    }
    if let Some((_, ext)) = value.rsplit_once('.')
        && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    {
        return false;
    }
    let upper = value.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = value.bytes().filter(u8::is_ascii_lowercase).count();
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let symbols = value.len() - upper - lower - digits;
    let classes = [upper, lower, digits, symbols]
        .iter()
        .filter(|&&n| n > 0)
        .count();
    if classes < 3 && !(digits > 0 && upper + lower > 0) {
        return false;
    }
    // Dotted identifiers (`config.auth.secretKey`) and member chains are code.
    if value.contains('.')
        && value
            .split('.')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'))
    {
        return false;
    }
    // snake/kebab-case names (`prod-api-token-v2`): lowercase words with few digits.
    let separators = value.bytes().filter(|b| matches!(b, b'_' | b'-')).count();
    if upper == 0 && separators >= 2 && digits < 4 {
        return false;
    }
    // UPPER_SNAKE constants name a value; they are not one.
    if lower == 0 && value.bytes().filter(|&b| b == b'_').count() >= 2 {
        return false;
    }
    // CamelCase or snake_case identifiers without digits are code, not secrets.
    if digits == 0 && value.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
        return false;
    }
    true
}

static TWILIO_SID: LazyLock<Option<Regex>> =
    LazyLock::new(|| build(r"(?:^|[^A-Za-z0-9])(AC[0-9a-f]{32})(?:[^A-Za-z0-9]|$)"));

fn twilio_sid(ctx: &MatchContext<'_>, cand: &mut Candidate) {
    let Some(re) = TWILIO_SID.as_ref() else {
        return;
    };
    let (lo, hi) = ctx.neighbourhood(5, 2048);
    if let Some((sid, _)) = nearest_capture(re, ctx.data, lo, hi, ctx.match_start) {
        cand.external_id = Some(String::from_utf8_lossy(sid).into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_checksum_pads() {
        assert_eq!(base62_checksum(0), "000000");
        assert_eq!(base62_checksum(61), "00000z");
        assert_eq!(base62_checksum(62), "000010");
        assert_eq!(base62_checksum(u32::MAX), "4gfFC3");
    }

    #[test]
    fn checksum_round_trip() {
        let random = "R4nd0mL00k1ngV4lu3F0rT3st1ngAb";
        let token = format!(
            "ghp_{random}{}",
            base62_checksum(crc32fast::hash(random.as_bytes()))
        );
        assert!(token_checksum_ok(&token));
        let mut broken = token.clone();
        broken.pop();
        broken.push(if token.ends_with('a') { 'b' } else { 'a' });
        assert!(!token_checksum_ok(&broken));
    }

    #[test]
    fn unescape_levels() {
        assert_eq!(json_unescape_fully(r"a\nb"), "a\nb");
        assert_eq!(json_unescape_fully(r"a\\nb"), "a\nb");
        assert_eq!(json_unescape_fully("plain"), "plain");
    }

    proptest::proptest! {
        /// A gate may drop a hit on `rejects_value` alone, so it must never turn away a
        /// value that `apply` would accept, in any surroundings.
        #[test]
        fn rejects_value_never_contradicts_apply(
            value in "[A-Za-z0-9_./:=+-]{0,40}|[ -~]{0,220}",
            name in "(client_secret|token_url|api_key|x)",
            quote in "[\"']?",
        ) {
            for validator in ["entropy:3.5", "max-length:200", "mixed-case", "github-crc32", "generic-value"] {
                let Ok(validator) = validator.parse::<Validator>() else { continue };
                if !validator.rejects_value(&value) {
                    continue;
                }
                let data = format!("{name} = {quote}{value}{quote}\n");
                let start = name.len() + 3 + quote.len();
                let ctx = MatchContext { data: data.as_bytes(), match_start: 0, match_end: data.len() - 1 };
                let mut cand = Candidate {
                    rule: 0,
                    start,
                    end: start + value.len(),
                    secret: Zeroizing::new(value.clone()),
                    external_id: None,
                    attributes: BTreeMap::new(),
                };
                proptest::prop_assert!(!validator.apply(&ctx, &mut cand), "{validator} {value:?}");
            }
        }
    }

    #[test]
    fn validator_names_round_trip() {
        for name in [
            "github-crc32",
            "entropy:3.5",
            "max-length:200",
            "mixed-case",
            "jwt",
            "aws-pair",
            "gcp-service-account",
            "db-url",
            "url-credentials",
            "key-block",
            "generic-value",
            "twilio-sid",
        ] {
            let v: Validator = name.parse().unwrap_or(Validator::Jwt);
            assert_eq!(v.to_string(), name);
        }
        assert!("entropy:nine".parse::<Validator>().is_err());
        assert!("max-length:0".parse::<Validator>().is_err());
        assert!("max-length:-3".parse::<Validator>().is_err());
        assert!("nope".parse::<Validator>().is_err());
    }
}
