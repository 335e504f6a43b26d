//! The one list of rule ids the testkit knows, and the one place that decides which
//! string of a planted credential a scanner is expected to fingerprint.
//!
//! Rule ids follow the shared formats spec. If the detection crate renames a rule,
//! change it here only: generators, corpora and tests all read this list.

/// Every rule id from the formats spec, in spec order.
pub const RULE_IDS: &[&str] = &[
    // Cloud
    "aws-access-key",
    "aws-access-key-id",
    "gcp-api-key",
    "gcp-service-account",
    "azure-client-secret",
    "azure-storage-connection-string",
    // Source control and packages
    "github-classic-pat",
    "github-oauth-token",
    "github-app-token",
    "github-refresh-token",
    "github-fine-grained-pat",
    "gitlab-pat",
    "npm-token",
    "pypi-token",
    // Messaging and commerce
    "slack-bot-token",
    "slack-user-token",
    "slack-webhook",
    "stripe-secret-key",
    "stripe-restricted-key",
    "twilio-api-key",
    "twilio-auth-token",
    "sendgrid-api-key",
    "telegram-bot-token",
    "discord-bot-token",
    "discord-webhook",
    "mailgun-api-key",
    "shopify-token",
    // AI providers
    "openai-project-key",
    "openai-service-account-key",
    "openai-admin-key",
    "openai-legacy-key",
    "anthropic-api-key",
    "anthropic-admin-key",
    "huggingface-token",
    "groq-api-key",
    "replicate-api-token",
    "langsmith-api-key",
    "perplexity-api-key",
    "xai-api-key",
    "mistral-api-key",
    "cohere-api-key",
    // Other services
    "digitalocean-token",
    "linear-api-key",
    "notion-token",
    "vault-token",
    "datadog-api-key",
    "datadog-app-key",
    // Structural
    "database-url",
    "private-key-pem",
    "private-key-openssh",
    "private-key-putty",
    "jwt",
    "basic-auth-url",
    // Generic
    "generic-secret-assignment",
];

/// The named parts a generator produced, beyond the value written to the file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretParts {
    /// The secret half of a pair (AWS secret access key, Twilio auth token).
    pub paired_secret: Option<String>,
    /// The password inside a URL credential.
    pub password: Option<String>,
    /// The decoded `private_key` string of a service-account document.
    pub private_key: Option<String>,
    /// The `AccountKey` of an Azure storage connection string.
    pub account_key: Option<String>,
}

/// The string a scanner should fingerprint for a generated credential.
///
/// Choices (adjust here only):
/// - `aws-access-key`, `twilio-auth-token`: the secret half, not the key id / SID.
/// - `gcp-service-account`: the decoded `private_key` JSON string, exactly as Google
///   writes it (PEM text with real newlines and a trailing `\n`).
/// - `azure-storage-connection-string`: the `AccountKey` value (AccountName is the
///   external id, as the AWS key id is).
/// - `database-url`, `basic-auth-url`: the whole matched URL (`scheme://user:pass@host...`).
///   The password alone is kept in [`SecretParts::password`] if the scanner prefers it.
/// - PEM, OpenSSH and PuTTY keys: the whole block from the BEGIN (or `PuTTY-User-Key-File`)
///   line through the END (or `Private-MAC`) line, joined with `\n`, no trailing newline.
/// - everything else: the value itself.
pub fn canonical_secret(rule_id: &str, value: &str, parts: &SecretParts) -> String {
    let chosen = match rule_id {
        "aws-access-key" | "twilio-auth-token" => parts.paired_secret.as_deref(),
        "gcp-service-account" => parts.private_key.as_deref(),
        "azure-storage-connection-string" => parts.account_key.as_deref(),
        _ => None,
    };
    chosen.unwrap_or(value).to_string()
}
