//! The query file format: one table per TOML file. Engine-neutral: it names tables, fields
//! and metrics, never polars code, so another engine could run the same file.
//!
//! ```toml
//! name = "response_by_company"           # file stem if omitted; names the output files
//! title = "Response rate and speed by company"
//! description = "Thread interactions only."
//! table = "interactions"                 # interactions | mentions | documents
//! search = '"direct message" OR dm'      # optional: only documents matching this count
//! group_by = ["company"]                 # fields, or time buckets: "month(opened_at)"
//! metrics = ["stories", "response_rate", "latency", "kaplan_meier"]
//! answered_within = ["1h", "24h"]        # durations for kaplan_meier and latency_bound
//! sort = ["-stories", "company"]         # '-' for descending; default: group_by fields
//! min_n = 5                              # cells with fewer stories are marked
//! limit = 20                             # rows kept after sorting
//! figure = "response_rate"               # optional SVG: response_rate | kaplan_meier
//!
//! [filter]                               # field = value or [values]; since/until on time
//! basis = "thread"
//! since = "2017-10-01"
//! ```

use super::metric::Metric;
use crate::schema::{Table, GIVEN_PREFIX};
use crate::tag::rules::line_of;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a query file says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryFile {
    /// Table name; the file stem when omitted.
    #[serde(default)]
    pub name: Option<String>,
    /// Title shown above the table.
    pub title: String,
    /// A sentence under the title.
    #[serde(default)]
    pub description: Option<String>,
    /// Which table it reads.
    pub table: String,
    /// Full-text restriction (tantivy syntax).
    #[serde(default)]
    pub search: Option<String>,
    /// Filters: field = value or list of values; `since` and `until` on the time column.
    #[serde(default)]
    pub filter: BTreeMap<String, toml::Value>,
    /// Group-by fields or time buckets.
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Metrics, in column order.
    pub metrics: Vec<String>,
    /// Durations for answered-within columns.
    #[serde(default)]
    pub answered_within: Vec<String>,
    /// Sort keys; '-' prefix for descending.
    #[serde(default)]
    pub sort: Vec<String>,
    /// Smallest number of stories for a reliable cell.
    #[serde(default = "default_min_n")]
    pub min_n: u64,
    /// Rows kept.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Figure to draw.
    #[serde(default)]
    pub figure: Option<String>,
    /// A coded sample (JSON lines, path relative to the query file) that corrects every rate
    /// metric with prediction-powered inference ([`super::ppi`]).
    #[serde(default)]
    pub calibration: Option<String>,
    /// Fewest coded rows in a cell for a corrected rate to be trusted (default 10).
    #[serde(default)]
    pub min_coded: Option<u64>,
}

fn default_min_n() -> u64 {
    5
}

/// Time buckets for group_by.
pub const BUCKETS: &[&str] = &["day", "week", "month", "year"];

/// A group-by key: a field, or a time bucket of the time column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKey {
    /// A plain field.
    Field(String),
    /// `bucket(field)`.
    Bucket(String, String),
}

impl GroupKey {
    /// The column header.
    pub fn header(&self) -> String {
        match self {
            GroupKey::Field(f) => f.clone(),
            GroupKey::Bucket(b, _) => b.clone(),
        }
    }
}

/// A validated query.
#[derive(Debug, Clone)]
pub struct Query {
    /// Output name.
    pub name: String,
    /// Query file path as given.
    pub path: String,
    /// The file's text, recorded in every output's manifest.
    pub text: String,
    /// What the file says.
    pub spec: QueryFile,
    /// The table it reads.
    pub table: Table,
    /// Its metrics, in column order.
    pub metrics: Vec<Metric>,
    /// Parsed group keys.
    pub keys: Vec<GroupKey>,
    /// Parsed filters: field -> accepted values.
    pub filters: Vec<(String, Vec<String>)>,
    /// since / until as given.
    pub since: Option<String>,
    /// Exclusive upper bound.
    pub until: Option<String>,
    /// answered_within in seconds, with their labels.
    pub within: Vec<(String, f64)>,
    /// (field, descending).
    pub sort: Vec<(String, bool)>,
}

/// Reads and validates a query file. Errors name the file, the line and what was expected.
pub fn parse(path: &str, text: &str) -> Result<Query, String> {
    let spec: QueryFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        format!(
            "{path}: {}{}",
            line.map(|l| format!("line {l}: ")).unwrap_or_default(),
            e.message().trim_end()
        )
    })?;
    let at = |needle: &str| {
        line_of(text, needle)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default()
    };
    let err = |needle: &str, msg: String| format!("{path}: {}{msg}", at(needle));
    let table = Table::parse(&spec.table)
        .filter(|t| *t != Table::Threads)
        .ok_or_else(|| {
            err(
                "table",
                format!(
                    "unknown table {:?} (known: interactions, mentions, documents)",
                    spec.table
                ),
            )
        })?;
    let fields = table.query_fields();
    let time_col = table.time_column().unwrap_or("");
    let known =
        |f: &str| fields.contains(&f) || f.starts_with(GIVEN_PREFIX) && table == Table::Documents;
    let name = spec.name.clone().unwrap_or_else(|| {
        std::path::Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "query".into())
    });
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(err(
            "name",
            format!(
                "name {name:?} must be letters, digits, '_' or '-' (it names the output files)"
            ),
        ));
    }
    let mut keys = Vec::new();
    for (i, g) in spec.group_by.iter().enumerate() {
        if spec.group_by[..i].contains(g) {
            return Err(err(g, format!("group_by {g:?} is listed twice")));
        }
        let key = match g.split_once('(') {
            Some((bucket, rest)) => {
                let field = rest
                    .strip_suffix(')')
                    .ok_or_else(|| err(g, format!("group_by {g:?}: expected bucket(field)")))?;
                if !BUCKETS.contains(&bucket) {
                    return Err(err(
                        g,
                        format!(
                            "group_by {g:?}: unknown time bucket {bucket:?} (known: {})",
                            BUCKETS.join(", ")
                        ),
                    ));
                }
                if time_col.is_empty() || field != time_col {
                    return Err(err(
                        g,
                        format!(
                            "group_by {g:?}: table {} has time column {:?}",
                            spec.table, time_col
                        ),
                    ));
                }
                GroupKey::Bucket(bucket.to_string(), field.to_string())
            }
            None if known(g) => GroupKey::Field(g.clone()),
            None => {
                return Err(err(
                    g,
                    format!(
                        "group_by: unknown field {g:?} of table {} (known: {})",
                        spec.table,
                        fields.join(", ")
                    ),
                ))
            }
        };
        keys.push(key);
    }
    let mut filters = Vec::new();
    let (mut since, mut until) = (None, None);
    for (field, value) in &spec.filter {
        let values: Vec<String> = match value {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Boolean(b) => vec![b.to_string()],
            toml::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    toml::Value::Boolean(b) => Ok(b.to_string()),
                    other => Err(err(
                        field,
                        format!("filter {field}: {other} is not a string"),
                    )),
                })
                .collect::<Result<_, _>>()?,
            other => {
                return Err(err(
                    field,
                    format!(
                        "filter {field}: expected a string or a list of strings, found {other}"
                    ),
                ))
            }
        };
        if values.is_empty() {
            // Read as no filter by one path and as "no row" by another, it counted different
            // rows depending on the other files of the batch.
            return Err(err(
                field,
                format!(
                    "filter {field}: an empty list; give at least one value, or leave the \
                     filter out to keep every row"
                ),
            ));
        }
        match field.as_str() {
            "since" | "until" => {
                if time_col.is_empty() {
                    return Err(err(
                        field,
                        format!("filter {field}: table {} has no time column", spec.table),
                    ));
                }
                let v = values.into_iter().next().unwrap_or_default();
                // The date parser's own message speaks of a manifest's created_at column.
                crate::ingest::date::parse(&v, None).map_err(|_| {
                    err(
                        field,
                        format!(
                            "filter {field}: {v:?} is not a date between 1970 and 2100 \
                             (expected e.g. \"2017-10-01\" or \"2017-10-01T12:00:00Z\")"
                        ),
                    )
                })?;
                if field == "since" {
                    since = Some(v)
                } else {
                    until = Some(v)
                }
            }
            f if known(f) && table.dtype_of(f) == Some(polars::prelude::DataType::Boolean) => {
                // A boolean column: any other value would silently match nothing (or false).
                if let Some(v) = values.iter().find(|v| *v != "true" && *v != "false") {
                    return Err(err(
                        field,
                        format!("filter {field}: {v:?} is not true or false"),
                    ));
                }
                filters.push((field.to_string(), values))
            }
            f if known(f) => filters.push((f.to_string(), values)),
            f => {
                return Err(err(
                    f,
                    format!(
                        "filter: unknown field {f:?} of table {} (known: {}, since, until)",
                        spec.table,
                        fields.join(", ")
                    ),
                ))
            }
        }
    }
    if spec.metrics.is_empty() {
        return Err(err(
            "metrics",
            "metrics is empty; expected at least \"stories\"".into(),
        ));
    }
    let mut metrics = Vec::new();
    for (i, m) in spec.metrics.iter().enumerate() {
        if spec.metrics[..i].contains(m) {
            return Err(err(m, format!("metric {m:?} is listed twice")));
        }
        match Metric::parse(m) {
            Some(metric) if metric.tables().contains(&table) => metrics.push(metric),
            Some(_) => {
                return Err(err(
                    m,
                    format!("metric {m:?} does not apply to table {}", spec.table),
                ))
            }
            None => {
                let known: Vec<String> = Metric::all().into_iter().map(Metric::name).collect();
                return Err(err(
                    m,
                    format!("unknown metric {m:?} (known: {})", known.join(", ")),
                ));
            }
        }
    }
    let mut within = Vec::new();
    for (i, w) in spec.answered_within.iter().enumerate() {
        if spec.answered_within[..i].contains(w) {
            return Err(err(w, format!("answered_within {w:?} is listed twice")));
        }
        let secs = super::metrics::parse_duration(w)
            .ok_or_else(|| err(w, format!("answered_within {w:?}: expected a duration like \"30m\", \"1h\", \"24h\", \"7d\"")))?;
        within.push((w.clone(), secs));
    }
    if !within.is_empty() && !metrics.iter().any(|m| m.uses_within()) {
        return Err(err(
            "answered_within",
            "answered_within applies to the metrics kaplan_meier and latency_bound, and \
             metrics has neither"
                .into(),
        ));
    }
    // The table's columns that do not depend on the data, each once: a group key and a
    // metric column of one name (group_by "switched" with channel_switch_rate) would make
    // two columns of that name.
    let mut columns: Vec<(String, String)> = keys
        .iter()
        .zip(&spec.group_by)
        .map(|(k, g)| (k.header(), format!("group_by {g:?}")))
        .collect();
    for (m, metric) in spec.metrics.iter().zip(&metrics) {
        for (c, _) in metric.columns(&within, &[]).0 {
            if let Some((_, from)) = columns.iter().find(|(name, _)| *name == c) {
                return Err(err(
                    m,
                    format!("metric {m:?} makes a column {c:?}, as {from} does; a table cannot have two"),
                ));
            }
            columns.push((c, format!("metric {m:?}")));
        }
    }
    let shares: Vec<&str> = metrics
        .iter()
        .filter_map(|m| match m {
            Metric::Share(f) => Some(f.name()),
            _ => None,
        })
        .collect();
    let mut sort: Vec<(String, bool)> = Vec::new();
    for s in &spec.sort {
        let (field, desc) = match s.strip_prefix('-') {
            Some(f) => (f.to_string(), true),
            None => (s.clone(), false),
        };
        let known_column = columns.iter().any(|(c, _)| *c == field)
            || field
                .split_once(':')
                .is_some_and(|(f, _)| shares.contains(&f));
        if !known_column {
            let mut names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            let share_cols: Vec<String> = shares.iter().map(|f| format!("{f}:VALUE")).collect();
            names.extend(share_cols.iter().map(String::as_str));
            return Err(err(
                s,
                format!(
                    "sort: unknown column {field:?} (known: {}; '-' before one sorts descending)",
                    names.join(", ")
                ),
            ));
        }
        if sort.iter().any(|(f, _)| *f == field) {
            return Err(err(s, format!("sort: column {field:?} is listed twice")));
        }
        sort.push((field, desc));
    }
    if spec.calibration.is_some() && table != Table::Interactions {
        return Err(err(
            "calibration",
            format!(
                "calibration corrects the rates of the interactions table, not of table {}",
                spec.table
            ),
        ));
    }
    if spec.min_coded.is_some() && spec.calibration.is_none() {
        return Err(err(
            "min_coded",
            "min_coded needs calibration = \"coded.jsonl\" (a coded sample)".into(),
        ));
    }
    if let Some(f) = &spec.figure {
        if !["response_rate", "kaplan_meier"].contains(&f.as_str()) {
            return Err(err(
                "figure",
                format!("unknown figure {f:?} (known: response_rate, kaplan_meier)"),
            ));
        }
        if !spec.metrics.contains(f) {
            return Err(err(
                "figure",
                format!("figure {f:?} needs the metric {f:?} in metrics"),
            ));
        }
    }
    Ok(Query {
        name,
        path: path.to_string(),
        text: text.to_string(),
        spec,
        table,
        metrics,
        keys,
        filters,
        since,
        until,
        within,
        sort,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "title = \"T\"\ntable = \"interactions\"\ngroup_by = [\"company\", \"month(opened_at)\"]\nmetrics = [\"stories\", \"response_rate\"]\nmin_n = 5\nsort = [\"-stories\"]\n[filter]\nbasis = \"thread\"\nsince = \"2017-10-01\"\n";

    #[test]
    fn parses_groups_filters_and_sort() {
        let q = parse("queries/x.toml", OK).unwrap();
        assert_eq!(q.name, "x");
        assert_eq!(
            q.keys,
            vec![
                GroupKey::Field("company".into()),
                GroupKey::Bucket("month".into(), "opened_at".into())
            ]
        );
        assert_eq!(
            q.filters,
            vec![("basis".to_string(), vec!["thread".to_string()])]
        );
        assert!(q.within.is_empty());
        let km = OK
            .replace("min_n = 5", "answered_within = [\"1h\"]")
            .replace("\"response_rate\"]", "\"kaplan_meier\"]");
        let q = parse("queries/x.toml", &km).unwrap();
        assert_eq!(q.within, vec![("1h".to_string(), 3600.0)]);
        assert_eq!(q.sort, vec![("stories".to_string(), true)]);
    }

    #[test]
    fn errors_name_file_line_and_the_known_ones() {
        let e = parse("q.toml", &OK.replace("2017-10-01", "last october")).unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 9: filter since: \"last october\" is not a date between 1970 and 2100 \
             (expected e.g. \"2017-10-01\" or \"2017-10-01T12:00:00Z\")"
        );
        let e = parse("q.toml", &OK.replace("group_by", "groupby")).unwrap_err();
        assert!(
            e.starts_with("q.toml: line 3: unknown field `groupby`, expected one of"),
            "{e}"
        );
        let e = parse("q.toml", &OK.replace("\"company\",", "\"compnay\",")).unwrap_err();
        assert!(e.starts_with("q.toml: line 3: group_by: unknown field \"compnay\" of table interactions (known: id, doc_id"), "{e}");
        let e = parse("q.toml", &OK.replace("basis = ", "basys = ")).unwrap_err();
        assert!(e.contains("line 8: filter: unknown field \"basys\""), "{e}");
        let e = parse(
            "q.toml",
            &OK.replace("\"response_rate\"", "\"reponse_rate\""),
        )
        .unwrap_err();
        assert!(
            e.contains("line 4: unknown metric \"reponse_rate\" (known: stories, response_rate"),
            "{e}"
        );
        let e = parse("q.toml", &OK.replace("month(", "quarter(")).unwrap_err();
        assert!(e.contains("unknown time bucket \"quarter\""), "{e}");
        let e = parse("q.toml", &OK.replace("-stories", "-storeis")).unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 6: sort: unknown column \"storeis\" (known: company, month, stories, \
             answered, unanswered, unknown, response_rate; '-' before one sorts descending)"
        );
        let e = parse(
            "q.toml",
            &OK.replace("\"response_rate\"]", "\"response_rate\", \"stories\"]"),
        )
        .unwrap_err();
        assert_eq!(e, "q.toml: line 4: metric \"stories\" is listed twice");
        let e = parse(
            "q.toml",
            &OK.replace("\"company\",", "\"company\", \"company\","),
        )
        .unwrap_err();
        assert_eq!(e, "q.toml: line 3: group_by \"company\" is listed twice");
        // A group key and a share metric of one field make different columns.
        let q = OK
            .replace("\"company\",", "\"responded\",")
            .replace("\"response_rate\"]", "\"share:responded\"]");
        assert!(parse("q.toml", &q).is_ok());
        let e = parse(
            "q.toml",
            &OK.replace("basis = \"thread\"", "switched = \"maybe\""),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 8: filter switched: \"maybe\" is not true or false"
        );
        let e = parse("q.toml", &OK.replace("basis = \"thread\"", "kind = []")).unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 8: filter kind: an empty list; give at least one value, or leave \
             the filter out to keep every row"
        );
        let e = parse(
            "q.toml",
            &OK.replace("\"company\",", "\"switched\",").replace(
                "\"stories\", \"response_rate\"",
                "\"stories\", \"channel_switch_rate\"",
            ),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 4: metric \"channel_switch_rate\" makes a column \"switched\", as \
             group_by \"switched\" does; a table cannot have two"
        );
        let e = parse(
            "q.toml",
            &OK.replace("min_n = 5", "answered_within = [\"1h\"]"),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 5: answered_within applies to the metrics kaplan_meier and \
             latency_bound, and metrics has neither"
        );
        let e = parse(
            "q.toml",
            &OK.replace("min_n = 5", "answered_within = [\"1 hour\"]"),
        )
        .unwrap_err();
        assert!(
            e.contains("answered_within \"1 hour\": expected a duration"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod calibration_tests {
    use super::*;

    #[test]
    fn calibration_is_for_the_interactions_table() {
        let q = "title = \"T\"\ntable = \"interactions\"\nmetrics = [\"response_rate\"]\ncalibration = \"coded.jsonl\"\nmin_coded = 20\n";
        let p = parse("q.toml", q).unwrap();
        assert_eq!(p.spec.calibration.as_deref(), Some("coded.jsonl"));
        assert_eq!(p.spec.min_coded, Some(20));
        let e = parse(
            "q.toml",
            &q.replace("interactions", "documents")
                .replace("response_rate", "stories"),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 4: calibration corrects the rates of the interactions table, not of table documents"
        );
        let e = parse("q.toml", &q.replace("calibration = \"coded.jsonl\"\n", "")).unwrap_err();
        assert_eq!(
            e,
            "q.toml: line 4: min_coded needs calibration = \"coded.jsonl\" (a coded sample)"
        );
    }
}
