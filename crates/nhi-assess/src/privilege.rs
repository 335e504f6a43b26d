//! Privilege tiers for every platform, from what the inventory knows.
//!
//! AWS principals carry the effective-permissions engine's verdict (`privilege_tier`,
//! written when the GAAD was read). Other platforms are judged from their grants: GCP
//! basic and IAM-administration roles, Azure role assignments by scope and Microsoft
//! Graph application permissions, Kubernetes RBAC verbs, GitHub permission scopes, and
//! AI-provider roles. Tiers, from most to least: admin, permissions management (can
//! grant itself more), data write, data read, list only, none.

use nhi_graph::Graph;
use nhi_model::{Grant, GrantKind, Identity, IdentityKind, Provider};

/// Ordered from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    None,
    ListOnly,
    DataRead,
    DataWrite,
    PermissionsManagement,
    Admin,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::ListOnly => "list_only",
            Tier::DataRead => "data_read",
            Tier::DataWrite => "data_write",
            Tier::PermissionsManagement => "permissions_management",
            Tier::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Option<Tier> {
        Some(match text {
            "none" => Tier::None,
            "list_only" => Tier::ListOnly,
            "data_read" => Tier::DataRead,
            "data_write" => Tier::DataWrite,
            "permissions_management" => Tier::PermissionsManagement,
            "admin" => Tier::Admin,
            _ => return None,
        })
    }
}

/// The identity's tier and the grants or attributes that put it there; `None` when
/// nothing is known about its permissions.
pub fn tier_of(identity: &Identity, graph: &Graph) -> Option<(Tier, Vec<String>)> {
    if identity.kind == IdentityKind::Human {
        return None;
    }
    let mut best: Option<(Tier, Vec<String>)> = None;
    let mut raise = |tier: Tier, why: String| match &mut best {
        Some((current, reasons)) if *current == tier => reasons.push(why),
        Some((current, _)) if *current > tier => {}
        _ => best = Some((tier, vec![why])),
    };
    if identity.attributes.get("privilege").map(String::as_str) == Some("admin") {
        raise(
            Tier::Admin,
            format!(
                "allowed every action on every resource via {}",
                identity
                    .attributes
                    .get("admin_via")
                    .map(String::as_str)
                    .unwrap_or("its policies")
            ),
        );
    }
    for key in ["effective_privilege_tier", "privilege_tier"] {
        if let Some(tier) = identity.attributes.get(key).and_then(|t| Tier::parse(t)) {
            let why = if key == "effective_privilege_tier" {
                format!(
                    "effective permissions via role chain {}",
                    identity
                        .attributes
                        .get("effective_privilege_via")
                        .map(String::as_str)
                        .unwrap_or("")
                )
            } else {
                "effective permissions evaluated from the account's policies".to_string()
            };
            raise(tier, why);
        }
    }
    for grant in graph.grants_of(&identity.id) {
        if let Some((tier, why)) = grant_tier(identity.provider, grant) {
            raise(tier, why);
        }
    }
    if let Some(rules) = identity.attributes.get("rbac_rules") {
        for (tier, why) in kubernetes_rules(rules) {
            raise(tier, why);
        }
    }
    if matches!(identity.provider, Provider::Openai | Provider::Anthropic)
        && let Some(role) = identity.attributes.get("role")
        && (role == "owner" || role == "admin")
    {
        raise(Tier::Admin, format!("{} role {role}", identity.provider));
    }
    best
}

fn grant_tier(provider: Provider, grant: &Grant) -> Option<(Tier, String)> {
    let role = grant.role.as_str();
    let why = format!("{} {role} on {}", grant.kind, grant.scope);
    let tier = match provider {
        Provider::Gcp => gcp_role(role)?,
        Provider::Azure => match grant.kind {
            GrantKind::AppPermission | GrantKind::OauthScope => {
                let tier = graph_permission(role)?;
                // Delegated scopes act as the signed-in user, never beyond them.
                if grant.kind == GrantKind::OauthScope {
                    tier.min(Tier::DataWrite)
                } else {
                    tier
                }
            }
            _ => azure_role(role, &grant.scope)?,
        },
        Provider::Github => github_permission(role)?,
        Provider::Kubernetes => match role {
            "cluster-admin" => Tier::Admin,
            "admin" => Tier::PermissionsManagement,
            "edit" => Tier::DataWrite,
            "view" => Tier::DataRead,
            _ => return None,
        },
        _ => return None,
    };
    Some((tier, why))
}

/// GCP: basic roles, IAM administration and impersonation roles, then predefined
/// roles by their suffix.
fn gcp_role(role: &str) -> Option<Tier> {
    const ESCALATION: &[&str] = &[
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountUser",
        "roles/iam.workloadIdentityUser",
        "roles/iam.securityAdmin",
        "roles/iam.roleAdmin",
        "roles/iam.organizationRoleAdmin",
        "roles/resourcemanager.projectIamAdmin",
        "roles/resourcemanager.folderIamAdmin",
        "roles/resourcemanager.organizationAdmin",
        "roles/cloudfunctions.admin",
        "roles/run.admin",
        "roles/compute.instanceAdmin.v1",
        "roles/deploymentmanager.editor",
    ];
    if role == "roles/owner" {
        return Some(Tier::Admin);
    }
    if ESCALATION.contains(&role) {
        return Some(Tier::PermissionsManagement);
    }
    if role.ends_with(".serviceAgent") || role.ends_with("ServiceAgent") {
        return None;
    }
    let last = role
        .rsplit(['.', '/'])
        .next()
        .unwrap_or(role)
        .to_ascii_lowercase();
    Some(if role == "roles/editor" {
        Tier::DataWrite
    } else if role == "roles/viewer" || role == "roles/browser" {
        Tier::DataRead
    } else if [
        "admin",
        "editor",
        "writer",
        "dataeditor",
        "objectadmin",
        "objectcreator",
        "developer",
        "owner",
    ]
    .iter()
    .any(|s| last.ends_with(s))
    {
        Tier::DataWrite
    } else if [
        "viewer",
        "reader",
        "dataviewer",
        "objectviewer",
        "user",
        "jobuser",
        "invoker",
        "accessor",
    ]
    .iter()
    .any(|s| last.ends_with(s))
    {
        Tier::DataRead
    } else {
        return None;
    })
}

/// Azure RBAC: Owner and the role-assignment roles are admin at subscription (or
/// wider) scope, permissions management below it.
fn azure_role(role: &str, scope: &str) -> Option<Tier> {
    let wide = scope == "/"
        || scope.starts_with("/providers/Microsoft.Management/managementGroups/")
        || scope
            .strip_prefix("/subscriptions/")
            .is_some_and(|rest| !rest.contains('/'));
    let lower = role.to_ascii_lowercase();
    Some(match role {
        "Owner" | "User Access Administrator" | "Role Based Access Control Administrator" => {
            if wide {
                Tier::Admin
            } else {
                Tier::PermissionsManagement
            }
        }
        "Contributor" => Tier::DataWrite,
        "Reader" => Tier::DataRead,
        _ if lower.ends_with("contributor") || lower.ends_with("owner") => Tier::DataWrite,
        _ if lower.ends_with("reader") || lower.ends_with(" user") => Tier::DataRead,
        _ => return None,
    })
}

/// Microsoft Graph application permissions. Some of them let an app make itself (or
/// anything) a Global Administrator.
fn graph_permission(permission: &str) -> Option<Tier> {
    Some(match permission {
        "RoleManagement.ReadWrite.Directory" | "AppRoleAssignment.ReadWrite.All" => Tier::Admin,
        "Application.ReadWrite.All"
        | "Application.ReadWrite.OwnedBy"
        | "Directory.ReadWrite.All"
        | "ServicePrincipalEndpoint.ReadWrite.All"
        | "Policy.ReadWrite.ConditionalAccess"
        | "UserAuthenticationMethod.ReadWrite.All" => Tier::PermissionsManagement,
        p if p.contains("ReadWrite") || p.ends_with(".Send") || p.contains(".Write") => {
            Tier::DataWrite
        }
        p if p.contains(".Read") => Tier::DataRead,
        _ => return None,
    })
}

/// GitHub permission scopes (`contents:write`, `administration:write`).
fn github_permission(permission: &str) -> Option<Tier> {
    let (name, level) = permission.split_once(':')?;
    Some(match (name, level) {
        (
            "administration"
            | "organization_administration"
            | "members"
            | "secrets"
            | "organization_secrets"
            | "workflows"
            | "environments",
            "write" | "admin",
        ) => Tier::PermissionsManagement,
        (_, "write" | "admin") => Tier::DataWrite,
        ("metadata", "read") => Tier::ListOnly,
        (_, "read") => Tier::DataRead,
        _ => return None,
    })
}

/// Kubernetes RBAC as `resource:verbs; ...`, as nhi-k8s writes it.
fn kubernetes_rules(rules: &str) -> Vec<(Tier, String)> {
    let mut out = Vec::new();
    for rule in rules.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        let Some((resource, verbs)) = rule.rsplit_once(':') else {
            continue;
        };
        let verbs: Vec<&str> = verbs.split(',').map(str::trim).collect();
        let any = |wanted: &[&str]| verbs.iter().any(|v| *v == "*" || wanted.contains(v));
        let resource_all = resource == "*" || resource.ends_with("/*");
        let tier = if resource_all && verbs.contains(&"*") {
            Tier::Admin
        } else if any(&["escalate", "bind", "impersonate"])
            || ((resource == "pods/exec" || resource == "nodes/proxy") && any(&["create", "get"]))
            || ((resource.contains("roles") || resource.contains("rolebindings"))
                && any(&["create", "update", "patch"]))
        {
            Tier::PermissionsManagement
        } else if any(&["create", "update", "patch", "delete", "deletecollection"]) {
            Tier::DataWrite
        } else if any(&["get", "list", "watch"]) {
            Tier::DataRead
        } else {
            continue;
        };
        out.push((tier, format!("RBAC {resource}: {}", verbs.join(","))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_roles_map_to_tiers() {
        assert_eq!(gcp_role("roles/owner"), Some(Tier::Admin));
        assert_eq!(
            gcp_role("roles/iam.serviceAccountTokenCreator"),
            Some(Tier::PermissionsManagement)
        );
        assert_eq!(gcp_role("roles/editor"), Some(Tier::DataWrite));
        assert_eq!(gcp_role("roles/storage.objectViewer"), Some(Tier::DataRead));
        assert_eq!(gcp_role("roles/compute.serviceAgent"), None);
        assert_eq!(azure_role("Owner", "/subscriptions/abc"), Some(Tier::Admin));
        assert_eq!(
            azure_role("Owner", "/subscriptions/abc/resourceGroups/rg"),
            Some(Tier::PermissionsManagement)
        );
        assert_eq!(
            azure_role("Contributor", "/subscriptions/abc"),
            Some(Tier::DataWrite)
        );
        assert_eq!(
            graph_permission("RoleManagement.ReadWrite.Directory"),
            Some(Tier::Admin)
        );
        assert_eq!(
            graph_permission("Application.ReadWrite.All"),
            Some(Tier::PermissionsManagement)
        );
        assert_eq!(graph_permission("Mail.Read"), Some(Tier::DataRead));
        assert_eq!(graph_permission("Mail.Send"), Some(Tier::DataWrite));
        assert_eq!(
            github_permission("administration:write"),
            Some(Tier::PermissionsManagement)
        );
        assert_eq!(github_permission("contents:write"), Some(Tier::DataWrite));
        assert_eq!(github_permission("metadata:read"), Some(Tier::ListOnly));
    }

    #[test]
    fn kubernetes_verbs_map_to_tiers() {
        let tiers = |rules: &str| -> Vec<Tier> {
            kubernetes_rules(rules)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        };
        assert_eq!(tiers("*:*; /*:*"), [Tier::Admin, Tier::Admin]);
        assert_eq!(tiers("secrets:get,list,watch"), [Tier::DataRead]);
        assert_eq!(tiers("pods/exec:create"), [Tier::PermissionsManagement]);
        assert_eq!(
            tiers("clusterroles:escalate"),
            [Tier::PermissionsManagement]
        );
        assert_eq!(tiers("users:impersonate"), [Tier::PermissionsManagement]);
        assert_eq!(tiers("deployments:patch"), [Tier::DataWrite]);
    }
}
