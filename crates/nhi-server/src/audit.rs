//! The audit log: every state-changing action, allowed or refused, with who did it,
//! from where, and its parameters (never a secret).

use std::net::IpAddr;
use std::sync::Arc;

use jiff::Timestamp;
use nhi_store::AuditEntry;

use crate::auth::Principal;
use crate::state::{AppState, with_store};

/// Appends an entry. A failure to audit is logged, not returned: the action already
/// happened (or was refused), and hiding that from the caller would be wrong too.
pub async fn record(
    state: &Arc<AppState>,
    who: &Principal,
    ip: Option<IpAddr>,
    action: &str,
    target: &str,
    outcome: &str,
    detail: serde_json::Value,
) {
    record_as(
        state,
        &who.subject,
        who.role.as_str(),
        ip,
        action,
        target,
        outcome,
        detail,
    )
    .await;
}

/// [`record`] for actions without an authenticated principal (failed logins).
#[allow(clippy::too_many_arguments)]
pub async fn record_as(
    state: &Arc<AppState>,
    actor: &str,
    role: &str,
    ip: Option<IpAddr>,
    action: &str,
    target: &str,
    outcome: &str,
    detail: serde_json::Value,
) {
    let entry = AuditEntry {
        id: 0,
        at: Timestamp::now(),
        actor: actor.to_string(),
        role: role.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        outcome: outcome.to_string(),
        source_ip: ip.map(|ip| ip.to_string()),
        detail,
    };
    let result = with_store(state, move |store| Ok(store.append_audit(&entry)?)).await;
    if let Err(err) = result {
        eprintln!("nhi serve: cannot write the audit log: {err:?}");
    }
}
