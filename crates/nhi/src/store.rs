//! `--db`: which store a command works on. A path is the embedded SQLite store; a
//! `postgres://` or `postgresql://` URL (or the same with a `sqlite:` prefix for a path)
//! picks the backend at run time, so every command works on either.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use nhi_store::{Backend, SqliteStore};
use nhi_store_pg::PgStore;

/// Where a store lives.
#[derive(Clone)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    /// The connection string, kept out of `Debug` and messages: it may hold a password.
    Postgres(String),
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl StoreLocation {
    /// `--db` as given (or `$NHI_DB`), else the default SQLite path.
    pub fn from_arg(db: Option<&Path>) -> Result<StoreLocation> {
        match db {
            Some(db) => Ok(StoreLocation::parse(db)),
            None => Ok(StoreLocation::Sqlite(
                nhi_store::default_db_path()
                    .context("cannot find a place for the store: pass --db or set NHI_DB")?,
            )),
        }
    }

    pub fn parse(db: &Path) -> StoreLocation {
        let text = db.to_string_lossy();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            StoreLocation::Postgres(text.into_owned())
        } else if let Some(path) = text.strip_prefix("sqlite:") {
            StoreLocation::Sqlite(PathBuf::from(path.strip_prefix("//").unwrap_or(path)))
        } else {
            StoreLocation::Sqlite(db.to_path_buf())
        }
    }

    /// For messages: the path, or the URL without its user information and password.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Sqlite(path) => path.display().to_string(),
            StoreLocation::Postgres(url) => redact_url(url),
        }
    }

    pub fn open(&self) -> Result<Box<dyn Backend>> {
        Ok(match self {
            StoreLocation::Sqlite(path) => Box::new(
                SqliteStore::open(path)
                    .with_context(|| format!("cannot open the store at {}", self.describe()))?,
            ),
            StoreLocation::Postgres(url) => Box::new(
                PgStore::connect(url)
                    .with_context(|| format!("cannot open the store at {}", self.describe()))?,
            ),
        })
    }

    /// A factory for `nhi serve`: SQLite opens its file per connection; PostgreSQL
    /// connects once and hands out clones sharing one pool.
    pub fn factory(&self) -> Result<nhi_server::StoreFactory> {
        match self {
            StoreLocation::Sqlite(path) => {
                // Open once here so a bad path or an unknown schema stops the start.
                drop(self.open()?);
                let path = path.clone();
                Ok(Arc::new(move || {
                    SqliteStore::open(&path).map(|store| Box::new(store) as Box<dyn Backend>)
                }))
            }
            StoreLocation::Postgres(url) => {
                let store = PgStore::connect(url)
                    .with_context(|| format!("cannot open the store at {}", self.describe()))?;
                Ok(Arc::new(move || {
                    Ok(Box::new(store.clone()) as Box<dyn Backend>)
                }))
            }
        }
    }
}

/// `postgres://user:secret@host:5432/db?x=y` → `postgres://host:5432/db`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "a PostgreSQL database".into();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // The password may itself hold '@' (unencoded); the host follows the last one.
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}/{path}")
}

/// Opens the store named by `--db` / `$NHI_DB` / the default path.
pub fn open_store(db: Option<&Path>) -> Result<Box<dyn Backend>> {
    StoreLocation::from_arg(db)?.open()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_postgresql_and_paths_sqlite() {
        assert!(matches!(
            StoreLocation::parse(Path::new("postgres://u@h/db")),
            StoreLocation::Postgres(_)
        ));
        assert!(matches!(
            StoreLocation::parse(Path::new("postgresql://h/db")),
            StoreLocation::Postgres(_)
        ));
        match StoreLocation::parse(Path::new("sqlite:/var/lib/nhi.db")) {
            StoreLocation::Sqlite(p) => assert_eq!(p, Path::new("/var/lib/nhi.db")),
            other => panic!("{other:?}"),
        }
        match StoreLocation::parse(Path::new("sqlite://rel/nhi.db")) {
            StoreLocation::Sqlite(p) => assert_eq!(p, Path::new("rel/nhi.db")),
            other => panic!("{other:?}"),
        }
        match StoreLocation::parse(Path::new("./postgres.db")) {
            StoreLocation::Sqlite(p) => assert_eq!(p, Path::new("./postgres.db")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_described_url_holds_no_user_or_password() {
        let url = "postgres://nhi:s3cr@t-pw@db.internal:5432/nhi?sslmode=disable&password=x";
        let shown = StoreLocation::Postgres(url.into()).describe();
        assert_eq!(shown, "postgres://db.internal:5432/nhi");
        assert!(!format!("{:?}", StoreLocation::Postgres(url.into())).contains("s3cr"));
    }
}
