//! The metrics a query file can ask for. Each [`Metric`] knows the tables it applies to,
//! the stored columns it reads, the polars aggregations that compute it per group, the
//! columns it adds to the table and how to read its values from the aggregated group. The
//! statistics themselves (Wilson, quantiles, Kaplan-Meier) are [`super::metrics`].

use super::metrics::{kaplan_meier, mean, quantile, wilson};
use super::{Curve, Kind, Value};
use crate::error::Result;
use crate::schema::{value, Table, I, M};
use polars::prelude::*;
use std::collections::BTreeMap;

/// A field a `share:FIELD` metric counts the values of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareField {
    /// responded
    Responded,
    /// resolution
    Resolution,
    /// sentiment
    Sentiment,
    /// moves (a list)
    Moves,
    /// channels (a list)
    Channels,
    /// redirect_to (a list)
    RedirectTo,
    /// basis
    Basis,
    /// latency_kind
    LatencyKind,
}

impl ShareField {
    /// Every share field, in the order the README lists them.
    pub const ALL: [ShareField; 8] = [
        ShareField::Responded,
        ShareField::Resolution,
        ShareField::Sentiment,
        ShareField::Moves,
        ShareField::Channels,
        ShareField::RedirectTo,
        ShareField::Basis,
        ShareField::LatencyKind,
    ];

    /// The interactions column it reads.
    pub const fn column(self) -> I {
        match self {
            ShareField::Responded => I::Responded,
            ShareField::Resolution => I::Resolution,
            ShareField::Sentiment => I::Sentiment,
            ShareField::Moves => I::Moves,
            ShareField::Channels => I::Channels,
            ShareField::RedirectTo => I::RedirectTo,
            ShareField::Basis => I::Basis,
            ShareField::LatencyKind => I::LatencyKind,
        }
    }

    /// The field's name.
    pub const fn name(self) -> &'static str {
        self.column().name()
    }

    /// Whether the column is a list (a row counts when the list contains the value).
    pub fn is_list(self) -> bool {
        matches!(self.column().dtype(), DataType::List(_))
    }
}

/// A metric of a query file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Rows in the cell.
    Stories,
    /// answered / (answered + unanswered), Wilson interval.
    ResponseRate,
    /// Exact time to first response among answered thread interactions.
    Latency,
    /// Kaplan-Meier estimate of time to first response.
    KaplanMeier,
    /// Share answered within T among text stories whose stated latency decides it.
    LatencyBound,
    /// Stories where the company moved the customer to another channel.
    ChannelSwitchRate,
    /// The three most frequent switch paths.
    SwitchPaths,
    /// resolved / (resolved + unresolved).
    ResolutionRate,
    /// Share of the cell's stories with each value of a field.
    Share(ShareField),
    /// Documents naming a company vs documents where it is party (mentions table).
    Roles,
}

/// Prefix of a share metric's name.
pub const SHARE: &str = "share:";

impl Metric {
    /// Every metric, in the order error messages list them.
    pub fn all() -> Vec<Metric> {
        let mut v = vec![
            Metric::Stories,
            Metric::ResponseRate,
            Metric::Latency,
            Metric::KaplanMeier,
            Metric::LatencyBound,
            Metric::ChannelSwitchRate,
            Metric::SwitchPaths,
            Metric::ResolutionRate,
        ];
        v.extend(ShareField::ALL.map(Metric::Share));
        v.push(Metric::Roles);
        v
    }

    /// The metric's name in a query file.
    pub fn name(self) -> String {
        match self {
            Metric::Stories => "stories".into(),
            Metric::ResponseRate => "response_rate".into(),
            Metric::Latency => "latency".into(),
            Metric::KaplanMeier => "kaplan_meier".into(),
            Metric::LatencyBound => "latency_bound".into(),
            Metric::ChannelSwitchRate => "channel_switch_rate".into(),
            Metric::SwitchPaths => "switch_paths".into(),
            Metric::ResolutionRate => "resolution_rate".into(),
            Metric::Share(f) => format!("{SHARE}{}", f.name()),
            Metric::Roles => "roles".into(),
        }
    }

    /// The metric of a name.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::all().into_iter().find(|m| m.name() == name)
    }

    /// The tables it applies to.
    pub fn tables(self) -> &'static [Table] {
        match self {
            Metric::Stories => &[Table::Interactions, Table::Mentions, Table::Documents],
            Metric::Roles => &[Table::Mentions],
            _ => &[Table::Interactions],
        }
    }

    /// Whether it uses `answered_within`.
    pub fn uses_within(self) -> bool {
        matches!(self, Metric::KaplanMeier | Metric::LatencyBound)
    }

    /// The stored columns it reads only through the tests of their values (`add_tests`):
    /// a batch that reads them no other way reads them as their tests (`test_exprs`). Every
    /// input that has tests, but for a share, which counts the column's own values.
    pub fn tested(self) -> Vec<&'static str> {
        if matches!(self, Metric::Share(_)) {
            return Vec::new();
        }
        (self.inputs().into_iter())
            .filter(|c| TESTS.iter().any(|&(_, t, _)| t == *c))
            .collect()
    }

    /// The stored columns it reads.
    pub fn inputs(self) -> Vec<&'static str> {
        let i = |cols: &[I]| cols.iter().map(|c| c.name()).collect();
        match self {
            Metric::Stories => Vec::new(),
            Metric::ResponseRate => i(&[I::Responded]),
            Metric::Latency => i(&[I::Responded, I::LatencyKind, I::LatencySeconds]),
            Metric::KaplanMeier => i(&[
                I::Responded,
                I::LatencyKind,
                I::LatencySeconds,
                I::CensorSeconds,
            ]),
            Metric::LatencyBound => i(&[I::Basis, I::LatencyKind, I::LatencySeconds]),
            Metric::ChannelSwitchRate => i(&[I::Switched]),
            Metric::SwitchPaths => i(&[I::Switched, I::FirstChannel, I::RedirectTo, I::Channels]),
            Metric::ResolutionRate => i(&[I::Resolution]),
            Metric::Share(f) => vec![f.name()],
            Metric::Roles => vec![M::Doc.name(), M::Role.name()],
        }
    }

    /// The columns it adds, in order, with how they read, and the note that defines it.
    /// A share adds one column per value of its field, which only the data says: `values`
    /// lists them (none when only the fixed columns are wanted, as when a query file is
    /// checked).
    pub fn columns(
        self,
        within: &[(String, f64)],
        values: &[String],
    ) -> (Vec<(String, Kind)>, &'static str) {
        let c = |cols: &[(&str, Kind)]| cols.iter().map(|(n, k)| (n.to_string(), *k)).collect();
        match self {
            Metric::Stories => (c(&[("stories", Kind::Count)]), NOTE_STORIES),
            Metric::ResponseRate => (
                c(&[
                    ("answered", Kind::Count),
                    ("unanswered", Kind::Count),
                    ("unknown", Kind::Count),
                    ("response_rate", Kind::Rate),
                ]),
                NOTE_RESPONSE,
            ),
            Metric::Latency => (
                c(&[
                    ("latency_n", Kind::Count),
                    ("latency_median", Kind::Seconds),
                    ("latency_p90", Kind::Seconds),
                    ("latency_mean", Kind::Seconds),
                ]),
                NOTE_LATENCY,
            ),
            Metric::KaplanMeier => {
                let mut v: Vec<(String, Kind)> =
                    c(&[("km_n", Kind::Count), ("km_median", Kind::Seconds)]);
                v.extend(
                    within
                        .iter()
                        .map(|(w, _)| (format!("km_within_{w}"), Kind::Proportion)),
                );
                (v, NOTE_KM)
            }
            Metric::LatencyBound => {
                let mut v: Vec<(String, Kind)> = c(&[("bound_n", Kind::Count)]);
                v.extend(
                    within
                        .iter()
                        .map(|(w, _)| (format!("bound_within_{w}"), Kind::Rate)),
                );
                (v, NOTE_BOUND)
            }
            Metric::ChannelSwitchRate => (
                c(&[("switched", Kind::Count), ("switch_rate", Kind::Rate)]),
                NOTE_SWITCH,
            ),
            Metric::SwitchPaths => (c(&[("top_switch_paths", Kind::Text)]), NOTE_PATHS),
            Metric::ResolutionRate => (
                c(&[
                    ("resolved", Kind::Count),
                    ("unresolved", Kind::Count),
                    ("resolution_unknown", Kind::Count),
                    ("resolution_rate", Kind::Rate),
                ]),
                NOTE_RESOLUTION,
            ),
            Metric::Roles => (
                c(&[
                    ("named_in_docs", Kind::Count),
                    ("party_docs", Kind::Count),
                    ("mention_only_docs", Kind::Count),
                    ("naive_inflation", Kind::Ratio),
                ]),
                NOTE_ROLES,
            ),
            Metric::Share(f) => (
                values
                    .iter()
                    .map(|v| (format!("{}:{v}", f.name()), Kind::Share))
                    .collect(),
                NOTE_SHARE,
            ),
        }
    }

    /// The polars aggregations that compute it per group, named `{prefix}{part}`. A share
    /// gets one per value of `values`.
    pub fn aggs(self, prefix: &str, within: &[(String, f64)], values: &[String]) -> Vec<Expr> {
        let name = |part: &str| format!("{prefix}{part}");
        let count = |e: Expr, part: &str| e.sum().alias(name(part));
        match self {
            Metric::Stories => Vec::new(),
            Metric::ResponseRate => vec![
                count(eq(I::Responded, YES), "yes"),
                count(eq(I::Responded, NO), "no"),
                count(eq(I::Responded, UNKNOWN), "unknown"),
            ],
            Metric::Latency => vec![exact_delays().alias(name("delays"))],
            Metric::KaplanMeier => vec![
                exact_delays().alias(name("delays")),
                I::CensorSeconds
                    .col()
                    .filter(censored())
                    .alias(name("censored")),
            ],
            Metric::LatencyBound => {
                let mut v = vec![count(stated(), "n")];
                for (k, (_, t)) in within.iter().enumerate() {
                    let (yes, no) = bound(*t);
                    v.push(count(yes, &format!("yes{k}")));
                    v.push(count(no, &format!("no{k}")));
                }
                v
            }
            Metric::ChannelSwitchRate => vec![count(I::Switched.col(), "k")],
            // Each row's path is written by [`path_column`] before the rows are grouped.
            Metric::SwitchPaths => vec![col(PATHS)
                .filter(I::Switched.col().eq(lit(true)))
                .alias(name("paths"))],
            Metric::ResolutionRate => vec![
                count(eq(I::Resolution, "resolved"), "yes"),
                count(eq(I::Resolution, "unresolved"), "no"),
            ],
            Metric::Roles => vec![
                M::Doc.col().n_unique().alias(name("named")),
                M::Doc.col().filter(party()).n_unique().alias(name("party")),
            ],
            Metric::Share(f) => values
                .iter()
                .enumerate()
                .map(|(k, v)| count(has_value(f, v), &format!("v{k}")))
                .collect(),
        }
    }

    /// What each of its columns ([`Metric::columns`], in order) counts, for the cells behind
    /// the numbers ([`super::cells`]): the rows a count, a rate's denominator or a share
    /// lists, with the rows of a rate's numerator marked; documents for `roles`; `None` for
    /// a column that is not a count, a rate or a share. The predicates are those of
    /// [`Metric::aggs`], so a cell lists exactly what its number counts.
    pub fn cells(self, within: &[(String, f64)], values: &[String]) -> Vec<Option<Behind>> {
        let of = |member: Expr, counted: Expr| {
            Some(Behind::Rows {
                member: Box::new(member),
                counted: Box::new(counted),
            })
        };
        let all = |member: Expr| of(member, lit(true));
        match self {
            Metric::Stories => vec![all(lit(true))],
            Metric::ResponseRate => {
                let (yes, no) = (eq(I::Responded, YES), eq(I::Responded, NO));
                vec![
                    all(yes.clone()),
                    all(no.clone()),
                    all(eq(I::Responded, UNKNOWN)),
                    of(yes.clone().or(no), yes),
                ]
            }
            Metric::Latency => vec![all(exact_event()), None, None, None],
            Metric::KaplanMeier => {
                let mut v = vec![of(exact_event().or(censored()), exact_event()), None];
                v.extend(within.iter().map(|_| None));
                v
            }
            Metric::LatencyBound => {
                let mut v = vec![all(stated())];
                for (_, t) in within {
                    let (yes, no) = bound(*t);
                    v.push(of(yes.clone().or(no), yes));
                }
                v
            }
            Metric::ChannelSwitchRate => {
                let switched = I::Switched.col().eq(lit(true));
                vec![all(switched.clone()), of(lit(true), switched)]
            }
            Metric::SwitchPaths => vec![None],
            Metric::ResolutionRate => {
                let (yes, no) = (
                    eq(I::Resolution, "resolved"),
                    eq(I::Resolution, "unresolved"),
                );
                vec![
                    all(yes.clone()),
                    all(no.clone()),
                    all(yes.clone().or(no.clone()).fill_null(lit(false)).not()),
                    of(yes.clone().or(no), yes),
                ]
            }
            Metric::Roles => vec![
                Some(Behind::Docs(Docs::Named)),
                Some(Behind::Docs(Docs::Party)),
                Some(Behind::Docs(Docs::MentionOnly)),
                None,
            ],
            Metric::Share(f) => values.iter().map(|v| all(has_value(f, v))).collect(),
        }
    }

    /// The metric's values of one group (`n` rows), read from its aggregations, and, for
    /// Kaplan-Meier, the group's curve. Returns the values and the row's n when the metric
    /// decides it (roles: documents naming the company).
    pub(super) fn values(
        self,
        g: &Group,
        prefix: &str,
        within: &[(String, f64)],
        n_values: usize,
        label: &str,
        curves: &mut Vec<Curve>,
    ) -> Result<(Vec<Value>, Option<u64>)> {
        let name = |part: &str| format!("{prefix}{part}");
        let n = g.count("__n")?;
        Ok(match self {
            Metric::Stories => (vec![Value::Count(n)], None),
            Metric::ResponseRate => {
                let (yes, no, unknown) = (
                    g.count(&name("yes"))?,
                    g.count(&name("no"))?,
                    g.count(&name("unknown"))?,
                );
                (
                    vec![
                        Value::Count(yes),
                        Value::Count(no),
                        Value::Count(unknown),
                        rate(yes, yes + no),
                    ],
                    None,
                )
            }
            Metric::Latency => {
                let mut l = g.floats(&name("delays"))?;
                l.sort_unstable_by(f64::total_cmp);
                let num = |v: Option<f64>| v.map_or(Value::Null, Value::Num);
                (
                    vec![
                        Value::Count(l.len() as u64),
                        num(quantile(&l, 0.5)),
                        num(quantile(&l, 0.9)),
                        num(mean(&l)),
                    ],
                    None,
                )
            }
            Metric::KaplanMeier => {
                let km = kaplan_meier(&g.floats(&name("delays"))?, &g.floats(&name("censored"))?);
                let mut v = vec![
                    Value::Count(km.n),
                    if km.n == 0 {
                        Value::Null
                    } else {
                        km.median().map_or(Value::Null, Value::Num)
                    },
                ];
                for (_, secs) in within {
                    v.push(if km.n == 0 {
                        Value::Null
                    } else {
                        Value::Num(km.answered_within(*secs))
                    });
                }
                curves.push(Curve {
                    label: label.to_string(),
                    steps: km.steps.clone(),
                    n: km.n,
                });
                (v, None)
            }
            Metric::LatencyBound => {
                let mut v = vec![Value::Count(g.count(&name("n"))?)];
                for k in 0..within.len() {
                    let (yes, no) = (
                        g.count(&name(&format!("yes{k}")))?,
                        g.count(&name(&format!("no{k}")))?,
                    );
                    v.push(rate(yes, yes + no));
                }
                (v, None)
            }
            Metric::ChannelSwitchRate => {
                let k = g.count(&name("k"))?;
                (vec![Value::Count(k), rate(k, n)], None)
            }
            Metric::SwitchPaths => {
                let mut paths: BTreeMap<String, u64> = BTreeMap::new();
                for p in g.strings(&name("paths"))?.into_iter().flatten() {
                    *paths.entry(p).or_default() += 1;
                }
                let mut top: Vec<(String, u64)> = paths.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let text: Vec<String> = top
                    .iter()
                    .take(3)
                    .map(|(p, c)| format!("{p} ({c})"))
                    .collect();
                (
                    vec![if text.is_empty() {
                        Value::Null
                    } else {
                        Value::Text(text.join("; "))
                    }],
                    None,
                )
            }
            Metric::ResolutionRate => {
                let (yes, no) = (g.count(&name("yes"))?, g.count(&name("no"))?);
                (
                    vec![
                        Value::Count(yes),
                        Value::Count(no),
                        Value::Count(n - yes - no),
                        rate(yes, yes + no),
                    ],
                    None,
                )
            }
            Metric::Roles => {
                let (all, party) = (g.count(&name("named"))?, g.count(&name("party"))?);
                (
                    vec![
                        Value::Count(all),
                        Value::Count(party),
                        Value::Count(all - party),
                        if party == 0 {
                            Value::Null
                        } else {
                            Value::Num(all as f64 / party as f64)
                        },
                    ],
                    Some(all),
                )
            }
            Metric::Share(_) => (
                (0..n_values)
                    .map(|k| Ok(Value::Share(g.count(&name(&format!("v{k}")))?, n)))
                    .collect::<Result<Vec<_>>>()?,
                None,
            ),
        })
    }
}

/// What a cell lists ([`Metric::cells`]).
pub enum Behind {
    /// The rows where `member` holds, each marked with whether `counted` holds (a rate's
    /// numerator within its denominator).
    Rows {
        /// Rows listed.
        member: Box<Expr>,
        /// Rows counted among them.
        counted: Box<Expr>,
    },
    /// Documents of the `roles` metric.
    Docs(Docs),
}

/// The documents a `roles` column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Docs {
    /// Documents naming the company.
    Named,
    /// Documents where it is party to a story (a role other than mention).
    Party,
    /// Documents that only mention it.
    MentionOnly,
}

const YES: &str = "yes";
const NO: &str = "no";
const UNKNOWN: &str = "unknown";

/// The (column, value) tests the metrics make, with the table of the column. Each is
/// computed once, as a column of the table a batch reads ([`add_tests`]), not once per query
/// and metric that makes it: comparing texts row by row for every metric was 8% of a
/// batch's CPU.
const TESTS: [(Table, &str, &str); 11] = [
    (Table::Interactions, I::Responded.name(), YES),
    (Table::Interactions, I::Responded.name(), NO),
    (Table::Interactions, I::Responded.name(), UNKNOWN),
    (Table::Interactions, I::Resolution.name(), "resolved"),
    (Table::Interactions, I::Resolution.name(), "unresolved"),
    (Table::Interactions, I::LatencyKind.name(), "exact"),
    (Table::Interactions, I::LatencyKind.name(), "approximate"),
    (Table::Interactions, I::LatencyKind.name(), "at_most"),
    (Table::Interactions, I::LatencyKind.name(), "at_least"),
    (Table::Interactions, I::Basis.name(), "text"),
    (Table::Mentions, M::Role.name(), value::MENTION),
];

/// The name of the column [`add_tests`] adds for `c == v`: not a stored column's name.
fn test_name(c: &str, v: &str) -> String {
    format!("__is:{c}={v}")
}

/// Adds to `df`, a frame of `table`, the columns holding the [`TESTS`] of the columns it
/// has: true where the text column has the value, false where it has another, null where it
/// is null, as the comparison reads in an expression. Chunk by chunk: the frame's columns
/// are not joined into one chunk here (a lazy `with_columns` joined every column).
pub(super) fn add_tests(table: Table, df: &mut DataFrame) -> PolarsResult<()> {
    for &(_, c, v) in TESTS.iter().filter(|&&(t, _, _)| t == table) {
        let Ok(column) = df.column(c) else {
            continue;
        };
        let test = column.str()?.equal(v).with_name(test_name(c, v).into());
        df.with_column(test.into_column())?;
    }
    Ok(())
}

/// The [`TESTS`] of column `c` of `table` as expressions, named as [`add_tests`] names
/// them: for a column read only through its tests, which is then read as its tests.
pub(super) fn test_exprs(table: Table, c: &str) -> Vec<Expr> {
    TESTS
        .iter()
        .filter(|&&(t, d, _)| t == table && d == c)
        .map(|&(_, c, v)| col(c).eq(lit(v)).alias(test_name(c, v)))
        .collect()
}

/// True where the text column `c` has the value: the column of the test ([`add_tests`]).
fn is(c: &str, v: &str) -> Expr {
    debug_assert!(
        TESTS.iter().any(|&(_, t, u)| t == c && u == v),
        "{c} = {v} is not one of TESTS"
    );
    col(test_name(c, v))
}

/// True where an interactions text column has the value ([`is`]).
fn eq(c: I, v: &str) -> Expr {
    is(c.name(), v)
}

/// True where a tested column is not null: where its tests are not ([`add_tests`]).
fn known(c: I) -> Expr {
    let (_, _, v) = (TESTS.iter())
        .find(|&&(_, t, _)| t == c.name())
        .expect("a tested column");
    eq(c, v).is_not_null()
}

/// A mentions row of a party to the story: its role is not `mention`.
pub(super) fn party() -> Expr {
    is(M::Role.name(), value::MENTION).not()
}

/// An answered story with an exact time to first response (an event of Kaplan-Meier).
fn exact_event() -> Expr {
    eq(I::Responded, YES)
        .and(eq(I::LatencyKind, "exact"))
        .and(I::LatencySeconds.col().is_not_null())
}

/// Exact delays of answered stories (the events of Kaplan-Meier).
fn exact_delays() -> Expr {
    I::LatencySeconds.col().filter(exact_event())
}

/// An unanswered story censored at the corpus's last time.
fn censored() -> Expr {
    eq(I::Responded, NO).and(I::CensorSeconds.col().is_not_null())
}

/// A text story that states a response time (`latency_bound`).
fn stated() -> Expr {
    eq(I::Basis, "text").and(known(I::LatencyKind))
}

/// Whether a stated time decides "answered within `t` seconds": (yes, no); neither when it
/// does not decide it ("before a live person picked up").
fn bound(t: f64) -> (Expr, Expr) {
    let secs = I::LatencySeconds.col();
    let both = eq(I::LatencyKind, "approximate").or(eq(I::LatencyKind, "exact"));
    let known = stated().and(secs.clone().is_not_null());
    let le = secs.clone().lt_eq(lit(t));
    let yes = known
        .clone()
        .and((eq(I::LatencyKind, "at_most").and(le.clone())).or(both.clone().and(le.clone())));
    let no =
        known.and((eq(I::LatencyKind, "at_least").and(secs.gt_eq(lit(t)))).or(both.and(le.not())));
    (yes, no)
}

/// True for a row whose field has the value (a list field: contains it): the column
/// [`share_tests`] added to the query's rows.
fn has_value(f: ShareField, v: &str) -> Expr {
    col(has_name(f, v))
}

/// The name of the column [`share_tests`] adds for the rows whose field has `v`: not a
/// stored column's name.
fn has_name(f: ShareField, v: &str) -> String {
    format!("__has:{}={v}", f.name())
}

/// The distinct values of a share field in `c`, its column among a query's rows (nulls
/// left out, sorted), each with the column [`has_value`] reads: true for the rows whose
/// field has the value (a list: contains it), false for the others, null where the field is
/// null. One walk of the column for all its values, each text looked up as the group keys'
/// codes are ([`super::encode_chunk`]), where polars' `list().eval` per value and group took
/// a tenth of a batch with three list shares.
pub(super) fn share_tests(f: ShareField, c: &Column) -> PolarsResult<(Vec<String>, Vec<Column>)> {
    use polars_arrow::array::{Array, BooleanArray, Utf8ViewArray};
    use polars_arrow::bitmap::{Bitmap, MutableBitmap};
    use polars_arrow::offset::OffsetsBuffer;
    /// A chunk of the column: its rows, and the texts of each (a text column's row is its
    /// own text; a list's, the range of its offsets).
    struct Chunk {
        rows: usize,
        validity: Option<Bitmap>,
        texts: Utf8ViewArray,
        offsets: Option<OffsetsBuffer<i64>>,
    }
    fn texts_of(s: Series) -> PolarsResult<Utf8ViewArray> {
        let s = s.cast(&DataType::String)?;
        let ca = s.str()?.rechunk();
        let arr = ca.downcast_iter().next().cloned();
        Ok(arr.unwrap_or_else(|| Utf8ViewArray::new_empty(ArrowDataType::Utf8View)))
    }
    let chunks: Vec<Chunk> = if f.is_list() {
        (c.list()?.downcast_iter())
            .map(|arr| {
                Ok(Chunk {
                    rows: arr.len(),
                    validity: arr.validity().cloned(),
                    texts: texts_of(Series::try_from((PlSmallStr::EMPTY, arr.values().clone()))?)?,
                    offsets: Some(arr.offsets().clone()),
                })
            })
            .collect::<PolarsResult<_>>()?
    } else {
        let c = c.cast(&DataType::String)?;
        (c.str()?.downcast_iter())
            .map(|arr| Chunk {
                rows: arr.len(),
                validity: arr.validity().cloned(),
                texts: arr.clone(),
                offsets: None,
            })
            .collect()
    };
    // Each chunk's texts as codes of the chunk, and for each code the rows holding it; a
    // code no valid text of a valid row holds (a null's) is not a value.
    let mut found: Vec<(Vec<&str>, Vec<MutableBitmap>, Vec<bool>)> = Vec::new();
    for ch in &chunks {
        let (codes, seen) = super::encode_chunk(&ch.texts);
        let mut rows = vec![MutableBitmap::from_len_zeroed(ch.rows); seen.len()];
        let mut used = vec![false; seen.len()];
        for row in (0..ch.rows).filter(|r| ch.validity.as_ref().is_none_or(|v| v.get_bit(*r))) {
            let range = match &ch.offsets {
                Some(o) => {
                    let (a, b) = o.start_end(row);
                    a..b
                }
                None => row..row + 1,
            };
            for e in range.filter(|e| ch.texts.is_valid(*e)) {
                let k = codes[e] as usize;
                rows[k].set(row, true);
                used[k] = true;
            }
        }
        found.push((seen, rows, used));
    }
    let mut values: Vec<&str> = (found.iter())
        .flat_map(|(seen, _, used)| seen.iter().zip(used).filter(|(_, u)| **u).map(|(v, _)| *v))
        .collect();
    values.sort_unstable();
    values.dedup();
    let mut arrays: Vec<Vec<BooleanArray>> = vec![Vec::new(); values.len()];
    for (ch, (seen, rows, used)) in chunks.iter().zip(found) {
        let mut of_value: Vec<Option<Bitmap>> = vec![None; values.len()];
        for ((v, bits), used) in seen.iter().zip(rows).zip(used) {
            if used {
                let i = values.binary_search(v).expect("a value of the chunk");
                of_value[i] = Some(bits.into());
            }
        }
        for (i, bits) in of_value.into_iter().enumerate() {
            let bits = bits.unwrap_or_else(|| Bitmap::new_zeroed(ch.rows));
            arrays[i].push(BooleanArray::new(
                ArrowDataType::Boolean,
                bits,
                ch.validity.clone(),
            ));
        }
    }
    let tests = (values.iter().zip(arrays))
        .map(|(v, a)| BooleanChunked::from_chunk_iter(has_name(f, v).into(), a).into_column())
        .collect();
    Ok((values.into_iter().map(str::to_string).collect(), tests))
}

/// True for a row whose list contains `v` (null for a null list).
pub fn contains(list: Expr, v: &str) -> Expr {
    list.list()
        .eval(element().eq(lit(v.to_string())).cast(DataType::UInt32))
        .list()
        .sum()
        .gt(lit(0u32))
}

fn rate(k: u64, n: u64) -> Value {
    wilson(k, n).map_or(Value::Null, Value::Rate)
}

/// One group of an aggregated frame: reads its cells by column name. `row` is `None` for
/// the one row of a query without group keys over no rows (every count 0, every list
/// empty).
pub(super) struct Group<'a> {
    pub(super) df: &'a DataFrame,
    pub(super) row: Option<usize>,
}

impl Group<'_> {
    /// A count.
    pub(super) fn count(&self, name: &str) -> Result<u64> {
        let Some(row) = self.row else { return Ok(0) };
        let c = self.df.column(name)?;
        Ok(match c.u64() {
            Ok(c) => c.get(row),
            // Counts are made u64 once for the frame ([`super::execute`]); any other
            // integer is read through a cast.
            Err(_) => c.cast(&DataType::UInt64)?.u64()?.get(row),
        }
        .unwrap_or(0))
    }

    fn list(&self, name: &str) -> Result<Option<Series>> {
        let Some(row) = self.row else { return Ok(None) };
        Ok(self.df.column(name)?.list()?.get_as_series(row))
    }

    /// A list of numbers (nulls dropped).
    pub(super) fn floats(&self, name: &str) -> Result<Vec<f64>> {
        Ok(match self.list(name)? {
            Some(s) => s
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .flatten()
                .collect(),
            None => Vec::new(),
        })
    }

    /// A list of texts.
    pub(super) fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        Ok(match self.list(name)? {
            Some(s) => crate::schema::texts(&s.into_column())?,
            None => Vec::new(),
        })
    }
}

/// The name of the column [`path_column`] adds: not a stored column's name.
const PATHS: &str = "__switch_path";

/// The column `switch_paths` aggregates: each row's switch path ([`switch_paths`]), added
/// to a query's rows before they are grouped, over the whole columns at once. Built with
/// polars' `list().join`, or aggregated as lists per group first, the paths took a quarter
/// of the batch; written inside the group-by, they had the group-by join the chunks of the
/// three list columns they read.
pub(super) fn path_column(df: &DataFrame) -> PolarsResult<Column> {
    let inputs = [I::Switched, I::FirstChannel, I::RedirectTo, I::Channels]
        .map(|c| df.column(c.name()).cloned())
        .into_iter()
        .collect::<PolarsResult<Vec<Column>>>()?;
    Ok(switch_paths(&inputs)?.with_name(PATHS.into()).into_column())
}

/// The switch path of each row that switched (null for the others): the customer's first
/// channel and the channels the company moved them to, `>` between them, when there is a
/// redirect; else the channels of the story; `?` for what is missing.
fn switch_paths(cols: &[Column]) -> PolarsResult<StringChunked> {
    let [switched, first, to, channels] = cols else {
        polars_bail!(ComputeError: "switch paths take four columns")
    };
    let first = first.cast(&DataType::String)?;
    let (to, channels) = (Lists::new(to)?, Lists::new(channels)?);
    let mut out = StringChunkedBuilder::new(PlSmallStr::EMPTY, first.len());
    let mut path = String::new();
    for (row, (switched, first)) in switched.bool()?.iter().zip(first.str()?.iter()).enumerate() {
        if switched != Some(true) {
            out.append_null();
            continue;
        }
        path.clear();
        if to.len(row) > 0 {
            path.push_str(first.unwrap_or("?"));
            path.push('>');
            to.join(row, &mut path);
        } else if channels.len(row) > 0 {
            channels.join(row, &mut path);
        } else {
            path.push('?');
        }
        out.append_value(&path);
    }
    Ok(out.finish())
}

/// A column of lists of texts, read chunk by chunk without a series per row; a row is
/// looked up in its chunk when asked for (only switched stories are).
struct Lists {
    /// Each chunk's first row, its lists and its values as texts.
    chunks: Vec<(usize, polars_arrow::array::ListArray<i64>, StringChunked)>,
}

impl Lists {
    fn new(c: &Column) -> PolarsResult<Lists> {
        let mut chunks = Vec::new();
        let mut start = 0;
        for arr in c.list()?.downcast_iter() {
            let v = Series::try_from((PlSmallStr::EMPTY, arr.values().clone()))?
                .cast(&DataType::String)?;
            chunks.push((start, arr.clone(), v.str()?.clone()));
            start += arr.len();
        }
        Ok(Lists { chunks })
    }

    /// The row's chunk and where its values start and end in that chunk's values; an empty
    /// range for a null list.
    fn range(&self, row: usize) -> (&StringChunked, usize, usize) {
        let k = self.chunks.partition_point(|(start, _, _)| *start <= row) - 1;
        let (start, arr, values) = &self.chunks[k];
        let row = row - start;
        if arr.validity().is_some_and(|v| !v.get_bit(row)) {
            return (values, 0, 0);
        }
        let (a, b) = arr.offsets().start_end(row);
        (values, a, b)
    }

    /// Values in the row's list (nulls in it included).
    fn len(&self, row: usize) -> usize {
        let (_, a, b) = self.range(row);
        b - a
    }

    /// Appends the row's values, `>` between them, nulls left out.
    fn join(&self, row: usize, out: &mut String) {
        let (values, a, b) = self.range(row);
        let mut first = true;
        for v in (a..b).filter_map(|i| values.get(i)) {
            if !first {
                out.push('>');
            }
            out.push_str(v);
            first = false;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_read_as_the_comparisons_and_tested_columns_are_inputs() {
        let df = df!(
            I::Responded.name() => [Some("yes"), Some("no"), None, Some("unknown")],
            I::LatencyKind.name() => [Some("exact"), None, Some("at_most"), None],
        )
        .unwrap();
        let mut tested = df.clone();
        add_tests(Table::Interactions, &mut tested).unwrap();
        // The tests read as the comparisons in expressions do.
        let expected = df
            .lazy()
            .select([
                I::Responded.col().eq(lit(YES)).alias("yes"),
                I::Responded.col().eq(lit(NO)).alias("no"),
            ])
            .collect()
            .unwrap();
        let out = tested
            .lazy()
            .select([
                eq(I::Responded, YES).alias("yes"),
                eq(I::Responded, NO).alias("no"),
                known(I::LatencyKind).alias("known"),
            ])
            .collect()
            .unwrap();
        let bools = |c: &str| -> Vec<Option<bool>> {
            out.column(c).unwrap().bool().unwrap().iter().collect()
        };
        assert_eq!(bools("yes"), [Some(true), Some(false), None, Some(false)]);
        assert_eq!(bools("no"), [Some(false), Some(true), None, Some(false)]);
        for c in ["yes", "no"] {
            assert!(out
                .column(c)
                .unwrap()
                .equals_missing(expected.column(c).unwrap()));
        }
        assert_eq!(
            bools("known"),
            [Some(true), Some(false), Some(true), Some(false)]
        );
        // A frame without the column gets none of its tests; the mentions' role is tested
        // on mentions only.
        let mut roles = df!(M::Role.name() => [Some("mention"), None]).unwrap();
        add_tests(Table::Interactions, &mut roles).unwrap();
        assert_eq!(roles.width(), 1);
        add_tests(Table::Mentions, &mut roles).unwrap();
        assert_eq!(roles.width(), 2);
        assert_eq!(Metric::ResponseRate.tested(), [I::Responded.name()]);
        assert_eq!(
            Metric::LatencyBound.tested(),
            [I::Basis.name(), I::LatencyKind.name()]
        );
        assert_eq!(Metric::Roles.tested(), [M::Role.name()]);
        assert!(Metric::Share(ShareField::Responded).tested().is_empty());
        assert!(Metric::SwitchPaths.tested().is_empty());
        for m in Metric::all() {
            for c in m.tested() {
                assert!(m.inputs().contains(&c), "{m:?} tests {c}, not an input");
                assert!(TESTS.iter().any(|&(_, t, _)| t == c), "{c} has no test");
            }
        }
    }

    #[test]
    fn names_parse_back_and_tables_have_their_inputs() {
        for m in Metric::all() {
            assert_eq!(Metric::parse(&m.name()), Some(m));
            for t in m.tables() {
                for c in m.inputs() {
                    assert!(t.dtype_of(c).is_some(), "{m:?} reads {c} of {t:?}");
                }
            }
        }
        assert_eq!(
            Metric::parse("share:moves"),
            Some(Metric::Share(ShareField::Moves))
        );
        assert_eq!(Metric::parse("share:company"), None);
    }

    /// The values of a list share, walked in place, are those of its exploded lists: null
    /// lists, empty lists and null values left out, over two chunks and a slice (whose
    /// offsets do not start at 0 and whose arrays hold values outside it).
    #[test]
    fn list_share_values_are_those_of_the_exploded_lists() {
        let values = |s: &Series| {
            share_tests(ShareField::Moves, &s.clone().into_column())
                .unwrap()
                .0
        };
        let lists = |rows: Vec<Option<Vec<Option<&str>>>>| -> Series {
            let rows: Vec<Option<Series>> = rows
                .into_iter()
                .map(|r| r.map(|v| Series::new("".into(), v)))
                .collect();
            Series::new("l".into(), rows)
        };
        // The first long value of each chunk has the same length, prefix, buffer and offset:
        // equal views of different arrays.
        let mut s = lists(vec![
            Some(vec![Some("zeta"), Some("a long value one"), Some("phone")]),
            None,
            Some(vec![]),
            Some(vec![None, Some("email")]),
        ]);
        s.append(&lists(vec![
            Some(vec![Some("email")]),
            Some(vec![Some("a long value two"), Some("a long value here")]),
            Some(vec![Some("last")]),
        ]))
        .unwrap();
        let exploded = |s: &Series| -> Vec<String> {
            let mut v: Vec<String> = s
                .explode(ExplodeOptions {
                    empty_as_null: true,
                    keep_nulls: true,
                })
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .flatten()
                .map(str::to_string)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for s in [s.clone(), s.slice(1, 5), s.slice(4, 1)] {
            assert_eq!(values(&s), exploded(&s), "{s:?}");
        }
        assert_eq!(
            values(&s.slice(1, 5)),
            ["a long value here", "a long value two", "email"]
        );
    }

    /// The share tests walked in place agree row by row with the expressions they replaced
    /// (`contains` for a list, `==` for a text): true, false, and null where the field is
    /// null, over two chunks and a slice; a list's null values and empty lists hold nothing.
    #[test]
    fn share_tests_agree_with_the_expressions_row_by_row() {
        let lists = |rows: Vec<Option<Vec<Option<&str>>>>| -> Series {
            let rows: Vec<Option<Series>> = rows
                .into_iter()
                .map(|r| r.map(|v| Series::new("".into(), v)))
                .collect();
            Series::new(I::Moves.name().into(), rows)
        };
        let mut moves = lists(vec![
            Some(vec![Some("to_dm"), Some("a long value one"), Some("to_dm")]),
            None,
            Some(vec![]),
            Some(vec![None, Some("to_phone")]),
        ]);
        moves
            .append(&lists(vec![
                Some(vec![Some("to_phone")]),
                Some(vec![Some("a long value one"), None]),
                Some(vec![None]),
            ]))
            .unwrap();
        let mut sentiment = Series::new(
            I::Sentiment.name().into(),
            [
                Some("negative"),
                None,
                Some("a long value one"),
                Some("positive"),
            ],
        );
        sentiment
            .append(&Series::new(
                I::Sentiment.name().into(),
                [Some("positive"), Some("negative"), None],
            ))
            .unwrap();
        let old = |f: ShareField, v: &str| -> Expr {
            let c = f.column().col();
            if f.is_list() {
                contains(c, v)
            } else {
                c.eq(lit(v.to_string()))
            }
        };
        let df = DataFrame::new(7, vec![moves.into_column(), sentiment.into_column()]).unwrap();
        for df in [df.clone(), df.slice(2, 4)] {
            for f in [ShareField::Moves, ShareField::Sentiment] {
                let (values, tests) = share_tests(f, df.column(f.name()).unwrap()).unwrap();
                let column = df.column(f.name()).unwrap().as_materialized_series();
                let column = match f.is_list() {
                    true => column
                        .explode(ExplodeOptions {
                            empty_as_null: true,
                            keep_nulls: true,
                        })
                        .unwrap(),
                    false => column.clone(),
                };
                let mut expected: Vec<String> = (column.str().unwrap().iter())
                    .flatten()
                    .map(str::to_string)
                    .collect();
                expected.sort();
                expected.dedup();
                assert_eq!(values, expected);
                assert!(values.len() >= 2, "{values:?}");
                let mut with = df.clone();
                for t in tests {
                    with.with_column(t).unwrap();
                }
                for v in &values {
                    let both = with
                        .clone()
                        .lazy()
                        .select([old(f, v).alias("old"), has_value(f, v).alias("new")])
                        .collect()
                        .unwrap();
                    let got: Vec<Option<bool>> =
                        both.column("new").unwrap().bool().unwrap().iter().collect();
                    let want: Vec<Option<bool>> =
                        both.column("old").unwrap().bool().unwrap().iter().collect();
                    assert_eq!(got, want, "{f:?} = {v}");
                    assert!(
                        got.contains(&Some(true)) && got.contains(&Some(false)),
                        "{f:?} = {v}: {got:?}"
                    );
                }
            }
        }
    }

    /// A text share's values: the distinct texts of every chunk.
    #[test]
    fn text_share_values_are_the_distinct_texts_of_every_chunk() {
        let mut s = Series::new("t".into(), [Some("a long value one"), None, Some("b")]);
        s.append(&Series::new(
            "t".into(),
            [
                Some("a long value two"),
                Some("b"),
                Some("a long value one"),
            ],
        ))
        .unwrap();
        assert_eq!(s.chunks().len(), 2);
        let (got, _) = share_tests(ShareField::Sentiment, &s.into_column()).unwrap();
        assert_eq!(got, ["a long value one", "a long value two", "b"]);
    }

    /// Each case of a path, against the expressions the paths were first built with
    /// (`first>to…` with a redirect, else the channels, `?` for what is missing, nulls in a
    /// list left out), over a column of two chunks.
    #[test]
    fn switch_paths_read_each_row_as_the_list_expressions_did() {
        let lists = |name: &str, rows: Vec<Option<Vec<Option<&str>>>>| -> Series {
            let rows: Vec<Option<Series>> = rows
                .into_iter()
                .map(|r| r.map(|v| Series::new("".into(), v)))
                .collect();
            Series::new(name.into(), rows)
        };
        fn half<T>(v: Vec<T>, k: usize) -> Vec<T> {
            v.into_iter().skip(k * 4).take(4).collect()
        }
        let frame = |k: usize| {
            df!(
                "switched" => half(vec![Some(true), Some(true), Some(true), Some(true), Some(true), Some(false), None, Some(true)], k),
                "first" => half(vec![Some("twitter"), None, Some("email"), None, Some("phone"), Some("x"), Some("y"), Some("twitter")], k),
                "to" => lists("to", half(vec![
                    Some(vec![Some("twitter_dm"), Some("phone")]), Some(vec![Some("email")]), Some(vec![]), None,
                    Some(vec![None, Some("phone")]), Some(vec![Some("x")]), Some(vec![Some("y")]), Some(vec![None]),
                ], k)),
                "channels" => lists("channels", half(vec![
                    None, None, Some(vec![Some("email"), Some("phone")]), None,
                    None, None, None, None,
                ], k)),
            )
            .unwrap()
        };
        let mut df = frame(0);
        df.vstack_mut(&frame(1)).unwrap();
        let got = switch_paths(df.columns()).unwrap();
        let got: Vec<Option<&str>> = got.iter().collect();
        let to = col("to");
        let expressions = when(col("switched").eq(lit(true)))
            .then(
                when(to.clone().list().len().gt(lit(0)))
                    .then(
                        col("first").fill_null(lit("?"))
                            + lit(">")
                            + to.list().join(lit(">"), true),
                    )
                    .otherwise(
                        when(col("channels").list().len().gt(lit(0)))
                            .then(col("channels").list().join(lit(">"), true))
                            .otherwise(lit("?")),
                    ),
            )
            .otherwise(lit(NULL).cast(DataType::String));
        let reference = df.clone().lazy().select([expressions]).collect().unwrap();
        let reference: Vec<Option<&str>> = reference.columns()[0].str().unwrap().iter().collect();
        assert_eq!(got, reference);
        assert_eq!(
            got,
            [
                Some("twitter>twitter_dm>phone"),
                Some("?>email"),
                Some("email>phone"),
                Some("?"),
                Some("phone>phone"),
                None,
                None,
                Some("twitter>"),
            ]
        );
    }
}
