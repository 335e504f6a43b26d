//! OpenAI Admin API list responses: project API keys, project service accounts and
//! organization admin API keys.
//!
//! A project's keys do not name their project (it is in the request path), so a file may
//! carry a top-level `project_id` added by whoever saved it; without one the account is
//! unknown. The create responses carry the full key in `value`: it is never read.

use nhi_model::{
    CredentialKind, Grant, GrantKind, Identity, IdentityKind, LifecycleStatus, LinkKind,
    PlatformCredential, Provider, SecretHint,
};
use serde_json::{Map, Value};

use crate::Error;
use crate::read::{Ctx, Fields, data_entries};

const PROJECT_API_KEY: &str = "organization.project.api_key";
const PROJECT_SERVICE_ACCOUNT: &str = "organization.project.service_account";
const ADMIN_API_KEY: &str = "organization.admin_api_key";

/// Whether `entry` is of the documented `object` type; an entry naming another type is
/// skipped with a warning (a missing `object` is tolerated).
fn is_object_type(ctx: &mut Ctx<'_>, entry: &Fields<'_>, expected: &str) -> bool {
    match entry.map.get("object").and_then(Value::as_str) {
        Some(found) if found != expected => {
            let message = format!(
                "entry skipped: object is {:?}, expected {expected:?}",
                crate::read::glimpse(found)
            );
            ctx.warn(&entry.path, message);
            false
        }
        _ => true,
    }
}

pub(crate) fn project_api_keys(ctx: &mut Ctx<'_>, root: &Map<String, Value>) -> Result<(), Error> {
    let top = Fields::new(root, "");
    let project = top.text(ctx, "project_id");
    for (path, map) in data_entries(ctx, root)? {
        let entry = Fields::new(map, path);
        if !is_object_type(ctx, &entry, PROJECT_API_KEY) {
            continue;
        }
        let Some(key_id) = entry.text(ctx, "id") else {
            ctx.warn(&entry.path, "entry skipped: no `id`");
            continue;
        };
        let owner = entry.object(ctx, "owner");
        let owner_type = owner.as_ref().and_then(|o| o.text(ctx, "type"));
        let holder = match (&owner, owner_type.as_deref()) {
            (Some(owner), Some("service_account")) => owner
                .object(ctx, "service_account")
                .and_then(|sa| service_account(ctx, &sa, project.as_deref(), "project")),
            (Some(owner), Some("user")) => owner
                .object(ctx, "user")
                .and_then(|user| user_owner(ctx, &user, true)),
            _ => None,
        };
        let holder = match holder {
            Some(holder) => holder,
            None => {
                ctx.warn(
                    &entry.at("owner"),
                    "owner missing or unreadable; the key is attributed to its project",
                );
                let key = format!("project/{}", project.as_deref().unwrap_or("unknown"));
                Holder {
                    id: unknown_holder(ctx, &key, project.as_deref(), &entry.path),
                    person: None,
                }
            }
        };

        let mut credential = key_credential(ctx, &entry, &holder, CredentialKind::ApiKey, &key_id);
        if let Some(kind) = owner_type {
            credential.attributes.insert("owner_type".into(), kind);
        }
        if let Some(access) = entry.text(ctx, "owner_project_access") {
            credential
                .attributes
                .insert("owner_project_access".into(), access);
        }
        if let Some(project) = &project {
            credential
                .attributes
                .insert("project_id".into(), project.clone());
        }
        record_key(ctx, &entry, &holder, credential, &key_id);
    }
    Ok(())
}

pub(crate) fn admin_api_keys(ctx: &mut Ctx<'_>, root: &Map<String, Value>) -> Result<(), Error> {
    for (path, map) in data_entries(ctx, root)? {
        let entry = Fields::new(map, path);
        if !is_object_type(ctx, &entry, ADMIN_API_KEY) {
            continue;
        }
        let Some(key_id) = entry.text(ctx, "id") else {
            ctx.warn(&entry.path, "entry skipped: no `id`");
            continue;
        };
        // Admin keys carry a flat owner: the user or service account itself.
        let owner = entry.object(ctx, "owner");
        let owner_type = owner.as_ref().and_then(|o| o.text(ctx, "type"));
        let holder = match (&owner, owner_type.as_deref()) {
            (Some(owner), Some("service_account")) => {
                service_account(ctx, owner, None, "organization")
            }
            (Some(owner), Some("user")) => user_owner(ctx, owner, false),
            _ => None,
        };
        let holder = match holder {
            Some(holder) => holder,
            None => {
                ctx.warn(
                    &entry.at("owner"),
                    "owner missing or unreadable; the key is attributed to the organization",
                );
                Holder {
                    id: unknown_holder(ctx, "organization", None, &entry.path),
                    person: None,
                }
            }
        };
        let mut credential =
            key_credential(ctx, &entry, &holder, CredentialKind::AdminApiKey, &key_id);
        credential
            .attributes
            .insert("key_type".into(), "admin".into());
        if let Some(kind) = owner_type {
            credential.attributes.insert("owner_type".into(), kind);
        }
        record_key(ctx, &entry, &holder, credential, &key_id);
    }
    Ok(())
}

pub(crate) fn project_service_accounts(
    ctx: &mut Ctx<'_>,
    root: &Map<String, Value>,
) -> Result<(), Error> {
    let top = Fields::new(root, "");
    let project = top.text(ctx, "project_id");
    for (path, map) in data_entries(ctx, root)? {
        let entry = Fields::new(map, path);
        if !is_object_type(ctx, &entry, PROJECT_SERVICE_ACCOUNT) {
            continue;
        }
        if service_account(ctx, &entry, project.as_deref(), "project").is_none() {
            ctx.warn(&entry.path, "entry skipped: no `id`");
        }
    }
    Ok(())
}

/// Who holds a key: the identity ID, and for a person also their email (for the
/// ownership link's evidence).
struct Holder {
    id: String,
    person: Option<String>,
}

/// A service account as an API-key holder, with its role as a grant. `scope_kind` is
/// `project` or `organization`, used when the project ID is unknown.
fn service_account(
    ctx: &mut Ctx<'_>,
    sa: &Fields<'_>,
    project: Option<&str>,
    scope_kind: &str,
) -> Option<Holder> {
    let id = sa.text(ctx, "id")?;
    let name = sa.text(ctx, "name").unwrap_or_else(|| id.clone());
    let mut identity = Identity::new(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        &id,
        name,
        ctx.provenance(&sa.path),
    );
    identity.account = project.map(str::to_string);
    identity.created = sa.time(ctx, "created_at");
    // Listed by the platform, so it exists; OpenAI has no disabled service accounts.
    identity.status = LifecycleStatus::Active;
    identity
        .attributes
        .insert("openai_type".into(), "service_account".into());
    let role = sa.text(ctx, "role");
    if let Some(role) = &role {
        identity.attributes.insert("role".into(), role.clone());
    }
    let identity_id = ctx.identity(identity);
    if let Some(role) = role {
        ctx.grant(Grant {
            identity: identity_id.clone(),
            kind: GrantKind::RoleBinding,
            role,
            scope: project.unwrap_or(scope_kind).to_string(),
            via: None,
            condition: None,
            provenance: ctx.provenance(&sa.at("role")),
        });
    }
    Some(Holder {
        id: identity_id,
        person: None,
    })
}

/// A user owner: a person keyed by email. Admin-key owners carry no email in the
/// documented shape, so they become an OpenAI user keyed by user ID (with
/// `openai_user_id`, which a person from a project-key export also carries).
fn user_owner(ctx: &mut Ctx<'_>, user: &Fields<'_>, email_documented: bool) -> Option<Holder> {
    let email = user.text(ctx, "email");
    let user_id = user.text(ctx, "id");
    let name = user.text(ctx, "name").unwrap_or_default();
    let provenance = ctx.provenance(&user.path);
    let mut identity = match (&email, &user_id) {
        (Some(email), _) => Identity::person(email, name, provenance),
        (None, Some(user_id)) => {
            if email_documented {
                ctx.warn(
                    &user.at("email"),
                    "owner has no email; keyed by OpenAI user ID and not matched to a person",
                );
            }
            Identity::new(
                Provider::Openai,
                IdentityKind::Human,
                user_id,
                name,
                provenance,
            )
        }
        (None, None) => return None,
    };
    if let Some(user_id) = &user_id {
        identity
            .attributes
            .insert("openai_user_id".into(), user_id.clone());
    }
    if let Some(role) = user.text(ctx, "role") {
        identity.attributes.insert("openai_role".into(), role);
    }
    // The person's status is left to the identity provider's export: an "Active" from
    // here would win the merge over Okta's "Deleted" when merged first.
    let id = ctx.identity(identity);
    Some(Holder {
        id,
        person: Some(email.or(user_id).unwrap_or_default()),
    })
}

/// A placeholder holder for a key whose owner cannot be read, so the key still loads.
fn unknown_holder(ctx: &mut Ctx<'_>, key: &str, project: Option<&str>, at: &str) -> String {
    let mut identity = Identity::new(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        key,
        key,
        ctx.provenance(at),
    );
    identity.account = project.map(str::to_string);
    ctx.identity(identity)
}

fn key_credential(
    ctx: &mut Ctx<'_>,
    entry: &Fields<'_>,
    holder: &Holder,
    kind: CredentialKind,
    key_id: &str,
) -> PlatformCredential {
    let mut credential = PlatformCredential::new(
        &holder.id,
        Provider::Openai,
        kind,
        key_id,
        ctx.provenance(&entry.path),
    );
    credential.hint = entry
        .text(ctx, "redacted_value")
        .as_deref()
        .and_then(SecretHint::from_redacted);
    credential.created = entry.time(ctx, "created_at");
    credential.last_used = entry.time(ctx, "last_used_at");
    credential.expires = entry.time(ctx, "expires_at");
    // The list shows only enabled keys; a revoked key is deleted, not listed.
    credential.status = LifecycleStatus::Active;
    if entry.map.get("last_used_at") == Some(&Value::Null) {
        // `null` is OpenAI saying "never used", unlike a missing field.
        credential
            .attributes
            .insert("never_used".into(), "true".into());
    }
    if let Some(name) = entry.text(ctx, "name") {
        credential.attributes.insert("name".into(), name);
    }
    credential
}

fn record_key(
    ctx: &mut Ctx<'_>,
    entry: &Fields<'_>,
    holder: &Holder,
    credential: PlatformCredential,
    key_id: &str,
) {
    let credential_id = ctx.credential(credential);
    let evidence = format!("{} lists key {key_id}", ctx.source);
    ctx.link(
        &holder.id,
        &credential_id,
        LinkKind::HasCredential,
        evidence,
        &entry.path,
    );
    if let Some(person) = &holder.person {
        let evidence = format!("key {key_id} is owned by user {person}");
        ctx.link(
            &holder.id,
            &credential_id,
            LinkKind::Owns,
            evidence,
            &entry.at("owner"),
        );
    }
}
