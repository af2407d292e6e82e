//! `spamsplice filter` with a model-free cleaner, to measure the pipeline
//! around the model (`scripts/bench.sh`).
//!
//! `filter_mock identity|marker|busy THREADS text|jsonl INPUT OUTPUT`
//!
//! `busy` stands in for a model's CPU cost (it hashes every byte of every
//! token, then deletes `<<...>>` markers), to see how the pipeline scales
//! with threads when cleaning, not I/O, is the bottleneck.

use spamsplice::pipeline::mock::{IdentityCleaner, MarkerCleaner};
use spamsplice::pipeline::{run, Cleaner, Counters, Format, Options, Paths};
use spamsplice::Cleaned;

struct Busy;

impl Cleaner for Busy {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        let mut h = 0u64;
        for tok in text.split(|c: char| c.is_ascii_whitespace()) {
            for &b in tok.as_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
        }
        std::hint::black_box(h);
        MarkerCleaner.clean(text)
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 5 {
        eprintln!("usage: filter_mock identity|marker|busy THREADS text|jsonl INPUT OUTPUT");
        std::process::exit(1);
    }
    let opts = Options {
        threads: a[1].parse().expect("THREADS"),
        format: if a[2] == "text" {
            Format::Text
        } else {
            Format::Jsonl
        },
        ..Options::default()
    };
    let paths = Paths {
        inputs: vec![a[3].clone().into()],
        output: Some(a[4].clone().into()),
        ..Paths::default()
    };
    let counters = Counters::default();
    let r = match a[0].as_str() {
        "identity" => run(&IdentityCleaner, &paths, &opts, &counters),
        "busy" => run(&Busy, &paths, &opts, &counters),
        _ => run(&MarkerCleaner, &paths, &opts, &counters),
    };
    match r {
        Ok(s) => eprintln!(
            "{} documents, {} changed, {:.1} MB in {:.2} s, {:.1} MB/s",
            s.documents,
            s.changed,
            s.bytes_in as f64 / 1e6,
            s.elapsed.as_secs_f64(),
            s.mb_per_s()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
