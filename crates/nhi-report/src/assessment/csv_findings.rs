//! The assessment's findings as CSV: one row per finding, most severe first, with the
//! compliance references of its OWASP risk in one column per framework.

use std::io::Write;

use nhi_model::Framework;

use super::View;
use crate::ReportError;
use crate::csv_out::defuse_formula;

/// The fixed columns; one column per [`Framework`] (named by its key) follows them.
pub(crate) const HEADER: [&str; 11] = [
    "id",
    "severity",
    "owasp",
    "owasp_title",
    "rule",
    "source",
    "title",
    "subject",
    "subject_name",
    "evidence",
    "fix",
];

pub(super) fn render(view: &View, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    let header: Vec<&str> = HEADER
        .iter()
        .copied()
        .chain(Framework::ALL.iter().map(|f| f.key()))
        .collect();
    writer.write_record(&header)?;
    for item in &view.findings {
        let f = item.finding;
        // Every cell that comes from the input is defused: a spreadsheet must not run a
        // crafted identity name or evidence line as a formula.
        let mut row = vec![
            defuse_formula(&f.id),
            f.severity.as_str().to_string(),
            f.owasp.as_str().to_string(),
            item.owasp_title.to_string(),
            defuse_formula(&f.rule),
            defuse_formula(&f.source),
            defuse_formula(&f.title),
            defuse_formula(&f.subject),
            defuse_formula(&f.subject_name),
            defuse_formula(&f.evidence.join("; ")),
            defuse_formula(&f.fix),
        ];
        for framework in Framework::ALL {
            let ids: Vec<&str> = item
                .references
                .iter()
                .filter(|c| c.framework == framework)
                .map(|c| c.id)
                .collect();
            row.push(ids.join("; "));
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
