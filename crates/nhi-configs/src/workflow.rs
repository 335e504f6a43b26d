//! GitHub Actions workflows: one entry per file, classifying how it authenticates to
//! clouds (OIDC federation or static keys), what its `GITHUB_TOKEN` may do, what
//! triggers it, and every secret it references.

use std::collections::{BTreeMap, BTreeSet};

use nhi_model::ConsumerKind;
use serde_json::{Map, Value};

use crate::classify::{Slot, credential_in};
use crate::doc::{self, Lines, Syntax, scalar, str_field};
use crate::entry::Builder;
use crate::{CarriedValue, ConfigError, ConsumerEntry, file_name};

const TOOL: &str = "github_actions";

/// A `permissions:` value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Permissions {
    WriteAll,
    ReadAll,
    /// `permissions: {}`.
    Nothing,
    /// Scope → `read` / `write` (scopes set to `none` are dropped).
    Scoped(BTreeMap<String, String>),
    /// No block: the token gets the repository or organisation default.
    Default,
}

impl Permissions {
    fn parse(value: &Value) -> Option<Permissions> {
        match value {
            Value::String(s) => match s.trim() {
                "write-all" => Some(Permissions::WriteAll),
                "read-all" => Some(Permissions::ReadAll),
                _ => None,
            },
            Value::Object(map) if map.is_empty() => Some(Permissions::Nothing),
            Value::Object(map) => {
                let scopes: BTreeMap<String, String> = map
                    .iter()
                    .filter_map(|(scope, level)| {
                        let level = level.as_str()?.trim().to_ascii_lowercase();
                        matches!(level.as_str(), "read" | "write").then(|| (scope.clone(), level))
                    })
                    .collect();
                Some(if scopes.is_empty() {
                    Permissions::Nothing
                } else {
                    Permissions::Scoped(scopes)
                })
            }
            _ => None,
        }
    }

    fn id_token_write(&self) -> bool {
        match self {
            Permissions::WriteAll => true,
            Permissions::Scoped(scopes) => scopes.get("id-token").is_some_and(|l| l == "write"),
            _ => false,
        }
    }
}

/// Cloud authentication seen in a workflow.
#[derive(Default)]
struct CloudAuth {
    oidc: BTreeSet<&'static str>,
    static_keys: BTreeSet<&'static str>,
    /// Clouds reached some other way (a role assumed without `id-token: write`).
    other: BTreeSet<&'static str>,
    /// A role is assumed without `id-token: write`, so federation cannot work.
    oidc_without_id_token: bool,
    /// Literal AWS role ARNs named by `role-to-assume`.
    roles: BTreeSet<String>,
}

impl CloudAuth {
    fn classification(&self) -> &'static str {
        match (self.oidc.is_empty(), self.static_keys.is_empty()) {
            (true, true) => "none",
            (false, true) => "oidc",
            (true, false) => "static_keys",
            (false, false) => "mixed",
        }
    }

    fn providers(&self) -> String {
        let all: BTreeSet<&str> = self
            .oidc
            .iter()
            .chain(&self.static_keys)
            .chain(&self.other)
            .copied()
            .collect();
        all.into_iter().collect::<Vec<_>>().join(",")
    }
}

fn with_has(with: Option<&Map<String, Value>>, key: &str) -> bool {
    with.and_then(|w| w.get(key)).is_some_and(|v| match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Null => false,
        _ => true,
    })
}

/// Classifies one `uses:` step.
fn step_auth(uses: &str, with: Option<&Map<String, Value>>, id_token: bool, auth: &mut CloudAuth) {
    let action = uses
        .split('@')
        .next()
        .unwrap_or(uses)
        .trim()
        .to_ascii_lowercase();
    let federated = |provider: &'static str, auth: &mut CloudAuth| {
        if id_token {
            auth.oidc.insert(provider);
        } else {
            // Federation needs the OIDC token; without it the step fails or falls back
            // to whatever keys the runner has.
            auth.oidc_without_id_token = true;
            auth.other.insert(provider);
        }
    };
    match action.as_str() {
        "aws-actions/configure-aws-credentials" => {
            if with_has(with, "aws-access-key-id") || with_has(with, "aws-secret-access-key") {
                auth.static_keys.insert("aws");
            } else if with_has(with, "role-to-assume") || with_has(with, "web-identity-token-file")
            {
                federated("aws", auth);
            }
            // The role ARN is not secret, and it is how the correlator ties this workflow
            // to the role whose trust policy admits it.
            if let Some(Value::String(role)) = with.and_then(|w| w.get("role-to-assume"))
                && role.starts_with("arn:")
            {
                auth.roles.insert(role.trim().to_string());
            }
        }
        "google-github-actions/auth" => {
            if with_has(with, "credentials_json") {
                auth.static_keys.insert("gcp");
            } else if with_has(with, "workload_identity_provider") {
                federated("gcp", auth);
            }
        }
        "azure/login" => {
            if with_has(with, "creds") || with_has(with, "client-secret") {
                auth.static_keys.insert("azure");
            } else if with_has(with, "client-id") && with_has(with, "tenant-id") {
                federated("azure", auth);
            }
        }
        _ => {}
    }
}

/// Environment variables that hand a step long-lived cloud keys.
fn env_auth(env: &Map<String, Value>, auth: &mut CloudAuth) {
    for name in env.keys() {
        match name.to_ascii_uppercase().as_str() {
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => {
                auth.static_keys.insert("aws");
            }
            "AZURE_CLIENT_SECRET" | "ARM_CLIENT_SECRET" | "AZURE_CREDENTIALS" => {
                auth.static_keys.insert("azure");
            }
            "GOOGLE_CREDENTIALS"
            | "GCP_SA_KEY"
            | "GOOGLE_APPLICATION_CREDENTIALS_JSON"
            | "GCP_CREDENTIALS" => {
                auth.static_keys.insert("gcp");
            }
            _ => {}
        }
    }
}

/// Event names under `on:`; YAML 1.1 readers turn the bare key `on` into `true`.
fn triggers(root: &Map<String, Value>) -> Vec<String> {
    let on = root.get("on").or_else(|| root.get("true"));
    let mut events: Vec<String> = match on {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    events.sort();
    events.dedup();
    events
}

/// Secret names referenced in `${{ … }}` expressions (`secrets.NAME`, `secrets['NAME']`)
/// with the line of their first use, plus `github.token` as `GITHUB_TOKEN`.
fn referenced_secrets(text: &str, lines: &Lines<'_>) -> Vec<(String, u32, String)> {
    let mut seen: BTreeMap<String, (u32, String)> = BTreeMap::new();
    let mut offset = 0;
    while let Some(start) = text.get(offset..).and_then(|t| t.find("${{")) {
        let open = offset + start;
        let Some(len) = text.get(open..).and_then(|t| t.find("}}")) else {
            break;
        };
        let close = open + len + 2;
        let expression = text.get(open..close).unwrap_or("");
        let line = lines.line_of(open);
        for name in secret_names_in(expression) {
            seen.entry(name)
                .or_insert_with(|| (line, expression.to_string()));
        }
        offset = close;
    }
    seen.into_iter()
        .map(|(name, (line, expression))| (name, line, expression))
        .collect()
}

fn secret_names_in(expression: &str) -> Vec<String> {
    let mut names = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    };
    let mut rest = expression;
    while let Some(pos) = rest.find("secrets") {
        let before_ok = pos == 0
            || !rest
                .as_bytes()
                .get(pos - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.');
        let after = &rest[pos + 7..];
        if before_ok {
            if let Some(tail) = after.strip_prefix('.') {
                let name = ident(tail);
                if !name.is_empty() {
                    names.push(name);
                }
            } else if let Some(tail) = after.strip_prefix('[') {
                let tail = tail.trim_start().trim_start_matches(['\'', '"']);
                let name = ident(tail);
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
        rest = after;
    }
    if expression.contains("github.token") {
        names.push("GITHUB_TOKEN".to_string());
    }
    names
}

pub(crate) fn parse(rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let root = doc::parse_yaml(text)?;
    let lines = Lines::new(text, Syntax::Yaml);
    let Some(root) = root.as_object() else {
        return Ok(Vec::new());
    };
    let name = str_field(root, "name")
        .map(str::to_string)
        .unwrap_or_else(|| file_name(rel_path).to_string());
    let mut b = Builder::new(ConsumerKind::Workflow, TOOL, name, 1);

    let events = triggers(root);
    if !events.is_empty() {
        b.attr("triggers", events.join(","));
    }
    if events.iter().any(|e| e == "pull_request_target") {
        b.attr("pull_request_target", "true");
    }

    let workflow_permissions = root.get("permissions").and_then(Permissions::parse);
    let mut effective = Vec::new();
    let mut auth = CloudAuth::default();
    let mut secrets_inherit = false;

    if let Some(env) = root.get("env").and_then(Value::as_object) {
        env_auth(env, &mut auth);
        literal_env(&mut b, env, lines.key(1, "env"), &lines);
    }

    let jobs_line = lines.key(1, "jobs");
    let jobs = root.get("jobs").and_then(Value::as_object);
    for (job_name, job) in jobs.into_iter().flatten() {
        let Some(job) = job.as_object() else {
            continue;
        };
        let job_line = lines.key(jobs_line, job_name);
        let permissions = job
            .get("permissions")
            .and_then(Permissions::parse)
            .or_else(|| workflow_permissions.clone())
            .unwrap_or(Permissions::Default);
        let id_token = permissions.id_token_write();
        effective.push(permissions);

        if job.get("secrets").and_then(Value::as_str) == Some("inherit") {
            secrets_inherit = true;
        }
        if let Some(env) = job.get("env").and_then(Value::as_object) {
            env_auth(env, &mut auth);
            literal_env(&mut b, env, lines.key(job_line, "env"), &lines);
        }
        let steps = job.get("steps").and_then(Value::as_array);
        let mut cursor = job_line;
        for (i, step) in steps.into_iter().flatten().enumerate() {
            let Some(step) = step.as_object() else {
                continue;
            };
            let label = str_field(step, "uses")
                .or_else(|| str_field(step, "name"))
                .or_else(|| str_field(step, "id"));
            let step_line = label.and_then(|l| lines.find(cursor, l)).unwrap_or(cursor);
            cursor = step_line + 1;
            let with = step.get("with").and_then(Value::as_object);
            if let Some(uses) = str_field(step, "uses") {
                step_auth(uses, with, id_token, &mut auth);
            }
            if let Some(env) = step.get("env").and_then(Value::as_object) {
                env_auth(env, &mut auth);
                literal_env(&mut b, env, lines.key(step_line, "env"), &lines);
            }
            if let Some(with) = with {
                let with_line = lines.key(step_line, "with");
                for (input, value) in with {
                    let Some(value) = scalar(value) else {
                        continue;
                    };
                    if let Some(v) = credential_in(Slot::Variable, input, &value)
                        && v.is_literal()
                    {
                        let path = format!("jobs.{job_name}.steps[{i}].with.{input}");
                        b.push(format!("key:{path}"), lines.key(with_line, input), v);
                    }
                }
            }
        }
    }
    if effective.is_empty() {
        effective.push(workflow_permissions.unwrap_or(Permissions::Default));
    }
    let (permissions, writes) = summarize(&effective);
    b.attr("permissions", permissions);
    if !writes.is_empty() {
        b.attr("permissions_write", writes.join(","));
    }
    b.attr("cloud_auth", auth.classification());
    let providers = auth.providers();
    if !providers.is_empty() {
        b.attr("cloud_providers", providers);
    }
    if auth.oidc_without_id_token {
        b.attr("oidc_missing_id_token", "true");
    }
    if !auth.roles.is_empty() {
        b.attr(
            "aws_roles",
            auth.roles.iter().cloned().collect::<Vec<_>>().join(","),
        );
    }
    if secrets_inherit {
        b.attr("secrets_inherit", "true");
    }
    for (secret, line, expression) in referenced_secrets(text, &lines) {
        b.push(
            format!("secret:{secret}"),
            line,
            CarriedValue::Reference(expression),
        );
    }
    Ok(vec![b.finish()])
}

/// Literal secrets written into an `env:` block; references there are already counted
/// as `secret:` uses.
fn literal_env(b: &mut Builder, env: &Map<String, Value>, env_line: u32, lines: &Lines<'_>) {
    for (name, value) in env {
        let Some(value) = scalar(value) else {
            continue;
        };
        if let Some(v) = credential_in(Slot::Variable, name, &value)
            && v.is_literal()
        {
            b.push(format!("env:{name}"), lines.key(env_line, name), v);
        }
    }
}

/// The workflow-wide permission summary and the scopes any job can write.
fn summarize(effective: &[Permissions]) -> (String, Vec<String>) {
    if effective.contains(&Permissions::WriteAll) {
        return ("write-all".to_string(), vec!["all".to_string()]);
    }
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    let mut read_all = false;
    for p in effective {
        match p {
            Permissions::ReadAll => read_all = true,
            Permissions::Scoped(scopes) => {
                for (scope, level) in scopes {
                    let slot = merged.entry(scope.clone()).or_insert_with(|| level.clone());
                    if level == "write" {
                        *slot = level.clone();
                    }
                }
            }
            _ => {}
        }
    }
    let writes: Vec<String> = merged
        .iter()
        .filter(|(_, level)| *level == "write")
        .map(|(scope, _)| scope.clone())
        .collect();
    if effective.contains(&Permissions::Default) {
        return ("default".to_string(), writes);
    }
    let summary = if !merged.is_empty() {
        let list: Vec<String> = merged.iter().map(|(s, l)| format!("{s}={l}")).collect();
        format!("scoped:{}", list.join(","))
    } else if read_all {
        "read-all".to_string()
    } else {
        "none".to_string()
    };
    (summary, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scoped(pairs: &[(&str, &str)]) -> Permissions {
        Permissions::Scoped(
            pairs
                .iter()
                .map(|(s, l)| (s.to_string(), l.to_string()))
                .collect(),
        )
    }

    #[test]
    fn permission_summaries() {
        let summary = |p: &[Permissions]| summarize(p).0;
        assert_eq!(summary(&[Permissions::Nothing]), "none");
        assert_eq!(summary(&[Permissions::ReadAll]), "read-all");
        assert_eq!(
            summary(&[Permissions::ReadAll, Permissions::WriteAll]),
            "write-all"
        );
        assert_eq!(
            summary(&[Permissions::Nothing, Permissions::Default]),
            "default"
        );
        let merged = summarize(&[
            scoped(&[("contents", "read"), ("packages", "write")]),
            scoped(&[("contents", "write"), ("id-token", "write")]),
            Permissions::Nothing,
        ]);
        assert_eq!(
            merged.0,
            "scoped:contents=write,id-token=write,packages=write"
        );
        assert_eq!(merged.1, ["contents", "id-token", "packages"]);
        assert_eq!(
            Permissions::parse(&serde_json::json!({"contents": "none"})),
            Some(Permissions::Nothing)
        );
    }

    #[test]
    fn on_read_as_boolean_true_still_gives_triggers() {
        // A YAML 1.1 reader turns the bare key `on` into `true`.
        let text = "true:\n  push:\n  pull_request_target:\njobs: {}\n";
        let entries = parse(".github/workflows/x.yml", text).expect("parses");
        assert_eq!(
            entries[0].attributes.get("triggers").map(String::as_str),
            Some("pull_request_target,push")
        );
        assert_eq!(
            entries[0]
                .attributes
                .get("pull_request_target")
                .map(String::as_str),
            Some("true")
        );
        // serde_norway keeps `on` a string key; both spellings are read.
        let text = "on: workflow_dispatch\njobs: {}\n";
        let entries = parse(".github/workflows/x.yml", text).expect("parses");
        assert_eq!(
            entries[0].attributes.get("triggers").map(String::as_str),
            Some("workflow_dispatch")
        );
        assert_eq!(
            entries[0].attributes.get("permissions").map(String::as_str),
            Some("default")
        );
    }

    #[test]
    fn role_without_id_token_is_not_oidc() {
        let text = "on: push\njobs:\n  d:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n";
        let entries = parse("w.yml", text).expect("parses");
        let attrs = &entries[0].attributes;
        assert_eq!(attrs.get("cloud_auth").map(String::as_str), Some("none"));
        assert_eq!(
            attrs.get("cloud_providers").map(String::as_str),
            Some("aws")
        );
        assert_eq!(
            attrs.get("oidc_missing_id_token").map(String::as_str),
            Some("true")
        );
    }
}
