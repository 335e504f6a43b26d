//! Each Sigma construct, positive and negative, on hand-made CloudTrail records.

use nhi_sigma::{Level, RuleSet};
use serde_json::{Value, json};

fn rule(detection: &str) -> RuleSet {
    let text = format!(
        "title: test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{detection}\nlevel: low\n"
    );
    RuleSet::from_yaml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn fires(detection: &str, record: &Value) -> bool {
    !rule(detection).matches(record).is_empty()
}

fn record() -> Value {
    json!({
        "eventVersion": "1.11",
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketPolicy",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.17",
        "userAgent": "aws-cli/2.17.20 md/awscrt#0.20.11",
        "readOnly": false,
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/deployer/session",
            "sessionContext": {"attributes": {"mfaAuthenticated": "false"}}
        },
        "requestParameters": {
            "bucketName": "Finance-Reports",
            "policy": "{\"Principal\":\"*\"}",
            "encryption.type": "aws:kms"
        },
        "resources": [
            {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::finance-reports"},
            {"type": "AWS::KMS::Key", "ARN": "arn:aws:kms:eu-west-1:111122223333:key/abc"}
        ],
        "errorCode": null
    })
}

#[test]
fn map_is_and_of_fields() {
    let r = record();
    assert!(fires(
        "  sel:\n    eventSource: s3.amazonaws.com\n    eventName: PutBucketPolicy\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventSource: s3.amazonaws.com\n    eventName: DeleteBucket\n  condition: sel",
        &r
    ));
}

#[test]
fn list_of_values_is_or_and_all_makes_it_and() {
    let r = record();
    assert!(fires(
        "  sel:\n    eventName:\n      - DeleteBucket\n      - PutBucketPolicy\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventName:\n      - DeleteBucket\n      - PutBucketAcl\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    userAgent|contains|all:\n      - aws-cli\n      - awscrt\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    userAgent|contains|all:\n      - aws-cli\n      - boto3\n  condition: sel",
        &r
    ));
}

#[test]
fn list_of_maps_is_or() {
    let r = record();
    assert!(fires(
        "  sel:\n    - eventName: Nope\n    - awsRegion: eu-west-1\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    - eventName: Nope\n    - awsRegion: us-east-1\n  condition: sel",
        &r
    ));
}

#[test]
fn matching_is_case_insensitive_unless_cased() {
    let r = record();
    assert!(fires(
        "  sel:\n    requestParameters.bucketName: finance-reports\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    eventname: putbucketpolicy\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    requestParameters.bucketName|cased: finance-reports\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    requestParameters.bucketName|cased: Finance-Reports\n  condition: sel",
        &r
    ));
}

#[test]
fn string_modifiers_and_wildcards() {
    let r = record();
    assert!(fires(
        "  sel:\n    eventName|startswith: putbucket\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventName|startswith: bucket\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    eventName|endswith: Policy\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventName|endswith: Put\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    requestParameters.policy|contains: '\"Principal\":\"*\"'\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    eventName: Put*Policy\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    awsRegion: eu-west-?\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    awsRegion: eu-west-??\n  condition: sel",
        &r
    ));
    // An escaped star is a literal star, which the policy text contains.
    assert!(fires(
        "  sel:\n    requestParameters.policy|contains: ':\"\\*\"'\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventName: 'Put\\*'\n  condition: sel",
        &r
    ));
}

#[test]
fn regex_modifier_with_flags() {
    let r = record();
    assert!(fires(
        "  sel:\n    userIdentity.arn|re: ':assumed-role/deploy'\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    userIdentity.arn|re: ':ASSUMED-ROLE/'\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    userIdentity.arn|re|i: ':ASSUMED-ROLE/'\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    eventName|re: '^Delete'\n  condition: sel",
        &r
    ));
}

#[test]
fn cidr_modifier() {
    let r = record();
    assert!(fires(
        "  sel:\n    sourceIPAddress|cidr: 203.0.113.0/24\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    sourceIPAddress|cidr:\n      - 10.0.0.0/8\n      - 203.0.113.16/28\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    sourceIPAddress|cidr: 198.51.100.0/24\n  condition: sel",
        &r
    ));
    // A service name in sourceIPAddress is not an address and never matches.
    let service = json!({"sourceIPAddress": "lambda.amazonaws.com"});
    assert!(!fires(
        "  sel:\n    sourceIPAddress|cidr: 0.0.0.0/0\n  condition: sel",
        &service
    ));
}

#[test]
fn null_and_exists() {
    let r = record();
    assert!(fires("  sel:\n    errorCode: null\n  condition: sel", &r));
    assert!(
        fires("  sel:\n    errorMessage: null\n  condition: sel", &r),
        "absent counts as null"
    );
    assert!(!fires("  sel:\n    eventName: null\n  condition: sel", &r));
    assert!(fires(
        "  sel:\n    requestParameters.policy|exists: true\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    errorCode|exists: true\n  condition: sel",
        &r
    ));
    assert!(fires(
        "  sel:\n    errorCode|exists: false\n  condition: sel",
        &r
    ));
}

#[test]
fn booleans_numbers_and_dotted_keys() {
    let r = record();
    assert!(fires("  sel:\n    readOnly: false\n  condition: sel", &r));
    assert!(!fires("  sel:\n    readOnly: true\n  condition: sel", &r));
    assert!(fires(
        "  sel:\n    requestParameters.encryption.type: aws:kms\n  condition: sel",
        &r
    ));
    let numeric = json!({"additionalEventData": {"bytesTransferredOut": 5000}});
    assert!(fires(
        "  sel:\n    additionalEventData.bytesTransferredOut: 5000\n  condition: sel",
        &numeric
    ));
    assert!(!fires(
        "  sel:\n    additionalEventData.bytesTransferredOut: 50\n  condition: sel",
        &numeric
    ));
}

#[test]
fn arrays_along_a_path_match_any_element() {
    let r = record();
    assert!(fires(
        "  sel:\n    resources.type: AWS::KMS::Key\n  condition: sel",
        &r
    ));
    assert!(!fires(
        "  sel:\n    resources.type: AWS::IAM::Role\n  condition: sel",
        &r
    ));
}

#[test]
fn keyword_searches_look_at_every_value() {
    let r = record();
    assert!(fires(
        "  keywords:\n    - finance-reports\n    - nothing-like-this\n  condition: keywords",
        &r
    ));
    assert!(!fires(
        "  keywords:\n    - nothing-like-this\n  condition: keywords",
        &r
    ));
    assert!(fires(
        "  keywords: 'kms:eu-west-1'\n  condition: keywords",
        &r
    ));
}

#[test]
fn conditions_combine_searches() {
    let r = record();
    let base = "  sel_put:\n    eventName: PutBucketPolicy\n  sel_region:\n    awsRegion: us-east-1\n  filter:\n    userIdentity.type: AssumedRole\n";
    let with = |condition: &str| fires(&format!("{base}  condition: {condition}"), &r);
    assert!(with("sel_put and not sel_region"));
    assert!(!with("sel_put and not filter"));
    assert!(with("sel_region or (sel_put and filter)"));
    assert!(!with("(sel_region or sel_put) and not filter"));
    assert!(with("1 of sel_*"));
    assert!(!with("all of sel_*"));
    assert!(with("1 of them"));
    assert!(!with("all of them"));
    assert!(with("not sel_region"));
    // A list of conditions means any of them.
    assert!(fires(
        &format!("{base}  condition:\n    - sel_region\n    - sel_put"),
        &r
    ));
}

#[test]
fn metadata_is_exposed() {
    let text = "title: Trail stopped\nid: 11111111-2222-4333-8444-555555555555\nstatus: test\ndescription: d\nlogsource:\n  product: AWS\n  service: CloudTrail\ndetection:\n  sel:\n    eventName: StopLogging\n  condition: sel\nlevel: high\ntags:\n  - attack.defense-evasion\n  - attack.t1562.008\nfalsepositives:\n  - maintenance\n";
    let set = RuleSet::from_yaml_str(text).unwrap();
    let rule = &set.rules()[0];
    assert_eq!(
        rule.id.as_deref(),
        Some("11111111-2222-4333-8444-555555555555")
    );
    assert_eq!(rule.level, Some(Level::High));
    assert_eq!(rule.attack_techniques(), vec!["T1562.008"]);
    assert_eq!(rule.attack_tactics(), vec!["defense-evasion"]);
    assert_eq!(rule.falsepositives, vec!["maintenance"]);
    let hits = set.matches(&json!({"eventName": "StopLogging"}));
    assert_eq!(hits.len(), 1);
    assert!(
        set.matches(&json!({"eventName": "StartLogging"}))
            .is_empty()
    );
}

#[test]
fn several_rules_in_one_string() {
    let text = "title: a\nlogsource: {product: aws, service: cloudtrail}\ndetection: {s: {eventName: A}, condition: s}\n---\ntitle: b\nlogsource: {product: aws, service: cloudtrail}\ndetection: {s: {eventName: B}, condition: s}\n";
    let set = RuleSet::from_yaml_str(text).unwrap();
    assert_eq!(set.len(), 2);
    let hits = set.matches(&json!({"eventName": "b"}));
    assert_eq!(
        hits.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        vec!["b"]
    );
}

#[test]
fn keyword_lists_with_all_need_every_keyword() {
    let r = record();
    assert!(fires(
        "  keywords:\n    '|all':\n      - finance\n      - kms\n  condition: keywords",
        &r
    ));
    assert!(!fires(
        "  keywords:\n    '|all':\n      - finance\n      - absent-word\n  condition: keywords",
        &r
    ));
}

#[test]
fn shipped_guardduty_rule_tells_disable_from_enable() {
    let (set, errors) = RuleSet::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"));
    assert!(errors.is_empty(), "{errors:?}");
    let fired = |record: Value| {
        set.matches(&record)
            .iter()
            .any(|r| r.title == "GuardDuty detector deleted or disabled")
    };
    let source = "guardduty.amazonaws.com";
    assert!(fired(
        json!({"eventSource": source, "eventName": "DeleteDetector"})
    ));
    assert!(fired(
        json!({"eventSource": source, "eventName": "UpdateDetector", "requestParameters": {"enable": false}})
    ));
    assert!(!fired(
        json!({"eventSource": source, "eventName": "UpdateDetector", "requestParameters": {"enable": true}})
    ));
    assert!(!fired(
        json!({"eventSource": source, "eventName": "DeleteDetector", "errorCode": "AccessDenied"})
    ));
}
