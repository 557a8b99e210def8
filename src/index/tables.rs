//! The documents table (`tables/documents.parquet`), written in row groups as documents
//! stream in, so memory stays bounded.

use crate::error::{Error, Result};
use crate::model::Document;
use polars::prelude::*;
use std::fs::File;
use std::path::Path;

/// Column names of the documents table.
pub mod col {
    /// Document id.
    pub const ID: &str = "id";
    /// Source name.
    pub const SOURCE: &str = "source";
    /// Kind.
    pub const KIND: &str = "kind";
    /// Input file.
    pub const FILE: &str = "file";
    /// Line where the record starts.
    pub const LINE: &str = "line";
    /// Link.
    pub const URL: &str = "url";
    /// Title.
    pub const TITLE: &str = "title";
    /// Author.
    pub const AUTHOR: &str = "author";
    /// Creation time in milliseconds, UTC. Stored without a time-zone tag (every time in
    /// replyscope is UTC) so that readers need no time-zone database.
    pub const CREATED_AT: &str = "created_at";
    /// Text.
    pub const TEXT: &str = "text";
    /// Parent post id.
    pub const IN_REPLY_TO: &str = "in_reply_to";
    /// Reply ids.
    pub const REPLIES: &str = "replies";
    /// Conversation id (given or computed).
    pub const CONVERSATION_ID: &str = "conversation_id";
    /// Customer (true) or company (false).
    pub const INBOUND: &str = "inbound";
    /// Extra kept columns, as a JSON object.
    pub const META: &str = "meta";
    /// Prefix of given-label columns.
    pub const GIVEN_PREFIX: &str = "given_";
}

/// Rows per row group written.
const ROWS_PER_GROUP: usize = 16_384;

/// Streams documents into a Parquet file.
pub struct DocumentTable {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    given: Vec<String>,
    pending: Vec<Document>,
    rows: u64,
}

impl DocumentTable {
    /// Creates the file; `given` are the given-label columns every row has (null when absent).
    pub fn create(path: &Path, given: Vec<String>) -> Result<DocumentTable> {
        let file = File::create(path).map_err(Error::io(path, "cannot create"))?;
        let schema = frame(&[], &given)?.schema().as_ref().clone();
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .set_parallel(false)
            .batched(&schema)?;
        Ok(DocumentTable {
            writer,
            given,
            pending: Vec::new(),
            rows: 0,
        })
    }

    /// Adds one document; writes a row group when enough are pending.
    pub fn push(&mut self, doc: Document) -> Result<()> {
        self.pending.push(doc);
        if self.pending.len() >= ROWS_PER_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let df = frame(&self.pending, &self.given)?;
        self.writer.write_batch(&df)?;
        self.rows += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// Writes the rest and the footer; returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        self.writer.finish()?;
        Ok(self.rows)
    }
}

fn strings<'a>(
    name: &str,
    docs: &'a [Document],
    f: impl Fn(&'a Document) -> Option<&'a str>,
) -> Column {
    Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>())
}

/// One batch of documents as a data frame with the table's fixed schema.
fn frame(docs: &[Document], given: &[String]) -> Result<DataFrame> {
    let created: Vec<Option<i64>> = docs
        .iter()
        .map(|d| d.created_at.map(|t| t.timestamp_millis()))
        .collect();
    let created = Column::new(col::CREATED_AT.into(), created)
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    let replies: Vec<Series> = docs
        .iter()
        .map(|d| {
            Series::new(
                "".into(),
                d.thread
                    .replies
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let replies = if docs.is_empty() {
        Column::new_empty(
            col::REPLIES.into(),
            &DataType::List(Box::new(DataType::String)),
        )
    } else {
        Column::new(col::REPLIES.into(), replies)
            .cast(&DataType::List(Box::new(DataType::String)))?
    };
    let mut columns = vec![
        strings(col::ID, docs, |d| Some(&d.id)),
        strings(col::SOURCE, docs, |d| Some(&d.source)),
        strings(col::KIND, docs, |d| Some(&d.kind)),
        strings(col::FILE, docs, |d| Some(&d.file)),
        Column::new(
            col::LINE.into(),
            docs.iter().map(|d| d.line).collect::<Vec<u64>>(),
        ),
        strings(col::URL, docs, |d| d.url.as_deref()),
        strings(col::TITLE, docs, |d| d.title.as_deref()),
        strings(col::AUTHOR, docs, |d| d.author.as_deref()),
        created,
        strings(col::TEXT, docs, |d| Some(&d.text)),
        strings(col::IN_REPLY_TO, docs, |d| d.thread.in_reply_to.as_deref()),
        replies,
        strings(col::CONVERSATION_ID, docs, |d| {
            d.thread.conversation_id.as_deref()
        }),
        Column::new(
            col::INBOUND.into(),
            docs.iter().map(|d| d.thread.inbound).collect::<Vec<_>>(),
        ),
    ];
    for label in given {
        let name = format!("{}{label}", col::GIVEN_PREFIX);
        columns.push(strings(&name, docs, |d| {
            d.given.get(label).map(String::as_str)
        }));
    }
    let meta: Vec<Option<String>> = docs
        .iter()
        .map(|d| {
            (!d.meta.is_empty())
                .then(|| serde_json::to_string(&d.meta).expect("string map serialises"))
        })
        .collect();
    columns.push(Column::new(col::META.into(), meta));
    Ok(DataFrame::new(docs.len(), columns)?)
}
