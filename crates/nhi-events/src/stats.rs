//! Counts of what a read saw, for `nhi monitor --stats`.

use std::collections::BTreeMap;
use std::fmt;

use nhi_model::EventSource;

use crate::error::{ReadWarning, WarningKind};

/// What one read (or one follower so far) produced and skipped. Duplicates are not
/// counted here: the detector side deduplicates on the event ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Events handed to the callback, per source.
    pub events: BTreeMap<EventSource, u64>,
    /// Files opened and read.
    pub files: u64,
    /// Directory entries passed over as not being logs (by name).
    pub skipped_files: u64,
    /// Lines or records that are not valid JSON, and documents that end early.
    pub malformed: u64,
    /// Events that lack a time, a principal or an action; they are still delivered.
    pub missing_fields: u64,
    /// Valid JSON records of no known shape.
    pub unknown_records: u64,
    /// Kubernetes audit events of a non-final stage, left out on purpose.
    pub skipped_stages: u64,
    pub truncated_gzip: u64,
    pub corrupt_gzip: u64,
    pub bad_encoding: u64,
    pub unreadable: u64,
    /// Followed files that shrank and were read again from the start.
    pub rotations: u64,
    /// The first warnings, up to `ReadOptions::max_warnings`.
    pub warnings: Vec<ReadWarning>,
    /// Warnings past that limit: counted, not kept.
    pub dropped_warnings: u64,
}

impl ReadStats {
    pub fn total_events(&self) -> u64 {
        self.events.values().sum()
    }

    pub fn events_from(&self, source: EventSource) -> u64 {
        self.events.get(&source).copied().unwrap_or(0)
    }

    /// Everything skipped or damaged, whatever the reason.
    pub fn problems(&self) -> u64 {
        self.malformed
            + self.unknown_records
            + self.truncated_gzip
            + self.corrupt_gzip
            + self.bad_encoding
            + self.unreadable
    }

    /// Adds another read's counts to these (the warning limit is not re-applied).
    pub fn merge(&mut self, other: ReadStats) {
        for (source, count) in other.events {
            *self.events.entry(source).or_default() += count;
        }
        self.files += other.files;
        self.skipped_files += other.skipped_files;
        self.malformed += other.malformed;
        self.missing_fields += other.missing_fields;
        self.unknown_records += other.unknown_records;
        self.skipped_stages += other.skipped_stages;
        self.truncated_gzip += other.truncated_gzip;
        self.corrupt_gzip += other.corrupt_gzip;
        self.bad_encoding += other.bad_encoding;
        self.unreadable += other.unreadable;
        self.rotations += other.rotations;
        self.warnings.extend(other.warnings);
        self.dropped_warnings += other.dropped_warnings;
    }

    /// Counts a problem and keeps its warning while under the limit.
    pub(crate) fn warn(&mut self, limit: usize, warning: ReadWarning) {
        match warning.kind {
            WarningKind::Malformed => self.malformed += 1,
            WarningKind::UnknownRecord => self.unknown_records += 1,
            WarningKind::TruncatedGzip => self.truncated_gzip += 1,
            WarningKind::CorruptGzip => self.corrupt_gzip += 1,
            WarningKind::Encoding => self.bad_encoding += 1,
            WarningKind::Unreadable => self.unreadable += 1,
            WarningKind::Rotated => self.rotations += 1,
        }
        if self.warnings.len() < limit {
            self.warnings.push(warning);
        } else {
            self.dropped_warnings += 1;
        }
    }
}

impl fmt::Display for ReadStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "events: {}", self.total_events())?;
        for (source, count) in &self.events {
            writeln!(f, "  {source}: {count}")?;
        }
        let rows = [
            ("files read", self.files),
            ("files skipped", self.skipped_files),
            ("malformed", self.malformed),
            ("missing fields", self.missing_fields),
            ("unknown records", self.unknown_records),
            ("skipped stages", self.skipped_stages),
            ("truncated gzip", self.truncated_gzip),
            ("corrupt gzip", self.corrupt_gzip),
            ("bad encoding", self.bad_encoding),
            ("unreadable", self.unreadable),
            ("rotations", self.rotations),
            ("warnings not kept", self.dropped_warnings),
        ];
        for (label, count) in rows {
            writeln!(f, "{label}: {count}")?;
        }
        Ok(())
    }
}
