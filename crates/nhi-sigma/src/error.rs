//! Why a rule was not loaded, and where.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read file: {0}")]
    Io(String),
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A required or malformed top-level field, e.g. `'title' is required`.
    #[error("{0}")]
    Field(String),
    /// The rule's log source, e.g. `product 'windows', service ''`.
    #[error("log source {0} is not supported (only product 'aws', service 'cloudtrail')")]
    UnsupportedLogSource(String),
    #[error("unsupported modifier '{0}'")]
    UnsupportedModifier(String),
    #[error("unsupported feature: {0}")]
    UnsupportedFeature(String),
    /// `offset` is the 0-based character position of the problem in the condition.
    #[error("condition: {message}")]
    Condition { message: String, offset: u32 },
    #[error("invalid regular expression: {0}")]
    Regex(String),
    #[error("invalid CIDR range '{0}'")]
    Cidr(String),
    #[error("invalid value: {0}")]
    Value(String),
    #[error("duplicate rule id {0}")]
    DuplicateId(String),
}

/// A rule that was rejected: which file, which rule, where in it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub file: Option<PathBuf>,
    /// The rule's title (or id), or its document number when it has neither.
    pub rule: Option<String>,
    /// 1-based line and column in the file, where known.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Where in the rule's structure, e.g. `detection.selection.eventName|base64`.
    pub path: Option<String>,
    pub kind: ErrorKind,
}

impl LoadError {
    pub fn new(kind: ErrorKind) -> Self {
        LoadError {
            file: None,
            rule: None,
            line: None,
            column: None,
            path: None,
            kind,
        }
    }

    pub(crate) fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display())?,
            None => write!(f, "<string>")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule \"{rule}\"")?;
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        write!(f, ": {}", self.kind)
    }
}
