//! Builds real repositories with the `git` CLI and checks what `History` finds in them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use nhi_git::{GitError, History, HistoryBlob, HistoryOptions, HistoryPlan, HistoryWarningKind};

/// 2001-09-09T01:46:40Z, a round number that is easy to check in RFC 3339 form.
const T0: i64 = 1_000_000_000;

struct TestRepo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
}

impl TestRepo {
    fn new() -> TestRepo {
        Self::init(&["init", "-q", "-b", "main"])
    }

    fn init(args: &[&str]) -> TestRepo {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = TestRepo {
            _tmp: tmp,
            dir,
            home,
        };
        repo.git(args);
        repo
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(&self.dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Default Author")
            .env("GIT_AUTHOR_EMAIL", "default@example.com")
            .env("GIT_COMMITTER_NAME", "Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_AUTHOR_DATE", format!("{T0} +0000"))
            .env("GIT_COMMITTER_DATE", format!("{T0} +0000"));
        cmd
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn git_stdin(&self, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?} failed");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn write(&self, path: &str, content: &str) {
        let full = self.dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.dir.join(path)).unwrap();
    }

    /// Stages everything and commits with the given author and time (author and committer time alike).
    fn commit(&self, message: &str, author: (&str, &str), time: i64) -> String {
        self.git(&["add", "-A"]);
        let date = format!("{time} +0000");
        let out = self
            .command(&["commit", "-q", "--allow-empty", "-m", message])
            .env("GIT_AUTHOR_NAME", author.0)
            .env("GIT_AUTHOR_EMAIL", author.1)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(&["rev-parse", "HEAD"])
    }

    fn blob_id(&self, content: &str) -> String {
        self.git_stdin(&["hash-object", "--stdin"], content)
    }

    /// Blob ids `git rev-list --objects --all` reaches: the reference answer.
    fn git_reachable_blobs(&self) -> HashSet<String> {
        let objects = self.git(&["rev-list", "--objects", "--all"]);
        let ids: String = objects
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(|id| format!("{id}\n"))
            .collect();
        self.git_stdin(
            &["cat-file", "--batch-check=%(objecttype) %(objectname)"],
            &ids,
        )
        .lines()
        .filter_map(|line| line.strip_prefix("blob "))
        .map(str::to_owned)
        .collect()
    }

    fn loose_object_path(&self, id: &str) -> PathBuf {
        self.dir.join(".git/objects").join(&id[..2]).join(&id[2..])
    }

    /// Replaces a loose object with bytes that are not even zlib data.
    fn corrupt_loose(&self, id: &str) {
        let path = self.loose_object_path(id);
        assert!(path.is_file(), "{id} is not loose");
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).unwrap();
        std::fs::write(&path, b"this is not a git object at all").unwrap();
    }

    fn plan(&self) -> HistoryPlan {
        History::open(&self.dir)
            .unwrap()
            .plan(&HistoryOptions::default())
            .unwrap()
    }
}

fn by_id(plan: &HistoryPlan) -> HashMap<&str, &HistoryBlob> {
    let map: HashMap<&str, &HistoryBlob> = plan.blobs.iter().map(|b| (b.id.as_str(), b)).collect();
    assert_eq!(
        map.len(),
        plan.blobs.len(),
        "a blob was listed twice: {:#?}",
        plan.blobs
    );
    map
}

fn read_all(history: &History, blobs: &[HistoryBlob]) -> HashMap<String, Result<Vec<u8>, String>> {
    let results = Mutex::new(HashMap::new());
    history.read_blobs(blobs, |blob, data| {
        let entry = data.map(<[u8]>::to_vec).map_err(|err| err.to_string());
        let previous = results.lock().unwrap().insert(blob.id.clone(), entry);
        assert!(previous.is_none(), "{} was read twice", blob.id);
    });
    results.into_inner().unwrap()
}

#[test]
fn added_modified_deleted_file_yields_both_versions_with_their_commits() {
    let repo = TestRepo::new();
    repo.write("config/secret.env", "TOKEN=first\n");
    let c1 = repo.commit("add", ("Alice", "alice@example.com"), T0);
    repo.write("config/secret.env", "TOKEN=second\n");
    let c2 = repo.commit("modify", ("Bob", "bob@example.com"), T0 + 3600);
    repo.remove("config/secret.env");
    repo.write("README", "nothing here\n");
    let c3 = repo.commit("delete", ("Carol", "carol@example.com"), T0 + 7200);

    let plan = repo.plan();
    assert_eq!(plan.commits_walked, 3);
    assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    assert_eq!(plan.blobs.len(), 3);
    let blobs = by_id(&plan);

    let first = blobs[repo.blob_id("TOKEN=first\n").as_str()];
    assert_eq!(first.commit, c1);
    assert_eq!(first.path, "config/secret.env");
    assert_eq!(first.author, "Alice <alice@example.com>");
    assert_eq!(first.date, "2001-09-09T01:46:40Z");
    assert_eq!(first.size, "TOKEN=first\n".len() as u64);

    let second = blobs[repo.blob_id("TOKEN=second\n").as_str()];
    assert_eq!(second.commit, c2);
    assert_eq!(second.path, "config/secret.env");
    assert_eq!(second.author, "Bob <bob@example.com>");
    assert_eq!(second.date, "2001-09-09T02:46:40Z");

    let readme = blobs[repo.blob_id("nothing here\n").as_str()];
    assert_eq!(readme.commit, c3);

    assert_eq!(plan.head_blobs, HashSet::from([readme.id.clone()]));

    let history = History::open(&repo.dir).unwrap();
    let read = read_all(&history, &plan.blobs);
    assert_eq!(read.len(), 3);
    assert_eq!(read[&first.id].as_deref(), Ok(&b"TOKEN=first\n"[..]));
    assert_eq!(read[&second.id].as_deref(), Ok(&b"TOKEN=second\n"[..]));
}

#[test]
fn identical_content_is_listed_once_at_its_first_path_and_commit() {
    let repo = TestRepo::new();
    repo.write("a.txt", "same\n");
    repo.write("dir/b.txt", "same\n");
    let c1 = repo.commit("two copies", ("Alice", "alice@example.com"), T0);
    repo.write("later/c.txt", "same\n");
    repo.write("other.txt", "different\n");
    repo.commit("third copy", ("Bob", "bob@example.com"), T0 + 60);

    let plan = repo.plan();
    let blobs = by_id(&plan);
    assert_eq!(plan.blobs.len(), 2);
    let same = blobs[repo.blob_id("same\n").as_str()];
    assert_eq!(same.commit, c1);
    assert!(
        same.path == "a.txt" || same.path == "dir/b.txt",
        "{}",
        same.path
    );
    assert!(plan.head_blobs.contains(&same.id));
}

#[test]
fn commits_with_equal_times_attribute_blobs_to_the_ancestor() {
    let repo = TestRepo::new();
    let mut expected = Vec::new();
    for index in 0..6 {
        let content = format!("file {index}\n");
        repo.write(&format!("f{index}.txt"), &content);
        let commit = repo.commit("same second", ("Alice", "alice@example.com"), T0);
        expected.push((repo.blob_id(&content), commit));
    }
    let plan = repo.plan();
    let blobs = by_id(&plan);
    for (blob, commit) in expected {
        assert_eq!(blobs[blob.as_str()].commit, commit);
    }
}

#[test]
fn branches_tags_detached_commits_and_tagged_blobs_are_covered() {
    let repo = TestRepo::new();
    repo.write("main.txt", "on main\n");
    repo.commit("main", ("Alice", "alice@example.com"), T0);

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.txt", "only on feature\n");
    let feature = repo.commit("feature", ("Bob", "bob@example.com"), T0 + 10);

    // A commit reachable only through an annotated tag.
    repo.git(&["checkout", "-q", "-b", "doomed", "main"]);
    repo.write("tagged.txt", "only under a tag\n");
    let tagged = repo.commit("tagged", ("Carol", "carol@example.com"), T0 + 20);
    repo.git(&["tag", "-a", "-m", "release", "v1", "HEAD"]);

    // A blob that no commit contains, tagged directly.
    let loose_blob = repo.git_stdin(&["hash-object", "-w", "--stdin"], "blob behind a tag\n");
    repo.git(&["tag", "blob-tag", &loose_blob]);

    // A remote-tracking ref and a detached HEAD on a commit no branch has.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-D", "-q", "doomed"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &feature]);
    repo.git(&["checkout", "-q", "--detach", "main"]);
    repo.write("detached.txt", "only on detached HEAD\n");
    let detached = repo.commit("detached", ("Dan", "dan@example.com"), T0 + 30);

    let plan = repo.plan();
    assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    assert_eq!(plan.commits_walked, 4);
    let blobs = by_id(&plan);
    assert_eq!(
        blobs[repo.blob_id("only on feature\n").as_str()].commit,
        feature
    );
    let under_tag = blobs[repo.blob_id("only under a tag\n").as_str()];
    assert_eq!(under_tag.commit, tagged);
    assert_eq!(under_tag.author, "Carol <carol@example.com>");
    assert_eq!(
        blobs[repo.blob_id("only on detached HEAD\n").as_str()].commit,
        detached
    );
    let behind_tag = blobs[loose_blob.as_str()];
    assert_eq!(
        (behind_tag.commit.as_str(), behind_tag.path.as_str()),
        ("", "")
    );

    let ours: HashSet<String> = plan.blobs.iter().map(|b| b.id.clone()).collect();
    let mut reference = repo.git_reachable_blobs();
    // rev-list --all does not include a detached HEAD; we do.
    reference.insert(repo.blob_id("only on detached HEAD\n"));
    assert_eq!(ours, reference);

    let head: HashSet<String> = [
        repo.blob_id("on main\n"),
        repo.blob_id("only on detached HEAD\n"),
    ]
    .into();
    assert_eq!(plan.head_blobs, head);
}

#[test]
fn submodule_entries_are_skipped_and_symlinks_kept() {
    let repo = TestRepo::new();
    repo.write("file.txt", "content\n");
    std::os::unix::fs::symlink("file.txt", repo.dir.join("link")).unwrap();
    repo.git(&["add", "-A"]);
    let fake_submodule_commit = "1111111111111111111111111111111111111111";
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{fake_submodule_commit},vendor/sub"),
    ]);
    repo.commit("with submodule", ("Alice", "alice@example.com"), T0);

    let plan = repo.plan();
    assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    let blobs = by_id(&plan);
    assert_eq!(plan.blobs.len(), 2);
    assert!(!blobs.contains_key(fake_submodule_commit));
    assert_eq!(blobs[repo.blob_id("file.txt").as_str()].path, "link");
}

#[test]
fn too_large_blobs_are_skipped_with_a_warning() {
    let repo = TestRepo::new();
    repo.write("small", "tiny\n");
    repo.write("big", &"x".repeat(5000));
    repo.commit("sizes", ("Alice", "alice@example.com"), T0);
    let history = History::open(&repo.dir).unwrap();
    let plan = history
        .plan(&HistoryOptions {
            max_blob_size: 1000,
        })
        .unwrap();
    let big = repo.blob_id(&"x".repeat(5000));
    assert_eq!(plan.blobs.len(), 1);
    assert_eq!(plan.blobs[0].path, "small");
    assert_eq!(plan.warnings.len(), 1);
    assert_eq!(plan.warnings[0].kind, HistoryWarningKind::TooLarge);
    assert_eq!(plan.warnings[0].object, big);
    // Still part of HEAD: the caller may want to know it exists.
    assert!(plan.head_blobs.contains(&big));
}

#[test]
fn corrupt_blob_is_a_warning_and_other_blobs_survive() {
    let repo = TestRepo::new();
    repo.write("good.txt", "good\n");
    repo.write("bad.txt", "will be corrupted\n");
    repo.commit("one", ("Alice", "alice@example.com"), T0);
    repo.write("later.txt", "later\n");
    repo.commit("two", ("Alice", "alice@example.com"), T0 + 1);
    let bad = repo.blob_id("will be corrupted\n");
    repo.corrupt_loose(&bad);

    let plan = repo.plan();
    let ids: HashSet<&str> = plan.blobs.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        HashSet::from([
            repo.blob_id("good\n").as_str(),
            repo.blob_id("later\n").as_str()
        ])
    );
    assert_eq!(plan.warnings.len(), 1, "{:#?}", plan.warnings);
    assert_eq!(plan.warnings[0].object, bad);
    assert_eq!(plan.warnings[0].kind, HistoryWarningKind::CorruptObject);
    assert_eq!(plan.commits_walked, 2);
}

#[test]
fn blob_corrupted_after_planning_is_a_per_blob_error() {
    let repo = TestRepo::new();
    repo.write("good.txt", "good\n");
    repo.write("bad.txt", "will be corrupted\n");
    repo.commit("one", ("Alice", "alice@example.com"), T0);
    let history = History::open(&repo.dir).unwrap();
    let plan = history.plan(&HistoryOptions::default()).unwrap();
    let bad = repo.blob_id("will be corrupted\n");
    repo.corrupt_loose(&bad);

    let read = read_all(&history, &plan.blobs);
    assert_eq!(read[&repo.blob_id("good\n")].as_deref(), Ok(&b"good\n"[..]));
    let err = read[&bad].as_ref().unwrap_err();
    assert!(err.contains(&bad), "{err}");
    assert!(err.contains(&repo.dir.display().to_string()), "{err}");

    // An id that is not in the repository at all, and one that is not hex.
    let mut strays = vec![plan.blobs[0].clone(), plan.blobs[0].clone()];
    strays[0].id = "2222222222222222222222222222222222222222".to_owned();
    strays[1].id = "not an id".to_owned();
    let errors = Mutex::new(Vec::new());
    history.read_blobs(&strays, |blob, data| {
        errors.lock().unwrap().push((blob.id.clone(), data.err()));
    });
    let errors = errors.into_inner().unwrap();
    assert_eq!(errors.len(), 2);
    for (id, err) in errors {
        match err {
            Some(GitError::MissingObject { id: named, .. })
            | Some(GitError::InvalidId { id: named, .. }) => {
                assert_eq!(named, id)
            }
            other => panic!("unexpected result for {id}: {other:?}"),
        }
    }
}

#[test]
fn corrupt_tree_and_commit_are_warnings_and_the_walk_goes_on() {
    let repo = TestRepo::new();
    repo.write("root.txt", "root\n");
    let c1 = repo.commit("one", ("Alice", "alice@example.com"), T0);
    repo.git(&["branch", "keep-first"]);
    repo.write("sub/inner.txt", "inner\n");
    let c2 = repo.commit("two", ("Alice", "alice@example.com"), T0 + 1);
    repo.write("top.txt", "top\n");
    repo.commit("three", ("Alice", "alice@example.com"), T0 + 2);

    let sub_tree = repo.git(&["rev-parse", "HEAD:sub"]);
    repo.corrupt_loose(&sub_tree);
    repo.corrupt_loose(&c2);

    let plan = repo.plan();
    let kinds: HashMap<&str, HistoryWarningKind> = plan
        .warnings
        .iter()
        .map(|w| (w.object.as_str(), w.kind))
        .collect();
    assert_eq!(
        kinds.get(c2.as_str()),
        Some(&HistoryWarningKind::CorruptObject),
        "{:#?}",
        plan.warnings
    );
    assert_eq!(
        kinds.get(sub_tree.as_str()),
        Some(&HistoryWarningKind::CorruptObject),
        "{:#?}",
        plan.warnings
    );
    // main reaches commit 3, keep-first reaches commit 1; commit 2 is unreadable.
    assert_eq!(plan.commits_walked, 2);
    let blobs = by_id(&plan);
    assert_eq!(blobs[repo.blob_id("root\n").as_str()].commit, c1);
    assert!(blobs.contains_key(repo.blob_id("top\n").as_str()));
    assert!(!blobs.contains_key(repo.blob_id("inner\n").as_str()));
}

#[test]
fn a_broken_ref_is_a_warning() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("one", ("Alice", "alice@example.com"), T0);
    std::fs::write(
        repo.dir.join(".git/refs/heads/dangling"),
        "3333333333333333333333333333333333333333\n",
    )
    .unwrap();
    let plan = repo.plan();
    assert_eq!(plan.blobs.len(), 1);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.object.contains("dangling") || w.object.starts_with("3333")),
        "{:#?}",
        plan.warnings
    );
}

#[test]
fn paths_that_are_not_repositories_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for path in [tmp.path().to_path_buf(), tmp.path().join("does-not-exist")] {
        assert!(!History::is_repository(&path));
        match History::open(&path) {
            Err(err @ GitError::NotARepository { .. }) => {
                assert!(
                    err.to_string().contains(&path.display().to_string()),
                    "{err}"
                )
            }
            other => panic!("expected NotARepository, got {other:?}"),
        }
    }
}

#[test]
fn work_tree_dot_git_and_bare_repositories_open() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("one", ("Alice", "alice@example.com"), T0);
    let bare = repo.dir.with_file_name("bare.git");
    repo.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);

    for path in [repo.dir.clone(), repo.dir.join(".git"), bare.clone()] {
        assert!(
            History::is_repository(&path) || path.ends_with(".git"),
            "{}",
            path.display()
        );
        let plan = History::open(&path)
            .unwrap()
            .plan(&HistoryOptions::default())
            .unwrap();
        assert_eq!(plan.blobs.len(), 1, "{}", path.display());
        assert_eq!(plan.head_blobs.len(), 1, "{}", path.display());
    }
    assert!(History::is_repository(&bare));
}

#[test]
fn empty_repository_has_an_empty_plan() {
    let repo = TestRepo::new();
    let plan = repo.plan();
    assert_eq!(plan, HistoryPlan::default());
}

fn build_history_for_packing(repo: &TestRepo) {
    // Slightly different large files so `git gc` stores deltas that headers must resolve.
    let base: String = (0..400)
        .map(|i| format!("line {i} of a config file\n"))
        .collect();
    for step in 0..5 {
        repo.write("big.conf", &format!("{base}version = {step}\n"));
        repo.write(&format!("notes/{step}.md"), &format!("note {step}\n"));
        repo.commit(
            &format!("step {step}"),
            ("Alice", "alice@example.com"),
            T0 + step,
        );
    }
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~2"]);
    repo.write("side.txt", "side branch\n");
    repo.commit("side", ("Bob", "bob@example.com"), T0 + 100);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["tag", "-a", "-m", "annotated", "v0.1", "HEAD~1"]);
}

#[test]
fn packed_repository_gives_the_same_plan_as_loose() {
    let repo = TestRepo::new();
    build_history_for_packing(&repo);
    let loose = repo.plan();

    repo.git(&["gc", "-q", "--aggressive", "--prune=now"]);
    assert!(repo.git(&["count-objects", "-v"]).contains("count: 0"));
    let packed = repo.plan();

    assert_eq!(loose.commits_walked, 6);
    assert!(packed.warnings.is_empty(), "{:#?}", packed.warnings);
    let sorted = |plan: &HistoryPlan| {
        let mut blobs = plan.blobs.clone();
        blobs.sort_by(|a, b| a.id.cmp(&b.id));
        blobs
    };
    assert_eq!(sorted(&loose), sorted(&packed));
    assert_eq!(loose.commits_walked, packed.commits_walked);
    assert_eq!(loose.head_blobs, packed.head_blobs);
    let ours: HashSet<String> = packed.blobs.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ours, repo.git_reachable_blobs());

    let history = History::open(&repo.dir).unwrap();
    let read = read_all(&history, &packed.blobs);
    assert_eq!(read.len(), packed.blobs.len());
    for blob in &packed.blobs {
        let data = read[&blob.id].as_ref().unwrap();
        assert_eq!(data.len() as u64, blob.size, "{}", blob.path);
        let expected = repo.git(&["cat-file", "-p", &blob.id]);
        assert_eq!(String::from_utf8_lossy(data).trim(), expected);
    }
}

#[test]
fn plan_blobs_are_oldest_commit_first() {
    let repo = TestRepo::new();
    build_history_for_packing(&repo);
    let plan = repo.plan();
    let times: Vec<&str> = plan.blobs.iter().map(|b| b.date.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert!(Path::new(&repo.dir).exists());
}

#[test]
fn stashed_changes_are_covered() {
    let repo = TestRepo::new();
    repo.write("app.env", "KEY=committed\n");
    repo.commit("one", ("Alice", "alice@example.com"), T0);
    repo.write("app.env", "KEY=stashed\n");
    repo.write("untracked.env", "KEY=untracked\n");
    repo.git(&["stash", "push", "-q", "--include-untracked"]);

    let plan = repo.plan();
    assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    let blobs = by_id(&plan);
    assert!(blobs.contains_key(repo.blob_id("KEY=stashed\n").as_str()));
    assert!(blobs.contains_key(repo.blob_id("KEY=untracked\n").as_str()));
    assert_eq!(
        plan.head_blobs,
        HashSet::from([repo.blob_id("KEY=committed\n")])
    );
}
