//! One JSON record → its format → an event; and the streaming of documents that hold
//! many records (`{"Records":[…]}`, `{"value":[…]}`, `{"items":[…]}`, `[…]`).

use std::fmt;

use nhi_model::ActivityEvent;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{ReadWarning, WarningKind};
use crate::reader::ReadOptions;
use crate::stats::ReadStats;
use crate::{cloudtrail, entra, gcp, github, kubernetes, mapping, okta};

/// How a record came out of its parser.
pub(crate) enum Parsed {
    Event(Box<ActivityEvent>),
    /// Deliberately left out (a non-final Kubernetes audit stage).
    SkippedStage,
    /// The record is not of this format after all.
    NotThisFormat,
}

/// Everything a parse needs besides the input: options, counters and where events go.
pub(crate) struct Ctx<'o> {
    pub options: &'o ReadOptions,
    pub stats: &'o mut ReadStats,
    pub emit: &'o mut dyn FnMut(ActivityEvent),
}

impl Ctx<'_> {
    pub fn warn(
        &mut self,
        location: impl Into<String>,
        kind: WarningKind,
        message: impl Into<String>,
    ) {
        let warning = ReadWarning {
            location: location.into(),
            kind,
            message: message.into(),
        };
        self.stats.warn(self.options.max_warnings, warning);
    }

    fn deliver(&mut self, event: ActivityEvent) {
        if event.time.is_none() || event.actor.principal.is_empty() || event.action.is_empty() {
            self.stats.missing_fields += 1;
        }
        *self.stats.events.entry(event.source).or_default() += 1;
        (self.emit)(event);
    }
}

/// Top-level keys that tell the formats apart. Values are kept raw: a key's presence
/// (and for a few, the start of its value) is all classification needs, and a raw
/// value cannot fail on an unexpected type.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Probe<'a> {
    #[serde(borrow, rename = "Records")]
    records: Option<&'a RawValue>,
    #[serde(borrow)]
    value: Option<&'a RawValue>,
    #[serde(borrow)]
    items: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventVersion", alias = "eventversion")]
    event_version: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventSource", alias = "eventsource")]
    event_source: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventName", alias = "eventname")]
    event_name: Option<&'a RawValue>,
    #[serde(borrow, rename = "userIdentity", alias = "useridentity")]
    user_identity: Option<&'a RawValue>,
    #[serde(borrow, rename = "detail-type")]
    detail_type: Option<&'a RawValue>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(borrow, rename = "apiVersion")]
    api_version: Option<&'a RawValue>,
    #[serde(borrow, rename = "auditID")]
    audit_id: Option<&'a RawValue>,
    #[serde(borrow)]
    verb: Option<&'a RawValue>,
    #[serde(borrow, rename = "protoPayload")]
    proto_payload: Option<&'a RawValue>,
    #[serde(borrow, rename = "createdDateTime")]
    created_date_time: Option<&'a RawValue>,
    #[serde(borrow, rename = "appId")]
    app_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "servicePrincipalId")]
    service_principal_id: Option<&'a RawValue>,
    #[serde(borrow, rename = "signInEventTypes")]
    sign_in_event_types: Option<&'a RawValue>,
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    #[serde(borrow)]
    actor: Option<&'a RawValue>,
    #[serde(borrow, rename = "@timestamp")]
    at_timestamp: Option<&'a RawValue>,
    #[serde(borrow, rename = "_document_id")]
    document_id: Option<&'a RawValue>,
    #[serde(borrow)]
    created_at: Option<&'a RawValue>,
    #[serde(borrow)]
    uuid: Option<&'a RawValue>,
    #[serde(borrow, rename = "eventType")]
    event_type: Option<&'a RawValue>,
    #[serde(borrow)]
    published: Option<&'a RawValue>,
}

fn is_array(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|raw| raw.get().starts_with('['))
}

fn starts_with_string(raw: Option<&RawValue>, prefix: &str) -> bool {
    raw.and_then(|raw| raw.get().strip_prefix('"'))
        .is_some_and(|text| text.starts_with(prefix))
}

/// The formats a record can be recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Wrapper,
    CloudTrail,
    EventBridge,
    Kubernetes,
    Gcp,
    Entra,
    Github,
    Okta,
    Unknown,
}

fn classify(probe: &Probe) -> Shape {
    if is_array(probe.records) || is_array(probe.items) || is_array(probe.value) {
        return Shape::Wrapper;
    }
    if probe.detail_type.is_some() && probe.detail.is_some() {
        return Shape::EventBridge;
    }
    if probe.event_version.is_some()
        || probe.user_identity.is_some()
        || (probe.event_source.is_some() && probe.event_name.is_some())
    {
        return Shape::CloudTrail;
    }
    if probe.proto_payload.is_some() {
        return Shape::Gcp;
    }
    if starts_with_string(probe.api_version, "audit.k8s.io/")
        || (probe.audit_id.is_some() && probe.verb.is_some())
    {
        return Shape::Kubernetes;
    }
    if probe.uuid.is_some() && probe.event_type.is_some() && probe.published.is_some() {
        return Shape::Okta;
    }
    if probe.created_date_time.is_some()
        && (probe.app_id.is_some()
            || probe.service_principal_id.is_some()
            || probe.sign_in_event_types.is_some())
    {
        return Shape::Entra;
    }
    if probe.action.is_some()
        && (probe.at_timestamp.is_some()
            || probe.document_id.is_some()
            || probe.created_at.is_some()
            || starts_with_string(probe.actor, ""))
    {
        return Shape::Github;
    }
    // CloudTrail records cut down to almost nothing still name their call.
    if probe.event_name.is_some() && probe.event_source.is_some() {
        return Shape::CloudTrail;
    }
    Shape::Unknown
}

/// Whether a complete JSON text is an object holding a record array (`Records`,
/// `value`, `items`): such a file is read as a document even when it is one line.
pub(crate) fn is_wrapper(text: &[u8]) -> bool {
    serde_json::from_slice::<Probe>(text).is_ok_and(|probe| classify(&probe) == Shape::Wrapper)
}

/// Whether a JSON object's text opens with the given key (`{"key"`, spaces allowed).
fn starts_with_key(text: &str, key: &str) -> bool {
    text.strip_prefix('{')
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix('"'))
        .and_then(|rest| rest.strip_prefix(key))
        .is_some_and(|rest| rest.starts_with('"'))
}

/// Wrappers inside wrappers are followed this deep and no deeper, so hostile nesting
/// cannot make parsing quadratic.
const MAX_WRAPPER_DEPTH: u8 = 2;

/// Lets the caller's tagger see the raw record; its tags join the event's details.
fn tag(ctx: &Ctx, text: &str, event: &mut ActivityEvent) {
    if let Some(tagger) = &ctx.options.tagger {
        let tags = tagger.tags(text);
        if !tags.is_empty() {
            event.details.insert(
                <dyn crate::RecordTagger>::DETAIL_KEY.to_string(),
                tags.join(","),
            );
        }
    }
}

/// Handles the JSON text of one record (or of a line that wraps several).
pub(crate) fn handle_record(text: &str, mut origin_owned: String, depth: u8, ctx: &mut Ctx) {
    let origin = origin_owned.as_str();
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        if depth >= MAX_WRAPPER_DEPTH {
            ctx.warn(origin, WarningKind::UnknownRecord, "array nested too deep");
            return;
        }
        stream_text(text, origin, depth + 1, ctx);
        return;
    }
    if let Some(mapping) = ctx
        .options
        .mapping
        .as_ref()
        .filter(|_| ctx.options.force_mapping)
    {
        apply_mapping(mapping, text, origin, ctx);
        return;
    }
    // Fast path for the bulk of real input: CloudTrail writes `eventVersion` first,
    // and no other format has that key, so the classification parse can be skipped.
    if starts_with_key(trimmed, "eventVersion") {
        // The origin moves into the event rather than being copied: one allocation
        // less per record.
        match cloudtrail::parse_taking_origin(text, &mut origin_owned) {
            Ok(Parsed::Event(mut event)) => {
                tag(ctx, text, &mut event);
                ctx.deliver(*event)
            }
            Ok(_) => ctx.warn(
                origin_owned,
                WarningKind::UnknownRecord,
                "not a CloudTrail record",
            ),
            Err(error) => ctx.warn(origin_owned, WarningKind::Malformed, error.to_string()),
        }
        return;
    }
    let probe: Probe = match serde_json::from_str(text) {
        Ok(probe) => probe,
        Err(error) if error.is_data() => {
            ctx.warn(
                origin,
                WarningKind::UnknownRecord,
                format!("not a JSON object: {error}"),
            );
            return;
        }
        Err(error) => {
            ctx.warn(origin, WarningKind::Malformed, error.to_string());
            return;
        }
    };
    let origin_owned = || origin.to_owned();
    let shape = classify(&probe);
    let parsed = match shape {
        Shape::Wrapper => {
            if depth >= MAX_WRAPPER_DEPTH {
                ctx.warn(
                    origin,
                    WarningKind::UnknownRecord,
                    "wrapper nested too deep",
                );
            } else {
                stream_text(text, origin, depth + 1, ctx);
            }
            return;
        }
        Shape::CloudTrail => cloudtrail::parse(text, origin_owned()),
        Shape::EventBridge => cloudtrail::parse_eventbridge(text, origin_owned()),
        Shape::Kubernetes => kubernetes::parse(text, origin_owned(), ctx.options),
        Shape::Gcp => gcp::parse(text, origin_owned()),
        Shape::Entra => entra::parse(text, origin_owned()),
        Shape::Github => github::parse(text, origin_owned()),
        Shape::Okta => okta::parse(text, origin_owned()),
        Shape::Unknown => Ok(Parsed::NotThisFormat),
    };
    match parsed {
        Ok(Parsed::Event(mut event)) => {
            if matches!(shape, Shape::CloudTrail) {
                tag(ctx, text, &mut event);
            }
            ctx.deliver(*event)
        }
        Ok(Parsed::SkippedStage) => ctx.stats.skipped_stages += 1,
        Ok(Parsed::NotThisFormat) => match ctx.options.mapping.as_ref() {
            Some(mapping) => apply_mapping(mapping, text, origin, ctx),
            None => ctx.warn(
                origin,
                WarningKind::UnknownRecord,
                "no known log format matches",
            ),
        },
        Err(error) => ctx.warn(origin, WarningKind::Malformed, error.to_string()),
    }
}

fn apply_mapping(mapping: &mapping::FieldMapping, text: &str, origin: &str, ctx: &mut Ctx) {
    match mapping.apply(text, origin.to_owned()) {
        Ok(Some(event)) => ctx.deliver(event),
        Ok(None) => ctx.warn(origin, WarningKind::UnknownRecord, "not a JSON object"),
        Err(error) => ctx.warn(origin, WarningKind::Malformed, error.to_string()),
    }
}

/// Streams the records of a wrapper held in one string (a line): origins become
/// `path:line#record N`.
fn stream_text(text: &str, origin: &str, depth: u8, ctx: &mut Ctx) {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut counter = 0u64;
    let visitor = DocumentVisitor {
        ctx: &mut *ctx,
        origin,
        separator: "#record",
        counter: &mut counter,
        depth,
    };
    if let Err(error) = de::Deserializer::deserialize_any(&mut deserializer, visitor) {
        ctx.warn(
            format!("{origin}#record {}", counter + 1),
            WarningKind::Malformed,
            error.to_string(),
        );
    }
}

/// Streams every record of one top-level JSON value read from `deserializer`, one
/// element at a time. `counter` numbers records across the file.
pub(crate) fn stream_document<'de, R: serde_json::de::Read<'de>>(
    deserializer: &mut serde_json::Deserializer<R>,
    origin: &str,
    counter: &mut u64,
    ctx: &mut Ctx,
) -> Result<(), serde_json::Error> {
    let visitor = DocumentVisitor {
        ctx,
        origin,
        separator: ":record",
        counter,
        depth: 0,
    };
    de::Deserializer::deserialize_any(deserializer, visitor)
}

struct DocumentVisitor<'c, 'o, 'n> {
    ctx: &'c mut Ctx<'o>,
    origin: &'n str,
    separator: &'static str,
    counter: &'n mut u64,
    depth: u8,
}

impl DocumentVisitor<'_, '_, '_> {
    fn record(&mut self, text: &str) {
        *self.counter += 1;
        let origin = format!("{}{} {}", self.origin, self.separator, self.counter);
        handle_record(text, origin, self.depth, self.ctx);
    }

    fn not_a_log(self, what: &str) {
        *self.counter += 1;
        let origin = format!("{}{} {}", self.origin, self.separator, self.counter);
        self.ctx.warn(
            origin,
            WarningKind::UnknownRecord,
            format!("a JSON {what} is not a log record"),
        );
    }
}

impl<'de> Visitor<'de> for DocumentVisitor<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object or array of log records")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<Box<RawValue>>()? {
            self.record(element.get());
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Keys other than the record arrays are kept raw: if no record array shows up,
        // the object itself is the record and is rebuilt from them.
        let mut other_fields: Vec<(String, Box<RawValue>)> = Vec::new();
        let mut streamed_records = false;
        while let Some(key) = map.next_key::<String>()? {
            if matches!(key.as_str(), "Records" | "value" | "items") {
                let seed = RecordArray { visitor: &mut self };
                streamed_records |= map.next_value_seed(seed)?;
            } else {
                other_fields.push((key, map.next_value::<Box<RawValue>>()?));
            }
        }
        if !streamed_records {
            let mut text = String::from("{");
            for (index, (key, value)) in other_fields.iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                // A key that came out of JSON always serialises back.
                text.push_str(&serde_json::to_string(key).unwrap_or_default());
                text.push(':');
                text.push_str(value.get());
            }
            text.push('}');
            self.record(&text);
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_a_log("boolean");
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_a_log("number");
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_a_log("number");
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_a_log("number");
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_a_log("string");
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_a_log("null");
        Ok(())
    }
}

/// The value under `Records`/`value`/`items`: an array is streamed record by record;
/// anything else is skipped (returns false).
struct RecordArray<'v, 'c, 'o, 'n> {
    visitor: &'v mut DocumentVisitor<'c, 'o, 'n>,
}

impl<'de> DeserializeSeed<'de> for RecordArray<'_, '_, '_, '_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordArray<'_, '_, '_, '_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array of log records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while let Some(element) = seq.next_element::<Box<RawValue>>()? {
            self.visitor.record(element.get());
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Shape {
        classify(&serde_json::from_str::<Probe>(text).unwrap())
    }

    #[test]
    fn records_are_told_apart_by_their_keys() {
        assert_eq!(shape(r#"{"Records":[]}"#), Shape::Wrapper);
        assert_eq!(
            shape(r#"{"@odata.context":"x","value":[{}]}"#),
            Shape::Wrapper
        );
        assert_eq!(shape(r#"{"kind":"EventList","items":[]}"#), Shape::Wrapper);
        assert_eq!(shape(r#"{"value":"not an array"}"#), Shape::Unknown);
        assert_eq!(shape(r#"{"eventVersion":"1.08"}"#), Shape::CloudTrail);
        assert_eq!(
            shape(r#"{"eventname":"X","eventsource":"s3.amazonaws.com"}"#),
            Shape::CloudTrail
        );
        assert_eq!(
            shape(r#"{"detail-type":"AWS API Call via CloudTrail","detail":{}}"#),
            Shape::EventBridge
        );
        assert_eq!(
            shape(r#"{"apiVersion":"audit.k8s.io/v1","kind":"Event"}"#),
            Shape::Kubernetes
        );
        assert_eq!(shape(r#"{"apiVersion":"v1","kind":"Pod"}"#), Shape::Unknown);
        assert_eq!(shape(r#"{"protoPayload":{},"insertId":"x"}"#), Shape::Gcp);
        assert_eq!(
            shape(r#"{"createdDateTime":"x","appId":"y"}"#),
            Shape::Entra
        );
        assert_eq!(
            shape(r#"{"action":"repo.create","actor":"octocat"}"#),
            Shape::Github
        );
        assert_eq!(
            shape(r#"{"action":"x","actor":{"id":"1"}}"#),
            Shape::Unknown
        );
        assert_eq!(
            shape(r#"{"uuid":"u","eventType":"user.session.start","published":"p"}"#),
            Shape::Okta
        );
    }

    #[test]
    fn fast_path_key_check() {
        assert!(starts_with_key(r#"{"eventVersion":"1"}"#, "eventVersion"));
        assert!(starts_with_key(
            r#"{ "eventVersion" : "1"}"#,
            "eventVersion"
        ));
        assert!(!starts_with_key(r#"{"eventVersionX":"1"}"#, "eventVersion"));
        assert!(!starts_with_key(r#"{"userIdentity":{}}"#, "eventVersion"));
    }

    fn run(text: &str) -> (Vec<ActivityEvent>, ReadStats) {
        let options = ReadOptions::default();
        let mut stats = ReadStats::default();
        let mut events = Vec::new();
        let mut emit = |event| events.push(event);
        let mut ctx = Ctx {
            options: &options,
            stats: &mut stats,
            emit: &mut emit,
        };
        handle_record(text, "t:1".to_owned(), 0, &mut ctx);
        (events, stats)
    }

    #[test]
    fn foreign_payloads_of_known_envelopes_are_unknown_records() {
        let (events, stats) = run(
            r#"{"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}"#,
        );
        assert!(events.is_empty());
        assert_eq!(stats.unknown_records, 1);
        let (events, stats) = run(
            r#"{"insertId":"1","protoPayload":{"@type":"type.googleapis.com/google.appengine.logging.v1.RequestLog"}}"#,
        );
        assert!(events.is_empty());
        assert_eq!(stats.unknown_records, 1);
    }

    #[test]
    fn hostile_nesting_is_refused_without_overflow() {
        let deep = "[".repeat(100_000);
        let (events, stats) = run(&deep);
        assert!(events.is_empty());
        assert_eq!(stats.problems(), 1);
        let nested = r#"{"Records":[{"Records":[{"Records":[{"eventVersion":"1"}]}]}]}"#;
        let (events, stats) = run(nested);
        assert!(events.is_empty());
        assert_eq!(stats.unknown_records, 1);
    }
}
