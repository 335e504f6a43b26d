//! `sniff` and `ingest` read user-supplied files: no input may panic them.

use nhi_k8s::{ingest, sniff};
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
    seeds
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
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
