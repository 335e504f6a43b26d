//! `GET /orgs/{org}/actions/secrets` and `GET /repos/{owner}/{repo}/actions/secrets`:
//! secret metadata (never values). Each secret is a credential with no holder yet: the
//! correlator links the workflows that read it, by `secret_name`.
//! Fields: <https://docs.github.com/en/rest/actions/secrets#list-organization-secrets>
//! and <https://docs.github.com/en/rest/actions/secrets#list-repository-secrets>

use nhi_model::{CredentialKind, PlatformCredential, Provider};
use serde_json::Value;

use crate::ExportKind;
use crate::json::{Ctx, join, segment_after, string, type_name};

pub(crate) fn map(ctx: &mut Ctx<'_>, item: &Value, position: &str) {
    let Some(item) = item.as_object() else {
        ctx.warn(
            position,
            format!(
                "secret skipped: expected an object, found {}",
                type_name(item)
            ),
        );
        return;
    };
    let Some(name) = string(item, "name") else {
        ctx.warn(
            &join(position, "name"),
            "secret skipped: no name".to_string(),
        );
        return;
    };
    let visibility = string(item, "visibility");
    let organization =
        string(item, "selected_repositories_url").and_then(|url| segment_after(url, "orgs"));
    // Only organization secrets have `visibility`. Neither response names the
    // repository or organization otherwise, so the scope is as precise as the payload
    // allows: `org:NAME`, `org`, or `unknown` (a repository or environment secret).
    let (scope, kind) = match (organization, visibility) {
        (Some(org), _) => (format!("org:{org}"), ExportKind::OrgActionsSecrets),
        (None, Some(_)) => ("org".to_string(), ExportKind::OrgActionsSecrets),
        (None, None) => ("unknown".to_string(), ExportKind::RepoActionsSecrets),
    };
    let mut credential = PlatformCredential::new(
        "",
        Provider::Github,
        CredentialKind::GenericSecret,
        &format!("actions-secret/{scope}/{name}"),
        ctx.provenance(kind, position),
    );
    credential.created = ctx.timestamp(item, "created_at", position);
    // Writing a secret replaces its value, so the last update is the last rotation.
    credential.last_rotated = ctx.timestamp(item, "updated_at", position);
    let attributes = &mut credential.attributes;
    attributes.insert("secret_name".into(), name.to_string());
    attributes.insert(
        "secret_scope".into(),
        if visibility.is_some() || organization.is_some() {
            "organization"
        } else {
            "repository"
        }
        .to_string(),
    );
    if let Some(visibility) = visibility {
        attributes.insert("visibility".into(), visibility.to_string());
    }
    if let Some(org) = organization {
        attributes.insert("organization".into(), org.to_string());
    }
    ctx.batch.credentials.push(credential);
}
