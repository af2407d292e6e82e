//! Labeled documents: the CSV that `spamsplice synth` writes and `train` and
//! `eval` read (`id, lang, slice, text, clean, spans`).

use std::path::Path;

use crate::error::{Error, Result};

/// One labeled document. `spans` are byte ranges of `text` to delete.
#[derive(Debug, Clone)]
pub struct Example {
    /// The document's id.
    pub id: String,
    /// Its host language (`en`, `ko`, ...).
    pub lang: String,
    /// Its slice (style, encoding, host).
    pub slice: String,
    /// The text with spam injected (or clean).
    pub text: String,
    /// The text as written: `text` with `spans` deleted.
    pub clean: String,
    /// The injected byte ranges of `text`.
    pub spans: Vec<(usize, usize)>,
}

impl Example {
    /// Whether the document carries spam.
    pub fn injected(&self) -> bool {
        !self.spans.is_empty()
    }

    /// True when byte `pos` of `text` lies inside a gold span.
    pub fn inside(&self, pos: usize) -> bool {
        self.spans.iter().any(|&(s, e)| s <= pos && pos < e)
    }
}

#[derive(serde::Deserialize)]
struct RawSpan {
    start: usize,
    end: usize,
    #[serde(default)]
    replace: String,
}

/// Reads a labeled CSV. Errors name the file and the record's line.
pub fn read_csv(path: &Path) -> Result<Vec<Example>> {
    let mut rdr = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    let data_err = |line: u64, reason: String| Error::Data {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let headers = rdr
        .headers()
        .map_err(|e| data_err(1, e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| data_err(1, format!("no `{name}` column")))
    };
    let (ci, cl, cs, ct, cc, cp) = (
        col("id")?,
        col("lang")?,
        col("slice")?,
        col("text")?,
        col("clean")?,
        col("spans")?,
    );
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            data_err(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let text = get(ct);
        let raw: Vec<RawSpan> = serde_json::from_str(rec.get(cp).unwrap_or("[]"))
            .map_err(|e| data_err(line, format!("spans: {e}")))?;
        let spans = to_bytes(&text, &raw).map_err(|r| data_err(line, r))?;
        let clean = get(cc);
        if raw.iter().any(|s| !s.replace.is_empty()) {
            return Err(data_err(
                line,
                "spans with a non-empty `replace` are not deletions".into(),
            ));
        }
        let ex = Example {
            id: get(ci),
            lang: get(cl),
            slice: get(cs),
            text,
            clean,
            spans,
        };
        if crate::span::Cleaned::from_spans(
            &ex.text,
            ex.spans
                .iter()
                .map(|&(start, end)| crate::Span {
                    start,
                    end,
                    score: 1.0,
                })
                .collect(),
        )
        .text
            != ex.clean
        {
            return Err(data_err(
                line,
                "spans applied to `text` do not give `clean`".into(),
            ));
        }
        out.push(ex);
    }
    Ok(out)
}

/// Code-point spans to byte spans, sorted.
fn to_bytes(text: &str, raw: &[RawSpan]) -> std::result::Result<Vec<(usize, usize)>, String> {
    let mut offs: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    offs.push(text.len());
    let mut v = Vec::with_capacity(raw.len());
    for s in raw {
        if s.start > s.end || s.end >= offs.len() {
            return Err(format!("span {}..{} outside the text", s.start, s.end));
        }
        v.push((offs[s.start], offs[s.end]));
    }
    v.sort();
    if v.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err("overlapping spans".into());
    }
    Ok(v)
}
