//! write_corpus: size, placement, read-back and determinism.

use std::collections::BTreeSet;
use std::path::Path;

use nhi_testkit::{
    Carrier, CorpusSpec, Encoding, KeywordDensity, RULE_IDS, verify_manifest, write_corpus,
};

fn tree_bytes(dir: &Path) -> (u64, usize) {
    let mut total = 0;
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".git" {
                continue;
            }
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total += meta.len();
                count += 1;
            }
        }
    }
    (total, count)
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_has_requested_size_and_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    let spec = CorpusSpec {
        total_bytes: 3 << 20,
        per_rule: 3,
        decoys: 60,
        git_history: false,
        seed: 11,
        density: KeywordDensity::Dense,
    };
    let manifest = write_corpus(&root, &spec).unwrap();

    let (bytes, files) = tree_bytes(&root);
    assert_eq!(bytes, manifest.total_bytes);
    assert_eq!(files, manifest.file_count);
    let target = spec.total_bytes as f64;
    assert!(
        (bytes as f64) > target * 0.8 && (bytes as f64) < target * 1.2,
        "{bytes} bytes for {target}"
    );

    for rule in RULE_IDS {
        let n = manifest
            .planted
            .iter()
            .filter(|p| p.rule_id == *rule)
            .count();
        assert!(n >= spec.per_rule, "{rule} planted {n} times");
    }
    assert_eq!(manifest.decoys.len(), spec.decoys);

    // The brief's carriers all occur.
    let carriers: BTreeSet<String> = manifest
        .planted
        .iter()
        .map(|p| format!("{:?}", p.carrier))
        .collect();
    for carrier in [
        Carrier::DotEnv,
        Carrier::JupyterNotebook,
        Carrier::KubernetesSecret,
        Carrier::McpJson,
        Carrier::CursorMcpJson,
        Carrier::VscodeMcpJson,
        Carrier::GithubWorkflow,
        Carrier::DockerCompose,
        Carrier::Python,
        Carrier::KeyFile,
    ] {
        assert!(
            carriers.contains(&format!("{carrier:?}")),
            "no {carrier:?} plant"
        );
    }
    assert!(
        root.join(".mcp.json").exists()
            && root.join(".cursor/mcp.json").exists()
            && root.join(".vscode/mcp.json").exists()
    );

    verify_manifest(&root, &manifest).unwrap();
}

/// Reads back each planted line with this test's own decoding, not the library's.
#[test]
fn manifest_lines_hold_the_planted_values() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("c");
    let spec = CorpusSpec {
        total_bytes: 1 << 20,
        per_rule: 4,
        decoys: 30,
        git_history: false,
        seed: 12,
        density: KeywordDensity::Dense,
    };
    let manifest = write_corpus(&root, &spec).unwrap();
    let mut encodings = BTreeSet::new();
    for planted in &manifest.planted {
        let text = std::fs::read_to_string(root.join(&planted.path)).unwrap();
        let line = text.lines().nth(planted.line - 1).unwrap();
        let first = planted.secret.lines().next().unwrap();
        let ok = match planted.encoding {
            Encoding::Plain => {
                // Multi-line secrets continue on the following lines (maybe indented).
                let lines: Vec<&str> = text.lines().collect();
                planted
                    .secret
                    .lines()
                    .enumerate()
                    .all(|(i, expected)| lines[planted.line - 1 + i].contains(expected))
            }
            Encoding::JsonString => {
                // Parse the whole document and find the value among its strings.
                let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
                let mut strings = Vec::new();
                collect_strings(&doc, &mut strings);
                strings.iter().any(|s| s.contains(planted.secret.as_str()))
                    && line.contains(
                        &serde_json::to_string(first)
                            .unwrap()
                            .trim_matches('"')
                            .to_string(),
                    )
            }
            Encoding::Base64 => {
                let b64 = line.split(": ").nth(1).unwrap().trim();
                let decoded = String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap(),
                )
                .unwrap();
                decoded.contains(planted.secret.as_str()) || {
                    let doc: serde_json::Value = serde_json::from_str(&decoded).unwrap();
                    doc["private_key"] == planted.secret.as_str()
                }
            }
        };
        encodings.insert(format!("{:?}", planted.encoding));
        assert!(
            ok,
            "{} at {}:{}",
            planted.rule_id, planted.path, planted.line
        );
    }
    assert_eq!(encodings.len(), 3);
    for decoy in &manifest.decoys {
        let text = std::fs::read_to_string(root.join(&decoy.path)).unwrap();
        assert!(
            text.lines()
                .nth(decoy.line - 1)
                .unwrap()
                .contains(&decoy.value)
        );
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[test]
fn corpus_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec {
        total_bytes: 400_000,
        per_rule: 1,
        decoys: 20,
        git_history: false,
        seed: 99,
        density: KeywordDensity::Dense,
    };
    let a = write_corpus(&dir.path().join("a"), &spec).unwrap();
    let b = write_corpus(&dir.path().join("b"), &spec).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        read_tree(&dir.path().join("a")),
        read_tree(&dir.path().join("b"))
    );
    let other = write_corpus(&dir.path().join("c"), &CorpusSpec { seed: 100, ..spec }).unwrap();
    assert_ne!(a.planted, other.planted);
}

#[test]
fn refuses_a_non_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let err = write_corpus(dir.path(), &CorpusSpec::default()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn history_corpus_has_removed_and_rotated_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let spec = CorpusSpec {
        total_bytes: 600_000,
        per_rule: 1,
        decoys: 20,
        git_history: true,
        seed: 5,
        density: KeywordDensity::Dense,
    };
    let manifest = write_corpus(&root, &spec).unwrap();
    assert!(manifest.commits.len() >= 4);
    assert_eq!(
        git(&root, &["rev-list", "--count", "HEAD"]).trim(),
        manifest.commits.len().to_string()
    );
    assert!(git(&root, &["status", "--porcelain"]).trim().is_empty());

    let history_only: Vec<_> = manifest.planted.iter().filter(|p| p.history_only).collect();
    // One removed secret per rule plus the rotated-out Stripe key.
    assert!(history_only.len() > RULE_IDS.len());
    for planted in &history_only {
        let commit = planted.commit.as_deref().unwrap();
        let removed = planted.removed_in.as_deref().unwrap();
        let then = git(&root, &["show", &format!("{commit}:{}", planted.path)]);
        if planted.encoding == Encoding::Plain {
            assert!(
                then.lines()
                    .nth(planted.line - 1)
                    .unwrap()
                    .contains(planted.secret.lines().next().unwrap())
            );
        }
        // Gone from the final tree: the file is deleted, or no longer holds the value.
        let now = std::fs::read_to_string(root.join(&planted.path)).unwrap_or_default();
        assert!(
            !now.contains(planted.secret.as_str()),
            "{} still in {}",
            planted.rule_id,
            planted.path
        );
        assert!(manifest.commits.iter().any(|c| c.sha == removed));
    }
    let rotated: Vec<_> = manifest
        .planted
        .iter()
        .filter(|p| p.rule_id == "stripe-secret-key" && p.path.ends_with("payment_keys.py"))
        .collect();
    assert_eq!(rotated.len(), 2);
    assert_eq!(rotated.iter().filter(|p| p.history_only).count(), 1);
    verify_manifest(&root, &manifest).unwrap();

    // Commit ids are reproducible from the seed.
    let again = write_corpus(&dir.path().join("repo2"), &spec).unwrap();
    assert_eq!(again.commits, manifest.commits);
}

/// Occurrences per MiB of the words the generic rule and the URL rule key on, counted
/// without case as a keyword prefilter would (`auth` inside `author` included).
fn keyword_density(root: &std::path::Path) -> f64 {
    const WORDS: &[&str] = &[
        "secret",
        "token",
        "password",
        "passwd",
        "api_key",
        "apikey",
        "api-key",
        "access_key",
        "private_key",
        "auth",
        "http://",
        "https://",
    ];
    let (bytes, _) = tree_bytes(root);
    let mut hits = 0usize;
    for (_, content) in read_tree(root) {
        let text = String::from_utf8_lossy(&content).to_ascii_lowercase();
        hits += WORDS.iter().map(|w| text.matches(w).count()).sum::<usize>();
    }
    hits as f64 / (bytes as f64 / f64::from(1u32 << 20))
}

#[test]
fn typical_density_is_in_the_range_of_real_code_and_dense_is_far_above() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec {
        total_bytes: 4 << 20,
        per_rule: 1,
        decoys: 20,
        git_history: false,
        seed: 21,
        density: KeywordDensity::TYPICAL,
    };
    let typical = write_corpus(&dir.path().join("typical"), &spec).unwrap();
    verify_manifest(&dir.path().join("typical"), &typical).unwrap();
    let dense = write_corpus(
        &dir.path().join("dense"),
        &CorpusSpec {
            density: KeywordDensity::Dense,
            ..spec
        },
    )
    .unwrap();
    // Same plants and decoys; only the padding differs.
    assert_eq!(typical.planted, dense.planted);
    let typical_density = keyword_density(&dir.path().join("typical"));
    let dense_density = keyword_density(&dir.path().join("dense"));
    // Real trees measured 57 to 516 per MiB (benches/README.md); planted and decoy files
    // add some on top of the padding.
    assert!(
        (250.0..=1000.0).contains(&typical_density),
        "typical density {typical_density:.0} per MiB"
    );
    assert!(
        dense_density > 5000.0,
        "dense density {dense_density:.0} per MiB"
    );
    // Padding in JSON and YAML stays parseable (configs are parsed, not just grepped).
    for (path, content) in read_tree(&dir.path().join("typical")) {
        if path.ends_with(".features.json") {
            serde_json::from_slice::<serde_json::Value>(&content)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
}
