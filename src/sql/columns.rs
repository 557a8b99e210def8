//! Everything the SQL translation knows about the tables' columns, in one place: which
//! fields hold lists and how they are stored, which are booleans or times, how a group key
//! reads as text, and where a table is found. When the table schema changes (lists stored
//! as Parquet lists instead of joined strings, say), this file is what changes.

use super::Dialect;

/// Fields stored as one string joining a list, with the separator (see
/// [`crate::index::tables::interactions`]).
pub const LIST_FIELDS: &[(&str, &str)] = &[("channels", ">"), ("redirect_to", ">"), ("moves", ",")];

/// Boolean columns: a filter value must be true or false; a group key reads "true"/"false".
pub const BOOL_FIELDS: &[&str] = &["switched", "inbound", "discovered"];

/// Time columns (UTC, milliseconds, stored without a time-zone tag).
pub const TIME_FIELDS: &[&str] = &["opened_at", "created_at", "responded_at"];

/// Columns the metrics read.
pub mod col {
    /// yes, no or unknown.
    pub const RESPONDED: &str = "responded";
    /// exact, at_most, at_least, approximate, bounded.
    pub const LATENCY_KIND: &str = "latency_kind";
    /// Seconds to the first response.
    pub const LATENCY_SECONDS: &str = "latency_seconds";
    /// Where an unanswered conversation is censored.
    pub const CENSOR_SECONDS: &str = "censor_seconds";
    /// text or thread.
    pub const BASIS: &str = "basis";
    /// The company moved the customer to another channel.
    pub const SWITCHED: &str = "switched";
    /// The customer's first channel.
    pub const FIRST_CHANNEL: &str = "first_channel";
    /// Channels the company redirected to (a list).
    pub const REDIRECT_TO: &str = "redirect_to";
    /// Channels in order of use (a list).
    pub const CHANNELS: &str = "channels";
    /// resolved, unresolved or unknown.
    pub const RESOLUTION: &str = "resolution";
    /// The document a mention is in.
    pub const DOC_ID: &str = "doc_id";
    /// A mention's role.
    pub const ROLE: &str = "role";
}

/// The separator of a list field, None for a plain one.
pub fn list_sep(field: &str) -> Option<&'static str> {
    LIST_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, s)| *s)
}

/// The field's elements as an array (a list field) — null when the list is empty.
pub fn list_expr(d: Dialect, field: &str) -> String {
    let sep = list_sep(field).expect("a list field");
    let c = d.ident(field);
    match d {
        // split takes a regular expression: the separators are not special in one.
        Dialect::Spark => format!("split({c}, {})", d.string(sep)),
        Dialect::Duckdb => format!("string_split({c}, {})", d.string(sep)),
    }
}

/// A list field as one text, elements joined by its separator (as switch paths show it).
pub fn joined_text(d: Dialect, field: &str) -> String {
    d.ident(field)
}

/// A field's value as the text a group key shows; "(none)" when empty.
pub fn key_expr(d: Dialect, field: &str) -> String {
    let c = d.ident(field);
    let text = if TIME_FIELDS.contains(&field) {
        // RFC 3339, whole seconds, as `replyscope query` shows a time key.
        match d {
            Dialect::Spark => format!("date_format({c}, \"yyyy-MM-dd'T'HH:mm:ss'Z'\")"),
            Dialect::Duckdb => format!("strftime({c}, '%Y-%m-%dT%H:%M:%SZ')"),
        }
    } else {
        format!("CAST({c} AS {})", d.string_type())
    };
    format!("coalesce({text}, '(none)')")
}

/// A time bucket of a time column as text: day 2017-10-31, ISO week 2017-W44, month
/// 2017-10, year 2017; "(none)" without a time.
pub fn bucket_expr(d: Dialect, bucket: &str, field: &str) -> String {
    let c = d.ident(field);
    let text = match (d, bucket) {
        (Dialect::Spark, "day") => format!("date_format({c}, 'yyyy-MM-dd')"),
        (Dialect::Spark, "month") => format!("date_format({c}, 'yyyy-MM')"),
        (Dialect::Spark, "year") => format!("date_format({c}, 'yyyy')"),
        // Spark has no ISO week-year pattern: the week's Thursday is in its ISO year.
        (Dialect::Spark, _) => format!(
            "format_string('%04d-W%02d', year(date_add(CAST({c} AS DATE), 3 - pmod(dayofweek({c}) + 5, 7))), weekofyear({c}))"
        ),
        (Dialect::Duckdb, "day") => format!("strftime({c}, '%Y-%m-%d')"),
        (Dialect::Duckdb, "month") => format!("strftime({c}, '%Y-%m')"),
        (Dialect::Duckdb, "year") => format!("strftime({c}, '%Y')"),
        (Dialect::Duckdb, _) => format!("strftime({c}, '%G-W%V')"),
    };
    format!("coalesce({text}, '(none)')")
}

/// A time literal for since/until: the column holds UTC without a zone tag.
pub fn time_literal(t: chrono::DateTime<chrono::Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.3f"))
}

/// Where a query reads its table: a view of that name (Spark's driver registers one per
/// table), or the Parquet file under `tables`.
pub fn table_ref(d: Dialect, table: &str, tables: Option<&str>) -> String {
    match (tables, d) {
        (None, _) => d.ident(table),
        (Some(dir), Dialect::Duckdb) => {
            format!(
                "read_parquet({})",
                d.string(&format!("{dir}/{table}.parquet"))
            )
        }
        (Some(dir), Dialect::Spark) => format!("parquet.`{dir}/{table}.parquet`"),
    }
}
