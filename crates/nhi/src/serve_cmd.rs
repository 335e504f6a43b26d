//! `nhi serve`, `nhi token` and `nhi user`: the shared service, and the credentials
//! people and machines use to reach it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use nhi_server::{Backend, Collector, JobSpec, Jobs, RunCounts, Schedule, StoreFactory};
use nhi_store::LocalUser;
use serde::Deserialize;

use crate::cli::{ServeArgs, StoreArgs, TokenCommand, UserCommand};
use crate::exit;

fn store_factory(store: &StoreArgs) -> Result<StoreFactory> {
    crate::store::StoreLocation::from_arg(store.db.as_deref())?.factory()
}

/// The jobs file of `nhi serve --config`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeConfig {
    #[serde(default)]
    job: Vec<JobConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobConfig {
    name: String,
    /// `import` (export files and directories), `aws` (live, read-only), `scan` (code,
    /// git history and configs, as `nhi scan`) or `monitor` (log files and
    /// directories, as `nhi monitor`).
    kind: String,
    #[serde(default)]
    paths: Vec<PathBuf>,
    /// More `nhi scan` / `nhi monitor` flags, as on the command line (`--no-history`,
    /// `--config monitor.toml`, `--sigma rules/`). The store is always the server's.
    #[serde(default)]
    args: Vec<String>,
    /// Five-field cron, UTC. Without one the job runs only when triggered.
    schedule: Option<String>,
    #[serde(default = "default_retries")]
    retries: u32,
    endpoint_url: Option<String>,
    region: Option<String>,
    profile: Option<String>,
}

fn default_retries() -> u32 {
    2
}

/// Export files and directories, read as one collection under `job:NAME`, so a run
/// replaces the previous run's data in one transaction or, failing, changes nothing.
struct ImportCollector {
    name: String,
    paths: Vec<PathBuf>,
}

impl Collector for ImportCollector {
    fn collect(&self, store: &mut dyn Backend) -> Result<RunCounts, String> {
        let mut inventory = nhi_model::Inventory::default();
        let mut warnings = Vec::new();
        let failed =
            crate::inventory_cmd::read_exports(&self.paths, true, &mut |_, _, _, batch| {
                warnings.extend(
                    batch
                        .warnings
                        .iter()
                        .map(|w| format!("{}: {}: {}", w.file, w.position, w.message)),
                );
                inventory.merge(batch);
                Ok(())
            })
            .map_err(|e| format!("{e:#}"))?;
        if failed > 0 {
            return Err(format!(
                "{failed} file(s) could not be read; nothing was recorded (see the server log)"
            ));
        }
        inventory.normalize();
        let counts = RunCounts {
            identities: inventory.identities.len() as u64,
            credentials: inventory.credentials.len() as u64,
            ..RunCounts::default()
        };
        store
            .record_inventory(
                &format!("job:{}", self.name),
                jiff::Timestamp::now(),
                &inventory,
            )
            .map_err(|e| e.to_string())?;
        for warning in warnings.iter().take(20) {
            eprintln!("nhi serve: job {}: warning: {warning}", self.name);
        }
        Ok(counts)
    }
}

struct AwsCollector {
    options: nhi_collect_aws::CollectOptions,
}

impl Collector for AwsCollector {
    fn collect(&self, store: &mut dyn Backend) -> Result<RunCounts, String> {
        let collected =
            crate::collect_cmd::collect_aws(&self.options).map_err(|e| format!("{e:#}"))?;
        store
            .record_inventory(
                &collected.origin(),
                jiff::Timestamp::now(),
                &collected.inventory,
            )
            .map_err(|e| e.to_string())?;
        Ok(RunCounts {
            identities: collected.inventory.identities.len() as u64,
            credentials: collected.inventory.credentials.len() as u64,
            ..RunCounts::default()
        })
    }
}

/// `nhi scan` as a job: the same scan, recorded through the job's own store connection
/// in one transaction; the report is not printed.
struct ScanCollector {
    args: crate::cli::ScanArgs,
}

impl Collector for ScanCollector {
    fn collect(&self, store: &mut dyn Backend) -> Result<RunCounts, String> {
        let (output, _) = crate::scan_cmd::scan_and_record(&self.args, Some(store))
            .map_err(|e| format!("{e:#}"))?;
        Ok(RunCounts {
            identities: output.inventory.identities.len() as u64,
            credentials: output.credentials.len() as u64,
            ..RunCounts::default()
        })
    }
}

/// `nhi monitor` as a job over log files and directories: each run reads what was
/// written since the feed's checkpoint (the feed is named after the job), stores the
/// alerts and commits the detectors' state with the read positions, so a run that fails
/// resumes from the last commit and nothing is read twice.
struct MonitorCollector {
    args: crate::cli::MonitorArgs,
}

impl Collector for MonitorCollector {
    fn collect(&self, _store: &mut dyn Backend) -> Result<RunCounts, String> {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let run =
            crate::monitor_cmd::monitor_until(&self.args, stop).map_err(|e| format!("{e:#}"))?;
        Ok(RunCounts {
            events: run.events,
            alerts: run.alerts,
            ..RunCounts::default()
        })
    }
}

/// Parses a job's command line as `nhi SUBCOMMAND PATH... ARGS...`, so a job accepts
/// exactly the flags the command does, checked when the server starts.
fn job_command(
    jobs_file: &Path,
    job: &JobConfig,
    subcommand: &str,
    paths: &[PathBuf],
    store: &StoreArgs,
) -> Result<crate::cli::Command> {
    if job
        .args
        .iter()
        .any(|a| a == "--db" || a.starts_with("--db=") || a == "--no-store" || a == "--follow")
    {
        bail!(
            "{}: job {:?}: --db, --no-store and --follow are set by the server, not in args",
            jobs_file.display(),
            job.name
        );
    }
    let mut argv: Vec<std::ffi::OsString> = vec!["nhi".into(), subcommand.into()];
    argv.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
    let base = jobs_file.parent().unwrap_or(Path::new("."));
    argv.extend(resolve_path_args(&job.args, base));
    argv.push("--quiet".into());
    if let Some(db) = &store.db {
        argv.push("--db".into());
        argv.push(db.as_os_str().to_owned());
    }
    if subcommand == "monitor" {
        for (flag, value) in [
            ("--env-rules", &store.env_rules),
            ("--policy", &store.policy),
        ] {
            if let Some(value) = value {
                argv.push(flag.into());
                argv.push(value.as_os_str().to_owned());
            }
        }
    }
    use clap::Parser;
    let cli = crate::cli::Cli::try_parse_from(argv).map_err(|e| {
        anyhow::anyhow!(
            "{}: job {:?}: not valid `nhi {subcommand}` arguments: {}",
            jobs_file.display(),
            job.name,
            e.render()
        )
    })?;
    Ok(cli.command)
}

/// The `nhi scan` / `nhi monitor` flags whose value is a file or directory.
const PATH_FLAGS: [&str; 9] = [
    "--config",
    "--sigma",
    "--asn-db",
    "--country-db",
    "--rules",
    "--suppressions",
    "--key-file",
    "--output",
    "--env-rules",
];

/// A job's flags with relative file values made relative to the jobs file, like its
/// `paths`, so a jobs file means the same wherever the server is started.
fn resolve_path_args(args: &[String], base: &Path) -> Vec<std::ffi::OsString> {
    let resolve = |value: &str| -> std::ffi::OsString {
        let path = Path::new(value);
        if path.is_absolute() {
            path.as_os_str().to_owned()
        } else {
            base.join(path).into_os_string()
        }
    };
    let mut out = Vec::with_capacity(args.len());
    let mut value_is_path = false;
    for arg in args {
        if value_is_path {
            out.push(resolve(arg));
            value_is_path = false;
        } else if let Some((flag, value)) = arg.split_once('=')
            && PATH_FLAGS.contains(&flag)
        {
            let mut joined = std::ffi::OsString::from(format!("{flag}="));
            joined.push(resolve(value));
            out.push(joined);
        } else {
            value_is_path = PATH_FLAGS.contains(&arg.as_str());
            out.push(arg.into());
        }
    }
    out
}

fn load_jobs(path: Option<&Path>, store: &StoreArgs) -> Result<Jobs> {
    let Some(path) = path else {
        return Ok(Jobs::new(Vec::new()));
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let config: ServeConfig = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid jobs file", path.display()))?;
    let mut specs = Vec::new();
    for job in config.job {
        if specs.iter().any(|s: &JobSpec| s.name == job.name) {
            bail!("{}: job {:?} is defined twice", path.display(), job.name);
        }
        let schedule = job
            .schedule
            .as_deref()
            .map(Schedule::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("{}: job {:?}: {e}", path.display(), job.name))?;
        let collector: Arc<dyn Collector> = match job.kind.as_str() {
            "import" => {
                if job.paths.is_empty() {
                    bail!("{}: job {:?} needs paths", path.display(), job.name);
                }
                // Relative paths are relative to the jobs file, not to wherever the
                // server happens to start.
                let base = path.parent().unwrap_or(Path::new("."));
                Arc::new(ImportCollector {
                    name: job.name.clone(),
                    paths: job.paths.iter().map(|p| base.join(p)).collect(),
                })
            }
            "scan" | "monitor" => {
                if job.paths.is_empty() {
                    bail!("{}: job {:?} needs paths", path.display(), job.name);
                }
                let base = path.parent().unwrap_or(Path::new("."));
                let paths: Vec<PathBuf> = job.paths.iter().map(|p| base.join(p)).collect();
                match job_command(path, &job, &job.kind, &paths, store)? {
                    crate::cli::Command::Scan(args) => Arc::new(ScanCollector { args }),
                    crate::cli::Command::Monitor(mut args) => {
                        // Each monitor job is its own feed: its own checkpoint and baselines.
                        if !job
                            .args
                            .iter()
                            .any(|a| a == "--feed" || a.starts_with("--feed="))
                        {
                            args.feed = format!("job:{}", job.name);
                        }
                        args.format = crate::cli::AlertOutput::None;
                        Arc::new(MonitorCollector { args })
                    }
                    _ => bail!("job {:?}: not a scan or monitor command", job.name),
                }
            }
            "aws" => Arc::new(AwsCollector {
                options: nhi_collect_aws::CollectOptions {
                    endpoint_url: job.endpoint_url.clone(),
                    region: job.region.clone(),
                    profile: job.profile.clone(),
                    max_attempts: 5,
                },
            }),
            other => bail!(
                "{}: job {:?} has kind {other:?}; known kinds are import, aws, scan and monitor",
                path.display(),
                job.name
            ),
        };
        specs.push(JobSpec {
            name: job.name,
            schedule,
            collector,
            retries: job.retries,
        });
    }
    Ok(Jobs::new(specs))
}

pub fn serve(args: &ServeArgs) -> Result<u8> {
    let open = store_factory(&args.store)?;
    let jobs = load_jobs(args.config.as_deref(), &args.store)?;
    let job_count = jobs.names().len();
    if !args.quiet && job_count >= usize::from(args.store_connections) {
        // Not an error: jobs rarely all run at once. But when they do, every request
        // waits for one to finish.
        eprintln!(
            "nhi: warning: --store-connections {} with {job_count} jobs: while every job runs, requests wait for a connection",
            args.store_connections
        );
    }
    let session_ttl = nhi_server::auth::parse_ttl(&args.session_ttl)
        .with_context(|| format!("--session-ttl {:?} is not a duration", args.session_ttl))?;
    let policy = args.store.policy.clone().or_else(|| {
        Path::new("nhi.toml")
            .is_file()
            .then(|| PathBuf::from("nhi.toml"))
    });
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(nhi_server::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    let state = nhi_server::AppState::new(
        open,
        nhi_server::Settings {
            tls: tls.is_some(),
            session_ttl,
            instance: format!("nhi-serve:{}", std::process::id()),
            store_connections: usize::from(args.store_connections),
        },
        nhi_server::AnalysisConfig {
            policy,
            env_rules: args.store.env_rules.clone(),
        },
        jobs,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let quiet = args.quiet;
    runtime.block_on(nhi_server::serve(state, args.listen, tls, |addr| {
        if !quiet {
            eprintln!("nhi: serving on {scheme}://{addr} (Ctrl-C stops)");
        }
    }))?;
    Ok(exit::CLEAN)
}

pub fn token(command: &TokenCommand) -> Result<u8> {
    match command {
        TokenCommand::Create {
            name,
            role,
            ttl,
            store,
        } => {
            let ttl = nhi_server::auth::parse_ttl(ttl)
                .with_context(|| format!("--ttl {ttl:?} is not a duration"))?;
            let issued = nhi_server::auth::issue_token(
                name,
                role.role(),
                ttl,
                "cli",
                jiff::Timestamp::now(),
            )?;
            let mut db = crate::inventory_cmd::open_store(store.db.as_deref())?;
            db.insert_api_token(&issued.row)?;
            eprintln!(
                "nhi: token {} ({}, {}) expires {}; it is shown once, below",
                issued.row.id, issued.row.name, issued.row.role, issued.row.expires_at
            );
            println!("{}", issued.token);
            Ok(exit::CLEAN)
        }
        TokenCommand::List { json, store } => {
            let db = crate::inventory_cmd::open_store(store.db.as_deref())?;
            let tokens: Vec<nhi_server::api::TokenSummary> =
                db.api_tokens()?.into_iter().map(Into::into).collect();
            if *json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            } else {
                for t in &tokens {
                    println!(
                        "{}  {:<8}  {:<20}  expires {}{}",
                        t.id,
                        t.role,
                        t.name,
                        t.expires_at,
                        t.revoked_at
                            .as_ref()
                            .map(|r| format!("  revoked {r}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(exit::CLEAN)
        }
        TokenCommand::Revoke { id, store } => {
            let mut db = crate::inventory_cmd::open_store(store.db.as_deref())?;
            if !db.revoke_api_token(id, jiff::Timestamp::now())? {
                bail!("no live token with ID {id}");
            }
            eprintln!("nhi: token {id} revoked");
            Ok(exit::CLEAN)
        }
    }
}

/// Shorter passwords are refused: the account can manage every token.
const MIN_PASSWORD_CHARS: usize = 12;

pub fn user(command: &UserCommand) -> Result<u8> {
    match command {
        UserCommand::Add { name, role, store } => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            if password.chars().count() < MIN_PASSWORD_CHARS {
                bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
            }
            let mut db = crate::inventory_cmd::open_store(store.db.as_deref())?;
            db.upsert_local_user(&LocalUser {
                name: name.clone(),
                password_hash: nhi_server::auth::hash_password(password)?,
                role: role.role(),
                created_at: jiff::Timestamp::now(),
            })?;
            eprintln!("nhi: user {name} ({}) saved", role.role());
            Ok(exit::CLEAN)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_flags_with_file_values_are_relative_to_the_jobs_file() {
        let args: Vec<String> = [
            "--config",
            "mon.toml",
            "--sigma=rules",
            "--no-history",
            "--feed",
            "x",
            "--output",
            "/abs/out.json",
        ]
        .map(String::from)
        .to_vec();
        let resolved = resolve_path_args(&args, Path::new("/etc/nhi"));
        let resolved: Vec<String> = resolved
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            resolved,
            [
                "--config",
                "/etc/nhi/mon.toml",
                "--sigma=/etc/nhi/rules",
                "--no-history",
                "--feed",
                "x",
                "--output",
                "/abs/out.json"
            ]
        );
    }
}
