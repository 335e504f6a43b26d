//! The dashboard: server-rendered pages (minijinja templates compiled into the binary),
//! charts drawn as SVG here, one small script of our own, nothing from a CDN.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use minijinja::{Environment, Value, context};
use nhi_model::OwaspNhi;
use nhi_store::{AuditFilter, FindingQuery, IdentityQuery, IdentitySort, Role};
use serde::{Deserialize, Serialize};

use crate::api::{self, AlertParams, FindingParams, IdentityParams};
use crate::auth::{self, AuthMethod};
use crate::graph;
use crate::index::Summary;
use crate::problem::ApiError;
use crate::routes::{self, Caller};
use crate::state::{AppState, with_store};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("overview.html", include_str!("../templates/overview.html")),
    (
        "inventory.html",
        include_str!("../templates/inventory.html"),
    ),
    ("identity.html", include_str!("../templates/identity.html")),
    ("findings.html", include_str!("../templates/findings.html")),
    ("alerts.html", include_str!("../templates/alerts.html")),
    (
        "compliance.html",
        include_str!("../templates/compliance.html"),
    ),
    ("runs.html", include_str!("../templates/runs.html")),
    ("tokens.html", include_str!("../templates/tokens.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("error.html", include_str!("../templates/error.html")),
];

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.add_filter("segment", path_segment);
    for (name, source) in TEMPLATES {
        // The templates are compiled into the binary and tested; a broken one is a bug.
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
    }
    env
}

/// Percent-encodes a value for one URL path segment. minijinja's `urlencode` keeps `/`
/// (as Jinja's does, for whole paths), and identity IDs hold ARNs such as
/// `arn:aws:iam::1:user/ci`: their `/` must become `%2F` or the link has an extra segment.
pub fn path_segment(value: String) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An error page for the dashboard (the API's errors are problem+json).
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        PageError(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let message = graph::escape(&self.0.message());
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>nhi: error</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"narrow\">\
             <h1>{}</h1><p>{message}</p><p><a href=\"/\">Back to the overview</a></p></main></body></html>",
            self.0.status.as_u16()
        );
        (self.0.status, Html(body)).into_response()
    }
}

type PageResult = Result<Response, PageError>;

fn render(state: &AppState, name: &str, ctx: Value) -> PageResult {
    let template = state
        .templates
        .get_template(name)
        .map_err(ApiError::internal)?;
    let html = template.render(ctx).map_err(ApiError::internal)?;
    Ok(Html(html).into_response())
}

/// What every page's layout needs: who is logged in, with what role, and the CSRF
/// token for its forms.
fn chrome(caller: &Caller, page: &str) -> Value {
    let csrf = match &caller.principal.via {
        AuthMethod::Session { csrf_token, .. } => csrf_token.clone(),
        AuthMethod::Bearer => String::new(),
    };
    context! {
        page => page,
        user => caller.principal.subject.clone(),
        role => caller.principal.role.as_str(),
        can_operate => caller.principal.role >= Role::Operator,
        is_admin => caller.principal.role >= Role::Admin,
        csrf => csrf,
    }
}

// ---- login ----------------------------------------------------------------------------

/// The login page with a fresh double-submit CSRF cookie.
pub fn login_page(state: &AppState, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = auth::login_csrf();
    let html = state
        .templates
        .get_template("login.html")
        .and_then(|t| t.render(context! { csrf => csrf.clone(), error => error }))
        .unwrap_or_else(|e| format!("template error: {e}"));
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        routes::set_cookie(state, auth::LOGIN_CSRF_COOKIE, &csrf, 600),
    );
    response
}

pub async fn login_form(State(state): State<Arc<AppState>>) -> Response {
    login_page(&state, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    _csrf: String,
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request_extensions: axum::http::Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    let ip = routes::source_ip(&request_extensions);
    let expected = routes::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::csrf_matches(expected, Some(&form._csrf)) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            Some("The form expired or was not sent from this site; please try again."),
        );
    }
    let name = if form.token.trim().is_empty() {
        form.username.trim().to_string()
    } else {
        "(token)".to_string()
    };
    let now = Timestamp::now();
    if let Some(wait) = state.limiter.blocked_for(ip, &name, now) {
        state.metrics.increment("login_rate_limited");
        crate::audit::record_as(
            &state,
            &name,
            "",
            ip,
            "login",
            &name,
            "denied",
            serde_json::json!({"reason": "rate limited"}),
        )
        .await;
        let mut response = login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed logins; wait a few minutes."),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let token = form.token.trim().to_string();
    let (username, password) = (form.username.trim().to_string(), form.password);
    let ttl = state.settings.session_ttl;
    let outcome = with_store(&state, move |store| {
        let who = if !token.is_empty() {
            auth::verify_token(store, &token, now)?.map(|p| (p.subject, p.role))
        } else {
            auth::verify_password(store, &username, &password)?
                .map(|u| (format!("user:{}", u.name), u.role))
        };
        match who {
            Some((subject, role)) => Ok(Some((
                subject.clone(),
                role,
                auth::open_session(store, &subject, role, ttl, now)?,
            ))),
            None => Ok(None),
        }
    })
    .await;
    match outcome {
        Ok(Some((subject, role, session))) => {
            state.limiter.record_success(ip, &name);
            crate::audit::record_as(
                &state,
                &subject,
                role.as_str(),
                ip,
                "login",
                &subject,
                "ok",
                serde_json::json!({}),
            )
            .await;
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                routes::set_cookie(&state, auth::SESSION_COOKIE, &session, ttl.as_secs()),
            );
            response.headers_mut().append(
                header::SET_COOKIE,
                routes::set_cookie(&state, auth::LOGIN_CSRF_COOKIE, "", 0),
            );
            response
        }
        Ok(None) => {
            state.limiter.record_failure(ip, &name, now);
            state.metrics.increment("login_failed");
            crate::audit::record_as(
                &state,
                &name,
                "",
                ip,
                "login",
                &name,
                "denied",
                serde_json::json!({"reason": "wrong credentials"}),
            )
            .await;
            login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some("That name and password, or that token, is not valid."),
            )
        }
        Err(err) => PageError(err).into_response(),
    }
}

pub async fn logout(State(state): State<Arc<AppState>>, caller: Caller) -> Response {
    if let AuthMethod::Session { id_sha256, .. } = &caller.principal.via {
        let id = id_sha256.clone();
        let _ = with_store(&state, move |store| Ok(store.delete_session(&id)?)).await;
    }
    crate::audit::record(
        &state,
        &caller.principal,
        caller.source_ip,
        "logout",
        &caller.principal.subject,
        "ok",
        serde_json::json!({}),
    )
    .await;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        routes::set_cookie(&state, auth::SESSION_COOKIE, "", 0),
    );
    response
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/app.js"),
    )
        .into_response()
}

// ---- overview ---------------------------------------------------------------------

pub async fn overview(State(state): State<Arc<AppState>>, caller: Caller) -> PageResult {
    let (snapshots, alerts) = with_store(&state, |store| {
        let snapshots = store.snapshots(30)?;
        let alerts = store.alerts(&nhi_store::AlertFilter {
            limit: Some(10),
            ..Default::default()
        })?;
        Ok((snapshots, alerts))
    })
    .await?;
    let latest = snapshots.first();
    let summary: Summary = latest
        .and_then(|s| serde_json::from_str(&s.summary).ok())
        .unwrap_or_default();
    let tiers = ["critical", "high", "medium", "low"];
    let providers: Vec<Value> = summary
        .by_provider_tier
        .iter()
        .map(|(provider, by_tier)| {
            context! {
                provider => provider,
                total => by_tier.values().sum::<u64>(),
                tiers => tiers.iter().map(|t| by_tier.get(*t).copied().unwrap_or(0)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let owasp: Vec<Value> = OwaspNhi::ALL
        .iter()
        .map(|risk| {
            context! {
                id => risk.as_str(),
                title => risk.title(),
                open => summary.by_owasp.get(risk.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();
    let tier_chart = graph::bars(
        "Identities by risk tier",
        &tiers
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    summary.by_risk_tier.get(*t).copied().unwrap_or(0),
                )
            })
            .collect::<Vec<_>>(),
    );
    let mut trend_points: Vec<(String, u64)> = snapshots
        .iter()
        .map(|s| {
            (
                s.built_at.strftime("%Y-%m-%d %H:%M").to_string(),
                s.findings_open,
            )
        })
        .collect();
    trend_points.reverse();
    let trend = graph::trend("Open findings over analyses", &trend_points);
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .filter_map(|a| serde_json::from_str(&a.json).ok())
        .collect();
    render(
        &state,
        "overview.html",
        context! {
            ..chrome(&caller, "overview"),
            ..context! {
                snapshot => latest.map(|s| context! {
                    built_at => s.built_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                    identities => s.identities,
                    credentials => s.credentials,
                    findings_open => s.findings_open,
                }),
                providers => providers,
                tiers => tiers,
                owasp => owasp,
                rotation_due => summary.rotation_due,
                alerts => alerts,
                tier_chart => Value::from_safe_string(tier_chart),
                trend => Value::from_safe_string(trend),
            }
        },
    )
}

// ---- inventory --------------------------------------------------------------------

/// The query string of a list page with one parameter changed: sort links and pagers.
fn link_with(base: &str, params: &BTreeMap<&str, String>, key: &str, value: &str) -> String {
    let mut params = params.clone();
    params.insert(key, value.to_string());
    if key != "offset" {
        params.remove("offset");
    }
    let query = serde_urlencoded::to_string(
        params
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    format!("{base}?{query}")
}

#[derive(Serialize)]
struct Pager {
    from: u64,
    to: u64,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
}

fn pager(
    base: &str,
    params: &BTreeMap<&str, String>,
    total: u64,
    limit: usize,
    offset: usize,
    shown: usize,
) -> Pager {
    Pager {
        from: if shown == 0 { 0 } else { offset as u64 + 1 },
        to: (offset + shown) as u64,
        total,
        prev: (offset > 0).then(|| {
            link_with(
                base,
                params,
                "offset",
                &offset.saturating_sub(limit).to_string(),
            )
        }),
        next: ((offset + shown) < total as usize)
            .then(|| link_with(base, params, "offset", &(offset + limit).to_string())),
    }
}

pub async fn inventory(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<IdentityParams>,
) -> PageResult {
    let query: IdentityQuery = params.query()?;
    let (limit, offset, sort, descending) =
        (query.limit, query.offset, query.sort, query.descending);
    let page = crate::index::identity_page(&state, query).await?;
    let mut current: BTreeMap<&str, String> = BTreeMap::new();
    for (key, value) in [
        ("provider", &params.provider),
        ("kind", &params.kind),
        ("risk_tier", &params.risk_tier),
        ("privilege_tier", &params.privilege_tier),
        ("owner", &params.owner),
        ("q", &params.q),
        ("sort", &params.sort),
        ("order", &params.order),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            current.insert(key, value.clone());
        }
    }
    if let Some(limit) = params.limit {
        current.insert("limit", limit.to_string());
    }
    let sorts: Vec<Value> = IdentitySort::ALL
        .iter()
        .map(|s| {
            let active = *s == sort;
            let next_order = if active && descending { "asc" } else { "desc" };
            let mut with_sort = current.clone();
            with_sort.insert("sort", s.as_str().to_string());
            context! {
                key => s.as_str(),
                active => active,
                aria => if active { if descending { "descending" } else { "ascending" } } else { "none" },
                href => link_with("/inventory", &with_sort, "order", next_order),
            }
        })
        .collect();
    let shown = page.items.len();
    let rows: Vec<api::IdentitySummary> = page
        .items
        .into_iter()
        .map(api::IdentitySummary::from)
        .collect();
    render(
        &state,
        "inventory.html",
        context! {
            ..chrome(&caller, "inventory"),
            ..context! {
                rows => rows,
                filters => current.clone(),
                sorts => sorts,
                pager => pager("/inventory", &current, page.total, limit, offset, shown),
            }
        },
    )
}

// ---- identity ---------------------------------------------------------------------

pub async fn identity(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> PageResult {
    let lookup = id.clone();
    let (row, alerts) = with_store(&state, move |store| {
        let Some(row) = store.identity_row(&lookup)? else {
            return Err(ApiError::not_found("identity"));
        };
        let card: serde_json::Value =
            serde_json::from_str(&row.body).map_err(ApiError::internal)?;
        // Alerts name an identity by inventory ID, ARN or external ID.
        let mut alerts = Vec::new();
        let names = [
            Some(row.id.clone()),
            card.get("external_id")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        ];
        for name in names.into_iter().flatten() {
            alerts.extend(store.alerts(&nhi_store::AlertFilter {
                identity: Some(name),
                limit: Some(50),
                ..Default::default()
            })?);
        }
        Ok((row, alerts))
    })
    .await?;
    let card: serde_json::Value = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    let neighbourhood = graph::neighbourhood(&card);
    let svg = graph::svg(&neighbourhood, &format!("How {} connects", row.name));
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .filter_map(|a| serde_json::from_str(&a.json).ok())
        .collect();
    // The timeline: what the platforms and the monitor saw happen to this identity.
    let mut timeline: Vec<(String, String)> = Vec::new();
    let mut at = |when: Option<&serde_json::Value>, what: String| {
        if let Some(when) = when.and_then(|v| v.as_str()) {
            timeline.push((when.to_string(), what));
        }
    };
    at(card.get("created"), "identity created".into());
    at(card.get("last_used"), "identity last used".into());
    for credential in card
        .get("credentials")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let name = credential
            .get("preview")
            .or_else(|| credential.get("external_id"))
            .and_then(|v| v.as_str())
            .unwrap_or("credential")
            .to_string();
        at(credential.get("created"), format!("{name} created"));
        at(credential.get("last_rotated"), format!("{name} rotated"));
        at(credential.get("last_used"), format!("{name} last used"));
    }
    for alert in &alerts {
        at(
            alert.get("first_seen"),
            format!(
                "alert {}: {}",
                alert
                    .get("detection")
                    .and_then(|v| v.as_str())
                    .unwrap_or(""),
                alert.get("title").and_then(|v| v.as_str()).unwrap_or("")
            ),
        );
    }
    timeline.sort();
    timeline.reverse();
    render(
        &state,
        "identity.html",
        context! {
            ..chrome(&caller, "inventory"),
            ..context! {
                row => api::IdentitySummary::from(row),
                card => card,
                graph_svg => Value::from_safe_string(svg),
                graph => neighbourhood,
                alerts => alerts,
                timeline => timeline,
            }
        },
    )
}

// ---- findings ---------------------------------------------------------------------

pub async fn findings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<FindingParams>,
) -> PageResult {
    let query: FindingQuery = params.query()?;
    let (limit, offset) = (query.limit, query.offset);
    let page = with_store(&state, move |store| Ok(store.finding_page(&query)?)).await?;
    let mut current: BTreeMap<&str, String> = BTreeMap::new();
    for (key, value) in [
        ("severity", &params.severity),
        ("owasp", &params.owasp),
        ("status", &params.status),
        ("q", &params.q),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            current.insert(key, value.clone());
        }
    }
    let shown = page.items.len();
    let rows: Vec<serde_json::Value> = page
        .items
        .into_iter()
        .map(|row| {
            let mut body: serde_json::Value =
                serde_json::from_str(&row.body).unwrap_or(serde_json::Value::Null);
            if let Some(map) = body.as_object_mut() {
                map.insert("indexed_status".into(), row.status.into());
            }
            body
        })
        .collect();
    let default_expiry = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(90))
        .map(|d| d.to_string())
        .unwrap_or_default();
    render(
        &state,
        "findings.html",
        context! {
            ..chrome(&caller, "findings"),
            ..context! {
                rows => rows,
                filters => current.clone(),
                owasp => OwaspNhi::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                pager => pager("/findings", &current, page.total, limit, offset, shown),
                default_expiry => default_expiry,
            }
        },
    )
}

#[derive(Deserialize)]
pub struct SuppressForm {
    reason: String,
    expires: String,
}

pub async fn suppress(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<SuppressForm>,
) -> PageResult {
    api::apply_suppression(&state, &caller, id, form.reason, form.expires).await?;
    Ok(Redirect::to("/findings?status=suppressed").into_response())
}

// ---- alerts, compliance, runs ------------------------------------------------------

pub async fn alerts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<AlertParams>,
) -> PageResult {
    const LIMIT: usize = 100;
    let filter = params.filter()?;
    let offset = params.offset.unwrap_or(0);
    let (total, alerts) = with_store(&state, move |store| {
        let total = store.alert_count(&filter)?;
        let alerts = store.alerts(&nhi_store::AlertFilter {
            limit: Some(LIMIT),
            offset: Some(offset),
            ..filter
        })?;
        Ok((total, alerts))
    })
    .await?;
    let rows: Vec<serde_json::Value> = alerts
        .iter()
        .filter_map(|a| serde_json::from_str(&a.json).ok())
        .collect();
    let mut current = BTreeMap::new();
    for (name, value) in [
        ("severity", &params.severity),
        ("identity", &params.identity),
        ("detection", &params.detection),
    ] {
        if let Some(value) = value.clone().filter(|v| !v.is_empty()) {
            current.insert(name, value);
        }
    }
    render(
        &state,
        "alerts.html",
        context! {
            ..chrome(&caller, "alerts"),
            ..context! {
                rows => rows,
                severity => params.severity,
                pager => pager("/alerts", &current, total, LIMIT, offset, alerts.len()),
            }
        },
    )
}

pub async fn compliance(State(state): State<Arc<AppState>>, caller: Caller) -> PageResult {
    let snapshots = with_store(&state, |store| Ok(store.snapshots(1)?)).await?;
    let summary: Summary = snapshots
        .first()
        .and_then(|s| serde_json::from_str(&s.summary).ok())
        .unwrap_or_default();
    // Control → the OWASP risks mapped to it → open findings under those risks.
    let mut controls: BTreeMap<(String, String), (String, Vec<String>, u64)> = BTreeMap::new();
    for risk in OwaspNhi::ALL {
        let open = summary.by_owasp.get(risk.as_str()).copied().unwrap_or(0);
        for control in nhi_model::references(*risk) {
            let entry = controls
                .entry((control.framework.key().to_string(), control.id.to_string()))
                .or_insert_with(|| (control.title.to_string(), Vec::new(), 0));
            entry.1.push(risk.as_str().to_string());
            entry.2 += open;
        }
    }
    let rows: Vec<Value> = controls
        .into_iter()
        .map(|((framework, id), (title, risks, open))| {
            context! { framework, id, title, risks, open, status => if open == 0 { "met" } else { "gaps" } }
        })
        .collect();
    render(
        &state,
        "compliance.html",
        context! { ..chrome(&caller, "compliance"), ..context! { rows => rows } },
    )
}

pub async fn runs(State(state): State<Arc<AppState>>, caller: Caller) -> PageResult {
    let page = with_store(&state, |store| Ok(store.runs(100, 0)?)).await?;
    let rows: Vec<api::RunSummary> = page.items.into_iter().map(Into::into).collect();
    render(
        &state,
        "runs.html",
        context! {
            ..chrome(&caller, "runs"),
            ..context! { rows => rows, total => page.total, jobs => state.jobs.names() }
        },
    )
}

#[derive(Deserialize)]
pub struct RunForm {
    job: String,
}

pub async fn trigger_run(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Form(form): Form<RunForm>,
) -> PageResult {
    crate::jobs::trigger(&state, &caller, &form.job).await?;
    Ok(Redirect::to("/runs").into_response())
}

// ---- admin ------------------------------------------------------------------------

async fn tokens_page(state: &Arc<AppState>, caller: &Caller, created: Option<Value>) -> PageResult {
    let tokens = with_store(state, |store| Ok(store.api_tokens()?)).await?;
    let rows: Vec<api::TokenSummary> = tokens.into_iter().map(Into::into).collect();
    render(
        state,
        "tokens.html",
        context! {
            ..chrome(caller, "tokens"),
            ..context! { rows => rows, created => created }
        },
    )
}

pub async fn tokens(State(state): State<Arc<AppState>>, caller: Caller) -> PageResult {
    tokens_page(&state, &caller, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    role: String,
    ttl: String,
}

pub async fn create_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let created = api::issue(&state, &caller, &form.name, &form.role, &form.ttl).await?;
    tokens_page(
        &state,
        &caller,
        Some(context! { token => created.token, id => created.summary.id }),
    )
    .await
}

pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> PageResult {
    api::revoke(&state, &caller, id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

#[derive(Deserialize)]
pub struct AuditPageParams {
    offset: Option<usize>,
}

pub async fn audit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<AuditPageParams>,
) -> PageResult {
    let offset = params.offset.unwrap_or(0);
    let page = with_store(&state, move |store| {
        Ok(store.audit_log(&AuditFilter {
            limit: 100,
            offset,
            ..Default::default()
        })?)
    })
    .await?;
    let shown = page.items.len();
    let current = BTreeMap::new();
    render(
        &state,
        "audit.html",
        context! {
            ..chrome(&caller, "audit"),
            ..context! {
                rows => page.items,
                pager => pager("/audit", &current, page.total, 100, offset, shown),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn a_path_segment_encodes_slashes_and_colons() {
        assert_eq!(
            path_segment("aws:iam_user:arn:aws:iam::1:user/ci bot".into()),
            "aws%3Aiam_user%3Aarn%3Aaws%3Aiam%3A%3A1%3Auser%2Fci%20bot"
        );
        assert_eq!(path_segment("nhi-F.1~x_y".into()), "nhi-F.1~x_y");
        assert_eq!(path_segment("é".into()), "%C3%A9");
    }
}
