//! `spamsplice eval`: per-slice restoration table on a labeled CSV.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use spamsplice::{eval, labeled, Detector};

#[derive(clap::Args)]
pub struct Args {
    /// Labeled CSV to evaluate on (e.g. test.csv from `spamsplice synth`).
    #[arg(long)]
    data: PathBuf,
    /// Model file; the embedded default model when absent.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Where to write the failures (JSONL). Default: failures.jsonl next to --data.
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Judge each document on its own, without the memory of the whole
    /// file's words (the campaign stage).
    #[arg(long)]
    no_campaign: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let owned;
    let det = match &args.model {
        Some(p) => {
            owned = Detector::load(p)?;
            &owned
        }
        None => Detector::embedded()?,
    };
    let data = labeled::read_csv(&args.data)
        .with_context(|| format!("reading {}", args.data.display()))?;
    let memory = (!args.no_campaign).then(|| eval::campaign_of(det, &data));
    let report = eval::evaluate_with(det, &data, memory.as_ref());
    print!("{report}");
    let path = args
        .failures
        .unwrap_or_else(|| args.data.with_file_name("failures.jsonl"));
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
    );
    for f in &report.failures {
        serde_json::to_writer(&mut w, f)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    eprintln!(
        "{} failures written to {}",
        report.failures.len(),
        path.display()
    );
    Ok(0)
}
