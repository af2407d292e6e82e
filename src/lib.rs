//! spamsplice finds gambling-spam fragments injected into news text and splices
//! them out, giving the article back exactly as it was written.
//!
//! The injected fragments are usually Korean gambling-site ads whose CP949 bytes
//! were read as Latin-1 and then partly "repaired" by ftfy, so they look like
//! `¹Ù´ÙÀ̾߱â°ÔÀÓÀå` in the middle of an English sentence. spamsplice reads
//! every token through several [`encoding`] views, scores it with a learned
//! [`model`], and [`restore`]s the text by deleting each flagged span together
//! with the glue the injection added.
//!
//! ```no_run
//! let detector = spamsplice::Detector::embedded().unwrap();
//! let cleaned = detector.clean("a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations");
//! assert_eq!(cleaned.text, "a foundation stone for restoring Korea-China relations");
//! ```
//!
//! Modules, one idea each: [`encoding`] (readings of a token), [`tokens`]
//! (lines and ASCII-whitespace tokens), [`features`] (what the model sees),
//! [`model`] (learned scorers and the joiner), [`restore`] (splice and rejoin),
//! [`counts`] (exact word counts from clean text), [`campaign`] (what a
//! corpus teaches about its own spam),
//! [`synth`] (labeled training data), [`pipeline`] (streaming I/O).

mod blob;
pub(crate) mod chars;
pub(crate) mod hash;
pub mod span;
pub mod campaign;
pub mod counts;
pub mod detector;
pub mod encoding;
pub mod error;
pub mod eval;
pub mod features;
pub mod join;
pub mod labeled;
pub(crate) mod learn;
pub mod lexicon;
pub mod model;
pub mod pipeline;
pub mod restore;
pub mod spacing;
pub mod stats;
pub mod synth;
pub mod tokens;
pub mod train;

pub use campaign::Campaign;
pub use detector::Detector;
pub use error::Error;
pub use span::{char_offsets, Cleaned, Span};
