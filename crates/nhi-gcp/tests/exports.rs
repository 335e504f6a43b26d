//! End-to-end ingestion of fixtures written as gcloud prints them (`--format=json`:
//! the REST resources, camelCase keys, sorted). Field names from:
//! - ServiceAccount: https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts
//! - ServiceAccountKey: https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys
//! - Policy / Binding / Expr: https://cloud.google.com/iam/docs/reference/rest/v1/Policy
//! - Principal identifiers: https://cloud.google.com/iam/docs/principal-identifiers

use nhi_gcp::{Error, ExportKind, ingest, sniff};
use nhi_model::{
    Confidence, CredentialKind, GrantKind, Identity, IdentityKind, InventoryBatch, LifecycleStatus,
    LinkKind, Provider, identity_id, person_id, platform_credential_id,
};

const SA_POLICY: &str = "sa-policy_payments-api@acme-prod.iam.gserviceaccount.com.json";

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

fn sa_id(email: &str) -> String {
    identity_id(Provider::Gcp, IdentityKind::ServiceAccount, email)
}

fn identity<'b>(batch: &'b InventoryBatch, id: &str) -> &'b Identity {
    batch
        .identities
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no identity {id} in {:#?}", batch.identities))
}

fn attr<'i>(identity: &'i Identity, key: &str) -> Option<&'i str> {
    identity.attributes.get(key).map(String::as_str)
}

#[test]
fn sniff_recognises_each_fixture() {
    let cases = [
        ("service-accounts.json", ExportKind::ServiceAccounts),
        ("sa-keys.json", ExportKind::ServiceAccountKeys),
        ("sa-keys-malformed.json", ExportKind::ServiceAccountKeys),
        ("project-iam-policy.json", ExportKind::IamPolicy),
        ("project-iam-policy-malformed.json", ExportKind::IamPolicy),
        ("project-iam-policy-truncated.json", ExportKind::IamPolicy),
        (SA_POLICY, ExportKind::IamPolicy),
    ];
    for (name, expected) in cases {
        assert_eq!(sniff(&fixture(name)), Some(expected), "{name}");
    }
}

#[test]
fn sniff_accepts_rest_pages_flattened_policies_and_a_bom() {
    let rest_keys = br#"{"keys": [{"keyAlgorithm": "KEY_ALG_RSA_2048", "name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/ab"}]}"#;
    assert_eq!(sniff(rest_keys), Some(ExportKind::ServiceAccountKeys));
    let rest_accounts = br#"{"accounts": [{"email": "a@p.iam.gserviceaccount.com", "uniqueId": "1"}], "nextPageToken": "x"}"#;
    assert_eq!(sniff(rest_accounts), Some(ExportKind::ServiceAccounts));
    let flattened =
        br#"[{"bindings": {"members": "user:a@acme.com", "role": "roles/owner"}, "etag": "BwX", "version": 1}]"#;
    assert_eq!(sniff(flattened), Some(ExportKind::IamPolicy));
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&fixture("sa-keys.json"));
    assert_eq!(sniff(&with_bom), Some(ExportKind::ServiceAccountKeys));
}

#[test]
fn sniff_rejects_other_shapes() {
    let not_ours: &[&[u8]] = &[
        b"",
        b"[]",
        b"{}",
        b"[1, 2, 3]",
        b"name,email\nx,y\n",
        br#"{"Users": [], "UserDetailList": []}"#,
        br#"{"AccessKeyMetadata": [{"AccessKeyId": "AKIAEXAMPLE", "Status": "Active"}]}"#,
        br#"{"apiVersion": "v1", "kind": "List", "items": [{"kind": "ServiceAccount", "metadata": {"name": "default"}}]}"#,
        br#"{"value": [{"appId": "00000000-0000-0000-0000-000000000000", "passwordCredentials": []}]}"#,
        br#"{"object": "list", "data": [{"id": "key_abc", "redacted_value": "sk-...abcd"}]}"#,
        // A downloaded key file is a secret for the scanner, not an inventory export.
        br#"{"type": "service_account", "project_id": "p", "private_key_id": "0123456789abcdef0123456789abcdef01234567", "client_email": "a@p.iam.gserviceaccount.com", "client_id": "1"}"#,
        // JWKS: "keys" without key metadata.
        br#"{"keys": [{"kty": "RSA", "kid": "1", "n": "abc", "e": "AQAB"}]}"#,
        br#"{"a": "bindings", "b": "role"}"#,
    ];
    for bytes in not_ours {
        assert_eq!(sniff(bytes), None, "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn service_accounts_map_to_identities() {
    let batch = load("service-accounts.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.identities.len(), 4);
    assert!(batch.credentials.is_empty() && batch.grants.is_empty());

    let ci = identity(
        &batch,
        &sa_id("ci-deployer@acme-prod.iam.gserviceaccount.com"),
    );
    assert_eq!(ci.provider, Provider::Gcp);
    assert_eq!(ci.kind, IdentityKind::ServiceAccount);
    assert_eq!(ci.name, "ci-deployer");
    assert_eq!(
        ci.external_id.as_deref(),
        Some("ci-deployer@acme-prod.iam.gserviceaccount.com")
    );
    assert_eq!(ci.account.as_deref(), Some("acme-prod"));
    assert_eq!(ci.status, LifecycleStatus::Active);
    assert_eq!(attr(ci, "unique_id"), Some("104238775093812345678"));
    assert_eq!(attr(ci, "oauth2_client_id"), Some("104238775093812345678"));
    assert_eq!(attr(ci, "display_name"), Some("CI deployer"));
    assert_eq!(
        attr(ci, "description"),
        Some("Deploys the payments API from CI. Owner: platform-team")
    );
    assert_eq!(attr(ci, "google_managed"), Some("false"));
    assert_eq!(attr(ci, "default_service_account"), None);
    assert_eq!(ci.environment, None);
    let provenance = &ci.provenance[0];
    assert_eq!(
        provenance.source,
        "gcloud iam service-accounts list --format=json"
    );
    assert_eq!(provenance.file, "service-accounts.json");
    assert_eq!(provenance.position, "[0]");

    let legacy = identity(
        &batch,
        &sa_id("legacy-exporter@acme-prod.iam.gserviceaccount.com"),
    );
    assert_eq!(legacy.status, LifecycleStatus::Disabled);
    assert_eq!(legacy.provenance[0].position, "[1]");

    let compute = identity(
        &batch,
        &sa_id("123456789012-compute@developer.gserviceaccount.com"),
    );
    // `disabled` omitted, as the API does for false.
    assert_eq!(compute.status, LifecycleStatus::Active);
    assert_eq!(compute.account.as_deref(), Some("acme-prod"));
    assert_eq!(attr(compute, "default_service_account"), Some("compute"));
    assert_eq!(attr(compute, "project_number"), Some("123456789012"));
    assert_eq!(attr(compute, "google_managed"), Some("false"));
}

#[test]
fn keys_map_to_platform_credentials_with_their_holder() {
    let batch = load("sa-keys.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    let holder = sa_id("ci-deployer@acme-prod.iam.gserviceaccount.com");
    // One minimal holder, however many keys it has.
    assert_eq!(batch.identities.len(), 1);
    let sa = identity(&batch, &holder);
    assert_eq!(sa.account.as_deref(), Some("acme-prod"));
    assert_eq!(sa.status, LifecycleStatus::Unknown);
    assert_eq!(sa.name, "ci-deployer");
    assert_eq!(batch.credentials.len(), 3);

    let live = &batch.credentials[0];
    assert_eq!(
        live.id,
        platform_credential_id(
            Provider::Gcp,
            CredentialKind::ServiceAccountKey,
            "90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c"
        )
    );
    assert_eq!(
        live.external_id.as_deref(),
        Some("90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c")
    );
    assert_eq!(live.identity, holder);
    assert_eq!(live.kind, CredentialKind::ServiceAccountKey);
    assert_eq!(live.status, LifecycleStatus::Active);
    assert_eq!(live.created, Some(ts("2021-03-04T17:39:47Z")));
    assert_eq!(live.expires, None);
    assert_eq!(live.attributes["no_expiry"], "true");
    assert_eq!(live.attributes["key_type"], "USER_MANAGED");
    assert_eq!(live.attributes["key_origin"], "GOOGLE_PROVIDED");
    assert_eq!(live.attributes["key_algorithm"], "KEY_ALG_RSA_2048");
    assert_eq!(live.hint, None);
    assert_eq!(live.provenance[0].position, "[0]");

    let exposed = &batch.credentials[1];
    assert_eq!(exposed.status, LifecycleStatus::Inactive);
    assert_eq!(exposed.created, Some(ts("2022-06-01T08:00:00Z")));
    // A past end date is kept as a date; the export is not judged by the wall clock.
    assert_eq!(exposed.expires, Some(ts("2024-06-01T08:00:00Z")));
    assert!(!exposed.attributes.contains_key("no_expiry"));
    assert_eq!(exposed.attributes["exposed"], "true");
    assert_eq!(
        exposed.attributes["disable_reason"],
        "SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED"
    );
    assert_eq!(
        exposed.attributes["extended_status"],
        "SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_EXPOSED"
    );

    let system = &batch.credentials[2];
    assert_eq!(system.attributes["key_type"], "SYSTEM_MANAGED");
    assert_eq!(system.expires, Some(ts("2025-01-26T04:12:33Z")));

    assert_eq!(batch.links.len(), 3);
    for (link, key) in batch.links.iter().zip(&batch.credentials) {
        assert_eq!(link.from, holder);
        assert_eq!(link.to, key.id);
        assert_eq!(link.kind, LinkKind::HasCredential);
        assert_eq!(link.confidence, Confidence::High);
        assert!(
            link.evidence
                .contains(key.external_id.as_deref().unwrap_or("?")),
            "{}",
            link.evidence
        );
    }
}

#[test]
fn a_key_file_private_key_id_finds_its_platform_key() {
    // What the correlator does: a leaked key file's `private_key_id` is the key ID.
    let batch = load("sa-keys.json");
    let private_key_id = "e5e3800831ac1adc8a5849da7d827b4724b1fce8";
    let id = platform_credential_id(
        Provider::Gcp,
        CredentialKind::ServiceAccountKey,
        private_key_id,
    );
    assert!(batch.credentials.iter().any(|c| c.id == id));
}

#[test]
fn project_policy_maps_members_to_grants() {
    let batch = load("project-iam-policy.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    // Without a stated resource, the scope names the file.
    let scope = "file:project-iam-policy.json";
    assert!(batch.grants.iter().all(|g| g.scope == scope));
    assert!(
        batch
            .grants
            .iter()
            .all(|g| g.kind == GrantKind::RoleBinding)
    );
    assert_eq!(batch.grants.len(), 11);

    let grants_of = |id: &str| -> Vec<(&str, Option<&str>)> {
        batch
            .grants
            .iter()
            .filter(|g| g.identity == id)
            .map(|g| (g.role.as_str(), g.condition.as_deref()))
            .collect()
    };

    let alice = person_id("alice@acme.com");
    assert_eq!(grants_of(&alice), [("roles/owner", None)]);
    let person = identity(&batch, &alice);
    assert_eq!(person.kind, IdentityKind::Human);

    let ci = sa_id("ci-deployer@acme-prod.iam.gserviceaccount.com");
    assert_eq!(grants_of(&ci), [("roles/owner", None)]);
    let owner_grant = batch.grants.iter().find(|g| g.identity == ci).unwrap();
    assert_eq!(owner_grant.provenance.position, "bindings[0].members[1]");
    assert_eq!(
        owner_grant.provenance.source,
        "gcloud projects get-iam-policy --format=json"
    );
    assert_eq!(identity(&batch, &ci).account.as_deref(), Some("acme-prod"));

    let legacy = sa_id("legacy-exporter@acme-prod.iam.gserviceaccount.com");
    assert_eq!(
        grants_of(&legacy),
        [(
            "roles/bigquery.dataViewer",
            Some("request.time < timestamp(\"2025-10-01T00:00:00Z\")")
        )]
    );

    // A deleted account is its own node, so its status never sticks to a live
    // account that reuses the email.
    let deleted = identity_id(
        Provider::Gcp,
        IdentityKind::ServiceAccount,
        "old-etl@acme-prod.iam.gserviceaccount.com?uid=108765432109876543210",
    );
    let old = identity(&batch, &deleted);
    assert_eq!(old.status, LifecycleStatus::Deleted);
    assert_eq!(old.name, "old-etl");
    assert_eq!(attr(old, "unique_id"), Some("108765432109876543210"));
    assert_eq!(grants_of(&deleted), [("roles/storage.admin", None)]);

    let agent = identity(
        &batch,
        &sa_id("service-123456789012@gcp-sa-cloudbuild.iam.gserviceaccount.com"),
    );
    assert_eq!(attr(agent, "google_managed"), Some("true"));
    assert_eq!(agent.account, None);

    let group = identity_id(
        Provider::Gcp,
        IdentityKind::Unknown,
        "group:platform@acme.com",
    );
    assert_eq!(grants_of(&group), [("roles/editor", None)]);
    assert_eq!(attr(identity(&batch, &group), "member_type"), Some("group"));

    let public = identity(
        &batch,
        &identity_id(Provider::Gcp, IdentityKind::Unknown, "allUsers"),
    );
    assert_eq!(attr(public, "public"), Some("true"));
    assert_eq!(attr(public, "member_type"), Some("all_users"));

    let github = identity(
        &batch,
        &identity_id(
            Provider::Gcp,
            IdentityKind::Unknown,
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github-pool/attribute.repository/acme/payments",
        ),
    );
    assert_eq!(attr(github, "federated"), Some("true"));

    // Direct resource access by a Kubernetes service account lands on the KSA itself.
    let exporter = identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        "reports/exporter",
    );
    assert_eq!(grants_of(&exporter), [("roles/storage.objectViewer", None)]);
    assert_eq!(
        identity(&batch, &exporter).account.as_deref(),
        Some("reports")
    );

    // Project-level bindings state no impersonation of one account.
    assert!(batch.links.is_empty(), "{:#?}", batch.links);
}

#[test]
fn a_stated_project_sets_the_scope() {
    let mut policy: serde_json::Value =
        serde_json::from_slice(&fixture("project-iam-policy.json")).unwrap();
    policy["projectId"] = "acme-prod".into();
    let bytes = serde_json::to_vec(&policy).unwrap();
    let batch = ingest("whatever.json", &bytes).unwrap();
    assert!(batch.grants.iter().all(|g| g.scope == "projects/acme-prod"));
}

#[test]
fn service_account_policy_links_workload_identity() {
    let batch = load(SA_POLICY);
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    let gsa = sa_id("payments-api@acme-prod.iam.gserviceaccount.com");
    let ksa = identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        "payments/api",
    );
    let scope = "projects/acme-prod/serviceAccounts/payments-api@acme-prod.iam.gserviceaccount.com";
    assert!(batch.grants.iter().all(|g| g.scope == scope));

    // The policy's own account is in the batch, so the links have both ends.
    let target = identity(&batch, &gsa);
    assert_eq!(target.account.as_deref(), Some("acme-prod"));
    assert_eq!(target.provenance[0].position, "$");

    let kube = identity(&batch, &ksa);
    assert_eq!(kube.provider, Provider::Kubernetes);
    assert_eq!(kube.name, "api");
    assert_eq!(kube.account.as_deref(), Some("payments"));
    assert_eq!(
        attr(kube, "workload_identity_pool"),
        Some("acme-prod.svc.id.goog")
    );

    let federates = batch
        .links
        .iter()
        .find(|l| l.kind == LinkKind::Federates)
        .expect("federation link");
    assert_eq!(federates.from, ksa);
    assert_eq!(federates.to, gsa);
    // The account came from the file name, not from the file's content.
    assert_eq!(federates.confidence, Confidence::Medium);
    assert!(
        federates
            .evidence
            .contains("roles/iam.workloadIdentityUser")
    );
    assert_eq!(
        federates.provenance.as_ref().map(|p| p.position.as_str()),
        Some("bindings[0].members[0]")
    );

    let assume = batch
        .links
        .iter()
        .find(|l| l.kind == LinkKind::CanAssume)
        .expect("token creator link");
    assert_eq!(assume.from, person_id("bob@acme.com"));
    assert_eq!(assume.to, gsa);
}

#[test]
fn a_stated_service_account_gives_high_confidence() {
    let bytes = br#"{
      "bindings": [{"members": ["serviceAccount:acme-prod.svc.id.goog[payments/api]"],
                    "role": "roles/iam.workloadIdentityUser"}],
      "etag": "BwX", "version": 1,
      "serviceAccount": "payments-api@acme-prod.iam.gserviceaccount.com"}"#;
    let batch = ingest("policy.json", bytes).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].kind, LinkKind::Federates);
    assert_eq!(batch.links[0].confidence, Confidence::High);
    assert_eq!(
        batch.links[0].to,
        sa_id("payments-api@acme-prod.iam.gserviceaccount.com")
    );
}

#[test]
fn malformed_policy_entries_warn_and_the_rest_loads() {
    let name = "project-iam-policy-malformed.json";
    let batch = load(name);
    let positions: Vec<&str> = batch.warnings.iter().map(|w| w.position.as_str()).collect();
    assert_eq!(
        positions,
        [
            "bindings[1]",
            "bindings[2].members",
            "bindings[3].members[0]",
            "bindings[3].members[1]",
            "bindings[3].members[2]",
            "bindings[4]",
            "bindings[5].condition",
        ]
    );
    assert!(batch.warnings.iter().all(|w| w.file == name));
    assert!(batch.warnings[0].message.contains("no `role`"));
    assert!(batch.warnings[4].message.contains("workload identity"));

    let roles: Vec<(&str, &str)> = batch
        .grants
        .iter()
        .map(|g| (g.identity.as_str(), g.role.as_str()))
        .collect();
    let carol = person_id("carol@acme.com");
    let ksa = identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        "default/runner",
    );
    let ok = sa_id("ok@acme-prod.iam.gserviceaccount.com");
    let ops = identity_id(Provider::Gcp, IdentityKind::Unknown, "group:ops@acme.com");
    assert_eq!(
        roles,
        [
            (carol.as_str(), "roles/viewer"),
            (ksa.as_str(), "roles/iam.workloadIdentityUser"),
            (ok.as_str(), "roles/iam.workloadIdentityUser"),
            (ops.as_str(), "roles/logging.viewer"),
        ]
    );
    // A condition that cannot be read still marks the grant conditional.
    assert_eq!(
        batch.grants[3].condition.as_deref(),
        Some("(unreadable condition titled \"no expression here\")")
    );
}

#[test]
fn malformed_keys_warn_and_the_rest_loads() {
    let name = "sa-keys-malformed.json";
    let batch = load(name);
    let warnings: Vec<(&str, &str)> = batch
        .warnings
        .iter()
        .map(|w| (w.position.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    assert_eq!(warnings[0].0, "[0].validAfterTime");
    assert!(warnings[0].1.contains("\"last tuesday\""));
    assert_eq!(warnings[1].0, "[1]");
    assert_eq!(warnings[2].0, "[2]");
    assert_eq!(warnings[3].0, "[3].disabled");

    assert_eq!(batch.credentials.len(), 2);
    let first = &batch.credentials[0];
    assert_eq!(first.created, None);
    assert_eq!(first.attributes["no_expiry"], "true");
    let fourth = &batch.credentials[1];
    assert_eq!(
        fourth.external_id.as_deref(),
        Some("0011223344556677889900112233445566778899")
    );
    assert_eq!(fourth.created, Some(ts("2023-01-01T00:00:00Z")));
}

#[test]
fn private_key_data_is_never_copied() {
    let secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
    let bytes = format!(
        r#"{{"name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/0123456789abcdef0123456789abcdef01234567",
            "privateKeyData": "{secret}", "privateKeyType": "TYPE_GOOGLE_CREDENTIALS_FILE",
            "keyAlgorithm": "KEY_ALG_RSA_2048", "validAfterTime": "2022-04-20T10:39:55Z"}}"#
    );
    let wrapped = format!(r#"{{"keys": [{bytes}]}}"#);
    let batch = ingest("create-response.json", wrapped.as_bytes()).unwrap();
    assert_eq!(batch.credentials.len(), 1);
    assert_eq!(
        batch.credentials[0].attributes["private_key_type"],
        "TYPE_GOOGLE_CREDENTIALS_FILE"
    );
    assert_eq!(batch.warnings.len(), 1);
    assert_eq!(batch.warnings[0].position, "keys[0].privateKeyData");
    let everything = format!("{batch:?}") + &serde_json::to_string(&batch).unwrap();
    assert!(!everything.contains(&secret[..20]));
}

#[test]
fn rest_pages_and_flattened_policies_load() {
    let page = br#"{"accounts": [{"email": "a@p.iam.gserviceaccount.com", "projectId": "p", "uniqueId": "1"}],
                    "nextPageToken": "CgA"}"#;
    let batch = ingest("accounts.json", page).unwrap();
    assert_eq!(batch.identities.len(), 1);
    assert_eq!(batch.identities[0].provenance[0].position, "accounts[0]");
    assert_eq!(batch.warnings.len(), 1);
    assert_eq!(batch.warnings[0].position, "nextPageToken");

    let flattened = br#"[
      {"bindings": {"members": "user:a@acme.com", "role": "roles/owner"}, "etag": "BwX", "version": 1},
      {"bindings": {"members": "serviceAccount:x@p.iam.gserviceaccount.com", "role": "roles/viewer"}, "etag": "BwX", "version": 1}
    ]"#;
    let batch = ingest("flat.json", flattened).unwrap();
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    let grants: Vec<(&str, &str)> = batch
        .grants
        .iter()
        .map(|g| (g.role.as_str(), g.provenance.position.as_str()))
        .collect();
    assert_eq!(
        grants,
        [
            ("roles/owner", "[0].bindings.members"),
            ("roles/viewer", "[1].bindings.members")
        ]
    );
}

#[test]
fn empty_exports_are_empty_batches() {
    assert!(ingest("empty.json", b"[]\n").unwrap().is_empty());
    let bare = ingest("sa-policy.json", br#"{"etag": "ACAB"}"#).unwrap();
    assert!(bare.is_empty() && bare.warnings.is_empty());
}

#[test]
fn unreadable_input_is_an_error_naming_file_and_position() {
    let truncated = fixture("project-iam-policy-truncated.json");
    match ingest("project-iam-policy-truncated.json", &truncated) {
        Err(Error::Json {
            file, line, column, ..
        }) => {
            assert_eq!(file, "project-iam-policy-truncated.json");
            assert!(line > 1 && column > 0, "{line}:{column}");
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let error = ingest("bad.json", b"[\n  {\"email\": \n").unwrap_err();
    assert!(error.to_string().starts_with("bad.json:3:"), "{error}");

    let error = ingest("latin1.json", b"[{\"displayName\": \"caf\xe9\"}]").unwrap_err();
    assert_eq!(
        error,
        Error::InvalidUtf8 {
            file: "latin1.json".into(),
            offset: 21
        }
    );

    for (bytes, what) in [
        (&b"\"just a string\""[..], "a string"),
        (b"[1, 2]", "unrecognised"),
        (br#"{"kind": "List"}"#, "bindings"),
    ] {
        let error = ingest("x.json", bytes).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("x.json: $: "), "{text}");
        assert!(text.contains(what), "{text}");
    }
}

#[test]
fn a_key_named_by_unique_id_still_yields_its_holder() {
    let bytes = br#"[{"keyType": "USER_MANAGED",
        "name": "projects/acme-prod/serviceAccounts/104238775093812345678/keys/0123456789abcdef0123456789abcdef01234567"}]"#;
    let batch = ingest("keys.json", bytes).unwrap();
    let holder = sa_id("104238775093812345678");
    assert_eq!(batch.credentials[0].identity, holder);
    let sa = identity(&batch, &holder);
    assert_eq!(sa.account.as_deref(), Some("acme-prod"));
    assert_eq!(attr(sa, "unique_id"), Some("104238775093812345678"));
    assert_eq!(batch.warnings.len(), 1);
    assert_eq!(batch.warnings[0].position, "[0].name");
}

// WorkloadIdentityPoolProvider:
// https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers
#[test]
fn workload_identity_providers_keep_issuer_condition_and_state() {
    let bytes = fixture("wif-providers.json");
    assert_eq!(sniff(&bytes), Some(ExportKind::WorkloadIdentityProviders));
    let batch = load("wif-providers.json");
    assert!(batch.warnings.is_empty(), "{:#?}", batch.warnings);
    assert_eq!(batch.identities.len(), 3);
    let by_name = |name: &str| {
        batch
            .identities
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let acme = by_name("github-pool/github-acme");
    assert_eq!(acme.kind, IdentityKind::FederationProvider);
    assert_eq!(acme.account.as_deref(), Some("123456789012"));
    assert_eq!(
        acme.attributes["attribute_condition"],
        "assertion.repository_owner == 'acme-corp'"
    );
    assert_eq!(
        acme.attributes["issuer"],
        "https://token.actions.githubusercontent.com"
    );
    let legacy = by_name("github-pool/github-legacy");
    assert_eq!(legacy.attributes["attribute_condition"], "");
    assert!(legacy.attributes["allowed_audiences"].contains("github-legacy"));
    let aws = by_name("aws-pool/aws-prod");
    assert_eq!(aws.status, LifecycleStatus::Disabled);
    assert_eq!(aws.attributes["issuer"], "aws:111122223333");

    // The REST page form reads the same.
    let page = format!(
        "{{\"workloadIdentityPoolProviders\": {}}}",
        String::from_utf8(bytes).unwrap()
    );
    assert_eq!(
        sniff(page.as_bytes()),
        Some(ExportKind::WorkloadIdentityProviders)
    );
    assert_eq!(
        ingest("page.json", page.as_bytes())
            .unwrap()
            .identities
            .len(),
        3
    );
}
