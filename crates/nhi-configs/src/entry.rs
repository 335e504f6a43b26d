//! Building entries: collecting credentials, analysing command lines, and producing
//! endpoints that hold no literal.

use std::collections::BTreeMap;

use crate::classify::{
    self, Found, REDACTED, Slot, classify_header, classify_value, credential_in, is_secret_header,
    is_secret_name, redact_text,
};
use crate::{CarriedCredential, CarriedValue, ConsumerEntry};
use nhi_model::ConsumerKind;

/// An entry under construction.
pub(crate) struct Builder {
    kind: ConsumerKind,
    tool: &'static str,
    name: String,
    line: u32,
    endpoint: Option<String>,
    credentials: Vec<CarriedCredential>,
    attributes: BTreeMap<String, String>,
}

impl Builder {
    pub(crate) fn new(
        kind: ConsumerKind,
        tool: &'static str,
        name: impl Into<String>,
        line: u32,
    ) -> Self {
        Builder {
            kind,
            tool,
            name: name.into(),
            line: line.max(1),
            endpoint: None,
            credentials: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    pub(crate) fn attr(&mut self, key: &str, value: impl Into<String>) {
        self.attributes.insert(key.to_string(), value.into());
    }

    pub(crate) fn endpoint(&mut self, endpoint: impl Into<String>) {
        self.endpoint = Some(endpoint.into());
    }

    pub(crate) fn push(&mut self, carrier: impl Into<String>, line: u32, value: CarriedValue) {
        self.credentials.push(CarriedCredential {
            carrier: carrier.into(),
            line: line.max(1),
            value,
        });
    }

    /// Records `name = value` as `env:NAME` if it carries a credential.
    pub(crate) fn env_var(&mut self, name: &str, value: &str, line: u32) {
        if let Some(v) = credential_in(Slot::Variable, name, value) {
            self.push(format!("env:{name}"), line, v);
        }
    }

    /// Records a header as `header:Name` if it carries a credential.
    pub(crate) fn header(&mut self, name: &str, value: &str, line: u32) {
        if let Some(v) = credential_in(Slot::Header, name, value) {
            self.push(format!("header:{name}"), line, v);
        }
    }

    /// Records a config field (`models[0].apiKey`) as `key:path` if it carries a credential.
    pub(crate) fn field(&mut self, path: &str, name: &str, value: &str, line: u32) {
        if let Some(v) = credential_in(Slot::Variable, name, value) {
            self.push(format!("key:{path}"), line, v);
        }
    }

    /// Records a field known to hold a secret whatever it contains (an AWS secret key, a
    /// kubeconfig token).
    pub(crate) fn secret_field(&mut self, path: &str, value: &str, line: u32) {
        self.push(format!("key:{path}"), line, classify_value(value));
    }

    /// Records credentials inside a URL and returns the URL with them redacted.
    pub(crate) fn url(&mut self, url: &str, line: u32) -> String {
        let (redacted, found) = redact_text(url);
        for f in found {
            let carrier = match f.what {
                Found::UrlPassword => "url:password".to_string(),
                Found::UrlParam(name) => format!("url:param:{name}"),
                Found::Token => "url:token".to_string(),
            };
            self.push(carrier, line, CarriedValue::Literal(f.value));
        }
        redacted
    }

    /// Records credentials passed on a command line and returns the redacted command line.
    pub(crate) fn command_line(&mut self, command: &str, args: &[String], line: u32) -> String {
        let mut parts = vec![redact_word(self, command, None, line)];
        // MySQL and MariaDB clients take the password glued to `-p` (`-pS3cret`); for any
        // other program `-p…` is a port or a path (`docker run -p8080:80`).
        let program = command.rsplit('/').next().unwrap_or(command);
        let glued_password = matches!(
            program,
            "mysql" | "mysqldump" | "mysqladmin" | "mysqlsh" | "mariadb" | "mariadb-dump"
        );
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            let next = args.get(i + 1);
            if glued_password
                && let Some(password) = arg.strip_prefix("-p")
                && !password.is_empty()
            {
                let shown = self.flag_value("-p", password, line, false);
                parts.push(format!("-p{shown}"));
                i += 1;
                continue;
            }
            // `--header "Authorization: Bearer x"` / `-H` (mcp-remote, curl).
            if matches!(arg.as_str(), "--header" | "-H")
                && let Some(h) = next
            {
                parts.push(arg.clone());
                parts.push(self.header_arg(h, line));
                i += 2;
                continue;
            }
            // `-e NAME=value` (docker run) and `--env NAME=value`.
            if matches!(arg.as_str(), "-e" | "--env")
                && let Some(kv) = next
                && let Some((name, value)) = kv.split_once('=')
            {
                parts.push(arg.clone());
                parts.push(self.assignment(name, value, kv, line));
                i += 2;
                continue;
            }
            if let Some(flag) = arg.strip_prefix('-') {
                let flag_name = flag.trim_start_matches('-');
                if let Some((name, value)) = arg.split_once('=') {
                    let bare = name.trim_start_matches('-');
                    if matches!(bare, "header" | "H") {
                        parts.push(format!("{name}={}", self.header_arg(value, line)));
                    } else if is_secret_name(bare) {
                        parts.push(self.flag_value(name, value, line, true));
                    } else {
                        parts.push(redact_word(self, arg, Some(i), line));
                    }
                    i += 1;
                    continue;
                }
                if is_secret_name(flag_name)
                    && let Some(value) = next
                    && !value.starts_with('-')
                {
                    parts.push(arg.clone());
                    parts.push(self.flag_value(arg, value, line, false));
                    i += 2;
                    continue;
                }
                parts.push(redact_word(self, arg, Some(i), line));
                i += 1;
                continue;
            }
            // `NAME=value` positional assignments (`env GITHUB_TOKEN=… server`).
            if let Some((name, value)) = arg.split_once('=')
                && is_env_name(name)
            {
                parts.push(self.assignment(name, value, arg, line));
                i += 1;
                continue;
            }
            parts.push(redact_word(self, arg, Some(i), line));
            i += 1;
        }
        parts.iter().map(|p| quote(p)).collect::<Vec<_>>().join(" ")
    }

    fn header_arg(&mut self, header: &str, line: u32) -> String {
        let Some((name, value)) = header.split_once(':') else {
            return redact_word(self, header, None, line);
        };
        let name = name.trim();
        if is_secret_header(name) {
            let v = classify_header(value);
            let shown = if v.is_literal() {
                format!("{name}: {REDACTED}")
            } else {
                header.to_string()
            };
            self.push(format!("header:{name}"), line, v);
            shown
        } else {
            redact_word(self, header, None, line)
        }
    }

    fn flag_value(&mut self, flag: &str, value: &str, line: u32, joined: bool) -> String {
        let v = classify_value(value);
        let shown_value = if v.is_literal() { REDACTED } else { value };
        self.push(format!("arg:{flag}"), line, v);
        if joined {
            format!("{flag}={shown_value}")
        } else {
            shown_value.to_string()
        }
    }

    fn assignment(&mut self, name: &str, value: &str, whole: &str, line: u32) -> String {
        match credential_in(Slot::Variable, name, value) {
            Some(v) => {
                let shown = if v.is_literal() {
                    format!("{name}={REDACTED}")
                } else {
                    whole.to_string()
                };
                self.push(format!("env:{name}"), line, v);
                shown
            }
            None => whole.to_string(),
        }
    }

    pub(crate) fn finish(self) -> ConsumerEntry {
        let literals: Vec<&str> = self
            .credentials
            .iter()
            .filter_map(|c| c.value.literal())
            .collect();
        let endpoint = self
            .endpoint
            .as_deref()
            .map(|e| classify::scrub(e, &literals));
        let attributes = self
            .attributes
            .into_iter()
            .map(|(k, v)| (k, classify::scrub(&v, &literals)))
            .collect();
        ConsumerEntry {
            kind: self.kind,
            tool: self.tool,
            name: self.name,
            line: self.line,
            endpoint,
            credentials: self.credentials,
            attributes,
        }
    }
}

/// Redacts URL credentials and known tokens in one word, recording them as `arg:N`
/// (or `arg:command`).
fn redact_word(builder: &mut Builder, word: &str, index: Option<usize>, line: u32) -> String {
    let (redacted, found) = redact_text(word);
    let carrier = index.map_or_else(|| "arg:command".to_string(), |i| format!("arg:{i}"));
    for f in found {
        builder.push(carrier.clone(), line, CarriedValue::Literal(f.value));
    }
    redacted
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().next().is_some_and(|b| !b.is_ascii_digit())
}

fn quote(part: &str) -> String {
    if part.is_empty() || part.contains(char::is_whitespace) {
        format!("\"{part}\"")
    } else {
        part.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mysql_glued_passwords_are_carried_and_redacted() {
        let mut b = Builder::new(ConsumerKind::McpServer, "claude_code", "db", 1);
        let args: Vec<String> = ["-uapp", "-pS3cretPassw0rd!", "-hdb.internal"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let shown = b.command_line("/usr/bin/mysql", &args, 3);
        assert!(!shown.contains("S3cretPassw0rd"), "{shown}");
        assert!(shown.contains("-p<redacted>"), "{shown}");
        let entry = b.finish();
        assert!(entry.credentials.iter().any(|c| c.carrier == "arg:-p"));
        // Elsewhere `-p` is not a password.
        let mut b = Builder::new(ConsumerKind::McpServer, "claude_code", "d", 1);
        let shown = b.command_line("docker", &["run".into(), "-p8080:80".into()], 1);
        assert_eq!(shown, "docker run -p8080:80");
    }

    #[test]
    fn command_line_secrets_are_carried_and_redacted() {
        let mut b = Builder::new(ConsumerKind::McpServer, "test", "x", 1);
        let cmd = b.command_line(
            "npx",
            &args(&[
                "-y",
                "mcp-remote",
                "https://mcp.example.com/sse?token=abcdef123456",
                "--header",
                "Authorization: Bearer hunter2hunter2",
                "--api-key",
                "plainsecret99",
                "--password=pw-abc-123",
                "-e",
                "GITHUB_TOKEN=ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123",
                "--region",
                "eu",
            ]),
            3,
        );
        let entry = b.finish();
        for secret in [
            "abcdef123456",
            "hunter2hunter2",
            "plainsecret99",
            "pw-abc-123",
            "ghp_ABCDEF",
        ] {
            assert!(!cmd.contains(secret), "{secret} leaked into {cmd}");
        }
        let carriers: Vec<&str> = entry
            .credentials
            .iter()
            .map(|c| c.carrier.as_str())
            .collect();
        assert_eq!(
            carriers,
            [
                "arg:2",
                "header:Authorization",
                "arg:--api-key",
                "arg:--password",
                "env:GITHUB_TOKEN"
            ]
        );
        assert!(cmd.contains("--region eu"));
        assert!(cmd.contains("\"Authorization: <redacted>\""));
    }

    #[test]
    fn references_stay_visible() {
        let mut b = Builder::new(ConsumerKind::McpServer, "test", "x", 1);
        let cmd = b.command_line("server", &args(&["--token", "${TOKEN}"]), 1);
        assert_eq!(cmd, "server --token ${TOKEN}");
        let entry = b.finish();
        assert_eq!(entry.credentials[0].value.reference(), Some("${TOKEN}"));
    }
}
