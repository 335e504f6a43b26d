mod common;

use common::*;
use nhi_store::{CredentialFilter, InventoryStore, SqliteStore, StoreError};

#[test]
fn a_fresh_database_reaches_the_latest_version_and_reopening_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let latest = SqliteStore::latest_schema_version();
    assert!(latest >= 1);

    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest);
    let mut scan = Scan::of(&["/r"]);
    scan.credentials = vec![credential(1, nhi_model::Provider::Openai, vec![])];
    scan.record_at(&mut store, at(0)).unwrap();
    drop(store);

    for _ in 0..2 {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest);
        assert_eq!(
            store
                .credentials(&CredentialFilter::default())
                .unwrap()
                .len(),
            1
        );
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let (rows, name, checksum, applied_at): (i64, String, String, String) = raw
        .query_row(
            "SELECT COUNT(*), (SELECT name FROM schema_migrations WHERE version = 1), MIN(checksum), MIN(applied_at) FROM schema_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(rows, i64::from(latest));
    assert_eq!(name, "init");
    assert_eq!(checksum.len(), 64);
    assert!(
        applied_at.parse::<jiff::Timestamp>().is_ok(),
        "{applied_at}"
    );
}

#[test]
fn an_in_memory_store_is_migrated_too() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
}

#[test]
fn a_tampered_migration_checksum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1",
            [],
        )
        .unwrap();

    let err = SqliteStore::open(&path).unwrap_err();
    match &err {
        StoreError::MigrationChecksumMismatch {
            version, recorded, ..
        } => assert_eq!((*version, recorded.as_str()), (1, "deadbeef")),
        other => panic!("expected a checksum mismatch, got {other}"),
    }
    assert!(err.to_string().contains("V1__init"), "{err}");
}

#[test]
fn a_database_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at)
         VALUES (99, 'from_the_future', 'x', '2030-01-01T00:00:00Z')",
        [],
    )
    .unwrap();

    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, known } if known == SqliteStore::latest_schema_version()),
        "{err}"
    );
    assert!(err.to_string().contains("99"), "{err}");
    let recorded: i64 = raw
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        recorded,
        i64::from(SqliteStore::latest_schema_version()) + 1
    );
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
    assert!(SqliteStore::open(&path).is_err());
}

#[test]
fn the_database_is_created_private_with_wal_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("deeper").join("nhi.db");
    let mut store = SqliteStore::open(&path).unwrap();
    Scan::of(&["/r"]).record_at(&mut store, at(0)).unwrap();

    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode_of =
            |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode_of(&path), 0o600);
        let wal = path.with_file_name("nhi.db-wal");
        assert!(wal.exists(), "WAL file present while the store is open");
        assert_eq!(mode_of(&wal), 0o600);
        assert_eq!(mode_of(path.parent().unwrap()), 0o700);
    }
}

#[test]
fn suppressions_are_kept_replaced_and_removed() {
    use nhi_store::{FindingSuppression, InventoryStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
    let suppression = FindingSuppression {
        finding_id: "NHI-I-0123456789abcdef".into(),
        reason: "break-glass key, reviewed quarterly".into(),
        expires: day("2027-03-31"),
        created_at: jiff::Timestamp::now(),
    };
    store.suppress_finding(&suppression).unwrap();
    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    let stored = store.finding_suppressions().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].reason, suppression.reason);
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
    assert_eq!(store.finding_suppressions().unwrap()[0].reason, "extended");
    // An empty reason is refused by the schema itself.
    assert!(
        store
            .suppress_finding(&FindingSuppression {
                finding_id: "NHI-x".into(),
                reason: "  ".into(),
                ..suppression.clone()
            })
            .is_err()
    );
    assert!(store.unsuppress_finding(&suppression.finding_id).unwrap());
    assert!(!store.unsuppress_finding(&suppression.finding_id).unwrap());
    assert!(store.finding_suppressions().unwrap().is_empty());
}
