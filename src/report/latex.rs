//! LaTeX writer (booktabs).

use super::{human, provenance_line, Provenance};
use crate::query::{Kind, Table};

/// Escapes text for LaTeX: the ten special characters, and typographic dashes kept as is.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' => out.push_str("\\&"),
            '%' => out.push_str("\\%"),
            '$' => out.push_str("\\$"),
            '#' => out.push_str("\\#"),
            '_' => out.push_str("\\_"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '–' => out.push_str("--"),
            '>' => out.push_str("\\textgreater{}"),
            '<' => out.push_str("\\textless{}"),
            '†' => out.push_str("\\textsuperscript{\\dag}"),
            c => out.push(c),
        }
    }
    out
}

/// A table as a LaTeX `table` with booktabs rules, caption, label and notes.
pub fn latex(t: &Table, p: &Provenance) -> String {
    let align: String = t
        .columns
        .iter()
        .map(|c| {
            if matches!(c.kind, Kind::Key | Kind::Text) {
                'l'
            } else {
                'r'
            }
        })
        .collect();
    let mut s = String::new();
    s.push_str("% requires \\usepackage{booktabs}\n");
    s.push_str(&format!(
        "% {}\n",
        escape(&provenance_line(t, p)).replace('\n', " ")
    ));
    s.push_str("\\begin{table}[htbp]\n\\centering\n\\small\n");
    s.push_str(&format!(
        "\\caption{{{}}}\n\\label{{tab:{}}}\n",
        escape(&t.title),
        escape(&t.name).replace("\\_", "-")
    ));
    s.push_str(&format!("\\begin{{tabular}}{{{align}}}\n\\toprule\n"));
    let header: Vec<String> = t.columns.iter().map(|c| escape(&c.name)).collect();
    s.push_str(&format!("{} \\\\\n\\midrule\n", header.join(" & ")));
    for r in &t.rows {
        let cells: Vec<String> = r
            .values
            .iter()
            .zip(&t.columns)
            .enumerate()
            .map(|(i, (v, c))| {
                let mut x = escape(&human(v, c.kind));
                if i == 0 && r.below_min_n {
                    x.push_str("\\textsuperscript{\\dag}");
                }
                x
            })
            .collect();
        s.push_str(&format!("{} \\\\\n", cells.join(" & ")));
    }
    s.push_str("\\bottomrule\n\\end{tabular}\n");
    let mut notes = Vec::new();
    if t.rows.iter().any(|r| r.below_min_n) {
        notes.push(format!(
            "\\textsuperscript{{\\dag}} fewer than {} stories: not reliable.",
            t.min_n
        ));
    }
    notes.extend(t.notes.iter().map(|n| escape(n)));
    if !notes.is_empty() {
        s.push_str("\\par\\smallskip\n\\begin{minipage}{\\linewidth}\\footnotesize\n");
        for n in notes {
            s.push_str(&format!("{n}\\par\n"));
        }
        s.push_str("\\end{minipage}\n");
    }
    s.push_str("\\end{table}\n");
    s
}
