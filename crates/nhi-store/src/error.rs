use std::path::PathBuf;

/// Everything that can go wrong opening or using a store.
///
/// Messages name the table and column (or the file) involved. They never include a
/// stored value beyond short identifiers, so they are safe to print.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the database directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot create the database file {}: {source}", path.display())]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[cfg(feature = "sqlite")]
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("cannot put the database {} in WAL mode (SQLite reports journal_mode={mode}); is it on a network filesystem?", path.display())]
    JournalMode { path: PathBuf, mode: String },

    #[cfg(feature = "sqlite")]
    #[error("database error while {context}: {source}")]
    Sqlite {
        context: &'static str,
        source: rusqlite::Error,
    },

    #[error(
        "the database is at schema version {found}, but this build of nhi only knows versions up to {known}; \
         use a newer nhi (refusing to touch a schema it does not understand)"
    )]
    SchemaTooNew { found: u32, known: u32 },

    #[error(
        "migration V{version}__{name} was applied with checksum {recorded}, but this build's copy has checksum \
         {expected}; the migration or the schema_migrations table was changed after it was applied"
    )]
    MigrationChecksumMismatch {
        version: u32,
        name: String,
        recorded: String,
        expected: String,
    },

    #[error(
        "the database records migration V{version}__{name}, which this build of nhi does not contain"
    )]
    UnknownMigration { version: u32, name: String },

    #[error("bad value in {table}.{column} (row {row}): {reason}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        row: String,
        reason: String,
    },

    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },

    #[error(
        "finding {finding} refers to credential {credential_fingerprint}…, which is not among the scan's credentials"
    )]
    DanglingFinding {
        finding: String,
        /// The short (16 hex) fingerprint: enough to identify, keyed so it reveals nothing.
        credential_fingerprint: String,
    },

    #[error("{what} {value} does not fit the database's integer range")]
    OutOfRange { what: &'static str, value: String },

    /// An error from a backend other than SQLite (PostgreSQL: connecting, a query, a
    /// transaction), kept as a boxed source so this crate does not depend on its driver.
    #[error("{backend} error while {context}: {source}")]
    Backend {
        backend: &'static str,
        context: &'static str,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    #[error(
        "the target store is not empty ({table} has {rows} rows); refusing to load a dump into it \
         unless told to replace what it holds"
    )]
    TargetNotEmpty { table: &'static str, rows: u64 },

    #[error("the dump is in format {found}, but this build reads only format {known}")]
    DumpFormat { found: u32, known: u32 },
}

/// Attaches what the store was doing to a bare SQLite error.
#[cfg(feature = "sqlite")]
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

#[cfg(feature = "sqlite")]
impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { context, source })
    }
}
