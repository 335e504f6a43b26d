//! Service-account keys: `gcloud iam service-accounts keys list`, one
//! `ServiceAccountKey` per entry
//! (https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys).
//!
//! The key ID (the last segment of `name`, 40 hex characters) is what a downloaded key
//! file's `private_key_id` holds, so it is the credential's external ID: that is how a
//! leaked key file found in code is tied to this record.

use nhi_model::{
    Confidence, CredentialKind, Identity, IdentityKind, LifecycleStatus, LinkKind,
    PlatformCredential, Provider,
};
use serde_json::{Map, Value};

use crate::batch::Batch;
use crate::json::{Entry, Time};
use crate::service_account::{minimal_identity, split_resource_name};

pub(crate) fn ingest_entry(map: &Map<String, Value>, position: &str, batch: &mut Batch<'_>) {
    let entry = Entry {
        map,
        path: position,
    };
    if map.contains_key("privateKeyData") {
        // A `keys create` response: the private key itself. Never read, never copied.
        batch.warn(
            &entry.field_path("privateKeyData"),
            "entry carries private key material (a keys create response); it is ignored, \
             and the file itself should be treated as a leaked key",
        );
    }
    let Some(name) = entry.str("name", batch) else {
        batch.warn(position, "entry skipped: no `name` to take the key ID from");
        return;
    };
    let Some((holder, key_id)) = split_key_name(name) else {
        batch.warn(
            &entry.field_path("name"),
            "entry skipped: `name` is not projects/PROJECT/serviceAccounts/ACCOUNT/keys/KEY_ID",
        );
        return;
    };
    let key_id = if key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        key_id.to_ascii_lowercase()
    } else {
        batch.warn(
            &entry.field_path("name"),
            "key ID is not hexadecimal; kept as written",
        );
        key_id.to_string()
    };

    let holder_id = match holder.account {
        account if account.contains('@') => {
            let mut identity = minimal_identity(account, batch, position);
            if identity.account.is_none() {
                identity.account = holder.project.map(str::to_string);
            }
            batch.identity(identity)
        }
        // Named by unique ID: no email to key the account by, so it cannot merge with
        // the service-account list. Say so rather than invent an email.
        unique_id => {
            batch.warn(
                &entry.field_path("name"),
                "service account named by unique ID, not email; its key cannot be tied to \
                 the account's other records",
            );
            let mut identity = Identity::new(
                Provider::Gcp,
                IdentityKind::ServiceAccount,
                unique_id,
                unique_id,
                batch.provenance(position),
            );
            identity.account = holder.project.map(str::to_string);
            identity
                .attributes
                .insert("unique_id".into(), unique_id.to_string());
            batch.identity(identity)
        }
    };

    let mut credential = PlatformCredential::new(
        &holder_id,
        Provider::Gcp,
        CredentialKind::ServiceAccountKey,
        &key_id,
        batch.provenance(position),
    );
    credential.created = entry.time("validAfterTime", batch).at();
    match entry.time("validBeforeTime", batch) {
        Time::At(ts) => credential.expires = Some(ts),
        Time::Never => {
            credential
                .attributes
                .insert("no_expiry".into(), "true".into());
        }
        Time::Missing | Time::Unreadable => {}
    }
    // Expiry is not judged against the wall clock here: the export is a snapshot, and
    // analysis compares `expires` with the time it runs.
    credential.status = match entry.bool("disabled", batch) {
        Some(true) => LifecycleStatus::Inactive,
        _ => LifecycleStatus::Active,
    };
    let attributes = [
        ("keyType", "key_type"),
        ("keyOrigin", "key_origin"),
        ("keyAlgorithm", "key_algorithm"),
        ("privateKeyType", "private_key_type"),
        ("disableReason", "disable_reason"),
        ("creator", "created_by"),
        ("contact", "contact"),
        ("description", "description"),
    ];
    for (field, attribute) in attributes {
        if let Some(value) = entry.str(field, batch) {
            credential
                .attributes
                .insert(attribute.to_string(), value.to_string());
        }
    }
    read_extended_status(&entry, &mut credential, batch);

    let evidence = format!("{} lists key {key_id}", batch.source());
    batch.link(
        &holder_id,
        &credential.id,
        LinkKind::HasCredential,
        Confidence::High,
        evidence,
        position,
    );
    batch.credential(credential);
}

/// `extendedStatus: [{key, value}]` records, for the key's lifetime, that Google found
/// it exposed or compromised; `disableReason` says the same when Google disabled it.
fn read_extended_status(
    entry: &Entry<'_, '_>,
    credential: &mut PlatformCredential,
    batch: &mut Batch<'_>,
) {
    let mut statuses = Vec::new();
    match entry.map.get("extendedStatus") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.get("key").and_then(Value::as_str) {
                    Some(key) => statuses.push(key.trim().to_string()),
                    None => batch.warn(
                        &format!("{}[{index}]", entry.field_path("extendedStatus")),
                        "extended status without a `key`; ignored",
                    ),
                }
            }
        }
        Some(_) => batch.warn(
            &entry.field_path("extendedStatus"),
            "expected a list; ignored",
        ),
    }
    let reason = credential
        .attributes
        .get("disable_reason")
        .cloned()
        .unwrap_or_default();
    let said = |word: &str| reason.ends_with(word) || statuses.iter().any(|s| s.ends_with(word));
    if said("_EXPOSED") {
        credential
            .attributes
            .insert("exposed".into(), "true".into());
    }
    if said("_COMPROMISE_DETECTED") {
        credential
            .attributes
            .insert("compromised".into(), "true".into());
    }
    if !statuses.is_empty() {
        credential
            .attributes
            .insert("extended_status".into(), statuses.join(","));
    }
}

pub(crate) struct KeyHolder<'a> {
    pub(crate) project: Option<&'a str>,
    pub(crate) account: &'a str,
}

/// `projects/P/serviceAccounts/ACCOUNT/keys/KEY_ID` → (holder, key ID).
pub(crate) fn split_key_name(name: &str) -> Option<(KeyHolder<'_>, &str)> {
    let (project, account) = split_resource_name(name)?;
    let (_, key_id) = name.trim().split_once("/keys/")?;
    let key_id = key_id.trim_end_matches('/');
    if key_id.is_empty() || key_id.contains('/') {
        return None;
    }
    Some((KeyHolder { project, account }, key_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_split_into_holder_and_id() {
        let (holder, key) = split_key_name(
            "projects/acme/serviceAccounts/ci@acme.iam.gserviceaccount.com/keys/0123abcd",
        )
        .unwrap();
        assert_eq!(holder.project, Some("acme"));
        assert_eq!(holder.account, "ci@acme.iam.gserviceaccount.com");
        assert_eq!(key, "0123abcd");
        assert!(split_key_name("projects/acme/serviceAccounts/ci@x/keys/").is_none());
        assert!(split_key_name("projects/acme/serviceAccounts/ci@x").is_none());
        assert!(split_key_name("keys/abc").is_none());
    }
}
