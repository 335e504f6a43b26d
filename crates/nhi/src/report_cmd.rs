//! `nhi report`: the assessment report (executive summary, AI integrations, identity
//! cards, findings, compliance matrix) as HTML, Markdown, JSON, CSV or SARIF.

use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use nhi_report::AssessmentFormat;

use crate::cli::{ReportArgs, ReportOutput};
use crate::exit;
use crate::findings_cmd::load_policy;
use crate::inventory_cmd::{environment_rules, open_store};

pub fn report(args: &ReportArgs) -> Result<u8> {
    let policy = load_policy(args.store.policy.as_deref())?;
    let activity = crate::monitor_cmd::observed_activity(&args.store)?;
    let store = open_store(args.store.db.as_deref())?;
    let now = jiff::Timestamp::now();
    // The graph is loaded and assessed once; the rows add the scan's stored findings.
    let analysis = nhi_analysis::analyse(
        &*store,
        nhi_analysis::AnalysisInputs {
            policy: &policy,
            environments: environment_rules(&args.store)?,
            activity: &activity,
            now,
            today: jiff::Zoned::now().date(),
        },
    )?;
    let format = match args.format {
        ReportOutput::Html => AssessmentFormat::Html,
        ReportOutput::Md => AssessmentFormat::Markdown,
        ReportOutput::Json => AssessmentFormat::Json,
        ReportOutput::Csv => AssessmentFormat::Csv,
        ReportOutput::Sarif => AssessmentFormat::Sarif,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    nhi_analysis::report::render(&analysis, &policy, format, &mut *out)?;
    out.flush()?;
    Ok(exit::CLEAN)
}
