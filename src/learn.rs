//! The learned building blocks every stage is made of, with their fit and
//! predict: a sparse lexical scorer over hashed n-gram buckets (our own
//! SGD, since linfa takes dense input only), a standardized linear model
//! fitted with linfa's logistic regression, the same over quantile bins, and
//! the math they share. Nothing here knows what a token or a document is.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Bits of the lexical scorer's bucket index.
pub const LEX_BITS: u32 = 20;
/// Buckets of the lexical scorer ([`Lexical`]); n-gram hashes are masked to it.
pub const LEX_SIZE: usize = 1 << LEX_BITS;

/// The place of `name` in `names`, found at compile time when called in a
/// `const` context: a feature read by name cannot drift from its list, and
/// a name not in it fails the build.
pub(crate) const fn position(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if str_eq(names[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("feature name not in its list")
}

/// [`position`] of each of `sub` in `names`.
pub(crate) const fn positions<const N: usize>(names: &[&str], sub: &[&str; N]) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = position(names, sub[i]);
        i += 1;
    }
    out
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A linear model over hashed sparse features.
///
/// The weights are rounded to i16 steps of `scale` (half the bytes of f32,
/// so more of the table stays in the CPU caches: every token not seen
/// before reads about 26 random buckets), and the file stores them so.
/// Training rounds the same way before it picks thresholds, so what is
/// measured is what runs.
#[derive(Debug, Clone)]
pub struct Lexical {
    pub(crate) bias: f32,
    pub(crate) scale: f32,
    pub(crate) weights: Vec<i16>,
}

/// [`Lexical`] as written to the model file: the i16 weights as one
/// little-endian byte string.
#[derive(Serialize)]
struct LexicalOut {
    bias: f32,
    scale: f32,
    weights: crate::blob::LeBytes,
}

/// [`LexicalOut`] as read back, borrowing the file's bytes.
#[derive(Deserialize)]
struct LexicalIn<'a> {
    bias: f32,
    scale: f32,
    #[serde(deserialize_with = "crate::blob::borrowed")]
    weights: &'a [u8],
}

impl Serialize for Lexical {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let weights =
            crate::blob::LeBytes(self.weights.iter().flat_map(|w| w.to_le_bytes()).collect());
        LexicalOut {
            bias: self.bias,
            scale: self.scale,
            weights,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Lexical {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let p = LexicalIn::deserialize(d)?;
        let weights = crate::blob::items::<2, D::Error>(p.weights, "lexical weights")?
            .map(i16::from_le_bytes)
            .collect();
        Ok(Lexical {
            bias: p.bias,
            scale: p.scale,
            weights,
        })
    }
}

impl Lexical {
    /// Rounds `weights` to i16 steps (non-finite weights count as 0).
    pub fn new(bias: f32, weights: &[f32]) -> Lexical {
        let max = weights
            .iter()
            .filter(|w| w.is_finite())
            .fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 {
            max / i16::MAX as f32
        } else {
            1.0
        };
        let q = weights
            .iter()
            .map(|&w| {
                if w.is_finite() {
                    (w / scale)
                        .round()
                        .clamp(-(i16::MAX as f32), i16::MAX as f32) as i16
                } else {
                    0
                }
            })
            .collect();
        Lexical {
            bias,
            scale,
            weights: q,
        }
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    #[inline]
    pub fn score(&self, buckets: &[u32]) -> f32 {
        let mut s = 0i64;
        for &b in buckets {
            // Buckets are masked to LEX_SIZE; get() guards a short vector.
            s += self.weights.get(b as usize).copied().unwrap_or(0) as i64;
        }
        self.bias + s as f32 * self.scale
    }

    /// Fits by SGD on the logistic loss with L2, classes weighted to balance.
    /// Deterministic for a seed.
    pub fn fit(rows: &[(Vec<u32>, bool)], epochs: usize, seed: u64) -> Lexical {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut w = vec![0f32; LEX_SIZE];
        let mut bias = 0f32;
        let pos = rows.iter().filter(|r| r.1).count().max(1) as f32;
        let neg = (rows.len() as f32 - pos).max(1.0);
        let (wp, wn) = (0.5 * rows.len() as f32 / pos, 0.5 * rows.len() as f32 / neg);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let l2 = 1e-6f32;
        let mut t = 0u64;
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let (ref b, y) = rows[i];
                let mut z = bias;
                for &k in b {
                    z += w[k as usize];
                }
                let p = sigmoid(z);
                let g = (p - if y { 1.0 } else { 0.0 }) * if y { wp } else { wn };
                t += 1;
                let lr = 0.2 / (1.0 + t as f32 * 1e-6).sqrt();
                let step = lr * g / (b.len().max(1) as f32).sqrt();
                for &k in b {
                    let wk = &mut w[k as usize];
                    *wk -= step + lr * l2 * *wk;
                }
                bias -= lr * g * 0.1;
            }
        }
        Lexical::new(bias, &w)
    }
}

/// A standardized linear model fitted with linfa: logit =
/// intercept + Σ coef·(x − mean)/scale.
///
/// The file keeps the standardization as fitted; in memory it is also folded
/// into one weight per feature (`w`, `b`), so scoring a token is a plain dot
/// product without a division per feature.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "LinearParts", into = "LinearParts")]
pub struct Linear {
    pub(crate) names: Vec<String>,
    pub(crate) mean: Vec<f32>,
    pub(crate) scale: Vec<f32>,
    pub(crate) coef: Vec<f32>,
    pub(crate) intercept: f32,
    /// Folded from the fields above by [`Linear::new`] (they never change).
    pub(crate) w: Vec<f32>,
    pub(crate) b: f32,
}

/// [`Linear`] as stored in the model file.
#[derive(Clone, Serialize, Deserialize)]
struct LinearParts {
    names: Vec<String>,
    mean: Vec<f32>,
    scale: Vec<f32>,
    coef: Vec<f32>,
    intercept: f32,
}

impl From<LinearParts> for Linear {
    fn from(p: LinearParts) -> Linear {
        Linear::new(p.names, p.mean, p.scale, p.coef, p.intercept)
    }
}

impl From<Linear> for LinearParts {
    fn from(l: Linear) -> LinearParts {
        LinearParts {
            names: l.names,
            mean: l.mean,
            scale: l.scale,
            coef: l.coef,
            intercept: l.intercept,
        }
    }
}

impl Linear {
    /// Builds the model and its folded weights (in f64, then rounded once).
    pub fn new(
        names: Vec<String>,
        mean: Vec<f32>,
        scale: Vec<f32>,
        coef: Vec<f32>,
        intercept: f32,
    ) -> Linear {
        let d = coef.len().min(mean.len()).min(scale.len());
        let w64: Vec<f64> = (0..d).map(|j| coef[j] as f64 / scale[j] as f64).collect();
        let b = intercept as f64 - (0..d).map(|j| w64[j] * mean[j] as f64).sum::<f64>();
        let w = w64.iter().map(|&x| x as f32).collect();
        Linear {
            names,
            mean,
            scale,
            coef,
            intercept,
            w,
            b: b as f32,
        }
    }

    /// The feature names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn intercept(&self) -> f32 {
        self.intercept
    }

    /// Per feature: its name, coefficient (on the standardized feature),
    /// mean and scale.
    pub fn terms(&self) -> impl Iterator<Item = (&str, f32, f32, f32)> + '_ {
        (0..self.coef.len()).map(|j| {
            (
                self.names[j].as_str(),
                self.coef[j],
                self.mean[j],
                self.scale[j],
            )
        })
    }

    #[inline]
    pub fn logit(&self, x: &[f32]) -> f32 {
        self.b + dot(&self.w, x)
    }

    #[inline]
    pub fn prob(&self, x: &[f32]) -> f32 {
        sigmoid(self.logit(x))
    }

    /// A model that ignores its input and always gives `logit`.
    pub fn constant(names: &[&str], logit: f32) -> Linear {
        let d = names.len();
        Linear::new(
            names.iter().map(|s| s.to_string()).collect(),
            vec![0.0; d],
            vec![1.0; d],
            vec![0.0; d],
            logit,
        )
    }

    /// Fits a logistic regression with linfa on standardized rows.
    pub fn fit(
        names: &[&str],
        rows: &[Vec<f32>],
        labels: &[bool],
        l2: f64,
        max_iter: u64,
    ) -> Result<Linear> {
        use linfa::prelude::*;
        use ndarray::{Array1, Array2};
        let d = names.len();
        let n = rows.len();
        if n == 0 || !labels.iter().any(|&y| y) || labels.iter().all(|&y| y) {
            return Err(crate::Error::Other(
                "training rows need both classes".into(),
            ));
        }
        let mut mean = vec![0f64; d];
        let mut var = vec![0f64; d];
        for r in rows {
            for j in 0..d {
                mean[j] += r[j] as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        for r in rows {
            for j in 0..d {
                var[j] += (r[j] as f64 - mean[j]).powi(2);
            }
        }
        let scale: Vec<f64> = var
            .iter()
            .map(|v| (v / n as f64).sqrt().max(1e-3))
            .collect();
        let x = Array2::from_shape_fn((n, d), |(i, j)| (rows[i][j] as f64 - mean[j]) / scale[j]);
        let y = Array1::from_iter(labels.iter().copied());
        let ds = Dataset::new(x, y);
        let fitted = linfa_logistic::LogisticRegression::default()
            .alpha(l2)
            .max_iterations(max_iter)
            .fit(&ds)
            .map_err(|e| crate::Error::Other(format!("logistic regression: {e}")))?;
        // linfa orders the two labels and models the probability of `true`.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(Linear::new(
            names.iter().map(|s| s.to_string()).collect(),
            mean.iter().map(|&m| m as f32).collect(),
            scale.iter().map(|&s| s as f32).collect(),
            fitted.params().iter().map(|&c| (sign * c) as f32).collect(),
            (sign * fitted.intercept()) as f32,
        ))
    }
}

/// A linfa logistic regression over features and indicators of their
/// quantile bins (cut points learned from the training rows), so that it
/// can bend: a count seen twice and one seen two thousand times are not one
/// step apart on a line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binned {
    /// Per feature: ascending cut points of its bins.
    pub bins: Vec<Vec<f32>>,
    pub model: Linear,
}

impl Binned {
    /// Fits one regression over features `names`, each cut into at most
    /// `nbins` bins at the quantiles of `rows`.
    pub fn fit<R: AsRef<[f32]>>(
        names: &[&str],
        rows: &[R],
        labels: &[bool],
        nbins: usize,
        l2: f64,
        max_iter: u64,
    ) -> Result<Binned> {
        let mut bins = Vec::with_capacity(names.len());
        let mut col: Vec<f32> = Vec::with_capacity(rows.len());
        for j in 0..names.len() {
            col.clear();
            col.extend(rows.iter().map(|r| r.as_ref()[j]).filter(|x| x.is_finite()));
            col.sort_by(f32::total_cmp);
            let mut cuts: Vec<f32> = (1..nbins)
                .filter_map(|k| col.get(k * col.len() / nbins).copied())
                .collect();
            cuts.dedup();
            bins.push(cuts);
        }
        let wide_names = Binned::names(names, &bins);
        let wide_names: Vec<&str> = wide_names.iter().map(String::as_str).collect();
        let wide: Vec<Vec<f32>> = rows
            .iter()
            .map(|r| Binned::widen(&bins, r.as_ref()))
            .collect();
        let model = Linear::fit(&wide_names, &wide, labels, l2, max_iter)?;
        Ok(Binned { bins, model })
    }

    /// Feature names: `base`, then one per bin (`name#k`).
    pub fn names(base: &[&str], bins: &[Vec<f32>]) -> Vec<String> {
        let mut names: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        for (name, cuts) in base.iter().zip(bins) {
            names.extend((0..=cuts.len()).map(|k| format!("{name}#{k}")));
        }
        names
    }

    /// The features followed by their bin indicators.
    fn widen(bins: &[Vec<f32>], x: &[f32]) -> Vec<f32> {
        let mut out = x.to_vec();
        for (&v, cuts) in x.iter().zip(bins) {
            let k = cuts.partition_point(|&c| c < v);
            out.extend((0..=cuts.len()).map(|b| if b == k { 1.0 } else { 0.0 }));
        }
        out
    }

    /// The probability of the positive class for features `x`.
    pub fn prob(&self, x: &[f32]) -> f32 {
        self.model.prob(&Binned::widen(&self.bins, x))
    }
}

/// The dot product of `w` and `x` over their common length.
#[inline]
pub fn dot(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w, x) = (&w[..n], &x[..n]);
    // Eight running sums, so the loop compiles to vector instructions.
    let mut acc = [0f32; 8];
    let (wc, xc) = (w.chunks_exact(8), x.chunks_exact(8));
    let tail: f32 = wc
        .remainder()
        .iter()
        .zip(xc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in wc.zip(xc) {
        for k in 0..8 {
            acc[k] += a[k] * b[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The logistic function.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The logit of a probability, finite: `p` is clamped to [1e-12, 1 − 1e-7].
pub fn logit(p: f32) -> f32 {
    logit_within(p, 1e-12, 1.0 - 1e-7)
}

/// The logit of `p` clamped to [`lo`, `hi`]: a stage whose features were
/// fitted with one clamp must be scored with the same.
#[inline]
pub fn logit_within(p: f32, lo: f32, hi: f32) -> f32 {
    let p = p.clamp(lo, hi);
    (p / (1.0 - p)).ln()
}
