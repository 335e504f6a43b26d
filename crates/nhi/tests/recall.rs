//! Acceptance test for detection: the real `nhi scan` binary against a planted corpus.
//!
//! The corpus (nhi-testkit's `write_corpus`) is a git repository whose final tree holds
//! every rule several times in every carrier (code, .env, notebooks, Kubernetes base64
//! `data:`, MCP configs, workflows, compose, ...), whose history holds secrets the tree
//! no longer has, plus decoys that must stay quiet. A planted secret counts as found when
//! a finding carries HMAC-SHA256(key, canonical secret): the test owns the key file, so
//! it can compute every expected fingerprint itself and never compares raw values.
//!
//! Failure output names rule ids, carriers, paths and lines only: never a secret or a
//! decoy value.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use hmac::{Hmac, Mac};
use nhi_testkit::{
    Carrier, CorpusSpec, KeywordDensity, Manifest, PlantedSecret, RULE_IDS, write_corpus,
};
use serde_json::Value;
use sha2::Sha256;

/// Overall and per-category recall floor.
const MIN_RECALL: f64 = 0.97;
/// Share of decoys that may be reported, exclusive.
const MAX_DECOY_RATE: f64 = 0.02;
/// Share of findings that must be planted secrets.
const MIN_PRECISION: f64 = 0.90;
const GENERIC_RULE: &str = "generic-secret-assignment";

/// Big enough that every carrier gets a dozen-plus plants and the decoy rate has a
/// resolution well under 2%; small enough (2 MB) that a debug-build scan takes seconds.
fn spec() -> CorpusSpec {
    CorpusSpec {
        total_bytes: 2 << 20,
        per_rule: 4,
        decoys: 300,
        git_history: true,
        // NHI_RECALL_SEED explores other corpora; the default keeps CI deterministic.
        seed: std::env::var("NHI_RECALL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x00C0_FFEE_5EED),
        density: KeywordDensity::Dense,
    }
}

/// A fixed key: the test needs the same bytes the binary reads, not a random one.
fn key_bytes() -> [u8; 32] {
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    key
}

fn write_key(path: &Path, key: &[u8; 32]) {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // The CLI refuses a key that group or others can read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).expect("create key file");
    file.write_all(key).expect("write key file");
}

fn fingerprint(key: &[u8; 32], secret: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

struct Sighting {
    path: String,
    line: u64,
    commit: Option<String>,
    source: String,
}

struct Finding {
    rule: String,
    fingerprint: String,
    path: String,
    line: u64,
    commit: Option<String>,
    history_only: bool,
    sightings: Vec<Sighting>,
}

fn text_field(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_string)
}

fn number(value: &Value, field: &str) -> u64 {
    value.get(field).and_then(Value::as_u64).unwrap_or(0)
}

fn parse_findings(report: &Value) -> Vec<Finding> {
    let findings = report
        .get("findings")
        .and_then(Value::as_array)
        .expect("report has a findings array");
    findings
        .iter()
        .map(|f| Finding {
            rule: text_field(f, "rule").expect("finding has a rule"),
            fingerprint: text_field(f, "fingerprint").expect("finding has a fingerprint"),
            path: text_field(f, "path").unwrap_or_default(),
            line: number(f, "line"),
            commit: text_field(f, "commit"),
            history_only: f
                .get("history_only")
                .and_then(Value::as_bool)
                .expect("finding has history_only"),
            sightings: f
                .get("sightings")
                .and_then(Value::as_array)
                .expect("finding has sightings")
                .iter()
                .map(|s| Sighting {
                    path: text_field(s, "path").unwrap_or_default(),
                    line: number(s, "line"),
                    commit: text_field(s, "commit"),
                    source: text_field(s, "source").unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// The carrier groups the acceptance criteria name, each held to the recall floor.
fn category(planted: &PlantedSecret) -> &'static str {
    if planted.history_only {
        return "history-only";
    }
    match planted.carrier {
        Carrier::JupyterNotebook => "notebook",
        Carrier::KubernetesSecret => "kubernetes-base64",
        Carrier::McpJson | Carrier::CursorMcpJson | Carrier::VscodeMcpJson => "mcp-config",
        _ => "other-live",
    }
}
const GATED_CATEGORIES: &[&str] = &[
    "history-only",
    "notebook",
    "kubernetes-base64",
    "mcp-config",
];

#[derive(Default)]
struct Tally {
    planted: usize,
    found: usize,
}

impl Tally {
    fn add(&mut self, found: bool) {
        self.planted += 1;
        self.found += usize::from(found);
    }
    fn recall(&self) -> f64 {
        if self.planted == 0 {
            1.0
        } else {
            self.found as f64 / self.planted as f64
        }
    }
}

fn where_planted(p: &PlantedSecret) -> String {
    let origin = if p.history_only {
        format!(" (history, commit {})", p.commit.as_deref().unwrap_or("?"))
    } else {
        String::new()
    };
    format!(
        "{} in {:?} at {}:{}{origin}",
        p.rule_id, p.carrier, p.path, p.line
    )
}

/// Rule ids of the binary's built-in rule set.
fn builtin_rule_ids() -> Vec<String> {
    let output = assert_cmd::Command::cargo_bin("nhi")
        .expect("nhi binary is built")
        .args(["rules", "--format", "json"])
        .output()
        .expect("run nhi rules");
    assert!(output.status.success(), "nhi rules failed");
    let rules: Value = serde_json::from_slice(&output.stdout).expect("nhi rules prints JSON");
    rules
        .as_array()
        .expect("nhi rules prints an array")
        .iter()
        .filter_map(|r| text_field(r, "id"))
        .collect()
}

/// Runs the real binary; returns the parsed report and, when the exit status is not 0,
/// a description of why (the report's warnings: paths and reasons, never contents).
fn run_scan(corpus: &Path, key: &Path, report: &Path) -> (Value, Option<String>) {
    let started = Instant::now();
    let output = assert_cmd::Command::cargo_bin("nhi")
        .expect("nhi binary is built")
        .arg("scan")
        .arg(corpus)
        .args(["--format", "json", "--output"])
        .arg(report)
        .args(["--no-store", "--key-file"])
        .arg(key)
        .args(["--fail-on", "never", "--quiet"])
        // Nothing from the developer's environment may redirect the store or key.
        .env_remove("NHI_DB")
        .env_remove("NHI_KEY_FILE")
        .output()
        .expect("run nhi scan");
    println!("scan took {:.1?}", started.elapsed());
    let text = std::fs::read_to_string(report).unwrap_or_else(|e| {
        panic!(
            "no report from nhi scan ({e}); exit {:?}, stderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let parsed: Value = serde_json::from_str(&text).expect("report is JSON");
    if output.status.code() == Some(0) {
        return (parsed, None);
    }
    // With --fail-on never only unreadable or malformed input makes the status non-zero:
    // on a generated corpus that is a generator or parser bug either way.
    let warnings = parsed
        .pointer("/summary/warnings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut problem = format!(
        "nhi scan exited with {:?}, 0 expected with --fail-on never; warnings:\n",
        output.status.code()
    );
    for w in &warnings {
        let _ = writeln!(
            problem,
            "  {} [{}] {}",
            text_field(w, "path").unwrap_or_default(),
            text_field(w, "reason").unwrap_or_default(),
            text_field(w, "message").unwrap_or_default()
        );
    }
    let _ = writeln!(
        problem,
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (parsed, Some(problem))
}

#[test]
fn planted_corpus_recall_decoys_and_precision() {
    let dir = tempfile::tempdir().expect("tempdir");
    // NHI_RECALL_DIR keeps the corpus, key and report for a post-mortem (the directory
    // must be missing or empty); by default everything goes away with the tempdir.
    let base = std::env::var_os("NHI_RECALL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&base).expect("create the work directory");
    let corpus = base.join("corpus");
    let key_path = base.join("fingerprint.key");
    // Outside the corpus: the report must not be scanned, nor the manifest's raw values.
    let report_path = base.join("report.json");

    let spec = spec();
    let manifest: Manifest = write_corpus(&corpus, &spec).expect("write corpus");
    println!(
        "corpus: {} bytes, {} files, {} planted ({} history-only), {} decoys, {} commits",
        manifest.total_bytes,
        manifest.file_count,
        manifest.planted.len(),
        manifest.planted.iter().filter(|p| p.history_only).count(),
        manifest.decoys.len(),
        manifest.commits.len()
    );
    let key = key_bytes();
    write_key(&key_path, &key);

    let (report, scan_problem) = run_scan(&corpus, &key_path, &report_path);
    let findings = parse_findings(&report);
    println!("{} findings", findings.len());
    let by_fingerprint: HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();

    let mut failures = String::new();
    if let Some(problem) = scan_problem {
        println!("{problem}");
        failures.push_str(&problem);
    }

    // --- Coverage: the corpus plants every rule the binary knows about ----------------
    let known_rules = builtin_rule_ids();
    for rule in RULE_IDS {
        if !known_rules.iter().any(|id| id == rule) {
            let _ = writeln!(
                failures,
                "testkit rule id {rule} is not a built-in rule of `nhi rules`"
            );
        }
        let live = manifest.live().filter(|p| p.rule_id == *rule).count();
        if live < spec.per_rule {
            let _ = writeln!(
                failures,
                "{rule} planted {live} times in the final tree, {} asked",
                spec.per_rule
            );
        }
    }

    // --- Recall ----------------------------------------------------------------------
    let expected: Vec<(&PlantedSecret, String)> = manifest
        .planted
        .iter()
        .map(|p| (p, fingerprint(&key, &p.secret)))
        .collect();
    let mut overall = Tally::default();
    let mut per_rule: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut per_carrier: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_category: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut missed: Vec<&PlantedSecret> = Vec::new();
    let mut history_problems: Vec<String> = Vec::new();
    let mut misplaced: Vec<String> = Vec::new();
    let mut other_rule: Vec<String> = Vec::new();
    for (planted, fp) in &expected {
        let finding = by_fingerprint.get(fp.as_str()).copied();
        let found = finding.is_some();
        overall.add(found);
        per_rule.entry(&planted.rule_id).or_default().add(found);
        let carrier = format!(
            "{:?}{}",
            planted.carrier,
            if planted.history_only {
                " (history)"
            } else {
                ""
            }
        );
        per_carrier.entry(carrier).or_default().add(found);
        per_category
            .entry(category(planted))
            .or_default()
            .add(found);
        let Some(finding) = finding else {
            missed.push(planted);
            continue;
        };
        if !finding
            .sightings
            .iter()
            .any(|s| s.path == planted.path && s.line == planted.line as u64)
        {
            misplaced.push(where_planted(planted));
        }
        if finding.rule != planted.rule_id {
            other_rule.push(format!(
                "{} reported as {}",
                where_planted(planted),
                finding.rule
            ));
        }
        if planted.history_only {
            if !finding.history_only {
                history_problems.push(format!(
                    "{}: reported with history_only = false",
                    where_planted(planted)
                ));
            }
            match (&finding.commit, &planted.commit) {
                (None, _) => history_problems.push(format!(
                    "{}: reported without a commit",
                    where_planted(planted)
                )),
                (Some(got), Some(want)) if got != want => history_problems.push(format!(
                    "{}: reported with first commit {got}, planted in {want}",
                    where_planted(planted)
                )),
                _ => {}
            }
            if !finding
                .sightings
                .iter()
                .any(|s| s.commit.is_some() && s.path == planted.path)
            {
                history_problems.push(format!(
                    "{}: no sighting at the planted path carries a commit",
                    where_planted(planted)
                ));
            }
        } else if finding.history_only {
            history_problems.push(format!(
                "{}: live secret reported as history_only",
                where_planted(planted)
            ));
        }
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "recall overall: {}/{} = {:.3}",
        overall.found,
        overall.planted,
        overall.recall()
    );
    let _ = writeln!(table, "recall per category:");
    for (name, tally) in &per_category {
        let _ = writeln!(
            table,
            "  {name:<20} {:>4}/{:<4} {:.3}",
            tally.found,
            tally.planted,
            tally.recall()
        );
    }
    let _ = writeln!(table, "recall per carrier:");
    for (name, tally) in &per_carrier {
        let _ = writeln!(
            table,
            "  {name:<28} {:>4}/{:<4} {:.3}",
            tally.found,
            tally.planted,
            tally.recall()
        );
    }
    let _ = writeln!(table, "recall per rule:");
    for (rule, tally) in &per_rule {
        let flag = if tally.found < tally.planted {
            "  <- missed"
        } else {
            ""
        };
        let _ = writeln!(
            table,
            "  {rule:<34} {:>3}/{:<3}{flag}",
            tally.found, tally.planted
        );
    }
    let _ = writeln!(table, "missed plants (rule, carrier, path:line):");
    for planted in &missed {
        let _ = writeln!(table, "  {}", where_planted(planted));
    }
    println!("{table}");
    // Informational: recall is by fingerprint, so a secret caught by a weaker rule
    // (the generic one) still counts, but the rule ought to be the planted one.
    // The decoy check below matches sightings by path and line; this shows that
    // convention holds for the plants (a pair's sighting may sit on its key-id line).
    println!(
        "found plants without a sighting at their planted path:line: {}",
        misplaced.len()
    );
    for line in &misplaced {
        println!("  {line}");
    }
    println!("found under another rule: {}", other_rule.len());
    for line in &other_rule {
        println!("  {line}");
    }

    if overall.recall() < MIN_RECALL {
        let _ = writeln!(
            failures,
            "overall recall {:.3} < {MIN_RECALL}",
            overall.recall()
        );
    }
    for name in GATED_CATEGORIES {
        match per_category.get(name) {
            None => {
                let _ = writeln!(
                    failures,
                    "no plants in category {name}: the corpus lost a carrier"
                );
            }
            Some(tally) if tally.recall() < MIN_RECALL => {
                let _ = writeln!(
                    failures,
                    "{name} recall {}/{} = {:.3} < {MIN_RECALL}",
                    tally.found,
                    tally.planted,
                    tally.recall()
                );
            }
            Some(_) => {}
        }
    }
    if !history_problems.is_empty() {
        let _ = writeln!(failures, "history-only plants reported wrongly:");
        for problem in &history_problems {
            let _ = writeln!(failures, "  {problem}");
        }
    }
    if !failures.is_empty() {
        let _ = write!(failures, "\n{table}");
    }

    // --- Decoys ----------------------------------------------------------------------
    let mut hit_decoys = Vec::new();
    for decoy in &manifest.decoys {
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.sightings
                    .iter()
                    .any(|s| s.path == decoy.path && s.line == decoy.line as u64)
            })
            .collect();
        if !hits.is_empty() {
            hit_decoys.push((decoy, hits));
        }
    }
    let decoy_rate = hit_decoys.len() as f64 / manifest.decoys.len().max(1) as f64;
    let mut decoy_table = format!(
        "decoys reported: {}/{} = {:.3}\n",
        hit_decoys.len(),
        manifest.decoys.len(),
        decoy_rate
    );
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for (decoy, hits) in &hit_decoys {
        *by_reason.entry(format!("{:?}", decoy.reason)).or_default() += 1;
        let rules: Vec<&str> = hits.iter().map(|f| f.rule.as_str()).collect();
        let _ = writeln!(
            decoy_table,
            "  {:?} at {}:{} reported by {}",
            decoy.reason,
            decoy.path,
            decoy.line,
            rules.join(", ")
        );
    }
    for (reason, count) in &by_reason {
        let _ = writeln!(decoy_table, "  reason {reason}: {count}");
    }
    println!("{decoy_table}");
    if manifest.decoys.is_empty() {
        let _ = writeln!(failures, "the corpus has no decoys");
    }
    if decoy_rate >= MAX_DECOY_RATE {
        let _ = writeln!(
            failures,
            "decoy rate {decoy_rate:.3} >= {MAX_DECOY_RATE}\n{decoy_table}"
        );
    }

    // --- Precision -------------------------------------------------------------------
    let planted_fingerprints: HashMap<&str, &PlantedSecret> =
        expected.iter().map(|(p, fp)| (fp.as_str(), *p)).collect();
    let unplanted: Vec<&Finding> = findings
        .iter()
        .filter(|f| !planted_fingerprints.contains_key(f.fingerprint.as_str()))
        .collect();
    let precision = if findings.is_empty() {
        0.0
    } else {
        1.0 - unplanted.len() as f64 / findings.len() as f64
    };
    let generic_total = findings.iter().filter(|f| f.rule == GENERIC_RULE).count();
    let generic_unplanted = unplanted.iter().filter(|f| f.rule == GENERIC_RULE).count();
    let mut precision_table = format!(
        "precision: {}/{} findings are planted secrets = {:.3}\n\
         {GENERIC_RULE} findings: {generic_total} ({generic_unplanted} not planted)\n",
        findings.len() - unplanted.len(),
        findings.len(),
        precision
    );
    let mut unplanted_by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &unplanted {
        *unplanted_by_rule.entry(&finding.rule).or_default() += 1;
    }
    for (rule, count) in &unplanted_by_rule {
        let _ = writeln!(precision_table, "  unplanted {rule}: {count}");
    }
    for finding in &unplanted {
        let source = finding
            .sightings
            .first()
            .map(|s| s.source.as_str())
            .unwrap_or("?");
        let _ = writeln!(
            precision_table,
            "  {} at {}:{} ({source}{})",
            finding.rule,
            finding.path,
            finding.line,
            if finding.history_only {
                ", history only"
            } else {
                ""
            }
        );
    }
    println!("{precision_table}");
    if precision < MIN_PRECISION {
        let _ = writeln!(
            failures,
            "precision {precision:.3} < {MIN_PRECISION}\n{precision_table}"
        );
    }

    assert!(
        failures.is_empty(),
        "detection acceptance failed:\n{failures}"
    );
}
