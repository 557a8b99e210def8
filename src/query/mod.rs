//! Query: query files in, tables out. Each query reads one Parquet table of an index
//! directory (polars scans it, applies the field and time filters and computes time
//! buckets), optionally keeps only documents matching a full-text search (tantivy), groups
//! the rows and computes the metrics ([`metrics`]). Queries run in parallel, one per
//! thread; a failing query does not stop the others. Nothing here writes files: that is
//! [`crate::report`].

pub mod cells;
pub mod metrics;
pub mod ppi;
pub mod spec;

use crate::error::{Error, Result};
pub use metrics::Rate;
use metrics::{kaplan_meier, quantile, wilson};
use polars::prelude::*;
use serde::Serialize;
use spec::{GroupKey, Query};
use std::collections::{BTreeMap, BTreeSet, HashSet};
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
    /// The rows of the index table behind each count, rate and share cell ([`cells`]).
    pub cells: cells::Cells,
}

/// A query that failed, with its message.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The query file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Runs every query file in parallel against an index directory. Results keep the order of
/// `files`.
///
/// Each query runs whole on one of a few plain threads (as many as rayon's pool has), which
/// take the next file when done. Not rayon tasks: a rayon worker that waits for polars (its
/// own pool) runs other queued queries on top of its stack meanwhile, so a batch of a hundred
/// files nested a hundred polars plans on one stack and overflowed it.
pub fn run_all(
    indexes: &[PathBuf],
    files: &[std::path::PathBuf],
) -> Vec<std::result::Result<Table, Failure>> {
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
                    // A panic inside polars or tantivy fails this query, not the batch.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_file(indexes, f)
                    }))
                    .unwrap_or_else(|p| {
                        Err(Failure {
                            path: f.display().to_string(),
                            message: format!("{}: internal error: {}", f.display(), panic_text(&p)),
                        })
                    });
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                })
                .expect("start a query thread");
        }
    });
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

/// Reads, parses and runs one query file.
fn run_file(indexes: &[PathBuf], f: &Path) -> std::result::Result<Table, Failure> {
    let path = f.display().to_string();
    let fail = |message: String| Failure {
        path: path.clone(),
        message,
    };
    let text = crate::files::read_regular_text(f, crate::files::TEXT_FILE_LIMIT)
        .map_err(|e| fail(format!("{path}: cannot read ({e})")))?;
    let q = spec::parse(&path, &text).map_err(fail)?;
    run_many(indexes, &q).map_err(|e| fail(format!("{path}: {e}")))
}

/// Columns of a loaded table, by name.
struct Frame {
    strings: BTreeMap<String, Dict>,
    floats: BTreeMap<String, Vec<Option<f64>>>,
    len: usize,
}

/// A text column, dictionary-encoded: each distinct value stored once, each row a code
/// (u32::MAX for null). Millions of rows with a few hundred distinct companies or labels
/// then cost four bytes each instead of an allocation each.
#[derive(Default)]
struct Dict {
    values: Vec<String>,
    codes: Vec<u32>,
}

impl Dict {
    fn from_iter<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Dict {
        let mut index: std::collections::HashMap<&'a str, u32> = std::collections::HashMap::new();
        let mut d = Dict::default();
        for v in it {
            let code = match v {
                None => u32::MAX,
                Some(s) => *index.entry(s).or_insert_with(|| {
                    d.values.push(s.to_string());
                    (d.values.len() - 1) as u32
                }),
            };
            d.codes.push(code);
        }
        d
    }

    fn get(&self, i: usize) -> Option<&str> {
        match self.codes.get(i) {
            Some(&c) if c != u32::MAX => Some(&self.values[c as usize]),
            _ => None,
        }
    }
}

impl Frame {
    fn f(&self, name: &str) -> &[Option<f64>] {
        self.floats.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
    fn get(&self, name: &str, i: usize) -> Option<&str> {
        self.strings.get(name).and_then(|d| d.get(i))
    }
}

/// Values of a filter that polars is given as one expression at most: it optimises a long
/// OR slowly (20,000 values took a minute), and a set lookup per row is fast.
const PUSHDOWN_VALUES: usize = 32;

/// Whether a filter is applied to the loaded rows rather than pushed into the scan: a value
/// within a joined list, or a long list of values.
fn filtered_here(field: &str, values: &[String]) -> bool {
    joined(field).is_some() || values.len() > PUSHDOWN_VALUES
}

/// Fields stored joined in one string, with their separator.
fn joined(field: &str) -> Option<&'static str> {
    match field {
        "channels" | "redirect_to" => Some(">"),
        "moves" => Some(","),
        _ => None,
    }
}

/// Runs one query.
pub fn run(index: &Path, q: &Query) -> Result<Table> {
    run_many(&[index.to_path_buf()], q)
}

/// Runs one query over several index directories (the shards of one corpus, `index
/// --shard`) as over one index.
pub fn run_many(indexes: &[PathBuf], q: &Query) -> Result<Table> {
    let cal = ppi::for_query(q)?;
    let (frame, roles) = load(indexes, q)?;
    let keep: Vec<usize> = match &q.spec.search {
        Some(s) => {
            let ids = crate::search::matching_ids_all(indexes, s)?;
            let col = if q.spec.table == "documents" {
                "id"
            } else {
                "doc_id"
            };
            (0..frame.len)
                .filter(|&i| frame.get(col, i).is_some_and(|id| ids.contains(id)))
                .collect()
        }
        None => (0..frame.len).collect(),
    };
    // Filters on joined fields (a value among the list) and long lists of values are applied
    // here; the others were pushed down into the scan.
    let sets: Vec<(&str, Option<&str>, HashSet<&str>)> = q
        .filters
        .iter()
        .filter(|(f, values)| filtered_here(f, values))
        .map(|(f, values)| {
            let set = values.iter().map(String::as_str).collect();
            (f.as_str(), joined(f), set)
        })
        .collect();
    let keep: Vec<usize> = keep
        .into_iter()
        .filter(|&i| {
            sets.iter().all(|(f, sep, set)| {
                frame.get(f, i).is_some_and(|v| match sep {
                    Some(sep) => v.split(sep).any(|x| set.contains(x)),
                    None => set.contains(v),
                })
            })
        })
        .collect();
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for &i in &keep {
        let key = q
            .keys
            .iter()
            .map(|k| {
                frame
                    .get(&key_column(k), i)
                    .map(str::to_string)
                    .unwrap_or_else(|| "(none)".into())
            })
            .collect();
        groups.entry(key).or_default().push(i);
    }
    if let Some(map) = roles.as_ref().filter(|_| polars_only(q)) {
        // Every metric was counted by polars: the groups are its groups.
        for key in map.keys() {
            groups.entry(key.clone()).or_default();
        }
    }
    if q.keys.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), Vec::new());
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
    let mut curves = Vec::new();
    // Share columns take their values from the whole filtered table, so every row has the
    // same columns.
    let share_values = |field: &str| -> Vec<String> {
        let mut vals = BTreeSet::new();
        for &i in &keep {
            if let Some(v) = frame.get(field, i) {
                match joined(field) {
                    Some(sep) => vals.extend(v.split(sep).map(str::to_string)),
                    None => {
                        vals.insert(v.to_string());
                    }
                }
            }
        }
        vals.into_iter().collect()
    };
    let mut plan: Vec<(String, Vec<String>)> = Vec::new();
    for m in &q.spec.metrics {
        let values = m
            .strip_prefix("share:")
            .map(&share_values)
            .unwrap_or_default();
        let (cols, note) = metric_columns(m, &q.within, &values);
        let names: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
        columns.extend(
            cols.into_iter()
                .map(|(name, kind)| ColumnDef { name, kind }),
        );
        if cal.is_some() {
            columns.extend(ppi::columns(m, &names));
        }
        if !notes.contains(&note.to_string()) {
            notes.push(note.to_string());
        }
        plan.push((m.clone(), names));
    }
    let mut rows = Vec::new();
    for (key, idx) in &groups {
        let mut values: Vec<Value> = key.iter().map(|k| Value::Text(k.clone())).collect();
        let label = if key.is_empty() {
            "all".to_string()
        } else {
            key.join(" / ")
        };
        let mut n = idx.len() as u64;
        for (m, names) in &plan {
            match m.as_str() {
                "stories" => values.push(Value::Count(idx.len() as u64)),
                "response_rate" => {
                    let c = |v: &str| {
                        idx.iter()
                            .filter(|&&i| frame.get("responded", i) == Some(v))
                            .count() as u64
                    };
                    let (yes, no, unknown) = (c("yes"), c("no"), c("unknown"));
                    values.extend([
                        Value::Count(yes),
                        Value::Count(no),
                        Value::Count(unknown),
                        rate(yes, yes + no),
                    ]);
                }
                "latency" => {
                    let mut l = exact_latencies(&frame, idx);
                    l.sort_by(f64::total_cmp);
                    let num = |v: Option<f64>| v.map_or(Value::Null, Value::Num);
                    values.extend([
                        Value::Count(l.len() as u64),
                        num(quantile(&l, 0.5)),
                        num(quantile(&l, 0.9)),
                        num(metrics::mean(&l)),
                    ]);
                }
                "kaplan_meier" => {
                    let events = exact_latencies(&frame, idx);
                    let censored: Vec<f64> = idx
                        .iter()
                        .filter(|&&i| frame.get("responded", i) == Some("no"))
                        .filter_map(|&i| frame.f("censor_seconds")[i])
                        .collect();
                    let km = kaplan_meier(&events, &censored);
                    values.push(Value::Count(km.n));
                    values.push(if km.n == 0 {
                        Value::Null
                    } else {
                        km.median().map_or(Value::Null, Value::Num)
                    });
                    for (_, secs) in &q.within {
                        values.push(if km.n == 0 {
                            Value::Null
                        } else {
                            Value::Num(km.answered_within(*secs))
                        });
                    }
                    curves.push(Curve {
                        label: label.clone(),
                        steps: km.steps.clone(),
                        n: km.n,
                    });
                }
                "latency_bound" => {
                    let stated: Vec<(Option<&str>, Option<f64>)> = idx
                        .iter()
                        .filter(|&&i| {
                            frame.get("basis", i) == Some("text")
                                && frame.get("latency_kind", i).is_some()
                        })
                        .map(|&i| (frame.get("latency_kind", i), frame.f("latency_seconds")[i]))
                        .collect();
                    values.push(Value::Count(stated.len() as u64));
                    for (_, t) in &q.within {
                        let (mut yes, mut no) = (0, 0);
                        for (kind, secs) in &stated {
                            match bound_decides(*kind, *secs, *t) {
                                Some(true) => yes += 1,
                                Some(false) => no += 1,
                                None => {}
                            }
                        }
                        values.push(rate(yes, yes + no));
                    }
                }
                "channel_switch_rate" => {
                    let k = idx
                        .iter()
                        .filter(|&&i| frame.get("switched", i) == Some("true"))
                        .count() as u64;
                    values.extend([Value::Count(k), rate(k, idx.len() as u64)]);
                }
                "switch_paths" => {
                    let mut paths: BTreeMap<String, u64> = BTreeMap::new();
                    for &i in idx
                        .iter()
                        .filter(|&&i| frame.get("switched", i) == Some("true"))
                    {
                        *paths.entry(switch_path(&frame, i)).or_default() += 1;
                    }
                    let mut top: Vec<(String, u64)> = paths.into_iter().collect();
                    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    let text: Vec<String> = top
                        .iter()
                        .take(3)
                        .map(|(p, c)| format!("{p} ({c})"))
                        .collect();
                    values.push(if text.is_empty() {
                        Value::Null
                    } else {
                        Value::Text(text.join("; "))
                    });
                }
                "resolution_rate" => {
                    let c = |v: &str| {
                        idx.iter()
                            .filter(|&&i| frame.get("resolution", i) == Some(v))
                            .count() as u64
                    };
                    let (yes, no) = (c("resolved"), c("unresolved"));
                    let unknown = idx.len() as u64 - yes - no;
                    values.extend([
                        Value::Count(yes),
                        Value::Count(no),
                        Value::Count(unknown),
                        rate(yes, yes + no),
                    ]);
                }
                "roles" => {
                    let (all, party) = match &roles {
                        // Counted by polars (distinct documents per group), see `load`.
                        Some(map) => map.get(key).map_or((0, 0), |v| (v.0, v.1)),
                        None => {
                            let docs = |party: bool| -> BTreeSet<&str> {
                                idx.iter()
                                    .filter(|&&i| {
                                        !party
                                            || frame.get("role", i).is_some_and(|r| r != "mention")
                                    })
                                    .filter_map(|&i| frame.get("doc_id", i))
                                    .collect()
                            };
                            (docs(false).len() as u64, docs(true).len() as u64)
                        }
                    };
                    n = all;
                    values.extend([
                        Value::Count(all),
                        Value::Count(party),
                        Value::Count(all - party),
                        if party == 0 {
                            Value::Null
                        } else {
                            Value::Num(all as f64 / party as f64)
                        },
                    ]);
                }
                share => {
                    let field = share.trim_start_matches("share:");
                    for col in names {
                        let value = col.split_once(':').map(|x| x.1).unwrap_or("");
                        let k = idx
                            .iter()
                            .filter(|&&i| has_value(&frame, field, i, value))
                            .count() as u64;
                        values.push(Value::Share(k, idx.len() as u64));
                    }
                }
            }
            if let Some(c) = &cal {
                values.extend(ppi::values(c, m, names, &frame, idx));
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
    let cells = cells::collect(&frame, q, &groups, &rows, &columns, &plan, roles.as_ref());
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
        rows_read: match roles.as_ref().filter(|_| polars_only(q)) {
            Some(map) => map.values().map(|v| v.2).sum(),
            None => keep.len() as u64,
        },
        calibration: cal.as_ref().map(ppi::Calibration::describe),
        cells,
    })
}

/// The columns a metric adds, in order, with how they read, and the note that defines it.
/// A `share:FIELD` metric adds one column per value of the field, which only the data
/// says: `values` lists them (none when only the fixed columns are wanted, as when a query
/// file is checked).
pub(crate) fn metric_columns(
    metric: &str,
    within: &[(String, f64)],
    values: &[String],
) -> (Vec<(String, Kind)>, &'static str) {
    match metric {
        "stories" => (vec![("stories".into(), Kind::Count)], NOTE_STORIES),
        "response_rate" => (
            vec![
                ("answered".into(), Kind::Count),
                ("unanswered".into(), Kind::Count),
                ("unknown".into(), Kind::Count),
                ("response_rate".into(), Kind::Rate),
            ],
            NOTE_RESPONSE,
        ),
        "latency" => (
            vec![
                ("latency_n".into(), Kind::Count),
                ("latency_median".into(), Kind::Seconds),
                ("latency_p90".into(), Kind::Seconds),
                ("latency_mean".into(), Kind::Seconds),
            ],
            NOTE_LATENCY,
        ),
        "kaplan_meier" => {
            let mut c = vec![
                ("km_n".into(), Kind::Count),
                ("km_median".into(), Kind::Seconds),
            ];
            c.extend(
                within
                    .iter()
                    .map(|(w, _)| (format!("km_within_{w}"), Kind::Proportion)),
            );
            (c, NOTE_KM)
        }
        "latency_bound" => {
            let mut c = vec![("bound_n".into(), Kind::Count)];
            c.extend(
                within
                    .iter()
                    .map(|(w, _)| (format!("bound_within_{w}"), Kind::Rate)),
            );
            (c, NOTE_BOUND)
        }
        "channel_switch_rate" => (
            vec![
                ("switched".into(), Kind::Count),
                ("switch_rate".into(), Kind::Rate),
            ],
            NOTE_SWITCH,
        ),
        "switch_paths" => (vec![("top_switch_paths".into(), Kind::Text)], NOTE_PATHS),
        "resolution_rate" => (
            vec![
                ("resolved".into(), Kind::Count),
                ("unresolved".into(), Kind::Count),
                ("resolution_unknown".into(), Kind::Count),
                ("resolution_rate".into(), Kind::Rate),
            ],
            NOTE_RESOLUTION,
        ),
        "roles" => (
            vec![
                ("named_in_docs".into(), Kind::Count),
                ("party_docs".into(), Kind::Count),
                ("mention_only_docs".into(), Kind::Count),
                ("naive_inflation".into(), Kind::Ratio),
            ],
            NOTE_ROLES,
        ),
        share => {
            let field = share.trim_start_matches("share:");
            let cols = values
                .iter()
                .map(|v| (format!("{field}:{v}"), Kind::Share))
                .collect();
            (cols, NOTE_SHARE)
        }
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

fn rate(k: u64, n: u64) -> Value {
    wilson(k, n).map_or(Value::Null, Value::Rate)
}

fn exact_latencies(frame: &Frame, idx: &[usize]) -> Vec<f64> {
    idx.iter()
        .filter(|&&i| is_exact_latency(frame, i))
        .filter_map(|&i| frame.f("latency_seconds")[i])
        .collect()
}

/// Whether a row has an exact time to first response (an answered thread interaction with
/// its delay): what `latency` and `kaplan_meier` count as events.
fn is_exact_latency(frame: &Frame, i: usize) -> bool {
    frame.get("responded", i) == Some("yes")
        && frame.get("latency_kind", i) == Some("exact")
        && frame
            .f("latency_seconds")
            .get(i)
            .is_some_and(Option::is_some)
}

/// Whether a stated latency decides "answered within `t` seconds": yes, no, or None when
/// the statement does not decide it (`latency_bound`).
fn bound_decides(kind: Option<&str>, secs: Option<f64>, t: f64) -> Option<bool> {
    match (kind, secs) {
        (Some("at_most"), Some(s)) if s <= t => Some(true),
        (Some("at_least"), Some(s)) if s >= t => Some(false),
        (Some("approximate" | "exact"), Some(s)) => Some(s <= t),
        _ => None,
    }
}

/// Whether a row's field has the value (for lists such as channels: contains it).
fn has_value(frame: &Frame, field: &str, i: usize, value: &str) -> bool {
    match (frame.get(field, i), joined(field)) {
        (Some(v), Some(sep)) => v.split(sep).any(|x| x == value),
        (Some(v), None) => v == value,
        (None, _) => false,
    }
}

/// The path of a switch: the customer's first channel, then the channels the company moved
/// them to (or, without a redirect, the channels in order).
fn switch_path(frame: &Frame, i: usize) -> String {
    match (frame.get("first_channel", i), frame.get("redirect_to", i)) {
        (first, Some(to)) => format!("{}>{to}", first.unwrap_or("?")),
        _ => frame.get("channels", i).unwrap_or("?").to_string(),
    }
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

fn key_column(k: &GroupKey) -> String {
    match k {
        GroupKey::Field(f) => f.clone(),
        GroupKey::Bucket(b, _) => format!("__{b}"),
    }
}

/// Scans the query's table with polars: projection, equality and time filters pushed down,
/// time buckets computed, then the columns handed over as plain vectors.
/// Distinct documents per group for the `roles` metric: (naming it, where it is party).
/// Also the rows (tags) each group holds.
/// Per group: documents naming it, documents where it is party, its rows, and each
/// document with whether it is party there (the cells behind the counts).
type RolesMap = BTreeMap<Vec<String>, RoleCounts>;

/// One group of [`RolesMap`]: (named, party, rows, documents with their party flag).
type RoleCounts = (u64, u64, u64, Vec<(String, bool)>);

/// Whether polars counts the `roles` metric (distinct documents per group) instead of the
/// row loop: much less memory on millions of tags. Not with a full-text restriction, which
/// is applied to rows afterwards.
/// True when polars computes every metric of the query, so no row needs loading.
fn polars_only(q: &Query) -> bool {
    roles_in_polars(q) && q.spec.metrics.iter().all(|m| m == "roles")
}

fn roles_in_polars(q: &Query) -> bool {
    q.spec.metrics.iter().any(|m| m == "roles")
        && q.spec.search.is_none()
        && !q.filters.iter().any(|(f, v)| filtered_here(f, v))
        && q.keys.iter().all(|k| matches!(k, GroupKey::Field(_)))
}

/// Loads the query's table of every index given (the shards of one corpus are read as one
/// table: their rows one after another).
fn load(indexes: &[PathBuf], q: &Query) -> Result<(Frame, Option<RolesMap>)> {
    let rel = format!("tables/{}.parquet", q.spec.table);
    let mut paths = Vec::new();
    for index in indexes {
        let path = index.join(&rel);
        if !path.exists() {
            return Err(Error::Index {
                path: index.to_path_buf(),
                message: format!("has no {rel}; rebuild it with `replyscope index`"),
            });
        }
        // A table that is not as the build wrote it (truncated, replaced) is named, not
        // reported as whatever polars makes of its bytes.
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
        paths.push(path);
    }
    load_table(&paths, q).map_err(|e| match e {
        Error::Polars(e) => Error::Index {
            path: paths[0].clone(),
            message: format!(
                "cannot be read ({e}); if the index is damaged, rebuild it with `replyscope index`"
            ),
        },
        e => e,
    })
}

/// [`load`] once the table file is found.
fn load_table(paths: &[PathBuf], q: &Query) -> Result<(Frame, Option<RolesMap>)> {
    let path = paths[0].clone();
    let (_, fields, time_col) = spec::TABLES
        .iter()
        .find(|(t, ..)| *t == q.spec.table)
        .expect("validated table");
    let schema_cols: Vec<String> = {
        let f = std::fs::File::open(&path).map_err(Error::io(&path, "cannot open"))?;
        let mut r = ParquetReader::new(f);
        r.schema()?.iter_names().map(|n| n.to_string()).collect()
    };
    let args = ScanArgsParquet {
        glob: false,
        ..ScanArgsParquet::default()
    };
    let scans = paths
        .iter()
        .map(|p| LazyFrame::scan_parquet(PlRefPath::new(p.display().to_string()), args.clone()))
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut lf = match scans.len() {
        1 => scans.into_iter().next().expect("one scan"),
        _ => concat(scans, UnionArgs::default())?,
    };
    let bool_field = |f: &str| matches!(f, "switched" | "inbound");
    for (field, values) in q.filters.iter().filter(|(f, v)| !filtered_here(f, v)) {
        let terms: Vec<Expr> = values
            .iter()
            .map(|v| {
                if bool_field(field) {
                    col(field.as_str()).eq(lit(v == "true"))
                } else {
                    col(field.as_str()).eq(lit(v.clone()))
                }
            })
            .collect();
        if let Some(p) = any_of(terms) {
            lf = lf.filter(p);
        }
    }
    let stamp = |s: &str| -> Result<Expr> {
        let t = crate::ingest::date::parse(s, None).map_err(Error::Usage)?;
        Ok(lit(t.timestamp_millis()).cast(DataType::Datetime(TimeUnit::Milliseconds, None)))
    };
    if let Some(s) = &q.since {
        lf = lf.filter(col(*time_col).gt_eq(stamp(s)?));
    }
    if let Some(u) = &q.until {
        lf = lf.filter(col(*time_col).lt(stamp(u)?));
    }
    let roles = if roles_in_polars(q) {
        let keys: Vec<Expr> = q
            .keys
            .iter()
            .map(|k| col(key_column(k).as_str()).cast(DataType::String))
            .collect();
        let aggs = [
            col("doc_id").n_unique().alias("__named"),
            len().alias("__rows"),
            col("doc_id")
                .filter(col("role").neq(lit("mention")))
                .n_unique()
                .alias("__party"),
        ];
        let df = if keys.is_empty() {
            lf.clone().select(aggs).collect()?
        } else {
            lf.clone().group_by(keys.clone()).agg(aggs).collect()?
        };
        let mut map = RolesMap::new();
        let named = df.column("__named")?.cast(&DataType::UInt64)?;
        let party = df.column("__party")?.cast(&DataType::UInt64)?;
        let key_cols: Vec<Column> = q
            .keys
            .iter()
            .map(|k| df.column(&key_column(k)).cloned())
            .collect::<std::result::Result<_, _>>()?;
        for row in 0..df.height() {
            let key: Vec<String> = key_cols
                .iter()
                .map(|c| match c.get(row) {
                    Ok(AnyValue::String(s)) => s.to_string(),
                    Ok(AnyValue::StringOwned(s)) => s.to_string(),
                    _ => "(none)".to_string(),
                })
                .collect();
            let rows = df
                .column("__rows")?
                .cast(&DataType::UInt64)?
                .u64()?
                .get(row)
                .unwrap_or(0);
            map.insert(
                key,
                (
                    named.u64()?.get(row).unwrap_or(0),
                    party.u64()?.get(row).unwrap_or(0),
                    rows,
                    Vec::new(),
                ),
            );
        }
        // The documents behind the counts, each with whether it is party in the group.
        let mut by = keys.clone();
        by.push(col("doc_id"));
        let docs = lf
            .clone()
            .group_by(by)
            .agg([col("role").neq(lit("mention")).any(true).alias("__party")])
            .collect()?;
        let key_cols: Vec<Column> = q
            .keys
            .iter()
            .map(|k| docs.column(&key_column(k)).cloned())
            .collect::<std::result::Result<_, _>>()?;
        let (doc_col, party_col) = (docs.column("doc_id")?.str()?, docs.column("__party")?);
        let party_col = party_col.bool()?;
        for row in 0..docs.height() {
            let key: Vec<String> = key_cols
                .iter()
                .map(|c| match c.get(row) {
                    Ok(AnyValue::String(s)) => s.to_string(),
                    Ok(AnyValue::StringOwned(s)) => s.to_string(),
                    _ => "(none)".to_string(),
                })
                .collect();
            if let (Some(entry), Some(doc)) = (map.get_mut(&key), doc_col.get(row)) {
                entry
                    .3
                    .push((doc.to_string(), party_col.get(row).unwrap_or(false)));
            }
        }
        // group_by gives no order: sort, so the cells are the same on every run.
        for entry in map.values_mut() {
            entry.3.sort();
        }
        Some(map)
    } else {
        None
    };
    if polars_only(q) {
        let frame = Frame {
            strings: BTreeMap::new(),
            floats: BTreeMap::new(),
            len: 0,
        };
        return Ok((frame, roles));
    }
    // Only the columns this query's metrics, keys, filters and search read.
    let mut wanted: Vec<String> = needed_columns(q)
        .into_iter()
        .filter(|c| fields.contains(&c.as_str()) || schema_cols.contains(c))
        .collect();
    for (f, _) in &q.filters {
        if !wanted.contains(f) {
            wanted.push(f.clone());
        }
    }
    for k in &q.keys {
        if let GroupKey::Field(f) = k {
            if !wanted.contains(f) {
                wanted.push(f.clone());
            }
        }
    }
    for w in &wanted {
        if !schema_cols.contains(w) {
            return Err(Error::Index {
                path: path.clone(),
                message: format!("has no column {w:?}; rebuild the index"),
            });
        }
    }
    let mut exprs: Vec<Expr> = wanted.iter().map(|w| col(w.as_str())).collect();
    for k in &q.keys {
        if let GroupKey::Bucket(b, field) = k {
            let fmt = match b.as_str() {
                "day" => "%Y-%m-%d",
                "week" => "%G-W%V",
                "month" => "%Y-%m",
                _ => "%Y",
            };
            exprs.push(
                col(field.as_str())
                    .dt()
                    .strftime(fmt)
                    .alias(key_column(k).as_str()),
            );
        }
    }
    // A query that reads no column (`metrics = ["stories"]` over the whole table) still
    // counts rows: selecting nothing gives a frame of height 0, so count them instead.
    let (df, len) = if exprs.is_empty() {
        let n = lf.select([len().alias("__rows")]).collect()?;
        let rows = n.column("__rows")?.cast(&DataType::UInt64)?;
        (DataFrame::empty(), rows.u64()?.get(0).unwrap_or(0) as usize)
    } else {
        let df = lf.select(exprs).collect()?;
        let h = df.height();
        (df, h)
    };
    let mut frame = Frame {
        strings: BTreeMap::new(),
        floats: BTreeMap::new(),
        len,
    };
    for c in df.columns() {
        let name = c.name().to_string();
        match c.dtype() {
            DataType::Float64 | DataType::Float32 => {
                let c = c.cast(&DataType::Float64)?;
                frame.floats.insert(name, c.f64()?.iter().collect());
            }
            DataType::Datetime(..) => {
                let c = c.cast(&DataType::Int64)?;
                let v: Vec<Option<String>> = c
                    .i64()?
                    .iter()
                    .map(|x| {
                        x.map(|ms| {
                            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
                                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                                .unwrap_or_default()
                        })
                    })
                    .collect();
                frame
                    .strings
                    .insert(name, Dict::from_iter(v.iter().map(|s| s.as_deref())));
            }
            _ => {
                let c = c.cast(&DataType::String)?;
                frame.strings.insert(name, Dict::from_iter(c.str()?.iter()));
            }
        }
    }
    Ok((frame, roles))
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

/// The columns a query reads, besides its keys and filters.
fn needed_columns(q: &Query) -> Vec<String> {
    let mut cols: Vec<&str> = Vec::new();
    if q.spec.search.is_some() {
        cols.push(if q.spec.table == "documents" {
            "id"
        } else {
            "doc_id"
        });
    }
    for m in &q.spec.metrics {
        let more: &[&str] = match m.as_str() {
            "stories" => &[],
            "response_rate" => &["responded"],
            "latency" => &["responded", "latency_kind", "latency_seconds"],
            "kaplan_meier" => &[
                "responded",
                "latency_kind",
                "latency_seconds",
                "censor_seconds",
            ],
            "latency_bound" => &["basis", "latency_kind", "latency_seconds"],
            "channel_switch_rate" => &["switched"],
            "switch_paths" => &["switched", "first_channel", "redirect_to", "channels"],
            "resolution_rate" => &["resolution"],
            "roles" if roles_in_polars(q) => &[],
            "roles" => &["doc_id", "role"],
            share => {
                cols.push(share.strip_prefix("share:").unwrap_or(share));
                continue;
            }
        };
        cols.extend_from_slice(more);
    }
    if q.spec.calibration.is_some() {
        cols.extend_from_slice(ppi::KEY_COLUMNS);
    }
    // The documents and stories behind each cell.
    cols.extend_from_slice(cells::id_columns(&q.spec.table));
    let mut out: Vec<String> = Vec::new();
    for c in cols {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

const NOTE_STORIES: &str = "stories: rows in the cell (interactions: one customer-company story each; a company only mentioned in passing is never an interaction).";
const NOTE_RESPONSE: &str = "response_rate = answered / (answered + unanswered), Wilson 95% interval. unknown (the answer lies outside the corpus, or the text does not say) is counted apart and left out of the rate.";
const NOTE_LATENCY: &str = "latency: exact time to first response (company's first reply time minus the opening post's time) among answered thread interactions; median and p90 by linear interpolation (type 7), in seconds.";
const NOTE_KM: &str = "kaplan_meier: time to first response with unanswered conversations censored at the corpus's last timestamp; km_median is the first time the share still unanswered falls to 50% or below (empty if it never does); km_within_T = 1 - S(T).";
const NOTE_BOUND: &str = "latency_bound: for stories whose text states a response time, the share answered within T among those where the statement decides it (\"within 5 minutes\" decides <= 1h; \"after three weeks\" decides > 1h; \"before a live person picked up\" decides nothing); Wilson 95% interval.";
const NOTE_SWITCH: &str = "switch_rate = stories in which the company moved the customer to another channel (a redirect such as \"DM us\", or an answer on a different channel than the customer's first) / stories, Wilson 95% interval.";
const NOTE_PATHS: &str = "top_switch_paths: the three most frequent switch paths (customer's first channel > channels the company moved them to), with counts.";
const NOTE_RESOLUTION: &str = "resolution_rate = resolved / (resolved + unresolved), Wilson 95% interval; resolution_unknown counted apart.";
const NOTE_ROLES: &str = "roles: documents naming the company (a naive count), documents where it is party to a story, documents that only mention it; naive_inflation = named / party.";
const NOTE_SHARE: &str = "field:value columns: share of the cell's stories with that value (k of n); for lists (channels, moves, redirect_to), stories containing it.";

/// The set of document ids a table holds, for tests and tools.
pub fn ids_in(frame_ids: &[Option<String>]) -> HashSet<String> {
    frame_ids.iter().flatten().cloned().collect()
}
