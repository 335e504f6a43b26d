//! Suppressions: known, accepted findings that should stop being reported — each with a
//! reason and an expiry, so nothing is silenced forever by accident.
//!
//! File format (TOML, default `.nhi-suppressions.toml` in a scan root):
//!
//! ```toml
//! [[suppress]]
//! finding = "NHI-3f2a9c0d11b2e4f5"   # a finding ID, or:
//! # fingerprint = "<64 hex>"         # one credential wherever it appears, or:
//! # rule = "generic-secret-assignment"
//! # path = "tests/fixtures/**"       # a glob over sighting paths (with or without rule)
//! reason = "test fixture, not a live key"
//! expires = "2027-03-31"
//! ```

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum SuppressionError {
    #[error("cannot read suppression file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("suppression file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("suppression file {path}, entry {index}: {message}")]
    Invalid {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    suppress: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    finding: Option<String>,
    fingerprint: Option<String>,
    rule: Option<String>,
    path: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

/// One accepted finding or pattern.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub finding: Option<String>,
    pub fingerprint: Option<String>,
    pub rule: Option<String>,
    pub path: Option<String>,
    path_matcher: Option<GlobMatcher>,
    pub reason: String,
    pub expires: Date,
    /// Where the entry was written, for messages.
    pub source: String,
}

impl Suppression {
    fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }

    /// Whether this entry silences a whole finding.
    fn covers_finding(&self, finding_id: &str, fingerprint: &str) -> bool {
        self.finding.as_deref() == Some(finding_id)
            || self.fingerprint.as_deref() == Some(fingerprint)
    }

    /// Whether this entry silences one sighting (rule and/or path pattern).
    fn covers_sighting(&self, rule: &str, path: &str) -> bool {
        if self.finding.is_some() || self.fingerprint.is_some() {
            return false;
        }
        let rule_ok = self.rule.as_deref().is_none_or(|r| r == rule);
        let path_ok = self.path_matcher.as_ref().is_none_or(|m| m.is_match(path));
        rule_ok && path_ok
    }
}

/// The active suppressions of a scan.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    active: Vec<Suppression>,
    expired: Vec<Suppression>,
}

impl Suppressions {
    pub fn empty() -> Self {
        Self::default()
    }

    /// Loads a suppression file, splitting entries into active and expired as of `today`.
    pub fn load(path: &Path, today: Date) -> Result<Self, SuppressionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuppressionError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), today)
    }

    pub fn parse(text: &str, source: &str, today: Date) -> Result<Self, SuppressionError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| SuppressionError::Parse {
            path: source.into(),
            message: e.to_string(),
        })?;
        let mut out = Suppressions::default();
        for (index, entry) in raw.suppress.into_iter().enumerate() {
            let invalid = |message: &str| SuppressionError::Invalid {
                path: source.into(),
                index: index + 1,
                message: message.to_string(),
            };
            let reason = entry
                .reason
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| invalid("`reason` is required"))?;
            let expires: Date = entry
                .expires
                .ok_or_else(|| invalid("`expires` (YYYY-MM-DD) is required"))?
                .parse()
                .map_err(|e| invalid(&format!("`expires` is not a date: {e}")))?;
            if entry.finding.is_none()
                && entry.fingerprint.is_none()
                && entry.rule.is_none()
                && entry.path.is_none()
            {
                return Err(invalid(
                    "name at least one of `finding`, `fingerprint`, `rule`, `path`",
                ));
            }
            let path_matcher = entry
                .path
                .as_deref()
                .map(|p| Glob::new(p).map(|g| g.compile_matcher()))
                .transpose()
                .map_err(|e| invalid(&format!("`path` is not a valid glob: {e}")))?;
            let suppression = Suppression {
                finding: entry.finding,
                fingerprint: entry.fingerprint,
                rule: entry.rule,
                path: entry.path,
                path_matcher,
                reason,
                expires,
                source: format!("{source} entry {}", index + 1),
            };
            if suppression.is_expired(today) {
                out.expired.push(suppression);
            } else {
                out.active.push(suppression);
            }
        }
        Ok(out)
    }

    /// Adds the entries of another file.
    pub fn extend(&mut self, other: Suppressions) {
        self.active.extend(other.active);
        self.expired.extend(other.expired);
    }

    pub fn expired(&self) -> &[Suppression] {
        &self.expired
    }

    pub fn active(&self) -> &[Suppression] {
        &self.active
    }

    pub(crate) fn finding_suppressed(&self, finding_id: &str, fingerprint: &str) -> bool {
        self.active
            .iter()
            .any(|s| s.covers_finding(finding_id, fingerprint))
    }

    pub(crate) fn sighting_suppressed(&self, rule: &str, path: &str) -> bool {
        self.active.iter().any(|s| s.covers_sighting(rule, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-06-01".parse().unwrap()
    }

    #[test]
    fn entries_need_reason_and_expiry() {
        let e = Suppressions::parse(
            "[[suppress]]\nrule = \"x\"\nexpires = \"2027-01-01\"\n",
            "f",
            today(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("reason"), "{e}");
        let e = Suppressions::parse("[[suppress]]\nrule = \"x\"\nreason = \"r\"\n", "f", today())
            .unwrap_err();
        assert!(e.to_string().contains("expires"), "{e}");
        let e = Suppressions::parse(
            "[[suppress]]\nreason = \"r\"\nexpires = \"2027-01-01\"\n",
            "f",
            today(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
    }

    #[test]
    fn expired_entries_do_not_apply() {
        let s = Suppressions::parse(
            "[[suppress]]\nrule = \"a\"\nreason = \"r\"\nexpires = \"2026-05-31\"\n\
             [[suppress]]\nrule = \"b\"\npath = \"tests/**\"\nreason = \"r\"\nexpires = \"2026-06-01\"\n",
            "f",
            today(),
        )
        .unwrap();
        assert_eq!(s.expired().len(), 1);
        assert!(!s.sighting_suppressed("a", "src/x.py"));
        assert!(s.sighting_suppressed("b", "tests/fixtures/x.py"));
        assert!(!s.sighting_suppressed("b", "src/x.py"));
    }

    #[test]
    fn finding_and_fingerprint_entries_cover_whole_findings() {
        let s = Suppressions::parse(
            "[[suppress]]\nfinding = \"NHI-1\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
            "f",
            today(),
        )
        .unwrap();
        assert!(s.finding_suppressed("NHI-1", "ff"));
        assert!(!s.finding_suppressed("NHI-2", "ff"));
        assert!(!s.sighting_suppressed("any", "any"));
    }
}
