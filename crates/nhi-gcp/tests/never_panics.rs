//! `sniff` and `ingest` read user-supplied files: no input may panic them.

use nhi_gcp::{ingest, sniff};
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                seeds.push(bytes);
            }
        }
    }
    seeds.sort();
    seeds
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
    }

    /// Mutating real fixtures reaches much deeper than random bytes do.
    #[test]
    fn mutated_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let mut bytes = pick.get(&seeds).clone();
        if !bytes.is_empty() {
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
    }

    /// Arbitrary strings in every field a mapping reads must not panic either.
    #[test]
    fn arbitrary_field_values_never_panic(
        name in ".{0,80}",
        member in ".{0,80}",
        time in ".{0,40}",
        file in ".{0,60}",
    ) {
        let keys = serde_json::json!([{ "name": name, "validAfterTime": time,
                                         "validBeforeTime": time, "keyType": "USER_MANAGED" }]);
        let _ = ingest(&file, keys.to_string().as_bytes());
        let accounts = serde_json::json!([{ "name": name, "email": member, "uniqueId": "1" }]);
        let _ = ingest(&file, accounts.to_string().as_bytes());
        let policy = serde_json::json!({ "bindings": [{ "role": "roles/iam.workloadIdentityUser",
                                          "members": [member] }], "resource": name });
        let _ = ingest(&file, policy.to_string().as_bytes());
    }
}
