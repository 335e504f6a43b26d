//! Who an event's actor is, as far as the inventory knows, and where its network is.
//!
//! Both are traits because the data lives outside this crate: the CLI resolves actors
//! against the stored inventory and may enrich addresses from a MaxMind database. The
//! monitor never does I/O itself.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use jiff::Timestamp;
use nhi_model::Actor;
use serde::{Deserialize, Serialize};

/// How much damage the identity could do, lowest first, so `>=` compares tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    Low,
    Medium,
    High,
    Critical,
}

/// The inventory's view of an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedIdentity {
    /// Stable inventory ID; baselines are kept under it when present.
    pub id: String,
    pub display: String,
    pub risk_tier: RiskTier,
    pub owner: Option<String>,
    /// True for service accounts, roles, apps and keys; false for people.
    pub is_nhi: bool,
    /// When the credential was due to be turned off; use after this time alerts.
    pub scheduled_deactivation: Option<Timestamp>,
    /// Principals (ARNs or names) allowed to rotate this identity's credentials, so a
    /// CreateAccessKey by them on this identity is maintenance, not persistence.
    pub rotator_principals: Vec<String>,
}

/// Maps a log actor to an inventory identity.
pub trait IdentityResolver {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity>;
}

impl<T: IdentityResolver + ?Sized> IdentityResolver for &T {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity> {
        (**self).resolve(actor)
    }
}

impl<T: IdentityResolver + ?Sized> IdentityResolver for Arc<T> {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity> {
        (**self).resolve(actor)
    }
}

impl<T: IdentityResolver + ?Sized> IdentityResolver for Box<T> {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity> {
        (**self).resolve(actor)
    }
}

/// A resolver that knows nobody: every baseline is kept under `actor.principal`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl IdentityResolver for NoResolver {
    fn resolve(&self, _actor: &Actor) -> Option<ResolvedIdentity> {
        None
    }
}

/// An in-memory resolver for tests and small setups. An actor matches an entry by its
/// principal first, then by its credential ID.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InMemoryResolver {
    by_name: BTreeMap<String, ResolvedIdentity>,
}

impl InMemoryResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `identity` under a principal ARN, access key ID or any other name an
    /// actor may carry. One identity can be registered under several names.
    pub fn insert(&mut self, name: impl Into<String>, identity: ResolvedIdentity) {
        self.by_name.insert(name.into(), identity);
    }

    pub fn with(mut self, name: impl Into<String>, identity: ResolvedIdentity) -> Self {
        self.insert(name, identity);
        self
    }
}

impl IdentityResolver for InMemoryResolver {
    fn resolve(&self, actor: &Actor) -> Option<ResolvedIdentity> {
        self.by_name.get(&actor.principal).cloned().or_else(|| {
            actor
                .credential_id
                .as_ref()
                .and_then(|key| self.by_name.get(key).cloned())
        })
    }
}

/// What an address belongs to, from a GeoIP/ASN database the caller owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
}

/// Optional address enrichment (for example over a MaxMind ASN/Country database).
pub trait NetworkEnricher: Send + Sync {
    fn enrich(&self, ip: IpAddr) -> Option<NetworkInfo>;
}
