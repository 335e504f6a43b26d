//! Alerts and the catalogue of detections that raise them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use nhi_model::Severity;
use serde::{Deserialize, Serialize};

/// A detection's fixed description. IDs are stable across releases: alerts, suppressions
/// and dashboards refer to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub id: &'static str,
    pub name: &'static str,
    pub mitre: &'static [&'static str],
    pub severity: Severity,
    /// Needs a baseline (silent while the identity is learning).
    pub needs_baseline: bool,
    /// What the detection compares, for the README and `nhi detections list`.
    pub compares: &'static str,
}

macro_rules! detections {
    ($($konst:ident = $id:literal, $name:literal, [$($mitre:literal),*], $sev:ident, $baseline:literal, $compares:literal;)+) => {
        $(pub const $konst: Detection = Detection {
            id: $id,
            name: $name,
            mitre: &[$($mitre),*],
            severity: Severity::$sev,
            needs_baseline: $baseline,
            compares: $compares,
        };)+
        /// Every detection, in ID order.
        pub const ALL_DETECTIONS: &[Detection] = &[$($konst),+];
    };
}

detections! {
    WATCHED_IDENTITY = "NHI-MON-001", "Activity by a watched high-risk identity", ["T1078.004"], Info, false,
        "any use of an identity whose risk tier is at or above the configured tier; one alert per identity per window";
    ENUMERATION_BURST = "NHI-MON-002", "Enumeration burst", ["T1580", "T1526", "T1087.004"], Medium, true,
        "List/Describe/Get calls and distinct services/regions in the burst window versus the identity's largest window";
    CALLER_IDENTITY_NEW_NETWORK = "NHI-MON-003", "GetCallerIdentity from a new network", ["T1033", "T1087.004"], Medium, true,
        "the network of an sts:GetCallerIdentity call versus the identity's known networks";
    ACCESS_DENIED_BURST = "NHI-MON-004", "AccessDenied burst", ["T1580", "T1069.003"], Medium, true,
        "authorisation failures in the burst window versus the identity's largest window";
    SENSITIVE_FIRST_USE = "NHI-MON-005", "First use of a sensitive action class", ["T1555.006", "T1098"], Medium, true,
        "IAM write, secret read, KMS Decrypt or policy change versus the classes the identity has used";
    PERSISTENCE_OTHER_PRINCIPAL = "NHI-MON-006", "Credentials or login created for another principal", ["T1098.001", "T1136.003", "T1098.003"], High, false,
        "target user/role of CreateAccessKey, CreateUser, Create/UpdateLoginProfile, UpdateAssumeRolePolicy versus the actor and the target's rotators";
    ASSUME_NEW_ROLE = "NHI-MON-007", "AssumeRole into a new role or account", ["T1078.004", "T1550.001"], Medium, true,
        "details.role_arn and its account versus roles and accounts the identity has assumed";
    ROLE_CHAINING = "NHI-MON-008", "Role chaining by an identity that never chained", ["T1550.001", "T1078.004"], Medium, true,
        "an AssumedRole session calling AssumeRole versus whether the identity ever chained roles";
    DEFENCE_EVASION = "NHI-MON-009", "Logging or threat detection disabled", ["T1562.008", "T1562.001"], High, false,
        "signature: CloudTrail StopLogging/DeleteTrail/UpdateTrail/PutEventSelectors, DeleteFlowLogs, GuardDuty detector deletion/disable/disassociation, AWS Config, Bedrock invocation logging, DNS query logging, RDS activity streams, Macie";
    DATA_VOLUME = "NHI-MON-010", "Data access far above baseline", ["T1530"], High, true,
        "GetObject count and bytes out in the current hour versus the hourly EWMA (z-score) and absolute floors";
    EXTERNAL_SHARE = "NHI-MON-011", "Resource shared with an external account", ["T1537"], High, false,
        "details.shared_with of snapshot/AMI/DB snapshot sharing and bucket policies versus the configured known accounts";
    NEW_NETWORK = "NHI-MON-012", "Credential used from a new network", ["T1078.004", "T1552.005"], Medium, true,
        "source /24 or /48 network and ASN versus the identity's networks; high for workload (instance/function) credentials";
    DORMANT_ACTIVE = "NHI-MON-013", "Dormant credential active again", ["T1078.004"], Medium, false,
        "time since the identity's last event versus the dormancy threshold";
    HUMAN_USE_OF_NHI = "NHI-MON-014", "Human use of a non-human identity", ["T1078.004"], High, false,
        "ConsoleLogin or a browser user agent on an identity the inventory marks as non-human";
    LLM_JACKING = "NHI-MON-015", "Bedrock use by an identity that never used it, or in a new region", ["T1496"], High, true,
        "Bedrock model enumeration/invocation versus the identity's services and Bedrock regions";
    USE_AFTER_DEACTIVATION = "NHI-MON-016", "Use after scheduled deactivation", ["T1078.004"], High, false,
        "event time versus the inventory's scheduled deactivation time";
    NEW_REGION = "NHI-MON-017", "Activity in a new region", ["T1535"], Low, true,
        "event region versus the identity's regions; suppressed when a cohort of identities adopts the region";
}

/// Looks a detection up by its ID.
pub fn detection(id: &str) -> Option<&'static Detection> {
    ALL_DETECTIONS.iter().find(|d| d.id == id)
}

/// One alert, as the CLI prints it and sinks deliver it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable: a hash of detection, identity, window start (and the novel value where
    /// one window can hold several alerts), so a replay yields the same IDs.
    pub id: String,
    pub detection: String,
    pub name: String,
    pub mitre: Vec<String>,
    pub severity: Severity,
    /// The baseline key: the inventory ID when resolved, else the actor's principal.
    pub identity: String,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub event_ids: Vec<String>,
    pub event_count: u64,
    pub explanation: String,
    /// Origins (`file:line`) of the events behind the alert.
    pub evidence: Vec<String>,
    pub observed: BTreeMap<String, String>,
    pub baseline: BTreeMap<String, String>,
}

impl Alert {
    pub(crate) fn new(
        detection: &Detection,
        identity: &str,
        window_start: Option<Timestamp>,
        discriminator: &str,
    ) -> Self {
        let window = window_start.map_or_else(|| "untimed".to_string(), |t| t.to_string());
        let id = format!(
            "{}-{:016x}",
            detection.id,
            stable_hash(&[detection.id, identity, &window, discriminator])
        );
        Self {
            id,
            detection: detection.id.to_string(),
            name: detection.name.to_string(),
            mitre: detection.mitre.iter().map(|m| m.to_string()).collect(),
            severity: detection.severity,
            identity: identity.to_string(),
            first_seen: window_start,
            last_seen: window_start,
            event_ids: Vec::new(),
            event_count: 0,
            explanation: String::new(),
            evidence: Vec::new(),
            observed: BTreeMap::new(),
            baseline: BTreeMap::new(),
        }
    }

    pub(crate) fn observed(mut self, key: &str, value: impl ToString) -> Self {
        self.observed.insert(key.to_string(), value.to_string());
        self
    }

    pub(crate) fn baseline(mut self, key: &str, value: impl ToString) -> Self {
        self.baseline.insert(key.to_string(), value.to_string());
        self
    }

    pub(crate) fn explain(mut self, text: impl Into<String>) -> Self {
        self.explanation = text.into();
        self
    }

    pub(crate) fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// FNV-1a 64 over the parts with a separator, so IDs are stable across Rust versions
/// and platforms (std's `DefaultHasher` promises neither).
pub fn stable_hash(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// Merges the alerts of several shards into one deterministic list: ordered by time,
/// then ID, with repeated IDs (the same alert reported twice) dropped.
pub fn merge_alerts(shards: impl IntoIterator<Item = Vec<Alert>>) -> Vec<Alert> {
    let mut all: Vec<Alert> = shards.into_iter().flatten().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all.dedup_by(|a, b| a.id == b.id);
    all.sort_by(|a, b| (a.first_seen, &a.id).cmp(&(b.first_seen, &b.id)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_ids_are_unique_and_ordered() {
        for pair in ALL_DETECTIONS.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} !< {}", pair[0].id, pair[1].id);
        }
        assert_eq!(detection("NHI-MON-009").unwrap().name, DEFENCE_EVASION.name);
    }

    #[test]
    fn merge_orders_by_time_and_drops_repeated_ids() {
        let t1: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let t2: Timestamp = "2024-01-02T00:00:00Z".parse().unwrap();
        let early = Alert::new(&DEFENCE_EVASION, "x", Some(t1), "e1");
        let late = Alert::new(&DEFENCE_EVASION, "y", Some(t2), "e2");
        let mut repeat = early.clone();
        repeat.first_seen = Some(t2);
        let merged = merge_alerts([vec![late.clone(), early.clone()], vec![repeat]]);
        let ids: Vec<&str> = merged.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec![early.id.as_str(), late.id.as_str()]);
    }

    #[test]
    fn alert_ids_are_stable_and_distinct() {
        let t: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let a = Alert::new(&NEW_NETWORK, "x", Some(t), "1.2.3.0/24");
        let b = Alert::new(&NEW_NETWORK, "x", Some(t), "1.2.3.0/24");
        let c = Alert::new(&NEW_NETWORK, "x", Some(t), "5.6.7.0/24");
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        // Pinned so an accidental change to the hash is caught.
        assert_eq!(stable_hash(&["a"]), 0x089be907b544fdc9);
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
    }
}
