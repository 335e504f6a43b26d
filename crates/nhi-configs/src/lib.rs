//! Parsers for AI-agent/MCP configs, CI workflows, dotenv, cloud CLI credential files and
//! compose files.
//!
//! Each parser turns one file into [`ConsumerEntry`] values: who uses which credential,
//! through which slot (`env:NAME`, `header:Name`, `arg:--flag`, `secret:NAME`,
//! `key:path.to.field`), and whether the config holds the secret itself (a literal) or
//! only a reference resolved at run time. Literal secrets are held in
//! [`zeroize::Zeroizing`] strings and never appear in a `Debug` rendering, an error or an
//! endpoint; the scan crate fingerprints them at the boundary.

use std::collections::BTreeMap;
use std::fmt;

use nhi_model::{ConsumerKind, SkipReason, SourceKind};

mod aws;
mod classify;
mod compose;
mod continue_dev;
mod detect;
mod doc;
mod dotenv;
mod entry;
mod gcloud;
mod kube;
mod mcp;
mod workflow;

pub use detect::detect_format;

/// The config formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigFormat {
    /// `claude_desktop_config.json`: `mcpServers` → name → {command, args, env}.
    ClaudeDesktop,
    /// `.mcp.json` (project scope) and `~/.claude.json` (user and per-project scopes).
    ClaudeCode,
    /// `.cursor/mcp.json`.
    Cursor,
    /// `.vscode/mcp.json`: top-level `servers` and `inputs`.
    VsCode,
    /// `~/.codeium/windsurf/mcp_config.json`.
    Windsurf,
    /// `.gemini/settings.json`.
    GeminiCli,
    /// `.continue/config.json`, `.continue/config.yaml`, `.continue/mcpServers/*`.
    Continue,
    /// `.github/workflows/*.yml`.
    GithubWorkflow,
    /// `.env`, `.env.*`, `*.env`.
    DotEnv,
    /// `~/.aws/credentials` and `~/.aws/config`.
    AwsCli,
    /// gcloud `application_default_credentials.json` and other Google credential JSON.
    GcloudAdc,
    /// `~/.kube/config` and other kubeconfig files.
    Kubeconfig,
    /// `docker-compose.yml`, `compose.yaml` and overrides.
    Compose,
}

impl ConfigFormat {
    pub const ALL: &'static [ConfigFormat] = &[
        ConfigFormat::ClaudeDesktop,
        ConfigFormat::ClaudeCode,
        ConfigFormat::Cursor,
        ConfigFormat::VsCode,
        ConfigFormat::Windsurf,
        ConfigFormat::GeminiCli,
        ConfigFormat::Continue,
        ConfigFormat::GithubWorkflow,
        ConfigFormat::DotEnv,
        ConfigFormat::AwsCli,
        ConfigFormat::GcloudAdc,
        ConfigFormat::Kubeconfig,
        ConfigFormat::Compose,
    ];

    /// The client or system that reads the config, as `Consumer::tool` names it.
    pub fn tool(self) -> &'static str {
        match self {
            ConfigFormat::ClaudeDesktop => "claude_desktop",
            ConfigFormat::ClaudeCode => "claude_code",
            ConfigFormat::Cursor => "cursor",
            ConfigFormat::VsCode => "vscode",
            ConfigFormat::Windsurf => "windsurf",
            ConfigFormat::GeminiCli => "gemini_cli",
            ConfigFormat::Continue => "continue",
            ConfigFormat::GithubWorkflow => "github_actions",
            ConfigFormat::DotEnv => "dotenv",
            ConfigFormat::AwsCli => "aws_cli",
            ConfigFormat::GcloudAdc => "gcloud",
            ConfigFormat::Kubeconfig => "kubectl",
            ConfigFormat::Compose => "docker_compose",
        }
    }

    /// The source kind sightings in this format are recorded under.
    pub fn source_kind(self) -> SourceKind {
        match self {
            ConfigFormat::ClaudeDesktop
            | ConfigFormat::ClaudeCode
            | ConfigFormat::Cursor
            | ConfigFormat::VsCode
            | ConfigFormat::Windsurf
            | ConfigFormat::GeminiCli
            | ConfigFormat::Continue => SourceKind::AgentConfig,
            ConfigFormat::GithubWorkflow => SourceKind::Workflow,
            ConfigFormat::DotEnv => SourceKind::EnvFile,
            ConfigFormat::AwsCli | ConfigFormat::GcloudAdc | ConfigFormat::Kubeconfig => {
                SourceKind::CloudCliConfig
            }
            ConfigFormat::Compose => SourceKind::Compose,
        }
    }
}

impl fmt::Display for ConfigFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tool())
    }
}

/// One consumer found in a config: an MCP server, a workflow, a compose service, a CLI
/// profile, a kubeconfig user or a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerEntry {
    pub kind: ConsumerKind,
    /// The client that reads the config: [`ConfigFormat::tool`].
    pub tool: &'static str,
    /// Unique within one file and kind, so `Consumer::make_id` is stable.
    pub name: String,
    /// 1-based line of the entry's key (best effort, always within the file).
    pub line: u32,
    /// The command line or URL the entry runs or calls, with literal secrets replaced by
    /// `<redacted>`.
    pub endpoint: Option<String>,
    pub credentials: Vec<CarriedCredential>,
    /// Kind-specific facts: `transport`, `remote`, `cloud_auth`, `permissions`, ….
    pub attributes: BTreeMap<String, String>,
}

impl ConsumerEntry {
    /// True if any credential is written into the config as a literal.
    pub fn has_literal(&self) -> bool {
        self.credentials.iter().any(|c| c.value.is_literal())
    }
}

/// One credential slot of a consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedCredential {
    /// `env:NAME`, `header:Name`, `arg:--flag`, `secret:NAME`, `key:path.to.field`,
    /// `url:password`, `url:param:NAME`.
    pub carrier: String,
    /// 1-based line of the slot.
    pub line: u32,
    pub value: CarriedValue,
}

/// What a credential slot holds.
#[derive(Clone, PartialEq, Eq)]
pub enum CarriedValue {
    /// A secret written into the config. Never printed.
    Literal(zeroize::Zeroizing<String>),
    /// A reference resolved at run time, as written: `${OPENAI_API_KEY}`,
    /// `${{ secrets.X }}`, `${input:token}`, `op://…`. Holds no secret.
    Reference(String),
    /// The slot is present but empty.
    Empty,
}

impl CarriedValue {
    pub fn is_literal(&self) -> bool {
        matches!(self, CarriedValue::Literal(_))
    }

    /// The literal secret, for fingerprinting.
    pub fn literal(&self) -> Option<&str> {
        match self {
            CarriedValue::Literal(secret) => Some(secret.as_str()),
            _ => None,
        }
    }

    pub fn reference(&self) -> Option<&str> {
        match self {
            CarriedValue::Reference(reference) => Some(reference),
            _ => None,
        }
    }
}

impl fmt::Debug for CarriedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CarriedValue::Literal(_) => f.write_str("Literal(<redacted>)"),
            CarriedValue::Reference(reference) => {
                f.debug_tuple("Reference").field(reference).finish()
            }
            CarriedValue::Empty => f.write_str("Empty"),
        }
    }
}

/// Why a config could not be read. Messages never quote the file's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not valid JSON/YAML/INI/dotenv (truncated, unbalanced, unterminated).
    #[error("malformed at line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based; 0 when the parser could not tell.
        line: u32,
        column: u32,
        message: String,
    },
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {byte_offset}")]
    InvalidUtf8 { byte_offset: usize },
}

impl ConfigError {
    /// Where in the file, in the form `Warning::position` uses: `line 3, column 7` or
    /// `byte 1024`.
    pub fn position(&self) -> Option<String> {
        match self {
            ConfigError::Malformed { line: 0, .. } => None,
            ConfigError::Malformed {
                line, column: 0, ..
            } => Some(format!("line {line}")),
            ConfigError::Malformed { line, column, .. } => {
                Some(format!("line {line}, column {column}"))
            }
            ConfigError::InvalidUtf8 { byte_offset } => Some(format!("byte {byte_offset}")),
        }
    }

    /// The skip reason a scan records for this error.
    pub fn skip_reason(&self) -> SkipReason {
        match self {
            ConfigError::Malformed { .. } => SkipReason::Malformed,
            ConfigError::InvalidUtf8 { .. } => SkipReason::InvalidUtf8,
        }
    }
}

/// Parses one file. `rel_path` is relative with `/` separators; it names entries where the
/// file has no name of its own (dotenv files, unnamed workflows) and picks the variant of
/// a format (`.claude.json` vs `.mcp.json`, AWS `config` vs `credentials`).
pub fn parse(
    format: ConfigFormat,
    rel_path: &str,
    content: &[u8],
) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let text = doc::decode(content)?;
    let mut entries = match format {
        ConfigFormat::ClaudeDesktop
        | ConfigFormat::ClaudeCode
        | ConfigFormat::Cursor
        | ConfigFormat::VsCode
        | ConfigFormat::Windsurf
        | ConfigFormat::GeminiCli => mcp::parse(format, rel_path, text)?,
        ConfigFormat::Continue => continue_dev::parse(rel_path, text)?,
        ConfigFormat::GithubWorkflow => workflow::parse(rel_path, text)?,
        ConfigFormat::DotEnv => dotenv::parse(rel_path, text)?,
        ConfigFormat::AwsCli => aws::parse(rel_path, text)?,
        ConfigFormat::GcloudAdc => gcloud::parse(rel_path, text)?,
        ConfigFormat::Kubeconfig => kube::parse(rel_path, text)?,
        ConfigFormat::Compose => compose::parse(rel_path, text)?,
    };
    entries.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    make_names_unique(&mut entries);
    Ok(entries)
}

/// Consumer IDs are `kind:path#name`, so two entries of one kind in one file must not
/// share a name; later duplicates get `#2`, `#3`, ….
fn make_names_unique(entries: &mut [ConsumerEntry]) {
    let mut seen: BTreeMap<(ConsumerKind, String), usize> = BTreeMap::new();
    for entry in entries.iter_mut() {
        let count = seen.entry((entry.kind, entry.name.clone())).or_insert(0);
        *count += 1;
        if *count > 1 {
            entry.name = format!("{}#{}", entry.name, count);
        }
    }
}

/// The last path component.
pub(crate) fn file_name(rel_path: &str) -> &str {
    rel_path.rsplit(['/', '\\']).next().unwrap_or(rel_path)
}
