//! Errors that stop a read, and warnings that do not.

use std::fmt;
use std::path::PathBuf;

/// A failure that ends a whole call: the path the caller named cannot be read at all,
/// or a field mapping is unusable. Problems inside a log never become an error; they
/// are [`ReadWarning`]s and reading goes on.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid field mapping: {0}")]
    Mapping(String),
}

/// What went wrong with one part of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// Not valid JSON (or a document that ends early).
    Malformed,
    /// Valid JSON of no known log shape (and no field mapping applies).
    UnknownRecord,
    /// A gzip stream that ends before its trailer.
    TruncatedGzip,
    /// A gzip stream with bad data or checksum.
    CorruptGzip,
    /// Not UTF-8 (UTF-16 files, stray Latin-1 bytes).
    Encoding,
    /// A file or directory that cannot be opened or read.
    Unreadable,
    /// A followed file shrank: it was truncated or replaced, and is read again from the start.
    Rotated,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Malformed => "malformed",
            WarningKind::UnknownRecord => "unknown record",
            WarningKind::TruncatedGzip => "truncated gzip",
            WarningKind::CorruptGzip => "corrupt gzip",
            WarningKind::Encoding => "bad encoding",
            WarningKind::Unreadable => "unreadable",
            WarningKind::Rotated => "rotated",
        }
    }
}

/// A problem in the input that was skipped. `location` names the file and the line,
/// record or byte position (`trail.json:12`, `trail.json.gz:record 3`,
/// `trail.json.gz:byte 4096`), so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadWarning {
    pub location: String,
    pub kind: WarningKind,
    pub message: String,
}

impl fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.location,
            self.kind.as_str(),
            self.message
        )
    }
}
