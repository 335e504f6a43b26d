//! Turning a call plus a caller into a finished CloudTrail record.

use rand::Rng;

use crate::api::Call;
use crate::estate::Identity;
use crate::ids;
use crate::record::{
    EVENT_VERSION, Record, SessionAttributes, SessionContext, SessionIssuer, TlsDetails,
    UserIdentity,
};

/// Who signed a request, from where, with which client.
#[derive(Debug, Clone)]
pub struct Caller {
    pub identity: UserIdentity,
    pub source_ip: String,
    pub user_agent: String,
    /// The request came from a console session (AWS then sets sessionCredentialFromConsole).
    pub console: bool,
}

pub fn rfc3339(epoch_seconds: i64) -> String {
    jiff::Timestamp::from_second(epoch_seconds)
        .expect("simulated time is in range")
        .to_string()
}

/// The userIdentity of a role session, as CloudTrail writes it for AssumedRole callers.
pub fn role_session_identity(
    identity: &Identity,
    session_name: &str,
    access_key_id: &str,
    created_at: i64,
) -> UserIdentity {
    role_session_identity_parts(
        &identity.account,
        &identity.name,
        &identity.unique_id,
        session_name,
        access_key_id,
        created_at,
        matches!(identity.kind, crate::estate::IdentityKind::Ec2Role),
    )
}

pub fn role_session_identity_parts(
    account: &str,
    role_name: &str,
    role_unique_id: &str,
    session_name: &str,
    access_key_id: &str,
    created_at: i64,
    ec2_delivered: bool,
) -> UserIdentity {
    UserIdentity {
        identity_type: "AssumedRole".into(),
        principal_id: Some(format!("{role_unique_id}:{session_name}")),
        arn: Some(format!(
            "arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
        )),
        account_id: Some(account.to_string()),
        access_key_id: Some(access_key_id.to_string()),
        session_context: Some(SessionContext {
            session_issuer: Some(SessionIssuer {
                issuer_type: "Role".into(),
                principal_id: role_unique_id.to_string(),
                arn: format!("arn:aws:iam::{account}:role/{role_name}"),
                account_id: account.to_string(),
                user_name: role_name.to_string(),
            }),
            web_id_federation_data: Some(serde_json::json!({})),
            attributes: SessionAttributes {
                creation_date: rfc3339(created_at),
                mfa_authenticated: "false".into(),
            },
            ec2_role_delivery: ec2_delivered.then(|| "2.0".to_string()),
        }),
        ..UserIdentity::default()
    }
}

/// The userIdentity of an IAM user signing with a long-term key.
pub fn iam_user_identity(identity: &Identity, access_key_id: Option<&str>) -> UserIdentity {
    UserIdentity {
        identity_type: "IAMUser".into(),
        principal_id: Some(identity.unique_id.clone()),
        arn: Some(identity.principal_arn.clone()),
        account_id: Some(identity.account.clone()),
        access_key_id: access_key_id.map(str::to_string),
        user_name: Some(identity.name.clone()),
        ..UserIdentity::default()
    }
}

pub fn aws_service_identity(service_principal: &str) -> UserIdentity {
    UserIdentity {
        identity_type: "AWSService".into(),
        invoked_by: Some(service_principal.to_string()),
        ..UserIdentity::default()
    }
}

/// Stamps a call into a record; draws the request and event ids from `rng`.
pub fn stamp(
    rng: &mut impl Rng,
    at: i64,
    call: Call,
    caller: &Caller,
    recipient_account: &str,
) -> Record {
    let request_id = if call.service == "s3" {
        ids::hex_request_id(rng)
    } else {
        ids::uuid(rng)
    };
    let event_id = ids::uuid(rng);
    // Calls AWS services make for themselves do not travel over a client TLS session.
    let tls_details = (caller.identity.identity_type != "AWSService").then(|| TlsDetails {
        tls_version: "TLSv1.3".into(),
        cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
        client_provided_host_header: call.host(),
    });
    let event_source = call.event_source();
    let (error_code, error_message) = match call.error {
        Some((code, message)) => (Some(code), Some(message)),
        None => (None, None),
    };
    Record {
        event_version: EVENT_VERSION.to_string(),
        user_identity: caller.identity.clone(),
        event_time: rfc3339(at),
        event_source,
        event_name: call.name,
        aws_region: call.region,
        source_ip_address: caller.source_ip.clone(),
        user_agent: caller.user_agent.clone(),
        error_code,
        error_message,
        request_parameters: call.request,
        response_elements: call.response,
        additional_event_data: call.additional,
        request_id,
        event_id,
        read_only: call.read_only,
        resources: call.resources,
        event_type: call.event_type.to_string(),
        management_event: !call.data_event,
        recipient_account_id: recipient_account.to_string(),
        shared_event_id: None,
        event_category: if call.data_event {
            "Data"
        } else {
            "Management"
        }
        .to_string(),
        tls_details,
        session_credential_from_console: caller.console.then(|| "true".to_string()),
    }
}
