//! Enumerates every blob reachable in a git repository's history exactly once, with its first commit.
//!
//! The invariant the scanner relies on: a [`HistoryPlan`] lists each distinct blob id at most once,
//! attributed to the oldest commit (by committer time, parents always before their children) whose
//! tree contains it, and [`History::read_blobs`] reads each listed blob once. Trees are visited once
//! as well: a tree id already seen can only hold blobs that were already attributed, so it is skipped
//! whole. The work is therefore proportional to the number of distinct objects, like
//! `git rev-list --objects --all`, not to commits times files.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::Kind;
use rayon::prelude::*;

/// Blob size limit used by [`HistoryOptions::default`].
pub const DEFAULT_MAX_BLOB_SIZE: u64 = 10 * 1024 * 1024;

/// Decoded objects kept while planning. Commits and trees are read once each, so this mainly
/// spares the second pass over HEAD's tree; it is kept small because it is per thread.
const PLAN_OBJECT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// How many chunks per worker thread `read_blobs` splits its work into: enough to balance uneven
/// blob sizes, few enough that opening a thread-local repository handle per chunk stays negligible.
const CHUNKS_PER_THREAD: usize = 4;

/// Options for [`History::plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Blobs larger than this many bytes are left out of the plan with a [`HistoryWarningKind::TooLarge`] warning.
    pub max_blob_size: u64,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
        }
    }
}

/// One distinct blob and the first commit that contains it.
///
/// A blob reachable only through a ref that points straight at a tree or a blob (for example
/// `git tag name <blob-id>`) belongs to no commit: its `commit`, `author` and `date` are empty, and
/// so is `path` when the ref names the blob itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryBlob {
    /// Hex object id.
    pub id: String,
    /// Path of the blob in its first commit, `/` separated; non-UTF-8 bytes are replaced.
    pub path: String,
    /// Hex id of the first commit containing the blob.
    pub commit: String,
    /// Author of that commit, as `Name <email>`.
    pub author: String,
    /// Committer time of that commit, RFC 3339 in UTC.
    pub date: String,
    /// Size of the blob in bytes.
    pub size: u64,
}

/// What went wrong with one object or ref while planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryWarningKind {
    /// The object exists but cannot be decoded, or is not the kind of object it should be.
    CorruptObject,
    /// The blob is larger than [`HistoryOptions::max_blob_size`] and was skipped.
    TooLarge,
    /// The object or ref could not be found or read.
    Unreadable,
}

/// A problem that did not stop planning; the objects behind it are left out of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryWarning {
    /// Hex object id, or the ref name for problems with a ref.
    pub object: String,
    pub kind: HistoryWarningKind,
    pub message: String,
}

/// Everything [`History::plan`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryPlan {
    /// Distinct blobs, in the order of their first commit (oldest first).
    pub blobs: Vec<HistoryBlob>,
    /// Commits that were read and parsed.
    pub commits_walked: u64,
    pub warnings: Vec<HistoryWarning>,
    /// Hex ids of all blobs in HEAD's tree; empty when HEAD is unborn or not a commit.
    pub head_blobs: HashSet<String>,
}

/// Errors name the repository path and, where one is involved, the object id.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not a git repository: {message}", path = path.display())]
    NotARepository { path: PathBuf, message: String },
    #[error("{repo}: cannot list references: {message}", repo = repo.display())]
    References { repo: PathBuf, message: String },
    #[error("{repo}: cannot read object {id}: {message}", repo = repo.display())]
    Object {
        repo: PathBuf,
        id: String,
        message: String,
    },
    #[error("{repo}: object {id} is missing", repo = repo.display())]
    MissingObject { repo: PathBuf, id: String },
    #[error("{repo}: object {id} is a {actual}, expected a {expected}", repo = repo.display())]
    WrongKind {
        repo: PathBuf,
        id: String,
        expected: &'static str,
        actual: String,
    },
    #[error("{repo}: {id:?} is not a valid object id", repo = repo.display())]
    InvalidId { repo: PathBuf, id: String },
}

/// A repository opened for reading its history.
pub struct History {
    repo: gix::ThreadSafeRepository,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

/// The part of a commit that blobs are attributed with.
struct CommitMeta {
    id: ObjectId,
    author: String,
    date: String,
}

struct ParsedCommit {
    tree: ObjectId,
    parents: Vec<ObjectId>,
    author: String,
    seconds: i64,
}

/// A blob found by the tree traversal, before its size is known.
struct Candidate {
    id: ObjectId,
    path: String,
    /// Index into the commit metadata, `None` for blobs reachable only from a ref to a tree or blob.
    commit: Option<usize>,
}

impl History {
    /// Opens the repository at `path`: a work tree, its `.git` directory, or a bare repository.
    ///
    /// System, global and environment configuration is ignored so that the scan of a repository
    /// does not depend on (or get redirected by) the machine it runs on.
    pub fn open(path: &Path) -> Result<History, GitError> {
        let repo =
            gix::open::Options::isolated()
                .open(path)
                .map_err(|err| GitError::NotARepository {
                    path: path.to_path_buf(),
                    message: render_error(&err),
                })?;
        Ok(History {
            repo,
            path: path.to_path_buf(),
        })
    }

    /// Cheap check without opening anything: `path/.git` exists (a directory, or a gitfile as in
    /// linked worktrees and submodules), or `path` itself looks like a bare repository.
    pub fn is_repository(path: &Path) -> bool {
        let dot_git = path.join(".git");
        if dot_git.is_dir() || dot_git.is_file() {
            return true;
        }
        path.join("HEAD").is_file() && path.join("objects").is_dir() && path.join("refs").is_dir()
    }

    /// The path the repository was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Walks every commit reachable from every ref and HEAD and lists each distinct blob once,
    /// attributed to the oldest commit containing it.
    ///
    /// Broken refs and objects become warnings; only failing to list the refs at all is an error.
    pub fn plan(&self, opts: &HistoryOptions) -> Result<HistoryPlan, GitError> {
        let mut repo = self.repo.to_thread_local();
        repo.object_cache_size(PLAN_OBJECT_CACHE_BYTES);
        let mut warnings = Vec::new();

        let tips = self.ref_tips(&repo, &mut warnings)?;
        let walk = walk_commits(&repo, &tips, &mut warnings);
        let order = oldest_first(&walk.commits);

        let mut seen_trees = HashSet::new();
        let mut seen_blobs = HashSet::new();
        let mut commits = Vec::with_capacity(order.len());
        let mut candidates = Vec::new();
        for id in order {
            let Some(parsed) = walk.commits.get(&id) else {
                continue;
            };
            let commit_index = commits.len();
            commits.push(CommitMeta {
                id,
                author: parsed.author.clone(),
                date: rfc3339_utc(parsed.seconds),
            });
            if seen_trees.insert(parsed.tree) {
                traverse_tree(
                    &repo,
                    parsed.tree,
                    &mut seen_trees,
                    &mut seen_blobs,
                    &mut warnings,
                    |id, path| {
                        candidates.push(Candidate {
                            id,
                            path,
                            commit: Some(commit_index),
                        })
                    },
                );
            }
        }
        // Objects that only a ref reaches come after every commit, so a commit always wins the attribution.
        for root in &walk.non_commit_roots {
            match root.kind {
                Kind::Tree => {
                    if seen_trees.insert(root.id) {
                        traverse_tree(
                            &repo,
                            root.id,
                            &mut seen_trees,
                            &mut seen_blobs,
                            &mut warnings,
                            |id, path| {
                                candidates.push(Candidate {
                                    id,
                                    path,
                                    commit: None,
                                })
                            },
                        );
                    }
                }
                Kind::Blob => {
                    if seen_blobs.insert(root.id) {
                        candidates.push(Candidate {
                            id: root.id,
                            path: String::new(),
                            commit: None,
                        });
                    }
                }
                Kind::Commit | Kind::Tag => {}
            }
        }

        let head_blobs = self.head_blobs(&repo, &mut warnings);
        let blobs = self.sized_blobs(candidates, &commits, opts, &mut warnings);

        Ok(HistoryPlan {
            blobs,
            commits_walked: walk.commits.len() as u64,
            warnings: dedup_warnings(warnings),
            head_blobs,
        })
    }

    /// Calls `f` once per blob, in parallel, with its bytes or the error for that one blob.
    ///
    /// `f` runs on rayon's worker threads; a failing blob never stops the others.
    pub fn read_blobs<F>(&self, blobs: &[HistoryBlob], f: F)
    where
        F: Fn(&HistoryBlob, Result<&[u8], GitError>) + Sync,
    {
        if blobs.is_empty() {
            return;
        }
        let chunks = rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD;
        let chunk_len = blobs.len().div_ceil(chunks).max(1);
        blobs.par_chunks(chunk_len).for_each_init(
            || {
                let mut repo = self.repo.to_thread_local();
                // Every blob is read exactly once, so caching decoded blobs would only cost memory.
                repo.object_cache_size(None);
                repo
            },
            |repo, chunk| {
                for blob in chunk {
                    match self.read_blob(repo, blob) {
                        Ok(object) => f(blob, Ok(&object.data)),
                        Err(err) => f(blob, Err(err)),
                    }
                }
            },
        );
    }

    fn read_blob<'repo>(
        &self,
        repo: &'repo gix::Repository,
        blob: &HistoryBlob,
    ) -> Result<gix::Object<'repo>, GitError> {
        let id = ObjectId::from_hex(blob.id.as_bytes()).map_err(|_| GitError::InvalidId {
            repo: self.path.clone(),
            id: blob.id.clone(),
        })?;
        let object = repo
            .try_find_object(id)
            .map_err(|err| GitError::Object {
                repo: self.path.clone(),
                id: blob.id.clone(),
                message: render_error(&err),
            })?
            .ok_or_else(|| GitError::MissingObject {
                repo: self.path.clone(),
                id: blob.id.clone(),
            })?;
        if object.kind != Kind::Blob {
            return Err(GitError::WrongKind {
                repo: self.path.clone(),
                id: blob.id.clone(),
                expected: "blob",
                actual: object.kind.to_string(),
            });
        }
        Ok(object)
    }

    /// Every ref (branches, tags, remotes, stash, …) plus HEAD, peeled through symbolic refs and
    /// annotated tags. The ids may name commits, trees or blobs; the walk sorts that out.
    fn ref_tips(
        &self,
        repo: &gix::Repository,
        warnings: &mut Vec<HistoryWarning>,
    ) -> Result<Vec<(ObjectId, String)>, GitError> {
        let list_error = |err: gix::Error| GitError::References {
            repo: self.path.clone(),
            message: render_error(&err),
        };
        let platform = repo.references().map_err(list_error)?;
        let mut tips = Vec::new();
        for reference in platform.all().map_err(list_error)? {
            let mut reference = match reference {
                Ok(reference) => reference,
                Err(err) => {
                    warnings.push(HistoryWarning {
                        object: "refs".to_owned(),
                        kind: HistoryWarningKind::Unreadable,
                        message: format!("cannot read a reference: {}", render_error(&err)),
                    });
                    continue;
                }
            };
            let name = reference.name().as_bstr().to_str_lossy().into_owned();
            match reference.peel_to_id() {
                Ok(id) => tips.push((id.detach(), name)),
                Err(err) => warnings.push(HistoryWarning {
                    object: name,
                    kind: HistoryWarningKind::Unreadable,
                    message: format!("cannot resolve reference: {}", render_error(&err)),
                }),
            }
        }
        // HEAD is not under refs/, and a detached HEAD may be the only way to reach some commits.
        match repo.head() {
            Ok(head) if head.is_unborn() => {}
            Ok(head) => match head.into_peeled_id() {
                Ok(id) => tips.push((id.detach(), "HEAD".to_owned())),
                Err(err) => warnings.push(HistoryWarning {
                    object: "HEAD".to_owned(),
                    kind: HistoryWarningKind::Unreadable,
                    message: format!("cannot resolve HEAD: {}", render_error(&err)),
                }),
            },
            Err(err) => warnings.push(HistoryWarning {
                object: "HEAD".to_owned(),
                kind: HistoryWarningKind::Unreadable,
                message: format!("cannot read HEAD: {}", render_error(&err)),
            }),
        }
        Ok(tips)
    }

    fn head_blobs(
        &self,
        repo: &gix::Repository,
        warnings: &mut Vec<HistoryWarning>,
    ) -> HashSet<String> {
        let mut blobs = HashSet::new();
        let Ok(head) = repo.head() else {
            return blobs; // already reported by ref_tips
        };
        if head.is_unborn() {
            return blobs;
        }
        let Ok(id) = head.into_peeled_id() else {
            return blobs;
        };
        let Some(tree) = read_commit(repo, id.detach(), warnings).map(|commit| commit.tree) else {
            return blobs;
        };
        let mut seen_trees = HashSet::from([tree]);
        let mut seen_blobs = HashSet::new();
        traverse_tree(
            repo,
            tree,
            &mut seen_trees,
            &mut seen_blobs,
            warnings,
            |id, _path| {
                blobs.insert(id.to_string());
            },
        );
        blobs
    }

    /// Looks up blob sizes from object headers (no blob is decompressed in full), in parallel
    /// because packed headers may need a walk down a delta chain.
    fn sized_blobs(
        &self,
        candidates: Vec<Candidate>,
        commits: &[CommitMeta],
        opts: &HistoryOptions,
        warnings: &mut Vec<HistoryWarning>,
    ) -> Vec<HistoryBlob> {
        let sizes: Vec<Result<u64, HistoryWarning>> = candidates
            .par_iter()
            .map_init(
                || self.repo.to_thread_local(),
                |repo, candidate| blob_size(repo, candidate.id),
            )
            .collect();
        let mut blobs = Vec::with_capacity(candidates.len());
        for (candidate, size) in candidates.into_iter().zip(sizes) {
            let size = match size {
                Ok(size) => size,
                Err(warning) => {
                    warnings.push(warning);
                    continue;
                }
            };
            if size > opts.max_blob_size {
                warnings.push(HistoryWarning {
                    object: candidate.id.to_string(),
                    kind: HistoryWarningKind::TooLarge,
                    message: format!(
                        "blob at {:?} is {size} bytes, over the {} byte limit",
                        candidate.path, opts.max_blob_size
                    ),
                });
                continue;
            }
            let commit = candidate.commit.and_then(|index| commits.get(index));
            blobs.push(HistoryBlob {
                id: candidate.id.to_string(),
                path: candidate.path,
                commit: commit.map(|c| c.id.to_string()).unwrap_or_default(),
                author: commit.map(|c| c.author.clone()).unwrap_or_default(),
                date: commit.map(|c| c.date.clone()).unwrap_or_default(),
                size,
            });
        }
        blobs
    }
}

fn blob_size(repo: &gix::Repository, id: ObjectId) -> Result<u64, HistoryWarning> {
    match repo.try_find_header(id) {
        Ok(Some(header)) if header.kind() == Kind::Blob => Ok(header.size()),
        Ok(Some(header)) => Err(HistoryWarning {
            object: id.to_string(),
            kind: HistoryWarningKind::CorruptObject,
            message: format!("a tree lists it as a blob but it is a {}", header.kind()),
        }),
        Ok(None) => Err(missing(id)),
        Err(err) => Err(HistoryWarning {
            object: id.to_string(),
            kind: HistoryWarningKind::CorruptObject,
            message: format!("cannot read blob header: {}", render_error(&err)),
        }),
    }
}

struct Walk {
    commits: HashMap<ObjectId, ParsedCommit>,
    non_commit_roots: Vec<NonCommitRoot>,
}

struct NonCommitRoot {
    id: ObjectId,
    kind: Kind,
}

/// Reads every commit reachable from `tips` once. A commit that cannot be read is reported and
/// its ancestry is reached, if at all, through other paths.
fn walk_commits(
    repo: &gix::Repository,
    tips: &[(ObjectId, String)],
    warnings: &mut Vec<HistoryWarning>,
) -> Walk {
    let mut walk = Walk {
        commits: HashMap::new(),
        non_commit_roots: Vec::new(),
    };
    let mut seen = HashSet::new();
    let mut stack = Vec::new();
    for (id, name) in tips {
        if !seen.insert(*id) {
            continue;
        }
        // Tips are classified by reading them, because a ref may point straight at a tree or blob.
        match repo.try_find_header(*id) {
            Ok(Some(header)) => match header.kind() {
                Kind::Commit => stack.push(*id),
                kind @ (Kind::Tree | Kind::Blob) => {
                    walk.non_commit_roots.push(NonCommitRoot { id: *id, kind })
                }
                Kind::Tag => warnings.push(HistoryWarning {
                    object: name.clone(),
                    kind: HistoryWarningKind::CorruptObject,
                    message: format!("reference still points to tag {id} after peeling"),
                }),
            },
            Ok(None) => warnings.push(HistoryWarning {
                object: name.clone(),
                kind: HistoryWarningKind::Unreadable,
                message: format!("reference points to missing object {id}"),
            }),
            Err(err) => warnings.push(HistoryWarning {
                object: name.clone(),
                kind: HistoryWarningKind::CorruptObject,
                message: format!(
                    "reference points to unreadable object {id}: {}",
                    render_error(&err)
                ),
            }),
        }
    }
    while let Some(id) = stack.pop() {
        let Some(commit) = read_commit(repo, id, warnings) else {
            continue;
        };
        for parent in &commit.parents {
            if seen.insert(*parent) {
                stack.push(*parent);
            }
        }
        walk.commits.insert(id, commit);
    }
    walk
}

fn read_commit(
    repo: &gix::Repository,
    id: ObjectId,
    warnings: &mut Vec<HistoryWarning>,
) -> Option<ParsedCommit> {
    let object = match repo.try_find_object(id) {
        Ok(Some(object)) => object,
        Ok(None) => {
            warnings.push(missing(id));
            return None;
        }
        Err(err) => {
            warnings.push(corrupt(id, "cannot read commit", &err));
            return None;
        }
    };
    if object.kind != Kind::Commit {
        warnings.push(HistoryWarning {
            object: id.to_string(),
            kind: HistoryWarningKind::CorruptObject,
            message: format!("expected a commit, found a {}", object.kind),
        });
        return None;
    }
    let commit = match gix::objs::CommitRef::from_bytes(&object.data, repo.object_hash()) {
        Ok(commit) => commit,
        Err(err) => {
            warnings.push(corrupt(id, "cannot parse commit", &err));
            return None;
        }
    };
    let author = match commit.author() {
        Ok(signature) => format!("{} <{}>", signature.name, signature.email),
        Err(_) => commit.author.to_str_lossy().trim().to_owned(),
    };
    Some(ParsedCommit {
        tree: commit.tree(),
        parents: commit.parents().collect(),
        author,
        // An unparsable committer time sorts as the epoch: the commit is still scanned.
        seconds: commit.time().map(|time| time.seconds).unwrap_or_default(),
    })
}

/// Orders commits so that parents come before children and, among the commits whose parents are
/// all placed, the oldest committer time (then id, for determinism) comes first. Respecting
/// ancestry first means identical or skewed timestamps cannot attribute a blob to a descendant.
fn oldest_first(commits: &HashMap<ObjectId, ParsedCommit>) -> Vec<ObjectId> {
    let mut pending_parents: HashMap<ObjectId, usize> = HashMap::with_capacity(commits.len());
    let mut children: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    for (id, commit) in commits {
        let mut pending = 0;
        for parent in commit
            .parents
            .iter()
            .filter(|parent| commits.contains_key(*parent))
        {
            pending += 1;
            children.entry(*parent).or_default().push(*id);
        }
        pending_parents.insert(*id, pending);
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId)>> = pending_parents
        .iter()
        .filter(|(_, pending)| **pending == 0)
        .filter_map(|(id, _)| commits.get(id).map(|commit| Reverse((commit.seconds, *id))))
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, id))) = ready.pop() {
        order.push(id);
        for child in children.get(&id).into_iter().flatten() {
            let Some(pending) = pending_parents.get_mut(child) else {
                continue;
            };
            *pending = pending.saturating_sub(1);
            if *pending == 0
                && let Some(commit) = commits.get(child)
            {
                ready.push(Reverse((commit.seconds, *child)));
            }
        }
    }
    if order.len() < commits.len() {
        // Only a cycle, impossible without a hash collision, leaves commits unplaced; keep them anyway.
        let placed: HashSet<ObjectId> = order.iter().copied().collect();
        let mut rest: Vec<(i64, ObjectId)> = commits
            .iter()
            .filter(|(id, _)| !placed.contains(*id))
            .map(|(id, commit)| (commit.seconds, *id))
            .collect();
        rest.sort();
        order.extend(rest.into_iter().map(|(_, id)| id));
    }
    order
}

/// Depth-first walk below `root` (which the caller has already marked as seen), calling `on_blob`
/// for every blob or symlink not seen before. Trees already in `seen_trees` are skipped whole.
/// Submodule entries name commits of another repository and are skipped.
fn traverse_tree(
    repo: &gix::Repository,
    root: ObjectId,
    seen_trees: &mut HashSet<ObjectId>,
    seen_blobs: &mut HashSet<ObjectId>,
    warnings: &mut Vec<HistoryWarning>,
    mut on_blob: impl FnMut(ObjectId, String),
) {
    let mut stack = vec![(root, String::new())];
    while let Some((tree_id, prefix)) = stack.pop() {
        let object = match repo.try_find_object(tree_id) {
            Ok(Some(object)) => object,
            Ok(None) => {
                warnings.push(missing(tree_id));
                continue;
            }
            Err(err) => {
                warnings.push(corrupt(tree_id, "cannot read tree", &err));
                continue;
            }
        };
        if object.kind != Kind::Tree {
            warnings.push(HistoryWarning {
                object: tree_id.to_string(),
                kind: HistoryWarningKind::CorruptObject,
                message: format!("expected a tree, found a {}", object.kind),
            });
            continue;
        }
        for entry in gix::objs::TreeRefIter::from_bytes(&object.data, repo.object_hash()) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    // Entries before the damage were used; nothing after it can be located.
                    warnings.push(corrupt(tree_id, "cannot parse tree entry", &err));
                    break;
                }
            };
            if entry.mode.is_commit() {
                continue;
            }
            let name = entry.filename.to_str_lossy();
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            let id = entry.oid.to_owned();
            if entry.mode.is_tree() {
                if seen_trees.insert(id) {
                    stack.push((id, path));
                }
            } else if seen_blobs.insert(id) {
                on_blob(id, path);
            }
        }
    }
}

fn missing(id: ObjectId) -> HistoryWarning {
    HistoryWarning {
        object: id.to_string(),
        kind: HistoryWarningKind::Unreadable,
        message: "object is missing from the repository".to_owned(),
    }
}

fn corrupt(id: ObjectId, what: &str, err: &dyn std::error::Error) -> HistoryWarning {
    HistoryWarning {
        object: id.to_string(),
        kind: HistoryWarningKind::CorruptObject,
        message: format!("{what}: {}", render_error(err)),
    }
}

/// The error and all its sources on one line; gix errors put the useful detail in the sources.
fn render_error(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

fn rfc3339_utc(seconds: i64) -> String {
    // Out-of-range times only come from forged commits; the epoch keeps the field well-formed.
    jiff::Timestamp::from_second(seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

/// One tree or ref problem is seen from every commit that reaches it; report it once.
fn dedup_warnings(warnings: Vec<HistoryWarning>) -> Vec<HistoryWarning> {
    let mut seen = HashSet::new();
    warnings
        .into_iter()
        .filter(|warning| seen.insert(warning.clone()))
        .collect()
}
