//! End-to-end test against a moto server: seed an account through the SDK,
//! collect it, check what came back. One test function does everything in
//! order because all of it shares one server (and it resets that server).
//!
//! Run: `eval "$(scripts/moto.sh start)" && cargo test -p nhi-collect-aws`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::types::StatusType;
use nhi_aws::{AwsExportData, AwsExportKind, Principal};
use nhi_collect_aws::{CollectOptions, Collection, collect_blocking};

/// The collector's own credentials for this test. moto accepts anything; the
/// distinctive secret lets us prove it never reaches the output.
const COLLECTOR_KEY_ID: &str = "AKIANHICOLLECTOR0001";
const COLLECTOR_SECRET: &str = "nhiCollectorOwnSecretKey/DoNotLeak+0123456789";
const PLANTED_SECRET_VALUE: &str = "prod-db-password-Zq8wPlantedValue";
const GITHUB_OIDC: &str = "token.actions.githubusercontent.com";
const EKS_OIDC: &str = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

struct Seeded {
    ci_deployer_key: String,
    reporting_active_key: String,
    reporting_inactive_key: String,
    /// Secret access keys moto handed out; must appear nowhere in the output.
    secret_access_keys: Vec<String>,
}

fn moto_endpoint() -> Option<String> {
    let endpoint = std::env::var("NHI_MOTO_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty());
    if endpoint.is_none() {
        assert!(
            std::env::var("NHI_REQUIRE_MOTO").as_deref() != Ok("1"),
            "NHI_REQUIRE_MOTO=1 but NHI_MOTO_ENDPOINT is not set (scripts/moto.sh start)"
        );
        eprintln!("skipping: NHI_MOTO_ENDPOINT not set (scripts/moto.sh start)");
    }
    endpoint
}

/// `POST {endpoint}/moto-api/reset` over a plain socket (no HTTP client
/// dependency just for this).
fn reset_moto(endpoint: &str) {
    let authority = endpoint
        .strip_prefix("http://")
        .unwrap_or(endpoint)
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("cannot reach moto at {endpoint}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    let request = format!(
        "POST /moto-api/reset HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send reset");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read reset");
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "moto reset failed: {response}"
    );
}

async fn seed_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "nhi-test-seed",
        ))
        .load()
        .await
}

fn trust_policy(federated: &str, condition: serde_json::Value) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": federated},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition
        }]
    })
    .to_string()
}

async fn seed(config: &SdkConfig) -> Seeded {
    let iam = aws_sdk_iam::Client::new(config);
    let account = "123456789012";

    // ci-deployer: admin-equivalent inline policy, one access key, in a group.
    iam.create_user()
        .user_name("ci-deployer")
        .send()
        .await
        .expect("create ci-deployer");
    iam.put_user_policy()
        .user_name("ci-deployer")
        .policy_name("admin-everything")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("inline policy");
    let ci_key = iam
        .create_access_key()
        .user_name("ci-deployer")
        .send()
        .await
        .expect("ci key")
        .access_key
        .expect("ci key body");

    // reporting-bot: two keys, the older one deactivated.
    iam.create_user()
        .user_name("reporting-bot")
        .send()
        .await
        .expect("create reporting-bot");
    let mut reporting = Vec::new();
    for _ in 0..2 {
        reporting.push(
            iam.create_access_key()
                .user_name("reporting-bot")
                .send()
                .await
                .expect("reporting key")
                .access_key
                .expect("reporting key body"),
        );
    }
    iam.update_access_key()
        .user_name("reporting-bot")
        .access_key_id(reporting[0].access_key_id())
        .status(StatusType::Inactive)
        .send()
        .await
        .expect("deactivate key");

    // A group with an inline policy, and a managed policy with two versions.
    iam.create_group()
        .group_name("deployers")
        .send()
        .await
        .expect("group");
    iam.put_group_policy()
        .group_name("deployers")
        .policy_name("read-artifacts")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-artifacts/*"}]}"#,
        )
        .send()
        .await
        .expect("group policy");
    iam.add_user_to_group()
        .group_name("deployers")
        .user_name("ci-deployer")
        .send()
        .await
        .expect("membership");
    let policy = iam
        .create_policy()
        .policy_name("reporting-read")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("managed policy")
        .policy
        .and_then(|p| p.arn)
        .expect("policy arn");
    iam.create_policy_version()
        .policy_arn(&policy)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#,
        )
        .set_as_default(true)
        .send()
        .await
        .expect("policy v2");
    iam.attach_user_policy()
        .user_name("reporting-bot")
        .policy_arn(&policy)
        .send()
        .await
        .expect("attach");

    // Roles federated from GitHub Actions OIDC and from an EKS cluster (IRSA).
    iam.create_role()
        .role_name("github-actions-deploy")
        .assume_role_policy_document(trust_policy(
            &format!("arn:aws:iam::{account}:oidc-provider/{GITHUB_OIDC}"),
            serde_json::json!({
                "StringEquals": {format!("{GITHUB_OIDC}:aud"): "sts.amazonaws.com"},
                "StringLike": {format!("{GITHUB_OIDC}:sub"): "repo:acme/app:*"}
            }),
        ))
        .send()
        .await
        .expect("github role");
    iam.create_role()
        .role_name("eks-irsa-payments")
        .assume_role_policy_document(trust_policy(
            &format!("arn:aws:iam::{account}:oidc-provider/{EKS_OIDC}"),
            serde_json::json!({
                "StringEquals": {format!("{EKS_OIDC}:sub"): "system:serviceaccount:payments:api"}
            }),
        ))
        .send()
        .await
        .expect("irsa role");

    // Secrets: one plain, one with rotation configured.
    let sm = aws_sdk_secretsmanager::Client::new(config);
    sm.create_secret()
        .name("prod/db/password")
        .secret_string(PLANTED_SECRET_VALUE)
        .send()
        .await
        .expect("secret");
    sm.create_secret()
        .name("prod/stripe/api-key")
        .secret_string("sk_live_plantedRotatingValue000000")
        .send()
        .await
        .expect("rotating secret");
    sm.rotate_secret()
        .secret_id("prod/stripe/api-key")
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .expect("rotation");

    Seeded {
        ci_deployer_key: ci_key.access_key_id().to_string(),
        reporting_active_key: reporting[1].access_key_id().to_string(),
        reporting_inactive_key: reporting[0].access_key_id().to_string(),
        secret_access_keys: std::iter::once(&ci_key)
            .chain(reporting.iter())
            .map(|k| k.secret_access_key().to_string())
            .collect(),
    }
}

fn data(collection: &Collection, kind: AwsExportKind) -> &AwsExportData {
    &collection
        .export(kind)
        .unwrap_or_else(|| panic!("no {kind} export; warnings: {:?}", collection.warnings))
        .data
}

#[test]
fn collects_a_seeded_account_from_moto() {
    let Some(endpoint) = moto_endpoint() else {
        return;
    };
    // SAFETY: this binary has a single test, and no other thread exists yet
    // that could read the environment concurrently.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", COLLECTOR_KEY_ID);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", COLLECTOR_SECRET);
        std::env::remove_var("AWS_SESSION_TOKEN");
        std::env::remove_var("AWS_PROFILE");
    }
    reset_moto(&endpoint);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let seeded = runtime.block_on(async { seed(&seed_config(&endpoint).await).await });
    drop(runtime);

    let collection = collect_blocking(&CollectOptions {
        endpoint_url: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        profile: None,
        max_attempts: 3,
    })
    .expect("collect");

    for export in &collection.exports {
        eprintln!("collected: {}", export.kind);
    }
    for warning in &collection.warnings {
        eprintln!("warning: {warning}");
    }
    assert_eq!(collection.account_id.as_deref(), Some("123456789012"));

    // GAAD: users, groups, roles, policies with their relationships.
    let AwsExportData::AccountAuthorizationDetails(gaad) =
        data(&collection, AwsExportKind::AccountAuthorizationDetails)
    else {
        panic!("wrong data for GAAD");
    };
    let ci = gaad
        .users
        .iter()
        .find(|u| u.user_name == "ci-deployer")
        .expect("ci-deployer in GAAD");
    assert_eq!(ci.group_list, vec!["deployers".to_string()]);
    let admin = ci
        .user_policy_list
        .iter()
        .find(|p| p.policy_name == "admin-everything")
        .and_then(|p| p.policy_document.as_ref())
        .expect("inline policy decoded");
    assert_eq!(admin.statement[0].action, Some(vec!["*".to_string()]));
    let bot = gaad
        .users
        .iter()
        .find(|u| u.user_name == "reporting-bot")
        .expect("reporting-bot in GAAD");
    assert!(
        bot.attached_managed_policies
            .iter()
            .any(|p| p.policy_arn.ends_with(":policy/reporting-read")),
        "{:?}",
        bot.attached_managed_policies
    );
    let group = gaad
        .groups
        .iter()
        .find(|g| g.group_name == "deployers")
        .expect("group in GAAD");
    assert_eq!(group.group_policy_list[0].policy_name, "read-artifacts");
    assert!(group.group_policy_list[0].policy_document.is_some());

    let federated_of = |role_name: &str| -> Vec<String> {
        let role = gaad
            .roles
            .iter()
            .find(|r| r.role_name == role_name)
            .unwrap_or_else(|| panic!("{role_name} in GAAD"));
        let trust = role
            .assume_role_policy_document
            .as_ref()
            .expect("trust policy decoded");
        match &trust.statement[0].principal {
            Some(Principal::ByType(by_type)) => {
                by_type.get("Federated").cloned().unwrap_or_default()
            }
            other => panic!("unexpected principal {other:?}"),
        }
    };
    assert!(federated_of("github-actions-deploy")[0].ends_with(GITHUB_OIDC));
    assert!(federated_of("eks-irsa-payments")[0].ends_with(EKS_OIDC));

    let managed = gaad
        .policies
        .iter()
        .find(|p| p.policy_name.as_deref() == Some("reporting-read"))
        .expect("managed policy in GAAD");
    assert_eq!(managed.policy_version_list.len(), 2, "{managed:?}");
    assert_eq!(managed.default_version_id.as_deref(), Some("v2"));
    let in_force = managed
        .default_document()
        .expect("default version document");
    assert_eq!(
        in_force.statement[0].action,
        Some(vec![
            "s3:GetObject".to_string(),
            "s3:ListBucket".to_string()
        ])
    );

    // Access keys with their status, and a last-used entry per key.
    let AwsExportData::ListAccessKeys(keys) = data(&collection, AwsExportKind::ListAccessKeys)
    else {
        panic!("wrong data for ListAccessKeys");
    };
    let status_of = |id: &str| {
        keys.iter()
            .find(|k| k.access_key_id == id)
            .unwrap_or_else(|| panic!("key {id} listed; got {keys:?}"))
            .status
            .clone()
    };
    assert_eq!(
        status_of(&seeded.ci_deployer_key).as_deref(),
        Some("Active")
    );
    assert_eq!(
        status_of(&seeded.reporting_active_key).as_deref(),
        Some("Active")
    );
    assert_eq!(
        status_of(&seeded.reporting_inactive_key).as_deref(),
        Some("Inactive")
    );
    assert_eq!(keys.len(), 3);
    let AwsExportData::AccessKeyLastUsed(last_used) =
        data(&collection, AwsExportKind::AccessKeyLastUsed)
    else {
        panic!("wrong data for AccessKeyLastUsed");
    };
    assert_eq!(last_used.len(), 3);
    // The API does not echo the key ID; the collector keeps the association.
    let last_used_of = |id: &str| {
        last_used
            .iter()
            .find(|r| r.access_key_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("last use of {id}: {last_used:?}"))
    };
    assert_eq!(
        last_used_of(&seeded.reporting_inactive_key)
            .user_name
            .as_deref(),
        Some("reporting-bot")
    );
    assert_eq!(
        last_used_of(&seeded.ci_deployer_key).user_name.as_deref(),
        Some("ci-deployer")
    );

    // Credential report: a row per user with the key columns filled in.
    let AwsExportData::CredentialReport(report) =
        data(&collection, AwsExportKind::CredentialReport)
    else {
        panic!("wrong data for CredentialReport");
    };
    let row = |user: &str| {
        report
            .rows
            .iter()
            .find(|r| r.user == user)
            .unwrap_or_else(|| panic!("{user} in the credential report: {report:?}"))
    };
    assert_eq!(row("ci-deployer").access_key_1.active, Some(true));
    let bot_row = row("reporting-bot");
    assert_eq!(bot_row.access_key_1.active, Some(false));
    assert_eq!(bot_row.access_key_2.active, Some(true));

    // Secrets: metadata with the rotation flag, never a value.
    let AwsExportData::ListSecrets(secrets) = data(&collection, AwsExportKind::ListSecrets) else {
        panic!("wrong data for ListSecrets");
    };
    let secret = |name: &str| {
        secrets
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} listed: {secrets:?}"))
    };
    assert_eq!(secret("prod/stripe/api-key").rotation_enabled, Some(true));
    assert_eq!(
        secret("prod/stripe/api-key")
            .rotation_rules
            .as_ref()
            .and_then(|r| r.automatically_after_days),
        Some(30)
    );
    assert_ne!(secret("prod/db/password").rotation_enabled, Some(true));

    // No organization: a warning naming the call, no export.
    assert!(collection.export(AwsExportKind::ListAccounts).is_none());
    assert!(
        collection
            .warnings
            .iter()
            .any(|w| w.starts_with("organizations ListAccounts")
                && w.contains("not in an AWS Organization")),
        "{:?}",
        collection.warnings
    );
    // Every export read cleanly.
    for export in &collection.exports {
        assert!(
            export.warnings.is_empty(),
            "{}: {:?}",
            export.kind,
            export.warnings
        );
    }

    // Nothing secret anywhere: seeded keys, secret values, our own credentials.
    let rendered = format!("{collection:?}");
    for secret_key in &seeded.secret_access_keys {
        assert!(
            !rendered.contains(secret_key.as_str()),
            "a seeded secret access key leaked"
        );
    }
    for planted in [
        PLANTED_SECRET_VALUE,
        "sk_live_plantedRotatingValue",
        COLLECTOR_SECRET,
    ] {
        assert!(
            !rendered.contains(planted),
            "{planted} leaked into the collection"
        );
    }

    // A wrong endpoint is an error that names the call and leaks nothing.
    let error = collect_blocking(&CollectOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
        profile: None,
        max_attempts: 1,
    })
    .expect_err("nothing listens on port 9");
    let message = error.to_string();
    eprintln!("unreachable endpoint: {message}");
    assert!(
        message.starts_with("sts GetCallerIdentity failed"),
        "{message}"
    );
    assert!(!format!("{message} {error:?}").contains(COLLECTOR_SECRET));
}
