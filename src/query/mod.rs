//! Query: query files in, tables out. A batch of query files reads each Parquet table of
//! an index directory once (the columns all its queries need, [`Tables`]); each query is
//! then a polars lazy plan over that shared frame: the field and time filters, an optional
//! full-text restriction (tantivy, as a join on document numbers), time buckets, and one
//! `group_by`/`agg` computing every metric ([`metric::Metric`]). Distributions that polars
//! aggregates as lists per group (delays, censoring times, switch paths) are summarised by
//! the statistics of [`metrics`]. Queries run in parallel, one per thread; a failing query
//! does not stop the others. Nothing here writes files: that is [`crate::report`].

pub mod cells;
pub mod metric;
pub mod metrics;
pub mod ppi;
pub mod spec;

use crate::error::{Error, Result};
use crate::schema::{Table as Stored, Threads as T, D, DOC_ID};
use metric::{Group, Metric, ShareField};
pub use metrics::Rate;
use polars::prelude::*;
use serde::Serialize;
use spec::{GroupKey, Query};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How a column's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A group key.
    Key,
    /// A count.
    Count,
    /// A proportion with its Wilson interval.
    Rate,
    /// A duration in seconds.
    Seconds,
    /// A share of the cell's stories (k of n).
    Share,
    /// A ratio (e.g. 1.5 times).
    Ratio,
    /// A proportion from 0 to 1 without an interval (Kaplan-Meier answered-within).
    Proportion,
    /// Free text.
    Text,
    /// A prediction-powered (error-corrected) rate with its interval ([`ppi`]).
    Ppi,
}

/// One column of a table.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnDef {
    /// Name (also the CSV/JSON key).
    pub name: String,
    /// How it reads.
    pub kind: Kind,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing to show (no observations).
    Null,
    /// Text.
    Text(String),
    /// A count.
    Count(u64),
    /// A number.
    Num(f64),
    /// A proportion with its interval.
    Rate(Rate),
    /// k of n.
    Share(u64, u64),
    /// An error-corrected rate ([`ppi`]).
    Ppi(ppi::Ppi),
}

/// One row: the values, its number of stories and whether that is below `min_n`.
#[derive(Debug, Clone)]
pub struct Row {
    /// Values in column order.
    pub values: Vec<Value>,
    /// Stories in the cell.
    pub n: u64,
    /// n < min_n: shown, but marked as not reliable.
    pub below_min_n: bool,
}

/// A Kaplan-Meier curve of one row, for the figure.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    /// The row's group label.
    pub label: String,
    /// (seconds, share still unanswered).
    pub steps: Vec<(f64, f64)>,
    /// Observations.
    pub n: u64,
}

/// A finished table with what is needed to regenerate it.
#[derive(Debug, Clone)]
pub struct Table {
    /// Output name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// The query file.
    pub query_path: String,
    /// The query file's text.
    pub query_text: String,
    /// Columns.
    pub columns: Vec<ColumnDef>,
    /// Rows.
    pub rows: Vec<Row>,
    /// The reliability threshold.
    pub min_n: u64,
    /// Definitions of the metrics shown.
    pub notes: Vec<String>,
    /// Figure to draw, if any.
    pub figure: Option<String>,
    /// Kaplan-Meier curves per row (when the metric is asked for).
    pub curves: Vec<Curve>,
    /// Rows the query read after filters (before grouping).
    pub rows_read: u64,
    /// The coded sample that corrected the rates (`calibration` in the query file), as the
    /// table's manifest records it.
    pub calibration: Option<serde_json::Value>,
    /// The rows of the index table behind each count, rate and share cell ([`cells`]);
    /// None when they were not listed (`query --no-cells`, an engine's result rows).
    pub cells: Option<cells::Cells>,
}

/// A query that failed, with its message.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The query file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Runs every query file in parallel against an index directory, or several (the shards of
/// one corpus, `index --shard`, read as one index). Results keep the order of `files`.
/// With `with_cells`, each table lists the rows behind its counts, rates and shares
/// ([`cells`]).
///
/// The files are parsed first; the tables they read are then read once each, with the
/// columns any of them needs ([`Tables::load`]), by the first query that needs the table
/// (while the other threads read other tables or run queries), and every query runs over
/// those shared frames. Each query runs whole on one of a few plain threads (as many as
/// rayon's pool has), which take the next file when done. Not rayon tasks: a rayon worker
/// that waits for polars (its own pool) runs other queued queries on top of its stack
/// meanwhile, so a batch of a hundred files nested a hundred polars plans on one stack and
/// overflowed it.
pub fn run_all(
    indexes: &[PathBuf],
    files: &[std::path::PathBuf],
    with_cells: bool,
) -> Vec<std::result::Result<Table, Failure>> {
    // Directories that are not the shards of one build fail every file, once for the batch.
    if let Err(e) = crate::index::shard::check_together(indexes) {
        return (files.iter())
            .map(|f| {
                let path = f.display().to_string();
                Err(Failure {
                    message: format!("{path}: {e}"),
                    path,
                })
            })
            .collect();
    }
    let parsed: Vec<std::result::Result<Query, Failure>> =
        files.iter().map(|f| parse_file(f)).collect();
    let queries: Vec<&Query> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
    let tables = Tables::load(indexes, &queries, with_cells);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<std::result::Result<Table, Failure>>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let workers = rayon::current_num_threads().clamp(1, files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            std::thread::Builder::new()
                .name("query".into())
                .stack_size(QUERY_STACK)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    let path = f.display().to_string();
                    let result = match &parsed[i] {
                        Err(e) => Err(e.clone()),
                        // A panic inside polars or tantivy fails this query, not the batch.
                        Ok(q) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            execute(indexes, &tables, q).map_err(|e| Failure {
                                path: path.clone(),
                                message: format!("{path}: {e}"),
                            })
                        }))
                        .unwrap_or_else(|p| {
                            Err(Failure {
                                path: path.clone(),
                                message: format!("{path}: internal error: {}", panic_text(&p)),
                            })
                        }),
                    };
                    crate::timing::stage(&format!("query: {path} run"));
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                })
                .expect("start a query thread");
        }
    });
    crate::timing::stage("query: queries run");
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every query file was run")
        })
        .collect()
}

/// The message of a caught panic.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Stack of a query thread: polars plans recurse over their expressions.
const QUERY_STACK: usize = 16 << 20;

/// Reads and parses one query file.
fn parse_file(f: &Path) -> std::result::Result<Query, Failure> {
    let path = f.display().to_string();
    let fail = |message: String| Failure {
        path: path.clone(),
        message,
    };
    let text = crate::files::read_regular_text(f, crate::files::TEXT_FILE_LIMIT)
        .map_err(|e| fail(format!("{path}: cannot read ({e})")))?;
    spec::parse(&path, &text).map_err(fail)
}

/// Runs one query (a batch of one).
pub fn run(index: &Path, q: &Query) -> Result<Table> {
    run_many(&[index.to_path_buf()], q)
}

/// Runs one query over several index directories (the shards of one corpus, `index
/// --shard`) as over one index.
pub fn run_many(indexes: &[PathBuf], q: &Query) -> Result<Table> {
    crate::index::shard::check_together(indexes)?;
    execute(indexes, &Tables::load(indexes, &[q], false), q)
}

/// The tables of a batch, each read once with the columns its queries need (by the first
/// query that reads it, while other queries of the batch read other tables); or why it
/// could not be read (every query of that table fails with the message).
pub struct Tables {
    indexes: Vec<PathBuf>,
    frames: HashMap<Stored, Pending<Loaded>>,
    /// Document numbers and ids (documents' `doc` and `id`), when a query needs them: a
    /// full-text search (tantivy answers with ids), `doc_id` in a filter or group key, or a
    /// calibration (coded records name documents by id).
    ids: Option<Pending<DataFrame>>,
    /// Whether the queries list the rows behind their cells ([`cells`]).
    cells: bool,
}

/// A table to read: its columns, the rows to keep ([`common_filters`]), and once read, the
/// frame or why it could not be read.
struct Pending<T> {
    cols: Vec<String>,
    keep: Vec<(String, Vec<String>)>,
    /// Text fields the queries group on, read as codes ([`Coded`]), each with whether its
    /// text column is also read (a query filters on it or aggregates it).
    coded: Vec<(String, bool)>,
    /// Columns the queries read only through the tests of their values
    /// ([`metric::Metric::tested`]): read as their tests ([`load`]).
    tested_only: Vec<String>,
    /// Whether the text and list columns are left in their row groups' chunks
    /// ([`load_all`]): when no query lists its cells.
    chunked_texts: bool,
    read: std::sync::OnceLock<std::result::Result<T, String>>,
}

impl<T> Pending<T> {
    fn new(cols: Vec<String>, keep: Vec<(String, Vec<String>)>) -> Pending<T> {
        Pending {
            cols,
            keep,
            coded: Vec::new(),
            tested_only: Vec::new(),
            chunked_texts: false,
            read: std::sync::OnceLock::new(),
        }
    }

    /// The table of `indexes`, read by `read` (given the columns and rows to keep) unless
    /// it has been; a caller that comes while another reads it waits for that read.
    fn get(
        &self,
        indexes: &[PathBuf],
        table: Stored,
        read: impl FnOnce(Loaded) -> T,
    ) -> Result<&T> {
        self.read
            .get_or_init(|| {
                load_all(
                    indexes,
                    table,
                    &self.cols,
                    &self.keep,
                    &self.coded,
                    &self.tested_only,
                    self.chunked_texts,
                )
                .map(read)
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Usage(e.clone()))
    }
}

/// A table as a batch read it.
struct Loaded {
    df: DataFrame,
    /// Every column the file has (a query asking for another fails, naming it).
    columns: Vec<String>,
    /// The text fields read as codes, each with its values ([`Coded`]).
    coded: HashMap<String, Coded>,
}

/// A text field that queries group on, read as one code per row: the rank of the row's
/// text among the field's distinct texts, a missing value read as "(none)", the key's
/// text for it. Grouping on the codes gives the groups of the texts (polars hashed every
/// row's text once per query that grouped on it: an eighth of a batch), in the same order.
struct Coded {
    /// The distinct texts, sorted: code `i` is `values[i]`.
    values: Vec<String>,
}

/// The column holding a field's codes ([`Coded`]).
fn code_column(field: &str) -> String {
    format!("__code:{field}")
}

/// Codes of a text column ([`Coded`]), as a column named [`code_column`]. Each chunk (a
/// row group as read) is coded on its own, in parallel, and its codes then mapped to the
/// ranks among all the column's values.
fn encode(field: &str, c: &Column) -> Result<(Column, Coded)> {
    use rayon::prelude::*;
    let texts = c.str()?;
    let chunks: Vec<_> = texts.downcast_iter().collect();
    let local: Vec<(Vec<u32>, Vec<&str>)> =
        chunks.par_iter().map(|arr| encode_chunk(arr)).collect();
    let mut values: Vec<&str> = local.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    values.sort_unstable();
    values.dedup();
    let mut codes: Vec<u32> = Vec::with_capacity(texts.len());
    for (first, seen) in &local {
        let rank: Vec<u32> = (seen.iter())
            .map(|v| values.binary_search(v).expect("a value of the chunk") as u32)
            .collect();
        codes.extend(first.iter().map(|f| rank[*f as usize]));
    }
    Ok((
        Column::new(code_column(field).into(), codes),
        Coded {
            values: values.into_iter().map(str::to_string).collect(),
        },
    ))
}

/// One chunk's codes, in the order each value first occurs, and its values in that order.
/// A row is looked up by its view's 16 bytes in a small cache of recent views, and by its
/// text when the cache does not hold the view. Within one array equal views are equal
/// texts: a short text is held in its view, a longer one is named by its length, buffer
/// and offset (a column read from a Parquet dictionary points every row of a value at the
/// same bytes).
pub(super) fn encode_chunk(arr: &polars_arrow::array::Utf8ViewArray) -> (Vec<u32>, Vec<&str>) {
    use polars_arrow::array::Array;
    fn code<'a>(
        v: &'a str,
        by_text: &mut HashMap<&'a str, u32, foldhash::fast::RandomState>,
        seen: &mut Vec<&'a str>,
    ) -> u32 {
        *by_text.entry(v).or_insert_with(|| {
            seen.push(v);
            seen.len() as u32 - 1
        })
    }
    // Slots of the cache, by a hash of the view; an empty slot's code is u32::MAX.
    const SLOTS: usize = 256;
    const EMPTY: u32 = u32::MAX;
    let mut cache = [(0u128, EMPTY); SLOTS];
    let slot = |view: u128| {
        let h = ((view as u64) ^ ((view >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 56) as usize
    };
    let mut by_text = HashMap::default();
    let mut seen: Vec<&str> = Vec::new();
    let views = arr.views();
    let first = (0..arr.len())
        .map(|i| {
            if !arr.is_valid(i) {
                return code(NONE, &mut by_text, &mut seen);
            }
            let view = views[i].as_u128();
            let s = slot(view);
            if cache[s].1 != EMPTY && cache[s].0 == view {
                return cache[s].1;
            }
            let c = code(arr.value(i), &mut by_text, &mut seen);
            cache[s] = (view, c);
            c
        })
        .collect();
    (first, seen)
}

/// How a group key reads where its field has no value.
const NONE: &str = "(none)";

/// The document number column (the same name in every table).
fn doc() -> Expr {
    D::Doc.col()
}

/// Whether a query reads the documents' string ids (every query listing its cells does).
fn needs_ids(q: &Query, cells: bool) -> bool {
    cells || q.spec.search.is_some() || q.spec.calibration.is_some() || uses_doc_id(q)
}

/// Whether `doc_id` is a group key or filter field of the query.
fn uses_doc_id(q: &Query) -> bool {
    q.keys
        .iter()
        .any(|k| matches!(k, GroupKey::Field(f) if f == DOC_ID))
        || q.filters.iter().any(|(f, _)| f == DOC_ID)
        || q.spec.calibration.is_some()
}

/// The stored columns of its table a query reads (and its cells, when listed). A filter
/// field whose filter the read already applied (`kept`, [`implied`]) is not among them
/// unless the query reads the field otherwise.
fn needed_columns(q: &Query, cells: bool, kept: &[(String, Vec<String>)]) -> Vec<String> {
    needed(q, cells, kept, Reads::All)
}

/// Which of a query's reads [`needed`] counts.
#[derive(Clone, Copy, PartialEq)]
enum Reads {
    /// Every read.
    All,
    /// Every read but that of the group keys: whether a field read as codes is also read
    /// as text.
    NotKeys,
    /// Every read but those only through the tests of a column's values
    /// ([`metric::Metric::tested`]): whether the column is kept once they are computed.
    NotTested,
}

/// [`needed_columns`], of the reads `reads`.
fn needed(q: &Query, cells: bool, kept: &[(String, Vec<String>)], reads: Reads) -> Vec<String> {
    let mut cols: Vec<&str> = Vec::new();
    fn stored(f: &str) -> &str {
        if f == DOC_ID {
            D::Doc.name()
        } else {
            f
        }
    }
    for k in q.keys.iter().filter(|_| reads != Reads::NotKeys) {
        match k {
            GroupKey::Field(f) | GroupKey::Bucket(_, f) => cols.push(stored(f)),
        }
    }
    for (f, values) in &q.filters {
        if !implied(kept, f, values) {
            cols.push(stored(f));
        }
    }
    if q.since.is_some() || q.until.is_some() {
        cols.extend(q.table.time_column());
    }
    for m in &q.metrics {
        let tested = if reads == Reads::NotTested {
            m.tested()
        } else {
            Vec::new()
        };
        cols.extend(m.inputs().into_iter().filter(|c| !tested.contains(c)));
    }
    if needs_ids(q, cells) {
        cols.push(D::Doc.name());
    }
    if cells {
        cols.extend_from_slice(cells::id_columns(q.table));
    }
    if q.spec.calibration.is_some() {
        cols.extend_from_slice(ppi::KEY_COLUMNS);
        for m in &q.metrics {
            cols.extend(ppi::field(*m).map(|f| f.name()));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for c in cols {
        if c != DOC_ID && !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

impl Tables {
    /// Plans to read every table the queries read, once, with the union of the columns they
    /// need; with `cells`, also those that name the rows behind each cell.
    pub fn load(indexes: &[PathBuf], queries: &[&Query], cells: bool) -> Tables {
        let tables: BTreeSet<Stored> = queries.iter().map(|q| q.table).collect();
        let frames = tables
            .into_iter()
            .map(|t| {
                let of_table: Vec<&Query> =
                    queries.iter().copied().filter(|q| q.table == t).collect();
                let keep = common_filters(t, &of_table);
                let mut cols: Vec<String> = Vec::new();
                for q in &of_table {
                    for c in needed_columns(q, cells, &keep) {
                        if !cols.contains(&c) {
                            cols.push(c);
                        }
                    }
                }
                let mut pending = Pending::new(cols, keep);
                pending.chunked_texts = !cells;
                for q in &of_table {
                    for f in q.keys.iter().filter_map(|k| coded_key(t, k)) {
                        if pending.coded.iter().all(|(c, _)| c != f) {
                            let also_text = of_table.iter().any(|q| {
                                needed(q, cells, &pending.keep, Reads::NotKeys).contains(f)
                            });
                            pending.coded.push((f.clone(), also_text));
                        }
                    }
                }
                let as_text: BTreeSet<String> = (of_table.iter())
                    .flat_map(|q| needed(q, cells, &pending.keep, Reads::NotTested))
                    .collect();
                pending.tested_only = (pending.cols.iter())
                    .filter(|c| !as_text.contains(*c))
                    .cloned()
                    .collect();
                (t, pending)
            })
            .collect();
        let ids = queries.iter().any(|q| needs_ids(q, cells)).then(|| {
            Pending::new(
                vec![D::Doc.name().to_string(), D::Id.name().to_string()],
                Vec::new(),
            )
        });
        Tables {
            indexes: indexes.to_vec(),
            frames,
            ids,
            cells,
        }
    }

    /// The frame of a query's table, read now if no query has read it yet.
    fn frame(&self, q: &Query) -> Result<LazyFrame> {
        let Some(p) = self.frames.get(&q.table) else {
            return Err(Error::Usage("the table was not loaded".into()));
        };
        let loaded = p.get(&self.indexes, q.table, |l| l)?;
        // Every column the query names must be in the file, also a filter's that the read
        // applied and so did not load (no `kept` here).
        for c in needed_columns(q, self.cells, &[]) {
            if !loaded.columns.contains(&c) {
                return Err(Error::Usage(format!(
                    "{}: has no column {c:?}; rebuild the index",
                    q.table.rel()
                )));
            }
        }
        Ok(loaded.df.clone().lazy())
    }

    /// The text fields of a query's table read as codes ([`Coded`]), once it is read.
    fn coded(&self, q: &Query) -> Option<&HashMap<String, Coded>> {
        let p = self.frames.get(&q.table)?;
        p.read.get()?.as_ref().ok().map(|l| &l.coded)
    }

    /// The filters the read of a query's table applied to every row ([`common_filters`]).
    fn kept(&self, q: &Query) -> &[(String, Vec<String>)] {
        self.frames.get(&q.table).map_or(&[], |p| &p.keep)
    }

    fn ids(&self) -> Result<&DataFrame> {
        let Some(p) = &self.ids else {
            return Err(Error::Usage("document ids were not loaded".into()));
        };
        p.get(&self.indexes, Stored::Documents, |l| l.df)
    }
}

/// The field of a group key that is read as codes ([`Coded`]): a text field of the table.
fn coded_key(table: Stored, k: &GroupKey) -> Option<&String> {
    match k {
        GroupKey::Field(f) if f != DOC_ID && table.dtype_of(f) == Some(DataType::String) => Some(f),
        _ => None,
    }
}

/// Whether keeping the rows `kept` when reading a table already applied a query's filter
/// on `field` to `values`: the rows kept have values of `field` that `values` all list.
fn implied(kept: &[(String, Vec<String>)], field: &str, values: &[String]) -> bool {
    kept.iter()
        .any(|(f, k)| f == field && k.iter().all(|v| values.contains(v)))
}

/// Filters every query of a table has on the same text field, with the union of their
/// values: rows outside it are needed by none of them, so the batch does not read them
/// (a batch whose mentions queries all filter `set = "company"` reads the company tags
/// only). Text fields only (not lists, booleans, times or `doc_id`), at most
/// [`PUSHDOWN_VALUES`] values.
fn common_filters(table: Stored, queries: &[&Query]) -> Vec<(String, Vec<String>)> {
    let Some((first, rest)) = queries.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, values) in &first.filters {
        if table.dtype_of(field) != Some(DataType::String) {
            continue;
        }
        let mut union: BTreeSet<&String> = values.iter().collect();
        let mut everywhere = true;
        for q in rest {
            match q.filters.iter().find(|(f, _)| f == field) {
                Some((_, v)) => union.extend(v),
                None => everywhere = false,
            }
        }
        if everywhere && union.len() <= PUSHDOWN_VALUES {
            out.push((field.clone(), union.into_iter().cloned().collect()));
        }
    }
    out
}

/// [`load`] of every index given, the rows of one after those of the one before. Document
/// numbers are those of one index holding them all: each index's are shifted by the
/// documents of the indexes before it.
fn load_all(
    indexes: &[PathBuf],
    table: Stored,
    cols: &[String],
    keep: &[(String, Vec<String>)],
    coded: &[(String, bool)],
    tested_only: &[String],
    chunked_texts: bool,
) -> Result<Loaded> {
    let [first, rest @ ..] = indexes else {
        return Err(Error::Usage("no index directory given".into()));
    };
    let mut all = load(first, table, cols, keep, tested_only)?;
    let mut offset = crate::index::read_manifest(first)?.counts.documents;
    for index in rest {
        let mut l = load(index, table, cols, keep, tested_only)?;
        let shifted: Vec<Expr> = [D::Doc.name(), T::Root.name(), T::Parent.name()]
            .into_iter()
            .filter(|c| l.df.column(c).is_ok())
            .map(|c| col(c) + lit(offset as u32))
            .collect();
        if !shifted.is_empty() {
            l.df = l.df.lazy().with_columns(shifted).collect()?;
        }
        all.df.vstack_mut(&l.df)?;
        offset += crate::index::read_manifest(index)?.counts.documents;
    }
    for (field, also_text) in coded {
        let Ok(c) = all.df.column(field) else {
            continue;
        };
        let (codes, values) = encode(field, c)?;
        all.df.with_column(codes)?;
        if !also_text {
            all.df.drop_in_place(field)?;
        }
        all.coded.insert(field.clone(), values);
    }
    // The metrics' tests of the text columns also read as text, once for the batch (the
    // others were read as their tests, [`load`]).
    metric::add_tests(table, &mut all.df)?;
    // One chunk per column, joined once here: polars' group_by joins the chunks of every
    // column a query groups or aggregates (`rechunk_mut_par`), so a table left in its row
    // groups' chunks was copied again by each query (a seventh of a batch's samples). With
    // `chunked_texts`, not the texts and lists: the queries read them before grouping
    // (filters, shares, switch paths), chunk by chunk, and joining them was a fifth of a
    // batch's page faults. The cells gather rows of them in every query: joined once here,
    // the batch with its cells took 3% less time and 13% less memory than with them left in
    // chunks (BENCHMARKS.md).
    use rayon::prelude::*;
    let height = all.df.height();
    let columns: Vec<Column> = (std::mem::take(&mut all.df).into_columns())
        .into_par_iter()
        .map(|c| match c.dtype() {
            DataType::String | DataType::List(_) if chunked_texts => c,
            _ => c.rechunk(),
        })
        .collect();
    all.df = DataFrame::new(height, columns)?;
    // The size is estimated only for the timings: it walks every text's view (2% of a
    // batch).
    if crate::timing::enabled() {
        crate::timing::stage(&format!(
            "query: {} read ({} rows, {:.0} MiB)",
            table.rel(),
            all.df.height(),
            all.df.estimated_size() as f64 / (1 << 20) as f64
        ));
    }
    Ok(all)
}

/// Reads the columns `cols` (those the file has) of one table, those of `tested_only` as
/// their tests, the rows `keep`. A table that is not as the build wrote it (truncated,
/// replaced) is named, not reported as whatever polars makes of its bytes.
fn load(
    index: &Path,
    table: Stored,
    cols: &[String],
    keep: &[(String, Vec<String>)],
    tested_only: &[String],
) -> Result<Loaded> {
    let rel = table.rel();
    let path = table.path(index);
    if !path.exists() {
        return Err(Error::Index {
            path: index.to_path_buf(),
            message: format!("has no {rel}; rebuild it with `replyscope index`"),
        });
    }
    let damaged = |what: String| Error::Index {
        path: path.clone(),
        message: format!("{what}: the index is damaged; rebuild it with `replyscope index`"),
    };
    let recorded = crate::index::read_manifest(index)?
        .files
        .into_iter()
        .find(|f| f.path == rel);
    let len = std::fs::metadata(&path)
        .map_err(Error::io(&path, "cannot read"))?
        .len();
    if let Some(f) = recorded.filter(|f| f.bytes != len) {
        return Err(damaged(format!(
            "has {len} bytes, the index manifest records {}",
            f.bytes
        )));
    }
    let read = || -> Result<Loaded> {
        let lf = table.scan(index)?;
        let columns: Vec<String> = lf
            .clone()
            .collect_schema()?
            .iter_names()
            .map(|n| n.to_string())
            .collect();
        // A column the queries read only through its tests is read as its tests: the
        // texts are compared as each row group is decoded, not kept whole first.
        let present: Vec<Expr> = cols
            .iter()
            .filter(|c| columns.contains(c))
            .flat_map(|c| match tested_only.contains(c) {
                true => metric::test_exprs(table, c),
                false => vec![col(c.as_str())],
            })
            .collect();
        // A query that reads no column (`metrics = ["stories"]` over the whole table) still
        // counts rows: keep the document numbers.
        let present = if present.is_empty() {
            vec![doc()]
        } else {
            present
        };
        // Rows no query of the batch can keep are not read (the queries still apply their
        // own filters).
        let mut lf = lf;
        for (field, values) in keep.iter().filter(|(f, _)| columns.contains(f)) {
            let terms = values
                .iter()
                .map(|v| col(field.as_str()).eq(lit(v.clone())));
            if let Some(p) = any_of(terms.collect()) {
                lf = lf.filter(p);
            }
        }
        // Polars' streaming engine: the tests above and the filters run on each row group
        // as it is decoded (the in-memory engine decoded every column whole first; peak
        // memory 457 -> 399 MiB on the 3M index, BENCHMARKS.md).
        let df = (lf.select(present))
            .collect_with_engine(Engine::Streaming)?
            .unwrap_single();
        Ok(Loaded {
            df,
            columns,
            coded: HashMap::new(),
        })
    };
    read().map_err(|e| match e {
        Error::Polars(e) => Error::Index {
            path: path.clone(),
            message: format!(
                "cannot be read ({e}); if the index is damaged, rebuild it with `replyscope index`"
            ),
        },
        e => e,
    })
}

/// Values of a filter that polars is given as one expression at most: it optimises a long
/// OR slowly (20,000 values took a minute); longer lists are joined with the rows.
const PUSHDOWN_VALUES: usize = 32;

/// The list separator of a field stored as a list (`None` for other fields): how its values
/// read when joined into one text (a group key, a stratum, a coded record).
pub(crate) fn joined(field: &str) -> Option<&'static str> {
    match Stored::Interactions.dtype_of(field) {
        Some(DataType::List(_)) => Some(crate::schema::list_separator(field)),
        _ => None,
    }
}

/// The field's values as text: a list joined (null when empty), a boolean as true/false,
/// a time in RFC 3339 (seconds, UTC).
fn as_text(table: Stored, field: &str) -> Expr {
    let c = col(field);
    match table.dtype_of(field) {
        Some(DataType::List(_)) => when(c.clone().list().len().gt(lit(0)))
            .then(
                c.list()
                    .join(lit(crate::schema::list_separator(field)), true),
            )
            .otherwise(lit(NULL).cast(DataType::String)),
        Some(DataType::Datetime(..)) => c.dt().strftime("%Y-%m-%dT%H:%M:%SZ"),
        Some(DataType::String) | None => c,
        Some(_) => c.cast(DataType::String),
    }
}

/// Keeps the rows of `lf` whose `field` has one of `values` (a list field: contains one).
fn filter_values(lf: LazyFrame, table: Stored, field: &str, values: &[String]) -> LazyFrame {
    let dtype = if field == DOC_ID {
        Some(DataType::String)
    } else {
        table.dtype_of(field)
    };
    let c = col(field);
    if dtype == Some(DataType::Boolean) {
        let terms = values
            .iter()
            .map(|v| c.clone().eq(lit(v == "true")))
            .collect();
        return match any_of(terms) {
            Some(p) => lf.filter(p),
            None => lf,
        };
    }
    let is_list = matches!(dtype, Some(DataType::List(_)));
    if values.len() <= PUSHDOWN_VALUES {
        let terms = values
            .iter()
            .map(|v| {
                if is_list {
                    metric::contains(c.clone(), v)
                } else {
                    c.clone().eq(lit(v.clone()))
                }
            })
            .collect();
        return match any_of(terms) {
            Some(p) => lf.filter(p),
            None => lf,
        };
    }
    let set: BTreeSet<&str> = values.iter().map(String::as_str).collect();
    let accepted = DataFrame::new(
        set.len(),
        vec![Column::new(
            field.into(),
            set.into_iter().collect::<Vec<_>>(),
        )],
    )
    .expect("one column")
    .lazy();
    const ROW: &str = "__row";
    let lf = lf.with_row_index(ROW, None);
    let rows = lf.clone().select([col(ROW), c]);
    let rows = if is_list {
        crate::schema::explode(rows, field)
    } else {
        rows
    };
    let matching = rows
        .join(
            accepted,
            [col(field)],
            [col(field)],
            JoinArgs::new(JoinType::Inner),
        )
        .select([col(ROW)])
        .unique(None, UniqueKeepStrategy::Any);
    lf.join(
        matching,
        [col(ROW)],
        [col(ROW)],
        JoinArgs::new(JoinType::Inner),
    )
    .drop(cols([ROW]))
}

/// Runs one query over the batch's tables.
fn execute(indexes: &[PathBuf], tables: &Tables, q: &Query) -> Result<Table> {
    let cal = ppi::for_query(q)?;
    let mut lf = tables.frame(q)?;
    if uses_doc_id(q) && q.table != Stored::Documents {
        let ids = tables
            .ids()?
            .clone()
            .lazy()
            .select([doc(), D::Id.col().alias(DOC_ID)]);
        lf = lf.join(ids, [doc()], [doc()], JoinArgs::new(JoinType::Left));
    }
    if uses_doc_id(q) && q.table == Stored::Documents {
        lf = lf.with_column(D::Id.col().alias(DOC_ID));
    }
    if let Some(s) = &q.spec.search {
        let found = crate::search::matching_ids_all(indexes, s)?;
        let ids = tables.ids()?;
        let (nums, strs) = (
            ids.column(D::Doc.name())?.u32()?,
            ids.column(D::Id.name())?.str()?,
        );
        let numbers: Vec<u32> = nums
            .iter()
            .zip(strs.iter())
            .filter_map(|(n, id)| n.filter(|_| id.is_some_and(|id| found.contains(id))))
            .collect();
        let numbers = DataFrame::new(
            numbers.len(),
            vec![Column::new(D::Doc.name().into(), numbers)],
        )?;
        lf = lf.join(
            numbers.lazy(),
            [doc()],
            [doc()],
            JoinArgs::new(JoinType::Inner),
        );
    }
    for (field, values) in &q.filters {
        // A filter the read applied (`set = "company"` of every mentions query) is not
        // applied again, and its column was not read for it.
        if !implied(tables.kept(q), field, values) {
            lf = filter_values(lf, q.table, field, values);
        }
    }
    let stamp = |s: &str| -> Result<Expr> {
        let t = crate::ingest::date::parse(s, None).map_err(Error::Usage)?;
        Ok(lit(t.timestamp_millis()).cast(crate::schema::time()))
    };
    let time_col = q.table.time_column().unwrap_or_default();
    if let Some(s) = &q.since {
        lf = lf.filter(col(time_col).gt_eq(stamp(s)?));
    }
    if let Some(u) = &q.until {
        lf = lf.filter(col(time_col).lt(stamp(u)?));
    }
    // The filtered rows, numbered, when the cells list them: the numbers must be those of
    // one materialised frame.
    let filtered = if tables.cells {
        let df = lf.with_row_index(cells::ROW, None).collect()?;
        lf = df.clone().lazy();
        Some(df)
    } else {
        None
    };
    // Group keys as text: "(none)" for a missing value.
    let key_name = |i: usize| format!("__k{i}");
    let coded = tables.coded(q);
    // The values of each key read as codes.
    let decode: Vec<Option<&Coded>> = (q.keys.iter())
        .map(|k| coded_key(q.table, k).and_then(|f| coded?.get(f)))
        .collect();
    let mut keys: Vec<Expr> = q
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let e = match k {
                GroupKey::Field(f) if decode[i].is_some() => {
                    return col(code_column(f)).alias(key_name(i));
                }
                GroupKey::Field(f) if f == DOC_ID => col(DOC_ID),
                GroupKey::Field(f) => as_text(q.table, f),
                // The bucket's first instant; written as text once per group below
                // (formatting every row's time was 4% of a batch).
                GroupKey::Bucket(b, f) => {
                    let b = b.clone();
                    return col(f.as_str())
                        .map(move |c| bucket_starts(&b, &c), |_, f| Ok(f.clone()))
                        .alias(key_name(i));
                }
            };
            e.fill_null(lit(NONE)).alias(key_name(i))
        })
        .collect();
    if keys.is_empty() {
        keys.push(lit(true).alias("__all"));
    }
    // Share columns take their values from the whole filtered table, so every row has the
    // same columns; the tests of the values are added to the rows once per field.
    let mut shares: Vec<(ShareField, Vec<String>)> = Vec::new();
    for m in &q.metrics {
        if let Metric::Share(f) = *m {
            if shares.iter().all(|(g, _)| *g != f) {
                shares.push((f, Vec::new()));
            }
        }
    }
    let paths = q.metrics.contains(&Metric::SwitchPaths);
    if !shares.is_empty() || paths {
        let mut df = lf.collect()?;
        for (f, values) in &mut shares {
            let (found, tests) = metric::share_tests(*f, df.column(f.name())?)?;
            for t in tests {
                df.with_column(t)?;
            }
            *values = found;
        }
        if paths {
            let c = metric::path_column(&df)?;
            df.with_column(c)?;
        }
        lf = df.lazy();
    }
    let share_vals: Vec<Vec<String>> = (q.metrics.iter())
        .map(|m| match m {
            Metric::Share(f) => (shares.iter())
                .find(|(g, _)| g == f)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        })
        .collect();
    let mut aggs = vec![len().cast(DataType::UInt64).alias("__n")];
    for (k, m) in q.metrics.iter().enumerate() {
        aggs.extend(m.aggs(&format!("__m{k}_"), &q.within, &share_vals[k]));
    }
    let cell_plan = filtered
        .is_some()
        .then(|| cells::aggs(&q.metrics, &q.within, &share_vals));
    if let Some((exprs, _)) = &cell_plan {
        aggs.extend(exprs.iter().cloned());
    }
    if cal.is_some() {
        aggs.push(as_text(q.table, ppi::KEY_COLUMNS[0]).alias(PPI_ID));
        aggs.push(col(DOC_ID).alias(PPI_DOC));
        for f in ppi_fields(&q.metrics) {
            aggs.push(as_text(q.table, f.name()).alias(format!("__ppi_{}", f.name())));
        }
    }
    let mut df = lf.group_by(keys).agg(aggs).collect()?;
    let buckets: Vec<Expr> = (q.keys.iter().enumerate())
        .filter_map(|(i, k)| match k {
            GroupKey::Bucket(b, _) => Some(
                col(key_name(i))
                    .dt()
                    .strftime(bucket(b).1)
                    .fill_null(lit(NONE)),
            ),
            _ => None,
        })
        .collect();
    if !buckets.is_empty() {
        df = df.lazy().with_columns(buckets).collect()?;
    }
    // Counts as u64 once, not per cell read.
    let counts: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_integer() && c.dtype() != &DataType::UInt64)
        .map(|c| c.name().to_string())
        .filter(|c| !(0..q.keys.len()).any(|i| *c == key_name(i)))
        .collect();
    for name in counts {
        let c = df.column(&name)?.cast(&DataType::UInt64)?;
        df.with_column(c)?;
    }
    // Groups in key order, as text.
    let key_texts: Vec<Vec<Option<String>>> = (0..q.keys.len())
        .map(|i| {
            let c = df.column(&key_name(i))?;
            match decode[i] {
                Some(coded) => Ok((c.u32()?.iter())
                    .map(|code| code.map(|code| coded.values[code as usize].clone()))
                    .collect()),
                None => crate::schema::texts(c),
            }
        })
        .collect::<Result<_>>()?;
    let mut order: Vec<(Vec<String>, Option<usize>)> = (0..df.height())
        .map(|r| {
            let key = key_texts
                .iter()
                .map(|k| k[r].clone().unwrap_or_else(|| NONE.into()))
                .collect();
            (key, Some(r))
        })
        .collect();
    order.sort();
    if q.keys.is_empty() && order.is_empty() {
        order.push((Vec::new(), None));
    }
    let mut columns: Vec<ColumnDef> = q
        .keys
        .iter()
        .map(|k| ColumnDef {
            name: k.header(),
            kind: Kind::Key,
        })
        .collect();
    let mut notes = Vec::new();
    let mut plan: Vec<Vec<String>> = Vec::new();
    for (k, m) in q.metrics.iter().enumerate() {
        let (cols, note) = m.columns(&q.within, &share_vals[k]);
        let names: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
        columns.extend(
            cols.into_iter()
                .map(|(name, kind)| ColumnDef { name, kind }),
        );
        if cal.is_some() {
            columns.extend(ppi::columns(*m, &names));
        }
        if !notes.contains(&note.to_string()) {
            notes.push(note.to_string());
        }
        plan.push(names);
    }
    let mut rows = Vec::new();
    let mut curves = Vec::new();
    let mut rows_read = 0;
    for (key, r) in &order {
        let g = Group { df: &df, row: *r };
        let mut values: Vec<Value> = key.iter().map(|k| Value::Text(k.clone())).collect();
        let label = if key.is_empty() {
            "all".to_string()
        } else {
            key.join(" / ")
        };
        let mut n = g.count("__n")?;
        rows_read += n;
        let frame = match &cal {
            Some(_) => Some(ppi_frame(&g, &q.metrics)?),
            None => None,
        };
        for (k, m) in q.metrics.iter().enumerate() {
            let (v, row_n) = m.values(
                &g,
                &format!("__m{k}_"),
                &q.within,
                share_vals[k].len(),
                &label,
                &mut curves,
            )?;
            values.extend(v);
            if let Some(row_n) = row_n {
                n = row_n;
            }
            if let (Some(c), Some(frame)) = (&cal, &frame) {
                let idx: Vec<usize> = (0..frame.len).collect();
                values.extend(ppi::values(c, *m, &plan[k], frame, &idx));
            }
        }
        rows.push(Row {
            values,
            n,
            below_min_n: n < q.spec.min_n,
        });
    }
    if let Some(c) = &cal {
        notes.push(c.note());
    }
    sort_rows(&mut rows, &columns, &q.sort, q.keys.len());
    if let Some(limit) = q.spec.limit {
        rows.truncate(limit);
    }
    let cells = match (&cell_plan, &filtered) {
        (Some((_, planned)), Some(filtered)) => Some({
            let group: HashMap<&Vec<String>, Option<usize>> =
                order.iter().map(|(k, r)| (k, *r)).collect();
            let group_of: Vec<Option<usize>> = rows
                .iter()
                .map(|r| {
                    group
                        .get(&cells::key_of(r, q.keys.len()))
                        .copied()
                        .flatten()
                })
                .collect();
            cells::read(
                &df,
                &group_of,
                planned,
                &columns,
                q.table,
                filtered,
                tables.ids()?,
            )?
        }),
        _ => None,
    };
    let kept: BTreeSet<String> = rows.iter().map(|r| row_label(r, q.keys.len())).collect();
    curves.retain(|c| kept.contains(&c.label));
    curves.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(Table {
        name: q.name.clone(),
        title: q.spec.title.clone(),
        description: q.spec.description.clone(),
        query_path: q.path.clone(),
        query_text: q.text.clone(),
        columns,
        rows,
        min_n: q.spec.min_n,
        notes,
        figure: q.spec.figure.clone(),
        curves,
        rows_read,
        calibration: cal.as_ref().map(ppi::Calibration::describe),
        cells,
    })
}

/// Aggregation names of the rows a calibration matches coded records with.
const PPI_ID: &str = "__ppi_id";
const PPI_DOC: &str = "__ppi_doc";

/// A time bucket's length (for `truncate`, weeks starting on Monday as ISO weeks do) and
/// how its first instant is written.
fn bucket(name: &str) -> (&'static str, &'static str) {
    match name {
        "day" => ("1d", "%Y-%m-%d"),
        "week" => ("1w", "%G-W%V"),
        "month" => ("1mo", "%Y-%m"),
        _ => ("1y", "%Y"),
    }
}

/// The first instant of each time's bucket (`day`, `week`, `month`, `year`): what polars'
/// `truncate` by [`bucket`]'s length gives, from the day number (polars turned every time
/// into a date and time and back: 4% of a batch with a monthly query).
fn bucket_starts(name: &str, c: &Column) -> PolarsResult<Column> {
    use chrono::Datelike;
    const DAY: i64 = 86_400_000;
    // Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
    const EPOCH: i64 = 719_163;
    let first_day = |days: i64| -> i64 {
        let date = i32::try_from(days + EPOCH)
            .ok()
            .and_then(chrono::NaiveDate::from_num_days_from_ce_opt);
        let Some(date) = date else { return days };
        let first = match name {
            "month" => date.with_day(1),
            _ => date.with_ordinal(1),
        };
        first.map_or(days, |d| i64::from(d.num_days_from_ce()) - EPOCH)
    };
    let ms = c.datetime()?.physical();
    let starts: Int64Chunked = ms.apply_values(|t| {
        let days = t.div_euclid(DAY);
        DAY * match name {
            "day" => days,
            // 1970-01-01 was a Thursday: Mondays are the days d with (d + 3) % 7 == 0.
            "week" => days - (days + 3).rem_euclid(7),
            _ => first_day(days),
        }
    });
    Ok(starts
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_column())
}

/// The rows of one group as the PPI correction reads them: interaction id, document id and
/// the fields its rates decide on, as text.
fn ppi_frame(g: &Group, metrics: &[Metric]) -> Result<Frame> {
    let mut strings = HashMap::new();
    let ids = g.strings(PPI_ID)?;
    let len = ids.len();
    strings.insert(ppi::KEY_COLUMNS[0].to_string(), ids);
    strings.insert(ppi::KEY_COLUMNS[1].to_string(), g.strings(PPI_DOC)?);
    for f in ppi_fields(metrics) {
        strings.insert(
            f.name().to_string(),
            g.strings(&format!("__ppi_{}", f.name()))?,
        );
    }
    Ok(Frame { strings, len })
}

/// The fields the corrections of the metrics read, each once.
fn ppi_fields(metrics: &[Metric]) -> Vec<crate::schema::I> {
    let mut out = Vec::new();
    for f in metrics.iter().filter_map(|m| ppi::field(*m)) {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Rows of one group, by column name, as text (what [`ppi`] reads).
pub(crate) struct Frame {
    strings: HashMap<String, Vec<Option<String>>>,
    len: usize,
}

impl Frame {
    pub(crate) fn get(&self, name: &str, i: usize) -> Option<&str> {
        self.strings.get(name)?.get(i)?.as_deref()
    }
}

/// The group label of a row, as used for curves.
pub fn row_label(r: &Row, keys: usize) -> String {
    if keys == 0 {
        return "all".into();
    }
    r.values[..keys]
        .iter()
        .map(|v| {
            if let Value::Text(t) = v {
                t.clone()
            } else {
                String::new()
            }
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn sort_rows(rows: &mut [Row], columns: &[ColumnDef], sort: &[(String, bool)], keys: usize) {
    let idx: Vec<(usize, bool)> = sort
        .iter()
        .filter_map(|(name, desc)| {
            columns
                .iter()
                .position(|c| &c.name == name)
                .map(|i| (i, *desc))
        })
        .collect();
    let num = |v: &Value| -> Option<f64> {
        match v {
            Value::Count(c) => Some(*c as f64),
            Value::Num(x) => Some(*x),
            Value::Rate(r) => Some(r.p),
            Value::Share(k, n) if *n > 0 => Some(*k as f64 / *n as f64),
            _ => None,
        }
    };
    let cmp_values = |a: &Value, b: &Value| -> std::cmp::Ordering {
        match (num(a), num(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => match (a, b) {
                (Value::Text(x), Value::Text(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            },
        }
    };
    rows.sort_by(|a, b| {
        for &(i, desc) in &idx {
            let o = cmp_values(&a.values[i], &b.values[i]);
            let o = if desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        // Ties (and no sort keys): group keys ascending, so the order never depends on input.
        (0..keys)
            .map(|i| cmp_values(&a.values[i], &b.values[i]))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// The OR of the terms, as a balanced tree: polars walks an expression recursively, and a
/// filter listing ten thousand values as a chain of ORs nested ten thousand deep would
/// overflow the query thread's stack.
fn any_of(mut terms: Vec<Expr>) -> Option<Expr> {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut it = terms.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a.or(b),
                None => a,
            });
        }
        terms = next;
    }
    terms.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_ranks_of_the_texts_over_every_chunk() {
        let long = "a company name longer than a view holds";
        let mut texts = StringChunked::new("f".into(), &[Some("b"), None, Some(long), Some("b")]);
        texts
            .append(&StringChunked::new(
                "f".into(),
                &[Some(NONE), Some("a"), Some(long)],
            ))
            .unwrap();
        assert_eq!(texts.chunks().len(), 2);
        let (codes, coded) = encode("f", &texts.into_column()).unwrap();
        assert_eq!(coded.values, [NONE, "a", long, "b"]);
        // A missing value reads as "(none)": one group with the text "(none)", as before.
        let codes: Vec<u32> = codes.u32().unwrap().into_no_null_iter().collect();
        assert_eq!(codes, [3, 0, 2, 3, 0, 1, 2]);
    }

    #[test]
    fn bucket_starts_are_those_of_polars_truncate() {
        // Times from 1600 to 2400 (before 1970 too), at odd hours, a null among them.
        let mut times: Vec<Option<i64>> = vec![None, Some(0), Some(-1), Some(951_782_400_000)];
        let mut t: i64 = -11_676_096_000_000;
        while t < 13_569_465_600_000 {
            times.push(Some(t));
            t += 86_400_000 * 13 + 3_600_017;
        }
        let c = Int64Chunked::new("t".into(), &times)
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        for name in ["day", "week", "month", "year"] {
            let ours = bucket_starts(name, &c).unwrap();
            let df = DataFrame::new(times.len(), vec![c.clone()]).unwrap();
            let theirs = df
                .lazy()
                .select([col("t").dt().truncate(lit(bucket(name).0))])
                .collect()
                .unwrap();
            assert!(theirs.column("t").unwrap().equals_missing(&ours), "{name}");
        }
    }
}
