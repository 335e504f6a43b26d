//! Anthropic Admin API list responses: API keys and organization users.
//!
//! An Anthropic key belongs to a workspace, not to a person, so its holder is the
//! workspace (`workspace_id: null` is the default workspace). The creator is named only
//! by user ID (`created_by`); the users export maps IDs to emails, and both sides carry
//! the ID (`created_by` on the key, `anthropic_user_id` on the person) so the correlator
//! can join them when both files are ingested.

use nhi_model::{
    CredentialKind, Identity, IdentityKind, LifecycleStatus, LinkKind, PlatformCredential,
    Provider, SecretHint,
};
use serde_json::{Map, Value};

use crate::Error;
use crate::read::{Ctx, Fields, data_entries, glimpse};

pub(crate) const DEFAULT_WORKSPACE: &str = "default";

pub(crate) fn api_keys(ctx: &mut Ctx<'_>, root: &Map<String, Value>) -> Result<(), Error> {
    for (path, map) in data_entries(ctx, root)? {
        let entry = Fields::new(map, path);
        if let Some(kind) = entry.map.get("type").and_then(Value::as_str)
            && kind != "api_key"
        {
            let message = format!(
                "entry skipped: type is {:?}, expected \"api_key\"",
                glimpse(kind)
            );
            ctx.warn(&entry.path, message);
            continue;
        }
        let Some(key_id) = entry.text(ctx, "id") else {
            ctx.warn(&entry.path, "entry skipped: no `id`");
            continue;
        };
        let workspace = entry
            .text(ctx, "workspace_id")
            .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string());
        let holder_key = format!("workspace/{workspace}");
        let mut holder = Identity::new(
            Provider::Anthropic,
            IdentityKind::ApiKeyHolder,
            &holder_key,
            holder_key.clone(),
            ctx.provenance(&entry.at("workspace_id")),
        );
        holder.account = Some(workspace.clone());
        let holder_id = ctx.identity(holder);

        let mut credential = PlatformCredential::new(
            &holder_id,
            Provider::Anthropic,
            CredentialKind::ApiKey,
            &key_id,
            ctx.provenance(&entry.path),
        );
        credential.hint = entry
            .text(ctx, "partial_key_hint")
            .as_deref()
            .and_then(SecretHint::from_redacted);
        credential.created = entry.time(ctx, "created_at");
        credential.expires = entry.time(ctx, "expires_at");
        credential.status = match entry.text(ctx, "status").as_deref() {
            Some("active") => LifecycleStatus::Active,
            Some("inactive") => LifecycleStatus::Inactive,
            Some("archived") => LifecycleStatus::Deleted,
            Some("expired") => LifecycleStatus::Expired,
            None => LifecycleStatus::Unknown,
            Some(other) => {
                let message = format!("unknown key status {:?}; kept as unknown", glimpse(other));
                ctx.warn(&entry.at("status"), message);
                LifecycleStatus::Unknown
            }
        };
        if let Some(name) = entry.text(ctx, "name") {
            credential.attributes.insert("name".into(), name);
        }
        credential
            .attributes
            .insert("workspace_id".into(), workspace);
        if let Some(creator) = entry.object(ctx, "created_by") {
            if let Some(id) = creator.text(ctx, "id") {
                credential.attributes.insert("created_by".into(), id);
            }
            if let Some(kind) = creator.text(ctx, "type") {
                credential.attributes.insert("created_by_type".into(), kind);
            }
        }
        let credential_id = ctx.credential(credential);
        let evidence = format!("{} lists key {key_id}", ctx.source);
        ctx.link(
            &holder_id,
            &credential_id,
            LinkKind::HasCredential,
            evidence,
            &entry.path,
        );
    }
    Ok(())
}

pub(crate) fn users(ctx: &mut Ctx<'_>, root: &Map<String, Value>) -> Result<(), Error> {
    for (path, map) in data_entries(ctx, root)? {
        let entry = Fields::new(map, path);
        let Some(email) = entry.text(ctx, "email") else {
            ctx.warn(&entry.path, "entry skipped: no `email`");
            continue;
        };
        let name = entry.text(ctx, "name").unwrap_or_default();
        let mut person = Identity::person(&email, name, ctx.provenance(&entry.path));
        if let Some(id) = entry.text(ctx, "id") {
            person.attributes.insert("anthropic_user_id".into(), id);
        }
        if let Some(role) = entry.text(ctx, "role") {
            person.attributes.insert("anthropic_role".into(), role);
        }
        if let Some(added) = entry.time(ctx, "added_at") {
            person
                .attributes
                .insert("anthropic_added_at".into(), added.to_string());
        }
        // Status is left unknown: membership here says nothing about employment, and an
        // "Active" would win the merge over the identity provider's "Deleted".
        ctx.identity(person);
    }
    Ok(())
}
