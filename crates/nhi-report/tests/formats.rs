//! Every format on the fixed fixture: snapshots plus checks that parse the output back.

mod common;

use common::{
    AWKWARD_PATH, GENERIC_COMMIT, OPENAI_COMMIT, SECRETS, empty, fixture, render_to_string,
};
use nhi_report::{Format, RenderOptions, render_with};
use serde_json::Value;

#[test]
fn snapshot_table() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Table));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Json));
}

#[test]
fn snapshot_jsonl() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Jsonl));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Sarif));
}

#[test]
fn snapshot_csv() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Csv));
}

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!(render_to_string(&fixture().report(), Format::Markdown));
}

/// Looks for the secret itself, the secret without its public prefix, and every
/// 8-character run of that remainder: a renderer that printed any slice of the secret
/// beyond the preview's last four characters would fail here.
fn assert_no_secret(format_name: &str, output: &str) {
    for (secret, prefix) in SECRETS {
        assert!(
            !output.contains(secret),
            "{format_name} output contains a full fixture secret"
        );
        let body: Vec<char> = secret[prefix.len()..].chars().collect();
        for window in body.windows(8) {
            let slice: String = window.iter().collect();
            assert!(
                !output.contains(&slice),
                "{format_name} output contains `{slice}`, a slice of a fixture secret"
            );
        }
    }
}

#[test]
fn no_format_contains_a_secret() {
    let fixture = fixture();
    let report = fixture.report();
    for &format in Format::ALL {
        assert_no_secret(format.as_str(), &render_to_string(&report, format));
    }
    let mut coloured = Vec::new();
    let options = RenderOptions {
        color: true,
        width: Some(60),
    };
    render_with(&report, Format::Table, &options, &mut coloured).unwrap();
    assert_no_secret("coloured table", &String::from_utf8(coloured).unwrap());
}

#[test]
fn fixture_previews_keep_only_prefix_and_last_four() {
    // Guards the secret test itself: if redaction kept more, the test above would be
    // checking the wrong thing.
    let fixture = fixture();
    let previews: Vec<&str> = fixture
        .findings
        .iter()
        .map(|f| f.preview.as_str())
        .collect();
    assert_eq!(previews, ["…ue42", "…EFGH", "sk-proj-…v4u3"]);
}

#[test]
fn json_document_has_required_keys_and_order() {
    let output = render_to_string(&fixture().report(), Format::Json);
    let doc: Value = serde_json::from_str(&output).unwrap();
    for key in ["tool", "summary", "findings", "consumers"] {
        assert!(doc.get(key).is_some(), "missing top-level `{key}`");
    }
    assert_eq!(doc["tool"]["name"], "nhi");
    assert_eq!(doc["tool"]["version"], "0.1.0");
    assert_eq!(doc["summary"]["duration_ms"], 1834);
    assert_eq!(doc["summary"]["skipped"]["too_large"], 1);
    assert_eq!(doc["consumers"].as_array().unwrap().len(), 2);

    let findings = doc["findings"].as_array().unwrap();
    let required = [
        "id",
        "rule",
        "title",
        "provider",
        "kind",
        "severity",
        "confidence",
        "owasp",
        "owasp_title",
        "path",
        "line",
        "column",
        "commit",
        "history_only",
        "fingerprint",
        "preview",
        "external_id",
        "evidence",
        "fix",
        "sightings",
    ];
    for finding in findings {
        for key in required {
            assert!(
                finding.get(key).is_some(),
                "finding {} lacks `{key}`",
                finding["id"]
            );
        }
        assert_eq!(finding["owasp"], "NHI2");
        assert_eq!(finding["owasp_title"], "Secret Leakage");
    }

    let severities: Vec<&str> = findings
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["critical", "high", "medium"]);

    let aws = &findings[0];
    assert_eq!(aws["path"], "deploy/terraform.tfvars");
    assert_eq!(aws["line"], 4);
    assert_eq!(aws["column"], 18);
    assert!(
        aws["commit"].is_null(),
        "a working-tree finding has a null commit"
    );
    assert_eq!(aws["external_id"], "AKIANHIFIXTURE000001");

    let openai = &findings[1];
    assert_eq!(openai["history_only"], true);
    assert_eq!(openai["commit"], OPENAI_COMMIT);
    assert_eq!(
        openai["sightings"][0]["author"],
        "Dana Example <dana@example.com>"
    );
    assert!(openai["external_id"].is_null());

    let generic = &findings[2];
    assert_eq!(generic["path"], AWKWARD_PATH);
    assert_eq!(generic["sightings"].as_array().unwrap().len(), 2);
    assert_eq!(generic["sightings"][1]["commit"], GENERIC_COMMIT);
}

#[test]
fn jsonl_is_one_finding_object_per_line_and_nothing_else() {
    let fixture = fixture();
    let report = fixture.report();
    let lines = render_to_string(&report, Format::Jsonl);
    let document: Value = serde_json::from_str(&render_to_string(&report, Format::Json)).unwrap();

    let parsed: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(&Value::Array(parsed), &document["findings"]);
    assert!(lines.ends_with('\n'));

    assert_eq!(render_to_string(&empty().report(), Format::Jsonl), "");
}

#[test]
fn csv_round_trips_through_a_reader() {
    let output = render_to_string(&fixture().report(), Format::Csv);
    let mut reader = csv::Reader::from_reader(output.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "severity",
            "confidence",
            "rule",
            "provider",
            "kind",
            "owasp",
            "path",
            "line",
            "commit",
            "history_only",
            "preview",
            "fingerprint",
            "external_id",
            "sightings_count",
            "fix",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cell = |row: usize, name: &str| rows[row].get(column(name)).unwrap().to_string();

    assert_eq!(cell(0, "rule"), "aws-access-key");
    assert_eq!(cell(0, "severity"), "critical");
    assert_eq!(cell(0, "commit"), "");
    assert_eq!(cell(0, "external_id"), "AKIANHIFIXTURE000001");
    assert_eq!(cell(1, "history_only"), "true");
    assert_eq!(cell(1, "commit"), OPENAI_COMMIT);
    assert_eq!(cell(1, "preview"), "sk-proj-…v4u3");
    // The pipe, backticks and space need quoting, and come back intact.
    assert_eq!(cell(2, "path"), AWKWARD_PATH);
    assert_eq!(cell(2, "line"), "7");
    assert_eq!(cell(2, "sightings_count"), "2");
    assert_eq!(
        cell(2, "fix"),
        "Move the value to a secret manager and rotate it."
    );
}

#[test]
fn markdown_escapes_table_breaking_characters() {
    let output = render_to_string(&fixture().report(), Format::Markdown);
    assert!(output.contains(r"docs/ops notes\|\`v2\`.md:7 (+1 more)"));
    assert!(!output.contains(AWKWARD_PATH), "unescaped path leaked");
    // Every findings-table row has exactly the header's column count.
    let rows: Vec<&str> = output
        .lines()
        .skip_while(|line| !line.starts_with("| # | Severity"))
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert_eq!(rows.len(), 2 + 3);
    for row in rows {
        let cells = row.replace(r"\|", "").matches('|').count();
        assert_eq!(cells, 7, "row has the wrong number of cells: {row}");
    }
}

#[test]
fn markdown_lists_consumers_and_warnings() {
    let output = render_to_string(&fixture().report(), Format::Markdown);
    assert!(output.contains("## AI agents and automation"));
    assert!(output.contains("env:GITHUB\\_PERSONAL\\_ACCESS\\_TOKEN: **literal** ghp\\_…3fYt"));
    assert!(output.contains("reference ${{ secrets.AWS\\_ACCESS\\_KEY\\_ID }}"));
    assert!(output.contains("- **too_large**: assets/dump.sql: file is 120 MiB"));
}

#[test]
fn coloured_table_uses_ansi_and_plain_table_does_not() {
    let fixture = fixture();
    let report = fixture.report();
    let plain = render_to_string(&report, Format::Table);
    assert!(
        !plain.contains('\u{1b}'),
        "plain table must have no escapes"
    );

    let mut coloured = Vec::new();
    let options = RenderOptions {
        color: true,
        width: None,
    };
    render_with(&report, Format::Table, &options, &mut coloured).unwrap();
    let coloured = String::from_utf8(coloured).unwrap();
    assert!(
        coloured.contains("\u{1b}["),
        "coloured table has no ANSI escapes"
    );
}

#[test]
fn table_wraps_to_the_requested_width() {
    let fixture = fixture();
    let mut out = Vec::new();
    let options = RenderOptions {
        color: false,
        width: Some(70),
    };
    render_with(&fixture.report(), Format::Table, &options, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let table_lines = out
        .lines()
        .filter(|line| line.starts_with(['┌', '│', '├', '└']));
    for line in table_lines {
        assert!(line.chars().count() <= 70, "line too wide: {line}");
    }
}

#[test]
fn empty_report_renders_in_every_format() {
    let fixture = empty();
    let report = fixture.report();
    for &format in Format::ALL {
        let output = render_to_string(&report, format);
        match format {
            Format::Jsonl => assert!(output.is_empty()),
            Format::Csv => assert_eq!(output.lines().count(), 1, "header only"),
            Format::Table | Format::Markdown => assert!(output.contains("No findings.")),
            Format::Json | Format::Sarif => {
                serde_json::from_str::<Value>(&output).unwrap();
            }
        }
    }
}
