//! What every backend shares: turning raw column values back into model types, and the
//! migration checksum.
//!
//! Backends store the same text for the same value (enum `as_str()` names, RFC 3339
//! times, JSON text), so one decoder serves all of them. Rows are first read into plain
//! structs of column values (inside a driver's row accessors, which can only fail with the
//! driver's errors), then decoded here, where a bad value becomes a
//! [`StoreError::Corrupt`] naming its table, column and row instead of a panic.
//!
//! Public for backend crates (such as `nhi-store-pg`); not a stable API for anyone else.

use std::collections::BTreeMap;
use std::str::FromStr;

use nhi_model::{
    Consumer, Credential, CredentialId, Finding, FindingId, Fingerprint, Inventory, Preview,
    Sighting,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::{StoredCredential, StoredFinding};

mod server_rows;
pub use server_rows::*;

/// Hex SHA-256 of a migration's text with carriage returns removed, so a checkout with
/// CRLF line endings (git autocrlf on Windows) computes the same checksum. Every backend
/// records this in its `schema_migrations`.
pub fn migration_checksum(sql: &str) -> String {
    let mut hasher = Sha256::new();
    for chunk in sql.split('\r') {
        hasher.update(chunk.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn to_json<T: Serialize + ?Sized>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { what, source })
}

/// The stored body of an inventory collection: byte for byte what
/// `serde_json::to_string(inventory)` writes (readers use plain serde), with the large
/// maps and lists encoded in parallel chunks. Why: at 10,000 AWS principals the body is
/// about 20 MB, and encoding it on one core was a sixth of `nhi import`.
pub fn inventory_body(inventory: &Inventory) -> Result<String, StoreError> {
    const WHAT: &str = "inventory_collections.body";
    let encode = |source| StoreError::Encode { what: WHAT, source };
    // The fields in declaration order, as serde's derive writes them; the test
    // `inventory_body_is_serde_json` fails if a field is added here or there only.
    let Inventory {
        accounts,
        identities,
        credentials,
        grants,
        links,
        warnings,
    } = inventory;
    let ((accounts, identities), (credentials, (grants, links))) = rayon::join(
        || rayon::join(|| json_map(accounts), || json_map(identities)),
        || {
            rayon::join(
                || json_map(credentials),
                || rayon::join(|| json_list(grants), || json_list(links)),
            )
        },
    );
    let warnings = serde_json::to_string(warnings).map_err(encode)?;
    let parts = [
        ("{\"accounts\":", accounts.map_err(encode)?),
        (",\"identities\":", identities.map_err(encode)?),
        (",\"credentials\":", credentials.map_err(encode)?),
        (",\"grants\":", grants.map_err(encode)?),
        (",\"links\":", links.map_err(encode)?),
    ];
    let len = parts.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + warnings.len();
    let mut body = String::with_capacity(len + 16);
    for (key, value) in &parts {
        body.push_str(key);
        body.push_str(value);
    }
    body.push_str(",\"warnings\":");
    body.push_str(&warnings);
    body.push('}');
    Ok(body)
}

/// Entries per parallel encoding task: large enough that joining is negligible, small
/// enough that both cores stay busy on a few thousand identities.
const ENCODE_CHUNK: usize = 512;

/// `serde_json::to_string(map)`, chunks encoded in parallel.
fn json_map<V: Serialize + Sync>(map: &BTreeMap<String, V>) -> Result<String, serde_json::Error> {
    let entries: Vec<(&String, &V)> = map.iter().collect();
    let chunks = encode_chunks(&entries, |out, (key, value)| {
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        serde_json::to_writer(out, value)
    })?;
    Ok(join_chunks('{', &chunks, '}'))
}

/// `serde_json::to_string(items)`, chunks encoded in parallel.
fn json_list<T: Serialize + Sync>(items: &[T]) -> Result<String, serde_json::Error> {
    let chunks = encode_chunks(items, |out, item| serde_json::to_writer(out, item))?;
    Ok(join_chunks('[', &chunks, ']'))
}

fn encode_chunks<T: Sync>(
    items: &[T],
    encode: impl Fn(&mut Vec<u8>, &T) -> Result<(), serde_json::Error> + Sync,
) -> Result<Vec<String>, serde_json::Error> {
    use rayon::prelude::*;
    items
        .par_chunks(ENCODE_CHUNK)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 256);
            for (i, item) in chunk.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode(&mut out, item)?;
            }
            // serde_json writes UTF-8 only; checking costs a fraction of encoding.
            String::from_utf8(out).map_err(|e| {
                <serde_json::Error as serde::ser::Error>::custom(format!("not UTF-8: {e}"))
            })
        })
        .collect()
}

fn join_chunks(open: char, chunks: &[String], close: char) -> String {
    let len = chunks.iter().map(|c| c.len() + 1).sum::<usize>() + 2;
    let mut out = String::with_capacity(len);
    out.push(open);
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(chunk);
    }
    out.push(close);
    out
}

/// Decodes the columns of one row, so every error says where the bad value sits.
pub struct Decoder {
    table: &'static str,
    row: String,
}

impl Decoder {
    pub fn new(table: &'static str, row: impl Into<String>) -> Self {
        Decoder {
            table,
            row: row.into(),
        }
    }

    pub fn corrupt(&self, column: &'static str, reason: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            table: self.table,
            column,
            row: self.row.clone(),
            reason: reason.into(),
        }
    }

    /// Parses a model enum from its `as_str()` name.
    pub fn enumeration<T>(&self, column: &'static str, text: &str) -> Result<T, StoreError>
    where
        T: FromStr<Err = nhi_model::UnknownVariant>,
    {
        text.parse()
            .map_err(|err: nhi_model::UnknownVariant| self.corrupt(column, err.to_string()))
    }

    pub fn timestamp(
        &self,
        column: &'static str,
        text: &str,
    ) -> Result<jiff::Timestamp, StoreError> {
        text.parse().map_err(|err: jiff::Error| {
            self.corrupt(column, format!("not an RFC 3339 time: {err}"))
        })
    }

    pub fn optional_timestamp(
        &self,
        column: &'static str,
        text: Option<&str>,
    ) -> Result<Option<jiff::Timestamp>, StoreError> {
        text.map(|t| self.timestamp(column, t)).transpose()
    }

    pub fn json<T: DeserializeOwned>(
        &self,
        column: &'static str,
        text: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_str(text).map_err(|err| {
            // serde_json's message gives line and column, never the offending text.
            self.corrupt(column, format!("invalid JSON: {err}"))
        })
    }

    pub fn line_or_column(&self, column: &'static str, value: i64) -> Result<u32, StoreError> {
        u32::try_from(value).map_err(|_| self.corrupt(column, format!("{value} is not a u32")))
    }

    pub fn fingerprint(&self, column: &'static str, text: &str) -> Result<Fingerprint, StoreError> {
        Fingerprint::from_hex(text).map_err(|err| self.corrupt(column, err.to_string()))
    }

    pub fn credential_id(
        &self,
        column: &'static str,
        text: &str,
    ) -> Result<CredentialId, StoreError> {
        if text.is_empty() {
            return Err(self.corrupt(column, "empty credential id".to_string()));
        }
        Ok(CredentialId::from_stored(text))
    }

    pub fn flag(&self, column: &'static str, value: i64) -> Result<bool, StoreError> {
        match value {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.corrupt(column, format!("{other} is not 0 or 1"))),
        }
    }
}

pub struct SightingRow {
    pub id: i64,
    pub root: String,
    pub source: String,
    pub path: String,
    pub line: i64,
    pub column: i64,
    pub commit: String,
    pub blob: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
}

impl SightingRow {
    pub fn decode(self) -> Result<Sighting, StoreError> {
        let d = Decoder::new("sightings", self.id.to_string());
        Ok(Sighting {
            source: d.enumeration("source", &self.source)?,
            path: self.path,
            line: d.line_or_column("line", self.line)?,
            column: d.line_or_column("col", self.column)?,
            commit: Some(self.commit).filter(|c| !c.is_empty()),
            blob: self.blob,
            author: self.author,
            date: self.date,
            root: self.root,
        })
    }
}

pub struct CredentialRow {
    pub id: String,
    pub fingerprint: String,
    pub kind: String,
    pub provider: String,
    pub preview: String,
    pub external_id: Option<String>,
    pub attributes: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
}

impl CredentialRow {
    pub fn decode(self, sightings: Vec<Sighting>) -> Result<StoredCredential, StoreError> {
        let d = Decoder::new("credentials", self.id.as_str());
        Ok(StoredCredential {
            credential: Credential {
                id: d.credential_id("id", &self.id)?,
                fingerprint: d.fingerprint("fingerprint", &self.fingerprint)?,
                kind: d.enumeration("kind", &self.kind)?,
                provider: d.enumeration("provider", &self.provider)?,
                preview: Preview::reference(&self.preview),
                external_id: self.external_id,
                attributes: d.json("attributes", &self.attributes)?,
                status: d.enumeration("status", &self.status)?,
                sightings,
            },
            first_seen: d.timestamp("first_seen", &self.first_seen)?,
            last_seen: d.timestamp("last_seen", &self.last_seen)?,
            resolved_at: d.optional_timestamp("resolved_at", self.resolved_at.as_deref())?,
        })
    }
}

pub struct FindingRow {
    pub id: String,
    pub rule: String,
    pub title: String,
    pub severity: String,
    pub confidence: String,
    pub owasp: String,
    pub history_only: i64,
    pub evidence: String,
    pub fix: String,
    pub references: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    pub credential_id: String,
    pub fingerprint: String,
    pub kind: String,
    pub provider: String,
    pub preview: String,
    pub external_id: Option<String>,
}

impl FindingRow {
    pub fn decode(self, sightings: Vec<Sighting>) -> Result<StoredFinding, StoreError> {
        let d = Decoder::new("findings", self.id.as_str());
        let c = Decoder::new("credentials", self.credential_id.as_str());
        Ok(StoredFinding {
            finding: Finding {
                id: FindingId::from_stored(self.id.as_str()),
                rule: self.rule,
                title: self.title,
                severity: d.enumeration("severity", &self.severity)?,
                confidence: d.enumeration("confidence", &self.confidence)?,
                owasp: d.enumeration("owasp", &self.owasp)?,
                provider: c.enumeration("provider", &self.provider)?,
                kind: c.enumeration("kind", &self.kind)?,
                fingerprint: c.fingerprint("fingerprint", &self.fingerprint)?,
                preview: Preview::reference(&self.preview),
                external_id: self.external_id,
                history_only: d.flag("history_only", self.history_only)?,
                evidence: d.json("evidence", &self.evidence)?,
                fix: self.fix,
                sightings,
                references: d.json("refs", &self.references)?,
            },
            status: self.status,
            first_seen: d.timestamp("first_seen", &self.first_seen)?,
            last_seen: d.timestamp("last_seen", &self.last_seen)?,
        })
    }
}

pub struct ConsumerRow {
    pub id: String,
    pub kind: String,
    pub tool: String,
    pub name: String,
    pub path: String,
    pub line: i64,
    pub endpoint: Option<String>,
    pub credentials: String,
    pub attributes: String,
    pub root: String,
}

impl ConsumerRow {
    pub fn decode(self) -> Result<Consumer, StoreError> {
        let d = Decoder::new("consumers", self.id.as_str());
        Ok(Consumer {
            kind: d.enumeration("kind", &self.kind)?,
            tool: self.tool,
            name: self.name,
            path: self.path,
            root: self.root,
            line: d.line_or_column("line", self.line)?,
            endpoint: self.endpoint,
            credentials: d.json("credentials", &self.credentials)?,
            attributes: d.json("attributes", &self.attributes)?,
            id: self.id,
        })
    }
}
