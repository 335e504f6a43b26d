//! No input makes the reader panic, and every problem it meets is both counted and
//! reported.

mod common;

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use nhi_events::{FieldMapping, ReadOptions, ReadStats, read_reader};
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    "cloudtrail_s3.json",
    "cloudtrail_lines.ndjson",
    "cloudtrail_eventbridge.json",
    "k8s_audit.jsonl",
    "k8s_eventlist.json",
    "gcp_audit.json",
    "entra_signins.json",
    "github_audit.json",
    "okta_logs.json",
    "mapped.jsonl",
];

fn sample(index: usize) -> Vec<u8> {
    std::fs::read(common::data(SAMPLES[index % SAMPLES.len()])).unwrap()
}

fn options() -> ReadOptions {
    let mapping = FieldMapping {
        principal: Some("caller.id".into()),
        action: Some("op".into()),
        resource: Some("paths".into()),
        time: Some("ts".into()),
        ..FieldMapping::default()
    };
    ReadOptions {
        mapping: Some(mapping),
        max_warnings: 5,
        ..ReadOptions::default()
    }
}

fn read(bytes: &[u8]) -> (usize, ReadStats) {
    let mut events = 0;
    let stats = read_reader(bytes, "input", &options(), &mut |_| events += 1);
    // Every problem is reported (kept or counted as dropped), and events are counted.
    assert_eq!(
        stats.warnings.len() as u64 + stats.dropped_warnings,
        stats.problems()
    );
    assert_eq!(stats.total_events(), events as u64);
    (events, stats)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read(&bytes);
        let mut gzipped = vec![0x1f, 0x8b];
        gzipped.extend_from_slice(&bytes);
        read(&gzipped);
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[\[\]{}":,\\ a-zA-Z0-9.@\n-]{0,400}"#) {
        read(text.as_bytes());
    }

    #[test]
    fn truncated_samples_never_panic_and_never_invent_events(which in 0usize..SAMPLES.len(), cut in 0.0f64..1.0) {
        let whole = sample(which);
        let (all_events, _) = read(&whole);
        let end = (whole.len() as f64 * cut) as usize;
        let (events, _) = read(&whole[..end]);
        prop_assert!(events <= all_events);

        let compressed = gzip(&whole);
        let end = (compressed.len() as f64 * cut) as usize;
        let (events, _) = read(&compressed[..end]);
        prop_assert!(events <= all_events);
    }

    #[test]
    fn mutated_samples_never_panic(which in 0usize..SAMPLES.len(), position in 0.0f64..1.0, byte in any::<u8>()) {
        let mut bytes = sample(which);
        let index = ((bytes.len() as f64 * position) as usize).min(bytes.len() - 1);
        bytes[index] = byte;
        read(&bytes);
    }
}
