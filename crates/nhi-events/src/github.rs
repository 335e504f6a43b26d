//! GitHub audit log entries (REST API arrays and audit-log streaming, JSON lines).

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;

use crate::lenient::{Flag, Text};
use crate::record::Parsed;
use crate::time::parse_millis_or_rfc3339;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(borrow)]
    action: Text<'a>,
    #[serde(borrow)]
    actor: Text<'a>,
    actor_is_bot: Flag,
    #[serde(borrow)]
    actor_ip: Text<'a>,
    #[serde(borrow)]
    user_agent: Text<'a>,
    #[serde(borrow, rename = "@timestamp")]
    timestamp: Text<'a>,
    #[serde(borrow)]
    created_at: Text<'a>,
    #[serde(borrow)]
    org: Text<'a>,
    #[serde(borrow)]
    business: Text<'a>,
    #[serde(borrow)]
    repo: Text<'a>,
    #[serde(borrow)]
    user: Text<'a>,
    #[serde(borrow)]
    programmatic_access_type: Text<'a>,
    #[serde(borrow)]
    token_id: Text<'a>,
    #[serde(borrow)]
    hashed_token: Text<'a>,
    #[serde(borrow)]
    operation_type: Text<'a>,
    #[serde(borrow)]
    visibility: Text<'a>,
    #[serde(borrow)]
    previous_visibility: Text<'a>,
    #[serde(borrow, rename = "_document_id")]
    document_id: Text<'a>,
}

pub(crate) fn parse(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let entry: Entry = serde_json::from_str(text)?;
    let action = entry.action.get().unwrap_or_default();
    let actor = entry.actor.get().unwrap_or_default();
    let kind = if entry.actor_is_bot.0 == Some(true) || actor.ends_with("[bot]") {
        Some("Bot")
    } else if actor.is_empty() {
        None
    } else {
        Some("User")
    };
    let mut details = BTreeMap::new();
    if let Some(access) = entry.programmatic_access_type.owned() {
        details.insert("programmatic_access_type".to_owned(), access);
    }
    if let Some(operation) = entry.operation_type.owned() {
        details.insert("operation_type".to_owned(), operation);
    }
    if let Some(visibility) = entry.visibility.get() {
        details.insert("visibility".to_owned(), visibility.to_owned());
        // A repository turned public is shared with everyone: the same exposure as a
        // snapshot shared with `all`, so the same detector speaks for it.
        if action == "repo.access"
            && visibility == "public"
            && entry.previous_visibility.get() != Some("public")
        {
            details.insert("shared_with".to_owned(), "all".to_owned());
        }
    }
    if let Some(previous) = entry.previous_visibility.owned() {
        details.insert("previous_visibility".to_owned(), previous);
    }
    let mut resources: Vec<String> = entry.repo.owned().into_iter().collect();
    if let Some(user) = entry.user.owned() {
        resources.push(user);
    }
    Ok(Parsed::Event(Box::new(ActivityEvent {
        source: EventSource::GithubAudit,
        id: entry.document_id.owned(),
        time: entry
            .timestamp
            .get()
            .or(entry.created_at.get())
            .and_then(parse_millis_or_rfc3339),
        actor: Actor {
            principal: actor.to_owned(),
            kind: kind.map(str::to_owned),
            // token_id identifies the token; hashed_token is GitHub's searchable digest
            // of it, never the token itself.
            credential_id: entry
                .token_id
                .owned()
                .or_else(|| entry.hashed_token.owned()),
            session: None,
            account: entry.org.owned().or_else(|| entry.business.owned()),
            display_name: None,
        },
        action: action.to_owned(),
        service: action.split('.').next().unwrap_or_default().to_owned(),
        resources,
        target_account: None,
        source_ip: entry.actor_ip.owned(),
        user_agent: entry.user_agent.owned(),
        region: None,
        // The audit log records actions that took place; it has no failure field.
        outcome: Outcome::Success,
        error: None,
        bytes_out: None,
        bytes_in: None,
        read_only: match action {
            "git.clone" | "git.fetch" => Some(true),
            "git.push" => Some(false),
            _ => None,
        },
        details,
        origin,
    })))
}
