//! Detectors and behavioural baselines for nhi's monitoring path:
//! event sources → **detectors** → alert sinks.
//!
//! Sources (written elsewhere) turn logs into [`nhi_model::ActivityEvent`]s. A
//! [`Monitor`] resolves each event's actor to an inventory identity through an
//! [`IdentityResolver`], runs the detectors against that identity's [`Baseline`], folds
//! the event into the baseline and returns [`Alert`]s. Everything is pure logic: the
//! caller persists [`MonitorState`] (JSON via serde) and delivers alerts.
//!
//! Three kinds of detectors run:
//! - **signatures** (defence evasion, external sharing, persistence on another
//!   principal, human use of an NHI, use after scheduled deactivation, dormancy) need
//!   no baseline and fire from the first event;
//! - **immediate monitoring** alerts on any use of identities at or above a risk tier,
//!   one alert per identity per window;
//! - **anomaly** detectors compare with the identity's baseline and stay silent while
//!   it is learning (`MonitorConfig::learning_days` from its first event).
//!
//! ```
//! use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
//! use nhi_monitor::{Monitor, MonitorConfig, NoResolver};
//!
//! let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
//! let event = ActivityEvent {
//!     source: EventSource::CloudTrail,
//!     id: Some("e1".into()),
//!     time: Some("2024-03-01T12:00:00Z".parse().unwrap()),
//!     actor: Actor { principal: "arn:aws:iam::1:role/app".into(), ..Actor::default() },
//!     action: "StopLogging".into(),
//!     service: "cloudtrail".into(),
//!     resources: vec![],
//!     target_account: None,
//!     source_ip: Some("203.0.113.7".into()),
//!     user_agent: Some("aws-cli/2.15.0".into()),
//!     region: Some("us-east-1".into()),
//!     outcome: Outcome::Success,
//!     error: None,
//!     bytes_out: None,
//!     bytes_in: None,
//!     read_only: Some(false),
//!     details: Default::default(),
//!     origin: "trail.json:1".into(),
//! };
//! let alerts = monitor.observe(&event);
//! assert_eq!(alerts[0].detection, "NHI-MON-009");
//! // A checkpoint is plain JSON; resuming continues where it stopped.
//! let saved = monitor.export_json().unwrap();
//! let mut resumed = Monitor::from_json(MonitorConfig::default(), NoResolver, &saved).unwrap();
//! assert!(resumed.observe(&event).is_empty(), "same event ID: a duplicate");
//! ```
//!
//! Sharding: all per-identity state lives in [`IdentityState`]; use [`shard_of`] to
//! route events by actor and [`observe_sharded`] / [`merge_alerts`] to run shards on
//! rayon. Only the cohort logic for new regions and the watermark are per-monitor
//! rather than per-identity: [`sync_cohorts`] shares region adoptions and the fleet
//! size between shards (the sharded helpers call it around every batch), and each
//! shard judges lateness against its own newest event. See README.

mod alert;
mod baseline;
mod classify;
mod config;
mod detectors;
mod engine;
mod identity;
mod saas;
mod shard;
mod state;

pub use alert::{
    ACCESS_DENIED_BURST, ASSUME_NEW_ROLE, CALLER_IDENTITY_NEW_NETWORK, DATA_VOLUME,
    DEFENCE_EVASION, DORMANT_ACTIVE, ENUMERATION_BURST, EXTERNAL_SHARE, HUMAN_USE_OF_NHI,
    LLM_JACKING, NEW_NETWORK, NEW_REGION, PERSISTENCE_OTHER_PRINCIPAL, ROLE_CHAINING,
    SENSITIVE_FIRST_USE, USE_AFTER_DEACTIVATION, WATCHED_IDENTITY,
};
pub use alert::{ALL_DETECTIONS, Alert, Detection, detection, merge_alerts, stable_hash};
pub use baseline::{
    Baseline, BaselineSummary, Ewma, Familiarity, HOURS_PER_WEEK, HourBucket, ValueSet, ValueStats,
    hour_of_week,
};
pub use classify::{SensitiveClass, network_key, user_agent_family};
pub use config::{ChangeField, ConfigError, ExpectedChange, MonitorConfig, glob_match};
pub use engine::{Monitor, MonitorError};
pub use identity::{
    IdentityResolver, InMemoryResolver, NetworkEnricher, NetworkInfo, NoResolver, ResolvedIdentity,
    RiskTier,
};
pub use nhi_model::Severity;
pub use shard::{flush_sharded, observe_sharded, shard_of, sync_cohorts};
pub use state::{
    BurstEntry, CohortState, DeferredAlert, IdentityState, MonitorState, MonitorStats,
    STATE_FORMAT_VERSION, SeenEventIds, WatchWindow, WindowCount,
};
