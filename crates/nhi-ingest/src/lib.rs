//! One front door for every platform export nhi reads.
//!
//! Each provider crate knows its own formats; this crate asks them in turn, by content
//! alone (never by file name), and says which formats a file could have been when none
//! claims it. It also implements [`nhi_scan::ExportReader`], so `nhi scan DIR` ingests
//! every export it meets among the files.

use nhi_model::InventoryBatch;

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

/// Reads one export. An unrecognised file is an error naming the formats of its syntax.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<(Format, InventoryBatch), IngestError> {
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
    let batch = match format.family {
        "aws" => {
            let head = &bytes[..bytes.len().min(SNIFF_HEAD)];
            match nhi_aws::sniff(head) {
                Some(kind) => {
                    let export = nhi_aws::parse(kind, file, bytes)
                        .map_err(|e| IngestError::Parse(e.to_string()))?;
                    aws_batch(&export, file)
                }
                None => InventoryBatch::default(),
            }
        }
        "gcp" => nhi_gcp::ingest(file, bytes).map_err(|e| IngestError::Parse(e.to_string()))?,
        "azure" => nhi_azure::ingest(file, bytes).map_err(|e| IngestError::Parse(e.to_string()))?,
        "kubernetes" => {
            nhi_k8s::ingest(file, bytes).map_err(|e| IngestError::Parse(e.to_string()))?
        }
        "github" => {
            nhi_github::ingest(file, bytes).map_err(|e| IngestError::Parse(e.to_string()))?
        }
        _ => nhi_saas::ingest(file, bytes).map_err(|e| IngestError::Parse(e.to_string()))?,
    };
    Ok((format, batch))
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
    let mut batch = nhi_aws::to_batch(export, file);
    if let nhi_aws::AwsExportData::AccountAuthorizationDetails(details) = &export.data {
        nhi_aws_eval::annotate(details, catalog(), file, &mut batch);
    }
    batch
}

/// The action catalog, built once per process.
fn catalog() -> &'static nhi_aws_eval::BuiltinCatalog {
    static CATALOG: std::sync::OnceLock<nhi_aws_eval::BuiltinCatalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(nhi_aws_eval::BuiltinCatalog::new)
}

/// The [`nhi_scan::ExportReader`] that `nhi scan` uses.
pub struct Exports;

impl nhi_scan::ExportReader for Exports {
    fn sniff(&self, head: &[u8]) -> bool {
        sniff(head).is_some()
    }

    fn head_len(&self) -> usize {
        SNIFF_HEAD
    }

    fn read(&self, file: &str, data: &[u8]) -> Result<InventoryBatch, String> {
        ingest(file, data)
            .map(|(_, batch)| batch)
            .map_err(|e| e.to_string())
    }
}
