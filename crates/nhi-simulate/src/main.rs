//! `nhi-simulate`: writes a labelled synthetic CloudTrail data set to a directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use nhi_simulate::{Config, OutputFormat, write_dataset};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// CloudTrail S3 delivery files under AWSLogs/
    Records,
    /// One cloudtrail.ndjson file
    Ndjson,
}

/// Generate seeded, labelled synthetic CloudTrail for evaluating detectors.
#[derive(Debug, Parser)]
#[command(name = "nhi-simulate", version)]
struct Args {
    /// Seed: the same seed always gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Days to simulate; the first half (at most 14 days) carries no episode.
    #[arg(long, default_value_t = nhi_simulate::generate::DEFAULT_DAYS)]
    days: u32,
    /// Multiplies the number of routine identities, for throughput runs.
    #[arg(long, default_value_t = 1)]
    scale: u32,
    #[arg(long, value_enum, default_value_t = Format::Records)]
    format: Format,
    /// Compress output files with gzip, as CloudTrail delivers them.
    #[arg(long)]
    gzip: bool,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        seed: args.seed,
        days: args.days,
        scale: args.scale,
    };
    let format = match args.format {
        Format::Records => OutputFormat::Records,
        Format::Ndjson => OutputFormat::Ndjson,
    };
    let started = Instant::now();
    match write_dataset(&config, format, args.gzip, &args.out) {
        Ok(summary) => {
            let seconds = started.elapsed().as_secs_f64();
            let events = summary.labels.event_count;
            eprintln!(
                "wrote {events} events ({} episodes) in {} files, {:.1} MB uncompressed, in {seconds:.2}s ({:.0} events/s) to {}",
                summary.labels.episodes.len(),
                summary.stats.files,
                summary.stats.bytes as f64 / 1e6,
                events as f64 / seconds.max(1e-9),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("nhi-simulate: {err}");
            ExitCode::FAILURE
        }
    }
}
