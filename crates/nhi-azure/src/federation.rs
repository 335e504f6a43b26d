//! Federated identity credentials: trust from an external token issuer (GitHub Actions,
//! a Kubernetes cluster, GitLab, ...) to an application. They hold no secret, so they
//! are recorded as facts on the application plus a `Federates` link from the external
//! workload, which is what lets a CI job or a pod act as the application.

use nhi_model::{Identity, IdentityKind, LinkKind, Provider};

use crate::batch::Batch;
use crate::json::{self, Object};

const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The external identity a federated subject names: provider, kind, key, display name.
pub(crate) fn federated_subject(
    issuer: &str,
    subject: &str,
) -> (Provider, IdentityKind, String, String) {
    // Any cluster's issuer (AKS, EKS, kind...) signs service-account tokens with this
    // subject shape, so the subject alone identifies the account.
    if let Some(rest) = subject.strip_prefix("system:serviceaccount:") {
        let mut parts = rest.split(':');
        if let (Some(namespace), Some(name), None) = (parts.next(), parts.next(), parts.next())
            && !namespace.is_empty()
            && !name.is_empty()
        {
            return (
                Provider::Kubernetes,
                IdentityKind::KubernetesServiceAccount,
                format!("{namespace}/{name}"),
                name.to_string(),
            );
        }
    }
    // GitHub Enterprise Cloud with a custom issuer appends the enterprise slug.
    if issuer.trim_end_matches('/') == GITHUB_ACTIONS_ISSUER
        || issuer.starts_with(&format!("{GITHUB_ACTIONS_ISSUER}/"))
    {
        return (
            Provider::Github,
            IdentityKind::Workload,
            subject.to_string(),
            subject.to_string(),
        );
    }
    if issuer.trim_end_matches('/') == "https://gitlab.com" || subject.starts_with("project_path:")
    {
        return (
            Provider::Gitlab,
            IdentityKind::Workload,
            subject.to_string(),
            subject.to_string(),
        );
    }
    // Subjects are only unique per issuer, so an unknown issuer stays in the key.
    (
        Provider::Generic,
        IdentityKind::Workload,
        format!("{issuer}|{subject}"),
        subject.to_string(),
    )
}

/// Reads `federatedIdentityCredentials` (present with `$expand=federatedIdentityCredentials`
/// or from `GET /applications/{id}/federatedIdentityCredentials` merged in by scripts).
pub(crate) fn federated_credentials(
    batch: &mut Batch<'_>,
    object: &Object,
    at: &str,
    application: &mut Identity,
) {
    let mut summaries = Vec::new();
    for (position, credential) in json::objects(batch, object, "federatedIdentityCredentials", at) {
        let name = json::string(batch, credential, "name", &position).unwrap_or("(unnamed)");
        let issuer = json::string(batch, credential, "issuer", &position);
        let subject = json::string(batch, credential, "subject", &position);
        let audiences = json::strings(batch, credential, "audiences", &position).join(",");
        let (Some(issuer), Some(subject)) = (issuer, subject) else {
            // Flexible credentials match claims by expression instead of a subject; keep
            // the fact, but there is no single external identity to link.
            summaries.push(format!("{name}: issuer or subject not stated"));
            continue;
        };
        summaries.push(format!(
            "{name}: issuer={issuer} subject={subject} audiences={audiences}"
        ));
        let (provider, kind, key, display) = federated_subject(issuer, subject);
        let mut external =
            Identity::new(provider, kind, &key, display, batch.provenance(&position));
        external
            .attributes
            .insert("federated_issuer".into(), issuer.to_string());
        external
            .attributes
            .insert("federated_subject".into(), subject.to_string());
        let from = batch.identity(external);
        batch.link(
            &from,
            &application.id,
            LinkKind::Federates,
            format!(
                "federated identity credential {name} trusts issuer {issuer} for subject {subject}"
            ),
            &position,
        );
    }
    if !summaries.is_empty() {
        application.attributes.insert(
            "federated_credential_count".into(),
            summaries.len().to_string(),
        );
        application
            .attributes
            .insert("federated_credentials".into(), summaries.join("; "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_common_subjects() {
        let (p, k, key, _) = federated_subject(
            "https://token.actions.githubusercontent.com",
            "repo:acme/api:ref:refs/heads/main",
        );
        assert_eq!((p, k), (Provider::Github, IdentityKind::Workload));
        assert_eq!(key, "repo:acme/api:ref:refs/heads/main");

        let (p, k, key, name) = federated_subject(
            "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
            "system:serviceaccount:payments:api-sa",
        );
        assert_eq!(
            (p, k),
            (Provider::Kubernetes, IdentityKind::KubernetesServiceAccount)
        );
        assert_eq!((key.as_str(), name.as_str()), ("payments/api-sa", "api-sa"));

        let (p, _, key, _) = federated_subject("https://vault.example.com", "role:ci");
        assert_eq!(p, Provider::Generic);
        assert_eq!(key, "https://vault.example.com|role:ci");

        // A malformed service-account subject is not guessed at.
        let (p, _, _, _) = federated_subject("https://issuer", "system:serviceaccount:only-ns");
        assert_eq!(p, Provider::Generic);
    }
}
