//! The IAM credential report (`aws iam get-credential-report`), a CSV file.
//!
//! AWS writes `N/A` (not applicable), `not_supported` (root password
//! columns) and `no_information` (never used / before tracking began) in
//! place of values; all three become `None`.

use jiff::Timestamp;
use serde_json::Value;

use crate::time::parse_aws_timestamp;
use crate::{AwsError, ExportWarning};

/// The name AWS gives the account root user in the `user` column.
pub const ROOT_ACCOUNT_USER: &str = "<root_account>";

/// Every documented column, in the order AWS writes them.
pub const COLUMNS: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialReport {
    /// `GeneratedTime`, when read from the CLI's JSON wrapper.
    pub generated_time: Option<Timestamp>,
    pub rows: Vec<CredentialReportRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialReportRow {
    /// 1-based line in the CSV text, for pointing users at the source.
    pub line: u64,
    pub user: String,
    /// True for the `<root_account>` row.
    pub is_root: bool,
    pub arn: Option<String>,
    pub user_creation_time: Option<Timestamp>,
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<Timestamp>,
    pub password_last_changed: Option<Timestamp>,
    pub password_next_rotation: Option<Timestamp>,
    pub mfa_active: Option<bool>,
    pub access_key_1: AccessKeyColumns,
    pub access_key_2: AccessKeyColumns,
    pub cert_1: CertificateColumns,
    pub cert_2: CertificateColumns,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessKeyColumns {
    pub active: Option<bool>,
    pub last_rotated: Option<Timestamp>,
    pub last_used_date: Option<Timestamp>,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateColumns {
    pub active: Option<bool>,
    pub last_rotated: Option<Timestamp>,
}

fn is_placeholder(value: &str) -> bool {
    matches!(value, "" | "N/A" | "not_supported" | "no_information")
}

/// Reads one CSV row by column name, collecting warnings as it goes.
struct RowReader<'a> {
    record: &'a csv::StringRecord,
    index: &'a [Option<usize>],
    line: u64,
    file: &'a str,
    warnings: &'a mut Vec<ExportWarning>,
}

impl RowReader<'_> {
    fn raw(&self, column: &str) -> Option<&str> {
        let position = COLUMNS.iter().position(|c| *c == column)?;
        let field = (*self.index.get(position)?)?;
        self.record.get(field).map(str::trim)
    }

    fn text(&self, column: &str) -> Option<String> {
        self.raw(column)
            .filter(|v| !is_placeholder(v))
            .map(str::to_string)
    }

    fn warn(&mut self, column: &str, message: String) {
        self.warnings.push(ExportWarning::new(
            self.file,
            &format!("line {}, column {column}", self.line),
            message,
        ));
    }

    fn date(&mut self, column: &str) -> Option<Timestamp> {
        let value = self.raw(column).filter(|v| !is_placeholder(v))?.to_string();
        let parsed = parse_aws_timestamp(&value);
        if parsed.is_none() {
            let shown: String = value.chars().take(40).collect();
            self.warn(
                column,
                format!("unreadable date {shown:?}; expected ISO 8601"),
            );
        }
        parsed
    }

    fn flag(&mut self, column: &str) -> Option<bool> {
        let value = self.raw(column).filter(|v| !is_placeholder(v))?.to_string();
        match value.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                let shown: String = value.chars().take(40).collect();
                self.warn(column, format!("expected true or false, got {shown:?}"));
                None
            }
        }
    }

    fn access_key(&mut self, n: u8) -> AccessKeyColumns {
        AccessKeyColumns {
            active: self.flag(&format!("access_key_{n}_active")),
            last_rotated: self.date(&format!("access_key_{n}_last_rotated")),
            last_used_date: self.date(&format!("access_key_{n}_last_used_date")),
            last_used_region: self.text(&format!("access_key_{n}_last_used_region")),
            last_used_service: self.text(&format!("access_key_{n}_last_used_service")),
        }
    }

    fn certificate(&mut self, n: u8) -> CertificateColumns {
        CertificateColumns {
            active: self.flag(&format!("cert_{n}_active")),
            last_rotated: self.date(&format!("cert_{n}_last_rotated")),
        }
    }
}

pub(crate) fn parse_csv(
    file: &str,
    text: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Result<CredentialReport, AwsError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
    let header_names: Vec<&str> = headers.iter().map(str::trim).collect();
    if !header_names.contains(&"user") {
        return Err(AwsError::UnexpectedShape {
            file: file.to_string(),
            message: "not a credential report: the header has no `user` column".to_string(),
        });
    }
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|column| header_names.iter().position(|h| h == column))
        .collect();
    for (column, found) in COLUMNS.iter().zip(&index) {
        if found.is_none() {
            warnings.push(ExportWarning::new(
                file,
                &format!("line 1, column {column}"),
                format!("column {column} is missing from the header; its values are unknown"),
            ));
        }
    }

    let mut rows = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or_default();
                warnings.push(ExportWarning::new(
                    file,
                    &format!("line {line}"),
                    format!("row skipped: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let mut row_reader = RowReader {
            record: &record,
            index: &index,
            line,
            file,
            warnings,
        };
        let Some(user) = row_reader.text("user") else {
            row_reader.warn("user", "row has no user name; skipped".to_string());
            continue;
        };
        let row = CredentialReportRow {
            line,
            is_root: user == ROOT_ACCOUNT_USER,
            arn: row_reader.text("arn"),
            user_creation_time: row_reader.date("user_creation_time"),
            password_enabled: row_reader.flag("password_enabled"),
            password_last_used: row_reader.date("password_last_used"),
            password_last_changed: row_reader.date("password_last_changed"),
            password_next_rotation: row_reader.date("password_next_rotation"),
            mfa_active: row_reader.flag("mfa_active"),
            access_key_1: row_reader.access_key(1),
            access_key_2: row_reader.access_key(2),
            cert_1: row_reader.certificate(1),
            cert_2: row_reader.certificate(2),
            user,
        };
        rows.push(row);
    }
    Ok(CredentialReport {
        generated_time: None,
        rows,
    })
}

/// The CLI's own output: `{"Content": "<base64 CSV>", "ReportFormat":
/// "text/csv", "GeneratedTime": ...}`.
pub(crate) fn parse_cli_json(
    file: &str,
    value: Value,
    warnings: &mut Vec<ExportWarning>,
) -> Result<CredentialReport, AwsError> {
    use base64::Engine as _;
    let shape = |message: &str| AwsError::UnexpectedShape {
        file: file.to_string(),
        message: message.to_string(),
    };
    let content = value
        .get("Content")
        .and_then(Value::as_str)
        .ok_or_else(|| shape("credential report JSON has no Content string"))?;
    let compact: String = content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let csv_bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| AwsError::Base64 {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    let csv_text = std::str::from_utf8(&csv_bytes).map_err(|e| AwsError::InvalidUtf8 {
        file: format!("{file} (decoded Content)"),
        offset: e.valid_up_to(),
    })?;
    let mut report = parse_csv(file, csv_text, warnings)?;
    report.generated_time = value
        .get("GeneratedTime")
        .and_then(crate::time::timestamp_from_json);
    Ok(report)
}

fn csv_error(file: &str, e: &csv::Error) -> AwsError {
    AwsError::Csv {
        file: file.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or_default(),
        message: e.to_string(),
    }
}
