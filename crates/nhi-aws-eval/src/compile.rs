//! Compiling policy documents into grants over action ids.

use std::collections::HashMap;
use std::sync::Arc;

use nhi_aws::{Effect, PolicyDocument, Statement};
use serde_json::Value;

use crate::EffectiveGrant;
use crate::actionset::ActionSet;
use crate::catalog::{AccessLevel, ActionCatalog};
use crate::glob::{glob_match, has_wildcard};

/// Condition operators IAM documents (without `ForAllValues:` /
/// `ForAnyValue:` prefixes and the `IfExists` suffix).
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// One compiled Allow or Deny statement.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub actions: Arc<ActionSet>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    pub conditional: bool,
    pub condition: Option<String>,
    pub via: String,
}

impl Grant {
    pub fn is_unrestricted(&self) -> bool {
        !self.conditional
            && self.not_resources.is_empty()
            && self.resources.iter().any(|r| r == "*")
    }

    pub fn to_effective(&self) -> EffectiveGrant {
        EffectiveGrant {
            actions: self.actions.clone(),
            resources: self.resources.clone(),
            not_resources: self.not_resources.clone(),
            conditional: self.conditional,
            conditions: self.condition.iter().cloned().collect(),
            via: vec![self.via.clone()],
        }
    }
}

/// A compiled policy document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Compiled {
    pub allows: Vec<Grant>,
    pub denies: Vec<Grant>,
    pub warnings: Vec<String>,
}

impl Compiled {
    pub fn malformed(_name: &str, warning: String) -> Self {
        Compiled {
            warnings: vec![warning],
            ..Compiled::default()
        }
    }
}

pub(crate) struct Compiler {
    names: Vec<String>,
    levels: Vec<Option<AccessLevel>>,
    ids: HashMap<String, u32>,
    by_service: HashMap<String, Vec<u32>>,
    cache: HashMap<String, (Arc<ActionSet>, Option<String>)>,
    all: Arc<ActionSet>,
    sealed: bool,
}

impl Compiler {
    pub fn new(catalog: &dyn ActionCatalog) -> Self {
        let mut c = Compiler {
            names: Vec::new(),
            levels: Vec::new(),
            ids: HashMap::new(),
            by_service: HashMap::new(),
            cache: HashMap::new(),
            all: Arc::default(),
            sealed: false,
        };
        for (name, level) in catalog.actions() {
            c.add(name, Some(level));
        }
        c
    }

    fn add(&mut self, name: &str, level: Option<AccessLevel>) -> u32 {
        let lower = name.to_ascii_lowercase();
        if let Some(id) = self.ids.get(&lower) {
            return *id;
        }
        let id = self.names.len() as u32;
        let service = lower.split(':').next().unwrap_or_default().to_string();
        self.by_service.entry(service).or_default().push(id);
        self.ids.insert(lower, id);
        self.names.push(name.to_string());
        self.levels.push(level);
        id
    }

    /// Id of an action, adding it as unknown (no access level) if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        self.add(name, None)
    }

    /// Intern every literal action a document names.
    pub fn intern_literals(&mut self, doc: &PolicyDocument) {
        for st in &doc.statement {
            for a in st.action.iter().chain(&st.not_action).flatten() {
                if !has_wildcard(a) && a.contains(':') {
                    self.intern(a);
                }
            }
        }
    }

    /// No more interning of unknown actions; `*` now means every id so far.
    pub fn seal(&mut self) {
        self.all = Arc::new(ActionSet::full(self.names.len()));
        self.cache.clear();
        self.sealed = true;
    }

    pub fn finish(self) -> (Vec<String>, Vec<Option<AccessLevel>>, HashMap<String, u32>) {
        (self.names, self.levels, self.ids)
    }

    /// Expand one action pattern; cached per distinct (lower-cased) pattern.
    fn expand(&mut self, pattern: &str) -> (Arc<ActionSet>, Option<String>) {
        let lower = pattern.trim().to_ascii_lowercase();
        if let Some(hit) = self.cache.get(&lower) {
            return hit.clone();
        }
        let result = if lower == "*" {
            (self.all.clone(), None)
        } else if !lower.contains(':') {
            (
                Arc::default(),
                Some(format!(
                    "malformed action {pattern:?} (no service prefix); ignored"
                )),
            )
        } else if !has_wildcard(&lower) {
            match self.ids.get(&lower) {
                Some(&id) => {
                    let warning = self.levels[id as usize].is_none().then(|| {
                        format!("unknown action {pattern} (not in the catalog); kept verbatim as allowed/denied, counted as Write")
                    });
                    (Arc::new(std::iter::once(id).collect()), warning)
                }
                None => (
                    Arc::default(),
                    Some(format!("unknown action {pattern} (not in the catalog)")),
                ),
            }
        } else {
            let service = lower.split(':').next().unwrap_or_default();
            let set: ActionSet = if has_wildcard(service) {
                (0..self.names.len() as u32)
                    .filter(|id| glob_match(&lower, &self.names[*id as usize], true))
                    .collect()
            } else {
                self.by_service
                    .get(service)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|id| glob_match(&lower, &self.names[*id as usize], true))
                    .collect()
            };
            let warning = set
                .is_empty()
                .then(|| format!("action pattern {pattern} matches no action in the catalog"));
            (Arc::new(set), warning)
        };
        self.cache.insert(lower, result.clone());
        result
    }

    fn expand_list(
        &mut self,
        list: &[String],
        warnings: &mut Vec<String>,
        context: &str,
    ) -> ActionSet {
        let mut set = ActionSet::new();
        if let [one] = list {
            let (s, w) = self.expand(one);
            warnings.extend(w.map(|w| format!("{context}: {w}")));
            return (*s).clone();
        }
        for a in list {
            let (s, w) = self.expand(a);
            warnings.extend(w.map(|w| format!("{context}: {w}")));
            set.union_with(&s);
        }
        set
    }

    /// The actions a statement covers (for trust policies).
    pub fn statement_actions(&mut self, st: &Statement) -> ActionSet {
        let mut ignore = Vec::new();
        match (&st.action, &st.not_action) {
            (Some(a), _) => self.expand_list(a, &mut ignore, ""),
            (None, Some(na)) => {
                let excluded = self.expand_list(na, &mut ignore, "");
                self.all.difference(&excluded)
            }
            (None, None) => ActionSet::new(),
        }
    }

    pub fn compile(&mut self, name: &str, doc: &PolicyDocument) -> Compiled {
        let mut out = Compiled::default();
        for (i, st) in doc.statement.iter().enumerate() {
            let context = match &st.sid {
                Some(sid) if !sid.is_empty() => format!("policy {name} statement {sid}"),
                _ => format!("policy {name} statement {i}"),
            };
            let actions = match (&st.action, &st.not_action) {
                (Some(a), None) => self.expand_list(a, &mut out.warnings, &context),
                (None, Some(na)) => {
                    let excluded = self.expand_list(na, &mut out.warnings, &context);
                    self.all.difference(&excluded)
                }
                (Some(_), Some(_)) => {
                    out.warnings.push(format!(
                        "{context}: malformed (both Action and NotAction); statement ignored"
                    ));
                    continue;
                }
                (None, None) => {
                    out.warnings.push(format!(
                        "{context}: malformed (no Action or NotAction); statement ignored"
                    ));
                    continue;
                }
            };
            let (resources, not_resources) = match (&st.resource, &st.not_resource) {
                (Some(r), None) => (r.clone(), Vec::new()),
                (None, Some(nr)) => (vec!["*".to_string()], nr.clone()),
                (Some(_), Some(_)) => {
                    out.warnings.push(format!(
                        "{context}: malformed (both Resource and NotResource); statement ignored"
                    ));
                    continue;
                }
                (None, None) => match st.effect {
                    Effect::Allow => {
                        out.warnings.push(format!(
                            "{context}: malformed (no Resource); treated as Resource \"*\""
                        ));
                        (vec!["*".to_string()], Vec::new())
                    }
                    Effect::Deny => {
                        out.warnings.push(format!(
                            "{context}: malformed Deny (no Resource); not applied"
                        ));
                        continue;
                    }
                },
            };
            let (conditional, condition) = match &st.condition {
                None | Some(Value::Null) => (false, None),
                Some(Value::Object(map)) if map.is_empty() => (false, None),
                Some(Value::Object(map)) => {
                    for op in map.keys() {
                        if !operator_supported(op) {
                            out.warnings.push(format!(
                                "{context}: unsupported condition operator {op}; the statement is treated as conditional (Allow counted, Deny not applied)"
                            ));
                        }
                    }
                    (true, Some(condition_text(st.condition.as_ref())))
                }
                Some(_) => {
                    out.warnings.push(format!(
                        "{context}: malformed Condition (not an object); the statement is treated as conditional"
                    ));
                    (true, Some(condition_text(st.condition.as_ref())))
                }
            };
            let grant = Grant {
                actions: Arc::new(actions),
                resources,
                not_resources,
                conditional,
                condition,
                via: name.to_string(),
            };
            match st.effect {
                Effect::Allow => out.allows.push(grant),
                Effect::Deny => out.denies.push(grant),
            }
        }
        out
    }
}

fn condition_text(value: Option<&Value>) -> String {
    let text = value.map(Value::to_string).unwrap_or_default();
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}…", &text[..cut])
    } else {
        text
    }
}

/// Is this a documented condition operator?
pub fn operator_supported(op: &str) -> bool {
    let base = op
        .strip_prefix("ForAllValues:")
        .or_else(|| op.strip_prefix("ForAnyValue:"))
        .unwrap_or(op);
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    CONDITION_OPERATORS.contains(&base)
}
