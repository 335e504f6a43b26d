use super::*;

#[test]
fn an_empty_file_is_the_default_policy() {
    let policy = Policy::from_toml("nhi.toml", "").unwrap();
    assert_eq!(policy.thresholds, Thresholds::default());
    assert_eq!(policy.thresholds.key_age_days_for("critical"), 30);
    assert_eq!(policy.thresholds.key_age_days_for("high"), 60);
    assert_eq!(policy.thresholds.key_age_days_for("low"), 90);
    assert_eq!(policy.thresholds.unused_after_days, 90);
    assert_eq!(
        policy.thresholds.max_token_lifetime_high_risk,
        Duration::from_secs(3600)
    );
    assert!(policy.owners.required);
}

#[test]
fn a_full_policy_reads() {
    let policy = Policy::from_toml(
        "nhi.toml",
        r#"
[thresholds]
key_age_days = { critical = 14, high = 45, default = 180 }
unused_after_days = 60
max_token_lifetime_high_risk = "15m"

[[environment]]
match = "^prd-|-production$"
env = "Prod"

[sensitive]
accounts = ["123456789012"]
resources = ["arn:aws:s3:::acme-customer-*"]

[owners]
required = true
domains = ["acme-corp.io"]
tag_keys = ["owner", "cost-center-owner"]
"#,
    )
    .unwrap();
    assert_eq!(policy.thresholds.key_age_critical_days, 14);
    assert_eq!(policy.thresholds.key_age_days, 180);
    assert_eq!(
        policy.thresholds.max_token_lifetime_high_risk,
        Duration::from_secs(900)
    );
    assert_eq!(policy.environments[0].env, "prod");
    assert!(policy.environments[0].pattern.is_match("PRD-payments"));
    assert!(policy.owner_allowed("dan@acme-corp.io"));
    assert!(policy.owner_allowed("x@eu.acme-corp.io"));
    assert!(!policy.owner_allowed("dan@gmail.com"));
    assert!(!policy.owner_allowed("@acme/platform"));
}

#[test]
fn mistakes_are_refused_with_their_position_or_field() {
    let cases: &[(&str, &str)] = &[
        ("[thresholds]\nkey_age = 30\n", "nhi.toml:2:1"),
        ("[tresholds]\n", "nhi.toml:1:"),
        (
            "[thresholds]\nkey_age_days = { critical = 90, high = 60 }\n",
            "critical (90) <= high (60) <= default (90)",
        ),
        (
            "[thresholds]\nunused_after_days = 0\n",
            "thresholds.unused_after_days: 0 is not a number of days",
        ),
        (
            "[thresholds]\nmax_token_lifetime_high_risk = \"an hour\"\n",
            "is not a duration",
        ),
        (
            "[[environment]]\nmatch = \"(\"\nenv = \"prod\"\n",
            "environment[0].match",
        ),
        (
            "[owners]\ndomains = [\"not a domain\"]\n",
            "owners.domains[0]",
        ),
        ("[thresholds\n", "nhi.toml:1:"),
    ];
    for (text, expected) in cases {
        let error = Policy::from_toml("nhi.toml", text).unwrap_err().to_string();
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn durations_in_both_spellings() {
    assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
    assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
    assert_eq!(parse_duration("PT1H").unwrap(), Duration::from_secs(3600));
    assert!(parse_duration("0m").is_err());
    assert!(parse_duration("-5m").is_err());
    assert!(parse_duration("h").is_err());
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n]{0,200}") {
        let _ = Policy::from_toml("nhi.toml", &text);
    }
}

#[test]
fn vetted_mcp_servers_match_by_package_or_url_pattern() {
    let policy = Policy::from_toml(
        "nhi.toml",
        r#"
[mcp]
vetted = ["@modelcontextprotocol/server-github@*", "https://mcp.acme-corp.io/*", "mcp-server-fetch"]
"#,
    )
    .unwrap();
    let mcp = &policy.mcp;
    assert!(mcp.is_vetted("@modelcontextprotocol/server-github@2025.4.8"));
    assert!(!mcp.is_vetted("@modelcontextprotocol/server-github"));
    assert!(mcp.is_vetted("https://mcp.acme-corp.io/v1/sse"));
    assert!(!mcp.is_vetted("https://mcp.acme-corp.io.evil.example/v1"));
    assert!(mcp.is_vetted("MCP-Server-Fetch"));
    assert!(!mcp.is_vetted("mcp-server-fetch-extra"));
    assert!(!Policy::default().mcp.is_vetted("anything"));
}

#[test]
fn a_vetted_list_that_vets_everything_is_refused() {
    let error = Policy::from_toml("nhi.toml", "[mcp]\nvetted = [\"*\"]\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("mcp.vetted[0]"), "{error}");
}
