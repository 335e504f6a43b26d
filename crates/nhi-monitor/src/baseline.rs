//! Per-identity behavioural baselines, updated one event at a time and serialisable as
//! JSON so the store can persist them between runs.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Hours in a week: the hour-of-week profile has one bucket per hour, Monday 00:00 UTC
/// first.
pub const HOURS_PER_WEEK: usize = 168;

/// One value of a baseline field (a network, a region, an action…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueStats {
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub count: u64,
    /// Seen while the identity was still learning: part of the baseline from the start.
    pub learned: bool,
    /// A detector already alerted on this value; it never alerts on it again.
    pub alerted: bool,
}

/// How a value relates to the baseline at the moment an event carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Familiarity {
    /// Never seen before this event.
    New,
    /// Seen recently for the first time and not yet absorbed.
    Pending { alerted: bool },
    /// Learned, or absorbed after persisting for the absorb period.
    Known,
}

impl Familiarity {
    /// Whether a detector should alert on this value now: new, or pending and not yet
    /// alerted on.
    pub fn is_alertable(self) -> bool {
        matches!(
            self,
            Familiarity::New | Familiarity::Pending { alerted: false }
        )
    }
}

/// A bounded set of values with first/last seen times. When full, the value seen least
/// recently is evicted (so a long-gone value may look new again, which is the safer
/// error), and `evicted` counts how often that happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueSet {
    pub values: BTreeMap<String, ValueStats>,
    pub evicted: u64,
}

impl ValueSet {
    /// The familiarity of `value` at `now`, before recording this event.
    pub fn familiarity(
        &self,
        value: &str,
        now: Option<Timestamp>,
        absorb_secs: i64,
    ) -> Familiarity {
        match self.values.get(value) {
            None => Familiarity::New,
            Some(stats) if stats.learned => Familiarity::Known,
            Some(stats) => match (stats.first_seen, now) {
                (Some(first), Some(now))
                    if now.as_second().saturating_sub(first.as_second()) >= absorb_secs =>
                {
                    Familiarity::Known
                }
                _ => Familiarity::Pending {
                    alerted: stats.alerted,
                },
            },
        }
    }

    pub fn contains(&self, value: &str) -> bool {
        self.values.contains_key(value)
    }

    /// Records one use of `value`.
    pub fn record(&mut self, value: &str, at: Option<Timestamp>, learning: bool, cap: usize) {
        if let Some(stats) = self.values.get_mut(value) {
            stats.count += 1;
            // Out-of-order events must not move first_seen later or last_seen earlier.
            if let Some(at) = at {
                stats.first_seen = Some(stats.first_seen.map_or(at, |f| f.min(at)));
                stats.last_seen = Some(stats.last_seen.map_or(at, |l| l.max(at)));
            }
            stats.learned |= learning;
            return;
        }
        self.insert_new(value, at, 1, learning, cap);
    }

    /// Adds a value not yet in the set, making room under `cap` first.
    fn insert_new(
        &mut self,
        value: &str,
        at: Option<Timestamp>,
        count: u64,
        learned: bool,
        cap: usize,
    ) {
        if cap == 0 {
            return;
        }
        if self.values.len() >= cap {
            self.evict_least_recent(cap);
        }
        self.values.insert(
            value.to_string(),
            ValueStats {
                first_seen: at,
                last_seen: at,
                count,
                learned,
                alerted: false,
            },
        );
    }

    /// Remembers that a detector alerted on `value`. A value the baseline did not
    /// record (a failed call, say) is still remembered, with a zero count, so the same
    /// attempt repeated does not alert again.
    pub fn mark_alerted(&mut self, value: &str, at: Option<Timestamp>, cap: usize) {
        if !self.values.contains_key(value) {
            self.insert_new(value, at, 0, false, cap);
        }
        if let Some(stats) = self.values.get_mut(value) {
            stats.alerted = true;
        }
    }

    /// Makes room for at least one value: evicts the least recently seen eighth of the
    /// set at once, so a set that churns at its cap (resources of a busy identity)
    /// pays one scan per `cap / 8` insertions instead of one per insertion.
    fn evict_least_recent(&mut self, cap: usize) {
        let excess = self.values.len() + 1 - cap.min(self.values.len() + 1);
        let batch = (cap / 8).max(1).max(excess);
        // Untimed values sort first (`None < Some`) so they go before timed ones.
        let mut by_age: Vec<(Option<Timestamp>, &String)> =
            self.values.iter().map(|(k, v)| (v.last_seen, k)).collect();
        let batch = batch.min(by_age.len());
        if batch == 0 {
            return;
        }
        by_age.select_nth_unstable(batch - 1);
        let oldest: Vec<String> = by_age[..batch].iter().map(|(_, k)| (*k).clone()).collect();
        for key in oldest {
            self.values.remove(&key);
            self.evicted += 1;
        }
    }

    /// Values that are neither learned nor absorbed at `now`.
    pub fn pending(
        &self,
        now: Option<Timestamp>,
        absorb_secs: i64,
    ) -> Vec<(String, Option<Timestamp>)> {
        self.values
            .iter()
            .filter(|(k, _)| {
                matches!(
                    self.familiarity(k, now, absorb_secs),
                    Familiarity::Pending { .. }
                )
            })
            .map(|(k, v)| (k.clone(), v.first_seen))
            .collect()
    }

    /// The most used values, most used first.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.count))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}

/// Exponentially weighted mean and variance of an hourly quantity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ewma {
    pub mean: f64,
    pub variance: f64,
    pub samples: u64,
    /// The largest sample ever folded in, for explanations ("never more than").
    pub max: f64,
}

impl Ewma {
    pub fn update(&mut self, sample: f64, alpha: f64) {
        if self.samples == 0 {
            self.mean = sample;
            self.variance = 0.0;
        } else {
            let diff = sample - self.mean;
            let increment = alpha * diff;
            self.mean += increment;
            self.variance = (1.0 - alpha) * (self.variance + diff * increment);
        }
        self.max = self.max.max(sample);
        self.samples += 1;
    }

    pub fn std_dev(&self) -> f64 {
        self.variance.max(0.0).sqrt()
    }

    /// How many standard deviations `sample` is above the mean. A floor of one unit (or
    /// 10% of the mean) on the deviation keeps a perfectly regular identity from turning
    /// every small wobble into an infinite z-score.
    pub fn z_score(&self, sample: f64) -> f64 {
        let floor = (self.mean * 0.1).max(1.0);
        (sample - self.mean) / self.std_dev().max(floor)
    }
}

/// Activity inside the current clock hour, folded into the EWMAs when the hour ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourBucket {
    pub start: Timestamp,
    pub calls: u64,
    pub errors: u64,
    pub get_objects: u64,
    pub bytes_out: u64,
    /// The exfiltration detector already alerted for this hour.
    pub volume_alerted: bool,
}

/// Everything known about one identity's normal behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub identity: String,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub events: u64,
    pub untimed_events: u64,
    pub failures: u64,
    /// `service:Action`.
    pub actions: ValueSet,
    pub services: ValueSet,
    /// Capped at `MonitorConfig::max_resources`; used for context, not for alerting.
    pub resources: ValueSet,
    /// IPv4 /24, IPv6 /48, or a service host name.
    pub networks: ValueSet,
    /// `AS<number>` from the optional enricher.
    pub asns: ValueSet,
    pub countries: ValueSet,
    pub user_agents: ValueSet,
    pub regions: ValueSet,
    pub roles_assumed: ValueSet,
    pub accounts_assumed: ValueSet,
    /// Sensitive action classes (`secret_read`…).
    pub action_classes: ValueSet,
    /// Regions this identity called Bedrock in.
    pub bedrock_regions: ValueSet,
    /// An assumed-role session of this identity has called AssumeRole before.
    pub chains_roles: bool,
    pub hour_of_week: Vec<u64>,
    pub calls_per_hour: Ewma,
    pub errors_per_hour: Ewma,
    pub get_objects_per_hour: Ewma,
    pub bytes_out_per_hour: Ewma,
    pub error_rate: Ewma,
    /// Largest number of enumeration calls (and AccessDenied failures) ever seen in one
    /// burst window, so a burst must beat the identity's own worst day.
    pub max_recon_per_window: usize,
    pub max_denied_per_window: usize,
    pub current_hour: Option<HourBucket>,
}

impl Baseline {
    pub fn new(identity: &str) -> Self {
        Self {
            identity: identity.to_string(),
            first_seen: None,
            last_seen: None,
            events: 0,
            untimed_events: 0,
            failures: 0,
            actions: ValueSet::default(),
            services: ValueSet::default(),
            resources: ValueSet::default(),
            networks: ValueSet::default(),
            asns: ValueSet::default(),
            countries: ValueSet::default(),
            user_agents: ValueSet::default(),
            regions: ValueSet::default(),
            roles_assumed: ValueSet::default(),
            accounts_assumed: ValueSet::default(),
            action_classes: ValueSet::default(),
            bedrock_regions: ValueSet::default(),
            chains_roles: false,
            hour_of_week: vec![0; HOURS_PER_WEEK],
            calls_per_hour: Ewma::default(),
            errors_per_hour: Ewma::default(),
            get_objects_per_hour: Ewma::default(),
            bytes_out_per_hour: Ewma::default(),
            error_rate: Ewma::default(),
            max_recon_per_window: 0,
            max_denied_per_window: 0,
            current_hour: None,
        }
    }

    /// End of the learning window, once the first timed event is known.
    pub fn learning_until(&self, learning_secs: i64) -> Option<Timestamp> {
        self.first_seen
            .and_then(|first| add_seconds(first, learning_secs))
    }

    /// Still learning at `now`. Untimed events cannot end learning, and an identity
    /// with no timed event yet is learning.
    pub fn is_learning(&self, now: Option<Timestamp>, learning_secs: i64) -> bool {
        match (self.learning_until(learning_secs), now) {
            (Some(until), Some(now)) => now < until,
            (Some(until), None) => self.last_seen.is_none_or(|last| last < until),
            (None, _) => true,
        }
    }

    /// Folds the current hour into the rate statistics if `at` is in a later hour.
    /// Returns the start of the hour `at` belongs to.
    pub fn roll_hour(&mut self, at: Timestamp, alpha: f64) -> Timestamp {
        let start = floor_to(at, 3600);
        match &self.current_hour {
            Some(bucket) if bucket.start >= start => {}
            _ => {
                if let Some(done) = self.current_hour.take() {
                    self.fold_hour(&done, alpha);
                }
                self.current_hour = Some(HourBucket {
                    start,
                    calls: 0,
                    errors: 0,
                    get_objects: 0,
                    bytes_out: 0,
                    volume_alerted: false,
                });
            }
        }
        start
    }

    /// Rates are per *active* hour: idle hours are not folded in, so an identity that
    /// runs a nightly job is compared with its nightly runs, not with a day of zeros.
    fn fold_hour(&mut self, bucket: &HourBucket, alpha: f64) {
        self.calls_per_hour.update(bucket.calls as f64, alpha);
        self.errors_per_hour.update(bucket.errors as f64, alpha);
        self.get_objects_per_hour
            .update(bucket.get_objects as f64, alpha);
        self.bytes_out_per_hour
            .update(bucket.bytes_out as f64, alpha);
        if bucket.calls > 0 {
            self.error_rate
                .update(bucket.errors as f64 / bucket.calls as f64, alpha);
        }
    }

    /// A human-readable, serialisable view for `nhi baseline show ID`.
    pub fn summary(&self, learning_secs: i64, absorb_secs: i64) -> BaselineSummary {
        let now = self.last_seen;
        let names = |set: &ValueSet| set.top(usize::MAX).into_iter().map(|(k, _)| k).collect();
        let mut pending = BTreeMap::new();
        for (field, set) in [
            ("networks", &self.networks),
            ("asns", &self.asns),
            ("countries", &self.countries),
            ("regions", &self.regions),
            ("user_agents", &self.user_agents),
            ("roles_assumed", &self.roles_assumed),
            ("action_classes", &self.action_classes),
        ] {
            let values = set.pending(now, absorb_secs);
            if !values.is_empty() {
                pending.insert(
                    field.to_string(),
                    values
                        .into_iter()
                        .map(|(value, first)| match first {
                            Some(first) => format!("{value} (first seen {first})"),
                            None => value,
                        })
                        .collect(),
                );
            }
        }
        let mut busiest: Vec<(usize, u64)> = self
            .hour_of_week
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .collect();
        busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        BaselineSummary {
            identity: self.identity.clone(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            learning_until: self.learning_until(learning_secs),
            learning: self.is_learning(now, learning_secs),
            events: self.events,
            failures: self.failures,
            top_actions: self.actions.top(20),
            services: names(&self.services),
            regions: names(&self.regions),
            networks: names(&self.networks),
            asns: names(&self.asns),
            countries: names(&self.countries),
            user_agents: names(&self.user_agents),
            roles_assumed: names(&self.roles_assumed),
            accounts_assumed: names(&self.accounts_assumed),
            sensitive_action_classes: names(&self.action_classes),
            resources_tracked: self.resources.values.len(),
            resources_evicted: self.resources.evicted,
            busiest_hours_utc: busiest
                .into_iter()
                .take(5)
                .map(|(hour, n)| format!("{} ({n} events)", hour_of_week_label(hour)))
                .collect(),
            calls_per_hour: rate_text(&self.calls_per_hour),
            get_objects_per_hour: rate_text(&self.get_objects_per_hour),
            bytes_out_per_hour: rate_text(&self.bytes_out_per_hour),
            error_rate: format!("{:.1}%", self.error_rate.mean * 100.0),
            pending_novelties: pending,
        }
    }
}

/// The `nhi baseline show` view: lists and short strings, no raw statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineSummary {
    pub identity: String,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub learning_until: Option<Timestamp>,
    pub learning: bool,
    pub events: u64,
    pub failures: u64,
    pub top_actions: Vec<(String, u64)>,
    pub services: Vec<String>,
    pub regions: Vec<String>,
    pub networks: Vec<String>,
    pub asns: Vec<String>,
    pub countries: Vec<String>,
    pub user_agents: Vec<String>,
    pub roles_assumed: Vec<String>,
    pub accounts_assumed: Vec<String>,
    pub sensitive_action_classes: Vec<String>,
    pub resources_tracked: usize,
    pub resources_evicted: u64,
    pub busiest_hours_utc: Vec<String>,
    pub calls_per_hour: String,
    pub get_objects_per_hour: String,
    pub bytes_out_per_hour: String,
    pub error_rate: String,
    /// Novel values not yet absorbed into the baseline, by field.
    pub pending_novelties: BTreeMap<String, Vec<String>>,
}

fn rate_text(ewma: &Ewma) -> String {
    if ewma.samples == 0 {
        return "no complete hour yet".to_string();
    }
    format!(
        "{:.1} ± {:.1} per active hour (max {:.0}, {} hours)",
        ewma.mean,
        ewma.std_dev(),
        ewma.max,
        ewma.samples
    )
}

/// Monday-zero hour of the week in UTC. The Unix epoch was a Thursday, 3 days after
/// a Monday, hence the 72-hour offset.
pub fn hour_of_week(at: Timestamp) -> usize {
    (at.as_second().div_euclid(3600) + 72).rem_euclid(HOURS_PER_WEEK as i64) as usize
}

pub fn hour_of_week_label(hour: usize) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {:02}:00", DAYS[(hour / 24) % 7], hour % 24)
}

/// Start of the `width_secs`-wide window holding `at`.
pub fn floor_to(at: Timestamp, width_secs: i64) -> Timestamp {
    let width = width_secs.max(1);
    let start = at.as_second().div_euclid(width) * width;
    Timestamp::from_second(start).unwrap_or(at)
}

/// `at + secs`, or `None` past the end of jiff's range.
pub fn add_seconds(at: Timestamp, secs: i64) -> Option<Timestamp> {
    Timestamp::from_second(at.as_second().checked_add(secs)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn hour_of_week_starts_monday() {
        // 2024-01-01 was a Monday.
        assert_eq!(hour_of_week(ts("2024-01-01T00:30:00Z")), 0);
        assert_eq!(hour_of_week(ts("2024-01-07T23:00:00Z")), 167);
        assert_eq!(hour_of_week_label(33), "Tue 09:00");
    }

    #[test]
    fn ewma_tracks_mean_and_spread() {
        let mut e = Ewma::default();
        for x in [10.0, 12.0, 8.0, 10.0, 11.0, 9.0] {
            e.update(x, 0.2);
        }
        assert!((e.mean - 10.0).abs() < 1.5);
        assert!(e.std_dev() > 0.0);
        assert!(e.z_score(100.0) > 10.0);
        assert_eq!(e.max, 12.0);
    }

    #[test]
    fn value_set_evicts_least_recent_and_absorbs() {
        let mut set = ValueSet::default();
        set.record("a", Some(ts("2024-01-01T00:00:00Z")), false, 2);
        set.record("b", Some(ts("2024-01-02T00:00:00Z")), false, 2);
        set.record("c", Some(ts("2024-01-03T00:00:00Z")), false, 2);
        assert!(!set.contains("a"));
        assert_eq!(set.evicted, 1);
        let week = 7 * 86400;
        assert_eq!(
            set.familiarity("b", Some(ts("2024-01-03T00:00:00Z")), week),
            Familiarity::Pending { alerted: false }
        );
        assert_eq!(
            set.familiarity("b", Some(ts("2024-01-09T00:00:00Z")), week),
            Familiarity::Known
        );
        assert_eq!(set.familiarity("z", None, week), Familiarity::New);
    }
}
