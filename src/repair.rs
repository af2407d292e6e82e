//! Mojibake repair: Korean text that was served as CP949, read as Latin-1 or
//! windows-1252 and partly re-decoded by ftfy (`¹Ì±¹ÀÇ ¼º¸ð` for `미국의 성모`,
//! `¡¯ ¡° ¡±` for `’ “ ”`) is read back to its Hangul.
//!
//! Why a separate step: cleaning splices spam out and is a pure deletion,
//! byte-exact; repairing rewrites the text the article itself holds, so it
//! is opt-in and applied after splicing, and it reports every span it
//! replaced.
//!
//! How a token is judged (tokens split on ASCII whitespace only, since
//! mojibake holds U+00A0 and U+0085): it must hold a Latin-1 high char, read
//! whole (no byte dropped) through the CP949 view of [`crate::encoding`]
//! (ftfy's re-decoded runs and ligatures undone), its reading's non-ASCII
//! chars must all be Hangul syllables or KS X 1001 punctuation, with two
//! syllables side by side and no ASCII letter (Turkish `Çünkü` reads
//! `형nk체`), and it must not also read as
//! UTF-8 behind windows-1252 (ftfy's job, and ftfy re-decodes every valid
//! UTF-8 run, so CP949 mojibake that reached us holds few). Tokens that
//! fail only those last two tests (or hold Hanja) are weak evidence: they
//! are repaired on a line the strong ones repair, never on their own. A line is
//! repaired when its accepted tokens hold at least [`MIN_SYLLABLES`]
//! syllables; the quote digraphs alone (`¡¯s`) are repaired in a document
//! that had a line repaired, or that holds at least two of them.
//! No word list is involved: the evidence is that a whole token decodes
//! without error to Hangul.

use crate::encoding::{
    is_han, is_hangul, is_hangul_syllable, is_kana, is_latin1_high, read_cp949,
    read_cp949_repair_k, read_utf8_from_1252, Scratch, SyllablePrior, View,
};
use crate::stats::JoinStats;

/// Readings of a token weighed against the clean text's words.
const READINGS: usize = 4;

/// What a nat of word evidence ([`word_evidence`]) is worth against the
/// syllables' costs (sixteenths of a nat): three nats of syllables per nat
/// of words, since a word seen in clean text is far surer evidence than the
/// syllables it is made of. Chosen on the leave-one-corpus-out measure
/// (`tests/repair_corpora.rs`, 2026-12-07: whole documents 87.15% at 20,
/// 87.87% at 32, 88.49% at 48, 88.41% at 64).
const WORD_WEIGHT: f64 = 48.0;

/// What a nat of the pair model's surprise ([`SyllablePrior::pair_surprise`])
/// costs, in the syllables' sixteenths of a nat: one nat, as the unigram's.
/// Leave-one-corpus-out, whole documents (2026-12-08, before the later
/// rules): with one pair symbol for every char off the plane and the
/// unigram's share at 0.5, 92.05% at 8, 92.73% at 16, 92.34% at 24, 91.72%
/// at 32; with this build's symbols and share 0.7, 92.66% at 16, 92.52% at 24.
const PAIR_WEIGHT: f64 = 16.0;

/// The strict reading's cost where the loose ones do not hold it: it stands
/// beside the loose reading at little more than its cost, so that words
/// choose (`언체인징`, read by the views, against `언체인잠`).
const STRICT_MARGIN: u32 = 8;

/// The Hangul syllables a line's accepted tokens must hold in all before
/// the line is repaired: one syllable can be chance (`Ã©` is `챕`).
pub const MIN_SYLLABLES: usize = 2;

/// One replaced span, in char (code point) offsets of the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Replacement {
    /// Char offset where the replaced span starts.
    pub start: usize,
    /// Char offset just past it.
    pub end: usize,
    /// The text now standing in its place.
    pub text: String,
}

/// The repaired text and what was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The text with every mojibake run read back.
    pub text: String,
    /// The replaced spans, sorted, in char offsets of the input.
    pub replacements: Vec<Replacement>,
}

impl Repaired {
    /// Whether anything was replaced.
    pub fn changed(&self) -> bool {
        !self.replacements.is_empty()
    }
}

/// A token's verdict.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Reads as Hangul, with this many syllables.
    Hangul(usize),
    /// Reads as Hangul, but is weak evidence on its own (it also reads as
    /// UTF-8 behind windows-1252, holds Hanja, or more ASCII letters than
    /// syllables): repaired only on a line the strong tokens repair.
    Weak,
    /// Reads as KS X 1001 punctuation only (the quotes).
    Quote,
    /// Rejected by the strict reading, read by the loose one
    /// ([`read_cp949_repair_k`]): taken only where the line or the document
    /// is already shown to be mojibake. `bare` when the reading holds Hangul
    /// or Hanja and no ASCII letter.
    Loose { bare: bool },
}

/// A candidate token: byte range in the input, its reading and kind.
struct Cand {
    start: usize,
    end: usize,
    line: usize,
    reading: String,
    kind: Kind,
}

/// Whether `c` is a KS X 1001 punctuation char the article's own quotes and
/// signs come back as (`’ “ ” ‘ · … × ÷` and the like).
fn is_ks_punct(c: char) -> bool {
    !('\u{3040}'..='\u{30FF}').contains(&c)
        && matches!(
            c,
            '\u{2010}'..='\u{33FF}' | '\u{00B7}' | '\u{00D7}' | '\u{00F7}' | '\u{FF01}'..='\u{FF5E}'
        )
}

/// Whether a token may be mojibake at all: it holds no Hangul, Hanja or
/// kana, or the other non-ASCII chars (Latin-1, and the Greek and Cyrillic
/// ftfy's UTF-8 re-decoding leaves: `Àλ縦` for `인사를`) are at least as
/// many. Clean Korean is not read (UTF-8 Hangul bytes often decode as CP949
/// too: `공룡·곤충`, whose `·` is no evidence), while ftfy re-decodes the odd
/// mojibake run into a syllable (`ÇÏµÇ` became `Ç쵂`).
fn mostly_latin1(token: &str) -> bool {
    let mut other = 0;
    let mut cjk = 0;
    for c in token.chars() {
        if is_hangul(c) || is_han(c) || is_kana(c) {
            cjk += 1;
        } else if !c.is_ascii() && !is_ks_punct(c) {
            other += 1;
        }
    }
    cjk == 0 || other >= cjk
}

fn judge(
    token: &str,
    scratch: &mut Scratch,
    prior: Option<&SyllablePrior>,
) -> Option<(String, Kind)> {
    if !token.chars().any(is_latin1_high) || !mostly_latin1(token) {
        return None;
    }
    let utf8_too = read_utf8_from_1252(token, scratch).is_some();
    if read_cp949(token, scratch, prior) != Some(View::Cp949) {
        return None;
    }
    let reading = scratch.reading.clone();
    let mut syll = 0;
    let mut letters = 0;
    let mut punct = 0;
    let mut han = 0;
    let mut in_a_row = false;
    let mut prev = false;
    for c in reading.chars() {
        let now = is_hangul_syllable(c);
        in_a_row |= now && prev;
        prev = now;
        if now {
            syll += 1;
        } else if c.is_ascii_alphabetic() {
            letters += 1;
        } else if is_ks_punct(c) {
            punct += 1;
        } else if is_han(c) {
            han += 1;
        } else if !c.is_ascii() {
            return None;
        }
    }
    if in_a_row && letters == 0 && han == 0 && !utf8_too {
        Some((reading, Kind::Hangul(syll)))
    } else if syll > 0 {
        Some((reading, Kind::Weak))
    } else if syll == 0 && punct > 0 {
        Some((reading, Kind::Quote))
    } else {
        None
    }
}

/// Whether `w` is Hangul, ASCII and quotes or brackets only: the word table
/// trims a word's outer punctuation, so a reading that turned a syllable
/// into a sign (`≤발` for `징발`) would be vouched for by the word that is
/// left (`발`).
fn plain_word(w: &str) -> bool {
    w.chars().all(|c| {
        is_hangul_syllable(c)
            || c.is_ascii()
            || matches!(
                c,
                '\u{2018}'..='\u{201F}' | '\u{3008}'..='\u{3011}' | '\u{2026}' | '\u{B7}'
            )
    })
}

/// How much the clean text's words vouch for `reading`, in nats: the word
/// itself, then the word less its last one and two chars (a particle or
/// ending: `상태였다` seen, or `상태` before `였다`), each less than the last.
/// A reading that holds a space or a middle dot ftfy folded into the token
/// (`Çؿ\u{A0}±â` is `해온 기`) is vouched for as far as its least vouched
/// word, and not at all unless each is a word of two syllables or more seen
/// whole: a sum, or stems, would favour readings cut into short common
/// words (`집플 절차` for `집행절차`, `경제학 과` for `경제학과`). Nor is a
/// space the reading makes where the token held none: ftfy's restored
/// no-break space ([`crate::encoding`]'s `ftfy_bytes`) lets a re-decoding
/// two levels deep stand for one, and any two common words would then
/// vouch for cutting a word (`과학 기술의` for `과학기술의`, `°úÇбâ¼úÀÇ`).
fn word_evidence(stats: &JoinStats, reading: &str, token_spaced: bool) -> f64 {
    let ln = |c: u32| f64::from(c).ln_1p();
    let made_space = !token_spaced && reading.chars().any(char::is_whitespace);
    let parts: Vec<&str> = reading
        .split(|c: char| c.is_whitespace() || c == '\u{B7}')
        .filter(|w| w.chars().any(is_hangul_syllable))
        .collect();
    let mut least = f64::INFINITY;
    for w in &parts {
        if !plain_word(w) {
            return 0.0;
        }
        let [word, stem1, stem2] = stats.word_and_stem_counts(w);
        let n = w.chars().filter(|&c| is_hangul_syllable(c)).count();
        if parts.len() > 1 && (word == 0 || n < 2 || made_space) {
            // A space the reading puts in must part known words, and not
            // a particle off its noun (`경제학 과`).
            return 0.0;
        }
        // A one-syllable stem is a common word of its own (`집` of `집플`).
        let stem = |c: u32, len: usize| if len >= 2 { ln(c) } else { 0.0 };
        let e = ln(word)
            + 0.5 * stem(stem1, n.saturating_sub(1))
            + 0.25 * stem(stem2, n.saturating_sub(2));
        least = least.min(e);
    }
    if least.is_finite() {
        least
    } else {
        0.0
    }
}

/// The loose reading of a token ([`read_cp949_repair_k`]), for one the
/// strict reading rejects ([`Kind::Loose`]) or to stand in for the strict
/// one (`strict`), which stops one re-decoding deep ([`mostly_latin1`]
/// tokens only). ftfy is not one-to-one, so the few cheapest readings (and
/// the strict one) are weighed against the clean text's words when `stats`
/// are given. The reading must hold Hangul, Hanja or the plane's
/// punctuation.
fn read_loose(
    token: &str,
    stats: Option<&JoinStats>,
    strict: Option<&str>,
    readings: &mut Vec<(u32, String)>,
) -> Option<(String, Kind)> {
    if !mostly_latin1(token) {
        return None;
    }
    let prior = stats.and_then(JoinStats::prior);
    let token_spaced = token.chars().any(char::is_whitespace);
    read_cp949_repair_k(token, prior, 1, readings);
    // The cheapest reading, where the clean text holds it as a word (most
    // tokens), is taken as it is; the others are weighed against a few more.
    if let Some(stats) = stats {
        let known = |r: &str| plain_word(r) && stats.word_and_stem_counts(r)[0] > 0;
        if !readings.first().is_some_and(|(_, r)| known(r)) {
            read_cp949_repair_k(token, prior, READINGS, readings);
        }
    }
    let best_cost = readings.first()?.0;
    if let Some(strict) = strict.filter(|s| stats.is_some() && readings.iter().all(|(_, r)| r != s))
    {
        readings.push((best_cost + STRICT_MARGIN, strict.to_string()));
    }
    let chosen = match stats {
        Some(stats) => {
            let pairs = |r: &str| prior.map_or(0.0, |p| p.pair_surprise(r));
            let score = |(cost, r): &(u32, String)| {
                f64::from(*cost) + PAIR_WEIGHT * pairs(r)
                    - WORD_WEIGHT * word_evidence(stats, r, token_spaced)
            };
            let mut best = 0;
            for i in 1..readings.len() {
                if score(&readings[i]) < score(&readings[best]) {
                    best = i;
                }
            }
            best
        }
        None => 0,
    };
    let reading = std::mem::take(&mut readings[chosen].1);
    if reading == token {
        return None;
    }
    let letters = reading.chars().any(|c| c.is_ascii_alphabetic());
    let korean = reading.chars().any(|c| is_hangul_syllable(c) || is_han(c));
    if !korean && !reading.chars().any(is_ks_punct) {
        return None;
    }
    Some((
        reading,
        Kind::Loose {
            bare: korean && !letters,
        },
    ))
}

/// Verdicts remembered per thread: a token's depends on it and the counts
/// alone, and a corpus repeats its words (the lattice is the costly part).
const MEMO_CAP: usize = 1 << 16;

/// Which counts the memo's verdicts were made with: their address and
/// sizes (an address alone may be another table's once the first is gone).
type MemoKey = (usize, usize, usize);

thread_local! {
    static MEMO: std::cell::RefCell<(MemoKey, std::collections::HashMap<String, Option<(String, Kind)>>)> =
        std::cell::RefCell::new(((0, 0, 0), std::collections::HashMap::new()));
}

/// A token's verdict and reading: the strict one ([`judge`]) with the
/// deeper reading ([`read_loose`]) where both read it, else either.
fn verdict(
    token: &str,
    stats: Option<&JoinStats>,
    scratch: &mut Scratch,
    readings: &mut Vec<(u32, String)>,
) -> Option<(String, Kind)> {
    if !token.chars().any(|c| !c.is_ascii()) {
        return None;
    }
    let key: MemoKey = stats.map_or((0, 0, 0), |s| {
        let (words, pairs) = s.sizes();
        (s as *const JoinStats as usize, words, pairs)
    });
    let hit = MEMO.with(|m| {
        let m = m.borrow();
        (m.0 == key).then(|| m.1.get(token).cloned()).flatten()
    });
    if let Some(v) = hit {
        return v;
    }
    let prior = stats.and_then(JoinStats::prior);
    let strict = judge(token, scratch, prior);
    let strict_reading = strict.as_ref().map(|(r, _)| r.as_str());
    let loose = read_loose(token, stats, strict_reading, readings);
    let v = match (strict, loose) {
        // The strict verdict, the deeper reading.
        (Some((_, kind)), Some((reading, _))) => Some((reading, kind)),
        (strict, loose) => strict.or(loose),
    };
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.0 != key || m.1.len() >= MEMO_CAP {
            m.1.clear();
            m.0 = key;
        }
        m.1.insert(token.to_string(), v.clone());
    });
    v
}

/// Reads every CP949-behind-Latin-1 run of `text` back to its Hangul
/// (see the module docs for the evidence asked); text without such runs
/// comes back unchanged. Without the clean text's counts, where a token has
/// two whole readings the byte-for-byte one is kept; [`repair_with`] weighs
/// them.
pub fn repair(text: &str) -> Repaired {
    repair_with(text, None)
}

/// [`repair`], with the clean text's counts (a model's,
/// [`crate::Detector::clean_stats`]): their syllable prior chooses between a
/// token's whole readings, and their words between readings the syllables
/// rate alike.
pub fn repair_with(text: &str, stats: Option<&JoinStats>) -> Repaired {
    repair_part(text, stats, &mut DocState::default())
}

/// What the earlier parts of a document showed, for [`repair_part`]: the
/// document-level rules (weak tokens and the quote digraphs) need it when a
/// document is repaired in parts, as text mode streams it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocState {
    /// Some earlier part had a line repaired.
    good_line: bool,
    /// Quote digraphs seen in the earlier parts.
    quotes: usize,
}

/// [`repair_with`] for one part of a document (whole lines), `state`
/// carrying what the parts before it showed and updated with this one's.
/// Evidence only reaches forward: a part is repaired as if the document
/// ended with it, so a weak token or a lone quote digraph that the whole
/// document would repair on the strength of a *later* part stays.
pub fn repair_part(text: &str, stats: Option<&JoinStats>, state: &mut DocState) -> Repaired {
    let mut scratch = Scratch::default();
    let mut readings = Vec::new();
    let mut cands = Vec::new();
    // Per line, the tokens that hold a non-ASCII char and read as no Korean,
    // or as Korean among ASCII letters: the European words of a line.
    let mut foreign = vec![0usize];
    // Per line, the tokens that are Korean as written (Hangul no reading
    // claims): a line of them is not mojibake, whatever the lines beside it.
    let mut native = vec![0usize];
    let mut line = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii_whitespace() {
            if b == b'\n' {
                line += 1;
                foreign.push(0);
                native.push(0);
            }
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let token = &text[start..at];
        let judged = verdict(token, stats, &mut scratch, &mut readings);
        let european = matches!(judged, None | Some((_, Kind::Loose { bare: false })));
        if !token.is_ascii() && european {
            foreign[line] += 1;
        }
        if judged.is_none() && token.chars().any(is_hangul_syllable) {
            native[line] += 1;
        }
        if let Some((reading, kind)) = judged {
            cands.push(Cand {
                start,
                end: at,
                line,
                reading,
                kind,
            });
        }
    }
    if cands.is_empty() {
        return Repaired {
            text: text.to_string(),
            replacements: Vec::new(),
        };
    }
    // Per line, the syllables of its strong tokens, and how many they are.
    let mut per_line = vec![(0usize, 0usize); line + 1];
    for c in &cands {
        if let Kind::Hangul(n) = c.kind {
            per_line[c.line].0 += n;
            per_line[c.line].1 += 1;
        }
    }
    // Strong tokens at least half as many as European ones: one Turkish `İç`
    // (`C4 B0 E7`, which reads `컫곁` through a pair in a pair) does not
    // make `İç Dünyamızın Dışa Yansıması` a line of mojibake.
    let good = |l: usize| {
        let (syll, strong) = per_line[l];
        syll >= MIN_SYLLABLES && 2 * strong >= foreign[l]
    };
    let any_line = state.good_line || (0..=line).any(good);
    let quotes = cands
        .iter()
        .filter(|c| matches!(c.kind, Kind::Quote))
        .count();
    let quotes_ok = any_line || state.quotes + quotes >= 2;
    state.good_line = any_line;
    state.quotes += quotes;
    let mut out = String::with_capacity(text.len());
    let mut replacements = Vec::new();
    let mut byte_at = 0;
    let mut char_at = 0;
    for c in cands {
        let keep = match c.kind {
            Kind::Hangul(_) => good(c.line),
            // A title of Hanja and short words beside mojibake lines (not
            // a line of Korean as written: its `6·25` and `△` stay).
            Kind::Weak | Kind::Loose { bare: true } => {
                good(c.line) || (any_line && native[c.line] == 0)
            }
            Kind::Loose { bare: false } => good(c.line),
            Kind::Quote => quotes_ok,
        };
        if !keep {
            continue;
        }
        let before = &text[byte_at..c.start];
        out.push_str(before);
        char_at += before.chars().count();
        let len = text[c.start..c.end].chars().count();
        out.push_str(&c.reading);
        replacements.push(Replacement {
            start: char_at,
            end: char_at + len,
            text: c.reading,
        });
        char_at += len;
        byte_at = c.end;
    }
    out.push_str(&text[byte_at..]);
    Repaired {
        text: out,
        replacements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts from a hand-written paragraph, for the tests that weigh
    /// readings.
    fn stats_of(text: &str) -> JoinStats {
        let mut stats = JoinStats::default();
        stats.add(text);
        stats.finish();
        stats
    }

    #[test]
    fn hangul_and_quotes_come_back() {
        let r = repair("¹Ì±¹ÀÇ ¼º¸ð said ¡°hi¡±");
        assert_eq!(r.text, "미국의 성모 said “hi”");
        assert_eq!(
            r.replacements[0],
            Replacement {
                start: 0,
                end: 6,
                text: "미국의".into()
            }
        );
        assert_eq!(r.replacements.len(), 3);
    }

    #[test]
    fn ftfy_redecoded_runs_are_undone() {
        assert_eq!(repair("¾ß¸¶Å俬Ÿ").text, "야마토연타");
    }

    #[test]
    fn a_bad_line_among_good_ones() {
        let r = repair("좋은 줄\n¹Ì±¹ÀÇ ¼º¸ð\nEnglish line.");
        assert_eq!(r.text, "좋은 줄\n미국의 성모\nEnglish line.");
    }

    #[test]
    fn quotes_in_an_english_host() {
        assert_eq!(
            repair("Kelly¡¯s ¡°success¡± story").text,
            "Kelly’s “success” story"
        );
    }

    #[test]
    fn words_choose_where_ftfy_made_two_readings_one() {
        // `상태였다` and `상탓는다` both come out of CP949 → Latin-1 → ftfy
        // as `»óÅ¿´´Ù`; the syllables favour `는`, the words `상태`.
        let clean = "상태였다. 셋째, 한 줄이 있다";
        let seen = crate::encoding::forward::cp949_ftfy(clean).expect("CP949-encodable");
        assert!(seen.starts_with("»óÅ¿´´Ù."), "{seen}");
        let stats = stats_of(
            "그는 좋은 상태였다. 셋째, 그 상태였다고 말했다. 한 줄이 있다. \
             는 는 는 는 탓 탓 는다 는다 는다.",
        );
        let mut readings = Vec::new();
        read_cp949_repair_k("»óÅ¿´´Ù.", stats.prior(), 1, &mut readings);
        assert_eq!(readings[0].1, "상탓는다.", "the syllables alone");
        assert_eq!(repair_with(&seen, Some(&stats)).text, clean);
    }

    #[test]
    fn parts_carry_the_evidence_forward() {
        // One quote per part: the second part has seen two.
        let mut st = DocState::default();
        assert_eq!(repair_part("Kelly¡¯s\n", None, &mut st).text, "Kelly¡¯s\n");
        assert_eq!(repair_part("Bob¡¯s", None, &mut st).text, "Bob’s");
        // A repaired line lets a later part's lone quote through.
        let mut st = DocState::default();
        assert_eq!(
            repair_part("¹Ì±¹ÀÇ ¼º¸ð\n", None, &mut st).text,
            "미국의 성모\n"
        );
        assert_eq!(repair_part("Kelly¡¯s", None, &mut st).text, "Kelly’s");
        // Whole, the first quote is repaired too.
        assert_eq!(repair("Kelly¡¯s\nBob¡¯s").text, "Kelly’s\nBob’s");
    }

    #[test]
    fn a_sign_read_for_a_syllable_is_vouched_for_by_no_word() {
        // `징발` comes out as `¡¹ß`; `≤발` reads it too, and the word table
        // trims `≤`, so without the check `발` would vouch for it.
        let stats = stats_of("발 발 발 발 발 발 징 발표를 했다.");
        assert!(plain_word("‘덕혜옹주’는") && plain_word("(IBS)") && !plain_word("≤발"));
        assert_eq!(word_evidence(&stats, "≤발", false), 0.0);
        assert!(word_evidence(&stats, "발표를", false) > 0.0);
    }

    #[test]
    fn a_line_of_korean_as_written_keeps_its_signs() {
        // Beside a repaired line, `·` and `△` of a line in UTF-8 read as
        // re-decoded runs (`6쨌25`), but that line is Korean as written.
        let r = repair("6·25 전쟁 △ 기념식\n¹Ì±¹ÀÇ ¼º¸ð");
        assert_eq!(r.text, "6·25 전쟁 △ 기념식\n미국의 성모");
    }

    #[test]
    fn a_reading_puts_no_space_where_the_token_had_none() {
        // `과학기술의` comes out as `°úÇбâ¼úÀÇ` (`Ð±` read as UTF-8), and one
        // of its readings is `과학 기술의`, two common words; the token held
        // no space for that reading's to come from, so they vouch nothing.
        let seen = crate::encoding::forward::cp949_ftfy("과학기술의").expect("CP949-encodable");
        assert_eq!(seen, "°úÇбâ¼úÀÇ");
        let stats = stats_of("과학 좋다. 과학 과학. 기술의 힘. 기술의 발달.");
        let mut readings = Vec::new();
        read_cp949_repair_k(&seen, stats.prior(), 4, &mut readings);
        assert!(
            readings.iter().any(|(_, r)| r == "과학 기술의"),
            "{readings:?}"
        );
        assert!(word_evidence(&stats, "과학 기술의", true) > 0.0);
        assert_eq!(word_evidence(&stats, "과학 기술의", false), 0.0);
    }

    #[test]
    fn pairs_choose_between_readings_the_syllables_cost_alike() {
        // `휘둘러` comes out as `ÈÖµÑ·¯`, which also reads `히둘러`; the
        // clean text writes `히` more often than `휘`, but `휘둘` and never
        // `히둘`.
        let seen = crate::encoding::forward::cp949_ftfy("휘둘러").expect("CP949-encodable");
        let stats = stats_of(
            "칼을 휘두르며 나섰다. 그는 휘둘렀다. 휘둘리다. 히말라야 히터 둘이 둘러 \
             보였다. 칼을 보였다. 히히 웃었다. 히 히 히 둘 둘 러 러",
        );
        let prior = stats.prior().expect("counted");
        let mut readings = Vec::new();
        read_cp949_repair_k(&seen, Some(prior), 4, &mut readings);
        assert_eq!(readings[0].1, "히둘러", "the syllables alone");
        assert!(prior.pair_surprise("휘둘러") < prior.pair_surprise("히둘러"));
        assert_eq!(repair_with(&seen, Some(&stats)).text, "휘둘러");
    }

    #[test]
    fn clean_text_stays() {
        for t in [
            "Plain English, nothing here.",
            "Très élevé, déjà vu, São Paulo, Ærøskøbing, Mäßig",
            "İstanbul'da çalışıyorum, ağaç, şöyle, Çığ, Çünkü Çıtır",
            "«Самой «обмен «не «Сон",
            "東京は日本の首都です。中国北京。",
            "미국의 성모 마리아",
            "cafÃ© Ã©tÃ© ë°”ë‹¤",
            "±5 °C, ½ cup, ¿Qué? ¡Hola! 2°C µm ©®",
            "Привет, как дела?",
            "¡Hola, ¿qué tal?",
        ] {
            let r = repair(t);
            assert_eq!(r.text, t, "{t}");
            assert!(!r.changed(), "{t}");
        }
    }
}
