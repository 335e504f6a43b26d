//! Monitor checkpoints and alerts: one transaction each, alerts upserted by ID with
//! their time span widened, filters by severity, identity and time.

use nhi_model::Severity;
use nhi_store::{AlertFilter, InventoryStore, MonitorCommit, SqliteStore, StoredAlert};

fn alert(id: &str, severity: Severity, identity: &str, first: &str, last: &str) -> StoredAlert {
    StoredAlert {
        id: id.into(),
        detection: "NHI-MON-009".into(),
        severity,
        identity: identity.into(),
        first_seen: Some(first.parse().unwrap()),
        last_seen: Some(last.parse().unwrap()),
        event_count: 1,
        json: format!("{{\"id\":\"{id}\"}}"),
    }
}

fn commit(store: &mut SqliteStore, alerts: &[StoredAlert], state: &str, positions: &str) {
    store
        .commit_monitor(&MonitorCommit {
            name: "default",
            alerts,
            state,
            positions,
            at: "2026-12-01T00:00:00Z".parse().unwrap(),
        })
        .unwrap();
}

#[test]
fn a_checkpoint_round_trips_and_alerts_upsert_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.monitor_checkpoint("default").unwrap(), None);
    commit(
        &mut store,
        &[
            alert(
                "a",
                Severity::High,
                "arn:aws:iam::1:role/ci",
                "2026-11-01T10:00:00Z",
                "2026-11-01T10:05:00Z",
            ),
            alert(
                "b",
                Severity::Info,
                "arn:aws:iam::1:user/bot",
                "2026-11-01T09:00:00Z",
                "2026-11-01T09:00:00Z",
            ),
        ],
        "{\"v\":1}",
        "[{\"path\":\"/logs/a.json\",\"offset\":10}]",
    );
    // The same alert again, later: its span widens, the count is the newest.
    let mut again = alert(
        "a",
        Severity::Critical,
        "arn:aws:iam::1:role/ci",
        "2026-11-01T10:02:00Z",
        "2026-11-01T11:00:00Z",
    );
    again.event_count = 7;
    commit(&mut store, &[again], "{\"v\":2}", "[]");
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.monitor_checkpoint("default").unwrap(),
        Some(("{\"v\":2}".to_string(), "[]".to_string()))
    );
    let all = store.alerts(&AlertFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let a = &all[0];
    assert_eq!(a.id, "a", "newest last_seen first");
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.first_seen, Some("2026-11-01T10:00:00Z".parse().unwrap()));
    assert_eq!(a.last_seen, Some("2026-11-01T11:00:00Z".parse().unwrap()));
    assert_eq!(a.event_count, 7);

    let high = store
        .alerts(&AlertFilter {
            min_severity: Some(Severity::High),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(high.len(), 1);
    let by_identity = store
        .alerts(&AlertFilter {
            identity: Some("arn:aws:iam::1:user/bot".into()),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(by_identity.len(), 1);
    assert_eq!(by_identity[0].id, "b");
    let recent = store
        .alerts(&AlertFilter {
            since: Some("2026-11-01T10:30:00Z".parse().unwrap()),
            limit: Some(5),
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(
        recent.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
}
