//! Offline readers for GitHub REST API responses saved to files, mapped straight into
//! the nhi inventory model. No network access: the user runs `gh api` (or `curl`) with
//! their own token, saves the output, and points `nhi` at the files. See the README for
//! the calls and the fields read.
//!
//! Entry points: [`sniff`] tells from content alone which export a file holds, and
//! [`ingest`] turns it into an [`InventoryBatch`]. Only input that cannot be read at
//! all (invalid UTF-8, broken JSON, a top-level shape that is none of ours) is an
//! [`Error`]; a bad entry, date or field becomes a [`SourceWarning`](nhi_model::SourceWarning) and the rest of
//! the file still loads.
//!
//! `gh api --paginate` writes one JSON document per page, back to back, and with
//! `--slurp` an array of pages; both are accepted, as is a single response and a
//! stream of single entries (`--jq '.[]'`).
//!
//! None of these responses carries a secret value. Deploy keys carry a *public* key,
//! which is still not copied: only its algorithm is kept.

mod deploy_keys;
mod installations;
mod json;
mod pats;
mod secrets;
mod sniff;

use std::fmt;

use nhi_model::InventoryBatch;

pub use sniff::sniff;

/// Which GitHub REST API response a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// `GET /orgs/{org}/installations`: GitHub Apps installed on an organization.
    Installations,
    /// `GET /orgs/{org}/personal-access-tokens`: fine-grained PATs approved for the
    /// organization's resources.
    PersonalAccessTokens,
    /// `GET /repos/{owner}/{repo}/keys`: a repository's deploy keys.
    DeployKeys,
    /// `GET /orgs/{org}/actions/secrets`: organization Actions secrets (metadata).
    OrgActionsSecrets,
    /// `GET /repos/{owner}/{repo}/actions/secrets`: repository Actions secrets
    /// (metadata).
    RepoActionsSecrets,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[
        ExportKind::Installations,
        ExportKind::PersonalAccessTokens,
        ExportKind::DeployKeys,
        ExportKind::OrgActionsSecrets,
        ExportKind::RepoActionsSecrets,
    ];

    /// The API call that produces it, as the user runs it with the GitHub CLI.
    pub fn command(self) -> &'static str {
        match self {
            ExportKind::Installations => "gh api --paginate /orgs/{org}/installations",
            ExportKind::PersonalAccessTokens => {
                "gh api --paginate /orgs/{org}/personal-access-tokens"
            }
            ExportKind::DeployKeys => "gh api --paginate /repos/{owner}/{repo}/keys",
            ExportKind::OrgActionsSecrets => "gh api --paginate /orgs/{org}/actions/secrets",
            ExportKind::RepoActionsSecrets => {
                "gh api --paginate /repos/{owner}/{repo}/actions/secrets"
            }
        }
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command())
    }
}

/// Input that cannot be read at all. Every variant names the file and, where there is
/// one, the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{file}: not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { file: String, offset: usize },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {position}: {message}")]
    UnexpectedShape {
        file: String,
        position: String,
        message: String,
    },
}

/// Parse `bytes` (the whole file; `file` is its display path for provenance and
/// warnings) and map every entry into the inventory model.
///
/// The kind is recognised per page from its structure, so a file may even hold pages
/// of different endpoints back to back. An empty list (`[]`) is an empty batch.
pub fn ingest(file: &str, bytes: &[u8]) -> Result<InventoryBatch, Error> {
    let values = json::read_stream(file, bytes)?;
    let mut ctx = json::Ctx::new(file);
    let mut unrecognised: Vec<String> = Vec::new();
    let mut recognised = 0usize;
    for page in json::pages(&values) {
        match json::classify_page(page.value) {
            json::PageShape::Empty => {}
            json::PageShape::Unknown => unrecognised.push(page.base.clone()),
            json::PageShape::Known(kind, items) => {
                recognised += 1;
                for (tail, item) in items {
                    let position = json::join(&page.base, &tail);
                    match kind {
                        json::ItemKind::Installation => {
                            installations::map(&mut ctx, item, &position)
                        }
                        json::ItemKind::PersonalAccessToken => pats::map(&mut ctx, item, &position),
                        json::ItemKind::DeployKey => deploy_keys::map(&mut ctx, item, &position),
                        json::ItemKind::ActionsSecret => secrets::map(&mut ctx, item, &position),
                    }
                }
            }
        }
    }
    if recognised == 0
        && let Some(first) = unrecognised.first()
    {
        return Err(Error::UnexpectedShape {
            file: file.to_string(),
            position: json::display_position(first),
            message: "not a GitHub installations, personal-access-tokens, deploy keys or \
                      Actions secrets response"
                .to_string(),
        });
    }
    for base in unrecognised {
        ctx.warn(
            &base,
            "page skipped: not the same kind of GitHub response as the rest of the file"
                .to_string(),
        );
    }
    Ok(ctx.finish())
}
