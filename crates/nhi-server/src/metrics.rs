//! Prometheus metrics in the text exposition format: request counts and latency by
//! route, failed logins, and the store pool (`render_pool`). Kept in-process with fixed
//! buckets; no exporter crate is needed for a handful of series.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    counters: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// `route` is the matched pattern (`/api/v1/identities/{id}`), never the raw path,
    /// so IDs do not become label values.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let histogram = inner.latency.entry(route.to_string()).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                histogram.counts[i] += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += secs;
    }

    pub fn increment(&self, counter: &'static str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner.counters.entry(counter).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP nhi_http_requests_total HTTP requests by method, route and status.\n# TYPE nhi_http_requests_total counter"
        );
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "nhi_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nhi_http_request_duration_seconds Request latency by route.\n# TYPE nhi_http_request_duration_seconds histogram"
        );
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "nhi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "nhi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "nhi_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "nhi_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        for (name, n) in &inner.counters {
            let _ = writeln!(out, "# TYPE nhi_{name}_total counter\nnhi_{name}_total {n}");
        }
        out
    }
}

/// The store pool's gauges and wait counter, appended to [`Metrics::render`]'s text.
/// `nhi_store_waits_total` rising steadily means requests queue for a connection:
/// raise `--store-connections` (and PostgreSQL's `max_connections` with it).
pub fn render_pool(out: &mut String, pool: &crate::state::PoolStats) {
    let _ = writeln!(
        out,
        "# HELP nhi_store_connections_max Store connections the pool may open.\n# TYPE nhi_store_connections_max gauge\nnhi_store_connections_max {}",
        pool.max_open
    );
    let _ = writeln!(
        out,
        "# HELP nhi_store_connections_open Store connections open now, idle or lent.\n# TYPE nhi_store_connections_open gauge\nnhi_store_connections_open {}",
        pool.open
    );
    let _ = writeln!(
        out,
        "# HELP nhi_store_connections_idle Open store connections waiting for work.\n# TYPE nhi_store_connections_idle gauge\nnhi_store_connections_idle {}",
        pool.idle
    );
    let _ = writeln!(
        out,
        "# HELP nhi_store_waits_total Store requests that waited because every connection was lent.\n# TYPE nhi_store_waits_total counter\nnhi_store_waits_total {}",
        pool.waits
    );
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
