//! The engine over the real, generated catalog of every AWS action.

mod common;

use common::*;
use nhi_aws_eval::{ActionCatalog, BuiltinCatalog, Evaluator, PrivilegeTier};

#[test]
fn the_builtin_catalog_drives_tiers_and_escalations() {
    let catalog = BuiltinCatalog::new();
    assert!(catalog.actions().count() > 20_000);
    // The test catalog's levels agree with the generated one wherever both know an action.
    for (action, level) in ACTIONS {
        if let Some(real) = catalog.access_level(action) {
            assert_eq!(real, *level, "{action}");
        }
    }
    let details = gaad(
        vec![
            user("admin", vec![doc(serde_json::json!([allow(&["*"])]))]),
            user(
                "escalator",
                vec![doc(serde_json::json!([allow(&[
                    "iam:CreatePolicyVersion"
                ])]))],
            ),
            user(
                "reader",
                vec![doc(serde_json::json!([allow(&["s3:GetObject"])]))],
            ),
        ],
        vec![],
        vec![],
        vec![],
    );
    let evaluator = Evaluator::new(&details, &[], &catalog);
    let tier = |name: &str| evaluator.evaluate(&user_arn(name)).unwrap().tier;
    assert_eq!(tier("admin"), PrivilegeTier::Admin);
    assert_eq!(tier("escalator"), PrivilegeTier::PermissionsManagement);
    assert_eq!(tier("reader"), PrivilegeTier::DataRead);
    let escalator = evaluator.evaluate(&user_arn("escalator")).unwrap();
    assert!(
        escalator
            .escalations
            .iter()
            .any(|e| e.technique_id == "CreateNewPolicyVersion"),
        "{:?}",
        escalator.escalations
    );
}

#[test]
fn every_escalation_technique_names_real_actions() {
    // AWS retired CodeStar in 2024 and dropped it from the reference; old policies
    // still grant its actions, so the techniques stay.
    const RETIRED: &[&str] = &["codestar:"];
    let catalog = BuiltinCatalog::new();
    let mut unknown = Vec::new();
    for technique in nhi_aws_eval::TECHNIQUES {
        for action in technique.actions {
            if catalog.access_level(action).is_none()
                && !RETIRED.iter().any(|prefix| action.starts_with(prefix))
            {
                unknown.push(format!("{}: {action}", technique.id));
            }
        }
    }
    assert!(unknown.is_empty(), "not AWS actions: {unknown:#?}");
}

#[test]
fn actions_without_resource_types_need_a_star_resource() {
    // logs:PutResourcePolicy supports no resource types: `logs:*` on a log group
    // cannot grant it, so the role is not a permissions manager.
    let catalog = BuiltinCatalog::new();
    let scoped = serde_json::json!([{
        "Effect": "Allow",
        "Action": "logs:*",
        "Resource": "arn:aws:logs:*:123456789012:log-group:/billing/*"
    }]);
    let everywhere = serde_json::json!([{
        "Effect": "Allow",
        "Action": "logs:PutResourcePolicy",
        "Resource": "*"
    }]);
    let details = gaad(
        vec![
            user("scoped", vec![doc(scoped)]),
            user("everywhere", vec![doc(everywhere)]),
        ],
        vec![],
        vec![],
        vec![],
    );
    let evaluator = Evaluator::new(&details, &[], &catalog);
    assert_eq!(
        evaluator.evaluate(&user_arn("scoped")).unwrap().tier,
        PrivilegeTier::DataWrite
    );
    assert_eq!(
        evaluator.evaluate(&user_arn("everywhere")).unwrap().tier,
        PrivilegeTier::PermissionsManagement
    );
}
