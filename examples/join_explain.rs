//! Shows the joiner's decision on cuts given on the command line: for each
//! LEFT RIGHT pair (the text before and after an injected line break), the
//! probability that the cut word closes up and the features that are not
//! zero. The document's own spellings are not counted (no document).
//! Usage: join_explain MODEL LEFT RIGHT [LEFT RIGHT ...]
use spamsplice::join::{JoinScript, LocalCounts, JOIN_NAMES};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 || !a.len().is_multiple_of(2) {
        return Err("usage: join_explain MODEL LEFT RIGHT [LEFT RIGHT ...]".into());
    }
    let det = spamsplice::Detector::load(&a[1])?;
    let joiner = &det.model().joiner;
    for pair in a[2..].chunks(2) {
        let (left, right) = (&pair[0], &pair[1]);
        let local = LocalCounts::default();
        println!(
            "{left:?} + {right:?}: {:?}, p(close up) {:.3}",
            JoinScript::of(left, right),
            joiner.close_prob(left, right, local)
        );
        let x = joiner.features(left, right, local);
        for (name, v) in JOIN_NAMES.iter().zip(x).filter(|(_, v)| *v != 0.0) {
            println!("  {name:<24} {v:>7.2}");
        }
    }
    Ok(())
}
