//! `nhi findings`: what discovery found (secrets in code, from the store) and what the
//! inventory shows (`nhi_assess`), in one list with OWASP IDs and compliance references.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use nhi_model::{OwaspNhi, Severity};

use crate::cli::{FindingsAction, FindingsArgs, InventoryOutput};
use crate::exit;
use crate::inventory_cmd::{load_graph, open_store};

pub(crate) use nhi_analysis::FindingRow as Row;

pub fn findings(args: &FindingsArgs) -> Result<u8> {
    match &args.action {
        Some(FindingsAction::Suppress {
            id,
            reason,
            expires,
            db,
        }) => return suppress(id, reason, expires, db.as_deref()),
        Some(FindingsAction::Unsuppress { id, db }) => {
            let mut store = open_store(db.as_deref())?;
            if store.unsuppress_finding(id)? {
                eprintln!("nhi: {id} is no longer suppressed");
                return Ok(exit::CLEAN);
            }
            anyhow::bail!("{id} was not suppressed");
        }
        None => {}
    }
    let (mut rows, input_problems) = if args.inputs.is_empty() {
        (collect_rows(&args.store, args.include_suppressed)?, 0)
    } else {
        rows_of_exports(args)?
    };
    let owasp = args
        .owasp
        .as_deref()
        .map(|o| o.to_ascii_uppercase().parse::<OwaspNhi>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--owasp: {e}"))?;
    let min_severity = args
        .min_severity
        .as_deref()
        .map(|s| s.parse::<Severity>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--min-severity: {e}"))?;
    rows.retain(|r| {
        owasp.is_none_or(|o| r.owasp == o)
            && min_severity.is_none_or(|s| r.severity >= s)
            && args.rule.as_deref().is_none_or(|rule| r.rule == rule)
    });
    rows.sort_by(|a, b| {
        (b.severity, a.owasp, &a.rule, &a.subject).cmp(&(a.severity, b.owasp, &b.rule, &b.subject))
    });

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        InventoryOutput::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        InventoryOutput::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                writeln!(out)?;
            }
        }
        InventoryOutput::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record([
                "id", "source", "severity", "owasp", "rule", "subject", "evidence", "fix",
            ])?;
            for row in &rows {
                csv.write_record([
                    row.id.as_str(),
                    row.source,
                    row.severity.as_str(),
                    row.owasp.as_str(),
                    row.rule.as_str(),
                    row.subject.as_str(),
                    &row.evidence.join("; "),
                    row.fix.as_str(),
                ])?;
            }
            csv.flush()?;
        }
        InventoryOutput::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING);
            table.set_header(["SEVERITY", "OWASP", "RULE", "SUBJECT", "EVIDENCE"]);
            for row in &rows {
                table.add_row([
                    row.severity.as_str().to_string(),
                    row.owasp.as_str().to_string(),
                    row.rule.clone(),
                    row.subject_name.clone(),
                    row.evidence.first().cloned().unwrap_or_default(),
                ]);
            }
            writeln!(out, "{table}")?;
            let mut by_risk: BTreeMap<OwaspNhi, usize> = BTreeMap::new();
            for row in &rows {
                *by_risk.entry(row.owasp).or_default() += 1;
            }
            writeln!(
                out,
                "\n{} findings; by OWASP NHI risk: {}",
                rows.len(),
                by_risk
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    out.flush()?;
    Ok(if input_problems > 0 {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    })
}

/// `--input`: the export files assessed in memory, the store left alone. Returns the
/// rows and how many files failed or warned.
fn rows_of_exports(args: &FindingsArgs) -> Result<(Vec<Row>, usize)> {
    let policy = load_policy(args.store.policy.as_deref())?;
    let environments = crate::inventory_cmd::environment_rules(&args.store)?;
    let (inventory, problems) = crate::inventory_cmd::inventory_of_exports(&args.inputs, false)?;
    if problems > 0 {
        eprintln!("nhi: {problems} problem(s) reading the input files (above); assessed the rest");
    }
    let graph = nhi_graph::correlate(
        inventory,
        nhi_graph::CodeInventory::default(),
        &nhi_graph::CorrelateOptions {
            environments,
            codeowners: BTreeMap::new(),
        },
    );
    let assessed =
        nhi_assess::assess_with_activity(&graph, &policy, jiff::Timestamp::now(), &BTreeMap::new());
    Ok((nhi_analysis::inventory_finding_rows(assessed), problems))
}

/// `--policy FILE`, else `./nhi.toml` when present, else the defaults.
pub fn load_policy(path: Option<&Path>) -> Result<nhi_policy::Policy> {
    let (label, text) = match path {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None if Path::new("nhi.toml").is_file() => (
            "nhi.toml".to_string(),
            std::fs::read_to_string("nhi.toml").context("cannot read nhi.toml")?,
        ),
        None => return Ok(nhi_policy::Policy::default()),
    };
    Ok(nhi_policy::Policy::from_toml(&label, &text)?)
}

fn suppress(id: &str, reason: &str, expires: &str, db: Option<&Path>) -> Result<u8> {
    if reason.trim().is_empty() {
        anyhow::bail!("--reason must say why the finding is acceptable");
    }
    let expires: jiff::civil::Date = expires
        .parse()
        .with_context(|| format!("--expires {expires:?} is not a date (YYYY-MM-DD)"))?;
    let today = jiff::Zoned::now().date();
    if expires < today {
        anyhow::bail!("--expires {expires} is in the past");
    }
    // A suppression is a decision to revisit, not a way to forget.
    let limit = today.checked_add(jiff::Span::new().years(1))?;
    if expires > limit {
        anyhow::bail!("--expires {expires} is more than a year ahead (latest {limit})");
    }
    let mut store = open_store(db)?;
    store.suppress_finding(&nhi_store::FindingSuppression {
        finding_id: id.to_string(),
        reason: reason.trim().to_string(),
        expires,
        created_at: jiff::Timestamp::now(),
    })?;
    eprintln!("nhi: {id} suppressed until {expires}");
    Ok(exit::CLEAN)
}

/// Every finding, scan and inventory, with its suppression status; suppressed ones only
/// when asked for.
pub(crate) fn collect_rows(
    store_args: &crate::cli::StoreArgs,
    include_suppressed: bool,
) -> Result<Vec<Row>> {
    let policy = load_policy(store_args.policy.as_deref())?;
    let graph = load_graph(store_args)?;
    let activity = crate::monitor_cmd::observed_activity(store_args)?;
    let assessed =
        nhi_assess::assess_with_activity(&graph, &policy, jiff::Timestamp::now(), &activity);
    rows_of(assessed, store_args, include_suppressed)
}

/// [`collect_rows`] for a caller that has already loaded and assessed the graph.
pub(crate) fn rows_of(
    assessed: Vec<nhi_assess::InventoryFinding>,
    store_args: &crate::cli::StoreArgs,
    include_suppressed: bool,
) -> Result<Vec<Row>> {
    let store = open_store(store_args.db.as_deref())?;
    Ok(nhi_analysis::finding_rows(
        assessed,
        &*store,
        jiff::Zoned::now().date(),
        include_suppressed,
    )?)
}
