//! One front door for every platform export nhi reads.
//!
//! Each provider crate knows its own formats; this crate asks them in turn, by content
//! alone (never by file name), and says which formats a file could have been when none
//! claims it. It also implements [`nhi_scan::ExportReader`], so `nhi scan DIR` ingests
//! every export it meets among the files.

mod aws_context;

use std::sync::Mutex;

pub use aws_context::{AwsPolicyContext, is_context};
use nhi_model::{InventoryBatch, SourceWarning};

/// Which parser family claimed a file, and the export format by the command that makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub family: &'static str,
    pub command: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(
        "{file}: not a platform export nhi recognises; for {syntax} input it reads: {candidates}"
    )]
    Unknown {
        file: String,
        syntax: &'static str,
        candidates: String,
    },
    #[error("{0}")]
    Parse(String),
}

/// Every export format, for help texts and "could be" errors: (syntax, command).
pub fn formats() -> Vec<(&'static str, Format)> {
    let mut out = Vec::new();
    for kind in nhi_aws::AwsExportKind::ALL {
        let syntax = if kind == nhi_aws::AwsExportKind::CredentialReport {
            "CSV or JSON"
        } else {
            "JSON"
        };
        out.push((
            syntax,
            Format {
                family: "aws",
                command: kind.command(),
            },
        ));
    }
    for kind in nhi_gcp::ExportKind::ALL {
        out.push((
            "JSON",
            Format {
                family: "gcp",
                command: kind.command(),
            },
        ));
    }
    for kind in nhi_azure::ExportKind::ALL {
        out.push((
            "JSON",
            Format {
                family: "azure",
                command: kind.command(),
            },
        ));
    }
    for kind in nhi_k8s::ExportKind::ALL {
        out.push((
            "JSON",
            Format {
                family: "kubernetes",
                command: kind.command(),
            },
        ));
    }
    for kind in nhi_github::ExportKind::ALL {
        out.push((
            "JSON",
            Format {
                family: "github",
                command: kind.command(),
            },
        ));
    }
    for kind in nhi_saas::ExportKind::ALL {
        let command = kind.command();
        let syntax = if command.contains("CSV") || command.contains("csv") {
            "CSV"
        } else {
            "JSON"
        };
        out.push((
            syntax,
            Format {
                family: "saas",
                command,
            },
        ));
    }
    out
}

/// How much of a file [`sniff`] looks at. Every provider's sniffer works on a
/// truncated head, and looking at more would parse big exports twice.
pub const SNIFF_HEAD: usize = 64 * 1024;

/// The format of `bytes`, if any parser claims it. Looks at content only, and only at
/// the first [`SNIFF_HEAD`] bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let bytes = &bytes[..bytes.len().min(SNIFF_HEAD)];
    if let Some(kind) = nhi_aws::sniff(bytes) {
        return Some(Format {
            family: "aws",
            command: kind.command(),
        });
    }
    if let Some(kind) = nhi_gcp::sniff(bytes) {
        return Some(Format {
            family: "gcp",
            command: kind.command(),
        });
    }
    if let Some(kind) = nhi_azure::sniff(bytes) {
        return Some(Format {
            family: "azure",
            command: kind.command(),
        });
    }
    if let Some(kind) = nhi_k8s::sniff(bytes) {
        return Some(Format {
            family: "kubernetes",
            command: kind.command(),
        });
    }
    if let Some(kind) = nhi_github::sniff(bytes) {
        return Some(Format {
            family: "github",
            command: kind.command(),
        });
    }
    if let Some(kind) = nhi_saas::sniff(bytes) {
        return Some(Format {
            family: "saas",
            command: kind.command(),
        });
    }
    None
}

/// Reads one export on its own. An unrecognised file is an error naming the formats of
/// its syntax. SCP and resource-policy files read this way add nothing: they shape the
/// evaluation of a GAAD read in the same [`ImportRun`].
pub fn ingest(file: &str, bytes: &[u8]) -> Result<(Format, InventoryBatch), IngestError> {
    let mut run = ImportRun::default();
    let read = run.read(file, bytes)?;
    let format = read.format();
    let mut batches = run.finish();
    Ok(match read {
        Read::Batch(_, batch) => (format, batch),
        Read::Context(_, batch) => (format, batch),
        Read::Deferred(_) => (
            format,
            batches.pop().map(|(_, _, batch)| batch).unwrap_or_default(),
        ),
    })
}

/// What [`ImportRun::read`] made of a file.
#[derive(Debug)]
pub enum Read {
    /// Mapped now.
    Batch(Format, InventoryBatch),
    /// A GAAD: mapped and evaluated by [`ImportRun::finish`], once every SCP and
    /// resource policy of the run is known.
    Deferred(Format),
    /// An SCP, its targets or a resource policy: kept for the GAADs of the run. The
    /// batch holds only the file's warnings.
    Context(Format, InventoryBatch),
}

impl Read {
    pub fn format(&self) -> Format {
        match self {
            Read::Batch(format, _) | Read::Deferred(format) | Read::Context(format, _) => *format,
        }
    }
}

/// One parsed file, before it joins a run.
enum Parsed {
    Batch(Format, InventoryBatch),
    Aws(Format, nhi_aws::AwsExport),
}

fn parse_file(file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let Some(format) = sniff(bytes) else {
        let syntax = syntax_of(bytes);
        let candidates: Vec<String> = formats()
            .into_iter()
            .filter(|(s, _)| s.contains(syntax) || syntax == "unrecognised")
            .map(|(_, f)| f.command.to_string())
            .collect();
        return Err(IngestError::Unknown {
            file: file.to_string(),
            syntax,
            candidates: candidates.join("; "),
        });
    };
    let parse_error = |e: &dyn std::fmt::Display| IngestError::Parse(e.to_string());
    let batch = match format.family {
        "aws" => {
            let head = &bytes[..bytes.len().min(SNIFF_HEAD)];
            match nhi_aws::sniff(head) {
                Some(kind) => {
                    let export = nhi_aws::parse(kind, file, bytes).map_err(|e| parse_error(&e))?;
                    return Ok(Parsed::Aws(format, export));
                }
                None => InventoryBatch::default(),
            }
        }
        "gcp" => nhi_gcp::ingest(file, bytes).map_err(|e| parse_error(&e))?,
        "azure" => nhi_azure::ingest(file, bytes).map_err(|e| parse_error(&e))?,
        "kubernetes" => nhi_k8s::ingest(file, bytes).map_err(|e| parse_error(&e))?,
        "github" => nhi_github::ingest(file, bytes).map_err(|e| parse_error(&e))?,
        _ => nhi_saas::ingest(file, bytes).map_err(|e| parse_error(&e))?,
    };
    Ok(Parsed::Batch(format, batch))
}

/// The files of one `nhi import` or `nhi scan` run. GAADs are evaluated last, by
/// [`ImportRun::finish`], so that every SCP and resource policy of the run takes part
/// whatever the file order.
#[derive(Default)]
pub struct ImportRun {
    context: AwsPolicyContext,
    gaads: Vec<(String, Format, nhi_aws::AwsExport)>,
}

impl ImportRun {
    pub fn read(&mut self, file: &str, bytes: &[u8]) -> Result<Read, IngestError> {
        Ok(self.add(file, parse_file(file, bytes)?))
    }

    fn add(&mut self, file: &str, parsed: Parsed) -> Read {
        match parsed {
            Parsed::Batch(format, batch) => Read::Batch(format, batch),
            Parsed::Aws(format, export) => {
                if matches!(
                    export.data,
                    nhi_aws::AwsExportData::AccountAuthorizationDetails(_)
                ) {
                    self.gaads.push((file.to_string(), format, export));
                    Read::Deferred(format)
                } else if self.context.add(file, &export) {
                    Read::Context(format, nhi_aws::to_batch(&export, file))
                } else {
                    Read::Batch(format, nhi_aws::to_batch(&export, file))
                }
            }
        }
    }

    /// Maps and evaluates the run's GAADs, in the order they were read. A run with
    /// context files but no GAAD says that the context was not used.
    pub fn finish(self) -> Vec<(String, Format, InventoryBatch)> {
        let ImportRun { context, gaads } = self;
        gaads
            .into_iter()
            .map(|(file, format, export)| {
                let batch = aws_batch_with(&export, &file, &context);
                (file, format, batch)
            })
            .collect()
    }

    /// Whether context was read but no GAAD could use it.
    pub fn unused_context(&self) -> bool {
        self.gaads.is_empty() && !self.context.is_empty()
    }
}

fn syntax_of(bytes: &[u8]) -> &'static str {
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    match start {
        Some(b'{') | Some(b'[') => "JSON",
        Some(_) if bytes.iter().take(4096).any(|b| *b == b',') => "CSV",
        _ => "unrecognised",
    }
}

/// Maps one AWS export into the model and, for a GAAD, evaluates every principal's
/// effective permissions (privilege tier, escalation paths, sensitive data access)
/// onto its identity: the stored inventory keeps grants by name, not the policy
/// documents, so this is the one moment the documents are at hand. `nhi collect aws`
/// uses it too.
pub fn aws_batch(export: &nhi_aws::AwsExport, file: &str) -> InventoryBatch {
    aws_batch_with(export, file, &AwsPolicyContext::default())
}

/// [`aws_batch`] with the SCPs and resource policies of `context` taking part.
pub fn aws_batch_with(
    export: &nhi_aws::AwsExport,
    file: &str,
    context: &AwsPolicyContext,
) -> InventoryBatch {
    let nhi_aws::AwsExportData::AccountAuthorizationDetails(details) = &export.data else {
        return nhi_aws::to_batch(export, file);
    };
    let account = gaad_account(details);
    let mut warnings: Vec<SourceWarning> = Vec::new();
    let options = context.options_for(account.as_deref(), file, &mut warnings);
    // Mapping identities and building the evaluator (the action catalog, every policy
    // compiled) are independent and each takes one core for a while at 10,000
    // principals: side by side, not one after the other.
    let (mut batch, evaluator) = rayon::join(
        || nhi_aws::to_batch(export, file),
        || nhi_aws_eval::Evaluator::with_options(details, &options, catalog()),
    );
    nhi_aws_eval::annotate_evaluated(&evaluator, file, &mut batch);
    batch.warnings.extend(warnings);
    batch
}

/// The account a GAAD describes: the account of its first principal's ARN.
fn gaad_account(details: &nhi_aws::AuthorizationDetails) -> Option<String> {
    let arns = details
        .users
        .iter()
        .filter_map(|u| u.arn.as_deref())
        .chain(details.roles.iter().filter_map(|r| r.arn.as_deref()));
    arns.filter_map(nhi_aws::account_of)
        .next()
        .map(str::to_string)
}

/// The action catalog, built once per process.
fn catalog() -> &'static nhi_aws_eval::BuiltinCatalog {
    static CATALOG: std::sync::OnceLock<nhi_aws_eval::BuiltinCatalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(nhi_aws_eval::BuiltinCatalog::new)
}

/// The [`nhi_scan::ExportReader`] that `nhi scan` uses: one [`ImportRun`] over every
/// export the scan meets, finished after the walk.
#[derive(Default)]
pub struct Exports {
    run: Mutex<ImportRun>,
}

impl nhi_scan::ExportReader for Exports {
    fn sniff(&self, head: &[u8]) -> bool {
        sniff(head).is_some()
    }

    fn head_len(&self) -> usize {
        SNIFF_HEAD
    }

    fn read(&self, file: &str, data: &[u8]) -> Result<InventoryBatch, String> {
        // Parse outside the lock: workers read exports in parallel.
        let parsed = parse_file(file, data).map_err(|e| e.to_string())?;
        let mut run = self.run.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match run.add(file, parsed) {
            Read::Batch(_, batch) | Read::Context(_, batch) => batch,
            Read::Deferred(_) => InventoryBatch::default(),
        })
    }

    fn finish(&self) -> Vec<(String, InventoryBatch)> {
        let run = std::mem::take(&mut *self.run.lock().unwrap_or_else(|e| e.into_inner()));
        run.finish()
            .into_iter()
            .map(|(file, _, batch)| (file, batch))
            .collect()
    }
}
