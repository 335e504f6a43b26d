//! Signed JSON webhook delivery.
//!
//! # Verifying a delivery (receiver side)
//!
//! Each POST carries:
//!
//! * `X-Nhi-Timestamp`: Unix seconds at signing time;
//! * `X-Nhi-Signature`: `sha256=` followed by the lowercase hex
//!   HMAC-SHA256, keyed with the shared secret, of the bytes
//!   `timestamp + "." + body` (the raw request body, not re-serialised JSON).
//!
//! A receiver should:
//!
//! 1. read the raw body and both headers;
//! 2. recompute `HMAC-SHA256(secret, timestamp + "." + body)`;
//! 3. compare it with the header's hex value in constant time;
//! 4. reject the request if the timestamp is more than a few minutes away
//!    from its own clock (five is a common tolerance), which bounds replays;
//! 5. optionally remember recently seen `(timestamp, signature)` pairs, or
//!    the alert `id`, to drop exact replays inside the tolerance window.
//!
//! [`verify_signature`] implements steps 2–4.

use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::{AlertRecord, PayloadFormat, Sink, SinkError, render_payload};

pub const SIGNATURE_HEADER: &str = "X-Nhi-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Nhi-Timestamp";

type HmacSha256 = Hmac<Sha256>;

/// The HMAC key shared with the webhook receiver.
///
/// Its `Debug` output is redacted and it has no `Display`, so it cannot leak
/// through error messages or logs by accident.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        WebhookSecret(secret.into())
    }

    fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

fn mac_over(secret: &WebhookSecret, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.expose()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Nhi-Signature` value for a body sent at `timestamp` (Unix seconds).
pub fn sign_payload(secret: &WebhookSecret, timestamp: &str, body: &[u8]) -> String {
    let tag = mac_over(secret, timestamp, body).finalize().into_bytes();
    format!("sha256={}", hex::encode(tag))
}

/// Receiver-side check of a delivery: the signature matches (compared in
/// constant time) and the timestamp is within `tolerance` of `now`.
pub fn verify_signature(
    secret: &WebhookSecret,
    timestamp: &str,
    body: &[u8],
    signature_header: &str,
    now: jiff::Timestamp,
    tolerance: Duration,
) -> bool {
    let Ok(sent_at) = timestamp.parse::<i64>() else {
        return false;
    };
    let skew = now.as_second().abs_diff(sent_at);
    if skew > tolerance.as_secs() {
        return false;
    }
    let Some(hex_tag) = signature_header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(tag) = hex::decode(hex_tag) else {
        return false;
    };
    mac_over(secret, timestamp, body).verify_slice(&tag).is_ok()
}

/// How hard to try before giving up on one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, including the first; at least 1.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further retry.
    pub base_delay: Duration,
    /// Ceiling for any single delay. A `Retry-After` asking for longer makes
    /// the sink give up instead, so that one slow receiver cannot stall the
    /// monitoring loop for an unbounded time.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with "equal jitter": half the delay is fixed, the
    /// other half random, so that many nhi instances restarted together do
    /// not retry in lockstep while each still waits a predictable minimum.
    fn backoff(&self, retry_number: u32, rng: &mut impl Rng) -> Duration {
        let factor = 1u32
            .checked_shl(retry_number.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = ceiling / 2;
        let jitter_nanos = rng.random_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
        half + Duration::from_nanos(jitter_nanos)
    }
}

/// Everything a [`WebhookSink`] needs.
///
/// `Debug` shows only the URL's scheme and host, as for errors.
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: WebhookSecret,
    pub format: PayloadFormat,
    pub retry: RetryPolicy,
    /// Whole-request timeout (connect, send, receive) per attempt.
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("endpoint", &endpoint_label(&self.url))
            .field("secret", &self.secret)
            .field("format", &self.format)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl WebhookConfig {
    pub fn new(url: impl Into<String>, secret: WebhookSecret) -> Self {
        WebhookConfig {
            url: url.into(),
            secret,
            format: PayloadFormat::Native,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// POSTs each alert as signed JSON, retrying transient failures.
pub struct WebhookSink {
    config: WebhookConfig,
    endpoint: String,
    agent: ureq::Agent,
    last_attempts: u32,
}

impl std::fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("endpoint", &self.endpoint)
            .field("secret", &self.config.secret)
            .field("format", &self.config.format)
            .field("retry", &self.config.retry)
            .finish_non_exhaustive()
    }
}

/// Scheme and authority only: paths and queries of chat webhooks (Slack,
/// Teams, …) embed tokens, so they stay out of errors and Debug output.
pub(crate) fn endpoint_label(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("?", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Drop any `user:password@` prefix for the same reason.
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}://{host}")
}

enum Outcome {
    Delivered,
    Retry {
        after: Option<Duration>,
        error: SinkError,
    },
    GiveUp(SinkError),
}

impl WebhookSink {
    pub fn new(config: WebhookConfig) -> Result<Self, SinkError> {
        if !(config.url.starts_with("https://") || config.url.starts_with("http://")) {
            return Err(SinkError::Config(format!(
                "webhook URL must start with https:// or http://, got {}",
                endpoint_label(&config.url)
            )));
        }
        if config.retry.max_attempts == 0 {
            return Err(SinkError::Config(
                "webhook max_attempts must be at least 1".into(),
            ));
        }
        let agent_config = ureq::Agent::config_builder()
            // Statuses are classified here (retry or not), not turned into errors.
            .http_status_as_error(false)
            // A redirect would re-send a signed alert to a place nobody configured.
            .max_redirects(0)
            .timeout_global(Some(config.timeout))
            .user_agent(format!("nhi/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(WebhookSink {
            endpoint: endpoint_label(&config.url),
            agent: ureq::Agent::new_with_config(agent_config),
            config,
            last_attempts: 0,
        })
    }

    /// How many HTTP attempts the most recent `send` made.
    pub fn last_attempts(&self) -> u32 {
        self.last_attempts
    }

    fn attempt(&self, body: &str, attempts: u32) -> Outcome {
        let timestamp = jiff::Timestamp::now().as_second().to_string();
        let signature = sign_payload(&self.config.secret, &timestamp, body.as_bytes());
        let result = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, &signature)
            .send(body.as_bytes());
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    return Outcome::Delivered;
                }
                let error = SinkError::WebhookStatus {
                    endpoint: self.endpoint.clone(),
                    status,
                    attempts,
                };
                if status == 429 || (500..600).contains(&status) {
                    let after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    Outcome::Retry { after, error }
                } else {
                    Outcome::GiveUp(error)
                }
            }
            Err(transport) => {
                let error = SinkError::WebhookTransport {
                    endpoint: self.endpoint.clone(),
                    attempts,
                    reason: self.scrub(&transport.to_string()),
                };
                if is_transient(&transport) {
                    Outcome::Retry { after: None, error }
                } else {
                    Outcome::GiveUp(error)
                }
            }
        }
    }

    /// Transport errors may quote the URL; keep only the endpoint label.
    fn scrub(&self, message: &str) -> String {
        message.replace(&self.config.url, &self.endpoint)
    }
}

fn is_transient(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

impl Sink for WebhookSink {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        let body = render_payload(alert, self.config.format)?;
        let mut rng = rand::rng();
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.last_attempts = attempts;
            let (after, error) = match self.attempt(&body, attempts) {
                Outcome::Delivered => return Ok(()),
                Outcome::GiveUp(error) => return Err(error),
                Outcome::Retry { after, error } => (after, error),
            };
            if attempts >= self.config.retry.max_attempts {
                return Err(error);
            }
            let backoff = self.config.retry.backoff(attempts, &mut rng);
            let delay = match after {
                Some(asked) if asked > self.config.retry.max_delay => return Err(error),
                Some(asked) => asked.max(backoff),
                None => backoff,
            };
            std::thread::sleep(delay);
        }
    }

    fn flush(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body_and_verifies() {
        let secret = WebhookSecret::new("s3cr3t");
        let signature = sign_payload(&secret, "1700000000", b"{\"a\":1}");
        let mut mac = HmacSha256::new_from_slice(b"s3cr3t").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signature, format!("sha256={expected}"));

        let now = jiff::Timestamp::from_second(1_700_000_100).unwrap();
        let tolerance = Duration::from_secs(300);
        assert!(verify_signature(
            &secret,
            "1700000000",
            b"{\"a\":1}",
            &signature,
            now,
            tolerance
        ));
        assert!(!verify_signature(
            &secret,
            "1700000000",
            b"{\"a\":2}",
            &signature,
            now,
            tolerance
        ));
        assert!(!verify_signature(
            &secret,
            "1700000001",
            b"{\"a\":1}",
            &signature,
            now,
            tolerance
        ));
        let other = WebhookSecret::new("other");
        assert!(!verify_signature(
            &other,
            "1700000000",
            b"{\"a\":1}",
            &signature,
            now,
            tolerance
        ));
        let later = jiff::Timestamp::from_second(1_700_000_301).unwrap();
        assert!(!verify_signature(
            &secret,
            "1700000000",
            b"{\"a\":1}",
            &signature,
            later,
            tolerance
        ));
    }

    #[test]
    fn backoff_doubles_within_jitter_and_respects_the_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(700),
        };
        let mut rng = rand::rng();
        for _ in 0..200 {
            let first = policy.backoff(1, &mut rng);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3, &mut rng);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let capped = policy.backoff(40, &mut rng);
            assert!(capped >= Duration::from_millis(350) && capped <= Duration::from_millis(700));
        }
    }

    #[test]
    fn endpoint_label_hides_path_query_and_credentials() {
        assert_eq!(
            endpoint_label("https://user:pw@hooks.example.com/services/T0/B0/XYZ?token=1"),
            "https://hooks.example.com"
        );
        assert_eq!(
            endpoint_label("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn non_http_urls_are_rejected_without_echoing_them() {
        let config = WebhookConfig::new("ftp://host/secret-path", WebhookSecret::new("k"));
        let error = WebhookSink::new(config).unwrap_err().to_string();
        assert!(!error.contains("secret-path"), "{error}");
    }
}
