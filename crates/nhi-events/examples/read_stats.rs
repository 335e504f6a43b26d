//! Reads a log file or directory (or `-` for standard input) and prints what came out:
//! `cargo run --release --example read_stats -- PATH [--follow | --print]`.

use std::time::{Duration, Instant};

use nhi_events::{Follower, ReadOptions, read_path};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: read_stats PATH [--follow | --print]");
        std::process::exit(2);
    };
    let options = ReadOptions::default();
    let mode = args.next();
    if mode.as_deref() == Some("--follow") {
        let mut follower = Follower::new(&path, options).with_interval(Duration::from_secs(1));
        follower.run(
            &mut |event| {
                println!(
                    "{} {} {}",
                    event.origin, event.actor.principal, event.action
                )
            },
            |_| true,
        );
        return;
    }
    let started = Instant::now();
    let mut events = 0u64;
    let print = mode.as_deref() == Some("--print");
    let mut emit = |event: nhi_model::ActivityEvent| {
        events += 1;
        if print {
            println!("{}", serde_json::to_string(&event).unwrap_or_default());
        }
    };
    match read_path(&path, &options, &mut emit) {
        Ok(stats) => {
            print!("{stats}");
            for warning in &stats.warnings {
                eprintln!("warning: {warning}");
            }
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{events} events in {seconds:.3}s ({:.0} events/s)",
                events as f64 / seconds
            );
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
