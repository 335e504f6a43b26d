//! What the server's test files share: the application state over a SQLite file.

use std::path::Path;
use std::sync::Arc;

use jiff::SignedDuration;
use nhi_server::{AnalysisConfig, AppState, Backend, Jobs, Settings};
use nhi_store::SqliteStore;

/// The server's state over the SQLite store at `path`: no TLS, one-hour sessions, no
/// jobs, the default analysis.
pub fn app_state(path: &Path) -> Arc<AppState> {
    let path = path.to_path_buf();
    let open: nhi_server::StoreFactory =
        Arc::new(move || SqliteStore::open(&path).map(|s| Box::new(s) as Box<dyn Backend>));
    AppState::new(
        open,
        Settings {
            tls: false,
            session_ttl: SignedDuration::from_hours(1),
            instance: "test".into(),
            store_connections: nhi_server::DEFAULT_STORE_CONNECTIONS,
        },
        AnalysisConfig::default(),
        Jobs::new(Vec::new()),
    )
}
