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
        let mut line_start = 0usize;
        loop {
            let line_end = memchr_newline(&bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            let first_token = self.tokens.len() as u32;
            let line_no = self.lines.len() as u32;
            let mut i = line_start;
            while i < line_end {
                while i < line_end && is_space(bytes[i]) {
                    i += 1;
                }
                if i >= line_end {
                    break;
                }
                let s = i;
                while i < line_end && !is_space(bytes[i]) {
                    i += 1;
                }
                self.tokens.push(Token { start: s, end: i, line: line_no, first: false, last: false });
            }
            let n = self.tokens.len() as u32 - first_token;
            if n > 0 {
                self.tokens[first_token as usize].first = true;
                self.tokens[(first_token + n - 1) as usize].last = true;
            }
            self.lines.push(Line { start: line_start, end: line_end, first_token, n_tokens: n });
            if line_end >= bytes.len() {
                break;
            }
            line_start = line_end + 1;
        }
    }

    pub fn text<'a>(&self, doc: &'a str, t: &Token) -> &'a str {
        &doc[t.start..t.end]
    }
}

#[inline]
fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
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

    #[test]
    fn empty_document_has_one_empty_line() {
        let mut t = Tokenized::default();
        t.split("");
        assert_eq!(t.lines.len(), 1);
        assert!(t.tokens.is_empty());
    }
}

/// [`is_space`] for chars (for `trim_matches`).
#[inline]
pub fn is_space_char(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}
