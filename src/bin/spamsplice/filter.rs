//! `spamsplice filter`: clean one plain-text document to stdout (full
//! streaming interface: see issue 4).

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Input file; `-` or none for standard input.
    input: Option<PathBuf>,
    /// Model file; the embedded default model when absent.
    #[arg(long)]
    model: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let owned;
    let detector = match &args.model {
        Some(p) => {
            owned = spamsplice::Detector::load(p)?;
            &owned
        }
        None => spamsplice::Detector::embedded()?,
    };
    let mut text = String::new();
    match args.input.as_deref() {
        None => std::io::stdin().read_to_string(&mut text).context("reading standard input")?,
        Some(p) if p.as_os_str() == "-" => std::io::stdin().read_to_string(&mut text).context("reading standard input")?,
        Some(p) => std::fs::File::open(p)
            .and_then(|mut f| f.read_to_string(&mut text))
            .with_context(|| format!("reading {}", p.display()))?,
    };
    let cleaned = detector.clean(&text);
    std::io::stdout().lock().write_all(cleaned.text.as_bytes())?;
    Ok(0)
}
