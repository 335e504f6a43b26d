//! The scan pipeline: walk the working tree and git history, decode what hides secrets,
//! run the detection rules and the config parsers, apply suppressions, and aggregate
//! everything into credentials, findings and consumers.
//!
//! Raw secrets live only inside this crate's per-file work: each detection is turned
//! into a keyed fingerprint and a redacted preview right where it is found, and the
//! secret itself (a `Zeroizing` string) is dropped before the result leaves the thread.

mod aggregate;
mod consumers;
mod content;
mod decode;
mod history;
mod suppress;
mod walk;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use nhi_fingerprint::Fingerprinter;
use nhi_model::{
    Consumer, Credential, Finding, Preview, ScanSummary, Sighting, SkipReason, Warning,
};
use nhi_rules::RuleSet;

pub use suppress::{Suppression, SuppressionError, Suppressions};

/// Files larger than this are skipped unless `--max-file-size` says otherwise. Secrets
/// live in source and config files; multi-megabyte files are data, logs or bundles.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    pub max_file_size: u64,
    /// Honour `.gitignore` and friends. Off by default: ignored `.env` files are exactly
    /// where forgotten keys live.
    pub respect_gitignore: bool,
    /// Walk the git history of every repository found under the roots.
    pub history: bool,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            roots: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            respect_gitignore: false,
            history: true,
            threads: None,
        }
    }
}

/// Reads platform exports (GAAD, credential reports, Graph, kubectl, ...) met among the
/// scanned files. The scan only asks; which formats exist is the reader's business, so
/// this crate does not depend on every provider's parser.
pub trait ExportReader: Sync {
    /// Cheap check on the start of a file: is it an export this reader understands?
    fn sniff(&self, head: &[u8]) -> bool;
    /// How many leading bytes [`ExportReader::sniff`] wants.
    fn head_len(&self) -> usize {
        64 * 1024
    }
    /// Reads the whole export. `Err` is a message naming the position when the file
    /// cannot be read at all; recoverable problems are warnings inside the batch.
    fn read(&self, file: &str, data: &[u8]) -> Result<nhi_model::InventoryBatch, String>;
    /// Called once after the walk: batches the reader deferred until every file was
    /// seen (an AWS GAAD waits for the SCPs and resource policies of the same scan).
    /// A file named here replaces the batch [`ExportReader::read`] returned for it.
    fn finish(&self) -> Vec<(String, nhi_model::InventoryBatch)> {
        Vec::new()
    }
}

/// Exports can be far larger than source files (a GAAD of a big organisation runs to
/// hundreds of megabytes), so they get their own limit.
pub const MAX_EXPORT_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// The file names exports are looked for in.
pub(crate) fn may_be_export(rel_path: &str) -> bool {
    let lower = rel_path.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".csv")
}

/// Hooks for showing progress; the CLI implements it with indicatif, tests with nothing.
pub trait ScanProgress: Sync {
    fn phase(&self, _name: &str) {}
    fn advance(&self, _bytes: u64) {}
}

/// A progress sink that ignores everything.
pub struct NoProgress;
impl ScanProgress for NoProgress {}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("scan root {path} does not exist or cannot be read: {source}")]
    Root {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build the worker pool: {0}")]
    Pool(String),
}

/// Everything one scan produced.
#[derive(Debug, Clone, Default)]
pub struct ScanOutput {
    pub summary: ScanSummary,
    pub credentials: Vec<Credential>,
    pub findings: Vec<Finding>,
    pub consumers: Vec<Consumer>,
    /// Platform exports found among the files, merged.
    pub inventory: nhi_model::Inventory,
    /// The export files that were read, as `root/path`.
    pub exports: Vec<String>,
}

/// One detection, already fingerprinted: the raw secret is gone by the time a `Hit`
/// exists.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule_index: usize,
    pub fingerprint: nhi_model::Fingerprint,
    pub preview: Preview,
    pub external_id: Option<String>,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub sighting: Sighting,
}

/// Shared, thread-safe accumulation for one scan.
pub(crate) struct Collector<'a> {
    pub rules: &'a RuleSet,
    pub fingerprinter: &'a Fingerprinter,
    pub progress: &'a dyn ScanProgress,
    pub max_file_size: u64,
    pub hits: Mutex<Vec<Hit>>,
    pub consumers: Mutex<Vec<Consumer>>,
    pub summary: Mutex<ScanSummary>,
    pub exports: Option<&'a dyn ExportReader>,
    pub inventory: Mutex<Vec<(String, nhi_model::InventoryBatch)>>,
}

impl Collector<'_> {
    pub fn warn(&self, reason: SkipReason, path: &str, position: Option<String>, message: String) {
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        summary.warn(Warning {
            reason,
            path: path.to_string(),
            position,
            message,
        });
    }

    /// Counts a skip that is policy, not a problem (binaries, inline ignores): no
    /// warning line, only the tally.
    pub fn count_skip(&self, reason: SkipReason) {
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        *summary.skipped.entry(reason).or_default() += 1;
    }

    /// Whether `data` is a platform export the reader recognises.
    pub fn is_export(&self, rel: &str, data: &[u8]) -> bool {
        self.exports.is_some_and(|reader| {
            may_be_export(rel) && reader.sniff(&data[..data.len().min(reader.head_len())])
        })
    }

    /// Reads `data` as a platform export if the reader recognises it; true when it did.
    pub fn try_export(&self, root: &str, rel: &str, data: &[u8]) -> bool {
        if !self.is_export(rel, data) {
            return false;
        }
        self.read_export(root, rel, data);
        true
    }

    /// Reads a file [`Collector::is_export`] recognised.
    pub fn read_export(&self, root: &str, rel: &str, data: &[u8]) {
        let Some(reader) = self.exports else {
            return;
        };
        let file = format!("{}/{}", root.trim_end_matches('/'), rel);
        match reader.read(&file, data) {
            Ok(batch) => {
                for warning in &batch.warnings {
                    self.warn(
                        SkipReason::Malformed,
                        rel,
                        Some(warning.position.clone()),
                        warning.message.clone(),
                    );
                }
                // Merged after the walk, in file order: workers finish in any order,
                // and a merge keeps the first name or date it sees.
                let mut inventory = self.inventory.lock().unwrap_or_else(|e| e.into_inner());
                inventory.push((file, batch));
            }
            Err(message) => self.warn(SkipReason::Malformed, rel, None, message),
        }
    }

    pub fn add_hits(&self, mut hits: Vec<Hit>) {
        if !hits.is_empty() {
            self.hits
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .append(&mut hits);
        }
    }
}

/// Runs a scan over `options.roots`.
pub fn scan(
    options: &ScanOptions,
    rules: &RuleSet,
    fingerprinter: &Fingerprinter,
    suppressions: &Suppressions,
    progress: &dyn ScanProgress,
) -> Result<ScanOutput, ScanError> {
    scan_with_exports(options, rules, fingerprinter, suppressions, progress, None)
}

/// [`scan`], also reading every platform export `exports` recognises among the
/// working-tree files (not history: an old export is not the current estate).
pub fn scan_with_exports(
    options: &ScanOptions,
    rules: &RuleSet,
    fingerprinter: &Fingerprinter,
    suppressions: &Suppressions,
    progress: &dyn ScanProgress,
    exports: Option<&dyn ExportReader>,
) -> Result<ScanOutput, ScanError> {
    let started = Instant::now();
    for root in &options.roots {
        std::fs::metadata(root).map_err(|source| ScanError::Root {
            path: root.clone(),
            source,
        })?;
    }
    let collector = Collector {
        rules,
        fingerprinter,
        progress,
        max_file_size: options.max_file_size,
        hits: Mutex::new(Vec::new()),
        consumers: Mutex::new(Vec::new()),
        summary: Mutex::new(ScanSummary {
            roots: options.roots.iter().map(|r| display_root(r)).collect(),
            ..ScanSummary::default()
        }),
        exports,
        inventory: Mutex::new(Default::default()),
    };

    let pool = {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(n) = options.threads {
            builder = builder.num_threads(n.max(1));
        }
        builder
            .build()
            .map_err(|e| ScanError::Pool(e.to_string()))?
    };

    pool.install(|| {
        for root in &options.roots {
            progress.phase("files");
            let repos = walk::scan_tree(root, options, &collector);
            if options.history {
                progress.phase("history");
                for repo in repos {
                    history::scan_history(root, &repo, &collector);
                }
            }
        }
    });

    let finished = exports.map(|reader| reader.finish()).unwrap_or_default();
    for (file, batch) in &finished {
        let rel = options
            .roots
            .iter()
            .map(|root| display_root(root))
            .find_map(|root| file.strip_prefix(&format!("{}/", root.trim_end_matches('/'))))
            .unwrap_or(file);
        for warning in &batch.warnings {
            collector.warn(
                SkipReason::Malformed,
                rel,
                Some(warning.position.clone()),
                warning.message.clone(),
            );
        }
    }
    let Collector {
        hits,
        consumers,
        summary,
        inventory,
        ..
    } = collector;
    let mut batches = inventory.into_inner().unwrap_or_else(|e| e.into_inner());
    for (file, batch) in finished {
        match batches.iter_mut().find(|(seen, _)| *seen == file) {
            Some(slot) => slot.1 = batch,
            None => batches.push((file, batch)),
        }
    }
    batches.sort_by(|a, b| a.0.cmp(&b.0));
    let mut inventory = nhi_model::Inventory::default();
    let mut export_files = Vec::with_capacity(batches.len());
    for (file, batch) in batches {
        inventory.merge(batch);
        export_files.push(file);
    }
    inventory.normalize();
    let mut summary = summary.into_inner().unwrap_or_else(|e| e.into_inner());
    let hits = hits.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut consumers = consumers.into_inner().unwrap_or_else(|e| e.into_inner());
    consumers.sort_by(|a, b| a.id.cmp(&b.id));

    let (credentials, findings, suppressed) =
        aggregate::aggregate(rules, fingerprinter, hits, suppressions, &mut summary);
    summary.findings = findings.len() as u64;
    summary.credentials = credentials.len() as u64;
    summary.consumers = consumers.len() as u64;
    summary.suppressed += suppressed;
    summary.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    summary.duration_ms = started.elapsed().as_millis() as u64;
    Ok(ScanOutput {
        summary,
        credentials,
        findings,
        consumers,
        inventory,
        exports: export_files,
    })
}

/// The root as the user wrote it, used as the `root` of every sighting under it.
pub fn display_root(root: &std::path::Path) -> String {
    root.to_string_lossy().replace('\\', "/")
}
