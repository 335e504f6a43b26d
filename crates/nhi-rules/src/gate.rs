//! Keyword gates: cheap tests on the bytes right after a keyword hit that decide whether
//! the hit opens a window for its rule's regex. Words like `token` or `auth` fill
//! ordinary code, so for the rules that use them the gate, not the regex, is what runs on
//! most hits.

use regex_automata::{Input, meta};

use crate::Validator;
use crate::noise::is_noise;

/// A rule's gate, named in the rules file.
#[derive(Debug, Clone)]
pub(crate) enum Gate {
    /// `after_keyword`: a regex matched, anchored, against the bytes after the hit.
    Regex(meta::Regex),
    /// `gate = "assignment"`: the hit must be followed by the rest of an assignment
    /// whose value could pass the rule's validators (see [`assignment_values`]).
    Assignment(ValueChecks),
}

impl Gate {
    /// Parses a `gate = "..."` name for a rule with these validators.
    pub(crate) fn named(name: &str, validators: &[Validator]) -> Result<Gate, String> {
        match name {
            "assignment" => Ok(Gate::Assignment(ValueChecks::new(validators))),
            other => Err(format!("unknown gate `{other}`; expected: assignment")),
        }
    }

    /// Whether a hit followed by `tail` opens a window. `cache` is the thread's cache
    /// for a regex gate.
    pub(crate) fn admits(&self, tail: &[u8], cache: Option<&mut meta::Cache>) -> bool {
        match (self, cache) {
            (Gate::Regex(regex), Some(cache)) => regex
                .search_half_with(cache, &Input::new(tail).earliest(true))
                .is_some(),
            (Gate::Regex(_), None) => true,
            (Gate::Assignment(checks), _) => {
                assignment_values(tail)
                    .into_iter()
                    .any(|value| match value {
                        Value::Unknown => true,
                        Value::At(start, end) => tail
                            .get(start..end)
                            .is_some_and(|bytes| checks.may_pass(bytes)),
                        Value::Absent => false,
                    })
            }
        }
    }
}

/// The part of a rule's checks that a value can be put through on its own: the
/// validators before the first one that may swap the secret for another, and the noise
/// filter when no validator may swap it and none does its own noise check. The engine
/// later runs every check again on the real match.
#[derive(Debug, Clone)]
pub(crate) struct ValueChecks {
    /// In the order they are tried: all are plain tests of the value, so the order is
    /// free, and entropy (a logarithm per distinct byte) goes last because on
    /// config-heavy code most values are URLs, paths and names the cheap tests turn away.
    validators: Vec<Validator>,
    noise: bool,
}

impl ValueChecks {
    fn new(validators: &[Validator]) -> ValueChecks {
        let first_replacer = validators.iter().position(Validator::may_replace_secret);
        let judged = first_replacer.map_or(validators, |i| &validators[..i]);
        let mut ordered = judged.to_vec();
        ordered.sort_by_key(|v| matches!(v, Validator::Entropy(_)));
        ValueChecks {
            validators: ordered,
            noise: first_replacer.is_none() && !validators.iter().any(|v| v.owns_noise_check()),
        }
    }

    /// Whether a secret of exactly these bytes could survive the rule's checks.
    fn may_pass(&self, bytes: &[u8]) -> bool {
        // The engine drops matches whose secret is not UTF-8.
        let Ok(value) = std::str::from_utf8(bytes) else {
            return false;
        };
        if self.validators.iter().any(|v| v.rejects_value(value)) {
            return false;
        }
        !(self.noise && is_noise(value))
    }
}

/// What one reading of an assignment found after the keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    /// This reading cannot match.
    Absent,
    /// It matches with the secret at this range of the tail.
    At(usize, usize),
    /// The tail ended before the reading was decided (the gate then lets the hit through).
    Unknown,
}

/// Shortest value the generic rule reports.
const MIN_VALUE: usize = 16;
/// Blanks allowed on each side of `=` / `:`.
const MAX_BLANKS: usize = 4;

/// The secrets the generic assignment regex could capture after a keyword, one per way
/// its pattern can read `tail` (the bytes right after the keyword). It is that regex
/// from the keyword on, written out by hand:
///
/// ```text
/// [a-z0-9_.-]*["'`]?[ \t]{0,4}(?::=|=>|=|:)[ \t]{0,4}["'`]?(?P<secret>V{16,})(?:T|$)
/// [a-z0-9_.-]*["']?[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?["']?value["']?[ \t]*:[ \t]*["']?(?P<secret_kv>V{16,})(?:T|$)
/// ```
///
/// case-insensitively, where V is any byte but whitespace and ``"'`;,(){}[]<>\|``, and T
/// is whitespace or ``"'`;,)}]``. Nearly every piece's bytes differ from the next
/// piece's, so reading greedily is the only way to match. The exceptions, each read both
/// ways: `:=`, which the regex prefers as the operator but may read as `:` followed by a
/// value starting with `=`; and a name ending in `value` right before `["']?[ \t]*:`,
/// which the second form may read as its `value` word (`secret_value     : x`).
pub(crate) fn assignment_values(tail: &[u8]) -> [Value; 4] {
    let name_end = skip_while(tail, 0, is_name_byte);
    match tail.get(name_end) {
        None => return [Value::Unknown; 4],
        // Both forms go on after the name with one of these (or end there).
        Some(b' ' | b'\t' | b':' | b'=' | b',' | b'\r' | b'\n' | b'"' | b'\'' | b'`') => {}
        Some(_) => return [Value::Absent; 4],
    }
    let (colon_equals, single) = operator_values(tail, name_end);
    let named_value = match name_end.checked_sub(VALUE_WORD.len()) {
        Some(word) if tail[word..name_end].eq_ignore_ascii_case(VALUE_WORD) => {
            after_value_word(tail, name_end)
        }
        _ => Value::Absent,
    };
    [
        colon_equals,
        single,
        name_value_pair(tail, name_end),
        named_value,
    ]
}

const VALUE_WORD: &[u8] = b"value";

/// `name = value`, `name: value`, `name := value`, `name => value`: the value read with
/// `:=` (or `=>`) as the operator, and the value read with a one-byte operator.
fn operator_values(tail: &[u8], name_end: usize) -> (Value, Value) {
    let mut at = name_end;
    match tail.get(at) {
        None => return (Value::Unknown, Value::Unknown),
        Some(b) if is_quote(*b) => at += 1,
        Some(_) => {}
    }
    let Some(at) = skip_blanks(tail, at, MAX_BLANKS) else {
        return (Value::Absent, Value::Absent);
    };
    let (Some(&first), second) = (tail.get(at), tail.get(at + 1).copied()) else {
        return (Value::Unknown, Value::Unknown);
    };
    match (first, second) {
        (b':', None) | (b'=', None) => (Value::Unknown, Value::Unknown),
        (b':', Some(b'=')) => (value_after(tail, at + 2), value_after(tail, at + 1)),
        // `=` then `>` as the value's first byte cannot match: V excludes `>`.
        (b'=', Some(b'>')) => (value_after(tail, at + 2), Value::Absent),
        (b':' | b'=', _) => (Value::Absent, value_after(tail, at + 1)),
        _ => (Value::Absent, Value::Absent),
    }
}

/// `[ \t]{0,4}["'`]?V{16,}(?:T|$)` from `at`.
fn value_after(tail: &[u8], at: usize) -> Value {
    let Some(mut at) = skip_blanks(tail, at, MAX_BLANKS) else {
        return Value::Absent;
    };
    match tail.get(at) {
        None => return Value::Unknown,
        Some(b) if is_quote(*b) => at += 1,
        Some(_) => {}
    }
    value_at(tail, at)
}

/// `V{16,}(?:T|$)` from `at`: V is greedy and T excludes every V byte, so the value is
/// the whole run or nothing.
fn value_at(tail: &[u8], at: usize) -> Value {
    let end = skip_while(tail, at, is_value_byte);
    match tail.get(end) {
        // The run reached the end of what the gate sees; it may go on.
        None => Value::Unknown,
        Some(&b) if end - at >= MIN_VALUE && ends_value(b) => Value::At(at, end),
        Some(_) => Value::Absent,
    }
}

/// The `{"name": "..._token", "value": "..."}` / `- name: X_TOKEN` + `value: ...` form,
/// from the end of the name.
fn name_value_pair(tail: &[u8], name_end: usize) -> Value {
    let mut at = name_end;
    at = skip_one(tail, at, is_pair_quote);
    at = skip_while(tail, at, is_blank);
    at = skip_one(tail, at, |b| b == b',');
    at = skip_while(tail, at, is_blank);
    let line_break = if tail.get(at) == Some(&b'\r') {
        at + 1
    } else {
        at
    };
    if tail.get(line_break) == Some(&b'\n') {
        at = skip_while(tail, line_break + 1, is_blank);
    }
    at = skip_one(tail, at, is_pair_quote);
    let Some(word) = tail.get(at..at + VALUE_WORD.len()) else {
        return Value::Unknown;
    };
    if !word.eq_ignore_ascii_case(VALUE_WORD) {
        return Value::Absent;
    }
    after_value_word(tail, at + VALUE_WORD.len())
}

/// `["']?[ \t]*:[ \t]*["']?V{16,}(?:T|$)` from `at`, right after the `value` word.
fn after_value_word(tail: &[u8], mut at: usize) -> Value {
    at = skip_one(tail, at, is_pair_quote);
    at = skip_while(tail, at, is_blank);
    match tail.get(at) {
        None => return Value::Unknown,
        Some(b':') => at += 1,
        Some(_) => return Value::Absent,
    }
    at = skip_while(tail, at, is_blank);
    at = skip_one(tail, at, is_pair_quote);
    value_at(tail, at)
}

/// Skips the spaces and tabs at `at`; `None` when there are more than `max` (the
/// pattern's `[ \t]{0,4}` cannot then reach the next piece).
fn skip_blanks(tail: &[u8], at: usize, max: usize) -> Option<usize> {
    let end = skip_while(tail, at, is_blank);
    (end - at <= max).then_some(end)
}

/// Steps over the byte at `at` when it is `wanted` (an optional piece such as `["']?`).
fn skip_one(tail: &[u8], at: usize, wanted: fn(u8) -> bool) -> usize {
    if tail.get(at).copied().is_some_and(wanted) {
        at + 1
    } else {
        at
    }
}

fn skip_while(tail: &[u8], at: usize, wanted: fn(u8) -> bool) -> usize {
    tail.get(at..).map_or(at, |rest| {
        at + rest.iter().take_while(|&&b| wanted(b)).count()
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

fn is_pair_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'')
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// The regex's `\s` without Unicode: `[\t\n\v\f\r ]`.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

fn is_value_byte(b: u8) -> bool {
    !(is_space(b)
        || matches!(
            b,
            b'"' | b'\''
                | b'`'
                | b';'
                | b','
                | b'('
                | b')'
                | b'{'
                | b'}'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'\\'
                | b'|'
        ))
}

fn ends_value(b: u8) -> bool {
    is_space(b) || matches!(b, b'"' | b'\'' | b'`' | b';' | b',' | b')' | b'}' | b']')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(tail: &str) -> Vec<Option<&str>> {
        assignment_values(tail.as_bytes())
            .into_iter()
            .filter_map(|v| match v {
                Value::At(s, e) => Some(tail.get(s..e)),
                Value::Unknown => Some(None),
                Value::Absent => None,
            })
            .collect()
    }

    #[test]
    fn reads_each_assignment_form() {
        let v = "jKUr3pLC8+dweE*W-pUOKQ44";
        assert_eq!(values(&format!("_KEY={v}\n")), [Some(v)]);
        assert_eq!(values(&format!("\": \"{v}\",")), [Some(v)]);
        assert_eq!(values(&format!(" => '{v}';")), [Some(v)]);
        assert_eq!(values(&format!(" := `{v}`)")), [Some(v)]);
        assert_eq!(
            values(&format!("_X:={v} ")),
            [Some(v), Some(format!("={v}").as_str())]
        );
        assert_eq!(values(&format!("_SECRET\n    value: \"{v}\"\n")), [Some(v)]);
        assert_eq!(values(&format!("\", \"value\": \"{v}\"}}")), [Some(v)]);
    }

    #[test]
    fn turns_away_what_the_regex_cannot_match() {
        for tail in [
            "s = []\n",
            "_file: config/prod/secrets.yaml(",
            " = short\n",
            "      = jKUr3pLC8+dweE*W-pUOKQ44\n",
            "(self, request):\n",
            " = jKUr3pLC8+dweE*W-pUOKQ44(x)\n",
            "\nvalue: 1234\n",
        ] {
            assert_eq!(values(tail), Vec::<Option<&str>>::new(), "{tail:?}");
        }
    }

    #[test]
    fn a_name_ending_in_value_is_also_read_as_the_value_word() {
        let v = "p0w4TuGJlA508dVT9aQkP0YmmFcDVgni";
        // `[ \t]{0,4}` rules out the assignment form; only the name/value form matches.
        assert_eq!(values(&format!("_value      : {v}\n")), [Some(v)]);
        assert_eq!(values(&format!("_Value: {v}\n")), [Some(v), Some(v)]);
    }

    #[test]
    fn an_unfinished_tail_is_let_through() {
        assert_eq!(values("_KEY"), [None, None, None, None]);
        assert_eq!(values("_KEY=jKUr3pLC8+dweE*W"), [None]);
        assert_eq!(values("\", \"val"), [None]);
    }
}
