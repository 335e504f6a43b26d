//! Google credential JSON as gcloud writes it for Application Default Credentials:
//! `authorized_user` (client_id, client_secret, refresh_token), `service_account`
//! (private_key), `external_account` (workload identity federation: no stored secret),
//! `impersonated_service_account` (source_credentials) and
//! `external_account_authorized_user` (refresh_token, client_secret).

use nhi_model::ConsumerKind;
use serde_json::{Map, Value};

use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::{ConfigError, ConsumerEntry, file_name};

const TOOL: &str = "gcloud";

/// Fields that hold secrets, at any of the credential types.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "refresh_token",
    "private_key",
    "access_token",
];

pub(crate) fn parse(rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let root = doc::parse_json(text)?;
    let lines = Lines::new(text, Syntax::Json);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };
    // The content sniff matches `"type": "service_account"` anywhere in the head; only a
    // top-level credential type makes this a Google credential file (an OpenAI key list
    // has `"type": "service_account"` owners, for one).
    let Some(kind) = str_field(root, "type").filter(|t| {
        [
            "authorized_user",
            "external_account",
            "service_account",
            "impersonated_service_account",
            "external_account_authorized_user",
        ]
        .contains(t)
    }) else {
        return Ok(Vec::new());
    };
    let name = str_field(root, "client_email")
        .or_else(|| str_field(root, "account"))
        .filter(|n| !n.is_empty())
        .map_or_else(
            || file_name(rel_path).trim_end_matches(".json").to_string(),
            str::to_string,
        );
    let line = lines.key(1, "type");
    let mut b = Builder::new(ConsumerKind::CloudCliProfile, TOOL, name, line);
    b.attr("type", kind);
    for key in [
        "client_id",
        "client_email",
        "private_key_id",
        "project_id",
        "quota_project_id",
        "audience",
        "universe_domain",
    ] {
        if let Some(v) = str_field(root, key) {
            b.attr(key, v);
        }
    }
    if kind == "external_account" || kind == "external_account_authorized_user" {
        b.attr("federated", "true");
    }
    if let Some(url) = str_field(root, "service_account_impersonation_url") {
        // The impersonated account's email is in the URL path; the URL holds no secret.
        b.attr("impersonates", impersonated_account(url));
    }
    if let Some(source) = root.get("credential_source").and_then(Value::as_object) {
        let source_kind = if source.contains_key("executable") {
            "executable"
        } else if source.contains_key("environment_id") {
            "aws"
        } else if source.contains_key("url") {
            "url"
        } else if source.contains_key("file") {
            "file"
        } else {
            "other"
        };
        b.attr("credential_source", source_kind);
        if let Some(command) = source
            .get("executable")
            .and_then(|e| e.get("command"))
            .and_then(Value::as_str)
        {
            // One string in the file; split it so flag-aware redaction sees each argument.
            let words: Vec<String> = command.split_whitespace().map(String::from).collect();
            let line = lines.key(1, "command");
            let redacted = match words.split_first() {
                Some((program, args)) => b.command_line(program, args, line),
                None => String::new(),
            };
            b.endpoint(redacted);
        }
    }
    secrets_in(&mut b, root, "", 1, &lines);
    if let Some(source) = root.get("source_credentials").and_then(Value::as_object) {
        if let Some(t) = str_field(source, "type") {
            b.attr("source_type", t);
        }
        let source_line = lines.key(1, "source_credentials");
        secrets_in(&mut b, source, "source_credentials.", source_line, &lines);
    }
    if let Some(uri) = str_field(root, "token_uri").or_else(|| str_field(root, "token_url")) {
        let redacted = b.url(uri, lines.key(1, "token_uri"));
        if root.get("credential_source").is_none() {
            b.endpoint(redacted);
        }
    }
    Ok(vec![b.finish()])
}

fn secrets_in(
    b: &mut Builder,
    object: &Map<String, Value>,
    prefix: &str,
    from: u32,
    lines: &Lines<'_>,
) {
    for key in SECRET_FIELDS {
        if let Some(value) = object.get(*key).and_then(scalar) {
            b.secret_field(&format!("{prefix}{key}"), &value, lines.key(from, key));
        }
    }
}

/// `…/serviceAccounts/NAME@PROJECT.iam.gserviceaccount.com:generateAccessToken` → the email.
fn impersonated_account(url: &str) -> String {
    url.rsplit('/')
        .next()
        .and_then(|last| last.split(':').next())
        .unwrap_or(url)
        .to_string()
}
