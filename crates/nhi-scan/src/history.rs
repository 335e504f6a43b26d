//! Git history: every blob reachable from any ref, read once, scanned like a file.

use std::path::Path;

use nhi_git::{History, HistoryOptions, HistoryWarningKind};
use nhi_model::SkipReason;

use crate::content::{HistoryOrigin, Origin, scan_content};
use crate::walk::relative_path;
use crate::{Collector, display_root};

pub(crate) fn scan_history(root: &Path, repo: &Path, collector: &Collector<'_>) {
    let repo_label = relative_path(root, repo);
    let repo_prefix = if repo == root {
        String::new()
    } else {
        format!("{repo_label}/")
    };
    let not_scanned = |e: nhi_git::GitError| {
        collector.warn(
            SkipReason::CorruptGitObject,
            &repo_label,
            None,
            format!("git history not scanned: {e}"),
        )
    };
    let options = HistoryOptions {
        max_blob_size: collector.max_file_size,
    };
    let (history, plan) = match History::open(repo).and_then(|h| {
        let plan = h.plan(&options)?;
        Ok((h, plan))
    }) {
        Ok(opened) => opened,
        Err(e) => return not_scanned(e),
    };
    for warning in &plan.warnings {
        let reason = match warning.kind {
            HistoryWarningKind::TooLarge => SkipReason::TooLarge,
            HistoryWarningKind::CorruptObject => SkipReason::CorruptGitObject,
            HistoryWarningKind::Unreadable => SkipReason::Unreadable,
        };
        collector.warn(
            reason,
            &format!("{repo_prefix}git:{}", warning.object),
            None,
            warning.message.clone(),
        );
    }
    {
        let mut summary = collector.summary.lock().unwrap_or_else(|e| e.into_inner());
        summary.commits_walked += plan.commits_walked;
    }
    let root_label = display_root(root);
    history.read_blobs(&plan.blobs, |blob, bytes| match bytes {
        Ok(bytes) => {
            {
                let mut summary = collector.summary.lock().unwrap_or_else(|e| e.into_inner());
                summary.blobs_scanned += 1;
                summary.bytes_scanned += bytes.len() as u64;
            }
            collector.progress.advance(bytes.len() as u64);
            let rel_path = format!("{repo_prefix}{}", blob.path);
            let origin = Origin {
                root: &root_label,
                rel_path: &rel_path,
                history: Some(HistoryOrigin {
                    commit: &blob.commit,
                    blob: &blob.id,
                    author: &blob.author,
                    date: &blob.date,
                }),
            };
            scan_content(collector, &origin, bytes);
        }
        Err(e) => collector.warn(
            SkipReason::CorruptGitObject,
            &format!("{repo_prefix}git:{}", blob.id),
            None,
            format!("blob for {} not read: {e}", blob.path),
        ),
    });
}
