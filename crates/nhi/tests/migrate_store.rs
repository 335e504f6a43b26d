//! `nhi migrate-store` and `--db postgres://…`: the scanned sample estate moved from
//! SQLite to PostgreSQL and back gives the same inventory, findings and report on every
//! store; a non-empty target is refused; the connection string's password never shows.

mod support;

use std::path::Path;

use support::{PgDb, migrate, nhi, sample_store, token};

fn run(args: &[&str], db: &Path) -> String {
    let out = nhi().args(args).arg("--db").arg(db).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "nhi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What a user sees from a store, in machine-readable form.
fn views(db: &Path) -> Vec<String> {
    vec![
        run(&["inventory", "--format", "json"], db),
        run(&["findings", "--format", "json"], db),
        run(&["report", "--format", "csv"], db),
        run(&["alerts", "--format", "json"], db),
    ]
}

#[test]
fn sqlite_to_postgresql_and_back_gives_the_same_answers() {
    let Some(pg) = PgDb::create() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sample_store(dir.path());
    // A token and an audit-worthy suppression, so access and the log move too.
    let admin = token(&sqlite, "admin");
    let first_finding = {
        let findings: serde_json::Value =
            serde_json::from_str(&run(&["findings", "--format", "json"], &sqlite)).unwrap();
        findings[0]["id"].as_str().unwrap().to_string()
    };
    let out = nhi()
        .args([
            "findings",
            "suppress",
            &first_finding,
            "--reason",
            "accepted for the test",
        ])
        .args([
            "--expires",
            &jiff::Zoned::now().date().tomorrow().unwrap().to_string(),
        ])
        .arg("--db")
        .arg(&sqlite)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = views(&sqlite);
    assert!(before[0].len() > 1000, "the inventory is not empty");

    // With a password in the URL (the test server trusts local connections, so any
    // password is accepted): it must not appear in anything nhi prints.
    let with_password = pg
        .url
        .replacen("://postgres@", "://postgres:Pw-n0t-to-show@", 1);
    assert_ne!(
        with_password, pg.url,
        "the test URL names the postgres user"
    );
    let pg_db = Path::new(&with_password);
    let summary = migrate(&sqlite, pg_db);
    assert!(summary.contains("api_tokens"), "{summary}");
    assert!(!summary.contains("Pw-n0t-to-show"), "{summary}");
    assert_eq!(views(pg_db), before);

    // The token made on SQLite is listed on PostgreSQL (stored as a digest only).
    let tokens = run(&["token", "list"], pg_db);
    let token_id = admin.split('_').nth(1).unwrap();
    assert!(tokens.contains(token_id), "{tokens}");
    assert!(
        // `nhit_<id>_<secret>`: the secret is base64url and may itself hold '_'.
        !tokens.contains(admin.splitn(3, '_').nth(2).unwrap()),
        "{tokens}"
    );

    // A second move into the now non-empty store is refused, naming the store without
    // its password, and leaves it as it was.
    let out = nhi()
        .args(["migrate-store", "--from"])
        .arg(&sqlite)
        .arg("--to")
        .arg(pg_db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--replace"), "{stderr}");
    assert!(!stderr.contains("Pw-n0t-to-show"), "{stderr}");
    assert_eq!(views(pg_db), before);

    // Back into a new SQLite file: the same again.
    let back = dir.path().join("back.db");
    migrate(pg_db, &back);
    assert_eq!(views(&back), before);

    // And a scan recorded straight into PostgreSQL works like one into SQLite.
    let again = nhi()
        .env("NHI_KEY_FILE", dir.path().join("key"))
        .args(["scan"])
        .arg(support::repo().join("examples/acme"))
        .args(["--format", "json", "--db"])
        .arg(pg_db)
        .output()
        .unwrap();
    assert!(again.status.code().is_some_and(|c| c <= 1));
    let ids = |json: &str| -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut ids: Vec<String> = value
            .as_array()
            .or_else(|| value["identities"].as_array())
            .expect("an array of identities")
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&views(pg_db)[0]),
        ids(&before[0]),
        "a rescan of the same estate finds the same identities"
    );
}

#[test]
fn an_unreachable_postgresql_is_a_clear_error_without_the_password() {
    let out = nhi()
        .args([
            "inventory",
            "--db",
            "postgres://nhi:Pw-n0t-to-show@127.0.0.1:1/nhi",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("postgres://127.0.0.1:1/nhi"), "{stderr}");
    assert!(!stderr.contains("Pw-n0t-to-show"), "{stderr}");
}
