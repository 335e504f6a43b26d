//! AWS CLI shared files: `~/.aws/credentials` (`[name]` sections) and `~/.aws/config`
//! (`[default]`, `[profile name]`, plus `[sso-session name]` and `[services name]`
//! sections, which are settings rather than profiles). One entry per profile.

use nhi_model::ConsumerKind;

use crate::CarriedValue;
use crate::entry::Builder;
use crate::{ConfigError, ConsumerEntry, file_name};

const TOOL: &str = "aws_cli";

/// Keys whose values are secrets or credential identifiers.
const SECRET_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Non-secret settings worth keeping as attributes.
const ATTRIBUTE_KEYS: &[&str] = &[
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "role_session_name",
    "external_id",
    "mfa_serial",
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "region",
];

struct Section {
    name: String,
    line: u32,
    settings: Vec<(String, String, u32)>,
}

pub(crate) fn parse(rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let file = if file_name(rel_path) == "credentials" {
        "credentials"
    } else {
        "config"
    };
    let mut out = Vec::new();
    for section in sections(text)? {
        let Some(profile) = profile_name(&section.name, file) else {
            continue;
        };
        let mut b = Builder::new(ConsumerKind::CloudCliProfile, TOOL, profile, section.line);
        b.attr("file", file);
        let has = |key: &str| section.settings.iter().any(|(k, _, _)| k == key);
        let auth = if has("credential_process") {
            "credential_process"
        } else if has("aws_session_token") || has("aws_security_token") {
            "session"
        } else if has("aws_access_key_id") || has("aws_secret_access_key") {
            "static_keys"
        } else if has("web_identity_token_file") {
            "web_identity"
        } else if has("role_arn") {
            "assume_role"
        } else if has("sso_session") || has("sso_start_url") {
            "sso"
        } else {
            "none"
        };
        b.attr("auth", auth);
        for (key, value, line) in &section.settings {
            if SECRET_KEYS.contains(&key.as_str()) {
                b.secret_field(key, value, *line);
            } else if key == "credential_process" {
                // The process prints credentials at run time; its command line can still
                // embed a secret (`--client-secret abc…`), which the flag-aware
                // command-line redaction carries and removes. Split on white space:
                // botocore splits it shell-style, and quoting rarely matters for secrets.
                let words: Vec<String> = value.split_whitespace().map(String::from).collect();
                let redacted = match words.split_first() {
                    Some((command, args)) => b.command_line(command, args, *line),
                    None => String::new(),
                };
                b.push(
                    "key:credential_process",
                    *line,
                    CarriedValue::Reference(redacted.clone()),
                );
                b.endpoint(redacted);
            } else if ATTRIBUTE_KEYS.contains(&key.as_str()) {
                b.attr(key, value.clone());
            }
        }
        out.push(b.finish());
    }
    Ok(out)
}

/// The profile a section header names, or `None` for non-profile sections.
fn profile_name(header: &str, file: &str) -> Option<String> {
    let header = header.trim();
    if let Some(rest) = header
        .strip_prefix("profile ")
        .or_else(|| header.strip_prefix("profile\t"))
    {
        return Some(rest.trim().to_string());
    }
    let first = header.split_whitespace().next().unwrap_or("");
    if file == "config" && matches!(first, "sso-session" | "services" | "plugins" | "preview") {
        return None;
    }
    Some(header.to_string())
}

fn sections(text: &str) -> Result<Vec<Section>, ConfigError> {
    let mut out: Vec<Section> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        // Indented lines continue a nested setting (`s3 =` followed by sub-keys).
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err(ConfigError::Malformed {
                    line: line_no,
                    column: 1,
                    message: "section header without a closing bracket".to_string(),
                });
            };
            out.push(Section {
                name: rest[..end].to_string(),
                line: line_no,
                settings: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        // Settings before the first section belong to no profile and are ignored, as the
        // CLI does.
        if let Some(section) = out.last_mut() {
            // botocore's parser has no inline comments: ` # x` is part of the value.
            section.settings.push((
                key.trim().to_ascii_lowercase(),
                value.trim().to_string(),
                line_no,
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod credential_process_tests {
    use crate::{CarriedValue, ConfigFormat, parse};

    #[test]
    fn secrets_on_the_credential_process_command_line_are_carried_and_redacted() {
        let secret = "Zr7Kq2Lw9Xv4Nb8Tc3Hm6Jd1Fg5Ps0Ya";
        let text = format!(
            "[profile ci]\ncredential_process = /usr/local/bin/broker --role deploy --client-secret {secret}\n"
        );
        let entries = parse(ConfigFormat::AwsCli, ".aws/config", text.as_bytes()).unwrap();
        let entry = &entries[0];
        let endpoint = entry.endpoint.as_deref().unwrap_or_default();
        assert!(!endpoint.contains(secret), "{endpoint}");
        assert!(endpoint.contains("--client-secret"), "{endpoint}");
        assert!(
            entry
                .credentials
                .iter()
                .any(|c| matches!(&c.value, CarriedValue::Literal(v) if v.as_str() == secret)),
            "{:?}",
            entry.credentials
        );
        for c in &entry.credentials {
            if let CarriedValue::Reference(r) = &c.value {
                assert!(!r.contains(secret), "{r}");
            }
        }
    }
}
