//! Splice and rejoin: turning flagged spans into the article as written.
//!
//! Every restoration is a pure deletion. The injection added glue (a newline
//! before the fragment, a space after it); whether the cut word is rejoined
//! with or without a space is decided by which glue the span keeps: for
//! `restorin\nF g` the span is `\nF ` (the word closes up), for
//! `Nov. 1,\nF in` the span is `\nF` (the space stays). So a dolma mixer that
//! deletes spans gives exactly the text `clean()` gives.

use serde::{Deserialize, Serialize};

use crate::counts::{self, KeyCounts};
use crate::encoding;
pub use crate::span::{char_offsets, Cleaned, Span};
use crate::spacing::Spacing;
use crate::tokens::{is_space, is_space_char, Tokenized};

/// Builds the deletion spans from per-token probabilities.
///
/// Each maximal run of flagged tokens on a line is one fragment, removed
/// with the glue its injection style added:
/// - the whole line is the fragment: the line goes, with its newline, and
///   where it stood as a paragraph of its own (a blank line before and
///   after, as an ad in its own `<p>` comes out of a page with paragraphs
///   set apart), with one of the blank lines, so the paragraphs around it
///   are set apart as before;
/// - the fragment opens a line that follows a non-empty line: the injection
///   broke a line (`restorin\nF g`); the newline goes too, and the [`Joiner`]
///   decides whether the space after the fragment goes (`restoring`) or
///   stays (`Nov. 1, in`);
/// - the fragment ends a line: it goes with the whitespace before it;
/// - otherwise: it goes with the whitespace after it.
pub fn spans(
    doc: &str,
    tok: &Tokenized,
    probs: &[f32],
    threshold: f32,
    joiner: &Joiner,
) -> Vec<Span> {
    let bytes = doc.as_bytes();
    let mut out: Vec<Span> = Vec::new();
    let nlines = tok.lines.len();
    let mut whole = vec![false; nlines];
    // Runs per line: (first token, last token, score).
    let mut runs: Vec<(usize, usize, f32)> = Vec::new();
    for (li, line) in tok.lines.iter().enumerate() {
        let (a, n) = (line.first_token as usize, line.n_tokens as usize);
        let mut i = a;
        while i < a + n {
            if probs[i] >= threshold {
                let s = i;
                let mut score = probs[i];
                while i + 1 < a + n && probs[i + 1] >= threshold {
                    i += 1;
                    score = score.max(probs[i]);
                }
                if s == a && i == a + n - 1 {
                    whole[li] = true;
                }
                runs.push((s, i, score));
            }
            i += 1;
        }
    }
    if runs.is_empty() {
        return out;
    }
    let line_has_text = |li: usize| tok.lines[li].n_tokens > 0;
    // Whole-line fragments, grouped into blocks of consecutive lines.
    let mut whole_spans: Vec<Span> = Vec::new();
    let mut li = 0;
    while li < nlines {
        if !whole[li] {
            li += 1;
            continue;
        }
        let a = li;
        while li + 1 < nlines && whole[li + 1] {
            li += 1;
        }
        let b = li;
        let score = runs
            .iter()
            .filter(|r| (a..=b).contains(&(tok.tokens[r.0].line as usize)))
            .fold(0f32, |m, r| m.max(r.2));
        let own_paragraph =
            a > 0 && b + 2 < nlines && !line_has_text(a - 1) && !line_has_text(b + 1);
        let span = if own_paragraph {
            Span {
                start: tok.lines[a].start,
                end: tok.lines[b + 2].start,
                score,
            }
        } else if b + 1 < nlines {
            Span {
                start: tok.lines[a].start,
                end: tok.lines[b + 1].start,
                score,
            }
        } else if a > 0 {
            Span {
                start: tok.lines[a - 1].end,
                end: tok.lines[b].end,
                score,
            }
        } else {
            Span {
                start: 0,
                end: tok.lines[b].end,
                score,
            }
        };
        whole_spans.push(span);
        li += 1;
    }
    for &(s, e, score) in &runs {
        let t0 = tok.tokens[s];
        let t1 = tok.tokens[e];
        let li = t0.line as usize;
        if whole[li] {
            continue;
        }
        let next_start = |end: usize| {
            let mut j = end;
            while j < bytes.len() && bytes[j] != b'\n' && is_space(bytes[j]) {
                j += 1;
            }
            j
        };
        let span = if t0.first && li > 0 && line_has_text(li - 1) && !whole[li - 1] {
            let prev = tok.lines[li - 1];
            let nl = tok.lines[li].start - 1;
            let after = next_start(t1.end);
            let left = &doc[prev.start..prev.end];
            let right = &doc[after..tok.lines[li].end];
            let local = LocalCounts::of(doc, tok, left, right);
            let end = if joiner.closes_up(left, right, local) {
                after
            } else {
                t1.end
            };
            Span {
                start: nl,
                end,
                score,
            }
        } else if t1.last && !t0.first {
            let mut j = t0.start;
            while j > tok.lines[li].start && is_space(bytes[j - 1]) {
                j -= 1;
            }
            Span {
                start: j,
                end: t1.end,
                score,
            }
        } else {
            Span {
                start: t0.start,
                end: next_start(t1.end),
                score,
            }
        };
        out.push(span);
    }
    out.extend(whole_spans);
    out.sort_by_key(|s| (s.start, s.end));
    // Merge anything that touches or overlaps (defensive: keeps spans disjoint).
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for s in out {
        match merged.last_mut() {
            Some(m) if s.start < m.end => {
                m.end = m.end.max(s.end);
                m.score = m.score.max(s.score);
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// Buckets of the joiner's word table and edge tables.
pub const EDGE_BITS: u32 = 18;

/// Word pairs seen fewer times than this are left out of the model: they
/// are most of the distinct pairs and say little.
pub const BIGRAM_MIN_COUNT: u32 = 3;

/// Counts from clean text behind the joiner's features: how often a word
/// occurs, how often two words stand side by side, how often a character
/// context occurs inside a word versus across a single space, and how often
/// a word's tail (head) ends (starts) a word versus sits inside one. Words
/// and pairs are counted exactly by 64-bit hash ([`KeyCounts`]); character
/// contexts, far fewer and all frequent, in fixed hashed tables. The model
/// holds hashes, no text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinStats {
    words: KeyCounts,
    bigrams: KeyCounts,
    /// How often each word is the start of a longer word (`guru` of
    /// `gurus`), kept for words the word table holds.
    continues: KeyCounts,
    /// Indexed by the `T_*` constants less one ([`T_INSIDE`]..=[`T_START_MID`]).
    #[serde(
        serialize_with = "crate::blob::ser_u32_tables",
        deserialize_with = "crate::blob::de_u32_tables"
    )]
    edges: [Vec<u32>; 6],
    /// How common each KS X 1001 character is, for the CP949 view's choice
    /// between readings ([`crate::encoding::SyllablePrior`]).
    syllables: crate::encoding::SyllablePrior,
}

pub const T_WORDS: usize = 0;
pub const T_INSIDE: usize = 1;
pub const T_ACROSS: usize = 2;
pub const T_END_AT: usize = 3;
pub const T_END_MID: usize = 4;
pub const T_START_AT: usize = 5;
pub const T_START_MID: usize = 6;
/// Adjacent word pairs (`two girls`), keyed by both words.
pub const T_BIGRAM: usize = 7;
/// Words that go on past a shorter word (`restorin` of `restoring`), keyed
/// as [`word_key`] keys the shorter one.
pub const T_CONTINUES: usize = 8;

/// The pair key of two words (each as [`word_key`] normalizes it).
fn bigram_key(a: &str, b: &str) -> u64 {
    pair_key(word_key(a), word_key(b))
}

/// The pair key from two [`word_key`]s, so that a caller that looks up many
/// pairs over the same words hashes each word once.
#[inline]
fn pair_key(a: u64, b: u64) -> u64 {
    counts::key(a.wrapping_mul(crate::hash::GOLDEN64) ^ b.rotate_left(29))
}

#[inline]
fn fnv(seed: u32, chars: impl Iterator<Item = char>) -> u32 {
    let mut h = crate::hash::Fnv32::seeded(seed);
    chars.for_each(|c| h.char(c));
    h.folded(16)
}

/// Steps a 64-bit FNV-1a hash over one char of a word, lowercased.
#[inline]
fn fnv64_lower(h: &mut crate::hash::Fnv64, c: char) {
    let mut step = |c: char| h.unit(c as u64);
    if c.is_ascii() || crate::encoding::is_hangul_syllable(c) {
        step(c.to_ascii_lowercase());
    } else {
        crate::encoding::lower(c).for_each(step);
    }
}

/// A word as the word table keys it: outer punctuation trimmed, lowercased.
pub(crate) fn word_key(w: &str) -> u64 {
    let mut h = crate::hash::Fnv64::new();
    for c in trim_word(w).chars() {
        fnv64_lower(&mut h, c);
    }
    counts::key(h.finish())
}

/// The edge key of order `k` for a boundary between `left` and `right`.
fn edge_key(k: usize, left: &[char], right: &[char]) -> u64 {
    let l = left.len();
    let lpart = (0..k).map(|i| if i + l >= k { left[i + l - k] } else { '^' });
    let rpart = (0..k).map(|i| right.get(i).copied().unwrap_or('$'));
    (fnv(k as u32, lpart.chain(std::iter::once('|')).chain(rpart)) & ((1 << EDGE_BITS) - 1)) as u64
}

impl Default for JoinStats {
    fn default() -> Self {
        let e = || vec![0; 1 << EDGE_BITS];
        JoinStats {
            words: KeyCounts::default(),
            bigrams: KeyCounts::default(),
            continues: KeyCounts::default(),
            edges: [e(), e(), e(), e(), e(), e()],
            syllables: Default::default(),
        }
    }
}

/// One-sided key of the `k` chars `cs` (`side` 0: a word's tail, 1: its head).
fn side_key(side: u32, cs: &[char]) -> u64 {
    (fnv(16 + side * 4 + cs.len() as u32, cs.iter().copied()) & ((1 << EDGE_BITS) - 1)) as u64
}

impl JoinStats {
    /// Adds another table's counts to this one.
    pub fn merge(self, other: JoinStats) -> JoinStats {
        let JoinStats {
            words,
            bigrams,
            continues,
            mut edges,
            syllables,
        } = self;
        for (a, b) in edges.iter_mut().zip(other.edges.iter()) {
            for (x, y) in a.iter_mut().zip(b.iter()) {
                *x = x.saturating_add(*y);
            }
        }
        JoinStats {
            words: words.merge(other.words),
            bigrams: bigrams.merge(other.bigrams),
            continues: continues.merge(other.continues),
            edges,
            syllables: syllables.merge(other.syllables),
        }
    }

    /// Adds the counts of one clean document.
    pub fn add(&mut self, doc: &str) {
        self.syllables.add(doc);
        visit(doc, |t, k| match t {
            T_WORDS => self.words.add(k, 1),
            T_BIGRAM => self.bigrams.add(k, 1),
            T_CONTINUES => self.continues.add(k, 1),
            _ => bump(&mut self.edges[t - 1][k as usize]),
        });
    }

    /// Drops what the model need not keep ([`BIGRAM_MIN_COUNT`]; the
    /// starts of longer words that are not words themselves, whose own
    /// count of 0 already says they go on); call once counting is done.
    pub fn finish(&mut self) {
        self.bigrams.retain_at_least(BIGRAM_MIN_COUNT);
        let words = &self.words;
        self.continues.retain(|k, _| words.get(k) > 0);
    }

    /// The CP949 view's prior over characters, None before any counting.
    pub fn prior(&self) -> Option<&crate::encoding::SyllablePrior> {
        Some(&self.syllables).filter(|p| !p.is_empty())
    }

    /// Distinct words and word pairs held.
    pub fn sizes(&self) -> (usize, usize) {
        (self.words.len(), self.bigrams.len())
    }

    /// How often `word` occurs in the clean text (trimmed, lowercased).
    pub fn word_count(&self, word: &str) -> u32 {
        self.words.get(word_key(word))
    }

    /// How often the two words stand side by side in the clean text.
    pub fn bigram_count(&self, a: &str, b: &str) -> u32 {
        self.bigrams.get(bigram_key(a, b))
    }

    /// [`JoinStats::bigram_count`] of two words given by their [`word_key`]s.
    #[inline]
    pub(crate) fn bigram_count_keys(&self, a: u64, b: u64) -> u32 {
        self.bigrams.get(pair_key(a, b))
    }

    /// Counts of `word` and of it less its last one and two chars (a Korean
    /// particle or ending), hashed in one pass over the word.
    pub fn word_and_stem_counts(&self, word: &str) -> [u32; 3] {
        let mut h = crate::hash::Fnv64::new();
        // Hash states after all chars, all but the last, all but two.
        let mut states = [None::<u64>; 3];
        for c in trim_word(word).chars() {
            fnv64_lower(&mut h, c);
            states = [Some(h.finish()), states[0], states[1]];
        }
        let keys = [
            states[0].map(counts::key),
            states[1].map(counts::key),
            states[2].map(counts::key),
        ];
        // Three look-ups, each likely a miss: start all three loads first.
        for k in keys.iter().flatten() {
            self.words.prefetch(*k);
        }
        let count = |k: Option<u64>| k.map_or(0, |k| self.words.get(k));
        [count(keys[0]), count(keys[1]), count(keys[2])]
    }

    /// The count under `key` in table `table` (a `T_*` constant).
    #[inline]
    pub fn get(&self, table: usize, key: u64) -> u32 {
        match table {
            T_WORDS => self.words.get(key),
            T_BIGRAM => self.bigrams.get(key),
            T_CONTINUES => self.continues.get(key),
            _ => self.edges[table - 1][key as usize],
        }
    }
}

/// Calls `f(table, key)` for every count one clean document contributes.
fn visit(doc: &str, mut f: impl FnMut(usize, u64)) {
    crate::tokens::walk_words(doc, |tok, chars, prev| {
        // The word and, on the way, each shorter start of it, in one pass
        // of the hash [`word_key`] takes.
        let mut h = crate::hash::Fnv64::new();
        let mut cs = trim_word(tok).chars().peekable();
        while let Some(c) = cs.next() {
            fnv64_lower(&mut h, c);
            if cs.peek().is_some() {
                f(T_CONTINUES, counts::key(h.finish()));
            }
        }
        f(T_WORDS, counts::key(h.finish()));
        if let Some(p) = &prev {
            f(T_BIGRAM, bigram_key(p.word, tok));
        }
        for part in tok.split('-').filter(|p| !p.is_empty()) {
            if part.len() < tok.len() {
                f(T_WORDS, word_key(part));
            }
        }
        let m = chars.len();
        for k in 1..=3.min(m) {
            f(T_END_AT, side_key(0, &chars[m - k..]));
            f(T_START_AT, side_key(1, &chars[..k]));
        }
        for i in 1..m {
            for k in 1..=3 {
                f(T_INSIDE, edge_key(k, &chars[..i], &chars[i..]));
                if k <= i {
                    f(T_END_MID, side_key(0, &chars[i - k..i]));
                }
                if i + k <= m {
                    f(T_START_MID, side_key(1, &chars[i..i + k]));
                }
            }
        }
        if let Some(p) = prev.filter(|p| p.adjacent) {
            for k in 1..=3 {
                f(T_ACROSS, edge_key(k, p.chars, chars));
            }
        }
    });
}

/// A document's own counts, to leave it out of [`JoinStats`] when the
/// joiner trains on examples cut from documents the tables were built from.
#[derive(Debug, Default, Clone)]
pub struct DocCounts(std::collections::HashMap<(usize, u64), u32>);

impl DocCounts {
    pub fn of(doc: &str) -> DocCounts {
        let mut m = std::collections::HashMap::new();
        visit(doc, |t, k| *m.entry((t, k)).or_insert(0) += 1);
        DocCounts(m)
    }

    pub fn get(&self, table: usize, key: u64) -> u32 {
        self.0.get(&(table, key)).copied().unwrap_or(0)
    }
}

#[inline]
fn bump(c: &mut u32) {
    *c = c.saturating_add(1);
}

pub const JOIN_NAMES: &[&str] = &[
    "ln_left_word",
    "ln_right_word",
    "ln_joined_word",
    "ln_joined_parts",
    "ln_left_part",
    "edge1_ratio",
    "edge2_ratio",
    "edge3_ratio",
    "edge1_mass",
    "edge2_mass",
    "edge3_mass",
    "left_ends_punct",
    "right_starts_punct",
    "right_starts_upper",
    "left_ends_upper",
    "left_single_char",
    "ln_left_chars",
    "ln_right_chars",
    "cp949_rejoins",
    "left_ends_space",
    "both_hangul",
    "digit_digit",
    "end1_ratio",
    "end2_ratio",
    "end3_ratio",
    "start1_ratio",
    "start2_ratio",
    "start3_ratio",
    "known_left_and_right",
    "joined_minus_parts",
    "left_unknown",
    "right_unknown",
    "ln_doc_joined",
    "ln_doc_spaced",
    "doc_joined_minus_spaced",
    "ln_bigram",
    "joined_minus_bigram",
    "ln_right_stem1",
    "ln_right_stem2",
    "ln_joined_stem1",
    "ln_right_word_or_stem",
    "ln_joined_word_or_stem",
    "joined_minus_right_or_stem",
    "spacing_logit",
    "ln_left_continues",
    "left_ends_minus_continues",
];
pub const JOIN_DIM: usize = 46;

/// How often the document itself writes the two sides joined (`eBay`) and
/// apart (`한 번`): articles repeat their names and their spacing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LocalCounts {
    pub joined: u32,
    pub spaced: u32,
}

fn trim_word(w: &str) -> &str {
    w.trim_matches(|c: char| !crate::encoding::is_alnum(c))
}

fn last_word(s: &str) -> &str {
    s.rsplit(is_space_char).next().unwrap_or("")
}

fn first_word(s: &str) -> &str {
    s.split(is_space_char).next().unwrap_or("")
}

impl LocalCounts {
    /// Counts over `doc`'s tokens for the words at the end of `left` and the
    /// start of `right`.
    pub fn of(doc: &str, tok: &Tokenized, left: &str, right: &str) -> LocalCounts {
        let (lw, rw) = (trim_word(last_word(left)), trim_word(first_word(right)));
        let mut c = LocalCounts::default();
        if lw.is_empty() || rw.is_empty() {
            return c;
        }
        let toks = &tok.tokens;
        for (i, t) in toks.iter().enumerate() {
            let w = trim_word(&doc[t.start..t.end]);
            if w.len() == lw.len() + rw.len() && w.starts_with(lw) && w.ends_with(rw) {
                c.joined += 1;
            }
            if !t.last && w == lw && i + 1 < toks.len() {
                let n = toks[i + 1];
                if trim_word(&doc[n.start..n.end]) == rw {
                    c.spaced += 1;
                }
            }
        }
        c
    }
}

/// Decides whether a word cut by an injected line break closes up
/// (`restorin`+`g`) or keeps a space (`Nov. 1,`+`in`): a linfa logistic
/// regression over statistics of clean text ([`JoinStats`]) and the logit
/// of a learned model of where words break ([`Spacing`]).
///
/// Each feature also enters through indicators of its quantile bin (cut
/// points learned from the training rows), so the regression can bend: a
/// joined word seen twice and one seen two thousand times are not one step
/// apart on a line.
///
/// Cuts in Hangul have their own regression ([`JoinScript`]): Korean spaces
/// between eojeol, words with their particles, and a compound noun may be
/// written either way, so the same counts weigh differently there than in
/// English, whose cuts outnumber them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joiner {
    pub stats: JoinStats,
    /// The learned model of where words break ([`Spacing`]).
    pub spacing: Spacing,
    /// Per [`JoinScript`], in its order.
    pub scripts: Vec<JoinModel>,
}

/// One regression of the [`Joiner`] and the bins of its features.
pub type JoinModel = crate::model::Binned;

/// The script at a cut, which picks the [`Joiner`]'s regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinScript {
    /// Neither Hangul nor Hangul mojibake at the cut (English, ...).
    Other = 0,
    /// The char before or after the cut is Hangul.
    Hangul = 1,
    /// The non-ASCII chars around the cut read as CP949 Hangul: a Korean
    /// page as mojibake, whose byte-pair "words" close up and keep their
    /// spaces unlike English's, which would otherwise share its regression.
    Mojibake = 2,
}

impl JoinScript {
    pub const COUNT: usize = 3;

    /// The script of the cut between `left` and `right` (spaces at the cut
    /// skipped).
    pub fn of(left: &str, right: &str) -> JoinScript {
        let left = left.trim_end_matches(is_space_char);
        let right = right.trim_start_matches(is_space_char);
        let l = left.chars().next_back();
        let r = right.chars().next();
        if l.into_iter().chain(r).any(crate::encoding::is_hangul) {
            return JoinScript::Hangul;
        }
        // The non-ASCII run that ends the left word and the one that starts
        // the right word, put back together: a cut may split a character.
        let tail = last_word(left);
        let tail = &tail[tail.rfind(|c: char| c.is_ascii()).map_or(0, |p| p + 1)..];
        let head = first_word(right);
        let head = &head[..head.find(|c: char| c.is_ascii()).unwrap_or(head.len())];
        if tail.is_empty() && head.is_empty() {
            return JoinScript::Other;
        }
        let mut run = String::with_capacity(tail.len() + head.len());
        run.push_str(tail);
        run.push_str(head);
        // Mojibake is mostly Latin-1 byte chars (ftfy re-decodes a few
        // pairs); Vietnamese or Turkish letters beyond Latin-1 may also
        // read as CP949 pairs, but their runs are not made of such chars.
        let (n, ks) = run.chars().fold((0, 0), |(n, ks), c| {
            (n + 1, ks + crate::encoding::is_ks_byte_char(c) as usize)
        });
        if n < 2 || 2 * ks < n {
            return JoinScript::Other;
        }
        let mut sc = crate::encoding::Scratch::default();
        let hangul = crate::encoding::read_cp949(&run, &mut sc, None).is_some()
            && sc.reading.chars().any(crate::encoding::is_hangul_syllable);
        if hangul {
            JoinScript::Mojibake
        } else {
            JoinScript::Other
        }
    }
}

/// Bins per joiner feature (at most; ties merge bins).
const JOIN_BINS: usize = 8;

impl Joiner {
    /// Fits the joiner on feature rows ([`Joiner::features`]), labels and
    /// each row's [`JoinScript`]. A script whose rows do not hold both
    /// answers is given the regression of all rows.
    pub fn fit(
        stats: JoinStats,
        spacing: Spacing,
        rows: &[Vec<f32>],
        labels: &[bool],
        scripts: &[JoinScript],
        l2: f64,
        max_iter: u64,
    ) -> crate::error::Result<Joiner> {
        let mut fitted = Vec::with_capacity(JoinScript::COUNT);
        for k in 0..JoinScript::COUNT {
            let (r, y): (Vec<&[f32]>, Vec<bool>) = rows
                .iter()
                .zip(labels)
                .zip(scripts)
                .filter(|(_, &s)| s as usize == k)
                .map(|((r, &y), _)| (r.as_slice(), y))
                .unzip();
            let both = y.iter().any(|&b| b) && y.iter().any(|&b| !b);
            fitted.push(if both {
                JoinModel::fit(JOIN_NAMES, &r, &y, JOIN_BINS, l2, max_iter)?
            } else {
                JoinModel::fit(JOIN_NAMES, rows, labels, JOIN_BINS, l2, max_iter)?
            });
        }
        Ok(Joiner {
            stats,
            spacing,
            scripts: fitted,
        })
    }

    pub fn check(&self) -> std::result::Result<(), String> {
        if self.scripts.len() != JoinScript::COUNT
            || self.scripts.iter().any(|m| {
                m.bins.len() != JOIN_DIM || m.model.names() != JoinModel::names(JOIN_NAMES, &m.bins)
            })
        {
            return Err("its joiner features differ from this build's (retrain the model)".into());
        }
        if self.stats.edges.iter().any(|v| v.len() != 1 << EDGE_BITS) {
            return Err("joiner tables have the wrong size".into());
        }
        if !self.spacing.is_valid() {
            return Err("the joiner's spacing model has the wrong size".into());
        }
        Ok(())
    }

    /// The joiner's features for text `left` (ending at the cut) and `right`
    /// (starting after it).
    pub fn features(&self, left: &str, right: &str, local: LocalCounts) -> [f32; JOIN_DIM] {
        Joiner::features_with(
            &|t, k| self.stats.get(t, k),
            &self.spacing,
            left,
            right,
            local,
        )
    }

    /// [`Joiner::features`] over any count lookup (e.g. with a document left
    /// out) and spacing model (one that did not learn from the document).
    pub fn features_with(
        get: &dyn Fn(usize, u64) -> u32,
        spacing: &Spacing,
        left: &str,
        right: &str,
        local: LocalCounts,
    ) -> [f32; JOIN_DIM] {
        let left_ends_space = left.ends_with(is_space_char);
        let (lw, rw) = (last_word(left), first_word(right));
        // The two sides' chars, whole: the count tables read the three
        // nearest the cut, the spacing model each side whole.
        let (lc, rc): (Vec<char>, Vec<char>) = (lw.chars().collect(), rw.chars().collect());
        let ln = |x: u32| (1.0 + x as f32).ln();
        let w = |s: &str| ln(get(T_WORDS, word_key(s)));
        let mut joined = String::with_capacity(lw.len() + rw.len());
        joined.push_str(lw);
        joined.push_str(rw);
        let lpart = lw.rsplit('-').next().unwrap_or("");
        let rpart = rw.split('-').next().unwrap_or("");
        let mut jparts = String::new();
        jparts.push_str(lpart);
        jparts.push_str(rpart);
        let mut edge = [0f32; 6];
        for k in 1..=3 {
            let key = edge_key(k, &lc, &rc);
            let (i, a) = (ln(get(T_INSIDE, key)), ln(get(T_ACROSS, key)));
            edge[k - 1] = i - a;
            edge[k + 2] = i + a;
        }
        let punct = |c: Option<char>| c.is_some_and(|c| !crate::encoding::is_alnum(c));
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        let lastc = lw.chars().last();
        let firstc = rw.chars().next();
        let cp949 = crate::encoding::cut_character_rejoins(lw, rw);
        let mut side = [0f32; 6];
        for k in 1..=3 {
            if lc.len() >= k {
                let key = side_key(0, &lc[lc.len() - k..]);
                side[k - 1] = ln(get(T_END_AT, key)) - ln(get(T_END_MID, key));
            }
            if rc.len() >= k {
                let key = side_key(1, &rc[..k]);
                side[k + 2] = ln(get(T_START_AT, key)) - ln(get(T_START_MID, key));
            }
        }
        // A hyphenated compound is as familiar as its part at the cut
        // (`Korea-China` as `China`): whole compounds are rarely counted.
        let wlp = w(lpart);
        // The word so far as a word that ends (`guru`, 8 times) against one
        // that goes on (`guru…`, 3 times): a cut inside a word leaves a
        // start that clean text mostly continues.
        let klw = word_key(lw);
        let (wlw, lcont) = (ln(get(T_WORDS, klw)), ln(get(T_CONTINUES, klw)));
        let (wl, wr, wj) = (wlw.max(wlp), w(rw).max(w(rpart)), w(&joined));
        let (dj, ds) = (ln(local.joined), ln(local.spaced));
        let bg = ln(get(T_BIGRAM, bigram_key(lw, rw)));
        // A word less its last one or two chars (two at least left): clean
        // text too small to hold `floats` or `slums` holds `float` and
        // `slum`, and `정도로` is `정도` with its particle.
        let stem = |s: &str, n: usize| {
            let s = trim_word(s);
            match s.char_indices().rev().nth(n - 1) {
                Some((i, _)) if s[..i].chars().nth(1).is_some() => w(&s[..i]),
                _ => 0.0,
            }
        };
        // A side that reads as a word, inflected or not: `floats` unseen
        // whole is `float`+`s`, so `guru`+`floats` keeps its space; and
        // `slums` is `slum`+`s`, so `slum`+`s` closes up.
        let (rs1, rs2, js1, js2) = (stem(rw, 1), stem(rw, 2), stem(&joined, 1), stem(&joined, 2));
        let rsw = wr.max(rs1).max(rs2);
        let jsw = wj.max(js1).max(js2);
        [
            wl,
            wr,
            wj,
            w(&jparts),
            wlp,
            edge[0],
            edge[1],
            edge[2],
            edge[3],
            edge[4],
            edge[5],
            b(punct(lastc)),
            b(punct(firstc)),
            b(firstc.is_some_and(|c| c.is_uppercase())),
            b(lastc.is_some_and(|c| c.is_uppercase())),
            b(lw.chars().count() == 1),
            ln(lw.chars().count() as u32),
            ln(rw.chars().count() as u32),
            b(cp949),
            b(left_ends_space),
            b(lastc.is_some_and(encoding::is_hangul) && firstc.is_some_and(encoding::is_hangul)),
            b(lastc.is_some_and(|c| c.is_ascii_digit())
                && firstc.is_some_and(|c| c.is_ascii_digit())),
            side[0],
            side[1],
            side[2],
            side[3],
            side[4],
            side[5],
            b(wl > 0.0 && wr > 0.0),
            wj - wl.max(wr),
            b(wl == 0.0),
            b(wr == 0.0),
            dj,
            ds,
            dj - ds,
            bg,
            wj - bg,
            rs1,
            rs2,
            js1,
            rsw,
            jsw,
            jsw - rsw,
            spacing.logit(&lc, &rc).clamp(-15.0, 15.0),
            lcont,
            wlw - lcont,
        ]
    }

    /// True when the cut word closes up with no space.
    pub fn closes_up(&self, left: &str, right: &str, local: LocalCounts) -> bool {
        self.close_prob(left, right, local) >= 0.5
    }

    /// The probability that the cut word closes up (1 when nothing follows).
    pub fn close_prob(&self, left: &str, right: &str, local: LocalCounts) -> f32 {
        if right.is_empty() {
            return 1.0;
        }
        let x = self.features(left, right, local);
        self.scripts[JoinScript::of(left, right) as usize].prob(&x)
    }
}

/// One joiner training example.
#[derive(Debug, Clone)]
pub struct JoinExample {
    pub left: String,
    pub right: String,
    pub local: LocalCounts,
    pub closes_up: bool,
}

/// Share of injected line breaks that land at a space rather than inside a
/// word (the generator's S1 mix; crawled spam looks alike).
pub const CUT_AT_SPACE: f64 = 0.3;

/// Makes joiner training examples from a clean document the way the
/// injection cuts lines: at a random point inside a word, or (a
/// [`CUT_AT_SPACE`] share) at a random space, whose spaces the cut drops.
/// The document's own counts leave out the cut site itself, as an injected
/// document shows neither form there.
pub fn join_examples(
    doc: &str,
    rng: &mut impl rand::Rng,
    per_doc: usize,
    out: &mut Vec<JoinExample>,
) {
    let sp = is_space_char;
    let lines: Vec<&str> = doc.split('\n').filter(|l| l.chars().count() > 8).collect();
    if lines.is_empty() {
        return;
    }
    let mut tok = Tokenized::default();
    tok.split(doc);
    for _ in 0..per_doc {
        let line = lines[rng.gen_range(0..lines.len())];
        let cuts: Vec<(usize, bool)> = line
            .char_indices()
            .skip(1)
            .filter_map(|(i, c)| {
                let prev = line[..i].chars().last()?;
                let at_space = sp(c) && !sp(prev);
                let inside = !sp(c) && !sp(prev);
                (at_space || inside).then_some((i, at_space))
            })
            .collect();
        let want_space = rng.gen_bool(CUT_AT_SPACE);
        let pool: Vec<usize> = cuts
            .iter()
            .filter(|c| c.1 == want_space)
            .map(|c| c.0)
            .collect();
        if pool.is_empty() {
            continue;
        }
        let at = pool[rng.gen_range(0..pool.len())];
        let (l, r) = line.split_at(at);
        let closes = !want_space;
        let (l, r) = (l.trim_end_matches(sp), r.trim_start_matches(sp));
        if l.is_empty() || r.is_empty() {
            continue;
        }
        let mut local = LocalCounts::of(doc, &tok, l, r);
        if closes {
            local.joined = local.joined.saturating_sub(1);
        } else {
            local.spaced = local.spaced.saturating_sub(1);
        }
        out.push(JoinExample {
            left: l.to_string(),
            right: r.to_string(),
            local,
            closes_up: closes,
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cuts_in_hangul_have_their_own_join_model() {
        use super::JoinScript;
        assert_eq!(JoinScript::of("눈물날", "정도로"), JoinScript::Hangul);
        assert_eq!(JoinScript::of("Korea-China ", "관계"), JoinScript::Hangul);
        assert_eq!(JoinScript::of("restorin", "g"), JoinScript::Other);
        // Mojibake Korean has its own, a character cut in two included
        // (`바다이` as `¹Ù´Ù` + `À`, `Ì`).
        assert_eq!(JoinScript::of("¹Ù´Ù", "À̾߱â"), JoinScript::Mojibake);
        assert_eq!(JoinScript::of("¹Ù´ÙÀ", "̾߱â"), JoinScript::Mojibake);
        // The article's own mojibake quotes and accented words are not Hangul.
        assert_eq!(JoinScript::of("China¡¯", "s Lenovo"), JoinScript::Other);
        assert_eq!(JoinScript::of("caf", "é au lait"), JoinScript::Other);
        assert_eq!(JoinScript::of("Müller ", "für"), JoinScript::Other);
        // Vietnamese `ư` is C6 B0 in UTF-8, a CP949 Hangul pair as bytes.
        assert_eq!(JoinScript::of("ngư", "ời Việt"), JoinScript::Other);
    }

    #[test]
    fn stem_counts_match_the_word_table() {
        let mut st = JoinStats::default();
        st.add("대통령의 대통령은 대통령 Markets market");
        assert_eq!(st.word_and_stem_counts("대통령의"), [1, 1, 0]);
        assert_eq!(st.word_and_stem_counts("(Markets)"), [1, 1, 0]);
        assert_eq!(
            st.word_and_stem_counts("대통령의")[0],
            st.word_count("대통령의")
        );
    }

    #[test]
    fn edge_keys_pad_short_sides() {
        let a: Vec<char> = "ab".chars().collect();
        let b: Vec<char> = "c".chars().collect();
        assert_ne!(edge_key(3, &a, &b), edge_key(2, &a, &b));
        assert_eq!(edge_key(1, &a, &b), edge_key(1, &['b'], &['c', 'd']));
    }

    use super::*;

    #[test]
    fn bigram_counts_by_word_keys_match_by_words() {
        let mut st = JoinStats::default();
        st.bigrams.add(bigram_key("도박", "사이트"), 7);
        for (a, b) in [
            ("도박", "사이트"),
            ("도박,", "사이트"),
            ("Two", "girls"),
            ("도박", ""),
        ] {
            assert_eq!(
                st.bigram_count_keys(word_key(a), word_key(b)),
                st.bigram_count(a, b),
                "{a} {b}"
            );
        }
        assert_eq!(
            st.bigram_count_keys(word_key("도박"), word_key("사이트")),
            7
        );
    }

    #[test]
    fn a_word_unseen_whole_is_looked_up_by_its_stems() {
        let mut st = JoinStats::default();
        st.add("the slum float drifted. 정도 높이");
        st.finish();
        let at = |name: &str| JOIN_NAMES.iter().position(|n| *n == name).unwrap();
        let (r1, r2, j1) = (
            at("ln_right_stem1"),
            at("ln_right_stem2"),
            at("ln_joined_stem1"),
        );
        let sp = crate::spacing::Spacing::fit(&[], 1, 1);
        let get = |t, k| st.get(t, k);
        let f = |l: &str, r: &str| Joiner::features_with(&get, &sp, l, r, LocalCounts::default());
        let one = 2f32.ln();
        // `floats` is unseen, `float` seen; `floats,` is trimmed first.
        assert_eq!(f("guru", "floats, sub")[r1], one);
        assert_eq!(f("guru", "floats sub")[r2], 0.0);
        // `slums` is `slum` and a char.
        assert_eq!(f("slum", "s in")[j1], one);
        assert_eq!(f("slum", "s in")[r1], 0.0);
        // `정도로` is `정도` with its particle; two chars must be left.
        assert_eq!(f("눈물날", "정도로")[r1], one);
        assert_eq!(f("눈물날", "정도")[r1], 0.0);
    }

    #[test]
    fn a_word_so_far_is_counted_as_the_start_of_longer_words() {
        let mut st = JoinStats::default();
        st.add("The guru, the gurus and (Gurus) went restoring 대통령은 대통령");
        st.finish();
        // `guru` goes on in `gurus` twice (trimmed, lowercased), `대통령` once.
        assert_eq!(st.get(T_CONTINUES, word_key("guru")), 2);
        assert_eq!(st.get(T_CONTINUES, word_key("대통령")), 1);
        // `gurus` never goes on; `restorin` goes on but is not a word, so
        // the table does not keep it.
        assert_eq!(st.get(T_CONTINUES, word_key("gurus")), 0);
        assert_eq!(st.get(T_CONTINUES, word_key("restorin")), 0);
        let sp = crate::spacing::Spacing::fit(&[], 1, 1);
        let get = |t, k| st.get(t, k);
        let x = Joiner::features_with(&get, &sp, "the guru", "floats", LocalCounts::default());
        let at = |name: &str| JOIN_NAMES.iter().position(|n| *n == name).unwrap();
        assert_eq!(x[at("ln_left_continues")], 3f32.ln());
        // Once whole, twice going on.
        assert_eq!(x[at("left_ends_minus_continues")], 2f32.ln() - 3f32.ln());
    }

    #[test]
    fn deletion_rejoins_the_cut_word() {
        let input = "for restorin\nXX g Korea and Nov. 1,\nYY in the";
        let a = input.find("\nXX").unwrap();
        let b = input.find("\nYY").unwrap();
        let spans = vec![
            Span {
                start: a,
                end: a + 4,
                score: 1.0,
            },
            Span {
                start: b,
                end: b + 3,
                score: 1.0,
            },
        ];
        let c = Cleaned::from_spans(input, spans);
        assert_eq!(c.text, "for restoring Korea and Nov. 1, in the");
    }

    #[test]
    fn char_offsets_count_code_points() {
        let input = "é\n바다 x";
        let s = input.find('\n').unwrap();
        let spans = [Span {
            start: s,
            end: s + 1 + "바다".len() + 1,
            score: 1.0,
        }];
        assert_eq!(char_offsets(input, &spans), vec![(1, 5)]);
    }
}
