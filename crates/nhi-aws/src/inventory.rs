//! Maps parsed AWS exports onto the platform inventory model.
//!
//! Each export knows part of the picture, and the parts are keyed so they merge:
//! identities by ARN, access keys by access key ID. Where an export lacks the key (the
//! credential report has no key IDs; `list-access-keys` has no ARNs) the record is
//! keyed by what it has and the correlator joins it afterwards; see `nhi-graph`.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use nhi_model::{
    Account, Confidence, CredentialKind, Grant, GrantKind, Identity, IdentityKind, InventoryBatch,
    LifecycleStatus, Link, LinkKind, PlatformCredential, Provenance, Provider, SourceWarning,
    account_key, identity_id, person_id,
};
use serde_json::Value;

use crate::{
    AttachedPolicy, AuthorizationDetails, AwsExport, AwsExportData, CredentialReport, Effect,
    InlinePolicy, PolicyDocument, Principal, RoleDetail, SecretListEntry, Tag, UserDetail,
};

/// Attribute a user gets when an export names it without an ARN, so the correlator
/// knows to resolve it by name.
pub const UNRESOLVED_USER_NAME: &str = "unresolved_user_name";

/// The identity ID of an IAM user known only by name (from `list-access-keys`); the
/// correlator rewrites it to the ARN-keyed identity when exactly one user has the name.
pub fn user_id_by_name(name: &str) -> String {
    identity_id(
        Provider::Aws,
        IdentityKind::IamUser,
        &format!("user/{name}"),
    )
}

/// The ID of an IAM user or role by ARN.
pub fn principal_id(arn: &str) -> String {
    let kind = if arn.contains(":role/") {
        IdentityKind::IamRole
    } else {
        IdentityKind::IamUser
    };
    identity_id(Provider::Aws, kind, arn)
}

/// Turns one parsed export into an inventory batch. `file` names the source in the
/// records' provenance.
pub fn to_batch(export: &AwsExport, file: &str) -> InventoryBatch {
    let source = export.kind.command();
    let mut batch = InventoryBatch::default();
    batch
        .warnings
        .extend(export.warnings.iter().map(|w| SourceWarning {
            file: w.file.clone(),
            position: w.position.clone(),
            message: w.message.clone(),
        }));
    let at = |position: String| Provenance::new(source, file, position);
    match &export.data {
        AwsExportData::AccountAuthorizationDetails(details) => {
            map_gaad(details, &at, &mut batch);
        }
        AwsExportData::CredentialReport(report) => map_credential_report(report, &at, &mut batch),
        AwsExportData::ListAccessKeys(keys) => {
            for (i, key) in keys.iter().enumerate() {
                let Some(user) = key.user_name.as_deref() else {
                    continue;
                };
                let prov = at(format!("AccessKeyMetadata[{i}]"));
                let holder = user_id_by_name(user);
                let mut cred = PlatformCredential::new(
                    &holder,
                    Provider::Aws,
                    access_key_kind(&key.access_key_id),
                    &key.access_key_id,
                    prov.clone(),
                );
                cred.created = key.create_date;
                cred.status = match key.status.as_deref() {
                    Some("Active") => LifecycleStatus::Active,
                    Some("Inactive") => LifecycleStatus::Inactive,
                    Some("Expired") => LifecycleStatus::Expired,
                    _ => LifecycleStatus::Unknown,
                };
                batch
                    .links
                    .push(has_credential(&holder, &cred, source, prov));
                batch.credentials.push(cred);
            }
        }
        AwsExportData::AccessKeyLastUsed(responses) => {
            for (i, response) in responses.iter().enumerate() {
                let prov = at(format!("[{i}]"));
                let used = &response.access_key_last_used;
                match (&response.access_key_id, &response.user_name) {
                    (Some(key_id), user) => {
                        let holder = user.as_deref().map(user_id_by_name).unwrap_or_default();
                        let mut cred = PlatformCredential::new(
                            &holder,
                            Provider::Aws,
                            access_key_kind(key_id),
                            key_id,
                            prov,
                        );
                        cred.last_used = used.last_used_date;
                        put(&mut cred.attributes, "last_used_region", &used.region);
                        put(
                            &mut cred.attributes,
                            "last_used_service",
                            &used.service_name,
                        );
                        batch.credentials.push(cred);
                    }
                    (None, Some(user)) => {
                        // Without the key ID the best we can say is that the user was
                        // active then.
                        let mut identity = Identity::new(
                            Provider::Aws,
                            IdentityKind::IamUser,
                            &format!("user/{user}"),
                            user.clone(),
                            prov,
                        );
                        identity.external_id = None;
                        identity.last_used = used.last_used_date;
                        identity
                            .attributes
                            .insert(UNRESOLVED_USER_NAME.into(), user.clone());
                        batch.identities.push(identity);
                    }
                    (None, None) => {}
                }
            }
        }
        AwsExportData::ListSecrets(secrets) => {
            for (i, secret) in secrets.iter().enumerate() {
                batch
                    .credentials
                    .push(map_secret(secret, at(format!("SecretList[{i}]"))));
            }
        }
        AwsExportData::ListAccounts(accounts) => {
            for (i, account) in accounts.iter().enumerate() {
                let mut attributes = BTreeMap::new();
                put(&mut attributes, "email", &account.email);
                batch.accounts.push(Account {
                    id: account_key(Provider::Aws, &account.id),
                    provider: Provider::Aws,
                    account_id: account.id.clone(),
                    name: account.name.clone(),
                    environment: None,
                    status: match account.lifecycle() {
                        Some("ACTIVE") => LifecycleStatus::Active,
                        Some("SUSPENDED") | Some("PENDING_CLOSURE") => LifecycleStatus::Disabled,
                        Some("CLOSED") => LifecycleStatus::Deleted,
                        _ => LifecycleStatus::Unknown,
                    },
                    attributes,
                    provenance: vec![at(format!("Accounts[{i}]"))],
                });
            }
        }
        // Policies that limit or widen what principals may do: they take part in the
        // evaluation of a GAAD read in the same run (nhi-ingest) and add no entities.
        AwsExportData::DescribePolicy(_)
        | AwsExportData::ListTargetsForPolicy(_)
        | AwsExportData::ResourcePolicy(_) => {}
    }
    batch
}

/// `AKIA…` keys are long-term; `ASIA…` are STS session keys.
fn access_key_kind(key_id: &str) -> CredentialKind {
    if key_id.starts_with("ASIA") {
        CredentialKind::SessionToken
    } else {
        CredentialKind::AccessKey
    }
}

fn has_credential(
    holder: &str,
    cred: &PlatformCredential,
    source: &str,
    provenance: Provenance,
) -> Link {
    Link {
        from: holder.to_string(),
        to: cred.id.clone(),
        kind: LinkKind::HasCredential,
        confidence: Confidence::High,
        evidence: match (
            cred.external_id.as_deref(),
            cred.attributes.get("report_slot"),
        ) {
            (Some(id), _) => format!("`{source}` lists {} {id}", cred.kind),
            // The credential report names key slots, not key IDs.
            (None, Some(slot)) => format!("`{source}` lists access key {slot} of the user"),
            (None, None) => format!("`{source}` lists a {}", cred.kind),
        },
        provenance: Some(provenance),
    }
}

/// The account ID in an ARN (`arn:aws:iam::123456789012:user/x`).
pub fn account_of(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then_some(account)
}

fn map_gaad(
    details: &AuthorizationDetails,
    at: &dyn Fn(String) -> Provenance,
    batch: &mut InventoryBatch,
) {
    let groups: HashMap<&str, (usize, &crate::GroupDetail)> = details
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.group_name.as_str(), (i, g)))
        .collect();
    let managed: HashMap<&str, &PolicyDocument> = details
        .policies
        .iter()
        .filter_map(|p| Some((p.arn.as_str(), p.default_document()?)))
        .collect();
    let is_admin_managed = |arn: &str| {
        arn.ends_with(":policy/AdministratorAccess")
            || managed.get(arn).is_some_and(|doc| grants_everything(doc))
    };

    for (i, user) in details.users.iter().enumerate() {
        let prov = at(format!("UserDetailList[{i}]"));
        let mut identity = user_identity(user, prov.clone());
        let mut admin_via = Vec::new();
        policy_grants(
            &identity.id,
            &user.attached_managed_policies,
            &user.user_policy_list,
            None,
            &prov,
            &is_admin_managed,
            &mut admin_via,
            batch,
        );
        for group_name in &user.group_list {
            let via = format!("group:{group_name}");
            if let Some((g, group)) = groups.get(group_name.as_str()) {
                let group_prov = at(format!("GroupDetailList[{g}]"));
                policy_grants(
                    &identity.id,
                    &group.attached_managed_policies,
                    &group.group_policy_list,
                    Some(&via),
                    &group_prov,
                    &is_admin_managed,
                    &mut admin_via,
                    batch,
                );
            }
        }
        if let Some(boundary) = user
            .permissions_boundary
            .as_ref()
            .and_then(|b| b.permissions_boundary_arn.clone())
        {
            identity
                .attributes
                .insert("permissions_boundary".into(), boundary);
        }
        mark_admin(&mut identity, admin_via);
        if !user.group_list.is_empty() {
            identity
                .attributes
                .insert("groups".into(), user.group_list.join(","));
        }
        owner_links(&identity, &prov, batch);
        batch.identities.push(identity);
    }

    for (i, role) in details.roles.iter().enumerate() {
        let prov = at(format!("RoleDetailList[{i}]"));
        let mut identity = role_identity(role, prov.clone());
        let mut admin_via = Vec::new();
        policy_grants(
            &identity.id,
            &role.attached_managed_policies,
            &role.role_policy_list,
            None,
            &prov,
            &is_admin_managed,
            &mut admin_via,
            batch,
        );
        mark_admin(&mut identity, admin_via);
        if let Some(trust) = &role.assume_role_policy_document {
            trust_links(&identity, trust, &prov, batch);
        }
        owner_links(&identity, &prov, batch);
        batch.identities.push(identity);
    }
}

fn user_identity(user: &UserDetail, prov: Provenance) -> Identity {
    let key = user
        .arn
        .clone()
        .unwrap_or_else(|| format!("user/{}", user.user_name));
    let mut identity = Identity::new(
        Provider::Aws,
        IdentityKind::IamUser,
        &key,
        user.user_name.clone(),
        prov,
    );
    identity.account = account_of(&key).map(str::to_string);
    identity.created = user.create_date;
    if user.arn.is_none() {
        identity.external_id = None;
        identity
            .attributes
            .insert(UNRESOLVED_USER_NAME.into(), user.user_name.clone());
    }
    put(&mut identity.attributes, "path", &user.path);
    put(&mut identity.attributes, "user_id", &user.user_id);
    apply_tags(&mut identity, &user.tags);
    identity
}

fn role_identity(role: &RoleDetail, prov: Provenance) -> Identity {
    let key = role
        .arn
        .clone()
        .unwrap_or_else(|| format!("role/{}", role.role_name));
    let mut identity = Identity::new(
        Provider::Aws,
        IdentityKind::IamRole,
        &key,
        role.role_name.clone(),
        prov,
    );
    identity.account = account_of(&key).map(str::to_string);
    identity.created = role.create_date;
    identity.last_used = role.role_last_used.as_ref().and_then(|u| u.last_used_date);
    put(&mut identity.attributes, "path", &role.path);
    put(&mut identity.attributes, "role_id", &role.role_id);
    if role
        .path
        .as_deref()
        .is_some_and(|p| p.starts_with("/aws-service-role/"))
    {
        identity
            .attributes
            .insert("service_linked".into(), "true".into());
    }
    if let Some(trust) = &role.assume_role_policy_document {
        let principals = trust_principals(trust);
        if !principals.is_empty() {
            identity
                .attributes
                .insert("trust_principals".into(), principals.join(","));
        }
    }
    if let Some(boundary) = role
        .permissions_boundary
        .as_ref()
        .and_then(|b| b.permissions_boundary_arn.clone())
    {
        identity
            .attributes
            .insert("permissions_boundary".into(), boundary);
    }
    apply_tags(&mut identity, &role.tags);
    identity.status = LifecycleStatus::Active;
    identity
}

/// Tag keys that name an owner. Values that look like an email or a login become owners.
const OWNER_TAGS: &[&str] = &[
    "owner",
    "Owner",
    "OWNER",
    "owner-email",
    "OwnerEmail",
    "team-owner",
    "Contact",
    "contact",
    "CreatedBy",
    "created-by",
];

/// Tag keys that state an environment.
const ENVIRONMENT_TAGS: &[&str] = &["env", "Env", "environment", "Environment", "stage", "Stage"];

fn apply_tags(identity: &mut Identity, tags: &[Tag]) {
    for tag in tags {
        let value = tag.value.clone().unwrap_or_default();
        if OWNER_TAGS.contains(&tag.key.as_str()) && !value.trim().is_empty() {
            let owner = value.trim().to_string();
            if !identity.owners.contains(&owner) {
                identity.owners.push(owner);
            }
        }
        if ENVIRONMENT_TAGS.contains(&tag.key.as_str()) && !value.trim().is_empty() {
            identity.environment = Some(value.trim().to_lowercase());
        }
        identity.tags.insert(tag.key.clone(), value);
    }
}

fn owner_links(identity: &Identity, prov: &Provenance, batch: &mut InventoryBatch) {
    for owner in &identity.owners {
        batch.links.push(Link {
            from: person_id(owner),
            to: identity.id.clone(),
            kind: LinkKind::Owns,
            confidence: Confidence::High,
            evidence: format!("owner tag on {}", identity.name),
            provenance: Some(prov.clone()),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn policy_grants(
    holder: &str,
    attached: &[AttachedPolicy],
    inline: &[InlinePolicy],
    via: Option<&str>,
    prov: &Provenance,
    is_admin_managed: &dyn Fn(&str) -> bool,
    admin_via: &mut Vec<String>,
    batch: &mut InventoryBatch,
) {
    for policy in attached {
        if is_admin_managed(&policy.policy_arn) {
            admin_via.push(describe(via, &policy.policy_arn));
        }
        batch.grants.push(Grant {
            identity: holder.to_string(),
            kind: GrantKind::Policy,
            role: policy.policy_arn.clone(),
            scope: "*".into(),
            via: via.map(str::to_string),
            condition: None,
            provenance: prov.clone(),
        });
    }
    for policy in inline {
        let role = format!("inline:{}", policy.policy_name);
        if policy
            .policy_document
            .as_ref()
            .is_some_and(grants_everything)
        {
            admin_via.push(describe(via, &role));
        }
        batch.grants.push(Grant {
            identity: holder.to_string(),
            kind: GrantKind::Policy,
            role,
            scope: "*".into(),
            via: Some(via.unwrap_or("inline").to_string()),
            condition: None,
            provenance: prov.clone(),
        });
    }
}

fn describe(via: Option<&str>, policy: &str) -> String {
    match via {
        Some(via) => format!("{policy} via {via}"),
        None => policy.to_string(),
    }
}

/// Records a coarse privilege marker until the full policy engine (issue 4) replaces it:
/// an identity with an unconditional `Allow *` on `*` is an administrator.
fn mark_admin(identity: &mut Identity, admin_via: Vec<String>) {
    if !admin_via.is_empty() {
        identity
            .attributes
            .insert("privilege".into(), "admin".into());
        identity
            .attributes
            .insert("admin_via".into(), admin_via.join(", "));
    }
}

/// Whether a document allows every action on every resource without a condition.
pub fn grants_everything(doc: &PolicyDocument) -> bool {
    doc.statement.iter().any(|s| {
        s.effect == Effect::Allow
            && s.condition.is_none()
            && s.action
                .as_ref()
                .is_some_and(|a| a.iter().any(|a| a == "*"))
            && s.resource
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r == "*"))
    })
}

fn trust_principals(doc: &PolicyDocument) -> Vec<String> {
    let mut out = Vec::new();
    for statement in doc.statement.iter().filter(|s| s.effect == Effect::Allow) {
        match &statement.principal {
            Some(Principal::Any) => out.push("*".to_string()),
            Some(Principal::ByType(map)) => {
                for (kind, values) in map {
                    for value in values {
                        out.push(format!("{kind}:{value}"));
                    }
                }
            }
            None => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Who may assume a role, as links: AWS principals (users, roles) as `can_assume`, and
/// OIDC federation (GitHub Actions, EKS service accounts) as `federates` from the
/// workload identity the `sub` condition admits.
fn trust_links(
    role: &Identity,
    doc: &PolicyDocument,
    prov: &Provenance,
    batch: &mut InventoryBatch,
) {
    for statement in doc.statement.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(Principal::ByType(map)) = &statement.principal else {
            continue;
        };
        for arn in map.get("AWS").into_iter().flatten() {
            if arn.contains(":user/") || arn.contains(":role/") {
                batch.links.push(Link {
                    from: principal_id(arn),
                    to: role.id.clone(),
                    kind: LinkKind::CanAssume,
                    confidence: Confidence::High,
                    evidence: format!("trust policy of {} allows {arn}", role.name),
                    provenance: Some(prov.clone()),
                });
            }
        }
        for provider in map.get("Federated").into_iter().flatten() {
            let subjects = condition_values(statement.condition.as_ref(), ":sub");
            if provider.ends_with("token.actions.githubusercontent.com") {
                let subjects = if subjects.is_empty() {
                    vec!["*".to_string()]
                } else {
                    subjects
                };
                for sub in subjects {
                    batch.links.push(Link {
                        from: identity_id(Provider::Github, IdentityKind::Workload, &sub),
                        to: role.id.clone(),
                        kind: LinkKind::Federates,
                        confidence: Confidence::High,
                        evidence: format!(
                            "trust policy of {} admits GitHub OIDC subject `{sub}`",
                            role.name
                        ),
                        provenance: Some(prov.clone()),
                    });
                }
            } else if provider.contains("oidc.eks.") {
                for sub in subjects {
                    if let Some(rest) = sub.strip_prefix("system:serviceaccount:") {
                        let key = rest.replacen(':', "/", 1);
                        batch.links.push(Link {
                            from: identity_id(
                                Provider::Kubernetes,
                                IdentityKind::KubernetesServiceAccount,
                                &key,
                            ),
                            to: role.id.clone(),
                            kind: LinkKind::Federates,
                            confidence: Confidence::High,
                            evidence: format!(
                                "trust policy of {} admits EKS service account `{sub}`",
                                role.name
                            ),
                            provenance: Some(prov.clone()),
                        });
                    }
                }
            }
        }
    }
}

/// The values of every condition key ending in `suffix` (`…:sub`), under any operator.
fn condition_values(condition: Option<&Value>, suffix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(Value::Object(operators)) = condition else {
        return out;
    };
    for keys in operators.values() {
        let Value::Object(keys) = keys else { continue };
        for (key, value) in keys {
            if !key.ends_with(suffix) {
                continue;
            }
            match value {
                Value::String(s) => out.push(s.clone()),
                Value::Array(items) => {
                    out.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
                }
                _ => {}
            }
        }
    }
    out
}

fn map_credential_report(
    report: &CredentialReport,
    at: &dyn Fn(String) -> Provenance,
    batch: &mut InventoryBatch,
) {
    for row in &report.rows {
        let prov = at(format!("line {}", row.line));
        let Some(arn) = row.arn.clone() else { continue };
        let mut identity = Identity::new(
            Provider::Aws,
            IdentityKind::IamUser,
            &arn,
            if row.is_root {
                "<root_account>".to_string()
            } else {
                row.user.clone()
            },
            prov.clone(),
        );
        identity.account = account_of(&arn).map(str::to_string);
        identity.created = row.user_creation_time;
        identity.status = LifecycleStatus::Active;
        if row.is_root {
            identity.attributes.insert("root".into(), "true".into());
        }
        if let Some(enabled) = row.password_enabled {
            identity
                .attributes
                .insert("password_enabled".into(), enabled.to_string());
        }
        if let Some(mfa) = row.mfa_active {
            identity
                .attributes
                .insert("mfa_active".into(), mfa.to_string());
        }
        let mut last_used = row.password_last_used;
        for (slot, key) in [(1, &row.access_key_1), (2, &row.access_key_2)] {
            last_used = later(last_used, key.last_used_date);
            // A slot that was never filled has no rotation date and is not active.
            if key.active != Some(true) && key.last_rotated.is_none() {
                continue;
            }
            let mut cred = PlatformCredential::new(
                &identity.id,
                Provider::Aws,
                CredentialKind::AccessKey,
                &format!("{arn}#access_key_{slot}"),
                prov.clone(),
            );
            cred.external_id = None;
            cred.status = match key.active {
                Some(true) => LifecycleStatus::Active,
                Some(false) => LifecycleStatus::Inactive,
                None => LifecycleStatus::Unknown,
            };
            // The report's "last rotated" is when the key in the slot was created.
            cred.created = key.last_rotated;
            cred.last_rotated = key.last_rotated;
            cred.last_used = key.last_used_date;
            cred.attributes
                .insert("report_slot".into(), slot.to_string());
            put(
                &mut cred.attributes,
                "last_used_region",
                &key.last_used_region,
            );
            put(
                &mut cred.attributes,
                "last_used_service",
                &key.last_used_service,
            );
            batch.links.push(has_credential(
                &identity.id,
                &cred,
                "aws iam get-credential-report",
                prov.clone(),
            ));
            batch.credentials.push(cred);
        }
        for (slot, cert) in [(1, &row.cert_1), (2, &row.cert_2)] {
            if cert.active == Some(true) {
                identity
                    .attributes
                    .insert(format!("cert_{slot}_active"), "true".into());
            }
        }
        identity.last_used = last_used;
        batch.identities.push(identity);
    }
}

fn map_secret(secret: &SecretListEntry, prov: Provenance) -> PlatformCredential {
    let key = secret.arn.clone().unwrap_or_else(|| secret.name.clone());
    let mut cred =
        PlatformCredential::new("", Provider::Aws, CredentialKind::GenericSecret, &key, prov);
    cred.created = secret.created_date;
    cred.last_rotated = secret.last_rotated_date;
    cred.last_used = secret.last_accessed_date;
    cred.status = if secret.deleted_date.is_some() {
        LifecycleStatus::Deleted
    } else {
        LifecycleStatus::Active
    };
    cred.attributes
        .insert("secret_name".into(), secret.name.clone());
    cred.attributes.insert(
        "rotation_enabled".into(),
        secret.rotation_enabled.unwrap_or(false).to_string(),
    );
    if let Some(days) = secret
        .rotation_rules
        .as_ref()
        .and_then(|r| r.automatically_after_days)
    {
        cred.attributes
            .insert("rotation_days".into(), days.to_string());
    }
    put(
        &mut cred.attributes,
        "owning_service",
        &secret.owning_service,
    );
    put(&mut cred.attributes, "kms_key_id", &secret.kms_key_id);
    for tag in &secret.tags {
        if OWNER_TAGS.contains(&tag.key.as_str()) {
            put(&mut cred.attributes, "owner", &tag.value);
        }
        if ENVIRONMENT_TAGS.contains(&tag.key.as_str()) {
            put(&mut cred.attributes, "environment", &tag.value);
        }
    }
    cred
}

fn put(map: &mut BTreeMap<String, String>, key: &str, value: &Option<String>) {
    if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
        map.insert(key.to_string(), value.to_string());
    }
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
