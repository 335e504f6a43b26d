//! Scheduled and manual collection runs.
//!
//! A job is a named [`Collector`] with an optional cron schedule. Each run is recorded
//! (status, counts, errors), takes a lease in the store so that several `nhi serve`
//! instances sharing one database run it once, retries with backoff, and re-indexes the
//! estate when it succeeds. Collectors write through the store's own transactions
//! (`record_scan`, `record_inventory`), so a failed run leaves nothing half-written.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::DateTime;
use nhi_store::{RunRow, RunStatus};

use crate::problem::ApiError;
use crate::routes::Caller;
use crate::state::{AppState, Backend, with_store};

/// What one collection produced.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunCounts {
    pub identities: u64,
    pub credentials: u64,
    /// Events read (monitor jobs).
    pub events: u64,
    /// Alerts raised (monitor jobs).
    pub alerts: u64,
}

/// Something that collects into the store: a scan of directories, an import of export
/// files, a live cloud collection, a pass over log files. The binary supplies these, so
/// this crate needs no provider SDK.
pub trait Collector: Send + Sync {
    fn collect(&self, store: &mut dyn Backend) -> Result<RunCounts, String>;
}

pub struct JobSpec {
    pub name: String,
    pub schedule: Option<Schedule>,
    pub collector: Arc<dyn Collector>,
    /// Attempts after the first when a run fails.
    pub retries: u32,
}

#[derive(Default)]
pub struct Jobs {
    pub specs: Vec<Arc<JobSpec>>,
    /// The first retry waits this long, doubling each time.
    pub backoff: Duration,
}

impl Jobs {
    pub fn new(specs: Vec<JobSpec>) -> Jobs {
        Jobs {
            specs: specs.into_iter().map(Arc::new).collect(),
            backoff: Duration::from_secs(5),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.specs.iter().map(|s| s.name.clone()).collect()
    }
}

/// How long a lease holds a job for another instance: longer than any run should take,
/// short enough that a crashed holder does not block the job for long.
const LEASE_SECS: i64 = 3_600;

/// Queues a run of `name` on behalf of `caller`.
pub async fn trigger(state: &Arc<AppState>, caller: &Caller, name: &str) -> Result<(), ApiError> {
    let Some(spec) = state.jobs.specs.iter().find(|s| s.name == name).cloned() else {
        return Err(ApiError::not_found("job"));
    };
    crate::audit::record(
        state,
        &caller.principal,
        caller.source_ip,
        "run.trigger",
        name,
        "ok",
        serde_json::json!({}),
    )
    .await;
    let state = Arc::clone(state);
    let trigger = format!("manual:{}", caller.principal.subject);
    tokio::spawn(async move { run(&state, &spec, &trigger).await });
    Ok(())
}

/// Runs a job to success or until its retries are spent. Returns the last run's row.
pub async fn run(state: &Arc<AppState>, spec: &Arc<JobSpec>, trigger: &str) -> Option<RunRow> {
    let holder = state.settings.instance.clone();
    let mut wait = state.jobs.backoff;
    let mut last = None;
    for attempt in 1..=spec.retries + 1 {
        let job = spec.name.clone();
        let lease_holder = holder.clone();
        let leased = with_store(state, move |store| {
            Ok(store.try_acquire_lease(&job, &lease_holder, Timestamp::now(), LEASE_SECS)?)
        })
        .await;
        if !matches!(leased, Ok(true)) {
            // Another instance holds it (or the store is down): that instance runs it.
            return last;
        }
        let outcome = attempt_once(state, spec, trigger, attempt).await;
        let job = spec.name.clone();
        let lease_holder = holder.clone();
        let _ = with_store(state, move |store| {
            Ok(store.release_lease(&job, &lease_holder)?)
        })
        .await;
        let succeeded = outcome
            .as_ref()
            .is_some_and(|r| r.status == RunStatus::Succeeded);
        last = outcome;
        if succeeded {
            break;
        }
        if attempt <= spec.retries {
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }
    last
}

async fn attempt_once(
    state: &Arc<AppState>,
    spec: &Arc<JobSpec>,
    trigger: &str,
    attempt: u32,
) -> Option<RunRow> {
    let collector = Arc::clone(&spec.collector);
    let config = state.analysis.clone();
    let job = spec.name.clone();
    let trigger = trigger.to_string();
    let caches = Arc::clone(state);
    let result = with_store(state, move |store| {
        let started = Timestamp::now();
        let id = store.start_run(&job, &trigger, attempt, started)?;
        let mut row = RunRow {
            id,
            job,
            trigger,
            attempt,
            started_at: started,
            finished_at: None,
            status: RunStatus::Running,
            identities: 0,
            credentials: 0,
            findings: 0,
            events: 0,
            alerts: 0,
            errors: Vec::new(),
        };
        // A panicking collector must not take the server down or leave the run
        // "running" forever.
        let collected =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| collector.collect(store)))
                .unwrap_or_else(|_| Err("the collector panicked".to_string()));
        match collected {
            Ok(counts) => match crate::index::rebuild(store, &config) {
                Ok(snapshot) => {
                    // The new index's unfiltered lists, counted and marked now rather
                    // than by the next visitors. Only speed depends on it.
                    let _ = caches.list_caches.warm(store);
                    row.status = RunStatus::Succeeded;
                    row.identities = counts.identities.max(snapshot.identities);
                    row.credentials = counts.credentials.max(snapshot.credentials);
                    row.findings = snapshot.findings_open;
                    row.events = counts.events;
                    row.alerts = counts.alerts;
                }
                Err(err) => {
                    row.status = RunStatus::Failed;
                    row.errors
                        .push(format!("re-indexing failed: {}", err.message()));
                }
            },
            Err(err) => {
                row.status = RunStatus::Failed;
                row.errors.push(err);
            }
        }
        row.finished_at = Some(Timestamp::now());
        store.finish_run(&row)?;
        Ok(row)
    })
    .await;
    match result {
        Ok(row) => Some(row),
        Err(err) => {
            eprintln!(
                "nhi serve: job {} could not run: {}",
                spec.name,
                err.message()
            );
            None
        }
    }
}

/// Wakes every minute and starts the jobs whose schedule matches that minute (UTC).
pub fn spawn_scheduler(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_minute: Option<DateTime> = None;
        loop {
            let now = Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .datetime();
            let minute = now
                .with()
                .second(0)
                .subsec_nanosecond(0)
                .build()
                .unwrap_or(now);
            if last_minute != Some(minute) {
                last_minute = Some(minute);
                for spec in &state.jobs.specs {
                    if spec.schedule.as_ref().is_some_and(|s| s.matches(minute)) {
                        let state = Arc::clone(&state);
                        let spec = Arc::clone(spec);
                        tokio::spawn(async move { run(&state, &spec, "schedule").await });
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
    })
}

/// A five-field cron expression (minute hour day-of-month month day-of-week), with `*`,
/// lists, ranges and steps; days of week 0–7 with 0 and 7 both Sunday. As in cron, when
/// both day fields are restricted a day matching either is enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_any: bool,
    weekdays_any: bool,
}

fn field(text: &str, min: u32, max: u32) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (
                range,
                step.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (
                a.parse().map_err(|_| format!("bad number in {part:?}"))?,
                b.parse().map_err(|_| format!("bad number in {part:?}"))?,
            )
        } else {
            let n: u32 = range
                .parse()
                .map_err(|_| format!("bad number in {part:?}"))?;
            (n, if part.contains('/') { max } else { n })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{part:?} is outside {min}-{max}"));
        }
        let mut n = lo;
        while n <= hi {
            bits |= 1 << n;
            n += step;
        }
    }
    Ok(bits)
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(format!(
                "a schedule has five fields (minute hour day month weekday), not {:?}",
                text
            ));
        };
        let mut weekdays = field(weekday, 0, 7)?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Schedule {
            minutes: field(minute, 0, 59)?,
            hours: field(hour, 0, 23)?,
            days: field(day, 1, 31)?,
            months: field(month, 1, 12)?,
            weekdays,
            days_any: day == "*",
            weekdays_any: weekday == "*",
        })
    }

    pub fn matches(&self, t: DateTime) -> bool {
        let bit = |set: u64, n: i8| n >= 0 && set & (1 << n) != 0;
        let day = bit(self.days, t.day());
        let weekday = bit(self.weekdays, t.weekday().to_sunday_zero_offset());
        let day_ok = match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (true, false) => weekday,
            (false, true) => day,
            (false, false) => day || weekday,
        };
        bit(self.minutes, t.minute())
            && bit(self.hours, t.hour())
            && bit(self.months, t.month())
            && day_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn cron_fields() {
        let every_15 = Schedule::parse("*/15 * * * *").unwrap();
        assert!(every_15.matches(date(2026, 12, 2).at(10, 30, 0, 0)));
        assert!(!every_15.matches(date(2026, 12, 2).at(10, 31, 0, 0)));
        let weekdays_at_six = Schedule::parse("0 6 * * 1-5").unwrap();
        // 2026-12-02 is a Wednesday, 2026-12-06 a Sunday.
        assert!(weekdays_at_six.matches(date(2026, 12, 2).at(6, 0, 0, 0)));
        assert!(!weekdays_at_six.matches(date(2026, 12, 6).at(6, 0, 0, 0)));
        let sunday = Schedule::parse("0 0 * * 7").unwrap();
        assert!(sunday.matches(date(2026, 12, 6).at(0, 0, 0, 0)));
        // Both day fields restricted: either matches (the 1st, or any Monday).
        let either = Schedule::parse("0 0 1 * 1").unwrap();
        assert!(either.matches(date(2026, 12, 1).at(0, 0, 0, 0)));
        assert!(either.matches(date(2026, 12, 7).at(0, 0, 0, 0)));
        assert!(!either.matches(date(2026, 12, 8).at(0, 0, 0, 0)));
        for bad in [
            "* * * *",
            "60 * * * *",
            "*/0 * * * *",
            "a * * * *",
            "5-1 * * * *",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
