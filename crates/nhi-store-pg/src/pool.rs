//! A small connection pool: idle clients in a mutex-guarded stack, a new connection when
//! none is idle. `nhi serve` calls the store from a handful of blocking threads, so this
//! is enough, and it keeps the dependency list to the `postgres` crate alone.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};

use nhi_store::StoreError;
use postgres::{Client, NoTls};

use crate::PgContext;

/// How many idle connections are kept; more may be open while busy, and are closed when
/// handed back to a full pool.
const MAX_IDLE: usize = 8;

pub(crate) struct Pool {
    config: postgres::Config,
    idle: Mutex<Vec<Client>>,
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
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection, or a new one. A connection the server closed (restart, idle
    /// timeout) is dropped rather than handed out.
    pub(crate) fn get(&self) -> Result<Conn<'_>, StoreError> {
        loop {
            // A panic while holding the lock leaves only a Vec of clients behind, which
            // is still consistent: take it over instead of propagating the poison.
            let next = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match next {
                Some(client) if client.is_closed() => continue,
                Some(client) => {
                    return Ok(Conn {
                        pool: self,
                        client: Some(client),
                    });
                }
                None => break,
            }
        }
        let client = self
            .config
            .connect(NoTls)
            .pg("connecting to the database")?;
        Ok(Conn {
            pool: self,
            client: Some(client),
        })
    }

    fn put_back(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
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
