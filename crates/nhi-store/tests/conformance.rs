//! The backend conformance suite (`nhi_store::conformance`) against SQLite: every test on
//! a fresh in-memory store. `nhi-store-pg` runs the same suite against PostgreSQL.

fn sqlite(test: nhi_store::conformance::Test) {
    test(&mut || Box::new(nhi_store::SqliteStore::open_in_memory().expect("in-memory store")));
}

nhi_store::conformance_tests!(sqlite);

/// The same suite on files in WAL mode, where reads and writes go through a real file.
mod on_disk {
    fn sqlite_file(test: nhi_store::conformance::Test) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut n = 0;
        test(&mut || {
            n += 1;
            let path = dir.path().join(format!("store-{n}.db"));
            Box::new(nhi_store::SqliteStore::open(&path).expect("file store"))
        });
    }

    nhi_store::conformance_tests!(sqlite_file);
}

/// The server tables' suite, on in-memory stores.
mod server {
    fn sqlite(test: nhi_store::conformance_server::Test) {
        test(&mut || Box::new(nhi_store::SqliteStore::open_in_memory().expect("in-memory store")));
    }

    nhi_store::server_conformance_tests!(sqlite);
}
