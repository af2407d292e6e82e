//! What cleaning gives back: the restored text and the spans deleted from
//! the input. Every restoration is a pure deletion, so the spans alone say
//! what changed, in byte offsets here and in code points for dolma and
//! Python ([`char_offsets`]).

use std::borrow::Cow;

/// A deleted range of the input, in byte offsets, with the model's score.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// Byte offset where the deletion starts.
    pub start: usize,
    /// Byte offset just past the deletion.
    pub end: usize,
    /// The highest token score in the span.
    pub score: f32,
}

/// The result of cleaning one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned<'a> {
    /// The restored text; borrowed when nothing was removed.
    pub text: Cow<'a, str>,
    /// The deleted spans, sorted and disjoint, in byte offsets of the input.
    pub spans: Vec<Span>,
}

impl<'a> Cleaned<'a> {
    /// Nothing flagged: the input comes back borrowed, byte-identical.
    pub fn unchanged(text: &'a str) -> Self {
        Cleaned {
            text: Cow::Borrowed(text),
            spans: Vec::new(),
        }
    }

    /// Deletes `spans` (sorted, disjoint, on char boundaries) from `input`.
    pub fn from_spans(input: &'a str, spans: Vec<Span>) -> Self {
        if spans.is_empty() {
            return Cleaned::unchanged(input);
        }
        let removed: usize = spans.iter().map(|s| s.end - s.start).sum();
        let mut out = String::with_capacity(input.len() - removed);
        let mut at = 0;
        for s in &spans {
            out.push_str(&input[at..s.start]);
            at = s.end;
        }
        out.push_str(&input[at..]);
        Cleaned {
            text: Cow::Owned(out),
            spans,
        }
    }

    /// Whether anything was deleted.
    pub fn changed(&self) -> bool {
        !self.spans.is_empty()
    }
}

/// Converts sorted byte spans of `input` into Unicode code-point offsets
/// (the unit dolma and Python use), in one pass over the text.
pub fn char_offsets(input: &str, spans: &[Span]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(spans.len());
    let mut byte = 0usize;
    let mut chars = 0usize;
    let advance = |to: usize, byte: &mut usize, chars: &mut usize| {
        *chars += input[*byte..to].chars().count();
        *byte = to;
    };
    for s in spans {
        advance(s.start, &mut byte, &mut chars);
        let a = chars;
        advance(s.end, &mut byte, &mut chars);
        out.push((a, chars));
    }
    out
}

/// A document whose lines end in `\r\n`, read with `\n` alone: the model
/// and the joiner learned from LF text, and an injection's line break in a
/// CRLF page is `\r\n`, both of whose characters must go. Spans found on
/// [`LfView::text`] map back ([`LfView::spans_back`]) so that a `\r\n` is
/// never split: cleaning the CRLF document gives what cleaning its LF form
/// gives, with each `\r\n` in place.
pub(crate) struct LfView {
    /// The document with the `\r` of each `\r\n` dropped.
    pub(crate) text: String,
    /// Offsets in `text` of the `\n`s that had a `\r` before them, ascending.
    crs: Vec<usize>,
}

impl LfView {
    /// The LF view of `doc`; None when no line of it ends in `\r\n`.
    pub(crate) fn of(doc: &str) -> Option<LfView> {
        let first = memchr::memmem::find(doc.as_bytes(), b"\r\n")?;
        let mut text = String::with_capacity(doc.len());
        let mut crs = Vec::new();
        let mut at = 0;
        let mut next = Some(first);
        while let Some(cr) = next {
            text.push_str(&doc[at..cr]);
            crs.push(text.len());
            // Resume at the `\n`: it stays, its `\r` does not.
            at = cr + 1;
            next = memchr::memmem::find(&doc.as_bytes()[at..], b"\r\n").map(|k| at + k);
        }
        text.push_str(&doc[at..]);
        Some(LfView { text, crs })
    }

    /// `spans` (sorted, disjoint, over [`LfView::text`]) as spans of the
    /// document. A boundary before a `\n` maps to before its `\r`, so a span
    /// that starts at a line break takes the `\r` too, and one that ends
    /// just before a line break leaves the `\r\n` whole.
    pub(crate) fn spans_back(&self, mut spans: Vec<Span>) -> Vec<Span> {
        // Both ends ascend across the spans: one walk over `crs`.
        let mut k = 0;
        let mut map = |p: usize| {
            while k < self.crs.len() && self.crs[k] < p {
                k += 1;
            }
            p + k
        };
        for s in &mut spans {
            s.start = map(s.start);
            s.end = map(s.end);
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_rejoins_the_cut_word() {
        let input = "for restorin\nXX g Korea and Nov. 1,\nYY in the";
        let a = input.find("\nXX").unwrap();
        let b = input.find("\nYY").unwrap();
        let spans = vec![
            Span {
                start: a,
                end: a + 4,
                score: 1.0,
            },
            Span {
                start: b,
                end: b + 3,
                score: 1.0,
            },
        ];
        let c = Cleaned::from_spans(input, spans);
        assert_eq!(c.text, "for restoring Korea and Nov. 1, in the");
    }

    #[test]
    fn char_offsets_count_code_points() {
        let input = "é\n바다 x";
        let s = input.find('\n').unwrap();
        let spans = [Span {
            start: s,
            end: s + 1 + "바다".len() + 1,
            score: 1.0,
        }];
        assert_eq!(char_offsets(input, &spans), vec![(1, 5)]);
    }

    #[test]
    fn a_crlf_document_cleans_as_its_lf_form() {
        let doc = "for restorin\r\nXX g ties.\r\nAd line\r\nNext \r line\r\n";
        let lf = LfView::of(doc).unwrap();
        assert_eq!(lf.text, "for restorin\nXX g ties.\nAd line\nNext \r line\n");
        let at = |s: &str| lf.text.find(s).unwrap();
        // `\nXX ` (a cut word closes up) and `Ad line\n` (a whole line).
        let spans = vec![
            Span {
                start: at("\nXX"),
                end: at("g ties"),
                score: 1.0,
            },
            Span {
                start: at("Ad line"),
                end: at("Next"),
                score: 1.0,
            },
        ];
        let want = Cleaned::from_spans(&lf.text, spans.clone())
            .text
            .replace('\n', "\r\n");
        let got = Cleaned::from_spans(doc, lf.spans_back(spans));
        assert_eq!(got.text, "for restoring ties.\r\nNext \r line\r\n");
        assert_eq!(got.text, want);
        // The lone `\r` is the document's own: no `\r\n`, it stays.
        assert!(LfView::of("no crlf\n here\r").is_none());
    }
}
