//! Where the shared third-party datasets are. They are never copied into the repository:
//! CI puts them beside the clone (`../shared/datasets`), and a test that needs one must
//! skip, saying so, where they are absent.

use std::path::{Path, PathBuf};

/// The path of `relative` (e.g. `cloudtrail/panther_rule_tests.ndjson`) inside the
/// shared datasets, if present. Looked for in `$NHI_SHARED_DATASETS`, then beside the
/// repository (`<repo>/../shared/datasets`), then `/work/shared/datasets`.
pub fn shared_dataset(relative: &str) -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("NHI_SHARED_DATASETS") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(repo.join("../shared/datasets"));
    roots.push(PathBuf::from("/work/shared/datasets"));
    roots
        .into_iter()
        .map(|root| root.join(relative))
        .find(|path| path.is_file())
}

/// [`shared_dataset`], printing a skip message naming the file when it is absent.
pub fn shared_dataset_or_skip(relative: &str, test: &str) -> Option<PathBuf> {
    let found = shared_dataset(relative);
    if found.is_none() {
        eprintln!(
            "SKIP {test}: shared dataset `{relative}` is absent (set NHI_SHARED_DATASETS or \
             put it in ../shared/datasets beside the repository)"
        );
    }
    found
}
