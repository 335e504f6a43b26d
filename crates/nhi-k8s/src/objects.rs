//! The slices of the Kubernetes API objects this crate reads, typed one item at a time.
//!
//! Field names follow the API reference (core/v1 ServiceAccount, Secret, Pod; apps/v1
//! Deployment, StatefulSet, DaemonSet, ReplicaSet; batch/v1 Job, CronJob;
//! rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding).
//! Every field is optional and unknown fields are ignored, so older and newer servers
//! both load. A JSON `null` is read as the empty value, since hand-edited manifests
//! write it.
//!
//! Secret values never get a field here: `data` and `stringData` are read as key
//! names only ([`KeyNames`]), and a Secret's annotations are read only for the two
//! keys that name its service account, because `kubectl apply` copies the whole
//! manifest, values included, into `kubectl.kubernetes.io/last-applied-configuration`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use crate::rbac::PolicyRule;

/// Reads `null` as `T::default()`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Labels or annotations: string values kept, anything else dropped (the API only
/// allows strings; a hand-written file may not).
#[derive(Debug, Default)]
pub(crate) struct StringMap(pub BTreeMap<String, String>);

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: Option<BTreeMap<String, Value>> = Option::deserialize(deserializer)?;
        Ok(StringMap(
            raw.unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    _ => None,
                })
                .collect(),
        ))
    }
}

/// The key names of a Secret's `data` / `stringData`; the values are skipped
/// unread. Errors never quote the input, since the input is secret material.
#[derive(Debug, Default)]
pub(crate) struct KeyNames(pub BTreeSet<String>);

impl<'de> Deserialize<'de> for KeyNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;

        fn not_a_map<E: de::Error>(what: &str) -> E {
            E::custom(format!("expected a map of key names, got {what}"))
        }

        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = KeyNames;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of secret key names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyNames, A::Error> {
                let mut keys = BTreeSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.insert(key);
                }
                Ok(KeyNames(keys))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyNames, E> {
                Ok(KeyNames::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<KeyNames, E> {
                Ok(KeyNames::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<KeyNames, E> {
                Err(not_a_map("a string"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<KeyNames, A::Error> {
                Err(not_a_map("a list"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<KeyNames, E> {
                Err(not_a_map("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<KeyNames, E> {
                Err(not_a_map("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<KeyNames, E> {
                Err(not_a_map("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<KeyNames, E> {
                Err(not_a_map("a number"))
            }
        }
        deserializer.deserialize_any(KeysVisitor)
    }
}

/// The first fields of any item: enough to pick its type.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Head {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub api_version: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OwnerReference {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ObjectMeta {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
    pub uid: Option<String>,
    /// Kept as JSON so a bad value is a positioned warning, not a lost item.
    pub creation_timestamp: Option<Value>,
    pub deletion_timestamp: Option<Value>,
    pub labels: StringMap,
    pub annotations: StringMap,
    #[serde(deserialize_with = "nullable")]
    pub owner_references: Vec<OwnerReference>,
}

/// The only Secret annotations read (see the module note on last-applied-configuration).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SecretAnnotations {
    #[serde(rename = "kubernetes.io/service-account.name")]
    pub service_account_name: Option<String>,
    #[serde(rename = "kubernetes.io/service-account.uid")]
    pub service_account_uid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecretMeta {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
    pub creation_timestamp: Option<Value>,
    /// Label values are at most 63 characters of `[A-Za-z0-9._-]`: no room for a
    /// secret, and the legacy-token tracking dates live here.
    pub labels: StringMap,
    #[serde(deserialize_with = "nullable")]
    pub annotations: SecretAnnotations,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Secret {
    pub metadata: SecretMeta,
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub secret_type: String,
    pub data: KeyNames,
    pub string_data: KeyNames,
    pub immutable: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NameRef {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceAccount {
    pub metadata: ObjectMeta,
    pub automount_service_account_token: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub secrets: Vec<NameRef>,
    #[serde(deserialize_with = "nullable")]
    pub image_pull_secrets: Vec<NameRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SecretKeySelector {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub key: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvVarSource {
    pub secret_key_ref: Option<SecretKeySelector>,
}

/// `value` (a literal) is deliberately not a field: it may itself be a secret, and
/// literal values are the code scanner's business, not the inventory's.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvVar {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub value_from: Option<EnvVarSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvFromSource {
    pub secret_ref: Option<NameRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Container {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub env: Vec<EnvVar>,
    #[serde(deserialize_with = "nullable")]
    pub env_from: Vec<EnvFromSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecretVolumeSource {
    #[serde(deserialize_with = "nullable")]
    pub secret_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct TokenProjection {
    pub audience: Option<String>,
    pub expiration_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ProjectionSource {
    pub secret: Option<NameRef>,
    pub service_account_token: Option<TokenProjection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProjectedVolume {
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<ProjectionSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Volume {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub secret: Option<SecretVolumeSource>,
    pub projected: Option<ProjectedVolume>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodSpec {
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still accepted by the API.
    pub service_account: Option<String>,
    pub automount_service_account_token: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub volumes: Vec<Volume>,
    #[serde(deserialize_with = "nullable")]
    pub image_pull_secrets: Vec<NameRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PodStatus {
    pub phase: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PodTemplate {
    pub spec: PodSpec,
}

/// Deployment, StatefulSet, DaemonSet, ReplicaSet and Job share `spec.template`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ControllerSpec {
    pub replicas: Option<i64>,
    pub template: PodTemplate,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Controller {
    pub metadata: ObjectMeta,
    pub spec: ControllerSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CronJobSpec {
    pub schedule: Option<String>,
    pub job_template: Controller,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CronJob {
    pub metadata: ObjectMeta,
    pub spec: CronJobSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Role {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "nullable")]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RoleRef {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Subject {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Binding {
    pub metadata: ObjectMeta,
    pub role_ref: RoleRef,
    #[serde(deserialize_with = "nullable")]
    pub subjects: Vec<Subject>,
}

/// One item, typed by its `kind`.
#[derive(Debug)]
pub(crate) enum Object {
    ServiceAccount(ServiceAccount),
    Secret(Secret),
    Pod(Pod),
    /// Deployment, StatefulSet, DaemonSet, ReplicaSet or Job; the kind is kept.
    Controller(String, Controller),
    CronJob(Box<CronJob>),
    Role(Role),
    ClusterRole(Role),
    RoleBinding(Binding),
    ClusterRoleBinding(Binding),
}

/// Kinds the mapper reads; anything else is counted and skipped.
pub(crate) const READ_KINDS: &[&str] = &[
    "ServiceAccount",
    "Secret",
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
];

fn typed<T: DeserializeOwned>(raw: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw)
}

impl Object {
    /// `Ok(None)`: a kind this crate does not read.
    pub(crate) fn parse(kind: &str, raw: &str) -> Result<Option<Object>, serde_json::Error> {
        Ok(Some(match kind {
            "ServiceAccount" => Object::ServiceAccount(typed(raw)?),
            "Secret" => Object::Secret(typed(raw)?),
            "Pod" => Object::Pod(typed(raw)?),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
                Object::Controller(kind.to_string(), typed(raw)?)
            }
            "CronJob" => Object::CronJob(Box::new(typed(raw)?)),
            "Role" => Object::Role(typed(raw)?),
            "ClusterRole" => Object::ClusterRole(typed(raw)?),
            "RoleBinding" => Object::RoleBinding(typed(raw)?),
            "ClusterRoleBinding" => Object::ClusterRoleBinding(typed(raw)?),
            _ => return Ok(None),
        }))
    }
}
