//! Independent read-back of a manifest: every planted secret and decoy is really where
//! the manifest says, decoding the carrier's encoding.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::corpus::{Encoding, Manifest, PlantedSecret};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {rule_id} secret not found on this line ({why})")]
    Missing {
        rule_id: String,
        path: String,
        line: usize,
        why: &'static str,
    },
    #[error("{path}:{line}: decoy ({reason}) not found on this line")]
    DecoyMissing {
        path: String,
        line: usize,
        reason: String,
    },
}

fn read_final(dir: &Path, path: &str) -> Result<String, VerifyError> {
    std::fs::read_to_string(dir.join(path)).map_err(|source| VerifyError::Read {
        path: path.to_string(),
        source,
    })
}

fn read_at_commit(dir: &Path, commit: &str, path: &str) -> Result<String, VerifyError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", &format!("{commit}:{path}")])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .map_err(|source| VerifyError::Read {
            path: path.to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(VerifyError::Read {
            path: format!("{commit}:{path}"),
            source: std::io::Error::other(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn json_unescape_line(line: &str) -> String {
    // Decode every JSON string literal on the line and concatenate them; a line of a
    // pretty-printed document holds at most a key and a value.
    let mut out = String::new();
    let bytes = line.as_bytes();
    let mut index = 0usize;
    while index < bytes.len() {
        if bytes.get(index) == Some(&b'"') {
            let mut end = index + 1;
            while end < bytes.len() {
                match bytes.get(end) {
                    Some(b'\\') => end += 2,
                    Some(b'"') => break,
                    _ => end += 1,
                }
            }
            if let Some(literal) = line.get(index..=end.min(bytes.len().saturating_sub(1)))
                && let Ok(decoded) = serde_json::from_str::<String>(literal)
            {
                out.push_str(&decoded);
                out.push('\u{0}');
            }
            index = end + 1;
        } else {
            index += 1;
        }
    }
    out
}

fn check(planted: &PlantedSecret, text: &str) -> Result<(), &'static str> {
    let lines: Vec<&str> = text.lines().collect();
    let start = planted.line.checked_sub(1).ok_or("line 0")?;
    let line = lines.get(start).ok_or("past end of file")?;
    let secret = planted.secret.as_str();
    match planted.encoding {
        Encoding::Plain => {
            for (offset, expected) in secret.lines().enumerate() {
                let actual = lines
                    .get(start + offset)
                    .ok_or("block runs past end of file")?;
                if !actual.contains(expected) {
                    return Err("plain text differs");
                }
            }
            Ok(())
        }
        Encoding::JsonString => {
            if json_unescape_line(line).contains(secret) {
                Ok(())
            } else {
                Err("no JSON string on the line decodes to it")
            }
        }
        Encoding::Base64 => {
            let token = line
                .split_whitespace()
                .last()
                .ok_or("empty line")?
                .trim_matches('"');
            let decoded = STANDARD.decode(token).map_err(|_| "value is not base64")?;
            let decoded = String::from_utf8(decoded).map_err(|_| "decoded value is not UTF-8")?;
            // A base64'd service-account document holds the key JSON-escaped.
            let escaped = serde_json::Value::String(secret.to_string()).to_string();
            let escaped = escaped.trim_matches('"');
            if decoded.contains(secret) || decoded.contains(escaped) {
                Ok(())
            } else {
                Err("decoded value does not hold it")
            }
        }
    }
}

/// Checks every entry of `manifest` against the files in `dir` (and, for secrets that
/// only history holds, against the commit that added them).
pub fn verify_manifest(dir: &Path, manifest: &Manifest) -> Result<(), VerifyError> {
    for planted in &manifest.planted {
        let text = match (&planted.commit, planted.history_only) {
            (Some(commit), true) => read_at_commit(dir, commit, &planted.path)?,
            _ => read_final(dir, &planted.path)?,
        };
        check(planted, &text).map_err(|why| VerifyError::Missing {
            rule_id: planted.rule_id.clone(),
            path: planted.path.clone(),
            line: planted.line,
            why,
        })?;
    }
    for decoy in &manifest.decoys {
        let text = read_final(dir, &decoy.path)?;
        let found = decoy
            .line
            .checked_sub(1)
            .and_then(|i| text.lines().nth(i))
            .is_some_and(|l| l.contains(decoy.value.as_str()));
        if !found {
            return Err(VerifyError::DecoyMissing {
                path: decoy.path.clone(),
                line: decoy.line,
                reason: format!("{:?}", decoy.reason),
            });
        }
    }
    Ok(())
}
