//! nhi-corpus: writes a planted corpus and its manifest.
//!
//! nhi-corpus --out DIR --manifest FILE --size-mb N --seed S [--history]
//!            [--per-rule K] [--decoys D] [--density dense|typical|N]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nhi_testkit::{CorpusSpec, KeywordDensity, verify_manifest, write_corpus};

const USAGE: &str = "usage: nhi-corpus --out DIR --manifest FILE [--size-mb N] [--seed S] \
[--history] [--per-rule K] [--decoys D] [--density dense|typical|N]
       nhi-corpus --sample RULE[,RULE...] [--seed S]

Writes a corpus of about N MB (default 10) into DIR (which must be missing or empty) with
every rule planted K times (default 3) and D decoys (default 100). --history makes DIR a
git repository whose history also holds removed and rotated secrets. The manifest (JSON)
lists every planted secret in clear text and must live outside DIR.

--density sets how often the padding code names tokens, keys, secrets and passwords:
`dense` (default) in every block, a stress test of about 10,000 keyword occurrences per
MB; `typical` in about 2.5% of blocks, about 500 per MB like the densest real tree
measured; or N secret-naming blocks in every 1000 (0 to 1000).

--sample prints one fake secret per rule (`all` for every rule) as JSON lines, for
pasting into fixtures.";

enum Command {
    Corpus(Args),
    Sample { rules: Vec<String>, seed: u64 },
}

struct Args {
    out: PathBuf,
    manifest: PathBuf,
    spec: CorpusSpec,
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: `{value}` is not a valid number"))
}

fn parse_density(value: Option<String>) -> Result<KeywordDensity, String> {
    match value.as_deref() {
        Some("dense") => Ok(KeywordDensity::Dense),
        Some("typical") => Ok(KeywordDensity::TYPICAL),
        Some(share) => match share.parse::<u32>() {
            Ok(per_mille) if per_mille <= 1000 => Ok(KeywordDensity::Mixed {
                secret_blocks_per_mille: per_mille,
            }),
            _ => Err(format!(
                "--density: `{share}` is not dense, typical or a number of blocks per 1000"
            )),
        },
        None => Err("--density needs a value".to_string()),
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut sample = None;
    let mut out = None;
    let mut manifest = None;
    let mut size_mb = 10.0f64;
    let mut spec = CorpusSpec {
        total_bytes: 0,
        per_rule: 3,
        decoys: 100,
        git_history: false,
        seed: 0,
        density: KeywordDensity::Dense,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--manifest" => manifest = args.next().map(PathBuf::from),
            "--size-mb" => size_mb = parse_number("--size-mb", args.next())?,
            "--seed" => spec.seed = parse_number("--seed", args.next())?,
            "--per-rule" => spec.per_rule = parse_number("--per-rule", args.next())?,
            "--decoys" => spec.decoys = parse_number("--decoys", args.next())?,
            "--history" => spec.git_history = true,
            "--density" => spec.density = parse_density(args.next())?,
            "--sample" => sample = args.next(),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !(size_mb.is_finite() && size_mb >= 0.0) {
        return Err("--size-mb must be a non-negative number".to_string());
    }
    spec.total_bytes = (size_mb * 1024.0 * 1024.0) as u64;
    if let Some(list) = sample {
        let rules = if list == "all" {
            nhi_testkit::RULE_IDS
                .iter()
                .map(|r| r.to_string())
                .collect()
        } else {
            list.split(',').map(str::to_string).collect()
        };
        return Ok(Command::Sample {
            rules,
            seed: spec.seed,
        });
    }
    let out = out.ok_or("--out is required")?;
    let manifest = manifest.ok_or("--manifest is required")?;
    Ok(Command::Corpus(Args {
        out,
        manifest,
        spec,
    }))
}

/// True when `inner` is `outer` or below it, comparing absolute paths.
fn is_within(inner: &Path, outer: &Path) -> bool {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    absolute(inner).starts_with(absolute(outer))
}

fn run(args: Args) -> Result<(), String> {
    if is_within(&args.manifest, &args.out) {
        return Err(format!(
            "the manifest {} must not be inside the corpus {}: it holds every planted secret",
            args.manifest.display(),
            args.out.display()
        ));
    }
    let manifest = write_corpus(&args.out, &args.spec).map_err(|e| e.to_string())?;
    verify_manifest(&args.out, &manifest).map_err(|e| format!("self-check failed: {e}"))?;
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&args.manifest, json)
        .map_err(|e| format!("{}: {e}", args.manifest.display()))?;
    let history_only = manifest.planted.iter().filter(|p| p.history_only).count();
    eprintln!(
        "wrote {} files, {} bytes, {} planted secrets ({} history-only), {} decoys, {} commits",
        manifest.file_count,
        manifest.total_bytes,
        manifest.planted.len(),
        history_only,
        manifest.decoys.len(),
        manifest.commits.len()
    );
    Ok(())
}

fn sample(rules: &[String], seed: u64) -> Result<(), String> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for rule in rules {
        let secret = nhi_testkit::fake_secret(rule, &mut rng)
            .ok_or_else(|| format!("unknown rule id `{rule}`"))?;
        let companions: Vec<serde_json::Value> = secret
            .companions
            .iter()
            .map(|c| serde_json::json!({"var": c.var_name, "value": c.value.as_str()}))
            .collect();
        let line = serde_json::json!({
            "rule": rule,
            "var": secret.var_name,
            "value": secret.value.as_str(),
            "canonical": secret.canonical.as_str(),
            "companions": companions,
        });
        println!("{line}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Err(message) => {
            if !message.is_empty() {
                eprintln!("nhi-corpus: {message}");
            }
            eprintln!("{USAGE}");
            if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
        Ok(command) => match match command {
            Command::Corpus(args) => run(args),
            Command::Sample { rules, seed } => sample(&rules, seed),
        } {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("nhi-corpus: {message}");
                ExitCode::FAILURE
            }
        },
    }
}
