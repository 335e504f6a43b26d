//! CSV: one row per finding, for spreadsheets and quick filtering.

use std::io::Write;

use crate::{Report, ReportError, view};

pub(crate) const HEADER: [&str; 16] = [
    "id",
    "severity",
    "confidence",
    "rule",
    "provider",
    "kind",
    "owasp",
    "path",
    "line",
    "commit",
    "history_only",
    "preview",
    "fingerprint",
    "external_id",
    "sightings_count",
    "fix",
];

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for finding in view::ordered_findings(report.findings) {
        let primary = finding.primary_sighting();
        let path = primary.map(|s| s.path.as_str()).unwrap_or_default();
        let line = primary
            .filter(|s| s.line > 0)
            .map(|s| s.line.to_string())
            .unwrap_or_default();
        let commit = finding
            .first_commit()
            .and_then(|s| s.commit.as_deref())
            .unwrap_or_default();
        let external_id = finding.external_id.as_deref().unwrap_or_default();
        writer.write_record([
            finding.id.as_str(),
            finding.severity.as_str(),
            finding.confidence.as_str(),
            &finding.rule,
            finding.provider.as_str(),
            finding.kind.as_str(),
            finding.owasp.as_str(),
            &defuse_formula(path),
            &line,
            commit,
            if finding.history_only {
                "true"
            } else {
                "false"
            },
            &defuse_formula(finding.preview.as_str()),
            finding.fingerprint.as_str(),
            &defuse_formula(external_id),
            &finding.sightings.len().to_string(),
            &finding.fix,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Spreadsheets run a cell that starts with one of these as a formula. A scanned file
/// name is attacker-chosen, so such cells get a leading `'`, which spreadsheets hide and
/// treat as "this is text".
pub(crate) fn defuse_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_defused_and_plain_text_is_kept() {
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("-----BEGIN…"), "'-----BEGIN…");
        assert_eq!(defuse_formula("@sum"), "'@sum");
        assert_eq!(defuse_formula("src/a.env"), "src/a.env");
        assert_eq!(defuse_formula(""), "");
    }
}
