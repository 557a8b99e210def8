//! The stories behind each number. For every count, rate and share cell of a finished table,
//! the rows of the index table it counts: a count lists what it counted, a rate its
//! denominator with the rows of its numerator marked (`counted`), a share `FIELD:value` the
//! stories with that value. `replyscope query` writes them as `NAME.cells.parquet` (row,
//! row key, column, document id, story id, counted); the report embeds a sample of them.
//!
//! The engine hands over, per group key, the filtered rows of the group ([`collect`]); this
//! module decides which of them each cell counts with the same predicates the metrics use
//! ([`super::is_exact_latency`], [`super::bound_decides`], [`super::has_value`]), and a test
//! checks that every cell lists exactly as many rows as its number says.

use super::{
    bound_decides, has_value, is_exact_latency, ColumnDef, Frame, Query, RoleCounts, RolesMap, Row,
    Value,
};
use std::collections::{BTreeMap, HashMap};

/// One row of the index table a cell counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    /// The document (`doc_id` of interactions and mentions, `id` of documents).
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
    /// Each row counted: its index in [`Cells::items`], and whether it is in the numerator
    /// (a rate's denominator lists both kinds; every other cell only `true`).
    pub items: Vec<(u32, bool)>,
}

/// Every cell's rows; each row of the index table stored once however many cells count it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cells {
    /// Rows of the index table (documents, stories), each once.
    pub items: Vec<Item>,
    /// Cells with rows, in table order (row, then column).
    pub cells: Vec<Cell>,
}

/// Dedupes rows into items: by frame row, or by document for the `roles` columns (which
/// count documents).
struct Builder<'a> {
    frame: &'a Frame,
    table: &'a str,
    by_row: HashMap<usize, u32>,
    by_doc: HashMap<String, u32>,
    out: Cells,
}

impl Builder<'_> {
    fn doc_item(&mut self, doc: &str) -> u32 {
        if let Some(&i) = self.by_doc.get(doc) {
            return i;
        }
        let i = self.out.items.len() as u32;
        self.out.items.push(Item {
            doc_id: doc.to_string(),
            story: None,
        });
        self.by_doc.insert(doc.to_string(), i);
        i
    }

    fn row_item(&mut self, r: usize) -> u32 {
        if let Some(&i) = self.by_row.get(&r) {
            return i;
        }
        let (doc_id, story) = match self.table {
            "documents" => (self.frame.get("id", r).unwrap_or(""), None),
            "interactions" => (
                self.frame.get("doc_id", r).unwrap_or(""),
                self.frame.get("id", r).map(str::to_string),
            ),
            // A tag: its document, once per tag counted (`stories` of the mentions table
            // counts tags, so a document with two tags is listed twice).
            _ => (self.frame.get("doc_id", r).unwrap_or(""), None),
        };
        let i = self.out.items.len() as u32;
        self.out.items.push(Item {
            doc_id: doc_id.to_string(),
            story,
        });
        self.by_row.insert(r, i);
        i
    }
}

/// What one column of a metric counts, as frame rows with their numerator mark, or as
/// documents (the `roles` columns).
enum Behind {
    Rows(Vec<(usize, bool)>),
    Docs(Vec<(String, bool)>),
}

/// The columns the index table needs for [`collect`] to name documents and stories.
pub(super) fn id_columns(table: &str) -> &'static [&'static str] {
    match table {
        "interactions" => &["id", "doc_id"],
        "documents" => &["id"],
        _ => &["doc_id"],
    }
}

/// The rows behind every count, rate and share cell of the finished rows: `groups` maps each
/// group key to its filtered frame rows, `plan` lists each metric with its column names,
/// `roles` holds the documents per group when polars counted the `roles` metric.
pub(super) fn collect(
    frame: &Frame,
    q: &Query,
    groups: &BTreeMap<Vec<String>, Vec<usize>>,
    rows: &[Row],
    columns: &[ColumnDef],
    plan: &[(String, Vec<String>)],
    roles: Option<&RolesMap>,
) -> Cells {
    let mut b = Builder {
        frame,
        table: q.spec.table.as_str(),
        by_row: HashMap::new(),
        by_doc: HashMap::new(),
        out: Cells::default(),
    };
    let keys = q.keys.len();
    let empty = Vec::new();
    for (row_no, row) in rows.iter().enumerate() {
        let key: Vec<String> = row.values[..keys]
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                _ => String::new(),
            })
            .collect();
        let idx = groups.get(&key).unwrap_or(&empty);
        for (m, names) in plan {
            let behind = metric(frame, q, m, names, idx, roles.and_then(|r| r.get(&key)));
            for (name, what) in names.iter().zip(behind) {
                let Some(what) = what else { continue };
                let column = columns
                    .iter()
                    .position(|c| &c.name == name)
                    .expect("a planned column");
                let items = match what {
                    Behind::Rows(rs) => rs.into_iter().map(|(r, c)| (b.row_item(r), c)).collect(),
                    Behind::Docs(ds) => ds.iter().map(|(d, c)| (b.doc_item(d), *c)).collect(),
                };
                b.out.cells.push(Cell {
                    row: row_no,
                    column,
                    items,
                });
            }
        }
    }
    b.out
}

/// One metric's columns: what each counts (None for a column that is not a count, a rate or a
/// share: a median, a mean, a text).
fn metric(
    frame: &Frame,
    q: &Query,
    m: &str,
    names: &[String],
    idx: &[usize],
    roles: Option<&RoleCounts>,
) -> Vec<Option<Behind>> {
    let all = |pred: &dyn Fn(usize) -> bool| -> Behind {
        Behind::Rows(
            idx.iter()
                .filter(|&&i| pred(i))
                .map(|&i| (i, true))
                .collect(),
        )
    };
    let of = |pred: &dyn Fn(usize) -> bool, counted: &dyn Fn(usize) -> bool| -> Behind {
        Behind::Rows(
            idx.iter()
                .filter(|&&i| pred(i))
                .map(|&i| (i, counted(i)))
                .collect(),
        )
    };
    let is = |field: &'static str, v: &'static str| move |i: usize| frame.get(field, i) == Some(v);
    match m {
        "stories" => vec![Some(all(&|_| true))],
        "response_rate" => {
            let (yes, no, unknown) = (
                is("responded", "yes"),
                is("responded", "no"),
                is("responded", "unknown"),
            );
            vec![
                Some(all(&yes)),
                Some(all(&no)),
                Some(all(&unknown)),
                Some(of(&|i| yes(i) || no(i), &yes)),
            ]
        }
        "latency" => {
            let mut v = vec![Some(all(&|i| is_exact_latency(frame, i)))];
            v.extend((1..names.len()).map(|_| None));
            v
        }
        "kaplan_meier" => {
            let event = |i| is_exact_latency(frame, i);
            let censored = |i| is("responded", "no")(i) && frame.f("censor_seconds")[i].is_some();
            let mut v = vec![Some(of(&|i| event(i) || censored(i), &event)), None];
            v.extend(q.within.iter().map(|_| None));
            v
        }
        "latency_bound" => {
            let stated =
                |i| frame.get("basis", i) == Some("text") && frame.get("latency_kind", i).is_some();
            let mut v = vec![Some(all(&stated))];
            for (_, t) in &q.within {
                let decides = |i| {
                    bound_decides(
                        frame.get("latency_kind", i),
                        frame.f("latency_seconds")[i],
                        *t,
                    )
                };
                v.push(Some(of(&|i| stated(i) && decides(i).is_some(), &|i| {
                    decides(i) == Some(true)
                })));
            }
            v
        }
        "channel_switch_rate" => {
            let switched = is("switched", "true");
            vec![Some(all(&switched)), Some(of(&|_| true, &switched))]
        }
        "resolution_rate" => {
            let (yes, no) = (is("resolution", "resolved"), is("resolution", "unresolved"));
            vec![
                Some(all(&yes)),
                Some(all(&no)),
                Some(all(&|i| !yes(i) && !no(i))),
                Some(of(&|i| yes(i) || no(i), &yes)),
            ]
        }
        "roles" => {
            let docs: Vec<(String, bool)> = match roles {
                Some(r) => r.3.clone(),
                None => {
                    let mut party: BTreeMap<&str, bool> = BTreeMap::new();
                    for &i in idx {
                        if let Some(d) = frame.get("doc_id", i) {
                            let p = frame.get("role", i).is_some_and(|r| r != "mention");
                            *party.entry(d).or_default() |= p;
                        }
                    }
                    party.into_iter().map(|(d, p)| (d.to_string(), p)).collect()
                }
            };
            let pick = |want: Option<bool>| {
                Behind::Docs(
                    docs.iter()
                        .filter(|(_, p)| want.is_none_or(|w| *p == w))
                        .map(|(d, _)| (d.clone(), true))
                        .collect(),
                )
            };
            vec![
                Some(pick(None)),
                Some(pick(Some(true))),
                Some(pick(Some(false))),
                None,
            ]
        }
        "switch_paths" => vec![None],
        share => {
            let field = share.trim_start_matches("share:");
            names
                .iter()
                .map(|col| {
                    let value = col.split_once(':').map(|x| x.1).unwrap_or("");
                    Some(all(&|i| has_value(frame, field, i, value)))
                })
                .collect()
        }
    }
}

/// The cells as a table: row (from 0, the row's position in NAME.csv), row_key (the group
/// values joined by " / ", "all" without groups), column, doc_id, story (interaction id,
/// empty for the other tables) and counted, sorted by row, column, document and story.
pub fn frame(
    cells: &Cells,
    rows: &[Row],
    keys: usize,
    columns: &[ColumnDef],
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let mut recs: Vec<(u32, usize, &Item, bool)> = Vec::new();
    for c in &cells.cells {
        for &(i, counted) in &c.items {
            recs.push((c.row as u32, c.column, &cells.items[i as usize], counted));
        }
    }
    recs.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then(a.3.cmp(&b.3)));
    let labels: Vec<String> = rows.iter().map(|r| super::row_label(r, keys)).collect();
    let row: Vec<u32> = recs.iter().map(|r| r.0).collect();
    let row_key: Vec<&str> = recs.iter().map(|r| labels[r.0 as usize].as_str()).collect();
    let column: Vec<&str> = recs.iter().map(|r| columns[r.1].name.as_str()).collect();
    let doc: Vec<&str> = recs.iter().map(|r| r.2.doc_id.as_str()).collect();
    let story: Vec<Option<&str>> = recs.iter().map(|r| r.2.story.as_deref()).collect();
    let counted: Vec<bool> = recs.iter().map(|r| r.3).collect();
    DataFrame::new(
        recs.len(),
        vec![
            Column::new("row".into(), row),
            Column::new("row_key".into(), row_key),
            Column::new("column".into(), column),
            Column::new("doc_id".into(), doc),
            Column::new("story".into(), story),
            Column::new("counted".into(), counted),
        ],
    )
}
