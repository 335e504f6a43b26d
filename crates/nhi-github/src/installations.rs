//! `GET /orgs/{org}/installations`: each installation of a GitHub App is an identity
//! with one grant per permission.
//! Fields: <https://docs.github.com/en/rest/orgs/orgs#list-app-installations-for-an-organization>

use nhi_model::{Grant, GrantKind, Identity, IdentityKind, LifecycleStatus, Provider};
use serde_json::Value;

use crate::ExportKind;
use crate::json::{Ctx, id, join, string, type_name};

const KIND: ExportKind = ExportKind::Installations;

pub(crate) fn map(ctx: &mut Ctx<'_>, item: &Value, position: &str) {
    let Some(item) = item.as_object() else {
        ctx.warn(
            position,
            format!(
                "installation skipped: expected an object, found {}",
                type_name(item)
            ),
        );
        return;
    };
    let Some(installation_id) = id(item, "id") else {
        ctx.warn(position, "installation skipped: no `id`".to_string());
        return;
    };
    let key = format!("installation/{installation_id}");
    let slug = string(item, "app_slug");
    let name = slug.map_or_else(|| key.clone(), str::to_string);
    let mut identity = Identity::new(
        Provider::Github,
        IdentityKind::GithubApp,
        &key,
        name,
        ctx.provenance(KIND, position),
    );

    // Organizations and users have a `login`; an enterprise account has a `slug`.
    let account = ctx
        .object(item, "account", position)
        .and_then(|account| string(account, "login").or_else(|| string(account, "slug")))
        .map(str::to_string);
    identity.account = account.clone();

    // Suspension is what GitHub reports as the state: any `suspended_at` value,
    // readable date or not, means suspended.
    let suspended = item.get("suspended_at").is_some_and(|v| !v.is_null());
    identity.status = if suspended {
        LifecycleStatus::Disabled
    } else {
        LifecycleStatus::Active
    };
    identity.created = ctx.timestamp(item, "created_at", position);
    let updated = ctx.timestamp(item, "updated_at", position);
    let suspended_at = ctx.timestamp(item, "suspended_at", position);

    let attributes = &mut identity.attributes;
    attributes.insert("installation_id".into(), installation_id.clone());
    if let Some(app_id) = id(item, "app_id") {
        attributes.insert("app_id".into(), app_id);
    }
    for field in ["app_slug", "client_id", "target_type", "single_file_name"] {
        if let Some(value) = string(item, field) {
            attributes.insert(field.into(), value.to_string());
        }
    }
    if let Some(target_id) = id(item, "target_id") {
        attributes.insert("target_id".into(), target_id);
    }
    let selection = string(item, "repository_selection");
    if let Some(selection) = selection {
        attributes.insert("repository_selection".into(), selection.to_string());
    }
    if let Some(updated) = updated {
        attributes.insert("updated_at".into(), updated.to_string());
    }
    if let Some(suspended_at) = suspended_at {
        attributes.insert("suspended_at".into(), suspended_at.to_string());
    }
    let suspended_by = item
        .get("suspended_by")
        .and_then(Value::as_object)
        .and_then(|user| string(user, "login"));
    if let Some(login) = suspended_by {
        identity
            .attributes
            .insert("suspended_by".into(), login.to_string());
    }
    match item.get("events") {
        Some(Value::Array(events)) => {
            let mut names: Vec<&str> = events.iter().filter_map(Value::as_str).collect();
            names.sort_unstable();
            names.dedup();
            identity.attributes.insert("events".into(), names.join(","));
        }
        None | Some(Value::Null) => {}
        Some(other) => ctx.warn(
            &join(position, "events"),
            format!("expected a list, found {}; ignored", type_name(other)),
        ),
    }

    let identity_id = identity.id.clone();
    if let Some(permissions) = ctx.object(item, "permissions", position) {
        let account = account.as_deref().unwrap_or("(unknown account)");
        for (permission, level) in permissions {
            let permission_position = join(&join(position, "permissions"), permission);
            let Some(level) = level.as_str() else {
                ctx.warn(
                    &permission_position,
                    format!(
                        "permission level should be a string, found {}; grant skipped",
                        type_name(level)
                    ),
                );
                continue;
            };
            ctx.batch.grants.push(Grant {
                identity: identity_id.clone(),
                kind: GrantKind::AppPermission,
                role: format!("{permission}:{level}"),
                scope: permission_scope(permission, account, selection),
                via: None,
                condition: None,
                provenance: ctx.provenance(KIND, &permission_position),
            });
        }
    }
    ctx.batch.identities.push(identity);
}

/// Where an app permission applies. Organization permissions cover the account
/// itself; repository permissions cover every repository (`acme/*`) or the ones picked
/// at install time (`acme/(selected)`, which this response does not list).
fn permission_scope(permission: &str, account: &str, selection: Option<&str>) -> String {
    let organization_wide = permission.starts_with("organization_")
        || matches!(
            permission,
            "members" | "team_discussions" | "custom_properties_for_organizations"
        );
    if organization_wide {
        return account.to_string();
    }
    match selection {
        Some("all") => format!("{account}/*"),
        Some("selected") => format!("{account}/(selected)"),
        Some(other) => format!("{account}/({other})"),
        None => format!("{account}/(unknown selection)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_permissions_cover_the_account_repository_ones_the_selection() {
        assert_eq!(permission_scope("members", "acme", Some("all")), "acme");
        assert_eq!(
            permission_scope("organization_administration", "acme", Some("selected")),
            "acme"
        );
        assert_eq!(permission_scope("contents", "acme", Some("all")), "acme/*");
        assert_eq!(
            permission_scope("contents", "acme", Some("selected")),
            "acme/(selected)"
        );
    }
}
