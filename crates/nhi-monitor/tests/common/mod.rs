//! Hand-built event sequences for the scenario tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use nhi_monitor::{Alert, IdentityResolver, Monitor, ResolvedIdentity, RiskTier};

pub const ACCOUNT: &str = "111122223333";

pub fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

pub fn user(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// 2024-01-01T00:00:00Z, a Monday.
pub fn day0() -> Timestamp {
    "2024-01-01T00:00:00Z".parse().unwrap()
}

/// `days` days and `secs` seconds after day 0.
pub fn at(days: i64, secs: i64) -> Timestamp {
    Timestamp::from_second(day0().as_second() + days * 86_400 + secs).unwrap()
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Builder for one event; every event gets a unique ID unless one is set.
#[derive(Clone)]
pub struct Ev(pub ActivityEvent);

pub fn ev(principal: &str, service: &str, action: &str, time: Timestamp) -> Ev {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    Ev(ActivityEvent {
        source: EventSource::CloudTrail,
        id: Some(format!("evt-{n}")),
        time: Some(time),
        actor: Actor {
            principal: principal.to_string(),
            kind: Some("AssumedRole".to_string()),
            credential_id: Some("ASIAEXAMPLEKEY".to_string()),
            session: Some("job".to_string()),
            account: Some(ACCOUNT.to_string()),
            display_name: None,
        },
        action: action.to_string(),
        service: service.to_string(),
        resources: Vec::new(),
        target_account: None,
        source_ip: Some("10.1.2.3".to_string()),
        user_agent: Some("Boto3/1.34.0 Python/3.12 Linux/6.1 Botocore/1.34.0".to_string()),
        region: Some("us-east-1".to_string()),
        outcome: Outcome::Success,
        error: None,
        bytes_out: None,
        bytes_in: None,
        read_only: None,
        details: BTreeMap::new(),
        origin: format!("test.jsonl:{n}"),
    })
}

impl Ev {
    pub fn id(mut self, id: &str) -> Self {
        self.0.id = Some(id.to_string());
        self
    }
    pub fn no_time(mut self) -> Self {
        self.0.time = None;
        self
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.0.source_ip = Some(ip.to_string());
        self
    }
    pub fn ua(mut self, ua: &str) -> Self {
        self.0.user_agent = Some(ua.to_string());
        self
    }
    pub fn region(mut self, region: &str) -> Self {
        self.0.region = Some(region.to_string());
        self
    }
    pub fn resource(mut self, resource: &str) -> Self {
        self.0.resources.push(resource.to_string());
        self
    }
    pub fn detail(mut self, key: &str, value: &str) -> Self {
        self.0.details.insert(key.to_string(), value.to_string());
        self
    }
    pub fn denied(mut self) -> Self {
        self.0.outcome = Outcome::Failure;
        self.0.error = Some("AccessDenied".to_string());
        self
    }
    pub fn failed(mut self, error: &str) -> Self {
        self.0.outcome = Outcome::Failure;
        self.0.error = Some(error.to_string());
        self
    }
    pub fn kind(mut self, kind: &str) -> Self {
        self.0.actor.kind = Some(kind.to_string());
        self
    }
    pub fn key(mut self, key: &str, session: &str) -> Self {
        self.0.actor.credential_id = Some(key.to_string());
        self.0.actor.session = Some(session.to_string());
        self
    }
    pub fn bytes(mut self, bytes: u64) -> Self {
        self.0.bytes_out = Some(bytes);
        self
    }
    pub fn build(self) -> ActivityEvent {
        self.0
    }
}

/// Fifteen days of routine work for `principal`: every weekday hour 09–17 it reads a
/// few objects, describes instances and checks a queue, from 10.1.2.0/24 in us-east-1
/// with Boto3. Returns the events in time order.
pub fn routine(principal: &str, days: i64) -> Vec<ActivityEvent> {
    let mut events = Vec::new();
    for day in 0..days {
        for hour in 9..18 {
            let base = hour * 3600;
            for i in 0..4 {
                events.push(
                    ev(principal, "s3", "GetObject", at(day, base + i * 60))
                        .resource("arn:aws:s3:::app-data/object")
                        .bytes(10_000 + (i as u64) * 500)
                        .build(),
                );
            }
            events.push(ev(principal, "ec2", "DescribeInstances", at(day, base + 600)).build());
            events.push(ev(principal, "sqs", "GetQueueAttributes", at(day, base + 700)).build());
            events.push(ev(principal, "sts", "GetCallerIdentity", at(day, base + 800)).build());
        }
    }
    events
}

/// Feeds events and collects every alert.
pub fn feed<R: IdentityResolver>(monitor: &mut Monitor<R>, events: &[ActivityEvent]) -> Vec<Alert> {
    events.iter().flat_map(|e| monitor.observe(e)).collect()
}

pub fn of<'a>(alerts: &'a [Alert], detection: &str) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.detection == detection).collect()
}

pub fn nhi(id: &str, tier: RiskTier) -> ResolvedIdentity {
    ResolvedIdentity {
        id: id.to_string(),
        display: id.to_string(),
        risk_tier: tier,
        owner: Some("platform-team".to_string()),
        is_nhi: true,
        scheduled_deactivation: None,
        rotator_principals: Vec::new(),
    }
}
