//! Text mode: each input is one document, decoded to UTF-8 and cleaned in
//! windows of whole lines (see the module docs of [`super`]).
//!
//! `--repair-mojibake` ([`Repair`]) repairs the cleaned text line by line as
//! the windows are written, in order, so a document is never held whole:
//! the last line a window writes waits for the next window (a removed span
//! may join it to the text after), and what the document's earlier lines
//! showed ([`crate::repair::DocState`]) is carried forward. The one
//! difference from repairing the whole cleaned file at once: evidence does
//! not reach back. A weak token or a lone quote digraph (`Kelly¡¯s`) is
//! repaired on the strength of a line repaired, or a second quote seen, in
//! its own window or an earlier one, not a later one (windows hold about
//! [`super::Options::window_bytes`] of text, 1 MiB by default, so this
//! only touches long documents). The repair attribute of a document's spans
//! line waits for its end (it follows the removed spans); its report rows
//! go out window by window: a window's removed spans, then the repairs of
//! the lines it completed.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use super::sinks::{self, RepairRecord, SpanRecord};
use super::{Cleaner, Counters, InputEncoding, LazySource, Options, Sinks, Summary};
use crate::error::{Error, Result};
use crate::repair::{DocState, Repaired};
use crate::span::Span;

/// A window of whole lines of one document.
#[derive(Debug)]
struct Window {
    name: Arc<str>,
    text: String,
    /// First window of its document.
    first: bool,
    /// Last window of its document.
    last: bool,
    /// This window owns spans starting at or after this offset (the newline
    /// ending the carried line; 0 in a first window)...
    own_from: usize,
    /// ...and before the newline ending its last line (`text.len() - 1`),
    /// or all of them in a last window.
    own_until: usize,
    /// Start of the last line, which the next window carries.
    last_line_start: usize,
    /// Bytes of text not seen in an earlier window.
    new_bytes: usize,
}

struct Cleaned {
    window: Window,
    spans: Result<Vec<Span>, String>,
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
    let (tx_raw, rx_raw) = sync_channel::<Result<Window>>(2);
    let window = opts.window_bytes.max(1);
    let enc = opts.input_encoding;
    std::thread::Builder::new()
        .name("spamsplice-read".into())
        .spawn(move || {
            for open in sources {
                let src = match open() {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx_raw.send(Err(e));
                        return;
                    }
                };
                let name: Arc<str> = src.name.clone().into();
                let dec = TextDecoder::new(src.reader, name.clone(), enc);
                if !windows(dec, name, window, &tx_raw) {
                    return;
                }
            }
        })
        .map_err(|e| Error::Other(format!("cannot start the reader thread: {e}")))?;

    let mut w = DocWriter {
        repair: opts.repair_mojibake.then(Repair::default),
        ..DocWriter::default()
    };
    let stats = cleaner.clean_stats();
    super::in_order(
        pool,
        rx_raw,
        |win| clean_window(cleaner, win),
        |c| w.write(c, stats, sinks, counters, summary),
    )
}

fn clean_window<C: Cleaner + ?Sized>(cleaner: &C, window: Window) -> Cleaned {
    let spans = std::panic::catch_unwind(AssertUnwindSafe(|| cleaner.clean(&window.text).spans))
        .map_err(|p| super::jsonl::panic_reason(&*p))
        .map(|mut spans| {
            spans.retain(|s| {
                s.start >= window.own_from && (window.last || s.start < window.own_until)
            });
            spans
        });
    Cleaned { window, spans }
}

/// Splits one document into windows and sends them; false when the consumer is gone.
fn windows(
    mut dec: TextDecoder,
    name: Arc<str>,
    window: usize,
    tx: &SyncSender<Result<Window>>,
) -> bool {
    let mut acc = String::new();
    let mut carry_len = 0usize;
    let mut first = true;
    loop {
        let mut has_nl = false;
        let mut eof = false;
        while !(has_nl && acc.len() - carry_len >= window) {
            let from = acc.len();
            let want = window.saturating_sub(acc.len() - carry_len).max(64 << 10);
            match dec.read_text(&mut acc, want) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return false;
                }
            }
            has_nl = has_nl || memchr::memchr(b'\n', &acc.as_bytes()[from..]).is_some();
        }
        let own_from = if first { 0 } else { carry_len - 1 };
        if eof {
            let len = acc.len();
            let last_line_start = memchr::memrchr(b'\n', acc.as_bytes()).map_or(0, |p| p + 1);
            let w = Window {
                name: name.clone(),
                text: acc,
                first,
                last: true,
                own_from,
                own_until: len,
                last_line_start,
                new_bytes: len - carry_len,
            };
            return tx.send(Ok(w)).is_ok();
        }
        let b = acc.as_bytes();
        let cut = carry_len
            + memchr::memrchr(b'\n', &b[carry_len..]).expect("a newline after the carry")
            + 1;
        let rest = acc[cut..].to_string();
        acc.truncate(cut);
        let last_line_start =
            memchr::memrchr(b'\n', &acc.as_bytes()[..cut - 1]).map_or(0, |p| p + 1);
        let next = acc[last_line_start..].to_string();
        let w = Window {
            name: name.clone(),
            new_bytes: cut - carry_len,
            text: acc,
            first,
            last: false,
            own_from,
            own_until: cut - 1,
            last_line_start,
        };
        if tx.send(Ok(w)).is_err() {
            return false;
        }
        carry_len = next.len();
        acc = next;
        acc.push_str(&rest);
        first = false;
    }
}

/// Reads a byte stream as UTF-8 text; from the first invalid byte on,
/// decodes with the fallback encoding, or fails naming the byte offset.
struct TextDecoder {
    reader: Box<dyn Read + Send>,
    name: Arc<str>,
    enc: InputEncoding,
    legacy: Option<encoding_rs::Decoder>,
    /// An incomplete UTF-8 sequence at the end of the last chunk.
    pending: Vec<u8>,
    /// Bytes of the stream consumed before `pending`.
    offset: u64,
    /// Newlines in the text produced so far (for error messages).
    lines: u64,
    buf: Vec<u8>,
}

impl TextDecoder {
    fn new(reader: Box<dyn Read + Send>, name: Arc<str>, enc: InputEncoding) -> TextDecoder {
        TextDecoder {
            reader,
            name,
            enc,
            legacy: None,
            pending: Vec::new(),
            offset: 0,
            lines: 0,
            buf: Vec::new(),
        }
    }

    /// Appends up to about `want` bytes of text to `out`; 0 at the end.
    fn read_text(&mut self, out: &mut String, want: usize) -> Result<usize> {
        loop {
            let before = out.len();
            self.buf.clear();
            self.buf.append(&mut self.pending);
            let pend = self.buf.len();
            let n = loop {
                match (&mut self.reader)
                    .take(want as u64)
                    .read_to_end(&mut self.buf)
                {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(&*self.name, e)),
                }
            };
            let eof = n == 0;
            if let Some(dec) = self.legacy.as_mut() {
                decode_legacy(dec, &self.buf, out, eof);
                self.offset += self.buf.len() as u64;
                return Ok(out.len() - before);
            }
            if eof && pend == 0 {
                return Ok(0);
            }
            let chunk = std::mem::take(&mut self.buf);
            let fast = simdutf8::basic::from_utf8(&chunk).is_ok();
            let r = match if fast {
                Ok(())
            } else {
                std::str::from_utf8(&chunk).map(|_| ())
            } {
                Ok(()) => {
                    // SAFETY: validated just above.
                    out.push_str(unsafe { std::str::from_utf8_unchecked(&chunk) });
                    self.offset += chunk.len() as u64;
                    Ok(())
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    // SAFETY: from_utf8 checked `chunk[..valid]`.
                    out.push_str(unsafe { std::str::from_utf8_unchecked(&chunk[..valid]) });
                    if e.error_len().is_none() && !eof {
                        self.pending.extend_from_slice(&chunk[valid..]);
                        self.offset += valid as u64;
                        Ok(())
                    } else {
                        self.lines +=
                            memchr::memchr_iter(b'\n', &out.as_bytes()[before..]).count() as u64;
                        self.switch(&chunk[valid..], out, eof, self.offset + valid as u64)
                            .map(|_| self.offset += chunk.len() as u64)
                    }
                }
            };
            self.buf = chunk;
            r?;
            if self.legacy.is_none() {
                self.lines += memchr::memchr_iter(b'\n', &out.as_bytes()[before..]).count() as u64;
            }
            if out.len() > before || eof {
                return Ok(out.len() - before);
            }
            // Only an incomplete sequence was read: read on.
        }
    }

    /// The first invalid byte is at stream offset `at`; `rest` starts there.
    fn switch(&mut self, rest: &[u8], out: &mut String, eof: bool, at: u64) -> Result<()> {
        let encoding = match self.enc {
            InputEncoding::Utf8 => {
                return Err(Error::Data {
                    path: PathBuf::from(&*self.name),
                    line: self.lines + 1,
                    reason: format!(
                        "invalid UTF-8 at byte offset {at}; name the encoding with --input-encoding (such as euc-kr) or use auto"
                    ),
                })
            }
            InputEncoding::Fallback(e) => e,
            InputEncoding::Auto => {
                let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                det.feed(rest, eof);
                det.guess(None, chardetng::Utf8Detection::Deny)
            }
        };
        let mut dec = encoding.new_decoder_without_bom_handling();
        decode_legacy(&mut dec, rest, out, eof);
        self.legacy = Some(dec);
        Ok(())
    }
}

fn decode_legacy(dec: &mut encoding_rs::Decoder, mut src: &[u8], out: &mut String, last: bool) {
    loop {
        let need = dec
            .max_utf8_buffer_length(src.len())
            .unwrap_or(src.len() * 3 + 16);
        out.reserve(need);
        let (res, read, _) = dec.decode_to_string(src, out, last);
        src = &src[read..];
        if res == encoding_rs::CoderResult::InputEmpty {
            return;
        }
    }
}

/// Writes cleaned windows in order, per document.
#[derive(Default)]
struct DocWriter {
    /// Offset in the current window from which text is still to be written.
    resume: usize,
    /// Code points before the current window's start.
    char_base: u64,
    doc_spans: u64,
    /// `--repair-mojibake`: the current document's repair.
    repair: Option<Repair>,
}

/// Writes cleaned text: straight to the output, or through the repair.
fn emit(
    repair: &mut Option<Repair>,
    output: &mut dyn Write,
    text: &str,
    summary: &mut Summary,
) -> Result<()> {
    match repair {
        Some(r) => r.pend.push_str(text),
        None => {
            output
                .write_all(text.as_bytes())
                .map_err(|e| Error::io("(output)", e))?;
            summary.bytes_out += text.len() as u64;
        }
    }
    Ok(())
}

impl DocWriter {
    fn write(
        &mut self,
        c: Cleaned,
        stats: Option<&crate::JoinStats>,
        sinks: &mut Sinks<'_>,
        counters: &Counters,
        summary: &mut Summary,
    ) -> Result<()> {
        let Cleaned { window: w, spans } = c;
        let spans = spans.map_err(|reason| Error::Data {
            path: PathBuf::from(&*w.name),
            line: 0,
            reason,
        })?;
        let want_spans = sinks.spans.is_some() || sinks.report.is_some();
        let id_json = sinks::json_string(&w.name);
        if w.first {
            self.resume = 0;
            self.char_base = 0;
            self.doc_spans = 0;
            if let Some(r) = self.repair.as_mut() {
                *r = Repair::default();
            }
            if let Some(s) = sinks.spans.as_deref_mut() {
                sinks::spans_open(s, &id_json).map_err(|e| Error::io("(spans)", e))?;
            }
        }
        let text = &w.text;
        let mut at = self.resume.max(w.own_from);
        // Code-point cursor for span offsets.
        let (mut cb, mut cc) = (0usize, 0u64);
        for s in &spans {
            let start = s.start.max(at);
            if start >= s.end {
                continue;
            }
            emit(&mut self.repair, sinks.output, &text[at..start], summary)?;
            at = s.end;
            if want_spans {
                cc += text[cb..start].chars().count() as u64;
                let a = self.char_base + cc;
                cc += text[start..s.end].chars().count() as u64;
                cb = s.end;
                let rec = SpanRecord {
                    start: a,
                    end: self.char_base + cc,
                    score: s.score,
                    fragment: text[start..s.end].to_string(),
                };
                if let Some(r) = self.repair.as_mut() {
                    r.removed_at(rec.start, rec.end);
                }
                if let Some(sw) = sinks.spans.as_deref_mut() {
                    sinks::spans_item(sw, self.doc_spans == 0, &rec)
                        .map_err(|e| Error::io("(spans)", e))?;
                }
                if let Some(rw) = sinks.report.as_deref_mut() {
                    sinks::report_row(rw, &w.name, &rec, self.repair.is_some())
                        .map_err(|e| Error::io("(report)", e))?;
                }
            }
            self.doc_spans += 1;
        }
        let stop = if w.last { text.len() } else { w.own_until };
        if at < stop {
            emit(&mut self.repair, sinks.output, &text[at..stop], summary)?;
            at = stop;
        }
        let mut doc_repairs = 0;
        if let Some(r) = self.repair.as_mut() {
            r.flush(w.last, stats, &w.name, want_spans, sinks, summary)?;
            doc_repairs = r.count;
        }
        if want_spans {
            let lls = w.last_line_start;
            self.char_base += if cb <= lls {
                cc + text[cb..lls].chars().count() as u64
            } else {
                cc - text[lls..cb].chars().count() as u64
            };
        }
        self.resume = at - w.last_line_start;
        summary.bytes_in += w.new_bytes as u64;
        counters
            .bytes_in
            .fetch_add(w.new_bytes as u64, Ordering::Relaxed);
        if w.last {
            summary.documents += 1;
            summary.spans += self.doc_spans;
            if self.doc_spans > 0 || doc_repairs > 0 {
                summary.changed += 1;
            }
            counters.documents.fetch_add(1, Ordering::Relaxed);
            if let Some(s) = sinks.spans.as_deref_mut() {
                let spans_err = |e| Error::io("(spans)", e);
                if let Some(r) = &self.repair {
                    sinks::repairs_open(s).map_err(spans_err)?;
                    s.write_all(&r.items).map_err(spans_err)?;
                }
                sinks::spans_close(s).map_err(spans_err)?;
            }
        }
        Ok(())
    }
}

/// One document's `--repair-mojibake` (see the module docs): the cleaned
/// text is held until its line is whole, then repaired and written; the
/// repairs' code points are moved back past the spans removed before them,
/// so they name the input document's characters as the removed spans do.
#[derive(Default)]
struct Repair {
    /// Cleaned text not yet repaired: the unfinished last line.
    pend: String,
    state: DocState,
    /// Code points of cleaned text repaired before `pend` (with spans only).
    out_chars: u64,
    /// Removed spans not yet passed: where they were in the cleaned text and
    /// how many code points, both in code points.
    gaps: VecDeque<(u64, u64)>,
    /// Code points removed before the first of `gaps`.
    gone: u64,
    /// Code points removed in the document so far.
    removed: u64,
    /// The repair attribute's items: they follow the removed spans on the
    /// document's spans line, so they wait for its end.
    items: Vec<u8>,
    /// Runs repaired in the document so far.
    count: u64,
}

impl Repair {
    /// A span removed at input code points `start..end`.
    fn removed_at(&mut self, start: u64, end: u64) {
        self.gaps.push_back((start - self.removed, end - start));
        self.removed += end - start;
    }

    /// Repairs and writes the pending whole lines: all of them at the end of
    /// the document.
    fn flush(
        &mut self,
        all: bool,
        stats: Option<&crate::JoinStats>,
        name: &str,
        want_spans: bool,
        sinks: &mut Sinks<'_>,
        summary: &mut Summary,
    ) -> Result<()> {
        let cut = if all {
            self.pend.len()
        } else {
            match memchr::memrchr(b'\n', self.pend.as_bytes()) {
                Some(p) => p + 1,
                None => return Ok(()),
            }
        };
        if cut == 0 {
            return Ok(());
        }
        let part = &self.pend[..cut];
        let state = &mut self.state;
        let repaired = std::panic::catch_unwind(AssertUnwindSafe(|| {
            crate::repair::repair_part(part, stats, state)
        }))
        .map_err(|p| Error::Data {
            path: PathBuf::from(name),
            line: 0,
            reason: format!("repair: {}", super::jsonl::panic_reason(&*p)),
        })?;
        sinks
            .output
            .write_all(repaired.text.as_bytes())
            .map_err(|e| Error::io("(output)", e))?;
        summary.bytes_out += repaired.text.len() as u64;
        summary.repaired += repaired.replacements.len() as u64;
        if want_spans {
            let records = self.records(part, &repaired);
            let part_chars = part.chars().count() as u64;
            for rec in &records {
                // Writing to a Vec cannot fail.
                let _ = sinks::repair_item(&mut self.items, self.count == 0, rec);
                self.count += 1;
                if let Some(rw) = sinks.report.as_deref_mut() {
                    sinks::repair_row(rw, name, rec).map_err(|e| Error::io("(report)", e))?;
                }
            }
            self.out_chars += part_chars;
            while let Some(&(at, len)) = self.gaps.front() {
                if at >= self.out_chars {
                    break;
                }
                self.gone += len;
                self.gaps.pop_front();
            }
        } else {
            self.count += repaired.replacements.len() as u64;
        }
        self.pend.drain(..cut);
        Ok(())
    }

    /// The repairs of `part` (the pending text just repaired) in code points
    /// of the input document: a start stays after a span removed at the same
    /// point, an end before it, as in JSONL.
    fn records(&self, part: &str, repaired: &Repaired) -> Vec<RepairRecord> {
        let (mut gs, mut gone_s) = (0, self.gone);
        let (mut ge, mut gone_e) = (0, self.gone);
        // Char-to-byte cursor over `part`: the offsets only grow.
        let (mut cc, mut cb) = (0usize, 0usize);
        let mut byte_at = |c: usize| {
            for ch in part[cb..].chars() {
                if cc == c {
                    break;
                }
                cc += 1;
                cb += ch.len_utf8();
            }
            cb
        };
        let mut out = Vec::with_capacity(repaired.replacements.len());
        for r in &repaired.replacements {
            let start = self.out_chars + r.start as u64;
            while let Some(&(at, len)) = self.gaps.get(gs) {
                if at > start {
                    break;
                }
                gone_s += len;
                gs += 1;
            }
            let end = self.out_chars + r.end as u64;
            while let Some(&(at, len)) = self.gaps.get(ge) {
                if at >= end {
                    break;
                }
                gone_e += len;
                ge += 1;
            }
            let (a, b) = (byte_at(r.start), byte_at(r.end));
            out.push(RepairRecord {
                start: start + gone_s,
                end: end + gone_e,
                found: part[a..b].to_string(),
                text: r.text.clone(),
            });
        }
        out
    }
}
