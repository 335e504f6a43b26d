//! Monitor configuration. Durations are whole seconds or days so the JSON/TOML form the
//! CLI stores is plain numbers.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::identity::RiskTier;

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Everything the detectors can be tuned with. `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitorConfig {
    /// Immediate monitoring alerts on any use of an identity at or above this tier.
    /// `None` turns immediate monitoring off.
    pub watch_tier: Option<RiskTier>,
    /// One immediate alert per identity per window of this many seconds.
    pub watch_window_secs: i64,
    /// Anomaly detectors stay silent for this many days after an identity's first event.
    pub learning_days: i64,
    /// A novel value stops alerting this many days after it was first seen.
    pub absorb_days: i64,
    /// A credential unused for at least this many days is dormant.
    pub dormant_days: i64,
    /// Sliding window for enumeration and AccessDenied bursts.
    pub burst_window_secs: i64,
    /// Minimum List/Describe/Get calls in one burst window before it can be a burst.
    pub recon_min_calls: usize,
    /// Minimum distinct services (or regions) a burst must span.
    pub recon_min_spread: usize,
    /// Minimum AccessDenied-style failures in one burst window.
    pub denied_min_calls: usize,
    /// A burst must also exceed the identity's own worst window by this factor.
    pub burst_baseline_factor: f64,
    /// EWMA smoothing factor for the hourly rate statistics (0 < alpha <= 1).
    pub ewma_alpha: f64,
    /// z-score above the hourly EWMA that counts as "far above".
    pub exfil_z: f64,
    /// Absolute floors so a quiet identity reading a few objects never alerts.
    pub exfil_min_objects: u64,
    pub exfil_min_bytes: u64,
    /// Active hours of history needed before the volume z-score is trusted.
    pub exfil_min_hours: u64,
    /// Events this many seconds behind the newest time seen are "late": signature
    /// detectors still run, time statistics skip them.
    pub reorder_tolerance_secs: i64,
    /// With a caller clock (`Monitor::set_clock`), events more than this far in the
    /// future are counted as skewed and neither move the watermark nor feed time
    /// statistics, so one bad clock cannot make every later event late.
    pub max_clock_skew_secs: i64,
    /// Event IDs are remembered this long (and at most `dedup_capacity` of them).
    pub dedup_horizon_secs: i64,
    pub dedup_capacity: usize,
    /// Cohort logic: a new region adopted by at least this fraction of established
    /// identities (and at least `cohort_min_identities`) within `cohort_window_secs` is
    /// a fleet change, not a per-identity anomaly. New-region alerts wait this window.
    pub cohort_fraction: f64,
    pub cohort_min_identities: usize,
    /// This many identities adopting the same new region within the window is a fleet
    /// change whatever share of the estate they are (0: only the share counts).
    pub cohort_absolute: usize,
    pub cohort_window_secs: i64,
    /// Accounts the organisation owns or trusts; sharing with anything else alerts.
    pub known_accounts: BTreeSet<String>,
    /// Changes announced in advance (migrations, new regions, new egress).
    pub expected_changes: Vec<ExpectedChange>,
    /// Caps on per-identity value sets; the least recently seen value is evicted.
    pub max_resources: usize,
    pub max_values_per_field: usize,
    /// An identity that has already been seen from at least this many /24 (or /48)
    /// networks is one whose addresses churn (CI runners, serverless egress): without
    /// ASN data, a new prefix inside a /16 (or /32) it already uses is churn, not a new
    /// network. 0 turns this off.
    pub network_churn_min: usize,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            watch_tier: Some(RiskTier::Critical),
            watch_window_secs: HOUR,
            learning_days: 14,
            absorb_days: 7,
            dormant_days: 90,
            burst_window_secs: 5 * 60,
            recon_min_calls: 10,
            recon_min_spread: 3,
            denied_min_calls: 10,
            burst_baseline_factor: 2.0,
            ewma_alpha: 0.1,
            exfil_z: 4.0,
            exfil_min_objects: 500,
            exfil_min_bytes: 1 << 30,
            exfil_min_hours: 24,
            reorder_tolerance_secs: 15 * 60,
            max_clock_skew_secs: 5 * 60,
            dedup_horizon_secs: DAY,
            dedup_capacity: 200_000,
            cohort_fraction: 0.3,
            cohort_min_identities: 3,
            cohort_absolute: 5,
            cohort_window_secs: DAY,
            known_accounts: BTreeSet::new(),
            expected_changes: Vec::new(),
            max_resources: 256,
            max_values_per_field: 512,
            network_churn_min: 8,
        }
    }
}

/// A configuration value outside its meaningful range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid monitor configuration: {field} {problem}")]
pub struct ConfigError {
    pub field: &'static str,
    pub problem: String,
}

impl MonitorConfig {
    /// Checks ranges the detectors rely on. The monitor itself never panics on a bad
    /// value, but a CLI should refuse one rather than monitor badly.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |field, problem: &str| {
            Err(ConfigError {
                field,
                problem: problem.to_string(),
            })
        };
        if !(self.ewma_alpha > 0.0 && self.ewma_alpha <= 1.0) {
            return fail("ewma_alpha", "must be in (0, 1]");
        }
        if !(self.cohort_fraction > 0.0 && self.cohort_fraction <= 1.0) {
            return fail("cohort_fraction", "must be in (0, 1]");
        }
        if !(self.exfil_z.is_finite() && self.exfil_z > 0.0) {
            return fail("exfil_z", "must be a positive number");
        }
        if !(self.burst_baseline_factor.is_finite() && self.burst_baseline_factor >= 1.0) {
            return fail("burst_baseline_factor", "must be at least 1");
        }
        for (field, value) in [
            ("watch_window_secs", self.watch_window_secs),
            ("burst_window_secs", self.burst_window_secs),
            ("cohort_window_secs", self.cohort_window_secs),
        ] {
            if value <= 0 {
                return fail(field, "must be positive");
            }
        }
        for (field, value) in [
            ("learning_days", self.learning_days),
            ("absorb_days", self.absorb_days),
            ("dormant_days", self.dormant_days),
            ("reorder_tolerance_secs", self.reorder_tolerance_secs),
            ("max_clock_skew_secs", self.max_clock_skew_secs),
            ("dedup_horizon_secs", self.dedup_horizon_secs),
        ] {
            if value < 0 {
                return fail(field, "must not be negative");
            }
        }
        Ok(())
    }

    pub(crate) fn learning_secs(&self) -> i64 {
        self.learning_days.saturating_mul(DAY)
    }

    pub(crate) fn absorb_secs(&self) -> i64 {
        self.absorb_days.saturating_mul(DAY)
    }

    pub(crate) fn dormant_secs(&self) -> i64 {
        self.dormant_days.saturating_mul(DAY)
    }

    /// True when an announced change covers `value` of `field` for `identity` at `at`.
    pub fn is_expected(
        &self,
        identity: &str,
        field: ChangeField,
        value: &str,
        at: Option<Timestamp>,
    ) -> bool {
        self.expected_changes.iter().any(|change| {
            change.field == field
                && glob_match(&change.identity, identity)
                && glob_match(&change.value, value)
                && match (change.until, at) {
                    (Some(until), Some(at)) => at <= until,
                    // Without an event time we cannot tell whether the announcement
                    // still applies; honour it rather than page on unknown timing.
                    _ => true,
                }
        })
    }
}

/// An announced change: "identities matching `identity` will start using `value` for
/// `field` until `until`". Globs use `*` for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedChange {
    pub identity: String,
    pub field: ChangeField,
    pub value: String,
    pub until: Option<Timestamp>,
    /// Free text for the audit trail (ticket, reason).
    #[serde(default)]
    pub note: String,
}

/// Baseline fields an expected change can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeField {
    /// A network key such as `203.0.113.0/24`, `2001:db8:1::/48` or `AS16509`.
    Network,
    Region,
    /// `service:Action`, e.g. `iam:CreateAccessKey`.
    Action,
    /// An assumed role ARN.
    Role,
    /// A sensitive action class name, e.g. `secret_read`.
    ActionClass,
    Country,
}

/// `*`-only glob, case-sensitive; enough for ARNs and names without regex cost.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    if !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_rejects_out_of_range_values() {
        assert_eq!(MonitorConfig::default().validate(), Ok(()));
        let bad = MonitorConfig {
            ewma_alpha: 0.0,
            ..MonitorConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "ewma_alpha");
        let bad = MonitorConfig {
            cohort_fraction: 1.5,
            ..MonitorConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "cohort_fraction");
        let bad = MonitorConfig {
            dormant_days: -1,
            ..MonitorConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "dormant_days");
    }

    #[test]
    fn config_reads_from_partial_json() {
        let config: MonitorConfig =
            serde_json::from_str(r#"{"learning_days": 7, "watch_tier": "high"}"#).unwrap();
        assert_eq!(config.learning_days, 7);
        assert_eq!(config.watch_tier, Some(RiskTier::High));
        assert_eq!(config.dormant_days, 90, "unset fields keep their defaults");
    }

    #[test]
    fn glob_matches_prefix_suffix_and_middle() {
        assert!(glob_match(
            "arn:aws:iam::*:role/ci-*",
            "arn:aws:iam::1:role/ci-deploy"
        ));
        assert!(!glob_match(
            "arn:aws:iam::*:role/ci-*",
            "arn:aws:iam::1:user/ci-deploy"
        ));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }
}
