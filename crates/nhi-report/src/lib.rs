//! Renders scan results as table, JSON, JSON Lines, SARIF 2.1.0, CSV and Markdown, and
//! the assessment report as HTML, Markdown, JSON and CSV.
//!
//! Every format is built from the same [`Report`] and the same ordering (most severe
//! first, then path, line and column of the primary sighting), so two formats of one scan
//! always list findings in the same order.
//!
//! No format can leak a secret: the model holds only fingerprints and redacted previews,
//! and every renderer prints nothing else about a credential's value.
//!
//! Format notes:
//! - **JSON**: one document `{tool, summary, findings, consumers}`.
//! - **JSON Lines**: one finding object per line (the same objects as in JSON) and nothing
//!   else: no tool, summary or consumer lines, so `jq -c` pipelines see a uniform stream.
//!   No findings means empty output.
//! - **SARIF 2.1.0**: `tool.driver.rules` lists only the rules that fired, sorted by ID,
//!   so the log stays small and `ruleIndex` stays valid. A finding whose rule is missing
//!   from [`Report::rules`] still gets a descriptor, built from the finding itself. One
//!   result per sighting. Columns are byte columns, which match SARIF's default
//!   UTF-16 columns only on ASCII lines. Scan warnings become
//!   `invocations[0].toolExecutionNotifications`.
//! - **CSV**: one row per finding. Cells that come from scanned input (path, preview,
//!   external ID) and start with `=`, `+`, `-`, `@`, tab or CR get a leading `'`, so a
//!   spreadsheet does not run a crafted file name as a formula.
//! - **Markdown** and **table** are for people; their layout may change between versions.
//!
//! The assessment report (`nhi report`) is a separate document with its own input and
//! formats (HTML, Markdown, JSON, CSV): see [`render_assessment`] and [`AssessmentReport`].

mod assessment;
mod csv_out;
mod json;
mod markdown;
mod sarif;
mod table;
mod view;

pub use assessment::{
    AiIntegration, AssessmentFormat, AssessmentReport, RISK_TIERS, ReportCredential, ReportFactor,
    ReportFinding, ReportIdentity, ReportLocation, TOP_AI_INTEGRATIONS, TOP_RISKS,
    UnknownAssessmentFormat, render_assessment,
};
use nhi_model::{Consumer, CredentialKind, Finding, OwaspNhi, Provider, ScanSummary, Severity};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
    Csv,
    Markdown,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Table,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Csv,
        Format::Markdown,
    ];

    /// The canonical name, as accepted by [`str::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Markdown => "md",
        }
    }

    /// The usual file extension for a report written in this format.
    pub fn file_extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Markdown => "md",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format `{0}`; expected one of: table, json, jsonl, sarif, csv, md")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    /// Accepts the canonical names plus `markdown`, in any ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "sarif" => Ok(Format::Sarif),
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Markdown),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// What a report needs to know about a detection rule (SARIF rule descriptors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub owasp: OwaspNhi,
    pub fix: String,
    pub provider: Provider,
    pub kind: CredentialKind,
}

impl RuleMeta {
    /// Describes a rule from one of its findings, for findings whose rule the caller did
    /// not pass in [`Report::rules`].
    pub fn from_finding(finding: &Finding) -> RuleMeta {
        RuleMeta {
            id: finding.rule.clone(),
            title: finding.title.clone(),
            severity: finding.severity,
            owasp: finding.owasp,
            fix: finding.fix.clone(),
            provider: finding.provider,
            kind: finding.kind,
        }
    }
}

/// Everything one scan produced, borrowed for rendering.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub tool_version: &'a str,
    pub summary: &'a ScanSummary,
    pub findings: &'a [Finding],
    pub consumers: &'a [Consumer],
    /// Rule metadata for SARIF. Only rules that fired are written; extra entries are
    /// ignored and missing ones are described from their findings.
    pub rules: &'a [RuleMeta],
}

/// Presentation choices that only the terminal table uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour severities with ANSI escapes. Set it only when writing to a terminal.
    pub color: bool,
    /// Wrap table cells to fit this many columns (usually the terminal width). `None`
    /// leaves rows unwrapped, which is what pipes and files want.
    pub width: Option<u16>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the report failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the JSON report failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing the CSV report failed: {0}")]
    Csv(#[from] csv::Error),
}

/// Renders `report` in `format` to `out`, without colour.
pub fn render(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    render_with(report, format, &RenderOptions::default(), out)
}

/// Renders `report` in `format` to `out` with explicit presentation options.
pub fn render_with(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    match format {
        Format::Table => table::render(report, options, out)?,
        Format::Json => json::render_document(report, out)?,
        Format::Jsonl => json::render_lines(report, out)?,
        Format::Sarif => sarif::render(report, out)?,
        Format::Csv => csv_out::render(report, out)?,
        Format::Markdown => markdown::render(report, out)?,
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_from_its_own_name() {
        for &format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        }
    }

    #[test]
    fn markdown_has_a_long_name_and_case_is_ignored() {
        assert_eq!("markdown".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
    }

    #[test]
    fn unknown_format_names_the_input() {
        let err = "xml".parse::<Format>().unwrap_err();
        assert!(err.to_string().contains("`xml`"), "{err}");
    }
}
