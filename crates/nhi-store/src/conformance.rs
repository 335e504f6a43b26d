//! The behavioural tests every [`InventoryStore`] backend must pass (feature
//! `conformance`; test-only).
//!
//! Each test is a function taking a factory of fresh, empty, migrated stores, so the same
//! code runs against SQLite (this crate's `tests/conformance.rs`) and PostgreSQL
//! (`nhi-store-pg`'s). A backend's test file runs them all with
//! [`conformance_tests!`](crate::conformance_tests) and a runner that builds its stores:
//!
//! ```ignore
//! fn sqlite(test: nhi_store::conformance::Test) {
//!     test(&mut || Box::new(nhi_store::SqliteStore::open_in_memory().unwrap()))
//! }
//! nhi_store::conformance_tests!(sqlite);
//! ```
//!
//! The tests use only trait methods. What needs raw SQL (a corrupted row, the schema) or a
//! reopen stays in the backend's own tests. Failures panic, as tests do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nhi_model::{CredentialStatus, Provider, Severity, SkipReason, Warning};

use crate::{
    AlertFilter, CredentialFilter, FindingFilter, FindingSuppression, ImportMode, InventoryStore,
    MonitorCommit, StoreError, StoredAlert, StoredCredential,
};
use fixtures::*;

/// A factory of fresh, empty, migrated stores; each call gives a new one.
pub type Fresh<'a> = &'a mut dyn FnMut() -> Box<dyn InventoryStore>;

/// One conformance test.
pub type Test = fn(Fresh<'_>);

/// Defines one `#[test]` per conformance test, each calling `$runner(test)`, where
/// `$runner: fn(nhi_store::conformance::Test)` hands the test its store factory (and may
/// skip when the backend is unavailable).
#[macro_export]
macro_rules! conformance_tests {
    ($runner:path) => {
        $crate::conformance_tests!(@each $runner;
            a_recorded_scan_reads_back_equal,
            a_rescan_resolves_what_is_gone_and_revives_what_returns,
            a_rescan_of_another_root_leaves_the_first_root_alone,
            a_key_still_present_under_an_unscanned_root_stays_active,
            consumers_that_disappear_are_no_longer_listed,
            a_sighting_without_a_root_in_a_single_root_scan_is_filed_under_that_root,
            rows_under_the_unknown_root_retire_only_when_every_root_is_rescanned,
            filters_select_by_provider_kind_severity_and_status,
            credential_and_consumer_pages_are_windows_of_the_full_lists,
            a_failing_scan_leaves_no_trace,
            scans_are_numbered_in_order_and_listed_newest_first,
            reads_keep_first_recorded_order_and_canonical_sighting_order,
            text_comes_back_unchanged_and_sorts_by_code_point,
            the_store_works_behind_a_trait_object,
            inventory_collections_replace_by_origin_and_merge_across_origins,
            a_scan_records_its_exports_and_codeowners_with_it,
            suppressions_are_kept_replaced_and_removed,
            a_checkpoint_round_trips_and_alerts_upsert_by_id,
            alerts_without_times_sort_last_and_limits_apply,
            a_dump_loads_into_a_fresh_store_with_equal_results,
            a_loaded_store_carries_on_where_the_source_left_off,
            a_non_empty_target_is_refused_unless_replacing,
            a_failing_load_leaves_no_trace,
        );
    };
    (@each $runner:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $runner($crate::conformance::$name);
            }
        )*
    };
}

/// Everything the trait's queries return, for comparing two stores.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub credentials: Vec<StoredCredential>,
    pub findings: Vec<crate::StoredFinding>,
    pub consumers: Vec<nhi_model::Consumer>,
    pub scans: Vec<crate::ScanRow>,
    pub inventory: nhi_model::Inventory,
    pub collections: Vec<crate::CollectionRow>,
    pub codeowners: Vec<(String, String)>,
    pub suppressions: Vec<FindingSuppression>,
    pub alerts: Vec<StoredAlert>,
    pub checkpoints: Vec<Option<(String, String)>>,
}

/// Reads every query of `store` (checkpoints of the feeds the suite uses).
pub fn snapshot(store: &dyn InventoryStore) -> Snapshot {
    Snapshot {
        credentials: store.credentials(&CredentialFilter::default()).unwrap(),
        findings: store.findings(&FindingFilter::default()).unwrap(),
        consumers: store.consumers().unwrap(),
        scans: store.scans(usize::MAX).unwrap(),
        inventory: store.inventory().unwrap(),
        collections: store.collections().unwrap(),
        codeowners: store.codeowners().unwrap(),
        suppressions: store.finding_suppressions().unwrap(),
        alerts: store.alerts(&AlertFilter::default()).unwrap(),
        checkpoints: ["default", "cloudtrail"]
            .iter()
            .map(|name| store.monitor_checkpoint(name).unwrap())
            .collect(),
    }
}

/// Fills `store` with a bit of everything: three scans over two roots (so there are
/// resolved credentials, findings and consumers and gone sightings), history sightings,
/// collections, CODEOWNERS, suppressions, alerts and two checkpoints.
pub fn populate(store: &mut dyn InventoryStore) {
    let mut first = first_scan();
    first.inventory = Some(collection(&["role/ci", "role/deploy"]));
    first.codeowners = vec![("/repo".into(), Some("* @acme/platform\n".into()))];
    first.record_at(store, at(0)).unwrap();

    let mut other = Scan::of(&["/other"]);
    let stripe = credential(
        3,
        Provider::Stripe,
        vec![file_sighting("/other", "app.py", 1)],
    );
    other.findings = vec![finding_for(&stripe, "stripe-secret-key", Severity::Medium)];
    other.consumers = vec![mcp_consumer("mcp.json", "payments", &stripe)];
    other.credentials = vec![stripe];
    other.record_at(store, at(50)).unwrap();

    // /repo again without the GitHub token: it, its finding and its sighting retire.
    let full = first_scan();
    let mut rescan = Scan::of(&["/repo"]);
    rescan.credentials = vec![full.credentials[0].clone()];
    rescan.findings = vec![full.findings[0].clone()];
    rescan.consumers = full.consumers.clone();
    rescan.record_at(store, at(100)).unwrap();

    store
        .record_inventory(
            "collect:aws:111122223333",
            at(120),
            &collection(&["user/bot"]),
        )
        .unwrap();
    store
        .suppress_finding(&FindingSuppression {
            finding_id: "NHI-I-0123456789abcdef".into(),
            reason: "break-glass key, reviewed quarterly".into(),
            expires: "2027-03-31".parse().unwrap(),
            created_at: at(130),
        })
        .unwrap();
    commit(
        store,
        "default",
        &[
            alert(
                "a",
                Severity::High,
                "arn:aws:iam::1:role/ci",
                "2026-11-01T10:00:00Z",
                "2026-11-01T10:05:00Z",
            ),
            alert(
                "b",
                Severity::Info,
                "arn:aws:iam::1:user/bot",
                "2026-11-01T09:00:00Z",
                "2026-11-01T09:00:00.5Z",
            ),
        ],
        "{\"v\":1}",
        "[{\"path\":\"/logs/a.json\",\"offset\":10}]",
    );
    commit(store, "cloudtrail", &[], "{}", "[]");
}

/// Two credentials (one seen twice), two findings and one consumer under one root.
pub fn first_scan() -> Scan {
    let mut scan = Scan::of(&["/repo"]);
    let openai = credential(
        1,
        Provider::Openai,
        vec![
            file_sighting("/repo", ".env", 3),
            history_sighting("/repo", "config/old.env", "c0ffee"),
        ],
    );
    let github = credential(
        2,
        Provider::Github,
        vec![file_sighting("/repo", "ci.yml", 9)],
    );
    scan.findings = vec![
        finding_for(&openai, "openai-api-key", Severity::High),
        finding_for(&github, "github-classic-pat", Severity::Critical),
    ];
    scan.consumers = vec![mcp_consumer(".mcp.json", "search", &openai)];
    scan.summary.files_scanned = 12;
    scan.summary.warn(Warning {
        reason: SkipReason::Binary,
        path: "logo.png".into(),
        position: None,
        message: "binary file".into(),
    });
    scan.credentials = vec![openai, github];
    scan
}

/// An inventory of AWS roles named by `keys`.
pub fn collection(keys: &[&str]) -> nhi_model::Inventory {
    use nhi_model::{Identity, IdentityKind, Inventory, InventoryBatch, Provenance};
    let mut inventory = Inventory::default();
    inventory.merge(InventoryBatch {
        identities: keys
            .iter()
            .map(|&key| {
                Identity::new(
                    Provider::Aws,
                    IdentityKind::IamRole,
                    key,
                    key,
                    Provenance::new("test", "f.json", "[0]"),
                )
            })
            .collect(),
        ..Default::default()
    });
    inventory
}

pub fn alert(id: &str, severity: Severity, identity: &str, first: &str, last: &str) -> StoredAlert {
    StoredAlert {
        id: id.into(),
        detection: "NHI-MON-009".into(),
        severity,
        identity: identity.into(),
        first_seen: Some(first.parse().unwrap()),
        last_seen: Some(last.parse().unwrap()),
        event_count: 1,
        json: format!("{{\"id\":\"{id}\"}}"),
    }
}

pub fn commit(
    store: &mut dyn InventoryStore,
    name: &str,
    alerts: &[StoredAlert],
    state: &str,
    positions: &str,
) {
    store
        .commit_monitor(&MonitorCommit {
            name,
            alerts,
            state,
            positions,
            at: "2026-12-01T00:00:00Z".parse().unwrap(),
        })
        .unwrap();
}

fn status_of(stored: &[StoredCredential], n: u64) -> CredentialStatus {
    stored
        .iter()
        .find(|c| c.credential.fingerprint == fingerprint(n))
        .map(|c| c.credential.status)
        .expect("credential stored")
}

fn stored(store: &dyn InventoryStore, n: u64) -> StoredCredential {
    store
        .credentials(&CredentialFilter::default())
        .expect("read credentials")
        .into_iter()
        .find(|c| c.credential.fingerprint == fingerprint(n))
        .expect("credential stored")
}

fn finding_status(store: &dyn InventoryStore, rule: &str) -> String {
    store
        .findings(&FindingFilter::default())
        .unwrap()
        .into_iter()
        .find(|f| f.finding.rule == rule)
        .map(|f| f.status)
        .expect("finding stored")
}

pub fn a_recorded_scan_reads_back_equal(fresh: Fresh<'_>) {
    let mut store = fresh();
    let scan = first_scan();
    let outcome = scan.record_at(store.as_mut(), at(0)).unwrap();
    assert_eq!(outcome.new_credentials, 2);
    assert_eq!(outcome.seen_again, 0);
    assert_eq!(outcome.resolved, 0);

    let credentials = store.credentials(&CredentialFilter::default()).unwrap();
    let read: Vec<_> = credentials.iter().map(|c| c.credential.clone()).collect();
    assert_eq!(read, scan.credentials);
    for c in &credentials {
        assert_eq!(
            (c.first_seen, c.last_seen, c.resolved_at),
            (at(0), at(0), None)
        );
    }

    let findings = store.findings(&FindingFilter::default()).unwrap();
    let read: Vec<_> = findings.iter().map(|f| f.finding.clone()).collect();
    assert_eq!(read, scan.findings);
    assert!(
        findings
            .iter()
            .all(|f| f.status == "open" && f.first_seen == at(0))
    );

    assert_eq!(store.consumers().unwrap(), scan.consumers);

    let scans = store.scans(10).unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].id, outcome.scan_id);
    assert_eq!(scans[0].roots, scan.roots);
    assert_eq!(scans[0].summary, scan.summary);
    assert_eq!(scans[0].finished_at, at(0));
    assert_eq!(scans[0].started_at, at(-3));
}

pub fn a_rescan_resolves_what_is_gone_and_revives_what_returns(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let full = first_scan();
    full.record_at(store, at(0)).unwrap();

    // Second scan of the same root: the GitHub token is gone.
    let mut without_github = Scan::of(&["/repo"]);
    without_github.credentials = vec![full.credentials[0].clone()];
    without_github.findings = vec![full.findings[0].clone()];
    without_github.consumers = full.consumers.clone();
    let outcome = without_github.record_at(store, at(100)).unwrap();
    assert_eq!(
        (
            outcome.new_credentials,
            outcome.seen_again,
            outcome.resolved
        ),
        (0, 1, 1)
    );

    let github = stored(store, 2);
    assert_eq!(github.credential.status, CredentialStatus::Resolved);
    assert_eq!(github.resolved_at, Some(at(100)));
    assert_eq!(github.last_seen, at(0));
    let openai = stored(store, 1);
    assert_eq!(openai.credential.status, CredentialStatus::Active);
    assert_eq!((openai.first_seen, openai.last_seen), (at(0), at(100)));
    assert_eq!(openai.resolved_at, None);

    assert_eq!(finding_status(store, "github-classic-pat"), "resolved");
    assert_eq!(finding_status(store, "openai-api-key"), "open");

    let resolved_only = CredentialFilter {
        status: Some(CredentialStatus::Resolved),
        ..CredentialFilter::default()
    };
    let resolved = store.credentials(&resolved_only).unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].credential.fingerprint, fingerprint(2));

    // Third scan: it is back.
    let outcome = full.record_at(store, at(200)).unwrap();
    assert_eq!(
        (
            outcome.new_credentials,
            outcome.seen_again,
            outcome.resolved
        ),
        (0, 2, 0)
    );
    let github = stored(store, 2);
    assert_eq!(github.credential.status, CredentialStatus::Active);
    assert_eq!(github.resolved_at, None);
    assert_eq!((github.first_seen, github.last_seen), (at(0), at(200)));
    let open = FindingFilter {
        status: Some("open".into()),
        ..FindingFilter::default()
    };
    assert_eq!(store.findings(&open).unwrap().len(), 2);
    assert_eq!(store.scans(10).unwrap().len(), 3);
}

pub fn a_rescan_of_another_root_leaves_the_first_root_alone(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    first_scan().record_at(store, at(0)).unwrap();

    let mut other = Scan::of(&["/other"]);
    other.credentials = vec![credential(
        3,
        Provider::Stripe,
        vec![file_sighting("/other", "app.py", 1)],
    )];
    let outcome = other.record_at(store, at(50)).unwrap();
    assert_eq!((outcome.new_credentials, outcome.resolved), (1, 0));

    let all = store.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .all(|c| c.credential.status == CredentialStatus::Active)
    );
    assert!(
        store
            .findings(&FindingFilter::default())
            .unwrap()
            .iter()
            .all(|f| f.status == "open")
    );
    assert_eq!(store.consumers().unwrap().len(), 1);

    // An empty rescan of /other resolves only the Stripe key.
    let outcome = Scan::of(&["/other"]).record_at(store, at(60)).unwrap();
    assert_eq!(outcome.resolved, 1);
    let all = store.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(status_of(&all, 3), CredentialStatus::Resolved);
    assert_eq!(status_of(&all, 1), CredentialStatus::Active);
    assert_eq!(status_of(&all, 2), CredentialStatus::Active);
}

pub fn a_key_still_present_under_an_unscanned_root_stays_active(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let mut both = Scan::of(&["/a", "/b"]);
    let shared = credential(
        5,
        Provider::Aws,
        vec![
            file_sighting("/a", "x.env", 1),
            file_sighting("/b", "y.env", 1),
        ],
    );
    both.findings = vec![finding_for(&shared, "aws-access-key", Severity::Critical)];
    both.credentials = vec![shared];
    both.record_at(store, at(0)).unwrap();

    let outcome = Scan::of(&["/a"]).record_at(store, at(10)).unwrap();
    assert_eq!(outcome.resolved, 0);
    assert_eq!(stored(store, 5).credential.status, CredentialStatus::Active);
    assert_eq!(finding_status(store, "aws-access-key"), "open");

    let outcome = Scan::of(&["/b"]).record_at(store, at(20)).unwrap();
    assert_eq!(outcome.resolved, 1);
    assert_eq!(
        stored(store, 5).credential.status,
        CredentialStatus::Resolved
    );
    assert_eq!(finding_status(store, "aws-access-key"), "resolved");
}

pub fn consumers_that_disappear_are_no_longer_listed(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    first_scan().record_at(store, at(0)).unwrap();
    assert_eq!(store.consumers().unwrap().len(), 1);
    Scan::of(&["/repo"]).record_at(store, at(10)).unwrap();
    assert!(store.consumers().unwrap().is_empty());
    first_scan().record_at(store, at(20)).unwrap();
    assert_eq!(store.consumers().unwrap(), first_scan().consumers);
}

pub fn a_sighting_without_a_root_in_a_single_root_scan_is_filed_under_that_root(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let mut scan = Scan::of(&["/repo"]);
    scan.credentials = vec![credential(
        7,
        Provider::Slack,
        vec![file_sighting("", "a.env", 1)],
    )];
    scan.record_at(store, at(0)).unwrap();
    assert_eq!(stored(store, 7).credential.sightings[0].root, "/repo");

    let outcome = Scan::of(&["/repo"]).record_at(store, at(5)).unwrap();
    assert_eq!(outcome.resolved, 1);
}

pub fn rows_under_the_unknown_root_retire_only_when_every_root_is_rescanned(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    // A two-root scan: a sighting and a consumer with no root are filed under "".
    let mut both = Scan::of(&["/a", "/b"]);
    let loose = credential(8, Provider::Openai, vec![file_sighting("", "x.env", 1)]);
    let mut consumer = mcp_consumer("mcp.json", "loose", &loose);
    consumer.root = String::new();
    both.consumers = vec![consumer];
    both.findings = vec![finding_for(&loose, "openai-api-key", Severity::High)];
    both.credentials = vec![loose];
    both.record_at(store, at(0)).unwrap();
    assert_eq!(stored(store, 8).credential.sightings[0].root, "");

    // Rescanning one of the two roots does not cover the unknown root.
    let outcome = Scan::of(&["/a"]).record_at(store, at(10)).unwrap();
    assert_eq!(outcome.resolved, 0);
    assert_eq!(store.consumers().unwrap().len(), 1);
    assert_eq!(stored(store, 8).credential.status, CredentialStatus::Active);

    // Both roots at once do.
    let outcome = Scan::of(&["/b", "/a"]).record_at(store, at(20)).unwrap();
    assert_eq!(outcome.resolved, 1);
    assert!(store.consumers().unwrap().is_empty());
    let gone = stored(store, 8);
    assert_eq!(gone.credential.status, CredentialStatus::Resolved);
    assert_eq!(gone.resolved_at, Some(at(20)));
}

pub fn filters_select_by_provider_kind_severity_and_status(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    first_scan().record_at(store, at(0)).unwrap();

    let github = CredentialFilter {
        provider: Some(Provider::Github),
        ..CredentialFilter::default()
    };
    let read = store.credentials(&github).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].credential.provider, Provider::Github);
    let api_keys = CredentialFilter {
        kind: Some(nhi_model::CredentialKind::ApiKey),
        status: Some(CredentialStatus::Active),
        ..CredentialFilter::default()
    };
    assert_eq!(store.credentials(&api_keys).unwrap().len(), 2);
    let none = CredentialFilter {
        kind: Some(nhi_model::CredentialKind::PrivateKey),
        ..CredentialFilter::default()
    };
    assert!(store.credentials(&none).unwrap().is_empty());

    let critical = FindingFilter {
        min_severity: Some(Severity::Critical),
        ..FindingFilter::default()
    };
    let read = store.findings(&critical).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].finding.rule, "github-classic-pat");
    let at_least_low = FindingFilter {
        min_severity: Some(Severity::Low),
        ..FindingFilter::default()
    };
    assert_eq!(store.findings(&at_least_low).unwrap().len(), 2);
    let resolved = FindingFilter {
        status: Some("resolved".into()),
        ..FindingFilter::default()
    };
    assert!(store.findings(&resolved).unwrap().is_empty());
    let open_high = FindingFilter {
        min_severity: Some(Severity::High),
        status: Some("open".into()),
    };
    assert_eq!(store.findings(&open_high).unwrap().len(), 2);
}

/// A page is exactly the slice of the full list it names, for every filter, size and
/// offset (past the end included), and its total is the full list's length.
pub fn credential_and_consumer_pages_are_windows_of_the_full_lists(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    populate(store);
    let filters = [
        CredentialFilter::default(),
        CredentialFilter {
            provider: Some(Provider::Github),
            ..CredentialFilter::default()
        },
        CredentialFilter {
            status: Some(CredentialStatus::Active),
            ..CredentialFilter::default()
        },
        CredentialFilter {
            status: Some(CredentialStatus::Resolved),
            ..CredentialFilter::default()
        },
        CredentialFilter {
            kind: Some(nhi_model::CredentialKind::PrivateKey),
            ..CredentialFilter::default()
        },
    ];
    for filter in &filters {
        let all = store.credentials(filter).unwrap();
        for limit in 1..=4 {
            for offset in 0..=all.len() + 1 {
                let page = store.credential_page(filter, limit, offset).unwrap();
                let expected: Vec<_> = all.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(
                    page.items, expected,
                    "{filter:?} limit {limit} offset {offset}"
                );
                assert_eq!(page.total, all.len() as u64, "{filter:?}");
            }
        }
    }
    assert!(store.credentials(&filters[0]).unwrap().len() >= 3);

    let all = store.consumers().unwrap();
    assert!(all.len() >= 2, "populate leaves two active consumers");
    for limit in 1..=3 {
        for offset in 0..=all.len() + 1 {
            let page = store.consumer_page(limit, offset).unwrap();
            let expected: Vec<_> = all.iter().skip(offset).take(limit).cloned().collect();
            assert_eq!(page.items, expected, "limit {limit} offset {offset}");
            assert_eq!(page.total, all.len() as u64);
        }
    }
}

pub fn a_failing_scan_leaves_no_trace(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    first_scan().record_at(store, at(0)).unwrap();
    let before = snapshot(store);

    // A new credential and sighting are written, then a finding about a credential the
    // scan does not contain aborts the transaction; the resolution of the GitHub token
    // (absent from this scan) must not happen either.
    let mut broken = Scan::of(&["/repo"]);
    let fresh_key = credential(9, Provider::Npm, vec![file_sighting("/repo", ".npmrc", 1)]);
    let stranger = credential(10, Provider::Pypi, vec![]);
    broken.findings = vec![
        finding_for(&fresh_key, "npm-token", Severity::High),
        finding_for(&stranger, "pypi-token", Severity::High),
    ];
    broken.inventory = Some(collection(&["role/half-written"]));
    broken.codeowners = vec![("/repo".into(), Some("* @nobody\n".into()))];
    broken.credentials = vec![first_scan().credentials[0].clone(), fresh_key];
    let err = broken.record_at(store, at(100)).unwrap_err();
    assert!(
        matches!(&err, StoreError::DanglingFinding { credential_fingerprint, .. }
            if *credential_fingerprint == fingerprint(10).short()),
        "{err}"
    );
    assert_eq!(snapshot(store), before);

    // The store is still usable afterwards, and the failed scan used no scan id.
    let outcome = first_scan().record_at(store, at(200)).unwrap();
    assert_eq!(outcome.seen_again, 2);
    assert_eq!(outcome.scan_id, before.scans[0].id + 1);
}

pub fn scans_are_numbered_in_order_and_listed_newest_first(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let ids: Vec<i64> = (0..4)
        .map(|i| {
            Scan::of(&["/r"])
                .record_at(store, at(i * 10))
                .unwrap()
                .scan_id
        })
        .collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    let listed: Vec<i64> = store.scans(3).unwrap().iter().map(|s| s.id).collect();
    assert_eq!(listed, [4, 3, 2]);
    assert_eq!(store.scans(usize::MAX).unwrap().len(), 4);
    assert!(store.scans(0).unwrap().is_empty());
}

pub fn reads_keep_first_recorded_order_and_canonical_sighting_order(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    // Recorded 20, 11, 30; sightings handed over in no particular order.
    let mut late = history_sighting("/r", "b.env", "bbbb");
    late.date = Some("2024-05-01T00:00:00Z".into());
    let early = history_sighting("/r", "a.env", "aaaa");
    let mut scan = Scan::of(&["/r"]);
    scan.credentials = vec![
        credential(
            20,
            Provider::Openai,
            vec![
                late.clone(),
                file_sighting("/r", "z.env", 2),
                early.clone(),
                file_sighting("/r", "Z.env", 9),
                file_sighting("/r", "z.env", 1),
            ],
        ),
        credential(11, Provider::Github, vec![file_sighting("/r", "x", 1)]),
        credential(30, Provider::Aws, vec![file_sighting("/r", "y", 1)]),
    ];
    scan.findings = scan
        .credentials
        .iter()
        .rev()
        .map(|c| finding_for(c, &format!("rule-{}", c.provider), Severity::High))
        .collect();
    scan.record_at(store, at(0)).unwrap();

    // A rescan in another order keeps the first-recorded order.
    let mut again = Scan::of(&["/r"]);
    again.credentials = scan.credentials.iter().rev().cloned().collect();
    again.findings = scan.findings.iter().rev().cloned().collect();
    again.record_at(store, at(10)).unwrap();

    let fingerprints: Vec<_> = store
        .credentials(&CredentialFilter::default())
        .unwrap()
        .into_iter()
        .map(|c| c.credential.fingerprint)
        .collect();
    assert_eq!(
        fingerprints,
        [fingerprint(20), fingerprint(11), fingerprint(30)]
    );
    let rules: Vec<_> = store
        .findings(&FindingFilter::default())
        .unwrap()
        .into_iter()
        .map(|f| f.finding.rule)
        .collect();
    assert_eq!(rules, ["rule-aws", "rule-github", "rule-openai"]);

    // Working tree first (by path, code-point order: "Z" < "z"), then history by date.
    let sightings = stored(store, 20).credential.sightings;
    let places: Vec<(&str, u32)> = sightings
        .iter()
        .map(|s| (s.path.as_str(), s.line))
        .collect();
    assert_eq!(
        places,
        [
            ("Z.env", 9),
            ("z.env", 1),
            ("z.env", 2),
            ("a.env", 2),
            ("b.env", 2)
        ]
    );
}

pub fn text_comes_back_unchanged_and_sorts_by_code_point(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let awkward = [
        "it's \"quoted\"; DROP TABLE credentials; --",
        "日本語/ファイル 🔑.env",
        "back\\slash and\ttab and\nnewline",
        "%_ like wildcards _%",
        "",
    ];
    let mut scan = Scan::of(&["/r"]);
    let mut cred = credential(
        40,
        Provider::Generic,
        awkward
            .iter()
            .enumerate()
            .map(|(i, path)| file_sighting("/r", path, i as u32 + 1))
            .collect(),
    );
    cred.preview = nhi_model::Preview::reference(awkward[1]);
    cred.attributes = awkward
        .iter()
        .map(|text| (text.to_string(), text.to_string()))
        .collect();
    cred.external_id = Some(awkward[0].to_string());
    let mut finding = finding_for(&cred, awkward[0], Severity::Low);
    finding.evidence = vec![nhi_model::Evidence::new("context", awkward[2])];
    finding.title = awkward[3].to_string();
    let mut consumer = mcp_consumer(awkward[1], awkward[0], &cred);
    consumer.endpoint = Some(awkward[2].to_string());
    scan.credentials = vec![cred.clone()];
    scan.findings = vec![finding.clone()];
    scan.consumers = vec![consumer.clone()];
    scan.codeowners = vec![
        ("alpha".into(), Some(awkward[2].into())),
        ("Zeta".into(), Some(awkward[1].into())),
        ("émile".into(), Some("x".into())),
    ];
    scan.record_at(store, at(0)).unwrap();

    let mut got = stored(store, 40).credential;
    got.sightings.sort();
    cred.sightings.sort();
    assert_eq!(got, cred);
    let mut got = store.findings(&FindingFilter::default()).unwrap()[0]
        .finding
        .clone();
    got.sightings.sort();
    finding.sightings.sort();
    assert_eq!(got, finding);
    assert_eq!(store.consumers().unwrap(), [consumer]);
    // Binary (code-point) order, as SQLite compares text, whatever the server's locale.
    let roots: Vec<String> = store
        .codeowners()
        .unwrap()
        .into_iter()
        .map(|(root, _)| root)
        .collect();
    assert_eq!(roots, ["Zeta", "alpha", "émile"]);

    for id in ["b-2", "B-1", "a-3"] {
        store
            .suppress_finding(&FindingSuppression {
                finding_id: id.into(),
                reason: awkward[0].into(),
                expires: "2030-01-01".parse().unwrap(),
                created_at: at(1),
            })
            .unwrap();
    }
    let ids: Vec<String> = store
        .finding_suppressions()
        .unwrap()
        .into_iter()
        .map(|s| s.finding_id)
        .collect();
    assert_eq!(ids, ["B-1", "a-3", "b-2"]);
}

pub fn the_store_works_behind_a_trait_object(fresh: Fresh<'_>) {
    let mut store: Box<dyn InventoryStore> = fresh();
    first_scan().record_at(store.as_mut(), at(0)).unwrap();
    assert_eq!(
        store
            .credentials(&CredentialFilter::default())
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.scans(0).unwrap().len(), 0);
}

pub fn inventory_collections_replace_by_origin_and_merge_across_origins(fresh: Fresh<'_>) {
    let mut store = fresh();
    let now = at(0);
    store
        .record_inventory("scan:a", now, &collection(&["r1", "r2"]))
        .unwrap();
    store
        .record_inventory("collect:aws:1", at(5), &collection(&["r3"]))
        .unwrap();
    assert_eq!(store.inventory().unwrap().identities.len(), 3);
    // A new collection from the same origin replaces the old one: r2 is gone.
    store
        .record_inventory("scan:a", at(9), &collection(&["r1"]))
        .unwrap();
    let merged = store.inventory().unwrap();
    let names: Vec<&str> = merged
        .identities
        .values()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["r1", "r3"]);
    let collections = store.collections().unwrap();
    let rows: Vec<(&str, jiff::Timestamp, u64)> = collections
        .iter()
        .map(|c| (c.origin.as_str(), c.collected_at, c.identities))
        .collect();
    assert_eq!(rows, [("collect:aws:1", at(5), 1), ("scan:a", at(9), 1)]);
}

pub fn a_scan_records_its_exports_and_codeowners_with_it(fresh: Fresh<'_>) {
    use nhi_model::{Identity, IdentityKind, Inventory, InventoryBatch, Provenance};
    let mut store = fresh();
    let store = store.as_mut();
    let mut inventory = Inventory::default();
    inventory.merge(InventoryBatch {
        identities: vec![Identity::new(
            Provider::Gcp,
            IdentityKind::ServiceAccount,
            "sa@p.iam.gserviceaccount.com",
            "sa",
            Provenance::new("gcloud", "exports/sa.json", "[0]"),
        )],
        ..Default::default()
    });
    let mut scan = Scan::of(&["repo"]);
    scan.inventory = Some(inventory.clone());
    scan.codeowners = vec![("repo".into(), Some("* @acme/platform\n".into()))];
    scan.record_at(store, at(0)).unwrap();

    let collections = store.collections().unwrap();
    assert_eq!(collections.len(), 1);
    assert_eq!(collections[0].origin, crate::scan_origin(&["repo".into()]));
    assert_eq!(collections[0].identities, 1);
    assert_eq!(collections[0].collected_at, at(0));
    let mut expected = inventory;
    expected.normalize();
    assert_eq!(store.inventory().unwrap(), expected);
    assert_eq!(
        store.codeowners().unwrap(),
        [("repo".to_string(), "* @acme/platform\n".to_string())]
    );

    // The next scan of the same root without CODEOWNERS or exports clears both.
    let mut again = Scan::of(&["repo"]);
    again.inventory = Some(Inventory::default());
    again.codeowners = vec![("repo".into(), None)];
    again.record_at(store, at(10)).unwrap();
    assert!(store.codeowners().unwrap().is_empty());
    assert!(store.inventory().unwrap().identities.is_empty());
}

pub fn suppressions_are_kept_replaced_and_removed(fresh: Fresh<'_>) {
    let mut store = fresh();
    let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
    let suppression = FindingSuppression {
        finding_id: "NHI-I-0123456789abcdef".into(),
        reason: "break-glass key, reviewed quarterly".into(),
        expires: day("2027-03-31"),
        created_at: "2026-01-02T03:04:05.123456789Z".parse().unwrap(),
    };
    store.suppress_finding(&suppression).unwrap();
    let stored = store.finding_suppressions().unwrap();
    assert_eq!(stored, std::slice::from_ref(&suppression));
    assert!(stored[0].applies_on(day("2027-03-31")));
    assert!(!stored[0].applies_on(day("2027-04-01")));
    // A second suppression of the same finding replaces the first.
    store
        .suppress_finding(&FindingSuppression {
            reason: "extended".into(),
            expires: day("2027-06-30"),
            ..suppression.clone()
        })
        .unwrap();
    let stored = store.finding_suppressions().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].reason, "extended");
    assert_eq!(stored[0].expires, day("2027-06-30"));
    // An empty reason is refused by the schema itself, and changes nothing.
    assert!(
        store
            .suppress_finding(&FindingSuppression {
                finding_id: "NHI-x".into(),
                reason: "  ".into(),
                ..suppression.clone()
            })
            .is_err()
    );
    assert_eq!(store.finding_suppressions().unwrap().len(), 1);
    assert!(store.unsuppress_finding(&suppression.finding_id).unwrap());
    assert!(!store.unsuppress_finding(&suppression.finding_id).unwrap());
    assert!(store.finding_suppressions().unwrap().is_empty());
}

pub fn a_checkpoint_round_trips_and_alerts_upsert_by_id(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    assert_eq!(store.monitor_checkpoint("default").unwrap(), None);
    commit(
        store,
        "default",
        &[
            alert(
                "a",
                Severity::High,
                "arn:aws:iam::1:role/ci",
                "2026-11-01T10:00:00Z",
                "2026-11-01T10:05:00Z",
            ),
            alert(
                "b",
                Severity::Info,
                "arn:aws:iam::1:user/bot",
                "2026-11-01T09:00:00Z",
                "2026-11-01T09:00:00Z",
            ),
        ],
        "{\"v\":1}",
        "[{\"path\":\"/logs/a.json\",\"offset\":10}]",
    );
    // The same alert again, later: its span widens, the count is the newest.
    let mut again = alert(
        "a",
        Severity::Critical,
        "arn:aws:iam::1:role/ci",
        "2026-11-01T10:02:00Z",
        "2026-11-01T11:00:00Z",
    );
    again.event_count = 7;
    commit(store, "default", &[again], "{\"v\":2}", "[]");

    assert_eq!(
        store.monitor_checkpoint("default").unwrap(),
        Some(("{\"v\":2}".to_string(), "[]".to_string()))
    );
    assert_eq!(store.monitor_checkpoint("other").unwrap(), None);
    let all = store.alerts(&AlertFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let a = &all[0];
    assert_eq!(a.id, "a", "newest last_seen first");
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.first_seen, Some("2026-11-01T10:00:00Z".parse().unwrap()));
    assert_eq!(a.last_seen, Some("2026-11-01T11:00:00Z".parse().unwrap()));
    assert_eq!(a.event_count, 7);
    assert_eq!(a.json, "{\"id\":\"a\"}");

    let high = store
        .alerts(&AlertFilter {
            min_severity: Some(Severity::High),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(high.len(), 1);
    let by_identity = store
        .alerts(&AlertFilter {
            identity: Some("arn:aws:iam::1:user/bot".into()),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(by_identity.len(), 1);
    assert_eq!(by_identity[0].id, "b");
    let by_detection = store
        .alerts(&AlertFilter {
            detection: Some("NHI-MON-001".into()),
            ..AlertFilter::default()
        })
        .unwrap();
    assert!(by_detection.is_empty());
    let recent = store
        .alerts(&AlertFilter {
            since: Some("2026-11-01T10:30:00Z".parse().unwrap()),
            limit: Some(5),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(
        recent.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
}

pub fn alerts_without_times_sort_last_and_limits_apply(fresh: Fresh<'_>) {
    let mut store = fresh();
    let store = store.as_mut();
    let mut timeless = alert(
        "c",
        Severity::Low,
        "x",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    );
    timeless.first_seen = None;
    timeless.last_seen = None;
    // A JSON body is kept as text, byte for byte (key order, spacing, escapes).
    timeless.json = "{ \"z\": 1, \"a\": \"\\u00e9\" }".into();
    let alerts = [
        timeless.clone(),
        alert(
            "b",
            Severity::Medium,
            "x",
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ),
        alert(
            "a",
            Severity::Medium,
            "x",
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ),
        alert(
            "d",
            Severity::High,
            "y",
            "2026-01-01T00:00:00Z",
            "2026-01-03T00:00:00Z",
        ),
    ];
    commit(store, "default", &alerts, "{}", "[]");
    let ids = |filter: AlertFilter| -> Vec<String> {
        store
            .alerts(&filter)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids(AlertFilter::default()), ["d", "a", "b", "c"]);
    assert_eq!(
        ids(AlertFilter {
            limit: Some(2),
            ..AlertFilter::default()
        }),
        ["d", "a"]
    );
    assert!(
        ids(AlertFilter {
            limit: Some(0),
            ..AlertFilter::default()
        })
        .is_empty()
    );
    // Paging happens in the store, in the same order, and the count ignores the page.
    assert_eq!(
        ids(AlertFilter {
            limit: Some(2),
            offset: Some(1),
            ..AlertFilter::default()
        }),
        ["a", "b"]
    );
    assert_eq!(
        ids(AlertFilter {
            offset: Some(3),
            ..AlertFilter::default()
        }),
        ["c"]
    );
    assert!(
        ids(AlertFilter {
            offset: Some(9),
            ..AlertFilter::default()
        })
        .is_empty()
    );
    assert_eq!(store.alert_count(&AlertFilter::default()).unwrap(), 4);
    assert_eq!(
        store
            .alert_count(&AlertFilter {
                min_severity: Some(Severity::Medium),
                since: Some("2026-01-02T00:00:00Z".parse().unwrap()),
                limit: Some(1),
                offset: Some(1),
                ..AlertFilter::default()
            })
            .unwrap(),
        3
    );
    assert_eq!(
        ids(AlertFilter {
            min_severity: Some(Severity::Medium),
            since: Some("2026-01-02T00:00:00Z".parse().unwrap()),
            ..AlertFilter::default()
        }),
        ["d", "a", "b"]
    );
    let stored = store.alerts(&AlertFilter::default()).unwrap();
    assert_eq!(stored[3], timeless);

    // An update without times keeps the stored span.
    let mut update = alerts[3].clone();
    update.first_seen = None;
    update.last_seen = None;
    update.event_count = 3;
    commit(store, "default", &[update], "{}", "[]");
    let d = store.alerts(&AlertFilter::default()).unwrap().remove(0);
    assert_eq!((d.id.as_str(), d.event_count), ("d", 3));
    assert_eq!(d.last_seen, alerts[3].last_seen);
    assert_eq!(d.first_seen, alerts[3].first_seen);
}

pub fn a_dump_loads_into_a_fresh_store_with_equal_results(fresh: Fresh<'_>) {
    let mut source = fresh();
    populate(source.as_mut());
    let dump = source.export_dump().unwrap();
    assert_eq!(dump.format, crate::DUMP_FORMAT);
    for (table, rows) in dump.row_counts() {
        assert!(rows > 0, "{table} is empty in the populated store");
    }
    // Gone sightings and resolved rows are part of it.
    assert!(dump.sightings.iter().any(|s| s.gone_at.is_some()));
    assert!(dump.consumers.iter().any(|c| c.status == "active"));
    assert!(dump.findings.iter().any(|f| f.status == "resolved"));

    let mut target = fresh();
    target.import_dump(&dump, ImportMode::RequireEmpty).unwrap();
    assert_eq!(target.export_dump().unwrap(), dump);
    assert_eq!(snapshot(target.as_ref()), snapshot(source.as_ref()));

    // A dump survives being written out as JSON (how a file-based move would carry it).
    let text = serde_json::to_string(&dump).unwrap();
    let read: crate::StoreDump = serde_json::from_str(&text).unwrap();
    assert_eq!(read, dump);
}

pub fn a_loaded_store_carries_on_where_the_source_left_off(fresh: Fresh<'_>) {
    let mut source = fresh();
    populate(source.as_mut());
    let mut target = fresh();
    target
        .import_dump(&source.export_dump().unwrap(), ImportMode::RequireEmpty)
        .unwrap();

    // The same next scan on both: same scan id, same resolutions.
    let mut next = Scan::of(&["/other"]);
    next.credentials = vec![credential(
        12,
        Provider::Anthropic,
        vec![file_sighting("/other", "new.env", 4)],
    )];
    let a = next.record_at(source.as_mut(), at(300)).unwrap();
    let b = next.record_at(target.as_mut(), at(300)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.resolved, 1, "the Stripe key under /other is gone");
    let alerts = [alert(
        "e",
        Severity::Critical,
        "z",
        "2026-12-01T00:00:00Z",
        "2026-12-01T00:00:01Z",
    )];
    commit(source.as_mut(), "default", &alerts, "{\"v\":3}", "[]");
    commit(target.as_mut(), "default", &alerts, "{\"v\":3}", "[]");
    assert_eq!(snapshot(target.as_ref()), snapshot(source.as_ref()));
    assert_eq!(target.export_dump().unwrap(), source.export_dump().unwrap());
}

pub fn a_non_empty_target_is_refused_unless_replacing(fresh: Fresh<'_>) {
    let mut source = fresh();
    populate(source.as_mut());
    let dump = source.export_dump().unwrap();

    let mut target = fresh();
    target
        .suppress_finding(&FindingSuppression {
            finding_id: "NHI-I-ffff".into(),
            reason: "already here".into(),
            expires: "2030-01-01".parse().unwrap(),
            created_at: at(0),
        })
        .unwrap();
    let before = target.export_dump().unwrap();
    let err = target
        .import_dump(&dump, ImportMode::RequireEmpty)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TargetNotEmpty {
                table: "finding_suppressions",
                rows: 1
            }
        ),
        "{err}"
    );
    assert_eq!(target.export_dump().unwrap(), before);

    target.import_dump(&dump, ImportMode::Replace).unwrap();
    assert_eq!(target.export_dump().unwrap(), dump);
    assert_eq!(snapshot(target.as_ref()), snapshot(source.as_ref()));

    // Replacing with an empty dump empties the store.
    target
        .import_dump(&crate::StoreDump::new(), ImportMode::Replace)
        .unwrap();
    assert_eq!(target.export_dump().unwrap(), crate::StoreDump::new());
}

pub fn a_failing_load_leaves_no_trace(fresh: Fresh<'_>) {
    let mut source = fresh();
    populate(source.as_mut());
    let dump = source.export_dump().unwrap();

    // A finding whose credential is not in the dump violates a foreign key, after
    // scans, credentials and sightings were already inserted.
    let mut broken = dump.clone();
    broken.findings[0].credential_id = "cred-missing".into();
    let mut target = fresh();
    assert!(
        target
            .import_dump(&broken, ImportMode::RequireEmpty)
            .is_err()
    );
    assert_eq!(target.export_dump().unwrap(), crate::StoreDump::new());

    // Replace mode rolls back its deletions too.
    let mut other = fresh();
    first_scan().record_at(other.as_mut(), at(0)).unwrap();
    let before = other.export_dump().unwrap();
    assert!(other.import_dump(&broken, ImportMode::Replace).is_err());
    assert_eq!(other.export_dump().unwrap(), before);

    // A dump from another format is refused before anything is touched.
    let mut future = dump;
    future.format = crate::DUMP_FORMAT + 1;
    let err = target
        .import_dump(&future, ImportMode::RequireEmpty)
        .unwrap_err();
    assert!(matches!(err, StoreError::DumpFormat { .. }), "{err}");

    // The target still loads a good dump afterwards.
    target
        .import_dump(&source.export_dump().unwrap(), ImportMode::RequireEmpty)
        .unwrap();
    assert_eq!(snapshot(target.as_ref()), snapshot(source.as_ref()));
}

pub mod fixtures {
    //! Builders for test data. Fingerprints are made-up hex; no value here is a real
    //! secret.

    use std::collections::BTreeMap;

    use nhi_model::{
        Confidence, Consumer, ConsumerKind, Credential, CredentialId, CredentialKind,
        CredentialStatus, CredentialUse, CredentialValue, Evidence, Finding, FindingId,
        Fingerprint, OwaspNhi, Preview, Provider, ScanSummary, Severity, Sighting, SourceKind,
    };

    use crate::{InventoryStore, ScanOutcome, ScanRecord, StoreError};

    /// A distinct valid fingerprint per `n` whose 16-character short form differs too (the
    /// credential id is derived from it).
    pub fn fingerprint(n: u64) -> Fingerprint {
        Fingerprint::from_hex(format!("{n:016x}").repeat(4)).expect("64 hex characters")
    }

    pub fn at(seconds: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_750_000_000 + seconds).expect("in range")
    }

    pub fn file_sighting(root: &str, path: &str, line: u32) -> Sighting {
        Sighting {
            source: SourceKind::File,
            path: path.to_string(),
            line,
            column: 7,
            commit: None,
            blob: None,
            author: None,
            date: None,
            root: root.to_string(),
        }
    }

    pub fn history_sighting(root: &str, path: &str, commit: &str) -> Sighting {
        Sighting {
            source: SourceKind::GitHistory,
            path: path.to_string(),
            line: 2,
            column: 1,
            commit: Some(commit.to_string()),
            blob: Some(format!("blob-{commit}")),
            author: Some("Dev Eloper <dev@example.com>".to_string()),
            date: Some("2024-03-01T10:00:00Z".to_string()),
            root: root.to_string(),
        }
    }

    pub fn credential(n: u64, provider: Provider, sightings: Vec<Sighting>) -> Credential {
        let fingerprint = fingerprint(n);
        Credential {
            id: CredentialId::for_fingerprint(&fingerprint),
            fingerprint,
            kind: CredentialKind::ApiKey,
            provider,
            preview: Preview::reference(&format!("sk-…{n:04}")),
            external_id: Some(format!("key-{n}")),
            attributes: BTreeMap::from([("project".to_string(), format!("p{n}"))]),
            status: CredentialStatus::Active,
            sightings,
        }
    }

    pub fn finding_for(credential: &Credential, rule: &str, severity: Severity) -> Finding {
        Finding {
            id: FindingId::new(rule, &credential.fingerprint),
            rule: rule.to_string(),
            title: format!("{} key in source", credential.provider),
            severity,
            confidence: Confidence::High,
            owasp: OwaspNhi::Nhi2,
            provider: credential.provider,
            kind: credential.kind,
            fingerprint: credential.fingerprint.clone(),
            preview: credential.preview.clone(),
            external_id: credential.external_id.clone(),
            history_only: false,
            evidence: vec![Evidence::new("prefix", "sk-")],
            fix: "Rotate the key and load it from a secret manager.".to_string(),
            sightings: credential.sightings.clone(),
            references: BTreeMap::from([("cwe".to_string(), vec!["CWE-798".to_string()])]),
        }
    }

    pub fn mcp_consumer(path: &str, name: &str, credential: &Credential) -> Consumer {
        Consumer {
            id: Consumer::make_id(ConsumerKind::McpServer, path, name),
            kind: ConsumerKind::McpServer,
            tool: "claude_desktop".to_string(),
            name: name.to_string(),
            path: path.to_string(),
            root: credential
                .sightings
                .first()
                .map(|s| s.root.clone())
                .unwrap_or_default(),
            line: 4,
            endpoint: Some("npx -y @example/server".to_string()),
            credentials: vec![
                CredentialUse {
                    carrier: "env:OPENAI_API_KEY".to_string(),
                    value: CredentialValue::Literal {
                        fingerprint: credential.fingerprint.clone(),
                        preview: credential.preview.clone(),
                    },
                    line: 6,
                },
                CredentialUse {
                    carrier: "env:GITHUB_TOKEN".to_string(),
                    value: CredentialValue::Reference {
                        reference: "${GITHUB_TOKEN}".to_string(),
                    },
                    line: 7,
                },
            ],
            attributes: BTreeMap::from([("transport".to_string(), "stdio".to_string())]),
        }
    }

    /// Everything one scan hands to the store, owned so tests can build it up.
    #[derive(Default)]
    pub struct Scan {
        pub roots: Vec<String>,
        pub summary: ScanSummary,
        pub credentials: Vec<Credential>,
        pub findings: Vec<Finding>,
        pub consumers: Vec<Consumer>,
        pub inventory: Option<nhi_model::Inventory>,
        pub codeowners: Vec<(String, Option<String>)>,
    }

    impl Scan {
        pub fn of(roots: &[&str]) -> Self {
            let roots: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
            Scan {
                summary: ScanSummary {
                    roots: roots.clone(),
                    ..ScanSummary::default()
                },
                roots,
                ..Scan::default()
            }
        }

        pub fn record_at(
            &self,
            store: &mut dyn InventoryStore,
            finished: jiff::Timestamp,
        ) -> Result<ScanOutcome, StoreError> {
            store.record_scan(&ScanRecord {
                started_at: finished - jiff::SignedDuration::from_secs(3),
                finished_at: finished,
                roots: &self.roots,
                summary: &self.summary,
                credentials: &self.credentials,
                findings: &self.findings,
                consumers: &self.consumers,
                inventory: self.inventory.as_ref(),
                codeowners: &self.codeowners,
            })
        }
    }
}
