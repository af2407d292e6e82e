//! Where words break: a learned model of whether a space stands between two
//! runs of characters, for the joiner.
//!
//! The joiner's count tables ([`crate::restore::JoinStats`]) say how often a
//! few characters either side of a cut stand inside a word or across a space.
//! Held in fixed hashed tables, the longer of those windows share buckets
//! with a dozen others, and each window is read on its own. This model reads
//! them all at once: a logistic regression over hashed character windows of
//! every width up to three chars a side (`정도|로`, `s|in`, `^초|크랭`),
//! fitted by SGD on every boundary of clean text, inside a word (no space)
//! and between words (one space). A window that shares its bucket is then
//! outweighed by the others, and the widths that matter in one script and
//! not in another are weighed apart. Its logit is one of the joiner's
//! features.

use serde::{Deserialize, Serialize};

use crate::model::{sigmoid, Lexical};

/// Buckets of the hashed window weights (2 bytes each in the model).
pub const SPACING_BITS: u32 = 22;
const SPACING_SIZE: usize = 1 << SPACING_BITS;

/// Chars either side of a boundary the windows reach.
const REACH: usize = 4;

/// The windows (chars left of the boundary, chars right of it).
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

/// A learned model of spacing (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spacing {
    lex: Lexical,
}

/// The [`WINDOWS`] buckets of the boundary between `left` (the chars before
/// it, the last [`REACH`] used) and `right` (the chars after it). A side
/// shorter than a window is padded with a word-edge mark, so a short word
/// is seen whole (`^초|`).
fn buckets(left: &[char], right: &[char], out: &mut [u32; WINDOWS.len()]) {
    let mask = (SPACING_SIZE - 1) as u32;
    let l = left.len();
    for (slot, &(a, b)) in out.iter_mut().zip(WINDOWS.iter()) {
        let mut h: u32 = 0x811C_9DC5 ^ ((a * 4 + b) as u32).wrapping_mul(0x9E37_79B9);
        let mut step = |c: char| {
            h ^= c as u32;
            h = h.wrapping_mul(0x0100_0193);
        };
        for i in 0..a {
            step(if i + l >= a { left[i + l - a] } else { '^' });
        }
        step('|');
        for i in 0..b {
            step(right.get(i).copied().unwrap_or('$'));
        }
        *slot = (h ^ (h >> 15)) & mask;
    }
}

/// Calls `f(left, right, spaced)` for every boundary of a clean document
/// the model learns from: each point inside a word, and each single space
/// between two words on a line. `left` holds at most [`REACH`] chars, the
/// word's own.
fn boundaries(doc: &str, mut f: impl FnMut(&[char], &[char], bool)) {
    crate::tokens::walk_words(doc, |_, cur, prev| {
        let m = cur.len();
        if let Some(p) = prev.filter(|p| p.adjacent) {
            let n = p.chars.len();
            f(
                &p.chars[n.saturating_sub(REACH)..],
                &cur[..m.min(REACH)],
                true,
            );
        }
        for i in 1..m {
            f(
                &cur[i.saturating_sub(REACH)..i],
                &cur[i..m.min(i + REACH)],
                false,
            );
        }
    });
}

impl Spacing {
    /// Fits by SGD on the logistic loss over every boundary of `docs`
    /// (clean text), `epochs` passes in a seeded order: deterministic for
    /// a seed.
    pub fn fit(docs: &[&str], epochs: usize, seed: u64) -> Spacing {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut w = vec![0f32; SPACING_SIZE];
        let mut bias = 0f32;
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut t = 0u64;
        let mut b = [0u32; WINDOWS.len()];
        let norm = 1.0 / (WINDOWS.len() as f32).sqrt();
        let l2 = 1e-7f32;
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &d in &order {
                boundaries(docs[d], |left, right, spaced| {
                    buckets(left, right, &mut b);
                    let z = bias + b.iter().map(|&k| w[k as usize]).sum::<f32>();
                    let g = sigmoid(z) - if spaced { 1.0 } else { 0.0 };
                    t += 1;
                    let lr = 0.1 / (1.0 + t as f32 * 1e-7).sqrt();
                    let step = lr * g * norm;
                    for &k in &b {
                        let wk = &mut w[k as usize];
                        *wk -= step + lr * l2 * *wk;
                    }
                    bias -= lr * g * 0.1;
                });
            }
        }
        Spacing {
            lex: Lexical::new(bias, &w),
        }
    }

    /// The log-odds that a space stands between the chars `left` and the
    /// chars `right` (each a word's, nearest the boundary first used).
    pub fn logit(&self, left: &[char], right: &[char]) -> f32 {
        let mut b = [0u32; WINDOWS.len()];
        let left = &left[left.len().saturating_sub(REACH)..];
        buckets(left, &right[..right.len().min(REACH)], &mut b);
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
