//! How often the encoding views read a whole-mojibake Korean host's tokens
//! back to the words the article was written with. For each
//! `ko.mojibake.*` document of a labeled CSV, the source article is looked
//! up in the corpora (`CORPORA/<corpus>/docs.jsonl`, by the CSV id's
//! `corpus:article` prefix) and its clean text compared token by token (the
//! views keep ASCII whitespace, so the tokens line up), for the article's
//! words that hold Hangul. With a MODEL, the CP949 view weighs ftfy's
//! ambiguous readings by the model's prior over characters
//! ([`spamsplice::encoding::SyllablePrior`]); without one it reads them
//! byte for byte.
//! Prints the share read right, then every misreading (word, reading, the
//! token it was read from), most frequent first.
//! Usage: reading_accuracy CSV CORPORA_DIR [MODEL]
use std::collections::HashMap;
use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        return Err("usage: reading_accuracy CSV CORPORA_DIR [MODEL]".into());
    }
    let det = a.get(3).map(spamsplice::Detector::load).transpose()?;
    let prior = det.as_ref().and_then(|d| d.model().joiner.stats.prior());
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[1]))?;
    let mut originals: HashMap<String, String> = HashMap::new();
    for entry in std::fs::read_dir(&a[2])? {
        let dir = entry?.path();
        let Ok(f) = std::fs::File::open(dir.join("docs.jsonl")) else {
            continue;
        };
        let corpus = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for line in std::io::BufReader::new(f).lines() {
            let v: serde_json::Value = serde_json::from_str(&line?)?;
            if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
                originals.insert(format!("{corpus}:{id}"), text.to_string());
            }
        }
    }
    let mut scratch = spamsplice::encoding::Scratch::default();
    let (mut right, mut total, mut docs, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    // (word, reading, token) -> times.
    let mut wrong: HashMap<(String, String, String), usize> = HashMap::new();
    for ex in data.iter().filter(|e| e.slice.contains(".mojibake.")) {
        let key = ex.id.rsplit_once(':').map_or("", |x| x.0).to_string();
        let Some(orig) = originals.get(&key) else {
            skipped += 1;
            continue;
        };
        let got: Vec<&str> = ex.clean.split_ascii_whitespace().collect();
        let want: Vec<&str> = orig.split_ascii_whitespace().collect();
        if got.len() != want.len() {
            skipped += 1;
            continue;
        }
        docs += 1;
        for (g, w) in got.iter().zip(&want) {
            // Only words with Hangul: the views leave punctuation-only
            // readings (`¡¯` for `’`) as they stand, by design.
            if !w.chars().any(spamsplice::encoding::is_hangul_syllable) {
                continue;
            }
            let view = spamsplice::encoding::best_reading(g, &mut scratch, prior);
            let reading = if view == spamsplice::encoding::View::Raw {
                g
            } else {
                scratch.reading.as_str()
            };
            total += 1;
            if reading == *w {
                right += 1;
            } else {
                *wrong
                    .entry((w.to_string(), reading.to_string(), g.to_string()))
                    .or_default() += 1;
            }
        }
    }
    println!(
        "{docs} documents ({skipped} skipped), {total} tokens with Hangul, {right} read right ({:.3}%)",
        100.0 * right as f64 / total.max(1) as f64
    );
    let mut wrong: Vec<_> = wrong.into_iter().collect();
    wrong.sort_by_key(|w| std::cmp::Reverse(w.1));
    for ((w, r, g), n) in &wrong {
        if writeln!(std::io::stdout(), "{n:>5}  {w}  read as  {r}  from  {g}").is_err() {
            break;
        }
    }
    Ok(())
}
