//! `GET /orgs/{org}/personal-access-tokens`: fine-grained PATs with access to the
//! organization. Each becomes a credential held by its owner, a person.
//! Fields: <https://docs.github.com/en/rest/orgs/personal-access-tokens#list-fine-grained-personal-access-tokens-with-access-to-organization-resources>

use nhi_model::{
    Confidence, CredentialKind, LifecycleStatus, Link, LinkKind, PlatformCredential, Provider,
};
use serde_json::Value;

use crate::ExportKind;
use crate::json::{Ctx, id, join, segment_after, string, type_name};

const KIND: ExportKind = ExportKind::PersonalAccessTokens;

pub(crate) fn map(ctx: &mut Ctx<'_>, item: &Value, position: &str) {
    let Some(item) = item.as_object() else {
        ctx.warn(
            position,
            format!(
                "token skipped: expected an object, found {}",
                type_name(item)
            ),
        );
        return;
    };
    // `token_id` names the token itself (audit log, settings page); `id` is the
    // grant, which changes if access is revoked and granted again.
    let Some(token_id) = id(item, "token_id").or_else(|| id(item, "id")) else {
        ctx.warn(position, "token skipped: no `token_id` or `id`".to_string());
        return;
    };
    let owner = ctx
        .object(item, "owner", position)
        .and_then(|owner| string(owner, "login").map(|login| (login, owner)));
    let holder = match owner {
        Some((login, owner_fields)) => {
            let person_id = ctx.person(login, ctx.provenance(KIND, &join(position, "owner")));
            if let Some(person) = ctx.person_mut(&person_id) {
                if let Some(user_id) = id(owner_fields, "id") {
                    person
                        .attributes
                        .entry("github_user_id".into())
                        .or_insert(user_id);
                }
                if let Some(user_type) = string(owner_fields, "type") {
                    person
                        .attributes
                        .entry("github_user_type".into())
                        .or_insert_with(|| user_type.to_string());
                }
            }
            Some((login.to_string(), person_id))
        }
        None => {
            ctx.warn(
                &join(position, "owner"),
                "no owner login: the token is loaded without a holder".to_string(),
            );
            None
        }
    };
    let holder_id = holder.as_ref().map_or("", |(_, id)| id.as_str());

    let mut credential = PlatformCredential::new(
        holder_id,
        Provider::Github,
        CredentialKind::FineGrainedPat,
        &token_id,
        ctx.provenance(KIND, position),
    );
    credential.status = match ctx.boolean(item, "token_expired", position) {
        Some(true) => LifecycleStatus::Expired,
        Some(false) => LifecycleStatus::Active,
        None => LifecycleStatus::Unknown,
    };
    credential.expires = ctx.timestamp(item, "token_expires_at", position);
    credential.last_used = ctx.timestamp(item, "token_last_used_at", position);
    let granted = ctx.timestamp(item, "access_granted_at", position);

    let attributes = &mut credential.attributes;
    if let Some((login, _)) = &holder {
        attributes.insert("owner".into(), login.clone());
    }
    if let Some(grant_id) = id(item, "id") {
        attributes.insert("grant_id".into(), grant_id);
    }
    for field in ["token_name", "repository_selection"] {
        if let Some(value) = string(item, field) {
            attributes.insert(field.into(), value.to_string());
        }
    }
    // The token's creation date is not in the response; the grant date is a lower
    // bound on its age, kept apart so nothing mistakes it for `created`.
    if let Some(granted) = granted {
        attributes.insert("access_granted_at".into(), granted.to_string());
    }
    // `null` here is a fact worth keeping: a token that never expires, or that has
    // never been used since it was granted.
    if item.get("token_expires_at").is_some_and(Value::is_null) {
        attributes.insert("no_expiry".into(), "true".into());
    }
    if item.get("token_last_used_at").is_some_and(Value::is_null) {
        attributes.insert("never_used".into(), "true".into());
    }
    if let Some(url) = string(item, "repositories_url") {
        if let Some(org) = segment_after(url, "orgs") {
            attributes.insert("organization".into(), org.to_string());
        } else if let Some(org_id) = segment_after(url, "organizations") {
            attributes.insert("organization_id".into(), org_id.to_string());
        }
    }
    if let Some(permissions) = ctx.object(item, "permissions", position) {
        let scopes = permission_list(ctx, permissions, &join(position, "permissions"));
        if !scopes.is_empty() {
            credential
                .attributes
                .insert("permissions".into(), scopes.join(","));
        }
    }

    if let Some((login, person_id)) = holder {
        let provenance = ctx.provenance(KIND, position);
        ctx.batch.links.push(Link {
            from: person_id.clone(),
            to: credential.id.clone(),
            kind: LinkKind::HasCredential,
            confidence: Confidence::High,
            evidence: format!("personal-access-tokens lists token {token_id} of {login}"),
            provenance: Some(provenance.clone()),
        });
        ctx.batch.links.push(Link {
            from: person_id,
            to: credential.id.clone(),
            kind: LinkKind::Owns,
            confidence: Confidence::High,
            evidence: format!("token {token_id} is owned by {login}"),
            provenance: Some(provenance),
        });
    }
    ctx.batch.credentials.push(credential);
}

/// `{"repository": {"contents": "write"}}` -> `["repository.contents:write"]`, sorted.
fn permission_list(
    ctx: &mut Ctx<'_>,
    permissions: &serde_json::Map<String, Value>,
    position: &str,
) -> Vec<String> {
    let mut scopes = Vec::new();
    for (category, entries) in permissions {
        let category_position = join(position, category);
        let Some(entries) = entries.as_object() else {
            if !entries.is_null() {
                ctx.warn(
                    &category_position,
                    format!("expected an object, found {}; ignored", type_name(entries)),
                );
            }
            continue;
        };
        for (permission, level) in entries {
            match level.as_str() {
                Some(level) => scopes.push(format!("{category}.{permission}:{level}")),
                None => ctx.warn(
                    &join(&category_position, permission),
                    format!(
                        "permission level should be a string, found {}; ignored",
                        type_name(level)
                    ),
                ),
            }
        }
    }
    scopes.sort();
    scopes
}
