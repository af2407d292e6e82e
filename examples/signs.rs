//! What a reader of the text alone could learn about the injected Korean
//! documents of a labeled CSV. A fragment is *signed* when one of its tokens
//! is shaped like a domain, holds a suffix of the lexicon (suffixes are
//! shared by every split), is obfuscated, or is written unlike its host
//! (CP949 mojibake in a UTF-8 page); or when its Hangul shows on the same
//! page in a signed fragment. A document with an unsigned fragment holds
//! spam made only of names training never saw, written as its host writes,
//! whose only cue is its place. With the failures file of `eval`, the exact
//! restoration rate of both kinds of document.
//! Usage: signs CSV [FAILURES.jsonl]
use spamsplice::encoding::{self, View};
use spamsplice::lexicon::{Lexicon, Role};
use std::collections::{BTreeMap, HashSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 2 {
        return Err("usage: signs CSV [FAILURES.jsonl]".into());
    }
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[1]))?;
    let failed: Option<HashSet<String>> = match a.get(2) {
        Some(p) => {
            let mut ids = HashSet::new();
            for line in std::fs::read_to_string(p)?.lines() {
                let v: serde_json::Value = serde_json::from_str(line)?;
                ids.insert(v["id"].as_str().unwrap_or_default().to_string());
            }
            Some(ids)
        }
        None => None,
    };
    let lex = Lexicon::embedded();
    let suffixes: Vec<&str> = lex
        .terms(Role::Suffix)
        .filter(|s| s.chars().count() >= 2)
        .collect();
    let mut sc = encoding::Scratch::default();
    let mut deob = String::new();
    // slice -> [documents, unsigned, restored signed, restored unsigned]
    let mut table: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for ex in data.iter().filter(|e| e.injected() && e.lang == "ko") {
        let parts: Vec<&str> = ex.slice.split('.').collect();
        let (host, enc) = (parts[1], parts[3]);
        let unlike_host = match host {
            "mojibake" => !matches!(enc, "ftfy" | "latin1" | "cp1252"),
            _ => !matches!(enc, "utf8" | "obfuscated"),
        };
        let mut frags: Vec<(String, bool)> = Vec::new();
        for &(s, e) in &ex.spans {
            let mut reading = String::new();
            let mut signed = unlike_host || enc == "obfuscated";
            for tok in ex.text[s..e].split_whitespace() {
                signed |= spamsplice::features::domain_like(tok);
                let r: &str = match encoding::best_reading(tok, &mut sc, None) {
                    View::Raw => tok,
                    _ => &sc.reading,
                };
                let r = if encoding::deobfuscate(r, &mut deob) {
                    signed = true;
                    deob.as_str()
                } else {
                    r
                };
                signed |= suffixes.iter().any(|x| r.contains(x));
                reading.push_str(r);
                reading.push(' ');
            }
            frags.push((reading, signed));
        }
        let shown: String = frags.iter().filter(|f| f.1).map(|f| f.0.as_str()).collect();
        let unsigned = frags.iter().any(|(r, signed)| {
            !signed
                && !r
                    .split(|c: char| !encoding::is_hangul(c))
                    .filter(|w| w.chars().count() >= 2)
                    .any(|w| shown.contains(w))
        });
        let row = table.entry(ex.slice.clone()).or_default();
        row[0] += 1;
        row[1] += unsigned as usize;
        if let Some(f) = &failed {
            let ok = !f.contains(&ex.id) as usize;
            row[if unsigned { 3 } else { 2 }] += ok;
        }
    }
    println!("slice                          docs  unsigned");
    let mut t = [0usize; 4];
    for (slice, row) in &table {
        println!("{slice:30} {:>5} {:>9}", row[0], row[1]);
        for k in 0..4 {
            t[k] += row[k];
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "\ninjected Korean documents: {}; with an unsigned fragment: {} ({:.1}%)",
        t[0],
        t[1],
        pct(t[1], t[0])
    );
    if failed.is_some() {
        println!(
            "exact restoration: signed {:.2}% of {}, unsigned {:.2}% of {}",
            pct(t[2], t[0] - t[1]),
            t[0] - t[1],
            pct(t[3], t[1]),
            t[1]
        );
    }
    Ok(())
}
