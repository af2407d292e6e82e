//! The `spamsplice` command line: argument parsing and I/O over the library.

use clap::{Parser, Subcommand};

mod eval;
mod filter;
mod plot;
mod progress;
mod remember;
mod synth;
mod train;

/// Find gambling-spam fragments injected into news text and splice them out.
#[derive(Parser)]
#[command(name = "spamsplice", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate labeled training data by injecting spam into clean corpora.
    Synth(synth::Args),
    /// Train a detector on a generated CSV.
    Train(train::Args),
    /// Evaluate a model on a labeled CSV, per slice (and its thresholds, and
    /// the mojibake repair on clean corpora).
    Eval(eval::Args),
    /// Clean documents (plain text or JSONL) with a model.
    Filter(filter::Args),
    /// Save a corpus's memory of its spam words, for `filter --memory`.
    Remember(remember::Args),
}

fn main() {
    // clap exits with 2 on a usage error; 2 is ours for bad input records.
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Synth(a) => synth::run(a),
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Filter(a) => filter::run(a),
        Command::Remember(a) => remember::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("spamsplice: error: {e:#}");
            std::process::exit(1);
        }
    }
}
