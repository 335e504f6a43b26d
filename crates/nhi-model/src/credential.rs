use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Provider;

/// What sort of secret a credential is. The provider says who issued it; the kind says
/// how it authenticates, which is what rotation and federation advice depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialKind {
    /// A cloud access key pair (AWS access key ID + secret access key).
    AccessKey,
    /// A temporary session credential (AWS `ASIA…` with a session token).
    SessionToken,
    ApiKey,
    /// An organisation-level admin key (OpenAI `sk-admin-`, Anthropic `sk-ant-admin01-`).
    AdminApiKey,
    /// A service-account key file (GCP service-account JSON).
    ServiceAccountKey,
    /// An OAuth client / application secret (Entra client secret, Shopify shared secret).
    ClientSecret,
    /// A storage account key or full connection string that embeds one.
    ConnectionString,
    PersonalAccessToken,
    FineGrainedPat,
    OauthToken,
    /// A GitHub App installation or user-to-server token.
    AppToken,
    RefreshToken,
    BotToken,
    UserToken,
    WebhookUrl,
    /// A payment provider secret or restricted key.
    SecretKey,
    RestrictedKey,
    DatabaseUrl,
    PrivateKey,
    Jwt,
    BasicAuthUrl,
    VaultToken,
    KubernetesToken,
    Password,
    /// A high-entropy value assigned to a secret-named variable: lower confidence.
    GenericSecret,
}

crate::string_enum!(CredentialKind, "credential kind", {
    AccessKey => "access_key",
    SessionToken => "session_token",
    ApiKey => "api_key",
    AdminApiKey => "admin_api_key",
    ServiceAccountKey => "service_account_key",
    ClientSecret => "client_secret",
    ConnectionString => "connection_string",
    PersonalAccessToken => "personal_access_token",
    FineGrainedPat => "fine_grained_pat",
    OauthToken => "oauth_token",
    AppToken => "app_token",
    RefreshToken => "refresh_token",
    BotToken => "bot_token",
    UserToken => "user_token",
    WebhookUrl => "webhook_url",
    SecretKey => "secret_key",
    RestrictedKey => "restricted_key",
    DatabaseUrl => "database_url",
    PrivateKey => "private_key",
    Jwt => "jwt",
    BasicAuthUrl => "basic_auth_url",
    VaultToken => "vault_token",
    KubernetesToken => "kubernetes_token",
    Password => "password",
    GenericSecret => "generic_secret",
});

/// Where a sighting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// A plain file in the working tree.
    File,
    /// A blob reachable from a git ref, found by walking history.
    GitHistory,
    /// A base64 `data:` value of a Kubernetes Secret manifest, decoded.
    KubernetesSecret,
    /// A Jupyter notebook cell, JSON-unescaped.
    Notebook,
    /// An AI-agent / MCP client configuration.
    AgentConfig,
    /// A CI/CD workflow.
    Workflow,
    /// A dotenv file.
    EnvFile,
    /// A cloud or cluster CLI credential file (`~/.aws/credentials`, gcloud ADC, kubeconfig).
    CloudCliConfig,
    /// A docker-compose file.
    Compose,
    /// A cloud-provider export (GAAD, credential report, Graph, …).
    CloudExport,
}

crate::string_enum!(SourceKind, "source kind", {
    File => "file",
    GitHistory => "git_history",
    KubernetesSecret => "kubernetes_secret",
    Notebook => "notebook",
    AgentConfig => "agent_config",
    Workflow => "workflow",
    EnvFile => "env_file",
    CloudCliConfig => "cloud_cli_config",
    Compose => "compose",
    CloudExport => "cloud_export",
});

/// A keyed fingerprint of a secret: lowercase hex of HMAC-SHA256 under the per-install
/// key. Equal secrets have equal fingerprints on one install; nobody without the key can
/// test a guess against it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Wraps an already-computed hex digest. Rejects anything that is not 64 lowercase hex
    /// characters, so a raw secret can never be smuggled in as a "fingerprint".
    pub fn from_hex(hex: impl Into<String>) -> Result<Self, crate::UnknownVariant> {
        let hex = hex.into();
        if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Fingerprint(hex))
        } else {
            Err(crate::UnknownVariant {
                what: "fingerprint",
                value: format!("<{} characters>", hex.len()),
                expected: "64 lowercase hex characters".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 16 hex characters: enough to tell credentials apart in a table.
    pub fn short(&self) -> &str {
        &self.0[..16]
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A redacted rendering of a secret: the provider prefix and at most the last four
/// characters, e.g. `ghp_…a1B2`. Built only through [`Preview::redact`], which enforces
/// that bound.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Preview(String);

impl Preview {
    /// The longest prefix a preview keeps, even if a rule declares a longer one.
    pub const MAX_PREFIX: usize = 16;
    /// How many trailing characters a preview keeps.
    pub const SUFFIX: usize = 4;

    /// Redacts `secret`, keeping `prefix` (if the secret starts with it) and the last
    /// four characters. Secrets shorter than 12 characters keep no suffix at all, since
    /// four characters of an eight-character password is half of it.
    pub fn redact(secret: &str, prefix: &str) -> Preview {
        let prefix = if !prefix.is_empty() && secret.starts_with(prefix) {
            let mut end = prefix.len().min(Self::MAX_PREFIX);
            while !prefix.is_char_boundary(end) {
                end -= 1;
            }
            &prefix[..end]
        } else {
            ""
        };
        let rest = &secret[prefix.len()..];
        let chars = rest.chars().count();
        let suffix: String = if secret.chars().count() >= 12 && chars > Self::SUFFIX * 2 {
            let skip = chars - Self::SUFFIX;
            rest.chars().skip(skip).collect()
        } else {
            String::new()
        };
        Preview(format!("{prefix}…{suffix}"))
    }

    /// A preview of a URL with credentials: the scheme and at most the last four
    /// characters of what follows the userinfo (host, port, path). Nothing of the userinfo
    /// is kept, however short the host.
    pub fn url(url: &str) -> Preview {
        let scheme = url.split_once("://").map_or("", |(s, _)| s);
        let after_userinfo = url.rsplit_once('@').map_or("", |(_, rest)| rest);
        let chars: Vec<char> = after_userinfo.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(Self::SUFFIX)..]
            .iter()
            .collect();
        let scheme: String = scheme.chars().take(Self::MAX_PREFIX).collect();
        Preview(format!("{scheme}://…{tail}"))
    }

    /// A preview for something that is not a secret value at all (a reference such as
    /// `${OPENAI_API_KEY}`), kept verbatim.
    pub fn reference(text: &str) -> Preview {
        Preview(text.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One place a credential was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sighting {
    pub source: SourceKind,
    /// Path relative to the scanned root, with `/` separators.
    pub path: String,
    /// 1-based line of the start of the match.
    pub line: u32,
    /// 1-based column (in bytes) of the start of the match.
    pub column: u32,
    /// For history sightings: the first commit (oldest by commit time) holding the blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// For history sightings: the blob ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// RFC 3339 commit date for history sightings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The root this path is relative to, as given on the command line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub root: String,
}

/// A stable credential ID derived from its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(String);

impl CredentialId {
    pub fn for_fingerprint(fp: &Fingerprint) -> Self {
        CredentialId(format!("cred-{}", fp.short()))
    }

    /// Restores an ID read back from a store.
    pub fn from_stored(id: impl Into<String>) -> Self {
        CredentialId(id.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CredentialId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialStatus {
    /// Seen by the latest scan of a root that had it.
    Active,
    /// Seen only in git history, not in the working tree: still live until rotated.
    HistoryOnly,
    /// No longer seen by a rescan of the roots that had it.
    Resolved,
}

crate::string_enum!(CredentialStatus, "credential status", {
    Active => "active",
    HistoryOnly => "history_only",
    Resolved => "resolved",
});

/// A secret, known only by fingerprint. The same secret found twice is one credential
/// with two sightings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub id: CredentialId,
    pub fingerprint: Fingerprint,
    pub kind: CredentialKind,
    pub provider: Provider,
    pub preview: Preview,
    /// A non-secret identifier the provider assigns, used to correlate with platform
    /// exports: an AWS access key ID, a GCP `private_key_id`, a client email, a JWT `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Extra non-secret facts (decoded JWT claims, the GCP `client_email`, a DB host).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    pub status: CredentialStatus,
    pub sightings: Vec<Sighting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_previews_never_show_userinfo_even_with_a_short_host() {
        assert_eq!(
            Preview::url("postgres://app:S3cretPassw0rd@db").as_str(),
            "postgres://…db"
        );
        assert_eq!(
            Preview::url("https://user:pa55w0rdpa55@h").as_str(),
            "https://…h"
        );
        assert_eq!(
            Preview::url("redis://default:abcdefgh@cache.internal:6379/0").as_str(),
            "redis://…79/0"
        );
    }

    #[test]
    fn redaction_keeps_prefix_and_last_four_only() {
        assert_eq!(
            Preview::redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_").as_str(),
            "ghp_…6789"
        );
        assert_eq!(Preview::redact("short-pass", "").as_str(), "…");
    }
}
