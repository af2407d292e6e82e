//! The learned parts and the model file.
//!
//! Two scorers decide what goes: a sparse lexical scorer over hashed
//! character n-grams of each token's decoded reading (logistic regression
//! fitted by our own SGD, since linfa takes dense input only), and a linfa
//! logistic regression over a compact dense vector per token
//! ([`crate::features`]) into which the lexical score is fed. A third
//! learned piece, the [`Joiner`], decides how a cut word is rejoined.
//!
//! File format: the magic `SPAMSPLICE-MODEL`, a little-endian `u32` format
//! version, then the zstd-compressed postcard encoding of [`Model`]. Anything
//! else is refused with an error naming what is wrong.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, DocCores, DocWords, CAMPAIGN_DIM, CAMPAIGN_NAMES};
use crate::error::{Error, Result};
use crate::features::{self, Analysis, Regime, DENSE_DIM, REGIMES, STAGE2_DIM};
pub use crate::learn::{dot, sigmoid, Lexical, Linear};
use crate::learn::LEX_SIZE;
use crate::join::Joiner;
use crate::restore::{self, Unglued};
use crate::span::{LfView, Span};
use crate::tokens::Token;

pub const MAGIC: &[u8; 16] = b"SPAMSPLICE-MODEL";
/// 15: the payload is followed by the CP949 prior's character pairs, which
/// repair weighs readings by.
pub const FORMAT_VERSION: u32 = 15;

/// The format before the character pairs: read still, with none (repair
/// then weighs readings by the unigram prior alone).
const BEFORE_PAIRS_VERSION: u32 = 14;

/// The two token models of one regime.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenStages {
    pub first: Linear,
    pub second: Linear,
}

/// What the model was trained on, for people reading a model file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub trained_on: String,
    pub seed: u64,
    pub notes: String,
}

/// A complete detector model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// Token probability above which a token is removed, per [`Regime`].
    pub thresholds: Vec<f32>,
    /// Per [`Regime`]: the lower threshold at which a token beside a removed
    /// one on its line goes too (above 1: never). See [`Model::decide`].
    pub extend: Vec<f32>,
    pub lexical: Lexical,
    /// Token models per [`Regime`]: the dense first stage and the second
    /// stage over neighbours' first-stage scores.
    pub tokens: Vec<TokenStages>,
    pub joiner: Joiner,
    /// Per [`Regime`]: the campaign stage, which rescores a token whose word
    /// other documents of the corpus were found to carry
    /// ([`crate::campaign`]); None where dev held too few such tokens.
    pub campaign: Vec<Option<Linear>>,
    /// The thresholds and growth thresholds used with a corpus's memory
    /// ([`Model::find_spans_with`]), chosen on dev with the campaign stage
    /// applied: per [`Regime`] for the tokens the memory says nothing of,
    /// then per regime for those the stage scored (its memory groups, see
    /// [`Model::apply_campaign`]). `thresholds` and `extend` are chosen for
    /// documents judged alone.
    pub campaign_thresholds: Vec<f32>,
    pub campaign_extend: Vec<f32>,
    /// Per [`Regime`], with a corpus's memory: the growth stage, whose
    /// probability that a token beside a removed run goes with it is what
    /// `campaign_extend` is compared with ([`Model::growth_probs`]); None
    /// where dev held too few such tokens. Documents judged alone compare
    /// `extend` with the token's own probability: fitted for them too, a
    /// growth stage did as well on unseen names and worse on known ones.
    pub growth: Vec<Option<Linear>>,
    pub meta: Meta,
    /// Identifies this model to the per-thread token memo
    /// ([`features::Analysis::cache_for`]); fresh for each model built or
    /// loaded. The memo holds what `lexical` and `joiner.stats` give a
    /// token, so a model whose `joiner` is replaced needs a fresh id
    /// ([`next_id`]); the lexical scorer cannot change once built.
    #[serde(skip, default = "next_id")]
    pub(crate) id: u64,
    /// Each group's first stage split for scoring, made on first use (the
    /// token models never change once the model is built).
    #[serde(skip)]
    pub(crate) first_split: std::sync::OnceLock<Vec<FirstStage>>,
}

impl Model {
    /// Replaces the joiner (its count tables feed the token memo, so the
    /// model is given a fresh [`Model::id`]).
    pub fn set_joiner(&mut self, joiner: Joiner) {
        self.joiner = joiner;
        self.id = next_id();
    }
}

/// A process-unique, non-zero model id.
pub(crate) fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A scored document's parts that [`Model::growth_probs_of`] reads.
pub struct GrowthInputs<'a> {
    pub probs: &'a [f32],
    pub groups: &'a [u8],
    pub tokens: &'a [Token],
    pub info: &'a [features::TokenInfo],
    pub z1: &'a [f32],
    /// The campaign stage's rows, by token index ascending.
    pub campaign_rows: &'a [(usize, [f32; CAMPAIGN_DIM])],
}

impl GrowthInputs<'_> {
    /// Token `i`'s growth-stage features ([`features::growth_row`]).
    pub fn growth_row(&self, i: usize) -> [f32; features::GROWTH_DIM] {
        let t = &self.tokens[i];
        let left = if i > 0 && !t.first {
            self.probs[i - 1]
        } else {
            0.0
        };
        let right = if i + 1 < self.probs.len() && !t.last {
            self.probs[i + 1]
        } else {
            0.0
        };
        let memory = self
            .campaign_rows
            .binary_search_by_key(&i, |r| r.0)
            .ok()
            .map(|k| &self.campaign_rows[k].1);
        features::growth_row(
            t,
            &self.info[i],
            self.z1[i],
            self.probs[i],
            left.max(right),
            memory,
        )
    }
}

/// Per-thread buffers reused across documents.
#[derive(Debug, Default)]
pub struct Scratch {
    pub analysis: Analysis,
    pub probs: Vec<f32>,
    pub z1: Vec<f32>,
    pub p1: Vec<f32>,
    pub groups: Vec<u8>,
    /// Per token: [`features::echoes`] bits.
    pub echo: Vec<u8>,
    pub echo_scratch: features::EchoScratch,
    /// Per token: [`features::fluency`].
    pub fluency: Vec<[f32; 3]>,
    /// The tokens' Hangul words ([`Model::scored_words`]).
    pub cores: DocCores,
    /// The campaign stage's rows ([`Model::apply_campaign`]).
    pub campaign_rows: Vec<(usize, [f32; CAMPAIGN_DIM])>,
    /// Per token: the probability [`Model::decide`] grows a removed run
    /// over it with ([`Model::growth_probs`]).
    pub grow: Vec<f32>,
}

thread_local! {
    static ANALYSIS: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Model {
    /// Serializes to the model file format.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = postcard::to_stdvec(self)
            .map_err(|e| Error::Other(format!("serializing model: {e}")))?;
        payload = postcard::to_extend(self.joiner.stats.char_pairs(), payload)
            .map_err(|e| Error::Other(format!("serializing model: {e}")))?;
        let packed = crate::frames::pack(&payload, 9)
            .map_err(|e| Error::Other(format!("compressing model: {e}")))?;
        let mut out = Vec::with_capacity(packed.len() + 28);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&packed);
        Ok(out)
    }

    /// Parses the model file format, refusing anything corrupt, truncated or
    /// of another version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let bad = |reason: String| Error::Model {
            what: "(bytes)".into(),
            reason,
        };
        if bytes.is_empty() {
            return Err(bad("empty model file".into()));
        }
        if bytes.len() < 28 || &bytes[..16] != MAGIC {
            return Err(bad("not a spamsplice model (bad magic)".into()));
        }
        let version = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION && version != BEFORE_PAIRS_VERSION {
            return Err(bad(format!(
                "format version {version}, this build reads version {FORMAT_VERSION}"
            )));
        }
        let len = u64::from_le_bytes(bytes[20..28].try_into().expect("8 bytes"));
        if len > 1 << 30 {
            return Err(bad(format!(
                "declared size {len} is implausible (corrupt file)"
            )));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let payload = crate::frames::unpack(&bytes[28..], len as usize, threads)
            .map_err(|e| bad(format!("corrupt or truncated ({e})")))?;
        let (mut model, rest): (Model, _) = postcard::take_from_bytes(&payload)
            .map_err(|e| bad(format!("corrupt or truncated ({e})")))?;
        // Format 14 ends there; 15 adds the CP949 prior's character pairs.
        if version == FORMAT_VERSION {
            let pairs = postcard::from_bytes(rest)
                .map_err(|e| bad(format!("corrupt or truncated ({e})")))?;
            model.joiner.stats.set_char_pairs(pairs);
        } else if !rest.is_empty() {
            return Err(bad("corrupt (bytes past the model)".into()));
        }
        model.check().map_err(bad)?;
        Ok(model)
    }

    /// Identifies this model's training: a hash of its thresholds and the
    /// weights of its second and campaign stages, which no two trainings
    /// share. A saved corpus memory records it ([`Campaign::to_bytes`]):
    /// the words one model is sure of are not another's.
    pub fn fingerprint(&self) -> u64 {
        let mut h = crate::hash::Fnv64::new();
        let mut eat = |x: f32| h.bytes(&x.to_le_bytes());
        let sets = [
            &self.thresholds,
            &self.extend,
            &self.campaign_thresholds,
            &self.campaign_extend,
        ];
        sets.iter().flat_map(|v| v.iter()).for_each(|&x| eat(x));
        let stages = self.tokens.iter().map(|t| &t.second);
        for m in stages.chain(self.campaign.iter().flatten()) {
            m.coef
                .iter()
                .chain(&m.mean)
                .chain(&m.scale)
                .for_each(|&x| eat(x));
            eat(m.intercept);
        }
        h.finish()
    }

    fn check(&self) -> std::result::Result<(), String> {
        if self.tokens.len() != REGIMES {
            return Err(format!(
                "{} token models, expected {REGIMES}",
                self.tokens.len()
            ));
        }
        for st in &self.tokens {
            let names: Vec<&str> = st.first.names.iter().map(|s| s.as_str()).collect();
            let names2: Vec<&str> = st.second.names.iter().map(|s| s.as_str()).collect();
            if names != features::DENSE_NAMES || names2 != features::STAGE2_NAMES {
                return Err(
                    "its token features differ from this build's (retrain the model)".into(),
                );
            }
            let t = &st.first;
            if t.mean.len() != DENSE_DIM || t.scale.len() != DENSE_DIM || t.coef.len() != DENSE_DIM
            {
                return Err("token model has the wrong width".into());
            }
            let t = &st.second;
            if t.mean.len() != STAGE2_DIM
                || t.scale.len() != STAGE2_DIM
                || t.coef.len() != STAGE2_DIM
            {
                return Err("second-stage token model has the wrong width".into());
            }
        }
        if self.lexical.len() != LEX_SIZE {
            return Err(format!(
                "lexical table has {} buckets, expected {LEX_SIZE}",
                self.lexical.len()
            ));
        }
        self.joiner.check()?;
        if self.campaign.len() != REGIMES
            || self.campaign.iter().flatten().any(|c| {
                c.names
                    .iter()
                    .map(String::as_str)
                    .ne(CAMPAIGN_NAMES.iter().copied())
                    || c.coef.len() != CAMPAIGN_DIM
                    || c.mean.len() != CAMPAIGN_DIM
                    || c.scale.len() != CAMPAIGN_DIM
            })
        {
            return Err("its campaign stage differs from this build's (retrain the model)".into());
        }
        if self.growth.len() != REGIMES
            || self.growth.iter().flatten().any(|c| {
                c.names
                    .iter()
                    .map(String::as_str)
                    .ne(features::GROWTH_NAMES.iter().copied())
                    || c.coef.len() != features::GROWTH_DIM
            })
        {
            return Err("its growth stage differs from this build's (retrain the model)".into());
        }
        let sets = [
            (&self.thresholds, REGIMES),
            (&self.extend, REGIMES),
            (&self.campaign_thresholds, 2 * REGIMES),
            (&self.campaign_extend, 2 * REGIMES),
        ];
        if sets
            .iter()
            .any(|(t, n)| t.len() != *n || !t.iter().all(|x| x.is_finite()))
        {
            return Err("thresholds are missing or not numbers".into());
        }
        Ok(())
    }

    /// Scores every token of `doc` into `s.probs` (0 for non-candidates)
    /// and the model group that judged it into `s.groups`; `s.analysis` keeps
    /// the analysis for the restorer. Reuses every buffer of `s`.
    pub fn score_tokens(&self, doc: &str, s: &mut Scratch) {
        self.score_tokens_above(doc, s, f32::NEG_INFINITY);
    }

    /// The second-stage logit below which [`Model::find_spans`] may take a
    /// token's probability as 0 (skipping its `exp`) without changing any
    /// span or score. Only whether a probability reaches its group's
    /// threshold or `extend` threshold decides anything, and a removed run
    /// scores only its removed tokens. With `m` the smallest of those
    /// thresholds, a logit below ln(m/4) has probability below m/(m+4) <
    /// m/4: it reaches none of them, and put on one scale by
    /// [`Model::decide`] ([`on_one_scale`]) it stays below 0.5, as 0 does. `NEG_INFINITY` (no shortcut) when some
    /// threshold is tiny (or not positive).
    fn stage2_floor(&self) -> f32 {
        // Documents judged alone grow by the tokens' own probabilities.
        stage2_floor(&self.thresholds, &self.extend)
    }

    /// [`Model::score_tokens`], with 0 for tokens whose second-stage logit
    /// is below `floor`.
    fn score_tokens_above(&self, doc: &str, s: &mut Scratch, floor: f32) {
        let Scratch {
            analysis: a,
            probs,
            z1,
            p1,
            groups,
            echo,
            echo_scratch,
            fluency,
            ..
        } = s;
        let lex = |b: &[u32]| self.lexical.score(b);
        let split = self.first_split.get_or_init(|| {
            self.tokens
                .iter()
                .map(|t| FirstStage::of(&t.first))
                .collect()
        });
        let own = |inf: &features::TokenInfo| {
            let x = features::intrinsic(inf);
            std::array::from_fn(|g| split.get(g).map_or(0.0, |f| f.own_terms(&x)))
        };
        a.cache_for(self.id);
        a.run(
            doc,
            Some(&lex),
            Some(&self.joiner.stats),
            Some(&own),
            |_, _| {},
        );
        let n = a.info.len();
        z1.clear();
        z1.resize(n, f32::NEG_INFINITY);
        groups.clear();
        let regime = Regime::of(&a.stats);
        groups.extend(
            a.info
                .iter()
                .map(|inf| features::group(regime, inf, &a.stats) as u8),
        );
        let doc_features = features::document(&a.stats);
        let bias: [f32; REGIMES] = std::array::from_fn(|g| split[g].doc_bias(&doc_features));
        let mut x = [0f32; features::CONTEXT_WIDTH];
        // Candidates only; most tokens of a document in English are not.
        for (i, inf) in a.info.iter().enumerate() {
            if inf.candidate {
                let g = groups[i] as usize;
                a.context(i, &mut x);
                z1[i] = split[g].logit(bias[g], inf.parts[g], &x);
            }
        }
        features::first_stage_probs(z1, p1);
        let doc_stage = features::DocFirstStage::of(p1);
        let prior = self.joiner.stats.prior();
        features::echoes(doc, &a.tok.tokens, &a.info, p1, echo_scratch, prior, echo);
        features::fluency(doc, &a.tok.tokens, p1, &self.joiner.stats, fluency);
        probs.clear();
        probs.resize(n, 0.0);
        // Below the floor a token's probability is 0 whatever its features:
        // a token the first stage calls news is dismissed by an upper bound
        // of its logit, with a margin for rounding. Most tokens of a news
        // document go this way.
        let dismiss_below = floor - 0.01;
        for (i, inf) in a.info.iter().enumerate() {
            if inf.candidate {
                let second = &self.tokens[groups[i] as usize].second;
                // A spaced run's tokens are averaged below: each is scored.
                if p1[i] < features::FLUENCY_MIN_P1 && floor > f32::NEG_INFINITY && !inf.spaced {
                    let echoes = echo.get(i).copied().unwrap_or(0);
                    if features::stage2_upper(
                        &second.w, second.b, inf, i, z1[i], &doc_stage, echoes,
                    ) < dismiss_below
                    {
                        continue;
                    }
                }
                let z = second.logit(&features::stage2(
                    &a.tok.tokens,
                    &a.info,
                    z1,
                    p1,
                    &doc_stage,
                    echo,
                    fluency,
                    i,
                ));
                probs[i] = if z < floor && !inf.spaced {
                    0.0
                } else {
                    sigmoid(z)
                };
            }
        }
        spaced_runs_together(doc, &a.tok.tokens, &a.info, probs);
    }

    /// Decides which tokens go, in place: puts each probability on one scale
    /// by its group's threshold ([`on_one_scale`]) so that one cut at 0.5
    /// applies every group's own threshold, after growing each run of removed tokens along its line
    /// over neighbours whose growth probability (`grow`, from
    /// [`Model::growth_probs`]) reaches their group's `extend` threshold
    /// (hysteresis: a fragment's weak words, such as a bare unseen name or a
    /// suffix word beside a sure one, go with it; a weak word alone does
    /// not). A grown token's score is 0.5.
    pub fn decide(
        probs: &mut [f32],
        grow: Option<&[f32]>,
        groups: &[u8],
        tokens: &[Token],
        thresholds: &[f32],
        extend: &[f32],
    ) {
        let n = probs
            .len()
            .min(groups.len())
            .min(tokens.len())
            .min(grow.map_or(usize::MAX, <[f32]>::len));
        let (probs, groups, tokens) = (&mut probs[..n], &groups[..n], &tokens[..n]);
        let th = |i: usize| thresholds[groups[i] as usize];
        let low = |i: usize| {
            extend
                .get(groups[i] as usize)
                .copied()
                .unwrap_or(f32::INFINITY)
        };
        // Most documents hold no removed token, and then nothing grows.
        if (0..n).any(|i| probs[i] >= th(i)) {
            let grown = |i: usize, j: usize, probs: &mut [f32]| {
                // Token j joins when its neighbour i (same line) is removed.
                if probs[i] >= th(i)
                    && probs[j] < th(j)
                    && grow.map_or(probs[j], |g| g[j]) >= low(j)
                {
                    probs[j] = th(j);
                }
            };
            for (i, t) in tokens.iter().enumerate().skip(1) {
                if !t.first {
                    grown(i - 1, i, probs);
                }
            }
            for i in (0..n.saturating_sub(1)).rev() {
                if !tokens[i].last {
                    grown(i + 1, i, probs);
                }
            }
        }
        for (p, &g) in probs.iter_mut().zip(groups) {
            *p = on_one_scale(*p, thresholds[g as usize]);
        }
    }

    /// The words of `doc` a [`Campaign`] remembers: those this model is
    /// sure of, and all that stand in it. Empty for plain ASCII.
    pub fn doc_words(&self, doc: &str) -> DocWords {
        if doc.is_ascii() {
            return DocWords::default();
        }
        if let Some(lf) = LfView::of(doc) {
            return self.doc_words(&lf.text);
        }
        if let Some(u) = Unglued::of(doc, &mut Default::default()) {
            return self.doc_words(&u.text);
        }
        ANALYSIS.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            // The floor zeroes only probabilities below every threshold,
            // far below `FOUND` (0.9): the words come out as from full
            // scores, at the one-pass cost.
            self.score_tokens_above(doc, s, self.stage2_floor());
            self.scored_words(doc, s)
        })
    }

    /// The words of `doc` for a second round of the memory: what the
    /// campaign stage, given the first round's `memory`, was sure of. A
    /// name left bare in many documents counts against itself in the first
    /// round (documents that carry it unfound); those the stage then finds
    /// count for it in the second. Without a campaign stage, the first
    /// round's words.
    pub fn campaign_words_with(&self, doc: &str, memory: &Campaign) -> DocWords {
        if doc.is_ascii() || self.campaign.iter().all(Option::is_none) {
            return self.doc_words(doc);
        }
        if let Some(lf) = LfView::of(doc) {
            return self.campaign_words_with(&lf.text, memory);
        }
        if let Some(u) = Unglued::of(doc, &mut Default::default()) {
            return self.campaign_words_with(&u.text, memory);
        }
        ANALYSIS.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            self.score_with_memory(doc, s, memory);
            DocWords::of(&s.cores, &s.probs)
        })
    }

    /// Scores `doc` into `s` in full (the campaign stage reads every
    /// token's second-stage score) and rescores its words by `memory`
    /// ([`Model::apply_campaign`]).
    fn score_with_memory(&self, doc: &str, s: &mut Scratch, memory: &Campaign) {
        self.score_tokens(doc, s);
        let own = self.scored_words(doc, s);
        self.apply_campaign(s, memory, &own);
    }

    /// [`Model::doc_words`] of a document already scored into `s`; its
    /// tokens' words stay in `s.cores` for [`Model::apply_campaign`].
    pub fn scored_words(&self, doc: &str, s: &mut Scratch) -> DocWords {
        let a = &s.analysis;
        s.cores.fill(
            doc,
            &a.tok.tokens,
            &a.info,
            &mut s.echo_scratch,
            self.joiner.stats.prior(),
        );
        DocWords::of(&s.cores, &s.probs)
    }

    /// Rescores, in a document scored into `s` by [`Model::scored_words`]
    /// (whose own words are `own`), each token whose word other documents
    /// of `memory` were found to carry, by its group's campaign stage. The
    /// stage only raises a probability: what the page itself shows (a
    /// suffix word beside a sure name) is not unlearned because other pages
    /// left the word bare.
    ///
    /// A token the stage scored moves to its group's memory group
    /// (`g + REGIMES`), which has thresholds of its own
    /// ([`Model::campaign_thresholds`]): the memory's word on a token is
    /// not its second stage's, and one threshold for both made the stage
    /// either raise too little or let the others through too easily.
    pub fn apply_campaign(&self, s: &mut Scratch, memory: &Campaign, own: &DocWords) {
        let rows = &mut s.campaign_rows;
        rows.clear();
        rows.extend(memory.rows(&s.cores, own, &s.probs, &s.groups, &self.joiner.stats));
        for (i, x) in rows.iter() {
            if let Some(stage) = self.campaign_stage(s.groups[*i]) {
                s.probs[*i] = s.probs[*i].max(stage.prob(x));
                s.groups[*i] += REGIMES as u8;
            }
        }
    }

    /// Fills `s.grow` for a document scored with the memory (after
    /// [`Model::apply_campaign`]): per token, the growth stage's probability
    /// that it goes with a removed run beside it, 0 below
    /// [`features::GROWTH_MIN_P`]; where its group has no growth stage, the
    /// token's own probability. Documents judged alone need none of it:
    /// [`Model::decide`] compares their own probabilities.
    pub fn growth_probs(&self, s: &mut Scratch) {
        let a = &s.analysis;
        let scored = GrowthInputs {
            probs: &s.probs,
            groups: &s.groups,
            tokens: &a.tok.tokens,
            info: &a.info,
            z1: &s.z1,
            campaign_rows: &s.campaign_rows,
        };
        self.growth_probs_of(&scored, &mut s.grow);
    }

    /// [`Model::growth_probs`] with the memory, from a scored document's
    /// parts, into `out`.
    pub fn growth_probs_of(&self, d: &GrowthInputs, out: &mut Vec<f32>) {
        out.clear();
        out.extend(d.probs.iter().enumerate().map(|(i, &p)| {
            let g = d.groups.get(i).map_or(0, |&g| g as usize % REGIMES);
            match self.growth.get(g).and_then(Option::as_ref) {
                None => p,
                Some(_) if p < features::GROWTH_MIN_P || !d.info[i].candidate => 0.0,
                Some(stage) => stage.prob(&d.growth_row(i)),
            }
        }));
    }

    /// The campaign stage of token group `g`, if it has one.
    pub fn campaign_stage(&self, g: u8) -> Option<&Linear> {
        self.campaign.get(g as usize).and_then(Option::as_ref)
    }

    /// The spans to delete from `doc`: sorted, disjoint, on char boundaries.
    pub fn find_spans(&self, doc: &str) -> Vec<Span> {
        self.find_spans_with(doc, None)
    }

    /// [`Model::find_spans`], each token's word first given what `memory`
    /// (built from the corpus with [`Model::doc_words`]) knows of it.
    pub fn find_spans_with(&self, doc: &str, memory: Option<&Campaign>) -> Vec<Span> {
        if doc.is_ascii() {
            // Every fragment holds Korean in some encoding: none here.
            return Vec::new();
        }
        if let Some(lf) = LfView::of(doc) {
            return lf.spans_back(self.find_spans_with(&lf.text, memory));
        }
        if let Some(u) = Unglued::of(doc, &mut Default::default()) {
            return u.spans_back(doc, self.find_spans_as_read(&u.text, memory));
        }
        self.find_spans_as_read(doc, memory)
    }

    /// [`Model::find_spans_with`] on `doc` as it stands (no other view of
    /// its line ends or its glued runs).
    fn find_spans_as_read(&self, doc: &str, memory: Option<&Campaign>) -> Vec<Span> {
        ANALYSIS.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            let (thresholds, extend, grow) = match memory {
                Some(memory) if self.campaign.iter().any(Option::is_some) => {
                    self.score_with_memory(doc, s, memory);
                    self.growth_probs(s);
                    let grow = Some(s.grow.as_slice());
                    (&self.campaign_thresholds, &self.campaign_extend, grow)
                }
                // Alone, runs grow by the tokens' own probabilities.
                _ => {
                    self.score_tokens_above(doc, s, self.stage2_floor());
                    (&self.thresholds, &self.extend, None)
                }
            };
            Model::decide(
                &mut s.probs,
                grow,
                &s.groups,
                &s.analysis.tok.tokens,
                thresholds,
                extend,
            );
            restore::spans(doc, &s.analysis.tok, &s.probs, 0.5, &self.joiner)
        })
    }
}

/// A first-stage model's weights split as the features are built when
/// scoring ([`features::INTRINSIC`], [`features::DOCUMENT`],
/// [`features::CONTEXT`]): a token's own terms are summed once per distinct
/// token and memoized, the document's once per document, and only the
/// context's once per token. The sums come out in another order than
/// [`Linear::logit`]'s, so equal to it up to rounding.
#[derive(Debug, Clone)]
pub struct FirstStage {
    own: [f32; features::N_INTRINSIC],
    doc: [f32; 4],
    /// Zero past [`features::N_CONTEXT`].
    context: [f32; features::CONTEXT_WIDTH],
    b: f32,
}

impl FirstStage {
    fn of(l: &Linear) -> FirstStage {
        let w = |j: usize| l.w.get(j).copied().unwrap_or(0.0);
        FirstStage {
            own: features::INTRINSIC.map(w),
            doc: features::DOCUMENT.map(w),
            context: std::array::from_fn(|k| features::CONTEXT.get(k).map_or(0.0, |&j| w(j))),
            b: l.b,
        }
    }

    /// The terms of a token's own features ([`crate::features::TokenInfo::parts`]).
    #[inline]
    pub fn own_terms(&self, own: &[f32; features::N_INTRINSIC]) -> f32 {
        dot(&self.own, own)
    }

    /// The intercept with the document's terms.
    pub fn doc_bias(&self, doc: &[f32; 4]) -> f32 {
        self.b + dot(&self.doc, doc)
    }

    /// The logit from a token's memoized own terms, its document's bias and
    /// its context features.
    #[inline]
    pub fn logit(
        &self,
        doc_bias: f32,
        own_terms: f32,
        context: &[f32; features::CONTEXT_WIDTH],
    ) -> f32 {
        doc_bias + own_terms + dot(&self.context, context)
    }
}

/// The logistic function: the probability of a logit. One definition for
/// every stage, so training, scoring and the second-stage shortcut agree to
/// the bit.
#[inline]
/// Gives each spaced run's tokens (`R O Y A L 6 7 5 4 . T O P`, a run
/// along one line, [`features::TokenInfo::spaced`]) their mean probability:
/// the run spells one word, which goes or stays whole. Scored one by one,
/// a letter that is a word of its own (`A`) stayed behind. A run is cut
/// where the kind of char changes (an address's ASCII, a name's syllables)
/// and at other punctuation: the article's own one-char words beside a
/// spelled-out address (`... . C O . K R 그 사람을`, `K R , 토스트`) are
/// not part of it.
fn spaced_runs_together(
    doc: &str,
    tokens: &[Token],
    info: &[features::TokenInfo],
    probs: &mut [f32],
) {
    let n = probs.len().min(info.len()).min(tokens.len());
    // 0: ASCII letters, digits and the dots and hyphens of an address;
    // 1: other letters (Hangul); None: the rest, never in a run.
    let kind = |i: usize| {
        if !(info[i].spaced && info[i].candidate) {
            return None;
        }
        let c = doc[tokens[i].start..tokens[i].end].chars().next()?;
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            Some(0)
        } else if c.is_alphanumeric() {
            Some(1)
        } else {
            None
        }
    };
    let mut i = 0;
    while i < n {
        let Some(k) = kind(i) else {
            i += 1;
            continue;
        };
        let start = i;
        while i + 1 < n && !tokens[i].last && kind(i + 1) == Some(k) {
            i += 1;
        }
        let run = &mut probs[start..=i];
        let mean = run.iter().sum::<f32>() / run.len() as f32;
        run.iter_mut().for_each(|p| *p = mean);
        i += 1;
    }
}

/// The largest `f32` below 0.5: the score of a token just short of its
/// threshold can come no closer to the cut.
const BELOW_HALF: f32 = 0.499_999_97;

/// A token's probability `p` on one scale across token groups, in [0, 1]:
/// its logit shifted by its group's threshold `t`'s,
/// `σ(logit p − logit t) = p(1−t) / (p(1−t) + (1−p)t)`, so that every
/// group's threshold reads 0.5, 0 and 1 stay where they are, and a score
/// reads the same odds against the cut in every group (a dolma mixer's
/// filter on the attribute, `--threshold` and the report read one number).
/// Why not `p − t + 0.5`: it leaves [0, 1] (1.24 for a sure token where
/// `t` is 0.26). The cut decides exactly as `p ≥ t` does, rounding
/// included; a threshold at or past 0 or 1 (a group turned on or off
/// whole) maps linearly.
pub fn on_one_scale(p: f32, t: f32) -> f32 {
    let removed = p >= t;
    let q = p.clamp(0.0, 1.0);
    let s = if t.is_nan() || t <= 0.0 {
        0.5 + 0.5 * q
    } else if t >= 1.0 {
        0.5 * (q / t)
    } else {
        let (a, b) = (q * (1.0 - t), (1.0 - q) * t);
        if a + b > 0.0 {
            a / (a + b)
        } else {
            0.5
        }
    };
    if removed {
        s.max(0.5)
    } else {
        s.min(BELOW_HALF)
    }
}

/// [`Model::stage2_floor`] for these thresholds.
fn stage2_floor(thresholds: &[f32], extend: &[f32]) -> f32 {
    let mut all = thresholds.iter().chain(extend);
    let m = thresholds
        .iter()
        .chain(extend)
        .fold(f32::INFINITY, |m, &t| m.min(t));
    // Compared one by one: `min` would pass over a NaN.
    if all.all(|&t| t >= 1.0 / 1024.0) && m.is_finite() {
        (m / 4.0).ln()
    } else {
        f32::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spaced_run_goes_or_stays_whole() {
        // `x R O Y A L . T O P 그 , y z`: tokens 1..=11 of line one are
        // marked spaced; the address (1..=9) is one run, the article's `그`
        // after it is another, and `,` is in none. `y` is not spaced, and
        // the run would stop at the line's end.
        let doc = "x R O Y A L . T O P 그 , y\nz";
        let mut tok = crate::tokens::Tokenized::default();
        tok.split(doc);
        let n = tok.tokens.len();
        assert_eq!(n, 14);
        let mut info = vec![features::TokenInfo::default(); n];
        for (k, inf) in info.iter_mut().enumerate() {
            inf.candidate = true;
            inf.spaced = (1..=11).contains(&k);
        }
        let mut probs = vec![0.9f32; n];
        probs[4] = 0.1; // `A`, a word of its own
        probs[10] = 0.2; // `그`
        probs[11] = 0.3; // `,`
        probs[12] = 0.4;
        spaced_runs_together(doc, &tok.tokens, &info, &mut probs);
        let mean = (8.0 * 0.9 + 0.1) / 9.0;
        for p in &probs[1..=9] {
            assert!((p - mean).abs() < 1e-6, "{probs:?}");
        }
        assert_eq!(probs[0], 0.9);
        assert_eq!(probs[10..], [0.2, 0.3, 0.4, 0.9]);
    }

    #[test]
    fn bad_model_files_are_refused_with_a_reason() {
        let e = Model::from_bytes(b"").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = Model::from_bytes(b"hello, this is not a model at all")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad magic"), "{e}");
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&99u32.to_le_bytes());
        v.extend_from_slice(&[0; 16]);
        let e = Model::from_bytes(&v).unwrap_err().to_string();
        assert!(e.contains("version 99"), "{e}");
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        v.extend_from_slice(&100u64.to_le_bytes());
        v.extend_from_slice(&[1, 2, 3]);
        let e = Model::from_bytes(&v).unwrap_err().to_string();
        assert!(e.contains("corrupt or truncated"), "{e}");
    }

    #[test]
    fn the_character_pairs_are_stored_after_the_model_and_format_14_still_reads() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.model"))
            .expect("the default model");
        let m = Model::from_bytes(&bytes).expect("loads");
        let prior = m.joiner.stats.prior().expect("a prior");
        let (with, without) = (prior.pair_surprise("휘둘러"), prior.pair_surprise("히둘러"));
        assert!(with < without, "{with} {without}");
        assert_eq!(
            Model::from_bytes(&m.to_bytes().unwrap()).unwrap().joiner.stats.prior().unwrap()
                .pair_surprise("휘둘러"),
            with
        );
        // The same model as format 14 wrote it: no pairs after it.
        let len = u64::from_le_bytes(bytes[20..28].try_into().unwrap()) as usize;
        let mut payload = crate::frames::unpack(&bytes[28..], len, 1).unwrap();
        let pairs = postcard::to_stdvec(m.joiner.stats.char_pairs()).unwrap();
        assert!(payload.ends_with(&pairs));
        payload.truncate(payload.len() - pairs.len());
        let mut old = MAGIC.to_vec();
        old.extend_from_slice(&BEFORE_PAIRS_VERSION.to_le_bytes());
        old.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        old.extend_from_slice(&crate::frames::pack(&payload, 1).unwrap());
        let m14 = Model::from_bytes(&old).expect("format 14 reads");
        assert_eq!(m14.joiner.stats.prior().unwrap().pair_surprise("휘둘러"), 0.0);
        assert_eq!(m14.thresholds, m.thresholds);
    }

    #[test]
    fn lexical_sgd_separates_a_toy_problem() {
        let rows: Vec<(Vec<u32>, bool)> = (0..400)
            .map(|i| (vec![(i % 2) as u32, 7], i % 2 == 1))
            .collect();
        let m = Lexical::fit(&rows, 3, 1);
        assert!(m.score(&[1, 7]) > 0.0 && m.score(&[0, 7]) < 0.0);
    }

    #[test]
    fn linfa_fit_gives_probability_of_true() {
        let rows: Vec<Vec<f32>> = (0..200).map(|i| vec![(i % 10) as f32, 1.0]).collect();
        let labels: Vec<bool> = (0..200).map(|i| i % 10 >= 5).collect();
        let m = Linear::fit(&["a", "b"], &rows, &labels, 0.01, 200).unwrap();
        assert!(m.prob(&[9.0, 1.0]) > 0.9 && m.prob(&[0.0, 1.0]) < 0.1);
    }

    #[test]
    fn folded_weights_give_the_standardized_logit() {
        let m = Linear::new(
            vec!["a".into(), "b".into()],
            vec![1.0, -2.0],
            vec![2.0, 0.5],
            vec![3.0, -1.0],
            0.25,
        );
        let x = [4.0f32, 1.0];
        let want = 0.25 + 3.0 * (4.0 - 1.0) / 2.0 - 1.0 * (1.0 + 2.0) / 0.5;
        assert!(
            (m.logit(&x) - want).abs() < 1e-5,
            "{} vs {want}",
            m.logit(&x)
        );
    }

    #[test]
    fn lexical_rounding_keeps_scores_and_round_trips() {
        let w: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.37).sin() * 7.0).collect();
        let l = Lexical::new(-0.5, &w);
        let exact = -0.5 + w[3] + w[500] + w[999];
        assert!((l.score(&[3, 500, 999]) - exact).abs() < 1e-3);
        let back: Lexical = postcard::from_bytes(&postcard::to_stdvec(&l).unwrap()).unwrap();
        assert_eq!(
            (back.bias, back.scale, &back.weights),
            (l.bias, l.scale, &l.weights)
        );
    }

    /// `tokens` for one line of `n` tokens.
    fn one_line(n: usize) -> Vec<Token> {
        (0..n)
            .map(|i| Token {
                start: i,
                end: i + 1,
                line: 0,
                first: i == 0,
                last: i + 1 == n,
            })
            .collect()
    }

    #[test]
    fn scoring_by_parts_agrees_with_the_whole_model() {
        // The embedded model on the samples (and a mojibake one), twice: the
        // second pass reads every token's own terms from the memo.
        let model = crate::detector::Detector::embedded()
            .expect("embedded model")
            .model();
        let docs = [
            include_str!("../data/samples/article.txt"),
            include_str!("../data/samples/article_ko.txt"),
            include_str!("../data/samples/article_ko.clean.txt"),
            "Talks ended.\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå sogo9.com 바다이야기 릴게임 추천\nfor restorin g relations",
        ];
        let mut s = Scratch::default();
        let (mut checked, mut bounded) = (0, 0);
        for _ in 0..2 {
            for doc in docs {
                model.score_tokens(doc, &mut s);
                let Scratch {
                    analysis: a,
                    z1,
                    p1,
                    groups,
                    echo,
                    fluency,
                    ..
                } = &s;
                let doc_stage = features::DocFirstStage::of(p1);
                let mut x = [0f32; DENSE_DIM];
                for (i, inf) in a.info.iter().enumerate().filter(|(_, inf)| inf.candidate) {
                    let st = &model.tokens[groups[i] as usize];
                    a.dense(i, &mut x);
                    let whole = st.first.logit(&x);
                    assert!(
                        (z1[i] - whole).abs() <= 1e-4 * whole.abs().max(1.0),
                        "token {i}: {} vs {whole}",
                        z1[i]
                    );
                    checked += 1;
                    if p1[i] < features::FLUENCY_MIN_P1 {
                        let z2 = st.second.logit(&features::stage2(
                            &a.tok.tokens,
                            &a.info,
                            z1,
                            p1,
                            &doc_stage,
                            echo,
                            fluency,
                            i,
                        ));
                        let ub = features::stage2_upper(
                            &st.second.w,
                            st.second.b,
                            inf,
                            i,
                            z1[i],
                            &doc_stage,
                            echo[i],
                        );
                        assert!(
                            z2 <= ub + 1e-3,
                            "token {i}: second-stage logit {z2} above its bound {ub}"
                        );
                        bounded += 1;
                    }
                }
            }
        }
        assert!(checked > 400 && bounded > 300, "{checked} {bounded}");
    }

    #[test]
    fn second_stage_floor_changes_no_span() {
        // A token under the floor, as computed or as 0, beside removed,
        // grown and kept tokens: the same tokens reach 0.5 (what
        // `restore::spans` cuts at), with the same scores.
        for th in [1.0 / 512.0, 1.0 / 32.0, 0.05, 0.3, 0.5, 0.999] {
            for low in [th, th / 2.0, 0.9 * th] {
                let floor = stage2_floor(&[th], &[low]);
                assert!(floor > f32::NEG_INFINITY);
                for z in [floor - 1e-3, floor - 1.0, -30.0, -100.0] {
                    let p = sigmoid(z);
                    for ctx in [[0.0, 0.99, 1.0], [th, low, 0.0], [1.0, 1.0, 1.0]] {
                        let mut a = vec![ctx[0], p, ctx[1], p, ctx[2]];
                        let mut b = vec![ctx[0], 0.0, ctx[1], 0.0, ctx[2]];
                        for v in [&mut a, &mut b] {
                            Model::decide(v, None, &[0; 5], &one_line(5), &[th], &[low]);
                        }
                        let cut = |v: &[f32]| {
                            v.iter()
                                .map(|&x| (x >= 0.5).then_some(x.to_bits()))
                                .collect::<Vec<_>>()
                        };
                        assert_eq!(cut(&a), cut(&b), "th {th} low {low} z {z}");
                        assert!(a[1] < 0.5 && a[3] < 0.5);
                    }
                }
            }
        }
        assert_eq!(stage2_floor(&[1e-5], &[0.5]), f32::NEG_INFINITY);
        assert_eq!(stage2_floor(&[0.5], &[f32::NAN]), f32::NEG_INFINITY);
    }

    #[test]
    fn scores_lie_in_zero_one_and_cut_where_the_threshold_does() {
        assert_eq!(BELOW_HALF, f32::from_bits(0.5f32.to_bits() - 1));
        let ps: Vec<f32> = (0..=1000).map(|i| i as f32 / 1000.0).collect();
        for t in [0.0, 1e-6, 0.26, 0.44, 0.58, 0.999, 1.0, 2.0, -1.0] {
            let mut last = 0.0;
            for &p in &ps {
                let s = on_one_scale(p, t);
                assert!((0.0..=1.0).contains(&s), "p {p} t {t}: {s}");
                assert_eq!(s >= 0.5, p >= t, "p {p} t {t}: {s}");
                assert!(s >= last - 1e-6, "not monotone at p {p} t {t}");
                last = s;
            }
        }
        assert_eq!(on_one_scale(0.26, 0.26), 0.5);
        assert_eq!(on_one_scale(1.0, 0.26), 1.0);
        assert_eq!(on_one_scale(0.0, 0.58), 0.0);
        // The same odds against the cut read the same in two groups: p at
        // 3:1 odds over a threshold of even odds, and 0.9 (9:1) over 0.75 (3:1).
        assert!((on_one_scale(0.75, 0.5) - 0.75).abs() < 1e-6);
        assert!((on_one_scale(0.9, 0.75) - 0.75).abs() < 1e-6);
        // A grown token (set to its threshold) scores 0.5 exactly.
        let mut p = vec![0.95, 0.5];
        Model::decide(&mut p, None, &[0; 2], &one_line(2), &[0.9], &[0.4]);
        assert_eq!(p[1], 0.5);
        assert!(p[0] > 0.5 && p[0] <= 1.0);
    }

    #[test]
    fn runs_grow_over_weak_neighbours_only_beside_a_removed_token() {
        let toks = one_line(6);
        // news, weak, sure, weak, weaker, weak-alone... all group 0.
        let mut p = vec![0.1, 0.5, 0.95, 0.6, 0.2, 0.5];
        Model::decide(&mut p, None, &[0; 6], &toks, &[0.9], &[0.4]);
        let removed: Vec<bool> = p.iter().map(|&x| x >= 0.5).collect();
        assert_eq!(removed, [false, true, true, true, false, false]);
        // Growth stops at a line end.
        let mut toks = one_line(3);
        toks[1].last = true;
        toks[2].first = true;
        toks[2].line = 1;
        let mut p = vec![0.95, 0.5, 0.5];
        Model::decide(&mut p, None, &[0; 3], &toks, &[0.9], &[0.4]);
        assert_eq!(
            p.iter().map(|&x| x >= 0.5).collect::<Vec<_>>(),
            [true, true, false]
        );
        // Off: a threshold above 1.
        let mut p = vec![0.95, 0.5];
        Model::decide(&mut p, None, &[0; 2], &one_line(2), &[0.9], &[2.0]);
        assert!(p[1] < 0.5);
    }

    #[test]
    fn tokens_the_memory_scored_have_their_own_thresholds() {
        use crate::train::EXTEND_OFF;
        let mut model = crate::detector::Detector::embedded()
            .expect("embedded model")
            .model()
            .clone();
        model.campaign_thresholds = vec![0.5, 0.5, 0.5, 0.8, 0.8, 0.8];
        model.campaign_extend = vec![0.3, 0.3, 0.3, EXTEND_OFF, EXTEND_OFF, EXTEND_OFF];
        assert_eq!(model.check(), Ok(()));
        let (th, ext) = (&model.campaign_thresholds, &model.campaign_extend);
        // Group 1: a name the memory scored at 0.9, a suffix word beside it
        // the memory knows nothing of (0.35, grows at 0.3), a word the
        // memory scored at 0.7 (below its 0.8), and one it did not at 0.6.
        let g = (1 + REGIMES) as u8;
        let mut p = vec![0.9, 0.35, 0.1, 0.7, 0.1, 0.6];
        Model::decide(&mut p, None, &[g, 1, 1, g, 1, 1], &one_line(6), th, ext);
        let removed: Vec<bool> = p.iter().map(|&x| x >= 0.5).collect();
        assert_eq!(removed, [true, true, false, false, false, true]);
    }
}
