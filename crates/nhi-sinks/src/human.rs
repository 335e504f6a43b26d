use std::io::Write;

use crate::{AlertRecord, AlertSeverity, Sink, SinkError};

/// Writes one readable block per alert, for a person watching a terminal.
///
/// Colour is off unless asked for, so that redirected output and log files
/// never receive escape codes by surprise.
pub struct HumanSink<W: Write + Send> {
    out: W,
    colour: bool,
}

impl<W: Write + Send> HumanSink<W> {
    pub fn new(out: W) -> Self {
        HumanSink { out, colour: false }
    }

    pub fn with_colour(mut self, colour: bool) -> Self {
        self.colour = colour;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// Renders the block that `send` writes.
    pub fn render(&self, alert: &AlertRecord) -> String {
        render_block(alert, self.colour)
    }
}

impl<W: Write + Send> std::fmt::Debug for HumanSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HumanSink")
            .field("colour", &self.colour)
            .finish_non_exhaustive()
    }
}

impl<W: Write + Send> Sink for HumanSink<W> {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        let block = render_block(alert, self.colour);
        self.out
            .write_all(block.as_bytes())
            .map_err(|error| SinkError::io("writing alert to terminal", error))
    }

    fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

fn severity_colour(severity: AlertSeverity) -> &'static str {
    match severity {
        AlertSeverity::Info => "\x1b[36m",
        AlertSeverity::Low => "\x1b[34m",
        AlertSeverity::Medium => "\x1b[33m",
        AlertSeverity::High => "\x1b[31m",
        AlertSeverity::Critical => "\x1b[1;97;41m",
    }
}

/// Replaces control characters so that a hostile field (an event carrying
/// escape sequences) cannot repaint or clear the operator's terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

fn render_block(alert: &AlertRecord, colour: bool) -> String {
    let severity = alert.severity.as_str().to_ascii_uppercase();
    let mut block = String::new();
    if colour {
        block.push_str(&format!(
            "{}[{severity}]{RESET} {BOLD}{}{RESET} ({})\n",
            severity_colour(alert.severity),
            printable(&alert.name),
            printable(&alert.detection),
        ));
    } else {
        block.push_str(&format!(
            "[{severity}] {} ({})\n",
            printable(&alert.name),
            printable(&alert.detection)
        ));
    }
    let identity = match &alert.identity_name {
        Some(name) => format!("{} ({})", printable(name), printable(&alert.identity)),
        None => printable(&alert.identity),
    };
    block.push_str(&format!("  identity:  {identity}\n"));
    if let Some(owner) = &alert.owner {
        block.push_str(&format!("  owner:     {}\n", printable(owner)));
    }
    block.push_str(&format!(
        "  seen:      {} → {} ({} event(s))\n",
        alert.first_seen, alert.last_seen, alert.event_count
    ));
    if !alert.mitre.is_empty() {
        block.push_str(&format!(
            "  att&ck:    {}\n",
            printable(&alert.mitre.join(", "))
        ));
    }
    if let Some(ip) = &alert.source_ip {
        block.push_str(&format!("  source ip: {}\n", printable(ip)));
    }
    if let Some(region) = &alert.region {
        block.push_str(&format!("  region:    {}\n", printable(region)));
    }
    block.push_str(&format!("  why:       {}\n", printable(&alert.explanation)));
    for origin in &alert.evidence {
        block.push_str(&format!("  evidence:  {}\n", printable(origin)));
    }
    block.push_str(&format!("  alert id:  {}\n\n", printable(&alert.id)));
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn plain_block_names_every_key_field_without_escape_codes() {
        let mut sink = HumanSink::new(Vec::new());
        sink.send(&sample::alert()).unwrap();
        let text = String::from_utf8(sink.into_inner()).unwrap();
        assert!(
            text.starts_with("[HIGH] Defence evasion: CloudTrail logging stopped (NHI-MON-005)\n")
        );
        assert!(text.contains("deploy-bot (arn:aws:iam::123456789012:role/deploy-bot)"));
        assert!(text.contains("2026-11-30T10:00:00Z → 2026-11-30T10:05:30.5Z (2 event(s))"));
        assert!(text.contains("never did in 90 days"));
        assert!(text.contains("  evidence:  trail.json:12\n"));
        assert!(text.contains("  evidence:  trail.json:40\n"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked_and_hostile_escapes_are_neutralised() {
        let mut alert = sample::alert();
        alert.explanation = "evil \x1b[2J clear".into();
        let coloured = HumanSink::new(Vec::new()).with_colour(true).render(&alert);
        assert!(coloured.starts_with("\x1b[31m[HIGH]"));
        assert!(!coloured.contains("\x1b[2J"));
        let plain = HumanSink::new(Vec::new()).render(&alert);
        assert!(!plain.contains('\x1b'));
    }
}
