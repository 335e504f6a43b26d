//! Ingest of GitHub REST API responses as `gh api --paginate` saves them.
//!
//! Field names and example shapes come from the GitHub REST docs:
//! - installations: https://docs.github.com/en/rest/orgs/orgs#list-app-installations-for-an-organization
//! - fine-grained PATs: https://docs.github.com/en/rest/orgs/personal-access-tokens#list-fine-grained-personal-access-tokens-with-access-to-organization-resources
//! - deploy keys: https://docs.github.com/en/rest/deploy-keys/deploy-keys#list-deploy-keys
//! - Actions secrets: https://docs.github.com/en/rest/actions/secrets#list-organization-secrets
//!   and #list-repository-secrets
//! - pagination: https://cli.github.com/manual/gh_api (`--paginate`, `--slurp`)

use jiff::Timestamp;
use nhi_github::{Error, ExportKind, ingest, sniff};
use nhi_model::{
    Confidence, CredentialKind, GrantKind, IdentityKind, InventoryBatch, LifecycleStatus, LinkKind,
    Provider, person_id,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> InventoryBatch {
    ingest(name, &fixture(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn grant_roles(batch: &InventoryBatch, identity: &str) -> Vec<(String, String)> {
    let mut roles: Vec<_> = batch
        .grants
        .iter()
        .filter(|g| g.identity == identity)
        .map(|g| (g.role.clone(), g.scope.clone()))
        .collect();
    roles.sort();
    roles
}

#[test]
fn sniff_recognises_every_fixture() {
    let expected = [
        ("installations.json", ExportKind::Installations),
        ("installations_slurped.json", ExportKind::Installations),
        ("installations_truncated.json", ExportKind::Installations),
        (
            "personal_access_tokens.json",
            ExportKind::PersonalAccessTokens,
        ),
        (
            "personal_access_tokens_degraded.json",
            ExportKind::PersonalAccessTokens,
        ),
        ("deploy_keys_paginated.json", ExportKind::DeployKeys),
        ("org_actions_secrets.json", ExportKind::OrgActionsSecrets),
        ("repo_actions_secrets.json", ExportKind::RepoActionsSecrets),
    ];
    for (name, kind) in expected {
        assert_eq!(sniff(&fixture(name)), Some(kind), "{name}");
    }
}

#[test]
fn sniff_rejects_other_shapes() {
    let others: &[&str] = &[
        // aws iam list-access-keys
        r#"{"AccessKeyMetadata":[{"UserName":"ci","AccessKeyId":"AKIAIOSFODNN7EXAMPLE","Status":"Active","CreateDate":"2024-01-02T03:04:05Z"}]}"#,
        // kubectl get serviceaccounts -A -o json
        r#"{"apiVersion":"v1","items":[{"kind":"ServiceAccount","metadata":{"name":"default","namespace":"prod"}}],"kind":"List"}"#,
        // gcloud iam service-accounts list --format=json
        r#"[{"email":"ci@p.iam.gserviceaccount.com","name":"projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com","disabled":false}]"#,
        // Microsoft Graph applications
        r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","value":[{"appId":"x","keyCredentials":[{"keyId":"k","key":null}]}]}"#,
        // OpenAI admin API keys
        r#"{"object":"list","data":[{"object":"organization.admin_api_key","id":"key_abc","name":"k","redacted_value":"sk-admin...xyz"}],"has_more":false}"#,
        // GitHub: a person's SSH keys (/user/keys) look like deploy keys but are not
        r#"[{"key":"ssh-ed25519 AAAA","id":2,"url":"https://api.github.com/user/keys/2","title":"laptop","created_at":"2020-06-11T21:31:57Z","verified":false,"read_only":false}]"#,
        // GitHub: pending PAT requests, not tokens with access
        r#"[{"id":25381,"reason":"I need to access the repos","owner":{"login":"octocat"},"repository_selection":"all","created_at":"2023-05-16T08:47:09Z","token_id":98716,"token_name":"Some Token","token_expired":false,"token_expires_at":"2023-11-16T08:47:09Z","token_last_used_at":null}]"#,
        // random JSON and non-JSON
        r#"{"name":"package","version":"1.0.0","dependencies":{}}"#,
        "[1, 2, 3]",
        "total_count,secrets\n1,2\n",
        "",
        "   ",
    ];
    for other in others {
        assert_eq!(sniff(other.as_bytes()), None, "{other}");
    }
}

#[test]
fn installations_map_to_github_app_identities_with_grants() {
    let batch = load("installations.json");
    assert_eq!(batch.identities.len(), 3);
    assert!(batch.credentials.is_empty());

    let deployer = &batch.identities[0];
    assert_eq!(deployer.id, "github:github_app:installation/25381");
    assert_eq!(deployer.provider, Provider::Github);
    assert_eq!(deployer.kind, IdentityKind::GithubApp);
    assert_eq!(deployer.name, "acme-deployer");
    assert_eq!(deployer.external_id.as_deref(), Some("installation/25381"));
    assert_eq!(deployer.account.as_deref(), Some("acme-corp"));
    assert_eq!(deployer.status, LifecycleStatus::Active);
    assert_eq!(deployer.created, Some(ts("2017-05-16T15:47:09Z")));
    assert_eq!(deployer.attributes["app_id"], "2218");
    assert_eq!(deployer.attributes["client_id"], "Iv1.ab1112de39aa4b00");
    assert_eq!(deployer.attributes["repository_selection"], "selected");
    assert_eq!(
        deployer.attributes["events"],
        "deployment,deployment_status,push"
    );
    assert_eq!(deployer.attributes["target_type"], "Organization");
    assert_eq!(deployer.attributes["updated_at"], "2017-06-06T18:23:23Z");
    assert!(!deployer.attributes.contains_key("suspended_at"));
    assert_eq!(
        deployer.provenance[0].source,
        "gh api --paginate /orgs/{org}/installations"
    );
    assert_eq!(deployer.provenance[0].position, "installations[0]");
    assert_eq!(deployer.provenance[0].file, "installations.json");
    assert_eq!(
        grant_roles(&batch, &deployer.id),
        [
            ("contents:write".into(), "acme-corp/(selected)".into()),
            ("deployments:write".into(), "acme-corp/(selected)".into()),
            ("metadata:read".into(), "acme-corp/(selected)".into()),
            ("pull_requests:read".into(), "acme-corp/(selected)".into()),
            ("statuses:read".into(), "acme-corp/(selected)".into()),
        ]
    );
    let contents = batch
        .grants
        .iter()
        .find(|g| g.identity == deployer.id && g.role == "contents:write")
        .unwrap();
    assert_eq!(contents.kind, GrantKind::AppPermission);
    assert_eq!(
        contents.provenance.position,
        "installations[0].permissions.contents"
    );

    // Suspended, with administration:write over every repository.
    let migrator = &batch.identities[1];
    assert_eq!(migrator.name, "legacy-migrator");
    assert_eq!(migrator.status, LifecycleStatus::Disabled);
    assert_eq!(migrator.attributes["suspended_at"], "2024-03-01T09:30:00Z");
    assert_eq!(migrator.attributes["suspended_by"], "alice-admin");
    assert_eq!(migrator.attributes["events"], "");
    assert_eq!(
        grant_roles(&batch, &migrator.id),
        [
            ("administration:write".into(), "acme-corp/*".into()),
            ("members:read".into(), "acme-corp".into()),
            ("metadata:read".into(), "acme-corp/*".into()),
            (
                "organization_administration:write".into(),
                "acme-corp".into()
            ),
        ]
    );

    // The bad date is a warning; the installation still loads.
    let preview = &batch.identities[2];
    assert_eq!(preview.name, "docs-preview");
    assert_eq!(preview.created, None);
    assert_eq!(
        preview.attributes["single_file_name"],
        ".github/preview.yml"
    );
    assert_eq!(batch.warnings.len(), 1, "{:?}", batch.warnings);
    let warning = &batch.warnings[0];
    assert_eq!(warning.file, "installations.json");
    assert_eq!(warning.position, "installations[2].created_at");
    assert!(
        warning.message.contains("2024-13-45"),
        "{}",
        warning.message
    );
}

#[test]
fn slurped_pages_load_with_page_paths() {
    let batch = load("installations_slurped.json");
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert_eq!(batch.identities.len(), 2);
    assert_eq!(
        batch.identities[0].provenance[0].position,
        "[0].installations[0]"
    );
    let enterprise = &batch.identities[1];
    assert_eq!(enterprise.provenance[0].position, "[1].installations[0]");
    // An enterprise account has a slug, not a login.
    assert_eq!(enterprise.account.as_deref(), Some("acme-enterprise"));
    assert_eq!(enterprise.attributes["target_type"], "Enterprise");
    assert_eq!(
        grant_roles(&batch, &enterprise.id),
        [(
            "organization_administration:read".into(),
            "acme-enterprise".into()
        )]
    );
}

#[test]
fn fine_grained_pats_are_credentials_held_by_their_owner() {
    let batch = load("personal_access_tokens.json");
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert_eq!(batch.credentials.len(), 3);
    assert!(batch.grants.is_empty());

    // Two tokens of octocat, one of Hubot-Dev: two person nodes, lower-cased keys.
    let people: Vec<_> = batch.identities.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(people, ["person:octocat", "person:hubot-dev"]);
    let octocat = &batch.identities[0];
    assert_eq!(octocat.kind, IdentityKind::Human);
    assert_eq!(octocat.attributes["github_user_id"], "1");
    assert_eq!(octocat.attributes["github_user_type"], "User");
    assert_eq!(
        octocat.provenance.len(),
        2,
        "one provenance per token it owns"
    );

    let release = &batch.credentials[0];
    assert_eq!(release.id, "pcred:github:fine_grained_pat:98716");
    assert_eq!(release.external_id.as_deref(), Some("98716"));
    assert_eq!(release.identity, person_id("octocat"));
    assert_eq!(release.kind, CredentialKind::FineGrainedPat);
    assert_eq!(release.status, LifecycleStatus::Active);
    assert_eq!(release.expires, Some(ts("2030-11-16T15:47:09Z")));
    assert_eq!(release.last_used, Some(ts("2024-06-01T12:00:00Z")));
    assert_eq!(
        release.created, None,
        "the token's creation date is not listed"
    );
    assert_eq!(release.attributes["token_name"], "release-automation");
    assert_eq!(release.attributes["repository_selection"], "subset");
    assert_eq!(release.attributes["grant_id"], "25381");
    assert_eq!(release.attributes["owner"], "octocat");
    assert_eq!(
        release.attributes["access_granted_at"],
        "2023-05-16T15:47:09Z"
    );
    assert_eq!(release.attributes["organization_id"], "652551");
    assert_eq!(
        release.attributes["permissions"],
        "organization.members:read,repository.contents:write,repository.metadata:read"
    );
    assert!(!release.attributes.contains_key("never_used"));
    assert!(!release.attributes.contains_key("no_expiry"));

    let expired = &batch.credentials[1];
    assert_eq!(expired.identity, "person:hubot-dev");
    assert_eq!(expired.status, LifecycleStatus::Expired);
    assert_eq!(expired.expires, Some(ts("2023-01-02T03:04:05Z")));
    assert_eq!(expired.attributes["organization"], "acme-corp");
    assert_eq!(
        expired.attributes["permissions"],
        "organization.administration:write,repository.actions:write,repository.secrets:read"
    );

    let never_used = &batch.credentials[2];
    assert_eq!(never_used.last_used, None);
    assert_eq!(never_used.expires, None);
    assert_eq!(never_used.attributes["never_used"], "true");
    assert_eq!(never_used.attributes["no_expiry"], "true");

    let links: Vec<_> = batch
        .links
        .iter()
        .filter(|l| l.to == release.id)
        .map(|l| (l.from.as_str(), l.kind, l.confidence))
        .collect();
    assert_eq!(
        links,
        [
            ("person:octocat", LinkKind::HasCredential, Confidence::High),
            ("person:octocat", LinkKind::Owns, Confidence::High),
        ]
    );
    assert_eq!(batch.links.len(), 6);
}

#[test]
fn malformed_pat_entries_warn_with_positions_and_the_rest_loads() {
    let name = "personal_access_tokens_degraded.json";
    let batch = load(name);
    // Entry 0 (bad dates) and entry 3 (no owner) load; 1 and 2 are skipped.
    let ids: Vec<_> = batch.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "pcred:github:fine_grained_pat:7001",
            "pcred:github:fine_grained_pat:7002"
        ]
    );
    let bad_dates = &batch.credentials[0];
    assert_eq!(bad_dates.expires, None);
    assert_eq!(bad_dates.status, LifecycleStatus::Unknown);
    // Epoch seconds are accepted.
    assert_eq!(bad_dates.last_used, Some(ts("2024-06-01T12:00:00Z")));
    assert_eq!(
        bad_dates.attributes["permissions"],
        "repository.contents:read"
    );
    let orphan = &batch.credentials[1];
    assert_eq!(orphan.identity, "");
    assert!(batch.links.iter().all(|l| l.to != orphan.id));

    let positions: Vec<_> = batch
        .warnings
        .iter()
        .map(|w| (w.file.as_str(), w.position.as_str()))
        .collect();
    assert_eq!(
        positions,
        [
            (name, "[0].token_expired"),
            (name, "[0].token_expires_at"),
            (name, "[0].access_granted_at"),
            (name, "[0].permissions.repository.pull_requests"),
            (name, "[1]"),
            (name, "[2]"),
            (name, "[3].owner"),
        ]
    );
    assert!(batch.warnings[1].message.contains("2025-02-30"));
    assert!(batch.warnings[5].message.contains("token_id"));
}

#[test]
fn deploy_keys_from_concatenated_pages() {
    let batch = load("deploy_keys_paginated.json");
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    let keys: Vec<_> = batch
        .identities
        .iter()
        .filter(|i| i.kind == IdentityKind::DeployKey)
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(batch.credentials.len(), 3);

    let read_key = keys[0];
    assert_eq!(read_key.id, "github:deploy_key:deploy-key/1");
    assert_eq!(read_key.name, "octocat@octomac");
    assert_eq!(read_key.account.as_deref(), Some("acme-corp/api"));
    assert_eq!(read_key.owners, ["octocat"]);
    assert_eq!(read_key.provenance[0].position, "page 1: [0]");
    assert_eq!(read_key.attributes["key_type"], "ssh-rsa");

    let write_key = keys[1];
    assert_eq!(write_key.name, "ci deploy (push)");
    assert_eq!(write_key.status, LifecycleStatus::Active);
    assert_eq!(write_key.created, Some(ts("2019-03-01T00:00:00Z")));
    assert_eq!(write_key.last_used, None);
    assert_eq!(write_key.attributes["read_only"], "false");
    assert_eq!(write_key.attributes["key_type"], "ssh-ed25519");
    let credential = batch
        .credentials
        .iter()
        .find(|c| c.identity == write_key.id)
        .unwrap();
    assert_eq!(credential.id, "pcred:github:private_key:2");
    assert_eq!(credential.kind, CredentialKind::PrivateKey);
    assert_eq!(credential.attributes["read_only"], "false");
    assert_eq!(credential.attributes["title"], "ci deploy (push)");
    assert_eq!(credential.attributes["repository"], "acme-corp/api");
    assert_eq!(
        grant_roles(&batch, &write_key.id),
        [("contents:write".into(), "acme-corp/api".into())]
    );
    assert!(batch.grants.iter().any(|g| g.identity == read_key.id
        && g.role == "contents:read"
        && g.kind == GrantKind::KeyScope));

    // Page 2, disabled, never used, no added_by.
    let mirror = keys[2];
    assert_eq!(mirror.provenance[0].position, "page 2: [0]");
    assert_eq!(mirror.status, LifecycleStatus::Disabled);
    assert!(mirror.owners.is_empty());
    assert_eq!(mirror.attributes["key_type"], "ecdsa-sha2-nistp256");
    assert_eq!(mirror.attributes["verified"], "false");

    // The public key body is never kept.
    let dump = format!("{batch:?}");
    assert!(!dump.contains("AAAA"), "key material leaked into the batch");

    // Links: each key holds its credential; the adders created theirs.
    let kinds: Vec<_> = batch
        .links
        .iter()
        .map(|l| (l.from.as_str(), l.to.as_str(), l.kind))
        .collect();
    assert!(kinds.contains(&(
        "github:deploy_key:deploy-key/2",
        "pcred:github:private_key:2",
        LinkKind::HasCredential
    )));
    assert!(kinds.contains(&(
        "person:bob",
        "github:deploy_key:deploy-key/2",
        LinkKind::Created
    )));
    assert_eq!(
        batch
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Human)
            .count(),
        2
    );
}

#[test]
fn org_secrets_are_unowned_credentials_named_for_correlation() {
    let batch = load("org_actions_secrets.json");
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert!(batch.identities.is_empty());
    let ids: Vec<_> = batch.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "pcred:github:generic_secret:actions-secret/org/GIST_ID",
            "pcred:github:generic_secret:actions-secret/org/DEPLOY_TOKEN",
            "pcred:github:generic_secret:actions-secret/org:acme-corp/AWS_SECRET_ACCESS_KEY",
        ]
    );
    let aws = &batch.credentials[2];
    assert_eq!(aws.identity, "");
    assert_eq!(aws.kind, CredentialKind::GenericSecret);
    assert_eq!(aws.created, Some(ts("2021-08-10T14:59:22Z")));
    assert_eq!(aws.last_rotated, Some(ts("2024-02-29T23:59:59Z")));
    assert_eq!(aws.attributes["secret_name"], "AWS_SECRET_ACCESS_KEY");
    assert_eq!(aws.attributes["visibility"], "selected");
    assert_eq!(aws.attributes["organization"], "acme-corp");
    assert_eq!(aws.attributes["secret_scope"], "organization");
    assert_eq!(
        aws.provenance[0].source,
        "gh api --paginate /orgs/{org}/actions/secrets"
    );
    assert_eq!(aws.provenance[0].position, "secrets[2]");
    assert_eq!(batch.credentials[1].attributes["visibility"], "all");
}

#[test]
fn repo_secrets_from_two_pages_with_a_bad_date_and_a_nameless_entry() {
    let name = "repo_actions_secrets.json";
    let batch = load(name);
    let ids: Vec<_> = batch.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "pcred:github:generic_secret:actions-secret/unknown/GH_TOKEN",
            "pcred:github:generic_secret:actions-secret/unknown/NPM_TOKEN",
        ]
    );
    let npm = &batch.credentials[1];
    assert_eq!(npm.attributes["secret_name"], "NPM_TOKEN");
    assert_eq!(npm.attributes["secret_scope"], "repository");
    assert_eq!(npm.created, Some(ts("2023-01-05T10:00:00Z")));
    assert_eq!(npm.last_rotated, None);
    assert_eq!(
        npm.provenance[0].source,
        "gh api --paginate /repos/{owner}/{repo}/actions/secrets"
    );
    assert_eq!(npm.provenance[0].position, "page 1: secrets[1]");
    let positions: Vec<_> = batch.warnings.iter().map(|w| w.position.as_str()).collect();
    assert_eq!(
        positions,
        ["page 1: secrets[1].updated_at", "page 2: secrets[0].name"]
    );
}

#[test]
fn truncated_json_names_file_line_and_column() {
    let err = ingest(
        "installations_truncated.json",
        &fixture("installations_truncated.json"),
    )
    .unwrap_err();
    match &err {
        Error::Json {
            file, line, column, ..
        } => {
            assert_eq!(file, "installations_truncated.json");
            assert_eq!(*line, 38, "the cut-off line");
            assert!(*column > 0);
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.starts_with("installations_truncated.json:38:"),
        "{shown}"
    );
}

#[test]
fn a_broken_second_page_is_an_error_at_its_line() {
    let text = "[{\"id\":1,\"key\":\"ssh-rsa AAAA\",\"url\":\"https://api.github.com/repos/a/b/keys/1\",\"read_only\":true,\"verified\":true}]\n[{\"id\":2,";
    let err = ingest("keys.json", text.as_bytes()).unwrap_err();
    assert!(matches!(err, Error::Json { line: 2, .. }), "{err:?}");
    assert!(!err.to_string().contains("AAAA"));
}

#[test]
fn unreadable_input_is_an_error_naming_the_file() {
    let err = ingest("bin.json", b"[\"\xff\xfe\"]").unwrap_err();
    assert_eq!(
        err,
        Error::InvalidUtf8 {
            file: "bin.json".into(),
            offset: 2
        }
    );
    let err = ingest("pkg.json", br#"{"name":"x","version":"1"}"#).unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "pkg.json: top level: not a GitHub installations, personal-access-tokens, deploy keys or Actions secrets response"
    );
    let err = ingest("empty.json", b"  \n").unwrap_err();
    assert!(err.to_string().starts_with("empty.json: "), "{err}");
    let err = ingest("scalar.json", b"42").unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err:?}");
}

#[test]
fn empty_lists_are_empty_batches() {
    for empty in [
        "[]",
        "[][]",
        r#"{"total_count":0,"secrets":[]}"#,
        r#"{"total_count":0,"installations":[]}"#,
    ] {
        let batch = ingest("empty.json", empty.as_bytes()).unwrap();
        assert!(batch.is_empty() && batch.warnings.is_empty(), "{empty}");
    }
}

#[test]
fn single_entries_streamed_by_jq_are_accepted() {
    // gh api --paginate /orgs/acme/personal-access-tokens --jq '.[]' prints one entry
    // per line.
    let text = concat!(
        r#"{"id":1,"owner":{"login":"zed"},"token_id":11,"token_name":"a","token_expired":false,"token_expires_at":null,"token_last_used_at":null,"access_granted_at":"2024-01-01T00:00:00Z"}"#,
        "\n",
        r#"{"id":2,"owner":{"login":"zed"},"token_id":12,"token_name":"b","token_expired":true,"token_expires_at":"2024-02-01T00:00:00Z","token_last_used_at":null,"access_granted_at":"2024-01-01T00:00:00Z"}"#,
        "\n"
    );
    let batch = ingest("stream.json", text.as_bytes()).unwrap();
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert_eq!(batch.credentials.len(), 2);
    assert_eq!(batch.identities.len(), 1, "one person for both tokens");
    assert_eq!(batch.credentials[1].provenance[0].position, "page 2");
    assert_eq!(batch.credentials[1].status, LifecycleStatus::Expired);
}

#[test]
fn a_foreign_page_among_ours_is_a_warning() {
    let text = concat!(
        r#"{"total_count":1,"secrets":[{"name":"A","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}]}"#,
        r#"{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest"}"#
    );
    let batch = ingest("mixed.json", text.as_bytes()).unwrap();
    assert_eq!(batch.credentials.len(), 1);
    assert_eq!(batch.warnings.len(), 1);
    assert_eq!(batch.warnings[0].position, "page 2");
}

#[test]
fn export_kinds_name_their_commands() {
    assert_eq!(ExportKind::ALL.len(), 5);
    for kind in ExportKind::ALL {
        assert!(kind.command().starts_with("gh api --paginate /"));
        assert_eq!(kind.to_string(), kind.command());
    }
}
