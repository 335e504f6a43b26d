//! A database per test on the server `NHI_TEST_PG_URL` names (see scripts/pg.sh), so
//! tests run in parallel without seeing each other's rows or locks. Without the variable
//! the tests skip with a message, unless `NHI_REQUIRE_PG=1` makes that a failure.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use nhi_store::InventoryStore;
use nhi_store_pg::PgStore;

/// The admin connection string, or `None` (after saying why) when the tests should skip.
pub fn server() -> Option<String> {
    match std::env::var("NHI_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("NHI_REQUIRE_PG").as_deref() == Ok("1") {
                panic!(
                    "NHI_REQUIRE_PG=1 but NHI_TEST_PG_URL is not set; run eval \"$(scripts/pg.sh start)\""
                );
            }
            eprintln!(
                "skipping: NHI_TEST_PG_URL is not set (eval \"$(scripts/pg.sh start)\" starts a server)"
            );
            None
        }
    }
}

/// A fresh, uniquely named database, dropped again with the value.
pub struct TestDb {
    admin: String,
    pub name: String,
}

impl TestDb {
    pub fn create(admin: &str) -> TestDb {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "nhi_t_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client =
            postgres::Client::connect(admin, postgres::NoTls).expect("connect to NHI_TEST_PG_URL");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        TestDb {
            admin: admin.to_string(),
            name,
        }
    }

    /// The connection configuration of this database.
    pub fn config(&self) -> postgres::Config {
        let mut config: postgres::Config = self.admin.parse().expect("NHI_TEST_PG_URL parses");
        config.dbname(&self.name);
        config
    }

    /// A raw client on this database, for what the trait cannot do (corrupting a row).
    pub fn client(&self) -> postgres::Client {
        self.config()
            .connect(postgres::NoTls)
            .expect("connect to the test database")
    }

    pub fn store(&self) -> PgStore {
        PgStore::with_config(self.config()).expect("open the PostgreSQL store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: FORCE ends the store's pooled connections (PostgreSQL 13+).
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Runs a conformance test with a factory of fresh PostgreSQL stores, each in its own
/// database; skips when there is no server.
pub fn pg(test: nhi_store::conformance::Test) {
    let Some(admin) = server() else { return };
    let mut databases = Vec::new();
    test(&mut || {
        let db = TestDb::create(&admin);
        let store = db.store();
        databases.push(db);
        Box::new(store) as Box<dyn InventoryStore>
    });
}

/// As [`pg`], for the server tables' suite.
pub fn pg_server(test: nhi_store::conformance_server::Test) {
    let Some(admin) = server() else { return };
    let mut databases = Vec::new();
    test(&mut || {
        let db = TestDb::create(&admin);
        let store = db.store();
        databases.push(db);
        Box::new(store) as Box<dyn nhi_store::Backend>
    });
}
