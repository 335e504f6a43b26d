//! Every format parsed from realistic fixture files (all secrets in them are fake).

use std::path::Path;

use nhi_configs::{
    CarriedCredential, CarriedValue, ConfigFormat, ConsumerEntry, detect_format, parse,
};
use nhi_model::ConsumerKind;

fn read(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Detects and parses a fixture, checking the invariants every entry must keep.
fn load(rel: &str, expected: ConfigFormat) -> Vec<ConsumerEntry> {
    let content = read(rel);
    let head = &content[..content.len().min(4096)];
    assert_eq!(detect_format(rel, head), Some(expected), "detect {rel}");
    let entries = parse(expected, rel, &content).unwrap_or_else(|e| panic!("parse {rel}: {e}"));
    let line_count = u32::try_from(content.split(|b| *b == b'\n').count()).unwrap();
    for entry in &entries {
        assert_eq!(entry.tool, expected.tool());
        assert!(
            (1..=line_count).contains(&entry.line),
            "{rel} {} line {}",
            entry.name,
            entry.line
        );
        let debug = format!("{entry:?}");
        for c in &entry.credentials {
            assert!(
                (1..=line_count).contains(&c.line),
                "{rel} {} line {}",
                c.carrier,
                c.line
            );
            if let Some(secret) = c.value.literal() {
                assert!(!debug.contains(secret), "{rel}: Debug leaks {}", c.carrier);
                if let Some(endpoint) = &entry.endpoint {
                    assert!(
                        !endpoint.contains(secret),
                        "{rel}: endpoint leaks {}",
                        c.carrier
                    );
                }
                for (k, v) in &entry.attributes {
                    assert!(
                        !v.contains(secret),
                        "{rel}: attribute {k} leaks {}",
                        c.carrier
                    );
                }
            }
        }
    }
    entries
}

fn entry<'a>(entries: &'a [ConsumerEntry], name: &str) -> &'a ConsumerEntry {
    entries
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no entry {name} in {:?}", names(entries)))
}

fn names(entries: &[ConsumerEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.name.as_str()).collect()
}

fn cred<'a>(entry: &'a ConsumerEntry, carrier: &str) -> &'a CarriedCredential {
    entry
        .credentials
        .iter()
        .find(|c| c.carrier == carrier)
        .unwrap_or_else(|| panic!("{}: no {carrier} in {:?}", entry.name, carriers(entry)))
}

fn carriers(entry: &ConsumerEntry) -> Vec<&str> {
    entry
        .credentials
        .iter()
        .map(|c| c.carrier.as_str())
        .collect()
}

fn literal<'a>(entry: &'a ConsumerEntry, carrier: &str) -> &'a str {
    cred(entry, carrier)
        .value
        .literal()
        .unwrap_or_else(|| panic!("{}: {carrier} is not a literal", entry.name))
}

fn reference<'a>(entry: &'a ConsumerEntry, carrier: &str) -> &'a str {
    cred(entry, carrier)
        .value
        .reference()
        .unwrap_or_else(|| panic!("{}: {carrier} is not a reference", entry.name))
}

fn attr<'a>(entry: &'a ConsumerEntry, key: &str) -> Option<&'a str> {
    entry.attributes.get(key).map(String::as_str)
}

#[test]
fn claude_desktop() {
    let entries = load(
        "claude_desktop/claude_desktop_config.json",
        ConfigFormat::ClaudeDesktop,
    );
    assert_eq!(
        names(&entries),
        ["github", "postgres", "brave-search", "filesystem"]
    );
    let github = entry(&entries, "github");
    assert_eq!(github.kind, ConsumerKind::McpServer);
    assert_eq!(github.line, 3);
    assert_eq!(
        literal(github, "env:GITHUB_PERSONAL_ACCESS_TOKEN"),
        "ghp_FAKE0123456789abcdefghijklmnopqrstuv"
    );
    assert_eq!(cred(github, "env:GITHUB_PERSONAL_ACCESS_TOKEN").line, 7);
    assert_eq!(attr(github, "transport"), Some("stdio"));
    assert_eq!(attr(github, "remote"), None);
    assert_eq!(
        github.endpoint.as_deref(),
        Some("npx -y @modelcontextprotocol/server-github")
    );

    let postgres = entry(&entries, "postgres");
    assert_eq!(literal(postgres, "arg:2"), "Sup3rFakePassw0rd");
    assert_eq!(
        postgres.endpoint.as_deref(),
        Some(
            "npx -y @modelcontextprotocol/server-postgres postgresql://app:<redacted>@db.internal:5432/app"
        )
    );

    let brave = entry(&entries, "brave-search");
    assert_eq!(reference(brave, "env:BRAVE_API_KEY"), "${BRAVE_API_KEY}");
    assert!(entry(&entries, "filesystem").credentials.is_empty());
}

#[test]
fn claude_code_project_file() {
    let entries = load("claude_code/.mcp.json", ConfigFormat::ClaudeCode);
    let sentry = entry(&entries, "sentry");
    assert_eq!(attr(sentry, "transport"), Some("http"));
    assert_eq!(attr(sentry, "remote"), Some("true"));
    assert_eq!(attr(sentry, "scope"), Some("project"));
    assert_eq!(
        sentry.endpoint.as_deref(),
        Some("https://mcp.sentry.dev/mcp")
    );
    assert_eq!(
        reference(sentry, "header:Authorization"),
        "Bearer ${SENTRY_AUTH_TOKEN}"
    );

    let api = entry(&entries, "internal-api");
    assert_eq!(attr(api, "transport"), Some("sse"));
    assert_eq!(literal(api, "url:param:api_key"), "FAKEkey0123456789xyz");
    assert_eq!(literal(api, "header:X-API-Key"), "fake-static-api-key-0001");
    assert_eq!(
        api.endpoint.as_deref(),
        Some("https://api.example.com/mcp/sse?api_key=<redacted>")
    );

    let db = entry(&entries, "db");
    assert_eq!(literal(db, "arg:--password"), "FakeDbPass!234");
    assert_eq!(
        db.endpoint.as_deref(),
        Some("/usr/local/bin/db-mcp --host localhost --password <redacted>")
    );
    assert_eq!(reference(db, "env:DB_PASSWORD"), "${DB_PASSWORD:-}");
    assert_eq!(carriers(db), ["arg:--password", "env:DB_PASSWORD"]);
}

#[test]
fn claude_code_user_file_has_scopes() {
    let entries = load("claude_code/.claude.json", ConfigFormat::ClaudeCode);
    let shop = entry(&entries, "stripe [/home/dev/shop]");
    assert_eq!(attr(shop, "scope"), Some("local"));
    assert_eq!(attr(shop, "project"), Some("/home/dev/shop"));
    assert_eq!(
        literal(shop, "arg:--api-key"),
        "sk_live_FAKEfakeFAKEfake0123456789"
    );
    assert_eq!(
        shop.endpoint.as_deref(),
        Some("npx -y @stripe/mcp --tools=all --api-key=<redacted>")
    );
    let blog = entry(&entries, "stripe [/home/dev/blog]");
    assert_eq!(reference(blog, "arg:--api-key"), "${STRIPE_SECRET_KEY}");
    let linear = entry(&entries, "linear");
    assert_eq!(attr(linear, "scope"), Some("user"));
    assert_eq!(linear.line, 26);
}

#[test]
fn cursor() {
    let entries = load("cursor/.cursor/mcp.json", ConfigFormat::Cursor);
    let userjot = entry(&entries, "userjot");
    assert_eq!(
        reference(userjot, "header:Authorization"),
        "Bearer ${env:USERJOT_API_TOKEN}"
    );
    assert_eq!(attr(userjot, "transport"), Some("http"));
    let geonode = entry(&entries, "geonode");
    assert_eq!(
        literal(geonode, "header:X-Api-Key"),
        "FAKE-geonode-key-7f3a9c"
    );
    let openai = entry(&entries, "openai-tools");
    assert_eq!(carriers(openai), ["env:OPENAI_API_KEY"]);
    assert!(literal(openai, "env:OPENAI_API_KEY").starts_with("sk-proj-"));
}

#[test]
fn vscode_servers_and_inputs() {
    let entries = load("vscode/.vscode/mcp.json", ConfigFormat::VsCode);
    assert_eq!(names(&entries), ["perplexity", "github", "fetch"]);
    let perplexity = entry(&entries, "perplexity");
    assert_eq!(
        reference(perplexity, "env:PERPLEXITY_API_KEY"),
        "${input:perplexity-key}"
    );
    assert_eq!(attr(perplexity, "inputs"), Some("perplexity-key"));
    assert_eq!(perplexity.line, 12);
    let github = entry(&entries, "github");
    // The literal is the token after the scheme.
    assert!(literal(github, "header:Authorization").starts_with("github_pat_FAKE"));
    assert!(!literal(github, "header:Authorization").starts_with("Bearer"));
    let fetch = entry(&entries, "fetch");
    assert_eq!(attr(fetch, "env_file"), Some("${workspaceFolder}/.env"));
}

#[test]
fn windsurf() {
    let entries = load("windsurf/mcp_config.json", ConfigFormat::Windsurf);
    let talaria = entry(&entries, "talaria");
    assert_eq!(
        talaria.endpoint.as_deref(),
        Some("https://api.example.dev/mcp")
    );
    assert_eq!(attr(talaria, "remote"), Some("true"));
    assert_eq!(
        literal(talaria, "header:Authorization"),
        "FAKE.windsurf.token.value"
    );
    let slack = entry(&entries, "slack");
    assert_eq!(carriers(slack), ["env:SLACK_BOT_TOKEN"]);
    assert_eq!(attr(slack, "disabled"), None);
}

#[test]
fn gemini_transports() {
    let entries = load("gemini/.gemini/settings.json", ConfigFormat::GeminiCli);
    let github = entry(&entries, "github");
    assert_eq!(attr(github, "transport"), Some("http"));
    assert!(literal(github, "header:Authorization").starts_with("ghp_FAKE"));
    assert_eq!(attr(entry(&entries, "events"), "transport"), Some("sse"));
    let server = entry(&entries, "serverName");
    assert_eq!(reference(server, "env:API_KEY"), "$MY_API_TOKEN");
    assert_eq!(
        server.endpoint.as_deref(),
        Some("path/to/server --arg1 value1")
    );
}

#[test]
fn continue_json_yaml_and_blocks() {
    let json = load("continue/.continue/config.json", ConfigFormat::Continue);
    let gpt = entry(&json, "model:GPT-4");
    assert_eq!(gpt.kind, nhi_model::ConsumerKind::AgentModel);
    assert_eq!(attr(gpt, "provider"), Some("openai"));
    assert!(literal(gpt, "key:models[0].apiKey").starts_with("sk-FAKE"));
    assert_eq!(cred(gpt, "key:models[0].apiKey").line, 7);
    let compatible = entry(&json, "model:My Open AI Compatible Model");
    assert_eq!(
        literal(compatible, "header:X-Auth-Token"),
        "fake-header-token-5551"
    );
    assert_eq!(compatible.endpoint.as_deref(), Some("http://3.3.3.3/v1"));
    let codestral = entry(&json, "model:Codestral");
    assert_eq!(
        cred(codestral, "key:tabAutocompleteModel.apiKey").value,
        CarriedValue::Empty
    );
    assert!(entry(&json, "model:Ollama").credentials.is_empty());
    let sqlite = entry(&json, "modelContextProtocolServers[0]");
    assert_eq!(attr(sqlite, "transport"), Some("stdio"));
    assert_eq!(
        sqlite.endpoint.as_deref(),
        Some("uvx mcp-server-sqlite --db-path /tmp/test.db")
    );

    let yaml = load("continue/.continue/config.yaml", ConfigFormat::Continue);
    let claude = entry(&yaml, "model:Claude Sonnet");
    assert_eq!(
        reference(claude, "key:models[0].apiKey"),
        "${{ secrets.ANTHROPIC_API_KEY }}"
    );
    assert_eq!(claude.line, 5);
    let qwen = entry(&yaml, "model:Local Qwen");
    assert_eq!(
        literal(qwen, "key:models[1].apiKey"),
        "FAKE-local-qwen-key-98765"
    );
    assert_eq!(cred(qwen, "key:models[1].apiKey").line, 14);
    let brave = entry(&yaml, "Brave Search");
    assert_eq!(
        reference(brave, "env:BRAVE_API_KEY"),
        "{{ secrets.BRAVE_API_KEY }}"
    );
    let docs = entry(&yaml, "Remote Docs");
    assert_eq!(attr(docs, "transport"), Some("http"));
    assert_eq!(
        literal(docs, "header:Authorization"),
        "FAKEremoteDocsToken42"
    );

    let block = load(
        "continue/.continue/mcpServers/playwright-mcp.yaml",
        ConfigFormat::Continue,
    );
    assert_eq!(names(&block), ["Browser search"]);
    assert_eq!(
        block[0].endpoint.as_deref(),
        Some("npx @playwright/mcp@latest")
    );

    let bare = load(
        "continue/.continue/mcpServers/ctxo.json",
        ConfigFormat::Continue,
    );
    assert_eq!(names(&bare), ["ctxo"]);
    assert_eq!(
        reference(&bare[0], "env:CTXO_TOKEN"),
        "op://Engineering/ctxo/token"
    );
}

fn workflow(file: &str) -> ConsumerEntry {
    let rel = format!("workflows/.github/workflows/{file}");
    let mut entries = load(&rel, ConfigFormat::GithubWorkflow);
    assert_eq!(entries.len(), 1);
    let entry = entries.remove(0);
    assert_eq!(entry.kind, ConsumerKind::Workflow);
    entry
}

#[test]
fn workflow_aws_oidc() {
    let wf = workflow("deploy-oidc.yml");
    assert_eq!(wf.name, "Deploy (OIDC)");
    assert_eq!(attr(&wf, "cloud_auth"), Some("oidc"));
    assert_eq!(attr(&wf, "cloud_providers"), Some("aws"));
    assert_eq!(
        attr(&wf, "permissions"),
        Some("scoped:contents=read,id-token=write")
    );
    assert_eq!(attr(&wf, "permissions_write"), Some("id-token"));
    assert_eq!(attr(&wf, "triggers"), Some("push,workflow_dispatch"));
    assert_eq!(
        reference(&wf, "secret:SLACK_WEBHOOK"),
        "${{ secrets.SLACK_WEBHOOK }}"
    );
    assert_eq!(cred(&wf, "secret:SLACK_WEBHOOK").line, 24);
    assert!(!wf.attributes.contains_key("pull_request_target"));
}

#[test]
fn workflow_static_keys() {
    let wf = workflow("static-keys.yaml");
    assert_eq!(attr(&wf, "cloud_auth"), Some("static_keys"));
    assert_eq!(attr(&wf, "cloud_providers"), Some("aws,gcp"));
    assert_eq!(attr(&wf, "permissions"), Some("scoped:contents=write"));
    assert_eq!(attr(&wf, "permissions_write"), Some("contents"));
    assert_eq!(attr(&wf, "triggers"), Some("schedule"));
    assert_eq!(
        carriers(&wf),
        [
            "env:DATADOG_API_KEY",
            "secret:AWS_ACCESS_KEY_ID",
            "secret:AWS_SECRET_ACCESS_KEY",
            "secret:GCP_SA_KEY"
        ]
    );
    assert_eq!(
        literal(&wf, "env:DATADOG_API_KEY"),
        "FAKEdatadog0123456789abcdef0123"
    );
    assert_eq!(cred(&wf, "env:DATADOG_API_KEY").line, 11);
    assert_eq!(cred(&wf, "secret:AWS_SECRET_ACCESS_KEY").line, 20);
}

#[test]
fn workflow_write_all_and_pull_request_target() {
    let wf = workflow("release.yml");
    assert_eq!(attr(&wf, "permissions"), Some("write-all"));
    assert_eq!(attr(&wf, "permissions_write"), Some("all"));
    assert_eq!(attr(&wf, "pull_request_target"), Some("true"));
    assert_eq!(attr(&wf, "triggers"), Some("pull_request_target,push"));
    assert_eq!(attr(&wf, "cloud_auth"), Some("none"));
    assert_eq!(carriers(&wf), ["secret:GITHUB_TOKEN", "secret:NPM_TOKEN"]);
}

#[test]
fn workflow_without_permissions_block_is_default_and_mixed() {
    let wf = workflow("lint.yml");
    // No `name:`: the file name stands in.
    assert_eq!(wf.name, "lint.yml");
    // One job has no block anywhere, so its token gets the repository default.
    assert_eq!(attr(&wf, "permissions"), Some("default"));
    assert_eq!(attr(&wf, "triggers"), Some("pull_request"));
    // Azure and GCP federate; the literal AWS keys in a step's env are static.
    assert_eq!(attr(&wf, "cloud_auth"), Some("mixed"));
    assert_eq!(attr(&wf, "cloud_providers"), Some("aws,azure,gcp"));
    assert_eq!(
        literal(&wf, "env:AWS_ACCESS_KEY_ID"),
        "AKIAFAKEFAKEFAKE2345"
    );
    assert!(cred(&wf, "env:AWS_SECRET_ACCESS_KEY").value.is_literal());
    assert_eq!(
        reference(&wf, "secret:AZURE_CLIENT_ID"),
        "${{ secrets.AZURE_CLIENT_ID }}"
    );
}

#[test]
fn dotenv() {
    let entries = load("dotenv/.env", ConfigFormat::DotEnv);
    assert_eq!(entries.len(), 1);
    let env = &entries[0];
    assert_eq!(env.kind, ConsumerKind::EnvFile);
    assert_eq!(env.name, ".env");
    assert_eq!(
        carriers(env),
        [
            "env:OPENAI_API_KEY",
            "env:DATABASE_URL",
            "env:STRIPE_SECRET_KEY",
            "env:JWT_PRIVATE_KEY",
            "env:SESSION_SECRET",
            "env:EMPTY_TOKEN"
        ]
    );
    assert_eq!(
        literal(env, "env:OPENAI_API_KEY"),
        "sk-proj-FAKEdotenvFAKEdotenvFAKEdotenv0123456789"
    );
    assert_eq!(cred(env, "env:OPENAI_API_KEY").line, 4);
    assert_eq!(literal(env, "env:DATABASE_URL"), "FakeDbSecret99");
    assert_eq!(
        reference(env, "env:STRIPE_SECRET_KEY"),
        "${STRIPE_SECRET_KEY}"
    );
    let pem = literal(env, "env:JWT_PRIVATE_KEY");
    assert!(
        pem.starts_with("-----BEGIN PRIVATE KEY-----\n")
            && pem.ends_with("-----END PRIVATE KEY-----")
    );
    assert_eq!(
        literal(env, "env:SESSION_SECRET"),
        "fake-session-secret-value"
    );
    assert_eq!(cred(env, "env:SESSION_SECRET").line, 10);
    assert_eq!(cred(env, "env:EMPTY_TOKEN").value, CarriedValue::Empty);
    assert_eq!(attr(env, "variables"), Some("9"));
}

#[test]
fn aws_credentials_and_config() {
    let creds = load("aws/.aws/credentials", ConfigFormat::AwsCli);
    assert_eq!(names(&creds), ["default", "temp", "vault"]);
    let default = entry(&creds, "default");
    assert_eq!(default.kind, ConsumerKind::CloudCliProfile);
    assert_eq!(attr(default, "auth"), Some("static_keys"));
    assert_eq!(
        literal(default, "key:aws_access_key_id"),
        "AKIAFAKEFAKEFAKE2345"
    );
    assert_eq!(cred(default, "key:aws_secret_access_key").line, 3);
    assert_eq!(attr(entry(&creds, "temp"), "auth"), Some("session"));
    let vault = entry(&creds, "vault");
    assert_eq!(attr(vault, "auth"), Some("credential_process"));
    assert!(reference(vault, "key:credential_process").starts_with("/usr/local/bin/aws-vault"));

    let config = load("aws/.aws/config", ConfigFormat::AwsCli);
    assert_eq!(names(&config), ["default", "deploy", "dev-sso"]);
    let deploy = entry(&config, "deploy");
    assert_eq!(attr(deploy, "auth"), Some("assume_role"));
    assert_eq!(
        attr(deploy, "role_arn"),
        Some("arn:aws:iam::123456789012:role/deploy")
    );
    assert_eq!(attr(deploy, "source_profile"), Some("default"));
    assert_eq!(deploy.line, 5);
    assert_eq!(attr(entry(&config, "dev-sso"), "auth"), Some("sso"));
    assert!(entry(&config, "default").credentials.is_empty());
}

#[test]
fn gcloud_credential_types() {
    let adc = load(
        "gcloud/application_default_credentials.json",
        ConfigFormat::GcloudAdc,
    );
    assert_eq!(adc.len(), 1);
    let user = &adc[0];
    assert_eq!(user.name, "application_default_credentials");
    assert_eq!(attr(user, "type"), Some("authorized_user"));
    assert_eq!(carriers(user), ["key:client_secret", "key:refresh_token"]);
    assert_eq!(
        literal(user, "key:refresh_token"),
        "1//0FAKErefreshTOKENfakeREFRESHtoken"
    );
    assert_eq!(cred(user, "key:refresh_token").line, 6);
    assert_eq!(attr(user, "federated"), None);

    let wif = load("gcloud/wif.json", ConfigFormat::GcloudAdc);
    let wif = &wif[0];
    assert_eq!(attr(wif, "type"), Some("external_account"));
    assert_eq!(attr(wif, "federated"), Some("true"));
    assert_eq!(attr(wif, "credential_source"), Some("aws"));
    assert_eq!(
        attr(wif, "impersonates"),
        Some("runner@my-project.iam.gserviceaccount.com")
    );
    assert!(wif.credentials.is_empty());

    let sa = load("gcloud/sa-key.json", ConfigFormat::GcloudAdc);
    let sa = &sa[0];
    assert_eq!(sa.name, "ci-bot@my-project.iam.gserviceaccount.com");
    assert_eq!(
        attr(sa, "private_key_id"),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    assert!(literal(sa, "key:private_key").starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn a_nested_service_account_type_is_not_a_google_credential_file() {
    // OpenAI's project key list names service-account owners with this exact pair.
    let text = br#"{"object": "list", "data": [{"object": "organization.project.api_key",
        "owner": {"type": "service_account", "service_account": {"id": "svc_acct_1"}}}]}"#;
    if detect_format("exports/openai.json", &text[..]) == Some(ConfigFormat::GcloudAdc) {
        let entries = parse(ConfigFormat::GcloudAdc, "exports/openai.json", text).unwrap();
        assert!(entries.is_empty(), "{entries:?}");
    }
}

#[test]
fn kubeconfig_users() {
    let entries = load("kube/config", ConfigFormat::Kubeconfig);
    assert_eq!(
        names(&entries),
        ["admin", "cert-user", "eks-user", "basic", "oidc"]
    );
    let admin = entry(&entries, "admin");
    assert_eq!(admin.kind, ConsumerKind::KubeconfigUser);
    assert_eq!(admin.line, 22);
    assert_eq!(
        literal(admin, "key:token"),
        "FAKEkubeTOKENfakeKUBEtokenFAKE"
    );
    assert_eq!(cred(admin, "key:token").line, 24);
    assert_eq!(attr(admin, "auth"), Some("token"));
    assert_eq!(attr(admin, "current"), Some("true"));
    assert_eq!(attr(admin, "clusters"), Some("prod"));
    assert_eq!(
        admin.endpoint.as_deref(),
        Some("https://prod.k8s.example.com:6443")
    );
    let cert = entry(&entries, "cert-user");
    assert_eq!(carriers(cert), ["key:client-key-data"]);
    assert_eq!(attr(cert, "auth"), Some("client_cert"));
    let eks = entry(&entries, "eks-user");
    assert_eq!(attr(eks, "auth"), Some("exec"));
    assert_eq!(
        attr(eks, "exec"),
        Some("aws eks get-token --cluster-name prod")
    );
    assert!(eks.credentials.is_empty());
    let basic = entry(&entries, "basic");
    assert_eq!(literal(basic, "key:password"), "FakeBasicPassw0rd");
    assert_eq!(attr(basic, "username"), Some("admin"));
    let oidc = entry(&entries, "oidc");
    assert_eq!(attr(oidc, "auth_provider"), Some("oidc"));
    assert_eq!(
        carriers(oidc),
        [
            "key:auth-provider.config.client-secret",
            "key:auth-provider.config.id-token"
        ]
    );
}

#[test]
fn compose_services() {
    let entries = load("compose/docker-compose.yml", ConfigFormat::Compose);
    assert_eq!(names(&entries), ["web", "db", "cache"]);
    let web = entry(&entries, "web");
    assert_eq!(web.kind, ConsumerKind::ComposeService);
    assert_eq!(web.endpoint.as_deref(), Some("ghcr.io/example/web:1.2"));
    assert_eq!(literal(web, "env:DATABASE_URL"), "FakeComposePw1");
    assert_eq!(
        literal(web, "env:SECRET_KEY_BASE"),
        "fake-secret-key-base-0000"
    );
    assert_eq!(reference(web, "env:API_TOKEN"), "${API_TOKEN}");
    // A fallback written into the file is a literal the service runs with.
    assert_eq!(literal(web, "env:REDIS_PASSWORD"), "devpassword123");
    assert_eq!(
        reference(web, "secret:server-certificate"),
        "file:./server.cert"
    );
    assert_eq!(
        reference(web, "secret:oauth_token"),
        "environment:OAUTH_TOKEN"
    );
    assert_eq!(attr(web, "env_files"), Some(".env,./override.env"));
    assert!(!carriers(web).contains(&"env:LOG_LEVEL"));
    let db = entry(&entries, "db");
    assert_eq!(literal(db, "env:POSTGRES_PASSWORD"), "FakeComposePw1");
    assert_eq!(cred(db, "env:POSTGRES_PASSWORD").line, 25);
    assert_eq!(reference(db, "env:GITHUB_TOKEN"), "inherited:GITHUB_TOKEN");
    let cache = entry(&entries, "cache");
    assert_eq!(literal(cache, "arg:--requirepass"), "FakeRedisPass77");
    assert_eq!(
        attr(cache, "command"),
        Some("redis-server --requirepass <redacted>")
    );
}

#[test]
fn debug_of_carried_value_is_redacted() {
    let entries = load("cursor/.cursor/mcp.json", ConfigFormat::Cursor);
    let debug = format!("{entries:#?}");
    assert!(debug.contains("Literal(<redacted>)"));
    assert!(!debug.contains("FAKE-geonode-key-7f3a9c"));
    assert!(!debug.contains("sk-proj-FAKE"));
    assert!(debug.contains("Bearer ${env:USERJOT_API_TOKEN}"));
}
