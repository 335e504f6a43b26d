//! The parallel encoder of inventory collection bodies writes exactly what
//! `serde_json::to_string` writes: stores written before it, and every reader, use serde.

use std::path::{Path, PathBuf};

use nhi_model::{Identity, IdentityKind, Inventory, Provenance, Provider};
use nhi_store::backend::inventory_body;

fn export_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            export_files(&entry, out);
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("json" | "csv")
        ) {
            out.push(entry);
        }
    }
}

/// Every export of the sample estate, merged as `nhi import` merges them.
fn sample_inventory() -> Inventory {
    let exports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme/exports");
    let mut files = Vec::new();
    export_files(&exports, &mut files);
    let mut run = nhi_ingest::ImportRun::default();
    let mut inventory = Inventory::default();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        match run.read(&file.to_string_lossy(), &bytes) {
            Ok(nhi_ingest::Read::Batch(_, batch) | nhi_ingest::Read::Context(_, batch)) => {
                inventory.merge(batch)
            }
            Ok(nhi_ingest::Read::Deferred(_)) => {}
            Err(e) => panic!("{}: {e}", file.display()),
        }
    }
    for (_, _, batch) in run.finish() {
        inventory.merge(batch);
    }
    inventory.normalize();
    inventory
}

#[test]
fn inventory_body_is_serde_json_on_the_sample_estate() {
    let inventory = sample_inventory();
    assert!(
        inventory.identities.len() > 20,
        "the sample estate was read"
    );
    assert!(!inventory.grants.is_empty() && !inventory.links.is_empty());
    assert!(!inventory.credentials.is_empty() && !inventory.accounts.is_empty());
    assert_eq!(
        inventory_body(&inventory).unwrap(),
        serde_json::to_string(&inventory).unwrap()
    );
}

#[test]
fn inventory_body_is_serde_json_across_many_chunks_and_awkward_strings() {
    let mut inventory = sample_inventory();
    let originals: Vec<Identity> = inventory.identities.values().cloned().collect();
    let grants = inventory.grants.clone();
    let links = inventory.links.clone();
    // Enough copies that identities, grants and links each span several chunks.
    for copy in 0..60 {
        for identity in &originals {
            let mut identity = identity.clone();
            identity.id = format!("{}#{copy}", identity.id);
            inventory.identities.insert(identity.id.clone(), identity);
        }
        inventory.grants.extend(grants.iter().cloned());
        inventory.links.extend(links.iter().cloned());
    }
    let mut odd = Identity::new(
        Provider::Aws,
        IdentityKind::IamUser,
        "arn:aws:iam::1:user/\"quoted\"\\back\u{7}bell",
        "naïve — 名前 \u{1F511}\n\ttabbed",
        Provenance::new("aws", "exports/odd\u{0}.json", "Users[0]"),
    );
    odd.attributes
        .insert("k\"ey".into(), "\u{1F}\u{7F}</script>".into());
    inventory.identities.insert(odd.id.clone(), odd);
    assert!(inventory.identities.len() > 2_000);
    assert_eq!(
        inventory_body(&inventory).unwrap(),
        serde_json::to_string(&inventory).unwrap()
    );
}

#[test]
fn an_empty_inventory_encodes_as_serde_does() {
    let inventory = Inventory::default();
    assert_eq!(
        inventory_body(&inventory).unwrap(),
        serde_json::to_string(&inventory).unwrap()
    );
}
