//! A 0-100 risk score per identity that prints its own arithmetic.
//!
//! Score = likelihood points (how exposed: leaked, old, unowned, shared, reachable by
//! an AI agent) + impact points (what it can do: admin rights, production, sensitive
//! accounts), capped at 100. Every point comes from a named factor with the reason, so
//! "why is this 85?" has an answer that a reviewer can check and argue with. The
//! weights are deliberately simple integers, kept in one table below.

use std::collections::BTreeMap;

use nhi_graph::Graph;
use nhi_model::{ConsumerKind, LinkKind};
use nhi_policy::Policy;
use serde::Serialize;

use crate::InventoryFinding;

/// One contribution to a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskFactor {
    /// `likelihood` or `impact`.
    pub kind: &'static str,
    pub name: String,
    pub points: u32,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub score: u32,
    /// `critical` (70+), `high` (45+), `medium` (20+) or `low`.
    pub tier: &'static str,
    /// `admin`, `permissions_management`, `data_write`, `data_read`, `list_only` or
    /// `none` where effective permissions were evaluated (AWS), `admin` where a grant
    /// says so, else `unassessed`.
    pub privilege_tier: String,
    pub factors: Vec<RiskFactor>,
}

/// Likelihood points per finding rule.
const RULE_POINTS: &[(&str, u32)] = &[
    ("leaked-credential-is-live", 35),
    ("oidc-trust-unrestricted", 25),
    ("departed-person-holds-credential", 20),
    ("owner-offboarded", 15),
    ("third-party-app-broad-access", 15),
    ("credential-too-old", 10),
    ("environment-mixing", 10),
    ("human-use-of-nhi", 10),
    ("owner-missing", 5),
    ("credential-unused", 5),
    ("credential-never-expires", 5),
    ("static-key-where-federation-exists", 5),
    ("identity-reuse", 5),
    ("multiple-active-keys", 3),
    ("client-secret-not-certificate", 3),
];

const ADMIN_POINTS: u32 = 25;
const ESCALATION_POINTS: u32 = 20;
const DATA_WRITE_POINTS: u32 = 10;
const DATA_READ_POINTS: u32 = 5;
const SENSITIVE_DATA_POINTS: u32 = 5;
const PRODUCTION_POINTS: u32 = 10;
const SENSITIVE_ACCOUNT_POINTS: u32 = 10;
const AI_AGENT_POINTS: u32 = 10;

pub fn tier_of(score: u32) -> &'static str {
    match score {
        70.. => "critical",
        45.. => "high",
        20.. => "medium",
        _ => "low",
    }
}

/// Scores every identity that is not a person or a stub.
pub fn score(
    graph: &Graph,
    findings: &[InventoryFinding],
    policy: &Policy,
) -> BTreeMap<String, Risk> {
    let inventory = &graph.inventory;
    // Findings about a credential count against the identity that holds it; findings
    // about a code credential against the identity it was matched to.
    let holder_of = |subject: &str| -> Option<String> {
        if inventory.identities.contains_key(subject) {
            return Some(subject.to_string());
        }
        if let Some(credential) = inventory.credentials.get(subject) {
            return Some(credential.identity.clone());
        }
        graph.identity_of_code(subject).map(|i| i.id.clone())
    };
    let mut factors: BTreeMap<String, Vec<RiskFactor>> = BTreeMap::new();
    for finding in findings {
        let Some(points) = RULE_POINTS
            .iter()
            .find(|(rule, _)| *rule == finding.rule)
            .map(|(_, p)| *p)
        else {
            continue;
        };
        let Some(holder) = holder_of(&finding.subject) else {
            continue;
        };
        factors.entry(holder).or_default().push(RiskFactor {
            kind: "likelihood",
            name: finding.rule.to_string(),
            points,
            why: finding.evidence.first().cloned().unwrap_or_default(),
        });
    }
    // Which identities' credentials an AI agent (MCP server) can read.
    let mut agent_reachable: BTreeMap<String, String> = BTreeMap::new();
    for link in inventory.links.iter().filter(|l| l.kind == LinkKind::Uses) {
        let Some(consumer) = graph.consumers.iter().find(|c| c.id == link.from) else {
            continue;
        };
        if consumer.kind == ConsumerKind::McpServer
            && let Some(holder) = holder_of(&link.to)
        {
            agent_reachable.insert(holder, consumer.name.clone());
        }
    }

    let mut out = BTreeMap::new();
    for identity in inventory.identities.values() {
        if identity.kind == nhi_model::IdentityKind::Human
            || identity.attributes.contains_key("stub")
        {
            continue;
        }
        let mut list = factors.remove(&identity.id).unwrap_or_default();
        // One rule counts once per identity, at its highest weight.
        list.sort_by(|a, b| (&a.name, b.points).cmp(&(&b.name, a.points)));
        list.dedup_by(|a, b| a.name == b.name);
        let privilege_tier = crate::privilege::tier_of(identity, graph)
            .map(|(tier, _)| tier.as_str().to_string())
            .unwrap_or_else(|| "unassessed".into());
        let (points, why) = match privilege_tier.as_str() {
            "admin" => (ADMIN_POINTS, "can do anything in its account or scope"),
            "permissions_management" => (
                ESCALATION_POINTS,
                "can change permissions, so it can make itself an administrator",
            ),
            "data_write" => (DATA_WRITE_POINTS, "can change data and resources"),
            "data_read" => (DATA_READ_POINTS, "can read data"),
            _ => (0, ""),
        };
        if points > 0 {
            list.push(RiskFactor {
                kind: "impact",
                name: privilege_tier.clone(),
                points,
                why: why.into(),
            });
        }
        if let Some(classes) = identity.attributes.get("sensitive_access") {
            list.push(RiskFactor {
                kind: "impact",
                name: "sensitive-data".into(),
                points: SENSITIVE_DATA_POINTS,
                why: format!("reaches sensitive data: {classes}"),
            });
        }
        if identity.environment.as_deref() == Some("prod") {
            list.push(RiskFactor {
                kind: "impact",
                name: "production".into(),
                points: PRODUCTION_POINTS,
                why: "lives in a production environment".into(),
            });
        }
        if identity
            .account
            .as_ref()
            .is_some_and(|a| policy.sensitive.accounts.contains(a))
        {
            list.push(RiskFactor {
                kind: "impact",
                name: "sensitive-account".into(),
                points: SENSITIVE_ACCOUNT_POINTS,
                why: format!(
                    "account {} is sensitive in the policy",
                    identity.account.as_deref().unwrap_or("")
                ),
            });
        }
        if let Some(agent) = agent_reachable.get(&identity.id) {
            list.push(RiskFactor {
                kind: "likelihood",
                name: "ai-agent".into(),
                points: AI_AGENT_POINTS,
                why: format!("its credential is handed to the MCP server `{agent}`, so an LLM agent can use it"),
            });
        }
        let total: u32 = list.iter().map(|f| f.points).sum::<u32>().min(100);
        out.insert(
            identity.id.clone(),
            Risk {
                score: total,
                tier: tier_of(total),
                privilege_tier,
                factors: list,
            },
        );
    }
    out
}
