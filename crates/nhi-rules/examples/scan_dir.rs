//! Runs the built-in rules over every file under a directory and prints throughput plus
//! a redacted line per detection. A quick way to measure speed and spot false positives:
//! `cargo run -p nhi-rules --example scan_dir -- <dir>`.

use std::path::Path;
use std::time::{Duration, Instant};

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files),
            Ok(t) if t.is_file() => files.push(path),
            _ => {}
        }
    }
}

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: scan_dir <dir>");
        std::process::exit(2);
    };
    let rules = match nhi_rules::RuleSet::builtin() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut files = Vec::new();
    walk(Path::new(&root), &mut files);
    let mut bytes = 0usize;
    let mut busy = Duration::ZERO;
    let mut count = 0usize;
    for path in &files {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        bytes += data.len();
        let started = Instant::now();
        let found = rules.detect(&data);
        busy += started.elapsed();
        for d in found {
            count += 1;
            let rule = &rules.rules()[d.rule_index];
            println!(
                "{}:{}:{} {} {}",
                path.display(),
                d.line,
                d.column,
                rule.id,
                d.preview(&rules)
            );
        }
    }
    let secs = busy.as_secs_f64().max(1e-9);
    eprintln!(
        "{} files, {:.1} MiB, {} detections, detect time {:.3}s ({:.1} MiB/s)",
        files.len(),
        bytes as f64 / 1048576.0,
        count,
        secs,
        bytes as f64 / 1048576.0 / secs
    );
}
