//! The platform side of the chain: identities as the clouds, clusters and SaaS providers
//! describe them, the credentials they hold (known by metadata, never by value), the
//! grants that give them power, and the typed links between all of it.
//!
//! Source crates (one per provider) turn exports into an [`InventoryBatch`]; batches
//! from many files merge into one [`Inventory`], where the same identity met in several
//! exports (a GAAD user, its credential-report row, its `list-access-keys` page) becomes
//! one record with the union of what each export knew.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Confidence, CredentialKind, IdentityKind, Provider};

/// Where a platform record came from: which export, which file, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The export format, named by the command that makes it
    /// (`aws iam get-account-authorization-details`), or `aws api` for live collection.
    pub source: String,
    /// The file as found (relative to the scan root), or the API endpoint.
    pub file: String,
    /// A JSON path (`UserDetailList[3]`), or a CSV position (`line 4`).
    pub position: String,
}

impl Provenance {
    pub fn new(
        source: impl Into<String>,
        file: impl Into<String>,
        position: impl Into<String>,
    ) -> Self {
        Provenance {
            source: source.into(),
            file: file.into(),
            position: position.into(),
        }
    }
}

/// The lifecycle state of an identity or a platform credential, as its platform reports
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum LifecycleStatus {
    Active,
    /// Exists but switched off by its owner (AWS key `Inactive`, GCP key `disabled`).
    Inactive,
    /// Disabled by an administrator or the platform (Entra `accountEnabled: false`,
    /// Okta `SUSPENDED`).
    Disabled,
    /// Past its end date.
    Expired,
    /// Gone: deleted, deprovisioned or offboarded (Okta `DEPROVISIONED`).
    Deleted,
    #[default]
    Unknown,
}

crate::string_enum!(LifecycleStatus, "lifecycle status", {
    Active => "active",
    Inactive => "inactive",
    Disabled => "disabled",
    Expired => "expired",
    Deleted => "deleted",
    Unknown => "unknown",
});

impl LifecycleStatus {
    /// What two sources saying different things about one record add up to: the most
    /// final state any of them reports (deleted over disabled over expired over inactive
    /// over active), and any known state over unknown. Order-independent, so the merged
    /// inventory does not depend on which export was read first.
    pub fn combine(self, other: LifecycleStatus) -> LifecycleStatus {
        let rank = |s: LifecycleStatus| match s {
            LifecycleStatus::Unknown => 0,
            LifecycleStatus::Active => 1,
            LifecycleStatus::Inactive => 2,
            LifecycleStatus::Expired => 3,
            LifecycleStatus::Disabled => 4,
            LifecycleStatus::Deleted => 5,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }

    /// Whether a credential in this state can still authenticate (or might: unknown
    /// counts as live, because a security tool must not assume the good case).
    pub fn is_live(self) -> bool {
        matches!(self, LifecycleStatus::Active | LifecycleStatus::Unknown)
    }
}

/// A principal as its platform knows it: an IAM user or role, a GCP service account, an
/// Entra application, a Kubernetes service account, a GitHub App, an OpenAI service
/// account, or a person (`kind = human`) who owns or created one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Stable ID from provider, kind and the platform's own key; see [`identity_id`].
    pub id: String,
    pub provider: Provider,
    pub kind: IdentityKind,
    pub name: String,
    /// The platform's identifier: an ARN, a service-account email, an application (client)
    /// ID, `namespace/name` for Kubernetes, a login for GitHub, an email for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The container it lives in: AWS account ID, GCP project, Entra tenant, Kubernetes
    /// namespace, GitHub organisation, OpenAI project, Anthropic workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `prod`, `staging`, `dev`… as derived from tags, names and namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Owners by email or login.
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub status: LifecycleStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Further platform facts worth showing: `path`, `trust_policy`, `third_party`,
    /// `service_principal_type`, `automount_token`, `manager`…
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

impl Identity {
    /// A new identity with only the keys set; callers fill in the rest.
    pub fn new(
        provider: Provider,
        kind: IdentityKind,
        key: &str,
        name: impl Into<String>,
        provenance: Provenance,
    ) -> Self {
        Identity {
            id: identity_id(provider, kind, key),
            provider,
            kind,
            name: name.into(),
            external_id: Some(key.to_string()),
            account: None,
            environment: None,
            owners: Vec::new(),
            status: LifecycleStatus::Unknown,
            created: None,
            last_used: None,
            tags: BTreeMap::new(),
            attributes: BTreeMap::new(),
            provenance: vec![provenance],
        }
    }

    /// Folds what `other` (the same identity from another export) knows into `self`:
    /// missing fields are filled, lists and maps are united, and the later of two
    /// `last_used` times wins.
    pub fn absorb(&mut self, other: Identity) {
        // A grant export may name a principal before the export that says what it is.
        if self.kind == IdentityKind::Unknown
            || (self.kind == IdentityKind::ServicePrincipal
                && other.kind == IdentityKind::ManagedIdentity)
        {
            self.kind = other.kind;
        }
        fill(&mut self.external_id, other.external_id);
        fill(&mut self.account, other.account);
        fill(&mut self.environment, other.environment);
        fill(&mut self.created, other.created);
        self.last_used = later(self.last_used, other.last_used);
        self.status = self.status.combine(other.status);
        if self.name.is_empty() {
            self.name = other.name;
        }
        union(&mut self.owners, other.owners);
        for (k, v) in other.tags {
            self.tags.entry(k).or_insert(v);
        }
        for (k, v) in other.attributes {
            self.attributes.entry(k).or_insert(v);
        }
        union(&mut self.provenance, other.provenance);
    }
}

impl Identity {
    /// A person (owner, creator, manager), keyed by lower-cased email or login so that
    /// the same person named by AWS tags, Okta and an OpenAI key's owner is one node.
    pub fn person(email: &str, name: impl Into<String>, provenance: Provenance) -> Self {
        let mut person = Identity::new(
            Provider::Generic,
            IdentityKind::Human,
            email,
            name,
            provenance,
        );
        person.id = person_id(email);
        person.external_id = Some(email.trim().to_lowercase());
        person
    }
}

/// `person:alice@example.com`: see [`Identity::person`].
pub fn person_id(email: &str) -> String {
    format!("person:{}", email.trim().to_lowercase())
}

/// The stable ID of an identity: `provider:kind:key`, where `key` is the platform's own
/// unique identifier (ARN, email, app ID, `namespace/name`). Readable on purpose, so a
/// user can pass it to `nhi show` and recognise it in a graph.
pub fn identity_id(provider: Provider, kind: IdentityKind, key: &str) -> String {
    format!("{provider}:{kind}:{key}")
}

/// What the platform reveals about a secret's value, so that a secret found in code
/// can be matched to it without the platform ever disclosing the secret: OpenAI's
/// `redacted_value` (`sk-proj-abc…wxyz`), Anthropic's `partial_key_hint`, Entra's
/// three-character `hint`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretHint {
    /// The leading characters shown (may be empty).
    pub prefix: String,
    /// The trailing characters shown (may be empty).
    pub suffix: String,
}

impl SecretHint {
    /// Splits a provider's redacted rendering at its mask: `sk-abc...wxyz`,
    /// `sk-ant-api03-R2D...igAA`, `sk-proj-****abcd`, `sk-…abcd`. Returns `None` when
    /// there is no mask to split at.
    pub fn from_redacted(redacted: &str) -> Option<SecretHint> {
        let is_mask = |c: char| c == '*' || c == '.' || c == '…';
        let start = redacted.find(is_mask)?;
        let (last, mask) = redacted.char_indices().rev().find(|&(_, c)| is_mask(c))?;
        let end = last + mask.len_utf8();
        Some(SecretHint {
            prefix: redacted[..start].to_string(),
            suffix: redacted[end..].to_string(),
        })
    }
}

/// A credential as its platform lists it: metadata only. AWS access keys, GCP
/// service-account keys, Entra password and key credentials, GitHub fine-grained PATs
/// and deploy keys, OpenAI and Anthropic API keys, Kubernetes token secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCredential {
    /// Stable ID; see [`platform_credential_id`].
    pub id: String,
    /// The [`Identity::id`] that holds it.
    pub identity: String,
    pub provider: Provider,
    pub kind: CredentialKind,
    /// The platform's key identifier: AWS access key ID, GCP key ID, Entra `keyId`,
    /// OpenAI `key_…` ID, GitHub token ID, Kubernetes `namespace/secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// What the platform shows of the value, when it shows anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<SecretHint>,
    #[serde(default)]
    pub status: LifecycleStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<Timestamp>,
    /// `last_used_region`, `last_used_service`, `created_by`, `key_type`, `scopes`…
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

impl PlatformCredential {
    pub fn new(
        identity: &str,
        provider: Provider,
        kind: CredentialKind,
        key: &str,
        provenance: Provenance,
    ) -> Self {
        PlatformCredential {
            id: platform_credential_id(provider, kind, key),
            identity: identity.to_string(),
            provider,
            kind,
            external_id: Some(key.to_string()),
            hint: None,
            status: LifecycleStatus::Unknown,
            created: None,
            expires: None,
            last_used: None,
            last_rotated: None,
            attributes: BTreeMap::new(),
            provenance: vec![provenance],
        }
    }

    /// Same merge rule as [`Identity::absorb`].
    pub fn absorb(&mut self, other: PlatformCredential) {
        fill(&mut self.external_id, other.external_id);
        fill(&mut self.hint, other.hint);
        fill(&mut self.created, other.created);
        fill(&mut self.expires, other.expires);
        fill(&mut self.last_rotated, other.last_rotated);
        self.last_used = later(self.last_used, other.last_used);
        self.status = self.status.combine(other.status);
        for (k, v) in other.attributes {
            self.attributes.entry(k).or_insert(v);
        }
        union(&mut self.provenance, other.provenance);
    }
}

/// `pcred:provider:kind:key`.
pub fn platform_credential_id(provider: Provider, kind: CredentialKind, key: &str) -> String {
    format!("pcred:{provider}:{kind}:{key}")
}

/// How a grant confers its power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantKind {
    /// An AWS managed or inline policy, attached directly, through a group, or as a
    /// permissions boundary (see `via`).
    Policy,
    /// A role binding: GCP IAM binding, Azure role assignment, Kubernetes (Cluster)RoleBinding.
    RoleBinding,
    /// An application permission (Graph app role assignment, GitHub App permission).
    AppPermission,
    /// A delegated OAuth scope (Graph oauth2PermissionGrant, PAT scope).
    OauthScope,
    /// A provider-level scope on an API key (OpenAI key permissions, Anthropic workspace).
    KeyScope,
}

crate::string_enum!(GrantKind, "grant kind", {
    Policy => "policy",
    RoleBinding => "role_binding",
    AppPermission => "app_permission",
    OauthScope => "oauth_scope",
    KeyScope => "key_scope",
});

/// One permission grant to an identity: what role or policy, over which scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    /// The [`Identity::id`] that receives it.
    pub identity: String,
    pub kind: GrantKind,
    /// The policy ARN or name, role name (`roles/owner`, `Contributor`, `cluster-admin`),
    /// or permission (`Application.ReadWrite.All`, `contents:write`).
    pub role: String,
    /// Where it applies: `*`, a project, a subscription scope, a namespace, a repository.
    pub scope: String,
    /// Through what: `group:Admins`, `boundary`, `inline`, `binding:ci-admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// A condition expression, kept verbatim (GCP IAM condition, ABAC condition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub provenance: Provenance,
}

/// The relation a [`Link`] states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// identity -> credential: the identity holds this (platform or code) credential.
    HasCredential,
    /// code credential -> platform credential: the secret found is this key.
    SameAs,
    /// person -> identity.
    Owns,
    /// person -> identity or credential.
    Created,
    /// identity -> group.
    MemberOf,
    /// identity -> role: trust policy, `iam.serviceAccountUser`, workload identity.
    CanAssume,
    /// consumer (workload, workflow, MCP server, pod) -> credential or identity.
    Uses,
    /// Kubernetes service account or workflow -> cloud identity via federation
    /// (IRSA, GKE workload identity, Entra workload identity, GitHub OIDC).
    Federates,
    /// identity -> identity whose credentials it runs as (pod -> service account).
    RunsAs,
}

crate::string_enum!(LinkKind, "link kind", {
    HasCredential => "has_credential",
    SameAs => "same_as",
    Owns => "owns",
    Created => "created",
    MemberOf => "member_of",
    CanAssume => "can_assume",
    Uses => "uses",
    Federates => "federates",
    RunsAs => "runs_as",
});

/// A typed edge of the identity graph, with how sure we are and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub kind: LinkKind,
    pub confidence: Confidence,
    /// Human-readable reason: `access key ID AKIA…ABCD appears in the credential report`,
    /// `annotation eks.amazonaws.com/role-arn`, `Entra hint 'C~A' and last 4 match`.
    pub evidence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// A container identities live in: an AWS account, a GCP project, an Azure subscription
/// or tenant, a Kubernetes cluster or namespace, a GitHub organisation. Its name and tags
/// are what environments (prod, staging) are read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `provider:account_id`, e.g. `aws:123456789012`; see [`account_key`].
    pub id: String,
    pub provider: Provider,
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default)]
    pub status: LifecycleStatus,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// `provider:account_id`.
pub fn account_key(provider: Provider, account_id: &str) -> String {
    format!("{provider}:{account_id}")
}

/// A recoverable problem in an export: named by file and position; the rest loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceWarning {
    pub file: String,
    pub position: String,
    pub message: String,
}

/// What one export contributes to the inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryBatch {
    #[serde(default)]
    pub accounts: Vec<Account>,
    pub identities: Vec<Identity>,
    pub credentials: Vec<PlatformCredential>,
    pub grants: Vec<Grant>,
    pub links: Vec<Link>,
    pub warnings: Vec<SourceWarning>,
}

impl InventoryBatch {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.identities.is_empty()
            && self.credentials.is_empty()
            && self.grants.is_empty()
            && self.links.is_empty()
    }
}

/// Everything known about the platforms, merged from any number of batches.
/// Maps are keyed by ID so a merge is a lookup, and iteration order is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default)]
    pub accounts: BTreeMap<String, Account>,
    pub identities: BTreeMap<String, Identity>,
    pub credentials: BTreeMap<String, PlatformCredential>,
    pub grants: Vec<Grant>,
    pub links: Vec<Link>,
    pub warnings: Vec<SourceWarning>,
}

impl From<Inventory> for InventoryBatch {
    /// The inventory's contents as a batch, to merge one inventory into another (the
    /// stores merge their collections this way, in origin order).
    fn from(inventory: Inventory) -> InventoryBatch {
        InventoryBatch {
            accounts: inventory.accounts.into_values().collect(),
            identities: inventory.identities.into_values().collect(),
            credentials: inventory.credentials.into_values().collect(),
            grants: inventory.grants,
            links: inventory.links,
            warnings: inventory.warnings,
        }
    }
}

impl Inventory {
    pub fn merge(&mut self, batch: InventoryBatch) {
        for account in batch.accounts {
            match self.accounts.get_mut(&account.id) {
                Some(existing) => {
                    fill(&mut existing.name, account.name);
                    fill(&mut existing.environment, account.environment);
                    if existing.status == LifecycleStatus::Unknown {
                        existing.status = account.status;
                    }
                    for (k, v) in account.attributes {
                        existing.attributes.entry(k).or_insert(v);
                    }
                    union(&mut existing.provenance, account.provenance);
                }
                None => {
                    self.accounts.insert(account.id.clone(), account);
                }
            }
        }
        for identity in batch.identities {
            match self.identities.get_mut(&identity.id) {
                Some(existing) => existing.absorb(identity),
                None => {
                    self.identities.insert(identity.id.clone(), identity);
                }
            }
        }
        for credential in batch.credentials {
            match self.credentials.get_mut(&credential.id) {
                Some(existing) => existing.absorb(credential),
                None => {
                    self.credentials.insert(credential.id.clone(), credential);
                }
            }
        }
        self.grants.extend(batch.grants);
        self.links.extend(batch.links);
        self.warnings.extend(batch.warnings);
    }

    /// Sorts and de-duplicates grants and links, so two exports stating the same fact
    /// give one edge and the output does not depend on file order.
    pub fn normalize(&mut self) {
        self.grants.sort();
        self.grants.dedup_by(|a, b| {
            a.identity == b.identity
                && a.kind == b.kind
                && a.role == b.role
                && a.scope == b.scope
                && a.via == b.via
                && a.condition == b.condition
        });
        self.links.sort();
        self.links
            .dedup_by(|a, b| a.from == b.from && a.to == b.to && a.kind == b.kind);
    }

    /// Finds an identity by ID, external ID (ARN, email, app ID) or, when unambiguous,
    /// by name.
    pub fn find_identity(&self, needle: &str) -> Option<&Identity> {
        if let Some(found) = self.identities.get(needle) {
            return Some(found);
        }
        if let Some(found) = self
            .identities
            .values()
            .find(|i| i.external_id.as_deref() == Some(needle))
        {
            return Some(found);
        }
        let mut by_name = self.identities.values().filter(|i| i.name == needle);
        match (by_name.next(), by_name.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn union<T: PartialEq>(into: &mut Vec<T>, from: Vec<T>) {
    for item in from {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn combining_statuses_does_not_depend_on_order() {
        use LifecycleStatus::*;
        for a in LifecycleStatus::ALL {
            for b in LifecycleStatus::ALL {
                assert_eq!(a.combine(*b), b.combine(*a), "{a} {b}");
            }
            assert_eq!(a.combine(Unknown), *a);
        }
        assert_eq!(Active.combine(Disabled), Disabled);
        assert_eq!(Disabled.combine(Deleted), Deleted);
    }

    use super::*;

    #[test]
    fn hints_split_at_the_mask() {
        let h = SecretHint::from_redacted("sk-abc...wxyz").unwrap();
        assert_eq!((h.prefix.as_str(), h.suffix.as_str()), ("sk-abc", "wxyz"));
        let h = SecretHint::from_redacted("sk-ant-api03-R2D...igAA").unwrap();
        assert_eq!(h.prefix, "sk-ant-api03-R2D");
        assert_eq!(h.suffix, "igAA");
        let h = SecretHint::from_redacted("sk-proj-****abcd").unwrap();
        assert_eq!((h.prefix.as_str(), h.suffix.as_str()), ("sk-proj-", "abcd"));
        let h = SecretHint::from_redacted("sk-…abcd").unwrap();
        assert_eq!((h.prefix.as_str(), h.suffix.as_str()), ("sk-", "abcd"));
        assert!(SecretHint::from_redacted("noMaskHere").is_none());
    }

    #[test]
    fn merging_the_same_identity_twice_unites_what_each_export_knew() {
        let p1 = Provenance::new("gaad", "a.json", "UserDetailList[0]");
        let p2 = Provenance::new("credential report", "b.csv", "line 2");
        let mut a = Identity::new(
            Provider::Aws,
            IdentityKind::IamUser,
            "arn:aws:iam::1:user/ci",
            "ci",
            p1,
        );
        a.tags.insert("env".into(), "prod".into());
        let mut b = a.clone();
        b.provenance = vec![p2];
        b.tags.clear();
        b.last_used = Some("2024-05-01T00:00:00Z".parse().unwrap());
        b.status = LifecycleStatus::Active;
        let mut inv = Inventory::default();
        inv.merge(InventoryBatch {
            identities: vec![a.clone()],
            ..Default::default()
        });
        inv.merge(InventoryBatch {
            identities: vec![b],
            ..Default::default()
        });
        assert_eq!(inv.identities.len(), 1);
        let merged = &inv.identities[&a.id];
        assert_eq!(merged.provenance.len(), 2);
        assert_eq!(merged.tags["env"], "prod");
        assert_eq!(merged.status, LifecycleStatus::Active);
        assert!(merged.last_used.is_some());
        assert_eq!(
            inv.find_identity("arn:aws:iam::1:user/ci").unwrap().id,
            a.id
        );
        assert_eq!(inv.find_identity("ci").unwrap().id, a.id);
    }
}
