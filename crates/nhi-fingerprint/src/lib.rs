//! Keyed fingerprints and redacted previews: the only two forms in which nhi keeps a
//! secret.
//!
//! A fingerprint is HMAC-SHA256 of the secret under a per-install key. A plain hash
//! would let anyone holding the store test guesses (`sha256("sk_live_…")`) offline; the
//! key makes that impossible without also stealing the key file, which is created on
//! first use with mode 0600 and never leaves the machine.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use nhi_model::Fingerprint;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Length of the install key in bytes.
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read fingerprint key {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot create fingerprint key {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("fingerprint key {path} holds {len} bytes; expected {KEY_LEN}")]
    WrongLength { path: PathBuf, len: usize },
    #[error(
        "fingerprint key {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("no random source available: {0}")]
    Random(String),
}

/// The per-install HMAC key.
pub struct FingerprintKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

impl FingerprintKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        FingerprintKey(Zeroizing::new(bytes))
    }

    /// The documented default location: `$NHI_KEY_FILE`, else
    /// `$XDG_CONFIG_HOME/nhi/fingerprint.key`, else `$HOME/.config/nhi/fingerprint.key`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("NHI_KEY_FILE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(config.join("nhi").join("fingerprint.key"))
    }

    /// Reads the key at `path`, creating it with fresh random bytes (mode 0600) if it does
    /// not exist yet. Two processes racing to create it agree on one key, because the
    /// file is created exclusively and the loser reads the winner's.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        match Self::load(path) {
            Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                match Self::create(path) {
                    Err(KeyError::Create { source, .. })
                        if source.kind() == io::ErrorKind::AlreadyExists =>
                    {
                        Self::load(path)
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    fn load(path: &Path) -> Result<Self, KeyError> {
        let read_err = |source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = fs::File::open(path).map_err(read_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(read_err)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_LEN));
        file.read_to_end(&mut bytes).map_err(read_err)?;
        let key: [u8; KEY_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::WrongLength {
                    path: path.to_path_buf(),
                    len: bytes.len(),
                })?;
        Ok(Self::from_bytes(key))
    }

    fn create(path: &Path) -> Result<Self, KeyError> {
        let create_err = |source| KeyError::Create {
            path: path.to_path_buf(),
            source,
        };
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
        let key = Self::from_bytes(key);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(create_err)?;
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(create_err)?;
        file.write_all(key.0.as_slice()).map_err(create_err)?;
        file.sync_all().map_err(create_err)?;
        Ok(key)
    }
}

/// Turns secrets into fingerprints. Cheap to clone; safe to share across threads.
#[derive(Clone)]
pub struct Fingerprinter {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter(<keyed>)")
    }
}

impl Fingerprinter {
    pub fn new(key: &FingerprintKey) -> Self {
        // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key.0.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        Fingerprinter { mac }
    }

    pub fn fingerprint(&self, secret: &[u8]) -> Fingerprint {
        let mut mac = self.mac.clone();
        mac.update(secret);
        let digest = mac.finalize().into_bytes();
        Fingerprint::from_hex(hex::encode(digest))
            .unwrap_or_else(|_| unreachable!("hex of a 32-byte digest is 64 lowercase hex"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_same_fingerprint_and_key_matters() {
        let a = Fingerprinter::new(&FingerprintKey::from_bytes([1; KEY_LEN]));
        let b = Fingerprinter::new(&FingerprintKey::from_bytes([2; KEY_LEN]));
        let s = b"ghp_exampleexampleexampleexample";
        assert_eq!(a.fingerprint(s), a.fingerprint(s));
        assert_ne!(a.fingerprint(s), b.fingerprint(s));
        assert_ne!(a.fingerprint(s), a.fingerprint(b"other"));
    }

    #[test]
    fn is_standard_hmac_sha256() {
        // Reference value from Python's `hmac.new(b"\x0b" * 32, b"Hi There", sha256)`.
        let f = Fingerprinter::new(&FingerprintKey::from_bytes([0x0b; KEY_LEN]));
        assert_eq!(
            f.fingerprint(b"Hi There").as_str(),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
        );
    }

    #[test]
    fn key_is_created_once_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/fingerprint.key");
        let k1 = FingerprintKey::load_or_create(&path).unwrap();
        let k2 = FingerprintKey::load_or_create(&path).unwrap();
        assert_eq!(k1.0.as_slice(), k2.0.as_slice());
        assert_eq!(fs::read(&path).unwrap().len(), KEY_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn wrong_length_and_open_permissions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        fs::write(&path, b"short").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            assert!(matches!(
                FingerprintKey::load_or_create(&path),
                Err(KeyError::WrongLength { len: 5, .. })
            ));
            fs::write(&path, [7u8; KEY_LEN]).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                FingerprintKey::load_or_create(&path),
                Err(KeyError::TooOpen { .. })
            ));
        }
    }

    #[test]
    fn debug_never_shows_key_material() {
        let k = FingerprintKey::from_bytes([0x41; KEY_LEN]);
        assert!(!format!("{k:?}").contains("AAAA"));
        assert!(!format!("{:?}", Fingerprinter::new(&k)).contains("65"));
    }
}
