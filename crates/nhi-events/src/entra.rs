//! Microsoft Entra sign-ins from Microsoft Graph `auditLogs/signIns` (v1.0 and beta).

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::Deserialize;

use crate::lenient::{Count, Lenient, Text};
use crate::record::Parsed;
use crate::time::parse_timestamp;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SignIn<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    created_date_time: Text<'a>,
    #[serde(borrow)]
    app_id: Text<'a>,
    #[serde(borrow)]
    app_display_name: Text<'a>,
    #[serde(borrow)]
    service_principal_id: Text<'a>,
    #[serde(borrow)]
    service_principal_name: Text<'a>,
    #[serde(borrow)]
    user_id: Text<'a>,
    #[serde(borrow)]
    user_principal_name: Text<'a>,
    #[serde(borrow)]
    ip_address: Text<'a>,
    #[serde(borrow)]
    user_agent: Text<'a>,
    #[serde(borrow)]
    location: Lenient<Location<'a>>,
    #[serde(borrow)]
    status: Lenient<SignInStatus<'a>>,
    #[serde(borrow)]
    resource_display_name: Text<'a>,
    #[serde(borrow)]
    resource_id: Text<'a>,
    #[serde(borrow)]
    resource_tenant_id: Text<'a>,
    #[serde(borrow)]
    home_tenant_id: Text<'a>,
    #[serde(borrow)]
    client_credential_type: Text<'a>,
    #[serde(borrow)]
    service_principal_credential_key_id: Text<'a>,
    #[serde(borrow)]
    service_principal_credential_thumbprint: Text<'a>,
    #[serde(borrow)]
    sign_in_event_types: Lenient<Vec<Text<'a>>>,
    #[serde(borrow)]
    managed_service_identity: Lenient<ManagedIdentity<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Location<'a> {
    #[serde(borrow)]
    city: Text<'a>,
    #[serde(borrow)]
    state: Text<'a>,
    #[serde(borrow)]
    country_or_region: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SignInStatus<'a> {
    error_code: Count,
    #[serde(borrow)]
    failure_reason: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ManagedIdentity<'a> {
    #[serde(borrow)]
    msi_type: Text<'a>,
    #[serde(borrow)]
    associated_resource_id: Text<'a>,
}

pub(crate) fn parse(text: &str, origin: String) -> Result<Parsed, serde_json::Error> {
    let sign_in: SignIn = crate::lenient::from_str(text)?;
    let msi = sign_in.managed_service_identity.0.unwrap_or_default();
    let msi_type = msi.msi_type.get().filter(|kind| *kind != "none");
    // v1.0 has no signInEventTypes on older responses: fall back to what the record shows.
    let kind = sign_in
        .sign_in_event_types
        .as_ref()
        .and_then(|types| types.iter().find_map(Text::owned))
        .or_else(|| {
            if msi_type.is_some() {
                Some("managedIdentity".to_owned())
            } else if sign_in.service_principal_id.get().is_some()
                && sign_in.user_id.get().is_none()
            {
                Some("servicePrincipal".to_owned())
            } else {
                None
            }
        });
    let (principal, display_name) = match kind.as_deref() {
        Some("managedIdentity") => (
            sign_in.service_principal_id.get().or(sign_in.app_id.get()),
            sign_in
                .service_principal_name
                .get()
                .or(sign_in.app_display_name.get()),
        ),
        Some("servicePrincipal") => (
            sign_in.app_id.get().or(sign_in.service_principal_id.get()),
            sign_in
                .service_principal_name
                .get()
                .or(sign_in.app_display_name.get()),
        ),
        _ => (
            sign_in.user_id.get().or(sign_in.app_id.get()),
            sign_in.user_principal_name.get(),
        ),
    };

    let mut details = BTreeMap::new();
    let mut detail = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            details.insert(key.to_owned(), value.to_owned());
        }
    };
    detail(
        "client_credential_type",
        sign_in.client_credential_type.get(),
    );
    detail("resource_display_name", sign_in.resource_display_name.get());
    detail("msi_type", msi_type);
    detail("associated_resource_id", msi.associated_resource_id.get());
    if let Some(location) = sign_in.location.as_ref() {
        let parts: Vec<&str> = [&location.city, &location.state, &location.country_or_region]
            .into_iter()
            .filter_map(Text::get)
            .collect();
        if !parts.is_empty() {
            details.insert("location".to_owned(), parts.join(", "));
        }
    }

    let status = sign_in.status.0.unwrap_or_default();
    let (outcome, error) = match status.error_code.0 {
        Some(0) => (Outcome::Success, None),
        Some(code) => {
            let error = match status
                .failure_reason
                .get()
                .filter(|reason| reason.len() <= 200)
            {
                Some(reason) => format!("AADSTS{code}: {reason}"),
                None => format!("AADSTS{code}"),
            };
            (Outcome::Failure, Some(error))
        }
        None => (Outcome::Unknown, None),
    };

    Ok(Parsed::Event(Box::new(ActivityEvent {
        source: EventSource::EntraSignIn,
        id: sign_in.id.owned(),
        time: sign_in.created_date_time.get().and_then(parse_timestamp),
        actor: Actor {
            principal: principal.unwrap_or_default().to_owned(),
            kind,
            credential_id: sign_in
                .service_principal_credential_key_id
                .owned()
                .or_else(|| sign_in.service_principal_credential_thumbprint.owned()),
            session: None,
            account: sign_in.home_tenant_id.owned(),
            display_name: display_name.map(str::to_owned),
        },
        action: "signIn".to_owned(),
        service: "entra".to_owned(),
        resources: sign_in.resource_id.owned().into_iter().collect(),
        target_account: sign_in.resource_tenant_id.owned(),
        source_ip: sign_in.ip_address.owned(),
        user_agent: sign_in.user_agent.owned(),
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
