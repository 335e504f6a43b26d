//! Who is calling, and may they: API tokens, local users with argon2 passwords,
//! session cookies, CSRF tokens and the failed-login limiter.
//!
//! The server practises what nhi preaches about NHIs: tokens are random, scoped to a
//! role, expire, can be revoked, are shown once and stored only as digests.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use nhi_store::{ApiTokenRow, LocalUser, Role, ServerStore, SessionRow, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every token starts with this, so scanners (ours included) can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "nhit_";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "nhi_session";
/// The login form's double-submit cookie: there is no session to hold a CSRF token yet.
pub const LOGIN_CSRF_COOKIE: &str = "nhi_login_csrf";

/// The caller, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `user:NAME` or `token:ID`.
    pub subject: String,
    pub role: Role,
    pub via: AuthMethod,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Bearer`: no cookie, so no cross-site request can carry it.
    Bearer,
    /// A session cookie: state-changing requests must also carry this CSRF token.
    Session {
        csrf_token: String,
        id_sha256: String,
    },
}

fn random_text(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A freshly issued API token: the value to show once, and the row to store.
pub struct IssuedToken {
    pub token: String,
    pub row: ApiTokenRow,
}

/// Issues a token: `nhit_<id>_<secret>`, 16 random bytes of ID and 32 of secret.
pub fn issue_token(
    name: &str,
    role: Role,
    ttl: SignedDuration,
    created_by: &str,
    now: Timestamp,
) -> Result<IssuedToken, AuthError> {
    if ttl <= SignedDuration::ZERO {
        return Err(AuthError::BadTtl);
    }
    let expires_at = now.checked_add(ttl).map_err(|_| AuthError::BadTtl)?;
    let id = hex::encode({
        let mut id = [0u8; 8];
        rand::rng().fill_bytes(&mut id);
        id
    });
    let secret = random_text(32);
    Ok(IssuedToken {
        token: format!("{TOKEN_PREFIX}{id}_{secret}"),
        row: ApiTokenRow {
            id,
            name: name.to_string(),
            role,
            secret_sha256: sha256_hex(&secret),
            created_at: now,
            created_by: created_by.to_string(),
            expires_at,
            revoked_at: None,
            last_used_at: None,
        },
    })
}

/// Checks a presented token against the store. Unknown, malformed, revoked and expired
/// tokens all fail the same way, so a caller learns nothing about which it was.
pub fn verify_token(
    store: &mut dyn ServerStore,
    token: &str,
    now: Timestamp,
) -> Result<Option<Principal>, StoreError> {
    let Some((id, secret)) = token
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    let Some(row) = store.api_token(id)? else {
        return Ok(None);
    };
    if !same(&sha256_hex(secret), &row.secret_sha256)
        || row.revoked_at.is_some()
        || row.expires_at <= now
    {
        return Ok(None);
    }
    store.touch_api_token(id, now)?;
    Ok(Some(Principal {
        subject: format!("token:{id}"),
        role: row.role,
        via: AuthMethod::Bearer,
    }))
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| AuthError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AuthError::Hash)
}

/// A dummy hash verified when the user does not exist, so a login for an unknown name
/// takes as long as one for a known name.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// Checks a local user's password. Unknown users and wrong passwords look the same.
pub fn verify_password(
    store: &dyn ServerStore,
    name: &str,
    password: &str,
) -> Result<Option<LocalUser>, StoreError> {
    let user = store.local_user(name)?;
    let stored = user
        .as_ref()
        .map_or(dummy_hash(), |u| u.password_hash.as_str());
    let ok = PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    });
    Ok(user.filter(|_| ok))
}

/// Opens a session for an authenticated subject; returns the cookie value.
pub fn open_session(
    store: &mut dyn ServerStore,
    subject: &str,
    role: Role,
    ttl: SignedDuration,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = random_text(32);
    store.purge_sessions(now)?;
    store.insert_session(&SessionRow {
        id_sha256: sha256_hex(&id),
        subject: subject.to_string(),
        role,
        csrf_token: random_text(24),
        created_at: now,
        expires_at: now.checked_add(ttl).unwrap_or(now),
    })?;
    Ok(id)
}

/// The session a cookie value names, if it is live.
pub fn session_principal(
    store: &dyn ServerStore,
    cookie_value: &str,
    now: Timestamp,
) -> Result<Option<Principal>, StoreError> {
    let id_sha256 = sha256_hex(cookie_value);
    let Some(session) = store.session(&id_sha256)? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    Ok(Some(Principal {
        subject: session.subject,
        role: session.role,
        via: AuthMethod::Session {
            csrf_token: session.csrf_token,
            id_sha256,
        },
    }))
}

/// A login-form CSRF value.
pub fn login_csrf() -> String {
    random_text(24)
}

pub fn csrf_matches(expected: &str, presented: Option<&str>) -> bool {
    presented.is_some_and(|p| same(expected, p))
}

/// Failed logins per source address and per user name, in a sliding window. In memory:
/// each server instance limits on its own, which still bounds guessing to instances ×
/// limit per window.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Timestamp>>>,
    pub max_failures: usize,
    pub window: SignedDuration,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
            max_failures: 5,
            window: SignedDuration::from_mins(15),
        }
    }
}

impl LoginLimiter {
    fn keys(ip: Option<IpAddr>, user: &str) -> Vec<String> {
        let mut keys = vec![format!("user:{}", user.to_lowercase())];
        if let Some(ip) = ip {
            keys.push(format!("ip:{ip}"));
        }
        keys
    }

    /// Seconds until another attempt is allowed, when the limit is reached.
    pub fn blocked_for(&self, ip: Option<IpAddr>, user: &str, now: Timestamp) -> Option<i64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let horizon = now.checked_sub(self.window).unwrap_or(now);
        let mut wait = None;
        for key in Self::keys(ip, user) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| *t > horizon);
                if times.len() >= self.max_failures
                    && let Some(oldest) = times.first()
                {
                    let free_at = oldest.checked_add(self.window).unwrap_or(now);
                    let secs = (free_at.as_second() - now.as_second()).max(1);
                    wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, ip: Option<IpAddr>, user: &str, now: Timestamp) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in Self::keys(ip, user) {
            failures.entry(key).or_default().push(now);
        }
    }

    pub fn record_success(&self, ip: Option<IpAddr>, user: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in Self::keys(ip, user) {
            failures.remove(&key);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("a token's time to live must be positive and end before the year 9999")]
    BadTtl,
    #[error("cannot hash the password")]
    Hash,
}

/// Parses a TTL such as `90d`, `12h`, `30m` or an ISO 8601 duration.
pub fn parse_ttl(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    if text.starts_with(['P', 'p']) {
        return text.parse::<SignedDuration>().ok();
    }
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = number.parse().ok()?;
    let secs = match unit {
        "d" => n.checked_mul(86_400)?,
        "h" => n.checked_mul(3_600)?,
        "m" => n.checked_mul(60)?,
        "s" => n,
        _ => return text.parse::<SignedDuration>().ok(),
    };
    Some(SignedDuration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_store::SqliteStore;

    #[test]
    fn tokens_verify_until_revoked_or_expired_and_are_stored_as_digests() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let issued = issue_token(
            "ci",
            Role::Operator,
            SignedDuration::from_hours(1),
            "test",
            now,
        )
        .unwrap();
        assert!(issued.token.starts_with(TOKEN_PREFIX));
        store.insert_api_token(&issued.row).unwrap();
        let stored = store.api_token(&issued.row.id).unwrap().unwrap();
        let secret = issued.token.rsplit('_').next().unwrap();
        assert_ne!(stored.secret_sha256, secret);
        assert!(!stored.secret_sha256.contains(secret));

        let who = verify_token(&mut store, &issued.token, now)
            .unwrap()
            .unwrap();
        assert_eq!(who.role, Role::Operator);
        // A wrong secret with the right ID, and the right secret after expiry, fail.
        let forged = format!("{TOKEN_PREFIX}{}_{}", issued.row.id, "A".repeat(43));
        assert!(verify_token(&mut store, &forged, now).unwrap().is_none());
        let later = now.checked_add(SignedDuration::from_hours(2)).unwrap();
        assert!(
            verify_token(&mut store, &issued.token, later)
                .unwrap()
                .is_none()
        );
        assert!(store.revoke_api_token(&issued.row.id, now).unwrap());
        assert!(
            verify_token(&mut store, &issued.token, now)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn passwords_and_the_limiter() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        store
            .upsert_local_user(&LocalUser {
                name: "admin".into(),
                password_hash: hash_password("correct horse").unwrap(),
                role: Role::Admin,
                created_at: now,
            })
            .unwrap();
        assert!(
            verify_password(&store, "admin", "correct horse")
                .unwrap()
                .is_some()
        );
        assert!(verify_password(&store, "admin", "wrong").unwrap().is_none());
        assert!(
            verify_password(&store, "nobody", "correct horse")
                .unwrap()
                .is_none()
        );

        let limiter = LoginLimiter::default();
        let ip: Option<IpAddr> = "192.0.2.1".parse().ok();
        for _ in 0..limiter.max_failures {
            assert!(limiter.blocked_for(ip, "admin", now).is_none());
            limiter.record_failure(ip, "admin", now);
        }
        assert!(limiter.blocked_for(ip, "admin", now).is_some());
        // Another name from the same address is blocked too: the address is counted.
        assert!(limiter.blocked_for(ip, "other", now).is_some());
        let later = now.checked_add(SignedDuration::from_mins(16)).unwrap();
        assert!(limiter.blocked_for(ip, "admin", later).is_none());
    }

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("90d"), Some(SignedDuration::from_hours(90 * 24)));
        assert_eq!(parse_ttl("12h"), Some(SignedDuration::from_hours(12)));
        assert_eq!(parse_ttl("PT30M"), Some(SignedDuration::from_mins(30)));
        assert_eq!(parse_ttl("soon"), None);
    }
}
