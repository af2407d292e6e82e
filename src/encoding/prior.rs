//! How common each KS X 1001 character is in clean text: the CP949 view's
//! tie-breaker where ftfy's re-decoding leaves two whole readings.
//!
//! ftfy re-decodes a CP949-as-Latin-1 byte pair that happens to be valid
//! UTF-8 into one char (`½Ã°í` becomes `½ðí`), and a char such as `ð` may
//! then stand for its own byte or for the pair. Both readings often decode
//! cleanly: `Á¶½ÉÇϽðí` is `조심하시고` read through the pair and `조심하쏜…`
//! read byte for byte, the rest of the word shifted by one byte. No rule
//! about bytes tells them apart; how often clean Korean writes `시` and `고`
//! against `쏜` and `챠` does. The prior is a unigram model over the plane's
//! 8,836 cells, counted from the clean side of the training data, and the
//! view keeps the reading it finds likelier ([`super::read_cp949`]).
//!
//! Where the unigram still leaves several readings (ftfy is not one-to-one),
//! repair weighs them by which characters stand side by side in clean text
//! as well ([`SyllablePrior::pair_surprise`]): `휘둘러` and `히둘러` cost about
//! the same syllable by syllable, but Korean writes `휘둘` and never `히둘`;
//! and a Hanja read inside a Hangul word (`弼이` for `첫째이`) is a pair clean
//! Korean does not write.

use std::collections::HashMap;
use std::sync::OnceLock;

use encoding_rs::EUC_KR;
use serde::{Deserialize, Serialize};

use super::is_ks_byte;
use crate::counts::{self, KeyCounts};

/// Rows and cells per row of the KS X 1001 plane (bytes A1..=FE).
const SIDE: usize = 94;
/// Cells of the plane.
pub const CELLS: usize = SIDE * SIDE;

/// Cost units per nat: costs are whole numbers, so sums are exact and the
/// dynamic program's ties break the same way on every machine.
const SCALE: f64 = 16.0;

/// What a re-decoded pair costs beyond its characters, in cost units: the
/// pair reading must be likelier by this much (about 2.5 nats) before it
/// displaces the byte-for-byte one, which needs no re-decoding to explain.
pub const PAIR_COST: u32 = 40;

/// A byte-for-byte reading none of whose characters is rarer than this, per
/// million characters of Korean text, is kept without weighing others
/// ([`SyllablePrior::is_rare`]). A reading shifted by a byte is made of
/// such characters (`쏜`, `챠`), and weighing runs a dynamic program on the
/// filter's memo-miss path. Over 1.33 million tokens of distinct mojibake
/// text it ran 245,779 times with a gate at 1 in 4,000 and 56,951 times
/// with this one, against 46,612 for the tokens that have no byte-for-byte
/// reading at all; dev's readings were as good or better
/// (`examples/reading_accuracy.rs`: 99.540% and 99.545%).
pub const RARE_PER_MILLION: f64 = 3.7;

/// The pair model's symbol for a word's edge (whitespace, or the text's
/// start and end), after the plane's cells.
const EDGE: usize = CELLS;
/// The pair model's symbols for chars off the plane: an ASCII digit, an
/// ASCII letter (`dz` left where ftfy spelled out the ligature `ǳ` for `풍`
/// is a pair Korean rarely writes: `삼dz백화점`), other ASCII, and the rest
/// (Latin-1 left unread among them).
const DIGIT: usize = CELLS + 1;
const LETTER: usize = CELLS + 2;
const ASCII: usize = CELLS + 3;
const OFF: usize = CELLS + 4;
/// Symbols of the pair model.
const SYMBOLS: usize = CELLS + 5;

/// Pairs seen fewer times than this are left out of the model
/// ([`SyllablePrior::finish`]): most distinct pairs are seen once.
const PAIR_MIN_COUNT: u32 = 2;

/// The unigram's share in the pair model's prediction (Jelinek-Mercer
/// interpolation): a pair unseen in clean text costs at most `ln(1/0.7)`
/// nats more than its character alone, since the counts are of a few
/// thousand documents and miss most rare pairs (a name's). Chosen on the
/// leave-one-corpus-out measure (`tests/repair_corpora.rs`, 2026-12-08,
/// whole documents, before the later rules of repair): with these symbols,
/// share and pair weight 0.5 and 16 gave 92.52%, 0.5 and 24 92.08%, 0.7
/// and 16 92.66%, 0.7 and 24 92.52%; with one symbol for every char off
/// the plane, 91.72% to 92.73% over shares 0.1 to 0.7; a Dirichlet prior
/// instead of the interpolation, 86.25% (at 20 pseudo-counts; 91.15% at
/// 1,000, measured at the end).
const UNIGRAM_SHARE: f64 = 0.7;

/// Counts of the KS X 1001 characters in clean text, and the cost
/// (`-ln p`, in sixteenths of a nat) of each, computed on first use; and
/// counts of the pairs they form with each other, with a word's edge and
/// with chars off the plane.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyllablePrior {
    /// Per cell (`(lead - A1) * 94 + (trail - A1)`); empty until counted.
    counts: Vec<u32>,
    /// The pairs, stored apart in the model file (after the rest of the
    /// model, so that a file from before them still reads).
    #[serde(skip)]
    pairs: CharPairs,
    /// Per cell, its cost; and the cost at [`RARE_PER_MILLION`].
    #[serde(skip)]
    costs: OnceLock<(Vec<u16>, u32)>,
}

/// Counts of adjacent symbol pairs of clean Korean text (symbols: the
/// plane's cells, a word's edge, and four classes of chars off the plane).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CharPairs {
    /// Pairs (at least one of them a cell), keyed by [`pair_key`], from
    /// [`PAIR_MIN_COUNT`] on once finished.
    pairs: KeyCounts,
    /// Per symbol, how often it stood first (`left`) and second (`right`)
    /// of a counted pair, before pairs were dropped: the model's totals.
    left: Vec<u32>,
    right: Vec<u32>,
    /// The sum of `right`, made on first use.
    #[serde(skip)]
    total: OnceLock<f64>,
}

/// The cell of each character of the plane that is not Latin-1.
fn cells() -> &'static HashMap<char, u16> {
    static CELLS_OF: OnceLock<HashMap<char, u16>> = OnceLock::new();
    CELLS_OF.get_or_init(|| {
        let mut m = HashMap::with_capacity(CELLS);
        let mut out = String::new();
        for cell in 0..CELLS {
            let bytes = [0xA1 + (cell / SIDE) as u8, 0xA1 + (cell % SIDE) as u8];
            out.clear();
            let mut dec = EUC_KR.new_decoder_without_bom_handling();
            out.reserve(8);
            let (res, _) = dec.decode_to_string_without_replacement(&bytes, &mut out, true);
            let mut cs = out.chars();
            if let (encoding_rs::DecoderResult::InputEmpty, Some(c), None) =
                (res, cs.next(), cs.next())
            {
                if c as u32 > 0xFF {
                    m.entry(c).or_insert(cell as u16);
                }
            }
        }
        m
    })
}

/// The key of the symbol pair `a`, `b` (exact: the ids are small).
#[inline]
fn pair_key(a: usize, b: usize) -> u64 {
    counts::key((a * SYMBOLS + b) as u64)
}

/// The plane's cell of `c`; Latin-1 chars have none (in mojibake and in
/// the clean side of its hosts they are bytes, not the plane's `°` `±`).
#[inline]
fn cell_of(map: &HashMap<char, u16>, c: char) -> Option<u16> {
    if c as u32 > 0xFF {
        map.get(&c).copied()
    } else {
        None
    }
}

/// The pair model's symbol of `c`, from the plane's map.
#[inline]
fn symbol(map: &HashMap<char, u16>, c: char) -> usize {
    if c.is_whitespace() {
        EDGE
    } else if c.is_ascii_digit() {
        DIGIT
    } else if c.is_ascii_alphabetic() {
        LETTER
    } else if c.is_ascii() {
        ASCII
    } else {
        cell_of(map, c).map_or(OFF, usize::from)
    }
}

/// Calls `f` with each pair of adjacent symbols of `text`, one at least a
/// cell, its edges included (whitespace runs are one edge).
fn each_pair(text: &str, mut f: impl FnMut(usize, usize)) {
    let map = cells();
    let mut prev = EDGE;
    for c in text.chars().chain(std::iter::once(' ')) {
        let s = symbol(map, c);
        if !(s == EDGE && prev == EDGE) && (s < CELLS || prev < CELLS) {
            f(prev, s);
        }
        prev = s;
    }
}

#[inline]
fn cell(lead: u8, trail: u8) -> usize {
    (lead as usize - 0xA1) * SIDE + (trail as usize - 0xA1)
}

/// The cost of the character `lead`, `trail` (both A1..=FE) in a table of
/// [`SyllablePrior::costs`], for a caller that looks up many.
#[inline]
pub(super) fn cell_cost(costs: &[u16], lead: u8, trail: u8) -> u32 {
    costs.get(cell(lead, trail)).map_or(0, |&c| u32::from(c))
}

impl SyllablePrior {
    /// Counts the plane's characters in one clean text, if it is Korean
    /// (Hangul at least half of them): the prior is of Korean as CP949
    /// pages write it, where Hanja are rare, and Chinese text would make
    /// `언活科` a likelier reading of `¾ðüÀΡ` than `언체인징`. Latin-1 chars
    /// are left out: in the clean side of mojibake hosts they are bytes,
    /// not the plane's symbols (`°`, `±`) that share their code points.
    pub fn add(&mut self, text: &str) {
        let map = cells();
        let planed = || text.chars().filter_map(|c| cell_of(map, c).map(|k| (c, k)));
        let (mut all, mut hangul) = (0usize, 0usize);
        for (c, _) in planed() {
            all += 1;
            hangul += usize::from(super::is_hangul_syllable(c));
        }
        if all == 0 || hangul * 2 < all {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; CELLS];
        }
        for (_, k) in planed() {
            self.counts[k as usize] = self.counts[k as usize].saturating_add(1);
        }
        let p = &mut self.pairs;
        if p.left.is_empty() {
            p.left = vec![0; SYMBOLS];
            p.right = vec![0; SYMBOLS];
        }
        p.total = OnceLock::new();
        let (pairs, left, right) = (&mut p.pairs, &mut p.left, &mut p.right);
        each_pair(text, |a, b| {
            pairs.add(pair_key(a, b), 1);
            left[a] = left[a].saturating_add(1);
            right[b] = right[b].saturating_add(1);
        });
    }

    /// Drops the pairs seen fewer than [`PAIR_MIN_COUNT`] times; call once
    /// counting is done (the totals keep them).
    pub fn finish(&mut self) {
        self.pairs.pairs.retain_at_least(PAIR_MIN_COUNT);
    }

    /// The pair counts, to store ([`SyllablePrior::set_pairs`] puts them
    /// back).
    pub fn pairs(&self) -> &CharPairs {
        &self.pairs
    }

    /// Puts stored pair counts in place (empty ones: a model from before
    /// them, whose readings are weighed by the unigram alone).
    pub fn set_pairs(&mut self, pairs: CharPairs) {
        self.pairs = pairs;
    }

    /// Adds another prior's counts to this one.
    pub fn merge(mut self, other: SyllablePrior) -> SyllablePrior {
        if self.counts.is_empty() {
            return other;
        }
        if other.counts.is_empty() {
            return self;
        }
        let add = |a: &mut Vec<u32>, b: &[u32]| {
            for (x, y) in a.iter_mut().zip(b) {
                *x = x.saturating_add(*y);
            }
        };
        add(&mut self.counts, &other.counts);
        let (mine, theirs) = (&mut self.pairs, other.pairs);
        if mine.left.is_empty() {
            *mine = theirs;
        } else if !theirs.left.is_empty() {
            add(&mut mine.left, &theirs.left);
            add(&mut mine.right, &theirs.right);
            mine.pairs = std::mem::take(&mut mine.pairs).merge(theirs.pairs);
            mine.total = OnceLock::new();
        }
        self.costs = OnceLock::new();
        self
    }

    /// How much less likely `reading` is under the pair model than under
    /// the unigram over the same symbols, in nats (negative where its pairs
    /// are commoner than their characters alone predict): the correction
    /// repair adds to a reading's syllable cost to weigh it by its pairs.
    /// Zero before any pair was counted.
    pub fn pair_surprise(&self, reading: &str) -> f64 {
        let p = &self.pairs;
        if p.left.len() != SYMBOLS || p.right.len() != SYMBOLS {
            return 0.0;
        }
        let total = *p
            .total
            .get_or_init(|| p.right.iter().map(|&c| f64::from(c)).sum());
        if total == 0.0 {
            return 0.0;
        }
        let norm = total + 0.5 * SYMBOLS as f64;
        let mut surprise = 0.0;
        each_pair(reading, |a, b| {
            let uni = (f64::from(p.right[b]) + 0.5) / norm;
            let n = f64::from(p.pairs.get(pair_key(a, b)));
            let l = f64::from(p.left[a]);
            let cond = if l > 0.0 {
                (1.0 - UNIGRAM_SHARE) * n / l + UNIGRAM_SHARE * uni
            } else {
                uni
            };
            surprise += (uni / cond).ln();
        });
        surprise
    }

    /// Whether nothing was counted (a prior that cannot choose).
    pub fn is_empty(&self) -> bool {
        // The table is made by the first text counted (`add`), so an empty
        // one is all there is to check: this runs once per token read.
        self.counts.is_empty()
    }

    /// How often the character of `lead`, `trail` (both A1..=FE) occurred.
    pub fn count(&self, lead: u8, trail: u8) -> u32 {
        self.counts.get(cell(lead, trail)).copied().unwrap_or(0)
    }

    /// Each cell's cost, computed on first use ([`cell_cost`] reads it).
    pub(super) fn costs(&self) -> &[u16] {
        &self.tables().0
    }

    fn tables(&self) -> &(Vec<u16>, u32) {
        self.costs.get_or_init(|| {
            let total: f64 = self.counts.iter().map(|&c| f64::from(c)).sum();
            // Add-half smoothing: an unseen cell costs a little more than
            // one seen once.
            let norm = total + 0.5 * CELLS as f64;
            let cost = |c: f64| (SCALE * (norm / (c + 0.5)).ln()).round().min(65535.0);
            let costs = self
                .counts
                .iter()
                .map(|&c| cost(f64::from(c)) as u16)
                .collect();
            (costs, cost(total * RARE_PER_MILLION / 1e6) as u32)
        })
    }

    /// Whether a character of cost `cost` is rarer than [`RARE_PER_MILLION`].
    pub fn is_rare(&self, cost: u32) -> bool {
        cost >= self.tables().1
    }

    /// What a character of windows-949's extension costs (the plane's
    /// counts do not cover it): a little more than the rare threshold, as
    /// Korean text writes one in about 10,000 syllables.
    pub fn extension_cost(&self) -> u32 {
        self.tables().1 + 4 * SCALE as u32
    }

    /// The cost of a byte string of ASCII and two-byte KS X 1001 characters
    /// (ASCII costs nothing: every reading of a token keeps the same), and
    /// the cost of its rarest character.
    pub fn cost_of_bytes(&self, bytes: &[u8]) -> (u32, u32) {
        let costs = self.costs();
        let (mut total, mut rarest) = (0, 0);
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match bytes.get(i + 1) {
                Some(&t) if is_ks_byte(b) && is_ks_byte(t) => {
                    let c = cell_cost(costs, b, t);
                    total += c;
                    rarest = rarest.max(c);
                    i += 2;
                }
                _ => i += 1,
            }
        }
        (total, rarest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two bytes of a KS X 1001 character.
    fn bytes(c: char) -> (u8, u8) {
        let mut buf = [0; 4];
        let (b, _, _) = EUC_KR.encode(c.encode_utf8(&mut buf));
        (b[0], b[1])
    }

    #[test]
    fn counts_the_planes_characters_and_prices_the_rare_higher() {
        let mut p = SyllablePrior::default();
        assert!(p.is_empty());
        p.add("조심하시고 시고 café ±");
        let (si, sso) = (bytes('시'), bytes('쏜'));
        assert_eq!(si, (0xBD, 0xC3));
        assert_eq!(p.count(si.0, si.1), 2);
        assert_eq!(p.count(sso.0, sso.1), 0);
        assert!(cell_cost(p.costs(), si.0, si.1) < cell_cost(p.costs(), sso.0, sso.1));
        // Latin-1 chars are not counted as the plane's symbols (`±` is
        // `A1 BE`), nor text that is not Korean.
        assert_eq!(bytes('±'), (0xA1, 0xBE));
        assert_eq!(p.count(0xA1, 0xBE), 0);
        let before = p.clone();
        p.add("活科學 中文 조");
        assert_eq!(p.counts, before.counts);
        let merged = p.clone().merge(p);
        assert_eq!(merged.count(si.0, si.1), 4);
    }

    #[test]
    fn pairs_are_counted_with_word_edges_and_merged() {
        let map = cells();
        let mut seen = Vec::new();
        each_pair("휘둘러 a1", |a, b| seen.push((a, b)));
        let s = |c: char| symbol(map, c);
        // Off-plane pairs (`a1`) are not counted; the edges of words are.
        assert_eq!(
            seen,
            [
                (EDGE, s('휘')),
                (s('휘'), s('둘')),
                (s('둘'), s('러')),
                (s('러'), EDGE)
            ]
        );
        assert_eq!(
            (s('a'), s('1'), s('.'), s('é')),
            (LETTER, DIGIT, ASCII, OFF)
        );
        let mut p = SyllablePrior::default();
        p.add("휘둘러 휘둘렀다");
        p.finish();
        // `휘둘` twice is kept; `둘러` once is dropped, its totals stay.
        assert_eq!(p.pairs.pairs.get(pair_key(s('휘'), s('둘'))), 2);
        assert_eq!(p.pairs.pairs.get(pair_key(s('둘'), s('러'))), 0);
        assert_eq!(p.pairs.left[s('둘')], 2);
        let before = p.pair_surprise("휘둘");
        assert!(before < 0.0 && before < p.pair_surprise("히둘"));
        let merged = p.clone().merge(p);
        assert_eq!(merged.pairs.pairs.get(pair_key(s('휘'), s('둘'))), 4);
        assert!(merged.pair_surprise("휘둘") < merged.pair_surprise("히둘"));
        // A prior without pairs (a format 14 model) weighs nothing.
        let mut bare = merged.clone();
        bare.set_pairs(CharPairs::default());
        assert_eq!(bare.pair_surprise("휘둘"), 0.0);
    }
}
