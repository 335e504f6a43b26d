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
    if REFERENCE_MATCHER.as_ref().map_or_else(
        || REFERENCE_FRAGMENTS.iter().any(|f| lower.contains(f)),
        |m| m.is_match(&lower),
    ) {
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
    v.len() >= 8 && distinct_chars_at_most(v, 3)
}

/// Whether `v` is made of at most `limit` distinct characters.
fn distinct_chars_at_most(v: &str, limit: usize) -> bool {
    if v.is_ascii() {
        let mut seen = [false; 128];
        let mut distinct = 0;
        for b in v.bytes() {
            if let Some(slot) = seen.get_mut(usize::from(b))
                && !*slot
            {
                *slot = true;
                distinct += 1;
                if distinct > limit {
                    return false;
                }
            }
        }
        return true;
    }
    let mut distinct: Vec<char> = v.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() <= limit
}

fn contains_placeholder_word(v: &str) -> bool {
    match PLACEHOLDER_MATCHER.as_ref() {
        Some(matcher) => matcher.is_match(v),
        None => placeholder_forms()
            .iter()
            .any(|form| v.contains(form.as_str())),
    }
}

/// Each placeholder word in the three casings it counts in.
fn placeholder_forms() -> Vec<String> {
    let mut forms = Vec::with_capacity(PLACEHOLDER_WORDS.len() * 3);
    for word in PLACEHOLDER_WORDS {
        let mut chars = word.chars();
        let capitalised = chars.next().map_or_else(String::new, |first| {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        });
        forms.extend([word.to_string(), word.to_ascii_uppercase(), capitalised]);
    }
    forms.sort();
    forms.dedup();
    forms
}

// Every candidate match goes through the noise check, and searching for each word (and
// each casing) one by one was most of its cost. Either automaton failing to build would
// be a bug; the one-by-one search stays as the fallback rather than a panic.
static PLACEHOLDER_MATCHER: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| aho_corasick::AhoCorasick::new(placeholder_forms()).ok());

static REFERENCE_MATCHER: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| aho_corasick::AhoCorasick::new(REFERENCE_FRAGMENTS).ok());

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

    #[test]
    fn word_matchers_build() {
        assert!(PLACEHOLDER_MATCHER.is_some());
        assert!(REFERENCE_MATCHER.is_some());
        // Three casings, and only those: a mixed-case word inside a random token is chance.
        for v in [
            "an-example-key",
            "AN-EXAMPLE-KEY",
            "An-Example-Key",
            "tokenFAKEvalue",
        ] {
            assert!(contains_placeholder_word(v), "{v}");
        }
        for v in ["eXaMpLe", "ExAmple", "q8Zr2LmW9vXc4TnB7yKp"] {
            assert!(!contains_placeholder_word(v), "{v}");
        }
    }

    proptest::proptest! {
        /// The automata answer exactly as searching for each form one by one would.
        #[test]
        fn automata_agree_with_plain_search(v in "[a-zA-Z0-9_.${}()-]{0,40}|.{0,20}") {
            let forms = placeholder_forms();
            proptest::prop_assert_eq!(
                contains_placeholder_word(&v),
                forms.iter().any(|f| v.contains(f.as_str()))
            );
            let lower = v.to_ascii_lowercase();
            proptest::prop_assert_eq!(
                REFERENCE_MATCHER.as_ref().is_some_and(|m| m.is_match(&lower)),
                REFERENCE_FRAGMENTS.iter().any(|f| lower.contains(f))
            );
        }

        #[test]
        fn distinct_count_matches_a_set(v in ".{0,30}") {
            let set: std::collections::BTreeSet<char> = v.chars().collect();
            proptest::prop_assert_eq!(distinct_chars_at_most(&v, 3), set.len() <= 3);
        }
    }
}
