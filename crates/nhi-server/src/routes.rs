//! The route table. Every route is added through [`Routes::add`], which records it with
//! the access it requires and wraps it in the check: the router and the list that tests
//! and the OpenAPI check walk come from the same calls, so they cannot drift apart.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use jiff::Timestamp;
use nhi_store::Role;

use crate::auth::{self, AuthMethod, Principal};
use crate::problem::ApiError;
use crate::state::{AppState, with_store};
use crate::{api, pages};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Health, readiness, the login form and the static assets it needs.
    Public,
    /// An authenticated caller with at least this role.
    AtLeast(Role),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// JSON under `/api/`: documented in `/openapi.json`.
    Api,
    /// HTML pages and forms.
    Page,
    /// Plain endpoints for machines (health, metrics, the OpenAPI document).
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub surface: Surface,
}

impl RouteSpec {
    pub fn mutates(&self) -> bool {
        !matches!(self.method, "GET" | "HEAD")
    }
}

struct Routes {
    state: Arc<AppState>,
    router: Router<Arc<AppState>>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        surface: Surface,
        handler: MethodRouter<Arc<AppState>>,
    ) -> Self {
        let spec = RouteSpec {
            method,
            path,
            access,
            surface,
        };
        self.specs.push(spec);
        let guarded = handler.route_layer(middleware::from_fn_with_state(
            Arc::clone(&self.state),
            move |state: State<Arc<AppState>>, request: Request, next: Next| {
                authorize(state, spec, request, next)
            },
        ));
        self.router = self.router.route(path, guarded);
        self
    }
}

/// The whole application, and the list of its routes.
pub fn build(state: Arc<AppState>) -> (Router, Vec<RouteSpec>) {
    use Access::{AtLeast, Public};
    use Role::{Admin, Operator, Viewer};
    use Surface::{Api, Page, Plain};
    let routes = Routes {
        state: Arc::clone(&state),
        router: Router::new(),
        specs: Vec::new(),
    }
    // Machines
    .add("GET", "/healthz", Public, Plain, get(api::healthz))
    .add("GET", "/readyz", Public, Plain, get(api::readyz))
    .add("GET", "/metrics", AtLeast(Viewer), Plain, get(api::metrics))
    .add(
        "GET",
        "/openapi.json",
        AtLeast(Viewer),
        Plain,
        get(api::openapi),
    )
    // API
    .add(
        "GET",
        "/api/v1/identities",
        AtLeast(Viewer),
        Api,
        get(api::list_identities),
    )
    .add(
        "GET",
        "/api/v1/identities/{id}",
        AtLeast(Viewer),
        Api,
        get(api::get_identity),
    )
    .add(
        "GET",
        "/api/v1/identities/{id}/graph",
        AtLeast(Viewer),
        Api,
        get(api::identity_graph),
    )
    .add(
        "GET",
        "/api/v1/credentials",
        AtLeast(Viewer),
        Api,
        get(api::list_credentials),
    )
    .add(
        "GET",
        "/api/v1/owners",
        AtLeast(Viewer),
        Api,
        get(api::list_owners),
    )
    .add(
        "GET",
        "/api/v1/consumers",
        AtLeast(Viewer),
        Api,
        get(api::list_consumers),
    )
    .add(
        "GET",
        "/api/v1/findings",
        AtLeast(Viewer),
        Api,
        get(api::list_findings),
    )
    .add(
        "GET",
        "/api/v1/findings/{id}",
        AtLeast(Viewer),
        Api,
        get(api::get_finding),
    )
    .add(
        "POST",
        "/api/v1/findings/{id}/suppression",
        AtLeast(Operator),
        Api,
        post(api::suppress_finding),
    )
    .add(
        "DELETE",
        "/api/v1/findings/{id}/suppression",
        AtLeast(Operator),
        Api,
        delete(api::unsuppress_finding),
    )
    .add(
        "GET",
        "/api/v1/alerts",
        AtLeast(Viewer),
        Api,
        get(api::list_alerts),
    )
    .add(
        "GET",
        "/api/v1/reports/{format}",
        AtLeast(Viewer),
        Api,
        get(api::report),
    )
    .add(
        "GET",
        "/api/v1/runs",
        AtLeast(Viewer),
        Api,
        get(api::list_runs),
    )
    .add(
        "POST",
        "/api/v1/runs",
        AtLeast(Operator),
        Api,
        post(api::trigger_run),
    )
    .add(
        "GET",
        "/api/v1/audit",
        AtLeast(Admin),
        Api,
        get(api::audit_log),
    )
    .add(
        "GET",
        "/api/v1/tokens",
        AtLeast(Admin),
        Api,
        get(api::list_tokens),
    )
    .add(
        "POST",
        "/api/v1/tokens",
        AtLeast(Admin),
        Api,
        post(api::create_token),
    )
    .add(
        "DELETE",
        "/api/v1/tokens/{id}",
        AtLeast(Admin),
        Api,
        delete(api::revoke_token),
    )
    // Dashboard
    .add("GET", "/login", Public, Page, get(pages::login_form))
    .add("POST", "/login", Public, Page, post(pages::login))
    .add(
        "POST",
        "/logout",
        AtLeast(Viewer),
        Page,
        post(pages::logout),
    )
    .add(
        "GET",
        "/static/app.css",
        Public,
        Page,
        get(pages::stylesheet),
    )
    .add("GET", "/static/app.js", Public, Page, get(pages::script))
    .add("GET", "/", AtLeast(Viewer), Page, get(pages::overview))
    .add(
        "GET",
        "/inventory",
        AtLeast(Viewer),
        Page,
        get(pages::inventory),
    )
    .add(
        "GET",
        "/identities/{id}",
        AtLeast(Viewer),
        Page,
        get(pages::identity),
    )
    .add(
        "GET",
        "/findings",
        AtLeast(Viewer),
        Page,
        get(pages::findings),
    )
    .add(
        "POST",
        "/findings/{id}/suppress",
        AtLeast(Operator),
        Page,
        post(pages::suppress),
    )
    .add("GET", "/alerts", AtLeast(Viewer), Page, get(pages::alerts))
    .add(
        "GET",
        "/compliance",
        AtLeast(Viewer),
        Page,
        get(pages::compliance),
    )
    .add("GET", "/runs", AtLeast(Viewer), Page, get(pages::runs))
    .add(
        "POST",
        "/runs",
        AtLeast(Operator),
        Page,
        post(pages::trigger_run),
    )
    .add(
        "GET",
        "/admin/tokens",
        AtLeast(Admin),
        Page,
        get(pages::tokens),
    )
    .add(
        "POST",
        "/admin/tokens",
        AtLeast(Admin),
        Page,
        post(pages::create_token),
    )
    .add(
        "POST",
        "/admin/tokens/{id}/revoke",
        AtLeast(Admin),
        Page,
        post(pages::revoke_token),
    )
    .add("GET", "/audit", AtLeast(Admin), Page, get(pages::audit));

    let router = routes
        .router
        .fallback(|| async { ApiError::status(StatusCode::NOT_FOUND) })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            security_headers,
        ))
        .with_state(state);
    (router, routes.specs)
}

/// The authenticated caller of a request; handlers behind a role take it as an extractor.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub source_ip: Option<std::net::IpAddr>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::status(StatusCode::UNAUTHORIZED))
    }
}

pub fn source_ip(headers: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    headers
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Finds who is calling: a bearer token first, else the session cookie.
async fn authenticate(
    state: &Arc<AppState>,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let session = cookie(headers, auth::SESSION_COOKIE).map(str::to_string);
    if bearer.is_none() && session.is_none() {
        return Ok(None);
    }
    with_store(state, move |store| {
        let now = Timestamp::now();
        if let Some(token) = bearer {
            return Ok(auth::verify_token(store, &token, now)?);
        }
        match session {
            Some(cookie) => Ok(auth::session_principal(store, &cookie, now)?),
            None => Ok(None),
        }
    })
    .await
}

/// The most a form body may be when the CSRF check must read it.
const MAX_FORM_BYTES: usize = 64 * 1024;

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

async fn authorize(
    State(state): State<Arc<AppState>>,
    spec: RouteSpec,
    request: Request,
    next: Next,
) -> Response {
    let Access::AtLeast(required) = spec.access else {
        return next.run(request).await;
    };
    let ip = source_ip(request.extensions());
    let principal = match authenticate(&state, request.headers()).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return unauthenticated(&state, spec),
        Err(err) => return err.into_response(),
    };
    if principal.role < required {
        if spec.mutates() {
            crate::audit::record(
                &state,
                &principal,
                ip,
                &format!("{} {}", spec.method, spec.path),
                request.uri().path(),
                "denied",
                serde_json::json!({"required_role": required.as_str()}),
            )
            .await;
        }
        return forbidden(spec, &format!("this needs the {required} role"));
    }
    let mut request = request;
    if spec.mutates()
        && let AuthMethod::Session { csrf_token, .. } = &principal.via
    {
        // Cookies ride along on cross-site requests; a bearer token cannot. So only
        // session-authenticated changes need the synchroniser token.
        let from_header = request
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let presented = match from_header {
            Some(token) => Some(token),
            None => {
                let (parts, body) = request.into_parts();
                let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "form too large")
                            .into_response();
                    }
                };
                let token = form_field(&bytes, "_csrf");
                request = Request::from_parts(parts, Body::from(bytes));
                token
            }
        };
        if !auth::csrf_matches(csrf_token, presented.as_deref()) {
            crate::audit::record(
                &state,
                &principal,
                ip,
                &format!("{} {}", spec.method, spec.path),
                request.uri().path(),
                "denied",
                serde_json::json!({"reason": "missing or wrong CSRF token"}),
            )
            .await;
            return forbidden(spec, "missing or wrong CSRF token");
        }
    }
    request.extensions_mut().insert(Caller {
        principal,
        source_ip: ip,
    });
    next.run(request).await
}

fn unauthenticated(state: &AppState, spec: RouteSpec) -> Response {
    match spec.surface {
        Surface::Page => {
            let mut response = pages::login_page(state, StatusCode::UNAUTHORIZED, None);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"nhi\""),
            );
            response
        }
        _ => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "a bearer token or session is required",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"nhi\""),
            );
            response
        }
    }
}

fn forbidden(_spec: RouteSpec, why: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, why).into_response()
}

/// Request counts and latency by matched route.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state.metrics.observe(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The dashboard runs no inline script and no third-party content, so the policy can
/// be strict; API responses get the same headers, which cost nothing.
async fn security_headers(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if state.settings.tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// `Set-Cookie` for a session or login cookie: HttpOnly and SameSite=Strict always,
/// Secure when the server speaks TLS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn is_method(spec: &RouteSpec, method: &Method) -> bool {
    spec.method == method.as_str()
}
