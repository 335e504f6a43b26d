//! STS records that open role sessions, so every ASIA key in the data has an origin.

use serde_json::json;

use crate::api::{Call, response_date};
use crate::estate::{Identity, SessionSource};
use crate::record::UserIdentity;
use crate::stamp::{Caller, aws_service_identity};

/// The role being assumed, by its parts.
pub struct RoleRef<'a> {
    pub account: &'a str,
    pub name: &'a str,
    pub unique_id: &'a str,
}

impl RoleRef<'_> {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.name)
    }
}

/// An AssumeRole (or AssumeRoleWithWebIdentity) call issuing `new_key`.
pub fn assume_role_call(
    region: &str,
    role: &RoleRef<'_>,
    session_name: &str,
    new_key: &str,
    at: i64,
    session_seconds: i64,
    web_identity: Option<(&str, &str)>,
) -> Call {
    let name = if web_identity.is_some() {
        "AssumeRoleWithWebIdentity"
    } else {
        "AssumeRole"
    };
    let mut response = json!({
        "credentials": {
            "accessKeyId": new_key,
            "expiration": response_date(at + session_seconds),
        },
        "assumedRoleUser": {
            "assumedRoleId": format!("{}:{session_name}", role.unique_id),
            "arn": format!("arn:aws:sts::{}:assumed-role/{}/{session_name}", role.account, role.name),
        },
    });
    if let Some((provider, subject)) = web_identity {
        response["subjectFromWebIdentityToken"] = json!(subject);
        response["provider"] = json!(provider);
        response["audience"] = json!("sts.amazonaws.com");
    }
    Call::new("sts", name, region)
        .request(json!({
            "roleArn": role.arn(),
            "roleSessionName": session_name,
            "durationSeconds": session_seconds,
        }))
        .response(response)
        .resource(Some(role.account), "AWS::IAM::Role", role.arn())
}

/// The caller of the record that opens an identity's session: the AWS service that
/// assumes the role for it, or the OIDC subject presenting its token.
pub fn session_opener(identity: &Identity, source_ip: &str, user_agent: &str) -> Caller {
    match &identity.session_source {
        SessionSource::Service { invoked_by } => Caller {
            identity: aws_service_identity(invoked_by),
            source_ip: invoked_by.to_string(),
            user_agent: invoked_by.to_string(),
            console: false,
        },
        SessionSource::WebIdentity { provider, subject } => {
            let provider_host = provider
                .rsplit_once("oidc-provider/")
                .map_or(provider.as_str(), |(_, h)| h);
            Caller {
                identity: UserIdentity {
                    identity_type: "WebIdentityUser".into(),
                    principal_id: Some(format!("{provider}:sts.amazonaws.com:{subject}")),
                    user_name: Some(subject.clone()),
                    identity_provider: Some(provider_host.to_string()),
                    ..UserIdentity::default()
                },
                source_ip: source_ip.to_string(),
                user_agent: if provider_host.contains("githubusercontent") {
                    format!("{user_agent} configure-aws-credentials-for-github-actions")
                } else {
                    user_agent.to_string()
                },
                console: false,
            }
        }
        SessionSource::LongTermKey => unreachable!("users have no role session"),
    }
}

pub fn web_identity_of(identity: &Identity) -> Option<(&str, &str)> {
    match &identity.session_source {
        SessionSource::WebIdentity { provider, subject } => Some((provider, subject)),
        _ => None,
    }
}
