//! SQLite-specific recording behaviour. The backend-neutral behaviour of `record_scan`
//! and the queries is in the conformance suite (`nhi_store::conformance`), run by
//! `tests/conformance.rs`.

mod common;

use common::*;
use nhi_store::conformance::first_scan;
use nhi_store::{CredentialFilter, FindingFilter, InventoryStore, SqliteStore, StoreError};

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
