//! What every request shares: the store, the templates, the limiter and the metrics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use jiff::SignedDuration;
use nhi_store::StoreError;

use crate::auth::LoginLimiter;
use crate::metrics::Metrics;
use crate::problem::ApiError;

pub use nhi_store::Backend;

/// Opens a connection to the store. SQLite opens its file; PostgreSQL connects.
pub type StoreFactory = Arc<dyn Fn() -> Result<Box<dyn Backend>, StoreError> + Send + Sync>;

/// A bounded set of open connections, reused across requests; the stores are
/// synchronous, so each is used on a blocking thread. At most `max_open` exist at once
/// and a caller beyond that waits for one to come back. Unbounded, a burst opened a
/// connection per request (a PostgreSQL backend process, or a SQLite file with its
/// migration check and a cold page cache) and closed it after: under load every
/// request paid that, and the burst grew.
pub struct StorePool {
    open: StoreFactory,
    slots: Mutex<Slots>,
    returned: Condvar,
    max_open: usize,
    /// Takes that found every connection lent out and had to wait: a pool that waits
    /// often is too small for its load (`--store-connections`).
    waits: AtomicU64,
}

/// The pool's size and use, for the metrics endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub max_open: usize,
    pub open: usize,
    pub idle: usize,
    pub waits: u64,
}

struct Slots {
    idle: Vec<Box<dyn Backend>>,
    /// Connections that exist: idle ones and those lent out.
    open: usize,
}

/// A connection lent by the pool. Dropped without [`Lease::keep`] (the work failed or
/// panicked), the connection is closed, since it may be broken, and its slot freed.
pub struct Lease<'a> {
    pool: &'a StorePool,
    store: Option<Box<dyn Backend>>,
}

impl Lease<'_> {
    pub fn store(&mut self) -> &mut dyn Backend {
        match self.store.as_mut() {
            Some(store) => store.as_mut(),
            None => unreachable!("a lease holds its connection until dropped or kept"),
        }
    }

    /// Hands the connection back for the next caller.
    pub fn keep(mut self) {
        if let Some(store) = self.store.take() {
            let mut slots = self.pool.lock();
            slots.idle.push(store);
            drop(slots);
            self.pool.returned.notify_one();
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.store.take().is_some() {
            self.pool.release_slot();
        }
    }
}

impl StorePool {
    pub fn new(open: StoreFactory, max_open: usize) -> Self {
        StorePool {
            open,
            slots: Mutex::new(Slots {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
            max_open: max_open.max(1),
            waits: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> PoolStats {
        let slots = self.lock();
        PoolStats {
            max_open: self.max_open,
            open: slots.open,
            idle: slots.idle.len(),
            waits: self.waits.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // The slots stay consistent whatever panicked while holding the lock.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn release_slot(&self) {
        let mut slots = self.lock();
        slots.open = slots.open.saturating_sub(1);
        drop(slots);
        self.returned.notify_one();
    }

    /// An idle connection, a new one while fewer than `max_open` exist, or else the next
    /// one handed back. Blocks: call it from a blocking thread.
    pub fn take(&self) -> Result<Lease<'_>, StoreError> {
        let mut slots = self.lock();
        let mut waited = false;
        loop {
            if let Some(store) = slots.idle.pop() {
                return Ok(Lease {
                    pool: self,
                    store: Some(store),
                });
            }
            if slots.open < self.max_open {
                slots.open += 1;
                break;
            }
            if !waited {
                waited = true;
                self.waits.fetch_add(1, Ordering::Relaxed);
            }
            slots = self.returned.wait(slots).unwrap_or_else(|e| e.into_inner());
        }
        drop(slots);
        match (self.open)() {
            Ok(store) => Ok(Lease {
                pool: self,
                store: Some(store),
            }),
            Err(err) => {
                self.release_slot();
                Err(err)
            }
        }
    }
}

/// How many store connections the server opens at most unless told otherwise
/// (`nhi serve --store-connections`). Two per core would do for reads on a small
/// machine; jobs hold one for their whole run, so leave room for them.
pub const DEFAULT_STORE_CONNECTIONS: usize = 8;

/// Settings that shape behaviour rather than wiring.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Cookies get `Secure` and responses HSTS when the server speaks TLS.
    pub tls: bool,
    pub session_ttl: SignedDuration,
    /// A name for this instance in job leases and logs.
    pub instance: String,
    /// The store pool's size: at most this many connections at once (at least 1).
    pub store_connections: usize,
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
            store: StorePool::new(open, settings.store_connections),
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
        let mut lease = state.store.take().map_err(ApiError::internal)?;
        let result = work(lease.store());
        // A connection that just failed may be broken; don't hand it to the next caller
        // (dropping the lease closes it and frees its slot).
        if result.is_ok() {
            lease.keep();
        }
        result
    })
    .await
    .map_err(ApiError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counting_pool(max_open: usize) -> (Arc<StorePool>, Arc<AtomicUsize>) {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&opened);
        let open: StoreFactory = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(nhi_store::SqliteStore::open_in_memory()?) as Box<dyn Backend>)
        });
        (Arc::new(StorePool::new(open, max_open)), opened)
    }

    #[test]
    fn a_burst_waits_for_connections_instead_of_opening_one_each() {
        let (pool, opened) = counting_pool(2);
        let busy = Arc::new(AtomicUsize::new(0));
        let most_busy = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (pool, busy, most_busy) =
                    (Arc::clone(&pool), Arc::clone(&busy), Arc::clone(&most_busy));
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        let mut lease = pool.take().unwrap();
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        most_busy.fetch_max(now, Ordering::SeqCst);
                        lease.store().scans(1).unwrap();
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        busy.fetch_sub(1, Ordering::SeqCst);
                        lease.keep();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            opened.load(Ordering::SeqCst),
            2,
            "160 leases over 2 connections"
        );
        assert!(most_busy.load(Ordering::SeqCst) <= 2);
        let stats = pool.stats();
        assert_eq!((stats.max_open, stats.open, stats.idle), (2, 2, 2));
        assert!(
            stats.waits > 0,
            "8 threads over 2 connections must have waited"
        );
    }

    #[test]
    fn stats_count_a_wait_once_per_take_and_only_when_all_are_lent() {
        let (pool, _) = counting_pool(1);
        let first = pool.take().unwrap();
        assert_eq!(pool.stats().waits, 0, "a free slot is not a wait");
        assert_eq!(
            pool.stats(),
            PoolStats {
                max_open: 1,
                open: 1,
                idle: 0,
                waits: 0
            }
        );
        let waiter = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || pool.take().unwrap().keep())
        };
        // Hand the connection back only once the other thread has started waiting.
        while pool.stats().waits == 0 {
            std::thread::yield_now();
        }
        first.keep();
        waiter.join().unwrap();
        let stats = pool.stats();
        assert_eq!((stats.open, stats.idle, stats.waits), (1, 1, 1));
    }

    #[test]
    fn a_lease_dropped_after_a_failure_closes_its_connection_and_frees_the_slot() {
        let (pool, opened) = counting_pool(1);
        let lease = pool.take().unwrap();
        drop(lease); // not kept: as after an error or a panic
        // The slot is free again (this would wait forever otherwise), on a new connection.
        let lease = pool.take().unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        lease.keep();
        let again = pool.take().unwrap();
        assert_eq!(
            opened.load(Ordering::SeqCst),
            2,
            "a kept connection is reused"
        );
        again.keep();
    }
}
