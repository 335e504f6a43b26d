//! `nhi policy check`: validate nhi.toml and show the policy in effect.

use std::path::Path;

use anyhow::{Context, Result};

use crate::exit;

/// Where the policy is looked for when no file is named.
const DEFAULT_POLICY: &str = "nhi.toml";

pub fn check(file: Option<&Path>) -> Result<u8> {
    let (label, text) = match file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None if Path::new(DEFAULT_POLICY).is_file() => (
            DEFAULT_POLICY.to_string(),
            std::fs::read_to_string(DEFAULT_POLICY)
                .with_context(|| format!("cannot read {DEFAULT_POLICY}"))?,
        ),
        None => ("(defaults: no nhi.toml here)".to_string(), String::new()),
    };
    let policy = nhi_policy::Policy::from_toml(&label, &text)?;
    let t = &policy.thresholds;
    println!("policy: {label}");
    println!(
        "key age (days): critical {}, high {}, other {}",
        t.key_age_critical_days, t.key_age_high_days, t.key_age_days
    );
    println!("unused after (days): {}", t.unused_after_days);
    println!(
        "max token lifetime for high-risk agents: {} s",
        t.max_token_lifetime_high_risk.as_secs()
    );
    for rule in &policy.environments {
        println!("environment {} if /{}/", rule.env, rule.pattern.as_str());
    }
    if !policy.sensitive.accounts.is_empty() {
        println!(
            "sensitive accounts: {}",
            policy.sensitive.accounts.join(", ")
        );
    }
    if !policy.sensitive.resources.is_empty() {
        println!(
            "sensitive resources: {}",
            policy.sensitive.resources.join(", ")
        );
    }
    println!(
        "owners: {}{}; owner tags: {}",
        if policy.owners.required {
            "required"
        } else {
            "optional"
        },
        if policy.owners.domains.is_empty() {
            String::new()
        } else {
            format!(", in {}", policy.owners.domains.join(", "))
        },
        policy.owners.tag_keys.join(", ")
    );
    if policy.mcp.vetted.is_empty() {
        println!(
            "vetted MCP servers: none (every third-party server given credentials is flagged)"
        );
    } else {
        println!("vetted MCP servers: {}", policy.mcp.vetted.join(", "));
    }
    Ok(exit::CLEAN)
}
