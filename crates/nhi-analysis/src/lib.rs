//! The analysed estate: everything a store holds, correlated into one graph, assessed
//! against the policy and scored. `nhi inventory`, `nhi findings`, `nhi report` and
//! `nhi serve` all render this one result, so they cannot disagree.
//!
//! No I/O of its own beyond the store it is handed: policy, environment rules and
//! observed activity come in as values.

#![forbid(unsafe_code)]

pub mod report;

use std::collections::BTreeMap;

use jiff::Timestamp;
use nhi_graph::{CodeInventory, CodeOwners, CorrelateOptions, EnvironmentRules, Graph};
use nhi_model::{OwaspNhi, Severity};
use nhi_store::{CredentialFilter, FindingFilter, InventoryStore, StoreError};
use serde::Serialize;

/// One finding of either kind, as `nhi findings` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub id: String,
    /// `scan` (a secret found in files or history) or `inventory` (judged from the
    /// correlated platform inventory).
    pub source: &'static str,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub owasp: OwaspNhi,
    pub owasp_title: &'static str,
    pub subject: String,
    pub subject_name: String,
    pub evidence: Vec<String>,
    pub fix: String,
    pub references: BTreeMap<String, Vec<String>>,
    /// `open`, or `suppressed until DATE: reason`.
    pub status: String,
    /// The file and line a scan finding was seen at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<nhi_report::ReportLocation>,
}

impl FindingRow {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// Loads everything the store holds and correlates it.
pub fn load_graph(
    store: &dyn InventoryStore,
    environments: EnvironmentRules,
) -> Result<Graph, StoreError> {
    let inventory = store.inventory()?;
    let credentials = store
        .credentials(&CredentialFilter::default())?
        .into_iter()
        .map(|stored| stored.credential)
        .collect();
    let consumers = store.consumers()?;
    let codeowners: BTreeMap<String, CodeOwners> = store
        .codeowners()?
        .into_iter()
        .map(|(root, text)| (root, CodeOwners::parse(&text)))
        .collect();
    Ok(nhi_graph::correlate(
        inventory,
        CodeInventory {
            credentials,
            consumers,
        },
        &CorrelateOptions {
            environments,
            codeowners,
        },
    ))
}

/// The rows of inventory findings alone, all open: for an assessment made without a
/// store (`nhi findings --input`), where there are no scan findings or suppressions.
pub fn inventory_finding_rows(assessed: Vec<nhi_assess::InventoryFinding>) -> Vec<FindingRow> {
    assessed
        .into_iter()
        .map(|f| FindingRow {
            id: f.id,
            source: "inventory",
            rule: f.rule.to_string(),
            title: f.title,
            severity: f.severity,
            owasp: f.owasp,
            owasp_title: f.owasp.title(),
            subject: f.subject,
            subject_name: f.subject_name,
            evidence: f.evidence,
            fix: f.fix,
            references: f.references,
            status: "open".into(),
            location: None,
        })
        .collect()
}

/// Every finding, inventory (`assessed`) and scan (from the store), with its
/// suppression status on `today`; suppressed ones only when asked for.
pub fn finding_rows(
    assessed: Vec<nhi_assess::InventoryFinding>,
    store: &dyn InventoryStore,
    today: jiff::civil::Date,
    include_suppressed: bool,
) -> Result<Vec<FindingRow>, StoreError> {
    let mut rows = inventory_finding_rows(assessed);
    for stored in store.findings(&FindingFilter {
        min_severity: None,
        status: Some("open".into()),
    })? {
        let f = stored.finding;
        let place = f
            .primary_sighting()
            .map(|s| format!("{}:{}", s.path, s.line))
            .unwrap_or_default();
        rows.push(FindingRow {
            id: f.id.to_string(),
            source: "scan",
            rule: f.rule.clone(),
            title: f.title.clone(),
            severity: f.severity,
            owasp: f.owasp,
            owasp_title: f.owasp.title(),
            subject: f.fingerprint.to_string(),
            subject_name: format!("{} {place}", f.preview),
            evidence: f
                .evidence
                .iter()
                .map(|e| format!("{}: {}", e.label, e.value))
                .collect(),
            fix: f.fix.clone(),
            references: if f.references.is_empty() {
                nhi_model::reference_ids(f.owasp)
            } else {
                f.references.clone()
            },
            status: "open".into(),
            location: f.primary_sighting().map(|s| nhi_report::ReportLocation {
                path: s.path.clone(),
                line: s.line,
                column: s.column,
            }),
        });
    }
    let suppressions = store.finding_suppressions()?;
    for row in &mut rows {
        if let Some(s) = suppressions
            .iter()
            .find(|s| s.finding_id == row.id && s.applies_on(today))
        {
            row.status = format!("suppressed until {}: {}", s.expires, s.reason);
        }
    }
    if !include_suppressed {
        rows.retain(FindingRow::is_open);
    }
    Ok(rows)
}

/// The whole estate, analysed at one moment.
pub struct Analysis {
    pub graph: Graph,
    /// Risk for every assessed identity, by identity ID.
    pub risks: BTreeMap<String, nhi_assess::Risk>,
    /// Every finding, suppressed ones included (see [`FindingRow::status`]).
    pub findings: Vec<FindingRow>,
    pub at: Timestamp,
}

/// What an analysis needs besides the store.
pub struct AnalysisInputs<'a> {
    pub policy: &'a nhi_policy::Policy,
    pub environments: EnvironmentRules,
    /// What the monitor saw each identity use, for the unused-permission rules.
    pub activity: &'a BTreeMap<String, nhi_assess::ObservedActivity>,
    pub now: Timestamp,
    pub today: jiff::civil::Date,
}

/// Loads, correlates, assesses and scores the store's estate.
pub fn analyse(
    store: &dyn InventoryStore,
    inputs: AnalysisInputs<'_>,
) -> Result<Analysis, StoreError> {
    let graph = load_graph(store, inputs.environments)?;
    let assessed =
        nhi_assess::assess_with_activity(&graph, inputs.policy, inputs.now, inputs.activity);
    let risks = nhi_assess::score(&graph, &assessed, inputs.policy);
    let findings = finding_rows(assessed, store, inputs.today, true)?;
    Ok(Analysis {
        graph,
        risks,
        findings,
        at: inputs.now,
    })
}
