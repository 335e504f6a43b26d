//! Line arithmetic on raw byte buffers, always bounded so that a single huge line (a
//! minified bundle) costs at most the cap per call.

use memchr::{memchr, memrchr};

/// Bytes that can continue a token. A window cut in the middle of such a run is pulled
/// back to the run's edge so a clipped token is not mistaken for a whole one.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~')
}

/// Start of the line holding `pos`, searching no further back than `lo`.
fn line_start(data: &[u8], lo: usize, pos: usize) -> usize {
    data.get(lo..pos)
        .and_then(|s| memrchr(b'\n', s))
        .map_or(lo, |i| lo + i + 1)
}

/// End (exclusive, the `\n` position) of the line holding `pos`, searching no further
/// than `hi`.
fn line_end(data: &[u8], pos: usize, hi: usize) -> usize {
    data.get(pos..hi)
        .and_then(|s| memchr(b'\n', s))
        .map_or(hi, |i| pos + i)
}

/// The byte range covering the lines of `[start, end)`, widened by `lines_before` and
/// `lines_after` lines, and capped to `cap` bytes on each side of the range.
pub(crate) fn window(
    data: &[u8],
    start: usize,
    end: usize,
    lines_before: u32,
    lines_after: u32,
    cap: usize,
) -> (usize, usize) {
    let start = start.min(data.len());
    let end = end.clamp(start, data.len());
    let lo = start.saturating_sub(cap);
    let hi = end.saturating_add(cap).min(data.len());

    let mut s = line_start(data, lo, start);
    for _ in 0..lines_before {
        if s <= lo {
            break;
        }
        s = line_start(data, lo, s - 1);
    }
    let mut e = line_end(data, end, hi);
    for _ in 0..lines_after {
        if e >= hi {
            break;
        }
        e = line_end(data, e + 1, hi);
    }

    if s == lo && lo > 0 && data.get(lo - 1) != Some(&b'\n') {
        while s < start && data.get(s).is_some_and(|&b| is_token_byte(b)) {
            s += 1;
        }
    }
    if e == hi && hi < data.len() && data.get(hi) != Some(&b'\n') {
        while e > end && data.get(e - 1).is_some_and(|&b| is_token_byte(b)) {
            e -= 1;
        }
    }
    (s, e)
}

/// Start of the line holding `pos`, and of the line above it (equal when `pos` is on the
/// first line), each searched within `cap` bytes.
pub(crate) fn this_and_previous_line_start(data: &[u8], pos: usize, cap: usize) -> (usize, usize) {
    let pos = pos.min(data.len());
    let lo = pos.saturating_sub(cap);
    let this = line_start(data, lo, pos);
    let previous = if this > lo {
        line_start(data, lo, this - 1)
    } else {
        this
    };
    (this, previous)
}

/// End of the line holding `pos` (exclusive), searched within `cap` bytes.
pub(crate) fn line_end_capped(data: &[u8], pos: usize, cap: usize) -> usize {
    let pos = pos.min(data.len());
    line_end(data, pos, pos.saturating_add(cap).min(data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_takes_whole_lines_and_extra_lines() {
        let data = b"one\ntwo\nthree\nfour\nfive";
        // hit on "three"
        let (s, e) = window(data, 8, 13, 0, 0, 100);
        assert_eq!(&data[s..e], b"three");
        let (s, e) = window(data, 8, 13, 1, 1, 100);
        assert_eq!(&data[s..e], b"two\nthree\nfour");
        let (s, e) = window(data, 8, 13, 9, 9, 100);
        assert_eq!(&data[s..e], &data[..]);
    }

    #[test]
    fn window_cap_does_not_cut_a_token_in_half() {
        let data = b"aaaaaaaaaa token bbbbbbbbbb";
        let (s, e) = window(data, 11, 16, 0, 0, 5);
        assert_eq!(&data[s..e], b" token ");
    }
}
