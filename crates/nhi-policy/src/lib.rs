//! `nhi.toml`: the organisation's rules for its NHIs, as data.
//!
//! Every field has a default taken from the practices nhi is built on (key age: 30 days
//! for critical NHIs, 60 for high, 90 for the rest; unused after 90 days; tokens of
//! high-risk agents live at most an hour), so an empty file, or none, is a valid
//! policy. A file that says something wrong is rejected with the line and column, the
//! field, and what would be accepted: a policy that silently falls back to defaults
//! would be a security tool quietly ignoring its user.

use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub thresholds: Thresholds,
    /// Environment rules, tried in order before the built-in ones.
    pub environments: Vec<EnvironmentRule>,
    pub sensitive: Sensitive,
    pub owners: OwnerRules,
    pub mcp: McpRules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    /// Maximum key age in days, by risk tier.
    pub key_age_critical_days: u32,
    pub key_age_high_days: u32,
    pub key_age_days: u32,
    /// An NHI or credential not used for this many days is unused (NHI1).
    pub unused_after_days: u32,
    /// Longest acceptable token lifetime for high-risk agents.
    pub max_token_lifetime_high_risk: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            key_age_critical_days: 30,
            key_age_high_days: 60,
            key_age_days: 90,
            unused_after_days: 90,
            max_token_lifetime_high_risk: Duration::from_secs(3600),
        }
    }
}

impl Thresholds {
    /// The key-age limit for a risk tier (`critical`, `high`, anything else).
    pub fn key_age_days_for(&self, tier: &str) -> u32 {
        match tier {
            "critical" => self.key_age_critical_days,
            "high" => self.key_age_high_days,
            _ => self.key_age_days,
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnvironmentRule {
    /// Case-insensitive pattern over account names, tags, namespaces and paths.
    pub pattern: Regex,
    pub env: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sensitive {
    /// AWS account IDs, GCP projects, Azure subscriptions holding crown jewels.
    pub accounts: Vec<String>,
    /// Resource patterns (ARNs with `*`, bucket names, secret paths).
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerRules {
    /// Every NHI must have an owner; one without is a finding (NHI1).
    pub required: bool,
    /// Owner emails must be in one of these domains; empty means any.
    pub domains: Vec<String>,
    /// Tag keys read as owners, in order (`owner`, `Owner`, `team` ...).
    pub tag_keys: Vec<String>,
}

/// Which MCP servers the organisation has reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpRules {
    /// Reviewed servers: package specs (`@modelcontextprotocol/server-github`,
    /// `mcp-server-fetch==2025.1.14`, an image `ghcr.io/github/github-mcp-server`) or
    /// URLs (`https://mcp.example.com/*`). `*` matches any run of characters. A server
    /// given credentials that matches none is an unvetted MCP server (NHI3).
    pub vetted: Vec<String>,
}

impl McpRules {
    /// Whether `package_or_url` (as the server launches it) is on the vetted list.
    pub fn is_vetted(&self, package_or_url: &str) -> bool {
        self.vetted
            .iter()
            .any(|pattern| wildcard_match(pattern, package_or_url))
    }
}

/// `*` matches any run of characters (including none); everything else literally,
/// case-insensitively.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            thresholds: Thresholds::default(),
            environments: Vec::new(),
            sensitive: Sensitive::default(),
            owners: OwnerRules {
                required: true,
                domains: Vec::new(),
                tag_keys: default_owner_tags(),
            },
            mcp: McpRules::default(),
        }
    }
}

fn default_owner_tags() -> Vec<String> {
    ["owner", "Owner", "owner-email", "team", "Team"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Why a policy file was refused. Display names the file position and the field.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {field}: {message}")]
    Value {
        file: String,
        field: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default)]
    environment: Vec<RawEnvironment>,
    #[serde(default)]
    sensitive: RawSensitive,
    #[serde(default)]
    owners: RawOwners,
    #[serde(default)]
    mcp: RawMcp,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMcp {
    #[serde(default)]
    vetted: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    key_age_days: Option<RawKeyAge>,
    unused_after_days: Option<i64>,
    max_token_lifetime_high_risk: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyAge {
    critical: Option<i64>,
    high: Option<i64>,
    default: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    r#match: String,
    env: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSensitive {
    #[serde(default)]
    accounts: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwners {
    required: Option<bool>,
    #[serde(default)]
    domains: Vec<String>,
    tag_keys: Option<Vec<String>>,
}

impl Policy {
    /// Reads and validates `text`; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or((1, 1));
            PolicyError::Invalid {
                file: file.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let value_error = |field: &str, message: String| PolicyError::Value {
            file: file.to_string(),
            field: field.to_string(),
            message,
        };
        let defaults = Thresholds::default();
        let days = |field: &str, value: Option<i64>, default: u32| -> Result<u32, PolicyError> {
            match value {
                None => Ok(default),
                Some(v) if (1..=3650).contains(&v) => Ok(v as u32),
                Some(v) => Err(value_error(
                    field,
                    format!("{v} is not a number of days from 1 to 3650"),
                )),
            }
        };
        let key_age = raw.thresholds.key_age_days.unwrap_or_default();
        let thresholds = Thresholds {
            key_age_critical_days: days(
                "thresholds.key_age_days.critical",
                key_age.critical,
                defaults.key_age_critical_days,
            )?,
            key_age_high_days: days(
                "thresholds.key_age_days.high",
                key_age.high,
                defaults.key_age_high_days,
            )?,
            key_age_days: days(
                "thresholds.key_age_days.default",
                key_age.default,
                defaults.key_age_days,
            )?,
            unused_after_days: days(
                "thresholds.unused_after_days",
                raw.thresholds.unused_after_days,
                defaults.unused_after_days,
            )?,
            max_token_lifetime_high_risk: match &raw.thresholds.max_token_lifetime_high_risk {
                None => defaults.max_token_lifetime_high_risk,
                Some(text) => parse_duration(text).map_err(|message| {
                    value_error("thresholds.max_token_lifetime_high_risk", message)
                })?,
            },
        };
        // A stricter tier with a looser limit is a typo, not a policy.
        if !(thresholds.key_age_critical_days <= thresholds.key_age_high_days
            && thresholds.key_age_high_days <= thresholds.key_age_days)
        {
            return Err(value_error(
                "thresholds.key_age_days",
                format!(
                    "critical ({}) <= high ({}) <= default ({}) must hold",
                    thresholds.key_age_critical_days,
                    thresholds.key_age_high_days,
                    thresholds.key_age_days
                ),
            ));
        }

        let mut environments = Vec::new();
        for (index, rule) in raw.environment.into_iter().enumerate() {
            let field = format!("environment[{index}]");
            if rule.env.trim().is_empty() {
                return Err(value_error(&field, "env is empty".into()));
            }
            let pattern = Regex::new(&format!("(?i){}", rule.r#match))
                .map_err(|e| value_error(&format!("{field}.match"), e.to_string()))?;
            environments.push(EnvironmentRule {
                pattern,
                env: rule.env.trim().to_lowercase(),
            });
        }

        for (index, account) in raw.sensitive.accounts.iter().enumerate() {
            if account.trim().is_empty() {
                return Err(value_error(
                    &format!("sensitive.accounts[{index}]"),
                    "empty account".into(),
                ));
            }
        }
        for (index, resource) in raw.sensitive.resources.iter().enumerate() {
            if resource.trim().is_empty() {
                return Err(value_error(
                    &format!("sensitive.resources[{index}]"),
                    "empty resource pattern".into(),
                ));
            }
        }
        for (index, domain) in raw.owners.domains.iter().enumerate() {
            let ok = !domain.is_empty()
                && domain.contains('.')
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !ok {
                return Err(value_error(
                    &format!("owners.domains[{index}]"),
                    format!("{domain:?} is not a domain name (like example.com)"),
                ));
            }
        }
        for (index, entry) in raw.mcp.vetted.iter().enumerate() {
            if entry.trim().is_empty() || entry.trim() == "*" {
                return Err(value_error(
                    &format!("mcp.vetted[{index}]"),
                    format!("{entry:?} would vet every server; name packages or URLs"),
                ));
            }
        }
        Ok(Policy {
            thresholds,
            environments,
            sensitive: Sensitive {
                accounts: raw.sensitive.accounts,
                resources: raw.sensitive.resources,
            },
            owners: OwnerRules {
                required: raw.owners.required.unwrap_or(true),
                domains: raw
                    .owners
                    .domains
                    .into_iter()
                    .map(|d| d.to_lowercase())
                    .collect(),
                tag_keys: raw.owners.tag_keys.unwrap_or_else(default_owner_tags),
            },
            mcp: McpRules {
                vetted: raw.mcp.vetted,
            },
        })
    }

    /// Whether an owner (email or login) satisfies the domain rule.
    pub fn owner_allowed(&self, owner: &str) -> bool {
        if self.owners.domains.is_empty() {
            return true;
        }
        let Some((_, domain)) = owner.rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_lowercase();
        self.owners
            .domains
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    }
}

/// `90s`, `30m`, `1h`, `2d`, or an ISO 8601 duration (`PT1H`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let bad = || format!("{text:?} is not a duration (like 15m, 1h, 2d or PT1H)");
    if let Some(unit) = trimmed.chars().last().filter(|c| c.is_ascii_alphabetic())
        && trimmed.len() > 1
        && !trimmed.starts_with(['P', 'p'])
    {
        let number: u64 = trimmed[..trimmed.len() - 1].parse().map_err(|_| bad())?;
        let seconds = match unit {
            's' => number,
            'm' => number.checked_mul(60).ok_or_else(bad)?,
            'h' => number.checked_mul(3600).ok_or_else(bad)?,
            'd' => number.checked_mul(86_400).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        return if seconds == 0 {
            Err(format!("{text:?} is zero"))
        } else {
            Ok(Duration::from_secs(seconds))
        };
    }
    let span: jiff::Span = trimmed.parse().map_err(|_| bad())?;
    let seconds = span
        .total((jiff::Unit::Second, jiff::civil::date(2000, 1, 1)))
        .map_err(|_| bad())?;
    if seconds <= 0.0 || !seconds.is_finite() {
        return Err(format!("{text:?} is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
