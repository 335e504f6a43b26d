//! `nhi scan` records into the embedded store: the same secret in two files is one
//! credential with two sightings, and a rescan keeps first_seen, bumps last_seen and
//! resolves what is gone.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use nhi_model::CredentialStatus;
use nhi_store::{CredentialFilter, InventoryStore, SqliteStore};

fn fake_line(rule: &str, seed: u64) -> String {
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    nhi_testkit::fake_secret(rule, &mut rng)
        .unwrap()
        .env_lines()
        .join("\n")
}

fn scan(root: &Path, db: &Path, key: &Path) {
    let out = Command::cargo_bin("nhi")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--fail-on", "never", "--no-history"])
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Piped, with nothing to warn about: no progress bar, nothing at all on stderr.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rescans_upsert_and_resolve() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("repo");
    fs::create_dir(&root).unwrap();
    let db = work.path().join("state/nhi.db");
    let key = work.path().join("fingerprint.key"); // created on first use

    let shared = fake_line("openai-project-key", 1);
    fs::write(root.join("a.env"), &shared).unwrap();
    fs::write(root.join("b.env"), &shared).unwrap();
    fs::write(root.join("c.env"), fake_line("github-classic-pat", 2)).unwrap();
    scan(&root, &db, &key);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode");
    }

    let store = SqliteStore::open(&db).unwrap();
    let creds = store.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(creds.len(), 2, "one credential per distinct secret");
    let openai = creds
        .iter()
        .find(|c| c.credential.provider == nhi_model::Provider::Openai)
        .unwrap();
    assert_eq!(
        openai.credential.sightings.len(),
        2,
        "same secret, two sightings"
    );
    let first_seen = openai.first_seen;
    drop(store);

    // The GitHub token is removed; the OpenAI key stays.
    fs::remove_file(root.join("c.env")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    scan(&root, &db, &key);

    let store = SqliteStore::open(&db).unwrap();
    let creds = store.credentials(&CredentialFilter::default()).unwrap();
    let openai = creds
        .iter()
        .find(|c| c.credential.provider == nhi_model::Provider::Openai)
        .unwrap();
    let github = creds
        .iter()
        .find(|c| c.credential.provider == nhi_model::Provider::Github)
        .unwrap();
    assert_eq!(openai.first_seen, first_seen, "first_seen is kept");
    assert!(openai.last_seen > first_seen, "last_seen moves on");
    assert_eq!(openai.credential.status, CredentialStatus::Active);
    assert_eq!(github.credential.status, CredentialStatus::Resolved);
    assert!(github.resolved_at.is_some());
    assert_eq!(store.scans(10).unwrap().len(), 2);
}
