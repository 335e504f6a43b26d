#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use nhi_events::{ReadOptions, ReadStats, read_path};
use nhi_model::ActivityEvent;

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn read_all(path: &Path, options: &ReadOptions) -> (Vec<ActivityEvent>, ReadStats) {
    let mut events = Vec::new();
    let stats =
        read_path(path, options, &mut |event| events.push(event)).expect("path is readable");
    (events, stats)
}

pub fn ts(text: &str) -> Option<Timestamp> {
    Some(text.parse().expect("test timestamp"))
}

pub fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

pub fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}
