//! RBAC rules and the compact summary that lands on a subject's `rbac_rules`
//! attribute, so risk analysis can see verbs without re-reading the export.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::objects::nullable;

/// One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(deserialize_with = "nullable")]
    pub api_groups: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", deserialize_with = "nullable")]
    pub non_resource_urls: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub verbs: Vec<String>,
}

/// Verbs per target, merged over any number of rules and roles.
///
/// A target is written the way `kubectl auth can-i` names it: `secrets` for the
/// core group, `deployments.apps` for a named group, `*` for every resource of every
/// group, `secrets[db-creds]` when the rule names the objects, and a non-resource
/// URL as itself (`/healthz`; a bare `*` URL becomes `/*` so it is not mistaken for
/// all resources). Roles a binding names but the export lacks show up as
/// `unresolved:ClusterRole/NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSummary {
    verbs: BTreeMap<String, BTreeSet<String>>,
    unresolved: BTreeSet<String>,
}

impl RuleSummary {
    pub fn add_rules(&mut self, rules: &[PolicyRule]) {
        for rule in rules {
            let verbs = rule.verbs.iter().filter(|v| !v.is_empty());
            for target in targets(rule) {
                self.verbs
                    .entry(target)
                    .or_default()
                    .extend(verbs.clone().cloned());
            }
        }
    }

    /// `role` as `Role/NAME` or `ClusterRole/NAME`.
    pub fn add_unresolved(&mut self, role: &str) {
        self.unresolved.insert(role.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.verbs.is_empty() && self.unresolved.is_empty()
    }

    /// Whether some target grants `verb` on `resource` of the core group: the check
    /// risk rules ask most (`get` on `secrets`, `create` on `pods/exec`).
    pub fn allows(&self, verb: &str, resource: &str) -> bool {
        self.verbs.iter().any(|(target, verbs)| {
            let target_matches =
                target == "*" || target == resource || target.split('[').next() == Some(resource);
            target_matches && (verbs.contains("*") || verbs.contains(verb))
        })
    }
}

impl std::fmt::Display for RuleSummary {
    /// `secrets:get,list; pods/exec:create; *:*; unresolved:Role/ci`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut std::fmt::Formatter<'_>| {
            if first {
                first = false;
                Ok(())
            } else {
                f.write_str("; ")
            }
        };
        for (target, verbs) in &self.verbs {
            sep(f)?;
            let verbs: Vec<&str> = verbs.iter().map(String::as_str).collect();
            write!(f, "{target}:{}", verbs.join(","))?;
        }
        for role in &self.unresolved {
            sep(f)?;
            write!(f, "unresolved:{role}")?;
        }
        Ok(())
    }
}

/// The compact summary of one role's rules; see [`RuleSummary`].
pub fn summarize_rules(rules: &[PolicyRule]) -> String {
    let mut summary = RuleSummary::default();
    summary.add_rules(rules);
    summary.to_string()
}

fn targets(rule: &PolicyRule) -> Vec<String> {
    let names = if rule.resource_names.is_empty() {
        String::new()
    } else {
        format!("[{}]", rule.resource_names.join(","))
    };
    // An empty apiGroups list is invalid for resource rules; reading it as the core
    // group errs towards showing the permission rather than hiding it.
    let core = [String::new()];
    let groups: &[String] = if rule.api_groups.is_empty() {
        &core
    } else {
        &rule.api_groups
    };
    let mut out = Vec::new();
    for group in groups {
        for resource in &rule.resources {
            let target = match (group.as_str(), resource.as_str()) {
                ("", r) => r.to_string(),
                ("*", "*") => "*".to_string(),
                (g, r) => format!("{r}.{g}"),
            };
            out.push(format!("{target}{names}"));
        }
    }
    for url in &rule.non_resource_urls {
        if url.starts_with('/') {
            out.push(url.clone());
        } else {
            out.push(format!("/{url}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            api_groups: v(groups),
            resources: v(resources),
            verbs: v(verbs),
            ..Default::default()
        }
    }

    #[test]
    fn cluster_admin_reads_as_star() {
        let mut admin = rule(&["*"], &["*"], &["*"]);
        let urls = PolicyRule {
            non_resource_urls: vec!["*".into()],
            verbs: vec!["*".into()],
            ..Default::default()
        };
        admin.resource_names.clear();
        assert_eq!(summarize_rules(&[admin, urls]), "*:*; /*:*");
    }

    #[test]
    fn rules_merge_per_target_and_name_groups_and_objects() {
        let mut named = rule(&[""], &["secrets"], &["get"]);
        named.resource_names = vec!["db-creds".into()];
        let rules = [
            rule(&[""], &["secrets", "pods/exec"], &["get", "list"]),
            rule(&[""], &["secrets"], &["watch", "get"]),
            rule(&["apps"], &["deployments"], &["patch"]),
            named,
        ];
        let mut summary = RuleSummary::default();
        summary.add_rules(&rules);
        summary.add_unresolved("Role/missing");
        assert_eq!(
            summary.to_string(),
            "deployments.apps:patch; pods/exec:get,list; secrets:get,list,watch; \
             secrets[db-creds]:get; unresolved:Role/missing"
        );
        assert!(summary.allows("list", "secrets"));
        assert!(!summary.allows("delete", "secrets"));
        assert!(!summary.allows("get", "configmaps"));
    }
}
