//! RFC 5424 formatting, checked with an independent parser, and real UDP and
//! TCP delivery on 127.0.0.1.

mod common;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

use nhi_sinks::{
    AlertSeverity, Facility, Sink, SyslogFormatter, SyslogSink, SyslogTransport, format_rfc5424,
    frame_octet_counted, syslog_severity,
};

fn formatter() -> SyslogFormatter {
    SyslogFormatter {
        facility: Facility::LOCAL0,
        hostname: "collector-01".into(),
        app_name: "nhi".into(),
        proc_id: "4242".into(),
        sd_id: "nhi@32473".into(),
    }
}

fn at() -> jiff::Timestamp {
    "2026-12-01T08:03:12.250Z".parse().unwrap()
}

#[test]
fn header_matches_rfc5424_byte_for_byte() {
    let message = formatter().format(&common::alert(), at());
    // local0 (16) * 8 + critical → syslog Critical (2) = 130.
    let expected_head = "<130>1 2026-12-01T08:03:12.250000Z collector-01 nhi 4242 NHI-MON-005 \
        [nhi@32473 alert_id=\"alert-7f3a\" detection=\"NHI-MON-005\" severity=\"critical\" \
        identity=\"arn:aws:iam::123456789012:role/ci-deployer\" identity_name=\"ci-deployer\" \
        owner=\"platform@example.com\" mitre=\"T1562.008,T1078.004\" \
        first_seen=\"2026-12-01T08:00:00Z\" last_seen=\"2026-12-01T08:03:12.25Z\" \
        event_count=\"3\" source_ip=\"198.51.100.9\" region=\"us-east-1\"] \u{feff}";
    assert!(message.starts_with(expected_head), "{message}");
    assert!(message.ends_with("Defence evasion: CloudTrail logging stopped: ci-deployer called cloudtrail:StopLogging from a new IP; baseline: never."));
}

#[test]
fn pri_combines_facility_and_mapped_severity() {
    let expected = [
        (AlertSeverity::Info, 6),
        (AlertSeverity::Low, 5),
        (AlertSeverity::Medium, 4),
        (AlertSeverity::High, 3),
        (AlertSeverity::Critical, 2),
    ];
    for (severity, syslog) in expected {
        assert_eq!(syslog_severity(severity), syslog);
        let mut alert = common::alert();
        alert.severity = severity;
        for facility in [
            Facility::AUTH,
            Facility::AUTHPRIV,
            Facility::LOCAL0,
            Facility::new(23).unwrap(),
        ] {
            let parsed = common::parse_rfc5424(&format_rfc5424(&alert, facility, at())).unwrap();
            assert_eq!(
                parsed.prival,
                u16::from(facility.code()) * 8 + u16::from(syslog)
            );
        }
    }
    assert_eq!(Facility::from_name("LOCAL7"), Facility::new(23));
    assert_eq!(Facility::default(), Facility::LOCAL0);
}

#[test]
fn sd_values_with_quotes_backslashes_and_brackets_round_trip() {
    let mut alert = common::alert();
    alert.identity = r#"arn:"quoted"\back]slash[ ]"#.into();
    alert.owner = Some("] [x=\"y\"]\\".into());
    let message = formatter().format(&alert, at());
    assert!(
        message.contains(r#"identity="arn:\"quoted\"\\back\]slash[ \]""#),
        "{message}"
    );
    let parsed = common::parse_rfc5424(&message).unwrap();
    assert_eq!(parsed.param("identity"), Some(alert.identity.as_str()));
    assert_eq!(parsed.param("owner"), alert.owner.as_deref());
    assert_eq!(parsed.structured_data.len(), 1);
}

#[test]
fn header_fields_are_limited_and_cleaned() {
    let mut alert = common::alert();
    alert.detection = "NHI MON\u{e9}-0000000000000000000000000000000000000000".into();
    let mut formatter = formatter();
    formatter.hostname = "h".repeat(300);
    formatter.app_name = "a".repeat(60);
    formatter.proc_id = String::new();
    let parsed = common::parse_rfc5424(&formatter.format(&alert, at())).unwrap();
    assert_eq!(parsed.hostname.len(), 255);
    assert_eq!(parsed.app_name.len(), 48);
    assert_eq!(parsed.proc_id, "-");
    assert_eq!(parsed.msg_id.len(), 32);
    assert!(parsed.msg_id.starts_with("NHI_MON_-000"));
}

#[test]
fn timestamps_outside_four_digit_years_become_nil() {
    let far = jiff::Timestamp::MIN;
    let parsed = common::parse_rfc5424(&formatter().format(&common::alert(), far)).unwrap();
    assert_eq!(parsed.timestamp, "-");
    let whole = "2026-12-01T08:03:12Z".parse().unwrap();
    let parsed = common::parse_rfc5424(&formatter().format(&common::alert(), whole)).unwrap();
    assert_eq!(parsed.timestamp, "2026-12-01T08:03:12Z");
}

#[test]
fn udp_messages_are_cut_in_msg_only() {
    let mut alert = common::alert();
    alert.explanation = "é".repeat(3000);
    let message = formatter().format_within(&alert, at(), 2048);
    assert!(message.len() <= 2048, "{}", message.len());
    let parsed = common::parse_rfc5424(&message).unwrap();
    assert_eq!(parsed.param("region"), Some("us-east-1"));
    assert!(parsed.msg.unwrap().starts_with("Defence evasion"));
}

#[test]
fn udp_delivery_to_a_real_socket() {
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let address = receiver.local_addr().unwrap().to_string();
    let mut sink = SyslogSink::new(address, SyslogTransport::Udp, formatter()).unwrap();
    sink.send(&common::alert()).unwrap();
    let mut second = common::alert();
    second.id = "alert-second".into();
    second.severity = AlertSeverity::Low;
    sink.send(&second).unwrap();

    let mut buffer = [0u8; 65_536];
    let mut received = Vec::new();
    for _ in 0..2 {
        let length = receiver.recv(&mut buffer).unwrap();
        let text = std::str::from_utf8(&buffer[..length]).unwrap().to_string();
        received.push(common::parse_rfc5424(&text).unwrap());
    }
    assert_eq!(received[0].prival, 130);
    assert_eq!(received[0].param("alert_id"), Some("alert-7f3a"));
    assert_eq!(received[1].prival, 16 * 8 + 5);
    assert_eq!(received[1].param("alert_id"), Some("alert-second"));
    assert_eq!(received[1].hostname, "collector-01");
}

#[test]
fn tcp_delivery_uses_octet_counting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let collector = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let mut sink = SyslogSink::new(address, SyslogTransport::Tcp, formatter()).unwrap();
    let mut multiline = common::alert();
    multiline.explanation = "line one\nline two with ] and \"".into();
    sink.send(&common::alert()).unwrap();
    sink.send(&multiline).unwrap();
    sink.flush();
    drop(sink);

    let bytes = collector.join().unwrap();
    let (first, rest) = common::split_octet_counted(&bytes).unwrap();
    let (second, rest) = common::split_octet_counted(rest).unwrap();
    assert!(rest.is_empty());
    let first = common::parse_rfc5424(std::str::from_utf8(first).unwrap()).unwrap();
    let second = common::parse_rfc5424(std::str::from_utf8(second).unwrap()).unwrap();
    assert_eq!(first.param("alert_id"), Some("alert-7f3a"));
    assert!(
        second
            .msg
            .unwrap()
            .ends_with("line one\nline two with ] and \"")
    );
}

#[test]
fn tcp_reconnects_after_the_collector_drops_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (reconnected_tx, reconnected_rx) = std::sync::mpsc::channel();
    let collector = std::thread::spawn(move || {
        // Close the first connection at once, as a restarting collector would.
        let (first, _) = listener.accept().unwrap();
        drop(first);
        listener.set_nonblocking(true).unwrap();
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    reconnected_tx.send(()).unwrap();
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(5)))
                        .unwrap();
                    let mut bytes = Vec::new();
                    stream.read_to_end(&mut bytes).unwrap();
                    return Some(bytes);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        None
    });
    let mut sink = SyslogSink::new(address, SyslogTransport::Tcp, formatter()).unwrap();
    sink.send(&common::alert()).unwrap();
    // A write into a connection the peer has closed can still succeed once
    // (the kernel learns of the close from the reset it provokes), so keep
    // sending until the sink notices and reconnects.
    let mut reconnected = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(10));
        let _ = sink.send(&common::alert());
        if reconnected_rx.try_recv().is_ok() {
            reconnected = true;
            break;
        }
    }
    assert!(reconnected, "the sink never reconnected");
    sink.send(&common::alert()).unwrap();
    drop(sink);
    let bytes = collector.join().unwrap().expect("second connection");
    let (frame, _) = common::split_octet_counted(&bytes).unwrap();
    assert!(common::parse_rfc5424(std::str::from_utf8(frame).unwrap()).is_ok());
}

#[test]
fn octet_counting_counts_bytes_not_characters() {
    assert_eq!(frame_octet_counted("é"), b"2 \xc3\xa9".to_vec());
}

#[test]
fn tcp_to_a_closed_port_is_an_error_and_the_sink_stays_usable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let mut sink = SyslogSink::new(address.clone(), SyslogTransport::Tcp, formatter()).unwrap();
    let error = sink.send(&common::alert()).unwrap_err().to_string();
    assert!(error.contains(&address), "{error}");
    assert!(sink.send(&common::alert()).is_err());
}
