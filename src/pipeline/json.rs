//! A validating JSON scanner that finds one string field in a JSONL line
//! without building the object, plus unescaping with an offset map back to
//! the string as written.
//!
//! Cleaning a record deletes spans from the field's *escaped* text, so every
//! other byte of the line (other fields, key order, number formatting, the
//! escape style of the untouched parts, trailing `\r`) is kept exactly.
//!
//! Besides RFC 8259 syntax the scanner refuses lone surrogate escapes
//! (`"\ud800"`, which Python's `json.dumps` writes) anywhere in the line:
//! they cannot be decoded to a Rust string, and downstream Rust readers
//! (serde_json) reject them too.

use std::borrow::Cow;
use std::ops::Range;

/// Nesting deeper than this is refused (as serde_json does), so a hostile
/// line cannot exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Where the field and the record id are in a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Byte range of the field's string content (inside the quotes), or why
    /// there is none ("no field `text`", "field `text` is a number, ...").
    pub field: Result<Range<usize>, String>,
    /// Byte range of the top-level `id` value as written (any JSON type).
    pub id: Option<Range<usize>>,
}

/// Scans `line` (one JSONL line, without its `\n`; a trailing `\r` is
/// whitespace) and locates the string at the dotted `path`. `Err` when the
/// line is not a valid JSON object. When a key repeats, the last one counts
/// (as in serde_json and Python).
pub fn locate(line: &[u8], path: &[&str]) -> Result<Located, String> {
    if simdutf8::basic::from_utf8(line).is_err() {
        let at = std::str::from_utf8(line)
            .err()
            .map_or(0, |e| e.valid_up_to());
        return Err(format!("invalid UTF-8 at byte {} of the line", at + 1));
    }
    let mut s = Scanner {
        b: line,
        i: 0,
        path,
        field: None,
        id: None,
    };
    s.ws();
    if s.i == s.b.len() {
        return Err("empty line, not a JSON object".into());
    }
    let first = s.b[s.i];
    let kind = s.value(0, if first == b'{' { Some(0) } else { None })?;
    s.ws();
    if s.i != s.b.len() {
        return Err(s.err("unexpected characters after the value"));
    }
    if kind != Kind::Object {
        return Err(format!("not a JSON object but {}", kind.name()));
    }
    let field = match s.field {
        Some(f) => f,
        None => Err(format!("no field `{}`", path.join("."))),
    };
    Ok(Located { field, id: s.id })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

struct Scanner<'a, 'p> {
    b: &'a [u8],
    i: usize,
    path: &'p [&'p str],
    field: Option<Result<Range<usize>, String>>,
    id: Option<Range<usize>>,
}

impl Scanner<'_, '_> {
    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err(&self, what: &str) -> String {
        if self.i >= self.b.len() {
            format!("not JSON: {what} at the end of the line")
        } else {
            format!("not JSON: {what} at column {}", self.i + 1)
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Parses one value. `track`: this value sits at path prefix of that
    /// length (only meaningful for objects).
    fn value(&mut self, depth: usize, track: Option<usize>) -> Result<Kind, String> {
        match self.peek() {
            Some(b'{') => {
                self.object(depth + 1, track)?;
                Ok(Kind::Object)
            }
            Some(b'[') => {
                self.array(depth + 1)?;
                Ok(Kind::Array)
            }
            Some(b'"') => {
                self.string()?;
                Ok(Kind::String)
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Ok(Kind::Number)
            }
            Some(b't') => self.literal(b"true", Kind::Bool),
            Some(b'f') => self.literal(b"false", Kind::Bool),
            Some(b'n') => self.literal(b"null", Kind::Null),
            Some(_) => Err(self.err("expected a value")),
            None => Err(self.err("expected a value")),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Kind, String> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(kind)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        Ok(())
    }

    /// Parses a string at `"`; returns its content range and whether it has escapes.
    fn string(&mut self) -> Result<(Range<usize>, bool), String> {
        debug_assert_eq!(self.b[self.i], b'"');
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        let b = self.b;
        loop {
            // Fast skip of plain bytes, eight at a time: stop at the first
            // byte that is '"', '\\' or a control character (the lowest
            // flagged byte of each SWAR test is exact).
            const LO: u64 = 0x0101_0101_0101_0101;
            const HI: u64 = 0x8080_8080_8080_8080;
            while self.i + 8 <= b.len() {
                let w = u64::from_le_bytes(b[self.i..self.i + 8].try_into().unwrap());
                let q = w ^ (LO * b'"' as u64);
                let e = w ^ (LO * b'\\' as u64);
                let m = ((q.wrapping_sub(LO) & !q)
                    | (e.wrapping_sub(LO) & !e)
                    | (w.wrapping_sub(LO * 0x20) & !w))
                    & HI;
                if m != 0 {
                    self.i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            while self.i < b.len() {
                let c = b[self.i];
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            match b.get(self.i) {
                Some(b'"') => {
                    let r = start..self.i;
                    self.i += 1;
                    return Ok((r, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(_) => return Err(self.err("control character in a string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        Some(v)
    }

    fn escape(&mut self) -> Result<(), String> {
        match self.b.get(self.i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 2;
                Ok(())
            }
            Some(b'u') => {
                let Some(cp) = self.hex4(self.i + 2) else {
                    return Err(self.err("invalid \\u escape"));
                };
                if (0xD800..0xDC00).contains(&cp) {
                    let low = if self.b.get(self.i + 6) == Some(&b'\\')
                        && self.b.get(self.i + 7) == Some(&b'u')
                    {
                        self.hex4(self.i + 8)
                    } else {
                        None
                    };
                    match low {
                        Some(l) if (0xDC00..0xE000).contains(&l) => {
                            self.i += 12;
                            Ok(())
                        }
                        _ => Err(format!(
                            "lone surrogate escape \\u{cp:04x} at column {}",
                            self.i + 1
                        )),
                    }
                } else if (0xDC00..0xE000).contains(&cp) {
                    Err(format!(
                        "lone surrogate escape \\u{cp:04x} at column {}",
                        self.i + 1
                    ))
                } else {
                    self.i += 6;
                    Ok(())
                }
            }
            _ => Err(self.err("invalid escape")),
        }
    }

    fn object(&mut self, depth: usize, track: Option<usize>) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "nesting deeper than {MAX_DEPTH} at column {}",
                self.i + 1
            ));
        }
        self.i += 1; // '{'
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a key"));
            }
            let (key, escaped) = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.i += 1;
            self.ws();
            let vstart = self.i;
            let matched = match track {
                Some(k) if k < self.path.len() => {
                    key_eq(&self.b[key.clone()], escaped, self.path[k])
                }
                _ => false,
            };
            if matched {
                let k = track.unwrap();
                let last = k + 1 == self.path.len();
                let is_obj = self.peek() == Some(b'{');
                let kind = self.value(depth, if is_obj && !last { Some(k + 1) } else { None })?;
                if last {
                    self.field = Some(if kind == Kind::String {
                        Ok(vstart + 1..self.i - 1)
                    } else {
                        Err(format!(
                            "field `{}` is {}, not a string",
                            self.path.join("."),
                            kind.name()
                        ))
                    });
                } else if kind != Kind::Object {
                    self.field = Some(Err(format!(
                        "field `{}` is {}, not an object",
                        self.path[..=k].join("."),
                        kind.name()
                    )));
                }
            } else {
                self.value(depth, None)?;
            }
            if track == Some(0) && key_eq(&self.b[key], escaped, "id") {
                self.id = Some(vstart..self.i);
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "nesting deeper than {MAX_DEPTH} at column {}",
                self.i + 1
            ));
        }
        self.i += 1; // '['
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth, None)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }
}

fn key_eq(raw: &[u8], escaped: bool, want: &str) -> bool {
    if !escaped {
        return raw == want.as_bytes();
    }
    match std::str::from_utf8(raw).ok().and_then(|s| unescape(s).ok()) {
        Some(k) => k == want,
        None => false,
    }
}

/// Decodes the content of a JSON string (between the quotes). Borrowed when
/// there is no escape. `Err` on an invalid escape or a lone surrogate.
pub fn unescape(raw: &str) -> Result<Cow<'_, str>, String> {
    let b = raw.as_bytes();
    let Some(first) = memchr::memchr(b'\\', b) else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut i = first;
    while i < b.len() {
        if b[i] != b'\\' {
            let next = memchr::memchr(b'\\', &b[i..]).map_or(b.len(), |j| i + j);
            out.push_str(&raw[i..next]);
            i = next;
            continue;
        }
        let (ch, len) = decode_escape(b, i)?;
        out.push(ch);
        i += len;
    }
    Ok(Cow::Owned(out))
}

/// Decodes the escape at `b[i] == '\\'`: the char and the escape's length.
fn decode_escape(b: &[u8], i: usize) -> Result<(char, usize), String> {
    let hex = |at: usize| -> Option<u32> {
        let h = b.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        Some(v)
    };
    let simple = |c: char| Ok((c, 2));
    match b.get(i + 1) {
        Some(b'"') => simple('"'),
        Some(b'\\') => simple('\\'),
        Some(b'/') => simple('/'),
        Some(b'b') => simple('\u{8}'),
        Some(b'f') => simple('\u{c}'),
        Some(b'n') => simple('\n'),
        Some(b'r') => simple('\r'),
        Some(b't') => simple('\t'),
        Some(b'u') => {
            let cp = hex(i + 2).ok_or("invalid \\u escape")?;
            if (0xD800..0xDC00).contains(&cp) {
                if b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u') {
                    if let Some(lo) = hex(i + 8).filter(|l| (0xDC00..0xE000).contains(l)) {
                        let c = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok((char::from_u32(c).ok_or("bad surrogate pair")?, 12));
                    }
                }
                Err(format!("lone surrogate escape \\u{cp:04x}"))
            } else {
                let c = char::from_u32(cp)
                    .ok_or_else(|| format!("lone surrogate escape \\u{cp:04x}"))?;
                Ok((c, 6))
            }
        }
        _ => Err("invalid escape".into()),
    }
}

/// Maps byte offsets of the unescaped text (ascending, each on a char
/// boundary, at most its length) to byte offsets in `raw`, the string as
/// written. `raw` must be a valid JSON string content.
pub fn map_to_raw(raw: &str, targets: &[usize]) -> Vec<usize> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(targets.len());
    let (mut r, mut u) = (0usize, 0usize);
    for &t in targets {
        debug_assert!(t >= u);
        while u < t {
            if r >= b.len() {
                break;
            }
            if b[r] == b'\\' {
                let (ch, len) = decode_escape(b, r).unwrap_or(('\u{fffd}', 2));
                r += len;
                u += ch.len_utf8();
            } else {
                let run_end = memchr::memchr(b'\\', &b[r..]).map_or(b.len(), |j| r + j);
                let step = (run_end - r).min(t - u);
                r += step;
                u += step;
            }
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(line: &str, path: &str) -> Result<Located, String> {
        let p: Vec<&str> = path.split('.').collect();
        locate(line.as_bytes(), &p)
    }

    fn field<'a>(line: &'a str, path: &str) -> Result<&'a str, String> {
        let l = loc(line, path)?;
        l.field.map(|r| &line[r])
    }

    #[test]
    fn finds_top_level_and_nested_fields() {
        let line = r#"{"id": 7, "text": "a\nb", "metadata": {"body": "x", "n": [1, {"body": 2}]}}"#;
        assert_eq!(field(line, "text").unwrap(), r"a\nb");
        assert_eq!(field(line, "metadata.body").unwrap(), "x");
        let l = loc(line, "text").unwrap();
        assert_eq!(&line[l.id.unwrap()], "7");
    }

    #[test]
    fn reasons() {
        assert_eq!(field(r#"{"a": 1}"#, "text").unwrap_err(), "no field `text`");
        assert_eq!(
            field(r#"{"text": 1}"#, "text").unwrap_err(),
            "field `text` is a number, not a string"
        );
        assert_eq!(
            field(r#"{"text": null}"#, "text").unwrap_err(),
            "field `text` is null, not a string"
        );
        assert_eq!(
            field(r#"{"metadata": "s"}"#, "metadata.body").unwrap_err(),
            "field `metadata` is a string, not an object"
        );
        assert_eq!(
            loc("[1, 2]", "text").unwrap_err(),
            "not a JSON object but an array"
        );
        assert_eq!(
            loc("", "text").unwrap_err(),
            "empty line, not a JSON object"
        );
        assert!(loc(r#"{"text": "x""#, "text")
            .unwrap_err()
            .starts_with("not JSON"));
        assert!(loc(r#"{"text": "x"} x"#, "text")
            .unwrap_err()
            .contains("after the value"));
        assert!(loc(r#"{"text": "\ud800"}"#, "text")
            .unwrap_err()
            .contains("lone surrogate"));
        assert!(loc(r#"{"meta": "\udc00x", "text": "ok"}"#, "text")
            .unwrap_err()
            .contains("lone surrogate"));
        assert!(loc(r#"{"text": "\ud83d\ude00"}"#, "text").is_ok());
        assert!(loc("{\"text\": \"a\tb\"}", "text")
            .unwrap_err()
            .contains("control character"));
        assert!(
            loc(&format!("{}{}", "[".repeat(200), "]".repeat(200)), "text")
                .unwrap_err()
                .contains("nesting")
        );
    }

    #[test]
    fn last_duplicate_key_wins_and_escaped_keys_match() {
        assert_eq!(field(r#"{"text": "a", "text": "b"}"#, "text").unwrap(), "b");
        assert_eq!(field(r#"{"te\u0078t": "a"}"#, "text").unwrap(), "a");
    }

    #[test]
    fn unescape_and_map_back() {
        let raw = r#"ab\n\u00e9\ud83d\ude00c\"d"#;
        let u = unescape(raw).unwrap();
        assert_eq!(u, "ab\né😀c\"d");
        let targets: Vec<usize> = u.char_indices().map(|(i, _)| i).chain([u.len()]).collect();
        let raws = map_to_raw(raw, &targets);
        assert_eq!(raws, vec![0, 1, 2, 4, 10, 22, 23, 25, 26]);
    }
}
