//! Building one export file's [`InventoryBatch`]: the bookkeeping every provider reader
//! needs, in one place.

use std::collections::HashMap;

use crate::{Grant, Identity, InventoryBatch, Link, PlatformCredential, Provenance, SourceWarning};

/// Accumulates what one file contributes, folding repeats: the same service principal
/// named by fifty role assignments, or one service account holding many keys, is one
/// record in the batch, so a batch never lists an ID twice.
#[derive(Debug)]
pub struct BatchBuilder {
    file: String,
    source: &'static str,
    batch: InventoryBatch,
    identity_at: HashMap<String, usize>,
    credential_at: HashMap<String, usize>,
}

impl BatchBuilder {
    /// `file` names the export in provenance and warnings; `source` is the command or
    /// API that produced it.
    pub fn new(file: &str, source: &'static str) -> Self {
        BatchBuilder {
            file: file.to_string(),
            source,
            batch: InventoryBatch::default(),
            identity_at: HashMap::new(),
            credential_at: HashMap::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Where in this file a record came from.
    pub fn provenance(&self, position: &str) -> Provenance {
        Provenance::new(self.source, &self.file, position)
    }

    pub fn warn(&mut self, position: &str, message: impl Into<String>) {
        self.batch.warnings.push(SourceWarning {
            file: self.file.clone(),
            position: position.to_string(),
            message: message.into(),
        });
    }

    /// Adds an identity, or folds it into the one with the same ID already in the
    /// batch. Returns the ID.
    pub fn identity(&mut self, identity: Identity) -> String {
        let id = identity.id.clone();
        match self.identity_at.get(&id) {
            Some(&at) => {
                if let Some(existing) = self.batch.identities.get_mut(at) {
                    existing.absorb(identity);
                }
            }
            None => {
                self.identity_at
                    .insert(id.clone(), self.batch.identities.len());
                self.batch.identities.push(identity);
            }
        }
        id
    }

    /// Adds a platform credential, or folds it into the one with the same ID. Returns
    /// the ID.
    pub fn credential(&mut self, credential: PlatformCredential) -> String {
        let id = credential.id.clone();
        match self.credential_at.get(&id) {
            Some(&at) => {
                if let Some(existing) = self.batch.credentials.get_mut(at) {
                    existing.absorb(credential);
                }
            }
            None => {
                self.credential_at
                    .insert(id.clone(), self.batch.credentials.len());
                self.batch.credentials.push(credential);
            }
        }
        id
    }

    pub fn grant(&mut self, grant: Grant) {
        self.batch.grants.push(grant);
    }

    pub fn link(&mut self, link: Link) {
        self.batch.links.push(link);
    }

    /// What has been collected so far.
    pub fn batch(&self) -> &InventoryBatch {
        &self.batch
    }

    /// For records the helpers above do not cover (accounts), and for checks on what
    /// is already there before adding.
    pub fn batch_mut(&mut self) -> &mut InventoryBatch {
        &mut self.batch
    }

    pub fn finish(self) -> InventoryBatch {
        self.batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdentityKind, Provider};

    #[test]
    fn repeats_fold_into_one_record_and_provenance_names_the_file() {
        let mut builder = BatchBuilder::new("exports/x.json", "gcloud test");
        let prov = builder.provenance("[0]");
        let mut first = Identity::new(Provider::Gcp, IdentityKind::ServiceAccount, "sa", "", prov);
        first.owners.push("a@x".into());
        let mut again = first.clone();
        again.name = "sa".into();
        again.owners = vec!["b@x".into()];
        let id = builder.identity(first);
        assert_eq!(builder.identity(again), id);
        builder.warn("[1]", "bad entry");
        let batch = builder.finish();
        assert_eq!(batch.identities.len(), 1);
        assert_eq!(batch.identities[0].name, "sa");
        assert_eq!(batch.identities[0].owners, ["a@x", "b@x"]);
        assert_eq!(batch.warnings[0].file, "exports/x.json");
        assert_eq!(batch.identities[0].provenance[0].file, "exports/x.json");
    }
}
