//! Evaluation semantics.

mod common;

use common::*;
use nhi_aws_eval::{EvalOptions, Evaluator, PrivilegeTier, ResourcePolicy, SensitiveClass};
use serde_json::{Value, json};

fn one_user(statements: Value) -> nhi_aws::AuthorizationDetails {
    gaad(
        vec![user("u", vec![doc(statements)])],
        vec![],
        vec![],
        vec![],
    )
}

fn eval_user(g: &nhi_aws::AuthorizationDetails) -> (Evaluator<'_>, nhi_aws_eval::PrincipalAccess) {
    // The catalog is leaked to give the evaluator a long enough lifetime in tests.
    let cat: &'static _ = Box::leak(Box::new(catalog()));
    let ev = Evaluator::new(g, &[], cat);
    let a = ev.evaluate(&user_arn("u")).expect("user");
    (ev, a)
}

fn names(ev: &Evaluator, a: &nhi_aws_eval::PrincipalAccess) -> Vec<String> {
    ev.allowed_actions(a)
        .into_iter()
        .map(|x| x.action)
        .collect()
}

#[test]
fn star_is_admin_and_iam_star_is_admin() {
    let g = one_user(json!([allow(&["*"])]));
    let (ev, a) = eval_user(&g);
    assert_eq!(a.tier, PrivilegeTier::Admin);
    assert_eq!(names(&ev, &a).len(), ACTIONS.len());
    let g = one_user(json!([allow(&["iam:*"])]));
    assert_eq!(eval_user(&g).1.tier, PrivilegeTier::Admin);
    // iam:* on one resource only, or under a condition, is not admin.
    let g = one_user(
        json!([{"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::123456789012:user/x"}]),
    );
    assert_eq!(eval_user(&g).1.tier, PrivilegeTier::PermissionsManagement);
    let g = one_user(
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
    );
    let (ev, a) = eval_user(&g);
    assert_eq!(a.tier, PrivilegeTier::PermissionsManagement);
    assert!(ev.allowed_actions(&a).iter().all(|x| x.conditional));
    assert!(a.escalations.iter().all(|e| e.conditional));
    assert!(a.escalations[0].evidence[0].contains("MultiFactorAuthPresent"));
}

#[test]
fn tiers_below_admin() {
    let tier = |acts: &[&str]| eval_user(&one_user(json!([allow(acts)]))).1.tier;
    assert_eq!(
        tier(&["s3:ListAllMyBuckets", "ec2:DescribeInstances"]),
        PrivilegeTier::ListOnly
    );
    assert_eq!(tier(&["s3:List*", "s3:GetObject"]), PrivilegeTier::DataRead);
    assert_eq!(tier(&["s3:PutObject"]), PrivilegeTier::DataWrite);
    assert_eq!(tier(&["s3:PutObjectTagging"]), PrivilegeTier::DataWrite);
    assert_eq!(
        tier(&["s3:PutBucketPolicy"]),
        PrivilegeTier::PermissionsManagement
    );
    let g = gaad(vec![user("u", vec![])], vec![], vec![], vec![]);
    assert_eq!(eval_user(&g).1.tier, PrivilegeTier::None);
}

#[test]
fn wildcards_expand_against_the_catalog_case_insensitively() {
    let g = one_user(json!([allow(&["S3:get*", "iam:?etUser"])]));
    let (ev, a) = eval_user(&g);
    let n = names(&ev, &a);
    assert!(n.contains(&"s3:GetObject".to_string()));
    assert!(n.contains(&"s3:GetBucketPolicy".to_string()));
    assert!(n.contains(&"iam:GetUser".to_string()));
    assert!(!n.contains(&"s3:PutObject".to_string()));
    assert!(a.warnings.is_empty());
}

#[test]
fn managed_default_version_groups_and_inline_combine() {
    let g = gaad(
        vec![json!({
            "UserName": "u", "Arn": user_arn("u"), "GroupList": ["devs", "ghosts"],
            "AttachedManagedPolicies": [{"PolicyName": "P1", "PolicyArn": managed_arn("P1")}],
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": doc(json!([allow(&["sqs:SendMessage"])]))}]
        })],
        vec![json!({
            "GroupName": "devs", "Arn": "arn:aws:iam::123456789012:group/devs",
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": doc(json!([allow(&["logs:GetLogEvents"])]))}],
            "AttachedManagedPolicies": [{"PolicyName": "P2", "PolicyArn": managed_arn("P2")}]
        })],
        vec![],
        vec![
            managed("P1", doc(json!([allow(&["s3:GetObject"])]))),
            managed("P2", doc(json!([allow(&["kms:Decrypt"])]))),
        ],
    );
    let (ev, a) = eval_user(&g);
    let n = names(&ev, &a);
    for want in [
        "sqs:SendMessage",
        "logs:GetLogEvents",
        "s3:GetObject",
        "kms:Decrypt",
    ] {
        assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
    }
    // v1 (not default) grants s3:ListAllMyBuckets: not counted.
    assert!(!n.contains(&"s3:ListAllMyBuckets".to_string()));
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("group ghosts") && w.contains(&user_arn("u")))
    );
    let via = ev.is_allowed(&a, "kms:Decrypt", "*").unwrap();
    assert_eq!(via, vec!["P2".to_string()]);
}

#[test]
fn explicit_deny_removes_and_conditional_deny_is_noted() {
    let g = one_user(json!([
        allow(&["s3:*", "iam:PassRole"]),
        {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    ]));
    let (ev, a) = eval_user(&g);
    let n = names(&ev, &a);
    assert!(!n.contains(&"s3:DeleteObject".to_string()));
    assert!(n.contains(&"s3:PutObject".to_string()));
    assert!(n.contains(&"iam:PassRole".to_string()));
    assert!(a.notes.iter().any(|x| x.contains("conditional deny")));
}

#[test]
fn deny_on_specific_resources_removes_only_those() {
    let g = one_user(json!([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"},
        allow(&["sqs:SendMessage"]),
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:q"}
    ]));
    let (ev, a) = eval_user(&g);
    assert!(
        ev.is_allowed(&a, "s3:GetObject", "arn:aws:s3:::a/k")
            .is_none()
    );
    assert!(
        ev.is_allowed(&a, "s3:GetObject", "arn:aws:s3:::b/k")
            .is_some()
    );
    // Allowed on "*": a deny on one queue leaves it allowed elsewhere.
    assert!(ev.is_allowed(&a, "sqs:SendMessage", "*").is_some());
    assert!(a.notes.iter().any(|x| x.contains("only on some resources")));
}

#[test]
fn not_action_and_not_resource() {
    let g = one_user(json!([
        {"Effect": "Allow", "NotAction": ["iam:*", "sts:*", "organizations:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "NotResource": "arn:aws:sqs:*:*:secret"}
    ]));
    let (ev, a) = eval_user(&g);
    let n = names(&ev, &a);
    assert!(n.contains(&"s3:GetObject".to_string()));
    assert!(
        !n.iter()
            .any(|x| x.starts_with("iam:") || x.starts_with("sts:"))
    );
    assert_ne!(a.tier, PrivilegeTier::Admin);
    assert!(
        ev.is_allowed(&a, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:1:other")
            .is_some()
    );
    // Deny with NotAction: denies everything but the listed.
    let g = one_user(
        json!([allow(&["*"]), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]),
    );
    let (ev, a) = eval_user(&g);
    assert_eq!(names(&ev, &a), vec!["s3:GetObject".to_string()]);
    assert_eq!(a.tier, PrivilegeTier::DataRead);
}

#[test]
fn permissions_boundary_intersects() {
    let g = gaad(
        vec![json!({
            "UserName": "u", "Arn": user_arn("u"),
            "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": doc(json!([allow(&["*"])]))}],
            "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": managed_arn("B")}
        })],
        vec![],
        vec![],
        vec![managed(
            "B",
            doc(
                json!([allow(&["s3:Get*"]), {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:q"}]),
            ),
        )],
    );
    let (ev, a) = eval_user(&g);
    let n = names(&ev, &a);
    assert!(n.contains(&"s3:GetObject".to_string()));
    assert!(n.contains(&"sqs:SendMessage".to_string()));
    assert!(!n.contains(&"iam:CreateUser".to_string()));
    assert!(
        ev.is_allowed(&a, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")
            .is_some()
    );
    assert!(
        ev.is_allowed(&a, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:other")
            .is_none()
    );
    assert_eq!(a.tier, PrivilegeTier::DataWrite);
    assert!(a.escalations.is_empty());
}

#[test]
fn scps_intersect_and_deny() {
    let g = one_user(json!([allow(&["*"])]));
    let cat = catalog();
    let scps = vec![
        policy(doc(json!([allow(&["s3:*", "iam:*"])]))),
        policy(doc(
            json!([{"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"}]),
        )),
    ];
    let ev = Evaluator::new(&g, &scps, &cat);
    let a = ev.evaluate(&user_arn("u")).unwrap();
    let n = names(&ev, &a);
    assert!(n.contains(&"s3:GetObject".to_string()));
    assert!(!n.contains(&"ec2:RunInstances".to_string()));
    assert!(!n.contains(&"iam:CreateAccessKey".to_string()));
    // iam:CreateAccessKey is gone, so iam is no longer fully allowed.
    assert_eq!(a.tier, PrivilegeTier::PermissionsManagement);
    // Two SCP levels: both must allow.
    let opts = EvalOptions {
        scp_levels: vec![
            vec![policy(doc(json!([allow(&["s3:*"])])))],
            vec![policy(doc(json!([allow(&["s3:Get*"])])))],
        ],
        ..EvalOptions::default()
    };
    let ev = Evaluator::with_options(&g, &opts, &cat);
    let a = ev.evaluate(&user_arn("u")).unwrap();
    assert!(names(&ev, &a).iter().all(|x| x.starts_with("s3:Get")));
}

#[test]
fn unknown_actions_warn_and_are_kept() {
    let g = one_user(json!([allow(&["s3:GetObjekt", "madeup:*", "nocolon"])]));
    let (ev, a) = eval_user(&g);
    assert!(names(&ev, &a).contains(&"s3:GetObjekt".to_string()));
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("unknown action s3:GetObjekt") && w.contains(&user_arn("u")))
    );
    assert!(a.warnings.iter().any(|w| w.contains("madeup:*")));
    assert!(a.warnings.iter().any(|w| w.contains("nocolon")));
    assert_eq!(a.tier, PrivilegeTier::DataWrite);
}

#[test]
fn unsupported_condition_operator_warns_and_stays_conservative() {
    let g = one_user(json!([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringSortOfEquals": {"aws:x": "y"}}},
        allow(&["s3:PutObject"]),
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", "Condition": {"Bogus": {"aws:x": "y"}}}
    ]));
    let (ev, a) = eval_user(&g);
    assert!(a.warnings.iter().any(|w| w.contains("StringSortOfEquals")));
    assert!(a.warnings.iter().any(|w| w.contains("Bogus")));
    let n = ev.allowed_actions(&a);
    assert!(
        n.iter()
            .any(|x| x.action == "s3:GetObject" && x.conditional)
    );
    assert!(
        n.iter()
            .any(|x| x.action == "s3:PutObject" && !x.conditional)
    );
    let g = one_user(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "x"}}}]),
    );
    assert!(eval_user(&g).1.warnings.is_empty());
}

#[test]
fn malformed_policies_warn_without_crashing() {
    let g = gaad(
        vec![json!({
            "UserName": "u", "Arn": user_arn("u"),
            "AttachedManagedPolicies": [{"PolicyArn": managed_arn("Gone")}, {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "UserPolicyList": [
                {"PolicyName": "broken", "PolicyDocument": {"Statement": "nope"}},
                {"PolicyName": "halves", "PolicyDocument": doc(json!([
                    {"Effect": "Allow", "Resource": "*"},
                    {"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:PutObject", "Resource": "*"},
                    {"Effect": "Allow", "Action": "sqs:SendMessage"},
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": "weird"}
                ]))}
            ]
        })],
        vec![],
        vec![],
        vec![],
    );
    let (_ev, a) = eval_user(&g);
    let w = a.warnings.join("\n");
    assert!(w.contains("broken"), "{w}");
    assert!(w.contains("no Action"), "{w}");
    assert!(w.contains("both Action and NotAction"), "{w}");
    assert!(w.contains("no Resource"), "{w}");
    assert!(w.contains("Condition (not an object)"), "{w}");
    assert!(w.contains("Gone"), "{w}");
    assert!(w.contains("AdministratorAccess"), "{w}");
    assert_eq!(a.tier, PrivilegeTier::Admin);
}

#[test]
fn sensitive_data_flags() {
    let g = one_user(json!([
        {"Effect": "Allow", "Action": ["s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParametersByPath", "kms:Decrypt", "dynamodb:Query", "dynamodb:PutItem", "rds-data:ExecuteStatement", "rds:CreateDBSnapshot"], "Resource": "arn:aws:*:*:*:prod-*"}
    ]));
    let (_ev, a) = eval_user(&g);
    let classes: Vec<SensitiveClass> = a.sensitive.iter().map(|s| s.class).collect();
    for c in [
        SensitiveClass::S3Read,
        SensitiveClass::SecretsRead,
        SensitiveClass::SsmParameterRead,
        SensitiveClass::KmsDecrypt,
        SensitiveClass::DynamoDbRead,
        SensitiveClass::DynamoDbWrite,
        SensitiveClass::RdsData,
        SensitiveClass::RdsSnapshot,
    ] {
        assert!(classes.contains(&c), "{c:?} missing");
    }
    assert!(!classes.contains(&SensitiveClass::S3Write));
    assert_eq!(
        a.sensitive[0].resources,
        vec!["arn:aws:*:*:*:prod-*".to_string()]
    );
}

#[test]
fn resource_policies_grant_and_deny() {
    let g = one_user(json!([allow(&["sqs:ListQueues"])]));
    let cat = catalog();
    let opts = EvalOptions {
        resource_policies: vec![
            ResourcePolicy {
                resource_arn: "arn:aws:s3:::shared".into(),
                document: policy(doc(
                    json!([{"Effect": "Allow", "Principal": {"AWS": user_arn("u")}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]),
                )),
            },
            ResourcePolicy {
                resource_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x".into(),
                document: policy(doc(
                    json!([{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue"}]),
                )),
            },
        ],
        ..EvalOptions::default()
    };
    let ev = Evaluator::with_options(&g, &opts, &cat);
    let a = ev.evaluate(&user_arn("u")).unwrap();
    assert!(
        ev.is_allowed(&a, "s3:GetObject", "arn:aws:s3:::shared/k")
            .is_some()
    );
    assert!(
        ev.is_allowed(
            &a,
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"
        )
        .is_some()
    );
    assert!(
        a.sensitive
            .iter()
            .any(|s| s.class == SensitiveClass::SecretsRead)
    );
}

#[test]
fn trust_chains_and_cycles() {
    let trust = |who: &str| {
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": who}, "Action": "sts:AssumeRole"}]))
    };
    let g = gaad(
        vec![user("u", vec![])],
        vec![],
        vec![
            role(
                "a",
                trust(&user_arn("u")),
                vec![doc(json!([allow(&["sts:AssumeRole"])]))],
            ),
            role(
                "b",
                trust(&role_arn("a")),
                vec![doc(json!([allow(&["sts:AssumeRole"])]))],
            ),
            // c trusts b and is trusted back by... a, making a -> b -> c -> a.
            role(
                "c",
                trust(&role_arn("b")),
                vec![doc(json!([allow(&["sts:AssumeRole"])]))],
            ),
            role(
                "admin",
                trust("arn:aws:iam::123456789012:root"),
                vec![doc(json!([allow(&["*"])]))],
            ),
            role(
                "unreachable",
                trust("arn:aws:iam::999999999999:root"),
                vec![doc(json!([allow(&["*"])]))],
            ),
        ],
        vec![],
    );
    // Close the cycle: a trusts c too.
    let mut g = g;
    g.roles[0].assume_role_policy_document = Some(policy(doc(json!([
        {"Effect": "Allow", "Principal": {"AWS": [user_arn("u"), role_arn("c")]}, "Action": "sts:AssumeRole"}
    ]))));
    let cat = catalog();
    let ev = Evaluator::new(&g, &[], &cat);
    let all = ev.evaluate_all();
    let get = |arn: &str| all.iter().find(|a| a.arn == arn).unwrap();
    let u = get(&user_arn("u"));
    assert_eq!(u.tier, PrivilegeTier::None);
    assert_eq!(u.assumable_roles, vec![role_arn("a")]);
    assert_eq!(u.effective_tier, PrivilegeTier::Admin);
    assert_eq!(
        u.effective_tier_via.as_deref(),
        Some(role_arn("a").as_str())
    );
    for r in ["a", "b", "c"] {
        let x = get(&role_arn(r));
        assert!(
            x.warnings.iter().any(|w| w.contains("cyclic trust chain")),
            "{r}: {:?}",
            x.warnings
        );
        assert_eq!(x.effective_tier, PrivilegeTier::Admin);
        assert!(x.assumable_roles.contains(&role_arn("admin")));
    }
    assert!(
        !get(&role_arn("a"))
            .assumable_roles
            .contains(&role_arn("unreachable"))
    );
    // A self-trusting role is a cycle too.
    let g = gaad(
        vec![],
        vec![],
        vec![role("s", trust(&role_arn("s")), vec![])],
        vec![],
    );
    let ev = Evaluator::new(&g, &[], &cat);
    let all = ev.evaluate_all();
    assert!(all[0].warnings.iter().any(|w| w.contains("cyclic")));
}

#[test]
fn evaluate_unknown_principal_is_none() {
    let g = one_user(json!([allow(&["*"])]));
    let (ev, _) = eval_user(&g);
    assert!(ev.evaluate("arn:aws:iam::1:user/nobody").is_none());
    assert_eq!(ev.principal_arns(), vec![user_arn("u")]);
}

#[test]
fn self_scoped_credential_actions_are_not_escalation() {
    let mine = json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:UpdateLoginProfile", "iam:AttachUserPolicy"], "Resource": "arn:aws:iam::*:user/${aws:username}"}]);
    let (_ev, a) = eval_user(&one_user(mine));
    let ids: Vec<&str> = a.escalations.iter().map(|e| e.technique_id).collect();
    assert!(!ids.contains(&"CreateAccessKey"));
    assert!(!ids.contains(&"UpdateLoginProfile"));
    // Attaching a policy to oneself is the escalation.
    assert!(ids.contains(&"AttachUserPolicy"));
    let others = json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::*:user/*"}]);
    let (_ev, a) = eval_user(&one_user(others));
    assert!(
        a.escalations
            .iter()
            .any(|e| e.technique_id == "CreateAccessKey")
    );
}

#[test]
fn a_role_can_escalate_by_editing_itself() {
    let g = gaad(
        vec![],
        vec![],
        vec![role(
            "r",
            doc(json!([])),
            vec![doc(json!([allow(&["iam:PutRolePolicy"])]))],
        )],
        vec![],
    );
    let cat = catalog();
    let ev = Evaluator::new(&g, &[], &cat);
    let a = ev.evaluate(&role_arn("r")).unwrap();
    let e = a
        .escalations
        .iter()
        .find(|e| e.technique_id == "PutRolePolicy")
        .expect("detected");
    assert_eq!(e.actions, vec!["iam:PutRolePolicy".to_string()]);
    // A user needs sts:AssumeRole as well (tested in techniques.rs).
}
