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
    /// `import` (export files and directories) or `aws` (live, read-only).
    kind: String,
    #[serde(default)]
    paths: Vec<PathBuf>,
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
        })
    }
}

fn load_jobs(path: Option<&Path>) -> Result<Jobs> {
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
            "aws" => Arc::new(AwsCollector {
                options: nhi_collect_aws::CollectOptions {
                    endpoint_url: job.endpoint_url.clone(),
                    region: job.region.clone(),
                    profile: job.profile.clone(),
                    max_attempts: 5,
                },
            }),
            other => bail!(
                "{}: job {:?} has kind {other:?}; known kinds are import and aws",
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
    let jobs = load_jobs(args.config.as_deref())?;
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
