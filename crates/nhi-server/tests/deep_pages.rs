//! The inventory list's caches: a deep page resumed from a bookmark, with its total from
//! the count cache, is the page plain OFFSET paging gives, for every order and filter;
//! and a new index generation (a new analysis) is never answered from the old caches.

mod common;

use jiff::Timestamp;
use nhi_store::{
    IdentityIndexRow, IdentityQuery, IdentitySort, ServerStore, SnapshotRow, SqliteStore,
};

fn row(i: usize, generation: usize) -> IdentityIndexRow {
    let provider = ["aws", "gcp", "azure"][i % 3];
    IdentityIndexRow {
        id: format!("{provider}:{generation}:{i:05}"),
        provider: provider.into(),
        kind: if i.is_multiple_of(2) {
            "iam_role"
        } else {
            "iam_user"
        }
        .into(),
        // Few distinct names and scores: the id has to break most ties.
        name: format!("svc-{}", i % 37),
        display: format!("arn:{provider}:{i}"),
        environment: String::new(),
        owner: if i.is_multiple_of(5) { "team-a" } else { "" }.into(),
        privilege_tier: "data_read".into(),
        risk_score: (i % 11) as u32 * 9,
        risk_tier: if i.is_multiple_of(4) { "high" } else { "low" }.into(),
        status: "active".into(),
        last_used: (!i.is_multiple_of(6))
            .then(|| Timestamp::from_second(1_780_000_000 + (i % 97) as i64).unwrap()),
        credentials: 1,
        findings_open: (i % 3) as u32,
        body: format!("{{\"i\":{i}}}"),
    }
}

fn snapshot(n: u64) -> SnapshotRow {
    SnapshotRow {
        id: 0,
        built_at: Timestamp::now(),
        identities: n,
        credentials: n,
        findings_open: 0,
        summary: "{}".into(),
    }
}

fn index(store: &mut SqliteStore, rows: usize, generation: usize) {
    let rows: Vec<IdentityIndexRow> = (0..rows).map(|i| row(i, generation)).collect();
    store
        .replace_index(&rows, &[], &snapshot(rows.len() as u64))
        .unwrap();
}

/// A server's state over the SQLite store at `path` (its own pooled connections).
fn ids(page: &nhi_store::Page<IdentityIndexRow>) -> Vec<String> {
    page.items.iter().map(|r| r.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_pages_from_bookmarks_equal_offset_paging() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut direct = SqliteStore::open(&path).unwrap();
    index(&mut direct, 2_345, 1);
    let state = common::app_state(&path);

    for sort in IdentitySort::ALL {
        for descending in [false, true] {
            for provider in [None, Some("gcp".to_string())] {
                for offset in [0, 499, 500, 501, 999, 1_000, 1_234, 1_500, 2_300, 5_000] {
                    let query = IdentityQuery {
                        sort,
                        descending,
                        provider: provider.clone(),
                        limit: 50,
                        offset,
                        ..IdentityQuery::default()
                    };
                    // Twice: the second answer comes from the caches.
                    for round in 0..2 {
                        let cached = nhi_server::index::identity_page(&state, query.clone())
                            .await
                            .unwrap();
                        let plain = direct.identity_page(&query).unwrap();
                        assert_eq!(
                            (ids(&cached), cached.total),
                            (ids(&plain), plain.total),
                            "{sort:?} descending={descending} provider={provider:?} offset={offset} round={round}"
                        );
                    }
                }
            }
        }
    }

    // A new analysis (fewer identities, new IDs): nothing is answered from the old caches.
    index(&mut direct, 1_111, 2);
    let query = IdentityQuery {
        sort: IdentitySort::Name,
        limit: 50,
        offset: 1_000,
        ..IdentityQuery::default()
    };
    let cached = nhi_server::index::identity_page(&state, query.clone())
        .await
        .unwrap();
    let plain = direct.identity_page(&query).unwrap();
    assert_eq!(cached.total, 1_111);
    assert_eq!(ids(&cached), ids(&plain));
    assert!(ids(&cached).iter().all(|id| id.contains(":2:")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warming_counts_and_marks_every_unfiltered_order_of_the_new_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut direct = SqliteStore::open(&path).unwrap();
    index(&mut direct, 1_234, 1);
    let generation = direct.snapshots(1).unwrap()[0].id;
    let state = common::app_state(&path);
    let caches = &state.list_caches;
    assert_eq!(caches.bookmarks.entries(generation), 0);
    caches.warm(&direct).unwrap();
    // Five orders both ways, one unfiltered total.
    assert_eq!(caches.bookmarks.entries(generation), 10);
    assert_eq!(caches.totals.entries(generation), 1);
    // And what they answer is what plain paging gives.
    for sort in IdentitySort::ALL {
        let query = IdentityQuery {
            sort,
            descending: true,
            limit: 50,
            offset: 1_100,
            ..IdentityQuery::default()
        };
        let cached = nhi_server::index::identity_page(&state, query.clone())
            .await
            .unwrap();
        let plain = direct.identity_page(&query).unwrap();
        assert_eq!(
            (ids(&cached), cached.total),
            (ids(&plain), 1_234),
            "{sort:?}"
        );
    }
    assert_eq!(
        caches.bookmarks.entries(generation),
        10,
        "nothing built again"
    );
}
