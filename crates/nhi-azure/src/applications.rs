//! `GET /applications`: app registrations, their secrets and certificates, federated
//! credentials, requested API permissions and (with `$expand=owners`) owners.

use nhi_model::{GrantKind, Identity, IdentityKind, Provider};

use crate::batch::Batch;
use crate::directory::{self, normalize_guid};
use crate::federation;
use crate::json::{self, Object};
use crate::permissions::{MICROSOFT_GRAPH_APP_ID, graph_permission_name};

pub(crate) fn ingest_entry(batch: &mut Batch<'_>, app: &Object, at: &str) {
    let Some(app_id) = json::string(batch, app, "appId", at) else {
        batch.warn(at, "application skipped: no appId");
        return;
    };
    let app_id = normalize_guid(app_id);
    let name = json::string(batch, app, "displayName", at)
        .unwrap_or(&app_id)
        .to_string();
    let mut identity = Identity::new(
        Provider::Azure,
        IdentityKind::Application,
        &app_id,
        name,
        batch.provenance(at),
    );
    identity.created = json::timestamp(batch, app, "createdDateTime", at);
    for (field, attribute) in [
        ("id", "object_id"),
        ("signInAudience", "sign_in_audience"),
        ("publisherDomain", "publisher_domain"),
        ("notes", "notes"),
        ("description", "description"),
    ] {
        if let Some(value) = json::string(batch, app, field, at) {
            let value = if field == "id" {
                normalize_guid(value)
            } else {
                value.to_string()
            };
            identity.attributes.insert(attribute.into(), value);
        }
    }
    let identifier_uris = json::strings(batch, app, "identifierUris", at);
    if !identifier_uris.is_empty() {
        identity
            .attributes
            .insert("identifier_uris".into(), identifier_uris.join(","));
    }
    directory::apply_tags(batch, app, at, &mut identity);
    directory::credentials(batch, app, at, &identity.id);
    federation::federated_credentials(batch, app, at, &mut identity);
    required_resource_access(batch, app, at, &identity.id);
    directory::expanded_owners(batch, app, at, &mut identity);
    batch.identity(identity);
}

/// The API permissions the registration asks for. These are requests: an admin's
/// consent turns them into app role assignments and oauth2PermissionGrants, which the
/// service-principal exports show. `via` says which of the two a grant came from.
fn required_resource_access(batch: &mut Batch<'_>, app: &Object, at: &str, holder: &str) {
    for (position, resource) in json::objects(batch, app, "requiredResourceAccess", at) {
        let Some(resource_app_id) = json::string(batch, resource, "resourceAppId", &position)
        else {
            batch.warn(&position, "permissions skipped: no resourceAppId");
            continue;
        };
        let resource_app_id = normalize_guid(resource_app_id);
        let is_graph = resource_app_id == MICROSOFT_GRAPH_APP_ID;
        for (access_at, access) in json::objects(batch, resource, "resourceAccess", &position) {
            let Some(permission_id) = json::string(batch, access, "id", &access_at) else {
                batch.warn(&access_at, "permission skipped: no id");
                continue;
            };
            let kind = match json::string(batch, access, "type", &access_at) {
                Some("Role") => GrantKind::AppPermission,
                Some("Scope") => GrantKind::OauthScope,
                other => {
                    batch.warn(
                        &json::path(&access_at, "type"),
                        format!(
                            "permission skipped: type {:?} is neither Role nor Scope",
                            other.unwrap_or("")
                        ),
                    );
                    continue;
                }
            };
            let permission_id = normalize_guid(permission_id);
            let role = if is_graph {
                graph_permission_name(&permission_id).to_string()
            } else {
                permission_id
            };
            batch.grant(
                holder,
                kind,
                &role,
                &resource_app_id,
                Some("requiredResourceAccess".to_string()),
                None,
                &access_at,
            );
        }
    }
}
