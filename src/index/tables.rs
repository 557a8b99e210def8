//! The documents table (`tables/documents.parquet`), written in row groups as documents
//! stream in, so memory stays bounded.

use crate::error::{Error, Result};
use crate::model::{Document, Interaction, Tag};
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

/// Streams rows of type `T` into a Parquet file, one row group per `ROWS_PER_GROUP` rows.
/// `frame` turns a batch of rows into a data frame with the table's fixed schema.
pub struct TableWriter<T> {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    frame: FrameFn<T>,
    pending: Vec<T>,
    rows: u64,
}

type FrameFn<T> = Box<dyn Fn(&[T]) -> Result<DataFrame> + Send>;

impl<T> TableWriter<T> {
    /// Creates the file with the schema of `frame(&[])`.
    pub fn create(
        path: &Path,
        frame: impl Fn(&[T]) -> Result<DataFrame> + Send + 'static,
    ) -> Result<TableWriter<T>> {
        let file = File::create(path).map_err(Error::io(path, "cannot create"))?;
        let schema = frame(&[])?.schema().as_ref().clone();
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .set_parallel(false)
            .batched(&schema)?;
        Ok(TableWriter {
            writer,
            frame: Box::new(frame),
            pending: Vec::new(),
            rows: 0,
        })
    }

    /// Adds one row; writes a row group when enough are pending.
    pub fn push(&mut self, row: T) -> Result<()> {
        self.pending.push(row);
        if self.pending.len() >= ROWS_PER_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let df = (self.frame)(&self.pending)?;
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

/// The documents table; `given` are the given-label columns every row has (null when absent).
pub fn documents(path: &Path, given: Vec<String>) -> Result<TableWriter<Document>> {
    TableWriter::create(path, move |docs| frame(docs, &given))
}

/// One row of the mentions table: a tag of a document.
pub struct MentionRow {
    /// Document id.
    pub doc_id: String,
    /// Source name.
    pub source: String,
    /// The tag.
    pub tag: Tag,
    /// The words the span covers.
    pub surface: String,
}

fn text_col<R>(name: &str, rows: &[R], f: impl Fn(&R) -> Option<String>) -> Column {
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
}

/// The mentions table: one row per tag, with its evidence span and rule.
pub fn mentions(path: &Path) -> Result<TableWriter<MentionRow>> {
    TableWriter::create(path, |rows: &[MentionRow]| {
        Ok(DataFrame::new(
            rows.len(),
            vec![
                text_col("doc_id", rows, |r| Some(r.doc_id.clone())),
                text_col("source", rows, |r| Some(r.source.clone())),
                text_col("set", rows, |r| Some(r.tag.set.as_str().to_string())),
                text_col("label", rows, |r| Some(r.tag.label.clone())),
                text_col("role", rows, |r| r.tag.role.map(|x| x.as_str().to_string())),
                text_col("actor", rows, |r| {
                    r.tag.actor.map(|x| x.as_str().to_string())
                }),
                Column::new(
                    "seconds".into(),
                    rows.iter().map(|r| r.tag.seconds).collect::<Vec<_>>(),
                ),
                text_col("target", rows, |r| r.tag.target.clone()),
                Column::new(
                    "start".into(),
                    rows.iter().map(|r| r.tag.start as u64).collect::<Vec<_>>(),
                ),
                Column::new(
                    "end".into(),
                    rows.iter().map(|r| r.tag.end as u64).collect::<Vec<_>>(),
                ),
                text_col("surface", rows, |r| Some(r.surface.clone())),
                text_col("rule", rows, |r| Some(r.tag.rule.clone())),
                text_col("role_rule", rows, |r| r.tag.role_rule.clone()),
                text_col("found", rows, |r| {
                    r.tag.found.map(|f| f.as_str().to_string())
                }),
            ],
        )?)
    })
}

/// The interactions table: one row per customer-company story. List fields are joined:
/// channels and redirect_to with '>', moves with ','; evidence is a JSON array.
pub fn interactions(path: &Path) -> Result<TableWriter<Interaction>> {
    TableWriter::create(path, |rows: &[Interaction]| {
        let time = |name: &str, f: &dyn Fn(&Interaction) -> Option<i64>| -> Result<Column> {
            Ok(
                Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
            )
        };
        let joined = |v: &[String], sep: &str| (!v.is_empty()).then(|| v.join(sep));
        Ok(DataFrame::new(
            rows.len(),
            vec![
                text_col("id", rows, |r| Some(r.id.clone())),
                text_col("doc_id", rows, |r| Some(r.doc_id.clone())),
                text_col("source", rows, |r| Some(r.source.clone())),
                text_col("kind", rows, |r| Some(r.kind.clone())),
                text_col("basis", rows, |r| Some(r.basis.clone())),
                text_col("company", rows, |r| Some(r.company.clone())),
                text_col("company_basis", rows, |r| Some(r.company_basis.clone())),
                Column::new(
                    "discovered".into(),
                    rows.iter().map(|r| r.discovered).collect::<Vec<_>>(),
                ),
                text_col("channels", rows, |r| joined(&r.channels, ">")),
                text_col("first_channel", rows, |r| r.first_channel.clone()),
                text_col("response_channel", rows, |r| r.response_channel.clone()),
                text_col("responded", rows, |r| {
                    Some(r.responded.as_str().to_string())
                }),
                Column::new(
                    "latency_seconds".into(),
                    rows.iter().map(|r| r.latency_seconds).collect::<Vec<_>>(),
                ),
                text_col("latency_kind", rows, |r| r.latency_kind.clone()),
                text_col("moves", rows, |r| joined(&r.moves, ",")),
                text_col("redirect_to", rows, |r| joined(&r.redirect_to, ">")),
                Column::new(
                    "switched".into(),
                    rows.iter().map(|r| r.switched).collect::<Vec<_>>(),
                ),
                text_col("resolution", rows, |r| Some(r.resolution.clone())),
                text_col("sentiment", rows, |r| Some(r.sentiment.clone())),
                time("opened_at", &|r| r.opened_at.map(|t| t.timestamp_millis()))?,
                time("responded_at", &|r| {
                    r.responded_at.map(|t| t.timestamp_millis())
                })?,
                Column::new(
                    "censor_seconds".into(),
                    rows.iter().map(|r| r.censor_seconds).collect::<Vec<_>>(),
                ),
                Column::new(
                    "posts".into(),
                    rows.iter().map(|r| r.posts).collect::<Vec<_>>(),
                ),
                text_col("problem", rows, |r| r.problem.clone()),
                text_col("evidence", rows, |r| {
                    Some(serde_json::to_string(&r.evidence).expect("evidence serialises"))
                }),
            ],
        )?)
    })
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

/// What a document's labels are, as the index stores them: its given labels and its
/// company and sentiment tags, for comparing the two ([`crate::tag::eval::given_agreement`]).
#[derive(Debug, Clone, Default)]
pub struct DocLabels {
    /// Document id.
    pub id: String,
    /// Given labels (label -> value).
    pub given: std::collections::BTreeMap<String, String>,
    /// Company and sentiment tags in text order.
    pub tags: Vec<LabelTag>,
}

/// A company or sentiment tag as [`read_labels`] gives it.
#[derive(Debug, Clone, Default)]
pub struct LabelTag {
    /// company or sentiment.
    pub set: String,
    /// Company id or polarity.
    pub label: String,
    /// A company's role.
    pub role: Option<String>,
    /// How a company was found.
    pub found: Option<String>,
    /// The rule that decided a company's role.
    pub role_rule: Option<String>,
}

/// Reads every document's given labels and its company and sentiment tags.
pub fn read_labels(dir: &Path) -> Result<Vec<DocLabels>> {
    let read = |name: &str| -> Result<DataFrame> {
        let path = dir.join("tables").join(name);
        let f = File::open(&path).map_err(Error::io(&path, "cannot open"))?;
        Ok(ParquetReader::new(f).finish()?)
    };
    let docs = read("documents.parquet")?;
    let tags = read("mentions.parquet")?;
    let str_col = |df: &DataFrame, name: &str| -> Result<Vec<Option<String>>> {
        match df.column(name) {
            Ok(c) => Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect()),
            // Indexes built before a column existed: all null.
            Err(_) => Ok(vec![None; df.height()]),
        }
    };
    let ids = str_col(&docs, col::ID)?;
    let mut out: Vec<DocLabels> = ids
        .iter()
        .map(|id| DocLabels {
            id: id.clone().unwrap_or_default(),
            ..DocLabels::default()
        })
        .collect();
    for name in docs.get_column_names() {
        if let Some(label) = name.strip_prefix(col::GIVEN_PREFIX) {
            for (d, v) in out.iter_mut().zip(str_col(&docs, name)?) {
                if let Some(v) = v {
                    d.given.insert(label.to_string(), v);
                }
            }
        }
    }
    let at: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    let (t_doc, t_set, t_label, t_role, t_found, t_role_rule) = (
        str_col(&tags, "doc_id")?,
        str_col(&tags, "set")?,
        str_col(&tags, "label")?,
        str_col(&tags, "role")?,
        str_col(&tags, "found")?,
        str_col(&tags, "role_rule")?,
    );
    for k in 0..tags.height() {
        let (Some(doc), Some(set), Some(label)) = (&t_doc[k], &t_set[k], &t_label[k]) else {
            continue;
        };
        if set != "company" && set != "sentiment" {
            continue;
        }
        if let Some(&i) = at.get(doc.as_str()) {
            out[i].tags.push(LabelTag {
                set: set.clone(),
                label: label.clone(),
                role: t_role[k].clone(),
                found: t_found[k].clone(),
                role_rule: t_role_rule[k].clone(),
            });
        }
    }
    Ok(out)
}
