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
    /// An Azure managed identity (system- or user-assigned).
    ManagedIdentity,
    /// A running workload that uses an identity: a Kubernetes Deployment or Pod.
    Workload,
    /// A trust configuration external workloads sign in through: a GCP workload
    /// identity pool provider (OIDC, AWS or SAML).
    FederationProvider,
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
    ManagedIdentity => "managed_identity",
    Workload => "workload",
    FederationProvider => "federation_provider",
    Human => "human",
    Unknown => "unknown",
});
