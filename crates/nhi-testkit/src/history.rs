//! Turns a planned corpus into a git repository whose history holds secrets the final
//! tree no longer has.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::corpus::{CommitRecord, Manifest, PlannedFile, locate, with_path, write_file};

/// Files that exist only in history.
#[derive(Default)]
pub(crate) struct HistoryPlan {
    /// Added in one commit, deleted in a later one.
    pub removed_files: Vec<PlannedFile>,
    /// The first version of a file whose key is later rotated.
    pub rotated_old: Option<PlannedFile>,
    /// The path of that file (its final version is among the final files).
    pub rotated_path: Option<String>,
}

const AUTHORS: &[(&str, &str)] = &[
    ("Alice Chen", "alice@acme-corp.io"),
    ("Bob Okafor", "bob@acme-corp.io"),
    ("Carol Diaz", "carol@acme-corp.io"),
    ("deploy-bot", "deploy-bot@acme-corp.io"),
    ("Dan Weiss", "dan@acme-corp.io"),
];

fn git(dir: &Path, args: &[&str], author: Option<(&str, &str, &str)>) -> std::io::Result<String> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false"])
        .args(args)
        // The user's own git configuration must not change the corpus (hooks, excludes,
        // signing, default branch): only what is set here applies.
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    if let Some((name, email, date)) = author {
        command
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_COMMITTER_DATE", date);
    }
    let output = command.output().map_err(|e| {
        std::io::Error::new(e.kind(), format!("running git {}: {e}", args.join(" ")))
    })?;
    if !output.status.success() {
        return Err(std::io::Error::other(format!(
            "git {} failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

struct Committer<'a> {
    dir: &'a Path,
    records: Vec<CommitRecord>,
}

impl Committer<'_> {
    fn commit(&mut self, message: &str) -> std::io::Result<String> {
        let index = self.records.len();
        let (name, email) = AUTHORS
            .get(index % AUTHORS.len())
            .copied()
            .unwrap_or(("ci", "ci@acme-corp.io"));
        let date = format!("2024-03-{:02}T{:02}:15:00+00:00", 1 + index * 3, 9 + index);
        // -f: ignore rules (a global excludes file listing .env) must not drop planted files.
        git(self.dir, &["add", "-A", "-f", "."], None)?;
        git(
            self.dir,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--no-verify",
                "-m",
                message,
            ],
            Some((name, email, &date)),
        )?;
        let sha = git(self.dir, &["rev-parse", "HEAD"], None)?;
        self.records.push(CommitRecord {
            sha: sha.clone(),
            message: message.to_string(),
            author: format!("{name} <{email}>"),
            date,
        });
        Ok(sha)
    }
}

pub(crate) fn write_with_history(
    dir: &Path,
    final_files: &[PlannedFile],
    plan: &HistoryPlan,
    manifest: &mut Manifest,
) -> std::io::Result<()> {
    git(dir, &["init", "-q", "-b", "main"], None)?;
    let mut committer = Committer {
        dir,
        records: Vec::new(),
    };
    let rotated = plan.rotated_path.as_deref();
    // A runbook that grows in the last commit, so history has an ordinary edit too.
    let docs = final_files
        .iter()
        .find(|f| f.path.ends_with(".md") && f.plants.is_empty() && f.decoys.is_empty())
        .map(|f| f.path.as_str());

    let mut added_in: BTreeMap<&str, String> = BTreeMap::new();
    type Indexed<'a> = Vec<(usize, &'a PlannedFile)>;
    let (first, second): (Indexed, Indexed) = final_files
        .iter()
        .enumerate()
        .filter(|(_, f)| Some(f.path.as_str()) != rotated)
        .partition(|(i, f)| i % 3 != 0 || Some(f.path.as_str()) == docs);

    for (_, file) in &first {
        if Some(file.path.as_str()) == docs {
            let half: Vec<&str> = file.content.lines().collect();
            let keep = half.len() / 2;
            let mut text = half.get(..keep).unwrap_or_default().join("\n");
            text.push('\n');
            write_file(dir, &file.path, &text)?;
        } else {
            write_file(dir, &file.path, &file.content)?;
        }
    }
    let c1 = committer.commit("Initial import of the Acme services monorepo")?;
    for (_, file) in &first {
        added_in.insert(&file.path, c1.clone());
    }

    for (_, file) in &second {
        write_file(dir, &file.path, &file.content)?;
    }
    for file in &plan.removed_files {
        write_file(dir, &file.path, &file.content)?;
    }
    if let Some(old) = &plan.rotated_old {
        write_file(dir, &old.path, &old.content)?;
    }
    let c2 = committer.commit("Add deployment configs, notebooks and local settings")?;
    for (_, file) in &second {
        added_in.insert(&file.path, c2.clone());
    }

    let mut c3 = None;
    if let Some(path) = rotated
        && let Some(file) = final_files.iter().find(|f| f.path == path)
    {
        write_file(dir, &file.path, &file.content)?;
        let sha = committer.commit("Rotate the Stripe live key after the March incident")?;
        added_in.insert(&file.path, sha.clone());
        c3 = Some(sha);
    }

    for file in &plan.removed_files {
        let full = dir.join(&file.path);
        std::fs::remove_file(&full).map_err(|e| with_path(e, &full))?;
    }
    let c4 = committer.commit("Remove committed credentials; load them from Vault")?;

    if let Some(path) = docs
        && let Some(file) = final_files.iter().find(|f| f.path == path)
    {
        write_file(dir, &file.path, &file.content)?;
        committer.commit("Docs: expand the runbook")?;
    }

    let leftover = git(dir, &["status", "--porcelain"], None)?;
    if !leftover.is_empty() {
        return Err(std::io::Error::other(format!(
            "internal: {} has uncommitted files after writing history",
            dir.display()
        )));
    }

    for planted in &mut manifest.planted {
        planted.commit = added_in.get(planted.path.as_str()).cloned();
    }
    for file in &plan.removed_files {
        for mut planted in locate(file, true)? {
            planted.commit = Some(c2.clone());
            planted.removed_in = Some(c4.clone());
            manifest.planted.push(planted);
        }
    }
    if let Some(old) = &plan.rotated_old {
        for mut planted in locate(old, true)? {
            planted.commit = Some(c2.clone());
            planted.removed_in = c3.clone();
            manifest.planted.push(planted);
        }
    }
    manifest.commits = committer.records;
    Ok(())
}
