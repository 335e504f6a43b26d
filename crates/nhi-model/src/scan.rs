use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Why a file, blob or value was passed over or only partly read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    Unreadable,
    TooLarge,
    Binary,
    SymlinkLoop,
    /// A symbolic link whose target lies outside the scanned root: not followed, so a
    /// repository cannot make nhi read host files (`/`, `~/.aws`, `/proc`).
    OutsideRoot,
    InvalidUtf8,
    Malformed,
    CorruptGitObject,
    Suppressed,
}

crate::string_enum!(SkipReason, "skip reason", {
    Unreadable => "unreadable",
    TooLarge => "too_large",
    Binary => "binary",
    SymlinkLoop => "symlink_loop",
    OutsideRoot => "outside_root",
    InvalidUtf8 => "invalid_utf8",
    Malformed => "malformed",
    CorruptGitObject => "corrupt_git_object",
    Suppressed => "suppressed",
});

/// A problem with one input that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub reason: SkipReason,
    /// The file (relative to its root), or `git:<object id>` for history objects.
    pub path: String,
    /// Where in the file, when known: `line 3, column 7`, `byte 1024`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    pub message: String,
}

/// What a scan covered and what it had to skip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSummary {
    pub roots: Vec<String>,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub commits_walked: u64,
    pub blobs_scanned: u64,
    pub findings: u64,
    pub credentials: u64,
    pub consumers: u64,
    pub suppressed: u64,
    /// Counts of skipped inputs by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    pub warnings: Vec<Warning>,
    pub duration_ms: u64,
}

impl ScanSummary {
    pub fn warn(&mut self, warning: Warning) {
        *self.skipped.entry(warning.reason).or_default() += 1;
        self.warnings.push(warning);
    }
}
