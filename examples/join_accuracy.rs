//! Accuracy of a model's joiner on cuts made in the clean text of labeled
//! documents, the way training makes them, by the script at the cut.
//! Usage: join_accuracy MODEL CSV [PER_DOC]
use rand::SeedableRng;
use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        return Err("usage: join_accuracy MODEL CSV [PER_DOC]".into());
    }
    let det = spamsplice::Detector::load(&a[1])?;
    let m = det.model();
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let per_doc: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // (slice family, script, truth) -> (right, total)
    let mut tally: BTreeMap<(String, &str, bool), (usize, usize)> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for ex in &data {
        if !seen.insert(ex.clean.clone()) {
            continue;
        }
        let fam: String = ex.slice.split('.').take(2).collect::<Vec<_>>().join(".");
        let mut out = Vec::new();
        spamsplice::join::join_examples(&ex.clean, &mut rng, per_doc, &mut out);
        for e in out {
            let script = match spamsplice::join::JoinScript::of(&e.left, &e.right) {
                spamsplice::join::JoinScript::Other => "other",
                spamsplice::join::JoinScript::Hangul => "hangul",
                spamsplice::join::JoinScript::Mojibake => "mojibake",
            };
            let got = m.joiner.closes_up(&e.left, &e.right, e.local);
            let t = tally.entry((fam.clone(), script, e.closes_up)).or_default();
            t.1 += 1;
            if got == e.closes_up {
                t.0 += 1;
            }
        }
    }
    for ((fam, script, closes), (ok, n)) in tally {
        println!(
            "{fam:<24} {script:<8} closes={closes:<5} {ok:>6}/{n:<6} {:.2}%",
            100.0 * ok as f64 / n as f64
        );
    }
    Ok(())
}
