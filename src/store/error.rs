//! What can go wrong in a store call, in words an operator can act on.

use std::path::PathBuf;

/// Result of every store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A store failure. Conflicts and duplicates are not errors: they are outcomes
/// ([`CasOutcome`](super::CasOutcome), [`AppendOutcome`](super::AppendOutcome)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend cannot be reached right now (Redis down, refused, timed out, still
    /// loading). Retrying later may succeed; `/readyz` reports it as degraded.
    #[error("store unavailable at {target}: {reason}")]
    Unavailable {
        /// Where the store lives: the Redis URL with its password redacted, or the data dir.
        target: String,
        /// What the backend said.
        reason: String,
    },
    /// Stored data cannot be read back: a damaged data dir, a format written by another
    /// version, or a Redis key of an unexpected type.
    #[error("store data is corrupt at {location}: {reason}")]
    Corrupt {
        /// The data dir, tree or key that failed.
        location: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Another process (or another open store in this one) holds the sled data dir.
    #[error(
        "data directory {} is locked by another process (is another staffetta running on it?)",
        path.display()
    )]
    Locked {
        /// The data dir.
        path: PathBuf,
    },
    /// The sled data dir cannot be created or opened (permissions, a file in its place,
    /// a full disk).
    #[error("cannot open data directory {}: {source}", path.display())]
    DataDir {
        /// The data dir.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error while reading or writing an open store (flush failed, disk full).
    #[error("store i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The request itself cannot be stored: an empty append batch, a zero TTL, a counter
    /// that would overflow.
    #[error("invalid store request: {reason}")]
    Invalid {
        /// Which argument is wrong and why.
        reason: String,
    },
    /// The backend answered with an error that fits none of the above; a bug or a server
    /// configured in a way the store does not support.
    #[error("store backend error: {0}")]
    Backend(String),
}

impl StoreError {
    /// Shorthand for [`StoreError::Invalid`].
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid {
            reason: reason.into(),
        }
    }

    /// Whether retrying the same call later may succeed (the backend was unreachable).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}
