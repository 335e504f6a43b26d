//! Resource-based policies as the AWS CLI prints them:
//! - `aws s3api get-bucket-policy`, `aws lambda get-policy`, `aws kms get-key-policy`:
//!   `{"Policy": "<JSON text>"}`;
//! - `aws secretsmanager get-resource-policy`: `{"ARN", "Name", "ResourcePolicy"}`;
//! - `aws sqs get-queue-attributes` / `aws sns get-topic-attributes`:
//!   `{"Attributes": {"Policy": "<JSON text>", …}}`.
//!
//! Only the Secrets Manager output names its resource. For the others the resource is
//! read from the statements themselves (`Resource` of a bucket, function, queue or
//! topic policy names it; `arn:aws:s3:::bucket/*` means the bucket). A key policy says
//! `"Resource": "*"` ("this key"), so it cannot be placed and is skipped with a warning.

use serde_json::{Map, Value};

use crate::policy::{PolicyDocument, decode_document};
use crate::{AwsError, ExportWarning};

/// A resource policy and the resource it guards.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePolicyExport {
    pub resource_arn: String,
    pub document: PolicyDocument,
}

pub(crate) fn parse(
    root: &Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Result<Option<ResourcePolicyExport>, AwsError> {
    let (position, raw, named) = if let Some(raw) = root.get("ResourcePolicy") {
        let arn = root.get("ARN").and_then(Value::as_str).map(str::to_string);
        ("ResourcePolicy", raw, arn)
    } else if let Some(raw) = root.get("Policy") {
        ("Policy", raw, None)
    } else if let Some(attributes) = root.get("Attributes").and_then(Value::as_object) {
        let Some(raw) = attributes.get("Policy") else {
            return Err(AwsError::UnexpectedShape {
                file: file.to_string(),
                message: "`Attributes` has no `Policy`: ask for `--attribute-names Policy`"
                    .to_string(),
            });
        };
        let arn = ["TopicArn", "QueueArn"]
            .iter()
            .find_map(|k| attributes.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        ("Attributes.Policy", raw, arn)
    } else {
        return Err(AwsError::UnexpectedShape {
            file: file.to_string(),
            message: "no `Policy`, `ResourcePolicy` or `Attributes.Policy`".to_string(),
        });
    };
    let document: PolicyDocument = match decode_document(raw)
        .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
    {
        Ok(document) => document,
        Err(message) => {
            warnings.push(ExportWarning::new(
                file,
                position,
                format!("{message}; the resource policy is ignored"),
            ));
            return Ok(None);
        }
    };
    let Some(resource_arn) = named.or_else(|| resource_of(&document)) else {
        warnings.push(ExportWarning::new(
            file,
            position,
            "the policy does not name its resource (a key policy's `\"Resource\": \"*\"`); \
             the resource policy is ignored"
                .into(),
        ));
        return Ok(None);
    };
    Ok(Some(ResourcePolicyExport {
        resource_arn,
        document,
    }))
}

/// The resource a policy guards, from its statements: the first concrete ARN, with an
/// S3 object pattern (`arn:aws:s3:::bucket/…`) cut back to its bucket.
fn resource_of(document: &PolicyDocument) -> Option<String> {
    let arn = document
        .statement
        .iter()
        .flat_map(|s| s.resource.iter().flatten())
        .find(|r| r.starts_with("arn:") && !r.contains('*') || is_s3_pattern(r))?;
    if let Some(rest) = arn.strip_prefix("arn:aws:s3:::") {
        let bucket = rest.split('/').next().unwrap_or(rest);
        return Some(format!("arn:aws:s3:::{bucket}"));
    }
    Some(arn.clone())
}

fn is_s3_pattern(resource: &str) -> bool {
    resource
        .strip_prefix("arn:aws:s3:::")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|bucket| !bucket.is_empty() && !bucket.contains('*'))
}
