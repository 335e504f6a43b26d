//! `GET /repos/{owner}/{repo}/keys`: each deploy key is both an identity (it acts on
//! the repository by itself) and the private-key credential it authenticates with.
//! Fields: <https://docs.github.com/en/rest/deploy-keys/deploy-keys#list-deploy-keys>

use nhi_model::{
    Confidence, CredentialKind, Grant, GrantKind, Identity, IdentityKind, LifecycleStatus, Link,
    LinkKind, PlatformCredential, Provider,
};
use serde_json::Value;

use crate::ExportKind;
use crate::json::{Ctx, id, join, string, type_name, url_segments};

const KIND: ExportKind = ExportKind::DeployKeys;

pub(crate) fn map(ctx: &mut Ctx<'_>, item: &Value, position: &str) {
    let Some(item) = item.as_object() else {
        ctx.warn(
            position,
            format!(
                "deploy key skipped: expected an object, found {}",
                type_name(item)
            ),
        );
        return;
    };
    let Some(key_id) = id(item, "id") else {
        ctx.warn(position, "deploy key skipped: no `id`".to_string());
        return;
    };
    let key = format!("deploy-key/{key_id}");
    let title = string(item, "title");
    let mut identity = Identity::new(
        Provider::Github,
        IdentityKind::DeployKey,
        &key,
        title.map_or_else(|| key.clone(), str::to_string),
        ctx.provenance(KIND, position),
    );

    // The response does not name the repository; its `url` does.
    let repository = match string(item, "url") {
        Some(url) => {
            let found = repository_from_url(url);
            if found.is_none() {
                ctx.warn(
                    &join(position, "url"),
                    "not a /repos/OWNER/REPO/keys/ID URL: repository unknown".to_string(),
                );
            }
            found
        }
        None => {
            ctx.warn(
                &join(position, "url"),
                "no url: repository unknown".to_string(),
            );
            None
        }
    };
    identity.account = repository.clone();

    let status = match ctx.boolean(item, "enabled", position) {
        Some(false) => LifecycleStatus::Disabled,
        // `enabled` is newer than the endpoint; a key listed without it is in use.
        _ => LifecycleStatus::Active,
    };
    identity.status = status;
    let created = ctx.timestamp(item, "created_at", position);
    let last_used = ctx.timestamp(item, "last_used", position);
    identity.created = created;
    identity.last_used = last_used;

    let read_only = ctx.boolean(item, "read_only", position);
    if read_only.is_none() {
        ctx.warn(
            &join(position, "read_only"),
            "missing: whether the key can push is unknown".to_string(),
        );
    }
    let verified = ctx.boolean(item, "verified", position);
    let key_type = string(item, "key").and_then(key_algorithm);

    let mut credential = PlatformCredential::new(
        &identity.id,
        Provider::Github,
        CredentialKind::PrivateKey,
        &key_id,
        ctx.provenance(KIND, position),
    );
    credential.status = status;
    credential.created = created;
    credential.last_used = last_used;

    for attributes in [&mut identity.attributes, &mut credential.attributes] {
        if let Some(title) = title {
            attributes.insert("title".into(), title.to_string());
        }
        if let Some(read_only) = read_only {
            attributes.insert("read_only".into(), read_only.to_string());
        }
        if let Some(verified) = verified {
            attributes.insert("verified".into(), verified.to_string());
        }
        if let Some(key_type) = &key_type {
            attributes.insert("key_type".into(), key_type.clone());
        }
        if let Some(repository) = &repository {
            attributes.insert("repository".into(), repository.clone());
        }
    }

    if let (Some(repository), Some(read_only)) = (&repository, read_only) {
        ctx.batch.grants.push(Grant {
            identity: identity.id.clone(),
            kind: GrantKind::KeyScope,
            role: if read_only {
                "contents:read"
            } else {
                "contents:write"
            }
            .to_string(),
            scope: repository.clone(),
            via: None,
            condition: None,
            provenance: ctx.provenance(KIND, &join(position, "read_only")),
        });
    }

    ctx.batch.links.push(Link {
        from: identity.id.clone(),
        to: credential.id.clone(),
        kind: LinkKind::HasCredential,
        confidence: Confidence::High,
        evidence: format!("deploy keys list key {key_id}"),
        provenance: Some(ctx.provenance(KIND, position)),
    });

    if let Some(added_by) = string(item, "added_by") {
        let person_id = ctx.person(added_by, ctx.provenance(KIND, &join(position, "added_by")));
        identity.owners.push(added_by.to_string());
        ctx.batch.links.push(Link {
            from: person_id,
            to: identity.id.clone(),
            kind: LinkKind::Created,
            confidence: Confidence::High,
            evidence: format!("deploy key {key_id} was added by {added_by}"),
            provenance: Some(ctx.provenance(KIND, &join(position, "added_by"))),
        });
    }

    ctx.batch.identities.push(identity);
    ctx.batch.credentials.push(credential);
}

/// `OWNER/REPO` from `https://api.github.com/repos/OWNER/REPO/keys/ID` (or the same
/// path under a GitHub Enterprise Server `/api/v3`).
fn repository_from_url(url: &str) -> Option<String> {
    let segments = url_segments(url);
    segments.windows(4).find_map(|window| match window {
        ["repos", owner, repo, "keys"] => Some(format!("{owner}/{repo}")),
        _ => None,
    })
}

/// The algorithm of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`). Only the
/// algorithm is kept: the key body identifies the key but tells risk analysis nothing.
fn key_algorithm(public_key: &str) -> Option<String> {
    let first = public_key.split_whitespace().next()?;
    let known_prefix = ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|prefix| first.starts_with(prefix));
    let plausible = first.len() <= 64
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '@' | '.'));
    (known_prefix && plausible).then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_comes_from_the_key_url() {
        assert_eq!(
            repository_from_url("https://api.github.com/repos/octocat/Hello-World/keys/1"),
            Some("octocat/Hello-World".to_string())
        );
        assert_eq!(
            repository_from_url("https://ghe.example.com/api/v3/repos/acme/api/keys/7"),
            Some("acme/api".to_string())
        );
        assert_eq!(
            repository_from_url("https://api.github.com/user/keys/2"),
            None
        );
    }

    #[test]
    fn only_the_algorithm_of_a_public_key_is_kept() {
        assert_eq!(
            key_algorithm("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake deploy@ci"),
            Some("ssh-ed25519".to_string())
        );
        assert_eq!(
            key_algorithm("sk-ssh-ed25519@openssh.com AAAA"),
            Some("sk-ssh-ed25519@openssh.com".to_string())
        );
        assert_eq!(key_algorithm("AAAAB3NzaC1yc2E"), None);
        assert_eq!(key_algorithm(""), None);
    }
}
