//! Signatures for the identity and code platforms (GitHub audit log, Okta System Log,
//! Entra sign-ins). They reuse the cloud detections' IDs because the behaviour is the
//! same one seen through another provider: switching off the audit trail is defence
//! evasion whether it is a CloudTrail trail or a GitHub audit-log stream.
//!
//! Event names are the providers' own: GitHub `action` (`category.operation`), Okta
//! `eventType`, Entra `status.errorCode` (kept as `AADSTS<code>` by the parser).

use nhi_model::{EventSource, Outcome};

use crate::alert::{self, Alert};
use crate::detectors::{EventView, cooldown_active, start_cooldown};
use crate::state::IdentityState;

/// A workload stuck on a dead secret retries every few seconds: one alert a day says it.
const DEAD_CREDENTIAL_COOLDOWN_SECS: i64 = 86_400;

/// What a visibility-removing call did, or `None` when the event is not one.
pub(crate) fn evasion(source: EventSource, action: &str) -> Option<&'static str> {
    match source {
        EventSource::GithubAudit => match action {
            "audit_log_streaming.destroy" => Some("deleted a GitHub audit-log stream"),
            // GitHub records pausing and disabling a stream as an update.
            "audit_log_streaming.update" => {
                Some("changed (possibly paused) a GitHub audit-log stream")
            }
            "secret_scanning.disable"
            | "secret_scanning_new_repos.disable"
            | "business_secret_scanning.disable"
            | "repository_secret_scanning.disable" => Some("disabled GitHub secret scanning"),
            "repository_secret_scanning_push_protection.disable" => {
                Some("disabled GitHub secret-scanning push protection")
            }
            "org.disable_two_factor_requirement" | "business.disable_two_factor_requirement" => {
                Some("removed the two-factor requirement")
            }
            "org.disable_oauth_app_restrictions" => {
                Some("lifted the organisation's OAuth app restrictions")
            }
            "protected_branch.destroy" | "repository_ruleset.destroy" => {
                Some("removed a branch protection")
            }
            _ => None,
        },
        EventSource::OktaSystemLog => match action {
            "system.log_stream.lifecycle.deactivate" | "system.log_stream.lifecycle.delete" => {
                Some("deactivated or deleted an Okta log stream")
            }
            "event_hook.deactivated" => Some("deactivated an Okta event hook"),
            "policy.lifecycle.deactivate" | "policy.rule.deactivate" | "policy.rule.delete" => {
                Some("deactivated or deleted an Okta policy or policy rule")
            }
            "zone.deactivate" => Some("deactivated an Okta network zone"),
            _ => None,
        },
        _ => None,
    }
}

/// A new standing credential or privilege minted on a platform: the way an attacker
/// who borrowed an NHI's token for an hour keeps access for a year.
pub(crate) fn persistence(view: &EventView) -> Option<Alert> {
    let event = view.event;
    if !view.succeeded {
        return None;
    }
    let what = match (event.source, event.action.as_str()) {
        (EventSource::GithubAudit, "public_key.create") => {
            "added an SSH or deploy key (a credential that never expires)"
        }
        (EventSource::GithubAudit, "oauth_application.reset_secret") => {
            "reset an OAuth application's client secret"
        }
        (
            EventSource::GithubAudit,
            "org.register_self_hosted_runner" | "repo.register_self_hosted_runner",
        ) => "registered a self-hosted runner (code execution with the workflows' secrets)",
        (EventSource::GithubAudit, "integration_installation.create") => "installed a GitHub App",
        (EventSource::OktaSystemLog, "system.api_token.create") => {
            "created an Okta API token (it acts with its creator's admin rights)"
        }
        (EventSource::OktaSystemLog, "user.account.privilege.grant") => {
            "granted an Okta administrator privilege"
        }
        (EventSource::OktaSystemLog, "system.idp.lifecycle.create") => {
            "created an identity provider (a new way in for any user)"
        }
        (EventSource::OktaSystemLog, "application.lifecycle.create") => {
            "created an Okta application"
        }
        _ => return None,
    };
    let target = event.resources.first().map_or("", String::as_str);
    Some(
        view.alert(
            &alert::PERSISTENCE_OTHER_PRINCIPAL,
            &view.event_discriminator(),
        )
        .explain(format!(
            "{} {what} ({}{}); baseline: not needed, standing access outlives the session that made it",
            event.actor.principal,
            event.action,
            if target.is_empty() {
                String::new()
            } else {
                format!(" on {target}")
            }
        ))
        .observed("target", target),
    )
}

/// Entra refused a credential because it is expired or its app is disabled. A client
/// still presenting it is either a workload nobody updated or someone replaying an old
/// leaked secret; both mean the credential's lifecycle and its use have come apart.
pub(crate) fn entra_dead_credential(view: &EventView, state: &mut IdentityState) -> Option<Alert> {
    let event = view.event;
    if event.source != EventSource::EntraSignIn || event.outcome != Outcome::Failure {
        return None;
    }
    let error = event.error.as_deref()?;
    let code = error
        .strip_prefix("AADSTS")?
        .split(|c: char| !c.is_ascii_digit())
        .next()?;
    let why = match code {
        "7000222" => "presented an expired client secret",
        "7000112" => "signed in as an application that is disabled",
        "700024" => "presented a client assertion outside its validity period",
        _ => return None,
    };
    let cooldown = format!("{}:AADSTS{code}", alert::USE_AFTER_DEACTIVATION.id);
    if cooldown_active(state, &cooldown, view.time) {
        return None;
    }
    start_cooldown(state, &cooldown, view.time, DEAD_CREDENTIAL_COOLDOWN_SECS);
    let credential = event.actor.credential_id.as_deref().unwrap_or("unknown");
    Some(
        view.alert(&alert::USE_AFTER_DEACTIVATION, &format!("AADSTS{code}"))
            .explain(format!(
                "{} {why} (AADSTS{code}, credential key {credential}); baseline: a retired credential should never be presented again",
                event.actor.principal
            ))
            .observed("error", format!("AADSTS{code}"))
            .observed("credential", credential),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasion_is_per_source() {
        assert!(evasion(EventSource::GithubAudit, "audit_log_streaming.destroy").is_some());
        assert!(evasion(EventSource::OktaSystemLog, "audit_log_streaming.destroy").is_none());
        assert!(
            evasion(
                EventSource::OktaSystemLog,
                "system.log_stream.lifecycle.deactivate"
            )
            .is_some()
        );
        assert!(evasion(EventSource::GithubAudit, "repo.create").is_none());
        assert!(evasion(EventSource::CloudTrail, "secret_scanning.disable").is_none());
    }
}
