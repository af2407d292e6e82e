//! Campaign memory: what a corpus teaches about its own spam.
//!
//! Spam comes in campaigns: the same new site names are injected into many
//! pages, signed on some (a domain beside them, a known suffix, an encoding
//! other than the host's) and bare on others, where only their place in a
//! sentence marks them (`그 협회는 블랙잭 어린아이들을 돌본다`). No model
//! trained before the campaign can know its names. But the corpus can: a
//! first pass remembers, for each Hangul word, in how many documents the
//! model was sure of it and in how many it stood at all; a second pass gives
//! each doubtful word that memory, through a small learned stage
//! ([`Model::campaign`]). No label is read. It is [`features::echoes`]
//! (a page teaches its own spam words) across documents.
//!
//! What the stage weighs for a word: its second-stage logit; the documents
//! where it was found, led a found run, was the head of a found word, and
//! stood unfound; how often clean text writes it; in a host written like
//! it, the share of its documents that found it (a campaign's name is
//! found in most, a news word campaigns also use in few), by which its
//! logit is discounted; and its cover, the share of its syllables that are
//! names and suffixes found elsewhere (a campaign glues its names into ever
//! new compounds, `슈가러쉬빠찡코무료체험`, none found whole).
//!
//! A document's own words are taken out of the memory before it is judged
//! ([`DocWords`]), so a word is never confirmed by the document itself, and
//! a corpus of one document behaves as no memory at all.
//!
//! [`Model::campaign`]: crate::model::Model::campaign

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;
use std::sync::OnceLock;

use crate::features::{self, EchoScratch, TokenInfo};
pub use crate::learn::logit;
use crate::stats::JoinStats;
use crate::tokens::Token;

/// Stage-two probability at which a token counts as found: sure enough
/// that its word teaches other documents.
pub const FOUND: f32 = 0.9;

/// Buckets of the table of documents a word stands in (a fixed 16 MB, so
/// memory does not grow with the corpus's vocabulary; collisions only add).
const SEEN_BITS: u32 = 22;

pub use crate::features::{CAMPAIGN_DIM, CAMPAIGN_NAMES};

/// Most syllables of a piece [`Campaign::cover`] looks up.
const PIECE_MAX: usize = 8;
/// Fewest other documents a piece of [`Campaign::cover`] was found in.
const PIECE_DOCS_MIN: u32 = 2;
/// Fewest syllables of a name piece ([`Campaign::cover`]): found words of
/// two syllables are as often parts of loanwords (`알라바마`, `사이드카`).
const NAME_MIN: usize = 3;
/// Most clean-text occurrences of a name piece ([`Campaign::cover`]).
const NAME_CLEAN_MAX: u32 = 1;
/// Least share of a word's syllables [`Campaign::cover`] counts.
const COVER_MIN: f32 = 0.75;
/// Most syllables of a word [`Campaign::cover`] segments.
const COVER_MAX: usize = 32;

/// Fewest syllables of a found word's head ([`DocWords`]).
const HEAD_MIN: usize = 2;

/// The Hangul word of each token of a document that has one (two syllables
/// or more, read through its views), each read once: for the document's
/// [`DocWords`] and for the campaign stage's rows ([`Campaign::rows`]).
/// Reused across documents: one text buffer, no allocation per word.
#[derive(Debug, Default, Clone)]
pub struct DocCores {
    text: String,
    /// (token index, its word's range in `text`).
    cores: Vec<(usize, Range<usize>)>,
}

impl DocCores {
    /// Reads the words of `doc`'s tokens. Every token with Hangul is a
    /// candidate (only ASCII tokens are not), so this is each candidate's.
    pub fn fill(
        &mut self,
        doc: &str,
        tokens: &[Token],
        info: &[TokenInfo],
        ex: &mut EchoScratch,
        prior: Option<&crate::encoding::SyllablePrior>,
    ) {
        self.text.clear();
        self.cores.clear();
        for (i, t) in tokens.iter().enumerate() {
            if !info[i].hangulish() {
                continue;
            }
            if let Some(core) = features::hangul_core(&doc[t.start..t.end], &info[i], ex, prior) {
                let at = self.text.len();
                self.text.push_str(core);
                self.cores.push((i, at..self.text.len()));
            }
        }
    }

    /// (token index, word), in token order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> {
        self.cores.iter().map(|(i, r)| (*i, &self.text[r.clone()]))
    }
}

/// The words of one document: those the model found (sure tokens' Hangul),
/// those of them found leading a run of found tokens (a name leads its
/// suffix words, `바다이야기 게임장`: a word found only after another is a
/// suffix, and news writes suffixes too), their heads (each shorter start
/// of two syllables or more: a name is often found glued to a suffix,
/// `펄스윙접속주소`, and stands bare elsewhere), and those that stand in it
/// at all (hashed), each once.
#[derive(Debug, Default, Clone)]
pub struct DocWords {
    found: Vec<String>,
    leading: Vec<String>,
    heads: Vec<String>,
    seen: Vec<u32>,
}

impl DocWords {
    /// The words of a scored document: `cores` its tokens' words, `probs`
    /// their stage-two probabilities.
    pub fn of(cores: &DocCores, probs: &[f32]) -> DocWords {
        let mut w = DocWords::default();
        let found = |j: usize| probs.get(j).is_some_and(|&p| p >= FOUND);
        for (i, core) in cores.iter() {
            w.seen.push(bucket(core));
            if !found(i) {
                continue;
            }
            if !w.found(core) {
                w.found.push(core.to_string());
            }
            if (i == 0 || !found(i - 1)) && !w.leads(core) {
                w.leading.push(core.to_string());
            }
        }
        w.seen.sort_unstable();
        w.seen.dedup();
        w.find_heads();
        w
    }

    /// Fills `heads` from `found`.
    fn find_heads(&mut self) {
        self.heads.clear();
        for f in &self.found {
            let ends = f.char_indices().map(|(k, _)| k).skip(HEAD_MIN);
            for end in ends {
                let head = &f[..end];
                if !self.head(head) {
                    self.heads.push(head.to_string());
                }
            }
        }
    }

    /// True when the document was sure of the word `core` (probability
    /// `FOUND`, 0.9, or more).
    pub fn found(&self, core: &str) -> bool {
        self.found.iter().any(|f| f == core)
    }

    fn leads(&self, core: &str) -> bool {
        self.leading.iter().any(|f| f == core)
    }

    fn head(&self, core: &str) -> bool {
        self.heads.iter().any(|h| h == core)
    }

    fn seen(&self, b: u32) -> bool {
        self.seen.binary_search(&b).is_ok()
    }
}

/// A word's bucket of the seen table, from the word key the joiner's
/// tables use ([`crate::stats::word_key`]).
fn bucket(core: &str) -> u32 {
    let k = crate::stats::word_key(core);
    ((k ^ (k >> 32)) as u32) & ((1 << SEEN_BITS) - 1)
}

/// Words to document counts, hashed fast: the campaign stage looks up
/// every Hangul word of every document, and every piece of a compound
/// ([`Campaign::cover`]), where SipHash's keyed hashing is most of the cost.
/// The words come from the corpus being filtered, which chooses them, but
/// a document's words are few and a collision costs a probe, not an error.
type WordMap = HashMap<String, u32, BuildHasherDefault<WordHasher>>;

/// FxHash (rustc's hasher): one multiply per 8 bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = crate::hash::fx_step(self.0, w);
    }
}

impl std::hash::Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The memory of a corpus: per word, the documents where the model found
/// it and the documents where it stands.
#[derive(Debug, Clone)]
pub struct Campaign {
    found: WordMap,
    leading: WordMap,
    heads: WordMap,
    seen: Vec<u32>,
    /// The first two syllables of each found word or head that could be a
    /// name piece of [`Campaign::cover`] (found in [`PIECE_DOCS_MIN`]
    /// documents, [`NAME_MIN`] syllables or more): a word that starts none
    /// of them at any syllable holds no name, and most words are settled by
    /// this one table without segmenting. Built at the first look-up after
    /// the last change.
    name_starts: OnceLock<std::collections::HashSet<u64, BuildHasherDefault<WordHasher>>>,
}

/// Two chars as one key, exactly.
#[inline]
fn pair_of(a: char, b: char) -> u64 {
    (u64::from(a) << 21) | u64::from(b)
}

impl Default for Campaign {
    fn default() -> Campaign {
        Campaign {
            found: WordMap::default(),
            leading: WordMap::default(),
            heads: WordMap::default(),
            seen: vec![0; 1 << SEEN_BITS],
            name_starts: OnceLock::new(),
        }
    }
}

impl Campaign {
    /// Remembers one document's words.
    pub fn add(&mut self, words: &DocWords) {
        self.name_starts = OnceLock::new();
        for (map, list) in [
            (&mut self.found, &words.found),
            (&mut self.leading, &words.leading),
            (&mut self.heads, &words.heads),
        ] {
            for w in list {
                *map.entry(w.clone()).or_insert(0) += 1;
            }
        }
        for &b in &words.seen {
            let c = &mut self.seen[b as usize];
            *c = c.saturating_add(1);
        }
    }

    /// The campaign stage's features for a token whose Hangul is `core`, in
    /// a document whose own words are `own`, with second-stage logit `z2`
    /// and its count in the clean text of `clean` (a word the memory found
    /// that news also writes often, `게임`, `무료`, is a suffix or a news
    /// word, not a campaign's name); None when no other document found the
    /// word, alone or as a head. Most words are not in the memory: they
    /// return before any other lookup.
    pub fn features(
        &self,
        core: &str,
        own: &DocWords,
        z2: f32,
        native: bool,
        clean: &JoinStats,
    ) -> Option<[f32; CAMPAIGN_DIM]> {
        let found = self.found.get(core).copied().unwrap_or(0);
        let found = found.saturating_sub(u32::from(own.found(core)));
        let head = self.heads.get(core).copied().unwrap_or(0);
        let head = head.saturating_sub(u32::from(own.head(core)));
        let cover = if native {
            self.cover(core, own, clean)
        } else {
            0.0
        };
        if found == 0 && head == 0 && cover == 0.0 {
            return None;
        }
        let b = bucket(core);
        let seen = self.seen[b as usize].saturating_sub(u32::from(own.seen(b)));
        let unfound = seen.saturating_sub(found);
        let leading = self.leading.get(core).copied().unwrap_or(0);
        let leading = leading.saturating_sub(u32::from(own.leads(core)));
        // The share of the documents a word stands in where it was found:
        // a campaign's name is found in most of them, a news word that
        // campaigns also use (`카지노` in gambling news) in few. Where the
        // share is high, the sentence's own verdict (`z2`) weighs less.
        // Only for a word written like its document (`native`): in a foreign
        // host, Hangul stands out whatever its share, and a word discussed
        // there (`먹튀 (meoktwi)` in English news) is one campaigns use.
        let share = if native {
            found as f32 / (found + unfound).max(1) as f32
        } else {
            0.0
        };
        let z2 = z2.clamp(-30.0, 30.0);
        Some([
            z2,
            (found as f32).ln_1p(),
            (unfound as f32).ln_1p(),
            (head as f32).ln_1p(),
            (clean.word_count(core) as f32).ln_1p(),
            (leading as f32).ln_1p(),
            share,
            z2 * (1.0 - share),
            cover,
        ])
    }

    /// The first two syllables of the words that may be name pieces (the
    /// `name_starts` field), built on first use.
    fn name_starts(&self) -> &std::collections::HashSet<u64, BuildHasherDefault<WordHasher>> {
        self.name_starts.get_or_init(|| {
            let mut set = std::collections::HashSet::default();
            for map in [&self.found, &self.heads] {
                for (w, &c) in map {
                    let mut chars = w.chars();
                    if let (true, Some(a), Some(b)) =
                        (c >= PIECE_DOCS_MIN, chars.next(), chars.next())
                    {
                        if chars.count() + 2 >= NAME_MIN {
                            set.insert(pair_of(a, b));
                        }
                    }
                }
            }
            set
        })
    }

    /// The share of `core`'s syllables covered by words other documents
    /// found (whole or as heads), pieces of two syllables or more, one of
    /// them a name (three syllables or more, rare in clean text): a
    /// campaign glues its names to each other and to suffixes in ever new
    /// compounds (`슈가러쉬빠찡코무료체험`), none of them found whole
    /// elsewhere, all of them made of found names. 0 below [`COVER_MIN`],
    /// without a name, or for a word of more than [`COVER_MAX`] syllables.
    fn cover(&self, core: &str, own: &DocWords, clean: &JoinStats) -> f32 {
        let mut at = [0usize; COVER_MAX + 1];
        let mut cs = ['\0'; COVER_MAX];
        let mut n = 0;
        for (k, c) in core.char_indices() {
            if n == COVER_MAX {
                return 0.0;
            }
            (at[n], cs[n]) = (k, c);
            n += 1;
        }
        // A name piece is NAME_MIN syllables at least: most words are
        // shorter, or start no such piece anywhere, and need no segmenting.
        let starts = self.name_starts();
        if n < NAME_MIN || !(0..=n - NAME_MIN).any(|i| starts.contains(&pair_of(cs[i], cs[i + 1])))
        {
            return 0.0;
        }
        at[n] = core.len();
        // Found in two other documents at least: one may be the model's own
        // mistake, and a campaign repeats its names.
        let known = |p: &str| {
            let f = self
                .found
                .get(p)
                .map_or(0, |&c| c.saturating_sub(u32::from(own.found(p))));
            let h = self
                .heads
                .get(p)
                .map_or(0, |&c| c.saturating_sub(u32::from(own.head(p))));
            f.max(h) >= PIECE_DOCS_MIN
        };
        // best[j]: most syllables of the first j that found pieces cover,
        // and whether one of those pieces is a name.
        let mut best = [(0usize, false); COVER_MAX + 1];
        for j in 1..=n {
            best[j] = best[j - 1];
            for i in j.saturating_sub(PIECE_MAX)..=j - 2.min(j) {
                if j - i < 2 || best[i].0 + (j - i) < best[j].0 {
                    continue;
                }
                let piece = &core[at[i]..at[j]];
                if known(piece) {
                    let name = best[i].1
                        || (j - i >= NAME_MIN && clean.word_count(piece) <= NAME_CLEAN_MAX);
                    let cand = (best[i].0 + (j - i), name);
                    if cand > best[j] {
                        best[j] = cand;
                    }
                }
            }
        }
        let (covered, name) = best[n];
        let share = covered as f32 / n as f32;
        if name && share >= COVER_MIN {
            share
        } else {
            0.0
        }
    }

    /// The campaign stage's rows of a scored document, whose tokens' words
    /// are `cores`, own words `own` and second-stage probabilities `probs`,
    /// with word counts of clean text from `clean`: (token index,
    /// [`Campaign::features`]) for each token with a row.
    pub fn rows<'a>(
        &'a self,
        cores: &'a DocCores,
        own: &'a DocWords,
        probs: &'a [f32],
        groups: &'a [u8],
        clean: &'a JoinStats,
    ) -> impl Iterator<Item = (usize, [f32; CAMPAIGN_DIM])> + 'a {
        cores.iter().filter_map(move |(i, core)| {
            let native = groups[i] != crate::features::Regime::Foreign as u8;
            Some((i, self.features(core, own, logit(probs[i]), native, clean)?))
        })
    }
}

impl<'a> FromIterator<&'a DocWords> for Campaign {
    fn from_iter<I: IntoIterator<Item = &'a DocWords>>(words: I) -> Campaign {
        let mut memory = Campaign::default();
        for w in words {
            memory.add(w);
        }
        memory
    }
}

/// Magic and format version of a saved memory ([`Campaign::to_bytes`]).
const MEMORY_MAGIC: &[u8; 8] = b"SSMEMORY";
const MEMORY_VERSION: u32 = 2;

impl Campaign {
    /// Adds another memory's counts to this one: memories made over the
    /// shards of a corpus add up to the memory of the whole.
    pub fn merge(&mut self, other: &Campaign) {
        self.name_starts = OnceLock::new();
        for (mine, theirs) in [
            (&mut self.found, &other.found),
            (&mut self.leading, &other.leading),
            (&mut self.heads, &other.heads),
        ] {
            for (w, &n) in theirs {
                *mine.entry(w.clone()).or_insert(0) += n;
            }
        }
        for (c, &n) in self.seen.iter_mut().zip(&other.seen) {
            *c = c.saturating_add(n);
        }
    }

    /// The memory as bytes, to be merged and used by other runs: a magic,
    /// a version and the fingerprint of the model that made it
    /// ([`crate::Detector::fingerprint`]: another model is sure of other
    /// words), then the zstd-compressed counts, words sorted so that the
    /// same memory gives the same bytes.
    pub fn to_bytes(&self, model: u64) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        for map in [&self.found, &self.leading, &self.heads] {
            let mut words: Vec<(&String, &u32)> = map.iter().collect();
            words.sort_unstable();
            body.extend_from_slice(&(words.len() as u32).to_le_bytes());
            for (w, n) in words {
                body.extend_from_slice(&(w.len() as u32).to_le_bytes());
                body.extend_from_slice(w.as_bytes());
                body.extend_from_slice(&n.to_le_bytes());
            }
        }
        let seen: Vec<(usize, u32)> = self
            .seen
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(b, &n)| (b, n))
            .collect();
        body.extend_from_slice(&(seen.len() as u32).to_le_bytes());
        for (b, n) in seen {
            body.extend_from_slice(&(b as u32).to_le_bytes());
            body.extend_from_slice(&n.to_le_bytes());
        }
        let packed = zstd::bulk::compress(&body, 3)?;
        let mut out = Vec::with_capacity(32 + packed.len());
        out.extend_from_slice(MEMORY_MAGIC);
        out.extend_from_slice(&MEMORY_VERSION.to_le_bytes());
        out.extend_from_slice(&SEEN_BITS.to_le_bytes());
        out.extend_from_slice(&model.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&packed);
        Ok(out)
    }

    /// Reads [`Campaign::to_bytes`]: the memory and the fingerprint of the
    /// model that made it. Any damage is an error saying what, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<(Campaign, u64), String> {
        let mut head = Reader(bytes);
        if head.take(8)? != MEMORY_MAGIC {
            return Err("not a spamsplice memory (bad magic)".into());
        }
        let version = head.u32()?;
        if version != MEMORY_VERSION {
            return Err(format!(
                "memory format version {version}, this build reads version {MEMORY_VERSION}"
            ));
        }
        if head.u32()? != SEEN_BITS {
            return Err("its table of seen words has another size".into());
        }
        let model = head.u64()?;
        let len = head.u64()?;
        if len > 1 << 32 {
            return Err(format!("declared size {len} is implausible (corrupt file)"));
        }
        let body = zstd::bulk::decompress(head.0, len as usize)
            .map_err(|e| format!("corrupt or truncated ({e})"))?;
        let mut r = Reader(&body);
        let mut memory = Campaign::default();
        for map in [&mut memory.found, &mut memory.leading, &mut memory.heads] {
            for _ in 0..r.u32()? {
                let n = r.u32()? as usize;
                let word = std::str::from_utf8(r.take(n)?)
                    .map_err(|_| "a word is not UTF-8 (corrupt file)".to_string())?;
                map.insert(word.to_string(), r.u32()?);
            }
        }
        for _ in 0..r.u32()? {
            let (b, n) = (r.u32()? as usize, r.u32()?);
            *memory
                .seen
                .get_mut(b)
                .ok_or("a seen-table index is out of range (corrupt file)")? = n;
        }
        if !r.0.is_empty() {
            return Err("trailing bytes after the memory (corrupt file)".into());
        }
        Ok((memory, model))
    }
}

impl Campaign {
    /// Writes the memory to `path` ([`Campaign::to_bytes`]), made with the
    /// model whose [`Detector::fingerprint`](crate::Detector::fingerprint)
    /// is `model`.
    pub fn save(&self, path: &std::path::Path, model: u64) -> crate::error::Result<()> {
        let bytes = self
            .to_bytes(model)
            .map_err(|e| crate::error::Error::io(path, e))?;
        std::fs::write(path, bytes).map_err(|e| crate::error::Error::io(path, e))
    }

    /// Reads a memory saved by [`Campaign::save`], refusing one made with
    /// another model than the one whose fingerprint is `model`.
    pub fn load(path: &std::path::Path, model: u64) -> crate::error::Result<Campaign> {
        let bad = |reason: String| crate::error::Error::Memory {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| crate::error::Error::io(path, e))?;
        let (memory, made_by) = Campaign::from_bytes(&bytes).map_err(bad)?;
        if made_by != model {
            return Err(bad(format!(
                "made with another model (fingerprint {made_by:016x}; this one is {model:016x}): \
                 remember the corpus again with this model"
            )));
        }
        Ok(memory)
    }
}

/// Little-endian reads from a byte slice that fail, not panic, when short.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("truncated memory file".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    fn u32(&mut self) -> std::result::Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from(self.u32()?) | u64::from(self.u32()?) << 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(found: &[&str], seen: &[&str]) -> DocWords {
        let mut w = DocWords {
            found: found.iter().map(|s| s.to_string()).collect(),
            leading: found.iter().map(|s| s.to_string()).collect(),
            heads: Vec::new(),
            seen: seen.iter().map(|s| bucket(s)).collect(),
        };
        w.seen.sort_unstable();
        w.seen.dedup();
        w.find_heads();
        w
    }

    #[test]
    fn a_word_is_never_confirmed_by_its_own_document() {
        let clean = JoinStats::default();
        let mut c = Campaign::default();
        let a = words(&["블랙잭"], &["블랙잭", "협회는"]);
        let b = words(&[], &["블랙잭", "협회는"]);
        c.add(&a);
        c.add(&b);
        // Document a found it; judged alone against itself, nothing.
        assert_eq!(c.features("블랙잭", &a, 0.0, true, &clean), None);
        // Document b did not: a's find counts, and a's own standing too.
        let f = c.features("블랙잭", &b, -2.0, true, &clean).unwrap();
        // Found in every other document it stands in: a share of 1, and
        // the sentence's verdict does not weigh beside it.
        let l1 = 1f32.ln_1p();
        assert_eq!(f, [-2.0, l1, 0.0, 0.0, 0.0, l1, 1.0, 0.0, 0.0]);
        assert_eq!(c.features("협회는", &b, -2.0, true, &clean), None);
        let d = DocWords::default();
        let f = c.features("블랙잭", &d, 1.0, true, &clean).unwrap();
        // Two documents hold it, one found it: one stood unfound.
        assert_eq!(f, [1.0, l1, l1, 0.0, 0.0, l1, 0.5, 0.5, 0.0]);
        // In a foreign host, no share.
        let f = c.features("블랙잭", &d, 1.0, false, &clean).unwrap();
        assert_eq!(f, [1.0, l1, l1, 0.0, 0.0, l1, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn a_name_found_glued_to_a_suffix_is_known_bare() {
        let clean = JoinStats::default();
        let mut c = Campaign::default();
        let a = words(&["펄스윙접속주소"], &["펄스윙접속주소"]);
        assert_eq!(
            a.heads,
            ["펄스", "펄스윙", "펄스윙접", "펄스윙접속", "펄스윙접속주"]
        );
        c.add(&a);
        let b = words(&[], &["펄스윙"]);
        c.add(&b);
        let f = c.features("펄스윙", &b, 0.0, true, &clean).unwrap();
        assert_eq!(f, [0.0, 0.0, 0.0, 1f32.ln_1p(), 0.0, 0.0, 0.0, 0.0, 0.0]);
        // Not from its own document.
        assert_eq!(c.features("펄스윙", &a, 0.0, true, &clean), None);
        // A single syllable is no head.
        assert_eq!(c.features("펄", &b, 0.0, true, &clean), None);
    }

    #[test]
    fn a_compound_of_found_names_is_covered() {
        let mut c = Campaign::default();
        for name in ["슈가러쉬", "슈가러쉬", "빠찡코", "빠찡코", "먹튀"] {
            c.add(&words(&[name], &[name]));
        }
        let b = words(&[], &["슈가러쉬빠찡코", "빠찡코협회는"]);
        let clean = JoinStats::default();
        let f = c
            .features("슈가러쉬빠찡코", &b, -3.0, true, &clean)
            .unwrap();
        // Never found whole: only the cover speaks.
        assert_eq!(f[..6], [-3.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(f[8], 1.0);
        // Not in a foreign host; not half a word; not a piece found in one
        // document only (`먹튀`); not without a name among the pieces.
        assert_eq!(c.features("슈가러쉬빠찡코", &b, -3.0, false, &clean), None);
        assert_eq!(c.features("빠찡코협회는", &b, -3.0, true, &clean), None);
        assert_eq!(c.features("빠찡코먹튀", &b, -3.0, true, &clean), None);
        let mut news = JoinStats::default();
        news.add("슈가러쉬 슈가러쉬 빠찡코 빠찡코");
        news.finish();
        assert_eq!(c.features("슈가러쉬빠찡코", &b, -3.0, true, &news), None);
        // A name glued to a found suffix.
        let f = c.features("빠찡코슈가", &b, -3.0, true, &clean).unwrap();
        assert_eq!(f[8], 1.0);
        // Words remembered after a look-up count at the next one.
        assert_eq!(c.features("빠찡코황진이", &b, -3.0, true, &clean), None);
        for _ in 0..2 {
            c.add(&words(&["황진이"], &["황진이"]));
        }
        let f = c.features("빠찡코황진이", &b, -3.0, true, &clean).unwrap();
        assert_eq!(f[8], 1.0);
    }

    #[test]
    fn shard_memories_saved_and_merged_equal_the_whole() {
        let clean = JoinStats::default();
        let a = words(&["블랙잭"], &["블랙잭", "협회는"]);
        let b = words(&["펄스윙접속주소"], &["펄스윙접속주소", "블랙잭"]);
        let c = words(&[], &["블랙잭"]);
        let whole: Campaign = [&a, &b, &c].into_iter().collect();
        let shard1: Campaign = [&a].into_iter().collect();
        let shard2: Campaign = [&b, &c].into_iter().collect();
        let bytes1 = shard1.to_bytes(7).unwrap();
        let bytes2 = shard2.to_bytes(7).unwrap();
        let (mut merged, model) = Campaign::from_bytes(&bytes1).unwrap();
        assert_eq!(model, 7);
        merged.merge(&Campaign::from_bytes(&bytes2).unwrap().0);
        assert_eq!(merged.to_bytes(7).unwrap(), whole.to_bytes(7).unwrap());
        for (word, own) in [("블랙잭", &c), ("펄스윙", &a), ("블랙잭", &a)] {
            assert_eq!(
                merged.features(word, own, -1.0, true, &clean),
                whole.features(word, own, -1.0, true, &clean)
            );
        }
        assert!(merged.features("블랙잭", &c, -1.0, true, &clean).is_some());
    }

    #[test]
    fn damaged_memory_files_are_refused_with_a_reason() {
        let m: Campaign = [&words(&["블랙잭"], &["블랙잭"])].into_iter().collect();
        let bytes = m.to_bytes(1).unwrap();
        let err = |b: &[u8]| Campaign::from_bytes(b).err().unwrap();
        assert_eq!(err(b""), "truncated memory file");
        assert_eq!(
            err(b"SSMODEL!xxxxxxxxxxxxxxxxxxxxxxxx"),
            "not a spamsplice memory (bad magic)"
        );
        assert!(err(&bytes[..bytes.len() - 3]).starts_with("corrupt or truncated"));
        let mut v = bytes.clone();
        v[8] = 9;
        assert_eq!(
            err(&v),
            format!("memory format version 9, this build reads version {MEMORY_VERSION}")
        );
        // Every prefix fails cleanly.
        for n in 0..bytes.len() {
            assert!(Campaign::from_bytes(&bytes[..n]).is_err());
        }
    }
}
