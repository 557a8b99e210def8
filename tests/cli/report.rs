//! Issue 12: from a number to its stories. `NAME.cells.parquet` beside every table, the
//! clickable offline `report.html` (checked in headless Chromium), and masking of personal
//! data in the report, `search` and `explain`.

use super::util::*;
use polars::prelude::*;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn read_parquet(path: &Path) -> DataFrame {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(f).finish().unwrap()
}

fn strings(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    let c = df.column(c).unwrap().cast(&DataType::String).unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// Query files covering every metric, the `roles` metric both ways (counted by polars, and
/// row by row under a full-text restriction), and a documents table.
fn extra_queries(t: &TestDir) -> Vec<String> {
    let qs = [
        (
            "every_metric",
            "title = \"t\"\ntable = \"interactions\"\ngroup_by = [\"company\"]\nmetrics = [\"stories\", \"response_rate\", \"latency\", \"kaplan_meier\", \"latency_bound\", \"channel_switch_rate\", \"switch_paths\", \"resolution_rate\", \"share:channels\", \"share:moves\"]\nanswered_within = [\"1h\", \"24h\"]\n",
        ),
        (
            "roles_polars",
            "title = \"t\"\ntable = \"mentions\"\ngroup_by = [\"label\"]\nmetrics = [\"roles\"]\n[filter]\nset = \"company\"\n",
        ),
        (
            "roles_rows",
            "title = \"t\"\ntable = \"mentions\"\ngroup_by = [\"label\"]\nmetrics = [\"roles\", \"stories\"]\nsearch = \"help OR customer OR service\"\n[filter]\nset = \"company\"\n",
        ),
        (
            "documents",
            "title = \"t\"\ntable = \"documents\"\ngroup_by = [\"source\"]\nmetrics = [\"stories\"]\n",
        ),
    ];
    qs.iter()
        .map(|(name, text)| {
            t.write(&format!("qs/{name}.toml"), text);
            format!("qs/{name}.toml")
        })
        .collect()
}

/// Checks every cell of a table's JSON against its cells file: a count lists as many rows as
/// it says, a rate's denominator n rows of which k counted, a share k rows.
fn check_cells(out: &Path, name: &str) -> usize {
    let j: Json =
        serde_json::from_slice(&std::fs::read(out.join(format!("{name}.json"))).unwrap()).unwrap();
    let cells = read_parquet(&out.join(format!("{name}.cells.parquet")));
    let rows_col = cells.column("row").unwrap().u32().unwrap();
    let (cols, docs) = (strings(&cells, "column"), strings(&cells, "doc_id"));
    let counted = cells.column("counted").unwrap().bool().unwrap();
    // (row, column) -> (rows listed, counted, distinct (doc, story) pairs)
    let stories = strings(&cells, "story");
    let mut listed: BTreeMap<(u32, String), (u64, u64, BTreeSet<(String, Option<String>)>)> =
        BTreeMap::new();
    for i in 0..cells.height() {
        let e = listed
            .entry((rows_col.get(i).unwrap(), cols[i].clone().unwrap()))
            .or_default();
        e.0 += 1;
        e.1 += u64::from(counted.get(i).unwrap());
        e.2.insert((docs[i].clone().unwrap(), stories[i].clone()));
    }
    let mut checked = 0;
    for (r, row) in j["rows"].as_array().unwrap().iter().enumerate() {
        for c in j["columns"].as_array().unwrap() {
            let col = c["name"].as_str().unwrap();
            let got = listed.get(&(r as u32, col.to_string()));
            let (n, k) = got.map_or((0, 0), |g| (g.0, g.1));
            // A story is listed once per cell (tags of one document may repeat it).
            if let Some(g) = got.filter(|g| g.2.iter().all(|(_, s)| s.is_some())) {
                assert_eq!(
                    g.2.len() as u64,
                    g.0,
                    "{name} row {r} {col}: a story listed twice"
                );
            }
            let v = &row[col];
            match c["kind"].as_str().unwrap() {
                "count" => {
                    assert_eq!(Some(n), v.as_u64(), "{name} row {r} {col}: count");
                    assert_eq!(k, n, "{name} row {r} {col}: every counted");
                }
                "rate" => {
                    let (want_n, want_k) = if v.is_null() {
                        (0, 0)
                    } else {
                        (v["n"].as_u64().unwrap(), v["k"].as_u64().unwrap())
                    };
                    assert_eq!((n, k), (want_n, want_k), "{name} row {r} {col}: rate");
                }
                "share" => {
                    assert_eq!(Some(n), v["k"].as_u64(), "{name} row {r} {col}: share");
                }
                _ => assert!(got.is_none(), "{name} row {r} {col}: no cells expected"),
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn cells_list_exactly_the_rows_each_number_counts() {
    let t = TestDir::new();
    assert!(
        t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix")
            .code
            <= 1
    );
    let mut args = vec!["query".to_string(), "ix".into()];
    let queries: Vec<String> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    args.extend(queries.iter().cloned());
    args.extend(extra_queries(&t));
    args.extend(["--out".into(), "out".into()]);
    let o = t.run(&args);
    assert_eq!(o.code, 0, "{o:?}");
    let out = t.path().join("out");
    let mut total = 0;
    for q in queries.iter().chain(extra_queries(&t).iter()) {
        let name = Path::new(q)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        total += check_cells(&out, &name);
    }
    assert!(total > 500, "{total} cells checked");

    // One cell against a direct look at the index: the documents behind a company's
    // "answered" are its stories with responded = yes.
    let ix = read_parquet(&t.path().join("ix/tables/interactions.parquet"));
    let (company, responded, doc) = (
        strings(&ix, "company"),
        strings(&ix, "responded"),
        strings(&ix, "doc_id"),
    );
    let cells = read_parquet(&out.join("response_by_company.cells.parquet"));
    let (keys, cols, docs) = (
        strings(&cells, "row_key"),
        strings(&cells, "column"),
        strings(&cells, "doc_id"),
    );
    let who = "amazon";
    let want: BTreeSet<String> = (0..ix.height())
        .filter(|&i| company[i].as_deref() == Some(who) && responded[i].as_deref() == Some("yes"))
        .map(|i| doc[i].clone().unwrap())
        .collect();
    let got: BTreeSet<String> = (0..cells.height())
        .filter(|&i| keys[i].as_deref() == Some(who) && cols[i].as_deref() == Some("answered"))
        .map(|i| docs[i].clone().unwrap())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}
