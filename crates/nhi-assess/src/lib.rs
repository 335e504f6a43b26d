//! Findings an inventory shows by itself: the OWASP NHI Top 10 risks that the
//! correlated graph, the policy and the clock are enough to see.
//!
//! Discovery (`nhi scan`) finds secrets; this crate judges identities: an owner who
//! left, a leaked key that is still live, a key older than the policy allows, admin
//! rights, OIDC trust that admits any repository, one identity serving prod and
//! staging. Every finding names its rule, its OWASP risk, the evidence behind it, a
//! concrete fix and the compliance controls it bears on. Pure: the caller passes the
//! time, so tests (and reports) are reproducible.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use nhi_graph::Graph;
use nhi_model::{
    Confidence, Consumer, ConsumerKind, CredentialKind, CredentialValue, GrantKind, Identity,
    IdentityKind, LifecycleStatus, LinkKind, OwaspNhi, PlatformCredential, Provider, Severity,
};
use nhi_policy::Policy;
use serde::Serialize;

mod mcp;
mod privilege;
mod risk;

pub use privilege::{Tier, tier_of as privilege_tier_of};
pub use risk::{Risk, RiskFactor, score, tier_of};

/// One judged risk about an identity, a platform credential or a consumer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryFinding {
    /// Stable across runs: derived from the rule and the subject.
    pub id: String,
    pub rule: &'static str,
    pub title: String,
    pub severity: Severity,
    pub owasp: OwaspNhi,
    /// The identity ID, platform credential ID or consumer ID the finding is about.
    pub subject: String,
    pub subject_name: String,
    pub provider: Provider,
    pub evidence: Vec<String>,
    pub fix: String,
    /// Framework → control IDs (see `nhi_model::references`).
    pub references: BTreeMap<String, Vec<String>>,
}

/// Every rule this crate applies, for documentation and coverage checks:
/// (rule, OWASP risk, what it flags).
pub const RULES: &[(&str, OwaspNhi, &str)] = &[
    (
        "owner-offboarded",
        OwaspNhi::Nhi1,
        "an owner of the NHI has left",
    ),
    ("owner-missing", OwaspNhi::Nhi1, "no owner is known"),
    (
        "credential-unused",
        OwaspNhi::Nhi1,
        "an active key unused past the policy",
    ),
    (
        "departed-person-holds-credential",
        OwaspNhi::Nhi1,
        "a person who left still holds an active key",
    ),
    (
        "leaked-credential-is-live",
        OwaspNhi::Nhi2,
        "a secret found in code is a live platform key",
    ),
    (
        "third-party-app-broad-access",
        OwaspNhi::Nhi3,
        "a third-party app holds write or mail/file access",
    ),
    (
        "mcp-server-holds-secret",
        OwaspNhi::Nhi3,
        "an MCP server's config holds a literal secret",
    ),
    (
        "unvetted-mcp-server",
        OwaspNhi::Nhi3,
        "an MCP server that is not on the vetted list receives credentials",
    ),
    (
        "static-key-where-federation-exists",
        OwaspNhi::Nhi4,
        "a static cloud key in an account that already federates",
    ),
    (
        "legacy-credential-format",
        OwaspNhi::Nhi4,
        "a key of a legacy, broadly scoped format",
    ),
    (
        "client-secret-not-certificate",
        OwaspNhi::Nhi4,
        "an app authenticates with a client secret",
    ),
    (
        "admin-privilege",
        OwaspNhi::Nhi5,
        "administrator or owner rights",
    ),
    (
        "unused-granted-services",
        OwaspNhi::Nhi5,
        "granted services its activity never used",
    ),
    (
        "privilege-escalation",
        OwaspNhi::Nhi5,
        "can grant itself more privileges",
    ),
    (
        "static-cloud-key-in-ci",
        OwaspNhi::Nhi6,
        "a CI workflow authenticates with static cloud keys",
    ),
    (
        "oidc-trust-unrestricted",
        OwaspNhi::Nhi6,
        "a role trusts GitHub OIDC without a subject restriction",
    ),
    (
        "workload-identity-provider-unrestricted",
        OwaspNhi::Nhi6,
        "a workload identity provider admits tokens without an attribute condition",
    ),
    (
        "rotation-not-configured",
        OwaspNhi::Nhi7,
        "a stored secret has no automatic rotation",
    ),
    (
        "credential-too-old",
        OwaspNhi::Nhi7,
        "a key older than the policy allows",
    ),
    (
        "credential-never-expires",
        OwaspNhi::Nhi7,
        "a key without an end date",
    ),
    (
        "multiple-active-keys",
        OwaspNhi::Nhi7,
        "more than one active access key",
    ),
    (
        "environment-mixing",
        OwaspNhi::Nhi8,
        "one credential or identity across prod and non-prod",
    ),
    (
        "identity-reuse",
        OwaspNhi::Nhi9,
        "one NHI shared by several workloads or files",
    ),
    (
        "human-use-of-nhi",
        OwaspNhi::Nhi10,
        "a console password beside access keys",
    ),
];

/// What activity logs showed an identity doing (from `nhi monitor`'s baselines), keyed
/// by the identity's external ID (an ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedActivity {
    /// Service names as the logs give them (CloudTrail `eventSource` without
    /// `.amazonaws.com`), which for AWS are the IAM service prefixes.
    pub services: BTreeSet<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// Observation shorter than this says too little about what an identity never uses.
pub const MIN_OBSERVED_DAYS: i64 = 14;

/// Judges the graph against the policy at `now`. Findings come sorted by severity
/// (worst first), then rule and subject.
pub fn assess(graph: &Graph, policy: &Policy, now: Timestamp) -> Vec<InventoryFinding> {
    assess_with_activity(graph, policy, now, &BTreeMap::new())
}

/// [`assess`], also comparing what each identity is granted with what its activity
/// showed (`unused-granted-services`).
pub fn assess_with_activity(
    graph: &Graph,
    policy: &Policy,
    now: Timestamp,
    activity: &BTreeMap<String, ObservedActivity>,
) -> Vec<InventoryFinding> {
    let mut out = Findings::default();
    let inventory = &graph.inventory;
    let identities = &inventory.identities;

    for identity in identities.values() {
        if identity.attributes.contains_key("stub") {
            continue;
        }
        if let Some(seen) = identity.external_id.as_ref().and_then(|e| activity.get(e)) {
            unused_granted_services(identity, seen, &mut out);
        }
        owners(identity, policy, &mut out);
        privilege(identity, graph, &mut out);
        human_use(identity, graph, &mut out);
    }
    for credential in inventory.credentials.values() {
        let holder = identities.get(&credential.identity);
        credential_lifecycle(credential, holder, policy, now, &mut out);
    }
    multiple_active_keys(graph, &mut out);
    legacy_formats(graph, &mut out);
    leaked_live(graph, &mut out);
    federation(graph, &mut out);
    consumers(graph, policy, &mut out);
    for reuse in &graph.reuse {
        let (rule, owasp, severity, fix) = if reuse.kind == "environment_mixing" {
            (
                "environment-mixing",
                OwaspNhi::Nhi8,
                Severity::High,
                "Give each environment its own identity and credential; a non-production identity must not reach production (remove the trust, split the key).",
            )
        } else {
            (
                "identity-reuse",
                OwaspNhi::Nhi9,
                Severity::Medium,
                "Issue one identity per workload so that access, rotation and revocation can be scoped to one consumer.",
            )
        };
        let code = graph.code.values().find(|c| c.id.as_str() == reuse.subject);
        let name = identities
            .get(&reuse.subject)
            .map(|i| i.name.clone())
            .or_else(|| code.map(|c| format!("{} {}", c.provider, c.preview)))
            .unwrap_or_else(|| reuse.subject.clone());
        let provider = identities
            .get(&reuse.subject)
            .map(|i| i.provider)
            .or_else(|| {
                graph
                    .code
                    .values()
                    .find(|c| c.id.as_str() == reuse.subject)
                    .map(|c| c.provider)
            })
            .unwrap_or(Provider::Generic);
        let mut evidence = vec![reuse.evidence.clone()];
        evidence.extend(reuse.places.iter().map(|p| format!("seen at {p}")));
        out.push(
            rule,
            owasp,
            severity,
            &reuse.subject,
            &name,
            provider,
            evidence,
            fix,
        );
    }
    out.finish()
}

#[derive(Default)]
struct Findings(Vec<InventoryFinding>);

impl Findings {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        owasp: OwaspNhi,
        severity: Severity,
        subject: &str,
        subject_name: &str,
        provider: Provider,
        evidence: Vec<String>,
        fix: &str,
    ) {
        let title = RULES
            .iter()
            .find(|(r, _, _)| *r == rule)
            .map(|(_, _, t)| format!("{subject_name}: {t}"))
            .unwrap_or_else(|| format!("{subject_name}: {rule}"));
        self.0.push(InventoryFinding {
            id: finding_id(rule, subject),
            rule,
            title,
            severity,
            owasp,
            subject: subject.to_string(),
            subject_name: subject_name.to_string(),
            provider,
            evidence,
            fix: fix.to_string(),
            references: nhi_model::reference_ids(owasp),
        });
    }

    fn finish(mut self) -> Vec<InventoryFinding> {
        self.0.sort_by(|a, b| {
            (b.severity, a.rule, &a.subject).cmp(&(a.severity, b.rule, &b.subject))
        });
        self.0.dedup_by(|a, b| a.id == b.id);
        self.0
    }
}

/// `NHI-I-` and 16 hex digits of FNV-1a over rule and subject: stable, short, and
/// distinct from discovery findings' `NHI-` IDs.
fn finding_id(rule: &str, subject: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in rule.bytes().chain([0]).chain(subject.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("NHI-I-{hash:016x}")
}

/// NHI5: services an identity may call but was not seen calling over a long enough
/// observation: permissions to remove.
fn unused_granted_services(identity: &Identity, seen: &ObservedActivity, out: &mut Findings) {
    let Some(granted) = identity.attributes.get("granted_services") else {
        return;
    };
    let days = days_between(seen.first_seen, seen.last_seen);
    if days < MIN_OBSERVED_DAYS {
        return;
    }
    let granted: BTreeSet<&str> = granted.split(',').filter(|s| !s.is_empty()).collect();
    // STS is how roles are entered, not a permission to right-size.
    let unused: Vec<&str> = granted
        .iter()
        .copied()
        .filter(|s| *s != "sts" && !seen.services.contains(*s))
        .collect();
    if unused.is_empty() {
        return;
    }
    let used: Vec<&str> = granted
        .iter()
        .copied()
        .filter(|s| seen.services.contains(*s))
        .collect();
    let mut shown: Vec<&str> = unused.iter().copied().take(12).collect();
    if unused.len() > shown.len() {
        shown.push("…");
    }
    out.push(
        "unused-granted-services",
        OwaspNhi::Nhi5,
        if unused.len() * 2 >= granted.len() {
            Severity::Medium
        } else {
            Severity::Low
        },
        &identity.id,
        &identity.name,
        identity.provider,
        vec![
            format!(
                "granted {} services; activity logs over {days} days ({} to {}) show it using {}",
                granted.len(),
                seen.first_seen.strftime("%Y-%m-%d"),
                seen.last_seen.strftime("%Y-%m-%d"),
                if used.is_empty() {
                    "none of them".to_string()
                } else {
                    used.join(", ")
                }
            ),
            format!("never used: {}", shown.join(", ")),
        ],
        "Remove the unused services from its policies (IAM Access Analyzer can generate a policy from the same CloudTrail), keeping what the activity shows.",
    );
}

fn days_between(earlier: Timestamp, now: Timestamp) -> i64 {
    (now.as_second() - earlier.as_second()) / 86_400
}

/// Machine identities an owner can be asked for: not people, not workloads (they run
/// as an identity), and not the placeholders for principals no export described (a
/// Kubernetes group, an unknown role); secrets found only in code are included.
fn is_nhi(identity: &Identity) -> bool {
    match identity.kind {
        IdentityKind::Human | IdentityKind::Workload | IdentityKind::FederationProvider => false,
        IdentityKind::Unknown => identity.attributes.contains_key("shadow"),
        _ => true,
    }
}

fn owners(identity: &Identity, policy: &Policy, out: &mut Findings) {
    if let Some(gone) = identity.attributes.get("owners_offboarded") {
        out.push(
            "owner-offboarded",
            OwaspNhi::Nhi1,
            Severity::High,
            &identity.id,
            &identity.name,
            identity.provider,
            vec![
                format!("owners: {}", identity.owners.join(", ")),
                format!("{gone} has left (people export)"),
            ],
            "Assign a current owner. Rotate every credential the leaver could have seen; if nobody claims the NHI, disable it and decommission it after a grace period.",
        );
    }
    let platform_managed = identity.attributes.contains_key("google_managed")
        || identity
            .attributes
            .get("microsoft_first_party")
            .map(String::as_str)
            == Some("true")
        || identity.attributes.contains_key("root");
    if policy.owners.required
        && is_nhi(identity)
        && identity.owners.is_empty()
        && identity.status.is_live()
        && !platform_managed
    {
        out.push(
            "owner-missing",
            OwaspNhi::Nhi1,
            Severity::Medium,
            &identity.id,
            &identity.name,
            identity.provider,
            vec!["no owner tag, creator, CODEOWNERS entry or commit author names an owner".into()],
            "Tag the identity with its owner (an `owner` tag, annotation or CODEOWNERS line) so it has someone to answer for it.",
        );
    }
}

fn privilege(identity: &Identity, graph: &Graph, out: &mut Findings) {
    let Some((tier, reasons)) = privilege::tier_of(identity, graph) else {
        return;
    };
    match tier {
        privilege::Tier::Admin => out.push(
            "admin-privilege",
            OwaspNhi::Nhi5,
            Severity::High,
            &identity.id,
            &identity.name,
            identity.provider,
            reasons,
            "Replace administrator rights with a policy of the actions the workload uses (AWS: generate one from CloudTrail with IAM Access Analyzer; GCP: a predefined role; Azure: a scoped built-in role; Kubernetes: a namespaced Role).",
        ),
        privilege::Tier::PermissionsManagement => {
            let mut lines = reasons;
            if let Some(techniques) = identity.attributes.get("escalations") {
                lines.push(format!("escalation techniques: {techniques}"));
                lines.extend(
                    identity
                        .attributes
                        .get("escalation_evidence")
                        .into_iter()
                        .flat_map(|e| e.split(" | ").take(5).map(str::to_string)),
                );
            }
            out.push(
                "privilege-escalation",
                OwaspNhi::Nhi5,
                Severity::High,
                &identity.id,
                &identity.name,
                identity.provider,
                lines,
                "Remove the permissions-management rights (IAM changes, role assignment, token creation, RBAC escalate/bind/impersonate, pods/exec); scope iam:PassRole or actAs to the exact roles the workload must pass.",
            );
        }
        _ => {}
    }
}

fn human_use(identity: &Identity, graph: &Graph, out: &mut Findings) {
    if identity.kind != IdentityKind::IamUser
        || identity
            .attributes
            .get("password_enabled")
            .map(String::as_str)
            != Some("true")
        || identity.attributes.contains_key("root")
    {
        return;
    }
    let active_keys = graph
        .credentials_of(&identity.id)
        .filter(|c| c.kind == CredentialKind::AccessKey && c.status == LifecycleStatus::Active)
        .count();
    if active_keys > 0 {
        out.push(
            "human-use-of-nhi",
            OwaspNhi::Nhi10,
            Severity::Medium,
            &identity.id,
            &identity.name,
            identity.provider,
            vec![format!(
                "console password enabled and {active_keys} active access key(s): a person signs in as this identity and software uses its keys"
            )],
            "Split it: people sign in through the identity provider (SSO) with their own identity; the workload keeps a separate identity, ideally a role.",
        );
    }
}

fn credential_lifecycle(
    credential: &PlatformCredential,
    holder: Option<&Identity>,
    policy: &Policy,
    now: Timestamp,
    out: &mut Findings,
) {
    if credential.status != LifecycleStatus::Active {
        return;
    }
    let name = credential
        .external_id
        .clone()
        .unwrap_or_else(|| credential.id.clone());
    let label = match holder {
        Some(h) => format!("{}'s {} {name}", h.name, credential.kind),
        // A secret in a secret manager has no holder identity of its own.
        None => format!("{} {name}", credential.kind),
    };

    if let Some(holder) = holder
        && holder.kind == IdentityKind::Human
        && !holder.status.is_live()
    {
        out.push(
            "departed-person-holds-credential",
            OwaspNhi::Nhi1,
            Severity::High,
            &credential.id,
            &label,
            credential.provider,
            vec![format!(
                "{} is {} but the {} is active{}",
                holder.name,
                holder.status,
                credential.kind,
                credential
                    .last_used
                    .map(|t| format!(", last used {}", t.strftime("%Y-%m-%d")))
                    .unwrap_or_default()
            )],
            "Revoke the key now; if a workload depends on it, issue that workload its own identity first.",
        );
    }

    let unused_after = i64::from(policy.thresholds.unused_after_days);
    let never_used = credential.attributes.get("never_used").map(String::as_str) == Some("true");
    match (credential.last_used, credential.created) {
        (Some(last), _) if days_between(last, now) > unused_after => out.push(
            "credential-unused",
            OwaspNhi::Nhi1,
            Severity::Medium,
            &credential.id,
            &label,
            credential.provider,
            vec![format!(
                "last used {} ({} days ago; the policy allows {unused_after})",
                last.strftime("%Y-%m-%d"),
                days_between(last, now)
            )],
            "Deactivate the key; delete it after a grace period if nothing breaks.",
        ),
        (None, Some(created)) if never_used && days_between(created, now) > unused_after => out
            .push(
                "credential-unused",
                OwaspNhi::Nhi1,
                Severity::Medium,
                &credential.id,
                &label,
                credential.provider,
                vec![format!(
                    "never used since it was created on {}",
                    created.strftime("%Y-%m-%d")
                )],
                "Delete the key: nothing has used it.",
            ),
        _ => {}
    }

    // Age counts from the last rotation where the platform reports one.
    if let Some(born) = credential.last_rotated.or(credential.created) {
        // The policy's age limits are by tier: admins are critical, identities that can
        // manage permissions (escalate) high, the rest default.
        let privilege = holder.and_then(|h| {
            h.attributes
                .get("privilege")
                .or_else(|| h.attributes.get("privilege_tier"))
                .map(String::as_str)
        });
        let tier = match privilege {
            Some("admin") => "critical",
            Some("permissions_management") => "high",
            _ => "default",
        };
        let limit = i64::from(policy.thresholds.key_age_days_for(tier));
        let age = days_between(born, now);
        if age > limit {
            out.push(
                "credential-too-old",
                OwaspNhi::Nhi7,
                if age > 2 * limit {
                    Severity::High
                } else {
                    Severity::Medium
                },
                &credential.id,
                &label,
                credential.provider,
                vec![format!(
                    "{age} days since {} on {}; the policy allows {limit} days for a {tier}-tier NHI",
                    if credential.last_rotated.is_some() {
                        "rotation"
                    } else {
                        "creation"
                    },
                    born.strftime("%Y-%m-%d")
                )],
                "Rotate it (create the new key, deploy it, then deactivate the old one) or, better, replace it with short-lived credentials: an IAM role, workload identity federation or OIDC.",
            );
        }
    }
    // A stored secret without automatic rotation is rotated only when someone remembers.
    // A secret a service owns (RDS, Redshift…) is rotated by that service.
    if credential
        .attributes
        .get("rotation_enabled")
        .map(String::as_str)
        == Some("false")
        && !credential.attributes.contains_key("owning_service")
    {
        let changed = credential
            .attributes
            .get("last_changed")
            .map(|d| format!("; last changed {d}"))
            .unwrap_or_default();
        out.push(
            "rotation-not-configured",
            OwaspNhi::Nhi7,
            Severity::Low,
            &credential.id,
            &label,
            credential.provider,
            vec![format!(
                "the secret manager reports no automatic rotation{changed}"
            )],
            "Turn on rotation (Secrets Manager: `aws secretsmanager rotate-secret --secret-id ID --rotation-rules AutomaticallyAfterDays=30` with a rotation function), or replace the stored credential with one issued per session.",
        );
    }
    let no_expiry = credential.attributes.get("no_expiry").map(String::as_str) == Some("true");
    if no_expiry {
        out.push(
            "credential-never-expires",
            OwaspNhi::Nhi7,
            Severity::Low,
            &credential.id,
            &label,
            credential.provider,
            vec!["the platform lists no end date".into()],
            "Give the credential an expiry (GCP: disable user-managed keys or set iam.serviceAccountKeyExpiryHours; GitHub: a PAT lifetime policy) and rotate before it.",
        );
    }
}

/// Key formats their providers have replaced with narrower ones, recognised by the
/// prefix the redacted preview keeps.
fn legacy_formats(graph: &Graph, out: &mut Findings) {
    for credential in graph.code.values() {
        let preview = credential.preview.as_str();
        let (why, fix) = if preview.starts_with("ghp_") {
            (
                "a classic GitHub personal access token: scopes span every repository the user can reach, and it need not expire",
                "Replace it with a fine-grained PAT limited to the repositories and permissions needed, with an expiry, or with a GitHub App installation token.",
            )
        } else if credential.provider == Provider::Openai
            && preview.starts_with("sk-")
            && !["sk-proj-", "sk-svcacct-", "sk-admin-"]
                .iter()
                .any(|p| preview.starts_with(p))
        {
            (
                "a legacy OpenAI user key: not scoped to a project, it carries its user's access to every project",
                "Replace it with a project key owned by a service account, restricted to the endpoints the workload calls.",
            )
        } else {
            continue;
        };
        let place = credential
            .sightings
            .first()
            .map(|s| format!(" in {}:{}", s.path, s.line))
            .unwrap_or_default();
        out.push(
            "legacy-credential-format",
            OwaspNhi::Nhi4,
            Severity::Medium,
            credential.id.as_str(),
            &format!("{} {}", credential.provider, credential.preview),
            credential.provider,
            vec![format!("{why}{place}")],
            fix,
        );
    }
}

fn multiple_active_keys(graph: &Graph, out: &mut Findings) {
    let mut active: BTreeMap<&str, Vec<&PlatformCredential>> = BTreeMap::new();
    for credential in graph.inventory.credentials.values() {
        if credential.kind == CredentialKind::AccessKey
            && credential.status == LifecycleStatus::Active
        {
            active
                .entry(&credential.identity)
                .or_default()
                .push(credential);
        }
    }
    for (holder, keys) in active.into_iter().filter(|(_, k)| k.len() > 1) {
        let Some(identity) = graph.inventory.identities.get(holder) else {
            continue;
        };
        out.push(
            "multiple-active-keys",
            OwaspNhi::Nhi7,
            Severity::Low,
            &identity.id,
            &identity.name,
            identity.provider,
            keys.iter()
                .map(|k| {
                    format!(
                        "active: {}",
                        k.external_id.as_deref().unwrap_or(k.id.as_str())
                    )
                })
                .collect(),
            "Keep one active key; a second should exist only during a rotation.",
        );
    }
}

fn leaked_live(graph: &Graph, out: &mut Findings) {
    let code_by_id: std::collections::HashMap<&str, &nhi_model::Credential> =
        graph.code.values().map(|c| (c.id.as_str(), c)).collect();
    for link in graph
        .inventory
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::SameAs)
    {
        let Some(platform) = graph.inventory.credentials.get(&link.to) else {
            continue;
        };
        if !platform.status.is_live() {
            continue;
        }
        let Some(code) = code_by_id.get(link.from.as_str()) else {
            continue;
        };
        let holder = graph.inventory.identities.get(&platform.identity);
        let severity = match link.confidence {
            Confidence::High => Severity::Critical,
            Confidence::Medium => Severity::High,
            Confidence::Low => Severity::Medium,
        };
        let mut evidence = vec![format!(
            "{} ({} confidence)",
            link.evidence, link.confidence
        )];
        evidence.extend(code.sightings.iter().map(|s| match &s.commit {
            Some(commit) => format!("in {}:{} (history, {commit})", s.path, s.line),
            None => format!("in {}:{}", s.path, s.line),
        }));
        evidence.push(format!("platform status: {}", platform.status));
        out.push(
            "leaked-credential-is-live",
            OwaspNhi::Nhi2,
            severity,
            &platform.id,
            &format!(
                "{}'s {} {}",
                holder.map(|h| h.name.as_str()).unwrap_or("?"),
                platform.kind,
                platform.external_id.as_deref().unwrap_or(&platform.id)
            ),
            platform.provider,
            evidence,
            "Rotate the key now (it is live), then remove it from every file and from history, and load it from a secret manager or replace it with federation.",
        );
    }
}

/// Issuers that sign tokens for every customer's workloads: without a condition, a
/// provider trusting one admits strangers.
const MULTI_TENANT_ISSUERS: &[&str] = &[
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
    "https://app.terraform.io",
];

/// Claims that tie a GitHub or GitLab token to one organisation, repository or subject.
const OWNER_CLAIMS: &[&str] = &[
    "repository_owner",
    "repository_owner_id",
    "repository",
    "repository_id",
    "namespace_path",
    "namespace_id",
    "project_path",
    "project_id",
    "terraform_organization",
    "sub",
    "google.subject",
];

/// NHI6 for GCP workload identity federation: a provider's attribute condition is the
/// only thing between the issuer's whole user base and the pool.
fn workload_identity_providers(graph: &Graph, out: &mut Findings) {
    for provider in graph.inventory.identities.values().filter(|i| {
        i.kind == IdentityKind::FederationProvider && i.status == LifecycleStatus::Active
    }) {
        let attribute = |key: &str| provider.attributes.get(key).map(String::as_str);
        let issuer = attribute("issuer").unwrap_or("");
        let condition = attribute("attribute_condition").unwrap_or("").trim();
        let multi_tenant = MULTI_TENANT_ISSUERS
            .iter()
            .any(|m| issuer.trim_end_matches('/') == *m);
        let (severity, evidence) = if condition.is_empty() {
            let who = if multi_tenant {
                format!("any workload that {issuer} issues tokens for, in any organisation")
            } else if let Some(account) = issuer.strip_prefix("aws:") {
                format!("every role and user of AWS account {account}")
            } else {
                format!("every identity {issuer} vouches for")
            };
            (
                if multi_tenant {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!("no attribute condition: the pool admits {who}"),
            )
        } else if multi_tenant && !OWNER_CLAIMS.iter().any(|c| condition.contains(c)) {
            (
                Severity::Medium,
                format!(
                    "the attribute condition `{condition}` does not restrict the repository, \
                     owner or subject"
                ),
            )
        } else {
            continue;
        };
        let mut evidence = vec![evidence];
        if let Some(mapping) = attribute("attribute_mapping") {
            evidence.push(format!("attribute mapping: {mapping}"));
        }
        out.push(
            "workload-identity-provider-unrestricted",
            OwaspNhi::Nhi6,
            severity,
            &provider.id,
            &provider.name,
            provider.provider,
            evidence,
            "Set an attribute condition naming your organisation and repositories (`assertion.repository_owner_id == 'ID' && assertion.repository == 'ORG/REPO'`), or the AWS roles allowed, with `gcloud iam workload-identity-pools providers update-oidc --attribute-condition=…`; grant roles/iam.workloadIdentityUser only to principalSet members of those attributes.",
        );
    }
}

fn federation(graph: &Graph, out: &mut Findings) {
    workload_identity_providers(graph, out);
    let identities = &graph.inventory.identities;
    let mut federating_accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for link in graph
        .inventory
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::Federates)
    {
        let Some(role) = identities.get(&link.to) else {
            continue;
        };
        if let Some(account) = &role.account {
            federating_accounts
                .entry(account.clone())
                .or_default()
                .insert(role.name.clone());
        }
        // `github:workload:<sub>`: the subject a role admits.
        if let Some(subject) = link.from.strip_prefix("github:workload:") {
            let any = subject == "*";
            if any || subject.contains('*') {
                out.push(
                    "oidc-trust-unrestricted",
                    OwaspNhi::Nhi6,
                    if any {
                        Severity::Critical
                    } else {
                        Severity::Medium
                    },
                    &role.id,
                    &role.name,
                    role.provider,
                    vec![if any {
                        format!("{}: no `sub` condition, so any GitHub repository's workflow can assume it", link.evidence)
                    } else {
                        format!("{}: a wildcard subject admits more than one repository or branch", link.evidence)
                    }],
                    "Add a `token.actions.githubusercontent.com:sub` condition naming the exact repository and branch or environment (`repo:ORG/REPO:environment:production`) and an `aud` condition of `sts.amazonaws.com`.",
                );
            }
        }
    }
    for identity in identities
        .values()
        .filter(|i| i.kind == IdentityKind::IamUser && !i.attributes.contains_key("root"))
    {
        let Some(roles) = identity
            .account
            .as_ref()
            .and_then(|a| federating_accounts.get(a))
        else {
            continue;
        };
        let keys: Vec<&PlatformCredential> = graph
            .credentials_of(&identity.id)
            .filter(|c| c.kind == CredentialKind::AccessKey && c.status == LifecycleStatus::Active)
            .collect();
        if keys.is_empty() {
            continue;
        }
        out.push(
            "static-key-where-federation-exists",
            OwaspNhi::Nhi4,
            Severity::Medium,
            &identity.id,
            &identity.name,
            identity.provider,
            vec![format!(
                "{} active access key(s), while account {} already federates into {}",
                keys.len(),
                identity.account.as_deref().unwrap_or("?"),
                {
                    // Name a few; an account may federate into thousands of roles.
                    let mut named: Vec<String> = roles.iter().take(3).cloned().collect();
                    if roles.len() > 3 {
                        named.push(format!("{} more roles", roles.len() - 3));
                    }
                    named.join(", ")
                }
            )],
            "Move the workload to a role assumed through OIDC or workload identity federation, as the account's other workloads do, and delete the keys.",
        );
    }
    for credential in graph.inventory.credentials.values() {
        if credential.provider == Provider::Azure
            && credential.kind == CredentialKind::ClientSecret
            && credential.status == LifecycleStatus::Active
        {
            let app = identities.get(&credential.identity);
            out.push(
                "client-secret-not-certificate",
                OwaspNhi::Nhi4,
                Severity::Low,
                &credential.id,
                &format!(
                    "{}'s client secret {}",
                    app.map(|a| a.name.as_str()).unwrap_or("?"),
                    credential.external_id.as_deref().unwrap_or(&credential.id)
                ),
                credential.provider,
                vec!["the application authenticates with a shared secret".into()],
                "Use a federated identity credential (workload identity federation) or a certificate instead of a client secret.",
            );
        }
    }
}

/// NHI3: third-party MCP code that the organisation has not reviewed runs with the
/// credentials the configuration hands it (by value or by reference: either way the
/// server process holds the secret).
fn unvetted_mcp_server(consumer: &Consumer, place: &str, policy: &Policy, out: &mut Findings) {
    if consumer.attributes.get("disabled").map(String::as_str) == Some("true") {
        return;
    }
    let carriers: Vec<&str> = consumer
        .credentials
        .iter()
        .filter(|c| {
            matches!(
                c.value,
                CredentialValue::Literal { .. } | CredentialValue::Reference { .. }
            )
        })
        .map(|c| c.carrier.as_str())
        .collect();
    if carriers.is_empty() {
        return;
    }
    let Some(launch) = mcp::launch_of(consumer) else {
        return;
    };
    if policy.mcp.is_vetted(&launch.source) {
        return;
    }
    let mut evidence = vec![format!(
        "{place}: `{}` runs {} `{}`{}",
        consumer.name,
        match launch.how {
            "remote" => "the remote server",
            "mcp-remote" => "(through the mcp-remote proxy) the remote server",
            "docker" => "the image",
            _ => "the package",
        },
        launch.source,
        match (launch.how, launch.pinned) {
            ("remote", _) => "",
            ("docker", false) => " without a digest",
            (_, false) => " without a pinned version",
            (_, true) => "",
        }
    )];
    evidence.push(format!("it receives {}", carriers.join(", ")));
    evidence.push("it is not in `[mcp] vetted` of the policy".into());
    if launch.cleartext {
        evidence.push("credentials travel over plain HTTP".into());
    }
    let severity = if launch.cleartext || (!launch.pinned && launch.how != "remote") {
        Severity::High
    } else {
        Severity::Medium
    };
    out.push(
        "unvetted-mcp-server",
        OwaspNhi::Nhi3,
        severity,
        &consumer.id,
        &consumer.name,
        Provider::Generic,
        evidence,
        "Review the server's publisher and code, pin the reviewed version (npx pkg@x.y.z, uvx pkg==x.y.z, image@sha256:…), add it to `[mcp] vetted` in nhi.toml, and give it a token scoped to what it needs.",
    );
}

fn consumers(graph: &Graph, policy: &Policy, out: &mut Findings) {
    for consumer in &graph.consumers {
        let place = format!("{}:{}", consumer.path, consumer.line);
        if consumer.kind == ConsumerKind::Workflow
            && consumer.attributes.get("cloud_auth").map(String::as_str) == Some("static_keys")
        {
            out.push(
                "static-cloud-key-in-ci",
                OwaspNhi::Nhi6,
                Severity::High,
                &consumer.id,
                &consumer.name,
                Provider::Github,
                vec![format!(
                    "{place}: authenticates to {} with static keys from {}",
                    consumer
                        .attributes
                        .get("cloud_providers")
                        .map(String::as_str)
                        .unwrap_or("the cloud"),
                    consumer
                        .credentials
                        .iter()
                        .map(|c| c.carrier.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
                "Use OIDC: grant the workflow `id-token: write`, create a role whose trust policy admits this repository's subject, use aws-actions/configure-aws-credentials with role-to-assume, then delete the static key and its secrets.",
            );
        }
        if consumer.kind == ConsumerKind::McpServer {
            unvetted_mcp_server(consumer, &place, policy, out);
        }
        if consumer.kind == ConsumerKind::McpServer && consumer.has_literal_secret() {
            out.push(
                "mcp-server-holds-secret",
                OwaspNhi::Nhi3,
                Severity::High,
                &consumer.id,
                &consumer.name,
                Provider::Generic,
                vec![format!(
                    "{place}: the MCP server `{}` gets a literal secret{}",
                    consumer.name,
                    consumer
                        .endpoint
                        .as_ref()
                        .map(|e| format!(" and runs `{e}`"))
                        .unwrap_or_default()
                )],
                "Pass the secret by reference (`${env:VAR}` or the client's input prompt), scope it to what the server needs, and pin the server package to a reviewed version.",
            );
        }
    }
    // Third-party apps with write, mail or file access.
    for identity in graph.inventory.identities.values() {
        let third_party = (identity.provider == Provider::Azure
            && identity
                .attributes
                .contains_key("app_owner_organization_id")
            && identity
                .attributes
                .get("microsoft_first_party")
                .map(String::as_str)
                != Some("true"))
            || identity.kind == IdentityKind::GithubApp;
        if !third_party {
            continue;
        }
        let broad: Vec<String> = graph
            .grants_of(&identity.id)
            .filter(|g| {
                matches!(g.kind, GrantKind::AppPermission | GrantKind::OauthScope)
                    || identity.kind == IdentityKind::GithubApp
            })
            .filter(|g| {
                let role = g.role.to_ascii_lowercase();
                role.contains("write") || role.starts_with("mail.") || role.starts_with("files.")
            })
            .map(|g| format!("{} {} on {}", g.kind, g.role, g.scope))
            .collect();
        if !broad.is_empty() {
            out.push(
                "third-party-app-broad-access",
                OwaspNhi::Nhi3,
                Severity::High,
                &identity.id,
                &identity.name,
                identity.provider,
                broad,
                "Review the vendor and the grant; reduce it to read-only or selected resources, or revoke consent if the integration is unused.",
            );
        }
    }
}

#[cfg(test)]
mod tests;
