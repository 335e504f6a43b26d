//! Random, format-valid fake credentials, one generator per rule id.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng;
use rand::seq::IndexedRandom;
use zeroize::Zeroizing;

use crate::random::{
    ALNUM, AZURE_SECRET, BASE62, BASE64STD, BASE64URL, DIGITS, GENERIC_SECRET, LETTERS, LOWER_HEX,
    UPPER_ALNUM, UPPER_BASE32, looks_like_placeholder, shannon_entropy, string_from,
    token_checksum,
};
use crate::rules::{RULE_IDS, SecretParts, canonical_secret};

/// How many lines a secret's written value spans, which decides the carriers it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// One line: tokens, keys, URLs.
    Line,
    /// A multi-line text block: PEM, OpenSSH and PuTTY private keys.
    Block,
    /// A whole JSON document: a GCP service-account key file.
    Document,
}

/// An assignment that must sit on the line just before the secret's own assignment
/// (the AWS key id before its secret, the Twilio account SID before its auth token).
#[derive(Clone)]
pub struct Companion {
    pub var_name: String,
    pub value: Zeroizing<String>,
}

impl fmt::Debug for Companion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Companion")
            .field("var_name", &self.var_name)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// A generated credential plus what a file needs around it to be detected.
#[derive(Clone)]
pub struct FakeSecret {
    pub rule_id: &'static str,
    /// The text to write: one line, a multi-line block or a JSON document (see `shape`).
    pub value: Zeroizing<String>,
    /// The variable or key name to assign it to. It carries the provider word that
    /// context rules (mistral, cohere, datadog, telegram, ...) need on the same line.
    pub var_name: String,
    /// Assignments to write on the lines just before this one.
    pub companions: Vec<Companion>,
    pub shape: Shape,
    /// The string a scanner fingerprints (see [`canonical_secret`]).
    pub canonical: Zeroizing<String>,
}

impl fmt::Debug for FakeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSecret")
            .field("rule_id", &self.rule_id)
            .field("var_name", &self.var_name)
            .field("shape", &self.shape)
            .field("companions", &self.companions)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl FakeSecret {
    /// `.env`-style lines (`NAME=value`), companions first. Only meaningful for
    /// [`Shape::Line`] secrets; blocks and documents are written by dedicated carriers.
    pub fn env_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .companions
            .iter()
            .map(|c| format!("{}={}", c.var_name, c.value.as_str()))
            .collect();
        lines.push(format!("{}={}", self.var_name, self.value.as_str()));
        lines
    }
}

/// A random, format-valid value for `rule_id`, or `None` for an unknown id.
///
/// Values never contain placeholder-looking fragments (`example`, `test`, `xxxx`, runs
/// of one character, ...) so that a scanner's decoy filter cannot suppress them.
pub fn fake_secret(rule_id: &str, rng: &mut impl Rng) -> Option<FakeSecret> {
    let id: &'static str = RULE_IDS.iter().copied().find(|r| *r == rule_id)?;
    // A handful of attempts makes a placeholder-looking value vanishingly rare; the last
    // attempt is kept either way because it is still format-valid.
    let mut last = None;
    for _ in 0..32 {
        let generated = generate(id, rng)?;
        let clean = !looks_like_placeholder(&generated.canonical)
            && generated
                .companions
                .iter()
                .all(|c| !looks_like_placeholder(&c.value));
        last = Some(generated);
        if clean {
            break;
        }
    }
    last
}

struct Draft {
    value: String,
    var_name: String,
    companions: Vec<(String, String)>,
    shape: Shape,
    parts: SecretParts,
}

impl Draft {
    fn line(value: String, var_name: &str) -> Self {
        Draft {
            value,
            var_name: var_name.to_string(),
            companions: Vec::new(),
            shape: Shape::Line,
            parts: SecretParts::default(),
        }
    }
}

fn pick<'a>(rng: &mut impl Rng, options: &[&'a str]) -> &'a str {
    options.choose(rng).copied().unwrap_or("")
}

fn checksummed(rng: &mut impl Rng, prefix: &str) -> String {
    let entropy = string_from(rng, BASE62, 30);
    let checksum = token_checksum(&entropy);
    format!("{prefix}{entropy}{checksum}")
}

fn openai_body(rng: &mut impl Rng, half: usize) -> String {
    format!(
        "{}T3BlbkFJ{}",
        string_from(rng, BASE64URL, half),
        string_from(rng, BASE64URL, half)
    )
}

fn generate(id: &'static str, rng: &mut impl Rng) -> Option<FakeSecret> {
    let draft = match id {
        "aws-access-key" => {
            let key_id = format!("AKIA{}", string_from(rng, UPPER_BASE32, 16));
            let secret = string_from(
                rng,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
                40,
            );
            let (id_var, secret_var) = *[
                ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                ("aws_access_key_id", "aws_secret_access_key"),
            ]
            .choose(rng)?;
            Draft {
                value: secret.clone(),
                var_name: secret_var.to_string(),
                companions: vec![(id_var.to_string(), key_id)],
                shape: Shape::Line,
                parts: SecretParts {
                    paired_secret: Some(secret),
                    ..SecretParts::default()
                },
            }
        }
        "aws-access-key-id" => {
            let prefix = pick(rng, &["AKIA", "AKIA", "ASIA"]);
            let var = pick(
                rng,
                &["AWS_ACCESS_KEY_ID", "aws_access_key_id", "awsAccessKeyId"],
            );
            Draft::line(
                format!("{prefix}{}", string_from(rng, UPPER_BASE32, 16)),
                var,
            )
        }
        "gcp-api-key" => Draft::line(
            format!("AIza{}", string_from(rng, BASE64URL, 35)),
            pick(
                rng,
                &["GOOGLE_MAPS_API_KEY", "GCP_API_KEY", "FIREBASE_API_KEY"],
            ),
        ),
        "gcp-service-account" => gcp_service_account(rng),
        "azure-client-secret" => Draft::line(
            format!(
                "{}{}Q~{}",
                string_from(rng, AZURE_SECRET, 3),
                string_from(rng, DIGITS, 1),
                string_from(rng, AZURE_SECRET, 34)
            ),
            pick(rng, &["AZURE_CLIENT_SECRET", "azure_client_secret"]),
        ),
        "azure-storage-connection-string" => {
            let account = format!(
                "{}{}",
                pick(
                    rng,
                    &["acmedata", "reportsstore", "mlartifacts", "backupsprod"]
                ),
                string_from(rng, DIGITS, 3)
            );
            let key = format!("{}==", string_from(rng, BASE64STD, 86));
            Draft {
                value: format!(
                    "DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"
                ),
                var_name: "AZURE_STORAGE_CONNECTION_STRING".to_string(),
                companions: Vec::new(),
                shape: Shape::Line,
                parts: SecretParts {
                    account_key: Some(key),
                    ..SecretParts::default()
                },
            }
        }
        "github-classic-pat" => Draft::line(
            checksummed(rng, "ghp_"),
            pick(rng, &["GITHUB_TOKEN", "GH_TOKEN", "github_pat"]),
        ),
        "github-oauth-token" => Draft::line(checksummed(rng, "gho_"), "GITHUB_OAUTH_TOKEN"),
        "github-app-token" => {
            let prefix = pick(rng, &["ghu_", "ghs_"]);
            Draft::line(checksummed(rng, prefix), "GITHUB_APP_TOKEN")
        }
        "github-refresh-token" => Draft::line(checksummed(rng, "ghr_"), "GITHUB_REFRESH_TOKEN"),
        "github-fine-grained-pat" => Draft::line(
            format!(
                "github_pat_{}_{}",
                string_from(rng, BASE62, 22),
                string_from(rng, BASE62, 59)
            ),
            pick(rng, &["GITHUB_TOKEN", "GH_PAT"]),
        ),
        "gitlab-pat" => Draft::line(
            format!("glpat-{}", string_from(rng, BASE64URL, 20)),
            pick(rng, &["GITLAB_TOKEN", "CI_JOB_PAT"]),
        ),
        "npm-token" => Draft::line(checksummed(rng, "npm_"), "NPM_TOKEN"),
        "pypi-token" => {
            let len = rng.random_range(70..140);
            Draft::line(
                format!("pypi-AgEIcHlwaS5vcmc{}", string_from(rng, BASE64URL, len)),
                pick(rng, &["PYPI_TOKEN", "TWINE_PASSWORD"]),
            )
        }
        "slack-bot-token" => {
            let a = rng.random_range(10..=13);
            let b = rng.random_range(10..=13);
            Draft::line(
                format!(
                    "xoxb-{}-{}-{}",
                    string_from(rng, DIGITS, a),
                    string_from(rng, DIGITS, b),
                    string_from(rng, ALNUM, 24)
                ),
                pick(rng, &["SLACK_BOT_TOKEN", "slack_bot_token"]),
            )
        }
        "slack-user-token" => Draft::line(
            format!(
                "xoxp-{}-{}-{}-{}",
                string_from(rng, DIGITS, 11),
                string_from(rng, DIGITS, 12),
                string_from(rng, DIGITS, 13),
                string_from(rng, LOWER_HEX, 32)
            ),
            "SLACK_USER_TOKEN",
        ),
        "slack-webhook" => Draft::line(
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                string_from(rng, UPPER_ALNUM, 9),
                string_from(rng, UPPER_ALNUM, 10),
                string_from(rng, ALNUM, 24)
            ),
            pick(rng, &["SLACK_WEBHOOK_URL", "alerts_webhook"]),
        ),
        "stripe-secret-key" => {
            let len = *[24usize, 99].choose(rng)?;
            Draft::line(
                format!("sk_live_{}", string_from(rng, ALNUM, len)),
                pick(rng, &["STRIPE_SECRET_KEY", "stripe_api_key"]),
            )
        }
        "stripe-restricted-key" => {
            let len = *[24usize, 99].choose(rng)?;
            Draft::line(
                format!("rk_live_{}", string_from(rng, ALNUM, len)),
                "STRIPE_RESTRICTED_KEY",
            )
        }
        "twilio-api-key" => Draft::line(
            format!("SK{}", string_from(rng, LOWER_HEX, 32)),
            pick(rng, &["TWILIO_API_KEY", "twilio_api_key_sid"]),
        ),
        "twilio-auth-token" => {
            let sid = format!("AC{}", string_from(rng, LOWER_HEX, 32));
            let token = string_from(rng, LOWER_HEX, 32);
            Draft {
                value: token.clone(),
                var_name: "TWILIO_AUTH_TOKEN".to_string(),
                companions: vec![("TWILIO_ACCOUNT_SID".to_string(), sid)],
                shape: Shape::Line,
                parts: SecretParts {
                    paired_secret: Some(token),
                    ..SecretParts::default()
                },
            }
        }
        "sendgrid-api-key" => Draft::line(
            format!(
                "SG.{}.{}",
                string_from(rng, BASE64URL, 22),
                string_from(rng, BASE64URL, 43)
            ),
            "SENDGRID_API_KEY",
        ),
        "telegram-bot-token" => {
            let digits = rng.random_range(8..=10);
            Draft::line(
                format!(
                    "{}:AA{}",
                    string_from(rng, b"123456789", 1) + &string_from(rng, DIGITS, digits - 1),
                    string_from(rng, BASE64URL, 33)
                ),
                pick(rng, &["TELEGRAM_BOT_TOKEN", "telegram_token"]),
            )
        }
        "discord-bot-token" => {
            // The first segment is the bot's user id (an 18-digit snowflake) in base64,
            // which is why real tokens start with M, N or O.
            let snowflake = string_from(rng, b"123456789", 1) + &string_from(rng, DIGITS, 17);
            Draft::line(
                format!(
                    "{}.{}.{}",
                    URL_SAFE_NO_PAD.encode(snowflake.as_bytes()),
                    string_from(rng, BASE64URL, 6),
                    string_from(rng, BASE64URL, 38)
                ),
                pick(rng, &["DISCORD_BOT_TOKEN", "discord_token"]),
            )
        }
        "discord-webhook" => Draft::line(
            format!(
                "https://discord.com/api/webhooks/{}/{}",
                string_from(rng, b"123456789", 1) + &string_from(rng, DIGITS, 18),
                string_from(rng, BASE64URL, 68)
            ),
            "DISCORD_WEBHOOK_URL",
        ),
        "mailgun-api-key" => Draft::line(
            format!("key-{}", string_from(rng, LOWER_HEX, 32)),
            pick(rng, &["MAILGUN_API_KEY", "mailgun_key"]),
        ),
        "shopify-token" => {
            let prefix = pick(rng, &["shpat_", "shpca_", "shppa_", "shpss_"]);
            Draft::line(
                format!("{prefix}{}", string_from(rng, LOWER_HEX, 32)),
                "SHOPIFY_ACCESS_TOKEN",
            )
        }
        "openai-project-key" => Draft::line(
            format!("sk-proj-{}", openai_body(rng, 74)),
            pick(rng, &["OPENAI_API_KEY", "openai_api_key"]),
        ),
        "openai-service-account-key" => Draft::line(
            format!("sk-svcacct-{}", openai_body(rng, 74)),
            "OPENAI_API_KEY",
        ),
        "openai-admin-key" => Draft::line(
            format!("sk-admin-{}", openai_body(rng, 58)),
            "OPENAI_ADMIN_KEY",
        ),
        "openai-legacy-key" => Draft::line(
            format!(
                "sk-{}T3BlbkFJ{}",
                string_from(rng, ALNUM, 20),
                string_from(rng, ALNUM, 20)
            ),
            "OPENAI_API_KEY",
        ),
        "anthropic-api-key" => Draft::line(
            format!("sk-ant-api03-{}AA", string_from(rng, BASE64URL, 93)),
            pick(rng, &["ANTHROPIC_API_KEY", "anthropic_api_key"]),
        ),
        "anthropic-admin-key" => Draft::line(
            format!("sk-ant-admin01-{}AA", string_from(rng, BASE64URL, 93)),
            "ANTHROPIC_ADMIN_KEY",
        ),
        "huggingface-token" => Draft::line(
            format!("hf_{}", string_from(rng, LETTERS, 34)),
            pick(rng, &["HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN"]),
        ),
        "groq-api-key" => Draft::line(
            format!("gsk_{}", string_from(rng, ALNUM, 52)),
            "GROQ_API_KEY",
        ),
        "replicate-api-token" => Draft::line(
            format!("r8_{}", string_from(rng, ALNUM, 37)),
            "REPLICATE_API_TOKEN",
        ),
        "langsmith-api-key" => Draft::line(
            format!(
                "lsv2_{}_{}_{}",
                pick(rng, &["pt", "sk"]),
                string_from(rng, LOWER_HEX, 32),
                string_from(rng, LOWER_HEX, 10)
            ),
            pick(rng, &["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"]),
        ),
        "perplexity-api-key" => Draft::line(
            format!("pplx-{}", string_from(rng, ALNUM, 48)),
            "PERPLEXITY_API_KEY",
        ),
        "xai-api-key" => Draft::line(
            format!("xai-{}", string_from(rng, ALNUM, 80)),
            "XAI_API_KEY",
        ),
        "mistral-api-key" => Draft::line(
            string_from(rng, ALNUM, 32),
            pick(rng, &["MISTRAL_API_KEY", "mistral_api_key"]),
        ),
        "cohere-api-key" => Draft::line(
            string_from(rng, ALNUM, 40),
            pick(rng, &["COHERE_API_KEY", "CO_API_KEY"]),
        ),
        "digitalocean-token" => {
            let prefix = pick(rng, &["dop_v1_", "doo_v1_", "dor_v1_"]);
            Draft::line(
                format!("{prefix}{}", string_from(rng, LOWER_HEX, 64)),
                "DIGITALOCEAN_TOKEN",
            )
        }
        "linear-api-key" => Draft::line(
            format!("lin_api_{}", string_from(rng, ALNUM, 40)),
            "LINEAR_API_KEY",
        ),
        "notion-token" => {
            if rng.random_bool(0.75) {
                Draft::line(
                    format!(
                        "ntn_{}{}",
                        string_from(rng, DIGITS, 11),
                        string_from(rng, ALNUM, 35)
                    ),
                    "NOTION_TOKEN",
                )
            } else {
                Draft::line(
                    format!("secret_{}", string_from(rng, ALNUM, 43)),
                    "NOTION_API_KEY",
                )
            }
        }
        "vault-token" => {
            if rng.random_bool(0.8) {
                let prefix = pick(rng, &["hvs.", "hvs.", "hvb."]);
                let len = rng.random_range(90..=120);
                Draft::line(
                    format!("{prefix}{}", string_from(rng, BASE64URL, len)),
                    "VAULT_TOKEN",
                )
            } else {
                Draft::line(format!("s.{}", string_from(rng, ALNUM, 24)), "VAULT_TOKEN")
            }
        }
        "datadog-api-key" => Draft::line(
            string_from(rng, LOWER_HEX, 32),
            pick(rng, &["DD_API_KEY", "DATADOG_API_KEY"]),
        ),
        "datadog-app-key" => Draft::line(
            string_from(rng, LOWER_HEX, 40),
            pick(rng, &["DD_APP_KEY", "DATADOG_APP_KEY"]),
        ),
        "database-url" => database_url(rng)?,
        "private-key-pem" => private_key_pem(rng),
        "private-key-openssh" => private_key_openssh(rng),
        "private-key-putty" => private_key_putty(rng),
        "jwt" => Draft::line(
            jwt(rng),
            pick(
                rng,
                &[
                    "SUPABASE_SERVICE_ROLE_KEY",
                    "INTERNAL_API_JWT",
                    "service_jwt",
                ],
            ),
        ),
        "basic-auth-url" => {
            let user = pick(rng, &["deploy", "ci-bot", "jenkins", "svc-artifacts"]);
            let len = rng.random_range(18..=28);
            let password = string_from(rng, ALNUM, len);
            let host = pick(
                rng,
                &[
                    "artifacts.acme-corp.io/repository/pypi-internal/simple",
                    "registry.internal.acme-corp.io/v2/",
                    "nexus.build.acme-corp.io/repository/npm-private/",
                ],
            );
            Draft {
                value: format!("https://{user}:{password}@{host}"),
                var_name: pick(rng, &["PIP_INDEX_URL", "REGISTRY_URL", "artifact_repo_url"])
                    .to_string(),
                companions: Vec::new(),
                shape: Shape::Line,
                parts: SecretParts {
                    password: Some(password),
                    ..SecretParts::default()
                },
            }
        }
        "generic-secret-assignment" => {
            let len = rng.random_range(28..=44);
            let mut value = string_from(rng, GENERIC_SECRET, len);
            // Uniform draws from a 70-char alphabet sit near 4.5 bits/char; redraw in the
            // rare case a short value dips under the generic rule's threshold.
            while shannon_entropy(&value) < 4.0 {
                value = string_from(rng, GENERIC_SECRET, 36);
            }
            Draft::line(
                value,
                pick(
                    rng,
                    &[
                        "SESSION_SECRET",
                        "signing_secret",
                        "internal_api_token",
                        "WEBHOOK_SIGNING_SECRET",
                        "COOKIE_SECRET",
                        "service_auth_token",
                        "encryption_password",
                    ],
                ),
            )
        }
        _ => return None,
    };
    let canonical = canonical_secret(id, &draft.value, &draft.parts);
    Some(FakeSecret {
        rule_id: id,
        value: Zeroizing::new(draft.value),
        var_name: draft.var_name,
        companions: draft
            .companions
            .into_iter()
            .map(|(var_name, value)| Companion {
                var_name,
                value: Zeroizing::new(value),
            })
            .collect(),
        shape: draft.shape,
        canonical: Zeroizing::new(canonical),
    })
}

fn wrap(body: &str, width: usize) -> Vec<String> {
    body.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

/// A base64 body that starts like real DER (so it reads as a key) and is random after.
fn pem_body(rng: &mut impl Rng, der_prefix: &str, len: usize) -> String {
    let rest = len.saturating_sub(der_prefix.len());
    let rest = rest - rest % 4;
    format!("{der_prefix}{}", string_from(rng, BASE64STD, rest))
}

fn pem_block(label: &str, body: &str, width: usize) -> String {
    let mut lines = vec![format!("-----BEGIN {label}-----")];
    lines.extend(wrap(body, width));
    lines.push(format!("-----END {label}-----"));
    lines.join("\n")
}

fn private_key_pem(rng: &mut impl Rng) -> Draft {
    let (label, prefix, len) = match rng.random_range(0..3) {
        0 => ("RSA PRIVATE KEY", "MIIEowIBAAKCAQEA", 1588),
        1 => ("EC PRIVATE KEY", "MHcCAQEEI", 224),
        _ => (
            "PRIVATE KEY",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
            1620,
        ),
    };
    let body = pem_body(rng, prefix, len);
    Draft {
        value: pem_block(label, &body, 64),
        var_name: pick(rng, &["TLS_PRIVATE_KEY", "private_key", "SIGNING_KEY_PEM"]).to_string(),
        companions: Vec::new(),
        shape: Shape::Block,
        parts: SecretParts::default(),
    }
}

fn private_key_openssh(rng: &mut impl Rng) -> Draft {
    // "openssh-key-v1\0", cipher "none", kdf "none", one ed25519 key: the fixed header
    // every unencrypted ed25519 key shares.
    let prefix = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
    let body = pem_body(rng, prefix, 396);
    Draft {
        value: pem_block("OPENSSH PRIVATE KEY", &body, 70),
        var_name: pick(rng, &["SSH_PRIVATE_KEY", "deploy_key"]).to_string(),
        companions: Vec::new(),
        shape: Shape::Block,
        parts: SecretParts::default(),
    }
}

fn private_key_putty(rng: &mut impl Rng) -> Draft {
    let comment = format!(
        "eddsa-key-2024{:02}{:02}",
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    );
    let lines = [
        "PuTTY-User-Key-File-3: ssh-ed25519".to_string(),
        "Encryption: none".to_string(),
        format!("Comment: {comment}"),
        "Public-Lines: 2".to_string(),
        format!(
            "AAAAC3NzaC1lZDI1NTE5AAAAI{}",
            string_from(rng, BASE64STD, 39)
        ),
        format!("{}=", string_from(rng, BASE64STD, 3)),
        "Private-Lines: 1".to_string(),
        format!("AAAAI{}=", string_from(rng, BASE64STD, 42)),
        format!("Private-MAC: {}", string_from(rng, LOWER_HEX, 64)),
    ];
    Draft {
        value: lines.join("\n"),
        var_name: "PUTTY_KEY".to_string(),
        companions: Vec::new(),
        shape: Shape::Block,
        parts: SecretParts::default(),
    }
}

fn gcp_service_account(rng: &mut impl Rng) -> Draft {
    let project = format!(
        "{}-{}",
        pick(
            rng,
            &["acme-data", "acme-ml", "orders-prod", "analytics-stage"]
        ),
        rng.random_range(100000..999999)
    );
    let account = pick(
        rng,
        &["bq-loader", "vertex-runner", "gcs-sync", "ci-deployer"],
    );
    let client_email = format!("{account}@{project}.iam.gserviceaccount.com");
    let body = pem_body(
        rng,
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
        1620,
    );
    let private_key = format!("{}\n", pem_block("PRIVATE KEY", &body, 64));
    let key_id = string_from(rng, LOWER_HEX, 40);
    let client_id = string_from(rng, b"123456789", 1) + &string_from(rng, DIGITS, 20);
    let escaped_email = client_email.replace('@', "%40");
    // Hand-ordered like the files Google hands out, which serde_json's map would sort.
    let fields: [(&str, &str); 11] = [
        ("type", "service_account"),
        ("project_id", &project),
        ("private_key_id", &key_id),
        ("private_key", &private_key),
        ("client_email", &client_email),
        ("client_id", &client_id),
        ("auth_uri", "https://accounts.google.com/o/oauth2/auth"),
        ("token_uri", "https://oauth2.googleapis.com/token"),
        (
            "auth_provider_x509_cert_url",
            "https://www.googleapis.com/oauth2/v1/certs",
        ),
        (
            "client_x509_cert_url",
            &format!("https://www.googleapis.com/robot/v1/metadata/x509/{escaped_email}"),
        ),
        ("universe_domain", "googleapis.com"),
    ];
    let body_lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  \"{k}\": {}", json_string(v)))
        .collect();
    let document = format!("{{\n{}\n}}", body_lines.join(",\n"));
    Draft {
        value: document,
        var_name: "service-account.json".to_string(),
        companions: Vec::new(),
        shape: Shape::Document,
        parts: SecretParts {
            private_key: Some(private_key),
            ..SecretParts::default()
        },
    }
}

fn database_url(rng: &mut impl Rng) -> Option<Draft> {
    let (scheme, port, path) = *[
        ("postgres", ":5432", "/orders"),
        ("postgresql", ":5432", "/analytics"),
        ("mysql", ":3306", "/shop"),
        ("mongodb", ":27017", "/events?authSource=admin"),
        ("mongodb+srv", "", "/catalog?retryWrites=true&w=majority"),
        ("redis", ":6379", "/0"),
        ("rediss", ":6380", "/1"),
        ("amqp", ":5672", "/jobs"),
        ("amqps", ":5671", "/jobs"),
    ]
    .choose(rng)?;
    let user = pick(
        rng,
        &["app", "orders_svc", "reporting", "svc_billing", "etl"],
    );
    let len = rng.random_range(16..=28);
    let password = string_from(rng, ALNUM, len);
    let host = pick(
        rng,
        &[
            "db-prod-1.internal.acme-corp.io",
            "orders.cluster-c9x2k.eu-west-1.rds.amazonaws.com",
            "cache-01.internal",
            "mq.prod.svc.cluster.local",
            "cluster0.q1w2e3.mongodb.net",
        ],
    );
    let var_name = match scheme {
        "redis" | "rediss" => "REDIS_URL",
        "amqp" | "amqps" => "BROKER_URL",
        "mongodb" | "mongodb+srv" => "MONGO_URI",
        _ => pick(rng, &["DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "db_url"]),
    };
    Some(Draft {
        value: format!("{scheme}://{user}:{password}@{host}{port}{path}"),
        var_name: var_name.to_string(),
        companions: Vec::new(),
        shape: Shape::Line,
        parts: SecretParts {
            password: Some(password),
            ..SecretParts::default()
        },
    })
}

fn jwt(rng: &mut impl Rng) -> String {
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let issued = 1_700_000_000u64 + rng.random_range(0..30_000_000);
    let role = pick(rng, &["service_role", "admin", "worker"]);
    let iss = pick(
        rng,
        &[
            "https://auth.acme-corp.io",
            "supabase",
            "https://identity.internal.acme-corp.io/realms/prod",
        ],
    );
    let sub = string_from(rng, LOWER_HEX, 24);
    let payload = format!(
        r#"{{"iss":"{iss}","sub":"{sub}","role":"{role}","iat":{issued},"exp":{}}}"#,
        issued + 10 * 365 * 24 * 3600
    );
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        string_from(rng, BASE64URL, 43)
    )
}

/// `value` as a JSON string literal, quotes included.
pub(crate) fn json_string(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

/// `value` JSON-escaped without the surrounding quotes.
pub(crate) fn json_escape(value: &str) -> String {
    let quoted = json_string(value);
    quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string()
}

/// Standard base64 with padding, as Kubernetes `data:` values use.
pub(crate) fn base64_std(value: &str) -> String {
    STANDARD.encode(value.as_bytes())
}
