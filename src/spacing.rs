//! Where words break: a learned model of whether a space stands between two
//! runs of characters, for the joiner.
//!
//! The joiner's count tables ([`crate::stats::JoinStats`]) say how often a
//! few characters either side of a cut stand inside a word or across a space.
//! Held in fixed hashed tables, the longer of those windows share buckets
//! with a dozen others, and each window is read on its own. This model reads
//! them all at once: a logistic regression over hashed character windows of
//! every width up to four chars a side (`정도|로`, `s|in`, `^초|크랭`), and
//! over the word so far and the rest of the word each read whole (`^guru|`:
//! a word that ends where it stops), fitted by SGD with AdaGrad steps on
//! every boundary of clean text, inside a word (no space) and between words
//! (one space). A window that shares its bucket is then outweighed by the
//! others, the widths that matter in one script and not in another are
//! weighed apart, and a word seen a handful of times still counts. Its logit
//! is one of the joiner's features.

use serde::{Deserialize, Serialize};

use crate::learn::{sigmoid, Lexical};

/// Buckets of the hashed window weights (2 bytes each in the model).
pub const SPACING_BITS: u32 = 22;
const SPACING_SIZE: usize = 1 << SPACING_BITS;

/// The windows (chars left of the boundary, chars right of it): up to four
/// a side, two syllables of a mojibake page.
const WINDOWS: [(usize, usize); 22] = [
    (4, 0),
    (0, 4),
    (4, 1),
    (1, 4),
    (4, 2),
    (2, 4),
    (4, 3),
    (1, 0),
    (2, 0),
    (3, 0),
    (0, 1),
    (0, 2),
    (0, 3),
    (1, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (3, 1),
    (1, 3),
    (3, 2),
    (2, 3),
    (3, 3),
];

/// Longest word piece an anchored window holds whole (longer ones share
/// one bucket per side).
const ANCHOR: usize = 12;

/// Buckets per boundary: the [`WINDOWS`], then the word so far and the
/// rest of the word, each anchored at its word edge.
const SLOTS: usize = WINDOWS.len() + 2;

/// AdaGrad's base step.
const LEARNING_RATE: f32 = 0.05;

/// A learned model of spacing (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spacing {
    lex: Lexical,
}

/// The [`SLOTS`] buckets of the boundary between `left` (the word so far,
/// from its first char) and `right` (the rest of the word, or the next
/// word, to its last char). The [`WINDOWS`] read the chars
/// nearest the boundary; a side shorter than a window is padded with a
/// word-edge mark, so a short word is seen whole (`^초|`). The last two
/// read each side whole, anchored at its word edge: `^guru|` is a word
/// that ends where it stops, `^restorin|` one that goes on, whatever the
/// chars nearest the cut say.
fn buckets(left: &[char], right: &[char], out: &mut [u32; SLOTS]) {
    let mask = (SPACING_SIZE - 1) as u32;
    let hash = |tag: usize, l: &[char], pad_l: usize, r: &[char], pad_r: usize| {
        let mut h = crate::hash::Fnv32::seeded(tag as u32);
        let mut step = |c: char| h.char(c);
        (0..pad_l).for_each(|_| step('^'));
        l.iter().for_each(|&c| step(c));
        step('|');
        r.iter().for_each(|&c| step(c));
        (0..pad_r).for_each(|_| step('$'));
        h.folded(15) & mask
    };
    let l = left.len();
    for (slot, &(a, b)) in out.iter_mut().zip(WINDOWS.iter()) {
        let (la, rb) = (a.min(l), b.min(right.len()));
        *slot = hash(a * 4 + b, &left[l - la..], a - la, &right[..rb], b - rb);
    }
    // Tags past the windows' (`a * 4 + b`, at most 20).
    const LEFT_TAG: usize = 100;
    const RIGHT_TAG: usize = 101;
    out[WINDOWS.len()] = if l <= ANCHOR {
        hash(LEFT_TAG, left, 1, &[], 0)
    } else {
        hash(LEFT_TAG, &[], 0, &[], 0)
    };
    out[WINDOWS.len() + 1] = if right.len() <= ANCHOR {
        hash(RIGHT_TAG, &[], 0, right, 1)
    } else {
        hash(RIGHT_TAG, &[], 0, &[], 0)
    };
}

/// Calls `f(left, right, spaced)` for every boundary of a clean document
/// the model learns from: each point inside a word, and each single space
/// between two words on a line. `left` is the word so far and `right` the
/// rest of the word (or the next word), each whole.
fn boundaries(doc: &str, mut f: impl FnMut(&[char], &[char], bool)) {
    crate::tokens::walk_words(doc, |_, cur, prev| {
        if let Some(p) = prev.filter(|p| p.adjacent) {
            f(p.chars, cur, true);
        }
        for i in 1..cur.len() {
            f(&cur[..i], &cur[i..], false);
        }
    });
}

impl Spacing {
    /// Fits by SGD (AdaGrad steps) on the logistic loss over every
    /// boundary of `docs` (clean text), `epochs` passes in a seeded order:
    /// deterministic for a seed.
    pub fn fit(docs: &[&str], epochs: usize, seed: u64) -> Spacing {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut w = vec![0f32; SPACING_SIZE];
        // AdaGrad: each bucket's step shrinks with its own squared
        // gradients, so a window seen a handful of times (`^guru|`) learns
        // as far as its evidence goes while common ones settle.
        let mut g2 = vec![0f32; SPACING_SIZE];
        let mut bias = 0f32;
        let mut bias_g2 = 0f32;
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut b = [0u32; SLOTS];
        let norm = 1.0 / (SLOTS as f32).sqrt();
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &d in &order {
                boundaries(docs[d], |left, right, spaced| {
                    buckets(left, right, &mut b);
                    let z = bias + b.iter().map(|&k| w[k as usize]).sum::<f32>();
                    let g = (sigmoid(z) - if spaced { 1.0 } else { 0.0 }) * norm;
                    for &k in &b {
                        let k = k as usize;
                        g2[k] += g * g;
                        w[k] -= LEARNING_RATE * g / (g2[k].sqrt() + 1e-6);
                    }
                    bias_g2 += g * g;
                    bias -= LEARNING_RATE * g / (bias_g2.sqrt() + 1e-6);
                });
            }
        }
        Spacing {
            lex: Lexical::new(bias, &w),
        }
    }

    /// The log-odds that a space stands between `left` (a word so far,
    /// whole) and `right` (the word or word piece after, whole).
    pub fn logit(&self, left: &[char], right: &[char]) -> f32 {
        let mut b = [0u32; SLOTS];
        buckets(left, right, &mut b);
        self.lex.score(&b)
    }

    /// True when the model holds its full table (a file of this build).
    pub fn is_valid(&self) -> bool {
        self.lex.len() == SPACING_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_inside_words_and_at_single_spaces() {
        let mut seen = Vec::new();
        boundaries("ab cd  e\nfg", |l, r, s| {
            seen.push((
                l.iter().collect::<String>(),
                r.iter().collect::<String>(),
                s,
            ))
        });
        let want = [
            ("a", "b", false),
            ("ab", "cd", true),
            ("c", "d", false),
            ("f", "g", false),
        ];
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(l, r, s)| (l.to_string(), r.to_string(), *s))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn anchored_windows_tell_a_whole_word_from_a_tail() {
        let c = |s: &str| s.chars().collect::<Vec<char>>();
        let (mut a, mut b, mut d) = ([0u32; SLOTS], [0u32; SLOTS], [0u32; SLOTS]);
        buckets(&c("guru"), &c("floats"), &mut a);
        buckets(&c("aguru"), &c("floats"), &mut b);
        buckets(&c("guru"), &c("floatsx"), &mut d);
        // Four chars a side read alike; only the word so far differs.
        let n = WINDOWS.len();
        assert_eq!(a[..n], b[..n]);
        assert_ne!(a[n], b[n]);
        assert_eq!(a[n + 1], b[n + 1]);
        // And the rest of the word, read whole, on the right.
        assert_eq!(a[..=n], d[..=n]);
        assert_ne!(a[n + 1], d[n + 1]);
    }

    #[test]
    fn learns_where_a_language_puts_its_spaces() {
        let docs = [
            "the cat sat on the mat\nthe dog sat on the log",
            "a cat and a dog sat on a mat",
        ];
        let docs: Vec<&str> = docs.iter().copied().cycle().take(200).collect();
        let m = Spacing::fit(&docs, 2, 1);
        let c = |s: &str| s.chars().collect::<Vec<char>>();
        // `sat`+`on` is two words; `ca`+`t` one.
        assert!(m.logit(&c("sat"), &c("on")) > 0.0);
        assert!(m.logit(&c("ca"), &c("t")) < 0.0);
    }
}
