//! The behavioural tests every [`ServerStore`] backend must pass (feature `conformance`;
//! test-only), in the manner of [`crate::conformance`]: each takes a factory of fresh
//! stores, and a backend's test file runs them all with
//! [`server_conformance_tests!`](crate::server_conformance_tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use nhi_model::Severity;

use crate::{
    ApiTokenRow, AuditEntry, AuditFilter, Backend, FindingIndexRow, FindingQuery, IdentityIndexRow,
    IdentityQuery, IdentitySort, LocalUser, Role, RunRow, RunStatus, SessionRow, SnapshotRow,
};

/// A factory of fresh, empty, migrated stores.
pub type Fresh<'a> = &'a mut dyn FnMut() -> Box<dyn Backend>;

/// One server conformance test.
pub type Test = fn(Fresh<'_>);

/// One `#[test]` per server conformance test, each calling `$runner(test)`.
#[macro_export]
macro_rules! server_conformance_tests {
    ($runner:path) => {
        $crate::server_conformance_tests!(@each $runner;
            tokens_are_listed_newest_first_revoked_once_and_touched,
            a_local_user_is_replaced_by_name,
            sessions_are_found_by_digest_deleted_and_purged_when_expired,
            the_audit_log_filters_pages_and_lists_newest_first,
            runs_record_their_outcome_and_list_newest_first,
            a_lease_has_one_holder_until_it_expires,
            identity_pages_filter_search_and_sort_like_every_backend,
            bookmarks_resume_every_order_where_offset_paging_would,
            finding_pages_filter_and_a_status_change_shows_in_the_body,
            owners_count_identities_and_high_risk_ones,
            replacing_the_index_drops_the_old_rows_and_keeps_snapshots,
        );
    };
    (@each $runner:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $runner($crate::conformance_server::$name);
            }
        )*
    };
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + seconds).unwrap()
}

fn token(id: &str, created: i64) -> ApiTokenRow {
    ApiTokenRow {
        id: id.into(),
        name: format!("ci {id}"),
        role: Role::Operator,
        secret_sha256: "ab".repeat(32),
        created_at: at(created),
        created_by: "user:root".into(),
        expires_at: at(created + 3600),
        revoked_at: None,
        last_used_at: None,
    }
}

pub fn tokens_are_listed_newest_first_revoked_once_and_touched(fresh: Fresh<'_>) {
    let mut store = fresh();
    assert!(store.api_token("nope").unwrap().is_none());
    store.insert_api_token(&token("t1", 10)).unwrap();
    store.insert_api_token(&token("t2", 20)).unwrap();
    assert!(
        store.insert_api_token(&token("t1", 30)).is_err(),
        "duplicate id"
    );
    let ids: Vec<String> = store
        .api_tokens()
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["t2", "t1"]);
    assert_eq!(store.api_token("t1").unwrap().unwrap(), token("t1", 10));

    assert!(store.revoke_api_token("t1", at(40)).unwrap());
    assert!(
        !store.revoke_api_token("t1", at(50)).unwrap(),
        "already revoked"
    );
    assert!(!store.revoke_api_token("missing", at(50)).unwrap());
    store.touch_api_token("t2", at(60)).unwrap();
    let t1 = store.api_token("t1").unwrap().unwrap();
    let t2 = store.api_token("t2").unwrap().unwrap();
    assert_eq!(t1.revoked_at, Some(at(40)));
    assert_eq!(t2.last_used_at, Some(at(60)));
    assert_eq!(t2.revoked_at, None);
}

pub fn a_local_user_is_replaced_by_name(fresh: Fresh<'_>) {
    let mut store = fresh();
    let mut user = LocalUser {
        name: "alice".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Viewer,
        created_at: at(0),
    };
    store.upsert_local_user(&user).unwrap();
    assert_eq!(store.local_user("alice").unwrap().as_ref(), Some(&user));
    user.role = Role::Admin;
    user.password_hash.push('2');
    store
        .upsert_local_user(&LocalUser {
            created_at: at(99),
            ..user.clone()
        })
        .unwrap();
    // Role and hash change; the creation time is the first one.
    assert_eq!(store.local_user("alice").unwrap(), Some(user.clone()));
    assert!(
        store.local_user("Alice").unwrap().is_none(),
        "names are exact"
    );
    store
        .upsert_local_user(&LocalUser {
            name: "Bob".into(),
            ..user
        })
        .unwrap();
    let names: Vec<String> = store
        .local_users()
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Bob", "alice"], "by code point");
}

pub fn sessions_are_found_by_digest_deleted_and_purged_when_expired(fresh: Fresh<'_>) {
    let mut store = fresh();
    let session = |n: u8, expires: i64| SessionRow {
        id_sha256: format!("{n:02x}").repeat(32),
        subject: format!("user:u{n}"),
        role: Role::Viewer,
        csrf_token: format!("csrf-{n}"),
        created_at: at(0),
        expires_at: at(expires),
    };
    for (n, expires) in [(1, 100), (2, 200), (3, 300)] {
        store.insert_session(&session(n, expires)).unwrap();
    }
    assert_eq!(
        store.session(&"01".repeat(32)).unwrap(),
        Some(session(1, 100))
    );
    store.delete_session(&"01".repeat(32)).unwrap();
    assert!(store.session(&"01".repeat(32)).unwrap().is_none());
    // Expired strictly before `now`.
    assert_eq!(store.purge_sessions(at(200)).unwrap(), 0);
    assert_eq!(store.purge_sessions(at(201)).unwrap(), 1);
    assert!(store.session(&"02".repeat(32)).unwrap().is_none());
    assert!(store.session(&"03".repeat(32)).unwrap().is_some());
}

pub fn the_audit_log_filters_pages_and_lists_newest_first(fresh: Fresh<'_>) {
    let mut store = fresh();
    let mut ids = Vec::new();
    for (n, actor, action) in [
        (0, "user:alice", "finding.suppress"),
        (10, "token:abc", "run.trigger"),
        (20, "user:alice", "token.create"),
        (30, "user:alice", "finding.suppress"),
    ] {
        ids.push(
            store
                .append_audit(&AuditEntry {
                    id: 0,
                    at: at(n),
                    actor: actor.into(),
                    role: "admin".into(),
                    action: action.into(),
                    target: format!("target-{n}"),
                    outcome: "ok".into(),
                    source_ip: (n == 10).then(|| "127.0.0.1".into()),
                    detail: serde_json::json!({"n": n, "reason": "tested ünïcode"}),
                })
                .unwrap(),
        );
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let all = store
        .audit_log(&AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(all.total, 4);
    let targets: Vec<&str> = all.items.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["target-30", "target-20", "target-10", "target-0"]);
    assert_eq!(all.items[2].source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(all.items[0].detail["reason"], "tested ünïcode");
    assert_eq!(all.items[3].id, ids[0]);

    let alice = store
        .audit_log(&AuditFilter {
            actor: Some("user:alice".into()),
            action: Some("finding.suppress".into()),
            since: Some(at(5)),
            limit: 10,
            offset: 0,
        })
        .unwrap();
    assert_eq!(alice.total, 1);
    assert_eq!(alice.items[0].target, "target-30");

    let second = store
        .audit_log(&AuditFilter {
            limit: 2,
            offset: 2,
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(second.total, 4);
    let targets: Vec<&str> = second.items.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["target-10", "target-0"]);
}

pub fn runs_record_their_outcome_and_list_newest_first(fresh: Fresh<'_>) {
    let mut store = fresh();
    let first = store.start_run("aws", "schedule", 1, at(0)).unwrap();
    let second = store
        .start_run("aws", "manual:user:alice", 2, at(5))
        .unwrap();
    assert!(second > first);
    let finished = RunRow {
        id: first,
        job: "aws".into(),
        trigger: "schedule".into(),
        attempt: 1,
        started_at: at(0),
        finished_at: Some(at(3)),
        status: RunStatus::Failed,
        identities: 7,
        credentials: 3,
        findings: 2,
        events: 1_234,
        alerts: 5,
        errors: vec!["exports/gaad.json: line 3 column 9: expected `,`".into()],
    };
    store.finish_run(&finished).unwrap();
    let page = store.runs(10, 0).unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].id, second);
    assert_eq!(page.items[0].status, RunStatus::Running);
    assert_eq!(page.items[0].trigger, "manual:user:alice");
    assert_eq!(page.items[0].finished_at, None);
    assert_eq!(page.items[1], finished);
    let tail = store.runs(1, 1).unwrap();
    assert_eq!((tail.total, tail.items.len()), (2, 1));
    assert_eq!(tail.items[0].id, first);
}

pub fn a_lease_has_one_holder_until_it_expires(fresh: Fresh<'_>) {
    let mut store = fresh();
    assert!(store.try_acquire_lease("aws", "a", at(0), 60).unwrap());
    assert!(!store.try_acquire_lease("aws", "b", at(30), 60).unwrap());
    // The holder renews; others still wait for the renewed expiry.
    assert!(store.try_acquire_lease("aws", "a", at(50), 60).unwrap());
    assert!(!store.try_acquire_lease("aws", "b", at(100), 60).unwrap());
    assert!(store.try_acquire_lease("other", "b", at(100), 60).unwrap());
    // Expired: another holder takes it over.
    assert!(store.try_acquire_lease("aws", "b", at(111), 60).unwrap());
    assert!(!store.try_acquire_lease("aws", "a", at(112), 60).unwrap());
    // Only the holder's release frees it.
    store.release_lease("aws", "a").unwrap();
    assert!(!store.try_acquire_lease("aws", "a", at(113), 60).unwrap());
    store.release_lease("aws", "b").unwrap();
    assert!(store.try_acquire_lease("aws", "a", at(114), 60).unwrap());
}

fn identity(id: &str, name: &str, provider: &str, risk: u32, owner: &str) -> IdentityIndexRow {
    let tier = match risk {
        80.. => "critical",
        60..80 => "high",
        30..60 => "medium",
        _ => "low",
    };
    IdentityIndexRow {
        id: id.into(),
        provider: provider.into(),
        kind: if provider == "aws" {
            "iam_user"
        } else {
            "service_account"
        }
        .into(),
        name: name.into(),
        display: format!("arn:aws:iam::123456789012:user/{name}"),
        environment: "prod".into(),
        owner: owner.into(),
        privilege_tier: if risk >= 60 { "admin" } else { "read" }.into(),
        risk_score: risk,
        risk_tier: tier.into(),
        status: "active".into(),
        last_used: risk.is_multiple_of(2).then(|| at(i64::from(risk))),
        credentials: risk / 10,
        findings_open: risk / 20,
        body: format!(r#"{{"id":"{id}","name":"{name}"}}"#),
    }
}

/// Names chosen so code-point order differs from any locale's: capitals before `_`
/// before lower case before accented letters.
fn estate() -> Vec<IdentityIndexRow> {
    vec![
        identity("aws:1", "deploy-bot", "aws", 90, "team-a"),
        identity("aws:2", "Zeta", "aws", 40, "team-b"),
        identity("aws:3", "_svc", "aws", 65, "team-a"),
        identity("gcp:1", "ärger", "gcp", 20, ""),
        identity("gcp:2", "alpha_50%", "gcp", 75, "team-a"),
        identity("gcp:3", "alphax50", "gcp", 10, "team-b"),
    ]
}

fn snapshot(n: u64) -> SnapshotRow {
    SnapshotRow {
        id: 0,
        built_at: at(n as i64),
        identities: n,
        credentials: 2 * n,
        findings_open: 3 * n,
        summary: format!(r#"{{"n":{n}}}"#),
    }
}

fn page_ids(store: &dyn Backend, query: IdentityQuery) -> (Vec<String>, u64) {
    let page = store
        .identity_page(&IdentityQuery {
            limit: if query.limit == 0 { 100 } else { query.limit },
            ..query
        })
        .unwrap();
    (page.items.into_iter().map(|r| r.id).collect(), page.total)
}

pub fn identity_pages_filter_search_and_sort_like_every_backend(fresh: Fresh<'_>) {
    let mut store = fresh();
    store.replace_index(&estate(), &[], &snapshot(6)).unwrap();
    let store = &*store;
    let q = IdentityQuery::default;

    // Risk, highest first by default; ties never happen here.
    let (ids, total) = page_ids(
        store,
        IdentityQuery {
            descending: true,
            ..q()
        },
    );
    assert_eq!(total, 6);
    assert_eq!(ids, ["aws:1", "gcp:2", "aws:3", "aws:2", "gcp:1", "gcp:3"]);
    // Names by code point, both ways.
    let by_name = IdentityQuery {
        sort: IdentitySort::Name,
        ..q()
    };
    let (ids, _) = page_ids(store, by_name.clone());
    assert_eq!(ids, ["aws:2", "aws:3", "gcp:2", "gcp:3", "aws:1", "gcp:1"]);
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            descending: true,
            ..by_name.clone()
        },
    );
    assert_eq!(ids, ["gcp:1", "aws:1", "gcp:3", "gcp:2", "aws:3", "aws:2"]);
    // Provider, then kind, then name.
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            sort: IdentitySort::Provider,
            ..q()
        },
    );
    assert_eq!(ids, ["aws:2", "aws:3", "aws:1", "gcp:2", "gcp:3", "gcp:1"]);
    // Never-used identities count as the oldest: first ascending, last descending; each
    // direction is the exact reverse of the other (one index serves both).
    let by_use = IdentityQuery {
        sort: IdentitySort::LastUsed,
        ..q()
    };
    let (ids, _) = page_ids(store, by_use.clone());
    assert_eq!(ids, ["aws:3", "gcp:2", "gcp:3", "gcp:1", "aws:2", "aws:1"]);
    let (mut reversed, _) = page_ids(
        store,
        IdentityQuery {
            descending: true,
            ..by_use
        },
    );
    reversed.reverse();
    assert_eq!(reversed, ids);
    // Findings, then risk.
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            sort: IdentitySort::Findings,
            descending: true,
            ..q()
        },
    );
    assert_eq!(ids[..2], ["aws:1", "gcp:2"]);

    // Filters, alone and together.
    let (ids, total) = page_ids(
        store,
        IdentityQuery {
            provider: Some("gcp".into()),
            owner: Some("team-a".into()),
            ..q()
        },
    );
    assert_eq!((ids, total), (vec!["gcp:2".to_string()], 1));
    let (_, total) = page_ids(
        store,
        IdentityQuery {
            risk_tier: Some("high".into()),
            ..q()
        },
    );
    assert_eq!(total, 2);
    // A total the caller already knows is taken as given; the rows are the same.
    let (known, total) = page_ids(
        store,
        IdentityQuery {
            risk_tier: Some("high".into()),
            known_total: Some(41),
            ..q()
        },
    );
    assert_eq!(total, 41);
    assert_eq!(
        known,
        page_ids(
            store,
            IdentityQuery {
                risk_tier: Some("high".into()),
                ..q()
            }
        )
        .0
    );
    let (_, total) = page_ids(
        store,
        IdentityQuery {
            privilege_tier: Some("admin".into()),
            kind: Some("iam_user".into()),
            ..q()
        },
    );
    assert_eq!(total, 2);
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            owner: Some(String::new()),
            ..q()
        },
    );
    assert_eq!(ids, ["gcp:1"]);

    // Search is a case-insensitive substring; % and _ in it are literal characters.
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            search: Some("ALPHA_50%".into()),
            ..q()
        },
    );
    assert_eq!(ids, ["gcp:2"]);
    let (_, total) = page_ids(
        store,
        IdentityQuery {
            search: Some("_".into()),
            ..q()
        },
    );
    assert_eq!(total, 2, "only the names holding an underscore");
    let (_, total) = page_ids(
        store,
        IdentityQuery {
            search: Some("  ".into()),
            ..q()
        },
    );
    assert_eq!(total, 6, "a blank search matches everything");
    let (ids, _) = page_ids(
        store,
        IdentityQuery {
            search: Some("user/deploy".into()),
            ..q()
        },
    );
    assert_eq!(ids, ["aws:1"], "the display (ARN) is searched");

    // Paging keeps the total.
    let (ids, total) = page_ids(
        store,
        IdentityQuery {
            descending: true,
            limit: 2,
            offset: 4,
            ..q()
        },
    );
    assert_eq!((ids, total), (vec!["gcp:1".into(), "gcp:3".into()], 6));
    let (ids, total) = page_ids(
        store,
        IdentityQuery {
            limit: 2,
            offset: 60,
            ..q()
        },
    );
    assert_eq!((ids.len(), total), (0, 6));
    // Past the end with the total already known (the server caches it): still empty.
    let (ids, total) = page_ids(
        store,
        IdentityQuery {
            limit: 2,
            offset: 6,
            known_total: Some(6),
            ..q()
        },
    );
    assert_eq!((ids.len(), total), (0, 6));

    // One row back as it went in.
    let expected = estate().into_iter().find(|r| r.id == "gcp:1").unwrap();
    assert_eq!(store.identity_row("gcp:1").unwrap(), Some(expected));
    assert_eq!(store.identity_row("gcp:9").unwrap(), None);
}

fn finding(
    id: &str,
    severity: Severity,
    owasp: &str,
    subject: &str,
    title: &str,
) -> FindingIndexRow {
    FindingIndexRow {
        id: id.into(),
        source: "inventory".into(),
        rule: format!("NHI-{}", &owasp[owasp.len() - 1..]),
        title: title.into(),
        severity,
        owasp: owasp.into(),
        subject: subject.into(),
        subject_name: subject.replace(':', "-"),
        status: "open".into(),
        body: format!(r#"{{"id":"{id}","status":"open","title":"{title}"}}"#),
    }
}

pub fn bookmarks_resume_every_order_where_offset_paging_would(fresh: Fresh<'_>) {
    let mut store = fresh();
    // Ties in every sort key but the id, and never-used identities, so the keyset
    // condition has to break ties the way the ORDER BY does.
    let mut rows = estate();
    for i in 0u32..30 {
        let provider = if i.is_multiple_of(3) { "gcp" } else { "aws" };
        let mut row = identity(
            &format!("{provider}:t{i:02}"),
            &format!("tie-{}", i % 4),
            provider,
            (i % 5) * 20,
            if i.is_multiple_of(2) { "team-a" } else { "" },
        );
        if i.is_multiple_of(4) {
            row.last_used = None;
        }
        rows.push(row);
    }
    store.replace_index(&rows, &[], &snapshot(36)).unwrap();
    let store = &*store;
    for sort in IdentitySort::ALL {
        for descending in [false, true] {
            for provider in [None, Some("aws".to_string())] {
                let query = IdentityQuery {
                    sort,
                    descending,
                    provider: provider.clone(),
                    ..IdentityQuery::default()
                };
                let (all, total) = page_ids(store, query.clone());
                let every = 4;
                let bookmarks = store.identity_bookmarks(&query, every).unwrap();
                assert_eq!(
                    bookmarks.len(),
                    total as usize / every,
                    "{sort:?} {descending}"
                );
                for (i, bookmark) in bookmarks.into_iter().enumerate() {
                    let resumed = (i + 1) * every;
                    // 40: past the end, as a filtered list shorter than the offset.
                    for skip in [0, 1, 3, 40] {
                        let (ids, _) = page_ids(
                            store,
                            IdentityQuery {
                                after: Some(bookmark.clone()),
                                offset: skip,
                                limit: 5,
                                ..query.clone()
                            },
                        );
                        let start = (resumed + skip).min(all.len());
                        let expected = &all[start..(start + 5).min(all.len())];
                        assert_eq!(
                            ids, expected,
                            "{sort:?} descending={descending} provider={provider:?} bookmark {i} skip {skip}"
                        );
                    }
                }
            }
        }
    }
}

pub fn finding_pages_filter_and_a_status_change_shows_in_the_body(fresh: Fresh<'_>) {
    let mut store = fresh();
    let findings = vec![
        finding("f-b", Severity::High, "NHI7", "aws:1", "Long-lived key"),
        finding("f-a", Severity::High, "NHI7", "aws:2", "Long-lived key"),
        finding("f-c", Severity::Critical, "NHI5", "aws:1", "Admin rights"),
        finding("f-d", Severity::Low, "NHI1", "gcp:1", "No owner"),
    ];
    store.replace_index(&[], &findings, &snapshot(1)).unwrap();
    let page = |store: &dyn Backend, query: FindingQuery| {
        let page = store
            .finding_page(&FindingQuery { limit: 50, ..query })
            .unwrap();
        (
            page.items.into_iter().map(|f| f.id).collect::<Vec<_>>(),
            page.total,
        )
    };
    let q = FindingQuery::default;
    // Most severe first, then by id.
    assert_eq!(page(&*store, q()).0, ["f-c", "f-a", "f-b", "f-d"]);
    assert_eq!(
        page(
            &*store,
            FindingQuery {
                min_severity: Some(Severity::High),
                ..q()
            }
        ),
        (vec!["f-c".into(), "f-a".into(), "f-b".into()], 3)
    );
    assert_eq!(
        page(
            &*store,
            FindingQuery {
                owasp: Some("NHI7".into()),
                subject: Some("aws:1".into()),
                ..q()
            }
        )
        .0,
        ["f-b"]
    );
    assert_eq!(
        page(
            &*store,
            FindingQuery {
                search: Some("admin RIGHTS".into()),
                ..q()
            }
        )
        .0,
        ["f-c"]
    );
    assert_eq!(
        page(
            &*store,
            FindingQuery {
                rule: Some("NHI-1".into()),
                ..q()
            }
        )
        .0,
        ["f-d"]
    );

    assert!(
        store
            .set_finding_status("f-a", "suppressed", "suppressed until 2027-01-01: accepted")
            .unwrap()
    );
    assert!(!store.set_finding_status("f-zz", "suppressed", "x").unwrap());
    let row = store.finding_row("f-a").unwrap().unwrap();
    assert_eq!(row.status, "suppressed");
    let body: serde_json::Value = serde_json::from_str(&row.body).unwrap();
    assert_eq!(body["status"], "suppressed until 2027-01-01: accepted");
    assert_eq!(
        body["title"], "Long-lived key",
        "the rest of the body is kept"
    );
    assert_eq!(
        page(
            &*store,
            FindingQuery {
                status: Some("open".into()),
                ..q()
            }
        )
        .1,
        3
    );
    assert_eq!(store.finding_row("f-b").unwrap(), Some(findings[0].clone()));
}

pub fn owners_count_identities_and_high_risk_ones(fresh: Fresh<'_>) {
    let mut store = fresh();
    store.replace_index(&estate(), &[], &snapshot(1)).unwrap();
    let page = store.owners(10, 0).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        page.items,
        [
            ("team-a".to_string(), 3, 3),
            ("team-b".to_string(), 2, 0),
            (String::new(), 1, 0),
        ]
    );
    let tail = store.owners(1, 1).unwrap();
    assert_eq!(tail.items, [("team-b".to_string(), 2, 0)]);
    assert_eq!(tail.total, 3);
}

pub fn replacing_the_index_drops_the_old_rows_and_keeps_snapshots(fresh: Fresh<'_>) {
    let mut store = fresh();
    store
        .replace_index(
            &estate(),
            &[finding("f-a", Severity::High, "NHI7", "aws:1", "x")],
            &snapshot(6),
        )
        .unwrap();
    let smaller = vec![identity("aws:9", "new", "aws", 50, "team-c")];
    store.replace_index(&smaller, &[], &snapshot(1)).unwrap();
    let (ids, total) = page_ids(&*store, IdentityQuery::default());
    assert_eq!((ids, total), (vec!["aws:9".to_string()], 1));
    assert_eq!(store.finding_row("f-a").unwrap(), None);
    assert_eq!(store.identity_row("aws:1").unwrap(), None);

    let snapshots = store.snapshots(10).unwrap();
    assert_eq!(snapshots.len(), 2);
    assert!(snapshots[0].id > snapshots[1].id);
    assert_eq!(
        SnapshotRow {
            id: 0,
            ..snapshots[0].clone()
        },
        snapshot(1)
    );
    assert_eq!(store.snapshots(1).unwrap().len(), 1);

    // A big index goes in and pages in SQL.
    let many: Vec<IdentityIndexRow> = (0..12_000)
        .map(|n| {
            identity(
                &format!("aws:{n:05}"),
                &format!("bot-{n}"),
                "aws",
                n % 100,
                "t",
            )
        })
        .collect();
    store.replace_index(&many, &[], &snapshot(3)).unwrap();
    let (ids, total) = page_ids(
        &*store,
        IdentityQuery {
            sort: IdentitySort::Name,
            limit: 3,
            offset: 0,
            ..IdentityQuery::default()
        },
    );
    assert_eq!(total, 12_000);
    assert_eq!(ids, ["aws:00000", "aws:00001", "aws:00010"]);
}
