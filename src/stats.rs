//! The clean-text tables: counts of words, word pairs and character
//! contexts from clean text, and the CP949 view's prior over characters.
//!
//! Scoring, fluency, the corpus memory and the joiner all read them, so
//! they sit below all of those; they hold hashes, no text.

use serde::{Deserialize, Serialize};

use crate::counts::{self, KeyCounts};

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
pub(crate) fn bigram_key(a: &str, b: &str) -> u64 {
    pair_key(word_key(a), word_key(b))
}

/// The pair key from two [`word_key`]s, so that a caller that looks up many
/// pairs over the same words hashes each word once.
#[inline]
pub(crate) fn pair_key(a: u64, b: u64) -> u64 {
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
    if c.is_ascii() || crate::chars::is_hangul_syllable(c) {
        step(c.to_ascii_lowercase());
    } else {
        crate::chars::lower(c).for_each(step);
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
pub(crate) fn edge_key(k: usize, left: &[char], right: &[char]) -> u64 {
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
pub(crate) fn side_key(side: u32, cs: &[char]) -> u64 {
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
        self.syllables.finish();
        let words = &self.words;
        self.continues.retain(|k, _| words.get(k) > 0);
    }

    /// Whether the fixed tables have this build's size (a model file from
    /// another build may not).
    pub(crate) fn is_sized(&self) -> bool {
        self.edges.iter().all(|v| v.len() == 1 << EDGE_BITS)
    }

    /// The CP949 view's prior over characters, None before any counting.
    pub fn prior(&self) -> Option<&crate::encoding::SyllablePrior> {
        Some(&self.syllables).filter(|p| !p.is_empty())
    }

    /// The prior's character pairs, which the model file stores after the
    /// rest of the model ([`crate::model::Model::to_bytes`]).
    pub fn char_pairs(&self) -> &crate::encoding::CharPairs {
        self.syllables.pairs()
    }

    /// Puts stored character pairs in place.
    pub fn set_char_pairs(&mut self, pairs: crate::encoding::CharPairs) {
        self.syllables.set_pairs(pairs);
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

/// A word with its outer punctuation trimmed, as the tables count it.
pub(crate) fn trim_word(w: &str) -> &str {
    w.trim_matches(|c: char| !crate::chars::is_alnum(c))
}


#[cfg(test)]
mod tests {
    use super::*;

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
}
