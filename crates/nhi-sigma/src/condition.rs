//! Sigma `condition` expressions: identifiers, `and`/`or`/`not`, parentheses, and
//! `1 of`/`all of` over identifier patterns or `them`.

/// A parsed condition over the rule's search identifiers (by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Search(usize),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// At least `at_least` of `members` hold; `None` means all of them.
    Of {
        at_least: Option<usize>,
        members: Vec<usize>,
    },
}

impl Condition {
    pub fn evaluate(&self, search: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Condition::Search(index) => search(*index),
            Condition::Not(inner) => !inner.evaluate(search),
            Condition::And(parts) => parts.iter().all(|p| p.evaluate(search)),
            Condition::Or(parts) => parts.iter().any(|p| p.evaluate(search)),
            Condition::Of { at_least, members } => match at_least {
                None => members.iter().all(|m| search(*m)),
                Some(n) => members.iter().filter(|m| search(**m)).take(*n).count() >= *n,
            },
        }
    }
}

/// A condition that could not be parsed, with the character offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    All,
    Them,
    Number(usize),
    Name(String),
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '*' | '.' | '?')
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(offset, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '(' || c == ')' {
            chars.next();
            tokens.push((offset, if c == '(' { Token::Open } else { Token::Close }));
            continue;
        }
        if c == '|' {
            return Err(ConditionError {
                offset,
                message: "aggregations after '|' (count, near, ...) are not supported".into(),
            });
        }
        if !is_name_char(c) {
            return Err(ConditionError {
                offset,
                message: format!("unexpected character '{c}'"),
            });
        }
        let mut word = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if !is_name_char(c) {
                break;
            }
            word.push(c);
            chars.next();
        }
        let token = match word.to_ascii_lowercase().as_str() {
            "and" => Token::And,
            "or" => Token::Or,
            "not" => Token::Not,
            "of" => Token::Of,
            "all" => Token::All,
            "any" => Token::Number(1),
            "them" => Token::Them,
            _ if word.chars().all(|c| c.is_ascii_digit()) => {
                Token::Number(word.parse().map_err(|_| ConditionError {
                    offset,
                    message: format!("number {word} is too large"),
                })?)
            }
            _ => Token::Name(word),
        };
        tokens.push((offset, token));
    }
    Ok(tokens)
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    position: usize,
    depth: usize,
    names: &'a [String],
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.position).map_or(self.end, |(o, _)| *o)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError {
            offset: self.offset(),
            message: message.into(),
        })
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.not()?];
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn not(&mut self) -> Result<Condition, ConditionError> {
        if self.peek() == Some(&Token::Not) {
            if self.depth >= MAX_DEPTH {
                return self.error("'not' is nested too deeply");
            }
            self.position += 1;
            self.depth += 1;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, ConditionError> {
        match self.peek().cloned() {
            Some(Token::Open) => {
                if self.depth >= MAX_DEPTH {
                    return self.error("parentheses are nested too deeply");
                }
                self.position += 1;
                self.depth += 1;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Token::Close) {
                    return self.error("expected ')'");
                }
                self.position += 1;
                Ok(inner)
            }
            Some(Token::Number(n)) => {
                self.position += 1;
                if n == 0 {
                    self.position -= 1;
                    return self.error("'0 of' can never hold a meaning; use 'not 1 of'");
                }
                self.quantified(Some(n))
            }
            Some(Token::All) => {
                self.position += 1;
                self.quantified(None)
            }
            Some(Token::Name(name)) => {
                if name.contains(['*', '?']) {
                    return self.error(format!(
                        "pattern '{name}' needs '1 of' or 'all of' before it"
                    ));
                }
                match self.names.iter().position(|n| *n == name) {
                    Some(index) => {
                        self.position += 1;
                        Ok(Condition::Search(index))
                    }
                    None => self.error(format!("'{name}' is not a search identifier of this rule")),
                }
            }
            Some(other) => self.error(format!("unexpected {other:?}")),
            None => self.error("condition ends too early"),
        }
    }

    fn quantified(&mut self, at_least: Option<usize>) -> Result<Condition, ConditionError> {
        if self.peek() != Some(&Token::Of) {
            return self.error("expected 'of'");
        }
        self.position += 1;
        let members: Vec<usize> = match self.peek().cloned() {
            // Identifiers starting with an underscore are left out of `them` by the spec.
            Some(Token::Them) => (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect(),
            Some(Token::Name(pattern)) => {
                let members: Vec<usize> = (0..self.names.len())
                    .filter(|&i| glob_match(&pattern, &self.names[i]))
                    .collect();
                if members.is_empty() {
                    return self.error(format!("'{pattern}' matches no search identifier"));
                }
                members
            }
            _ => return self.error("expected 'them' or an identifier pattern"),
        };
        self.position += 1;
        Ok(Condition::Of { at_least, members })
    }
}

/// Identifier patterns: `*` any run of characters, `?` one character. Greedy matching
/// with one backtrack point keeps this linear-ish whatever the pattern.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((star_p, star_n)) = star {
            pi = star_p + 1;
            ni = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Parses `text` against the rule's search identifier names.
pub fn parse(text: &str, names: &[String]) -> Result<Condition, ConditionError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
        depth: 0,
        names,
        end: text.len(),
    };
    if parser.tokens.is_empty() {
        return parser.error("condition is empty");
    }
    let condition = parser.or()?;
    if parser.position < parser.tokens.len() {
        return parser.error("unexpected text after the end of the condition");
    }
    Ok(condition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn eval(text: &str, ids: &[&str], truth: &[bool]) -> bool {
        let condition = parse(text, &names(ids)).unwrap();
        condition.evaluate(&mut |i| truth[i])
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let ids = ["a", "b", "c"];
        assert!(eval("a or b and c", &ids, &[true, false, false]));
        assert!(!eval("(a or b) and c", &ids, &[true, false, false]));
        assert!(eval("not a and b", &ids, &[false, true, false]));
        assert!(!eval("not (a or b)", &ids, &[false, true, false]));
        assert!(eval("a AND NOT b", &ids, &[true, false, false]));
    }

    #[test]
    fn quantifiers() {
        let ids = ["sel_a", "sel_b", "filter", "_hidden"];
        assert!(eval("1 of sel_*", &ids, &[false, true, false, false]));
        assert!(!eval("all of sel_*", &ids, &[false, true, false, false]));
        assert!(eval("all of them", &ids, &[true, true, true, false]));
        assert!(eval(
            "1 of them and not filter",
            &ids,
            &[true, false, false, true]
        ));
        assert!(eval("2 of them", &ids, &[true, false, true, false]));
        assert!(eval("any of sel_?", &ids, &[false, true, false, false]));
    }

    #[test]
    fn errors_carry_offsets() {
        let ids = names(&["a", "b"]);
        assert_eq!(parse("a and c", &ids).unwrap_err().offset, 6);
        assert_eq!(parse("a | count() > 5", &ids).unwrap_err().offset, 2);
        assert_eq!(parse("(a or b", &ids).unwrap_err().offset, 7);
        assert!(parse("1 of x*", &ids).is_err());
        assert!(parse("a*", &ids).is_err());
        assert!(parse("a b", &ids).is_err());
        assert!(parse("", &ids).is_err());
        assert!(parse("0 of them", &ids).is_err());
    }
}
