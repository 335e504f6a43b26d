//! IAM wildcard matching: `*` matches any run of characters (including none),
//! `?` matches exactly one character. Everything else is literal.
//!
//! Actions compare case-insensitively (IAM does); ARNs compare case-sensitively.

/// Does `pattern` match the whole of `text`? ASCII case folding when
/// `ignore_case`. Linear-time greedy algorithm with single backtrack point.
pub fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || eq(c, t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Does the pattern contain a wildcard?
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Could some string match both patterns? Used for resources, where both sides
/// may be patterns. Conservative: true when either pattern, read as text,
/// matches the other, or when both have wildcards and share the literal
/// prefix up to the first wildcard (it may over-approximate, never under).
pub fn may_overlap(a: &str, b: &str) -> bool {
    if glob_match(a, b, false) || glob_match(b, a, false) {
        return true;
    }
    if has_wildcard(a) && has_wildcard(b) {
        let pa = &a[..a.find(['*', '?']).unwrap_or(a.len())];
        let pb = &b[..b.find(['*', '?']).unwrap_or(b.len())];
        return pa.starts_with(pb) || pb.starts_with(pa);
    }
    false
}

/// Is everything `inner` can match also matched by `outer`? Sound but
/// incomplete: reading `inner` as literal text works because `*` in `outer`
/// also matches the characters `*` and `?` of `inner`, except that a `?` in
/// `inner` must meet a `?` or `*` in `outer`, and a `*` in `inner` must meet a
/// `*` in `outer`; we check the first condition by text matching and then
/// require that `outer` has a `*` wherever `inner` has wildcards (approximated:
/// `outer` must contain a `*` if `inner` has any wildcard).
pub fn covers(outer: &str, inner: &str) -> bool {
    if outer == "*" {
        return true;
    }
    if !glob_match(outer, inner, false) {
        return false;
    }
    !has_wildcard(inner) || outer.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert!(glob_match("*", "", false));
        assert!(glob_match("s3:Get*", "s3:GetObject", false));
        assert!(glob_match("s3:get*", "S3:GetObject", true));
        assert!(!glob_match("s3:get*", "S3:GetObject", false));
        assert!(glob_match("iam:?etUser", "iam:GetUser", false));
        assert!(!glob_match("iam:?etUser", "iam:etUser", false));
        assert!(glob_match("a*b*c", "axxbyyc", false));
        assert!(!glob_match("a*b*c", "axxbyy", false));
        assert!(glob_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
    }

    #[test]
    fn overlap_and_cover() {
        assert!(may_overlap("arn:aws:s3:::b/*", "arn:aws:s3:::b/k"));
        assert!(may_overlap("arn:aws:s3:::b/a*", "arn:aws:s3:::b/*z"));
        assert!(!may_overlap("arn:aws:s3:::b/k", "arn:aws:s3:::c/k"));
        assert!(covers("*", "arn:x"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/k*"));
        assert!(!covers("arn:aws:s3:::b/k", "arn:aws:s3:::b/*"));
    }
}
