mod common;

use common::*;
use nhi_model::{CredentialStatus, Provider, Severity, SkipReason, Warning};
use nhi_store::{
    CredentialFilter, FindingFilter, InventoryStore, SqliteStore, StoreError, StoredCredential,
};

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

/// Two credentials (one seen twice), two findings and one consumer under one root.
fn first_scan() -> Scan {
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

#[test]
fn a_recorded_scan_reads_back_equal() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let scan = first_scan();
    let outcome = scan.record_at(&mut store, at(0)).unwrap();
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

#[test]
fn a_rescan_resolves_what_is_gone_and_revives_what_returns() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let full = first_scan();
    full.record_at(&mut store, at(0)).unwrap();

    // Second scan of the same root: the GitHub token is gone.
    let mut without_github = Scan::of(&["/repo"]);
    without_github.credentials = vec![full.credentials[0].clone()];
    without_github.findings = vec![full.findings[0].clone()];
    without_github.consumers = full.consumers.clone();
    let outcome = without_github.record_at(&mut store, at(100)).unwrap();
    assert_eq!(
        (
            outcome.new_credentials,
            outcome.seen_again,
            outcome.resolved
        ),
        (0, 1, 1)
    );

    let github = stored(&store, 2);
    assert_eq!(github.credential.status, CredentialStatus::Resolved);
    assert_eq!(github.resolved_at, Some(at(100)));
    assert_eq!(github.last_seen, at(0));
    let openai = stored(&store, 1);
    assert_eq!(openai.credential.status, CredentialStatus::Active);
    assert_eq!((openai.first_seen, openai.last_seen), (at(0), at(100)));
    assert_eq!(openai.resolved_at, None);

    let findings = store.findings(&FindingFilter::default()).unwrap();
    let status = |rule: &str| {
        findings
            .iter()
            .find(|f| f.finding.rule == rule)
            .map(|f| f.status.clone())
            .unwrap()
    };
    assert_eq!(status("github-classic-pat"), "resolved");
    assert_eq!(status("openai-api-key"), "open");

    let resolved_only = CredentialFilter {
        status: Some(CredentialStatus::Resolved),
        ..CredentialFilter::default()
    };
    let resolved = store.credentials(&resolved_only).unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].credential.fingerprint, fingerprint(2));

    // Third scan: it is back.
    let outcome = full.record_at(&mut store, at(200)).unwrap();
    assert_eq!(
        (
            outcome.new_credentials,
            outcome.seen_again,
            outcome.resolved
        ),
        (0, 2, 0)
    );
    let github = stored(&store, 2);
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

#[test]
fn a_rescan_of_another_root_leaves_the_first_root_alone() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();

    let mut other = Scan::of(&["/other"]);
    other.credentials = vec![credential(
        3,
        Provider::Stripe,
        vec![file_sighting("/other", "app.py", 1)],
    )];
    let outcome = other.record_at(&mut store, at(50)).unwrap();
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
    let outcome = Scan::of(&["/other"]).record_at(&mut store, at(60)).unwrap();
    assert_eq!(outcome.resolved, 1);
    let all = store.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(status_of(&all, 3), CredentialStatus::Resolved);
    assert_eq!(status_of(&all, 1), CredentialStatus::Active);
    assert_eq!(status_of(&all, 2), CredentialStatus::Active);
}

#[test]
fn a_key_still_present_under_an_unscanned_root_stays_active() {
    let mut store = SqliteStore::open_in_memory().unwrap();
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
    both.record_at(&mut store, at(0)).unwrap();

    let outcome = Scan::of(&["/a"]).record_at(&mut store, at(10)).unwrap();
    assert_eq!(outcome.resolved, 0);
    assert_eq!(
        stored(&store, 5).credential.status,
        CredentialStatus::Active
    );
    assert_eq!(
        store.findings(&FindingFilter::default()).unwrap()[0].status,
        "open"
    );

    let outcome = Scan::of(&["/b"]).record_at(&mut store, at(20)).unwrap();
    assert_eq!(outcome.resolved, 1);
    assert_eq!(
        stored(&store, 5).credential.status,
        CredentialStatus::Resolved
    );
    assert_eq!(
        store.findings(&FindingFilter::default()).unwrap()[0].status,
        "resolved"
    );
}

#[test]
fn consumers_that_disappear_are_no_longer_listed() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();
    assert_eq!(store.consumers().unwrap().len(), 1);
    Scan::of(&["/repo"]).record_at(&mut store, at(10)).unwrap();
    assert!(store.consumers().unwrap().is_empty());
    first_scan().record_at(&mut store, at(20)).unwrap();
    assert_eq!(store.consumers().unwrap(), first_scan().consumers);
}

#[test]
fn a_sighting_without_a_root_in_a_single_root_scan_is_filed_under_that_root() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut scan = Scan::of(&["/repo"]);
    scan.credentials = vec![credential(
        7,
        Provider::Slack,
        vec![file_sighting("", "a.env", 1)],
    )];
    scan.record_at(&mut store, at(0)).unwrap();
    assert_eq!(stored(&store, 7).credential.sightings[0].root, "/repo");

    let outcome = Scan::of(&["/repo"]).record_at(&mut store, at(5)).unwrap();
    assert_eq!(outcome.resolved, 1);
}

#[test]
fn filters_select_by_provider_kind_severity_and_status() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();

    let github = CredentialFilter {
        provider: Some(Provider::Github),
        ..CredentialFilter::default()
    };
    let read = store.credentials(&github).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].credential.provider, Provider::Github);
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
}

#[test]
fn a_failing_scan_leaves_no_trace() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();
    let credentials_before = store.credentials(&CredentialFilter::default()).unwrap();
    let findings_before = store.findings(&FindingFilter::default()).unwrap();

    // A new credential and sighting are written, then a finding about a credential the
    // scan does not contain aborts the transaction; the resolution of the GitHub token
    // (absent from this scan) must not happen either.
    let mut broken = Scan::of(&["/repo"]);
    let fresh = credential(9, Provider::Npm, vec![file_sighting("/repo", ".npmrc", 1)]);
    let stranger = credential(10, Provider::Pypi, vec![]);
    broken.findings = vec![
        finding_for(&fresh, "npm-token", Severity::High),
        finding_for(&stranger, "pypi-token", Severity::High),
    ];
    broken.credentials = vec![first_scan().credentials[0].clone(), fresh];
    let err = broken.record_at(&mut store, at(100)).unwrap_err();
    assert!(
        matches!(&err, StoreError::DanglingFinding { credential_fingerprint, .. }
            if *credential_fingerprint == fingerprint(10).short()),
        "{err}"
    );

    assert_eq!(
        store.credentials(&CredentialFilter::default()).unwrap(),
        credentials_before
    );
    assert_eq!(
        store.findings(&FindingFilter::default()).unwrap(),
        findings_before
    );
    assert_eq!(store.scans(10).unwrap().len(), 1);

    // The store is still usable afterwards.
    let outcome = first_scan().record_at(&mut store, at(200)).unwrap();
    assert_eq!(outcome.seen_again, 2);
}

#[test]
fn a_bad_enum_value_read_back_is_an_error_naming_table_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut store = SqliteStore::open(&path).unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();

    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE credentials SET provider = 'not-a-provider' WHERE fingerprint = ?1",
        [fingerprint(2).as_str()],
    )
    .unwrap();
    let err = store.credentials(&CredentialFilter::default()).unwrap_err();
    match &err {
        StoreError::Corrupt { table, column, .. } => {
            assert_eq!((*table, *column), ("credentials", "provider"));
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    assert!(err.to_string().contains("credentials.provider"), "{err}");

    raw.execute("UPDATE sightings SET line = -1", []).unwrap();
    let err = store.findings(&FindingFilter::default()).unwrap_err();
    assert!(err.to_string().contains("sightings.line"), "{err}");
}

#[test]
fn the_store_works_behind_a_trait_object() {
    let mut store: Box<dyn InventoryStore> = Box::new(SqliteStore::open_in_memory().unwrap());
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
