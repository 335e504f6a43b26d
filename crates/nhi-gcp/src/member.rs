//! IAM policy members ("principal identifiers"):
//! https://cloud.google.com/iam/docs/reference/rest/v1/Policy#Binding (the `members`
//! field) and https://cloud.google.com/iam/docs/principal-identifiers.

/// A parsed `members[]` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member<'a> {
    /// `user:EMAIL`: a person.
    User(&'a str),
    /// `serviceAccount:EMAIL`.
    ServiceAccount(&'a str),
    /// A Kubernetes service account through GKE workload identity:
    /// `serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]` (impersonation, with
    /// `roles/iam.workloadIdentityUser` on a GCP service account), or
    /// `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/PROJECT.svc.id.goog/subject/ns/NAMESPACE/sa/KSA`
    /// (direct resource access, no GCP service account in between).
    KubernetesServiceAccount {
        pool: &'a str,
        namespace: &'a str,
        name: &'a str,
    },
    /// `deleted:serviceAccount:EMAIL?uid=N`: a binding left behind by a deleted account.
    DeletedServiceAccount {
        email: &'a str,
        uid: Option<&'a str>,
    },
    /// Everything else, kept as a synthetic principal keyed by the member string.
    Other {
        /// snake_case type: `group`, `domain`, `all_users`, `principal_set`, …
        member_type: &'static str,
        /// `deleted:user:…`, `deleted:group:…`, `deleted:principal://…`.
        deleted: bool,
    },
}

impl Member<'_> {
    /// Whether the member lets anyone at all in.
    pub(crate) fn is_public(&self) -> bool {
        matches!(
            self,
            Member::Other {
                member_type: "all_users" | "all_authenticated_users",
                ..
            }
        )
    }

    pub(crate) fn is_federated(&self) -> bool {
        matches!(
            self,
            Member::KubernetesServiceAccount { .. }
                | Member::Other {
                    member_type: "principal" | "principal_set",
                    ..
                }
        )
    }
}

/// `None` for an empty member or a prefix with nothing after it.
pub(crate) fn parse(member: &str) -> Option<Member<'_>> {
    let member = member.trim();
    match member {
        "" => return None,
        "allUsers" => return Some(other("all_users")),
        "allAuthenticatedUsers" => return Some(other("all_authenticated_users")),
        _ => {}
    }
    if let Some(rest) = member.strip_prefix("deleted:") {
        if let Some(account) = rest.strip_prefix("serviceAccount:") {
            let (email, uid) = match account.split_once("?uid=") {
                Some((email, uid)) => (email, Some(uid).filter(|u| !u.is_empty())),
                None => (account, None),
            };
            return (!email.is_empty()).then_some(Member::DeletedServiceAccount { email, uid });
        }
        let Member::Other { member_type, .. } = parse(rest).map(|m| match m {
            Member::User(_) => other("user"),
            Member::ServiceAccount(_) => other("service_account"),
            Member::KubernetesServiceAccount { .. } => other("principal"),
            m => m,
        })?
        else {
            return None;
        };
        return Some(Member::Other {
            member_type,
            deleted: true,
        });
    }
    if let Some(email) = member.strip_prefix("user:") {
        return (!email.is_empty()).then_some(Member::User(email));
    }
    if let Some(account) = member.strip_prefix("serviceAccount:") {
        if let Some(ksa) = workload_identity_member(account) {
            return Some(ksa);
        }
        return (!account.is_empty()).then_some(Member::ServiceAccount(account));
    }
    if member.starts_with("principal://") {
        return Some(kubernetes_principal(member).unwrap_or_else(|| other("principal")));
    }
    let typed = [
        ("group:", "group"),
        ("domain:", "domain"),
        ("principalSet://", "principal_set"),
        ("projectOwner:", "project_owner"),
        ("projectEditor:", "project_editor"),
        ("projectViewer:", "project_viewer"),
    ];
    for (prefix, member_type) in typed {
        if let Some(rest) = member.strip_prefix(prefix) {
            return (!rest.is_empty()).then_some(other(member_type));
        }
    }
    Some(other("unrecognised"))
}

fn other(member_type: &'static str) -> Member<'static> {
    Member::Other {
        member_type,
        deleted: false,
    }
}

/// `PROJECT.svc.id.goog[NAMESPACE/KSA]` (also fleet pools, `PROJECT.hub.id.goog[…]`).
fn workload_identity_member(account: &str) -> Option<Member<'_>> {
    let (pool, rest) = account.split_once('[')?;
    let inside = rest.strip_suffix(']')?;
    let (namespace, name) = inside.split_once('/')?;
    let valid = pool.ends_with(".id.goog")
        && !namespace.is_empty()
        && !name.is_empty()
        && !name.contains('/');
    valid.then_some(Member::KubernetesServiceAccount {
        pool,
        namespace,
        name,
    })
}

/// `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/subject/ns/NS/sa/KSA`.
fn kubernetes_principal(member: &str) -> Option<Member<'_>> {
    let (_, rest) = member.split_once("/workloadIdentityPools/")?;
    let mut parts = rest.split('/');
    let pool = parts.next()?;
    let shape = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let name = parts.next()?;
    let ("subject", "ns", namespace, "sa") = shape else {
        return None;
    };
    let valid = pool.ends_with(".id.goog")
        && !namespace.is_empty()
        && !name.is_empty()
        && parts.next().is_none();
    valid.then_some(Member::KubernetesServiceAccount {
        pool,
        namespace,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_service_accounts() {
        assert_eq!(
            parse("user:alice@acme.com"),
            Some(Member::User("alice@acme.com"))
        );
        assert_eq!(
            parse("serviceAccount:ci@acme.iam.gserviceaccount.com"),
            Some(Member::ServiceAccount("ci@acme.iam.gserviceaccount.com"))
        );
        assert_eq!(parse("user:"), None);
        assert_eq!(parse("  "), None);
    }

    #[test]
    fn workload_identity_both_forms() {
        let expected = Member::KubernetesServiceAccount {
            pool: "acme-prod.svc.id.goog",
            namespace: "payments",
            name: "api",
        };
        assert_eq!(
            parse("serviceAccount:acme-prod.svc.id.goog[payments/api]"),
            Some(expected.clone())
        );
        assert_eq!(
            parse(
                "principal://iam.googleapis.com/projects/123/locations/global/\
                 workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/api"
            ),
            Some(expected)
        );
        // A namespace-wide principal set is not one Kubernetes service account.
        let set = parse(
            "principalSet://iam.googleapis.com/projects/123/locations/global/\
             workloadIdentityPools/acme-prod.svc.id.goog/namespace/payments",
        )
        .unwrap();
        assert_eq!(set, other("principal_set"));
        assert!(set.is_federated());
        // Brackets on an ordinary domain are not workload identity.
        assert_eq!(
            parse("serviceAccount:x@acme.com[a/b]"),
            Some(Member::ServiceAccount("x@acme.com[a/b]"))
        );
    }

    #[test]
    fn deleted_members() {
        assert_eq!(
            parse("deleted:serviceAccount:old@acme.iam.gserviceaccount.com?uid=1234"),
            Some(Member::DeletedServiceAccount {
                email: "old@acme.iam.gserviceaccount.com",
                uid: Some("1234")
            })
        );
        assert_eq!(
            parse("deleted:user:bob@acme.com?uid=99"),
            Some(Member::Other {
                member_type: "user",
                deleted: true
            })
        );
        assert_eq!(
            parse("deleted:group:ops@acme.com?uid=7"),
            Some(Member::Other {
                member_type: "group",
                deleted: true
            })
        );
    }

    #[test]
    fn public_and_other_members() {
        assert!(parse("allUsers").unwrap().is_public());
        assert!(parse("allAuthenticatedUsers").unwrap().is_public());
        assert!(!parse("group:ops@acme.com").unwrap().is_public());
        assert_eq!(parse("domain:acme.com"), Some(other("domain")));
        assert_eq!(parse("projectOwner:acme"), Some(other("project_owner")));
        assert_eq!(parse("something:new"), Some(other("unrecognised")));
    }
}
