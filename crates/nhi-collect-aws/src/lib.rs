//! Live, read-only AWS collector behind `nhi collect aws`.
//!
//! It makes the same read-only calls a user would run with the AWS CLI (see
//! the nhi-aws README) and hands back the same typed [`nhi_aws::AwsExport`]s,
//! so the rest of nhi maps a live collection exactly like exported files.
//!
//! How: every response is rendered as the JSON the CLI prints for it
//! (PascalCase members, ISO 8601 dates) and fed through [`nhi_aws::parse`].
//! That keeps one parser, with its policy-document decoding and per-entry
//! warnings, for files and live data alike; the SDK's own types stay private
//! to this crate.
//!
//! Safety: no call reads secret material (`GetSecretValue` is never made;
//! AWS never lists secret access keys). Error messages are scrubbed of the
//! collector's own secret access key and session token before they leave
//! this crate, as a second line of defence behind the SDK's redacting
//! `Debug` impls.

mod cli_json;
mod error;
mod iam;
mod organizations;
mod secretsmanager;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use zeroize::Zeroizing;

pub use error::CollectError;

/// Where and how to collect. `Default` resolves everything the way the AWS
/// CLI does (environment, then profile files) with 5 attempts per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectOptions {
    /// Send every call here instead of AWS (a moto server, LocalStack).
    pub endpoint_url: Option<String>,
    /// Region for the regional calls (Secrets Manager). Falls back to the
    /// environment / profile, then to `us-east-1` with a warning.
    pub region: Option<String>,
    /// A named profile from `~/.aws/config` / `~/.aws/credentials`.
    pub profile: Option<String>,
    /// Attempts per call, first try included, for the SDK's standard retry
    /// mode (throttling and transient errors back off and retry). 0 means 1.
    pub max_attempts: u32,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            endpoint_url: None,
            region: None,
            profile: None,
            max_attempts: 5,
        }
    }
}

/// Everything one run collected. `exports` holds at most one export per
/// [`nhi_aws::AwsExportKind`]; a kind is missing when its call was denied or
/// found nothing to report (each such case has a line in `warnings`).
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The account the credentials belong to (`sts GetCallerIdentity`).
    pub account_id: Option<String>,
    pub exports: Vec<nhi_aws::AwsExport>,
    /// Calls that were denied or gave up, each naming the call.
    pub warnings: Vec<String>,
}

impl Collection {
    /// The export of one kind, if it was collected.
    pub fn export(&self, kind: nhi_aws::AwsExportKind) -> Option<&nhi_aws::AwsExport> {
        self.exports.iter().find(|export| export.kind == kind)
    }
}

/// How many per-user (and per-key) IAM calls run at once: enough to hide
/// latency, few enough to stay clear of IAM's request-rate throttling.
const PER_USER_CONCURRENCY: usize = 8;

/// Fallback when neither the options nor the environment name a region. IAM
/// and Organizations are global; only Secrets Manager depends on it.
const FALLBACK_REGION: &str = "us-east-1";

/// Collect from live AWS (or the endpoint in `opts`).
pub async fn collect(opts: &CollectOptions) -> Result<Collection, CollectError> {
    let mut warnings = Vec::new();
    let config = load_config(opts, &mut warnings).await?;
    let credentials = resolve_credentials(&config).await?;
    let redactor = Redactor::for_credentials(&credentials);
    // Every client signs with exactly the credentials resolved above, so the
    // redactor knows every secret in play (a provider asked twice, e.g. for
    // an assumed role, would hand out a second session we never saw). A run
    // takes minutes; temporary credentials last an hour or more.
    let config = config
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build();
    let mut collection = collect_with_config(&config, &redactor).await?;
    warnings.append(&mut collection.warnings);
    collection.warnings = warnings;
    Ok(collection)
}

/// [`collect`] on a runtime of its own, for synchronous callers. Inside a
/// tokio runtime, use [`collect`] instead (this returns an error there).
pub fn collect_blocking(opts: &CollectOptions) -> Result<Collection, CollectError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(CollectError::Runtime(
            "collect_blocking was called inside an async runtime; use collect().await".into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CollectError::Runtime(e.to_string()))?;
    runtime.block_on(collect(opts))
}

async fn load_config(
    opts: &CollectOptions,
    warnings: &mut Vec<String>,
) -> Result<SdkConfig, CollectError> {
    let region = match &opts.region {
        Some(region) => Region::new(region.clone()),
        None => {
            let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
            if let Some(profile) = &opts.profile {
                chain = chain.profile_name(profile);
            }
            match chain.build().region().await {
                Some(region) => region,
                None => {
                    warnings.push(format!(
                        "no AWS region configured (--region, AWS_REGION or the profile); \
                         Secrets Manager was listed in {FALLBACK_REGION}"
                    ));
                    Region::from_static(FALLBACK_REGION)
                }
            }
        }
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)));
    if let Some(endpoint) = &opts.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    Ok(loader.load().await)
}

/// Collect with an already loaded SDK configuration (credentials, region,
/// endpoint and retries as set there).
async fn collect_with_config(
    config: &SdkConfig,
    redactor: &Redactor,
) -> Result<Collection, CollectError> {
    let sts = aws_sdk_sts::Client::new(config);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| error::Failure::from_sdk("sts GetCallerIdentity", e, redactor))
        .map_err(error::Failure::into_error)?;
    let account_id = identity.account().map(str::to_string);

    let iam = aws_sdk_iam::Client::new(config);
    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let orgs = aws_sdk_organizations::Client::new(config);

    let mut warnings = Vec::new();
    let mut exports = Vec::new();

    // Independent calls run side by side; the per-user fan-out bounds itself.
    let (gaad, report, keys, secret_list, accounts) = tokio::join!(
        iam::authorization_details(&iam, redactor),
        iam::credential_report(&iam, redactor),
        iam::access_keys(&iam, redactor, PER_USER_CONCURRENCY),
        secretsmanager::list_secrets(&secrets, redactor),
        organizations::list_accounts(&orgs, redactor),
    );
    // GAAD is the backbone of the inventory: without it the run failed.
    exports.push(gaad?);
    for part in [report, secret_list, accounts] {
        match part? {
            error::Optional::Collected(export) => exports.push(export),
            error::Optional::Skipped(warning) => warnings.push(warning),
        }
    }
    let keys = keys?;
    warnings.extend(keys.warnings);
    exports.extend(keys.exports);
    exports.sort_by_key(|export| kind_order(export.kind));

    Ok(Collection {
        account_id,
        exports,
        warnings,
    })
}

fn kind_order(kind: nhi_aws::AwsExportKind) -> usize {
    nhi_aws::AwsExportKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// Scrubs the collector's own secrets out of any text that leaves the crate.
pub(crate) struct Redactor {
    secrets: Vec<Zeroizing<String>>,
}

/// Resolves the credentials once, up front: a missing or broken credential
/// source (no configuration, expired SSO login, failing
/// `credential_process`) fails here with one clear error.
async fn resolve_credentials(config: &SdkConfig) -> Result<Credentials, CollectError> {
    let provider = config
        .credentials_provider()
        .ok_or_else(|| CollectError::Credentials("no credential source configured".into()))?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| CollectError::Credentials(error::display_chain(&e)))
}

impl Redactor {
    fn for_credentials(credentials: &Credentials) -> Redactor {
        let mut secrets = vec![Zeroizing::new(credentials.secret_access_key().to_string())];
        if let Some(token) = credentials.session_token() {
            secrets.push(Zeroizing::new(token.to_string()));
        }
        // Very short "secrets" (test endpoints accept anything) would blank
        // out ordinary words, and are not worth protecting anyway.
        secrets.retain(|secret| secret.len() >= 8);
        Redactor { secrets }
    }

    #[cfg(test)]
    pub(crate) fn with_secrets(secrets: &[&str]) -> Redactor {
        Redactor {
            secrets: secrets
                .iter()
                .map(|s| Zeroizing::new(s.to_string()))
                .collect(),
        }
    }

    pub(crate) fn scrub(&self, text: String) -> String {
        self.secrets.iter().fold(text, |text, secret| {
            if text.contains(secret.as_str()) {
                text.replace(secret.as_str(), "[REDACTED]")
            } else {
                text
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_removes_every_known_secret() {
        let redactor = Redactor::with_secrets(&["wJalrXUtnFEMIK7MDENG", "FwoGZXIvYXdzEtoken"]);
        let scrubbed = redactor.scrub(
            "signature for wJalrXUtnFEMIK7MDENG failed; token FwoGZXIvYXdzEtoken expired".into(),
        );
        assert_eq!(
            scrubbed,
            "signature for [REDACTED] failed; token [REDACTED] expired"
        );
    }

    #[tokio::test]
    async fn blocking_collection_inside_a_runtime_is_an_error() {
        let result = collect_blocking(&CollectOptions::default());
        assert!(
            matches!(result, Err(CollectError::Runtime(_))),
            "{result:?}"
        );
    }

    #[test]
    fn default_options_retry() {
        assert_eq!(CollectOptions::default().max_attempts, 5);
    }
}
