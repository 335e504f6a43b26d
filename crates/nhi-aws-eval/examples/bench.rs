//! Rough timing of `evaluate_all` on a GAAD file:
//! `cargo run --release --example bench -- gaad.json`
//! Uses the test catalog padded with synthetic services to about 17,000
//! actions (the size of the real catalog).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use nhi_aws_eval::{AccessLevel, Evaluator, PrivilegeTier, StaticCatalog};

fn main() {
    let path = std::env::args().nth(1).expect("usage: bench GAAD.json");
    let bytes = std::fs::read(&path).expect("read");
    let t0 = Instant::now();
    let export = nhi_aws::parse(
        nhi_aws::AwsExportKind::AccountAuthorizationDetails,
        &path,
        &bytes,
    )
    .expect("parse");
    let nhi_aws::AwsExportData::AccountAuthorizationDetails(gaad) = export.data else {
        panic!("not a GAAD")
    };
    let parse = t0.elapsed();
    let levels = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
    ];
    let mut actions: Vec<(String, AccessLevel)> = common::ACTIONS
        .iter()
        .map(|(a, l)| (a.to_string(), *l))
        .collect();
    for s in 0..400 {
        for a in 0..42 {
            actions.push((format!("svc{s}:Action{a}"), levels[a % 5]));
        }
    }
    let catalog = StaticCatalog::new(actions);
    let t1 = Instant::now();
    let ev = Evaluator::new(&gaad, &[], &catalog);
    let build = t1.elapsed();
    let t2 = Instant::now();
    let all = ev.evaluate_all();
    let eval = t2.elapsed();
    let mut tiers = std::collections::BTreeMap::<PrivilegeTier, usize>::new();
    for a in &all {
        *tiers.entry(a.effective_tier).or_default() += 1;
    }
    let esc: usize = all.iter().map(|a| a.escalations.len()).sum();
    let warn: usize = all.iter().map(|a| a.warnings.len()).sum();
    println!(
        "users {} roles {} policies {} catalog {} | parse {:?} build {:?} evaluate_all {:?} | principals {} escalations {} warnings {} tiers {:?}",
        gaad.users.len(),
        gaad.roles.len(),
        gaad.policies.len(),
        catalog.len(),
        parse,
        build,
        eval,
        all.len(),
        esc,
        warn,
        tiers
    );
}
