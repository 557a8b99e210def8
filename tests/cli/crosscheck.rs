//! Our statistics against the reference Python packages (issue 10): Cohen's kappa
//! (scikit-learn), Krippendorff's alpha (`krippendorff`) and prediction-powered estimates
//! (`ppi-python`). The scripts in tests/crosscheck/ wrote the expected values with their
//! inputs; the first tests recompute them in Rust, the others rerun the scripts when
//! python3 has the packages (CI installs them) and check they still give the committed
//! values.

use super::util::*;
use replyscope::query::{Kind, Table, Value};
use replyscope::validity::agree::{alpha_interval, alpha_nominal, cohen_kappa, percent_agreement};

fn expected(name: &str) -> serde_json::Value {
    let path = repo().join("tests/crosscheck").join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("committed expected values")).unwrap()
}

fn close(a: Option<f64>, b: &serde_json::Value, what: &str) {
    match (a, b.as_f64()) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: ours {x}, reference {y}"),
        (None, None) => {}
        (x, _) => panic!("{what}: ours {x:?}, reference {b}"),
    }
}

#[test]
fn agreement_matches_python_packages() {
    let doc = expected("agreement_expected.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        if c["level"] == "nominal" {
            let v = |k: &str| -> Vec<String> {
                c[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            };
            let (a, b) = (v("a"), v("b"));
            close(
                percent_agreement(&a, &b),
                &c["agreement"],
                &format!("{name}: agreement"),
            );
            close(cohen_kappa(&a, &b), &c["kappa"], &format!("{name}: kappa"));
            close(
                alpha_nominal(&a, &b),
                &c["alpha"],
                &format!("{name}: alpha"),
            );
        } else {
            let v = |k: &str| -> Vec<f64> {
                c[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            };
            let (a, b) = (v("a"), v("b"));
            close(
                percent_agreement(&a, &b),
                &c["agreement"],
                &format!("{name}: agreement"),
            );
            close(
                alpha_interval(&a, &b),
                &c["alpha"],
                &format!("{name}: alpha"),
            );
        }
    }
}

#[test]
fn ppi_matches_ppi_python() {
    let doc = expected("ppi_expected.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let v = |k: &str| -> Option<Vec<f64>> {
            c[k].as_array()
                .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
        };
        let w = v("w");
        let p = replyscope::query::ppi::ppi_mean(
            &v("y").unwrap(),
            &v("yhat").unwrap(),
            w.as_deref(),
            &v("yhat_unlabeled").unwrap(),
        )
        .expect("an estimate");
        close(
            Some(p.estimate),
            &c["estimate"],
            &format!("{name}: estimate"),
        );
        close(Some(p.low), &c["low"], &format!("{name}: low"));
        close(Some(p.high), &c["high"], &format!("{name}: high"));
    }
}

/// True when `python3` can import every module; otherwise one loud line (and a failure
/// under CI, where .ci/run installs them).
fn python_with(modules: &[&str], install: &str) -> bool {
    let code = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = std::process::Command::new("python3")
        .args(["-c", &code])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing(&format!("python3 with {}", modules.join(", ")), install);
    }
    ok
}

/// Reruns a script into a temp file and compares every number with the committed file.
fn rerun(script: &str, committed: &str) {
    let t = TestDir::new();
    let out = t.path().join("expected.json");
    let o = std::process::Command::new("python3")
        .arg(repo().join("tests/crosscheck").join(script))
        .arg(&out)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let fresh: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let old = expected(committed);
    let (a, b) = (
        fresh["cases"].as_array().unwrap(),
        old["cases"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len(), "{script}: number of cases");
    for (x, y) in a.iter().zip(b) {
        for k in ["a", "b", "y", "yhat", "w"] {
            assert_eq!(
                x.get(k),
                y.get(k),
                "{script}: inputs of {} changed",
                x["name"]
            );
        }
        for k in ["agreement", "kappa", "alpha", "estimate", "low", "high"] {
            if let Some(v) = x.get(k) {
                close(v.as_f64(), &y[k], &format!("{script}: {}: {k}", x["name"]));
            }
        }
    }
}

#[test]
fn agreement_script_gives_the_committed_values() {
    if python_with(
        &["krippendorff", "sklearn", "numpy"],
        "pip install krippendorff==0.9.0 scikit-learn==1.9.1",
    ) {
        rerun("agreement.py", "agreement_expected.json");
    }
}

#[test]
fn ppi_script_gives_the_committed_values() {
    if python_with(&["ppi_py", "numpy"], "pip install ppi-python==0.2.3") {
        rerun("ppi.py", "ppi_expected.json");
    }
}

/// Asserts that a table an SQL engine computed equals the one `replyscope query` computed:
/// the same columns (names and kinds), rows in the same order, counts and texts equal,
/// numbers within 1e-9 (relative to their size, at least 1).
pub fn assert_same_table(engine: &str, ours: &Table, theirs: &Table) {
    let name = &ours.name;
    let cols = |t: &Table| -> Vec<(String, Kind)> {
        t.columns.iter().map(|c| (c.name.clone(), c.kind)).collect()
    };
    assert_eq!(cols(theirs), cols(ours), "{name}: columns of {engine}");
    assert_eq!(
        theirs.rows.len(),
        ours.rows.len(),
        "{name}: rows of {engine}"
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    for (r, (a, b)) in ours.rows.iter().zip(&theirs.rows).enumerate() {
        assert_eq!(
            (a.n, a.below_min_n),
            (b.n, b.below_min_n),
            "{name}: row {r}: n and below_min_n of {engine}"
        );
        for ((x, y), c) in a.values.iter().zip(&b.values).zip(&ours.columns) {
            let same = match (x, y) {
                (Value::Num(p), Value::Num(q)) => close(*p, *q),
                (Value::Rate(p), Value::Rate(q)) => {
                    (p.k, p.n) == (q.k, q.n)
                        && close(p.p, q.p)
                        && close(p.low, q.low)
                        && close(p.high, q.high)
                }
                _ => x == y,
            };
            assert!(
                same,
                "{name}: row {r} ({:?}) column {}: replyscope {x:?}, {engine} {y:?}",
                a.values.first(),
                c.name
            );
        }
    }
    assert_eq!(
        theirs.rows_read, ours.rows_read,
        "{name}: rows read by {engine}"
    );
}

/// The query files the SQL cross-checks run: the examples and those of the mixed fixture.
pub fn sql_query_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in [repo().join("queries"), fixture("mixed/queries")] {
        let mut in_dir: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        in_dir.sort();
        files.extend(in_dir);
    }
    files
}

/// Query files for what the examples and the fixture's leave out of the typed table
/// layout (src/schema.rs), written into the test's folder: `doc_id` (the documents' id,
/// joined by the document number) as a group key and a filter, list columns as group keys
/// (joined by `>` or `,`, "(none)" for an empty list) and the documents' given labels.
pub fn layout_query_files(t: &TestDir) -> Vec<std::path::PathBuf> {
    [
        (
            "x_stories_by_doc",
            "title = \"Stories by opening document\"\ntable = \"interactions\"\n\
             group_by = [\"doc_id\", \"moves\"]\n\
             metrics = [\"stories\", \"response_rate\", \"share:redirect_to\"]\n\
             [filter]\nsource = \"edge\"\n",
        ),
        (
            "x_tags_of_docs",
            "title = \"Tags of some documents\"\ntable = \"mentions\"\n\
             group_by = [\"doc_id\", \"set\"]\nmetrics = [\"stories\", \"roles\"]\n\
             [filter]\ndoc_id = [\"edge:e1\", \"edge:e3\", \"twcs:1\", \"twcs:3\", \
             \"seeds:000_fdbd4c938871ac11.txt\", \"no:such\"]\n",
        ),
        (
            "x_lists_as_keys",
            "title = \"Stories by channels and redirects\"\ntable = \"interactions\"\n\
             group_by = [\"channels\", \"redirect_to\"]\n\
             metrics = [\"stories\", \"switch_paths\", \"latency\", \"share:moves\"]\n",
        ),
        (
            "x_documents_given",
            "title = \"Documents by given company\"\ntable = \"documents\"\n\
             group_by = [\"given_company\", \"inbound\", \"kind\"]\nmetrics = [\"stories\"]\n\
             sort = [\"-stories\"]\n[filter]\nsource = [\"airline\", \"cfpb\", \"edge\"]\n",
        ),
    ]
    .into_iter()
    .map(|(name, text)| t.write(&format!("layout_queries/{name}.toml"), text))
    .collect()
}

/// Builds the index of the mixed fixture (four slices, every kind of interaction).
pub fn mixed_index(t: &TestDir) -> std::path::PathBuf {
    let out = t.run([
        "index".as_ref(),
        "--corpus".as_ref(),
        fixture("mixed/corpus.toml").as_os_str(),
        "--out".as_ref(),
        t.path().join("ix").as_os_str(),
    ]);
    // Exit 1: the airline slice holds three duplicate tweet ids, rejected on purpose.
    assert_eq!(out.code, 1, "{}", out.stderr);
    t.path().join("ix")
}

/// issue 11: the SQL `replyscope sql --dialect duckdb` generates gives, in DuckDB, every
/// cell `replyscope query` computes, for every example query file, the fixture's and
/// [`layout_query_files`], over the tables as `replyscope index` writes them.
#[test]
fn duckdb_runs_the_generated_sql_to_the_same_tables() {
    if !python_with(&["duckdb"], "pip install duckdb==2.0.0") {
        return;
    }
    let t = TestDir::new();
    let ix = mixed_index(&t);
    let mut files = sql_query_files();
    files.extend(layout_query_files(&t));
    let mut args: Vec<std::ffi::OsString> = vec!["sql".into()];
    args.extend(files.iter().map(|f| f.clone().into_os_string()));
    args.extend(["--dialect", "duckdb", "--json", "--tables"].map(Into::into));
    args.push(ix.join("tables").into_os_string());
    let out = t.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    t.write("statements.json", &out.stdout);
    let o = std::process::Command::new("python3")
        .arg(repo().join("tests/crosscheck/sql_rows.py"))
        .arg(t.path().join("statements.json"))
        .arg(t.path().join("rows"))
        .output()
        .expect("run python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in &files {
        let path = f.display().to_string();
        let q =
            replyscope::query::spec::parse(&path, &std::fs::read_to_string(f).unwrap()).unwrap();
        let ours = replyscope::query::run(&ix, &q).unwrap();
        let rows: Vec<serde_json::Value> =
            std::fs::read_to_string(t.path().join("rows").join(format!("{}.jsonl", q.name)))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        let theirs = replyscope::sql::table_from_rows(&q, &rows).unwrap();
        assert_same_table("DuckDB", &ours, &theirs);
    }
}
