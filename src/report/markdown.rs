//! Markdown writer.

use super::{human, provenance_line, Provenance};
use crate::query::Table;

/// A table as Markdown: title, description, the table, notes and provenance. Rows with fewer
/// stories than `min_n` are marked with † and a footnote.
pub fn markdown(t: &Table, p: &Provenance) -> String {
    let mut s = format!("## {}\n\n", t.title);
    if let Some(d) = &t.description {
        s.push_str(d);
        s.push_str("\n\n");
    }
    let cell = |x: &str| x.replace('|', "\\|").replace('\n', " ");
    s.push('|');
    for c in &t.columns {
        s.push_str(&format!(" {} |", cell(&c.name)));
    }
    s.push_str("\n|");
    for c in &t.columns {
        s.push_str(
            if c.kind == crate::query::Kind::Key || c.kind == crate::query::Kind::Text {
                " --- |"
            } else {
                " ---: |"
            },
        );
    }
    s.push('\n');
    for r in &t.rows {
        s.push('|');
        for (i, (v, c)) in r.values.iter().zip(&t.columns).enumerate() {
            let mut text = cell(&human(v, c.kind));
            if i == 0 && r.below_min_n {
                text.push_str(" †");
            }
            s.push_str(&format!(" {text} |"));
        }
        s.push('\n');
    }
    if t.rows.is_empty() {
        s.push_str("\n(no rows: nothing matched the query's filters)\n");
    }
    s.push('\n');
    if t.rows.iter().any(|r| r.below_min_n) {
        s.push_str(&format!(
            "† fewer than {} stories in this row: shown for completeness, not reliable.\n\n",
            t.min_n
        ));
    }
    for n in &t.notes {
        s.push_str(&format!("- {n}\n"));
    }
    s.push_str(&format!("\n{}\n", provenance_line(t, p)));
    s
}
