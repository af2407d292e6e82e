//! Lines and tokens, split the way mojibake survives.
//!
//! Lines end at `\n` only (a trailing `\r` stays inside the line and counts as
//! whitespace). Tokens are split on ASCII whitespace only: CP949 bytes read as
//! Latin-1 produce U+00A0 (NBSP) and U+0085 (NEL), which `char::is_whitespace`
//! treats as spaces and which would tear a fragment apart.

/// One whitespace-delimited token: byte range in the document and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    /// Index of the line in the document.
    pub line: u32,
    /// True when the token is the first one on its line.
    pub first: bool,
    /// True when the token is the last one on its line.
    pub last: bool,
}

/// One line: byte range without its `\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub start: usize,
    pub end: usize,
    /// Index of the line's first token in the token list.
    pub first_token: u32,
    /// Number of tokens on the line.
    pub n_tokens: u32,
}

#[inline]
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// [`is_space`] for chars (for `trim_matches`).
#[inline]
pub fn is_space_char(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}

/// The word before another on its line, for [`walk_words`].
pub struct Prev<'a> {
    pub word: &'a str,
    pub chars: &'a [char],
    /// One space alone stands between the two words.
    pub adjacent: bool,
}

/// Calls `f(word, chars, prev)` for every word of `doc` (split on `\n`, then
/// on [`is_space_char`]) with its chars and, after a line's first word, the
/// word before it: the walk the joiner's counts and the spacing model learn
/// clean text by.
pub fn walk_words(doc: &str, mut f: impl FnMut(&str, &[char], Option<Prev>)) {
    let mut chars: Vec<char> = Vec::new();
    let mut prev: Vec<char> = Vec::new();
    for line in doc.split('\n') {
        let mut prev_word: Option<(&str, usize)> = None;
        let mut pos = 0;
        for tok in line.split(is_space_char) {
            let start = pos;
            pos += tok.len() + 1;
            if tok.is_empty() {
                continue;
            }
            chars.clear();
            chars.extend(tok.chars());
            let before = prev_word.map(|(word, end)| Prev {
                word,
                chars: &prev,
                adjacent: end + 1 == start,
            });
            f(tok, &chars, before);
            prev_word = Some((tok, start + tok.len()));
            std::mem::swap(&mut prev, &mut chars);
        }
    }
}

/// A document cut into lines and tokens; the vectors are reused across calls.
#[derive(Debug, Default, Clone)]
pub struct Tokenized {
    pub lines: Vec<Line>,
    pub tokens: Vec<Token>,
}

impl Tokenized {
    /// Splits `text`, reusing this value's buffers.
    pub fn split(&mut self, text: &str) {
        self.lines.clear();
        self.tokens.clear();
        let bytes = text.as_bytes();
        let (mut line_start, mut first_token) = (0usize, 0u32);
        let mut i = 0;
        loop {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            if i < bytes.len() && bytes[i] != b'\n' {
                let start = i;
                i = token_end(bytes, i + 1);
                let line = self.lines.len() as u32;
                self.tokens.push(Token {
                    start,
                    end: i,
                    line,
                    first: false,
                    last: false,
                });
                continue;
            }
            // The line ends at `i`: a newline or the end of the text.
            let n = self.tokens.len() as u32 - first_token;
            if n > 0 {
                self.tokens[first_token as usize].first = true;
                self.tokens[(first_token + n - 1) as usize].last = true;
            }
            self.lines.push(Line {
                start: line_start,
                end: i,
                first_token,
                n_tokens: n,
            });
            if i >= bytes.len() {
                break;
            }
            i += 1;
            line_start = i;
            first_token = self.tokens.len() as u32;
        }
    }

    pub fn text<'a>(&self, doc: &'a str, t: &Token) -> &'a str {
        &doc[t.start..t.end]
    }
}

/// The end of the token holding `b[i - 1]`: the first space or newline from
/// `i` on, or the end of `b`. Eight bytes at a time: a token's bytes are
/// nearly all above 0x20 (every byte of non-ASCII text is), and one test
/// finds whether a word holds a byte below 0x21.
#[inline]
fn token_end(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    while let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let x = u64::from_le_bytes(word);
        // High bit of each byte below 0x21; exact for the lowest such byte
        // (a borrow only runs upwards), which is all that is used.
        let below = x.wrapping_sub(ONES * 0x21) & !x & HIGHS;
        if below == 0 {
            i += 8;
            continue;
        }
        let k = i + (below.trailing_zeros() / 8) as usize;
        if is_space(b[k]) || b[k] == b'\n' {
            return k;
        }
        i = k + 1; // another control byte: part of the token
    }
    while i < b.len() && !is_space(b[i]) && b[i] != b'\n' {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nbsp_and_nel_stay_inside_tokens() {
        let doc = "a \u{a0}b\u{85}c\r\n\nd\te ";
        let mut t = Tokenized::default();
        t.split(doc);
        let words: Vec<&str> = t.tokens.iter().map(|k| t.text(doc, k)).collect();
        assert_eq!(words, ["a", "\u{a0}b\u{85}c", "d", "e"]);
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[1].n_tokens, 0);
        assert!(t.tokens[0].first && !t.tokens[0].last && t.tokens[1].last);
        assert_eq!(t.tokens[2].line, 2);
    }

    /// The split as first written: lines at `\n`, then tokens byte by byte.
    fn split_plainly(text: &str) -> (Vec<Line>, Vec<Token>) {
        let (mut lines, mut tokens) = (Vec::new(), Vec::<Token>::new());
        let mut start = 0;
        for (no, l) in text.split('\n').enumerate() {
            let first_token = tokens.len() as u32;
            let mut i = 0;
            let b = &l.as_bytes();
            while i < b.len() {
                if is_space(b[i]) {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < b.len() && !is_space(b[i]) {
                    i += 1;
                }
                tokens.push(Token {
                    start: start + s,
                    end: start + i,
                    line: no as u32,
                    first: false,
                    last: false,
                });
            }
            let n = tokens.len() as u32 - first_token;
            if n > 0 {
                tokens[first_token as usize].first = true;
                tokens[(first_token + n - 1) as usize].last = true;
            }
            lines.push(Line {
                start,
                end: start + l.len(),
                first_token,
                n_tokens: n,
            });
            start += l.len() + 1;
        }
        (lines, tokens)
    }

    #[test]
    fn word_at_a_time_split_matches_the_plain_one() {
        let parts = [
            "a",
            "바다이야기",
            "\u{a0}",
            "\u{85}",
            " ",
            "  ",
            "\t",
            "\r",
            "\n",
            "\x0b",
            "\x0c",
            "\x00",
            "\x1f",
            "!",
            "longer-word-here",
        ];
        let mut t = Tokenized::default();
        let mut seed = 1u64;
        for _ in 0..3000 {
            let mut doc = String::new();
            let mut next = || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 33) as usize
            };
            for _ in 0..next() % 40 {
                doc.push_str(parts[next() % parts.len()]);
            }
            t.split(&doc);
            let (lines, tokens) = split_plainly(&doc);
            assert_eq!((&t.lines, &t.tokens), (&lines, &tokens), "{doc:?}");
        }
    }

    #[test]
    fn empty_document_has_one_empty_line() {
        let mut t = Tokenized::default();
        t.split("");
        assert_eq!(t.lines.len(), 1);
        assert!(t.tokens.is_empty());
    }
}
