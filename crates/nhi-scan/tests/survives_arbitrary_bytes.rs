//! The scanner must survive any bytes in any kind of file: no panic, and every problem
//! surfaces as a warning in the summary.

use std::fs;

use nhi_fingerprint::{FingerprintKey, Fingerprinter};
use nhi_rules::RuleSet;
use nhi_scan::{NoProgress, ScanOptions, Suppressions, scan};
use proptest::prelude::*;

/// File names that route the bytes through every decoder and config parser.
const NAMES: &[&str] = &[
    "plain.py",
    "notebook.ipynb",
    "secret.yaml",
    "list.json",
    ".mcp.json",
    ".cursor/mcp.json",
    ".vscode/mcp.json",
    "claude_desktop_config.json",
    ".gemini/settings.json",
    ".continue/config.yaml",
    ".github/workflows/ci.yml",
    ".env",
    ".aws/credentials",
    "application_default_credentials.json",
    ".kube/config",
    "docker-compose.yml",
];

/// Byte soup biased toward the syntax the parsers care about.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let fragments = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"{\"mcpServers\":{\"x\":{\"env\":{\"K\":\"".to_vec()),
        Just(b"kind: Secret\ndata:\n  k: ".to_vec()),
        Just(b"{\"cells\":[{\"source\":[\"".to_vec()),
        Just(b"ghp_".to_vec()),
        Just(b"AKIA".to_vec()),
        Just(b"\\n\\\"".to_vec()),
        Just(b"-----BEGIN PRIVATE KEY-----".to_vec()),
        Just(b"eyJhbGciOiJIUzI1NiJ9.".to_vec()),
        Just(vec![0xff, 0xfe, 0x00]),
        Just(b"\n".to_vec()),
    ];
    proptest::collection::vec(fragments, 0..64).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn scan_survives_arbitrary_bytes(contents in proptest::collection::vec(soup(), NAMES.len())) {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in NAMES.iter().zip(&contents) {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
        }
        let rules = RuleSet::builtin().unwrap();
        let fp = Fingerprinter::new(&FingerprintKey::from_bytes([9; 32]));
        let options = ScanOptions { roots: vec![dir.path().to_path_buf()], ..ScanOptions::default() };
        let out = scan(&options, &rules, &fp, &Suppressions::empty(), &NoProgress).unwrap();
        prop_assert!(out.summary.files_scanned + out.summary.skipped.values().sum::<u64>() >= 1);
        for w in &out.summary.warnings {
            prop_assert!(!w.path.is_empty());
        }
    }
}
