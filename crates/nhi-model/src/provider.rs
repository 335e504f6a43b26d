/// Who issued a credential or hosts an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    Aws,
    Gcp,
    Azure,
    Kubernetes,
    Github,
    Gitlab,
    Npm,
    Pypi,
    Slack,
    Stripe,
    Twilio,
    Sendgrid,
    Telegram,
    Discord,
    Mailgun,
    Shopify,
    Openai,
    Anthropic,
    Huggingface,
    Groq,
    Replicate,
    Langsmith,
    Perplexity,
    Xai,
    Mistral,
    Cohere,
    Digitalocean,
    Linear,
    Notion,
    Vault,
    Datadog,
    Okta,
    /// Databases and queues reached by URL (postgres, mysql, mongodb, redis, amqp).
    Database,
    /// Private keys, JWTs and basic-auth URLs whose issuer the text alone does not tell.
    Generic,
}

crate::string_enum!(Provider, "provider", {
    Aws => "aws",
    Gcp => "gcp",
    Azure => "azure",
    Kubernetes => "kubernetes",
    Github => "github",
    Gitlab => "gitlab",
    Npm => "npm",
    Pypi => "pypi",
    Slack => "slack",
    Stripe => "stripe",
    Twilio => "twilio",
    Sendgrid => "sendgrid",
    Telegram => "telegram",
    Discord => "discord",
    Mailgun => "mailgun",
    Shopify => "shopify",
    Openai => "openai",
    Anthropic => "anthropic",
    Huggingface => "huggingface",
    Groq => "groq",
    Replicate => "replicate",
    Langsmith => "langsmith",
    Perplexity => "perplexity",
    Xai => "xai",
    Mistral => "mistral",
    Cohere => "cohere",
    Digitalocean => "digitalocean",
    Linear => "linear",
    Notion => "notion",
    Vault => "vault",
    Datadog => "datadog",
    Okta => "okta",
    Database => "database",
    Generic => "generic",
});

impl Provider {
    /// Providers whose keys drive AI models; used to tell AI integrations apart in
    /// summaries.
    pub fn is_ai(self) -> bool {
        matches!(
            self,
            Provider::Openai
                | Provider::Anthropic
                | Provider::Huggingface
                | Provider::Groq
                | Provider::Replicate
                | Provider::Langsmith
                | Provider::Perplexity
                | Provider::Xai
                | Provider::Mistral
                | Provider::Cohere
        )
    }

    pub fn is_cloud(self) -> bool {
        matches!(
            self,
            Provider::Aws | Provider::Gcp | Provider::Azure | Provider::Kubernetes
        )
    }
}
