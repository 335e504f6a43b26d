//! Running monitors side by side: one `Monitor` per shard of identities.

use nhi_model::ActivityEvent;
use rayon::prelude::*;

use crate::alert::{self, Alert, stable_hash};
use crate::engine::Monitor;
use crate::identity::IdentityResolver;
use crate::state::CohortState;

/// Which of `shards` shards an event belongs to: all events of one actor principal go
/// to the same shard, so each shard's baselines are complete. Stable across runs.
pub fn shard_of(event: &ActivityEvent, shards: usize) -> usize {
    if shards <= 1 {
        return 0;
    }
    (stable_hash(&[&event.actor.principal]) % shards as u64) as usize
}

/// Runs a batch through per-shard monitors in parallel (one monitor per shard, each
/// owning its identities) and merges their alerts. Events keep their input order within
/// a shard.
pub fn observe_sharded<R: IdentityResolver + Send>(
    monitors: &mut [Monitor<R>],
    events: &[ActivityEvent],
) -> Vec<Alert> {
    let shards = monitors.len();
    if shards == 0 {
        return Vec::new();
    }
    let mut batches: Vec<Vec<&ActivityEvent>> = vec![Vec::new(); shards];
    for event in events {
        batches[shard_of(event, shards)].push(event);
    }
    sync_cohorts(monitors);
    let per_shard: Vec<Vec<Alert>> = monitors
        .par_iter_mut()
        .zip(batches.par_iter())
        .map(|(monitor, batch)| batch.iter().flat_map(|e| monitor.observe(e)).collect())
        .collect();
    sync_cohorts(monitors);
    alert::merge_alerts(per_shard)
}

/// Flushes every shard and merges the alerts. Cohorts are synchronised first so the
/// deferred new-region alerts released here see the whole fleet.
pub fn flush_sharded<R: IdentityResolver + Send>(monitors: &mut [Monitor<R>]) -> Vec<Alert> {
    sync_cohorts(monitors);
    let per_shard: Vec<Vec<Alert>> = monitors.par_iter_mut().map(|m| m.flush()).collect();
    alert::merge_alerts(per_shard)
}

/// Shares region adoptions and the established-identity count between shards. The
/// cohort rule is the only cross-identity detector; between syncs a shard judges with
/// what it last heard, so sync at least once per cohort window (the sharded helpers
/// sync before and after every batch).
pub fn sync_cohorts<R: IdentityResolver>(monitors: &mut [Monitor<R>]) {
    if monitors.len() < 2 {
        return;
    }
    let mut fleet = CohortState::default();
    let mut established = 0;
    for monitor in monitors.iter() {
        fleet.merge(monitor.cohort());
        established += monitor.established_identities();
    }
    for monitor in monitors.iter_mut() {
        monitor.share_cohort(&fleet, established);
    }
}
