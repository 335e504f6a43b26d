//! Okta System Log events (`/api/v1/logs` arrays, or one event per line).

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;

use crate::lenient::{Lenient, Text};
use crate::record::Parsed;
use crate::time::parse_timestamp;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LogEvent<'a> {
    #[serde(borrow)]
    uuid: Text<'a>,
    #[serde(borrow)]
    published: Text<'a>,
    #[serde(borrow)]
    event_type: Text<'a>,
    #[serde(borrow)]
    actor: Lenient<Party<'a>>,
    #[serde(borrow)]
    client: Lenient<Client<'a>>,
    #[serde(borrow)]
    outcome: Lenient<EventOutcome<'a>>,
    #[serde(borrow)]
    target: Lenient<Vec<Party<'a>>>,
    #[serde(borrow)]
    authentication_context: Lenient<AuthenticationContext<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Party<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    alternate_id: Text<'a>,
    #[serde(borrow)]
    display_name: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Client<'a> {
    #[serde(borrow)]
    ip_address: Text<'a>,
    #[serde(borrow)]
    user_agent: Lenient<UserAgent<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct UserAgent<'a> {
    #[serde(borrow)]
    raw_user_agent: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventOutcome<'a> {
    #[serde(borrow)]
    result: Text<'a>,
    #[serde(borrow)]
    reason: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AuthenticationContext<'a> {
    #[serde(borrow)]
    external_session_id: Text<'a>,
    #[serde(borrow)]
    credential_type: Text<'a>,
}

pub(crate) fn parse(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let event: LogEvent = crate::lenient::from_str(text)?;
    let actor = event.actor.0.unwrap_or_default();
    let event_type = event.event_type.get().unwrap_or_default();
    let authentication = event.authentication_context.0.unwrap_or_default();
    let client = event.client.0.unwrap_or_default();
    let result = event
        .outcome
        .as_ref()
        .and_then(|outcome| outcome.result.get());
    // SKIPPED, UNKNOWN, CHALLENGE… say nothing about success.
    let outcome = match result {
        Some("SUCCESS") | Some("ALLOW") => Outcome::Success,
        Some("FAILURE") | Some("DENY") => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    let error = (outcome == Outcome::Failure)
        .then(|| {
            event
                .outcome
                .as_ref()
                .and_then(|outcome| outcome.reason.owned())
        })
        .flatten();
    let mut details = BTreeMap::new();
    if let Some(alternate_id) = actor.alternate_id.owned() {
        details.insert("alternate_id".to_owned(), alternate_id);
    }
    if let Some(credential_type) = authentication.credential_type.owned() {
        details.insert("credential_type".to_owned(), credential_type);
    }
    Ok(Parsed::Event(Box::new(ActivityEvent {
        source: EventSource::OktaSystemLog,
        id: event.uuid.owned(),
        time: event.published.get().and_then(parse_timestamp),
        actor: Actor {
            principal: actor.id.owned().unwrap_or_default(),
            kind: actor.kind.owned(),
            credential_id: None,
            session: authentication.external_session_id.owned(),
            account: None,
            display_name: actor.display_name.owned(),
        },
        action: event_type.to_owned(),
        service: event_type.split('.').next().unwrap_or_default().to_owned(),
        resources: event
            .target
            .as_ref()
            .into_iter()
            .flatten()
            .filter_map(|target| target.id.owned())
            .collect(),
        target_account: None,
        source_ip: client.ip_address.owned(),
        user_agent: client
            .user_agent
            .as_ref()
            .and_then(|agent| agent.raw_user_agent.owned()),
        region: None,
        outcome,
        error,
        bytes_out: None,
        bytes_in: None,
        read_only: None,
        details,
        origin,
    })))
}
