//! `nhi policy check` accepts the documented example and refuses mistakes with the
//! field or position and exit code 2.

use assert_cmd::Command;

#[test]
fn the_example_policy_is_valid_and_mistakes_are_named() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nhi.toml");
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["policy", "check"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("key age (days): critical 30, high 60, other 90"),
        "{text}"
    );
    assert!(text.contains("in acme-corp.io"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("nhi.toml");
    std::fs::write(&bad, "[owners]\nrequired = true\ndomain = [\"acme.io\"]\n").unwrap();
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .args(["policy", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nhi.toml:3:1"), "{stderr}");
    assert!(stderr.contains("domain"), "{stderr}");
}
