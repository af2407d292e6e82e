//! What the models see: hashed character n-grams of a token's reading (for
//! the sparse lexical scorer) and a compact dense vector per token (for the
//! linfa classifier) built from the readings, the lexical scores, the
//! token's place in its line and the document's own script and encoding.

use crate::encoding::{self, Profile, Scratch, View};
use crate::learn;
use crate::tokens::{Token, Tokenized};

/// Number of buckets of the hashed lexical feature space (a power of two).
pub use crate::learn::LEX_SIZE;

/// FNV-1a over u32 code units, seeded by `n` so n-gram orders never collide.
#[inline]
fn hash_chars(n: u32, chars: &[char]) -> u32 {
    let mut h = crate::hash::Fnv32::seeded(n);
    chars.iter().for_each(|&c| h.char(c));
    h.folded(15)
}

/// Normalizes a char for n-grams: ASCII lowercased, digits folded to `0`.
#[inline]
fn norm_char(c: char) -> char {
    if c.is_ascii_digit() {
        '0'
    } else {
        c.to_ascii_lowercase()
    }
}

/// Appends the hashed n-gram buckets (orders 1..=4, with `^`/`$` boundary
/// marks) of `reading` to `out`. `buf` is scratch.
pub fn lexical_buckets(reading: &str, buf: &mut Vec<char>, out: &mut Vec<u32>) {
    buf.clear();
    buf.push('^');
    buf.extend(reading.chars().map(norm_char));
    buf.push('$');
    let mask = (LEX_SIZE - 1) as u32;
    for n in 1..=4usize {
        if buf.len() < n {
            break;
        }
        for w in buf.windows(n) {
            if n == 1 && (w[0] == '^' || w[0] == '$') {
                continue;
            }
            out.push(hash_chars(n as u32, w) & mask);
        }
    }
    // The whole word, and the word less its last char (a particle): legitimate
    // vocabulary is learnable from clean text, while new spam names are not
    // in it, so these push known words down and leave unseen ones alone.
    if buf.len() >= 5 {
        out.push(hash_chars(100, buf) & mask);
        out.push(hash_chars(101, &buf[..buf.len() - 2]) & mask);
    }
}

/// Which part of the scorer builds a dense feature: the token's text alone
/// ([`intrinsic`]: summed once per distinct token and memoized with its
/// facts, [`TokenInfo::parts`], as news repeats its words), the document
/// alone ([`document`]: summed once per document), or the token in its
/// place: its neighbours, its line, its own facts against the document's
/// ([`Analysis::context`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    Intrinsic,
    Document,
    Context,
}
use Part::{Context as C, Document as D, Intrinsic as I};

/// The dense features in the model file's order, each with the part that
/// builds it; each part builds its own in this order. The one list: the
/// names, the parts' widths and their places below are derived from it.
pub const DENSE: [(&str, Part); DENSE_DIM] = [
    ("lex", I),
    ("lex_left", C),
    ("lex_right", C),
    ("is_ascii", I),
    ("raw_hangul", I),
    ("view_cp949", I),
    ("view_cp949_shifted", I),
    ("view_utf8_1252", I),
    ("deobfuscated", I),
    ("hangul_share", I),
    ("ln_hangul", I),
    ("digit_share", I),
    ("domain_like", I),
    ("has_latin1", I),
    ("doc_raw_hangul", D),
    ("doc_mojibake", D),
    ("doc_nonascii", D),
    ("doc_cjk", D),
    ("first_in_line", C),
    ("last_in_line", C),
    ("alone_in_line", C),
    ("prev_line_open", C),
    ("prev_line_present", C),
    ("ln_line_tokens", C),
    ("left_ascii", C),
    ("right_ascii", C),
    ("mojibake_foreign", C),
    ("raw_hangul_foreign", C),
    ("lex_x_raw_doc", C),
    ("lex_x_mojibake_doc", C),
    ("lex_x_latin_doc", C),
    ("cp949_no_hangul", I),
    ("left_hangulish", C),
    ("right_hangulish", C),
    ("ln_chars", I),
    ("ends_sentence", I),
    ("han_or_kana", I),
    ("max_lex_neighbors", C),
    ("enc_matches_doc", C),
    ("lex_x_match", C),
    ("lex_x_mismatch", C),
    ("lead_punct", I),
    ("trail_punct", I),
    ("ln_word_count", I),
    ("ln_stem1_count", I),
    ("ln_stem2_count", I),
    ("spaced_run", C),
    ("cut_remainder", C),
    ("after_sentence_end", C),
    ("ln_tail_len", C),
    ("line_unterminated", C),
    ("cut_join_known", C),
    ("right_lead_punct", C),
    ("left_trail_punct", C),
    ("ln_obfuscation_islands", I),
    ("ln_completes_cut", C),
    ("completes_cut_cp949", C),
    ("lex_over_4", I),
    ("lex_over_8", I),
    ("latin1_unread", I),
];
pub const DENSE_DIM: usize = 60;
/// Names of the dense features, in order (the model file records them so a
/// model built with other features is refused).
pub const DENSE_NAMES: [&str; DENSE_DIM] = names_of(&DENSE, None);

pub const N_INTRINSIC: usize = count_of(&DENSE, I);
pub const N_DOCUMENT: usize = count_of(&DENSE, D);
pub const N_CONTEXT: usize = count_of(&DENSE, C);
/// Each part's feature names, in its builder's order.
pub const INTRINSIC_NAMES: [&str; N_INTRINSIC] = names_of(&DENSE, Some(I));
pub const DOCUMENT_NAMES: [&str; N_DOCUMENT] = names_of(&DENSE, Some(D));
pub const CONTEXT_NAMES: [&str; N_CONTEXT] = names_of(&DENSE, Some(C));
/// Where each part's features sit in the dense vector.
pub const INTRINSIC: [usize; N_INTRINSIC] = learn::positions(&DENSE_NAMES, &INTRINSIC_NAMES);
pub const DOCUMENT: [usize; N_DOCUMENT] = learn::positions(&DENSE_NAMES, &DOCUMENT_NAMES);
pub const CONTEXT: [usize; N_CONTEXT] = learn::positions(&DENSE_NAMES, &CONTEXT_NAMES);

/// How many of `list`'s features `part` builds.
const fn count_of(list: &[(&str, Part)], part: Part) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < list.len() {
        n += (list[i].1 as u8 == part as u8) as usize;
        i += 1;
    }
    n
}

/// The names of `list`'s features that `part` builds (all, for None), in
/// order; `N` must be their count, or the build fails.
const fn names_of<const N: usize>(
    list: &[(&'static str, Part)],
    part: Option<Part>,
) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < list.len() {
        let take = match part {
            Some(p) => list[i].1 as u8 == p as u8,
            None => true,
        };
        if take {
            out[n] = list[i].0;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "a part's width disagrees with its list");
    out
}

/// The index of feature `name` within its group's names, checked at
/// compile time.
macro_rules! at {
    ($group:expr, $name:literal) => {
        const { learn::position(&$group, $name) }
    };
}

/// The length of a context feature buffer: [`N_CONTEXT`] rounded up to
/// whole 8-lane blocks (zeros after), so its dot product has no tail.
pub const CONTEXT_WIDTH: usize = 32;

/// The most a neighbour's lexical score counts for in [`CONTEXT`] features.
pub const NEIGHBOUR_LEX_CAP: f32 = 8.0;

/// The [`INTRINSIC_NAMES`] features of a token with facts `info`, in that order.
pub fn intrinsic(info: &TokenInfo) -> [f32; N_INTRINSIC] {
    let b = |x: bool| f32::from(u8::from(x));
    let p = &info.profile;
    let ln = ln_table();
    let chars = p.chars.max(1) as f32;
    [
        info.lex,
        b(info.ascii),
        b(info.raw_hangul),
        b(info.view == Some(View::Cp949)),
        b(info.view == Some(View::Cp949Shifted)),
        b(info.view == Some(View::Utf8From1252)),
        b(info.deobfuscated),
        p.hangul_share(),
        ln_count(ln, p.hangul),
        p.digits as f32 / chars,
        b(info.domain_like),
        b(info.has_latin1),
        b(info.cp949_no_hangul),
        ln_count(ln, p.chars.max(1) - 1),
        b(info.ends_sentence),
        b(p.han + p.kana > 0),
        b(info.lead_punct),
        b(info.trail_punct),
        info.word_counts[0],
        info.word_counts[1],
        info.word_counts[2],
        ln_count(ln, info.islands.into()),
        // Hinges on the lexical score: clean tokens rarely score above 4
        // (none above 8 on the recipe's test split), while a term the
        // lexicon knows scores 12 and more. A straight weight on `lex`, fitted mostly on spam it has not
        // seen, rises too slowly there to pass a known term standing alone.
        (info.lex - 4.0).max(0.0),
        (info.lex - 8.0).max(0.0),
        // Latin-1 letters or signs that no view reads (`£5.05`, `café`):
        // Western text, where CP949 mojibake comes in pairs that decode.
        b(info.has_latin1
            && info.view == Some(View::Raw)
            && !info.cp949_no_hangul
            && p.hangul == 0),
    ]
}

/// The [`DOCUMENT_NAMES`] features, in that order.
pub fn document(st: &DocStats) -> [f32; N_DOCUMENT] {
    [st.raw_hangul, st.mojibake, st.nonascii, st.cjk]
}

/// Per-token facts gathered once per document.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenInfo {
    pub ascii: bool,
    pub view: Option<View>,
    pub raw_hangul: bool,
    pub deobfuscated: bool,
    pub cp949_no_hangul: bool,
    pub profile: Profile,
    pub domain_like: bool,
    pub has_latin1: bool,
    pub ends_sentence: bool,
    /// How the token is written: 0 ASCII, 1 raw Hangul, 2 Hangul behind a
    /// mis-decoding, 3 other non-ASCII.
    pub class: u8,
    pub lead_punct: bool,
    pub trail_punct: bool,
    /// ln(1 + count) in clean text of the token, and of it less its last one
    /// and two chars (a Korean particle or ending).
    pub word_counts: [f32; 3],
    /// [`encoding::obfuscation_islands`] of the reading (at most 255).
    pub islands: u8,
    /// Part of a run of four or more one-char tokens (`W W W . S S H 9 9 6`).
    pub spaced: bool,
    /// Maybe the rest of a word the injection cut (`restorin\nF g`): the
    /// second token of a line whose previous line ends mid-word.
    pub cut_remainder: bool,
    /// ln(1 + clean-text count) of the word that the previous line's last
    /// token and a token after this one on the same line make when joined
    /// (`restorin` + `g`): this token may sit inside a cut word's gap.
    pub cut_join: f32,
    /// ln(1 + clean-text count) of the word this token makes joined to the
    /// previous line's last token, when that line ends mid-word and this
    /// token is not first on its line: the rest of the cut word, after the
    /// fragment (`show` + `n`). Where the rest holds a char that is neither
    /// letter nor digit, the word up to it counts too (`Stea` + `m¡¯s`:
    /// `Steam`, before the article's own quote).
    pub completes: f32,
    /// As [`TokenInfo::completes`], for a CP949 character the cut split:
    /// the previous line ends in its lead byte and this token starts with
    /// its trail (`Kelly¡` + `¯s`, the article's own quote).
    pub completes_cp949: bool,
    /// Lexical logit; 0 for tokens the lexical scorer was not run on.
    pub lex: f32,
    /// Per group: the first stage's terms of the token's [`INTRINSIC`]
    /// features (0 when the analysis was run without a model).
    pub parts: [f32; REGIMES],
    /// True when the token is a candidate for removal.
    pub candidate: bool,
}

impl TokenInfo {
    /// "Reads as Hangul" in any view.
    pub fn hangulish(&self) -> bool {
        self.profile.hangul > 0
    }
}

/// The kind of document a token sits in. Spam looks different against each
/// background, so each regime has its own token models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    /// Latin, Cyrillic, CJK hosts: Hangul of any reading stands out.
    Foreign = 0,
    /// Korean served as UTF-8: only words tell spam from news.
    Korean = 1,
    /// Korean whose CP949 bytes were mis-decoded as a whole.
    KoreanMojibake = 2,
}

pub const REGIMES: usize = 3;

/// Which token model judges a token. A token written differently from its
/// document (Hangul mojibake in Korean text, raw Hangul in mojibake text,
/// any Hangul in a foreign host) is judged by the foreign model, whatever
/// the document; a token written like its document by its regime's model.
pub fn group(regime: Regime, info: &TokenInfo, st: &DocStats) -> usize {
    let hangulish = info.class == 1 || info.class == 2;
    if regime == Regime::Foreign || (hangulish && info.class != st.main_class) {
        Regime::Foreign as usize
    } else {
        regime as usize
    }
}

impl Regime {
    pub fn of(st: &DocStats) -> Regime {
        if st.raw_hangul >= 0.2 && st.raw_hangul >= st.mojibake {
            Regime::Korean
        } else if st.mojibake >= 0.2 {
            Regime::KoreanMojibake
        } else {
            Regime::Foreign
        }
    }
}

/// Features of the second stage: a token's own first-stage logit and its
/// neighbours' first-stage probabilities, so a run of spam pulls in a
/// domain or a weak word beside it.
pub const STAGE2_NAMES: [&str; STAGE2_DIM] = [
    "z1",
    "p1_left",
    "p1_right",
    "p1_left2",
    "p1_right2",
    "z1_x_ascii",
    "p1_nb_x_ascii",
    "p1_nb_x_domain",
    "p1_nb_x_cut_remainder",
    "p1_nb_x_spaced",
    "doc_max_other",
    "ln_doc_confident_other",
    "echoes_confident",
    "ln_bigram_left",
    "ln_bigram_right",
    "ln_bigram_skip",
    "contains_confident",
    "shares_run_confident",
    "p1_both_neighbours",
];
pub const STAGE2_DIM: usize = 19;

/// What the first stage found in the whole document: injections come
/// several to a page, so one sure fragment makes a doubtful token likelier
/// spam, and a document with none makes it likelier news.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocFirstStage {
    /// The two highest first-stage probabilities and the first one's token.
    pub best: (f32, usize),
    pub second: f32,
    /// Tokens with first-stage probability above 0.9.
    pub confident: u32,
}

/// First-stage probabilities from logits (0 for non-candidates, whose logit
/// is `f32::NEG_INFINITY`), computed once per document for the second stage.
/// Names of the campaign stage's features, which the corpus memory
/// ([`crate::campaign::Campaign::features`]) builds and the growth stage
/// also reads.
pub const CAMPAIGN_NAMES: [&str; CAMPAIGN_DIM] = [
    "z2",
    "ln_found_docs",
    "ln_unfound_docs",
    "ln_found_as_head_docs",
    "ln_clean_count",
    "ln_found_leading_docs",
    "found_share",
    "z2_unshared",
    "found_cover",
];
pub const CAMPAIGN_DIM: usize = 9;

/// Names of the growth stage's features ([`growth_row`]).
pub const GROWTH_NAMES: [&str; GROWTH_DIM] = [
    "z",
    "z1",
    "lex",
    "ln_word_count",
    "ln_stem1_count",
    "ends_sentence",
    "lead_punct",
    "trail_punct",
    "line_first",
    "line_last",
    "hangulish",
    "ascii",
    "domain_like",
    "neighbour_z",
    "has_digit",
    "ln_chars",
    "memory_ln_found_docs",
    "memory_found_share",
];
pub const GROWTH_DIM: usize = 18;

/// Probability below which a token beside a removed run is not offered to
/// the growth stage: it stays. Keeps the second stage's floor exact
/// ([`crate::model::Model::find_spans`]).
pub const GROWTH_MIN_P: f32 = 0.05;

/// The growth stage's features of token `tok` (`info`), with first-stage
/// logit `z1` and probability `p` (second stage, then the memory's):
/// whether a token beside a removed run goes with it is not its probability
/// alone. A suffix word after a name (`5만`, `설치`) goes; the article's
/// own word at a line's end, or an unknown word of a review beside a
/// fragment, stays, however its neighbour lifted its probability.
/// `neighbour_p` is the larger probability of its neighbours on the line,
/// `memory` its row of the campaign stage ([`crate::campaign::Campaign::features`]),
/// if it has one.
pub fn growth_row(
    tok: &Token,
    info: &TokenInfo,
    z1: f32,
    p: f32,
    neighbour_p: f32,
    memory: Option<&[f32; CAMPAIGN_DIM]>,
) -> [f32; GROWTH_DIM] {
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    // The growth stage was fitted with this clamp; it must score with it.
    let logit = |p: f32| crate::learn::logit_within(p, 1e-9, 1.0 - 1e-6);
    [
        logit(p),
        z1.clamp(-30.0, 30.0),
        info.lex,
        info.word_counts[0],
        info.word_counts[1],
        b(info.ends_sentence),
        b(info.lead_punct),
        b(info.trail_punct),
        b(tok.first),
        b(tok.last),
        b(info.hangulish()),
        b(info.class == 0),
        b(info.domain_like),
        logit(neighbour_p),
        b(info.profile.digits > 0),
        (info.profile.chars as f32).ln_1p(),
        memory.map_or(0.0, |m| m[at!(CAMPAIGN_NAMES, "ln_found_docs")]),
        memory.map_or(0.0, |m| m[at!(CAMPAIGN_NAMES, "found_share")]),
    ]
}

pub fn first_stage_probs(z1: &[f32], out: &mut Vec<f32>) {
    out.clear();
    out.extend(z1.iter().map(|&z| {
        if z == f32::NEG_INFINITY {
            0.0
        } else {
            crate::learn::sigmoid(z)
        }
    }));
}

impl DocFirstStage {
    /// Summarizes first-stage probabilities `p1` ([`first_stage_probs`]).
    pub fn of(p1: &[f32]) -> DocFirstStage {
        let mut d = DocFirstStage {
            best: (0.0, usize::MAX),
            second: 0.0,
            confident: 0,
        };
        for (i, &p) in p1.iter().enumerate() {
            if p > 0.9 {
                d.confident += 1;
            }
            if p > d.best.0 {
                d.second = d.best.0;
                d.best = (p, i);
            } else if p > d.second {
                d.second = p;
            }
        }
        d
    }
}

/// Builds the second-stage features of token `i` from first-stage logits
/// `z1` (non-candidates hold `f32::NEG_INFINITY`) and their probabilities `p1`.
/// Always inlined: called once per candidate token, the call and the copy of
/// its returned array cost a good part of the work.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn stage2(
    tok: &[Token],
    info: &[TokenInfo],
    z1: &[f32],
    p1: &[f32],
    doc: &DocFirstStage,
    echo: &[u8],
    fluency: &[[f32; 3]],
    i: usize,
) -> [f32; STAGE2_DIM] {
    let p = |j: usize| p1[j];
    // A spaced run (`W W W . X`) is judged by what borders the whole run.
    let (mut a, mut b) = (i, i);
    if info[i].spaced {
        while !tok[a].first && info[a - 1].spaced {
            a -= 1;
        }
        while !tok[b].last && info[b + 1].spaced {
            b += 1;
        }
    }
    let left = (!tok[a].first).then(|| a - 1);
    let right = (!tok[b].last).then(|| b + 1);
    let left2 = left.filter(|&j| !tok[j].first).map(|j| j - 1);
    let right2 = right.filter(|&j| !tok[j].last).map(|j| j + 1);
    let (pl, pr) = (left.map_or(0.0, p), right.map_or(0.0, p));
    let ascii = if info[i].ascii { 1.0 } else { 0.0 };
    let z = z1[i].max(-30.0);
    let nb = pl.max(pr);
    let f = |x: bool| if x { nb } else { 0.0 };
    let flag = |x: bool| if x { 1.0 } else { 0.0 };
    let echo_bits = echo.get(i).copied().unwrap_or(0);
    let me = &info[i];
    [
        z,
        pl,
        pr,
        left2.map_or(0.0, p),
        right2.map_or(0.0, p),
        z * ascii,
        nb * ascii,
        f(me.domain_like),
        f(me.cut_remainder),
        f(me.spaced),
        if doc.best.1 == i {
            doc.second
        } else {
            doc.best.0
        },
        ln_1p_count(doc.confident.saturating_sub((p(i) > 0.9) as u32)),
        flag(echo_bits & ECHOES != 0),
        fluency.get(i).map_or(0.0, |f| f[0]),
        fluency.get(i).map_or(0.0, |f| f[1]),
        fluency.get(i).map_or(0.0, |f| f[2]),
        flag(echo_bits & CONTAINS_SURE != 0),
        flag(echo_bits & SHARES_RUN != 0),
        // Between two sure tokens, a weak word is most likely the fragment's
        // own (a sum of the two cannot say "both").
        pl.min(pr),
    ]
}

/// First-stage probability below which a token's [`fluency`] is not looked
/// up (it stays news whatever its neighbours).
pub const FLUENCY_MIN_P1: f32 = 0.01;

/// An upper bound of the second-stage logit (weights `w`, intercept `b`)
/// of token `i`, whose first-stage probability is below
/// [`FLUENCY_MIN_P1`], found without building its [`stage2`] features:
/// its own logit, the document's terms, its echo and its flags are known;
/// its neighbours' probabilities are taken at their worst (0 or 1); its
/// [`fluency`] is never looked up (0). Most tokens of a news document are
/// dismissed by it at once. `INFINITY` for weights of the wrong width.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn stage2_upper(
    w: &[f32],
    b: f32,
    info: &TokenInfo,
    i: usize,
    z1: f32,
    doc: &DocFirstStage,
    echo: u8,
) -> f32 {
    let Some(w) = w.first_chunk::<STAGE2_DIM>() else {
        return f32::INFINITY;
    };
    let pos = |j: usize| w[j].max(0.0);
    macro_rules! w {
        ($name:literal) => {
            at!(STAGE2_NAMES, $name)
        };
    }
    let z = z1.max(-30.0);
    let mut ub = b
        + w[w!("z1")] * z
        + pos(w!("p1_left"))
        + pos(w!("p1_right"))
        + pos(w!("p1_left2"))
        + pos(w!("p1_right2"))
        + pos(w!("p1_both_neighbours"));
    if info.ascii {
        ub += w[w!("z1_x_ascii")] * z + pos(w!("p1_nb_x_ascii"));
    }
    let flag = |x: bool, j: usize| if x { pos(j) } else { 0.0 };
    ub += flag(info.domain_like, w!("p1_nb_x_domain"))
        + flag(info.cut_remainder, w!("p1_nb_x_cut_remainder"))
        + flag(info.spaced, w!("p1_nb_x_spaced"));
    ub += w[w!("doc_max_other")]
        * if doc.best.1 == i {
            doc.second
        } else {
            doc.best.0
        };
    ub += w[w!("ln_doc_confident_other")] * ln_1p_count(doc.confident);
    if echo & ECHOES != 0 {
        ub += w[w!("echoes_confident")];
    }
    if echo & CONTAINS_SURE != 0 {
        ub += w[w!("contains_confident")];
    }
    if echo & SHARES_RUN != 0 {
        ub += w[w!("shares_run_confident")];
    }
    ub
}

/// Per token: ln(1 + count) in clean text of the word pair it makes with its
/// left and with its right neighbour on the line, and of the pair its two
/// neighbours make without it. An ad dropped into a sentence breaks both
/// pairs and leaves a pair that reads on (`praised by the 식보 Berlin`); a
/// news word that only looks like spam (`도박 사이트 접속`) sits in pairs the
/// clean text has. Looked up only for tokens the first stage doubts, to keep
/// the hot path cheap.
pub fn fluency(
    doc: &str,
    tok: &[Token],
    p1: &[f32],
    stats: &crate::stats::JoinStats,
    out: &mut Vec<[f32; 3]>,
) {
    out.clear();
    out.resize(tok.len(), [0.0; 3]);
    // Each word's key is hashed once (doubted tokens cluster, so neighbours
    // are shared): a (token, key) window of the last three keys hashed.
    let mut memo = [(usize::MAX, 0u64); 3];
    let mut key = |j: usize| {
        if let Some(&(_, k)) = memo.iter().find(|m| m.0 == j) {
            return k;
        }
        let k = crate::stats::word_key(&doc[tok[j].start..tok[j].end]);
        memo = [memo[1], memo[2], (j, k)];
        k
    };
    for (i, t) in tok.iter().enumerate() {
        if p1.get(i).is_none_or(|&p| p < FLUENCY_MIN_P1) {
            continue;
        }
        let left = (!t.first).then(|| key(i - 1));
        let me = key(i);
        let right = (!t.last).then(|| key(i + 1));
        if let Some(l) = left {
            out[i][0] = ln_1p_count(stats.bigram_count_keys(l, me));
        }
        if let Some(r) = right {
            out[i][1] = ln_1p_count(stats.bigram_count_keys(me, r));
        }
        if let (Some(l), Some(r)) = (left, right) {
            out[i][2] = ln_1p_count(stats.bigram_count_keys(l, r));
        }
    }
}

/// First-stage probability above which a token teaches the document its
/// spam words ([`echoes`]).
const ECHO_SURE: f32 = 0.8;

/// Reusable buffers for [`echoes`].
#[derive(Debug, Default, Clone)]
pub struct EchoScratch {
    /// The document's words, each read once: (token index, its word's
    /// range in `text`), and which of them are sure.
    words: Vec<(usize, std::ops::Range<usize>)>,
    text: String,
    sure: Vec<usize>,
    core: String,
    deob: String,
    scratch: Scratch,
}

/// The Hangul of `token`'s reading (decoded, de-obfuscated) into `ex.core`,
/// decoding again only when the reading is not the token itself; None when
/// it has fewer than two syllables (known from `info` without decoding).
pub fn hangul_core<'e>(
    token: &str,
    info: &TokenInfo,
    ex: &'e mut EchoScratch,
    prior: Option<&encoding::SyllablePrior>,
) -> Option<&'e str> {
    if info.profile.hangul < 2 {
        return None;
    }
    let reading: &str = if info.view == Some(View::Raw) && !info.deobfuscated {
        token
    } else {
        let view = encoding::best_reading(token, &mut ex.scratch, prior);
        let reading: &str = if view == View::Raw {
            token
        } else {
            &ex.scratch.reading
        };
        if encoding::deobfuscate(reading, &mut ex.deob) {
            &ex.deob
        } else {
            reading
        }
    };
    ex.core.clear();
    ex.core
        .extend(reading.chars().filter(|&c| encoding::is_hangul(c)));
    Some(&ex.core)
}

/// [`echoes`] bit: the token's whole Hangul occurs inside a sure token.
pub const ECHOES: u8 = 1;
/// [`echoes`] bit: a sure token's whole Hangul occurs inside the token's,
/// which holds more.
pub const CONTAINS_SURE: u8 = 2;
/// [`echoes`] bit: the token's Hangul and a sure token's share a run of
/// `SHARED_RUN_MIN` syllables or more (`푸시게이밍고스톱` beside a sure
/// `푸시게이밍먹튀없는`), neither holding the other.
pub const SHARES_RUN: u8 = 4;
/// Syllables in a run two tokens share for [`SHARES_RUN`]: two-syllable
/// runs are common words (`게임`, `사이`).
const SHARED_RUN_MIN: usize = 3;

/// Whether `a` and `b` have a common run of at least `min` (1 or more)
/// chars: some `min`-char window of `a` occurs in `b`.
fn shares_run(a: &str, b: &str, min: usize) -> bool {
    let ends = a
        .char_indices()
        .map(|(k, c)| k + c.len_utf8())
        .skip(min.max(1) - 1);
    a.char_indices()
        .zip(ends)
        .any(|((start, _), end)| b.contains(&a[start..end]))
}

/// Marks the Hangul tokens whose whole Hangul (two syllables or more) occurs
/// inside a token the first stage is sure of, elsewhere in the document
/// ([`ECHOES`]), or holds a sure token's whole Hangul and more
/// ([`CONTAINS_SURE`]).
///
/// A new site name first shows itself glued to a known suffix or beside a
/// domain (`섯다가입머니`); the same page then repeats it bare (`섯다`),
/// where no lexicon could know it. The page teaches its own spam words. And
/// a name it shows bare comes back glued to an unknown one
/// (`하이로우` and `하이로우고스톱`).
pub fn echoes(
    doc: &str,
    tok: &[Token],
    info: &[TokenInfo],
    p1: &[f32],
    ex: &mut EchoScratch,
    prior: Option<&encoding::SyllablePrior>,
    out: &mut Vec<u8>,
) {
    out.clear();
    out.resize(tok.len(), 0);
    let is_sure = |i: usize| p1.get(i).is_some_and(|&p| p > ECHO_SURE);
    // Most documents have no sure Hangul token, and then nothing to read.
    if !(0..tok.len()).any(|i| is_sure(i) && info[i].hangulish()) {
        return;
    }
    // Each word read once (a mojibake token's reading may run the CP949
    // view's dynamic program), then compared with the sure ones.
    let (mut words, mut text, mut sure) = (
        std::mem::take(&mut ex.words),
        std::mem::take(&mut ex.text),
        std::mem::take(&mut ex.sure),
    );
    words.clear();
    text.clear();
    sure.clear();
    for (i, t) in tok.iter().enumerate() {
        if !info[i].hangulish() || !(info[i].candidate || is_sure(i)) {
            continue;
        }
        if let Some(core) = hangul_core(&doc[t.start..t.end], &info[i], ex, prior) {
            if is_sure(i) {
                sure.push(words.len());
            }
            let at = text.len();
            text.push_str(core);
            words.push((i, at..text.len()));
        }
    }
    for (i, r) in words.iter().filter(|(i, _)| info[*i].candidate) {
        let core = &text[r.clone()];
        let others = || {
            sure.iter()
                .map(|&k| &words[k])
                .filter(|(j, _)| j != i)
                .map(|(_, r)| &text[r.clone()])
        };
        let echoes = others().any(|s| s.contains(core));
        let contains = others().any(|s| core.len() > s.len() && core.contains(s));
        let shares = !echoes && !contains && others().any(|s| shares_run(core, s, SHARED_RUN_MIN));
        out[*i] = if echoes { ECHOES } else { 0 }
            | if contains { CONTAINS_SURE } else { 0 }
            | if shares { SHARES_RUN } else { 0 };
    }
    (ex.words, ex.text, ex.sure) = (words, text, sure);
}

/// Document-level shares over its tokens.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocStats {
    pub raw_hangul: f32,
    pub mojibake: f32,
    pub nonascii: f32,
    pub cjk: f32,
    /// The most common [`TokenInfo::class`] among non-ASCII tokens.
    pub main_class: u8,
}

/// Punctuation that wraps a word quoted or mentioned in a sentence
/// (`(바다이야기)`, `“토토”,`); injected fragments stand bare.
fn is_wrapping_punct(c: char) -> bool {
    // Only marks that CP949 mojibake cannot produce: ASCII (never a CP949
    // lead byte) and CJK brackets. Latin-1 `·` or windows-1252 curly quotes
    // are bytes of mojibake Hangul.
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '"'
            | '\''
            | ','
            | ':'
            | ';'
            | '!'
            | '?'
            | '「'
            | '」'
            | '『'
            | '』'
            | '<'
            | '>'
            | '《'
            | '》'
    )
}

/// True when a token as written ends a sentence (`다.`, `said.”`, `?)`).
fn ends_sentence_raw(s: &str) -> bool {
    let s = s.trim_end_matches(['"', '\'', '”', '’', ')', '」', '』', ']']);
    s.ends_with(['.', '!', '?', '。'])
}

/// True for things shaped like a domain or URL (`sogo99.com`, `www.x.kr`).
pub fn domain_like(s: &str) -> bool {
    let not_alnum = |c: char| !crate::encoding::is_alnum(c);
    // Without a dot only the prefix can tell: the end need not be trimmed.
    let l = if s.contains('.') {
        s.trim_matches(not_alnum)
    } else {
        s.trim_start_matches(not_alnum)
    };
    let starts =
        |p: &str| l.len() >= p.len() && l.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    if starts("www") || starts("http") {
        return true;
    }
    match l.rfind('.') {
        Some(i) if i > 0 && i + 2 <= l.len() => {
            let tld = &l[i + 1..];
            tld.len() >= 2 && tld.len() <= 4 && tld.bytes().all(|c| c.is_ascii_alphabetic())
        }
        _ => false,
    }
}

/// Buffers for computing token facts, reused across tokens and documents.
#[derive(Debug, Default, Clone)]
struct FactBufs {
    scratch: Scratch,
    deob: String,
    chars: Vec<char>,
    buckets: Vec<u32>,
}

/// The lexical scorer: a token reading's hashed n-gram buckets to its score.
pub type LexScore<'a> = &'a dyn Fn(&[u32]) -> f32;
/// A token's intrinsic first-stage terms, one per regime, from its facts.
pub type IntrinsicParts<'a> = &'a dyn Fn(&TokenInfo) -> [f32; REGIMES];

/// The facts of candidate token `s` that depend on its text alone (its
/// readings, lexical score, clean-text counts): from the memo when it holds
/// them (in `set`, from [`TokenCache::locate`]), else computed, memoized, and
/// the token's lexical buckets shown to `on_buckets`. An ASCII token's
/// reading is itself.
#[allow(clippy::too_many_arguments)]
fn token_facts(
    cache: &mut TokenCache,
    bufs: &mut FactBufs,
    s: &str,
    set: u32,
    lex: Option<LexScore<'_>>,
    words: Option<&crate::stats::JoinStats>,
    parts: Option<IntrinsicParts<'_>>,
    on_buckets: impl FnOnce(&[u32]),
) -> TokenInfo {
    let mut info = TokenInfo {
        ascii: s.is_ascii(),
        candidate: true,
        ..TokenInfo::default()
    };
    if cache.get(set, s.as_bytes(), &mut info) {
        return info;
    }
    let FactBufs {
        scratch,
        deob,
        chars,
        buckets,
    } = bufs;
    let reading: &str = if info.ascii {
        s
    } else {
        let prior = words.and_then(|w| w.prior());
        let view = encoding::best_reading(s, scratch, prior);
        info.view = Some(view);
        info.raw_hangul = view == View::Raw && s.chars().any(encoding::is_hangul);
        info.has_latin1 = s.chars().any(encoding::is_latin1_high);
        // best_reading leaves the raw token when no Hangul came out.
        info.cp949_no_hangul = view == View::Raw
            && info.has_latin1
            && encoding::read_cp949(s, scratch, prior).is_some();
        let reading: &str = if view == View::Raw {
            s
        } else {
            &scratch.reading
        };
        info.deobfuscated = encoding::deobfuscate(reading, deob);
        if info.deobfuscated {
            info.islands = encoding::obfuscation_islands(reading).min(255) as u8;
        }
        let reading: &str = if info.deobfuscated { deob } else { reading };
        info.ends_sentence = reading.ends_with(['.', '!', '?']);
        reading
    };
    info.profile = Profile::of(reading);
    if !info.ascii {
        info.class = if info.raw_hangul {
            1
        } else if info.profile.hangul > 0 {
            2
        } else {
            3
        };
    }
    info.domain_like = domain_like(reading);
    info.lead_punct = s.starts_with(is_wrapping_punct);
    info.trail_punct = s.ends_with(is_wrapping_punct);
    if let Some(w) = words {
        info.word_counts = word_counts(w, s);
    }
    buckets.clear();
    lexical_buckets(reading, chars, buckets);
    if let Some(f) = lex {
        info.lex = f(buckets).clamp(-20.0, 20.0);
    }
    if let Some(f) = parts {
        info.parts = f(&info);
    }
    on_buckets(buckets);
    cache.put(set, s.as_bytes(), &info);
    info
}

/// Longest token (in bytes) the [`TokenCache`] keeps: one slot is one
/// 64-byte cache line.
const CACHE_KEY_MAX: usize = 24;
/// log2 of the number of slots all threads' memos hold together: 64 MB.
const CACHE_BUDGET_BITS: u32 = 20;
/// log2 of the slots of one thread's memo, at least and at most: 8 MB to
/// 32 MB. Korean news has about 170,000 distinct words in 7 MB, so a
/// larger memo keeps more of them (32 MB ran about 7% faster than 16 MB on
/// the bench's Korean news, one thread); more threads share the budget.
const CACHE_BITS_MIN: u32 = 17;
const CACHE_BITS_MAX: u32 = 19;

/// log2 of the slots of the memo of a thread of a pool of `threads`.
fn cache_bits(threads: usize) -> u32 {
    let per_thread = (1usize << CACHE_BUDGET_BITS) / threads.max(1);
    per_thread.ilog2().clamp(CACHE_BITS_MIN, CACHE_BITS_MAX)
}
/// Slots per set: a key may sit in either slot of its set, so two frequent
/// words whose hashes meet both stay (with one slot per key, such pairs
/// evicted each other on every use: most misses on repeated news).
const CACHE_WAYS: usize = 2;

/// A per-thread memo of `token_facts`, keyed by the token's exact bytes.
///
/// News repeats its words, and a hit skips the decoding views, the lexical
/// n-grams and the clean-text look-ups (each a miss in a multi-megabyte
/// table) for one read of one cache line. The facts depend on the model's
/// lexical scorer and word table, so the memo belongs to one model (`owner`)
/// and is emptied when another model uses the thread. Keys are compared in
/// full: a hit is exact. Sets of `CACHE_WAYS` slots fill one 128-byte
/// aligned pair of cache lines; a new key takes the set's first slot and
/// moves the one there to the second (the older of the two goes).
#[derive(Debug, Default, Clone)]
pub struct TokenCache {
    /// The model the entries were computed with; 0: caching off.
    owner: u64,
    /// log2 of the number of slots, once allocated ([`cache_bits`]).
    bits: u32,
    slots: Vec<CacheSlot>,
}

/// One memo entry, packed into a cache line. Counts fit in a byte because a
/// key of at most [`CACHE_KEY_MAX`] bytes has no longer reading.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct CacheSlot {
    // The floats first, so no padding falls between the fields.
    lex: f32,
    word_counts: [f32; 3],
    parts: [f32; REGIMES],
    /// Key length; `u8::MAX` marks an empty slot.
    len: u8,
    key: [u8; CACHE_KEY_MAX],
    /// chars, hangul, han, kana, ascii_alnum, digits, other.
    profile: [u8; 7],
    /// [`View`] as 0..=3.
    view: u8,
    class: u8,
    islands: u8,
    /// raw_hangul, deobfuscated, cp949_no_hangul, domain_like, has_latin1,
    /// ends_sentence, lead_punct, trail_punct.
    flags: u8,
}

/// Asks the kernel to back `v`'s reserved, untouched buffer with 2 MB pages
/// where it may: the memo is read at random over many MB, and with 4 KB pages
/// nearly every look-up would miss the TLB too. Only a hint; nothing else
/// changes when it is refused.
fn huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let (a, b) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if a < b {
            // SAFETY: [a, b) lies inside the buffer `v` owns, and
            // MADV_HUGEPAGE changes how pages are backed, not their contents.
            unsafe { libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

// A slot is one cache line, which a key of [`CACHE_KEY_MAX`] bytes fills.
const _: () = assert!(
    std::mem::size_of::<CacheSlot>() == 64 && 4 * (1 + 3 + REGIMES) + 1 + CACHE_KEY_MAX + 11 == 64
);

const EMPTY_SLOT: CacheSlot = CacheSlot {
    len: u8::MAX,
    key: [0; CACHE_KEY_MAX],
    lex: 0.0,
    word_counts: [0.0; 3],
    parts: [0.0; REGIMES],
    profile: [0; 7],
    view: 0,
    class: 0,
    islands: 0,
    flags: 0,
};

/// Whether `stored` begins with `key`, by word loads (the last word
/// overlapping the one before): the slice comparison called `memcmp` for
/// these short keys, a few percent of a Korean run. False for a key longer
/// than `stored`.
#[inline]
fn key_eq(stored: &[u8; CACHE_KEY_MAX], key: &[u8]) -> bool {
    let n = key.len();
    let Some(s) = stored.get(..n) else {
        return false;
    };
    if n >= 8 {
        let mut k = 0;
        while k + 8 < n {
            if w8(s, k) != w8(key, k) {
                return false;
            }
            k += 8;
        }
        w8(s, n - 8) == w8(key, n - 8)
    } else if n >= 4 {
        w4(s, 0) == w4(key, 0) && w4(s, n - 4) == w4(key, n - 4)
    } else {
        s == key
    }
}

/// The 8 bytes of `b` from `k` as one word (0 past the end; [`key_eq`]
/// reads only whole words of both keys).
#[inline(always)]
fn w8(b: &[u8], k: usize) -> u64 {
    b.get(k..)
        .and_then(|r| r.first_chunk::<8>())
        .map_or(0, |c| u64::from_le_bytes(*c))
}

/// [`w8`] for 4 bytes.
#[inline(always)]
fn w4(b: &[u8], k: usize) -> u32 {
    b.get(k..)
        .and_then(|r| r.first_chunk::<4>())
        .map_or(0, |c| u32::from_le_bytes(*c))
}

impl TokenCache {
    /// What [`TokenCache::locate`] gives a key the memo does not keep.
    const NO_SET: u32 = u32::MAX;

    /// The first slot of `key`'s set; [`TokenCache::NO_SET`] when the memo
    /// is off or the key too long to keep.
    #[inline]
    fn locate(&self, key: &[u8]) -> u32 {
        if self.owner == 0 || key.len() > CACHE_KEY_MAX {
            return Self::NO_SET;
        }
        self.set(key) as u32
    }

    /// Starts loading `set`'s cache lines (a hint: a look-up a little later
    /// then finds them loaded instead of stalling on a miss); none for
    /// [`TokenCache::NO_SET`].
    #[inline]
    fn prefetch(&self, set: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(ways) = self.slots.get(set as usize..set as usize + CACHE_WAYS) {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let p = ways.as_ptr() as *const i8;
            // SAFETY: prefetching never faults, and both lines are inside
            // `ways` (two 64-byte slots).
            unsafe {
                _mm_prefetch(p, _MM_HINT_T0);
                _mm_prefetch(p.add(64), _MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = set;
    }

    /// The index of the first slot of `key`'s set.
    #[inline]
    fn set(&self, key: &[u8]) -> usize {
        // FxHash-style mixing over 8-byte words, then the top bits.
        use crate::hash::{fx_step, GOLDEN64};
        let mut h = (key.len() as u64).wrapping_mul(GOLDEN64);
        let mut chunks = key.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = fx_step(h, w);
        }
        let mut w = 0u64;
        for (k, &b) in chunks.remainder().iter().enumerate() {
            w |= (b as u64) << (8 * k);
        }
        h = fx_step(h, w);
        (h >> (64 - self.bits)) as usize & !(CACHE_WAYS - 1)
    }

    /// The memoized facts of `key` (in `set`) written into `info`, which
    /// keeps only its defaults.
    #[inline]
    fn get(&self, set: u32, key: &[u8], info: &mut TokenInfo) -> bool {
        let Some(ways) = self.slots.get(set as usize..set as usize + CACHE_WAYS) else {
            return false;
        };
        let Some(e) = ways
            .iter()
            .find(|e| e.len as usize == key.len() && key_eq(&e.key, key))
        else {
            return false;
        };
        // Unpacked by hand: `array::map` here compiled to a call per element
        // through `Drain`, about 5% of a Korean run.
        let pr = &e.profile;
        let (chars, hangul, han, kana) = (pr[0] as u32, pr[1] as u32, pr[2] as u32, pr[3] as u32);
        let (ascii_alnum, digits, other) = (pr[4] as u32, pr[5] as u32, pr[6] as u32);
        let f = |k: u8| e.flags & (1 << k) != 0;
        // Class 0: an ASCII candidate, which has no reading.
        let ascii = e.class == 0;
        *info = TokenInfo {
            ascii,
            view: if ascii { None } else { View::from_index(e.view) },
            raw_hangul: f(0),
            deobfuscated: f(1),
            cp949_no_hangul: f(2),
            profile: Profile {
                chars,
                hangul,
                han,
                kana,
                ascii_alnum,
                digits,
                other,
            },
            domain_like: f(3),
            has_latin1: f(4),
            ends_sentence: f(5),
            class: e.class,
            islands: e.islands,
            lead_punct: f(6),
            trail_punct: f(7),
            word_counts: e.word_counts,
            lex: e.lex,
            parts: e.parts,
            candidate: true,
            ..TokenInfo::default()
        };
        true
    }

    /// Keeps the facts of `key` in `set`.
    #[inline]
    fn put(&mut self, set: u32, key: &[u8], info: &TokenInfo) {
        let p = &info.profile;
        let counts = [
            p.chars,
            p.hangul,
            p.han,
            p.kana,
            p.ascii_alnum,
            p.digits,
            p.other,
        ];
        let Some(ways) = self.slots.get_mut(set as usize..set as usize + CACHE_WAYS) else {
            return;
        };
        if key.len() > CACHE_KEY_MAX || counts.iter().any(|&c| c > u8::MAX as u32) {
            return;
        }
        let flags = [
            info.raw_hangul,
            info.deobfuscated,
            info.cp949_no_hangul,
            info.domain_like,
            info.has_latin1,
            info.ends_sentence,
            info.lead_punct,
            info.trail_punct,
        ]
        .iter()
        .enumerate()
        .fold(0u8, |acc, (k, &b)| acc | ((b as u8) << k));
        if ways[0].len != u8::MAX {
            ways.copy_within(..CACHE_WAYS - 1, 1);
        }
        let e = &mut ways[0];
        e.len = key.len() as u8;
        e.key[..key.len()].copy_from_slice(key);
        e.lex = info.lex;
        e.word_counts = info.word_counts;
        e.parts = info.parts;
        for (d, &c) in e.profile.iter_mut().zip(&counts) {
            *d = c as u8;
        }
        e.view = info.view.map_or(0, View::index);
        e.class = info.class;
        e.islands = info.islands;
        e.flags = flags;
    }
}

/// What the dense features of a token read of its line.
#[derive(Debug, Clone, Copy)]
struct LineFacts {
    /// The previous line ends in text, and that text ends mid-word
    /// (alphanumeric); false for the first line.
    prev_present: bool,
    prev_open: bool,
    /// The index of the line's last token that ends a sentence (`u32::MAX`:
    /// none), and whether its last token does.
    last_end: u32,
    closed: bool,
    /// ln(1 + tokens on the line).
    ln_tokens: f32,
    /// The index past the line's last token.
    end_token: u32,
}

/// Reusable per-thread buffers for one document's analysis.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub tok: Tokenized,
    /// Per line: what the dense features read of it and of the line before,
    /// computed once per document.
    lines: Vec<LineFacts>,
    joined: String,
    /// Per token: its memo set ([`TokenCache::locate`]), for non-ASCII tokens.
    sets: Vec<u32>,
    pub info: Vec<TokenInfo>,
    /// A missing neighbour (a line's first or last token has none), whose
    /// dense features all read as 0: the default facts.
    no_neighbour: TokenInfo,
    pub stats: DocStats,
    bufs: FactBufs,
    cache: TokenCache,
}

impl Analysis {
    /// Memoizes per-token facts across documents for the model `owner` (a
    /// [`crate::model::Model::id`]; 0 turns the memo off). While it is on,
    /// [`Analysis::run`] calls its `on_buckets` only for tokens it computes.
    pub fn cache_for(&mut self, owner: u64) {
        if self.cache.owner == owner {
            return;
        }
        self.cache.owner = owner;
        self.cache.slots.clear();
        if owner != 0 {
            if self.cache.slots.capacity() == 0 {
                // Sized once, by the pool this thread works in.
                self.cache.bits = cache_bits(rayon::current_num_threads());
                self.cache.slots.reserve_exact(1 << self.cache.bits);
                huge_pages(&mut self.cache.slots);
            }
            self.cache.slots.resize(1 << self.cache.bits, EMPTY_SLOT);
        }
    }

    /// Tokenizes `doc` and gathers per-token facts; `lex` scores a list of
    /// hashed buckets (None: skip lexical scoring, e.g. while collecting
    /// training rows before a lexical model exists). `on_reading` sees each
    /// candidate token's index and final reading's buckets.
    pub fn run(
        &mut self,
        doc: &str,
        lex: Option<LexScore<'_>>,
        words: Option<&crate::stats::JoinStats>,
        parts: Option<IntrinsicParts<'_>>,
        mut on_buckets: impl FnMut(usize, &[u32]),
    ) {
        self.tok.split(doc);
        self.info.clear();
        let n = self.tok.tokens.len();
        self.info.resize(n, TokenInfo::default());
        // Locate and prefetch every non-ASCII token's memo set first, then
        // look them up: their cache misses overlap instead of stalling the
        // look-ups one by one.
        self.sets.clear();
        for (t, info) in self.tok.tokens.iter().zip(&mut self.info) {
            let s = &doc[t.start..t.end];
            info.ascii = s.is_ascii();
            let set = if info.ascii {
                TokenCache::NO_SET
            } else {
                self.cache.locate(s.as_bytes())
            };
            self.cache.prefetch(set);
            self.sets.push(set);
        }
        let (mut raw_h, mut moj, mut nonascii, mut cjk) = (0u32, 0u32, 0u32, 0u32);
        for (i, t) in self.tok.tokens.iter().enumerate() {
            let info = &mut self.info[i];
            if info.ascii {
                continue;
            }
            let s = &doc[t.start..t.end];
            nonascii += 1;
            *info = token_facts(
                &mut self.cache,
                &mut self.bufs,
                s,
                self.sets[i],
                lex,
                words,
                parts,
                |b| on_buckets(i, b),
            );
            match info.class {
                1 => raw_h += 1,
                2 => moj += 1,
                _ => {}
            }
            if info.profile.han + info.profile.kana > 0 {
                cjk += 1;
            }
        }
        let nf = n.max(1) as f32;
        let other = nonascii - raw_h - moj;
        let main_class = if raw_h >= moj && raw_h >= other && raw_h > 0 {
            1
        } else if moj >= other && moj > 0 {
            2
        } else {
            3
        };
        self.stats = DocStats {
            raw_hangul: raw_h as f32 / nf,
            mojibake: moj as f32 / nf,
            nonascii: nonascii as f32 / nf,
            cjk: cjk as f32 / nf,
            main_class,
        };
        self.mark_spaced_runs(doc);
        // ASCII candidates: tokens touching a non-ASCII one on the same line
        // (a domain after a fragment belongs to it), or in a spaced run that does.
        for i in 0..n {
            if !self.info[i].ascii || !(self.neighbor_nonascii(i) || self.info[i].spaced) {
                continue;
            }
            let t = self.tok.tokens[i];
            let s = &doc[t.start..t.end];
            let spaced = self.info[i].spaced;
            let set = self.cache.locate(s.as_bytes());
            self.info[i] = token_facts(
                &mut self.cache,
                &mut self.bufs,
                s,
                set,
                lex,
                words,
                parts,
                |b| on_buckets(i, b),
            );
            self.info[i].spaced = spaced;
        }
        self.lines.clear();
        let (mut prev_present, mut prev_open) = (false, false);
        for line in &self.tok.lines {
            let end_token = line.first_token + line.n_tokens;
            let toks = &self.tok.tokens[line.first_token as usize..end_token as usize];
            let ends = |t: &Token| ends_sentence_raw(&doc[t.start..t.end]);
            let last_end = toks
                .iter()
                .rposition(ends)
                .map_or(u32::MAX, |k| line.first_token + k as u32);
            // Tokens end at spaces: the line's text ends with its last token.
            let last_char = toks
                .last()
                .and_then(|t| doc[t.start..t.end].chars().next_back());
            // Mid-word, or mid-character: a Latin-1 char that may be a CP949
            // lead byte (`¡` of the quote `¡¯`, `¸` of a syllable).
            let (present, open) = (
                last_char.is_some(),
                last_char.is_some_and(|c| {
                    crate::encoding::is_alnum(c) || crate::encoding::is_ks_byte_char(c)
                }),
            );
            self.lines.push(LineFacts {
                prev_present,
                prev_open,
                last_end,
                closed: toks.last().is_some_and(ends),
                ln_tokens: ln_1p_count(line.n_tokens),
                end_token,
            });
            (prev_present, prev_open) = (present, open);
        }
        for li in 1..self.tok.lines.len() {
            let line = self.tok.lines[li];
            if !self.lines[li].prev_open || line.n_tokens < 2 {
                continue;
            }
            self.info[line.first_token as usize + 1].cut_remainder = true;
            let (Some(w), Some(prev)) = (words, self.tok.lines[li - 1].n_tokens.checked_sub(1))
            else {
                continue;
            };
            let prev = self.tok.tokens[(self.tok.lines[li - 1].first_token + prev) as usize];
            let first = line.first_token as usize;
            let tail = &doc[prev.start..prev.end];
            // Once per line: whether the cut left a character open, and
            // whether the tail is all letters (so a word may run past the cut).
            let cut_char = encoding::CutCharacter::of(tail);
            let tail_is_word = tail.chars().all(encoding::is_alnum);
            for k in 1..(line.n_tokens as usize).min(5) {
                let t = self.tok.tokens[first + k];
                let head = &doc[t.start..t.end];
                self.joined.clear();
                self.joined.push_str(tail);
                self.joined.push_str(head);
                let known = ln_1p_count(w.word_count(&self.joined));
                for inf in &mut self.info[first..first + k] {
                    inf.cut_join = inf.cut_join.max(known);
                }
                // The article's own mojibake quote may close the rest of the
                // word (`Stea` + `m¡¯s`): count the word up to it.
                let inside = head
                    .find(|c: char| !encoding::is_alnum(c))
                    .filter(|&p| p > 0 && tail_is_word);
                let completes = inside.map_or(known, |p| {
                    known.max(ln_1p_count(w.word_count(&self.joined[..tail.len() + p])))
                });
                let inf = &mut self.info[first + k];
                inf.completes = completes;
                inf.completes_cp949 = cut_char.as_ref().is_some_and(|c| c.completed_by(head));
            }
        }
    }

    /// Marks runs of one-char tokens on a line that touch a non-ASCII token
    /// and spell something out: four or more letters or digits, a letter
    /// among them (`S K Y 7 9 . C O M`). A date (`1 - 4 – 2004`) or a count
    /// (`3 5 7 6`) between words is spaced the same way but spells nothing.
    fn mark_spaced_runs(&mut self, doc: &str) {
        let toks = &self.tok.tokens;
        let n = toks.len();
        // One char is at most four bytes: longer tokens need no decoding.
        let single =
            |t: &Token| t.end - t.start <= 4 && doc[t.start..t.end].chars().nth(1).is_none();
        let mut i = 0;
        while i < n {
            if !single(&toks[i]) {
                i += 1;
                continue;
            }
            let s = i;
            while i + 1 < n && !toks[i].last && single(&toks[i + 1]) {
                i += 1;
            }
            let e = i;
            let touches = (!toks[s].first && !self.info[s - 1].ascii)
                || (!toks[e].last && e + 1 < n && !self.info[e + 1].ascii);
            let (mut alnum, mut letter) = (0, false);
            for t in &toks[s..=e] {
                if let Some(c) = doc[t.start..t.end].chars().next() {
                    alnum += usize::from(encoding::is_alnum(c));
                    letter |= c.is_alphabetic();
                }
            }
            if alnum >= 4 && letter && touches {
                for k in s..=e {
                    self.info[k].spaced = true;
                }
            }
            i += 1;
        }
    }

    fn neighbor_nonascii(&self, i: usize) -> bool {
        let t = &self.tok.tokens[i];
        let left = i > 0 && !t.first && !self.info[i - 1].ascii;
        let right = i + 1 < self.info.len() && !t.last && !self.info[i + 1].ascii;
        left || right
    }

    /// The dense feature vector of candidate token `i`, written into `out`
    /// (training reads it whole; scoring takes it in the three parts below).
    pub fn dense(&self, i: usize, out: &mut [f32; DENSE_DIM]) {
        let own = intrinsic(&self.info[i]);
        let doc = document(&self.stats);
        let mut ctx = [0f32; CONTEXT_WIDTH];
        self.context(i, &mut ctx);
        for (&j, &v) in INTRINSIC
            .iter()
            .zip(&own)
            .chain(DOCUMENT.iter().zip(&doc))
            .chain(CONTEXT.iter().zip(&ctx))
        {
            out[j] = v;
        }
    }

    /// The [`CONTEXT`] features of candidate token `i`, in that order, into
    /// the first [`N_CONTEXT`] places of `out` (the rest is left alone).
    /// Always inlined into its one hot caller (once per candidate token).
    #[inline(always)]
    pub fn context(&self, i: usize, out: &mut [f32; CONTEXT_WIDTH]) {
        let t: &Token = &self.tok.tokens[i];
        let info = &self.info[i];
        let st = &self.stats;
        let left = if t.first {
            &self.no_neighbour
        } else {
            &self.info[i - 1]
        };
        let right = if t.last {
            &self.no_neighbour
        } else {
            &self.info[i + 1]
        };
        let line = &self.lines[t.line as usize];
        let ln = ln_table();
        let b = |x: bool| f32::from(u8::from(x));
        let latin_doc = (1.0 - st.raw_hangul - st.mojibake - st.cjk).max(0.0);
        let mojibake_tok = matches!(
            info.view,
            Some(View::Cp949 | View::Cp949Shifted | View::Utf8From1252)
        ) && info.profile.hangul > 0;
        let hangulish = info.class == 1 || info.class == 2;
        let matches = hangulish && info.class == st.main_class;
        // A neighbour's score says whether the run of spam goes on; past what
        // clean text ever scores, a surer neighbour (a term the lexicon
        // knows) says no more about this token, and uncapped it would pull
        // the article's own words beside a known term into the span.
        let (lex_l, lex_r) = (
            left.lex.min(NEIGHBOUR_LEX_CAP),
            right.lex.min(NEIGHBOUR_LEX_CAP),
        );
        // After the line's last sentence end: an ad appended to a paragraph
        // (no end: u32::MAX, which no index exceeds).
        let after_end = i as u32 > line.last_end;
        // Written in place, one by one: building the array whole and then
        // copying it costs about as much again. Each place is found from
        // its name at compile time.
        out[at!(CONTEXT_NAMES, "lex_left")] = lex_l;
        out[at!(CONTEXT_NAMES, "lex_right")] = lex_r;
        out[at!(CONTEXT_NAMES, "first_in_line")] = b(t.first);
        out[at!(CONTEXT_NAMES, "last_in_line")] = b(t.last);
        out[at!(CONTEXT_NAMES, "alone_in_line")] = b(t.first && t.last);
        out[at!(CONTEXT_NAMES, "prev_line_open")] = b(t.first && line.prev_open);
        out[at!(CONTEXT_NAMES, "prev_line_present")] = b(t.first && line.prev_present);
        out[at!(CONTEXT_NAMES, "ln_line_tokens")] = line.ln_tokens;
        out[at!(CONTEXT_NAMES, "left_ascii")] = b(left.ascii);
        out[at!(CONTEXT_NAMES, "right_ascii")] = b(right.ascii);
        out[at!(CONTEXT_NAMES, "mojibake_foreign")] = b(mojibake_tok) * (1.0 - st.mojibake);
        out[at!(CONTEXT_NAMES, "raw_hangul_foreign")] = b(info.raw_hangul) * (1.0 - st.raw_hangul);
        out[at!(CONTEXT_NAMES, "lex_x_raw_doc")] = info.lex * st.raw_hangul;
        out[at!(CONTEXT_NAMES, "lex_x_mojibake_doc")] = info.lex * st.mojibake;
        out[at!(CONTEXT_NAMES, "lex_x_latin_doc")] = info.lex * latin_doc;
        out[at!(CONTEXT_NAMES, "left_hangulish")] = b(left.hangulish());
        out[at!(CONTEXT_NAMES, "right_hangulish")] = b(right.hangulish());
        out[at!(CONTEXT_NAMES, "max_lex_neighbors")] = lex_l.max(lex_r);
        out[at!(CONTEXT_NAMES, "enc_matches_doc")] = b(matches);
        out[at!(CONTEXT_NAMES, "lex_x_match")] = info.lex * b(matches);
        out[at!(CONTEXT_NAMES, "lex_x_mismatch")] = info.lex * b(hangulish && !matches);
        out[at!(CONTEXT_NAMES, "spaced_run")] = b(info.spaced);
        out[at!(CONTEXT_NAMES, "cut_remainder")] = b(info.cut_remainder);
        out[at!(CONTEXT_NAMES, "after_sentence_end")] = b(after_end);
        out[at!(CONTEXT_NAMES, "ln_tail_len")] = if after_end {
            ln_count(ln, line.end_token - i as u32)
        } else {
            0.0
        };
        out[at!(CONTEXT_NAMES, "line_unterminated")] = b(!line.closed);
        out[at!(CONTEXT_NAMES, "cut_join_known")] = info.cut_join;
        // A gloss beside it (`바카라 (baccarat)`): a word being discussed.
        out[at!(CONTEXT_NAMES, "right_lead_punct")] = b(right.lead_punct);
        out[at!(CONTEXT_NAMES, "left_trail_punct")] = b(left.trail_punct);
        out[at!(CONTEXT_NAMES, "ln_completes_cut")] = info.completes;
        out[at!(CONTEXT_NAMES, "completes_cut_cp949")] = b(info.completes_cp949);
    }
}

/// ln(1 + count) of `token`, and of it less one and two trailing chars, in
/// the clean-text word table.
fn word_counts(w: &crate::stats::JoinStats, token: &str) -> [f32; 3] {
    w.word_and_stem_counts(token).map(ln_1p_count)
}

/// ln(1 + c), from a table for the small counts most words and lines have.
#[inline]
fn ln_1p_count(c: u32) -> f32 {
    ln_count(ln_table(), c)
}

/// The table of [`ln_1p_count`], to fetch once for several counts.
#[inline]
fn ln_table() -> &'static [f32] {
    static TABLE: std::sync::LazyLock<Vec<f32>> =
        std::sync::LazyLock::new(|| (0..4096u32).map(|c| (1.0 + c as f32).ln()).collect());
    &TABLE
}

/// [`ln_1p_count`] with its table.
#[inline]
fn ln_count(table: &[f32], c: u32) -> f32 {
    table
        .get(c as usize)
        .copied()
        .unwrap_or_else(|| (1.0 + c as f32).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_keys_compare_as_byte_strings() {
        let mut stored = [0u8; CACHE_KEY_MAX];
        let text: Vec<u8> = (0..CACHE_KEY_MAX as u8)
            .map(|b| b.wrapping_mul(37) ^ 0x5a)
            .collect();
        stored.copy_from_slice(&text);
        for n in 0..=CACHE_KEY_MAX {
            assert!(key_eq(&stored, &text[..n]), "{n}");
            for k in 0..n {
                let mut other = text[..n].to_vec();
                other[k] ^= 1;
                assert!(!key_eq(&stored, &other), "{n} {k}");
            }
        }
        assert!(!key_eq(&stored, &[0; CACHE_KEY_MAX + 1]));
    }

    #[test]
    fn names_match_dimension() {
        assert_eq!(DENSE_NAMES.len(), DENSE_DIM);
    }

    #[test]
    fn domains() {
        assert!(domain_like("sogo99.com"));
        assert!(domain_like("www.x"));
        assert!(!domain_like("Nov."));
        assert!(!domain_like("3.5"));
    }

    #[test]
    fn the_token_memo_gives_what_computing_gives() {
        let mut stats = crate::stats::JoinStats::default();
        stats.add("restoring the ties 바다 이야기");
        let lex = |b: &[u32]| b.iter().map(|&x| (x % 7) as f32 - 3.0).sum::<f32>();
        let doc = "¹Ù´ÙÀ̾߱â°ÔÀÓÀå 바다이야기 ¹Ù´ÙÀ̾߱â°ÔÀÓÀå\n바@다 ＳＯＧＯ９．ＣＯＭ 바다이야기 “토토”, 日本 ¹Ù´ÙÀ̾߱â°ÔÀÓÀå\n\
                   for restorin\n바다 sogo99.com g 3 5 7 6 바다 sogo99.com";
        let mut plain = Analysis::default();
        plain.run(doc, Some(&lex), Some(&stats), None, |_, _| {});
        let mut memo = Analysis::default();
        memo.cache_for(7);
        for _ in 0..2 {
            memo.run(doc, Some(&lex), Some(&stats), None, |_, _| {});
            assert_eq!(format!("{:?}", memo.info), format!("{:?}", plain.info));
        }
        // Another model empties the memo.
        memo.cache_for(8);
        assert!(memo.cache.slots.iter().all(|s| s.len == u8::MAX));
    }

    #[test]
    fn shared_runs_are_counted_in_chars() {
        assert!(shares_run("푸시게이밍고스톱", "푸시게이밍먹튀없는", 3));
        assert!(shares_run("가나다", "xx가나다", 3));
        assert!(!shares_run("가나다라", "나다마가나", 3));
        assert!(!shares_run("가나", "가나", 3));
        assert!(!shares_run("", "가나다", 3));
    }

    #[test]
    fn threads_share_the_memo_budget() {
        let mb = |threads: usize| (64usize << cache_bits(threads)) >> 20;
        assert_eq!([1, 2, 3, 4, 5, 8, 64].map(mb), [32, 32, 16, 16, 8, 8, 8]);
    }

    #[test]
    fn a_memo_set_keeps_its_two_newest_keys() {
        let mut a = Analysis::default();
        a.cache_for(7);
        let cache = &mut a.cache;
        // Three keys of one set.
        let mut keys: Vec<String> = Vec::new();
        let set = cache.set(b"w0");
        for k in 0.. {
            let key = format!("w{k}");
            if cache.set(key.as_bytes()) == set {
                keys.push(key);
                if keys.len() == 3 {
                    break;
                }
            }
        }
        let facts = |lex: f32| TokenInfo {
            lex,
            candidate: true,
            ascii: true,
            ..TokenInfo::default()
        };
        let mut got = TokenInfo::default();
        for (k, key) in keys.iter().enumerate() {
            let at = cache.locate(key.as_bytes());
            assert!(!cache.get(at, key.as_bytes(), &mut got));
            cache.put(at, key.as_bytes(), &facts(k as f32));
        }
        let at = set as u32;
        assert!(!cache.get(at, keys[0].as_bytes(), &mut got));
        for (k, key) in keys.iter().enumerate().skip(1) {
            assert!(cache.get(at, key.as_bytes(), &mut got));
            assert_eq!(got.lex, k as f32);
        }
        // Too long to keep: never located.
        assert_eq!(cache.locate(&[b'x'; CACHE_KEY_MAX + 1]), TokenCache::NO_SET);
    }

    #[test]
    fn line_context_marks_appended_tails_and_cut_word_gaps() {
        let mut stats = crate::stats::JoinStats::default();
        stats.add("restoring relations, restoring");
        let doc =
            "It ended. 바다이야기 릴게임\nfor restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations.";
        let mut a = Analysis::default();
        a.run(doc, Some(&|_: &[u32]| 0.0), Some(&stats), None, |_, _| {});
        let mut x = [0f32; DENSE_DIM];
        let at = |name: &str| DENSE_NAMES.iter().position(|n| *n == name).unwrap();
        a.dense(2, &mut x); // 바다이야기: after "ended." on an unterminated line
        assert_eq!(
            (x[at("after_sentence_end")], x[at("line_unterminated")]),
            (1.0, 1.0)
        );
        assert!((x[at("ln_tail_len")] - 3f32.ln()).abs() < 1e-6);
        a.dense(6, &mut x); // the fragment between "restorin" and "g"
        assert!(x[at("cut_join_known")] > 0.0);
        assert_eq!(x[at("after_sentence_end")], 0.0);
        a.dense(8, &mut x); // "Korea-China": after the gap, not in it
        assert_eq!(x[at("cut_join_known")], 0.0);
    }

    #[test]
    fn the_rest_of_a_cut_word_is_marked_after_the_fragment() {
        let mut stats = crate::stats::JoinStats::default();
        stats.add("it was shown at the festival on Steam");
        // A word cut mid-word, and the article's own CP949 quote cut between
        // its two bytes; each fragment has two tokens before the rest.
        let doc = "will be show\n블랙잭 jackpot.xyz n at the festival\n\
                   moments was Kelly¡\n½Äº¸ 5929seven.net ¯s success\n\
                   effect of Stea\n¿¹½Ã 24.com m¡¯s popularity";
        let mut a = Analysis::default();
        a.run(doc, Some(&|_: &[u32]| 0.0), Some(&stats), None, |_, _| {});
        let mut x = [0f32; DENSE_DIM];
        let at = |name: &str| DENSE_NAMES.iter().position(|n| *n == name).unwrap();
        let word = |i: usize| a.tok.text(doc, &a.tok.tokens[i]).to_string();
        let n = (0..a.tok.tokens.len()).find(|&i| word(i) == "n").unwrap();
        a.dense(n, &mut x);
        assert!(x[at("ln_completes_cut")] > 0.0);
        assert_eq!(x[at("completes_cut_cp949")], 0.0);
        a.dense(n - 1, &mut x); // the domain: inside the gap, completes nothing
        assert_eq!(x[at("ln_completes_cut")], 0.0);
        let quote = (0..a.tok.tokens.len()).find(|&i| word(i) == "¯s").unwrap();
        a.dense(quote, &mut x);
        assert_eq!(x[at("completes_cut_cp949")], 1.0);
        // `Kelly¡` ends in a lead byte: its line counts as ending mid-word.
        a.dense(quote - 2, &mut x);
        assert_eq!(x[at("prev_line_open")], 1.0);
        a.dense(quote - 1, &mut x);
        assert_eq!(x[at("completes_cut_cp949")], 0.0);
        // `Steam`, before the article's quote, is a word.
        let possessive = (0..a.tok.tokens.len())
            .find(|&i| word(i) == "m¡¯s")
            .unwrap();
        a.dense(possessive, &mut x);
        assert!(x[at("ln_completes_cut")] > 0.0);
    }

    #[test]
    fn candidates_are_non_ascii_tokens_and_their_neighbours() {
        let doc = "stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations";
        let mut a = Analysis::default();
        let mut seen = Vec::new();
        a.run(doc, None, None, None, |i, _| seen.push(i));
        let words: Vec<&str> = seen
            .iter()
            .map(|&i| a.tok.text(doc, &a.tok.tokens[i]))
            .collect();
        assert_eq!(words, ["¹Ù´ÙÀ̾߱â°ÔÀÓÀå", "g"]);
        assert!(a.info[3].profile.hangul == 8 && a.info[3].view == Some(View::Cp949));
        assert!(a.stats.mojibake > 0.0 && a.stats.raw_hangul == 0.0);
    }
    #[test]
    fn spaced_runs_spell_something_out() {
        let spaced = |doc: &str| {
            let mut a = Analysis::default();
            a.run(doc, None, None, None, |_, _| {});
            (0..a.info.len())
                .filter(|&i| a.info[i].spaced)
                .map(|i| a.tok.text(doc, &a.tok.tokens[i]).to_string())
                .collect::<String>()
        };
        assert_eq!(spaced("오늘 S K Y 7 9 . C O M 소식"), "SKY79.COM");
        // A date and a count between words are spaced alike but spell nothing.
        assert_eq!(spaced("áp dụng vào 1 - 4 – 2004."), "");
        assert_eq!(spaced("인턴기자 3 5 7 6"), "");
    }
}
