//! Whatever text a scan reports (previews, paths, names: unicode, quotes, SQL-looking
//! strings, NULs) comes back from the store unchanged.

mod common;

use std::collections::BTreeMap;

use common::*;
use nhi_model::{Preview, Provider, Severity, Sighting, SourceKind};
use nhi_store::{CredentialFilter, FindingFilter, InventoryStore, SqliteStore};
use proptest::prelude::*;

fn awkward_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        Just("it's \"quoted\"; DROP TABLE credentials; --".to_string()),
        Just("日本語/ファイル 🔑.env".to_string()),
        Just(String::new()),
    ]
}

fn sighting() -> impl Strategy<Value = Sighting> {
    (
        awkward_text(),
        any::<u32>(),
        any::<u32>(),
        proptest::option::of(awkward_text()),
        prop::sample::select(SourceKind::ALL),
    )
        .prop_map(|(path, line, column, author, source)| Sighting {
            source,
            path,
            line,
            column,
            // An empty commit reads back as None (it is the "no commit" marker).
            commit: (source == SourceKind::GitHistory).then(|| "abc123".to_string()),
            blob: None,
            author,
            date: None,
            root: "/root".to_string(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn record_then_read_back_round_trips_text(
        preview in awkward_text(),
        sightings in prop::collection::btree_set(sighting(), 1..4),
        attribute in (awkward_text(), awkward_text()),
        evidence in awkward_text(),
        consumer_name in awkward_text(),
    ) {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let mut cred = credential(1, Provider::Generic, sightings.into_iter().collect());
        cred.preview = Preview::reference(&preview);
        cred.attributes = BTreeMap::from([attribute]);
        let mut finding = finding_for(&cred, "generic-secret", Severity::Low);
        finding.evidence = vec![nhi_model::Evidence::new("context", evidence)];
        let mut consumer = mcp_consumer(&cred.sightings[0].path, &consumer_name, &cred);
        consumer.endpoint = Some(preview.clone());

        let mut scan = Scan::of(&["/root"]);
        scan.credentials = vec![cred.clone()];
        scan.findings = vec![finding.clone()];
        scan.consumers = vec![consumer.clone()];
        scan.record_at(&mut store, at(0)).unwrap();

        let mut read = store.credentials(&CredentialFilter::default()).unwrap();
        prop_assert_eq!(read.len(), 1);
        let mut got = read.remove(0).credential;
        // The store returns sightings in its own canonical order; compare as sets.
        got.sightings.sort();
        cred.sightings.sort();
        prop_assert_eq!(&got, &cred);

        let mut findings = store.findings(&FindingFilter::default()).unwrap();
        prop_assert_eq!(findings.len(), 1);
        let mut got = findings.remove(0).finding;
        got.sightings.sort();
        finding.sightings.sort();
        prop_assert_eq!(got, finding);

        prop_assert_eq!(store.consumers().unwrap(), vec![consumer]);
    }
}
