//! `nhi scan` and `nhi rules`.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use nhi_fingerprint::{FingerprintKey, Fingerprinter};
use nhi_model::SkipReason;
use nhi_report::{Format, RenderOptions, Report, RuleMeta};
use nhi_rules::RuleSet;
use nhi_scan::{ScanOptions, Suppressions};

use crate::cli::{FailOn, OutputFormat, RulesArgs, ScanArgs};
use crate::exit;
use crate::progress::Progress;

/// Name of the per-root suppression file read automatically.
const ROOT_SUPPRESSIONS: &str = ".nhi-suppressions.toml";

/// How many warnings are printed one per line before the rest are only counted.
const WARNINGS_SHOWN: usize = 20;

pub fn run(args: &ScanArgs) -> Result<u8> {
    let (output, rules) = scan_and_record(args, None)?;

    let rule_meta = rule_meta(&rules);
    let report = Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        summary: &output.summary,
        findings: &output.findings,
        consumers: &output.consumers,
        rules: &rule_meta,
    };
    write_report(&report, args.format, args.output.as_deref())?;

    if !args.quiet {
        print_warnings(&output.summary);
        if !output.exports.is_empty() {
            eprintln!(
                "nhi: read {} platform exports ({} identities, {} platform credentials){}",
                output.exports.len(),
                output.inventory.identities.len(),
                output.inventory.credentials.len(),
                if args.no_store {
                    ""
                } else {
                    "; `nhi inventory` lists them with the credentials found in code"
                }
            );
        }
    }
    let code = exit_code(args.fail_on, &output);
    // The process ends here: freeing every finding, sighting and consumer, and the
    // compiled rules with each thread's regex caches, one allocation at a time is work
    // nobody waits for (a few milliseconds of a large scan's serial tail). Nothing in
    // them is secret: fingerprints and redacted previews only.
    std::mem::forget(output);
    std::mem::forget(rules);
    Ok(code)
}

/// Scans `args.paths` and records the scan in one transaction: in `store` when given
/// (a `nhi serve` job hands over its own connection), else in the store `--db` names,
/// unless `--no-store`.
pub(crate) fn scan_and_record(
    args: &ScanArgs,
    store: Option<&mut dyn nhi_store::InventoryStore>,
) -> Result<(nhi_scan::ScanOutput, RuleSet)> {
    let rules = load_rules(args.rules.as_deref())?;
    let key_path = match &args.key_file {
        Some(path) => path.clone(),
        None => FingerprintKey::default_path()
            .context("cannot find a place for the fingerprint key: set NHI_KEY_FILE or HOME")?,
    };
    let key = FingerprintKey::load_or_create(&key_path)?;
    let fingerprinter = Fingerprinter::new(&key);
    let suppressions = load_suppressions(args)?;

    let options = ScanOptions {
        roots: args.paths.clone(),
        max_file_size: args.max_file_size,
        respect_gitignore: args.respect_gitignore,
        history: !args.no_history,
        threads: args.threads,
    };
    let started_at = jiff::Timestamp::now();
    let progress = Progress::new(args.quiet, args.output.is_some());
    let exports = nhi_ingest::Exports::default();
    let output = nhi_scan::scan_with_exports(
        &options,
        &rules,
        &fingerprinter,
        &suppressions,
        &progress,
        Some(&exports),
    );
    progress.finish();
    let output = output?;
    let finished_at = jiff::Timestamp::now();

    if !args.no_store || store.is_some() {
        let roots = output.summary.roots.clone();
        let codeowners = read_codeowners(&args.paths, &roots);
        let record = nhi_store::ScanRecord {
            started_at,
            finished_at,
            roots: &roots,
            summary: &output.summary,
            credentials: &output.credentials,
            findings: &output.findings,
            consumers: &output.consumers,
            inventory: Some(&output.inventory),
            codeowners: &codeowners,
        };
        match store {
            Some(store) => {
                store
                    .record_scan(&record)
                    .context("cannot record the scan")?;
            }
            None => {
                let location = crate::store::StoreLocation::from_arg(args.db.as_deref())?;
                location.open()?.record_scan(&record).with_context(|| {
                    format!("cannot record the scan in {}", location.describe())
                })?;
            }
        }
    }
    Ok((output, rules))
}

/// Where GitHub and GitLab look for CODEOWNERS, in their order of precedence.
const CODEOWNERS_PLACES: [&str; 4] = [
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// Each root's CODEOWNERS text (None when it has none), keyed by the root as recorded.
fn read_codeowners(
    paths: &[std::path::PathBuf],
    roots: &[String],
) -> Vec<(String, Option<String>)> {
    paths
        .iter()
        .zip(roots)
        .map(|(path, root)| {
            let text = CODEOWNERS_PLACES
                .iter()
                .map(|place| path.join(place))
                .filter(|candidate| candidate.is_file())
                // CODEOWNERS is small; a huge one is not a CODEOWNERS file.
                .filter(|candidate| candidate.metadata().is_ok_and(|m| m.len() <= 1024 * 1024))
                .find_map(|candidate| std::fs::read_to_string(candidate).ok());
            (root.clone(), text)
        })
        .collect()
}

fn exit_code(fail_on: FailOn, output: &nhi_scan::ScanOutput) -> u8 {
    if let Some(threshold) = fail_on.threshold()
        && output.findings.iter().any(|f| f.severity >= threshold)
    {
        return exit::FINDINGS;
    }
    // Binaries, oversized files and suppressions are policy, not input errors.
    let input_errors = output.summary.warnings.iter().any(|w| {
        !matches!(
            w.reason,
            SkipReason::Binary
                | SkipReason::TooLarge
                | SkipReason::Suppressed
                | SkipReason::OutsideRoot
        )
    });
    if input_errors {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    }
}

fn load_rules(path: Option<&Path>) -> Result<RuleSet> {
    match path {
        None => Ok(RuleSet::builtin()?),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read rules file {}", path.display()))?;
            RuleSet::from_toml(&text).with_context(|| format!("rules file {}", path.display()))
        }
    }
}

fn load_suppressions(args: &ScanArgs) -> Result<Suppressions> {
    let today = jiff::Zoned::now().date();
    let mut all = Suppressions::empty();
    for path in &args.suppressions {
        all.extend(Suppressions::load(path, today)?);
    }
    for root in &args.paths {
        let candidate = root.join(ROOT_SUPPRESSIONS);
        if root.is_dir() && candidate.is_file() {
            all.extend(Suppressions::load(&candidate, today)?);
        }
    }
    if !args.quiet {
        for expired in all.expired() {
            eprintln!(
                "nhi: warning: suppression expired on {} and no longer applies ({}): {}",
                expired.expires, expired.source, expired.reason
            );
        }
    }
    Ok(all)
}

fn rule_meta(rules: &RuleSet) -> Vec<RuleMeta> {
    rules
        .rules()
        .iter()
        .map(|r| RuleMeta {
            id: r.id.clone(),
            title: r.title.clone(),
            severity: r.severity,
            owasp: r.owasp,
            fix: r.fix.clone(),
            provider: r.provider,
            kind: r.kind,
        })
        .collect()
}

fn report_format(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Table => Format::Table,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Md => Format::Markdown,
    }
}

fn write_report(report: &Report<'_>, format: OutputFormat, output: Option<&Path>) -> Result<()> {
    let format = report_format(format);
    match output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot write report to {}", path.display()))?;
            let mut out = BufWriter::new(file);
            nhi_report::render(report, format, &mut out)?;
            out.flush()?;
        }
        None => {
            let options = RenderOptions {
                color: std::io::stdout().is_terminal(),
                width: None,
            };
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            nhi_report::render_with(report, format, &options, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn print_warnings(summary: &nhi_model::ScanSummary) {
    let shown: Vec<_> = summary
        .warnings
        .iter()
        .filter(|w| w.reason != SkipReason::Binary)
        .collect();
    for w in shown.iter().take(WARNINGS_SHOWN) {
        match &w.position {
            Some(pos) => eprintln!(
                "nhi: warning: {}: {pos}: {} [{}]",
                w.path, w.message, w.reason
            ),
            None => eprintln!("nhi: warning: {}: {} [{}]", w.path, w.message, w.reason),
        }
    }
    if shown.len() > WARNINGS_SHOWN {
        eprintln!(
            "nhi: warning: … and {} more (see the report's warnings)",
            shown.len() - WARNINGS_SHOWN
        );
    }
}

pub fn list_rules(args: &RulesArgs) -> Result<u8> {
    let rules = load_rules(args.rules.as_deref())?;
    let meta = rule_meta(&rules);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = meta
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "title": r.title, "severity": r.severity,
                        "provider": r.provider, "kind": r.kind, "owasp": r.owasp, "fix": r.fix,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            for r in &meta {
                writeln!(
                    out,
                    "{:<34} {:<9} {:<13} {:<6} {}",
                    r.id, r.severity, r.provider, r.owasp, r.title
                )?;
            }
            writeln!(out, "{} rules", meta.len())?;
        }
        other => bail!("`nhi rules` prints table or json, not {other:?}"),
    }
    Ok(exit::CLEAN)
}
