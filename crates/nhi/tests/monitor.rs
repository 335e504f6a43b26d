//! `nhi monitor`, `nhi alerts` and `nhi baseline show` end to end: the sample estate's
//! CloudTrail gives the expected alerts, nothing is read twice across runs, a feed cut
//! in two gives the same alerts as one run, bad input is counted and never stops the
//! stream, and a session token in the logs reaches no output.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const SESSION_TOKEN: &str =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIB7nhiSessionTokenPlantedForLeakTestZq9";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn nhi(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("nhi")
        .unwrap()
        .current_dir(dir)
        .env("NHI_KEY_FILE", dir.join("key"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `events: N` from `--stats`: events read in this run.
fn events_read(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("events: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `events:` line in {stderr}"))
}

/// `detectors: N processed, D duplicates, …` from `--stats` (totals kept with the
/// detector state, so they add up across runs of one feed).
fn stat(stderr: &str, what: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("detectors:"))
        .unwrap_or_else(|| panic!("no detector stats in {stderr}"));
    line.split(',')
        .find(|part| part.trim_end().ends_with(what))
        .and_then(|part| part.split_whitespace().rev().nth(what.split(' ').count()))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no `{what}` in {line}"))
}

#[test]
fn the_sample_estates_cloudtrail_gives_the_expected_alerts_and_leaks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let db = db.to_str().unwrap();
    let acme = repo().join("examples/acme");
    let scan = Command::cargo_bin("nhi")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "scan",
            "--no-history",
            "--fail-on",
            "never",
            "--db",
            db,
            "--key-file",
        ])
        .arg(dir.path().join("key"))
        .arg(&acme)
        .output()
        .unwrap();
    assert!(scan.status.success(), "{}", stderr(&scan));

    let config = repo().join("examples/monitor.toml");
    // Beside the estate, not in it: a scan of examples/acme would rightly flag the
    // session token the AssumeRole record holds.
    let logs = repo().join("examples/acme-logs");
    let out = nhi(
        dir.path(),
        &[
            "monitor",
            logs.to_str().unwrap(),
            "--db",
            db,
            "--config",
            config.to_str().unwrap(),
            "--format",
            "jsonl",
            "--stats",
        ],
    );
    // High alerts: exit 1 (`--fail-on high` is the default).
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let alerts: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut got: Vec<(String, String)> = alerts
        .iter()
        .map(|a| {
            (
                a["detection"].as_str().unwrap().to_string(),
                a["identity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let deployer = "arn:aws:iam::123456789012:user/slack-bot-deployer";
    let github = "arn:aws:iam::123456789012:role/acme-github-deploy";
    assert_eq!(
        got,
        [
            ("NHI-MON-001", deployer), // a critical-tier identity is in use
            ("NHI-MON-006", deployer), // it made a key for alice-chen-cli
            ("NHI-MON-009", github),   // StopLogging
            ("NHI-MON-011", github),   // snapshot shared with 999988887777
            ("NHI-MON-014", deployer), // console sign-in with a browser
        ]
        .map(|(d, i)| (d.to_string(), i.to_string()))
    );
    assert_eq!(stat(&stderr(&out), "processed"), 6);

    // `nhi alerts --format json` lists them with the documented fields.
    let listed = nhi(dir.path(), &["alerts", "--db", db, "--format", "json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed.len(), 5);
    for alert in &listed {
        for field in [
            "detection",
            "severity",
            "identity",
            "first_seen",
            "last_seen",
            "event_ids",
            "explanation",
        ] {
            assert!(!alert[field].is_null(), "{field} missing in {alert:#}");
        }
        assert!(
            alert["event_ids"][0]
                .as_str()
                .unwrap()
                .starts_with("a1f0c3d2-")
        );
    }
    let evasion = listed
        .iter()
        .find(|a| a["detection"] == "NHI-MON-009")
        .unwrap();
    assert!(
        evasion["explanation"]
            .as_str()
            .unwrap()
            .contains("StopLogging")
    );
    assert_eq!(evasion["mitre"][0], "T1562.008");

    // The [[sink]] of examples/monitor.toml got every alert as JSON lines.
    let sunk = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(sunk.lines().count(), 5);

    // The baseline is kept under the ARN and found by name.
    let baseline = nhi(
        dir.path(),
        &[
            "baseline",
            "show",
            "slack-bot-deployer",
            "--db",
            db,
            "--json",
        ],
    );
    assert!(baseline.status.success(), "{}", stderr(&baseline));
    let baseline: Value = serde_json::from_slice(&baseline.stdout).unwrap();
    assert_eq!(baseline["identity"], deployer);
    assert_eq!(baseline["events"], 3);

    // The AssumeRole response in the log carries a session token: nothing shows it.
    let mut written = vec![
        ("monitor stdout".to_string(), out.stdout.clone()),
        ("monitor stderr".to_string(), out.stderr.clone()),
        ("alerts.jsonl".to_string(), sunk.into_bytes()),
        (
            "alerts json".to_string(),
            serde_json::to_vec(&listed).unwrap(),
        ),
    ];
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("store.db")
        {
            written.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    for (name, bytes) in &written {
        assert!(
            !bytes
                .windows(24)
                .any(|w| SESSION_TOKEN.as_bytes().windows(24).any(|t| t == w)),
            "{name} holds part of the planted session token"
        );
    }
}

/// A generated CloudTrail feed as NDJSON lines.
fn feed_lines() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = nhi_simulate::Config::new(11);
    config.days = 20;
    nhi_simulate::write_dataset(
        &config,
        nhi_simulate::OutputFormat::Ndjson,
        false,
        dir.path(),
    )
    .unwrap();
    std::fs::read_to_string(dir.path().join("cloudtrail.ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn alert_ids(dir: &Path, db: &str) -> Vec<String> {
    let out = nhi(dir, &["alerts", "--db", db, "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_feed_read_in_two_runs_gives_the_alerts_of_one_run_and_nothing_twice() {
    let lines = feed_lines();
    let cut = lines.len() * 3 / 5;
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.ndjson");
    std::fs::write(&whole, lines.join("\n") + "\n").unwrap();
    let single = nhi(
        dir.path(),
        &[
            "monitor",
            "whole.ndjson",
            "--db",
            "one.db",
            "--format",
            "none",
            "--fail-on",
            "never",
            "--stats",
        ],
    );
    assert!(single.status.success(), "{}", stderr(&single));
    assert_eq!(stat(&stderr(&single), "processed"), lines.len() as u64);

    // The same feed arriving in two parts, with a restart between them.
    let growing = dir.path().join("growing.ndjson");
    std::fs::write(&growing, lines[..cut].join("\n") + "\n").unwrap();
    // Two detector shards here, one above: the alerts must not depend on sharding,
    // and the second run keeps the feed's two shards.
    let first = nhi(
        dir.path(),
        &[
            "monitor",
            "growing.ndjson",
            "--db",
            "two.db",
            "--format",
            "none",
            "--fail-on",
            "never",
            "--stats",
            "--shards",
            "2",
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(events_read(&stderr(&first)), cut as u64);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&growing)
        .unwrap();
    std::io::Write::write_all(&mut file, (lines[cut..].join("\n") + "\n").as_bytes()).unwrap();
    drop(file);
    let second = nhi(
        dir.path(),
        &[
            "monitor",
            "growing.ndjson",
            "--db",
            "two.db",
            "--format",
            "none",
            "--fail-on",
            "never",
            "--stats",
        ],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("resuming feed"),
        "{}",
        stderr(&second)
    );
    assert_eq!(events_read(&stderr(&second)), (lines.len() - cut) as u64);
    // The detector totals carried over: every event counted exactly once.
    assert_eq!(stat(&stderr(&second), "processed"), lines.len() as u64);
    assert_eq!(stat(&stderr(&second), "duplicates"), 0);

    let one = alert_ids(dir.path(), "one.db");
    assert!(!one.is_empty());
    assert_eq!(one, alert_ids(dir.path(), "two.db"));

    // Nothing new: nothing read, nothing alerted again.
    let again = nhi(
        dir.path(),
        &[
            "monitor",
            "growing.ndjson",
            "--db",
            "two.db",
            "--format",
            "jsonl",
            "--fail-on",
            "never",
            "--stats",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(events_read(&stderr(&again)), 0);
    assert_eq!(stat(&stderr(&again), "processed"), lines.len() as u64);
    assert_eq!(stdout(&again).lines().count(), 0);
}

#[test]
fn bad_input_is_counted_and_the_rest_still_monitored() {
    let lines = feed_lines();
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // Malformed lines, an unknown event type and a duplicate among good records.
    let mut mixed = lines[..200].to_vec();
    mixed.insert(10, "{\"eventVersion\": \"1.11\", \"eventTime\": ".into());
    mixed.insert(20, "not json at all".into());
    mixed.insert(30, "{\"kind\": \"SomethingElse\", \"x\": 1}".into());
    mixed.push(lines[5].clone());
    std::fs::write(logs.join("mixed.ndjson"), mixed.join("\n") + "\n").unwrap();
    // A gzip file cut short.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, (lines[200..400].join("\n") + "\n").as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(logs.join("cut.json.gz"), &gz[..gz.len() / 2]).unwrap();

    let out = nhi(
        dir.path(),
        &[
            "monitor",
            "logs",
            "--db",
            "m.db",
            "--format",
            "none",
            "--fail-on",
            "never",
            "--stats",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let count = |label: &str| -> u64 {
        err.lines()
            .find_map(|l| l.strip_prefix(&format!("{label}: ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{label}` in {err}"))
    };
    assert_eq!(count("malformed"), 2, "{err}");
    assert_eq!(count("unknown records"), 1, "{err}");
    assert_eq!(count("truncated gzip"), 1, "{err}");
    assert_eq!(stat(&err, "duplicates"), 1, "{err}");
    // The good records of both files were monitored.
    assert!(stat(&err, "processed") > 200, "{err}");
    assert!(
        err.contains("mixed.ndjson:"),
        "warnings name the file and line: {err}"
    );
}

#[test]
fn sigma_rules_for_cloudtrail_run_beside_the_detectors() {
    let dir = tempfile::tempdir().unwrap();
    let logs = repo().join("examples/acme-logs");
    let rules = repo().join("crates/nhi-sigma/rules/cloudtrail");
    let out = nhi(
        dir.path(),
        &[
            "monitor",
            logs.to_str().unwrap(),
            "--db",
            "m.db",
            "--sigma",
            rules.to_str().unwrap(),
            "--format",
            "jsonl",
            "--fail-on",
            "never",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sigma: Vec<(String, String)> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|a| a["detection"].as_str().unwrap().starts_with("SIGMA:"))
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["event_ids"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: std::collections::BTreeSet<&str> = sigma.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains("CloudTrail logging stopped or trail deleted"),
        "{sigma:?}"
    );
    assert!(names.contains("Console sign-in without MFA"), "{sigma:?}");
    assert!(
        names.contains("EBS snapshot shared publicly or with another account"),
        "{sigma:?}"
    );
    // Each names the CloudTrail event it matched.
    assert!(
        sigma.iter().all(|(_, id)| id.starts_with("a1f0c3d2-")),
        "{sigma:?}"
    );
    assert!(stderr(&out).contains("Sigma rules loaded"));
}

/// A minimal MaxMind DB writer (format 2.0: a binary trie over the address bits with
/// 32-bit records, a 16-byte separator, the data section, then the metadata map), so
/// the test needs no downloaded database.
mod mmdb {
    #[derive(Clone, Copy)]
    enum Record {
        Empty,
        Node(usize),
        Data(usize),
    }

    /// Control byte (type in the top 3 bits, 0 and a second byte for extended types),
    /// then the size: below 29 in the control byte, else 29 and one more byte.
    fn control(kind: u8, size: usize, out: &mut Vec<u8>) {
        assert!(size < 29 + 256);
        let small = if size < 29 { size as u8 } else { 29 };
        if kind <= 7 {
            out.push((kind << 5) | small);
        } else {
            out.push(small);
            out.push(kind - 7);
        }
        if size >= 29 {
            out.push((size - 29) as u8);
        }
    }
    pub fn string(s: &str, out: &mut Vec<u8>) {
        control(2, s.len(), out);
        out.extend_from_slice(s.as_bytes());
    }
    fn uint(kind: u8, value: u64, out: &mut Vec<u8>) {
        let bytes = value.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        control(kind, 8 - skip, out);
        out.extend_from_slice(&bytes[skip..]);
    }
    pub fn u16(v: u64, out: &mut Vec<u8>) {
        uint(5, v, out)
    }
    pub fn u32(v: u64, out: &mut Vec<u8>) {
        uint(6, v, out)
    }
    pub fn u64(v: u64, out: &mut Vec<u8>) {
        uint(9, v, out)
    }
    pub fn map(pairs: usize, out: &mut Vec<u8>) {
        control(7, pairs, out)
    }

    /// IPv4 database mapping each `(a.b.c.d, prefix length)` to an encoded value.
    pub fn build(database_type: &str, entries: &[([u8; 4], u32, Vec<u8>)]) -> Vec<u8> {
        let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
        let mut data = Vec::new();
        for (ip, len, value) in entries {
            let offset = data.len();
            data.extend_from_slice(value);
            let bits = u32::from_be_bytes(*ip);
            let mut node = 0;
            for depth in 0..*len {
                let bit = ((bits >> (31 - depth)) & 1) as usize;
                if depth + 1 == *len {
                    nodes[node][bit] = Record::Data(offset);
                } else {
                    node = match nodes[node][bit] {
                        Record::Node(next) => next,
                        _ => {
                            nodes.push([Record::Empty; 2]);
                            let next = nodes.len() - 1;
                            nodes[node][bit] = Record::Node(next);
                            next
                        }
                    };
                }
            }
        }
        let count = nodes.len();
        let mut out = Vec::new();
        for node in &nodes {
            for record in node {
                let value = match record {
                    Record::Empty => count,
                    Record::Node(n) => *n,
                    Record::Data(offset) => count + 16 + offset,
                };
                out.extend_from_slice(&(value as u32).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        map(9, &mut out);
        string("binary_format_major_version", &mut out);
        u16(2, &mut out);
        string("binary_format_minor_version", &mut out);
        u16(0, &mut out);
        string("build_epoch", &mut out);
        u64(1_764_000_000, &mut out);
        string("database_type", &mut out);
        string(database_type, &mut out);
        string("description", &mut out);
        map(1, &mut out);
        string("en", &mut out);
        string("test database", &mut out);
        string("ip_version", &mut out);
        u16(4, &mut out);
        string("languages", &mut out);
        control(11, 1, &mut out);
        string("en", &mut out);
        string("node_count", &mut out);
        u32(count as u64, &mut out);
        string("record_size", &mut out);
        u16(32, &mut out);
        out
    }

    pub fn asn(number: u64, org: &str) -> Vec<u8> {
        let mut out = Vec::new();
        map(2, &mut out);
        string("autonomous_system_number", &mut out);
        u32(number, &mut out);
        string("autonomous_system_organization", &mut out);
        string(org, &mut out);
        out
    }
}

fn cloudtrail_line(n: usize, time: &str, ip: &str) -> String {
    serde_json::json!({
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEETL000001:job",
            "arn": "arn:aws:sts::111122223333:assumed-role/etl-ingest/job",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEETL000001",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEETL000001",
                "arn": "arn:aws:iam::111122223333:role/etl-ingest", "accountId": "111122223333", "userName": "etl-ingest"}}
        },
        "eventTime": time,
        "eventSource": "dynamodb.amazonaws.com",
        "eventName": "GetItem",
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 lang/python#3.12.7",
        "requestID": format!("req-{n}"),
        "eventID": format!("00000000-0000-4000-8000-{n:012}"),
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": false,
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

#[test]
fn a_maxmind_asn_database_turns_address_churn_inside_an_as_into_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    let db = mmdb::build(
        "GeoLite2-ASN",
        &[
            ([203, 0, 112, 0], 22, mmdb::asn(64500, "Example Transit")),
            ([198, 51, 100, 0], 24, mmdb::asn(64511, "Elsewhere Hosting")),
        ],
    );
    std::fs::write(dir.path().join("asn.mmdb"), db).unwrap();
    // 15 days from one /24 of AS64500, then a new /24 of the same AS, then another AS.
    let mut lines = Vec::new();
    for day in 1..=15 {
        for hour in [9, 13, 17] {
            lines.push(cloudtrail_line(
                lines.len(),
                &format!("2026-10-{day:02}T{hour:02}:00:00Z"),
                "203.0.113.7",
            ));
        }
    }
    lines.push(cloudtrail_line(
        lines.len(),
        "2026-10-17T10:00:00Z",
        "203.0.114.9",
    ));
    lines.push(cloudtrail_line(
        lines.len(),
        "2026-10-17T11:00:00Z",
        "198.51.100.20",
    ));
    std::fs::write(dir.path().join("trail.ndjson"), lines.join("\n") + "\n").unwrap();

    let run = |db: &str, extra: &[&str]| -> Vec<Value> {
        let mut args = vec![
            "monitor",
            "trail.ndjson",
            "--db",
            db,
            "--format",
            "jsonl",
            "--fail-on",
            "never",
        ];
        args.extend_from_slice(extra);
        let out = nhi(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|a| a["detection"] == "NHI-MON-012")
            .collect()
    };
    // By prefix alone both new networks alert.
    assert_eq!(run("plain.db", &[]).len(), 2);
    // With the ASN database only the other AS does, and it names it.
    let with_asn = run("asn.db", &["--asn-db", "asn.mmdb"]);
    assert_eq!(with_asn.len(), 1, "{with_asn:#?}");
    assert!(
        with_asn[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("AS64511"),
        "{:#}",
        with_asn[0]
    );
}

/// The platforms' own event names, as GitHub, Okta and Microsoft Graph write them, reach
/// the signature detections: an audit stream deleted, a repository made public, a deploy
/// key added, an Okta log stream switched off and an API token minted, and an Entra
/// service principal still presenting an expired secret (once a day, not once a retry).
/// The routine events beside them raise nothing of the kind.
#[test]
fn github_okta_and_entra_signatures_fire_on_their_real_event_names() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("github.json"),
        r#"[
  {"@timestamp": 1788229200000, "_document_id": "gh-clone", "action": "git.clone",
   "actor": "deploy-bot[bot]", "actor_ip": "198.51.100.33", "org": "example-org",
   "repo": "example-org/payments", "programmatic_access_type": "GitHub App server-to-server token"},
  {"@timestamp": 1788229207412, "_document_id": "gh-stream", "action": "audit_log_streaming.destroy",
   "actor": "ci-admin-bot", "org": "example-org", "operation_type": "remove"},
  {"@timestamp": 1788229208000, "_document_id": "gh-public", "action": "repo.access",
   "actor": "ci-admin-bot", "org": "example-org", "repo": "example-org/payments",
   "previous_visibility": "private", "visibility": "public", "operation_type": "modify"},
  {"@timestamp": 1788229209000, "_document_id": "gh-private", "action": "repo.access",
   "actor": "ci-admin-bot", "org": "example-org", "repo": "example-org/docs",
   "previous_visibility": "public", "visibility": "private", "operation_type": "modify"},
  {"@timestamp": 1788229210000, "_document_id": "gh-key", "action": "public_key.create",
   "actor": "ci-admin-bot", "org": "example-org", "repo": "example-org/payments",
   "operation_type": "create"}
]"#,
    )
    .unwrap();
    std::fs::write(
        logs.join("okta.json"),
        r#"[
  {"uuid": "okta-grant", "published": "2026-09-01T02:00:00.000Z",
   "eventType": "app.oauth2.as.token.grant.access_token",
   "actor": {"id": "0oa1reporting", "type": "PublicClientApp", "alternateId": "reporting-service"},
   "client": {"ipAddress": "192.0.2.200", "userAgent": {"rawUserAgent": "okta-sdk-java/8.2.0"}},
   "outcome": {"result": "SUCCESS", "reason": null}, "target": []},
  {"uuid": "okta-stream", "published": "2026-09-01T02:10:00.000Z",
   "eventType": "system.log_stream.lifecycle.deactivate", "displayMessage": "Log stream deactivated",
   "actor": {"id": "00uadminbot", "type": "User", "alternateId": "automation@example.com"},
   "client": {"ipAddress": "203.0.113.9"}, "outcome": {"result": "SUCCESS", "reason": null},
   "target": [{"id": "0oxstream1", "type": "LogStream", "displayName": "siem"}]},
  {"uuid": "okta-token", "published": "2026-09-01T02:11:00.000Z",
   "eventType": "system.api_token.create", "displayMessage": "Create API token",
   "actor": {"id": "00uadminbot", "type": "User", "alternateId": "automation@example.com"},
   "client": {"ipAddress": "203.0.113.9"}, "outcome": {"result": "SUCCESS", "reason": null},
   "target": [{"id": "00T1pkSJOMoElZWVY0g3", "type": "Token", "alternateId": "unknown"}]}
]"#,
    )
    .unwrap();
    let sign_in = |id: &str, time: &str, code: u32| {
        format!(
            r#"{{"id": "{id}", "createdDateTime": "{time}", "appId": "3f1e9b2a-1111-4222-8333-444455556666",
  "appDisplayName": "payments-sync", "ipAddress": "203.0.113.5",
  "resourceDisplayName": "Microsoft Graph", "resourceId": "00000003-0000-0000-c000-000000000000",
  "servicePrincipalId": "9d8c7b6a-aaaa-4bbb-8ccc-ddddeeeeffff", "servicePrincipalName": "payments-sync",
  "servicePrincipalCredentialKeyId": "b1c2d3e4-5555-4666-8777-888899990000",
  "clientCredentialType": "clientSecret", "signInEventTypes": ["servicePrincipal"],
  "status": {{"errorCode": {code}, "failureReason": "The provided client secret keys for app are expired."}}}}"#
        )
    };
    std::fs::write(
        logs.join("entra.json"),
        format!(
            r#"{{"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns", "value": [{}, {}, {}]}}"#,
            sign_in("entra-1", "2026-09-01T03:00:00Z", 7000222),
            sign_in("entra-2", "2026-09-01T03:00:30Z", 7000222),
            sign_in("entra-3", "2026-09-01T03:01:00Z", 7000215),
        ),
    )
    .unwrap();

    let out = nhi(
        dir.path(),
        &["monitor", "logs", "--db", "m.db", "--format", "jsonl"],
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&out)
    );
    let out = nhi(dir.path(), &["alerts", "--db", "m.db", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fired = |detection: &str, event: &str| {
        alerts.iter().any(|a| {
            a["detection"] == detection
                && a["event_ids"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|id| id == event))
        })
    };
    assert!(fired("NHI-MON-009", "gh-stream"), "{alerts:#?}");
    assert!(fired("NHI-MON-011", "gh-public"), "{alerts:#?}");
    assert!(!fired("NHI-MON-011", "gh-private"), "{alerts:#?}");
    assert!(fired("NHI-MON-006", "gh-key"), "{alerts:#?}");
    assert!(fired("NHI-MON-009", "okta-stream"), "{alerts:#?}");
    assert!(fired("NHI-MON-006", "okta-token"), "{alerts:#?}");
    assert!(fired("NHI-MON-016", "entra-1"), "{alerts:#?}");
    let public = alerts
        .iter()
        .find(|a| a["detection"] == "NHI-MON-011")
        .unwrap();
    assert_eq!(public["severity"], "critical", "{public:#}");
    // The expired secret was presented twice in a minute: one alert, and the wrong
    // secret (7000215) is an authentication failure, not a retired credential.
    let dead: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["detection"] == "NHI-MON-016")
        .collect();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    for routine in ["gh-clone", "okta-grant", "gh-private"] {
        assert!(
            !alerts.iter().any(|a| a["severity"] != "info"
                && a["event_ids"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|id| id == routine))),
            "{routine} raised an alert: {alerts:#?}"
        );
    }
}

/// `--follow` ends on SIGINT the way an operator ends it: whatever was read is committed
/// with its position, open windows stay open in the stored state, and the next run reads
/// nothing twice; together the two runs give the alerts of one uninterrupted run.
#[cfg(unix)]
#[test]
fn sigint_stops_follow_mode_with_everything_read_committed() {
    let lines = feed_lines();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feed.ndjson"), lines.join("\n") + "\n").unwrap();
    let args = [
        "monitor",
        "feed.ndjson",
        "--format",
        "none",
        "--fail-on",
        "never",
        "--stats",
    ];
    let once = nhi(dir.path(), &[&args[..], &["--db", "once.db"]].concat());
    assert!(once.status.success(), "{}", stderr(&once));

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nhi"))
        .current_dir(dir.path())
        .env("NHI_KEY_FILE", dir.path().join("key"))
        .args(args)
        .args(["--db", "followed.db", "--follow", "--interval", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first poll reads the whole file; follow mode would not commit it for 10 s.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "follow mode did not stop on SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("stopped by signal"), "{err}");
    assert_eq!(stat(&err, "processed"), lines.len() as u64, "{err}");

    let rerun = nhi(dir.path(), &[&args[..], &["--db", "followed.db"]].concat());
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(events_read(&stderr(&rerun)), 0, "{}", stderr(&rerun));
    assert_eq!(
        alert_ids(dir.path(), "followed.db"),
        alert_ids(dir.path(), "once.db")
    );
}
