use std::collections::BTreeMap;

use nhi_model::{
    Consumer, ConsumerKind, Credential, CredentialId, CredentialKind, CredentialStatus,
    CredentialUse, CredentialValue, Fingerprint, Identity, IdentityKind, Inventory, InventoryBatch,
    LifecycleStatus, LinkKind, PlatformCredential, Preview, Provenance, Provider, SecretHint,
    Sighting, SourceKind,
};

use super::*;

fn prov() -> Provenance {
    Provenance::new("test", "fixture.json", "[0]")
}

fn fp(n: u8) -> Fingerprint {
    Fingerprint::from_hex(format!("{:02x}", n).repeat(32)).unwrap()
}

fn code(n: u8, provider: Provider, kind: CredentialKind, preview: &str, path: &str) -> Credential {
    let fingerprint = fp(n);
    Credential {
        id: CredentialId::for_fingerprint(&fingerprint),
        fingerprint,
        kind,
        provider,
        preview: Preview::reference(preview),
        external_id: None,
        attributes: BTreeMap::new(),
        status: CredentialStatus::Active,
        sightings: vec![Sighting {
            source: SourceKind::File,
            path: path.into(),
            line: 3,
            column: 1,
            commit: None,
            blob: None,
            author: None,
            date: None,
            root: "repo".into(),
        }],
    }
}

fn aws_estate() -> Inventory {
    let arn = "arn:aws:iam::111122223333:user/ci-deployer";
    let mut user = Identity::new(
        Provider::Aws,
        IdentityKind::IamUser,
        arn,
        "ci-deployer",
        prov(),
    );
    user.account = Some("111122223333".into());
    user.owners.push("dana@acme.test".into());
    // list-access-keys knows the user by name only.
    let by_name = nhi_aws_style_user_id("ci-deployer");
    let mut key = PlatformCredential::new(
        &by_name,
        Provider::Aws,
        CredentialKind::AccessKey,
        "AKIAEXAMPLEKEY000001",
        prov(),
    );
    key.created = Some("2024-01-02T03:04:05Z".parse().unwrap());
    key.status = LifecycleStatus::Active;
    // The credential report's slot for the same key, without the ID.
    let mut slot = PlatformCredential::new(
        &user.id,
        Provider::Aws,
        CredentialKind::AccessKey,
        &format!("{arn}#access_key_1"),
        prov(),
    );
    slot.external_id = None;
    slot.created = Some("2024-01-02T03:04:05Z".parse().unwrap());
    slot.last_used = Some("2024-06-01T00:00:00Z".parse().unwrap());
    slot.attributes.insert("report_slot".into(), "1".into());
    slot.attributes
        .insert("last_used_service".into(), "s3".into());
    let mut dana = Identity::person("dana@acme.test", "Dana", prov());
    dana.status = LifecycleStatus::Deleted;
    let mut openai = PlatformCredential::new(
        "openai:api_key_holder:svc_1",
        Provider::Openai,
        CredentialKind::ApiKey,
        "key_abc",
        prov(),
    );
    openai.hint = SecretHint::from_redacted("sk-proj-****wxyz");
    let holder = Identity::new(
        Provider::Openai,
        IdentityKind::ApiKeyHolder,
        "svc_1",
        "support-bot",
        prov(),
    );
    let mut inventory = Inventory::default();
    inventory.merge(InventoryBatch {
        identities: vec![user, dana, holder],
        credentials: vec![key, slot, openai],
        ..Default::default()
    });
    inventory
}

fn nhi_aws_style_user_id(name: &str) -> String {
    nhi_model::identity_id(
        Provider::Aws,
        IdentityKind::IamUser,
        &format!("user/{name}"),
    )
}

fn consumer(name: &str, path: &str, fingerprint: &Fingerprint) -> Consumer {
    Consumer {
        id: Consumer::make_id(ConsumerKind::McpServer, path, name),
        kind: ConsumerKind::McpServer,
        tool: "cursor".into(),
        name: name.into(),
        path: path.into(),
        root: "repo".into(),
        line: 1,
        endpoint: None,
        credentials: vec![CredentialUse {
            carrier: "env:OPENAI_API_KEY".into(),
            value: CredentialValue::Literal {
                fingerprint: fingerprint.clone(),
                preview: Preview::reference("sk-proj-…wxyz"),
            },
            line: 4,
        }],
        attributes: BTreeMap::new(),
    }
}

#[test]
fn code_secrets_join_platform_keys_and_owners_are_checked() {
    let mut aws_code = code(
        1,
        Provider::Aws,
        CredentialKind::AccessKey,
        "…abcd",
        ".aws/credentials",
    );
    aws_code.external_id = Some("AKIAEXAMPLEKEY000001".into());
    let openai_code = code(
        2,
        Provider::Openai,
        CredentialKind::ApiKey,
        "sk-proj-…wxyz",
        "deploy/prod/.cursor/mcp.json",
    );
    let other_openai = code(
        3,
        Provider::Openai,
        CredentialKind::ApiKey,
        "sk-proj-…zzzz",
        "x.env",
    );
    let mut staging_copy = openai_code.clone();
    staging_copy.sightings[0].path = "deploy/staging/.env".into();
    let mut merged = openai_code.clone();
    merged.sightings.extend(staging_copy.sightings);
    let consumers = vec![
        consumer("a", "deploy/prod/.cursor/mcp.json", &merged.fingerprint),
        consumer("b", "deploy/staging/.vscode/mcp.json", &merged.fingerprint),
    ];
    let graph = correlate(
        aws_estate(),
        CodeInventory {
            credentials: vec![aws_code.clone(), merged.clone(), other_openai.clone()],
            consumers,
        },
        &CorrelateOptions::default(),
    );
    let inv = &graph.inventory;
    // The name-keyed placeholder is gone: the key hangs off the ARN-keyed user, and the
    // report slot folded into it.
    let user = inv
        .find_identity("arn:aws:iam::111122223333:user/ci-deployer")
        .unwrap();
    let keys: Vec<_> = inv
        .credentials
        .values()
        .filter(|c| c.identity == user.id)
        .collect();
    assert_eq!(keys.len(), 1, "{keys:#?}");
    assert_eq!(keys[0].attributes["last_used_service"], "s3");
    assert!(keys[0].last_used.is_some());
    // The code key is the same key (high confidence, by key ID).
    let same = inv
        .links
        .iter()
        .find(|l| l.from == aws_code.id.as_str() && l.kind == LinkKind::SameAs)
        .unwrap();
    assert_eq!(same.to, keys[0].id);
    assert_eq!(same.confidence, Confidence::High);
    // OpenAI: matched by hint, medium confidence; the other key is a shadow credential.
    let openai = inv
        .links
        .iter()
        .find(|l| l.from == merged.id.as_str() && l.kind == LinkKind::SameAs)
        .unwrap();
    assert_eq!(openai.confidence, Confidence::Medium);
    assert!(
        inv.links
            .iter()
            .all(|l| !(l.from == other_openai.id.as_str() && l.kind == LinkKind::SameAs))
    );
    assert!(
        inv.identities
            .values()
            .any(|i| i.kind == IdentityKind::Unknown && i.attributes.contains_key("shadow"))
    );
    // The owner left.
    assert_eq!(user.attributes["owners_offboarded"], "dana@acme.test");
    // Reuse: two MCP servers share the OpenAI key, across prod and staging.
    assert!(
        graph
            .reuse
            .iter()
            .any(|r| r.kind == "shared_credential" && r.subject == merged.id.as_str())
    );
    let mixing = graph
        .reuse
        .iter()
        .find(|r| r.kind == "environment_mixing" && r.subject == merged.id.as_str())
        .unwrap();
    assert_eq!(mixing.environments, ["prod", "staging"]);
    // The view carries the sightings of the matched secret.
    let view = graph.show("AKIAEXAMPLEKEY000001").unwrap();
    assert_eq!(view.identity.name, "ci-deployer");
    assert_eq!(view.credentials[0].sightings[0].path, ".aws/credentials");
    assert_eq!(
        view.credentials[0].fingerprint.as_ref(),
        Some(&aws_code.fingerprint)
    );
    // Every edge of every export resolves to a node.
    for format in [GraphFormat::Json, GraphFormat::OpenGraph] {
        let text = render_graph(&graph, format);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (nodes, edges) = match format {
            GraphFormat::Json => (&value["nodes"], &value["edges"]),
            _ => (&value["graph"]["nodes"], &value["graph"]["edges"]),
        };
        let ids: Vec<&str> = nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        for edge in edges.as_array().unwrap() {
            let (from, to) = match format {
                GraphFormat::Json => (&edge["from"], &edge["to"]),
                _ => (&edge["start"]["value"], &edge["end"]["value"]),
            };
            assert!(ids.contains(&from.as_str().unwrap()), "{edge}");
            assert!(ids.contains(&to.as_str().unwrap()), "{edge}");
        }
    }
    assert!(render_graph(&graph, GraphFormat::Dot).starts_with("digraph nhi {"));
}

#[test]
fn two_keys_sharing_a_hint_are_only_low_confidence() {
    let mut inventory = aws_estate();
    let mut twin = inventory
        .credentials
        .values()
        .find(|c| c.provider == Provider::Openai)
        .unwrap()
        .clone();
    twin.id = "pcred:openai:api_key:key_twin".into();
    twin.external_id = Some("key_twin".into());
    inventory.credentials.insert(twin.id.clone(), twin);
    let openai_code = code(
        2,
        Provider::Openai,
        CredentialKind::ApiKey,
        "sk-proj-…wxyz",
        "a.env",
    );
    let graph = correlate(
        inventory,
        CodeInventory {
            credentials: vec![openai_code.clone()],
            consumers: vec![],
        },
        &CorrelateOptions::default(),
    );
    let links: Vec<_> = graph
        .inventory
        .links
        .iter()
        .filter(|l| l.from == openai_code.id.as_str())
        .collect();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.confidence == Confidence::Low));
}

#[test]
fn codeowners_give_owners_to_unowned_identities() {
    let leaked = code(
        9,
        Provider::Slack,
        CredentialKind::BotToken,
        "xoxb-…abcd",
        "agents/slack-bot/index.js",
    );
    let mut options = CorrelateOptions::default();
    options.codeowners.insert(
        "repo".into(),
        CodeOwners::parse("* @acme/platform\n/agents/slack-bot/ @bob\n"),
    );
    let graph = correlate(
        Inventory::default(),
        CodeInventory {
            credentials: vec![leaked.clone()],
            consumers: vec![],
        },
        &options,
    );
    let identity = graph.identity_of_code(leaked.id.as_str()).unwrap();
    assert_eq!(identity.owners, ["@bob"]);
    assert!(
        graph
            .inventory
            .links
            .iter()
            .any(|l| l.kind == LinkKind::Owns
                && l.to == identity.id
                && l.evidence.contains("CODEOWNERS line 2"))
    );
}

#[test]
fn a_non_production_identity_that_can_become_a_production_one_mixes_environments() {
    let role = |name: &str, env: &str| {
        let mut role = Identity::new(
            Provider::Aws,
            IdentityKind::IamRole,
            &format!("arn:aws:iam::1:role/{name}"),
            name,
            prov(),
        );
        role.tags.insert("environment".into(), env.into());
        role.environment = Some(env.into());
        role
    };
    let staging = role("staging-ci", "staging");
    let prod = role("prod-readonly", "prod");
    let other_prod = role("prod-ci", "prod");
    let link = |from: &Identity, to: &Identity| nhi_model::Link {
        from: from.id.clone(),
        to: to.id.clone(),
        kind: LinkKind::CanAssume,
        confidence: nhi_model::Confidence::High,
        evidence: "trust policy".into(),
        provenance: None,
    };
    let mut inventory = Inventory::default();
    inventory.merge(InventoryBatch {
        links: vec![link(&staging, &prod), link(&other_prod, &prod)],
        identities: vec![staging.clone(), prod.clone(), other_prod.clone()],
        ..Default::default()
    });
    let graph = correlate(
        inventory,
        CodeInventory::default(),
        &CorrelateOptions::default(),
    );
    let mixing: Vec<&Reuse> = graph
        .reuse
        .iter()
        .filter(|r| r.kind == "environment_mixing")
        .collect();
    assert_eq!(mixing.len(), 1, "{mixing:#?}");
    assert_eq!(mixing[0].subject, prod.id);
    assert_eq!(mixing[0].environments, ["staging", "prod"]);
    assert!(
        mixing[0]
            .evidence
            .contains("staging-ci (staging) can assume prod-readonly (prod)")
    );
}
