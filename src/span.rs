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
}
