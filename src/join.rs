//! The join: whether a word cut by an injected line break closes up
//! (`restorin`+`g`) or keeps its space (`Nov. 1,`+`in`), learned from the
//! clean-text tables ([`JoinStats`]) and the spacing model ([`Spacing`]).

use serde::{Deserialize, Serialize};

use crate::spacing::Spacing;
use crate::stats::{
    bigram_key, edge_key, side_key, trim_word, word_key, JoinStats, T_ACROSS,
    T_BIGRAM, T_CONTINUES, T_END_AT, T_END_MID, T_INSIDE, T_START_AT, T_START_MID, T_WORDS,
};
use crate::tokens::{is_space_char, Tokenized};

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
pub type JoinModel = crate::learn::Binned;

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
        if l.into_iter().chain(r).any(crate::chars::is_hangul) {
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
        if !self.stats.is_sized() {
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
            b(lastc.is_some_and(crate::chars::is_hangul) && firstc.is_some_and(crate::chars::is_hangul)),
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
    use super::*;

    #[test]
    fn cuts_in_hangul_have_their_own_join_model() {
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
}
