//! What only the PostgreSQL backend has to show: its migrations (checksums, refusals,
//! two processes migrating at once), the schema it reaches compared with SQLite's, the
//! SQLite -> PostgreSQL -> SQLite move, concurrent writers, corrupt rows, and text
//! PostgreSQL cannot hold.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use nhi_store::conformance::{first_scan, fixtures::*, populate, snapshot};
use nhi_store::{
    CredentialFilter, FindingFilter, ImportMode, InventoryStore, SqliteStore, StoreError,
    copy_store,
};
use nhi_store_pg::PgStore;
use support::{TestDb, server};

#[test]
fn a_fresh_database_reaches_the_latest_version_and_reopening_is_idempotent() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    let latest = PgStore::latest_schema_version();
    assert_eq!(latest, SqliteStore::latest_schema_version());
    let mut store = db.store();
    assert_eq!(store.schema_version().unwrap(), latest);
    let mut scan = Scan::of(&["/r"]);
    scan.credentials = vec![credential(1, nhi_model::Provider::Openai, vec![])];
    scan.record_at(&mut store, at(0)).unwrap();
    drop(store);

    for _ in 0..2 {
        let store = db.store();
        assert_eq!(store.schema_version().unwrap(), latest);
        assert_eq!(
            store
                .credentials(&CredentialFilter::default())
                .unwrap()
                .len(),
            1
        );
    }
    let row = db
        .client()
        .query_one(
            "SELECT COUNT(*), (SELECT name FROM schema_migrations WHERE version = 1),
                    MIN(checksum), MIN(applied_at)
             FROM schema_migrations",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), i64::from(latest));
    assert_eq!(row.get::<_, String>(1), "init");
    assert_eq!(row.get::<_, String>(2).len(), 64);
    let applied_at: String = row.get(3);
    assert!(
        applied_at.parse::<jiff::Timestamp>().is_ok(),
        "{applied_at}"
    );
}

#[test]
fn a_tampered_migration_checksum_is_refused() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    drop(db.store());
    db.client()
        .execute(
            "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1",
            &[],
        )
        .unwrap();
    let err = PgStore::with_config(db.config()).unwrap_err();
    match &err {
        StoreError::MigrationChecksumMismatch {
            version, recorded, ..
        } => assert_eq!((*version, recorded.as_str()), (1, "deadbeef")),
        other => panic!("expected a checksum mismatch, got {other}"),
    }
    assert!(err.to_string().contains("V1__init"), "{err}");
}

#[test]
fn a_database_from_a_newer_build_or_an_unknown_migration_is_refused_untouched() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    drop(db.store());
    let mut raw = db.client();
    raw.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at)
         VALUES (99, 'from_the_future', 'x', '2030-01-01T00:00:00Z')",
        &[],
    )
    .unwrap();
    let err = PgStore::with_config(db.config()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, known } if known == PgStore::latest_schema_version()),
        "{err}"
    );
    let count: i64 = raw
        .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, i64::from(PgStore::latest_schema_version()) + 1);

    // A gap this build does not know (V0) is refused too.
    raw.batch_execute(
        "DELETE FROM schema_migrations WHERE version = 99;
         INSERT INTO schema_migrations VALUES (0, 'zero', 'x', '2020-01-01T00:00:00Z')",
    )
    .unwrap();
    let err = PgStore::with_config(db.config()).unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownMigration { version: 0, name } if name == "zero"),
        "{err}"
    );
}

#[test]
fn processes_migrating_one_database_at_once_apply_each_migration_once() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    let config = db.config();
    let barrier = std::sync::Barrier::new(6);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    PgStore::with_config(config.clone()).map(|s| s.schema_version())
                })
            })
            .collect();
        for handle in handles {
            let version = handle.join().unwrap().unwrap().unwrap();
            assert_eq!(version, PgStore::latest_schema_version());
        }
    });
    let rows = db
        .client()
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap();
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    let every: Vec<i64> = (1..=i64::from(PgStore::latest_schema_version())).collect();
    assert_eq!(versions, every);
}

#[test]
fn concurrent_writers_are_serialised_and_number_scans_without_gaps() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    drop(db.store());
    std::thread::scope(|scope| {
        for worker in 0..4u64 {
            let config = db.config();
            scope.spawn(move || {
                let mut store = PgStore::with_config(config).unwrap();
                for i in 0..5u64 {
                    let root = format!("/w{worker}");
                    let mut scan = Scan::of(&[root.as_str()]);
                    scan.credentials = vec![credential(
                        100 + worker * 10 + i,
                        nhi_model::Provider::Github,
                        vec![file_sighting(&root, "a.env", 1)],
                    )];
                    scan.record_at(&mut store, at(i as i64)).unwrap();
                }
            });
        }
    });
    let store = db.store();
    let ids: Vec<i64> = store.scans(100).unwrap().iter().map(|s| s.id).collect();
    assert_eq!(ids, (1..=20).rev().collect::<Vec<i64>>());
    // Each worker's last scan resolved its previous key: 4 active, 16 resolved.
    let active = store
        .credentials(&CredentialFilter {
            status: Some(nhi_model::CredentialStatus::Active),
            ..CredentialFilter::default()
        })
        .unwrap();
    assert_eq!(active.len(), 4);
}

#[test]
fn one_store_serves_reads_from_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PgStore>();
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    let mut store = db.store();
    populate(&mut store);
    let expected = snapshot(&store);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(snapshot(&store), expected);
                }
            });
        }
    });
}

#[test]
fn a_bad_value_read_back_is_an_error_naming_table_and_column() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    let mut store = db.store();
    first_scan().record_at(&mut store, at(0)).unwrap();
    let mut raw = db.client();
    raw.execute(
        "UPDATE credentials SET provider = 'not-a-provider' WHERE fingerprint = $1",
        &[&fingerprint(2).as_str()],
    )
    .unwrap();
    let err = store.credentials(&CredentialFilter::default()).unwrap_err();
    match &err {
        StoreError::Corrupt { table, column, .. } => {
            assert_eq!((*table, *column), ("credentials", "provider"));
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    raw.execute("UPDATE sightings SET line = -1", &[]).unwrap();
    let err = store.findings(&FindingFilter::default()).unwrap_err();
    assert!(err.to_string().contains("sightings.line"), "{err}");
    raw.execute("UPDATE scans SET summary = '{'", &[]).unwrap();
    let err = store.scans(1).unwrap_err();
    assert!(err.to_string().contains("scans.summary"), "{err}");
}

#[test]
fn text_postgresql_cannot_hold_is_an_error_and_leaves_no_trace() {
    // PostgreSQL text cannot contain NUL, which SQLite stores. Paths and previews never
    // hold one in practice; the point is an error, not a panic or half a scan.
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    let mut store = db.store();
    let mut scan = Scan::of(&["/r"]);
    scan.credentials = vec![credential(
        1,
        nhi_model::Provider::Generic,
        vec![file_sighting("/r", "nul\0byte.env", 1)],
    )];
    let err = scan.record_at(&mut store, at(0)).unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err}");
    assert!(store.scans(10).unwrap().is_empty());
    assert!(
        store
            .credentials(&CredentialFilter::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_unreachable_server_is_an_error_without_the_password() {
    let err =
        PgStore::connect("postgres://nhi:sw0rdfish@127.0.0.1:1/nhi?connect_timeout=2").unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err}");
    assert!(!err.to_string().contains("sw0rdfish"), "{err}");
    let store_debug = format!(
        "{:?}",
        "postgres://nhi:sw0rdfish@x/db".parse::<postgres::Config>()
    );
    // The driver's own Debug redacts it too; PgStore prints host, port and database only.
    assert!(!store_debug.contains("sw0rdfish"), "{store_debug}");
}

#[test]
fn a_unix_socket_works_too() {
    let Some(admin) = server() else { return };
    let Ok(socket_dir) = std::env::var("NHI_TEST_PG_SOCKET_DIR") else {
        eprintln!("skipping: NHI_TEST_PG_SOCKET_DIR is not set");
        return;
    };
    let db = TestDb::create(&admin);
    let mut config = db.config();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    config.host_path(&socket_dir).port(port);
    let mut store = PgStore::with_config(config).unwrap();
    first_scan().record_at(&mut store, at(0)).unwrap();
    assert_eq!(store.scans(1).unwrap().len(), 1);
}

/// SQLite's tables and columns: (table, column) -> (not null, part of the primary key).
fn sqlite_schema() -> BTreeMap<(String, String), (bool, bool)> {
    let dir = std::env::temp_dir().join(format!("nhi-pg-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.db");
    let _ = std::fs::remove_file(&path);
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap();
    let tables: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut schema = BTreeMap::new();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!(
                // table_xinfo: table_info leaves out generated columns
                // (`last_used_order`, V6), which PostgreSQL lists like any other.
                "SELECT name, \"notnull\", pk, type FROM pragma_table_xinfo('{table}')"
            ))
            .unwrap();
        let columns: Vec<(String, bool, bool, String)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? == 1,
                    r.get::<_, i64>(2)? > 0,
                    r.get(3)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let single_pk = columns.iter().filter(|c| c.2).count() == 1;
        for (name, not_null, pk, ty) in columns {
            // SQLite lets a PRIMARY KEY column other than INTEGER PRIMARY KEY hold NULL
            // unless it says NOT NULL; PostgreSQL never does. Compare what they enforce
            // for the values the store writes: a key column is never NULL.
            let integer_key = single_pk && pk && ty.eq_ignore_ascii_case("INTEGER");
            schema.insert((table.clone(), name), (not_null || pk || integer_key, pk));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    schema
}

#[test]
fn both_backends_reach_the_same_schema() {
    let Some(admin) = server() else { return };
    let db = TestDb::create(&admin);
    drop(db.store());
    let rows = db
        .client()
        .query(
            "SELECT c.table_name::text, c.column_name::text, c.is_nullable = 'NO',
                    EXISTS (SELECT 1 FROM information_schema.table_constraints AS t
                            JOIN information_schema.key_column_usage AS k
                              ON k.constraint_name = t.constraint_name
                             AND k.table_schema = t.table_schema
                            WHERE t.constraint_type = 'PRIMARY KEY'
                              AND t.table_schema = c.table_schema
                              AND k.table_name = c.table_name
                              AND k.column_name = c.column_name)
             FROM information_schema.columns AS c
             WHERE c.table_schema = current_schema()",
            &[],
        )
        .unwrap();
    let mut pg = BTreeMap::new();
    for row in rows {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        // `rowid` is SQLite's implicit row number made explicit (first-recorded order).
        if column == "rowid" {
            assert!(
                ["credentials", "findings", "consumers"].contains(&table.as_str()),
                "{table}.rowid"
            );
            continue;
        }
        pg.insert(
            (table, column),
            (row.get::<_, bool>(2), row.get::<_, bool>(3)),
        );
    }
    let sqlite = sqlite_schema();
    let tables = |s: &BTreeMap<(String, String), (bool, bool)>| -> BTreeSet<String> {
        s.keys().map(|(t, _)| t.clone()).collect()
    };
    assert_eq!(tables(&pg), tables(&sqlite));
    assert_eq!(pg, sqlite);

    // And the migrations are twins: same versions and names, file for file.
    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        names.sort();
        names
    };
    let here = env!("CARGO_MANIFEST_DIR");
    assert_eq!(
        names(&format!("{here}/migrations")),
        names(&format!("{here}/../nhi-store/migrations/sqlite"))
    );
}

#[test]
fn sqlite_to_postgresql_to_sqlite_keeps_every_row_and_answer() {
    let Some(admin) = server() else { return };
    let mut sqlite = SqliteStore::open_in_memory().unwrap();
    populate(&mut sqlite);
    let original = sqlite.export_dump().unwrap();

    let db = TestDb::create(&admin);
    let mut pg = db.store();
    let counts = copy_store(&sqlite, &mut pg, ImportMode::RequireEmpty).unwrap();
    assert!(counts.iter().all(|(_, n)| *n > 0), "{counts:?}");
    assert_eq!(pg.export_dump().unwrap(), original);
    assert_eq!(snapshot(&pg), snapshot(&sqlite));

    let mut back = SqliteStore::open_in_memory().unwrap();
    copy_store(&pg, &mut back, ImportMode::RequireEmpty).unwrap();
    assert_eq!(back.export_dump().unwrap(), original);
    assert_eq!(snapshot(&back), snapshot(&sqlite));

    // A second move into the now non-empty PostgreSQL store is refused...
    let err = copy_store(&sqlite, &mut pg, ImportMode::RequireEmpty).unwrap_err();
    assert!(
        matches!(err, StoreError::TargetNotEmpty { table: "scans", .. }),
        "{err}"
    );
    // ...and all three go on the same way after the move.
    let mut next = Scan::of(&["/repo"]);
    next.credentials = vec![first_scan().credentials[1].clone()];
    let outcomes: Vec<_> = [&mut sqlite as &mut dyn InventoryStore, &mut pg, &mut back]
        .into_iter()
        .map(|store| next.record_at(store, at(500)).unwrap())
        .collect();
    assert_eq!(outcomes[0], outcomes[1]);
    assert_eq!(outcomes[0], outcomes[2]);
    assert_eq!(snapshot(&pg), snapshot(&sqlite));
    assert_eq!(snapshot(&back), snapshot(&sqlite));
}
