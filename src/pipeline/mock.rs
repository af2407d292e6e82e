//! Model-free cleaners for tests and benchmarks of the pipeline.

use crate::span::{Cleaned, Span};

use super::Cleaner;

/// Finds nothing: measures the pipeline around the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityCleaner;

impl Cleaner for IdentityCleaner {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        Cleaned::unchanged(text)
    }
}

/// Deletes every `<<...>>` marker that opens and closes on one line, shaped
/// like an injection: a marker at a line start also takes the newline before
/// it and one space after it (`restorin\n<<x>> g` -> `restoring`). Spans lie
/// within one line plus the newline before it, as the pipeline requires.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkerCleaner;

impl MarkerCleaner {
    /// The spans it removes from `text`.
    pub fn spans(text: &str) -> Vec<Span> {
        let b = text.as_bytes();
        let mut spans = Vec::new();
        let mut i = 0;
        while let Some(j) = memchr::memmem::find(&b[i..], b"<<") {
            let open = i + j;
            let line_end = memchr::memchr(b'\n', &b[open..]).map_or(b.len(), |k| open + k);
            let Some(k) = memchr::memmem::find(&b[open + 2..line_end], b">>") else {
                i = open + 2;
                continue;
            };
            let mut end = open + 2 + k + 2;
            let mut start = open;
            if open > 0 && b[open - 1] == b'\n' {
                start = open - 1;
                if b.get(end) == Some(&b' ') {
                    end += 1;
                }
            }
            // Keep spans disjoint (a previous span may end at `open`).
            if let Some(last) = spans.last() {
                let last: &Span = last;
                if start < last.end {
                    start = last.end;
                }
            }
            spans.push(Span {
                start,
                end,
                score: 0.9,
            });
            i = end;
        }
        spans
    }
}

impl Cleaner for MarkerCleaner {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        Cleaned::from_spans(text, MarkerCleaner::spans(text))
    }
}
