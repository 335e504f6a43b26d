//! Our rules for well-known detections against the real CloudTrail records of
//! Panther's rule tests (see the README beside the data set). The data set is read in
//! place and never copied; without it the test says so and passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nhi_sigma::RuleSet;
use serde_json::Value;

/// The shared dataset folder, found through nhi-testkit (`$NHI_SHARED_DATASETS`, then
/// `../shared/datasets` beside the repository).
fn dataset_dir() -> PathBuf {
    nhi_testkit::shared_dataset("cloudtrail/panther_rule_tests.ndjson")
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("../shared/datasets/cloudtrail"))
}

/// Our rule title for each Panther rule id it stands in for.
const MAPPING: &[(&str, &str)] = &[
    (
        "AWS.CloudTrail.Stopped",
        "CloudTrail logging stopped or trail deleted",
    ),
    (
        "AWS.CloudTrail.EventSelectorsDisabled",
        "Trail event selectors stop recording management events",
    ),
    ("AWS.Console.LoginWithoutMFA", "Console sign-in without MFA"),
    ("AWS.Console.RootLogin", "Root user console sign-in"),
    (
        "AWS.CloudTrail.SnapshotMadePublic",
        "EBS snapshot shared publicly or with another account",
    ),
    (
        "AWS.CloudTrail.AMIModifiedForPublicAccess",
        "AMI launch permission opened",
    ),
    (
        "AWS.ConfigService.DisabledDeleted",
        "AWS Config recording stopped or deleted",
    ),
    ("AWS.VPCFlow.LogsDeleted", "VPC flow logs deleted"),
];

#[test]
fn rules_fire_on_the_labelled_positives_of_matching_panther_rules() {
    let dir = dataset_dir();
    let records_path = dir.join("panther_rule_tests.ndjson");
    let labels_path = dir.join("panther_rule_tests.labels.json");
    if !records_path.exists() || !labels_path.exists() {
        println!(
            "SKIPPED: Panther CloudTrail data set not found in {} (set NHI_SHARED_DATASETS)",
            dir.display()
        );
        return;
    }
    let (rules, errors) = RuleSet::load_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"));
    assert!(errors.is_empty(), "{errors:?}");
    for (_, title) in MAPPING {
        assert!(
            rules.rules().iter().any(|r| r.title == *title),
            "rule '{title}' is shipped"
        );
    }

    let records: Vec<Value> = std::fs::read_to_string(&records_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record is JSON"))
        .collect();
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(&labels_path).unwrap()).unwrap();

    // Every record goes through every rule: partial records must not trip evaluation.
    let mut fired_per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for record in &records {
        for rule in rules.matches(record) {
            *fired_per_rule.entry(rule.title.as_str()).or_default() += 1;
        }
    }

    let mut checked_positive = 0;
    let mut checked_negative = 0;
    for event in labels["events"].as_array().unwrap() {
        let rule_id = event["rule_id"].as_str().unwrap();
        let Some((_, title)) = MAPPING.iter().find(|(id, _)| *id == rule_id) else {
            continue;
        };
        let line = event["line"].as_u64().unwrap() as usize;
        let expected = event["expected_result"].as_bool().unwrap();
        let fired = rules
            .matches(&records[line])
            .iter()
            .any(|r| r.title == *title);
        if expected {
            assert!(
                fired,
                "'{title}' must fire on line {line} ({rule_id}: {})",
                event["test_name"]
            );
            checked_positive += 1;
        } else if !event["has_mocks"].as_bool().unwrap() {
            // Negatives that depend on mocked look-ups are not decidable from the record.
            assert!(
                !fired,
                "'{title}' must not fire on line {line} ({rule_id}: {})",
                event["test_name"]
            );
            checked_negative += 1;
        }
    }
    println!(
        "checked {checked_positive} positives and {checked_negative} negatives; fired per rule over all {} records: {fired_per_rule:?}",
        records.len()
    );
    assert!(checked_positive >= 10 && checked_negative >= 8);
}
