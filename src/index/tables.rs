//! The writers of the documents, mentions and interactions tables ([`crate::schema`]),
//! each written in row groups as documents stream in, so memory stays bounded.

use crate::error::{Error, Result};
use crate::model::{Document, Interaction, Tag};
use crate::schema::{self, value, Table, D, GIVEN_PREFIX, I, M};
use polars::prelude::*;
use std::fs::File;
use std::path::Path;

/// Streams rows of type `T` into a table's Parquet file, one row group per
/// [`Table::rows_per_group`] rows. `frame` turns a batch of rows into a data frame with the
/// table's fixed schema.
pub struct TableWriter<T> {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    frame: FrameFn<T>,
    pending: Vec<T>,
    group: usize,
    rows: u64,
}

type FrameFn<T> = Box<dyn Fn(u64, &[T]) -> Result<DataFrame> + Send>;

impl<T> TableWriter<T> {
    /// Creates the file with the schema of `frame(0, &[])`, for `table`'s row groups.
    /// `frame` gets the number of the batch's first row and the batch.
    pub fn create(
        path: &Path,
        table: Table,
        frame: impl Fn(u64, &[T]) -> Result<DataFrame> + Send + 'static,
    ) -> Result<TableWriter<T>> {
        let file = File::create(path).map_err(Error::io(path, "cannot create"))?;
        let schema = frame(0, &[])?.schema().as_ref().clone();
        let writer = ParquetWriter::new(file)
            .with_compression(table.compression())
            .set_parallel(false)
            .batched(&schema)?;
        Ok(TableWriter {
            writer,
            frame: Box::new(frame),
            pending: Vec::new(),
            group: table.rows_per_group(),
            rows: 0,
        })
    }

    /// Adds one row; writes a row group when enough are pending.
    pub fn push(&mut self, row: T) -> Result<()> {
        self.pending.push(row);
        if self.pending.len() >= self.group {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let df = (self.frame)(self.rows, &self.pending)?;
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

    /// Runs `fill`, which makes rows one by one and hands each to the function it is given,
    /// while another thread encodes and writes the row groups; then finishes the table.
    /// Returns what `fill` returned and the number of rows. Rows reach the file in the
    /// order `fill` made them.
    ///
    /// For a stage that makes rows on one thread (the thread stage): encoding its row
    /// groups there left the other core idle. The rows of a group become its data frame on
    /// the thread that made them (the frame is far smaller than the rows, and the rows are
    /// freed where they were allocated); the other thread encodes and compresses it, while
    /// the next group is made. An error of the writer is returned as it is, and `fill`
    /// then stops at its next row.
    pub fn finish_beside<R>(
        self,
        fill: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<R>,
    ) -> Result<(R, u64)> {
        let TableWriter {
            mut writer,
            frame,
            mut pending,
            group,
            mut rows,
        } = self;
        // One frame is made while the one before is written, no more.
        let (tx, rx) = std::sync::mpsc::sync_channel::<DataFrame>(0);
        std::thread::scope(|scope| {
            let written = scope.spawn(move || -> Result<()> {
                for df in rx {
                    writer.write_batch(&df)?;
                }
                writer.finish()?;
                Ok(())
            });
            let mut stopped = false;
            let mut send = |pending: &mut Vec<T>, stopped: &mut bool| -> Result<()> {
                if pending.is_empty() {
                    return Ok(());
                }
                let df = frame(rows, pending)?;
                rows += pending.len() as u64;
                pending.clear();
                tx.send(df).map_err(|_| {
                    // The writer failed: its error is returned below.
                    *stopped = true;
                    Error::Usage("the table writer stopped".into())
                })
            };
            let filled = fill(&mut |row| {
                pending.push(row);
                if pending.len() >= group {
                    send(&mut pending, &mut stopped)?;
                }
                Ok(())
            });
            let filled = filled.and_then(|r| send(&mut pending, &mut stopped).map(|()| r));
            drop(tx);
            let written = written
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            match (filled, written) {
                (Ok(r), Ok(())) => Ok((r, rows)),
                (Err(_), Err(e)) if stopped => Err(e),
                (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            }
        })
    }
}

/// The documents table; `given` are the given-label columns every row has (null when
/// absent). A document's number ([`D::Doc`]) is its row.
pub fn documents(path: &Path, given: Vec<String>) -> Result<TableWriter<(u32, Document)>> {
    TableWriter::create(
        path,
        Table::Documents,
        move |_, rows: &[(u32, Document)]| {
            let numbers: Vec<u32> = rows.iter().map(|r| r.0).collect();
            let docs: Vec<&Document> = rows.iter().map(|r| &r.1).collect();
            frame(&numbers, &docs, &given)
        },
    )
}

/// One row of the mentions table: a tag of a document.
pub struct MentionRow {
    /// Document number.
    pub doc: u32,
    /// Source name (one of the manifest's, interned once per document: a copy per tag
    /// was an allocation per row).
    pub source: &'static str,
    /// The tag.
    pub tag: Tag,
    /// The words the span covers.
    pub surface: String,
}

/// One row of the interactions table: the interaction with the numbers of its document
/// and of the documents its evidence cites (`None` for a document not in the corpus).
pub struct InteractionRow {
    /// Number of the document that opens it.
    pub doc: u32,
    /// Per evidence entry, its document's number.
    pub evidence_docs: Vec<Option<u32>>,
    /// The interaction.
    pub interaction: Interaction,
}

fn text_col<R>(name: &str, rows: &[R], f: impl Fn(&R) -> Option<&str>) -> Column {
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
}

/// A list-of-text column, one list per row (an empty list stays empty, never null). Built
/// with polars' list builder: a `Series` per row would cost an allocation each.
fn str_lists<'a, R: 'a, I: Iterator<Item = &'a str>>(
    name: &str,
    rows: &'a [R],
    f: impl Fn(&'a R) -> I,
) -> Column {
    let mut b = ListStringChunkedBuilder::new(name.into(), rows.len(), rows.len() * 2);
    for r in rows {
        b.append_values_iter(f(r));
    }
    b.finish().into_column()
}

/// A list-of-numbers column of element type `dtype`, one list per row.
fn num_lists<'a, T: PolarsNumericType, R: 'a>(
    name: &str,
    dtype: DataType,
    rows: &'a [R],
    f: impl Fn(&'a R) -> Vec<Option<T::Native>>,
) -> Column {
    let mut b =
        ListPrimitiveChunkedBuilder::<T>::new(name.into(), rows.len(), rows.len() * 2, dtype);
    for r in rows {
        b.append_iter(f(r).into_iter());
    }
    b.finish().into_column()
}

fn it(r: &InteractionRow) -> &Interaction {
    &r.interaction
}

fn time_col(name: &str, ms: Vec<Option<i64>>) -> Result<Column> {
    Ok(Column::new(name.into(), ms).cast(&schema::time())?)
}

/// The mentions table: one row per tag, with its evidence span and rule.
pub fn mentions(path: &Path) -> Result<TableWriter<MentionRow>> {
    TableWriter::create(path, Table::Mentions, |_, rows: &[MentionRow]| {
        let columns = M::ALL
            .iter()
            .map(|&c| -> Result<Column> {
                let name = c.name();
                Ok(match c {
                    M::Doc => {
                        Column::new(name.into(), rows.iter().map(|r| r.doc).collect::<Vec<_>>())
                    }
                    M::Source => text_col(name, rows, |r| Some(r.source)),
                    M::Set => text_col(name, rows, |r| Some(r.tag.set.as_str())),
                    M::Label => text_col(name, rows, |r| Some(r.tag.label)),
                    M::Role => text_col(name, rows, |r| r.tag.role.map(|x| x.as_str())),
                    M::Actor => text_col(name, rows, |r| r.tag.actor.map(|x| x.as_str())),
                    M::Seconds => Column::new(
                        name.into(),
                        rows.iter().map(|r| r.tag.seconds).collect::<Vec<_>>(),
                    ),
                    M::Target => text_col(name, rows, |r| r.tag.target),
                    M::Start => Column::new(
                        name.into(),
                        rows.iter().map(|r| r.tag.start as u64).collect::<Vec<_>>(),
                    ),
                    M::End => Column::new(
                        name.into(),
                        rows.iter().map(|r| r.tag.end as u64).collect::<Vec<_>>(),
                    ),
                    M::Surface => text_col(name, rows, |r| Some(&r.surface)),
                    M::Rule => text_col(name, rows, |r| Some(r.tag.rule)),
                    M::RoleRule => text_col(name, rows, |r| r.tag.role_rule),
                    M::Found => text_col(name, rows, |r| r.tag.found.map(|f| f.as_str())),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DataFrame::new(rows.len(), columns)?)
    })
}

/// The interactions table: one row per customer-company story. Channels, moves and
/// redirects are lists; the evidence is five parallel lists (field, document, start, end,
/// rule).
pub fn interactions(path: &Path) -> Result<TableWriter<InteractionRow>> {
    TableWriter::create(path, Table::Interactions, |_, rows: &[InteractionRow]| {
        interaction_frame(rows)
    })
}

/// A batch of interactions as a data frame with the table's schema.
pub fn interaction_frame(rows: &[InteractionRow]) -> Result<DataFrame> {
    {
        let columns = I::ALL
            .iter()
            .map(|&c| -> Result<Column> {
                let name = c.name();
                Ok(match c {
                    I::Id => text_col(name, rows, |r| Some(&it(r).id)),
                    I::Doc => {
                        Column::new(name.into(), rows.iter().map(|r| r.doc).collect::<Vec<_>>())
                    }
                    I::Source => text_col(name, rows, |r| Some(&it(r).source)),
                    I::Kind => text_col(name, rows, |r| Some(&it(r).kind)),
                    I::Basis => text_col(name, rows, |r| Some(&it(r).basis)),
                    I::Company => text_col(name, rows, |r| Some(&it(r).company)),
                    I::CompanyBasis => text_col(name, rows, |r| Some(&it(r).company_basis)),
                    I::Discovered => Column::new(
                        name.into(),
                        rows.iter().map(|r| it(r).discovered).collect::<Vec<_>>(),
                    ),
                    I::Channels => str_lists(name, rows, |r| it(r).channels.iter().map(|c| &**c)),
                    I::FirstChannel => text_col(name, rows, |r| it(r).first_channel.as_deref()),
                    I::ResponseChannel => {
                        text_col(name, rows, |r| it(r).response_channel.as_deref())
                    }
                    I::Responded => text_col(name, rows, |r| Some(it(r).responded.as_str())),
                    I::LatencySeconds => Column::new(
                        name.into(),
                        rows.iter()
                            .map(|r| it(r).latency_seconds)
                            .collect::<Vec<_>>(),
                    ),
                    I::LatencyKind => text_col(name, rows, |r| it(r).latency_kind.as_deref()),
                    I::Moves => str_lists(name, rows, |r| it(r).moves.iter().map(|c| &**c)),
                    I::RedirectTo => {
                        str_lists(name, rows, |r| it(r).redirect_to.iter().map(|c| &**c))
                    }
                    I::Switched => Column::new(
                        name.into(),
                        rows.iter().map(|r| it(r).switched).collect::<Vec<_>>(),
                    ),
                    I::Resolution => text_col(name, rows, |r| Some(&it(r).resolution)),
                    I::Sentiment => text_col(name, rows, |r| Some(&it(r).sentiment)),
                    I::OpenedAt => time_col(
                        name,
                        rows.iter()
                            .map(|r| it(r).opened_at.map(|t| t.timestamp_millis()))
                            .collect(),
                    )?,
                    I::RespondedAt => time_col(
                        name,
                        rows.iter()
                            .map(|r| it(r).responded_at.map(|t| t.timestamp_millis()))
                            .collect(),
                    )?,
                    I::CensorSeconds => Column::new(
                        name.into(),
                        rows.iter()
                            .map(|r| it(r).censor_seconds)
                            .collect::<Vec<_>>(),
                    ),
                    I::Posts => Column::new(
                        name.into(),
                        rows.iter().map(|r| it(r).posts).collect::<Vec<_>>(),
                    ),
                    I::Problem => text_col(name, rows, |r| it(r).problem.as_deref()),
                    I::EvidenceField => str_lists(name, rows, |r| {
                        it(r).evidence.iter().map(|e| e.field.as_ref())
                    }),
                    I::EvidenceDoc => {
                        num_lists::<UInt32Type, _>(name, DataType::UInt32, rows, |r| {
                            r.evidence_docs.clone()
                        })
                    }
                    I::EvidenceStart => {
                        num_lists::<UInt64Type, _>(name, DataType::UInt64, rows, |r| {
                            it(r)
                                .evidence
                                .iter()
                                .map(|e| Some(e.start as u64))
                                .collect()
                        })
                    }
                    I::EvidenceEnd => {
                        num_lists::<UInt64Type, _>(name, DataType::UInt64, rows, |r| {
                            it(r).evidence.iter().map(|e| Some(e.end as u64)).collect()
                        })
                    }
                    I::EvidenceRule => str_lists(name, rows, |r| {
                        it(r).evidence.iter().map(|e| e.rule.as_ref())
                    }),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DataFrame::new(rows.len(), columns)?)
    }
}

/// One batch of documents (the first numbered `first`) as a data frame with the table's
/// fixed schema.
fn frame(numbers: &[u32], docs: &[&Document], given: &[String]) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(D::ALL.len() + given.len());
    for &c in D::ALL {
        let name = c.name();
        if c == D::Meta {
            for label in given {
                let name = format!("{GIVEN_PREFIX}{label}");
                columns.push(text_col(&name, docs, |d| {
                    d.given.get(label).map(String::as_str)
                }));
            }
        }
        columns.push(match c {
            D::Doc => Column::new(name.into(), numbers.to_vec()),
            D::Id => text_col(name, docs, |d| Some(&d.id)),
            D::Source => text_col(name, docs, |d| Some(&d.source)),
            D::Kind => text_col(name, docs, |d| Some(&d.kind)),
            D::File => text_col(name, docs, |d| Some(&d.file)),
            D::Line => Column::new(
                name.into(),
                docs.iter().map(|d| d.line).collect::<Vec<u64>>(),
            ),
            D::Url => text_col(name, docs, |d| d.url.as_deref()),
            D::Title => text_col(name, docs, |d| d.title.as_deref()),
            D::Author => text_col(name, docs, |d| d.author.as_deref()),
            D::CreatedAt => time_col(
                name,
                docs.iter()
                    .map(|d| d.created_at.map(|t| t.timestamp_millis()))
                    .collect(),
            )?,
            D::Text => text_col(name, docs, |d| Some(&d.text)),
            D::InReplyTo => text_col(name, docs, |d| d.thread.in_reply_to.as_deref()),
            D::Replies => str_lists(name, docs, |d| d.thread.replies.iter().map(String::as_str)),
            D::ConversationId => text_col(name, docs, |d| d.thread.conversation_id.as_deref()),
            D::Inbound => Column::new(
                name.into(),
                docs.iter().map(|d| d.thread.inbound).collect::<Vec<_>>(),
            ),
            D::Meta => {
                let meta: Vec<Option<String>> = docs
                    .iter()
                    .map(|d| {
                        (!d.meta.is_empty())
                            .then(|| serde_json::to_string(&d.meta).expect("string map serialises"))
                    })
                    .collect();
                Column::new(name.into(), meta)
            }
        });
    }
    Ok(DataFrame::new(docs.len(), columns)?)
}

/// Writes data frames of a table's schema into a Parquet file in row groups of exactly the
/// size [`TableWriter`] writes, whatever the frames' sizes, so a table assembled from pieces
/// (an incremental build) has the bytes of the table written row by row.
pub struct FrameWriter {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    pending: Option<DataFrame>,
    group: usize,
    rows: u64,
}

impl FrameWriter {
    /// Creates the file of `table` with the schema of `empty`.
    pub fn create(path: &Path, table: Table, empty: &DataFrame) -> Result<FrameWriter> {
        let file = File::create(path).map_err(Error::io(path, "cannot create"))?;
        let writer = ParquetWriter::new(file)
            .with_compression(table.compression())
            .set_parallel(false)
            .batched(empty.schema().as_ref())?;
        Ok(FrameWriter {
            writer,
            pending: None,
            group: table.rows_per_group(),
            rows: 0,
        })
    }

    /// Adds rows; writes every full row group.
    pub fn push(&mut self, df: DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        let mut all = match self.pending.take() {
            Some(mut p) => {
                p.vstack_mut_owned(df)?;
                p
            }
            None => df,
        };
        while all.height() >= self.group {
            let group = all.slice(0, self.group);
            all = all.slice(self.group as i64, all.height() - self.group);
            self.write(group)?;
        }
        self.pending = Some(all);
        Ok(())
    }

    fn write(&mut self, mut group: DataFrame) -> Result<()> {
        group.rechunk_mut();
        self.writer.write_batch(&group)?;
        self.rows += group.height() as u64;
        Ok(())
    }

    /// Writes a row group of a file of the same schema as stored, before any other row
    /// (row groups keep their fixed size only so): the bytes `push` would write for its rows.
    pub fn copy(&mut self, group: StoredGroup) -> Result<()> {
        if self.pending.as_ref().is_some_and(|p| p.height() > 0) {
            return Err(
                polars_err!(ComputeError: "a stored row group copied after pushed rows").into(),
            );
        }
        self.writer.write_row_group(group.rows, &group.columns)?;
        self.rows += group.rows;
        Ok(())
    }

    /// Writes the rest and the footer; returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        if let Some(rest) = self.pending.take() {
            if rest.height() > 0 {
                self.write(rest)?;
            }
        }
        self.writer.finish()?;
        Ok(self.rows)
    }
}

/// A document's number, or an error past the four billion documents a u32 holds.
pub fn doc_number(n: u64) -> Result<u32> {
    u32::try_from(n).map_err(|_| {
        Error::Usage(format!(
            "more than {} documents: an index numbers its documents with 32 bits",
            u32::MAX
        ))
    })
}

/// What a document's labels are, as the index stores them: its given labels and its
/// company and sentiment tags, for comparing the two ([`crate::tag::eval::given_agreement`]).
#[derive(Debug, Clone, Default)]
pub struct DocLabels {
    /// Document id.
    pub id: String,
    /// Whether the document has any text (a complaint may come without its narrative).
    pub has_text: bool,
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

/// The column [`read_labels`] computes: whether a document has text.
const HAS_TEXT: &str = "has_text";

/// Reads every document's given labels and its company and sentiment tags.
pub fn read_labels(dir: &Path) -> Result<Vec<DocLabels>> {
    let docs = schema::Table::Documents.scan(dir)?;
    let names: Vec<String> = docs
        .clone()
        .collect_schema()?
        .iter_names()
        .map(|n| n.to_string())
        .filter(|n| n.starts_with(GIVEN_PREFIX))
        .collect();
    let mut wanted = vec![
        D::Id.col(),
        D::Text
            .col()
            .str()
            .len_bytes()
            .gt(lit(0u32))
            .fill_null(lit(false))
            .alias(HAS_TEXT),
    ];
    wanted.extend(names.iter().map(|n| col(n.as_str())));
    let docs = docs.select(wanted).collect()?;
    let tags = schema::Table::Mentions
        .scan(dir)?
        .filter(
            M::Set
                .col()
                .eq(lit(value::COMPANY))
                .or(M::Set.col().eq(lit(value::SENTIMENT))),
        )
        .select([
            M::Doc.col(),
            M::Set.col(),
            M::Label.col(),
            M::Role.col(),
            M::Found.col(),
            M::RoleRule.col(),
        ])
        .collect()?;
    let str_col = |df: &DataFrame, name: &str| -> Result<Vec<Option<String>>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    // A document's number is its row.
    let has_text = docs.column(HAS_TEXT)?.bool()?.clone();
    let mut out: Vec<DocLabels> = str_col(&docs, D::Id.name())?
        .into_iter()
        .zip(has_text.iter())
        .map(|(id, has_text)| DocLabels {
            id: id.unwrap_or_default(),
            has_text: has_text.unwrap_or(false),
            ..DocLabels::default()
        })
        .collect();
    for name in &names {
        let label = &name[GIVEN_PREFIX.len()..];
        for (d, v) in out.iter_mut().zip(str_col(&docs, name)?) {
            if let Some(v) = v {
                d.given.insert(label.to_string(), v);
            }
        }
    }
    let t_doc = tags.column(M::Doc.name())?.u32()?.clone();
    let (t_set, t_label, t_role, t_found, t_role_rule) = (
        str_col(&tags, M::Set.name())?,
        str_col(&tags, M::Label.name())?,
        str_col(&tags, M::Role.name())?,
        str_col(&tags, M::Found.name())?,
        str_col(&tags, M::RoleRule.name())?,
    );
    for k in 0..tags.height() {
        let (Some(doc), Some(set), Some(label)) = (t_doc.get(k), &t_set[k], &t_label[k]) else {
            continue;
        };
        if let Some(d) = out.get_mut(doc as usize) {
            d.tags.push(LabelTag {
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

/// A row group of a table file as stored: its compressed pages, per column.
pub struct StoredGroup {
    rows: u64,
    columns: Vec<Vec<polars_parquet::parquet::page::CompressedPage>>,
}

/// Hands `sink` the leading row groups of `table`'s file at `path` that have the writer's
/// full size and that `keep` accepts (given each group's row range), up to the first that
/// does not: their compressed pages as stored, for [`FrameWriter::copy`], read one group at
/// a time. A group with a list column over several data pages ends the run too: the writer
/// needs each page's row count, which a nested column's page header does not give. Returns
/// the groups and rows handed over.
pub fn copy_full_groups(
    path: &Path,
    table: Table,
    mut keep: impl FnMut(std::ops::Range<u64>) -> bool,
    mut sink: impl FnMut(StoredGroup) -> Result<()>,
) -> Result<(usize, u64)> {
    use polars_parquet::parquet::page::CompressedPage;
    use polars_parquet::parquet::read::{read_metadata, PageReader};
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path).map_err(Error::io(path, "cannot read"))?;
    let meta = read_metadata(&mut file).map_err(PolarsError::from)?;
    let (mut groups, mut start) = (0, 0u64);
    'groups: for group in &meta.row_groups {
        let rows = group.num_rows() as u64;
        if rows != table.rows_per_group() as u64 || !keep(start..start + rows) {
            break;
        }
        let mut columns = Vec::with_capacity(group.n_columns());
        for chunk in group.parquet_columns() {
            let range = chunk.byte_range();
            let mut bytes = vec![0u8; (range.end - range.start) as usize];
            file.seek(SeekFrom::Start(range.start))
                .and_then(|_| file.read_exact(&mut bytes))
                .map_err(Error::io(path, "cannot read"))?;
            let cursor = std::io::Cursor::new(polars_buffer::Buffer::from(bytes));
            let nested = chunk.descriptor().descriptor.max_rep_level > 0;
            let mut pages = Vec::new();
            let mut data_pages = 0;
            for page in PageReader::new(cursor, chunk, Vec::new(), usize::MAX) {
                let mut page = page.map_err(PolarsError::from)?;
                if let CompressedPage::Data(data) = &mut page {
                    data_pages += 1;
                    data.num_rows = Some(if nested {
                        rows as usize
                    } else {
                        data.num_values()
                    });
                }
                pages.push(page);
            }
            if nested && data_pages > 1 {
                break 'groups;
            }
            columns.push(pages);
        }
        sink(StoredGroup { rows, columns })?;
        groups += 1;
        start += rows;
    }
    Ok((groups, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `n` rows with a number, a text and a list column (the kinds the tables
    /// have), with nulls, sorted by `doc`.
    fn frame(n: usize) -> DataFrame {
        let doc: Vec<u32> = (0..n as u32).map(|i| i / 3).collect();
        let text: Vec<Option<String>> = (0..n)
            .map(|i| (i % 7 != 0).then(|| format!("row {i} {}", "x".repeat(i % 50))))
            .collect();
        let lists: Vec<Series> = (0..n)
            .map(|i| {
                let items: Vec<String> = (0..i % 4).map(|k| format!("item{}", i + k)).collect();
                Series::new("".into(), items)
            })
            .collect();
        df!(
            "doc" => doc,
            "text" => text,
            "list" => Series::new("list".into(), lists),
        )
        .unwrap()
    }

    #[test]
    fn row_groups_copied_as_stored_give_the_bytes_of_rows_written_again() {
        let dir = tempfile::tempdir().unwrap();
        // A table whose groups are small enough for a test.
        let table = Table::Documents;
        let group = table.rows_per_group();
        let n = group * 3 + 1_000;
        let df = frame(n);
        let whole = dir.path().join("whole.parquet");
        let mut w = FrameWriter::create(&whole, table, &df.clear()).unwrap();
        w.push(df.slice(0, 20_000)).unwrap();
        w.push(df.slice(20_000, n - 20_000)).unwrap();
        assert_eq!(w.finish().unwrap(), n as u64);

        // The first two groups as stored, the rest written again.
        let mut seen = Vec::new();
        let copied = dir.path().join("copied.parquet");
        let mut w = FrameWriter::create(&copied, table, &df.clear()).unwrap();
        let r = group as u64;
        let done = copy_full_groups(
            &whole,
            table,
            |rows| {
                seen.push(rows.clone());
                rows.end <= 2 * r
            },
            |g| w.copy(g),
        )
        .unwrap();
        assert_eq!(done, (2, 2 * r));
        assert_eq!(seen, vec![0..r, r..2 * r, 2 * r..3 * r]);
        let rest = 2 * group;
        w.push(df.slice(rest as i64, n - rest)).unwrap();
        assert_eq!(w.finish().unwrap(), n as u64);
        assert!(std::fs::read(&whole).unwrap() == std::fs::read(&copied).unwrap());

        // A copy after pushed rows would break the fixed group size: refused.
        let bad = dir.path().join("bad.parquet");
        let mut w = FrameWriter::create(&bad, table, &df.clear()).unwrap();
        w.push(df.slice(0, 10)).unwrap();
        assert!(copy_full_groups(&whole, table, |_| true, |g| w.copy(g)).is_err());
    }

    /// A writer of rows `i` as the rows `i` of the frame above.
    fn numbered(path: &Path) -> Result<TableWriter<usize>> {
        TableWriter::create(path, Table::Documents, move |first, rows: &[usize]| {
            // One row more: an empty list column would have no item type.
            Ok(frame(first as usize + rows.len() + 1).slice(first as i64, rows.len()))
        })
    }

    #[test]
    fn rows_written_beside_their_making_give_the_bytes_of_rows_written_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        let n = Table::Documents.rows_per_group() * 3 + 1_000;
        let in_turn = dir.path().join("in_turn.parquet");
        let mut w = numbered(&in_turn).unwrap();
        for i in 0..n {
            w.push(i).unwrap();
        }
        assert_eq!(w.finish().unwrap(), n as u64);
        let beside = dir.path().join("beside.parquet");
        let (made, rows) = numbered(&beside)
            .unwrap()
            .finish_beside(|push| {
                for i in 0..n {
                    push(i)?;
                }
                Ok("made")
            })
            .unwrap();
        assert_eq!((made, rows), ("made", n as u64));
        assert!(std::fs::read(&in_turn).unwrap() == std::fs::read(&beside).unwrap());
    }

    #[test]
    fn an_error_beside_is_the_writers_or_the_makers() {
        let dir = tempfile::tempdir().unwrap();
        let group = Table::Documents.rows_per_group();
        // The writer cannot write (Linux's device that is always full): the making stops at
        // the next full group and the writer's error is returned.
        if cfg!(target_os = "linux") {
            let mut made = 0;
            let e = numbered(Path::new("/dev/full"))
                .unwrap()
                .finish_beside(|push| {
                    for i in 0..group * 10 {
                        push(i)?;
                        made += 1;
                    }
                    Ok(())
                })
                .unwrap_err();
            assert!(e.to_string().contains("space"), "{e}");
            assert!(
                made < group * 10,
                "made {made} rows after the writer failed"
            );
        }
        // The maker fails: its error, whatever the writer did.
        let e = numbered(&dir.path().join("b.parquet"))
            .unwrap()
            .finish_beside(|push| {
                push(0)?;
                Err::<(), _>(Error::Usage("no more rows".into()))
            })
            .unwrap_err();
        assert!(e.to_string().contains("no more rows"), "{e}");
    }
}
