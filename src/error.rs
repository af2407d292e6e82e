//! Library error type. Every variant says what went wrong and where.

use std::path::PathBuf;

/// Errors the library can return. The CLI wraps them with `anyhow` context.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model {what}: {reason}")]
    Model { what: String, reason: String },
    #[error("{path}:{line}: {reason}")]
    Data {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// A saved corpus memory that cannot be used.
    #[error("memory {}: {reason}", path.display())]
    Memory { path: PathBuf, reason: String },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
