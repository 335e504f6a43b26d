//! Property tests: arbitrary alerts never panic a formatter, never break an
//! RFC 5424 frame, and survive a JSON round trip.

mod common;

use std::collections::BTreeMap;

use nhi_sinks::{
    AlertRecord, AlertSeverity, Facility, HumanSink, PayloadFormat, SyslogFormatter,
    frame_octet_counted, render_payload, to_ocsf,
};
use proptest::prelude::*;

/// Any character, with the ones that matter to the formats made likely.
fn text() -> impl Strategy<Value = String> {
    let interesting = prop::sample::select(vec![
        '"', '\\', ']', '[', '=', ' ', '\n', '\r', '\0', '\u{feff}', '\x1b', 'é', '😀',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), interesting], 0..40)
        .prop_map(String::from_iter)
}

fn timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    (
        jiff::Timestamp::MIN.as_second()..=jiff::Timestamp::MAX.as_second(),
        0..1_000_000_000i32,
    )
        .prop_filter_map("outside jiff's range", |(second, nanos)| {
            jiff::Timestamp::new(second, nanos).ok()
        })
}

fn severity() -> impl Strategy<Value = AlertSeverity> {
    prop::sample::select(AlertSeverity::ALL.to_vec())
}

fn map() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(text(), text(), 0..4)
}

fn alert() -> impl Strategy<Value = AlertRecord> {
    let identity = (
        text(),
        text(),
        text(),
        severity(),
        prop::collection::vec(text(), 0..4),
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
    );
    let activity = (
        timestamp(),
        timestamp(),
        prop::collection::vec(text(), 0..4),
        any::<u64>(),
        text(),
        prop::collection::vec(text(), 0..4),
        map(),
        map(),
        prop::option::of(text()),
        prop::option::of(text()),
    );
    (identity, activity).prop_map(
        |(
            (id, detection, name, severity, mitre, identity, identity_name, owner),
            (
                first_seen,
                last_seen,
                event_ids,
                event_count,
                explanation,
                evidence,
                observed,
                baseline,
                source_ip,
                region,
            ),
        )| AlertRecord {
            id,
            detection,
            name,
            severity,
            mitre,
            identity,
            identity_name,
            owner,
            first_seen,
            last_seen,
            event_ids,
            event_count,
            explanation,
            evidence,
            observed,
            baseline,
            source_ip,
            region,
        },
    )
}

fn formatter() -> impl Strategy<Value = SyslogFormatter> {
    (0u8..=23, text(), text(), text(), text()).prop_map(
        |(facility, hostname, app_name, proc_id, sd_id)| SyslogFormatter {
            facility: Facility::new(facility).unwrap(),
            hostname,
            app_name,
            proc_id,
            sd_id,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_formatter_panics(alert in alert(), formatter in formatter(), at in timestamp(), max in 0usize..4096) {
        let _ = HumanSink::new(Vec::new()).render(&alert);
        let _ = HumanSink::new(Vec::new()).with_colour(true).render(&alert);
        let _ = to_ocsf(&alert);
        prop_assert!(render_payload(&alert, PayloadFormat::Native).is_ok());
        prop_assert!(render_payload(&alert, PayloadFormat::Ocsf).is_ok());
        let _ = formatter.format(&alert, at);
        let _ = formatter.format_within(&alert, at, max);
    }

    #[test]
    fn rfc5424_frames_survive_arbitrary_values(alert in alert(), formatter in formatter(), at in timestamp()) {
        let message = formatter.format(&alert, at);
        let parsed = common::parse_rfc5424(&message).map_err(TestCaseError::fail)?;
        prop_assert_eq!(parsed.structured_data.len(), 1);
        prop_assert_eq!(parsed.param("alert_id"), Some(alert.id.as_str()));
        prop_assert_eq!(parsed.param("detection"), Some(alert.detection.as_str()));
        prop_assert_eq!(parsed.param("identity"), Some(alert.identity.as_str()));
        prop_assert_eq!(parsed.param("identity_name"), alert.identity_name.as_deref());
        prop_assert_eq!(parsed.param("owner"), alert.owner.as_deref());
        prop_assert_eq!(parsed.param("source_ip"), alert.source_ip.as_deref());
        prop_assert_eq!(parsed.param("region"), alert.region.as_deref());
        let mitre = (!alert.mitre.is_empty()).then(|| alert.mitre.join(","));
        prop_assert_eq!(parsed.param("mitre"), mitre.as_deref());
        let expected_msg = format!("{}: {}", alert.name, alert.explanation);
        prop_assert_eq!(parsed.msg.as_deref(), Some(expected_msg.as_str()));
        prop_assert_eq!(
            parsed.prival,
            u16::from(formatter.facility.code()) * 8 + u16::from(nhi_sinks::syslog_severity(alert.severity))
        );

        let frame = frame_octet_counted(&message);
        let (body, rest) = common::split_octet_counted(&frame).map_err(TestCaseError::fail)?;
        prop_assert!(rest.is_empty());
        prop_assert_eq!(body, message.as_bytes());
    }

    #[test]
    fn truncated_udp_messages_stay_parseable_and_within_budget(alert in alert(), max in 0usize..4096) {
        let formatter = SyslogFormatter {
            facility: Facility::LOCAL0,
            hostname: "h".into(),
            app_name: "nhi".into(),
            proc_id: "1".into(),
            sd_id: "nhi@32473".into(),
        };
        let at = jiff::Timestamp::UNIX_EPOCH;
        let full = formatter.format(&alert, at);
        let cut = formatter.format_within(&alert, at, max);
        let parsed = common::parse_rfc5424(&cut).map_err(TestCaseError::fail)?;
        prop_assert_eq!(parsed.param("identity"), Some(alert.identity.as_str()));
        let head_len = full.len() - format!("{}: {}", alert.name, alert.explanation).len();
        if head_len <= max {
            prop_assert!(cut.len() <= max, "{} > {}", cut.len(), max);
        }
        prop_assert!(full.starts_with(&cut));
    }

    #[test]
    fn native_json_round_trips(alert in alert()) {
        let line = render_payload(&alert, PayloadFormat::Native).unwrap();
        prop_assert!(!line.contains('\n'));
        let back: AlertRecord = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(back, alert);
    }

    #[test]
    fn ocsf_core_fields_hold_for_any_alert(alert in alert()) {
        let finding = to_ocsf(&alert);
        prop_assert_eq!(finding["class_uid"].as_u64(), Some(2004));
        prop_assert_eq!(finding["type_uid"].as_u64(), Some(200401));
        prop_assert_eq!(finding["time"].as_i64(), Some(alert.last_seen.as_millisecond()));
        prop_assert_eq!(finding["finding_info"]["uid"].as_str(), Some(alert.id.as_str()));
        let severity_id = finding["severity_id"].as_u64().unwrap();
        prop_assert!((1..=5).contains(&severity_id));
    }
}
