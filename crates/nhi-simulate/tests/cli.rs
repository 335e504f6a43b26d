//! The `nhi-simulate` binary end to end.

use std::process::Command;

#[test]
fn writes_a_data_set_and_reports_it() {
    let out = tempfile::tempdir().unwrap();
    let result = Command::new(env!("CARGO_BIN_EXE_nhi-simulate"))
        .args([
            "--seed", "3", "--days", "4", "--format", "ndjson", "--gzip", "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let message = String::from_utf8_lossy(&result.stderr);
    assert!(
        message.contains("events") && message.contains("episodes"),
        "{message}"
    );
    assert!(out.path().join("cloudtrail.ndjson.gz").is_file());
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("labels.json")).unwrap()).unwrap();
    assert_eq!(labels["seed"], 3);
    assert_eq!(labels["days"], 4);
    assert!(labels["event_count"].as_u64().unwrap() > 0);
}

#[test]
fn refuses_a_window_too_short_for_episodes() {
    let out = tempfile::tempdir().unwrap();
    let result = Command::new(env!("CARGO_BIN_EXE_nhi-simulate"))
        .args(["--days", "2", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("--days must be at least 4"));
}
