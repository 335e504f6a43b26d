//! `nhi`: the command-line shell. Parses arguments, wires the library crates together
//! and maps outcomes to exit codes; all real work lives in the library crates.

mod cli;
mod collect_cmd;
mod findings_cmd;
mod geoip;
mod inventory_cmd;
mod migrate_cmd;
mod monitor_cmd;
mod policy_cmd;
mod progress;
mod report_cmd;
mod scan_cmd;
mod serve_cmd;
mod sinks;
mod store;

use std::process::ExitCode;

/// The inventory, the assessment and the monitor allocate many small strings; measured
/// on the benchmarks, mimalloc spends less time in allocation and freeing than the
/// system allocator (see ARCHITECTURE.md, "Decisions").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

/// mimalloc's `mi_option_purge_delay`: its place in the v3 header's `mi_option_e`
/// (libmimalloc-sys has no constant for it). A test checks it reads purge_delay's
/// default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Stops mimalloc from handing freed memory back to the OS, for commands that run once
/// and exit. With purging on, dropping a big inventory made `nhi import` take twice as
/// long on some runs, and a scan hands pages back only to fault them in and zero them
/// again (68 `madvise` calls on the dense benchmark tree, 7 without); their peak is
/// bounded by their input.
/// Long-running commands (`serve`, `monitor`) keep the default so their memory shrinks
/// after a spike. A `MIMALLOC_PURGE_DELAY` the user set wins. (Setting that variable
/// from here would be too late: mimalloc reads its environment before `main`.)
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's process-wide options, which are atomics.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

/// Documented exit codes (README "Exit codes").
pub mod exit {
    /// No finding reached `--fail-on`, and every input was read.
    pub const CLEAN: u8 = 0;
    /// At least one finding reached `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Usage error, a root that cannot be scanned, or (with no failing findings) inputs
    /// that were unreadable or malformed.
    pub const INPUT_ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if !matches!(
        cli.command,
        cli::Command::Serve(_) | cli::Command::Monitor(_)
    ) {
        keep_freed_memory();
    }
    let result = match cli.command {
        cli::Command::Scan(args) => scan_cmd::run(&args),
        cli::Command::Rules(args) => scan_cmd::list_rules(&args),
        cli::Command::Import(args) => inventory_cmd::import(&args),
        cli::Command::Collect(cli::CollectCommand::Aws(args)) => collect_cmd::aws(&args),
        cli::Command::Inventory(args) => inventory_cmd::inventory(&args),
        cli::Command::Show(args) => inventory_cmd::show(&args),
        cli::Command::Graph(args) => inventory_cmd::graph(&args),
        cli::Command::Findings(args) => findings_cmd::findings(&args),
        cli::Command::Report(args) => report_cmd::report(&args),
        cli::Command::Monitor(args) => monitor_cmd::monitor(&args),
        cli::Command::Alerts(args) => monitor_cmd::alerts(&args),
        cli::Command::Baseline(cli::BaselineCommand::Show {
            id,
            store,
            json,
            feed,
        }) => monitor_cmd::baseline_show(&id, &store, json, &feed),
        cli::Command::Policy(cli::PolicyCommand::Check { file }) => {
            policy_cmd::check(file.as_deref())
        }
        cli::Command::Serve(args) => serve_cmd::serve(&args),
        cli::Command::Token(command) => serve_cmd::token(&command),
        cli::Command::User(command) => serve_cmd::user(&command),
        cli::Command::MigrateStore(args) => migrate_cmd::migrate_store(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("nhi: error: {error:#}");
            ExitCode::from(exit::INPUT_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_option_is_the_one_we_mean() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set");
            return;
        }
        // SAFETY: reads and sets mimalloc's process-wide options (atomics).
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // The bundled v3 sources' options.c sets 1000 ms (its header's comment still
        // says 10); no neighbouring option defaults to 1000.
        assert_eq!(
            default, 1000,
            "option {MI_OPTION_PURGE_DELAY} is not purge_delay"
        );
        keep_freed_memory();
        let now = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(now, -1);
    }
}
