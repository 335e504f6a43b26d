//! `nhi migrate-store`: moves a store to another backend (a pilot's SQLite file into the
//! team's PostgreSQL, or back), through the backend-neutral dump.

use anyhow::Result;
use nhi_store::{ImportMode, StoreError};

use crate::cli::MigrateStoreArgs;
use crate::exit;
use crate::store::StoreLocation;

pub fn migrate_store(args: &MigrateStoreArgs) -> Result<u8> {
    let from = StoreLocation::parse(&args.from);
    let to = StoreLocation::parse(&args.to);
    if from.describe() == to.describe() {
        anyhow::bail!("--from and --to name the same store ({})", from.describe());
    }
    let source = from.open()?;
    let mut target = to.open()?;
    let mode = if args.replace {
        ImportMode::Replace
    } else {
        ImportMode::RequireEmpty
    };
    let counts = nhi_store::copy_store(&*source, &mut *target, mode).map_err(|e| match e {
        StoreError::TargetNotEmpty { table, rows } => anyhow::anyhow!(
            "{} already holds an inventory ({rows} rows in {table}); pass --replace to overwrite it",
            to.describe()
        ),
        other => anyhow::Error::new(other)
            .context(format!("cannot move the inventory into {}", to.describe())),
    })?;
    let access = match nhi_store::copy_server_tables(&*source, &mut *target) {
        Ok(copied) => Some(copied),
        Err(StoreError::TargetNotEmpty { table, rows }) if args.replace => {
            eprintln!(
                "nhi: warning: {} already has {rows} rows in {table}; API tokens, users and the \
                 audit log were left as they are",
                to.describe()
            );
            None
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "the inventory moved, but API tokens, users and the audit log did not ({})",
                to.describe()
            )));
        }
    };
    if !args.quiet {
        eprintln!("nhi: moved {} -> {}", from.describe(), to.describe());
        for (table, rows) in counts {
            eprintln!("  {table:<22} {rows:>8}");
        }
        if let Some(copied) = access {
            eprintln!("  {:<22} {:>8}", "api_tokens", copied.api_tokens);
            eprintln!("  {:<22} {:>8}", "local_users", copied.local_users);
            eprintln!("  {:<22} {:>8}", "audit_log", copied.audit_entries);
        }
        eprintln!("  (sessions are not moved; `nhi serve` rebuilds its index on start)");
    }
    Ok(exit::CLEAN)
}
