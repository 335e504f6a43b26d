//! JSON and JSON Lines: the machine-readable formats that carry everything.

use std::collections::BTreeMap;
use std::io::Write;

use nhi_model::{
    Confidence, Consumer, CredentialKind, Evidence, Finding, FindingId, Fingerprint, OwaspNhi,
    Preview, Provider, ScanSummary, Severity, Sighting,
};
use serde::Serialize;

use crate::{Report, ReportError, view};

pub(crate) const TOOL_NAME: &str = "nhi";

/// The project's home page, taken from the workspace manifest so it has one source.
pub(crate) fn information_uri() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|uri| !uri.is_empty())
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
}

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool<'a>,
    summary: &'a ScanSummary,
    findings: Vec<FindingObject<'a>>,
    consumers: &'a [Consumer],
}

/// One finding as JSON and JSON Lines print it. The primary sighting's location is lifted
/// to the top level so simple consumers need not dig into `sightings`; `commit` and
/// `external_id` are always present (null when absent) so every object has one shape.
#[derive(Serialize)]
pub(crate) struct FindingObject<'a> {
    id: &'a FindingId,
    rule: &'a str,
    title: &'a str,
    provider: Provider,
    kind: CredentialKind,
    severity: Severity,
    confidence: Confidence,
    owasp: OwaspNhi,
    owasp_title: &'static str,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    /// The first commit that holds the secret (oldest commit date among the history
    /// sightings), with its author and date; null when no history was scanned.
    commit: Option<&'a str>,
    author: Option<&'a str>,
    date: Option<&'a str>,
    history_only: bool,
    fingerprint: &'a Fingerprint,
    preview: &'a Preview,
    external_id: Option<&'a str>,
    evidence: &'a [Evidence],
    fix: &'a str,
    sightings: &'a [Sighting],
    references: &'a BTreeMap<String, Vec<String>>,
}

impl<'a> FindingObject<'a> {
    pub(crate) fn new(finding: &'a Finding) -> Self {
        let primary = finding.primary_sighting();
        let first_commit = finding.first_commit();
        FindingObject {
            id: &finding.id,
            rule: &finding.rule,
            title: &finding.title,
            provider: finding.provider,
            kind: finding.kind,
            severity: finding.severity,
            confidence: finding.confidence,
            owasp: finding.owasp,
            owasp_title: finding.owasp.title(),
            path: primary.map(|s| s.path.as_str()),
            line: primary.map(|s| s.line),
            column: primary.map(|s| s.column),
            commit: first_commit.and_then(|s| s.commit.as_deref()),
            author: first_commit.and_then(|s| s.author.as_deref()),
            date: first_commit.and_then(|s| s.date.as_deref()),
            history_only: finding.history_only,
            fingerprint: &finding.fingerprint,
            preview: &finding.preview,
            external_id: finding.external_id.as_deref(),
            evidence: &finding.evidence,
            fix: &finding.fix,
            sightings: &finding.sightings,
            references: &finding.references,
        }
    }
}

pub(crate) fn render_document(report: &Report, out: &mut dyn Write) -> Result<(), ReportError> {
    let document = Document {
        tool: Tool {
            name: TOOL_NAME,
            version: report.tool_version,
            information_uri: information_uri(),
        },
        summary: report.summary,
        findings: view::ordered_findings(report.findings)
            .into_iter()
            .map(FindingObject::new)
            .collect(),
        consumers: report.consumers,
    };
    // serde_json writes token by token; through `dyn Write` each is a virtual call, which
    // was most of the time spent writing a large report. A typed buffer in front keeps
    // them inlined.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer_pretty(&mut buffered, &document)?;
    buffered.write_all(b"\n")?;
    buffered.flush()?;
    Ok(())
}

pub(crate) fn render_lines(report: &Report, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    for finding in view::ordered_findings(report.findings) {
        serde_json::to_writer(&mut buffered, &FindingObject::new(finding))?;
        buffered.write_all(b"\n")?;
    }
    buffered.flush()?;
    Ok(())
}
