//! Builders for test data. Fingerprints are made-up hex; no value here is a real secret.
#![allow(dead_code)]

use std::collections::BTreeMap;

use nhi_model::{
    Confidence, Consumer, ConsumerKind, Credential, CredentialId, CredentialKind, CredentialStatus,
    CredentialUse, CredentialValue, Evidence, Finding, FindingId, Fingerprint, OwaspNhi, Preview,
    Provider, ScanSummary, Severity, Sighting, SourceKind,
};
use nhi_store::{InventoryStore, ScanOutcome, ScanRecord, StoreError};

/// A distinct valid fingerprint per `n` whose 16-character short form differs too (the
/// credential id is derived from it).
pub fn fingerprint(n: u64) -> Fingerprint {
    Fingerprint::from_hex(format!("{n:016x}").repeat(4)).expect("64 hex characters")
}

pub fn at(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_750_000_000 + seconds).expect("in range")
}

pub fn file_sighting(root: &str, path: &str, line: u32) -> Sighting {
    Sighting {
        source: SourceKind::File,
        path: path.to_string(),
        line,
        column: 7,
        commit: None,
        blob: None,
        author: None,
        date: None,
        root: root.to_string(),
    }
}

pub fn history_sighting(root: &str, path: &str, commit: &str) -> Sighting {
    Sighting {
        source: SourceKind::GitHistory,
        path: path.to_string(),
        line: 2,
        column: 1,
        commit: Some(commit.to_string()),
        blob: Some(format!("blob-{commit}")),
        author: Some("Dev Eloper <dev@example.com>".to_string()),
        date: Some("2024-03-01T10:00:00Z".to_string()),
        root: root.to_string(),
    }
}

pub fn credential(n: u64, provider: Provider, sightings: Vec<Sighting>) -> Credential {
    let fingerprint = fingerprint(n);
    Credential {
        id: CredentialId::for_fingerprint(&fingerprint),
        fingerprint,
        kind: CredentialKind::ApiKey,
        provider,
        preview: Preview::reference(&format!("sk-…{n:04}")),
        external_id: Some(format!("key-{n}")),
        attributes: BTreeMap::from([("project".to_string(), format!("p{n}"))]),
        status: CredentialStatus::Active,
        sightings,
    }
}

pub fn finding_for(credential: &Credential, rule: &str, severity: Severity) -> Finding {
    Finding {
        id: FindingId::new(rule, &credential.fingerprint),
        rule: rule.to_string(),
        title: format!("{} key in source", credential.provider),
        severity,
        confidence: Confidence::High,
        owasp: OwaspNhi::Nhi2,
        provider: credential.provider,
        kind: credential.kind,
        fingerprint: credential.fingerprint.clone(),
        preview: credential.preview.clone(),
        external_id: credential.external_id.clone(),
        history_only: false,
        evidence: vec![Evidence::new("prefix", "sk-")],
        fix: "Rotate the key and load it from a secret manager.".to_string(),
        sightings: credential.sightings.clone(),
        references: BTreeMap::from([("cwe".to_string(), vec!["CWE-798".to_string()])]),
    }
}

pub fn mcp_consumer(path: &str, name: &str, credential: &Credential) -> Consumer {
    Consumer {
        id: Consumer::make_id(ConsumerKind::McpServer, path, name),
        kind: ConsumerKind::McpServer,
        tool: "claude_desktop".to_string(),
        name: name.to_string(),
        path: path.to_string(),
        root: credential
            .sightings
            .first()
            .map(|s| s.root.clone())
            .unwrap_or_default(),
        line: 4,
        endpoint: Some("npx -y @example/server".to_string()),
        credentials: vec![
            CredentialUse {
                carrier: "env:OPENAI_API_KEY".to_string(),
                value: CredentialValue::Literal {
                    fingerprint: credential.fingerprint.clone(),
                    preview: credential.preview.clone(),
                },
                line: 6,
            },
            CredentialUse {
                carrier: "env:GITHUB_TOKEN".to_string(),
                value: CredentialValue::Reference {
                    reference: "${GITHUB_TOKEN}".to_string(),
                },
                line: 7,
            },
        ],
        attributes: BTreeMap::from([("transport".to_string(), "stdio".to_string())]),
    }
}

/// Everything one scan hands to the store, owned so tests can build it up.
#[derive(Default)]
pub struct Scan {
    pub roots: Vec<String>,
    pub summary: ScanSummary,
    pub credentials: Vec<Credential>,
    pub findings: Vec<Finding>,
    pub consumers: Vec<Consumer>,
    pub inventory: Option<nhi_model::Inventory>,
    pub codeowners: Vec<(String, Option<String>)>,
}

impl Scan {
    pub fn of(roots: &[&str]) -> Self {
        let roots: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
        Scan {
            summary: ScanSummary {
                roots: roots.clone(),
                ..ScanSummary::default()
            },
            roots,
            ..Scan::default()
        }
    }

    pub fn record_at(
        &self,
        store: &mut dyn InventoryStore,
        finished: jiff::Timestamp,
    ) -> Result<ScanOutcome, StoreError> {
        store.record_scan(&ScanRecord {
            started_at: finished - jiff::SignedDuration::from_secs(3),
            finished_at: finished,
            roots: &self.roots,
            summary: &self.summary,
            credentials: &self.credentials,
            findings: &self.findings,
            consumers: &self.consumers,
            inventory: self.inventory.as_ref(),
            codeowners: &self.codeowners,
        })
    }
}
