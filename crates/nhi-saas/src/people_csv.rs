//! A plain CSV of people, as HR systems and spreadsheets export them: `email` and
//! `status` columns (any case, any order), optionally `name`, `manager`, `department`
//! and `left_on` / `termination_date`.

use nhi_model::{Identity, LifecycleStatus};

use crate::Error;
use crate::read::{Ctx, glimpse};

/// The columns we read, each with the header spellings accepted for it.
const EMAIL: &[&str] = &["email"];
const STATUS: &[&str] = &["status"];
const NAME: &[&str] = &["name"];
const MANAGER: &[&str] = &["manager"];
const DEPARTMENT: &[&str] = &["department"];
const LEFT_ON: &[&str] = &["left_on", "termination_date"];

/// Normalises a header cell: trimmed, lower-case, BOM and quotes gone.
pub(crate) fn header_name(cell: &str) -> String {
    cell.trim()
        .trim_start_matches('\u{feff}')
        .trim_matches('"')
        .trim()
        .to_ascii_lowercase()
}

/// Whether a header line (already split) is one of ours.
pub(crate) fn is_people_header(names: &[String]) -> bool {
    let has = |wanted: &[&str]| names.iter().any(|n| wanted.contains(&n.as_str()));
    has(EMAIL) && has(STATUS)
}

fn status_of(value: &str) -> Option<LifecycleStatus> {
    Some(match value.trim().to_ascii_lowercase().as_str() {
        "active" | "enabled" => LifecycleStatus::Active,
        "inactive" | "disabled" | "suspended" => LifecycleStatus::Disabled,
        "left" | "terminated" | "offboarded" | "deprovisioned" | "deleted" => {
            LifecycleStatus::Deleted
        }
        _ => return None,
    })
}

pub(crate) fn people(ctx: &mut Ctx<'_>, text: &str) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::Csv {
        file: ctx.file.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(1),
        message: e.to_string(),
    })?;
    let names: Vec<String> = headers.iter().map(header_name).collect();
    if !is_people_header(&names) {
        return Err(Error::UnexpectedShape {
            file: ctx.file.to_string(),
            message: "not a people CSV: the header needs `email` and `status` columns".to_string(),
        });
    }
    let column = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    let email_at = column(EMAIL);
    let status_at = column(STATUS);
    let name_at = column(NAME);
    let manager_at = column(MANAGER);
    let department_at = column(DEPARTMENT);
    let left_at = column(LEFT_ON);

    let mut lines = LineCounter::new(text);
    for result in reader.records() {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                ctx.warn(&format!("line {line}"), format!("row skipped: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let position = format!("line {line}");
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let Some(email) = cell(email_at) else {
            ctx.warn(&position, "row skipped: no email");
            continue;
        };
        let mut person = Identity::person(
            email,
            cell(name_at).unwrap_or_default(),
            ctx.provenance(&position),
        );
        person.status = match cell(status_at) {
            Some(raw) => status_of(raw).unwrap_or_else(|| {
                ctx.warn(
                    &format!("{position}, column status"),
                    format!(
                        "unknown status {:?}; expected active, enabled, inactive, disabled, suspended, left, terminated, offboarded, deprovisioned or deleted",
                        glimpse(raw)
                    ),
                );
                LifecycleStatus::Unknown
            }),
            None => {
                ctx.warn(
                    &format!("{position}, column status"),
                    "empty status; kept as unknown",
                );
                LifecycleStatus::Unknown
            }
        };
        for (at, attribute) in [
            (manager_at, "manager"),
            (department_at, "department"),
            (left_at, "left_on"),
        ] {
            if let Some(value) = cell(at) {
                person
                    .attributes
                    .insert(attribute.into(), value.to_string());
            }
        }
        ctx.identity(person);
    }
    Ok(())
}

/// Line numbers from byte offsets. The csv crate counts a line when it consumes `\n`,
/// which with CRLF endings happens while reading the *next* record, so its own line
/// numbers run one behind on Windows-made files; counting newlines ourselves does not.
struct LineCounter<'t> {
    bytes: &'t [u8],
    offset: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record starting at `byte` (offsets only grow). A record
    /// that starts on the `\n` left over from a CRLF belongs to the next line.
    fn line_at(&mut self, byte: u64) -> u64 {
        let target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(self.bytes.len());
        if target > self.offset {
            let newlines = self
                .bytes
                .get(self.offset..target)
                .unwrap_or_default()
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = target;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_hold_for_lf_and_crlf() {
        for text in [
            "email,status\na@x,active\nb@x,active\n",
            "email,status\r\na@x,active\r\nb@x,active\r\n",
            "email,status\na@x,active\n\"b@x\",\"multi\nline\"\nc@x,bogus\n",
        ] {
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let mut lines = LineCounter::new(text);
            let found: Vec<u64> = reader
                .records()
                .map(|r| lines.line_at(r.unwrap().position().unwrap().byte()))
                .collect();
            let expected: &[u64] = if text.contains("multi") {
                &[2, 3, 5]
            } else {
                &[2, 3]
            };
            assert_eq!(found, expected, "{text:?}");
        }
    }
}
