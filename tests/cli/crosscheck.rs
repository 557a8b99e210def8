//! Our statistics against the reference Python packages (issue 10): Cohen's kappa
//! (scikit-learn), Krippendorff's alpha (`krippendorff`) and prediction-powered estimates
//! (`ppi-python`). The scripts in tests/crosscheck/ wrote the expected values with their
//! inputs; the first tests recompute them in Rust, the others rerun the scripts when
//! python3 has the packages (CI installs them) and check they still give the committed
//! values.

use super::util::*;
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

/// The query engine against DuckDB (issue 13): `benches/check_sql.py` runs the SQL of
/// `benches/sql/` on the tables of the 1,000-tweet fixture index and compares every column
/// it computes with replyscope's CSV of the same query (counts, rates, latency quantiles,
/// Kaplan-Meier, distinct documents, shares of list columns).
#[test]
fn queries_match_duckdb_on_the_same_parquet() {
    if !python_with(&["duckdb"], "pip install duckdb==2.0.0") {
        return;
    }
    let t = TestDir::new();
    let corpus = repo().join("corpus/twcs.toml");
    let data = repo().join("tests/fixtures/corpora/twcs_head1000.csv");
    let o = t.run([
        "index",
        "--corpus",
        corpus.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--out",
        "ix",
    ]);
    assert!(o.code <= 1, "{o:?}");
    let mut args: Vec<String> = vec!["query".into(), "ix".into()];
    let mut queries: Vec<_> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    queries.sort();
    args.extend(queries.iter().map(|p| p.display().to_string()));
    args.extend(["--out", "out", "--format", "csv"].map(String::from));
    let o = t.run(&args);
    assert_eq!(o.code, 0, "{o:?}");
    let check = std::process::Command::new("python3")
        .arg(repo().join("benches/check_sql.py"))
        .arg(t.path().join("ix"))
        .arg(t.path().join("out"))
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(stdout.matches(" agree").count(), 7, "{stdout}");
}
