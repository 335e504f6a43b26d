//! `aws organizations list-accounts`.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ExportWarning;
use crate::json::{normalize, take_list, warn_if_truncated};
use crate::time::opt_timestamp;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Older field (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`); AWS is
    /// replacing it with `State`, so exports may carry either or both.
    #[serde(default)]
    pub status: Option<String>,
    /// Newer lifecycle field (`PENDING_ACTIVATION`, `ACTIVE`, `SUSPENDED`,
    /// `PENDING_CLOSURE`, `CLOSED`).
    #[serde(default)]
    pub state: Option<String>,
    /// `INVITED` or `CREATED`.
    #[serde(default)]
    pub joined_method: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub joined_timestamp: Option<Timestamp>,
}

impl Account {
    /// The lifecycle state, preferring the newer `State` field.
    pub fn lifecycle(&self) -> Option<&str> {
        self.state.as_deref().or(self.status.as_deref())
    }
}

pub(crate) fn parse(
    mut root: Map<String, Value>,
    file: &str,
    warnings: &mut Vec<ExportWarning>,
) -> Vec<Account> {
    warn_if_truncated(&root, file, warnings);
    if let Some(list) = root.get_mut("Accounts") {
        normalize(list, "Accounts", file, warnings);
    }
    take_list(&mut root, "Accounts", file, warnings)
}
