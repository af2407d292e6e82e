//! Writes joiner feature rows (script class, label, features) for cuts made
//! in the clean text of labeled documents, as training makes them; with
//! `--leave-out` each document's own counts are taken out of the tables,
//! as the trainer does for its own documents.
//! Usage: join_rows MODEL CSV PER_DOC [--leave-out] > rows.tsv
use rand::SeedableRng;
use spamsplice::join::{Joiner, JOIN_NAMES};
use spamsplice::stats::DocCounts;
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 {
        return Err("usage: join_rows MODEL CSV PER_DOC [--leave-out]".into());
    }
    let det = spamsplice::Detector::load(&a[1])?;
    let stats = &det.model().joiner.stats;
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let per_doc: usize = a[3].parse()?;
    let leave_out = a.iter().any(|s| s == "--leave-out");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    write!(out, "slice\tleft\tright\tcloses")?;
    for n in JOIN_NAMES {
        write!(out, "\t{n}")?;
    }
    writeln!(out)?;
    let mut seen = std::collections::HashSet::new();
    for ex in &data {
        if !seen.insert(ex.clean.clone()) {
            continue;
        }
        let mut ex_rows = Vec::new();
        spamsplice::join::join_examples(&ex.clean, &mut rng, per_doc, &mut ex_rows);
        let own = leave_out.then(|| DocCounts::of(&ex.clean));
        let get = |t: usize, k: u64| {
            stats
                .get(t, k)
                .saturating_sub(own.as_ref().map_or(0, |o| o.get(t, k)))
        };
        for e in ex_rows {
            let x = Joiner::features_with(
                &get,
                &det.model().joiner.spacing,
                &e.left,
                &e.right,
                e.local,
            );
            let tail: String = e
                .left
                .chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let head: String = e.right.chars().take(6).collect();
            let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
            write!(
                out,
                "{}\t{}\t{}\t{}",
                ex.slice,
                clean(&tail),
                clean(&head),
                e.closes_up as u8
            )?;
            for v in x {
                write!(out, "\t{v}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
