//! Generator-level properties, checked against independent re-implementations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nhi_testkit::{DecoyReason, RULE_IDS, Shape, decoys, fake_secret};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The rule ids listed in the shared formats spec, copied here by hand so a rule
/// dropped from the testkit's list is noticed.
const SPEC_RULES: &[&str] = &[
    "aws-access-key",
    "aws-access-key-id",
    "gcp-api-key",
    "gcp-service-account",
    "azure-client-secret",
    "azure-storage-connection-string",
    "github-classic-pat",
    "github-oauth-token",
    "github-app-token",
    "github-refresh-token",
    "github-fine-grained-pat",
    "gitlab-pat",
    "npm-token",
    "pypi-token",
    "slack-bot-token",
    "slack-user-token",
    "slack-webhook",
    "stripe-secret-key",
    "stripe-restricted-key",
    "twilio-api-key",
    "sendgrid-api-key",
    "telegram-bot-token",
    "discord-bot-token",
    "discord-webhook",
    "mailgun-api-key",
    "openai-project-key",
    "openai-service-account-key",
    "openai-admin-key",
    "openai-legacy-key",
    "anthropic-api-key",
    "anthropic-admin-key",
    "huggingface-token",
    "groq-api-key",
    "replicate-api-token",
    "langsmith-api-key",
    "perplexity-api-key",
    "xai-api-key",
    "mistral-api-key",
    "cohere-api-key",
    "digitalocean-token",
    "linear-api-key",
    "notion-token",
    "vault-token",
    "datadog-api-key",
    "datadog-app-key",
    "database-url",
    "private-key-pem",
    "private-key-openssh",
    "private-key-putty",
    "jwt",
    "basic-auth-url",
    "generic-secret-assignment",
];

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn every_spec_rule_has_a_generator() {
    let mut rng = rng(1);
    for rule in SPEC_RULES {
        assert!(RULE_IDS.contains(rule), "{rule} missing from RULE_IDS");
    }
    for rule in RULE_IDS {
        let secret =
            fake_secret(rule, &mut rng).unwrap_or_else(|| panic!("no generator for {rule}"));
        assert_eq!(secret.rule_id, *rule);
        assert!(!secret.value.is_empty() && !secret.canonical.is_empty());
        assert!(!secret.var_name.is_empty());
    }
    assert!(fake_secret("no-such-rule", &mut rng).is_none());
}

/// CRC32 (IEEE, reflected, poly 0xEDB88320) written out bit by bit, independent of
/// crc32fast.
fn crc32_bitwise(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Decodes a base62 string (0-9A-Za-z) to a number.
fn base62_value(text: &str) -> u64 {
    text.chars().fold(0u64, |acc, c| {
        let digit = match c {
            '0'..='9' => c as u64 - '0' as u64,
            'A'..='Z' => c as u64 - 'A' as u64 + 10,
            'a'..='z' => c as u64 - 'a' as u64 + 36,
            _ => panic!("not base62: {c}"),
        };
        acc * 62 + digit
    })
}

#[test]
fn checksummed_tokens_verify_independently() {
    let mut rng = rng(2);
    for rule in [
        "github-classic-pat",
        "github-oauth-token",
        "github-app-token",
        "github-refresh-token",
        "npm-token",
    ] {
        for _ in 0..200 {
            let secret = fake_secret(rule, &mut rng).unwrap();
            let (_, body) = secret.value.split_once('_').unwrap();
            assert_eq!(body.len(), 36, "{rule}");
            let (entropy, checksum) = body.split_at(30);
            assert!(entropy.chars().all(|c| c.is_ascii_alphanumeric()));
            assert_eq!(
                base62_value(checksum),
                u64::from(crc32_bitwise(entropy.as_bytes())),
                "{rule}"
            );
        }
    }
}

#[test]
fn bad_checksum_decoys_fail_the_check() {
    let mut rng = rng(3);
    for _ in 0..50 {
        for decoy in decoys(&mut rng)
            .into_iter()
            .filter(|d| d.reason == DecoyReason::BadChecksum)
        {
            let (_, body) = decoy.value.split_once('_').unwrap();
            let (entropy, checksum) = body.split_at(30);
            assert_ne!(
                base62_value(checksum),
                u64::from(crc32_bitwise(entropy.as_bytes()))
            );
        }
    }
}

#[test]
fn generation_is_deterministic_for_a_seed() {
    let draw = |seed| {
        let mut rng = rng(seed);
        RULE_IDS
            .iter()
            .map(|r| fake_secret(r, &mut rng).unwrap().canonical.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(42), draw(42));
    assert_ne!(draw(42), draw(43));
}

#[test]
fn structured_values_are_well_formed() {
    let mut rng = rng(4);
    for _ in 0..20 {
        // JWT: header and payload decode to JSON objects with the claims scanners read.
        let jwt = fake_secret("jwt", &mut rng).unwrap();
        let parts: Vec<&str> = jwt.value.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "JWT");
        for claim in ["iss", "exp", "role", "sub"] {
            assert!(claims.get(claim).is_some(), "missing {claim}");
        }

        // GCP service account: a JSON document whose private_key is the canonical.
        let sa = fake_secret("gcp-service-account", &mut rng).unwrap();
        assert_eq!(sa.shape, Shape::Document);
        let doc: serde_json::Value = serde_json::from_str(&sa.value).unwrap();
        assert_eq!(doc["type"], "service_account");
        let key_id = doc["private_key_id"].as_str().unwrap();
        assert!(key_id.len() == 40 && key_id.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(
            doc["client_email"]
                .as_str()
                .unwrap()
                .ends_with(".iam.gserviceaccount.com")
        );
        assert_eq!(doc["private_key"].as_str().unwrap(), sa.canonical.as_str());
        assert!(sa.canonical.starts_with("-----BEGIN PRIVATE KEY-----\n"));

        // AWS pair: the secret is canonical, the key id is a companion.
        let aws = fake_secret("aws-access-key", &mut rng).unwrap();
        assert_eq!(aws.canonical.len(), 40);
        assert_eq!(aws.canonical.as_str(), aws.value.as_str());
        let key_id = &aws.companions[0].value;
        assert!(key_id.starts_with("AKIA") && key_id.len() == 20);

        // Anthropic, OpenAI and Azure shapes.
        let ant = fake_secret("anthropic-api-key", &mut rng).unwrap();
        assert!(
            ant.value.starts_with("sk-ant-api03-")
                && ant.value.ends_with("AA")
                && ant.value.len() == 13 + 95
        );
        let oai = fake_secret("openai-project-key", &mut rng).unwrap();
        assert!(oai.value.starts_with("sk-proj-") && oai.value.contains("T3BlbkFJ"));
        let az = fake_secret("azure-client-secret", &mut rng).unwrap();
        assert_eq!(az.value.len(), 40);
        assert_eq!(&az.value[4..6], "Q~");
        let conn = fake_secret("azure-storage-connection-string", &mut rng).unwrap();
        assert!(
            conn.value
                .contains(&format!("AccountKey={};", conn.canonical.as_str()))
        );
        assert_eq!(conn.canonical.len(), 88);

        // Context rules carry their provider word in the variable name.
        for (rule, word) in [
            ("mistral-api-key", "MISTRAL"),
            ("cohere-api-key", "CO"),
            ("datadog-api-key", "D"),
            ("telegram-bot-token", "TELEGRAM"),
        ] {
            let s = fake_secret(rule, &mut rng).unwrap();
            assert!(
                s.var_name.to_ascii_uppercase().contains(word),
                "{rule}: {}",
                s.var_name
            );
        }

        // Database URL: canonical is the whole URL, and it carries a password.
        let db = fake_secret("database-url", &mut rng).unwrap();
        assert_eq!(db.canonical.as_str(), db.value.as_str());
        let after_scheme = db.value.split_once("://").unwrap().1;
        let (userinfo, _) = after_scheme.split_once('@').unwrap();
        assert!(userinfo.split_once(':').unwrap().1.len() >= 16);
    }
}

#[test]
fn debug_never_shows_the_secret() {
    let mut rng = rng(5);
    for rule in RULE_IDS {
        let secret = fake_secret(rule, &mut rng).unwrap();
        let shown = format!("{secret:?}");
        assert!(
            !shown.contains(
                secret
                    .canonical
                    .lines()
                    .next()
                    .unwrap()
                    .get(..12.min(secret.canonical.len()))
                    .unwrap_or("")
            ) || secret.canonical.starts_with("-----"),
            "{rule}: {shown}"
        );
        assert!(!shown.contains(secret.value.as_str()));
    }
}

#[test]
fn decoys_cover_every_reason() {
    let mut rng = rng(6);
    let all = decoys(&mut rng);
    for reason in [
        DecoyReason::DocumentationExample,
        DecoyReason::Placeholder,
        DecoyReason::EnvReference,
        DecoyReason::Masked,
        DecoyReason::TestModeKey,
        DecoyReason::BadChecksum,
        DecoyReason::LowEntropy,
        DecoyReason::NonSecretIdentifier,
        DecoyReason::ImageData,
    ] {
        assert!(all.iter().any(|d| d.reason == reason), "{reason:?}");
    }
    for decoy in &all {
        assert!(decoy.line.contains(&decoy.value));
    }
    assert!(all.iter().any(|d| d.value == "AKIAIOSFODNN7EXAMPLE"));
    assert!(all.iter().any(|d| d.value.starts_with("sk_test_")));
}
