//! Reading a config into a `serde_json::Value` (JSON, JSON with comments, or YAML) and
//! finding the lines keys sit on, since neither serde_json nor serde_norway keeps spans.

use serde_json::{Map, Value};

use crate::ConfigError;

/// Decodes UTF-8, dropping a leading byte-order mark.
pub(crate) fn decode(content: &[u8]) -> Result<&str, ConfigError> {
    let text = std::str::from_utf8(content).map_err(|e| ConfigError::InvalidUtf8 {
        byte_offset: e.valid_up_to(),
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Strips anything quoted from a parser's message: a message must never echo content,
/// and content may be a secret.
fn sanitize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in message.chars() {
        match quote {
            // Inside a quote, a backslash escapes the next character: `\"` does not end it.
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                if c == '"' || c == '`' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    if quote.is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod sanitize_tests {
    use super::sanitize;

    #[test]
    fn quoted_text_is_dropped_even_with_escaped_quotes() {
        let out = sanitize(r#"invalid type: string "a\"b sk-secret-value" at line 3"#);
        assert!(!out.contains("sk-secret-value"), "{out}");
        assert!(out.ends_with("at line 3"), "{out}");
    }
}

/// Blanks out `//` and `/* */` comments and trailing commas, keeping every newline and
/// byte offset, so VS Code and Continue style JSONC parses and line numbers stay true.
fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut j = i;
                while j < bytes.len() && !(bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/')) {
                    if bytes[j] != b'\n' {
                        out[j] = b' ';
                    }
                    j += 1;
                }
                // Blank the closing `*/` too, if there is one.
                for byte in out.iter_mut().skip(j).take(2) {
                    *byte = b' ';
                }
                i = j + 2;
                continue;
            }
            b',' => {
                let next = bytes[i + 1..]
                    .iter()
                    .zip(i + 1..)
                    .find(|(c, _)| !c.is_ascii_whitespace())
                    .map(|(c, _)| *c);
                if matches!(next, Some(b'}') | Some(b']')) {
                    out[i] = b' ';
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes outside strings were replaced by spaces, and a multi-byte
    // character is never cut: comment bodies are replaced whole, byte by byte, with
    // spaces, which is valid UTF-8 on its own.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Parses JSON, tolerating comments and trailing commas.
pub(crate) fn parse_json(text: &str) -> Result<Value, ConfigError> {
    let cleaned = strip_jsonc(text);
    serde_json::from_str(&cleaned).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line X column Y"; the position has its own fields.
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        ConfigError::Malformed {
            line: u32::try_from(e.line()).unwrap_or(u32::MAX),
            column: u32::try_from(e.column()).unwrap_or(u32::MAX),
            message: sanitize(message),
        }
    })
}

/// How deep a converted YAML document may nest; aliases can nest a document deeper than
/// the YAML parser's own limit.
const MAX_DEPTH: usize = 160;

/// Parses YAML into a JSON value: mapping keys become strings, tags are dropped and
/// `<<` merge keys are applied, so one set of helpers serves both syntaxes.
pub(crate) fn parse_yaml(text: &str) -> Result<Value, ConfigError> {
    let mut yaml: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let full = e.to_string();
        let message = full
            .split_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        ConfigError::Malformed {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            message: sanitize(message),
        }
    })?;
    // A failed merge (a `<<` onto a non-mapping) leaves the document as written, which
    // is still worth reading.
    let _ = yaml.apply_merge();
    Ok(yaml_to_json(&yaml, 0))
}

fn yaml_key(key: &serde_norway::Value) -> Option<String> {
    use serde_norway::Value as Y;
    match key {
        Y::String(s) => Some(s.clone()),
        Y::Bool(b) => Some(b.to_string()),
        Y::Number(n) => Some(n.to_string()),
        Y::Null => Some("null".to_string()),
        Y::Tagged(t) => yaml_key(&t.value),
        Y::Sequence(_) | Y::Mapping(_) => None,
    }
}

fn yaml_to_json(value: &serde_norway::Value, depth: usize) -> Value {
    use serde_norway::Value as Y;
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => {
            Value::Array(items.iter().map(|v| yaml_to_json(v, depth + 1)).collect())
        }
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(key) = yaml_key(k) {
                    out.insert(key, yaml_to_json(v, depth + 1));
                }
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(&t.value, depth + 1),
    }
}

/// A scalar as text: strings as they are, numbers and booleans printed, null and
/// containers as nothing.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A string field of an object.
pub(crate) fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// Which syntax the text is in, for locating keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Json,
    Yaml,
}

/// The text of a config with its line starts, for turning keys into line numbers.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    syntax: Syntax,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str, syntax: Syntax) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            text,
            starts,
            syntax,
        }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        let index = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    fn start_of(&self, line: u32) -> usize {
        let index = (line.max(1) - 1) as usize;
        self.starts.get(index).copied().unwrap_or(self.text.len())
    }

    fn line_text(&self, index: usize) -> &'a str {
        let start = self.starts.get(index).copied().unwrap_or(self.text.len());
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |e| e.saturating_sub(1));
        self.text.get(start..end.max(start)).unwrap_or("")
    }

    /// The line of the first occurrence of `needle` at or after the start of `from`.
    pub(crate) fn find(&self, from: u32, needle: &str) -> Option<u32> {
        let start = self.start_of(from);
        self.text
            .get(start..)?
            .find(needle)
            .map(|i| self.line_of(start + i))
    }

    /// The line of `key` as a mapping key at or after line `from`, or `from` if it cannot
    /// be found: the key's own line is best effort, the parent's is always true.
    pub(crate) fn key(&self, from: u32, key: &str) -> u32 {
        let found = match self.syntax {
            Syntax::Json => self.json_key(from, key),
            Syntax::Yaml => self.yaml_key(from, key),
        };
        found.unwrap_or(from.max(1))
    }

    fn json_key(&self, from: u32, key: &str) -> Option<u32> {
        let quoted = serde_json::to_string(key).ok()?;
        let start = self.start_of(from);
        let haystack = self.text.get(start..)?;
        for (i, _) in haystack.match_indices(quoted.as_str()) {
            let escaped = i > 0 && haystack.as_bytes().get(i - 1) == Some(&b'\\');
            let after = haystack.get(i + quoted.len()..).unwrap_or("");
            if !escaped && after.trim_start().starts_with(':') {
                return Some(self.line_of(start + i));
            }
        }
        None
    }

    fn yaml_key(&self, from: u32, key: &str) -> Option<u32> {
        let first = (from.max(1) - 1) as usize;
        for index in first..self.starts.len() {
            let mut t = self.line_text(index).trim_start();
            while let Some(rest) = t.strip_prefix("- ") {
                t = rest.trim_start();
            }
            for candidate in [key.to_string(), format!("\"{key}\""), format!("'{key}'")] {
                if let Some(rest) = t.strip_prefix(candidate.as_str())
                    && rest.trim_start().starts_with(':')
                {
                    return u32::try_from(index + 1).ok();
                }
            }
        }
        // Flow mappings (`env: {KEY: v}`) put several keys on one line.
        self.find(from, &format!("{key}:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let text = "{\n  // a comment\n  \"a\": [1, 2,],\n  /* block\n */ \"b\": \"x // not a comment\",\n}\n";
        let v = parse_json(text).expect("jsonc parses");
        assert_eq!(v["b"], "x // not a comment");
        let lines = Lines::new(text, Syntax::Json);
        assert_eq!(lines.key(1, "b"), 5);
    }

    #[test]
    fn malformed_json_has_position_and_no_content() {
        let err = parse_json("{\n \"k\": \"sk-secret-value\",\n \"x\": tru").unwrap_err();
        match err {
            ConfigError::Malformed { line, message, .. } => {
                assert_eq!(line, 3);
                assert!(!message.contains("sk-secret"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn yaml_keys_and_lines() {
        let text = "a:\n  - name: x\n    env:\n      TOKEN: y\nb: {c: 1}\n";
        let v = parse_yaml(text).expect("yaml parses");
        assert_eq!(v["a"][0]["env"]["TOKEN"], "y");
        let lines = Lines::new(text, Syntax::Yaml);
        assert_eq!(lines.key(1, "name"), 2);
        assert_eq!(lines.key(2, "TOKEN"), 4);
        assert_eq!(lines.key(1, "c"), 5);
    }
}
