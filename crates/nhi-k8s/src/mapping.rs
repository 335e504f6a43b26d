//! Typed items -> inventory records.
//!
//! Two passes: the first types every item and indexes what later items refer to
//! (secret types, service-account automount settings, role rules, which controllers
//! exist); the second emits identities, credentials, grants and links.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use jiff::Timestamp;
use nhi_model::{
    Confidence, CredentialKind, Grant, GrantKind, Identity, IdentityKind, InventoryBatch,
    LifecycleStatus, Link, LinkKind, PlatformCredential, Provenance, Provider, SourceWarning,
    identity_id, person_id, platform_credential_id,
};
use serde_json::Value;

use crate::objects::{
    Binding, Controller, CronJob, Head, Object, ObjectMeta, Pod, PodSpec, READ_KINDS, Role, Secret,
    ServiceAccount, StringMap,
};
use crate::rbac::RuleSummary;
use crate::{ExportKind, redact_quoted};

const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// Helm 3 stores each release (rendered manifests and values) as a Secret of this
/// type: release bookkeeping, not a credential anyone mounts, and many per chart.
const HELM_RELEASE_TYPE: &str = "helm.sh/release.v1";
/// Labels the control plane puts on legacy token Secrets (KEP-2799, 1.29+).
const LEGACY_LAST_USED: &str = "kubernetes.io/legacy-token-last-used";
const LEGACY_INVALID_SINCE: &str = "kubernetes.io/legacy-token-invalid-since";

/// Workload-identity annotations on a ServiceAccount and the cloud identity each names.
const FEDERATION_ANNOTATIONS: &[(&str, Provider, IdentityKind)] = &[
    (
        "eks.amazonaws.com/role-arn",
        Provider::Aws,
        IdentityKind::IamRole,
    ),
    (
        "iam.gke.io/gcp-service-account",
        Provider::Gcp,
        IdentityKind::ServiceAccount,
    ),
    (
        "azure.workload.identity/client-id",
        Provider::Azure,
        IdentityKind::Application,
    ),
];

/// Annotation/label key segments (after any `prefix/`) that name an owner, with how
/// sure that makes us.
const OWNER_KEYS: &[(&str, Confidence)] = &[
    ("owner", Confidence::High),
    ("team-owner", Confidence::High),
    ("contact", Confidence::Medium),
];

type NsName = (String, String);

fn ns_name(ns: &str, name: &str) -> NsName {
    (ns.to_string(), name.to_string())
}

/// serde_json appends ` at line L column C` relative to the item's own slice, which
/// would mislead next to a file position; the item path says where instead.
fn item_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let trimmed = match text.rfind(" at line ") {
        Some(at) if text.get(at..).is_some_and(|t| t.contains(" column ")) => {
            text.get(..at).unwrap_or_default()
        }
        _ => text.as_str(),
    };
    redact_quoted(trimmed)
}

fn sa_id(ns: &str, name: &str) -> String {
    identity_id(
        Provider::Kubernetes,
        IdentityKind::KubernetesServiceAccount,
        &format!("{ns}/{name}"),
    )
}

fn flag(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "unset",
    }
}

fn secret_kind(secret_type: &str) -> CredentialKind {
    match secret_type {
        SA_TOKEN_TYPE | "bootstrap.kubernetes.io/token" => CredentialKind::KubernetesToken,
        "kubernetes.io/basic-auth" => CredentialKind::Password,
        "kubernetes.io/tls" | "kubernetes.io/ssh-auth" => CredentialKind::PrivateKey,
        _ => CredentialKind::GenericSecret,
    }
}

/// Whether a string reads as an owner handle: an email or a login, not prose.
fn owner_handle(value: &str) -> Option<&str> {
    let value = value.trim();
    let ok = !value.is_empty() && value.len() <= 254 && !value.chars().any(char::is_whitespace);
    ok.then_some(value)
}

struct Mapper<'a> {
    file: &'a str,
    source: &'static str,
    cluster: Option<&'a str>,
    batch: InventoryBatch,
    people: BTreeSet<String>,
    subjects: BTreeSet<String>,
    rbac: BTreeMap<String, RuleSummary>,
    // Indexes from the first pass.
    secret_kinds: HashMap<NsName, CredentialKind>,
    sa_automount: HashMap<NsName, Option<bool>>,
    sa_listed_secrets: HashSet<NsName>,
    controllers: HashSet<(String, String, String)>,
}

pub(crate) fn map(
    file: &str,
    export: ExportKind,
    default_kind: &str,
    cluster: Option<&str>,
    items: &[(String, &str)],
) -> InventoryBatch {
    let mut mapper = Mapper {
        file,
        source: export.command(),
        cluster,
        batch: InventoryBatch::default(),
        people: BTreeSet::new(),
        subjects: BTreeSet::new(),
        rbac: BTreeMap::new(),
        secret_kinds: HashMap::new(),
        sa_automount: HashMap::new(),
        sa_listed_secrets: HashSet::new(),
        controllers: HashSet::new(),
    };
    let objects = mapper.type_items(default_kind, items);
    mapper.index(&objects);

    let mut roles: HashMap<NsName, &Role> = HashMap::new();
    let mut cluster_roles: HashMap<&str, &Role> = HashMap::new();
    for (_, object) in &objects {
        match object {
            Object::Role(r) => {
                roles.insert(ns_name(&r.metadata.namespace, &r.metadata.name), r);
            }
            Object::ClusterRole(r) => {
                cluster_roles.insert(r.metadata.name.as_str(), r);
            }
            _ => {}
        }
    }

    for (pos, object) in &objects {
        match object {
            Object::ServiceAccount(sa) => mapper.service_account(pos, sa),
            Object::Secret(secret) => mapper.secret(pos, secret),
            Object::Pod(pod) => mapper.pod(pos, pod),
            Object::Controller(kind, c) => mapper.controller(pos, kind, c),
            Object::CronJob(c) => mapper.cron_job(pos, c),
            Object::RoleBinding(b) => mapper.binding(pos, b, false, &roles, &cluster_roles),
            Object::ClusterRoleBinding(b) => mapper.binding(pos, b, true, &roles, &cluster_roles),
            Object::Role(_) | Object::ClusterRole(_) => {}
        }
    }

    let rbac = std::mem::take(&mut mapper.rbac);
    for identity in &mut mapper.batch.identities {
        if let Some(summary) = rbac.get(&identity.id) {
            identity
                .attributes
                .insert("rbac_rules".into(), summary.to_string());
        }
    }
    mapper.batch
}

impl<'a> Mapper<'a> {
    fn prov(&self, position: &str) -> Provenance {
        Provenance::new(self.source, self.file, position)
    }

    fn warn(&mut self, position: &str, message: impl Into<String>) {
        self.batch.warnings.push(SourceWarning {
            file: self.file.to_string(),
            position: position.to_string(),
            message: message.into(),
        });
    }

    /// First pass: each raw item typed by its `kind`; bad items become warnings.
    fn type_items(
        &mut self,
        default_kind: &str,
        items: &[(String, &str)],
    ) -> Vec<(String, Object)> {
        let mut objects = Vec::new();
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        for (pos, raw) in items {
            let head: Head = match serde_json::from_str(raw) {
                Ok(head) => head,
                Err(e) => {
                    self.warn(pos, format!("item skipped: {}", item_error(&e)));
                    continue;
                }
            };
            let kind = if head.kind.is_empty() {
                default_kind
            } else {
                head.kind.as_str()
            };
            if kind.is_empty() {
                self.warn(pos, "item skipped: no `kind`");
                continue;
            }
            match Object::parse(kind, raw) {
                Ok(Some(Object::Secret(s))) if s.secret_type == HELM_RELEASE_TYPE => {}
                Ok(Some(object)) => {
                    if self.named(pos, &object) {
                        objects.push((pos.clone(), object));
                    }
                }
                Ok(None) => *skipped.entry(kind.to_string()).or_default() += 1,
                Err(e) => self.warn(pos, format!("{kind} skipped: {}", item_error(&e))),
            }
        }
        if !skipped.is_empty() {
            let kinds: Vec<String> = skipped.iter().map(|(k, n)| format!("{k} ({n})")).collect();
            self.warn(
                "items",
                format!(
                    "skipped items of kinds not read here: {}; read kinds are {}",
                    kinds.join(", "),
                    READ_KINDS.join(", ")
                ),
            );
        }
        objects
    }

    /// Every object needs a name (and namespaced ones a namespace) to be keyed.
    fn named(&mut self, pos: &str, object: &Object) -> bool {
        let (name, namespace, namespaced) = match object {
            Object::ServiceAccount(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::Secret(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::Pod(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::Controller(_, o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::CronJob(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::Role(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::RoleBinding(o) => (&o.metadata.name, &o.metadata.namespace, true),
            Object::ClusterRole(o) => (&o.metadata.name, &o.metadata.namespace, false),
            Object::ClusterRoleBinding(o) => (&o.metadata.name, &o.metadata.namespace, false),
        };
        if name.is_empty() {
            self.warn(&format!("{pos}.metadata.name"), "item skipped: no name");
            return false;
        }
        if namespaced && namespace.is_empty() {
            self.warn(
                &format!("{pos}.metadata.namespace"),
                "item skipped: no namespace on a namespaced object",
            );
            return false;
        }
        true
    }

    fn index(&mut self, objects: &[(String, Object)]) {
        for (_, object) in objects {
            match object {
                Object::Secret(s) => {
                    let m = &s.metadata;
                    self.secret_kinds
                        .insert(ns_name(&m.namespace, &m.name), secret_kind(&s.secret_type));
                }
                Object::ServiceAccount(sa) => {
                    let m = &sa.metadata;
                    self.sa_automount.insert(
                        ns_name(&m.namespace, &m.name),
                        sa.automount_service_account_token,
                    );
                    for secret in &sa.secrets {
                        self.sa_listed_secrets
                            .insert(ns_name(&m.namespace, &secret.name));
                    }
                }
                Object::Controller(kind, c) => {
                    let m = &c.metadata;
                    self.controllers
                        .insert((kind.clone(), m.namespace.clone(), m.name.clone()));
                }
                Object::CronJob(c) => {
                    let m = &c.metadata;
                    self.controllers.insert((
                        "CronJob".into(),
                        m.namespace.clone(),
                        m.name.clone(),
                    ));
                }
                _ => {}
            }
        }
    }

    fn timestamp(&mut self, value: &Option<Value>, position: &str) -> Option<Timestamp> {
        let parsed = match value.as_ref()? {
            Value::Null => return None,
            Value::String(s) => s.trim().parse::<Timestamp>().ok(),
            Value::Number(n) => n.as_i64().and_then(|s| Timestamp::from_second(s).ok()),
            _ => None,
        };
        if parsed.is_none() {
            self.warn(position, "unreadable timestamp; expected RFC 3339");
        }
        parsed
    }

    /// The common identity fields of a namespaced object.
    fn identity(
        &mut self,
        kind: IdentityKind,
        key: &str,
        meta: &ObjectMeta,
        pos: &str,
    ) -> Identity {
        let mut identity = Identity::new(
            Provider::Kubernetes,
            kind,
            key,
            meta.name.clone(),
            self.prov(pos),
        );
        identity.account = Some(meta.namespace.clone());
        identity.created = self.timestamp(
            &meta.creation_timestamp,
            &format!("{pos}.metadata.creationTimestamp"),
        );
        identity.status = LifecycleStatus::Active;
        if meta
            .deletion_timestamp
            .as_ref()
            .is_some_and(|v| !v.is_null())
        {
            identity
                .attributes
                .insert("terminating".into(), "true".into());
        }
        identity.tags = meta.labels.0.clone();
        if let Some(cluster) = self.cluster {
            identity
                .attributes
                .insert("cluster".into(), cluster.to_string());
        }
        if let Some(uid) = &meta.uid {
            identity.attributes.insert("uid".into(), uid.clone());
        }
        if let Some(tool) = meta.labels.0.get("app.kubernetes.io/managed-by") {
            identity
                .attributes
                .insert("managed_by".into(), tool.clone());
        }
        if let Some(release) = meta.annotations.0.get("meta.helm.sh/release-name") {
            identity
                .attributes
                .insert("helm_release".into(), release.clone());
        }
        self.owners(&mut identity, meta, pos);
        identity
    }

    fn owners(&mut self, identity: &mut Identity, meta: &ObjectMeta, pos: &str) {
        let sources: [(&StringMap, &str, &str); 2] = [
            (&meta.annotations, "annotations", "annotation"),
            (&meta.labels, "labels", "label"),
        ];
        for (map, field, singular) in sources {
            for (key, value) in &map.0 {
                let segment = key.rsplit('/').next().unwrap_or(key);
                let Some(&(_, confidence)) = OWNER_KEYS
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(segment))
                else {
                    continue;
                };
                for owner in value.split([',', ';']).filter_map(owner_handle) {
                    let prov = self.prov(&format!("{pos}.metadata.{field}"));
                    let pid = person_id(owner);
                    if !identity.owners.iter().any(|o| person_id(o) == pid) {
                        identity.owners.push(owner.to_string());
                    }
                    if self.people.insert(pid.clone()) {
                        self.batch
                            .identities
                            .push(Identity::person(owner, owner, prov.clone()));
                    }
                    self.batch.links.push(Link {
                        from: pid,
                        to: identity.id.clone(),
                        kind: LinkKind::Owns,
                        confidence,
                        evidence: format!("{singular} {key}={owner}"),
                        provenance: Some(prov),
                    });
                }
            }
        }
    }

    fn service_account(&mut self, pos: &str, sa: &ServiceAccount) {
        let m = &sa.metadata;
        let key = format!("{}/{}", m.namespace, m.name);
        let mut identity = self.identity(IdentityKind::KubernetesServiceAccount, &key, m, pos);
        identity.attributes.insert(
            "automount_token".into(),
            flag(sa.automount_service_account_token).into(),
        );
        let names = |refs: &[crate::objects::NameRef]| {
            refs.iter()
                .map(|r| r.name.as_str())
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        };
        let listed = names(&sa.secrets);
        if !listed.is_empty() {
            identity.attributes.insert("secrets".into(), listed);
        }
        let pulls = names(&sa.image_pull_secrets);
        if !pulls.is_empty() {
            identity
                .attributes
                .insert("image_pull_secrets".into(), pulls);
        }
        if let Some(tenant) = m.annotations.0.get("azure.workload.identity/tenant-id") {
            identity
                .attributes
                .insert("azure_tenant_id".into(), tenant.clone());
        }
        let annotations_pos = format!("{pos}.metadata.annotations");
        for &(annotation, provider, kind) in FEDERATION_ANNOTATIONS {
            let Some(target) = m.annotations.0.get(annotation).map(|v| v.trim()) else {
                continue;
            };
            if target.is_empty() {
                self.warn(
                    &annotations_pos,
                    format!("annotation {annotation} is empty; no federation recorded"),
                );
                continue;
            }
            identity
                .attributes
                .insert("federated_to".into(), target.to_string());
            self.batch.links.push(Link {
                from: identity.id.clone(),
                to: identity_id(provider, kind, target),
                kind: LinkKind::Federates,
                confidence: Confidence::High,
                evidence: format!("annotation {annotation}={target}"),
                provenance: Some(self.prov(&annotations_pos)),
            });
        }
        for pull in &sa.image_pull_secrets {
            if pull.name.is_empty() {
                continue;
            }
            let (to, confidence, missing) = self.secret_target(&m.namespace, &pull.name);
            self.batch.links.push(Link {
                from: identity.id.clone(),
                to,
                kind: LinkKind::Uses,
                confidence,
                evidence: format!(
                    "imagePullSecrets {} of the service account{missing}",
                    pull.name
                ),
                provenance: Some(self.prov(&format!("{pos}.imagePullSecrets"))),
            });
        }
        self.batch.identities.push(identity);
    }

    /// The credential ID a reference to Secret `name` in `ns` resolves to. A Secret
    /// missing from the export is assumed generic, at medium confidence, since its
    /// type (and so the ID's kind) is a guess.
    fn secret_target(&self, ns: &str, name: &str) -> (String, Confidence, &'static str) {
        let key = format!("{ns}/{name}");
        match self.secret_kinds.get(&ns_name(ns, name)) {
            Some(kind) => (
                platform_credential_id(Provider::Kubernetes, *kind, &key),
                Confidence::High,
                "",
            ),
            None => (
                platform_credential_id(Provider::Kubernetes, CredentialKind::GenericSecret, &key),
                Confidence::Medium,
                " (secret not in this export)",
            ),
        }
    }

    fn secret(&mut self, pos: &str, secret: &Secret) {
        let m = &secret.metadata;
        let key = format!("{}/{}", m.namespace, m.name);
        let kind = secret_kind(&secret.secret_type);
        let is_token = secret.secret_type == SA_TOKEN_TYPE;
        let owner = if is_token {
            match m.annotations.service_account_name.as_deref().map(str::trim) {
                Some(sa) if !sa.is_empty() => Some(sa.to_string()),
                _ => {
                    self.warn(
                        &format!("{pos}.metadata.annotations"),
                        "service-account token secret without a \
                         kubernetes.io/service-account.name annotation; left unowned",
                    );
                    None
                }
            }
        } else {
            None
        };
        let holder = owner
            .as_deref()
            .map(|sa| sa_id(&m.namespace, sa))
            .unwrap_or_default();
        let mut cred =
            PlatformCredential::new(&holder, Provider::Kubernetes, kind, &key, self.prov(pos));
        cred.created = self.timestamp(
            &m.creation_timestamp,
            &format!("{pos}.metadata.creationTimestamp"),
        );
        let attrs = &mut cred.attributes;
        attrs.insert("secret_type".into(), secret.secret_type.clone());
        let keys: BTreeSet<&str> = secret
            .data
            .0
            .iter()
            .chain(&secret.string_data.0)
            .map(String::as_str)
            .collect();
        attrs.insert(
            "data_keys".into(),
            keys.iter().copied().collect::<Vec<_>>().join(","),
        );
        if let Some(immutable) = secret.immutable {
            attrs.insert("immutable".into(), immutable.to_string());
        }
        if let Some(cluster) = self.cluster {
            attrs.insert("cluster".into(), cluster.to_string());
        }
        if let Some(sa) = &owner {
            attrs.insert("long_lived".into(), "true".into());
            attrs.insert("service_account".into(), sa.clone());
            if let Some(uid) = &m.annotations.service_account_uid {
                attrs.insert("service_account_uid".into(), uid.clone());
            }
            // Auto-generated (pre-1.24) tokens are the ones the SA's `secrets` lists.
            let auto = self
                .sa_listed_secrets
                .contains(&ns_name(&m.namespace, &m.name));
            attrs.insert("auto_generated".into(), auto.to_string());
            cred.status = if keys.contains("token") {
                LifecycleStatus::Active
            } else {
                LifecycleStatus::Unknown
            };
        }
        let labels_pos = format!("{pos}.metadata.labels");
        if let Some(date) = m.labels.0.get(LEGACY_LAST_USED) {
            match date.trim().parse::<jiff::civil::Date>() {
                Ok(d) => {
                    cred.last_used = d
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .ok()
                        .map(|z| z.timestamp())
                }
                Err(_) => self.warn(&labels_pos, format!("unreadable {LEGACY_LAST_USED} date")),
            }
        }
        if let Some(date) = m.labels.0.get(LEGACY_INVALID_SINCE) {
            cred.status = LifecycleStatus::Inactive;
            cred.attributes
                .insert("invalid_since".into(), date.trim().to_string());
        }
        if let Some(sa) = &owner {
            self.batch.links.push(Link {
                from: holder.clone(),
                to: cred.id.clone(),
                kind: LinkKind::HasCredential,
                confidence: Confidence::High,
                evidence: format!(
                    "secret {key} of type {SA_TOKEN_TYPE} names service account {sa}"
                ),
                provenance: Some(self.prov(pos)),
            });
        }
        self.batch.credentials.push(cred);
    }

    /// Whether the export holds the controller that owns an object, so the object
    /// adds nothing its owner does not already say. Pods of a Deployment are owned by
    /// a ReplicaSet named `DEPLOYMENT-HASH`, and Jobs of a CronJob are named
    /// `CRONJOB-SCHEDULEDTIME`; neither intermediate is in the usual export.
    fn owner_in_export(&self, meta: &ObjectMeta) -> bool {
        let ns = &meta.namespace;
        let present = |kind: &str, name: &str| {
            self.controllers
                .contains(&(kind.to_string(), ns.clone(), name.to_string()))
        };
        meta.owner_references.iter().any(|owner| {
            if present(&owner.kind, &owner.name) {
                return true;
            }
            let parent = match owner.kind.as_str() {
                "ReplicaSet" => "Deployment",
                "Job" => "CronJob",
                _ => return false,
            };
            // The generated suffix (pod-template-hash, scheduled minute) has no dash.
            owner.name.rsplit_once('-').is_some_and(|(name, suffix)| {
                !suffix.is_empty()
                    && suffix.chars().all(|c| c.is_ascii_alphanumeric())
                    && present(parent, name)
            })
        })
    }

    fn pod(&mut self, pos: &str, pod: &Pod) {
        if self.owner_in_export(&pod.metadata) {
            return;
        }
        let mut extra = BTreeMap::new();
        if let Some(phase) = &pod.status.phase {
            extra.insert("phase".to_string(), phase.clone());
        }
        let status = match pod.status.phase.as_deref() {
            Some("Succeeded") | Some("Failed") => LifecycleStatus::Inactive,
            _ => LifecycleStatus::Active,
        };
        self.workload(
            pos,
            "Pod",
            &pod.metadata,
            &pod.spec,
            &format!("{pos}.spec"),
            extra,
            status,
        );
    }

    fn controller(&mut self, pos: &str, kind: &str, c: &Controller) {
        if self.owner_in_export(&c.metadata) {
            return;
        }
        let mut extra = BTreeMap::new();
        let mut status = LifecycleStatus::Active;
        if let Some(replicas) = c.spec.replicas {
            extra.insert("replicas".to_string(), replicas.to_string());
            if replicas == 0 {
                status = LifecycleStatus::Inactive;
            }
        }
        self.workload(
            pos,
            kind,
            &c.metadata,
            &c.spec.template.spec,
            &format!("{pos}.spec.template.spec"),
            extra,
            status,
        );
    }

    fn cron_job(&mut self, pos: &str, c: &CronJob) {
        let mut extra = BTreeMap::new();
        if let Some(schedule) = &c.spec.schedule {
            extra.insert("schedule".to_string(), schedule.clone());
        }
        self.workload(
            pos,
            "CronJob",
            &c.metadata,
            &c.spec.job_template.spec.template.spec,
            &format!("{pos}.spec.jobTemplate.spec.template.spec"),
            extra,
            LifecycleStatus::Active,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn workload(
        &mut self,
        pos: &str,
        kind: &str,
        meta: &ObjectMeta,
        spec: &PodSpec,
        spec_pos: &str,
        extra: BTreeMap<String, String>,
        status: LifecycleStatus,
    ) {
        let ns = &meta.namespace;
        let key = format!("{ns}/{kind}/{}", meta.name);
        let mut identity = self.identity(IdentityKind::Workload, &key, meta, pos);
        identity.status = status;
        identity.attributes.extend(extra);
        identity
            .attributes
            .insert("workload_kind".into(), kind.to_string());
        if let Some(owner) = meta.owner_references.first() {
            identity
                .attributes
                .insert("owner_ref".into(), format!("{}/{}", owner.kind, owner.name));
        }

        let named_sa = spec
            .service_account_name
            .as_deref()
            .or(spec.service_account.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let sa = named_sa.unwrap_or("default");
        identity
            .attributes
            .insert("service_account".into(), sa.to_string());
        identity.attributes.insert(
            "automount_token".into(),
            flag(spec.automount_service_account_token).into(),
        );
        // The pod's setting wins over the service account's; the API default is true.
        let effective = spec
            .automount_service_account_token
            .or_else(|| self.sa_automount.get(&ns_name(ns, sa)).copied().flatten())
            .unwrap_or(true);
        identity
            .attributes
            .insert("automount_token_effective".into(), effective.to_string());

        let mut audiences = BTreeSet::new();
        let mut uses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let containers = spec
            .containers
            .iter()
            .chain(&spec.init_containers)
            .chain(&spec.ephemeral_containers);
        for container in containers {
            for env in &container.env {
                let Some(selector) = env
                    .value_from
                    .as_ref()
                    .and_then(|v| v.secret_key_ref.as_ref())
                else {
                    continue;
                };
                uses.entry(selector.name.as_str())
                    .or_default()
                    .push(format!(
                        "env {} from secret {} key {}",
                        env.name, selector.name, selector.key
                    ));
            }
            for from in &container.env_from {
                if let Some(secret) = &from.secret_ref {
                    uses.entry(secret.name.as_str())
                        .or_default()
                        .push(format!("envFrom secret {}", secret.name));
                }
            }
        }
        for volume in &spec.volumes {
            if let Some(secret) = &volume.secret {
                uses.entry(secret.secret_name.as_str())
                    .or_default()
                    .push(format!(
                        "volume {} mounts secret {}",
                        volume.name, secret.secret_name
                    ));
            }
            for source in volume.projected.iter().flat_map(|p| &p.sources) {
                if let Some(secret) = &source.secret {
                    uses.entry(secret.name.as_str()).or_default().push(format!(
                        "projected volume {} includes secret {}",
                        volume.name, secret.name
                    ));
                }
                if let Some(token) = &source.service_account_token {
                    audiences.insert(token.audience.clone().unwrap_or_else(|| "apiserver".into()));
                }
            }
        }
        for pull in &spec.image_pull_secrets {
            uses.entry(pull.name.as_str())
                .or_default()
                .push(format!("imagePullSecrets {}", pull.name));
        }
        if !audiences.is_empty() {
            identity.attributes.insert(
                "projected_token_audiences".into(),
                audiences.into_iter().collect::<Vec<_>>().join(","),
            );
        }

        self.batch.links.push(Link {
            from: identity.id.clone(),
            to: sa_id(ns, sa),
            kind: LinkKind::RunsAs,
            confidence: Confidence::High,
            evidence: match named_sa {
                Some(name) => format!("serviceAccountName {name}"),
                None => "no serviceAccountName: runs as default".to_string(),
            },
            provenance: Some(self.prov(spec_pos)),
        });
        for (secret, evidence) in uses {
            if secret.trim().is_empty() {
                continue;
            }
            let (to, confidence, missing) = self.secret_target(ns, secret);
            self.batch.links.push(Link {
                from: identity.id.clone(),
                to,
                kind: LinkKind::Uses,
                confidence,
                evidence: format!("{}{missing}", evidence.join("; ")),
                provenance: Some(self.prov(spec_pos)),
            });
        }
        self.batch.identities.push(identity);
    }

    fn binding(
        &mut self,
        pos: &str,
        binding: &Binding,
        cluster_wide: bool,
        roles: &HashMap<NsName, &Role>,
        cluster_roles: &HashMap<&str, &Role>,
    ) {
        let m = &binding.metadata;
        let role_ref = &binding.role_ref;
        let rules = match role_ref.kind.as_str() {
            "ClusterRole" => cluster_roles.get(role_ref.name.as_str()).map(|r| &r.rules),
            "Role" if !cluster_wide => roles
                .get(&ns_name(&m.namespace, &role_ref.name))
                .map(|r| &r.rules),
            _ => {
                self.warn(
                    &format!("{pos}.roleRef"),
                    "binding skipped: roleRef must name a ClusterRole (or, in a \
                     RoleBinding, a Role)",
                );
                return;
            }
        };
        if role_ref.name.is_empty() {
            self.warn(
                &format!("{pos}.roleRef.name"),
                "binding skipped: no role name",
            );
            return;
        }
        let role = format!("{}/{}", role_ref.kind, role_ref.name);
        let scope = if cluster_wide {
            "cluster".to_string()
        } else {
            m.namespace.clone()
        };
        for (j, subject) in binding.subjects.iter().enumerate() {
            let subject_pos = format!("{pos}.subjects[{j}]");
            let identity = match subject.kind.as_str() {
                "ServiceAccount" => {
                    let ns = if subject.namespace.is_empty() {
                        m.namespace.as_str()
                    } else {
                        subject.namespace.as_str()
                    };
                    if ns.is_empty() || subject.name.is_empty() {
                        self.warn(
                            &subject_pos,
                            "subject skipped: ServiceAccount subject needs a name and namespace",
                        );
                        continue;
                    }
                    sa_id(ns, &subject.name)
                }
                "User" | "Group" if !subject.name.is_empty() => {
                    self.principal(&subject.kind, &subject.name, &subject_pos)
                }
                other => {
                    self.warn(
                        &subject_pos,
                        format!("subject skipped: unsupported kind `{other}` or no name"),
                    );
                    continue;
                }
            };
            let summary = self.rbac.entry(identity.clone()).or_default();
            match rules {
                Some(rules) => summary.add_rules(rules),
                None => summary.add_unresolved(&role),
            }
            self.batch.grants.push(Grant {
                identity,
                kind: GrantKind::RoleBinding,
                role: role.clone(),
                scope: scope.clone(),
                via: Some(format!("binding:{}", m.name)),
                condition: None,
                provenance: self.prov(&subject_pos),
            });
        }
    }

    /// A User or Group subject: known to RBAC by name only, so a synthetic identity.
    fn principal(&mut self, kind: &str, name: &str, pos: &str) -> String {
        let key = format!("{kind}:{name}");
        let id = identity_id(Provider::Kubernetes, IdentityKind::Unknown, &key);
        if self.subjects.insert(id.clone()) {
            let mut identity = Identity::new(
                Provider::Kubernetes,
                IdentityKind::Unknown,
                &key,
                name,
                self.prov(pos),
            );
            identity
                .attributes
                .insert("subject_kind".into(), kind.to_string());
            if let Some(cluster) = self.cluster {
                identity
                    .attributes
                    .insert("cluster".into(), cluster.to_string());
            }
            self.batch.identities.push(identity);
        }
        id
    }
}
