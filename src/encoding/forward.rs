//! Forward mis-decodings: how clean text turns into the mojibake seen on the
//! web. The synthesizer ([`crate::synth`]) composes its spam and its hosts
//! with these; the detector's views ([`crate::encoding`]) undo them.
//!
//! | function | what happened | `바다` becomes |
//! |---|---|---|
//! | [`cp949_bytes`] + [`latin1`] | served as CP949, read as Latin-1 | `¹Ù´Ù` |
//! | [`cp949_ftfy`] | ... then run through ftfy's `fix_text` ([`ftfy_fix`]) | `¹Ù´Ù` (`야마토연타` → `¾ß¸¶Å俬Ÿ`) |
//! | [`cp949_bytes`] + [`windows1252`] | served as CP949, read as windows-1252 | `¹Ù´Ù` (bytes 0x80–0x9F differ) |
//! | [`utf8_as_windows1252`] | served as UTF-8, read as windows-1252 | `ë°”ë‹¤` |
//! | [`symbol_between`], [`fullwidth`], [`spaced`] | spammers' own obfuscation | `바@다`, `ＳＯＧＯ９．ＣＯＭ`, `S O G O . C O M` |
//! | [`cp949_punct_host`] | an English page served as CP949 then ftfy'd | `’` → `¡¯`, `“` → `¡°`, `”` → `¡±`, `–`/`—` → `?` |
//!
//! `encoding_rs::EUC_KR` is the WHATWG "EUC-KR", which is windows-949 (UHC):
//! every Hangul syllable is encodable, and trail bytes may be ASCII letters.
//!
//! [`ftfy_fix`] is a port of Python ftfy 6.3's `fix_text` (default
//! configuration), checked against Python ftfy as a development oracle only
//! (see `ftfy_oracle_agreement` below and the module `ftfy`).

mod ftfy;
mod ftfy_tables;

pub use ftfy::{decode_inconsistent_utf8, fix_encoding, is_bad};

use encoding_rs::{EUC_KR, WINDOWS_1252};

/// How many single-byte code pages ftfy re-decodes text through
/// (`CHARMAP_ENCODINGS`: Latin-1, the sloppy windows pages, ISO 8859-2,
/// MacRoman, cp437).
pub const CODE_PAGES: usize = ftfy_tables::CHARMAPS.len();

/// The char byte `b` (0x80..=0xFF) stands for in ftfy's code page `page`
/// (< [`CODE_PAGES`]); what ftfy's re-decoding of a run found, undone.
pub fn code_page_char(page: usize, b: u8) -> Option<char> {
    let map = ftfy_tables::CHARMAPS.get(page)?;
    b.checked_sub(0x80).map(|i| map.1[i as usize])
}

/// The CP949 (windows-949) bytes of `text`; None if a char is unmappable.
pub fn cp949_bytes(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, unmappable) = EUC_KR.encode(text);
    if unmappable {
        None
    } else {
        Some(bytes.into_owned())
    }
}

/// The CP949 bytes of `text`, each unmappable char written as `?` (what a
/// CMS does when it saves a page in a legacy code page).
pub fn cp949_bytes_lossy(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        let (bytes, _, unmappable) = EUC_KR.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Bytes read as true ISO-8859-1: byte n becomes U+00nn (0x80–0x9F become
/// C1 controls, 0xA0 a no-break space).
pub fn latin1(bytes: &[u8]) -> String {
    encoding_rs::mem::decode_latin1(bytes).into_owned()
}

/// Bytes read as windows-1252 the way browsers do (encoding_rs): 0x80–0x9F
/// become `€‚ƒ„…` etc., the five undefined bytes their C1 control.
pub fn windows1252(bytes: &[u8]) -> String {
    WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// Python ftfy 6.3's `fix_text(text)` with its default configuration.
pub fn ftfy_fix(text: &str) -> String {
    ftfy::fix_text(text)
}

/// CP949 → Latin-1 (no fix): `바다이야기` → `¹Ù´ÙÀÌ¾ß±â`.
pub fn cp949_latin1(text: &str) -> Option<String> {
    cp949_bytes(text).map(|b| latin1(&b))
}

/// CP949 → Latin-1 → ftfy: the seed's form, `바다이야기게임장` →
/// `¹Ù´ÙÀ̾߱â°ÔÀÓÀå`.
pub fn cp949_ftfy(text: &str) -> Option<String> {
    cp949_latin1(text).map(|l| ftfy_fix(&l))
}

/// CP949 → windows-1252 (encoding_rs).
pub fn cp949_windows1252(text: &str) -> Option<String> {
    cp949_bytes(text).map(|b| windows1252(&b))
}

/// UTF-8 bytes read as windows-1252: `바다` → `ë°”ë‹¤`.
pub fn utf8_as_windows1252(text: &str) -> String {
    windows1252(text.as_bytes())
}

/// `sym` between the syllables (chars) of `word`: `바카라`, `@` → `바@카@라`.
pub fn symbol_between(word: &str, sym: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for (i, c) in word.chars().enumerate() {
        if i > 0 {
            out.push_str(sym);
        }
        out.push(c);
    }
    out
}

/// ASCII → full-width forms, upper-cased: `sogo9.com` → `ＳＯＧＯ９．ＣＯＭ`.
pub fn fullwidth(ascii: &str) -> String {
    ascii
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c.to_ascii_uppercase() as u32 - 0x21 + 0xFF01).unwrap_or(c),
            ' ' => '\u{3000}',
            c => c,
        })
        .collect()
}

/// ASCII upper-cased with a space between chars: `www.ssh996.com` →
/// `W W W . S S H 9 9 6 . C O M`.
pub fn spaced(ascii: &str) -> String {
    let mut out = String::with_capacity(ascii.len() * 2);
    for (i, c) in ascii.chars().filter(|c| !c.is_whitespace()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Straight quotes to curly ones with the usual rule: a quote opens at the
/// start of the text or after whitespace or an opening bracket or dash, and
/// closes (or is an apostrophe) otherwise.
pub fn smart_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let opens = match prev {
            None => true,
            Some(p) => {
                p.is_whitespace() || matches!(p, '(' | '[' | '{' | '-' | '–' | '—' | '“' | '‘')
            }
        };
        let q = match c {
            '"' if opens => '“',
            '"' => '”',
            '\'' if opens => '‘',
            '\'' => '’',
            c => c,
        };
        out.push(q);
        prev = Some(q);
    }
    out
}

/// The seed's host: an English article with curly quotes (straight ones are
/// curled first), served as CP949 (unmappable chars such as en/em dashes
/// become `?`), read as Latin-1 and passed through ftfy, which leaves the
/// quote mojibake alone: `Lee’s “turning point” – and` →
/// `Lee¡¯s ¡°turning point¡± ? and`.
pub fn cp949_punct_host(text: &str) -> String {
    ftfy_fix(&latin1(&cp949_bytes_lossy(&smart_quotes(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five fragments of the seed article, byte-exact.
    #[test]
    fn seed_fragments_reproduce() {
        let cases = [
            ("바다이야기게임장", "¹Ù´ÙÀ̾߱â°ÔÀÓÀå"),
            ("야마토연타", "¾ß¸¶Å俬Ÿ"),
            ("오션릴게임", "¿À¼Ç¸±°ÔÀÓ"),
            ("황금성사이트", "Ȳ±Ý¼º»çÀÌÆ®"),
            ("릴게임5만", "¸±°ÔÀÓ5¸¸"),
        ];
        for (hangul, seed) in cases {
            assert_eq!(cp949_ftfy(hangul).unwrap(), seed, "{hangul}");
        }
        // without the fix, the UTF-8-looking runs stay as Latin-1
        assert_eq!(cp949_latin1("야마토연타").unwrap(), "¾ß¸¶Åä¿¬Å¸");
    }

    #[test]
    fn seed_punctuation_survives_ftfy() {
        let host = "during Lee¡¯s four-day state visit ? a ¡°new route¡± for\n";
        assert_eq!(ftfy_fix(host), host);
        assert_eq!(
            cp949_punct_host("Lee's \"new route\" \u{2013} and 'more' \u{2014} x"),
            "Lee¡¯s ¡°new route¡± ? and ¡®more¡¯ ? x"
        );
    }

    #[test]
    fn byte_readings() {
        assert_eq!(cp949_bytes("바다").unwrap(), vec![0xB9, 0xD9, 0xB4, 0xD9]);
        assert!(cp949_bytes("😀").is_none());
        assert_eq!(cp949_bytes_lossy("a–b"), b"a?b");
        assert_eq!(latin1(&[0x81, 0xA0, 0xE9]), "\u{81}\u{a0}é");
        assert_eq!(windows1252(&[0x80, 0x81, 0x9F]), "€\u{81}Ÿ");
        assert_eq!(utf8_as_windows1252("바다"), "ë°”ë‹¤");
    }

    #[test]
    fn obfuscations() {
        assert_eq!(symbol_between("바카라", "@"), "바@카@라");
        assert_eq!(symbol_between("야마토", "★"), "야★마★토");
        assert_eq!(fullwidth("sogo9.com"), "ＳＯＧＯ９．ＣＯＭ");
        assert_eq!(spaced("www.ssh996.com"), "W W W . S S H 9 9 6 . C O M");
    }

    #[test]
    fn smart_quote_rule() {
        assert_eq!(
            smart_quotes("\"Hi,\" he said. 'It's (\"ok\")'"),
            "“Hi,” he said. ‘It’s (“ok”)’"
        );
    }

    /// Agreement with Python ftfy on `generated/ftfy_oracle.tsv` (lines of
    /// `input<TAB>expected`, escaped as JSON strings), written by
    /// `data/tools/ftfy_oracle.py`. A development check: run with
    /// `cargo test --lib ftfy_oracle -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn ftfy_oracle_agreement() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/generated/ftfy_oracle.tsv");
        let Ok(data) = std::fs::read_to_string(path) else {
            eprintln!("no {path}: run data/tools/ftfy_oracle.py first");
            return;
        };
        let (mut n, mut ok) = (0usize, 0usize);
        for line in data.lines() {
            let (a, b) = line.split_once('\t').unwrap();
            let input: String = serde_json::from_str(a).unwrap();
            let want: String = serde_json::from_str(b).unwrap();
            n += 1;
            let got = ftfy_fix(&input);
            if got == want {
                ok += 1;
            } else if n - ok <= 20 {
                eprintln!("DIFF {input:?}\n  rust   {got:?}\n  python {want:?}");
            }
        }
        eprintln!(
            "ftfy agreement: {ok}/{n} = {:.4}%",
            100.0 * ok as f64 / n.max(1) as f64
        );
        assert_eq!(ok, n);
    }
}
