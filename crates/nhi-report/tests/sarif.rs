//! SARIF output: validated against the official OASIS SARIF 2.1.0 schema (vendored in
//! tests/schema, see the README there) and checked for what GitHub code scanning needs.

mod common;

use common::{GENERIC_COMMIT, OPENAI_COMMIT, empty, fixture, render_to_string};
use nhi_report::Format;
use serde_json::Value;

const SCHEMA: &str = include_str!("schema/sarif-schema-2.1.0.json");

fn assert_valid_sarif(sarif: &Value) {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::draft4::options()
        // Formats are annotations unless asked for; this checks the `uri` ones.
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF fails the schema:\n{}",
        errors.join("\n")
    );
}

fn sarif_of(fixture: &common::Fixture) -> Value {
    serde_json::from_str(&render_to_string(&fixture.report(), Format::Sarif)).unwrap()
}

#[test]
fn fixture_sarif_is_valid_against_the_schema() {
    assert_valid_sarif(&sarif_of(&fixture()));
}

#[test]
fn empty_sarif_is_valid_against_the_schema() {
    let sarif = sarif_of(&empty());
    assert_valid_sarif(&sarif);
    assert_eq!(sarif["runs"][0]["results"], Value::Array(Vec::new()));
}

#[test]
fn the_validator_rejects_broken_sarif() {
    // Proves the schema test can fail: a result without a message is invalid SARIF.
    let mut sarif = sarif_of(&fixture());
    sarif["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    assert!(!validator.is_valid(&sarif));
}

#[test]
fn header_and_driver() {
    let sarif = sarif_of(&fixture());
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "nhi");
    assert_eq!(driver["semanticVersion"], "0.1.0");
    assert!(driver["informationUri"].is_string());
}

#[test]
fn rules_are_the_fired_ones_with_github_properties() {
    let sarif = sarif_of(&fixture());
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // Sorted, without the unused slack rule, and with the generic rule described from
    // its finding although the caller passed no metadata for it.
    assert_eq!(
        ids,
        ["aws-access-key", "generic-secret", "openai-project-key"]
    );

    let aws = &rules[0];
    assert_eq!(aws["name"], "AwsAccessKey");
    assert_eq!(aws["shortDescription"]["text"], "AWS access key pair");
    assert!(
        aws["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("NHI2:2025")
    );
    assert!(
        aws["help"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Deactivate the key")
    );
    assert!(
        aws["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("**Fix:**")
    );
    assert_eq!(aws["defaultConfiguration"]["level"], "error");
    assert_eq!(
        aws["properties"]["tags"],
        serde_json::json!(["security", "NHI2", "aws"])
    );
    assert_eq!(aws["properties"]["security-severity"], "9.5");

    let generic = &rules[1];
    assert_eq!(generic["defaultConfiguration"]["level"], "warning");
    assert_eq!(generic["properties"]["security-severity"], "5.5");
    assert_eq!(rules[2]["properties"]["security-severity"], "8.0");
}

#[test]
fn one_result_per_sighting_pointing_at_its_rule() {
    let sarif = sarif_of(&fixture());
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // aws 1 + openai 1 + generic 2 sightings.
    assert_eq!(results.len(), 4);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            result["partialFingerprints"]["nhiFindingId/v1"]
                .as_str()
                .unwrap()
                .starts_with("NHI-")
        );
        assert_eq!(
            result["partialFingerprints"]["nhiCredential/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "error", "warning", "warning"]);
}

#[test]
fn history_results_carry_the_commit_and_the_repo_path() {
    let sarif = sarif_of(&fixture());
    let results = sarif["runs"][0]["results"].as_array().unwrap();

    let openai = &results[1];
    assert_eq!(openai["ruleId"], "openai-project-key");
    assert_eq!(openai["properties"]["commit"], OPENAI_COMMIT);
    assert_eq!(openai["properties"]["historyOnly"], true);
    let location = &openai["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], ".env");
    assert_eq!(location["region"]["startLine"], 1);
    assert_eq!(location["region"]["startColumn"], 16);
    let message = openai["message"]["text"].as_str().unwrap();
    assert_eq!(
        message,
        "OpenAI project API key: sk-proj-…v4u3 (in git history, commit 4e5f6a7)"
    );

    // The generic finding: a working-tree sighting with an awkward path, then history.
    let awkward = &results[2]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(awkward["uri"], "docs/ops%20notes%7C%60v2%60.md");
    assert!(results[2]["properties"].get("commit").is_none());
    assert_eq!(results[3]["properties"]["commit"], GENERIC_COMMIT);
    assert_eq!(
        results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "config/old.env"
    );
}

#[test]
fn warnings_become_tool_notifications() {
    let sarif = sarif_of(&fixture());
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["descriptor"]["id"], "too_large");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "assets/dump.sql"
    );
    // A git object is not a file a viewer can open, so it gets no location.
    assert!(notes[1].get("locations").is_none());
    assert!(
        notes[1]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("(byte 1024)")
    );
}

#[test]
fn the_validator_checks_uri_formats() {
    // Draft 4 knows only the `uri` format (SARIF's `uri-reference` is unknown to it and
    // passes unchecked), so the tool's absolute URIs are what format checking covers.
    let mut sarif = sarif_of(&fixture());
    sarif["runs"][0]["tool"]["driver"]["informationUri"] = Value::String("not a uri".into());
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    assert!(!validator.is_valid(&sarif));
}

#[test]
fn artifact_uris_are_valid_relative_references() {
    // The schema cannot check `uri-reference` under draft 4, so check it here: only
    // unreserved characters, `/` and well-formed percent escapes, never a leading `/`.
    let sarif = sarif_of(&fixture());
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/'), "{uri}");
        let bytes = uri.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    assert!(
                        bytes.len() > i + 2
                            && bytes[i + 1].is_ascii_hexdigit()
                            && bytes[i + 2].is_ascii_hexdigit(),
                        "bad escape in {uri}"
                    );
                    i += 3;
                }
                b if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) => i += 1,
                b => panic!("unencoded byte {b:#x} in {uri}"),
            }
        }
    }
}
