//! A seeded generator of labelled synthetic CloudTrail, the evaluation data set for
//! nhi's monitoring detectors.
//!
//! An estate of non-human identities (AI agents, CI roles, Lambda and EC2 roles,
//! key-holding IAM users) works by stable habits for a learning period; afterwards
//! attacks and benign novelties are injected as labelled episodes. The same seed
//! always gives the same bytes.

pub mod api;
pub mod episodes;
pub mod estate;
pub mod generate;
pub mod ids;
pub mod labels;
pub mod output;
pub mod record;
pub mod sessions;
pub mod stamp;

use std::fs;
use std::path::Path;

pub use generate::{Config, SimulateError, generate};
pub use labels::{Episode, EpisodeKind, IdentityLabel, Labels};
pub use output::{CloudTrailFiles, EventSink, MemorySink, NdjsonFile, WriteStats};
pub use record::Record;

/// How records are laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// CloudTrail's S3 delivery layout: `AWSLogs/.../*.json` files of `{"Records":[...]}`.
    Records,
    /// One `cloudtrail.ndjson` file, one record per line.
    Ndjson,
}

pub const LABELS_FILE: &str = "labels.json";

/// What [`write_dataset`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub labels: Labels,
    pub stats: WriteStats,
}

/// Generates the data set into `out`: the records in `format`, and `labels.json`.
pub fn write_dataset(
    config: &Config,
    format: OutputFormat,
    gzip: bool,
    out: &Path,
) -> Result<Summary, SimulateError> {
    fs::create_dir_all(out)?;
    let (labels, stats) = match format {
        OutputFormat::Records => {
            let mut sink = CloudTrailFiles::new(out, gzip, config.seed);
            let labels = generate(config, &mut sink)?;
            (labels, sink.stats)
        }
        OutputFormat::Ndjson => {
            let name = if gzip {
                "cloudtrail.ndjson.gz"
            } else {
                "cloudtrail.ndjson"
            };
            let mut sink = NdjsonFile::create(&out.join(name), gzip)?;
            let labels = generate(config, &mut sink)?;
            (labels, sink.stats)
        }
    };
    let mut text = serde_json::to_vec_pretty(&labels).map_err(std::io::Error::other)?;
    text.push(b'\n');
    fs::write(out.join(LABELS_FILE), text)?;
    Ok(Summary { labels, stats })
}
