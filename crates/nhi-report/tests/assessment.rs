//! The assessment report (`nhi report`) on a small, fixed estate: snapshots of every
//! format plus checks for escaping, self-containment, OWASP coverage and the compliance
//! matrix.

use nhi_model::{OwaspNhi, Severity};
use nhi_report::{
    AiIntegration, AssessmentFormat, AssessmentReport, ReportCredential, ReportFactor,
    ReportFinding, ReportIdentity, ReportLocation, render_assessment,
};
use serde_json::Value;

/// Made-up secrets the fixture's previews stand for; no output may contain them.
const SECRETS: [(&str, &str); 2] = [
    ("nhiFixtureAwsSecretKey0123456789abcdEFGH", ""),
    (
        "sk-proj-nhiFixtureOpenAiKeyT3BlbkFJ9x8y7z6w5v4u3",
        "sk-proj-",
    ),
];

struct Estate {
    identities: Vec<ReportIdentity>,
    findings: Vec<ReportFinding>,
    ai: Vec<AiIntegration>,
}

impl Estate {
    fn report(&self) -> AssessmentReport<'_> {
        AssessmentReport {
            tool_version: "0.1.0",
            generated_at: "2026-12-02T09:30:00Z".to_string(),
            identities: &self.identities,
            findings: &self.findings,
            ai_integrations: &self.ai,
        }
    }
}

fn s(value: &str) -> String {
    value.to_string()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn factor(kind: &str, name: &str, points: u32, why: &str) -> ReportFactor {
    ReportFactor {
        kind: s(kind),
        name: s(name),
        points,
        why: s(why),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    id: &str,
    source: &str,
    rule: &str,
    title: &str,
    severity: Severity,
    owasp: OwaspNhi,
    subject: &str,
    subject_name: &str,
    evidence: &[&str],
    fix: &str,
) -> ReportFinding {
    ReportFinding {
        id: s(id),
        source: s(source),
        rule: s(rule),
        title: s(title),
        severity,
        owasp,
        subject: s(subject),
        subject_name: s(subject_name),
        evidence: strings(evidence),
        fix: s(fix),
        location: None,
    }
}

const DEPLOYER: &str = "aws:iam_user:111122223333:ci-deployer";
const RELEASE_BOT: &str = "github:github_app:acme:release-bot";
const SUPPORT_KEY: &str = "openai:api_key:proj_support:support-assistant";
const ANALYTICS: &str = "gcp:service_account:acme-data:analytics-reader";

/// Four identities across four providers, nine findings across six OWASP risks and two
/// AI integrations: small enough to read in a snapshot, broad enough to fill every
/// section.
fn location(path: &str, line: u32, column: u32) -> ReportLocation {
    ReportLocation {
        path: s(path),
        line,
        column,
    }
}

fn estate() -> Estate {
    let identities = vec![
        ReportIdentity {
            id: s(ANALYTICS),
            name: s("analytics-reader@acme-data.iam.gserviceaccount.com"),
            provider: s("gcp"),
            kind: s("service_account"),
            account: Some(s("acme-data")),
            environment: Some(s("staging")),
            owners: strings(&["data-team"]),
            status: s("active"),
            privilege_tier: s("data_read"),
            risk_score: 15,
            risk_tier: s("low"),
            risk_factors: vec![
                factor(
                    "likelihood",
                    "environment-mixing",
                    10,
                    "used by staging and production workloads",
                ),
                factor("impact", "data_read", 5, "can read BigQuery datasets"),
            ],
            credentials: vec![],
            finding_ids: strings(&["NHI-5d3e9f0a1b2c4d6e"]),
        },
        ReportIdentity {
            id: s(DEPLOYER),
            name: s("ci-deployer"),
            provider: s("aws"),
            kind: s("iam_user"),
            account: Some(s("111122223333 (prod)")),
            environment: Some(s("production")),
            owners: vec![],
            status: s("active"),
            privilege_tier: s("admin"),
            risk_score: 85,
            risk_tier: s("critical"),
            risk_factors: vec![
                factor(
                    "likelihood",
                    "leaked-credential-is-live",
                    35,
                    "an access key found in deploy/.env was used 2 days ago",
                ),
                factor(
                    "impact",
                    "admin",
                    25,
                    "AdministratorAccess is attached directly",
                ),
                factor(
                    "likelihood",
                    "credential-too-old",
                    10,
                    "the access key is 687 days old",
                ),
                factor(
                    "impact",
                    "production",
                    10,
                    "the account is tagged production",
                ),
                factor(
                    "likelihood",
                    "owner-missing",
                    5,
                    "no owner tag and no owning team",
                ),
            ],
            credentials: vec![ReportCredential {
                id: s("aws:access_key:AKIAIOSFODNN7EXAMPLE"),
                kind: s("access_key"),
                external_id: Some(s("AKIAIOSFODNN7EXAMPLE")),
                preview: Some(s("…EFGH")),
                created: Some(s("2025-01-14")),
                last_used: Some(s("2026-11-30")),
                status: s("active"),
                sightings: strings(&["deploy/.env:3", "scripts/release.sh:41"]),
            }],
            finding_ids: strings(&[
                "NHI-0a1b2c3d4e5f6071",
                "NHI-1b2c3d4e5f607182",
                "NHI-2c3d4e5f60718293",
                "NHI-3d4e5f60718293a4",
            ]),
        },
        ReportIdentity {
            id: s(SUPPORT_KEY),
            name: s("support-assistant"),
            provider: s("openai"),
            kind: s("api_key"),
            account: Some(s("proj_support")),
            environment: None,
            owners: strings(&["alice@example.com"]),
            status: s("active"),
            privilege_tier: s("unassessed"),
            risk_score: 50,
            risk_tier: s("high"),
            risk_factors: vec![
                factor(
                    "likelihood",
                    "owner-offboarded",
                    15,
                    "alice@example.com left on 2026-09-30",
                ),
                factor(
                    "likelihood",
                    "ai-agent",
                    10,
                    "an MCP server in .cursor/mcp.json holds it",
                ),
                factor(
                    "likelihood",
                    "leaked-credential",
                    25,
                    "the key is written in plain text in .cursor/mcp.json",
                ),
            ],
            credentials: vec![ReportCredential {
                id: s("openai:api_key:key_support"),
                kind: s("api_key"),
                external_id: None,
                preview: Some(s("sk-proj-…v4u3")),
                created: Some(s("2025-06-02")),
                last_used: None,
                status: s("active"),
                sightings: strings(&[".cursor/mcp.json:7"]),
            }],
            finding_ids: strings(&["NHI-4e5f60718293a4b5", "NHI-6f708192a3b4c5d6"]),
        },
        ReportIdentity {
            id: s(RELEASE_BOT),
            name: s("release-bot"),
            provider: s("github"),
            kind: s("github_app"),
            account: Some(s("acme")),
            environment: Some(s("production")),
            owners: strings(&["platform-team"]),
            status: s("active"),
            privilege_tier: s("data_write"),
            risk_score: 45,
            risk_tier: s("high"),
            risk_factors: vec![
                factor(
                    "likelihood",
                    "third-party-app-broad-access",
                    15,
                    "installed on all 42 repositories with contents: write",
                ),
                factor("impact", "data_write", 10, "can push to default branches"),
                factor("impact", "production", 10, "deploys to production"),
                factor(
                    "likelihood",
                    "credential-never-expires",
                    5,
                    "its private key has no expiry",
                ),
                factor(
                    "likelihood",
                    "multiple-active-keys",
                    5,
                    "two private keys are active",
                ),
            ],
            credentials: vec![
                ReportCredential {
                    id: s("github:private_key:release-bot:1"),
                    kind: s("private_key"),
                    external_id: Some(s("SHA256:q1w2e3r4t5")),
                    preview: None,
                    created: Some(s("2024-03-01")),
                    last_used: Some(s("2026-12-01")),
                    status: s("active"),
                    sightings: vec![],
                },
                ReportCredential {
                    id: s("github:private_key:release-bot:2"),
                    kind: s("private_key"),
                    external_id: Some(s("SHA256:z9x8c7v6b5")),
                    preview: None,
                    created: Some(s("2025-11-20")),
                    last_used: None,
                    status: s("active"),
                    sightings: vec![],
                },
            ],
            finding_ids: strings(&["NHI-708192a3b4c5d6e7", "NHI-8192a3b4c5d6e7f8"]),
        },
    ];

    let mut findings = vec![
        finding(
            "NHI-8192a3b4c5d6e7f8",
            "inventory",
            "credential-never-expires",
            "GitHub App private key never expires",
            Severity::Low,
            OwaspNhi::Nhi7,
            RELEASE_BOT,
            "release-bot",
            &["private key SHA256:q1w2e3r4t5 created 2024-03-01, no expiry"],
            "Rotate the private key every 90 days: generate a new key, deploy it, then delete the old one in the App settings.",
        ),
        finding(
            "NHI-0a1b2c3d4e5f6071",
            "scan",
            "aws-access-key",
            "Live AWS access key committed to the repository",
            Severity::Critical,
            OwaspNhi::Nhi2,
            DEPLOYER,
            "ci-deployer",
            &[
                "access key AKIAIOSFODNN7EXAMPLE (…EFGH) in deploy/.env:3",
                "CloudTrail shows it was last used on 2026-11-30",
            ],
            "Deactivate AKIAIOSFODNN7EXAMPLE now, create a replacement only if still needed, move it to a secrets manager and purge deploy/.env from history.",
        ),
        finding(
            "NHI-1b2c3d4e5f607182",
            "inventory",
            "admin-access",
            "IAM user has AdministratorAccess",
            Severity::High,
            OwaspNhi::Nhi5,
            DEPLOYER,
            "ci-deployer",
            &["policy arn:aws:iam::aws:policy/AdministratorAccess attached to the user"],
            "Replace AdministratorAccess with a policy limited to the deploy actions CloudTrail shows in the last 90 days.",
        ),
        finding(
            "NHI-2c3d4e5f60718293",
            "inventory",
            "owner-missing",
            "Identity has no owner",
            Severity::Medium,
            OwaspNhi::Nhi1,
            DEPLOYER,
            "ci-deployer",
            &["no owner tag", "no team claims it in CODEOWNERS"],
            "Tag the user with owner=<team> and record it in the service catalogue.",
        ),
        finding(
            "NHI-3d4e5f60718293a4",
            "inventory",
            "credential-too-old",
            "Access key is older than 90 days",
            Severity::Medium,
            OwaspNhi::Nhi7,
            DEPLOYER,
            "ci-deployer",
            &["access key AKIAIOSFODNN7EXAMPLE created 2025-01-14 (687 days)"],
            "Switch the pipeline to GitHub OIDC with a role, then delete the access key.",
        ),
        finding(
            "NHI-4e5f60718293a4b5",
            "scan",
            "openai-api-key",
            "OpenAI API key in an MCP server configuration",
            Severity::High,
            OwaspNhi::Nhi2,
            SUPPORT_KEY,
            "support-assistant",
            &["key sk-proj-…v4u3 in .cursor/mcp.json:7 (env OPENAI_API_KEY)"],
            "Revoke the key in the OpenAI dashboard and reference it from the OS keychain or an env file outside the repository.",
        ),
        finding(
            "NHI-5d3e9f0a1b2c4d6e",
            "inventory",
            "environment-mixing",
            "Service account used by staging and production",
            Severity::Medium,
            OwaspNhi::Nhi8,
            ANALYTICS,
            "analytics-reader@acme-data.iam.gserviceaccount.com",
            &["bound to workloads in namespaces staging and production"],
            "Create one service account per environment and bind each workload to its own.",
        ),
        finding(
            "NHI-6f708192a3b4c5d6",
            "inventory",
            "owner-offboarded",
            "Owner has left the organisation",
            Severity::High,
            OwaspNhi::Nhi1,
            SUPPORT_KEY,
            "support-assistant",
            &["owner alice@example.com was deprovisioned on 2026-09-30"],
            "Assign a new owner, then rotate the key: the departed owner may still hold a copy.",
        ),
        finding(
            "NHI-708192a3b4c5d6e7",
            "inventory",
            "third-party-app-broad-access",
            "GitHub App can write to every repository",
            Severity::High,
            OwaspNhi::Nhi3,
            RELEASE_BOT,
            "release-bot",
            &[
                "installed on all repositories",
                "permissions: contents write, workflows write",
            ],
            "Limit the installation to the repositories it releases and drop workflows: write.",
        ),
    ];

    let ai = vec![
        AiIntegration {
            name: s("github"),
            tool: s("claude_desktop"),
            location: s("~/.config/Claude/claude_desktop_config.json:12"),
            authenticates_with: s("GitHub fine-grained token, referenced from env GITHUB_TOKEN"),
            reaches: strings(&["acme: 14 repositories (contents: read, issues: write)"]),
            rotate_by: Some(s("2027-03-01 (token expiry)")),
            risk_tier: s("medium"),
        },
        AiIntegration {
            name: s("support-assistant"),
            tool: s("cursor"),
            location: s(".cursor/mcp.json:5"),
            authenticates_with: s("OpenAI API key sk-proj-…v4u3, literal in env OPENAI_API_KEY"),
            reaches: strings(&[
                "OpenAI project proj_support (all models)",
                "Zendesk tickets (read and write)",
            ]),
            rotate_by: Some(s("now: the owner left and the key is in a file")),
            risk_tier: s("high"),
        },
    ];

    // Scan findings know the file and line they were seen at.
    for finding in &mut findings {
        finding.location = match finding.rule.as_str() {
            "aws-access-key" => Some(location("deploy/.env", 3, 19)),
            "openai-api-key" => Some(location(".cursor/mcp.json", 7, 30)),
            _ => None,
        };
    }
    Estate {
        identities,
        findings,
        ai,
    }
}

fn render(report: &AssessmentReport, format: AssessmentFormat) -> String {
    let mut out = Vec::new();
    render_assessment(report, format, &mut out).expect("rendering to memory cannot fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!(render(&estate().report(), AssessmentFormat::Markdown));
}

#[test]
fn snapshot_html() {
    insta::assert_snapshot!(render(&estate().report(), AssessmentFormat::Html));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(render(&estate().report(), AssessmentFormat::Json));
}

#[test]
fn snapshot_csv() {
    insta::assert_snapshot!(render(&estate().report(), AssessmentFormat::Csv));
}

#[test]
fn csv_has_one_row_per_finding_and_defuses_formulas() {
    let mut estate = estate();
    estate.findings[0].subject_name = s("=HYPERLINK(\"x\")");
    let csv = render(&estate.report(), AssessmentFormat::Csv);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "id");
    assert_eq!(&header[header.len() - 1], "nist_800_207");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), estate.findings.len());
    assert_eq!(&rows[0][1], "critical");
    assert!(rows.iter().any(|r| &r[8] == "'=HYPERLINK(\"x\")"));
    let iso = header.iter().position(|h| h == "iso_27001_2022").unwrap();
    let admin = rows.iter().find(|r| &r[4] == "admin-access").unwrap();
    assert_eq!(&admin[iso], "A.8.2; A.5.15; A.5.18");
}

#[test]
fn no_format_contains_a_secret() {
    let estate = estate();
    for &format in AssessmentFormat::ALL {
        let output = render(&estate.report(), format);
        for (secret, prefix) in SECRETS {
            let body: Vec<char> = secret[prefix.len()..].chars().collect();
            for window in body.windows(8) {
                let slice: String = window.iter().collect();
                assert!(
                    !output.contains(&slice),
                    "{format} output contains `{slice}`, a slice of a fixture secret"
                );
            }
        }
    }
}

/// An estate whose names carry markup and Markdown table breakers.
fn hostile() -> Estate {
    let mut estate = estate();
    estate.identities[1].name = s("<script>alert(1)</script>|ops");
    estate.identities[1].owners = strings(&["a|b <b>team</b>"]);
    estate.findings[1].subject_name = s("<script>alert(1)</script>|ops");
    estate.findings[1].evidence = strings(&["path `x`|<img src=x onerror=alert(1)>"]);
    estate.ai[0].name = s("<svg onload=alert(1)>|mcp");
    estate
}

#[test]
fn html_escapes_every_input_string() {
    let html = render(&hostile().report(), AssessmentFormat::Html);
    assert!(!html.contains("<script"), "raw <script> in the HTML");
    assert!(!html.contains("<img"), "raw <img> in the HTML");
    assert!(
        !html.contains("<svg onload"),
        "raw <svg onload> in the HTML"
    );
    assert!(!html.contains("<b>team"), "raw <b> in the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;|ops"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;svg onload=alert(1)&gt;|mcp"));
}

#[test]
fn markdown_escapes_every_input_string() {
    let md = render(&hostile().report(), AssessmentFormat::Markdown);
    // `\<` is a literal `<` in Markdown; an unescaped one could open raw HTML.
    let unescaped = md.replace(r"\<", "");
    assert!(!unescaped.contains('<'), "an unescaped `<` in the Markdown");
    assert!(md.contains(r"\<script\>alert(1)\</script\>\|ops"));
    assert!(md.contains(r"path \`x\`\|\<img src=x onerror=alert(1)\>"));
    // Every table row keeps its column count: no unescaped `|` from the input.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("ops"))
    {
        let header_cells = line.replace(r"\|", "").matches('|').count();
        assert!(
            [5, 7, 8].contains(&header_cells),
            "a row lost its shape: {line}"
        );
    }
}

#[test]
fn json_keeps_input_strings_verbatim() {
    let json: Value =
        serde_json::from_str(&render(&hostile().report(), AssessmentFormat::Json)).unwrap();
    assert_eq!(
        json["identities"][0]["name"],
        "<script>alert(1)</script>|ops"
    );
}

#[test]
fn html_loads_nothing_from_anywhere() {
    let html = render(&estate().report(), AssessmentFormat::Html);
    let lower = html.to_ascii_lowercase();
    assert!(lower.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(!lower.contains("<script"), "the report needs no script");
    assert!(!lower.contains("<link"), "no external stylesheet or icon");
    assert!(!lower.contains("<iframe") && !lower.contains("<object") && !lower.contains("<embed"));
    assert!(!lower.contains("@import") && !lower.contains("url("));
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    assert!(!lower.contains(" src="), "nothing has a src attribute");
    for (position, _) in lower.match_indices("href=\"") {
        let target = &lower[position + 6..];
        assert!(
            target.starts_with('#'),
            "a link leaves the page: {}",
            &target[..40.min(target.len())]
        );
    }
    assert!(!lower.contains("xlink:href"));
}

#[test]
fn html_is_accessible_in_the_basics() {
    let html = render(&estate().report(), AssessmentFormat::Html);
    // Headings never skip a level.
    let mut previous = 0;
    for (position, _) in html.match_indices("<h") {
        let Some(level) = html[position + 2..]
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
        else {
            continue;
        };
        assert!(
            level <= previous + 1,
            "h{level} follows h{previous} at byte {position}"
        );
        previous = level;
    }
    assert_eq!(html.matches("<h1").count(), 1);
    // Every header cell says what it heads.
    let headers = html.matches("<th").count() - html.matches("<thead").count();
    assert_eq!(headers, html.matches("<th scope=\"").count());
    // Both charts are labelled images.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 2);
    assert!(html.contains("<title id=\"chart-tiers-title\">NHIs by risk tier</title>"));
    assert!(html.contains("<title id=\"chart-owasp-title\">Findings by OWASP NHI risk</title>"));
    assert!(html.contains("@media (max-width: 40rem)"));
}

#[test]
fn owasp_coverage_lists_all_ten_risks() {
    let estate = estate();
    let md = render(&estate.report(), AssessmentFormat::Markdown);
    for risk in OwaspNhi::ALL {
        assert!(
            md.lines()
                .any(|l| l.starts_with(&format!("| {} | {} |", risk.as_str(), risk.title()))),
            "no coverage row for {risk}"
        );
    }
    assert!(md.contains("| NHI1 | Improper Offboarding | 2 | high |"));
    assert!(md.contains("| NHI2 | Secret Leakage | 2 | critical |"));
    assert!(md.contains("| NHI10 | Human Use of NHI | 0 | no findings |"));

    let json: Value =
        serde_json::from_str(&render(&estate.report(), AssessmentFormat::Json)).unwrap();
    let rows = json["summary"]["owasp_coverage"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[6]["id"], "NHI7");
    assert_eq!(rows[6]["findings"], 2);
    assert_eq!(rows[6]["worst_severity"], "medium");
    assert_eq!(rows[3]["worst_severity"], Value::Null);

    let html = render(&estate.report(), AssessmentFormat::Html);
    for risk in OwaspNhi::ALL {
        assert!(html.contains(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td>",
            risk,
            risk.title()
        )));
    }
}

#[test]
fn compliance_matrix_maps_controls_to_their_findings() {
    let estate = estate();
    let json: Value =
        serde_json::from_str(&render(&estate.report(), AssessmentFormat::Json)).unwrap();
    let frameworks = json["compliance"].as_array().unwrap();
    assert_eq!(frameworks.len(), 5);
    let iso = frameworks
        .iter()
        .find(|f| f["framework"] == "iso_27001_2022")
        .unwrap();
    let control = |id: &str| {
        iso["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    // A.8.2 Privileged access rights: only NHI5 maps to it.
    let a82 = control("A.8.2");
    assert_eq!(a82["owasp"], serde_json::json!(["NHI5"]));
    assert_eq!(a82["findings"], serde_json::json!(["NHI-1b2c3d4e5f607182"]));
    assert_eq!(a82["status"], "findings_open");
    // A.5.17 Authentication information: NHI2, NHI4 and NHI7, most severe first.
    assert_eq!(
        control("A.5.17")["findings"],
        serde_json::json!([
            "NHI-0a1b2c3d4e5f6071",
            "NHI-4e5f60718293a4b5",
            "NHI-3d4e5f60718293a4",
            "NHI-8192a3b4c5d6e7f8",
        ])
    );
    // A.8.15 Logging: only NHI10, which has no findings.
    let a815 = control("A.8.15");
    assert_eq!(a815["findings"], serde_json::json!([]));
    assert_eq!(a815["status"], "no_findings");

    let md = render(&estate.report(), AssessmentFormat::Markdown);
    assert!(md.contains(
        "| A.8.2 | Privileged access rights | NHI5 | NHI-1b2c3d4e5f607182 | findings open |"
    ));
    assert!(md.contains("| A.8.15 | Logging | NHI10 | - | no findings |"));
    let html = render(&estate.report(), AssessmentFormat::Html);
    assert!(html.contains(
        "<tr><th scope=\"row\">A.8.2</th><td>Privileged access rights</td><td>NHI5</td><td><a href=\"#finding-"
    ));
}

#[test]
fn every_finding_carries_its_references_and_fix() {
    let estate = estate();
    let json: Value =
        serde_json::from_str(&render(&estate.report(), AssessmentFormat::Json)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), estate.findings.len());
    for finding in findings {
        let owasp: OwaspNhi = finding["owasp"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            finding["references"].as_array().unwrap().len(),
            nhi_model::references(owasp).len()
        );
        assert!(!finding["fix"].as_str().unwrap().is_empty());
        assert!(!finding["rule"].as_str().unwrap().is_empty());
    }
    // Most severe first.
    assert_eq!(findings[0]["severity"], "critical");
    assert_eq!(findings.last().unwrap()["severity"], "low");
}

#[test]
fn summary_counts_tiers_providers_and_top_risks() {
    let json: Value =
        serde_json::from_str(&render(&estate().report(), AssessmentFormat::Json)).unwrap();
    let summary = &json["summary"];
    assert_eq!(summary["identities"], 4);
    assert_eq!(summary["findings"], 9);
    let tiers: Vec<(String, u64)> = summary["by_tier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap().to_string(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tiers,
        [
            (s("critical"), 1),
            (s("high"), 2),
            (s("medium"), 0),
            (s("low"), 1)
        ]
    );
    let top = summary["top_risks"].as_array().unwrap();
    assert_eq!(top[0]["name"], "ci-deployer");
    assert_eq!(top[0]["top_factors"].as_array().unwrap().len(), 3);
    assert_eq!(
        top[0]["top_factors"][0]["name"],
        "leaked-credential-is-live"
    );
    // Identity cards and AI integrations are sorted by risk.
    assert_eq!(json["identities"][1]["name"], "support-assistant");
    assert_eq!(json["ai_integrations"][0]["name"], "support-assistant");
}

#[test]
fn empty_report_renders_in_every_format() {
    let report = AssessmentReport {
        tool_version: "0.1.0",
        generated_at: s("2026-12-02T09:30:00Z"),
        identities: &[],
        findings: &[],
        ai_integrations: &[],
    };
    for &format in AssessmentFormat::ALL {
        let output = render(&report, format);
        assert!(!output.is_empty(), "{format} is empty");
    }
    let md = render(&report, AssessmentFormat::Markdown);
    assert!(md.contains("No identities were assessed."));
    assert!(md.contains("| NHI5 | Overprivileged NHI | 0 | no findings |"));
}

#[test]
fn html_and_markdown_show_at_most_five_ai_integrations() {
    let mut estate = estate();
    let template = estate.ai[0].clone();
    for n in 0..5 {
        let mut ai = template.clone();
        ai.name = format!("extra-{n}");
        ai.risk_tier = s("low");
        estate.ai.push(ai);
    }
    let md = render(&estate.report(), AssessmentFormat::Markdown);
    assert!(md.contains("2 more AI integrations are listed in the JSON report."));
    assert!(md.contains("| extra-2 |") && !md.contains("| extra-3 |"));
    let json: Value =
        serde_json::from_str(&render(&estate.report(), AssessmentFormat::Json)).unwrap();
    assert_eq!(json["ai_integrations"].as_array().unwrap().len(), 7);
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!(render(&estate().report(), AssessmentFormat::Sarif));
}

#[test]
fn sarif_is_valid_and_locates_every_finding() {
    let estate = estate();
    let sarif: Value =
        serde_json::from_str(&render(&estate.report(), AssessmentFormat::Sarif)).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("schema/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "assessment SARIF fails the schema: {errors:?}"
    );

    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), estate.findings.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], result["ruleId"]);
        let location = &result["locations"][0];
        if result["properties"]["source"] == "scan" {
            assert!(location["physicalLocation"]["artifactLocation"]["uri"].is_string());
            assert!(location["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
        } else {
            assert!(location["logicalLocations"][0]["fullyQualifiedName"].is_string());
        }
    }
    // Rules carry the OWASP ID and the mapped controls as tags.
    let admin = rules.iter().find(|r| r["id"] == "admin-access").unwrap();
    let tags: Vec<&str> = admin["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"NHI5"), "{tags:?}");
    assert!(tags.contains(&"iso_27001_2022/A.8.2"), "{tags:?}");
}
