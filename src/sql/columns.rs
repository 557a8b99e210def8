//! Everything the SQL translation knows about the tables' columns, in one place: which
//! fields hold lists and how a list reads as one text, which are booleans or times, how a
//! group key reads as text, where a table is found and how a query's `doc_id` is joined
//! from the documents table. The names and types themselves come from the one typed schema,
//! [`crate::schema`]: no column is named here in a string.

use super::Dialect;
use crate::schema::{self, Table, D, DOC_ID};
use polars::prelude::DataType;

/// The type of a query field of a table: the stored column's, text for `doc_id` (the
/// documents' string id, joined by `doc`); `None` for no such field.
pub fn dtype(table: Table, field: &str) -> Option<DataType> {
    if field == DOC_ID {
        Some(DataType::String)
    } else {
        table.dtype_of(field)
    }
}

/// Whether the field is a list column (channels, moves, redirect_to, replies): a filter
/// value matches a row whose list contains it.
pub fn is_list(table: Table, field: &str) -> bool {
    matches!(dtype(table, field), Some(DataType::List(_)))
}

/// Whether the field is a boolean column: a filter value is true or false, a group key
/// reads "true"/"false".
pub fn is_bool(table: Table, field: &str) -> bool {
    dtype(table, field) == Some(DataType::Boolean)
}

/// Whether the field is a time column (UTC, milliseconds, stored without a time-zone tag).
pub fn is_time(table: Table, field: &str) -> bool {
    matches!(dtype(table, field), Some(DataType::Datetime(..)))
}

/// A list field's elements joined into one text by its separator ([`schema::list_separator`]:
/// `>` for channels and redirects, `,` for moves), null when the list is empty or null, as
/// `replyscope query` reads a list as a group key or a switch path.
pub fn joined_text(d: Dialect, field: &str) -> String {
    let c = d.ident(field);
    format!(
        "CASE WHEN {} > 0 THEN {} END",
        d.list_len(&c),
        d.join(&c, schema::list_separator(field))
    )
}

/// A field's value as the text a group key shows; "(none)" when empty.
pub fn key_expr(d: Dialect, table: Table, field: &str) -> String {
    let c = d.ident(field);
    let text = if is_time(table, field) {
        // RFC 3339, whole seconds, as `replyscope query` shows a time key.
        match d {
            Dialect::Spark => format!("date_format({c}, \"yyyy-MM-dd'T'HH:mm:ss'Z'\")"),
            Dialect::Duckdb => format!("strftime({c}, '%Y-%m-%dT%H:%M:%SZ')"),
        }
    } else if is_list(table, field) {
        joined_text(d, field)
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

/// Where a query reads a table: a view of that name (Spark's driver registers one per
/// table), or the Parquet file under `tables`.
pub fn table_ref(d: Dialect, table: Table, tables: Option<&str>) -> String {
    let name = table.name();
    match (tables, d) {
        (None, _) => d.ident(name),
        (Some(dir), Dialect::Duckdb) => {
            format!(
                "read_parquet({})",
                d.string(&format!("{dir}/{name}.parquet"))
            )
        }
        (Some(dir), Dialect::Spark) => format!("parquet.`{dir}/{name}.parquet`"),
    }
}

/// The rows a query reads: its table, with a column `doc_id` when the query filters or
/// groups on it: the documents' string id, joined by the document number `doc` (a left
/// join, as `replyscope query` joins it; the documents' own `id` for the documents table).
pub fn rows_ref(d: Dialect, table: Table, doc_id: bool, tables: Option<&str>) -> String {
    let from = table_ref(d, table, tables);
    if !doc_id {
        return from;
    }
    let (doc, id, doc_id) = (
        d.ident(D::Doc.name()),
        d.ident(D::Id.name()),
        d.ident(DOC_ID),
    );
    if table == Table::Documents {
        return format!("(SELECT x.*, x.{id} AS {doc_id} FROM {from} AS x)");
    }
    format!(
        "(SELECT x.*, i.{id} AS {doc_id} FROM {from} AS x LEFT JOIN (SELECT {doc}, {id} FROM {}) AS i ON x.{doc} = i.{doc})",
        table_ref(d, Table::Documents, tables)
    )
}
