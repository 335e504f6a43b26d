//! Agreement of the signature detections with the labelled Panther CloudTrail rule tests
//! in the shared datasets (`cloudtrail/`) (see the README there). The dataset is read in
//! place, never copied; the test is skipped with a message when it is absent.
//!
//! The CloudTrail → ActivityEvent conversion below is deliberately tiny and test-only:
//! the real parser lives in another crate.

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use nhi_monitor::{Monitor, MonitorConfig, NoResolver};
use serde_json::Value;

fn text(value: &Value, path: &[&str]) -> Option<String> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Account IDs (or `all`) granted by a `{"add": {"items": [...]}}` permission block.
fn added_items(block: Option<&Value>) -> Vec<String> {
    block
        .and_then(|b| b.pointer("/add/items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                // `group` is only ever `all` (public); other group words grant nobody.
                .filter_map(|item| {
                    text(item, &["userId"])
                        .or_else(|| text(item, &["group"]).filter(|g| g == "all"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Principals an S3 bucket policy allows without a condition: `all` for `*`, else the
/// account of each ARN or account ID.
fn policy_grantees(policy: Option<&Value>) -> Vec<String> {
    let policy = match policy {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let mut out = Vec::new();
    for statement in policy
        .get("Statement")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if text(statement, &["Effect"]).as_deref() != Some("Allow")
            || statement.get("Condition").is_some()
        {
            continue;
        }
        let principals: Vec<Value> = match statement.get("Principal") {
            Some(Value::String(s)) => vec![Value::String(s.clone())],
            Some(Value::Object(map)) => match map.get("AWS") {
                Some(Value::Array(a)) => a.clone(),
                Some(v) => vec![v.clone()],
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        for principal in principals.iter().filter_map(Value::as_str) {
            if principal == "*" {
                out.push("all".to_string());
            } else if let Some(account) = principal.split(':').nth(4) {
                out.push(account.to_string());
            } else {
                out.push(principal.to_string());
            }
        }
    }
    out
}

fn convert(record: &Value, line: usize) -> ActivityEvent {
    let identity = record.get("userIdentity").cloned().unwrap_or(Value::Null);
    let kind = text(&identity, &["type"]);
    let issuer = text(&identity, &["sessionContext", "sessionIssuer", "arn"]);
    let principal = match kind.as_deref() {
        Some("AssumedRole") => issuer.or_else(|| text(&identity, &["arn"])),
        _ => text(&identity, &["arn"]),
    }
    .or_else(|| text(&identity, &["principalId"]))
    .unwrap_or_default();
    let account = text(&identity, &["accountId"]);
    let recipient = text(record, &["recipientAccountId"]).or_else(|| account.clone());
    let params = record
        .get("requestParameters")
        .cloned()
        .unwrap_or(Value::Null);

    let mut resources = Vec::new();
    let acct = recipient.clone().unwrap_or_default();
    if let Some(name) = text(&params, &["userName"]) {
        resources.push(format!("arn:aws:iam::{acct}:user/{name}"));
    }
    if let Some(name) = text(&params, &["roleName"]) {
        resources.push(format!("arn:aws:iam::{acct}:role/{name}"));
    }
    for id in [
        "name",
        "snapshotId",
        "imageId",
        "dBSnapshotIdentifier",
        "bucketName",
    ] {
        if let Some(value) = text(&params, &[id]) {
            resources.push(value);
        }
    }

    let mut details = BTreeMap::new();
    if let Some(role) = text(&params, &["roleArn"]) {
        details.insert("role_arn".to_string(), role);
    }
    let mut shared = Vec::new();
    shared.extend(added_items(params.get("createVolumePermission")));
    shared.extend(added_items(params.get("launchPermission")));
    if let Some(values) = params.get("valuesToAdd").and_then(Value::as_array) {
        shared.extend(values.iter().filter_map(Value::as_str).map(str::to_string));
    }
    shared.extend(policy_grantees(params.get("bucketPolicy")));
    if !shared.is_empty() {
        details.insert("shared_with".to_string(), shared.join(","));
    }
    if record.get("eventName").and_then(Value::as_str) == Some("ConsoleLogin") {
        details.insert("console_login".to_string(), "true".to_string());
    }

    let error = text(record, &["errorCode"]);
    ActivityEvent {
        source: EventSource::CloudTrail,
        id: text(record, &["eventID"]),
        time: text(record, &["eventTime"]).and_then(|t| t.parse().ok()),
        actor: Actor {
            principal,
            kind,
            credential_id: text(&identity, &["accessKeyId"]),
            session: text(&identity, &["principalId"])
                .and_then(|p| p.split_once(':').map(|(_, s)| s.to_string())),
            account,
            display_name: None,
        },
        action: text(record, &["eventName"]).unwrap_or_default(),
        service: text(record, &["eventSource"])
            .unwrap_or_default()
            .trim_end_matches(".amazonaws.com")
            .to_string(),
        resources,
        target_account: recipient,
        source_ip: text(record, &["sourceIPAddress"]),
        user_agent: text(record, &["userAgent"]),
        region: text(record, &["awsRegion"]),
        outcome: if error.is_some() {
            Outcome::Failure
        } else {
            Outcome::Success
        },
        error,
        bytes_out: None,
        bytes_in: None,
        read_only: record.get("readOnly").and_then(Value::as_bool),
        details,
        origin: format!("panther_rule_tests.ndjson:{}", line + 1),
    }
}

/// Panther rules that express (part of) one of our signature detections.
const RULE_TO_DETECTION: &[(&str, &str)] = &[
    ("AWS.CloudTrail.Stopped", "NHI-MON-009"),
    ("AWS.CloudTrail.EventSelectorsDisabled", "NHI-MON-009"),
    ("AWS.VPCFlow.LogsDeleted", "NHI-MON-009"),
    ("AWS.ConfigService.DisabledDeleted", "NHI-MON-009"),
    (
        "AWS.Bedrock.DeleteModelInvocationLoggingConfiguration",
        "NHI-MON-009",
    ),
    ("AWS.CloudTrail.DNSLogsDeleted", "NHI-MON-009"),
    ("AWS.RDS.ActivityStreamStopped", "NHI-MON-009"),
    ("AWS.Macie.Evasion", "NHI-MON-009"),
    ("AWS.RDS.SnapshotShared", "NHI-MON-011"),
    ("AWS.CloudTrail.SnapshotMadePublic", "NHI-MON-011"),
    ("AWS.CloudTrail.AMIModifiedForPublicAccess", "NHI-MON-011"),
    ("AWS.S3.BucketPolicyModified", "NHI-MON-011"),
    ("AWS.IAM.Backdoor.User.Keys", "NHI-MON-006"),
    ("AWS.IAM.CreateUser", "NHI-MON-006"),
    ("AWS.User.Login.Profile.Modified", "NHI-MON-006"),
    (
        "AWS.CloudTrail.LoginProfileCreatedOrModified",
        "NHI-MON-006",
    ),
    ("AWS.IAM.BackdoorRole", "NHI-MON-006"),
];

/// Rules whose semantics match ours exactly: every labelled event must agree.
const MUST_AGREE: &[&str] = &[
    "AWS.CloudTrail.Stopped",
    "AWS.VPCFlow.LogsDeleted",
    "AWS.RDS.SnapshotShared",
    "AWS.CloudTrail.SnapshotMadePublic",
    "AWS.IAM.Backdoor.User.Keys",
    "AWS.ConfigService.DisabledDeleted",
    "AWS.IAM.CreateUser",
    "AWS.CloudTrail.LoginProfileCreatedOrModified",
    "AWS.Bedrock.DeleteModelInvocationLoggingConfiguration",
    "AWS.CloudTrail.DNSLogsDeleted",
    "AWS.RDS.ActivityStreamStopped",
    "AWS.Macie.Evasion",
];

#[derive(Default)]
struct Tally {
    true_pos: usize,
    false_pos: usize,
    true_neg: usize,
    false_neg: usize,
    disagreements: Vec<String>,
}

#[test]
fn signature_detections_agree_with_panther_labels() {
    let test = "signature_detections_agree_with_panther_labels";
    let (Some(events_path), Some(labels_path)) = (
        nhi_testkit::shared_dataset_or_skip("cloudtrail/panther_rule_tests.ndjson", test),
        nhi_testkit::shared_dataset_or_skip("cloudtrail/panther_rule_tests.labels.json", test),
    ) else {
        return;
    };
    let lines: Vec<String> = std::fs::read_to_string(&events_path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(&labels_path).unwrap()).unwrap();

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut converted = 0;
    for label in labels["events"].as_array().unwrap() {
        let rule = label["rule_id"].as_str().unwrap();
        let Some((_, detection)) = RULE_TO_DETECTION.iter().find(|(r, _)| *r == rule) else {
            continue;
        };
        let line = label["line"].as_u64().unwrap() as usize;
        let expected = label["expected_result"].as_bool().unwrap();
        let record: Value = serde_json::from_str(&lines[line]).unwrap();
        let event = convert(&record, line);
        converted += 1;
        // Each Panther test is independent (many share eventID "1"): fresh monitor.
        let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
        let mut alerts = monitor.observe(&event);
        alerts.extend(monitor.flush());
        let fired = alerts.iter().any(|a| a.detection == *detection);
        let tally = tallies.entry(rule).or_default();
        match (expected, fired) {
            (true, true) => tally.true_pos += 1,
            (false, false) => tally.true_neg += 1,
            (true, false) => tally.false_neg += 1,
            (false, true) => tally.false_pos += 1,
        }
        if expected != fired {
            tally.disagreements.push(format!(
                "line {line} `{}` expected={expected} fired={fired}",
                label["test_name"].as_str().unwrap_or("")
            ));
        }
    }

    println!("Panther rule tests vs nhi-monitor signature detections ({converted} events):");
    let (mut agree, mut total) = (0, 0);
    for (rule, t) in &tallies {
        let n = t.true_pos + t.true_neg + t.false_pos + t.false_neg;
        agree += t.true_pos + t.true_neg;
        total += n;
        println!(
            "  {rule:<45} agree {}/{n} (tp {} tn {} fp {} fn {})",
            t.true_pos + t.true_neg,
            t.true_pos,
            t.true_neg,
            t.false_pos,
            t.false_neg
        );
        for d in &t.disagreements {
            println!("      {d}");
        }
    }
    println!("  overall agreement {agree}/{total}");

    assert!(
        converted >= 40,
        "expected the mapped rules to cover many events"
    );
    for rule in MUST_AGREE {
        let t = &tallies[rule];
        assert!(
            t.false_pos == 0 && t.false_neg == 0,
            "{rule}: {:?}",
            t.disagreements
        );
    }
    // The other mapped rules differ on purpose (see README, "Panther agreement"); keep
    // overall agreement from silently eroding.
    assert!(
        agree * 100 >= total * 80,
        "overall agreement {agree}/{total} below 80%"
    );
}
