//! Pieces shared by applications and service principals: their password and key
//! credentials, owners (expanded, or named in tags), and tags.

use nhi_model::{
    CredentialKind, Identity, IdentityKind, LifecycleStatus, LinkKind, PlatformCredential,
    Provider, SecretHint, identity_id,
};

use crate::batch::Batch;
use crate::json::{self, Object};

/// The canonical ID of a service principal, from its object ID.
///
/// Deliberately independent of `servicePrincipalType`: role assignments, app role
/// assignments and consent grants name a principal by object ID alone, without saying
/// whether it is a managed identity, and their grants must land on the same node as the
/// `servicePrincipals` export's record. The record's `kind` still says
/// `managed_identity` when it is one.
pub fn service_principal_id(object_id: &str) -> String {
    identity_id(
        Provider::Azure,
        IdentityKind::ServicePrincipal,
        &normalize_guid(object_id),
    )
}

/// The ID of an application registration, from its application (client) ID.
pub fn application_id(app_id: &str) -> String {
    identity_id(
        Provider::Azure,
        IdentityKind::Application,
        &normalize_guid(app_id),
    )
}

/// Entra writes GUIDs in lower case, but hand-edited files and PowerShell output do
/// not always; one case keeps one node per object.
pub(crate) fn normalize_guid(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

/// Tag names whose value, when it is an email address, names an owner.
const OWNER_TAG_KEYS: &[&str] = &[
    "owner",
    "owners",
    "team-owner",
    "team_owner",
    "contact",
    "owner-email",
    "owner_email",
];

/// Entra `tags` are plain strings; by convention `key:value` or `key=value` carries a
/// value (`owner:alice@contoso.com`), anything else is a flag (`HideApp`).
pub(crate) fn apply_tags(
    batch: &mut Batch<'_>,
    object: &Object,
    at: &str,
    identity: &mut Identity,
) {
    for tag in json::strings(batch, object, "tags", at) {
        let split = tag.find([':', '=']).and_then(|i| {
            let key = tag.get(..i)?.trim();
            let value = tag.get(i + 1..)?.trim();
            Some((key.to_string(), value.to_string()))
        });
        match split {
            Some((key, value)) if !key.is_empty() => {
                if OWNER_TAG_KEYS.contains(&key.to_ascii_lowercase().as_str())
                    && looks_like_email(&value)
                {
                    let owner = value.to_lowercase();
                    if !identity.owners.contains(&owner) {
                        identity.owners.push(owner);
                    }
                }
                identity.tags.insert(key, value);
            }
            _ => {
                identity.tags.insert(tag, String::new());
            }
        }
    }
}

pub(crate) fn looks_like_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace)
    )
}

/// Adds the links (and person records) for an `owners` array expanded into an
/// application or service principal (`$expand=owners`). Owners are directory objects:
/// users (named by `mail`, else `userPrincipalName`) or service principals.
pub(crate) fn expanded_owners(
    batch: &mut Batch<'_>,
    object: &Object,
    at: &str,
    owned: &mut Identity,
) {
    for (position, owner) in json::objects(batch, object, "owners", at) {
        let odata_type = json::string(batch, owner, "@odata.type", &position).unwrap_or_default();
        let object_id = json::string(batch, owner, "id", &position);
        let display_name = json::string(batch, owner, "displayName", &position).unwrap_or_default();
        if odata_type.ends_with("servicePrincipal") {
            let Some(object_id) = object_id else {
                batch.warn(&position, "owner skipped: service principal without an id");
                continue;
            };
            let from = service_principal_id(object_id);
            batch.link(
                &from,
                &owned.id,
                LinkKind::Owns,
                format!("owners lists service principal {display_name} ({object_id})"),
                &position,
            );
            continue;
        }
        let email = json::string(batch, owner, "mail", &position)
            .or_else(|| json::string(batch, owner, "userPrincipalName", &position));
        let Some(email) = email else {
            batch.warn(
                &position,
                "owner skipped: neither mail nor userPrincipalName is present",
            );
            continue;
        };
        let mut person = Identity::person(email, display_name, batch.provenance(&position));
        if let Some(object_id) = object_id {
            person
                .attributes
                .insert("object_id".into(), normalize_guid(object_id));
        }
        if let Some(upn) = json::string(batch, owner, "userPrincipalName", &position) {
            person
                .attributes
                .insert("user_principal_name".into(), upn.to_string());
        }
        let from = batch.identity(person);
        let owner_key = email.trim().to_lowercase();
        if !owned.owners.contains(&owner_key) {
            owned.owners.push(owner_key);
        }
        batch.link(
            &from,
            &owned.id,
            LinkKind::Owns,
            format!("owners lists {email}"),
            &position,
        );
    }
}

/// Maps `passwordCredentials` (client secrets) and `keyCredentials` (certificates) of
/// an application or service principal held by `holder`.
pub(crate) fn credentials(batch: &mut Batch<'_>, object: &Object, at: &str, holder: &str) {
    for (position, secret) in json::objects(batch, object, "passwordCredentials", at) {
        password_credential(batch, secret, &position, holder);
    }
    for (position, key) in json::objects(batch, object, "keyCredentials", at) {
        key_credential(batch, key, &position, holder);
    }
}

fn password_credential(batch: &mut Batch<'_>, secret: &Object, at: &str, holder: &str) {
    // `secretText` is only ever returned by `addPassword`; a listing carries null. If a
    // file does hold one, the value must go nowhere, not even into the warning.
    if secret.get("secretText").is_some_and(|v| !v.is_null()) {
        batch.warn(
            &json::path(at, "secretText"),
            "a secret value is present in this export; it was not read. Treat the file as \
             sensitive and the secret as exposed",
        );
    }
    let Some(key_id) = json::string(batch, secret, "keyId", at) else {
        batch.warn(at, "client secret skipped: no keyId");
        return;
    };
    let key_id = normalize_guid(key_id);
    let mut credential = PlatformCredential::new(
        holder,
        Provider::Azure,
        CredentialKind::ClientSecret,
        &key_id,
        batch.provenance(at),
    );
    // The hint is the first three characters of the secret: enough to match a secret
    // found in code to this record, far too little to use it.
    if let Some(hint) = json::string(batch, secret, "hint", at) {
        credential.hint = Some(SecretHint {
            prefix: hint.to_string(),
            suffix: String::new(),
        });
    }
    validity(batch, secret, at, &mut credential);
    if let Some(name) = json::string(batch, secret, "displayName", at) {
        credential
            .attributes
            .insert("display_name".into(), name.to_string());
    }
    if let Some(custom) = json::string(batch, secret, "customKeyIdentifier", at) {
        credential
            .attributes
            .insert("custom_key_identifier".into(), custom.to_string());
    }
    add_credential(batch, credential, at, holder, "client secret", &key_id);
}

fn key_credential(batch: &mut Batch<'_>, key: &Object, at: &str, holder: &str) {
    let Some(key_id) = json::string(batch, key, "keyId", at) else {
        batch.warn(at, "certificate skipped: no keyId");
        return;
    };
    let key_id = normalize_guid(key_id);
    let mut credential = PlatformCredential::new(
        holder,
        Provider::Azure,
        CredentialKind::PrivateKey,
        &key_id,
        batch.provenance(at),
    );
    validity(batch, key, at, &mut credential);
    for (field, attribute) in [
        ("type", "key_type"),
        ("usage", "key_usage"),
        ("displayName", "display_name"),
        // Defaults to the certificate thumbprint (base64), which identifies the
        // certificate file a workload presents.
        ("customKeyIdentifier", "custom_key_identifier"),
    ] {
        if let Some(value) = json::string(batch, key, field, at) {
            credential
                .attributes
                .insert(attribute.into(), value.to_string());
        }
    }
    add_credential(batch, credential, at, holder, "certificate", &key_id);
}

/// Start and end dates, and the status they imply: Entra keeps expired credentials
/// listed until someone removes them.
fn validity(batch: &mut Batch<'_>, object: &Object, at: &str, credential: &mut PlatformCredential) {
    credential.created = json::timestamp(batch, object, "startDateTime", at);
    credential.expires = json::timestamp(batch, object, "endDateTime", at);
    credential.status = match credential.expires {
        Some(end) if end <= batch.now => LifecycleStatus::Expired,
        _ => LifecycleStatus::Active,
    };
}

fn add_credential(
    batch: &mut Batch<'_>,
    credential: PlatformCredential,
    at: &str,
    holder: &str,
    what: &str,
    key_id: &str,
) {
    let to = credential.id.clone();
    batch.credential(credential);
    let evidence = format!("{} lists {what} {key_id}", batch.source());
    batch.link(holder, &to, LinkKind::HasCredential, evidence, at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_is_strict_enough() {
        assert!(looks_like_email("alice@contoso.com"));
        assert!(!looks_like_email("alice"));
        assert!(!looks_like_email("a@b@c.com"));
        assert!(!looks_like_email("@contoso.com"));
        assert!(!looks_like_email("team platform@contoso.com"));
    }

    #[test]
    fn service_principal_ids_ignore_case() {
        assert_eq!(
            service_principal_id("ABC-1"),
            service_principal_id(" abc-1 ")
        );
    }
}
