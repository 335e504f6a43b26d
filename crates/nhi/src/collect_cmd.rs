//! `nhi collect aws`: a live, read-only collection recorded like an imported export.

use anyhow::{Context, Result};

use crate::cli::CollectAwsArgs;
use crate::exit;
use crate::inventory_cmd::open_store;

/// One live AWS collection, mapped to the model.
pub struct AwsCollection {
    pub account: String,
    pub inventory: nhi_model::Inventory,
    pub warnings: Vec<String>,
    pub calls: usize,
}

impl AwsCollection {
    /// The store origin: a later collection of the same account replaces this one.
    pub fn origin(&self) -> String {
        format!("collect:aws:{}", self.account)
    }
}

pub fn collect_aws(options: &nhi_collect_aws::CollectOptions) -> Result<AwsCollection> {
    let collection = nhi_collect_aws::collect_blocking(options).context("AWS collection failed")?;
    let account = collection
        .account_id
        .clone()
        .unwrap_or_else(|| "unknown-account".into());
    let mut inventory = nhi_model::Inventory::default();
    let mut warnings = collection.warnings.clone();
    for export in &collection.exports {
        // Provenance names the API call, as a file would name the export.
        let label = format!("aws:{account}:{}", export.kind.command());
        let batch = nhi_ingest::aws_batch(export, &label);
        warnings.extend(
            batch
                .warnings
                .iter()
                .map(|w| format!("{}: {}: {}", w.file, w.position, w.message)),
        );
        inventory.merge(batch);
    }
    inventory.normalize();
    Ok(AwsCollection {
        account,
        inventory,
        warnings,
        calls: collection.exports.len(),
    })
}

pub fn aws(args: &CollectAwsArgs) -> Result<u8> {
    let options = nhi_collect_aws::CollectOptions {
        endpoint_url: args.endpoint_url.clone(),
        region: args.region.clone(),
        profile: args.profile.clone(),
        max_attempts: args.max_attempts,
    };
    if !args.quiet {
        eprintln!("nhi: collecting AWS IAM, Secrets Manager and Organizations (read-only)…");
    }
    let collected = collect_aws(&options)?;
    let mut store = open_store(args.db.as_deref())?;
    store
        .record_inventory(
            &collected.origin(),
            jiff::Timestamp::now(),
            &collected.inventory,
        )
        .context("cannot record the collection in the store")?;
    if !args.quiet {
        for warning in &collected.warnings {
            eprintln!("nhi: warning: {warning}");
        }
        let inventory = &collected.inventory;
        eprintln!(
            "nhi: AWS account {}: {} identities, {} credentials, {} grants from {} calls",
            collected.account,
            inventory.identities.len(),
            inventory.credentials.len(),
            inventory.grants.len(),
            collected.calls
        );
    }
    Ok(if collected.warnings.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}
