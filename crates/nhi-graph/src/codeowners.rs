//! CODEOWNERS: who owns the file a credential was found in.
//!
//! GitHub's rules: one pattern and its owners per line, `#` comments, and the LAST
//! matching line wins. Patterns follow gitignore rules: a leading `/` anchors to the
//! root, a trailing `/` matches a directory and everything under it, a pattern without
//! a slash matches at any depth, `*` does not cross `/`, `**` does.

use regex::Regex;

#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<(Regex, Vec<String>, usize)>,
}

impl CodeOwners {
    pub fn parse(text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_string)
                .collect();
            if let Some(regex) = pattern_regex(pattern) {
                rules.push((regex, owners, i + 1));
            }
        }
        CodeOwners { rules }
    }

    /// The owners of `path` (relative, `/`-separated) and the CODEOWNERS line that said
    /// so; empty when no rule matches or the last match lists no owners.
    pub fn owners_of(&self, path: &str) -> Option<(&[String], usize)> {
        let path = path.trim_start_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|(regex, _, _)| regex.is_match(path))
            .filter(|(_, owners, _)| !owners.is_empty())
            .map(|(_, owners, line)| (owners.as_slice(), *line))
    }
}

fn pattern_regex(pattern: &str) -> Option<Regex> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let body = pattern.trim_start_matches('/').trim_end_matches('/');
    let mut re = String::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                re.push_str(".*");
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                    re.push_str("/?");
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if body.is_empty() {
        return Regex::new("^.*$").ok();
    }
    let prefix = if anchored { "^" } else { "(^|.*/)" };
    // A file pattern also matches a directory of that name and everything under it,
    // like a directory pattern does; a trailing `/` only stops it matching a plain
    // file, which a path alone cannot tell.
    Regex::new(&format!("{prefix}{re}(/.*)?$")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_match_wins_and_directories_cover_their_files() {
        let owners = CodeOwners::parse(
            "* @acme/platform\n/agents/support-bot/ @acme/ai @alice\n*.ipynb @acme/data\n",
        );
        assert_eq!(
            owners.owners_of("agents/support-bot/config.py").unwrap().0,
            ["@acme/ai", "@alice"]
        );
        assert_eq!(owners.owners_of("x/y/z.ipynb").unwrap().0, ["@acme/data"]);
        assert_eq!(owners.owners_of(".env").unwrap().0, ["@acme/platform"]);
        assert_eq!(
            owners.owners_of("agents/support-bot/config.py").unwrap().1,
            2
        );
    }

    #[test]
    fn anchored_patterns_do_not_match_deeper() {
        let owners = CodeOwners::parse("/docs/ @docs\n");
        assert!(owners.owners_of("docs/a.md").is_some());
        assert!(owners.owners_of("src/docs/a.md").is_none());
    }
}
