//! End-to-end reading of fixtures in the shape `kubectl get ... -o json` prints.
//!
//! Field names from the Kubernetes API reference:
//! https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/service-account-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-binding-v1/
//! https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/cluster-role-binding-v1/
//! Legacy token labels: https://kubernetes.io/docs/reference/labels-annotations-taints/

use nhi_k8s::{Error, ExportKind, ingest, sniff};
use nhi_model::{
    Confidence, CredentialKind, GrantKind, Identity, IdentityKind, InventoryBatch, LifecycleStatus,
    Link, LinkKind, Provider, identity_id, person_id, platform_credential_id,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn load(name: &str) -> InventoryBatch {
    ingest(name, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sa(key: &str) -> String {
    identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        key,
    )
}

fn workload(key: &str) -> String {
    identity_id(Provider::Kubernetes, IdentityKind::Workload, key)
}

fn identity<'b>(batch: &'b InventoryBatch, id: &str) -> &'b Identity {
    batch
        .identities
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no identity {id}"))
}

fn link<'b>(batch: &'b InventoryBatch, from: &str, to: &str, kind: LinkKind) -> &'b Link {
    batch
        .links
        .iter()
        .find(|l| l.from == from && l.to == to && l.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} link {from} -> {to}"))
}

fn ts(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

const PLANTED_B64: &str = "UzNjcjN0LVBsYW50ZWQtUGFzc3cwcmQtOTk4OA==";
const PLANTED: &str = "S3cr3t-Planted-Passw0rd-9988";

#[test]
fn sniff_recognises_kubectl_output_and_rejects_other_shapes() {
    for name in [
        "cluster_list.json",
        "malformed_items.json",
        "truncated.json",
        "serviceaccount_list.json",
    ] {
        assert_eq!(
            sniff(&fixture(name)),
            Some(ExportKind::ResourceList),
            "{name}"
        );
    }
    assert_eq!(
        sniff(&fixture("single_sa.json")),
        Some(ExportKind::SingleObject)
    );
    let others: &[&[u8]] = &[
        // kubeconfig: Kubernetes apiVersion, but no items and kind Config
        br#"{"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}"#,
        // AWS, GCP, Azure shapes
        br#"{"UserDetailList": [], "RoleDetailList": []}"#,
        br#"[{"email": "a@p.iam.gserviceaccount.com", "name": "projects/p/serviceAccounts/a"}]"#,
        br#"{"value": [{"appId": "x", "displayName": "y"}]}"#,
        br#"{"items": [1, 2, 3]}"#,
        br#"{"apiVersion": "2.0", "items": []}"#,
        b"user,arn,user_creation_time\n",
        b"",
        b"   ",
        b"\xff\xfe",
    ];
    for other in others {
        assert_eq!(sniff(other), None, "{}", String::from_utf8_lossy(other));
    }
}

#[test]
fn service_accounts_map_with_federation_owners_and_rbac() {
    let batch = load("cluster_list.json");
    let payments = identity(&batch, &sa("payments/payments-api"));
    assert_eq!(payments.name, "payments-api");
    assert_eq!(payments.account.as_deref(), Some("payments"));
    assert_eq!(
        payments.external_id.as_deref(),
        Some("payments/payments-api")
    );
    assert_eq!(payments.status, LifecycleStatus::Active);
    assert_eq!(payments.created, Some(ts("2024-03-11T09:15:27Z")));
    assert_eq!(payments.tags["team"], "payments");
    assert_eq!(payments.attributes["automount_token"], "unset");
    assert_eq!(payments.attributes["managed_by"], "Helm");
    assert_eq!(payments.attributes["helm_release"], "payments");
    assert_eq!(payments.owners, vec!["alice@example.com".to_string()]);
    assert_eq!(
        payments.attributes["rbac_rules"],
        "pods/exec:create; secrets:get,list,watch"
    );
    assert_eq!(payments.provenance[0].position, "items[0]");
    assert_eq!(payments.provenance[0].file, "cluster_list.json");
    assert_eq!(
        payments.provenance[0].source,
        ExportKind::ResourceList.command()
    );

    let irsa = link(
        &batch,
        &payments.id,
        &identity_id(
            Provider::Aws,
            IdentityKind::IamRole,
            "arn:aws:iam::111122223333:role/payments-api-irsa",
        ),
        LinkKind::Federates,
    );
    assert_eq!(irsa.confidence, Confidence::High);
    assert!(irsa.evidence.contains("eks.amazonaws.com/role-arn"));
    let owns = link(
        &batch,
        &person_id("alice@example.com"),
        &payments.id,
        LinkKind::Owns,
    );
    assert!(owns.evidence.contains("nhi.io/owner"), "{}", owns.evidence);
    let alice = identity(&batch, &person_id("alice@example.com"));
    assert_eq!(alice.kind, IdentityKind::Human);

    let reporting = identity(&batch, &sa("analytics/reporting"));
    assert_eq!(reporting.attributes["automount_token"], "false");
    assert_eq!(reporting.owners, vec!["data-platform".to_string()]);
    // `view` is not in the export: named, not invented.
    assert_eq!(
        reporting.attributes["rbac_rules"],
        "unresolved:ClusterRole/view"
    );
    link(
        &batch,
        &reporting.id,
        &identity_id(
            Provider::Gcp,
            IdentityKind::ServiceAccount,
            "reporting@acme-analytics.iam.gserviceaccount.com",
        ),
        LinkKind::Federates,
    );
    assert_eq!(
        link(
            &batch,
            &person_id("data-platform"),
            &reporting.id,
            LinkKind::Owns
        )
        .confidence,
        Confidence::Medium
    );

    let blob = identity(&batch, &sa("storage/blob-sync"));
    assert_eq!(
        blob.attributes["azure_tenant_id"],
        "72f988bf-86f1-41af-91ab-2d7cd011db47"
    );
    link(
        &batch,
        &blob.id,
        &identity_id(
            Provider::Azure,
            IdentityKind::Application,
            "7d3c1f9a-2b4e-4c6d-8e0f-1a2b3c4d5e6f",
        ),
        LinkKind::Federates,
    );

    let ci = identity(&batch, &sa("legacy/ci-bot"));
    assert_eq!(ci.attributes["rbac_rules"], "*:*; /*:*");
    assert_eq!(ci.attributes["secrets"], "ci-bot-token-x7k2p");
    assert_eq!(ci.attributes["image_pull_secrets"], "regcred");
    link(
        &batch,
        &ci.id,
        &platform_credential_id(
            Provider::Kubernetes,
            CredentialKind::GenericSecret,
            "legacy/regcred",
        ),
        LinkKind::Uses,
    );
}

#[test]
fn legacy_token_secret_is_a_long_lived_credential_of_its_service_account() {
    let batch = load("cluster_list.json");
    let id = platform_credential_id(
        Provider::Kubernetes,
        CredentialKind::KubernetesToken,
        "legacy/ci-bot-token-x7k2p",
    );
    let token = batch.credentials.iter().find(|c| c.id == id).unwrap();
    assert_eq!(token.identity, sa("legacy/ci-bot"));
    assert_eq!(token.status, LifecycleStatus::Active);
    assert_eq!(token.created, Some(ts("2021-06-01T08:00:01Z")));
    assert_eq!(token.last_used, Some(ts("2024-05-20T00:00:00Z")));
    assert_eq!(token.attributes["long_lived"], "true");
    assert_eq!(token.attributes["auto_generated"], "true");
    assert_eq!(token.attributes["data_keys"], "ca.crt,namespace,token");
    assert_eq!(
        token.attributes["secret_type"],
        "kubernetes.io/service-account-token"
    );
    let has = link(&batch, &sa("legacy/ci-bot"), &id, LinkKind::HasCredential);
    assert_eq!(has.confidence, Confidence::High);
}

#[test]
fn other_secrets_are_unowned_metadata_records_and_helm_releases_are_skipped() {
    let batch = load("cluster_list.json");
    let find = |kind, key| {
        let id = platform_credential_id(Provider::Kubernetes, kind, key);
        batch
            .credentials
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no credential {id}"))
    };
    let db = find(CredentialKind::GenericSecret, "payments/db-creds");
    assert_eq!(db.identity, "");
    assert_eq!(db.attributes["secret_type"], "Opaque");
    assert_eq!(db.attributes["data_keys"], "password,username");
    assert!(!db.attributes.contains_key("long_lived"));
    let tls = find(CredentialKind::PrivateKey, "payments/payments-tls");
    assert_eq!(tls.attributes["data_keys"], "tls.crt,tls.key");
    find(CredentialKind::GenericSecret, "legacy/regcred");
    assert!(
        !batch
            .credentials
            .iter()
            .any(|c| c.attributes["secret_type"] == "helm.sh/release.v1")
    );
    assert_eq!(batch.credentials.len(), 4);
}

#[test]
fn secret_values_never_reach_the_batch() {
    let batch = load("cluster_list.json");
    let json = serde_json::to_string(&batch).unwrap();
    let debug = format!("{batch:?}");
    for text in [&json, &debug] {
        assert!(!text.contains(PLANTED_B64));
        assert!(!text.contains(PLANTED));
        assert!(!text.contains("last-applied-configuration"));
        // the legacy token's JWT, base64-encoded in the fixture, and its prefix
        assert!(!text.contains("ZXlKaGJHY2l"));
        assert!(!text.contains("PLANTEDSIGNATURE"));
    }
    // A malformed Secret (data as a string) must not leak through a warning either.
    let bad = load("malformed_items.json");
    let text = format!("{bad:?}{}", serde_json::to_string(&bad).unwrap());
    assert!(!text.contains(PLANTED_B64), "{text}");
}

#[test]
fn workloads_run_as_their_service_account_and_use_secrets() {
    let batch = load("cluster_list.json");
    let deploy = identity(&batch, &workload("payments/Deployment/payments-api"));
    assert_eq!(deploy.account.as_deref(), Some("payments"));
    assert_eq!(deploy.attributes["workload_kind"], "Deployment");
    assert_eq!(deploy.attributes["replicas"], "3");
    assert_eq!(deploy.attributes["automount_token"], "unset");
    assert_eq!(deploy.attributes["automount_token_effective"], "true");
    assert_eq!(
        deploy.attributes["projected_token_audiences"],
        "sts.amazonaws.com"
    );
    assert_eq!(deploy.owners, vec!["bob@example.com".to_string()]);
    let runs = link(
        &batch,
        &deploy.id,
        &sa("payments/payments-api"),
        LinkKind::RunsAs,
    );
    assert_eq!(runs.evidence, "serviceAccountName payments-api");
    assert_eq!(
        runs.provenance.as_ref().unwrap().position,
        "items[17].spec.template.spec"
    );

    let db = link(
        &batch,
        &deploy.id,
        &platform_credential_id(
            Provider::Kubernetes,
            CredentialKind::GenericSecret,
            "payments/db-creds",
        ),
        LinkKind::Uses,
    );
    assert_eq!(db.confidence, Confidence::High);
    assert_eq!(
        db.evidence,
        "env DB_USER from secret db-creds key username; \
         env DB_PASSWORD from secret db-creds key password"
    );
    let tls = link(
        &batch,
        &deploy.id,
        &platform_credential_id(
            Provider::Kubernetes,
            CredentialKind::PrivateKey,
            "payments/payments-tls",
        ),
        LinkKind::Uses,
    );
    assert_eq!(tls.evidence, "volume tls mounts secret payments-tls");

    // No serviceAccountName: the namespace's `default`; a secret outside the export is
    // still linked, at lower confidence; zero replicas reads as inactive.
    let worker = identity(&batch, &workload("analytics/Deployment/report-worker"));
    assert_eq!(worker.status, LifecycleStatus::Inactive);
    let runs = link(
        &batch,
        &worker.id,
        &sa("analytics/default"),
        LinkKind::RunsAs,
    );
    assert!(runs.evidence.contains("runs as default"));
    let dsn = link(
        &batch,
        &worker.id,
        &platform_credential_id(
            Provider::Kubernetes,
            CredentialKind::GenericSecret,
            "analytics/warehouse-dsn",
        ),
        LinkKind::Uses,
    );
    assert_eq!(dsn.confidence, Confidence::Medium);
    assert!(dsn.evidence.contains("envFrom secret warehouse-dsn"));
    assert!(dsn.evidence.contains("not in this export"));
}

#[test]
fn pods_of_exported_deployments_fold_and_standalone_pods_stay() {
    let batch = load("cluster_list.json");
    let pods: Vec<&Identity> = batch
        .identities
        .iter()
        .filter(|i| i.attributes.get("workload_kind").map(String::as_str) == Some("Pod"))
        .collect();
    assert_eq!(pods.len(), 1, "{pods:#?}");
    let debug = pods[0];
    assert_eq!(debug.id, workload("legacy/Pod/debug-shell"));
    assert_eq!(debug.attributes["automount_token"], "false");
    assert_eq!(debug.attributes["automount_token_effective"], "false");
    assert_eq!(debug.attributes["phase"], "Running");
    link(&batch, &debug.id, &sa("legacy/ci-bot"), LinkKind::RunsAs);
}

#[test]
fn bindings_become_grants_for_service_accounts_users_and_groups() {
    let batch = load("cluster_list.json");
    let admin = batch
        .grants
        .iter()
        .find(|g| g.identity == sa("legacy/ci-bot"))
        .unwrap();
    assert_eq!(admin.kind, GrantKind::RoleBinding);
    assert_eq!(admin.role, "ClusterRole/cluster-admin");
    assert_eq!(admin.scope, "cluster");
    assert_eq!(admin.via.as_deref(), Some("binding:ci-bot-admin"));
    assert_eq!(admin.condition, None);
    assert_eq!(admin.provenance.position, "items[14].subjects[0]");

    let reader = batch
        .grants
        .iter()
        .find(|g| g.identity == sa("payments/payments-api"))
        .unwrap();
    assert_eq!(
        (reader.role.as_str(), reader.scope.as_str()),
        ("Role/secret-reader", "payments")
    );

    let group_id = identity_id(
        Provider::Kubernetes,
        IdentityKind::Unknown,
        "Group:platform-admins",
    );
    let group = identity(&batch, &group_id);
    assert_eq!(group.attributes["subject_kind"], "Group");
    assert_eq!(group.attributes["rbac_rules"], "*:*; /*:*");
    let user_id = identity_id(
        Provider::Kubernetes,
        IdentityKind::Unknown,
        "User:alice@example.com",
    );
    assert!(
        batch.grants.iter().any(|g| g.identity == user_id
            && g.role == "Role/secret-reader"
            && g.scope == "payments")
    );
    assert_eq!(batch.grants.len(), 5);
}

#[test]
fn unread_kinds_are_summarised_once() {
    let batch = load("cluster_list.json");
    assert_eq!(batch.warnings.len(), 1, "{:#?}", batch.warnings);
    assert!(batch.warnings[0].message.contains("ConfigMap (1)"));
}

#[test]
fn malformed_items_warn_with_their_position_and_the_rest_loads() {
    let batch = load("malformed_items.json");
    let at = |position: &str| {
        batch
            .warnings
            .iter()
            .find(|w| w.position == position)
            .unwrap_or_else(|| panic!("no warning at {position}: {:#?}", batch.warnings))
    };
    assert_eq!(at("items[1]").file, "malformed_items.json");
    assert!(at("items[2]").message.contains("ServiceAccount skipped"));
    assert!(at("items[3]").message.contains("Secret skipped"));
    assert!(
        at("items[4].metadata.creationTimestamp")
            .message
            .contains("timestamp")
    );
    at("items[5].metadata.name");
    let names: Vec<&str> = batch.identities.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["ok-sa", "late-sa"]);
    assert_eq!(batch.identities[1].created, None);
}

#[test]
fn truncated_json_is_an_error_naming_file_line_and_column() {
    let err = ingest("truncated.json", &fixture("truncated.json")).unwrap_err();
    match &err {
        Error::Json {
            file, line, column, ..
        } => {
            assert_eq!(file, "truncated.json");
            assert!(*line > 100, "line {line}");
            assert!(*column > 0);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("truncated.json:"));
}

#[test]
fn unreadable_tops_are_errors() {
    assert!(matches!(
        ingest("bad.json", b"{\"a\": \xff}"),
        Err(Error::InvalidUtf8 { offset: 6, .. })
    ));
    assert!(matches!(
        ingest("n.json", b"42"),
        Err(Error::UnexpectedShape { .. })
    ));
    assert!(matches!(
        ingest("o.json", br#"{"foo": 1}"#),
        Err(Error::UnexpectedShape { .. })
    ));
    // A wrong-typed `items` quotes nothing from the input.
    let err = ingest("s.json", br#"{"kind": "List", "items": "c2VjcmV0"}"#).unwrap_err();
    assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
}

#[test]
fn typed_lists_single_objects_and_cluster_metadata() {
    let batch = load("serviceaccount_list.json");
    let builder = identity(&batch, &sa("ci/builder"));
    assert_eq!(builder.attributes["cluster"], "prod-eu-1");
    assert_eq!(builder.account.as_deref(), Some("ci"));
    assert_eq!(builder.owners, vec!["carol@example.com".to_string()]);

    let batch = load("single_sa.json");
    let solo = identity(&batch, &sa("tools/solo"));
    assert_eq!(solo.attributes["automount_token"], "true");
    assert_eq!(solo.provenance[0].position, "$");
    assert_eq!(
        solo.provenance[0].source,
        ExportKind::SingleObject.command()
    );
}

#[test]
fn a_bare_array_and_an_empty_list_load() {
    let batch = ingest(
        "arr.json",
        br#"[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"b"}}]"#,
    )
    .unwrap();
    assert_eq!(batch.identities[0].provenance[0].position, "[0]");
    let empty = ingest(
        "e.json",
        br#"{"apiVersion":"v1","items":[],"kind":"List","metadata":{"resourceVersion":""}}"#,
    )
    .unwrap();
    assert!(empty.is_empty() && empty.warnings.is_empty());
}

#[test]
fn objects_fold_only_into_owners_the_export_holds() {
    let json = br#"{"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "batch/v1", "kind": "CronJob",
       "metadata": {"name": "nightly", "namespace": "ops"},
       "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
         "serviceAccountName": "backup",
         "containers": [{"name": "b", "env": [{"name": "TOKEN",
           "valueFrom": {"secretKeyRef": {"name": "backup-token", "key": "t"}}}]}]}}}}}},
      {"apiVersion": "batch/v1", "kind": "Job",
       "metadata": {"name": "nightly-28391234", "namespace": "ops",
         "ownerReferences": [{"kind": "CronJob", "name": "nightly"}]},
       "spec": {"template": {"spec": {"serviceAccountName": "backup"}}}},
      {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "nightly-28391234-abcde", "namespace": "ops",
         "ownerReferences": [{"kind": "Job", "name": "nightly-28391234"}]},
       "spec": {"serviceAccountName": "backup"}},
      {"apiVersion": "apps/v1", "kind": "StatefulSet",
       "metadata": {"name": "db", "namespace": "ops"},
       "spec": {"replicas": 1, "template": {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}}},
      {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "db-0", "namespace": "ops",
         "ownerReferences": [{"kind": "StatefulSet", "name": "db"}]},
       "spec": {}},
      {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "orphan-6d4cf56db6-x1y2z", "namespace": "ops",
         "ownerReferences": [{"kind": "ReplicaSet", "name": "orphan-6d4cf56db6"}]},
       "spec": {"serviceAccountName": "orphan"}}
    ]}"#;
    let batch = ingest("owners.json", json).unwrap();
    let mut ids: Vec<&str> = batch.identities.iter().map(|i| i.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            workload("ops/CronJob/nightly").as_str(),
            workload("ops/Pod/orphan-6d4cf56db6-x1y2z").as_str(),
            workload("ops/StatefulSet/db").as_str(),
        ]
    );
    let cron = identity(&batch, &workload("ops/CronJob/nightly"));
    assert_eq!(cron.attributes["schedule"], "0 3 * * *");
    link(&batch, &cron.id, &sa("ops/backup"), LinkKind::RunsAs);
    let token = link(
        &batch,
        &cron.id,
        &platform_credential_id(
            Provider::Kubernetes,
            CredentialKind::GenericSecret,
            "ops/backup-token",
        ),
        LinkKind::Uses,
    );
    assert_eq!(
        token.provenance.as_ref().unwrap().position,
        "items[0].spec.jobTemplate.spec.template.spec"
    );
    let orphan = identity(&batch, &workload("ops/Pod/orphan-6d4cf56db6-x1y2z"));
    assert_eq!(
        orphan.attributes["owner_ref"],
        "ReplicaSet/orphan-6d4cf56db6"
    );
    let db = identity(&batch, &workload("ops/StatefulSet/db"));
    assert!(
        link(
            &batch,
            &db.id,
            &platform_credential_id(
                Provider::Kubernetes,
                CredentialKind::GenericSecret,
                "ops/regcred",
            ),
            LinkKind::Uses
        )
        .evidence
        .starts_with("imagePullSecrets regcred")
    );
}
