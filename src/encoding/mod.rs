//! Encoding views: the readings a token has under the mis-decodings seen on
//! the web, each counted only where it decodes cleanly.
//!
//! | view | how the text got here | how we read it back |
//! |---|---|---|
//! | raw | Hangul served as UTF-8 | as is |
//! | CP949 | CP949 bytes read as Latin-1 (optionally then ftfy-fixed) or as windows-1252 | chars ≤ U+00FF → their byte; other chars → their UTF-8 bytes (undoes ftfy's partial re-decoding), or their windows-1252 byte; decode as windows-949 |
//! | CP949, shifted | as above, but the injection cut a two-byte character | drop a dangling byte at either end |
//! | UTF-8 behind 1252 | UTF-8 bytes read as windows-1252 (`ë°”ë‹¤`) | windows-1252 bytes → UTF-8 |
//! | de-obfuscated | symbols between syllables (`바@카@라`), full-width letters | drop the symbols, fold full-width to ASCII |
//!
//! ftfy's re-decoding can leave a token two whole CP949 readings (a char may
//! be its own byte or a pair ftfy re-decoded), and bytes alone cannot tell
//! them apart; a prior over characters counted from Korean clean text
//! ([`SyllablePrior`], kept in the model) can, and the callers that hold a
//! model pass it in.
//!
//! `encoding_rs::EUC_KR` is windows-949 (UHC), whose extension syllables
//! take ASCII letters as trail bytes. The CP949 views read only the KS X 1001
//! plane (both bytes A1..=FE): the extension's syllables are about one in
//! 10,000 of real Korean text, and they would read Latin text such as `2°C`
//! or `¿Qué` as Hangul.

pub mod forward;
mod prior;
mod unfix;

pub use prior::{CharPairs, SyllablePrior, PAIR_COST, RARE_PER_MILLION};
pub use unfix::read_cp949_repair_k;

use encoding_rs::EUC_KR;

pub use crate::chars::{is_alnum, is_han, is_hangul, is_hangul_syllable, is_kana, lower};

/// Which view produced a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The token as it stands (raw Hangul, or no Hangul reading at all).
    Raw,
    /// CP949 behind Latin-1 or windows-1252, ftfy's re-decoding undone.
    Cp949,
    /// CP949 with one dangling byte dropped at an end.
    Cp949Shifted,
    /// UTF-8 behind windows-1252.
    Utf8From1252,
}

impl View {
    /// Every view, in the order of [`View::index`].
    pub const ALL: [View; 4] = [
        View::Raw,
        View::Cp949,
        View::Cp949Shifted,
        View::Utf8From1252,
    ];

    /// The view's place in [`View::ALL`], as a memo stores it in a byte.
    /// The match is exhaustive, so a new view must be given its place here.
    #[inline]
    pub fn index(self) -> u8 {
        match self {
            View::Raw => 0,
            View::Cp949 => 1,
            View::Cp949Shifted => 2,
            View::Utf8From1252 => 3,
        }
    }

    /// The view at `index` ([`View::index`]), None past the last.
    #[inline]
    pub fn from_index(index: u8) -> Option<View> {
        View::ALL.get(index as usize).copied()
    }
}

const _: () = {
    let mut i = 0;
    while i < View::ALL.len() {
        // `index` is not const; the variants' declaration order is.
        assert!(View::ALL[i] as usize == i);
        i += 1;
    }
};

/// The windows-1252 characters at bytes 0x80..=0x9F (0 = undefined byte,
/// which encoding_rs maps to the C1 control of the same value).
const W1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// The windows-1252 byte for a char above U+00FF, if it has one.
#[inline]
pub fn w1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if !(0x152..=0x2122).contains(&u) {
        return None;
    }
    W1252_HIGH
        .iter()
        .position(|&v| v as u32 == u)
        .map(|i| 0x80 + i as u8)
}

/// The byte a char stands for when text was decoded as windows-1252
/// (chars ≤ U+00FF stand for themselves, as encoding_rs round-trips the
/// undefined bytes through the C1 controls).
#[inline]
fn byte_1252(c: char) -> Option<u8> {
    let u = c as u32;
    if u <= 0xFF {
        Some(u as u8)
    } else {
        w1252_byte(c)
    }
}

/// Scratch buffers for computing readings without allocating per token.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    bytes: Vec<u8>,
    /// The last reading produced.
    pub reading: String,
    /// The outer layer's reading, while an inner one is tried.
    outer: String,
    /// The token with ftfy's ligature fix undone.
    ligatures: String,
    /// A second candidate's bytes and reading, while two are weighed.
    alt_bytes: Vec<u8>,
    alt_reading: String,
    /// The tables of [`cp949_bytes_redecoded`]'s dynamic program.
    dp: RedecodeTables,
}

/// Maps `token` back to the bytes it came from under the CP949-as-Latin-1
/// (+ftfy) story; `alt_1252` picks the windows-1252 byte for the 27 1252
/// specials instead of their UTF-8 bytes. False when a char has no byte.
fn cp949_bytes_of(token: &str, alt_1252: bool, out: &mut Vec<u8>) -> bool {
    out.clear();
    for c in token.chars() {
        let u = c as u32;
        if u <= 0xFF {
            out.push(u as u8);
        } else if alt_1252 {
            match w1252_byte(c) {
                Some(b) => out.push(b),
                None => return false,
            }
        } else {
            // ftfy re-decoded a valid UTF-8 byte run into this char: undo it.
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    true
}

/// Decodes `bytes` as windows-949 into `out`, strictly, and only where
/// every two-byte character lies in KS X 1001 (both bytes A1..=FE): the
/// UHC extension's 8,822 rarer syllables take ASCII letters and 0x81..=0xA0
/// as trail bytes, so they turn Latin text into Hangul by accident (`°C` of
/// `2°C`, `Är` of `Ärger`, `¿Qu` of `¿Qué`), while Korean text uses them
/// about once in 10,000 syllables (typos such as `됬`). True when clean.
fn decode_949_strict(bytes: &[u8], out: &mut String) -> bool {
    out.clear();
    if !ks_x_1001_only(bytes) {
        return false;
    }
    let mut dec = EUC_KR.new_decoder_without_bom_handling();
    out.reserve(bytes.len() * 3 / 2 + 4);
    let (res, _read) = dec.decode_to_string_without_replacement(bytes, out, true);
    matches!(res, encoding_rs::DecoderResult::InputEmpty)
}

/// A byte of the KS X 1001 plane's two-byte characters (lead or trail).
#[inline]
fn is_ks_byte(b: u8) -> bool {
    (0xA1..=0xFE).contains(&b)
}

/// True when each byte ≥ 0x80 of `bytes` pairs with the next into a
/// character of the KS X 1001 plane (lead and trail both A1..=FE).
fn ks_x_1001_only(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += 1;
        } else if is_ks_byte(b) && bytes.get(i + 1).is_some_and(|&t| is_ks_byte(t)) {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// Counts of character classes in a reading.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Characters in all.
    pub chars: u32,
    /// Hangul syllables and jamo.
    pub hangul: u32,
    /// Han ideographs.
    pub han: u32,
    /// Hiragana and katakana.
    pub kana: u32,
    /// ASCII letters and digits.
    pub ascii_alnum: u32,
    /// Digits of any script.
    pub digits: u32,
    /// Everything else.
    pub other: u32,
}

impl Profile {
    /// Counts the characters of `s`.
    pub fn of(s: &str) -> Profile {
        let mut p = Profile::default();
        for c in s.chars() {
            p.chars += 1;
            if c.is_ascii_alphanumeric() {
                p.ascii_alnum += 1;
                if c.is_ascii_digit() {
                    p.digits += 1;
                }
            } else if is_hangul(c) {
                p.hangul += 1;
            } else if is_han(c) {
                p.han += 1;
            } else if is_kana(c) {
                p.kana += 1;
            } else {
                p.other += 1;
            }
        }
        p
    }

    /// Hangul characters as a share of all (0 for empty text).
    pub fn hangul_share(&self) -> f32 {
        if self.chars == 0 {
            0.0
        } else {
            self.hangul as f32 / self.chars as f32
        }
    }
}

/// Tries the CP949 views on a non-ASCII token. On success the reading is left
/// in `scratch.reading` and the view that produced it is returned.
///
/// Where ftfy's re-decoding leaves two whole readings (a char that may be
/// its own byte or a re-decoded pair), `prior` chooses the likelier
/// ([`SyllablePrior`]); without one the byte-for-byte reading is kept.
pub fn read_cp949(
    token: &str,
    scratch: &mut Scratch,
    prior: Option<&SyllablePrior>,
) -> Option<View> {
    if let Some(v) = read_cp949_unligated(token, scratch, prior) {
        return Some(v);
    }
    read_cp949_as_is(token, scratch, prior)
}

/// The ligatures ftfy spells out as ASCII (`fix_latin_ligatures`) that CP949
/// read as Latin-1 and re-decoded as UTF-8 produces: `캐` is `C4 B3`, read
/// `Ä³`, re-decoded `ĳ`, spelled `ij`; so `ij¸®ºñ¾È` is `캐리비안`.
const LIGATURES: [(&str, char); 5] = [
    ("ij", '\u{133}'),
    ("IJ", '\u{132}'),
    ("dz", '\u{1F3}'),
    ("Dz", '\u{1F2}'),
    ("DZ", '\u{1F1}'),
];

/// The CP949 view of a mojibake token with ftfy's ligature fix undone, when
/// it holds one of [`LIGATURES`]' digraphs and that reading is whole Hangul.
fn read_cp949_unligated(
    token: &str,
    scratch: &mut Scratch,
    prior: Option<&SyllablePrior>,
) -> Option<View> {
    if !token.chars().any(is_latin1_high) || !LIGATURES.iter().any(|(d, _)| token.contains(d)) {
        return None;
    }
    let mut lig = std::mem::take(&mut scratch.ligatures);
    lig.clear();
    let mut rest = token;
    while let Some(c) = rest.chars().next() {
        match LIGATURES.iter().find(|(d, _)| rest.starts_with(d)) {
            Some(&(d, l)) => {
                lig.push(l);
                rest = &rest[d.len()..];
            }
            None => {
                lig.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    // Whole characters only: dropping a stray byte as well would find
    // Hangul in a Latin word (`Dijkstraé` as `D캐kstra`).
    let v = read_cp949_as_is(&lig, scratch, prior)
        .filter(|&v| v == View::Cp949 && scratch.reading.chars().any(is_hangul_syllable));
    scratch.ligatures = lig;
    v
}

/// [`read_cp949`] on the token's chars as they stand.
fn read_cp949_as_is(
    token: &str,
    scratch: &mut Scratch,
    prior: Option<&SyllablePrior>,
) -> Option<View> {
    let Scratch {
        bytes,
        reading,
        alt_bytes,
        alt_reading,
        dp,
        ..
    } = scratch;
    let prior = prior.filter(|p| !p.is_empty());
    // The 1252 alternative differs only for chars beyond Latin-1.
    let alts: &[bool] = if token.chars().all(|c| (c as u32) <= 0xFF) {
        &[false]
    } else {
        &[false, true]
    };
    for &alt in alts {
        if cp949_bytes_of(token, alt, bytes) && decode_949_strict(bytes, reading) {
            // A whole byte-for-byte reading stands unless the prior finds a
            // reading through re-decoded pairs likelier.
            if let Some(p) = prior {
                let (plain, rarest) = p.cost_of_bytes(bytes);
                if p.is_rare(rarest)
                    && cp949_bytes_redecoded(token, alt_bytes, dp, Some(p))
                        .is_some_and(|c| c < plain)
                    && decode_949_strict(alt_bytes, alt_reading)
                {
                    std::mem::swap(reading, alt_reading);
                    std::mem::swap(bytes, alt_bytes);
                }
            }
            return Some(View::Cp949);
        }
    }
    // A whole reading through ftfy's re-decoded pairs beats dropping a byte.
    if cp949_bytes_redecoded(token, bytes, dp, prior).is_some() && decode_949_strict(bytes, reading)
    {
        return Some(View::Cp949);
    }
    for &alt in alts {
        if !cp949_bytes_of(token, alt, bytes) {
            continue;
        }
        // A cut two-byte character leaves one stray byte at an end; what is
        // left must hold a two-byte character, or any Latin-1 sign before
        // ASCII (`£5.05`, `°C`) would read as CP949 with its byte dropped.
        let n = bytes.len();
        if n >= 3 {
            for (a, b) in [(1, n), (0, n - 1), (1, n - 1)] {
                if decode_949_strict(&bytes[a..b], reading) && !reading.is_ascii() {
                    return Some(View::Cp949Shifted);
                }
            }
        }
    }
    reading.clear();
    None
}

/// The bytes ftfy re-decoded into `c`, written to `out`; returns their
/// number. ftfy reads a space after a lead byte as the no-break space (0xA0)
/// a page lost, so `기 빠` (`±â º`) came out as `⠺` (`E2 A0 BA`) and `거 카`
/// (`°Å Ä«`) as `°Šī` (`C5 A0`): the 0xA0 of a multi-byte char goes back to
/// the space.
fn ftfy_bytes(c: char, out: &mut [u8; 4]) -> usize {
    let n = c.encode_utf8(out).len();
    if n >= 2 {
        for b in &mut out[1..n] {
            if *b == 0xA0 {
                *b = b' ';
            }
        }
    }
    n
}

/// A Latin-1 char whose byte lies in the KS X 1001 range (A1..=FE): in CP949
/// read as Latin-1, either byte of a two-byte character, so a line that ends
/// in one may end inside a word even where the char is not a letter (`¡` of
/// the quote `¡¯`, `¸` of `멋`).
#[inline]
pub fn is_ks_byte_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_ks_byte)
}

/// A char of U+0080..=U+00FF: a high byte, read as Latin-1.
#[inline]
pub fn is_latin1_high(c: char) -> bool {
    ('\u{80}'..='\u{FF}').contains(&c)
}

/// The CP949 bytes behind `c` in text read as Latin-1 and passed through
/// ftfy: its own byte, or the bytes ftfy re-decoded into it ([`ftfy_bytes`]).
fn cp949_char_bytes(c: char, out: &mut [u8; 4]) -> usize {
    if (c as u32) <= 0xFF {
        out[0] = c as u32 as u8;
        1
    } else {
        ftfy_bytes(c, out)
    }
}

/// Feeds `src` to a CP949 decoder, the decoded text dropped; false when it is
/// malformed (with `last`, also when it ends inside a character).
fn feed_949(dec: &mut encoding_rs::Decoder, mut src: &[u8], last: bool) -> bool {
    let mut sink = [0u8; 64];
    loop {
        let (res, read, _) = dec.decode_to_utf8_without_replacement(src, &mut sink, last);
        match res {
            encoding_rs::DecoderResult::InputEmpty => return true,
            encoding_rs::DecoderResult::OutputFull => src = &src[read..],
            encoding_rs::DecoderResult::Malformed(..) => return false,
        }
    }
}

/// A word of CP949-as-Latin-1 text (ftfy's re-decoded chars undone) that
/// ends inside a two-byte character: what an injected line break leaves
/// when it cuts a character in two (`Kelly¡` of `Kelly¡¯s`). Found once for
/// the word before a cut, then tried against each candidate rest
/// ([`CutCharacter::completed_by`]). CP949 characters are one or two bytes,
/// so all the word leaves open is its last byte, a lead byte: that is all
/// that is kept.
pub struct CutCharacter {
    lead: u8,
}

impl CutCharacter {
    /// Chars of the rest that are read: enough to complete the character and
    /// see that the text goes on decoding.
    const REST_CHARS: usize = 8;

    /// `word` when it ends in a Latin-1 char and its bytes, read from its
    /// last ASCII char on (where characters align), decode up to a last lead
    /// byte waiting for its trail; a raw Hangul word never does.
    pub fn of(word: &str) -> Option<CutCharacter> {
        if !word.chars().next_back().is_some_and(is_latin1_high) {
            return None;
        }
        let from = word.rfind(|c: char| c.is_ascii()).map_or(0, |p| p + 1);
        let mut dec = EUC_KR.new_decoder_without_bom_handling();
        let (mut buf, mut lead) = ([0u8; 4], 0);
        for c in word[from..].chars() {
            let n = cp949_char_bytes(c, &mut buf);
            if !feed_949(&mut dec, &buf[..n], false) {
                return None;
            }
            lead = buf[n - 1];
        }
        // Ending the input fails only with a character left open.
        (!feed_949(&mut dec, &[], true)).then_some(CutCharacter { lead })
    }

    /// Whether `rest` (the text after the cut) completes the character and
    /// reads on cleanly: its leading non-ASCII chars, `Self::REST_CHARS`
    /// at most, decode after the open lead byte (a character left open at
    /// the end of what is read is fine: the rest was cut short).
    pub fn completed_by(&self, rest: &str) -> bool {
        let mut dec = EUC_KR.new_decoder_without_bom_handling();
        if !feed_949(&mut dec, &[self.lead], false) {
            return false;
        }
        let mut buf = [0u8; 4];
        let mut any = false;
        for c in rest
            .chars()
            .take(Self::REST_CHARS)
            .take_while(|c| !c.is_ascii())
        {
            let n = cp949_char_bytes(c, &mut buf);
            if !feed_949(&mut dec, &buf[..n], false) {
                return false;
            }
            any = true;
        }
        any
    }
}

/// True when `left` ends inside a CP949 character that `right` completes
/// ([`CutCharacter`]).
pub fn cut_character_rejoins(left: &str, right: &str) -> bool {
    CutCharacter::of(left).is_some_and(|cut| cut.completed_by(right))
}

/// Most byte strings one char of a CP949-as-Latin-1 token can stand for
/// ([`char_readings`]): a 4-byte char with each byte one way or the other.
const MAX_READINGS: usize = 16;

/// One byte string a char may stand for, and how many re-decoded pairs it
/// assumes.
#[derive(Clone, Copy, Default)]
struct CharReading {
    bytes: [u8; 8],
    len: u8,
    pairs: u8,
}

/// The byte strings `c` may stand for in text ftfy re-decoded, into `out`;
/// returns their number, the char's own bytes first. A char up to U+00FF is
/// its own byte, a char beyond the UTF-8 bytes ftfy re-decoded into it
/// ([`ftfy_bytes`]); and each of those bytes ≥ 0x80 may itself stand for
/// the pair ftfy re-decoded into it (one pair each: `ð` is `F0` or
/// `C3 B0`). ftfy fixes until nothing changes, so a pair can hide in a
/// pair: `태국` (`C5 C2 B1 B9`, `ÅÂ±¹`) became `Å±¹` and then `ű¹`, whose
/// `ű` is `C5 B1` and stands for `C5 C2 B1`.
fn char_readings(c: char, out: &mut [CharReading; MAX_READINGS]) -> usize {
    let mut own = [0u8; 4];
    let n_own = match u8::try_from(c) {
        Ok(b) => {
            own[0] = b;
            1
        }
        Err(_) => ftfy_bytes(c, &mut own),
    };
    let mut n = 0;
    for mask in 0u32..(1 << n_own) {
        // Only a high byte can have been a pair (a space stays a space).
        if (0..n_own).any(|k| mask & (1 << k) != 0 && own[k] < 0x80) {
            continue;
        }
        let mut r = CharReading {
            pairs: mask.count_ones() as u8,
            ..CharReading::default()
        };
        for (k, &b) in own[..n_own].iter().enumerate() {
            let at = r.len as usize;
            let len = if mask & (1 << k) != 0 {
                let mut pair = [0u8; 4];
                let len = ftfy_bytes(char::from(b), &mut pair);
                r.bytes[at..at + len].copy_from_slice(&pair[..len]);
                len
            } else {
                r.bytes[at] = b;
                1
            };
            r.len += len as u8;
        }
        out[n] = r;
        n += 1;
    }
    n
}

/// Longer tokens are not read through re-decoded pairs (spam words are short).
const REDECODE_MAX_CHARS: usize = 64;
/// A reading of a token's first chars in [`cp949_bytes_redecoded`]'s
/// lattice: the state it ends in (0 between characters, else the pending
/// lead byte), its least cost, the reading taken of its last char
/// ([`char_readings`]) and the node it extends.
#[derive(Debug, Clone, Copy)]
struct Node {
    lead: u8,
    cost: u32,
    reading: u8,
    prev: u32,
}

/// [`cp949_bytes_redecoded`]'s lattice, kept in the scratch: one row of
/// nodes per char read, each row holding only the states reached (a few,
/// of 41), so a token costs what it reads and allocates nothing once warm.
#[derive(Debug, Default, Clone)]
struct RedecodeTables {
    nodes: Vec<Node>,
    /// Where each row starts in `nodes`.
    rows: Vec<u32>,
}

/// Like [`cp949_bytes_of`], for a token where ftfy also re-decoded a byte
/// pair into a char of the Latin-1 range: `추천` is CP949 `C3 DF C3 B5`, read
/// as Latin-1 `ÃßÃµ`, and ftfy turns the valid UTF-8 pair `Ã` `µ` into `õ`,
/// leaving `Ãßõ`. Each char may stand for several byte strings
/// ([`char_readings`]); this picks, by dynamic programming, the reading whose
/// bytes form whole characters (ASCII, or a KS X 1001 symbol or common
/// Hangul syllable) at least cost, and returns that cost. Without a prior a
/// pair costs 1 and a character nothing: the reading with the fewest pairs.
/// With one, each character costs its `-ln p` and a pair [`PAIR_COST`] more:
/// the likeliest reading. None when no reading is whole.
fn cp949_bytes_redecoded(
    token: &str,
    out: &mut Vec<u8>,
    dp: &mut RedecodeTables,
    prior: Option<&SyllablePrior>,
) -> Option<u32> {
    // Only the KS X 1001 rows of symbols and common Hangul syllables: with
    // several ways to read each char, a looser grammar finds some reading in
    // almost any Latin-1 run (a cut `Ù´ÙÀÌ` would read as Hanja).
    let is_lead = |b: u8| matches!(b, 0xA1..=0xAC | 0xB0..=0xC8);
    let pair_cost = prior.map_or(1, |_| PAIR_COST);
    let costs = prior.map(SyllablePrior::costs);
    // The state after byte `b` in state `lead` (0: between characters), and
    // the cost of the character it completes; None: not a CP949 prefix.
    let step = |lead: u8, b: u8| -> Option<(u8, u32)> {
        if lead != 0 {
            is_ks_byte(b).then(|| (0, costs.map_or(0, |c| prior::cell_cost(c, lead, b))))
        } else if b < 0x80 {
            Some((0, 0))
        } else {
            is_lead(b).then_some((b, 0))
        }
    };
    // On the stack: this runs on the memo-miss path of the filter.
    let mut buf = ['\0'; REDECODE_MAX_CHARS];
    let mut len = 0;
    for c in token.chars() {
        let slot = buf.get_mut(len)?;
        *slot = c;
        len += 1;
    }
    let chars = &buf[..len];
    if !chars.iter().any(|&c| is_latin1_high(c)) {
        return None;
    }
    let RedecodeTables { nodes, rows } = dp;
    nodes.clear();
    rows.clear();
    rows.push(0);
    nodes.push(Node {
        lead: 0,
        cost: 0,
        reading: 0,
        prev: 0,
    });
    let mut readings = [CharReading::default(); MAX_READINGS];
    for &c in chars {
        let n = char_readings(c, &mut readings);
        let (row, next) = (*rows.last()? as usize, nodes.len());
        rows.push(next as u32);
        for j in row..next {
            let Node { lead, cost, .. } = nodes[j];
            for (r, reading) in readings[..n].iter().enumerate() {
                let mut state = Some((lead, cost + u32::from(reading.pairs) * pair_cost));
                for &b in &reading.bytes[..reading.len as usize] {
                    state = state.and_then(|(s, cost)| step(s, b).map(|(t, c)| (t, cost + c)));
                }
                let Some((to, cost)) = state else { continue };
                let node = Node {
                    lead: to,
                    cost,
                    reading: r as u8,
                    prev: j as u32,
                };
                match nodes[next..].iter_mut().find(|m| m.lead == to) {
                    Some(m) if cost < m.cost => *m = node,
                    Some(_) => {}
                    None => nodes.push(node),
                }
            }
        }
        if nodes.len() == next {
            return None;
        }
    }
    let last = *rows.last()? as usize;
    let end = last + nodes[last..].iter().position(|m| m.lead == 0)?;
    let cost = nodes[end].cost;
    // Walk back to the choices, then write the bytes forward.
    let mut chosen = [0u8; REDECODE_MAX_CHARS];
    let mut at = end;
    for i in (0..chars.len()).rev() {
        chosen[i] = nodes[at].reading;
        at = nodes[at].prev as usize;
    }
    // ftfy repairs pairs inside mojibake: some character must come from
    // plain bytes too, or every `ü` (`C3 BC`) would read as Hangul; and two
    // must be mojibake of one kind or the other, a plain byte or a char
    // ftfy re-decoded beyond Latin-1 (`Àӽà` is `임시 `: `ӽ` was `Ó½`, `à`
    // was `Ã` and a space), or a lone `é` would.
    let plain_high = chars
        .iter()
        .zip(&chosen)
        .filter(|&(&c, &r)| r == 0 && is_latin1_high(c))
        .count();
    let beyond = chars.iter().filter(|&&c| c as u32 > 0xFF).count();
    if plain_high == 0 || plain_high + beyond < 2 {
        return None;
    }
    out.clear();
    for (&c, &r) in chars.iter().zip(&chosen) {
        char_readings(c, &mut readings);
        let reading = &readings[r as usize];
        out.extend_from_slice(&reading.bytes[..reading.len as usize]);
    }
    Some(cost)
}

/// Tries UTF-8 behind windows-1252 (`ë°”ë‹¤` → `바다`).
pub fn read_utf8_from_1252(token: &str, scratch: &mut Scratch) -> Option<View> {
    let Scratch { bytes, reading, .. } = scratch;
    bytes.clear();
    for c in token.chars() {
        match byte_1252(c) {
            Some(b) => bytes.push(b),
            None => return None,
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.is_ascii() => {
            reading.clear();
            reading.push_str(s);
            Some(View::Utf8From1252)
        }
        _ => None,
    }
}

/// Whether two Hangul syllables stand side by side in `token`.
fn two_syllables_in_a_row(token: &str) -> bool {
    let mut prev = false;
    for c in token.chars() {
        let now = is_hangul_syllable(c);
        if now && prev {
            return true;
        }
        prev = now;
    }
    false
}

/// The best reading of a token: raw when it already holds Hangul, else the
/// first view that decodes cleanly to text with Hangul, else raw.
/// The reading is left in `scratch.reading`.
///
/// `prior` weighs the CP949 view's readings where ftfy's re-decoding leaves
/// two ([`read_cp949`]).
pub fn best_reading(token: &str, scratch: &mut Scratch, prior: Option<&SyllablePrior>) -> View {
    if token.is_ascii() || token.chars().any(is_hangul) || token.chars().any(|c| c as u32 > 0x2122)
    {
        // Raw Hangul, CJK, full-width and other text beyond the 1252 range:
        // no byte-level mis-decoding could have produced it except ftfy's
        // partial re-decode, which leaves Latin-1 chars around it. Nor two
        // syllables in a row: ftfy re-decodes a CP949 trail byte and the
        // next character into one syllable, whose next byte is a lead byte
        // of Hangul (B0..=C8), never a UTF-8 lead (E0..=EF), so the middle
        // dot of `군·경찰` is punctuation, not mojibake.
        if !token
            .chars()
            .any(|c| (c as u32) >= 0x80 && (c as u32) <= 0xFF)
            || two_syllables_in_a_row(token)
        {
            scratch.reading.clear();
            scratch.reading.push_str(token);
            return View::Raw;
        }
    }
    // Valid multi-byte UTF-8 rarely happens by chance, so this view goes first.
    if let Some(v) = read_utf8_from_1252(token, scratch) {
        if scratch.reading.chars().any(is_hangul_syllable) {
            return v;
        }
        // Mojibake of mojibake: a page mis-decoded twice (CP949 or UTF-8
        // read as Latin-1, stored as UTF-8, read as windows-1252 again)
        // reads, one layer peeled, as the single mojibake the views read.
        // Tried before CP949, whose one-byte-shifted view would find a few
        // syllables in the outer layer's bytes.
        if let Some(v) = read_inner_layer(scratch, prior) {
            return v;
        }
    }
    if let Some(v) = read_cp949(token, scratch, prior) {
        if scratch.reading.chars().any(is_hangul_syllable) {
            return v;
        }
    }
    scratch.reading.clear();
    scratch.reading.push_str(token);
    View::Raw
}

/// The inner view of a token whose UTF-8-behind-windows-1252 reading, left
/// in `scratch.reading`, has no Hangul: that reading's own UTF-8 or CP949
/// reading, when it has Hangul. The reading is left in `scratch.reading`.
fn read_inner_layer(scratch: &mut Scratch, prior: Option<&SyllablePrior>) -> Option<View> {
    let mut outer = std::mem::take(&mut scratch.outer);
    outer.clear();
    outer.push_str(&scratch.reading);
    // An inner layer that is valid UTF-8 with no Hangul is Western text read
    // twice (`cafÃƒÂ©`), which the CP949 view would misread as Hangul.
    let inner = match read_utf8_from_1252(&outer, scratch) {
        Some(v) if scratch.reading.chars().any(is_hangul_syllable) => Some(v),
        Some(_) => None,
        None => read_cp949(&outer, scratch, prior)
            .filter(|_| scratch.reading.chars().any(is_hangul_syllable)),
    };
    scratch.outer = outer;
    inner
}

/// Folds obfuscation out of a reading: full-width ASCII to ASCII, symbols
/// standing between two Hangul syllables (`바@카@라`, `야★마★토`) dropped,
/// and syllables spelled in conjoining jamo (Unicode's decomposed form, as
/// macOS writes file names and some editors paste) composed, so that the
/// lexical scorer sees `바다` whichever way it was spelled.
/// Returns true when anything changed.
pub fn deobfuscate(reading: &str, out: &mut String) -> bool {
    out.clear();
    // Most readings hold neither (news ends its words with `.`, `,`, `”`
    // after a syllable, with no syllable after): leave without copying.
    needs_deobfuscation(reading) && deobfuscate_into(reading, out)
}

/// How many single syllables stand between two symbol gaps that
/// [`deobfuscate`] drops (`리` and `비` in `캐*리*비`): spelling a name out
/// syllable by syllable is how an ad hides it from keyword filters, while
/// news separates whole words (`서울·부산·대구` has none).
pub fn obfuscation_islands(reading: &str) -> u32 {
    let cs: Vec<char> = reading.chars().collect();
    // The syllable before a gap of one or two symbols ending just before
    // `at` (exclusive), if any.
    let gap_before = |at: usize| {
        (1..=2).any(|n| {
            at > n
                && cs[at - n..at].iter().all(|&c| is_symbol(c))
                && is_hangul_syllable(cs[at - n - 1])
        })
    };
    let gap_after = |at: usize| {
        (1..=2).any(|n| {
            at + n + 1 < cs.len()
                && cs[at + 1..at + 1 + n].iter().all(|&c| is_symbol(c))
                && is_hangul_syllable(cs[at + n + 1])
        })
    };
    (0..cs.len())
        .filter(|&j| is_hangul_syllable(cs[j]) && gap_before(j) && gap_after(j))
        .count() as u32
}

/// [`deobfuscate`] without the scan first: `out` takes the folded reading
/// whether or not anything changed.
fn deobfuscate_into(reading: &str, out: &mut String) -> bool {
    let mut changed = false;
    let mut prev_syllable = false;
    let mut skip_to = 0usize;
    for (i, c) in reading.char_indices() {
        if i < skip_to {
            continue;
        }
        if let Some((syllable, len)) = compose_jamo(&reading[i..]) {
            out.push(syllable);
            skip_to = i + len;
            changed = true;
            prev_syllable = true;
        } else if is_fullwidth(c) {
            out.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c));
            changed = true;
            prev_syllable = false;
        } else if prev_syllable && is_symbol(c) {
            // One or two symbols, then a syllable: drop the symbols.
            let mut n = 0;
            let mut next_syllable = None;
            for (j, d) in reading[i..].char_indices() {
                if is_symbol(d) && n < 2 {
                    n += 1;
                    continue;
                }
                if starts_syllable(&reading[i + j..]) {
                    next_syllable = Some(i + j);
                }
                break;
            }
            match next_syllable {
                Some(at) => {
                    skip_to = at;
                    changed = true;
                }
                None => {
                    out.push(c);
                    prev_syllable = false;
                }
            }
        } else {
            out.push(c);
            prev_syllable = is_hangul_syllable(c);
        }
    }
    changed
}

/// Whether [`deobfuscate`] changes `reading`: it holds a full-width char,
/// or one or two symbols between two Hangul syllables. A scan without
/// copying, for the common case of neither.
fn needs_deobfuscation(reading: &str) -> bool {
    let mut prev_syllable = false;
    for (i, c) in reading.char_indices() {
        if is_fullwidth(c) || is_leading_jamo(c) && compose_jamo(&reading[i..]).is_some() {
            return true;
        }
        if prev_syllable && is_symbol(c) {
            let (symbols, after) = reading[i..]
                .chars()
                .take_while(|&d| is_symbol(d))
                .fold((0, 0), |(n, len), d| (n + 1, len + d.len_utf8()));
            if symbols <= 2 && starts_syllable(&reading[i + after..]) {
                return true;
            }
        }
        prev_syllable = is_hangul_syllable(c);
    }
    false
}

/// Whether `s` starts with a syllable, precomposed or in conjoining jamo.
fn starts_syllable(s: &str) -> bool {
    s.chars().next().is_some_and(is_hangul_syllable) || compose_jamo(s).is_some()
}

#[inline]
fn is_leading_jamo(c: char) -> bool {
    ('\u{1100}'..='\u{1112}').contains(&c)
}

/// The syllable that conjoining jamo at the start of `s` spell (a leading
/// consonant, a vowel, maybe a trailing consonant: Unicode's arithmetic
/// composition) and the bytes they take; None unless `s` starts with one.
fn compose_jamo(s: &str) -> Option<(char, usize)> {
    let mut cs = s.chars();
    let l = cs.next().filter(|&c| is_leading_jamo(c))? as u32 - 0x1100;
    let v = cs
        .next()
        .filter(|c| ('\u{1161}'..='\u{1175}').contains(c))? as u32
        - 0x1161;
    let t = cs
        .next()
        .filter(|c| ('\u{11A8}'..='\u{11C2}').contains(c))
        .map_or(0, |c| c as u32 - 0x11A7);
    let syllable = char::from_u32(0xAC00 + (l * 21 + v) * 28 + t)?;
    Some((syllable, 6 + if t > 0 { 3 } else { 0 }))
}

#[inline]
fn is_fullwidth(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

#[inline]
fn is_symbol(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    !is_hangul(c) && !is_alnum(c) && !c.is_whitespace()
}

/// Decodes a fragment as found in the text to its Hangul, for reports:
/// each token through its best view, de-obfuscated. None if no token has Hangul.
pub fn decode_hangul(fragment: &str) -> Option<String> {
    let mut scratch = Scratch::default();
    let mut deob = String::new();
    let mut out = String::new();
    let mut any = false;
    for tok in fragment
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
    {
        best_reading(tok, &mut scratch, None);
        let r = if deobfuscate(&scratch.reading, &mut deob) {
            &deob
        } else {
            &scratch.reading
        };
        any |= r.chars().any(is_hangul);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(r);
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_cut_in_two_rejoins_across_words() {
        assert!(cut_character_rejoins("°", "ÔÀÓ"));
        assert!(!cut_character_rejoins("°Ô", "ÀÓ"));
        // The article's own quote `¡¯`, cut after its lead byte.
        assert!(cut_character_rejoins("Kelly¡", "¯s"));
        assert!(cut_character_rejoins("Labour. ¡", "°I"));
        assert!(!cut_character_rejoins("Kelly¡¯s", "success"));
        assert!(!cut_character_rejoins("Kelly¡", "5929seven.net"));
        assert!(!cut_character_rejoins("restorin", "g"));
        assert!(!cut_character_rejoins("눈물날", "정도로"));
        // `바다이야기` through ftfy is `¹Ù´ÙÀ̾߱â`: `̾` (CC BE) and `߱` (DF B1)
        // are byte pairs ftfy re-decoded. Cut after `À` (C0), the lead byte
        // of `이` (C0 CC) stands alone, and its trail is inside `̾`.
        assert!(cut_character_rejoins("¹Ù´ÙÀ", "\u{33e}\u{7f1}â°ÔÀÓÀå"));
        assert!(!cut_character_rejoins("¹Ù´Ù", "À\u{33e}\u{7f1}â"));
        // Cut after `°` (B0) of `게` (B0 D4), far into a long word: read from
        // the word's start, where characters align.
        assert!(cut_character_rejoins("¹Ù´ÙÀ\u{33e}\u{7f1}â°", "ÔÀÓÀå"));
        assert!(!cut_character_rejoins("¹Ù´ÙÀ\u{33e}\u{7f1}â", "°ÔÀÓÀå"));
    }

    #[test]
    fn islands_count_syllables_spelled_out_between_symbols() {
        assert_eq!(obfuscation_islands("캐*리*비*안*스*터*드"), 5);
        assert_eq!(obfuscation_islands("바@카@라"), 1);
        assert_eq!(obfuscation_islands("야★★마★토"), 1);
        assert_eq!(obfuscation_islands("서울·부산·대구"), 0);
        assert_eq!(obfuscation_islands("바@카라"), 0);
        assert_eq!(obfuscation_islands("바@@@카@라"), 0);
        assert_eq!(obfuscation_islands(""), 0);
    }

    #[test]
    fn the_scan_before_deobfuscating_agrees_with_folding() {
        use rand::{Rng, SeedableRng};
        let alphabet = ['가', '나', '@', '★', '.', '”', 'a', 'Ａ', ' ', '1'];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (mut out, mut changed) = (String::new(), 0);
        for _ in 0..20_000 {
            let n = rng.gen_range(0..9);
            let s: String = (0..n)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            out.clear();
            let folds = deobfuscate_into(&s, &mut out);
            assert_eq!(needs_deobfuscation(&s), folds, "{s:?}");
            assert_eq!(folds, out != s, "{s:?}");
            changed += folds as usize;
        }
        assert!(changed > 1000, "{changed}");
    }

    fn read(tok: &str) -> (View, String) {
        let mut s = Scratch::default();
        let v = best_reading(tok, &mut s, None);
        (v, s.reading)
    }

    #[test]
    fn seed_fragments_read_back_to_their_hangul() {
        for (moj, hangul) in [
            ("¹Ù´ÙÀ̾߱â°ÔÀÓÀå", "바다이야기게임장"),
            ("¾ß¸¶Å俬Ÿ", "야마토연타"),
            ("¿À¼Ç¸±°ÔÀÓ", "오션릴게임"),
            ("Ȳ±Ý¼º»çÀÌÆ®", "황금성사이트"),
            ("¸±°ÔÀÓ5¸¸", "릴게임5만"),
        ] {
            assert_eq!(read(moj), (View::Cp949, hangul.to_string()), "{moj}");
        }
    }

    #[test]
    fn article_punctuation_mojibake_reads_as_punctuation() {
        let mut s = Scratch::default();
        assert_eq!(read_cp949("Lee¡¯s", &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "Lee\u{2019}s");
        // ftfy turned the `Ãµ` of `ÃßÃµ` (CP949 추천) into `õ`.
        assert_eq!(read_cp949("Ãßõ", &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "추천");
        assert_eq!(
            crate::encoding::forward::cp949_ftfy("놀이터추천").as_deref(),
            Some("³îÀÌÅÍÃßõ")
        );
        assert_eq!(read_cp949("³îÀÌÅÍÃßõ", &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "놀이터추천");
        // ftfy spells `ĳ` (`캐`, `C4 B3`) out as `ij`.
        let seen = crate::encoding::forward::cp949_ftfy("캐리비안스터드").unwrap();
        assert!(seen.starts_with("ij"), "{seen}");
        assert_eq!(read(&seen), (View::Cp949, "캐리비안스터드".to_string()));
        let seen = crate::encoding::forward::cp949_ftfy("하드캐리 풍경").unwrap();
        assert_eq!(read_cp949(&seen, &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "하드캐리 풍경");
        // A Latin word with the digraph and a Latin-1 letter stays Latin.
        assert_eq!(read("Dijkstraé"), (View::Raw, "Dijkstraé".to_string()));
        let seen = crate::encoding::forward::cp949_ftfy("후기 빠찡코").unwrap();
        assert_eq!(seen, "Èı⠺üÂôÄÚ");
        assert_eq!(read_cp949(&seen, &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "후기 빠찡코");
        // The same repair in a two-byte char: `거 카` (`°Å Ä«`) came out as
        // `°Šī` (`Å ` read as `C5 A0`, `Š`).
        let seen = crate::encoding::forward::cp949_ftfy("레드타이거 카톡문의").unwrap();
        assert!(seen.contains('Š') && !seen.contains(' '), "{seen}");
        assert_eq!(read_cp949(&seen, &mut s, None), Some(View::Cp949));
        assert_eq!(s.reading, "레드타이거 카톡문의");
        assert_eq!(read("¡°This"), (View::Raw, "¡°This".to_string()));
        // Latin text that only the UHC extension would read as Hangul.
        for latin in ["2°C", "Ärger", "¿Qué", "¡Hola"] {
            assert_eq!(read(latin), (View::Raw, latin.to_string()), "{latin}");
        }
    }

    #[test]
    fn the_prior_chooses_between_a_pair_and_plain_bytes() {
        // `시고` is `BD C3 B0 ED`; ftfy re-decodes `Ã°` (`C3 B0`) into `ð`,
        // and `½ðí` also reads byte for byte, one byte shifted: `쏜…`.
        let token = forward::cp949_ftfy("조심하시고").unwrap();
        assert!(token.contains('ð'), "{token}");
        let mut s = Scratch::default();
        assert_eq!(read_cp949(&token, &mut s, None), Some(View::Cp949));
        assert!(s.reading.starts_with("조심하쏜"), "{}", s.reading);
        let mut prior = SyllablePrior::default();
        prior.add("조심하시고 시고 하고 고시 이다 조심하세요");
        assert_eq!(read_cp949(&token, &mut s, Some(&prior)), Some(View::Cp949));
        assert_eq!(s.reading, "조심하시고");
        // A word whose own bytes read likelier stays as it is.
        let plain = forward::cp949_ftfy("조심").unwrap();
        assert_eq!(read_cp949(&plain, &mut s, Some(&prior)), Some(View::Cp949));
        assert_eq!(s.reading, "조심");
    }

    #[test]
    fn pairs_re_decoded_twice_read_back() {
        let mut prior = SyllablePrior::default();
        // Enough text that a syllable seen outweighs one never seen.
        prior.add(&"형태가 상태가 태국 임시 시간 국가 가격 ".repeat(200));
        let mut s = Scratch::default();
        // `태` is `C5 C2`: before `가` (`B0 A1`) ftfy makes `Â°` into `°`,
        // then `Å°` into `Ű`, which stands for three bytes.
        let token = forward::cp949_ftfy("형태가").unwrap();
        assert_eq!(token, "ÇüŰ¡");
        assert_eq!(read_cp949(&token, &mut s, Some(&prior)), Some(View::Cp949));
        assert_eq!(s.reading, "형태가");
        // With one plain byte beside a char ftfy re-decoded beyond Latin-1.
        assert_eq!(read_cp949("ű¹", &mut s, Some(&prior)), Some(View::Cp949));
        assert_eq!(s.reading, "태국");
        // `시` and the space after it: `Ó½` became `ӽ`, `Ã ` became `à`.
        assert_eq!(read_cp949("Àӽà", &mut s, Some(&prior)), Some(View::Cp949));
        assert_eq!(s.reading, "임시 ");
        // Still no Hangul in one Latin-1 char re-decoded: no plain byte.
        assert_eq!(read_cp949("ü", &mut s, Some(&prior)), None);
    }

    #[test]
    fn other_views() {
        assert_eq!(read("ë°”ë‹¤"), (View::Utf8From1252, "바다".to_string()));
        // Mojibake of mojibake: one layer of UTF-8 behind windows-1252
        // peeled, the inner CP949 or UTF-8 view reads the rest.
        let twice = |s: &str| -> String { s.bytes().map(char::from).collect() };
        let cp949 = "¹Ù´ÙÀ̾߱â°ÔÀÓÀå";
        assert_eq!(
            read(&twice(cp949)),
            (View::Cp949, "바다이야기게임장".to_string())
        );
        let utf8: String = "바다".bytes().map(char::from).collect();
        assert_eq!(
            read(&twice(&utf8)),
            (View::Utf8From1252, "바다".to_string())
        );
        // Western UTF-8 mojibake read twice is not Hangul.
        assert_eq!(read(&twice("cafÃ©")), (View::Raw, twice("cafÃ©")));
        assert_eq!(read("바카라"), (View::Raw, "바카라".to_string()));
        assert_eq!(read("Müller"), (View::Raw, "Müller".to_string()));
        assert_eq!(read("café"), (View::Raw, "café".to_string()));
        // Korean with a Latin-1 middle dot: raw, not mojibake (it would read
        // as `援갬寃쎌같`).
        assert_eq!(read("군·경찰"), (View::Raw, "군·경찰".to_string()));
        assert_eq!(read("한·중"), (View::Raw, "한·중".to_string()));
        // A two-byte character cut by the injection: one stray byte dropped.
        let (v, r) = read("Ù´ÙÀÌ");
        assert_eq!((v, r.as_str()), (View::Cp949Shifted, "다이"));
        // But a Latin-1 sign before ASCII is no cut character.
        let mut s = Scratch::default();
        assert_eq!(read_cp949("£5.05", &mut s, None), None);
        assert_eq!(read_cp949("°C", &mut s, None), None);
    }

    #[test]
    fn deobfuscation() {
        let mut out = String::new();
        assert!(deobfuscate("바@카@라", &mut out));
        assert_eq!(out, "바카라");
        assert!(deobfuscate("ＳＯＧＯ９．ＣＯＭ", &mut out));
        assert_eq!(out, "SOGO9.COM");
        assert!(!deobfuscate("서울, 부산", &mut out));
        assert!(deobfuscate("경☆마 3", &mut out));
        assert_eq!(out, "경마 3");
        // Decomposed (NFD) syllables: jamo composed, with and without a
        // trailing consonant, beside symbols dropped as above.
        let nfd = "\u{1107}\u{1161}@\u{1103}\u{1161}\u{110B}\u{1175}\u{110B}\u{1163}\u{1100}\u{1175}\u{1100}\u{1166}\u{110B}\u{1175}\u{11B7}\u{110C}\u{1161}\u{11BC}";
        assert!(deobfuscate(nfd, &mut out));
        assert_eq!(out, "바다이야기게임장");
        // A lone jamo or a compatibility jamo (`ㅋㅋ`) is left as it is.
        assert!(!deobfuscate("\u{1100}x ㅋㅋ", &mut out));
        assert_eq!(
            decode_hangul("¸±°ÔÀÓ5¸¸ sogo9.com").as_deref(),
            Some("릴게임5만 sogo9.com")
        );
    }
}
