//! IAM allow policies: `gcloud projects get-iam-policy` and
//! `gcloud iam service-accounts get-iam-policy`, both a `Policy`
//! (https://cloud.google.com/iam/docs/reference/rest/v1/Policy):
//! `{version, etag, bindings: [{role, members: [..], condition: {expression, title,
//! description}}], auditConfigs}`.
//!
//! gcloud prints only the policy, never the resource it belongs to. The resource is
//! taken, in order, from:
//! 1. a top-level `projectId` / `project` (a project), `serviceAccount` (an email) or
//!    `resource` (a resource name) that the user added, e.g. with
//!    `jq '. + {projectId: "acme-prod"}'`;
//! 2. a service-account email that starts the file name or follows an underscore
//!    (`ci@acme-prod.iam.gserviceaccount.com.json`,
//!    `sa-policy_ci@acme-prod.iam.gserviceaccount.com.json`): the usual way to save
//!    `gcloud iam service-accounts get-iam-policy EMAIL`;
//! 3. otherwise the scope is `file:PATH`, so grants still say where they came from.
//!
//! Project IDs are not guessed from file names: `acme-prod-iam-policy.json` could be
//! any resource's policy.

use nhi_model::{
    Confidence, Identity, IdentityKind, LifecycleStatus, LinkKind, Provider, person_id,
};
use serde_json::{Map, Value};

use crate::batch::Batch;
use crate::json::Entry;
use crate::json_type_name;
use crate::member::{self, Member};
use crate::service_account::{
    account_id, email_facts, minimal_identity, sa_identity_id, split_resource_name,
};

const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";

/// Roles on a service account that let the member act as it.
const IMPERSONATION_ROLES: &[&str] = &[
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    WORKLOAD_IDENTITY_USER,
];

/// The resource a policy is attached to.
struct Target {
    /// Grant scope: `projects/P`, `projects/P/serviceAccounts/EMAIL`, a resource name,
    /// or `file:PATH`.
    scope: String,
    /// The service account, when the policy is a service account's own.
    service_account: Option<String>,
    /// How sure the target is: stated in the file, or read from its name.
    confidence: Confidence,
}

pub(crate) fn ingest(value: &Value, batch: &mut Batch<'_>) {
    match value {
        Value::Object(map) => {
            let target = target_of(map, batch);
            add_target_identity(&target, "$", batch);
            match map.get("bindings") {
                None | Some(Value::Null) => {}
                Some(Value::Array(bindings)) => {
                    for (index, binding) in bindings.iter().enumerate() {
                        let position = format!("bindings[{index}]");
                        ingest_binding(binding, &position, &target, false, batch);
                    }
                }
                Some(other) => batch.warn(
                    "bindings",
                    format!(
                        "expected a list, got {}; no bindings read",
                        json_type_name(other)
                    ),
                ),
            }
        }
        // `--flatten="bindings[].members"`: one object per member, each with a
        // `bindings` object whose `members` is a single string.
        Value::Array(rows) => {
            for (index, row) in rows.iter().enumerate() {
                let position = format!("[{index}]");
                match row {
                    Value::Object(map) => {
                        let target = target_of(map, batch);
                        add_target_identity(&target, &position, batch);
                        match map.get("bindings") {
                            Some(binding @ Value::Object(_)) => ingest_binding(
                                binding,
                                &format!("{position}.bindings"),
                                &target,
                                true,
                                batch,
                            ),
                            _ => batch.warn(
                                &position,
                                "entry skipped: no `bindings` object in a flattened policy row",
                            ),
                        }
                    }
                    other => batch.warn(
                        &position,
                        format!(
                            "entry skipped: expected an object, got {}",
                            json_type_name(other)
                        ),
                    ),
                }
            }
        }
        _ => {}
    }
}

fn target_of(map: &Map<String, Value>, batch: &mut Batch<'_>) -> Target {
    let root = Entry { map, path: "" };
    let stated = |target: Target| Target {
        confidence: Confidence::High,
        ..target
    };
    if let Some(project) = root
        .str("projectId", batch)
        .or_else(|| root.str("project", batch))
    {
        let project = project.trim_start_matches("projects/");
        return stated(project_target(project));
    }
    if let Some(email) = root.str("serviceAccount", batch) {
        return stated(service_account_target(email, None));
    }
    if let Some(resource) = root.str("resource", batch) {
        if let Some((project, account)) = split_resource_name(resource) {
            return stated(service_account_target(account, project));
        }
        let scope = resource
            .trim_start_matches("//cloudresourcemanager.googleapis.com/")
            .to_string();
        return Target {
            scope,
            service_account: None,
            confidence: Confidence::High,
        };
    }
    if let Some(email) = email_in_file_name(batch.file()) {
        return Target {
            confidence: Confidence::Medium,
            ..service_account_target(&email, None)
        };
    }
    Target {
        scope: format!("file:{}", batch.file()),
        service_account: None,
        confidence: Confidence::Low,
    }
}

/// A service account's own policy names the account: make sure the batch holds it,
/// so the links that point at it have an end even without the account list.
fn add_target_identity(target: &Target, position: &str, batch: &mut Batch<'_>) {
    if let Some(email) = &target.service_account {
        let identity = minimal_identity(email, batch, position);
        batch.identity(identity);
    }
}

fn project_target(project: &str) -> Target {
    Target {
        scope: format!("projects/{project}"),
        service_account: None,
        confidence: Confidence::High,
    }
}

fn service_account_target(email: &str, project: Option<&str>) -> Target {
    let email = email.trim().to_lowercase();
    let project = project
        .map(str::to_string)
        .or_else(|| email_facts(&email).project_id)
        .unwrap_or_else(|| "-".to_string());
    Target {
        scope: format!("projects/{project}/serviceAccounts/{email}"),
        service_account: Some(email),
        confidence: Confidence::High,
    }
}

/// A service-account email that starts the file's base name or follows an underscore.
fn email_in_file_name(file: &str) -> Option<String> {
    let base = file
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file)
        .to_lowercase();
    let domain_end = base.find(".gserviceaccount.com")? + ".gserviceaccount.com".len();
    let head = base.get(..domain_end)?;
    let start = head.rfind('_').map_or(0, |at| at + 1);
    let email = head.get(start..)?;
    let (local, domain) = email.split_once('@')?;
    let plausible = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || extra.contains(&b))
    };
    (plausible(local, b"-") && plausible(domain, b"-.")).then(|| email.to_string())
}

/// `flattened`: a `--flatten="bindings[].members"` row, whose `members` is one string.
fn ingest_binding(
    binding: &Value,
    position: &str,
    target: &Target,
    flattened: bool,
    batch: &mut Batch<'_>,
) {
    let Some(map) = binding.as_object() else {
        batch.warn(
            position,
            format!(
                "binding skipped: expected an object, got {}",
                json_type_name(binding)
            ),
        );
        return;
    };
    let entry = Entry {
        map,
        path: position,
    };
    let Some(role) = entry.str("role", batch) else {
        batch.warn(position, "binding skipped: no `role`");
        return;
    };
    let condition = condition_of(&entry, batch);
    let members_path = entry.field_path("members");
    let members: Vec<(String, &Value)> = match map.get("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, m)| (format!("{members_path}[{index}]"), m))
            .collect(),
        Some(single @ Value::String(_)) if flattened => vec![(members_path.clone(), single)],
        Some(other) => {
            batch.warn(
                &members_path,
                format!(
                    "expected a list, got {}; binding skipped",
                    json_type_name(other)
                ),
            );
            return;
        }
    };
    for (member_position, value) in members {
        let Some(text) = value.as_str() else {
            batch.warn(
                &member_position,
                format!(
                    "member skipped: expected a string, got {}",
                    json_type_name(value)
                ),
            );
            continue;
        };
        let Some(member) = member::parse(text) else {
            batch.warn(&member_position, "member skipped: empty principal");
            continue;
        };
        let holder = member_identity(text, &member, &member_position, batch);
        batch.grant(
            &holder,
            role,
            &target.scope,
            condition.as_deref(),
            &member_position,
        );
        link_impersonation(
            role,
            text,
            &member,
            &holder,
            target,
            &member_position,
            batch,
        );
    }
}

/// The condition's CEL expression, verbatim. A condition that cannot be read still
/// marks the grant conditional, rather than letting it look unconditional.
fn condition_of(entry: &Entry<'_, '_>, batch: &mut Batch<'_>) -> Option<String> {
    let path = entry.field_path("condition");
    match entry.map.get("condition") {
        None | Some(Value::Null) => None,
        Some(Value::Object(condition)) => {
            let condition = Entry {
                map: condition,
                path: &path,
            };
            if let Some(expression) = condition.str("expression", batch) {
                return Some(expression.to_string());
            }
            batch.warn(&path, "condition without an `expression`");
            Some(match condition.str("title", batch) {
                Some(title) => format!("(unreadable condition titled {title:?})"),
                None => "(unreadable condition)".to_string(),
            })
        }
        Some(other) => {
            batch.warn(
                &path,
                format!("expected an object, got {}", json_type_name(other)),
            );
            Some("(unreadable condition)".to_string())
        }
    }
}

/// Adds (or folds into) the identity a member names and returns its ID.
fn member_identity(
    text: &str,
    member: &Member<'_>,
    position: &str,
    batch: &mut Batch<'_>,
) -> String {
    match *member {
        Member::User(email) => {
            let person = Identity::person(email, email.trim(), batch.provenance(position));
            let id = person_id(email);
            batch.identity(person);
            id
        }
        Member::ServiceAccount(email) => {
            let identity = minimal_identity(email, batch, position);
            batch.identity(identity)
        }
        Member::KubernetesServiceAccount {
            pool,
            namespace,
            name,
        } => {
            let mut identity = Identity::new(
                Provider::Kubernetes,
                IdentityKind::KubernetesServiceAccount,
                &format!("{namespace}/{name}"),
                name,
                batch.provenance(position),
            );
            identity.account = Some(namespace.to_string());
            identity
                .attributes
                .insert("workload_identity_pool".into(), pool.to_string());
            identity
                .attributes
                .insert("gcp_member".into(), text.trim().to_string());
            batch.identity(identity)
        }
        Member::DeletedServiceAccount { email, uid } => {
            // Keyed apart from any live account of the same email: a binding left by a
            // deleted account does not apply to a new account that reuses the name.
            let email = email.trim().to_lowercase();
            let key = match uid {
                Some(uid) => format!("{email}?uid={uid}"),
                None => format!("deleted:{email}"),
            };
            let mut identity = Identity::new(
                Provider::Gcp,
                IdentityKind::ServiceAccount,
                &key,
                account_id(&email),
                batch.provenance(position),
            );
            identity.status = LifecycleStatus::Deleted;
            identity.account = email_facts(&email).project_id;
            identity.attributes.insert("email".into(), email.clone());
            if let Some(uid) = uid {
                identity
                    .attributes
                    .insert("unique_id".into(), uid.to_string());
            }
            batch.identity(identity)
        }
        Member::Other {
            member_type,
            deleted,
        } => {
            let text = text.trim();
            let mut identity = Identity::new(
                Provider::Gcp,
                IdentityKind::Unknown,
                text,
                text,
                batch.provenance(position),
            );
            identity
                .attributes
                .insert("member_type".into(), member_type.into());
            if deleted {
                identity.status = LifecycleStatus::Deleted;
            }
            if member.is_public() {
                identity.attributes.insert("public".into(), "true".into());
            }
            if member.is_federated() {
                identity
                    .attributes
                    .insert("federated".into(), "true".into());
            }
            batch.identity(identity)
        }
    }
}

/// On a service account's own policy, `workloadIdentityUser` for a Kubernetes service
/// account is GKE workload identity (a `Federates` link); that role and the other
/// impersonation roles for anyone else let them act as the account (`CanAssume`).
fn link_impersonation(
    role: &str,
    text: &str,
    member: &Member<'_>,
    holder: &str,
    target: &Target,
    position: &str,
    batch: &mut Batch<'_>,
) {
    if !IMPERSONATION_ROLES.contains(&role) {
        return;
    }
    let is_ksa = matches!(member, Member::KubernetesServiceAccount { .. });
    let Some(account) = &target.service_account else {
        if is_ksa && role == WORKLOAD_IDENTITY_USER && target.scope.starts_with("file:") {
            batch.warn(
                position,
                "workload identity binding, but the policy does not say which service \
                 account it belongs to: no federation link (name the file after the \
                 service account's email, or add a top-level \"serviceAccount\")",
            );
        }
        return;
    };
    if matches!(member, Member::DeletedServiceAccount { .. })
        || matches!(member, Member::Other { deleted: true, .. })
    {
        return;
    }
    let to = sa_identity_id(account);
    let (kind, verb) = if is_ksa && role == WORKLOAD_IDENTITY_USER {
        (LinkKind::Federates, "federates to")
    } else {
        (LinkKind::CanAssume, "can act as")
    };
    let evidence = format!(
        "{} on {account} grants {role} to {}: it {verb} the service account",
        batch.source(),
        text.trim()
    );
    batch.link(holder, &to, kind, target.confidence, evidence, position);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_read_from_file_names() {
        assert_eq!(
            email_in_file_name("exports/ci@acme-prod.iam.gserviceaccount.com.json").as_deref(),
            Some("ci@acme-prod.iam.gserviceaccount.com")
        );
        assert_eq!(
            email_in_file_name("policy_CI@acme-prod.iam.gserviceaccount.com-iam.json").as_deref(),
            Some("ci@acme-prod.iam.gserviceaccount.com")
        );
        assert_eq!(email_in_file_name("acme-prod-iam-policy.json"), None);
        assert_eq!(email_in_file_name("weird@@x.gserviceaccount.com"), None);
    }
}
