//! Property tests: the glob matcher against a regex translation, and
//! monotonicity of explicit denies.

mod common;

use common::*;
use nhi_aws_eval::{Evaluator, glob_match};
use proptest::prelude::*;
use serde_json::{Value, json};

fn reference(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let mut re = String::from(if ignore_case { "(?is)^" } else { "(?s)^" });
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).unwrap().is_match(text)
}

proptest! {
    #[test]
    fn glob_matches_like_regex(pattern in "[ab*?:Aé]{0,8}", text in "[ab:Aé*?]{0,10}", ignore_case: bool) {
        prop_assert_eq!(glob_match(&pattern, &text, ignore_case), reference(&pattern, &text, ignore_case));
    }

    #[test]
    fn glob_matches_arns_like_regex(pattern in "arn:aws:s3:::[a-c/*?]{0,6}", text in "arn:aws:s3:::[a-c/]{0,8}") {
        prop_assert_eq!(glob_match(&pattern, &text, false), reference(&pattern, &text, false));
    }
}

const ACTION_POOL: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:PutObject",
    "iam:*",
    "iam:Pass*",
    "sqs:SendMessage",
    "kms:Decrypt",
    "ec2:RunInstances",
];
const RESOURCE_POOL: &[&str] = &[
    "*",
    "arn:aws:s3:::a/*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::a/k",
    "arn:aws:sqs:*:*:q",
    "arn:aws:iam::123456789012:role/*",
];
const PROBES: &[&str] = &[
    "arn:aws:s3:::a/k",
    "arn:aws:s3:::a/z",
    "arn:aws:s3:::b/k",
    "arn:aws:sqs:us-east-1:1:q",
    "arn:aws:iam::123456789012:role/r",
    "arn:aws:ec2:x",
];

fn statement(
    effect: &str,
    not_action: bool,
    actions: Vec<usize>,
    not_resource: bool,
    resources: Vec<usize>,
    conditional: bool,
) -> Value {
    let acts: Vec<&str> = actions.iter().map(|i| ACTION_POOL[*i]).collect();
    let res: Vec<&str> = resources.iter().map(|i| RESOURCE_POOL[*i]).collect();
    let mut st = json!({"Effect": effect});
    st[if not_action { "NotAction" } else { "Action" }] = json!(acts);
    st[if not_resource {
        "NotResource"
    } else {
        "Resource"
    }] = json!(res);
    if conditional {
        st["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
    }
    st
}

fn arb_statement(effect: &'static str) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::collection::vec(0..ACTION_POOL.len(), 1..3),
        prop::bool::weighted(0.2),
        prop::collection::vec(0..RESOURCE_POOL.len(), 1..3),
        prop::bool::weighted(0.2),
    )
        .prop_map(move |(na, a, nr, r, c)| statement(effect, na && effect == "Deny", a, nr, r, c))
}

fn allowed_pairs(statements: Vec<Value>) -> Vec<(String, String)> {
    let g = gaad(
        vec![user("u", vec![doc(json!(statements))])],
        vec![],
        vec![],
        vec![],
    );
    let cat = catalog();
    let ev = Evaluator::new(&g, &[], &cat);
    let a = ev.evaluate(&user_arn("u")).unwrap();
    let mut out = Vec::new();
    for (action, _) in ACTIONS {
        for probe in PROBES {
            if ev.is_allowed(&a, action, probe).is_some() {
                out.push((action.to_string(), probe.to_string()));
            }
        }
        if ev.is_allowed(&a, action, "*").is_some() {
            out.push((action.to_string(), "*".to_string()));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn adding_a_deny_never_increases_access(
        allows in prop::collection::vec(arb_statement("Allow"), 1..4),
        denies in prop::collection::vec(arb_statement("Deny"), 0..2),
        extra in arb_statement("Deny"),
    ) {
        let mut base = allows.clone();
        base.extend(denies.clone());
        let before = allowed_pairs(base.clone());
        base.push(extra);
        let after = allowed_pairs(base);
        for pair in &after {
            prop_assert!(before.contains(pair), "{:?} allowed only after adding a deny", pair);
        }
    }
}

fn arb_weird_statement() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["Allow", "Deny"]),
        prop::collection::vec("[a-zA-Z0-9*?:$-]{0,12}", 0..3),
        any::<bool>(),
        prop::collection::vec("[a-z0-9*?:/${}]{0,14}", 0..3),
        prop::option::of("[A-Za-z:]{0,20}"),
        0u8..4,
    )
        .prop_map(|(effect, acts, not_action, res, cond_op, shape)| {
            let mut st = json!({"Effect": effect});
            match shape {
                0 => {}
                1 => st[if not_action { "NotAction" } else { "Action" }] = json!(acts),
                2 => {
                    st["Action"] = json!(acts);
                    st["NotAction"] = json!(acts);
                }
                _ => st["Action"] = json!(acts.first().cloned().unwrap_or_default()),
            }
            if shape != 1 || !not_action {
                st["Resource"] = json!(res);
            } else {
                st["NotResource"] = json!(res);
            }
            if let Some(op) = cond_op {
                st["Condition"] = json!({op: {"aws:x": "y"}});
            }
            st
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_statements_never_crash(
        statements in prop::collection::vec(arb_weird_statement(), 0..5),
        scp in prop::collection::vec(arb_weird_statement(), 1..3),
    ) {
        let trust = doc(json!([{"Effect": "Allow", "Principal": {"AWS": user_arn("u")}, "Action": "sts:AssumeRole"}]));
        let g = gaad(
            vec![user("u", vec![doc(json!(statements.clone()))])],
            vec![],
            vec![role("r", trust, vec![doc(json!(statements))])],
            vec![],
        );
        let cat = catalog();
        let scps: Vec<nhi_aws::PolicyDocument> = serde_json::from_value(doc(json!(scp))).into_iter().collect();
        let ev = Evaluator::new(&g, &scps, &cat);
        let all = ev.evaluate_all();
        for a in &all {
            let _ = ev.allowed_actions(a);
        }
    }
}
