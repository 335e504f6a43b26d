//! Turning one YAML document into a [`Rule`], and evaluating it on a record.

use serde_json::Value as Json;
use serde_norway::{Mapping, Value as Yaml};

use crate::condition::{self, Condition};
use crate::error::{ErrorKind, LoadError};
use crate::pattern::{Cidr, Pattern, StringMatch};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text.to_ascii_lowercase().as_str() {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// One field condition of a selection: `path|modifiers: values`.
#[derive(Debug, Clone)]
struct FieldTest {
    /// Dotted path split on dots; `None` for keywords, searched in every value.
    path: Option<Vec<String>>,
    patterns: Vec<Pattern>,
    /// The `all` modifier: every pattern must match, not just one.
    all: bool,
}

/// A named search: any one of the alternatives, each an AND of field tests.
#[derive(Debug, Clone)]
struct Search {
    alternatives: Vec<Vec<FieldTest>>,
}

/// A loaded Sigma rule for the AWS CloudTrail log source.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: Option<String>,
    pub title: String,
    pub status: Option<String>,
    pub description: Option<String>,
    pub level: Option<Level>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub references: Vec<String>,
    pub author: Option<String>,
    pub file: Option<std::path::PathBuf>,
    searches: Vec<Search>,
    condition: Condition,
}

impl Rule {
    /// Does the CloudTrail record satisfy the rule's condition?
    pub fn matches(&self, record: &Json) -> bool {
        let mut memo: Vec<Option<bool>> = vec![None; self.searches.len()];
        self.condition.evaluate(&mut |index| {
            *memo[index].get_or_insert_with(|| search_matches(&self.searches[index], record))
        })
    }

    /// ATT&CK technique ids from tags such as `attack.t1562.008`, upper-cased.
    pub fn attack_techniques(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack."))
            .filter(|t| {
                let mut chars = t.chars();
                matches!(chars.next(), Some('t' | 'T'))
                    && chars.next().is_some_and(|c| c.is_ascii_digit())
            })
            .map(|t| t.to_ascii_uppercase())
            .collect()
    }

    /// ATT&CK tactics from tags such as `attack.defense-evasion`.
    pub fn attack_tactics(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack."))
            .filter(|t| !t.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    }
}

fn search_matches(search: &Search, record: &Json) -> bool {
    search
        .alternatives
        .iter()
        .any(|tests| tests.iter().all(|test| test_matches(test, record)))
}

fn test_matches(test: &FieldTest, record: &Json) -> bool {
    let mut values = Vec::new();
    match &test.path {
        Some(path) => resolve(record, path, &mut values),
        None => leaves(record, &mut values),
    }
    let present = values.iter().any(|v| !v.is_null());
    let holds = |pattern: &Pattern| match pattern {
        Pattern::Null => !present,
        Pattern::Exists(wanted) => present == *wanted,
        other => values.iter().any(|v| other.matches_scalar(v)),
    };
    if test.all {
        test.patterns.iter().all(holds)
    } else {
        test.patterns.iter().any(holds)
    }
}

/// Values at a dotted path. Arrays on the way are searched element by element, and a
/// key that itself contains dots is tried before splitting it.
fn resolve<'a>(value: &'a Json, path: &[String], out: &mut Vec<&'a Json>) {
    if path.is_empty() {
        match value {
            Json::Array(items) => out.extend(items.iter()),
            other => out.push(other),
        }
        return;
    }
    match value {
        Json::Object(map) => {
            let mut key = String::new();
            for take in 1..=path.len() {
                if take > 1 {
                    key.push('.');
                }
                key.push_str(&path[take - 1]);
                let child = map.get(&key).or_else(|| {
                    // Field names are compared exactly first, then ignoring case.
                    map.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                        .map(|(_, v)| v)
                });
                if let Some(child) = child {
                    resolve(child, &path[take..], out);
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|item| resolve(item, path, out)),
        _ => {}
    }
}

/// Every scalar in the record, for keyword searches.
fn leaves<'a>(value: &'a Json, out: &mut Vec<&'a Json>) {
    match value {
        Json::Object(map) => map.values().for_each(|v| leaves(v, out)),
        Json::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        Json::Null => {}
        scalar => out.push(scalar),
    }
}

fn yaml_str<'a>(map: &'a Mapping, key: &str) -> Option<&'a Yaml> {
    map.get(Yaml::String(key.to_string()))
}

fn field_error(field: &str, problem: &str) -> LoadError {
    LoadError::new(ErrorKind::Field(format!("'{field}' {problem}")))
}

fn optional_string(map: &Mapping, key: &'static str) -> Result<Option<String>, LoadError> {
    match yaml_str(map, key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::String(s)) => Ok(Some(s.clone())),
        Some(Yaml::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(field_error(key, "must be a string")),
    }
}

fn string_list(map: &Mapping, key: &'static str) -> Result<Vec<String>, LoadError> {
    match yaml_str(map, key) {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::String(s)) => Ok(vec![s.clone()]),
        Some(Yaml::Sequence(items)) => items
            .iter()
            .map(|item| match item {
                Yaml::String(s) => Ok(s.clone()),
                Yaml::Number(n) => Ok(n.to_string()),
                _ => Err(field_error(key, "must be a list of strings")),
            })
            .collect(),
        Some(_) => Err(field_error(key, "must be a string or a list of strings")),
    }
}

/// Builds a rule from one YAML document (already parsed).
pub(crate) fn rule_from_yaml(document: &Yaml) -> Result<Rule, LoadError> {
    let map = match document {
        Yaml::Mapping(map) => map,
        _ => {
            return Err(LoadError::new(ErrorKind::Value(
                "a rule must be a YAML mapping".into(),
            )));
        }
    };
    for unsupported in ["action", "correlation", "filter"] {
        if yaml_str(map, unsupported).is_some() {
            return Err(LoadError::new(ErrorKind::UnsupportedFeature(format!(
                "'{unsupported}' documents (rule collections, correlations, filters)"
            )))
            .at_path(unsupported));
        }
    }
    let title =
        optional_string(map, "title")?.ok_or_else(|| field_error("title", "is required"))?;
    let logsource = match yaml_str(map, "logsource") {
        Some(Yaml::Mapping(m)) => m,
        _ => {
            return Err(field_error(
                "logsource",
                "is required and must be a mapping",
            ));
        }
    };
    let product = optional_string(logsource, "product")?.unwrap_or_default();
    let service = optional_string(logsource, "service")?.unwrap_or_default();
    if !product.eq_ignore_ascii_case("aws") || !service.eq_ignore_ascii_case("cloudtrail") {
        return Err(LoadError::new(ErrorKind::UnsupportedLogSource(format!(
            "product '{product}', service '{service}'"
        )))
        .at_path("logsource"));
    }
    let level = match optional_string(map, "level")? {
        None => None,
        Some(text) => Some(Level::parse(&text).ok_or_else(|| {
            field_error(
                "level",
                "must be informational, low, medium, high or critical",
            )
            .at_path("level")
        })?),
    };
    let detection = match yaml_str(map, "detection") {
        Some(Yaml::Mapping(m)) => m,
        _ => {
            return Err(field_error(
                "detection",
                "is required and must be a mapping",
            ));
        }
    };
    let (searches, condition) = detection_from_yaml(detection)?;
    Ok(Rule {
        id: optional_string(map, "id")?,
        title,
        status: optional_string(map, "status")?,
        description: optional_string(map, "description")?,
        level,
        tags: string_list(map, "tags")?,
        falsepositives: string_list(map, "falsepositives")?,
        references: string_list(map, "references")?,
        author: optional_string(map, "author")?,
        file: None,
        searches,
        condition,
    })
}

fn detection_from_yaml(detection: &Mapping) -> Result<(Vec<Search>, Condition), LoadError> {
    let mut names = Vec::new();
    let mut searches = Vec::new();
    let mut conditions = Vec::new();
    for (key, value) in detection {
        let name = match key {
            Yaml::String(s) => s.clone(),
            _ => {
                return Err(LoadError::new(ErrorKind::Value(
                    "detection keys must be strings".into(),
                ))
                .at_path("detection"));
            }
        };
        match name.as_str() {
            "condition" => match value {
                Yaml::String(text) => conditions.push(text.clone()),
                // A list of conditions is an older form meaning any of them.
                Yaml::Sequence(items) => {
                    for item in items {
                        match item {
                            Yaml::String(text) => conditions.push(text.clone()),
                            _ => {
                                return Err(field_error("condition", "must be a string")
                                    .at_path("detection.condition"));
                            }
                        }
                    }
                }
                _ => {
                    return Err(
                        field_error("condition", "must be a string").at_path("detection.condition")
                    );
                }
            },
            "timeframe" => {
                return Err(LoadError::new(ErrorKind::UnsupportedFeature(
                    "'timeframe' (aggregations over time)".into(),
                ))
                .at_path("detection.timeframe"));
            }
            _ => {
                let at = format!("detection.{name}");
                searches.push(search_from_yaml(value, &at)?);
                names.push(name);
            }
        }
    }
    if conditions.is_empty() {
        return Err(field_error("condition", "is required").at_path("detection"));
    }
    let mut parsed = Vec::new();
    for text in &conditions {
        let condition = condition::parse(text, &names).map_err(|e| {
            LoadError::new(ErrorKind::Condition {
                message: format!(
                    "{} (at character {} of \"{text}\")",
                    e.message,
                    e.offset + 1
                ),
                offset: u32::try_from(e.offset).unwrap_or(u32::MAX),
            })
            .at_path("detection.condition")
        })?;
        parsed.push(condition);
    }
    let condition = if parsed.len() == 1 {
        parsed.remove(0)
    } else {
        Condition::Or(parsed)
    };
    Ok((searches, condition))
}

fn search_from_yaml(value: &Yaml, at: &str) -> Result<Search, LoadError> {
    let alternatives = match value {
        Yaml::Mapping(map) => vec![map_tests(map, at)?],
        Yaml::Sequence(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, Yaml::Mapping(_))) =>
        {
            items
                .iter()
                .enumerate()
                .map(|(n, item)| match item {
                    Yaml::Mapping(map) => map_tests(map, &format!("{at}[{n}]")),
                    _ => unreachable!("checked above"),
                })
                .collect::<Result<_, _>>()?
        }
        Yaml::Sequence(items) if items.iter().all(is_scalar) => {
            vec![vec![keyword_test(items, at)?]]
        }
        Yaml::Sequence(_) => {
            return Err(LoadError::new(ErrorKind::Value(
                "a search list must hold only mappings or only keywords".into(),
            ))
            .at_path(at));
        }
        scalar if is_scalar(scalar) => vec![vec![keyword_test(std::slice::from_ref(scalar), at)?]],
        _ => {
            return Err(
                LoadError::new(ErrorKind::Value("unsupported search form".into())).at_path(at),
            );
        }
    };
    Ok(Search { alternatives })
}

fn is_scalar(value: &Yaml) -> bool {
    matches!(
        value,
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) | Yaml::Null
    )
}

fn keyword_test(items: &[Yaml], at: &str) -> Result<FieldTest, LoadError> {
    if items.is_empty() {
        return Err(LoadError::new(ErrorKind::Value("empty keyword list".into())).at_path(at));
    }
    let patterns = items
        .iter()
        .map(|item| {
            let text = scalar_string(item).unwrap_or_default();
            Pattern::string(&text, StringMatch::Contains, false)
                .map_err(|e| LoadError::new(ErrorKind::Regex(e.to_string())).at_path(at))
        })
        .collect::<Result<_, _>>()?;
    Ok(FieldTest {
        path: None,
        patterns,
        all: false,
    })
}

fn scalar_string(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[derive(Default)]
struct Modifiers {
    mode: Option<StringMatch>,
    all: bool,
    regex: bool,
    regex_flags: (bool, bool, bool),
    cidr: bool,
    exists: bool,
    cased: bool,
}

fn parse_modifiers(names: &[&str], at: &str) -> Result<Modifiers, LoadError> {
    let mut m = Modifiers::default();
    for name in names {
        let set_mode = |m: &mut Modifiers, mode| {
            if m.mode.is_some() {
                return Err(LoadError::new(ErrorKind::UnsupportedModifier(format!(
                    "{name} (only one of contains, startswith, endswith)"
                )))
                .at_path(at));
            }
            m.mode = Some(mode);
            Ok(())
        };
        match name.to_ascii_lowercase().as_str() {
            "contains" => set_mode(&mut m, StringMatch::Contains)?,
            "startswith" => set_mode(&mut m, StringMatch::StartsWith)?,
            "endswith" => set_mode(&mut m, StringMatch::EndsWith)?,
            "all" => m.all = true,
            "re" => m.regex = true,
            "i" if m.regex => m.regex_flags.0 = true,
            "m" if m.regex => m.regex_flags.1 = true,
            "s" if m.regex => m.regex_flags.2 = true,
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "cased" => m.cased = true,
            _ => {
                return Err(
                    LoadError::new(ErrorKind::UnsupportedModifier(name.to_string())).at_path(at),
                );
            }
        }
    }
    let exclusive = [m.mode.is_some(), m.regex, m.cidr, m.exists]
        .iter()
        .filter(|b| **b)
        .count();
    if exclusive > 1 {
        return Err(LoadError::new(ErrorKind::UnsupportedModifier(
            "combination of re, cidr, exists and contains/startswith/endswith".into(),
        ))
        .at_path(at));
    }
    Ok(m)
}

fn map_tests(map: &Mapping, at: &str) -> Result<Vec<FieldTest>, LoadError> {
    if map.is_empty() {
        return Err(LoadError::new(ErrorKind::Value("empty selection".into())).at_path(at));
    }
    let mut tests = Vec::new();
    for (key, value) in map {
        let key = match key {
            Yaml::String(s) => s.clone(),
            other => scalar_string(other).ok_or_else(|| {
                LoadError::new(ErrorKind::Value("field names must be strings".into())).at_path(at)
            })?,
        };
        let here = format!("{at}.{key}");
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default();
        let modifier_names: Vec<&str> = parts.collect();
        let mut modifiers = parse_modifiers(&modifier_names, &here)?;
        // A keyword (no field name) is searched for inside values, as keyword lists are.
        if field.is_empty()
            && modifiers.mode.is_none()
            && !modifiers.regex
            && !modifiers.cidr
            && !modifiers.exists
        {
            modifiers.mode = Some(StringMatch::Contains);
        }
        let values: Vec<&Yaml> = match value {
            Yaml::Sequence(items) => {
                if items.is_empty() {
                    return Err(
                        LoadError::new(ErrorKind::Value("empty value list".into())).at_path(here)
                    );
                }
                items.iter().collect()
            }
            single => vec![single],
        };
        let mut patterns = Vec::new();
        for value in values {
            patterns.push(value_pattern(value, &modifiers, &here)?);
        }
        tests.push(FieldTest {
            path: if field.is_empty() {
                None
            } else {
                Some(field.split('.').map(str::to_string).collect())
            },
            patterns,
            all: modifiers.all,
        });
    }
    Ok(tests)
}

fn value_pattern(value: &Yaml, m: &Modifiers, at: &str) -> Result<Pattern, LoadError> {
    let regex_error = |e: regex::Error| LoadError::new(ErrorKind::Regex(e.to_string())).at_path(at);
    if m.exists {
        return match value {
            Yaml::Bool(b) => Ok(Pattern::Exists(*b)),
            _ => Err(
                LoadError::new(ErrorKind::Value("'exists' takes true or false".into())).at_path(at),
            ),
        };
    }
    if matches!(value, Yaml::Null) {
        if m.mode.is_some() || m.regex || m.cidr {
            return Err(LoadError::new(ErrorKind::Value(
                "null cannot take a string modifier".into(),
            ))
            .at_path(at));
        }
        return Ok(Pattern::Null);
    }
    let text = scalar_string(value).ok_or_else(|| {
        LoadError::new(ErrorKind::Value(
            "values must be strings, numbers, booleans or null".into(),
        ))
        .at_path(at)
    })?;
    if m.regex {
        let (i, multiline, dotall) = m.regex_flags;
        return Pattern::regex(&text, i, multiline, dotall).map_err(regex_error);
    }
    if m.cidr {
        return Cidr::parse(&text)
            .map(Pattern::Cidr)
            .ok_or_else(|| LoadError::new(ErrorKind::Cidr(text.clone())).at_path(at));
    }
    Pattern::string(&text, m.mode.unwrap_or(StringMatch::Whole), m.cased).map_err(regex_error)
}
