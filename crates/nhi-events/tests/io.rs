//! Reading mechanics: gzip by magic bytes, truncated and corrupt input, directories in
//! the CloudTrail S3 layout, streams, encodings, and following growing files.

mod common;

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use nhi_events::{Checkpoint, Follower, ReadOptions, WarningKind, read_path, read_reader};
use nhi_model::{ActivityEvent, EventSource};

fn cloudtrail_record(index: usize) -> String {
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u{index}","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE{index:09}"}},"eventTime":"2024-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","eventID":"id-{index}","readOnly":true,"recipientAccountId":"111122223333"}}"#
    )
}

fn ndjson(count: usize) -> String {
    (0..count)
        .map(|index| cloudtrail_record(index) + "\n")
        .collect()
}

fn records_document(range: std::ops::Range<usize>) -> String {
    let records: Vec<String> = range.map(cloudtrail_record).collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn ids(events: &[ActivityEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| event.id.clone().unwrap_or_default())
        .collect()
}

#[test]
fn gzip_is_recognised_by_magic_bytes_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    fs::write(&path, gzip(records_document(0..3).as_bytes())).unwrap();
    let (events, stats) = common::read_all(&path, &ReadOptions::default());
    assert_eq!(ids(&events), ["id-0", "id-1", "id-2"]);
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_eq!(events[2].origin, format!("{}:record 3", path.display()));
}

#[test]
fn truncated_gzip_keeps_what_came_before_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("lines.json.gz", ndjson(400)),
        ("document.json.gz", records_document(0..400)),
    ] {
        let compressed = gzip(text.as_bytes());
        let path = dir.path().join(name);
        fs::write(&path, &compressed[..compressed.len() / 2]).unwrap();
        let (events, stats) = common::read_all(&path, &ReadOptions::default());
        assert!(
            !events.is_empty() && events.len() < 400,
            "{name}: {} events {:?}",
            events.len(),
            stats.warnings
        );
        assert_eq!(stats.truncated_gzip, 1, "{name}: {:?}", stats.warnings);
        assert_eq!(stats.warnings.len(), 1);
        let warning = &stats.warnings[0];
        assert_eq!(warning.kind, WarningKind::TruncatedGzip);
        assert!(
            warning.location.starts_with(&path.display().to_string()),
            "{warning}"
        );
        // The events that did come out are the first ones, in order.
        let expected: Vec<String> = (0..events.len())
            .map(|index| format!("id-{index}"))
            .collect();
        assert_eq!(ids(&events), expected);
    }
}

/// Also run with `--features flate2/zlib-rs`: that backend ends some corrupt streams
/// without an error, which the reader must still report.
#[test]
fn corrupt_gzip_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut compressed = gzip(ndjson(50).as_bytes());
    let middle = compressed.len() / 2;
    for byte in &mut compressed[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let path = dir.path().join("bad.gz");
    fs::write(&path, &compressed).unwrap();
    let (events, stats) = common::read_all(&path, &ReadOptions::default());
    assert!(events.len() < 50);
    assert_eq!(stats.problems(), stats.warnings.len() as u64);
    assert!(!stats.warnings.is_empty());
}

#[test]
fn s3_layout_directory_is_walked_in_order() {
    let root = tempfile::tempdir().unwrap();
    let trail = root
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2024");
    let day1 = trail.join("05/01");
    let day2 = trail.join("05/02");
    let digest = root
        .path()
        .join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01");
    for dir in [&day1, &day2, &digest] {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(
        day2.join("111122223333_CloudTrail_us-east-1_20240502T0000Z_b.json.gz"),
        gzip(records_document(3..5).as_bytes()),
    )
    .unwrap();
    fs::write(
        day1.join("111122223333_CloudTrail_us-east-1_20240501T0005Z_a.json.gz"),
        gzip(records_document(0..3).as_bytes()),
    )
    .unwrap();
    fs::write(
        digest.join("111122223333_CloudTrail-Digest_us-east-1_x.json.gz"),
        gzip(b"{\"awsAccountId\":\"1\"}"),
    )
    .unwrap();
    fs::write(day1.join("README.txt"), "not a log").unwrap();
    fs::write(day1.join(".hidden.json"), "{}").unwrap();

    let (events, stats) = common::read_all(root.path(), &ReadOptions::default());
    assert_eq!(ids(&events), ["id-0", "id-1", "id-2", "id-3", "id-4"]);
    assert_eq!(stats.files, 2);
    assert_eq!(stats.skipped_files, 1);
    let table = stats.to_string();
    assert!(table.starts_with("events: 5\n  cloudtrail: 5\n"), "{table}");
    assert!(table.contains("files skipped: 1\n"), "{table}");
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
}

#[test]
fn a_missing_path_is_an_error_but_nothing_inside_a_log_is() {
    assert!(
        read_path(
            "/nonexistent/nhi-events",
            &ReadOptions::default(),
            &mut |_| {}
        )
        .is_err()
    );
}

#[test]
fn stdin_like_stream_with_mixed_and_broken_lines() {
    let mut input = Vec::new();
    input.extend_from_slice(cloudtrail_record(1).as_bytes());
    input.extend_from_slice(b"\n\n");
    input.extend_from_slice(br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"k1","stage":"ResponseComplete","verb":"list","user":{"username":"system:serviceaccount:a:b"},"objectRef":{"resource":"secrets"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2024-05-01T00:00:00Z"}"#);
    input.extend_from_slice(b"\n{\"eventVersion\": \"1.08\", broken\n");
    input.extend_from_slice(b"{\"eventName\":\"GetObject\",\"eventSource\":\"s3.amazonaws.com\",\"userAgent\":\"caf\xe9\"}\n");
    input.extend_from_slice(b"{\"hello\":\"world\"}\n");
    input.extend_from_slice(b"42\n");
    input.extend_from_slice(br#"{"uuid":"o1","published":"2024-05-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"00u1","type":"User"},"outcome":{"result":"SUCCESS"}}"#);
    input.extend_from_slice(b"\r\n");
    input.extend_from_slice(
        format!(
            r#"{{"Records":[{},{}]}}"#,
            cloudtrail_record(7),
            cloudtrail_record(8)
        )
        .as_bytes(),
    );
    // The last line has no newline: at the end of a stream it still counts.
    input.extend_from_slice(b"\n");
    input.extend_from_slice(cloudtrail_record(9).as_bytes());

    let mut events = Vec::new();
    let stats = read_reader(
        Cursor::new(input),
        "-",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    let origins: Vec<&str> = events.iter().map(|event| event.origin.as_str()).collect();
    assert_eq!(
        origins,
        ["-:1", "-:3", "-:8", "-:9#record 1", "-:9#record 2", "-:10"]
    );
    assert_eq!(stats.events_from(EventSource::CloudTrail), 4);
    assert_eq!(stats.events_from(EventSource::KubernetesAudit), 1);
    assert_eq!(stats.events_from(EventSource::OktaSystemLog), 1);
    assert_eq!(stats.malformed, 1);
    assert_eq!(stats.bad_encoding, 1);
    assert_eq!(stats.unknown_records, 2);
    let located: Vec<(&str, WarningKind)> = stats
        .warnings
        .iter()
        .map(|warning| (warning.location.as_str(), warning.kind))
        .collect();
    assert_eq!(
        located,
        [
            ("-:4", WarningKind::Malformed),
            ("-:5", WarningKind::Encoding),
            ("-:6", WarningKind::UnknownRecord),
            ("-:7", WarningKind::UnknownRecord),
        ]
    );
}

#[test]
fn one_line_document_larger_than_the_sniff_window_is_streamed() {
    let document = records_document(0..600);
    assert!(document.len() > 64 * 1024);
    let mut events = Vec::new();
    let stats = read_reader(
        document.as_bytes(),
        "big.json",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert_eq!(events.len(), 600);
    assert!(stats.warnings.is_empty());
    assert_eq!(events[599].origin, "big.json:record 600");
}

#[test]
fn broken_document_keeps_earlier_records_and_names_the_position() {
    let text = format!(
        "{{\n\"Records\": [\n{},\n{},\n{{\"eventName\": oops}}]}}",
        cloudtrail_record(0),
        cloudtrail_record(1)
    );
    let mut events = Vec::new();
    let stats = read_reader(
        text.as_bytes(),
        "t.json",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert_eq!(events.len(), 2);
    assert_eq!(stats.malformed, 1);
    assert!(
        stats.warnings[0].location.starts_with("t.json:5:"),
        "{}",
        stats.warnings[0]
    );

    let truncated = &records_document(0..3)[..400];
    let mut events = Vec::new();
    let stats = read_reader(
        truncated.as_bytes(),
        "t.json",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert_eq!(events.len(), 1);
    assert_eq!(stats.malformed, 1);
}

#[test]
fn utf16_files_are_refused_with_a_warning() {
    let text: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("{\"a\":1}\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let mut events = Vec::new();
    let stats = read_reader(
        text.as_slice(),
        "u16.json",
        &ReadOptions::default(),
        &mut |event| events.push(event),
    );
    assert!(events.is_empty());
    assert_eq!(stats.bad_encoding, 1);
    assert_eq!(stats.warnings[0].location, "u16.json:byte 0");
}

#[test]
fn warnings_are_capped_but_counted() {
    let options = ReadOptions {
        max_warnings: 3,
        ..ReadOptions::default()
    };
    let stats = read_reader("x\n".repeat(10).as_bytes(), "junk", &options, &mut |_| {});
    assert_eq!(stats.malformed, 10);
    assert_eq!(stats.warnings.len(), 3);
    assert_eq!(stats.dropped_warnings, 7);
}

fn append(path: &Path, text: &str) {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn follower_reads_appended_lines_and_waits_for_partial_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    append(&path, &ndjson(2));
    let mut follower =
        Follower::new(&path, ReadOptions::default()).with_interval(Duration::from_millis(1));
    let mut events = Vec::new();
    assert_eq!(follower.poll(&mut |event| events.push(event)), 2);

    let third = cloudtrail_record(2);
    let (head, tail) = third.split_at(40);
    append(&path, head);
    assert_eq!(
        follower.poll(&mut |event| events.push(event)),
        0,
        "a partial line waits"
    );
    append(&path, &format!("{tail}\n"));
    assert_eq!(follower.poll(&mut |event| events.push(event)), 1);
    assert_eq!(ids(&events), ["id-0", "id-1", "id-2"]);
    assert_eq!(events[2].origin, format!("{}:3", path.display()));
    assert!(
        follower.stats().warnings.is_empty(),
        "{:?}",
        follower.stats().warnings
    );
    let size = fs::metadata(&path).unwrap().len();
    assert_eq!(
        follower.checkpoints(),
        [Checkpoint {
            path: path.clone(),
            offset: size
        }]
    );
}

#[test]
fn follower_resumes_from_a_checkpoint_without_loss_or_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    append(&path, &ndjson(3));
    let partial = &cloudtrail_record(3)[..25];
    append(&path, partial);

    let mut first = Follower::new(&path, ReadOptions::default());
    let mut seen = Vec::new();
    first.poll(&mut |event| seen.push(event));
    let saved = serde_json::to_string(&first.checkpoints()).unwrap();
    drop(first);

    // While nothing runs, the partial line is completed and more lines arrive.
    append(&path, &cloudtrail_record(3)[25..]);
    append(&path, "\n");
    append(&path, &ndjson(6)[ndjson(4).len()..]);

    let mut second = Follower::new(&path, ReadOptions::default());
    second.resume(serde_json::from_str::<Vec<Checkpoint>>(&saved).unwrap());
    second.poll(&mut |event| seen.push(event));
    assert_eq!(ids(&seen), ["id-0", "id-1", "id-2", "id-3", "id-4", "id-5"]);
    // Line numbers continue across the restart.
    assert_eq!(seen[5].origin, format!("{}:6", path.display()));
}

#[test]
fn follower_picks_up_new_files_in_a_directory_and_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.jsonl"), &ndjson(1));
    let mut follower =
        Follower::new(dir.path(), ReadOptions::default()).with_interval(Duration::from_millis(1));
    let mut seen = Vec::new();
    let mut polls = 0;
    let gz_path = dir.path().join("b.json.gz");
    follower.run(&mut |event| seen.push(event), |_follower| {
        polls += 1;
        if polls == 1 {
            fs::write(&gz_path, gzip(records_document(5..7).as_bytes())).unwrap();
        }
        polls < 4
    });
    // The gzip file is read once its size held still between two polls, and only once.
    assert_eq!(ids(&seen), ["id-0", "id-5", "id-6"]);
    assert_eq!(follower.checkpoints().len(), 2);
}

#[test]
fn follower_notices_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    append(&path, &ndjson(3));
    let mut follower = Follower::new(&path, ReadOptions::default());
    let mut seen = Vec::new();
    follower.poll(&mut |event| seen.push(event));
    fs::write(&path, ndjson(1)).unwrap();
    follower.poll(&mut |event| seen.push(event));
    assert_eq!(ids(&seen), ["id-0", "id-1", "id-2", "id-0"]);
    assert_eq!(follower.stats().rotations, 1);
    assert_eq!(follower.take_warnings()[0].kind, WarningKind::Rotated);
}

#[test]
fn deeply_nested_documents_do_not_overflow_the_stack() {
    for text in [
        "[".repeat(200_000),
        "{\"a\":".repeat(200_000),
        format!("{{\"Records\":{}", "[".repeat(200_000)),
    ] {
        let stats = read_reader(
            text.as_bytes(),
            "deep.json",
            &ReadOptions::default(),
            &mut |_| {},
        );
        assert_eq!(stats.total_events(), 0);
        assert_eq!(stats.problems(), 1, "{:?}", stats.warnings);
    }
}

#[cfg(unix)]
#[test]
fn unreadable_entries_in_a_directory_are_warnings_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl"), ndjson(2)).unwrap();
    let broken = dir.path().join("b.jsonl");
    std::os::unix::fs::symlink(dir.path().join("gone.jsonl"), &broken).unwrap();
    fs::write(dir.path().join("c.jsonl"), &ndjson(3)[ndjson(2).len()..]).unwrap();
    let (events, stats) = common::read_all(dir.path(), &ReadOptions::default());
    assert_eq!(ids(&events), ["id-0", "id-1", "id-2"]);
    assert_eq!(stats.unreadable, 1);
    assert_eq!(stats.warnings[0].location, broken.display().to_string());
    assert_eq!(stats.warnings[0].kind, WarningKind::Unreadable);
}

#[test]
fn follower_stops_promptly_when_the_flag_is_set() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    append(&path, &ndjson(2));
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            stop.store(true, Ordering::Relaxed);
        })
    };
    let started = std::time::Instant::now();
    let mut follower =
        Follower::new(&path, ReadOptions::default()).with_interval(Duration::from_secs(60));
    let mut seen = Vec::new();
    follower.run_until_stopped(&mut |event| seen.push(event), &stop);
    stopper.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(ids(&seen), ["id-0", "id-1"]);
}
