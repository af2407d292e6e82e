//! Library error type. Every variant says what went wrong and where.

use std::path::PathBuf;

/// Errors the library can return. The CLI wraps them with `anyhow` context.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A model file (or the embedded model) that cannot be used.
    #[error("model {what}: {reason}")]
    Model {
        /// The file, or `(embedded)`.
        what: String,
        /// Why it is refused.
        reason: String,
    },
    /// A bad record in input data, by file and line.
    #[error("{path}:{line}: {reason}")]
    Data {
        /// The file.
        path: PathBuf,
        /// Its 1-based line (a CSV record's first line).
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A saved corpus memory that cannot be used.
    #[error("memory {}: {reason}", path.display())]
    Memory {
        /// The memory file.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
    /// A training setting out of its range ([`crate::train::Config`]).
    #[error("training setting {param} {reason}")]
    Config {
        /// The setting's name.
        param: &'static str,
        /// What it must be, and what it was.
        reason: String,
    },
    /// Anything else, said in words.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
