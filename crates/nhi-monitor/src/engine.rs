//! The monitor: resolves each event's identity, runs the detectors against that
//! identity's baseline, then folds the event into the baseline.

use std::net::IpAddr;
use std::sync::Arc;

use jiff::Timestamp;
use nhi_model::{ActivityEvent, Actor, Outcome, Severity};

use crate::alert::{self, Alert};
use crate::baseline::{Baseline, add_seconds, floor_to};
use crate::classify::{network_key, principal_name, user_agent_family};
use crate::config::MonitorConfig;
use crate::detectors::{
    EventView, Field, after_deactivation, assume_role, bursts, data_volume, defence_evasion,
    dormancy, external_share, field_set, human_use, iam_target, llm_jacking, network_novelty,
    new_region, sensitive_first_use, update_baseline,
};
use crate::identity::{IdentityResolver, NetworkEnricher, RiskTier};
use crate::state::{
    CohortState, DeferredAlert, IdentityState, MAX_WINDOW_IDS, MonitorState, MonitorStats,
    STATE_FORMAT_VERSION, WatchWindow,
};

/// Errors loading a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("monitor state is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("monitor state format {found} is not supported (expected {expected})")]
    UnsupportedVersion { found: u32, expected: u32 },
}

/// The detector engine. See the crate docs for the event flow.
pub struct Monitor<R> {
    config: MonitorConfig,
    resolver: R,
    enricher: Option<Arc<dyn NetworkEnricher>>,
    /// The caller's wall clock, if it gave one; only used to spot future-dated events.
    clock: Option<Timestamp>,
    state: MonitorState,
    memo: Memo,
}

/// What the last few thousand distinct user agents and source addresses reduce to. A
/// log repeats both endlessly, and reducing them (lower-casing and scanning the agent
/// for a score of tool names, parsing and formatting the address) cost more per event
/// than a lookup. Not part of the state: it is derived from the events alone.
#[derive(Default)]
struct Memo {
    agent_families: hashbrown::HashMap<Box<str>, Arc<str>>,
    networks: hashbrown::HashMap<Box<str>, Option<Arc<str>>>,
}

/// Entries each memo keeps before it starts over; bounds its memory.
const MEMO_CAPACITY: usize = 4096;

impl Memo {
    fn agent_family(&mut self, user_agent: &str) -> Arc<str> {
        if let Some(family) = self.agent_families.get(user_agent) {
            return family.clone();
        }
        if self.agent_families.len() >= MEMO_CAPACITY {
            self.agent_families.clear();
        }
        let family: Arc<str> = user_agent_family(user_agent).into();
        self.agent_families
            .insert(user_agent.into(), family.clone());
        family
    }

    fn network(&mut self, source_ip: &str) -> Option<Arc<str>> {
        if let Some(network) = self.networks.get(source_ip) {
            return network.clone();
        }
        if self.networks.len() >= MEMO_CAPACITY {
            self.networks.clear();
        }
        let network: Option<Arc<str>> = network_key(source_ip).map(Into::into);
        self.networks.insert(source_ip.into(), network.clone());
        network
    }
}

impl<R: IdentityResolver> Monitor<R> {
    pub fn new(config: MonitorConfig, resolver: R) -> Self {
        Self {
            config,
            resolver,
            enricher: None,
            clock: None,
            state: MonitorState::default(),
            memo: Memo::default(),
        }
    }

    /// Resumes from a checkpoint taken with [`Monitor::export_state`].
    pub fn with_state(
        config: MonitorConfig,
        resolver: R,
        mut state: MonitorState,
    ) -> Result<Self, MonitorError> {
        if state.format_version != STATE_FORMAT_VERSION {
            return Err(MonitorError::UnsupportedVersion {
                found: state.format_version,
                expected: STATE_FORMAT_VERSION,
            });
        }
        state.seen_event_ids.rebuild_index();
        Ok(Self {
            config,
            resolver,
            enricher: None,
            clock: None,
            state,
            memo: Memo::default(),
        })
    }

    /// Resumes from the JSON form of a checkpoint.
    pub fn from_json(config: MonitorConfig, resolver: R, json: &str) -> Result<Self, MonitorError> {
        let state: MonitorState = serde_json::from_str(json)?;
        Self::with_state(config, resolver, state)
    }

    pub fn with_enricher(mut self, enricher: Arc<dyn NetworkEnricher>) -> Self {
        self.enricher = Some(enricher);
        self
    }

    /// Tells the monitor the current wall-clock time (the monitor never reads a clock
    /// itself). Events dated more than `max_clock_skew_secs` after it are "skewed".
    pub fn set_clock(&mut self, now: Timestamp) {
        self.clock = Some(now);
    }

    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    pub fn stats(&self) -> &MonitorStats {
        &self.state.stats
    }

    /// A copy of all state: baselines, open windows, deferred alerts, cohort data and
    /// the recent event IDs.
    pub fn export_state(&self) -> MonitorState {
        self.state.clone()
    }

    pub fn export_json(&self) -> Result<String, MonitorError> {
        Ok(serde_json::to_string(&self.state)?)
    }

    pub fn baseline(&self, identity: &str) -> Option<&Baseline> {
        self.state.identities.get(identity).map(|s| &s.baseline)
    }

    /// The `nhi baseline show ID` view.
    pub fn summary(&self, identity: &str) -> Option<crate::baseline::BaselineSummary> {
        self.baseline(identity)
            .map(|b| b.summary(self.config.learning_secs(), self.config.absorb_secs()))
    }

    /// Identities past their learning window at the current watermark: the
    /// denominator of the cohort share.
    pub fn established_identities(&self) -> usize {
        let now = self.state.watermark;
        let learning_secs = self.config.learning_secs();
        self.state
            .identities
            .values()
            .filter(|s| !s.baseline.is_learning(now, learning_secs))
            .count()
    }

    /// The cross-identity cohort data, for sharing between shards.
    pub fn cohort(&self) -> &CohortState {
        &self.state.cohort
    }

    /// Replaces this shard's view of the fleet with `fleet` (see [`crate::sync_cohorts`]).
    pub fn share_cohort(&mut self, fleet: &CohortState, fleet_established: usize) {
        let mut merged = self.state.cohort.clone();
        merged.merge(fleet);
        merged.fleet_established = Some(fleet_established);
        self.state.cohort = merged;
    }

    pub fn identities(&self) -> impl Iterator<Item = &str> {
        self.state.identities.keys().map(String::as_str)
    }

    /// Processes one event and returns the alerts it (or the passage of time it
    /// reveals) completes.
    pub fn observe(&mut self, event: &ActivityEvent) -> Vec<Alert> {
        self.state.stats.processed += 1;
        if let Some(id) = &event.id {
            let source = event.source.as_str();
            let mut key = String::with_capacity(source.len() + 1 + id.len());
            key.push_str(source);
            key.push('\u{1f}');
            key.push_str(id);
            let seen_at = match (event.time, self.state.watermark) {
                (Some(t), Some(w)) => Some(t.max(w)),
                (t, w) => t.or(w),
            };
            if !self.state.seen_event_ids.insert(
                key,
                seen_at,
                self.config.dedup_horizon_secs,
                self.config.dedup_capacity,
            ) {
                self.state.stats.duplicates += 1;
                return Vec::new();
            }
        }

        let late = match (event.time, self.state.watermark) {
            (Some(t), Some(w)) => {
                w.as_second() - t.as_second() > self.config.reorder_tolerance_secs
            }
            _ => false,
        };
        if late {
            self.state.stats.late += 1;
        }
        let skewed = match (event.time, self.clock) {
            (Some(t), Some(clock)) => {
                t.as_second().saturating_sub(clock.as_second()) > self.config.max_clock_skew_secs
            }
            _ => false,
        };
        if skewed {
            self.state.stats.skewed += 1;
        }
        if event.time.is_none() {
            self.state.stats.untimed += 1;
        }
        if let (Some(t), false) = (event.time, skewed) {
            self.state.watermark = Some(self.state.watermark.map_or(t, |w| w.max(t)));
        }
        // A future-dated event's time cannot be trusted for windows, rates, first/last
        // seen or dormancy: from here on it is handled like an event without a time.
        let trusted_time = if skewed { None } else { event.time };

        let resolved = self.resolver.resolve(&event.actor);
        let identity = match &resolved {
            Some(r) => r.id.clone(),
            None => event.actor.principal.clone(),
        };

        let network = event
            .source_ip
            .as_deref()
            .and_then(|ip| self.memo.network(ip));
        let network_info = match (&self.enricher, event.source_ip.as_deref()) {
            (Some(enricher), Some(ip)) => ip
                .trim()
                .parse::<IpAddr>()
                .ok()
                .and_then(|ip| enricher.enrich(ip)),
            _ => None,
        };
        let mut view = EventView {
            event,
            identity,
            resolved,
            time: trusted_time,
            late,
            learning: true,
            network,
            network_info,
            agent_family: event
                .user_agent
                .as_deref()
                .map(|agent| self.memo.agent_family(agent)),
            succeeded: event.outcome != Outcome::Failure,
        };

        let mut alerts = Vec::new();
        if view.identity.is_empty() {
            // Nobody to keep a baseline for; the signatures still say something.
            self.state.stats.skipped += 1;
            view.identity = "(unknown actor)".to_string();
            self.signature_detectors(&view, &mut alerts);
        } else {
            let learning_secs = self.config.learning_secs();
            // Looked up before inserting: `entry` would copy the name every event.
            if !self.state.identities.contains_key(&view.identity) {
                self.state
                    .identities
                    .insert(view.identity.clone(), IdentityState::new(&view.identity));
            }
            let state = &self.state.identities[&view.identity];
            view.learning = state.baseline.is_learning(view.time, learning_secs)
                || state.baseline.first_seen.is_none();
            self.watch(&view);
            self.signature_detectors(&view, &mut alerts);
            self.identity_detectors(&view, &mut alerts);
        }

        alerts.extend(self.close_due());
        self.count(&alerts);
        alerts
    }

    /// Ends the input: closes every open window and releases every deferred alert.
    pub fn flush(&mut self) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let windows = std::mem::take(&mut self.state.watch_windows);
        alerts.extend(windows.into_values().map(|w| self.watch_alert(w)));
        let deferred = std::mem::take(&mut self.state.deferred);
        let established = self.cohort_population();
        for pending in deferred {
            if let Some(alert) = self.release_deferred(pending, established) {
                alerts.push(alert);
            }
        }
        self.count(&alerts);
        alerts
    }

    fn count(&mut self, alerts: &[Alert]) {
        for alert in alerts {
            self.state.stats.alerts += 1;
            *self
                .state
                .stats
                .alerts_by_detection
                .entry(alert.detection.clone())
                .or_default() += 1;
        }
    }

    // ---- immediate monitoring -------------------------------------------------------

    fn watch(&mut self, view: &EventView) {
        let (Some(threshold), Some(resolved)) = (self.config.watch_tier, &view.resolved) else {
            return;
        };
        if resolved.risk_tier < threshold {
            return;
        }
        let width = self.config.watch_window_secs.max(1);
        let tolerance = self.config.reorder_tolerance_secs;
        let start = view.time.map(|t| {
            let own = floor_to(t, width);
            let closed = match (add_seconds(own, width), self.state.watermark) {
                (Some(end), Some(w)) => w.as_second() - end.as_second() >= tolerance,
                _ => false,
            };
            // The event's own window was already reported: count it in the window it
            // arrived in instead, so no alert ID is ever emitted twice.
            match (closed, self.state.watermark) {
                (true, Some(w)) => floor_to(w, width),
                _ => own,
            }
        });
        let key = format!(
            "{}\u{1f}{}",
            view.identity,
            start.map_or_else(|| "untimed".to_string(), |s| s.to_string())
        );
        let window = self
            .state
            .watch_windows
            .entry(key)
            .or_insert_with(|| WatchWindow {
                identity: view.identity.clone(),
                start,
                end: start.and_then(|s| add_seconds(s, width)),
                tier: format!("{:?}", resolved.risk_tier).to_lowercase(),
                first_seen: None,
                last_seen: None,
                event_count: 0,
                event_ids: Vec::new(),
                origins: Vec::new(),
                actions: Default::default(),
                critical: resolved.risk_tier == RiskTier::Critical,
            });
        window.event_count += 1;
        if let Some(t) = view.time {
            window.first_seen = Some(window.first_seen.map_or(t, |f| f.min(t)));
            window.last_seen = Some(window.last_seen.map_or(t, |l| l.max(t)));
        }
        if window.event_ids.len() < MAX_WINDOW_IDS
            && let Some(id) = &view.event.id
        {
            window.event_ids.push(id.clone());
        }
        if window.origins.len() < MAX_WINDOW_IDS && !view.event.origin.is_empty() {
            window.origins.push(view.event.origin.clone());
        }
        *window
            .actions
            .entry(format!("{}:{}", view.event.service, view.event.action))
            .or_default() += 1;
    }

    fn watch_alert(&self, window: WatchWindow) -> Alert {
        let severity = if window.critical {
            Severity::High
        } else if window.tier == "high" {
            Severity::Low
        } else {
            Severity::Info
        };
        let mut alert = Alert::new(&alert::WATCHED_IDENTITY, &window.identity, window.start, "")
            .severity(severity);
        alert.first_seen = window.first_seen.or(window.start);
        alert.last_seen = window.last_seen.or(window.start);
        alert.event_count = window.event_count;
        alert.event_ids = window.event_ids;
        alert.evidence = window.origins;
        let mut top: Vec<(&String, &u64)> = window.actions.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let actions: Vec<String> = top
            .iter()
            .take(5)
            .map(|(a, n)| format!("{a} ×{n}"))
            .collect();
        let span = match (window.start, window.end) {
            (Some(s), Some(e)) => format!("between {s} and {e}"),
            _ => "in events without a time".to_string(),
        };
        alert.explanation = format!(
            "{}-tier identity made {} call(s) {span}: {}; baseline: watched identities alert on any use",
            window.tier,
            window.event_count,
            actions.join(", ")
        );
        alert
            .observed("event_count", window.event_count)
            .observed("top_actions", actions.join(", "))
            .baseline("watch_tier", &window.tier)
    }

    // ---- windows and deferred alerts ------------------------------------------------

    fn close_due(&mut self) -> Vec<Alert> {
        let Some(watermark) = self.state.watermark else {
            return Vec::new();
        };
        let tolerance = self.config.reorder_tolerance_secs;
        let closes = |end: Option<Timestamp>| {
            end.is_some_and(|end| watermark.as_second() - end.as_second() >= tolerance)
        };
        let mut alerts = Vec::new();
        let due: Vec<String> = self
            .state
            .watch_windows
            .iter()
            .filter(|(_, w)| closes(w.end))
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            if let Some(window) = self.state.watch_windows.remove(&key) {
                alerts.push(self.watch_alert(window));
            }
        }
        if self.state.deferred.iter().any(|d| d.due <= watermark) {
            let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.state.deferred)
                .into_iter()
                .partition(|d| d.due <= watermark);
            self.state.deferred = waiting;
            let established = self.cohort_population();
            for pending in ready {
                if let Some(alert) = self.release_deferred(pending, established) {
                    alerts.push(alert);
                }
            }
            self.prune_cohort(watermark);
        }
        alerts
    }

    /// The denominator of the cohort share: established identities here, or across
    /// the fleet when shards shared their counts. Never zero.
    fn cohort_population(&self) -> usize {
        self.established_identities()
            .max(self.state.cohort.fleet_established.unwrap_or(0))
            .max(1)
    }

    /// Emits a deferred new-region alert unless enough established identities adopted
    /// the same region around the same time.
    fn release_deferred(&self, pending: DeferredAlert, established: usize) -> Option<Alert> {
        let window = self.config.cohort_window_secs;
        let adopters = self
            .state
            .cohort
            .adoptions
            .get(&pending.region)
            .map_or(0, |who| {
                who.values()
                    .filter(|t| (t.as_second() - pending.adopted_at.as_second()).abs() <= window)
                    .count()
            });
        let share = adopters as f64 / established as f64;
        // A share of the fleet, or enough identities at once: a fleet of Lambda roles
        // moving together is a deployment even when the estate is large.
        let fleet_change = adopters >= self.config.cohort_min_identities
            && (share >= self.config.cohort_fraction
                || (self.config.cohort_absolute > 0 && adopters >= self.config.cohort_absolute));
        if fleet_change {
            return None;
        }
        let mut alert = pending.alert;
        alert.explanation = format!(
            "{} ({adopters} of {established} established identities adopted {} within the cohort window, below the {:.0}% cohort threshold and the {} identities that make a fleet change)",
            alert.explanation,
            pending.region,
            self.config.cohort_fraction * 100.0,
            self.config.cohort_absolute
        );
        Some(alert.observed("cohort_adopters", adopters))
    }

    fn prune_cohort(&mut self, watermark: Timestamp) {
        let horizon = watermark
            .as_second()
            .saturating_sub(self.config.cohort_window_secs.saturating_mul(3));
        for who in self.state.cohort.adoptions.values_mut() {
            who.retain(|_, t| t.as_second() >= horizon);
        }
        self.state.cohort.adoptions.retain(|_, who| !who.is_empty());
    }

    // ---- signature detectors (no baseline needed) -----------------------------------

    fn signature_detectors(&self, view: &EventView, alerts: &mut Vec<Alert>) {
        if let Some(alert) = defence_evasion(view) {
            alerts.push(alert);
        }
        if let Some(alert) = external_share(view, &self.config) {
            alerts.push(alert);
        }
        alerts.extend(crate::saas::persistence(view));
    }

    // ---- per-identity detectors and baseline update ---------------------------------

    fn identity_detectors(&mut self, view: &EventView, alerts: &mut Vec<Alert>) {
        let persistence = self.persistence(view);
        let rotation = self.is_registered_rotation(view);
        let config = &self.config;
        let state = self
            .state
            .identities
            .get_mut(&view.identity)
            .expect("identity state was created before the detectors ran");
        alerts.extend(persistence);
        let mut marks: Vec<(Field, String)> = Vec::new();

        dormancy(view, state, config, alerts);
        human_use(view, state, alerts);
        after_deactivation(view, state, alerts);
        alerts.extend(crate::saas::entra_dead_credential(view, state));

        // Hourly statistics come first so the volume detector sees this event's hour.
        if let (Some(t), false) = (view.time, view.late) {
            let baseline = &mut state.baseline;
            baseline.roll_hour(t, config.ewma_alpha);
            if let Some(bucket) = baseline.current_hour.as_mut()
                && bucket.start <= t
            {
                bucket.calls += 1;
                if !view.succeeded {
                    bucket.errors += 1;
                }
                if view.event.service == "s3" && view.event.action == "GetObject" {
                    bucket.get_objects += 1;
                }
                bucket.bytes_out = bucket
                    .bytes_out
                    .saturating_add(view.event.bytes_out.unwrap_or(0));
            }
        }

        if !view.learning {
            if !rotation {
                sensitive_first_use(view, state, config, alerts, &mut marks);
            }
            assume_role(view, state, config, alerts, &mut marks);
            network_novelty(view, state, config, alerts, &mut marks);
            llm_jacking(view, state, config, alerts, &mut marks);
            data_volume(view, state, config, alerts);
        }
        bursts(view, state, config, alerts);
        let new_region = if view.learning {
            None
        } else {
            new_region(view, state, config, &mut marks)
        };

        update_baseline(view, state, config);
        for (field, value) in marks {
            field_set(&mut state.baseline, field).mark_alerted(
                &value,
                view.time,
                config.max_values_per_field,
            );
        }
        if let Some((region, adopted_at, alert)) = new_region {
            self.state
                .cohort
                .adoptions
                .entry(region.clone())
                .or_default()
                .entry(view.identity.clone())
                .or_insert(adopted_at);
            let due = add_seconds(adopted_at, self.config.cohort_window_secs).unwrap_or(adopted_at);
            self.state.deferred.push(DeferredAlert {
                due,
                region,
                adopted_at,
                alert,
            });
        }
    }

    /// Credential maintenance on an IAM principal by one of that principal's registered
    /// rotators: routine, whatever the rotator's own baseline says (a 90-day rotation
    /// is the rotator's first IAM write of the quarter, not a new behaviour).
    fn is_registered_rotation(&self, view: &EventView) -> bool {
        let event = view.event;
        if event.service != "iam"
            || !matches!(
                event.action.as_str(),
                "CreateAccessKey"
                    | "UpdateAccessKey"
                    | "DeleteAccessKey"
                    | "CreateLoginProfile"
                    | "UpdateLoginProfile"
                    | "CreateServiceSpecificCredential"
                    | "ResetServiceSpecificCredential"
                    | "UploadSSHPublicKey"
            )
        {
            return false;
        }
        let Some(target) = iam_target(event) else {
            return false;
        };
        let Some(target_identity) = self.resolver.resolve(&Actor {
            principal: target.clone(),
            ..Actor::default()
        }) else {
            return false;
        };
        target_identity.rotator_principals.iter().any(|rotator| {
            crate::config::glob_match(rotator, &event.actor.principal) || rotator == &view.identity
        })
    }

    /// CreateAccessKey, CreateUser, Create/UpdateLoginProfile or UpdateAssumeRolePolicy
    /// aimed at a principal other than the actor, by someone who is not that
    /// principal's registered rotator.
    fn persistence(&self, view: &EventView) -> Option<Alert> {
        let event = view.event;
        // GCP: a key made for a service account is a credential for that account.
        let gcp_key = event.service == "iam.googleapis.com"
            && event.action.ends_with(".CreateServiceAccountKey");
        // Kubernetes: a TokenRequest mints a token for a service account. Kubelets and
        // the controller manager do it for pods all day; anyone else doing it for an
        // account not its own is taking that account's identity.
        let k8s_token = event.service == "core/serviceaccounts/token"
            && event.action == "create"
            && !event.actor.principal.starts_with("system:node:")
            && !event.actor.principal.starts_with("system:kube-");
        if (event.service != "iam" && !gcp_key && !k8s_token) || !view.succeeded {
            return None;
        }
        let creates_principal = event.action == "CreateUser";
        if !gcp_key
            && !k8s_token
            && !creates_principal
            && !matches!(
                event.action.as_str(),
                "CreateAccessKey"
                    | "CreateLoginProfile"
                    | "UpdateLoginProfile"
                    | "UpdateAssumeRolePolicy"
            )
        {
            return None;
        }
        // With no target named, CreateAccessKey and friends act on the caller itself.
        // A target spelled out from the resource (GCP, Kubernetes), not found in it.
        let named_target;
        let target = if k8s_token {
            // `namespaces/NS/serviceaccounts/NAME/token`
            let path = event.resources.first()?;
            let mut parts = path.split('/');
            let (Some("namespaces"), Some(namespace), Some("serviceaccounts"), Some(name)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            named_target = format!("system:serviceaccount:{namespace}:{name}");
            &named_target
        } else if gcp_key {
            // `projects/P/serviceAccounts/EMAIL` (the key ID may follow).
            named_target = event
                .resources
                .first()
                .and_then(|r| r.split("serviceAccounts/").nth(1))
                .and_then(|rest| rest.split('/').next())
                .filter(|email| !email.is_empty())?
                .to_string();
            &named_target
        } else {
            iam_target(event)?
        };
        // The actor is the principal itself, or a role session named after it (SSO
        // sessions carry the person's name): acting on oneself is not persistence.
        let target_name = principal_name(target);
        let is_self = target_name.eq_ignore_ascii_case(principal_name(&event.actor.principal))
            || event
                .actor
                .session
                .as_deref()
                .is_some_and(|session| target_name.eq_ignore_ascii_case(session));
        if !creates_principal && is_self {
            return None;
        }
        let target_identity = self.resolver.resolve(&Actor {
            principal: target.clone(),
            ..Actor::default()
        });
        if self.is_registered_rotation(view) {
            return None;
        }
        // An identity whose established baseline already includes this exact call is
        // doing its routine job (an account-vending pipeline, for example).
        if let Some(state) = self.state.identities.get(&view.identity)
            && !view.learning
            && state.baseline.actions.familiarity(
                &format!("{}:{}", event.service, event.action),
                view.time,
                self.config.absorb_secs(),
            ) == crate::baseline::Familiarity::Known
        {
            return None;
        }
        let rotators = target_identity
            .as_ref()
            .map(|t| t.rotator_principals.join(", "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "none registered".to_string());
        Some(
            view.alert(
                &alert::PERSISTENCE_OTHER_PRINCIPAL,
                &format!("{target}|{}", view.event_discriminator()),
            )
                .explain(format!(
                    "{} called {}:{} on {}, a different principal; baseline: rotators of the target: {rotators}",
                    event.actor.principal, event.service, event.action, target
                ))
                .observed("target", target)
                .baseline("rotators", rotators),
        )
    }
}
