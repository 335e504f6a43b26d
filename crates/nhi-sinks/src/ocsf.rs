//! OCSF Detection Finding (class 2004) mapping.
//!
//! Attribute names follow the OCSF schema repository (`events/findings/
//! detection_finding.json`, `finding.json`, `objects/finding_info.json`,
//! `analytic.json`, `attack.json`, `evidences.json`, `resource_details.json`).

use serde_json::{Map, Value, json};

use crate::{AlertRecord, AlertSeverity};

/// The OCSF schema release this mapping targets (v1.9.0, August 2026).
pub const OCSF_SCHEMA_VERSION: &str = "1.9.0";

const CLASS_UID: u64 = 2004;
const CATEGORY_UID: u64 = 2;
/// Finding activity "Create": nhi emits each alert once, as a new finding.
const ACTIVITY_CREATE: u64 = 1;
/// Finding status "New": not yet reviewed by anyone.
const STATUS_NEW: u64 = 1;
/// Analytic type "Rule": nhi detections are named rules (NHI-MON-…).
const ANALYTIC_TYPE_RULE: u64 = 1;

/// OCSF `severity_id`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
/// nhi never reports 6 (Fatal), which OCSF reserves for damage already done.
fn severity_id(severity: AlertSeverity) -> (u64, &'static str) {
    match severity {
        AlertSeverity::Info => (1, "Informational"),
        AlertSeverity::Low => (2, "Low"),
        AlertSeverity::Medium => (3, "Medium"),
        AlertSeverity::High => (4, "High"),
        AlertSeverity::Critical => (5, "Critical"),
    }
}

fn millis(timestamp: jiff::Timestamp) -> i64 {
    timestamp.as_millisecond()
}

/// One ATT&CK entry. A sub-technique ID (`T1562.008`) is reported both as
/// its parent technique and as `sub_technique`, as the OCSF `attack` object
/// separates them.
fn attack(technique_id: &str) -> Value {
    match technique_id.split_once('.') {
        Some((parent, _)) => json!({
            "technique": { "uid": parent },
            "sub_technique": { "uid": technique_id },
        }),
        None => json!({ "technique": { "uid": technique_id } }),
    }
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect(),
    )
}

fn user(alert: &AlertRecord) -> Value {
    let mut user = Map::new();
    user.insert("uid".into(), Value::String(alert.identity.clone()));
    if let Some(name) = &alert.identity_name {
        user.insert("name".into(), Value::String(name.clone()));
    }
    Value::Object(user)
}

/// Maps an alert to an OCSF Detection Finding with activity Create.
///
/// `time` is the alert's `last_seen` (when the finding was last confirmed),
/// so that re-rendering the same alert yields the same document.
pub fn to_ocsf(alert: &AlertRecord) -> Value {
    let (severity_id, severity) = severity_id(alert.severity);

    let mut finding_info = Map::new();
    finding_info.insert("uid".into(), json!(alert.id));
    finding_info.insert("title".into(), json!(alert.name));
    finding_info.insert("desc".into(), json!(alert.explanation));
    finding_info.insert("types".into(), json!([alert.detection]));
    finding_info.insert(
        "analytic".into(),
        json!({
            "uid": alert.detection,
            "name": alert.name,
            "type_id": ANALYTIC_TYPE_RULE,
            "type": "Rule",
        }),
    );
    if !alert.mitre.is_empty() {
        finding_info.insert(
            "attacks".into(),
            Value::Array(alert.mitre.iter().map(|id| attack(id)).collect()),
        );
    }
    finding_info.insert("first_seen_time".into(), json!(millis(alert.first_seen)));
    finding_info.insert("last_seen_time".into(), json!(millis(alert.last_seen)));
    finding_info.insert("related_events_count".into(), json!(alert.event_count));
    if !alert.event_ids.is_empty() {
        finding_info.insert(
            "related_events".into(),
            Value::Array(
                alert
                    .event_ids
                    .iter()
                    .map(|id| json!({ "uid": id }))
                    .collect(),
            ),
        );
    }

    let mut resource = Map::new();
    resource.insert("uid".into(), json!(alert.identity));
    resource.insert("type".into(), json!("Non-human identity"));
    if let Some(name) = &alert.identity_name {
        resource.insert("name".into(), json!(name));
    }
    if let Some(owner) = &alert.owner {
        // OCSF's `owner` is a User object; the owner nhi knows is a label.
        resource.insert("owner".into(), json!({ "name": owner }));
    }
    if let Some(region) = &alert.region {
        resource.insert("region".into(), json!(region));
    }

    // `data` carries what no typed evidence attribute fits: the observed and
    // baseline behaviour and where in the input it was read.
    let mut evidence = Map::new();
    evidence.insert("actor".into(), json!({ "user": user(alert) }));
    if let Some(ip) = &alert.source_ip {
        evidence.insert("src_endpoint".into(), json!({ "ip": ip }));
    }
    evidence.insert(
        "data".into(),
        json!({
            "observed": string_map(&alert.observed),
            "baseline": string_map(&alert.baseline),
            "origins": alert.evidence,
            "event_ids": alert.event_ids,
        }),
    );

    let mut finding = Map::new();
    finding.insert("class_uid".into(), json!(CLASS_UID));
    finding.insert("class_name".into(), json!("Detection Finding"));
    finding.insert("category_uid".into(), json!(CATEGORY_UID));
    finding.insert("category_name".into(), json!("Findings"));
    finding.insert("activity_id".into(), json!(ACTIVITY_CREATE));
    finding.insert("activity_name".into(), json!("Create"));
    finding.insert("type_uid".into(), json!(CLASS_UID * 100 + ACTIVITY_CREATE));
    finding.insert("type_name".into(), json!("Detection Finding: Create"));
    finding.insert("severity_id".into(), json!(severity_id));
    finding.insert("severity".into(), json!(severity));
    finding.insert("status_id".into(), json!(STATUS_NEW));
    finding.insert("status".into(), json!("New"));
    finding.insert("is_alert".into(), json!(true));
    finding.insert("time".into(), json!(millis(alert.last_seen)));
    finding.insert("start_time".into(), json!(millis(alert.first_seen)));
    finding.insert("end_time".into(), json!(millis(alert.last_seen)));
    finding.insert("count".into(), json!(alert.event_count));
    finding.insert("message".into(), json!(alert.name));
    finding.insert(
        "metadata".into(),
        json!({
            "uid": alert.id,
            "version": OCSF_SCHEMA_VERSION,
            "product": {
                "name": "nhi",
                "vendor_name": "nhi project",
                "version": env!("CARGO_PKG_VERSION"),
            },
        }),
    );
    finding.insert("finding_info".into(), Value::Object(finding_info));
    finding.insert("resources".into(), json!([Value::Object(resource)]));
    finding.insert("evidences".into(), json!([Value::Object(evidence)]));
    // The identity and source address go in `evidences` rather than at the
    // top level: Detection Finding only has top-level `actor` through the
    // Host profile, which describes a device's own user, not a cloud caller.
    Value::Object(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn field<'a>(value: &'a Value, path: &str) -> &'a Value {
        path.split('.')
            .fold(value, |node, key| match key.parse::<usize>() {
                Ok(index) => &node[index],
                Err(_) => &node[key],
            })
    }

    #[test]
    fn required_and_recommended_attributes_have_the_schema_types() {
        let finding = to_ocsf(&sample::alert());
        let integers = [
            ("class_uid", 2004),
            ("category_uid", 2),
            ("activity_id", 1),
            ("type_uid", 200401),
            ("severity_id", 4),
            ("status_id", 1),
            ("time", 1_796_033_130_500),
            ("finding_info.first_seen_time", 1_796_032_800_000),
            ("finding_info.last_seen_time", 1_796_033_130_500),
            ("finding_info.analytic.type_id", 1),
        ];
        for (path, expected) in integers {
            assert_eq!(field(&finding, path).as_i64(), Some(expected), "{path}");
        }
        let strings = [
            ("metadata.version", OCSF_SCHEMA_VERSION),
            ("metadata.product.name", "nhi"),
            ("metadata.product.vendor_name", "nhi project"),
            ("metadata.product.version", env!("CARGO_PKG_VERSION")),
            ("finding_info.uid", "a1b2c3"),
            (
                "finding_info.title",
                "Defence evasion: CloudTrail logging stopped",
            ),
            ("finding_info.analytic.uid", "NHI-MON-005"),
            ("finding_info.attacks.0.technique.uid", "T1562"),
            ("finding_info.attacks.0.sub_technique.uid", "T1562.008"),
            ("finding_info.types.0", "NHI-MON-005"),
            (
                "resources.0.uid",
                "arn:aws:iam::123456789012:role/deploy-bot",
            ),
            ("resources.0.region", "eu-west-1"),
            ("evidences.0.src_endpoint.ip", "203.0.113.7"),
            ("evidences.0.data.origins.0", "trail.json:12"),
            ("evidences.0.actor.user.name", "deploy-bot"),
        ];
        for (path, expected) in strings {
            assert_eq!(field(&finding, path).as_str(), Some(expected), "{path}");
        }
        assert!(field(&finding, "finding_info.desc").is_string());
        assert_eq!(field(&finding, "is_alert"), &Value::Bool(true));
    }

    #[test]
    fn severities_map_onto_ocsf_ids_in_order() {
        let mut alert = sample::alert();
        let ids: Vec<i64> = AlertSeverity::ALL
            .iter()
            .map(|severity| {
                alert.severity = *severity;
                to_ocsf(&alert)["severity_id"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn optional_fields_are_omitted_rather_than_null() {
        let mut alert = sample::alert();
        alert.mitre.clear();
        alert.source_ip = None;
        alert.identity_name = None;
        let finding = to_ocsf(&alert);
        assert!(finding["finding_info"].get("attacks").is_none());
        assert!(finding["evidences"][0].get("src_endpoint").is_none());
        assert!(
            finding["evidences"][0]["actor"]["user"]
                .get("name")
                .is_none()
        );
        assert!(!finding.to_string().contains("null"));
    }
}
