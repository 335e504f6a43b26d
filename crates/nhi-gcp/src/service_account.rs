//! Service accounts: `gcloud iam service-accounts list`, and the minimal records the
//! other exports create for the accounts they name.
//!
//! Email conventions (https://cloud.google.com/iam/docs/service-account-types,
//! https://cloud.google.com/iam/docs/service-agents):
//! - user-managed: `NAME@PROJECT_ID.iam.gserviceaccount.com`;
//! - default (user-managed, but created by Google, historically with Editor):
//!   `PROJECT_NUMBER-compute@developer.gserviceaccount.com`,
//!   `PROJECT_ID@appspot.gserviceaccount.com`;
//! - service agents (Google-managed, living in Google's projects):
//!   `service-PROJECT_NUMBER@gcp-sa-SERVICE.iam.gserviceaccount.com`, the older
//!   `service-PROJECT_NUMBER@SERVICE.iam.gserviceaccount.com` domains
//!   (`compute-system`, `container-engine-robot`, `gs-project-accounts`…), the
//!   Google APIs Service Agent `PROJECT_NUMBER@cloudservices.gserviceaccount.com` and
//!   the legacy Cloud Build account `PROJECT_NUMBER@cloudbuild.gserviceaccount.com`.

use nhi_model::{Identity, IdentityKind, LifecycleStatus, Provider, identity_id};

use crate::batch::Batch;
use crate::json::Entry;

const IAM_DOMAIN: &str = ".iam.gserviceaccount.com";

/// What an SA email alone tells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct EmailFacts {
    /// The project ID, when the email carries one (user-managed, App Engine default).
    pub(crate) project_id: Option<String>,
    /// The project number, when the email carries one (service agents, Compute default).
    pub(crate) project_number: Option<String>,
    pub(crate) google_managed: bool,
    /// `compute` or `app_engine` for default service accounts.
    pub(crate) default_for: Option<&'static str>,
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `service-123`, `service-p123` (project), `service-org-123`, `service-folder-123`:
/// the local parts Google gives service agents.
fn service_agent_number(local: &str) -> Option<&str> {
    let rest = local.strip_prefix("service-")?;
    for prefix in ["org-", "folder-", "p", ""] {
        if let Some(number) = rest.strip_prefix(prefix)
            && is_number(number)
        {
            return Some(number);
        }
    }
    None
}

pub(crate) fn email_facts(email: &str) -> EmailFacts {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return EmailFacts::default();
    };
    let mut facts = EmailFacts::default();
    match domain {
        "cloudservices.gserviceaccount.com" | "cloudbuild.gserviceaccount.com" => {
            facts.google_managed = true;
            facts.project_number = is_number(local).then(|| local.to_string());
        }
        "developer.gserviceaccount.com" => {
            if let Some(number) = local.strip_suffix("-compute").filter(|n| is_number(n)) {
                facts.default_for = Some("compute");
                facts.project_number = Some(number.to_string());
            }
        }
        "appspot.gserviceaccount.com" => {
            facts.default_for = Some("app_engine");
            facts.project_id = Some(local.to_string());
        }
        _ => {
            if let Some(sub) = domain.strip_suffix(IAM_DOMAIN) {
                if sub.starts_with("gcp-sa-") {
                    facts.google_managed = true;
                    facts.project_number = service_agent_number(local).map(str::to_string);
                } else if let Some(number) = service_agent_number(local) {
                    facts.google_managed = true;
                    facts.project_number = Some(number.to_string());
                } else {
                    facts.project_id = Some(sub.to_string());
                }
            } else if domain.ends_with(".gserviceaccount.com") {
                // Any other special domain belongs to a Google service.
                facts.google_managed = true;
            }
        }
    }
    facts
}

/// The account ID: the email's local part, the same in every export, so whichever
/// export names the account first gives it the same `name`.
pub(crate) fn account_id(email: &str) -> &str {
    email.split_once('@').map_or(email, |(local, _)| local)
}

pub(crate) fn sa_identity_id(email: &str) -> String {
    identity_id(
        Provider::Gcp,
        IdentityKind::ServiceAccount,
        &email.trim().to_lowercase(),
    )
}

/// A service account known only by its email (a key's holder, a binding's member).
pub(crate) fn minimal_identity(email: &str, batch: &Batch<'_>, position: &str) -> Identity {
    let email = email.trim().to_lowercase();
    let mut identity = Identity::new(
        Provider::Gcp,
        IdentityKind::ServiceAccount,
        &email,
        account_id(&email),
        batch.provenance(position),
    );
    let facts = email_facts(&email);
    apply_facts(&mut identity, &facts);
    identity
}

fn apply_facts(identity: &mut Identity, facts: &EmailFacts) {
    if identity.account.is_none() {
        identity.account.clone_from(&facts.project_id);
    }
    let attributes = &mut identity.attributes;
    attributes.insert("google_managed".into(), facts.google_managed.to_string());
    if let Some(number) = &facts.project_number {
        attributes.insert("project_number".into(), number.clone());
    }
    if let Some(service) = facts.default_for {
        attributes.insert("default_service_account".into(), service.into());
    }
}

/// `projects/PROJECT/serviceAccounts/ACCOUNT`: the project (unless the `-` wildcard)
/// and the account (an email or a unique ID).
pub(crate) fn split_resource_name(name: &str) -> Option<(Option<&str>, &str)> {
    let rest = name.trim().trim_start_matches("//iam.googleapis.com/");
    let rest = rest.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("serviceAccounts/")?;
    let account = rest.split('/').next().filter(|a| !a.is_empty())?;
    let project = Some(project).filter(|p| !p.is_empty() && *p != "-");
    Some((project, account))
}

/// One `ServiceAccount` resource
/// (https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts).
pub(crate) fn ingest_entry(
    map: &serde_json::Map<String, serde_json::Value>,
    position: &str,
    batch: &mut Batch<'_>,
) {
    let entry = Entry {
        map,
        path: position,
    };
    let name = entry.str("name", batch);
    let from_name = name.and_then(split_resource_name);
    let email = entry.str("email", batch).or_else(|| {
        from_name
            .map(|(_, account)| account)
            .filter(|a| a.contains('@'))
    });
    let Some(email) = email else {
        batch.warn(
            position,
            "entry skipped: no `email` (nor an email in `name`) to identify the service account",
        );
        return;
    };
    let mut identity = minimal_identity(email, batch, position);
    let project_id = entry
        .str("projectId", batch)
        .or_else(|| from_name.and_then(|(project, _)| project));
    if let Some(project_id) = project_id {
        identity.account = Some(project_id.to_string());
        // An account in its own project's IAM domain is user-managed whatever its
        // local part looks like (`service-123@myproj.iam…` is a legal account ID).
        if identity.external_id.as_deref().is_some_and(|e| {
            e.rsplit_once('@')
                .is_some_and(|(_, domain)| domain == format!("{project_id}{IAM_DOMAIN}"))
        }) {
            identity
                .attributes
                .insert("google_managed".into(), "false".into());
            identity.attributes.remove("project_number");
        }
    }
    identity.status = match entry.bool("disabled", batch) {
        Some(true) => LifecycleStatus::Disabled,
        // The list shows accounts that exist; an absent `disabled` means enabled.
        _ => LifecycleStatus::Active,
    };
    let attributes = [
        ("uniqueId", "unique_id"),
        ("oauth2ClientId", "oauth2_client_id"),
        ("displayName", "display_name"),
        ("description", "description"),
    ];
    for (field, attribute) in attributes {
        if let Some(value) = entry.str(field, batch) {
            identity
                .attributes
                .insert(attribute.to_string(), value.to_string());
        }
    }
    batch.identity(identity);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_managed_accounts_carry_their_project() {
        let facts = email_facts("ci-deployer@acme-prod.iam.gserviceaccount.com");
        assert!(!facts.google_managed);
        assert_eq!(facts.project_id.as_deref(), Some("acme-prod"));
        assert_eq!(facts.default_for, None);
    }

    #[test]
    fn service_agents_are_google_managed() {
        for email in [
            "service-123456789012@gcp-sa-cloudbuild.iam.gserviceaccount.com",
            "service-123456789012@compute-system.iam.gserviceaccount.com",
            "service-123456789012@container-engine-robot.iam.gserviceaccount.com",
            "service-org-555@gcp-sa-logging.iam.gserviceaccount.com",
            "123456789012@cloudservices.gserviceaccount.com",
            "123456789012@cloudbuild.gserviceaccount.com",
        ] {
            let facts = email_facts(email);
            assert!(facts.google_managed, "{email}");
            assert_eq!(facts.project_id, None, "{email}");
        }
        assert_eq!(
            email_facts("service-123@gcp-sa-pubsub.iam.gserviceaccount.com")
                .project_number
                .as_deref(),
            Some("123")
        );
    }

    #[test]
    fn default_accounts_are_user_managed_but_marked() {
        let compute = email_facts("123456789012-compute@developer.gserviceaccount.com");
        assert!(!compute.google_managed);
        assert_eq!(compute.default_for, Some("compute"));
        assert_eq!(compute.project_number.as_deref(), Some("123456789012"));
        let app_engine = email_facts("acme-prod@appspot.gserviceaccount.com");
        assert_eq!(app_engine.default_for, Some("app_engine"));
        assert_eq!(app_engine.project_id.as_deref(), Some("acme-prod"));
    }

    #[test]
    fn resource_names_split() {
        assert_eq!(
            split_resource_name("projects/p/serviceAccounts/a@p.iam.gserviceaccount.com"),
            Some((Some("p"), "a@p.iam.gserviceaccount.com"))
        );
        assert_eq!(
            split_resource_name("projects/-/serviceAccounts/1234/keys/abc"),
            Some((None, "1234"))
        );
        assert_eq!(split_resource_name("organizations/1"), None);
        assert_eq!(split_resource_name("projects/p/serviceAccounts/"), None);
    }
}
