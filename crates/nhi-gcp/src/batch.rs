//! Collects what one file contributes, folding repeats of the same identity or key
//! (one service account holding many keys, one person in many bindings) into one record
//! so a batch never lists the same ID twice.

use nhi_model::{
    BatchBuilder, Confidence, Grant, GrantKind, Identity, InventoryBatch, Link, LinkKind,
    PlatformCredential, Provenance,
};

pub(crate) struct Batch<'f> {
    file: &'f str,
    source: &'static str,
    out: BatchBuilder,
}

impl<'f> Batch<'f> {
    pub(crate) fn new(file: &'f str, source: &'static str) -> Self {
        Batch {
            file,
            source,
            out: BatchBuilder::new(file, source),
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
        self.out.warn(position, message);
    }

    /// Adds an identity, or folds it into the one already met with the same ID.
    /// Returns the ID.
    pub(crate) fn identity(&mut self, identity: Identity) -> String {
        self.out.identity(identity)
    }

    pub(crate) fn credential(&mut self, credential: PlatformCredential) {
        self.out.credential(credential);
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
        self.out.grant(grant);
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
        self.out.link(link);
    }

    pub(crate) fn finish(self) -> InventoryBatch {
        self.out.finish()
    }
}
