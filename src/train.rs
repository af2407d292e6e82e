//! Fitting a [`Model`] from labeled documents, in the fit/predict shape of
//! linfa: build features with ndarray, fit, choose the threshold on held-out
//! data.
//!
//! The lexical scorer is fitted on the train split. The dense token model and
//! the joiner are fitted on half of the dev split, whose spam terms the train
//! split never used: fitted on train, they would learn to trust a lexical
//! score that has memorized its terms, and fail on unseen ones. The other
//! half of dev picks the threshold.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::{Analysis, DENSE_DIM, DENSE_NAMES};
use crate::labeled::Example;
use crate::model::{Lexical, Linear, Meta, Model};
use crate::restore::{self, JoinStats, Joiner, Span, JOIN_NAMES};

/// Training settings; defaults are the recipe of the default model.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub lex_epochs: usize,
    /// Cap on dense training rows (negatives are subsampled to fit).
    pub max_dense_rows: usize,
    pub l2: f64,
    pub max_iter: u64,
    /// Joiner examples drawn per clean document.
    pub join_per_doc: usize,
    /// Minimum pass-through rate of clean documents when picking the threshold.
    pub min_clean_pass: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            lex_epochs: 3,
            max_dense_rows: 400_000,
            l2: 1e-3,
            max_iter: 300,
            join_per_doc: 40,
            min_clean_pass: 0.999,
        }
    }
}

/// Figures from training, for the trainer to show.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub lex_rows: usize,
    pub lex_positive: usize,
    pub dense_rows: usize,
    pub join_rows: usize,
    pub join_accuracy: f64,
    pub threshold: f32,
    /// (threshold, exact rate on injected, pass rate on clean) for the grid.
    pub grid: Vec<(f32, f64, f64)>,
}

fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Fits the whole model. `stage` is told what is being done (for a progress
/// display); the library itself never prints.
pub fn fit(train: &[Example], dev: &[Example], cfg: &Config, stage: &(dyn Fn(&str) + Sync)) -> Result<(Model, Report)> {
    use rand::SeedableRng;
    if train.is_empty() || dev.is_empty() {
        return Err(Error::Other("training needs non-empty train and dev sets".into()));
    }
    let mut report = Report::default();
    let (dev_a, dev_b): (Vec<&Example>, Vec<&Example>) = dev.iter().partition(|e| stable_hash(&e.id) % 2 == 0);

    stage("lexical rows");
    let lex_rows: Vec<(Vec<u32>, bool)> = train
        .par_iter()
        .map_init(Analysis::default, |a, ex| {
            let mut rows = Vec::new();
            let toks = {
                a.run(&ex.text, None, |_, _| {});
                a.tok.tokens.clone()
            };
            a.run(&ex.text, None, |i, b| rows.push((b.to_vec(), ex.inside(toks[i].start))));
            rows
        })
        .flatten()
        .collect();
    report.lex_rows = lex_rows.len();
    report.lex_positive = lex_rows.iter().filter(|r| r.1).count();
    stage("lexical fit");
    let lexical = Lexical::fit(&lex_rows, cfg.lex_epochs, cfg.seed);
    drop(lex_rows);

    stage("dense rows");
    let lex_fn = |b: &[u32]| lexical.score(b);
    let dense: Vec<(Vec<f32>, bool)> = dev_a
        .par_iter()
        .map_init(Analysis::default, |a, ex| {
            a.run(&ex.text, Some(&lex_fn), |_, _| {});
            let mut x = [0f32; DENSE_DIM];
            let mut rows = Vec::new();
            for i in 0..a.info.len() {
                if a.info[i].candidate {
                    a.dense(&ex.text, i, &mut x);
                    rows.push((x.to_vec(), ex.inside(a.tok.tokens[i].start)));
                }
            }
            rows
        })
        .flatten()
        .collect();
    let pos = dense.iter().filter(|r| r.1).count();
    let neg = dense.len() - pos;
    let keep_neg = (cfg.max_dense_rows.saturating_sub(pos)).min(neg);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed ^ 0xD);
    let neg_idx = rand::seq::index::sample(&mut rng, neg, keep_neg);
    let mut keep = vec![false; neg];
    for i in neg_idx.iter() {
        keep[i] = true;
    }
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    let mut ni = 0;
    for (x, y) in dense {
        if y || {
            ni += 1;
            keep[ni - 1]
        } {
            rows.push(x);
            labels.push(y);
        }
    }
    report.dense_rows = rows.len();
    stage("token model fit (linfa)");
    let tokens = Linear::fit(DENSE_NAMES, &rows, &labels, cfg.l2, cfg.max_iter)?;
    drop(rows);

    stage("joiner statistics");
    let stats = train
        .par_chunks(256)
        .map(|chunk| {
            let mut s = JoinStats::default();
            for ex in chunk {
                s.add(&ex.clean);
            }
            s
        })
        .reduce(JoinStats::default, |mut a, b| {
            for (x, y) in a.words.iter_mut().zip(&b.words) {
                *x = x.saturating_add(*y);
            }
            for (x, y) in a.inside.iter_mut().zip(&b.inside) {
                *x = x.saturating_add(*y);
            }
            for (x, y) in a.across.iter_mut().zip(&b.across) {
                *x = x.saturating_add(*y);
            }
            a
        });
    let mut examples = Vec::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x1);
    for ex in &dev_a {
        restore::join_examples(&ex.clean, &mut rng, cfg.join_per_doc, &mut examples);
    }
    let jrows: Vec<Vec<f32>> = examples.par_iter().map(|(l, r, _)| Joiner::features(&stats, l, r).to_vec()).collect();
    let jlabels: Vec<bool> = examples.iter().map(|e| e.2).collect();
    report.join_rows = jrows.len();
    stage("joiner fit (linfa)");
    let jmodel = Linear::fit(JOIN_NAMES, &jrows, &jlabels, cfg.l2, cfg.max_iter)?;
    let joiner = Joiner { stats, model: jmodel };

    let mut model = Model {
        threshold: 0.5,
        lexical,
        tokens,
        joiner,
        meta: Meta { trained_on: format!("{} train, {} dev documents", train.len(), dev.len()), seed: cfg.seed, notes: String::new() },
    };

    // Joiner accuracy on dev B's clean text.
    let mut held = Vec::new();
    for ex in &dev_b {
        restore::join_examples(&ex.clean, &mut rng, 10, &mut held);
    }
    let right = held.iter().filter(|(l, r, y)| model.joiner.closes_up(l, r) == *y).count();
    report.join_accuracy = right as f64 / held.len().max(1) as f64;

    stage("threshold");
    let grid: Vec<f32> = (1..=99).map(|i| i as f32 / 100.0).collect();
    let counts: Vec<(Vec<bool>, bool)> = dev_b
        .par_iter()
        .map_init(
            || (Analysis::default(), Vec::new()),
            |(a, probs), ex| {
                model.score_tokens(&ex.text, a, probs);
                let ok: Vec<bool> = grid
                    .iter()
                    .map(|&t| {
                        let spans: Vec<Span> = restore::spans(&ex.text, &a.tok, probs, t, &model.joiner);
                        let cleaned = crate::restore::Cleaned::from_spans(&ex.text, spans);
                        cleaned.text == ex.clean
                    })
                    .collect();
                (ok, ex.injected())
            },
        )
        .collect();
    let n_inj = counts.iter().filter(|c| c.1).count().max(1) as f64;
    let n_clean = counts.iter().filter(|c| !c.1).count().max(1) as f64;
    let mut best = (f64::MIN, 0.5f32);
    for (k, &t) in grid.iter().enumerate() {
        let inj = counts.iter().filter(|c| c.1 && c.0[k]).count() as f64 / n_inj;
        let cln = counts.iter().filter(|c| !c.1 && c.0[k]).count() as f64 / n_clean;
        report.grid.push((t, inj, cln));
        // Meet the clean pass-through bar first, then restore the most.
        let score = inj + if cln >= cfg.min_clean_pass { 10.0 } else { 10.0 * cln };
        if score > best.0 {
            best = (score, t);
        }
    }
    model.threshold = best.1;
    report.threshold = best.1;
    Ok((model, report))
}
