//! AWS policies that shape evaluation without being inventory themselves: service
//! control policies (with where they are attached) and resource-based policies.
//!
//! A GAAD's principals are evaluated once, when the GAAD is read (the store keeps grants
//! by name, not policy documents). So these policies take part when they are read in the
//! same run as the GAAD: `nhi import` and `nhi scan` read every context file first and
//! evaluate the GAADs last (see [`crate::ImportRun`]).
//!
//! What is applied, and why it is conservative (an unknown restriction is never
//! assumed, so permissions are over- rather than under-reported):
//! - An SCP applies to an account when its targets file (`<name>.targets.json`, the
//!   output of `list-targets-for-policy` for `<name>.json`) lists the organisation root
//!   or the account itself. An SCP attached to an OU is *not* applied, because the
//!   exports do not say which accounts an OU holds; a warning says so. An SCP without a
//!   targets file is not applied either.
//! - Each level (root, account) must allow an action. A level whose SCPs hold no Allow
//!   statement (a deny-list guardrail exported without `FullAWSAccess`) is taken to
//!   include `FullAWSAccess`, which AWS attaches by default.
//! - SCPs never limit the management account (the account in the policies' ARNs).
//! - Every resource policy of the run takes part for every GAAD: the engine applies a
//!   statement only to the principals it names.

use std::collections::BTreeMap;

use nhi_aws::{
    AwsExport, AwsExportData, OrganizationsPolicy, PolicyDocument, PolicyTarget,
    ResourcePolicyExport,
};
use nhi_aws_eval::{EvalOptions, ResourcePolicy};
use nhi_model::SourceWarning;

/// The context files of one run.
#[derive(Debug, Default)]
pub struct AwsPolicyContext {
    scps: Vec<(String, OrganizationsPolicy)>,
    targets: Vec<(String, Vec<PolicyTarget>)>,
    resource_policies: Vec<ResourcePolicyExport>,
}

/// Whether an export is evaluation context rather than inventory.
pub fn is_context(export: &AwsExport) -> bool {
    matches!(
        export.data,
        AwsExportData::DescribePolicy(_)
            | AwsExportData::ListTargetsForPolicy(_)
            | AwsExportData::ResourcePolicy(_)
    )
}

/// `dir/scp-deny.targets.json` → `dir/scp-deny`; `dir/scp-deny.json` → `dir/scp-deny`.
fn pairing_key(file: &str) -> &str {
    file.strip_suffix(".targets.json")
        .or_else(|| file.strip_suffix(".json"))
        .unwrap_or(file)
}

/// The account ID in an Organizations ARN (`arn:aws:organizations::<account>:…`).
fn management_account_of(policy: &OrganizationsPolicy) -> Option<&str> {
    policy
        .arn
        .as_deref()
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|a| !a.is_empty())
}

impl AwsPolicyContext {
    /// Keeps `export` if it is context; false when it is not.
    pub fn add(&mut self, file: &str, export: &AwsExport) -> bool {
        match &export.data {
            AwsExportData::DescribePolicy(policy) => {
                self.scps.push((file.to_string(), policy.clone()));
            }
            AwsExportData::ListTargetsForPolicy(targets) => {
                self.targets.push((file.to_string(), targets.clone()));
            }
            AwsExportData::ResourcePolicy(Some(policy)) => {
                self.resource_policies.push(policy.clone());
            }
            AwsExportData::ResourcePolicy(None) => {}
            _ => return false,
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.scps.is_empty() && self.targets.is_empty() && self.resource_policies.is_empty()
    }

    /// The evaluation options for a GAAD of `account`, with a warning for every
    /// policy that could not be placed.
    pub fn options_for(
        &self,
        account: Option<&str>,
        gaad_file: &str,
        warnings: &mut Vec<SourceWarning>,
    ) -> EvalOptions {
        let mut warn = |position: &str, message: String| {
            warnings.push(SourceWarning {
                file: gaad_file.to_string(),
                position: position.to_string(),
                message,
            })
        };
        let targets: BTreeMap<&str, &[PolicyTarget]> = self
            .targets
            .iter()
            .map(|(file, t)| (pairing_key(file), t.as_slice()))
            .collect();
        let mut root_level: Vec<PolicyDocument> = Vec::new();
        let mut account_level: Vec<PolicyDocument> = Vec::new();
        for (file, policy) in &self.scps {
            let Some(document) = policy.document.as_ref().filter(|_| policy.is_scp()) else {
                continue;
            };
            let position = format!("SCP {}", policy.id);
            if account.is_some() && management_account_of(policy) == account {
                // Documented AWS behaviour: SCPs do not affect the management account.
                continue;
            }
            let Some(attached) = targets.get(pairing_key(file)) else {
                warn(
                    &position,
                    format!(
                        "no targets file ({}.targets.json from `list-targets-for-policy`) \
                         says where {file} is attached; not applied",
                        pairing_key(file)
                    ),
                );
                continue;
            };
            for target in attached.iter() {
                match target.target_type.as_str() {
                    "ROOT" => root_level.push(document.clone()),
                    "ACCOUNT" if Some(target.target_id.as_str()) == account => {
                        account_level.push(document.clone())
                    }
                    "ACCOUNT" => {}
                    "ORGANIZATIONAL_UNIT" => warn(
                        &position,
                        format!(
                            "attached to OU {}; which accounts it holds is not in the \
                             exports, so it is not applied (permissions may be overstated)",
                            target.target_id
                        ),
                    ),
                    other => warn(
                        &position,
                        format!("unknown target type `{other}`; not applied"),
                    ),
                }
            }
        }
        let scp_levels = [root_level, account_level]
            .into_iter()
            .filter(|level| !level.is_empty())
            .map(with_default_full_access)
            .collect();
        EvalOptions {
            scps: Vec::new(),
            scp_levels,
            resource_policies: self
                .resource_policies
                .iter()
                .map(|p| ResourcePolicy {
                    resource_arn: p.resource_arn.clone(),
                    document: p.document.clone(),
                })
                .collect(),
        }
    }
}

/// A level of only Deny statements was exported without the `FullAWSAccess` policy AWS
/// attaches to every root, OU and account by default; add it back so the level limits
/// only what it denies.
fn with_default_full_access(mut level: Vec<PolicyDocument>) -> Vec<PolicyDocument> {
    let allows_anything = level
        .iter()
        .flat_map(|d| &d.statement)
        .any(|s| s.effect == nhi_aws::Effect::Allow);
    if !allows_anything {
        level.push(PolicyDocument {
            version: Some("2012-10-17".into()),
            id: Some("FullAWSAccess (assumed)".into()),
            statement: vec![nhi_aws::Statement {
                sid: None,
                effect: nhi_aws::Effect::Allow,
                principal: None,
                not_principal: None,
                action: Some(vec!["*".into()]),
                not_action: None,
                resource: Some(vec!["*".into()]),
                not_resource: None,
                condition: None,
            }],
        });
    }
    level
}
