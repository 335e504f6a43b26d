//! dotenv files: `KEY=value` lines with optional `export `, `#` comments, and single,
//! double or backtick quotes that may span lines. One entry per file listing the
//! variables that carry credentials.

use nhi_model::ConsumerKind;

use crate::entry::Builder;
use crate::{ConfigError, ConsumerEntry, file_name};

const TOOL: &str = "dotenv";

/// One `KEY=value` assignment.
struct Assignment {
    name: String,
    value: zeroize::Zeroizing<String>,
    line: u32,
}

pub(crate) fn parse(rel_path: &str, text: &str) -> Result<Vec<ConsumerEntry>, ConfigError> {
    let assignments = assignments(text)?;
    let name = file_name(rel_path);
    let mut b = Builder::new(ConsumerKind::EnvFile, TOOL, name, 1);
    let lower = name.to_ascii_lowercase();
    if [".example", ".sample", ".template", ".dist", ".tmpl"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        b.attr("template", "true");
    }
    b.attr("variables", assignments.len().to_string());
    for a in &assignments {
        b.env_var(&a.name, &a.value, a.line);
    }
    Ok(vec![b.finish()])
}

fn assignments(text: &str) -> Result<Vec<Assignment>, ConfigError> {
    let mut out = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .or_else(|| line.strip_prefix("export\t"))
            .map_or(line, str::trim_start);
        // Lines without `=` are not assignments; dotenv loaders skip them too.
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            continue;
        }
        let rest = rest.trim_start();
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'));
        let value = match quote {
            Some(q) => {
                let mut body = String::new();
                let mut current = &rest[1..];
                let mut closed = false;
                loop {
                    if let Some(end) = closing_quote(current, q) {
                        body.push_str(&current[..end]);
                        closed = true;
                        break;
                    }
                    body.push_str(current.strip_suffix('\r').unwrap_or(current));
                    match lines.next() {
                        Some((_, next)) => {
                            body.push('\n');
                            current = next;
                        }
                        None => break,
                    }
                }
                if !closed {
                    return Err(ConfigError::Malformed {
                        line: line_no,
                        column: 0,
                        message: format!("unterminated {q} quote"),
                    });
                }
                // Only double quotes interpret escapes; single and backtick quotes are verbatim.
                if q == '"' { unescape(&body) } else { body }
            }
            None => {
                // An unquoted value ends at ` #`.
                let value = match rest.find(" #").or_else(|| rest.find("\t#")) {
                    Some(i) => &rest[..i],
                    None => rest,
                };
                value.trim().to_string()
            }
        };
        out.push(Assignment {
            name: key.to_string(),
            value: zeroize::Zeroizing::new(value),
            line: line_no,
        });
    }
    Ok(out)
}

/// The byte index of the closing quote in `s`, skipping backslash-escaped ones inside
/// double quotes.
fn closing_quote(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' && quote == '"' {
            escaped = true;
            continue;
        }
        if c == quote {
            return Some(i);
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_comments() {
        let text = "# c\nexport A=1 # trailing\nB=\"x\\\"y\"\nC='multi\nline'\nD=`t`\nnot an assignment\nE=\n";
        let a = assignments(text).expect("parses");
        let got: Vec<(&str, &str, u32)> = a
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_str(), a.line))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1", 2),
                ("B", "x\"y", 3),
                ("C", "multi\nline", 4),
                ("D", "t", 6),
                ("E", "", 8)
            ]
        );
    }

    #[test]
    fn unterminated_quote_is_malformed() {
        let err = assignments("A=1\nB=\"open\nC=2\n").err();
        assert!(matches!(err, Some(ConfigError::Malformed { line: 2, .. })));
    }
}
