//! Effective-permissions engine for AWS IAM.
//!
//! [`Evaluator::new`] compiles every policy of a GAAD export once (managed
//! policies are compiled once and shared by every principal that attaches
//! them; each distinct action pattern is expanded against the catalog once),
//! then [`Evaluator::evaluate`] / [`Evaluator::evaluate_all`] combine the
//! compiled policies of each principal. See README.md for the semantics and
//! the conservative choices.

mod actionset;
mod annotate;
mod catalog;
mod compile;
mod glob;
mod graph;
mod sensitive;
mod techniques;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use nhi_aws::{AuthorizationDetails, Effect, PolicyDocument, Principal};

pub use actionset::ActionSet;
pub use annotate::{annotate, annotate_evaluated, annotate_with};
pub use catalog::{AccessLevel, ActionCatalog, BuiltinCatalog, StaticCatalog};
use compile::{Compiled, Compiler, Grant};
pub use glob::{covers, glob_match, has_wildcard, may_overlap};
pub use sensitive::SensitiveClass;
pub use techniques::{TECHNIQUES, Technique, technique};

/// Privilege tier, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrivilegeTier {
    /// No allowed action at all.
    None,
    /// Only List-level actions.
    ListOnly,
    /// Some Read-level action, nothing stronger.
    DataRead,
    /// Some Write- or Tagging-level action (or an action unknown to the catalog).
    DataWrite,
    /// Some Permissions-management action or a privilege-escalation technique.
    PermissionsManagement,
    /// Every Write and Permissions-management action of `iam` allowed on
    /// `Resource: "*"` without conditions (this includes `*` and `iam:*`).
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    User,
    Role,
}

/// One effective allow after boundaries, SCPs and explicit denies: a set of
/// actions on a set of resources.
///
/// Resources: `resources` are ARN patterns the actions are allowed on
/// (`"*"` = any); when `not_resources` is non-empty the grant came from a
/// `NotResource` statement and covers every resource except those patterns.
#[derive(Debug, Clone)]
pub struct EffectiveGrant {
    pub actions: Arc<ActionSet>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    /// The grant (or a boundary/SCP statement that let it through) had a
    /// `Condition`; it is counted as allowed.
    pub conditional: bool,
    /// The conditions, as compact JSON, for the evidence.
    pub conditions: Vec<String>,
    /// Policies the grant comes from (identity policy first, then the
    /// boundary/SCP statements that let it through).
    pub via: Vec<String>,
}

impl EffectiveGrant {
    /// Is the grant unconditional and on every resource?
    pub fn is_unrestricted(&self) -> bool {
        !self.conditional
            && self.not_resources.is_empty()
            && self.resources.iter().any(|r| r == "*")
    }
}

/// One allowed action, flattened from the grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedAction {
    pub action: String,
    pub level: Option<AccessLevel>,
    /// Resource patterns; `"*"` = any. Patterns prefixed `NOT ` are exclusions
    /// of a `NotResource` grant.
    pub resources: Vec<String>,
    /// True only when every grant of the action is conditional.
    pub conditional: bool,
    pub via: Vec<String>,
}

/// A detected privilege-escalation technique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub technique_id: &'static str,
    pub title: &'static str,
    pub actions: Vec<String>,
    /// Every required action is allowed only under a condition.
    pub conditional: bool,
    /// Per action: where it is allowed and through which policy.
    pub evidence: Vec<String>,
}

/// Access to a class of sensitive data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveAccess {
    pub class: SensitiveClass,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditional: bool,
}

/// Everything the engine concludes about one principal.
#[derive(Debug, Clone)]
pub struct PrincipalAccess {
    pub arn: String,
    pub name: String,
    pub kind: PrincipalKind,
    pub grants: Vec<EffectiveGrant>,
    pub tier: PrivilegeTier,
    pub escalations: Vec<Escalation>,
    pub sensitive: Vec<SensitiveAccess>,
    /// Roles this principal can assume directly (trust policy allows it and,
    /// unless the trust names it directly, its identity policies allow
    /// `sts:AssumeRole` on the role).
    pub assumable_roles: Vec<String>,
    /// Highest tier reachable through chains of role assumption (at least
    /// `tier`). Filled by [`Evaluator::evaluate_all`]; `evaluate` sets it to
    /// `tier`.
    pub effective_tier: PrivilegeTier,
    /// The first role on a chain that reaches `effective_tier`, when higher.
    pub effective_tier_via: Option<String>,
    /// Evidence that does not change the result: conditional denies that were
    /// not applied, denies that only partly overlap a grant.
    pub notes: Vec<String>,
    /// Malformed policies, unknown actions, unsupported condition operators,
    /// missing policies, cyclic trust chains.
    pub warnings: Vec<String>,
}

/// A resource-based policy known for a resource (S3 bucket policy, key
/// policy, secret policy...).
#[derive(Debug, Clone)]
pub struct ResourcePolicy {
    pub resource_arn: String,
    pub document: PolicyDocument,
}

/// Optional inputs beyond the GAAD.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// SCPs in force for the account, treated as one level of the
    /// organisation (an action must be allowed by at least one of them).
    pub scps: Vec<PolicyDocument>,
    /// Further SCP levels (root, OU, ...): each level must allow.
    pub scp_levels: Vec<Vec<PolicyDocument>>,
    pub resource_policies: Vec<ResourcePolicy>,
}

#[derive(Debug, Clone, Copy)]
enum PrincipalRef {
    User(usize),
    Role(usize),
}

struct Ceiling {
    allows: Vec<Grant>,
    star: Arc<ActionSet>,
}

struct RoleTrust {
    arn: String,
    direct: Vec<String>,
    delegated_accounts: Vec<String>,
    any: bool,
}

/// Roles by who their trust policy names, so that finding the roles a
/// principal can assume does not scan every role.
#[derive(Default)]
struct TrustIndex {
    direct: HashMap<String, Vec<usize>>,
    delegated: HashMap<String, Vec<usize>>,
    any: Vec<usize>,
}

/// The engine. Build once per export; evaluate any number of principals.
pub struct Evaluator<'a> {
    gaad: &'a AuthorizationDetails,
    /// Service index of every action id, and the service prefixes by index.
    service_of: Vec<u16>,
    service_names: Vec<String>,
    names: Vec<String>,
    levels: Vec<Option<AccessLevel>>,
    ids: HashMap<String, u32>,
    managed: HashMap<&'a str, Arc<Compiled>>,
    missing_managed: HashMap<&'a str, Option<Arc<Compiled>>>,
    user_inline: Vec<Vec<Arc<Compiled>>>,
    role_inline: Vec<Vec<Arc<Compiled>>>,
    group_policies: HashMap<&'a str, Vec<Arc<Compiled>>>,
    scp_levels: Vec<Ceiling>,
    scp_denies: Vec<Grant>,
    scp_warnings: Vec<String>,
    resource_direct: HashMap<String, Vec<Grant>>,
    resource_any: Vec<Grant>,
    resource_denies_direct: HashMap<String, Vec<Grant>>,
    resource_denies_any: Vec<Grant>,
    resource_warnings: Vec<String>,
    principals: HashMap<String, PrincipalRef>,
    trusts: Vec<RoleTrust>,
    trust_index: TrustIndex,
    assume_role_id: u32,
    technique_ids: Vec<Vec<u32>>,
    sensitive_ids: Vec<(SensitiveClass, Vec<u32>)>,
    /// Actions that support no resource types: a grant on specific ARNs cannot allow
    /// them.
    star_only: ActionSet,
    level_sets: HashMap<Option<AccessLevel>, ActionSet>,
    admin_set: ActionSet,
}

fn principal_arn_of(arn: &Option<String>, kind: &str, path: &Option<String>, name: &str) -> String {
    arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:iam::000000000000:{kind}{}{name}",
            path.as_deref().unwrap_or("/")
        )
    })
}

fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

impl<'a> Evaluator<'a> {
    /// Evaluator over a GAAD export and (possibly empty) SCPs.
    pub fn new(
        gaad: &'a AuthorizationDetails,
        scps: &[PolicyDocument],
        catalog: &dyn ActionCatalog,
    ) -> Self {
        Self::with_options(
            gaad,
            &EvalOptions {
                scps: scps.to_vec(),
                ..EvalOptions::default()
            },
            catalog,
        )
    }

    pub fn with_options(
        gaad: &'a AuthorizationDetails,
        options: &EvalOptions,
        catalog: &dyn ActionCatalog,
    ) -> Self {
        let mut compiler = Compiler::new(catalog);
        // Intern the actions the engine looks for, so that policies naming
        // them verbatim match even when the catalog lacks them.
        let technique_ids: Vec<Vec<u32>> = TECHNIQUES
            .iter()
            .map(|t| t.actions.iter().map(|a| compiler.intern(a)).collect())
            .collect();
        let sensitive_ids: Vec<(SensitiveClass, Vec<u32>)> = SensitiveClass::ALL
            .iter()
            .map(|c| (*c, c.actions().iter().map(|a| compiler.intern(a)).collect()))
            .collect();
        let assume_role_id = compiler.intern("sts:AssumeRole");
        // Intern every literal action first so that wildcards cover them.
        let docs = all_documents(gaad, options);
        for doc in &docs {
            compiler.intern_literals(doc);
        }
        compiler.seal();

        let mut managed = HashMap::new();
        for p in &gaad.policies {
            let name = p.policy_name.clone().unwrap_or_else(|| p.arn.clone());
            let compiled = match p.default_document() {
                Some(doc) => compiler.compile(&name, doc),
                None => Compiled::malformed(
                    &name,
                    format!(
                        "managed policy {} has no readable default version; it grants nothing here",
                        p.arn
                    ),
                ),
            };
            managed.insert(p.arn.as_str(), Arc::new(compiled));
        }
        let mut missing_managed = HashMap::new();
        let attached = gaad
            .users
            .iter()
            .flat_map(|u| &u.attached_managed_policies)
            .chain(
                gaad.groups
                    .iter()
                    .flat_map(|g| &g.attached_managed_policies),
            )
            .chain(gaad.roles.iter().flat_map(|r| &r.attached_managed_policies))
            .map(|a| a.policy_arn.as_str())
            .chain(
                gaad.users
                    .iter()
                    .filter_map(|u| u.permissions_boundary.as_ref())
                    .chain(
                        gaad.roles
                            .iter()
                            .filter_map(|r| r.permissions_boundary.as_ref()),
                    )
                    .filter_map(|b| b.permissions_boundary_arn.as_deref()),
            );
        for arn in attached {
            if managed.contains_key(arn) || missing_managed.contains_key(arn) {
                continue;
            }
            // AWS managed AdministratorAccess is well known; anything else
            // missing from the export is unknown.
            let known = arn.ends_with(":policy/AdministratorAccess").then(|| {
                let doc: PolicyDocument = serde_json::from_value(serde_json::json!({
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
                }))
                .expect("static policy");
                Arc::new(compiler.compile("AdministratorAccess", &doc))
            });
            missing_managed.insert(arn, known);
        }

        let inline = |compiler: &mut Compiler, list: &[nhi_aws::InlinePolicy], owner: &str| {
            list.iter()
                .map(|p| {
                    Arc::new(match &p.policy_document {
                        Some(doc) => compiler.compile(&p.policy_name, doc),
                        None => Compiled::malformed(
                            &p.policy_name,
                            format!("inline policy {} of {owner} is missing or malformed; it grants nothing here", p.policy_name),
                        ),
                    })
                })
                .collect::<Vec<_>>()
        };
        let user_inline = gaad
            .users
            .iter()
            .map(|u| inline(&mut compiler, &u.user_policy_list, &u.user_name))
            .collect();
        let role_inline = gaad
            .roles
            .iter()
            .map(|r| inline(&mut compiler, &r.role_policy_list, &r.role_name))
            .collect();
        let mut group_policies = HashMap::new();
        for g in &gaad.groups {
            let mut list = inline(&mut compiler, &g.group_policy_list, &g.group_name);
            for a in &g.attached_managed_policies {
                if let Some(p) = managed.get(a.policy_arn.as_str()) {
                    list.push(p.clone());
                } else if let Some(Some(p)) = missing_managed.get(a.policy_arn.as_str()) {
                    list.push(p.clone());
                } else {
                    list.push(Arc::new(Compiled::malformed(
                        &a.policy_arn,
                        format!("managed policy {} attached to group {} is not in the export; its permissions are unknown", a.policy_arn, g.group_name),
                    )));
                }
            }
            group_policies.insert(g.group_name.as_str(), list);
        }

        // SCPs: denies from every level apply; each level is a ceiling.
        let mut levels: Vec<&[PolicyDocument]> = Vec::new();
        if !options.scps.is_empty() {
            levels.push(&options.scps);
        }
        levels.extend(
            options
                .scp_levels
                .iter()
                .map(Vec::as_slice)
                .filter(|l| !l.is_empty()),
        );
        let mut scp_levels = Vec::new();
        let mut scp_denies = Vec::new();
        let mut scp_warnings = Vec::new();
        for (li, level) in levels.iter().enumerate() {
            let mut allows = Vec::new();
            for (i, doc) in level.iter().enumerate() {
                let c = compiler.compile(&format!("SCP[{li}][{i}]"), doc);
                allows.extend(c.allows.iter().cloned());
                scp_denies.extend(c.denies.iter().cloned());
                scp_warnings.extend(c.warnings.iter().cloned());
            }
            scp_levels.push(ceiling(allows));
        }

        // Resource policies.
        let mut resource_direct: HashMap<String, Vec<Grant>> = HashMap::new();
        let mut resource_any = Vec::new();
        let mut resource_denies_direct: HashMap<String, Vec<Grant>> = HashMap::new();
        let mut resource_denies_any = Vec::new();
        let mut resource_warnings = Vec::new();
        for rp in &options.resource_policies {
            let name = format!("resource policy of {}", rp.resource_arn);
            for st in &rp.document.statement {
                let mut single = rp.document.clone();
                let mut st2 = st.clone();
                if st2.resource.is_none() && st2.not_resource.is_none() {
                    st2.resource = Some(vec![rp.resource_arn.clone()]);
                }
                st2.principal = None;
                st2.not_principal = None;
                single.statement = vec![st2];
                let c = compiler.compile(&name, &single);
                resource_warnings.extend(c.warnings.iter().cloned());
                let grants = match st.effect {
                    Effect::Allow => c.allows.clone(),
                    Effect::Deny => c.denies.clone(),
                };
                let (direct, any) = match (&st.principal, &st.not_principal) {
                    (Some(Principal::Any), _) => (vec![], true),
                    (Some(Principal::ByType(map)), _) => {
                        let aws = map.get("AWS").cloned().unwrap_or_default();
                        let any = aws.iter().any(|a| a == "*");
                        (aws, any)
                    }
                    // NotPrincipal: an Allow applies to (nearly) everyone,
                    // a Deny is not applied (conservative).
                    (None, Some(_)) => (vec![], st.effect == Effect::Allow),
                    (None, None) => (vec![], false),
                };
                let (dmap, anyv) = match st.effect {
                    Effect::Allow => (&mut resource_direct, &mut resource_any),
                    Effect::Deny => (&mut resource_denies_direct, &mut resource_denies_any),
                };
                if any {
                    anyv.extend(grants.iter().cloned());
                }
                for p in direct
                    .iter()
                    .filter(|p| p.starts_with("arn:") && !p.ends_with(":root"))
                {
                    dmap.entry(p.clone())
                        .or_default()
                        .extend(grants.iter().cloned());
                }
            }
        }

        let mut principals = HashMap::new();
        for (i, u) in gaad.users.iter().enumerate() {
            principals.insert(
                principal_arn_of(&u.arn, "user", &u.path, &u.user_name),
                PrincipalRef::User(i),
            );
        }
        for (i, r) in gaad.roles.iter().enumerate() {
            principals.insert(
                principal_arn_of(&r.arn, "role", &r.path, &r.role_name),
                PrincipalRef::Role(i),
            );
        }
        let trusts: Vec<RoleTrust> = gaad
            .roles
            .iter()
            .map(|r| role_trust(r, &mut compiler, assume_role_id))
            .collect();
        let mut trust_index = TrustIndex::default();
        for (i, t) in trusts.iter().enumerate() {
            for p in &t.direct {
                trust_index.direct.entry(p.clone()).or_default().push(i);
            }
            for acct in &t.delegated_accounts {
                trust_index
                    .delegated
                    .entry(acct.clone())
                    .or_default()
                    .push(i);
            }
            if t.any {
                trust_index.any.push(i);
            }
        }

        let (names, levels, ids) = compiler.finish();
        let mut level_sets: HashMap<Option<AccessLevel>, ActionSet> = HashMap::new();
        for (id, level) in levels.iter().enumerate() {
            level_sets.entry(*level).or_default().insert(id as u32);
        }
        let admin_set: ActionSet = names
            .iter()
            .enumerate()
            .filter(|(id, n)| {
                n.to_ascii_lowercase().starts_with("iam:")
                    && matches!(
                        levels[*id],
                        Some(AccessLevel::Write | AccessLevel::PermissionsManagement)
                    )
            })
            .map(|(id, _)| id as u32)
            .collect();

        let star_only: ActionSet = names
            .iter()
            .enumerate()
            .filter(|(_, n)| catalog.wildcard_resource_only(n))
            .map(|(id, _)| id as u32)
            .collect();

        // Each action's service prefix as a small index, so "which services does this
        // grant reach" is a walk over set bits, not string work per action.
        let mut service_names: Vec<String> = Vec::new();
        let mut service_index: HashMap<String, u16> = HashMap::new();
        let service_of: Vec<u16> = names
            .iter()
            .map(|n| {
                let prefix = n.split(':').next().unwrap_or(n).to_ascii_lowercase();
                *service_index.entry(prefix.clone()).or_insert_with(|| {
                    service_names.push(prefix);
                    (service_names.len() - 1) as u16
                })
            })
            .collect();

        Evaluator {
            gaad,
            service_of,
            service_names,
            names,
            levels,
            ids,
            managed,
            missing_managed,
            user_inline,
            role_inline,
            group_policies,
            scp_levels,
            scp_denies,
            scp_warnings,
            resource_direct,
            resource_any,
            resource_denies_direct,
            resource_denies_any,
            resource_warnings,
            principals,
            trusts,
            trust_index,
            assume_role_id,
            technique_ids,
            sensitive_ids,
            level_sets,
            admin_set,
            star_only,
        }
    }

    /// Name of an action id (catalog spelling, or verbatim for unknown actions).
    pub fn action_name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Id of an action name (case-insensitive), if known to the engine.
    pub fn action_id(&self, action: &str) -> Option<u32> {
        self.ids.get(&action.to_ascii_lowercase()).copied()
    }

    /// Access level of an action id; `None` for actions unknown to the catalog.
    pub fn access_level(&self, id: u32) -> Option<AccessLevel> {
        self.levels[id as usize]
    }

    /// ARNs of every user and role, users first, in export order.
    pub fn principal_arns(&self) -> Vec<String> {
        let mut v: Vec<(usize, String)> = self
            .principals
            .iter()
            .map(|(arn, r)| {
                let key = match r {
                    PrincipalRef::User(i) => *i,
                    PrincipalRef::Role(i) => self.gaad.users.len() + i,
                };
                (key, arn.clone())
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, a)| a).collect()
    }

    fn managed_or_missing(
        &self,
        arn: &str,
        owner: &str,
        warnings: &mut Vec<String>,
    ) -> Option<Arc<Compiled>> {
        if let Some(p) = self.managed.get(arn) {
            return Some(p.clone());
        }
        match self.missing_managed.get(arn) {
            Some(Some(p)) => {
                warnings.push(format!("{owner}: managed policy {arn} is not in the export; assumed to be the AWS managed AdministratorAccess (allow * on *)"));
                Some(p.clone())
            }
            _ => {
                warnings.push(format!("{owner}: managed policy {arn} is not in the export; its permissions are unknown and not counted"));
                None
            }
        }
    }

    /// Evaluate one principal by ARN. `None` if no user or role has that ARN.
    pub fn evaluate(&self, principal_arn: &str) -> Option<PrincipalAccess> {
        let r = *self.principals.get(principal_arn)?;
        Some(self.evaluate_ref(principal_arn, r))
    }

    fn evaluate_ref(&self, arn: &str, r: PrincipalRef) -> PrincipalAccess {
        let mut warnings = Vec::new();
        let mut notes = Vec::new();
        let mut policies: Vec<Arc<Compiled>> = Vec::new();
        let (name, kind, boundary) = match r {
            PrincipalRef::User(i) => {
                let u = &self.gaad.users[i];
                policies.extend(self.user_inline[i].iter().cloned());
                for a in &u.attached_managed_policies {
                    policies.extend(self.managed_or_missing(&a.policy_arn, arn, &mut warnings));
                }
                for g in &u.group_list {
                    match self.group_policies.get(g.as_str()) {
                        Some(list) => policies.extend(list.iter().cloned()),
                        None => warnings.push(format!(
                            "{arn}: group {g} is not in the export; its policies are unknown and not counted"
                        )),
                    }
                }
                (
                    u.user_name.clone(),
                    PrincipalKind::User,
                    u.permissions_boundary.as_ref(),
                )
            }
            PrincipalRef::Role(i) => {
                let ro = &self.gaad.roles[i];
                policies.extend(self.role_inline[i].iter().cloned());
                for a in &ro.attached_managed_policies {
                    policies.extend(self.managed_or_missing(&a.policy_arn, arn, &mut warnings));
                }
                (
                    ro.role_name.clone(),
                    PrincipalKind::Role,
                    ro.permissions_boundary.as_ref(),
                )
            }
        };
        let mut grants: Vec<EffectiveGrant> = Vec::new();
        let mut denies: Vec<&Grant> = Vec::new();
        for p in &policies {
            for w in &p.warnings {
                warnings.push(format!("{arn}: {w}"));
            }
            grants.extend(p.allows.iter().map(Grant::to_effective));
            denies.extend(p.denies.iter());
        }
        // Permissions boundary.
        let boundary_policy = boundary
            .and_then(|b| b.permissions_boundary_arn.as_deref())
            .and_then(|b| self.managed_or_missing(b, arn, &mut warnings));
        if let Some(b) = &boundary_policy {
            for w in &b.warnings {
                warnings.push(format!("{arn}: boundary: {w}"));
            }
            let c = ceiling(b.allows.clone());
            grants = apply_ceiling(grants, &c, "boundary");
            denies.extend(b.denies.iter());
        }
        // Resource policies naming this principal (not limited by the boundary).
        let direct = self.resource_direct.get(arn).into_iter().flatten();
        grants.extend(direct.chain(&self.resource_any).map(Grant::to_effective));
        denies.extend(self.resource_denies_direct.get(arn).into_iter().flatten());
        denies.extend(&self.resource_denies_any);
        warnings.extend(self.resource_warnings.iter().map(|w| format!("{arn}: {w}")));
        // SCPs.
        for (i, level) in self.scp_levels.iter().enumerate() {
            grants = apply_ceiling(grants, level, &format!("SCP level {i}"));
        }
        denies.extend(&self.scp_denies);
        warnings.extend(self.scp_warnings.iter().map(|w| format!("{arn}: {w}")));
        // Explicit denies.
        for d in denies {
            grants = apply_deny(grants, d, &mut notes, self);
        }
        grants.retain(|g| !g.actions.is_empty() && !g.resources.is_empty());

        let mut access = PrincipalAccess {
            arn: arn.to_string(),
            name,
            kind,
            tier: PrivilegeTier::None,
            escalations: Vec::new(),
            sensitive: Vec::new(),
            assumable_roles: Vec::new(),
            effective_tier: PrivilegeTier::None,
            effective_tier_via: None,
            notes,
            warnings,
            grants,
        };
        self.classify(&mut access);
        access.assumable_roles = self.assumable_roles(&access);
        access
    }

    fn classify(&self, a: &mut PrincipalAccess) {
        let mut allowed = ActionSet::new();
        let mut unrestricted = ActionSet::new();
        for g in &a.grants {
            // `logs:*` on a log group grants no `logs:PutResourcePolicy`: that action
            // takes only `Resource: "*"`.
            if g.resources.iter().any(|r| r == "*") || !g.not_resources.is_empty() {
                allowed.union_with(&g.actions);
            } else {
                allowed.union_with(&g.actions.difference(&self.star_only));
            }
            if g.is_unrestricted() {
                unrestricted.union_with(&g.actions);
            }
        }
        for (t, ids) in TECHNIQUES.iter().zip(&self.technique_ids) {
            let self_target = a.kind == PrincipalKind::Role && t.role_can_target_itself();
            let ids: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|id| !(self_target && *id == self.assume_role_id))
                .collect();
            if ids.iter().all(|id| allowed.contains(*id))
                && !(t.targets_other_users() && self.self_scoped(a, ids[0]))
            {
                let mut evidence = Vec::new();
                let mut all_conditional = false;
                for id in &ids {
                    let (text, cond) = self.evidence_for(a, *id);
                    all_conditional |= cond;
                    evidence.push(text);
                }
                a.escalations.push(Escalation {
                    technique_id: t.id,
                    title: t.title,
                    actions: ids
                        .iter()
                        .map(|id| self.action_name(*id).to_string())
                        .collect(),
                    conditional: all_conditional,
                    evidence,
                });
            }
        }
        for (class, ids) in &self.sensitive_ids {
            let hit: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|id| allowed.contains(*id))
                .collect();
            if hit.is_empty() {
                continue;
            }
            let mut resources = BTreeSet::new();
            let mut conditional = true;
            for g in &a.grants {
                if hit.iter().any(|id| g.actions.contains(*id)) {
                    conditional &= g.conditional;
                    resources.extend(g.resources.iter().cloned());
                    resources.extend(g.not_resources.iter().map(|r| format!("NOT {r}")));
                }
            }
            a.sensitive.push(SensitiveAccess {
                class: *class,
                actions: hit
                    .iter()
                    .map(|id| self.action_name(*id).to_string())
                    .collect(),
                resources: resources.into_iter().collect(),
                conditional,
            });
        }
        let has = |level: Option<AccessLevel>| {
            self.level_sets
                .get(&level)
                .is_some_and(|s| s.intersects(&allowed))
        };
        a.tier = if !self.admin_set.is_empty() && unrestricted.is_superset(&self.admin_set) {
            PrivilegeTier::Admin
        } else if !a.escalations.is_empty() || has(Some(AccessLevel::PermissionsManagement)) {
            PrivilegeTier::PermissionsManagement
        } else if has(Some(AccessLevel::Write)) || has(Some(AccessLevel::Tagging)) || has(None) {
            PrivilegeTier::DataWrite
        } else if has(Some(AccessLevel::Read)) {
            PrivilegeTier::DataRead
        } else if has(Some(AccessLevel::List)) {
            PrivilegeTier::ListOnly
        } else {
            PrivilegeTier::None
        };
        a.effective_tier = a.tier;
    }

    /// Is every grant of the action limited to the caller's own user
    /// (`${aws:username}` in each resource)?
    fn self_scoped(&self, a: &PrincipalAccess, id: u32) -> bool {
        a.grants.iter().filter(|g| g.actions.contains(id)).all(|g| {
            g.not_resources.is_empty() && g.resources.iter().all(|r| r.contains("${aws:username}"))
        })
    }

    fn evidence_for(&self, a: &PrincipalAccess, id: u32) -> (String, bool) {
        let mut parts = Vec::new();
        let mut conditional = true;
        for g in a.grants.iter().filter(|g| g.actions.contains(id)) {
            conditional &= g.conditional;
            let mut s = format!("on {}", g.resources.join(", "));
            if !g.not_resources.is_empty() {
                s.push_str(&format!(" except {}", g.not_resources.join(", ")));
            }
            s.push_str(&format!(" via {}", g.via.join(" ∩ ")));
            if g.conditional {
                s.push_str(&format!(" if {}", g.conditions.join(" and ")));
            }
            parts.push(s);
        }
        (
            format!("{}: {}", self.action_name(id), parts.join("; ")),
            conditional,
        )
    }

    /// Flatten the grants into one entry per allowed action.
    pub fn allowed_actions(&self, access: &PrincipalAccess) -> Vec<AllowedAction> {
        let mut by_id: HashMap<u32, AllowedAction> = HashMap::new();
        for g in &access.grants {
            for id in g.actions.iter() {
                let e = by_id.entry(id).or_insert_with(|| AllowedAction {
                    action: self.action_name(id).to_string(),
                    level: self.access_level(id),
                    resources: Vec::new(),
                    conditional: true,
                    via: Vec::new(),
                });
                e.conditional &= g.conditional;
                for r in g
                    .resources
                    .iter()
                    .cloned()
                    .chain(g.not_resources.iter().map(|r| format!("NOT {r}")))
                {
                    if !e.resources.contains(&r) {
                        e.resources.push(r);
                    }
                }
                for v in &g.via {
                    if !e.via.contains(v) {
                        e.via.push(v.clone());
                    }
                }
            }
        }
        let mut v: Vec<AllowedAction> = by_id.into_values().collect();
        v.sort_by(|a, b| a.action.cmp(&b.action));
        v
    }

    /// Every action the principal's grants allow, as one set (conditional grants
    /// included).
    pub fn granted_set(&self, access: &PrincipalAccess) -> ActionSet {
        let mut all = ActionSet::new();
        for grant in &access.grants {
            all.union_with(&grant.actions);
        }
        all
    }

    /// The service prefixes (`s3`, `iam`, …) an action set reaches, sorted.
    pub fn services_of(&self, actions: &ActionSet) -> Vec<String> {
        let mut seen = vec![false; self.service_names.len()];
        for id in actions.iter() {
            if let Some(&service) = self.service_of.get(id as usize) {
                seen[service as usize] = true;
            }
        }
        let mut out: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| self.service_names[i].clone())
            .collect();
        out.sort();
        out
    }

    /// Is `action` allowed on `resource` (an ARN; `"*"` asks about any resource)?
    /// Returns the matching grants' policy names, or `None`.
    pub fn is_allowed(
        &self,
        access: &PrincipalAccess,
        action: &str,
        resource: &str,
    ) -> Option<Vec<String>> {
        let id = self.action_id(action)?;
        let via: Vec<String> = access
            .grants
            .iter()
            .filter(|g| g.actions.contains(id))
            .filter(|g| {
                resource == "*"
                    || (g.resources.iter().any(|r| glob_match(r, resource, false))
                        && !g
                            .not_resources
                            .iter()
                            .any(|r| glob_match(r, resource, false)))
            })
            .flat_map(|g| g.via.iter().cloned())
            .collect();
        (!via.is_empty()).then_some(via)
    }

    fn assumable_roles(&self, a: &PrincipalAccess) -> Vec<String> {
        let can_assume = a
            .grants
            .iter()
            .any(|g| g.actions.contains(self.assume_role_id));
        let mut idx: Vec<usize> = self
            .trust_index
            .direct
            .get(&a.arn)
            .cloned()
            .unwrap_or_default();
        if can_assume {
            let delegated = account_of(&a.arn)
                .and_then(|acct| self.trust_index.delegated.get(acct))
                .into_iter()
                .flatten();
            for &i in delegated.chain(&self.trust_index.any) {
                if self
                    .is_allowed(a, "sts:AssumeRole", &self.trusts[i].arn)
                    .is_some()
                {
                    idx.push(i);
                }
            }
        }
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .map(|i| self.trusts[i].arn.clone())
            .collect()
    }

    /// Evaluate every user and role, then follow role-assumption chains to
    /// fill `effective_tier` (cycles are warned about and handled).
    pub fn evaluate_all(&self) -> Vec<PrincipalAccess> {
        use rayon::prelude::*;
        let arns = self.principal_arns();
        // Principals are independent until the role-chain pass: evaluate them on
        // every core; `collect` keeps the ARN order, so the output is deterministic.
        let mut all: Vec<PrincipalAccess> = arns
            .par_iter()
            .map(|arn| self.evaluate_ref(arn, self.principals[arn]))
            .collect();
        graph::propagate(&mut all);
        all
    }
}

fn all_documents<'g>(
    gaad: &'g AuthorizationDetails,
    options: &'g EvalOptions,
) -> Vec<&'g PolicyDocument> {
    let mut docs: Vec<&PolicyDocument> = Vec::new();
    docs.extend(gaad.policies.iter().filter_map(|p| p.default_document()));
    docs.extend(
        gaad.users
            .iter()
            .flat_map(|u| &u.user_policy_list)
            .filter_map(|p| p.policy_document.as_ref()),
    );
    docs.extend(
        gaad.groups
            .iter()
            .flat_map(|g| &g.group_policy_list)
            .filter_map(|p| p.policy_document.as_ref()),
    );
    docs.extend(
        gaad.roles
            .iter()
            .flat_map(|r| &r.role_policy_list)
            .filter_map(|p| p.policy_document.as_ref()),
    );
    docs.extend(&options.scps);
    docs.extend(options.scp_levels.iter().flatten());
    docs.extend(options.resource_policies.iter().map(|r| &r.document));
    docs
}

fn role_trust(r: &nhi_aws::RoleDetail, compiler: &mut Compiler, assume_role_id: u32) -> RoleTrust {
    let arn = principal_arn_of(&r.arn, "role", &r.path, &r.role_name);
    let mut t = RoleTrust {
        arn,
        direct: Vec::new(),
        delegated_accounts: Vec::new(),
        any: false,
    };
    let Some(doc) = &r.assume_role_policy_document else {
        return t;
    };
    for st in &doc.statement {
        if st.effect != Effect::Allow || !compiler.statement_actions(st).contains(assume_role_id) {
            continue;
        }
        match &st.principal {
            Some(Principal::Any) => t.any = true,
            Some(Principal::ByType(map)) => {
                for p in map.get("AWS").into_iter().flatten() {
                    if p == "*" {
                        t.any = true;
                    } else if p.chars().all(|c| c.is_ascii_digit()) {
                        t.delegated_accounts.push(p.clone());
                    } else if p.ends_with(":root") {
                        if let Some(acct) = account_of(p) {
                            t.delegated_accounts.push(acct.to_string());
                        }
                    } else {
                        t.direct.push(p.clone());
                    }
                }
            }
            None => {}
        }
    }
    t
}

fn ceiling(allows: Vec<Grant>) -> Ceiling {
    let mut star = ActionSet::new();
    for g in &allows {
        if g.is_unrestricted() {
            star.union_with(&g.actions);
        }
    }
    Ceiling {
        allows,
        star: Arc::new(star),
    }
}

/// Intersect each grant with a ceiling (boundary or SCP level).
fn apply_ceiling(grants: Vec<EffectiveGrant>, c: &Ceiling, label: &str) -> Vec<EffectiveGrant> {
    let mut out = Vec::with_capacity(grants.len());
    for g in grants {
        let rest = if c.star.is_superset(&g.actions) {
            out.push(g);
            continue;
        } else {
            let kept = g.actions.intersect(&c.star);
            let rest = g.actions.difference(&c.star);
            if !kept.is_empty() {
                out.push(EffectiveGrant {
                    actions: Arc::new(kept),
                    ..g.clone()
                });
            }
            rest
        };
        for cg in c.allows.iter().filter(|cg| !cg.is_unrestricted()) {
            let a = rest.intersect(&cg.actions);
            if a.is_empty() {
                continue;
            }
            let (resources, not_resources) = intersect_resources(&g, cg);
            if resources.is_empty() {
                continue;
            }
            let mut via = g.via.clone();
            via.push(format!("{label} {}", cg.via));
            let mut conditions = g.conditions.clone();
            conditions.extend(cg.condition.iter().cloned());
            out.push(EffectiveGrant {
                actions: Arc::new(a),
                resources,
                not_resources,
                conditional: g.conditional || cg.conditional,
                conditions,
                via,
            });
        }
    }
    out
}

/// Resources a grant keeps under a restricted ceiling statement. Over-approximates.
fn intersect_resources(g: &EffectiveGrant, c: &Grant) -> (Vec<String>, Vec<String>) {
    let mut not = g.not_resources.clone();
    not.extend(c.not_resources.iter().cloned());
    let mut out = Vec::new();
    for r in &g.resources {
        for cr in &c.resources {
            let keep = if covers(cr, r) {
                r
            } else if covers(r, cr) {
                cr
            } else if may_overlap(r, cr) {
                r
            } else {
                continue;
            };
            if !out.contains(keep) {
                out.push(keep.clone());
            }
        }
    }
    (out, not)
}

/// Remove what an explicit deny denies. Conditional denies are not applied
/// (they may not match at request time) but noted.
fn apply_deny(
    grants: Vec<EffectiveGrant>,
    d: &Grant,
    notes: &mut Vec<String>,
    ev: &Evaluator,
) -> Vec<EffectiveGrant> {
    let mut out = Vec::with_capacity(grants.len());
    for g in grants {
        if !g.actions.intersects(&d.actions) {
            out.push(g);
            continue;
        }
        let hit = g.actions.intersect(&d.actions);
        if d.conditional {
            notes.push(format!(
                "conditional deny in {} on {} actions (e.g. {}) not applied: {}",
                d.via,
                hit.len(),
                hit.iter().next().map(|id| ev.action_name(id)).unwrap_or(""),
                d.condition.as_deref().unwrap_or("")
            ));
            out.push(g);
            continue;
        }
        // Which of the grant's resources does the deny cover entirely?
        let covered = |r: &str| {
            if d.not_resources.is_empty() {
                d.resources.iter().any(|dr| covers(dr, r))
            } else {
                !d.not_resources.iter().any(|n| may_overlap(n, r))
            }
        };
        let remaining: Vec<String> = if g.not_resources.is_empty() {
            g.resources
                .iter()
                .filter(|r| !covered(r))
                .cloned()
                .collect()
        } else if d.not_resources.is_empty() && d.resources.iter().any(|r| r == "*") {
            Vec::new()
        } else {
            g.resources.clone()
        };
        if remaining.len() == g.resources.len() {
            let overlaps = d.not_resources.is_empty()
                && d.resources
                    .iter()
                    .any(|dr| g.resources.iter().any(|r| may_overlap(dr, r)));
            if !overlaps {
                out.push(g);
                continue;
            }
            notes.push(format!(
                "deny in {} overlaps {} allowed actions (e.g. {}) only on some resources; they stay allowed elsewhere",
                d.via,
                hit.len(),
                hit.iter().next().map(|id| ev.action_name(id)).unwrap_or("")
            ));
            out.push(g);
            continue;
        }
        let rest = g.actions.difference(&d.actions);
        if !rest.is_empty() {
            out.push(EffectiveGrant {
                actions: Arc::new(rest),
                ..g.clone()
            });
        }
        if !remaining.is_empty() {
            out.push(EffectiveGrant {
                actions: Arc::new(hit),
                resources: remaining,
                ..g
            });
        }
    }
    out
}
