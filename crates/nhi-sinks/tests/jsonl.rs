//! JSON lines files: append, one object per line, lossless round trip.

mod common;

use nhi_sinks::{AlertRecord, JsonLinesSink, PayloadFormat, Sink, render_payload, to_ocsf};

#[test]
fn native_records_round_trip_and_appends_keep_earlier_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let mut tricky = common::alert();
    tricky.id = "second".into();
    tricky.explanation = "multi\nline \"quoted\" \u{2028} text".into();
    tricky.identity_name = None;

    let mut sink = JsonLinesSink::open(&path, PayloadFormat::Native).unwrap();
    sink.send(&common::alert()).unwrap();
    sink.flush();
    drop(sink);
    let mut reopened = JsonLinesSink::open(&path, PayloadFormat::Native).unwrap();
    reopened.send(&tricky).unwrap();
    reopened.flush();

    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<AlertRecord> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records, vec![common::alert(), tricky]);
    assert!(text.ends_with('\n'));
}

#[test]
fn times_are_rfc3339_and_severity_is_snake_case() {
    let line = render_payload(&common::alert(), PayloadFormat::Native).unwrap();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(value["first_seen"], "2026-12-01T08:00:00Z");
    assert_eq!(value["last_seen"], "2026-12-01T08:03:12.25Z");
    assert_eq!(value["severity"], "critical");
    assert!(!line.contains('\n'));
}

#[test]
fn ocsf_lines_equal_to_ocsf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("findings.jsonl");
    let mut sink = JsonLinesSink::open(&path, PayloadFormat::Ocsf).unwrap();
    sink.send(&common::alert()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(value, to_ocsf(&common::alert()));
}

#[test]
fn opening_an_unwritable_path_reports_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("alerts.jsonl");
    let error = JsonLinesSink::open(&path, PayloadFormat::Native).unwrap_err();
    assert!(error.to_string().contains("missing-dir"), "{error}");
}

#[test]
fn reopen_follows_a_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let rotated = dir.path().join("alerts.jsonl.1");
    let mut sink = JsonLinesSink::open(&path, PayloadFormat::Native).unwrap();
    sink.send(&common::alert()).unwrap();
    std::fs::rename(&path, &rotated).unwrap();
    sink.reopen().unwrap();
    sink.send(&common::alert()).unwrap();
    assert_eq!(
        std::fs::read_to_string(&rotated).unwrap().lines().count(),
        1
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
}
