//! The library's error type. Each variant names the input that failed, so the message can
//! say where the problem is and what was expected.

use std::path::PathBuf;

/// Everything that stops a run. A bad *record* is not an error: it becomes a
/// [`crate::model::Reject`] and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {action}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What we were doing: "cannot read", "cannot create directory" ...
        action: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The corpus manifest is malformed (bad TOML, unknown key, missing field).
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A source cannot be read at all (a CSV header without a mapped column, a missing file).
    #[error("{path}: {message}")]
    Source {
        /// The input file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
    /// `--strict` was given and a record was rejected.
    #[error("{0} (stopped by --strict)")]
    Strict(String),
    /// The output directory exists and is not a replyscope index.
    #[error("{path}: {message}")]
    Refused {
        /// The directory we refused to touch.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The index directory is missing or incomplete.
    #[error("{path}: {message}")]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A search query that tantivy cannot parse.
    #[error("cannot parse query {query:?}: {message}")]
    Query {
        /// The query as typed.
        query: String,
        /// The parser's reason.
        message: String,
    },
    /// A rule, lexicon or gazetteer file that cannot be used.
    #[error("{0}")]
    Rules(String),
    /// A command-line value that is not valid (a date, a thread count).
    #[error("{0}")]
    Usage(String),
    /// An incremental build found a change it cannot apply to the index in place (the
    /// reason); the caller builds the index in full instead.
    #[error("{0}")]
    NeedsFullBuild(String),
    /// An error inside tantivy.
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// An error inside polars.
    #[error("table: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl Error {
    /// Wraps an I/O error with the path and what we were doing.
    pub fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            path,
            action,
            source,
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
