//! Workload identity pool providers
//! (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers):
//! the trust through which workloads outside Google Cloud (GitHub Actions, GitLab, AWS,
//! any OIDC or SAML issuer) exchange their own tokens for Google credentials.
//!
//! What matters for risk is the `attributeCondition` (a CEL expression over the mapped
//! claims). Without one, every identity the issuer can vouch for is admitted: for a
//! multi-tenant issuer such as GitHub's, that is every workflow of every repository on
//! github.com. The provider is recorded as a `federation_provider` identity whose
//! attributes keep the issuer, the condition and the mapping for the assessment.

use nhi_model::{Identity, IdentityKind, LifecycleStatus, Provider};
use serde_json::Value;

use crate::batch::Batch;
use crate::json::Entry;

pub(crate) fn ingest_entry(
    map: &serde_json::Map<String, Value>,
    position: &str,
    batch: &mut Batch<'_>,
) {
    let entry = Entry {
        map,
        path: position,
    };
    let Some(name) = entry.str("name", batch) else {
        batch.warn(
            position,
            "entry skipped: no `name` to identify the provider",
        );
        return;
    };
    // projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER
    let parts: Vec<&str> = name.split('/').collect();
    let segment = |key: &str| {
        parts
            .iter()
            .position(|p| *p == key)
            .and_then(|i| parts.get(i + 1))
            .copied()
    };
    let pool = segment("workloadIdentityPools");
    let provider = segment("providers").unwrap_or(name);
    let mut identity = Identity::new(
        Provider::Gcp,
        IdentityKind::FederationProvider,
        name,
        &match pool {
            Some(pool) => format!("{pool}/{provider}"),
            None => provider.to_string(),
        },
        batch.provenance(position),
    );
    identity.account = segment("projects").map(str::to_string);
    let disabled = entry.bool("disabled", batch) == Some(true);
    identity.status = match entry.str("state", batch) {
        Some("DELETED") => LifecycleStatus::Deleted,
        _ if disabled => LifecycleStatus::Disabled,
        _ => LifecycleStatus::Active,
    };
    let attributes = &mut identity.attributes;
    if let Some(pool) = pool {
        attributes.insert("pool".into(), pool.to_string());
    }
    if let Some(display) = entry.str("displayName", batch) {
        attributes.insert("display_name".into(), display.to_string());
    }
    match entry.str("attributeCondition", batch) {
        Some(condition) => {
            attributes.insert("attribute_condition".into(), condition.to_string());
        }
        None => {
            attributes.insert("attribute_condition".into(), String::new());
        }
    }
    if let Some(Value::Object(mapping)) = map.get("attributeMapping") {
        let pairs: Vec<String> = mapping
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
            .collect();
        attributes.insert("attribute_mapping".into(), pairs.join("; "));
    }
    if let Some(Value::Object(oidc)) = map.get("oidc") {
        attributes.insert("protocol".into(), "oidc".into());
        if let Some(issuer) = oidc.get("issuerUri").and_then(Value::as_str) {
            attributes.insert("issuer".into(), issuer.to_string());
        }
        if let Some(Value::Array(audiences)) = oidc.get("allowedAudiences") {
            let audiences: Vec<&str> = audiences.iter().filter_map(Value::as_str).collect();
            attributes.insert("allowed_audiences".into(), audiences.join(","));
        }
    } else if let Some(Value::Object(aws)) = map.get("aws") {
        attributes.insert("protocol".into(), "aws".into());
        if let Some(account) = aws.get("accountId").and_then(Value::as_str) {
            attributes.insert("issuer".into(), format!("aws:{account}"));
        }
    } else if map.contains_key("saml") {
        attributes.insert("protocol".into(), "saml".into());
    } else if map.contains_key("x509") {
        attributes.insert("protocol".into(), "x509".into());
    }
    batch.identity(identity);
}
