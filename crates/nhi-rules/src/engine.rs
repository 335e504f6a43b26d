//! The detection pass: keyword prefilter, per-rule windows, regex, validators, dedupe.

use std::collections::{BTreeMap, HashMap};

use zeroize::Zeroizing;

use crate::noise::is_noise;
use crate::text;
use crate::validate::{Candidate, MatchContext};
use crate::{Detection, Rule, RuleSet};

/// How far above a match its context words may be.
const CONTEXT_LINES: u32 = 3;
/// Byte cap for context and `nhi:ignore` look-ups around a match.
const LOOKAROUND_CAP: usize = 4096;
const IGNORE_MARKER: &[u8] = b"nhi:ignore";
/// How many bytes after a keyword hit a rule's `after_keyword` pattern may read.
const AFTER_KEYWORD_CAP: usize = 512;

pub(crate) fn detect(set: &RuleSet, data: &[u8]) -> Vec<Detection> {
    let windows = windows(set, data);
    if windows.is_empty() {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (rule_index, start, end) in windows {
        if let Some(rule) = set.rules.get(rule_index) {
            scan_window(rule, rule_index, data, start, end, &mut candidates);
        }
    }
    finish(set, data, candidates)
}

/// Every (rule, window) to scan: one window per keyword hit, merged per rule where they
/// overlap or touch, so no rule reads the same bytes twice.
fn windows(set: &RuleSet, data: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut raw: Vec<(usize, usize, usize)> = Vec::new();
    let mut hits = Vec::new();
    set.prefilter.find_all(data, &mut hits);
    // Per rule, the last window pushed: a hit inside it on the same line adds nothing,
    // which keeps files with a keyword on every line from growing the list needlessly.
    let mut last: Vec<Option<(usize, usize)>> = vec![None; set.rules.len()];
    for hit in hits {
        let Some(owners) = set.keyword_rules.get(hit.pattern) else {
            continue;
        };
        for &rule_index in owners {
            let Some(rule) = set.rules.get(rule_index) else {
                continue;
            };
            if let Some(Some((s, e))) = last.get(rule_index).copied()
                && hit.start >= s
                && hit.end <= e
                && rule.lines_after == 0
                && rule.lines_before == 0
            {
                continue;
            }
            if let Some(after) = &rule.after_keyword {
                let tail_end = hit.end.saturating_add(AFTER_KEYWORD_CAP).min(data.len());
                if !data
                    .get(hit.end..tail_end)
                    .is_some_and(|tail| after.is_match(tail))
                {
                    continue;
                }
            }
            let (s, e) = text::window(
                data,
                hit.start,
                hit.end,
                rule.lines_before,
                rule.lines_after,
                rule.max_window,
            );
            raw.push((rule_index, s, e));
            if let Some(slot) = last.get_mut(rule_index) {
                *slot = Some((s, e));
            }
        }
    }
    raw.sort_unstable();
    let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(raw.len());
    for (rule, s, e) in raw {
        match merged.last_mut() {
            Some((r, _, me)) if *r == rule && s <= *me => *me = (*me).max(e),
            _ => merged.push((rule, s, e)),
        }
    }
    merged
}

fn scan_window(
    rule: &Rule,
    rule_index: usize,
    data: &[u8],
    start: usize,
    end: usize,
    out: &mut Vec<Candidate>,
) {
    let Some(hay) = data.get(start..end) else {
        return;
    };
    for caps in rule.regex.captures_iter(hay) {
        let Some(whole) = caps.get(0) else { continue };
        let secret = rule
            .secret_groups
            .iter()
            .find_map(|&g| caps.get(g))
            .unwrap_or(whole);
        if secret.is_empty() {
            continue;
        }
        let match_start = start + whole.start();
        let match_end = start + whole.end();
        if let Some(matcher) = &rule.context_matcher {
            let (_, top) = context_start(data, match_start);
            let bottom = text::line_end_capped(data, match_end, LOOKAROUND_CAP);
            if !data
                .get(top..bottom)
                .is_some_and(|region| matcher.is_match(region))
            {
                continue;
            }
        }
        let Ok(secret_text) = std::str::from_utf8(secret.as_bytes()) else {
            continue;
        };
        let external_id = match rule.id_group.and_then(|g| caps.get(g)) {
            Some(id) => match std::str::from_utf8(id.as_bytes()) {
                Ok(id) if !is_noise(id) => Some(id.to_string()),
                _ => continue,
            },
            None => None,
        };
        let mut candidate = Candidate {
            rule: rule_index,
            start: start + secret.start(),
            end: start + secret.end(),
            secret: Zeroizing::new(secret_text.to_string()),
            external_id,
            attributes: BTreeMap::new(),
        };
        let ctx = MatchContext {
            data,
            match_start,
            match_end,
        };
        if !rule
            .validators
            .iter()
            .all(|v| v.apply(&ctx, &mut candidate))
        {
            continue;
        }
        if !rule.validators.iter().any(|v| v.owns_noise_check()) && is_noise(&candidate.secret) {
            continue;
        }
        out.push(candidate);
    }
}

/// Start of the region where a match's context words may appear: its own line plus
/// [`CONTEXT_LINES`] lines above.
fn context_start(data: &[u8], match_start: usize) -> (usize, usize) {
    let (line, _) = text::this_and_previous_line_start(data, match_start, LOOKAROUND_CAP);
    let (top, _) = text::window(data, line, line, CONTEXT_LINES, 0, LOOKAROUND_CAP);
    (line, top)
}

/// Resolves overlaps (higher priority, then longer span, then earlier rule wins), drops
/// detections superseded by a stronger one for the same external id (an AWS pair over the
/// lone key ID), and fills in line, column and `nhi:ignore`.
fn finish(set: &RuleSet, data: &[u8], mut candidates: Vec<Candidate>) -> Vec<Detection> {
    candidates.sort_by_key(|c| (c.start, c.end, c.rule));
    let priority = |c: &Candidate| set.rules.get(c.rule).map_or(0, |r| r.priority);

    let mut keep = vec![false; candidates.len()];
    let mut i = 0;
    while i < candidates.len() {
        let mut cluster_end = candidates[i].end;
        let mut j = i + 1;
        while j < candidates.len() && candidates[j].start < cluster_end {
            cluster_end = cluster_end.max(candidates[j].end);
            j += 1;
        }
        let mut order: Vec<usize> = (i..j).collect();
        order.sort_by_key(|&k| {
            let c = &candidates[k];
            (
                std::cmp::Reverse(priority(c)),
                std::cmp::Reverse(c.end - c.start),
                c.rule,
                c.start,
            )
        });
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for k in order {
            let c = &candidates[k];
            if taken.iter().all(|&(s, e)| c.end <= s || e <= c.start) {
                taken.push((c.start, c.end));
                keep[k] = true;
            }
        }
        i = j;
    }

    let mut strongest: HashMap<(nhi_model::Provider, &str), u8> = HashMap::new();
    for (c, _) in candidates.iter().zip(&keep).filter(|(_, k)| **k) {
        if let (Some(id), Some(rule)) = (c.external_id.as_deref(), set.rules.get(c.rule)) {
            let slot = strongest.entry((rule.provider, id)).or_insert(0);
            *slot = (*slot).max(rule.priority);
        }
    }
    let superseded = |c: &Candidate| match (c.external_id.as_deref(), set.rules.get(c.rule)) {
        (Some(id), Some(rule)) => strongest
            .get(&(rule.provider, id))
            .is_some_and(|&p| p > rule.priority),
        _ => false,
    };
    let survivors: Vec<bool> = candidates
        .iter()
        .zip(&keep)
        .map(|(c, &k)| k && !superseded(c))
        .collect();

    let mut detections = Vec::new();
    let mut line: u32 = 1;
    let mut counted_to = 0usize;
    let mut line_start = 0usize;
    for (c, alive) in candidates.into_iter().zip(survivors) {
        if !alive {
            continue;
        }
        let start = c.start.min(data.len());
        // Candidates are sorted by start, so lines are counted once over the buffer.
        if let Some(skipped) = data.get(counted_to..start) {
            let newlines = memchr::memchr_iter(b'\n', skipped).count();
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            if let Some(i) = memchr::memrchr(b'\n', skipped) {
                line_start = counted_to + i + 1;
            }
            counted_to = start;
        }
        let column = u32::try_from(start - line_start + 1).unwrap_or(u32::MAX);
        let inline_ignored = ignored(data, start);
        detections.push(Detection {
            rule_index: c.rule,
            secret: c.secret,
            start: c.start,
            end: c.end,
            line,
            column,
            external_id: c.external_id,
            attributes: c.attributes,
            inline_ignored,
        });
    }
    detections
}

/// True when the line holding `pos`, or the line above it, carries `nhi:ignore`.
fn ignored(data: &[u8], pos: usize) -> bool {
    let (_, previous) = text::this_and_previous_line_start(data, pos, LOOKAROUND_CAP);
    let end = text::line_end_capped(data, pos, LOOKAROUND_CAP);
    data.get(previous..end)
        .is_some_and(|region| memchr::memmem::find(region, IGNORE_MARKER).is_some())
}
