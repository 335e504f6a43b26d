//! `nhi scan` over a directory of code and platform exports, then `nhi inventory`,
//! `nhi show`, `nhi graph` and `nhi import` against the store it wrote: the code ↔ cloud
//! chain end to end, through the real binary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use rand::SeedableRng;
use serde_json::Value;

struct Estate {
    dir: tempfile::TempDir,
    key_id: String,
    aws_secret: String,
    openai_key: String,
}

fn nhi(estate: &Estate, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("nhi")
        .unwrap()
        .args(args)
        .arg("--db")
        .arg(estate.dir.path().join("store.db"))
        .env("NHI_KEY_FILE", estate.dir.path().join("key"))
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository with an AWS key pair and an OpenAI key in `.env`, CODEOWNERS, and the
/// AWS and OpenAI exports that describe the same keys.
fn estate() -> Estate {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let aws = nhi_testkit::fake_secret("aws-access-key", &mut rng).unwrap();
    let openai = nhi_testkit::fake_secret("openai-project-key", &mut rng).unwrap();
    let key_id = aws.companions[0].value.to_string();
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join("app")).unwrap();
    fs::create_dir_all(repo.join("exports")).unwrap();
    let mut env = aws.env_lines();
    env.push(format!("OPENAI_API_KEY={}", openai.value.as_str()));
    fs::write(repo.join("app/.env"), env.join("\n") + "\n").unwrap();
    fs::write(
        repo.join("CODEOWNERS"),
        "*  @acme/platform\n/app/  @acme/app-team\n",
    )
    .unwrap();
    fs::write(
        repo.join("exports/list-access-keys.json"),
        format!(
            r#"{{"AccessKeyMetadata": [{{"UserName": "ci-bot", "AccessKeyId": "{key_id}",
               "Status": "Active", "CreateDate": "2023-02-01T10:00:00+00:00"}}],
               "IsTruncated": false}}"#
        ),
    )
    .unwrap();
    fs::write(
        repo.join("exports/gaad.json"),
        r#"{"UserDetailList": [{"Path": "/", "UserName": "ci-bot", "UserId": "AIDAEXAMPLECIBOT0001",
            "Arn": "arn:aws:iam::111122223333:user/ci-bot", "CreateDate": "2023-02-01T09:00:00+00:00",
            "GroupList": [], "UserPolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "Tags": [{"Key": "environment", "Value": "prod"}]}],
          "GroupDetailList": [], "RoleDetailList": [], "Policies": [], "IsTruncated": false}"#,
    )
    .unwrap();
    let value = openai.value.as_str();
    let redacted = format!("{}...{}", &value[..11], &value[value.len() - 4..]);
    fs::write(
        repo.join("exports/openai-project-keys.json"),
        format!(
            r#"{{"object": "list", "data": [{{"object": "organization.project.api_key",
               "redacted_value": "{redacted}", "name": "support bot", "created_at": 1711471533,
               "last_used_at": 1732000000, "id": "key_abc",
               "owner": {{"type": "service_account", "service_account": {{"id": "svc_acct_abc",
               "name": "support-bot", "created_at": 1711471533, "role": "member"}}}}}}],
               "first_id": "key_abc", "last_id": "key_abc", "has_more": false}}"#
        ),
    )
    .unwrap();
    Estate {
        dir,
        key_id,
        aws_secret: aws.value.to_string(),
        openai_key: openai.value.to_string(),
    }
}

fn scan(estate: &Estate) {
    let repo = estate.dir.path().join("repo");
    let out = nhi(
        estate,
        &[
            "scan",
            repo.to_str().unwrap(),
            "--no-history",
            "--fail-on",
            "never",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("read 3 platform exports"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn inventory(estate: &Estate) -> Vec<Value> {
    let out = nhi(estate, &["inventory", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_key_in_code_joins_its_iam_user_with_owner_environment_and_admin_rights() {
    let estate = estate();
    scan(&estate);
    let identities = inventory(&estate);
    let user = identities
        .iter()
        .find(|i| i["name"] == "ci-bot")
        .expect("the IAM user from the exports");
    assert_eq!(user["provider"], "aws");
    assert_eq!(user["kind"], "iam_user");
    assert_eq!(user["external_id"], "arn:aws:iam::111122223333:user/ci-bot");
    assert_eq!(user["environment"], "prod");
    assert_eq!(user["attributes"]["privilege"], "admin");
    // No owner tag: CODEOWNERS of the file holding the key names the owner.
    assert_eq!(user["owners"], serde_json::json!(["@acme/app-team"]));
    let credentials = user["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1, "{credentials:#?}");
    let key = &credentials[0];
    assert_eq!(key["external_id"], estate.key_id.as_str());
    assert_eq!(key["status"], "active");
    assert_eq!(key["created"], "2023-02-01T10:00:00Z");
    assert!(key["fingerprint"].as_str().unwrap().len() == 64);
    assert_eq!(key["matched"]["confidence"], "high");
    let sightings = key["sightings"].as_array().unwrap();
    assert!(
        sightings
            .iter()
            .any(|s| s["path"] == "app/.env" && s["line"].as_u64().is_some()),
        "{sightings:#?}"
    );
    // No unclaimed shadow identity is left for the matched key.
    assert!(
        !identities
            .iter()
            .any(|i| i["kind"] == "unknown" && i["provider"] == "aws"),
        "the AWS key should not also be an unknown identity"
    );
}

#[test]
fn an_openai_key_in_code_matches_the_admin_api_listing_by_its_visible_characters() {
    let estate = estate();
    scan(&estate);
    let identities = inventory(&estate);
    let account = identities
        .iter()
        .find(|i| i["provider"] == "openai" && i["name"] == "support-bot")
        .expect("the OpenAI service account");
    let key = &account["credentials"][0];
    assert_eq!(key["matched"]["confidence"], "medium");
    assert_eq!(key["sightings"][0]["path"], "app/.env");
    assert_eq!(key["last_used"], "2024-11-19T07:06:40Z");
}

#[test]
fn show_finds_an_identity_by_access_key_id_and_prints_where_the_key_was_seen() {
    let estate = estate();
    scan(&estate);
    let out = nhi(&estate, &["show", &estate.key_id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("ci-bot\n"), "{text}");
    assert!(
        text.contains("arn:aws:iam::111122223333:user/ci-bot"),
        "{text}"
    );
    assert!(text.contains("app/.env:"), "{text}");
    assert!(text.contains("matched in code (high confidence)"), "{text}");
    assert!(text.contains("AdministratorAccess"), "{text}");

    let missing = nhi(&estate, &["show", "no-such-identity"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no identity"));
}

#[test]
fn filters_and_formats_agree() {
    let estate = estate();
    scan(&estate);
    let only_aws = nhi(
        &estate,
        &["inventory", "--provider", "aws", "--format", "jsonl"],
    );
    let lines: Vec<Value> = stdout(&only_aws)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|i| i["provider"] == "aws"));
    let prod = nhi(&estate, &["inventory", "--env", "prod", "--format", "csv"]);
    let csv = stdout(&prod);
    assert!(
        csv.starts_with("id,provider,kind,name,external_id"),
        "{csv}"
    );
    assert!(csv.contains(",ci-bot,"), "{csv}");
    assert!(!csv.contains("support-bot"), "{csv}");
    let owner = nhi(&estate, &["inventory", "--owner", "app-team"]);
    assert!(stdout(&owner).contains("ci-bot"));
    let bad = nhi(&estate, &["inventory", "--provider", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--provider"));
}

#[test]
fn graph_exports_are_well_formed_and_carry_the_code_link() {
    let estate = estate();
    scan(&estate);
    let json: Value =
        serde_json::from_slice(&nhi(&estate, &["graph", "--format", "json"]).stdout).unwrap();
    assert!(json["nodes"].as_array().unwrap().len() >= 4, "{json:#}");
    let opengraph: Value =
        serde_json::from_slice(&nhi(&estate, &["graph", "--format", "opengraph"]).stdout).unwrap();
    assert!(opengraph["graph"]["nodes"].is_array(), "{opengraph:#}");
    assert!(opengraph["graph"]["edges"].is_array(), "{opengraph:#}");
    let dot = stdout(&nhi(&estate, &["graph", "--format", "dot"]));
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.contains("same_as") || dot.contains("same as"), "{dot}");

    // Nothing nhi wrote holds a planted secret.
    for output in [json.to_string(), opengraph.to_string(), dot] {
        for secret in [&estate.aws_secret, &estate.openai_key] {
            assert!(!output.contains(secret.as_str()));
        }
    }
}

#[test]
fn import_reads_exports_names_unknown_formats_and_keeps_going() {
    let estate = estate();
    let dir = estate.dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../nhi-aws/tests/fixtures");
    fs::write(dir.join("widgets.json"), r#"{"Widgets": [1, 2]}"#).unwrap();
    let out = nhi(
        &estate,
        &[
            "import",
            dir.join("widgets.json").to_str().unwrap(),
            fixtures
                .join("gaad_malformed_policy.json")
                .to_str()
                .unwrap(),
            fixtures.join("list_accounts.json").to_str().unwrap(),
            dir.join("missing.json").to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("widgets.json: not a platform export"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws iam get-account-authorization-details"),
        "{stderr}"
    );
    assert!(stderr.contains("missing.json: cannot read"), "{stderr}");
    // The malformed policy is a warning naming the file and a JSON path...
    assert!(
        stderr.contains(
            "gaad_malformed_policy.json: UserDetailList[0].UserPolicyList[1].PolicyDocument: malformed policy document"
        ),
        "{stderr}"
    );
    // ...and the rest of that file and the other files still load.
    let out = nhi(
        &estate,
        &["inventory", "--format", "json", "--include-stubs"],
    );
    let identities: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        identities.iter().any(|i| i["provider"] == "aws"),
        "{identities:#?}"
    );
}

/// `nhi findings --input` assesses exports without the store and agrees, finding for
/// finding, with `nhi import` followed by `nhi findings` on a fresh store.
#[test]
fn findings_from_input_files_match_import_then_findings_and_leave_no_store() {
    let exports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme/exports");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], db: &Path| {
        Command::cargo_bin("nhi")
            .unwrap()
            .args(args)
            .arg("--db")
            .arg(db)
            .arg("--policy")
            .arg(exports.join("../../nhi.toml"))
            .env("NHI_KEY_FILE", dir.path().join("key"))
            .output()
            .unwrap()
    };
    // The findings JSON of a run that must succeed.
    let findings = |args: &[&str], db: &Path| -> Vec<Value> {
        let out = run(args, db);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Import `paths` into a fresh store `db`, then its findings.
    let through_store = |paths: &[&Path], db: &Path| -> Vec<Value> {
        let mut args = vec!["import"];
        args.extend(paths.iter().map(|p| p.to_str().unwrap()));
        let out = run(&args, db);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        findings(&["findings", "--format", "json"], db)
    };
    let untouched = dir.path().join("untouched.db");
    let in_memory = |paths: &[&Path]| -> Vec<Value> {
        let mut args = vec!["findings", "--format", "json"];
        for path in paths {
            args.extend(["--input", path.to_str().unwrap()]);
        }
        findings(&args, &untouched)
    };

    let from_store = through_store(&[&exports], &dir.path().join("stored.db"));
    let from_files = in_memory(&[&exports]);
    assert!(from_files.len() > 20, "{from_files:#?}");
    assert!(
        from_files.iter().any(|f| f["owasp"] == "NHI5")
            && from_files.iter().any(|f| f["owasp"] == "NHI1"),
        "{from_files:#?}"
    );
    assert_eq!(from_files, from_store);
    assert!(
        !untouched.exists(),
        "--input must not create or open the store"
    );

    // One file alone (its collection is the inventory, without a second merge).
    let gaad = exports.join("aws/iam-get-account-authorization-details.json");
    let one_file = in_memory(&[&gaad]);
    assert!(!one_file.is_empty());
    assert_eq!(
        one_file,
        through_store(&[&gaad], &dir.path().join("single.db"))
    );

    // A file that cannot be read is named, the rest is still assessed, exit code 2.
    let missing = dir.path().join("missing.json");
    let out = run(
        &[
            "findings",
            "--format",
            "json",
            "--input",
            exports.to_str().unwrap(),
            "--input",
            missing.to_str().unwrap(),
        ],
        &untouched,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.json: cannot read"), "{stderr}");
    let partial: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(partial, from_store);
}
