//! JSONL mode: blocks of whole lines are read on one thread, each block is
//! cleaned as one task on the pool (several blocks at once, see
//! [`super::in_order`]), and written in input order on the caller's thread.

use std::io::{IoSlice, Read};
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::sinks::{self, RepairRecord, SpanRecord};
use super::{json, Cleaner, Counters, LazySource, OnError, Options, Sinks, Summary};
use crate::error::{Error, Result};
use crate::span::Span;

/// A run of whole lines from one input.
struct Block {
    file: Arc<str>,
    /// The first block of its input (line numbers restart at 1).
    file_start: bool,
    /// The lines are `buf[..len]`; the rest is spare room, kept initialized
    /// so that a recycled buffer is read into without being cleared again.
    buf: Vec<u8>,
    len: usize,
}

impl Block {
    fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

enum Kind {
    Same,
    Changed(Vec<u8>),
    Bad(String),
}

struct Outcome {
    kind: Kind,
    /// The `id` value as written, relative to the line.
    id: Option<Range<usize>>,
    spans: Vec<SpanRecord>,
    /// The runs repaired (`--repair-mojibake`), in full when the span or
    /// report file is written, else only counted.
    repairs: Vec<RepairRecord>,
}

struct Processed {
    block: Block,
    /// Line ranges in `block.data()`, each with its `\n` when it has one.
    lines: Vec<Range<usize>>,
    outcomes: Vec<Outcome>,
}

pub(super) fn run<C: Cleaner + ?Sized>(
    cleaner: &C,
    pool: &rayon::ThreadPool,
    sources: Vec<LazySource>,
    sinks: &mut Sinks<'_>,
    opts: &Options,
    counters: &Counters,
    summary: &mut Summary,
) -> Result<()> {
    let path: Vec<String> = opts.field.split('.').map(str::to_owned).collect();
    if path.iter().any(|s| s.is_empty()) {
        return Err(Error::Other(format!("invalid field path `{}`", opts.field)));
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let want_spans = sinks.spans.is_some() || sinks.report.is_some();
    let repair = opts.repair_mojibake;

    let (tx_raw, rx_raw) = sync_channel::<Result<Block>>(2);
    // Written blocks' buffers go back to the reader.
    let (tx_free, rx_free) = channel::<Vec<u8>>();
    let batch = opts.batch_bytes.max(1);
    std::thread::Builder::new()
        .name("spamsplice-read".into())
        .spawn(move || read_blocks(sources, batch, tx_raw, rx_free))
        .map_err(|e| Error::Other(format!("cannot start the reader thread: {e}")))?;

    let mut w = Writer {
        line: 0,
        need_newline: false,
    };
    super::in_order(
        pool,
        rx_raw,
        |block| process(cleaner, block, &path, want_spans, repair),
        |p| {
            w.write(&p, sinks, opts, counters, summary)?;
            let _ = tx_free.send(p.block.buf);
            Ok(())
        },
    )
}

/// Reads each input in blocks of whole lines, about `batch` bytes each (at
/// least one line), straight into the block's buffer: one read call a block
/// on a plain file, large enough that the input's `BufReader` passes it
/// through without copying, into a recycled buffer when one is free.
fn read_blocks(
    sources: Vec<LazySource>,
    batch: usize,
    tx: SyncSender<Result<Block>>,
    free: Receiver<Vec<u8>>,
) {
    let cap = batch + (batch / 8).max(64 << 10);
    let fresh = || {
        let mut b = free
            .try_iter()
            .find(|b| b.len() <= 2 * cap)
            .unwrap_or_default();
        if b.len() < cap {
            b.resize(cap, 0);
        }
        b
    };
    let mut buf = fresh();
    // Bytes at the start of `buf`: the unfinished last line of the block before.
    let mut len = 0;
    for open in sources {
        let mut src = match open() {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let file: Arc<str> = src.name.clone().into();
        let mut file_start = true;
        loop {
            // The carried bytes hold no newline.
            let mut has_newline = false;
            let mut eof = false;
            while !(has_newline && len >= batch) {
                if len == buf.len() {
                    buf.resize(2 * len, 0);
                }
                match src.reader.read(&mut buf[len..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        has_newline =
                            has_newline || memchr::memchr(b'\n', &buf[len..len + n]).is_some();
                        len += n;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(Error::io(&*src.name, e)));
                        return;
                    }
                }
            }
            let cut = if eof {
                len
            } else {
                memchr::memrchr(b'\n', &buf[..len]).map_or(len, |p| p + 1)
            };
            let mut next = fresh();
            let carry = len - cut;
            if next.len() < carry + cap {
                next.resize(carry + cap, 0);
            }
            next[..carry].copy_from_slice(&buf[cut..len]);
            let full = std::mem::replace(&mut buf, next);
            len = carry;
            if cut > 0 {
                let block = Block {
                    file: file.clone(),
                    file_start,
                    buf: full,
                    len: cut,
                };
                file_start = false;
                if tx.send(Ok(block)).is_err() {
                    return;
                }
            }
            if eof {
                break;
            }
        }
    }
}

/// Cleans the lines of one block, one after another (blocks are the unit of
/// parallelism).
fn process<C: Cleaner + ?Sized>(
    cleaner: &C,
    block: Block,
    path: &[&str],
    want_spans: bool,
    repair: bool,
) -> Processed {
    let data = block.data();
    let mut lines = Vec::with_capacity(data.len() / 512 + 1);
    let mut at = 0;
    for nl in memchr::memchr_iter(b'\n', data) {
        lines.push(at..nl + 1);
        at = nl + 1;
    }
    if at < data.len() {
        lines.push(at..data.len());
    }
    let outcomes = lines
        .iter()
        .map(|r| {
            let line = &data[r.clone()];
            match std::panic::catch_unwind(AssertUnwindSafe(|| {
                clean_line(cleaner, line, path, want_spans, repair)
            })) {
                Ok(o) => o,
                Err(p) => Outcome {
                    kind: Kind::Bad(panic_reason(&*p)),
                    id: None,
                    spans: Vec::new(),
                    repairs: Vec::new(),
                },
            }
        })
        .collect();
    Processed {
        block,
        lines,
        outcomes,
    }
}

pub(super) fn panic_reason(p: &(dyn std::any::Any + Send)) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the cleaner panicked: {msg}")
}

/// Cleans one line (with its `\n`, if any).
fn clean_line<C: Cleaner + ?Sized>(
    cleaner: &C,
    line: &[u8],
    path: &[&str],
    want_spans: bool,
    repair: bool,
) -> Outcome {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let bad = |reason: String, id| Outcome {
        kind: Kind::Bad(reason),
        id,
        spans: Vec::new(),
        repairs: Vec::new(),
    };
    let located = match json::locate(body, path) {
        Ok(l) => l,
        Err(reason) => return bad(reason, None),
    };
    let range = match located.field {
        Ok(r) => r,
        Err(reason) => return bad(reason, located.id),
    };
    // SAFETY: `locate` checked that the whole line is UTF-8, and the range
    // lies between two ASCII quotes.
    let raw = unsafe { std::str::from_utf8_unchecked(&body[range.clone()]) };
    let text = match json::unescape(raw) {
        Ok(t) => t,
        Err(reason) => return bad(reason, located.id),
    };
    let cleaned = cleaner.clean(&text);
    if repair {
        // Replaced text may need escapes the input did not: the field is
        // written anew, every byte outside it kept.
        let repaired = crate::repair::repair_with(&cleaned.text, cleaner.clean_stats());
        if repaired.changed() {
            let quoted =
                serde_json::to_string(&repaired.text).expect("a String always serializes as JSON");
            let mut out = Vec::with_capacity(line.len() + quoted.len());
            out.extend_from_slice(&line[..range.start]);
            out.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
            out.extend_from_slice(&line[range.end..]);
            let records = span_records(&text, &cleaned.spans, want_spans);
            let repairs = repair_records(&text, &cleaned, &repaired, want_spans);
            return Outcome {
                kind: Kind::Changed(out),
                id: located.id,
                spans: records,
                repairs,
            };
        }
    }
    if cleaned.spans.is_empty() {
        return Outcome {
            kind: Kind::Same,
            id: located.id,
            spans: Vec::new(),
            repairs: Vec::new(),
        };
    }
    let spans = cleaned.spans;
    let mut bounds = Vec::with_capacity(spans.len() * 2);
    for s in &spans {
        bounds.push(s.start);
        bounds.push(s.end);
    }
    let raw_bounds = json::map_to_raw(raw, &bounds);
    let mut out = Vec::with_capacity(line.len());
    out.extend_from_slice(&line[..range.start]);
    let mut at = 0;
    for pair in raw_bounds.chunks_exact(2) {
        out.extend_from_slice(&raw.as_bytes()[at..pair[0]]);
        at = pair[1];
    }
    out.extend_from_slice(&raw.as_bytes()[at..]);
    out.extend_from_slice(&line[range.end..]);
    let records = span_records(&text, &spans, want_spans);
    Outcome {
        kind: Kind::Changed(out),
        id: located.id,
        spans: records,
        repairs: Vec::new(),
    }
}

/// The repair records of one line, in code points of the input `text`
/// (the repairs were made in the cleaned text: each offset is moved past
/// the removed spans before it; a start stays after a span removed at the
/// same point, an end before it). Only counted unless `want_spans`.
fn repair_records(
    text: &str,
    cleaned: &crate::span::Cleaned<'_>,
    repaired: &crate::repair::Repaired,
    want_spans: bool,
) -> Vec<RepairRecord> {
    if !want_spans {
        return repaired
            .replacements
            .iter()
            .map(|_| RepairRecord {
                start: 0,
                end: 0,
                found: String::new(),
                text: String::new(),
            })
            .collect();
    }
    let removed = crate::span::char_offsets(text, &cleaned.spans);
    let to_input = |c: usize, after_spans_here: bool| -> u64 {
        let mut gone = 0;
        for &(a, b) in &removed {
            let here = a - gone;
            if here < c || (after_spans_here && here == c) {
                gone += b - a;
            } else {
                break;
            }
        }
        (c + gone) as u64
    };
    let chars: Vec<(usize, char)> = cleaned.text.char_indices().collect();
    let byte_at = |c: usize| chars.get(c).map_or(cleaned.text.len(), |&(b, _)| b);
    repaired
        .replacements
        .iter()
        .map(|r| RepairRecord {
            start: to_input(r.start, true),
            end: to_input(r.end, false),
            found: cleaned.text[byte_at(r.start)..byte_at(r.end)].to_string(),
            text: r.text.clone(),
        })
        .collect()
}

/// The span records of one line: full (char offsets, fragment) for the span
/// and report files, else only enough to count them for the summary.
fn span_records(text: &str, spans: &[Span], want_spans: bool) -> Vec<SpanRecord> {
    if want_spans {
        crate::span::char_offsets(text, spans)
            .into_iter()
            .zip(spans)
            .map(|((a, b), s)| SpanRecord {
                start: a as u64,
                end: b as u64,
                score: s.score,
                fragment: text[s.start..s.end].to_string(),
            })
            .collect()
    } else {
        spans
            .iter()
            .map(|s| SpanRecord {
                start: 0,
                end: 0,
                score: s.score,
                fragment: String::new(),
            })
            .collect()
    }
}

struct Writer {
    /// Line number of the last line handled in the current input.
    line: u64,
    /// The last line written had no `\n` (a file without a final newline
    /// followed by another input): write one before the next line.
    need_newline: bool,
}

impl Writer {
    /// Writes a block's lines: runs of lines that go out as they came in are
    /// taken straight from the input block, and the whole block's output goes
    /// out in one vectored write (a large one passes the output buffer
    /// without a copy).
    fn write(
        &mut self,
        p: &Processed,
        sinks: &mut Sinks<'_>,
        opts: &Options,
        counters: &Counters,
        summary: &mut Summary,
    ) -> Result<()> {
        let Processed {
            block,
            lines,
            outcomes,
        } = p;
        if block.file_start {
            self.line = 0;
        }
        let data = block.data();
        let mut out = Gather {
            slices: Vec::new(),
            bytes: 0,
            need_newline: self.need_newline,
        };
        // Input lines not yet gathered, all to be written unchanged.
        let mut run = 0..0;
        let mut failed = None;
        for (r, o) in lines.iter().zip(outcomes) {
            self.line += 1;
            summary.documents += 1;
            let line = &data[r.clone()];
            let keep = match &o.kind {
                Kind::Same => true,
                Kind::Changed(new) => {
                    summary.changed += 1;
                    summary.spans += o.spans.len() as u64;
                    summary.repaired += o.repairs.len() as u64;
                    out.push(&data[run.clone()]);
                    out.push(new);
                    run = r.end..r.end;
                    false
                }
                Kind::Bad(reason) => match opts.on_error {
                    OnError::Fail => {
                        counters
                            .bytes_in
                            .fetch_add(r.start as u64, Ordering::Relaxed);
                        failed = Some(Error::Data {
                            path: PathBuf::from(&*block.file),
                            line: self.line,
                            reason: reason.clone(),
                        });
                        break;
                    }
                    OnError::Pass => {
                        summary.passed += 1;
                        true
                    }
                    OnError::Skip => {
                        summary.skipped += 1;
                        out.push(&data[run.clone()]);
                        run = r.end..r.end;
                        false
                    }
                },
            };
            if keep {
                run.end = r.end;
            }
            if sinks.spans.is_some() || sinks.report.is_some() {
                let id_json: Vec<u8> = match &o.id {
                    Some(idr) => line[idr.clone()].to_vec(),
                    None => sinks::json_string(&format!("{}:{}", block.file, self.line)),
                };
                let changed = matches!(o.kind, Kind::Changed(_));
                let spans: &[SpanRecord] = if changed { &o.spans } else { &[] };
                let repairs: &[RepairRecord] = if changed { &o.repairs } else { &[] };
                let repair = opts.repair_mojibake;
                if let Some(w) = sinks.spans.as_deref_mut() {
                    sinks::spans_line(w, &id_json, spans, repair.then_some(repairs))
                        .map_err(|e| Error::io("(spans)", e))?;
                }
                if let Some(w) = sinks.report.as_deref_mut() {
                    let id = sinks::id_display(&id_json);
                    for s in spans {
                        sinks::report_row(w, &id, s, repair)
                            .map_err(|e| Error::io("(report)", e))?;
                    }
                    for r in repairs {
                        sinks::repair_row(w, &id, r).map_err(|e| Error::io("(report)", e))?;
                    }
                }
            }
        }
        out.push(&data[run]);
        super::io::write_all_vectored(sinks.output, &mut out.slices)
            .map_err(|e| Error::io("(output)", e))?;
        summary.bytes_out += out.bytes;
        self.need_newline = out.need_newline;
        if let Some(e) = failed {
            return Err(e);
        }
        summary.bytes_in += data.len() as u64;
        counters
            .bytes_in
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        counters
            .documents
            .fetch_add(lines.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// The output of one block, as slices of whole lines.
struct Gather<'a> {
    slices: Vec<IoSlice<'a>>,
    bytes: u64,
    /// The last slice has no final `\n` (see [`Writer::need_newline`]).
    need_newline: bool,
}

impl<'a> Gather<'a> {
    fn push(&mut self, bytes: &'a [u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.need_newline {
            self.slices.push(IoSlice::new(b"\n"));
            self.bytes += 1;
        }
        self.slices.push(IoSlice::new(bytes));
        self.bytes += bytes.len() as u64;
        self.need_newline = !bytes.ends_with(b"\n");
    }
}
