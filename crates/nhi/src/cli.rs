use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "nhi",
    version,
    about = "Inventory, assess and fix non-human identities: API keys, cloud keys, service accounts, tokens.",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, git history and agent/CI configs for credentials and record them.
    Scan(ScanArgs),
    /// List the detection rules.
    Rules(RulesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Sarif,
    Csv,
    #[value(alias = "markdown")]
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan. Git repositories found under them are scanned with
    /// their full history.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Write the report here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,

    /// The embedded store (SQLite). Default: $NHI_DB, else $XDG_DATA_HOME/nhi/nhi.db,
    /// else ~/.local/share/nhi/nhi.db.
    #[arg(long, value_name = "PATH", env = "NHI_DB")]
    pub db: Option<PathBuf>,

    /// Do not record the scan in the store.
    #[arg(long)]
    pub no_store: bool,

    /// The per-install fingerprint key (created on first use, mode 0600). Default:
    /// $NHI_KEY_FILE, else $XDG_CONFIG_HOME/nhi/fingerprint.key, else
    /// ~/.config/nhi/fingerprint.key.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,

    /// Skip git history; scan the working tree only.
    #[arg(long)]
    pub no_history: bool,

    /// Honour .gitignore files. Off by default, because ignored `.env` files are where
    /// forgotten keys live.
    #[arg(long)]
    pub respect_gitignore: bool,

    /// Skip files (and history blobs) larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = nhi_scan::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,

    /// A suppression file (TOML; entries need `reason` and `expires`). Each root's
    /// `.nhi-suppressions.toml` is read as well.
    #[arg(long, value_name = "FILE")]
    pub suppressions: Vec<PathBuf>,

    /// Use this rules file instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar and no warnings on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format (table or json).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Use this rules file instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}
