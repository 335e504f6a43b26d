//! IAM policy documents in typed form, and the decoding AWS requires first.
//!
//! The IAM API returns policy documents URL-encoded (RFC 3986); the AWS CLI
//! decodes them into JSON objects before printing. Exports seen in the wild
//! hold either form, and some tools leave the plain JSON text as a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A parsed IAM policy document (identity, resource or trust policy).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default)]
    pub version: Option<String>,
    #[serde(rename = "Id", default)]
    pub id: Option<String>,
    /// AWS allows a single statement object or a list; both become a list.
    #[serde(rename = "Statement", deserialize_with = "one_or_many")]
    pub statement: Vec<Statement>,
}

/// One policy statement. `Action`/`NotAction` and `Resource`/`NotResource`
/// stay separate because inverting them changes meaning entirely.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid", default)]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", default)]
    pub principal: Option<Principal>,
    #[serde(rename = "NotPrincipal", default)]
    pub not_principal: Option<Principal>,
    #[serde(rename = "Action", default, deserialize_with = "opt_one_or_many")]
    pub action: Option<Vec<String>>,
    #[serde(rename = "NotAction", default, deserialize_with = "opt_one_or_many")]
    pub not_action: Option<Vec<String>>,
    #[serde(rename = "Resource", default, deserialize_with = "opt_one_or_many")]
    pub resource: Option<Vec<String>>,
    #[serde(rename = "NotResource", default, deserialize_with = "opt_one_or_many")]
    pub not_resource: Option<Vec<String>>,
    /// Condition operators are open-ended; kept verbatim for later evaluation.
    #[serde(rename = "Condition", default)]
    pub condition: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `"Principal": "*"` or `{"AWS": ..., "Service": ..., "Federated": ...,
/// "CanonicalUser": ...}` where each value is a string or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Any,
    ByType(BTreeMap<String, Vec<String>>),
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Map(BTreeMap<String, OneOrMany>),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Text(text) if text == "*" => Ok(Principal::Any),
            Raw::Text(other) => Err(serde::de::Error::custom(format!(
                "Principal must be \"*\" or an object, got the string {other:?}"
            ))),
            Raw::Map(map) => Ok(Principal::ByType(
                map.into_iter().map(|(k, v)| (k, v.into_vec())).collect(),
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

fn opt_one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<OneOrMany>::deserialize(d)?.map(OneOrMany::into_vec))
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Statement>, D::Error> {
    // Untagged enums hide the inner reason; try each shape explicitly so a
    // malformed statement reports what is actually wrong with it.
    let value = Value::deserialize(d)?;
    let statements = match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                Statement::deserialize(item)
                    .map_err(|e| serde::de::Error::custom(format!("Statement[{i}]: {e}")))
            })
            .collect::<Result<Vec<_>, D::Error>>()?,
        Value::Object(_) => vec![Statement::deserialize(value).map_err(serde::de::Error::custom)?],
        _ => {
            return Err(serde::de::Error::custom(
                "Statement must be an object or a list of objects",
            ));
        }
    };
    Ok(statements)
}

/// Turn a policy document as found in an export into a JSON value: objects
/// pass through, strings are URL-decoded (or read as JSON text directly).
pub(crate) fn decode_document(value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(text) => decode_document_text(text),
        other => Err(format!(
            "policy document must be an object or a URL-encoded string, got {}",
            json_type_name(other)
        )),
    }
}

fn decode_document_text(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| format!("invalid policy JSON: {e}"));
    }
    let decoded = percent_decode(text)?;
    match serde_json::from_str::<Value>(&decoded) {
        Ok(value) => Ok(value),
        // RFC 3986 never writes '+' for a space, but form-encoders do; a '+'
        // inside policy JSON is otherwise always %2B, so retrying is safe.
        Err(first) if text.contains('+') => {
            let spaced = percent_decode(&text.replace('+', " "))?;
            serde_json::from_str(&spaced)
                .map_err(|_| format!("URL-decoded policy is not valid JSON: {first}"))
        }
        Err(e) => Err(format!("URL-decoded policy is not valid JSON: {e}")),
    }
}

/// RFC 3986 percent-decoding into UTF-8 text.
pub(crate) fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes.get(i).copied().unwrap_or_default();
        if byte == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => return Err(format!("bad percent-escape at character {i}")),
            }
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| {
        format!(
            "URL-decoded policy is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statement_object_or_list_and_scalar_or_list_fields() {
        let single: PolicyDocument = serde_json::from_value(json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*"]}
        }))
        .unwrap();
        assert_eq!(single.statement.len(), 1);
        assert_eq!(
            single.statement[0].action.as_deref(),
            Some(&["s3:GetObject".to_string()][..])
        );
        let trust: PolicyDocument = serde_json::from_value(json!({
            "Statement": [{"Effect": "Deny", "Principal": "*", "NotAction": ["iam:*"]},
                          {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": ["arn:aws:iam::123456789012:root"]}, "Action": "sts:AssumeRole"}]
        }))
        .unwrap();
        assert_eq!(trust.statement[0].principal, Some(Principal::Any));
        assert_eq!(trust.statement[0].effect, Effect::Deny);
        match &trust.statement[1].principal {
            Some(Principal::ByType(map)) => {
                assert_eq!(map["Service"], vec!["ec2.amazonaws.com".to_string()]);
                assert_eq!(map["AWS"].len(), 1);
            }
            other => panic!("unexpected principal {other:?}"),
        }
    }

    #[test]
    fn url_encoded_documents_decode() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let value = decode_document(&json!(encoded)).unwrap();
        assert_eq!(value["Statement"][0]["Action"], "*");
        assert!(decode_document(&json!("%7B%ZZ")).is_err());
        assert!(decode_document(&json!(42)).is_err());
    }

    #[test]
    fn bad_effect_is_an_error() {
        let r: Result<PolicyDocument, _> =
            serde_json::from_value(json!({"Statement": {"Effect": "Maybe"}}));
        assert!(r.is_err());
    }
}
