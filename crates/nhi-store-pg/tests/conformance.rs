//! The backend conformance suite (`nhi_store::conformance`) against PostgreSQL: every
//! store in a database of its own on the server `NHI_TEST_PG_URL` names.

mod support;

nhi_store::conformance_tests!(support::pg);

/// The server tables' suite.
mod server {
    use super::support;

    nhi_store::server_conformance_tests!(support::pg_server);
}
