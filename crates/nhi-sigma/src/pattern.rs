//! Value patterns: Sigma strings with wildcards and modifiers, regular expressions,
//! CIDR ranges, numbers, booleans and null, matched against JSON values.

use std::net::IpAddr;

use regex::{Regex, RegexBuilder};

/// How one value of a field condition is compared.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A literal compared whole (case-insensitively unless `cased`).
    Exact {
        text: String,
        cased: bool,
    },
    /// A string with `*`/`?` wildcards or a contains/startswith/endswith modifier,
    /// compiled to an anchored regular expression.
    Wildcard(Regex),
    /// The `re` modifier: an unanchored regular expression, case-sensitive by default.
    Regex(Regex),
    Cidr(Cidr),
    /// `null`: the field is absent or null.
    Null,
    /// The `exists` modifier.
    Exists(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringMatch {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// Escapes are Sigma's: `\*`, `\?` and `\\` stand for the literal character; any other
/// backslash is itself literal.
fn wildcard_regex(value: &str, mode: StringMatch, cased: bool) -> Result<Regex, regex::Error> {
    let mut pattern = String::with_capacity(value.len() + 8);
    pattern.push('^');
    if matches!(mode, StringMatch::Contains | StringMatch::EndsWith) {
        pattern.push_str(".*");
    }
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    pattern.push_str(&regex::escape(&next.to_string()));
                }
                _ => pattern.push_str(r"\\"),
            },
            '*' => pattern.push_str(".*"),
            '?' => pattern.push('.'),
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    if matches!(mode, StringMatch::Contains | StringMatch::StartsWith) {
        pattern.push_str(".*");
    }
    pattern.push('$');
    RegexBuilder::new(&pattern)
        .case_insensitive(!cased)
        .dot_matches_new_line(true)
        .build()
}

fn has_wildcard(value: &str) -> bool {
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

/// Removes Sigma escapes from a value without wildcards.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next @ ('*' | '?' | '\\')) = chars.peek()
        {
            chars.next();
            out.push(next);
            continue;
        }
        out.push(c);
    }
    out
}

impl Pattern {
    pub fn string(value: &str, mode: StringMatch, cased: bool) -> Result<Pattern, regex::Error> {
        if mode == StringMatch::Whole && !has_wildcard(value) {
            let text = unescape(value);
            return Ok(Pattern::Exact {
                text: if cased { text } else { text.to_lowercase() },
                cased,
            });
        }
        wildcard_regex(value, mode, cased).map(Pattern::Wildcard)
    }

    pub fn regex(
        value: &str,
        insensitive: bool,
        multiline: bool,
        dotall: bool,
    ) -> Result<Pattern, regex::Error> {
        RegexBuilder::new(value)
            .case_insensitive(insensitive)
            .multi_line(multiline)
            .dot_matches_new_line(dotall)
            .build()
            .map(Pattern::Regex)
    }

    /// Does a present, scalar value match?
    pub fn matches_scalar(&self, value: &serde_json::Value) -> bool {
        let text = match scalar_text(value) {
            Some(text) => text,
            None => return false,
        };
        match self {
            Pattern::Exact { text: want, cased } => {
                if *cased {
                    text == *want
                } else {
                    text.to_lowercase() == *want
                }
            }
            Pattern::Wildcard(re) | Pattern::Regex(re) => re.is_match(&text),
            Pattern::Cidr(cidr) => text.parse::<IpAddr>().is_ok_and(|ip| cidr.contains(ip)),
            Pattern::Null | Pattern::Exists(_) => false,
        }
    }
}

/// The text of a scalar JSON value; objects and arrays have none.
pub fn scalar_text(value: &serde_json::Value) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    match value {
        serde_json::Value::String(s) => Some(Cow::Borrowed(s)),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// An IPv4 or IPv6 network for the `cidr` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn whole(value: &str) -> Pattern {
        Pattern::string(value, StringMatch::Whole, false).unwrap()
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(whole("Stop*").matches_scalar(&json!("StopLogging")));
        assert!(whole("Get?ecretValue").matches_scalar(&json!("GetSecretValue")));
        assert!(!whole("Get?ecretValue").matches_scalar(&json!("GetSSecretValue")));
        assert!(whole(r"a\*b").matches_scalar(&json!("a*b")));
        assert!(!whole(r"a\*b").matches_scalar(&json!("axxb")));
        assert!(whole(r"C:\Windows").matches_scalar(&json!(r"c:\windows")));
        assert!(whole(r"x\\*").matches_scalar(&json!(r"x\anything")));
        assert!(whole("deletetrail").matches_scalar(&json!("DeleteTrail")));
    }

    #[test]
    fn scalars_other_than_strings() {
        assert!(whole("false").matches_scalar(&json!(false)));
        assert!(whole("443").matches_scalar(&json!(443)));
        assert!(!whole("x").matches_scalar(&json!({"x": 1})));
    }

    #[test]
    fn cidr_ranges() {
        let v4 = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(v4.contains("10.200.3.4".parse().unwrap()));
        assert!(!v4.contains("11.0.0.1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("not-an-ip").is_none());
    }
}
