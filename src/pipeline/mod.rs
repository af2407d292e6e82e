//! Streaming I/O: the `spamsplice filter` stage as a library.
//!
//! [`run`] cleans plain-text documents or JSONL records with any [`Cleaner`]
//! (a [`Detector`], or a mock in tests and benchmarks),
//! streaming with bounded memory, in parallel across documents with the input
//! order kept, and returns a [`Summary`]. It never prints: a caller shows
//! progress by polling the shared [`Counters`].
//!
//! - **text** ([`Format::Text`]): each input is one document. It is cleaned in
//!   windows of whole lines (about [`Options::window_bytes`] each). Each window
//!   starts with the last line of the window before it, so the join between two
//!   lines is always seen with both lines; a window owns the spans that start
//!   after its first line's newline and before its last line's newline. A
//!   document that fits in one window is cleaned by one `clean()` call.
//! - **jsonl** ([`Format::Jsonl`]): one JSON object a line; the string at
//!   [`Options::field`] (a dotted path) is cleaned by deleting the spans from the
//!   string *as written* (escapes and all), so everything else in the line,
//!   and every unchanged line, comes out byte-identical.
//!
//! Spans go to an optional dolma attribute file and a CSV report (see
//! [`sinks`]); offsets there are Unicode code points of the input text.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::campaign::Campaign;
use crate::error::{Error, Result};
use crate::span::Cleaned;
use crate::Detector;

pub mod io;
pub mod json;
mod jsonl;
pub mod mock;
pub mod sinks;
mod text;

/// Anything that cleans one document: the [`Detector`], or a mock.
///
/// Contract (checked by `tests/prop_clean.rs` for the detector): never
/// panics; `spans` are sorted, disjoint, on char boundaries of the input, and
/// `text` is the input with exactly those spans deleted. For text-mode
/// windowing to give the same result as one call on the whole document, a
/// span must lie within one line plus the newline before it.
pub trait Cleaner: Sync {
    /// Cleans one document.
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a>;

    /// The clean-text counts `--repair-mojibake` weighs readings with
    /// ([`crate::repair::repair_with`]); none by default.
    fn clean_stats(&self) -> Option<&crate::JoinStats> {
        None
    }
}

impl Cleaner for Detector {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        Detector::clean(self, text)
    }

    fn clean_stats(&self) -> Option<&crate::JoinStats> {
        Some(Detector::clean_stats(self))
    }
}

/// Cleans with a corpus's memory ([`Detector::clean_with`]), built by a
/// first pass ([`learn_campaign`]) over the same inputs.
pub struct Remembering<'d> {
    /// The detector that scores the first round.
    pub detector: &'d Detector,
    /// What the rounds so far remember.
    pub memory: Campaign,
}

impl Cleaner for Remembering<'_> {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        self.detector.clean_with(text, &self.memory)
    }

    fn clean_stats(&self) -> Option<&crate::JoinStats> {
        Some(self.detector.clean_stats())
    }
}

/// The first pass's cleaner: remembers each document's words and changes
/// nothing.
struct Learner<'d> {
    detector: &'d Detector,
    memory: std::sync::Mutex<Campaign>,
    /// The first round's memory, in the second round.
    first: Option<&'d Campaign>,
}

impl Cleaner for Learner<'_> {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        let words = match self.first {
            Some(first) => self.detector.campaign_words_with(text, first),
            None => self.detector.campaign_words(text),
        };
        // A panic elsewhere cannot leave a half-added document: `add` is
        // the only writer, so a poisoned memory is still whole.
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        memory.add(&words);
        Cleaned::unchanged(text)
    }
}

/// The memory's two rounds, the first two of three passes: reads the
/// inputs as [`run`] does, document by document (text windows, JSONL
/// fields), once for the first round and once for the second
/// ([`Detector::campaign_words_with`]), and returns the second round's
/// memory for [`Remembering`]. Writes nothing. Standard input is refused: it
/// cannot be read more than once.
pub fn learn_campaign(
    detector: &Detector,
    inputs: &[PathBuf],
    opts: &Options,
    counters: &Counters,
) -> Result<Campaign> {
    if inputs.is_empty() || inputs.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::Other(
            "a campaign run reads its inputs three times: give files, not standard input".into(),
        ));
    }
    let (first, _) = remember(detector, inputs, opts, counters, Campaign::default(), None)?;
    // The second pass reads the same documents: count them once.
    let again = Counters::default();
    remember(
        detector,
        inputs,
        opts,
        &again,
        Campaign::default(),
        Some(&first),
    )
    .map(|(m, _)| m)
}

/// Adds the words of `inputs` (none: standard input) to `memory`, reading
/// them as [`run`] does and writing nothing: a round of the memory on its
/// own, for a memory saved ([`Campaign::to_bytes`]) and merged over the
/// shards of a corpus that no one process reads whole. With `first` (the
/// whole corpus's first-round memory), the second round's words. Returns
/// the memory and what was read.
pub fn remember(
    detector: &Detector,
    inputs: &[PathBuf],
    opts: &Options,
    counters: &Counters,
    memory: Campaign,
    first: Option<&Campaign>,
) -> Result<(Campaign, Summary)> {
    let stdin = [PathBuf::from("-")];
    let inputs = if inputs.is_empty() {
        &stdin[..]
    } else {
        inputs
    };
    let sources = lazy_sources(inputs)?;
    let learner = Learner {
        detector,
        memory: std::sync::Mutex::new(memory),
        first,
    };
    let mut sink = std::io::sink();
    let sinks = Sinks {
        output: &mut sink,
        spans: None,
        report: None,
    };
    let summary = run_lazy(&learner, sources, sinks, opts, counters)?;
    let memory = learner
        .memory
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    Ok((memory, summary))
}

impl<C: Cleaner + ?Sized> Cleaner for &C {
    fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        (**self).clean(text)
    }
}

/// Input layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Each input is one plain-text document.
    Text,
    /// One JSON object a line.
    Jsonl,
}

/// What to do with a JSONL line that cannot be cleaned (not JSON, not an
/// object, no such field, a non-string field, a lone surrogate escape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Stop with [`Error::Data`] after writing every earlier record.
    Fail,
    /// Write the line through unchanged and count it.
    Pass,
    /// Leave the line out and count it.
    Skip,
}

/// How text-mode input that is not valid UTF-8 is read.
#[derive(Debug, Clone, Copy)]
pub enum InputEncoding {
    /// UTF-8 only: invalid bytes are an [`Error::Data`] naming the byte offset.
    Utf8,
    /// From the first invalid byte on, decode with this encoding.
    Fallback(&'static encoding_rs::Encoding),
    /// From the first invalid byte on, decode with the encoding chardetng guesses.
    Auto,
}

impl InputEncoding {
    /// Parses `auto` or an encoding_rs / WHATWG label (`euc-kr`, `windows-1252`, ...).
    pub fn from_label(label: &str) -> Option<InputEncoding> {
        if label.eq_ignore_ascii_case("auto") {
            return Some(InputEncoding::Auto);
        }
        encoding_rs::Encoding::for_label(label.trim().as_bytes()).map(InputEncoding::Fallback)
    }
}

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How records are framed.
    pub format: Format,
    /// JSONL: the field to clean, a dotted path (`text`, `metadata.body`).
    pub field: String,
    /// Worker threads for cleaning; 0 = one per core.
    pub threads: usize,
    /// What a bad record does.
    pub on_error: OnError,
    /// Text mode only.
    pub input_encoding: InputEncoding,
    /// Text mode: bytes of new text per window (whole lines are added until
    /// the window holds at least this much).
    pub window_bytes: usize,
    /// JSONL: bytes of input lines per block (whole lines; a block is cleaned
    /// as one task on the pool, several blocks at once).
    pub batch_bytes: usize,
    /// After splicing, read CP949-behind-Latin-1 mojibake back to its Hangul
    /// ([`crate::repair`]): in JSONL the field, in text mode the document,
    /// line by line as its windows are written (see `text.rs` for how that
    /// differs from repairing a whole document). Off by default: the output
    /// is then the input with the spam deleted, byte for byte.
    pub repair_mojibake: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: Format::Text,
            field: "text".into(),
            threads: 0,
            on_error: OnError::Fail,
            input_encoding: InputEncoding::Utf8,
            window_bytes: 1 << 20,
            batch_bytes: 1 << 20,
            repair_mojibake: false,
        }
    }
}

/// Live counters, updated as output is written; poll them for a progress bar.
#[derive(Debug, Default)]
pub struct Counters {
    /// Input bytes consumed (after decompression).
    pub bytes_in: AtomicU64,
    /// Documents written or refused so far.
    pub documents: AtomicU64,
}

impl Counters {
    /// Bytes read so far.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in.load(Ordering::Relaxed)
    }
    /// Documents read so far.
    pub fn documents(&self) -> u64 {
        self.documents.load(Ordering::Relaxed)
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Documents read (text: inputs; JSONL: lines, refused ones included).
    pub documents: u64,
    /// Documents with at least one span removed or (`--repair-mojibake`)
    /// one run repaired.
    pub changed: u64,
    /// Spans removed, over all documents.
    pub spans: u64,
    /// Mojibake runs read back to Hangul (`--repair-mojibake`).
    pub repaired: u64,
    /// JSONL lines written through unchanged under [`OnError::Pass`].
    pub passed: u64,
    /// JSONL lines left out under [`OnError::Skip`].
    pub skipped: u64,
    /// Input bytes (after decompression).
    pub bytes_in: u64,
    /// Output bytes (before compression).
    pub bytes_out: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Lines that could not be cleaned (passed or skipped).
    pub fn refused(&self) -> u64 {
        self.passed + self.skipped
    }
    /// Input megabytes (10^6 bytes) per second of wall time.
    pub fn mb_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.bytes_in as f64 / 1e6 / s
        } else {
            0.0
        }
    }
}

/// One input stream with the name used in messages and as text-mode id.
pub struct Source {
    /// The name errors give (a path, or `-`).
    pub name: String,
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
}

impl Source {
    /// A source named `name` over `reader`.
    pub fn new(name: impl Into<String>, reader: impl Read + Send + 'static) -> Source {
        Source {
            name: name.into(),
            reader: Box::new(reader),
        }
    }

    /// Opens a path (`-` = standard input), decompressing `.gz` / `.zst`.
    pub fn open(path: &Path) -> Result<Source> {
        Ok(Source {
            name: path.display().to_string(),
            reader: io::open_input(path)?,
        })
    }
}

/// Where results go: the cleaned output and the optional span sinks.
pub struct Sinks<'w> {
    /// Where the cleaned records go.
    pub output: &'w mut dyn Write,
    /// dolma attribute JSONL.
    pub spans: Option<&'w mut dyn Write>,
    /// CSV report.
    pub report: Option<&'w mut dyn Write>,
}

/// Paths of one run, as the CLI takes them.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Inputs; empty or `-` = standard input.
    pub inputs: Vec<PathBuf>,
    /// Output; `None` or `-` = standard output.
    pub output: Option<PathBuf>,
    /// Where the dolma span attributes go, if anywhere.
    pub spans: Option<PathBuf>,
    /// Where the CSV report of removed spans goes, if anywhere.
    pub report: Option<PathBuf>,
}

/// Runs the stage over files: opens the inputs (checking that all exist
/// first), creates the outputs (compressed when named `.gz`/`.zst`), streams,
/// and finishes every output even when a bad record stops the run, so all
/// earlier records are readable.
pub fn run<C: Cleaner + ?Sized>(
    cleaner: &C,
    paths: &Paths,
    opts: &Options,
    counters: &Counters,
) -> Result<Summary> {
    let inputs: Vec<PathBuf> = if paths.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        paths.inputs.clone()
    };
    let sources = lazy_sources(&inputs)?;
    let mut output = io::OutputFile::create(paths.output.as_deref())?;
    let mut spans = paths
        .spans
        .as_deref()
        .map(|p| io::OutputFile::create(Some(p)))
        .transpose()?;
    let mut report = paths
        .report
        .as_deref()
        .map(|p| io::OutputFile::create(Some(p)))
        .transpose()?;
    let result = {
        let sinks = Sinks {
            output: &mut output,
            spans: spans.as_mut().map(|w| w as &mut dyn Write),
            report: report.as_mut().map(|w| w as &mut dyn Write),
        };
        run_lazy(cleaner, sources, sinks, opts, counters)
    };
    // Finish (flush, write compression trailers) in every case.
    let finished = output
        .finish()
        .and_then(|_| spans.map(|w| w.finish()).transpose())
        .and_then(|_| report.map(|w| w.finish()).transpose());
    let summary = result?;
    finished?;
    Ok(summary)
}

/// The inputs as lazy sources, opened in order by the reader thread,
/// after checking that every file (`-` aside) exists.
fn lazy_sources(inputs: &[PathBuf]) -> Result<Vec<LazySource>> {
    for p in inputs {
        if p.as_os_str() != "-" {
            std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        }
    }
    Ok(inputs
        .iter()
        .cloned()
        .map(|p| Box::new(move || Source::open(&p)) as LazySource)
        .collect())
}

/// Runs the stage over already-open streams (tests, embedding).
pub fn run_streams<C: Cleaner + ?Sized>(
    cleaner: &C,
    sources: Vec<Source>,
    sinks: Sinks<'_>,
    opts: &Options,
    counters: &Counters,
) -> Result<Summary> {
    let sources = sources
        .into_iter()
        .map(|s| Box::new(move || Ok(s)) as LazySource)
        .collect();
    run_lazy(cleaner, sources, sinks, opts, counters)
}

pub(crate) type LazySource = Box<dyn FnOnce() -> Result<Source> + Send>;

fn run_lazy<C: Cleaner + ?Sized>(
    cleaner: &C,
    sources: Vec<LazySource>,
    mut sinks: Sinks<'_>,
    opts: &Options,
    counters: &Counters,
) -> Result<Summary> {
    let start = Instant::now();
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("spamsplice-clean-{i}"))
        .build()
        .map_err(|e| Error::Other(format!("cannot start {threads} threads: {e}")))?;
    if let Some(w) = sinks.report.as_deref_mut() {
        sinks::write_report_header(w, opts.repair_mojibake)
            .map_err(|e| Error::io("(report)", e))?;
    }
    let mut summary = Summary::default();
    let result = match opts.format {
        Format::Text => text::run(
            cleaner,
            &pool,
            sources,
            &mut sinks,
            opts,
            counters,
            &mut summary,
        ),
        Format::Jsonl => jsonl::run(
            cleaner,
            &pool,
            sources,
            &mut sinks,
            opts,
            counters,
            &mut summary,
        ),
    };
    let flushed = flush_all(&mut sinks);
    summary.elapsed = start.elapsed();
    result?;
    flushed?;
    Ok(summary)
}

fn flush_all(sinks: &mut Sinks<'_>) -> Result<()> {
    sinks.output.flush().map_err(|e| Error::io("(output)", e))?;
    if let Some(w) = sinks.spans.as_deref_mut() {
        w.flush().map_err(|e| Error::io("(spans)", e))?;
    }
    if let Some(w) = sinks.report.as_deref_mut() {
        w.flush().map_err(|e| Error::io("(report)", e))?;
    }
    Ok(())
}

/// The parallel middle of both formats: takes the items the reader thread
/// sends (blocks of JSONL lines, text windows), runs `work` on each as its own
/// task on the pool, several at once, and hands the results to `write` on the
/// calling thread in input order.
///
/// No item waits for another to finish (no barrier between batches, so no
/// core idles while the last document of a batch straggles): a dispatcher
/// thread spawns each item as it arrives and queues a one-shot receiver for
/// its result; `write` takes the receivers in queue order. The queue holds at
/// most `2 × threads + 2` items, so memory stays bounded however far the
/// writer falls behind. A reader error is queued in its place and reaches
/// `write`'s caller after every earlier result was written.
pub(crate) fn in_order<T, R, F, W>(
    pool: &rayon::ThreadPool,
    input: std::sync::mpsc::Receiver<Result<T>>,
    work: F,
    mut write: W,
) -> Result<()>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
    W: FnMut(R) -> Result<()>,
{
    use std::sync::mpsc::{sync_channel, Receiver};
    let in_flight = 2 * pool.current_num_threads().max(1) + 2;
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx_order, rx_order) = sync_channel::<Receiver<Result<R>>>(in_flight);
        let (stop_ref, work) = (&stop, &work);
        std::thread::Builder::new()
            .name("spamsplice-dispatch".into())
            .spawn_scoped(s, move || {
                pool.in_place_scope_fifo(|tasks| {
                    while let Some(item) = recv_or_stop(&input, stop_ref) {
                        let (tx, rx) = sync_channel(1);
                        if tx_order.send(rx).is_err() {
                            break;
                        }
                        match item {
                            Ok(t) => tasks.spawn_fifo(move |_| {
                                let _ = tx.send(Ok(work(t)));
                            }),
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                break;
                            }
                        }
                    }
                })
            })
            .map_err(|e| Error::Other(format!("cannot start the dispatch thread: {e}")))?;
        let _stop = StopOnDrop(&stop);
        for rx in rx_order.iter() {
            // A closed channel: the task panicked (the panic follows at the join).
            let r = rx
                .recv()
                .map_err(|_| Error::Other("a cleaning task stopped".into()))?;
            write(r?)?;
        }
        Ok(())
    })
}

/// A receive loop for worker threads that also notices when the consumer has
/// given up (so a worker never waits forever on a reader blocked on stdin).
pub(crate) fn recv_or_stop<T>(
    rx: &std::sync::mpsc::Receiver<T>,
    stop: &std::sync::atomic::AtomicBool,
) -> Option<T> {
    use std::sync::mpsc::RecvTimeoutError;
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(v) => return Some(v),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Sets a flag when dropped (on every exit path of the consumer).
pub(crate) struct StopOnDrop<'a>(pub &'a std::sync::atomic::AtomicBool);
impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
