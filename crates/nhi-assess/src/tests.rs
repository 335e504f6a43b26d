use nhi_graph::{CodeInventory, CorrelateOptions, correlate};
use nhi_model::{Inventory, InventoryBatch, Link, PlatformCredential, Provenance, identity_id};

use super::*;

fn prov() -> Provenance {
    Provenance::new("test", "fixture.json", "[0]")
}

fn now() -> Timestamp {
    "2026-11-15T00:00:00Z".parse().unwrap()
}

fn user(name: &str) -> Identity {
    let mut user = Identity::new(
        Provider::Aws,
        IdentityKind::IamUser,
        &format!("arn:aws:iam::111122223333:user/{name}"),
        name,
        prov(),
    );
    user.account = Some("111122223333".into());
    user.status = LifecycleStatus::Active;
    user
}

fn key(holder: &Identity, id: &str, created: &str, last_used: Option<&str>) -> PlatformCredential {
    let mut key = PlatformCredential::new(
        &holder.id,
        Provider::Aws,
        CredentialKind::AccessKey,
        id,
        prov(),
    );
    key.external_id = Some(id.into());
    key.status = LifecycleStatus::Active;
    key.created = Some(created.parse().unwrap());
    key.last_used = last_used.map(|t| t.parse().unwrap());
    key
}

fn graph(batch: InventoryBatch) -> Graph {
    let mut inventory = Inventory::default();
    inventory.merge(batch);
    correlate(
        inventory,
        CodeInventory::default(),
        &CorrelateOptions::default(),
    )
}

fn rules_for<'a>(findings: &'a [InventoryFinding], subject: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f.subject == subject)
        .map(|f| f.rule)
        .collect()
}

#[test]
fn an_old_admin_key_of_a_departed_owner_is_three_findings_with_references() {
    let mut deployer = user("deployer");
    deployer.owners = vec!["dan@acme.test".into()];
    deployer
        .attributes
        .insert("privilege".into(), "admin".into());
    deployer
        .attributes
        .insert("owners_offboarded".into(), "dan@acme.test".into());
    let old = key(
        &deployer,
        "AKIAOLD",
        "2024-01-09T10:00:00Z",
        Some("2026-11-12T00:00:00Z"),
    );
    let findings = assess(
        &graph(InventoryBatch {
            identities: vec![deployer.clone()],
            credentials: vec![old.clone()],
            ..Default::default()
        }),
        &Policy::default(),
        now(),
    );
    let on_user = rules_for(&findings, &deployer.id);
    assert!(on_user.contains(&"owner-offboarded"), "{on_user:?}");
    assert!(on_user.contains(&"admin-privilege"), "{on_user:?}");
    let aged = findings
        .iter()
        .find(|f| f.rule == "credential-too-old")
        .expect("an old key");
    // An admin's key is held to the critical tier's 30 days.
    assert!(aged.evidence[0].contains("the policy allows 30 days for a critical-tier NHI"));
    assert_eq!(aged.severity, Severity::High);
    assert_eq!(aged.owasp, OwaspNhi::Nhi7);
    assert!(aged.references["iso_27001_2022"].contains(&"A.5.17".to_string()));
    // Stable IDs: the same input gives the same IDs.
    let again = assess(
        &graph(InventoryBatch {
            identities: vec![deployer],
            credentials: vec![old],
            ..Default::default()
        }),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        findings.iter().map(|f| &f.id).collect::<Vec<_>>(),
        again.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}

#[test]
fn unused_keys_follow_the_policy_threshold() {
    let owner = {
        let mut u = user("ci");
        u.owners = vec!["a@acme.test".into()];
        u
    };
    let stale = key(
        &owner,
        "AKIASTALE",
        "2026-06-01T00:00:00Z",
        Some("2026-07-01T00:00:00Z"),
    );
    let batch = InventoryBatch {
        identities: vec![owner],
        credentials: vec![stale.clone()],
        ..Default::default()
    };
    let default = assess(&graph(batch.clone()), &Policy::default(), now());
    assert!(rules_for(&default, &stale.id).contains(&"credential-unused"));
    let lenient = Policy::from_toml("nhi.toml", "[thresholds]\nunused_after_days = 365\n").unwrap();
    let lenient = assess(&graph(batch), &lenient, now());
    assert!(!rules_for(&lenient, &stale.id).contains(&"credential-unused"));
}

#[test]
fn oidc_trust_without_a_subject_is_critical_and_static_keys_beside_it_are_nhi4() {
    let mut role = Identity::new(
        Provider::Aws,
        IdentityKind::IamRole,
        "arn:aws:iam::111122223333:role/deploy",
        "deploy",
        prov(),
    );
    role.account = Some("111122223333".into());
    let mut owner_user = user("legacy");
    owner_user.owners = vec!["a@acme.test".into()];
    let k = key(&owner_user, "AKIALEGACY", "2026-11-01T00:00:00Z", None);
    let link = Link {
        from: identity_id(Provider::Github, IdentityKind::Workload, "*"),
        to: role.id.clone(),
        kind: LinkKind::Federates,
        confidence: Confidence::High,
        evidence: "trust policy of deploy admits GitHub OIDC subject `*`".into(),
        provenance: None,
    };
    let findings = assess(
        &graph(InventoryBatch {
            identities: vec![role.clone(), owner_user.clone()],
            credentials: vec![k],
            links: vec![link],
            ..Default::default()
        }),
        &Policy::default(),
        now(),
    );
    let trust = findings
        .iter()
        .find(|f| f.rule == "oidc-trust-unrestricted")
        .unwrap();
    assert_eq!(trust.severity, Severity::Critical);
    assert_eq!(trust.subject, role.id);
    assert!(rules_for(&findings, &owner_user.id).contains(&"static-key-where-federation-exists"));
}

#[test]
fn every_rule_names_an_owasp_risk_and_all_ten_are_covered() {
    let mut risks: Vec<OwaspNhi> = RULES.iter().map(|(_, risk, _)| *risk).collect();
    risks.sort();
    risks.dedup();
    assert_eq!(risks.len(), 10, "{risks:?}");
    let mut names: Vec<&str> = RULES.iter().map(|(r, _, _)| *r).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
}

#[test]
fn findings_serialize_with_owasp_and_references() {
    let mut u = user("x");
    u.attributes.insert("privilege".into(), "admin".into());
    let findings = assess(
        &graph(InventoryBatch {
            identities: vec![u],
            ..Default::default()
        }),
        &Policy::default(),
        now(),
    );
    let json = serde_json::to_value(&findings).unwrap();
    let admin = json
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "admin-privilege")
        .unwrap();
    assert_eq!(admin["owasp"], "NHI5");
    assert!(
        admin["references"]["nist_csf_2"]
            .as_array()
            .unwrap()
            .contains(&"PR.AA-05".into())
    );
    assert!(admin["id"].as_str().unwrap().starts_with("NHI-I-"));
}

#[test]
fn a_score_is_the_sum_of_its_printed_factors() {
    let mut deployer = user("deployer");
    deployer.owners = vec!["dan@acme.test".into()];
    deployer.environment = Some("prod".into());
    deployer
        .attributes
        .insert("privilege".into(), "admin".into());
    deployer
        .attributes
        .insert("owners_offboarded".into(), "dan@acme.test".into());
    let old = key(
        &deployer,
        "AKIAOLD",
        "2024-01-09T10:00:00Z",
        Some("2026-11-12T00:00:00Z"),
    );
    let quiet = {
        let mut u = user("reader");
        u.owners = vec!["a@acme.test".into()];
        u
    };
    let g = graph(InventoryBatch {
        identities: vec![deployer.clone(), quiet.clone()],
        credentials: vec![old],
        ..Default::default()
    });
    let policy =
        Policy::from_toml("nhi.toml", "[sensitive]\naccounts = [\"111122223333\"]\n").unwrap();
    let findings = assess(&g, &policy, now());
    let risks = score(&g, &findings, &policy);
    let risk = &risks[&deployer.id];
    let names: Vec<&str> = risk.factors.iter().map(|f| f.name.as_str()).collect();
    for expected in [
        "owner-offboarded",
        "credential-too-old",
        "admin",
        "production",
        "sensitive-account",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let sum: u32 = risk.factors.iter().map(|f| f.points).sum();
    assert_eq!(risk.score, sum.min(100));
    assert_eq!(risk.tier, tier_of(risk.score));
    assert_eq!(risk.privilege_tier, "admin");
    assert_eq!(risk.tier, "critical");
    // An owned, unprivileged identity with no findings beyond the sensitive account.
    let calm = &risks[&quiet.id];
    assert!(calm.score < risk.score);
    assert_eq!(calm.privilege_tier, "unassessed");
}

#[test]
fn legacy_key_formats_are_recognised_by_their_preview() {
    use nhi_model::{
        Credential, CredentialId, CredentialStatus, Fingerprint, Preview, Sighting, SourceKind,
    };
    let code = |n: u8, provider: Provider, preview: &str| {
        let fingerprint = Fingerprint::from_hex(format!("{n:02x}").repeat(32)).unwrap();
        Credential {
            id: CredentialId::for_fingerprint(&fingerprint),
            fingerprint,
            kind: CredentialKind::ApiKey,
            provider,
            preview: Preview::reference(preview),
            external_id: None,
            attributes: Default::default(),
            status: CredentialStatus::Active,
            sightings: vec![Sighting {
                source: SourceKind::File,
                path: ".env".into(),
                line: n.into(),
                column: 1,
                commit: None,
                blob: None,
                author: None,
                date: None,
                root: "repo".into(),
            }],
        }
    };
    let credentials = vec![
        code(1, Provider::Openai, "sk-…a1B2"),
        code(2, Provider::Openai, "sk-proj-…a1B2"),
        code(3, Provider::Github, "ghp_…a1B2"),
        code(4, Provider::Github, "github_pat_…a1B2"),
    ];
    let g = correlate(
        Inventory::default(),
        CodeInventory {
            credentials,
            consumers: Vec::new(),
        },
        &CorrelateOptions::default(),
    );
    let legacy: Vec<String> = assess(&g, &Policy::default(), now())
        .into_iter()
        .filter(|f| f.rule == "legacy-credential-format")
        .map(|f| f.evidence[0].clone())
        .collect();
    assert_eq!(legacy.len(), 2, "{legacy:#?}");
    assert!(
        legacy
            .iter()
            .any(|e| e.contains("legacy OpenAI user key") && e.contains(".env:1"))
    );
    assert!(
        legacy
            .iter()
            .any(|e| e.contains("classic GitHub") && e.contains(".env:3"))
    );
}

fn mcp_server(name: &str, endpoint: &str, env: &[(&str, &str)]) -> nhi_model::Consumer {
    nhi_model::Consumer {
        id: format!("mcp_server:.cursor/mcp.json#{name}"),
        kind: ConsumerKind::McpServer,
        tool: "cursor".into(),
        name: name.into(),
        path: ".cursor/mcp.json".into(),
        root: "repo".into(),
        line: 4,
        endpoint: Some(endpoint.into()),
        credentials: env
            .iter()
            .map(|(carrier, reference)| nhi_model::CredentialUse {
                carrier: format!("env:{carrier}"),
                value: CredentialValue::Reference {
                    reference: reference.to_string(),
                },
                line: 6,
            })
            .collect(),
        attributes: Default::default(),
    }
}

fn unvetted(consumers: Vec<nhi_model::Consumer>, policy: &Policy) -> Vec<InventoryFinding> {
    let g = correlate(
        Inventory::default(),
        CodeInventory {
            credentials: Vec::new(),
            consumers,
        },
        &CorrelateOptions::default(),
    );
    assess(&g, policy, now())
        .into_iter()
        .filter(|f| f.rule == "unvetted-mcp-server")
        .collect()
}

#[test]
fn third_party_mcp_servers_given_credentials_must_be_vetted() {
    let servers = vec![
        mcp_server(
            "github",
            "npx -y @modelcontextprotocol/server-github",
            &[("GITHUB_PERSONAL_ACCESS_TOKEN", "${GITHUB_TOKEN}")],
        ),
        mcp_server(
            "fetch",
            "uvx mcp-server-fetch==2025.1.14",
            &[("API_TOKEN", "${env:FETCH_TOKEN}")],
        ),
        // No credentials: nothing to hold.
        mcp_server(
            "filesystem",
            "npx -y @modelcontextprotocol/server-filesystem /src",
            &[],
        ),
        // The organisation's own code.
        mcp_server("internal", "node ./mcp/server.js", &[("TOKEN", "${TOKEN}")]),
    ];
    let findings = unvetted(servers.clone(), &Policy::default());
    let by_name: BTreeMap<&str, &InventoryFinding> = findings
        .iter()
        .map(|f| (f.subject_name.as_str(), f))
        .collect();
    assert_eq!(by_name.len(), 2, "{findings:#?}");
    assert_eq!(by_name["github"].severity, Severity::High);
    assert!(by_name["github"].evidence[0].contains("without a pinned version"));
    assert!(by_name["github"].evidence[1].contains("env:GITHUB_PERSONAL_ACCESS_TOKEN"));
    assert_eq!(by_name["fetch"].severity, Severity::Medium);
    assert_eq!(by_name["github"].owasp, OwaspNhi::Nhi3);

    let policy = Policy::from_toml(
        "nhi.toml",
        "[mcp]\nvetted = [\"@modelcontextprotocol/server-github\", \"mcp-server-fetch==*\"]\n",
    )
    .unwrap();
    assert!(unvetted(servers, &policy).is_empty());
}

#[test]
fn workload_identity_providers_without_conditions_are_nhi6() {
    let provider = |name: &str, issuer: &str, condition: &str| {
        let mut p = Identity::new(
            Provider::Gcp,
            IdentityKind::FederationProvider,
            &format!("projects/1/locations/global/workloadIdentityPools/pool/providers/{name}"),
            name,
            prov(),
        );
        p.status = LifecycleStatus::Active;
        p.attributes.insert("issuer".into(), issuer.into());
        p.attributes
            .insert("attribute_condition".into(), condition.into());
        p
    };
    const GITHUB: &str = "https://token.actions.githubusercontent.com";
    let batch = InventoryBatch {
        identities: vec![
            provider("open", GITHUB, ""),
            provider("weak", GITHUB, "assertion.ref == 'refs/heads/main'"),
            provider("good", GITHUB, "assertion.repository_owner == 'acme-corp'"),
            provider("aws", "aws:111122223333", ""),
        ],
        ..InventoryBatch::default()
    };
    let findings: BTreeMap<String, Severity> = assess(&graph(batch), &Policy::default(), now())
        .into_iter()
        .filter(|f| f.rule == "workload-identity-provider-unrestricted")
        .map(|f| (f.subject_name, f.severity))
        .collect();
    assert_eq!(
        findings,
        BTreeMap::from([
            ("open".to_string(), Severity::Critical),
            ("weak".to_string(), Severity::Medium),
            ("aws".to_string(), Severity::High),
        ])
    );
}

#[test]
fn secrets_without_rotation_and_tiered_key_age_are_nhi7() {
    let mut escalator = user("escalator");
    escalator
        .attributes
        .insert("privilege_tier".into(), "permissions_management".into());
    // 75 days: past the high tier's 60, within the default 90.
    let escalator_key = key(
        &escalator,
        "AKIAESCALATOR0000001",
        "2026-09-01T00:00:00Z",
        Some("2026-11-14T00:00:00Z"),
    );
    let plain = user("plain");
    let plain_key = key(
        &plain,
        "AKIAPLAIN00000000001",
        "2026-09-01T00:00:00Z",
        Some("2026-11-14T00:00:00Z"),
    );
    let secret = |name: &str, rotation: &str, owner: Option<&str>| {
        let mut c = PlatformCredential::new(
            "",
            Provider::Aws,
            CredentialKind::GenericSecret,
            name,
            prov(),
        );
        c.status = LifecycleStatus::Active;
        c.created = Some("2026-11-01T00:00:00Z".parse().unwrap());
        c.attributes
            .insert("rotation_enabled".into(), rotation.into());
        if let Some(owner) = owner {
            c.attributes.insert("owning_service".into(), owner.into());
        }
        c
    };
    let manual = secret("prod/api-key", "false", None);
    let rotated = secret("prod/db", "true", None);
    let managed = secret("rds!db-1", "false", Some("rds"));
    let ids = (manual.id.clone(), rotated.id.clone(), managed.id.clone());
    let batch = InventoryBatch {
        identities: vec![escalator, plain],
        credentials: vec![escalator_key, plain_key, manual, rotated, managed],
        ..InventoryBatch::default()
    };
    let findings = assess(&graph(batch), &Policy::default(), now());
    let rule_subjects = |rule: &str| -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.subject.as_str())
            .collect()
    };
    assert_eq!(rule_subjects("rotation-not-configured"), [ids.0.as_str()]);
    let old: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "credential-too-old")
        .map(|f| f.subject_name.as_str())
        .collect();
    assert_eq!(old.len(), 1, "{old:?}");
    assert!(old[0].contains("AKIAESCALATOR0000001"), "{old:?}");
}

#[test]
fn granted_services_the_activity_never_used_are_nhi5() {
    let mut worker = user("etl-worker");
    worker.attributes.insert(
        "granted_services".into(),
        "dynamodb,ec2,iam,s3,sqs,sts".into(),
    );
    let arn = worker.external_id.clone().unwrap();
    let batch = InventoryBatch {
        identities: vec![worker],
        ..InventoryBatch::default()
    };
    let g = graph(batch);
    let seen = |days: i64| ObservedActivity {
        services: ["s3", "sqs", "sts"].iter().map(|s| s.to_string()).collect(),
        first_seen: "2026-10-01T00:00:00Z".parse().unwrap(),
        last_seen: "2026-10-01T00:00:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .unwrap(),
    };
    let unused = |days: i64| -> Vec<InventoryFinding> {
        let activity = BTreeMap::from([(arn.clone(), seen(days))]);
        assess_with_activity(&g, &Policy::default(), now(), &activity)
            .into_iter()
            .filter(|f| f.rule == "unused-granted-services")
            .collect()
    };
    let found = unused(30);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].owasp, OwaspNhi::Nhi5);
    assert_eq!(found[0].evidence[1], "never used: dynamodb, ec2, iam");
    assert_eq!(found[0].severity, Severity::Medium, "3 of 6 unused");
    // A week of logs is too little to call anything unused.
    assert!(unused(7).is_empty());
    // Without activity data the rule says nothing.
    assert!(
        assess(&g, &Policy::default(), now())
            .iter()
            .all(|f| f.rule != "unused-granted-services")
    );
}
