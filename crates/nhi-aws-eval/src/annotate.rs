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
    use rayon::prelude::*;
    let by_id: std::collections::HashMap<String, usize> = batch
        .identities
        .iter()
        .enumerate()
        .map(|(i, identity)| (identity.id.clone(), i))
        .collect();
    // Each principal's attributes are worked out (and its evaluation, with its action
    // sets, dropped) on every core; only the inserts below are serial. `collect` keeps
    // the engine's order, so warnings come out in the same order on every run.
    let annotated: Vec<Annotated> = evaluator
        .evaluate_all()
        .into_par_iter()
        .map_init(
            // Principals share policies: the services of one action set are worked
            // out once per worker.
            std::collections::HashMap::<crate::ActionSet, String>::new,
            |services_by_set, access| {
                let id = nhi_aws::principal_id(&access.arn);
                let attributes = attributes_of(evaluator, &access, services_by_set);
                (id, access.arn, attributes)
            },
        )
        .collect();
    for (id, arn, attributes) in annotated {
        let Some(&at) = by_id.get(&id) else {
            // Every principal the engine saw came from this same GAAD; one without
            // an identity means the mapping and the engine disagree on an ARN.
            batch.warnings.push(SourceWarning {
                file: file.to_string(),
                position: arn,
                message: "evaluated principal has no identity in the inventory".into(),
            });
            continue;
        };
        let identity = &mut batch.identities[at].attributes;
        for (key, value) in attributes {
            identity.insert(key.to_string(), value);
        }
    }
}

/// One evaluated principal: its identity ID, its ARN and the attributes to record.
type Annotated = (String, String, Vec<(&'static str, String)>);

/// The attributes [`annotate_evaluated`] records for one evaluated principal.
fn attributes_of(
    evaluator: &Evaluator<'_>,
    access: &crate::PrincipalAccess,
    services_by_set: &mut std::collections::HashMap<crate::ActionSet, String>,
) -> Vec<(&'static str, String)> {
    let mut attributes = Vec::new();
    // What the engine had to assume (a policy missing from the export, an unknown
    // action, an unsupported condition operator, a trust cycle) stays with the
    // identity: the result is conservative, and the reader should know why.
    if !access.warnings.is_empty() {
        attributes.push(("permission_warnings", access.warnings.join(" | ")));
    }
    attributes.push(("privilege_tier", access.tier.as_str().into()));
    if access.effective_tier > access.tier {
        attributes.push((
            "effective_privilege_tier",
            access.effective_tier.as_str().into(),
        ));
        if let Some(via) = &access.effective_tier_via {
            attributes.push(("effective_privilege_via", via.clone()));
        }
    }
    // Blast radius beyond its own policies: the roles it can become.
    if !access.assumable_roles.is_empty() {
        attributes.push(("assumable_roles", access.assumable_roles.join(",")));
    }
    if access.tier == PrivilegeTier::Admin {
        attributes.push(("privilege", "admin".into()));
    }
    // An administrator can do all of them by definition; listing them adds noise.
    if access.tier != PrivilegeTier::Admin && !access.escalations.is_empty() {
        let ids: Vec<&str> = access.escalations.iter().map(|e| e.technique_id).collect();
        attributes.push(("escalations", ids.join(",")));
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
        attributes.push(("escalation_evidence", evidence.join(" | ")));
    }
    // The services it may call, for "granted but never used" once activity is
    // known (an administrator is granted every service: not listed).
    if access.tier != PrivilegeTier::Admin && access.tier != PrivilegeTier::None {
        let set = evaluator.granted_set(access);
        let services = services_by_set
            .entry(set)
            .or_insert_with_key(|set| evaluator.services_of(set).join(","))
            .clone();
        if !services.is_empty() {
            attributes.push(("granted_services", services));
        }
    }
    if !access.sensitive.is_empty() {
        let classes: Vec<&str> = access.sensitive.iter().map(|s| s.class.as_str()).collect();
        attributes.push(("sensitive_access", classes.join(",")));
    }
    attributes
}
