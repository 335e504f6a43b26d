//! What every request shares: the store, the templates, the limiter and the metrics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::SignedDuration;
use nhi_store::StoreError;

use crate::auth::LoginLimiter;
use crate::metrics::Metrics;
use crate::problem::ApiError;

pub use nhi_store::Backend;

/// Opens a connection to the store. SQLite opens its file; PostgreSQL connects.
pub type StoreFactory = Arc<dyn Fn() -> Result<Box<dyn Backend>, StoreError> + Send + Sync>;

/// A few open connections, reused across requests; the stores are synchronous, so each
/// is used on a blocking thread.
pub struct StorePool {
    open: StoreFactory,
    idle: Mutex<Vec<Box<dyn Backend>>>,
    max_idle: usize,
}

impl StorePool {
    pub fn new(open: StoreFactory, max_idle: usize) -> Self {
        StorePool {
            open,
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    fn take(&self) -> Result<Box<dyn Backend>, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match pooled {
            Some(store) => Ok(store),
            None => (self.open)(),
        }
    }

    fn give_back(&self, store: Box<dyn Backend>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(store);
        }
    }
}

/// Settings that shape behaviour rather than wiring.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Cookies get `Secure` and responses HSTS when the server speaks TLS.
    pub tls: bool,
    pub session_ttl: SignedDuration,
    /// A name for this instance in job leases and logs.
    pub instance: String,
}

pub struct AppState {
    pub store: StorePool,
    pub templates: minijinja::Environment<'static>,
    pub limiter: LoginLimiter,
    pub metrics: Metrics,
    pub settings: Settings,
    pub analysis: crate::index::AnalysisConfig,
    pub jobs: crate::jobs::Jobs,
    /// Inventory list totals and bookmarks for the current index (`index::identity_page`).
    pub list_caches: crate::index::ListCaches,
    ready: AtomicBool,
}

impl AppState {
    pub fn new(
        open: StoreFactory,
        settings: Settings,
        analysis: crate::index::AnalysisConfig,
        jobs: crate::jobs::Jobs,
    ) -> Arc<AppState> {
        Arc::new(AppState {
            store: StorePool::new(open, 8),
            templates: crate::pages::templates(),
            limiter: LoginLimiter::default(),
            metrics: Metrics::default(),
            settings,
            analysis,
            jobs,
            list_caches: crate::index::ListCaches::default(),
            ready: AtomicBool::new(false),
        })
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }
}

/// Runs `work` with a store on a blocking thread.
pub async fn with_store<T, F>(state: &Arc<AppState>, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn Backend) -> Result<T, ApiError> + Send + 'static,
{
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let mut store = state.store.take().map_err(ApiError::internal)?;
        let result = work(store.as_mut());
        // A connection that just failed may be broken; don't hand it to the next caller.
        if result.is_ok() {
            state.store.give_back(store);
        }
        result
    })
    .await
    .map_err(ApiError::internal)?
}
