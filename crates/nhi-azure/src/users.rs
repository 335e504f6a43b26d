//! `GET /users`: the people who own and create NHIs, so ownership can be checked
//! against who is still here (disabled accounts, leave dates).

use nhi_model::{Identity, LifecycleStatus};
use serde_json::Value;

use crate::batch::Batch;
use crate::directory::normalize_guid;
use crate::json::{self, Object};

pub(crate) fn ingest_entry(batch: &mut Batch<'_>, user: &Object, at: &str) {
    let mail = json::string(batch, user, "mail", at);
    let upn = json::string(batch, user, "userPrincipalName", at);
    // Owners elsewhere are named by email first, so the person node is keyed the same.
    let Some(email) = mail.or(upn) else {
        batch.warn(
            at,
            "user skipped: neither mail nor userPrincipalName is present",
        );
        return;
    };
    let name = json::string(batch, user, "displayName", at).unwrap_or_default();
    let mut person = Identity::person(email, name, batch.provenance(at));
    let enabled = json::boolean(batch, user, "accountEnabled", at);
    person.status = match enabled {
        Some(true) => LifecycleStatus::Active,
        Some(false) => LifecycleStatus::Disabled,
        None => LifecycleStatus::Unknown,
    };
    if let Some(enabled) = enabled {
        person
            .attributes
            .insert("account_enabled".into(), enabled.to_string());
    }
    if let Some(id) = json::string(batch, user, "id", at) {
        person
            .attributes
            .insert("object_id".into(), normalize_guid(id));
    }
    if let Some(upn) = upn {
        person
            .attributes
            .insert("user_principal_name".into(), upn.to_string());
    }
    for (field, attribute) in [
        ("userType", "user_type"),
        ("jobTitle", "job_title"),
        ("department", "department"),
        ("employeeId", "employee_id"),
    ] {
        if let Some(value) = json::string(batch, user, field, at) {
            person
                .attributes
                .insert(attribute.into(), value.to_string());
        }
    }
    if let Some(leave) = json::timestamp(batch, user, "employeeLeaveDateTime", at) {
        person
            .attributes
            .insert("employee_leave_date_time".into(), leave.to_string());
    }
    person.created = json::timestamp(batch, user, "createdDateTime", at);
    // signInActivity needs AuditLog.Read.All and an explicit $select; use the latest of
    // interactive and non-interactive sign-ins.
    if let Some(Value::Object(activity)) = user.get("signInActivity") {
        let activity_at = json::path(at, "signInActivity");
        for key in [
            "lastSignInDateTime",
            "lastNonInteractiveSignInDateTime",
            "lastSuccessfulSignInDateTime",
        ] {
            if let Some(when) = json::timestamp(batch, activity, key, &activity_at) {
                person.last_used = Some(person.last_used.map_or(when, |seen| seen.max(when)));
            }
        }
    }
    // `$expand=manager` embeds the manager's directory object.
    if let Some(Value::Object(manager)) = user.get("manager") {
        let manager_at = json::path(at, "manager");
        let manager_email = json::string(batch, manager, "mail", &manager_at)
            .or_else(|| json::string(batch, manager, "userPrincipalName", &manager_at));
        if let Some(manager_email) = manager_email {
            person
                .attributes
                .insert("manager".into(), manager_email.to_lowercase());
        }
    }
    batch.identity(person);
}
