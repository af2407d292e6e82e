//! Fitting a model ([`Detector`]) from labeled documents, in the fit/predict shape of
//! linfa: build features with ndarray, fit, choose the threshold on held-out
//! data.
//!
//! The lexical scorer is fitted on the train split, and the joiner on cuts
//! of its clean text ([`join_stats`], [`fit_joiner`]). The token stages are
//! fitted on the dev split, whose spam terms the lexical scorer never saw:
//! fitted on train, they would learn to trust a lexical score that has
//! memorized its terms, and fail on unseen ones. Dev then picks the
//! decisions ([`calibrate`]): the thresholds, the campaign stage (dev taken
//! as a corpus of its own), the growth stage and the thresholds with them.

use rayon::prelude::*;

use crate::campaign::{Campaign, DocCores, DocWords, CAMPAIGN_DIM, CAMPAIGN_NAMES};
use crate::detector::Detector;
use crate::error::{Error, Result};
use crate::features::{
    self, Analysis, Regime, TokenInfo, DENSE_DIM, DENSE_NAMES, GROWTH_NAMES, REGIMES, STAGE2_NAMES,
};
use crate::join::JoinScript;
use crate::join::Joiner;
use crate::labeled::Example;
use crate::model::{Lexical, Linear, Meta, Model, TokenStages};
use crate::restore;
use crate::spacing::Spacing;
use crate::span::Span;
use crate::stats::{DocCounts, JoinStats};
use crate::tokens::Token;

/// Training settings, checked (`Config::check`, of [`linfa::ParamGuard`]): what [`fit`] takes.
/// Defaults are the recipe of the default model.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig {
    pub(crate) seed: u64,
    pub(crate) lex_epochs: usize,
    /// Cap on dense training rows (negatives are subsampled to fit).
    pub(crate) max_dense_rows: usize,
    pub(crate) l2: f64,
    pub(crate) max_iter: u64,
    /// Joiner examples drawn per clean document.
    pub(crate) join_per_doc: usize,
    /// Train documents the joiner draws examples from (evenly spaced).
    pub(crate) join_docs: usize,
    /// Passes of the joiner's spacing model over the clean text.
    pub(crate) spacing_epochs: usize,
    /// Minimum pass-through rate of clean documents when picking the threshold.
    pub(crate) min_clean_pass: f64,
}

impl Default for ValidConfig {
    fn default() -> Self {
        ValidConfig {
            seed: 1,
            lex_epochs: 3,
            max_dense_rows: 400_000,
            l2: 1.0,
            max_iter: 300,
            join_per_doc: 40,
            join_docs: 3000,
            spacing_epochs: 2,
            min_clean_pass: 0.999,
        }
    }
}

/// Training settings as given, not yet checked: set them with the builder
/// methods, then `check` them into a [`ValidConfig`], the way
/// linfa's hyperparameters are checked ([`linfa::ParamGuard`]). A bad value
/// is refused before any work, with the setting's name.
///
/// ```
/// use linfa::ParamGuard;
/// let cfg = spamsplice::train::Config::default().l2(0.5).seed(7).check().unwrap();
/// assert_eq!(cfg.l2(), 0.5);
/// assert!(spamsplice::train::Config::default().l2(-1.0).check().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config(ValidConfig);

macro_rules! settings {
    ($($(#[$doc:meta])* $name:ident: $ty:ty,)*) => {
        impl Config {
            $($(#[$doc])* pub fn $name(mut self, value: $ty) -> Config {
                self.0.$name = value;
                self
            })*
        }
        impl ValidConfig {
            $($(#[$doc])* pub fn $name(&self) -> $ty {
                self.$name
            })*
        }
    };
}

settings! {
    /// Seed of every random choice (sampling, the joiner's cuts).
    seed: u64,
    /// Passes of the lexical scorer's SGD (at least 1).
    lex_epochs: usize,
    /// Cap on dense training rows; negatives are subsampled to fit (at least 1).
    max_dense_rows: usize,
    /// L2 penalty of the logistic regressions (finite, at least 0).
    l2: f64,
    /// Iterations of the logistic regressions' solver (at least 1).
    max_iter: u64,
    /// Joiner examples drawn per clean document.
    join_per_doc: usize,
    /// Train documents the joiner draws examples from, evenly spaced (at least 1).
    join_docs: usize,
    /// Passes of the spacing model over the clean text (at least 1).
    spacing_epochs: usize,
    /// Least share of clean dev documents passed untouched when the
    /// thresholds are picked (in [0, 1]).
    min_clean_pass: f64,
}

impl linfa::ParamGuard for Config {
    type Checked = ValidConfig;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidConfig> {
        let c = &self.0;
        let bad = |param: &'static str, reason: String| Err(Error::Config { param, reason });
        if !(c.l2.is_finite() && c.l2 >= 0.0) {
            return bad("l2", format!("must be a non-negative number, got {}", c.l2));
        }
        if !(0.0..=1.0).contains(&c.min_clean_pass) {
            return bad(
                "min_clean_pass",
                format!("must lie in [0, 1], got {}", c.min_clean_pass),
            );
        }
        for (param, v) in [
            ("lex_epochs", c.lex_epochs as u64),
            ("max_dense_rows", c.max_dense_rows as u64),
            ("max_iter", c.max_iter),
            ("join_docs", c.join_docs as u64),
            ("spacing_epochs", c.spacing_epochs as u64),
        ] {
            if v == 0 {
                return bad(param, "must be at least 1".into());
            }
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<ValidConfig> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// An extension threshold no probability reaches.
pub const EXTEND_OFF: f32 = 2.0;

/// Figures from training, for the trainer to show.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Lexical scorer training rows.
    pub lex_rows: usize,
    /// Of those, spam.
    pub lex_positive: usize,
    /// Dense (first-stage) training rows.
    pub dense_rows: usize,
    /// Joiner training examples.
    pub join_rows: usize,
    /// The joiner's accuracy on held-out dev text.
    pub join_accuracy: f64,
    /// Distinct words and word pairs the joiner's tables keep.
    pub join_words: usize,
    /// Word pairs the tables keep.
    pub join_pairs: usize,
    /// Per regime: the threshold search on dev for documents judged alone
    /// (the chosen values are the model's `thresholds` and `extend`).
    pub grid: Vec<Grid>,
    /// Per token group: the threshold chosen on the grid.
    pub thresholds: Vec<f32>,
    /// Per token group: the growth stage's probability above which a run
    /// grows over a neighbour (above 1: it never grows).
    pub extend: Vec<f32>,
    /// Per group, the memory silent then scored by it: the threshold chosen
    /// with the campaign stage.
    pub campaign_thresholds: Vec<f32>,
    /// Per regime: dev tokens whose word other dev documents were found to
    /// carry (the campaign stage's rows).
    pub campaign_rows: Vec<usize>,
    /// Per regime: the threshold search with the campaign stage (the model's
    /// `campaign_thresholds` and `campaign_extend`).
    pub campaign_grid: Vec<Grid>,
    /// Per regime, with the memory: dev tokens beside a removed run (the
    /// growth stage's rows).
    pub growth_rows: Vec<usize>,
}

/// Fewest rows of each label for a regime's campaign or growth stage to be
/// fitted.
const STAGE_MIN_ROWS: usize = 20;

/// One dev document's candidate tokens, kept for the second stage.
struct DocRows<'e> {
    text: &'e str,
    tokens: Vec<Token>,
    info: Vec<TokenInfo>,
    /// (token index, features, gold, model group)
    cand: Vec<(usize, [f32; DENSE_DIM], bool, usize)>,
}

/// Grid steps each side that [`plateau_best`] scores a value with.
const SMOOTH: usize = 2;

/// The index of the grid value (in `values`, ascending, [`EXTEND_OFF`] aside)
/// whose score averaged with its neighbours' ([`SMOOTH`] steps each side) is
/// highest, the first on ties; `None` for an empty grid. Dev's curve is flat
/// near its top and ragged by a document or two, and the middle of a plateau
/// holds on unseen text where one lucky point does not. [`EXTEND_OFF`] is
/// scored alone.
fn plateau_best(values: &[f32], scores: &[f64]) -> Option<usize> {
    let off = |i: usize| values[i] == EXTEND_OFF;
    let smoothed = |i: usize| {
        let window = i.saturating_sub(SMOOTH)..(i + SMOOTH + 1).min(values.len());
        let (sum, n) = window
            .filter(|&j| off(j) == off(i))
            .fold((0.0, 0.0), |(s, n), j| (s + scores[j], n + 1.0));
        sum / n
    };
    (0..values.len())
        .fold(None, |top: Option<(usize, f64)>, i| {
            let s = smoothed(i);
            match top {
                Some((_, t)) if t >= s => top,
                _ => Some((i, s)),
            }
        })
        .map(|t| t.0)
}

/// Keeps every positive row and a seeded sample of negatives, `cap` rows at most.
fn subsample(rows: Vec<(Vec<f32>, bool)>, cap: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<bool>) {
    use rand::SeedableRng;
    let pos = rows.iter().filter(|r| r.1).count();
    let neg = rows.len() - pos;
    let keep_neg = cap.saturating_sub(pos).min(neg);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut keep = vec![false; neg];
    for i in rand::seq::index::sample(&mut rng, neg, keep_neg).iter() {
        keep[i] = true;
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut ni = 0;
    for (r, label) in rows {
        let take = label || {
            ni += 1;
            keep[ni - 1]
        };
        if take {
            x.push(r);
            y.push(label);
        }
    }
    (x, y)
}

/// The first-stage model of group `g` while fitting a later group: groups
/// fitted earlier are final; later ones are not fitted yet, so `current`
/// stands in.
fn stages_so_far<'a>(stages: &'a [TokenStages], current: &'a Linear, g: usize) -> &'a Linear {
    stages.get(g).map_or(current, |s| &s.first)
}

/// Fits with linfa, or, for a regime the data never shows spam in, a model
/// that never flags.
fn fit_or_constant(
    names: &[&str],
    x: &[Vec<f32>],
    y: &[bool],
    cfg: &ValidConfig,
) -> Result<Linear> {
    if y.iter().any(|&b| b) && y.iter().any(|&b| !b) {
        Linear::fit(names, x, y, cfg.l2, cfg.max_iter)
    } else {
        Ok(Linear::constant(names, -20.0))
    }
}

/// One group's threshold search: (threshold, exact rate on injected, pass
/// rate on clean) at each value tried.
pub type Grid = Vec<(f32, f64, f64)>;

/// A dev document scored once, for the threshold search.
struct Scored<'e> {
    ex: &'e Example,
    tok: crate::tokens::Tokenized,
    probs: Vec<f32>,
    groups: Vec<u8>,
    /// Its tokens' Hangul words.
    cores: DocCores,
    /// Per token: the campaign stage's features, where other documents
    /// of dev were found to carry its word.
    campaign: Vec<(usize, [f32; CAMPAIGN_DIM])>,
    info: Vec<TokenInfo>,
    z1: Vec<f32>,
    /// Per token: what growth compares with `extend` once the growth stage
    /// is fitted ([`Model::growth_probs`]); before, the token's own probability.
    grow: Option<Vec<f32>>,
}

impl Scored<'_> {
    /// The parts [`Model::growth_probs_of`] reads.
    fn parts(&self) -> crate::model::GrowthInputs<'_> {
        crate::model::GrowthInputs {
            probs: &self.probs,
            groups: &self.groups,
            tokens: &self.tok.tokens,
            info: &self.info,
            z1: &self.z1,
            campaign_rows: &self.campaign,
        }
    }
}

/// Per-group thresholds and growth thresholds: from `start`, each group of
/// `search` in turn has its threshold (two rounds of coordinate search),
/// then its growth threshold below it, set for the most exact restorations
/// of `scored` while clean documents pass through. Returns the searched
/// groups' thresholds, growth thresholds and threshold grids (threshold,
/// exact rate, pass rate) of the last round.
fn choose_thresholds(
    scored: &[Scored],
    joiner: &Joiner,
    cfg: &ValidConfig,
    start: (Vec<f32>, Vec<f32>),
    search: std::ops::Range<usize>,
) -> (Vec<f32>, Vec<f32>, Vec<Grid>) {
    let rates = |th: &[f32], ext: &[f32]| -> (f64, f64) {
        let ok: Vec<(bool, bool)> = scored
            .par_iter()
            .map(|d| {
                let mut p = d.probs.clone();
                Model::decide(&mut p, d.grow.as_deref(), &d.groups, &d.tok.tokens, th, ext);
                let spans: Vec<Span> = restore::spans(&d.ex.text, &d.tok, &p, 0.5, joiner);
                (
                    crate::span::Cleaned::from_spans(&d.ex.text, spans).text == d.ex.clean,
                    d.ex.injected(),
                )
            })
            .collect();
        let n_inj = ok.iter().filter(|c| c.1).count().max(1) as f64;
        let n_clean = ok.iter().filter(|c| !c.1).count().max(1) as f64;
        (
            ok.iter().filter(|c| c.1 && c.0).count() as f64 / n_inj,
            ok.iter().filter(|c| !c.1 && c.0).count() as f64 / n_clean,
        )
    };
    let score = |(inj, cln): (f64, f64)| {
        inj + if cln >= cfg.min_clean_pass {
            10.0
        } else {
            10.0 * cln
        }
    };
    let grid: Vec<f32> = (1..=49).map(|i| i as f32 / 50.0).collect();
    let ext_grid: Vec<f32> = std::iter::once(EXTEND_OFF)
        .chain((1..20).map(|i| i as f32 / 20.0))
        .collect();
    let (mut th, mut ext) = start;
    let mut grids = vec![Vec::new(); search.len()];
    // The grid value of coordinate `g` of `at` that scores best on a
    // plateau ([`plateau_best`]), with each value's rates.
    let best = |at: &[f32],
                g: usize,
                grid: &mut dyn Iterator<Item = f32>,
                rates: &dyn Fn(&[f32]) -> (f64, f64)| {
        let mut trial = at.to_vec();
        let mut rows = Vec::new();
        for v in grid {
            trial[g] = v;
            let r = rates(&trial);
            rows.push((v, r.0, r.1));
        }
        let values: Vec<f32> = rows.iter().map(|r| r.0).collect();
        let scores: Vec<f64> = rows.iter().map(|r| score((r.1, r.2))).collect();
        let pick = plateau_best(&values, &scores).map_or(at[g], |k| values[k]);
        (pick, rows)
    };
    for _round in 0..2 {
        for g in search.clone() {
            let (t, rows) = best(&th, g, &mut grid.iter().copied(), &|trial| {
                rates(trial, &ext)
            });
            th[g] = t;
            grids[g - search.start] = rows;
            // Then the group's growth threshold (on the growth stage's
            // probability, which is not the token's own).
            ext[g] = best(&ext, g, &mut ext_grid.iter().copied(), &|trial| {
                rates(&th, trial)
            })
            .0;
        }
    }
    (th[search.clone()].to_vec(), ext[search].to_vec(), grids)
}

/// The joiner's counts over clean `texts` (each article once:
/// [`distinct_clean`]).
pub fn join_stats(texts: &[&str]) -> JoinStats {
    let mut stats = texts
        .par_chunks(256)
        .map(|chunk| {
            let mut s = JoinStats::default();
            for t in chunk {
                s.add(t);
            }
            s
        })
        .reduce(JoinStats::default, JoinStats::merge);
    stats.finish();
    stats
}

/// The distinct clean texts of `train`, first copies first: a generated
/// set holds an article once per way it was injected, and a copy counted
/// twice would stand in for the article itself when the joiner's examples
/// leave their own document out of the counts.
pub fn distinct_clean(train: &[Example]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    train
        .iter()
        .map(|e| e.clean.as_str())
        .filter(|t| seen.insert(*t))
        .collect()
}

/// Fits the joiner on cuts made in the clean text of `train` (each
/// document's own counts left out of `stats`, the counts of `texts`, the
/// distinct clean texts of `train`, which its spacing model learns from).
pub fn fit_joiner(
    train: &[Example],
    texts: &[&str],
    stats: JoinStats,
    cfg: &ValidConfig,
    report: &mut Report,
) -> Result<Joiner> {
    use rand::SeedableRng;
    // The spacing model is cross-fitted: examples cut from one half of the
    // clean texts are scored by a model fitted on the other half, so the
    // joiner weighs it as it will weigh it on unseen articles; the model
    // kept learns from all of them. A text's half is a hash of it, so
    // copies of one article stay together.
    let fold = |t: &str| (crate::hash::fnv64(t.as_bytes()) >> 7) as usize & 1;
    let halves: [Vec<&str>; 2] =
        [0, 1].map(|k| texts.iter().copied().filter(|t| fold(t) == k).collect());
    let (spacing, (other0, other1)) = rayon::join(
        || Spacing::fit(texts, cfg.spacing_epochs, cfg.seed),
        || {
            rayon::join(
                || Spacing::fit(&halves[1], cfg.spacing_epochs, cfg.seed),
                || Spacing::fit(&halves[0], cfg.spacing_epochs, cfg.seed),
            )
        },
    );
    let held_out = [&other0, &other1];
    // Examples come from the train documents themselves, each seen with its
    // own counts left out of the tables, as an unseen article would be.
    let step = (train.len() / cfg.join_docs.max(1)).max(1);
    let joined: Vec<(Vec<f32>, bool, JoinScript)> = train
        .par_iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, ex)| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                cfg.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let mut examples = Vec::new();
            crate::join::join_examples(&ex.clean, &mut rng, cfg.join_per_doc, &mut examples);
            if examples.is_empty() {
                return Vec::new();
            }
            let own = DocCounts::of(&ex.clean);
            let get = |t: usize, k: u64| stats.get(t, k).saturating_sub(own.get(t, k));
            let sp = held_out[fold(&ex.clean)];
            examples
                .iter()
                .map(|e| {
                    (
                        Joiner::features_with(&get, sp, &e.left, &e.right, e.local).to_vec(),
                        e.closes_up,
                        JoinScript::of(&e.left, &e.right),
                    )
                })
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect();
    let (mut jrows, mut jlabels, mut jscripts) = (Vec::new(), Vec::new(), Vec::new());
    for (row, label, script) in joined {
        jrows.push(row);
        jlabels.push(label);
        jscripts.push(script);
    }
    report.join_rows = jrows.len();
    Joiner::fit(
        stats,
        spacing,
        &jrows,
        &jlabels,
        &jscripts,
        cfg.l2,
        cfg.max_iter,
    )
}

/// Fits the whole model. `stage` is told what is being done (for a progress
/// display); the library itself never prints.
pub fn fit(
    train: &[Example],
    dev: &[Example],
    cfg: &ValidConfig,
    stage: &(dyn Fn(&str) + Sync),
) -> Result<(Detector, Report)> {
    let (model, report) = fit_model(train, dev, cfg, stage)?;
    Ok((Detector::from_model(model), report))
}

/// Copies the thresholds the model chose into its report.
fn report_choices(model: &Model, report: &mut Report) {
    report.thresholds = model.thresholds.clone();
    report.extend = model.extend.clone();
    report.campaign_thresholds = model.campaign_thresholds.clone();
}

/// [`fit`], giving the model itself (the tools that refit one stage of it
/// read and replace its parts).
pub fn fit_model(
    train: &[Example],
    dev: &[Example],
    cfg: &ValidConfig,
    stage: &(dyn Fn(&str) + Sync),
) -> Result<(Model, Report)> {
    use rand::SeedableRng;
    if train.is_empty() || dev.is_empty() {
        return Err(Error::Other(
            "training needs non-empty train and dev sets".into(),
        ));
    }
    let mut report = Report::default();

    stage("joiner statistics");
    let texts = distinct_clean(train);
    let stats = join_stats(&texts);
    (report.join_words, report.join_pairs) = stats.sizes();
    stage("lexical rows");
    let lex_rows: Vec<(Vec<u32>, bool)> = train
        .par_iter()
        .map_init(Analysis::default, |a, ex| {
            let mut rows: Vec<(usize, Vec<u32>)> = Vec::new();
            // The clean-text counts go in already: the CP949 view weighs its
            // readings by them, here as when the model runs.
            a.run(&ex.text, None, Some(&stats), None, |i, b| {
                rows.push((i, b.to_vec()))
            });
            rows.into_iter()
                .map(|(i, b)| (b, ex.inside(a.tok.tokens[i].start)))
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect();
    report.lex_rows = lex_rows.len();
    report.lex_positive = lex_rows.iter().filter(|r| r.1).count();
    stage("lexical fit");
    let lexical = Lexical::fit(&lex_rows, cfg.lex_epochs, cfg.seed);
    drop(lex_rows);

    stage("token rows");
    let lex_fn = |b: &[u32]| lexical.score(b);
    let docs: Vec<DocRows> = dev
        .par_iter()
        .map_init(Analysis::default, |a, ex| {
            a.run(&ex.text, Some(&lex_fn), Some(&stats), None, |_, _| {});
            let mut x = [0f32; DENSE_DIM];
            let mut cand = Vec::new();
            let regime = Regime::of(&a.stats);
            for i in 0..a.info.len() {
                if a.info[i].candidate {
                    a.dense(i, &mut x);
                    let g = features::group(regime, &a.info[i], &a.stats);
                    cand.push((i, x, ex.inside(a.tok.tokens[i].start), g));
                }
            }
            DocRows {
                text: &ex.text,
                tokens: a.tok.tokens.clone(),
                info: a.info.clone(),
                cand,
            }
        })
        .collect();
    let mut stages = Vec::with_capacity(REGIMES);
    for r in 0..REGIMES {
        stage(&format!("token model, regime {r} (linfa)"));
        let rows: Vec<(Vec<f32>, bool)> = docs
            .iter()
            .flat_map(|d| {
                d.cand
                    .iter()
                    .filter(|c| c.3 == r)
                    .map(|c| (c.1.to_vec(), c.2))
            })
            .collect();
        let (x, y) = subsample(rows, cfg.max_dense_rows, cfg.seed ^ r as u64);
        report.dense_rows += x.len();
        let first = fit_or_constant(&DENSE_NAMES, &x, &y, cfg)?;
        // Stage two sees the first stage of every token's own group.
        let rows2: Vec<(Vec<f32>, bool)> = docs
            .iter()
            .filter(|d| d.cand.iter().any(|c| c.3 == r))
            .flat_map(|d| {
                let mut z1 = vec![f32::NEG_INFINITY; d.tokens.len()];
                for c in &d.cand {
                    z1[c.0] = if c.3 == r {
                        first.logit(&c.1)
                    } else {
                        stages_so_far(&stages, &first, c.3).logit(&c.1)
                    };
                }
                let mut p1 = Vec::new();
                features::first_stage_probs(&z1, &mut p1);
                let doc = features::DocFirstStage::of(&p1);
                let mut echo = Vec::new();
                features::echoes(
                    d.text,
                    &d.tokens,
                    &d.info,
                    &p1,
                    &mut features::EchoScratch::default(),
                    stats.prior(),
                    &mut echo,
                );
                let mut fluency = Vec::new();
                features::fluency(d.text, &d.tokens, &p1, &stats, &mut fluency);
                d.cand
                    .iter()
                    .filter(|c| c.3 == r)
                    .map(move |c| {
                        (
                            features::stage2(
                                &d.tokens, &d.info, &z1, &p1, &doc, &echo, &fluency, c.0,
                            )
                            .to_vec(),
                            c.2,
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let (x2, y2) = subsample(rows2, cfg.max_dense_rows, cfg.seed ^ 0x20 ^ r as u64);
        let second = fit_or_constant(&STAGE2_NAMES, &x2, &y2, cfg)?;
        stages.push(TokenStages { first, second });
    }
    drop(docs);

    stage("joiner fit (linfa)");
    let joiner = fit_joiner(train, &texts, stats, cfg, &mut report)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x1);

    let mut model = Model {
        thresholds: vec![0.5; REGIMES],
        extend: vec![EXTEND_OFF; REGIMES],
        lexical,
        tokens: stages,
        joiner,
        campaign: vec![None; REGIMES],
        growth: vec![None; REGIMES],
        campaign_thresholds: vec![0.5; 2 * REGIMES],
        campaign_extend: vec![EXTEND_OFF; 2 * REGIMES],
        meta: Meta {
            trained_on: format!("{} train, {} dev documents", train.len(), dev.len()),
            seed: cfg.seed,
            notes: String::new(),
        },
        id: crate::model::next_id(),
        first_split: Default::default(),
    };

    // Joiner accuracy on dev B's clean text.
    let mut held = Vec::new();
    for ex in dev {
        crate::join::join_examples(&ex.clean, &mut rng, 10, &mut held);
    }
    let right = held
        .iter()
        .filter(|e| model.joiner.closes_up(&e.left, &e.right, e.local) == e.closes_up)
        .count();
    report.join_accuracy = right as f64 / held.len().max(1) as f64;

    calibrate(&mut model, dev, cfg, stage, &mut report)?;
    report_choices(&model, &mut report);
    Ok((model, report))
}

/// Fits the growth stage on the tokens of `scored` (with the campaign
/// stage applied) beside a run its thresholds remove, then sets every
/// document's `grow` by it.
fn fit_growth(
    model: &mut Model,
    scored: &mut [Scored],
    cfg: &ValidConfig,
    report: &mut Report,
) -> Result<()> {
    let th = &model.campaign_thresholds;
    let mut rows: Vec<(Vec<Vec<f32>>, Vec<bool>)> = vec![(Vec::new(), Vec::new()); REGIMES];
    for d in scored.iter() {
        let toks = &d.tok.tokens;
        let n = d.probs.len().min(toks.len());
        let removed = |i: usize| d.probs[i] >= th[d.groups[i] as usize];
        for j in 0..n {
            if !d.info[j].candidate || removed(j) || d.probs[j] < features::GROWTH_MIN_P {
                continue;
            }
            let beside = (j > 0 && !toks[j].first && removed(j - 1))
                || (j + 1 < n && !toks[j].last && removed(j + 1));
            if beside {
                let r = &mut rows[d.groups[j] as usize % REGIMES];
                let x = d.parts().growth_row(j);
                r.0.push(x.to_vec());
                r.1.push(d.ex.inside(toks[j].start));
            }
        }
    }
    for (g, (x, y)) in rows.iter().enumerate() {
        report.growth_rows.push(x.len());
        let pos = y.iter().filter(|&&b| b).count();
        if pos >= STAGE_MIN_ROWS && y.len() - pos >= STAGE_MIN_ROWS {
            let fitted = Linear::fit(&GROWTH_NAMES, x, y, cfg.l2, cfg.max_iter)?;
            model.growth[g] = Some(fitted);
        }
    }
    let model = &*model;
    scored.par_iter_mut().for_each(|d| {
        let mut grow = Vec::new();
        model.growth_probs_of(&d.parts(), &mut grow);
        d.grow = Some(grow);
    });
    Ok(())
}

/// The decisions fitted on dev after the token stages and the joiner: the
/// thresholds for documents judged alone, the campaign stage, and the
/// thresholds with it. Separate from [`fit`] so a model's campaign stage can
/// be refitted on another dev set without its token stages (which take most
/// of training); `fit` ends with it, so a model is the same either way.
pub fn calibrate(
    model: &mut Model,
    dev: &[Example],
    cfg: &ValidConfig,
    stage: &(dyn Fn(&str) + Sync),
    report: &mut Report,
) -> Result<()> {
    stage("thresholds");
    // Score dev once; pick the thresholds for documents judged alone, then
    // fit the campaign stage and pick its own, then fit the growth stage and
    // pick both sets again with it.
    model.growth = vec![None; REGIMES];
    let (mut scored, mut words): (Vec<Scored>, Vec<DocWords>) = (Vec::new(), Vec::new());
    dev.par_iter()
        .map_init(crate::model::Scratch::default, |s, ex| {
            model.score_tokens(&ex.text, s);
            let words = model.scored_words(&ex.text, s);
            (
                Scored {
                    ex,
                    tok: s.analysis.tok.clone(),
                    probs: s.probs.clone(),
                    groups: s.groups.clone(),
                    cores: s.cores.clone(),
                    campaign: Vec::new(),
                    info: s.analysis.info.clone(),
                    z1: s.z1.clone(),
                    grow: None,
                },
                words,
            )
        })
        .unzip_into_vecs(&mut scored, &mut words);
    let start = (vec![0.5; REGIMES], vec![EXTEND_OFF; REGIMES]);
    (model.thresholds, model.extend, report.grid) =
        choose_thresholds(&scored, &model.joiner, cfg, start, 0..REGIMES);

    // The campaign stage: dev is a corpus whose names training never saw,
    // as the corpus a user filters will be. Its memory comes from the model
    // as it stands; each document is judged without its own words.
    stage("campaign stage (linfa)");
    let memory: Campaign = words.iter().collect();
    scored.par_iter_mut().zip(&words).for_each(|(d, own)| {
        d.campaign = memory
            .rows(&d.cores, own, &d.probs, &d.groups, &model.joiner.stats)
            .collect();
    });
    drop(memory);
    for g in 0..REGIMES {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for d in &scored {
            for (i, row) in &d.campaign {
                if d.groups[*i] as usize == g {
                    x.push(row.to_vec());
                    y.push(d.ex.inside(d.tok.tokens[*i].start));
                }
            }
        }
        report.campaign_rows.push(x.len());
        // Too few of either kind to learn from: the group keeps its scores.
        let pos = y.iter().filter(|&&b| b).count();
        if pos >= STAGE_MIN_ROWS && y.len() - pos >= STAGE_MIN_ROWS {
            model.campaign[g] = Some(Linear::fit(&CAMPAIGN_NAMES, &x, &y, cfg.l2, cfg.max_iter)?);
        }
    }
    // As `Model::apply_campaign` does: a scored token moves to its memory
    // group, whose thresholds are searched; the others keep theirs.
    for d in &mut scored {
        for (i, x) in &d.campaign {
            if let Some(stage) = model.campaign_stage(d.groups[*i]) {
                d.probs[*i] = d.probs[*i].max(stage.prob(x));
                d.groups[*i] += REGIMES as u8;
            }
        }
    }
    stage("thresholds with the campaign stage");
    let both = |a: &[f32]| [a, a].concat();
    let start = (both(&model.thresholds), both(&model.extend));
    (
        model.campaign_thresholds,
        model.campaign_extend,
        report.campaign_grid,
    ) = choose_thresholds(&scored, &model.joiner, cfg, start, 0..2 * REGIMES);

    // The growth stage: the tokens beside a removed run, labelled by
    // whether they go.
    stage("growth stage (linfa)");
    fit_growth(model, &mut scored, cfg, report)?;
    stage("thresholds with the growth stage");
    let start = (
        model.campaign_thresholds.clone(),
        model.campaign_extend.clone(),
    );
    (
        model.campaign_thresholds,
        model.campaign_extend,
        report.campaign_grid,
    ) = choose_thresholds(&scored, &model.joiner, cfg, start, 0..2 * REGIMES);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn thresholds_are_picked_on_a_plateau() {
        use super::{plateau_best, EXTEND_OFF};
        let v: Vec<f32> = (1..=9).map(|i| i as f32 / 10.0).collect();
        // One lucky point at 0.2; a plateau from 0.5 to 0.8.
        let s = [0.0, 0.9, 0.0, 0.0, 0.8, 0.8, 0.8, 0.8, 0.0];
        assert_eq!(plateau_best(&v, &s), Some(5));
        // A flat curve: the first value.
        assert_eq!(plateau_best(&v, &[0.5; 9]), Some(0));
        // "Off" is not averaged with the thresholds beside it.
        let v = [EXTEND_OFF, 0.05, 0.10, 0.15];
        assert_eq!(plateau_best(&v, &[0.7, 0.6, 0.0, 0.0]), Some(0));
        assert_eq!(plateau_best(&[], &[]), None);
    }
}
