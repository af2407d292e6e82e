//! Measures `repair` on the shared corpora (`../shared/corpora`, read at
//! test time; skipped with a note where absent): clean Korean documents
//! mis-decoded as the pages were (CP949 bytes → Latin-1 → ftfy), whole and
//! one line at a time, and the clean corpora (every language, raw Korean
//! included) must stay unchanged (≥99.9%). The bar for restoration
//! is ≥98% of documents; repair does not meet it yet (measured 2026-12-08:
//! 93.74% whole, 99.07% by line, with each Korean corpus read through
//! clean-text counts, syllables, their pairs and words, from the *other*
//! Korean corpora: the misses are mostly words those corpora never wrote,
//! such as the programme `웃찾사` read `올담사`), so the floors below guard
//! what is measured, not the bar. The measure itself is
//! `spamsplice::eval::repair_counts`, which `spamsplice eval --repair-corpus`
//! reports with the model's own counts.

use std::path::PathBuf;

use spamsplice::eval::{repair_counts, RepairReport};
use spamsplice::synth::read_corpus;
use spamsplice::train::join_stats;
use spamsplice::JoinStats;

const PER_CORPUS: usize = 400;
/// Documents of each Korean corpus the held-out counts are made of.
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
    // Each Korean corpus is repaired with clean-text counts (the syllable
    // prior and the words) from the other Korean corpora only, as a model
    // trained without it would hold.
    let mut counted: Vec<(String, JoinStats)> = Vec::new();
    for (name, path) in files.iter().filter(|(n, _)| is_korean(n)) {
        let docs = read_corpus(path).expect("corpus reads");
        let texts: Vec<&str> = docs
            .iter()
            .take(PRIOR_DOCS)
            .map(|d| d.text.as_str())
            .collect();
        counted.push((name.clone(), join_stats(&texts)));
    }
    let prior_without = |name: &str| {
        counted
            .iter()
            .filter(|(n, _)| n != name)
            .fold(JoinStats::default(), |a, (_, p)| a.merge(p.clone()))
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
    assert!(pct(t.whole_rate()) >= 93.0);
    assert!(pct(t.line_rate()) >= 98.5);
    assert!(100.0 - pct(t.changed_rate()) >= 99.9);
}
