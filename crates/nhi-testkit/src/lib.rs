//! Generates format-valid fake secrets, decoys and planted corpora for tests and
//! benchmarks.
//!
//! - [`fake_secret`]: a random, format-valid credential for any rule id in [`RULE_IDS`]
//!   (checksummed GitHub/npm tokens, AWS pairs, GCP service-account documents, JWTs with
//!   real claims, private keys, ...), with the variable name and companion lines a file
//!   needs for the rule to fire, and the canonical string a scanner fingerprints.
//! - [`decoys`]: lines that look secret but must not be reported.
//! - [`write_corpus`]: a realistic tree of files with every rule planted in varied
//!   carriers, optionally as a git repository with history-only secrets, and the
//!   [`Manifest`] that lists them. The manifest holds raw (fake) secrets: keep it out
//!   of the scanned directory.
//! - [`verify_manifest`]: reads a corpus back and checks the manifest against it.

mod corpus;
mod datasets;
mod decoys;
mod filler;
mod history;
mod random;
mod rules;
mod secrets;
mod verify;

pub use corpus::{
    Carrier, CommitRecord, CorpusSpec, Encoding, Manifest, PlantedDecoy, PlantedSecret,
    write_corpus,
};
pub use datasets::{shared_dataset, shared_dataset_or_skip};
pub use decoys::{Decoy, DecoyFile, DecoyReason, decoys};
pub use filler::KeywordDensity;
pub use random::{base62_checksum, shannon_entropy, token_checksum};
pub use rules::{RULE_IDS, SecretParts, canonical_secret};
pub use secrets::{Companion, FakeSecret, Shape, fake_secret};
pub use verify::{VerifyError, verify_manifest};
