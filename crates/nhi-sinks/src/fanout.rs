use crate::{AlertRecord, AlertSeverity, Sink, SinkError};

/// One sink's failure to deliver one alert.
#[derive(Debug)]
pub struct SinkFailure {
    /// The label the sink was added under.
    pub sink: String,
    pub error: SinkError,
}

/// Sends every alert to all of its sinks.
///
/// A failing sink never stops the others: an unreachable webhook must not
/// cost the alert its local JSON-lines copy.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<(String, Box<dyn Sink>)>,
}

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.sinks.iter().map(|(label, _)| label))
            .finish()
    }
}

impl Fanout {
    pub fn new() -> Self {
        Fanout::default()
    }

    /// Adds a sink under a label used in [`SinkFailure`]s.
    pub fn add(&mut self, label: impl Into<String>, sink: Box<dyn Sink>) -> &mut Self {
        self.sinks.push((label.into(), sink));
        self
    }

    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }

    /// Delivers to every sink, in order, and returns the failures.
    pub fn send_all(&mut self, alert: &AlertRecord) -> Vec<SinkFailure> {
        self.sinks
            .iter_mut()
            .filter_map(|(label, sink)| {
                sink.send(alert).err().map(|error| SinkFailure {
                    sink: label.clone(),
                    error,
                })
            })
            .collect()
    }
}

impl Sink for Fanout {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        let failures = self.send_all(alert);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Fanout { failures })
        }
    }

    fn flush(&mut self) {
        for (_, sink) in &mut self.sinks {
            sink.flush();
        }
    }
}

/// Passes on only alerts at or above a minimum severity.
#[derive(Debug)]
pub struct SeverityFilter<S: Sink> {
    inner: S,
    min_severity: AlertSeverity,
}

impl<S: Sink> SeverityFilter<S> {
    pub fn new(inner: S, min_severity: AlertSeverity) -> Self {
        SeverityFilter {
            inner,
            min_severity,
        }
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Sink> Sink for SeverityFilter<S> {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        if alert.severity >= self.min_severity {
            self.inner.send(alert)
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::sample;

    /// Records what it receives into a shared list, or fails on demand.
    struct Recorder {
        seen: Arc<Mutex<Vec<String>>>,
        fail: bool,
    }

    impl Sink for Recorder {
        fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
            if self.fail {
                return Err(SinkError::Config("recorder told to fail".into()));
            }
            self.seen.lock().unwrap().push(alert.id.clone());
            Ok(())
        }

        fn flush(&mut self) {}
    }

    fn recorder(fail: bool) -> (Box<Recorder>, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        (
            Box::new(Recorder {
                seen: seen.clone(),
                fail,
            }),
            seen,
        )
    }

    #[test]
    fn a_failing_sink_does_not_stop_the_others_and_is_reported_by_label() {
        let (first, first_seen) = recorder(false);
        let (broken, _) = recorder(true);
        let (last, last_seen) = recorder(false);
        let mut fanout = Fanout::new();
        fanout
            .add("first", first)
            .add("broken", broken)
            .add("last", last);

        let failures = fanout.send_all(&sample::alert());
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].sink, "broken");
        assert_eq!(*first_seen.lock().unwrap(), ["a1b2c3"]);
        assert_eq!(*last_seen.lock().unwrap(), ["a1b2c3"]);

        let error = fanout.send(&sample::alert()).unwrap_err().to_string();
        assert!(
            error.contains("broken: invalid sink configuration"),
            "{error}"
        );
    }

    #[test]
    fn severity_filter_drops_only_alerts_below_the_minimum() {
        let (inner, seen) = recorder(false);
        let mut filtered = SeverityFilter::new(inner, AlertSeverity::High);
        for severity in AlertSeverity::ALL {
            let mut alert = sample::alert();
            alert.severity = severity;
            alert.id = severity.to_string();
            filtered.send(&alert).unwrap();
        }
        assert_eq!(*seen.lock().unwrap(), ["high", "critical"]);
    }
}
