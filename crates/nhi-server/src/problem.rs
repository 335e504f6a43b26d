//! Errors as RFC 9457 `application/problem+json` for the API, and as a plain page for
//! the dashboard. Messages never carry stored values beyond identifiers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An error a handler returns; rendered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: Option<String>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: Some(detail.into()),
            retry_after: None,
        }
    }

    pub fn status(status: StatusCode) -> Self {
        ApiError {
            status,
            detail: None,
            retry_after: None,
        }
    }

    /// The detail, or the status's reason: for logs and run records.
    pub fn message(&self) -> String {
        self.detail.clone().unwrap_or_else(|| {
            self.status
                .canonical_reason()
                .unwrap_or("error")
                .to_string()
        })
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no {what} with that ID"))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        // The store's messages name tables and IDs, never secrets; still, keep the
        // detail short and generic for the client and log the whole of it.
        eprintln!("nhi serve: internal error: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not complete the request; see its log",
        )
    }
}

impl From<nhi_store::StoreError> for ApiError {
    fn from(err: nhi_store::StoreError) -> Self {
        ApiError::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank".into(),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
