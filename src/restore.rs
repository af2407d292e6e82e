//! Splice and rejoin: turning flagged spans into the article as written.
//!
//! Every restoration is a pure deletion. The injection added glue (a newline
//! before the fragment, a space after it); whether the cut word is rejoined
//! with or without a space is decided by which glue the span keeps: for
//! `restorin\nF g` the span is `\nF ` (the word closes up), for
//! `Nov. 1,\nF in` the span is `\nF` (the space stays). So a dolma mixer that
//! deletes spans gives exactly the text `clean()` gives.

use crate::join::{Joiner, LocalCounts};
pub use crate::span::{char_offsets, Cleaned, Span};
use crate::tokens::{is_space, Tokenized};

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
        let span = if t0.first && li > 0 && line_has_text(li - 1) && !whole[li - 1] {
            let prev = tok.lines[li - 1];
            let nl = tok.lines[li].start - 1;
            let after = next_start(t1.end);
            let left = &doc[prev.start..prev.end];
            let right = &doc[after..tok.lines[li].end];
            let local = LocalCounts::of(doc, tok, left, right);
            let end = if joiner.closes_up(left, right, local) {
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
