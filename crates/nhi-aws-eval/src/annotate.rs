//! Writes the engine's conclusions onto inventory identities, so that the stored
//! inventory (which keeps grants by name, not policy documents) carries each AWS
//! principal's privilege tier, escalation paths and sensitive data access.

use nhi_aws::AuthorizationDetails;
use nhi_model::{InventoryBatch, SourceWarning};

use crate::{ActionCatalog, EvalOptions, Evaluator, PrivilegeTier, SensitiveClass};

impl PrivilegeTier {
    /// The tier's one string form, as identities' `privilege_tier` attribute holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            PrivilegeTier::None => "none",
            PrivilegeTier::ListOnly => "list_only",
            PrivilegeTier::DataRead => "data_read",
            PrivilegeTier::DataWrite => "data_write",
            PrivilegeTier::PermissionsManagement => "permissions_management",
            PrivilegeTier::Admin => "admin",
        }
    }
}

impl SensitiveClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SensitiveClass::S3Read => "s3_read",
            SensitiveClass::S3Write => "s3_write",
            SensitiveClass::SecretsRead => "secrets_read",
            SensitiveClass::SecretsWrite => "secrets_write",
            SensitiveClass::SsmParameterRead => "ssm_parameter_read",
            SensitiveClass::SsmParameterWrite => "ssm_parameter_write",
            SensitiveClass::KmsDecrypt => "kms_decrypt",
            SensitiveClass::DynamoDbRead => "dynamodb_read",
            SensitiveClass::DynamoDbWrite => "dynamodb_write",
            SensitiveClass::RdsData => "rds_data",
            SensitiveClass::RdsSnapshot => "rds_snapshot",
        }
    }
}

/// Evaluates every principal of `details` and records, on the batch's identity for
/// it: `privilege_tier`, `effective_privilege_tier` (+ `effective_privilege_via`)
/// when role chains reach higher, `escalations` (technique IDs) with
/// `escalation_evidence`, `sensitive_access` (classes), and `permission_warnings`
/// where the engine had to assume something.
pub fn annotate(
    details: &AuthorizationDetails,
    catalog: &dyn ActionCatalog,
    file: &str,
    batch: &mut InventoryBatch,
) {
    annotate_with(details, &EvalOptions::default(), catalog, file, batch);
}

/// [`annotate`] with SCP levels and resource policies taking part.
pub fn annotate_with(
    details: &AuthorizationDetails,
    options: &EvalOptions,
    catalog: &dyn ActionCatalog,
    file: &str,
    batch: &mut InventoryBatch,
) {
    let evaluator = Evaluator::with_options(details, options, catalog);
    annotate_evaluated(&evaluator, file, batch);
}

/// [`annotate_with`] for a caller that built the evaluator itself: `nhi-ingest` builds it
/// (catalog, policy compilation) on one core while the other maps the GAAD's identities.
pub fn annotate_evaluated(evaluator: &Evaluator<'_>, file: &str, batch: &mut InventoryBatch) {
    let by_id: std::collections::HashMap<String, usize> = batch
        .identities
        .iter()
        .enumerate()
        .map(|(i, identity)| (identity.id.clone(), i))
        .collect();
    // Principals share policies: the services of one action set are worked out once.
    let mut services_by_set: std::collections::HashMap<crate::ActionSet, String> =
        std::collections::HashMap::new();
    for access in evaluator.evaluate_all() {
        let id = nhi_aws::principal_id(&access.arn);
        let Some(&at) = by_id.get(&id) else {
            // Every principal the engine saw came from this same GAAD; one without
            // an identity means the mapping and the engine disagree on an ARN.
            batch.warnings.push(SourceWarning {
                file: file.to_string(),
                position: access.arn.clone(),
                message: "evaluated principal has no identity in the inventory".into(),
            });
            continue;
        };
        let attributes = &mut batch.identities[at].attributes;
        // What the engine had to assume (a policy missing from the export, an unknown
        // action, an unsupported condition operator, a trust cycle) stays with the
        // identity: the result is conservative, and the reader should know why.
        if !access.warnings.is_empty() {
            attributes.insert("permission_warnings".into(), access.warnings.join(" | "));
        }
        attributes.insert("privilege_tier".into(), access.tier.as_str().into());
        if access.effective_tier > access.tier {
            attributes.insert(
                "effective_privilege_tier".into(),
                access.effective_tier.as_str().into(),
            );
            if let Some(via) = &access.effective_tier_via {
                attributes.insert("effective_privilege_via".into(), via.clone());
            }
        }
        // Blast radius beyond its own policies: the roles it can become.
        if !access.assumable_roles.is_empty() {
            attributes.insert("assumable_roles".into(), access.assumable_roles.join(","));
        }
        if access.tier == PrivilegeTier::Admin {
            attributes.insert("privilege".into(), "admin".into());
        }
        // An administrator can do all of them by definition; listing them adds noise.
        if access.tier != PrivilegeTier::Admin && !access.escalations.is_empty() {
            let ids: Vec<&str> = access.escalations.iter().map(|e| e.technique_id).collect();
            attributes.insert("escalations".into(), ids.join(","));
            let evidence: Vec<String> = access
                .escalations
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}{}): {}",
                        e.technique_id,
                        e.actions.join(" + "),
                        if e.conditional { ", conditional" } else { "" },
                        e.evidence.first().cloned().unwrap_or_default()
                    )
                })
                .collect();
            attributes.insert("escalation_evidence".into(), evidence.join(" | "));
        }
        // The services it may call, for "granted but never used" once activity is
        // known (an administrator is granted every service: not listed).
        if access.tier != PrivilegeTier::Admin && access.tier != PrivilegeTier::None {
            let set = evaluator.granted_set(&access);
            let services = services_by_set
                .entry(set)
                .or_insert_with_key(|set| evaluator.services_of(set).join(","))
                .clone();
            if !services.is_empty() {
                attributes.insert("granted_services".into(), services);
            }
        }
        if !access.sensitive.is_empty() {
            let classes: Vec<&str> = access.sensitive.iter().map(|s| s.class.as_str()).collect();
            attributes.insert("sensitive_access".into(), classes.join(","));
        }
    }
}
