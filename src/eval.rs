//! Measuring a detector on labeled documents: exact restoration, span
//! precision and recall, and pass-through of clean documents, per slice.

use std::collections::BTreeMap;
use std::fmt;

use rayon::prelude::*;

use crate::campaign::Campaign;
use crate::detector::Detector;
use crate::labeled::Example;

/// Counts for one group of documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Documents in all.
    pub docs: usize,
    /// Documents with spam injected.
    pub injected: usize,
    /// Injected documents restored exactly.
    pub exact: usize,
    /// Documents without spam.
    pub clean_docs: usize,
    /// Clean documents that came back byte-identical.
    pub passed: usize,
    /// Spans the truth holds.
    pub gold_spans: usize,
    /// Spans the detector removed.
    pub pred_spans: usize,
    /// Predicted spans equal to a gold span.
    pub span_hits: usize,
    /// Characters inside the truth's spans.
    pub gold_chars: usize,
    /// Gold span characters that were removed.
    pub removed_gold_chars: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.docs += o.docs;
        self.injected += o.injected;
        self.exact += o.exact;
        self.clean_docs += o.clean_docs;
        self.passed += o.passed;
        self.gold_spans += o.gold_spans;
        self.pred_spans += o.pred_spans;
        self.span_hits += o.span_hits;
        self.gold_chars += o.gold_chars;
        self.removed_gold_chars += o.removed_gold_chars;
    }
    fn ratio(a: usize, b: usize) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }
    /// Share of injected documents restored exactly; None without any.
    pub fn exact_rate(&self) -> Option<f64> {
        Self::ratio(self.exact, self.injected)
    }
    /// Share of clean documents passed byte-identical; None without any.
    pub fn pass_rate(&self) -> Option<f64> {
        Self::ratio(self.passed, self.clean_docs)
    }
    /// Share of removed spans that equal a gold span.
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.span_hits, self.pred_spans)
    }
    /// Share of gold spans removed exactly.
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.span_hits, self.gold_spans)
    }
    /// Harmonic mean of span precision and recall.
    pub fn f1(&self) -> Option<f64> {
        match (self.precision(), self.recall()) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            _ => None,
        }
    }
    /// Share of gold span characters removed.
    pub fn char_recall(&self) -> Option<f64> {
        Self::ratio(self.removed_gold_chars, self.gold_chars)
    }
}

/// One document that did not come back as expected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// The document's id.
    pub id: String,
    /// Its slice (style, encoding, host).
    pub slice: String,
    /// The text as given.
    pub text: String,
    /// What it should have come back as.
    pub expected: String,
    /// What it came back as.
    pub got: String,
    /// The truth's spans, in bytes.
    pub gold_spans: Vec<(usize, usize)>,
    /// The removed spans, in bytes, with their scores.
    pub pred_spans: Vec<(usize, usize, f32)>,
}

/// Per-slice counts plus the headline groups.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Counts per slice.
    pub slices: BTreeMap<String, Counts>,
    /// Counts per headline group (seed style, English, Korean, ...).
    pub groups: Vec<(String, Counts)>,
    /// Every document that did not come back as expected.
    pub failures: Vec<Failure>,
}

fn one(det: &Detector, ex: &Example, memory: Option<&Campaign>) -> (Counts, Option<Failure>) {
    let out = match memory {
        Some(m) => det.clean_with(&ex.text, m),
        None => det.clean(&ex.text),
    };
    let mut c = Counts {
        docs: 1,
        gold_spans: ex.spans.len(),
        pred_spans: out.spans.len(),
        ..Counts::default()
    };
    let ok = out.text == ex.clean;
    if ex.injected() {
        c.injected = 1;
        c.exact = ok as usize;
    } else {
        c.clean_docs = 1;
        c.passed = (out.text == ex.text) as usize;
    }
    c.span_hits = out
        .spans
        .iter()
        .filter(|p| ex.spans.contains(&(p.start, p.end)))
        .count();
    for &(s, e) in &ex.spans {
        let seg = &ex.text[s..e];
        c.gold_chars += seg.chars().count();
        for (off, _) in seg.char_indices() {
            let pos = s + off;
            if out.spans.iter().any(|p| p.start <= pos && pos < p.end) {
                c.removed_gold_chars += 1;
            }
        }
    }
    let fail = (!ok).then(|| Failure {
        id: ex.id.clone(),
        slice: ex.slice.clone(),
        text: ex.text.clone(),
        expected: ex.clean.clone(),
        got: out.text.to_string(),
        gold_spans: ex.spans.clone(),
        pred_spans: out
            .spans
            .iter()
            .map(|s| (s.start, s.end, s.score))
            .collect(),
    });
    (c, fail)
}

/// A summary row of the report: its name, which documents it counts, and
/// their counts.
type Group = (String, Box<dyn Fn(&Example) -> bool>, Counts);

/// Evaluates `det` on `examples` in parallel, each document on its own.
pub fn evaluate(det: &Detector, examples: &[Example]) -> Report {
    evaluate_with(det, examples, None)
}

/// The memory of `examples` as one corpus (their labels unread), in its two
/// rounds ([`Detector::campaign_words_with`]).
pub fn campaign_of(det: &Detector, examples: &[Example]) -> Campaign {
    let words: Vec<_> = examples
        .par_iter()
        .map(|ex| det.campaign_words(&ex.text))
        .collect();
    let first: Campaign = words.iter().collect();
    let words: Vec<_> = examples
        .par_iter()
        .map(|ex| det.campaign_words_with(&ex.text, &first))
        .collect();
    words.iter().collect()
}

/// Evaluates `det` on `examples` in parallel, with what `memory` (see
/// [`campaign_of`]) knows of each document's words.
pub fn evaluate_with(det: &Detector, examples: &[Example], memory: Option<&Campaign>) -> Report {
    let results: Vec<(Counts, Option<Failure>)> =
        examples.par_iter().map(|ex| one(det, ex, memory)).collect();
    let mut rep = Report::default();
    let mut groups: Vec<Group> = vec![
        (
            "injected, seed style (en s1 ftfy)".into(),
            Box::new(|e: &Example| e.injected() && e.lang == "en" && e.slice.ends_with(".s1.ftfy")),
            Counts::default(),
        ),
        (
            "injected, glued into a word (en s5)".into(),
            Box::new(|e: &Example| e.injected() && e.slice.split('.').nth(2) == Some("s5")),
            Counts::default(),
        ),
        (
            "injected, two fragments at one cut (s6)".into(),
            Box::new(|e: &Example| e.injected() && e.slice.split('.').nth(2) == Some("s6")),
            Counts::default(),
        ),
        (
            "injected, CRLF documents".into(),
            Box::new(|e: &Example| e.injected() && e.slice.ends_with(".crlf")),
            Counts::default(),
        ),
        (
            "injected, English".into(),
            Box::new(|e: &Example| e.injected() && e.lang == "en"),
            Counts::default(),
        ),
        (
            "injected, Korean".into(),
            Box::new(|e: &Example| e.injected() && e.lang == "ko"),
            Counts::default(),
        ),
        (
            "injected, all".into(),
            Box::new(|e: &Example| e.injected()),
            Counts::default(),
        ),
        (
            "clean, all".into(),
            Box::new(|e: &Example| !e.injected()),
            Counts::default(),
        ),
    ];
    for (ex, (c, f)) in examples.iter().zip(results) {
        rep.slices.entry(ex.slice.clone()).or_default().add(&c);
        for g in groups.iter_mut() {
            if (g.1)(ex) {
                g.2.add(&c);
            }
        }
        if let Some(f) = f {
            rep.failures.push(f);
        }
    }
    rep.groups = groups.into_iter().map(|(n, _, c)| (n, c)).collect();
    rep
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.2}", 100.0 * v))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<40} {:>6} {:>6} {:>8} {:>6} {:>8} {:>7} {:>7} {:>7} {:>8}",
            "slice", "docs", "inj", "exact%", "clean", "pass%", "P%", "R%", "F1%", "chars%"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, c: &Counts| {
            writeln!(
                f,
                "{:<40} {:>6} {:>6} {:>8} {:>6} {:>8} {:>7} {:>7} {:>7} {:>8}",
                name,
                c.docs,
                c.injected,
                pct(c.exact_rate()),
                c.clean_docs,
                pct(c.pass_rate()),
                pct(c.precision()),
                pct(c.recall()),
                pct(c.f1()),
                pct(c.char_recall())
            )
        };
        for (name, c) in &self.slices {
            row(f, name, c)?;
        }
        writeln!(f)?;
        for (name, c) in &self.groups {
            row(f, name, c)?;
        }
        Ok(())
    }
}
