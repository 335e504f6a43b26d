//! Continue: `.continue/config.json` (deprecated JSON: `models[].apiKey`,
//! `experimental.modelContextProtocolServers`), `.continue/config.yaml` (`models[]`,
//! `mcpServers[]`) and the per-server block files in `.continue/mcpServers/` (YAML with an
//! `mcpServers` list, or JSON in the Claude map form or as a single bare server).
//!
//! Model entries carry the API keys Continue sends to model providers; they are
//! `AgentModel` entries named `model:<name>`.

use nhi_model::ConsumerKind;
use serde_json::{Map, Value};

use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::mcp::{Dialect, secret_fields, server_into};
use crate::{ConfigError, ConfigFormat, ConsumerEntry, file_name};

const TOOL: &str = "continue";

pub(crate) fn parse(rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let name = file_name(rel_path);
    let is_json = name.to_ascii_lowercase().ends_with(".json");
    let (root, syntax) = if is_json {
        (doc::parse_json(text)?, Syntax::Json)
    } else {
        (doc::parse_yaml(text)?, Syntax::Yaml)
    };
    let lines = Lines::new(text, syntax);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();

    if let Some(models) = root.get("models").and_then(Value::as_array) {
        let mut cursor = lines.key(1, "models");
        for (i, model) in models.iter().enumerate() {
            if let Some(model) = model.as_object() {
                let entry = model_entry(model, &format!("models[{i}]"), &mut cursor, &lines);
                out.push(entry);
            }
        }
    }
    for key in ["tabAutocompleteModel", "embeddingsProvider", "reranker"] {
        let mut cursor = lines.key(1, key);
        match root.get(key) {
            Some(Value::Object(model)) => out.push(model_entry(model, key, &mut cursor, &lines)),
            Some(Value::Array(models)) => {
                for (i, model) in models.iter().enumerate() {
                    if let Some(model) = model.as_object() {
                        let path = format!("{key}[{i}]");
                        out.push(model_entry(model, &path, &mut cursor, &lines));
                    }
                }
            }
            _ => {}
        }
    }

    match root.get("mcpServers") {
        // YAML config and block files: a list of servers with `name`.
        Some(Value::Array(servers)) => {
            let mut cursor = lines.key(1, "mcpServers");
            for (i, server) in servers.iter().enumerate() {
                if let Some(server) = server.as_object() {
                    let fallback = format!("mcpServers[{i}]");
                    out.push(server_entry(server, &fallback, &mut cursor, &lines));
                }
            }
        }
        // JSON files copied from Claude/Cursor: a map keyed by name.
        Some(Value::Object(servers)) => {
            let servers_line = lines.key(1, "mcpServers");
            for (name, server) in servers {
                if let Some(server) = server.as_object() {
                    let line = lines.key(servers_line, name);
                    let mut b = Builder::new(ConsumerKind::McpServer, TOOL, name.clone(), line);
                    server_into(&mut b, dialect(), server, line, &lines);
                    out.push(b.finish());
                }
            }
        }
        _ => {}
    }

    if let Some(servers) = root
        .get("experimental")
        .and_then(|e| e.get("modelContextProtocolServers"))
        .and_then(Value::as_array)
    {
        let mut cursor = lines.key(lines.key(1, "experimental"), "modelContextProtocolServers");
        for (i, server) in servers.iter().enumerate() {
            let Some(server) = server.as_object() else {
                continue;
            };
            // The old form nests command/args/env/url under `transport`.
            let mut flat = server
                .get("transport")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(name) = server.get("name") {
                flat.insert("name".to_string(), name.clone());
            }
            let fallback = format!("modelContextProtocolServers[{i}]");
            out.push(server_entry(&flat, &fallback, &mut cursor, &lines));
        }
    }

    // A block file holding one bare server (`{"command": …}`) is named by its file.
    if out.is_empty() && (root.contains_key("command") || root.contains_key("url")) {
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        let mut b = Builder::new(ConsumerKind::McpServer, TOOL, stem, 1);
        server_into(&mut b, dialect(), root, 1, &lines);
        out.push(b.finish());
    }
    Ok(out)
}

fn dialect() -> Dialect {
    Dialect::for_format(ConfigFormat::Continue)
}

/// Finds the line of a list item by its name, moving the cursor past it so the next item
/// is searched for after this one.
fn item_line(lines: &Lines<'_>, cursor: &mut u32, label: Option<&str>) -> u32 {
    let line = label
        .and_then(|l| lines.find(*cursor, l))
        .unwrap_or(*cursor);
    *cursor = line + 1;
    line
}

fn server_entry(
    server: &Map<String, Value>,
    fallback: &str,
    cursor: &mut u32,
    lines: &Lines<'_>,
) -> ConsumerEntry {
    let name = str_field(server, "name").unwrap_or(fallback).to_string();
    let label = str_field(server, "name")
        .or_else(|| str_field(server, "command"))
        .or_else(|| str_field(server, "url"));
    let line = item_line(lines, cursor, label);
    let mut b = Builder::new(ConsumerKind::McpServer, TOOL, name, line);
    server_into(&mut b, dialect(), server, line, lines);
    b.finish()
}

/// Fields of a model read explicitly.
const MODEL_FIELDS: &[&str] = &[
    "name",
    "title",
    "provider",
    "model",
    "apiKey",
    "apiBase",
    "roles",
    "requestOptions",
    "capabilities",
    "defaultCompletionOptions",
    "completionOptions",
    "contextLength",
    "systemMessage",
    "promptTemplates",
    "embedOptions",
    "chatOptions",
    "autocompleteOptions",
    "uses",
];

fn model_entry(
    model: &Map<String, Value>,
    path: &str,
    cursor: &mut u32,
    lines: &Lines<'_>,
) -> ConsumerEntry {
    let label = ["name", "title", "uses", "model", "provider"]
        .iter()
        .find_map(|k| str_field(model, k));
    let line = item_line(lines, cursor, label);
    let name = format!("model:{}", label.unwrap_or(path));
    let mut b = Builder::new(ConsumerKind::AgentModel, TOOL, name, line);
    for key in ["provider", "model", "uses"] {
        if let Some(v) = str_field(model, key) {
            b.attr(key, v);
        }
    }
    if let Some(api_base) = str_field(model, "apiBase") {
        let redacted = b.url(api_base, lines.key(line, "apiBase"));
        b.endpoint(redacted);
    }
    if let Some(api_key) = model.get("apiKey").and_then(scalar) {
        b.secret_field(
            &format!("{path}.apiKey"),
            &api_key,
            lines.key(line, "apiKey"),
        );
    }
    if let Some(headers) = model
        .get("requestOptions")
        .and_then(|r| r.get("headers"))
        .and_then(Value::as_object)
    {
        let headers_line = lines.key(lines.key(line, "requestOptions"), "headers");
        for (name, value) in headers {
            if let Some(value) = scalar(value) {
                b.header(name, &value, lines.key(headers_line, name));
            }
        }
    }
    for (key, value) in model {
        if !MODEL_FIELDS.contains(&key.as_str()) {
            secret_fields(&mut b, &format!("{path}.{key}"), key, value, line, lines, 0);
        }
    }
    b.finish()
}
