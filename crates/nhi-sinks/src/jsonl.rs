use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{AlertRecord, PayloadFormat, Sink, SinkError, render_payload};

/// Appends one JSON object per line to a file.
///
/// The file is opened in append mode so that several nhi processes, or a log
/// shipper truncating it, never interleave half lines: each line goes out in
/// a single `write_all`.
#[derive(Debug)]
pub struct JsonLinesSink {
    path: PathBuf,
    file: File,
    format: PayloadFormat,
}

impl JsonLinesSink {
    pub fn open(path: impl AsRef<Path>, format: PayloadFormat) -> Result<Self, SinkError> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|error| SinkError::io(format!("opening {}", path.display()), error))?;
        Ok(JsonLinesSink { path, file, format })
    }

    /// Opens the path again, for log rotation: after `logrotate` renames the
    /// file, lines would otherwise keep going to the renamed one.
    pub fn reopen(&mut self) -> Result<(), SinkError> {
        *self = JsonLinesSink::open(&self.path, self.format)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for JsonLinesSink {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        let mut line = render_payload(alert, self.format)?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|error| SinkError::io(format!("appending to {}", self.path.display()), error))
    }

    fn flush(&mut self) {
        // Durability is best effort: a failed fsync at shutdown has no one to
        // report to, and every line was already handed to the kernel.
        let _ = self.file.sync_data();
    }
}
