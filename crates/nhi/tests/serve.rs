//! `nhi serve` end to end on the sample estate: the real binary, the real store, HTTP
//! over loopback. Tokens made by `nhi token create` reach the API by role; every page
//! renders; a suppression made through the API shows in findings and the audit log; a
//! scheduled-collection job runs on demand; and no planted secret appears in any
//! response.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{get, http, repo, sample_store, start, token};

/// Starts job `name` as `operator` and waits for its run to finish; returns the run.
fn run_job(server: &support::Server, operator: &str, viewer: &str, name: &str) -> Value {
    let (_, body) = get(server, "/api/v1/runs", Some(viewer));
    let before = serde_json::from_str::<Value>(&body).unwrap()["total"]
        .as_u64()
        .unwrap_or(0);
    let (status, _, body) = http(
        server,
        "POST",
        "/api/v1/runs",
        &[
            ("Authorization", &format!("Bearer {operator}")),
            ("Content-Type", "application/json"),
        ],
        &format!("{{\"job\": \"{name}\"}}"),
    );
    assert_eq!(status, 202, "{body}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, body) = get(server, "/api/v1/runs", Some(viewer));
        let runs: Value = serde_json::from_str(&body).unwrap();
        if runs["total"].as_u64().unwrap_or(0) > before
            && let Some(run) = runs["items"].as_array().unwrap().first()
            && run["job"] == name
            && run["status"] != "running"
        {
            return run.clone();
        }
        assert!(
            Instant::now() < deadline,
            "job {name} never finished: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The secrets in the sample estate's files, found with the same rules `nhi scan` uses
/// (held in memory only, to check that none reaches a response).
fn planted_secrets() -> Vec<String> {
    let rules = nhi_rules::RuleSet::builtin().unwrap();
    let mut secrets = Vec::new();
    let mut stack = vec![repo().join("examples/acme")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = std::fs::read(&path) {
            for detection in rules.detect(&bytes) {
                if detection.secret.len() >= 16
                    && detection.external_id.as_deref() != Some(detection.secret.as_str())
                {
                    secrets.push(detection.secret.to_string());
                }
            }
        }
    }
    assert!(
        secrets.len() >= 10,
        "only {} secrets found in the sample estate",
        secrets.len()
    );
    secrets
}

#[test]
fn the_sample_estate_through_the_api_and_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    the_api_and_every_page_on(dir.path(), &db);
}

/// The same walk on PostgreSQL: the scanned estate moved there by `nhi migrate-store`,
/// tokens created against the URL, the server started with `--db postgres://…`.
#[test]
fn the_sample_estate_through_the_api_and_every_page_on_postgresql() {
    let Some(pg) = support::PgDb::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sample_store(dir.path());
    support::migrate(&sqlite, Path::new(&pg.url));
    the_api_and_every_page_on(dir.path(), Path::new(&pg.url));
}

fn the_api_and_every_page_on(dir: &Path, db: &Path) {
    let db = db.to_path_buf();
    let viewer = token(&db, "viewer");
    let operator = token(&db, "operator");
    let admin = token(&db, "admin");
    let jobs = dir.join("jobs.toml");
    // A repository the sample scan never saw, holding one of the estate's secrets.
    let new_repo = dir.join("job-scan-root");
    std::fs::create_dir_all(&new_repo).unwrap();
    std::fs::copy(
        repo().join("examples/acme/.env.production"),
        new_repo.join(".env"),
    )
    .unwrap();
    // The sample monitor config with its jsonl sink in the temporary directory: a
    // relative sink path is relative to the server's working directory.
    let monitor_config = dir.join("monitor.toml");
    let alerts_file = dir.join("alerts.jsonl");
    let sample = std::fs::read_to_string(repo().join("examples/monitor.toml")).unwrap();
    assert!(sample.contains("path = \"alerts.jsonl\""));
    std::fs::write(
        &monitor_config,
        sample.replace(
            "path = \"alerts.jsonl\"",
            &format!("path = {:?}", alerts_file.to_string_lossy()),
        ),
    )
    .unwrap();
    std::fs::write(
        &jobs,
        format!(
            "[[job]]\nname = \"exports\"\nkind = \"import\"\npaths = [{exports:?}]\nretries = 0\n\n\
             [[job]]\nname = \"repos\"\nkind = \"scan\"\npaths = [{new_repo:?}]\nargs = [\"--no-history\"]\nretries = 0\n\n\
             [[job]]\nname = \"trail\"\nkind = \"monitor\"\npaths = [{logs:?}]\nargs = [\"--config\", {config:?}]\nretries = 0\n",
            exports = repo().join("examples/acme/exports").to_string_lossy(),
            new_repo = new_repo.to_string_lossy(),
            logs = repo().join("examples/acme-logs/cloudtrail").to_string_lossy(),
            config = monitor_config.to_string_lossy(),
        ),
    )
    .unwrap();
    let server = start(
        &db,
        &[
            "--config",
            jobs.to_str().unwrap(),
            "--store-connections",
            "4",
        ],
    );

    let (status, body) = get(&server, "/api/v1/identities?limit=500", Some(&viewer));
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let total = page["total"].as_u64().unwrap();
    assert!(total >= 20, "{total} identities");
    let items = page["items"].as_array().unwrap();
    // Sorted by risk, highest first.
    let scores: Vec<u64> = items
        .iter()
        .map(|i| i["risk_score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let readonly = items
        .iter()
        .find(|i| i["name"] == "acme-readonly")
        .expect("acme-readonly is in the inventory");
    let id = readonly["id"].as_str().unwrap().to_string();
    let encoded: String = id
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();

    // Filtering and paging happen in the query.
    let (_, body) = get(
        &server,
        "/api/v1/identities?provider=aws&limit=2&offset=1&sort=name&order=asc",
        Some(&viewer),
    );
    let aws: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(aws["items"].as_array().unwrap().len(), 2);
    assert!(
        aws["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["provider"] == "aws")
    );
    let (status, body) = get(&server, "/api/v1/identities?sort=colour", Some(&viewer));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"status\":400"), "{body}");

    let (status, card) = get(
        &server,
        &format!("/api/v1/identities/{encoded}"),
        Some(&viewer),
    );
    assert_eq!(status, 200, "{card}");
    let card: Value = serde_json::from_str(&card).unwrap();
    assert_eq!(card["name"], "acme-readonly");
    let (status, graph) = get(
        &server,
        &format!("/api/v1/identities/{encoded}/graph"),
        Some(&viewer),
    );
    assert_eq!(status, 200);
    let graph: Value = serde_json::from_str(&graph).unwrap();
    assert!(
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "identity")
    );

    for path in [
        "/api/v1/credentials",
        "/api/v1/owners",
        "/api/v1/consumers",
        "/api/v1/alerts",
        "/api/v1/runs",
    ] {
        let (status, body) = get(&server, path, Some(&viewer));
        assert_eq!(status, 200, "{path}: {body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        assert!(value["total"].is_u64(), "{path}: {body}");
    }
    for format in ["html", "md", "json", "csv", "sarif"] {
        let (status, body) = get(&server, &format!("/api/v1/reports/{format}"), Some(&viewer));
        assert_eq!(status, 200, "{format}");
        assert!(body.len() > 200, "{format}: {body}");
    }

    // A viewer cannot suppress; an operator can, with a reason and an expiry.
    let (_, body) = get(
        &server,
        "/api/v1/findings?status=open&limit=1",
        Some(&viewer),
    );
    let finding = serde_json::from_str::<Value>(&body).unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expires = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();
    let suppress = |token: &str, body: &str| {
        http(
            &server,
            "POST",
            &format!("/api/v1/findings/{finding}/suppression"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .0
    };
    let good =
        format!("{{\"reason\": \"accepted for the migration\", \"expires\": \"{expires}\"}}");
    assert_eq!(suppress(&viewer, &good), 403);
    assert_eq!(
        suppress(&operator, "{\"reason\": \"\", \"expires\": \"2020-01-01\"}"),
        400
    );
    assert_eq!(suppress(&operator, &good), 200);
    let (_, body) = get(
        &server,
        &format!("/api/v1/findings/{finding}"),
        Some(&viewer),
    );
    assert!(body.contains("suppressed until"), "{body}");
    let (_, body) = get(&server, "/api/v1/findings?status=suppressed", Some(&viewer));
    assert!(body.contains(&finding), "{body}");
    let (status, audit) = get(&server, "/api/v1/audit", Some(&admin));
    assert_eq!(status, 200);
    assert!(
        audit.contains("finding.suppress") && audit.contains(&finding),
        "{audit}"
    );

    // A collection job runs on demand and is recorded with its counts.
    let run = run_job(&server, &operator, &viewer, "exports");
    assert_eq!(run["status"], "succeeded", "{run:#}");
    assert!(run["identities"].as_u64().unwrap() >= 20, "{run:#}");
    assert_eq!(
        run["trigger"],
        format!("manual:token:{}", operator.split('_').nth(1).unwrap())
    );

    // A scan job records what it finds in a new repository.
    let run = run_job(&server, &operator, &viewer, "repos");
    assert_eq!(run["status"], "succeeded", "{run:#}");
    let (status, body) = get(&server, "/api/v1/credentials?limit=500", Some(&viewer));
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("job-scan-root"),
        "no sighting in the scanned repository: {body}"
    );
    // Credentials page and filter in the store: a page is the slice of the full list.
    let all: Value = serde_json::from_str(&body).unwrap();
    let active: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["credential"]["status"] == "active")
        .collect();
    assert!(active.len() >= 3, "{all:#}");
    let (status, page) = get(
        &server,
        "/api/v1/credentials?status=active&limit=2&offset=1",
        Some(&viewer),
    );
    assert_eq!(status, 200, "{page}");
    let page: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["total"].as_u64().unwrap(), active.len() as u64);
    let ids = |items: &[&Value]| -> Vec<String> {
        items
            .iter()
            .map(|c| c["credential"]["id"].to_string())
            .collect()
    };
    let page_items: Vec<&Value> = page["items"].as_array().unwrap().iter().collect();
    assert_eq!(ids(&page_items), ids(&active[1..3]));
    let (status, problem) = get(&server, "/api/v1/credentials?provider=nope", Some(&viewer));
    assert_eq!(status, 400, "{problem}");
    assert!(problem.contains("provider"), "{problem}");
    let (status, consumers) = get(&server, "/api/v1/consumers?limit=1&offset=1", Some(&viewer));
    assert_eq!(status, 200, "{consumers}");
    let consumers: Value = serde_json::from_str(&consumers).unwrap();
    assert!(consumers["items"].as_array().unwrap().len() <= 1);
    assert!(consumers["total"].as_u64().unwrap() >= 1, "{consumers:#}");

    // A monitor job reads the log directory, stores its alerts, and a second run reads
    // nothing twice (the feed's checkpoint).
    let (_, before) = get(&server, "/api/v1/alerts?limit=1", Some(&viewer));
    let before: Value = serde_json::from_str(&before).unwrap();
    let run = run_job(&server, &operator, &viewer, "trail");
    assert_eq!(run["status"], "succeeded", "{run:#}");
    assert!(run["events"].as_u64().unwrap() > 0, "{run:#}");
    let (_, after) = get(&server, "/api/v1/alerts?limit=1", Some(&viewer));
    let after: Value = serde_json::from_str(&after).unwrap();
    let added = after["total"].as_u64().unwrap() - before["total"].as_u64().unwrap();
    assert!(
        added >= 3,
        "the monitor job stored {added} alerts: {after:#}"
    );
    // Alerts raised: each stored one at least (an alert raised again updates its row).
    assert!(run["alerts"].as_u64().unwrap() >= added, "{run:#}");
    // The config's sinks run in a job as in `nhi monitor`.
    let sunk = std::fs::read_to_string(&alerts_file).unwrap();
    assert!(sunk.lines().count() as u64 >= added, "{sunk}");
    let run = run_job(&server, &operator, &viewer, "trail");
    assert_eq!(run["status"], "succeeded", "{run:#}");
    assert_eq!(run["events"], 0, "{run:#}");
    let (_, again) = get(&server, "/api/v1/alerts?limit=1", Some(&viewer));
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        again["total"], after["total"],
        "the second run re-read the logs"
    );

    // Every page renders for an admin.
    let mut pages = vec![
        "/".to_string(),
        "/inventory".into(),
        "/inventory?q=readonly&sort=name&order=asc".into(),
        format!("/identities/{encoded}"),
        "/findings".into(),
        "/findings?severity=high&owasp=NHI2".into(),
        "/alerts".into(),
        "/compliance".into(),
        "/runs".into(),
        "/admin/tokens".into(),
        "/audit".into(),
    ];
    let mut everything = String::new();
    for path in pages.drain(..) {
        let (status, body) = get(&server, &path, Some(&admin));
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("<main"), "{path}");
        everything.push_str(&body);
    }
    assert!(everything.contains("acme-readonly"));
    assert!(
        everything.contains("<svg"),
        "charts and the graph are inline SVG"
    );
    // Every link the pages draw leads somewhere: an identity ARN's `/` must be encoded
    // or its link gains a path segment and answers 404.
    let mut links: Vec<String> = everything
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("/static/"))
        .map(|href| href.replace("&amp;", "&"))
        .collect();
    links.sort();
    links.dedup();
    assert!(
        links.iter().any(|l| l.starts_with("/identities/")),
        "{links:?}"
    );
    for link in &links {
        let (status, body) = get(&server, link, Some(&admin));
        assert_eq!(status, 200, "link {link}: {body}");
    }
    // Nothing is loaded from elsewhere.
    assert!(
        !everything.contains("src=\"http"),
        "no external scripts or images"
    );
    assert!(
        !everything.contains("href=\"http"),
        "no external stylesheets"
    );

    // Metrics count the requests by route, not by raw path.
    let (status, metrics) = get(&server, "/metrics", Some(&viewer));
    assert_eq!(status, 200);
    assert!(
        metrics.contains("route=\"/api/v1/identities/{id}\""),
        "{metrics}"
    );
    // The store pool is the size --store-connections asked for, and says how full it is.
    let gauge = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {metrics}"))
    };
    assert_eq!(gauge("nhi_store_connections_max"), 4);
    let open = gauge("nhi_store_connections_open");
    assert!((1..=4).contains(&open), "{open} connections open");
    assert!(gauge("nhi_store_connections_idle") <= open);
    gauge("nhi_store_waits_total");

    // No planted secret reaches any response.
    let (_, reports) = get(&server, "/api/v1/reports/json", Some(&viewer));
    let (_, credentials) = get(&server, "/api/v1/credentials?limit=500", Some(&viewer));
    everything.push_str(&reports);
    everything.push_str(&credentials);
    for secret in planted_secrets() {
        assert!(!everything.contains(&secret), "a planted secret leaked");
    }
}

#[test]
fn a_store_pool_of_no_connections_is_a_usage_error() {
    for bad in ["0", "1025", "many"] {
        let out = support::nhi()
            .args(["serve", "--db", "unused.db", "--store-connections", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--store-connections {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--store-connections"), "{stderr}");
    }
}
