use super::*;
use crate::query::metrics::wilson;
use crate::query::{ColumnDef, Row};

fn table() -> Table {
    Table {
        name: "t".into(),
        title: "Response by company".into(),
        description: Some("A & B".into()),
        query_path: "queries/t.toml".into(),
        query_text: String::new(),
        columns: vec![
            ColumnDef {
                name: "company".into(),
                kind: Kind::Key,
            },
            ColumnDef {
                name: "stories".into(),
                kind: Kind::Count,
            },
            ColumnDef {
                name: "response_rate".into(),
                kind: Kind::Rate,
            },
            ColumnDef {
                name: "latency_median".into(),
                kind: Kind::Seconds,
            },
        ],
        rows: vec![
            Row {
                values: vec![
                    Value::Text("at&t_wireless".into()),
                    Value::Count(10),
                    Value::Rate(wilson(8, 10).unwrap()),
                    Value::Num(4260.0),
                ],
                n: 10,
                below_min_n: false,
            },
            Row {
                values: vec![
                    Value::Text("50%_off".into()),
                    Value::Count(2),
                    Value::Null,
                    Value::Null,
                ],
                n: 2,
                below_min_n: true,
            },
        ],
        min_n: 5,
        notes: vec!["response_rate = answered / (answered + unanswered)".into()],
        figure: Some("response_rate".into()),
        curves: Vec::new(),
        rows_read: 12,
        calibration: None,
        cells: Default::default(),
    }
}

fn prov() -> Provenance {
    Provenance {
        masking: crate::mask::Mode::Masked,
        version: "0.1.0".into(),
        index_fingerprint: "abcdef0123456789".into(),
        index_manifest_sha256: "00".into(),
        index: "index".into(),
    }
}

#[test]
fn markdown_marks_small_cells_and_says_where_numbers_come_from() {
    let md = markdown(&table(), &prov());
    assert!(
        md.contains("| at&t_wireless | 10 | 80.0% [49.0, 94.3] n=10 | 71.0 min |"),
        "{md}"
    );
    assert!(md.contains("| 50%_off † | 2 | – | – |"), "{md}");
    assert!(md.contains("† fewer than 5 stories in this row"), "{md}");
    assert!(
        md.contains("regenerate: replyscope query index queries/t.toml"),
        "{md}"
    );
}

#[test]
fn csv_has_raw_numbers_and_interval_columns() {
    let c = csv(&table());
    let mut lines = c.lines();
    assert_eq!(lines.next().unwrap(), "company,stories,response_rate,response_rate_low,response_rate_high,response_rate_n,latency_median,below_min_n");
    assert_eq!(
        lines.next().unwrap(),
        "at&t_wireless,10,0.8,0.490157,0.943319,10,4260,false"
    );
    assert_eq!(lines.next().unwrap(), "50%_off,2,,,,0,,true");
}

#[test]
fn latex_escapes_specials_and_uses_booktabs() {
    let t = latex(&table(), &prov());
    assert!(
        t.contains("\\toprule") && t.contains("\\midrule") && t.contains("\\bottomrule"),
        "{t}"
    );
    assert!(
        t.contains("at\\&t\\_wireless & 10 & 80.0\\% [49.0, 94.3] n=10 & 71.0 min \\\\"),
        "{t}"
    );
    assert!(
        t.contains("50\\%\\_off\\textsuperscript{\\dag} & 2 & -- & -- \\\\"),
        "{t}"
    );
    assert_eq!(
        latex::escape("#$%&_{}~^\\"),
        "\\#\\$\\%\\&\\_\\{\\}\\textasciitilde{}\\textasciicircum{}\\textbackslash{}"
    );
}

#[test]
fn json_rows_are_objects_with_intervals() {
    let j: serde_json::Value = serde_json::from_str(&json(&table(), &prov())).unwrap();
    assert_eq!(j["rows"][0]["response_rate"]["k"], 8);
    assert_eq!(j["rows"][0]["response_rate"]["low"], 0.490157);
    assert_eq!(j["rows"][1]["below_min_n"], true);
    assert_eq!(j["rows"][1]["response_rate"], serde_json::Value::Null);
}

#[test]
fn svg_rate_chart_is_well_formed_and_stable() {
    let a = figure(&table()).unwrap();
    assert!(a.starts_with("<svg ") && a.ends_with("</svg>\n"));
    assert!(a.contains("at&amp;t_wireless"));
    assert_eq!(a, figure(&table()).unwrap());
}
