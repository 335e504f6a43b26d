//! docker-compose: one entry per service. `environment` may be a map or a list of
//! `KEY=VALUE` / bare `KEY` (passed through from the host); `env_file` a string, a list,
//! or a list of `{path, required}`; `secrets` a list of names or `{source, target}`, whose
//! origin (`file`, `environment`, `external`) the top-level `secrets` block gives.

use std::collections::BTreeMap;

use nhi_model::ConsumerKind;
use serde_json::{Map, Value};

use crate::CarriedValue;
use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::{ConfigError, ConsumerEntry};

const TOOL: &str = "docker_compose";

pub(crate) fn parse(_rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let root = doc::parse_yaml(text)?;
    let lines = Lines::new(text, Syntax::Yaml);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };
    let secret_sources = secret_sources(root);
    let services_line = lines.key(1, "services");
    let mut out = Vec::new();
    let services = root.get("services").and_then(Value::as_object);
    for (name, service) in services.into_iter().flatten() {
        let Some(service) = service.as_object() else {
            continue;
        };
        let line = lines.key(services_line, name);
        let mut b = Builder::new(ConsumerKind::ComposeService, TOOL, name.clone(), line);
        if let Some(image) = str_field(service, "image") {
            let redacted = b.url(image, lines.key(line, "image"));
            b.attr("image", redacted.clone());
            b.endpoint(redacted);
        }
        environment(
            &mut b,
            service.get("environment"),
            lines.key(line, "environment"),
            &lines,
        );
        if let Some(files) = env_files(service.get("env_file")) {
            b.attr("env_files", files);
        }
        if let Some(secrets) = service.get("secrets").and_then(Value::as_array) {
            let secrets_line = lines.key(line, "secrets");
            for secret in secrets {
                let source = match secret {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(o) => str_field(o, "source"),
                    _ => None,
                };
                let Some(source) = source else {
                    continue;
                };
                let origin = secret_sources
                    .get(source)
                    .cloned()
                    .unwrap_or_else(|| "undeclared".to_string());
                let secret_line = lines.find(secrets_line, source).unwrap_or(secrets_line);
                b.push(
                    format!("secret:{source}"),
                    secret_line,
                    CarriedValue::Reference(origin),
                );
            }
        }
        command(&mut b, service.get("command"), lines.key(line, "command"));
        out.push(b.finish());
    }
    Ok(out)
}

fn environment(b: &mut Builder, env: Option<&Value>, env_line: u32, lines: &Lines<'_>) {
    match env {
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let line = lines.key(env_line, name);
                match scalar(value) {
                    Some(value) => b.env_var(name, &value, line),
                    // `KEY:` with no value is passed through from the host.
                    None => passthrough(b, name, line),
                }
            }
        }
        Some(Value::Array(items)) => {
            for item in items.iter().filter_map(scalar) {
                let line = lines.find(env_line, &item).unwrap_or(env_line);
                match item.split_once('=') {
                    Some((name, value)) => b.env_var(name, value, line),
                    None => passthrough(b, &item, line),
                }
            }
        }
        _ => {}
    }
}

fn passthrough(b: &mut Builder, name: &str, line: u32) {
    if crate::classify::is_secret_name(name) {
        b.push(
            format!("env:{name}"),
            line,
            CarriedValue::Reference(format!("inherited:{name}")),
        );
    }
}

fn env_files(value: Option<&Value>) -> Option<String> {
    let files: Vec<String> = match value? {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => str_field(o, "path").map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => return None,
    };
    (!files.is_empty()).then(|| files.join(","))
}

/// Where each top-level secret comes from, as a reference: `file:./x`,
/// `environment:NAME` or `external:name`.
fn secret_sources(root: &Map<String, Value>) -> BTreeMap<String, String> {
    root.get("secrets")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, spec)| {
            let origin = if let Some(file) = spec.get("file").and_then(Value::as_str) {
                format!("file:{file}")
            } else if let Some(env) = spec.get("environment").and_then(Value::as_str) {
                format!("environment:{env}")
            } else if spec
                .get("external")
                .is_some_and(|e| e != &Value::Bool(false))
            {
                let external = spec.get("name").and_then(Value::as_str).unwrap_or(name);
                format!("external:{external}")
            } else {
                "declared".to_string()
            };
            (name.clone(), origin)
        })
        .collect()
}

/// Secrets passed on the service's command line (`--requirepass x`).
fn command(b: &mut Builder, value: Option<&Value>, line: u32) {
    let words: Vec<String> = match value {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        _ => return,
    };
    let Some((first, rest)) = words.split_first() else {
        return;
    };
    let redacted = b.command_line(first, rest, line);
    b.attr("command", redacted);
}
