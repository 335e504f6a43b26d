//! The inventory store: a backend-neutral trait and the embedded SQLite implementation.
