//! Entropy and the decoy filter: placeholders, environment references, documentation
//! examples and masked values are not secrets.

/// Shannon entropy of `s` in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    // Secrets are almost always ASCII: count bytes in an array, which is far cheaper
    // than hashing every character (this runs for every candidate match).
    if s.is_ascii() {
        let mut counts = [0usize; 128];
        for b in s.bytes() {
            if let Some(slot) = counts.get_mut(usize::from(b)) {
                *slot += 1;
            }
        }
        return entropy_of_counts(counts.iter().copied().filter(|&n| n > 0), s.len());
    }
    let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0) += 1;
        total += 1;
    }
    entropy_of_counts(counts.into_values(), total)
}

fn entropy_of_counts(counts: impl Iterator<Item = usize>, total: usize) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .map(|n| {
            let p = n as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a value as a stand-in. Matched only in lower, UPPER or Capitalised
/// form: a random mixed-case token contains one of those by chance far less often than
/// it would contain the word in any casing.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "placeholder",
    "fake",
    "changeme",
    "change_me",
    "change-me",
    "replace_me",
    "replaceme",
    "replace-me",
    "redacted",
    "xxxx",
    "todo",
    "fixme",
    "notreal",
    "not_real",
    "not-real",
    "insert_",
    "insert-",
    "1234567890",
    "0123456789",
    "12345678",
    "abcdefgh",
];

/// Fragments that reference a value kept elsewhere (an environment variable, a CI
/// secret, a template variable) rather than being one.
const REFERENCE_FRAGMENTS: &[&str] = &[
    "${",
    "{{",
    "}}",
    "$(",
    "#{",
    "<%",
    "%(",
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "env[",
    "env(",
    "env.",
    "secrets.",
    "import.meta.env",
    "system.getenv",
    "$env:",
];

/// Credentials published on purpose in vendor documentation or emulators.
const KNOWN_PUBLIC_VALUES: &[&str] = &[
    // The Azure Storage emulator (Azurite) account key, the same on every machine.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

/// Whole values (compared case-insensitively) that are never secrets.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "changeme",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "xxx",
    "todo",
    "tbd",
    "n/a",
];

/// True when `value` is a placeholder, an environment reference, a documentation
/// example, a masked value or a test-mode key rather than a real secret.
pub fn is_noise(value: &str) -> bool {
    let v = value
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '`'))
        .trim();
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();

    // Masked values.
    if v.contains("****") || v.contains('•') || v.contains("\u{2026}") {
        return true;
    }
    if v.chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '#' | '.' | '-' | '_' | '•'))
    {
        return true;
    }

    // References to a value held elsewhere.
    if REFERENCE_FRAGMENTS.iter().any(|f| lower.contains(f)) {
        return true;
    }
    if let Some(name) = v.strip_prefix('$')
        && is_identifier(name)
    {
        return true;
    }
    if let Some(name) = v.strip_prefix('%').and_then(|s| s.strip_suffix('%'))
        && is_identifier(name)
    {
        return true;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    if v.starts_with('[') && v.ends_with(']') && lower.contains("redact") {
        return true;
    }

    if KNOWN_PUBLIC_VALUES.contains(&v) {
        return true;
    }

    // Test-mode and publishable keys.
    if ["sk_test_", "rk_test_", "pk_test_", "pk_live_"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }

    if PLACEHOLDER_VALUES.contains(&lower.as_str()) {
        return true;
    }
    if lower.starts_with("your") || lower.starts_with("my_") || lower.starts_with("my-") {
        return true;
    }
    if ["test", "Test", "TEST"].iter().any(|p| v.starts_with(p)) {
        return true;
    }

    // Long values (private keys, JWTs) are random enough that a word inside them is
    // chance, not intent; only the shape checks above apply to them.
    if v.len() <= 200 && contains_placeholder_word(v) {
        return true;
    }

    // Runs of a single character, or values made of very few distinct characters.
    if v.len() >= 8 {
        let mut distinct: Vec<char> = v.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() <= 3 {
            return true;
        }
    }
    false
}

fn contains_placeholder_word(v: &str) -> bool {
    PLACEHOLDER_WORDS.iter().any(|word| {
        if v.contains(word) {
            return true;
        }
        let upper = word.to_ascii_uppercase();
        if upper != *word && v.contains(&upper) {
            return true;
        }
        let mut chars = word.chars();
        let capitalised: String = match chars.next() {
            Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
            None => String::new(),
        };
        capitalised != *word && v.contains(&capitalised)
    })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_values() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn noise_values() {
        for v in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "xxxxxxxxxxxxxxxxxxxx",
            "XXXX",
            "your-key-here",
            "your_api_key",
            "<YOUR_TOKEN>",
            "<password>",
            "changeme",
            "REPLACE_ME",
            "TODO",
            "12345678901234567890",
            "aaaaaaaaaaaaaaaa",
            "${VAR}",
            "$VAR",
            "${{ secrets.X }}",
            "os.environ[\"X\"]",
            "os.getenv(\"X\")",
            "process.env.X",
            "ENV[\"X\"]",
            "{{ .Values.x }}",
            "%(x)s",
            "****",
            "••••••",
            "[REDACTED]",
            "<redacted>",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "pk_live_51Habcdefgh",
            "%DB_PASS%",
            "password",
        ] {
            assert!(is_noise(v), "{v} should be noise");
        }
        for v in [
            "q8Zr2LmW9vXc4TnB7yKp",
            "ghp_R4nd0mLooking5tringWith36CharsXy",
            "Zt9wQ2mN8vL5kJ3hG7fD1sA6pO4iU0yT",
        ] {
            assert!(!is_noise(v), "{v} should not be noise");
        }
    }
}
