//! Progress on a terminal; silence when standard error is not one.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A spinner with bytes and throughput, shown only on an interactive terminal:
    /// stderr must be a terminal, and so must stdout unless the report goes to a file,
    /// so `nhi scan . --format json | jq` stays quiet.
    pub fn new(quiet: bool, report_to_file: bool) -> Self {
        let interactive =
            std::io::stderr().is_terminal() && (report_to_file || std::io::stdout().is_terminal());
        if quiet || !interactive {
            return Progress { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:10} {bytes:>10} scanned  {bytes_per_sec:>12}  {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl nhi_scan::ScanProgress for Progress {
    fn phase(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(name.to_string());
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }
}
