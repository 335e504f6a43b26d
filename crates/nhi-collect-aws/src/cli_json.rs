//! Rendering SDK responses as the JSON the AWS CLI prints, then reading that
//! with nhi-aws. Members are PascalCase as in the API; absent values are left
//! out (the CLI omits them too); dates are ISO 8601 in UTC.

use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use nhi_aws::{AwsExport, AwsExportKind};
use serde_json::{Map, Value};

use crate::CollectError;
use crate::error::parse_error;

/// A JSON object under construction that skips absent members.
#[derive(Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj::default()
    }

    pub(crate) fn str(mut self, key: &str, value: Option<&str>) -> Obj {
        if let Some(value) = value {
            self.0.insert(key.to_string(), Value::from(value));
        }
        self
    }

    pub(crate) fn date(mut self, key: &str, value: Option<&DateTime>) -> Obj {
        if let Some(text) = value.and_then(iso_date) {
            self.0.insert(key.to_string(), Value::from(text));
        }
        self
    }

    pub(crate) fn bool(mut self, key: &str, value: Option<bool>) -> Obj {
        if let Some(value) = value {
            self.0.insert(key.to_string(), Value::from(value));
        }
        self
    }

    pub(crate) fn int(mut self, key: &str, value: Option<i64>) -> Obj {
        if let Some(value) = value {
            self.0.insert(key.to_string(), Value::from(value));
        }
        self
    }

    pub(crate) fn list(mut self, key: &str, items: Vec<Value>) -> Obj {
        self.0.insert(key.to_string(), Value::Array(items));
        self
    }

    pub(crate) fn value(mut self, key: &str, value: Option<Value>) -> Obj {
        if let Some(value) = value {
            self.0.insert(key.to_string(), value);
        }
        self
    }

    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// `2024-01-02T03:04:05Z` (fractional seconds when AWS sent them). A date
/// outside what the format can express is dropped rather than guessed.
pub(crate) fn iso_date(date: &DateTime) -> Option<String> {
    date.fmt(DateTimeFormat::DateTime).ok()
}

/// What the collector calls an export in warnings: the CLI command it stands
/// in for, marked as live.
pub(crate) fn label(kind: AwsExportKind) -> String {
    format!("live {}", kind.command())
}

/// Read CLI-shaped JSON with nhi-aws, exactly as if it came from a file.
pub(crate) fn parse(
    kind: AwsExportKind,
    call: &str,
    value: &Value,
) -> Result<AwsExport, CollectError> {
    let bytes = value.to_string().into_bytes();
    nhi_aws::parse(kind, &label(kind), &bytes).map_err(|e| parse_error(call, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_8601_utc() {
        let date = DateTime::from_secs(1_704_164_645);
        assert_eq!(iso_date(&date).as_deref(), Some("2024-01-02T03:04:05Z"));
    }

    #[test]
    fn absent_members_are_left_out() {
        let value = Obj::new()
            .str("UserName", Some("ci-deployer"))
            .str("Path", None)
            .bool("IsDefaultVersion", Some(true))
            .int("AttachmentCount", None)
            .build();
        assert_eq!(
            value,
            serde_json::json!({"UserName": "ci-deployer", "IsDefaultVersion": true})
        );
    }
}
