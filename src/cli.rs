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
    /// The main job: build (or reuse) the index of corpus/ and run every query in queries/.
    ///
    /// Rebuilds the index when an input file, the corpus manifest or a rule file changed
    /// (their hashes differ from the index's manifest.json), then writes every table of
    /// queries/*.toml to out/ in every format.
    Run(RunArgs),
    /// Run query files against an index and write tables and figures.
    ///
    /// Each query file makes one table, written as NAME.md, NAME.csv, NAME.json, NAME.tex,
    /// NAME.svg (when the query names a figure) and NAME.manifest.json. Queries run in
    /// parallel; a broken one is reported and does not stop the others. Exit status: the
    /// number of query files that failed (0 when all ran).
    Query(QueryArgs),
    /// Run query files and write one clickable, self-contained report.html beside the tables.
    ///
    /// Writes every table as `query` does (with NAME.cells.parquet), then OUT/report.html:
    /// every table and figure, the corpus summary and the run manifest in one file that
    /// opens with no server and makes no network request. Clicking a count, a rate or a
    /// share shows the stories behind it with their evidence (at most K per cell, a
    /// reproducible sample). Personal data in the texts is masked unless --unmask.
    Report(ReportArgs),
    /// Search an index with tantivy's query syntax and show each hit in context.
    ///
    /// Syntax: words (all must match), "a phrase", OR, AND, NOT, -exclude, +require,
    /// title:word, text:"a phrase". Each hit shows the best match with context on both sides
    /// and the match's byte offsets in the document text.
    Search(SearchArgs),
    /// Saved searches: what is new since each one last ran (watch/*.toml).
    ///
    /// Each saved search is a TOML file with `query` (tantivy syntax) and optional `name`,
    /// `company`, `channel` and `outcome` (e.g. "responded:no"). Prints the documents that
    /// match it and were added to the index since it last ran, with keyword-in-context
    /// lines (personal data masked as `search` and the report mask it, unless --unmask),
    /// and the interactions they open; a count per search on stderr. The state is kept in
    /// the index directory and saved only when the whole report was written. Exit 0 also
    /// when nothing is new.
    Watch(WatchArgs),
    /// Translate query files into SQL (Spark or DuckDB) over the Parquet tables.
    ///
    /// Prints one statement per query file, computing the table `replyscope query` makes
    /// (same groups, filters, intervals, quantiles, Kaplan-Meier, switch paths and shares).
    /// A feature SQL cannot express (search, calibration) fails that file with a message
    /// naming it. With --rows, writes the table from the rows an engine computed with the
    /// statement instead, in the layout `replyscope query` writes.
    Sql(SqlArgs),
    /// Tag one text without an index: print each tag with its evidence and rule id.
    ///
    /// Reads FILE (or standard input with -) as one document and prints every company,
    /// channel and outcome tag with its byte span, the words it covers and the rule that
    /// produced it, then the interactions the text describes.
    Tag(TagArgs),
    /// Show one indexed document with its tags, their evidence and its interactions.
    Explain(ExplainArgs),
    /// List every company an index's texts name: how it was found, in how many documents it
    /// is party to a story or only mentioned, and two lines of evidence.
    ///
    /// With --discovered, only the companies no gazetteer names (found from the text);
    /// --format toml prints them as gazetteer entries to paste into companies.toml.
    Companies(CompaniesArgs),
    /// Measure the tagger against a gold file, or against the labels a data set gives.
    ///
    /// With --gold: precision, recall and F1 per label and label set, confusion tables, and
    /// per rule its coverage, overlaps, conflicts and precision. With an index and no --gold:
    /// inferred company against the given company label of each document.
    Eval(EvalArgs),
    /// Draw a reproducible random sample of an index's rows and write a coding sheet.
    ///
    /// Writes OUT/sample.jsonl (one record per drawn row: document id, source, kind, text,
    /// given labels, stratum and sampling weight N_h / n_h), OUT/coding.html (a page that
    /// works from the file, with no server and no network: read each text, code it with
    /// the keyboard, save the coded JSONL) and OUT/sample.manifest.json. The same index,
    /// --n, --seed and --stratify draw the same sample.
    Sample(SampleArgs),
    /// Agreement of coders with each other and of the tagger with the coders.
    ///
    /// Per label set (company, responded, resolution, switched, each channel, latency kind,
    /// latency seconds): percent agreement, Cohen's kappa and Krippendorff's alpha with
    /// bootstrap 95% intervals and the confusion table; coder A vs coder B when two files
    /// are given, and the tagger vs each coder.
    Agree(AgreeArgs),
    /// Read one file as a source of a corpus manifest and print its documents and rejects
    /// as JSON lines (for a Spark executor handed a local copy of one corpus file).
    ///
    /// Prints {"doc": {...}} per document (the fields `tag --stream` reads, created_at in
    /// milliseconds), {"reject": {...}} per reject, and a last {"file": {...}} line with the
    /// file's counts, size and SHA-256.
    #[command(hide = true)]
    IngestFile {
        /// The corpus manifest (its sources' paths are not looked at).
        #[arg(long)]
        corpus: PathBuf,
        /// The source the file belongs to.
        #[arg(long)]
        source: String,
        /// The local file to read.
        #[arg(long)]
        file: PathBuf,
        /// The file as documents and rejects name it.
        #[arg(long)]
        shown: String,
        /// The file's name within its source (in record-numbered and whole-file ids).
        #[arg(long)]
        file_id: String,
        /// Longest record read.
        #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::structured::MAX_RECORD_BYTES)]
        max_record_bytes: u64,
    },
    /// Benchmark corpus: N copies of a tweets CSV with fresh ids and shifted times.
    #[command(hide = true)]
    BenchCorpus {
        /// The twcs-format CSV to replicate.
        #[arg(long)]
        from: PathBuf,
        /// Copies.
        #[arg(long)]
        scale: u64,
        /// Output CSV.
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmark searches: latency of each query of a file, index opened once.
    #[command(hide = true)]
    BenchSearch {
        /// Index directory.
        index: PathBuf,
        /// Queries, one per line.
        #[arg(long)]
        queries: PathBuf,
        /// Timed passes over the list.
        #[arg(long, default_value_t = 3)]
        passes: usize,
    },
    /// Benchmark baseline: bare tantivy indexing of a tweets CSV (id and text only).
    #[command(hide = true)]
    BenchBaseline {
        /// The tweets CSV.
        #[arg(long)]
        data: PathBuf,
        /// Output directory for the bare index.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Where the tagging rules come from; shared by the commands that tag.
#[derive(Debug, Clone, clap::Args)]
pub struct RuleArgs {
    /// Directory with rule files replacing the built-in ones (companies.jsonl, channels.toml,
    /// outcomes.toml, roles.toml, acts.toml; any subset).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// The study's company gazetteer, added on top of the built-in one (default:
    /// companies.toml next to the corpus manifest, when there is one).
    #[arg(long, value_name = "FILE")]
    pub companies: Option<PathBuf>,
}

/// Output formats of `replyscope tag` and `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagFormat {
    /// Lines for reading.
    Text,
    /// One JSON document.
    Json,
}

/// Flags of `replyscope tag`.
#[derive(Debug, clap::Args)]
pub struct TagArgs {
    /// The text to tag; - for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,

    /// Document kind: a free label (blog, tweet, post, complaint ...).
    #[arg(long, default_value = "blog")]
    pub kind: String,

    /// What the tagger may assume of the text: short (a tweet, a title: its @handles are
    /// the accounts it is written to) or long (a story, a narrative, a forum post).
    #[arg(long, value_enum, default_value_t = TagShape::Long)]
    pub shape: TagShape,

    /// The channel the text itself is a use of (twitter for a tweet), if any.
    #[arg(long)]
    pub channel: Option<String>,

    /// A label the data set gives, as LABEL=VALUE (repeatable): --given company=Equifax.
    #[arg(long = "given", value_name = "LABEL=VALUE")]
    pub given: Vec<String>,

    /// Author (a tweet's account, e.g. AppleSupport for a company's reply).
    #[arg(long)]
    pub author: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TagFormat::Text)]
    pub format: TagFormat,

    /// Tag a stream of documents: JSON lines on standard input, one JSON line out per line
    /// in, in input order (a worker for Spark's rdd.pipe).
    ///
    /// Each input line is a document with the fields of tables/documents.parquet (id and
    /// text required; source, kind, shape, channel, author, created_at, in_reply_to,
    /// replies, conversation_id, inbound, given_LABEL, meta ...). Each output line has
    /// line, id, tags (with their surface words), interactions and post (what the thread
    /// stage reads), or line, id and error for a line that is not a document. Exit status 0
    /// at the end of input, whatever the lines held.
    #[arg(long, conflicts_with_all = ["kind", "shape", "channel", "given", "author", "format"])]
    pub stream: bool,

    /// Longest input line of --stream; a longer one is answered with an error.
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::structured::MAX_RECORD_BYTES)]
    pub max_line_bytes: u64,

    /// Where the tagging rules come from.
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// The shapes a single text can have (`thread` needs a corpus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TagShape {
    /// A tweet, a comment or a title on its own.
    Short,
    /// A story, a narrative, a forum post.
    Long,
}

/// Flags of `replyscope companies`.
#[derive(Debug, clap::Args)]
pub struct CompaniesArgs {
    /// Index directory.
    pub index: PathBuf,
    /// Only companies no gazetteer names (discovered in the texts).
    #[arg(long)]
    pub discovered: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompaniesFormat::Table)]
    pub format: CompaniesFormat,
    /// Show personal data in the evidence lines as written; masked by default.
    #[arg(long)]
    pub unmask: bool,
    /// Where the tagging rules come from (the gazetteer that names known companies).
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// Output formats of `replyscope companies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompaniesFormat {
    /// Lines for reading.
    Table,
    /// CSV, one row per company.
    Csv,
    /// JSON lines, one object per company.
    Json,
    /// Gazetteer entries (`[[company]]`) with their evidence as comments.
    Toml,
}

/// Flags of `replyscope explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Index directory.
    pub index: PathBuf,
    /// Document id, e.g. seeds:000_fdbd4c938871ac11.txt or twcs:119237.
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TagFormat::Text)]
    pub format: TagFormat,
    /// Show personal data as written (customers' handles, e-mail addresses, phone, card and
    /// account numbers, street addresses); masked by default.
    #[arg(long)]
    pub unmask: bool,
}

/// How `report` and `run` write report.html.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportOptions {
    /// Stories embedded per cell at most: a reproducible sample (the page says how many
    /// more there are; NAME.cells.parquet lists them all).
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub stories_per_cell: usize,

    /// Seed of the sample of stories per cell: the same seed embeds the same stories.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub story_seed: u64,

    /// Show personal data as written in the report (customers' handles, e-mail addresses,
    /// phone, card and account numbers, street addresses); masked by default. The report's
    /// manifest records which.
    #[arg(long)]
    pub unmask: bool,
}

/// Flags of `replyscope report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Index directory built by `replyscope index`.
    pub index: PathBuf,

    /// Folder of query files.
    #[arg(long, value_name = "DIR", default_value = "queries")]
    pub queries: PathBuf,

    /// Output folder: report.html, report.manifest.json and every table.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    /// Table formats written beside the report, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "md,csv,json,tex,svg"
    )]
    pub format: Vec<crate::report::Format>,

    /// How the report samples and masks stories.
    #[command(flatten)]
    pub report: ReportOptions,
}

/// Output formats of `replyscope eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// Aligned tables for reading.
    Table,
    /// CSV: one row per label and per rule (and per given label, its agreement and the
    /// documents without text it leaves out).
    Csv,
    /// One JSON document.
    Json,
}

/// Flags of `replyscope eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Gold file (JSON lines, see the README) to compare the tagger with.
    #[arg(long, value_name = "FILE")]
    pub gold: Option<PathBuf>,

    /// Index directory: compare inferred labels with the labels the data set gives.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,

    /// Where the tagging rules come from.
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// Flags of `replyscope sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Index directory built by `replyscope index`.
    pub index: PathBuf,

    /// Rows to draw.
    #[arg(long, value_name = "N")]
    pub n: usize,

    /// Seed of the draw: the same seed draws the same rows.
    #[arg(long, value_name = "S")]
    pub seed: u64,

    /// Draw a stratified sample: proportional to each value of FIELD (source, kind,
    /// company ...), at least one row per value when N allows.
    #[arg(long, value_name = "FIELD")]
    pub stratify: Option<String>,

    /// Table whose rows are drawn.
    #[arg(long, value_enum, default_value_t = crate::validity::sample::SampleTable::Interactions)]
    pub table: crate::validity::sample::SampleTable,

    /// Include the tagger's labels in sample.jsonl (coders are then no longer blind to them).
    #[arg(long)]
    pub with_tags: bool,

    /// Output folder for the coding sheet.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Output formats of `replyscope agree`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgreeFormat {
    /// Aligned tables with confusion tables.
    Table,
    /// CSV: one row per comparison and label set.
    Csv,
    /// One JSON document.
    Json,
}

/// Flags of `replyscope agree`.
#[derive(Debug, clap::Args)]
pub struct AgreeArgs {
    /// A coded sample (JSON lines from coding.html, or any gold file).
    pub coded: PathBuf,

    /// A second coder's file of the same sample: intercoder reliability.
    pub coded_b: Option<PathBuf>,

    /// Take the tagger's labels from this index's tables (default: tag the coded texts).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AgreeFormat::Table)]
    pub format: AgreeFormat,

    /// Where the tagging rules come from.
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// Flags of `replyscope query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Index directory built by `replyscope index`.
    pub index: PathBuf,

    /// Query files (default: every queries/*.toml). Directories among them are more index
    /// directories: the shards of one corpus (`index --shard`), queried as one index.
    pub queries: Vec<PathBuf>,

    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    /// Formats to write, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "md,csv,json,tex,svg"
    )]
    pub format: Vec<crate::report::Format>,

    /// Do not list the rows behind each number (no NAME.cells.parquet): a faster batch while
    /// iterating on query files. `run` and `report` always list them.
    #[arg(long)]
    pub no_cells: bool,
}

/// Flags of `replyscope sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// Query files (default: every queries/*.toml).
    pub queries: Vec<PathBuf>,

    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: crate::sql::Dialect,

    /// Where the tables are: a directory (or Hadoop path) holding NAME.parquet. Without it
    /// the statements read views named interactions, mentions and documents.
    #[arg(long, value_name = "DIR")]
    pub tables: Option<String>,

    /// Print JSON: one object per query file with name, path and sql (or error).
    #[arg(long)]
    pub json: bool,

    /// Rows an engine computed with the statement of the one query file given (JSON lines,
    /// one object per row): write its table to --out instead of printing SQL.
    #[arg(long, value_name = "FILE")]
    pub rows: Option<PathBuf>,

    /// Output folder for --rows.
    #[arg(long, value_name = "DIR", default_value = "out", requires = "rows")]
    pub out: PathBuf,

    /// Formats to write with --rows, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "md,csv,json,tex",
        requires = "rows"
    )]
    pub format: Vec<crate::report::Format>,

    /// What the tables are, as the outputs' provenance names them (with --rows).
    #[arg(long, value_name = "TEXT", default_value = "sql", requires = "rows")]
    pub source_label: String,
}

/// Flags of `replyscope run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Corpus manifest, or a directory of text files.
    #[arg(long, value_name = "PATH", default_value = "corpus/corpus.toml")]
    pub corpus: PathBuf,

    /// Index directory to build or reuse.
    #[arg(long, value_name = "DIR", default_value = "index")]
    pub index: PathBuf,

    /// Folder of query files.
    #[arg(long, value_name = "DIR", default_value = "queries")]
    pub queries: PathBuf,

    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    /// Formats to write, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "md,csv,json,tex,svg"
    )]
    pub format: Vec<crate::report::Format>,

    /// Data file for manifests whose path is ${REPLYSCOPE_DATA}; - (or a pipe) reads
    /// standard input once.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,

    /// Rebuild the index even when nothing changed.
    #[arg(long)]
    pub rebuild: bool,

    /// How report.html samples and masks stories.
    #[command(flatten)]
    pub report: ReportOptions,

    /// When another run is writing the same index, wait for it instead of failing.
    #[arg(long)]
    pub wait: bool,

    /// Largest record, in bytes: a text, Markdown or HTML file, a CSV record, a JSON line.
    /// A longer one is rejected without being read into memory.
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::structured::MAX_RECORD_BYTES)]
    pub max_record_bytes: u64,

    /// Most bytes read from standard input or a pipe given with --data (`--data -`); more is
    /// an error (save such data to a file).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::stdin::MAX_STDIN_BYTES)]
    pub max_stdin_bytes: u64,

    /// Where the tagging rules come from.
    #[command(flatten)]
    pub rule_args: RuleArgs,
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
    /// tweet and complaint data sets); - (or a pipe) reads standard input once. The
    /// environment variable works too.
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

    /// When another run is writing the same index, wait for it instead of failing.
    #[arg(long)]
    pub wait: bool,

    /// Build the whole index again, even when only some files are new or changed.
    ///
    /// By default an existing index built with the same rules, corpus manifest, settings and
    /// replyscope version is brought up to date by reading only the files that are new or
    /// changed since (by SHA-256); removed files' documents leave it. The result is the
    /// index a full build would write.
    #[arg(long)]
    pub full: bool,

    /// Largest record, in bytes: a text, Markdown or HTML file, a CSV record, a JSON line.
    /// A longer one is rejected without being read into memory.
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::structured::MAX_RECORD_BYTES)]
    pub max_record_bytes: u64,

    /// Most bytes read from standard input or a pipe given with --data (`--data -`); more is
    /// an error (save such data to a file).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::stdin::MAX_STDIN_BYTES)]
    pub max_stdin_bytes: u64,

    /// Build shard K of N: the documents whose id (a reply-linked post: its conversation's
    /// root) hashes to K. Search and query the N index directories together as one index.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::index::shard::Shard>,

    /// Where the tagging rules come from.
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// Output formats of `replyscope watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// Lines for reading, one block per saved search.
    Table,
    /// One JSON object per line: documents, interactions and a summary per search.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// Flags of `replyscope watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Index directory built by `replyscope index`.
    pub index: PathBuf,

    /// Folder of saved searches (*.toml).
    #[arg(long, value_name = "DIR", default_value = "watch")]
    pub searches: PathBuf,

    /// What was added since each search last ran (the default); saves the state.
    #[arg(long, conflicts_with = "since")]
    pub since_last_run: bool,

    /// What was added to the index at or after this date or time (UTC); the state is left
    /// as it is.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: WatchFormat,

    /// Show personal data in the keyword-in-context lines as written; masked by default, as
    /// `search` and the report mask it.
    #[arg(long)]
    pub unmask: bool,
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
    /// Index directory built by `replyscope index`; several (the shards of one corpus,
    /// `index --shard`) are searched as one index.
    #[arg(required = true, num_args = 1..)]
    pub index: Vec<PathBuf>,

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

    /// Show personal data in snippets and titles as written; masked by default.
    #[arg(long)]
    pub unmask: bool,
}

/// `--format` values: the report's formats by file extension (the report module knows
/// nothing of the command line).
impl clap::ValueEnum for crate::report::Format {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::report::Format::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.ext()).help(self.describe()))
    }
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
