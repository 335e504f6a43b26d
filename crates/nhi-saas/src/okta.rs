//! Okta `GET /api/v1/users`: a JSON array of users, each with a lifecycle `status` and
//! a `profile` (login, email, names, and the optional `manager`, `managerId`,
//! `department`, `title` of the default profile schema).

use nhi_model::{Identity, LifecycleStatus};
use serde_json::Value;

use crate::read::{Ctx, Fields, glimpse, objects};

/// Okta's lifecycle states mapped to ours. A person who can still sign in (or will once
/// they reset a password or get unlocked) is active.
fn status_of(okta: &str) -> Option<LifecycleStatus> {
    Some(match okta {
        "ACTIVE" | "RECOVERY" | "PASSWORD_EXPIRED" | "LOCKED_OUT" => LifecycleStatus::Active,
        "SUSPENDED" => LifecycleStatus::Disabled,
        "DEPROVISIONED" => LifecycleStatus::Deleted,
        "STAGED" | "PROVISIONED" => LifecycleStatus::Inactive,
        _ => return None,
    })
}

pub(crate) fn users(ctx: &mut Ctx<'_>, items: &[Value]) {
    for (path, map) in objects(ctx, items, "") {
        let entry = Fields::new(map, path);
        let Some(profile) = entry.object(ctx, "profile") else {
            ctx.warn(&entry.path, "entry skipped: no `profile`");
            continue;
        };
        let login = profile.text(ctx, "login");
        let Some(key) = profile.text(ctx, "email").or_else(|| login.clone()) else {
            ctx.warn(
                &profile.path,
                "entry skipped: profile has neither `email` nor `login`",
            );
            continue;
        };
        let name = profile.text(ctx, "displayName").unwrap_or_else(|| {
            let first = profile.text(ctx, "firstName").unwrap_or_default();
            let last = profile.text(ctx, "lastName").unwrap_or_default();
            format!("{first} {last}").trim().to_string()
        });
        let mut person = Identity::person(&key, name, ctx.provenance(&entry.path));
        let okta_status = entry.text(ctx, "status");
        person.status = match okta_status.as_deref() {
            None => LifecycleStatus::Unknown,
            Some(raw) => status_of(raw).unwrap_or_else(|| {
                let message = format!("unknown Okta status {:?}; kept as unknown", glimpse(raw));
                ctx.warn(&entry.at("status"), message);
                LifecycleStatus::Unknown
            }),
        };
        person.created = entry.time(ctx, "created");
        person.last_used = entry.time(ctx, "lastLogin");
        let attributes = &mut person.attributes;
        if let Some(id) = entry.text(ctx, "id") {
            attributes.insert("okta_id".into(), id);
        }
        if let Some(raw) = okta_status {
            attributes.insert("okta_status".into(), raw);
        }
        if let Some(login) = login {
            attributes.insert("login".into(), login);
        }
        // `manager` is free text (often a name or email); `managerId` an ID. Either
        // lets a reviewer find who to ask about a departed owner's keys.
        if let Some(manager) = profile
            .text(ctx, "manager")
            .or_else(|| profile.text(ctx, "managerId"))
        {
            attributes.insert("manager".into(), manager);
        }
        for (field, attribute) in [("department", "department"), ("title", "title")] {
            if let Some(value) = profile.text(ctx, field) {
                attributes.insert(attribute.into(), value);
            }
        }
        if let Some(changed) = entry.time(ctx, "statusChanged") {
            attributes.insert("status_changed".into(), changed.to_string());
        }
        if let Some(activated) = entry.time(ctx, "activated") {
            attributes.insert("activated".into(), activated.to_string());
        }
        ctx.identity(person);
    }
}
