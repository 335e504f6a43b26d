//! Turns parsed agent, CI and credential-file configs into inventory consumers. Literal
//! secrets are fingerprinted here, at the boundary, so the model never sees them.

use nhi_configs::{CarriedValue, ConsumerEntry};
use nhi_model::{Consumer, CredentialUse, CredentialValue, Preview, SkipReason};

use crate::Collector;
use crate::content::Origin;

/// How much of a file the format sniffer looks at.
const SNIFF_LEN: usize = 4096;

pub(crate) fn parse_consumers(collector: &Collector<'_>, origin: &Origin<'_>, data: &[u8]) {
    let head = &data[..data.len().min(SNIFF_LEN)];
    let Some(format) = nhi_configs::detect_format(origin.rel_path, head) else {
        return;
    };
    let entries = match nhi_configs::parse(format, origin.rel_path, data) {
        Ok(entries) => entries,
        Err(e) => {
            let reason = if matches!(e, nhi_configs::ConfigError::InvalidUtf8 { .. }) {
                SkipReason::InvalidUtf8
            } else {
                SkipReason::Malformed
            };
            collector.warn(
                reason,
                origin.rel_path,
                e.position(),
                format!("{} config not parsed: {e}", format.tool()),
            );
            return;
        }
    };
    let consumers: Vec<Consumer> = entries
        .into_iter()
        .map(|entry| to_consumer(collector, origin, entry))
        .collect();
    if !consumers.is_empty() {
        collector
            .consumers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(consumers);
    }
}

fn to_consumer(collector: &Collector<'_>, origin: &Origin<'_>, entry: ConsumerEntry) -> Consumer {
    let credentials = entry
        .credentials
        .into_iter()
        .map(|carried| {
            let value = match carried.value {
                CarriedValue::Literal(secret) if nhi_rules::is_noise(&secret) => {
                    CredentialValue::Placeholder
                }
                CarriedValue::Literal(secret) => CredentialValue::Literal {
                    fingerprint: collector.fingerprinter.fingerprint(secret.as_bytes()),
                    preview: Preview::redact(&secret, known_prefix(collector, &secret)),
                },
                CarriedValue::Reference(reference) => CredentialValue::Reference { reference },
                CarriedValue::Empty => CredentialValue::Empty,
            };
            CredentialUse {
                carrier: carried.carrier,
                value,
                line: carried.line,
            }
        })
        .collect();
    Consumer {
        id: Consumer::make_id(entry.kind, origin.rel_path, &entry.name),
        kind: entry.kind,
        tool: entry.tool.to_string(),
        name: entry.name,
        path: origin.rel_path.to_string(),
        root: origin.root.to_string(),
        line: entry.line,
        endpoint: entry.endpoint,
        credentials,
        attributes: entry.attributes,
    }
}

/// The provider prefix to keep in a literal's preview, taken from the rule that
/// recognises the value, so `sk-proj-…abcd` reads as an OpenAI key and not as `…abcd`.
fn known_prefix<'r>(collector: &'r Collector<'_>, secret: &str) -> &'r str {
    collector
        .rules
        .detect(secret.as_bytes())
        .first()
        .and_then(|d| collector.rules.rules().get(d.rule_index))
        .map_or("", |rule| rule.preview_prefix.as_str())
}
