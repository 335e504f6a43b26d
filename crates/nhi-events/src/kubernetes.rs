//! Kubernetes audit events (`audit.k8s.io/v1` `Event`, one per line, or an `EventList`).

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;

use crate::lenient::{Count, Lenient, Text};
use crate::reader::ReadOptions;
use crate::record::Parsed;
use crate::time::parse_timestamp;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AuditEvent<'a> {
    #[serde(borrow, rename = "auditID")]
    audit_id: Text<'a>,
    #[serde(borrow)]
    stage: Text<'a>,
    #[serde(borrow, rename = "requestURI")]
    request_uri: Text<'a>,
    #[serde(borrow)]
    verb: Text<'a>,
    #[serde(borrow)]
    user: Lenient<UserInfo<'a>>,
    #[serde(borrow)]
    impersonated_user: Lenient<UserInfo<'a>>,
    #[serde(borrow, rename = "sourceIPs")]
    source_ips: Lenient<Vec<Text<'a>>>,
    #[serde(borrow)]
    user_agent: Text<'a>,
    #[serde(borrow)]
    object_ref: Lenient<ObjectReference<'a>>,
    #[serde(borrow)]
    response_status: Lenient<Status<'a>>,
    #[serde(borrow)]
    request_received_timestamp: Text<'a>,
    #[serde(borrow)]
    stage_timestamp: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserInfo<'a> {
    #[serde(borrow)]
    username: Text<'a>,
    #[serde(borrow)]
    groups: Lenient<Vec<Text<'a>>>,
    #[serde(borrow)]
    extra: Lenient<UserExtra<'a>>,
}

/// The one `user.extra` key nhi needs: the bound service-account token's JWT ID
/// (`JTI=…`) or client certificate digest (`X509SHA256=…`) — identifiers, not secrets.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserExtra<'a> {
    #[serde(borrow, rename = "authentication.kubernetes.io/credential-id")]
    credential_id: Lenient<Vec<Text<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ObjectReference<'a> {
    #[serde(borrow)]
    resource: Text<'a>,
    #[serde(borrow)]
    subresource: Text<'a>,
    #[serde(borrow)]
    namespace: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    api_group: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status<'a> {
    code: Count,
    #[serde(borrow)]
    reason: Text<'a>,
    #[serde(borrow)]
    message: Text<'a>,
}

/// Stages that describe a finished request. `RequestReceived` and `ResponseStarted`
/// repeat the same request earlier (same auditID) and carry no response code, so they
/// are skipped unless `ReadOptions::all_kubernetes_stages` is set. Events without a
/// stage are kept.
fn is_final_stage(stage: Option<&str>) -> bool {
    matches!(stage, None | Some("ResponseComplete") | Some("Panic"))
}

pub(crate) fn parse(
    text: &str,
    origin: String,
    options: &ReadOptions,
) -> Result<Parsed, serde_json::Error> {
    let event: AuditEvent = crate::lenient::from_str(text)?;
    if !options.all_kubernetes_stages && !is_final_stage(event.stage.get()) {
        return Ok(Parsed::SkippedStage);
    }
    let user = event.user.0.unwrap_or_default();
    let username = user.username.get().unwrap_or_default();
    let mut details = BTreeMap::new();
    let groups: Vec<&str> = user
        .groups
        .as_ref()
        .into_iter()
        .flatten()
        .filter_map(Text::get)
        .collect();
    if !groups.is_empty() {
        details.insert("groups".to_owned(), groups.join(","));
    }
    let credential_id = user
        .extra
        .as_ref()
        .and_then(|extra| extra.credential_id.as_ref())
        .and_then(|ids| ids.iter().find_map(Text::owned));

    let verb = event.verb.get().unwrap_or_default();
    let object = event.object_ref.0.unwrap_or_default();
    let (service, resources) = match object.resource.get() {
        Some(resource) => {
            let group = object.api_group.get().unwrap_or("core");
            let mut service = format!("{group}/{resource}");
            let mut path = String::new();
            if let Some(namespace) = object.namespace.get() {
                path.push_str(&format!("namespaces/{namespace}/"));
            }
            path.push_str(resource);
            if let Some(name) = object.name.get() {
                path.push('/');
                path.push_str(name);
            }
            if let Some(subresource) = object.subresource.get() {
                service.push('/');
                service.push_str(subresource);
                path.push('/');
                path.push_str(subresource);
            }
            (service, vec![path])
        }
        // Non-resource requests (`/healthz`, `/metrics`): the URI is the resource.
        None => (
            "nonResource".to_owned(),
            event.request_uri.owned().into_iter().collect(),
        ),
    };

    let status = event.response_status.0.unwrap_or_default();
    let (outcome, error) = match status.code.0 {
        Some(code) if (200..400).contains(&code) => (Outcome::Success, None),
        Some(code) => {
            let error = status
                .reason
                .owned()
                .or_else(|| {
                    status
                        .message
                        .get()
                        .filter(|message| message.len() <= 200)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| code.to_string());
            (Outcome::Failure, Some(error))
        }
        None => (Outcome::Unknown, None),
    };

    let time = event
        .request_received_timestamp
        .get()
        .or(event.stage_timestamp.get())
        .and_then(parse_timestamp);
    let kind = if username.starts_with("system:serviceaccount:") {
        Some("ServiceAccount")
    } else if username.starts_with("system:node:") {
        Some("Node")
    } else if username.is_empty() {
        None
    } else {
        Some("User")
    };

    Ok(Parsed::Event(Box::new(ActivityEvent {
        source: EventSource::KubernetesAudit,
        id: event.audit_id.owned(),
        time,
        actor: Actor {
            principal: username.to_owned(),
            kind: kind.map(str::to_owned),
            credential_id,
            session: event
                .impersonated_user
                .as_ref()
                .and_then(|who| who.username.owned()),
            account: None,
            display_name: None,
        },
        action: verb.to_owned(),
        service,
        resources,
        target_account: None,
        source_ip: event
            .source_ips
            .as_ref()
            .and_then(|ips| ips.iter().find_map(Text::owned)),
        user_agent: event.user_agent.owned(),
        region: None,
        outcome,
        error,
        bytes_out: None,
        bytes_in: None,
        read_only: (!verb.is_empty()).then_some(matches!(verb, "get" | "list" | "watch")),
        details,
        origin,
    })))
}
