//! Organizations: `list-accounts`. Only the management account or a
//! delegated administrator may call it, so denial is expected and harmless.

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::Account;
use nhi_aws::{AwsExport, AwsExportKind};
use serde_json::Value;

use crate::cli_json::{Obj, parse};
use crate::error::{Failure, Optional, optional};
use crate::{CollectError, Redactor};

const LIST_ACCOUNTS: &str = "organizations ListAccounts";

const DESCRIBE_ORGANIZATION: &str = "organizations DescribeOrganization";

/// `describe-organization` first: any member account may call it, and it
/// tells "no organization" apart from "not allowed to list" (some emulators
/// list an empty organization instead of failing). Then `list-accounts`.
pub(crate) async fn list_accounts(
    client: &Client,
    redactor: &Redactor,
) -> Result<Optional<AwsExport>, CollectError> {
    if let Err(e) = client.describe_organization().send().await {
        let failure = Failure::from_sdk(DESCRIBE_ORGANIZATION, e, redactor);
        if failure.has_code(NOT_IN_USE) {
            return Ok(not_in_an_organization());
        }
        // Denied here says nothing about ListAccounts (SCPs can differ); try it.
        if !failure.is_denied() {
            return Err(failure.into_error());
        }
    }
    let mut accounts = Vec::new();
    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => accounts.extend(page.accounts().iter().map(account_json)),
            Err(e) => {
                let failure = Failure::from_sdk(LIST_ACCOUNTS, e, redactor);
                if failure.has_code(NOT_IN_USE) {
                    return Ok(not_in_an_organization());
                }
                return optional(failure);
            }
        }
    }
    let listed = Obj::new().list("Accounts", accounts).build();
    parse(AwsExportKind::ListAccounts, LIST_ACCOUNTS, &listed).map(Optional::Collected)
}

const NOT_IN_USE: &str = "AWSOrganizationsNotInUseException";

fn not_in_an_organization() -> Optional<AwsExport> {
    Optional::Skipped(format!(
        "{LIST_ACCOUNTS} skipped: this account is not in an AWS Organization"
    ))
}

fn account_json(account: &Account) -> Value {
    Obj::new()
        .str("Id", account.id())
        .str("Arn", account.arn())
        .str("Email", account.email())
        .str("Name", account.name())
        .str("Status", account.status().map(|s| s.as_str()))
        .str("State", account.state().map(|s| s.as_str()))
        .str("JoinedMethod", account.joined_method().map(|m| m.as_str()))
        .date("JoinedTimestamp", account.joined_timestamp())
        .build()
}
