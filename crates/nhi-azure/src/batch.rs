//! What one file contributes, with repeats folded: the same service principal named by
//! fifty role assignments is one identity in the batch, not fifty.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use nhi_model::{
    Confidence, Grant, GrantKind, Identity, InventoryBatch, Link, LinkKind, PlatformCredential,
    Provenance, SourceWarning,
};

pub(crate) struct Batch<'f> {
    file: &'f str,
    source: &'static str,
    /// When the credentials' end dates are judged; fixed once per file so every
    /// credential in it is compared with the same instant.
    pub(crate) now: Timestamp,
    /// Assignments to principals the model has no node for (groups, devices), counted
    /// by principal type and reported once per file rather than once per row.
    pub(crate) unmodelled: BTreeMap<String, usize>,
    out: InventoryBatch,
    identity_at: HashMap<String, usize>,
    credential_at: HashMap<String, usize>,
}

impl<'f> Batch<'f> {
    pub(crate) fn new(file: &'f str, source: &'static str) -> Self {
        Batch {
            file,
            source,
            now: Timestamp::now(),
            unmodelled: BTreeMap::new(),
            out: InventoryBatch::default(),
            identity_at: HashMap::new(),
            credential_at: HashMap::new(),
        }
    }

    pub(crate) fn source(&self) -> &'static str {
        self.source
    }

    pub(crate) fn provenance(&self, position: &str) -> Provenance {
        Provenance::new(self.source, self.file, position)
    }

    pub(crate) fn warn(&mut self, position: &str, message: impl Into<String>) {
        self.out.warnings.push(SourceWarning {
            file: self.file.to_string(),
            position: position.to_string(),
            message: message.into(),
        });
    }

    /// Adds an identity, or folds it into the one with the same ID already in the batch.
    pub(crate) fn identity(&mut self, identity: Identity) -> String {
        let id = identity.id.clone();
        match self.identity_at.get(&id) {
            Some(&at) => {
                if let Some(existing) = self.out.identities.get_mut(at) {
                    existing.absorb(identity);
                }
            }
            None => {
                self.identity_at
                    .insert(id.clone(), self.out.identities.len());
                self.out.identities.push(identity);
            }
        }
        id
    }

    pub(crate) fn credential(&mut self, credential: PlatformCredential) {
        match self.credential_at.get(&credential.id) {
            Some(&at) => {
                if let Some(existing) = self.out.credentials.get_mut(at) {
                    existing.absorb(credential);
                }
            }
            None => {
                self.credential_at
                    .insert(credential.id.clone(), self.out.credentials.len());
                self.out.credentials.push(credential);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn grant(
        &mut self,
        identity: &str,
        kind: GrantKind,
        role: &str,
        scope: &str,
        via: Option<String>,
        condition: Option<&str>,
        position: &str,
    ) {
        let grant = Grant {
            identity: identity.to_string(),
            kind,
            role: role.to_string(),
            scope: scope.to_string(),
            via,
            condition: condition.map(str::to_string),
            provenance: self.provenance(position),
        };
        self.out.grants.push(grant);
    }

    pub(crate) fn link(
        &mut self,
        from: &str,
        to: &str,
        kind: LinkKind,
        evidence: String,
        position: &str,
    ) {
        let link = Link {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            // Every link this crate draws is stated outright by the export.
            confidence: Confidence::High,
            evidence,
            provenance: Some(self.provenance(position)),
        };
        self.out.links.push(link);
    }

    pub(crate) fn finish(mut self) -> InventoryBatch {
        for (principal_type, count) in std::mem::take(&mut self.unmodelled) {
            self.warn(
                "$",
                format!(
                    "{count} assignment(s) to principal type {principal_type} skipped: only \
                     service principals and users are modelled"
                ),
            );
        }
        self.out
    }
}
