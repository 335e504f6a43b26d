use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{CredentialKind, Fingerprint, OwaspNhi, Preview, Provider, Sighting};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

crate::string_enum!(Severity, "severity", {
    Info => "info",
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

/// How sure a rule is that its match is a real secret. Structured formats with a
/// checksum are `High`; context-dependent ones `Medium`; generic entropy matches `Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

crate::string_enum!(Confidence, "confidence", {
    Low => "low",
    Medium => "medium",
    High => "high",
});

/// A stable finding ID: the same rule firing on the same credential gets the same ID on
/// every scan, which suppressions, SARIF `partialFingerprints` and the store rely on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FindingId(String);

impl FindingId {
    /// `NHI-` plus the first 16 hex characters of a 64-bit FNV-1a over rule and
    /// fingerprint. The fingerprint is already a keyed hash, so this needs no strength of
    /// its own; it only has to be stable and short.
    pub fn new(rule: &str, fingerprint: &Fingerprint) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in rule
            .bytes()
            .chain(std::iter::once(0))
            .chain(fingerprint.as_str().bytes())
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        FindingId(format!("NHI-{hash:016x}"))
    }

    /// Restores an ID read back from a store or a suppression file.
    pub fn from_stored(id: impl Into<String>) -> Self {
        FindingId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One fact that supports a finding, as a label and a value that is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

impl Evidence {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// Something to act on: a rule fired on a credential. Carries everything a reader needs
/// to understand and fix it without running anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: FindingId,
    /// The detection rule's ID, e.g. `github-classic-pat`.
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub owasp: OwaspNhi,
    pub provider: Provider,
    pub kind: CredentialKind,
    pub fingerprint: Fingerprint,
    pub preview: Preview,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// True when every sighting is in git history and none is in the working tree. The
    /// secret still counts: deleting a file does not revoke a key.
    pub history_only: bool,
    pub evidence: Vec<Evidence>,
    /// A concrete fix, specific to the provider and kind.
    pub fix: String,
    /// Every place the credential was seen, working tree first, then history.
    pub sightings: Vec<Sighting>,
    /// Framework references (filled in by assessment; empty from discovery alone).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub references: BTreeMap<String, Vec<String>>,
}

impl Finding {
    /// The sighting reports lead with: the first working-tree sighting, else the oldest
    /// history one.
    pub fn primary_sighting(&self) -> Option<&Sighting> {
        self.sightings.first()
    }

    /// The history sighting with the oldest commit date: where the secret was first
    /// committed, whether or not it is still in the working tree.
    pub fn first_commit(&self) -> Option<&Sighting> {
        self.sightings
            .iter()
            .filter(|s| s.commit.is_some())
            .min_by(|a, b| a.date.cmp(&b.date))
    }
}
