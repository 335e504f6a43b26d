//! Everything the monitor remembers between events, in one serialisable tree so the
//! caller can checkpoint it (`Monitor::export_state`) and resume (`Monitor::with_state`).

use std::collections::{BTreeMap, VecDeque};
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::baseline::Baseline;

/// Bumped whenever the state layout changes incompatibly.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// Counters the CLI prints at the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorStats {
    pub processed: u64,
    /// Same source event ID delivered again: ignored entirely.
    pub duplicates: u64,
    /// Older than the newest time seen minus the reordering tolerance: signature
    /// detectors ran, time statistics skipped it.
    pub late: u64,
    /// Ahead of the caller's clock by more than `max_clock_skew_secs`: handled like an
    /// event without a time and did not move the watermark.
    pub skewed: u64,
    /// No event time: signature detectors ran, time statistics skipped it.
    pub untimed: u64,
    /// No actor principal and no resolved identity: no baseline to keep; only
    /// signature detectors ran.
    pub skipped: u64,
    pub alerts: u64,
    pub alerts_by_detection: BTreeMap<String, u64>,
}

/// One recent event inside a burst window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurstEntry {
    pub at: Timestamp,
    pub service: String,
    pub region: Option<String>,
    pub event_id: Option<String>,
    pub origin: String,
}

/// Per-identity state. Nothing in here refers to another identity, which is what lets
/// the caller shard identities across threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityState {
    pub baseline: Baseline,
    pub recent_recon: VecDeque<BurstEntry>,
    pub recent_denied: VecDeque<BurstEntry>,
    /// Fixed-window counts that feed the baseline's "worst window" once complete.
    pub recon_window: WindowCount,
    pub denied_window: WindowCount,
    /// Detection (or detection:value) → time until which it does not re-alert. A
    /// `None` time means "alerted on an untimed event": never again for untimed ones.
    pub cooldowns: BTreeMap<String, Option<Timestamp>>,
}

impl IdentityState {
    pub fn new(identity: &str) -> Self {
        Self {
            baseline: Baseline::new(identity),
            recent_recon: VecDeque::new(),
            recent_denied: VecDeque::new(),
            recon_window: WindowCount::default(),
            denied_window: WindowCount::default(),
            cooldowns: BTreeMap::new(),
        }
    }
}

/// A count over one fixed (tumbling) window. Only completed windows that did not
/// alert teach the baseline, so a burst cannot raise its own bar while it grows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCount {
    pub start: Option<Timestamp>,
    pub count: usize,
    pub alerted: bool,
}

impl WindowCount {
    /// Moves to the window starting at `start`, returning the completed window's count
    /// if it should be learned from.
    pub fn advance(&mut self, start: Timestamp) -> Option<usize> {
        match self.start {
            Some(current) if start <= current => None,
            _ => {
                let finished = (self.start.is_some() && !self.alerted).then_some(self.count);
                *self = WindowCount {
                    start: Some(start),
                    count: 0,
                    alerted: false,
                };
                finished
            }
        }
    }
}

/// An open immediate-monitoring window: one alert per identity per window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchWindow {
    pub identity: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub tier: String,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub event_count: u64,
    /// Capped at `MAX_WINDOW_IDS`; `event_count` keeps the true count.
    pub event_ids: Vec<String>,
    pub origins: Vec<String>,
    pub actions: BTreeMap<String, u64>,
    pub critical: bool,
}

/// Most event IDs and origins one windowed alert carries.
pub const MAX_WINDOW_IDS: usize = 1000;

/// A new-region alert held until the cohort window has passed, so that a region the
/// whole fleet moves into is not reported once per identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredAlert {
    pub due: Timestamp,
    pub region: String,
    pub adopted_at: Timestamp,
    pub alert: Alert,
}

/// Cross-identity state for cohort logic: who adopted which region when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortState {
    pub adoptions: BTreeMap<String, BTreeMap<String, Timestamp>>,
    /// In a sharded run, the number of established identities across all shards, as
    /// last shared by `sync_cohorts`; `None` when this monitor sees the whole fleet.
    #[serde(default)]
    pub fleet_established: Option<usize>,
}

impl CohortState {
    /// Adds another shard's adoptions, keeping each identity's earliest adoption.
    pub fn merge(&mut self, other: &CohortState) {
        for (region, who) in &other.adoptions {
            let mine = self.adoptions.entry(region.clone()).or_default();
            for (identity, at) in who {
                mine.entry(identity.clone())
                    .and_modify(|t| *t = (*t).min(*at))
                    .or_insert(*at);
            }
        }
    }
}

/// Recently seen event IDs, oldest first, for duplicate suppression.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeenEventIds {
    pub order: VecDeque<(String, Option<Timestamp>)>,
    /// Finds a key in `order` without a second copy of it: every event is looked up
    /// here, so a sorted set of cloned strings cost an allocation, a free and a
    /// dozen string comparisons per event.
    #[serde(skip)]
    index: IdIndex,
}

/// The index is derived from `order`, so only `order` says whether two are equal.
impl PartialEq for SeenEventIds {
    fn eq(&self, other: &Self) -> bool {
        self.order == other.order
    }
}

impl Eq for SeenEventIds {}

/// Positions in `SeenEventIds::order`, hashed by the key stored there. A position is
/// an insertion number; the front of `order` is insertion number `popped`.
#[derive(Clone, Default)]
struct IdIndex {
    table: HashTable<u64>,
    hasher: DefaultHashBuilder,
    popped: u64,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} keys)", self.table.len())
    }
}

impl SeenEventIds {
    pub fn rebuild_index(&mut self) {
        let mut index = IdIndex::default();
        for (position, (key, _)) in self.order.iter().enumerate() {
            let hash = index.hasher.hash_one(key.as_str());
            let hasher = &index.hasher;
            let order = &self.order;
            index.table.insert_unique(hash, position as u64, |&p| {
                hasher.hash_one(order[p as usize].0.as_str())
            });
        }
        self.index = index;
    }

    pub fn contains(&self, key: &str) -> bool {
        let hash = self.index.hasher.hash_one(key);
        self.find(hash, key).is_some()
    }

    fn find(&self, hash: u64, key: &str) -> Option<u64> {
        let popped = self.index.popped;
        self.index
            .table
            .find(hash, |&p| self.order[(p - popped) as usize].0 == key)
            .copied()
    }

    /// Records `key`; false if it was already there.
    pub fn insert(
        &mut self,
        key: String,
        seen_at: Option<Timestamp>,
        horizon_secs: i64,
        capacity: usize,
    ) -> bool {
        let hash = self.index.hasher.hash_one(key.as_str());
        if self.find(hash, &key).is_some() {
            return false;
        }
        let IdIndex {
            table,
            hasher,
            popped,
        } = &mut self.index;
        let order = &self.order;
        let position = *popped + order.len() as u64;
        table.insert_unique(hash, position, |&p| {
            hasher.hash_one(order[(p - *popped) as usize].0.as_str())
        });
        self.order.push_back((key, seen_at));
        while let Some((oldest, at)) = self.order.front() {
            let expired = match (at, seen_at) {
                (Some(at), Some(now)) => now.as_second() - at.as_second() > horizon_secs,
                _ => false,
            };
            if !expired && self.order.len() <= capacity {
                break;
            }
            let hash = self.index.hasher.hash_one(oldest.as_str());
            let front = self.index.popped;
            if let Ok(entry) = self.index.table.find_entry(hash, |&p| p == front) {
                entry.remove();
            }
            self.order.pop_front();
            self.index.popped += 1;
        }
        true
    }
}

/// The whole checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorState {
    pub format_version: u32,
    pub stats: MonitorStats,
    /// The newest event time seen.
    pub watermark: Option<Timestamp>,
    pub identities: BTreeMap<String, IdentityState>,
    /// Open watch windows keyed `identity` + U+001F + window start.
    pub watch_windows: BTreeMap<String, WatchWindow>,
    pub deferred: Vec<DeferredAlert>,
    pub cohort: CohortState,
    pub seen_event_ids: SeenEventIds,
}

impl Default for MonitorState {
    fn default() -> Self {
        Self {
            format_version: STATE_FORMAT_VERSION,
            stats: MonitorStats::default(),
            watermark: None,
            identities: BTreeMap::new(),
            watch_windows: BTreeMap::new(),
            deferred: Vec::new(),
            cohort: CohortState::default(),
            seen_event_ids: SeenEventIds::default(),
        }
    }
}
