//! Command-line flags, exactly as the user typed them. [`crate::config`] turns them into
//! validated settings.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline corpus analyzer for social customer-service stories.
///
/// Exit status: 0 when everything went through, 1 when the run finished but some records
/// were rejected (see rejects.jsonl in the index directory), 2 on a fatal error.
#[derive(Debug, Parser)]
#[command(name = "replyscope", version, about, long_about = None, max_term_width = 100)]
pub struct Args {
    /// Worker threads for parsing and indexing (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest a corpus and build a searchable index directory.
    ///
    /// Reads the sources a corpus manifest lists (or every .txt, .md and .html file of a
    /// directory), and writes an index directory: tantivy/, tables/documents.parquet,
    /// rejects.jsonl and manifest.json. The previous index is replaced only when the new one
    /// is complete.
    Index(IndexArgs),
    /// Search an index with tantivy's query syntax and show each hit in context.
    ///
    /// Syntax: words (all must match), "a phrase", OR, AND, NOT, -exclude, +require,
    /// title:word, text:"a phrase". Each hit shows the best match with context on both sides
    /// and the match's byte offsets in the document text.
    Search(SearchArgs),
}

/// Flags of `replyscope index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Corpus manifest (TOML), or a directory of .txt/.md/.html files.
    #[arg(long, value_name = "PATH", default_value = "corpus/corpus.toml")]
    pub corpus: PathBuf,

    /// Index directory to build or replace.
    #[arg(long, value_name = "DIR", default_value = "index")]
    pub out: PathBuf,

    /// Data file for manifests whose path is ${REPLYSCOPE_DATA} (the ready manifests for the
    /// tweet and complaint data sets). The environment variable works too.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,

    /// Set a ${NAME} used in manifest paths.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Stop at the first rejected record instead of recording it and going on.
    #[arg(long)]
    pub strict: bool,

    /// No progress bar or summary; errors only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Output formats of `replyscope search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchFormat {
    /// Aligned lines for reading: score, id, context.
    Table,
    /// One JSON object per line (id, score, snippet, match offsets ...).
    Json,
    /// CSV with a header row.
    Csv,
}

/// Flags of `replyscope search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Index directory built by `replyscope index`.
    pub index: PathBuf,

    /// Query, e.g. '"direct message" twitter' or 'title:zappos'.
    pub query: String,

    /// Only documents from this source (repeatable).
    #[arg(long, value_name = "NAME")]
    pub source: Vec<String>,

    /// Only documents of this kind (repeatable): blog, tweet, complaint ...
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,

    /// Only documents created at or after this date or time (e.g. 2017-10-01).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only documents created before this date or time.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Show at most N hits.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub limit: usize,

    /// Bytes of context on each side of the match.
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub context: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Table)]
    pub format: SearchFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Args::command().debug_assert();
    }
}
