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
    // mimalloc hands freed memory back to the OS after a delay; when a big inventory
    // is dropped that purging made `nhi import` take twice as long on some runs. nhi's
    // peak is bounded by its input, so keeping freed memory for reuse costs nothing.
    // mimalloc reads the option on first use, after this line; a value the user set
    // wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: no other thread exists yet, so nothing reads the environment
        // concurrently.
        unsafe { std::env::set_var("MIMALLOC_PURGE_DELAY", "-1") };
    }
    let cli = cli::Cli::parse();
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
