//! The assessment report (`nhi report`): what an organisation's non-human identities
//! look like, as HTML, Markdown, JSON or CSV.
//!
//! Pure data in, text out: the caller fills an [`AssessmentReport`] (from the identity
//! graph, the risk scores and the findings) and every format is rendered from the same
//! derived view, so the formats always agree on counts and order.
//!
//! Every format contains, in this order:
//! 1. **Executive summary**: NHIs by risk tier and provider (a tier × provider table), the
//!    top 10 risks (highest-scoring identities with their top factors) and OWASP NHI Top
//!    10 coverage (all ten risks, with finding counts and the worst severity).
//! 2. **AI integrations**: the riskiest five, with how each authenticates, what it
//!    reaches and when to rotate its credential.
//! 3. **A card per identity**, highest risk score first.
//! 4. **Findings**, most severe first, each with its compliance references.
//! 5. **Compliance matrix**: per framework, control → findings → status.
//!
//! SARIF holds the findings alone (section 4), as code-scanning results.
//!
//! CSV is the exception: one row per finding (section 4 only), with one column of
//! compliance references per framework, for spreadsheets and ticket imports.
//!
//! The JSON document holds the same derived view and lists *every* AI integration
//! (sorted by risk); HTML and Markdown show the top five and say how many were left out.
//!
//! No secret can appear: the input types only carry redacted previews and external IDs.
//! All input text is escaped in HTML and Markdown.

mod csv_findings;
mod html;
mod markdown;
mod sarif;

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeMap;

use nhi_model::{ControlRef, Framework, OwaspNhi, Severity, references};
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// How many identities the executive summary's "top risks" table lists.
pub const TOP_RISKS: usize = 10;
/// How many AI integrations HTML and Markdown show.
pub const TOP_AI_INTEGRATIONS: usize = 5;
/// How many risk factors the top-risks table shows per identity.
const TOP_FACTORS: usize = 3;

/// Risk tiers in the order reports show them, most severe first. Tiers outside this list
/// are shown after these, alphabetically.
pub const RISK_TIERS: [&str; 4] = ["critical", "high", "medium", "low"];

/// Everything an assessment report shows, borrowed for rendering.
#[derive(Debug, Clone)]
pub struct AssessmentReport<'a> {
    /// The nhi version that produced the report.
    pub tool_version: &'a str,
    /// When the report was generated, RFC 3339. Passed in so output is reproducible.
    pub generated_at: String,
    /// The non-human identities assessed, in any order.
    pub identities: &'a [ReportIdentity],
    /// Findings from scans and from the inventory, in any order.
    pub findings: &'a [ReportFinding],
    /// MCP servers and agents that hold credentials, in any order.
    pub ai_integrations: &'a [AiIntegration],
}

/// One non-human identity, with its risk score and credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportIdentity {
    /// The stable identity ID (`aws:iam_user:…`).
    pub id: String,
    /// The name people know it by.
    pub name: String,
    /// `aws`, `github`, `openai`, …
    pub provider: String,
    /// `iam_user`, `service_account`, `github_app`, …
    pub kind: String,
    /// The account, project, subscription or organisation it lives in.
    pub account: Option<String>,
    /// `production`, `staging`, … where known.
    pub environment: Option<String>,
    /// Owners (people or teams); empty when nobody owns it.
    pub owners: Vec<String>,
    /// Lifecycle status: `active`, `disabled`, …
    pub status: String,
    /// `admin`, `data_write`, … or `unassessed`.
    pub privilege_tier: String,
    /// 0–100.
    pub risk_score: u32,
    /// `critical`, `high`, `medium` or `low`.
    pub risk_tier: String,
    /// The factors the score adds up, each with its points and reason.
    pub risk_factors: Vec<ReportFactor>,
    /// The identity's credentials, as redacted previews and external IDs only.
    pub credentials: Vec<ReportCredential>,
    /// IDs of the findings about this identity (see [`ReportFinding::id`]).
    pub finding_ids: Vec<String>,
}

/// One contribution to a risk score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFactor {
    /// `likelihood` or `impact`.
    pub kind: String,
    /// The factor's name (a rule ID, a privilege tier, `production`, …).
    pub name: String,
    /// Points it adds.
    pub points: u32,
    /// Why it applies, in a sentence.
    pub why: String,
}

/// One credential of an identity. Never holds a secret value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCredential {
    /// The stable credential ID.
    pub id: String,
    /// `access_key`, `api_key`, `client_secret`, …
    pub kind: String,
    /// The provider's own ID for it (an access key ID, a key name), where public.
    pub external_id: Option<String>,
    /// The redacted preview (`sk-proj-…u3`), where the value was seen.
    pub preview: Option<String>,
    /// Creation date, RFC 3339 or a plain date.
    pub created: Option<String>,
    /// Last-use date, where the provider reports one.
    pub last_used: Option<String>,
    /// `active`, `inactive`, `revoked`, …
    pub status: String,
    /// Where the value was seen, as `path:line`.
    pub sightings: Vec<String>,
}

/// One finding, from a scan or from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFinding {
    /// The stable finding ID.
    pub id: String,
    /// `scan` or `inventory`.
    pub source: String,
    /// The rule that fired.
    pub rule: String,
    /// A one-line title.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// The OWASP NHI Top 10 risk it is an instance of.
    pub owasp: OwaspNhi,
    /// The ID of the identity or credential it is about.
    pub subject: String,
    /// That subject's name.
    pub subject_name: String,
    /// What was observed, one fact per entry.
    pub evidence: Vec<String>,
    /// A concrete fix.
    pub fix: String,
    /// Where in a file it was seen, for findings from a scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ReportLocation>,
}

/// A place in a scanned file, relative to the scanned root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLocation {
    pub path: String,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
}

/// An MCP server or agent that holds a credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiIntegration {
    /// The MCP server or agent name.
    pub name: String,
    /// The tool whose configuration declares it (`claude_desktop`, `cursor`, …).
    pub tool: String,
    /// Where it is configured, as `path:line` or a path.
    pub location: String,
    /// How it authenticates (`OpenAI API key in env OPENAI_API_KEY`, `OAuth`, …).
    pub authenticates_with: String,
    /// What that credential reaches.
    pub reaches: Vec<String>,
    /// When to rotate the credential, where known.
    pub rotate_by: Option<String>,
    /// `critical`, `high`, `medium` or `low`.
    pub risk_tier: String,
}

/// An assessment report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssessmentFormat {
    /// One self-contained HTML document: inline CSS and SVG, nothing loaded from anywhere.
    Html,
    /// Markdown, for an issue, a wiki or a pull request.
    Markdown,
    /// One JSON document with the derived view.
    Json,
    /// The findings alone, one row each, with their compliance references.
    Csv,
    /// SARIF 2.1.0: one result per finding, rules tagged with their OWASP NHI ID and
    /// compliance references, for code-scanning dashboards.
    Sarif,
}

impl AssessmentFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &'static [AssessmentFormat] = &[
        AssessmentFormat::Html,
        AssessmentFormat::Markdown,
        AssessmentFormat::Json,
        AssessmentFormat::Csv,
        AssessmentFormat::Sarif,
    ];

    /// The canonical name, as accepted by [`str::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentFormat::Html => "html",
            AssessmentFormat::Markdown => "md",
            AssessmentFormat::Json => "json",
            AssessmentFormat::Csv => "csv",
            AssessmentFormat::Sarif => "sarif",
        }
    }

    /// The usual file extension for a report in this format.
    pub fn file_extension(self) -> &'static str {
        match self {
            AssessmentFormat::Html => "html",
            AssessmentFormat::Markdown => "md",
            AssessmentFormat::Json => "json",
            AssessmentFormat::Csv => "csv",
            AssessmentFormat::Sarif => "sarif",
        }
    }
}

impl std::fmt::Display for AssessmentFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An assessment format name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown assessment report format `{0}`; expected one of: html, md, json, csv, sarif")]
pub struct UnknownAssessmentFormat(pub String);

impl std::str::FromStr for AssessmentFormat {
    type Err = UnknownAssessmentFormat;

    /// Accepts the canonical names plus `markdown` and `htm`, in any ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "html" | "htm" => Ok(AssessmentFormat::Html),
            "md" | "markdown" => Ok(AssessmentFormat::Markdown),
            "json" => Ok(AssessmentFormat::Json),
            "csv" => Ok(AssessmentFormat::Csv),
            "sarif" => Ok(AssessmentFormat::Sarif),
            _ => Err(UnknownAssessmentFormat(s.to_string())),
        }
    }
}

/// Renders `report` in `format` to `out`.
pub fn render_assessment(
    report: &AssessmentReport,
    format: AssessmentFormat,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let view = View::new(report);
    match format {
        AssessmentFormat::Html => out.write_all(html::render(&view).as_bytes())?,
        AssessmentFormat::Markdown => out.write_all(markdown::render(&view).as_bytes())?,
        AssessmentFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &view)?;
            out.write_all(b"\n")?;
        }
        AssessmentFormat::Csv => csv_findings::render(&view, out)?,
        AssessmentFormat::Sarif => sarif::render(&view, out)?,
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The derived view every format renders. It is also the JSON document.

#[derive(Debug, Serialize)]
pub(crate) struct View<'a> {
    tool: Tool<'a>,
    generated_at: &'a str,
    summary: Summary<'a>,
    /// Every integration, riskiest first.
    ai_integrations: Vec<&'a AiIntegration>,
    /// Highest risk score first.
    identities: Vec<&'a ReportIdentity>,
    /// Most severe first.
    findings: Vec<FindingView<'a>>,
    compliance: Vec<FrameworkMatrix>,
}

#[derive(Debug, Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    identities: usize,
    findings: usize,
    /// Every severity, most severe first, zeros included.
    findings_by_severity: Vec<SeverityCount>,
    /// Every tier that occurs plus the four standard ones, most severe first.
    by_tier: Vec<TierCount<'a>>,
    /// One row per provider, alphabetical; `tiers` follows `by_tier`'s order.
    by_provider: Vec<ProviderRow<'a>>,
    top_risks: Vec<TopRisk<'a>>,
    /// All ten OWASP NHI risks, in order.
    owasp_coverage: Vec<OwaspRow<'a>>,
}

#[derive(Debug, Serialize)]
struct SeverityCount {
    severity: Severity,
    count: usize,
}

#[derive(Debug, Serialize)]
struct TierCount<'a> {
    tier: &'a str,
    count: usize,
}

#[derive(Debug, Serialize)]
struct ProviderRow<'a> {
    provider: &'a str,
    total: usize,
    tiers: Vec<TierCount<'a>>,
}

#[derive(Debug, Serialize)]
struct TopRisk<'a> {
    rank: usize,
    identity: &'a str,
    name: &'a str,
    provider: &'a str,
    risk_score: u32,
    risk_tier: &'a str,
    top_factors: Vec<&'a ReportFactor>,
    findings: usize,
}

#[derive(Debug, Serialize)]
struct OwaspRow<'a> {
    id: OwaspNhi,
    title: &'static str,
    findings: usize,
    worst_severity: Option<Severity>,
    finding_ids: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct FindingView<'a> {
    #[serde(flatten)]
    finding: &'a ReportFinding,
    owasp_title: &'static str,
    references: &'static [ControlRef],
}

#[derive(Debug, Serialize)]
struct FrameworkMatrix {
    framework: Framework,
    title: &'static str,
    controls: Vec<ControlRow>,
}

#[derive(Debug, Serialize)]
struct ControlRow {
    id: &'static str,
    title: &'static str,
    owasp: Vec<OwaspNhi>,
    findings: Vec<String>,
    status: ControlStatus,
}

/// Whether any finding maps to a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum ControlStatus {
    FindingsOpen,
    NoFindings,
}

impl ControlStatus {
    fn label(self) -> &'static str {
        match self {
            ControlStatus::FindingsOpen => "findings open",
            ControlStatus::NoFindings => "no findings",
        }
    }
}

/// Sort key for risk tiers: the standard ones in [`RISK_TIERS`] order, others after.
fn tier_rank(tier: &str) -> usize {
    RISK_TIERS
        .iter()
        .position(|t| *t == tier)
        .unwrap_or(RISK_TIERS.len())
}

fn cmp_tiers(a: &str, b: &str) -> Ordering {
    tier_rank(a).cmp(&tier_rank(b)).then_with(|| a.cmp(b))
}

/// Compares control IDs the way people number them: `A.5.2` before `A.5.15`.
fn cmp_control_ids(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut number: Option<u64> = None;
        for c in s.chars() {
            if let Some(d) = c.to_digit(10) {
                number = Some(number.unwrap_or(0).saturating_mul(10) + u64::from(d));
            } else {
                if let Some(n) = number.take() {
                    out.push((std::mem::take(&mut word), n));
                }
                word.push(c);
            }
        }
        out.push((word, number.unwrap_or(0)));
        out
    }
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

impl<'a> View<'a> {
    pub(crate) fn new(report: &'a AssessmentReport<'a>) -> View<'a> {
        let mut identities: Vec<&ReportIdentity> = report.identities.iter().collect();
        identities.sort_by(|a, b| {
            b.risk_score
                .cmp(&a.risk_score)
                .then_with(|| cmp_tiers(&a.risk_tier, &b.risk_tier))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
        });

        let mut findings: Vec<&ReportFinding> = report.findings.iter().collect();
        findings.sort_by(|a, b| {
            (
                Reverse(a.severity),
                a.owasp,
                &a.rule,
                &a.subject_name,
                &a.id,
            )
                .cmp(&(
                    Reverse(b.severity),
                    b.owasp,
                    &b.rule,
                    &b.subject_name,
                    &b.id,
                ))
        });

        let mut ai_integrations: Vec<&AiIntegration> = report.ai_integrations.iter().collect();
        ai_integrations.sort_by(|a, b| {
            cmp_tiers(&a.risk_tier, &b.risk_tier)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.location.cmp(&b.location))
        });

        let summary = Summary::new(&identities, &findings);
        let compliance = compliance_matrix(&findings);
        View {
            tool: Tool {
                name: "nhi",
                version: report.tool_version,
            },
            generated_at: &report.generated_at,
            summary,
            ai_integrations,
            identities,
            findings: findings
                .into_iter()
                .map(|finding| FindingView {
                    finding,
                    owasp_title: finding.owasp.title(),
                    references: references(finding.owasp),
                })
                .collect(),
            compliance,
        }
    }

    /// The finding with this ID, if the report has it.
    fn finding(&self, id: &str) -> Option<&ReportFinding> {
        self.findings.iter().map(|f| f.finding).find(|f| f.id == id)
    }

    /// The 1-based position of a finding in the findings list (for HTML anchors).
    fn finding_number(&self, id: &str) -> Option<usize> {
        self.findings
            .iter()
            .position(|f| f.finding.id == id)
            .map(|i| i + 1)
    }

    /// An identity's finding IDs in the findings list's order (most severe first); IDs
    /// the report does not hold come last, in their given order.
    fn identity_finding_ids<'i>(&self, identity: &'i ReportIdentity) -> Vec<&'i str> {
        let mut ids: Vec<&str> = identity.finding_ids.iter().map(String::as_str).collect();
        ids.sort_by_key(|id| self.finding_number(id).unwrap_or(usize::MAX));
        ids
    }

    /// The integrations HTML and Markdown show, and how many they leave out.
    fn top_ai_integrations(&self) -> (&[&'a AiIntegration], usize) {
        let shown = self.ai_integrations.len().min(TOP_AI_INTEGRATIONS);
        (
            &self.ai_integrations[..shown],
            self.ai_integrations.len() - shown,
        )
    }
}

impl<'a> Summary<'a> {
    fn new(identities: &[&'a ReportIdentity], findings: &[&'a ReportFinding]) -> Summary<'a> {
        let mut tiers: Vec<&str> = RISK_TIERS.to_vec();
        for identity in identities {
            if !tiers.contains(&identity.risk_tier.as_str()) {
                tiers.push(&identity.risk_tier);
            }
        }
        tiers.sort_by(|a, b| cmp_tiers(a, b));
        let count_tier = |list: &[&&ReportIdentity], tier: &str| {
            list.iter().filter(|i| i.risk_tier == tier).count()
        };
        let all: Vec<&&ReportIdentity> = identities.iter().collect();
        let by_tier = tiers
            .iter()
            .map(|&tier| TierCount {
                tier,
                count: count_tier(&all, tier),
            })
            .collect();

        let mut providers: Vec<&str> = identities.iter().map(|i| i.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        let by_provider = providers
            .into_iter()
            .map(|provider| {
                let mine: Vec<&&ReportIdentity> = identities
                    .iter()
                    .filter(|i| i.provider == provider)
                    .collect();
                ProviderRow {
                    provider,
                    total: mine.len(),
                    tiers: tiers
                        .iter()
                        .map(|&tier| TierCount {
                            tier,
                            count: count_tier(&mine, tier),
                        })
                        .collect(),
                }
            })
            .collect();

        let top_risks = identities
            .iter()
            .take(TOP_RISKS)
            .enumerate()
            .map(|(index, identity)| {
                let mut factors: Vec<&ReportFactor> = identity.risk_factors.iter().collect();
                factors.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.name.cmp(&b.name)));
                factors.truncate(TOP_FACTORS);
                TopRisk {
                    rank: index + 1,
                    identity: &identity.id,
                    name: &identity.name,
                    provider: &identity.provider,
                    risk_score: identity.risk_score,
                    risk_tier: &identity.risk_tier,
                    top_factors: factors,
                    findings: identity.finding_ids.len(),
                }
            })
            .collect();

        let owasp_coverage = OwaspNhi::ALL
            .iter()
            .map(|&risk| {
                let mine: Vec<&&ReportFinding> =
                    findings.iter().filter(|f| f.owasp == risk).collect();
                OwaspRow {
                    id: risk,
                    title: risk.title(),
                    findings: mine.len(),
                    worst_severity: mine.iter().map(|f| f.severity).max(),
                    finding_ids: mine.iter().map(|f| f.id.as_str()).collect(),
                }
            })
            .collect();

        Summary {
            identities: identities.len(),
            findings: findings.len(),
            findings_by_severity: Severity::ALL
                .iter()
                .rev()
                .map(|&severity| SeverityCount {
                    severity,
                    count: findings.iter().filter(|f| f.severity == severity).count(),
                })
                .collect(),
            by_tier,
            by_provider,
            top_risks,
            owasp_coverage,
        }
    }

    /// `2 critical, 1 high`, or `none`.
    fn severity_breakdown(&self) -> String {
        let parts: Vec<String> = self
            .findings_by_severity
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| format!("{} {}", c.count, c.severity))
            .collect();
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// For every framework, every control any OWASP risk references, with the findings that
/// map to it through their risk. Controls are in their natural numbering order.
fn compliance_matrix(findings: &[&ReportFinding]) -> Vec<FrameworkMatrix> {
    let mut by_control: BTreeMap<(Framework, &'static str), (ControlRef, Vec<OwaspNhi>)> =
        BTreeMap::new();
    for &risk in OwaspNhi::ALL {
        for control in references(risk) {
            by_control
                .entry((control.framework, control.id))
                .or_insert_with(|| (*control, Vec::new()))
                .1
                .push(risk);
        }
    }
    Framework::ALL
        .iter()
        .map(|&framework| {
            let mut controls: Vec<ControlRow> = by_control
                .values()
                .filter(|(control, _)| control.framework == framework)
                .map(|(control, risks)| {
                    let ids: Vec<String> = findings
                        .iter()
                        .filter(|f| risks.contains(&f.owasp))
                        .map(|f| f.id.clone())
                        .collect();
                    ControlRow {
                        id: control.id,
                        title: control.title,
                        owasp: risks.clone(),
                        status: if ids.is_empty() {
                            ControlStatus::NoFindings
                        } else {
                            ControlStatus::FindingsOpen
                        },
                        findings: ids,
                    }
                })
                .collect();
            controls.sort_by(|a, b| {
                csf_function_rank(framework, a.id)
                    .cmp(&csf_function_rank(framework, b.id))
                    .then_with(|| cmp_control_ids(a.id, b.id))
            });
            FrameworkMatrix {
                framework,
                title: framework.title(),
                controls,
            }
        })
        .collect()
}

/// NIST CSF 2.0 lists its functions as Govern, Identify, Protect, Detect, Respond,
/// Recover; subcategories follow that order rather than the alphabet.
fn csf_function_rank(framework: Framework, id: &str) -> usize {
    const FUNCTIONS: [&str; 6] = ["GV.", "ID.", "PR.", "DE.", "RS.", "RC."];
    if framework != Framework::NistCsf2 {
        return 0;
    }
    FUNCTIONS
        .iter()
        .position(|f| id.starts_with(f))
        .unwrap_or(FUNCTIONS.len())
}

/// `NHI1, NHI5`.
fn owasp_list(risks: &[OwaspNhi]) -> String {
    risks
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A factor as the top-risks table shows it: `admin (+25)`.
fn factor_short(factor: &ReportFactor) -> String {
    format!("{} (+{})", factor.name, factor.points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_sort_numerically() {
        let mut ids = vec!["A.5.18", "A.5.2", "A.8.15", "A.5.15", "tenet 10", "tenet 3"];
        ids.sort_by(|a, b| cmp_control_ids(a, b));
        assert_eq!(
            ids,
            ["A.5.2", "A.5.15", "A.5.18", "A.8.15", "tenet 3", "tenet 10"]
        );
    }

    #[test]
    fn unknown_tiers_sort_after_the_standard_ones() {
        let mut tiers = vec!["low", "unassessed", "critical", "medium", "high"];
        tiers.sort_by(|a, b| cmp_tiers(a, b));
        assert_eq!(tiers, ["critical", "high", "medium", "low", "unassessed"]);
    }

    #[test]
    fn every_format_parses_from_its_own_name() {
        for &format in AssessmentFormat::ALL {
            assert_eq!(format.as_str().parse::<AssessmentFormat>(), Ok(format));
        }
        assert_eq!(
            "Markdown".parse::<AssessmentFormat>(),
            Ok(AssessmentFormat::Markdown)
        );
        assert!("pdf".parse::<AssessmentFormat>().is_err());
    }
}
