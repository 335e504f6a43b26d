//! Environment rules: which names mean `prod`, `staging`, `dev`, `test`.
//!
//! Environments are read from account names, tags, namespaces, identity names and file
//! paths. The rules are data so a team whose production account is called `live` or
//! `blue` can say so (`nhi ... --env-rules FILE`).

use regex::Regex;
use serde::Deserialize;

/// Ordered rules; the first whose pattern matches wins.
#[derive(Debug, Clone)]
pub struct EnvironmentRules {
    rules: Vec<(Regex, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("environment rules: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("environment rule {index}: invalid pattern: {message}")]
    Pattern { index: usize, message: String },
}

#[derive(Deserialize)]
struct RulesFile {
    #[serde(default)]
    environment: Vec<RuleEntry>,
}

#[derive(Deserialize)]
struct RuleEntry {
    /// A regular expression matched (case-insensitively) against names and path segments.
    r#match: String,
    env: String,
}

impl Default for EnvironmentRules {
    fn default() -> Self {
        // Names are split into words at `-`, `_`, `.`, `/` and `:` before matching, so
        // `prod` matches `acme-prod` and `.env.production` but not `product-catalog`.
        let defaults = [
            (r"^(prod|production|prd|live)$", "prod"),
            (r"^(staging|stage|stg|preprod|pre-prod)$", "staging"),
            (r"^(dev|develop|development|sandbox|local)$", "dev"),
            (r"^(test|testing|qa|uat|ci)$", "test"),
        ];
        EnvironmentRules {
            rules: defaults
                .iter()
                .map(|(p, e)| {
                    (
                        Regex::new(&format!("(?i){p}")).expect("built-in pattern"),
                        e.to_string(),
                    )
                })
                .collect(),
        }
    }
}

impl EnvironmentRules {
    /// Reads `[[environment]] match = "regex"  env = "prod"` entries; they are tried
    /// before the built-in ones.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let file: RulesFile = toml::from_str(text)?;
        let mut rules = Vec::new();
        for (index, entry) in file.environment.into_iter().enumerate() {
            let regex =
                Regex::new(&format!("(?i){}", entry.r#match)).map_err(|e| RulesError::Pattern {
                    index,
                    message: e.to_string(),
                })?;
            rules.push((regex, entry.env));
        }
        rules.extend(EnvironmentRules::default().rules);
        Ok(EnvironmentRules { rules })
    }

    /// The environment a name implies, trying each word of it.
    pub fn classify(&self, name: &str) -> Option<String> {
        let words: Vec<&str> = name
            .split(['-', '_', '.', '/', ':', ' '])
            .filter(|w| !w.is_empty())
            .collect();
        for (regex, env) in &self.rules {
            if regex.is_match(name) || words.iter().any(|w| regex.is_match(w)) {
                return Some(env.clone());
            }
        }
        None
    }
}

/// Whether a set of environments mixes production with anything else.
pub fn mixes_prod(environments: &[String]) -> bool {
    environments.iter().any(|e| e == "prod") && environments.iter().any(|e| e != "prod")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_not_substrings() {
        let rules = EnvironmentRules::default();
        assert_eq!(rules.classify("acme-prod").as_deref(), Some("prod"));
        assert_eq!(rules.classify(".env.production").as_deref(), Some("prod"));
        assert_eq!(
            rules.classify("deploy/staging/app.yaml").as_deref(),
            Some("staging")
        );
        assert_eq!(rules.classify("product-catalog"), None);
        assert_eq!(rules.classify("Acme Sandbox").as_deref(), Some("dev"));
    }

    #[test]
    fn custom_rules_come_first() {
        let rules =
            EnvironmentRules::from_toml("[[environment]]\nmatch = '^blue$'\nenv = 'prod'\n")
                .unwrap();
        assert_eq!(rules.classify("acme-blue").as_deref(), Some("prod"));
        assert!(EnvironmentRules::from_toml("[[environment]]\nmatch = '('\nenv = 'x'\n").is_err());
    }
}
