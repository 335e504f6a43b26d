//! SARIF 2.1.0, shaped for GitHub code scanning and other SARIF viewers.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use nhi_model::{Finding, Severity, Sighting, Warning};
use serde::Serialize;

use crate::json::{TOOL_NAME, information_uri};
use crate::{Report, ReportError, RuleMeta, view};

pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub(crate) const SARIF_VERSION: &str = "2.1.0";
/// The base ID every artifact URI is relative to: the scanned root, which the uploader
/// (for example GitHub's checkout directory) knows and we do not.
pub(crate) const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
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
pub(crate) struct Text {
    pub(crate) text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
pub(crate) struct Help {
    pub(crate) text: String,
    pub(crate) markdown: String,
}

#[derive(Serialize)]
pub(crate) struct Configuration {
    pub(crate) level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    /// GitHub reads this to rank alerts: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
    /// up to 3.9 low.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    descriptor: DescriptorReference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct DescriptorReference {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location {
    pub(crate) physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhysicalLocation {
    pub(crate) artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactLocation {
    pub(crate) uri: String,
    pub(crate) uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Region {
    pub(crate) start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) start_column: Option<u32>,
}

/// Facts about the sighting that SARIF has no field for. History sightings carry their
/// commit here; the location URI is still the path inside the repository.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    source: &'static str,
    confidence: &'static str,
    history_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
}

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<(), ReportError> {
    let findings = view::ordered_findings(report.findings);
    let (rules, rule_index) = fired_rules(report.rules, &findings);

    let mut results = Vec::new();
    for finding in &findings {
        // `fired_rules` registered every finding's rule, so the lookup cannot miss.
        let index = rule_index.get(finding.rule.as_str()).copied().unwrap_or(0);
        for sighting in &finding.sightings {
            results.push(result(finding, sighting, index));
        }
    }

    let log = Log {
        schema: SCHEMA_URI,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    information_uri: information_uri(),
                    semantic_version: report.tool_version,
                    rules: rules.iter().map(rule).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: report
                    .summary
                    .warnings
                    .iter()
                    .map(notification)
                    .collect(),
            }],
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The rules that fired, sorted by ID, and each one's index in that list.
fn fired_rules<'a>(
    known: &'a [RuleMeta],
    findings: &[&'a Finding],
) -> (Vec<RuleMeta>, HashMap<&'a str, usize>) {
    let mut fired: BTreeMap<&'a str, RuleMeta> = BTreeMap::new();
    for finding in findings {
        fired.entry(finding.rule.as_str()).or_insert_with(|| {
            known
                .iter()
                .find(|meta| meta.id == finding.rule)
                .cloned()
                .unwrap_or_else(|| RuleMeta::from_finding(finding))
        });
    }
    let index = fired
        .keys()
        .enumerate()
        .map(|(position, id)| (*id, position))
        .collect();
    (fired.into_values().collect(), index)
}

fn rule(meta: &RuleMeta) -> Rule {
    let owasp = format!("{} {}", meta.owasp.qualified_id(), meta.owasp.title());
    Rule {
        id: meta.id.clone(),
        name: pascal_case(&meta.id),
        short_description: Text {
            text: meta.title.clone(),
        },
        full_description: Text {
            text: format!(
                "{}. Provider: {}; credential kind: {}. OWASP Non-Human Identities Top 10: \
                 {owasp}.",
                meta.title,
                meta.provider,
                meta.kind.as_str().replace('_', " "),
            ),
        },
        help: Help {
            text: meta.fix.clone(),
            markdown: format!(
                "**Fix:** {}\n\nOWASP Non-Human Identities Top 10: **{owasp}**.",
                meta.fix
            ),
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec![
                "security".to_string(),
                meta.owasp.as_str().to_string(),
                meta.provider.as_str().to_string(),
            ],
            security_severity: security_severity(meta.severity),
        },
    }
}

fn result<'a>(finding: &'a Finding, sighting: &'a Sighting, rule_index: usize) -> SarifResult<'a> {
    let mut message = format!("{}: {}", finding.title, finding.preview);
    if let Some(commit) = &sighting.commit {
        message.push_str(&format!(
            " (in git history, commit {})",
            view::short_commit(commit)
        ));
    }
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert("nhiFindingId/v1", finding.id.as_str());
    partial_fingerprints.insert("nhiCredential/v1", finding.fingerprint.as_str());
    SarifResult {
        rule_id: &finding.rule,
        rule_index,
        level: level(finding.severity),
        message: Text { text: message },
        locations: [location(&sighting.path, sighting.line, sighting.column)],
        partial_fingerprints,
        properties: ResultProperties {
            source: sighting.source.as_str(),
            confidence: finding.confidence.as_str(),
            history_only: finding.history_only,
            commit: sighting.commit.as_deref(),
            blob: sighting.blob.as_deref(),
            author: sighting.author.as_deref(),
            date: sighting.date.as_deref(),
        },
    }
}

fn notification(warning: &Warning) -> Notification {
    let text = match &warning.position {
        Some(position) => format!("{} ({position}): {}", warning.path, warning.message),
        None => format!("{}: {}", warning.path, warning.message),
    };
    // `git:<object id>` names a history object, not a file a viewer could open.
    let locations = if warning.path.starts_with("git:") || warning.path.is_empty() {
        Vec::new()
    } else {
        vec![location(&warning.path, 0, 0)]
    };
    Notification {
        level: "warning",
        message: Text { text },
        descriptor: DescriptorReference {
            id: warning.reason.as_str().to_string(),
        },
        locations,
    }
}

/// A location relative to `%SRCROOT%`. SARIF lines and columns are 1-based, so an unknown
/// (zero) line drops the region and an unknown column drops just the column.
pub(crate) fn location(path: &str, line: u32, column: u32) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: relative_uri(path),
                uri_base_id: SRCROOT,
            },
            region: (line > 0).then(|| Region {
                start_line: line,
                start_column: (column > 0).then_some(column),
            }),
        },
    }
}

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

/// `github-classic-pat` → `GithubClassicPat`: SARIF's rule `name` is meant to read as an
/// identifier, not repeat the kebab-case ID.
pub(crate) fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Turns a root-relative path into a relative URI reference: `/` separators, and every
/// byte outside RFC 3986's unreserved set and `/` percent-encoded, so spaces, `#`, `?`
/// and `%` in file names survive and a `:` cannot be misread as a URI scheme.
fn relative_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte))
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_uri_encodes_reserved_and_non_ascii_bytes() {
        assert_eq!(relative_uri("src/main.rs"), "src/main.rs");
        assert_eq!(relative_uri("./a b/c#d?.env"), "a%20b/c%23d%3F.env");
        assert_eq!(relative_uri("dir\\win.txt"), "dir/win.txt");
        assert_eq!(relative_uri("C:x"), "C%3Ax");
        assert_eq!(relative_uri("ü"), "%C3%BC");
        assert_eq!(relative_uri("100%"), "100%25");
    }

    #[test]
    fn pascal_case_joins_words() {
        assert_eq!(pascal_case("github-classic-pat"), "GithubClassicPat");
        assert_eq!(pascal_case("aws_access-key"), "AwsAccessKey");
        assert_eq!(pascal_case("--"), "");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
