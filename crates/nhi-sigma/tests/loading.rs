//! Rejected rules are reported with file, rule and position; the others still load.

use std::fs;

use nhi_sigma::{ErrorKind, RuleSet};

const GOOD: &str = "title: good rule\nid: aaaaaaaa-0000-4000-8000-000000000001\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: DeleteTrail\n  condition: sel\n";

fn write(dir: &std::path::Path, name: &str, text: &str) {
    fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn bad_rules_are_reported_and_good_ones_load() {
    let dir = std::env::temp_dir().join(format!("nhi-sigma-loading-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    write(&dir, "a_good.yml", GOOD);
    write(
        &dir,
        "nested/b_windows.yaml",
        "title: windows rule\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel\n",
    );
    write(
        &dir,
        "c_modifier.yml",
        "title: base64 rule\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: X\n  other:\n    userAgent|base64offset|contains: curl\n  condition: sel and other\n",
    );
    write(
        &dir,
        "d_condition.yml",
        "title: bad condition\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: X\n  condition: sel and missing\n",
    );
    write(&dir, "e_yaml.yml", "title: broken\nlogsource: [unclosed\n");
    write(
        &dir,
        "f_two.yml",
        &format!(
            "{}---\ntitle: aggregation\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: X\n  condition: sel | count() > 5\n",
            GOOD.replace("good rule", "second good")
                .replace("000000000001", "000000000002")
        ),
    );
    write(
        &dir,
        "g_regex.yml",
        "title: bad regex\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName|re: '(unclosed'\n  condition: sel\n",
    );
    write(&dir, "h_duplicate.yml", GOOD);
    write(&dir, "notes.txt", "not a rule");

    let (set, errors) = RuleSet::load_dir(&dir);
    let titles: Vec<&str> = set.rules().iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, vec!["good rule", "second good"]);
    assert_eq!(errors.len(), 7, "{errors:#?}");
    let find = |file: &str| {
        errors
            .iter()
            .find(|e| e.file.as_ref().is_some_and(|f| f.ends_with(file)))
            .unwrap_or_else(|| panic!("error for {file}"))
    };

    let windows = find("b_windows.yaml");
    assert!(matches!(windows.kind, ErrorKind::UnsupportedLogSource(_)));
    assert_eq!(windows.rule.as_deref(), Some("windows rule"));
    assert_eq!(windows.line, Some(2));

    let modifier = find("c_modifier.yml");
    assert_eq!(
        modifier.kind,
        ErrorKind::UnsupportedModifier("base64offset".into())
    );
    assert_eq!(modifier.line, Some(9));
    let message = modifier.to_string();
    assert!(
        message.contains("c_modifier.yml:9")
            && message.contains("base64 rule")
            && message.contains("detection.other.userAgent|base64offset|contains"),
        "{message}"
    );

    let condition = find("d_condition.yml");
    assert!(
        matches!(&condition.kind, ErrorKind::Condition { message, offset: 8 } if message.contains("missing")),
        "{condition}"
    );
    assert_eq!((condition.line, condition.column), (Some(8), Some(22)));

    let yaml = find("e_yaml.yml");
    assert!(matches!(yaml.kind, ErrorKind::Yaml(_)));
    assert!(yaml.line.is_some());

    let aggregation = find("f_two.yml");
    assert_eq!(aggregation.rule.as_deref(), Some("aggregation"));
    assert!(
        matches!(&aggregation.kind, ErrorKind::Condition { message, .. } if message.contains("aggregation"))
    );
    assert_eq!(
        (aggregation.line, aggregation.column),
        (Some(18), Some(18)),
        "{aggregation}"
    );

    assert!(matches!(find("g_regex.yml").kind, ErrorKind::Regex(_)));
    assert!(matches!(
        find("h_duplicate.yml").kind,
        ErrorKind::DuplicateId(_)
    ));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_directory_is_an_error_not_a_panic() {
    let (set, errors) = RuleSet::load_dir("/nonexistent/nhi-sigma-rules");
    assert!(set.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(matches!(errors[0].kind, ErrorKind::Io(_)));
}

#[test]
fn required_fields_and_unsupported_features() {
    let cases = [
        (
            "logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  s: {eventName: X}\n  condition: s\n",
            "title",
        ),
        (
            "title: t\ndetection:\n  s: {eventName: X}\n  condition: s\n",
            "logsource",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\n",
            "detection",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: X}\n",
            "condition",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: X}\n  timeframe: 5m\n  condition: s\n",
            "timeframe",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: X}\n  condition: s\nlevel: severe\n",
            "level",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName|contains|startswith: X}\n  condition: s\n",
            "only one of",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {sourceIPAddress|cidr: 10.0.0.0/99}\n  condition: s\n",
            "CIDR",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: {nested: map}}\n  condition: s\n",
            "values must be",
        ),
        (
            "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: []}\n  condition: s\n",
            "empty value list",
        ),
        ("action: global\ntitle: t\n", "rule collections"),
    ];
    for (text, expected) in cases {
        let error = RuleSet::from_yaml_str(text).expect_err(text);
        assert!(
            error.to_string().contains(expected),
            "{error} should mention {expected}"
        );
    }
}
