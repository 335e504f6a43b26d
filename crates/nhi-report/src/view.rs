//! Ordering and wording shared by every format, so they all agree.

use std::cmp::Reverse;

use nhi_model::{Finding, Severity, Sighting};

/// Findings most severe first, then by primary path, line and column; rule and ID break
/// the remaining ties so the order never depends on the scanner's thread timing.
pub(crate) fn ordered_findings(findings: &[Finding]) -> Vec<&Finding> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    fn key(f: &Finding) -> (Reverse<Severity>, Option<&str>, Option<(u32, u32)>) {
        let primary = f.primary_sighting();
        (
            Reverse(f.severity),
            primary.map(|s| s.path.as_str()),
            primary.map(|s| (s.line, s.column)),
        )
    }
    ordered.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.id.cmp(&b.id))
    });
    ordered
}

/// Counts of findings per severity, most severe first, omitting zeros.
pub(crate) fn severity_counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .rev()
        .map(|&severity| {
            let count = findings.iter().filter(|f| f.severity == severity).count();
            (severity, count)
        })
        .filter(|&(_, count)| count > 0)
        .collect()
}

/// `1 critical, 2 high`, or `none`.
pub(crate) fn severity_breakdown(findings: &[Finding]) -> String {
    let parts: Vec<String> = severity_counts(findings)
        .into_iter()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// What a consumer runs or calls; for a CI workflow, which has no endpoint, how it
/// authenticates to the cloud and how broad its token is.
pub(crate) fn consumer_endpoint(consumer: &nhi_model::Consumer) -> String {
    if let Some(endpoint) = &consumer.endpoint {
        return endpoint.clone();
    }
    let facts: Vec<String> = ["cloud_auth", "permissions"]
        .iter()
        .filter_map(|key| {
            consumer
                .attributes
                .get(*key)
                .map(|value| format!("{}: {value}", key.replace('_', " ")))
        })
        .collect();
    if facts.is_empty() {
        "-".to_string()
    } else {
        facts.join(", ")
    }
}

/// The abbreviated commit ID git shows by default.
pub(crate) fn short_commit(commit: &str) -> &str {
    match commit.char_indices().nth(7) {
        Some((end, _)) => &commit[..end],
        None => commit,
    }
}

/// `path:line`, plus `@ abc1234` for a sighting in history.
pub(crate) fn location(sighting: &Sighting) -> String {
    let mut text = if sighting.line > 0 {
        format!("{}:{}", sighting.path, sighting.line)
    } else {
        sighting.path.clone()
    };
    if let Some(commit) = &sighting.commit {
        text.push_str(" @ ");
        text.push_str(short_commit(commit));
    }
    text
}

/// The primary location, with a count of the other sightings.
pub(crate) fn primary_location(finding: &Finding) -> String {
    match finding.primary_sighting() {
        Some(primary) => {
            let mut text = location(primary);
            let others = finding.sightings.len().saturating_sub(1);
            if others > 0 {
                text.push_str(&format!(" (+{others} more)"));
            }
            text
        }
        None => "-".to_string(),
    }
}

/// A byte count the way people read it: `512 B`, `120.6 KiB`, `3.2 MiB`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // f64 loses precision only far beyond any real scan size, and only in the decimal.
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

/// Milliseconds as seconds with two decimals: `1.83 s`.
pub(crate) fn human_duration(ms: u64) -> String {
    format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
}

/// `1 warning` / `3 warnings`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_commit_keeps_seven_characters_and_tolerates_short_input() {
        assert_eq!(short_commit("0123456789abcdef"), "0123456");
        assert_eq!(short_commit("abc"), "abc");
        assert_eq!(short_commit(""), "");
    }

    #[test]
    fn human_bytes_picks_the_largest_fitting_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
        // Past the last unit the number just grows rather than overflowing.
        assert_eq!(human_bytes(u64::MAX), "16384.0 PiB");
    }

    #[test]
    fn human_duration_shows_hundredths() {
        assert_eq!(human_duration(1834), "1.83 s");
        assert_eq!(human_duration(5), "0.00 s");
        assert_eq!(human_duration(60_000), "60.00 s");
    }
}
