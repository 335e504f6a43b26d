//! The bundled sample estate (`examples/acme`, see its EXPECTED.md) through the real
//! binary: the working-tree findings, and the code ↔ cloud chain its exports tell.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

struct Run {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    key: std::path::PathBuf,
    findings: Vec<Value>,
    identities: Vec<Value>,
}

fn acme() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

fn run() -> Run {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let key = dir.path().join("key");
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .arg("scan")
        .arg(acme())
        .args(["--no-history", "--fail-on", "never", "--format", "json"])
        .arg("--db")
        .arg(&db)
        .arg("--key-file")
        .arg(&key)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("read 32 platform exports"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().clone();
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["inventory", "--format", "json"])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let identities: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    Run {
        _dir: dir,
        db,
        key,
        findings,
        identities,
    }
}

fn identity<'a>(run: &'a Run, id: &str) -> &'a Value {
    run.identities
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no identity {id}"))
}

fn has_link(identity: &Value, kind: &str, to: &str) -> bool {
    identity["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["kind"] == kind && (l["to"] == to || l["from"] == to))
}

#[test]
fn the_bucket_policy_and_the_scp_take_part_in_the_gaads_evaluation() {
    let run = run();
    // acme-readonly's own policies read nothing sensitive; the customer-exports bucket
    // policy names it.
    let readonly = identity(
        &run,
        "aws:iam_role:arn:aws:iam::123456789012:role/acme-readonly",
    );
    assert!(
        readonly["attributes"]["sensitive_access"]
            .as_str()
            .unwrap_or("")
            .contains("s3_read"),
        "{readonly:#}"
    );
    // The SCP is placed at the root and read without warnings.
    assert!(
        !run.identities
            .iter()
            .any(|i| i["attributes"]["permission_warnings"]
                .as_str()
                .is_some_and(|w| w.contains("SCP"))),
        "an SCP warning reached an identity"
    );
}

#[test]
fn the_working_tree_findings_are_exactly_expected_md_and_exports_add_none() {
    let run = run();
    let mut got: Vec<(String, String, u64)> = run
        .findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut expected: Vec<(String, String, u64)> = [
        ("openai-project-key", ".cursor/mcp.json", 7),
        ("openai-project-key", ".env", 6),
        ("database-url", ".env", 8),
        ("anthropic-api-key", ".env.production", 4),
        ("datadog-api-key", ".env.production", 6),
        ("database-url", "agents/support-bot/config.py", 12),
        ("slack-bot-token", "agents/slack-bot/test/config.test.js", 6),
        ("anthropic-api-key", "notebooks/churn-analysis.ipynb", 31),
        (
            "github-classic-pat",
            "laptops/dev-alice/claude_desktop_config.json",
            7,
        ),
        ("aws-access-key", "laptops/dev-alice/.aws/credentials", 4),
        ("database-url", "deploy/k8s/secret.yaml", 10),
        ("stripe-secret-key", "deploy/k8s/secret.yaml", 11),
        ("slack-webhook", "infra/terraform/main.tf", 33),
    ]
    .iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
    .collect();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn alices_laptop_key_is_her_iam_users_key_and_mixes_dev_with_prod() {
    let run = run();
    let alice = identity(
        &run,
        "aws:iam_user:arn:aws:iam::123456789012:user/alice-chen-cli",
    );
    assert_eq!(alice["owners"], serde_json::json!(["alice@acme-corp.io"]));
    let key = &alice["credentials"][0];
    assert_eq!(key["external_id"], "AKIACIBBMGIGTVD3ELUO");
    assert_eq!(key["status"], "active");
    assert_eq!(key["matched"]["confidence"], "high");
    let sightings: Vec<&str> = key["sightings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(sightings, ["laptops/dev-alice/.aws/credentials"]);
    assert!(key["last_used"].as_str().unwrap().starts_with("2026-11-14"));
    let reuse: Vec<&str> = alice["reuse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(reuse.contains(&"environment_mixing"), "{reuse:?}");
    assert!(has_link(
        alice,
        "can_assume",
        "aws:iam_role:arn:aws:iam::123456789012:role/acme-readonly"
    ));
    // A live key on a laptop, reaching prod: the score says why it is critical.
    assert_eq!(alice["risk_tier"], "critical");
    let factors: Vec<&str> = alice["risk_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        factors.contains(&"leaked-credential-is-live"),
        "{factors:?}"
    );
    let sum: u64 = alice["risk_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["points"].as_u64().unwrap())
        .sum();
    assert_eq!(alice["risk_score"].as_u64().unwrap(), sum.min(100));
}

#[test]
fn the_legacy_ci_key_belongs_to_an_admin_whose_owner_has_left() {
    let run = run();
    let deployer = identity(
        &run,
        "aws:iam_user:arn:aws:iam::123456789012:user/slack-bot-deployer",
    );
    assert_eq!(deployer["attributes"]["privilege"], "admin");
    assert_eq!(deployer["privilege_tier"], "admin");
    assert_eq!(
        deployer["attributes"]["owners_offboarded"],
        "dan@acme-corp.io"
    );
    assert_eq!(deployer["environment"], "prod");
    let key = &deployer["credentials"][0];
    assert_eq!(key["external_id"], "AKIATB6KWL4MGCPLJF7K");
    assert_eq!(key["created"], "2024-01-09T10:41:19Z");
}

#[test]
fn the_mcp_configs_openai_key_is_the_support_bot_service_accounts_key() {
    let run = run();
    let holder = run
        .identities
        .iter()
        .find(|i| i["provider"] == "openai" && i["name"] == "support-bot")
        .expect("OpenAI service account support-bot");
    let key = &holder["credentials"][0];
    assert_eq!(key["matched"]["confidence"], "medium");
    assert_eq!(key["sightings"][0]["path"], ".cursor/mcp.json");
    assert_eq!(key["sightings"][0]["line"], 7);
    assert!(
        key["used_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str().unwrap().contains("openai-docs-search")),
        "{key:#}"
    );
    // The .env key is Dan's own, and Dan has left.
    let dan = identity(&run, "person:dan@acme-corp.io");
    assert_eq!(dan["status"], "deleted");
    assert_eq!(dan["credentials"][0]["sightings"][0]["path"], ".env");
}

#[test]
fn workloads_federate_into_the_roles_whose_trust_policies_admit_them() {
    let run = run();
    let service_account = identity(
        &run,
        "kubernetes:kubernetes_service_account:support/support-bot",
    );
    assert!(
        has_link(
            service_account,
            "federates",
            "aws:iam_role:arn:aws:iam::123456789012:role/acme-support-bot"
        ),
        "{service_account:#}"
    );
    let role = identity(
        &run,
        "aws:iam_role:arn:aws:iam::123456789012:role/acme-github-deploy",
    );
    assert!(
        role["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "federates"
                && l["from"].as_str().unwrap().contains("deploy-support-bot")),
        "{role:#}"
    );
    // Effective permissions were evaluated from the GAAD: the IRSA role reads
    // secrets and S3 but cannot change IAM.
    let irsa = identity(
        &run,
        "aws:iam_role:arn:aws:iam::123456789012:role/acme-support-bot",
    );
    assert_eq!(irsa["privilege_tier"], "data_read");
    assert!(
        irsa["attributes"]["sensitive_access"]
            .as_str()
            .unwrap()
            .contains("secrets_read")
    );
    // Two workloads share the support-bot service account (NHI9).
    assert!(
        service_account["reuse"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "shared_credential"),
        "{service_account:#}"
    );
}

#[test]
fn show_and_graph_tell_the_same_story() {
    let run = run();
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["show", "AKIACIBBMGIGTVD3ELUO", "--db"])
        .arg(&run.db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("alice-chen-cli\n"), "{text}");
    assert!(
        text.contains("laptops/dev-alice/.aws/credentials:4"),
        "{text}"
    );
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["graph", "--format", "opengraph", "--db"])
        .arg(&run.db)
        .output()
        .unwrap();
    let graph: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(graph["graph"]["edges"].as_array().unwrap().len() > 50);
    assert!(run.key.exists());
}

#[test]
fn findings_show_the_estates_risks_with_owasp_ids_and_references() {
    let run = run();
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["findings", "--format", "json", "--db"])
        .arg(&run.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let has = |rule: &str, subject_part: &str| {
        findings.iter().any(|f| {
            f["rule"] == rule
                && (f["subject"].as_str().unwrap().contains(subject_part)
                    || f["subject_name"].as_str().unwrap().contains(subject_part))
        })
    };
    // The laptop key in code is a live IAM key: critical.
    let leaked = findings
        .iter()
        .find(|f| {
            f["rule"] == "leaked-credential-is-live"
                && f["subject"]
                    .as_str()
                    .unwrap()
                    .contains("AKIACIBBMGIGTVD3ELUO")
        })
        .expect("the laptop key is live");
    assert_eq!(leaked["severity"], "critical");
    assert_eq!(leaked["owasp"], "NHI2");
    assert!(leaked["references"]["iso_27001_2022"].is_array());
    assert!(has("owner-offboarded", "slack-bot-deployer"));
    assert!(has("admin-privilege", "slack-bot-deployer"));
    assert!(has("static-cloud-key-in-ci", "deploy-legacy"));
    assert!(has("mcp-server-holds-secret", "openai-docs-search"));
    // Third-party MCP servers handed tokens: `npx -y` without a version, a remote
    // server through the unpinned mcp-remote proxy. The filesystem server gets none.
    assert!(has("unvetted-mcp-server", "github"));
    assert!(has("unvetted-mcp-server", "linear"));
    assert!(!has("unvetted-mcp-server", "filesystem"));
    // A workload identity provider trusting GitHub with no attribute condition admits
    // every repository on github.com; the one scoped to acme-corp is fine.
    assert!(has(
        "workload-identity-provider-unrestricted",
        "github-2022"
    ));
    assert!(!has(
        "workload-identity-provider-unrestricted",
        "github-acme"
    ));
    assert!(has("third-party-app-broad-access", "Deskpilot"));
    assert!(has(
        "static-key-where-federation-exists",
        "slack-bot-deployer"
    ));
    assert!(has("credential-too-old", "AKIATB6KWL4MGCPLJF7K"));
    assert!(has("environment-mixing", "acme-support-bot"));
    assert!(has("identity-reuse", "support/support-bot"));
    // The classic PAT on Alice's laptop is a legacy format (NHI4).
    assert!(has("legacy-credential-format", "ghp_"));
    assert!(has(
        "departed-person-holds-credential",
        "key_VGAgYO0iZM98G4mZ"
    ));
    // Secrets found by the scan are listed too, with their references.
    assert!(
        findings
            .iter()
            .any(|f| f["source"] == "scan" && f["rule"] == "slack-webhook")
    );
    let mut risks: Vec<&str> = findings
        .iter()
        .map(|f| f["owasp"].as_str().unwrap())
        .collect();
    risks.sort();
    risks.dedup();
    // Someone signs in to the console as the deployer (NHI10).
    assert!(has("human-use-of-nhi", "slack-bot-deployer"));
    assert_eq!(
        risks,
        [
            "NHI1", "NHI10", "NHI2", "NHI3", "NHI4", "NHI5", "NHI6", "NHI7", "NHI8", "NHI9"
        ]
    );
}

#[test]
fn a_suppressed_finding_is_hidden_until_it_expires_and_keeps_its_reason() {
    let run = run();
    let nhi = |args: &[&str]| {
        Command::cargo_bin("nhi")
            .unwrap()
            .args(args)
            .arg("--db")
            .arg(&run.db)
            .output()
            .unwrap()
    };
    let list = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["findings", "--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_slice(&nhi(&args).stdout).unwrap()
    };
    let before = list(&[]);
    let target = before
        .iter()
        .find(|f| f["rule"] == "static-cloud-key-in-ci")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expires = (jiff::Zoned::now().date() + jiff::Span::new().days(30)).to_string();
    let out = nhi(&[
        "findings",
        "suppress",
        &target,
        "--reason",
        "legacy host retires in December",
        "--expires",
        &expires,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = list(&[]);
    assert_eq!(after.len() + 1, before.len());
    assert!(after.iter().all(|f| f["id"] != target.as_str()));
    let all = list(&["--include-suppressed"]);
    let shown = all.iter().find(|f| f["id"] == target.as_str()).unwrap();
    assert!(
        shown["status"]
            .as_str()
            .unwrap()
            .contains("legacy host retires in December"),
        "{shown:#}"
    );
    // Refused: no reason, a past date, more than a year ahead.
    for (reason, date) in [
        ("", expires.as_str()),
        ("r", "2020-01-01"),
        ("r", "2099-01-01"),
    ] {
        let out = nhi(&[
            "findings",
            "suppress",
            &target,
            "--reason",
            reason,
            "--expires",
            date,
        ]);
        assert_eq!(out.status.code(), Some(2), "{reason:?} {date}");
    }
    assert!(nhi(&["findings", "unsuppress", &target]).status.success());
    assert_eq!(list(&[]).len(), before.len());
}

#[test]
fn the_report_covers_every_owasp_risk_and_is_self_contained() {
    let run = run();
    let report = |format: &str| {
        let out = Command::cargo_bin("nhi")
            .unwrap()
            .args(["report", "--format", format, "--db"])
            .arg(&run.db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&report("json")).unwrap();
    let coverage = json["summary"]["owasp_coverage"].as_array().unwrap();
    assert_eq!(coverage.len(), 10);
    assert!(
        coverage
            .iter()
            .all(|row| row["findings"].as_u64().unwrap() > 0),
        "{coverage:#?}"
    );
    let ai = json["ai_integrations"].as_array().unwrap();
    assert!(
        ai.iter().any(|a| a["name"] == "openai-docs-search"
            && a["reaches"][0].as_str().unwrap().contains("support-bot")),
        "{ai:#?}"
    );
    let html = report("html");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100]);
    // URLs appear as text (evidence names API endpoints); nothing is loaded from one.
    assert!(!html.contains(" src="));
    assert!(!html.contains("href=\"http"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("<script"));
    assert!(html.contains("<svg"));
    let md = report("md");
    assert!(md.contains("NHI10"));
    assert!(md.contains("alice-chen-cli"));
    // SARIF: one result per finding of the JSON report; secrets found in code point at
    // their file and line.
    let sarif: Value = serde_json::from_str(&report("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    assert!(
        results.iter().any(|r| r["properties"]["source"] == "scan"
            && r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .is_some()),
        "no scan finding has a file location"
    );
}
