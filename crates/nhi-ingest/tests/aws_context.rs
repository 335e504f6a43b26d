//! SCPs and resource policies read in the same run as a GAAD take part in its
//! evaluation, whatever the file order; what cannot be placed is a warning and is not
//! applied (permissions are over-, never under-reported).

use std::path::PathBuf;

use nhi_ingest::{ImportRun, Read};
use nhi_model::InventoryBatch;

const GAAD: &str = r#"{
  "UserDetailList": [
    {"Path": "/", "UserName": "admin-bot", "UserId": "AIDAEXAMPLEADMIN0001",
     "Arn": "arn:aws:iam::123456789012:user/admin-bot", "CreateDate": "2024-01-01T00:00:00Z",
     "UserPolicyList": [{"PolicyName": "everything", "PolicyDocument":
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}],
     "GroupList": [], "AttachedManagedPolicies": [], "Tags": []},
    {"Path": "/", "UserName": "report-bot", "UserId": "AIDAEXAMPLEREPORT001",
     "Arn": "arn:aws:iam::123456789012:user/report-bot", "CreateDate": "2024-01-01T00:00:00Z",
     "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": [], "Tags": []}
  ],
  "GroupDetailList": [], "RoleDetailList": [], "Policies": []
}"#;

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../nhi-aws/tests/fixtures")
        .join(name);
    (
        path.display().to_string(),
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
}

/// Reads the GAAD and `context` files in the given order; returns the GAAD's batch.
fn run(gaad_first: bool, context: &[&str]) -> InventoryBatch {
    let mut run = ImportRun::default();
    let files: Vec<(String, Vec<u8>)> = context.iter().map(|name| fixture(name)).collect();
    if gaad_first {
        assert!(matches!(
            run.read("gaad.json", GAAD.as_bytes()).unwrap(),
            Read::Deferred(_)
        ));
    }
    for (label, bytes) in &files {
        assert!(
            matches!(run.read(label, bytes).unwrap(), Read::Context(..)),
            "{label}"
        );
    }
    if !gaad_first {
        run.read("gaad.json", GAAD.as_bytes()).unwrap();
    }
    let mut finished = run.finish();
    assert_eq!(finished.len(), 1);
    finished.pop().unwrap().2
}

fn attribute<'a>(batch: &'a InventoryBatch, user: &str, key: &str) -> Option<&'a str> {
    batch
        .identities
        .iter()
        .find(|i| i.name == user)
        .unwrap_or_else(|| panic!("no identity {user}"))
        .attributes
        .get(key)
        .map(String::as_str)
}

#[test]
fn without_context_the_admin_is_admin_and_the_report_bot_reaches_nothing() {
    let batch = run(true, &[]);
    assert_eq!(
        attribute(&batch, "admin-bot", "privilege_tier"),
        Some("admin")
    );
    assert_eq!(attribute(&batch, "report-bot", "sensitive_access"), None);
}

#[test]
fn a_root_scp_denying_iam_removes_admin_and_escalation_in_either_file_order() {
    for gaad_first in [true, false] {
        let batch = run(
            gaad_first,
            &[
                "scp_deny_iam_writes.json",
                "scp_deny_iam_writes.targets.json",
            ],
        );
        let tier = attribute(&batch, "admin-bot", "privilege_tier").unwrap();
        // Other services' permissions-management actions (s3:PutBucketPolicy…) remain.
        assert_eq!(tier, "permissions_management", "gaad_first={gaad_first}");
        let evidence = attribute(&batch, "admin-bot", "escalation_evidence").unwrap_or("");
        assert!(
            !evidence.contains("iam:"),
            "IAM escalations survive the SCP: {evidence}"
        );
        assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    }
}

#[test]
fn an_scp_on_an_ou_or_without_targets_is_not_applied_and_warns() {
    let batch = run(true, &["scp_ou_only.json", "scp_ou_only.targets.json"]);
    assert_eq!(
        attribute(&batch, "admin-bot", "privilege_tier"),
        Some("admin")
    );
    assert!(
        batch
            .warnings
            .iter()
            .any(|w| w.message.contains("attached to OU ou-exam-pleouid1")),
        "{:?}",
        batch.warnings
    );
    let batch = run(true, &["scp_deny_iam_writes.json"]);
    assert_eq!(
        attribute(&batch, "admin-bot", "privilege_tier"),
        Some("admin")
    );
    assert!(
        batch
            .warnings
            .iter()
            .any(|w| w.message.contains("no targets file")),
        "{:?}",
        batch.warnings
    );
}

#[test]
fn resource_policies_grant_the_principals_they_name() {
    let batch = run(
        false,
        &["resource_policy_bucket.json", "resource_policy_secret.json"],
    );
    let sensitive = attribute(&batch, "report-bot", "sensitive_access").unwrap_or("");
    assert!(sensitive.contains("s3_read"), "{sensitive}");
    assert!(sensitive.contains("secrets_read"), "{sensitive}");
    // The services it may call, for the unused-permission rule; an admin's are all.
    let granted = attribute(&batch, "report-bot", "granted_services").unwrap_or("");
    assert_eq!(granted, "s3,secretsmanager");
    assert_eq!(attribute(&batch, "admin-bot", "granted_services"), None);
    // admin-bot is not named by either policy and gains nothing new from them.
    assert_eq!(
        attribute(&batch, "admin-bot", "privilege_tier"),
        Some("admin")
    );
}

#[test]
fn the_management_account_is_not_limited_by_scps() {
    let gaad = GAAD.replace("123456789012", "999999999999");
    let mut run = ImportRun::default();
    for name in [
        "scp_deny_iam_writes.json",
        "scp_deny_iam_writes.targets.json",
    ] {
        let (label, bytes) = fixture(name);
        run.read(&label, &bytes).unwrap();
    }
    run.read("gaad.json", gaad.as_bytes()).unwrap();
    let batch = run.finish().pop().unwrap().2;
    assert_eq!(
        attribute(&batch, "admin-bot", "privilege_tier"),
        Some("admin")
    );
}

#[test]
fn a_context_file_read_alone_adds_nothing_and_is_flagged_unused() {
    let mut run = ImportRun::default();
    let (label, bytes) = fixture("resource_policy_bucket.json");
    run.read(&label, &bytes).unwrap();
    assert!(run.unused_context());
    assert!(run.finish().is_empty());
}
