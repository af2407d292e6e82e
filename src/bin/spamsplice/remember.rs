//! `spamsplice remember`: a round of the memory `filter --campaign` builds,
//! on its own and saved to a file, so that a corpus split into shards
//! across processes or machines gets the memory of the whole: remember each
//! shard, add the memories up; remember each shard again with that sum as
//! `--first-round`, add those up; then `filter --memory` each shard in one
//! pass.

use std::path::PathBuf;

use anyhow::anyhow;
use spamsplice::pipeline::{self, Counters};

use crate::filter::{load_memories, Reading};

/// Remember the words a corpus's spam carries, for `filter --memory`.
#[derive(clap::Args)]
#[command(after_long_help = "\
A corpus in shards:
  spamsplice remember shard1.jsonl.zst -o m1.mem      (on each machine)
  spamsplice remember --memory m1.mem --memory m2.mem -o first.mem
  spamsplice remember --first-round first.mem shard1.jsonl.zst -o n1.mem
  spamsplice remember --memory n1.mem --memory n2.mem -o all.mem
  spamsplice filter --memory all.mem shard1.jsonl.zst -o clean1.jsonl.zst

The second round takes each document's words as the campaign stage judges
them given the first round's memory; `filter --campaign` does both rounds.

Each document's own words are taken out of the memory when it is cleaned,
so the memory should hold every shard, the cleaned one included, once.
A memory is tied to the model that made it; another model refuses it.")]
pub struct Args {
    /// Input files; `-` for standard input. None: only --memory files are
    /// added up.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The memory file to write.
    #[arg(short, long, value_name = "MEMORY")]
    output: PathBuf,
    /// Memories to start from (saved by this command with the same model).
    #[arg(long, value_name = "PATH")]
    memory: Vec<PathBuf>,
    /// The whole corpus's first-round memory: remember the second round's
    /// words of the INPUT files.
    #[arg(long, value_name = "PATH")]
    first_round: Option<PathBuf>,
    #[command(flatten)]
    reading: Reading,
    /// No summary.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.inputs.is_empty() && args.memory.is_empty() {
        anyhow::bail!(
            "nothing to remember: give INPUT files (`-` for standard input) or --memory files"
        );
    }
    let opts = args.reading.options(&args.inputs)?;
    let detector = args.reading.detector()?;
    let mut memory = load_memories(&detector, &args.memory)?;
    let first = match &args.first_round {
        Some(p) => Some(load_memories(&detector, std::slice::from_ref(p))?),
        None => None,
    };
    let mut read = pipeline::Summary::default();
    if !args.inputs.is_empty() {
        let counters = Counters::default();
        match pipeline::remember(
            &detector,
            &args.inputs,
            &opts,
            &counters,
            memory,
            first.as_ref(),
        ) {
            Ok((m, summary)) => (memory, read) = (m, summary),
            Err(spamsplice::Error::Data { path, line, reason }) => {
                eprintln!("spamsplice: error: {}:{line}: {reason}", path.display());
                eprintln!("spamsplice: no memory was written");
                return Ok(2);
            }
            Err(e) => return Err(anyhow!("{e}")),
        }
    }
    memory.save(&args.output, detector.fingerprint())?;
    if !args.quiet {
        eprintln!(
            "spamsplice: {} documents read ({} bad records passed or skipped), {} memories added; wrote {}",
            read.documents,
            read.refused(),
            args.memory.len(),
            args.output.display()
        );
    }
    Ok(0)
}
