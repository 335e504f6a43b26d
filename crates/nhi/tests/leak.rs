//! No planted secret may appear in anything nhi writes: any report format, standard
//! output or error, warnings about malformed files, or the bytes of the store (database
//! and WAL). The corpus plants every rule in every carrier, including git history.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use nhi_testkit::{CorpusSpec, KeywordDensity, write_corpus};

const FORMATS: &[(&str, &str)] = &[
    ("table", "txt"),
    ("json", "json"),
    ("jsonl", "jsonl"),
    ("sarif", "sarif"),
    ("csv", "csv"),
    ("md", "md"),
];

/// Strings that must not appear: the whole secret, and a 16-character slice from its
/// middle, which a preview (prefix + last 4) can never contain but a partial leak would.
/// For URLs with credentials the secret part is the password: user, host and path are
/// not secret and are reported as evidence.
fn probes(secret: &str) -> Vec<String> {
    if let Some(password) = url_password(secret) {
        return vec![secret.to_string(), password.to_string()];
    }
    let mut out = vec![secret.to_string()];
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 24 {
        let mid = chars.len() / 2;
        out.push(chars[mid - 8..mid + 8].iter().collect());
    }
    // Multi-line secrets (private keys): every long body line on its own.
    for line in secret.lines().map(str::trim).filter(|l| l.len() >= 24) {
        if !line.starts_with("-----") {
            out.push(line.to_string());
        }
    }
    out
}

fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then_some(password)
}

/// Rules whose "secret" is an identifier the provider itself treats as non-secret and
/// that nhi keeps on purpose to correlate with platform exports: a lone AWS access key
/// ID (the key's secret half is never kept).
const IDENTIFIER_RULES: &[&str] = &["aws-access-key-id"];

fn write_key(path: &Path) {
    fs::write(path, [0x5a; 32]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn no_planted_secret_reaches_any_output_or_the_store() {
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    let manifest = write_corpus(
        &corpus,
        &CorpusSpec {
            total_bytes: 256 * 1024,
            per_rule: 2,
            decoys: 40,
            git_history: true,
            seed: 7,
            density: KeywordDensity::Dense,
        },
    )
    .unwrap();
    assert!(
        manifest.planted.len() > 100,
        "corpus too small to mean anything"
    );

    // Malformed configs that hold secrets: their warnings must not quote them.
    let broken_secret = manifest.planted[0].secret.to_string();
    fs::write(
        corpus.join(".mcp.json"),
        format!(
            "{{\"mcpServers\": {{\"x\": {{\"env\": {{\"OPENAI_API_KEY\": \"{}\"",
            broken_secret.replace('\n', "\\n")
        ),
    )
    .unwrap();
    fs::create_dir_all(corpus.join("broken")).unwrap();
    fs::write(
        corpus.join("broken/secret.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  token: \"{}\n  : : [",
            broken_secret.lines().next().unwrap_or_default()
        ),
    )
    .unwrap();

    let key = work.path().join("key");
    write_key(&key);
    let db = work.path().join("store.db");
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    for (format, ext) in FORMATS {
        let report = work.path().join(format!("report.{ext}"));
        let out = Command::cargo_bin("nhi")
            .unwrap()
            .arg("scan")
            .arg(&corpus)
            .args(["--format", format, "--fail-on", "never"])
            .arg("--output")
            .arg(&report)
            .arg("--db")
            .arg(&db)
            .arg("--key-file")
            .arg(&key)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "scan failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        written.push((format!("{format} stdout"), out.stdout));
        written.push((format!("{format} stderr"), out.stderr));
        written.push((format!("{format} report"), fs::read(&report).unwrap()));
        // The same format on standard output too (the table differs on a pipe).
        let out = Command::cargo_bin("nhi")
            .unwrap()
            .arg("scan")
            .arg(&corpus)
            .args(["--format", format, "--fail-on", "never", "--no-store"])
            .arg("--key-file")
            .arg(&key)
            .output()
            .unwrap();
        written.push((format!("{format} piped stdout"), out.stdout));
        written.push((format!("{format} piped stderr"), out.stderr));
    }
    // The inventory views over the same store: every identity, credential, sighting and
    // link the scan produced, in every format.
    let query = |args: &[&str]| {
        let out = Command::cargo_bin("nhi")
            .unwrap()
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "nhi {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let mut inventory_json = Vec::new();
    for format in ["table", "json", "jsonl", "csv"] {
        let out = query(&["inventory", "--format", format]);
        if format == "json" {
            inventory_json = out.stdout.clone();
        }
        written.push((format!("inventory {format}"), out.stdout));
        written.push((format!("inventory {format} stderr"), out.stderr));
    }
    for format in ["dot", "json", "opengraph"] {
        let out = query(&["graph", "--format", format]);
        written.push((format!("graph {format}"), out.stdout));
    }
    for format in ["json", "csv"] {
        let out = query(&["findings", "--format", format]);
        written.push((format!("findings {format}"), out.stdout));
    }
    for format in ["html", "md", "json", "csv", "sarif"] {
        let out = query(&["report", "--format", format]);
        written.push((format!("report {format}"), out.stdout));
    }
    let identities: Vec<serde_json::Value> = serde_json::from_slice(&inventory_json).unwrap();
    assert!(
        identities.len() * 10 >= manifest.planted.len() * 5,
        "only {} identities for {} planted secrets",
        identities.len(),
        manifest.planted.len()
    );
    for identity in identities.iter().take(40) {
        let id = identity["id"].as_str().unwrap();
        for format in ["table", "json"] {
            let out = query(&["show", id, "--format", format]);
            written.push((format!("show {id} {format}"), out.stdout));
        }
    }

    for suffix in ["", "-wal", "-shm"] {
        let path = db.with_file_name(format!("store.db{suffix}"));
        if let Ok(bytes) = fs::read(&path) {
            written.push((format!("database{suffix}"), bytes));
        }
    }

    // Non-vacuous: the scan really found the planted secrets and wrote them (redacted).
    let jsonl = &written
        .iter()
        .find(|(name, _)| name == "jsonl report")
        .unwrap()
        .1;
    let finding_lines = jsonl
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(
        finding_lines * 10 >= manifest.planted.len() * 9,
        "only {finding_lines} findings for {} planted secrets",
        manifest.planted.len()
    );
    let stderr = written
        .iter()
        .find(|(name, _)| name == "json stderr")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&stderr.1).contains(".mcp.json"),
        "the malformed config should be named in a warning"
    );

    let mut leaks = Vec::new();
    for planted in &manifest.planted {
        if IDENTIFIER_RULES.contains(&planted.rule_id.as_str()) {
            continue;
        }
        for probe in probes(&planted.secret) {
            for (name, bytes) in &written {
                if memchr::memmem::find(bytes, probe.as_bytes()).is_some() {
                    leaks.push(format!(
                        "{} (planted at {}:{}) leaked into {name}",
                        planted.rule_id, planted.path, planted.line
                    ));
                }
            }
        }
    }
    leaks.dedup();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
