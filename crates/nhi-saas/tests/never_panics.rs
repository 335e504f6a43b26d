//! Arbitrary input never panics `sniff` or `ingest`, including mutations of the real
//! fixtures (which reach the deeper mapping code that random bytes never get to).

use nhi_saas::{ExportKind, ingest, ingest_as, sniff};
use proptest::prelude::*;

const FIXTURES: &[&str] = &[
    include_str!("fixtures/openai_project_api_keys.json"),
    include_str!("fixtures/openai_admin_api_keys.json"),
    include_str!("fixtures/openai_project_service_accounts.json"),
    include_str!("fixtures/anthropic_api_keys.json"),
    include_str!("fixtures/anthropic_users.json"),
    include_str!("fixtures/okta_users.json"),
    include_str!("fixtures/people.csv"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
        for kind in ExportKind::ALL {
            let _ = ingest_as(*kind, "fuzz", &bytes);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        cut in 0usize..6000,
        splice in proptest::collection::vec(any::<u8>(), 0..24),
        at in 0usize..6000,
    ) {
        let mut bytes = FIXTURES[which].as_bytes().to_vec();
        let at = at.min(bytes.len());
        bytes.splice(at..at, splice);
        bytes.truncate(cut.max(1));
        let _ = sniff(&bytes);
        let _ = ingest("fuzz", &bytes);
    }

    #[test]
    fn json_values_of_any_type_in_any_field_never_panic(
        which in 0..FIXTURES.len() - 1,
        replacement in prop_oneof![
            Just("null"), Just("7"), Just("-1e999"), Just("[]"), Just("{}"), Just("\"\""),
            Just("true"), Just("99999999999999999999"), Just("\"\\u00e9\u{1F600}\""),
        ],
        nth in 0usize..40,
    ) {
        // Replace the nth string value with a value of another type.
        let text = FIXTURES[which];
        let mut seen = 0;
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(": \"") {
            let (head, tail) = rest.split_at(i + 2);
            out.push_str(head);
            let Some(end) = tail[1..].find('"') else { out.push_str(tail); rest = ""; break; };
            if seen == nth {
                out.push_str(replacement);
            } else {
                out.push_str(&tail[..end + 2]);
            }
            seen += 1;
            rest = &tail[end + 2..];
        }
        out.push_str(rest);
        let _ = ingest("fuzz", out.as_bytes());
    }
}
