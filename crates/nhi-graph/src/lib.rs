//! The identity graph: platform inventories joined with the credentials and consumers a
//! scan found, as one set of typed, explained links.
//!
//! The chain the product promises (secret → identity → permissions → owner → consumers →
//! last use) is assembled here and nowhere else. Sources only state what their export
//! says; this crate decides what is the same thing, how sure that is, and why:
//!
//! * a secret in code is the platform key whose ID sits next to it (AWS access key ID,
//!   GCP `private_key_id`): high confidence;
//! * or whose visible characters match what the platform shows (OpenAI `redacted_value`,
//!   Anthropic `partial_key_hint`, Entra's three-character `hint`): medium, or low when
//!   several keys share the hint;
//! * consumers use the secrets they carry (by fingerprint) or name (`secrets.X`);
//! * owners come from tags, creators, CODEOWNERS and commit authors, and are checked
//!   against the people export;
//! * environments come from tags, account names, namespaces and paths (rules are data).
//!
//! Everything is pure: no I/O, so it is deterministic and testable.

mod codeowners;
mod environment;
mod export;
mod view;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use nhi_model::{
    Confidence, Consumer, Credential, CredentialId, CredentialKind, CredentialValue, Identity,
    IdentityKind, Inventory, LifecycleStatus, Link, LinkKind, PlatformCredential, Provider,
    identity_id, person_id,
};

pub use codeowners::CodeOwners;
pub use environment::{EnvironmentRules, RulesError, mixes_prod};
pub use export::{GraphFormat, render_graph};
pub use view::{CredentialView, IdentityView, InventoryFilter, identity_views};

/// What a scan found: credentials (by fingerprint) and the configs that use them.
#[derive(Debug, Clone, Default)]
pub struct CodeInventory {
    pub credentials: Vec<Credential>,
    pub consumers: Vec<Consumer>,
}

/// Settings for correlation.
#[derive(Debug, Clone, Default)]
pub struct CorrelateOptions {
    pub environments: EnvironmentRules,
    /// CODEOWNERS per scan root (the root string as the sightings carry it).
    pub codeowners: BTreeMap<String, CodeOwners>,
}

/// A reuse or environment-mixing observation (OWASP NHI9 and NHI8), with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reuse {
    /// `shared_credential` (NHI9) or `environment_mixing` (NHI8).
    pub kind: &'static str,
    /// The credential or identity ID.
    pub subject: String,
    /// The consumers, workloads or files involved.
    pub places: Vec<String>,
    pub environments: Vec<String>,
    pub evidence: String,
}

/// The correlated graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Platform records, plus stub identities for link ends no export described and
    /// `unknown` identities for code credentials no platform claims.
    pub inventory: Inventory,
    pub code: BTreeMap<CredentialId, Credential>,
    pub consumers: Vec<Consumer>,
    pub reuse: Vec<Reuse>,
    /// Positions in `inventory.grants` by identity, and platform credential IDs by
    /// holder: built by [`correlate`], so per-identity questions cost what the identity
    /// has rather than what the whole inventory has.
    grants_at: HashMap<String, Vec<usize>>,
    credentials_by_holder: HashMap<String, Vec<String>>,
}

impl Graph {
    /// The grants an identity holds directly.
    pub fn grants_of<'a>(
        &'a self,
        identity: &str,
    ) -> impl Iterator<Item = &'a nhi_model::Grant> + 'a {
        self.grants_at
            .get(identity)
            .into_iter()
            .flatten()
            .filter_map(|&at| self.inventory.grants.get(at))
    }

    /// The platform credentials an identity holds.
    pub fn credentials_of<'a>(
        &'a self,
        identity: &str,
    ) -> impl Iterator<Item = &'a PlatformCredential> + 'a {
        self.credentials_by_holder
            .get(identity)
            .into_iter()
            .flatten()
            .filter_map(|id| self.inventory.credentials.get(id))
    }

    fn build_indexes(&mut self) {
        self.grants_at.clear();
        for (at, grant) in self.inventory.grants.iter().enumerate() {
            self.grants_at
                .entry(grant.identity.clone())
                .or_default()
                .push(at);
        }
        self.credentials_by_holder.clear();
        for credential in self.inventory.credentials.values() {
            self.credentials_by_holder
                .entry(credential.identity.clone())
                .or_default()
                .push(credential.id.clone());
        }
    }

    /// The identity a code credential belongs to, through a `same_as` or
    /// `has_credential` link.
    pub fn identity_of_code(&self, id: &str) -> Option<&Identity> {
        for link in &self.inventory.links {
            if link.to == id && link.kind == LinkKind::HasCredential {
                return self.inventory.identities.get(&link.from);
            }
            if link.from == id && link.kind == LinkKind::SameAs {
                let platform = self.inventory.credentials.get(&link.to)?;
                return self.inventory.identities.get(&platform.identity);
            }
        }
        None
    }
}

/// Joins a merged platform inventory with what the scan found.
pub fn correlate(
    mut inventory: Inventory,
    code: CodeInventory,
    options: &CorrelateOptions,
) -> Graph {
    resolve_aws_user_names(&mut inventory);
    fold_aws_report_slots(&mut inventory);

    let mut graph = Graph {
        code: code
            .credentials
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect(),
        consumers: code.consumers,
        ..Graph::default()
    };

    let mut links = Vec::new();
    match_code_credentials(&inventory, &graph.code, &mut links);
    link_consumers(&inventory, &graph.code, &graph.consumers, &mut links);
    inventory.links.extend(links);

    shadow_identities(&mut inventory, &graph.code);
    code_owners(&mut inventory, &graph.code, options);
    stub_dangling_ends(&mut inventory);
    derive_environments(&mut inventory, options);
    check_owners(&mut inventory);
    inventory.normalize();

    graph.inventory = inventory;
    graph.reuse = find_reuse(&graph, options);
    graph.build_indexes();
    graph
}

/// `list-access-keys` names users, not ARNs: rewrite references to `user/NAME` to the
/// ARN-keyed user when exactly one user has that name.
fn resolve_aws_user_names(inventory: &mut Inventory) {
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for identity in inventory.identities.values() {
        if identity.provider == Provider::Aws
            && identity.kind == IdentityKind::IamUser
            && identity
                .external_id
                .as_deref()
                .is_some_and(|e| e.starts_with("arn:"))
        {
            by_name
                .entry(identity.name.clone())
                .or_default()
                .push(identity.id.clone());
        }
    }
    let prefix = identity_id(Provider::Aws, IdentityKind::IamUser, "user/");
    let mut rename: HashMap<String, String> = HashMap::new();
    let placeholders: BTreeSet<String> = inventory
        .identities
        .keys()
        .filter(|id| id.starts_with(&prefix))
        .cloned()
        .chain(
            inventory
                .credentials
                .values()
                .map(|c| c.identity.clone())
                .filter(|id| id.starts_with(&prefix)),
        )
        .collect();
    for placeholder in placeholders {
        let name = &placeholder[prefix.len()..];
        if let Some([only]) = by_name.get(name).map(Vec::as_slice) {
            rename.insert(placeholder.clone(), only.clone());
        }
    }
    if rename.is_empty() {
        return;
    }
    for (from, to) in &rename {
        if let Some(mut stub) = inventory.identities.remove(from) {
            stub.id = to.clone();
            stub.external_id = None;
            stub.attributes.remove("unresolved_user_name");
            if let Some(target) = inventory.identities.get_mut(to) {
                target.absorb(stub);
            }
        }
    }
    for credential in inventory.credentials.values_mut() {
        if let Some(to) = rename.get(&credential.identity) {
            credential.identity = to.clone();
        }
    }
    for link in &mut inventory.links {
        if let Some(to) = rename.get(&link.from) {
            link.from = to.clone();
        }
        if let Some(to) = rename.get(&link.to) {
            link.to = to.clone();
        }
    }
}

/// The credential report lists a user's keys by slot, without key IDs. When
/// `list-access-keys` gave the IDs, the slot whose "last rotated" time is the key's
/// creation time is that key: fold the slot's usage into it and drop the slot.
fn fold_aws_report_slots(inventory: &mut Inventory) {
    let slots: Vec<String> = inventory
        .credentials
        .values()
        .filter(|c| c.attributes.contains_key("report_slot") && c.external_id.is_none())
        .map(|c| c.id.clone())
        .collect();
    if slots.is_empty() {
        return;
    }
    // Keys with an ID, by holder: each slot only compares with its own user's keys.
    let mut keys_of: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for c in inventory.credentials.values() {
        if c.external_id.is_some()
            && let Some(created) = c.created
        {
            keys_of
                .entry(c.identity.clone())
                .or_default()
                .push((c.id.clone(), created.as_second()));
        }
    }
    let mut rename = HashMap::new();
    for slot_id in slots {
        let Some(slot) = inventory.credentials.get(&slot_id).cloned() else {
            continue;
        };
        let Some(created) = slot.created else {
            continue;
        };
        let matching: Vec<String> = keys_of
            .get(&slot.identity)
            .into_iter()
            .flatten()
            .filter(|(_, t)| (t - created.as_second()).abs() <= 1)
            .map(|(id, _)| id.clone())
            .collect();
        if let [only] = matching.as_slice() {
            inventory.credentials.remove(&slot_id);
            if let Some(key) = inventory.credentials.get_mut(only) {
                let mut slot = slot;
                slot.external_id = None;
                slot.created = None;
                key.absorb(slot);
            }
            rename.insert(slot_id, only.clone());
        }
    }
    for link in &mut inventory.links {
        if let Some(to) = rename.get(&link.to) {
            link.to = to.clone();
        }
    }
}

/// Ties each code credential to a platform credential or identity.
fn match_code_credentials(
    inventory: &Inventory,
    code: &BTreeMap<CredentialId, Credential>,
    links: &mut Vec<Link>,
) {
    let by_external: HashMap<(&str, Provider), Vec<&PlatformCredential>> = {
        let mut map: HashMap<(&str, Provider), Vec<&PlatformCredential>> = HashMap::new();
        for cred in inventory.credentials.values() {
            if let Some(ext) = cred.external_id.as_deref() {
                map.entry((ext, cred.provider)).or_default().push(cred);
            }
        }
        map
    };
    for credential in code.values() {
        let id = credential.id.as_str();
        // 1. The platform's key ID sits next to the secret.
        if let Some(ext) = credential.external_id.as_deref()
            && matches!(
                credential.kind,
                CredentialKind::AccessKey
                    | CredentialKind::SessionToken
                    | CredentialKind::ServiceAccountKey
            )
            && let Some(found) = by_external.get(&(ext, credential.provider))
        {
            for platform in found {
                links.push(Link {
                    from: id.to_string(),
                    to: platform.id.clone(),
                    kind: LinkKind::SameAs,
                    confidence: Confidence::High,
                    evidence: format!(
                        "key ID {ext} next to the secret is {}'s {}",
                        display_holder(inventory, &platform.identity),
                        platform.kind
                    ),
                    provenance: platform.provenance.first().cloned(),
                });
            }
            continue;
        }
        // 2. The platform shows part of the value.
        let candidates: Vec<&PlatformCredential> = inventory
            .credentials
            .values()
            .filter(|p| p.provider == credential.provider && hint_matches(credential, p))
            .collect();
        if !candidates.is_empty() {
            let confidence = if candidates.len() == 1 {
                Confidence::Medium
            } else {
                Confidence::Low
            };
            for platform in &candidates {
                let hint = platform.hint.as_ref();
                links.push(Link {
                    from: id.to_string(),
                    to: platform.id.clone(),
                    kind: LinkKind::SameAs,
                    confidence,
                    evidence: format!(
                        "visible characters match the platform's hint `{}…{}`{}",
                        hint.map_or("", |h| h.prefix.as_str()),
                        hint.map_or("", |h| h.suffix.as_str()),
                        if candidates.len() > 1 {
                            format!(" ({} keys share it)", candidates.len())
                        } else {
                            String::new()
                        }
                    ),
                    provenance: platform.provenance.first().cloned(),
                });
            }
            continue;
        }
        // 3. The secret names its identity (GCP key file `client_email`, a Kubernetes
        //    token's `sub`).
        if let Some(holder) = named_identity(inventory, credential) {
            links.push(Link {
                from: holder.0,
                to: id.to_string(),
                kind: LinkKind::HasCredential,
                confidence: Confidence::Medium,
                evidence: holder.1,
                provenance: None,
            });
        }
    }
}

fn display_holder(inventory: &Inventory, identity: &str) -> String {
    inventory
        .identities
        .get(identity)
        .map_or_else(|| identity.to_string(), |i| i.name.clone())
}

/// Whether a code credential's preview (provider prefix + last four) and, for Entra,
/// its recorded three-character hint agree with what the platform shows.
fn hint_matches(code: &Credential, platform: &PlatformCredential) -> bool {
    let Some(hint) = &platform.hint else {
        return false;
    };
    if platform.provider == Provider::Azure {
        // Entra shows the first three characters only.
        return !hint.prefix.is_empty()
            && code.kind == CredentialKind::ClientSecret
            && code.attributes.get("entra_hint") == Some(&hint.prefix);
    }
    let preview = code.preview.as_str();
    let Some((prefix, suffix)) = preview.split_once('…') else {
        return false;
    };
    if suffix.is_empty() || hint.suffix.is_empty() {
        return false;
    }
    let tail = |s: &str, n: usize| -> String {
        let chars: Vec<char> = s.chars().collect();
        chars[chars.len().saturating_sub(n)..].iter().collect()
    };
    let n = suffix.chars().count().min(hint.suffix.chars().count());
    let prefixes_agree = hint.prefix.starts_with(prefix) || prefix.starts_with(&hint.prefix);
    n > 0 && prefixes_agree && tail(suffix, n) == tail(&hint.suffix, n)
}

fn named_identity(inventory: &Inventory, credential: &Credential) -> Option<(String, String)> {
    if let Some(email) = credential.attributes.get("client_email") {
        let id = identity_id(Provider::Gcp, IdentityKind::ServiceAccount, email);
        if inventory.identities.contains_key(&id) {
            return Some((id, format!("key file's client_email is {email}")));
        }
    }
    if let Some(sub) = credential.attributes.get("sub")
        && let Some(rest) = sub.strip_prefix("system:serviceaccount:")
    {
        let key = rest.replacen(':', "/", 1);
        let id = identity_id(
            Provider::Kubernetes,
            IdentityKind::KubernetesServiceAccount,
            &key,
        );
        if inventory.identities.contains_key(&id) {
            return Some((id, format!("token subject is {sub}")));
        }
    }
    None
}

/// Consumers use the literal secrets they carry, the platform secrets they name
/// (`secrets.X` in a workflow) and the roles they assume.
fn link_consumers(
    inventory: &Inventory,
    code: &BTreeMap<CredentialId, Credential>,
    consumers: &[Consumer],
    links: &mut Vec<Link>,
) {
    let named_secrets: HashMap<&str, Vec<&PlatformCredential>> = {
        let mut map: HashMap<&str, Vec<&PlatformCredential>> = HashMap::new();
        for cred in inventory.credentials.values() {
            if cred.provider == Provider::Github
                && let Some(name) = cred.attributes.get("secret_name")
            {
                map.entry(name.as_str()).or_default().push(cred);
            }
        }
        map
    };
    for consumer in consumers {
        for used in &consumer.credentials {
            match &used.value {
                CredentialValue::Literal { fingerprint, .. } => {
                    let id = CredentialId::for_fingerprint(fingerprint);
                    if code.contains_key(&id) {
                        links.push(Link {
                            from: consumer.id.clone(),
                            to: id.to_string(),
                            kind: LinkKind::Uses,
                            confidence: Confidence::High,
                            evidence: format!(
                                "{} carries it literally in {}",
                                consumer.name, used.carrier
                            ),
                            provenance: None,
                        });
                    }
                }
                CredentialValue::Reference { .. } => {
                    if let Some(name) = used.carrier.strip_prefix("secret:") {
                        for secret in named_secrets.get(name).into_iter().flatten() {
                            links.push(Link {
                                from: consumer.id.clone(),
                                to: secret.id.clone(),
                                kind: LinkKind::Uses,
                                confidence: Confidence::Medium,
                                evidence: format!(
                                    "{} reads secrets.{name}; an Actions secret of that name exists",
                                    consumer.name
                                ),
                                provenance: secret.provenance.first().cloned(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(roles) = consumer.attributes.get("aws_roles") {
            for arn in roles.split(',') {
                let role = identity_id(Provider::Aws, IdentityKind::IamRole, arn);
                let federated = inventory.links.iter().any(|l| {
                    l.to == role && l.kind == LinkKind::Federates && l.from.starts_with("github:")
                });
                links.push(Link {
                    from: consumer.id.clone(),
                    to: role,
                    kind: LinkKind::Federates,
                    confidence: Confidence::High,
                    evidence: format!(
                        "{} assumes {arn} with `role-to-assume`{}",
                        consumer.name,
                        if federated {
                            "; the role's trust policy admits GitHub OIDC"
                        } else {
                            ""
                        }
                    ),
                    provenance: None,
                });
            }
        }
    }
}

/// Every code credential no platform record claims becomes (or joins) an identity of
/// kind `unknown`, so the inventory lists shadow credentials too.
fn shadow_identities(inventory: &mut Inventory, code: &BTreeMap<CredentialId, Credential>) {
    let claimed: BTreeSet<&str> = inventory
        .links
        .iter()
        .filter_map(|l| match l.kind {
            LinkKind::SameAs => Some(l.from.as_str()),
            LinkKind::HasCredential => Some(l.to.as_str()),
            _ => None,
        })
        .collect();
    let mut shadows = Vec::new();
    for credential in code.values() {
        if claimed.contains(credential.id.as_str()) {
            continue;
        }
        let key = credential
            .external_id
            .clone()
            .unwrap_or_else(|| credential.id.to_string());
        let id = identity_id(credential.provider, IdentityKind::Unknown, &key);
        let mut identity = Identity::new(
            credential.provider,
            IdentityKind::Unknown,
            &key,
            // A key ID (AWS, GCP private_key_id) names the key better than its preview.
            credential
                .external_id
                .clone()
                .unwrap_or_else(|| credential.preview.to_string()),
            nhi_model::Provenance::new(
                "nhi scan",
                credential
                    .sightings
                    .first()
                    .map(|s| s.path.clone())
                    .unwrap_or_default(),
                credential
                    .sightings
                    .first()
                    .map(|s| format!("line {}", s.line))
                    .unwrap_or_default(),
            ),
        );
        identity.external_id = credential.external_id.clone();
        identity.status = LifecycleStatus::Unknown;
        identity.attributes.insert("shadow".into(), "true".into());
        shadows.push(Link {
            from: id.clone(),
            to: credential.id.to_string(),
            kind: LinkKind::HasCredential,
            confidence: Confidence::Low,
            evidence: "found in code; no platform export lists it".into(),
            provenance: None,
        });
        inventory.identities.entry(id).or_insert(identity);
    }
    inventory.links.extend(shadows);
}

/// Owners for identities that have none, from where their secrets were found: the
/// CODEOWNERS rule for the file, else the author of the commit that added it.
fn code_owners(
    inventory: &mut Inventory,
    code: &BTreeMap<CredentialId, Credential>,
    options: &CorrelateOptions,
) {
    let holder_of: HashMap<String, String> = inventory
        .links
        .iter()
        .filter_map(|l| match l.kind {
            LinkKind::HasCredential => Some((l.to.clone(), l.from.clone())),
            LinkKind::SameAs => inventory
                .credentials
                .get(&l.to)
                .map(|p| (l.from.clone(), p.identity.clone())),
            _ => None,
        })
        .collect();
    let mut new_links = Vec::new();
    for credential in code.values() {
        let Some(holder) = holder_of.get(credential.id.as_str()) else {
            continue;
        };
        let Some(identity) = inventory.identities.get_mut(holder) else {
            continue;
        };
        // A person holding a key is its own owner; CODEOWNERS teams do not own people.
        if !identity.owners.is_empty() || identity.kind == IdentityKind::Human {
            continue;
        }
        let mut found: Vec<(String, String)> = Vec::new();
        for sighting in &credential.sightings {
            if let Some(rules) = options.codeowners.get(&sighting.root)
                && let Some((owners, line)) = rules.owners_of(&sighting.path)
            {
                for owner in owners {
                    found.push((
                        owner.clone(),
                        format!("CODEOWNERS line {line} covers {}", sighting.path),
                    ));
                }
            }
        }
        if found.is_empty()
            && let Some(author) = credential
                .sightings
                .iter()
                .filter(|s| s.commit.is_some())
                .filter_map(|s| s.author.clone())
                .next()
        {
            found.push((author, "author of the commit that added the secret".into()));
        }
        for (owner, evidence) in found {
            if identity.owners.contains(&owner) {
                continue;
            }
            identity.owners.push(owner.clone());
            new_links.push(Link {
                from: person_id(&owner),
                to: identity.id.clone(),
                kind: LinkKind::Owns,
                confidence: Confidence::Medium,
                evidence,
                provenance: None,
            });
        }
    }
    inventory.links.extend(new_links);
}

/// A link may name something no export described (a role in another account, a GitHub
/// OIDC subject, an owner missing from the people export). Give every such end a stub
/// identity so the graph has no dangling edges; `stub=true` says how little is known.
fn stub_dangling_ends(inventory: &mut Inventory) {
    let mut missing = BTreeSet::new();
    for link in &inventory.links {
        for end in [&link.from, &link.to] {
            if !inventory.identities.contains_key(end)
                && !inventory.credentials.contains_key(end)
                && !end.starts_with("cred-")
                && !is_consumer_id(end)
            {
                missing.insert(end.clone());
            }
        }
    }
    for id in missing {
        let identity = stub_for(&id);
        inventory.identities.insert(id, identity);
    }
}

fn is_consumer_id(id: &str) -> bool {
    nhi_model::ConsumerKind::ALL
        .iter()
        .any(|k| id.starts_with(&format!("{}:", k.as_str())))
}

fn stub_for(id: &str) -> Identity {
    let provenance = nhi_model::Provenance::new("nhi correlate", "", "link end");
    if let Some(email) = id.strip_prefix("person:") {
        let mut person = Identity::person(email, email, provenance);
        person.attributes.insert("stub".into(), "true".into());
        return person;
    }
    let mut parts = id.splitn(3, ':');
    let provider = parts.next().and_then(|p| p.parse().ok());
    let kind = parts.next().and_then(|k| k.parse().ok());
    let key = parts.next().unwrap_or(id);
    let mut identity = Identity::new(
        provider.unwrap_or(Provider::Generic),
        kind.unwrap_or(IdentityKind::Unknown),
        key,
        short_name(key),
        provenance,
    );
    identity.id = id.to_string();
    identity.account = key
        .starts_with("arn:")
        .then(|| key.split(':').nth(4).map(str::to_string))
        .flatten()
        .filter(|a| !a.is_empty());
    identity.attributes.insert("stub".into(), "true".into());
    identity
}

fn short_name(key: &str) -> String {
    key.rsplit(['/', ':']).next().unwrap_or(key).to_string()
}

/// Fills `environment` from, in order: the identity's own tags (already set by the
/// source), its account's environment (from the account name), its account or
/// namespace string, its name.
fn derive_environments(inventory: &mut Inventory, options: &CorrelateOptions) {
    let rules = &options.environments;
    for account in inventory.accounts.values_mut() {
        if account.environment.is_none() {
            account.environment = account
                .name
                .as_deref()
                .and_then(|n| rules.classify(n))
                .or_else(|| rules.classify(&account.account_id));
        }
    }
    let accounts = &inventory.accounts;
    for identity in inventory.identities.values_mut() {
        if identity.environment.is_some() || identity.kind == IdentityKind::Human {
            continue;
        }
        let from_account = identity.account.as_deref().and_then(|a| {
            accounts
                .get(&nhi_model::account_key(identity.provider, a))
                .and_then(|acc| acc.environment.clone())
                .or_else(|| rules.classify(a))
        });
        identity.environment = from_account.or_else(|| rules.classify(&identity.name));
    }
}

/// Marks identities whose owners have left (people export says deleted or disabled) or
/// are unknown to the people export when one was loaded.
fn check_owners(inventory: &mut Inventory) {
    let have_people = inventory
        .identities
        .values()
        .any(|i| i.kind == IdentityKind::Human && !i.attributes.contains_key("stub"));
    let people: HashMap<String, (LifecycleStatus, bool)> = inventory
        .identities
        .values()
        .filter(|i| i.kind == IdentityKind::Human)
        .map(|i| (i.id.clone(), (i.status, i.attributes.contains_key("stub"))))
        .collect();
    for identity in inventory.identities.values_mut() {
        if identity.kind == IdentityKind::Human {
            continue;
        }
        let mut left = Vec::new();
        let mut unknown = Vec::new();
        for owner in &identity.owners {
            match people.get(&person_id(owner)) {
                Some((LifecycleStatus::Deleted | LifecycleStatus::Disabled, _)) => {
                    left.push(owner.clone())
                }
                Some((_, true)) | None
                    if have_people && owner.contains('@') && !owner.starts_with('@') =>
                {
                    unknown.push(owner.clone())
                }
                _ => {}
            }
        }
        if !left.is_empty() {
            identity
                .attributes
                .insert("owners_offboarded".into(), left.join(","));
        }
        if !unknown.is_empty() {
            identity
                .attributes
                .insert("owners_unknown".into(), unknown.join(","));
        }
    }
}

/// NHI9: one secret or identity used by several consumers or workloads; NHI8: the same
/// secret or identity reaching production and non-production.
fn find_reuse(graph: &Graph, options: &CorrelateOptions) -> Vec<Reuse> {
    let rules = &options.environments;
    let inventory = &graph.inventory;
    let mut out = Vec::new();
    // Users of each node: consumers (Uses links) and workloads (RunsAs).
    let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for link in &inventory.links {
        if matches!(link.kind, LinkKind::Uses | LinkKind::RunsAs) {
            users
                .entry(link.to.as_str())
                .or_default()
                .insert(link.from.as_str());
        }
    }
    // Identity of each code credential, to lift code reuse to the identity.
    for credential in graph.code.values() {
        let id = credential.id.as_str();
        let consumers: Vec<String> = users
            .get(id)
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        let files: BTreeSet<String> = credential
            .sightings
            .iter()
            .filter(|s| s.commit.is_none())
            .map(|s| format!("{}/{}", s.root.trim_end_matches('/'), s.path))
            .collect();
        if consumers.len() >= 2 {
            out.push(Reuse {
                kind: "shared_credential",
                subject: id.to_string(),
                places: consumers.clone(),
                environments: Vec::new(),
                evidence: format!(
                    "{} is used by {} consumers: {}",
                    credential.preview,
                    consumers.len(),
                    consumers.join(", ")
                ),
            });
        } else if files.len() >= 2 {
            out.push(Reuse {
                kind: "shared_credential",
                subject: id.to_string(),
                places: files.iter().cloned().collect(),
                environments: Vec::new(),
                evidence: format!(
                    "{} is written into {} files: {}",
                    credential.preview,
                    files.len(),
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        let mut environments: BTreeSet<String> = credential
            .sightings
            .iter()
            .filter_map(|s| rules.classify(&s.path))
            .collect();
        if let Some(identity) = graph.identity_of_code(id)
            && let Some(env) = &identity.environment
        {
            environments.insert(env.clone());
        }
        let environments: Vec<String> = environments.into_iter().collect();
        if mixes_prod(&environments) {
            out.push(Reuse {
                kind: "environment_mixing",
                subject: id.to_string(),
                places: files.into_iter().collect(),
                environments: environments.clone(),
                evidence: format!(
                    "{} reaches {}",
                    credential.preview,
                    environments.join(" and ")
                ),
            });
        }
    }
    // Identities run as, or used by, several workloads.
    for identity in inventory.identities.values() {
        if identity.kind == IdentityKind::Human {
            continue;
        }
        let Some(by) = users.get(identity.id.as_str()) else {
            continue;
        };
        if by.len() >= 2 {
            let places: Vec<String> = by.iter().map(|s| s.to_string()).collect();
            let environments: BTreeSet<String> = places
                .iter()
                .filter_map(|p| {
                    inventory
                        .identities
                        .get(p)
                        .and_then(|w| w.environment.clone())
                        .or_else(|| rules.classify(p))
                })
                .chain(identity.environment.clone())
                .collect();
            let environments: Vec<String> = environments.into_iter().collect();
            out.push(Reuse {
                kind: "shared_credential",
                subject: identity.id.clone(),
                places: places.clone(),
                environments: environments.clone(),
                evidence: format!(
                    "{} is used by {} workloads: {}",
                    identity.name,
                    places.len(),
                    places.join(", ")
                ),
            });
            if mixes_prod(&environments) {
                out.push(Reuse {
                    kind: "environment_mixing",
                    subject: identity.id.clone(),
                    places,
                    environments: environments.clone(),
                    evidence: format!("{} serves {}", identity.name, environments.join(" and ")),
                });
            }
        }
    }
    // A non-production identity that can become a production one (trust policies,
    // workload-identity federation): production is only as safe as the weaker side.
    for link in &inventory.links {
        if !matches!(link.kind, LinkKind::CanAssume | LinkKind::Federates) {
            continue;
        }
        let (Some(from), Some(to)) = (
            inventory.identities.get(&link.from),
            inventory.identities.get(&link.to),
        ) else {
            continue;
        };
        let (Some(from_env), Some(to_env)) = (&from.environment, &to.environment) else {
            continue;
        };
        if to_env == "prod" && from_env != "prod" {
            out.push(Reuse {
                kind: "environment_mixing",
                subject: to.id.clone(),
                places: vec![from.id.clone(), to.id.clone()],
                environments: vec![from_env.clone(), to_env.clone()],
                evidence: format!(
                    "{} ({from_env}) {} {} ({to_env}): {}",
                    from.name,
                    if link.kind == LinkKind::CanAssume {
                        "can assume"
                    } else {
                        "federates into"
                    },
                    to.name,
                    link.evidence
                ),
            });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.subject, &a.places).cmp(&(b.kind, &b.subject, &b.places)));
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
