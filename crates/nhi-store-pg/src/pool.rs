//! A small bounded connection pool: idle clients in a mutex-guarded stack, a new
//! connection when none is idle and fewer than [`MAX_OPEN`] exist, else a wait for one
//! to come back. `nhi serve` calls the store from a handful of blocking threads, so this
//! is enough, and it keeps the dependency list to the `postgres` crate alone.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use nhi_store::StoreError;
use postgres::{Client, NoTls};

use crate::PgContext;

/// How many connections one pool opens at most. A caller beyond that waits: opening a
/// connection per request under load (a backend process each, with cold caches) and
/// closing it after cost more than the wait, and made a burst worse.
const MAX_OPEN: usize = 16;

pub(crate) struct Pool {
    config: postgres::Config,
    slots: Mutex<Slots>,
    returned: Condvar,
}

struct Slots {
    idle: Vec<Client>,
    /// Connections that exist: idle ones and those lent out.
    open: usize,
}

impl std::fmt::Debug for Pool {
    /// Host, port and database only: the configuration may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("hosts", &self.config.get_hosts())
            .field("ports", &self.config.get_ports())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

impl Pool {
    pub(crate) fn new(config: postgres::Config) -> Pool {
        Pool {
            config,
            slots: Mutex::new(Slots {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// A panic while holding the lock leaves only the slots behind, which are still
    /// consistent: take them over instead of propagating the poison.
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn release_slot(&self) {
        let mut slots = self.lock();
        slots.open = slots.open.saturating_sub(1);
        drop(slots);
        self.returned.notify_one();
    }

    /// An idle connection, a new one while fewer than [`MAX_OPEN`] exist, or else the
    /// next one handed back. A connection the server closed (restart, idle timeout) is
    /// dropped rather than handed out.
    pub(crate) fn get(&self) -> Result<Conn<'_>, StoreError> {
        let mut slots = self.lock();
        loop {
            match slots.idle.pop() {
                Some(client) if client.is_closed() => {
                    slots.open = slots.open.saturating_sub(1);
                    continue;
                }
                Some(client) => {
                    return Ok(Conn {
                        pool: self,
                        client: Some(client),
                    });
                }
                None if slots.open < MAX_OPEN => {
                    slots.open += 1;
                    break;
                }
                None => {
                    slots = self
                        .returned
                        .wait(slots)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
        drop(slots);
        match self.config.connect(NoTls) {
            Ok(client) => Ok(Conn {
                pool: self,
                client: Some(client),
            }),
            Err(err) => {
                self.release_slot();
                Err(err).pg("connecting to the database")
            }
        }
    }

    fn put_back(&self, client: Client) {
        if client.is_closed() {
            self.release_slot();
            return;
        }
        self.lock().idle.push(client);
        self.returned.notify_one();
    }
}

/// A pooled connection; goes back to the pool when dropped. Any transaction on it was
/// committed or rolled back by then (a `postgres::Transaction` rolls back on drop).
pub(crate) struct Conn<'a> {
    pool: &'a Pool,
    /// Always `Some` until dropped.
    client: Option<Client>,
}

impl Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // `client` is only taken in `drop`.
        self.client
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.pool.put_back(client);
        }
    }
}
