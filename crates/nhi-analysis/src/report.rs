//! The assessment report (`nhi report`, the server's report downloads): identity cards,
//! findings, AI integrations, assembled from one [`Analysis`].

use std::collections::{BTreeMap, BTreeSet};

use nhi_graph::{Graph, IdentityView, InventoryFilter};
use nhi_model::{ConsumerKind, CredentialValue, LinkKind};
pub use nhi_report::AssessmentFormat;
use nhi_report::{
    AiIntegration, AssessmentReport, ReportCredential, ReportFactor, ReportFinding, ReportIdentity,
};

use crate::{Analysis, FindingRow};

/// The subjects a finding can name when it is about this identity: the identity, one of
/// its credentials, or (for scan findings) one of their fingerprints.
pub fn identity_subjects(view: &IdentityView) -> BTreeSet<String> {
    let mut subjects: BTreeSet<String> = BTreeSet::from([view.identity.id.clone()]);
    for credential in &view.credentials {
        subjects.insert(credential.id.clone());
        if let Some(fingerprint) = &credential.fingerprint {
            subjects.insert(fingerprint.to_string());
            subjects.insert(nhi_model::CredentialId::for_fingerprint(fingerprint).to_string());
        }
    }
    subjects
}

/// Findings looked up by the subject they name, keeping the order they were given in:
/// matching every finding against every identity is quadratic, and an estate of
/// 100,000 identities has hundreds of thousands of findings.
pub struct FindingsBySubject<'a> {
    rows: Vec<&'a FindingRow>,
    positions: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl<'a> FindingsBySubject<'a> {
    pub fn new(rows: impl IntoIterator<Item = &'a FindingRow>) -> Self {
        let rows: Vec<&'a FindingRow> = rows.into_iter().collect();
        let mut positions: std::collections::HashMap<&'a str, Vec<usize>> =
            std::collections::HashMap::new();
        for (position, row) in rows.iter().enumerate() {
            positions
                .entry(row.subject.as_str())
                .or_default()
                .push(position);
        }
        FindingsBySubject { rows, positions }
    }

    /// The findings about any of `subjects`, each once, in the original order.
    pub fn about(&self, subjects: &BTreeSet<String>) -> Vec<&'a FindingRow> {
        let mut hits: Vec<usize> = subjects
            .iter()
            .filter_map(|s| self.positions.get(s.as_str()))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter().map(|p| self.rows[p]).collect()
    }
}

/// Renders the assessment report of `analysis` (open findings only) in `format`.
pub fn render(
    analysis: &Analysis,
    policy: &nhi_policy::Policy,
    format: AssessmentFormat,
    out: &mut dyn std::io::Write,
) -> Result<(), nhi_report::ReportError> {
    let graph = &analysis.graph;
    let risks = &analysis.risks;
    let rows: Vec<&FindingRow> = analysis.findings.iter().filter(|r| r.is_open()).collect();
    let findings: Vec<ReportFinding> = rows
        .iter()
        .map(|r| ReportFinding {
            id: r.id.clone(),
            source: r.source.to_string(),
            rule: r.rule.clone(),
            title: r.title.clone(),
            severity: r.severity,
            owasp: r.owasp,
            subject: r.subject.clone(),
            subject_name: r.subject_name.clone(),
            evidence: r.evidence.clone(),
            fix: r.fix.clone(),
            location: r.location.clone(),
        })
        .collect();

    let views = nhi_graph::identity_views(graph, &InventoryFilter::default());
    let by_subject = FindingsBySubject::new(rows.iter().copied());
    let mut identities = Vec::new();
    for view in &views {
        let Some(risk) = risks.get(&view.identity.id) else {
            continue;
        };
        let subjects = identity_subjects(view);
        let identity = &view.identity;
        identities.push(ReportIdentity {
            id: identity.id.clone(),
            name: identity.name.clone(),
            provider: identity.provider.to_string(),
            kind: identity.kind.to_string(),
            account: identity.account.clone(),
            environment: identity.environment.clone(),
            owners: identity.owners.clone(),
            status: identity.status.to_string(),
            privilege_tier: risk.privilege_tier.clone(),
            risk_score: risk.score,
            risk_tier: risk.tier.to_string(),
            risk_factors: risk
                .factors
                .iter()
                .map(|f| ReportFactor {
                    kind: f.kind.to_string(),
                    name: f.name.clone(),
                    points: f.points,
                    why: f.why.clone(),
                })
                .collect(),
            credentials: view
                .credentials
                .iter()
                .map(|c| ReportCredential {
                    id: c.id.clone(),
                    kind: c.kind.to_string(),
                    external_id: c.external_id.clone(),
                    preview: c.preview.as_ref().map(|p| p.to_string()),
                    created: c.created.map(|t| t.to_string()),
                    last_used: c.last_used.map(|t| t.to_string()),
                    status: c.status.clone(),
                    sightings: c
                        .sightings
                        .iter()
                        .map(|s| format!("{}:{}", s.path, s.line))
                        .collect(),
                })
                .collect(),
            finding_ids: by_subject
                .about(&subjects)
                .into_iter()
                .map(|r| r.id.clone())
                .collect(),
        });
    }
    let ai_integrations = ai_integrations(graph, risks, policy);
    let generated_at = analysis.at.to_string();
    let report = AssessmentReport {
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at,
        identities: &identities,
        findings: &findings,
        ai_integrations: &ai_integrations,
    };
    nhi_report::render_assessment(&report, format, out)
}

/// MCP servers and agent model endpoints: how each authenticates, which identities
/// its credentials reach, and when those must be rotated under the policy.
fn ai_integrations(
    graph: &Graph,
    risks: &BTreeMap<String, nhi_assess::Risk>,
    policy: &nhi_policy::Policy,
) -> Vec<AiIntegration> {
    let inventory = &graph.inventory;
    let tier_rank = |tier: &str| match tier {
        "critical" => 3,
        "high" => 2,
        "medium" => 1,
        _ => 0,
    };
    let mut out = Vec::new();
    for consumer in graph
        .consumers
        .iter()
        .filter(|c| matches!(c.kind, ConsumerKind::McpServer | ConsumerKind::AgentModel))
    {
        let authenticates_with = if consumer.credentials.is_empty() {
            "no credential in its configuration".to_string()
        } else {
            consumer
                .credentials
                .iter()
                .map(|c| match &c.value {
                    CredentialValue::Literal { preview, .. } => {
                        format!("{} = literal secret {preview}", c.carrier)
                    }
                    CredentialValue::Reference { reference } => {
                        format!("{} from {reference}", c.carrier)
                    }
                    _ => format!("{} (empty or placeholder)", c.carrier),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut reaches = Vec::new();
        let mut rotate_by: Option<jiff::Timestamp> = None;
        let mut tier = if consumer.has_literal_secret() {
            "medium"
        } else {
            "low"
        };
        for link in inventory
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Uses && l.from == consumer.id)
        {
            let platform = inventory.credentials.get(&link.to).or_else(|| {
                inventory
                    .links
                    .iter()
                    .find(|s| s.kind == LinkKind::SameAs && s.from == link.to)
                    .and_then(|s| inventory.credentials.get(&s.to))
            });
            let holder = platform
                .and_then(|p| inventory.identities.get(&p.identity))
                .or_else(|| graph.identity_of_code(&link.to));
            let Some(holder) = holder else {
                continue;
            };
            let risk = risks.get(&holder.id);
            reaches.push(format!(
                "{} ({} {}, privilege {})",
                holder.name,
                holder.provider,
                holder.kind,
                risk.map_or("unassessed", |r| r.privilege_tier.as_str())
            ));
            if let Some(r) = risk
                && tier_rank(r.tier) > tier_rank(tier)
            {
                tier = r.tier;
            }
            if let Some(platform) = platform
                && let Some(born) = platform.last_rotated.or(platform.created)
            {
                let limit_tier = risk.map_or("default", |r| r.tier);
                let days = i64::from(policy.thresholds.key_age_days_for(limit_tier));
                let due = born
                    .checked_add(jiff::SignedDuration::from_hours(24 * days))
                    .ok();
                rotate_by = match (rotate_by, due) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        out.push(AiIntegration {
            name: consumer.name.clone(),
            tool: consumer.tool.clone(),
            location: format!("{}:{}", consumer.path, consumer.line),
            authenticates_with,
            reaches,
            rotate_by: rotate_by.map(|t| t.strftime("%Y-%m-%d").to_string()),
            risk_tier: tier.to_string(),
        });
    }
    out
}
