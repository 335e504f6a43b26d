//! Keyed fingerprints (HMAC-SHA256 under a per-install key) and redacted previews of secrets.
