//! The webhook sink against a real HTTP server on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use nhi_sinks::{
    AlertRecord, PayloadFormat, RetryPolicy, Sink, SinkError, WebhookConfig, WebhookSecret,
    WebhookSink, verify_signature,
};

const SECRET: &str = "whsec-TOPSECRET-4f9b2c";

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
    }
}

fn sink(url: &str, max_attempts: u32, format: PayloadFormat) -> WebhookSink {
    let mut config = WebhookConfig::new(url, WebhookSecret::new(SECRET));
    config.retry = fast_retry(max_attempts);
    config.format = format;
    config.timeout = Duration::from_secs(5);
    WebhookSink::new(config).unwrap()
}

#[test]
fn two_503s_are_retried_then_the_signed_delivery_is_accepted() {
    let (url, received, server) = common::scripted_server(
        vec![(503, vec![]), (503, vec![]), (200, vec![])],
        Duration::from_secs(20),
    );
    let mut sink = sink(&url, 5, PayloadFormat::Native);
    sink.send(&common::alert()).unwrap();
    server.join().unwrap();

    assert_eq!(sink.last_attempts(), 3);
    let requests = received.lock().unwrap();
    assert_eq!(requests.len(), 3);
    for request in requests.iter() {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hooks/T0K3N-in-path");
        assert_eq!(request.headers["content-type"], "application/json");
        assert_eq!(
            request.headers["user-agent"],
            format!("nhi/{}", env!("CARGO_PKG_VERSION"))
        );
        let timestamp = &request.headers["x-nhi-timestamp"];
        let signature = &request.headers["x-nhi-signature"];
        assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
        assert!(verify_signature(
            &WebhookSecret::new(SECRET),
            timestamp,
            &request.body,
            signature,
            jiff::Timestamp::now(),
            Duration::from_secs(300),
        ));
        assert!(!verify_signature(
            &WebhookSecret::new("a different secret"),
            timestamp,
            &request.body,
            signature,
            jiff::Timestamp::now(),
            Duration::from_secs(300),
        ));
        let delivered: AlertRecord = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(delivered, common::alert());
    }
}

#[test]
fn a_400_is_not_retried() {
    let (url, received, _server) =
        common::scripted_server(vec![(400, vec![]), (200, vec![])], Duration::from_secs(3));
    let mut sink = sink(&url, 5, PayloadFormat::Native);
    let error = sink.send(&common::alert()).unwrap_err();
    assert!(
        matches!(
            error,
            SinkError::WebhookStatus {
                status: 400,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sink.last_attempts(), 1);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn persistent_5xx_stops_after_max_attempts() {
    let (url, received, server) = common::scripted_server(
        vec![(500, vec![]), (502, vec![]), (504, vec![])],
        Duration::from_secs(20),
    );
    let mut sink = sink(&url, 3, PayloadFormat::Native);
    let error = sink.send(&common::alert()).unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(
            error,
            SinkError::WebhookStatus {
                status: 504,
                attempts: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(received.lock().unwrap().len(), 3);
}

#[test]
fn retry_after_seconds_is_honoured_on_429() {
    let (url, received, server) = common::scripted_server(
        vec![(429, vec![("Retry-After", "1".into())]), (204, vec![])],
        Duration::from_secs(20),
    );
    let mut config = WebhookConfig::new(&url, WebhookSecret::new(SECRET));
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_secs(5),
    };
    let mut sink = WebhookSink::new(config).unwrap();
    let started = Instant::now();
    sink.send(&common::alert()).unwrap();
    server.join().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received.lock().unwrap().len(), 2);
}

#[test]
fn retry_after_beyond_max_delay_gives_up_instead_of_stalling() {
    let (url, received, _server) = common::scripted_server(
        vec![(503, vec![("Retry-After", "3600".into())]), (200, vec![])],
        Duration::from_secs(3),
    );
    let mut sink = sink(&url, 5, PayloadFormat::Native);
    let started = Instant::now();
    let error = sink.send(&common::alert()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(error, SinkError::WebhookStatus { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn connection_refused_is_retried_up_to_the_limit() {
    // Bind then drop: the port is very likely closed for the next instant.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sink = sink(
        &format!("http://127.0.0.1:{port}/hook"),
        3,
        PayloadFormat::Native,
    );
    let error = sink.send(&common::alert()).unwrap_err();
    assert!(
        matches!(error, SinkError::WebhookTransport { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(sink.last_attempts(), 3);
}

#[test]
fn ocsf_payloads_are_sent_when_configured() {
    let (url, received, server) =
        common::scripted_server(vec![(202, vec![])], Duration::from_secs(20));
    let mut sink = sink(&url, 1, PayloadFormat::Ocsf);
    sink.send(&common::alert()).unwrap();
    server.join().unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&received.lock().unwrap()[0].body).unwrap();
    assert_eq!(body["class_uid"], 2004);
    assert_eq!(body["finding_info"]["uid"], "alert-7f3a");
}

#[test]
fn the_secret_and_url_path_appear_in_no_error_or_debug_output() {
    let (url, _received, server) =
        common::scripted_server(vec![(500, vec![]), (500, vec![])], Duration::from_secs(20));
    let mut sink = sink(&url, 2, PayloadFormat::Native);
    let status_error = sink.send(&common::alert()).unwrap_err();
    server.join().unwrap();

    let mut refused = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        self::sink(
            &format!("http://127.0.0.1:{port}/hooks/T0K3N-in-path"),
            1,
            PayloadFormat::Native,
        )
    };
    let transport_error = refused.send(&common::alert()).unwrap_err();

    let mut config = WebhookConfig::new(&url, WebhookSecret::new(SECRET));
    config.retry.max_attempts = 0;
    let config_error = WebhookSink::new(config.clone()).unwrap_err();

    let outputs = [
        status_error.to_string(),
        format!("{status_error:?}"),
        transport_error.to_string(),
        format!("{transport_error:?}"),
        config_error.to_string(),
        format!("{sink:?}"),
        format!("{refused:?}"),
        format!("{config:?}"),
        format!("{:?}", WebhookSecret::new(SECRET)),
    ];
    for output in outputs {
        assert!(!output.contains(SECRET), "secret leaked: {output}");
        assert!(!output.contains("TOPSECRET"), "secret leaked: {output}");
        assert!(!output.contains("T0K3N"), "URL path leaked: {output}");
    }
}

#[test]
fn redirects_are_not_followed_so_signed_alerts_stay_where_configured() {
    let (url, received, _server) = common::scripted_server(
        vec![
            (
                302,
                vec![("Location", "http://127.0.0.1:1/elsewhere".into())],
            ),
            (200, vec![]),
        ],
        Duration::from_secs(3),
    );
    let mut sink = sink(&url, 5, PayloadFormat::Native);
    let error = sink.send(&common::alert()).unwrap_err();
    assert!(
        matches!(
            error,
            SinkError::WebhookStatus {
                status: 302,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
}
