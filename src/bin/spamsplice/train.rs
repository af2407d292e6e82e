//! `spamsplice train`: fit a model on generated CSVs and write the model file.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use linfa::ParamGuard;
use spamsplice::{labeled, train};

#[derive(clap::Args)]
pub struct Args {
    /// Labeled training CSV (from `spamsplice synth`).
    #[arg(long)]
    data: PathBuf,
    /// Labeled dev CSV; fits the token models and picks the thresholds.
    /// Default: dev.csv next to --data.
    #[arg(long)]
    dev: Option<PathBuf>,
    /// Where to write the model file.
    #[arg(long)]
    out: PathBuf,
    /// Seed for every random choice (the result is deterministic for a seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Epochs of the lexical scorer's SGD.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// L2 penalty of the linfa regressions (on standardized features).
    #[arg(long, default_value_t = train::ValidConfig::default().l2())]
    l2: f64,
    /// Do not draw a progress display.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let t0 = Instant::now();
    let dev_path = args
        .dev
        .clone()
        .unwrap_or_else(|| args.data.with_file_name("dev.csv"));
    let train_set = labeled::read_csv(&args.data)
        .with_context(|| format!("reading {}", args.data.display()))?;
    let dev_set =
        labeled::read_csv(&dev_path).with_context(|| format!("reading {}", dev_path.display()))?;
    let bar = crate::progress::spinner(args.quiet);
    let cfg = train::Config::default()
        .seed(args.seed)
        .lex_epochs(args.epochs)
        .l2(args.l2)
        .check()?;
    let stage = |s: &str| bar.set_message(format!("training: {s}"));
    let (detector, report) = train::fit(&train_set, &dev_set, &cfg, &stage)?;
    bar.finish_and_clear();
    let bytes = detector.to_bytes()?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    if !args.quiet {
        eprintln!(
            "train: {} docs, dev: {} docs; lexical rows {} ({} spam), dense rows {}, joiner rows {}",
            train_set.len(),
            dev_set.len(),
            report.lex_rows,
            report.lex_positive,
            report.dense_rows,
            report.join_rows
        );
        eprintln!(
            "joiner: {} words and {} word pairs counted; accuracy on held-out dev text: {:.4}",
            report.join_words, report.join_pairs, report.join_accuracy
        );
        eprintln!(
            "campaign stage: dev tokens whose word other dev documents carry, per group: {:?}",
            report.campaign_rows
        );
        eprintln!(
            "growth stage: dev tokens beside a removed run, per group: {:?}",
            report.growth_rows
        );
        let names = ["foreign-written tokens", "Korean", "Korean mojibake"];
        for (r, grid) in report.grid.iter().enumerate() {
            let chosen = report.thresholds[r];
            let name = names.get(r).unwrap_or(&"?");
            eprintln!("token group {r} ({name}), all dev documents:");
            for (t, inj, cln) in grid
                .iter()
                .filter(|g| (g.0 * 100.0).round() as i32 % 20 == 0 || g.0 == chosen)
            {
                let mark = if *t == chosen { "  <- chosen" } else { "" };
                eprintln!("  threshold {t:.2}: dev exact restoration {inj:.4}, clean pass-through {cln:.4}{mark}");
            }
            match report.extend.get(r) {
                Some(&e) if e <= 1.0 => {
                    eprintln!("  runs grow over neighbours the growth stage gives {e:.2} or more")
                }
                _ => eprintln!("  runs do not grow"),
            }
        }
        eprintln!("with the campaign stage (a corpus's memory of its own spam words):");
        for (r, grid) in report.campaign_grid.iter().enumerate() {
            let chosen = report.campaign_thresholds[r];
            let (g, whose) = match r.checked_sub(names.len()) {
                None => (r, "the memory silent"),
                Some(g) => (g, "scored by the memory"),
            };
            let name = names.get(g).unwrap_or(&"?");
            if let Some((t, inj, cln)) = grid.iter().find(|x| x.0 == chosen) {
                eprintln!("  {name}, {whose}: threshold {t:.2}: dev exact restoration {inj:.4}, clean pass-through {cln:.4}");
            }
        }
        eprintln!(
            "wrote {} ({:.1} MB) in {:.1}s",
            args.out.display(),
            bytes.len() as f64 / 1e6,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}
