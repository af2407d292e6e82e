//! Character classes the crate reads everywhere, with fast paths for ASCII
//! and Hangul, which are most of what it sees.

/// A precomposed Hangul syllable (U+AC00..=U+D7A3).
#[inline]
pub fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Hangul of any form: syllables, jamo and compatibility jamo.
#[inline]
pub fn is_hangul(c: char) -> bool {
    is_hangul_syllable(c)
        || ('\u{1100}'..='\u{11FF}').contains(&c)
        || ('\u{3130}'..='\u{318F}').contains(&c)
}

/// `char::is_alphanumeric` with fast paths for ASCII and Hangul, which are
/// most of what this crate reads (the general test is a table search).
#[inline]
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if is_hangul_syllable(c) {
        true
    } else {
        c.is_alphanumeric()
    }
}

/// Lowercase of one char, without the table search for ASCII and Hangul.
#[inline]
pub fn lower(c: char) -> impl Iterator<Item = char> {
    let simple = c.is_ascii() || is_hangul_syllable(c);
    let first = if simple {
        Some(c.to_ascii_lowercase())
    } else {
        None
    };
    first
        .into_iter()
        .chain((!simple).then(|| c.to_lowercase()).into_iter().flatten())
}

/// A CJK unified ideograph (main block, extension A, compatibility).
#[inline]
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || ('\u{3400}'..='\u{4DBF}').contains(&c)
        || ('\u{F900}'..='\u{FAFF}').contains(&c)
}

/// Hiragana or katakana.
#[inline]
pub fn is_kana(c: char) -> bool {
    ('\u{3040}'..='\u{30FF}').contains(&c)
}
