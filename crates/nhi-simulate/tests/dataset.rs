//! The generated data set against CloudTrail's documented record shape and against
//! its own labels.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use nhi_simulate::episodes::techniques;
use nhi_simulate::{
    Config, EpisodeKind, Labels, MemorySink, OutputFormat, generate, write_dataset,
};
use serde_json::Value;

/// Short enough for a debug build, long enough for a learning period and every episode.
fn small_config(seed: u64) -> Config {
    Config {
        seed,
        days: 8,
        scale: 1,
    }
}

fn records_in_memory(config: &Config) -> (Vec<Value>, Labels) {
    let mut sink = MemorySink::default();
    let labels = generate(config, &mut sink).expect("generation succeeds");
    let values = sink
        .records
        .iter()
        .map(|r| serde_json::to_value(r).expect("record serialises"))
        .collect();
    (values, labels)
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| {
            g.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        })
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_digit())
}

/// arn:partition:service:region:account:resource, with account empty or 12 digits.
fn is_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1] == "aws"
        && !parts[2].is_empty()
        && (parts[4].is_empty() || is_account(parts[4]))
        && !parts[5].is_empty()
}

fn is_rfc3339_utc(text: &str) -> bool {
    text.ends_with('Z') && text.len() == 20 && text.parse::<jiff::Timestamp>().is_ok()
}

fn str_at<'a>(record: &'a Value, pointer: &str) -> Option<&'a str> {
    record.pointer(pointer).and_then(Value::as_str)
}

#[test]
fn records_have_the_documented_shape() {
    let (records, labels) = records_in_memory(&small_config(7));
    assert_eq!(records.len() as u64, labels.event_count);
    assert!(records.len() > 5_000, "only {} records", records.len());
    for record in &records {
        let context = || serde_json::to_string(record).unwrap();
        for field in [
            "eventVersion",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "requestID",
            "eventID",
            "eventType",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(
                str_at(record, &format!("/{field}")).is_some_and(|v| !v.is_empty()),
                "{field} missing: {}",
                context()
            );
        }
        for field in ["requestParameters", "responseElements", "userIdentity"] {
            assert!(
                record.get(field).is_some(),
                "{field} missing: {}",
                context()
            );
        }
        assert!(record["readOnly"].is_boolean() && record["managementEvent"].is_boolean());
        assert!(
            is_rfc3339_utc(str_at(record, "/eventTime").unwrap()),
            "{}",
            context()
        );
        assert!(
            is_uuid(str_at(record, "/eventID").unwrap()),
            "{}",
            context()
        );
        assert!(
            str_at(record, "/eventSource")
                .unwrap()
                .ends_with(".amazonaws.com")
        );
        assert!(is_account(str_at(record, "/recipientAccountId").unwrap()));
        let category = str_at(record, "/eventCategory").unwrap();
        assert!(category == "Management" || category == "Data");
        assert_eq!(
            record["managementEvent"].as_bool(),
            Some(category == "Management")
        );

        let identity = &record["userIdentity"];
        let kind = str_at(identity, "/type").expect("userIdentity.type");
        match kind {
            "AssumedRole" | "IAMUser" => {
                assert!(is_arn(str_at(identity, "/arn").unwrap()), "{}", context());
                assert!(is_account(str_at(identity, "/accountId").unwrap()));
                assert!(str_at(identity, "/principalId").is_some());
            }
            "AWSService" => assert!(
                str_at(identity, "/invokedBy")
                    .unwrap()
                    .ends_with(".amazonaws.com")
            ),
            "WebIdentityUser" => assert!(str_at(identity, "/userName").is_some()),
            other => panic!("unexpected identity type {other}"),
        }
        if let Some(key) = str_at(identity, "/accessKeyId") {
            assert_eq!(key.len(), 20, "{}", context());
            assert!(key.starts_with("AKIA") || key.starts_with("ASIA"));
        }
        if kind == "AssumedRole" {
            let issuer = &identity["sessionContext"]["sessionIssuer"];
            assert_eq!(str_at(issuer, "/type"), Some("Role"));
            assert!(is_arn(str_at(issuer, "/arn").unwrap()));
            assert!(is_rfc3339_utc(
                str_at(identity, "/sessionContext/attributes/creationDate").unwrap()
            ));
            assert_eq!(
                str_at(identity, "/sessionContext/attributes/mfaAuthenticated"),
                Some("false")
            );
            assert!(
                str_at(identity, "/accessKeyId")
                    .unwrap()
                    .starts_with("ASIA")
            );
        }
        if let Some(resources) = record.get("resources") {
            for resource in resources.as_array().expect("resources is a list") {
                assert!(is_arn(str_at(resource, "/ARN").unwrap()), "{}", context());
                assert!(str_at(resource, "/type").unwrap().starts_with("AWS::"));
            }
        }
        if record.get("errorCode").is_some() {
            assert!(str_at(record, "/errorMessage").is_some());
        }
    }
}

#[test]
fn every_episode_event_appears_exactly_once() {
    let (records, labels) = records_in_memory(&small_config(11));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for record in &records {
        *seen.entry(str_at(record, "/eventID").unwrap()).or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "event ids are unique");
    let learning_end = jiff::Timestamp::from_second(
        labels.start.parse::<jiff::Timestamp>().unwrap().as_second()
            + i64::from(labels.learning_days) * 86_400,
    )
    .unwrap();
    let mut labelled = HashSet::new();
    for episode in &labels.episodes {
        assert!(!episode.event_ids.is_empty(), "{} has events", episode.id);
        for id in &episode.event_ids {
            assert_eq!(
                seen.get(id.as_str()),
                Some(&1),
                "{} event {id} is in the output",
                episode.id
            );
            assert!(
                labelled.insert(id.clone()),
                "{id} belongs to one episode only"
            );
        }
        let start: jiff::Timestamp = episode.start.parse().unwrap();
        assert!(
            start >= learning_end,
            "{} starts after the learning period",
            episode.id
        );
        assert!(episode.start <= episode.end);
        match episode.kind {
            EpisodeKind::Attack => {
                assert!(!episode.mitre.is_empty(), "{} has ATT&CK ids", episode.id)
            }
            EpisodeKind::Benign => assert!(episode.mitre.is_empty()),
        }
    }
    let covered: HashSet<&str> = labels
        .episodes
        .iter()
        .map(|e| e.technique.as_str())
        .collect();
    for technique in techniques() {
        assert!(covered.contains(technique), "{technique} has an episode");
    }
}

fn by_id(records: &[Value]) -> HashMap<&str, &Value> {
    records
        .iter()
        .map(|r| (str_at(r, "/eventID").unwrap(), r))
        .collect()
}

fn episode<'a>(labels: &'a Labels, technique: &str) -> &'a nhi_simulate::Episode {
    labels
        .episodes
        .iter()
        .find(|e| e.technique == technique)
        .unwrap_or_else(|| panic!("episode {technique}"))
}

#[test]
fn scenarios_carry_their_defining_facts() {
    let (records, labels) = records_in_memory(&small_config(3));
    let events = by_id(&records);

    // Exfiltration reads far more bytes per object than the identity ever did before.
    let exfil = episode(&labels, "exfil_s3_volume");
    let exfil_ids: HashSet<&str> = exfil.event_ids.iter().map(String::as_str).collect();
    let baseline_max = records
        .iter()
        .filter(|r| str_at(r, "/eventName") == Some("GetObject"))
        .filter(|r| {
            str_at(r, "/userIdentity/sessionContext/sessionIssuer/arn")
                == Some(exfil.principal.as_str())
        })
        .filter(|r| !exfil_ids.contains(str_at(r, "/eventID").unwrap()))
        .filter_map(|r| {
            r.pointer("/additionalEventData/bytesTransferredOut")?
                .as_u64()
        })
        .max()
        .expect("victim reads objects routinely");
    let exfil_min = exfil
        .event_ids
        .iter()
        .filter_map(|id| {
            events[id.as_str()]
                .pointer("/additionalEventData/bytesTransferredOut")?
                .as_u64()
        })
        .min()
        .unwrap();
    assert!(
        exfil_min > 5 * baseline_max,
        "{exfil_min} vs {baseline_max}"
    );

    // The dormant key was last used at least 90 days before it wakes.
    let dormant = labels
        .identities
        .iter()
        .find(|i| i.last_used_before_window.is_some())
        .unwrap();
    let last: jiff::Timestamp = dormant
        .last_used_before_window
        .as_ref()
        .unwrap()
        .parse()
        .unwrap();
    let wake: jiff::Timestamp = episode(&labels, "dormant_key_wakeup")
        .start
        .parse()
        .unwrap();
    assert!(wake.as_second() - last.as_second() >= 90 * 86_400);
    let key = &dormant.access_key_ids[0];
    let key_uses: Vec<&str> = records
        .iter()
        .filter(|r| str_at(r, "/userIdentity/accessKeyId") == Some(key.as_str()))
        .map(|r| str_at(r, "/eventTime").unwrap())
        .collect();
    assert!(key_uses.len() >= 4 && key_uses.iter().any(|t| *t < labels.start.as_str()));

    // Rotation: the rotator acts on the user, and the user then signs with the new key.
    let rotated = labels
        .identities
        .iter()
        .find(|i| i.access_key_ids.len() == 2)
        .expect("a rotated user");
    assert!(
        rotated
            .rotator_principals
            .contains(&episode(&labels, "key_rotation").principal)
    );
    assert!(records.iter().any(
        |r| str_at(r, "/userIdentity/accessKeyId") == Some(rotated.access_key_ids[1].as_str())
    ));

    // Sharing: attacks go to an unknown account, the DR share to a known one.
    let shared_with = |technique: &str| {
        let e = events[episode(&labels, technique).event_ids[0].as_str()];
        str_at(
            e,
            "/requestParameters/createVolumePermission/add/items/0/userId",
        )
        .unwrap()
        .to_string()
    };
    assert!(
        labels
            .known_accounts
            .contains(&shared_with("dr_snapshot_share"))
    );
    assert!(
        labels
            .external_accounts
            .contains(&shared_with("exfil_snapshot_share"))
    );

    // The cohort's new region shows up in its episode.
    let cohort = episode(&labels, "cohort_new_region");
    assert!(
        cohort
            .event_ids
            .iter()
            .all(|id| str_at(events[id.as_str()], "/awsRegion") == Some("eu-west-1"))
    );

    // Stolen instance credentials are the key the instance itself is using, now from
    // another network.
    let stolen = episode(&labels, "credential_new_network");
    let stolen_ids: HashSet<&str> = stolen.event_ids.iter().map(String::as_str).collect();
    let stolen_event = events[stolen.event_ids[0].as_str()];
    let stolen_key = str_at(stolen_event, "/userIdentity/accessKeyId").unwrap();
    let own_use = records
        .iter()
        .filter(|r| str_at(r, "/userIdentity/accessKeyId") == Some(stolen_key))
        .find(|r| !stolen_ids.contains(str_at(r, "/eventID").unwrap()))
        .expect("the instance uses the same session key itself");
    assert_ne!(
        str_at(own_use, "/sourceIPAddress"),
        str_at(stolen_event, "/sourceIPAddress")
    );

    // Human use: a console sign-in with a browser user agent.
    let human = events[episode(&labels, "human_use_of_nhi").event_ids[0].as_str()];
    assert_eq!(str_at(human, "/eventName"), Some("ConsoleLogin"));
    assert!(
        str_at(human, "/userAgent")
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read_maybe_gz(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// Every record of a records-format data set, in file order.
fn delivered_records(dir: &Path) -> Vec<Value> {
    let mut records = Vec::new();
    for path in files_under(dir) {
        if path.file_name().unwrap() == "labels.json" {
            continue;
        }
        let relative = path.strip_prefix(dir).unwrap();
        let parts: Vec<&str> = relative.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(parts.len(), 8, "{relative:?}");
        assert_eq!((parts[0], parts[2]), ("AWSLogs", "CloudTrail"));
        let (account, region) = (parts[1], parts[3]);
        let name = parts[7];
        let prefix = format!(
            "{account}_CloudTrail_{region}_{}{}{}T",
            parts[4], parts[5], parts[6]
        );
        assert!(name.starts_with(&prefix), "{name}");
        let rest = &name[prefix.len()..];
        let (stamp, tail) = rest.split_once('_').unwrap();
        assert!(stamp.len() == 5 && stamp.ends_with('Z'), "{name}");
        let unique = tail.split('.').next().unwrap();
        assert!(
            unique.len() == 16 && unique.chars().all(|c| c.is_ascii_alphanumeric()),
            "{name}"
        );
        assert!(tail.ends_with(".json") || tail.ends_with(".json.gz"));
        let body: Value = serde_json::from_str(&read_maybe_gz(&path)).unwrap();
        for record in body["Records"].as_array().expect("Records list") {
            assert_eq!(str_at(record, "/recipientAccountId"), Some(account));
            assert_eq!(str_at(record, "/awsRegion"), Some(region));
            records.push(record.clone());
        }
    }
    records
}

fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_bytes_and_other_seeds_differ() {
    let config = Config {
        days: 5,
        ..small_config(42)
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    write_dataset(&config, OutputFormat::Records, true, a.path()).unwrap();
    write_dataset(&config, OutputFormat::Records, true, b.path()).unwrap();
    write_dataset(
        &Config { seed: 43, ..config },
        OutputFormat::Records,
        true,
        c.path(),
    )
    .unwrap();
    let tree_a = tree_bytes(a.path());
    assert!(tree_a.len() > 10);
    assert!(tree_a == tree_bytes(b.path()), "same seed, same bytes");
    assert!(tree_a != tree_bytes(c.path()), "another seed, other data");
}

#[test]
fn gzip_round_trips_in_both_formats() {
    let config = Config {
        days: 5,
        ..small_config(5)
    };
    let plain = tempfile::tempdir().unwrap();
    let gz = tempfile::tempdir().unwrap();
    let summary = write_dataset(&config, OutputFormat::Records, false, plain.path()).unwrap();
    write_dataset(&config, OutputFormat::Records, true, gz.path()).unwrap();
    let plain_records = delivered_records(plain.path());
    assert_eq!(plain_records.len() as u64, summary.labels.event_count);
    assert_eq!(plain_records, delivered_records(gz.path()));

    let nd = tempfile::tempdir().unwrap();
    write_dataset(&config, OutputFormat::Ndjson, true, nd.path()).unwrap();
    let text = read_maybe_gz(&nd.path().join("cloudtrail.ndjson.gz"));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, summary.labels.event_count);
    let times: Vec<&str> = lines
        .iter()
        .map(|r| str_at(r, "/eventTime").unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "NDJSON is in time order"
    );

    let labels: Labels =
        serde_json::from_str(&fs::read_to_string(nd.path().join("labels.json")).unwrap()).unwrap();
    assert_eq!(labels, summary.labels);
}

#[test]
fn scale_multiplies_identities_and_rejects_bad_configs() {
    let (_, one) = records_in_memory(&Config {
        days: 4,
        ..small_config(1)
    });
    let (_, two) = records_in_memory(&Config {
        days: 4,
        scale: 2,
        ..small_config(1)
    });
    assert!(two.identities.len() > one.identities.len() + 10);
    assert!(two.event_count > one.event_count * 3 / 2);
    let mut sink = MemorySink::default();
    assert!(
        generate(
            &Config {
                days: 3,
                ..small_config(1)
            },
            &mut sink
        )
        .is_err()
    );
    assert!(
        generate(
            &Config {
                scale: 0,
                ..small_config(1)
            },
            &mut sink
        )
        .is_err()
    );
}
