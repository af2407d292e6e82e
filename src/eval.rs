//! Measuring a detector on labeled documents: exact restoration, span
//! precision and recall, and pass-through of clean documents, per slice;
//! the same figures along each token group's threshold ([`sweep_thresholds`]);
//! and the mojibake repair on clean corpora ([`evaluate_repair`]).

use std::collections::BTreeMap;
use std::fmt;

use rayon::prelude::*;

use crate::campaign::Campaign;
use crate::detector::Detector;
use crate::error::Result;
use crate::labeled::Example;
use crate::repair::repair_with;
use crate::span::Cleaned;
use crate::stats::JoinStats;
use crate::synth::{Host, SourceDoc};

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

/// What `det` makes of one document: `memory` as in [`evaluate_with`].
fn clean_one<'a>(det: &Detector, ex: &'a Example, memory: Option<&Campaign>) -> Cleaned<'a> {
    match memory {
        Some(m) => det.clean_with(&ex.text, m),
        None => det.clean(&ex.text),
    }
}

/// The counts of one document given what the detector made of it.
fn counts_of(ex: &Example, out: &Cleaned) -> Counts {
    let mut c = Counts {
        docs: 1,
        gold_spans: ex.spans.len(),
        pred_spans: out.spans.len(),
        ..Counts::default()
    };
    if ex.injected() {
        c.injected = 1;
        c.exact = (out.text == ex.clean) as usize;
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
    c
}

fn one(det: &Detector, ex: &Example, memory: Option<&Campaign>) -> (Counts, Option<Failure>) {
    let out = clean_one(det, ex, memory);
    let c = counts_of(ex, &out);
    let fail = (out.text != ex.clean).then(|| Failure {
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

impl Report {
    /// Counts over every document (the sum of the slices).
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.slices.values() {
            t.add(c);
        }
        t
    }
}

/// One threshold tried in a [`Sweep`], with the counts over every document.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The group's threshold.
    pub threshold: f32,
    /// What the detector did with it: [`Counts::exact_rate`],
    /// [`Counts::char_recall`] and [`Counts::pass_rate`] are the curves.
    pub counts: Counts,
}

/// One token group's threshold swept while the others keep their chosen
/// values: what the model's choice trades, seen around it.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The group (an index into [`Detector::thresholds`]).
    pub group: usize,
    /// What its tokens are, in words.
    pub name: String,
    /// The model's own threshold for it.
    pub chosen: f32,
    /// The thresholds tried, ascending; `chosen` among them.
    pub points: Vec<SweepPoint>,
}

/// A token group's name: the document regime whose model judges its
/// tokens ([`crate::features::group`]).
fn group_name(g: usize) -> String {
    use crate::features::Regime;
    let name = match g {
        _ if g == Regime::Foreign as usize => "foreign host, or unlike its document",
        _ if g == Regime::Korean as usize => "native Korean",
        _ if g == Regime::KoreanMojibake as usize => "native Korean mojibake",
        _ => return format!("group {g}"),
    };
    name.to_string()
}

/// Sweeps each token group's threshold over `grid` (and the model's own
/// value, so a curve passes through what [`evaluate`] reports), the other
/// groups at their chosen values, on documents judged alone (the thresholds
/// [`Detector::thresholds`] gives; a corpus's memory has its own). Each
/// point cleans every document again through [`Detector::clean`], so a
/// point is exactly what the detector would do with that threshold.
pub fn sweep_thresholds(det: &Detector, examples: &[Example], grid: &[f32]) -> Result<Vec<Sweep>> {
    let mut out = Vec::new();
    for (group, &chosen) in det.thresholds().iter().enumerate() {
        let mut values: Vec<f32> = grid.iter().copied().filter(|v| v.is_finite()).collect();
        values.push(chosen);
        values.sort_by(f32::total_cmp);
        values.dedup();
        let mut trial = det.clone();
        let mut points = Vec::with_capacity(values.len());
        for threshold in values {
            trial.set_group_threshold(group, threshold)?;
            let counts = examples
                .par_iter()
                .map(|ex| counts_of(ex, &trial.clean(&ex.text)))
                .reduce(Counts::default, |mut a, b| {
                    a.add(&b);
                    a
                });
            points.push(SweepPoint { threshold, counts });
        }
        out.push(Sweep {
            group,
            name: group_name(group),
            chosen,
            points,
        });
    }
    Ok(out)
}

/// How [`crate::repair`] does on clean documents: Korean ones mis-decoded
/// as the pages were (CP949 bytes read as Latin-1, then ftfy), whole and
/// one line among good ones, and every document as it is (which must stay).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairCounts {
    /// Korean documents whose mis-decoding differs from them.
    pub whole: usize,
    /// Of those, restored exactly.
    pub whole_exact: usize,
    /// Characters of those documents.
    pub chars: usize,
    /// Of those, the same character at the same place after repair.
    pub chars_right: usize,
    /// Korean documents of two lines or more with one line mis-decoded.
    pub lines: usize,
    /// Of those, restored exactly.
    pub lines_exact: usize,
    /// Documents repaired as they are.
    pub clean: usize,
    /// Of those, changed by the repair (each one a fault).
    pub clean_changed: usize,
}

impl RepairCounts {
    fn add(&mut self, o: &RepairCounts) {
        self.whole += o.whole;
        self.whole_exact += o.whole_exact;
        self.chars += o.chars;
        self.chars_right += o.chars_right;
        self.lines += o.lines;
        self.lines_exact += o.lines_exact;
        self.clean += o.clean;
        self.clean_changed += o.clean_changed;
    }
    /// Share of whole mis-decoded documents restored exactly.
    pub fn whole_rate(&self) -> Option<f64> {
        Counts::ratio(self.whole_exact, self.whole)
    }
    /// Share of their characters restored in place.
    pub fn char_accuracy(&self) -> Option<f64> {
        Counts::ratio(self.chars_right, self.chars)
    }
    /// Share of one-line mis-decodings restored exactly.
    pub fn line_rate(&self) -> Option<f64> {
        Counts::ratio(self.lines_exact, self.lines)
    }
    /// Share of clean documents the repair changed.
    pub fn changed_rate(&self) -> Option<f64> {
        Counts::ratio(self.clean_changed, self.clean)
    }
}

/// One document's [`RepairCounts`]. Only Korean (`lang` `ko`) documents are
/// mis-decoded: CP949 holds Cyrillic, Greek and kanji too, but the pages
/// this undoes were Korean.
fn repair_one(d: &SourceDoc, stats: Option<&JoinStats>) -> RepairCounts {
    let repair = |t: &str| repair_with(t, stats);
    let mojibake = |t: &str| Host::Mojibake.apply(t);
    let mut c = RepairCounts {
        clean: 1,
        clean_changed: repair(&d.text).changed() as usize,
        ..RepairCounts::default()
    };
    if d.lang != "ko" {
        return c;
    }
    let Some(m) = mojibake(&d.text).filter(|m| *m != d.text) else {
        return c;
    };
    let r = repair(&m).text;
    c.whole = 1;
    c.whole_exact = (r == d.text) as usize;
    c.chars = d.text.chars().count();
    c.chars_right = d
        .text
        .chars()
        .zip(r.chars())
        .filter(|(a, b)| a == b)
        .count();
    let lines: Vec<&str> = d.text.split('\n').collect();
    let Some(i) = lines.iter().position(|l| !l.is_ascii()) else {
        return c;
    };
    if lines.len() < 2 {
        return c;
    }
    let Some(bad) = mojibake(lines[i]) else {
        return c;
    };
    let mut mixed: Vec<&str> = lines.clone();
    mixed[i] = &bad;
    c.lines = 1;
    c.lines_exact = (repair(&mixed.join("\n")).text == d.text) as usize;
    c
}

/// [`RepairCounts`] of `docs`, read with the clean-text counts `stats` (a
/// model's: [`Detector::clean_stats`]; a measure on held-out text gives
/// counts made without it, [`crate::train::join_stats`]).
pub fn repair_counts(docs: &[SourceDoc], stats: Option<&JoinStats>) -> RepairCounts {
    docs.par_iter()
        .map(|d| repair_one(d, stats))
        .reduce(RepairCounts::default, |mut a, b| {
            a.add(&b);
            a
        })
}

/// The repair measured per corpus.
#[derive(Debug, Clone, Default)]
pub struct RepairReport {
    /// Per corpus, in the order given.
    pub corpora: Vec<(String, RepairCounts)>,
}

impl RepairReport {
    /// Counts over every corpus.
    pub fn total(&self) -> RepairCounts {
        let mut t = RepairCounts::default();
        for (_, c) in &self.corpora {
            t.add(c);
        }
        t
    }
}

/// Measures `det`'s repair ([`Detector::repair`], the model's clean-text
/// counts) on each named corpus of clean documents. The model's counts were
/// made from its training corpora, so on those the figures are optimistic.
pub fn evaluate_repair(det: &Detector, corpora: &[(String, Vec<SourceDoc>)]) -> RepairReport {
    RepairReport {
        corpora: corpora
            .iter()
            .map(|(name, docs)| (name.clone(), repair_counts(docs, Some(det.clean_stats()))))
            .collect(),
    }
}

impl fmt::Display for RepairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<28} {:>6} {:>8} {:>8} {:>6} {:>8} {:>6} {:>8} {:>9}",
            "repair: corpus",
            "whole",
            "exact%",
            "chars%",
            "lines",
            "exact%",
            "clean",
            "changed",
            "changed%"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, c: &RepairCounts| {
            writeln!(
                f,
                "{:<28} {:>6} {:>8} {:>8} {:>6} {:>8} {:>6} {:>8} {:>9}",
                name,
                c.whole,
                pct(c.whole_rate()),
                pct(c.char_accuracy()),
                c.lines,
                pct(c.line_rate()),
                c.clean,
                c.clean_changed,
                pct3(c.changed_rate())
            )
        };
        for (name, c) in &self.corpora {
            row(f, name, c)?;
        }
        row(f, "total", &self.total())
    }
}

fn pct3(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.3}", 100.0 * v))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Split;

    /// A labeled document: `text` with `cut` (if any) the spam.
    fn ex(id: &str, lang: &str, text: &str, cut: &str) -> Example {
        let (spans, clean) = match text.find(cut).filter(|_| !cut.is_empty()) {
            Some(s) => (
                vec![(s, s + cut.len())],
                format!("{}{}", &text[..s], &text[s + cut.len()..]),
            ),
            None => (Vec::new(), text.to_string()),
        };
        Example {
            id: id.into(),
            lang: lang.into(),
            slice: format!("{lang}.test"),
            text: text.into(),
            clean,
            spans,
        }
    }

    fn examples() -> Vec<Example> {
        vec![
            ex(
                "1",
                "en",
                "a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations",
                "\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå ",
            ),
            ex(
                "2",
                "en",
                "City officials said on Monday that the new bridge 바다이야기게임장 will open next spring.",
                "바다이야기게임장 ",
            ),
            ex(
                "3",
                "en",
                "City officials said on Monday that the new bridge will open next spring.",
                "",
            ),
            ex("4", "ko", KOREAN, ""),
        ]
    }

    /// Our own two-line paragraph (not corpus text).
    const KOREAN: &str = "오늘 아침 시청 앞 광장에서 작은 음악회가 열렸다. 시민들은 따뜻한 차를 마시며 노래를 들었다.\n행사를 준비한 주민 대표는 내년에도 같은 자리에서 모이자고 말했다.";

    #[test]
    fn the_sweep_passes_through_what_evaluate_reports() {
        let det = Detector::embedded().expect("embedded model");
        let data = examples();
        let want = evaluate(det, &data).total();
        assert_eq!(want.docs, data.len());
        let sweeps = sweep_thresholds(det, &data, &[0.1, 0.5, 0.9]).expect("sweep");
        assert_eq!(sweeps.len(), det.thresholds().len());
        for (g, s) in sweeps.iter().enumerate() {
            assert_eq!(s.group, g);
            assert_eq!(s.chosen, det.thresholds()[g]);
            assert!(s.points.windows(2).all(|w| w[0].threshold < w[1].threshold));
            assert!(s.points.len() >= 3 && s.points.len() <= 4);
            let at = s
                .points
                .iter()
                .find(|p| p.threshold == s.chosen)
                .expect("the chosen threshold is swept");
            assert_eq!(at.counts, want, "group {g}");
            for p in &s.points {
                assert_eq!(p.counts.docs, data.len());
                assert_eq!(p.counts.injected, 2);
            }
        }
    }

    #[test]
    fn a_group_the_model_lacks_is_refused() {
        let mut det = Detector::embedded().expect("embedded model").clone();
        let n = det.thresholds().len();
        assert!(det.set_group_threshold(n, 0.5).is_err());
        det.set_group_threshold(0, 0.75).expect("group 0");
        assert_eq!(det.thresholds()[0], 0.75);
    }

    fn doc(lang: &str, text: &str) -> SourceDoc {
        SourceDoc {
            corpus: "hand".into(),
            id: "x".into(),
            lang: lang.into(),
            text: text.into(),
            split: Split::Test,
        }
    }

    #[test]
    fn repair_counts_a_korean_paragraph_mis_decoded_and_clean_text() {
        let det = Detector::embedded().expect("embedded model");
        let docs = vec![
            doc("ko", KOREAN),
            doc(
                "en",
                "The library will open late on Friday because of a staff meeting.",
            ),
            // Not in CP949: no mis-decoding to undo, but it must stay.
            doc("ko", "좋은 하루 되세요 😀"),
        ];
        let c = repair_counts(&docs, Some(det.clean_stats()));
        let chars = KOREAN.chars().count();
        assert_eq!(
            c,
            RepairCounts {
                whole: 1,
                whole_exact: 1,
                chars,
                chars_right: chars,
                lines: 1,
                lines_exact: 1,
                clean: 3,
                clean_changed: 0,
            }
        );
        let rep = evaluate_repair(det, &[("hand".into(), docs)]);
        assert_eq!(rep.total(), c);
        let shown = rep.to_string();
        assert!(shown.contains("hand") && shown.contains("total"), "{shown}");
        assert!(shown.contains("100.00"), "{shown}");
    }
}
