//! The built-in rules file: its invariants and every rule's own examples.

use std::collections::HashSet;

use nhi_rules::RuleSet;

fn rules() -> RuleSet {
    match RuleSet::builtin() {
        Ok(set) => set,
        Err(e) => panic!("built-in rules fail to load: {e}"),
    }
}

#[test]
fn builtin_set_is_large_and_well_formed() {
    let set = rules();
    assert!(set.rules().len() >= 50, "only {} rules", set.rules().len());
    let mut ids = HashSet::new();
    for rule in set.rules() {
        assert!(ids.insert(rule.id.as_str()), "duplicate id {}", rule.id);
        assert!(!rule.keywords.is_empty(), "{} has no keywords", rule.id);
        for keyword in rule.keywords.iter().chain(&rule.context) {
            assert_eq!(
                keyword,
                &keyword.to_lowercase(),
                "{}: keyword `{keyword}` is not lowercase",
                rule.id
            );
        }
        assert!(
            regex::bytes::Regex::new(&rule.regex_source).is_ok(),
            "{}: regex does not compile",
            rule.id
        );
        assert!(
            !rule.fix.is_empty() && !rule.title.is_empty(),
            "{}",
            rule.id
        );
        assert!(
            !rule.examples.positive.is_empty(),
            "{} has no positive example",
            rule.id
        );
        assert!(
            !rule.examples.negative.is_empty(),
            "{} has no negative example",
            rule.id
        );
        for example in &rule.examples.positive {
            let lower = example.to_lowercase();
            assert!(
                rule.keywords.iter().any(|k| lower.contains(k.as_str())),
                "{}: a positive example contains none of its keywords",
                rule.id
            );
        }
        assert!(set.rule(&rule.id).is_some());
    }
}

#[test]
fn every_spec_rule_id_exists() {
    // The testkit's list is the one place the specified rule ids are written down; the
    // corpus generator and the recall test use the same list.
    let set = rules();
    for id in nhi_testkit::RULE_IDS {
        assert!(set.rule(id).is_some(), "missing rule {id}");
    }
}

#[test]
fn every_example_behaves() {
    let set = rules();
    let mut failures = Vec::new();
    for (index, rule) in set.rules().iter().enumerate() {
        for (n, example) in rule.examples.positive.iter().enumerate() {
            let found = set.detect(example.as_bytes());
            let ids: Vec<&str> = found
                .iter()
                .map(|d| set.rules()[d.rule_index].id.as_str())
                .collect();
            if found.is_empty() || found.iter().any(|d| d.rule_index != index) {
                failures.push(format!("{} positive #{n}: got {ids:?}", rule.id));
            }
            for d in &found {
                if d.secret.is_empty() {
                    failures.push(format!("{} positive #{n}: empty secret", rule.id));
                }
                if !example.is_char_boundary(d.start)
                    || !example.is_char_boundary(d.end)
                    || d.start >= d.end
                    || d.end > example.len()
                {
                    failures.push(format!("{} positive #{n}: bad range", rule.id));
                }
            }
        }
        for (n, example) in rule.examples.negative.iter().enumerate() {
            if set
                .detect(example.as_bytes())
                .iter()
                .any(|d| d.rule_index == index)
            {
                failures.push(format!("{} negative #{n} was detected", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(set.check_examples().is_empty());
}
