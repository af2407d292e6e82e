//! `spamsplice synth`: argument parsing and I/O over [`spamsplice::synth`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use spamsplice::synth;

#[derive(clap::Args)]
pub struct Args {
    /// A clean JSONL corpus (`id`, `text`, optional `lang`); repeat for more.
    #[arg(long = "corpus", required = true, value_name = "FILE")]
    corpus: Vec<PathBuf>,
    /// Output folder for train.csv, dev.csv and test.csv.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Random seed: the same seed and inputs give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of documents to generate.
    #[arg(long, default_value_t = 20_000)]
    docs: usize,
    /// Share of documents without spam.
    #[arg(long, default_value_t = 0.5)]
    clean_share: f64,
    /// Share of the dev split's injected documents whose spam uses the train
    /// split's terms, so the token model learns to trust a term it knows.
    #[arg(long, default_value_t = 0.25)]
    known_share: f64,
    /// The term set the test split's spam is drawn from: `test` (terms
    /// training never saw, the bar) or `train` (known spam in unseen
    /// articles, a probe).
    #[arg(long, default_value = "test", value_parser = ["test", "train"])]
    test_terms: String,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let started = Instant::now();
    for (flag, v) in [
        ("--clean-share", args.clean_share),
        ("--known-share", args.known_share),
    ] {
        if !(0.0..=1.0).contains(&v) {
            anyhow::bail!("{flag} must be between 0 and 1, got {v}");
        }
    }
    let mut sources = Vec::new();
    for path in &args.corpus {
        let docs = synth::read_corpus(path)
            .with_context(|| format!("reading corpus {}", path.display()))?;
        sources.extend(docs);
    }
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(args.docs as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} synth [{elapsed_precise}] {wide_bar} {pos}/{len} docs",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let cfg = synth::Config {
        seed: args.seed,
        docs: args.docs,
        clean_share: args.clean_share,
        known_share: args.known_share,
        test_terms: if args.test_terms == "train" {
            synth::Split::Train
        } else {
            synth::Split::Test
        },
    };
    let rows = synth::generate(&sources, &cfg, &|n| bar.set_position(n as u64))?;
    bar.finish_and_clear();
    let counts = synth::write_csvs(&rows, &args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "synth: {} documents from {} source articles in {:.1}s: train {}, dev {}, test {} -> {}",
        rows.len(),
        sources.len(),
        started.elapsed().as_secs_f64(),
        counts[0],
        counts[1],
        counts[2],
        args.out.display()
    );
    for (slice, n) in synth::slice_counts(&rows) {
        println!("{n}\t{slice}");
    }
    Ok(0)
}
