//! `spamsplice remember`: the first pass of `filter --campaign` on its own,
//! saved to a file, so that a corpus split into shards across processes or
//! machines gets the memory of the whole: remember each shard, add the
//! memories up, then `filter --memory` each shard in one pass.

use std::path::PathBuf;

use anyhow::anyhow;
use spamsplice::pipeline::{self, Counters};

use crate::filter::{load_memories, Reading};

/// Remember the words a corpus's spam carries, for `filter --memory`.
#[derive(clap::Args)]
#[command(after_long_help = "\
A corpus in shards:
  spamsplice remember shard1.jsonl.zst -o m1.mem      (on each machine)
  spamsplice remember --memory m1.mem --memory m2.mem -o all.mem
  spamsplice filter --memory all.mem shard1.jsonl.zst -o clean1.jsonl.zst

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
    let mut read = pipeline::Summary::default();
    if !args.inputs.is_empty() {
        let counters = Counters::default();
        match pipeline::remember(&detector, &args.inputs, &opts, &counters, memory) {
            Ok((m, summary)) => (memory, read) = (m, summary),
            Err(spamsplice::Error::Data { path, line, reason }) => {
                eprintln!("spamsplice: error: {}:{line}: {reason}", path.display());
                eprintln!("spamsplice: no memory was written");
                return Ok(2);
            }
            Err(e) => return Err(anyhow!("{e}")),
        }
    }
    memory.save(&args.output, detector.model().fingerprint())?;
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
