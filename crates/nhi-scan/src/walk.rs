//! The working-tree walk: every file under a root, in parallel, each read once.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use nhi_model::SkipReason;

use crate::content::{Origin, scan_content};
use crate::{Collector, ScanOptions, display_root};

/// Files at least this big are memory-mapped instead of copied into a buffer.
const MMAP_THRESHOLD: u64 = 4 * 1024 * 1024;

/// Scans every file under `root` and returns the git repositories found there, whose
/// history the caller may walk next.
pub(crate) fn scan_tree(
    root: &Path,
    options: &ScanOptions,
    collector: &Collector<'_>,
) -> Vec<PathBuf> {
    let root_label = display_root(root);
    let repos = Mutex::new(Vec::new());
    let respect = options.respect_gitignore;
    let outside: std::sync::Arc<Mutex<Vec<PathBuf>>> = std::sync::Arc::default();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(true)
        .threads(options.threads.unwrap_or(0))
        // History is read through git itself; the object files are not source.
        .filter_entry({
            let outside = std::sync::Arc::clone(&outside);
            move |entry| {
                if entry.file_name() == ".git" {
                    return false;
                }
                // Links are followed (symlinked config dirs are common), but only to
                // targets inside the root.
                if entry.path_is_symlink() && !inside(&canonical_root, entry.path()) {
                    outside
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(entry.path().to_path_buf());
                    return false;
                }
                true
            }
        });

    builder.build_parallel().run(|| {
        let mut buffer = Vec::new();
        let root_label = root_label.as_str();
        let repos = &repos;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    report_walk_error(collector, root, &err);
                    return WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            if file_type.is_dir() {
                if options.history && entry.path().join(".git").exists() {
                    repos
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(entry.path().to_path_buf());
                }
                return WalkState::Continue;
            }
            if file_type.is_file() {
                let rel = relative_path(root, entry.path());
                scan_file(collector, root_label, &rel, entry.path(), &mut buffer);
            }
            WalkState::Continue
        })
    });
    let mut outside = std::mem::take(&mut *outside.lock().unwrap_or_else(|e| e.into_inner()));
    outside.sort();
    for link in outside {
        collector.warn(
            SkipReason::OutsideRoot,
            &relative_path(root, &link),
            None,
            "symbolic link to a target outside the scanned root; not followed".to_string(),
        );
    }
    let mut repos = repos.into_inner().unwrap_or_else(|e| e.into_inner());
    repos.sort();
    repos
}

/// Whether `link` resolves to a path under `canonical_root`. A dangling link resolves to
/// nothing and is let through, so the walk reports it as unreadable.
fn inside(canonical_root: &Path, link: &Path) -> bool {
    match link.canonicalize() {
        Ok(target) => target.starts_with(canonical_root),
        Err(_) => true,
    }
}

/// The path of `path` under `root` with `/` separators; the file name when the root is
/// the file itself.
pub(crate) fn relative_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        Path::new(path.file_name().unwrap_or(path.as_os_str()))
    } else {
        rel
    };
    rel.to_string_lossy().replace('\\', "/")
}

fn scan_file(
    collector: &Collector<'_>,
    root_label: &str,
    rel: &str,
    path: &Path,
    buffer: &mut Vec<u8>,
) {
    let unreadable = |e: std::io::Error| {
        collector.warn(
            SkipReason::Unreadable,
            rel,
            None,
            format!("cannot read file: {e}"),
        )
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return unreadable(e),
    };
    let len = match file.metadata() {
        Ok(meta) => meta.len(),
        Err(e) => return unreadable(e),
    };
    if len > collector.max_file_size {
        // Too big to scan as text, but it may be a large platform export.
        if collector.exports.is_some() && crate::may_be_export(rel) && len <= crate::MAX_EXPORT_SIZE
        {
            // SAFETY: as below: read-only, dropped before return.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) }
                && collector.try_export(root_label, rel, &map)
            {
                record_file(collector, len);
                return;
            }
        }
        collector.warn(
            SkipReason::TooLarge,
            rel,
            None,
            format!(
                "{len} bytes is over the {} byte limit (--max-file-size)",
                collector.max_file_size
            ),
        );
        return;
    }
    let origin = Origin {
        root: root_label,
        rel_path: rel,
        history: None,
    };
    if len >= MMAP_THRESHOLD {
        // SAFETY: the map is read-only and dropped before this function returns. A file
        // truncated by another process while mapped can fault; ripgrep accepts the same
        // trade for large files, and small files (the vast majority) are copied instead.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => {
                record_file(collector, len);
                scan_content(collector, &origin, &map);
            }
            Err(e) => unreadable(e),
        }
        return;
    }
    buffer.clear();
    // Read the length metadata reported and stop there: reading on to end of file
    // cost one more `read` per file (one that returns nothing) for the rare file that
    // grows while it is scanned, which is then scanned as it was when listed. A
    // pseudo-file reports length 0 and is read to its end, still only up to the limit.
    let limit = if len == 0 {
        collector.max_file_size.saturating_add(1)
    } else {
        len
    };
    buffer.reserve(usize::try_from(len).unwrap_or(0));
    if let Err(e) = (&mut file).take(limit).read_to_end(buffer) {
        return unreadable(e);
    }
    if buffer.len() as u64 > collector.max_file_size {
        collector.warn(
            SkipReason::TooLarge,
            rel,
            None,
            format!(
                "grew past the {} byte limit (--max-file-size) while being read",
                collector.max_file_size
            ),
        );
        return;
    }
    record_file(collector, buffer.len() as u64);
    scan_content(collector, &origin, buffer);
}

fn record_file(collector: &Collector<'_>, bytes: u64) {
    {
        let mut summary = collector.summary.lock().unwrap_or_else(|e| e.into_inner());
        summary.files_scanned += 1;
        summary.bytes_scanned += bytes;
    }
    collector.progress.advance(bytes);
}

fn report_walk_error(collector: &Collector<'_>, root: &Path, err: &ignore::Error) {
    let (reason, path) = classify_walk_error(err);
    let path = path.map_or_else(|| display_root(root), |p| relative_path(root, p));
    collector.warn(reason, &path, None, err.to_string());
}

/// Digs through ignore's error wrappers for the path and whether it is a symlink loop.
fn classify_walk_error(err: &ignore::Error) -> (SkipReason, Option<&Path>) {
    match err {
        ignore::Error::Loop { child, .. } => (SkipReason::SymlinkLoop, Some(child.as_path())),
        ignore::Error::WithPath { path, err } => {
            let (reason, inner) = classify_walk_error(err);
            (reason, inner.or(Some(path.as_path())))
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            classify_walk_error(err)
        }
        ignore::Error::Partial(errs) => errs
            .first()
            .map_or((SkipReason::Unreadable, None), classify_walk_error),
        _ => (SkipReason::Unreadable, None),
    }
}
