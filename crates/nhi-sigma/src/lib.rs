//! Sigma rules for the AWS CloudTrail log source, evaluated against raw CloudTrail
//! records (`serde_json::Value`).
//!
//! Supported: named selections (maps are AND, lists of maps are OR), value lists (OR,
//! or AND with `|all`), the modifiers `contains`, `startswith`, `endswith`, `all`,
//! `re` (with `i`, `m`, `s`), `cidr`, `exists` and `cased`, `null` values, keyword
//! searches, `*`/`?` wildcards with Sigma's backslash escapes, and conditions with
//! `and`/`or`/`not`, parentheses, `1 of`/`all of` patterns and `them`. String matching
//! is case-insensitive unless `cased` is given. Rules for other log sources, and rules
//! using anything else (aggregations, `timeframe`, correlations, other modifiers), are
//! rejected with an error naming the file, the rule and where in it.

mod condition;
mod error;
mod pattern;
mod rule;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

pub use error::{ErrorKind, LoadError};
pub use rule::{Level, Rule};
use serde::Deserialize;

/// A set of loaded rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// 1-based line of the first line at or after `from_line` that contains `needle`.
fn find_line(text: &str, needle: &str, from_line: u32) -> Option<(u32, u32)> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1) as usize)
        .find_map(|(n, line)| {
            let column = line.find(needle)?;
            Some((u32::try_from(n + 1).ok()?, u32::try_from(column + 1).ok()?))
        })
}

/// Places a semantic error in the source text: the rule's title line, then the last
/// key of the error's path after it.
fn locate(text: &str, rule_title: Option<&str>, error: &mut LoadError) {
    if error.line.is_some() {
        return;
    }
    let start = rule_title
        .and_then(|t| find_line(text, t, 1))
        .map_or(1, |(line, _)| line);
    let Some(path) = &error.path else { return };
    let key = path.rsplit('.').next().unwrap_or(path);
    let key = key.split('[').next().unwrap_or(key);
    // A YAML key is followed by a colon; that keeps titles and values from matching.
    let found = find_line(text, &format!("{key}:"), start).or_else(|| find_line(text, key, start));
    if let Some((line, column)) = found {
        error.line = Some(line);
        error.column = Some(column);
        // A single-line condition: point at the offending character itself.
        let after_key = column as usize + key.len();
        if let ErrorKind::Condition { offset, .. } = error.kind
            && let Some(source_line) = text.lines().nth(line as usize - 1)
            && let Some(value) = source_line.get(after_key..)
        {
            let indent = value.len() - value.trim_start().len();
            let quote = usize::from(value.trim_start().starts_with(['"', '\'']));
            let start = after_key + indent + quote;
            if start < source_line.len() {
                error.column = u32::try_from(start + offset as usize + 1).ok();
            }
        }
    }
}

impl RuleSet {
    pub fn new() -> Self {
        RuleSet::default()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rule (one YAML document each) in `text`; fails on the first bad one.
    pub fn from_yaml_str(text: &str) -> Result<RuleSet, LoadError> {
        let mut set = RuleSet::new();
        match set.add_yaml(text, None).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(set),
        }
    }

    /// Adds the rules in `text` (from `file`, for messages); returns the rejected ones'
    /// errors and keeps the others.
    pub fn add_yaml(&mut self, text: &str, file: Option<&Path>) -> Vec<LoadError> {
        let mut errors = Vec::new();
        let mut known_ids: HashSet<String> =
            self.rules.iter().filter_map(|r| r.id.clone()).collect();
        for (index, document) in serde_norway::Deserializer::from_str(text).enumerate() {
            let yaml = match serde_norway::Value::deserialize(document) {
                Ok(yaml) => yaml,
                Err(err) => {
                    let mut error = LoadError::new(ErrorKind::Yaml(err.to_string()));
                    if let Some(location) = err.location() {
                        error.line = u32::try_from(location.line()).ok();
                        error.column = u32::try_from(location.column()).ok();
                    }
                    error.rule = Some(format!("document {}", index + 1));
                    error.file = file.map(Path::to_path_buf);
                    errors.push(error);
                    // The parser cannot resume after a syntax error.
                    break;
                }
            };
            if yaml.is_null() {
                continue;
            }
            let title = yaml
                .get("title")
                .and_then(|t| t.as_str())
                .map(str::to_string);
            let name = title
                .clone()
                .or_else(|| yaml.get("id").and_then(|t| t.as_str()).map(str::to_string))
                .unwrap_or_else(|| format!("document {}", index + 1));
            let result = rule::rule_from_yaml(&yaml).and_then(|rule| match &rule.id {
                Some(id) if !known_ids.insert(id.clone()) => {
                    Err(LoadError::new(ErrorKind::DuplicateId(id.clone())).at_path("id"))
                }
                _ => Ok(rule),
            });
            match result {
                Ok(mut rule) => {
                    rule.file = file.map(Path::to_path_buf);
                    self.rules.push(rule);
                }
                Err(mut error) => {
                    error.file = file.map(Path::to_path_buf);
                    error.rule = Some(name);
                    locate(text, title.as_deref(), &mut error);
                    errors.push(error);
                }
            }
        }
        errors
    }

    /// Loads every `.yml`/`.yaml` file under `dir` (recursively, in path order). Bad
    /// files and rules are reported and skipped; the rest load.
    pub fn load_dir(dir: impl AsRef<Path>) -> (RuleSet, Vec<LoadError>) {
        let mut set = RuleSet::new();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        if let Err(error) = collect_rule_files(dir.as_ref(), &mut files) {
            errors.push(error);
        }
        files.sort();
        for file in files {
            match fs::read_to_string(&file) {
                Ok(text) => errors.extend(set.add_yaml(&text, Some(&file))),
                Err(err) => {
                    let mut error = LoadError::new(ErrorKind::Io(err.to_string()));
                    error.file = Some(file);
                    errors.push(error);
                }
            }
        }
        (set, errors)
    }

    /// The rules that fire on a CloudTrail record, in load order.
    pub fn matches(&self, record: &serde_json::Value) -> Vec<&Rule> {
        self.rules.iter().filter(|r| r.matches(record)).collect()
    }
}

fn collect_rule_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = fs::read_dir(dir).map_err(|err| {
        let mut error = LoadError::new(ErrorKind::Io(err.to_string()));
        error.file = Some(dir.to_path_buf());
        error
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rule_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(path);
        }
    }
    Ok(())
}
