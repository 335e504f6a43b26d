//! Engine behaviour: duplicates, time handling, checkpoints, sharding, robustness.

mod common;

use common::*;
use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use nhi_monitor::*;
use proptest::prelude::*;

const APP: &str = "arn:aws:iam::111122223333:role/app-worker";

#[test]
fn duplicate_event_ids_are_not_double_counted() {
    let resolver = InMemoryResolver::new().with(APP, nhi("nhi:app", RiskTier::Critical));
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    let event = ev(APP, "s3", "GetObject", at(0, 0))
        .id("same-id")
        .bytes(100)
        .build();
    let other = ev(APP, "s3", "GetObject", at(0, 10))
        .id("other-id")
        .bytes(100)
        .build();
    let mut alerts = feed(&mut monitor, &[event.clone(), event.clone(), other, event]);
    alerts.extend(monitor.flush());
    assert_eq!(monitor.stats().duplicates, 2);
    assert_eq!(monitor.stats().processed, 4);
    let baseline = monitor.baseline("nhi:app").unwrap();
    assert_eq!(baseline.events, 2);
    assert_eq!(baseline.actions.values["s3:GetObject"].count, 2);
    let watched = of(&alerts, "NHI-MON-001");
    assert_eq!(watched.len(), 1);
    assert_eq!(watched[0].event_count, 2);
    assert_eq!(watched[0].event_ids, vec!["same-id", "other-id"]);
}

#[test]
fn duplicate_signature_event_alerts_once() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let stop = ev(APP, "cloudtrail", "StopLogging", at(0, 0))
        .id("dup")
        .build();
    let alerts = feed(&mut monitor, &[stop.clone(), stop]);
    assert_eq!(of(&alerts, "NHI-MON-009").len(), 1);
}

#[test]
fn duplicates_survive_a_checkpoint() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let stop = ev(APP, "cloudtrail", "StopLogging", at(0, 0))
        .id("dup")
        .build();
    assert_eq!(monitor.observe(&stop).len(), 1);
    let json = monitor.export_json().unwrap();
    let mut resumed = Monitor::from_json(MonitorConfig::default(), NoResolver, &json).unwrap();
    assert!(resumed.observe(&stop).is_empty());
    assert_eq!(resumed.stats().duplicates, 1);
}

#[test]
fn late_and_untimed_events() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(1, 0)).build(),
            // Ten minutes behind: inside the 15-minute tolerance.
            ev(APP, "s3", "ListBuckets", at(1, -600)).build(),
            // Two hours behind: late.
            ev(APP, "s3", "ListBuckets", at(1, -7200)).build(),
        ],
    );
    assert_eq!(monitor.stats().late, 1);
    let baseline = monitor.baseline(APP).unwrap();
    assert_eq!(
        baseline.hour_of_week.iter().sum::<u64>(),
        2,
        "late event skips time stats"
    );
    assert_eq!(
        baseline.first_seen,
        Some(at(1, -7200)),
        "but still moves first_seen"
    );

    // No time: signatures still run, time statistics are skipped.
    let untimed = feed(
        &mut monitor,
        &[ev(APP, "cloudtrail", "DeleteTrail", at(0, 0))
            .no_time()
            .build()],
    );
    assert_eq!(of(&untimed, "NHI-MON-009").len(), 1);
    assert_eq!(monitor.stats().untimed, 1);
    assert_eq!(monitor.baseline(APP).unwrap().untimed_events, 1);
    assert_eq!(
        monitor
            .baseline(APP)
            .unwrap()
            .hour_of_week
            .iter()
            .sum::<u64>(),
        2
    );
}

#[test]
fn future_dated_events_do_not_move_the_watermark() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    monitor.set_clock(at(1, 0));
    feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(1, -60)).build(),
            // A host with its clock a year ahead.
            ev(APP, "s3", "ListBuckets", at(366, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(1, -30)).build(),
        ],
    );
    assert_eq!(monitor.stats().skewed, 1);
    assert_eq!(monitor.stats().late, 0, "later real events are not late");
    assert_eq!(monitor.export_state().watermark, Some(at(1, -30)));
    let baseline = monitor.baseline(APP).unwrap();
    assert_eq!(baseline.hour_of_week.iter().sum::<u64>(), 2);
    assert_eq!(
        baseline.last_seen,
        Some(at(1, -30)),
        "no last_seen a year ahead"
    );
    assert_eq!(baseline.untimed_events, 1);
}

#[test]
fn resolver_matches_by_credential_id() {
    let resolver =
        InMemoryResolver::new().with("AKIAEXAMPLE", nhi("nhi:deploy-key", RiskTier::Low));
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    feed(
        &mut monitor,
        &[ev(&user("deployer"), "s3", "ListBuckets", at(0, 0))
            .key("AKIAEXAMPLE", "")
            .build()],
    );
    assert_eq!(
        monitor.identities().collect::<Vec<_>>(),
        vec!["nhi:deploy-key"]
    );
}

#[test]
fn events_without_actor_are_skipped_but_signatures_run() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(
        &mut monitor,
        &[ev("", "cloudtrail", "StopLogging", at(0, 0)).build()],
    );
    assert_eq!(of(&alerts, "NHI-MON-009").len(), 1);
    assert_eq!(monitor.stats().skipped, 1);
    assert_eq!(monitor.identities().count(), 0);
}

#[test]
fn state_round_trips_through_json_and_rejects_other_versions() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    feed(&mut monitor, &routine(APP, 2));
    let json = monitor.export_json().unwrap();
    let resumed = Monitor::from_json(MonitorConfig::default(), NoResolver, &json).unwrap();
    assert_eq!(resumed.export_state(), monitor.export_state());

    let mut state = monitor.export_state();
    state.format_version = 99;
    assert!(matches!(
        Monitor::with_state(MonitorConfig::default(), NoResolver, state),
        Err(MonitorError::UnsupportedVersion { found: 99, .. })
    ));
    assert!(Monitor::from_json(MonitorConfig::default(), NoResolver, "{").is_err());
}

#[test]
fn summary_is_readable_and_serialisable() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    feed(&mut monitor, &routine(APP, 15));
    let summary = monitor.summary(APP).unwrap();
    assert!(!summary.learning);
    assert_eq!(summary.regions, vec!["us-east-1"]);
    assert_eq!(summary.networks, vec!["10.1.2.0/24"]);
    assert_eq!(summary.user_agents, vec!["Boto3"]);
    assert_eq!(summary.top_actions[0].0, "s3:GetObject");
    // Mondays 09:00 were seen three times (days 0, 7, 14) with 7 events each.
    assert_eq!(summary.busiest_hours_utc[0], "Mon 09:00 (21 events)");
    assert!(
        summary.calls_per_hour.starts_with("7.0"),
        "{}",
        summary.calls_per_hour
    );
    let json = serde_json::to_string_pretty(&summary).unwrap();
    assert!(json.contains("\"learning_until\""));
}

#[test]
fn shard_of_is_stable_and_in_range() {
    let event = ev(APP, "s3", "GetObject", at(0, 0)).build();
    for n in 1..8 {
        assert!(shard_of(&event, n) < n);
        assert_eq!(shard_of(&event, n), shard_of(&event.clone(), n));
    }
    assert_eq!(shard_of(&event, 0), 0);
}

#[test]
fn sharded_run_matches_a_single_monitor_for_per_identity_detectors() {
    let principals: Vec<String> = (0..6).map(|i| role(&format!("svc-{i}"))).collect();
    let mut events = Vec::new();
    for p in &principals {
        events.extend(routine(p, 15));
    }
    for (i, p) in principals.iter().enumerate() {
        events.push(ev(p, "secretsmanager", "GetSecretValue", at(16, i as i64)).build());
        events.push(
            ev(p, "s3", "ListBuckets", at(16, 100 + i as i64))
                .ip("198.51.100.1")
                .build(),
        );
    }
    events.push(ev(&principals[0], "cloudtrail", "StopLogging", at(16, 500)).build());
    events.sort_by_key(|e| e.time);
    let config = MonitorConfig {
        watch_tier: None,
        ..MonitorConfig::default()
    };

    let mut single = Monitor::new(config.clone(), NoResolver);
    let mut expected = feed(&mut single, &events);
    expected.extend(single.flush());
    let expected = merge_alerts([expected]);

    let mut shards: Vec<Monitor<NoResolver>> = (0..3)
        .map(|_| Monitor::new(config.clone(), NoResolver))
        .collect();
    let mut got = observe_sharded(&mut shards, &events);
    got.extend(flush_sharded(&mut shards));
    let got = merge_alerts([got]);
    assert_eq!(
        got.len(),
        13,
        "6 secret reads + 6 new networks + 1 evasion: {got:#?}"
    );
    assert_eq!(got, expected);
}

#[test]
fn sharded_cohort_sees_the_whole_fleet() {
    let fleet: Vec<String> = (0..9).map(|i| role(&format!("svc-{i}"))).collect();
    let mut learning = Vec::new();
    for p in &fleet {
        learning.extend(routine(p, 15));
    }
    learning.sort_by_key(|e| e.time);
    let config = MonitorConfig {
        watch_tier: None,
        // Four adopters: no single shard of three could reach this on its own.
        cohort_min_identities: 4,
        ..MonitorConfig::default()
    };
    let mut shards: Vec<Monitor<NoResolver>> = (0..3)
        .map(|_| Monitor::new(config.clone(), NoResolver))
        .collect();
    assert!(observe_sharded(&mut shards, &learning).is_empty());
    let moves: Vec<_> = fleet[..5]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            ev(p, "s3", "ListBuckets", at(16, i as i64 * 60))
                .region("eu-west-3")
                .build()
        })
        .collect();
    let mut alerts = observe_sharded(&mut shards, &moves);
    alerts.extend(flush_sharded(&mut shards));
    assert!(of(&alerts, "NHI-MON-017").is_empty(), "{alerts:#?}");

    // Without synchronisation each shard sees at most its own adopters and alerts.
    let mut isolated: Vec<Monitor<NoResolver>> = (0..3)
        .map(|_| Monitor::new(config.clone(), NoResolver))
        .collect();
    for event in learning.iter().chain(&moves) {
        isolated[shard_of(event, 3)].observe(event);
    }
    let unsynced: Vec<Alert> = isolated.iter_mut().flat_map(|m| m.flush()).collect();
    assert!(!of(&unsynced, "NHI-MON-017").is_empty());
}

#[test]
fn checkpoint_at_many_points_of_a_realistic_run_changes_nothing() {
    let ci = role("ci");
    let mut events = routine(APP, 15);
    events.extend(routine(&ci, 15));
    let burst_services = ["ec2", "iam", "rds", "lambda"];
    for i in 0..12 {
        events.push(ev(APP, burst_services[i % 4], "DescribeX", at(16, i as i64)).build());
    }
    for i in 0..600 {
        events.push(
            ev(APP, "s3", "GetObject", at(16, 7200 + i))
                .bytes(1_000_000)
                .build(),
        );
    }
    events.push(
        ev(&ci, "sts", "GetCallerIdentity", at(16, 100))
            .ip("203.0.113.5")
            .build(),
    );
    events.push(
        ev(&ci, "s3", "ListBuckets", at(16, 200))
            .region("eu-north-1")
            .build(),
    );
    events.push(ev(&ci, "cloudtrail", "StopLogging", at(16, 300)).build());
    events.sort_by_key(|e| e.time);
    let resolver = || InMemoryResolver::new().with(ci.clone(), nhi("nhi:ci", RiskTier::Critical));

    let mut straight = Monitor::new(MonitorConfig::default(), resolver());
    let mut expected = feed(&mut straight, &events);
    expected.extend(straight.flush());
    let detections: std::collections::BTreeSet<&str> =
        expected.iter().map(|a| a.detection.as_str()).collect();
    assert!(
        detections.len() >= 6,
        "the run must exercise many detectors: {detections:?}"
    );

    for split in [1, 500, 1889, events.len() - 700, events.len() - 1] {
        let mut first = Monitor::new(MonitorConfig::default(), resolver());
        let mut got = feed(&mut first, &events[..split]);
        let json = first.export_json().unwrap();
        let mut resumed = Monitor::from_json(MonitorConfig::default(), resolver(), &json).unwrap();
        got.extend(feed(&mut resumed, &events[split..]));
        got.extend(resumed.flush());
        assert_eq!(got, expected, "split at {split}");
        assert_eq!(resumed.export_state(), straight.export_state());
    }
}

// ---- property tests ----------------------------------------------------------------

fn arb_event() -> impl Strategy<Value = ActivityEvent> {
    let principals = prop::sample::select(vec![
        APP.to_string(),
        role("ci"),
        user("alice"),
        String::new(),
    ]);
    let calls = prop::sample::select(vec![
        ("s3", "GetObject"),
        ("ec2", "DescribeInstances"),
        ("iam", "ListRoles"),
        ("sts", "AssumeRole"),
        ("sts", "GetCallerIdentity"),
        ("iam", "CreateAccessKey"),
        ("secretsmanager", "GetSecretValue"),
        ("cloudtrail", "StopLogging"),
        ("bedrock", "InvokeModel"),
        ("ec2", "ModifySnapshotAttribute"),
    ]);
    (
        principals,
        calls,
        prop::option::weighted(0.9, 0i64..40 * 86_400),
        0u8..6,
        prop::sample::select(vec!["10.0.0.1", "198.51.100.7", "2001:db8::1", "not-an-ip"]),
        prop::sample::select(vec!["us-east-1", "eu-west-3", ""]),
        any::<bool>(),
        prop::option::of(0u64..5_000_000),
    )
        .prop_map(
            |(principal, (service, action), secs, id, ip, region, denied, bytes)| {
                let time = secs.map(|s| at(0, s)).unwrap_or_else(day0);
                let mut e = ev(&principal, service, action, time)
                    .id(&format!("p-{id}-{}", secs.unwrap_or(-1)))
                    .ip(ip)
                    .region(region)
                    .resource(&user("bob"))
                    .detail("role_arn", "arn:aws:iam::999900001111:role/x")
                    .detail("shared_with", "999988887777");
                if denied {
                    e = e.denied();
                }
                if secs.is_none() {
                    e = e.no_time();
                }
                let mut event = e.build();
                event.bytes_out = bytes;
                event
            },
        )
}

fn test_config() -> MonitorConfig {
    MonitorConfig {
        watch_tier: Some(RiskTier::Medium),
        learning_days: 2,
        absorb_days: 3,
        dormant_days: 5,
        exfil_min_hours: 2,
        exfil_min_objects: 2,
        recon_min_calls: 3,
        recon_min_spread: 1,
        denied_min_calls: 2,
        cohort_min_identities: 1,
        // Longer than any generated sequence: a duplicate re-delivered after the
        // horizon is (by design) processed again, with the same alert ID.
        dedup_horizon_secs: 365 * 86_400,
        ..MonitorConfig::default()
    }
}

fn test_resolver() -> InMemoryResolver {
    let mut alice = nhi("nhi:alice", RiskTier::High);
    alice.scheduled_deactivation = Some(at(10, 0));
    alice.rotator_principals = vec![role("ci")];
    InMemoryResolver::new()
        .with(user("alice"), alice)
        .with(user("bob"), nhi("nhi:bob", RiskTier::Low))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn checkpoint_and_resume_gives_the_same_alerts(
        mut events in prop::collection::vec(arb_event(), 1..120),
        split in any::<prop::sample::Index>(),
        sort in any::<bool>(),
    ) {
        if sort {
            events.sort_by_key(|e| e.time);
        }
        let split = split.index(events.len() + 1);

        let mut straight = Monitor::new(test_config(), test_resolver());
        let mut expected = feed(&mut straight, &events);
        expected.extend(straight.flush());

        let mut first = Monitor::new(test_config(), test_resolver());
        let mut got = feed(&mut first, &events[..split]);
        let json = first.export_json().unwrap();
        drop(first);
        let mut resumed = Monitor::from_json(test_config(), test_resolver(), &json).unwrap();
        got.extend(feed(&mut resumed, &events[split..]));
        got.extend(resumed.flush());

        let ids: std::collections::BTreeSet<&str> = expected.iter().map(|a| a.id.as_str()).collect();
        prop_assert_eq!(ids.len(), expected.len(), "alert IDs are unique");
        prop_assert_eq!(got, expected);
        prop_assert_eq!(resumed.stats(), straight.stats());
    }

    #[test]
    fn any_configuration_never_panics(
        events in prop::collection::vec(arb_event(), 1..60),
        ints in prop::collection::vec(prop::sample::select(vec![i64::MIN, -5, 0, 1, 300, 86_400, i64::MAX]), 9),
        sizes in prop::collection::vec(prop::sample::select(vec![0usize, 1, 2, usize::MAX]), 6),
        floats in prop::collection::vec(prop::sample::select(vec![f64::NAN, -1.0, 0.0, 0.5, 1.0, 2.0, f64::INFINITY]), 4),
    ) {
        let config = MonitorConfig {
            watch_window_secs: ints[0],
            learning_days: ints[1],
            absorb_days: ints[2],
            dormant_days: ints[3],
            burst_window_secs: ints[4],
            reorder_tolerance_secs: ints[5],
            dedup_horizon_secs: ints[6],
            cohort_window_secs: ints[7],
            max_clock_skew_secs: ints[8],
            recon_min_calls: sizes[0],
            recon_min_spread: sizes[1],
            denied_min_calls: sizes[2],
            dedup_capacity: sizes[3],
            max_resources: sizes[4],
            max_values_per_field: sizes[5],
            ewma_alpha: floats[0],
            exfil_z: floats[1],
            burst_baseline_factor: floats[2],
            cohort_fraction: floats[3],
            exfil_min_hours: 0,
            exfil_min_objects: 0,
            exfil_min_bytes: 0,
            ..test_config()
        };
        let mut monitor = Monitor::new(config, test_resolver());
        monitor.set_clock(at(5, 0));
        feed(&mut monitor, &events);
        monitor.flush();
        prop_assert_eq!(monitor.stats().processed, events.len() as u64);
    }

    #[test]
    fn arbitrary_events_never_panic(
        principal in ".{0,40}",
        action in ".{0,30}",
        service in ".{0,20}",
        secs in prop::option::of(any::<i32>()),
        ip in ".{0,45}",
        ua in ".{0,80}",
        region in prop::option::of(".{0,12}"),
        error in prop::option::of(".{0,20}"),
        bytes in prop::option::of(any::<u64>()),
        id in prop::option::of("[a-c]{0,2}"),
        kind in prop::option::of(prop::sample::select(vec!["AssumedRole", "IAMUser", "x"])),
        details in prop::collection::btree_map(
            prop::sample::select(vec!["role_arn", "shared_with", "console_login", "with_decryption", "enable"]),
            ".{0,40}",
            0..4,
        ),
        resources in prop::collection::vec(".{0,40}", 0..3),
        repeat in 1usize..4,
    ) {
        let mut monitor = Monitor::new(test_config(), test_resolver());
        let event = ActivityEvent {
            source: EventSource::JsonLines,
            id,
            time: secs.map(|s| jiff::Timestamp::from_second(i64::from(s) * 1000).unwrap_or(day0())),
            actor: Actor { principal, kind: kind.map(str::to_string), ..Actor::default() },
            action,
            service,
            resources,
            target_account: None,
            source_ip: Some(ip),
            user_agent: Some(ua),
            region,
            outcome: if error.is_some() { Outcome::Failure } else { Outcome::Unknown },
            error,
            bytes_out: bytes,
            bytes_in: None,
            read_only: None,
            details: details.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            origin: String::new(),
        };
        for _ in 0..repeat {
            monitor.observe(&event);
        }
        monitor.flush();
        let json = monitor.export_json().unwrap();
        prop_assert!(Monitor::from_json(test_config(), test_resolver(), &json).is_ok());
        prop_assert_eq!(monitor.stats().processed, repeat as u64);
    }
}

/// Rough throughput, for sizing: `cargo test --release --test engine -- --ignored`.
#[test]
#[ignore = "timing only; run in release"]
fn throughput() {
    let mut events = Vec::new();
    for i in 0..50 {
        events.extend(routine(&role(&format!("svc-{i}")), 15));
    }
    events.sort_by_key(|e| e.time);
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let started = std::time::Instant::now();
    let alerts = feed(&mut monitor, &events);
    let elapsed = started.elapsed();
    let json = monitor.export_json().unwrap();
    println!(
        "{} events, {} identities, {} alerts in {:?}: {:.0} events/s; state {} KiB",
        events.len(),
        monitor.identities().count(),
        alerts.len(),
        elapsed,
        events.len() as f64 / elapsed.as_secs_f64(),
        json.len() / 1024
    );
}
