//! Well-known Microsoft Graph permission IDs, so that a grant reads
//! `RoleManagement.ReadWrite.Directory` rather than a GUID.
//!
//! Source: the Microsoft Graph permissions reference
//! (<https://learn.microsoft.com/en-us/graph/permissions-reference>), which lists each
//! permission's application (app role) and delegated (OAuth2 scope) identifier. The
//! IDs are the same in every tenant. Only permissions that matter for risk are listed;
//! unknown IDs stay verbatim in grants.

/// The application (client) ID of Microsoft Graph, the same in every tenant.
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Tenants that own Microsoft's first-party applications: the Microsoft Services tenant
/// and Microsoft's corporate tenant.
pub const MICROSOFT_FIRST_PARTY_TENANTS: &[&str] = &[
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
];

/// Whether a Graph permission is an application permission (app role, `Role` in
/// `requiredResourceAccess`) or a delegated one (OAuth2 scope, `Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionType {
    Application,
    Delegated,
}

/// (identifier, name, type). Each name appears once per type.
const GRAPH_PERMISSIONS: &[(&str, &str, PermissionType)] = &[
    (
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "bdfbf15f-ee85-4955-8675-146e8e5296b5",
        "Application.ReadWrite.All",
        PermissionType::Delegated,
    ),
    (
        "18a4783c-866b-4cc7-a460-3d5e5662c884",
        "Application.ReadWrite.OwnedBy",
        PermissionType::Application,
    ),
    (
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "Application.Read.All",
        PermissionType::Application,
    ),
    (
        "c79f8feb-a9db-4090-85f9-90d820caa0eb",
        "Application.Read.All",
        PermissionType::Delegated,
    ),
    (
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
        "AppRoleAssignment.ReadWrite.All",
        PermissionType::Delegated,
    ),
    (
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "RoleManagement.ReadWrite.Directory",
        PermissionType::Application,
    ),
    (
        "d01b97e9-cbc0-49fe-810a-750afd5527a3",
        "RoleManagement.ReadWrite.Directory",
        PermissionType::Delegated,
    ),
    (
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Directory.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "c5366453-9fb0-48a5-a156-24f0c49a4b84",
        "Directory.ReadWrite.All",
        PermissionType::Delegated,
    ),
    (
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.Read.All",
        PermissionType::Application,
    ),
    (
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        "Directory.Read.All",
        PermissionType::Delegated,
    ),
    (
        "741f803b-c850-494e-b5df-cde7c675a1ca",
        "User.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4",
        "User.ReadWrite.All",
        PermissionType::Delegated,
    ),
    (
        "df021288-bdef-4463-88db-98f22de89214",
        "User.Read.All",
        PermissionType::Application,
    ),
    (
        "a154be20-db9c-4678-8ab7-66f6cc099a59",
        "User.Read.All",
        PermissionType::Delegated,
    ),
    (
        "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
        "User.Read",
        PermissionType::Delegated,
    ),
    (
        "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Mail.Read",
        PermissionType::Application,
    ),
    (
        "570282fd-fa5c-430d-a7fd-fc8dc98a9dca",
        "Mail.Read",
        PermissionType::Delegated,
    ),
    (
        "798ee544-9d2d-430c-a058-570e29e34338",
        "Calendars.Read",
        PermissionType::Application,
    ),
    (
        "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42",
        "Calendars.Read",
        PermissionType::Delegated,
    ),
    (
        "e2a3a72e-5f79-4c64-b1b1-878b674786c9",
        "Mail.ReadWrite",
        PermissionType::Application,
    ),
    (
        "024d486e-b451-40bb-833d-3e66d98c5c73",
        "Mail.ReadWrite",
        PermissionType::Delegated,
    ),
    (
        "b633e1c5-b582-4048-a93e-9f11b44c7e96",
        "Mail.Send",
        PermissionType::Application,
    ),
    (
        "e383f46e-2787-4529-855e-0e479a3ffac0",
        "Mail.Send",
        PermissionType::Delegated,
    ),
    (
        "75359482-378d-4052-8f01-80520e7db3cd",
        "Files.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "863451e7-0667-486c-a5d6-d135439485f0",
        "Files.ReadWrite.All",
        PermissionType::Delegated,
    ),
    (
        "9492366f-7969-46a4-8d15-ed1a20078fff",
        "Sites.ReadWrite.All",
        PermissionType::Application,
    ),
    (
        "89fe6a52-be36-487e-b7d8-d061c450a026",
        "Sites.ReadWrite.All",
        PermissionType::Delegated,
    ),
];

/// The name and type of a well-known Microsoft Graph permission ID (any letter case).
pub fn graph_permission(id: &str) -> Option<(&'static str, PermissionType)> {
    let id = id.trim();
    GRAPH_PERMISSIONS
        .iter()
        .find(|(known, _, _)| known.eq_ignore_ascii_case(id))
        .map(|&(_, name, kind)| (name, kind))
}

/// The permission name for a Graph permission ID, or the ID itself when unknown.
pub(crate) fn graph_permission_name(id: &str) -> &str {
    graph_permission(id).map_or(id, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        for (i, (id, name, _)) in GRAPH_PERMISSIONS.iter().enumerate() {
            assert_eq!(id.len(), 36, "{name}");
            assert!(
                id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
                "{name}"
            );
            for (other, other_name, _) in &GRAPH_PERMISSIONS[i + 1..] {
                assert_ne!(id, other, "{name} and {other_name} share an ID");
            }
        }
    }

    #[test]
    fn looks_up_both_application_and_delegated_ids() {
        assert_eq!(
            graph_permission("9E3F62CF-CA93-4989-B6CE-BF83C28F9FE8"),
            Some((
                "RoleManagement.ReadWrite.Directory",
                PermissionType::Application
            ))
        );
        assert_eq!(
            graph_permission("e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
            Some(("User.Read", PermissionType::Delegated))
        );
        assert_eq!(
            graph_permission_name("00000000-0000-0000-0000-000000000000"),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
