//! `spamsplice eval`: per-slice restoration table on a labeled CSV, the
//! threshold sweep drawn as an SVG, and the mojibake repair on clean corpora.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use spamsplice::{eval, labeled, synth, Detector};

use crate::plot;

#[derive(clap::Args)]
pub struct Args {
    /// Labeled CSV to evaluate on (e.g. test.csv from `spamsplice synth`).
    #[arg(long, required_unless_present = "repair_corpus")]
    data: Option<PathBuf>,
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
    /// Also sweep each token group's threshold on --data (documents judged
    /// alone) and write the curves to DIR/thresholds.svg.
    #[arg(long, value_name = "DIR", requires = "data")]
    plot: Option<PathBuf>,
    /// Thresholds the sweep tries: k/STEPS for k in 1..STEPS, and the
    /// model's own.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(2..=1000))]
    plot_steps: u32,
    /// A clean JSONL corpus (`id`, `text`, optional `lang`) to measure the
    /// mojibake repair on; repeat for more.
    #[arg(long, value_name = "FILE")]
    repair_corpus: Vec<PathBuf>,
    /// Documents of each --repair-corpus measured (the first ones).
    #[arg(long, default_value_t = 400)]
    repair_docs: usize,
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
    if let Some(data_path) = &args.data {
        let data = labeled::read_csv(data_path)
            .with_context(|| format!("reading {}", data_path.display()))?;
        let memory = (!args.no_campaign).then(|| eval::campaign_of(det, &data));
        let report = eval::evaluate_with(det, &data, memory.as_ref());
        print!("{report}");
        let path = args
            .failures
            .clone()
            .unwrap_or_else(|| data_path.with_file_name("failures.jsonl"));
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
        if let Some(dir) = &args.plot {
            let n = args.plot_steps;
            let grid: Vec<f32> = (1..n).map(|k| k as f32 / n as f32).collect();
            let sweeps = eval::sweep_thresholds(det, &data, &grid)?;
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let svg = dir.join("thresholds.svg");
            plot::write_svg(&svg, &sweeps)?;
            eprintln!("threshold sweep written to {}", svg.display());
        }
    }
    if !args.repair_corpus.is_empty() {
        let mut corpora = Vec::new();
        for path in &args.repair_corpus {
            let mut docs = synth::read_corpus(path)
                .with_context(|| format!("reading corpus {}", path.display()))?;
            docs.truncate(args.repair_docs);
            let name = docs
                .first()
                .map_or_else(|| path.display().to_string(), |d| d.corpus.clone());
            corpora.push((name, docs));
        }
        if args.data.is_some() {
            println!();
        }
        print!("{}", eval::evaluate_repair(det, &corpora));
    }
    Ok(0)
}
