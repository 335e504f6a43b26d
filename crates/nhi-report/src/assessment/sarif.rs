//! The assessment's findings as SARIF 2.1.0.
//!
//! Scan findings point at the file and line where the secret was seen. Inventory
//! findings are about an identity, not a line of code, so they carry a *logical*
//! location (the identity's ID and name) instead: SARIF viewers list them, while GitHub
//! code scanning, which needs a file, shows only the ones with a physical location.
//!
//! Each rule is tagged with its OWASP NHI ID and every compliance control it maps to
//! (`nist_csf_2/PR.AA-05`, `iso_27001_2022/A.5.17`…), so a dashboard can filter by
//! framework without knowing nhi's tables.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{FindingView, View};
use crate::ReportError;
use crate::json::{TOOL_NAME, information_uri};
use crate::sarif::{
    Configuration, Help, Location, SARIF_VERSION, SCHEMA_URI, Text, level, location, pascal_case,
    security_severity,
};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    semantic_version: &'a str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [ResultLocation; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    properties: ResultProperties<'a>,
}

/// A physical location for scan findings, a logical one for inventory findings.
#[derive(Serialize)]
#[serde(untagged)]
enum ResultLocation {
    Physical(Location),
    Logical(LogicalLocations),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocations {
    logical_locations: [LogicalLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    source: &'a str,
    owasp: &'static str,
    subject: &'a str,
    evidence: &'a [String],
    fix: &'a str,
}

pub(super) fn render(view: &View, out: &mut dyn Write) -> Result<(), ReportError> {
    // Rules in ID order; the first finding of each rule describes it (every finding
    // of a rule shares its title pattern, severity default and fix).
    let mut first_of_rule: BTreeMap<&str, &FindingView> = BTreeMap::new();
    for finding in &view.findings {
        first_of_rule
            .entry(finding.finding.rule.as_str())
            .or_insert(finding);
    }
    let rule_index: BTreeMap<&str, usize> = first_of_rule
        .keys()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let rules = first_of_rule.values().map(|f| rule(f)).collect();
    let results = view
        .findings
        .iter()
        .map(|f| result(f, rule_index[f.finding.rule.as_str()]))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    information_uri: information_uri(),
                    semantic_version: view.tool.version,
                    rules,
                },
            },
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn rule(example: &FindingView) -> Rule {
    let finding = example.finding;
    let owasp = format!("{} {}", finding.owasp.qualified_id(), finding.owasp.title());
    let mut tags = vec!["security".to_string(), finding.owasp.as_str().to_string()];
    tags.extend(
        example
            .references
            .iter()
            .map(|r| format!("{}/{}", r.framework.key(), r.id)),
    );
    let controls: Vec<String> = example
        .references
        .iter()
        .map(|r| format!("- {} {}: {}", r.framework.key(), r.id, r.title))
        .collect();
    Rule {
        id: finding.rule.clone(),
        name: pascal_case(&finding.rule),
        short_description: Text {
            text: format!("{owasp}: {}", finding.rule.replace('-', " ")),
        },
        help: Help {
            text: finding.fix.clone(),
            markdown: format!(
                "**Fix:** {}\n\nOWASP Non-Human Identities Top 10: **{owasp}**.\n\n\
                 Controls:\n{}",
                finding.fix,
                controls.join("\n")
            ),
        },
        default_configuration: Configuration {
            level: level(finding.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(finding.severity),
        },
    }
}

fn result<'a>(view: &'a FindingView, rule_index: usize) -> SarifResult<'a> {
    let finding = view.finding;
    let locations = match &finding.location {
        Some(place) => ResultLocation::Physical(location(&place.path, place.line, place.column)),
        None => ResultLocation::Logical(LogicalLocations {
            logical_locations: [LogicalLocation {
                name: finding.subject_name.clone(),
                fully_qualified_name: finding.subject.clone(),
                kind: "resource",
            }],
        }),
    };
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert("nhiFindingId/v1", finding.id.as_str());
    SarifResult {
        rule_id: &finding.rule,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: format!("{}: {}", finding.title, finding.subject_name),
        },
        locations: [locations],
        partial_fingerprints,
        properties: ResultProperties {
            source: &finding.source,
            owasp: finding.owasp.as_str(),
            subject: &finding.subject,
            evidence: &finding.evidence,
            fix: &finding.fix,
        },
    }
}
