//! `spamsplice filter`: parses the arguments and wires them to
//! `spamsplice::pipeline`, which does the streaming work; shows the progress
//! bar and the summary.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{anyhow, bail};
use spamsplice::pipeline::{self, Counters, Format, InputEncoding, OnError, Options, Paths};

const AFTER_HELP: &str = "\
Formats:
  text    each INPUT is one document, streamed in windows of whole lines
  jsonl   one JSON object per line; the string at --field is cleaned by
          deleting the spans from it as written, so every other byte of the
          line (other fields, key order, unchanged lines) stays identical
  Default: jsonl when every INPUT is named *.jsonl or *.ndjson (optionally
  .gz/.zst), else text.

Inputs ending .gz or .zst are decompressed; -o, --spans and --report paths
ending .gz or .zst are compressed. No INPUT or '-': standard input; no -o or
'-o -': standard output.

--spans writes one line per input document, in input order (refused JSONL
lines included, with no spans), in dolma's attribute format:
  {\"id\": ..., \"attributes\": {\"spamsplice__gambling_injection\": [[start, end, score], ...]}}
offsets in Unicode code points of the input text; scores lie in [0, 1],
0.5 at each token group's threshold. --report writes CSV:
id,start,end,score,fragment,decoded. With --repair-mojibake the attributes
also hold \"spamsplice__mojibake_repair\": [[start, end, \"text\"], ...] (the
runs read back to Hangul, the text now in their place), and the report an
action column: removed, or repaired (no score; decoded is the new text).
Text input is repaired line by line as it streams, evidence carried forward
only: a lone quote (Kelly¡¯s) is repaired on the strength of the
lines before it and its own window (about 1 MiB), not of later ones.

Bad JSONL lines (not JSON, not an object, no such field, a non-string field,
a lone surrogate escape such as \\ud800, invalid UTF-8): with --on-error fail
the run stops after writing every earlier record; pass writes them through
unchanged; skip leaves them out. Both count them in the summary.

Exit status:
  0  success (also with lines passed or skipped under --on-error pass|skip)
  1  usage, I/O or model error
  2  bad input: a bad JSONL line under --on-error fail, or undecodable text
     input (invalid UTF-8 without --input-encoding); the message names the
     file, the line and the reason";

/// Clean documents (plain text or JSONL): find injected spam fragments and splice them out.
#[derive(clap::Args)]
#[command(after_long_help = AFTER_HELP, after_help = "Exit status: 0 ok, 1 usage/IO/model error, 2 bad input (see --help).")]
pub struct Args {
    /// Input files; none or `-` for standard input. `.gz`/`.zst` are decompressed.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output file (`-` = standard output); compressed when named `.gz`/`.zst`.
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,
    #[command(flatten)]
    reading: Reading,
    /// Write removed spans per document as dolma attributes (JSONL).
    #[arg(long, value_name = "PATH")]
    spans: Option<PathBuf>,
    /// Write removed spans as CSV for people.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// Token probability above which a token is removed, for every token group
    /// (default: the per-group thresholds the model chose on its dev set).
    #[arg(long, value_name = "X")]
    threshold: Option<f32>,
    /// Two passes over the input files: the first remembers the words the
    /// corpus's spam carries where the model is sure of them, the second
    /// cleans each document with that memory, so a site name signed on some
    /// pages (a domain beside it, a suffix) is found bare on others. Not for
    /// standard input.
    #[arg(long, conflicts_with = "memory")]
    campaign: bool,
    /// One pass with a corpus memory saved by `spamsplice remember` (given
    /// more than once: the memories are added up, as for the shards of one
    /// corpus). Standard input is fine.
    #[arg(long, value_name = "PATH")]
    memory: Vec<PathBuf>,
    /// After the spam is spliced out, read Korean that is CP949 behind
    /// Latin-1 (`¹Ì±¹ÀÇ ¼º¸ð`, its quotes `¡¯`) back to its Hangul, rewriting
    /// the JSONL field or the text document (line by line as it streams).
    /// Off by default, so the output is the input minus the spam.
    #[arg(long)]
    repair_mojibake: bool,
    /// No progress bar, no summary.
    #[arg(short, long)]
    quiet: bool,
}

/// How documents are read and scored: shared by `filter` and `remember`,
/// which must read a corpus alike.
#[derive(clap::Args)]
pub struct Reading {
    /// Input format (default: by the INPUT names, see below).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// JSONL: the field to clean; a dotted path such as `metadata.body` is allowed.
    #[arg(long, value_name = "NAME", default_value = "text")]
    field: String,
    /// Model file; the embedded default model when absent.
    #[arg(long, value_name = "PATH")]
    model: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    threads: usize,
    /// What to do with a JSONL line that cannot be cleaned.
    #[arg(long, value_enum, default_value_t = OnErrorArg::Fail, value_name = "fail|pass|skip")]
    on_error: OnErrorArg,
    /// Text mode: how to read input that is not valid UTF-8, from its first
    /// invalid byte on: an encoding label (euc-kr, windows-1252, shift_jis, ...)
    /// or `auto` (detected with chardetng). Without it, invalid UTF-8 is an error.
    #[arg(long, value_name = "LABEL|auto")]
    input_encoding: Option<String>,
}

impl Reading {
    /// The pipeline options for `inputs`, or a usage error.
    pub fn options(&self, inputs: &[PathBuf]) -> anyhow::Result<Options> {
        let format = match self.format {
            Some(FormatArg::Text) => Format::Text,
            Some(FormatArg::Jsonl) => Format::Jsonl,
            None if !inputs.is_empty() && inputs.iter().all(|p| looks_jsonl(p)) => Format::Jsonl,
            None => Format::Text,
        };
        let input_encoding = match &self.input_encoding {
            None => InputEncoding::Utf8,
            Some(label) => match InputEncoding::from_label(label) {
                Some(e) => e,
                None => bail!("unknown encoding label `{label}` for --input-encoding (try euc-kr, windows-949, windows-1252, shift_jis or auto)"),
            },
        };
        if self.field.split('.').any(str::is_empty) {
            bail!(
                "invalid --field `{}`: use a name or a dotted path such as metadata.body",
                self.field
            );
        }
        Ok(Options {
            format,
            field: self.field.clone(),
            threads: self.threads,
            on_error: match self.on_error {
                OnErrorArg::Fail => OnError::Fail,
                OnErrorArg::Pass => OnError::Pass,
                OnErrorArg::Skip => OnError::Skip,
            },
            input_encoding,
            ..Options::default()
        })
    }

    /// The model: `--model`, or the embedded one (borrowed, copied only to
    /// change its threshold).
    pub fn detector(&self) -> anyhow::Result<Cow<'static, spamsplice::Detector>> {
        Ok(match &self.model {
            Some(p) => Cow::Owned(
                spamsplice::Detector::load(p).map_err(|e| anyhow!("cannot use the model: {e}"))?,
            ),
            None => Cow::Borrowed(
                spamsplice::Detector::embedded()
                    .map_err(|e| anyhow!("cannot use the embedded model: {e}"))?,
            ),
        })
    }
}

/// The memories at `paths` added up, each checked against `detector`'s model.
pub fn load_memories(
    detector: &spamsplice::Detector,
    paths: &[PathBuf],
) -> anyhow::Result<spamsplice::Campaign> {
    use spamsplice::Campaign;
    let fingerprint = detector.fingerprint();
    let mut loaded = paths.iter().map(|p| Campaign::load(p, fingerprint));
    // The first memory is the sum's start: one seen table less in memory.
    let mut memory = loaded.next().transpose()?.unwrap_or_default();
    for m in loaded {
        memory.merge(&m?);
    }
    Ok(memory)
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Text,
    Jsonl,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OnErrorArg {
    Fail,
    Pass,
    Skip,
}

fn looks_jsonl(p: &Path) -> bool {
    let name = p.to_string_lossy().to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut opts = args.reading.options(&args.inputs)?;
    opts.repair_mojibake = args.repair_mojibake;
    if let Some(t) = args.threshold {
        if !t.is_finite() {
            bail!("--threshold must be a finite number");
        }
    }
    let mut detector = args.reading.detector()?;
    if let Some(t) = args.threshold {
        detector.to_mut().set_threshold(t);
    }
    let memory = if args.memory.is_empty() {
        None
    } else {
        Some(load_memories(&detector, &args.memory)?)
    };

    let paths = Paths {
        inputs: args.inputs.clone(),
        output: args.output.clone(),
        spans: args.spans.clone(),
        report: args.report.clone(),
    };

    let counters = Counters::default();
    let show = !args.quiet && std::io::stderr().is_terminal();
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        if show {
            let total = total_size(&paths.inputs);
            let (counters, done) = (&counters, &done);
            s.spawn(move || progress(counters, done, total));
        }
        let memory = match memory {
            Some(m) => Ok(Some(m)),
            None if args.campaign => {
                pipeline::learn_campaign(&detector, &paths.inputs, &opts, &Counters::default())
                    .map(Some)
            }
            None => Ok(None),
        };
        let r = memory.and_then(|memory| match memory {
            Some(memory) => {
                let cleaner = pipeline::Remembering {
                    detector: &detector,
                    memory,
                };
                pipeline::run(&cleaner, &paths, &opts, &counters)
            }
            None => pipeline::run(&*detector, &paths, &opts, &counters),
        });
        done.store(true, Ordering::Relaxed);
        r
    });

    match result {
        Ok(summary) => {
            if !args.quiet {
                eprintln!("{}", summary_line(&summary));
            }
            Ok(0)
        }
        Err(spamsplice::Error::Data { path, line, reason }) => {
            eprintln!("spamsplice: error: {}:{line}: {reason}", path.display());
            if args.campaign {
                // The first pass reads what the second would: it stopped
                // before anything was written.
                eprintln!("spamsplice: found by the first (--campaign) pass; nothing was written");
            } else if opts.format == Format::Jsonl && opts.on_error == OnError::Fail {
                eprintln!("spamsplice: every earlier record was written; --on-error pass|skip would go on");
            }
            Ok(2)
        }
        Err(spamsplice::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(0)
        }
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Sum of the input file sizes when all are plain files (for the bar's length).
fn total_size(inputs: &[PathBuf]) -> Option<u64> {
    if inputs.is_empty() {
        return None;
    }
    let mut total = 0;
    for p in inputs {
        let name = p.to_string_lossy();
        if p.as_os_str() == "-" || name.ends_with(".gz") || name.ends_with(".zst") {
            return None;
        }
        total += std::fs::metadata(p).ok()?.len();
    }
    Some(total)
}

fn progress(counters: &Counters, done: &AtomicBool, total: Option<u64>) {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    while !done.load(Ordering::Relaxed) {
        bar.set_position(counters.bytes_in());
        bar.set_message(format!("{} documents", counters.documents()));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn summary_line(s: &pipeline::Summary) -> String {
    let mut line = format!(
        "spamsplice: {} documents, {} changed, {} spans removed, {} refused",
        s.documents,
        s.changed,
        s.spans,
        s.refused()
    );
    if s.refused() > 0 {
        line.push_str(&format!(" ({} passed, {} skipped)", s.passed, s.skipped));
    }
    if s.repaired > 0 {
        line.push_str(&format!(", {} mojibake runs repaired", s.repaired));
    }
    line.push_str(&format!(
        "; {:.1} MB in {:.2} s, {:.1} MB/s",
        s.bytes_in as f64 / 1e6,
        s.elapsed.as_secs_f64(),
        s.mb_per_s()
    ));
    line
}
