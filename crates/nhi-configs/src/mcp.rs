//! MCP client configs: Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI.
//!
//! They share one server shape (`command`/`args`/`env` for stdio, a URL plus `headers` for
//! remote servers) and differ in where the servers sit and what the URL key is called:
//! VS Code uses top-level `servers`, Windsurf `serverUrl`, Gemini `httpUrl` (streamable
//! HTTP) beside `url` (SSE); `~/.claude.json` adds per-project `projects.<path>.mcpServers`.

use std::collections::BTreeSet;

use nhi_model::ConsumerKind;
use serde_json::{Map, Value};

use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::{ConfigError, ConfigFormat, ConsumerEntry, file_name};

pub(crate) fn parse(
    format: ConfigFormat,
    rel_path: &str,
    text: &str,
) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let root = doc::parse_json(text)?;
    let lines = Lines::new(text, Syntax::Json);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };
    let tool = format.tool();
    let dialect = Dialect::for_format(format);
    let mut out = Vec::new();
    match format {
        ConfigFormat::VsCode => {
            // `.vscode/mcp.json` has top-level `servers`; the older settings.json form
            // nests them under `mcp`.
            if let Some(servers) = root.get("servers").and_then(Value::as_object) {
                let line = lines.key(1, "servers");
                servers_in(&mut out, tool, dialect, servers, line, &lines, None);
            } else if let Some(mcp) = root.get("mcp").and_then(Value::as_object)
                && let Some(servers) = mcp.get("servers").and_then(Value::as_object)
            {
                let line = lines.key(lines.key(1, "mcp"), "servers");
                servers_in(&mut out, tool, dialect, servers, line, &lines, None);
            }
        }
        ConfigFormat::ClaudeCode if file_name(rel_path) != ".mcp.json" => {
            // `~/.claude.json`: user scope at the top, local scope per project.
            if let Some(servers) = root.get("mcpServers").and_then(Value::as_object) {
                let line = top_level_key_line(&lines, text, "mcpServers");
                let scope = Some(Scope::User);
                servers_in(&mut out, tool, dialect, servers, line, &lines, scope);
            }
            if let Some(projects) = root.get("projects").and_then(Value::as_object) {
                let projects_line = lines.key(1, "projects");
                for (project, settings) in projects {
                    let Some(servers) = settings.get("mcpServers").and_then(Value::as_object)
                    else {
                        continue;
                    };
                    let project_line = lines.key(projects_line, project);
                    let line = lines.key(project_line, "mcpServers");
                    let scope = Some(Scope::Project(project));
                    servers_in(&mut out, tool, dialect, servers, line, &lines, scope);
                }
            }
        }
        _ => {
            if let Some(servers) = root.get("mcpServers").and_then(Value::as_object) {
                let line = lines.key(1, "mcpServers");
                let scope = (format == ConfigFormat::ClaudeCode).then_some(Scope::Shared);
                servers_in(&mut out, tool, dialect, servers, line, &lines, scope);
            }
        }
    }
    Ok(out)
}

/// `mcpServers` also appears under each project in `~/.claude.json`; the top-level one
/// is the first at the outermost indentation, which a forward search may miss if a
/// project's block comes first.
fn top_level_key_line(lines: &Lines<'_>, text: &str, key: &str) -> u32 {
    let needle = format!("\"{key}\"");
    let min_indent = text
        .lines()
        .filter(|l| l.trim_start().starts_with(&needle))
        .map(|l| l.len() - l.trim_start().len())
        .min();
    match min_indent {
        Some(indent) => {
            let prefix = format!("\n{}{needle}", " ".repeat(indent));
            lines.find(1, &prefix).map_or(1, |l| l + 1)
        }
        None => lines.key(1, key),
    }
}

/// Which Claude Code scope a server comes from.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// `.mcp.json`, checked into the project.
    Shared,
    /// Top-level `mcpServers` in `~/.claude.json`.
    User,
    /// `projects.<path>.mcpServers` in `~/.claude.json`.
    Project(&'a str),
}

fn servers_in(
    out: &mut Vec<ConsumerEntry>,
    tool: &'static str,
    dialect: Dialect,
    servers: &Map<String, Value>,
    servers_line: u32,
    lines: &Lines<'_>,
    scope: Option<Scope<'_>>,
) {
    for (name, server) in servers {
        let Some(server) = server.as_object() else {
            continue;
        };
        let line = lines.key(servers_line, name);
        let display = match scope {
            // Two projects may each define a server of the same name.
            Some(Scope::Project(project)) => format!("{name} [{project}]"),
            _ => name.clone(),
        };
        let mut b = Builder::new(ConsumerKind::McpServer, tool, display, line);
        match scope {
            Some(Scope::Shared) => b.attr("scope", "project"),
            Some(Scope::User) => b.attr("scope", "user"),
            Some(Scope::Project(project)) => {
                b.attr("scope", "local");
                b.attr("project", project);
            }
            None => {}
        }
        server_into(&mut b, dialect, server, line, lines);
        out.push(b.finish());
    }
}

/// Per-client differences in reading one server.
#[derive(Clone, Copy)]
pub(crate) struct Dialect {
    /// Gemini CLI: `url` means SSE and `httpUrl` streamable HTTP.
    url_is_sse: bool,
}

impl Dialect {
    pub(crate) fn for_format(format: ConfigFormat) -> Self {
        Dialect {
            url_is_sse: format == ConfigFormat::GeminiCli,
        }
    }
}

/// Fields of a server that are read explicitly; any other field with a secret-sounding
/// name is still recorded as `key:<field>`.
const KNOWN_FIELDS: &[&str] = &[
    "command",
    "args",
    "env",
    "headers",
    "url",
    "serverUrl",
    "httpUrl",
    "type",
    "transport",
    "cwd",
    "envFile",
    "disabled",
    "name",
    "requestOptions",
];

/// Reads one MCP server object into `b`: transport, endpoint, env, headers and any other
/// secret-bearing field.
pub(crate) fn server_into(
    b: &mut Builder,
    dialect: Dialect,
    server: &Map<String, Value>,
    line: u32,
    lines: &Lines<'_>,
) {
    let url = ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| str_field(server, k).map(|u| (*k, u)));
    let command = str_field(server, "command");
    let declared = str_field(server, "type").or_else(|| str_field(server, "transport"));
    let transport = match declared.map(str::to_ascii_lowercase).as_deref() {
        Some("stdio") => "stdio".to_string(),
        Some("http" | "streamable-http" | "streamablehttp" | "streamable_http") => {
            "http".to_string()
        }
        Some("sse") => "sse".to_string(),
        Some("ws" | "websocket") => "websocket".to_string(),
        Some(other) if !other.is_empty() => other.to_string(),
        _ => match (command, url) {
            (Some(_), _) => "stdio".to_string(),
            (None, Some(("url", _))) if dialect.url_is_sse => "sse".to_string(),
            (None, Some(_)) => "http".to_string(),
            (None, None) => "unknown".to_string(),
        },
    };
    b.attr("transport", transport);

    if let Some((key, url)) = url {
        let url_line = lines.key(line, key);
        let redacted = b.url(url, url_line);
        b.endpoint(redacted);
        b.attr("remote", "true");
    } else if let Some(command) = command {
        let args: Vec<String> = server
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(scalar).collect())
            .unwrap_or_default();
        let args_line = if args.is_empty() {
            lines.key(line, "command")
        } else {
            lines.key(line, "args")
        };
        let endpoint = b.command_line(command, &args, args_line);
        b.endpoint(endpoint);
    }

    if let Some(env) = server.get("env").and_then(Value::as_object) {
        let env_line = lines.key(line, "env");
        for (name, value) in env {
            if let Some(value) = scalar(value) {
                b.env_var(name, &value, lines.key(env_line, name));
            }
        }
    }
    let headers = server
        .get("headers")
        .or_else(|| server.get("requestOptions").and_then(|r| r.get("headers")));
    if let Some(headers) = headers.and_then(Value::as_object) {
        let headers_line = lines.key(line, "headers");
        for (name, value) in headers {
            if let Some(value) = scalar(value) {
                b.header(name, &value, lines.key(headers_line, name));
            }
        }
    }
    if let Some(env_file) = str_field(server, "envFile") {
        b.attr("env_file", env_file);
    }
    if server.get("disabled") == Some(&Value::Bool(true)) {
        b.attr("disabled", "true");
    }
    for (key, value) in server {
        if !KNOWN_FIELDS.contains(&key.as_str()) {
            secret_fields(b, key, key, value, line, lines, 0);
        }
    }
    note_inputs(b, server);
}

/// Records secret-named scalar fields anywhere under `value` as `key:<path>`.
pub(crate) fn secret_fields(
    b: &mut Builder,
    path: &str,
    name: &str,
    value: &Value,
    line: u32,
    lines: &Lines<'_>,
    depth: usize,
) {
    if depth > 6 {
        return;
    }
    match value {
        Value::Object(map) => {
            let here = lines.key(line, name);
            for (k, v) in map {
                secret_fields(b, &format!("{path}.{k}"), k, v, here, lines, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                secret_fields(b, &format!("{path}[{i}]"), name, v, line, lines, depth + 1);
            }
        }
        other => {
            if let Some(text) = scalar(other) {
                b.field(path, name, &text, lines.key(line, name));
            }
        }
    }
}

/// VS Code `${input:id}` prompts used by a server, so a report can say the secret is
/// typed in at start-up rather than stored.
fn note_inputs(b: &mut Builder, server: &Map<String, Value>) {
    let mut ids = BTreeSet::new();
    collect_inputs(&Value::Object(server.clone()), &mut ids, 0);
    if !ids.is_empty() {
        b.attr("inputs", ids.into_iter().collect::<Vec<_>>().join(","));
    }
}

fn collect_inputs(value: &Value, ids: &mut BTreeSet<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(pos) = rest.find("${input:") {
                let after = &rest[pos + 8..];
                let Some(end) = after.find('}') else {
                    break;
                };
                ids.insert(after[..end].to_string());
                rest = &after[end..];
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_inputs(v, ids, depth + 1)),
        Value::Object(map) => map.values().for_each(|v| collect_inputs(v, ids, depth + 1)),
        _ => {}
    }
}
