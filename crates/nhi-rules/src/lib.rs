//! Detection rules kept as data, compiled into a keyword prefilter plus regexes, with
//! validators.
//!
//! The built-in rules live in `rules/builtin.toml` (embedded at compile time); users can
//! load their own file with the same format through [`RuleSet::from_toml`]. See the
//! crate README for the format.
//!
//! Detection works in three steps, so that cost follows the number of keyword hits and
//! not the number of rules:
//! 1. one ASCII-case-insensitive pass over the buffer finds every rule keyword (see
//!    `keywords`: a table of rare byte pairs, not a per-byte automaton);
//! 2. each hit opens a bounded window (the hit's line, widened by a few lines for
//!    multi-line rules) for the rules owning that keyword, unless the rule's
//!    `after_keyword` gate rejects the bytes right after the hit; windows of one rule
//!    that touch are merged, so a rule never scans the same bytes twice;
//! 3. the rule's regex runs only inside its windows, and every match goes through the
//!    rule's validators and the noise filter before it becomes a [`Detection`].

mod code_ngrams;
mod engine;
mod gate;
mod keywords;
mod noise;
mod spec;
mod text;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aho_corasick::AhoCorasick;
use nhi_model::{Confidence, CredentialKind, OwaspNhi, Preview, Provider, Severity};
use zeroize::Zeroizing;

pub use noise::{is_noise, shannon_entropy};
pub use validate::Validator;

/// The built-in rules file, embedded so the binary needs nothing on disk.
pub const BUILTIN_RULES: &str = include_str!("../rules/builtin.toml");

/// Why a rules file could not be loaded. Problems with one rule name that rule's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("rules file is not valid TOML: {0}")]
    Toml(String),
    #[error("rule `{id}`: {problem}")]
    Rule { id: String, problem: String },
    #[error("rules file defines no rules")]
    Empty,
}

/// Example inputs shipped with a rule: each positive must be detected by exactly that
/// rule, each negative must not be detected by it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Examples {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
}

/// One compiled detection rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub provider: Provider,
    pub kind: CredentialKind,
    pub severity: Severity,
    pub confidence: Confidence,
    pub owasp: OwaspNhi,
    pub fix: String,
    /// The provider prefix a preview keeps (`ghp_`, `sk-proj-`); empty for generic rules.
    pub preview_prefix: String,
    /// Lowercase literals for the prefilter; every true match contains (or, for context
    /// rules, follows within three lines) at least one of them.
    pub keywords: Vec<String>,
    /// When non-empty, a match counts only if one of these (lowercase) words appears on
    /// its line or up to three lines above.
    pub context: Vec<String>,
    pub validators: Vec<Validator>,
    /// The regex source as written in the rules file.
    pub regex_source: String,
    /// Wins ties between overlapping matches of different rules (higher wins).
    pub priority: u8,
    /// Lines of context the regex window takes before / after a keyword hit.
    pub lines_before: u32,
    pub lines_after: u32,
    /// Byte cap on each side of a keyword hit, so one huge line stays cheap.
    pub max_window: usize,
    pub examples: Examples,
    pub(crate) regex: regex_automata::meta::Regex,
    /// Tested on the bytes right after a keyword hit: a hit opens a window for this rule
    /// only when they pass (see `after_keyword` and `gate` in the README).
    pub(crate) gate: Option<gate::Gate>,
    pub(crate) secret_groups: Vec<usize>,
    pub(crate) id_group: Option<usize>,
    pub(crate) context_matcher: Option<AhoCorasick>,
}

/// A compiled set of rules with its keyword prefilter.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    prefilter: keywords::KeywordFinder,
    /// For each prefilter pattern, the rules that own that keyword.
    keyword_rules: Vec<Vec<usize>>,
    /// Tells the engine's per-thread regex caches which rule set they were made for
    /// (a clone shares the regexes, so it keeps the id).
    scratch_id: u64,
}

impl RuleSet {
    /// The embedded built-in rules.
    pub fn builtin() -> Result<RuleSet, RulesError> {
        RuleSet::from_toml(BUILTIN_RULES)
    }

    /// Parses and compiles a rules file. Errors name the rule id and the problem.
    pub fn from_toml(text: &str) -> Result<RuleSet, RulesError> {
        let rules = spec::parse(text)?;
        RuleSet::from_rules(rules)
    }

    /// The built-in rules plus a user file; a user rule with a built-in rule's id replaces
    /// it.
    pub fn builtin_with(user: &str) -> Result<RuleSet, RulesError> {
        RuleSet::builtin()?.merge(RuleSet::from_toml(user)?)
    }

    /// `self` plus `other`'s rules; a rule of `other` replaces a rule of `self` with the
    /// same id.
    pub fn merge(self, other: RuleSet) -> Result<RuleSet, RulesError> {
        let mut rules = self.rules;
        for rule in other.rules {
            match rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => rules.push(rule),
            }
        }
        RuleSet::from_rules(rules)
    }

    fn from_rules(rules: Vec<Rule>) -> Result<RuleSet, RulesError> {
        if rules.is_empty() {
            return Err(RulesError::Empty);
        }
        let mut by_id = HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            if by_id.insert(rule.id.clone(), index).is_some() {
                return Err(RulesError::Rule {
                    id: rule.id.clone(),
                    problem: "duplicate rule id".into(),
                });
            }
        }
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut keyword_index: HashMap<String, usize> = HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                let slot = *keyword_index.entry(keyword.clone()).or_insert_with(|| {
                    keywords.push(keyword.clone());
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if let Some(owners) = keyword_rules.get_mut(slot)
                    && !owners.contains(&index)
                {
                    owners.push(index);
                }
            }
        }
        let prefilter =
            keywords::KeywordFinder::new(&keywords).map_err(|problem| RulesError::Rule {
                id: "<keywords>".into(),
                problem,
            })?;
        Ok(RuleSet {
            rules,
            by_id,
            prefilter,
            keyword_rules,
            scratch_id: engine::next_scratch_id(),
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).and_then(|&i| self.rules.get(i))
    }

    /// Index of a rule in [`RuleSet::rules`].
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Detects secrets in one buffer (a file or a decoded value). `data` may be invalid
    /// UTF-8 and any size. Detections come sorted by position.
    pub fn detect(&self, data: &[u8]) -> Vec<Detection> {
        engine::detect(self, data)
    }

    /// Runs every rule's examples and returns one message per failure; empty means every
    /// positive is found by exactly its rule and no negative is found by its rule. Meant
    /// for checking a user's rules file.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            for (n, example) in rule.examples.positive.iter().enumerate() {
                let found = self.detect(example.as_bytes());
                let ids: Vec<&str> = found
                    .iter()
                    .filter_map(|d| self.rules.get(d.rule_index).map(|r| r.id.as_str()))
                    .collect();
                let exact = !found.is_empty()
                    && found
                        .iter()
                        .all(|d| d.rule_index == index && !d.secret.is_empty());
                if !exact {
                    failures.push(format!(
                        "rule `{}`: positive example #{} detected as {:?}",
                        rule.id,
                        n + 1,
                        ids
                    ));
                }
            }
            for (n, example) in rule.examples.negative.iter().enumerate() {
                if self
                    .detect(example.as_bytes())
                    .iter()
                    .any(|d| d.rule_index == index)
                {
                    failures.push(format!(
                        "rule `{}`: negative example #{} was detected",
                        rule.id,
                        n + 1
                    ));
                }
            }
        }
        failures
    }
}

/// One secret found in a buffer. Holds the raw secret: never log it, and drop it as soon
/// as it is fingerprinted. Its `Debug` redacts the secret.
#[derive(Clone)]
pub struct Detection {
    /// Index into [`RuleSet::rules`].
    pub rule_index: usize,
    /// The canonical secret value: for an AWS pair the secret access key, for a GCP
    /// service account the decoded private key, for URLs the whole URL, for key blocks
    /// the block with normalised line breaks.
    pub secret: Zeroizing<String>,
    /// Byte range of the secret's text in the buffer (for a key pair: the secret half).
    pub start: usize,
    pub end: usize,
    /// 1-based line and byte column of `start`.
    pub line: u32,
    pub column: u32,
    /// A non-secret identifier: AWS key ID, GCP `private_key_id`, Azure account name,
    /// Twilio account SID.
    pub external_id: Option<String>,
    /// Non-secret facts: JWT claims, GCP `client_email`, database host and scheme.
    pub attributes: BTreeMap<String, String>,
    /// The match's line, or the line above, contains `nhi:ignore`.
    pub inline_ignored: bool,
}

impl Detection {
    /// The redacted preview: the rule's provider prefix (or a URL's scheme) and at most
    /// the last four characters.
    pub fn preview(&self, rules: &RuleSet) -> Preview {
        let rule_prefix = rules
            .rules()
            .get(self.rule_index)
            .map_or("", |r| r.preview_prefix.as_str());
        if rule_prefix.is_empty() && self.attributes.contains_key("scheme") {
            // URL credentials keep their scheme and the end of the host or path, never
            // any of the userinfo.
            return Preview::url(&self.secret);
        }
        Preview::redact(&self.secret, rule_prefix)
    }
}

impl fmt::Debug for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detection")
            .field("rule_index", &self.rule_index)
            .field(
                "secret",
                &format_args!("<redacted {} chars>", self.secret.len()),
            )
            .field("start", &self.start)
            .field("end", &self.end)
            .field("line", &self.line)
            .field("column", &self.column)
            .field("external_id", &self.external_id)
            .field("attributes", &self.attributes)
            .field("inline_ignored", &self.inline_ignored)
            .finish()
    }
}
