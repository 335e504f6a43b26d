//! What one file contributes, with repeats folded: the same service principal named by
//! fifty role assignments is one identity in the batch, not fifty.

use std::collections::BTreeMap;

use jiff::Timestamp;
use nhi_model::{
    BatchBuilder, Confidence, Grant, GrantKind, Identity, InventoryBatch, Link, LinkKind,
    PlatformCredential, Provenance,
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
    out: BatchBuilder,
}

impl<'f> Batch<'f> {
    pub(crate) fn new(file: &'f str, source: &'static str) -> Self {
        Batch {
            file,
            source,
            now: Timestamp::now(),
            unmodelled: BTreeMap::new(),
            out: BatchBuilder::new(file, source),
        }
    }

    pub(crate) fn source(&self) -> &'static str {
        self.source
    }

    pub(crate) fn provenance(&self, position: &str) -> Provenance {
        Provenance::new(self.source, self.file, position)
    }

    pub(crate) fn warn(&mut self, position: &str, message: impl Into<String>) {
        self.out.warn(position, message);
    }

    /// Adds an identity, or folds it into the one with the same ID already in the batch.
    pub(crate) fn identity(&mut self, identity: Identity) -> String {
        self.out.identity(identity)
    }

    pub(crate) fn credential(&mut self, credential: PlatformCredential) {
        self.out.credential(credential);
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
        self.out.grant(grant);
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
        self.out.link(link);
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
        self.out.finish()
    }
}
