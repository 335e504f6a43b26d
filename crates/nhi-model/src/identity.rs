use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Provider;

/// What sort of non-human (or, for owners, human) principal an identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityKind {
    IamUser,
    IamRole,
    ServiceAccount,
    ServicePrincipal,
    Application,
    OauthApp,
    GithubApp,
    DeployKey,
    KubernetesServiceAccount,
    Bot,
    /// An API key holder at a SaaS or AI provider (an OpenAI project service account).
    ApiKeyHolder,
    /// A person: an owner or creator, not an NHI.
    Human,
    /// A credential found in code whose platform identity is not (yet) known.
    Unknown,
}

crate::string_enum!(IdentityKind, "identity kind", {
    IamUser => "iam_user",
    IamRole => "iam_role",
    ServiceAccount => "service_account",
    ServicePrincipal => "service_principal",
    Application => "application",
    OauthApp => "oauth_app",
    GithubApp => "github_app",
    DeployKey => "deploy_key",
    KubernetesServiceAccount => "kubernetes_service_account",
    Bot => "bot",
    ApiKeyHolder => "api_key_holder",
    Human => "human",
    Unknown => "unknown",
});

/// A principal that credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub provider: Provider,
    pub kind: IdentityKind,
    pub name: String,
    /// The provider's own identifier: an ARN, an email, an application (client) ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}
