//! Measures `repair` on the shared corpora (`../shared/corpora`, read at
//! test time; skipped with a note where absent): clean Korean documents
//! mis-decoded as the pages were (CP949 bytes → Latin-1 → ftfy), whole and
//! one line at a time, and the clean corpora (every language, raw Korean
//! included) must stay unchanged (≥99.9%). The bar for restoration
//! is ≥98% of documents; repair does not meet it yet (measured 2026-12-07:
//! 73.41% whole, 93.00% by line, with each Korean corpus read through a
//! syllable prior counted from the *other* Korean corpora: the misses are
//! readings a unigram prior cannot choose, such as `커플` against `커행`, and
//! lines the Latin-1 guard keeps as they are), so the floors below guard what
//! is measured, not the bar. The measure itself is
//! `spamsplice::eval::repair_counts`, which `spamsplice eval --repair-corpus`
//! reports with the model's own prior.

use std::path::PathBuf;

use spamsplice::encoding::SyllablePrior;
use spamsplice::eval::{repair_counts, RepairReport};
use spamsplice::synth::read_corpus;

const PER_CORPUS: usize = 400;
/// Documents of each Korean corpus the held-out priors count.
const PRIOR_DOCS: usize = 3000;

fn corpora() -> Option<Vec<(String, PathBuf)>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"));
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().join("docs.jsonl"),
            )
        })
        .filter(|(_, p)| p.exists())
        .collect();
    v.sort();
    (!v.is_empty()).then_some(v)
}

#[test]
fn korean_mojibake_is_restored_and_clean_text_stays() {
    let Some(files) = corpora() else {
        eprintln!("skipping: no corpora under ../shared/corpora");
        return;
    };
    let is_korean = |name: &str| name.starts_with("ko_") || name.ends_with("_ko");
    // Each Korean corpus is repaired with a syllable prior counted from the
    // other Korean corpora only, as a model trained without it would hold.
    let mut priors: Vec<(String, SyllablePrior)> = Vec::new();
    for (name, path) in files.iter().filter(|(n, _)| is_korean(n)) {
        let mut p = SyllablePrior::default();
        for d in read_corpus(path)
            .expect("corpus reads")
            .iter()
            .take(PRIOR_DOCS)
        {
            p.add(&d.text);
        }
        priors.push((name.clone(), p));
    }
    let prior_without = |name: &str| {
        priors
            .iter()
            .filter(|(n, _)| n != name)
            .fold(SyllablePrior::default(), |a, (_, p)| a.merge(p.clone()))
    };
    let everything = prior_without("");
    let mut report = RepairReport::default();
    for (name, path) in files {
        let mut docs = read_corpus(&path).expect("corpus reads");
        docs.truncate(PER_CORPUS);
        let held_out = prior_without(&name);
        let prior = if is_korean(&name) {
            &held_out
        } else {
            &everything
        };
        report
            .corpora
            .push((name, repair_counts(&docs, Some(prior))));
    }
    eprint!("{report}");
    let t = report.total();
    let pct = |x: Option<f64>| 100.0 * x.unwrap_or(0.0);
    assert!(pct(t.whole_rate()) >= 73.0);
    assert!(pct(t.line_rate()) >= 92.5);
    assert!(100.0 - pct(t.changed_rate()) >= 99.9);
}
