//! Per-identity views of the graph: what `nhi inventory` lists and `nhi show` prints.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use nhi_model::{
    Confidence, CredentialKind, Fingerprint, Grant, Identity, IdentityKind, Link, LinkKind,
    Preview, Provider, Sighting,
};
use serde::Serialize;

use crate::{Graph, Reuse};

/// A credential of an identity, as the platform lists it and/or as a scan found it.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialView {
    pub id: String,
    pub kind: CredentialKind,
    pub provider: Provider,
    pub external_id: Option<String>,
    /// Set when a scan found the secret itself (keyed fingerprint, never the value).
    pub fingerprint: Option<Fingerprint>,
    pub preview: Option<Preview>,
    pub created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<Timestamp>,
    /// The platform's lifecycle status, or the scan's (`active`, `history_only`,
    /// `resolved`) for a credential only code knows.
    pub status: String,
    /// Where the secret was seen in code, history and configs.
    pub sightings: Vec<Sighting>,
    /// How the code sighting was tied to the platform record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<MatchView>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Consumers (MCP servers, workflows, workloads) that use it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub confidence: Confidence,
    pub evidence: String,
}

/// Everything known about one identity.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityView {
    #[serde(flatten)]
    pub identity: Identity,
    pub credentials: Vec<CredentialView>,
    pub grants: Vec<Grant>,
    /// Links touching this identity other than its credentials.
    pub links: Vec<Link>,
    /// Reuse and environment-mixing observations about it or its credentials.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reuse: Vec<Reuse>,
}

/// Filters for `nhi inventory`. Every set field must match.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    pub provider: Option<Provider>,
    pub kind: Option<IdentityKind>,
    pub environment: Option<String>,
    /// Substring of any owner, case-insensitive.
    pub owner: Option<String>,
    pub status: Option<nhi_model::LifecycleStatus>,
    /// Include people (owners, creators); off by default since they are not NHIs. People
    /// who hold credentials are listed either way.
    pub include_people: bool,
    /// Include stub identities that only a link names.
    pub include_stubs: bool,
}

impl InventoryFilter {
    /// `holds_credentials`: a person who holds an API key or token is listed anyway,
    /// since the key is an NHI and the person is its only holder.
    fn keeps(&self, identity: &Identity, holds_credentials: bool) -> bool {
        if identity.kind == IdentityKind::Human
            && !self.include_people
            && self.kind.is_none()
            && !holds_credentials
        {
            return false;
        }
        if identity.attributes.contains_key("stub") && !self.include_stubs {
            return false;
        }
        self.provider.is_none_or(|p| identity.provider == p)
            && self.kind.is_none_or(|k| identity.kind == k)
            && self
                .environment
                .as_deref()
                .is_none_or(|e| identity.environment.as_deref() == Some(e))
            && self.status.is_none_or(|s| identity.status == s)
            && self.owner.as_deref().is_none_or(|o| {
                let o = o.to_lowercase();
                identity
                    .owners
                    .iter()
                    .any(|x| x.to_lowercase().contains(&o))
            })
    }
}

/// Views of every identity the filter keeps, in ID order.
pub fn identity_views(graph: &Graph, filter: &InventoryFilter) -> Vec<IdentityView> {
    let index = Index::new(graph);
    graph
        .inventory
        .identities
        .values()
        .filter(|i| {
            let holds = index.credentials_of.contains_key(i.id.as_str())
                || index.from(&i.id).any(|l| l.kind == LinkKind::HasCredential);
            filter.keeps(i, holds)
        })
        .map(|i| view_of(&index, i))
        .collect()
}

impl Graph {
    /// The view of one identity found by ID, external ID (ARN, email, app ID) or unique
    /// name, or by the ID of one of its credentials (code `cred-…` or platform key ID).
    pub fn show(&self, needle: &str) -> Option<IdentityView> {
        let index = Index::new(self);
        if let Some(identity) = self.inventory.find_identity(needle) {
            return Some(view_of(&index, identity));
        }
        let platform = self
            .inventory
            .credentials
            .values()
            .find(|c| c.id == needle || c.external_id.as_deref() == Some(needle));
        if let Some(identity) = platform.and_then(|p| self.inventory.identities.get(&p.identity)) {
            return Some(view_of(&index, identity));
        }
        let code = self
            .code
            .values()
            .find(|c| c.id.as_str() == needle || c.fingerprint.as_str() == needle)?;
        self.identity_of_code(code.id.as_str())
            .map(|identity| view_of(&index, identity))
    }
}

/// The graph's records by the identity or node they hang off, built once per query so
/// that a view costs what that identity has, not what the whole graph has.
struct Index<'g> {
    links_from: HashMap<&'g str, Vec<&'g Link>>,
    links_to: HashMap<&'g str, Vec<&'g Link>>,
    credentials_of: HashMap<&'g str, Vec<&'g nhi_model::PlatformCredential>>,
    grants_of: HashMap<&'g str, Vec<&'g Grant>>,
    code: HashMap<&'g str, &'g nhi_model::Credential>,
    reuse_of: HashMap<&'g str, Vec<&'g Reuse>>,
}

impl<'g> Index<'g> {
    fn new(graph: &'g Graph) -> Self {
        let inventory = &graph.inventory;
        let mut index = Index {
            links_from: HashMap::new(),
            links_to: HashMap::new(),
            credentials_of: HashMap::new(),
            grants_of: HashMap::new(),
            code: graph.code.values().map(|c| (c.id.as_str(), c)).collect(),
            reuse_of: HashMap::new(),
        };
        for link in &inventory.links {
            index.links_from.entry(&link.from).or_default().push(link);
            index.links_to.entry(&link.to).or_default().push(link);
        }
        for credential in inventory.credentials.values() {
            index
                .credentials_of
                .entry(&credential.identity)
                .or_default()
                .push(credential);
        }
        for grant in &inventory.grants {
            index
                .grants_of
                .entry(&grant.identity)
                .or_default()
                .push(grant);
        }
        for reuse in &graph.reuse {
            index
                .reuse_of
                .entry(&reuse.subject)
                .or_default()
                .push(reuse);
        }
        index
    }

    fn from(&self, id: &str) -> impl Iterator<Item = &'g Link> + '_ {
        self.links_from.get(id).into_iter().flatten().copied()
    }

    fn to(&self, id: &str) -> impl Iterator<Item = &'g Link> + '_ {
        self.links_to.get(id).into_iter().flatten().copied()
    }

    fn used_by(&self, id: &str) -> Vec<String> {
        self.to(id)
            .filter(|l| l.kind == LinkKind::Uses)
            .map(|l| l.from.clone())
            .collect()
    }
}

fn view_of(index: &Index<'_>, identity: &Identity) -> IdentityView {
    let mut credentials = Vec::new();
    let mut shown_code = Vec::new();
    // Platform credentials, with the code sightings matched to them.
    for platform in index
        .credentials_of
        .get(identity.id.as_str())
        .into_iter()
        .flatten()
    {
        let matches: Vec<&Link> = index
            .to(&platform.id)
            .filter(|l| l.kind == LinkKind::SameAs)
            .collect();
        let code = matches
            .iter()
            .find_map(|l| index.code.get(l.from.as_str()).copied());
        if let Some(code) = code {
            shown_code.push(code.id.to_string());
        }
        let mut users = index.used_by(&platform.id);
        if let Some(code) = code {
            users.extend(index.used_by(code.id.as_str()));
        }
        credentials.push(CredentialView {
            id: platform.id.clone(),
            kind: platform.kind,
            provider: platform.provider,
            external_id: platform.external_id.clone(),
            fingerprint: code.map(|c| c.fingerprint.clone()),
            preview: code.map(|c| c.preview.clone()),
            created: platform.created,
            expires: platform.expires,
            last_used: platform.last_used,
            last_rotated: platform.last_rotated,
            status: platform.status.to_string(),
            sightings: code.map(|c| c.sightings.clone()).unwrap_or_default(),
            matched: matches.first().map(|l| MatchView {
                confidence: l.confidence,
                evidence: l.evidence.clone(),
            }),
            attributes: platform.attributes.clone(),
            used_by: users,
        });
    }
    // Code credentials tied to the identity directly (no platform key record).
    for link in index
        .from(&identity.id)
        .filter(|l| l.kind == LinkKind::HasCredential)
    {
        let code_id = link.to.as_str();
        if shown_code.iter().any(|shown| shown == code_id) {
            continue;
        }
        let Some(code) = index.code.get(code_id).copied() else {
            continue;
        };
        credentials.push(CredentialView {
            id: code.id.to_string(),
            kind: code.kind,
            provider: code.provider,
            external_id: code.external_id.clone(),
            fingerprint: Some(code.fingerprint.clone()),
            preview: Some(code.preview.clone()),
            created: None,
            expires: None,
            last_used: None,
            last_rotated: None,
            status: code.status.to_string(),
            sightings: code.sightings.clone(),
            matched: Some(MatchView {
                confidence: link.confidence,
                evidence: link.evidence.clone(),
            }),
            attributes: code.attributes.clone(),
            used_by: index.used_by(code.id.as_str()),
        });
    }
    let mut grants: Vec<Grant> = index
        .grants_of
        .get(identity.id.as_str())
        .into_iter()
        .flatten()
        .map(|g| (*g).clone())
        .collect();
    grants.sort();
    let credential_ids: Vec<&str> = credentials.iter().map(|c| c.id.as_str()).collect();
    let mut links: Vec<Link> = index
        .from(&identity.id)
        .filter(|l| !(l.kind == LinkKind::HasCredential && credential_ids.contains(&l.to.as_str())))
        // A self-link would show twice.
        .chain(index.to(&identity.id).filter(|l| l.from != identity.id))
        .cloned()
        .collect();
    links.sort_by(|a, b| (a.kind, &a.from, &a.to).cmp(&(b.kind, &b.from, &b.to)));
    let code_ids: Vec<String> = credentials
        .iter()
        .filter(|c| c.fingerprint.is_some())
        .map(|c| {
            c.fingerprint
                .as_ref()
                .map(|f| nhi_model::CredentialId::for_fingerprint(f).to_string())
                .unwrap_or_default()
        })
        .collect();
    let reuse = std::iter::once(identity.id.as_str())
        .chain(code_ids.iter().map(String::as_str))
        .flat_map(|subject| index.reuse_of.get(subject).into_iter().flatten())
        .map(|r| (*r).clone())
        .collect();
    IdentityView {
        identity: identity.clone(),
        credentials,
        grants,
        links,
        reuse,
    }
}
