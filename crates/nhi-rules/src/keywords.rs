//! Finding every keyword in a buffer: each ASCII-case-insensitive occurrence of each
//! keyword, overlapping ones included, in the order an overlapping Aho-Corasick search
//! reports them (by end, longest first).
//!
//! An Aho-Corasick DFA pays a dependent table load for every byte (~3 ns), which was
//! most of a scan. Here each keyword is instead tied to one *anchor*: the three adjacent
//! bytes inside it that are rarest in real code (`code_ngrams`), or both bytes of a
//! two-byte keyword. Where the CPU has AVX2, a vector filter tests 32 positions at a time
//! for "could an anchor start here" on all three bytes; a table of the anchors' first two
//! bytes (all case variants) then names the keywords to compare. The tests have no
//! dependency on each other, so the pass runs several times faster than the DFA. Every
//! occurrence contains its keyword's anchor at a known offset, so none is missed, and
//! each is reported once, from that anchor. Keyword sets the scheme cannot hold (a
//! one-byte keyword) fall back to the automaton.
//!
//! Why three bytes: the keywords that name a provider or a secret are English words
//! (`token`, `secret`, `notion`, `discord`), and every *pair* of letters in them is common
//! in code (`ke`, `cr`, `io`, `rd`); anchored on pairs, one position in twenty reached the
//! keyword comparison. Their rarest triples (`oke`, `ecr`, `oti`, `isc`) are ten times
//! rarer.

use aho_corasick::{AhoCorasick, Input};

/// One keyword occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeywordHit {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct KeywordFinder {
    imp: Imp,
}

#[derive(Debug, Clone)]
enum Imp {
    Pairs(Box<PairFinder>),
    Automaton(AhoCorasick),
}

impl KeywordFinder {
    /// `keywords` are lowercase and distinct (`RuleSet` dedupes them).
    pub(crate) fn new(keywords: &[String]) -> Result<KeywordFinder, String> {
        if let Some(pairs) = PairFinder::new(keywords) {
            return Ok(KeywordFinder {
                imp: Imp::Pairs(Box::new(pairs)),
            });
        }
        let automaton = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(keywords)
            .map_err(|e| format!("keyword automaton failed to build: {e}"))?;
        Ok(KeywordFinder {
            imp: Imp::Automaton(automaton),
        })
    }

    /// Appends every occurrence in `data` to `out`, sorted by end, then by start.
    pub(crate) fn find_all(&self, data: &[u8], out: &mut Vec<KeywordHit>) {
        match &self.imp {
            Imp::Pairs(pairs) => {
                let from = out.len();
                pairs.find_all(data, out);
                // Anchors are met in buffer order, which is start order for keywords of
                // one length but not across lengths.
                let found = &mut out[from..];
                if !found.is_sorted_by_key(|h| (h.end, h.start)) {
                    found.sort_unstable_by_key(|h| (h.end, h.start));
                }
            }
            Imp::Automaton(automaton) => {
                let Ok(hits) = automaton.try_find_overlapping_iter(Input::new(data)) else {
                    return;
                };
                out.extend(hits.map(|m| KeywordHit {
                    pattern: m.pattern().as_usize(),
                    start: m.start(),
                    end: m.end(),
                }));
            }
        }
    }
}

/// Anchor groups a pair table entry can name (0 means "not an anchor").
const MAX_GROUPS: usize = u8::MAX as usize;

#[derive(Debug, Clone)]
struct PairFinder {
    /// Indexed by the byte pair `a b` read as a little-endian `u16`: 0 when the pair is
    /// no anchor, else 1 + its group. Every ASCII case variant of an anchor has an entry.
    /// Text pairs are mostly printable ASCII, so the part in use stays in L1.
    table: Box<[u8; 65536]>,
    /// Per group, its range in `owners`.
    groups: Vec<(u32, u32)>,
    /// Per group, a cheap test on four bytes near the anchor that every owner passes,
    /// so that most pairs that are only common letters never reach `verify`.
    probes: Vec<Probe>,
    /// (keyword index, offset of the anchor in the keyword), grouped by anchor.
    owners: Vec<(u32, u32)>,
    keywords: Vec<Keyword>,
    /// The vector filter that skips 32 positions at a time, where the CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    vector: Option<avx2::BucketFilter>,
}

#[derive(Debug, Clone)]
struct Keyword {
    bytes: Box<[u8]>,
    /// The first (up to) eight bytes as a masked word, compared in one step.
    head: Probe,
}

impl Keyword {
    fn new(keyword: &str) -> Keyword {
        let bytes: Box<[u8]> = keyword.as_bytes().into();
        let (mut mask, mut value) = (0u64, 0u64);
        for (i, &b) in bytes.iter().take(8).enumerate() {
            let (m, v) = byte_test(b);
            mask |= u64::from(m) << (8 * i);
            value |= u64::from(v) << (8 * i);
        }
        Keyword {
            bytes,
            head: Probe {
                offset: 0,
                mask,
                value,
            },
        }
    }

    /// `text` has the keyword's length; true when it is the keyword in any ASCII case.
    #[inline(always)]
    fn matches(&self, text: &[u8]) -> bool {
        let mut word = [0u8; 8];
        let head = text.len().min(8);
        word[..head].copy_from_slice(&text[..head]);
        u64::from_le_bytes(word) & self.head.mask == self.head.value
            && (text.len() <= 8 || text[8..].eq_ignore_ascii_case(&self.bytes[8..]))
    }
}

/// Mask and value that accept `b` in either ASCII case (and only it): clearing bit 5
/// folds exactly the two cases of a letter together.
fn byte_test(b: u8) -> (u8, u8) {
    if b.is_ascii_alphabetic() {
        (0xDF, b.to_ascii_uppercase())
    } else {
        (0xFF, b)
    }
}

impl PairFinder {
    fn new(keywords: &[String]) -> Option<PairFinder> {
        PairFinder::build(keywords, true)
    }

    /// `vector: false` keeps to the scalar pass (tests compare the two).
    fn build(keywords: &[String], vector: bool) -> Option<PairFinder> {
        if keywords.is_empty() || keywords.len() > u32::MAX as usize {
            return None;
        }
        let mut by_anchor: std::collections::BTreeMap<u16, Vec<(u32, u32)>> = Default::default();
        // Every anchor as (first, second, third) lowercase bytes; no third for a two-byte
        // keyword.
        #[cfg(target_arch = "x86_64")]
        let mut anchors: Vec<(u8, u8, Option<u8>)> = Vec::new();
        for (index, keyword) in keywords.iter().enumerate() {
            let bytes = keyword.to_ascii_lowercase().into_bytes();
            let offset = anchor_offset(&bytes)?;
            let key = pair_key(bytes[offset], bytes[offset + 1]);
            by_anchor
                .entry(key)
                .or_default()
                .push((index as u32, offset as u32));
            #[cfg(target_arch = "x86_64")]
            anchors.push((
                bytes[offset],
                bytes[offset + 1],
                bytes.get(offset + 2).copied(),
            ));
        }
        if by_anchor.len() > MAX_GROUPS {
            return None;
        }
        let mut table = Box::new([0u8; 65536]);
        let mut groups = Vec::with_capacity(by_anchor.len());
        let mut probes = Vec::with_capacity(by_anchor.len());
        let mut owners = Vec::new();
        for (key, members) in by_anchor {
            probes.push(Probe::new(keywords, &members));
            groups.push((owners.len() as u32, (owners.len() + members.len()) as u32));
            owners.extend(members);
            let [a, b] = key.to_le_bytes();
            for x in [a, a.to_ascii_uppercase()] {
                for y in [b, b.to_ascii_uppercase()] {
                    table[usize::from(pair_key(x, y))] = groups.len() as u8;
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        let vector = if vector && std::is_x86_feature_detected!("avx2") {
            avx2::BucketFilter::new(&anchors)
        } else {
            None
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        Some(PairFinder {
            table,
            groups,
            probes,
            owners,
            keywords: keywords.iter().map(|k| Keyword::new(k)).collect(),
            #[cfg(target_arch = "x86_64")]
            vector,
        })
    }

    #[inline(always)]
    fn group_at(&self, a: u8, b: u8) -> u8 {
        self.table[usize::from(pair_key(a, b))]
    }

    fn find_all(&self, data: &[u8], out: &mut Vec<KeywordHit>) {
        #[allow(unused_mut)]
        let mut at = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(filter) = &self.vector {
            at = filter.find_candidates(data, |position| {
                if let (Some(&a), Some(&b)) = (data.get(position), data.get(position + 1)) {
                    self.check(data, position, self.group_at(a, b), out);
                }
            });
        }
        self.find_scalar(data, at, out);
    }

    /// The pass without vector instructions, from `at` to the end.
    fn find_scalar(&self, data: &[u8], mut at: usize, out: &mut Vec<KeywordHit>) {
        const STEP: usize = 16;
        // Sixteen pairs per step, their groups kept in two words: candidates are rare
        // enough that a step is almost always one test for zero. When it is not, only the
        // positions holding an anchor are visited (one bit each), so a step with one
        // common-letter anchor costs one probe, not sixteen more look-ups and branches.
        while let Some(block) = data.get(at..at + STEP + 1) {
            let mut low = [0u8; 8];
            let mut high = [0u8; 8];
            for k in 0..8 {
                low[k] = self.group_at(block[k], block[k + 1]);
                high[k] = self.group_at(block[k + 8], block[k + 9]);
            }
            let (low, high) = (u64::from_le_bytes(low), u64::from_le_bytes(high));
            if low | high != 0 {
                let mut marks =
                    u128::from(nonzero_bytes(low)) | u128::from(nonzero_bytes(high)) << 64;
                while marks != 0 {
                    let bit = marks.trailing_zeros();
                    marks &= marks - 1;
                    let k = (bit / 8) as usize;
                    let word = if k < 8 { low } else { high };
                    let group = (word >> (8 * (k % 8))) as u8;
                    self.check(data, at + k, group, out);
                }
            }
            at += STEP;
        }
        while at + 1 < data.len() {
            let group = self.group_at(data[at], data[at + 1]);
            if group != 0 {
                self.verify(data, at, group, out);
            }
            at += 1;
        }
    }

    /// Reports the keywords of anchor `group` (0: none) at `at`, after the cheap probe.
    #[inline(always)]
    fn check(&self, data: &[u8], at: usize, group: u8, out: &mut Vec<KeywordHit>) {
        if group != 0 && self.probe(data, at, group) {
            self.verify(data, at, group, out);
        }
    }

    #[inline(always)]
    fn probe(&self, data: &[u8], at: usize, group: u8) -> bool {
        let Some(probe) = self.probes.get(usize::from(group) - 1) else {
            return true;
        };
        match at
            .checked_add_signed(probe.offset)
            .and_then(|p| data.get(p..p + 4))
        {
            Some(&[a, b, c, d]) => {
                u64::from(u32::from_le_bytes([a, b, c, d])) & probe.mask == probe.value
            }
            // Too near an edge of the buffer to read four bytes: let `verify` decide.
            _ => true,
        }
    }

    /// Reports the keywords of anchor `group` (1-based) anchored at `at` that match
    /// around it.
    #[inline(never)]
    fn verify(&self, data: &[u8], at: usize, group: u8, out: &mut Vec<KeywordHit>) {
        let Some(&(start, end)) = self.groups.get(usize::from(group) - 1) else {
            return;
        };
        for &(index, offset) in &self.owners[start as usize..end as usize] {
            let (index, offset) = (index as usize, offset as usize);
            let Some(begin) = at.checked_sub(offset) else {
                continue;
            };
            let keyword = &self.keywords[index];
            let Some(text) = data.get(begin..begin + keyword.bytes.len()) else {
                continue;
            };
            if keyword.matches(text) {
                out.push(KeywordHit {
                    pattern: index,
                    start: begin,
                    end: begin + text.len(),
                });
            }
        }
    }
}

/// Four bytes at `offset` from an anchor, compared under `mask` (letters compared
/// without case, bytes outside every owner ignored).
#[derive(Debug, Clone, Copy)]
struct Probe {
    offset: isize,
    mask: u64,
    value: u64,
}

impl Probe {
    /// The four-byte window around the anchor that pins down the most bytes on which all
    /// `members` (keyword index, anchor offset) agree.
    fn new(keywords: &[String], members: &[(u32, u32)]) -> Probe {
        let byte_at = |&(index, offset): &(u32, u32), rel: isize| -> Option<u8> {
            let keyword = keywords.get(index as usize)?.as_bytes();
            let at = (offset as usize).checked_add_signed(rel)?;
            keyword.get(at).map(|b| b.to_ascii_lowercase())
        };
        let mut best = Probe {
            offset: 0,
            mask: 0,
            value: 0,
        };
        let mut best_pinned = 0;
        for start in -3isize..=1 {
            let (mut mask, mut value, mut pinned) = (0u64, 0u64, 0);
            for i in 0..4 {
                let rel = start + i;
                let mut bytes = members.iter().map(|m| byte_at(m, rel));
                let Some(Some(first)) = bytes.next() else {
                    continue;
                };
                if !bytes.all(|b| b == Some(first)) {
                    continue;
                }
                let (byte_mask, byte_value) = byte_test(first);
                mask |= u64::from(byte_mask) << (8 * i);
                value |= u64::from(byte_value) << (8 * i);
                pinned += 1;
            }
            if pinned > best_pinned {
                best_pinned = pinned;
                best = Probe {
                    offset: start,
                    mask,
                    value,
                };
            }
        }
        best
    }
}

/// A vector filter in front of the pair table: 32 positions per step, a position let
/// through only when its byte and the next two could be an anchor's first, second and
/// third byte *in the same bucket*. Anchors are spread over eight buckets so that the
/// triples a bucket lets through without being anchors (its first bytes times its second
/// bytes times its third bytes) are rare in code; on source code about two positions in
/// a hundred pass. Every anchor passes, so the filter changes nothing but speed: the pair
/// table and the keyword comparison still decide.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm_loadu_si128, _mm256_and_si256, _mm256_blendv_epi8,
        _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8,
        _mm256_slli_epi16,
    };

    use crate::code_ngrams::{BYTE_PER_MILLION, COMMON_TRIGRAM_PER_MILLION, COMMON_TRIGRAMS};

    /// Bytes are compared with bit 5 set, which folds ASCII case (and, harmlessly for a
    /// filter, a few other pairs of bytes such as `_` and DEL). A folded ASCII byte has
    /// one of these four high nibbles; other bytes are in no anchor.
    const HIGH_NIBBLES: [u8; 4] = [0x2, 0x3, 0x6, 0x7];
    const BUCKETS: usize = 8;
    /// Rounds of moving single anchors to a better bucket after the greedy placement.
    const REFINE_ROUNDS: usize = 16;

    /// Per high nibble (in `HIGH_NIBBLES` order), by low nibble: a bucket bit set.
    type Classes = [[u8; 16]; 4];

    #[derive(Debug, Clone)]
    pub(super) struct BucketFilter {
        /// The buckets whose anchors start with each (folded) byte.
        first: Classes,
        /// The same for the anchors' second byte,
        second: Classes,
        /// and third byte.
        third: Classes,
        /// Buckets holding a two-byte anchor, which any third byte satisfies.
        any_third: u8,
    }

    fn fold(b: u8) -> u8 {
        b | 0x20
    }

    /// How often a folded byte occurs in code: both bytes it stands for.
    fn weight(folded: Option<u8>) -> u64 {
        let per_million = |b: u8| {
            BYTE_PER_MILLION
                .get(usize::from(b))
                .map_or(1, |&n| u64::from(n).max(1))
        };
        match folded {
            Some(b) => per_million(b) + per_million(b & !0x20),
            // "Any byte": the whole million.
            None => 1_000_000,
        }
    }

    type Anchor = (u8, u8, Option<u8>);

    /// Slot of a folded ASCII byte in a bucket's counts; "any byte" has the last one.
    fn slot(byte: Option<u8>) -> usize {
        byte.map_or(128, |b| usize::from(b & 0x7F))
    }

    /// The commonest triples of code as the filter sees them (every byte folded), as bit
    /// sets: for each place and byte, which of the triples have that byte there.
    struct TripleIndex {
        /// Per triple, its occurrences per million triples of code.
        counts: Vec<u64>,
        /// Words per bit set.
        words: usize,
        /// The bit set of (place, byte slot) starts at `(place * 129 + slot) * words`;
        /// slot 128 ("any byte") holds every triple.
        sets: Vec<u64>,
        /// An empty bit set.
        none: Vec<u64>,
    }

    static TRIPLES: std::sync::LazyLock<TripleIndex> = std::sync::LazyLock::new(|| {
        let words = COMMON_TRIGRAMS.len().div_ceil(64);
        let mut sets = vec![0u64; 3 * 129 * words];
        for (i, triple) in COMMON_TRIGRAMS.iter().enumerate() {
            for (place, &byte) in triple.iter().enumerate() {
                for slot in [usize::from(fold(byte) & 0x7F), 128] {
                    sets[(place * 129 + slot) * words + i / 64] |= 1 << (i % 64);
                }
            }
        }
        TripleIndex {
            counts: COMMON_TRIGRAM_PER_MILLION
                .iter()
                .map(|&n| u64::from(n))
                .collect(),
            words,
            sets,
            none: vec![0; words],
        }
    });

    impl TripleIndex {
        fn set(&self, place: usize, slot: usize) -> &[u64] {
            let at = (place * 129 + slot) * self.words;
            self.sets.get(at..at + self.words).unwrap_or(&[])
        }

        /// Summed counts of the triples in a bit set given word by word.
        fn total(&self, words: impl Iterator<Item = u64>) -> u64 {
            let mut total = 0;
            for (w, mut word) in words.enumerate() {
                while word != 0 {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    total += self.counts.get(w * 64 + bit).copied().unwrap_or(0);
                }
            }
            total
        }
    }

    /// How a bucket's noise is counted: the commonest triples of code it passes at their
    /// counted frequency, plus the product of how common its bytes are at each place,
    /// which stands for the long tail of rarer triples (it counts the common ones a
    /// second time, harmlessly). Bytes alone cannot tell that a bucket holding one
    /// anchor's `t`, another's `o` and a third's `r` passes every `tor`: spread by
    /// them, the built-in anchors pass 2.5 times as many of the commonest triples (a
    /// test below guards the layout).
    fn noise_of(common: u64, sums: [u128; 3]) -> u128 {
        // Counts are per million triples; the product is per 10^18.
        u128::from(common) * 1_000_000_000_000 + sums.iter().product::<u128>()
    }

    /// One bucket's anchors and how common the bytes it lets through at each of the three
    /// places are. Kept incrementally: placing the anchors tries every anchor in every
    /// bucket many times, and recounting each time took milliseconds of start-up.
    #[derive(Clone)]
    struct Bucket {
        anchors: Vec<Anchor>,
        /// Per place, how many of the anchors have each byte there.
        counts: [[u16; 129]; 3],
        /// Per place, the summed weight of the distinct bytes there.
        sums: [u128; 3],
        /// Per place, the common triples with a byte there that the bucket holds.
        reach: [Vec<u64>; 3],
        /// The common triples it passes: those in all three `reach`,
        passed: Vec<u64>,
        /// and their summed counts.
        common: u64,
    }

    impl Bucket {
        fn new() -> Bucket {
            Bucket {
                anchors: Vec::new(),
                counts: [[0; 129]; 3],
                sums: [0; 3],
                reach: std::array::from_fn(|_| vec![0; TRIPLES.words]),
                passed: vec![0; TRIPLES.words],
                common: 0,
            }
        }

        fn places((a, b, c): Anchor) -> [Option<u8>; 3] {
            [Some(a), Some(b), c]
        }

        /// Expected positions per 10^18 bytes the bucket lets through (see `noise_of`;
        /// anchors are counted too: they are the same wherever they go).
        fn noise(&self) -> u128 {
            noise_of(self.common, self.sums)
        }

        /// The noise with `anchor` added: only the triples it lets in are counted.
        fn noise_with(&self, anchor: Anchor) -> u128 {
            let mut sums = self.sums;
            let mut added = [TRIPLES.none.as_slice(); 3];
            let mut grows = false;
            for (place, byte) in Bucket::places(anchor).into_iter().enumerate() {
                if self.counts[place][slot(byte)] == 0 {
                    sums[place] += u128::from(weight(byte));
                    added[place] = TRIPLES.set(place, slot(byte));
                    grows = true;
                }
            }
            let mut common = self.common;
            if grows {
                let [r0, r1, r2] = &self.reach;
                let [a0, a1, a2] = added;
                common += TRIPLES.total(
                    r0.iter()
                        .zip(a0)
                        .zip(r1.iter().zip(a1))
                        .zip(r2.iter().zip(a2))
                        .zip(&self.passed)
                        .map(|((((r0, a0), (r1, a1)), (r2, a2)), passed)| {
                            (r0 | a0) & (r1 | a1) & (r2 | a2) & !passed
                        }),
                );
            }
            noise_of(common, sums)
        }

        /// The noise with `anchor` (one of the bucket's) taken out: only the triples
        /// that only it let in are taken off.
        fn noise_without(&self, anchor: Anchor) -> u128 {
            let mut sums = self.sums;
            let mut counts = self.counts;
            let mut shrunk: [Option<Vec<u64>>; 3] = [None, None, None];
            for (place, byte) in Bucket::places(anchor).into_iter().enumerate() {
                let count = &mut counts[place][slot(byte)];
                *count = count.saturating_sub(1);
                if *count == 0 {
                    sums[place] -= u128::from(weight(byte));
                    shrunk[place] = Some(Bucket::reach_of(&counts, place));
                }
            }
            let reach: [&[u64]; 3] =
                std::array::from_fn(|place| shrunk[place].as_deref().unwrap_or(&self.reach[place]));
            let lost = TRIPLES.total(
                self.passed
                    .iter()
                    .zip(reach[0].iter().zip(reach[1]).zip(reach[2]))
                    .map(|(passed, ((r0, r1), r2))| passed & !(r0 & r1 & r2)),
            );
            noise_of(self.common - lost, sums)
        }

        /// The reach of the bytes held at `place` by these counts.
        fn reach_of(counts: &[[u16; 129]; 3], place: usize) -> Vec<u64> {
            let mut reach = vec![0; TRIPLES.words];
            for (slot, _) in counts[place].iter().enumerate().filter(|(_, n)| **n > 0) {
                for (word, bits) in reach.iter_mut().zip(TRIPLES.set(place, slot)) {
                    *word |= bits;
                }
            }
            reach
        }

        /// Brings `reach`, `passed` and `common` up to date with `counts`.
        fn recount(&mut self) {
            self.reach = [0, 1, 2].map(|place| Bucket::reach_of(&self.counts, place));
            let [a, b, c] = &self.reach;
            self.passed = a
                .iter()
                .zip(b)
                .zip(c)
                .map(|((a, b), c)| a & b & c)
                .collect();
            self.common = TRIPLES.total(self.passed.iter().copied());
        }

        fn add(&mut self, anchor: Anchor) {
            for (place, byte) in Bucket::places(anchor).into_iter().enumerate() {
                let count = &mut self.counts[place][slot(byte)];
                if *count == 0 {
                    self.sums[place] += u128::from(weight(byte));
                }
                *count += 1;
            }
            self.anchors.push(anchor);
            self.recount();
        }

        fn remove(&mut self, anchor: Anchor) {
            let Some(at) = self.anchors.iter().position(|&a| a == anchor) else {
                return;
            };
            self.anchors.swap_remove(at);
            for (place, byte) in Bucket::places(anchor).into_iter().enumerate() {
                let count = &mut self.counts[place][slot(byte)];
                *count -= 1;
                if *count == 0 {
                    self.sums[place] -= u128::from(weight(byte));
                }
            }
            self.recount();
        }
    }

    impl BucketFilter {
        /// `anchors`: (first, second, third) lowercase bytes, no third for a two-byte
        /// keyword; folding covers the other cases. None when an anchor has a non-ASCII
        /// byte (a user rule's keyword may): the tables only hold ASCII, so the scalar
        /// pass must do.
        pub(super) fn new(anchors: &[(u8, u8, Option<u8>)]) -> Option<BucketFilter> {
            let ascii = |b: u8| b.is_ascii();
            if anchors
                .iter()
                .any(|&(a, b, c)| !ascii(a) || !ascii(b) || c.is_some_and(|c| !ascii(c)))
            {
                return None;
            }
            let mut folded: Vec<Anchor> = anchors
                .iter()
                .map(|&(a, b, c)| (fold(a), fold(b), c.map(fold)))
                .collect();
            folded.sort_unstable();
            folded.dedup();
            // Commonest anchors first, each into the bucket whose noise it raises least;
            // then single anchors move while a move lowers the total.
            folded.sort_by_key(|&(a, b, c)| {
                std::cmp::Reverse(
                    u128::from(weight(Some(a)))
                        * u128::from(weight(Some(b)))
                        * u128::from(weight(c)),
                )
            });
            let mut buckets: Vec<Bucket> = vec![Bucket::new(); BUCKETS];
            for &anchor in &folded {
                let best = (0..BUCKETS)
                    .min_by_key(|&k| buckets[k].noise_with(anchor) - buckets[k].noise())
                    .unwrap_or(0);
                buckets[best].add(anchor);
            }
            for _ in 0..REFINE_ROUNDS {
                let mut moved = false;
                for from in 0..BUCKETS {
                    for anchor in buckets[from].anchors.clone() {
                        let saved = buckets[from].noise() - buckets[from].noise_without(anchor);
                        let best = (0..BUCKETS)
                            .filter(|&k| k != from)
                            .map(|k| (buckets[k].noise_with(anchor) - buckets[k].noise(), k))
                            .min();
                        if let Some((added, to)) = best
                            && added < saved
                        {
                            buckets[from].remove(anchor);
                            buckets[to].add(anchor);
                            moved = true;
                        }
                    }
                }
                if !moved {
                    break;
                }
            }
            let mut filter = BucketFilter {
                first: [[0; 16]; 4],
                second: [[0; 16]; 4],
                third: [[0; 16]; 4],
                any_third: 0,
            };
            for (k, bucket) in buckets.iter().enumerate() {
                for &(a, b, c) in &bucket.anchors {
                    set(&mut filter.first, a, k);
                    set(&mut filter.second, b, k);
                    match c {
                        Some(c) => set(&mut filter.third, c, k),
                        None => filter.any_third |= 1 << k,
                    }
                }
            }
            Some(filter)
        }

        /// Calls `visit` with every position of `data` that may start an anchor, in
        /// order, up to the last full step; returns where the caller must go on.
        pub(super) fn find_candidates(&self, data: &[u8], visit: impl FnMut(usize)) -> usize {
            // SAFETY: `new` is only called after `is_x86_feature_detected!("avx2")`.
            unsafe { self.find_candidates_avx2(data, visit) }
        }

        #[target_feature(enable = "avx2")]
        fn find_candidates_avx2(&self, data: &[u8], mut visit: impl FnMut(usize)) -> usize {
            let load_tables = |tables: &Classes| -> [__m256i; 4] {
                // SAFETY: each table is 16 bytes; loadu has no alignment requirement.
                tables.map(|t| {
                    _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(t.as_ptr().cast()) })
                })
            };
            let first = load_tables(&self.first);
            let second = load_tables(&self.second);
            let third = load_tables(&self.third);
            let any_third = _mm256_set1_epi8(self.any_third as i8);
            let case_bit = _mm256_set1_epi8(0x20);
            let zero = _mm256_setzero_si256();
            // The bucket bits of each folded byte: the byte's low nibble picks an entry of
            // each of the four rows (a byte with bit 7 set picks nothing: shuffle zeroes
            // it), and two blends keep the row of its high nibble: bit 4 tells 2 from 3
            // and 6 from 7, bit 6 tells 2-3 from 6-7 (bit 5 is set by the fold).
            let buckets = |v: __m256i, rows: &[__m256i; 4]| -> __m256i {
                let [r2, r3, r6, r7] = rows.map(|row| _mm256_shuffle_epi8(row, v));
                // blendv reads each byte's top bit; a 16-bit shift moves bit 4 (bit 6) of
                // every byte there.
                let odd = _mm256_slli_epi16(v, 3);
                let upper = _mm256_slli_epi16(v, 1);
                _mm256_blendv_epi8(
                    _mm256_blendv_epi8(r2, r3, odd),
                    _mm256_blendv_epi8(r6, r7, odd),
                    upper,
                )
            };
            let mut at = 0;
            // 34 bytes per step: the 32 positions and the two bytes after the last.
            while let Some(step) = data.get(at..at + 34) {
                // SAFETY: `step` holds 34 bytes, so the three unaligned 32-byte loads are
                // in bounds.
                let [x, y, z] = [0, 1, 2].map(|offset| unsafe {
                    _mm256_or_si256(
                        _mm256_loadu_si256(step.as_ptr().add(offset).cast()),
                        case_bit,
                    )
                });
                let all = _mm256_and_si256(
                    _mm256_and_si256(buckets(x, &first), buckets(y, &second)),
                    _mm256_or_si256(buckets(z, &third), any_third),
                );
                let mut marks = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(all, zero)) as u32);
                while marks != 0 {
                    visit(at + marks.trailing_zeros() as usize);
                    marks &= marks - 1;
                }
                at += 32;
            }
            at
        }
    }

    fn set(tables: &mut Classes, byte: u8, bucket: usize) {
        if let Some(row) = HIGH_NIBBLES.iter().position(|&h| h == byte >> 4) {
            tables[row][usize::from(byte & 0x0F)] |= 1 << bucket;
        }
    }
}

/// The top bit of each byte of `word` that is not zero, every other bit clear.
#[inline(always)]
fn nonzero_bytes(word: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // Adding 0x7F carries into the top bit exactly when the low seven bits are not all
    // zero; OR-ing the word itself covers bytes whose only set bit is the top one.
    ((word & LOW7).wrapping_add(LOW7) | word) & !LOW7
}

fn pair_key(a: u8, b: u8) -> u16 {
    u16::from_le_bytes([a, b])
}

/// Where a keyword's (lowercase) anchor starts: at the three adjacent bytes rarest in
/// code, or at 0 for a two-byte keyword. Later triples win ties: keyword tails (`_v1_`,
/// `://`) are rarer than heads. None for a keyword under two bytes.
fn anchor_offset(keyword: &[u8]) -> Option<usize> {
    match keyword.len() {
        0 | 1 => None,
        2 => Some(0),
        len => (0..len - 2)
            .rev()
            .min_by_key(|&i| triple_cost([keyword[i], keyword[i + 1], keyword[i + 2]])),
    }
}

/// How common a lowercase triple is in code, for ordering: its rank among the commonest
/// triples (0 when it is not one of them), then the product of its bytes' frequencies.
fn triple_cost(triple: [u8; 3]) -> (usize, u64) {
    // Every triple of every keyword is looked up at start-up; a map instead of a scan
    // of the thousand-entry list keeps that off the time before the first file is read.
    static RANKS: std::sync::LazyLock<std::collections::HashMap<[u8; 3], usize>> =
        std::sync::LazyLock::new(|| {
            let common = crate::code_ngrams::COMMON_TRIGRAMS.len();
            crate::code_ngrams::COMMON_TRIGRAMS
                .iter()
                .enumerate()
                .map(|(r, t)| (*t, common - r))
                .collect()
        });
    let rank = RANKS.get(&triple).copied().unwrap_or(0);
    let frequency = |b: u8| {
        crate::code_ngrams::BYTE_PER_MILLION
            .get(usize::from(b))
            .map_or(1, |&n| u64::from(n).max(1))
    };
    (rank, triple.iter().map(|&b| frequency(b)).product())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn automaton_hits(keywords: &[String], data: &[u8]) -> Vec<KeywordHit> {
        let automaton = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(keywords)
            .unwrap_or_else(|e| panic!("automaton: {e}"));
        let mut hits: Vec<KeywordHit> = automaton
            .try_find_overlapping_iter(Input::new(data))
            .unwrap_or_else(|e| panic!("overlapping: {e}"))
            .map(|m| KeywordHit {
                pattern: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .collect();
        hits.sort_unstable_by_key(|h| (h.end, h.start, h.pattern));
        hits
    }

    /// The pair finder's hits, checked to be the same with and without the vector
    /// filter.
    fn pair_hits(keywords: &[String], data: &[u8]) -> Vec<KeywordHit> {
        let finder = KeywordFinder::new(keywords).unwrap_or_else(|e| panic!("finder: {e}"));
        assert!(matches!(finder.imp, Imp::Pairs(_)));
        let mut hits = Vec::new();
        finder.find_all(data, &mut hits);
        hits.sort_unstable_by_key(|h| (h.end, h.start, h.pattern));
        let scalar = PairFinder::build(keywords, false).unwrap_or_else(|| panic!("scalar"));
        let mut scalar_hits = Vec::new();
        scalar.find_all(data, &mut scalar_hits);
        scalar_hits.sort_unstable_by_key(|h| (h.end, h.start, h.pattern));
        assert_eq!(hits, scalar_hits, "vector and scalar passes differ");
        hits
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_overlapping_and_nested_keywords_in_any_case() {
        let keywords = words(&[
            "token",
            "api_key",
            "dd_api_key",
            "key",
            "q~",
            "ke",
            "http://",
        ]);
        let data = b"DD_API_KEY=1 Token tokentoken HTTP://x q~Q~ KeY\nk";
        assert_eq!(pair_hits(&keywords, data), automaton_hits(&keywords, data));
        assert!(!pair_hits(&keywords, data).is_empty());
    }

    #[test]
    fn a_non_ascii_keyword_is_found_without_the_vector_filter() {
        let keywords = words(&["clé_api", "token", "ключ"]);
        let finder = PairFinder::build(&keywords, true).unwrap_or_else(|| panic!("pairs"));
        #[cfg(target_arch = "x86_64")]
        assert!(finder.vector.is_none());
        let mut data = b"x = 1\n".repeat(20);
        data.extend_from_slice("CLé_API=abc token ключ".as_bytes());
        data.extend_from_slice(&b"y = 2\n".repeat(20));
        let hits = pair_hits(&keywords, &data);
        assert_eq!(hits, automaton_hits(&keywords, &data));
        assert_eq!(hits.len(), 3);
    }

    /// The vector filter over the built-in keywords; none (with a note) where the CPU has
    /// no AVX2.
    #[cfg(target_arch = "x86_64")]
    fn builtin_vector_filter() -> Option<avx2::BucketFilter> {
        let Some(finder) = PairFinder::build(&builtin_keywords(), true) else {
            panic!("pairs");
        };
        if finder.vector.is_none() {
            eprintln!("skipped: this CPU has no AVX2, so the vector filter is not built");
        }
        finder.vector
    }

    /// The vector filter is only worth it while it stops most positions: a bucket layout
    /// that let everything through would still be correct, so guard its selectivity on
    /// ordinary code (a mix of the kinds of lines a repository holds). About 2% pass;
    /// anchoring on pairs instead of triples let 5% through and fails the bound.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_filter_lets_few_positions_of_ordinary_code_through() {
        let Some(filter) = builtin_vector_filter() else {
            return;
        };
        let code = br#"
def summarise_orders(rows, limit=50):
    """Totals per customer, skipping rows that were cancelled."""
    totals = defaultdict(Decimal)
    for row in rows[:limit]:
        if row.get("status") == "cancelled":
            continue
        totals[row["customer_id"]] += Decimal(row["amount"])
    return dict(totals)

export function groupInvoicesByAccount(rows) {
  const groups = new Map();
  for (const row of rows) {
    const list = groups.get(row.accountId) ?? [];
    list.push(row);
    groups.set(row.accountId, list);
  }
  return groups;
}

resource "aws_sqs_queue" "billing_refund" {
  name                       = "billing-refund-sync"
  visibility_timeout_seconds = 30
}
"#;
        let text = code.repeat(40);
        let mut candidates = 0usize;
        filter.find_candidates(&text, |_| candidates += 1);
        let share = candidates as f64 / text.len() as f64;
        assert!(
            share < 0.04,
            "{:.1}% of positions pass the filter",
            share * 100.0
        );
    }

    /// The buckets are laid out against the triples real code is made of, not only its
    /// byte frequencies, which cannot tell that a bucket holding one anchor's `t`,
    /// another's `o` and a third's `r` passes every `tor`: laid out by bytes alone, the
    /// built-in anchors let 2.5 times as many of the commonest triples through.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_filter_passes_few_of_the_commonest_triples_of_code() {
        let Some(filter) = builtin_vector_filter() else {
            return;
        };
        let mut passed = 0u64;
        for (triple, &count) in crate::code_ngrams::COMMON_TRIGRAMS
            .iter()
            .zip(&crate::code_ngrams::COMMON_TRIGRAM_PER_MILLION)
        {
            // The triple alone at the start of a step; NUL is in no anchor.
            let mut data = [0u8; 40];
            data[..3].copy_from_slice(&triple[..]);
            let mut at_start = false;
            filter.find_candidates(&data, |position| at_start |= position == 0);
            if at_start {
                passed += u64::from(count);
            }
        }
        eprintln!("{passed} per million triples of code pass");
        assert!(passed < 6_000, "{passed} per million triples of code pass");
    }

    /// The English-word keywords are anchored on a triple outside the commonest few
    /// hundred of code, where any pair of their letters is common.
    #[test]
    fn word_keywords_are_anchored_on_a_rare_triple() {
        let commonest = &crate::code_ngrams::COMMON_TRIGRAMS[..300];
        for keyword in [
            "token", "secret", "password", "notion", "discord", "mistral", "vault",
        ] {
            let bytes = keyword.as_bytes();
            let Some(at) = anchor_offset(bytes) else {
                panic!("{keyword}: no anchor");
            };
            let triple = &bytes[at..at + 3];
            assert!(
                !commonest.iter().any(|t| t.as_slice() == triple),
                "{keyword} anchored on {:?}",
                String::from_utf8_lossy(triple)
            );
        }
        assert_eq!(anchor_offset(b"q~"), Some(0));
        assert_eq!(anchor_offset(b"a"), None);
    }

    #[test]
    fn a_one_byte_keyword_falls_back_to_the_automaton() {
        let finder = KeywordFinder::new(&words(&["a", "token"]));
        assert!(finder.is_ok_and(|f| matches!(f.imp, Imp::Automaton(_))));
    }

    #[test]
    fn agrees_with_the_automaton_on_the_builtin_keywords() {
        let keywords = builtin_keywords();
        // Every keyword, in both cases, glued together and cut at every length so
        // that anchors fall on block edges and the buffer end.
        let mut text = Vec::new();
        for k in &keywords {
            text.extend_from_slice(k.as_bytes());
            text.extend_from_slice(k.to_ascii_uppercase().as_bytes());
            text.push(b' ');
        }
        for cut in 0..40 {
            let data = &text[cut..];
            assert_eq!(pair_hits(&keywords, data), automaton_hits(&keywords, data));
        }
    }

    fn builtin_keywords() -> Vec<String> {
        let set = crate::RuleSet::builtin().unwrap_or_else(|e| panic!("builtin: {e}"));
        let mut keywords: Vec<String> = Vec::new();
        for rule in set.rules() {
            for k in &rule.keywords {
                if !keywords.contains(k) {
                    keywords.push(k.clone());
                }
            }
        }
        keywords
    }

    proptest::proptest! {
        /// Keywords in random case between random bytes (any value, so folded
        /// look-alikes such as DEL for `_` and non-ASCII bytes come up), long enough
        /// for many vector steps and a scalar tail.
        #[test]
        fn the_vector_filter_misses_no_builtin_keyword(
            pieces in proptest::collection::vec(
                (0usize..200, proptest::collection::vec(proptest::num::u8::ANY, 0..40), proptest::num::u64::ANY),
                0..60,
            ),
        ) {
            let keywords = builtin_keywords();
            let mut data = Vec::new();
            for (pick, noise, case_bits) in pieces {
                data.extend_from_slice(&noise);
                if let Some(keyword) = keywords.get(pick % keywords.len()) {
                    data.extend(keyword.bytes().enumerate().map(|(i, b)| {
                        if case_bits >> (i % 64) & 1 == 1 { b.to_ascii_uppercase() } else { b }
                    }));
                }
            }
            proptest::prop_assert_eq!(pair_hits(&keywords, &data), automaton_hits(&keywords, &data));
        }

        #[test]
        fn nonzero_bytes_marks_exactly_the_bytes_that_are_not_zero(word: u64) {
            let expected = word
                .to_le_bytes()
                .iter()
                .enumerate()
                .filter(|(_, b)| **b != 0)
                .fold(0u64, |marks, (i, _)| marks | 0x80 << (8 * i));
            proptest::prop_assert_eq!(nonzero_bytes(word), expected);
        }

        #[test]
        fn agrees_with_the_automaton_on_arbitrary_text(
            data in proptest::collection::vec(
                proptest::sample::select(b"tokenAPI_keyq~K-:/ \n\xff".to_vec()), 0..300),
        ) {
            let keywords = words(&["token", "api_key", "key", "q~", "-----begin", "http://", "to"]);
            proptest::prop_assert_eq!(pair_hits(&keywords, &data), automaton_hits(&keywords, &data));
        }
    }
}
