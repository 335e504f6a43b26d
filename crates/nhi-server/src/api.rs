//! The REST API under `/api/v1`, plus health, readiness, metrics and the OpenAPI
//! document. Lists page with `limit` and `offset` and say how many there are in all;
//! errors are `application/problem+json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use nhi_store::{
    AlertFilter, AuditFilter, CredentialFilter, FindingQuery, FindingSuppression, IdentityQuery,
    IdentitySort, Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::problem::{ApiError, Problem};
use crate::routes::Caller;
use crate::state::{AppState, with_store};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

fn limit_of(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: u64,
    pub limit: usize,
    pub offset: usize,
}

fn json_text(body: String) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

// ---- machines ---------------------------------------------------------------------

/// Liveness: the process serves requests.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the store answers and the first analysis is indexed.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if !state.is_ready() {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the first analysis is running",
        )
        .into_response();
    }
    match with_store(&state, |store| Ok(store.snapshots(1)?)).await {
        Ok(_) => "ready\n".into_response(),
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the store does not answer")
            .into_response(),
    }
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut text = state.metrics.render();
    crate::metrics::render_pool(&mut text, &state.store.stats());
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

pub async fn openapi() -> Response {
    json_text(ApiDoc::openapi().to_json().unwrap_or_default())
}

// ---- identities -------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdentityParams {
    /// `aws`, `gcp`, `azure`, `kubernetes`, `github`, `openai`…
    pub provider: Option<String>,
    pub kind: Option<String>,
    /// `critical`, `high`, `medium`, `low`.
    pub risk_tier: Option<String>,
    pub privilege_tier: Option<String>,
    pub owner: Option<String>,
    /// Case-insensitive substring of the ID, name, ARN/email or owner.
    pub q: Option<String>,
    /// `risk` (default), `name`, `provider`, `last_used`, `findings`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default `desc` for risk and findings, `asc` otherwise).
    pub order: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl IdentityParams {
    pub fn query(&self) -> Result<IdentityQuery, ApiError> {
        let sort = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            None => IdentitySort::Risk,
            Some(s) => IdentitySort::parse(s)
                .ok_or_else(|| ApiError::bad_request(format!("unknown sort {s:?}")))?,
        };
        let descending = match self.order.as_deref().filter(|s| !s.is_empty()) {
            None => matches!(sort, IdentitySort::Risk | IdentitySort::Findings),
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "order must be asc or desc, not {other:?}"
                )));
            }
        };
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Ok(IdentityQuery {
            provider: nonempty(&self.provider),
            kind: nonempty(&self.kind),
            risk_tier: nonempty(&self.risk_tier),
            privilege_tier: nonempty(&self.privilege_tier),
            owner: nonempty(&self.owner),
            search: nonempty(&self.q),
            sort,
            descending,
            limit: limit_of(self.limit),
            offset: self.offset.unwrap_or(0),
            known_total: None,
            after: None,
        })
    }
}

/// One identity in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentitySummary {
    pub id: String,
    pub provider: String,
    pub kind: String,
    pub name: String,
    /// ARN, email, application ID: the platform's identifier.
    pub display: String,
    pub environment: String,
    pub owner: String,
    pub privilege_tier: String,
    pub risk_score: u32,
    pub risk_tier: String,
    pub status: String,
    pub last_used: Option<String>,
    pub credentials: u32,
    pub findings_open: u32,
}

impl From<nhi_store::IdentityIndexRow> for IdentitySummary {
    fn from(row: nhi_store::IdentityIndexRow) -> Self {
        IdentitySummary {
            id: row.id,
            provider: row.provider,
            kind: row.kind,
            name: row.name,
            display: row.display,
            environment: row.environment,
            owner: row.owner,
            privilege_tier: row.privilege_tier,
            risk_score: row.risk_score,
            risk_tier: row.risk_tier,
            status: row.status,
            last_used: row.last_used.map(|t| t.to_string()),
            credentials: row.credentials,
            findings_open: row.findings_open,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/identities", tag = "inventory", params(IdentityParams),
    responses((status = 200, description = "A page of identities", body = Paged<IdentitySummary>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_identities(
    State(state): State<Arc<AppState>>,
    Query(params): Query<IdentityParams>,
) -> Result<Json<Paged<IdentitySummary>>, ApiError> {
    let query = params.query()?;
    let (limit, offset) = (query.limit, query.offset);
    let page = crate::index::identity_page(&state, query).await?;
    Ok(Json(Paged {
        items: page.items.into_iter().map(IdentitySummary::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/identities/{id}", tag = "inventory",
    params(("id" = String, Path, description = "The identity's ID")),
    responses((status = 200, description = "The identity card: identity, credentials with sightings, grants, links, risk with its factors, and findings", content_type = "application/json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_identity(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = with_store(&state, move |store| Ok(store.identity_row(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("identity"))?;
    Ok(json_text(row.body))
}

#[utoipa::path(get, path = "/api/v1/identities/{id}/graph", tag = "inventory",
    params(("id" = String, Path, description = "The identity's ID")),
    responses((status = 200, description = "Secret → identity → permissions → owner → consumers", body = crate::graph::Neighbourhood),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn identity_graph(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<crate::graph::Neighbourhood>, ApiError> {
    let row = with_store(&state, move |store| Ok(store.identity_row(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("identity"))?;
    let card: serde_json::Value = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    Ok(Json(crate::graph::neighbourhood(&card)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CredentialParams {
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// Who issued it: `aws`, `github`, `openai`, …
    pub provider: Option<String>,
    /// What sort of secret: `aws_access_key`, `github_pat`, …
    pub kind: Option<String>,
    /// `active` or `resolved` (no longer seen where it was).
    pub status: Option<String>,
}

/// A query value parsed as one of the model's named values, or a 400 naming the field.
fn parse_param<T: std::str::FromStr>(
    field: &str,
    value: Option<&str>,
) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/credentials", tag = "inventory", params(CredentialParams),
    responses((status = 200, description = "Credentials found by scans, with their sightings (fingerprint and redacted preview only), in the order first recorded, paged by the store", content_type = "application/json"),
              (status = 400, description = "An unknown provider, kind or status", body = Problem, content_type = "application/problem+json")))]
pub async fn list_credentials(
    State(state): State<Arc<AppState>>,
    Query(params): Query<CredentialParams>,
) -> Result<Response, ApiError> {
    let (limit, offset) = (limit_of(params.limit), params.offset.unwrap_or(0));
    let filter = CredentialFilter {
        provider: parse_param("provider", params.provider.as_deref())?,
        kind: parse_param("kind", params.kind.as_deref())?,
        status: parse_param("status", params.status.as_deref())?,
    };
    let body = with_store(&state, move |store| {
        let page = store.credential_page(&filter, limit, offset)?;
        let items: Vec<serde_json::Value> = page
            .items
            .into_iter()
            .map(|stored| {
                serde_json::json!({
                    "credential": stored.credential,
                    "first_seen": stored.first_seen,
                    "last_seen": stored.last_seen,
                    "resolved_at": stored.resolved_at,
                })
            })
            .collect();
        serde_json::to_string(&serde_json::json!({
            "items": items, "total": page.total, "limit": limit, "offset": offset
        }))
        .map_err(ApiError::internal)
    })
    .await?;
    Ok(json_text(body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerSummary {
    pub owner: String,
    pub identities: u64,
    pub high_risk: u64,
}

#[utoipa::path(get, path = "/api/v1/owners", tag = "inventory", params(PageParams),
    responses((status = 200, description = "Owners and how many identities (and high-risk ones) each holds", body = Paged<OwnerSummary>)))]
pub async fn list_owners(
    State(state): State<Arc<AppState>>,
    Query(params): Query<PageParams>,
) -> Result<Json<Paged<OwnerSummary>>, ApiError> {
    let (limit, offset) = (limit_of(params.limit), params.offset.unwrap_or(0));
    let page = with_store(&state, move |store| Ok(store.owners(limit, offset)?)).await?;
    Ok(Json(Paged {
        items: page
            .items
            .into_iter()
            .map(|(owner, identities, high_risk)| OwnerSummary {
                owner,
                identities,
                high_risk,
            })
            .collect(),
        total: page.total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/consumers", tag = "inventory", params(PageParams),
    responses((status = 200, description = "MCP servers, agents, workflows and workloads that use credentials, in the order first recorded, paged by the store", content_type = "application/json")))]
pub async fn list_consumers(
    State(state): State<Arc<AppState>>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    let (limit, offset) = (limit_of(params.limit), params.offset.unwrap_or(0));
    let body = with_store(&state, move |store| {
        let page = store.consumer_page(limit, offset)?;
        serde_json::to_string(&serde_json::json!({
            "items": page.items, "total": page.total, "limit": limit, "offset": offset
        }))
        .map_err(ApiError::internal)
    })
    .await?;
    Ok(json_text(body))
}

// ---- findings ---------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// Minimum severity: `info`, `low`, `medium`, `high`, `critical`.
    pub severity: Option<String>,
    /// `NHI1` … `NHI10`.
    pub owasp: Option<String>,
    /// `open` or `suppressed`.
    pub status: Option<String>,
    /// The identity, credential or fingerprint a finding is about.
    pub subject: Option<String>,
    pub rule: Option<String>,
    pub q: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl FindingParams {
    pub fn query(&self) -> Result<FindingQuery, ApiError> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Ok(FindingQuery {
            min_severity: match nonempty(&self.severity) {
                None => None,
                Some(s) => Some(
                    s.parse()
                        .map_err(|_| ApiError::bad_request(format!("unknown severity {s:?}")))?,
                ),
            },
            owasp: nonempty(&self.owasp),
            status: nonempty(&self.status),
            subject: nonempty(&self.subject),
            rule: nonempty(&self.rule),
            search: nonempty(&self.q),
            limit: limit_of(self.limit),
            offset: self.offset.unwrap_or(0),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingSummary {
    pub id: String,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: String,
    pub owasp: String,
    pub subject: String,
    pub subject_name: String,
    pub status: String,
}

impl From<nhi_store::FindingIndexRow> for FindingSummary {
    fn from(row: nhi_store::FindingIndexRow) -> Self {
        FindingSummary {
            id: row.id,
            source: row.source,
            rule: row.rule,
            title: row.title,
            severity: row.severity.to_string(),
            owasp: row.owasp,
            subject: row.subject,
            subject_name: row.subject_name,
            status: row.status,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/findings", tag = "findings", params(FindingParams),
    responses((status = 200, description = "A page of findings, most severe first", body = Paged<FindingSummary>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_findings(
    State(state): State<Arc<AppState>>,
    Query(params): Query<FindingParams>,
) -> Result<Json<Paged<FindingSummary>>, ApiError> {
    let query = params.query()?;
    let (limit, offset) = (query.limit, query.offset);
    let page = with_store(&state, move |store| Ok(store.finding_page(&query)?)).await?;
    Ok(Json(Paged {
        items: page.items.into_iter().map(FindingSummary::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "findings",
    params(("id" = String, Path, description = "The finding's stable ID")),
    responses((status = 200, description = "The finding with evidence, rule, OWASP ID, compliance references and fix", content_type = "application/json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_finding(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = with_store(&state, move |store| Ok(store.finding_row(&id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("finding"))?;
    Ok(json_text(row.body))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SuppressionRequest {
    /// Why the finding is accepted for now.
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD`, at most a year ahead.
    pub expires: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionResponse {
    pub finding: String,
    pub reason: String,
    pub expires: String,
}

/// Validates and stores a suppression; shared by the API and the dashboard form.
pub async fn apply_suppression(
    state: &Arc<AppState>,
    caller: &Caller,
    id: String,
    reason: String,
    expires: String,
) -> Result<SuppressionResponse, ApiError> {
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::bad_request("a suppression needs a reason"));
    }
    let expires_date: jiff::civil::Date = expires
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request("expires must be a date, YYYY-MM-DD"))?;
    let today = jiff::Zoned::now().date();
    if expires_date < today
        || expires_date
            > today
                .checked_add(jiff::Span::new().years(1))
                .unwrap_or(today)
    {
        return Err(ApiError::bad_request(
            "expires must be between today and a year from now",
        ));
    }
    let target = id.clone();
    let stored_reason = reason.clone();
    let shown = format!("suppressed until {expires_date}: {reason}");
    with_store(state, move |store| {
        if store.finding_row(&target)?.is_none() {
            return Err(ApiError::not_found("finding"));
        }
        store.suppress_finding(&FindingSuppression {
            finding_id: target.clone(),
            reason: stored_reason,
            expires: expires_date,
            created_at: Timestamp::now(),
        })?;
        store.set_finding_status(&target, "suppressed", &shown)?;
        Ok(())
    })
    .await?;
    crate::audit::record(
        state,
        &caller.principal,
        caller.source_ip,
        "finding.suppress",
        &id,
        "ok",
        serde_json::json!({"reason": reason, "expires": expires_date.to_string()}),
    )
    .await;
    Ok(SuppressionResponse {
        finding: id,
        reason,
        expires: expires_date.to_string(),
    })
}

#[utoipa::path(post, path = "/api/v1/findings/{id}/suppression", tag = "findings",
    params(("id" = String, Path, description = "The finding's stable ID")),
    request_body = SuppressionRequest,
    responses((status = 200, description = "Suppressed", body = SuppressionResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn suppress_finding(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Json(request): Json<SuppressionRequest>,
) -> Result<Json<SuppressionResponse>, ApiError> {
    Ok(Json(
        apply_suppression(&state, &caller, id, request.reason, request.expires).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/findings/{id}/suppression", tag = "findings",
    params(("id" = String, Path, description = "The finding's stable ID")),
    responses((status = 204, description = "The suppression is gone"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn unsuppress_finding(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = id.clone();
    let removed = with_store(&state, move |store| {
        let removed = store.unsuppress_finding(&target)?;
        if removed {
            store.set_finding_status(&target, "open", "open")?;
        }
        Ok(removed)
    })
    .await?;
    if !removed {
        return Err(ApiError::not_found("suppression"));
    }
    crate::audit::record(
        &state,
        &caller.principal,
        caller.source_ip,
        "finding.unsuppress",
        &id,
        "ok",
        serde_json::json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

// ---- alerts -----------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Minimum severity.
    pub severity: Option<String>,
    pub identity: Option<String>,
    /// `NHI-MON-001` …
    pub detection: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl AlertParams {
    pub fn filter(&self) -> Result<AlertFilter, ApiError> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Ok(AlertFilter {
            min_severity: match nonempty(&self.severity) {
                None => None,
                Some(s) => Some(
                    s.parse()
                        .map_err(|_| ApiError::bad_request(format!("unknown severity {s:?}")))?,
                ),
            },
            identity: nonempty(&self.identity),
            detection: nonempty(&self.detection),
            since: None,
            limit: None,
            offset: None,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertParams),
    responses((status = 200, description = "A page of monitoring alerts, newest first", content_type = "application/json"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_alerts(
    State(state): State<Arc<AppState>>,
    Query(params): Query<AlertParams>,
) -> Result<Response, ApiError> {
    let filter = params.filter()?;
    let (limit, offset) = (limit_of(params.limit), params.offset.unwrap_or(0));
    let body = with_store(&state, move |store| {
        // Paged in the store: a long-running monitor keeps many alerts.
        let total = store.alert_count(&filter)?;
        let items: Vec<serde_json::Value> = store
            .alerts(&AlertFilter {
                limit: Some(limit),
                offset: Some(offset),
                ..filter
            })?
            .into_iter()
            .filter_map(|a| serde_json::from_str(&a.json).ok())
            .collect();
        serde_json::to_string(&serde_json::json!({
            "items": items, "total": total, "limit": limit, "offset": offset
        }))
        .map_err(ApiError::internal)
    })
    .await?;
    Ok(json_text(body))
}

// ---- reports ----------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/reports/{format}", tag = "reports",
    params(("format" = String, Path, description = "`html`, `md`, `json`, `csv` or `sarif`")),
    responses((status = 200, description = "The assessment report, as `nhi report` writes it"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    Path(format): Path<String>,
) -> Result<Response, ApiError> {
    use nhi_analysis::report::AssessmentFormat;
    let (format, content_type) = match format.as_str() {
        "html" => (AssessmentFormat::Html, "text/html; charset=utf-8"),
        "md" => (AssessmentFormat::Markdown, "text/markdown; charset=utf-8"),
        "json" => (AssessmentFormat::Json, "application/json"),
        "csv" => (AssessmentFormat::Csv, "text/csv; charset=utf-8"),
        "sarif" => (AssessmentFormat::Sarif, "application/sarif+json"),
        _ => return Err(ApiError::not_found("report format")),
    };
    let config = state.analysis.clone();
    let body = with_store(&state, move |store| {
        let analysis = config.analyse(store)?;
        let policy = config.policy()?;
        let mut out = Vec::new();
        nhi_analysis::report::render(&analysis, &policy, format, &mut out)
            .map_err(ApiError::internal)?;
        Ok(out)
    })
    .await?;
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

// ---- collection runs --------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct RunSummary {
    pub id: i64,
    pub job: String,
    pub trigger: String,
    pub attempt: u32,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub identities: u64,
    pub credentials: u64,
    pub findings: u64,
    /// Events a monitor job read since its feed's checkpoint (0 for collections).
    pub events: u64,
    /// Alerts a monitor job raised (0 for collections).
    pub alerts: u64,
    pub errors: Vec<String>,
}

impl From<nhi_store::RunRow> for RunSummary {
    fn from(run: nhi_store::RunRow) -> Self {
        RunSummary {
            id: run.id,
            job: run.job,
            trigger: run.trigger,
            attempt: run.attempt,
            started_at: run.started_at.to_string(),
            finished_at: run.finished_at.map(|t| t.to_string()),
            status: run.status.as_str().to_string(),
            identities: run.identities,
            credentials: run.credentials,
            findings: run.findings,
            events: run.events,
            alerts: run.alerts,
            errors: run.errors,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/runs", tag = "collection", params(PageParams),
    responses((status = 200, description = "Collection runs, newest first", body = Paged<RunSummary>)))]
pub async fn list_runs(
    State(state): State<Arc<AppState>>,
    Query(params): Query<PageParams>,
) -> Result<Json<Paged<RunSummary>>, ApiError> {
    let (limit, offset) = (limit_of(params.limit), params.offset.unwrap_or(0));
    let page = with_store(&state, move |store| Ok(store.runs(limit, offset)?)).await?;
    Ok(Json(Paged {
        items: page.items.into_iter().map(RunSummary::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RunRequest {
    /// A job named in the server's configuration.
    pub job: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunAccepted {
    pub job: String,
    pub accepted: bool,
}

#[utoipa::path(post, path = "/api/v1/runs", tag = "collection", request_body = RunRequest,
    responses((status = 202, description = "The run is queued", body = RunAccepted),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn trigger_run(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(request): Json<RunRequest>,
) -> Result<(StatusCode, Json<RunAccepted>), ApiError> {
    crate::jobs::trigger(&state, &caller, &request.job).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RunAccepted {
            job: request.job,
            accepted: true,
        }),
    ))
}

// ---- audit and tokens ------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditParams),
    responses((status = 200, description = "The audit log, newest first", content_type = "application/json")))]
pub async fn audit_log(
    State(state): State<Arc<AppState>>,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let filter = AuditFilter {
        actor: params.actor.filter(|s| !s.is_empty()),
        action: params.action.filter(|s| !s.is_empty()),
        since: None,
        limit: limit_of(params.limit),
        offset: params.offset.unwrap_or(0),
    };
    let (limit, offset) = (filter.limit, filter.offset);
    let page = with_store(&state, move |store| Ok(store.audit_log(&filter)?)).await?;
    let body = serde_json::to_string(&serde_json::json!({
        "items": page.items, "total": page.total, "limit": limit, "offset": offset
    }))
    .map_err(ApiError::internal)?;
    Ok(json_text(body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenSummary {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<nhi_store::ApiTokenRow> for TokenSummary {
    fn from(row: nhi_store::ApiTokenRow) -> Self {
        TokenSummary {
            id: row.id,
            name: row.name,
            role: row.role.to_string(),
            created_at: row.created_at.to_string(),
            created_by: row.created_by,
            expires_at: row.expires_at.to_string(),
            revoked_at: row.revoked_at.map(|t| t.to_string()),
            last_used_at: row.last_used_at.map(|t| t.to_string()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin",
    responses((status = 200, description = "API tokens (never their secrets)", body = Vec<TokenSummary>)))]
pub async fn list_tokens(
    State(state): State<Arc<AppState>>,
) -> Result<Json<Vec<TokenSummary>>, ApiError> {
    let tokens = with_store(&state, |store| Ok(store.api_tokens()?)).await?;
    Ok(Json(tokens.into_iter().map(TokenSummary::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub name: String,
    /// `viewer`, `operator` or `admin`.
    pub role: String,
    /// `90d`, `12h`, `30m`, or an ISO 8601 duration.
    pub ttl: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// Shown once; the server keeps only its digest.
    pub token: String,
    #[serde(flatten)]
    pub summary: TokenSummary,
}

/// Issues and stores a token; shared by the API and the dashboard form.
pub async fn issue(
    state: &Arc<AppState>,
    caller: &Caller,
    name: &str,
    role: &str,
    ttl: &str,
) -> Result<TokenCreated, ApiError> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_request("a token needs a name"));
    }
    let role = Role::parse(role)
        .ok_or_else(|| ApiError::bad_request("role must be viewer, operator or admin"))?;
    let ttl = crate::auth::parse_ttl(ttl)
        .ok_or_else(|| ApiError::bad_request("ttl must look like 90d, 12h, 30m or PT1H"))?;
    let issued = crate::auth::issue_token(
        &name,
        role,
        ttl,
        &caller.principal.subject,
        Timestamp::now(),
    )
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let row = issued.row.clone();
    with_store(state, move |store| Ok(store.insert_api_token(&row)?)).await?;
    crate::audit::record(
        state,
        &caller.principal,
        caller.source_ip,
        "token.create",
        &issued.row.id,
        "ok",
        serde_json::json!({"name": name, "role": role.as_str(), "expires_at": issued.row.expires_at.to_string()}),
    )
    .await;
    Ok(TokenCreated {
        token: issued.token,
        summary: issued.row.into(),
    })
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin", request_body = TokenRequest,
    responses((status = 201, description = "The new token, shown once", body = TokenCreated),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn create_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(request): Json<TokenRequest>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let created = issue(&state, &caller, &request.name, &request.role, &request.ttl).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token; shared by the API and the dashboard form.
pub async fn revoke(state: &Arc<AppState>, caller: &Caller, id: String) -> Result<(), ApiError> {
    let target = id.clone();
    let revoked = with_store(state, move |store| {
        Ok(store.revoke_api_token(&target, Timestamp::now())?)
    })
    .await?;
    if !revoked {
        return Err(ApiError::not_found("live token"));
    }
    crate::audit::record(
        state,
        &caller.principal,
        caller.source_ip,
        "token.revoke",
        &id,
        "ok",
        serde_json::json!({}),
    )
    .await;
    Ok(())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "The token's public ID")),
    responses((status = 204, description = "Revoked"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    revoke(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "nhi", description = "Inventory, findings, alerts and collection runs of non-human identities."),
    paths(list_identities, get_identity, identity_graph, list_credentials, list_owners,
          list_consumers, list_findings, get_finding, suppress_finding, unsuppress_finding,
          list_alerts, report, list_runs, trigger_run, audit_log, list_tokens, create_token,
          revoke_token),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;
