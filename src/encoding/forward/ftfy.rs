//! A Rust port of Python ftfy 6.3's `fix_text` with its default
//! configuration, for the text it meets in this project: CP949 (or UTF-8)
//! bytes read as Latin-1 or windows-1252.
//!
//! The port follows ftfy's control flow step by step (function names match
//! ftfy's): `fix_text` cuts the text into lines and runs `fix_and_explain`
//! on each until nothing changes; that unescapes HTML entities, runs
//! `fix_encoding` (itself a fixed-point loop of `fix_encoding_one_step`:
//! `is_bad` badness test, whole-string re-decoding through ftfy's ten
//! single-byte code pages with `restore_byte_a0` and
//! `replace_lossy_sequences`, `decode_inconsistent_utf8` on the
//! `UTF8_DETECTOR_RE` runs, Latin-1 → windows-1252, `fix_c1_controls`), then
//! the cosmetic fixers (ligatures, character width, curly quotes, line
//! breaks, terminal escapes, control characters) and NFC.
//!
//! Tables and character classes are generated from the installed ftfy by
//! `data/tools/gen_ftfy_tables.py` into `ftfy_tables.rs`. Python regexes with
//! look-around (`UTF8_DETECTOR_RE`, `A_GRAVE_WORD_RE`) are hand-coded.
//! Known gaps: surrogate fixing does not apply to Rust strings; Python's
//! Unicode database (3.11: Unicode 14) and the `unicode-normalization` crate
//! may disagree on characters assigned later.

use std::sync::LazyLock;

use regex::bytes::Regex as BytesRegex;
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::ftfy_tables as t;

/// `ftfy.fix_text(text)` with the default configuration.
pub fn fix_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut unescape_html = true; // "auto"
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
        let (segment, tail) = rest.split_at(cut);
        if unescape_html && segment.contains('<') {
            // ftfy mutates its config here: later segments keep it off.
            unescape_html = false;
        }
        out.push_str(&fix_and_explain(segment, unescape_html));
        rest = tail;
    }
    out
}

fn fix_and_explain(text: &str, unescape: bool) -> String {
    let unescape = unescape && !text.contains('<');
    let mut text = text.to_string();
    loop {
        let orig = text.clone();
        if unescape {
            text = unescape_html(&text);
        }
        text = fix_encoding(&text);
        text = fix_c1_controls(&text);
        text = translate(&text, t::LIGATURES);
        text = translate(&text, t::WIDTH_MAP);
        text = uncurl_quotes(&text);
        text = fix_line_breaks(&text);
        text = remove_terminal_escapes(&text);
        text = remove_control_chars(&text);
        text = text.nfc().collect();
        if text == orig {
            return text;
        }
    }
}

/// `ftfy.fix_encoding`: one-step fixes until the text stops changing.
pub fn fix_encoding(text: &str) -> String {
    let mut text = text.to_string();
    loop {
        let next = fix_encoding_one_step(&text);
        if next == text {
            return text;
        }
        text = next;
    }
}

/// `ftfy.badness.is_bad`.
pub fn is_bad(text: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(t::BADNESS_RE).expect("BADNESS_RE"));
    RE.is_match(text)
}

fn charmap_possible(text: &str, map: &(&str, [char; 128], char)) -> bool {
    text.chars().all(|c| {
        let u = c as u32;
        (u < 0x80 && u != 0x1A) || c == map.2 || map.1.contains(&c)
    })
}

fn charmap_encode(text: &str, map: &(&str, [char; 128], char)) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let u = c as u32;
            if u < 0x80 && u != 0x1A {
                u as u8
            } else if c == map.2 {
                0x1A
            } else {
                0x80 + map.1.iter().position(|&m| m == c).expect("possible") as u8
            }
        })
        .collect()
}

fn fix_encoding_one_step(text: &str) -> String {
    if text.is_empty() || text.is_ascii() || !is_bad(text) {
        return text.to_string();
    }
    let mut possible: Vec<&str> = Vec::new();
    for map in t::CHARMAPS.iter() {
        if !charmap_possible(text, map) {
            continue;
        }
        let encoding = map.0;
        possible.push(encoding);
        let mut bytes = charmap_encode(text, map);
        if encoding != "macroman" && altered_utf8_re().is_match(&bytes) {
            bytes = restore_byte_a0(&bytes);
        }
        if encoding.starts_with("sloppy") {
            bytes = lossy_utf8_re()
                .replace_all(&bytes, "\u{fffd}".as_bytes())
                .into_owned();
        }
        let decoded = if bytes.contains(&0xED) || bytes.contains(&0xC0) {
            decode_utf8_variants(&bytes)
        } else {
            String::from_utf8(bytes).ok()
        };
        if let Some(fixed) = decoded {
            return fixed;
        }
    }
    if utf8_detector_find(text, 0).is_some() {
        let fixed = decode_inconsistent_utf8(text);
        if fixed != text {
            return fixed;
        }
    }
    // ftfy checks for "windows-1252" in the list, which only ever holds
    // "sloppy-windows-1252": that branch never returns.
    if possible.contains(&"latin-1") {
        if let Some(fixed) = latin1_to_strict_1252(text) {
            if fixed != text {
                return fixed;
            }
        }
    }
    if text.chars().any(is_c1) {
        return fix_c1_controls(text);
    }
    text.to_string()
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// `text.encode('latin-1').decode('windows-1252')` (strict: the five
/// undefined bytes fail).
fn latin1_to_strict_1252(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_c1(c) {
            let m = sloppy_1252(c as u8);
            if m == c {
                return None;
            }
            out.push(m);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn sloppy_1252(b: u8) -> char {
    let map = &t::CHARMAPS[1];
    debug_assert_eq!(map.0, "sloppy-windows-1252");
    if b < 0x80 {
        b as char
    } else {
        map.1[(b - 0x80) as usize]
    }
}

/// `ftfy.fixes.fix_c1_controls`.
pub fn fix_c1_controls(text: &str) -> String {
    if !text.chars().any(is_c1) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if is_c1(c) { sloppy_1252(c as u8) } else { c })
        .collect()
}

fn altered_utf8_re() -> &'static BytesRegex {
    static RE: LazyLock<BytesRegex> = LazyLock::new(|| {
        BytesRegex::new(
            r"(?-u)[\xc2\xc3\xc5\xce\xd0\xd9][ ]|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]|[\xf0][ ][\x80-\xbf][\x80-\xbf]|[\xf0][\x80-\xbf][ ][\x80-\xbf]|[\xf0][\x80-\xbf][\x80-\xbf][ ]",
        )
        .expect("ALTERED_UTF8_RE")
    });
    &RE
}

fn lossy_utf8_re() -> &'static BytesRegex {
    static RE: LazyLock<BytesRegex> = LazyLock::new(|| {
        BytesRegex::new(
            r"(?-u)[\xc2-\xdf][\x1a]|[\xc2-\xc3][?]|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]|\x1a",
        )
        .expect("LOSSY_UTF8_RE")
    });
    &RE
}

/// `ftfy.fixes.restore_byte_a0`.
fn restore_byte_a0(bytes: &[u8]) -> Vec<u8> {
    // A_GRAVE_WORD_RE = b"\xc3 (?! |quele|quela|quilo|s )" -> b"\xc3\xa0 "
    let mut step = Vec::with_capacity(bytes.len() + 4);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0xC3 && bytes.get(i + 1) == Some(&b' ') {
            let after = &bytes[i + 2..];
            let blocked = [&b" "[..], b"quele", b"quela", b"quilo", b"s "]
                .iter()
                .any(|p| after.starts_with(p));
            if !blocked {
                step.extend_from_slice(b"\xc3\xa0 ");
                i += 2;
                continue;
            }
        }
        step.push(bytes[i]);
        i += 1;
    }
    let mut out = Vec::with_capacity(step.len());
    let mut at = 0;
    for m in altered_utf8_re().find_iter(&step) {
        out.extend_from_slice(&step[at..m.start()]);
        out.extend(
            m.as_bytes()
                .iter()
                .map(|&b| if b == 0x20 { 0xA0 } else { b }),
        );
        at = m.end();
    }
    out.extend_from_slice(&step[at..]);
    out
}

/// ftfy's "utf-8-variants" codec: UTF-8 plus CESU-8 surrogate pairs and
/// Java's `C0 80` for U+0000. None on a decoding error.
fn decode_utf8_variants(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // the next special sequence
        let mut j = i;
        let mut special = None;
        while j < bytes.len() {
            let b = bytes[j];
            if b == 0xC0 && (j + 1 == bytes.len() || bytes[j + 1] == 0x80) {
                special = Some(j);
                break;
            }
            if b == 0xED {
                let b1 = bytes.get(j + 1).copied();
                let b2 = bytes.get(j + 2).copied();
                let ok1 = b1.is_none_or(|x| (0xA0..=0xBF).contains(&x));
                let ok2 = b2.is_none_or(|x| (0x80..=0xBF).contains(&x)) || b1.is_none();
                if ok1 && ok2 {
                    special = Some(j);
                    break;
                }
            }
            j += 1;
        }
        let end = special.unwrap_or(bytes.len());
        out.push_str(std::str::from_utf8(&bytes[i..end]).ok()?);
        i = end;
        if special.is_none() {
            break;
        }
        if bytes[i] == 0xC0 {
            if i + 1 < bytes.len() {
                out.push('\0');
                i += 2;
                continue;
            }
            return None;
        }
        // CESU-8 pair: ED A0-AF 80-BF ED B0-BF 80-BF
        let s = &bytes[i..];
        if s.len() >= 6
            && (0xA0..=0xAF).contains(&s[1])
            && (0x80..=0xBF).contains(&s[2])
            && s[3] == 0xED
            && (0xB0..=0xBF).contains(&s[4])
            && (0x80..=0xBF).contains(&s[5])
        {
            let cp = (((s[1] & 0x0F) as u32) << 16)
                + (((s[2] & 0x3F) as u32) << 10)
                + (((s[4] & 0x0F) as u32) << 6)
                + ((s[5] & 0x3F) as u32)
                + 0x10000;
            out.push(char::from_u32(cp)?);
            i += 6;
            continue;
        }
        // a lone surrogate: Python's strict UTF-8 decoder fails
        return None;
    }
    Some(out)
}

fn in_set(set: &[char], c: char) -> bool {
    set.binary_search(&c).is_ok()
}

/// The next `UTF8_DETECTOR_RE` match at or after char index `from` (char
/// indices into `chars`), as a char range.
fn utf8_detector_at(chars: &[char], from: usize) -> Option<(usize, usize)> {
    let mut p = from;
    while p < chars.len() {
        if p > 0 && in_set(t::UTF8_CONTINUATION_STRICT, chars[p - 1]) {
            p += 1;
            continue;
        }
        let mut q = p;
        loop {
            let cont = |k: usize, n: usize| {
                (k + 1..k + n).all(|x| x < chars.len() && in_set(t::UTF8_CONTINUATION, chars[x]))
            };
            if q >= chars.len() {
                break;
            }
            let c = chars[q];
            if in_set(t::UTF8_FIRST_OF_2, c) && cont(q, 2) {
                q += 2;
            } else if in_set(t::UTF8_FIRST_OF_3, c) && cont(q, 3) {
                q += 3;
            } else if in_set(t::UTF8_FIRST_OF_4, c) && cont(q, 4) {
                q += 4;
            } else {
                break;
            }
        }
        if q > p {
            return Some((p, q));
        }
        p += 1;
    }
    None
}

fn utf8_detector_find(text: &str, from: usize) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    utf8_detector_at(&chars, from)
}

/// `ftfy.fixes.decode_inconsistent_utf8`.
pub fn decode_inconsistent_utf8(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some((a, b)) = utf8_detector_at(&chars, at) {
        out.extend(&chars[at..a]);
        let sub: String = chars[a..b].iter().collect();
        if b - a < chars.len() && is_bad(&sub) {
            out.push_str(&fix_encoding(&sub));
        } else {
            out.push_str(&sub);
        }
        at = b;
    }
    out.extend(&chars[at..]);
    out
}

fn translate(text: &str, table: &[(char, &str)]) -> String {
    let lo = table[0].0;
    if !text
        .chars()
        .any(|c| c >= lo && table.binary_search_by(|e| e.0.cmp(&c)).is_ok())
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match table.binary_search_by(|e| e.0.cmp(&c)) {
            Ok(i) => out.push_str(table[i].1),
            Err(_) => out.push(c),
        }
    }
    out
}

fn uncurl_quotes(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2bc}' | '\u{2018}'..='\u{201b}' => '\'',
            '\u{201c}'..='\u{201f}' => '"',
            c => c,
        })
        .collect()
}

fn fix_line_breaks(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n")
}

fn remove_terminal_escapes(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_string();
    }
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\x1b\[(?:\d|;)*[a-zA-Z]").expect("ANSI_RE"));
    RE.replace_all(text, "").into_owned()
}

fn remove_control_chars(text: &str) -> String {
    let bad = |c: char| matches!(c as u32, 0x00..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F | 0x206A..=0x206F | 0xFEFF | 0xFFF9..=0xFFFC);
    text.chars().filter(|&c| !bad(c)).collect()
}

/// `ftfy.fixes.unescape_html`: `&#?[0-9A-Za-z]{1,24};` references.
fn unescape_html(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"&#?[0-9A-Za-z]{1,24};").expect("HTML_ENTITY_RE"));
    RE.replace_all(text, |caps: &regex::Captures| {
        let m = &caps[0];
        if let Ok(i) = t::HTML_ENTITIES.binary_search_by(|e| e.0.cmp(m)) {
            return t::HTML_ENTITIES[i].1.to_string();
        }
        if let Some(num) = m.strip_prefix("&#") {
            return unescape_charref(num).unwrap_or_else(|| m.to_string());
        }
        m.to_string()
    })
    .into_owned()
}

/// Python's `html.unescape` on `&#...;`; None when it would leave the `;`.
fn unescape_charref(body: &str) -> Option<String> {
    let body = body.strip_suffix(';')?;
    let (digits, radix) = match body.strip_prefix(['x', 'X']) {
        Some(h) => (h, 16),
        None => (body, 10),
    };
    let valid = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    if !valid {
        // html.unescape decodes a prefix and keeps the rest, ";" included
        return None;
    }
    let num = digits.chars().fold(0u64, |n, c| {
        n.saturating_mul(radix as u64)
            .saturating_add(c.to_digit(radix).unwrap_or(0) as u64)
    });
    if let Ok(i) = t::INVALID_CHARREFS.binary_search_by(|e| (e.0 as u64).cmp(&num)) {
        return Some(t::INVALID_CHARREFS[i].1.to_string());
    }
    if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        return Some("\u{fffd}".to_string());
    }
    if t::INVALID_CODEPOINTS.binary_search(&(num as u32)).is_ok() {
        return Some(String::new());
    }
    char::from_u32(num as u32).map(|c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_compile() {
        assert!(is_bad("Ã©"));
        assert!(!is_bad("plain text, café"));
        assert!(altered_utf8_re().is_match(b"\xc3 "));
        assert!(lossy_utf8_re().is_match(b"\x1a"));
    }

    #[test]
    fn classic_utf8_mojibake() {
        assert_eq!(fix_text("sÃ³"), "só");
        assert_eq!(fix_text("voilÃ le travail"), "voilà le travail");
        assert_eq!(fix_text("âœ” No problems"), "✔ No problems");
    }

    #[test]
    fn cosmetic_fixers() {
        assert_eq!(fix_text("ＬＯＵＤ　ＮＯＩＳＥＳ"), "LOUD NOISES");
        assert_eq!(
            fix_text("ﬂubberiﬁc &amp; “quoted”"),
            "flubberific & \"quoted\""
        );
        assert_eq!(fix_text("a\r\nb"), "a\nb");
        assert_eq!(fix_text("&#x41;&#66;&#128;"), "AB€");
    }

    #[test]
    fn utf8_variants() {
        assert_eq!(decode_utf8_variants(b"a\xc0\x80b").as_deref(), Some("a\0b"));
        assert_eq!(
            decode_utf8_variants(b"\xed\xa0\xbd\xed\xb2\xa9").as_deref(),
            Some("💩")
        );
        assert_eq!(decode_utf8_variants(b"\xc0A"), None);
    }
}
