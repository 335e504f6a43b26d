//! End-to-end parsing of hand-written fixtures in the exact shapes AWS writes.

use nhi_aws::{AwsError, AwsExport, AwsExportData, AwsExportKind, Effect, Principal, parse, sniff};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn load(kind: AwsExportKind, name: &str) -> AwsExport {
    parse(kind, name, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ts(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn sniff_recognises_every_fixture() {
    use AwsExportKind::*;
    let cases = [
        ("gaad_cli.json", AccountAuthorizationDetails),
        ("gaad_urlencoded.json", AccountAuthorizationDetails),
        ("gaad_malformed_policy.json", AccountAuthorizationDetails),
        ("gaad_truncated.json", AccountAuthorizationDetails),
        ("credential_report.csv", CredentialReport),
        ("credential_report_degraded.csv", CredentialReport),
        ("credential_report_cli.json", CredentialReport),
        ("list_access_keys.json", ListAccessKeys),
        ("access_key_last_used.json", AccessKeyLastUsed),
        ("access_key_last_used_never.json", AccessKeyLastUsed),
        ("list_secrets.json", ListSecrets),
        ("list_accounts.json", ListAccounts),
    ];
    for (name, expected) in cases {
        assert_eq!(sniff(&fixture(name)), Some(expected), "{name}");
    }
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b"{\"Users\": []}"), None);
    assert_eq!(sniff(b"name,value\n"), None);
    assert_eq!(sniff(b"\xEF\xBB\xBF{\"Accounts\": []}"), Some(ListAccounts));
    // The shapes recognised by one key inside another (the sniffer looks for its marker
    // keys before parsing; each of these must still get through).
    assert_eq!(
        sniff(br#"{"Policy": "{\"Version\": \"2012-10-17\", \"Statement\": []}"}"#),
        Some(ResourcePolicy)
    );
    assert_eq!(
        sniff(br#"{"Attributes": {"Policy": "{}"}}"#),
        Some(ResourcePolicy)
    );
    assert_eq!(
        sniff(br#"{"Policy": {"PolicySummary": {"Id": "p-1"}, "Content": "{}"}}"#),
        Some(DescribePolicy)
    );
    assert_eq!(
        sniff(br#"[{"UserName": "ci", "AccessKeyLastUsed": {"Region": "N/A"}}]"#),
        Some(AccessKeyLastUsed)
    );
    assert_eq!(
        sniff(br#"{"name": "web", "dependencies": {"left-pad": "1.0.0"}}"#),
        None
    );
    // Plain `list-policies` output has `Policies` but no version documents.
    assert_eq!(
        sniff(br#"{"Policies": [{"PolicyName": "x", "Arn": "arn:aws:iam::aws:policy/x"}]}"#),
        None
    );
}

fn gaad(export: &AwsExport) -> &nhi_aws::AuthorizationDetails {
    match &export.data {
        AwsExportData::AccountAuthorizationDetails(details) => details,
        other => panic!("expected GAAD, got {other:?}"),
    }
}

fn check_gaad_content(export: &AwsExport) {
    let details = gaad(export);
    assert_eq!(details.users.len(), 2);
    assert_eq!(details.groups.len(), 1);
    assert_eq!(details.roles.len(), 2);
    assert_eq!(details.policies.len(), 2);

    let deployer = &details.users[0];
    assert_eq!(deployer.user_name, "ci-deployer");
    assert_eq!(deployer.user_id.as_deref(), Some("AIDAFAKEFAKEFAKE00001"));
    assert_eq!(deployer.create_date, Some(ts("2021-03-04T10:11:12Z")));
    assert_eq!(deployer.group_list, vec!["deployers".to_string()]);
    assert_eq!(deployer.tags[0].key, "owner");
    assert_eq!(
        deployer
            .permissions_boundary
            .as_ref()
            .and_then(|b| b.permissions_boundary_arn.as_deref()),
        Some("arn:aws:iam::123456789012:policy/ReadOnlyEc2S3")
    );
    let inline = deployer.user_policy_list[0]
        .policy_document
        .as_ref()
        .expect("inline doc");
    assert_eq!(inline.version.as_deref(), Some("2012-10-17"));
    assert_eq!(inline.statement.len(), 2);
    assert_eq!(inline.statement[1].effect, Effect::Deny);
    assert_eq!(
        inline.statement[1].not_action.as_deref(),
        Some(&["s3:*".to_string()][..])
    );
    assert_eq!(
        inline.statement[1].not_resource.as_ref().map(Vec::len),
        Some(2)
    );
    // `+00:00` and `Z` dates land on the same instant type.
    assert_eq!(
        details.users[1].create_date,
        Some(ts("2019-07-01T08:00:00Z"))
    );

    let ec2 = &details.roles[0];
    let trust = ec2
        .assume_role_policy_document
        .as_ref()
        .expect("trust policy");
    match &trust.statement[0].principal {
        Some(Principal::ByType(map)) => {
            assert_eq!(map["Service"], vec!["ec2.amazonaws.com".to_string()])
        }
        other => panic!("unexpected principal {other:?}"),
    }
    assert_eq!(
        ec2.instance_profile_list[0].instance_profile_name,
        "EC2role"
    );
    assert!(
        ec2.instance_profile_list[0].roles[0]
            .assume_role_policy_document
            .is_some()
    );
    let last_used = ec2.role_last_used.as_ref().expect("role last used");
    assert_eq!(last_used.last_used_date, Some(ts("2024-05-06T07:08:09Z")));
    assert_eq!(last_used.region.as_deref(), Some("us-east-1"));

    let vendor = &details.roles[1];
    let vendor_trust = vendor
        .assume_role_policy_document
        .as_ref()
        .expect("vendor trust");
    // A single statement object (not a list) is accepted.
    assert_eq!(vendor_trust.statement.len(), 1);
    assert!(vendor_trust.statement[0].condition.is_some());
    assert_eq!(
        vendor
            .role_last_used
            .as_ref()
            .and_then(|r| r.last_used_date),
        None
    );

    let ro = &details.policies[0];
    assert_eq!(ro.policy_name.as_deref(), Some("ReadOnlyEc2S3"));
    assert_eq!(ro.default_version_id.as_deref(), Some("v2"));
    assert_eq!(ro.attachment_count, Some(1));
    assert_eq!(ro.is_attachable, Some(true));
    assert_eq!(ro.policy_version_list.len(), 2);
    let default_doc = ro.default_document().expect("default version document");
    assert_eq!(default_doc.statement[0].sid.as_deref(), Some("ReadOnly"));
    assert_eq!(
        details.policies[1].policy_name.as_deref(),
        Some("AdministratorAccess")
    );
}

#[test]
fn gaad_cli_form_loads_fully() {
    let export = load(AwsExportKind::AccountAuthorizationDetails, "gaad_cli.json");
    assert_eq!(export.warnings, vec![]);
    check_gaad_content(&export);
    assert_eq!(
        gaad(&export).policies[0].policy_id.as_deref(),
        Some("ANPAFAKEFAKEFAKE00001")
    );
}

#[test]
fn gaad_url_encoded_documents_and_moto_policies_load_the_same() {
    let encoded = load(
        AwsExportKind::AccountAuthorizationDetails,
        "gaad_urlencoded.json",
    );
    assert_eq!(encoded.warnings, vec![]);
    check_gaad_content(&encoded);
    // Names were derived from the ARN; the ID is genuinely unknown.
    assert_eq!(gaad(&encoded).policies[0].policy_id, None);
    let cli = load(AwsExportKind::AccountAuthorizationDetails, "gaad_cli.json");
    assert_eq!(gaad(&encoded).roles, gaad(&cli).roles);
    assert_eq!(gaad(&encoded).users, gaad(&cli).users);
}

#[test]
fn malformed_policy_documents_warn_with_json_path_and_the_rest_loads() {
    let export = load(
        AwsExportKind::AccountAuthorizationDetails,
        "gaad_malformed_policy.json",
    );
    let details = gaad(&export);
    assert_eq!(details.roles.len(), 5);
    assert_eq!(details.users.len(), 2);
    let positions: Vec<&str> = export
        .warnings
        .iter()
        .map(|w| w.position.as_str())
        .collect();
    assert_eq!(
        positions,
        vec![
            "UserDetailList[0].UserPolicyList[1].PolicyDocument",
            "RoleDetailList[4].RolePolicyList[0].PolicyDocument",
        ]
    );
    for warning in &export.warnings {
        assert_eq!(warning.file, "gaad_malformed_policy.json");
        assert!(
            warning.message.contains("malformed policy document"),
            "{warning}"
        );
    }
    assert!(
        export.warnings[1].message.contains("Effect"),
        "{}",
        export.warnings[1]
    );
    let broken = &details.roles[4];
    assert_eq!(broken.role_name, "broken-inline");
    assert_eq!(broken.role_policy_list[0].policy_name, "no-effect");
    assert_eq!(broken.role_policy_list[0].policy_document, None);
    assert!(broken.role_policy_list[1].policy_document.is_some());
    assert_eq!(details.users[0].user_policy_list[1].policy_document, None);
}

#[test]
fn a_truncated_gaad_keeps_the_entries_before_the_break_and_warns_where_it_breaks() {
    let bytes = fixture("gaad_truncated.json");
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    let export = parse(
        AwsExportKind::AccountAuthorizationDetails,
        "gaad_truncated.json",
        &bytes,
    )
    .unwrap();
    let details = gaad(&export);
    assert_eq!(details.users.len(), 2);
    assert_eq!(details.groups.len(), 1);
    let warning = export
        .warnings
        .iter()
        .find(|w| w.message.contains("breaks off"))
        .expect("a warning at the break");
    assert_eq!(warning.file, "gaad_truncated.json");
    assert!(
        warning
            .position
            .starts_with(&format!("line {lines} column ")),
        "{warning:?}"
    );
    // Cut before the first entry, nothing can be kept: an error with line and column.
    match parse(
        AwsExportKind::AccountAuthorizationDetails,
        "cut.json",
        br#"{"UserDetailList": [{"UserName": "a""#,
    ) {
        Err(AwsError::Json {
            file, line, column, ..
        }) => {
            assert_eq!(file, "cut.json");
            assert_eq!(line, 1);
            assert!(column > 0);
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_reports_the_byte_offset() {
    let bytes = b"{\"Accounts\": [\xff]}";
    assert_eq!(
        parse(AwsExportKind::ListAccounts, "accounts.json", bytes),
        Err(AwsError::InvalidUtf8 {
            file: "accounts.json".into(),
            offset: 14
        })
    );
}

#[test]
fn wrong_export_for_the_kind_is_an_error() {
    let err = parse(
        AwsExportKind::ListSecrets,
        "x.json",
        &fixture("list_accounts.json"),
    )
    .unwrap_err();
    assert!(matches!(err, AwsError::UnexpectedShape { .. }), "{err:?}");
    assert!(err.to_string().contains("SecretList"));
    let err = parse(AwsExportKind::AccountAuthorizationDetails, "x.json", b"[1]").unwrap_err();
    assert!(matches!(err, AwsError::UnexpectedShape { .. }), "{err:?}");
}

fn report(export: &AwsExport) -> &nhi_aws::CredentialReport {
    match &export.data {
        AwsExportData::CredentialReport(report) => report,
        other => panic!("expected a credential report, got {other:?}"),
    }
}

#[test]
fn credential_report_keeps_root_and_maps_placeholders_to_none() {
    let export = load(AwsExportKind::CredentialReport, "credential_report.csv");
    assert_eq!(export.warnings, vec![]);
    let rows = &report(&export).rows;
    assert_eq!(rows.len(), 3);

    let root = &rows[0];
    assert!(root.is_root);
    assert_eq!(root.user, "<root_account>");
    assert_eq!(root.line, 2);
    assert_eq!(root.password_enabled, None, "not_supported");
    assert_eq!(root.password_last_used, Some(ts("2024-04-30T11:22:33Z")));
    assert_eq!(root.mfa_active, Some(true));
    assert_eq!(root.access_key_1.active, Some(false));
    assert_eq!(root.access_key_1.last_rotated, None);

    let deployer = &rows[1];
    assert!(!deployer.is_root);
    assert_eq!(
        deployer.arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/ci-deployer")
    );
    assert_eq!(deployer.password_enabled, Some(false));
    assert_eq!(deployer.password_last_used, None);
    assert_eq!(deployer.access_key_1.active, Some(true));
    assert_eq!(
        deployer.access_key_1.last_used_date,
        Some(ts("2024-05-01T02:03:00Z"))
    );
    assert_eq!(
        deployer.access_key_1.last_used_region.as_deref(),
        Some("us-east-1")
    );
    assert_eq!(
        deployer.access_key_1.last_used_service.as_deref(),
        Some("s3")
    );
    assert_eq!(deployer.access_key_2.active, Some(true));
    assert_eq!(deployer.access_key_2.last_used_date, None);
    assert_eq!(deployer.access_key_2.last_used_service, None);

    let alice = &rows[2];
    assert_eq!(alice.password_last_used, None, "no_information");
    assert_eq!(
        alice.password_next_rotation,
        Some(ts("2019-09-29T08:05:00Z"))
    );
    assert_eq!(alice.cert_1.active, Some(true));
    assert_eq!(alice.cert_1.last_rotated, Some(ts("2020-02-02T02:02:02Z")));
    assert_eq!(alice.cert_2.active, Some(false));
}

#[test]
fn credential_report_cli_json_wrapper_decodes_base64() {
    let wrapped = load(
        AwsExportKind::CredentialReport,
        "credential_report_cli.json",
    );
    let plain = load(AwsExportKind::CredentialReport, "credential_report.csv");
    assert_eq!(report(&wrapped).rows, report(&plain).rows);
    assert_eq!(
        report(&wrapped).generated_time,
        Some(ts("2024-05-06T00:00:00Z"))
    );
    let bad = parse(
        AwsExportKind::CredentialReport,
        "r.json",
        br#"{"Content": "!!!", "ReportFormat": "text/csv"}"#,
    );
    assert!(matches!(bad, Err(AwsError::Base64 { .. })), "{bad:?}");
}

#[test]
fn credential_report_missing_column_and_bad_date_warn_with_positions() {
    let export = load(
        AwsExportKind::CredentialReport,
        "credential_report_degraded.csv",
    );
    let rows = &report(&export).rows;
    assert_eq!(rows.len(), 2, "both rows still load");
    let found: Vec<(&str, &str)> = export
        .warnings
        .iter()
        .map(|w| (w.position.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "line 1, column cert_2_last_rotated");
    assert!(found[0].1.contains("cert_2_last_rotated"));
    assert_eq!(found[1].0, "line 3, column access_key_1_last_rotated");
    assert!(found[1].1.contains("last tuesday"));
    let deployer = &rows[1];
    assert_eq!(deployer.access_key_1.last_rotated, None);
    assert_eq!(
        deployer.access_key_1.last_used_date,
        Some(ts("2024-05-01T02:03:00Z"))
    );
    assert_eq!(deployer.cert_2.last_rotated, None);
    assert_eq!(deployer.cert_2.active, Some(false));
}

#[test]
fn credential_report_without_user_column_is_an_error() {
    let err = parse(
        AwsExportKind::CredentialReport,
        "r.csv",
        b"name,value\na,b\n",
    )
    .unwrap_err();
    assert!(matches!(err, AwsError::UnexpectedShape { .. }), "{err:?}");
}

#[test]
fn list_access_keys_loads() {
    let export = load(AwsExportKind::ListAccessKeys, "list_access_keys.json");
    assert_eq!(export.warnings, vec![]);
    let AwsExportData::ListAccessKeys(keys) = &export.data else {
        panic!("{:?}", export.data)
    };
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].access_key_id, "AKIAFAKEFAKEFAKE0001");
    assert_eq!(keys[0].user_name.as_deref(), Some("ci-deployer"));
    assert_eq!(keys[0].status.as_deref(), Some("Active"));
    assert_eq!(keys[0].create_date, Some(ts("2021-03-04T10:15:00Z")));
    assert_eq!(keys[1].status.as_deref(), Some("Inactive"));
}

#[test]
fn access_key_last_used_single_and_never_used() {
    let export = load(
        AwsExportKind::AccessKeyLastUsed,
        "access_key_last_used.json",
    );
    let AwsExportData::AccessKeyLastUsed(used) = &export.data else {
        panic!()
    };
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].user_name.as_deref(), Some("ci-deployer"));
    let last = &used[0].access_key_last_used;
    assert_eq!(last.last_used_date, Some(ts("2024-05-01T02:03:00Z")));
    assert_eq!(last.service_name.as_deref(), Some("s3"));
    assert_eq!(last.region.as_deref(), Some("us-east-1"));

    let never = load(
        AwsExportKind::AccessKeyLastUsed,
        "access_key_last_used_never.json",
    );
    let AwsExportData::AccessKeyLastUsed(never) = &never.data else {
        panic!()
    };
    let last = &never[0].access_key_last_used;
    assert_eq!(
        (
            last.last_used_date,
            last.service_name.as_deref(),
            last.region.as_deref()
        ),
        (None, None, None)
    );
}

#[test]
fn list_secrets_loads_metadata_with_both_timestamp_styles() {
    let export = load(AwsExportKind::ListSecrets, "list_secrets.json");
    assert_eq!(export.warnings, vec![]);
    let AwsExportData::ListSecrets(secrets) = &export.data else {
        panic!()
    };
    assert_eq!(secrets.len(), 3);
    let stripe = &secrets[0];
    assert_eq!(stripe.name, "prod/payments/stripe");
    assert_eq!(stripe.rotation_enabled, Some(true));
    let rules = stripe.rotation_rules.as_ref().expect("rules");
    assert_eq!(rules.automatically_after_days, Some(30));
    assert_eq!(rules.schedule_expression.as_deref(), Some("rate(30 days)"));
    assert_eq!(stripe.last_rotated_date, Some(ts("2024-04-15T00:00:00Z")));
    assert_eq!(
        stripe.last_changed_date.map(|t| t.subsec_millisecond()),
        Some(123)
    );
    assert_eq!(stripe.tags[0].value.as_deref(), Some("payments"));
    assert_eq!(stripe.secret_versions_to_stages.len(), 2);
    let rds = &secrets[1];
    assert_eq!(rds.owning_service.as_deref(), Some("rds"));
    // CLI v1 prints epoch seconds for JSON-protocol services.
    assert_eq!(rds.last_changed_date, Some(ts("2024-05-01T00:00:00Z")));
    assert_eq!(rds.created_date, Some(ts("2022-06-01T12:00:00.25Z")));
    assert_eq!(secrets[2].rotation_enabled, None);
    assert_eq!(secrets[2].last_accessed_date, None);
}

#[test]
fn list_accounts_loads_status_and_state() {
    let export = load(AwsExportKind::ListAccounts, "list_accounts.json");
    assert_eq!(export.warnings, vec![]);
    let AwsExportData::ListAccounts(accounts) = &export.data else {
        panic!()
    };
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].id, "123456789012");
    assert_eq!(accounts[0].joined_method.as_deref(), Some("INVITED"));
    assert_eq!(
        accounts[0].joined_timestamp.map(|t| t.subsec_millisecond()),
        Some(678)
    );
    assert_eq!(accounts[1].lifecycle(), Some("SUSPENDED"));
    assert_eq!(
        accounts[1].joined_timestamp,
        Some(ts("2020-01-01T00:00:00Z"))
    );
}

#[test]
fn bad_entries_and_dates_in_json_become_warnings() {
    let bytes = br#"{"AccessKeyMetadata": [
        {"UserName": "a", "AccessKeyId": "AKIAFAKEFAKEFAKE0003", "Status": "Active", "CreateDate": "yesterday"},
        {"UserName": "b", "Status": "Active"},
        {"UserName": "c", "AccessKeyId": "AKIAFAKEFAKEFAKE0004"}
    ], "IsTruncated": true, "Marker": "page-2"}"#;
    let export = parse(AwsExportKind::ListAccessKeys, "keys.json", bytes).unwrap();
    let AwsExportData::ListAccessKeys(keys) = &export.data else {
        panic!()
    };
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].create_date, None);
    let positions: Vec<&str> = export
        .warnings
        .iter()
        .map(|w| w.position.as_str())
        .collect();
    assert_eq!(
        positions,
        vec![
            "Marker",
            "AccessKeyMetadata[0].CreateDate",
            "AccessKeyMetadata[1]"
        ]
    );
    assert!(
        export.warnings[2].message.contains("AccessKeyId"),
        "{}",
        export.warnings[2]
    );
}
