//! SQL: a query file in, one SQL statement out (Spark SQL or DuckDB), computing the same
//! table `replyscope query` computes with polars: the same groups, filters, time buckets,
//! Wilson intervals, quantiles (type 7), Kaplan-Meier estimates, switch paths and shares,
//! to the last bit where the arithmetic allows (sums and means may differ in the last
//! digits, as their order of addition does).
//!
//! A feature SQL over the tables cannot express is refused with a message naming it,
//! never translated into something that gives another number: a full-text `search` (it
//! needs the tantivy index), `calibration` (the coded sample is a file of its own), a sort
//! on a text column.
//!
//! The statement's result has one row per table row and these columns:
//!
//! | metric column kind | result columns |
//! |---|---|
//! | key, count, seconds, proportion, ratio, text | the column itself |
//! | rate (Wilson) | `X`, `X_low`, `X_high`, `X_k`, `X_n` |
//! | `share:FIELD` | `share:FIELD`: a list of {value, k} over every value of the filtered table, sorted by value |
//! | always | `cell_rows` (rows in the cell), `n` (stories, or named_in_docs with `roles`), `below_min_n`, `rows_read` (rows after the filters) |
//!
//! [`table_from_rows`] turns such rows back into the [`Table`] that `replyscope query`
//! would make, so every engine's tables are written by the same report writers. The
//! columns are those of the one typed schema, [`crate::schema`]: lists (channels, moves,
//! redirect_to) are list columns, every table has the document number `doc`, and a query's
//! `doc_id` is the documents' `id` joined by it ([`columns::rows_ref`]).

pub mod columns;

use crate::query::metric::Metric;
use crate::query::spec::{GroupKey, Query};
use crate::query::{ColumnDef, Kind, Rate, Row, Table, Value};
use crate::schema::{DOC_ID, I, M};
use std::collections::BTreeSet;

/// The SQL dialects generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// Apache Spark SQL (3.4 and later; ANSI mode on or off).
    Spark,
    /// DuckDB (1.3 and later).
    Duckdb,
}

impl Dialect {
    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::Duckdb => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal.
    pub fn string(self, s: &str) -> String {
        match self {
            // Spark reads backslash escapes inside string literals.
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Dialect::Duckdb => format!("'{}'", s.replace('\'', "''")),
        }
    }

    /// The text type.
    pub fn string_type(self) -> &'static str {
        match self {
            Dialect::Spark => "STRING",
            Dialect::Duckdb => "VARCHAR",
        }
    }

    /// A struct of named fields.
    fn record(self, fields: &[(&str, String)]) -> String {
        match self {
            Dialect::Spark => format!(
                "named_struct({})",
                fields
                    .iter()
                    .map(|(n, v)| format!("'{n}', {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Dialect::Duckdb => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(n, v)| format!("'{n}': {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// A lambda of the given parameters.
    fn lambda(self, params: &[&str], body: &str) -> String {
        match self {
            Dialect::Spark if params.len() == 1 => format!("{} -> {body}", params[0]),
            Dialect::Spark => format!("({}) -> {body}", params.join(", ")),
            Dialect::Duckdb => format!("lambda {}: {body}", params.join(", ")),
        }
    }

    /// The values of a group as a list sorted ascending (structs by their fields in order).
    fn sorted_list(self, expr: &str) -> String {
        match self {
            Dialect::Spark => format!("array_sort(collect_list({expr}))"),
            Dialect::Duckdb => format!("list_sort(list({expr}))"),
        }
    }

    /// Element `i` (from 1) of a list; null past its end.
    fn at(self, list: &str, i: &str) -> String {
        match self {
            Dialect::Spark => format!("try_element_at({list}, CAST({i} AS INT))"),
            Dialect::Duckdb => format!("({list})[CAST({i} AS BIGINT)]"),
        }
    }

    /// A left fold over a list.
    fn fold(self, list: &str, init: &str, acc: &str, x: &str, body: &str) -> String {
        let f = self.lambda(&[acc, x], body);
        match self {
            Dialect::Spark => format!("aggregate({list}, {init}, {f})"),
            Dialect::Duckdb => format!("list_reduce({list}, {f}, {init})"),
        }
    }

    fn transform(self, list: &str, x: &str, body: &str) -> String {
        let f = self.lambda(&[x], body);
        match self {
            Dialect::Spark => format!("transform({list}, {f})"),
            Dialect::Duckdb => format!("list_transform({list}, {f})"),
        }
    }

    fn filter(self, list: &str, x: &str, body: &str) -> String {
        let f = self.lambda(&[x], body);
        match self {
            Dialect::Spark => format!("filter({list}, {f})"),
            Dialect::Duckdb => format!("list_filter({list}, {f})"),
        }
    }

    /// A list's elements joined by `sep` (null elements left out).
    pub fn join(self, list: &str, sep: &str) -> String {
        match self {
            Dialect::Spark => format!("array_join({list}, {})", self.string(sep)),
            Dialect::Duckdb => format!("array_to_string({list}, {})", self.string(sep)),
        }
    }

    fn distinct(self, list: &str) -> String {
        match self {
            Dialect::Spark => format!("array_distinct({list})"),
            Dialect::Duckdb => format!("list_distinct({list})"),
        }
    }

    /// The number of elements of a list (null for a null list; -1 on Spark without ANSI
    /// mode: either way not above 0).
    pub fn list_len(self, list: &str) -> String {
        match self {
            Dialect::Spark => format!("size({list})"),
            Dialect::Duckdb => format!("len({list})"),
        }
    }

    fn contains(self, list: &str, v: &str) -> String {
        match self {
            Dialect::Spark => format!("array_contains({list}, {v})"),
            Dialect::Duckdb => format!("list_contains({list}, {v})"),
        }
    }

    /// One row per element of a list (none for an empty or null list).
    fn explode(self, list: &str) -> String {
        match self {
            Dialect::Spark => format!("explode({list})"),
            Dialect::Duckdb => format!("unnest({list})"),
        }
    }
}

/// Internal column-name marks of a rate's parts.
const RATE_K: &str = "rate_k:";
const RATE_N: &str = "rate_n:";
const RATE_P: &str = "__p";
const RATE_C: &str = "__centre";
const RATE_H: &str = "__half";

/// A double literal (Spark and DuckDB read a bare `1.96` as a decimal).
fn dbl(x: f64) -> String {
    format!("CAST({x:?} AS DOUBLE)")
}

/// What a query's result columns are, and how they become a table's columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// A group key (text).
    Key(String),
    /// One column of a metric.
    Plain(String, Kind),
    /// A rate: X, X_low, X_high, X_k, X_n.
    Rate(String),
    /// A `share:FIELD` list of {value, k}.
    Shares(String),
}

/// Translates one query into one SQL statement. `tables` is where the Parquet tables are
/// (a directory with NAME.parquet); without it the statement reads views named after the
/// tables. Fails, naming the feature, when SQL cannot compute the same table.
pub fn translate(q: &Query, d: Dialect, tables: Option<&str>) -> Result<String, String> {
    refuse_untranslatable(q)?;
    let table = q.table;
    let keys: Vec<String> = (0..q.keys.len()).map(|i| format!("k{i}")).collect();
    let by = |alias: &str| -> String {
        keys.iter()
            .map(|k| format!("{alias}.{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let group = |alias: &str| -> String {
        if keys.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {}", by(alias))
        }
    };
    let on = |other: &str| -> String {
        if keys.is_empty() {
            "TRUE".into()
        } else {
            keys.iter()
                .map(|k| format!("c.{k} = {other}.{k}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        }
    };
    let lead = |alias: &str| -> String {
        if keys.is_empty() {
            String::new()
        } else {
            format!("{}, ", by(alias))
        }
    };
    let c = |name: &str| d.ident(name);
    let s = |v: &str| d.string(v);

    // base: the filtered rows with their group keys.
    let mut select: Vec<String> = q
        .keys
        .iter()
        .zip(&keys)
        .map(|(k, alias)| {
            let e = match k {
                GroupKey::Field(f) => columns::key_expr(d, table, f),
                GroupKey::Bucket(b, f) => columns::bucket_expr(d, b, f),
            };
            format!("{e} AS {alias}")
        })
        .collect();
    select.push("b.*".into());
    let mut conds: Vec<String> = Vec::new();
    for (field, values) in &q.filters {
        let lits: Vec<String> = values
            .iter()
            .map(|v| {
                if columns::is_bool(table, field) {
                    v.clone()
                } else {
                    s(v)
                }
            })
            .collect();
        if columns::is_list(table, field) {
            let list = c(field);
            let any: Vec<String> = lits.iter().map(|l| d.contains(&list, l)).collect();
            conds.push(format!("({})", any.join(" OR ")));
        } else {
            conds.push(format!("b.{} IN ({})", c(field), lits.join(", ")));
        }
    }
    let time_col = q.table.time_column().unwrap_or("");
    let stamp = |v: &str| -> Result<String, String> {
        crate::ingest::date::parse(v, None).map(columns::time_literal)
    };
    if let Some(v) = &q.since {
        conds.push(format!("b.{} >= {}", c(time_col), stamp(v)?));
    }
    if let Some(v) = &q.until {
        conds.push(format!("b.{} < {}", c(time_col), stamp(v)?));
    }
    let mut ctes = vec![format!(
        "base AS (\n  SELECT {}\n  FROM {} AS b{}\n)",
        select.join(", "),
        columns::rows_ref(d, table, uses_doc_id(q), tables),
        if conds.is_empty() {
            String::new()
        } else {
            format!("\n  WHERE {}", conds.join("\n    AND "))
        }
    )];

    // cells: one row per group, with every count.
    let mut cell_aggs: Vec<String> = vec!["count(*) AS n_rows".into()];
    let count_if =
        |cond: &str, alias: &str| format!("count(CASE WHEN {cond} THEN 1 END) AS {alias}");
    let i_col = |f: I| c(f.name());
    let eq = |f: I, v: &str| format!("{} = {}", i_col(f), s(v));
    let mut joins: Vec<String> = Vec::new();
    // Final select items: (expression, alias).
    let mut items: Vec<(String, String)> = Vec::new();
    let rate = |k: &str, n: &str, name: &str, items: &mut Vec<(String, String)>| {
        // Marked for the last stage, which computes the interval from k and n.
        items.push((k.to_string(), format!("{RATE_K}{name}")));
        items.push((n.to_string(), format!("{RATE_N}{name}")));
    };
    let mut n_expr = "c.n_rows".to_string();
    let exact = format!(
        "{} AND {} AND {} IS NOT NULL",
        eq(I::Responded, "yes"),
        eq(I::LatencyKind, "exact"),
        i_col(I::LatencySeconds)
    );
    for m in &q.metrics {
        match *m {
            Metric::Stories => items.push(("c.n_rows".into(), "stories".into())),
            Metric::ResponseRate => {
                cell_aggs.push(count_if(&eq(I::Responded, "yes"), "rr_yes"));
                cell_aggs.push(count_if(&eq(I::Responded, "no"), "rr_no"));
                cell_aggs.push(count_if(&eq(I::Responded, "unknown"), "rr_unknown"));
                items.push(("c.rr_yes".into(), "answered".into()));
                items.push(("c.rr_no".into(), "unanswered".into()));
                items.push(("c.rr_unknown".into(), "unknown".into()));
                rate(
                    "c.rr_yes",
                    "(c.rr_yes + c.rr_no)",
                    "response_rate",
                    &mut items,
                );
            }
            Metric::Latency => {
                ctes.push(format!(
                    "lat0 AS (\n  SELECT {}{} AS a, count(*) AS n, avg({}) AS mean\n  FROM base b WHERE {}{}\n)",
                    lead("b"),
                    d.sorted_list(&i_col(I::LatencySeconds)),
                    i_col(I::LatencySeconds),
                    exact,
                    group("b"),
                ));
                // h = (n - 1) q: the rank between whose neighbours the quantile lies.
                ctes.push(format!(
                    "lat AS (\n  SELECT l.*, CAST(l.n - 1 AS DOUBLE) * {} AS h50, CAST(l.n - 1 AS DOUBLE) * {} AS h90\n  FROM lat0 l\n)",
                    dbl(0.5),
                    dbl(0.9)
                ));
                joins.push(format!("LEFT JOIN lat ON {}", on("lat")));
                items.push(("coalesce(lat.n, 0)".into(), "latency_n".into()));
                let q =
                    |h: &str| format!("CASE WHEN lat.n > 0 THEN {} END", quantile(d, "lat.a", h));
                items.push((q("lat.h50"), "latency_median".into()));
                items.push((q("lat.h90"), "latency_p90".into()));
                items.push(("lat.mean".into(), "latency_mean".into()));
            }
            Metric::KaplanMeier => {
                ctes.push(format!(
                    "km_obs AS (\n  SELECT {lead}CASE WHEN {yes} THEN {lat} ELSE {cen} END AS t, CASE WHEN {yes} THEN 1 ELSE 0 END AS e\n  FROM base b\n  WHERE ({exact}) OR ({no} AND {cen} IS NOT NULL)\n)",
                    lead = lead("b"),
                    yes = eq(I::Responded, "yes"),
                    lat = i_col(I::LatencySeconds),
                    cen = i_col(I::CensorSeconds),
                    no = eq(I::Responded, "no"),
                ));
                ctes.push(format!(
                    "km_t AS (\n  SELECT {}o.t, CAST(sum(o.e) AS DOUBLE) AS d, CAST(count(*) - sum(o.e) AS DOUBLE) AS c\n  FROM km_obs o GROUP BY {}o.t\n)",
                    lead("o"),
                    lead("o"),
                ));
                // S(t) = S(t-) (1 - d/r) at each event time, in time order, as the Rust
                // loop computes it (the same operations in the same order: the same bits).
                let s_next = "acc.s * (1.0 - x.d / acc.r)";
                let mut init = vec![
                    ("r", "CAST(sum(t.d + t.c) AS DOUBLE)".to_string()),
                    ("s", dbl(1.0)),
                    ("med", "CAST(NULL AS DOUBLE)".to_string()),
                ];
                let mut body = vec![
                    ("r", "acc.r - (x.d + x.c)".to_string()),
                    ("s", format!("CASE WHEN x.d > 0 THEN {s_next} ELSE acc.s END")),
                    (
                        "med",
                        format!(
                            "CASE WHEN acc.med IS NULL AND x.d > 0 AND {s_next} <= 0.5 THEN x.t ELSE acc.med END"
                        ),
                    ),
                ];
                let names: Vec<String> = (0..q.within.len()).map(|i| format!("w{i}")).collect();
                for (i, (_, secs)) in q.within.iter().enumerate() {
                    init.push((names[i].as_str(), dbl(1.0)));
                    body.push((
                        names[i].as_str(),
                        format!(
                            "CASE WHEN x.d > 0 AND x.t <= {} THEN {s_next} ELSE acc.{} END",
                            dbl(*secs),
                            names[i]
                        ),
                    ));
                }
                let steps = d.sorted_list(&d.record(&[
                    ("t", "t.t".into()),
                    ("d", "t.d".into()),
                    ("c", "t.c".into()),
                ]));
                let fold = d.fold(&steps, &d.record(&init), "acc", "x", &d.record(&body));
                ctes.push(format!(
                    "km AS (\n  SELECT {}CAST(sum(t.d + t.c) AS BIGINT) AS n, {fold} AS f\n  FROM km_t t{}\n)",
                    lead("t"),
                    group("t"),
                ));
                joins.push(format!("LEFT JOIN km ON {}", on("km")));
                items.push(("coalesce(km.n, 0)".into(), "km_n".into()));
                items.push((
                    "CASE WHEN km.n > 0 THEN km.f.med END".into(),
                    "km_median".into(),
                ));
                for (i, (w, _)) in q.within.iter().enumerate() {
                    items.push((
                        format!("CASE WHEN km.n > 0 THEN 1.0 - km.f.w{i} END"),
                        format!("km_within_{w}"),
                    ));
                }
            }
            Metric::LatencyBound => {
                let stated = format!(
                    "{} AND {} IS NOT NULL",
                    eq(I::Basis, "text"),
                    i_col(I::LatencyKind)
                );
                cell_aggs.push(count_if(&stated, "lb_n"));
                items.push(("c.lb_n".into(), "bound_n".into()));
                let (kind, secs) = (i_col(I::LatencyKind), i_col(I::LatencySeconds));
                for (i, (w, t)) in q.within.iter().enumerate() {
                    let t = dbl(*t);
                    let yes = format!(
                        "{stated} AND {secs} <= {t} AND {kind} IN ('at_most', 'approximate', 'exact')"
                    );
                    let no = format!(
                        "{stated} AND (({kind} = 'at_least' AND {secs} >= {t}) OR ({kind} IN ('approximate', 'exact') AND {secs} > {t}))"
                    );
                    cell_aggs.push(count_if(&yes, &format!("lb_yes{i}")));
                    cell_aggs.push(count_if(&no, &format!("lb_no{i}")));
                    rate(
                        &format!("c.lb_yes{i}"),
                        &format!("(c.lb_yes{i} + c.lb_no{i})"),
                        &format!("bound_within_{w}"),
                        &mut items,
                    );
                }
            }
            Metric::ChannelSwitchRate => {
                cell_aggs.push(count_if(&i_col(I::Switched), "sw_k"));
                items.push(("c.sw_k".into(), "switched".into()));
                rate("c.sw_k", "c.n_rows", "switch_rate", &mut items);
            }
            Metric::SwitchPaths => {
                // The customer's first channel > the channels the company redirected to;
                // without a redirect, the channels used; "?" for what is not known.
                let path = format!(
                    "CASE WHEN {} > 0 THEN concat(coalesce({f}, '?'), '>', {rt}) ELSE coalesce({ch}, '?') END",
                    d.list_len(&i_col(I::RedirectTo)),
                    f = i_col(I::FirstChannel),
                    rt = columns::joined_text(d, I::RedirectTo.name()),
                    ch = columns::joined_text(d, I::Channels.name()),
                );
                ctes.push(format!(
                    "sp AS (\n  SELECT {}{path} AS path, count(*) AS cnt\n  FROM base b WHERE {}\n  GROUP BY {}{path}\n)",
                    lead("b"),
                    i_col(I::Switched),
                    lead("b"),
                ));
                let part = if keys.is_empty() {
                    String::new()
                } else {
                    format!("PARTITION BY {} ", by("sp"))
                };
                ctes.push(format!(
                    "sp_rank AS (\n  SELECT {}sp.path, sp.cnt, row_number() OVER ({part}ORDER BY sp.cnt DESC, sp.path) AS rk\n  FROM sp\n)",
                    lead("sp"),
                ));
                let label = format!(
                    "concat(r.path, ' (', CAST(r.cnt AS {}), ')')",
                    d.string_type()
                );
                let list = d.sorted_list(&d.record(&[("rk", "r.rk".into()), ("p", label)]));
                let texts = d.transform(&list, "x", "x.p");
                ctes.push(format!(
                    "sp_top AS (\n  SELECT {}{} AS top\n  FROM sp_rank r WHERE r.rk <= 3{}\n)",
                    lead("r"),
                    d.join(&texts, "; "),
                    group("r"),
                ));
                joins.push(format!("LEFT JOIN sp_top ON {}", on("sp_top")));
                // An empty list (no switch in a cell without keys) shows as no value.
                items.push((
                    "CASE WHEN sp_top.top <> '' THEN sp_top.top END".into(),
                    "top_switch_paths".into(),
                ));
            }
            Metric::ResolutionRate => {
                cell_aggs.push(count_if(&eq(I::Resolution, "resolved"), "rs_yes"));
                cell_aggs.push(count_if(&eq(I::Resolution, "unresolved"), "rs_no"));
                items.push(("c.rs_yes".into(), "resolved".into()));
                items.push(("c.rs_no".into(), "unresolved".into()));
                items.push((
                    "c.n_rows - c.rs_yes - c.rs_no".into(),
                    "resolution_unknown".into(),
                ));
                rate(
                    "c.rs_yes",
                    "(c.rs_yes + c.rs_no)",
                    "resolution_rate",
                    &mut items,
                );
            }
            Metric::Roles => {
                // Documents by number: distinct counts on integers.
                let doc = c(M::Doc.name());
                cell_aggs.push(format!("count(DISTINCT {doc}) AS ro_named"));
                cell_aggs.push(format!(
                    "count(DISTINCT CASE WHEN {} <> {} THEN {doc} END) AS ro_party",
                    c(M::Role.name()),
                    s(crate::schema::value::MENTION)
                ));
                items.push(("c.ro_named".into(), "named_in_docs".into()));
                items.push(("c.ro_party".into(), "party_docs".into()));
                items.push(("c.ro_named - c.ro_party".into(), "mention_only_docs".into()));
                items.push((
                    "CAST(c.ro_named AS DOUBLE) / CAST(nullif(c.ro_party, 0) AS DOUBLE)".into(),
                    "naive_inflation".into(),
                ));
                n_expr = "c.ro_named".into();
            }
            Metric::Share(f) => {
                let field = f.name();
                let i = ctes.len();
                // A list counts a row once per distinct value it contains.
                let value = if f.is_list() {
                    d.explode(&d.distinct(&c(field)))
                } else {
                    c(field)
                };
                ctes.push(format!(
                    "sh{i}_rows AS (\n  SELECT {}{value} AS v\n  FROM base b\n)",
                    lead("b")
                ));
                ctes.push(format!(
                    "sh{i}_values AS (\n  SELECT DISTINCT v FROM sh{i}_rows WHERE v IS NOT NULL\n)"
                ));
                ctes.push(format!(
                    "sh{i}_k AS (\n  SELECT {}r.v, count(*) AS k\n  FROM sh{i}_rows r WHERE r.v IS NOT NULL\n  GROUP BY {}r.v\n)",
                    lead("r"),
                    lead("r")
                ));
                let cells_keys = if keys.is_empty() {
                    "n_rows".to_string()
                } else {
                    format!("{}, n_rows", keys.join(", "))
                };
                let k_on = if keys.is_empty() {
                    "k.v = v.v".to_string()
                } else {
                    format!(
                        "{} AND k.v = v.v",
                        keys.iter()
                            .map(|x| format!("k.{x} = g.{x}"))
                            .collect::<Vec<_>>()
                            .join(" AND ")
                    )
                };
                let list = d.sorted_list(
                    &d.record(&[("value", "v.v".into()), ("k", "coalesce(k.k, 0)".into())]),
                );
                ctes.push(format!(
                    "sh{i} AS (\n  SELECT {}{list} AS shares\n  FROM (SELECT {cells_keys} FROM cells) g CROSS JOIN sh{i}_values v\n  LEFT JOIN sh{i}_k k ON {k_on}{}\n)",
                    lead("g"),
                    group("g"),
                ));
                joins.push(format!("LEFT JOIN sh{i} ON {}", on(&format!("sh{i}"))));
                items.push((format!("sh{i}.shares"), m.name()));
            }
        }
    }
    items.push(("c.n_rows".into(), "cell_rows".into()));
    items.push((n_expr.clone(), "n".into()));
    items.push((format!("{n_expr} < {}", q.spec.min_n), "below_min_n".into()));
    items.push(("rr.rows_read".into(), "rows_read".into()));
    // cells goes right after base: the share CTEs read it.
    ctes.insert(
        1,
        format!(
            "cells AS (\n  SELECT {}{}\n  FROM base{}\n)",
            if keys.is_empty() {
                String::new()
            } else {
                format!("{}, ", keys.join(", "))
            },
            cell_aggs.join(", "),
            if keys.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {}", keys.join(", "))
            }
        ),
    );
    ctes.push("rr AS (SELECT count(*) AS rows_read FROM base)".into());
    joins.push("CROSS JOIN rr".into());

    // t: every column but the intervals; w: each rate's p, centre and half-width; then the
    // result in its column order.
    let mut t_items: Vec<String> = keys.iter().map(|k| format!("c.{k}")).collect();
    let mut w_items: Vec<String> = vec!["t.*".into()];
    let mut out_items: Vec<String> = q
        .keys
        .iter()
        .zip(&keys)
        .map(|(k, alias)| format!("w.{alias} AS {}", d.ident(&k.header())))
        .collect();
    let mut sort_exprs: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let (e, a) = &items[i];
        if let Some(name) = a.strip_prefix(RATE_K) {
            let n_expr = &items[i + 1].0;
            let (k_col, n_col) = (format!("{name}_k"), format!("{name}_n"));
            t_items.push(format!("{e} AS {}", d.ident(&k_col)));
            t_items.push(format!("{n_expr} AS {}", d.ident(&n_col)));
            let (p, centre, half) = wilson(&d.ident(&k_col), &d.ident(&n_col));
            let (pc, cc, hc) = (
                format!("{name}{RATE_P}"),
                format!("{name}{RATE_C}"),
                format!("{name}{RATE_H}"),
            );
            w_items.push(format!("{p} AS {}", d.ident(&pc)));
            w_items.push(format!("{centre} AS {}", d.ident(&cc)));
            w_items.push(format!("{half} AS {}", d.ident(&hc)));
            let (c_, h_) = (format!("w.{}", d.ident(&cc)), format!("w.{}", d.ident(&hc)));
            out_items.push(format!("w.{} AS {}", d.ident(&pc), d.ident(name)));
            out_items.push(format!(
                "CASE WHEN {c_} - {h_} < 0.0 THEN 0.0 ELSE {c_} - {h_} END AS {}",
                d.ident(&format!("{name}_low"))
            ));
            out_items.push(format!(
                "CASE WHEN {c_} + {h_} > 1.0 THEN 1.0 ELSE {c_} + {h_} END AS {}",
                d.ident(&format!("{name}_high"))
            ));
            out_items.push(format!("w.{}", d.ident(&k_col)));
            out_items.push(format!("w.{}", d.ident(&n_col)));
            sort_exprs.push((name.to_string(), format!("w.{}", d.ident(&pc))));
            i += 2;
            continue;
        }
        t_items.push(format!("{e} AS {}", d.ident(a)));
        out_items.push(format!("w.{}", d.ident(a)));
        sort_exprs.push((a.clone(), format!("w.{}", d.ident(a))));
        i += 1;
    }
    ctes.push(format!(
        "t AS (\n  SELECT {}\n  FROM cells c\n  {}\n)",
        t_items.join(",\n         "),
        joins.join("\n  ")
    ));
    ctes.push(format!(
        "w AS (\n  SELECT {}\n  FROM t\n)",
        w_items.join(",\n         ")
    ));
    let order = order_by(q, d, &sort_exprs)?;
    let mut sql = format!(
        "WITH {}\nSELECT {}\nFROM w",
        ctes.join(",\n"),
        out_items.join(",\n       "),
    );
    if !order.is_empty() {
        sql.push_str(&format!("\nORDER BY {}", order.join(", ")));
    }
    if let Some(limit) = q.spec.limit {
        sql.push_str(&format!("\nLIMIT {limit}"));
    }
    Ok(sql)
}

/// Whether `doc_id` (the documents' string id, joined by `doc`) is a group key or filter
/// field of the query.
fn uses_doc_id(q: &Query) -> bool {
    q.keys
        .iter()
        .any(|k| matches!(k, GroupKey::Field(f) if f == DOC_ID))
        || q.filters.iter().any(|(f, _)| f == DOC_ID)
}

/// Fails, naming the feature, for what SQL over the tables does not compute.
fn refuse_untranslatable(q: &Query) -> Result<(), String> {
    let path = &q.path;
    if q.spec.search.is_some() {
        return Err(format!(
            "{path}: search (a full-text restriction) needs the tantivy index and has no SQL \
             translation; run this query with `replyscope query`"
        ));
    }
    if q.spec.calibration.is_some() {
        return Err(format!(
            "{path}: calibration (rates corrected by a coded sample) has no SQL translation; \
             run this query with `replyscope query`"
        ));
    }
    for (field, _) in &q.filters {
        if columns::is_time(q.table, field) {
            return Err(format!(
                "{path}: filter {field} by value has no SQL translation; use since and until"
            ));
        }
    }
    Ok(())
}

/// Wilson interval of k successes in n trials as SQL: (p, centre, half-width); null when n
/// is 0. The operations and their order are those of [`crate::query::metrics::wilson`];
/// low = max(centre - half, 0), high = min(centre + half, 1).
fn wilson(k: &str, n: &str) -> (String, String, String) {
    let z = dbl(crate::query::metrics::Z95);
    let nf = format!("CAST(nullif({n}, 0) AS DOUBLE)");
    let p = format!("(CAST({k} AS DOUBLE) / {nf})");
    let z2 = format!("({z} * {z})");
    let denom = format!("(1.0 + {z2} / {nf})");
    let centre = format!("({p} + {z2} / (2.0 * {nf})) / {denom}");
    let half =
        format!("{z} * sqrt({p} * (1.0 - {p}) / {nf} + {z2} / (4.0 * {nf} * {nf})) / {denom}");
    (p, centre, half)
}

/// The quantile at rank h (from 0) of a sorted, non-empty list, interpolated as
/// [`crate::query::metrics::quantile`] does (type 7).
fn quantile(d: Dialect, list: &str, h: &str) -> String {
    let a_lo = d.at(list, &format!("floor({h}) + 1"));
    let a_hi = d.at(list, &format!("ceil({h}) + 1"));
    format!("{a_lo} + ({h} - floor({h})) * ({a_hi} - {a_lo})")
}

/// ORDER BY as `replyscope query` sorts: the sort keys (numbers; an empty cell first when
/// ascending), then the group keys ascending. `columns` maps a column name to its sort
/// expression over `w`.
fn order_by(q: &Query, d: Dialect, columns: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut order = Vec::new();
    let key_headers: Vec<String> = q.keys.iter().map(|k| k.header()).collect();
    for (field, desc) in &q.sort {
        let dir = if *desc {
            "DESC NULLS LAST"
        } else {
            "ASC NULLS FIRST"
        };
        if let Some(i) = key_headers.iter().position(|h| h == field) {
            order.push(format!("w.k{i} {dir}"));
            continue;
        }
        if let Some((f, value)) = field.split_once(':') {
            if let Some((_, e)) = columns.iter().find(|(a, _)| a == &format!("share:{f}")) {
                let hit = d.filter(e, "x", &format!("x.value = {}", d.string(value)));
                let k = format!("{}.k", d.at(&hit, "1"));
                order.push(format!(
                    "CAST({k} AS DOUBLE) / CAST(nullif(w.cell_rows, 0) AS DOUBLE) {dir}"
                ));
                continue;
            }
        }
        match columns.iter().find(|(a, _)| a == field) {
            Some((a, _)) if a == "top_switch_paths" => {
                return Err(format!(
                    "{}: sort by top_switch_paths (a text column) has no SQL translation that \
                     orders its empty cells as `replyscope query` does; sort by a number or a key",
                    q.path
                ))
            }
            Some((_, e)) => order.push(format!("{e} {dir}")),
            None => {}
        }
    }
    for i in 0..q.keys.len() {
        order.push(format!("w.k{i} ASC"));
    }
    Ok(order)
}

/// The result columns of a query's statement, in order, as [`Out`]s.
pub fn layout(q: &Query) -> Vec<Out> {
    let mut out: Vec<Out> = q.keys.iter().map(|k| Out::Key(k.header())).collect();
    for m in &q.metrics {
        if let Metric::Share(_) = m {
            out.push(Out::Shares(m.name()));
            continue;
        }
        for (name, kind) in m.columns(&q.within, &[]).0 {
            out.push(match kind {
                Kind::Rate => Out::Rate(name),
                k => Out::Plain(name, k),
            });
        }
    }
    out
}

/// Turns the rows an engine computed with [`translate`]'s statement (each a JSON object of
/// column -> value) into the table `replyscope query` makes of the same query.
pub fn table_from_rows(q: &Query, rows: &[serde_json::Value]) -> Result<Table, String> {
    let layout = layout(q);
    let bad = |i: usize, c: &str, what: &str| {
        format!("{}: result row {}: column {c:?}: {what}", q.path, i + 1)
    };
    // Share values: every row lists all of them (the filtered table's), in order.
    let mut share_values: Vec<(String, Vec<String>)> = Vec::new();
    for o in &layout {
        if let Out::Shares(m) = o {
            let mut vals = BTreeSet::new();
            for (i, r) in rows.iter().enumerate() {
                match &r[m.as_str()] {
                    serde_json::Value::Null => {}
                    serde_json::Value::Array(items) => {
                        for it in items {
                            let v = it["value"]
                                .as_str()
                                .ok_or_else(|| bad(i, m, "expected a list of {value, k}"))?;
                            vals.insert(v.to_string());
                        }
                    }
                    _ => return Err(bad(i, m, "expected a list of {value, k}")),
                }
            }
            share_values.push((m.clone(), vals.into_iter().collect()));
        }
    }
    let mut columns: Vec<ColumnDef> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for k in &q.keys {
        columns.push(ColumnDef {
            name: k.header(),
            kind: Kind::Key,
        });
    }
    for m in &q.metrics {
        let values = share_values
            .iter()
            .find(|(name, _)| *name == m.name())
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let (cols, note) = m.columns(&q.within, &values);
        columns.extend(
            cols.into_iter()
                .map(|(name, kind)| ColumnDef { name, kind }),
        );
        if !notes.contains(&note.to_string()) {
            notes.push(note.to_string());
        }
    }
    let mut out_rows = Vec::new();
    let mut rows_read = 0;
    for (i, r) in rows.iter().enumerate() {
        let obj = r
            .as_object()
            .ok_or_else(|| format!("{}: result row {}: expected a JSON object", q.path, i + 1))?;
        let get = |c: &str| -> Result<&serde_json::Value, String> {
            obj.get(c).ok_or_else(|| bad(i, c, "missing"))
        };
        let count = |c: &str| -> Result<Option<u64>, String> {
            match get(c)? {
                serde_json::Value::Null => Ok(None),
                v => v
                    .as_u64()
                    .or_else(|| {
                        v.as_f64()
                            .filter(|x| x.fract() == 0.0 && *x >= 0.0)
                            .map(|x| x as u64)
                    })
                    .map(Some)
                    .ok_or_else(|| bad(i, c, "expected a count")),
            }
        };
        let num = |c: &str| -> Result<Option<f64>, String> {
            match get(c)? {
                serde_json::Value::Null => Ok(None),
                v => v
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| bad(i, c, "expected a number")),
            }
        };
        let mut values = Vec::new();
        for o in &layout {
            match o {
                Out::Key(name) => values.push(Value::Text(
                    get(name)?
                        .as_str()
                        .ok_or_else(|| bad(i, name, "expected text"))?
                        .to_string(),
                )),
                Out::Plain(name, Kind::Count) => {
                    values.push(count(name)?.map_or(Value::Null, Value::Count))
                }
                Out::Plain(name, Kind::Text) => values.push(match get(name)? {
                    serde_json::Value::Null => Value::Null,
                    v => Value::Text(
                        v.as_str()
                            .ok_or_else(|| bad(i, name, "expected text"))?
                            .to_string(),
                    ),
                }),
                Out::Plain(name, _) => values.push(num(name)?.map_or(Value::Null, Value::Num)),
                Out::Rate(name) => {
                    let p = num(name)?;
                    let k = count(&format!("{name}_k"))?.unwrap_or(0);
                    let n = count(&format!("{name}_n"))?.unwrap_or(0);
                    values.push(match p {
                        None => Value::Null,
                        Some(p) => Value::Rate(Rate {
                            p,
                            low: num(&format!("{name}_low"))?.unwrap_or(f64::NAN),
                            high: num(&format!("{name}_high"))?.unwrap_or(f64::NAN),
                            k,
                            n,
                        }),
                    })
                }
                Out::Shares(m) => {
                    let total = count("cell_rows")?.unwrap_or(0);
                    let mut ks: std::collections::BTreeMap<&str, u64> = Default::default();
                    if let serde_json::Value::Array(items) = get(m)? {
                        for it in items {
                            let k = it["k"]
                                .as_u64()
                                .ok_or_else(|| bad(i, m, "expected a list of {value, k}"))?;
                            ks.insert(it["value"].as_str().unwrap_or_default(), k);
                        }
                    }
                    let all = share_values
                        .iter()
                        .find(|(name, _)| name == m)
                        .map(|(_, v)| v.as_slice())
                        .unwrap_or_default();
                    for v in all {
                        values.push(Value::Share(
                            ks.get(v.as_str()).copied().unwrap_or(0),
                            total,
                        ));
                    }
                }
            }
        }
        let n = count("n")?.unwrap_or(0);
        rows_read = count("rows_read")?.unwrap_or(0);
        out_rows.push(Row {
            values,
            n,
            below_min_n: get("below_min_n")?
                .as_bool()
                .ok_or_else(|| bad(i, "below_min_n", "expected true or false"))?,
        });
    }
    Ok(Table {
        name: q.name.clone(),
        title: q.spec.title.clone(),
        description: q.spec.description.clone(),
        query_path: q.path.clone(),
        query_text: q.text.clone(),
        columns,
        rows: out_rows,
        min_n: q.spec.min_n,
        notes,
        figure: None,
        curves: Vec::new(),
        // An engine's result rows say nothing of the documents behind them.
        cells: Default::default(),
        rows_read,
        calibration: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Query {
        crate::query::spec::parse("q.toml", text).unwrap()
    }

    const ALL: &str = "title = \"T\"\ntable = \"interactions\"\ngroup_by = [\"company\", \"week(opened_at)\"]\nmetrics = [\"stories\", \"response_rate\", \"latency\", \"kaplan_meier\", \"latency_bound\", \"channel_switch_rate\", \"switch_paths\", \"resolution_rate\", \"share:channels\", \"share:responded\"]\nanswered_within = [\"1h\"]\nsort = [\"-channels:twitter\", \"-response_rate\"]\nlimit = 3\n[filter]\nmoves = \"redirect\"\nswitched = true\nsince = \"2017-10-01\"\n";

    #[test]
    fn refuses_what_sql_cannot_compute_naming_it() {
        let e = translate(
            &query(&format!("search = \"refund\"\n{ALL}")),
            Dialect::Spark,
            None,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "q.toml: search (a full-text restriction) needs the tantivy index and has no SQL \
             translation; run this query with `replyscope query`"
        );
        let e = translate(
            &query(&format!("calibration = \"coded.jsonl\"\n{ALL}")),
            Dialect::Duckdb,
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with(
                "q.toml: calibration (rates corrected by a coded sample) has no SQL translation"
            ),
            "{e}"
        );
        let e = translate(
            &query(&ALL.replace("\"-channels:twitter\"", "\"top_switch_paths\"")),
            Dialect::Duckdb,
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("q.toml: sort by top_switch_paths (a text column)"),
            "{e}"
        );
    }

    #[test]
    fn both_dialects_translate_every_metric() {
        let q = query(ALL);
        let spark = translate(&q, Dialect::Spark, Some("hdfs:///t")).unwrap();
        assert!(
            spark.contains("FROM parquet.`hdfs:///t/interactions.parquet` AS b"),
            "{spark}"
        );
        assert!(spark.contains("aggregate(array_sort(collect_list(named_struct('t', t.t"));
        // Lists are list columns: a filter value is an element, a share explodes them.
        assert!(
            spark.contains("array_contains(`moves`, 'redirect')"),
            "{spark}"
        );
        assert!(
            spark.contains("explode(array_distinct(`channels`))"),
            "{spark}"
        );
        assert!(
            spark.contains("CASE WHEN size(`redirect_to`) > 0 THEN concat(coalesce(`first_channel`, '?'), '>', CASE WHEN size(`redirect_to`) > 0 THEN array_join(`redirect_to`, '>') END)"),
            "{spark}"
        );
        assert!(spark.contains("`switched` IN (true)"));
        assert!(spark.contains("TIMESTAMP '2017-10-01 00:00:00.000'"));
        assert!(spark.ends_with("LIMIT 3"));
        let duck = translate(&q, Dialect::Duckdb, None).unwrap();
        assert!(duck.contains("FROM \"interactions\" AS b"));
        assert!(duck.contains("list_reduce(list_sort(list({'t': t.t"));
        assert!(duck.contains("strftime(\"opened_at\", '%G-W%V')"));
        assert!(
            duck.contains("list_contains(\"moves\", 'redirect')"),
            "{duck}"
        );
        assert!(
            duck.contains("unnest(list_distinct(\"channels\"))"),
            "{duck}"
        );
        // No doc_id: no join with the documents table.
        assert!(!duck.contains("documents"), "{duck}");
        // The result columns of a rate, in the order [`table_from_rows`] reads them.
        let layout = layout(&q);
        assert!(layout.contains(&Out::Rate("response_rate".into())));
        assert!(layout.contains(&Out::Shares("share:channels".into())));
    }

    #[test]
    fn doc_id_is_joined_from_documents_and_lists_read_as_text() {
        let q = query("title = \"T\"\ntable = \"mentions\"\ngroup_by = [\"doc_id\"]\nmetrics = [\"roles\"]\n[filter]\ndoc_id = [\"twcs:1\", \"twcs:2\"]\n");
        let duck = translate(&q, Dialect::Duckdb, Some("ix/tables")).unwrap();
        assert!(
            duck.contains("FROM (SELECT x.*, i.\"id\" AS \"doc_id\" FROM read_parquet('ix/tables/mentions.parquet') AS x LEFT JOIN (SELECT \"doc\", \"id\" FROM read_parquet('ix/tables/documents.parquet')) AS i ON x.\"doc\" = i.\"doc\") AS b"),
            "{duck}"
        );
        assert!(
            duck.contains("b.\"doc_id\" IN ('twcs:1', 'twcs:2')"),
            "{duck}"
        );
        // Distinct documents by number.
        assert!(
            duck.contains("count(DISTINCT \"doc\") AS ro_named"),
            "{duck}"
        );
        let spark = translate(&q, Dialect::Spark, None).unwrap();
        assert!(
            spark.contains(
                "LEFT JOIN (SELECT `doc`, `id` FROM `documents`) AS i ON x.`doc` = i.`doc`"
            ),
            "{spark}"
        );
        // A list as a group key: its elements joined, "(none)" for an empty list.
        let q = query("title = \"T\"\ntable = \"interactions\"\ngroup_by = [\"moves\", \"channels\", \"switched\"]\nmetrics = [\"stories\"]\n");
        let duck = translate(&q, Dialect::Duckdb, None).unwrap();
        assert!(
            duck.contains("coalesce(CASE WHEN len(\"moves\") > 0 THEN array_to_string(\"moves\", ',') END, '(none)') AS k0"),
            "{duck}"
        );
        assert!(
            duck.contains("coalesce(CASE WHEN len(\"channels\") > 0 THEN array_to_string(\"channels\", '>') END, '(none)') AS k1"),
            "{duck}"
        );
        assert!(
            duck.contains("coalesce(CAST(\"switched\" AS VARCHAR), '(none)') AS k2"),
            "{duck}"
        );
    }

    #[test]
    fn strings_are_quoted_for_each_dialect() {
        assert_eq!(Dialect::Spark.string("it's a\\b"), "'it\\'s a\\\\b'");
        assert_eq!(Dialect::Duckdb.string("it's a\\b"), "'it''s a\\b'");
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Duckdb.ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn rows_become_the_table_query_would_write() {
        let q = query("title = \"T\"\ntable = \"interactions\"\ngroup_by = [\"company\"]\nmetrics = [\"stories\", \"response_rate\", \"share:responded\"]\n");
        let rows = vec![serde_json::json!({
            "company": "acme", "stories": 3, "answered": 2, "unanswered": 0, "unknown": 1,
            "response_rate": 1.0, "response_rate_low": 0.34, "response_rate_high": 1.0,
            "response_rate_k": 2, "response_rate_n": 2,
            "share:responded": [{"value": "unknown", "k": 1}, {"value": "yes", "k": 2}],
            "cell_rows": 3, "n": 3, "below_min_n": true, "rows_read": 3
        })];
        let t = table_from_rows(&q, &rows).unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "company",
                "stories",
                "answered",
                "unanswered",
                "unknown",
                "response_rate",
                "responded:unknown",
                "responded:yes"
            ]
        );
        assert_eq!(t.rows[0].values[7], Value::Share(2, 3));
        assert!(t.rows[0].below_min_n);
        let mut bad = rows;
        bad[0]["stories"] = serde_json::json!("three");
        let e = table_from_rows(&q, &bad).unwrap_err();
        assert_eq!(
            e,
            "q.toml: result row 1: column \"stories\": expected a count"
        );
    }
}
