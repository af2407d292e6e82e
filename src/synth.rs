//! Labeled training data: clean articles with gambling-spam fragments
//! injected the way the web does it, and the exact truth of every injection.
//!
//! `spamsplice synth` reads clean JSONL corpora (`id`, `text`, optional
//! `lang`) and writes `train.csv`, `dev.csv` and `test.csv` with the columns
//! `id, lang, slice, text, clean, spans` ([`write_csvs`]).
//!
//! # One injected document
//! * **Host** ([`Host`]): an English or Korean article, paragraphs separated
//!   by `\n` or `\n\n` (converted either way), as clean UTF-8 (`utf8`), as
//!   the seed's English page served as CP949 and read as Latin-1 then ftfy'd
//!   (`cp949punct`: `’` → `¡¯`, dashes → `?`), or as a whole Korean article
//!   CP949 → Latin-1 → ftfy (`mojibake`).
//! * **Fragments** ([`compose`]): 1–6 compositions of lexicon terms, the way
//!   spam is written: one compound (`릴게임5만`, `황금성사이트`), a run of two
//!   or three words (`야마토 게임 다운로드`), or a keyword with a domain
//!   (`바카라사이트 sogo99.com`). Each holds at least one Korean term, so a
//!   pure-ASCII document never carries spam.
//! * **Encoding** ([`FragEnc`], one per document): `ftfy` (CP949 → Latin-1 →
//!   ftfy, the seed's form), `latin1`, `cp1252`, `utf8`, `utf8-1252`,
//!   `obfuscated` (`바@카@라`, `ＳＯＧＯ９．ＣＯＭ`, `W W W . S O G O . C O M`).
//!   `mojibake` hosts take `ftfy` or `latin1` spam; `cp949punct` hosts `ftfy`,
//!   `latin1` or `cp1252`; `utf8` hosts any.
//! * **Style** ([`Style`], one per document), at most one fragment a line:
//!   S1 `"\n" + F + " "` at a char offset inside a line, mostly mid-word
//!   (`restorin\nF g`), sometimes at a space, whose space then stays on
//!   the right (`Nov. 1,\nF in`); S2 `F + " "` before a word inside a line;
//!   S3 F as a line of its own; S4 `" " + F` at the end of a line.
//! * **The test split's extra shapes**, drawn from a stream of their own so
//!   train and dev are as without them (a tenth of its injected documents
//!   each): S5, a fragment glued into an English word with no whitespace
//!   (`posiFtion`), or with a domain at its end glued to a word's end; S6,
//!   two fragments at one cut (`bi\nF1\nF2 lateral`); and CRLF, every line
//!   break of the document `\r\n`, the injection's too (slice suffix
//!   `.crlf`). Detection reads glued runs and CRLF pages through views
//!   (the unglued view and the LF view of `restore` and `span`) that turn them into
//!   the shapes training holds, so training on them raw would teach what
//!   the model never sees.
//!
//! # Spans
//! Every injection is a pure insertion, so restoration is a pure deletion
//! (as dolma's mixer does it): each span has `replace: ""` and covers exactly
//! the inserted text, glue included: S1 mid-word `\nF `, S1 at a space `\nF`,
//! S2 `F `, S3 `F\n` (or `\nF` after a last line without newline), S4 ` F`,
//! S5 `F`, S6 `\nF1\nF2 ` (or `\nF1\nF2`).
//! Offsets are Unicode code points of `text`; deleting the spans right to
//! left gives `clean` exactly.
//!
//! # Clean documents
//! A share of the documents (`clean_share`, default 0.5) carry no spam: the
//! same English and Korean hosts in every host variant (so the host mojibake
//! itself is a hard negative), every other corpus (Chinese, Japanese,
//! European languages, English with accented names), and hand-written news
//! that legitimately discusses gambling (`data/negatives/`), alone or spliced
//! between paragraphs of a real article (`{lang}.gambling-news.clean.none`).
//!
//! # Slices
//! `slice` is `{lang}.{host}.{style}.{enc}`: `en.cp949punct.s1.ftfy`,
//! `ko.mojibake.s3.latin1`, `en.utf8.clean.none`, `ko.gambling-news.clean.none`.
//!
//! # Splits
//! By article: `stable_hash(corpus, id)` puts 80% of the source articles in
//! train, 10% in dev, 10% in test, and every document made from an article
//! goes to that article's split (the hand-written negatives are dealt by
//! paragraph, 40/45/15: see [`negatives`]). By term: the lexicon's head terms
//! (names, genres) are partitioned ~70/15/15 ([`Lexicon::head_split`]) and a
//! split's fragments draw their head terms from that split's set only, so
//! test spam uses names and genres training never saw. Suffixes and domain
//! shapes are shared.
//!
//! Two exceptions, both knobs of [`Config`]. A share of the dev split's
//! injected documents (`known_share`) draws its terms from the train set:
//! the web's spam mixes names a lexicon knows with new ones, and the token
//! model, fitted on dev, must learn to trust a lexical score that knows its
//! term as well as to judge one that does not. And `test_terms` can point
//! the test split at another set: with `train`, the test file measures known
//! spam in articles never seen, a probe beside the unseen-term bar.
//!
//! # Determinism
//! Document `i` is generated from ChaCha8 seeded with `seed` on stream `i`,
//! independent of threads; inputs are read in the order given and no hash-map
//! order reaches the output.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::chars::is_hangul;
use crate::encoding::forward;
use crate::error::{Error, Result};
use crate::hash::fnv64 as stable_hash;
pub use crate::lexicon::Split;
use crate::lexicon::{Lexicon, Role};

/// Hand-written news paragraphs that discuss gambling legitimately.
pub const NEGATIVES: [(&str, &str); 2] = [
    ("ko", include_str!("../data/negatives/gambling_news_ko.txt")),
    ("en", include_str!("../data/negatives/gambling_news_en.txt")),
];

/// Where a fragment goes and with what glue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// `"\n" + F + " "` at a char offset inside a line.
    S1,
    /// `F + " "` before a word inside a line.
    S2,
    /// F as a line of its own.
    S3,
    /// `" " + F` at the end of a line.
    S4,
    /// F glued into a word, no whitespace either side (`posiFtion`), its
    /// words run together; or, with a domain at its end, glued to a word's
    /// end before the article's space (`positionF대박abc123.net ahead`).
    /// English hosts, test split only (see the module doc).
    S5,
    /// Two fragments at one cut: `"\n" + F1 + "\n" + F2 + " "` where S1
    /// puts one (`bi\nF1\nF2 lateral`), removed as one run.
    S6,
}

impl Style {
    /// Every style.
    pub const ALL: [Style; 6] = [
        Style::S1,
        Style::S2,
        Style::S3,
        Style::S4,
        Style::S5,
        Style::S6,
    ];
    /// Its name in slice labels.
    pub fn name(self) -> &'static str {
        match self {
            Style::S1 => "s1",
            Style::S2 => "s2",
            Style::S3 => "s3",
            Style::S4 => "s4",
            Style::S5 => "s5",
            Style::S6 => "s6",
        }
    }
}

/// How a fragment's text was mangled on its way into the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FragEnc {
    /// CP949 → Latin-1 → ftfy (the seed's form).
    Ftfy,
    /// CP949 → Latin-1.
    Latin1,
    /// CP949 → windows-1252 (encoding_rs: undefined bytes → C1 controls).
    Cp1252,
    /// Raw Hangul.
    Utf8,
    /// UTF-8 → windows-1252 (`ë°”ë‹¤`).
    Utf8As1252,
    /// Raw Hangul with symbols between syllables, full-width or spaced domains.
    Obfuscated,
}

impl FragEnc {
    /// Every fragment encoding.
    pub const ALL: [FragEnc; 6] = [
        FragEnc::Ftfy,
        FragEnc::Latin1,
        FragEnc::Cp1252,
        FragEnc::Utf8,
        FragEnc::Utf8As1252,
        FragEnc::Obfuscated,
    ];
    /// Its name in slice labels.
    pub fn name(self) -> &'static str {
        match self {
            FragEnc::Ftfy => "ftfy",
            FragEnc::Latin1 => "latin1",
            FragEnc::Cp1252 => "cp1252",
            FragEnc::Utf8 => "utf8",
            FragEnc::Utf8As1252 => "utf8-1252",
            FragEnc::Obfuscated => "obfuscated",
        }
    }
}

/// How the host article reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    /// Clean UTF-8, as in the corpus.
    Utf8,
    /// English served as CP949, read as Latin-1, ftfy'd (the seed's host).
    Cp949Punct,
    /// A whole Korean article CP949 → Latin-1 → ftfy.
    Mojibake,
}

impl Host {
    /// Every host encoding.
    pub const ALL: [Host; 3] = [Host::Utf8, Host::Cp949Punct, Host::Mojibake];
    /// Its name in slice labels.
    pub fn name(self) -> &'static str {
        match self {
            Host::Utf8 => "utf8",
            Host::Cp949Punct => "cp949punct",
            Host::Mojibake => "mojibake",
        }
    }

    /// The host text as it would reach us; None if it cannot be made.
    pub fn apply(self, text: &str) -> Option<String> {
        match self {
            Host::Utf8 => Some(text.to_string()),
            Host::Cp949Punct => Some(forward::cp949_punct_host(text)),
            Host::Mojibake => {
                forward::cp949_bytes(text).map(|b| forward::ftfy_fix(&forward::latin1(&b)))
            }
        }
    }
}

/// A clean source article.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// The corpus it came from.
    pub corpus: String,
    /// Its id.
    pub id: String,
    /// Its language.
    pub lang: String,
    /// Its text.
    pub text: String,
    /// The split it belongs to.
    pub split: Split,
}

/// A deleted range of `text` in code points; `replace` is always "".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CharSpan {
    /// Code point offset where the span starts.
    pub start: usize,
    /// Code point offset just past the span.
    pub end: usize,
    /// What replaces it (always empty: a deletion).
    pub replace: String,
}

/// One generated document.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its id.
    pub id: String,
    /// Its language.
    pub lang: String,
    /// Its slice label (style, encoding, host).
    pub slice: String,
    /// Its text.
    pub text: String,
    /// The text as written, without spam.
    pub clean: String,
    /// The injected spans.
    pub spans: Vec<CharSpan>,
    /// The split it belongs to.
    pub split: Split,
    /// The head terms the fragments were composed from (not written out).
    pub heads: Vec<String>,
    /// The fragments as injected (not written out).
    pub fragments: Vec<String>,
}

/// Generation settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Seed of every random choice.
    pub seed: u64,
    /// Documents to generate.
    pub docs: usize,
    /// Share of documents without spam.
    pub clean_share: f64,
    /// Share of the dev split's injected documents whose spam is composed
    /// from the train split's terms (see the module doc).
    pub known_share: f64,
    /// The term set the test split's spam is composed from.
    pub test_terms: Split,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            docs: 20_000,
            clean_share: 0.5,
            known_share: 0.25,
            test_terms: Split::Test,
        }
    }
}

// ---------------------------------------------------------------- reading

const LANGS: [&str; 11] = [
    "en", "ko", "zh", "ja", "de", "fr", "es", "pt", "tr", "ru", "vi",
];

/// The split of a source article: 80/10/10 by a stable hash of corpus and id.
pub fn article_split(corpus: &str, id: &str) -> Split {
    let h = stable_hash(format!("{corpus}\0{id}").as_bytes()) % 100;
    match h {
        0..=79 => Split::Train,
        80..=89 => Split::Dev,
        _ => Split::Test,
    }
}

fn corpus_name(path: &Path) -> String {
    let stem = path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("corpus");
    let stem = stem
        .trim_end_matches(".gz")
        .trim_end_matches(".jsonl")
        .trim_end_matches(".json");
    if stem == "docs" || stem == "data" {
        if let Some(dir) = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
        {
            return dir.to_string();
        }
    }
    stem.to_string()
}

fn guess_lang(corpus: &str, text: &str) -> String {
    for tok in corpus.split(['_', '-', '.']) {
        if LANGS.contains(&tok) {
            return tok.to_string();
        }
    }
    let hangul = text.chars().filter(|&c| is_hangul(c)).count();
    if hangul * 5 > text.chars().count() {
        "ko".into()
    } else {
        "en".into()
    }
}

/// Reads one JSONL corpus (`.jsonl` or `.jsonl.gz`). Each line needs a string
/// `text` and an `id` (string or number); `lang` is taken from the record,
/// else from the corpus name (`bbc_news_en`), else from the script.
pub fn read_corpus(path: &Path) -> Result<Vec<SourceDoc>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let corpus = corpus_name(path);
    let mut docs = Vec::new();
    for (i, line) in BufReader::new(reader).lines().enumerate() {
        let lineno = i as u64 + 1;
        let bad = |reason: String| Error::Data {
            path: path.to_path_buf(),
            line: lineno,
            reason,
        };
        let line = line.map_err(|e| bad(format!("cannot read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let text = v
            .get("text")
            .and_then(|t| t.as_str())
            .ok_or_else(|| bad("no string `text` field".into()))?;
        let id = match v.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(bad("no string or number `id` field".into())),
        };
        let lang = match v.get("lang").and_then(|l| l.as_str()) {
            Some(l) if !l.is_empty() => l.to_string(),
            _ => guess_lang(&corpus, text),
        };
        let split = article_split(&corpus, &id);
        docs.push(SourceDoc {
            corpus: corpus.clone(),
            id,
            lang,
            text: text.replace("\r\n", "\n"),
            split,
        });
    }
    Ok(docs)
}

/// The hand-written gambling-news paragraphs of `data/negatives/`, each
/// an "article" with its own split: per language, ordered by a stable hash,
/// the first 40% go to train, the next 45% to dev, the last 15% to test (at
/// least one each), so test measures paragraphs training never saw. Dev
/// gets the most: what these paragraphs teach is that a gambling word can
/// be news in its place (glossed, quoted, in a sentence about it), which
/// the token models fitted on dev learn; the lexical scorer fitted on train
/// sees the same words as spam elsewhere and learns little from them.
pub fn negatives() -> Vec<SourceDoc> {
    let mut out = Vec::new();
    for (lang, text) in NEGATIVES {
        let mut paras: Vec<&str> = text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('#'))
            .collect();
        paras.sort_by_key(|p| stable_hash(p.as_bytes()));
        let n = paras.len();
        let held = (n * 15 / 100).max(1);
        let dev = (n * 45 / 100).max(1);
        for (r, p) in paras.into_iter().enumerate() {
            let split = if r + held >= n {
                Split::Test
            } else if r + held + dev >= n {
                Split::Dev
            } else {
                Split::Train
            };
            out.push(SourceDoc {
                corpus: format!("negatives_{lang}"),
                id: format!("{r:02}"),
                lang: lang.to_string(),
                text: p.to_string(),
                split,
            });
        }
    }
    out
}

// ---------------------------------------------------------------- fragments

/// A composed fragment before encoding: words, each Korean or a domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    /// Its words, in order.
    pub words: Vec<Word>,
    /// The head terms it was composed from.
    pub heads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
/// One word of a composed fragment.
pub enum Word {
    /// A Korean word made of terms, e.g. `["황금성", "사이트"]`.
    Korean(Vec<String>),
    /// An ASCII domain.
    Domain(String),
}

impl Composed {
    /// The fragment as raw UTF-8.
    pub fn plain(&self) -> String {
        self.words
            .iter()
            .map(|w| match w {
                Word::Korean(t) => t.concat(),
                Word::Domain(d) => d.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn pick<'a, R: Rng>(rng: &mut R, v: &[&'a str]) -> &'a str {
    v[rng.gen_range(0..v.len())]
}

/// A domain from the lexicon's shapes and stems: `sogo99.com`.
pub fn domain<R: Rng>(lex: &Lexicon, rng: &mut R) -> String {
    let shapes: Vec<&str> = lex.terms(Role::Domain).collect();
    let stems: Vec<&str> = lex.terms(Role::Stem).collect();
    let shape = pick(rng, &shapes);
    let digits = rng.gen_range(2..=4);
    let num: String = (0..digits)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    let s1 = pick(rng, &stems);
    let mut s2 = pick(rng, &stems);
    while s2 == s1 {
        s2 = pick(rng, &stems);
    }
    shape
        .replace("{stem2}", s2)
        .replace("{stem}", s1)
        .replace("{num}", &num)
}

/// Share of a page's later heads repeated from its earlier fragments.
const CAMPAIGN_REUSE: f64 = 0.4;

/// Share of training compounds whose name is invented ([`compose`]).
const PSEUDO_NAME_SHARE: f64 = 0.3;

/// Composes one fragment for `split`, drawing head terms from that split's
/// share of the lexicon only.
///
/// `campaign` holds the head terms the page's earlier fragments used: a
/// spam page pushes one site, so a head is drawn again from it
/// (`CAMPAIGN_REUSE` of the time) and the page repeats its names.
pub fn compose<R: Rng>(lex: &Lexicon, split: Split, campaign: &[String], rng: &mut R) -> Composed {
    let names = lex.heads(Role::Name, split);
    let genres = lex.heads(Role::Genre, split);
    let suffixes: Vec<&str> = lex.terms(Role::Suffix).collect();
    let mut heads = Vec::new();
    let head = |rng: &mut R, heads: &mut Vec<String>, genre: bool| {
        let t = if !campaign.is_empty() && rng.gen_bool(CAMPAIGN_REUSE) {
            campaign[rng.gen_range(0..campaign.len())].as_str()
        } else if genre {
            pick(rng, &genres)
        } else {
            pick(rng, &names)
        };
        heads.push(t.to_string());
        t.to_string()
    };
    // Training spam also advertises names no lexicon has yet, as real spam
    // does every week: syllables of the split's names recombined, always
    // with a suffix, so a model learns the suffixes and not only the names.
    let syllables: Vec<char> = names
        .iter()
        .flat_map(|n| n.chars())
        .filter(|&c| is_hangul(c))
        .collect();
    let held_out: Vec<&str> = [Split::Dev, Split::Test]
        .iter()
        .flat_map(|&s| {
            lex.heads(Role::Name, s)
                .into_iter()
                .chain(lex.heads(Role::Genre, s))
        })
        .collect();
    let pseudo = |rng: &mut R| -> Option<String> {
        if split != Split::Train || syllables.is_empty() || !rng.gen_bool(PSEUDO_NAME_SHARE) {
            return None;
        }
        let n = rng.gen_range(2..=4);
        let name: String = (0..n)
            .map(|_| syllables[rng.gen_range(0..syllables.len())])
            .collect();
        // Never a held-out term, nor inside one.
        (!held_out
            .iter()
            .any(|h| h.contains(name.as_str()) || name.contains(h)))
        .then_some(name)
    };
    // one Korean compound: name [genre] [suffix] | genre [suffix]
    let compound = |rng: &mut R, heads: &mut Vec<String>| {
        let mut parts = Vec::new();
        let mut invented = false;
        if rng.gen_bool(0.6) {
            match pseudo(rng) {
                Some(name) => {
                    parts.push(name);
                    invented = true;
                }
                None => parts.push(head(rng, heads, false)),
            }
            if rng.gen_bool(0.35) {
                parts.push(head(rng, heads, true));
            }
        } else {
            parts.push(head(rng, heads, true));
        }
        if invented || rng.gen_bool(0.7) {
            parts.push(pick(rng, &suffixes).to_string());
        }
        Word::Korean(parts)
    };
    let r: f64 = rng.gen();
    let words = if r < 0.45 {
        vec![compound(rng, &mut heads)]
    } else if r < 0.8 {
        // a run of two or three words
        let mut w = vec![compound(rng, &mut heads)];
        for _ in 0..rng.gen_range(1..=2) {
            let k = rng.gen_range(0..3);
            w.push(match k {
                0 => Word::Korean(vec![pick(rng, &suffixes).to_string()]),
                1 => Word::Korean(vec![head(rng, &mut heads, true)]),
                _ => compound(rng, &mut heads),
            });
        }
        w
    } else {
        let kw = compound(rng, &mut heads);
        let d = Word::Domain(domain(lex, rng));
        if rng.gen_bool(0.8) {
            vec![kw, d]
        } else {
            vec![d, kw]
        }
    };
    Composed { words, heads }
}

const SYMBOLS: [&str; 12] = ["@", "★", "☆", "♥", "◆", "♣", "*", "#", "^", "~", "♠", "●"];

/// The fragment's text under `enc`; None if it cannot be encoded or would
/// break the layout (a newline, an ASCII space at an edge).
pub fn encode<R: Rng>(c: &Composed, enc: FragEnc, rng: &mut R) -> Option<String> {
    let plain = c.plain();
    let s = match enc {
        FragEnc::Ftfy => forward::cp949_ftfy(&plain)?,
        FragEnc::Latin1 => forward::cp949_latin1(&plain)?,
        FragEnc::Cp1252 => forward::cp949_windows1252(&plain)?,
        FragEnc::Utf8 => plain,
        FragEnc::Utf8As1252 => forward::utf8_as_windows1252(&plain),
        FragEnc::Obfuscated => obfuscate(c, rng),
    };
    let ok = !s.is_empty()
        && !s.contains(['\n', '\r'])
        && !s.starts_with(|ch: char| ch.is_ascii_whitespace())
        && !s.ends_with(|ch: char| ch.is_ascii_whitespace());
    ok.then_some(s)
}

fn obfuscate<R: Rng>(c: &Composed, rng: &mut R) -> String {
    let has_domain = c.words.iter().any(|w| matches!(w, Word::Domain(_)));
    let sym = SYMBOLS[rng.gen_range(0..SYMBOLS.len())];
    // at least one obfuscation: symbols in a Korean word, or a disguised domain
    let symbolize_at = if !has_domain || rng.gen_bool(0.5) {
        let korean: Vec<usize> = (0..c.words.len())
            .filter(|&i| matches!(c.words[i], Word::Korean(_)))
            .collect();
        Some(korean[rng.gen_range(0..korean.len())])
    } else {
        None
    };
    let whole_word = rng.gen_bool(0.5);
    let fw = rng.gen_bool(0.5);
    c.words
        .iter()
        .enumerate()
        .map(|(i, w)| match w {
            Word::Korean(parts) if Some(i) == symbolize_at => {
                if whole_word || parts.len() == 1 {
                    forward::symbol_between(&parts.concat(), sym)
                } else {
                    // only the head term: 바@카@라사이트
                    format!(
                        "{}{}",
                        forward::symbol_between(&parts[0], sym),
                        parts[1..].concat()
                    )
                }
            }
            Word::Korean(parts) => parts.concat(),
            Word::Domain(d) => {
                if fw {
                    forward::fullwidth(d)
                } else {
                    forward::spaced(d)
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- injection

/// Converts paragraph breaks: `double` → one blank line between paragraphs,
/// else a single newline.
pub fn relayout(text: &str, double: bool) -> String {
    let lines: Vec<&str> = text.split('\n').filter(|l| !l.trim().is_empty()).collect();
    lines.join(if double { "\n\n" } else { "\n" })
}

/// Inserts each `(fragment, style)` into `host` at a random place, at most
/// one per line. Returns the text and its spans (code points, sorted), or
/// None if some fragment found no place.
pub fn inject<R: Rng>(
    host: &str,
    frags: &[(String, Style)],
    rng: &mut R,
) -> Option<(String, Vec<CharSpan>)> {
    let chars: Vec<char> = host.chars().collect();
    // line ranges [start, end) in chars, without the '\n'
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            lines.push((start, i));
            start = i + 1;
        }
    }
    lines.push((start, chars.len()));
    let ends_with_newline = chars.last() == Some(&'\n');
    let mut used = vec![false; lines.len() + 1];
    // (insert position, inserted text)
    let mut ins: Vec<(usize, String)> = Vec::new();
    let sp = |c: char| c == ' ';
    let bad = |c: char| c == ' ' || c == '\r';
    for (frag, style) in frags {
        let mut order: Vec<usize> = (0..lines.len()).filter(|&l| !used[l]).collect();
        order.shuffle(rng);
        let mut placed = None;
        for &l in &order {
            let (a, b) = lines[l];
            let cands: Vec<(usize, String)> = match style {
                Style::S1 | Style::S6 => {
                    let mid: Vec<usize> = (a + 1..b)
                        .filter(|&k| !bad(chars[k - 1]) && !bad(chars[k]))
                        .collect();
                    let at_space: Vec<usize> = (a + 1..b.saturating_sub(1))
                        .filter(|&k| sp(chars[k]) && !bad(chars[k - 1]) && !bad(chars[k + 1]))
                        .collect();
                    let use_space = !at_space.is_empty() && (mid.is_empty() || rng.gen_bool(0.3));
                    if use_space {
                        at_space.iter().map(|&k| (k, format!("\n{frag}"))).collect()
                    } else {
                        mid.iter().map(|&k| (k, format!("\n{frag} "))).collect()
                    }
                }
                Style::S2 => (a + 1..b)
                    .filter(|&k| {
                        sp(chars[k - 1]) && !bad(chars[k]) && k >= a + 2 && !bad(chars[k - 2])
                    })
                    .map(|k| (k, format!("{frag} ")))
                    .collect(),
                Style::S3 => {
                    if l + 1 == lines.len() && a == b && ends_with_newline {
                        // the empty tail after a final newline
                        vec![(a, format!("{frag}\n"))]
                    } else if l + 1 == lines.len() && rng.gen_bool(0.5) && !ends_with_newline {
                        vec![(b, format!("\n{frag}"))]
                    } else {
                        vec![(a, format!("{frag}\n"))]
                    }
                }
                Style::S4 => {
                    if b > a && !chars[b - 1].is_whitespace() {
                        vec![(b, format!(" {frag}"))]
                    } else {
                        vec![]
                    }
                }
                Style::S5 => {
                    let letter = |c: char| c.is_ascii_alphabetic();
                    if frag.contains('.') {
                        // A domain ends it: at a word's end, before a space.
                        (a + 2..b)
                            .filter(|&k| {
                                letter(chars[k - 1]) && letter(chars[k - 2]) && sp(chars[k])
                            })
                            .map(|k| (k, frag.clone()))
                            .collect()
                    } else {
                        // Inside a word, two letters either side.
                        (a + 2..b.saturating_sub(1))
                            .filter(|&k| {
                                letter(chars[k - 2])
                                    && letter(chars[k - 1])
                                    && letter(chars[k])
                                    && letter(chars[k + 1])
                            })
                            .map(|k| (k, frag.clone()))
                            .collect()
                    }
                }
            };
            if !cands.is_empty() {
                placed = Some(cands[rng.gen_range(0..cands.len())].clone());
                used[l] = true;
                break;
            }
        }
        ins.push(placed?);
    }
    ins.sort_by_key(|x| x.0);
    let mut text = String::with_capacity(host.len() + ins.iter().map(|x| x.1.len()).sum::<usize>());
    let mut spans = Vec::with_capacity(ins.len());
    let mut at = 0;
    let mut shift = 0;
    for (pos, s) in ins {
        text.extend(&chars[at..pos]);
        let n = s.chars().count();
        spans.push(CharSpan {
            start: pos + shift,
            end: pos + shift + n,
            replace: String::new(),
        });
        text.push_str(&s);
        shift += n;
        at = pos;
    }
    text.extend(&chars[at..]);
    Some((text, spans))
}

/// Applies spans right to left (deleting, or replacing with `replace`).
pub fn apply_spans(text: &str, spans: &[CharSpan]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut sorted: Vec<&CharSpan> = spans.iter().collect();
    sorted.sort_by_key(|s| s.start);
    for s in sorted.into_iter().rev() {
        chars.splice(s.start..s.end, s.replace.chars());
    }
    chars.into_iter().collect()
}

// ---------------------------------------------------------------- generation

/// Source documents indexed by language and corpus, for sampling.
struct Pool<'a> {
    /// (corpus name, docs) for English hosts, Korean hosts, other languages.
    en: Vec<(&'a str, Vec<&'a SourceDoc>)>,
    ko: Vec<(&'a str, Vec<&'a SourceDoc>)>,
    other: Vec<(&'a str, Vec<&'a SourceDoc>)>,
    negatives: Vec<SourceDoc>,
}

impl<'a> Pool<'a> {
    fn new(sources: &'a [SourceDoc]) -> Self {
        let mut by_corpus: Vec<(&str, Vec<&SourceDoc>)> = Vec::new();
        for d in sources {
            match by_corpus.iter_mut().find(|c| c.0 == d.corpus) {
                Some(c) => c.1.push(d),
                None => by_corpus.push((&d.corpus, vec![d])),
            }
        }
        let (mut en, mut ko, mut other) = (Vec::new(), Vec::new(), Vec::new());
        for (name, docs) in by_corpus {
            match docs[0].lang.as_str() {
                "en" => en.push((name, docs)),
                "ko" => ko.push((name, docs)),
                _ => other.push((name, docs)),
            }
        }
        Pool {
            en,
            ko,
            other,
            negatives: negatives(),
        }
    }

    /// A corpus weighted by the square root of its size, then a document.
    fn draw<R: Rng>(group: &[(&'a str, Vec<&'a SourceDoc>)], rng: &mut R) -> Option<&'a SourceDoc> {
        if group.is_empty() {
            return None;
        }
        let w: Vec<f64> = group.iter().map(|g| (g.1.len() as f64).sqrt()).collect();
        let total: f64 = w.iter().sum();
        let mut x = rng.gen::<f64>() * total;
        let mut k = group.len() - 1;
        for (i, wi) in w.iter().enumerate() {
            if x < *wi {
                k = i;
                break;
            }
            x -= wi;
        }
        let docs = &group[k].1;
        Some(docs[rng.gen_range(0..docs.len())])
    }
}

fn weighted<R: Rng, T: Copy>(rng: &mut R, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|x| x.1).sum();
    let mut x = rng.gen_range(0..total);
    for &(t, w) in items {
        if x < w {
            return t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Generates `cfg.docs` documents from `sources` (rows in order of index).
/// `progress` is called with the number of documents done so far.
pub fn generate(
    sources: &[SourceDoc],
    cfg: &Config,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Row>> {
    let pool = Pool::new(sources);
    if pool.en.is_empty() && pool.ko.is_empty() {
        return Err(Error::Other(
            "synth: no English or Korean corpus to inject into".into(),
        ));
    }
    let lex = Lexicon::embedded();
    let done = AtomicUsize::new(0);
    let rows: Vec<Option<Row>> = (0..cfg.docs)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(i as u64);
            let clean = rng.gen_bool(cfg.clean_share.clamp(0.0, 1.0));
            // Drawn from a stream of its own, so the share changes dev's
            // documents only (but for the rare one whose failed attempt then
            // draws a host from another split).
            let mut known_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ KNOWN_SALT);
            known_rng.set_stream(i as u64);
            let known = known_rng.gen_bool(cfg.known_share.clamp(0.0, 1.0));
            let mut shape_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ SHAPE_SALT);
            shape_rng.set_stream(i as u64);
            let mut row = None;
            for _attempt in 0..64 {
                row = if clean {
                    make_clean(&pool, &mut rng)
                } else {
                    let before = rng.clone();
                    let shape = weighted(
                        &mut shape_rng,
                        &[
                            (Shape::Plain, 7),
                            (Shape::Glued, 1),
                            (Shape::TwoAtACut, 1),
                            (Shape::Crlf, 1),
                        ],
                    );
                    let row = make_injected(&pool, lex, cfg, known, &mut rng, shape);
                    if row.is_none() && shape != Shape::Plain {
                        // A shape that found no place: the attempt as it
                        // would have gone without it, so no other split's
                        // document changes.
                        rng = before;
                        make_injected(&pool, lex, cfg, known, &mut rng, Shape::Plain)
                    } else {
                        row
                    }
                };
                if row.is_some() {
                    break;
                }
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(256) || n == cfg.docs {
                progress(n);
            }
            row.map(|mut r| {
                r.id = format!("{}:{i}", r.id);
                r
            })
        })
        .collect();
    Ok(rows.into_iter().flatten().collect())
}

/// Host language and variant for a document, as drawn for injected and
/// same-host clean documents alike.
fn draw_host<'a, R: Rng>(pool: &Pool<'a>, rng: &mut R) -> Option<(&'a SourceDoc, Host)> {
    let en = !pool.en.is_empty() && (pool.ko.is_empty() || rng.gen_bool(0.5));
    let (doc, host) = if en {
        (
            Pool::draw(&pool.en, rng)?,
            if rng.gen_bool(0.5) {
                Host::Utf8
            } else {
                Host::Cp949Punct
            },
        )
    } else {
        (
            Pool::draw(&pool.ko, rng)?,
            if rng.gen_bool(0.55) {
                Host::Utf8
            } else {
                Host::Mojibake
            },
        )
    };
    Some((doc, host))
}

fn host_text<R: Rng>(doc: &SourceDoc, host: Host, rng: &mut R) -> Option<String> {
    let laid = relayout(&doc.text, rng.gen_bool(0.5));
    if laid.chars().count() < 40 {
        return None;
    }
    host.apply(&laid)
}

/// Seeds the stream that decides which dev documents carry known terms.
const KNOWN_SALT: u64 = 0x6b6e_6f77_6e00;

/// The test split's extra shapes of an injected document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Plain,
    /// [`Style::S5`] (English hosts).
    Glued,
    /// [`Style::S6`].
    TwoAtACut,
    /// Every line ends in `\r\n`, the injection's line breaks too.
    Crlf,
}

/// Seeds the stream of the test split's extra shapes.
const SHAPE_SALT: u64 = 0x7368_6170_6500;

/// `text` with every `\n` written `\r\n`, and `spans` (code points) moved
/// with it: a span that starts at a line break takes its `\r`.
fn to_crlf(text: &str, spans: &[CharSpan]) -> (String, Vec<CharSpan>) {
    // Line breaks before each code point offset.
    let mut before = Vec::with_capacity(text.len() + 1);
    let mut n = 0;
    for c in text.chars() {
        before.push(n);
        n += usize::from(c == '\n');
    }
    before.push(n);
    let moved = spans
        .iter()
        .map(|s| CharSpan {
            start: s.start + before[s.start],
            end: s.end + before[s.end],
            replace: s.replace.clone(),
        })
        .collect();
    (text.replace('\n', "\r\n"), moved)
}

fn make_injected<R: Rng>(
    pool: &Pool,
    lex: &Lexicon,
    cfg: &Config,
    known: bool,
    rng: &mut R,
    shape: Shape,
) -> Option<Row> {
    let (doc, host) = draw_host(pool, rng)?;
    let terms = match doc.split {
        Split::Dev if known => Split::Train,
        Split::Test => cfg.test_terms,
        s => s,
    };
    let clean = host_text(doc, host, rng)?;
    let encs: &[(FragEnc, u32)] = match host {
        Host::Utf8 => &[
            (FragEnc::Ftfy, 1),
            (FragEnc::Latin1, 1),
            (FragEnc::Cp1252, 1),
            (FragEnc::Utf8, 1),
            (FragEnc::Utf8As1252, 1),
            (FragEnc::Obfuscated, 1),
        ],
        Host::Cp949Punct => &[
            (FragEnc::Ftfy, 2),
            (FragEnc::Latin1, 1),
            (FragEnc::Cp1252, 1),
        ],
        Host::Mojibake => &[(FragEnc::Ftfy, 3), (FragEnc::Latin1, 2)],
    };
    let enc = weighted(rng, encs);
    let mut style = Style::ALL[rng.gen_range(0..4)];
    // The test split's extra shapes, drawn from a stream of their own so
    // that train and dev come out as without them.
    let shape = if doc.split == Split::Test {
        shape
    } else {
        Shape::Plain
    };
    match shape {
        Shape::Glued if doc.lang == "en" => style = Style::S5,
        Shape::TwoAtACut => style = Style::S6,
        _ => {}
    }
    let n = weighted(
        rng,
        &[(1usize, 30), (2, 25), (3, 18), (4, 12), (5, 9), (6, 6)],
    );
    let mut frags = Vec::with_capacity(n);
    let mut heads = Vec::new();
    let parts = if style == Style::S6 { 2 } else { 1 };
    for _ in 0..n {
        let mut pieces = Vec::with_capacity(parts);
        for _ in 0..parts {
            let mut got = None;
            for _ in 0..8 {
                let c = compose(lex, terms, &heads, rng);
                if let Some(f) = encode(&c, enc, rng) {
                    got = Some((f, c.heads));
                    break;
                }
            }
            let (f, h) = got?;
            heads.extend(h);
            pieces.push(if style == Style::S5 {
                f.replace(' ', "")
            } else {
                f
            });
        }
        frags.push((pieces.join("\n"), style));
    }
    let (mut text, mut spans) = inject(&clean, &frags, rng)?;
    let mut clean = clean;
    let crlf = shape == Shape::Crlf;
    if crlf {
        (text, spans) = to_crlf(&text, &spans);
        clean = clean.replace('\n', "\r\n");
    }
    Some(Row {
        id: format!("{}:{}", doc.corpus, doc.id),
        lang: doc.lang.clone(),
        slice: format!(
            "{}.{}.{}.{}{}",
            doc.lang,
            host.name(),
            style.name(),
            enc.name(),
            if crlf { ".crlf" } else { "" }
        ),
        text,
        clean,
        spans,
        split: doc.split,
        heads,
        fragments: frags.into_iter().map(|f| f.0).collect(),
    })
}

fn clean_row(doc: &SourceDoc, host_name: &str, text: String) -> Row {
    Row {
        id: format!("{}:{}", doc.corpus, doc.id),
        lang: doc.lang.clone(),
        slice: format!("{}.{}.clean.none", doc.lang, host_name),
        text: text.clone(),
        clean: text,
        spans: Vec::new(),
        split: doc.split,
        heads: Vec::new(),
        fragments: Vec::new(),
    }
}

fn make_clean<R: Rng>(pool: &Pool, rng: &mut R) -> Option<Row> {
    let kind = weighted(rng, &[(0u8, 62), (1, 32), (2, 6)]);
    match kind {
        0 => {
            let (doc, host) = draw_host(pool, rng)?;
            let text = host_text(doc, host, rng)?;
            Some(clean_row(doc, host.name(), text))
        }
        1 => {
            let doc = Pool::draw(&pool.other, rng).or_else(|| Pool::draw(&pool.en, rng))?;
            let text = relayout(&doc.text, rng.gen_bool(0.5));
            if text.is_empty() {
                return None;
            }
            Some(clean_row(doc, "utf8", text))
        }
        _ => {
            // hand-written gambling news, alone or spliced into a real article
            let neg = &pool.negatives[rng.gen_range(0..pool.negatives.len())];
            let double = rng.gen_bool(0.5);
            let group = if neg.lang == "ko" { &pool.ko } else { &pool.en };
            if rng.gen_bool(0.5) {
                let mut row = clean_row(neg, "gambling-news", neg.text.clone());
                row.text = relayout(&row.text, double);
                row.clean = row.text.clone();
                return Some(row);
            }
            // a real article of the same language and split
            let mut host = None;
            for _ in 0..32 {
                let d = Pool::draw(group, rng)?;
                if d.split == neg.split {
                    host = Some(d);
                    break;
                }
            }
            let host = host?;
            let mut paras: Vec<String> = relayout(&host.text, false)
                .split('\n')
                .map(str::to_string)
                .collect();
            let at = rng.gen_range(0..=paras.len());
            paras.insert(at, neg.text.clone());
            let text = relayout(&paras.join("\n"), double);
            let mut row = clean_row(host, "gambling-news", text);
            row.lang = neg.lang.clone();
            row.slice = format!("{}.gambling-news.clean.none", neg.lang);
            row.id = format!("{}:{}+{}", host.corpus, host.id, neg.id);
            Some(row)
        }
    }
}

// ---------------------------------------------------------------- output

/// Writes `dir/train.csv`, `dir/dev.csv`, `dir/test.csv`; returns the row
/// counts in that order.
pub fn write_csvs(rows: &[Row], dir: &Path) -> Result<[usize; 3]> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut counts = [0usize; 3];
    for (k, split) in Split::ALL.iter().enumerate() {
        let path = dir.join(format!("{}.csv", split.name()));
        let mut w = csv::Writer::from_path(&path)
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        let werr = |e: csv::Error| Error::Other(format!("{}: {e}", path.display()));
        w.write_record(["id", "lang", "slice", "text", "clean", "spans"])
            .map_err(werr)?;
        for r in rows.iter().filter(|r| r.split == *split) {
            let spans = serde_json::to_string(&r.spans).expect("spans serialize");
            w.write_record([&r.id, &r.lang, &r.slice, &r.text, &r.clean, &spans])
                .map_err(werr)?;
            counts[k] += 1;
        }
        w.flush().map_err(|e| Error::io(&path, e))?;
    }
    Ok(counts)
}

/// Row counts per slice, sorted by slice name.
pub fn slice_counts(rows: &[Row]) -> Vec<(String, usize)> {
    let mut m: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in rows {
        *m.entry(r.slice.as_str()).or_default() += 1;
    }
    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The README's sample pairs (`data/samples/`): the hand-written clean
/// article and the fragments injected into it, with a fixed seed.
/// English: four seed-style S1 fragments in ftfy encoding; Korean: raw
/// Hangul, S2 and S4. Returns (file stem, text, clean).
pub fn samples() -> Vec<(&'static str, String, String)> {
    let en_clean = include_str!("../data/samples/article.clean.txt");
    let ko_clean = include_str!("../data/samples/article_ko.clean.txt");
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let en: Vec<(String, Style)> = [
        "황금성게임장",
        "릴게임다운로드",
        "오션파라다이스주소",
        "바다이야기 무료게임",
    ]
    .iter()
    .map(|h| (forward::cp949_ftfy(h).expect("CP949"), Style::S1))
    .collect();
    let ko: Vec<(String, Style)> = [
        ("야마토게임 다운로드", Style::S2),
        ("릴게임 사이트 추천", Style::S4),
        ("바다이야기5만", Style::S2),
    ]
    .iter()
    .map(|(f, s)| (f.to_string(), *s))
    .collect();
    let mut out = Vec::new();
    for (stem, clean, frags) in [("article", en_clean, en), ("article_ko", ko_clean, ko)] {
        // keep the headline (first line) clean
        let (head, body) = clean.split_once('\n').expect("a headline");
        let (text, spans) = inject(body, &frags, &mut rng).expect("room for the fragments");
        assert_eq!(apply_spans(&text, &spans), body);
        out.push((stem, format!("{head}\n{text}"), clean.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn s1_glue_matches_the_seed() {
        // mid-word: span "\nF "; at a space: span "\nF", the space stays
        let mut r = rng();
        for _ in 0..200 {
            let host = "for restoring Korea and Nov. 1, in the";
            let (text, spans) = inject(host, &[("XX".into(), Style::S1)], &mut r).unwrap();
            assert_eq!(apply_spans(&text, &spans), host);
            let s: String = text
                .chars()
                .skip(spans[0].start)
                .take(spans[0].end - spans[0].start)
                .collect();
            assert!(s == "\nXX " || s == "\nXX", "{s:?}");
            if s == "\nXX" {
                assert!(text.contains("\nXX "), "{text:?}");
            }
            assert!(!text.contains("  ") && !text.contains(" \n"), "{text:?}");
        }
    }

    #[test]
    fn every_style_round_trips() {
        let mut r = rng();
        let host = "첫 줄입니다 여기\nsecond line here\n\n세 번째 줄\nlast one";
        for style in Style::ALL {
            for _ in 0..100 {
                let frags = vec![
                    ("바카라".to_string(), style),
                    ("¸±°ÔÀÓ5¸¸".to_string(), style),
                ];
                let (text, spans) = inject(host, &frags, &mut r).unwrap();
                assert_eq!(apply_spans(&text, &spans), host, "{style:?} {text:?}");
                assert_eq!(spans.len(), 2);
                assert!(spans.iter().all(|s| s.replace.is_empty()));
            }
        }
    }

    #[test]
    fn fragments_have_korean_and_encode() {
        let lex = Lexicon::embedded();
        let mut r = rng();
        for split in Split::ALL {
            for _ in 0..300 {
                let c = compose(lex, split, &[], &mut r);
                assert!(c.plain().chars().any(is_hangul));
                for h in &c.heads {
                    assert_eq!(lex.head_split(h), Some(split));
                }
                for enc in FragEnc::ALL {
                    if let Some(f) = encode(&c, enc, &mut r) {
                        assert!(!f.is_ascii(), "{f:?}");
                    }
                }
            }
        }
        let mut r = rng();
        let c = Composed {
            words: vec![
                Word::Korean(vec!["바카라".into(), "사이트".into()]),
                Word::Domain("sogo99.com".into()),
            ],
            heads: vec![],
        };
        let o = encode(&c, FragEnc::Obfuscated, &mut r).unwrap();
        assert_ne!(o, c.plain());
        assert_eq!(
            encode(&c, FragEnc::Utf8As1252, &mut r).unwrap(),
            forward::utf8_as_windows1252("바카라사이트 sogo99.com")
        );
    }

    #[test]
    fn relayout_converts_both_ways() {
        assert_eq!(relayout("a\n\nb\n\n\nc\n", false), "a\nb\nc");
        assert_eq!(relayout("a\nb", true), "a\n\nb");
    }

    #[test]
    fn negatives_are_split_by_paragraph() {
        let n = negatives();
        for lang in ["ko", "en"] {
            let count = |split| {
                n.iter()
                    .filter(|d| d.lang == lang && d.split == split)
                    .count()
            };
            let all = Split::ALL.iter().map(|&s| count(s)).sum::<usize>();
            assert!(all >= 40, "{lang}: {all}");
            assert_eq!(count(Split::Test), all * 15 / 100, "{lang}");
            assert_eq!(count(Split::Dev), all * 45 / 100, "{lang}");
        }
    }

    #[test]
    fn corpus_errors_name_file_and_line() {
        let dir = std::env::temp_dir().join(format!("spamsplice-synth-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("x_ko")).unwrap();
        let p = dir.join("x_ko/docs.jsonl");
        std::fs::write(&p, "{\"id\": 1, \"text\": \"안녕하세요\"}\n{\"id\": 2}\n").unwrap();
        let e = read_corpus(&p).unwrap_err().to_string();
        assert!(e.contains("docs.jsonl:2:") && e.contains("text"), "{e}");
        std::fs::write(&p, "{\"id\": 1, \"text\": \"안녕하세요\"}\n").unwrap();
        let d = read_corpus(&p).unwrap();
        assert_eq!(
            (d[0].corpus.as_str(), d[0].lang.as_str(), d[0].id.as_str()),
            ("x_ko", "ko", "1")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// `data/samples/article*.txt` are exactly what [`samples`] makes.
    /// Regenerate with `SPAMSPLICE_WRITE_SAMPLES=1 cargo test --lib samples`.
    #[test]
    fn samples_reproduce() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/samples");
        for (stem, text, clean) in samples() {
            let path = format!("{dir}/{stem}.txt");
            if std::env::var_os("SPAMSPLICE_WRITE_SAMPLES").is_some() {
                std::fs::write(&path, &text).unwrap();
            }
            let on_disk = std::fs::read_to_string(&path).unwrap();
            assert_eq!(on_disk, text, "{path} is stale");
            assert_ne!(text, clean);
            assert_eq!(forward::ftfy_fix(&clean), clean);
        }
    }
}
