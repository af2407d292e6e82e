//! JSONL mode: blocks of whole lines are read on one thread, cleaned in
//! parallel on the pool, and written in input order on the caller's thread.

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use rayon::prelude::*;

use super::sinks::{self, SpanRecord};
use super::{json, recv_or_stop, Cleaner, Counters, LazySource, OnError, Options, Sinks, StopOnDrop, Summary};
use crate::error::{Error, Result};
use crate::restore;

/// A run of whole lines from one input.
struct Block {
    file: Arc<str>,
    /// The first block of its input (line numbers restart at 1).
    file_start: bool,
    data: Vec<u8>,
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
}

struct Processed {
    block: Block,
    /// Line ranges in `block.data`, each with its `\n` when it has one.
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

    let (tx_raw, rx_raw) = sync_channel::<Result<Block>>(2);
    let batch = opts.batch_bytes.max(1);
    std::thread::Builder::new()
        .name("spamsplice-read".into())
        .spawn(move || read_blocks(sources, batch, tx_raw))
        .map_err(|e| Error::Other(format!("cannot start the reader thread: {e}")))?;

    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx_done, rx_done) = sync_channel::<Result<Processed>>(2);
        let stop_ref = &stop;
        let path = &path;
        s.spawn(move || {
            while let Some(b) = recv_or_stop(&rx_raw, stop_ref) {
                let r = b.map(|block| pool.install(|| process(cleaner, block, path, want_spans)));
                if tx_done.send(r).is_err() {
                    break;
                }
            }
        });
        let _stop = StopOnDrop(&stop);
        let mut w = Writer { line: 0, need_newline: false };
        for p in rx_done.iter() {
            w.write(p?, sinks, opts, counters, summary)?;
        }
        Ok(())
    })
}

fn read_blocks(sources: Vec<LazySource>, batch: usize, tx: SyncSender<Result<Block>>) {
    use std::io::Read;
    for open in sources {
        let mut src = match open() {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let file: Arc<str> = src.name.clone().into();
        let mut carry: Vec<u8> = Vec::new();
        let mut file_start = true;
        loop {
            let mut buf = std::mem::take(&mut carry);
            buf.reserve(batch + batch / 8);
            let mut eof = false;
            let mut searched = 0;
            // Fill to at least `batch` bytes and at least one whole line.
            loop {
                let want = batch.saturating_sub(buf.len()).max(64 << 10) as u64;
                match (&mut src.reader).take(want).read_to_end(&mut buf) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Err(Error::io(&*src.name, e)));
                        return;
                    }
                }
                if buf.len() >= batch && memchr::memchr(b'\n', &buf[searched..]).is_some() {
                    break;
                }
                searched = buf.len();
            }
            if !eof {
                let cut = memchr::memrchr(b'\n', &buf).map_or(buf.len(), |p| p + 1);
                carry = buf[cut..].to_vec();
                buf.truncate(cut);
            }
            if !buf.is_empty() {
                let block = Block { file: file.clone(), file_start, data: buf };
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

fn process<C: Cleaner + ?Sized>(cleaner: &C, block: Block, path: &[&str], want_spans: bool) -> Processed {
    let data = &block.data;
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
        .par_iter()
        .with_min_len(4)
        .map(|r| {
            let line = &data[r.clone()];
            match std::panic::catch_unwind(AssertUnwindSafe(|| clean_line(cleaner, line, path, want_spans))) {
                Ok(o) => o,
                Err(p) => Outcome { kind: Kind::Bad(panic_reason(&*p)), id: None, spans: Vec::new() },
            }
        })
        .collect();
    Processed { block, lines, outcomes }
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
fn clean_line<C: Cleaner + ?Sized>(cleaner: &C, line: &[u8], path: &[&str], want_spans: bool) -> Outcome {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let bad = |reason: String, id| Outcome { kind: Kind::Bad(reason), id, spans: Vec::new() };
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
    if cleaned.spans.is_empty() {
        return Outcome { kind: Kind::Same, id: located.id, spans: Vec::new() };
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
    let records = if want_spans {
        restore::char_offsets(&text, &spans)
            .into_iter()
            .zip(&spans)
            .map(|((a, b), s)| SpanRecord {
                start: a as u64,
                end: b as u64,
                score: s.score,
                fragment: text[s.start..s.end].to_string(),
            })
            .collect()
    } else {
        // Keep the count for the summary.
        spans.iter().map(|s| SpanRecord { start: 0, end: 0, score: s.score, fragment: String::new() }).collect()
    };
    Outcome { kind: Kind::Changed(out), id: located.id, spans: records }
}

struct Writer {
    /// Line number of the last line handled in the current input.
    line: u64,
    /// The last line written had no `\n` (a file without a final newline
    /// followed by another input): write one before the next line.
    need_newline: bool,
}

impl Writer {
    fn write(
        &mut self,
        p: Processed,
        sinks: &mut Sinks<'_>,
        opts: &Options,
        counters: &Counters,
        summary: &mut Summary,
    ) -> Result<()> {
        let Processed { block, lines, outcomes } = p;
        if block.file_start {
            self.line = 0;
        }
        let out_err = |e| Error::io("(output)", e);
        for (r, o) in lines.iter().zip(outcomes) {
            self.line += 1;
            summary.documents += 1;
            let line = &block.data[r.clone()];
            let emit: Option<&[u8]> = match &o.kind {
                Kind::Same => Some(line),
                Kind::Changed(new) => {
                    summary.changed += 1;
                    summary.spans += o.spans.len() as u64;
                    Some(new)
                }
                Kind::Bad(reason) => match opts.on_error {
                    OnError::Fail => {
                        counters.bytes_in.fetch_add(r.start as u64, Ordering::Relaxed);
                        return Err(Error::Data {
                            path: PathBuf::from(&*block.file),
                            line: self.line,
                            reason: reason.clone(),
                        });
                    }
                    OnError::Pass => {
                        summary.passed += 1;
                        Some(line)
                    }
                    OnError::Skip => {
                        summary.skipped += 1;
                        None
                    }
                },
            };
            if let Some(bytes) = emit {
                if self.need_newline {
                    sinks.output.write_all(b"\n").map_err(out_err)?;
                    summary.bytes_out += 1;
                }
                sinks.output.write_all(bytes).map_err(out_err)?;
                summary.bytes_out += bytes.len() as u64;
                self.need_newline = !bytes.ends_with(b"\n");
            }
            if sinks.spans.is_some() || sinks.report.is_some() {
                let id_json: Vec<u8> = match &o.id {
                    Some(idr) => line[idr.clone()].to_vec(),
                    None => sinks::json_string(&format!("{}:{}", block.file, self.line)),
                };
                let spans: &[SpanRecord] = if matches!(o.kind, Kind::Changed(_)) { &o.spans } else { &[] };
                if let Some(w) = sinks.spans.as_deref_mut() {
                    sinks::spans_line(w, &id_json, spans).map_err(|e| Error::io("(spans)", e))?;
                }
                if let Some(w) = sinks.report.as_deref_mut() {
                    let id = sinks::id_display(&id_json);
                    for s in spans {
                        sinks::report_row(w, &id, s).map_err(|e| Error::io("(report)", e))?;
                    }
                }
            }
        }
        summary.bytes_in += block.data.len() as u64;
        counters.bytes_in.fetch_add(block.data.len() as u64, Ordering::Relaxed);
        counters.documents.fetch_add(lines.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}
