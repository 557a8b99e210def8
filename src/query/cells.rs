//! The stories behind each number. For every count, rate and share cell of a finished table,
//! the rows of the index table it counts: a count lists what it counted, a rate its
//! denominator with the rows of its numerator marked (`counted`), a share `FIELD:value` the
//! stories with that value. `replyscope query` writes them as `NAME.cells.parquet` (row,
//! row key, column, document id, story id, counted); the report embeds a sample of them.
//!
//! The engine adds, to the one `group_by` that computes a query's numbers, an aggregation
//! per cell column listing the numbers of the rows it counts (`aggs`), with the same
//! predicates the metrics count with ([`Metric::cells`]); `read` turns them into items.
//! A test checks that every cell lists exactly as many rows as its number says.

use super::metric::{self, Behind, Docs, Metric};
use super::{ColumnDef, Row, Value};
use crate::error::Result;
use crate::schema::{Table as Stored, D, I, M};
use polars::prelude::*;
use std::collections::BTreeSet;

/// Column of the filtered rows' positions, added to a query's frame when its cells are
/// wanted.
pub(super) const ROW: &str = "__row";

/// One row of the index table a cell counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    /// The document (its string id).
    pub doc_id: String,
    /// The story (interaction id), for the interactions table.
    pub story: Option<String>,
}

/// The rows behind one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The table row (its position in the table's rows, as in `NAME.csv`, from 0).
    pub row: usize,
    /// The column's position in [`super::Table::columns`].
    pub column: usize,
    /// Each row counted: its item number in [`Cells`], and whether it is in the numerator
    /// (a rate's denominator lists both kinds; every other cell only `true`).
    pub items: Vec<(u32, bool)>,
}

/// Every cell's rows; each row of the index table stored once however many cells count it.
/// The rows' ids are gathered from the index's columns (views into their buffers, no text
/// copied or allocated per row: a batch over 3 million tweets lists 11 million).
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// Each row's document id, by item number.
    docs: StringChunked,
    /// Each row's story (interaction id; null for the other tables), by item number.
    stories: StringChunked,
    /// Cells with rows, in table order (row, then column).
    pub cells: Vec<Cell>,
}

impl Cells {
    /// Rows of the index table listed, each once.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no row is listed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Item `i`'s document and story ids (what [`Item`] holds), borrowed.
    pub fn key(&self, i: u32) -> (&str, Option<&str>) {
        let i = i as usize;
        (self.docs.get(i).unwrap_or_default(), self.stories.get(i))
    }

    /// Every item's ids ([`Cells::key`]), by item number.
    pub fn keys(&self) -> Vec<(&str, Option<&str>)> {
        (0..self.len() as u32).map(|i| self.key(i)).collect()
    }

    /// Item `i`.
    pub fn item(&self, i: u32) -> Item {
        let (doc, story) = self.key(i);
        Item {
            doc_id: doc.to_string(),
            story: story.map(str::to_string),
        }
    }
}

/// The stored columns a query's cells need besides those of its numbers: the document
/// number, and the story id of interactions.
pub(super) fn id_columns(table: Stored) -> &'static [&'static str] {
    const INTERACTIONS: &[&str] = &[I::Doc.name(), I::Id.name()];
    const OTHERS: &[&str] = &[D::Doc.name()];
    match table {
        Stored::Interactions => INTERACTIONS,
        _ => OTHERS,
    }
}

/// One planned cell column: the metric's column name and what it lists.
pub(super) struct Planned {
    /// The column's name in the table.
    name: String,
    /// Prefix of its aggregations' names.
    agg: String,
    what: Lists,
}

/// How a planned column's rows are listed.
enum Lists {
    /// Row positions and their counted marks.
    Rows,
    /// Documents of the `roles` metric.
    Docs(Docs),
}

/// The aggregations that list each cell column's rows (positions in [`ROW`]) per group,
/// and what they are.
pub(super) fn aggs(
    metrics: &[Metric],
    within: &[(String, f64)],
    share_vals: &[Vec<String>],
) -> (Vec<Expr>, Vec<Planned>) {
    let (mut exprs, mut planned) = (Vec::new(), Vec::new());
    let mut roles = false;
    for (k, m) in metrics.iter().enumerate() {
        let names = m.columns(within, &share_vals[k]).0;
        for (j, (behind, (name, _))) in m
            .cells(within, &share_vals[k])
            .into_iter()
            .zip(names)
            .enumerate()
        {
            let agg = format!("__c{k}_{j}");
            match behind {
                None => {}
                Some(Behind::Rows { member, counted }) => {
                    let member = member.fill_null(lit(false));
                    let counted = *counted;
                    exprs.push(col(ROW).filter(member.clone()).alias(format!("{agg}_rows")));
                    exprs.push(
                        counted
                            .fill_null(lit(false))
                            .filter(member)
                            .alias(format!("{agg}_in")),
                    );
                    planned.push(Planned {
                        name,
                        agg,
                        what: Lists::Rows,
                    });
                }
                Some(Behind::Docs(d)) => {
                    roles = true;
                    planned.push(Planned {
                        name,
                        agg,
                        what: Lists::Docs(d),
                    });
                }
            }
        }
    }
    if roles {
        exprs.push(M::Doc.col().unique().alias("__c_named"));
        exprs.push(
            M::Doc
                .col()
                .filter(metric::party().fill_null(lit(false)))
                .unique()
                .alias("__c_party"),
        );
    }
    (exprs, planned)
}

/// Reads the cells of the finished rows from the aggregated frame `df`: `group_of` gives
/// each row's group (its row of `df`, None for the empty group), `filtered` the filtered
/// rows of the index table (with [`ROW`], the document number and, for interactions, the
/// story id) and `ids` the documents' numbers and string ids.
pub(super) fn read(
    df: &DataFrame,
    group_of: &[Option<usize>],
    planned: &[Planned],
    columns: &[ColumnDef],
    table: Stored,
    filtered: &DataFrame,
    ids: &DataFrame,
) -> Result<Cells> {
    // Document numbers are dense (a document's row): the row of `ids` of each number.
    const NONE: u32 = u32::MAX;
    let (numbers, id_col) = (ids.column(D::Doc.name())?, ids.column(D::Id.name())?);
    let mut id_row = vec![NONE; numbers.u32()?.max().map_or(0, |m| m as usize + 1)];
    for (row, n) in numbers.u32()?.iter().enumerate() {
        if let Some(n) = n {
            id_row[n as usize] = row as u32;
        }
    }
    // The filtered rows' document numbers, read once into a slice: looked up through the
    // column (`ChunkedArray::get`, a chunk search per call) they were 4% of a batch's CPU.
    let docs: Vec<u32> = filtered
        .column(D::Doc.name())?
        .u32()?
        .iter()
        .map(Option::unwrap_or_default)
        .collect();
    let mut out = Cells::default();
    // Each item's row of `ids` and of `filtered` (its story, for the interactions table);
    // gathered at the end.
    let (mut item_doc, mut item_story): (Vec<Option<IdxSize>>, Vec<Option<IdxSize>>) =
        Default::default();
    // The item of each filtered row and of each document, once made (NONE before).
    let mut by_row = vec![NONE; filtered.height()];
    let mut by_doc = vec![NONE; id_row.len()];
    let mut item = |doc: u32, row: Option<usize>| -> u32 {
        let i = item_doc.len() as u32;
        let at = id_row.get(doc as usize).filter(|&&r| r != NONE);
        item_doc.push(at.map(|&r| r as IdxSize));
        item_story.push(row.map(|r| r as IdxSize));
        i
    };
    let list = |name: &str, r: usize| -> Result<Option<Series>> {
        Ok(df.column(name)?.list()?.get_as_series(r))
    };
    for (row_no, group) in group_of.iter().enumerate() {
        let Some(r) = *group else { continue };
        let (mut named, mut party) = (None, None);
        for p in planned {
            let column = columns
                .iter()
                .position(|c| c.name == p.name)
                .expect("a planned column");
            let mut items = Vec::new();
            match p.what {
                Lists::Rows => {
                    let (Some(rows), Some(marks)) = (
                        list(&format!("{}_rows", p.agg), r)?,
                        list(&format!("{}_in", p.agg), r)?,
                    ) else {
                        continue;
                    };
                    let rows = rows.cast(&DataType::UInt32)?;
                    for (at, counted) in rows.u32()?.iter().zip(marks.bool()?.iter()) {
                        let Some(slot) = at.and_then(|at| by_row.get_mut(at as usize)) else {
                            continue;
                        };
                        if *slot == NONE {
                            let at = at.unwrap_or_default() as usize;
                            *slot = item(docs.get(at).copied().unwrap_or_default(), Some(at));
                        }
                        let i = *slot;
                        items.push((i, counted.unwrap_or(false)));
                    }
                }
                Lists::Docs(which) => {
                    let set = |name: &str| -> Result<BTreeSet<u32>> {
                        Ok(match list(name, r)? {
                            Some(s) => s.u32()?.iter().flatten().collect(),
                            None => BTreeSet::new(),
                        })
                    };
                    if named.is_none() {
                        named = Some(set("__c_named")?);
                        party = Some(set("__c_party")?);
                    }
                    let (all, p) = (named.as_ref().unwrap(), party.as_ref().unwrap());
                    let chosen: Vec<u32> = match which {
                        Docs::Named => all.iter().copied().collect(),
                        Docs::Party => p.iter().copied().collect(),
                        Docs::MentionOnly => all.difference(p).copied().collect(),
                    };
                    for doc in chosen {
                        let Some(slot) = by_doc.get_mut(doc as usize) else {
                            continue;
                        };
                        if *slot == NONE {
                            *slot = item(doc, None);
                        }
                        items.push((*slot, true));
                    }
                }
            }
            out.cells.push(Cell {
                row: row_no,
                column,
                items,
            });
        }
    }
    out.cells.sort_by_key(|c| (c.row, c.column));
    let gather = |c: &Column, at: Vec<Option<IdxSize>>| -> Result<StringChunked> {
        let at: IdxCa = at.into_iter().collect();
        Ok(c.as_materialized_series()
            .take(&at)?
            .str()?
            .rechunk()
            .into_owned())
    };
    out.docs = gather(id_col, item_doc)?;
    out.stories = match table {
        Stored::Interactions => gather(filtered.column(I::Id.name())?, item_story)?,
        _ => StringChunked::full_null(PlSmallStr::EMPTY, out.docs.len()),
    };
    Ok(out)
}

/// The records of the cells table, in its order: each one's table row, column (position in
/// the table's columns), item and numerator mark.
struct Records {
    row: Vec<u32>,
    column: Vec<u32>,
    item: Vec<IdxSize>,
    counted: Vec<bool>,
}

/// The records sorted by row, column, document and story.
fn records(cells: &Cells) -> Records {
    // Items ranked once by (document, story): the records then sort on integers.
    let ids = cells.keys();
    // The first 16 bytes of the document id, zero-padded, as a number: ordered as the ids
    // are, so most comparisons are of two integers and only ids that share them compare
    // as text (ranking 2.7 million mentions by text alone took 0.75 s).
    let prefix: Vec<u128> = ids
        .iter()
        .map(|(doc, _)| {
            let mut b = [0u8; 16];
            let n = doc.len().min(16);
            b[..n].copy_from_slice(&doc.as_bytes()[..n]);
            u128::from_be_bytes(b)
        })
        .collect();
    let mut order: Vec<u32> = (0..cells.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        (prefix[a].cmp(&prefix[b])).then_with(|| ids[a].cmp(&ids[b]))
    });
    // Equal items (tags of one document) share a rank, so the order stays deterministic.
    let mut rank = vec![0u32; order.len()];
    for (r, &i) in order.iter().enumerate() {
        let same = r > 0 && ids[order[r - 1] as usize] == ids[i as usize];
        rank[i as usize] = if same {
            rank[order[r - 1] as usize]
        } else {
            r as u32
        };
    }
    // Cells come in (row, column) order; the records of one (row, column) sort by rank.
    let n: usize = cells.cells.iter().map(|c| c.items.len()).sum();
    let mut r = Records {
        row: Vec::with_capacity(n),
        column: Vec::with_capacity(n),
        item: Vec::with_capacity(n),
        counted: Vec::with_capacity(n),
    };
    let mut ranked: Vec<(u32, bool)> = Vec::new();
    for run in cells
        .cells
        .chunk_by(|a, b| (a.row, a.column) == (b.row, b.column))
    {
        ranked.clear();
        let listed = run.iter().flat_map(|c| &c.items);
        ranked.extend(listed.map(|&(i, k)| (rank[i as usize], k)));
        ranked.sort_unstable();
        for &(rank, k) in &ranked {
            r.row.push(run[0].row as u32);
            r.column.push(run[0].column as u32);
            r.item.push(order[rank as usize] as IdxSize);
            r.counted.push(k);
        }
    }
    r
}

/// Rows of one row group of `NAME.cells.parquet` (polars' default).
const ROW_GROUP: usize = 512 * 512;

/// `NAME.cells.parquet`, zstd-compressed: row (from 0, the row's position in NAME.csv),
/// row_key (the group values joined by " / ", "all" without groups), column, doc_id, story
/// (interaction id, empty for the other tables) and counted, sorted by row, column,
/// document and story. Each text is made once (a row's key, a column's name, an item's
/// ids) and the records refer to it by position: `row_key` and `column` are written as
/// dictionaries of the table's row keys and column names (written from text columns, the
/// writer hashed every record's texts to find them: a fifth of a batch with cells).
/// `doc_id` and `story`, mostly distinct, are plain. Readers see text columns (the file's
/// Arrow schema says so).
pub fn parquet(cells: &Cells, rows: &[Row], keys: usize, columns: &[ColumnDef]) -> Result<Vec<u8>> {
    use polars_arrow::array::{
        Array, BooleanArray, DictionaryArray, PrimitiveArray, Utf8ViewArray,
    };
    use polars_arrow::datatypes::{ArrowDataType, ArrowSchema, Field, IntegerType};
    use polars_arrow::record_batch::RecordBatchT;
    use polars_parquet::write::{
        row_group_iter, schema_to_metadata_key, CompressionOptions, Encoding, FileWriter,
        StatisticsOptions, Version, WriteOptions,
    };
    let r = records(cells);
    let n = r.row.len();
    let dictionary = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    // Each column: its name, the type readers see, the type written and its encoding. The
    // row number is dictionary-encoded as polars writes integers; the dictionaries as they
    // are; the ids plain.
    let text = ArrowDataType::Utf8View;
    let layout = [
        ("row", ArrowDataType::UInt32, None, Encoding::RleDictionary),
        (
            "row_key",
            text.clone(),
            Some(&dictionary),
            Encoding::RleDictionary,
        ),
        (
            "column",
            text.clone(),
            Some(&dictionary),
            Encoding::RleDictionary,
        ),
        ("doc_id", text.clone(), None, Encoding::Plain),
        ("story", text, None, Encoding::Plain),
        ("counted", ArrowDataType::Boolean, None, Encoding::Plain),
    ];
    let schema = |written: bool| -> ArrowSchema {
        (layout.iter())
            .map(|(name, seen, as_written, _)| {
                let dtype = as_written.filter(|_| written).unwrap_or(seen).clone();
                ((*name).into(), Field::new((*name).into(), dtype, true))
            })
            .collect()
    };
    let encodings: Vec<Vec<Encoding>> = layout.iter().map(|c| vec![c.3]).collect();
    let labels: Vec<String> = rows.iter().map(|r| super::row_label(r, keys)).collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let coded = |keys: Vec<u32>, values: Utf8ViewArray| -> Result<Box<dyn Array>> {
        let keys = PrimitiveArray::from_vec(keys);
        Ok(DictionaryArray::try_new(dictionary.clone(), keys, values.boxed())?.boxed())
    };
    let items = IdxCa::from_vec("".into(), r.item);
    let ids = |c: &StringChunked| -> Result<Box<dyn Array>> {
        let c = c.take(&items)?.rechunk().into_owned();
        let array = match c.downcast_iter().next() {
            Some(a) => a.clone().boxed(),
            None => Utf8ViewArray::new_empty(ArrowDataType::Utf8View).boxed(),
        };
        Ok(array)
    };
    let arrays: Vec<Box<dyn Array>> = vec![
        PrimitiveArray::from_vec(r.row.clone()).boxed(),
        coded(r.row, Utf8ViewArray::from_slice_values(&labels))?,
        coded(r.column, Utf8ViewArray::from_slice_values(&names))?,
        ids(&cells.docs)?,
        ids(&cells.stories)?,
        BooleanArray::from_slice(&r.counted).boxed(),
    ];
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        version: Version::V1,
        compression: CompressionOptions::Zstd(None),
        data_page_size: None,
    };
    let written = std::sync::Arc::new(schema(true));
    let mut bytes = Vec::new();
    let mut file = FileWriter::try_new(&mut bytes, (*written).clone(), options)?;
    let parquet_schema = file.parquet_schema().fields().to_vec();
    // Row groups of ROW_GROUP records; one, empty, for a table without records.
    for start in (0..n.max(1)).step_by(ROW_GROUP) {
        let len = ROW_GROUP.min(n - start);
        let group: Vec<Box<dyn Array>> = arrays.iter().map(|a| a.sliced(start, len)).collect();
        let batch = RecordBatchT::try_new(len, written.clone(), group)?;
        let columns = row_group_iter(
            batch,
            encodings.clone().into(),
            parquet_schema.clone(),
            options,
        );
        file.write(len as u64, columns)?;
    }
    file.end(Some(vec![schema_to_metadata_key(&schema(false))]))?;
    Ok(bytes)
}

/// The group key texts of a finished row (what [`read`] matches groups by).
pub(super) fn key_of(r: &Row, keys: usize) -> Vec<String> {
    r.values[..keys]
        .iter()
        .map(|v| match v {
            Value::Text(t) => t.clone(),
            _ => String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Kind;

    /// The records of a cell are in the order of their document ids as text, then their
    /// stories, whatever the order the items were made in: ids longer than the 16 bytes
    /// ranked as numbers, ids that are prefixes of others, equal ids of several items. The
    /// file reads back with text columns.
    #[test]
    fn records_are_in_text_order_of_document_then_story() {
        let docs = [
            "twcs:10",
            "twcs:9",
            "abcdefghijklmnopq2",
            "abcdefghijklmnopq1",
            "abcdefghijklmnop",
            "abcdefghijklmnopq1",
            "b",
            "",
            "twcs:10",
        ];
        let stories = [
            Some("s2"),
            None,
            None,
            None,
            None,
            Some("x"),
            None,
            None,
            Some("s1"),
        ];
        let cells = Cells {
            docs: StringChunked::new("".into(), docs),
            stories: StringChunked::new("".into(), stories),
            cells: vec![Cell {
                row: 0,
                column: 0,
                items: (0..docs.len() as u32)
                    .rev()
                    .map(|i| (i, i % 2 == 0))
                    .collect(),
            }],
        };
        let rows = [Row {
            values: vec![Value::Count(docs.len() as u64)],
            n: docs.len() as u64,
            below_min_n: false,
        }];
        let columns = [ColumnDef {
            name: "stories".into(),
            kind: Kind::Count,
        }];
        let bytes = parquet(&cells, &rows, 0, &columns).unwrap();
        let df = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .unwrap();
        let text = |c: &str| -> Vec<Option<String>> {
            let c = df.column(c).unwrap().str().unwrap().clone();
            c.iter().map(|v| v.map(str::to_string)).collect()
        };
        assert_eq!(text("row_key"), vec![Some("all".to_string()); docs.len()]);
        assert_eq!(
            text("column"),
            vec![Some("stories".to_string()); docs.len()]
        );
        let (doc, story) = (text("doc_id"), text("story"));
        let got: Vec<(Option<&str>, Option<&str>)> = doc
            .iter()
            .map(|d| d.as_deref())
            .zip(story.iter().map(|s| s.as_deref()))
            .collect();
        let mut want: Vec<(Option<&str>, Option<&str>)> =
            docs.iter().map(|d| Some(*d)).zip(stories).collect();
        want.sort();
        assert_eq!(got, want);
    }
}
