//! `nhi monitor`, `nhi alerts` and `nhi baseline show`: the monitoring path wired
//! together. Event sources (`nhi-events`) → detectors (`nhi-monitor`, plus Sigma rules)
//! → alert sinks (standard output, the store, and the configured sinks).
//!
//! Crash safety: the detector state and the read position of every log are committed
//! to the store in one transaction (`InventoryStore::commit_monitor`), after a poll of
//! the inputs. A restart resumes from the last commit: events read after it are read
//! again *and* the state they changed is rolled back with it, so nothing is lost or
//! counted twice.
//!
//! Threads: one reads and parses the logs, the other runs the detectors; events cross
//! in batches through a bounded channel, which keeps memory bounded whatever the input
//! size.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nhi_events::{Checkpoint, Follower, ReadOptions, ReadStats, RecordTagger};
use nhi_model::{ActivityEvent, Actor, IdentityKind, Severity};
use nhi_monitor::{
    Alert, IdentityResolver, Monitor, MonitorConfig, NoResolver, ResolvedIdentity, RiskTier,
};
use nhi_store::{AlertFilter, MonitorCommit, StoredAlert};
use serde::Deserialize;

use crate::cli::{AlertListOutput, AlertOutput, AlertsArgs, MonitorArgs, StoreArgs};
use crate::exit;
use crate::findings_cmd::load_policy;
use crate::inventory_cmd::{load_graph, open_store};

/// Events per batch handed from the reader thread to the detectors.
const BATCH: usize = 2048;
/// Batches in flight: bounds memory to a few thousand events whatever the input.
const CHANNEL_DEPTH: usize = 8;
/// With --follow, commit at most this often (a commit writes the whole state).
const FOLLOW_COMMIT_EVERY: Duration = Duration::from_secs(10);

/// The monitoring configuration file (`--config`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorFile {
    #[serde(default)]
    monitor: Option<MonitorConfig>,
    #[serde(default)]
    mapping: Option<nhi_events::FieldMapping>,
    /// Alert sinks (`nhi-sinks`).
    #[serde(default)]
    sink: Vec<nhi_sinks::SinkConfig>,
    /// What the inventory does not say about an identity: who may rotate its keys,
    /// when its credentials are due to be turned off, its risk tier and owner.
    #[serde(default)]
    identity: Vec<IdentityOverlay>,
}

/// `[[identity]]`: facts about one identity for the detectors, merged over the
/// inventory's (or standing in for it when the identity is not in the inventory).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityOverlay {
    /// The principal as logs name it (an ARN, `system:serviceaccount:NS:NAME`, an app ID).
    principal: String,
    /// Principals (globs allowed) whose key creation or rotation on this identity is
    /// routine maintenance, not persistence.
    #[serde(default)]
    rotators: Vec<String>,
    /// When its credentials were due to be deactivated (RFC 3339 or a date).
    deactivate_after: Option<String>,
    /// low, medium, high or critical.
    risk_tier: Option<String>,
    owner: Option<String>,
    /// Access key IDs (or other credential IDs) that belong to it.
    #[serde(default)]
    credentials: Vec<String>,
    /// false for a person's account that is monitored too (default true).
    is_nhi: Option<bool>,
}

fn read_config(path: Option<&Path>) -> Result<MonitorFile> {
    let Some(path) = path else {
        return Ok(MonitorFile::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: MonitorFile =
        toml::from_str(&text).with_context(|| format!("monitoring config {}", path.display()))?;
    if let Some(config) = &file.monitor {
        config
            .validate()
            .map_err(|e| anyhow::anyhow!("{}: [monitor]: {e}", path.display()))?;
    }
    if let Some(mapping) = &file.mapping {
        mapping
            .validate()
            .map_err(|e| anyhow::anyhow!("{}: [mapping]: {e}", path.display()))?;
    }
    Ok(file)
}

// ---------------------------------------------------------------------------------------
// Identity resolution over the stored inventory.

/// Actors resolved against the inventory: by ARN, e-mail or name, by access key ID,
/// by Kubernetes `system:serviceaccount:NS:NAME`.
#[derive(Debug, Default)]
struct InventoryResolver {
    by_name: HashMap<String, ResolvedIdentity>,
    /// By inventory ID, for naming alerts' identities and owners.
    by_id: HashMap<String, ResolvedIdentity>,
    /// Credential external ID → (identity key in `by_name`, when it expires).
    by_credential: HashMap<String, (String, Option<jiff::Timestamp>)>,
}

impl IdentityResolver for InventoryResolver {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity> {
        let credential = actor
            .credential_id
            .as_ref()
            .and_then(|id| self.by_credential.get(id));
        let mut resolved = self
            .by_name
            .get(&actor.principal)
            .cloned()
            .or_else(|| credential.and_then(|(holder, _)| self.by_name.get(holder).cloned()))?;
        // The credential's own expiry is a scheduled deactivation of that key.
        if let Some((_, Some(expires))) = credential {
            resolved.scheduled_deactivation = Some(
                resolved
                    .scheduled_deactivation
                    .map_or(*expires, |t| t.min(*expires)),
            );
        }
        Some(resolved)
    }
}

fn risk_tier(tier: &str) -> RiskTier {
    match tier {
        "critical" => RiskTier::Critical,
        "high" => RiskTier::High,
        "medium" => RiskTier::Medium,
        _ => RiskTier::Low,
    }
}

/// Tags that configure monitoring on the identity itself (AWS tags, GCP labels…):
/// `nhi:rotator` names the principals allowed to rotate its keys (comma-separated),
/// `nhi:deactivate-after` the time its credentials were due to be turned off.
const ROTATOR_TAG: &str = "nhi:rotator";
const DEACTIVATE_TAG: &str = "nhi:deactivate-after";

fn build_resolver(store: &StoreArgs) -> Result<InventoryResolver> {
    let policy = load_policy(store.policy.as_deref())?;
    let graph = load_graph(store)?;
    let assessed = nhi_assess::assess(&graph, &policy, jiff::Timestamp::now());
    let risks = nhi_assess::score(&graph, &assessed, &policy);
    let mut resolver = InventoryResolver::default();
    for identity in graph.inventory.identities.values() {
        if matches!(
            identity.kind,
            IdentityKind::Human | IdentityKind::Workload | IdentityKind::FederationProvider
        ) {
            continue;
        }
        let tag = |key: &str| identity.tags.get(key).map(String::as_str);
        // Alerts and baselines name the identity as the platform does (an ARN, an
        // e-mail, an app ID); the inventory ID only where there is none.
        let resolved = ResolvedIdentity {
            id: identity
                .external_id
                .clone()
                .unwrap_or_else(|| identity.id.clone()),
            display: identity.name.clone(),
            risk_tier: risks
                .get(&identity.id)
                .map_or(RiskTier::Low, |r| risk_tier(r.tier)),
            owner: identity.owners.first().cloned(),
            is_nhi: true,
            scheduled_deactivation: tag(DEACTIVATE_TAG).and_then(parse_time),
            rotator_principals: tag(ROTATOR_TAG)
                .map(|v| {
                    v.split([',', ' '])
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut names = vec![identity.id.clone()];
        if let Some(external) = &identity.external_id {
            names.push(external.clone());
            if identity.kind == IdentityKind::KubernetesServiceAccount
                && let Some((namespace, name)) = external.split_once('/')
            {
                names.push(format!("system:serviceaccount:{namespace}:{name}"));
            }
        }
        if let Some(app_id) = identity.attributes.get("app_id") {
            names.push(app_id.clone());
        }
        for name in names {
            resolver.by_name.insert(name, resolved.clone());
        }
        resolver.by_id.insert(resolved.id.clone(), resolved);
    }
    for credential in graph.inventory.credentials.values() {
        let (Some(external), Some(holder)) = (
            &credential.external_id,
            graph.inventory.identities.get(&credential.identity),
        ) else {
            continue;
        };
        if resolver.by_name.contains_key(&holder.id) {
            // `by_name` knows the holder by its inventory ID, whatever it reports as.
            resolver
                .by_credential
                .insert(external.clone(), (holder.id.clone(), credential.expires));
        }
    }
    Ok(resolver)
}

impl InventoryResolver {
    /// Merges `[[identity]]` entries from the monitoring config.
    fn overlay(&mut self, entries: &[IdentityOverlay]) -> Result<()> {
        for entry in entries {
            let mut resolved = self
                .by_name
                .get(&entry.principal)
                .cloned()
                .unwrap_or_else(|| ResolvedIdentity {
                    id: entry.principal.clone(),
                    display: entry
                        .principal
                        .rsplit('/')
                        .next()
                        .unwrap_or(&entry.principal)
                        .to_string(),
                    risk_tier: RiskTier::Low,
                    owner: None,
                    is_nhi: true,
                    scheduled_deactivation: None,
                    rotator_principals: Vec::new(),
                });
            resolved
                .rotator_principals
                .extend(entry.rotators.iter().cloned());
            if let Some(text) = &entry.deactivate_after {
                resolved.scheduled_deactivation = Some(parse_time(text).ok_or_else(|| {
                    anyhow::anyhow!(
                        "[[identity]] {}: deactivate_after `{text}` is not a time or date",
                        entry.principal
                    )
                })?);
            }
            if let Some(tier) = &entry.risk_tier {
                if !["low", "medium", "high", "critical"].contains(&tier.as_str()) {
                    bail!(
                        "[[identity]] {}: risk_tier `{tier}` is not low, medium, high or critical",
                        entry.principal
                    );
                }
                resolved.risk_tier = risk_tier(tier);
            }
            if let Some(owner) = &entry.owner {
                resolved.owner = Some(owner.clone());
            }
            if let Some(is_nhi) = entry.is_nhi {
                resolved.is_nhi = is_nhi;
            }
            for credential in &entry.credentials {
                self.by_credential
                    .insert(credential.clone(), (entry.principal.clone(), None));
            }
            // Every name the identity is known by gets the merged facts.
            let names: Vec<String> = self
                .by_name
                .iter()
                .filter(|(_, r)| r.id == resolved.id)
                .map(|(name, _)| name.clone())
                .chain([entry.principal.clone()])
                .collect();
            for name in names {
                self.by_name.insert(name, resolved.clone());
            }
            self.by_id.insert(resolved.id.clone(), resolved);
        }
        Ok(())
    }
}

/// An RFC 3339 time or a plain date (midnight UTC).
fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok().or_else(|| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    })
}

// ---------------------------------------------------------------------------------------
// Sigma rules: matched on the raw record inside the reader, turned into alerts here.

#[derive(Debug)]
struct SigmaTagger(nhi_sigma::RuleSet);

impl RecordTagger for SigmaTagger {
    fn tags(&self, record_json: &str) -> Vec<String> {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(record_json) else {
            return Vec::new();
        };
        self.0.matches(&record).into_iter().map(sigma_key).collect()
    }
}

/// A rule's ID, or its title when it has none (IDs are optional in Sigma).
fn sigma_key(rule: &nhi_sigma::Rule) -> String {
    rule.id.clone().unwrap_or_else(|| rule.title.clone())
}

fn sigma_severity(level: Option<nhi_sigma::Level>) -> Severity {
    match level {
        Some(nhi_sigma::Level::Critical) => Severity::Critical,
        Some(nhi_sigma::Level::High) => Severity::High,
        Some(nhi_sigma::Level::Medium) | None => Severity::Medium,
        Some(nhi_sigma::Level::Low) => Severity::Low,
        Some(nhi_sigma::Level::Informational) => Severity::Info,
    }
}

fn sigma_alerts(
    event: &ActivityEvent,
    rules: &HashMap<String, nhi_sigma::Rule>,
    resolver: &InventoryResolver,
) -> Vec<Alert> {
    let Some(tags) = event.details.get(<dyn RecordTagger>::DETAIL_KEY) else {
        return Vec::new();
    };
    let identity = resolver
        .resolve(&event.actor)
        .map_or_else(|| event.actor.principal.clone(), |r| r.id);
    tags.split(',')
        .filter_map(|key| rules.get(key).map(|rule| (key, rule)))
        .map(|(key, rule)| {
            let event_id = event.id.clone().unwrap_or_else(|| event.origin.clone());
            Alert {
                id: format!(
                    "SIGMA-{:016x}",
                    nhi_monitor::stable_hash(&[key, &identity, &event_id])
                ),
                detection: format!("SIGMA:{key}"),
                name: rule.title.clone(),
                mitre: rule.attack_techniques(),
                severity: sigma_severity(rule.level),
                identity: identity.clone(),
                first_seen: event.time,
                last_seen: event.time,
                event_ids: event.id.iter().cloned().collect(),
                event_count: 1,
                explanation: format!(
                    "{} {} matched the Sigma rule \"{}\"{}",
                    event.service,
                    event.action,
                    rule.title,
                    rule.file
                        .as_ref()
                        .map(|f| format!(" ({})", f.display()))
                        .unwrap_or_default()
                ),
                evidence: vec![event.origin.clone()],
                observed: BTreeMap::new(),
                baseline: BTreeMap::new(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The reader thread.

enum Message {
    Events(Vec<ActivityEvent>),
    /// Every follower has been polled once; the positions cover every event sent.
    Polled {
        positions: Vec<Checkpoint>,
        delivered: u64,
    },
    Done(ReadStats),
}

/// Raised by the first SIGINT or SIGTERM: the reader finishes the poll in hand and
/// stops, so every event read is committed with its position and a restart resumes
/// exactly there. A second signal ends the process at once (exit 130); the last commit
/// still holds, so nothing is double-counted, only re-read.
fn install_stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Order matters: the shutdown hook only fires once the flag is already set.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    Ok(stop)
}

/// Sleeps for `total`, waking early when a stop is requested.
fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step.min(total - slept));
        slept += step;
    }
}

fn read_inputs(
    mut followers: Vec<Follower>,
    stdin: Option<ReadOptions>,
    follow: bool,
    interval: Duration,
    stop: Arc<AtomicBool>,
    tx: SyncSender<Message>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let send = |batch: &mut Vec<ActivityEvent>, tx: &SyncSender<Message>| {
        if !batch.is_empty() {
            let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
            // The receiver only goes away on an error it reports itself.
            let _ = tx.send(Message::Events(full));
        }
    };
    let mut stats = ReadStats::default();
    if let Some(options) = stdin {
        let read = nhi_events::read_reader(std::io::stdin().lock(), "-", &options, &mut |e| {
            batch.push(e);
            if batch.len() >= BATCH {
                send(&mut batch, &tx);
            }
        });
        stats.merge(read);
        send(&mut batch, &tx);
    }
    // Gzip files and JSON documents are read once their size has held still for two
    // polls, so a run to the end stops after two quiet polls in a row.
    let mut quiet_polls = 0;
    while !followers.is_empty() {
        let mut delivered = 0;
        for follower in &mut followers {
            delivered += follower.poll(&mut |e| {
                batch.push(e);
                if batch.len() >= BATCH {
                    send(&mut batch, &tx);
                }
            });
        }
        send(&mut batch, &tx);
        let positions = followers.iter().flat_map(Follower::checkpoints).collect();
        if tx
            .send(Message::Polled {
                positions,
                delivered,
            })
            .is_err()
        {
            return;
        }
        quiet_polls = if delivered == 0 { quiet_polls + 1 } else { 0 };
        if (!follow && quiet_polls >= 2) || stop.load(Ordering::Relaxed) {
            break;
        }
        if follow || delivered == 0 {
            let pause = if follow {
                interval
            } else {
                Duration::from_millis(5)
            };
            sleep_unless_stopped(pause, &stop);
        }
    }
    for follower in &followers {
        stats.merge(follower.stats().clone());
    }
    let _ = tx.send(Message::Done(stats));
}

// ---------------------------------------------------------------------------------------
// The detector state: one monitor per shard of identities.

/// Several monitors side by side, each owning the identities `shard_of` routes to it,
/// run on every core for each batch (`nhi_monitor::observe_sharded`). Stored as one
/// monitor state, or `{"shards": [state, …]}` for several; a stored feed keeps its
/// shard count, because identities cannot move between shards afterwards.
struct Detectors<R> {
    monitors: Vec<Monitor<R>>,
}

#[derive(serde::Serialize, Deserialize)]
struct ShardedState {
    shards: Vec<Box<serde_json::value::RawValue>>,
}

/// The stored state's shards, each one monitor state.
fn shard_states(state: &str) -> Result<Vec<String>> {
    if state.trim_start().starts_with("{\"shards\"") {
        let sharded: ShardedState =
            serde_json::from_str(state).context("the stored sharded monitor state is corrupt")?;
        Ok(sharded
            .shards
            .into_iter()
            .map(|s| s.get().to_string())
            .collect())
    } else {
        Ok(vec![state.to_string()])
    }
}

impl<R: IdentityResolver + Send + Clone> Detectors<R> {
    fn new(config: &MonitorConfig, resolver: R, shards: usize) -> Self {
        Detectors {
            monitors: (0..shards.max(1))
                .map(|_| Monitor::new(config.clone(), resolver.clone()))
                .collect(),
        }
    }

    fn load(config: &MonitorConfig, resolver: R, state: &str) -> Result<Self> {
        let monitors = shard_states(state)?
            .iter()
            .map(|s| Monitor::from_json(config.clone(), resolver.clone(), s))
            .collect::<Result<Vec<_>, _>>()
            .context("the stored monitor checkpoint cannot be read; rerun with --fresh")?;
        Ok(Detectors { monitors })
    }

    fn with_enricher(mut self, enricher: Arc<dyn nhi_monitor::NetworkEnricher>) -> Self {
        self.monitors = self
            .monitors
            .into_iter()
            .map(|m| m.with_enricher(enricher.clone()))
            .collect();
        self
    }

    fn observe(&mut self, events: &[ActivityEvent]) -> Vec<Alert> {
        if let [monitor] = self.monitors.as_mut_slice() {
            return events.iter().flat_map(|e| monitor.observe(e)).collect();
        }
        nhi_monitor::observe_sharded(&mut self.monitors, events)
    }

    fn flush(&mut self) -> Vec<Alert> {
        if let [monitor] = self.monitors.as_mut_slice() {
            return monitor.flush();
        }
        nhi_monitor::flush_sharded(&mut self.monitors)
    }

    fn export(&self) -> Result<String> {
        let states = self
            .monitors
            .iter()
            .map(|m| m.export_json())
            .collect::<Result<Vec<_>, _>>()
            .context("cannot save the monitor state")?;
        if let [one] = states.as_slice() {
            return Ok(one.clone());
        }
        let shards = states
            .into_iter()
            .map(serde_json::value::RawValue::from_string)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(serde_json::to_string(&ShardedState { shards })?)
    }

    /// Totals over the shards.
    fn stats(&self) -> nhi_monitor::MonitorStats {
        let mut total = nhi_monitor::MonitorStats::default();
        for stats in self.monitors.iter().map(Monitor::stats) {
            total.processed += stats.processed;
            total.duplicates += stats.duplicates;
            total.late += stats.late;
            total.skewed += stats.skewed;
            total.untimed += stats.untimed;
            total.skipped += stats.skipped;
            total.alerts += stats.alerts;
            for (detection, count) in &stats.alerts_by_detection {
                *total
                    .alerts_by_detection
                    .entry(detection.clone())
                    .or_default() += count;
            }
        }
        total
    }

    fn summary(&self, identity: &str) -> Option<nhi_monitor::BaselineSummary> {
        self.monitors.iter().find_map(|m| m.summary(identity))
    }

    fn identities(&self) -> Vec<&str> {
        self.monitors.iter().flat_map(|m| m.identities()).collect()
    }
}

/// Shards for a new feed: every core but the one the reader runs on.
fn default_shards() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

// ---------------------------------------------------------------------------------------
// `nhi monitor`

struct Output {
    format: AlertOutput,
    printed_json: usize,
    stdout: std::io::BufWriter<std::io::Stdout>,
}

impl Output {
    fn alert(&mut self, alert: &Alert) -> Result<()> {
        match self.format {
            AlertOutput::None => {}
            AlertOutput::Jsonl => {
                serde_json::to_writer(&mut self.stdout, alert)?;
                writeln!(self.stdout)?;
            }
            AlertOutput::Json => {
                write!(
                    self.stdout,
                    "{}",
                    if self.printed_json == 0 { "[\n" } else { ",\n" }
                )?;
                serde_json::to_writer_pretty(&mut self.stdout, alert)?;
                self.printed_json += 1;
            }
            AlertOutput::Text => {
                let span = match (alert.first_seen, alert.last_seen) {
                    (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
                    (Some(a), _) => a.to_string(),
                    _ => "time unknown".into(),
                };
                writeln!(
                    self.stdout,
                    "[{}] {} {}\n  identity: {}\n  when: {span} ({} event{})\n  why: {}\n  ATT&CK: {}\n  evidence: {}\n",
                    alert.severity.as_str().to_uppercase(),
                    alert.detection,
                    alert.name,
                    alert.identity,
                    alert.event_count,
                    if alert.event_count == 1 { "" } else { "s" },
                    alert.explanation,
                    if alert.mitre.is_empty() {
                        "-".to_string()
                    } else {
                        alert.mitre.join(", ")
                    },
                    alert
                        .evidence
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                )?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if self.format == AlertOutput::Json {
            writeln!(
                self.stdout,
                "{}",
                if self.printed_json == 0 { "[]" } else { "\n]" }
            )?;
        }
        self.stdout.flush()?;
        Ok(())
    }
}

fn stored(alert: &Alert) -> Result<StoredAlert> {
    Ok(StoredAlert {
        id: alert.id.clone(),
        detection: alert.detection.clone(),
        severity: alert.severity,
        identity: alert.identity.clone(),
        first_seen: alert.first_seen,
        last_seen: alert.last_seen,
        event_count: alert.event_count,
        json: serde_json::to_string(alert)?,
    })
}

pub fn monitor(args: &MonitorArgs) -> Result<u8> {
    let stop = install_stop_flag()?;
    Ok(monitor_until(args, stop)?.exit_code)
}

/// What one pass of `nhi monitor` did.
pub(crate) struct MonitorRun {
    pub exit_code: u8,
    pub events: u64,
    pub alerts: u64,
}

/// `nhi monitor`, stopping early when `stop` is set. The CLI sets it from SIGINT and
/// SIGTERM; a `nhi serve` job passes its own flag (the server owns the signals).
pub(crate) fn monitor_until(args: &MonitorArgs, stop: Arc<AtomicBool>) -> Result<MonitorRun> {
    let file = read_config(args.config.as_deref())?;
    let config = file.monitor.clone().unwrap_or_default();
    let sinks = crate::sinks::SinkThread::start(crate::sinks::build(&file.sink)?)?;

    // Sigma rules: matched on raw records in the reader thread.
    let mut options = ReadOptions {
        mapping: file.mapping.clone(),
        ..ReadOptions::default()
    };
    let mut sigma_rules: HashMap<String, nhi_sigma::Rule> = HashMap::new();
    if let Some(dir) = &args.sigma {
        let (rules, errors) = nhi_sigma::RuleSet::load_dir(dir);
        for error in &errors {
            eprintln!("nhi: warning: Sigma: {error}");
        }
        if rules.is_empty() {
            bail!("no usable Sigma rule under {}", dir.display());
        }
        for rule in rules.rules() {
            sigma_rules.insert(sigma_key(rule), rule.clone());
        }
        if !args.quiet {
            eprintln!("nhi: {} Sigma rules loaded", rules.len());
        }
        options.tagger = Some(Arc::new(SigmaTagger(rules)));
    }

    let mut resolver = build_resolver(&args.store)?;
    resolver.overlay(&file.identity)?;
    let mut store = open_store(args.store.db.as_deref())?;
    let checkpoint = if args.fresh {
        None
    } else {
        store.monitor_checkpoint(&args.feed)?
    };
    let shards = args.shards.unwrap_or_else(default_shards);
    let (mut monitor, positions): (Detectors<&InventoryResolver>, Vec<Checkpoint>) =
        match &checkpoint {
            Some((state, positions)) => (
                Detectors::load(&config, &resolver, state)?,
                serde_json::from_str(positions).context("the stored read positions are corrupt")?,
            ),
            None => (Detectors::new(&config, &resolver, shards), Vec::new()),
        };
    if args
        .shards
        .is_some_and(|n| n.max(1) != monitor.monitors.len())
        && !args.quiet
    {
        eprintln!(
            "nhi: note: feed `{}` keeps the {} shard(s) it was started with",
            args.feed,
            monitor.monitors.len()
        );
    }
    if let Some(maxmind) =
        crate::geoip::MaxMind::open(args.asn_db.as_deref(), args.country_db.as_deref())?
    {
        monitor = monitor.with_enricher(Arc::new(maxmind));
    }
    if !args.quiet && checkpoint.is_some() {
        eprintln!(
            "nhi: resuming feed `{}` from its checkpoint ({} files read before)",
            args.feed,
            positions.len()
        );
    }

    // One follower per path; stdin has no position to resume from.
    let mut followers = Vec::new();
    let mut stdin = None;
    for path in &args.paths {
        if path.as_os_str() == "-" {
            stdin = Some(options.clone());
            continue;
        }
        let absolute = std::path::absolute(path)
            .with_context(|| format!("cannot resolve {}", path.display()))?;
        if !absolute.exists() {
            bail!("{}: no such file or directory", path.display());
        }
        let mut follower = Follower::new(&absolute, options.clone())
            .with_interval(Duration::from_secs(args.interval.max(1)));
        follower.resume(
            positions
                .iter()
                .filter(|c| c.path.starts_with(&absolute))
                .cloned(),
        );
        followers.push(follower);
    }

    let (tx, rx): (SyncSender<Message>, Receiver<Message>) = sync_channel(CHANNEL_DEPTH);
    let follow = args.follow;
    let interval = Duration::from_secs(args.interval.max(1));
    let reader_stop = Arc::clone(&stop);
    let reader = std::thread::Builder::new()
        .name("nhi-monitor-reader".into())
        .spawn(move || read_inputs(followers, stdin, follow, interval, reader_stop, tx))
        .context("cannot start the reader thread")?;

    let mut output = Output {
        format: args.format,
        printed_json: 0,
        stdout: std::io::BufWriter::new(std::io::stdout()),
    };
    let threshold = args.fail_on.threshold();
    let mut failing = false;
    let mut pending: Vec<StoredAlert> = Vec::new();
    let mut all_positions = positions;
    let mut last_commit = Instant::now();
    let mut since_commit = 0u64;
    let mut read_stats = ReadStats::default();

    let handle = |alert: Alert,
                  pending: &mut Vec<StoredAlert>,
                  output: &mut Output,
                  failing: &mut bool|
     -> Result<()> {
        output.alert(&alert)?;
        let who = resolver.by_id.get(&alert.identity);
        let record = crate::sinks::record(
            &alert,
            who.map(|r| r.display.as_str()),
            who.and_then(|r| r.owner.as_deref()),
        );
        sinks.send(record);
        *failing |= threshold.is_some_and(|t| alert.severity >= t);
        pending.push(stored(&alert)?);
        Ok(())
    };

    for message in rx {
        match message {
            Message::Events(events) => {
                since_commit += events.len() as u64;
                for alert in monitor.observe(&events) {
                    handle(alert, &mut pending, &mut output, &mut failing)?;
                }
                if !sigma_rules.is_empty() {
                    for event in &events {
                        for alert in sigma_alerts(event, &sigma_rules, &resolver) {
                            handle(alert, &mut pending, &mut output, &mut failing)?;
                        }
                    }
                }
            }
            Message::Polled {
                positions,
                delivered,
            } => {
                all_positions = merge_positions(all_positions, positions);
                let due = !follow || last_commit.elapsed() >= FOLLOW_COMMIT_EVERY;
                if (since_commit > 0 || delivered > 0 || !pending.is_empty()) && due {
                    commit(&mut *store, &args.feed, &monitor, &pending, &all_positions)?;
                    pending.clear();
                    since_commit = 0;
                    last_commit = Instant::now();
                }
            }
            Message::Done(stats) => read_stats = stats,
        }
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread failed"))?;
    let interrupted = stop.load(Ordering::Relaxed);
    // End of input: close the open windows (immediate-monitoring windows, bursts). An
    // interrupted run keeps them open in the committed state instead, so the next run
    // continues them as if it had never stopped.
    if !interrupted {
        for alert in monitor.flush() {
            handle(alert, &mut pending, &mut output, &mut failing)?;
        }
    }
    commit(&mut *store, &args.feed, &monitor, &pending, &all_positions)?;
    if interrupted && !args.quiet {
        eprintln!(
            "nhi: stopped by signal; state and read positions of feed `{}` committed, the next run resumes there",
            args.feed
        );
    }
    output.finish()?;
    let sink_errors = sinks.finish();

    for warning in read_stats
        .warnings
        .iter()
        .take(if args.quiet { 0 } else { 20 })
    {
        eprintln!("nhi: warning: {}: {}", warning.location, warning.message);
    }
    let stats = &monitor.stats();
    if args.stats {
        eprint!("{read_stats}");
        eprintln!(
            "detectors: {} processed, {} duplicates, {} late, {} skewed, {} untimed, {} without an actor, {} alerts",
            stats.processed,
            stats.duplicates,
            stats.late,
            stats.skewed,
            stats.untimed,
            stats.skipped,
            stats.alerts
        );
        for (detection, count) in &stats.alerts_by_detection {
            eprintln!("  {detection}: {count}");
        }
    } else if !args.quiet {
        eprintln!(
            "nhi: {} events, {} alerts ({} input problems; --stats for details)",
            read_stats.total_events(),
            stats.alerts,
            read_stats.problems()
        );
    }
    if sink_errors > 0 {
        eprintln!("nhi: warning: {sink_errors} alert deliveries to sinks failed");
    }
    Ok(MonitorRun {
        exit_code: if failing {
            exit::FINDINGS
        } else if sink_errors > 0 {
            exit::INPUT_ERROR
        } else {
            exit::CLEAN
        },
        events: read_stats.total_events(),
        alerts: stats.alerts,
    })
}

/// Newer positions replace older ones for the same file; files not read this run keep
/// theirs (another path argument, another run).
fn merge_positions(old: Vec<Checkpoint>, new: Vec<Checkpoint>) -> Vec<Checkpoint> {
    let mut by_path: BTreeMap<PathBuf, u64> = old.into_iter().map(|c| (c.path, c.offset)).collect();
    for checkpoint in new {
        by_path.insert(checkpoint.path, checkpoint.offset);
    }
    by_path
        .into_iter()
        .map(|(path, offset)| Checkpoint { path, offset })
        .collect()
}

fn commit(
    store: &mut dyn nhi_store::InventoryStore,
    feed: &str,
    monitor: &Detectors<&InventoryResolver>,
    alerts: &[StoredAlert],
    positions: &[Checkpoint],
) -> Result<()> {
    let state = monitor.export()?;
    let positions = serde_json::to_string(positions)?;
    store
        .commit_monitor(&MonitorCommit {
            name: feed,
            alerts,
            state: &state,
            positions: &positions,
            at: jiff::Timestamp::now(),
        })
        .context("cannot commit the monitor checkpoint")?;
    Ok(())
}

/// What the stored monitor baselines say each identity did, for the assessment's
/// unused-permission rule. Empty when `nhi monitor` never ran on this store.
pub(crate) fn observed_activity(
    store: &StoreArgs,
) -> Result<BTreeMap<String, nhi_assess::ObservedActivity>> {
    let db = open_store(store.db.as_deref())?;
    let Some((state, _)) = db.monitor_checkpoint("default")? else {
        return Ok(BTreeMap::new());
    };
    let monitor = Detectors::load(&MonitorConfig::default(), NoResolver, &state)?;
    let mut out = BTreeMap::new();
    for identity in monitor.identities() {
        let Some(summary) = monitor.summary(identity) else {
            continue;
        };
        if let (Some(first_seen), Some(last_seen)) = (summary.first_seen, summary.last_seen) {
            out.insert(
                identity.to_string(),
                nhi_assess::ObservedActivity {
                    services: summary.services.into_iter().collect(),
                    first_seen,
                    last_seen,
                },
            );
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// `nhi alerts`

pub fn alerts(args: &AlertsArgs) -> Result<u8> {
    let store = open_store(args.store.db.as_deref())?;
    let min_severity = args
        .min_severity
        .as_deref()
        .map(str::parse::<Severity>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--min-severity: {e}"))?;
    let alerts = store.alerts(&AlertFilter {
        min_severity,
        identity: args.identity.clone(),
        detection: args.detection.clone(),
        since: None,
        limit: args.limit,
        offset: None,
    })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let parsed = |a: &StoredAlert| -> Result<serde_json::Value> {
        serde_json::from_str(&a.json).with_context(|| format!("alert {} is corrupt", a.id))
    };
    match args.format {
        AlertListOutput::Json => {
            let values: Vec<serde_json::Value> =
                alerts.iter().map(parsed).collect::<Result<_>>()?;
            serde_json::to_writer_pretty(&mut out, &values)?;
            writeln!(out)?;
        }
        AlertListOutput::Jsonl => {
            for alert in &alerts {
                serde_json::to_writer(&mut out, &parsed(alert)?)?;
                writeln!(out)?;
            }
        }
        AlertListOutput::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING);
            table.set_header([
                "SEVERITY",
                "DETECTION",
                "NAME",
                "IDENTITY",
                "LAST SEEN",
                "EVENTS",
            ]);
            for alert in &alerts {
                let value = parsed(alert)?;
                table.add_row([
                    alert.severity.as_str().to_string(),
                    alert.detection.clone(),
                    value["name"].as_str().unwrap_or("").to_string(),
                    alert.identity.clone(),
                    alert.last_seen.map(|t| t.to_string()).unwrap_or_default(),
                    alert.event_count.to_string(),
                ]);
            }
            writeln!(out, "{table}")?;
            writeln!(out, "\n{} alerts", alerts.len())?;
        }
    }
    out.flush()?;
    Ok(exit::CLEAN)
}

// ---------------------------------------------------------------------------------------
// `nhi baseline show`

pub fn baseline_show(id: &str, store_args: &StoreArgs, json: bool, feed: &str) -> Result<u8> {
    let store = open_store(store_args.db.as_deref())?;
    let Some((state, _)) = store.monitor_checkpoint(feed)? else {
        bail!("no baselines yet: run `nhi monitor` on some logs first");
    };
    let monitor = Detectors::load(&MonitorConfig::default(), NoResolver, &state)?;
    let summary = monitor.summary(id).or_else(|| {
        // An ARN or name given where the baseline is kept under the inventory ID.
        let resolver = build_resolver(store_args).ok()?;
        let actor = Actor {
            principal: id.to_string(),
            credential_id: Some(id.to_string()),
            ..Actor::default()
        };
        monitor.summary(&resolver.resolve(&actor)?.id)
    });
    // A bare name: the one baseline whose ARN or ID ends with it.
    let summary = summary.or_else(|| {
        let matching: Vec<&str> = monitor
            .identities()
            .into_iter()
            .filter(|i| i.ends_with(&format!("/{id}")) || i.ends_with(&format!(":{id}")))
            .collect();
        match matching.as_slice() {
            [one] => monitor.summary(one),
            _ => None,
        }
    });
    let Some(summary) = summary else {
        let known: Vec<&str> = monitor
            .identities()
            .into_iter()
            .filter(|i| i.contains(id))
            .take(10)
            .collect();
        if known.is_empty() {
            bail!("no baseline for `{id}`");
        }
        bail!("no baseline for `{id}`; did you mean: {}", known.join(", "));
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        let value = serde_json::to_value(&summary)?;
        if let serde_json::Value::Object(map) = value {
            for (key, value) in map {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => "-".into(),
                    serde_json::Value::Array(items) if items.is_empty() => "-".into(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Array(pair) => pair
                                .iter()
                                .map(|p| p.to_string().trim_matches('"').to_string())
                                .collect::<Vec<_>>()
                                .join(" × "),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                writeln!(out, "{key:<26} {text}")?;
            }
        }
    }
    out.flush()?;
    Ok(exit::CLEAN)
}
