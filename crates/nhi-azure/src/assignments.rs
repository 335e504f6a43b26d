//! Permission grants: Graph app role assignments (application permissions),
//! oauth2PermissionGrants (delegated consent) and Azure RBAC role assignments.

use nhi_model::{GrantKind, Identity, IdentityKind, Provider};

use crate::batch::Batch;
use crate::directory::{normalize_guid, service_principal_id};
use crate::json::{self, Object};
use crate::permissions::graph_permission_name;

/// The app role that only says "assigned to the app", without a specific role.
const DEFAULT_APP_ROLE: &str = "00000000-0000-0000-0000-000000000000";

/// A service principal named by another object: a node for the grant to hang on,
/// folded into the full record when the `servicePrincipals` export is loaded too.
fn referenced_service_principal(
    batch: &mut Batch<'_>,
    object_id: &str,
    name: &str,
    at: &str,
) -> String {
    let mut identity = Identity::new(
        Provider::Azure,
        IdentityKind::ServicePrincipal,
        object_id,
        name,
        batch.provenance(at),
    );
    identity.id = service_principal_id(object_id);
    batch.identity(identity)
}

fn count_unmodelled(batch: &mut Batch<'_>, principal_type: Option<&str>) {
    let key = principal_type.unwrap_or("(not stated)").to_string();
    *batch.unmodelled.entry(key).or_insert(0) += 1;
}

/// One appRoleAssignment (from `/servicePrincipals/{id}/appRoleAssignments`,
/// `/appRoleAssignedTo`, or expanded into a service principal).
pub(crate) fn app_role_assignment(batch: &mut Batch<'_>, assignment: &Object, at: &str) {
    let principal_type = json::string(batch, assignment, "principalType", at);
    if principal_type != Some("ServicePrincipal") {
        // User and group assignments are people's access to an app, not an NHI's power.
        count_unmodelled(batch, principal_type);
        return;
    }
    let Some(principal_id) = json::string(batch, assignment, "principalId", at) else {
        batch.warn(at, "app role assignment skipped: no principalId");
        return;
    };
    let Some(app_role_id) = json::string(batch, assignment, "appRoleId", at) else {
        batch.warn(at, "app role assignment skipped: no appRoleId");
        return;
    };
    let principal_id = normalize_guid(principal_id);
    let app_role_id = normalize_guid(app_role_id);
    let name = json::string(batch, assignment, "principalDisplayName", at).unwrap_or_default();
    let holder = referenced_service_principal(batch, &principal_id, name, at);
    let role = if app_role_id == DEFAULT_APP_ROLE {
        "default access".to_string()
    } else {
        // Permission IDs are globally unique; Exchange Online reuses Graph's Mail.* IDs
        // under the same names, so the table reads right for it too.
        graph_permission_name(&app_role_id).to_string()
    };
    let scope = json::string(batch, assignment, "resourceDisplayName", at)
        .map(str::to_string)
        .or_else(|| json::string(batch, assignment, "resourceId", at).map(normalize_guid));
    let Some(scope) = scope else {
        batch.warn(
            at,
            "app role assignment skipped: neither resourceDisplayName nor resourceId",
        );
        return;
    };
    let via = json::string(batch, assignment, "id", at)
        .map(|id| format!("appRoleAssignment:{id}"))
        .or_else(|| Some("appRoleAssignment".to_string()));
    batch.grant(
        &holder,
        GrantKind::AppPermission,
        &role,
        &scope,
        via,
        None,
        at,
    );
}

/// One oauth2PermissionGrant: delegated scopes a client may use on behalf of all users
/// (`AllPrincipals`, admin consent) or of one user (`Principal`).
pub(crate) fn oauth2_permission_grant(batch: &mut Batch<'_>, grant: &Object, at: &str) {
    let Some(client_id) = json::string(batch, grant, "clientId", at) else {
        batch.warn(at, "permission grant skipped: no clientId");
        return;
    };
    let Some(resource_id) = json::string(batch, grant, "resourceId", at) else {
        batch.warn(at, "permission grant skipped: no resourceId");
        return;
    };
    let client_id = normalize_guid(client_id);
    let resource_id = normalize_guid(resource_id);
    let consent = json::string(batch, grant, "consentType", at).unwrap_or("unknown consent");
    let via = match json::string(batch, grant, "principalId", at) {
        Some(principal) if consent == "Principal" => {
            format!("Principal:{}", normalize_guid(principal))
        }
        _ => consent.to_string(),
    };
    let holder = referenced_service_principal(batch, &client_id, "", at);
    let scopes = json::string(batch, grant, "scope", at).unwrap_or_default();
    for scope in scopes.split_whitespace() {
        batch.grant(
            &holder,
            GrantKind::OauthScope,
            scope,
            &resource_id,
            Some(via.clone()),
            None,
            at,
        );
    }
}

/// One entry of `az role assignment list --all`.
pub(crate) fn role_assignment(batch: &mut Batch<'_>, assignment: &Object, at: &str) {
    let principal_type = json::string(batch, assignment, "principalType", at);
    let principal_id = json::string(batch, assignment, "principalId", at).map(normalize_guid);
    let principal_name = json::string(batch, assignment, "principalName", at);
    let holder = match (principal_type, &principal_id, principal_name) {
        (Some("ServicePrincipal"), Some(id), name) => {
            let mut identity = Identity::new(
                Provider::Azure,
                IdentityKind::ServicePrincipal,
                id,
                "",
                batch.provenance(at),
            );
            identity.id = service_principal_id(id);
            if let Some(name) = name {
                // For service principals the CLI prints a service principal name (usually
                // the appId), which helps match the record by hand.
                identity
                    .attributes
                    .insert("principal_name".into(), name.to_string());
            }
            batch.identity(identity)
        }
        (Some("User"), _, Some(upn)) => {
            let mut person = Identity::person(upn, "", batch.provenance(at));
            if let Some(id) = &principal_id {
                person.attributes.insert("object_id".into(), id.clone());
            }
            batch.identity(person)
        }
        (Some("ServicePrincipal"), None, _) => {
            batch.warn(at, "role assignment skipped: no principalId");
            return;
        }
        (Some("User"), _, None) => {
            // The CLI leaves principalName empty when the user no longer exists.
            count_unmodelled(batch, Some("User (no principalName)"));
            return;
        }
        (other, _, _) => {
            count_unmodelled(batch, other);
            return;
        }
    };
    let role = json::string(batch, assignment, "roleDefinitionName", at)
        .map(str::to_string)
        .or_else(|| {
            json::string(batch, assignment, "roleDefinitionId", at)
                .and_then(|id| id.rsplit('/').next())
                .map(str::to_string)
        });
    let Some(role) = role else {
        batch.warn(
            at,
            "role assignment skipped: neither roleDefinitionName nor roleDefinitionId",
        );
        return;
    };
    let Some(scope) = json::string(batch, assignment, "scope", at) else {
        batch.warn(at, "role assignment skipped: no scope");
        return;
    };
    let condition = json::string(batch, assignment, "condition", at);
    let via =
        json::string(batch, assignment, "name", at).map(|name| format!("roleAssignment:{name}"));
    batch.grant(
        &holder,
        GrantKind::RoleBinding,
        &role,
        scope,
        via,
        condition,
        at,
    );
}
