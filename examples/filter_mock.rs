//! `spamsplice filter` with a model-free cleaner, to measure the pipeline
//! around the model (`scripts/bench.sh`).
//!
//! `filter_mock identity|marker THREADS text|jsonl INPUT OUTPUT`

use spamsplice::pipeline::mock::{IdentityCleaner, MarkerCleaner};
use spamsplice::pipeline::{run, Counters, Format, Options, Paths};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 5 {
        eprintln!("usage: filter_mock identity|marker THREADS text|jsonl INPUT OUTPUT");
        std::process::exit(1);
    }
    let opts = Options {
        threads: a[1].parse().expect("THREADS"),
        format: if a[2] == "text" { Format::Text } else { Format::Jsonl },
        ..Options::default()
    };
    let paths = Paths { inputs: vec![a[3].clone().into()], output: Some(a[4].clone().into()), ..Paths::default() };
    let counters = Counters::default();
    let r = match a[0].as_str() {
        "identity" => run(&IdentityCleaner, &paths, &opts, &counters),
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
