//! End-to-end ingestion of fixtures written the way Microsoft Graph v1.0 and the Azure
//! CLI print them. Field names follow the Graph reference:
//! - https://learn.microsoft.com/en-us/graph/api/resources/application
//! - https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential
//! - https://learn.microsoft.com/en-us/graph/api/resources/keycredential
//! - https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential
//! - https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal
//! - https://learn.microsoft.com/en-us/graph/api/resources/approleassignment
//! - https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant
//! - https://learn.microsoft.com/en-us/graph/api/resources/user
//! - https://learn.microsoft.com/en-us/cli/azure/role/assignment#az-role-assignment-list

use nhi_azure::{
    Error, ExportKind, application_id, ingest, ingest_as, service_principal_id, sniff,
};
use nhi_model::{
    CredentialKind, Grant, GrantKind, Identity, IdentityKind, InventoryBatch, LifecycleStatus,
    LinkKind, PlatformCredential, Provider, identity_id, person_id, platform_credential_id,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn load(name: &str) -> InventoryBatch {
    ingest(name, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ts(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

fn identity<'b>(batch: &'b InventoryBatch, id: &str) -> &'b Identity {
    batch
        .identities
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| {
            panic!(
                "no identity {id} in {:#?}",
                batch.identities.iter().map(|i| &i.id).collect::<Vec<_>>()
            )
        })
}

fn credential<'b>(
    batch: &'b InventoryBatch,
    kind: CredentialKind,
    key: &str,
) -> &'b PlatformCredential {
    let id = platform_credential_id(Provider::Azure, kind, key);
    batch
        .credentials
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no credential {id}"))
}

fn grants<'b>(batch: &'b InventoryBatch, holder: &str) -> Vec<&'b Grant> {
    batch
        .grants
        .iter()
        .filter(|g| g.identity == holder)
        .collect()
}

fn has_link(batch: &InventoryBatch, from: &str, to: &str, kind: LinkKind) -> bool {
    batch
        .links
        .iter()
        .any(|l| l.from == from && l.to == to && l.kind == kind)
}

fn warning_at<'b>(batch: &'b InventoryBatch, position: &str) -> &'b str {
    batch
        .warnings
        .iter()
        .find(|w| w.position == position)
        .map(|w| w.message.as_str())
        .unwrap_or_else(|| panic!("no warning at {position}: {:#?}", batch.warnings))
}

const CI_APP_ID: &str = "3c1a7e2d-9b4f-4a6e-b2d8-7f0e5c9a1d34";
const CI_SP: &str = "e4b8a2d6-7c1f-4a9e-b5d3-2c8f6a0e9b71";
const ACME_SP: &str = "1d7f3b9e-5a2c-4e6b-8d4f-0a9c7e3b5d22";
const MI_SP: &str = "9b3d5f7a-2e4c-4a6e-8c0b-6d8f1a3c5e97";
const GRAPH_SP: &str = "2a6c8e0f-4b3d-4d5f-9a1e-7c3b5d9f1e84";
const OLD_SP: &str = "6c8e0a2b-4d6f-4b8a-9e2c-8f0b2d4e6a13";

#[test]
fn sniff_recognises_every_fixture() {
    use ExportKind::*;
    let cases = [
        ("applications.json", Applications),
        ("applications_owners.json", Applications),
        ("applications_malformed.json", Applications),
        ("applications_truncated.json", Applications),
        ("service_principals.json", ServicePrincipals),
        ("app_role_assignments.json", AppRoleAssignments),
        ("oauth2_permission_grants.json", Oauth2PermissionGrants),
        ("role_assignments.json", RoleAssignments),
        ("users.json", Users),
    ];
    for (name, expected) in cases {
        assert_eq!(sniff(&fixture(name)), Some(expected), "{name}");
    }
}

#[test]
fn sniff_tells_bare_arrays_apart_by_their_keys() {
    use ExportKind::*;
    let cases: [(&str, Option<ExportKind>); 7] = [
        (
            r#"[{"id":"1","appId":"2","displayName":"x","signInAudience":"AzureADMyOrg"}]"#,
            Some(Applications),
        ),
        (
            r#"[{"id":"1","appId":"2","servicePrincipalType":"Application"}]"#,
            Some(ServicePrincipals),
        ),
        (
            r#"[{"id":"1","appRoleId":"2","principalId":"3","resourceId":"4"}]"#,
            Some(AppRoleAssignments),
        ),
        (
            r#"[{"clientId":"1","consentType":"AllPrincipals","scope":"User.Read"}]"#,
            Some(Oauth2PermissionGrants),
        ),
        (
            r#"[{"principalId":"1","roleDefinitionName":"Reader","scope":"/"}]"#,
            Some(RoleAssignments),
        ),
        (r#"[{"id":"1","userPrincipalName":"a@b.c"}]"#, Some(Users)),
        // The value of a key is not a key.
        (r#"[{"note":"userPrincipalName","id":"1"}]"#, None),
    ];
    for (text, expected) in cases {
        assert_eq!(sniff(text.as_bytes()), expected, "{text}");
    }
    assert_eq!(
        sniff(b"\xEF\xBB\xBF  {\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[]}"),
        Some(Users)
    );
}

#[test]
fn sniff_rejects_other_providers_and_random_json() {
    let others: [&[u8]; 10] = [
        b"",
        b"   ",
        b"null",
        b"{}",
        b"[]",
        // AWS GAAD, gcloud service accounts, a Kubernetes list, OpenAI, Okta.
        br#"{"UserDetailList": [], "RoleDetailList": [], "Policies": []}"#,
        br#"[{"email": "ci@p.iam.gserviceaccount.com", "name": "projects/p/serviceAccounts/ci", "uniqueId": "1", "oauth2ClientId": "1"}]"#,
        br#"{"apiVersion": "v1", "kind": "List", "items": [{"kind": "ServiceAccount", "metadata": {"name": "default"}}]}"#,
        br#"{"object": "list", "data": [{"object": "organization.project.service_account", "id": "x"}]}"#,
        br#"[{"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@b.c", "email": "a@b.c"}}]"#,
    ];
    for bytes in others {
        assert_eq!(sniff(bytes), None, "{}", String::from_utf8_lossy(bytes));
    }
    // Graph navigations that are not ours.
    let owners = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications('x')/owners","value":[]}"#;
    assert_eq!(sniff(owners), None);
    let groups = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups","value":[{"id":"1","displayName":"g"}]}"#;
    assert_eq!(sniff(groups), None);
    assert!(matches!(
        ingest("groups.json", groups),
        Err(Error::UnexpectedShape { .. })
    ));
}

#[test]
fn applications_map_secrets_certificates_federation_and_permissions() {
    let batch = load("applications.json");
    let app_id = application_id(CI_APP_ID);
    assert_eq!(
        app_id,
        identity_id(Provider::Azure, IdentityKind::Application, CI_APP_ID)
    );
    let app = identity(&batch, &app_id);
    assert_eq!(app.kind, IdentityKind::Application);
    assert_eq!(app.name, "ci-deployer");
    assert_eq!(app.external_id.as_deref(), Some(CI_APP_ID));
    assert_eq!(app.created, Some(ts("2023-02-14T09:21:44Z")));
    assert_eq!(
        app.attributes["object_id"],
        "5f0c2b7e-1d9a-4c3e-8b6f-2a4d9e7c1b05"
    );
    assert_eq!(app.attributes["sign_in_audience"], "AzureADMyOrg");
    assert_eq!(app.attributes["notes"], "Ticket PLAT-1432");
    assert_eq!(app.attributes["identifier_uris"], "api://ci-deployer");
    assert_eq!(app.owners, vec!["platform-team@contoso.com".to_string()]);
    assert_eq!(app.tags["HideApp"], "");
    assert_eq!(app.tags["env"], "prod");
    assert_eq!(app.provenance[0].position, "value[0]");
    assert_eq!(app.provenance[0].source, ExportKind::Applications.command());
    assert_eq!(app.provenance[0].file, "applications.json");

    // The active secret: hint, dates, status, and the holder link.
    let secret = credential(
        &batch,
        CredentialKind::ClientSecret,
        "0d2f4b6a-8c1e-4a3d-9b5f-7e9c1a3d5b60",
    );
    assert_eq!(secret.identity, app_id);
    let hint = secret.hint.as_ref().expect("hint");
    assert_eq!((hint.prefix.as_str(), hint.suffix.as_str()), ("Zx8", ""));
    assert_eq!(secret.created, Some(ts("2025-01-15T10:00:00Z")));
    assert_eq!(secret.expires, Some(ts("2099-01-15T10:00:00Z")));
    assert_eq!(secret.status, LifecycleStatus::Active);
    assert_eq!(secret.attributes["display_name"], "github-actions");
    assert_eq!(
        secret.provenance[0].position,
        "value[0].passwordCredentials[0]"
    );
    assert!(has_link(
        &batch,
        &app_id,
        &secret.id,
        LinkKind::HasCredential
    ));

    // The expired one stays listed in Entra, and here.
    let old = credential(
        &batch,
        CredentialKind::ClientSecret,
        "c3e5a7b9-1d2f-4c6e-8a0b-4d6f8a0c2e57",
    );
    assert_eq!(old.status, LifecycleStatus::Expired);
    assert_eq!(old.expires, Some(ts("2023-08-01T00:00:00Z")));

    let cert = credential(
        &batch,
        CredentialKind::PrivateKey,
        "b1f3d5a7-9c2e-4b6d-8f0a-2c4e6a8b0d13",
    );
    assert_eq!(cert.attributes["key_type"], "AsymmetricX509Cert");
    assert_eq!(cert.attributes["key_usage"], "Verify");
    assert_eq!(
        cert.attributes["custom_key_identifier"],
        "8F2A3D9C1B7E5F0A4C6D8E2B1A3F5C7D9E0B2A4C"
    );
    assert_eq!(cert.status, LifecycleStatus::Active);
    assert!(has_link(&batch, &app_id, &cert.id, LinkKind::HasCredential));

    // Federated credentials: a GitHub Actions branch and an AKS service account.
    let github = identity_id(
        Provider::Github,
        IdentityKind::Workload,
        "repo:contoso/payments:ref:refs/heads/main",
    );
    let k8s = identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        "payments/payments-api",
    );
    assert!(has_link(&batch, &github, &app_id, LinkKind::Federates));
    assert!(has_link(&batch, &k8s, &app_id, LinkKind::Federates));
    assert_eq!(identity(&batch, &k8s).name, "payments-api");
    assert_eq!(app.attributes["federated_credential_count"], "2");
    assert!(
        app.attributes["federated_credentials"]
            .contains("github-main: issuer=https://token.actions.githubusercontent.com")
    );

    // Requested permissions, named when they are well-known Graph IDs.
    let requested = grants(&batch, &app_id);
    let find = |role: &str| requested.iter().find(|g| g.role == role).copied();
    let rm = find("RoleManagement.ReadWrite.Directory").expect("RoleManagement");
    assert_eq!(rm.kind, GrantKind::AppPermission);
    assert_eq!(rm.scope, "00000003-0000-0000-c000-000000000000");
    assert_eq!(rm.via.as_deref(), Some("requiredResourceAccess"));
    assert_eq!(
        find("Application.ReadWrite.All").map(|g| g.kind),
        Some(GrantKind::AppPermission)
    );
    assert_eq!(
        find("User.Read").map(|g| g.kind),
        Some(GrantKind::OauthScope)
    );
    // Unknown IDs, and IDs of other APIs, stay verbatim.
    assert!(find("5b567255-7703-4780-807c-7be8301ae99b").is_some());
    let storage = find("03e0da56-190b-40ad-a80c-ea378c433f7f").expect("storage scope");
    assert_eq!(storage.scope, "e406a681-f3d4-42a8-90b6-c2b029497af1");
    assert_eq!(requested.len(), 5);

    // The second app's malformed end date is a warning; its secret still loads.
    assert!(
        warning_at(&batch, "value[1].passwordCredentials[0].endDateTime").contains("2024-13-45")
    );
    let legacy = credential(
        &batch,
        CredentialKind::ClientSecret,
        "e7a9c1d3-5f7b-4d9f-b1e3-7a9c1e3f5b82",
    );
    assert_eq!(legacy.expires, None);
    assert_eq!(legacy.status, LifecycleStatus::Active);
    assert_eq!(legacy.hint.as_ref().map(|h| h.prefix.as_str()), Some("Rp4"));
    let legacy_app = application_id("7e2b9f4a-1c6d-4b8e-a3f5-9d0c2e7b4a18");
    let roles: Vec<_> = grants(&batch, &legacy_app)
        .iter()
        .map(|g| g.role.clone())
        .collect();
    assert_eq!(roles, vec!["Mail.ReadWrite", "Mail.Send"]);
    assert_eq!(batch.warnings.len(), 1, "{:#?}", batch.warnings);
}

#[test]
fn expanded_owners_become_people_and_owns_links() {
    let batch = load("applications_owners.json");
    let app_id = application_id(CI_APP_ID);
    let app = identity(&batch, &app_id);
    assert_eq!(
        app.owners,
        vec![
            "alice.martin@contoso.com".to_string(),
            "bob.lee@contoso.com".to_string()
        ]
    );
    let alice = identity(&batch, &person_id("alice.martin@contoso.com"));
    assert_eq!(alice.kind, IdentityKind::Human);
    assert_eq!(alice.name, "Alice Martin");
    assert_eq!(
        alice.attributes["object_id"],
        "4d6f8a0c-2e4a-4c6e-8a0c-2e4f6a8c0e31"
    );
    assert!(has_link(
        &batch,
        &person_id("alice.martin@contoso.com"),
        &app_id,
        LinkKind::Owns
    ));
    // No mail: the UPN names the person.
    assert!(has_link(
        &batch,
        &person_id("bob.lee@contoso.com"),
        &app_id,
        LinkKind::Owns
    ));
    // A service principal can own an app too.
    assert!(has_link(
        &batch,
        &service_principal_id(OLD_SP),
        &app_id,
        LinkKind::Owns
    ));
    assert!(warning_at(&batch, "[0].owners[3]").contains("neither mail nor userPrincipalName"));
}

#[test]
fn service_principals_map_types_owners_status_and_assignments() {
    let batch = load("service_principals.json");
    let ci = identity(&batch, &service_principal_id(CI_SP));
    assert_eq!(ci.kind, IdentityKind::ServicePrincipal);
    assert_eq!(ci.status, LifecycleStatus::Active);
    assert_eq!(ci.external_id.as_deref(), Some(CI_SP));
    assert_eq!(ci.attributes["app_id"], CI_APP_ID);
    assert_eq!(ci.attributes["service_principal_type"], "Application");
    assert_eq!(
        ci.attributes["app_owner_organization_id"],
        "b7c1c4a9-3f6e-4d2a-9e1b-5a8d2c7f0e13"
    );
    assert_eq!(
        ci.attributes["service_principal_names"],
        "3c1a7e2d-9b4f-4a6e-b2d8-7f0e5c9a1d34,api://ci-deployer"
    );
    assert!(!ci.attributes.contains_key("microsoft_first_party"));
    assert!(has_link(
        &batch,
        &ci.id,
        &application_id(CI_APP_ID),
        LinkKind::RunsAs
    ));
    // The expanded app role assignment is a grant on the principal it names.
    let ci_grants = grants(&batch, &ci.id);
    assert_eq!(ci_grants.len(), 1);
    assert_eq!(ci_grants[0].role, "Application.ReadWrite.All");
    assert_eq!(ci_grants[0].scope, "Microsoft Graph");
    assert_eq!(ci_grants[0].kind, GrantKind::AppPermission);

    // A third party: another tenant owns the app; the correlator decides, here it is a fact.
    let acme = identity(&batch, &service_principal_id(ACME_SP));
    assert_eq!(
        acme.attributes["app_owner_organization_id"],
        "0f4e8c2a-6d1b-4f9e-a7c3-5b2d9e1f8a36"
    );
    assert_eq!(acme.attributes["verified_publisher"], "Acme Analytics Ltd");
    assert_eq!(acme.attributes["publisher_name"], "Acme Analytics Ltd");
    assert!(!acme.attributes.contains_key("microsoft_first_party"));

    let graph = identity(&batch, &service_principal_id(GRAPH_SP));
    assert_eq!(graph.attributes["microsoft_first_party"], "true");

    // A managed identity keeps its kind but shares the service-principal ID scheme, and
    // carries its ARM resource ID; no app registration link.
    let mi = identity(&batch, &service_principal_id(MI_SP));
    assert_eq!(mi.kind, IdentityKind::ManagedIdentity);
    assert_eq!(
        mi.attributes["resource_id"],
        "/subscriptions/4a6c8e0a-2c4e-4a6c-8e0a-2c4e6a8c0e2a/resourcegroups/rg-payments/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-payments-prod"
    );
    assert!(
        !batch
            .links
            .iter()
            .any(|l| l.from == mi.id && l.kind == LinkKind::RunsAs)
    );
    let mi_cert = credential(
        &batch,
        CredentialKind::PrivateKey,
        "5e7a9c1b-3d5f-4a7c-9e1b-3d5f7a9c1e3b",
    );
    assert_eq!(mi_cert.identity, mi.id);

    // Disabled, owner from a tag, an expired SP secret, an upper-case appId normalised.
    let old = identity(&batch, &service_principal_id(OLD_SP));
    assert_eq!(old.status, LifecycleStatus::Disabled);
    assert_eq!(old.attributes["account_enabled"], "false");
    assert_eq!(old.owners, vec!["ops@contoso.com".to_string()]);
    assert_eq!(
        old.attributes["app_id"],
        "0b2d4f6a-8c1e-4a3b-9d5f-7e9a1c3b5d72"
    );
    let old_secret = credential(
        &batch,
        CredentialKind::ClientSecret,
        "f0a2c4e6-8b0d-4f2a-9c4e-6a8c0e2b4d71",
    );
    assert_eq!(old_secret.identity, old.id);
    assert_eq!(old_secret.status, LifecycleStatus::Expired);
    assert_eq!(
        old_secret.hint.as_ref().map(|h| h.prefix.as_str()),
        Some("K2p")
    );

    assert_eq!(batch.identities.len(), 5);
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
}

#[test]
fn app_role_assignments_name_graph_permissions() {
    let batch = load("app_role_assignments.json");
    let ci = service_principal_id(CI_SP);
    let ci_grants = grants(&batch, &ci);
    assert_eq!(ci_grants.len(), 1);
    assert_eq!(ci_grants[0].role, "RoleManagement.ReadWrite.Directory");
    assert_eq!(ci_grants[0].kind, GrantKind::AppPermission);
    assert_eq!(ci_grants[0].scope, "Microsoft Graph");
    assert_eq!(ci_grants[0].provenance.position, "value[0]");
    assert_eq!(identity(&batch, &ci).name, "ci-deployer");
    // The application role ID of Mail.Read, named from the permission table.
    let acme = grants(&batch, &service_principal_id(ACME_SP));
    assert_eq!(acme[0].role, "Mail.Read");
    // The user and group assignments are summarised, not modelled.
    assert_eq!(batch.grants.len(), 2);
    let summary: Vec<_> = batch.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(summary.len(), 2, "{summary:#?}");
    assert!(
        summary
            .iter()
            .any(|m| m.contains("1 assignment(s) to principal type Group"))
    );
    assert!(summary.iter().any(|m| m.contains("principal type User")));
}

#[test]
fn oauth2_permission_grants_become_one_grant_per_scope() {
    let batch = load("oauth2_permission_grants.json");
    let acme = grants(&batch, &service_principal_id(ACME_SP));
    let scopes: Vec<_> = acme.iter().map(|g| g.role.as_str()).collect();
    assert_eq!(
        scopes,
        vec![
            "openid",
            "profile",
            "offline_access",
            "User.Read",
            "Mail.Send"
        ]
    );
    assert!(acme.iter().all(|g| g.kind == GrantKind::OauthScope
        && g.scope == GRAPH_SP
        && g.via.as_deref() == Some("AllPrincipals")));
    let ci = grants(&batch, &service_principal_id(CI_SP));
    assert_eq!(ci.len(), 1);
    assert_eq!(ci[0].role, "Files.ReadWrite.All");
    assert_eq!(
        ci[0].via.as_deref(),
        Some("Principal:4d6f8a0c-2e4a-4c6e-8a0c-2e4f6a8c0e31")
    );
    assert!(warning_at(&batch, "value[2]").contains("no clientId"));
}

#[test]
fn role_assignments_bind_service_principals_and_users() {
    let batch = load("role_assignments.json");
    let sub = "/subscriptions/4a6c8e0a-2c4e-4a6c-8e0a-2c4e6a8c0e2a";
    let ci = grants(&batch, &service_principal_id(CI_SP));
    assert_eq!(ci.len(), 1);
    assert_eq!(
        (ci[0].role.as_str(), ci[0].scope.as_str()),
        ("Contributor", sub)
    );
    assert_eq!(ci[0].kind, GrantKind::RoleBinding);
    assert_eq!(ci[0].condition, None);
    assert_eq!(ci[0].provenance.position, "[0]");
    assert_eq!(ci[0].provenance.source, "az role assignment list --all");
    let mi = grants(&batch, &service_principal_id(MI_SP));
    assert_eq!(mi[0].role, "Storage Blob Data Reader");
    assert!(mi[0].scope.ends_with("/storageAccounts/stpayments"));
    assert!(
        mi[0]
            .condition
            .as_deref()
            .is_some_and(|c| c.contains("StringEquals 'invoices'"))
    );
    let alice = person_id("alice.martin@contoso.com");
    let owner = grants(&batch, &alice);
    assert_eq!(
        (owner[0].role.as_str(), owner[0].scope.as_str()),
        ("Owner", sub)
    );
    assert_eq!(identity(&batch, &alice).kind, IdentityKind::Human);
    assert_eq!(
        identity(&batch, &service_principal_id(CI_SP)).attributes["principal_name"],
        CI_APP_ID
    );
    // The group is summarised; the entry without a scope is a warning, the rest loaded.
    assert_eq!(batch.grants.len(), 3);
    assert!(warning_at(&batch, "[4]").contains("no scope"));
    assert!(warning_at(&batch, "$").contains("principal type Group"));
}

#[test]
fn users_map_status_leave_dates_managers_and_sign_ins() {
    let batch = load("users.json");
    let alice = identity(&batch, &person_id("alice.martin@contoso.com"));
    assert_eq!(alice.status, LifecycleStatus::Active);
    assert_eq!(alice.name, "Alice Martin");
    assert_eq!(alice.attributes["manager"], "dana.kim@contoso.com");
    assert_eq!(
        alice.attributes["object_id"],
        "4d6f8a0c-2e4a-4c6e-8a0c-2e4f6a8c0e31"
    );
    assert_eq!(
        alice.attributes["user_principal_name"],
        "alice.martin@contoso.com"
    );
    assert_eq!(alice.last_used, Some(ts("2025-11-04T17:40:02Z")));
    assert_eq!(alice.created, Some(ts("2018-09-03T08:00:00Z")));
    assert!(!alice.attributes.contains_key("employee_leave_date_time"));

    let bob = identity(&batch, &person_id("bob.lee@contoso.com"));
    assert_eq!(bob.status, LifecycleStatus::Disabled);
    assert_eq!(
        bob.attributes["employee_leave_date_time"],
        "2024-12-20T17:00:00Z"
    );

    let carol = identity(&batch, &person_id("carol@fabrikam.com"));
    assert_eq!(carol.attributes["user_type"], "Guest");
    assert!(warning_at(&batch, "value[2].employeeLeaveDateTime").contains("not a date"));
    assert!(warning_at(&batch, "value[3]").contains("neither mail nor userPrincipalName"));
    assert!(warning_at(&batch, "@odata.nextLink").contains("later pages are missing"));
    assert_eq!(batch.identities.len(), 3);
}

#[test]
fn malformed_entries_are_warnings_and_the_rest_loads() {
    let batch = load("applications_malformed.json");
    let at = |p: &str| warning_at(&batch, p).to_string();
    assert!(at("value[0]").contains("expected an object"));
    assert!(at("value[1]").contains("no appId"));
    assert!(at("value[2].createdDateTime").contains("yesterday"));
    assert!(at("value[2].passwordCredentials").contains("expected an array"));
    assert!(at("value[2].keyCredentials[0]").contains("no keyId"));
    assert!(at("value[2].keyCredentials[1].endDateTime").contains("a number"));
    assert!(at("value[2].requiredResourceAccess[0]").contains("no resourceAppId"));
    assert!(at("value[2].requiredResourceAccess[1].resourceAccess[0].type").contains("Sideways"));
    assert!(at("@odata.nextLink").contains("later pages"));
    for warning in &batch.warnings {
        assert_eq!(warning.file, "applications_malformed.json");
    }
    // What was readable is there.
    let app = identity(
        &batch,
        &application_id("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6"),
    );
    assert_eq!(app.name, "half-broken");
    assert_eq!(app.created, None);
    credential(
        &batch,
        CredentialKind::PrivateKey,
        "a2b3c4d5-e6f7-4a8b-9c0d-e1f2a3b4c5d6",
    );
    assert_eq!(batch.identities.len(), 1);
}

#[test]
fn truncated_json_names_file_line_and_column() {
    let err = ingest(
        "applications_truncated.json",
        &fixture("applications_truncated.json"),
    )
    .expect_err("truncated");
    match &err {
        Error::Json {
            file, line, column, ..
        } => {
            assert_eq!(file, "applications_truncated.json");
            // The file stops inside the `info` object on line 39 (its last).
            assert_eq!(*line, 39);
            assert!(*column > 0);
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("applications_truncated.json:"));
}

#[test]
fn unreadable_inputs_are_errors_with_the_file_named() {
    let err = ingest("bad.json", b"[{\"appId\": \"\xff\"}]").expect_err("utf8");
    assert_eq!(
        err,
        Error::InvalidUtf8 {
            file: "bad.json".into(),
            offset: 12
        }
    );
    let err = ingest("n.json", b"42").expect_err("number");
    assert!(err.to_string().starts_with("n.json: $:"));
    let err = ingest_as(ExportKind::Users, "v.json", br#"{"value": 3}"#).expect_err("value");
    assert_eq!(
        err,
        Error::UnexpectedShape {
            file: "v.json".into(),
            position: "value".into(),
            message: "expected an array, got a number".into()
        }
    );
    // Empty listings are fine.
    assert!(ingest("e.json", b"[]").unwrap().is_empty());
    let empty = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","value":[]}"#;
    assert!(ingest("e.json", empty).unwrap().is_empty());
}

#[test]
fn a_secret_value_in_the_export_never_reaches_the_batch() {
    let planted = "Zx8Q~planted-secret-value-0123456789abcdef";
    let text = format!(
        r#"[{{"appId":"{CI_APP_ID}","signInAudience":"AzureADMyOrg","passwordCredentials":[
            {{"keyId":"0d2f4b6a-8c1e-4a3d-9b5f-7e9c1a3d5b60","hint":"Zx8","secretText":"{planted}",
              "endDateTime":"2099-01-01T00:00:00Z"}}]}}]"#
    );
    let batch = ingest("added-password.json", text.as_bytes()).expect("loads");
    assert_eq!(batch.credentials.len(), 1);
    assert!(warning_at(&batch, "[0].passwordCredentials[0].secretText").contains("not read"));
    let everything = format!("{batch:?} {}", serde_json::to_string(&batch).unwrap());
    assert!(!everything.contains("planted-secret"));
}

#[test]
fn a_single_object_response_is_one_entry() {
    let text = format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
            "id":"5f0c2b7e-1d9a-4c3e-8b6f-2a4d9e7c1b05","appId":"{CI_APP_ID}","displayName":"ci-deployer"}}"#
    );
    let batch = ingest("one.json", text.as_bytes()).expect("loads");
    assert_eq!(batch.identities.len(), 1);
    assert_eq!(batch.identities[0].provenance[0].position, "$");
}
