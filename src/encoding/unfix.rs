//! Repair's reading of a token: ftfy's fixes undone as far as they go, for
//! tokens already shown to be CP949 mojibake (a line of them).
//!
//! The views ([`super::read_cp949`]) must not find Hangul in clean Latin
//! text, so they undo one re-decoding per byte and read only the KS X 1001
//! plane. Repair reads a line that strong tokens already showed to be
//! mojibake, and there the rest of ftfy's work has to be undone too:
//!
//! - **re-decoding through other code pages.** ftfy's
//!   `decode_inconsistent_utf8` runs to a fixed point, and each run it finds
//!   may be re-encoded through any of its ten code pages before it is read
//!   as UTF-8: `시키고` (`½ÃÅ°°í`) became `½ÃŰ°í` (`Å°` read as UTF-8) and
//!   then `½Ã۰í` (`Ű°` is `DB B0` in windows-1250, read as UTF-8). A char
//!   therefore stands for its UTF-8 bytes read back through any page, each
//!   of those chars again for its own byte or for a further re-decoding
//!   ([`DEPTH`] levels).
//! - **`Ã` before a space.** ftfy reads `Ã ` as `à ` (`A_GRAVE_WORD_RE`),
//!   keeping the space: `커플 화` came out as `Ä¿Çà ȭ`, so a token-final
//!   `à` may be the lone byte `C3`.
//! - **Curly quotes made ASCII.** ftfy's `uncurl_quotes` writes `'` for
//!   `ʼ` and `’` (and `"` for `“ ”`) that a re-decoding (`Ê¼` read as
//!   UTF-8) or a windows-1252 byte (`92`) made: `필수` came out as `Ç'ö`.
//! - **NFC.** ftfy normalizes, and canonical reordering sorts adjacent
//!   combining marks that re-decoding produced (`주셨다` came out with
//!   U+0334 before U+05BC): the marks' other orders are tried too. NFC also
//!   maps some chars a re-decoding made to others ([`nfc_preimages`]): `Í´`
//!   read as UTF-8 is U+0374, which NFC writes `ʹ` (U+02B9), so `와는`
//!   came out as `¿ʹÂ`; `Í¾` became `;`; and the Hebrew `בּ` (U+FB31) of
//!   `학연` two chars, `ב` and a dagesh.
//! - **windows-949's extension** syllables (`렜` `8E AE`), which the views
//!   leave out, count, at a rare syllable's cost.
//!
//! Among the readings whose bytes decode whole, a dynamic program picks the
//! likeliest: each character's cost under the syllable prior plus
//! [`REDECODE_COST`] for each re-decoding assumed (without a prior, the fewest
//! re-decodings).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

use super::forward::{code_page_char, CODE_PAGES};
use super::{ftfy_bytes, is_ks_byte, prior, w1252_byte, SyllablePrior};
use encoding_rs::EUC_KR;

/// How many re-decodings deep a char is unwound: two undo `½Ã۰í`, and a
/// third would multiply the readings for no case seen in the corpora.
const DEPTH: u8 = 2;
/// The most byte strings kept for one char (most are cut by the grammar
/// long before this).
const MAX_PER_CHAR: usize = 512;
/// What one re-decoding assumed costs, in the prior's units (sixteenths of
/// a nat): less than the views' [`super::PAIR_COST`], since on a line of
/// mojibake re-decoded runs are the rule, not the exception.
const REDECODE_COST: u32 = 16;
/// What an ASCII letter read as itself costs: in a token of Korean
/// mojibake a letter is more often ftfy's spelled-out ligature (`dz` for
/// `ǳ`, which was `풍`) or an extension syllable's trail byte than a
/// letter; where no other reading exists every reading pays the same.
/// Measured leave-one-corpus-out (`tests/repair_corpora.rs`, 2026-12-08,
/// whole documents): 93.13% at 96, 93.34% at 128 and 144, 93.49% at 160
/// and 176, 93.13% at 200 (`Dz볼` for `풋볼`, `IJ성` for `캉성` at 96).
const LETTER_COST: u32 = 168;
/// Tokens longer than this (in chars) are not unwound: the lattice's work
/// grows with the token, and a review written without spaces runs to a
/// hundred chars and more (leave-one-corpus-out whole documents, 2026-12-08:
/// 93.49% at 64, 93.67% at 256 and at 1,024).
const MAX_CHARS: usize = 256;

/// One byte string a char may stand for, and how many re-decodings it
/// assumes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unfixed {
    bytes: Vec<u8>,
    steps: u8,
}

/// The byte a char stands for with nothing re-decoded: its own (Latin-1),
/// or its windows-1252 byte (`Ž` is `8E`).
fn own_byte(c: char) -> Option<u8> {
    u8::try_from(c).ok().or_else(|| w1252_byte(c))
}

/// The curly quotes ftfy's `uncurl_quotes` turns into the ASCII quote `c`
/// (its `SINGLE_QUOTE_RE` and `DOUBLE_QUOTE_RE`).
fn uncurled(c: char) -> &'static [char] {
    match c {
        '\'' => &['\u{2BC}', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'],
        '"' => &['\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}'],
        _ => &[],
    }
}

/// The chars whose NFC is not themselves, by what NFC writes for them (one
/// char, or two or three: a composition exclusion such as U+FB31), built on
/// first use from the Unicode tables.
fn nfc_images() -> &'static HashMap<Vec<char>, Vec<char>> {
    static IMAGES: std::sync::OnceLock<HashMap<Vec<char>, Vec<char>>> = std::sync::OnceLock::new();
    IMAGES.get_or_init(|| {
        let mut m: HashMap<Vec<char>, Vec<char>> = HashMap::new();
        // UTF-8 re-decoding of two or three bytes reaches U+0080..=U+FFFF.
        for ch in (0x80u32..=0xFFFF).filter_map(char::from_u32) {
            let image: Vec<char> = std::iter::once(ch).nfc().collect();
            if image != [ch] && image.len() <= 3 {
                m.entry(image).or_default().push(ch);
            }
        }
        m
    })
}

/// The chars NFC writes as `seen` (see [`nfc_images`]); empty for most.
fn nfc_preimages(seen: &[char]) -> &'static [char] {
    nfc_images().get(seen).map_or(&[], Vec::as_slice)
}

/// Every byte string `c` may stand for, `depth` re-decodings deep, into
/// `out` (deduplicated, the fewest steps kept).
fn unfix(c: char, depth: u8, out: &mut Vec<Unfixed>) {
    if depth > 0 {
        // NFC wrote `c` for another char a re-decoding made (one step more).
        for &pre in nfc_preimages(&[c]) {
            let mut sub = Vec::new();
            unfix_made(pre, depth, &mut sub);
            out.extend(sub.into_iter().map(|u| Unfixed {
                steps: u.steps + 1,
                ..u
            }));
        }
    }
    unfix_made(c, depth, out);
}

/// [`unfix`] for a char as the re-decoding made it, before NFC.
fn unfix_made(c: char, depth: u8, out: &mut Vec<Unfixed>) {
    if let Some(b) = own_byte(c) {
        out.push(Unfixed {
            bytes: vec![b],
            steps: 0,
        });
    }
    if c.is_ascii() {
        if depth > 0 {
            // ftfy's `uncurl_quotes` wrote the quote a re-decoding made
            // (`ÇÊ¼ö` became `Çʼö`, then `Ç'ö`, for `필수`).
            for &q in uncurled(c) {
                let mut sub = Vec::new();
                unfix(q, depth - 1, &mut sub);
                out.extend(sub.into_iter().map(|u| Unfixed {
                    steps: u.steps + 1,
                    ..u
                }));
            }
            out.sort_by(|a, b| a.bytes.cmp(&b.bytes).then(a.steps.cmp(&b.steps)));
            out.dedup_by(|a, b| a.bytes == b.bytes);
        }
        return;
    }
    if depth == 0 {
        return;
    }
    let mut utf8 = [0u8; 4];
    let n = ftfy_bytes(c, &mut utf8);
    for page in 0..CODE_PAGES {
        let mut partial = vec![Unfixed {
            bytes: Vec::new(),
            steps: 1,
        }];
        for &b in &utf8[..n] {
            let mut sub = Vec::new();
            if b < 0x80 {
                sub.push(Unfixed {
                    bytes: vec![b],
                    steps: 0,
                });
            } else if let Some(ch) = code_page_char(page, b) {
                unfix(ch, depth - 1, &mut sub);
            }
            let mut next = Vec::with_capacity(partial.len() * sub.len());
            'outer: for p in &partial {
                for s in &sub {
                    if next.len() >= MAX_PER_CHAR {
                        break 'outer;
                    }
                    let mut bytes = p.bytes.clone();
                    bytes.extend_from_slice(&s.bytes);
                    next.push(Unfixed {
                        bytes,
                        steps: p.steps + s.steps,
                    });
                }
            }
            partial = next;
            if partial.is_empty() {
                break;
            }
        }
        out.extend(partial);
    }
    out.sort_by(|a, b| a.bytes.cmp(&b.bytes).then(a.steps.cmp(&b.steps)));
    out.dedup_by(|a, b| a.bytes == b.bytes);
    out.truncate(MAX_PER_CHAR);
}

thread_local! {
    /// [`unfix`]'s answers per char: they depend on the char alone, and a
    /// document repeats few distinct ones.
    static UNFIXED: RefCell<HashMap<char, Rc<[Unfixed]>>> = RefCell::new(HashMap::new());
}

fn unfixed(c: char) -> Rc<[Unfixed]> {
    UNFIXED.with(|m| {
        m.borrow_mut()
            .entry(c)
            .or_insert_with(|| {
                let mut v = Vec::new();
                unfix(c, DEPTH, &mut v);
                v.into()
            })
            .clone()
    })
}

/// Whether `lead`, `trail` is a character of windows-949's extension (the
/// 8,822 syllables outside KS X 1001).
fn is_uhc_extension(lead: u8, trail: u8) -> bool {
    let trail_ok = matches!(trail, 0x41..=0x5A | 0x61..=0x7A | 0x81..=0xFE);
    match lead {
        0x81..=0xA0 => trail_ok,
        0xA1..=0xC5 => trail_ok && trail < 0xA1,
        0xC6 => (0x41..=0x52).contains(&trail),
        _ => false,
    }
}

/// A node of the lattice: the state after a prefix of the token (0 between
/// characters, else the pending lead byte), its least cost, and how it was
/// reached (the row and node it extends, and the reading taken).
#[derive(Clone, Copy)]
struct Node {
    lead: u8,
    cost: u32,
    from_row: u32,
    from: u32,
    reading: u32,
}

/// What one reading does to a lattice state ([`k_best_bytes`]).
#[derive(Clone, Copy)]
struct Effect {
    /// From between characters: the state and cost it leaves.
    whole: Option<(u8, u32)>,
    /// Its first byte, the trail of a pending lead.
    first: Option<u8>,
    /// From between characters, its bytes after the first.
    rest: Option<(u8, u32)>,
}

/// How far above a row's cheapest path a path may lie and still be
/// extended (sixteenths of a nat: 20 nats). Measured leave-one-corpus-out
/// (2026-12-07): whole documents 89.49% and one line 95.33% with no beam,
/// 89.42% and 95.70% at 320, 89.56% and 95.37% at 640.
const BEAM: u32 = 320;

/// The readings of the chars a lattice edge consumes: one char, or one of
/// ftfy's spelled-out ligatures (`ij` for `ĳ`, [`super::LIGATURES`]).
struct Edge {
    span: usize,
    readings: Rc<[Unfixed]>,
}

fn edges_at(chars: &[char], i: usize) -> Vec<Edge> {
    let c = chars[i];
    let mut one = unfixed(c);
    if c == 'à' && i + 1 == chars.len() {
        // Not counted as a re-decoding: `Çà ` is `행 ` or `플 ` alike, and
        // only the prior can tell.
        let mut v = one.to_vec();
        v.push(Unfixed {
            bytes: vec![0xC3],
            steps: 0,
        });
        one = v.into();
    }
    let mut edges = vec![Edge {
        span: 1,
        readings: one,
    }];
    for span in 2..=3 {
        if let Some(seen) = chars.get(i..i + span) {
            for &pre in nfc_preimages(seen) {
                let mut v = Vec::new();
                unfix_made(pre, DEPTH, &mut v);
                edges.push(Edge {
                    span,
                    readings: v
                        .into_iter()
                        .map(|u| Unfixed {
                            steps: u.steps + 1,
                            ..u
                        })
                        .collect(),
                });
            }
        }
    }
    if let Some(&d) = chars.get(i + 1) {
        for &(pair, lig) in &super::LIGATURES {
            let mut p = pair.chars();
            if p.next() == Some(c) && p.next() == Some(d) {
                edges.push(Edge {
                    span: 2,
                    readings: unfixed(lig),
                });
            }
        }
    }
    edges
}

/// The likeliest whole windows-949 byte strings behind `chars`, at most
/// `k` and distinct, cheapest first, into `out` as (cost, bytes); empty
/// when no reading decodes whole.
fn k_best_bytes(
    chars: &[char],
    prior: Option<&SyllablePrior>,
    k: usize,
    out: &mut Vec<(u32, Vec<u8>)>,
) {
    out.clear();
    let costs = prior.map(SyllablePrior::costs);
    let pair_cost = prior.map_or(1, |_| REDECODE_COST);
    let extension = prior.map_or(1, SyllablePrior::extension_cost);
    let letter = prior.map_or(1, |_| LETTER_COST);
    let step = |lead: u8, b: u8| -> Option<(u8, u32)> {
        if lead != 0 {
            if is_ks_byte(lead) && is_ks_byte(b) {
                Some((0, costs.map_or(0, |c| prior::cell_cost(c, lead, b))))
            } else {
                is_uhc_extension(lead, b).then_some((0, extension))
            }
        } else if b.is_ascii_alphabetic() {
            Some((0, letter))
        } else if b < 0x80 {
            Some((0, 0))
        } else {
            (0x81..=0xFE).contains(&b).then_some((b, 0))
        }
    };
    let n = chars.len();
    // One path per state finds the cheapest reading; `k` per state keep
    // the `k` cheapest (paths spelling the same bytes are merged below).
    let per_state = k.max(1);
    let edges: Vec<Vec<Edge>> = (0..n).map(|i| edges_at(chars, i)).collect();
    let mut rows: Vec<Vec<Node>> = vec![Vec::new(); n + 1];
    // Per row, the nodes of each state (lead byte), for `keep_path`.
    let mut by_lead: Vec<Vec<Vec<u32>>> = vec![vec![Vec::new(); 256]; n + 1];
    by_lead[0][0].push(0);
    rows[0].push(Node {
        lead: 0,
        cost: 0,
        from_row: 0,
        from: 0,
        reading: 0,
    });
    // What each reading does from a state, worked out once per reading: from
    // between characters (`whole`), and, from a pending lead byte, after
    // its first byte (`rest`: the state and cost the other bytes leave).
    let run = |bytes: &[u8], steps: u8| {
        let mut state = Some((0u8, u32::from(steps) * pair_cost));
        for &b in bytes {
            state = state.and_then(|(s, cost)| step(s, b).map(|(t, c)| (t, cost + c)));
        }
        state
    };
    let effects: Vec<Vec<Vec<Effect>>> = edges
        .iter()
        .map(|es| {
            es.iter()
                .map(|edge| {
                    edge.readings
                        .iter()
                        .map(|u| Effect {
                            whole: run(&u.bytes, u.steps),
                            first: u.bytes.first().copied(),
                            rest: run(u.bytes.get(1..).unwrap_or(&[]), u.steps),
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    for i in 0..n {
        // Paths far costlier than the row's cheapest cannot come back.
        let floor = rows[i].iter().map(|m| m.cost).min().unwrap_or(0);
        for (e, edge) in edges[i].iter().enumerate() {
            for j in 0..rows[i].len() {
                let node = rows[i][j];
                if node.cost > floor + BEAM {
                    continue;
                }
                for (r, fx) in effects[i][e].iter().enumerate() {
                    let state = if node.lead == 0 {
                        fx.whole
                    } else {
                        fx.first
                            .and_then(|b| step(node.lead, b))
                            .and_then(|(_, c)| fx.rest.map(|(t, rc)| (t, rc + c)))
                    };
                    let Some((lead, cost)) = state else { continue };
                    let to = Node {
                        lead,
                        cost: node.cost + cost,
                        from_row: i as u32,
                        from: j as u32,
                        reading: ((e as u32) << 16) | r as u32,
                    };
                    let at = i + edge.span;
                    keep_path(
                        &mut rows[at],
                        &mut by_lead[at][lead as usize],
                        to,
                        per_state,
                    );
                }
            }
        }
    }
    let mut ends: Vec<usize> = (0..rows[n].len())
        .filter(|&a| rows[n][a].lead == 0)
        .collect();
    ends.sort_by_key(|&a| rows[n][a].cost);
    for at in ends {
        let cost = rows[n][at].cost;
        let (mut row, mut at) = (n, at);
        let mut path = Vec::new();
        while row > 0 {
            let node = rows[row][at];
            path.push((node.from_row as usize, node.reading));
            row = node.from_row as usize;
            at = node.from as usize;
        }
        let mut bytes = Vec::new();
        for &(i, reading) in path.iter().rev() {
            let edge = &edges[i][(reading >> 16) as usize];
            bytes.extend_from_slice(&edge.readings[(reading & 0xFFFF) as usize].bytes);
        }
        if !out.iter().any(|(_, b)| *b == bytes) {
            out.push((cost, bytes));
            if out.len() == k {
                break;
            }
        }
    }
}

/// Adds `to` to a lattice row, which keeps the `per_state` cheapest paths
/// of each state (`state`: the row's nodes in `to`'s state; ties go to the
/// path found first).
fn keep_path(row: &mut Vec<Node>, state: &mut Vec<u32>, to: Node, per_state: usize) {
    if state.len() < per_state {
        state.push(row.len() as u32);
        row.push(to);
        return;
    }
    let mut worst = state[0] as usize;
    for &i in &state[1..] {
        if row[i as usize].cost > row[worst].cost {
            worst = i as usize;
        }
    }
    if to.cost < row[worst].cost {
        row[worst] = to;
    }
}

/// The token's chars with each run of adjacent combining marks in every
/// order that NFC would sort back to the one seen (a run of up to three;
/// the order seen first).
fn mark_orders(token: &str) -> Vec<Vec<char>> {
    let chars: Vec<char> = token.chars().collect();
    let mut out = vec![chars.clone()];
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && canonical_combining_class(chars[j]) != 0 {
            j += 1;
        }
        if j - i >= 2 && j - i <= 3 {
            let run = &chars[i..j];
            let mut perms = Vec::new();
            permute(run.to_vec(), 0, &mut perms);
            let mut more = Vec::new();
            for base in &out {
                for p in &perms {
                    if p.as_slice() != run {
                        let mut v = base.clone();
                        v[i..j].copy_from_slice(p);
                        more.push(v);
                    }
                }
            }
            out.extend(more);
        }
        i = j.max(i + 1);
    }
    out.truncate(16);
    out
}

fn permute(mut v: Vec<char>, k: usize, out: &mut Vec<Vec<char>>) {
    if k == v.len() {
        out.push(v);
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        permute(v.clone(), k + 1, out);
        v.swap(k, i);
    }
}

/// Decodes `bytes` as windows-949 into `out`, the extension included; true
/// when clean.
fn decode_full(bytes: &[u8], out: &mut String) -> bool {
    out.clear();
    let mut dec = EUC_KR.new_decoder_without_bom_handling();
    out.reserve(bytes.len() * 3 / 2 + 4);
    let (res, _read) = dec.decode_to_string_without_replacement(bytes, out, true);
    matches!(res, encoding_rs::DecoderResult::InputEmpty)
}

/// Up to `k` distinct readings [`crate::repair`] may give a token on a line
/// already shown to be CP949 mojibake (see the module docs), cheapest
/// first, as (cost, text), into `out`; empty when none decodes whole, and
/// no byte is dropped. ftfy is not
/// one-to-one (`상태였다` and `상탓는다` come out as the same `»óÅ¿´´Ù`),
/// so where the syllables cannot choose, a caller that knows words can.
pub fn read_cp949_repair_k(
    token: &str,
    prior: Option<&SyllablePrior>,
    k: usize,
    out: &mut Vec<(u32, String)>,
) {
    let prior = prior.filter(|p| !p.is_empty());
    out.clear();
    if token.chars().count() > MAX_CHARS || k == 0 {
        return;
    }
    let mut paths = Vec::new();
    let mut text = String::new();
    for chars in mark_orders(token) {
        k_best_bytes(&chars, prior, k, &mut paths);
        for (cost, bytes) in &paths {
            if decode_full(bytes, &mut text) && !out.iter().any(|(_, t)| *t == text) {
                out.push((*cost, text.clone()));
            }
        }
    }
    // Stable: among equal costs the order seen first (marks as written).
    out.sort_by_key(|&(cost, _)| cost);
    out.truncate(k);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prior counted from one hand-written Korean paragraph.
    fn prior() -> SyllablePrior {
        let mut p = SyllablePrior::default();
        p.add(
            "미국의 시민들이 태국에서 징역 첫 회 공판을 보고 설렜다. 툴킷과 커플 화보, \
             어머니가 주셨다고 말했다. 시키고 싶은 일이 많다. 이와는 다른 \
             문학연구는 보잘것없는 일이 아니다.",
        );
        p
    }

    fn read(token: &str) -> Option<String> {
        let mut out = Vec::new();
        read_cp949_repair_k(token, Some(&prior()), 1, &mut out);
        out.into_iter().next().map(|(_, r)| r)
    }

    #[test]
    fn ftfys_fixes_are_undone() {
        // Each is what ftfy 6.3.1 made of the word served as CP949 and read
        // as Latin-1 (checked against Python ftfy).
        for (seen, word) in [
            ("¹Ì±¹ÀÇ", "미국의"),
            ("½Ã۰í", "시키고"),                 // through windows-1250, two levels
            ("ű¹", "태국"),                     // a pair inside a pair
            ("¡¿ª", "징역"),                    // `Â¡` re-decoded to `¡`
            ("ù", "첫"),                        // one char, one pair
            ("ȸ", "회"),                        // beyond Latin-1
            ("¼³Ž®´Ù", "설렜다"),               // windows-1252 byte, extension syllable
            ("ŸŶ", "툴킷"),                     // through windows-1257
            ("À\u{33f}\u{2b9}Â", "이와는"),     // U+0374, which NFC writes U+02B9
            ("¹®Ç\u{5d1}\u{5bc}¸", "문학연구"), // U+FB31, which NFC writes as two
            ("º¸À\u{7f0};ø´Â", "보잘것없는"),   // U+037E, which NFC writes `;`
        ] {
            assert_eq!(read(seen).as_deref(), Some(word), "{seen}");
        }
    }

    #[test]
    fn a_final_a_grave_is_the_byte_before_a_space() {
        assert_eq!(read("Ä¿Çà").as_deref(), Some("커플"));
    }

    #[test]
    fn combining_marks_are_tried_in_their_order_before_nfc() {
        assert_eq!(read("Á\u{334}\u{5bc}Ù").as_deref(), Some("주셨다"));
    }
}
