//! Runs a rule directory over an NDJSON file of CloudTrail records and prints each hit.
//!
//! `cargo run --example scan_ndjson -- RULES_DIR RECORDS.ndjson`

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

use nhi_sigma::RuleSet;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rules_dir, records] = args.as_slice() else {
        eprintln!("usage: scan_ndjson RULES_DIR RECORDS.ndjson");
        return ExitCode::FAILURE;
    };
    let (rules, errors) = RuleSet::load_dir(rules_dir);
    for error in &errors {
        eprintln!("skipped: {error}");
    }
    let file = match std::fs::File::open(records) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("{records}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let (mut scanned, mut hits) = (0u64, 0u64);
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        let Ok(record) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        scanned += 1;
        for rule in rules.matches(&record) {
            hits += 1;
            println!(
                "{}\t{}\t{}\t{}",
                record["eventID"].as_str().unwrap_or("-"),
                rule.level.map_or("-", |l| l.as_str()),
                rule.title,
                rule.attack_techniques().join(",")
            );
        }
    }
    eprintln!("{scanned} records, {hits} hits, {} rules", rules.len());
    ExitCode::SUCCESS
}
