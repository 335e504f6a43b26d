//! Random strings over the alphabets credential formats use, and the GitHub/npm
//! CRC32-base62 checksum.

use rand::Rng;

pub const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const ALNUM: &[u8] = BASE62;
pub const LOWER_HEX: &[u8] = b"0123456789abcdef";
pub const DIGITS: &[u8] = b"0123456789";
pub const UPPER_BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const BASE64STD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const AZURE_SECRET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-";
/// Characters a generic high-entropy secret may use without needing quoting or escaping
/// in any of the carriers (no quotes, backslashes, `$`, `#` or whitespace).
pub const GENERIC_SECRET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%^*_+=-.";

/// `len` characters drawn uniformly from `alphabet`.
pub fn string_from(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        let index = rng.random_range(0..alphabet.len());
        // Alphabets are ASCII constants, so every byte is a char.
        out.push(char::from(alphabet.get(index).copied().unwrap_or(b'0')));
    }
    out
}

/// Encodes `value` in base62 (alphabet 0-9A-Za-z), left-padded with '0' to 6 chars.
pub fn base62_checksum(value: u32) -> String {
    let mut digits = Vec::with_capacity(6);
    let mut rest = value;
    while rest > 0 {
        let digit = (rest % 62) as usize;
        digits.push(BASE62.get(digit).copied().unwrap_or(b'0'));
        rest /= 62;
    }
    while digits.len() < 6 {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

/// The GitHub/npm token checksum: CRC32 (IEEE) of the entropy part, base62, 6 chars.
pub fn token_checksum(entropy: &str) -> String {
    base62_checksum(crc32fast::hash(entropy.as_bytes()))
}

/// Fragments that decoy filters in scanners (reasonably) treat as placeholders. Random
/// values containing one are regenerated so a planted secret is never suppressed by
/// chance.
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "fake",
    "test",
    "xxxx",
    "changeme",
    "redacted",
    "placeholder",
    "todo",
    "replace",
    "123456",
    "abcdef",
    "your",
];

/// True when a random value accidentally looks like a placeholder or a repeated run.
pub fn looks_like_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f)) {
        return true;
    }
    let bytes = value.as_bytes();
    bytes
        .windows(4)
        .any(|w| w.iter().all(|&b| Some(&b) == w.first()))
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(value: &str) -> f64 {
    let mut counts = [0usize; 256];
    let mut total = 0usize;
    for byte in value.bytes() {
        if let Some(slot) = counts.get_mut(usize::from(byte)) {
            *slot += 1;
        }
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_pads_and_encodes() {
        assert_eq!(base62_checksum(0), "000000");
        assert_eq!(base62_checksum(61), "00000z");
        assert_eq!(base62_checksum(62), "000010");
        assert_eq!(base62_checksum(u32::MAX), "4gfFC3");
    }

    #[test]
    fn placeholder_detection() {
        assert!(looks_like_placeholder("abcEXAMPLEdef"));
        assert!(looks_like_placeholder("q9aaaaZ"));
        assert!(!looks_like_placeholder("q9aZb8Kp"));
    }
}
