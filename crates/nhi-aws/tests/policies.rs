//! SCPs (`describe-policy`, `list-targets-for-policy`) and resource policies, read as
//! the AWS CLI prints them.

use std::path::PathBuf;

use nhi_aws::{AwsExportData, AwsExportKind, parse, sniff};

fn read(name: &str) -> (AwsExportKind, nhi_aws::AwsExport) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let kind = sniff(&bytes).unwrap_or_else(|| panic!("{name} not recognised"));
    (kind, parse(kind, name, &bytes).unwrap())
}

#[test]
fn describe_policy_gives_the_scp_and_its_decoded_content() {
    let (kind, export) = read("scp_deny_iam_writes.json");
    assert_eq!(kind, AwsExportKind::DescribePolicy);
    let AwsExportData::DescribePolicy(policy) = export.data else {
        panic!("{:?}", export.data)
    };
    assert_eq!(policy.id, "p-denyiam1234");
    assert_eq!(policy.name.as_deref(), Some("DenyIamWrites"));
    assert!(policy.is_scp());
    let document = policy.document.unwrap();
    assert_eq!(document.statement.len(), 1);
    assert_eq!(
        document.statement[0].action.as_deref(),
        Some(&["iam:*".to_string(), "sts:AssumeRole".to_string()][..])
    );
    assert!(export.warnings.is_empty());
}

#[test]
fn targets_list_roots_ous_and_accounts() {
    let (kind, export) = read("scp_ou_only.targets.json");
    assert_eq!(kind, AwsExportKind::ListTargetsForPolicy);
    let AwsExportData::ListTargetsForPolicy(targets) = export.data else {
        panic!()
    };
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].target_type, "ORGANIZATIONAL_UNIT");
    assert_eq!(targets[0].target_id, "ou-exam-pleouid1");
}

#[test]
fn a_bucket_policy_is_placed_on_its_bucket_from_the_statements() {
    let (kind, export) = read("resource_policy_bucket.json");
    assert_eq!(kind, AwsExportKind::ResourcePolicy);
    let AwsExportData::ResourcePolicy(Some(policy)) = export.data else {
        panic!("{:?}", export.data)
    };
    assert_eq!(policy.resource_arn, "arn:aws:s3:::example-reports");
}

#[test]
fn a_secret_policy_names_its_secret_and_a_queue_policy_its_queue() {
    let (_, export) = read("resource_policy_secret.json");
    let AwsExportData::ResourcePolicy(Some(policy)) = export.data else {
        panic!()
    };
    assert_eq!(
        policy.resource_arn,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
    );
    let (_, export) = read("resource_policy_queue.json");
    let AwsExportData::ResourcePolicy(Some(policy)) = export.data else {
        panic!()
    };
    assert_eq!(
        policy.resource_arn,
        "arn:aws:sqs:us-east-1:123456789012:jobs"
    );
}

#[test]
fn a_key_policy_cannot_be_placed_and_says_so() {
    let (_, export) = read("resource_policy_key.json");
    assert!(matches!(export.data, AwsExportData::ResourcePolicy(None)));
    assert_eq!(export.warnings.len(), 1);
    assert!(
        export.warnings[0]
            .message
            .contains("does not name its resource"),
        "{}",
        export.warnings[0]
    );
}

#[test]
fn unreadable_content_is_a_warning_not_an_error() {
    let text = r#"{"Policy":{"PolicySummary":{"Id":"p-1","Type":"SERVICE_CONTROL_POLICY"},"Content":"{not json"}}"#;
    let export = parse(AwsExportKind::DescribePolicy, "scp.json", text.as_bytes()).unwrap();
    let AwsExportData::DescribePolicy(policy) = export.data else {
        panic!()
    };
    assert!(policy.document.is_none());
    assert_eq!(export.warnings[0].position, "Policy.Content");
}
