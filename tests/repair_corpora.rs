//! Measures `repair` on the shared corpora (`../shared/corpora`, read at
//! test time; skipped with a note where absent): clean Korean documents
//! mis-decoded as the pages were (CP949 bytes → Latin-1 → ftfy), whole and
//! one line at a time, and the clean corpora (every language, raw Korean
//! included) must stay unchanged (≥99.9%). The bar for restoration
//! is ≥98% of documents; repair does not meet it yet (measured 2026-12-07:
//! 86.79% whole, 94.81% by line, with each Korean corpus read through
//! clean-text counts, syllables and words, from the *other* Korean corpora:
//! the misses are words those corpora never wrote, whose readings only the
//! syllables weigh, such as `커플` against `커행`), so the floors below guard
//! what is measured, not the bar.

use std::path::PathBuf;

use spamsplice::repair::repair_with;
use spamsplice::synth::{read_corpus, Host};
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

fn mojibake(text: &str) -> Option<String> {
    Host::Mojibake.apply(text)
}

#[test]
fn korean_mojibake_is_restored_and_clean_text_stays() {
    let Some(files) = corpora() else {
        eprintln!("skipping: no corpora under ../shared/corpora");
        return;
    };
    let (mut whole_n, mut whole_ok, mut line_n, mut line_ok) = (0usize, 0usize, 0usize, 0usize);
    let (mut chars_n, mut chars_ok) = (0usize, 0usize);
    let (mut clean_n, mut clean_changed) = (0usize, 0usize);
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
    for (name, path) in files {
        let docs = read_corpus(&path).expect("corpus reads");
        let korean = is_korean(&name);
        let held_out = prior_without(&name);
        let prior = Some(if korean { &held_out } else { &everything });
        let repair = |t: &str| repair_with(t, prior);
        let (mut n, mut ch) = (0, 0);
        for d in docs.iter().take(PER_CORPUS) {
            if korean {
                // Raw Korean text must stay as it is, too.
                clean_n += 1;
                if repair(&d.text).changed() {
                    clean_changed += 1;
                }
                let Some(m) = mojibake(&d.text) else { continue };
                if m == d.text {
                    continue;
                }
                whole_n += 1;
                let r = repair(&m).text;
                if r == d.text {
                    whole_ok += 1;
                }
                let want: Vec<char> = d.text.chars().collect();
                let got: Vec<char> = r.chars().collect();
                chars_n += want.len();
                chars_ok += want.iter().zip(&got).filter(|(a, b)| a == b).count();
                // One line mis-decoded among good ones.
                let lines: Vec<&str> = d.text.split('\n').collect();
                let Some(i) = lines.iter().position(|l| !l.is_ascii()) else {
                    continue;
                };
                if lines.len() < 2 {
                    continue;
                }
                let Some(bad) = mojibake(lines[i]) else {
                    continue;
                };
                let mut mixed: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                mixed[i] = bad;
                line_n += 1;
                if repair(&mixed.join("\n")).text == d.text {
                    line_ok += 1;
                }
            } else {
                n += 1;
                clean_n += 1;
                if repair(&d.text).changed() {
                    ch += 1;
                    clean_changed += 1;
                }
            }
        }
        if !korean {
            eprintln!("{name}: {ch}/{n} clean documents changed");
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    eprintln!(
        "whole documents restored exactly: {whole_ok}/{whole_n} ({:.2}%), chars {:.3}%",
        pct(whole_ok, whole_n),
        pct(chars_ok, chars_n)
    );
    eprintln!(
        "one line mis-decoded, restored exactly: {line_ok}/{line_n} ({:.2}%)",
        pct(line_ok, line_n)
    );
    eprintln!(
        "clean documents changed: {clean_changed}/{clean_n} ({:.3}%)",
        pct(clean_changed, clean_n)
    );
    assert!(pct(whole_ok, whole_n) >= 86.0);
    assert!(pct(line_ok, line_n) >= 94.0);
    assert!(pct(clean_n - clean_changed, clean_n) >= 99.9);
}
