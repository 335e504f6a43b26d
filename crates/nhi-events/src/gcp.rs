//! GCP Cloud Audit Logs: `LogEntry` objects whose `protoPayload` is an `AuditLog`.

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;

use crate::lenient::{Count, Lenient, Text};
use crate::record::Parsed;
use crate::time::parse_timestamp;

const AUDIT_LOG_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LogEntry<'a> {
    #[serde(borrow)]
    proto_payload: Lenient<AuditLog<'a>>,
    #[serde(borrow)]
    timestamp: Text<'a>,
    #[serde(borrow)]
    receive_timestamp: Text<'a>,
    #[serde(borrow)]
    insert_id: Text<'a>,
    #[serde(borrow)]
    resource: Lenient<MonitoredResource<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AuditLog<'a> {
    #[serde(borrow, rename = "@type")]
    type_url: Text<'a>,
    #[serde(borrow)]
    service_name: Text<'a>,
    #[serde(borrow)]
    method_name: Text<'a>,
    #[serde(borrow)]
    resource_name: Text<'a>,
    #[serde(borrow)]
    authentication_info: Lenient<AuthenticationInfo<'a>>,
    #[serde(borrow)]
    request_metadata: Lenient<RequestMetadata<'a>>,
    #[serde(borrow)]
    status: Lenient<Status<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AuthenticationInfo<'a> {
    #[serde(borrow)]
    principal_email: Text<'a>,
    #[serde(borrow)]
    principal_subject: Text<'a>,
    #[serde(borrow)]
    service_account_key_name: Text<'a>,
    #[serde(borrow)]
    service_account_delegation_info: Lenient<Vec<Delegation<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Delegation<'a> {
    #[serde(borrow)]
    first_party_principal: Lenient<FirstPartyPrincipal<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct FirstPartyPrincipal<'a> {
    #[serde(borrow)]
    principal_email: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RequestMetadata<'a> {
    #[serde(borrow)]
    caller_ip: Text<'a>,
    #[serde(borrow)]
    caller_supplied_user_agent: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status<'a> {
    code: Count,
    #[serde(borrow)]
    message: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonitoredResource<'a> {
    #[serde(borrow)]
    labels: Lenient<ResourceLabels<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResourceLabels<'a> {
    #[serde(borrow)]
    project_id: Text<'a>,
    #[serde(borrow)]
    location: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
    #[serde(borrow)]
    zone: Text<'a>,
}

/// google.rpc.Code names, for `error`.
fn rpc_code_name(code: u64) -> Option<&'static str> {
    Some(match code {
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => return None,
    })
}

pub(crate) fn parse(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let entry: LogEntry = crate::lenient::from_str(text)?;
    let Some(payload) = entry.proto_payload.0 else {
        return Ok(Parsed::NotThisFormat);
    };
    if payload
        .type_url
        .get()
        .is_some_and(|type_url| type_url != AUDIT_LOG_TYPE)
    {
        return Ok(Parsed::NotThisFormat);
    }
    let authentication = payload.authentication_info.0.unwrap_or_default();
    let principal = authentication
        .principal_email
        .get()
        .or(authentication.principal_subject.get())
        .unwrap_or_default();
    let mut details = BTreeMap::new();
    // With impersonation the chain's first entry is who started it.
    let delegated_by = authentication
        .service_account_delegation_info
        .as_ref()
        .and_then(|chain| chain.first())
        .and_then(|link| link.first_party_principal.as_ref())
        .and_then(|first| first.principal_email.owned());
    if let Some(delegated_by) = delegated_by {
        details.insert("delegated_by".to_owned(), delegated_by);
    }
    // `//iam.googleapis.com/projects/P/serviceAccounts/SA/keys/KEY_ID` → `KEY_ID`.
    let credential_id = authentication.service_account_key_name.get().map(|name| {
        name.rsplit_once("/keys/")
            .map_or(name, |(_, key)| key)
            .to_owned()
    });
    let is_service_account = principal.ends_with(".gserviceaccount.com");
    let account = principal
        .split_once('@')
        .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"))
        .map(str::to_owned);
    let kind = if is_service_account {
        Some("serviceAccount")
    } else if principal.contains('@') {
        Some("user")
    } else {
        None
    };

    let status = payload.status.0.unwrap_or_default();
    let (outcome, error) = match status.code.0 {
        None | Some(0) => (Outcome::Success, None),
        Some(code) => {
            let name = rpc_code_name(code).map_or_else(|| code.to_string(), str::to_owned);
            let error = match status.message.get().filter(|message| message.len() <= 200) {
                Some(message) => format!("{name}: {message}"),
                None => name,
            };
            (Outcome::Failure, Some(error))
        }
    };
    let labels = entry
        .resource
        .0
        .and_then(|resource| resource.labels.0)
        .unwrap_or_default();
    let request = payload.request_metadata.0.unwrap_or_default();

    Ok(Parsed::Event(Box::new(ActivityEvent {
        source: EventSource::GcpAudit,
        id: entry.insert_id.owned(),
        time: entry
            .timestamp
            .get()
            .or(entry.receive_timestamp.get())
            .and_then(parse_timestamp),
        actor: Actor {
            principal: principal.to_owned(),
            kind: kind.map(str::to_owned),
            credential_id,
            session: None,
            account,
            display_name: None,
        },
        action: payload.method_name.owned().unwrap_or_default(),
        service: payload.service_name.owned().unwrap_or_default(),
        resources: payload.resource_name.owned().into_iter().collect(),
        target_account: labels.project_id.owned(),
        source_ip: request.caller_ip.owned(),
        user_agent: request.caller_supplied_user_agent.owned(),
        region: labels
            .location
            .get()
            .or(labels.region.get())
            .or(labels.zone.get())
            .map(str::to_owned),
        outcome,
        error,
        bytes_out: None,
        bytes_in: None,
        read_only: None,
        details,
        origin,
    })))
}
