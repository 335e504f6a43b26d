//! Event sources for nhi monitoring: provider audit logs, read as the providers write
//! them, normalised into [`nhi_model::ActivityEvent`].
//!
//! Formats: AWS CloudTrail (S3 delivery files, gzip, the `AWSLogs/…` layout, single
//! events, NDJSON, EventBridge), Kubernetes audit, GCP Cloud Audit Logs, Microsoft
//! Entra sign-ins, GitHub audit log, Okta System Log, and any JSON lines through a
//! [`FieldMapping`]. The format is recognised per record, so mixed files work.
//!
//! Input is streamed: a file is read line by line or, for JSON documents
//! (`{"Records":[…]}`, arrays), element by element; no log is held whole. Bad input
//! never stops a read and never panics: it becomes a positioned [`ReadWarning`] and a
//! count in [`ReadStats`].

mod cloudtrail;
mod entra;
mod error;
mod follow;
mod gcp;
mod github;
mod kubernetes;
mod lenient;
mod mapping;
mod okta;
mod reader;
mod record;
mod stats;
mod time;

pub use error::{EventsError, ReadWarning, WarningKind};
pub use follow::{Checkpoint, Follower};
pub use mapping::{FieldMapping, TimeFormat};
pub use reader::{ReadOptions, RecordTagger, read_path, read_reader};
pub use stats::ReadStats;
