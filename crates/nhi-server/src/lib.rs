//! `nhi serve`: one shared service over the inventory store, for security, platform and
//! AI teams: a REST API (OpenAPI at `/openapi.json`), a server-rendered dashboard,
//! token and password authentication with roles, an audit log, Prometheus metrics and
//! scheduled collection runs.
//!
//! The server holds NHIs itself (its API tokens), so it does what nhi asks of others:
//! every route but health needs authentication, tokens are scoped, expire and are stored
//! as digests, and every change is audited.
//!
//! Depends on the store trait and the analysis, never on a provider crate: collectors
//! are handed in by the binary ([`jobs::Collector`]).

#![forbid(unsafe_code)]

pub mod api;
mod audit;
pub mod auth;
pub mod graph;
pub mod index;
pub mod jobs;
mod metrics;
mod pages;
mod problem;
pub mod routes;
mod state;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use index::AnalysisConfig;
pub use jobs::{Collector, JobSpec, Jobs, RunCounts, Schedule};
pub use problem::ApiError;
pub use routes::{Access, RouteSpec, Surface};
pub use state::{AppState, Backend, DEFAULT_STORE_CONNECTIONS, PoolStats, Settings, StoreFactory};

/// A certificate chain and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error("the first analysis failed: {0}")]
    Analysis(String),
}

/// Builds the application over `state`.
pub fn app(state: Arc<AppState>) -> (axum::Router, Vec<RouteSpec>) {
    routes::build(state)
}

/// Indexes the estate once (so the first page has data), then serves until SIGINT or
/// SIGTERM, finishing requests in flight. Runs the scheduler alongside.
pub async fn serve(
    state: Arc<AppState>,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: listen,
            source,
        })?;
    let bound = listener.local_addr()?;
    let config = state.analysis.clone();
    let indexing = Arc::clone(&state);
    tokio::spawn(async move {
        let warming = Arc::clone(&indexing);
        // Ready means the index is built and the unfiltered lists are counted and marked.
        let result = state::with_store(&indexing, move |store| {
            index::rebuild(store, &config)?;
            warming.list_caches.warm(store)
        })
        .await;
        match result {
            Ok(_) => indexing.set_ready(true),
            Err(err) => eprintln!("nhi serve: the first analysis failed: {}", err.message()),
        }
    });
    let scheduler = jobs::spawn_scheduler(Arc::clone(&state));
    let (router, _) = app(Arc::clone(&state));
    on_listening(bound);
    let result = match tls {
        None => axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(ServeError::Io),
        Some(files) => tls::serve(listener, router, &files, shutdown_signal()).await,
    };
    scheduler.abort();
    result
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
