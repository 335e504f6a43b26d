//! `nhi collect aws` through the binary against a real moto server: seeded over the IAM
//! query API, collected, stored, then listed and shown like any other source.
//!
//! Needs `eval "$(scripts/moto.sh start)"`; skips without NHI_MOTO_ENDPOINT unless
//! NHI_REQUIRE_MOTO=1. It resets the server, as the nhi-collect-aws test does; cargo runs
//! test binaries one after another, so the two never overlap.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

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

/// One HTTP/1.1 request over a plain socket; returns the whole response.
fn http(endpoint: &str, path: &str, headers: &str, body: &str) -> String {
    let authority = endpoint
        .strip_prefix("http://")
        .unwrap_or(endpoint)
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("cannot reach moto at {endpoint}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "{path} {body}: {response}"
    );
    response
}

/// An IAM query-API call. moto routes by the service in the credential scope and does
/// not check signatures.
fn iam(endpoint: &str, params: &[(&str, &str)]) -> String {
    let mut body = String::from("Version=2010-05-08");
    for (key, value) in params {
        body.push('&');
        body.push_str(key);
        body.push('=');
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                body.push(byte as char);
            } else {
                body.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    http(
        endpoint,
        "/",
        "Content-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIATESTSEED00000000/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00\r\n",
        &body,
    )
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).expect(open) + open.len();
    let end = text[start..].find(close).expect(close) + start;
    &text[start..end]
}

#[test]
fn collect_aws_fills_the_store_and_the_inventory_shows_it() {
    let Some(endpoint) = moto_endpoint() else {
        return;
    };
    http(&endpoint, "/moto-api/reset", "", "");
    iam(
        &endpoint,
        &[
            ("Action", "CreateUser"),
            ("UserName", "ci-bot"),
            ("Tags.member.1.Key", "owner"),
            ("Tags.member.1.Value", "dana@example.com"),
        ],
    );
    // moto does not preload AWS managed policies; a customer policy granting everything
    // is the same privilege.
    iam(
        &endpoint,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "ci-admin"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        ],
    );
    iam(
        &endpoint,
        &[
            ("Action", "AttachUserPolicy"),
            ("UserName", "ci-bot"),
            ("PolicyArn", "arn:aws:iam::123456789012:policy/ci-admin"),
        ],
    );
    let created = iam(
        &endpoint,
        &[("Action", "CreateAccessKey"), ("UserName", "ci-bot")],
    );
    let key_id = between(&created, "<AccessKeyId>", "</AccessKeyId>").to_string();
    let secret = between(&created, "<SecretAccessKey>", "</SecretAccessKey>").to_string();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}}]}"#;
    iam(
        &endpoint,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "gh-deploy"),
            ("AssumeRolePolicyDocument", trust),
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let run = |args: &[&str]| {
        Command::cargo_bin("nhi")
            .unwrap()
            .args(args)
            .arg("--db")
            .arg(&db)
            .env("AWS_ACCESS_KEY_ID", "AKIANHICLITEST000001")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "nhiCliCollectorSecret/DoNotLeak0123456789",
            )
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("no-credentials"),
            )
            .output()
            .unwrap()
    };
    let collected = run(&[
        "collect",
        "aws",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
    ]);
    let stderr = String::from_utf8_lossy(&collected.stderr).into_owned();
    // moto has no organization: that call is a warning (exit 2), everything else loads.
    assert!(matches!(collected.status.code(), Some(0 | 2)), "{stderr}");
    assert!(stderr.contains("AWS account 123456789012"), "{stderr}");

    let listed = run(&["inventory", "--provider", "aws", "--format", "json"]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let identities: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let user = identities
        .iter()
        .find(|i| i["name"] == "ci-bot")
        .expect("ci-bot collected");
    assert_eq!(user["external_id"], "arn:aws:iam::123456789012:user/ci-bot");
    assert_eq!(user["owners"], serde_json::json!(["dana@example.com"]));
    assert_eq!(user["attributes"]["privilege"], "admin");
    assert!(
        user["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["external_id"] == key_id.as_str() && c["status"] == "active"),
        "{user:#}"
    );
    let role = identities
        .iter()
        .find(|i| i["name"] == "gh-deploy")
        .expect("role collected");
    assert!(
        role["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "federates"
                && l["evidence"].as_str().unwrap().contains("repo:acme/app")),
        "{role:#}"
    );

    let shown = run(&["show", &key_id]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.starts_with("ci-bot\n"), "{text}");

    // Neither the user's secret key nor the collector's own ever reaches an output.
    let store_bytes = std::fs::read(&db).unwrap();
    for output in [
        &collected.stdout,
        &collected.stderr,
        &listed.stdout,
        &shown.stdout,
        &store_bytes,
    ] {
        for needle in [secret.as_str(), "nhiCliCollectorSecret/DoNotLeak0123456789"] {
            assert!(memchr::memmem::find(output, needle.as_bytes()).is_none());
        }
    }
}
