//! Pure functions that turn raw event fields into the coarse values baselines compare:
//! network prefixes, user-agent families, action classes.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The network a source address belongs to, coarse enough that DHCP churn inside one
/// provider network does not look novel: IPv4 /24, IPv6 /48. Non-address values (AWS
/// puts a service host name such as `lambda.amazonaws.com` there) are kept verbatim,
/// lowercased, because they are already stable names.
pub fn network_key(source_ip: &str) -> Option<String> {
    let trimmed = source_ip.trim();
    if trimmed.is_empty() {
        return None;
    }
    match trimmed.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{a}.{b}.{c}.0/24"))
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
        Err(_) => Some(trimmed.to_ascii_lowercase()),
    }
}

/// Reduces a user agent to the tool that sent it (`aws-cli`, `Boto3`, `terraform`,
/// `browser:chrome`…): versions and platform details change on every upgrade and would
/// make every patch release look like a new tool.
pub fn user_agent_family(user_agent: &str) -> String {
    let ua = user_agent.trim();
    let lower = ua.to_ascii_lowercase();
    // Ordered: SDK-based tools embed the SDK name, so the tool must be checked first.
    const TOOLS: &[(&str, &str)] = &[
        ("terraform", "terraform"),
        ("pulumi", "pulumi"),
        ("trufflehog", "trufflehog"),
        ("cloudformation", "cloudformation"),
        ("aws-cli/", "aws-cli"),
        ("aws-sdk-go", "aws-sdk-go"),
        ("aws-sdk-java", "aws-sdk-java"),
        ("aws-sdk-js", "aws-sdk-js"),
        ("aws-sdk-nodejs", "aws-sdk-js"),
        ("aws-sdk-dotnet", "aws-sdk-dotnet"),
        ("aws-sdk-rust", "aws-sdk-rust"),
        ("aws-sdk-ruby", "aws-sdk-ruby"),
        ("aws-sdk-php", "aws-sdk-php"),
        ("boto3/", "Boto3"),
        ("botocore/", "botocore"),
        ("kubectl/", "kubectl"),
        ("google-cloud-sdk", "gcloud"),
        ("gcloud", "gcloud"),
        ("azure-cli", "azure-cli"),
        ("python-requests/", "python-requests"),
        ("curl/", "curl"),
        ("go-http-client/", "go-http-client"),
    ];
    if let Some((_, family)) = TOOLS.iter().find(|(needle, _)| lower.contains(needle)) {
        return (*family).to_string();
    }
    if lower == "console.amazonaws.com"
        || lower == "signin.amazonaws.com"
        || lower.starts_with("aws-internal")
    {
        return "aws-console".to_string();
    }
    if lower.ends_with(".amazonaws.com") {
        return "aws-service".to_string();
    }
    if lower.starts_with("mozilla/") {
        // Order matters: Edge and Chrome both claim Safari; Edge claims Chrome.
        let browser = if lower.contains("edg/") {
            "edge"
        } else if lower.contains("firefox/") {
            "firefox"
        } else if lower.contains("chrome/") {
            "chrome"
        } else if lower.contains("safari/") {
            "safari"
        } else {
            "other"
        };
        return format!("browser:{browser}");
    }
    let token: String = ua
        .split(['/', ' '])
        .next()
        .unwrap_or("")
        .chars()
        .take(32)
        .collect();
    if token.is_empty() {
        "unknown".to_string()
    } else {
        token
    }
}

pub fn is_browser_family(family: &str) -> bool {
    family.starts_with("browser:") || family == "aws-console"
}

/// Actions whose first use by an identity deserves a look even without a baseline
/// anomaly, because they read secrets or change who can do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveClass {
    IamWrite,
    SecretRead,
    KmsDecrypt,
    PolicyChange,
}

impl SensitiveClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SensitiveClass::IamWrite => "iam_write",
            SensitiveClass::SecretRead => "secret_read",
            SensitiveClass::KmsDecrypt => "kms_decrypt",
            SensitiveClass::PolicyChange => "policy_change",
        }
    }
}

/// Classifies a call. `with_decryption` is the `with_decryption` detail where a source
/// records it; an SSM parameter read with unknown decryption still counts as a secret
/// read because SecureString reads are the common case for NHIs.
pub fn sensitive_class(
    service: &str,
    action: &str,
    read_only: Option<bool>,
    with_decryption: Option<&str>,
) -> Option<SensitiveClass> {
    match (service, action) {
        ("secretsmanager", "GetSecretValue" | "BatchGetSecretValue") => {
            Some(SensitiveClass::SecretRead)
        }
        ("ssm", "GetParameter" | "GetParameters" | "GetParametersByPath") => {
            (with_decryption != Some("false")).then_some(SensitiveClass::SecretRead)
        }
        ("kms", "Decrypt") => Some(SensitiveClass::KmsDecrypt),
        ("s3", "PutBucketPolicy" | "DeleteBucketPolicy")
        | ("kms", "PutKeyPolicy")
        | ("secretsmanager", "PutResourcePolicy")
        | ("lambda", "AddPermission" | "AddPermission20150331v2") => {
            Some(SensitiveClass::PolicyChange)
        }
        ("iam", action) if is_policy_action(action) => Some(SensitiveClass::PolicyChange),
        ("iam", action) if read_only != Some(true) && !is_read_verb(action) => {
            Some(SensitiveClass::IamWrite)
        }
        _ => None,
    }
}

fn is_policy_action(action: &str) -> bool {
    (action.contains("Policy") || action.contains("PermissionsBoundary")) && !is_read_verb(action)
}

fn is_read_verb(action: &str) -> bool {
    ["List", "Get", "Describe", "Generate", "Simulate"]
        .iter()
        .any(|verb| action.starts_with(verb))
}

/// Enumeration calls: List/Describe/Get on metadata. Data reads that happen to start
/// with Get (objects, secrets, parameters) are excluded: they are volume or secret
/// signals, not discovery.
pub fn is_recon(service: &str, action: &str) -> bool {
    if !is_read_verb(action) || action.starts_with("Generate") || action.starts_with("Simulate") {
        return false;
    }
    !matches!(
        (service, action),
        ("s3", "GetObject" | "GetObjectVersion")
            | ("secretsmanager", "GetSecretValue")
            | (
                "ssm",
                "GetParameter" | "GetParameters" | "GetParametersByPath"
            )
            | (
                "sts",
                "GetCallerIdentity" | "GetSessionToken" | "GetFederationToken"
            )
    )
}

/// Authorisation failures across sources (CloudTrail, Kubernetes, GCP, Entra).
pub fn is_access_denied(error: &str) -> bool {
    let lower = error.to_ascii_lowercase();
    [
        "accessdenied",
        "unauthorized",
        "forbidden",
        "permission_denied",
        "authorizationerror",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

/// AssumeRole family calls that move an actor into another role.
pub fn is_assume_role(service: &str, action: &str) -> bool {
    service == "sts"
        && matches!(
            action,
            "AssumeRole" | "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML"
        )
}

/// The account ID field of an ARN (`arn:partition:service:region:account:resource`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" {
        return None;
    }
    let account = fields.nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// The last path segment of an ARN or name: `arn:aws:iam::1:user/ops/alice` → `alice`.
pub fn principal_name(arn_or_name: &str) -> &str {
    let tail = arn_or_name.rsplit(':').next().unwrap_or(arn_or_name);
    tail.rsplit('/').next().unwrap_or(tail)
}

/// Workload credentials (temporary keys issued to EC2 instances, Lambda functions,
/// containers) should only ever appear from the workload's own networks.
pub fn is_workload_credential(credential_id: Option<&str>, session: Option<&str>) -> bool {
    let temporary = credential_id.is_some_and(|key| key.starts_with("ASIA"));
    let workload_session = session.is_some_and(|s| {
        s.starts_with("i-") || s.contains("lambda") || s.starts_with("ecs-") || s.len() == 32
    });
    temporary && workload_session
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_keys_are_prefixes() {
        assert_eq!(network_key("203.0.113.77").unwrap(), "203.0.113.0/24");
        assert_eq!(
            network_key("2001:db8:abcd:12::1").unwrap(),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            network_key("Lambda.amazonaws.com").unwrap(),
            "lambda.amazonaws.com"
        );
        assert_eq!(network_key(" "), None);
    }

    #[test]
    fn user_agents_reduce_to_families() {
        assert_eq!(user_agent_family("aws-cli/2.13.5 Python/3.11.4"), "aws-cli");
        assert_eq!(
            user_agent_family("Boto3/1.26.0 Python/3.10 Linux/5 Botocore/1.29.0"),
            "Boto3"
        );
        assert_eq!(
            user_agent_family(
                "APN/1.0 HashiCorp/1.0 Terraform/1.5.0 (+https://www.terraform.io) terraform-provider-aws/5.0 aws-sdk-go-v2/1.2"
            ),
            "terraform"
        );
        assert_eq!(
            user_agent_family(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
            ),
            "browser:chrome"
        );
        assert_eq!(user_agent_family("console.amazonaws.com"), "aws-console");
        assert_eq!(user_agent_family("lambda.amazonaws.com"), "aws-service");
        assert_eq!(user_agent_family("my-tool/3.1"), "my-tool");
    }

    #[test]
    fn classes_and_recon() {
        assert_eq!(
            sensitive_class("secretsmanager", "GetSecretValue", Some(true), None),
            Some(SensitiveClass::SecretRead)
        );
        assert_eq!(
            sensitive_class("ssm", "GetParameter", Some(true), Some("false")),
            None
        );
        assert_eq!(
            sensitive_class("iam", "AttachRolePolicy", Some(false), None),
            Some(SensitiveClass::PolicyChange)
        );
        assert_eq!(
            sensitive_class("iam", "CreateAccessKey", Some(false), None),
            Some(SensitiveClass::IamWrite)
        );
        assert_eq!(sensitive_class("iam", "ListUsers", Some(true), None), None);
        assert!(is_recon("ec2", "DescribeInstances"));
        assert!(!is_recon("s3", "GetObject"));
        assert!(!is_recon("s3", "PutObject"));
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(principal_name("arn:aws:iam::1:user/ops/alice"), "alice");
        assert!(is_access_denied("Client.UnauthorizedOperation"));
    }
}
