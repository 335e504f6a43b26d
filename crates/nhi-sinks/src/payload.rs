use serde::{Deserialize, Serialize};

use crate::{AlertRecord, SinkError, to_ocsf};

/// The JSON shape that the JSON-lines and webhook sinks emit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadFormat {
    /// The [`AlertRecord`] itself, times in RFC 3339.
    #[default]
    Native,
    /// An OCSF Detection Finding (see [`to_ocsf`]).
    Ocsf,
}

/// Serialises an alert in the chosen format as one line of compact JSON
/// (compact JSON never contains a raw newline, which JSON lines relies on).
pub fn render_payload(alert: &AlertRecord, format: PayloadFormat) -> Result<String, SinkError> {
    Ok(match format {
        PayloadFormat::Native => serde_json::to_string(alert)?,
        PayloadFormat::Ocsf => serde_json::to_string(&to_ocsf(alert))?,
    })
}
