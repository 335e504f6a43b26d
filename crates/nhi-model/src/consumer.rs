use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Fingerprint, Preview};

/// What kind of thing uses credentials: an AI agent's MCP server, a CI workflow, a
/// compose service, a CLI profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsumerKind {
    McpServer,
    /// A model endpoint an agent calls with its own API key (Continue `models[]`).
    AgentModel,
    Workflow,
    ComposeService,
    EnvFile,
    CloudCliProfile,
    KubeconfigUser,
}

crate::string_enum!(ConsumerKind, "consumer kind", {
    McpServer => "mcp_server",
    AgentModel => "agent_model",
    Workflow => "workflow",
    ComposeService => "compose_service",
    EnvFile => "env_file",
    CloudCliProfile => "cloud_cli_profile",
    KubeconfigUser => "kubeconfig_user",
});

/// How a consumer supplies a credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CredentialValue {
    /// A secret written into the config itself: the worst case.
    Literal {
        fingerprint: Fingerprint,
        preview: Preview,
    },
    /// A reference resolved at run time (`${OPENAI_API_KEY}`, `${{ secrets.X }}`,
    /// `${input:token}`): the config holds no secret.
    Reference { reference: String },
    /// The key is present but empty.
    Empty,
    /// A placeholder or documentation value (`your-api-key-here`, `changeme`,
    /// `xoxb-your-token`): no live secret, but a slot someone may fill in later.
    Placeholder,
}

/// One credential a consumer carries, and in which slot (env var, header, argument).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CredentialUse {
    /// Where it is carried: `env:OPENAI_API_KEY`, `header:Authorization`,
    /// `secret:AWS_ACCESS_KEY_ID`, `arg:--api-key`.
    pub carrier: String,
    pub value: CredentialValue,
    pub line: u32,
}

/// An automation or AI-agent entry in the inventory: the "who uses it" half of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    /// Stable ID: `kind:path#name`.
    pub id: String,
    pub kind: ConsumerKind,
    /// The client or system that reads the config: `claude_desktop`, `claude_code`,
    /// `cursor`, `vscode`, `windsurf`, `gemini_cli`, `continue`, `github_actions`,
    /// `docker_compose`, `dotenv`, `aws_cli`, `gcloud`, `kubectl`.
    pub tool: String,
    pub name: String,
    /// Path relative to the scanned root.
    pub path: String,
    /// The scan root the path is relative to, as given on the command line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub root: String,
    pub line: u32,
    /// The command line or URL the agent runs or calls, with secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub credentials: Vec<CredentialUse>,
    /// Kind-specific facts, e.g. for a workflow `cloud_auth = oidc|static_keys|none` and
    /// `permissions = write-all|read-all|scoped:contents=read,...|default`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl Consumer {
    pub fn make_id(kind: ConsumerKind, path: &str, name: &str) -> String {
        format!("{kind}:{path}#{name}")
    }

    /// True if any credential is written into the config as a literal.
    pub fn has_literal_secret(&self) -> bool {
        self.credentials
            .iter()
            .any(|c| matches!(c.value, CredentialValue::Literal { .. }))
    }
}
