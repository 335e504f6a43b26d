//! Behaviour of `detect`: decoys, positions, inline ignores, attributes, redaction,
//! user rules files, and robustness on arbitrary bytes.

use nhi_rules::{Detection, RuleSet, RulesError};
use proptest::prelude::*;

static BUILTIN: std::sync::LazyLock<RuleSet> =
    std::sync::LazyLock::new(|| match RuleSet::builtin() {
        Ok(set) => set,
        Err(e) => panic!("built-in rules fail to load: {e}"),
    });

fn rules() -> &'static RuleSet {
    &BUILTIN
}

fn ids<'a>(set: &'a RuleSet, found: &[Detection]) -> Vec<&'a str> {
    found
        .iter()
        .map(|d| set.rules()[d.rule_index].id.as_str())
        .collect()
}

/// A GitHub-style token with a valid checksum, built the way GitHub documents it.
fn github_token(prefix: &str, random: &str) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = crc32fast::hash(random.as_bytes());
    let mut checksum = [b'0'; 6];
    for slot in checksum.iter_mut().rev() {
        *slot = B62[(value % 62) as usize];
        value /= 62;
    }
    format!("{prefix}{random}{}", String::from_utf8_lossy(&checksum))
}

const RANDOM30: &str = "Q7vLm2XkP9wRt4ZbN8cJh3GdF6sYa1";

#[test]
fn decoys_are_not_reported() {
    let set = rules();
    let good = github_token("ghp_", RANDOM30);
    let mut bad = good.clone();
    let last = bad.pop().unwrap_or('0');
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let decoys = [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".to_string(),
        "OPENAI_API_KEY=your-key-here\nANTHROPIC_API_KEY=<YOUR_TOKEN>\nAPI_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxx\n".to_string(),
        "SECRET_KEY=${SECRET_KEY}\nAPI_TOKEN=$API_TOKEN\ntoken: ${{ secrets.DEPLOY_TOKEN }}\n".to_string(),
        "password = os.environ[\"DB_PASSWORD\"]\napi_key = os.getenv(\"API_KEY\")\nconst token = process.env.GITHUB_TOKEN;\n".to_string(),
        "secret: {{ .Values.secret }}\npassword: \"%(db_password)s\"\nauth_token: ENV[\"AUTH_TOKEN\"]\n".to_string(),
        "password: \"********************\"\napi_key: \"••••••••••••••••••\"\ntoken: [REDACTED]\nsecret: <redacted>\n".to_string(),
        "STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dcAbCdEf\nSTRIPE_PUBLISHABLE_KEY=pk_live_51HxYzAbCdEfGhIjKlMnOpQrSt\n".to_string(),
        format!("GITHUB_TOKEN={bad}\n"),
        "api_key = \"1234567890123456789012345\"\nsecret = \"aaaaaaaaaaaaaaaaaaaaaaaa\"\nCHANGEME_TOKEN=REPLACE_ME\n".to_string(),
        "aws_access_key_id = \"AKIAQ2M7RZK4EXAMPLE\"  # from the AWS docs\n".to_string(),
        "SESSION_SECRET = \"abcabcabcabcabcabcabc\"\n\tadminPassword := \"passwordpassword\"\n".to_string(),
        "\tgithubToken := os.Getenv(\"GITHUB_TOKEN\")\nconst clientSecret = \"REPLACE_ME\";\n".to_string(),
        "DATABASE_URL=postgres://app:password@localhost:5432/app\nDATADOG_API_KEY=********************\n".to_string(),
        "request_id = \"3f2a9c4e-7b1d-4e8f-a6c2-9d0b5e7f1a34\"\n\tbuildCommit = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b\"\n".to_string(),
        "pub fn parse(tokens: proc_macro::TokenStream) -> Result<T> {\n  nToken = FTS5_MAX_TOKEN_SIZE;\n".to_string(),
    ];
    for decoy in &decoys {
        let found = set.detect(decoy.as_bytes());
        assert!(found.is_empty(), "decoy reported as {:?}", ids(set, &found));
    }
    // The same token with its real checksum is found.
    let found = set.detect(format!("GITHUB_TOKEN={good}\n").as_bytes());
    assert_eq!(ids(set, &found), ["github-classic-pat"]);
    assert_eq!(found[0].secret.as_str(), good);
}

#[test]
fn lines_and_columns_are_one_based_bytes() {
    let set = rules();
    let token = github_token("ghp_", RANDOM30);
    let text = format!("first line\n\n  héllo = 1\n    token: {token} # trailing\n");
    let found = set.detect(text.as_bytes());
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!((d.line, d.column), (4, 12));
    assert_eq!(&text[d.start..d.end], token);

    // Two detections on different lines, counted incrementally.
    let other = github_token("gho_", "Zr8Kq3LpW5xN2mVb7TcH4jYf9Gd6Sa");
    let text = format!("{token}\nx\n\tkey: {other}\n");
    let found = set.detect(text.as_bytes());
    let positions: Vec<(u32, u32)> = found.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(positions, [(1, 1), (3, 7)]);
}

#[test]
fn inline_ignore_marks_this_line_and_the_next() {
    let set = rules();
    let token = github_token("ghp_", RANDOM30);
    let same_line = format!("TOKEN={token} # nhi:ignore\n");
    let line_above = format!("# nhi:ignore test fixture\nTOKEN={token}\n");
    let two_above = format!("# nhi:ignore\n\nTOKEN={token}\n");
    let flags: Vec<bool> = [same_line, line_above, two_above]
        .iter()
        .map(|text| {
            let found = set.detect(text.as_bytes());
            assert_eq!(found.len(), 1);
            found[0].inline_ignored
        })
        .collect();
    assert_eq!(flags, [true, true, false]);
}

#[test]
fn debug_output_never_contains_the_secret() {
    let set = rules();
    let token = github_token("ghp_", RANDOM30);
    let found = set.detect(format!("token={token}").as_bytes());
    assert_eq!(found.len(), 1);
    let debug = format!("{:?}", found[0]);
    assert!(!debug.contains(&token));
    assert!(!debug.contains(RANDOM30));
    assert!(debug.contains("redacted"));
    let preview = found[0].preview(set);
    assert!(preview.as_str().starts_with("ghp_"));
    assert!(!preview.as_str().contains(RANDOM30));
}

#[test]
fn aws_pair_reports_the_secret_with_key_id_and_beats_the_lone_id() {
    let set = rules();
    let text = "[prod]\naws_access_key_id = AKIAQ2M7RZK4XW5TBN3D\nregion = eu-west-1\naws_secret_access_key = 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\n";
    let found = set.detect(text.as_bytes());
    assert_eq!(ids(set, &found), ["aws-access-key"]);
    let d = &found[0];
    assert_eq!(
        d.secret.as_str(),
        "Zk3+Qw8/Lm2PvR7tYb4NcX9hJd6FsGa1WeUo5KiV"
    );
    assert_eq!(d.external_id.as_deref(), Some("AKIAQ2M7RZK4XW5TBN3D"));
    assert_eq!(d.line, 4);

    // Without a secret nearby only the lone key ID is reported, at medium confidence.
    let found = set.detect(b"AWS_ACCESS_KEY_ID=AKIAQ2M7RZK4XW5TBN3D\n");
    assert_eq!(ids(set, &found), ["aws-access-key-id"]);
}

#[test]
fn jwt_claims_become_attributes_and_non_json_is_rejected() {
    use base64::Engine;
    let set = rules();
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let jwt = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64(r#"{"iss":"supabase","sub":"svc-7f3a","role":"service_role","exp":2051222400}"#),
        "Vq3kP9LmZx2RtW7bN4cJh8GdF6sYa1E0uQ"
    );
    let found = set.detect(format!("KEY={jwt}\n").as_bytes());
    assert_eq!(ids(set, &found), ["jwt"]);
    let attrs = &found[0].attributes;
    assert_eq!(attrs.get("iss").map(String::as_str), Some("supabase"));
    assert_eq!(attrs.get("role").map(String::as_str), Some("service_role"));
    assert_eq!(attrs.get("exp").map(String::as_str), Some("2051222400"));
    assert_eq!(attrs.get("sub").map(String::as_str), Some("svc-7f3a"));

    let array_payload = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"HS256"}"#),
        b64(r#"["eyJ", "not", "an", "object"]"#),
        "Vq3kP9LmZx2RtW7bN4cJh8GdF6sYa1E0uQ"
    );
    // The payload no longer starts with eyJ, so build one that does but is not JSON.
    let not_json = format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJ{}.Vq3kP9LmZx2RtW7bN4cJh8GdF6sYa1E0uQ",
        "zzzzzzzzzzzz"
    );
    for text in [array_payload, not_json] {
        let found = set.detect(text.as_bytes());
        assert!(ids(set, &found).iter().all(|id| *id != "jwt"), "{text}");
    }
}

#[test]
fn gcp_service_account_in_raw_and_escaped_json() {
    let set = rules();
    let body: String = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q"
        .chars()
        .chain(
            "Zk3Qw8Lm2PvR7tYb4NcX9hJd6FsGa1WeUo5KiVBn0Mx"
                .chars()
                .cycle()
                .take(300),
        )
        .collect();
    let key = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    let json_key = key.replace('\n', "\\n");
    let doc = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"orders-prod\",\n  \"private_key_id\": \"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c\",\n  \"private_key\": \"{json_key}\",\n  \"client_email\": \"loader@orders-prod.iam.gserviceaccount.com\"\n}}\n"
    );
    let escaped = format!(
        "CREDS=\"{}\"\n",
        doc.replace('\n', "")
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    );
    for text in [doc, escaped] {
        let found = set.detect(text.as_bytes());
        assert_eq!(ids(set, &found), ["gcp-service-account"], "{text}");
        let d = &found[0];
        assert_eq!(
            d.secret.as_str(),
            key,
            "canonical key is the decoded JSON string"
        );
        assert_eq!(
            d.external_id.as_deref(),
            Some("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c")
        );
        assert_eq!(
            d.attributes.get("client_email").map(String::as_str),
            Some("loader@orders-prod.iam.gserviceaccount.com")
        );
        assert!(d.preview(set).as_str().starts_with("-----BEGIN "));
    }
}

#[test]
fn database_url_preview_hides_the_password() {
    let set = rules();
    let text = "DATABASE_URL=postgresql://orders:Xq7LmP2vR9tZ4wKb@db-1.internal:5432/orders\n";
    let found = set.detect(text.as_bytes());
    assert_eq!(ids(set, &found), ["database-url"]);
    let d = &found[0];
    assert_eq!(
        d.secret.as_str(),
        "postgresql://orders:Xq7LmP2vR9tZ4wKb@db-1.internal:5432/orders"
    );
    assert_eq!(
        d.attributes.get("host").map(String::as_str),
        Some("db-1.internal")
    );
    assert_eq!(
        d.attributes.get("scheme").map(String::as_str),
        Some("postgresql")
    );
    assert_eq!(
        d.attributes.get("database").map(String::as_str),
        Some("orders")
    );
    let preview = d.preview(set);
    assert!(preview.as_str().starts_with("postgresql://"));
    assert!(!preview.as_str().contains("Xq7L"), "{preview}");
    assert!(!preview.as_str().contains("4wKb"), "{preview}");
}

#[test]
fn specific_rule_beats_generic_on_the_same_span() {
    let set = rules();
    let found = set.detect(b"MISTRAL_API_KEY=Qw8Lm2PvR7tYb4NcX9hJd6FsGa1WeUo5\n");
    assert_eq!(ids(set, &found), ["mistral-api-key"]);
    let found = set.detect(b"SERVICE_TOKEN=Qw8Lm2PvR7tYb4NcX9hJd6FsGa1WeUo5\n");
    assert_eq!(ids(set, &found), ["generic-secret-assignment"]);
}

/// A match the checks turn away no longer hides a match inside it: the URL assigned to
/// an auth-named variable is rejected (a URL is no secret), and the search used to go on
/// after it, past the token in its query.
#[test]
fn a_rejected_value_can_hold_a_match_of_its_own() {
    let set = rules();
    let token = "Zx9Qm2Lk7Wp4Rt8Y1bcDEfgH";
    for text in [
        format!("AUTH_CALLBACK_URL = \"https://api.example.com/v1/hook?token={token}\"\n"),
        format!("auth_redirect: https://login.example.com/cb?x=1&access_token={token}\n"),
        format!("{{\"oauth_endpoint\": \"https://example.com/a?api_key={token}\"}}\n"),
    ] {
        let found = set.detect(text.as_bytes());
        assert_eq!(ids(set, &found), ["generic-secret-assignment"], "{text}");
        assert_eq!(&text[found[0].start..found[0].end], token, "{text}");
    }
    // The value alone is still nothing.
    let url = "AUTH_CALLBACK_URL = \"https://api.example.com/v1/hook?page=2&sort=name\"\n";
    assert!(set.detect(url.as_bytes()).is_empty());
    // Outside a URL's query a keyword in a rejected value is part of a name: the
    // `secret:` of a Secrets Manager ARN does not start an assignment.
    let arn = "\"ARN\": \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-db/orders_svc-EZkcJ2\",\n";
    assert!(set.detect(arn.as_bytes()).is_empty());
}

/// Resuming inside rejected matches stays bounded: a line that is one long chain of
/// URLs nested in each other's queries, each rejected, is searched in capped windows,
/// each resumed at most a fixed number of times.
#[test]
fn nested_rejected_urls_stay_bounded() {
    let set = rules();
    let text = "auth_url=https://h.example/?".repeat(5_000) + "\n";
    let started = std::time::Instant::now();
    let found = set.detect(text.as_bytes());
    let elapsed = started.elapsed();
    assert!(found.is_empty(), "{:?}", ids(set, &found));
    // Debug builds are slow; this only catches quadratic blow-ups.
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
}

#[test]
fn context_rules_look_three_lines_up_and_no_further() {
    let set = rules();
    let key = "Qw8Lm2PvR7tYb4NcX9hJd6FsGa1WeUo5";
    let near = format!("# mistral\na=1\nb=2\nk = \"{key}\"\n");
    let far = format!("# mistral\na=1\nb=2\nc=3\nk = \"{key}\"\n");
    assert_eq!(ids(set, &set.detect(near.as_bytes())), ["mistral-api-key"]);
    assert!(set.detect(far.as_bytes()).is_empty());
}

#[test]
fn keyword_on_every_line_stays_cheap_and_quiet() {
    let set = rules();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "let token_{i} = get_secret_token(password, api_key, auth); // token secret password\n"
        ));
    }
    let started = std::time::Instant::now();
    let found = set.detect(text.as_bytes());
    let elapsed = started.elapsed();
    assert!(found.is_empty(), "{:?}", ids(set, &found));
    // Debug builds are slow; this only catches quadratic blow-ups.
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
}

#[test]
fn huge_single_line_is_bounded() {
    let set = rules();
    let mut text = "x".repeat(10);
    let token = github_token("ghp_", RANDOM30);
    for _ in 0..3000 {
        text.push_str(" token=abc secret password ");
    }
    text.push_str(&format!(" {token} "));
    let found = set.detect(text.as_bytes());
    assert_eq!(ids(set, &found), ["github-classic-pat"]);
    assert_eq!(found[0].line, 1);
    assert_eq!(&text[found[0].start..found[0].end], token);
}

#[test]
fn user_rules_file_errors_name_the_rule() {
    let bad_regex = r#"
[[rule]]
id = "acme-key"
title = "Acme key"
provider = "generic"
kind = "api_key"
severity = "high"
confidence = "high"
keywords = ["acme_"]
regex = '(?P<secret>acme_[a-z'
fix = "Rotate it in the Acme console."
"#;
    match RuleSet::from_toml(bad_regex) {
        Err(RulesError::Rule { id, problem }) => {
            assert_eq!(id, "acme-key");
            assert!(problem.contains("regex"), "{problem}");
        }
        other => panic!("expected a rule error, got {other:?}"),
    }
    let bad_provider = bad_regex
        .replace("provider = \"generic\"", "provider = \"acme\"")
        .replace("acme_[a-z'", "acme_[a-z]{8})'");
    match RuleSet::from_toml(&bad_provider) {
        Err(RulesError::Rule { id, problem }) => {
            assert_eq!(id, "acme-key");
            assert!(problem.contains("provider"), "{problem}");
        }
        other => panic!("expected a rule error, got {other:?}"),
    }
    let upper_keyword = bad_regex
        .replace("acme_[a-z'", "acme_[a-z]{8})'")
        .replace("[\"acme_\"]", "[\"ACME_\"]");
    assert!(matches!(
        RuleSet::from_toml(&upper_keyword),
        Err(RulesError::Rule { .. })
    ));
    assert!(matches!(
        RuleSet::from_toml("rule = 3"),
        Err(RulesError::Toml(_))
    ));
    assert!(matches!(RuleSet::from_toml(""), Err(RulesError::Empty)));

    let good = bad_regex.replace("acme_[a-z'", "acme_[a-z0-9]{16})'");
    let user = match RuleSet::from_toml(&good) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    };
    let found = user.detect(b"ACME=acme_q8z2m4x7k1v9w3r5");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].secret.as_str(), "acme_q8z2m4x7k1v9w3r5");

    let merged = match RuleSet::builtin_with(&good) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    };
    assert!(merged.rule("acme-key").is_some() && merged.rule("jwt").is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn detect_never_panics_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let set = rules();
        for d in set.detect(&data) {
            prop_assert!(d.start < d.end && d.end <= data.len());
            prop_assert!(d.line >= 1 && d.column >= 1);
            prop_assert!(d.rule_index < set.rules().len());
        }
    }

    #[test]
    fn detect_never_panics_on_keyword_soup(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("ghp_".to_string()), Just("AKIA".to_string()), Just("eyJ".to_string()),
                Just("-----BEGIN PRIVATE KEY-----".to_string()), Just("\\n".to_string()),
                Just("postgres://".to_string()), Just(":".to_string()), Just("@".to_string()),
                Just("token=".to_string()), Just("\n".to_string()), Just("\"".to_string()),
                Just("service_account".to_string()), Just("mistral".to_string()),
                Just("-----END PRIVATE KEY-----".to_string()), Just("é".to_string()),
                "[A-Za-z0-9+/_.-]{1,48}",
            ],
            0..64,
        )
    ) {
        let set = rules();
        let text = parts.concat();
        for d in set.detect(text.as_bytes()) {
            prop_assert!(d.start < d.end && d.end <= text.len());
            prop_assert!(!d.secret.is_empty());
        }
    }
}

/// The gate accepts only `=` after the keyword while the regex also accepts `:`, so a
/// `:` line tells whether the gate ran.
const ACME_ASSIGNMENT_RULE: &str = r#"
[[rule]]
id = "acme-assignment"
title = "Acme key assigned"
provider = "generic"
kind = "api_key"
severity = "high"
confidence = "high"
keywords = ["acme"]
after_keyword = '(?i)[a-z_]*[ \t]*='
regex = '(?i)acme[a-z_]*[ \t]*[=:][ \t]*(?P<secret>[A-Za-z0-9]{24})'
fix = "Rotate it in the Acme console."
"#;

#[test]
fn after_keyword_gates_which_hits_open_a_window() {
    let gated = RuleSet::from_toml(ACME_ASSIGNMENT_RULE).expect("rule compiles");
    let ungated = RuleSet::from_toml(&ACME_ASSIGNMENT_RULE.replace("after_keyword", "# "))
        .expect("rule compiles");
    let value = "Q7vLm2XkP9wRt4ZbN8cJh3Gd";
    let assigned = format!("ACME_KEY = {value}\n");
    let colon = format!("ACME_KEY: {value}\n");
    for set in [&gated, &ungated] {
        let found = set.detect(assigned.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].secret.as_str(), value);
    }
    assert_eq!(ungated.detect(colon.as_bytes()).len(), 1);
    assert!(gated.detect(colon.as_bytes()).is_empty());

    let bad = ACME_ASSIGNMENT_RULE.replace(r"'(?i)[a-z_]*[ \t]*='", "'[a-z'");
    match RuleSet::from_toml(&bad) {
        Err(RulesError::Rule { id, problem }) => {
            assert_eq!(id, "acme-assignment");
            assert!(problem.contains("after_keyword"), "{problem}");
        }
        other => panic!("expected a rule error, got {other:?}"),
    }
}

/// The engine keeps regex caches per thread, tagged with the rule set they belong to:
/// sets used in turn on one thread, a clone, and many threads at once must each see only
/// their own rules.
#[test]
fn rule_sets_used_in_turn_and_across_threads_keep_their_own_results() {
    let acme = RuleSet::from_toml(ACME_ASSIGNMENT_RULE).expect("rule compiles");
    let builtin = RuleSet::builtin().expect("builtin rules");
    let value = "Q7vLm2XkP9wRt4ZbN8cJh3Gd";
    let text = format!("ACME_KEY = {value}\nGITHUB_TOKEN=ghp_R4nd0mLooking5tringWith36CharsXy\n");
    let ids = |set: &RuleSet| -> Vec<String> {
        set.detect(text.as_bytes())
            .iter()
            .map(|d| set.rules()[d.rule_index].id.clone())
            .collect()
    };
    let acme_ids = ids(&acme);
    assert_eq!(acme_ids, ["acme-assignment"]);
    let builtin_ids = ids(&builtin);
    assert!(!builtin_ids.contains(&"acme-assignment".to_string()));
    for _ in 0..3 {
        assert_eq!(ids(&acme), acme_ids);
        assert_eq!(ids(&builtin), builtin_ids);
        assert_eq!(ids(&acme.clone()), acme_ids);
    }
    std::thread::scope(|scope| {
        for i in 0..4 {
            let (acme, builtin, ids) = (&acme, &builtin, &ids);
            let (acme_ids, builtin_ids) = (&acme_ids, &builtin_ids);
            scope.spawn(move || {
                for _ in 0..50 {
                    if i % 2 == 0 {
                        assert_eq!(&ids(acme), acme_ids);
                    } else {
                        assert_eq!(&ids(builtin), builtin_ids);
                    }
                }
            });
        }
    });
}

#[test]
fn a_rule_regex_that_does_not_compile_says_why() {
    let bad = ACME_ASSIGNMENT_RULE.replace(r"regex = '(?i)acme[a-z_]*", r"regex = '(?i)acme[a-z_*");
    match RuleSet::from_toml(&bad) {
        Err(RulesError::Rule { id, problem }) => {
            assert_eq!(id, "acme-assignment");
            assert!(problem.contains("regex does not compile"), "{problem}");
            assert!(problem.contains("unclosed character class"), "{problem}");
        }
        other => panic!("expected a rule error, got {other:?}"),
    }
}

#[test]
fn a_rule_names_one_known_gate() {
    let unknown =
        ACME_ASSIGNMENT_RULE.replace("after_keyword = '(?i)[a-z_]*[ \\t]*='", "gate = \"assign\"");
    let both = ACME_ASSIGNMENT_RULE.replace("keywords = [", "gate = \"assignment\"\nkeywords = [");
    for (toml, expected) in [
        (unknown, "unknown gate `assign`; expected: assignment"),
        (both, "has both `after_keyword` and `gate`"),
    ] {
        match RuleSet::from_toml(&toml) {
            Err(RulesError::Rule { id, problem }) => {
                assert_eq!(id, "acme-assignment");
                assert!(problem.contains(expected), "{problem}");
            }
            other => panic!("expected a rule error, got {other:?}"),
        }
    }
}
