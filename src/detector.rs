//! The public entry point: a loaded model that cleans documents.

use std::path::Path;
use std::sync::OnceLock;

use crate::campaign::{Campaign, DocWords};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::span::Cleaned;

/// The default model, trained by the recipe in README.md and embedded so the
/// binary needs no flag and no file next to it.
static EMBEDDED_MODEL: &[u8] = include_bytes!("../models/default.model");

/// A trained detector: scores tokens, picks spans, and restores the text.
/// Cheap to share across threads (`&Detector` is `Sync`).
#[derive(Debug, Clone)]
pub struct Detector {
    model: Model,
}

impl Detector {
    /// Loads a model file written by `spamsplice train`.
    pub fn load(path: impl AsRef<Path>) -> Result<Detector> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Detector::from_bytes(&bytes).map_err(|e| match e {
            Error::Model { reason, .. } => Error::Model {
                what: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Parses a model from its serialized bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Detector> {
        Ok(Detector {
            model: Model::from_bytes(bytes)?,
        })
    }

    /// The embedded default model, parsed once per process.
    pub fn embedded() -> Result<&'static Detector> {
        static CELL: OnceLock<std::result::Result<Detector, String>> = OnceLock::new();
        CELL.get_or_init(|| Detector::from_bytes(EMBEDDED_MODEL).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| Error::Model {
                what: "(embedded)".into(),
                reason: reason.clone(),
            })
    }

    /// A detector over a model just fitted ([`crate::train::fit`]).
    pub(crate) fn from_model(model: Model) -> Detector {
        Detector { model }
    }

    /// The model itself, for the tools that read its parts.
    #[cfg(any(test, feature = "internals"))]
    #[doc(hidden)]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model's fingerprint: a saved corpus memory ([`Campaign::save`])
    /// records it, and another model's memory is refused.
    pub fn fingerprint(&self) -> u64 {
        self.model.fingerprint()
    }

    /// How common each KS X 1001 character is in the clean text the model
    /// was trained on: the prior the CP949 view's choice between readings
    /// uses ([`crate::encoding::best_reading`]). None for a model without one.
    pub fn syllable_prior(&self) -> Option<&crate::encoding::SyllablePrior> {
        self.model.joiner.stats.prior()
    }

    /// The counts of the clean text the model was trained on (words, word
    /// pairs, character contexts, the syllable prior): what
    /// [`crate::repair::repair_with`] weighs a token's readings with.
    pub fn clean_stats(&self) -> &crate::JoinStats {
        &self.model.joiner.stats
    }

    /// The model file's bytes, as [`Detector::from_bytes`] reads them.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.model.to_bytes()
    }

    /// Writes the model file to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|e| Error::io(path, e))
    }

    /// The token probabilities above which tokens are removed, one per
    /// document regime (foreign host, Korean, Korean mojibake), for
    /// documents judged alone.
    pub fn thresholds(&self) -> &[f32] {
        &self.model.thresholds
    }

    /// Overrides the thresholds chosen on the dev set at training time with
    /// one value for every regime.
    pub fn set_threshold(&mut self, t: f32) {
        let m = &mut self.model;
        m.thresholds.iter_mut().for_each(|x| *x = t);
        m.campaign_thresholds.iter_mut().for_each(|x| *x = t);
    }

    /// Overrides one token group's threshold for documents judged alone
    /// (the others stay), so a caller can see what each group's chosen value
    /// trades ([`crate::eval::sweep_thresholds`]). Errs for a group the model
    /// does not have.
    pub fn set_group_threshold(&mut self, group: usize, t: f32) -> Result<()> {
        let n = self.model.thresholds.len();
        let slot = self.model.thresholds.get_mut(group).ok_or_else(|| {
            Error::Other(format!(
                "threshold group {group} out of range (the model has {n})"
            ))
        })?;
        *slot = t;
        Ok(())
    }

    /// Reads the CP949 mojibake of `text` back to Hangul
    /// ([`crate::repair`]), weighing readings with the model's clean-text
    /// counts ([`Detector::clean_stats`]). Opt-in, and applied after
    /// [`Detector::clean`]: it rewrites the article's own text.
    pub fn repair(&self, text: &str) -> crate::repair::Repaired {
        crate::repair::repair_with(text, Some(self.clean_stats()))
    }

    /// Cleans one document. Never panics; a document with nothing flagged
    /// comes back borrowed and byte-identical.
    pub fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
        let spans = self.model.find_spans(text);
        Cleaned::from_spans(text, spans)
    }

    /// The words of one document for a corpus's [`Campaign`] memory (a
    /// first pass over the corpus: `memory.add(&detector.campaign_words(doc))`).
    pub fn campaign_words(&self, text: &str) -> DocWords {
        self.model.doc_words(text)
    }

    /// The words of one document for the memory's second round, given the
    /// first round's `memory`: a second
    /// pass over the corpus, `memory2.add(&detector.campaign_words_with(doc,
    /// &memory1))`, and the documents cleaned with `memory2`.
    ///
    pub fn campaign_words_with(&self, text: &str, memory: &Campaign) -> DocWords {
        self.model.campaign_words_with(text, memory)
    }

    /// Cleans one document of a corpus whose first pass built `memory`: a
    /// word other documents were found to carry is judged with that
    /// knowledge ([`Campaign`]). The same as [`Detector::clean`] for
    /// a model without a campaign stage.
    pub fn clean_with<'a>(&self, text: &'a str, memory: &Campaign) -> Cleaned<'a> {
        let spans = self.model.find_spans_with(text, Some(memory));
        Cleaned::from_spans(text, spans)
    }
}
