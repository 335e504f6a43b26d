//! Arbitrary bytes through every detection rule: must never panic, and every reported
//! range must lie inside the input.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_rules::RuleSet;

static RULES: OnceLock<RuleSet> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(|| RuleSet::builtin().expect("builtin rules compile"));
    for d in rules.detect(data) {
        assert!(d.start <= d.end && d.end <= data.len());
    }
});
