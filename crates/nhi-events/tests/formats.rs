//! Every format, every normalised field, against sample records written from each
//! provider's documented shapes.

mod common;

use common::{data, details, read_all, some, strings, ts};
use nhi_events::{FieldMapping, ReadOptions, TimeFormat};
use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};

fn origin(file: &str, position: &str) -> String {
    format!("{}:{position}", data(file).display())
}

#[test]
fn cloudtrail_s3_delivery_file() {
    let (events, stats) = read_all(&data("cloudtrail_s3.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 3);
    assert_eq!(stats.events_from(EventSource::CloudTrail), 3);
    assert_eq!(stats.missing_fields, 0);

    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::CloudTrail,
            id: some("11111111-aaaa-bbbb-cccc-000000000001"),
            time: ts("2024-05-01T10:00:00Z"),
            actor: Actor {
                principal: "arn:aws:iam::111122223333:role/ci/DeployRole".into(),
                kind: some("AssumedRole"),
                credential_id: some("ASIAEXAMPLEKEYID0001"),
                session: some("ci-deploy-42"),
                account: some("111122223333"),
                display_name: some("DeployRole"),
            },
            action: "GetObject".into(),
            service: "s3".into(),
            resources: strings(&[
                "arn:aws:s3:::prod-exports/2024/customers.csv",
                "arn:aws:s3:::prod-exports"
            ]),
            target_account: some("111122223333"),
            source_ip: some("203.0.113.10"),
            user_agent: some("[aws-cli/2.15.0 Python/3.11.6]"),
            region: some("eu-west-1"),
            outcome: Outcome::Success,
            error: None,
            bytes_out: Some(1_048_576),
            bytes_in: Some(0),
            read_only: Some(true),
            details: details(&[
                ("mfa", "false"),
                (
                    "session_issuer",
                    "arn:aws:iam::111122223333:role/ci/DeployRole"
                )
            ]),
            origin: origin("cloudtrail_s3.json", "record 1"),
        }
    );

    let assume = &events[1];
    assert_eq!(
        assume.actor.principal,
        "arn:aws:iam::111122223333:user/build-bot"
    );
    assert_eq!(assume.actor.kind.as_deref(), Some("IAMUser"));
    assert_eq!(
        assume.actor.credential_id.as_deref(),
        Some("AKIAEXAMPLEKEYID0002")
    );
    assert_eq!(assume.actor.session, None);
    assert_eq!(assume.actor.display_name.as_deref(), Some("build-bot"));
    assert_eq!(assume.action, "AssumeRole");
    assert_eq!(assume.service, "sts");
    assert_eq!(
        assume.resources,
        strings(&["arn:aws:iam::444455556666:role/CrossAccountAdmin"])
    );
    assert_eq!(
        assume.details,
        details(&[(
            "role_arn",
            "arn:aws:iam::444455556666:role/CrossAccountAdmin"
        )])
    );
    assert_eq!(assume.outcome, Outcome::Success);
    assert_eq!(assume.origin, origin("cloudtrail_s3.json", "record 2"));
    // The issued credentials in responseElements never reach the event.
    let serialized = serde_json::to_string(assume).unwrap();
    assert!(!serialized.contains("ASIAEXAMPLEISSUED001"));

    let denied = &events[2];
    assert_eq!(denied.action, "CreateAccessKey");
    assert_eq!(denied.service, "iam");
    assert_eq!(
        denied.resources,
        strings(&["arn:aws:iam::111122223333:user/admin-alice"])
    );
    assert_eq!(denied.outcome, Outcome::Failure);
    assert_eq!(
        denied.error.as_deref(),
        Some(
            "AccessDenied: User: arn:aws:iam::111122223333:user/build-bot is not authorized to perform: iam:CreateAccessKey"
        )
    );
    assert_eq!(denied.read_only, Some(false));
    assert_eq!(denied.bytes_out, None);
}

#[test]
fn cloudtrail_ndjson_identity_types_sharing_and_console_login() {
    let (events, stats) = read_all(&data("cloudtrail_lines.ndjson"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 5);

    let login = &events[0];
    assert_eq!(
        login,
        &ActivityEvent {
            source: EventSource::CloudTrail,
            id: some("22222222-0000-0000-0000-000000000001"),
            time: ts("2024-05-02T08:00:00Z"),
            actor: Actor {
                principal: "arn:aws:iam::111122223333:root".into(),
                kind: some("Root"),
                credential_id: None,
                session: None,
                account: some("111122223333"),
                display_name: None,
            },
            action: "ConsoleLogin".into(),
            service: "signin".into(),
            resources: vec![],
            target_account: some("111122223333"),
            source_ip: some("192.0.2.44"),
            user_agent: some("Mozilla/5.0"),
            region: some("us-east-1"),
            outcome: Outcome::Failure,
            error: some("Failed authentication"),
            bytes_out: None,
            bytes_in: None,
            read_only: Some(false),
            details: details(&[("console_login", "true"), ("mfa", "false")]),
            origin: origin("cloudtrail_lines.ndjson", "1"),
        }
    );

    let snapshot = &events[1];
    assert_eq!(snapshot.actor.principal, "cloudformation.amazonaws.com");
    assert_eq!(snapshot.actor.kind.as_deref(), Some("AWSService"));
    assert_eq!(snapshot.actor.account, None);
    assert_eq!(snapshot.resources, strings(&["snap-0123456789abcdef0"]));
    assert_eq!(
        snapshot.details,
        details(&[("shared_with", "999988887777,all")])
    );
    assert_eq!(snapshot.origin, origin("cloudtrail_lines.ndjson", "2"));

    let federated = &events[2];
    assert_eq!(
        federated.actor.principal,
        "arn:aws:iam::111122223333:user/federator"
    );
    assert_eq!(federated.actor.kind.as_deref(), Some("FederatedUser"));
    assert_eq!(federated.actor.session.as_deref(), Some("partner"));
    assert_eq!(
        federated.actor.credential_id.as_deref(),
        Some("ASIAEXAMPLEFEDERATED")
    );
    assert_eq!(federated.service, "rds");
    assert_eq!(federated.resources, strings(&["nightly"]));
    assert_eq!(
        federated.details,
        details(&[
            ("mfa", "true"),
            ("session_issuer", "arn:aws:iam::111122223333:user/federator"),
            ("shared_with", "999988887777,555544443333"),
        ])
    );

    let identity_center = &events[3];
    assert_eq!(
        identity_center.actor.principal,
        "94482488-3041-7026-18f3-be45837cd0e4"
    );
    assert_eq!(
        identity_center.actor.kind.as_deref(),
        Some("IdentityCenterUser")
    );
    assert_eq!(
        identity_center.actor.credential_id.as_deref(),
        Some("EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE")
    );
    assert_eq!(
        identity_center.details,
        details(&[(
            "identity_store",
            "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"
        )])
    );
    assert_eq!(identity_center.read_only, Some(true));

    let cross_account = &events[4];
    assert_eq!(cross_account.actor.principal, "AROAEXTERNALROLE0001");
    assert_eq!(cross_account.actor.session.as_deref(), Some("session-x"));
    assert_eq!(cross_account.actor.account.as_deref(), Some("999988887777"));
    assert_eq!(
        cross_account.target_account.as_deref(),
        Some("111122223333")
    );
    assert_eq!(
        cross_account.resources,
        strings(&["arn:aws:s3:::shared-data"])
    );
}

#[test]
fn cloudtrail_eventbridge_envelope() {
    let (events, stats) = read_all(
        &data("cloudtrail_eventbridge.json"),
        &ReadOptions::default(),
    );
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    // No sessionIssuer in this record: the role ARN comes from the session ARN.
    assert_eq!(
        event.actor.principal,
        "arn:aws:iam::111122223333:role/Ec2AppRole"
    );
    assert_eq!(event.actor.session.as_deref(), Some("i-0abc"));
    assert_eq!(event.action, "ModifyImageAttribute");
    assert_eq!(event.service, "ec2");
    // The detail has no eventTime: the envelope's time stands in.
    assert_eq!(event.time, ts("2024-05-03T12:00:00Z"));
    assert_eq!(event.region.as_deref(), Some("ap-southeast-2"));
    assert_eq!(event.resources, strings(&["ami-0123456789abcdef0"]));
    assert_eq!(event.details, details(&[("shared_with", "999988887777")]));
    assert_eq!(
        event.origin,
        origin("cloudtrail_eventbridge.json", "record 1")
    );
}

#[test]
fn kubernetes_audit_lines_keep_final_stages() {
    let (events, stats) = read_all(&data("k8s_audit.jsonl"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(stats.skipped_stages, 1);
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::KubernetesAudit,
            id: some("a1b2c3d4-0000-4000-8000-000000000001"),
            time: ts("2024-05-04T07:00:00.000001Z"),
            actor: Actor {
                principal: "system:serviceaccount:payments:api".into(),
                kind: some("ServiceAccount"),
                credential_id: some("JTI=0b7a3f2e-1111-4222-8333-944455556666"),
                session: None,
                account: None,
                display_name: None,
            },
            action: "get".into(),
            service: "core/secrets".into(),
            resources: strings(&["namespaces/payments/secrets/db-creds"]),
            target_account: None,
            source_ip: some("10.244.1.7"),
            user_agent: some("api/v1.2 (linux/amd64) kubernetes/abc"),
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: None,
            bytes_in: None,
            read_only: Some(true),
            details: details(&[(
                "groups",
                "system:serviceaccounts,system:serviceaccounts:payments,system:authenticated"
            )]),
            origin: origin("k8s_audit.jsonl", "2"),
        }
    );
    let exec = &events[1];
    assert_eq!(exec.actor.principal, "alice@example.com");
    assert_eq!(exec.actor.kind.as_deref(), Some("User"));
    assert_eq!(
        exec.actor.session.as_deref(),
        Some("system:serviceaccount:kube-system:admin")
    );
    assert_eq!(exec.action, "create");
    assert_eq!(exec.service, "core/pods/exec");
    assert_eq!(
        exec.resources,
        strings(&["namespaces/kube-system/pods/etcd-0/exec"])
    );
    assert_eq!(exec.source_ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(exec.outcome, Outcome::Failure);
    assert_eq!(exec.error.as_deref(), Some("Forbidden"));
    assert_eq!(exec.read_only, Some(false));

    let binding = &events[2];
    assert_eq!(
        binding.service,
        "rbac.authorization.k8s.io/clusterrolebindings"
    );
    assert_eq!(
        binding.resources,
        strings(&["clusterrolebindings/ci-admin"])
    );
    assert_eq!(binding.outcome, Outcome::Success);
    assert_eq!(binding.user_agent, None);

    let everything = ReadOptions {
        all_kubernetes_stages: true,
        ..ReadOptions::default()
    };
    let (events, stats) = read_all(&data("k8s_audit.jsonl"), &everything);
    assert_eq!(events.len(), 4);
    assert_eq!(stats.skipped_stages, 0);
    assert_eq!(events[0].outcome, Outcome::Unknown);
}

#[test]
fn kubernetes_event_list() {
    let (events, stats) = read_all(&data("k8s_eventlist.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(stats.skipped_stages, 1);
    assert_eq!(events.len(), 1);
    let health = &events[0];
    assert_eq!(health.actor.principal, "system:anonymous");
    assert_eq!(health.service, "nonResource");
    assert_eq!(health.resources, strings(&["/healthz"]));
    assert_eq!(health.id.as_deref(), Some("e1"));
    assert_eq!(health.origin, origin("k8s_eventlist.json", "record 1"));
}

#[test]
fn gcp_audit_logs_from_gcloud_json() {
    let (events, stats) = read_all(&data("gcp_audit.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::GcpAudit,
            id: some("1x2y3z4a5b6c"),
            time: ts("2024-05-05T09:00:00.987654321Z"),
            actor: Actor {
                principal: "etl-runner@prod-data-123.iam.gserviceaccount.com".into(),
                kind: some("serviceAccount"),
                credential_id: some("0123456789abcdef0123456789abcdef01234567"),
                session: None,
                account: some("prod-data-123"),
                display_name: None,
            },
            action: "google.iam.admin.v1.CreateServiceAccountKey".into(),
            service: "iam.googleapis.com".into(),
            resources: strings(&["projects/-/serviceAccounts/112233445566778899"]),
            target_account: some("prod-data-123"),
            source_ip: some("203.0.113.77"),
            user_agent: some("google-cloud-sdk gcloud/470.0.0,gzip(gfe)"),
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: None,
            bytes_in: None,
            read_only: None,
            details: details(&[("delegated_by", "bob@example.com")]),
            origin: origin("gcp_audit.json", "record 1"),
        }
    );
    let denied = &events[1];
    assert_eq!(denied.actor.principal, "carol@example.com");
    assert_eq!(denied.actor.kind.as_deref(), Some("user"));
    assert_eq!(denied.actor.account, None);
    assert_eq!(denied.outcome, Outcome::Failure);
    assert_eq!(
        denied.error.as_deref(),
        Some("PERMISSION_DENIED: carol@example.com does not have storage.objects.get access")
    );
    assert_eq!(denied.region.as_deref(), Some("europe-west1"));
}

#[test]
fn entra_service_principal_and_managed_identity_sign_ins() {
    let (events, stats) = read_all(&data("entra_signins.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::EntraSignIn,
            id: some("66ea54eb-6301-4ee5-be62-ff5a759b0100"),
            time: ts("2024-05-06T10:00:00Z"),
            actor: Actor {
                principal: "3f1e9b2a-1111-4222-8333-444455556666".into(),
                kind: some("servicePrincipal"),
                credential_id: some("b1c2d3e4-5555-4666-8777-888899990000"),
                session: None,
                account: some("72f988bf-0000-4000-8000-000000000001"),
                display_name: some("payments-sync"),
            },
            action: "signIn".into(),
            service: "entra".into(),
            resources: strings(&["00000003-0000-0000-c000-000000000000"]),
            target_account: some("72f988bf-0000-4000-8000-000000000001"),
            source_ip: some("203.0.113.5"),
            user_agent: None,
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: None,
            bytes_in: None,
            read_only: None,
            details: details(&[
                ("client_credential_type", "clientSecret"),
                ("location", "Amsterdam, Noord-Holland, NL"),
                ("resource_display_name", "Microsoft Graph"),
            ]),
            origin: origin("entra_signins.json", "record 1"),
        }
    );
    let managed = &events[1];
    assert_eq!(
        managed.actor.principal,
        "0e1f2a3b-bbbb-4ccc-8ddd-eeeeffff0000"
    );
    assert_eq!(managed.actor.kind.as_deref(), Some("managedIdentity"));
    assert_eq!(
        managed.actor.display_name.as_deref(),
        Some("vm-batch-identity")
    );
    assert_eq!(managed.actor.credential_id, None);
    assert_eq!(managed.source_ip, None);
    assert_eq!(managed.outcome, Outcome::Failure);
    assert_eq!(
        managed.error.as_deref(),
        Some("AADSTS7000215: Invalid client secret provided.")
    );
    assert_eq!(
        managed.details.get("msi_type").map(String::as_str),
        Some("userAssigned")
    );
    assert_eq!(
        managed
            .details
            .get("associated_resource_id")
            .map(String::as_str),
        Some(
            "/subscriptions/0000/resourceGroups/batch/providers/Microsoft.Compute/virtualMachines/vm1"
        )
    );
}

#[test]
fn github_audit_log_array() {
    let (events, stats) = read_all(&data("github_audit.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::GithubAudit,
            id: some("Xy1Zab2Cde3FghIJ4kLmNo"),
            time: ts("2024-05-06T12:53:20Z"),
            actor: Actor {
                principal: "deploy-bot[bot]".into(),
                kind: some("Bot"),
                credential_id: None,
                session: None,
                account: some("example-org"),
                display_name: None,
            },
            action: "git.clone".into(),
            service: "git".into(),
            resources: strings(&["example-org/payments"]),
            target_account: None,
            source_ip: some("198.51.100.33"),
            user_agent: some("git/2.44.0"),
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: None,
            bytes_in: None,
            read_only: Some(true),
            details: details(&[(
                "programmatic_access_type",
                "GitHub App server-to-server token"
            )]),
            origin: origin("github_audit.json", "record 1"),
        }
    );
    let member = &events[1];
    assert_eq!(member.actor.principal, "octocat");
    assert_eq!(member.actor.kind.as_deref(), Some("User"));
    assert_eq!(member.actor.credential_id.as_deref(), Some("987654"));
    assert_eq!(member.service, "org");
    assert_eq!(member.resources, strings(&["new-hire"]));
    assert_eq!(member.time, ts("2024-05-06T12:54:20Z"));
    assert_eq!(member.read_only, None);
    assert_eq!(
        member.details,
        details(&[
            ("operation_type", "create"),
            (
                "programmatic_access_type",
                "Personal access token (classic)"
            )
        ])
    );
}

#[test]
fn okta_system_log_array() {
    let (events, stats) = read_all(&data("okta_logs.json"), &ReadOptions::default());
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::OktaSystemLog,
            id: some("dc9fd3c0-598c-11ef-8478-2b7584bf8d5a"),
            time: ts("2024-05-07T11:00:00.123Z"),
            actor: Actor {
                principal: "0oa1b2c3d4EXAMPLE5d7".into(),
                kind: some("PublicClientApp"),
                credential_id: None,
                session: some("trs-EXAMPLEsession"),
                account: None,
                display_name: some("Reporting Service"),
            },
            action: "app.oauth2.as.token.grant.access_token".into(),
            service: "app".into(),
            resources: strings(&["aus1abcdEXAMPLE"]),
            target_account: None,
            source_ip: some("192.0.2.200"),
            user_agent: some("okta-sdk-java/8.2.0"),
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: None,
            bytes_in: None,
            read_only: None,
            details: details(&[
                ("alternate_id", "reporting-service"),
                ("credential_type", "CLIENT_SECRET")
            ]),
            origin: origin("okta_logs.json", "record 1"),
        }
    );
    let failed = &events[1];
    assert_eq!(failed.outcome, Outcome::Failure);
    assert_eq!(failed.error.as_deref(), Some("INVALID_CREDENTIALS"));
    assert_eq!(failed.service, "user");
    assert!(failed.resources.is_empty());
}

fn billing_mapping() -> FieldMapping {
    FieldMapping {
        time: some("ts"),
        time_format: TimeFormat::UnixMillis,
        principal: some("caller.id"),
        action: some("op"),
        service: some("svc"),
        resource: some("paths"),
        source_ip: some("caller.ip"),
        user_agent: some("ua"),
        outcome: some("result"),
        success_value: some("ok"),
        error: some("err"),
        bytes_out: some("bytes"),
        id: some("req_id"),
        ..FieldMapping::default()
    }
}

#[test]
fn mapped_json_lines() {
    let options = ReadOptions {
        mapping: Some(billing_mapping()),
        ..ReadOptions::default()
    };
    let (events, stats) = read_all(&data("mapped.jsonl"), &options);
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        ActivityEvent {
            source: EventSource::JsonLines,
            id: some("r-1"),
            time: ts("2024-05-07T16:40:00.123Z"),
            actor: Actor {
                principal: "svc-billing".into(),
                ..Actor::default()
            },
            action: "vault.read".into(),
            service: "vault".into(),
            resources: strings(&["secret/billing", "secret/shared"]),
            target_account: None,
            source_ip: some("10.1.2.3"),
            user_agent: some("vault-agent/1.16"),
            region: None,
            outcome: Outcome::Success,
            error: None,
            bytes_out: Some(512),
            bytes_in: None,
            read_only: None,
            details: Default::default(),
            origin: origin("mapped.jsonl", "1"),
        }
    );
    assert_eq!(events[1].outcome, Outcome::Failure);
    assert_eq!(events[1].error.as_deref(), Some("permission denied"));
    assert_eq!(events[1].resources, strings(&["secret/billing"]));

    // Without a mapping the same lines are counted, positioned unknown records.
    let (events, stats) = read_all(&data("mapped.jsonl"), &ReadOptions::default());
    assert!(events.is_empty());
    assert_eq!(stats.unknown_records, 2);
    assert_eq!(stats.warnings[1].location, origin("mapped.jsonl", "2"));
}

#[test]
fn field_mapping_loads_from_config_and_validates() {
    let mapping: FieldMapping = serde_json::from_str(
        r#"{"time":"ts","time_format":"unix_seconds","principal":"who","action":"what"}"#,
    )
    .unwrap();
    assert_eq!(mapping.time_format, TimeFormat::UnixSeconds);
    assert!(mapping.validate().is_ok());
    assert!(serde_json::from_str::<FieldMapping>(r#"{"principle":"who"}"#).is_err());
    assert!(FieldMapping::default().validate().is_err());
    let broken = FieldMapping {
        action: some("a..b"),
        ..FieldMapping::default()
    };
    assert!(broken.validate().is_err());
}

#[test]
fn every_format_also_reads_as_json_lines_and_single_objects() {
    let lines = [
        r#"{"insertId":"g1","protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"ci@proj-1.iam.gserviceaccount.com"},"methodName":"SetIamPolicy","serviceName":"cloudresourcemanager.googleapis.com","resourceName":"projects/proj-1"},"resource":{"labels":{"project_id":"proj-1"}},"timestamp":"2024-05-05T00:00:00Z"}"#,
        r#"{"id":"s1","createdDateTime":"2024-05-06T00:00:00Z","userId":"d1e2f3a4-0000-4000-8000-000000000009","userPrincipalName":"erin@example.com","appId":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","appDisplayName":"Microsoft Azure CLI","ipAddress":"192.0.2.1","status":{"errorCode":50126,"failureReason":"Invalid username or password."}}"#,
        r#"{"@timestamp":1715000000000,"_document_id":"d1","action":"personal_access_token.access_granted","actor":"octocat","org":"example-org","token_id":42,"created_at":1715000000000}"#,
        r#"{"uuid":"o2","published":"2024-05-07T00:00:00Z","eventType":"system.api_token.create","actor":{"id":"00u2","type":"User","displayName":"Frank"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00T1","type":"Token"}]}"#,
    ];
    let mut events = Vec::new();
    let stats = nhi_events::read_reader(
        lines.join("\n").as_bytes(),
        "-",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    let summary: Vec<(EventSource, &str, &str, &str)> = events
        .iter()
        .map(|event| {
            (
                event.source,
                event.actor.principal.as_str(),
                event.action.as_str(),
                event.origin.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                EventSource::GcpAudit,
                "ci@proj-1.iam.gserviceaccount.com",
                "SetIamPolicy",
                "-:1"
            ),
            (
                EventSource::EntraSignIn,
                "d1e2f3a4-0000-4000-8000-000000000009",
                "signIn",
                "-:2"
            ),
            (
                EventSource::GithubAudit,
                "octocat",
                "personal_access_token.access_granted",
                "-:3"
            ),
            (
                EventSource::OktaSystemLog,
                "00u2",
                "system.api_token.create",
                "-:4"
            ),
        ]
    );
    // A v1.0 user sign-in: no signInEventTypes, so no kind is claimed.
    assert_eq!(events[1].actor.kind, None);
    assert_eq!(
        events[1].actor.display_name.as_deref(),
        Some("erin@example.com")
    );
    assert_eq!(
        events[1].error.as_deref(),
        Some("AADSTS50126: Invalid username or password.")
    );
    assert_eq!(events[2].actor.credential_id.as_deref(), Some("42"));
    assert_eq!(events[3].resources, strings(&["00T1"]));

    // A pretty-printed single object is a one-record document.
    let single =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(lines[1]).unwrap())
            .unwrap();
    let mut events = Vec::new();
    nhi_events::read_reader(
        single.as_bytes(),
        "one.json",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id.as_deref(), Some("s1"));
    assert_eq!(events[0].origin, "one.json:record 1");
}

/// Tags every record whose raw JSON names an event, the way a Sigma rule set would.
#[derive(Debug)]
struct NameTagger;

impl nhi_events::RecordTagger for NameTagger {
    fn tags(&self, record_json: &str) -> Vec<String> {
        ["ConsoleLogin", "ModifySnapshotAttribute"]
            .iter()
            .filter(|name| {
                record_json.contains(&format!("\"eventName\":\"{name}\""))
                    || record_json.contains(&format!("\"eventName\": \"{name}\""))
            })
            .map(|name| format!("rule-{name}"))
            .collect()
    }
}

#[test]
fn a_tagger_sees_raw_cloudtrail_records_and_its_tags_join_the_details() {
    let options = ReadOptions {
        tagger: Some(std::sync::Arc::new(NameTagger)),
        ..ReadOptions::default()
    };
    let (events, _) = read_all(&data("cloudtrail_lines.ndjson"), &options);
    let tagged: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| {
            e.details
                .get("tags")
                .map(|t| (e.action.as_str(), t.as_str()))
        })
        .collect();
    assert!(!tagged.is_empty());
    for (action, tags) in &tagged {
        assert_eq!(*tags, format!("rule-{action}"));
    }
    let (plain, _) = read_all(&data("cloudtrail_lines.ndjson"), &ReadOptions::default());
    assert!(plain.iter().all(|e| !e.details.contains_key("tags")));
}
