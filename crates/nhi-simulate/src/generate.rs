//! The simulation loop: an hour at a time, each identity's routine calls by its habits,
//! merged with the planned episodes, handed to a sink in time order.

use std::collections::BTreeSet;
use std::fmt;
use std::io;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::api::{self, Call};
use crate::episodes::{self, HabitChange, LabelWindow, Plan, Stamped};
use crate::estate::{Estate, Identity};
use crate::labels::{IdentityLabel, Labels};
use crate::output::EventSink;
use crate::sessions::{RoleRef, assume_role_call, session_opener, web_identity_of};
use crate::stamp::{Caller, iam_user_identity, rfc3339, role_session_identity, stamp};

/// The first instant of the simulated window: a Monday, so hour-of-week 0 is Monday 00:00.
pub const WINDOW_START: &str = "2026-01-05T00:00:00Z";
pub const DEFAULT_DAYS: u32 = 28;
/// Days before any episode, for detectors to learn the estate's habits.
pub const MAX_LEARNING_DAYS: u32 = 14;
pub const MIN_DAYS: u32 = 4;
/// Share of routine calls refused by IAM.
const ROUTINE_DENIAL_RATE: f64 = 0.002;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub seed: u64,
    pub days: u32,
    /// Multiplies the number of routine identities (not the fixed-part ones).
    pub scale: u32,
}

impl Config {
    pub fn new(seed: u64) -> Self {
        Config {
            seed,
            days: DEFAULT_DAYS,
            scale: 1,
        }
    }

    /// Fourteen days, or half the window when it is shorter than four weeks.
    pub fn learning_days(&self) -> u32 {
        MAX_LEARNING_DAYS.min(self.days / 2)
    }
}

#[derive(Debug)]
pub enum SimulateError {
    InvalidConfig(String),
    Io(io::Error),
}

impl fmt::Display for SimulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimulateError::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            SimulateError::Io(err) => write!(f, "writing output: {err}"),
        }
    }
}

impl std::error::Error for SimulateError {}

impl From<io::Error> for SimulateError {
    fn from(err: io::Error) -> Self {
        SimulateError::Io(err)
    }
}

struct Session {
    key: String,
    created: i64,
    expires: i64,
}

enum Marker {
    Region(String),
    AnyNetwork,
}

/// Poisson-distributed count with mean `lambda` (Knuth's method, normal approximation
/// for large means where the product of uniforms would underflow).
fn poisson(rng: &mut impl Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut product = 1.0;
        let mut k = 0;
        loop {
            product *= rng.random::<f64>();
            if product <= limit {
                return k;
            }
            k += 1;
        }
    }
    let u1 = rng.random::<f64>().max(1e-12);
    let u2 = rng.random::<f64>();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (lambda + lambda.sqrt() * z).round().max(0.0) as u32
}

fn pick_region<'a>(rng: &mut impl Rng, regions: &'a [String]) -> &'a str {
    if regions.len() == 1 || rng.random_bool(0.7) {
        &regions[0]
    } else {
        &regions[rng.random_range(1..regions.len())]
    }
}

fn pick_call(
    rng: &mut impl Rng,
    calls: &[(&'static str, &'static str, u32)],
) -> (&'static str, &'static str) {
    let total: u32 = calls.iter().map(|c| c.2).sum();
    let mut roll = rng.random_range(0..total);
    for &(service, name, weight) in calls {
        if roll < weight {
            return (service, name);
        }
        roll -= weight;
    }
    let last = calls.last().expect("identity has calls");
    (last.0, last.1)
}

fn window_start_seconds() -> i64 {
    WINDOW_START
        .parse::<jiff::Timestamp>()
        .expect("window start is RFC 3339")
        .as_second()
}

/// Runs the simulation, handing every record to `sink`, and returns the labels.
pub fn generate(config: &Config, sink: &mut dyn EventSink) -> Result<Labels, SimulateError> {
    if config.days < MIN_DAYS {
        return Err(SimulateError::InvalidConfig(format!(
            "--days must be at least {MIN_DAYS} so that episodes follow a learning period"
        )));
    }
    if config.scale == 0 {
        return Err(SimulateError::InvalidConfig(
            "--scale must be at least 1".into(),
        ));
    }
    let start = window_start_seconds();
    let learning = config.learning_days();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let estate = Estate::build(&mut rng, config.scale);
    // Episodes draw from their own stream so that changing one scenario leaves the
    // routine traffic of the others untouched.
    let plan_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0xE915_0DE5_0000_0001);
    let mut plan = episodes::plan(&estate, plan_rng, start, config.days, learning);
    let mut live = estate.clone();
    let mut keys_held: Vec<Vec<String>> = estate
        .identities
        .iter()
        .map(|i| i.access_key_id.iter().cloned().collect())
        .collect();
    let mut sessions: Vec<Option<Session>> = estate.identities.iter().map(|_| None).collect();
    let mut windows: Vec<Vec<(Marker, LabelWindow)>> =
        estate.identities.iter().map(|_| Vec::new()).collect();
    let mut changes = std::mem::take(&mut plan.changes);
    changes.sort_by_key(|c| c.at);
    let mut changes = changes.into_iter().peekable();
    let scripted = std::mem::take(&mut plan.events);
    let mut scripted = scripted.into_iter().peekable();
    let mut event_count = 0u64;

    // Records from before the window (a dormant key's previous life), hour by hour.
    while let Some(first) = scripted.peek() {
        if first.at >= start {
            break;
        }
        let hour = first.at - first.at.rem_euclid(3600);
        let mut batch = Vec::new();
        while scripted.peek().is_some_and(|e| e.at < hour + 3600) {
            batch.push(scripted.next().expect("peeked"));
        }
        event_count += emit_batch(sink, batch, hour)?;
    }

    let hours = i64::from(config.days) * 24;
    let mut hour = 0i64;
    while hour < hours || scripted.peek().is_some() {
        let t0 = start + hour * 3600;
        while changes.peek().is_some_and(|c| c.at <= t0) {
            let change = changes.next().expect("peeked");
            let identity = &mut live.identities[change.identity];
            let marker = match change.change {
                HabitChange::ReplaceKey(key) => {
                    keys_held[change.identity].push(key.clone());
                    identity.access_key_id = Some(key);
                    None
                }
                HabitChange::AddRegion(region) => {
                    identity.regions.insert(0, region.clone());
                    Some(Marker::Region(region))
                }
                HabitChange::ReplaceNetworks(networks) => {
                    identity.networks = networks;
                    Some(Marker::AnyNetwork)
                }
            };
            if let (Some(marker), Some(window)) = (marker, change.label) {
                windows[change.identity].push((marker, window));
            }
        }
        let mut batch: Vec<Stamped> = Vec::new();
        while scripted.peek().is_some_and(|e| e.at < t0 + 3600) {
            batch.push(scripted.next().expect("peeked"));
        }
        if hour < hours {
            let hour_of_week = (hour % 168) as u32;
            for (index, identity) in live.identities.iter().enumerate() {
                let weight = identity.schedule.weight(hour_of_week);
                if weight <= 0.0 {
                    continue;
                }
                if identity.bursty {
                    if rng.random_bool((identity.rate_per_hour * weight).min(1.0)) {
                        deploy_burst(&mut rng, identity, t0, &mut batch);
                    }
                    continue;
                }
                let count = poisson(&mut rng, identity.rate_per_hour * weight);
                if count == 0 {
                    continue;
                }
                routine_hour(
                    &mut rng,
                    identity,
                    &mut sessions[index],
                    &windows[index],
                    &mut plan,
                    t0,
                    count,
                    &mut batch,
                );
            }
        }
        for event in batch.iter_mut() {
            if let Some(index) = event.live_session {
                adopt_live_session(event, sessions[index].as_ref());
            }
        }
        event_count += emit_batch(sink, batch, t0)?;
        hour += 1;
    }
    sink.finish()?;

    for (episode, &(first, last)) in plan.episodes.iter_mut().zip(&plan.spans) {
        episode.start = rfc3339(first);
        episode.end = rfc3339(last);
    }
    let identities = estate
        .identities
        .iter()
        .enumerate()
        .map(|(index, identity)| {
            let services: BTreeSet<String> =
                identity.calls.iter().map(|c| c.0.to_string()).collect();
            IdentityLabel {
                principal: identity.principal_arn.clone(),
                name: identity.name.clone(),
                kind: identity.kind,
                account: identity.account.clone(),
                access_key_ids: keys_held[index].clone(),
                rotator_principals: identity.rotator_principals.clone(),
                regions: identity.regions.clone(),
                networks: identity.networks.clone(),
                services: services.into_iter().collect(),
                last_used_before_window: plan
                    .last_used_before_window
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, at)| rfc3339(*at)),
            }
        })
        .collect();
    Ok(Labels {
        seed: config.seed,
        days: config.days,
        scale: config.scale,
        learning_days: learning,
        start: rfc3339(start),
        end: rfc3339(start + hours * 3600),
        accounts: estate.accounts.clone(),
        known_accounts: estate.known_accounts.clone(),
        external_accounts: vec![estate.external_account.clone()],
        identities,
        episodes: plan.episodes,
        event_count,
    })
}

/// Gives a scripted record the role session its identity holds at that moment, when
/// there is one, in place of the planner's stand-in key.
fn adopt_live_session(event: &mut Stamped, session: Option<&Session>) {
    let Some(session) = session.filter(|s| s.created <= event.at && event.at < s.expires) else {
        return;
    };
    let identity = &mut event.record.user_identity;
    identity.access_key_id = Some(session.key.clone());
    if let Some(context) = identity.session_context.as_mut() {
        context.attributes.creation_date = rfc3339(session.created);
    }
}

fn emit_batch(
    sink: &mut dyn EventSink,
    mut batch: Vec<Stamped>,
    hour_start: i64,
) -> io::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    batch.sort_by_key(|e| e.at);
    for event in &batch {
        sink.record(event.at, &event.record)?;
    }
    sink.end_batch(hour_start)?;
    Ok(batch.len() as u64)
}

/// Opens a role session: the STS record, then the session's caller.
fn open_session(
    rng: &mut ChaCha8Rng,
    identity: &Identity,
    at: i64,
    batch: &mut Vec<Stamped>,
) -> Session {
    let key = crate::ids::access_key_id(rng, false);
    let net = identity
        .networks
        .choose(rng)
        .expect("identity has a network");
    let ip = net.sample_ip(rng);
    let opener = session_opener(identity, &ip, &identity.user_agents[0]);
    let role = RoleRef {
        account: &identity.account,
        name: &identity.name,
        unique_id: &identity.unique_id,
    };
    let call = assume_role_call(
        &identity.regions[0],
        &role,
        &identity.session_name,
        &key,
        at,
        identity.session_hours * 3600,
        web_identity_of(identity),
    );
    let record = stamp(rng, at, call, &opener, &identity.account);
    batch.push(Stamped {
        at,
        record,
        live_session: None,
    });
    Session {
        key,
        created: at,
        expires: at + identity.session_hours * 3600,
    }
}

fn caller_of(identity: &Identity, session: Option<&Session>) -> Caller {
    let user_identity = match session {
        Some(s) => role_session_identity(identity, &identity.session_name, &s.key, s.created),
        None => iam_user_identity(identity, identity.access_key_id.as_deref()),
    };
    Caller {
        identity: user_identity,
        source_ip: String::new(),
        user_agent: identity.user_agents[0].clone(),
        console: false,
    }
}

// The loop's state goes in piece by piece so the estate can stay borrowed while the
// identity's session, the plan and the batch change.
#[allow(clippy::too_many_arguments)]
fn routine_hour(
    rng: &mut ChaCha8Rng,
    identity: &Identity,
    session: &mut Option<Session>,
    windows: &[(Marker, LabelWindow)],
    plan: &mut Plan,
    t0: i64,
    count: u32,
    batch: &mut Vec<Stamped>,
) {
    if identity.kind.is_role() && session.as_ref().is_none_or(|s| s.expires <= t0 + 60) {
        let opened_at = t0 + rng.random_range(0..30);
        *session = Some(open_session(rng, identity, opened_at, batch));
    }
    let mut caller = caller_of(identity, session.as_ref());
    for _ in 0..count {
        // Calls follow the session's STS record, which sits in the first 30 seconds.
        let at = t0 + rng.random_range(30..3600);
        let (service, name) = pick_call(rng, &identity.calls);
        let region = if matches!(service, "iam" | "sts") {
            crate::estate::HOME_REGION
        } else {
            pick_region(rng, &identity.regions)
        };
        let net = identity
            .networks
            .choose(rng)
            .expect("identity has a network");
        caller.source_ip = net.sample_ip(rng);
        if identity.user_agents.len() > 1 {
            caller.user_agent = identity.user_agents.choose(rng).expect("ua").clone();
        }
        let mut call = api::routine_call(
            service,
            name,
            region,
            &identity.account,
            &identity.resources,
            rng,
        );
        // Real estates see the odd refusal (a policy edit, a stale resource), so an
        // AccessDenied is not by itself a signal.
        if rng.random_bool(ROUTINE_DENIAL_RATE) {
            call = call.denied(caller.identity.arn.as_deref().unwrap_or_default());
        }
        let record = stamp(rng, at, call, &caller, &identity.account);
        for (marker, window) in windows {
            let applies = match marker {
                Marker::Region(r) => r == region,
                Marker::AnyNetwork => true,
            };
            if applies && at < window.until {
                plan.note_event(window.episode, at, &record.event_id);
            }
        }
        batch.push(Stamped {
            at,
            record,
            live_session: None,
        });
    }
}

/// A CI deployment: a fresh OIDC session then a quick run of deploy calls.
fn deploy_burst(rng: &mut ChaCha8Rng, identity: &Identity, t0: i64, batch: &mut Vec<Stamped>) {
    let mut at = t0 + rng.random_range(0..3000);
    let session = open_session(rng, identity, at, batch);
    let mut caller = caller_of(identity, Some(&session));
    let net = identity
        .networks
        .choose(rng)
        .expect("identity has a network");
    caller.source_ip = net.sample_ip(rng);
    let steps = rng.random_range(10..25);
    for _ in 0..steps {
        at += rng.random_range(2..20);
        let (service, name) = pick_call(rng, &identity.calls);
        let call: Call = api::routine_call(
            service,
            name,
            &identity.regions[0],
            &identity.account,
            &identity.resources,
            rng,
        );
        let record = stamp(rng, at, call, &caller, &identity.account);
        batch.push(Stamped {
            at,
            record,
            live_session: None,
        });
    }
}
