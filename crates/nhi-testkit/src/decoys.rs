//! Values that look like secrets but must not be reported.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::random::{
    ALNUM, BASE62, LOWER_HEX, UPPER_BASE32, looks_like_placeholder, string_from, token_checksum,
};

/// Why a decoy must not be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoyReason {
    DocumentationExample,
    Placeholder,
    EnvReference,
    Masked,
    TestModeKey,
    BadChecksum,
    LowEntropy,
    NonSecretIdentifier,
    ImageData,
}

/// The kind of file a decoy line reads naturally in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoyFile {
    Python,
    JavaScript,
    Go,
    Yaml,
    DotEnv,
    Markdown,
}

/// One line that must not produce a finding, and the value in it that looks secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Decoy {
    pub value: String,
    /// The whole line to write (no trailing newline); it contains `value`.
    pub line: String,
    pub file: DecoyFile,
    pub reason: DecoyReason,
}

impl fmt::Debug for Decoy {
    // Decoys are not secrets, but some (bad-checksum tokens) are one character away from
    // the shape of one; keep them out of logs like everything else.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoy")
            .field("file", &self.file)
            .field("reason", &self.reason)
            .field("value_len", &self.value.len())
            .finish()
    }
}

fn decoy(value: impl Into<String>, line: String, file: DecoyFile, reason: DecoyReason) -> Decoy {
    Decoy {
        value: value.into(),
        line,
        file,
        reason,
    }
}

/// A GitHub/npm-shaped token whose last six characters are not its checksum.
fn bad_checksum_token(rng: &mut impl Rng, prefix: &str) -> String {
    loop {
        let entropy = string_from(rng, BASE62, 30);
        let good = token_checksum(&entropy);
        let wrong = string_from(rng, BASE62, 6);
        if wrong != good && !looks_like_placeholder(&entropy) {
            return format!("{prefix}{entropy}{wrong}");
        }
    }
}

/// One of every kind of decoy, with fresh random parts where a kind has them.
pub fn decoys(rng: &mut impl Rng) -> Vec<Decoy> {
    use DecoyFile::*;
    use DecoyReason::*;

    let placeholder_var = *[
        "OPENAI_API_KEY",
        "STRIPE_SECRET_KEY",
        "GITHUB_TOKEN",
        "API_KEY",
    ]
    .choose(rng)
    .unwrap_or(&"API_KEY");
    let ghp_bad = bad_checksum_token(rng, "ghp_");
    let npm_bad = bad_checksum_token(rng, "npm_");
    let stripe_test = format!("sk_test_{}", string_from(rng, ALNUM, 24));
    let stripe_rk_test = format!("rk_test_{}", string_from(rng, ALNUM, 24));
    let stripe_pk = format!("pk_live_{}", string_from(rng, ALNUM, 24));
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        string_from(rng, LOWER_HEX, 8),
        string_from(rng, LOWER_HEX, 4),
        string_from(rng, LOWER_HEX, 3),
        string_from(rng, LOWER_HEX, 3),
        string_from(rng, LOWER_HEX, 12)
    );
    let commit = string_from(rng, LOWER_HEX, 40);
    let digest = string_from(rng, LOWER_HEX, 64);
    let mut png = vec![0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for _ in 0..150 {
        png.push(rng.random());
    }
    let image = format!("data:image/png;base64,{}", STANDARD.encode(&png));
    let example_key_id = format!("AKIA{}EXAMPLE", string_from(rng, UPPER_BASE32, 9));

    vec![
        decoy(
            "AKIAIOSFODNN7EXAMPLE",
            "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE".to_string(),
            Markdown,
            DocumentationExample,
        ),
        decoy(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string(),
            Markdown,
            DocumentationExample,
        ),
        decoy(
            example_key_id.clone(),
            format!("aws_access_key_id = \"{example_key_id}\"  # from the AWS docs"),
            Python,
            DocumentationExample,
        ),
        decoy(
            "your-api-key-here",
            format!("{placeholder_var} = \"your-api-key-here\""),
            Python,
            Placeholder,
        ),
        decoy(
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "SLACK_BOT_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_string(),
            DotEnv,
            Placeholder,
        ),
        decoy(
            "<YOUR_TOKEN>",
            "  api_token: \"<YOUR_TOKEN>\"".to_string(),
            Yaml,
            Placeholder,
        ),
        decoy(
            "changeme",
            "DB_PASSWORD=changeme".to_string(),
            DotEnv,
            Placeholder,
        ),
        decoy(
            "REPLACE_ME",
            "const clientSecret = \"REPLACE_ME\";".to_string(),
            JavaScript,
            Placeholder,
        ),
        decoy(
            "postgres://app:password@localhost:5432/app",
            "DATABASE_URL=postgres://app:password@localhost:5432/app".to_string(),
            DotEnv,
            Placeholder,
        ),
        decoy(
            "${OPENAI_API_KEY}",
            "      OPENAI_API_KEY: \"${OPENAI_API_KEY}\"".to_string(),
            Yaml,
            EnvReference,
        ),
        decoy(
            "os.environ[\"ANTHROPIC_API_KEY\"]",
            "anthropic_api_key = os.environ[\"ANTHROPIC_API_KEY\"]".to_string(),
            Python,
            EnvReference,
        ),
        decoy(
            "os.getenv(\"STRIPE_SECRET_KEY\")",
            "stripe_secret_key = os.getenv(\"STRIPE_SECRET_KEY\")".to_string(),
            Python,
            EnvReference,
        ),
        decoy(
            "process.env.SLACK_BOT_TOKEN",
            "const slackBotToken = process.env.SLACK_BOT_TOKEN;".to_string(),
            JavaScript,
            EnvReference,
        ),
        decoy(
            "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
            "          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}".to_string(),
            Yaml,
            EnvReference,
        ),
        decoy(
            "os.Getenv(\"GITHUB_TOKEN\")",
            "\tgithubToken := os.Getenv(\"GITHUB_TOKEN\")".to_string(),
            Go,
            EnvReference,
        ),
        decoy(
            "********************",
            "DATADOG_API_KEY=********************".to_string(),
            DotEnv,
            Masked,
        ),
        decoy(
            "[REDACTED]",
            "  client_secret: \"[REDACTED]\"".to_string(),
            Yaml,
            Masked,
        ),
        decoy(
            stripe_test.clone(),
            format!("STRIPE_SECRET_KEY = \"{stripe_test}\""),
            Python,
            TestModeKey,
        ),
        decoy(
            stripe_rk_test.clone(),
            format!("const stripeRestrictedKey = \"{stripe_rk_test}\";"),
            JavaScript,
            TestModeKey,
        ),
        decoy(
            stripe_pk.clone(),
            format!("const stripePublishableKey = \"{stripe_pk}\";"),
            JavaScript,
            TestModeKey,
        ),
        decoy(
            ghp_bad.clone(),
            format!("GITHUB_TOKEN={ghp_bad}"),
            DotEnv,
            BadChecksum,
        ),
        decoy(
            npm_bad.clone(),
            format!("//registry.npmjs.org/:_authToken={npm_bad}"),
            DotEnv,
            BadChecksum,
        ),
        decoy(
            "abcabcabcabcabcabcabc",
            "SESSION_SECRET = \"abcabcabcabcabcabcabc\"".to_string(),
            Python,
            LowEntropy,
        ),
        decoy(
            "passwordpassword",
            "\tadminPassword := \"passwordpassword\"".to_string(),
            Go,
            LowEntropy,
        ),
        decoy(
            uuid.clone(),
            format!("request_id = \"{uuid}\""),
            Python,
            NonSecretIdentifier,
        ),
        decoy(
            commit.clone(),
            format!("\tbuildCommit = \"{commit}\""),
            Go,
            NonSecretIdentifier,
        ),
        decoy(
            digest.clone(),
            format!("    image: ghcr.io/acme/orders-api@sha256:{digest}"),
            Yaml,
            NonSecretIdentifier,
        ),
        decoy(
            image.clone(),
            format!("const logoDataUri = \"{image}\";"),
            JavaScript,
            ImageData,
        ),
    ]
}
