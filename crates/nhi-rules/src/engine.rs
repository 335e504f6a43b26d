//! The detection pass: keyword prefilter, per-rule windows, regex, validators, dedupe.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use regex_automata::util::captures::Captures;
use regex_automata::{Input, meta};

use zeroize::Zeroizing;

use crate::gate::Gate;
use crate::noise::is_noise;
use crate::text;
use crate::validate::{Candidate, MatchContext};
use crate::{Detection, Rule, RuleSet};

/// How far above a match its context words may be.
const CONTEXT_LINES: u32 = 3;
/// Byte cap for context and `nhi:ignore` look-ups around a match.
const LOOKAROUND_CAP: usize = 4096;
const IGNORE_MARKER: &[u8] = b"nhi:ignore";
/// How many bytes after a keyword hit a rule's gate may read.
const AFTER_KEYWORD_CAP: usize = 512;

pub(crate) fn detect(set: &RuleSet, data: &[u8]) -> Vec<Detection> {
    with_scratch(set, |scratch| {
        let windows = windows(set, data, scratch);
        if windows.is_empty() {
            return Vec::new();
        }
        let mut candidates = Vec::new();
        for (rule_index, start, end) in windows {
            if let Some(rule) = set.rules.get(rule_index)
                && let Some(searcher) = scratch.for_rule(rule_index, rule)
            {
                scan_window(
                    rule,
                    rule_index,
                    data,
                    start,
                    end,
                    searcher,
                    &mut candidates,
                );
            }
        }
        finish(set, data, candidates)
    })
}

/// Search state for one rule set's regexes, kept per thread. Every regex call used to
/// take a cache from the regex's shared pool and put it back: on a file dense with
/// keyword hits that was millions of pool round trips (a tenth of a scan), where one
/// cache per thread and rule, made on first use and kept, does the same work.
pub(crate) struct Scratch {
    set_id: u64,
    rules: Vec<Option<RuleScratch>>,
}

pub(crate) struct RuleScratch {
    cache: meta::Cache,
    captures: Captures,
    /// For a regex gate.
    gate: Option<meta::Cache>,
}

impl RuleScratch {
    fn new(rule: &Rule) -> RuleScratch {
        RuleScratch {
            cache: rule.regex.create_cache(),
            captures: rule.regex.create_captures(),
            gate: match &rule.gate {
                Some(Gate::Regex(regex)) => Some(regex.create_cache()),
                _ => None,
            },
        }
    }
}

impl Scratch {
    /// The search state for rule `index` of the set, made on its first use here.
    fn for_rule(&mut self, index: usize, rule: &Rule) -> Option<&mut RuleScratch> {
        let slot = self.rules.get_mut(index)?;
        Some(slot.get_or_insert_with(|| RuleScratch::new(rule)))
    }

    fn new(set: &RuleSet) -> Scratch {
        Scratch {
            set_id: set.scratch_id,
            rules: std::iter::repeat_with(|| None)
                .take(set.rules.len())
                .collect(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

static NEXT_SCRATCH_ID: AtomicU64 = AtomicU64::new(1);

/// A new id for a rule set, so no thread's scratch is ever taken for another set's.
pub(crate) fn next_scratch_id() -> u64 {
    NEXT_SCRATCH_ID.fetch_add(1, Ordering::Relaxed)
}

/// Runs `f` with this thread's scratch for `set`, made afresh when the thread last
/// searched with another rule set. A nested call (none today) gets a scratch of its own
/// rather than a borrow panic.
fn with_scratch<R>(set: &RuleSet, f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            let scratch = match slot.take() {
                Some(scratch) if scratch.set_id == set.scratch_id => scratch,
                _ => Scratch::new(set),
            };
            let scratch = slot.insert(scratch);
            f(scratch)
        }
        Err(_) => f(&mut Scratch::new(set)),
    })
}

/// Every (rule, window) to scan: one window per keyword hit, merged per rule where they
/// overlap or touch, so no rule reads the same bytes twice.
fn windows(set: &RuleSet, data: &[u8], scratch: &mut Scratch) -> Vec<(usize, usize, usize)> {
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
            if let Some(gate) = &rule.gate {
                // Never more than the window would hold, so a gate judging a value
                // judges the one the regex will see.
                let tail_end = hit
                    .end
                    .saturating_add(AFTER_KEYWORD_CAP.min(rule.max_window))
                    .min(data.len());
                let Some(searcher) = scratch.for_rule(rule_index, rule) else {
                    continue;
                };
                let admitted = data
                    .get(hit.end..tail_end)
                    .is_some_and(|tail| gate.admits(tail, searcher.gate.as_mut()));
                if !admitted {
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

/// How many times per window a search may resume inside a match the checks turned away
/// (see [`scan_window`]); after that it resumes after each such match. Windows are capped
/// (`max_window`), so input made of nested URLs costs at most this many passes over each
/// window rather than one per URL in it.
const MAX_RESUMES_INSIDE: usize = 64;

/// Runs `rule`'s regex over the window `start..end` of `data` and keeps the matches its
/// checks accept. Matches do not overlap, except that when the checks turn away a match
/// whose secret holds a URL's query or fragment (`?`, `#`), the search resumes there
/// rather than after the match: `AUTH_CALLBACK = "https://host/hook?token=<secret>"` is a
/// URL the generic rule rejects, holding a `token=` it reports (and OAuth's implicit flow
/// puts `#access_token=` in fragments). Only there: elsewhere a keyword inside a rejected
/// value is part of a name, as the `secret:` in a Secrets Manager ARN.
fn scan_window(
    rule: &Rule,
    rule_index: usize,
    data: &[u8],
    start: usize,
    end: usize,
    scratch: &mut RuleScratch,
    out: &mut Vec<Candidate>,
) {
    let Some(hay) = data.get(start..end) else {
        return;
    };
    let RuleScratch {
        cache, captures, ..
    } = scratch;
    let mut at = 0;
    let mut resumes = 0;
    while at <= hay.len() {
        rule.regex
            .search_captures_with(cache, &Input::new(hay).range(at..), captures);
        let Some(whole) = captures.get_match() else {
            break;
        };
        let whole = whole.span();
        let secret = rule
            .secret_groups
            .iter()
            .find_map(|&g| captures.get_group(g))
            .unwrap_or(whole);
        // Past an empty match, as the regex crate's iterator steps.
        let after = if whole.is_empty() {
            whole.end + 1
        } else {
            whole.end
        };
        match judge(rule, rule_index, data, start, hay, whole, secret, captures) {
            Some(candidate) => {
                out.push(candidate);
                at = after;
            }
            None if resumes < MAX_RESUMES_INSIDE
                && let Some(query) = hay
                    .get(secret.range())
                    .and_then(|bytes| memchr::memchr2(b'?', b'#', bytes)) =>
            {
                resumes += 1;
                at = secret.start + query + 1;
            }
            None => at = after,
        }
    }
}

/// The candidate a match makes if it passes the rule's context check, validators and
/// noise filter. `whole` and `secret` are spans of `hay`, the window at `start`.
#[allow(clippy::too_many_arguments)]
fn judge(
    rule: &Rule,
    rule_index: usize,
    data: &[u8],
    start: usize,
    hay: &[u8],
    whole: regex_automata::Span,
    secret: regex_automata::Span,
    captures: &Captures,
) -> Option<Candidate> {
    if secret.is_empty() {
        return None;
    }
    let secret_bytes = hay.get(secret.range())?;
    let match_start = start + whole.start;
    let match_end = start + whole.end;
    if let Some(matcher) = &rule.context_matcher {
        let (_, top) = context_start(data, match_start);
        let bottom = text::line_end_capped(data, match_end, LOOKAROUND_CAP);
        if !data
            .get(top..bottom)
            .is_some_and(|region| matcher.is_match(region))
        {
            return None;
        }
    }
    let secret_text = std::str::from_utf8(secret_bytes).ok()?;
    let id_bytes = rule
        .id_group
        .and_then(|g| captures.get_group(g))
        .and_then(|span| hay.get(span.range()));
    let external_id = match id_bytes {
        Some(id) => match std::str::from_utf8(id) {
            Ok(id) if !is_noise(id) => Some(id.to_string()),
            _ => return None,
        },
        None => None,
    };
    let mut candidate = Candidate {
        rule: rule_index,
        start: start + secret.start,
        end: start + secret.end,
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
        return None;
    }
    if !rule.validators.iter().any(|v| v.owns_noise_check()) && is_noise(&candidate.secret) {
        return None;
    }
    Some(candidate)
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
