//! The ground truth written beside the logs as `labels.json`.

use serde::{Deserialize, Serialize};

use crate::estate::IdentityKind;
use crate::ids::Network;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    pub seed: u64,
    pub days: u32,
    pub scale: u32,
    /// Days at the start that contain no episode: the detectors' learning period.
    pub learning_days: u32,
    pub start: String,
    pub end: String,
    pub accounts: Vec<String>,
    pub known_accounts: Vec<String>,
    pub external_accounts: Vec<String>,
    pub identities: Vec<IdentityLabel>,
    pub episodes: Vec<Episode>,
    pub event_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityLabel {
    /// IAM role or user ARN.
    pub principal: String,
    pub name: String,
    pub kind: IdentityKind,
    pub account: String,
    /// Long-term keys the user held over the data, oldest first.
    pub access_key_ids: Vec<String>,
    /// Principals whose key management on this identity is expected (its key rotator).
    pub rotator_principals: Vec<String>,
    pub regions: Vec<String>,
    pub networks: Vec<Network>,
    pub services: Vec<String>,
    /// Set for a key whose previous use lies long before the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_before_window: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeKind {
    Attack,
    Benign,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    pub id: String,
    pub kind: EpisodeKind,
    /// Stable technique name, e.g. `recon_burst`, `lateral_new_role`, `key_rotation`.
    pub technique: String,
    /// MITRE ATT&CK technique ids; empty for benign episodes.
    pub mitre: Vec<String>,
    /// The IAM role or user ARN whose credentials the episode uses.
    pub principal: String,
    pub description: String,
    pub start: String,
    pub end: String,
    pub event_ids: Vec<String>,
}
