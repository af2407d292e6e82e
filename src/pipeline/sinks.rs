//! Span outputs: the dolma attribute file and the CSV report.
//!
//! Attribute file (`--spans`): one line per input document, in input order,
//! refused JSONL lines included (with no spans), so it stays aligned with the
//! input file as dolma's mixer expects:
//! `{"id": ..., "attributes": {"spamsplice__gambling_injection": [[start, end, score], ...]}}`
//! with offsets in Unicode code points of the input text.
//!
//! With `--repair-mojibake`, each line's attributes also hold
//! `"spamsplice__mojibake_repair": [[start, end, "text"], ...]`: the runs
//! read back to Hangul, in code points of the input text, with the text now
//! standing in their place.
//!
//! Report (`--report`): CSV with a header, one row per removed span:
//! `id,start,end,score,fragment,decoded` (code-point offsets; `fragment` is
//! the text as found; `decoded` its Hangul reading by
//! [`crate::encoding::decode_hangul`], empty when it has none). With
//! `--repair-mojibake` a seventh column, `action`, reads `removed` or
//! `repaired`; a repaired row has no score, `fragment` the mojibake as
//! found and `decoded` the text written in its place.

use std::io::{self, Write};

/// The attribute name written to the spans file.
pub const ATTRIBUTE: &str = "spamsplice__gambling_injection";

/// The attribute name of the repaired runs (`--repair-mojibake`).
pub const REPAIR_ATTRIBUTE: &str = "spamsplice__mojibake_repair";

/// One repaired run as the sinks see it.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairRecord {
    /// Code-point offsets in the document's input text.
    pub start: u64,
    /// Code point offset just past the run.
    pub end: u64,
    /// The mojibake as found.
    pub found: String,
    /// The text written in its place.
    pub text: String,
}

/// One removed span as the sinks see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    /// Code-point offsets in the document's input text.
    pub start: u64,
    /// Code point offset just past the span.
    pub end: u64,
    /// The span's score.
    pub score: f32,
    /// The removed text, as found.
    pub fragment: String,
}

/// The report's header; `repair` adds the `action` column.
pub(crate) fn write_report_header(w: &mut dyn Write, repair: bool) -> io::Result<()> {
    w.write_all(if repair {
        b"id,start,end,score,fragment,decoded,action\n" as &[u8]
    } else {
        b"id,start,end,score,fragment,decoded\n"
    })
}

/// A finite score as JSON (NaN or infinity would make invalid JSON).
pub(crate) fn score_str(s: f32) -> String {
    let s = if s.is_finite() { s } else { 0.0 };
    format!("{s}")
}

/// Starts a spans line; `id_json` is a JSON value as written.
pub(crate) fn spans_open(w: &mut dyn Write, id_json: &[u8]) -> io::Result<()> {
    w.write_all(b"{\"id\": ")?;
    w.write_all(id_json)?;
    write!(w, ", \"attributes\": {{\"{ATTRIBUTE}\": [")
}

pub(crate) fn spans_item(w: &mut dyn Write, first: bool, s: &SpanRecord) -> io::Result<()> {
    if !first {
        w.write_all(b", ")?;
    }
    write!(w, "[{}, {}, {}]", s.start, s.end, score_str(s.score))
}

pub(crate) fn spans_close(w: &mut dyn Write) -> io::Result<()> {
    w.write_all(b"]}}\n")
}

/// A whole spans line; `repairs`, when repair is on, adds its attribute
/// (empty or not, so every line of a run has the same keys).
pub(crate) fn spans_line(
    w: &mut dyn Write,
    id_json: &[u8],
    spans: &[SpanRecord],
    repairs: Option<&[RepairRecord]>,
) -> io::Result<()> {
    spans_open(w, id_json)?;
    for (i, s) in spans.iter().enumerate() {
        spans_item(w, i == 0, s)?;
    }
    if let Some(repairs) = repairs {
        repairs_open(w)?;
        for (i, r) in repairs.iter().enumerate() {
            repair_item(w, i == 0, r)?;
        }
    }
    spans_close(w)
}

/// Ends a spans line's removed spans and opens its repairs (close the line
/// with [`spans_close`]).
pub(crate) fn repairs_open(w: &mut dyn Write) -> io::Result<()> {
    write!(w, "], \"{REPAIR_ATTRIBUTE}\": [")
}

pub(crate) fn repair_item(w: &mut dyn Write, first: bool, r: &RepairRecord) -> io::Result<()> {
    if !first {
        w.write_all(b", ")?;
    }
    write!(w, "[{}, {}, ", r.start, r.end)?;
    w.write_all(&json_string(&r.text))?;
    w.write_all(b"]")
}

/// The Hangul reading of a fragment (empty when it has none).
fn decoded(fragment: &str) -> String {
    std::panic::catch_unwind(|| crate::encoding::decode_hangul(fragment))
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn csv_field(w: &mut dyn Write, s: &str) -> io::Result<()> {
    if s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
        || s.starts_with(' ')
        || s.ends_with(' ')
    {
        w.write_all(b"\"")?;
        w.write_all(s.replace('"', "\"\"").as_bytes())?;
        w.write_all(b"\"")
    } else {
        w.write_all(s.as_bytes())
    }
}

/// A removed span's report row; `repair` adds the `action` column.
pub(crate) fn report_row(
    w: &mut dyn Write,
    id: &str,
    s: &SpanRecord,
    repair: bool,
) -> io::Result<()> {
    csv_field(w, id)?;
    write!(w, ",{},{},{},", s.start, s.end, score_str(s.score))?;
    csv_field(w, &s.fragment)?;
    w.write_all(b",")?;
    csv_field(w, &decoded(&s.fragment))?;
    w.write_all(if repair {
        b",removed\n" as &[u8]
    } else {
        b"\n"
    })
}

/// A repaired run's report row (the report has the `action` column).
pub(crate) fn repair_row(w: &mut dyn Write, id: &str, r: &RepairRecord) -> io::Result<()> {
    csv_field(w, id)?;
    write!(w, ",{},{},,", r.start, r.end)?;
    csv_field(w, &r.found)?;
    w.write_all(b",")?;
    csv_field(w, &r.text)?;
    w.write_all(b",repaired\n")
}

/// A JSON string literal for `s` (for text-mode ids and fallback ids).
pub(crate) fn json_string(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_else(|_| b"null".to_vec())
}

/// The id as a person reads it: a JSON string unquoted, anything else as written.
pub(crate) fn id_display(id_json: &[u8]) -> String {
    match serde_json::from_slice::<String>(id_json) {
        Ok(s) => s,
        Err(_) => String::from_utf8_lossy(id_json).into_owned(),
    }
}
