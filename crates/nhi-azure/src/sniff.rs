//! Telling the exports apart from their first few kilobytes: the `@odata.context` URL
//! Graph puts at the top of every collection, or else the keys of the first entry.

use serde_json::Value;

use crate::ExportKind;

/// How much of the file the sniff looks at. Graph puts `@odata.context` first, and an
/// entry's distinctive keys sit in its first few hundred bytes.
const SNIFF_BYTES: usize = 4096;

pub(crate) fn sniff(bytes: &[u8]) -> Option<ExportKind> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = body.get(start..)?;
    let head = body.get(..SNIFF_BYTES.min(body.len()))?;
    if !matches!(head.first(), Some(b'{' | b'[')) {
        return None;
    }
    // The checks below look for these quoted keys; an object with none of them is not
    // ours, and most JSON files a scan meets are like that. Checked on the bytes, before
    // decoding (ASCII survives the lossy decoding unchanged either way).
    if head.first() == Some(&b'{')
        && ![&b"\"@odata.context\""[..], b"\"value\"", b"\"id\""]
            .iter()
            .any(|key| memchr::memmem::find(head, key).is_some())
    {
        return None;
    }
    let text = String::from_utf8_lossy(head);
    if let Some(context) = odata_context(&text) {
        return from_context(&context);
    }
    // A Graph page without its context (some scripts strip `@odata.*`) still has `value`.
    if text.starts_with('{') && !text.contains("\"value\"") && !text.contains("\"id\"") {
        return None;
    }
    from_keys(|key| {
        let quoted = format!("\"{key}\"");
        text.match_indices(&quoted).any(|(at, _)| {
            text.get(at + quoted.len()..)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    })
}

/// The kind of a parsed document whose first entry the byte sniff could not place
/// (an entry longer than the sniff window, say). Looks at real top-level keys only.
pub(crate) fn classify(value: &Value) -> Option<ExportKind> {
    let first = match value {
        Value::Array(items) => items.first()?,
        Value::Object(map) => {
            if let Some(Value::String(context)) = map.get("@odata.context") {
                return from_context(context);
            }
            match map.get("value") {
                Some(Value::Array(items)) => items.first()?,
                _ => value,
            }
        }
        _ => return None,
    };
    let first = first.as_object()?;
    from_keys(|key| first.contains_key(key))
}

/// The string value of `"@odata.context"`, if the text has one.
fn odata_context(text: &str) -> Option<String> {
    let key = "\"@odata.context\"";
    let at = text.find(key)?;
    let rest = text.get(at + key.len()..)?.trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    rest.get(..end).map(str::to_string)
}

/// `https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('id')/appRoleAssignments`
/// and friends. A navigation to anything else (`/owners`, `/federatedIdentityCredentials`)
/// is not one of ours.
fn from_context(context: &str) -> Option<ExportKind> {
    let fragment = context.rsplit_once('#').map_or(context, |(_, f)| f);
    let fragment = fragment.to_ascii_lowercase();
    if fragment.contains("/approleassignments")
        || fragment.contains("/approleassignedto")
        || fragment.starts_with("approleassignments")
    {
        return Some(ExportKind::AppRoleAssignments);
    }
    for (collection, kind) in [
        ("oauth2permissiongrants", ExportKind::Oauth2PermissionGrants),
        ("serviceprincipals", ExportKind::ServicePrincipals),
        ("applications", ExportKind::Applications),
        ("users", ExportKind::Users),
    ] {
        let Some(rest) = fragment.strip_prefix(collection) else {
            continue;
        };
        // `users(id,displayName,manager())` is a $select list; `applications('x')/owners`
        // is a navigation away from the collection.
        let tail = match rest.rfind(')') {
            Some(close) if rest.starts_with('(') => rest.get(close + 1..).unwrap_or_default(),
            _ => rest,
        };
        return matches!(tail, "" | "/$entity" | "/$delta").then_some(kind);
    }
    None
}

fn from_keys(has: impl Fn(&str) -> bool) -> Option<ExportKind> {
    if has("principalId") && (has("roleDefinitionName") || has("roleDefinitionId")) {
        Some(ExportKind::RoleAssignments)
    } else if has("servicePrincipalType")
        || has("appOwnerOrganizationId")
        || has("servicePrincipalNames")
    {
        Some(ExportKind::ServicePrincipals)
    } else if has("clientId") && has("consentType") {
        Some(ExportKind::Oauth2PermissionGrants)
    } else if has("appRoleId") && has("principalId") && has("resourceId") {
        Some(ExportKind::AppRoleAssignments)
    } else if has("appId")
        && (has("signInAudience")
            || has("requiredResourceAccess")
            || has("identifierUris")
            || has("passwordCredentials"))
    {
        Some(ExportKind::Applications)
    } else if has("userPrincipalName") && has("id") {
        Some(ExportKind::Users)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_map_to_kinds() {
        let base = "https://graph.microsoft.com/v1.0/$metadata#";
        let cases = [
            ("applications", Some(ExportKind::Applications)),
            (
                "applications(id,appId,owners())",
                Some(ExportKind::Applications),
            ),
            ("servicePrincipals", Some(ExportKind::ServicePrincipals)),
            (
                "servicePrincipals('a0b1')/appRoleAssignments",
                Some(ExportKind::AppRoleAssignments),
            ),
            (
                "servicePrincipals('a0b1')/appRoleAssignedTo",
                Some(ExportKind::AppRoleAssignments),
            ),
            (
                "oauth2PermissionGrants",
                Some(ExportKind::Oauth2PermissionGrants),
            ),
            ("users(id,displayName,manager())", Some(ExportKind::Users)),
            ("users/$entity", Some(ExportKind::Users)),
            ("applications('x')/owners", None),
            ("groups", None),
        ];
        for (fragment, expected) in cases {
            assert_eq!(
                from_context(&format!("{base}{fragment}")),
                expected,
                "{fragment}"
            );
        }
    }
}
