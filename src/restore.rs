//! Splice and rejoin: turning flagged spans into the article as written.
//!
//! Every restoration is a pure deletion. The injection added glue (a newline
//! before the fragment, a space after it); whether the cut word is rejoined
//! with or without a space is decided by which glue the span keeps: for
//! `restorin\nF g` the span is `\nF ` (the word closes up), for
//! `Nov. 1,\nF in` the span is `\nF` (the space stays). So a dolma mixer that
//! deletes spans gives exactly the text `clean()` gives.

use crate::join::{Joiner, LocalCounts};
use crate::span::Span;
#[cfg(test)]
use crate::span::Cleaned;
use crate::tokens::{is_space, is_space_char, Tokenized};
use crate::encoding;

/// Builds the deletion spans from per-token probabilities.
///
/// Each maximal run of flagged tokens on a line is one fragment, removed
/// with the glue its injection style added:
/// - the whole line is the fragment: the line goes, with its newline, and
///   where it stood as a paragraph of its own (a blank line before and
///   after, as an ad in its own `<p>` comes out of a page with paragraphs
///   set apart), with one of the blank lines, so the paragraphs around it
///   are set apart as before;
/// - the fragment opens a line that follows a non-empty line: the injection
///   broke a line (`restorin\nF g`); the newline goes too, and the [`Joiner`]
///   decides whether the space after the fragment goes (`restoring`) or
///   stays (`Nov. 1, in`);
/// - the fragment ends a line: it goes with the whitespace before it;
/// - otherwise: it goes with the whitespace after it.
pub fn spans(
    doc: &str,
    tok: &Tokenized,
    probs: &[f32],
    threshold: f32,
    joiner: &Joiner,
) -> Vec<Span> {
    let bytes = doc.as_bytes();
    let mut out: Vec<Span> = Vec::new();
    let nlines = tok.lines.len();
    let mut whole = vec![false; nlines];
    // Runs per line: (first token, last token, score).
    let mut runs: Vec<(usize, usize, f32)> = Vec::new();
    for (li, line) in tok.lines.iter().enumerate() {
        let (a, n) = (line.first_token as usize, line.n_tokens as usize);
        let mut i = a;
        while i < a + n {
            if probs[i] >= threshold {
                let s = i;
                let mut score = probs[i];
                while i + 1 < a + n && probs[i + 1] >= threshold {
                    i += 1;
                    score = score.max(probs[i]);
                }
                if s == a && i == a + n - 1 {
                    whole[li] = true;
                }
                runs.push((s, i, score));
            }
            i += 1;
        }
    }
    if runs.is_empty() {
        return out;
    }
    let line_has_text = |li: usize| tok.lines[li].n_tokens > 0;
    // Whole-line fragments, grouped into blocks of consecutive lines.
    let mut whole_spans: Vec<Span> = Vec::new();
    let mut li = 0;
    while li < nlines {
        if !whole[li] {
            li += 1;
            continue;
        }
        let a = li;
        while li + 1 < nlines && whole[li + 1] {
            li += 1;
        }
        let b = li;
        let score = runs
            .iter()
            .filter(|r| (a..=b).contains(&(tok.tokens[r.0].line as usize)))
            .fold(0f32, |m, r| m.max(r.2));
        let own_paragraph =
            a > 0 && b + 2 < nlines && !line_has_text(a - 1) && !line_has_text(b + 1);
        let span = if own_paragraph {
            Span {
                start: tok.lines[a].start,
                end: tok.lines[b + 2].start,
                score,
            }
        } else if b + 1 < nlines {
            Span {
                start: tok.lines[a].start,
                end: tok.lines[b + 1].start,
                score,
            }
        } else if a > 0 {
            Span {
                start: tok.lines[a - 1].end,
                end: tok.lines[b].end,
                score,
            }
        } else {
            Span {
                start: 0,
                end: tok.lines[b].end,
                score,
            }
        };
        whole_spans.push(span);
        li += 1;
    }
    for &(s, e, score) in &runs {
        let t0 = tok.tokens[s];
        let t1 = tok.tokens[e];
        let li = t0.line as usize;
        if whole[li] {
            continue;
        }
        let next_start = |end: usize| {
            let mut j = end;
            while j < bytes.len() && bytes[j] != b'\n' && is_space(bytes[j]) {
                j += 1;
            }
            j
        };
        // Whole-line fragments just before this line join its deletion: two
        // injections at one cut (`bi\nF1\nF2 lateral`) are one run, with
        // one join decision between the words they cut.
        let mut first = li;
        while first > 0 && whole[first - 1] {
            first -= 1;
        }
        let span = if t0.first && first > 0 && line_has_text(first - 1) && !whole[first - 1] {
            let prev = tok.lines[first - 1];
            let nl = tok.lines[first].start - 1;
            let after = next_start(t1.end);
            let left = &doc[prev.start..prev.end];
            let right = &doc[after..tok.lines[li].end];
            // The injection's glue after the fragment is one space. More
            // whitespace after it, or whitespace ending the line before, is
            // the article's own (a table's tab): the glue goes and that stays.
            let glue_end = t1.end + usize::from(bytes.get(t1.end) == Some(&b' '));
            let end = if after > glue_end
                || left.ends_with(is_space_char)
                || splits_a_number(left, right)
            {
                glue_end
            } else if joiner.closes_up(left, right, LocalCounts::of(doc, tok, left, right)) {
                after
            } else {
                t1.end
            };
            Span {
                start: nl,
                end,
                score,
            }
        } else if t1.last && !t0.first {
            let mut j = t0.start;
            while j > tok.lines[li].start && is_space(bytes[j - 1]) {
                j -= 1;
            }
            Span {
                start: j,
                end: t1.end,
                score,
            }
        } else {
            Span {
                start: t0.start,
                end: next_start(t1.end),
                score,
            }
        };
        out.push(span);
    }
    out.extend(whole_spans);
    out.sort_by_key(|s| (s.start, s.end));
    // Merge anything that touches or overlaps (defensive: keeps spans disjoint).
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for s in out {
        match merged.last_mut() {
            Some(m) if s.start < m.end => {
                m.end = m.end.max(s.end);
                m.score = m.score.max(s.score);
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// Whether a cut falls inside a number's digit groups (`68,` + `770`): a
/// digit and a comma before it, three digits and then no digit after it.
/// Written apart, the figure would read as a list; the count tables cannot
/// say so, as every figure is a word of its own to them.
fn splits_a_number(left: &str, right: &str) -> bool {
    let l = left.as_bytes();
    let r = right.as_bytes();
    l.len() >= 2
        && l[l.len() - 1] == b','
        && l[l.len() - 2].is_ascii_digit()
        && r.len() >= 3
        && r[..3].iter().all(u8::is_ascii_digit)
        && !r.get(3).is_some_and(u8::is_ascii_digit)
}

/// A document whose spam may be glued to the article's words
/// (`posi바카라사이트tion`, `…주소abc123.net`), read with a space at each
/// edge of the glued run, so that the run is a token of its own and the
/// article's letters beside it are theirs: the model judges the run, and a
/// deletion cuts at its edges. Spans found on [`Unglued::text`] map back
/// with [`Unglued::spans_back`].
///
/// Only pages written mostly in ASCII letters are read so: a Korean page
/// glues Latin and digits to its words as a matter of course (`LG전자`,
/// `5만원`). A run is split off only if it reads as at least two Hangul
/// syllables, raw or through the CP949 views, so an accented word (`café`)
/// or the article's own mojibake quote (`China¡¯s`) stays whole.
pub(crate) struct Unglued {
    /// The document with the spaces put in.
    pub(crate) text: String,
    /// Offsets in `text` of the spaces put in, ascending.
    added: Vec<usize>,
    /// The same places as offsets of the document.
    edges: Vec<usize>,
    /// Per edge: whether the article's side (the ASCII) is left of it.
    ascii_left: Vec<bool>,
}

/// Least Hangul syllables a glued run must read as to be split off.
const GLUED_MIN_SYLLABLES: usize = 2;

impl Unglued {
    /// The view of `doc`; None when nothing in it is glued, or the page is
    /// not mostly ASCII letters.
    pub(crate) fn of(doc: &str, sc: &mut encoding::Scratch) -> Option<Unglued> {
        if !mostly_ascii_letters(doc) {
            return None;
        }
        let bytes = doc.as_bytes();
        let mut edges: Vec<usize> = Vec::new();
        let mut ascii_left: Vec<bool> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if is_space(bytes[i]) || bytes[i] == b'\n' {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'\n' {
                i += 1;
            }
            let tok = &doc[start..i];
            // Cheap first: a letter or digit beside a non-ASCII byte.
            let meets = tok.as_bytes().windows(2).any(|w| {
                (w[0].is_ascii_alphanumeric() && !w[1].is_ascii())
                    || (!w[0].is_ascii() && w[1].is_ascii_alphanumeric())
            });
            if !meets {
                continue;
            }
            glued_edges(tok, start, sc, &mut edges, &mut ascii_left);
        }
        if edges.is_empty() {
            return None;
        }
        let mut text = String::with_capacity(doc.len() + edges.len());
        let mut added = Vec::with_capacity(edges.len());
        let mut at = 0;
        for &e in &edges {
            text.push_str(&doc[at..e]);
            added.push(text.len());
            text.push(' ');
            at = e;
        }
        text.push_str(&doc[at..]);
        Some(Unglued {
            text,
            added,
            edges,
            ascii_left,
        })
    }

    /// `spans` (sorted, disjoint, over [`Unglued::text`]) as spans of `doc`.
    /// A span that starts at a glued edge ends where the run does, its
    /// whitespace after left to the article, and one that ends at a glued
    /// edge keeps the whitespace before it: the run was glued, not spaced,
    /// on that side, so the space beside it is the article's.
    pub(crate) fn spans_back(&self, doc: &str, mut spans: Vec<Span>) -> Vec<Span> {
        let bytes = doc.as_bytes();
        let mut k = 0;
        let mut map = |p: usize| {
            while k < self.added.len() && self.added[k] < p {
                k += 1;
            }
            p - k
        };
        for s in &mut spans {
            s.start = map(s.start);
            s.end = map(s.end);
        }
        for s in &mut spans {
            // A piece of an article word that the run was glued to stays,
            // though the model took it with its neighbour (a domain glued
            // on goes with the run).
            for (&e, &left) in self.edges.iter().zip(&self.ascii_left) {
                if s.start < e && e < s.end {
                    if left && is_word_piece(&doc[s.start..e]) {
                        s.start = e;
                    } else if !left && is_word_piece(&doc[e..s.end]) {
                        s.end = e;
                    }
                }
            }
            let at_edge = |p: usize| self.edges.binary_search(&p).is_ok();
            if at_edge(s.start) && !at_edge(s.end) {
                while s.end > s.start && is_space(bytes[s.end - 1]) {
                    s.end -= 1;
                }
            } else if at_edge(s.end) && !at_edge(s.start) {
                while s.start < s.end && is_space(bytes[s.start]) {
                    s.start += 1;
                }
            }
        }
        spans.retain(|s| s.start < s.end);
        spans
    }
}

/// Whether `run` reads as at least [`GLUED_MIN_SYLLABLES`] Hangul
/// syllables, as it stands or through the encoding views.
fn reads_as_hangul(run: &str, sc: &mut encoding::Scratch) -> bool {
    let syllables = |s: &str| s.chars().filter(|&c| crate::chars::is_hangul_syllable(c)).count();
    // Through a view, two syllables take at least four chars as a rule
    // (ftfy re-decodes a few pairs into one): a shorter run is a letter or
    // two of a European word (Turkish `Çı`), not mojibake.
    syllables(run) >= GLUED_MIN_SYLLABLES
        || (run.chars().count() >= 2 * GLUED_MIN_SYLLABLES && {
            encoding::best_reading(run, sc, None);
            syllables(&sc.reading) >= GLUED_MIN_SYLLABLES
        })
}

/// Pushes the glued edges of `tok` (at `offset` in the document): each run
/// of non-ASCII chars that reads as Hangul, where it meets a stretch of
/// ASCII with letters in (an article word, a domain); a stretch of digits
/// alone, or a lone letter, is the fragment's (`릴게임5만`, `카지노24`).
fn glued_edges(
    tok: &str,
    offset: usize,
    sc: &mut encoding::Scratch,
    edges: &mut Vec<usize>,
    ascii_left: &mut Vec<bool>,
) {
    // The token as alternating stretches of ASCII and non-ASCII bytes.
    let b = tok.as_bytes();
    let mut stretches: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let ascii = b[at].is_ascii();
        let end = b[at..].iter().position(|x| x.is_ascii() != ascii).map_or(b.len(), |p| at + p);
        stretches.push((at, end));
        at = end;
    }
    // Stretches alternate, so whether one is ASCII is its parity.
    let first_ascii = b.first().is_some_and(u8::is_ascii);
    let is_ascii = |k: usize| (k % 2 == 0) == first_ascii;
    // ftfy spells the mojibake of some syllables as ASCII (`ij` for the
    // `ĳ` of `캐`): a digraph touching a mojibake stretch is the stretch's.
    for k in 0..stretches.len() {
        let (s, e) = stretches[k];
        if is_ascii(k) || !tok[s..e].chars().any(encoding::is_latin1_high) {
            continue;
        }
        if k > 0 && stretches[k - 1].1 - stretches[k - 1].0 >= 2 && is_ligature(&tok[s - 2..s]) {
            stretches[k - 1].1 -= 2;
            stretches[k].0 -= 2;
        }
        if k + 1 < stretches.len()
            && stretches[k + 1].1 - stretches[k + 1].0 >= 2
            && is_ligature(&tok[e..e + 2])
        {
            stretches[k + 1].0 += 2;
            stretches[k].1 += 2;
        }
    }
    let glued = |k: usize, edge: usize| {
        let (s, e) = stretches[k];
        b[edge].is_ascii_alphanumeric() && has_letters(&tok[s..e])
    };
    // Cores: non-ASCII stretches, with the ASCII between them that holds
    // no word (`릴게임5만`, `¶óÀ̺êºí·¢Àè3¸¸`), read as one.
    let mut k = 0;
    while k < stretches.len() {
        if is_ascii(k) {
            k += 1;
            continue;
        }
        let first = k;
        while k + 2 < stretches.len() && !has_letters(&tok[stretches[k + 1].0..stretches[k + 1].1]) {
            k += 2;
        }
        let (s, e) = (stretches[first].0, stretches[k].1);
        let last = k;
        k += 1;
        if !reads_as_hangul(&tok[s..e], sc) {
            continue;
        }
        let k = (first, last);
        if k.0 > 0 && s > 0 && glued(k.0 - 1, s - 1) {
            edges.push(offset + s);
            ascii_left.push(true);
        }
        if k.1 + 1 < stretches.len() && e < b.len() && glued(k.1 + 1, e) {
            edges.push(offset + e);
            ascii_left.push(false);
        }
    }
}

/// Whether `piece`, with its whitespace trimmed, is (part of) a word of one
/// line: no line break, no digit, nothing of a domain or an address.
fn is_word_piece(piece: &str) -> bool {
    let p = piece.trim_matches(is_space_char);
    !p.is_empty() && !p.contains(['\n', '.', '/', ':', '@']) && !p.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `pair` is a digraph ftfy spells for a ligature it "fixes".
fn is_ligature(pair: &str) -> bool {
    matches!(pair, "ij" | "IJ" | "dz" | "Dz" | "DZ")
}

/// Whether `side` holds two ASCII letters or more.
fn has_letters(side: &str) -> bool {
    side.bytes().filter(u8::is_ascii_alphabetic).count() >= 2
}

/// Whether ASCII letters are at least twice the non-ASCII chars of `doc`.
fn mostly_ascii_letters(doc: &str) -> bool {
    let (mut letters, mut other) = (0usize, 0usize);
    for &b in doc.as_bytes() {
        letters += b.is_ascii_alphabetic() as usize;
        // A non-ASCII char's first byte (not a continuation byte).
        other += (b >= 0xC0) as usize;
    }
    letters >= 2 * other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unglue(doc: &str) -> Option<Unglued> {
        Unglued::of(doc, &mut encoding::Scratch::default())
    }

    #[test]
    fn a_cut_between_digit_groups_closes_up() {
        assert!(splits_a_number("On-net\t68,", "770\t61,334"));
        assert!(splits_a_number("32,", "750,727"));
        assert!(!splits_a_number("Nov. 1,", "in the"));
        assert!(!splits_a_number("in 2019,", "2020 was"));
        assert!(!splits_a_number("1,", "50"));
    }

    #[test]
    fn a_glued_run_is_read_as_a_token_of_its_own() {
        let doc = "Investors reviewed their posi바카라사이트tion ahead of the vote today.";
        let u = unglue(doc).unwrap();
        assert_eq!(u.text, "Investors reviewed their posi 바카라사이트 tion ahead of the vote today.");
        // The run and the space put in after it, as the model removes it.
        let at = u.text.find('바').unwrap();
        let spans = vec![Span { start: at, end: at + "바카라사이트 ".len(), score: 1.0 }];
        let c = Cleaned::from_spans(doc, u.spans_back(doc, spans));
        assert_eq!(c.text, "Investors reviewed their position ahead of the vote today.");
    }

    #[test]
    fn a_run_glued_on_one_side_leaves_the_space_on_the_other() {
        let doc = "Investors reviewed their position바카라사이트 ahead of the vote today.";
        let u = unglue(doc).unwrap();
        let at = u.text.find('바').unwrap();
        // The model takes the run with the (real) space after it.
        let spans = vec![Span { start: at, end: at + "바카라사이트 ".len(), score: 1.0 }];
        let c = Cleaned::from_spans(doc, u.spans_back(doc, spans));
        assert_eq!(c.text, "Investors reviewed their position ahead of the vote today.");
        // A domain glued after the run goes with it, the space after stays.
        let doc = "Rates were held at 3.5 per cent 카지노주소abc123.net on Thursday morning.";
        let u = unglue(doc).unwrap();
        assert!(u.text.contains("카지노주소 abc123.net on"));
        let a = u.text.find('카').unwrap();
        let b = u.text.find(" on").unwrap() + 1;
        let c = Cleaned::from_spans(doc, u.spans_back(doc, vec![Span { start: a, end: b, score: 1.0 }]));
        assert_eq!(c.text, "Rates were held at 3.5 per cent on Thursday morning.");
    }

    #[test]
    fn accents_quotes_and_korean_pages_stay_whole() {
        assert!(unglue("The café¡¯s owner, Müller, said China¡¯s rules changed.").is_none());
        assert!(unglue("Bunlar genel sorulardı.\nÇıkarın beni hastaneden, dedi.").is_none());
        // Mojibake Hangul glued into a word is split off.
        let m = crate::encoding::forward::cp949_ftfy("바카라사이트").unwrap();
        let doc = format!("Investors reviewed their posi{m}tion ahead of the vote today.");
        assert!(unglue(&doc).unwrap().text.contains(&format!("posi {m} tion")));
        // ftfy's `ij` for the mojibake of `캐` is the fragment's own.
        let m = crate::encoding::forward::cp949_ftfy("캐리비안").unwrap();
        assert!(m.starts_with("ij"), "{m}");
        assert!(unglue(&format!("The ship {m} sailed on Monday to the islands.")).is_none());
        let u = unglue(&format!("The ship be{m}st sailed on Monday to the islands.")).unwrap();
        assert!(u.text.contains(&format!("be {m} st")), "{}", u.text);
        // Digits glued on are the fragment's own.
        assert!(unglue("We took our cat camping last week, thanks 카지노24 and more of it.").is_none());
        // A Korean page glues Latin to its words: read as it stands.
        assert!(unglue("LG전자는 올해 매출이 늘었다고 밝혔다. 삼성전자도 5만원을 올렸다.").is_none());
    }
}
