//! kubeconfig: one entry per `users[]` item. Credentials are the bearer `token`, the
//! embedded `client-key-data`, basic-auth `password`, `auth-provider.config` tokens and
//! secrets in `exec.env`; the exec plugin's command line is kept redacted.

use std::collections::{BTreeMap, BTreeSet};

use nhi_model::ConsumerKind;
use serde_json::Value;

use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::{ConfigError, ConsumerEntry};

const TOOL: &str = "kubectl";

pub(crate) fn parse(_rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let root = doc::parse_yaml(text)?;
    let lines = Lines::new(text, Syntax::Yaml);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };

    // Which clusters each user reaches, through contexts.
    let servers: BTreeMap<&str, &str> = named(root.get("clusters"), "cluster")
        .filter_map(|(name, c)| Some((name, str_field(c, "server")?)))
        .collect();
    let mut user_clusters: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut context_users: BTreeMap<&str, &str> = BTreeMap::new();
    for (context_name, context) in named(root.get("contexts"), "context") {
        if let (Some(user), Some(cluster)) =
            (str_field(context, "user"), str_field(context, "cluster"))
        {
            user_clusters.entry(user).or_default().insert(cluster);
            context_users.insert(context_name, user);
        }
    }
    let current_user =
        str_field(root, "current-context").and_then(|c| context_users.get(c).copied());

    let mut out = Vec::new();
    let mut cursor = lines.key(1, "users");
    for (name, user) in named(root.get("users"), "user") {
        let line = lines.find(cursor, name).unwrap_or(cursor);
        cursor = line + 1;
        let mut b = Builder::new(ConsumerKind::KubeconfigUser, TOOL, name, line);
        let user_line = lines.key(line, "user");

        let mut methods = Vec::new();
        if let Some(token) = user.get("token").and_then(scalar) {
            methods.push("token");
            b.secret_field("token", &token, lines.key(user_line, "token"));
        }
        if let Some(file) = str_field(user, "tokenFile") {
            methods.push("token");
            b.attr("token_file", file);
        }
        if let Some(key) = user.get("client-key-data").and_then(scalar) {
            methods.push("client_cert");
            b.secret_field(
                "client-key-data",
                &key,
                lines.key(user_line, "client-key-data"),
            );
        }
        if let Some(path) = str_field(user, "client-key") {
            methods.push("client_cert");
            b.attr("client_key_file", path);
        }
        if let Some(password) = user.get("password").and_then(scalar) {
            methods.push("basic");
            b.secret_field("password", &password, lines.key(user_line, "password"));
        }
        if let Some(username) = str_field(user, "username") {
            b.attr("username", username);
        }
        if let Some(provider) = user.get("auth-provider").and_then(Value::as_object) {
            methods.push("auth_provider");
            let provider_line = lines.key(user_line, "auth-provider");
            if let Some(name) = str_field(provider, "name") {
                b.attr("auth_provider", name);
            }
            if let Some(config) = provider.get("config").and_then(Value::as_object) {
                let config_line = lines.key(provider_line, "config");
                for (key, value) in config {
                    if let Some(value) = scalar(value) {
                        let path = format!("auth-provider.config.{key}");
                        b.field(&path, key, &value, lines.key(config_line, key));
                    }
                }
            }
        }
        if let Some(exec) = user.get("exec").and_then(Value::as_object) {
            methods.push("exec");
            let exec_line = lines.key(user_line, "exec");
            if let Some(command) = str_field(exec, "command") {
                let args: Vec<String> = exec
                    .get("args")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(scalar).collect())
                    .unwrap_or_default();
                let command_line = b.command_line(command, &args, lines.key(exec_line, "command"));
                b.attr("exec", command_line);
            }
            if let Some(env) = exec.get("env").and_then(Value::as_array) {
                let env_line = lines.key(exec_line, "env");
                for item in env {
                    if let (Some(name), Some(value)) = (
                        item.get("name").and_then(Value::as_str),
                        item.get("value").and_then(scalar),
                    ) {
                        let line = lines.find(env_line, name).unwrap_or(env_line);
                        b.env_var(name, &value, line);
                    }
                }
            }
        }
        methods.dedup();
        b.attr(
            "auth",
            if methods.is_empty() {
                "none".to_string()
            } else {
                methods.join(",")
            },
        );
        if let Some(clusters) = user_clusters.get(name) {
            b.attr(
                "clusters",
                clusters.iter().copied().collect::<Vec<_>>().join(","),
            );
            if let Some(server) = clusters.iter().find_map(|c| servers.get(c)) {
                let redacted = b.url(server, line);
                b.endpoint(redacted);
            }
        }
        if current_user == Some(name) {
            b.attr("current", "true");
        }
        out.push(b.finish());
    }
    Ok(out)
}

/// Items of a kubeconfig list (`[{name, <inner>: {…}}]`) as (name, inner object).
fn named<'a>(
    list: Option<&'a Value>,
    inner: &'a str,
) -> impl Iterator<Item = (&'a str, &'a serde_json::Map<String, Value>)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(move |item| {
            let name = item.get("name")?.as_str()?;
            let body = item.get(inner)?.as_object()?;
            Some((name, body))
        })
}
