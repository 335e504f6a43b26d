//! Alert sinks for nhi monitoring: the last stage of
//! "event sources → detectors → alert sinks".
//!
//! This crate deliberately does not depend on the detector crate. The CLI
//! converts each detector alert into an [`AlertRecord`] and hands it to one or
//! more [`Sink`]s, usually through a [`Fanout`] built from [`SinkConfig`]s.
//!
//! ```no_run
//! use nhi_sinks::{AlertSeverity, Fanout, PayloadFormat, Sink, SinkConfig, SinkKind};
//!
//! let mut findings = SinkConfig::new(SinkKind::Jsonl);
//! findings.path = Some("/var/log/nhi/findings.jsonl".into());
//! findings.format = Some(PayloadFormat::Ocsf);
//! let mut terminal = SinkConfig::new(SinkKind::Stdout);
//! terminal.min_severity = Some(AlertSeverity::High);
//!
//! let mut sinks = Fanout::from_configs(&[findings, terminal])?;
//! # let alerts: Vec<nhi_sinks::AlertRecord> = Vec::new();
//! for alert in &alerts {
//!     for failure in sinks.send_all(alert) {
//!         eprintln!("alert {} not delivered to {}: {}", alert.id, failure.sink, failure.error);
//!     }
//! }
//! sinks.flush();
//! # Ok::<(), nhi_sinks::SinkError>(())
//! ```

mod config;
mod fanout;
mod human;
mod jsonl;
mod ocsf;
mod payload;
mod syslog;
mod webhook;

pub use config::{FacilityName, SinkConfig, SinkKind, SinksFile, build, build_with_env};
pub use fanout::{Fanout, SeverityFilter, SinkFailure};
pub use human::HumanSink;
pub use jsonl::JsonLinesSink;
pub use ocsf::{OCSF_SCHEMA_VERSION, to_ocsf};
pub use payload::{PayloadFormat, render_payload};
pub use syslog::{
    Facility, SyslogFormatter, SyslogSink, SyslogTransport, format_rfc5424, frame_octet_counted,
    syslog_severity,
};
pub use webhook::{
    RetryPolicy, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookConfig, WebhookSecret, WebhookSink,
    sign_payload, verify_signature,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Severity of an alert, ordered from least to most severe so that
/// `severity >= min_severity` filters work directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl AlertSeverity {
    pub const ALL: [AlertSeverity; 5] = [
        AlertSeverity::Info,
        AlertSeverity::Low,
        AlertSeverity::Medium,
        AlertSeverity::High,
        AlertSeverity::Critical,
    ];

    /// The lowercase name used in configuration and serialised records.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Low => "low",
            AlertSeverity::Medium => "medium",
            AlertSeverity::High => "high",
            AlertSeverity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert as the sinks see it; the CLI fills it from a detector alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Stable alert ID: the same alert re-sent keeps the same ID.
    pub id: String,
    /// Detection rule ID, e.g. `NHI-MON-005`.
    pub detection: String,
    /// Human title, e.g. `Defence evasion: CloudTrail logging stopped`.
    pub name: String,
    pub severity: AlertSeverity,
    /// MITRE ATT&CK technique or sub-technique IDs, e.g. `T1562.008`.
    pub mitre: Vec<String>,
    /// ARN or external ID of the non-human identity.
    pub identity: String,
    pub identity_name: Option<String>,
    pub owner: Option<String>,
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
    /// The source events' own IDs (CloudTrail `eventID`, …).
    pub event_ids: Vec<String>,
    pub event_count: u64,
    /// Observed behaviour versus baseline, one paragraph.
    pub explanation: String,
    /// Origins such as `trail.json:12`.
    pub evidence: Vec<String>,
    pub observed: BTreeMap<String, String>,
    pub baseline: BTreeMap<String, String>,
    pub source_ip: Option<String>,
    pub region: Option<String>,
}

/// A destination for alerts.
///
/// `Send` so that the CLI can drive sinks from a worker thread.
pub trait Sink: Send {
    /// Delivers one alert. A sink that cannot deliver returns an error and
    /// stays usable for the next alert.
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError>;

    /// Pushes out anything buffered. Failures here are not reported because
    /// every `send` already writes through; this exists for shutdown.
    fn flush(&mut self);
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        (**self).send(alert)
    }

    fn flush(&mut self) {
        (**self).flush()
    }
}

/// Why a sink could not deliver an alert.
///
/// No variant ever carries the webhook secret or a full webhook URL (URLs of
/// chat webhooks are themselves credentials); see [`WebhookSecret`].
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not serialise alert: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("webhook {endpoint} answered HTTP {status} after {attempts} attempt(s)")]
    WebhookStatus {
        endpoint: String,
        status: u16,
        attempts: u32,
    },
    #[error("webhook {endpoint} unreachable after {attempts} attempt(s): {reason}")]
    WebhookTransport {
        endpoint: String,
        attempts: u32,
        reason: String,
    },
    #[error("invalid sink configuration: {0}")]
    Config(String),
    #[error("{} of the fanout's sinks failed: {}", failures.len(), describe_failures(failures))]
    Fanout { failures: Vec<SinkFailure> },
}

fn describe_failures(failures: &[SinkFailure]) -> String {
    failures
        .iter()
        .map(|failure| format!("{}: {}", failure.sink, failure.error))
        .collect::<Vec<_>>()
        .join("; ")
}

impl SinkError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SinkError::Io {
            context: context.into(),
            source,
        }
    }
}

#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    pub fn alert() -> AlertRecord {
        AlertRecord {
            id: "a1b2c3".into(),
            detection: "NHI-MON-005".into(),
            name: "Defence evasion: CloudTrail logging stopped".into(),
            severity: AlertSeverity::High,
            mitre: vec!["T1562.008".into()],
            identity: "arn:aws:iam::123456789012:role/deploy-bot".into(),
            identity_name: Some("deploy-bot".into()),
            owner: Some("platform-team".into()),
            first_seen: "2026-11-30T10:00:00Z".parse().unwrap(),
            last_seen: "2026-11-30T10:05:30.5Z".parse().unwrap(),
            event_ids: vec!["e-1".into(), "e-2".into()],
            event_count: 2,
            explanation: "deploy-bot called StopLogging; it never did in 90 days of baseline."
                .into(),
            evidence: vec!["trail.json:12".into(), "trail.json:40".into()],
            observed: BTreeMap::from([("action".into(), "cloudtrail:StopLogging".into())]),
            baseline: BTreeMap::from([("actions".into(), "s3:PutObject".into())]),
            source_ip: Some("203.0.113.7".into()),
            region: Some("eu-west-1".into()),
        }
    }
}
