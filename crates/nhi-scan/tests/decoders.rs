//! Decoders: Kubernetes Secret `data:` (base64) and notebooks (JSON-escaped), with hits
//! placed on the raw file's lines and nothing reported twice.

use std::fs;
use std::path::Path;

use base64::Engine;
use nhi_fingerprint::{FingerprintKey, Fingerprinter};
use nhi_model::SourceKind;
use nhi_rules::RuleSet;
use nhi_scan::{NoProgress, ScanOptions, ScanOutput, Suppressions, scan};

const KEY_ID: &str = "AKIAQ3EGUMZ7XKWP4RNB";
const SECRET_KEY: &str = "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";
const API_TOKEN: &str = "Zr7Kq2Lw9Xv4Nb8Tc3Hm6Jd1Fg5Ps0Ya";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn run(root: &Path) -> ScanOutput {
    let rules = RuleSet::builtin().unwrap();
    let fp = Fingerprinter::new(&FingerprintKey::from_bytes([3; 32]));
    let options = ScanOptions {
        roots: vec![root.to_path_buf()],
        ..ScanOptions::default()
    };
    scan(&options, &rules, &fp, &Suppressions::empty(), &NoProgress).unwrap()
}

#[test]
fn a_secret_manifest_pairs_aws_keys_and_reports_each_value_once() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing\n  namespace: prod\ntype: Opaque\ndata:\n  internal_api_token: {}\n  aws_access_key_id: {}\n  aws_secret_access_key: {}\n",
        b64(API_TOKEN),
        b64(KEY_ID),
        b64(SECRET_KEY)
    );
    fs::write(dir.path().join("secret.yaml"), manifest).unwrap();
    let out = run(dir.path());
    let summary: Vec<(String, u32)> = out
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.sightings[0].line))
        .collect();
    assert_eq!(out.findings.len(), 2, "{summary:?}");
    let aws = out
        .findings
        .iter()
        .find(|f| f.rule == "aws-access-key")
        .unwrap_or_else(|| panic!("no AWS pair: {summary:?}"));
    assert_eq!(aws.external_id.as_deref(), Some(KEY_ID));
    assert_eq!(aws.sightings[0].line, 10, "placed on the secret key's line");
    assert_eq!(aws.sightings[0].source, SourceKind::KubernetesSecret);
    let generic = out
        .findings
        .iter()
        .find(|f| f.rule == "generic-secret-assignment")
        .unwrap_or_else(|| panic!("token not found: {summary:?}"));
    assert_eq!(generic.sightings[0].line, 8);
    assert!(
        out.summary.warnings.is_empty(),
        "{:?}",
        out.summary.warnings
    );
}

#[test]
fn templated_manifests_are_not_parsed_and_not_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secret.yaml"),
        "{{- if .Values.enabled }}\napiVersion: v1\nkind: Secret\ndata:\n  token: {{ .Values.token | b64enc }}\n{{- end }}\n",
    )
    .unwrap();
    let out = run(dir.path());
    assert!(
        out.summary.warnings.is_empty(),
        "{:?}",
        out.summary.warnings
    );
    assert!(out.findings.is_empty());
}

#[test]
fn notebook_cells_are_unescaped_and_placed_on_their_raw_line() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = format!(
        r#"{{
 "cells": [
  {{
   "cell_type": "code",
   "metadata": {{}},
   "source": [
    "import boto3\n",
    "client = boto3.client(\"s3\", aws_access_key_id=\"{KEY_ID}\",\n",
    "    aws_secret_access_key=\"{SECRET_KEY}\")\n"
   ]
  }}
 ],
 "metadata": {{}},
 "nbformat": 4,
 "nbformat_minor": 5
}}
"#
    );
    fs::write(dir.path().join("explore.ipynb"), notebook).unwrap();
    let out = run(dir.path());
    let aws = out
        .findings
        .iter()
        .find(|f| f.rule == "aws-access-key")
        .unwrap_or_else(|| panic!("no AWS pair in the notebook: {:?}", out.findings));
    assert_eq!(aws.sightings[0].source, SourceKind::Notebook);
    assert_eq!(aws.sightings[0].line, 9);
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
}

#[test]
fn suppressions_drop_findings_by_id_and_by_rule_and_path_but_not_expired_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("tests/fixtures")).unwrap();
    fs::create_dir_all(dir.path().join("src")).unwrap();
    let pair = format!("aws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET_KEY}\n");
    fs::write(dir.path().join("tests/fixtures/creds.ini"), &pair).unwrap();
    fs::write(
        dir.path().join("src/settings.py"),
        format!("INTERNAL_API_TOKEN = \"{API_TOKEN}\"\n"),
    )
    .unwrap();
    let unsuppressed = run(dir.path());
    assert_eq!(
        unsuppressed.findings.len(),
        2,
        "{:?}",
        unsuppressed.findings
    );
    let token_id = unsuppressed
        .findings
        .iter()
        .find(|f| f.rule == "generic-secret-assignment")
        .unwrap()
        .id
        .clone();

    let today: jiff::civil::Date = "2026-06-01".parse().unwrap();
    let text = format!(
        "[[suppress]]\nrule = \"aws-access-key\"\npath = \"tests/fixtures/**\"\nreason = \"fixture\"\nexpires = \"2026-12-31\"\n\
         [[suppress]]\nfinding = \"{token_id}\"\nreason = \"accepted\"\nexpires = \"2026-01-01\"\n"
    );
    let suppressions = Suppressions::parse(&text, "s.toml", today).unwrap();
    assert_eq!(suppressions.expired().len(), 1);
    let rules = RuleSet::builtin().unwrap();
    let fp = Fingerprinter::new(&FingerprintKey::from_bytes([3; 32]));
    let options = ScanOptions {
        roots: vec![dir.path().to_path_buf()],
        ..ScanOptions::default()
    };
    let out = scan(&options, &rules, &fp, &suppressions, &NoProgress).unwrap();
    let rules_left: Vec<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules_left,
        ["generic-secret-assignment"],
        "expired entry must not apply"
    );
    assert_eq!(out.summary.suppressed, 1);

    let live = format!(
        "[[suppress]]\nfinding = \"{token_id}\"\nreason = \"accepted\"\nexpires = \"2027-01-01\"\n"
    );
    let suppressions = Suppressions::parse(&live, "s.toml", today).unwrap();
    let out = scan(&options, &rules, &fp, &suppressions, &NoProgress).unwrap();
    assert!(out.findings.iter().all(|f| f.id != token_id));
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn two_keys_with_the_same_pem_header_in_one_notebook_keep_their_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let body = |seed: char| -> Vec<String> {
        (0..4)
            .map(|i| {
                format!(
                    "MIIEow{seed}{i}AgEAAoIBAQC7{seed}kq9Zr{i}Lw9Xv4Nb8Tc3Hm6Jd1Fg5Ps0YaQ8Vf3kLz9RtX2mWc7YpN4b"
                )
            })
            .collect()
    };
    let cell = |seed: char| -> String {
        let mut lines = vec!["\"-----BEGIN RSA PRIVATE KEY-----\\n\"".to_string()];
        lines.extend(body(seed).iter().map(|l| format!("\"{l}\\n\"")));
        lines.push("\"-----END RSA PRIVATE KEY-----\\n\"".to_string());
        format!(
            "  {{\n   \"cell_type\": \"raw\",\n   \"metadata\": {{}},\n   \"source\": [\n    {}\n   ]\n  }}",
            lines.join(",\n    ")
        )
    };
    let notebook = format!(
        "{{\n \"cells\": [\n{},\n{}\n ],\n \"metadata\": {{}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n",
        cell('A'),
        cell('B')
    );
    let path = dir.path().join("keys.ipynb");
    fs::write(&path, &notebook).unwrap();
    let out = run(dir.path());
    let keys: Vec<u32> = out
        .findings
        .iter()
        .filter(|f| f.rule == "private-key-pem")
        .map(|f| f.sightings[0].line)
        .collect();
    let header_lines: Vec<u32> = notebook
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("BEGIN RSA PRIVATE KEY"))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, header_lines, "findings: {:?}", out.findings);
}
