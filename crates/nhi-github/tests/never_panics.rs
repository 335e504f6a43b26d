//! `sniff` and `ingest` read user-supplied files: no input may panic them.

use nhi_github::{ingest, sniff};
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
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
    }

    /// JSON-ish input built from the keys we look at reaches the mappers, which
    /// random bytes almost never do.
    #[test]
    fn arbitrary_json_with_our_keys_never_panics(
        keys in proptest::collection::vec(
            prop::sample::select(vec![
                "id", "token_id", "owner", "login", "installations", "secrets", "key",
                "read_only", "verified", "url", "permissions", "created_at", "suspended_at",
                "token_expires_at", "events", "account", "name", "visibility",
            ]),
            0..8,
        ),
        values in proptest::collection::vec(
            prop::sample::select(vec![
                "null", "true", "1", "-9223372036854775808", "\"2024-01-01T00:00:00Z\"",
                "\"x\"", "[]", "{}", "[{}]", "{\"login\":\"a\"}", "1e400", "\"\"",
                "[\"push\",1]", "{\"contents\":\"write\",\"x\":{}}",
            ]),
            8,
        ),
        wrap in 0u8..4,
    ) {
        let fields: Vec<String> = keys
            .iter()
            .zip(values.iter())
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        let object = format!("{{{}}}", fields.join(","));
        let text = match wrap {
            0 => object,
            1 => format!("[{object}]"),
            2 => format!("[{object}][{object}]"),
            _ => format!("{{\"total_count\":1,\"installations\":[{object}]}}"),
        };
        let _ = sniff(text.as_bytes());
        let _ = ingest("fuzz", text.as_bytes());
    }

    /// Mutating real fixtures reaches far deeper than random bytes do.
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
}
