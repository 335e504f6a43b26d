//! Fixtures are written as the APIs return them (field names from the references):
//! - OpenAI project API keys: https://platform.openai.com/docs/api-reference/project-api-keys/list
//! - OpenAI project service accounts: https://platform.openai.com/docs/api-reference/project-service-accounts/list
//! - OpenAI admin API keys: https://platform.openai.com/docs/api-reference/admin-api-keys/list
//! - Anthropic API keys: https://docs.anthropic.com/en/api/admin-api/apikeys/list-api-keys
//! - Anthropic users: https://docs.anthropic.com/en/api/admin-api/users/list-users
//! - Okta users: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers
//!
//! Each carries fields we do not read, to prove they are ignored.

use jiff::Timestamp;
use nhi_model::{
    CredentialKind, GrantKind, Identity, IdentityKind, Inventory, InventoryBatch, LifecycleStatus,
    LinkKind, PlatformCredential, Provider, SecretHint, identity_id, person_id,
    platform_credential_id,
};
use nhi_saas::{Error, ExportKind, ingest, sniff};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> InventoryBatch {
    ingest(name, &fixture(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn identity<'b>(batch: &'b InventoryBatch, id: &str) -> &'b Identity {
    batch
        .identities
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no identity {id} in {:#?}", batch.identities))
}

fn credential<'b>(batch: &'b InventoryBatch, id: &str) -> &'b PlatformCredential {
    batch
        .credentials
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no credential {id}"))
}

fn has_link(batch: &InventoryBatch, from: &str, to: &str, kind: LinkKind) -> bool {
    batch
        .links
        .iter()
        .any(|l| l.from == from && l.to == to && l.kind == kind)
}

fn hint(prefix: &str, suffix: &str) -> Option<SecretHint> {
    Some(SecretHint {
        prefix: prefix.into(),
        suffix: suffix.into(),
    })
}

#[test]
fn sniff_recognises_every_fixture() {
    let cases = [
        (
            "openai_project_api_keys.json",
            ExportKind::OpenaiProjectApiKeys,
        ),
        (
            "openai_project_api_keys_malformed.json",
            ExportKind::OpenaiProjectApiKeys,
        ),
        (
            "openai_project_service_accounts.json",
            ExportKind::OpenaiProjectServiceAccounts,
        ),
        ("openai_admin_api_keys.json", ExportKind::OpenaiAdminApiKeys),
        ("anthropic_api_keys.json", ExportKind::AnthropicApiKeys),
        (
            "anthropic_api_keys_truncated.json",
            ExportKind::AnthropicApiKeys,
        ),
        ("anthropic_users.json", ExportKind::AnthropicUsers),
        ("okta_users.json", ExportKind::OktaUsers),
        ("people.csv", ExportKind::PeopleCsv),
    ];
    for (name, kind) in cases {
        assert_eq!(sniff(&fixture(name)), Some(kind), "{name}");
    }
    for kind in ExportKind::ALL {
        assert!(!kind.command().is_empty());
    }
}

#[test]
fn sniff_rejects_other_shapes() {
    let others: &[&[u8]] = &[
        // nhi-aws: GAAD, list-access-keys, the credential report.
        br#"{"UserDetailList": [{"UserName": "ci", "Arn": "arn:aws:iam::1:user/ci"}]}"#,
        br#"{"AccessKeyMetadata": [{"UserName": "ci", "AccessKeyId": "AKIAEXAMPLE", "Status": "Active"}]}"#,
        b"user,arn,user_creation_time,password_enabled\n<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported\n",
        // gcloud iam service-accounts list --format=json
        br#"[{"email": "ci@p.iam.gserviceaccount.com", "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com", "uniqueId": "1", "disabled": false}]"#,
        // Microsoft Graph users (another crate's)
        br#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [{"id": "1", "userPrincipalName": "a@b.c", "mail": "a@b.c", "accountEnabled": true}]}"#,
        // kubectl get serviceaccounts -o json
        br#"{"apiVersion": "v1", "kind": "List", "items": [{"kind": "ServiceAccount", "metadata": {"name": "default"}, "status": {}}]}"#,
        // An OpenAI list of something else (projects), and a bare list.
        br#"{"object": "list", "data": [{"object": "organization.project", "id": "proj_1", "name": "p", "status": "active"}]}"#,
        br#"{"object": "list", "data": [], "has_more": false}"#,
        // A single retrieve response, not a list: not claimed (ingest needs `data`).
        br#"{"type": "api_key", "id": "apikey_1", "partial_key_hint": "sk-ant-api03-R2D...igAA"}"#,
        // Some unrelated config that happens to say "type": "api_key".
        br#"{"auth": {"type": "api_key", "header": "X-Api-Key"}}"#,
        b"{}",
        b"[]",
        b"[1, 2, 3]",
        b"\"just a string\"",
        b"",
        b"   \n",
        b"name,team\nalice,platform\n",
        b"# Title\n\nSome markdown with email and status words.\n",
    ];
    for bytes in others {
        assert_eq!(sniff(bytes), None, "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn openai_project_keys_map_holders_hints_dates_and_links() {
    let batch = load("openai_project_api_keys.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.credentials.len(), 3);

    // A service account's key: held by the API-key-holder identity.
    let sa_id = identity_id(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        "svc_acct_9QvZ3hWkT1pLm0",
    );
    let sa = identity(&batch, &sa_id);
    assert_eq!(sa.name, "ci-deployer");
    assert_eq!(sa.account.as_deref(), Some("proj_8b1fRkQ2mXcE4nV7"));
    assert_eq!(
        sa.created,
        Some(Timestamp::from_second(1711471500).unwrap())
    );
    assert_eq!(sa.attributes["role"], "member");
    // Two keys of the same service account give one identity with both provenances.
    assert_eq!(batch.identities.iter().filter(|i| i.id == sa_id).count(), 1);
    assert_eq!(sa.provenance.len(), 2);
    assert_eq!(sa.provenance[0].position, "data[0].owner.service_account");
    assert_eq!(
        sa.provenance[0].source,
        "GET https://api.openai.com/v1/organization/projects/{project_id}/api_keys"
    );

    let ci_key_id = platform_credential_id(
        Provider::Openai,
        CredentialKind::ApiKey,
        "key_Zw8mK3uXrh2Ujz6G",
    );
    let ci_key = credential(&batch, &ci_key_id);
    assert_eq!(ci_key.identity, sa_id);
    assert_eq!(ci_key.external_id.as_deref(), Some("key_Zw8mK3uXrh2Ujz6G"));
    assert_eq!(ci_key.hint, hint("sk-svcacct-Qm4", "h7Zc"));
    assert_eq!(ci_key.status, LifecycleStatus::Active);
    assert_eq!(ci_key.created, Some(ts("2024-03-26T16:45:33Z")));
    assert_eq!(
        ci_key.last_used,
        Some(Timestamp::from_second(1733900000).unwrap())
    );
    assert_eq!(ci_key.attributes["name"], "ci-deployer");
    assert_eq!(ci_key.attributes["owner_type"], "service_account");
    assert_eq!(ci_key.attributes["owner_project_access"], "active");
    assert_eq!(ci_key.attributes["project_id"], "proj_8b1fRkQ2mXcE4nV7");
    assert!(!ci_key.attributes.contains_key("never_used"));
    assert_eq!(ci_key.provenance[0].position, "data[0]");
    assert!(has_link(
        &batch,
        &sa_id,
        &ci_key_id,
        LinkKind::HasCredential
    ));

    // The service account's project role is a grant on the project.
    let grant = batch
        .grants
        .iter()
        .find(|g| g.identity == sa_id)
        .expect("role grant");
    assert_eq!(grant.kind, GrantKind::RoleBinding);
    assert_eq!(grant.role, "member");
    assert_eq!(grant.scope, "proj_8b1fRkQ2mXcE4nV7");
    assert_eq!(batch.grants.len(), 1, "same grant twice is kept once");

    // A user's key: held by the person (keyed by lower-cased email), who owns it.
    let bob = person_id("bob.stone@acme.example");
    let person = identity(&batch, &bob);
    assert_eq!(person.kind, IdentityKind::Human);
    assert_eq!(person.name, "Bob Stone");
    assert_eq!(person.attributes["openai_user_id"], "user-4ZqXWb9kLr0sT2aY");
    assert_eq!(person.attributes["openai_role"], "owner");
    assert_eq!(person.status, LifecycleStatus::Unknown);
    let never_used_id = platform_credential_id(
        Provider::Openai,
        CredentialKind::ApiKey,
        "key_Pq2nL8vYbc5Wxa1D",
    );
    let never_used = credential(&batch, &never_used_id);
    assert_eq!(never_used.identity, bob);
    assert_eq!(never_used.last_used, None);
    assert_eq!(never_used.attributes["never_used"], "true");
    assert_eq!(never_used.attributes["owner_project_access"], "inactive");
    assert_eq!(never_used.hint, hint("sk-proj-Ab3", "Xy9Q"));
    assert!(has_link(&batch, &bob, &never_used_id, LinkKind::Owns));
    assert!(has_link(
        &batch,
        &bob,
        &never_used_id,
        LinkKind::HasCredential
    ));
}

#[test]
fn openai_service_accounts_become_holders_with_role_grants() {
    let batch = load("openai_project_service_accounts.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.identities.len(), 2);
    assert!(batch.credentials.is_empty());
    let eval_id = identity_id(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        "svc_acct_2RtY7uIoP4aSd6",
    );
    let eval = identity(&batch, &eval_id);
    assert_eq!(eval.name, "eval-runner");
    assert_eq!(eval.status, LifecycleStatus::Active);
    assert_eq!(eval.account, None, "no project_id in this file");
    assert_eq!(eval.provenance[0].position, "data[1]");
    let grant = batch.grants.iter().find(|g| g.identity == eval_id).unwrap();
    assert_eq!(
        (grant.role.as_str(), grant.scope.as_str()),
        ("owner", "project")
    );

    // The same service account seen in the keys export merges into one record.
    let mut inventory = Inventory::default();
    inventory.merge(batch);
    inventory.merge(load("openai_project_api_keys.json"));
    let merged = &inventory.identities[&identity_id(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        "svc_acct_9QvZ3hWkT1pLm0",
    )];
    assert_eq!(merged.account.as_deref(), Some("proj_8b1fRkQ2mXcE4nV7"));
    assert_eq!(merged.provenance.len(), 3);
}

#[test]
fn openai_admin_keys_never_copy_the_value() {
    let bytes = fixture("openai_admin_api_keys.json");
    let batch = ingest("admin.json", &bytes).unwrap();
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    let serialized = serde_json::to_string(&batch).unwrap();
    assert!(
        !serialized.contains("PLANTED"),
        "full key leaked: {serialized}"
    );
    assert!(!format!("{batch:?}").contains("PLANTED"));

    let user_key_id = platform_credential_id(
        Provider::Openai,
        CredentialKind::AdminApiKey,
        "key_AdM1nUs3rK4yQw9E",
    );
    let user_key = credential(&batch, &user_key_id);
    assert_eq!(user_key.kind, CredentialKind::AdminApiKey);
    assert_eq!(user_key.hint, hint("sk-admin", "x7Qp"));
    assert_eq!(user_key.attributes["key_type"], "admin");
    assert_eq!(user_key.expires, None);
    assert_eq!(
        user_key.last_used,
        Some(Timestamp::from_second(1733800000).unwrap())
    );
    // Admin-key owners carry no email: an OpenAI user keyed by user ID, joinable to
    // the person from a project-key export through `openai_user_id`.
    let owner_id = identity_id(
        Provider::Openai,
        IdentityKind::Human,
        "user-4ZqXWb9kLr0sT2aY",
    );
    assert_eq!(user_key.identity, owner_id);
    let owner = identity(&batch, &owner_id);
    assert_eq!(owner.attributes["openai_user_id"], "user-4ZqXWb9kLr0sT2aY");
    assert_eq!(owner.attributes["openai_role"], "owner");
    assert!(has_link(&batch, &owner_id, &user_key_id, LinkKind::Owns));

    let sa_key = credential(
        &batch,
        &platform_credential_id(
            Provider::Openai,
            CredentialKind::AdminApiKey,
            "key_AdM1nSvC8tRe5Ty2",
        ),
    );
    let sa_id = identity_id(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        "svc_acct_OrgTf6Yh3Jk1",
    );
    assert_eq!(sa_key.identity, sa_id);
    assert_eq!(sa_key.last_used, None);
    assert!(
        !sa_key.attributes.contains_key("never_used"),
        "an absent last_used_at is unknown, not never"
    );
    let grant = batch.grants.iter().find(|g| g.identity == sa_id).unwrap();
    assert_eq!(
        (grant.role.as_str(), grant.scope.as_str()),
        ("member", "organization")
    );
}

#[test]
fn anthropic_keys_map_status_workspace_hint_and_creator() {
    let batch = load("anthropic_api_keys.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.credentials.len(), 4);
    let key = |id: &str| {
        credential(
            &batch,
            &platform_credential_id(Provider::Anthropic, CredentialKind::ApiKey, id),
        )
        .clone()
    };
    let workspace = identity_id(
        Provider::Anthropic,
        IdentityKind::ApiKeyHolder,
        "workspace/wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
    );
    let default = identity_id(
        Provider::Anthropic,
        IdentityKind::ApiKeyHolder,
        "workspace/default",
    );
    assert_eq!(batch.identities.len(), 2, "one holder per workspace");
    assert_eq!(
        identity(&batch, &default).account.as_deref(),
        Some("default")
    );

    let active = key("apikey_01Rj2N8SVvo6BePZj99NhmiT");
    assert_eq!(active.status, LifecycleStatus::Active);
    assert_eq!(active.identity, workspace);
    assert_eq!(active.hint, hint("sk-ant-api03-R2D", "igAA"));
    assert_eq!(active.created, Some(ts("2024-10-30T23:58:27.427722Z")));
    assert_eq!(
        active.attributes["created_by"],
        "user_01WCz1FkmYMm4gnmykNKUu3Q"
    );
    assert_eq!(active.attributes["created_by_type"], "user");
    assert_eq!(
        active.attributes["workspace_id"],
        "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    );
    assert_eq!(active.attributes["name"], "prod-summariser");
    assert!(has_link(
        &batch,
        &workspace,
        &active.id,
        LinkKind::HasCredential
    ));

    let archived = key("apikey_01Hk7Pq3WzXy5Ab8Cd9EfGhJ");
    assert_eq!(archived.status, LifecycleStatus::Deleted);
    assert_eq!(archived.identity, default);
    assert_eq!(archived.attributes["workspace_id"], "default");
    assert_eq!(archived.provenance[0].position, "data[1]");

    assert_eq!(
        key("apikey_01Mn4Bv6Cx8Zl1Kj3Hg5Fd7S").status,
        LifecycleStatus::Inactive
    );
    let expired = key("apikey_01Ex9Pd2Rt4Yu6Io8Pa0Sd2F");
    assert_eq!(expired.status, LifecycleStatus::Expired);
    assert_eq!(expired.expires, Some(ts("2024-04-01T08:00:00Z")));
}

#[test]
fn anthropic_users_carry_the_id_the_keys_name() {
    let users = load("anthropic_users.json");
    assert!(users.warnings.is_empty(), "{:#?}", users.warnings);
    let alice = identity(&users, &person_id("alice.nguyen@acme.example"));
    assert_eq!(alice.name, "Alice Nguyen");
    assert_eq!(
        alice.attributes["anthropic_user_id"],
        "user_01WCz1FkmYMm4gnmykNKUu3Q"
    );
    assert_eq!(alice.attributes["anthropic_role"], "developer");
    assert_eq!(
        alice.attributes["anthropic_added_at"],
        "2024-01-15T10:00:00Z"
    );
    assert_eq!(alice.status, LifecycleStatus::Unknown);

    // The join the correlator makes: key.created_by == person.anthropic_user_id.
    let keys = load("anthropic_api_keys.json");
    let archived = keys
        .credentials
        .iter()
        .find(|c| c.external_id.as_deref() == Some("apikey_01Hk7Pq3WzXy5Ab8Cd9EfGhJ"))
        .unwrap();
    let creator = users
        .identities
        .iter()
        .find(|p| p.attributes.get("anthropic_user_id") == archived.attributes.get("created_by"))
        .unwrap();
    assert_eq!(
        creator.external_id.as_deref(),
        Some("bob.stone@acme.example")
    );
}

#[test]
fn okta_users_map_status_manager_and_logins() {
    let batch = load("okta_users.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.identities.len(), 4);

    let alice = identity(&batch, &person_id("alice.nguyen@acme.example"));
    assert_eq!(alice.status, LifecycleStatus::Active);
    assert_eq!(alice.name, "Alice Nguyen");
    assert_eq!(alice.last_used, Some(ts("2024-12-10T08:31:12Z")));
    assert_eq!(alice.created, Some(ts("2021-03-01T09:00:00Z")));
    assert_eq!(alice.attributes["okta_id"], "00u1alice9QwErTy0h7");
    assert_eq!(alice.attributes["department"], "Platform");
    assert_eq!(alice.attributes["title"], "Engineering Manager");
    assert_eq!(alice.provenance[0].position, "[0]");
    assert_eq!(
        alice.provenance[0].source,
        "GET https://{yourOktaDomain}/api/v1/users"
    );

    // The deprovisioned report: keyed by email (not the short login), manager kept.
    let bob = identity(&batch, &person_id("bob.stone@acme.example"));
    assert_eq!(bob.status, LifecycleStatus::Deleted);
    assert_eq!(bob.name, "Bob Stone");
    assert_eq!(bob.attributes["login"], "bob.stone");
    assert_eq!(bob.attributes["manager"], "alice.nguyen@acme.example");
    assert_eq!(bob.attributes["okta_status"], "DEPROVISIONED");
    assert_eq!(bob.attributes["status_changed"], "2024-09-30T17:00:00Z");
    assert_eq!(bob.last_used, Some(ts("2024-09-27T15:45:00Z")));

    let carol = identity(&batch, &person_id("carol.diaz@acme.example"));
    assert_eq!(carol.status, LifecycleStatus::Disabled);
    assert_eq!(
        carol.attributes["manager"], "00u1alice9QwErTy0h7",
        "managerId fallback"
    );

    let dan = identity(&batch, &person_id("dan.okafor@acme.example"));
    assert_eq!(dan.status, LifecycleStatus::Inactive);
    assert_eq!(dan.last_used, None);
}

#[test]
fn okta_offboarding_reaches_the_key_owner_across_exports() {
    // Bob owns an OpenAI key; Okta says he is gone. Merged, the owner is Deleted
    // whichever file comes first.
    for okta_first in [true, false] {
        let mut inventory = Inventory::default();
        let (a, b) = if okta_first {
            ("okta_users.json", "openai_project_api_keys.json")
        } else {
            ("openai_project_api_keys.json", "okta_users.json")
        };
        inventory.merge(load(a));
        inventory.merge(load(b));
        let bob = &inventory.identities[&person_id("bob.stone@acme.example")];
        assert_eq!(
            bob.status,
            LifecycleStatus::Deleted,
            "okta first: {okta_first}"
        );
        assert_eq!(bob.attributes["openai_user_id"], "user-4ZqXWb9kLr0sT2aY");
        assert_eq!(bob.attributes["okta_id"], "00u2bob8AsDfGh1h7");
    }
}

#[test]
fn people_csv_maps_status_and_warns_per_line() {
    let batch = load("people.csv");
    assert_eq!(batch.identities.len(), 4);
    let alice = identity(&batch, &person_id("alice.nguyen@acme.example"));
    assert_eq!(alice.status, LifecycleStatus::Active);
    assert_eq!(alice.provenance[0].position, "line 2");
    assert_eq!(alice.provenance[0].source, ExportKind::PeopleCsv.command());

    let bob = identity(&batch, &person_id("bob.stone@acme.example"));
    assert_eq!(bob.status, LifecycleStatus::Deleted);
    assert_eq!(bob.attributes["left_on"], "2024-09-30");
    assert_eq!(bob.attributes["manager"], "alice.nguyen@acme.example");

    let carol = identity(&batch, &person_id("carol.diaz@acme.example"));
    assert_eq!(
        carol.status,
        LifecycleStatus::Unknown,
        "bad status still loads"
    );

    let erin = identity(&batch, &person_id("erin.ito@acme.example"));
    assert_eq!(erin.status, LifecycleStatus::Disabled);
    assert_eq!(erin.name, "Ito, Erin");
    assert_eq!(erin.attributes["department"], "Data");

    let positions: Vec<(&str, &str)> = batch
        .warnings
        .iter()
        .map(|w| (w.position.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(positions.len(), 2, "{positions:#?}");
    assert!(batch.warnings.iter().all(|w| w.file == "people.csv"));
    assert_eq!(positions[0].0, "line 4, column status");
    assert!(positions[0].1.contains("\"on leave\""));
    assert_eq!(positions[1], ("line 5", "row skipped: no email"));
}

#[test]
fn malformed_entries_warn_with_position_and_the_rest_loads() {
    let batch = load("openai_project_api_keys_malformed.json");
    let warnings: Vec<(&str, &str)> = batch
        .warnings
        .iter()
        .map(|w| (w.position.as_str(), w.message.as_str()))
        .collect();
    assert!(
        batch
            .warnings
            .iter()
            .all(|w| w.file == "openai_project_api_keys_malformed.json")
    );
    let find = |position: &str| {
        warnings
            .iter()
            .find(|(p, _)| *p == position)
            .unwrap_or_else(|| panic!("no warning at {position}: {warnings:#?}"))
            .1
    };
    assert!(find("has_more").contains("later pages are missing"));
    assert_eq!(find("data[0]"), "entry skipped: no `id`");
    assert!(find("data[1]").contains("expected an object, got a string"));
    assert!(find("data[2].created_at").contains("\"next tuesday\""));
    assert!(find("data[3].owner").contains("attributed to its project"));
    assert_eq!(warnings.len(), 5, "{warnings:#?}");

    // Both keys with an ID still load.
    assert_eq!(batch.credentials.len(), 2);
    let dated = credential(
        &batch,
        &platform_credential_id(
            Provider::Openai,
            CredentialKind::ApiKey,
            "key_Bd7dAtE2xYz9Wq1M",
        ),
    );
    assert_eq!(dated.created, None);
    assert_eq!(
        dated.last_used,
        Some(Timestamp::from_second(1733900000).unwrap())
    );
    assert_eq!(dated.identity, person_id("carol.diaz@acme.example"));
    let ownerless = credential(
        &batch,
        &platform_credential_id(
            Provider::Openai,
            CredentialKind::ApiKey,
            "key_NoOwner4Hj8Kl2Pq",
        ),
    );
    assert_eq!(
        ownerless.identity,
        identity_id(
            Provider::Openai,
            IdentityKind::ApiKeyHolder,
            "project/unknown"
        )
    );
}

#[test]
fn truncated_json_is_an_error_naming_file_line_and_column() {
    let bytes = fixture("anthropic_api_keys_truncated.json");
    let err = ingest("exports/anthropic_keys.json", &bytes).unwrap_err();
    match &err {
        Error::Json {
            file, line, column, ..
        } => {
            assert_eq!(file, "exports/anthropic_keys.json");
            assert!(*line > 1 && *column > 0, "{err}");
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.starts_with("exports/anthropic_keys.json:"), "{shown}");
    assert!(shown.contains("invalid JSON"), "{shown}");
}

#[test]
fn unreadable_input_is_an_error_naming_the_file() {
    let err = ingest("x.json", b"{\"object\": \"list\", \"data\": [{\"object\": \"organization.project.api_key\", \"name\": \"\xff\"}]}").unwrap_err();
    assert!(
        matches!(err, Error::InvalidUtf8 { ref file, offset } if file == "x.json" && offset > 0),
        "{err}"
    );

    let err = ingest("random.json", br#"{"hello": "world"}"#).unwrap_err();
    assert!(
        err.to_string().starts_with("random.json: not a recognised"),
        "{err}"
    );

    // Recognised by its entries, but `data` is not a list.
    let err = nhi_saas::ingest_as(
        ExportKind::AnthropicApiKeys,
        "k.json",
        br#"{"data": {"type": "api_key"}}"#,
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err}");
    assert!(err.to_string().starts_with("k.json: "), "{err}");

    let err = nhi_saas::ingest_as(ExportKind::OktaUsers, "o.json", b"{}").unwrap_err();
    assert!(err.to_string().contains("expected a JSON array"), "{err}");

    let err = nhi_saas::ingest_as(ExportKind::PeopleCsv, "p.csv", b"name,team\n").unwrap_err();
    assert!(
        err.to_string().starts_with("p.csv: not a people CSV"),
        "{err}"
    );
}

#[test]
fn odd_fields_are_warnings_not_lost_entries() {
    let bytes = br#"{"data": [
        {"type": "api_key", "id": "apikey_1", "name": ["not", "text"], "status": "paused",
         "created_at": "soon", "partial_key_hint": "sk-ant-api03-abc...wxyz", "workspace_id": null,
         "created_by": "user_1"}
    ], "has_more": false}"#;
    let batch = ingest("odd.json", bytes).unwrap();
    assert_eq!(batch.credentials.len(), 1);
    let key = &batch.credentials[0];
    assert_eq!(key.status, LifecycleStatus::Unknown);
    assert_eq!(key.created, None);
    assert_eq!(key.hint, hint("sk-ant-api03-abc", "wxyz"));
    let mut positions: Vec<&str> = batch.warnings.iter().map(|w| w.position.as_str()).collect();
    positions.sort();
    assert_eq!(
        positions,
        [
            "data[0].created_at",
            "data[0].created_by",
            "data[0].name",
            "data[0].status"
        ]
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"EMAIL,STATUS\r\nzoe@acme.example,Offboarded\r\n");
    assert_eq!(sniff(&bytes), Some(ExportKind::PeopleCsv));
    let batch = ingest("bom.csv", &bytes).unwrap();
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.identities[0].status, LifecycleStatus::Deleted);
    assert_eq!(batch.identities[0].id, person_id("zoe@acme.example"));
}
