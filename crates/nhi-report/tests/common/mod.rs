//! A fixed, hand-built scan result shared by the format tests. Every value is constant,
//! so snapshots never change between runs.

#![allow(dead_code)] // each test binary uses a different part of the fixture

use std::collections::BTreeMap;

use nhi_model::{
    Confidence, Consumer, ConsumerKind, CredentialKind, CredentialUse, CredentialValue, Evidence,
    Finding, FindingId, Fingerprint, OwaspNhi, Preview, Provider, ScanSummary, Severity, Sighting,
    SkipReason, SourceKind, Warning,
};
use nhi_report::{Format, Report, RuleMeta, render};

/// Made-up secrets, each marked `nhiFixture` so nobody mistakes them for real ones. The
/// fixture only ever stores their redacted previews; the tests check that no output
/// contains them.
pub const AWS_SECRET: &str = "nhiFixtureAwsSecretKey0123456789abcdEFGH";
pub const GENERIC_SECRET: &str = "nhiFixtureGenericPassw0rdValue42";
pub const OPENAI_SECRET: &str = "sk-proj-nhiFixtureOpenAiKeyT3BlbkFJ9x8y7z6w5v4u3";
pub const GITHUB_SECRET: &str = "ghp_nhiFixtureQ7vR2mK9pL4sW8xZ1cB6nD3fYt";

/// Each secret and the prefix its preview keeps.
pub const SECRETS: [(&str, &str); 4] = [
    (AWS_SECRET, ""),
    (GENERIC_SECRET, ""),
    (OPENAI_SECRET, "sk-proj-"),
    (GITHUB_SECRET, "ghp_"),
];

/// A path with a space, a pipe and backticks: it must survive every format's quoting.
pub const AWKWARD_PATH: &str = "docs/ops notes|`v2`.md";
pub const GENERIC_COMMIT: &str = "9f1c2e3d4b5a69788796a5b4c3d2e1f009182736";
pub const OPENAI_COMMIT: &str = "4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f";

pub struct Fixture {
    pub summary: ScanSummary,
    pub findings: Vec<Finding>,
    pub consumers: Vec<Consumer>,
    pub rules: Vec<RuleMeta>,
}

impl Fixture {
    pub fn report(&self) -> Report<'_> {
        Report {
            tool_version: "0.1.0",
            summary: &self.summary,
            findings: &self.findings,
            consumers: &self.consumers,
            rules: &self.rules,
        }
    }
}

pub fn render_to_string(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    render(report, format, &mut out).expect("rendering to memory cannot fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}

fn fingerprint(byte: &str) -> Fingerprint {
    Fingerprint::from_hex(byte.repeat(32)).expect("fixture fingerprints are valid hex")
}

fn file_sighting(path: &str, line: u32, column: u32) -> Sighting {
    Sighting {
        source: SourceKind::File,
        path: path.to_string(),
        line,
        column,
        commit: None,
        blob: None,
        author: None,
        date: None,
        root: ".".to_string(),
    }
}

fn history_sighting(path: &str, line: u32, column: u32, commit: &str, blob: &str) -> Sighting {
    Sighting {
        source: SourceKind::GitHistory,
        commit: Some(commit.to_string()),
        blob: Some(blob.to_string()),
        author: Some("Dana Example <dana@example.com>".to_string()),
        date: Some("2024-03-01T10:15:00Z".to_string()),
        ..file_sighting(path, line, column)
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &str,
    title: &str,
    severity: Severity,
    confidence: Confidence,
    provider: Provider,
    kind: CredentialKind,
    fingerprint: Fingerprint,
    preview: Preview,
    fix: &str,
) -> Finding {
    Finding {
        id: FindingId::new(rule, &fingerprint),
        rule: rule.to_string(),
        title: title.to_string(),
        severity,
        confidence,
        owasp: OwaspNhi::Nhi2,
        provider,
        kind,
        fingerprint,
        preview,
        external_id: None,
        history_only: false,
        evidence: Vec::new(),
        fix: fix.to_string(),
        sightings: Vec::new(),
        references: BTreeMap::new(),
    }
}

pub fn fixture() -> Fixture {
    let aws = Finding {
        external_id: Some("AKIANHIFIXTURE000001".to_string()),
        evidence: vec![
            Evidence::new("access key id", "AKIANHIFIXTURE000001"),
            Evidence::new("paired with", "aws_secret_access_key on the next line"),
        ],
        sightings: vec![file_sighting("deploy/terraform.tfvars", 4, 18)],
        ..finding(
            "aws-access-key",
            "AWS access key pair",
            Severity::Critical,
            Confidence::High,
            Provider::Aws,
            CredentialKind::AccessKey,
            fingerprint("11"),
            Preview::redact(AWS_SECRET, ""),
            "Deactivate the key in IAM, then delete it; move the workload to a role.",
        )
    };

    let generic = Finding {
        evidence: vec![
            Evidence::new("variable", "DB_PASSWORD"),
            Evidence::new("entropy", "4.6 bits per character"),
        ],
        sightings: vec![
            file_sighting(AWKWARD_PATH, 7, 9),
            history_sighting("config/old.env", 2, 14, GENERIC_COMMIT, "b10b"),
        ],
        ..finding(
            "generic-secret",
            "High-entropy value in a secret-named variable",
            Severity::Medium,
            Confidence::Low,
            Provider::Generic,
            CredentialKind::GenericSecret,
            fingerprint("22"),
            Preview::redact(GENERIC_SECRET, ""),
            "Move the value to a secret manager and rotate it.",
        )
    };

    let mut references = BTreeMap::new();
    references.insert("cwe".to_string(), vec!["CWE-798".to_string()]);
    let openai = Finding {
        history_only: true,
        evidence: vec![Evidence::new("variable", "OPENAI_API_KEY")],
        sightings: vec![history_sighting(".env", 1, 16, OPENAI_COMMIT, "b10c")],
        references,
        ..finding(
            "openai-project-key",
            "OpenAI project API key",
            Severity::High,
            Confidence::High,
            Provider::Openai,
            CredentialKind::ApiKey,
            fingerprint("33"),
            Preview::redact(OPENAI_SECRET, "sk-proj-"),
            "Revoke the key in the OpenAI dashboard; deleting the file does not revoke it.",
        )
    };

    let mcp = Consumer {
        id: Consumer::make_id(
            ConsumerKind::McpServer,
            "claude_desktop_config.json",
            "github",
        ),
        kind: ConsumerKind::McpServer,
        tool: "claude_desktop".to_string(),
        name: "github".to_string(),
        path: "claude_desktop_config.json".to_string(),
        root: ".".to_string(),
        line: 5,
        endpoint: Some("npx -y @modelcontextprotocol/server-github".to_string()),
        credentials: vec![CredentialUse {
            carrier: "env:GITHUB_PERSONAL_ACCESS_TOKEN".to_string(),
            value: CredentialValue::Literal {
                fingerprint: fingerprint("44"),
                preview: Preview::redact(GITHUB_SECRET, "ghp_"),
            },
            line: 9,
        }],
        attributes: BTreeMap::new(),
    };

    let mut workflow_attributes = BTreeMap::new();
    workflow_attributes.insert("cloud_auth".to_string(), "static_keys".to_string());
    workflow_attributes.insert("permissions".to_string(), "write-all".to_string());
    let workflow = Consumer {
        id: Consumer::make_id(
            ConsumerKind::Workflow,
            ".github/workflows/deploy.yml",
            "deploy",
        ),
        kind: ConsumerKind::Workflow,
        tool: "github_actions".to_string(),
        name: "deploy".to_string(),
        path: ".github/workflows/deploy.yml".to_string(),
        root: ".".to_string(),
        line: 12,
        endpoint: None,
        credentials: vec![
            CredentialUse {
                carrier: "secret:AWS_ACCESS_KEY_ID".to_string(),
                value: CredentialValue::Reference {
                    reference: "${{ secrets.AWS_ACCESS_KEY_ID }}".to_string(),
                },
                line: 20,
            },
            CredentialUse {
                carrier: "env:SLACK_WEBHOOK".to_string(),
                value: CredentialValue::Empty,
                line: 22,
            },
        ],
        attributes: workflow_attributes,
    };

    let mut summary = ScanSummary {
        roots: vec![".".to_string()],
        files_scanned: 42,
        bytes_scanned: 123_456,
        commits_walked: 17,
        blobs_scanned: 230,
        findings: 3,
        credentials: 3,
        consumers: 2,
        suppressed: 1,
        duration_ms: 1834,
        ..ScanSummary::default()
    };
    summary.warn(Warning {
        reason: SkipReason::TooLarge,
        path: "assets/dump.sql".to_string(),
        position: None,
        message: "file is 120 MiB, over the 10 MiB limit".to_string(),
    });
    summary.warn(Warning {
        reason: SkipReason::CorruptGitObject,
        path: "git:0badc0de0badc0de0badc0de0badc0de0badc0".to_string(),
        position: Some("byte 1024".to_string()),
        message: "zlib stream ended early".to_string(),
    });

    let rules = vec![
        RuleMeta::from_finding(&aws),
        RuleMeta::from_finding(&openai),
        // Never fires in the fixture: SARIF must leave it out.
        RuleMeta {
            id: "slack-bot-token".to_string(),
            title: "Slack bot token".to_string(),
            severity: Severity::High,
            owasp: OwaspNhi::Nhi2,
            fix: "Revoke the token in the Slack app settings.".to_string(),
            provider: Provider::Slack,
            kind: CredentialKind::BotToken,
        },
        // `generic-secret` is deliberately missing: SARIF must describe it from its finding.
    ];

    Fixture {
        summary,
        // Deliberately not in report order: renderers must sort.
        findings: vec![generic, aws, openai],
        consumers: vec![mcp, workflow],
        rules,
    }
}

/// A scan that found nothing and skipped nothing.
pub fn empty() -> Fixture {
    Fixture {
        summary: ScanSummary {
            roots: vec![".".to_string()],
            files_scanned: 1,
            bytes_scanned: 10,
            duration_ms: 5,
            ..ScanSummary::default()
        },
        findings: Vec::new(),
        consumers: Vec::new(),
        rules: Vec::new(),
    }
}
