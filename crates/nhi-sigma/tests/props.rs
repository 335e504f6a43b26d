//! Arbitrary rule text and arbitrary records never make the crate panic.

use nhi_sigma::RuleSet;
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        "(StopLogging|ConsoleLogin|10\\.0\\.0\\.[0-9]|AssumedRole)".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                "(eventName|userIdentity|type|requestParameters|[a-z]{1,6})",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Rule-shaped YAML built from Sigma's vocabulary, so most inputs get past the parser.
fn rule_text() -> impl Strategy<Value = String> {
    let field =
        "(eventName|userIdentity\\.type|requestParameters\\.[a-z]{1,5}|sourceIPAddress|[a-z]{1,4})";
    let modifiers = prop::collection::vec(
        "(contains|startswith|endswith|all|re|i|cidr|exists|cased|base64|x)",
        0..3,
    );
    let value = prop_oneof![
        "[ -~]{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("10.0.0.0/8".to_string()),
        Just("'*'".to_string()),
        Just("'(['".to_string()),
    ];
    let condition = "(sel|filter|1 of sel\\*|all of them|not sel|sel and not filter|\\(sel or filter\\)|sel \\| count\\(\\)|[a-zé€ ()|*]{0,12})";
    // Quoted keys and non-ASCII text exercise the error-position code.
    let condition_key = "(condition|\"condition\"|'condition')";
    (field, modifiers, prop::collection::vec(value, 1..3), condition, condition_key).prop_map(|(field, mods, values, condition, condition_key)| {
        let key = std::iter::once(field).chain(mods).collect::<Vec<_>>().join("|");
        let values = values.iter().map(|v| format!("      - {v}\n")).collect::<String>();
        format!(
            "title: generated\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    {key}:\n{values}  filter:\n    eventName: X\n  {condition_key}: {condition}\n"
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = RuleSet::from_yaml_str(&text);
        let mut set = RuleSet::new();
        let _ = set.add_yaml(&text, None);
    }

    #[test]
    fn rule_shaped_yaml_and_records_never_panic(text in rule_text(), record in json_value()) {
        if let Ok(set) = RuleSet::from_yaml_str(&text) {
            let _ = set.matches(&record);
        }
    }

    #[test]
    fn loaded_rules_never_panic_on_arbitrary_records(record in json_value()) {
        let (set, errors) = RuleSet::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"));
        prop_assert!(errors.is_empty());
        let _ = set.matches(&record);
    }
}
