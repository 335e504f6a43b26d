//! One scenario per detection (positive) and per known-benign change (hard negative).

mod common;

use common::*;
use nhi_monitor::*;

const APP: &str = "arn:aws:iam::111122223333:role/app-worker";

/// A monitor that has learned `APP`'s routine (15 days) without alerting.
fn learned() -> Monitor<NoResolver> {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(&mut monitor, &routine(APP, 15));
    assert!(alerts.is_empty(), "routine must not alert: {alerts:#?}");
    monitor
}

fn learned_with<R: IdentityResolver>(resolver: R, config: MonitorConfig) -> Monitor<R> {
    let mut monitor = Monitor::new(config, resolver);
    let alerts = feed(&mut monitor, &routine(APP, 15));
    assert!(alerts.is_empty(), "routine must not alert: {alerts:#?}");
    monitor
}

#[test]
fn immediate_monitoring_deduplicates_per_identity_and_window() {
    let resolver = InMemoryResolver::new()
        .with(APP, nhi("nhi:app-worker", RiskTier::Critical))
        .with(role("low"), nhi("nhi:low", RiskTier::Low));
    let config = MonitorConfig {
        watch_tier: Some(RiskTier::High),
        ..MonitorConfig::default()
    };
    let mut monitor = Monitor::new(config, resolver);
    let mut events = Vec::new();
    for i in 0..5 {
        events.push(ev(APP, "s3", "ListBuckets", at(0, 60 * i)).build());
    }
    for i in 0..2 {
        events.push(ev(APP, "s3", "ListBuckets", at(0, 3600 + 60 * i)).build());
    }
    events.push(ev(&role("low"), "s3", "ListBuckets", at(0, 30)).build());
    let mut alerts = feed(&mut monitor, &events);
    alerts.extend(monitor.flush());
    let watched = of(&alerts, "NHI-MON-001");
    assert_eq!(watched.len(), 2, "{watched:#?}");
    assert!(watched.iter().all(|a| a.identity == "nhi:app-worker"));
    let counts: Vec<u64> = watched.iter().map(|a| a.event_count).collect();
    assert_eq!(counts, vec![5, 2]);
    assert_eq!(watched[0].event_ids.len(), 5);
    assert_eq!(watched[0].event_ids[0], events[0].id.clone().unwrap());
    assert_eq!(watched[0].severity, Severity::High, "critical identity");
    assert_ne!(watched[0].id, watched[1].id);
}

#[test]
fn immediate_window_closes_when_time_moves_on_without_flush() {
    let resolver = InMemoryResolver::new().with(APP, nhi("nhi:app", RiskTier::High));
    let config = MonitorConfig {
        watch_tier: Some(RiskTier::High),
        ..MonitorConfig::default()
    };
    let mut monitor = Monitor::new(config, resolver);
    let first = feed(
        &mut monitor,
        &[ev(APP, "s3", "ListBuckets", at(0, 10)).build()],
    );
    assert!(first.is_empty(), "window still open");
    // Two hours later the first window (plus tolerance) has closed.
    let later = feed(
        &mut monitor,
        &[ev(APP, "s3", "ListBuckets", at(0, 7200)).build()],
    );
    let watched = of(&later, "NHI-MON-001");
    assert_eq!(watched.len(), 1);
    assert_eq!(watched[0].event_count, 1);
    assert_eq!(
        watched[0].severity,
        Severity::Low,
        "high tier is low severity"
    );
}

#[test]
fn late_event_for_a_reported_window_joins_the_current_window() {
    let resolver = InMemoryResolver::new().with(APP, nhi("nhi:app", RiskTier::Critical));
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    let mut alerts = feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(0, 600)).build(),
            ev(APP, "s3", "ListBuckets", at(0, 3 * 3600)).build(),
            // Arrives after 00:00–01:00 was reported.
            ev(APP, "s3", "ListBuckets", at(0, 1200)).build(),
        ],
    );
    alerts.extend(monitor.flush());
    let watched = of(&alerts, "NHI-MON-001");
    assert_eq!(watched.len(), 2, "{watched:#?}");
    assert_ne!(watched[0].id, watched[1].id);
    assert_eq!(watched.iter().map(|a| a.event_count).sum::<u64>(), 3);
    assert_eq!(
        watched[1].first_seen,
        Some(at(0, 1200)),
        "true event times kept"
    );
    assert_eq!(monitor.stats().late, 1);
}

#[test]
fn enumeration_burst_after_learning_but_not_during() {
    let services = ["ec2", "iam", "s3", "lambda", "rds", "kms"];
    let burst = |day: i64| -> Vec<nhi_model::ActivityEvent> {
        (0..14)
            .map(|i| {
                let service = services[i % services.len()];
                ev(
                    APP,
                    service,
                    "ListThings",
                    at(day, 20 * 3600 + i as i64 * 15),
                )
                .build()
            })
            .collect()
    };
    let mut monitor = learned();
    let alerts = feed(&mut monitor, &burst(16));
    let bursts = of(&alerts, "NHI-MON-002");
    assert_eq!(bursts.len(), 1, "{alerts:#?}");
    assert!(bursts[0].event_count >= 10);
    assert!(
        bursts[0].explanation.contains("across 6 services"),
        "{}",
        bursts[0].explanation
    );
    assert!(
        bursts[0].explanation.contains("never more than 2"),
        "{}",
        bursts[0].explanation
    );

    let mut fresh = Monitor::new(MonitorConfig::default(), NoResolver);
    let during_learning = feed(&mut fresh, &burst(0));
    assert!(of(&during_learning, "NHI-MON-002").is_empty());
}

#[test]
fn get_caller_identity_from_new_network() {
    let mut monitor = learned();
    let alerts = feed(
        &mut monitor,
        &[ev(APP, "sts", "GetCallerIdentity", at(16, 3600))
            .ip("198.51.100.23")
            .build()],
    );
    let hits = of(&alerts, "NHI-MON-003");
    assert_eq!(hits.len(), 1, "{alerts:#?}");
    assert!(hits[0].explanation.contains("10.1.2.0/24"));
    assert!(
        of(&alerts, "NHI-MON-012").is_empty(),
        "more specific detection wins"
    );
}

#[test]
fn access_denied_burst() {
    let mut monitor = learned();
    let events: Vec<_> = (0..12)
        .map(|i| {
            ev(APP, "iam", "ListUsers", at(16, 3600 + i * 10))
                .denied()
                .build()
        })
        .collect();
    let alerts = feed(&mut monitor, &events);
    let hits = of(&alerts, "NHI-MON-004");
    assert_eq!(hits.len(), 1, "{alerts:#?}");
    assert!(hits[0].event_count >= 10);
}

#[test]
fn first_secret_read_alerts_once() {
    let mut monitor = learned();
    let read = |secs| {
        ev(APP, "secretsmanager", "GetSecretValue", at(16, secs))
            .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db")
            .build()
    };
    let alerts = feed(&mut monitor, &[read(3600), read(7200)]);
    let hits = of(&alerts, "NHI-MON-005");
    assert_eq!(hits.len(), 1, "{alerts:#?}");
    assert!(hits[0].explanation.contains("first secret read"));
}

#[test]
fn persistence_on_another_principal_and_benign_rotation() {
    let rotator = role("key-rotator");
    let target = user("svc-reporting");
    let mut rotated = nhi("nhi:svc-reporting", RiskTier::Medium);
    rotated.rotator_principals = vec![rotator.clone()];
    let resolver = InMemoryResolver::new().with(target.clone(), rotated);
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);

    // Hard negative: the registered rotator creates the new key, during and after
    // its own learning window.
    let rotation = feed(
        &mut monitor,
        &[
            ev(&rotator, "iam", "CreateAccessKey", at(0, 100))
                .resource(&target)
                .build(),
            ev(&rotator, "iam", "CreateAccessKey", at(30, 100))
                .resource(&target)
                .build(),
            ev(&rotator, "iam", "DeleteAccessKey", at(30, 200))
                .resource(&target)
                .build(),
        ],
    );
    assert!(of(&rotation, "NHI-MON-006").is_empty(), "{rotation:#?}");

    // A user creating a key for itself is not persistence on another principal.
    let own = feed(
        &mut monitor,
        &[ev(&user("alice"), "iam", "CreateAccessKey", at(1, 0))
            .resource(&user("alice"))
            .build()],
    );
    assert!(of(&own, "NHI-MON-006").is_empty());

    let quiet = feed(&mut monitor, &[]);
    assert!(quiet.is_empty());

    let attack = feed(
        &mut monitor,
        &[ev(&user("ci-bot"), "iam", "CreateAccessKey", at(1, 10))
            .resource(&target)
            .build()],
    );
    let hits = of(&attack, "NHI-MON-006");
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].explanation.contains(&rotator),
        "{}",
        hits[0].explanation
    );
    assert_eq!(hits[0].severity, Severity::High);

    let login = feed(
        &mut monitor,
        &[ev(&user("ci-bot"), "iam", "CreateLoginProfile", at(1, 20))
            .resource("bob")
            .build()],
    );
    assert_eq!(of(&login, "NHI-MON-006").len(), 1);
}

#[test]
fn quarterly_rotation_by_the_registered_rotator_pages_nobody() {
    let rotator = role("key-rotator");
    let target = user("svc-reporting");
    let mut rotated = nhi("nhi:svc-reporting", RiskTier::High);
    rotated.rotator_principals = vec!["arn:aws:iam::*:role/key-rotator".to_string()];
    let resolver = InMemoryResolver::new().with(target.clone(), rotated);
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    // Both learn their routine; the rotator only ever checks key ages.
    let mut learning = routine(&target, 15);
    for day in 0..15 {
        learning.push(
            ev(&rotator, "iam", "ListAccessKeys", at(day, 3 * 3600))
                .resource(&target)
                .build(),
        );
    }
    learning.sort_by_key(|e| e.time);
    assert!(feed(&mut monitor, &learning).is_empty());

    // Day 20: the rotator's first IAM write ever, then the target moves to its new key.
    let mut day20 = vec![
        ev(&rotator, "iam", "CreateAccessKey", at(20, 3 * 3600))
            .resource(&target)
            .build(),
        ev(&rotator, "iam", "UpdateAccessKey", at(20, 3 * 3600 + 60))
            .resource(&target)
            .build(),
        ev(&rotator, "iam", "DeleteAccessKey", at(20, 3 * 3600 + 120))
            .resource(&target)
            .build(),
    ];
    for i in 0..5 {
        day20.push(
            ev(&target, "s3", "GetObject", at(20, 10 * 3600 + i))
                .key("AKIANEWROTATEDKEY", "")
                .build(),
        );
    }
    let mut alerts = feed(&mut monitor, &day20);
    alerts.extend(monitor.flush());
    assert!(alerts.is_empty(), "{alerts:#?}");

    // The same calls by anyone else are persistence and a first IAM write.
    let mut control = learned_with(NoResolver, MonitorConfig::default());
    let foreign = feed(
        &mut control,
        &[ev(APP, "iam", "CreateAccessKey", at(16, 0))
            .resource(&target)
            .build()],
    );
    assert_eq!(of(&foreign, "NHI-MON-006").len(), 1);
    assert_eq!(of(&foreign, "NHI-MON-005").len(), 1);
}

#[test]
fn account_vending_role_creating_users_routinely_is_quiet() {
    let vending = role("account-vending");
    let mut learning = Vec::new();
    for day in 0..15 {
        learning.push(
            ev(&vending, "iam", "CreateUser", at(day, 3600))
                .resource(&user(&format!("tenant-{day}")))
                .build(),
        );
    }
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let during = feed(&mut monitor, &learning);
    // Days 0–13 are the learning window: persistence is a signature, so it alerts
    // there; from day 14 the call is part of the established baseline.
    assert_eq!(
        of(&during, "NHI-MON-006").len(),
        14,
        "alerts while learning"
    );
    let after = feed(
        &mut monitor,
        &[ev(&vending, "iam", "CreateUser", at(20, 3600))
            .resource(&user("tenant-20"))
            .build()],
    );
    assert!(after.is_empty(), "{after:#?}");
}

#[test]
fn assume_role_into_new_account_and_role_chaining() {
    let mut monitor = learned();
    let foreign = "arn:aws:iam::999900001111:role/admin";
    let alerts = feed(
        &mut monitor,
        &[ev(APP, "sts", "AssumeRole", at(16, 3600))
            .detail("role_arn", foreign)
            .build()],
    );
    let new_role = of(&alerts, "NHI-MON-007");
    assert_eq!(new_role.len(), 1, "{alerts:#?}");
    assert_eq!(
        new_role[0].severity,
        Severity::High,
        "new account raises severity"
    );
    assert!(new_role[0].explanation.contains("999900001111"));
    let chaining = of(&alerts, "NHI-MON-008");
    assert_eq!(
        chaining.len(),
        1,
        "an AssumedRole session called AssumeRole"
    );

    // Assuming the same role again is not new any more.
    let again = feed(
        &mut monitor,
        &[ev(APP, "sts", "AssumeRole", at(16, 7200))
            .detail("role_arn", foreign)
            .build()],
    );
    assert!(of(&again, "NHI-MON-007").is_empty());
    assert!(of(&again, "NHI-MON-008").is_empty());
}

#[test]
fn defence_evasion_is_signature_style() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(
        &mut monitor,
        &[
            ev(APP, "cloudtrail", "StopLogging", at(0, 0)).build(),
            ev(APP, "guardduty", "DeleteDetector", at(0, 10)).build(),
            ev(APP, "ec2", "DeleteFlowLogs", at(0, 20)).build(),
            ev(APP, "cloudtrail", "DeleteTrail", at(0, 30))
                .failed("TrailNotFoundException")
                .build(),
            ev(APP, "cloudtrail", "StartLogging", at(0, 40)).build(),
            // Re-enabling a detector is the opposite of evasion.
            ev(APP, "guardduty", "UpdateDetector", at(0, 50))
                .detail("enable", "true")
                .build(),
            ev(APP, "guardduty", "UpdateDetector", at(0, 60))
                .detail("enable", "false")
                .build(),
        ],
    );
    let hits = of(&alerts, "NHI-MON-009");
    assert_eq!(
        hits.len(),
        4,
        "first event, no baseline, failures ignored: {alerts:#?}"
    );
    assert!(hits[3].explanation.contains("GuardDuty"));
    assert!(hits[0].mitre.contains(&"T1562.008".to_string()));
}

#[test]
fn data_volume_far_above_baseline() {
    let mut monitor = learned();
    let bulk: Vec<_> = (0..600)
        .map(|i| {
            ev(APP, "s3", "GetObject", at(16, 10 * 3600 + i))
                .bytes(2_000_000)
                .build()
        })
        .collect();
    let alerts = feed(&mut monitor, &bulk);
    let hits = of(&alerts, "NHI-MON-010");
    assert_eq!(hits.len(), 1, "one alert per hour");
    assert!(
        hits[0].explanation.contains("baseline: 4 ± 0 objects"),
        "{}",
        hits[0].explanation
    );

    // A busier-than-usual hour below the absolute floor stays quiet.
    let mut quiet = learned();
    let modest: Vec<_> = (0..40)
        .map(|i| {
            ev(APP, "s3", "GetObject", at(16, 10 * 3600 + i))
                .bytes(10_000)
                .build()
        })
        .collect();
    assert!(of(&feed(&mut quiet, &modest), "NHI-MON-010").is_empty());
}

#[test]
fn sharing_with_external_or_public_accounts() {
    let config = MonitorConfig {
        known_accounts: ["444455556666".to_string()].into(),
        ..MonitorConfig::default()
    };
    let mut monitor = Monitor::new(config, NoResolver);
    let share = |with: &str, secs| {
        ev(APP, "ec2", "ModifySnapshotAttribute", at(0, secs))
            .resource("snap-1")
            .detail("shared_with", with)
            .build()
    };
    let alerts = feed(
        &mut monitor,
        &[
            share("444455556666", 0),
            share("111122223333", 5),
            share("999988887777", 10),
            share("all", 20),
        ],
    );
    let hits = of(&alerts, "NHI-MON-011");
    assert_eq!(hits.len(), 2, "known and own accounts are fine: {hits:#?}");
    assert_eq!(hits[0].observed["shared_with"], "999988887777");
    assert_eq!(hits[1].severity, Severity::Critical, "public");
}

#[test]
fn workload_credential_from_new_network() {
    let mut monitor = learned();
    let alerts = feed(
        &mut monitor,
        &[ev(APP, "s3", "ListBuckets", at(16, 3600))
            .ip("203.0.113.9")
            .key("ASIAWORKLOADKEY", "i-0abc123def")
            .build()],
    );
    let hits = of(&alerts, "NHI-MON-012");
    assert_eq!(hits.len(), 1, "{alerts:#?}");
    assert_eq!(hits[0].severity, Severity::High);
    assert!(hits[0].explanation.contains("workload credential"));
    assert!(
        hits[0]
            .explanation
            .contains("on Wed 01:00 UTC, an hour holding 0 of"),
        "{}",
        hits[0].explanation
    );
}

struct FixedAsn;
impl NetworkEnricher for FixedAsn {
    fn enrich(&self, ip: std::net::IpAddr) -> Option<NetworkInfo> {
        let asn = if ip.to_string().starts_with("10.") {
            64500
        } else {
            64999
        };
        Some(NetworkInfo {
            asn: Some(asn),
            as_org: None,
            country: Some("DE".to_string()),
        })
    }
}

#[test]
fn asn_decides_when_enrichment_is_available() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver)
        .with_enricher(std::sync::Arc::new(FixedAsn));
    assert!(feed(&mut monitor, &routine(APP, 15)).is_empty());
    // A new /24 in the same ASN (10.9.x is ASN 64500 here) is churn, not a new network.
    let churn = feed(
        &mut monitor,
        &[ev(APP, "s3", "ListBuckets", at(16, 0))
            .ip("10.9.9.9")
            .build()],
    );
    assert!(of(&churn, "NHI-MON-012").is_empty(), "{churn:#?}");
    let moved = feed(
        &mut monitor,
        &[ev(APP, "s3", "ListBuckets", at(16, 10))
            .ip("192.0.2.1")
            .build()],
    );
    assert_eq!(of(&moved, "NHI-MON-012").len(), 1);
    assert_eq!(of(&moved, "NHI-MON-012")[0].observed["network"], "AS64999");
}

#[test]
fn novelty_is_absorbed_after_the_absorb_period() {
    let mut monitor = learned();
    let from_new = |day, secs| {
        ev(APP, "s3", "ListBuckets", at(day, secs))
            .ip("198.51.100.40")
            .build()
    };
    let first = feed(&mut monitor, &[from_new(16, 0)]);
    assert_eq!(of(&first, "NHI-MON-012").len(), 1, "alerts once when new");
    // Still pending: keeps working from there without more alerts.
    let pending: Vec<_> = (17..20).map(|d| from_new(d, 0)).collect();
    assert!(feed(&mut monitor, &pending).is_empty());
    let summary = monitor.summary(APP).unwrap();
    assert!(summary.pending_novelties["networks"][0].starts_with("198.51.100.0/24"));
    // After the absorb period (7 days) the network is baseline: even the more specific
    // GetCallerIdentity detection treats it as known.
    let absorbed = feed(
        &mut monitor,
        &[ev(APP, "sts", "GetCallerIdentity", at(24, 0))
            .ip("198.51.100.41")
            .build()],
    );
    assert!(absorbed.is_empty(), "{absorbed:#?}");
    let summary = monitor.summary(APP).unwrap();
    assert!(
        !summary.pending_novelties.contains_key("networks"),
        "{summary:#?}"
    );
    assert!(summary.networks.contains(&"198.51.100.0/24".to_string()));
}

#[test]
fn dormant_credential_becomes_active() {
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(0, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(89, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(200, 0)).build(),
        ],
    );
    let hits = of(&alerts, "NHI-MON-013");
    assert_eq!(
        hits.len(),
        1,
        "89 days is not dormant, 111 days is: {hits:#?}"
    );
    assert_eq!(hits[0].observed["idle_days"], "111");
}

#[test]
fn human_use_of_a_non_human_identity() {
    let person = role("alice-sso");
    let mut human = nhi("person:alice", RiskTier::Low);
    human.is_nhi = false;
    let resolver = InMemoryResolver::new()
        .with(APP, nhi("nhi:app", RiskTier::Low))
        .with(person.clone(), human);
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    let browser = "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15";
    let alerts = feed(
        &mut monitor,
        &[
            ev(APP, "signin", "ConsoleLogin", at(0, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(0, 60)).ua(browser).build(),
            ev(APP, "s3", "ListBuckets", at(2, 60)).ua(browser).build(),
            ev(&person, "signin", "ConsoleLogin", at(0, 0)).build(),
        ],
    );
    let hits = of(&alerts, "NHI-MON-014");
    assert_eq!(
        hits.len(),
        2,
        "once per day per identity, never for people: {hits:#?}"
    );
    assert!(hits.iter().all(|a| a.identity == "nhi:app"));
    assert_eq!(
        hits[0].observed["owner"], "platform-team",
        "routed to the owner"
    );
    assert!(hits[1].explanation.contains("browser:safari"));
}

#[test]
fn llm_jacking_by_an_identity_that_never_used_bedrock() {
    let mut monitor = learned();
    let alerts = feed(
        &mut monitor,
        &[
            ev(APP, "bedrock", "ListFoundationModels", at(16, 0)).build(),
            ev(APP, "bedrock", "InvokeModel", at(16, 10)).build(),
            ev(APP, "bedrock", "InvokeModel", at(16, 20))
                .region("us-west-2")
                .build(),
        ],
    );
    let hits = of(&alerts, "NHI-MON-015");
    assert_eq!(
        hits.len(),
        2,
        "first use, then a new Bedrock region: {hits:#?}"
    );
    assert!(hits[0].explanation.contains("never used Bedrock"));
    assert!(hits[1].explanation.contains("us-west-2"));
}

#[test]
fn repeated_denied_bedrock_attempts_alert_once() {
    let mut monitor = learned();
    let attempts: Vec<_> = (0..5)
        .map(|i| {
            ev(APP, "bedrock", "InvokeModel", at(16, i * 60))
                .failed("AccessDeniedException")
                .build()
        })
        .collect();
    let alerts = feed(&mut monitor, &attempts);
    assert_eq!(of(&alerts, "NHI-MON-015").len(), 1, "{alerts:#?}");
}

#[test]
fn use_after_scheduled_deactivation() {
    let mut identity = nhi("nhi:old-key", RiskTier::Low);
    identity.scheduled_deactivation = Some(at(5, 0));
    let resolver = InMemoryResolver::new().with(APP, identity);
    let mut monitor = Monitor::new(MonitorConfig::default(), resolver);
    let alerts = feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(4, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(6, 0)).build(),
            ev(APP, "s3", "ListBuckets", at(6, 60)).build(),
        ],
    );
    let hits = of(&alerts, "NHI-MON-016");
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert!(hits[0].explanation.contains("1 day(s) after"));
}

#[test]
fn new_region_alerts_for_one_identity_but_not_for_a_cohort() {
    let fleet: Vec<String> = (0..10).map(|i| role(&format!("svc-{i}"))).collect();
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let mut learning = Vec::new();
    for principal in &fleet {
        learning.extend(routine(principal, 15));
    }
    learning.sort_by_key(|e| e.time);
    assert!(feed(&mut monitor, &learning).is_empty());

    // Hard negative: six of ten identities move into eu-west-3 on the same day.
    let mut day16: Vec<_> = fleet[..6]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            ev(p, "s3", "ListBuckets", at(16, 3600 + i as i64 * 600))
                .region("eu-west-3")
                .build()
        })
        .collect();
    // Positive: one identity alone starts using ap-south-1.
    day16.push(
        ev(&fleet[9], "s3", "ListBuckets", at(16, 4000))
            .region("ap-south-1")
            .build(),
    );
    day16.sort_by_key(|e| e.time);
    let mut alerts = feed(&mut monitor, &day16);
    alerts.extend(monitor.flush());
    let hits = of(&alerts, "NHI-MON-017");
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].observed["region"], "ap-south-1");
    assert_eq!(hits[0].identity, fleet[9]);
}

#[test]
fn ci_deploy_within_usual_services_is_quiet() {
    let ci = role("ci-deploy");
    let ci_ip = "192.0.2.10";
    let tf =
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.0 terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25";
    let mut learning = Vec::new();
    for day in 0..15 {
        let t = |m: i64| at(day, 14 * 3600 + m * 60);
        for (i, (service, action)) in [
            ("cloudformation", "UpdateStack"),
            ("lambda", "UpdateFunctionCode20150331v2"),
            ("iam", "PutRolePolicy"),
            ("iam", "CreateRole"),
            ("s3", "PutObject"),
            ("ecr", "PutImage"),
        ]
        .into_iter()
        .enumerate()
        {
            learning.push(
                ev(&ci, service, action, t(i as i64))
                    .ip(ci_ip)
                    .ua(tf)
                    .build(),
            );
        }
    }
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    assert!(feed(&mut monitor, &learning).is_empty());
    // The deploy on day 20 uses new actions, but only in services the role deploys to.
    let deploy: Vec<_> = [
        ("cloudformation", "ExecuteChangeSet"),
        ("lambda", "PublishVersion20150331"),
        ("iam", "TagRole"),
        ("iam", "AttachRolePolicy"),
        ("ecr", "BatchCheckLayerAvailability"),
        ("s3", "PutObject"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (s, a))| {
        ev(&ci, s, a, at(20, 14 * 3600 + i as i64))
            .ip("192.0.2.77")
            .ua(tf)
            .build()
    })
    .collect();
    let mut alerts = feed(&mut monitor, &deploy);
    alerts.extend(monitor.flush());
    assert!(alerts.is_empty(), "{alerts:#?}");
}

#[test]
fn expected_change_suppresses_announced_region_and_network() {
    let config = MonitorConfig {
        expected_changes: vec![
            ExpectedChange {
                identity: "arn:aws:iam::*:role/app-*".to_string(),
                field: ChangeField::Region,
                value: "eu-central-1".to_string(),
                until: Some(at(30, 0)),
                note: "CHG-42 migration".to_string(),
            },
            ExpectedChange {
                identity: "*".to_string(),
                field: ChangeField::Network,
                value: "198.51.100.0/24".to_string(),
                until: None,
                note: "new NAT gateway".to_string(),
            },
        ],
        ..MonitorConfig::default()
    };
    let mut monitor = learned_with(NoResolver, config);
    let mut alerts = feed(
        &mut monitor,
        &[
            ev(APP, "s3", "ListBuckets", at(16, 0))
                .region("eu-central-1")
                .ip("198.51.100.5")
                .build(),
            // After `until` the announcement no longer covers the region.
            ev(APP, "s3", "ListBuckets", at(31, 0))
                .region("eu-central-2")
                .build(),
        ],
    );
    alerts.extend(monitor.flush());
    assert!(of(&alerts, "NHI-MON-012").is_empty(), "{alerts:#?}");
    let regions = of(&alerts, "NHI-MON-017");
    assert_eq!(regions.len(), 1, "{regions:#?}");
    assert_eq!(regions[0].observed["region"], "eu-central-2");
}

#[test]
fn every_alert_explains_observed_versus_baseline() {
    let mut monitor = learned();
    let mut events: Vec<_> = (0..14)
        .map(|i| {
            ev(
                APP,
                ["ec2", "iam", "rds"][i % 3],
                "DescribeX",
                at(16, i as i64),
            )
            .build()
        })
        .collect();
    events.push(
        ev(APP, "kms", "Decrypt", at(16, 100))
            .ip("203.0.113.1")
            .region("sa-east-1")
            .build(),
    );
    let mut alerts = feed(&mut monitor, &events);
    alerts.extend(monitor.flush());
    assert!(alerts.len() >= 4, "{alerts:#?}");
    for alert in &alerts {
        assert!(
            alert.explanation.contains("baseline"),
            "{}",
            alert.explanation
        );
        assert!(!alert.mitre.is_empty());
        assert!(detection(&alert.detection).is_some());
        assert!(!alert.event_ids.is_empty());
    }
}

#[test]
fn blatant_enumeration_alerts_even_while_learning() {
    let services = ["ec2", "iam", "s3", "lambda", "rds", "kms", "sns", "ssm"];
    let regions = ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"];
    let burst: Vec<_> = (0..24)
        .map(|i| {
            ev(
                APP,
                services[i % 8],
                "ListThings",
                at(0, 3600 + i as i64 * 10),
            )
            .region(regions[i % 4])
            .build()
        })
        .collect();
    let mut fresh = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(&mut fresh, &burst);
    assert_eq!(of(&alerts, "NHI-MON-002").len(), 1, "{alerts:#?}");
    // Spread over services but in one region: a deploy tool's plan, quiet while learning.
    let plan: Vec<_> = (0..24)
        .map(|i| {
            ev(
                &role("deployer"),
                services[i % 8],
                "DescribeThings",
                at(0, 7200 + i as i64 * 10),
            )
            .build()
        })
        .collect();
    let mut fresh = Monitor::new(MonitorConfig::default(), NoResolver);
    assert!(of(&feed(&mut fresh, &plan), "NHI-MON-002").is_empty());
}

#[test]
fn address_churn_inside_known_ranges_is_not_a_new_network() {
    let ci = role("ci-runner");
    let mut events = Vec::new();
    for day in 0..15 {
        for hour in 9..17 {
            // Hosted runners: a different /24 of the same /16 almost every job.
            let octet = (day * 8 + hour) % 40;
            events.push(
                ev(&ci, "ecr", "PutImage", at(day, hour * 3600))
                    .ip(&format!("20.102.{octet}.7"))
                    .build(),
            );
        }
    }
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    assert!(feed(&mut monitor, &events).is_empty());
    let churn = feed(
        &mut monitor,
        &[ev(&ci, "ecr", "PutImage", at(16, 10 * 3600))
            .ip("20.102.201.9")
            .build()],
    );
    assert!(of(&churn, "NHI-MON-012").is_empty(), "{churn:#?}");
    let elsewhere = feed(
        &mut monitor,
        &[ev(&ci, "ecr", "PutImage", at(16, 11 * 3600))
            .ip("91.92.240.39")
            .build()],
    );
    assert_eq!(of(&elsewhere, "NHI-MON-012").len(), 1, "{elsewhere:#?}");
}

#[test]
fn five_identities_moving_region_together_are_a_fleet_change() {
    let fleet: Vec<String> = (0..20).map(|i| role(&format!("fn-{i}"))).collect();
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let mut routine_events = Vec::new();
    for name in &fleet {
        for day in 0..15 {
            routine_events.push(ev(name, "dynamodb", "GetItem", at(day, 10 * 3600)).build());
        }
    }
    routine_events.sort_by_key(|e| e.time);
    assert!(feed(&mut monitor, &routine_events).is_empty());
    // 5 of 20 (25 %, under the 30 % share) start in eu-west-1 within an hour.
    let moved: Vec<_> = fleet[..5]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            ev(
                name,
                "dynamodb",
                "GetItem",
                at(16, 10 * 3600 + i as i64 * 600),
            )
            .region("eu-west-1")
            .build()
        })
        .collect();
    let mut alerts = feed(&mut monitor, &moved);
    alerts.extend(feed(
        &mut monitor,
        &[ev(&fleet[10], "dynamodb", "GetItem", at(18, 10 * 3600)).build()],
    ));
    alerts.extend(monitor.flush());
    assert!(of(&alerts, "NHI-MON-017").is_empty(), "{alerts:#?}");
}

#[test]
fn gcp_key_creation_for_another_service_account_and_sink_deletion() {
    let ci = "deployer@acme-prod.iam.gserviceaccount.com";
    let other = "payments-api@acme-prod.iam.gserviceaccount.com";
    let gcp = |action: &str, service: &str, resource: &str| {
        let mut event = ev(ci, service, action, at(0, 3600))
            .resource(resource)
            .kind("serviceAccount")
            .build();
        event.source = nhi_model::EventSource::GcpAudit;
        event.actor.credential_id = None;
        event
    };
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(
        &mut monitor,
        &[
            gcp(
                "google.iam.admin.v1.CreateServiceAccountKey",
                "iam.googleapis.com",
                &format!("projects/-/serviceAccounts/{other}"),
            ),
            // A key for itself is rotation of its own credential, not persistence.
            gcp(
                "google.iam.admin.v1.CreateServiceAccountKey",
                "iam.googleapis.com",
                &format!("projects/-/serviceAccounts/{ci}"),
            ),
            gcp(
                "google.logging.v2.ConfigServiceV2.DeleteSink",
                "logging.googleapis.com",
                "projects/acme-prod/sinks/org-audit-to-bigquery",
            ),
        ],
    );
    let persistence = of(&alerts, "NHI-MON-006");
    assert_eq!(persistence.len(), 1, "{alerts:#?}");
    assert!(
        persistence[0].explanation.contains(other),
        "{}",
        persistence[0].explanation
    );
    let evasion = of(&alerts, "NHI-MON-009");
    assert_eq!(evasion.len(), 1, "{alerts:#?}");
    assert!(evasion[0].explanation.contains("Cloud Logging sink"));
}

#[test]
fn kubernetes_token_requests_for_another_service_account_are_persistence() {
    let token_request = |actor: &str, path: &str| {
        let mut event = ev(actor, "core/serviceaccounts/token", "create", at(0, 7200))
            .resource(path)
            .kind("ServiceAccount")
            .build();
        event.source = nhi_model::EventSource::KubernetesAudit;
        event.actor.credential_id = None;
        event
    };
    let mut monitor = Monitor::new(MonitorConfig::default(), NoResolver);
    let alerts = feed(
        &mut monitor,
        &[
            token_request(
                "system:serviceaccount:ci:deployer",
                "namespaces/prod/serviceaccounts/payments/token",
            ),
            // The kubelet mints pod tokens; an account refreshing its own token is routine.
            token_request(
                "system:node:ip-10-0-1-5.ec2.internal",
                "namespaces/prod/serviceaccounts/payments/token",
            ),
            token_request(
                "system:serviceaccount:prod:payments",
                "namespaces/prod/serviceaccounts/payments/token",
            ),
        ],
    );
    let persistence = of(&alerts, "NHI-MON-006");
    assert_eq!(persistence.len(), 1, "{alerts:#?}");
    assert!(
        persistence[0]
            .explanation
            .contains("system:serviceaccount:prod:payments")
    );
    assert!(persistence[0].identity.contains("ci:deployer"));
}
