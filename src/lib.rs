//! spamsplice finds gambling-spam fragments injected into news text and splices
//! them out, giving the article back exactly as it was written.
//!
//! The injected fragments are usually Korean gambling-site ads whose CP949 bytes
//! were read as Latin-1 and then partly "repaired" by ftfy, so they look like
//! `¹Ù´ÙÀ̾߱â°ÔÀÓÀå` in the middle of an English sentence. spamsplice reads
//! every token through several [`encoding`] views, scores it with a learned
//! model, and restores the text by deleting each flagged span together with
//! the glue the injection added.
//!
//! ```no_run
//! let detector = spamsplice::Detector::embedded().unwrap();
//! let cleaned = detector.clean("a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations");
//! assert_eq!(cleaned.text, "a foundation stone for restoring Korea-China relations");
//! ```
//!
//! The public API is what a user needs: [`Detector`] and its [`Cleaned`]
//! output with its [`Span`]s, the corpus memory [`Campaign`], the streaming
//! [`pipeline`], [`train`]ing with its checked config, [`eval`], the
//! labeled data of [`labeled`] and [`synth`], and the [`encoding`] views.
//! The layers under them (docs/architecture.md) are crate-private; the
//! `internals` feature opens them for the examples and dev tools.

#![deny(missing_docs)]

/// Declares the internal layers: crate-private, or public (hidden, and
/// exempt from the docs lint) with the `internals` feature, for the
/// examples and dev tools that read a model's parts.
macro_rules! internal {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            #[doc(hidden)]
            #[allow(missing_docs)]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            #[allow(dead_code)]
            pub(crate) mod $name;
        )*
    };
}

// Layers, lowest first; each imports only from those before it.
mod blob;
mod frames;
internal!(chars, hash, counts, tokens);
pub mod encoding;
pub mod error;
mod span;
internal!(learn, stats, features, spacing, campaign, join, restore, model);
mod detector;
pub mod eval;
pub mod labeled;
pub mod lexicon;
pub mod pipeline;
pub mod repair;
pub mod synth;
pub mod train;

pub use campaign::{Campaign, DocWords};
pub use detector::Detector;
pub use error::{Error, Result};
pub use span::{char_offsets, Cleaned, Span};
pub use stats::JoinStats;
