//! Collects what one file contributes, folding repeats of the same identity or key
//! (one service account holding many keys, one person in many bindings) into one record
//! so a batch never lists the same ID twice.

use std::collections::HashMap;

use nhi_model::{
    Confidence, Grant, GrantKind, Identity, InventoryBatch, Link, LinkKind, PlatformCredential,
    Provenance, SourceWarning,
};

pub(crate) struct Batch<'f> {
    file: &'f str,
    source: &'static str,
    out: InventoryBatch,
    identity_at: HashMap<String, usize>,
    credential_at: HashMap<String, usize>,
}

impl<'f> Batch<'f> {
    pub(crate) fn new(file: &'f str, source: &'static str) -> Self {
        Batch {
            file,
            source,
            out: InventoryBatch::default(),
            identity_at: HashMap::new(),
            credential_at: HashMap::new(),
        }
    }

    pub(crate) fn source(&self) -> &'static str {
        self.source
    }

    pub(crate) fn file(&self) -> &'f str {
        self.file
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

    /// Adds an identity, or folds it into the one already met with the same ID.
    /// Returns the ID.
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

    pub(crate) fn grant(
        &mut self,
        identity: &str,
        role: &str,
        scope: &str,
        condition: Option<&str>,
        position: &str,
    ) {
        let grant = Grant {
            identity: identity.to_string(),
            kind: GrantKind::RoleBinding,
            role: role.to_string(),
            scope: scope.to_string(),
            via: None,
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
        confidence: Confidence,
        evidence: String,
        position: &str,
    ) {
        let link = Link {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            confidence,
            evidence,
            provenance: Some(self.provenance(position)),
        };
        self.out.links.push(link);
    }

    pub(crate) fn finish(self) -> InventoryBatch {
        self.out
    }
}
