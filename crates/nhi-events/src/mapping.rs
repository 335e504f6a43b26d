//! Generic JSON lines turned into events by a declarative field mapping, for sources
//! nhi has no parser for. The mapping is deserialised from the caller's TOML config.

use std::collections::BTreeMap;

use nhi_model::{ActivityEvent, Actor, EventSource, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::EventsError;
use crate::time::{parse_millis_or_rfc3339, parse_timestamp, parse_unix_seconds};

/// How the `time` field is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// RFC 3339 / ISO 8601; a time without an offset is read as UTC.
    #[default]
    Rfc3339,
    UnixSeconds,
    UnixMillis,
}

/// Where each event field is found in a record, as a dotted path (`actor.name`,
/// `tags.0`); a numeric segment indexes an array. Unset fields stay empty. Keys that
/// themselves contain a dot cannot be addressed.
///
/// ```toml
/// time = "ts"
/// time_format = "unix_millis"
/// principal = "caller.id"
/// action = "op"
/// outcome = "result"
/// success_value = "ok"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldMapping {
    pub time: Option<String>,
    pub time_format: TimeFormat,
    pub principal: Option<String>,
    pub action: Option<String>,
    pub service: Option<String>,
    /// A string or an array of strings.
    pub resource: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub region: Option<String>,
    /// The field that says whether the action succeeded.
    pub outcome: Option<String>,
    /// The `outcome` value meaning success (compared as text, so `true` or `200`
    /// work); any other value is a failure. Without it, `success` (any case) and
    /// `true` mean success.
    pub success_value: Option<String>,
    pub error: Option<String>,
    pub bytes_out: Option<String>,
    pub id: Option<String>,
}

impl FieldMapping {
    /// A mapping must name at least the principal or the action, or every record
    /// would become an empty event.
    pub fn validate(&self) -> Result<(), EventsError> {
        if self.principal.is_none() && self.action.is_none() {
            return Err(EventsError::Mapping(
                "map at least `principal` or `action`".to_owned(),
            ));
        }
        let paths = [
            &self.time,
            &self.principal,
            &self.action,
            &self.service,
            &self.resource,
            &self.source_ip,
            &self.user_agent,
            &self.region,
            &self.outcome,
            &self.error,
            &self.bytes_out,
            &self.id,
        ];
        for path in paths.into_iter().flatten() {
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(EventsError::Mapping(format!(
                    "empty segment in path `{path}`"
                )));
            }
        }
        Ok(())
    }

    /// Maps one record; `Ok(None)` when the JSON is not an object.
    pub(crate) fn apply(
        &self,
        text: &str,
        origin: String,
    ) -> Result<Option<ActivityEvent>, serde_json::Error> {
        let record: Value = serde_json::from_str(text)?;
        if !record.is_object() {
            return Ok(None);
        }
        let text_at = |path: &Option<String>| {
            path.as_deref()
                .and_then(|path| lookup(&record, path))
                .and_then(scalar_text)
        };
        let time = text_at(&self.time).and_then(|time| match self.time_format {
            TimeFormat::Rfc3339 => parse_timestamp(&time),
            TimeFormat::UnixSeconds => parse_unix_seconds(&time),
            TimeFormat::UnixMillis => parse_millis_or_rfc3339(&time),
        });
        let resources = match self
            .resource
            .as_deref()
            .and_then(|path| lookup(&record, path))
        {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
            Some(value) => scalar_text(value).into_iter().collect(),
            None => Vec::new(),
        };
        let error = text_at(&self.error);
        let outcome = match text_at(&self.outcome) {
            Some(value) => {
                let success = match &self.success_value {
                    Some(expected) => &value == expected,
                    None => value.eq_ignore_ascii_case("success") || value == "true",
                };
                if success {
                    Outcome::Success
                } else {
                    Outcome::Failure
                }
            }
            None if error.is_some() => Outcome::Failure,
            None => Outcome::Unknown,
        };
        Ok(Some(ActivityEvent {
            source: EventSource::JsonLines,
            id: text_at(&self.id),
            time,
            actor: Actor {
                principal: text_at(&self.principal).unwrap_or_default(),
                ..Actor::default()
            },
            action: text_at(&self.action).unwrap_or_default(),
            service: text_at(&self.service).unwrap_or_default(),
            resources,
            target_account: None,
            source_ip: text_at(&self.source_ip),
            user_agent: text_at(&self.user_agent),
            region: text_at(&self.region),
            outcome,
            error,
            bytes_out: text_at(&self.bytes_out).and_then(|bytes| bytes.parse().ok()),
            bytes_in: None,
            read_only: None,
            details: BTreeMap::new(),
            origin,
        }))
    }
}

fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(value, |current, segment| match current {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index)),
            _ => None,
        })
}

/// Strings as they are, numbers and booleans as text; empty strings, nulls, objects
/// and arrays as absent.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}
