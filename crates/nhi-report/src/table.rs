//! The terminal view: a few summary lines and two tables.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};
use nhi_model::{CredentialValue, Severity};

use crate::{RenderOptions, Report, ReportError, view};

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let summary = report.summary;
    let findings = view::ordered_findings(report.findings);

    writeln!(
        out,
        "nhi {}: scanned {} files ({}), {} commits, {} blobs in {}",
        report.tool_version,
        summary.files_scanned,
        view::human_bytes(summary.bytes_scanned),
        summary.commits_walked,
        summary.blobs_scanned,
        view::human_duration(summary.duration_ms),
    )?;
    if !summary.roots.is_empty() {
        let roots: Vec<String> = summary.roots.iter().map(|root| inert(root)).collect();
        writeln!(out, "Roots: {}", roots.join(", "))?;
    }
    writeln!(
        out,
        "Findings: {} ({}) · credentials {} · consumers {} · suppressed {}",
        findings.len(),
        view::severity_breakdown(report.findings),
        summary.credentials,
        report.consumers.len(),
        summary.suppressed,
    )?;
    writeln!(out)?;

    if findings.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        let mut table = new_table(options);
        table.set_header([
            "Severity", "Rule", "Provider", "Preview", "Location", "OWASP",
        ]);
        for finding in &findings {
            table.add_row([
                severity_cell(finding.severity, options.color),
                Cell::new(inert(&finding.rule)),
                Cell::new(finding.provider),
                Cell::new(inert(finding.preview.as_str())),
                Cell::new(inert(&view::primary_location(finding))),
                Cell::new(finding.owasp),
            ]);
        }
        writeln!(out, "{table}")?;
    }

    if !report.consumers.is_empty() {
        writeln!(out)?;
        writeln!(out, "AI agents and automation:")?;
        let mut table = new_table(options);
        table.set_header(["Tool", "Name", "Location", "Endpoint", "Credentials"]);
        for consumer in report.consumers {
            let location = if consumer.line > 0 {
                format!("{}:{}", consumer.path, consumer.line)
            } else {
                consumer.path.clone()
            };
            let credentials: Vec<String> = consumer
                .credentials
                .iter()
                .map(|credential| {
                    let value = match &credential.value {
                        CredentialValue::Literal { preview, .. } => {
                            format!("LITERAL {}", inert(preview.as_str()))
                        }
                        CredentialValue::Reference { reference } => inert(reference),
                        CredentialValue::Empty => "(empty)".to_string(),
                        CredentialValue::Placeholder => "(placeholder)".to_string(),
                    };
                    format!("{} = {value}", inert(&credential.carrier))
                })
                .collect();
            let mut credentials_cell = Cell::new(credentials.join("\n"));
            if options.color && consumer.has_literal_secret() {
                credentials_cell = credentials_cell.fg(Color::Red);
            }
            table.add_row([
                Cell::new(inert(&consumer.tool)),
                Cell::new(inert(&consumer.name)),
                Cell::new(inert(&location)),
                Cell::new(inert(&view::consumer_endpoint(consumer))),
                credentials_cell,
            ]);
        }
        writeln!(out, "{table}")?;
    }

    let warnings = summary.warnings.len();
    if warnings > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{} (inputs skipped or only partly read); the json and md formats list them.",
            view::plural(warnings, "warning"),
        )?;
    }
    Ok(())
}

fn new_table(options: &RenderOptions) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    // Styling follows the caller's choice, not comfy-table's own TTY check, so output is
    // the same whether or not a test or a pipe happens to have a terminal attached.
    if options.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if let Some(width) = options.width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table
}

fn severity_cell(severity: Severity, color: bool) -> Cell {
    let cell = Cell::new(severity);
    if !color {
        return cell;
    }
    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Blue),
        Severity::Info => cell.add_attribute(Attribute::Dim),
    }
}

/// Shows control characters from scanned text as escapes (`\u{1b}`), so a crafted file
/// name cannot move the cursor, recolour or rewrite the user's terminal.
fn inert(raw: &str) -> String {
    if !raw.chars().any(char::is_control) {
        return raw.to_string();
    }
    raw.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(inert("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(inert("line\nbreak"), "line\\u{a}break");
        assert_eq!(inert("plain…ü"), "plain…ü");
    }
}
