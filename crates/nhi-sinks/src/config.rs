//! Sink configuration as the CLI reads it from TOML:
//!
//! ```toml
//! [[sink]]
//! type = "jsonl"
//! path = "/var/log/nhi/alerts.jsonl"
//! format = "ocsf"
//!
//! [[sink]]
//! type = "webhook"
//! url = "https://siem.example.com/nhi"
//! secret_env = "NHI_WEBHOOK_SECRET"
//! min_severity = "high"
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::webhook::endpoint_label;
use crate::{
    AlertSeverity, Facility, Fanout, HumanSink, JsonLinesSink, PayloadFormat, RetryPolicy,
    SeverityFilter, Sink, SinkError, SyslogFormatter, SyslogSink, SyslogTransport, WebhookConfig,
    WebhookSecret, WebhookSink,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkKind {
    Stdout,
    Jsonl,
    Webhook,
    Syslog,
}

impl SinkKind {
    fn as_str(self) -> &'static str {
        match self {
            SinkKind::Stdout => "stdout",
            SinkKind::Jsonl => "jsonl",
            SinkKind::Webhook => "webhook",
            SinkKind::Syslog => "syslog",
        }
    }
}

/// A syslog facility as written in the config: a name such as `"local0"` or
/// `"authpriv"`, or its numeric code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FacilityName {
    Code(u8),
    Name(String),
}

impl FacilityName {
    fn resolve(&self) -> Result<Facility, SinkError> {
        match self {
            FacilityName::Code(code) => Facility::new(*code),
            FacilityName::Name(name) => Facility::from_name(name),
        }
        .ok_or_else(|| SinkError::Config(format!("unknown syslog facility {self:?}")))
    }
}

/// One `[[sink]]` table.
///
/// The webhook secret is never written here: `secret_env` names the
/// environment variable that holds it, so config files can be shared and
/// committed without leaking it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    #[serde(rename = "type")]
    pub kind: SinkKind,
    /// Alerts below this severity are not sent to this sink.
    pub min_severity: Option<AlertSeverity>,
    /// jsonl and webhook: `native` (default) or `ocsf`.
    pub format: Option<PayloadFormat>,
    /// stdout: ANSI colour (default off).
    pub colour: Option<bool>,
    /// jsonl: file to append to.
    pub path: Option<PathBuf>,
    /// webhook: `https://…` (or `http://` for a local relay).
    pub url: Option<String>,
    /// webhook: name of the environment variable holding the HMAC secret.
    pub secret_env: Option<String>,
    /// webhook: total tries per alert (default 5).
    pub max_attempts: Option<u32>,
    /// webhook: first retry delay in milliseconds (default 500).
    pub base_delay_ms: Option<u64>,
    /// webhook: longest single delay in milliseconds (default 30000).
    pub max_delay_ms: Option<u64>,
    /// webhook: per-attempt timeout in milliseconds (default 10000).
    pub timeout_ms: Option<u64>,
    /// syslog: `host:port` of the collector.
    pub address: Option<String>,
    /// syslog: `udp` (default) or `tcp`.
    pub transport: Option<SyslogTransport>,
    /// syslog: facility name or code (default `local0`).
    pub facility: Option<FacilityName>,
    /// syslog: APP-NAME (default `nhi`).
    pub app_name: Option<String>,
    /// syslog: SD-ID of the alert element (default `nhi@32473`).
    pub sd_id: Option<String>,
}

/// Shows only the webhook URL's scheme and host: chat webhook URLs embed
/// tokens in their path.
impl std::fmt::Debug for SinkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkConfig")
            .field("kind", &self.kind)
            .field("min_severity", &self.min_severity)
            .field("format", &self.format)
            .field("colour", &self.colour)
            .field("path", &self.path)
            .field("url", &self.url.as_deref().map(endpoint_label))
            .field("secret_env", &self.secret_env)
            .field("max_attempts", &self.max_attempts)
            .field("base_delay_ms", &self.base_delay_ms)
            .field("max_delay_ms", &self.max_delay_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("address", &self.address)
            .field("transport", &self.transport)
            .field("facility", &self.facility)
            .field("app_name", &self.app_name)
            .field("sd_id", &self.sd_id)
            .finish()
    }
}

/// The whole file: `[[sink]]` tables.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinksFile {
    #[serde(default, rename = "sink")]
    pub sinks: Vec<SinkConfig>,
}

impl SinkConfig {
    /// A config of the given kind with every option unset.
    pub fn new(kind: SinkKind) -> Self {
        SinkConfig {
            kind,
            min_severity: None,
            format: None,
            colour: None,
            path: None,
            url: None,
            secret_env: None,
            max_attempts: None,
            base_delay_ms: None,
            max_delay_ms: None,
            timeout_ms: None,
            address: None,
            transport: None,
            facility: None,
            app_name: None,
            sd_id: None,
        }
    }

    /// Names of the fields that are set but mean nothing for this kind, so a
    /// typo such as `url` on a syslog sink is an error, not silently ignored.
    fn misplaced_fields(&self, kind: SinkKind) -> Vec<&'static str> {
        let allowed: &[&str] = match kind {
            SinkKind::Stdout => &["colour"],
            SinkKind::Jsonl => &["path", "format"],
            SinkKind::Webhook => &[
                "url",
                "secret_env",
                "format",
                "max_attempts",
                "base_delay_ms",
                "max_delay_ms",
                "timeout_ms",
            ],
            SinkKind::Syslog => &["address", "transport", "facility", "app_name", "sd_id"],
        };
        let set = [
            ("format", self.format.is_some()),
            ("colour", self.colour.is_some()),
            ("path", self.path.is_some()),
            ("url", self.url.is_some()),
            ("secret_env", self.secret_env.is_some()),
            ("max_attempts", self.max_attempts.is_some()),
            ("base_delay_ms", self.base_delay_ms.is_some()),
            ("max_delay_ms", self.max_delay_ms.is_some()),
            ("timeout_ms", self.timeout_ms.is_some()),
            ("address", self.address.is_some()),
            ("transport", self.transport.is_some()),
            ("facility", self.facility.is_some()),
            ("app_name", self.app_name.is_some()),
            ("sd_id", self.sd_id.is_some()),
        ];
        set.into_iter()
            .filter(|(name, present)| *present && !allowed.contains(name))
            .map(|(name, _)| name)
            .collect()
    }
}

fn required<'a, T>(value: &'a Option<T>, field: &str, kind: SinkKind) -> Result<&'a T, SinkError> {
    value
        .as_ref()
        .ok_or_else(|| SinkError::Config(format!("a {} sink needs `{field}`", kind.as_str())))
}

/// Builds a sink, reading the webhook secret from the process environment.
pub fn build(config: &SinkConfig) -> Result<Box<dyn Sink>, SinkError> {
    build_with_env(config, |name| std::env::var(name).ok())
}

/// Builds a sink, looking environment variables up through `env` (tests
/// pass a map instead of mutating the process environment).
pub fn build_with_env(
    config: &SinkConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Box<dyn Sink>, SinkError> {
    let kind = config.kind;
    let misplaced = config.misplaced_fields(kind);
    if !misplaced.is_empty() {
        return Err(SinkError::Config(format!(
            "`{}` does not apply to a {} sink",
            misplaced.join("`, `"),
            kind.as_str()
        )));
    }
    let format = config.format.unwrap_or_default();
    let sink: Box<dyn Sink> = match kind {
        SinkKind::Stdout => {
            Box::new(HumanSink::new(std::io::stdout()).with_colour(config.colour.unwrap_or(false)))
        }
        SinkKind::Jsonl => Box::new(JsonLinesSink::open(
            required(&config.path, "path", kind)?,
            format,
        )?),
        SinkKind::Webhook => {
            let url = required(&config.url, "url", kind)?;
            let variable = required(&config.secret_env, "secret_env", kind)?;
            let secret = env(variable)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    SinkError::Config(format!(
                        "environment variable {variable} (secret_env) is unset or empty"
                    ))
                })?;
            let defaults = RetryPolicy::default();
            let retry = RetryPolicy {
                max_attempts: config.max_attempts.unwrap_or(defaults.max_attempts),
                base_delay: config
                    .base_delay_ms
                    .map_or(defaults.base_delay, Duration::from_millis),
                max_delay: config
                    .max_delay_ms
                    .map_or(defaults.max_delay, Duration::from_millis),
            };
            let mut webhook = WebhookConfig::new(url.clone(), WebhookSecret::new(secret));
            webhook.format = format;
            webhook.retry = retry;
            if let Some(timeout) = config.timeout_ms {
                webhook.timeout = Duration::from_millis(timeout);
            }
            Box::new(WebhookSink::new(webhook)?)
        }
        SinkKind::Syslog => {
            let address = required(&config.address, "address", kind)?;
            let mut formatter = SyslogFormatter::default();
            if let Some(facility) = &config.facility {
                formatter.facility = facility.resolve()?;
            }
            if let Some(app_name) = &config.app_name {
                formatter.app_name = app_name.clone();
            }
            if let Some(sd_id) = &config.sd_id {
                formatter.sd_id = sd_id.clone();
            }
            Box::new(SyslogSink::new(
                address.clone(),
                config.transport.unwrap_or_default(),
                formatter,
            )?)
        }
    };
    Ok(match config.min_severity {
        Some(min_severity) => Box::new(SeverityFilter::new(sink, min_severity)),
        None => sink,
    })
}

impl Fanout {
    /// One fanout over every configured sink, labelled `sink[N] TYPE`.
    pub fn from_configs(configs: &[SinkConfig]) -> Result<Fanout, SinkError> {
        Self::from_configs_with_env(configs, |name| std::env::var(name).ok())
    }

    pub fn from_configs_with_env(
        configs: &[SinkConfig],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Fanout, SinkError> {
        let mut fanout = Fanout::new();
        for (index, config) in configs.iter().enumerate() {
            let sink = build_with_env(config, &env).map_err(|error| match error {
                SinkError::Config(reason) => SinkError::Config(format!("sink[{index}]: {reason}")),
                other => other,
            })?;
            fanout.add(format!("sink[{index}] {}", config.kind.as_str()), sink);
        }
        Ok(fanout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn parse(json: &str) -> Result<SinksFile, serde_json::Error> {
        serde_json::from_str(json)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn error_of(result: Result<Box<dyn Sink>, SinkError>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_file_of_sinks_deserialises_with_every_option() {
        let file = parse(
            r#"{"sink": [
                {"type": "stdout", "colour": true, "min_severity": "medium"},
                {"type": "jsonl", "path": "/tmp/a.jsonl", "format": "ocsf"},
                {"type": "webhook", "url": "https://h.example/x", "secret_env": "HOOK_KEY",
                 "max_attempts": 3, "base_delay_ms": 100, "max_delay_ms": 2000, "timeout_ms": 5000},
                {"type": "syslog", "address": "127.0.0.1:514", "transport": "tcp",
                 "facility": "authpriv", "app_name": "nhi-prod", "sd_id": "nhi@99999"},
                {"type": "syslog", "address": "127.0.0.1:514", "facility": 13}
            ]}"#,
        )
        .unwrap();
        assert_eq!(file.sinks.len(), 5);
        assert_eq!(file.sinks[0].min_severity, Some(AlertSeverity::Medium));
        assert_eq!(file.sinks[1].format, Some(PayloadFormat::Ocsf));
        assert_eq!(file.sinks[2].secret_env.as_deref(), Some("HOOK_KEY"));
        assert_eq!(file.sinks[3].transport, Some(SyslogTransport::Tcp));
        assert_eq!(
            file.sinks[3].facility.as_ref().unwrap().resolve().unwrap(),
            Facility::AUTHPRIV
        );
        assert_eq!(
            file.sinks[4].facility.as_ref().unwrap().resolve().unwrap(),
            Facility::LOG_AUDIT
        );
    }

    #[test]
    fn unknown_fields_and_types_are_rejected() {
        let error = parse(r#"{"sink": [{"type": "jsonl", "path": "a", "secret": "x"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `secret`"), "{error}");
        assert!(parse(r#"{"sink": [{"type": "email"}]}"#).is_err());
        assert!(parse(r#"{"sinks": []}"#).is_err());
    }

    #[test]
    fn fields_of_another_kind_are_an_error() {
        let mut config = SinkConfig::new(SinkKind::Syslog);
        config.address = Some("127.0.0.1:514".into());
        config.url = Some("https://h.example/x".into());
        let error = error_of(build_with_env(&config, no_env));
        assert!(
            error.contains("`url` does not apply to a syslog sink"),
            "{error}"
        );
    }

    #[test]
    fn webhook_needs_its_secret_variable_and_never_shows_its_value() {
        let mut config = SinkConfig::new(SinkKind::Webhook);
        config.url = Some("https://hooks.example.com/services/T0K3N".into());
        let error = error_of(build_with_env(&config, no_env));
        assert!(error.contains("needs `secret_env`"), "{error}");

        config.secret_env = Some("NHI_HOOK_SECRET".into());
        let error = error_of(build_with_env(&config, no_env));
        assert!(error.contains("NHI_HOOK_SECRET"), "{error}");

        let sink = build_with_env(&config, |name| {
            (name == "NHI_HOOK_SECRET").then(|| "value-that-must-not-leak".to_string())
        });
        assert!(sink.is_ok());
        assert!(!format!("{config:?}").contains("T0K3N"));
    }

    #[test]
    fn built_jsonl_sink_honours_min_severity_and_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.jsonl");
        let mut config = SinkConfig::new(SinkKind::Jsonl);
        config.path = Some(path.clone());
        config.format = Some(PayloadFormat::Ocsf);
        config.min_severity = Some(AlertSeverity::Critical);
        let mut fanout = Fanout::from_configs_with_env(&[config], no_env).unwrap();
        let mut alert = sample::alert();
        fanout.send(&alert).unwrap();
        alert.severity = AlertSeverity::Critical;
        fanout.send(&alert).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 1);
        let finding: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(finding["severity_id"], 5);
    }

    #[test]
    fn config_errors_name_the_sink_index() {
        let configs = [
            SinkConfig::new(SinkKind::Stdout),
            SinkConfig::new(SinkKind::Jsonl),
        ];
        let error = Fanout::from_configs_with_env(&configs, no_env)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("sink[1]: a jsonl sink needs `path`"),
            "{error}"
        );
    }

    #[test]
    fn unknown_facilities_are_rejected() {
        let mut config = SinkConfig::new(SinkKind::Syslog);
        config.address = Some("127.0.0.1:514".into());
        config.facility = Some(FacilityName::Name("local9".into()));
        assert!(error_of(build_with_env(&config, no_env)).contains("unknown syslog facility"));
        config.facility = Some(FacilityName::Code(24));
        assert!(error_of(build_with_env(&config, no_env)).contains("unknown syslog facility"));
    }
}
