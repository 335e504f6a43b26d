//! Bad input gets a warning that names the file (and position where there is one), the
//! scan goes on, nothing panics, the summary counts what was skipped and why, and the
//! exit code says so.

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;

const PAT_RULE: &str = "github-classic-pat";

fn key(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("key");
    fs::write(&path, [0x11; 32]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// A fresh, format-valid secret for `rule` (`NAME=value` line) from the testkit.
fn secret_line(rule: &str, seed: u64) -> String {
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    let fake = nhi_testkit::fake_secret(rule, &mut rng).unwrap();
    fake.env_lines().join("\n")
}

fn git(dir: &Path, args: &[&str]) {
    let status = StdCommand::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn scan(root: &Path, key: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--no-store", "--max-file-size", "4096"])
        .arg("--key-file")
        .arg(key)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "nhi panicked:\n{stderr}");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr:\n{stderr}"));
    (out.status.code(), json, stderr)
}

fn warnings_for<'a>(json: &'a Value, reason: &str) -> Vec<&'a Value> {
    json["summary"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["reason"] == reason)
        .collect()
}

fn rules_found(json: &Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_kind_of_bad_input_is_named_and_the_rest_still_scans() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("tree");
    fs::create_dir_all(root.join(".github/workflows")).unwrap();
    fs::create_dir_all(root.join(".vscode")).unwrap();
    fs::create_dir_all(root.join("loop")).unwrap();
    let key = key(work.path());

    // A good file: its secret must still be found.
    fs::write(root.join("good.env"), secret_line(PAT_RULE, 1)).unwrap();
    // Invalid UTF-8 around a secret: scanned as bytes, secret found.
    let mut latin1 = b"# caf\xe9 cr\xe8me\n".to_vec();
    latin1.extend_from_slice(secret_line("slack-bot-token", 2).as_bytes());
    latin1.extend_from_slice(b"\n\xff\xfe trailing\n");
    fs::write(root.join("latin1.env"), latin1).unwrap();
    // Invalid UTF-8 in a config that must be parsed.
    fs::write(
        root.join(".vscode/mcp.json"),
        b"{\"servers\": {\"a\xff\": {}}}",
    )
    .unwrap();
    // Truncated JSON and YAML configs, and a truncated notebook.
    fs::write(
        root.join(".mcp.json"),
        "{\n  \"mcpServers\": {\n    \"github\": {\n      \"command\": \"npx\",\n      \"env\": {",
    )
    .unwrap();
    fs::write(
        root.join(".github/workflows/ci.yml"),
        "name: ci\non: [push]\njobs:\n  build:\n    steps: [\n      - uses: \"actions/checkout",
    )
    .unwrap();
    fs::write(
        root.join("analysis.ipynb"),
        "{\"cells\": [{\"source\": [\"x = 1",
    )
    .unwrap();
    // A huge file (over --max-file-size 4096).
    fs::write(root.join("huge.log"), "x".repeat(10_000)).unwrap();
    // A binary file.
    fs::write(
        root.join("blob.bin"),
        b"\x00\x01\x02ghp_notreallyatoken\x00",
    )
    .unwrap();
    #[cfg(unix)]
    {
        // A symlink loop and a dangling link (an unreadable path).
        std::os::unix::fs::symlink("..", root.join("loop/parent")).unwrap();
        std::os::unix::fs::symlink("does-not-exist", root.join("dangling.env")).unwrap();
        // A link out of the root (to a host file with a secret) is not followed.
        fs::write(
            work.path().join("host.env"),
            secret_line("stripe-secret-key", 4),
        )
        .unwrap();
        std::os::unix::fs::symlink(work.path().join("host.env"), root.join("escape.env")).unwrap();
    }

    let (code, json, stderr) = scan(&root, &key, &["--fail-on", "never"]);
    let found = rules_found(&json);
    assert!(
        found.contains(&(PAT_RULE.to_string(), "good.env".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&("slack-bot-token".to_string(), "latin1.env".to_string())),
        "{found:?}"
    );

    let malformed = warnings_for(&json, "malformed");
    for path in [".mcp.json", ".github/workflows/ci.yml", "analysis.ipynb"] {
        let w = malformed
            .iter()
            .find(|w| w["path"] == path)
            .unwrap_or_else(|| panic!("no malformed warning for {path}: {malformed:?}"));
        assert!(
            w["position"].as_str().unwrap_or_default().contains("line"),
            "{path}: warning has no position: {w}"
        );
        assert!(
            stderr.contains(path),
            "stderr does not name {path}:\n{stderr}"
        );
    }
    let invalid_utf8 = warnings_for(&json, "invalid_utf8");
    assert!(
        invalid_utf8.iter().any(|w| w["path"] == ".vscode/mcp.json"),
        "{invalid_utf8:?}"
    );
    assert!(
        warnings_for(&json, "too_large")
            .iter()
            .any(|w| w["path"] == "huge.log")
    );
    #[cfg(unix)]
    {
        let loops = warnings_for(&json, "symlink_loop");
        assert!(
            loops
                .iter()
                .any(|w| w["path"].as_str().unwrap().contains("loop")),
            "{loops:?}"
        );
        assert!(
            warnings_for(&json, "outside_root")
                .iter()
                .any(|w| w["path"] == "escape.env"),
            "{:?}",
            json["summary"]["warnings"]
        );
        assert!(
            !found.iter().any(|(rule, _)| rule == "stripe-secret-key"),
            "a file outside the root was read: {found:?}"
        );
        let unreadable = warnings_for(&json, "unreadable");
        assert!(
            unreadable.iter().any(|w| w["path"] == "dangling.env"),
            "{unreadable:?}"
        );
    }
    let skipped = &json["summary"]["skipped"];
    for reason in ["malformed", "invalid_utf8", "too_large", "binary"] {
        assert!(
            skipped[reason].as_u64().unwrap_or(0) >= 1,
            "skipped.{reason}: {skipped}"
        );
    }
    // Findings do not fail the run here (--fail-on never), but the bad input does.
    assert_eq!(code, Some(2), "stderr:\n{stderr}");

    // With the default --fail-on high, the critical PAT decides the exit code.
    let (code, _, _) = scan(&root, &key, &[]);
    assert_eq!(code, Some(1));
}

#[test]
fn a_corrupt_git_object_is_named_and_the_rest_of_history_still_scans() {
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    fs::create_dir(&repo).unwrap();
    let key = key(work.path());
    git(&repo, &["init", "-q", "-b", "main"]);
    // Commit 1: a secret that is later deleted (history only).
    fs::write(repo.join("old.env"), secret_line(PAT_RULE, 3)).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add old key"]);
    git(&repo, &["rm", "-q", "old.env"]);
    git(&repo, &["commit", "-q", "-m", "remove old key"]);
    // Commit 3: a file whose blob we then corrupt.
    fs::write(
        repo.join("victim.txt"),
        "some content that will be corrupted\n",
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "victim"]);
    let blob = String::from_utf8(
        StdCommand::new("git")
            .current_dir(&repo)
            .args(["rev-parse", "HEAD:victim.txt"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let object = repo.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&object, fs::Permissions::from_mode(0o644)).unwrap();
    }
    fs::write(&object, b"this is not a zlib stream").unwrap();

    let (code, json, stderr) = scan(&repo, &key, &["--fail-on", "never"]);
    let history_pat = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == PAT_RULE)
        .unwrap_or_else(|| panic!("history secret not found; stderr:\n{stderr}"));
    assert_eq!(history_pat["history_only"], true);
    assert_eq!(history_pat["path"], "old.env");
    assert!(history_pat["commit"].as_str().unwrap().len() >= 40);

    let corrupt = warnings_for(&json, "corrupt_git_object");
    assert!(
        corrupt
            .iter()
            .any(|w| w["path"].as_str().unwrap().contains(&blob)),
        "no warning naming blob {blob}: {corrupt:?}"
    );
    assert!(
        stderr.contains(&blob),
        "stderr does not name {blob}:\n{stderr}"
    );
    assert_eq!(code, Some(2));
}

#[test]
fn a_missing_root_is_a_clear_error_with_exit_code_2() {
    let work = tempfile::tempdir().unwrap();
    let key = key(work.path());
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["scan", "/definitely/not/here", "--no-store"])
        .arg("--key-file")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/definitely/not/here"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["scan", ".", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn gitignored_files_are_scanned_unless_asked_to_respect_gitignore() {
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    fs::create_dir(&repo).unwrap();
    let key = key(work.path());
    git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join(".gitignore"), ".env\n").unwrap();
    fs::write(repo.join(".env"), secret_line(PAT_RULE, 9)).unwrap();

    let (_, json, _) = scan(&repo, &key, &["--fail-on", "never"]);
    assert!(
        rules_found(&json).contains(&(PAT_RULE.to_string(), ".env".to_string())),
        "an ignored .env must be scanned by default"
    );
    let (code, json, _) = scan(&repo, &key, &["--respect-gitignore"]);
    assert!(rules_found(&json).is_empty(), "{:?}", rules_found(&json));
    assert_eq!(code, Some(0));
}
