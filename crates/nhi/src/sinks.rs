//! Alert sinks configured with `[[sink]]` in the monitoring config (`nhi-sinks`):
//! stdout, JSON lines, signed webhooks, RFC 5424 syslog, OCSF payloads.

use anyhow::{Context, Result};
use nhi_monitor::Alert;
use nhi_sinks::{AlertRecord, AlertSeverity, Fanout, SinkConfig};

pub(crate) struct Sinks {
    fanout: Fanout,
}

pub(crate) fn build(configs: &[SinkConfig]) -> Result<Sinks> {
    Ok(Sinks {
        fanout: Fanout::from_configs(configs).context("[[sink]]")?,
    })
}

fn severity(severity: nhi_model::Severity) -> AlertSeverity {
    match severity {
        nhi_model::Severity::Info => AlertSeverity::Info,
        nhi_model::Severity::Low => AlertSeverity::Low,
        nhi_model::Severity::Medium => AlertSeverity::Medium,
        nhi_model::Severity::High => AlertSeverity::High,
        nhi_model::Severity::Critical => AlertSeverity::Critical,
    }
}

/// The sinks' view of a detector alert. Alerts about events without a time (some real
/// exports lack it) are stamped with the time of delivery.
pub(crate) fn record(alert: &Alert, display: Option<&str>, owner: Option<&str>) -> AlertRecord {
    let now = jiff::Timestamp::now();
    let first = alert.first_seen.or(alert.last_seen).unwrap_or(now);
    AlertRecord {
        id: alert.id.clone(),
        detection: alert.detection.clone(),
        name: alert.name.clone(),
        severity: severity(alert.severity),
        mitre: alert.mitre.clone(),
        identity: alert.identity.clone(),
        identity_name: display.map(str::to_string),
        owner: owner.map(str::to_string),
        first_seen: first,
        last_seen: alert.last_seen.unwrap_or(first),
        event_ids: alert.event_ids.clone(),
        event_count: alert.event_count,
        explanation: alert.explanation.clone(),
        evidence: alert.evidence.clone(),
        observed: alert.observed.clone(),
        baseline: alert.baseline.clone(),
        source_ip: alert.observed.get("source_ip").cloned(),
        region: alert.observed.get("region").cloned(),
    }
}

/// Sends one alert to every sink; returns how many deliveries failed (each is reported
/// on standard error, without secrets: the sinks' errors never carry them).
pub(crate) fn send(sinks: &mut Sinks, alert: &AlertRecord) -> usize {
    if sinks.fanout.is_empty() {
        return 0;
    }
    let failures = sinks.fanout.send_all(alert);
    for failure in &failures {
        eprintln!(
            "nhi: warning: sink {}: alert {}: {}",
            failure.sink, alert.id, failure.error
        );
    }
    failures.len()
}

pub(crate) fn flush(sinks: &mut Sinks) {
    use nhi_sinks::Sink;
    sinks.fanout.flush();
}

/// The sinks on a thread of their own: a webhook retrying with backoff must not stall
/// detection. Alerts queue in a bounded channel (a sink that cannot keep up slows the
/// monitor down rather than growing memory).
pub(crate) struct SinkThread {
    tx: Option<std::sync::mpsc::SyncSender<AlertRecord>>,
    handle: Option<std::thread::JoinHandle<usize>>,
}

impl SinkThread {
    pub(crate) fn start(mut sinks: Sinks) -> Result<SinkThread> {
        if sinks.fanout.is_empty() {
            return Ok(SinkThread {
                tx: None,
                handle: None,
            });
        }
        let (tx, rx) = std::sync::mpsc::sync_channel::<AlertRecord>(1024);
        let handle = std::thread::Builder::new()
            .name("nhi-sinks".into())
            .spawn(move || {
                let mut failed = 0;
                for alert in rx {
                    failed += send(&mut sinks, &alert);
                }
                flush(&mut sinks);
                failed
            })
            .context("cannot start the sink thread")?;
        Ok(SinkThread {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    pub(crate) fn send(&self, alert: AlertRecord) {
        if let Some(tx) = &self.tx {
            // The thread only ends when the channel closes.
            let _ = tx.send(alert);
        }
    }

    /// Waits for every queued alert to be delivered; returns how many deliveries failed.
    pub(crate) fn finish(mut self) -> usize {
        drop(self.tx.take());
        self.handle.take().map_or(0, |h| h.join().unwrap_or(1))
    }
}
