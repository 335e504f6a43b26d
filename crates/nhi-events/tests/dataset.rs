//! The real CloudTrail records in the shared datasets (`cloudtrail/`) (461 lines from
//! Panther's rule tests): every line must become an event or a counted, positioned
//! warning, and partial records must still become events.

mod common;

use std::collections::BTreeSet;

use nhi_events::ReadOptions;
use nhi_model::{EventSource, Outcome};

#[test]
fn every_real_cloudtrail_line_is_accounted_for() {
    let Some(path) = nhi_testkit::shared_dataset_or_skip(
        "cloudtrail/panther_rule_tests.ndjson",
        "every_real_cloudtrail_line_is_accounted_for",
    ) else {
        return;
    };
    let path = path.as_path();
    let text = std::fs::read_to_string(path).unwrap();
    let non_blank_lines = text.lines().filter(|line| !line.trim().is_empty()).count();
    assert_eq!(
        non_blank_lines, 461,
        "the dataset README promises 461 records"
    );

    let (events, stats) = common::read_all(path, &ReadOptions::default());
    let warned_lines: BTreeSet<String> = stats
        .warnings
        .iter()
        .map(|warning| warning.location.clone())
        .collect();
    let event_lines: BTreeSet<String> = events.iter().map(|event| event.origin.clone()).collect();
    assert_eq!(event_lines.len(), events.len(), "one event per line");
    assert_eq!(
        events.len() + warned_lines.len(),
        non_blank_lines,
        "{:#?}",
        stats.warnings
    );
    assert_eq!(stats.problems() as usize, warned_lines.len());
    assert!(event_lines.is_disjoint(&warned_lines));
    for warning in &stats.warnings {
        let line: usize = warning
            .location
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .expect("warning names its line");
        assert!((1..=461).contains(&line));
    }
    // Every record in this file is CloudTrail, so all of them must parse.
    assert_eq!(events.len(), 461, "{:#?}", stats.warnings);
    assert!(
        events
            .iter()
            .all(|event| event.source == EventSource::CloudTrail)
    );
    assert_eq!(stats.events_from(EventSource::CloudTrail), 461);

    // Partial records: no eventTime or no userIdentity, still events, and counted.
    let without_time = events.iter().filter(|event| event.time.is_none()).count();
    let without_principal = events
        .iter()
        .filter(|event| event.actor.principal.is_empty())
        .count();
    assert!(without_time > 0 && without_principal > 0);
    assert!(stats.missing_fields as usize >= without_time.max(without_principal));

    // Spot checks against the raw text of the first line (an IAM user's call).
    let first = &events[0];
    assert_eq!(
        first.actor.principal,
        "arn:aws:iam::123456789012:user/john.developer"
    );
    assert_eq!(
        first.actor.credential_id.as_deref(),
        Some("AKIAI123456789EXAMPLE")
    );
    assert_eq!(first.action, "UpdateFunctionConfiguration20150331v2");
    assert_eq!(first.service, "lambda");
    assert_eq!(first.origin, format!("{}:1", path.display()));

    // Athena-style lowercase exports (line 32) keep their fields and a space-separated UTC time.
    let lowercase = events
        .iter()
        .find(|event| event.origin == format!("{}:32", path.display()))
        .unwrap();
    assert_eq!(lowercase.action, "GetRecords");
    assert_eq!(lowercase.service, "dynamodb");
    assert_eq!(lowercase.actor.principal, "arn:aws:test_arn");
    assert_eq!(lowercase.time, common::ts("2023-01-10T21:04:02Z"));

    // Assumed roles resolve to the role, not the session; failures carry their code.
    let assumed = events
        .iter()
        .filter(|event| event.actor.kind.as_deref() == Some("AssumedRole"));
    for event in assumed {
        assert!(
            event.actor.principal.is_empty() || !event.actor.principal.contains(":assumed-role/"),
            "{}: {}",
            event.origin,
            event.actor.principal
        );
    }
    let failures = events
        .iter()
        .filter(|event| event.outcome == Outcome::Failure)
        .count();
    assert!(
        failures >= 67,
        "67 records carry an errorCode, found {failures} failures"
    );
    let shared = events
        .iter()
        .filter(|event| event.details.contains_key("shared_with"))
        .count();
    assert!(shared > 0);
}
