//! The nhi domain model.
//!
//! Pure data and the rules that relate it: no file, network or database access lives
//! here, so every other crate can depend on this one without pulling I/O in.
//!
//! The central invariant: **no type in this crate can hold a full secret.** A credential
//! is known by its keyed [`Fingerprint`] and a [`Preview`] that shows at most the
//! provider prefix and the last four characters. Types that carry a raw secret live in
//! the detection crates and never cross into the model.

mod batch;
mod compliance;
mod consumer;
mod credential;
mod event;
mod finding;
mod identity;
mod inventory;
mod owasp;
mod provider;
mod scan;

pub use batch::BatchBuilder;
pub use compliance::{ControlRef, Framework, reference_ids, references};
pub use consumer::{Consumer, ConsumerKind, CredentialUse, CredentialValue};
pub use credential::{
    Credential, CredentialId, CredentialKind, CredentialStatus, Fingerprint, Preview, Sighting,
    SourceKind,
};
pub use event::{ActivityEvent, Actor, EventSource, Outcome};
pub use finding::{Confidence, Evidence, Finding, FindingId, Severity};
pub use identity::IdentityKind;
pub use inventory::{
    Account, Grant, GrantKind, Identity, Inventory, InventoryBatch, LifecycleStatus, Link,
    LinkKind, PlatformCredential, Provenance, SecretHint, SourceWarning, account_key, identity_id,
    person_id, platform_credential_id,
};
pub use owasp::OwaspNhi;
pub use provider::Provider;
pub use scan::{ScanSummary, SkipReason, Warning};

/// Error for values that do not parse into a model enum (for example a rules file that
/// names an unknown provider).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected one of: {expected}")]
pub struct UnknownVariant {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

/// Implements `as_str`, `Display`, `FromStr` and `ALL` for a fieldless enum whose serde
/// names are snake_case, so the string form used in rules files, the store and every
/// output format is defined in exactly one place.
macro_rules! string_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::UnknownVariant {
                        what: $what,
                        value: s.to_string(),
                        expected: [$($name),+].join(", "),
                    }),
                }
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_enum;
