//! The router against its own route list: every route but the public ones answers 401
//! without credentials and 403 to a role too low; session-authenticated changes need
//! the CSRF token; failed logins are limited; every response carries the security
//! headers; and the OpenAPI document lists exactly the API routes.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use nhi_server::{Access, RouteSpec, Surface};
use nhi_store::{LocalUser, Role, ServerStore, SqliteStore};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    router: axum::Router,
    specs: Vec<RouteSpec>,
    tokens: Vec<(Role, String)>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nhi.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let now = Timestamp::now();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let issued =
            nhi_server::auth::issue_token("test", role, SignedDuration::from_hours(1), "test", now)
                .unwrap();
        store.insert_api_token(&issued.row).unwrap();
        tokens.push((role, issued.token));
    }
    store
        .upsert_local_user(&LocalUser {
            name: "admin".into(),
            password_hash: nhi_server::auth::hash_password("correct horse battery").unwrap(),
            role: Role::Admin,
            created_at: now,
        })
        .unwrap();
    let state = common::app_state(&path);
    let (router, specs) = nhi_server::app(state);
    Fixture {
        _dir: dir,
        router,
        specs,
        tokens,
    }
}

impl Fixture {
    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    async fn send(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.unwrap()
    }
}

/// A concrete path for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{format}", "json")
        .replace("{id}", "no-such-id")
}

fn request(spec: &RouteSpec, auth: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(spec.method)
        .uri(concrete(spec.path));
    if let Some(token) = auth {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if spec.mutates() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
        builder.body(Body::from("{}")).unwrap()
    } else {
        builder.body(Body::empty()).unwrap()
    }
}

#[tokio::test]
async fn every_route_is_authenticated_and_authorised() {
    let f = fixture();
    assert!(f.specs.len() > 30, "{} routes", f.specs.len());
    let public: Vec<&str> = f
        .specs
        .iter()
        .filter(|s| s.access == Access::Public)
        .map(|s| s.path)
        .collect();
    // Health, readiness, the login form and the assets it needs; nothing else.
    assert_eq!(
        public,
        [
            "/healthz",
            "/readyz",
            "/login",
            "/login",
            "/static/app.css",
            "/static/app.js"
        ]
    );
    for spec in &f.specs {
        let anonymous = f.send(request(spec, None)).await.status();
        let Access::AtLeast(required) = spec.access else {
            assert_ne!(anonymous, StatusCode::UNAUTHORIZED, "{spec:?}");
            continue;
        };
        assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{spec:?}");
        let forged = f
            .send(request(spec, Some("nhit_0000000000000000_forged")))
            .await
            .status();
        assert_eq!(
            forged,
            StatusCode::UNAUTHORIZED,
            "{spec:?} with a forged token"
        );
        for (role, token) in &f.tokens {
            let status = f.send(request(spec, Some(token))).await.status();
            if *role < required {
                assert_eq!(status, StatusCode::FORBIDDEN, "{spec:?} as {role}");
            } else {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{spec:?} as {role} gave {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let f = fixture();
    for uri in ["/healthz", "/login", "/api/v1/identities", "/nowhere"] {
        let response = f.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{uri}");
    }
    // Errors are problem+json.
    let response = f
        .send(
            Request::get("/api/v1/identities")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

fn set_cookie(response: &axum::response::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

async fn body_text(response: axum::response::Response) -> String {
    String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
}

/// Logs in with the form, as a browser would; returns the session cookie and the
/// page's CSRF token.
async fn login(f: &Fixture, password: &str) -> (StatusCode, Option<String>) {
    let form = f
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let csrf_cookie = set_cookie(&form, "nhi_login_csrf").unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
    let csrf = cookie_value(&csrf_cookie);
    let response = f
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("nhi_login_csrf={csrf}"))
                .body(Body::from(format!(
                    "_csrf={csrf}&username=admin&password={}",
                    password.replace(' ', "+")
                )))
                .unwrap(),
        )
        .await;
    let session = set_cookie(&response, "nhi_session").map(|c| {
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite=Strict"), "{c}");
        cookie_value(&c)
    });
    (response.status(), session)
}

#[tokio::test]
async fn session_changes_need_the_csrf_token() {
    let f = fixture();
    let (status, session) = login(&f, "correct horse battery").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = session.unwrap();
    let page = f
        .send(
            Request::get("/admin/tokens")
                .header(header::COOKIE, format!("nhi_session={session}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let create = |token: Option<&str>| {
        let body = match token {
            Some(t) => format!("_csrf={t}&name=ci&role=viewer&ttl=1d"),
            None => "name=ci&role=viewer&ttl=1d".to_string(),
        };
        Request::post("/admin/tokens")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("nhi_session={session}"))
            .body(Body::from(body))
            .unwrap()
    };
    // A forged cross-site POST carries the cookie but cannot know the token.
    assert_eq!(f.send(create(None)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        f.send(create(Some("guessed"))).await.status(),
        StatusCode::FORBIDDEN
    );
    let created = f.send(create(Some(&csrf))).await;
    assert_eq!(created.status(), StatusCode::OK);
    let html = body_text(created).await;
    assert!(html.contains("nhit_"), "the new token is shown once");

    // The refusals and the creation are in the audit log.
    let admin = f.token(Role::Admin).to_string();
    let audit = f
        .send(
            Request::get("/api/v1/audit")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let audit: serde_json::Value = serde_json::from_str(&body_text(audit).await).unwrap();
    let entries = audit["items"].as_array().unwrap();
    let outcome = |action: &str, outcome: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(outcome("POST /admin/tokens", "denied"), 2, "{audit:#}");
    assert_eq!(outcome("token.create", "ok"), 1, "{audit:#}");
    assert_eq!(outcome("login", "ok"), 1, "{audit:#}");
    // No token value reaches the audit log.
    assert!(!audit.to_string().contains("nhit_"), "{audit:#}");
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let f = fixture();
    for _ in 0..5 {
        let (status, session) = login(&f, "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(session.is_none());
    }
    // Even the right password waits now.
    let (status, session) = login(&f, "correct horse battery").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(session.is_none());
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_api_routes() {
    let f = fixture();
    let response = f
        .send(
            Request::get("/openapi.json")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", f.token(Role::Viewer)),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = f
        .specs
        .iter()
        .filter(|s| s.surface == Surface::Api)
        .map(|s| (s.method.to_string(), s.path.to_string()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
