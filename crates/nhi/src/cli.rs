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
    /// Read platform exports (AWS, GCP, Entra, kubectl, GitHub, OpenAI, Anthropic,
    /// Okta, people CSV) into the store. `nhi scan` also reads the ones it meets.
    Import(ImportArgs),
    /// Collect a platform inventory live, read-only.
    #[command(subcommand)]
    Collect(CollectCommand),
    /// List identities from every source, correlated with the credentials scans found.
    Inventory(InventoryArgs),
    /// Everything known about one identity: credentials, where they were seen, last use,
    /// grants, owners and links.
    Show(ShowArgs),
    /// Export the identity graph.
    Graph(GraphArgs),
    /// Findings: secrets found by scans and the OWASP NHI Top 10 risks the inventory
    /// shows (offboarded owners, live leaked keys, old keys, admin rights, loose OIDC
    /// trust, static CI keys, reuse, environment mixing, human use).
    #[command(args_conflicts_with_subcommands = true)]
    Findings(FindingsArgs),
    /// The assessment report: executive summary, AI integrations, a card per identity,
    /// findings with their references, and the compliance matrix.
    Report(ReportArgs),
    /// The nhi.toml policy: thresholds, environments, sensitive accounts, owner rules.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Watch activity logs (CloudTrail, Kubernetes audit, GCP audit, Entra sign-ins,
    /// GitHub and Okta audit logs, mapped JSON lines): alert on use of high-risk NHIs,
    /// learn each identity's behaviour and alert on deviations. Processes its inputs to
    /// the end and exits; `--follow` keeps watching.
    Monitor(MonitorArgs),
    /// Alerts recorded by `nhi monitor`.
    Alerts(AlertsArgs),
    /// Behavioural baselines learned by `nhi monitor`.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Serve the REST API and the dashboard over the store, and run scheduled
    /// collections. Every route but /healthz and /readyz needs a token or a login.
    Serve(ServeArgs),
    /// API tokens for `nhi serve`: shown once at creation, stored as digests.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Local dashboard accounts for `nhi serve` (argon2id passwords).
    #[command(subcommand)]
    User(UserCommand),
    /// Move everything between stores (SQLite <-> PostgreSQL): the inventory in one
    /// transaction, then API tokens, local users and the audit log.
    MigrateStore(MigrateStoreArgs),
}

#[derive(Debug, Args)]
pub struct MigrateStoreArgs {
    /// The store to read: a SQLite file (a path or sqlite:PATH) or a PostgreSQL URL.
    #[arg(long, value_name = "PATH|URL")]
    pub from: PathBuf,
    /// The store to fill; created and migrated if new. Must hold no inventory unless
    /// --replace is given.
    #[arg(long, value_name = "PATH|URL")]
    pub to: PathBuf,
    /// Delete the target's inventory first (in the same transaction as the load).
    #[arg(long)]
    pub replace: bool,
    /// No summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// A PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Scheduled collection jobs (TOML: `[[job]] name, kind, paths, schedule`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How long a dashboard login lasts.
    #[arg(long, default_value = "12h")]
    pub session_ttl: String,
    /// Store connections the server opens at most; requests beyond wait for one.
    /// Each running job holds one for its whole run. Watch `nhi_store_waits_total`
    /// in /metrics; with PostgreSQL keep it under the server's `max_connections`.
    #[arg(long, value_name = "N", default_value_t = nhi_server::DEFAULT_STORE_CONNECTIONS as u16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub store_connections: u16,
    /// No start-up message.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Viewer,
    Operator,
    Admin,
}

impl RoleArg {
    pub fn role(self) -> nhi_store::Role {
        match self {
            RoleArg::Viewer => nhi_store::Role::Viewer,
            RoleArg::Operator => nhi_store::Role::Operator,
            RoleArg::Admin => nhi_store::Role::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create {
        /// What the token is for (shown in listings and the audit log).
        #[arg(long, default_value = "cli")]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Lifetime: 90d, 12h, 30m, or an ISO 8601 duration.
        #[arg(long, default_value = "90d")]
        ttl: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by its ID.
    Revoke {
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a local account or change its password and role; the password is read
    /// from standard input (one line), never from the command line.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Log files or directories (plain, .gz, `AWSLogs/…` trees); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Keep watching the paths for new lines and new files.
    #[arg(long)]
    pub follow: bool,
    /// Seconds between polls with --follow.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub interval: u64,
    /// Monitoring configuration (TOML): `[monitor]` thresholds, watch tier, known
    /// accounts and expected changes; `[mapping]` for generic JSON lines; `[[sink]]`
    /// alert sinks (examples/monitor.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Sigma rules (a directory of .yml files) for the AWS CloudTrail log source.
    #[arg(long, value_name = "DIR")]
    pub sigma: Option<PathBuf>,
    /// A MaxMind ASN database (GeoLite2-ASN.mmdb): networks are compared by
    /// autonomous system, not only by /24 and /48.
    #[arg(long, value_name = "FILE")]
    pub asn_db: Option<PathBuf>,
    /// A MaxMind country database (GeoLite2-Country.mmdb): new countries are compared.
    #[arg(long, value_name = "FILE")]
    pub country_db: Option<PathBuf>,
    /// Print input and detector statistics (events, malformed lines, duplicates, late
    /// events, alerts per detection) to standard error at the end.
    #[arg(long)]
    pub stats: bool,
    /// How alerts are printed on standard output.
    #[arg(short, long, value_enum, default_value_t = AlertOutput::Text)]
    pub format: AlertOutput,
    /// Exit 1 when an alert reaches this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Ignore the stored checkpoint: relearn from nothing and reread every file.
    #[arg(long)]
    pub fresh: bool,
    /// Name of the checkpoint, for several independent feeds in one store.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub feed: String,
    /// Detector shards run in parallel, identities split between them (default: the
    /// cores but one, which reads the logs). Fixed when a feed starts.
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    /// Only alerts on standard output; no progress or summary lines.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertOutput {
    /// A readable block per alert.
    Text,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Nothing (alerts still go to the store and the configured sinks).
    None,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(short, long, value_enum, default_value_t = AlertListOutput::Table)]
    pub format: AlertListOutput,
    /// Only alerts at or above this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<String>,
    /// Only alerts about this identity (as the alert names it).
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,
    /// Only alerts of this detection (`NHI-MON-009`, `SIGMA:<rule id>`).
    #[arg(long, value_name = "ID")]
    pub detection: Option<String>,
    /// At most this many, newest first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertListOutput {
    Table,
    Json,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// One identity's learned behaviour: actions, services, networks, regions, user
    /// agents, busy hours, rates, roles assumed, pending novelties.
    Show {
        /// The identity as alerts name it: an inventory ID or an ARN / principal.
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        store: StoreArgs,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "NAME", default_value = "default")]
        feed: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and print the policy in effect (defaults filled in).
    Check {
        /// The policy file (default: ./nhi.toml; without one, the defaults apply).
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Where the store is, and how environments are named.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: a SQLite file, or a PostgreSQL URL (postgres://user@host/db). Default:
    /// $NHI_DB, else $XDG_DATA_HOME/nhi/nhi.db, else ~/.local/share/nhi/nhi.db.
    #[arg(long, value_name = "PATH|URL", env = "NHI_DB")]
    pub db: Option<PathBuf>,
    /// Environment rules (TOML: `[[environment]] match = "REGEX"  env = "prod"`), tried
    /// before the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub env_rules: Option<PathBuf>,
    /// The policy file (default: ./nhi.toml when present, else the built-in defaults).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files, or directories whose .json and .csv files are read.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// No per-file summary and no warnings on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// AWS IAM (GetAccountAuthorizationDetails, the credential report, access keys and
    /// their last use), Secrets Manager and Organizations, with the AWS SDK. Credentials
    /// and region resolve as in the AWS CLI. docs/collect-aws-policy.json is the policy.
    Aws(CollectAwsArgs),
}

#[derive(Debug, Args)]
pub struct CollectAwsArgs {
    /// Send every call to this endpoint (a moto or LocalStack server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Region for the regional calls (Secrets Manager).
    #[arg(long)]
    pub region: Option<String>,
    /// A named profile from the AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
    /// Attempts per call, throttling and transient errors included.
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,
    /// The store (a SQLite file or a PostgreSQL URL). Default as for `nhi scan`.
    #[arg(long, value_name = "PATH|URL", env = "NHI_DB")]
    pub db: Option<PathBuf>,
    /// No progress or summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryOutput {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = InventoryOutput::Table)]
    pub format: InventoryOutput,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only this provider (aws, gcp, azure, kubernetes, github, openai, anthropic, …).
    #[arg(long)]
    pub provider: Option<String>,
    /// Only this identity kind (iam_user, iam_role, service_account, …).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this environment (prod, staging, dev, …).
    #[arg(long)]
    pub env: Option<String>,
    /// Only identities with an owner containing this text.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only this lifecycle status (active, inactive, disabled, expired, deleted, unknown).
    #[arg(long)]
    pub status: Option<String>,
    /// Also list people (owners, creators).
    #[arg(long)]
    pub include_people: bool,
    /// Also list identities only a link names (a trusted account, an unknown role).
    #[arg(long)]
    pub include_stubs: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// An identity ID, ARN, email, application ID, unique name, or a credential's ID or
    /// access key ID.
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// table or json.
    #[arg(short, long, value_enum, default_value_t = InventoryOutput::Table)]
    pub format: InventoryOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphOutput {
    /// Graphviz.
    Dot,
    /// nhi's own nodes-and-edges JSON.
    Json,
    /// BloodHound's OpenGraph generic ingest format.
    Opengraph,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(short, long, value_enum, default_value_t = GraphOutput::Dot)]
    pub format: GraphOutput,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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

impl FailOn {
    /// The lowest severity that fails the run; `None` for `never`.
    pub fn threshold(self) -> Option<nhi_model::Severity> {
        use nhi_model::Severity;
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
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

    /// The store: a SQLite file, or a PostgreSQL URL (postgres://user@host/db). Default:
    /// $NHI_DB, else $XDG_DATA_HOME/nhi/nhi.db, else ~/.local/share/nhi/nhi.db.
    #[arg(long, value_name = "PATH|URL", env = "NHI_DB")]
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

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// table, json, jsonl or csv.
    #[arg(short, long, value_enum, default_value_t = InventoryOutput::Table)]
    pub format: InventoryOutput,
    /// Only this OWASP NHI risk (NHI1 ... NHI10).
    #[arg(long)]
    pub owasp: Option<String>,
    /// Only findings at this severity or above (info, low, medium, high, critical).
    #[arg(long)]
    pub min_severity: Option<String>,
    /// Only this rule.
    #[arg(long)]
    pub rule: Option<String>,
    /// Also list suppressed findings (with their reason and expiry).
    #[arg(long, conflicts_with = "inputs")]
    pub include_suppressed: bool,
    /// Assess these export files (or directories of them, repeatable) directly instead of
    /// the store, which is neither read nor written: only their inventory findings, none
    /// suppressed. For a CI gate or a one-off review of an export. Exit code 2 when a
    /// file cannot be read or has warnings, as with `nhi import`.
    #[arg(long = "input", value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    #[command(subcommand)]
    pub action: Option<FindingsAction>,
}

#[derive(Debug, Subcommand)]
pub enum FindingsAction {
    /// Accept a finding for now: hidden from `nhi findings` until the expiry date, kept
    /// in the store with its reason.
    Suppress {
        /// The finding ID (`NHI-…` from a scan, `NHI-I-…` from the inventory).
        id: String,
        /// Why it is acceptable (required).
        #[arg(long)]
        reason: String,
        /// Last day the suppression applies (YYYY-MM-DD; at most a year ahead).
        #[arg(long, value_name = "DATE")]
        expires: String,
        #[arg(long, value_name = "PATH|URL", env = "NHI_DB")]
        db: Option<PathBuf>,
    },
    /// Remove a suppression.
    Unsuppress {
        id: String,
        #[arg(long, value_name = "PATH|URL", env = "NHI_DB")]
        db: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// One self-contained HTML file (inline CSS and SVG charts; loads nothing).
    Html,
    #[value(alias = "markdown")]
    Md,
    Json,
    /// One row per finding.
    Csv,
    /// SARIF 2.1.0: findings as code-scanning results (scan findings at their file
    /// and line; inventory findings at the identity, as a logical location).
    Sarif,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Html)]
    pub format: ReportOutput,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
