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
    type Listed = (u64, u64, BTreeSet<(String, Option<String>)>);
    let mut listed: BTreeMap<(u32, String), Listed> = BTreeMap::new();
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
    t.index_fixture_tweets();
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
    let ix = table(&t.path().join("ix"), "interactions");
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

/// An index of the privacy fixture (one tweet per kind of personal data).
fn privacy_index(t: &TestDir) {
    let o = t.index_data("twcs.toml", "privacy/threads.csv", "ix");
    assert_eq!(o.code, 0, "{o:?}");
}

const PERSONAL: &[&str] = &[
    "555-123-4567",
    "jane.doe@example.com",
    "4111 1111 1111 1111",
    "00123456789",
    "Baker Street",
    "JaneDoe_88",
    "@900001",
    "@900003",
];

const KEPT: &[&str] = &[
    "@sprintcare",
    "UA 1234",
    "2017-10-31",
    "10:45",
    "#123-456-7890",
    "1Z999AA10123456784",
    "1-800-275-2273",
];

#[test]
fn search_masks_personal_data_unless_unmasked() {
    let t = TestDir::new();
    privacy_index(&t);
    let o = t.run([
        "search",
        "ix",
        "bill OR charged OR tech OR sorry",
        "--context",
        "400",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    for p in PERSONAL {
        assert!(!o.stdout.contains(p), "{p} shown: {}", o.stdout);
    }
    for k in KEPT {
        assert!(o.stdout.contains(k), "{k} masked: {}", o.stdout);
    }
    for m in [
        "[phone]",
        "[email]",
        "[card]",
        "[account]",
        "[address]",
        "@user_",
    ] {
        assert!(o.stdout.contains(m), "{m} missing: {}", o.stdout);
    }
    // The match is found in the masked line, and its offsets are those of the stored text.
    let o = t.run(["search", "ix", "charged", "--format", "json"]);
    let hit: Json = serde_json::from_str(o.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(hit["match"], "charged");
    assert_eq!(hit["match_start"], 16);
    let o = t.run([
        "search",
        "ix",
        "bill OR charged OR tech",
        "--context",
        "400",
        "--unmask",
    ]);
    for p in [
        "555-123-4567",
        "jane.doe@example.com",
        "4111 1111 1111 1111",
        "Baker Street",
    ] {
        assert!(o.stdout.contains(p), "--unmask hides {p}: {}", o.stdout);
    }
}

#[test]
fn explain_masks_the_text_and_the_author() {
    let t = TestDir::new();
    privacy_index(&t);
    let o = t.run(["explain", "ix", "twcs:1"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        !o.stdout.contains("900001") && !o.stdout.contains("555-123-4567"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("author: user_") && o.stdout.contains("[phone]"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("@sprintcare"), "{}", o.stdout);
    // The company's reply names the customer by the same pseudonym as the author line.
    let o1 = t.run(["explain", "ix", "twcs:2", "--format", "json"]);
    let e: Json = serde_json::from_str(&o1.stdout).unwrap();
    assert_eq!(e["document"]["author"], "sprintcare");
    let text = e["document"]["text"].as_str().unwrap();
    assert!(text.starts_with("@user_"), "{text}");
    let o = t.run(["explain", "ix", "twcs:1", "--unmask"]);
    assert!(o.stdout.contains("author: 900001") && o.stdout.contains("555-123-4567"));
}

#[test]
fn report_masks_stories_records_it_and_unmask_shows_them() {
    let t = TestDir::new();
    privacy_index(&t);
    let queries = repo().join("queries");
    let report = |out: &str, extra: &[&str]| -> (String, Json) {
        let mut args = vec![
            "report",
            "ix",
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let o = t.run(&args);
        assert_eq!(o.code, 0, "{o:?}");
        assert!(o.stderr.contains("report ->"), "{}", o.stderr);
        let html = std::fs::read_to_string(t.path().join(out).join("report.html")).unwrap();
        let m: Json = serde_json::from_slice(
            &std::fs::read(t.path().join(out).join("report.manifest.json")).unwrap(),
        )
        .unwrap();
        (html, m)
    };
    let (html, m) = report("out", &[]);
    for p in PERSONAL {
        assert!(!html.contains(p), "{p} in the report");
    }
    for k in [
        "@sprintcare",
        "[phone]",
        "[email]",
        "[card]",
        "[account]",
        "[address]",
        "UA 1234",
    ] {
        assert!(html.contains(k), "{k} not in the report");
    }
    assert_eq!(m["masking"], "masked");
    assert_eq!(m["report_html_sha256"].as_str().unwrap().len(), 64, "{m}");
    let table: Json = serde_json::from_slice(
        &std::fs::read(t.path().join("out/response_by_company.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(table["masking"], "masked");
    // A pseudonym holds within the run: tweet 1's author and the reply's @handle are one
    // person, shown alike; another run draws another key.
    let pseudonyms = |html: &str| -> BTreeSet<String> {
        html.match_indices("user_")
            .filter_map(|(i, _)| html.get(i..i + 13))
            .filter(|p| p[5..].chars().all(|c| c.is_ascii_hexdigit()))
            .map(str::to_string)
            .collect()
    };
    let first = pseudonyms(&html);
    assert!(!first.is_empty());
    assert!(
        first.iter().any(|p| html.matches(p.as_str()).count() >= 2),
        "{first:?}"
    );
    let (again, _) = report("out2", &[]);
    assert!(
        pseudonyms(&again).is_disjoint(&first),
        "pseudonyms must not repeat across runs"
    );

    let (raw, m) = report("out3", &["--unmask"]);
    assert_eq!(m["masking"], "unmasked");
    for p in [
        "555-123-4567",
        "jane.doe@example.com",
        "Baker Street",
        "@900001",
    ] {
        assert!(raw.contains(p), "--unmask hides {p}");
    }
    let table: Json = serde_json::from_slice(
        &std::fs::read(t.path().join("out3/response_by_company.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(table["masking"], "unmasked");
}

/// Runs headless Chromium on a page; returns (DOM, stderr). `extra` adds flags.
fn chromium(page: &Path, hash: &str, extra: &[String]) -> Option<(String, String)> {
    let bin = Path::new("/usr/bin/chromium");
    if !bin.exists() {
        tool_missing(
            "chromium (/usr/bin/chromium)",
            "apt-get install -y chromium",
        );
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}{hash}", page.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    use std::io::Read;
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        so.read_to_string(&mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        se.read_to_string(&mut s).ok();
        s
    });
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some((out.join().unwrap(), err.join().unwrap()))
}

/// What report.html#selftest wrote into its DOM.
fn selftest(dom: &str) -> Json {
    let start = dom
        .find("<pre id=\"selftest\"")
        .expect("selftest element in the DOM");
    let body = &dom[start..];
    let open = body.find('>').unwrap() + 1;
    let close = body.find("</pre>").unwrap();
    let text = unescape(&body[open..close]);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("selftest output is not JSON ({e}): {text}"))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Issue 12, item 5: the report of a fixture corpus in headless Chromium. The page loads
/// with no error and no network request (a fetch is refused), every table has the rows and
/// cells of its CSV with the CSV's values, a click on a number opens its stories with
/// evidence marked, the filter, Escape, the arrow keys and sorting work; a screenshot goes
/// to target/ for a person to look at.
#[test]
fn report_works_in_headless_chromium() {
    if !Path::new("/usr/bin/chromium").exists() {
        tool_missing(
            "chromium (/usr/bin/chromium)",
            "apt-get install -y chromium",
        );
        return;
    }
    for (corpus, data) in [
        ("twcs.toml", "corpora/twcs_head1000.csv"),
        ("cfpb.toml", "corpora/cfpb_complaints.csv"),
    ] {
        let t = TestDir::new();
        assert!(t.index_data(corpus, data, "ix").code <= 1);
        let queries = repo().join("queries");
        let o = t.run([
            "report",
            "ix",
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            "out",
            "--stories-per-cell",
            "5",
        ]);
        assert_eq!(o.code, 0, "{o:?}");
        let page = t.path().join("out/report.html");
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains("default-src 'none'") && html.contains("connect-src 'none'"));
        assert!(
            !html.contains(" src=") && !html.contains("href=\"http"),
            "nothing to load"
        );
        let (dom, err) = chromium(&page, "#selftest", &["--dump-dom".to_string()]).unwrap();
        let r = selftest(&dom);
        assert_eq!(
            r["errors"],
            serde_json::json!([]),
            "{corpus}: page errors; chromium said: {err}"
        );
        assert_eq!(
            r["resources"],
            serde_json::json!([]),
            "{corpus}: network requests"
        );
        assert_eq!(r["fetch_blocked"], true, "{corpus}: {r}");
        let v = r["violations"].as_array().unwrap();
        assert!(
            v.iter()
                .all(|v| v.as_str().unwrap().starts_with("connect-src")),
            "{corpus}: only the selftest's own fetch is refused: {v:?}"
        );

        // Every table: the rows and cells of its CSV, with the CSV's values.
        let tables = r["tables"].as_array().unwrap();
        assert_eq!(tables.len(), 7, "{corpus}: one per query file");
        for tbl in tables {
            let name = tbl["name"].as_str().unwrap();
            let j: Json = serde_json::from_slice(
                &std::fs::read(t.path().join(format!("out/{name}.json"))).unwrap(),
            )
            .unwrap();
            let columns: Vec<&str> = j["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap())
                .collect();
            let header: Vec<String> = tbl["header"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            assert_eq!(header, columns, "{corpus} {name}: columns");
            let mut csv = csv::Reader::from_path(t.path().join(format!("out/{name}.csv"))).unwrap();
            let csv_header: Vec<String> =
                csv.headers().unwrap().iter().map(str::to_string).collect();
            let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
            assert_eq!(tbl["rows"], records.len(), "{corpus} {name}: rows");
            for (i, cells) in tbl["cells"].as_array().unwrap().iter().enumerate() {
                assert_eq!(
                    cells,
                    &serde_json::json!(columns.len()),
                    "{corpus} {name} row {i}"
                );
            }
            for (i, rec) in records.iter().enumerate() {
                let shown = &tbl["values"][i];
                for (ci, c) in columns.iter().enumerate() {
                    let at = csv_header.iter().position(|h| h == c).unwrap();
                    assert_eq!(
                        unescape(shown[ci].as_str().unwrap()),
                        &rec[at],
                        "{corpus} {name} row {i} {c}"
                    );
                }
            }
        }

        // A click opens the stories behind a number, evidence marked, with explain lines.
        let c = &r["click"];
        assert_eq!(c["panel_open"], true, "{corpus}: {c}");
        let n = c["n"].as_u64().unwrap();
        assert_eq!(c["stories"].as_u64().unwrap(), n.min(5), "{corpus}: {c}");
        if n > 5 {
            assert!(
                c["info"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{} more", n - 5)),
                "{c}"
            );
        }
        assert!(
            c["marks"].as_u64().unwrap() > 0,
            "{corpus}: evidence highlighted: {c}"
        );
        assert!(
            c["rules"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.as_str().unwrap().contains('.')),
            "{corpus}: each mark names its rule: {c}"
        );
        assert!(
            c["commands"][0]
                .as_str()
                .unwrap()
                .starts_with("replyscope explain ix "),
            "{c}"
        );
        assert_eq!(r["filter"]["visible"], 1, "{corpus}: {r}");
        assert_eq!(r["closed_by_escape"], true);
        assert_eq!(r["focus_back"], true);
        assert_eq!(r["arrow_moved"], true);
        assert_eq!(r["sort"]["aria"], "ascending");
        let sorted: Vec<f64> = r["sort"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().unwrap().parse().ok())
            .collect();
        assert!(
            sorted.windows(2).all(|w| w[0] <= w[1]),
            "{corpus}: {sorted:?}"
        );

        // A picture for a person: the page with a cell's stories open.
        let shot = repo().join("target").join(format!(
            "report-screenshot-{}.png",
            corpus.trim_end_matches(".toml")
        ));
        std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&shot);
        chromium(
            &page,
            "#selftest",
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1280,1600".into(),
                "--hide-scrollbars".into(),
            ],
        );
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "{}: screenshot of {size} bytes",
            shot.display()
        );
    }
}

/// With --unmask (no per-run pseudonyms) the page is the same bytes at any thread count and
/// on every run: the same stories sampled, in the same order.
#[test]
fn unmasked_report_is_identical_at_any_thread_count() {
    let t = TestDir::new();
    t.index_fixture_tweets();
    let queries = repo().join("queries");
    let page = |threads: &str, out: &str| {
        let o = t.run([
            "report",
            "ix",
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            out,
            "--threads",
            threads,
            "--unmask",
            "--stories-per-cell",
            "3",
        ]);
        assert_eq!(o.code, 0, "{o:?}");
        std::fs::read(t.path().join(out).join("report.html")).unwrap()
    };
    let a = page("1", "a");
    assert!(
        a == page("4", "b"),
        "report.html differs between --threads 1 and 4"
    );
    // Another seed samples other stories.
    let o = t.run([
        "report",
        "ix",
        "--queries",
        queries.to_str().unwrap(),
        "--out",
        "c",
        "--unmask",
        "--stories-per-cell",
        "3",
        "--story-seed",
        "9",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(std::fs::read(t.path().join("c/report.html")).unwrap() != a);
}
