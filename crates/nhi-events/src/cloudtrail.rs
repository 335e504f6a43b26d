//! AWS CloudTrail records: S3 delivery files, single events, CloudTrail Lake / NDJSON
//! exports (camelCase, or Athena's all-lowercase top-level keys) and EventBridge
//! "AWS API Call via CloudTrail" envelopes.

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::lenient::{Count, Flag, Lenient, Text};
use crate::record::Parsed;
use crate::time::parse_timestamp;

/// Error messages longer than this are cut: the code is what detectors match on, the
/// message is for the person reading the alert.
const MAX_ERROR_MESSAGE: usize = 200;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow, rename = "eventTime", alias = "eventtime")]
    event_time: Text<'a>,
    #[serde(borrow, rename = "eventSource", alias = "eventsource")]
    event_source: Text<'a>,
    #[serde(borrow, rename = "eventName", alias = "eventname")]
    event_name: Text<'a>,
    #[serde(borrow, rename = "awsRegion", alias = "awsregion")]
    aws_region: Text<'a>,
    #[serde(borrow, rename = "sourceIPAddress", alias = "sourceipaddress")]
    source_ip_address: Text<'a>,
    #[serde(borrow, rename = "userAgent", alias = "useragent")]
    user_agent: Text<'a>,
    #[serde(borrow, rename = "errorCode", alias = "errorcode")]
    error_code: Text<'a>,
    #[serde(borrow, rename = "errorMessage", alias = "errormessage")]
    error_message: Text<'a>,
    #[serde(borrow, rename = "eventID", alias = "eventid")]
    event_id: Text<'a>,
    #[serde(borrow, rename = "recipientAccountId", alias = "recipientaccountid")]
    recipient_account_id: Text<'a>,
    #[serde(rename = "readOnly", alias = "readonly")]
    read_only: Flag,
    #[serde(borrow, rename = "userIdentity", alias = "useridentity")]
    user_identity: Lenient<UserIdentity<'a>>,
    #[serde(borrow)]
    resources: Lenient<Vec<ResourceRef<'a>>>,
    #[serde(borrow, rename = "requestParameters", alias = "requestparameters")]
    request_parameters: Lenient<RequestParameters<'a>>,
    /// Kept raw and parsed only for `ConsoleLogin`: on other calls it can be the
    /// largest part of the record and nothing in it is needed.
    #[serde(borrow, rename = "responseElements", alias = "responseelements")]
    response_elements: Option<&'a RawValue>,
    #[serde(borrow, rename = "additionalEventData", alias = "additionaleventdata")]
    additional_event_data: Lenient<AdditionalEventData<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    principal_id: Text<'a>,
    #[serde(borrow)]
    arn: Text<'a>,
    #[serde(borrow)]
    account_id: Text<'a>,
    #[serde(borrow)]
    access_key_id: Text<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
    #[serde(borrow)]
    invoked_by: Text<'a>,
    #[serde(borrow)]
    session_context: Lenient<SessionContext<'a>>,
    #[serde(borrow)]
    on_behalf_of: Lenient<OnBehalfOf<'a>>,
    #[serde(borrow)]
    credential_id: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SessionContext<'a> {
    #[serde(borrow)]
    session_issuer: Lenient<SessionIssuer<'a>>,
    attributes: Lenient<SessionAttributes>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SessionIssuer<'a> {
    #[serde(borrow)]
    arn: Text<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SessionAttributes {
    mfa_authenticated: Flag,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct OnBehalfOf<'a> {
    #[serde(borrow)]
    user_id: Text<'a>,
    #[serde(borrow)]
    identity_store_arn: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResourceRef<'a> {
    #[serde(borrow, rename = "ARN", alias = "arn")]
    arn: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RequestParameters<'a> {
    #[serde(borrow)]
    bucket_name: Text<'a>,
    #[serde(borrow)]
    key: Text<'a>,
    #[serde(borrow)]
    role_arn: Text<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
    #[serde(borrow)]
    snapshot_id: Text<'a>,
    #[serde(borrow)]
    image_id: Text<'a>,
    #[serde(borrow)]
    create_volume_permission: Lenient<PermissionChange<'a>>,
    #[serde(borrow)]
    launch_permission: Lenient<PermissionChange<'a>>,
    #[serde(borrow)]
    attribute_name: Text<'a>,
    #[serde(borrow)]
    values_to_add: Lenient<Vec<Text<'a>>>,
    #[serde(borrow, rename = "dBSnapshotIdentifier")]
    db_snapshot_identifier: Text<'a>,
    #[serde(borrow, rename = "dBClusterSnapshotIdentifier")]
    db_cluster_snapshot_identifier: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PermissionChange<'a> {
    #[serde(borrow)]
    add: Lenient<PermissionItems<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PermissionItems<'a> {
    #[serde(borrow)]
    items: Lenient<Vec<PermissionItem<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PermissionItem<'a> {
    #[serde(borrow)]
    user_id: Text<'a>,
    #[serde(borrow)]
    group: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResponseElements<'a> {
    #[serde(borrow, rename = "ConsoleLogin")]
    console_login: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AdditionalEventData<'a> {
    #[serde(borrow, rename = "MFAUsed")]
    mfa_used: Text<'a>,
    #[serde(rename = "bytesTransferredIn")]
    bytes_transferred_in: Count,
    #[serde(rename = "bytesTransferredOut")]
    bytes_transferred_out: Count,
}

/// The EventBridge envelope: the CloudTrail record sits in `detail`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct EventBridgeEvent<'a> {
    #[serde(borrow, rename = "detail-type")]
    detail_type: Text<'a>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(borrow)]
    time: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
}

pub(crate) fn parse(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let record: Record = crate::lenient::from_str(text)?;
    Ok(Parsed::Event(Box::new(normalise(record, origin))))
}

/// [`parse`], taking `origin` only once the record has parsed, so a caller can still
/// name the record in a warning when it did not.
pub(crate) fn parse_taking_origin(
    text: &str,
    origin: &mut String,
) -> Result<Parsed, serde_json::Error> {
    let record: Record = crate::lenient::from_str(text)?;
    Ok(Parsed::Event(Box::new(normalise(
        record,
        std::mem::take(origin),
    ))))
}

/// EventBridge delivers CloudTrail under detail types ending in "via CloudTrail" ("AWS
/// API Call via CloudTrail", "AWS Console Sign In via CloudTrail"); other detail types
/// are other AWS events and not handled here.
pub(crate) fn parse_eventbridge(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let envelope: EventBridgeEvent = serde_json::from_str(text)?;
    let is_cloudtrail = envelope
        .detail_type
        .get()
        .is_some_and(|kind| kind.ends_with("via CloudTrail"));
    let Some(detail) = envelope.detail.filter(|_| is_cloudtrail) else {
        return Ok(Parsed::NotThisFormat);
    };
    let record: Record = crate::lenient::from_str(detail.get())?;
    let mut event = normalise(record, origin);
    if event.time.is_none() {
        event.time = envelope.time.get().and_then(parse_timestamp);
    }
    if event.region.is_none() {
        event.region = envelope.region.owned();
    }
    Ok(Parsed::Event(Box::new(event)))
}

fn normalise(record: Record, origin: String) -> ActivityEvent {
    let identity = record.user_identity.0.unwrap_or_default();
    let request = record.request_parameters.0.unwrap_or_default();
    let additional = record.additional_event_data.0.unwrap_or_default();
    let event_name = record.event_name.get().unwrap_or_default();
    let mut details = BTreeMap::new();

    let actor = actor_from(&identity, &mut details);
    let target_account = record.recipient_account_id.owned();

    let mut resources: Vec<String> = Vec::new();
    let mut add_resource = |resource: String| {
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    };
    for resource in record.resources.0.iter().flatten() {
        if let Some(arn) = resource.arn.owned() {
            add_resource(arn);
        }
    }
    if let Some(bucket) = request.bucket_name.get() {
        match request.key.get() {
            Some(key) => add_resource(format!("arn:aws:s3:::{bucket}/{key}")),
            None => add_resource(format!("arn:aws:s3:::{bucket}")),
        }
    }
    if let Some(role_arn) = request.role_arn.get() {
        add_resource(role_arn.to_owned());
        if event_name.starts_with("AssumeRole") {
            details.insert("role_arn".to_owned(), role_arn.to_owned());
        }
    }
    let service = record.event_source.get().map(|source| {
        source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(source)
            .to_owned()
    });
    if let Some(user_name) = request
        .user_name
        .get()
        .filter(|_| service.as_deref() == Some("iam"))
    {
        // The user lives in the account that received the call; its IAM path is not
        // in the record, so the ARN is the path-less form.
        match target_account.as_deref().or(actor.account.as_deref()) {
            Some(account) => add_resource(format!("arn:aws:iam::{account}:user/{user_name}")),
            None => add_resource(user_name.to_owned()),
        }
    }
    for id in [
        &request.snapshot_id,
        &request.image_id,
        &request.db_snapshot_identifier,
        &request.db_cluster_snapshot_identifier,
    ] {
        if let Some(id) = id.owned() {
            add_resource(id);
        }
    }

    if let Some(shared_with) = shared_with(event_name, &request) {
        details.insert("shared_with".to_owned(), shared_with);
    }

    let response_elements: Option<ResponseElements> = record
        .response_elements
        .filter(|_| event_name == "ConsoleLogin")
        .and_then(|raw| serde_json::from_str(raw.get()).ok());
    let console_login = response_elements
        .as_ref()
        .and_then(|elements| elements.console_login.get());
    if event_name == "ConsoleLogin" {
        details.insert("console_login".to_owned(), "true".to_owned());
    }
    let mfa = match additional.mfa_used.get() {
        Some(used) if used.eq_ignore_ascii_case("yes") => Some(true),
        Some(used) if used.eq_ignore_ascii_case("no") => Some(false),
        _ => identity
            .session_context
            .as_ref()
            .and_then(|context| context.attributes.as_ref())
            .and_then(|attributes| attributes.mfa_authenticated.0),
    };
    if let Some(mfa) = mfa {
        details.insert("mfa".to_owned(), mfa.to_string());
    }

    let login_failed = console_login.is_some_and(|result| result.eq_ignore_ascii_case("Failure"));
    let (outcome, error) = match (record.error_code.get(), record.error_message.get()) {
        (Some(code), Some(message)) => (
            Outcome::Failure,
            Some(format!("{code}: {}", shorten(message))),
        ),
        (Some(code), None) => (Outcome::Failure, Some(code.to_owned())),
        (None, message) if login_failed => (
            Outcome::Failure,
            message.map(|message| shorten(message).to_owned()),
        ),
        (None, _) => (Outcome::Success, None),
    };

    ActivityEvent {
        source: EventSource::CloudTrail,
        id: record.event_id.owned(),
        time: record.event_time.get().and_then(parse_timestamp),
        actor,
        action: event_name.to_owned(),
        service: service.unwrap_or_default(),
        resources,
        target_account,
        source_ip: record.source_ip_address.owned(),
        user_agent: record.user_agent.owned(),
        region: record.aws_region.owned(),
        outcome,
        error,
        bytes_out: additional.bytes_transferred_out.0,
        bytes_in: additional.bytes_transferred_in.0,
        read_only: record.read_only.0,
        details,
        origin,
    }
}

/// The principal per identity type (see the crate README for the table). Fields that
/// are absent stay absent: a partial record yields an empty principal, not a guess.
fn actor_from(identity: &UserIdentity, details: &mut BTreeMap<String, String>) -> Actor {
    let kind = identity.kind.get();
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|context| context.session_issuer.as_ref());
    let issuer_arn = issuer.and_then(|issuer| issuer.arn.get());
    if let Some(issuer_arn) = issuer_arn {
        details.insert("session_issuer".to_owned(), issuer_arn.to_owned());
    }
    let arn = identity.arn.get();
    let fallback = || {
        arn.or(identity.principal_id.get())
            .or(identity.user_name.get())
            .or(identity.account_id.get())
            .map(str::to_owned)
    };
    let mut credential_id = identity.access_key_id.owned();
    let mut display_name = identity.user_name.owned();
    let (principal, session) = match kind {
        Some("AssumedRole") => {
            display_name =
                display_name.or_else(|| issuer.and_then(|issuer| issuer.user_name.owned()));
            let principal = issuer_arn
                .map(str::to_owned)
                .or_else(|| arn.and_then(role_arn_from_session_arn))
                .or_else(fallback);
            (
                principal,
                arn.and_then(|arn| after_marker(arn, ":assumed-role/")),
            )
        }
        Some("FederatedUser") => {
            let principal = issuer_arn.map(str::to_owned).or_else(fallback);
            (
                principal,
                arn.and_then(|arn| after_marker_whole(arn, ":federated-user/")),
            )
        }
        Some("AWSService") => (identity.invoked_by.owned().or_else(fallback), None),
        Some("AWSAccount") => {
            // Another account's principal: the unique ID, with any session after ':'.
            match identity
                .principal_id
                .get()
                .and_then(|id| id.split_once(':'))
            {
                Some((unique_id, session)) if !unique_id.is_empty() => (
                    Some(unique_id.to_owned()),
                    Some(session.to_owned()).filter(|s| !s.is_empty()),
                ),
                _ => (fallback(), None),
            }
        }
        Some("IdentityCenterUser") => {
            let on_behalf_of = identity.on_behalf_of.as_ref();
            if let Some(store) = on_behalf_of.and_then(|who| who.identity_store_arn.get()) {
                details.insert("identity_store".to_owned(), store.to_owned());
            }
            credential_id = credential_id.or_else(|| identity.credential_id.owned());
            (
                on_behalf_of
                    .and_then(|who| who.user_id.owned())
                    .or_else(fallback),
                None,
            )
        }
        _ => (fallback(), None),
    };
    Actor {
        principal: principal.unwrap_or_default(),
        kind: kind.map(str::to_owned),
        credential_id,
        session,
        account: identity.account_id.owned(),
        display_name,
    }
}

/// `arn:aws:sts::111122223333:assumed-role/Name/session` → the role ARN without its
/// path (the session ARN does not carry the path).
fn role_arn_from_session_arn(arn: &str) -> Option<String> {
    let (prefix, rest) = arn.split_once(":assumed-role/")?;
    let role = rest.split('/').next().filter(|role| !role.is_empty())?;
    let account = prefix
        .rsplit(':')
        .next()
        .filter(|account| !account.is_empty())?;
    let partition = prefix.split(':').nth(1).unwrap_or("aws");
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// The session name: what follows `Name/` after the marker, if there is one (Panther's
/// test records shorten session ARNs to `assumed-role/Name`).
fn after_marker(arn: &str, marker: &str) -> Option<String> {
    let (_, rest) = arn.split_once(marker)?;
    let (_, session) = rest.split_once('/')?;
    Some(session.to_owned()).filter(|session| !session.is_empty())
}

fn after_marker_whole(arn: &str, marker: &str) -> Option<String> {
    let (_, rest) = arn.split_once(marker)?;
    Some(rest.to_owned()).filter(|session| !session.is_empty())
}

/// External accounts a snapshot or image was shared with, comma-separated; `all` means
/// public.
fn shared_with(event_name: &str, request: &RequestParameters) -> Option<String> {
    let mut accounts: Vec<String> = Vec::new();
    match event_name {
        "ModifySnapshotAttribute" | "ModifyImageAttribute" => {
            let change = if event_name == "ModifySnapshotAttribute" {
                request.create_volume_permission.as_ref()
            } else {
                request.launch_permission.as_ref()
            };
            let items = change
                .and_then(|change| change.add.as_ref())
                .and_then(|add| add.items.as_ref());
            for item in items.into_iter().flatten() {
                if let Some(account) = item
                    .user_id
                    .get()
                    .or(item.group.get().filter(|group| *group == "all"))
                {
                    accounts.push(account.to_owned());
                }
            }
        }
        "ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute" => {
            if request.attribute_name.get() != Some("restore") {
                return None;
            }
            for value in request.values_to_add.as_ref().into_iter().flatten() {
                if let Some(account) = value.get() {
                    accounts.push(account.to_owned());
                }
            }
        }
        _ => return None,
    }
    accounts.dedup();
    (!accounts.is_empty()).then(|| accounts.join(","))
}

fn shorten(message: &str) -> &str {
    if message.len() <= MAX_ERROR_MESSAGE {
        return message;
    }
    let mut end = MAX_ERROR_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_is_rebuilt_from_a_session_arn() {
        assert_eq!(
            role_arn_from_session_arn("arn:aws:sts::123456789012:assumed-role/Deploy/ci-42")
                .as_deref(),
            Some("arn:aws:iam::123456789012:role/Deploy")
        );
        assert_eq!(
            role_arn_from_session_arn("arn:aws-us-gov:sts::123456789012:assumed-role/Deploy")
                .as_deref(),
            Some("arn:aws-us-gov:iam::123456789012:role/Deploy")
        );
        assert_eq!(role_arn_from_session_arn("arn:aws:iam::1:user/x"), None);
        assert_eq!(
            after_marker("arn:aws:sts::1:assumed-role/R", ":assumed-role/"),
            None
        );
        assert_eq!(
            after_marker("arn:aws:sts::1:assumed-role/R/s", ":assumed-role/").as_deref(),
            Some("s")
        );
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let message = "é".repeat(150);
        let short = shorten(&message);
        assert!(short.len() <= MAX_ERROR_MESSAGE);
        assert!(message.starts_with(short));
    }
}
