//! The Parquet tables of an index directory: one typed schema, used by the writers
//! ([`crate::index::tables`], [`crate::index::threads`]), the query engine
//! ([`crate::query`]), `eval`, `explain`, `companies`, the validity workflow and PPI. No
//! other module names a column in a string: each column is a variant of its table's enum
//! and knows its name and its polars type. (The search index's schema is
//! [`crate::index::schema`].)
//!
//! Every table carries the dense document number `doc` (u32, the document's row in
//! `documents.parquet`, in input order): joins and distinct counts run on integers, and the
//! string id is stored once, in `documents`. List fields (channels, moves, redirects,
//! replies, evidence) are Parquet list columns.

use crate::error::{Error, Result};
use polars::prelude::{
    Column, DataType, ExplodeOptions, Expr, LazyFrame, ParquetCompression, PlRefPath, PlSmallStr,
    ScanArgsParquet, Selector, TimeUnit,
};
use std::path::{Path, PathBuf};

/// One of the four tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `documents.parquet`: one row per document.
    Documents,
    /// `mentions.parquet`: one row per tag.
    Mentions,
    /// `interactions.parquet`: one row per customer-company story.
    Interactions,
    /// `threads.parquet`: one row per reply-linked post.
    Threads,
}

impl Table {
    /// Every table, in the order the index manifest lists them.
    pub const ALL: [Table; 4] = [
        Table::Documents,
        Table::Mentions,
        Table::Interactions,
        Table::Threads,
    ];

    /// The table's name, as query files and `sample --table` spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Documents => "documents",
            Table::Mentions => "mentions",
            Table::Interactions => "interactions",
            Table::Threads => "threads",
        }
    }

    /// The table of a name.
    pub fn parse(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Path relative to the index directory: `tables/NAME.parquet`.
    pub const fn rel(self) -> &'static str {
        match self {
            Table::Documents => "tables/documents.parquet",
            Table::Mentions => "tables/mentions.parquet",
            Table::Interactions => "tables/interactions.parquet",
            Table::Threads => "tables/threads.parquet",
        }
    }

    /// The table's file in an index directory.
    pub fn path(self, index: &Path) -> PathBuf {
        index.join(self.rel())
    }

    /// Rows per Parquet row group. The tables the query batch reads most, mentions and
    /// interactions, have short rows in large groups: in groups of 131,072 rows the
    /// 3M-tweet index's mentions file took 21 MB instead of 55, and the example query batch
    /// read its tables 14% faster than in groups of 16,384 (BENCHMARKS.md). A documents row
    /// holds a whole text, and the rows of a group wait in memory until it is written, so
    /// its groups stay small; so do the threads table's, which queries do not read.
    pub const fn rows_per_group(self) -> usize {
        match self {
            Table::Documents | Table::Threads => 16_384,
            Table::Mentions | Table::Interactions => 131_072,
        }
    }

    /// The table's Parquet compression. The tables every query batch reads, mentions and
    /// interactions, in LZ4, which decodes several times faster than zstd: on the 3M-tweet
    /// index the example batch took 6% less time and CPU, its two files 34 -> 62 MB
    /// (BENCHMARKS.md). The documents' texts and the threads stay in zstd, about half the
    /// size.
    pub const fn compression(self) -> ParquetCompression {
        match self {
            Table::Documents | Table::Threads => ParquetCompression::Zstd(None),
            Table::Mentions | Table::Interactions => ParquetCompression::Lz4Raw,
        }
    }

    /// The document-number column: every table has it, and its rows are sorted by it.
    pub const DOC: &'static str = "doc";

    /// A lazy scan of the table in an index directory; an error naming it when it is
    /// missing.
    pub fn scan(self, index: &Path) -> Result<LazyFrame> {
        let path = self.path(index);
        if !path.is_file() {
            return Err(Error::Index {
                path: index.to_path_buf(),
                message: format!("has no {}; rebuild it with `replyscope index`", self.rel()),
            });
        }
        let args = ScanArgsParquet {
            glob: false,
            ..ScanArgsParquet::default()
        };
        Ok(LazyFrame::scan_parquet(
            PlRefPath::new(path.display().to_string()),
            args,
        )?)
    }

    /// The fields a query file may filter and group on, in the order error messages list
    /// them. `doc_id` is the document's string id, joined from the documents table.
    pub fn query_fields(self) -> &'static [&'static str] {
        match self {
            Table::Interactions => INTERACTION_FIELDS,
            Table::Mentions => MENTION_FIELDS,
            Table::Documents => DOCUMENT_FIELDS,
            Table::Threads => &[],
        }
    }

    /// The column `since`, `until` and time buckets apply to, if the table has one.
    pub fn time_column(self) -> Option<&'static str> {
        match self {
            Table::Interactions => Some(I::OpenedAt.name()),
            Table::Documents => Some(D::CreatedAt.name()),
            Table::Mentions | Table::Threads => None,
        }
    }

    /// The polars type of a stored column of this table, `None` when the table has no such
    /// column. Given-label columns (`given_*`) of documents are text.
    pub fn dtype_of(self, column: &str) -> Option<DataType> {
        match self {
            Table::Documents if column.starts_with(GIVEN_PREFIX) => Some(DataType::String),
            Table::Documents => Documents::parse(column).map(Documents::dtype),
            Table::Mentions => Mentions::parse(column).map(Mentions::dtype),
            Table::Interactions => Interactions::parse(column).map(Interactions::dtype),
            Table::Threads => Threads::parse(column).map(Threads::dtype),
        }
    }
}

const INTERACTION_FIELDS: &[&str] = &[
    I::Id.name(),
    DOC_ID,
    I::Source.name(),
    I::Kind.name(),
    I::Basis.name(),
    I::Company.name(),
    I::Channels.name(),
    I::FirstChannel.name(),
    I::ResponseChannel.name(),
    I::Responded.name(),
    I::LatencyKind.name(),
    I::Moves.name(),
    I::RedirectTo.name(),
    I::Switched.name(),
    I::Resolution.name(),
    I::Sentiment.name(),
    I::OpenedAt.name(),
];
const MENTION_FIELDS: &[&str] = &[
    DOC_ID,
    M::Source.name(),
    M::Set.name(),
    M::Label.name(),
    M::Role.name(),
    M::Actor.name(),
    M::Target.name(),
    M::Rule.name(),
];
const DOCUMENT_FIELDS: &[&str] = &[
    D::Id.name(),
    D::Source.name(),
    D::Kind.name(),
    D::Author.name(),
    D::Inbound.name(),
    D::CreatedAt.name(),
];

/// Query field of interactions and mentions: the document's string id (not stored in those
/// tables; the engine joins it from documents by `doc`).
pub const DOC_ID: &str = "doc_id";

/// Prefix of the documents table's given-label columns (`given_company`, ...).
pub const GIVEN_PREFIX: &str = "given_";

/// One row per element of a list column; a row with an empty or null list gives one row
/// with a null.
pub fn explode(lf: LazyFrame, column: &str) -> LazyFrame {
    lf.explode(
        Selector::ByName {
            names: [PlSmallStr::from(column)].into(),
            strict: true,
        },
        ExplodeOptions {
            empty_as_null: true,
            keep_nulls: true,
        },
    )
}

/// How a list column reads as one text (a stratum, a switch path): channels and redirects
/// in order joined by `>`, moves (a set) by `,`.
pub fn list_separator(column: &str) -> &'static str {
    if column == I::Moves.name() {
        ","
    } else {
        ">"
    }
}

/// A column's values as text: lists joined by [`list_separator`] (an empty list is null),
/// anything else cast to text.
pub fn texts(c: &Column) -> Result<Vec<Option<String>>> {
    if let DataType::List(_) = c.dtype() {
        let sep = list_separator(c.name());
        let lists = c.list()?;
        return lists
            .amortized_iter()
            .map(|l| -> Result<Option<String>> {
                let Some(l) = l else { return Ok(None) };
                let l = l.as_ref().cast(&DataType::String)?;
                let parts: Vec<&str> = l.str()?.iter().flatten().collect();
                Ok((!parts.is_empty()).then(|| parts.join(sep)))
            })
            .collect();
    }
    let c = c.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// The type of a list of strings.
pub fn list_of_text() -> DataType {
    DataType::List(Box::new(DataType::String))
}

/// The type of a time: milliseconds, UTC, stored without a time-zone tag (every time in
/// replyscope is UTC) so that readers need no time-zone database.
pub fn time() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, None)
}

macro_rules! columns {
    ($(#[$doc:meta])* $table:ident => $t:expr, { $($(#[$vdoc:meta])* $var:ident = $name:literal : $dtype:expr,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $table {
            $($(#[$vdoc])* $var,)*
        }

        impl $table {
            /// The table these columns belong to.
            pub const TABLE: Table = $t;
            /// Every column, in file order.
            pub const ALL: &'static [$table] = &[$($table::$var,)*];

            /// The column's name in the Parquet file.
            pub const fn name(self) -> &'static str {
                match self {
                    $($table::$var => $name,)*
                }
            }

            /// The column's polars type.
            pub fn dtype(self) -> DataType {
                match self {
                    $($table::$var => $dtype,)*
                }
            }

            /// The column as a polars expression.
            pub fn col(self) -> Expr {
                polars::prelude::col(self.name())
            }

            /// The column of a name.
            pub fn parse(name: &str) -> Option<$table> {
                Self::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

columns! {
    /// Columns of `documents.parquet`, then one text column `given_LABEL` per given label
    /// of the corpus ([`GIVEN_PREFIX`]), then `meta`.
    Documents => Table::Documents, {
        /// Document number: the row, in input order (u32).
        Doc = "doc": DataType::UInt32,
        /// Document id (source:record).
        Id = "id": DataType::String,
        /// Source name.
        Source = "source": DataType::String,
        /// Kind.
        Kind = "kind": DataType::String,
        /// Input file.
        File = "file": DataType::String,
        /// Line where the record starts.
        Line = "line": DataType::UInt64,
        /// Link.
        Url = "url": DataType::String,
        /// Title.
        Title = "title": DataType::String,
        /// Author.
        Author = "author": DataType::String,
        /// Creation time ([`time`]).
        CreatedAt = "created_at": time(),
        /// Text.
        Text = "text": DataType::String,
        /// Parent post id (in the corpus or not).
        InReplyTo = "in_reply_to": DataType::String,
        /// Reply ids the source lists.
        Replies = "replies": list_of_text(),
        /// Conversation id (given).
        ConversationId = "conversation_id": DataType::String,
        /// Customer (true) or company (false).
        Inbound = "inbound": DataType::Boolean,
        /// Extra kept columns, as a JSON object.
        Meta = "meta": DataType::String,
    }
}

columns! {
    /// Columns of `mentions.parquet`: one row per tag.
    Mentions => Table::Mentions, {
        /// Document number.
        Doc = "doc": DataType::UInt32,
        /// Source name.
        Source = "source": DataType::String,
        /// Label set: company, channel, responded, move, resolution, sentiment, latency.
        Set = "set": DataType::String,
        /// The label.
        Label = "label": DataType::String,
        /// A company's role: subject, addressee, responder, mention.
        Role = "role": DataType::String,
        /// Who used a channel: customer or company.
        Actor = "actor": DataType::String,
        /// A stated latency in seconds.
        Seconds = "seconds": DataType::Float64,
        /// A redirect's target channel.
        Target = "target": DataType::String,
        /// Byte span start in the text.
        Start = "start": DataType::UInt64,
        /// Byte span end.
        End = "end": DataType::UInt64,
        /// The words the span covers.
        Surface = "surface": DataType::String,
        /// The rule that made the tag.
        Rule = "rule": DataType::String,
        /// The rule that decided a company's role.
        RoleRule = "role_rule": DataType::String,
        /// How a company was found.
        Found = "found": DataType::String,
    }
}

columns! {
    /// Columns of `interactions.parquet`: one row per customer-company story. The evidence
    /// of each field is five parallel lists: field, document, span and rule.
    Interactions => Table::Interactions, {
        /// `doc_id#company` or `conversation_id#company`.
        Id = "id": DataType::String,
        /// Number of the document that opens it.
        Doc = "doc": DataType::UInt32,
        /// Source name.
        Source = "source": DataType::String,
        /// Document kind.
        Kind = "kind": DataType::String,
        /// text or thread.
        Basis = "basis": DataType::String,
        /// Canonical company id.
        Company = "company": DataType::String,
        /// text, thread or given.
        CompanyBasis = "company_basis": DataType::String,
        /// No gazetteer entry names the company.
        Discovered = "discovered": DataType::Boolean,
        /// Channels in order of first use.
        Channels = "channels": list_of_text(),
        /// The customer's first channel.
        FirstChannel = "first_channel": DataType::String,
        /// The channel the company answered on.
        ResponseChannel = "response_channel": DataType::String,
        /// yes, no or unknown.
        Responded = "responded": DataType::String,
        /// Time to first response, seconds.
        LatencySeconds = "latency_seconds": DataType::Float64,
        /// exact, at_most, at_least, approximate or bounded.
        LatencyKind = "latency_kind": DataType::String,
        /// The company's moves, sorted, distinct.
        Moves = "moves": list_of_text(),
        /// Channels the company redirected the customer to, in order.
        RedirectTo = "redirect_to": list_of_text(),
        /// The company moved the customer to another channel.
        Switched = "switched": DataType::Boolean,
        /// resolved, unresolved or unknown.
        Resolution = "resolution": DataType::String,
        /// The customer's sentiment.
        Sentiment = "sentiment": DataType::String,
        /// When the customer's first post was written ([`time`]).
        OpenedAt = "opened_at": time(),
        /// When the company first answered ([`time`]).
        RespondedAt = "responded_at": time(),
        /// For an unanswered thread: seconds to the corpus's last timestamp.
        CensorSeconds = "censor_seconds": DataType::Float64,
        /// Posts in the conversation.
        Posts = "posts": DataType::UInt32,
        /// Why a field could not be filled.
        Problem = "problem": DataType::String,
        /// Evidence: the field each entry supports.
        EvidenceField = "evidence_field": list_of_text(),
        /// Evidence: the document number of each span.
        EvidenceDoc = "evidence_doc": DataType::List(Box::new(DataType::UInt32)),
        /// Evidence: span starts.
        EvidenceStart = "evidence_start": DataType::List(Box::new(DataType::UInt64)),
        /// Evidence: span ends.
        EvidenceEnd = "evidence_end": DataType::List(Box::new(DataType::UInt64)),
        /// Evidence: rule ids.
        EvidenceRule = "evidence_rule": list_of_text(),
    }
}

columns! {
    /// Columns of `threads.parquet`: one row per post of a reply-linked source.
    Threads => Table::Threads, {
        /// Document number of the post.
        Doc = "doc": DataType::UInt32,
        /// Conversation: the source's own id, else the root post's id.
        ConversationId = "conversation_id": DataType::String,
        /// Document number of the root post of its conversation.
        Root = "root": DataType::UInt32,
        /// Document number of its parent when the parent is in the corpus.
        Parent = "parent": DataType::UInt32,
        /// Whether the parent is in the corpus (null when it replies to nothing).
        ParentInCorpus = "parent_in_corpus": DataType::Boolean,
        /// Steps from the root.
        Depth = "depth": DataType::UInt32,
        /// Replies the source lists (in the corpus or not).
        RepliesListed = "replies_listed": DataType::UInt32,
    }
}

/// Short names for the column enums.
pub use Documents as D;
/// Short names for the column enums.
pub use Interactions as I;
/// Short names for the column enums.
pub use Mentions as M;

/// Values of text columns that code decides on (a responded of "yes", a role of
/// "mention"): the tables store them as the model's own `as_str` spells them.
pub mod value {
    /// `set` of a company tag.
    pub const COMPANY: &str = "company";
    /// `set` of a sentiment tag.
    pub const SENTIMENT: &str = "sentiment";
    /// `role` of a company named in passing.
    pub const MENTION: &str = "mention";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_parse_back() {
        fn check<C: Copy + PartialEq + std::fmt::Debug>(
            all: &[C],
            name: fn(C) -> &'static str,
            parse: fn(&str) -> Option<C>,
        ) {
            for (i, &c) in all.iter().enumerate() {
                assert_eq!(parse(name(c)), Some(c));
                assert!(all[..i].iter().all(|&d| name(d) != name(c)), "{c:?}");
            }
        }
        check(Documents::ALL, Documents::name, Documents::parse);
        check(Mentions::ALL, Mentions::name, Mentions::parse);
        check(Interactions::ALL, Interactions::name, Interactions::parse);
        check(Threads::ALL, Threads::name, Threads::parse);
        for t in Table::ALL {
            assert_eq!(Table::parse(t.name()), Some(t));
            assert_eq!(t.rel(), format!("tables/{}.parquet", t.name()));
            for f in t.query_fields() {
                assert!(*f == DOC_ID || t.dtype_of(f).is_some(), "{t:?} {f}");
            }
        }
        assert_eq!(
            Table::Documents.dtype_of("given_company"),
            Some(DataType::String)
        );
        assert_eq!(Table::Mentions.dtype_of("given_company"), None);
    }
}
