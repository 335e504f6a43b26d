//! Writes a realistic tree of files with planted fake secrets and decoys, and the
//! manifest that says where each one is.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zeroize::Zeroizing;

use crate::decoys::{Decoy, DecoyFile, DecoyReason, decoys};
use crate::filler::{
    FILLER_KINDS, FillerKind, KeywordDensity, SERVICES, Settings, filler_block, filler_file,
    filler_file_at, filler_header, filler_path,
};
use crate::rules::RULE_IDS;
use crate::secrets::{FakeSecret, Shape, base64_std, fake_secret, json_escape, json_string};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Approximate size of the final tree in bytes (planted files, decoys and filler).
    pub total_bytes: u64,
    /// How many times each rule is planted in the final tree.
    pub per_rule: usize,
    /// How many decoy lines to write.
    pub decoys: usize,
    /// Make the directory a git repository whose history also holds secrets that the
    /// final tree no longer has.
    pub git_history: bool,
    pub seed: u64,
    /// How often the padding files (not the planted or decoy files) name credentials.
    pub density: KeywordDensity,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec {
            total_bytes: 1 << 20,
            per_rule: 3,
            decoys: 50,
            git_history: false,
            seed: 0,
            density: KeywordDensity::Dense,
        }
    }
}

/// The kind of file a secret was planted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Python,
    JavaScript,
    TypeScript,
    Go,
    DotEnv,
    JupyterNotebook,
    KubernetesSecret,
    McpJson,
    CursorMcpJson,
    VscodeMcpJson,
    GithubWorkflow,
    DockerCompose,
    YamlConfig,
    Terraform,
    KeyFile,
    JsonFile,
}

impl Carrier {
    /// How the secret's text is encoded on its line.
    pub fn encoding(self) -> Encoding {
        match self {
            Carrier::JupyterNotebook
            | Carrier::McpJson
            | Carrier::CursorMcpJson
            | Carrier::VscodeMcpJson
            | Carrier::JsonFile => Encoding::JsonString,
            Carrier::KubernetesSecret => Encoding::Base64,
            _ => Encoding::Plain,
        }
    }
}

const LINE_CARRIERS: &[Carrier] = &[
    Carrier::Python,
    Carrier::JavaScript,
    Carrier::TypeScript,
    Carrier::Go,
    Carrier::DotEnv,
    Carrier::JupyterNotebook,
    Carrier::KubernetesSecret,
    Carrier::McpJson,
    Carrier::CursorMcpJson,
    Carrier::VscodeMcpJson,
    Carrier::GithubWorkflow,
    Carrier::DockerCompose,
    Carrier::YamlConfig,
    Carrier::Terraform,
    Carrier::JsonFile,
];
const BLOCK_CARRIERS: &[Carrier] = &[
    Carrier::KeyFile,
    Carrier::Python,
    Carrier::Go,
    Carrier::YamlConfig,
    Carrier::JsonFile,
    Carrier::KubernetesSecret,
];
const DOCUMENT_CARRIERS: &[Carrier] = &[Carrier::JsonFile, Carrier::KubernetesSecret];

/// How a planted secret's text appears on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Verbatim; a multi-line secret continues on the following lines.
    Plain,
    /// Inside a JSON string literal (escaped quotes, `\n` for newlines).
    JsonString,
    /// Standard base64 of the written value (Kubernetes Secret `data:`); for a
    /// service-account document the decoded text holds the JSON-escaped private key.
    Base64,
}

/// One planted secret. Holds the raw fake secret: the manifest must be written outside
/// the corpus directory, or a scan of the corpus would find it too.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlantedSecret {
    pub rule_id: String,
    /// The canonical secret a scanner fingerprints (see `canonical_secret`).
    pub secret: Zeroizing<String>,
    /// Relative to the corpus root, `/`-separated.
    pub path: String,
    /// 1-based line where the secret (or its first line) is.
    pub line: usize,
    pub carrier: Carrier,
    pub encoding: Encoding,
    /// True when the final tree no longer has it: only git history does.
    pub history_only: bool,
    /// The commit that added it (git corpora only).
    pub commit: Option<String>,
    /// The commit that removed or replaced it (history-only secrets).
    pub removed_in: Option<String>,
}

impl fmt::Debug for PlantedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlantedSecret")
            .field("rule_id", &self.rule_id)
            .field("secret", &"<redacted>")
            .field("path", &self.path)
            .field("line", &self.line)
            .field("carrier", &self.carrier)
            .field("history_only", &self.history_only)
            .finish()
    }
}

/// One decoy line that must not be reported.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlantedDecoy {
    pub value: String,
    pub path: String,
    pub line: usize,
    pub reason: DecoyReason,
}

impl fmt::Debug for PlantedDecoy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlantedDecoy")
            .field("path", &self.path)
            .field("line", &self.line)
            .field("reason", &self.reason)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitRecord {
    pub sha: String,
    pub message: String,
    pub author: String,
    pub date: String,
}

/// Everything planted in a corpus.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub seed: u64,
    /// Bytes of all files in the final tree (excluding `.git`).
    pub total_bytes: u64,
    /// Number of files in the final tree (excluding `.git`).
    pub file_count: usize,
    pub planted: Vec<PlantedSecret>,
    pub decoys: Vec<PlantedDecoy>,
    /// Oldest first; empty without git history.
    pub commits: Vec<CommitRecord>,
}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manifest")
            .field("seed", &self.seed)
            .field("total_bytes", &self.total_bytes)
            .field("file_count", &self.file_count)
            .field("planted", &self.planted.len())
            .field("decoys", &self.decoys.len())
            .field("commits", &self.commits.len())
            .finish()
    }
}

impl Manifest {
    /// Planted secrets present in the final tree.
    pub fn live(&self) -> impl Iterator<Item = &PlantedSecret> {
        self.planted.iter().filter(|p| !p.history_only)
    }
}

/// A file to write, with the secrets and decoys it carries.
pub(crate) struct PlannedFile {
    pub path: String,
    pub content: String,
    pub plants: Vec<(FakeSecret, Carrier)>,
    pub decoys: Vec<(Decoy, usize)>,
}

/// Hands out unique relative paths.
#[derive(Default)]
struct Paths {
    used: BTreeSet<String>,
}

impl Paths {
    /// Claims `make(dir)` for the first service directory that is free, then numbered ones.
    fn claim(&mut self, rng: &mut impl Rng, make: impl Fn(&str) -> String) -> String {
        let mut services: Vec<&str> = SERVICES.to_vec();
        services.shuffle(rng);
        for svc in &services {
            let path = make(svc);
            if self.used.insert(path.clone()) {
                return path;
            }
        }
        let mut n = 2usize;
        loop {
            let svc = services.get(n % services.len()).copied().unwrap_or("svc");
            let path = make(&format!("{svc}-{n}"));
            if self.used.insert(path.clone()) {
                return path;
            }
            n += 1;
        }
    }

    /// Claims `path`, adding a numeric suffix before the extension when it is taken.
    fn claim_exact(&mut self, path: String) -> String {
        if self.used.insert(path.clone()) {
            return path;
        }
        let (stem, ext) = match path.rfind('.') {
            Some(dot) if dot > path.rfind('/').map_or(0, |s| s + 1) => (
                path.get(..dot).unwrap_or(&path),
                path.get(dot..).unwrap_or(""),
            ),
            _ => (path.as_str(), ""),
        };
        let mut n = 2usize;
        loop {
            let candidate = format!("{stem}_{n}{ext}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

fn provider_word(rule_id: &str) -> &str {
    rule_id.split('-').next().unwrap_or(rule_id)
}

fn lower_ident(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn push_text(lines: &mut Vec<String>, text: &str) {
    lines.extend(text.lines().map(str::to_string));
}

fn join(lines: &[String]) -> String {
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Assignment lines in a language where a line reads `prefix NAME = "value" suffix`.
fn assignments(
    lines: &mut Vec<String>,
    secret: &FakeSecret,
    render: impl Fn(&str, &str) -> String,
    render_block: impl Fn(&str, &str) -> String,
) {
    for companion in &secret.companions {
        lines.push(render(&companion.var_name, &companion.value));
    }
    match secret.shape {
        Shape::Line => lines.push(render(&secret.var_name, &secret.value)),
        Shape::Block | Shape::Document => {
            push_text(lines, &render_block(&secret.var_name, &secret.value))
        }
    }
}

fn render_source(
    kind: FillerKind,
    plants: &[&FakeSecret],
    rng: &mut impl Rng,
    render: impl Fn(&str, &str) -> String,
    render_block: impl Fn(&str, &str) -> String,
) -> String {
    let mut lines = Vec::new();
    push_text(&mut lines, &filler_header(kind, rng));
    for secret in plants {
        push_text(&mut lines, &filler_block(kind, rng));
        lines.push(String::new());
        assignments(&mut lines, secret, &render, &render_block);
    }
    push_text(&mut lines, &filler_block(kind, rng));
    join(&lines)
}

fn mcp_document(plants: &[&FakeSecret], vscode: bool) -> String {
    let mut servers = serde_json::Map::new();
    let mut filesystem = serde_json::Map::new();
    if vscode {
        filesystem.insert("type".into(), "stdio".into());
    }
    filesystem.insert("command".into(), "npx".into());
    filesystem.insert(
        "args".into(),
        serde_json::json!(["-y", "@modelcontextprotocol/server-filesystem", "./docs"]),
    );
    servers.insert("filesystem".into(), serde_json::Value::Object(filesystem));
    for (index, secret) in plants.iter().enumerate() {
        let name = format!("{}-{}", provider_word(secret.rule_id), index + 1);
        let mut env = serde_json::Map::new();
        for companion in &secret.companions {
            env.insert(companion.var_name.clone(), companion.value.as_str().into());
        }
        env.insert(secret.var_name.clone(), secret.value.as_str().into());
        let mut server = serde_json::Map::new();
        if vscode {
            server.insert("type".into(), "stdio".into());
        }
        server.insert("command".into(), "npx".into());
        server.insert(
            "args".into(),
            serde_json::json!(["-y", format!("@acme/mcp-{name}"), "--read-only"]),
        );
        server.insert("env".into(), serde_json::Value::Object(env));
        servers.insert(name, serde_json::Value::Object(server));
    }
    let root_key = if vscode { "servers" } else { "mcpServers" };
    let mut root = serde_json::Map::new();
    root.insert(root_key.into(), serde_json::Value::Object(servers));
    let mut text =
        serde_json::to_string_pretty(&serde_json::Value::Object(root)).unwrap_or_default();
    text.push('\n');
    text
}

fn notebook(plants: &[&FakeSecret], rng: &mut impl Rng) -> String {
    let noun = crate::filler::NOUNS.choose(rng).copied().unwrap_or("order");
    let mut cells = vec![
        serde_json::json!({
            "cell_type": "markdown",
            "metadata": {},
            "source": [format!("# Exploring {noun} data\n"), "\n", "Quick analysis; credentials should come from the environment.\n"]
        }),
        serde_json::json!({
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": ["import os\n", "import pandas as pd\n", "import requests\n"]
        }),
    ];
    for (index, secret) in plants.iter().enumerate() {
        let mut source: Vec<String> = secret
            .companions
            .iter()
            .map(|c| format!("{} = \"{}\"\n", c.var_name, c.value.as_str()))
            .collect();
        source.push(format!(
            "{} = \"{}\"\n",
            secret.var_name,
            secret.value.as_str()
        ));
        source.push(format!(
            "resp = requests.get(\"https://api.acme-corp.io/{noun}s\", headers={{\"Authorization\": f\"Bearer {{{}}}\"}})\n",
            secret.var_name
        ));
        source.push("df = pd.DataFrame(resp.json())".to_string());
        cells.push(serde_json::json!({
            "cell_type": "code",
            "execution_count": index + 2,
            "metadata": {},
            "outputs": [],
            "source": source
        }));
        cells.push(serde_json::json!({
            "cell_type": "markdown",
            "metadata": {},
            "source": [format!("## Step {}\n", index + 2), "Check the totals before exporting the token usage report.\n"]
        }));
    }
    let doc = serde_json::json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.6"}
        },
        "nbformat": 4,
        "nbformat_minor": 5
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn render(carrier: Carrier, plants: &[&FakeSecret], svc: &str, rng: &mut impl Rng) -> String {
    match carrier {
        Carrier::Python => render_source(
            FillerKind::Python,
            plants,
            rng,
            |n, v| format!("{n} = \"{v}\""),
            |n, v| format!("{n} = \"\"\"{v}\"\"\""),
        ),
        Carrier::JavaScript => render_source(
            FillerKind::JavaScript,
            plants,
            rng,
            |n, v| format!("export const {n} = \"{v}\";"),
            |n, v| format!("export const {n} = `{v}`;"),
        ),
        Carrier::TypeScript => render_source(
            FillerKind::TypeScript,
            plants,
            rng,
            |n, v| format!("export const {n}: string = \"{v}\";"),
            |n, v| format!("export const {n}: string = `{v}`;"),
        ),
        Carrier::Go => render_source(
            FillerKind::Go,
            plants,
            rng,
            |n, v| format!("var {n} = \"{v}\""),
            |n, v| format!("var {n} = `{v}`"),
        ),
        Carrier::Terraform => render_source(
            FillerKind::Terraform,
            plants,
            rng,
            |n, v| format!("locals {{\n  {} = \"{v}\"\n}}", lower_ident(n)),
            |n, v| format!("locals {{\n  {} = <<-EOT\n{v}\nEOT\n}}", lower_ident(n)),
        ),
        Carrier::DotEnv => {
            let mut settings = Settings::new(rng);
            let mut lines = vec![format!("# {svc} service environment")];
            for secret in plants {
                for _ in 0..6 {
                    let (name, value) = settings.take();
                    lines.push(format!("{name}={value}"));
                }
                lines.extend(secret.env_lines());
            }
            for _ in 0..4 {
                let (name, value) = settings.take();
                lines.push(format!("{name}={value}"));
            }
            join(&lines)
        }
        Carrier::DockerCompose => {
            let mut settings = Settings::new(rng);
            let mut lines = vec![
                "services:".to_string(),
                format!("  {svc}:"),
                format!(
                    "    image: ghcr.io/acme/{svc}:1.{}.0",
                    rng.random_range(0..40)
                ),
                "    restart: unless-stopped".to_string(),
                "    environment:".to_string(),
            ];
            for secret in plants {
                for _ in 0..6 {
                    let (name, value) = settings.take();
                    lines.push(format!("      - {name}={value}"));
                }
                lines.extend(
                    secret
                        .env_lines()
                        .into_iter()
                        .map(|l| format!("      - {l}")),
                );
            }
            lines.extend(
                [
                    "    ports:",
                    "      - \"8080:8080\"",
                    "    depends_on:",
                    "      - postgres",
                    "  postgres:",
                    "    image: postgres:16",
                    "    environment:",
                    "      - POSTGRES_PASSWORD_FILE=/run/secrets/pg_password",
                ]
                .map(String::from),
            );
            join(&lines)
        }
        Carrier::GithubWorkflow => {
            let mut settings = Settings::new(rng);
            let mut lines = vec![
                format!("name: Deploy {svc}"),
                "on:".to_string(),
                "  push:".to_string(),
                "    branches: [main]".to_string(),
                "  workflow_dispatch: {}".to_string(),
                "permissions:".to_string(),
                "  contents: read".to_string(),
                "jobs:".to_string(),
                "  deploy:".to_string(),
                "    runs-on: ubuntu-latest".to_string(),
                "    env:".to_string(),
            ];
            for secret in plants {
                for _ in 0..6 {
                    let (name, value) = settings.take();
                    lines.push(format!("      {name}: \"{value}\""));
                }
                for companion in &secret.companions {
                    lines.push(format!(
                        "      {}: \"{}\"",
                        companion.var_name,
                        companion.value.as_str()
                    ));
                }
                lines.push(format!(
                    "      {}: \"{}\"",
                    secret.var_name,
                    secret.value.as_str()
                ));
            }
            lines.extend(
                [
                    "    steps:",
                    "      - uses: actions/checkout@v4",
                    "      - name: Build",
                    "        run: make build",
                    "      - name: Deploy",
                ]
                .map(String::from),
            );
            lines.push(format!("        run: ./scripts/deploy.sh {svc}"));
            join(&lines)
        }
        Carrier::YamlConfig => {
            let mut settings = Settings::new(rng);
            let mut lines = vec![format!("# {svc} application settings"), format!("{svc}:")];
            for secret in plants {
                for _ in 0..6 {
                    let (name, value) = settings.take();
                    lines.push(format!("  {}: \"{value}\"", lower_ident(&name)));
                }
                for companion in &secret.companions {
                    lines.push(format!(
                        "  {}: \"{}\"",
                        lower_ident(&companion.var_name),
                        companion.value.as_str()
                    ));
                }
                match secret.shape {
                    Shape::Line => lines.push(format!(
                        "  {}: \"{}\"",
                        lower_ident(&secret.var_name),
                        secret.value.as_str()
                    )),
                    Shape::Block | Shape::Document => {
                        lines.push(format!("  {}: |", lower_ident(&secret.var_name)));
                        lines.extend(secret.value.lines().map(|l| format!("    {l}")));
                    }
                }
            }
            let (name, value) = settings.take();
            lines.push(format!("  {}: \"{value}\"", lower_ident(&name)));
            join(&lines)
        }
        Carrier::KubernetesSecret => {
            let mut settings = Settings::new(rng);
            let mut lines = vec![
                "apiVersion: v1".to_string(),
                "kind: Secret".to_string(),
                "metadata:".to_string(),
                format!("  name: {svc}-credentials"),
                format!("  namespace: {svc}"),
                "  labels:".to_string(),
                format!("    app.kubernetes.io/name: {svc}"),
                "type: Opaque".to_string(),
                "data:".to_string(),
            ];
            for secret in plants {
                for _ in 0..3 {
                    let (name, value) = settings.take();
                    lines.push(format!("  {name}: {}", base64_std(value)));
                }
                for companion in &secret.companions {
                    lines.push(format!(
                        "  {}: {}",
                        companion.var_name,
                        base64_std(&companion.value)
                    ));
                }
                lines.push(format!(
                    "  {}: {}",
                    secret.var_name,
                    base64_std(&secret.value)
                ));
            }
            join(&lines)
        }
        Carrier::McpJson | Carrier::CursorMcpJson => mcp_document(plants, false),
        Carrier::VscodeMcpJson => mcp_document(plants, true),
        Carrier::JupyterNotebook => notebook(plants, rng),
        Carrier::KeyFile => {
            let mut text = plants
                .iter()
                .map(|s| s.value.as_str().to_string())
                .collect::<Vec<_>>()
                .join("\n");
            text.push('\n');
            text
        }
        Carrier::JsonFile => {
            if let [single] = plants
                && single.shape == Shape::Document
            {
                let mut text = single.value.as_str().to_string();
                text.push('\n');
                return text;
            }
            let mut settings = Settings::new(rng);
            let mut fields = vec![format!("  \"service\": {}", json_string(svc))];
            for secret in plants {
                for _ in 0..6 {
                    let (name, value) = settings.take();
                    fields.push(format!(
                        "  {}: {}",
                        json_string(&lower_ident(&name)),
                        json_string(value)
                    ));
                }
                for companion in &secret.companions {
                    fields.push(format!(
                        "  {}: {}",
                        json_string(&lower_ident(&companion.var_name)),
                        json_string(&companion.value)
                    ));
                }
                fields.push(format!(
                    "  {}: {}",
                    json_string(&lower_ident(&secret.var_name)),
                    json_string(&secret.value)
                ));
            }
            format!("{{\n{}\n}}\n", fields.join(",\n"))
        }
    }
}

fn carrier_path(
    carrier: Carrier,
    secret: &FakeSecret,
    paths: &mut Paths,
    rng: &mut impl Rng,
) -> String {
    let word = provider_word(secret.rule_id).to_string();
    match carrier {
        Carrier::Python => paths.claim(rng, |svc| {
            format!("services/{svc}/{svc}/settings_{word}.py")
        }),
        Carrier::JavaScript => {
            paths.claim(rng, |svc| format!("web/{svc}-portal/src/config/{word}.js"))
        }
        Carrier::TypeScript => paths.claim(rng, |svc| {
            format!("web/{svc}-dashboard/src/lib/{word}Client.ts")
        }),
        Carrier::Go => paths.claim(rng, |svc| format!("go/internal/{svc}/{word}_config.go")),
        Carrier::Terraform => paths.claim(rng, |svc| format!("infra/terraform/{svc}/{word}.tf")),
        Carrier::DotEnv => {
            let name = *[".env", ".env.production", ".env.local", ".env.staging"]
                .choose(rng)
                .unwrap_or(&".env");
            paths.claim(rng, |svc| format!("services/{svc}/{name}"))
        }
        Carrier::DockerCompose => {
            paths.claim(rng, |svc| format!("services/{svc}/docker-compose.yml"))
        }
        Carrier::GithubWorkflow => {
            paths.claim(rng, |svc| format!(".github/workflows/deploy-{svc}.yml"))
        }
        Carrier::YamlConfig => paths.claim(rng, |svc| format!("config/{svc}/{word}.yaml")),
        Carrier::KubernetesSecret => {
            paths.claim(rng, |svc| format!("deploy/k8s/{svc}/secret-{word}.yaml"))
        }
        Carrier::McpJson => {
            if paths.used.insert(".mcp.json".to_string()) {
                ".mcp.json".to_string()
            } else {
                paths.claim(rng, |svc| format!("packages/{svc}/.mcp.json"))
            }
        }
        Carrier::CursorMcpJson => {
            if paths.used.insert(".cursor/mcp.json".to_string()) {
                ".cursor/mcp.json".to_string()
            } else {
                paths.claim(rng, |svc| format!("packages/{svc}/.cursor/mcp.json"))
            }
        }
        Carrier::VscodeMcpJson => {
            if paths.used.insert(".vscode/mcp.json".to_string()) {
                ".vscode/mcp.json".to_string()
            } else {
                paths.claim(rng, |svc| format!("packages/{svc}/.vscode/mcp.json"))
            }
        }
        Carrier::JupyterNotebook => paths.claim(rng, |svc| {
            format!("notebooks/{svc}/{word}-exploration.ipynb")
        }),
        Carrier::KeyFile => {
            let file = match secret.rule_id {
                "private-key-openssh" => "id_ed25519".to_string(),
                "private-key-putty" => "deploy.ppk".to_string(),
                _ => "server.key".to_string(),
            };
            paths.claim(rng, |svc| format!("ops/{svc}/keys/{file}"))
        }
        Carrier::JsonFile => {
            if secret.shape == Shape::Document {
                paths.claim(rng, |svc| {
                    format!("credentials/gcp/{svc}-service-account.json")
                })
            } else {
                paths.claim(rng, |svc| format!("config/{svc}/{word}.credentials.json"))
            }
        }
    }
}

/// The text expected on a planted secret's line, in the carrier's encoding.
fn anchor(secret: &FakeSecret, encoding: Encoding) -> String {
    match encoding {
        Encoding::Plain => secret
            .canonical
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        Encoding::JsonString => json_escape(&secret.canonical),
        Encoding::Base64 => base64_std(&secret.value),
    }
}

/// Groups `secrets` into carrier files and renders them.
fn plant_files(
    secrets: Vec<(FakeSecret, Carrier)>,
    paths: &mut Paths,
    rng: &mut ChaCha8Rng,
) -> Vec<PlannedFile> {
    let mut by_carrier: Vec<(Carrier, Vec<FakeSecret>)> = Vec::new();
    for (secret, carrier) in secrets {
        match by_carrier.iter_mut().find(|(c, _)| *c == carrier) {
            Some((_, list)) => list.push(secret),
            None => by_carrier.push((carrier, vec![secret])),
        }
    }
    let mut files = Vec::new();
    for (carrier, mut list) in by_carrier {
        list.shuffle(rng);
        let mut queue = list.into_iter().peekable();
        while let Some(first) = queue.next() {
            let mut group = vec![first];
            // Multi-line secrets and lone AWS key ids get a file of their own: one block
            // per file keeps its BEGIN line unique, and a lone key id must not sit near
            // another planted AWS secret that would pair with it.
            let solo = |s: &FakeSecret| s.shape != Shape::Line || s.rule_id == "aws-access-key-id";
            let capacity = if solo(&group[0]) || carrier == Carrier::KeyFile {
                1
            } else {
                rng.random_range(1..=4)
            };
            while group.len() < capacity {
                match queue.peek() {
                    Some(next) if !solo(next) && !names_clash(&group, next) => {
                        if let Some(next) = queue.next() {
                            group.push(next);
                        }
                    }
                    _ => break,
                }
            }
            let path = carrier_path(carrier, &group[0], paths, rng);
            let svc = SERVICES
                .iter()
                .find(|s| path.contains(*s))
                .copied()
                .unwrap_or("platform")
                .to_string();
            let refs: Vec<&FakeSecret> = group.iter().collect();
            let content = render(carrier, &refs, &svc, rng);
            files.push(PlannedFile {
                path,
                content,
                plants: group.into_iter().map(|s| (s, carrier)).collect(),
                decoys: Vec::new(),
            });
        }
    }
    files
}

/// The keys `secret` is written under, as YAML/JSON carriers spell them.
fn assigned_names(secret: &FakeSecret) -> impl Iterator<Item = String> + '_ {
    secret
        .companions
        .iter()
        .map(|c| lower_ident(&c.var_name))
        .chain(std::iter::once(lower_ident(&secret.var_name)))
}

/// Whether `next` would assign a name the group already assigns. Two plants of one rule
/// often share a variable name; in one file that is a duplicate key (Kubernetes `data:`,
/// workflow `env:`, YAML and JSON mappings) or a redeclaration (JS `const`, Go `var`),
/// which makes the file invalid and lets a parser-based scanner skip it.
fn names_clash(group: &[FakeSecret], next: &FakeSecret) -> bool {
    let taken: BTreeSet<String> = group.iter().flat_map(assigned_names).collect();
    assigned_names(next).any(|name| taken.contains(&name))
}

fn allowed_carriers(shape: Shape) -> &'static [Carrier] {
    match shape {
        Shape::Line => LINE_CARRIERS,
        Shape::Block => BLOCK_CARRIERS,
        Shape::Document => DOCUMENT_CARRIERS,
    }
}

/// `count` fresh secrets per rule, each assigned a carrier so that carriers rotate.
fn draw_secrets(count: usize, rng: &mut ChaCha8Rng) -> Vec<(FakeSecret, Carrier)> {
    let mut out = Vec::new();
    for rule in RULE_IDS {
        let offset = rng.random_range(0..LINE_CARRIERS.len());
        for i in 0..count {
            let Some(secret) = fake_secret(rule, rng) else {
                continue;
            };
            let carriers = allowed_carriers(secret.shape);
            let carrier = carriers[(offset + i) % carriers.len()];
            out.push((secret, carrier));
        }
    }
    out
}

fn decoy_file_kind(file: DecoyFile) -> Option<FillerKind> {
    match file {
        DecoyFile::Python => Some(FillerKind::Python),
        DecoyFile::JavaScript => Some(FillerKind::JavaScript),
        DecoyFile::Go => Some(FillerKind::Go),
        DecoyFile::Yaml => Some(FillerKind::Yaml),
        DecoyFile::Markdown => Some(FillerKind::Markdown),
        DecoyFile::DotEnv => None,
    }
}

/// The key of a `key: value` YAML line.
fn yaml_key(line: &str) -> &str {
    line.trim_start()
        .split_once(':')
        .map_or(line.trim_start(), |(key, _)| key)
}

/// A decoy line as written into a filler file. YAML decoys are written for a nested
/// context (a workflow step's `env:`, a compose service) but land between top-level
/// blocks, where their indentation would continue the previous block's last scalar and
/// break the document; there they become top-level keys.
fn placed_line(kind: DecoyFile, line: &str) -> String {
    match kind {
        DecoyFile::Yaml => line.trim_start().to_string(),
        _ => line.to_string(),
    }
}

fn decoy_files(count: usize, paths: &mut Paths, rng: &mut ChaCha8Rng) -> Vec<PlannedFile> {
    let mut pending: Vec<Decoy> = Vec::new();
    while pending.len() < count {
        let mut batch = decoys(rng);
        batch.shuffle(rng);
        let room = count - pending.len();
        pending.extend(batch.into_iter().take(room));
    }
    let kinds = [
        DecoyFile::Python,
        DecoyFile::JavaScript,
        DecoyFile::Go,
        DecoyFile::Yaml,
        DecoyFile::Markdown,
        DecoyFile::DotEnv,
    ];
    let mut files = Vec::new();
    for kind in kinds {
        let of_kind: Vec<Decoy> = pending.iter().filter(|d| d.file == kind).cloned().collect();
        // Up to four decoys per file; in YAML no two with the same key, because the
        // decoys become top-level keys of one mapping.
        let mut chunks: Vec<Vec<Decoy>> = Vec::new();
        for decoy in of_kind {
            let fits = chunks.last().is_some_and(|chunk: &Vec<Decoy>| {
                chunk.len() < 4
                    && (kind != DecoyFile::Yaml
                        || chunk
                            .iter()
                            .all(|d| yaml_key(&d.line) != yaml_key(&decoy.line)))
            });
            match chunks.last_mut() {
                Some(chunk) if fits => chunk.push(decoy),
                _ => chunks.push(vec![decoy]),
            }
        }
        for chunk in &chunks {
            let (filler_lines, path): (Vec<String>, String) = match decoy_file_kind(kind) {
                Some(filler) => {
                    let size = rng.random_range(1500..5000);
                    let text = filler_file(filler, rng, size);
                    let path = paths.claim_exact(filler_path(filler, rng));
                    (text.lines().map(str::to_string).collect(), path)
                }
                None => {
                    let mut settings = Settings::new(rng);
                    let lines = (0..12)
                        .map(|_| {
                            let (n, v) = settings.take();
                            format!("{n}={v}")
                        })
                        .collect();
                    let path = paths.claim(rng, |svc| format!("services/{svc}/.env.development"));
                    (lines, path)
                }
            };
            // Decoys go after blank lines (between top-level blocks) so each file still
            // reads like its language; a file without one takes them at the end.
            let mut slots: Vec<usize> = filler_lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.trim().is_empty())
                .map(|(i, _)| i)
                .collect();
            if slots.is_empty() || kind == DecoyFile::DotEnv {
                slots = (0..filler_lines.len()).collect();
            }
            let mut chosen: Vec<usize> = slots.choose_multiple(rng, chunk.len()).copied().collect();
            while chosen.len() < chunk.len() {
                chosen.push(filler_lines.len().saturating_sub(1));
            }
            chosen.sort_unstable();
            let mut out = Vec::with_capacity(filler_lines.len() + chunk.len());
            let mut placed = Vec::new();
            let mut next = chosen.iter().zip(chunk.iter()).peekable();
            for (index, line) in filler_lines.iter().enumerate() {
                out.push(line.clone());
                while let Some((slot, decoy)) = next.peek() {
                    if **slot != index {
                        break;
                    }
                    out.push(placed_line(kind, &decoy.line));
                    placed.push(((*decoy).clone(), out.len()));
                    next.next();
                }
            }
            for (_, decoy) in next {
                out.push(placed_line(kind, &decoy.line));
                placed.push((decoy.clone(), out.len()));
            }
            files.push(PlannedFile {
                path,
                content: join(&out),
                plants: Vec::new(),
                decoys: placed,
            });
        }
    }
    files
}

pub(crate) fn write_file(root: &Path, relative: &str, content: &str) -> std::io::Result<()> {
    let full = root.join(relative);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(|e| with_path(e, parent))?;
    }
    std::fs::write(&full, content).map_err(|e| with_path(e, &full))
}

pub(crate) fn with_path(err: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

pub(crate) fn locate(
    file: &PlannedFile,
    history_only: bool,
) -> std::io::Result<Vec<PlantedSecret>> {
    let mut out = Vec::new();
    for (secret, carrier) in &file.plants {
        let encoding = carrier.encoding();
        let needle = anchor(secret, encoding);
        let line = file
            .content
            .lines()
            .position(|l| l.contains(needle.as_str()))
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "internal: planted {} not found in rendered {}",
                    secret.rule_id, file.path
                ))
            })?;
        out.push(PlantedSecret {
            rule_id: secret.rule_id.to_string(),
            secret: secret.canonical.clone(),
            path: file.path.clone(),
            line: line + 1,
            carrier: *carrier,
            encoding,
            history_only,
            commit: None,
            removed_in: None,
        });
    }
    Ok(out)
}

fn filler_files(
    budget: u64,
    density: KeywordDensity,
    paths: &mut Paths,
    rng: &mut ChaCha8Rng,
) -> Vec<PlannedFile> {
    let mut files = Vec::new();
    let mut left = budget;
    while left > 512 {
        let kind = FILLER_KINDS
            .choose(rng)
            .copied()
            .unwrap_or(FillerKind::Python);
        let want = rng.random_range(2_000u64..40_000).min(left);
        let content = filler_file_at(kind, density, rng, want as usize);
        left = left.saturating_sub(content.len() as u64);
        let path = paths.claim_exact(filler_path(kind, rng));
        files.push(PlannedFile {
            path,
            content,
            plants: Vec::new(),
            decoys: Vec::new(),
        });
    }
    files
}

/// Writes a corpus into `dir`, which must be missing or empty, and returns its
/// manifest. Deterministic for a given `spec` (commit ids included).
pub fn write_corpus(dir: &Path, spec: &CorpusSpec) -> std::io::Result<Manifest> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| with_path(e, dir))?;
        if entries.next().is_some() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{}: corpus directory is not empty", dir.display()),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut paths = Paths::default();

    let mut final_files = plant_files(draw_secrets(spec.per_rule, &mut rng), &mut paths, &mut rng);
    let mut history = crate::history::HistoryPlan::default();
    if spec.git_history {
        history.removed_files = plant_files(draw_secrets(1, &mut rng), &mut paths, &mut rng);
        if let Some((old, new)) = rotation_pair("stripe-secret-key", &mut paths, &mut rng) {
            history.rotated_path = Some(new.path.clone());
            history.rotated_old = Some(old);
            final_files.push(new);
        }
    }
    final_files.extend(decoy_files(spec.decoys, &mut paths, &mut rng));
    let used: u64 = final_files.iter().map(|f| f.content.len() as u64).sum();
    final_files.extend(filler_files(
        spec.total_bytes.saturating_sub(used),
        spec.density,
        &mut paths,
        &mut rng,
    ));
    final_files.sort_by(|a, b| a.path.cmp(&b.path));

    let mut manifest = Manifest {
        seed: spec.seed,
        total_bytes: final_files.iter().map(|f| f.content.len() as u64).sum(),
        file_count: final_files.len(),
        planted: Vec::new(),
        decoys: Vec::new(),
        commits: Vec::new(),
    };
    for file in &final_files {
        manifest.planted.extend(locate(file, false)?);
        manifest
            .decoys
            .extend(file.decoys.iter().map(|(d, line)| PlantedDecoy {
                value: d.value.clone(),
                path: file.path.clone(),
                line: *line,
                reason: d.reason,
            }));
    }

    if spec.git_history {
        crate::history::write_with_history(dir, &final_files, &history, &mut manifest)?;
    } else {
        for file in &final_files {
            write_file(dir, &file.path, &file.content)?;
        }
    }
    Ok(manifest)
}

/// The same Python settings file twice, once with an old and once with a new key for
/// `rule_id`; the code around the key is identical in both, as in a real rotation.
fn rotation_pair(
    rule_id: &str,
    paths: &mut Paths,
    rng: &mut ChaCha8Rng,
) -> Option<(PlannedFile, PlannedFile)> {
    let old = fake_secret(rule_id, rng)?;
    let new = fake_secret(rule_id, rng)?;
    let path = paths.claim(rng, |svc| format!("services/{svc}/{svc}/payment_keys.py"));
    let mut old_rng = rng.clone();
    let new_content = render(Carrier::Python, &[&new], "payments", rng);
    let old_content = render(Carrier::Python, &[&old], "payments", &mut old_rng);
    Some((
        PlannedFile {
            path: path.clone(),
            content: old_content,
            plants: vec![(old, Carrier::Python)],
            decoys: Vec::new(),
        },
        PlannedFile {
            path,
            content: new_content,
            plants: vec![(new, Carrier::Python)],
            decoys: Vec::new(),
        },
    ))
}
