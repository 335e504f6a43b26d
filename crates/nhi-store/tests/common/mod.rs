//! Builders for test data, shared with the conformance suite. Fingerprints are made-up
//! hex; no value here is a real secret.
#![allow(unused_imports)]

pub use nhi_store::conformance::fixtures::*;
