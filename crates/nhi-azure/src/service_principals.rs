//! `GET /servicePrincipals`: the tenant-local instances of applications (enterprise
//! apps), managed identities, and their credentials and (when expanded) owners and app
//! role assignments.

use nhi_model::{Identity, IdentityKind, LifecycleStatus, LinkKind, Provider};
use serde_json::Value;

use crate::assignments;
use crate::batch::Batch;
use crate::directory::{self, application_id, normalize_guid, service_principal_id};
use crate::json::{self, Object};
use crate::permissions::MICROSOFT_FIRST_PARTY_TENANTS;

pub(crate) fn ingest_entry(batch: &mut Batch<'_>, sp: &Object, at: &str) {
    let Some(object_id) = json::string(batch, sp, "id", at) else {
        batch.warn(at, "service principal skipped: no id");
        return;
    };
    let object_id = normalize_guid(object_id);
    let sp_type = json::string(batch, sp, "servicePrincipalType", at);
    let kind = if sp_type == Some("ManagedIdentity") {
        IdentityKind::ManagedIdentity
    } else {
        IdentityKind::ServicePrincipal
    };
    let name = json::string(batch, sp, "displayName", at)
        .unwrap_or(&object_id)
        .to_string();
    let mut identity = Identity::new(
        Provider::Azure,
        kind,
        &object_id,
        name,
        batch.provenance(at),
    );
    identity.id = service_principal_id(&object_id);

    let app_id = json::string(batch, sp, "appId", at).map(normalize_guid);
    if let Some(app_id) = &app_id {
        identity.attributes.insert("app_id".into(), app_id.clone());
    }
    if let Some(sp_type) = sp_type {
        identity
            .attributes
            .insert("service_principal_type".into(), sp_type.to_string());
    }
    if let Some(owner_org) = json::string(batch, sp, "appOwnerOrganizationId", at) {
        let owner_org = normalize_guid(owner_org);
        // Whether this is a third party depends on the tenant, which this export does not
        // state; the correlator compares with the tenant's own apps. Microsoft's own
        // tenants are known everywhere, so they are marked here.
        if MICROSOFT_FIRST_PARTY_TENANTS.contains(&owner_org.as_str()) {
            identity
                .attributes
                .insert("microsoft_first_party".into(), "true".into());
        }
        identity
            .attributes
            .insert("app_owner_organization_id".into(), owner_org);
    }
    let enabled = json::boolean(batch, sp, "accountEnabled", at);
    identity.status = match enabled {
        Some(true) => LifecycleStatus::Active,
        Some(false) => LifecycleStatus::Disabled,
        None => LifecycleStatus::Unknown,
    };
    if let Some(enabled) = enabled {
        identity
            .attributes
            .insert("account_enabled".into(), enabled.to_string());
    }
    identity.created = json::timestamp(batch, sp, "createdDateTime", at);
    for (field, attribute) in [
        ("appDisplayName", "app_display_name"),
        ("publisherName", "publisher_name"),
        ("signInAudience", "sign_in_audience"),
        ("notes", "notes"),
        ("description", "description"),
    ] {
        if let Some(value) = json::string(batch, sp, field, at) {
            identity
                .attributes
                .insert(attribute.into(), value.to_string());
        }
    }
    if let Some(required) = json::boolean(batch, sp, "appRoleAssignmentRequired", at) {
        identity
            .attributes
            .insert("app_role_assignment_required".into(), required.to_string());
    }
    if let Some(Value::Object(publisher)) = sp.get("verifiedPublisher")
        && let Some(Value::String(name)) = publisher.get("displayName")
        && !name.trim().is_empty()
    {
        identity
            .attributes
            .insert("verified_publisher".into(), name.trim().to_string());
    }
    let names = json::strings(batch, sp, "servicePrincipalNames", at);
    if !names.is_empty() {
        identity
            .attributes
            .insert("service_principal_names".into(), names.join(","));
    }
    let alternative_names = json::strings(batch, sp, "alternativeNames", at);
    // A managed identity's alternative names carry its Azure resource ID (for a
    // user-assigned one, `/subscriptions/.../userAssignedIdentities/NAME`), which is
    // how workloads and role assignments in ARM refer to it.
    if let Some(resource_id) = alternative_names
        .iter()
        .find(|name| name.starts_with("/subscriptions/"))
    {
        identity
            .attributes
            .insert("resource_id".into(), resource_id.clone());
    }
    if !alternative_names.is_empty() {
        identity
            .attributes
            .insert("alternative_names".into(), alternative_names.join(","));
    }

    directory::apply_tags(batch, sp, at, &mut identity);
    directory::credentials(batch, sp, at, &identity.id);
    directory::expanded_owners(batch, sp, at, &mut identity);
    for (position, assignment) in json::objects(batch, sp, "appRoleAssignments", at) {
        assignments::app_role_assignment(batch, assignment, &position);
    }

    // Managed identities have an appId but no app registration behind it.
    if kind == IdentityKind::ServicePrincipal
        && let Some(app_id) = &app_id
    {
        batch.link(
            &identity.id,
            &application_id(app_id),
            LinkKind::RunsAs,
            format!("service principal {object_id} is the instance of application {app_id}"),
            at,
        );
    }
    batch.identity(identity);
}
