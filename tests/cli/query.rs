//! `replyscope run` and `replyscope query`: outputs in every format, determinism across runs
//! and thread counts, broken query files, index reuse.

use super::util::*;
use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn run_seeds(t: &TestDir, extra: &[&str]) -> Output {
    let corpus = repo().join("corpus/corpus.toml");
    let queries = repo().join("queries");
    let mut args = vec![
        "run",
        "--corpus",
        corpus.to_str().unwrap(),
        "--queries",
        queries.to_str().unwrap(),
        "--index",
        "ix",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    t.run(args)
}

#[test]
fn run_on_the_seed_stories_writes_every_format_with_provenance() {
    let t = TestDir::new();
    let o = run_seeds(&t, &[]);
    assert!(o.code <= 1, "{o:?}");
    let out = files(&t.path().join("out"));
    for name in [
        "response_by_company",
        "channel_switches",
        "outcomes_by_company",
        "monthly",
        "mentions_vs_subjects",
        "response_by_channel",
    ] {
        for ext in ["md", "csv", "json", "tex", "manifest.json"] {
            assert!(
                out.contains_key(&format!("{name}.{ext}")),
                "{name}.{ext} missing: {:?}",
                out.keys()
            );
        }
    }
    assert!(out.contains_key("response_by_company.svg"));
    let md = String::from_utf8(out["response_by_company.md"].clone()).unwrap();
    assert!(
        md.starts_with("## Response rate and time to first response by company"),
        "{md}"
    );
    assert!(md.contains("| zappos"), "{md}");
    assert!(md.contains("regenerate: replyscope query ix"), "{md}");
    let m: serde_json::Value =
        serde_json::from_slice(&out["response_by_company.manifest.json"]).unwrap();
    assert_eq!(
        m["index_fingerprint"],
        manifest(&t.path().join("ix"))["fingerprint"]
    );
    assert!(m["query"]
        .as_str()
        .unwrap()
        .contains("table = \"interactions\""));
    assert!(m["generated_at"].as_str().is_some());
    // A passing mention never becomes an interaction: the naive count is larger.
    let mv = String::from_utf8(out["mentions_vs_subjects.csv"].clone()).unwrap();
    assert!(mv.lines().any(|l| l.starts_with("dell,1,0,1,")), "{mv}");
    assert!(
        o.stderr
            .contains("response_by_company.toml -> out/response_by_company.*"),
        "{}",
        o.stderr
    );

    // Second run: nothing changed, so the index is reused; tables are byte-identical.
    let o = run_seeds(&t, &[]);
    assert!(o.stderr.contains("is up to date"), "{}", o.stderr);
    let again = files(&t.path().join("out"));
    for (name, bytes) in &out {
        // report.html: pseudonyms come from a per-run key (tests/cli/report.rs checks the
        // page is the same bytes with --unmask).
        if !name.ends_with("manifest.json") && name != "report.html" {
            assert_eq!(bytes, &again[name], "{name} changed between identical runs");
        }
    }
}

#[test]
fn tables_and_parquet_are_identical_at_any_thread_count() {
    let t = TestDir::new();
    let data = fixture("corpora/twcs_head1000.csv");
    let manifest_path = repo().join("corpus/twcs.toml");
    let queries = repo().join("queries");
    let mut outputs = Vec::new();
    for threads in ["1", "8"] {
        // Same relative paths in two folders, so provenance lines are the same too.
        let cwd = t.path().join(format!("t{threads}"));
        std::fs::create_dir_all(&cwd).unwrap();
        let o = t.run_in(
            &cwd,
            [
                "run",
                "--threads",
                threads,
                "--corpus",
                manifest_path.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
                "--queries",
                queries.to_str().unwrap(),
                "--index",
                "ix",
                "--out",
                "out",
            ],
        );
        assert_eq!(o.code, 0, "{o:?}");
        outputs.push((files(&cwd.join("out")), files(&cwd.join("ix/tables"))));
    }
    let ((a, pa), (b, pb)) = (&outputs[0], &outputs[1]);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in a {
        if !name.ends_with("manifest.json") && name != "report.html" {
            assert!(
                bytes == &b[name],
                "{name} differs between --threads 1 and 8"
            );
        }
    }
    for (name, bytes) in pa {
        assert!(
            bytes == &pb[name],
            "{name} differs between --threads 1 and 8"
        );
    }
    assert!(
        a.contains_key("response_time_curves.svg"),
        "KM figure drawn for thread data"
    );
}

#[test]
fn a_broken_query_file_is_reported_and_the_others_still_run() {
    let t = TestDir::new();
    assert!(run_seeds(&t, &[]).code <= 1);
    t.write(
        "q/good.toml",
        "title = \"Good\"\ntable = \"interactions\"\nmetrics = [\"stories\"]\n",
    );
    t.write("q/typo.toml", "title = \"Bad\"\ntable = \"interactions\"\ngroup_by = [\"compnay\"]\nmetrics = [\"stories\"]\n");
    t.write(
        "q/key.toml",
        "title = \"Bad\"\ntable = \"interactions\"\nmetric = [\"stories\"]\n",
    );
    let o = t.run([
        "query",
        "ix",
        "q/good.toml",
        "q/typo.toml",
        "q/key.toml",
        "--out",
        "qo",
    ]);
    assert_eq!(
        o.code, 2,
        "exit status = number of failed query files: {o:?}"
    );
    assert!(o.stderr.contains("q/typo.toml: line 3: group_by: unknown field \"compnay\" of table interactions (known: id, doc_id, source, kind, basis, company,"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("q/key.toml: line 3: unknown field `metric`, expected one of"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("2 of 3 query files failed"),
        "{}",
        o.stderr
    );
    assert!(t.path().join("qo/good.md").exists());
}

#[test]
fn refuses_to_write_into_a_folder_that_is_not_ours() {
    let t = TestDir::new();
    assert!(run_seeds(&t, &[]).code <= 1);
    t.write("thesis/chapter1.tex", "draft");
    let q = repo().join("queries/monthly.toml");
    let o = t.run(["query", "ix", q.to_str().unwrap(), "--out", "thesis"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("thesis: exists and is not a replyscope output folder"),
        "{}",
        o.stderr
    );
    assert_eq!(
        std::fs::read_dir(t.path().join("thesis")).unwrap().count(),
        1
    );
}

#[test]
fn run_rebuilds_when_an_input_changes() {
    let t = TestDir::new();
    std::fs::create_dir_all(t.path().join("c/posts")).unwrap();
    t.write("c/corpus.toml", "version = 1\n[[source]]\nname = \"p\"\npath = \"posts/*.txt\"\nformat = \"text\"\nkind = \"blog\"\n");
    t.write(
        "c/posts/a.txt",
        "I tweeted @Zappos_Service and within 10 minutes they replied.\n",
    );
    let queries = repo().join("queries");
    let run = || {
        t.run([
            "run",
            "--corpus",
            "c/corpus.toml",
            "--queries",
            queries.to_str().unwrap(),
            "--index",
            "ix",
            "--out",
            "out",
        ])
    };
    assert_eq!(run().code, 0);
    assert!(run().stderr.contains("up to date"));
    t.write(
        "c/posts/b.txt",
        "I emailed Comcast twice and never heard back.\n",
    );
    let o = run();
    assert!(
        !o.stderr.contains("up to date") && o.stderr.contains("2 records read"),
        "{}",
        o.stderr
    );
    let csv = std::fs::read_to_string(t.path().join("out/response_by_company.csv")).unwrap();
    assert!(csv.contains("comcast,1,0,1,0,0,"), "{csv}");
}

#[test]
fn a_closed_stderr_does_not_stop_the_run_half_way() {
    // `replyscope run 2>&1 | head -1`: writing progress lines to a closed pipe must not
    // panic (exit 101) and leave half the tables old.
    let t = TestDir::new();
    let mut child = t
        .command([
            "run",
            "--corpus",
            repo().join("corpus/corpus.toml").to_str().unwrap(),
            "--queries",
            repo().join("queries").to_str().unwrap(),
            "--index",
            "ix",
            "--out",
            "out",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let queries = std::fs::read_dir(repo().join("queries")).unwrap().count();
    let manifests = std::fs::read_dir(t.path().join("out"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".manifest.json")
        })
        .count();
    // One manifest per table, and the report's.
    assert_eq!(manifests, queries + 1, "every query wrote its tables");
    assert!(t.path().join("out/report.html").is_file());
}

/// Every metric alone and with every other one, on the whole table and per company: each
/// column has the same value whatever else the query asks, and the counts equal a direct
/// count of the Parquet rows. Issue 15.1: `metrics = ["stories"]` alone read no column and
/// counted 0 rows of an index with 6 interactions.
#[test]
fn every_metric_alone_and_combined_counts_like_a_direct_count() {
    use polars::prelude::*;
    let t = TestDir::new();
    t.index_fixture_tweets();
    let metrics = [
        "stories",
        "response_rate",
        "latency",
        "kaplan_meier",
        "latency_bound",
        "channel_switch_rate",
        "switch_paths",
        "resolution_rate",
        "share:responded",
        "share:channels",
    ];
    let mut sets: Vec<Vec<&str>> = metrics.iter().map(|m| vec![*m]).collect();
    for (i, a) in metrics.iter().enumerate() {
        for b in &metrics[i + 1..] {
            sets.push(vec![a, b]);
        }
    }
    sets.push(metrics.to_vec());
    let mut files = Vec::new();
    for (k, set) in sets.iter().enumerate() {
        for (suffix, group) in [("all", ""), ("by", "group_by = [\"company\"]\n")] {
            let list: Vec<String> = set.iter().map(|m| format!("{m:?}")).collect();
            let name = format!("q{k:03}_{suffix}");
            let within = if set.contains(&"kaplan_meier") || set.contains(&"latency_bound") {
                "answered_within = [\"1h\"]\n"
            } else {
                ""
            };
            t.write(
                &format!("qs/{name}.toml"),
                format!(
                    "title = \"t\"\ntable = \"interactions\"\n{group}metrics = [{}]\n{within}",
                    list.join(", ")
                ),
            );
            files.push(name);
        }
    }
    let mut args = vec!["query".to_string(), "ix".into()];
    args.extend(files.iter().map(|f| format!("qs/{f}.toml")));
    args.extend([
        "--out".into(),
        "out".into(),
        "--format".into(),
        "json".into(),
    ]);
    let o = t.run(&args);
    assert_eq!(o.code, 0, "{o:?}");

    // Direct counts from the table.
    let df = table(&t.path().join("ix"), "interactions");
    let text = |c: &str| -> Vec<Option<String>> {
        let c = df.column(c).unwrap().cast(&DataType::String).unwrap();
        c.str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let (company, responded, resolution) = (text("company"), text("responded"), text("resolution"));
    let switched = text("switched");
    let mut direct: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
    for i in 0..df.height() {
        for key in [
            "(all)".to_string(),
            company[i].clone().unwrap_or("(none)".into()),
        ] {
            let d = direct.entry(key).or_default();
            *d.entry("stories").or_default() += 1;
            let r = responded[i].as_deref();
            *d.entry("answered").or_default() += u64::from(r == Some("yes"));
            *d.entry("unanswered").or_default() += u64::from(r == Some("no"));
            *d.entry("unknown").or_default() += u64::from(r == Some("unknown"));
            let s = resolution[i].as_deref();
            *d.entry("resolved").or_default() += u64::from(s == Some("resolved"));
            *d.entry("unresolved").or_default() += u64::from(s == Some("unresolved"));
            *d.entry("switched").or_default() += u64::from(switched[i].as_deref() == Some("true"));
        }
    }
    assert!(direct["(all)"]["stories"] > 0);

    // Every cell, keyed by (group, column), must agree across queries and with the direct count.
    let mut seen: BTreeMap<(String, String), serde_json::Value> = BTreeMap::new();
    for name in &files {
        let j: serde_json::Value = serde_json::from_slice(
            &std::fs::read(t.path().join(format!("out/{name}.json"))).unwrap(),
        )
        .unwrap();
        let rows = j["rows"].as_array().unwrap();
        if name.ends_with("_all") {
            assert_eq!(rows.len(), 1, "{name}: one row for the whole table");
        } else {
            assert_eq!(rows.len(), direct.len() - 1, "{name}: one row per company");
        }
        for row in rows {
            let key = row
                .get("company")
                .and_then(|v| v.as_str())
                .unwrap_or("(all)")
                .to_string();
            for (col, v) in row.as_object().unwrap() {
                if col == "company" {
                    continue;
                }
                if let Some(want) = direct[&key].get(col.as_str()) {
                    assert_eq!(v.as_u64(), Some(*want), "{name}: {key} {col}");
                }
                match seen.get(&(key.clone(), col.clone())) {
                    Some(prev) => {
                        assert_eq!(prev, v, "{name}: {key} {col} depends on the metric set")
                    }
                    None => {
                        seen.insert((key.clone(), col.clone()), v.clone());
                    }
                }
            }
        }
    }
}

/// A batch reads a table once, keeping only the rows some query of it can use: with every
/// mentions query filtering `set`, only the union of their values. A query whose filter that
/// read already applied does not apply it again (and the column is not read for it); one
/// whose values are fewer than the union still filters. Each query's counts equal a direct
/// count of the Parquet rows, in the batch and alone.
#[test]
fn a_batch_applies_each_filter_the_shared_read_did_not() {
    let t = TestDir::new();
    t.index_fixture_tweets();
    let sets: [(&str, &[&str]); 4] = [
        ("company", &["company"]),
        ("company_again", &["company"]),
        ("company_channel", &["company", "channel"]),
        ("channel", &["channel"]),
    ];
    for (name, values) in sets {
        let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        t.write(
            &format!("qs/{name}.toml"),
            format!(
                "title = \"t\"\ntable = \"mentions\"\ngroup_by = [\"label\"]\n\
                 metrics = [\"stories\"]\nmin_n = 1\n[filter]\nset = [{}]\n",
                list.join(", ")
            ),
        );
    }
    let read = |dir: &str, name: &str| -> BTreeMap<String, u64> {
        let j: serde_json::Value = serde_json::from_slice(
            &std::fs::read(t.path().join(format!("{dir}/{name}.json"))).unwrap(),
        )
        .unwrap();
        j["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["label"].as_str().unwrap().to_string(),
                    r["stories"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let df = table(&t.path().join("ix"), "mentions");
    let (set, label) = (
        df.column("set").unwrap().str().unwrap(),
        df.column("label").unwrap().str().unwrap(),
    );
    let direct = |values: &[&str]| -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (s, l) in set.iter().zip(label.iter()) {
            if s.is_some_and(|s| values.contains(&s)) {
                *out.entry(l.unwrap_or("(none)").to_string()).or_default() += 1;
            }
        }
        out
    };
    // Batches: three (the read keeps company and channel rows: the one-value queries must
    // still filter), the two company queries (the read keeps company rows only), each alone.
    let batches: [&[&str]; 5] = [
        &["company", "company_channel", "channel"],
        &["company", "company_again"],
        &["company"],
        &["company_channel"],
        &["channel"],
    ];
    for (b, batch) in batches.iter().enumerate() {
        let out = format!("out{b}");
        let mut args = vec!["query".to_string(), "ix".into()];
        args.extend(batch.iter().map(|f| format!("qs/{f}.toml")));
        args.extend([
            "--out".into(),
            out.clone(),
            "--format".into(),
            "json".into(),
        ]);
        let o = t.run(&args);
        assert_eq!(o.code, 0, "{o:?}");
        for name in *batch {
            let values = sets.iter().find(|(n, _)| n == name).unwrap().1;
            let want = direct(values);
            assert!(!want.is_empty(), "{name}: the fixture has such tags");
            assert_eq!(read(&out, name), want, "batch {batch:?}: {name}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Issue 15: queries that fail alone, silent acceptance, outputs through links.

/// An index of the seed stories in `ix`.
fn seeds_index(t: &TestDir) {
    let corpus = repo().join("corpus/corpus.toml");
    assert_eq!(
        t.run(["index", "--corpus", corpus.to_str().unwrap(), "--out", "ix"])
            .code,
        0
    );
}

/// Issue 15.10: an unknown `sort` column was ignored; duplicate metric or group_by entries
/// duplicated columns. Each is an error naming the file, the line and the known ones, and
/// fails that query only.
#[test]
fn issue_15_10_unknown_sort_columns_and_duplicates_fail_their_query_alone() {
    let t = TestDir::new();
    seeds_index(&t);
    let head = "title = \"T\"\ntable = \"interactions\"\n";
    t.write(
        "q/good.toml",
        format!("{head}group_by = [\"company\"]\nmetrics = [\"stories\"]\nsort = [\"-stories\"]\n"),
    );
    t.write(
        "q/sort.toml",
        format!("{head}group_by = [\"company\"]\nmetrics = [\"stories\"]\nsort = [\"-story\"]\n"),
    );
    t.write(
        "q/metric.toml",
        format!("{head}metrics = [\"stories\", \"response_rate\", \"stories\"]\n"),
    );
    t.write(
        "q/group.toml",
        format!("{head}group_by = [\"company\", \"company\"]\nmetrics = [\"stories\"]\n"),
    );
    t.write(
        "q/clash.toml",
        format!("{head}group_by = [\"switched\"]\nmetrics = [\"channel_switch_rate\"]\n"),
    );
    t.write(
        "q/within.toml",
        format!("{head}metrics = [\"kaplan_meier\"]\nanswered_within = [\"1h\", \"1h\"]\n"),
    );
    t.write(
        "q/twice.toml",
        format!("{head}metrics = [\"stories\"]\nsort = [\"stories\", \"-stories\"]\n"),
    );
    let o = t.run([
        "query",
        "ix",
        "q/good.toml",
        "q/sort.toml",
        "q/metric.toml",
        "q/group.toml",
        "q/clash.toml",
        "q/within.toml",
        "q/twice.toml",
        "--out",
        "out",
    ]);
    assert_eq!(o.code, 6, "{o:?}");
    for expected in [
        "q/sort.toml: line 5: sort: unknown column \"story\" (known: company, stories; '-' before one sorts descending)",
        "q/metric.toml: line 3: metric \"stories\" is listed twice",
        "q/group.toml: line 3: group_by \"company\" is listed twice",
        "q/clash.toml: line 4: metric \"channel_switch_rate\" makes a column \"switched\", as group_by \"switched\" does; a table cannot have two",
        "q/within.toml: line 4: answered_within \"1h\" is listed twice",
        "q/twice.toml: line 4: sort: column \"stories\" is listed twice",
    ] {
        assert!(o.stderr.contains(expected), "{expected}\n{}", o.stderr);
    }
    assert!(t.path().join("out/good.csv").exists());
    assert!(!t.path().join("out/sort.csv").exists());
}

/// Issue 15.4: one bad query brought down the batch (a search nested a few thousand deep
/// overflowed the stack: 0 files written, though 7 queries were fine). Each of these fails
/// alone, and the others are written: a deep search, a filter listing 20,000 values, two
/// files that would write the same tables, a table that cannot be written.
#[test]
fn issue_15_4_a_bad_query_fails_alone_and_the_others_are_written() {
    let t = TestDir::new();
    seeds_index(&t);
    let head = "title = \"T\"\ntable = \"interactions\"\nmetrics = [\"stories\"]\n";
    let deep = format!("{}zappos{}", "(".repeat(5000), ")".repeat(5000));
    t.write("q/a_good.toml", head);
    t.write(
        "q/deep.toml",
        format!("{head}search = {}\n", toml::Value::String(deep)),
    );
    let many: Vec<String> = (0..20_000).map(|i| format!("\"c{i}\"")).collect();
    t.write(
        "q/wide.toml",
        format!(
            "{head}[filter]\ncompany = [{}, \"zappos\"]\n",
            many.join(", ")
        ),
    );
    t.write("q/same.toml", format!("name = \"a_good\"\n{head}"));
    t.write("q/blocked.toml", head);
    t.write("out/blocked.md/inside", "a directory where a table goes");
    t.write("out/.replyscope-out", "");
    let o = t.run([
        "query",
        "ix",
        "q/a_good.toml",
        "q/deep.toml",
        "q/wide.toml",
        "q/same.toml",
        "q/blocked.toml",
        "--out",
        "out",
    ]);
    assert_eq!(o.code, 3, "{o:?}");
    assert!(
        o.stderr.contains("q/deep.toml: cannot parse query \"((((")
            && o.stderr
                .contains("nested 5000 levels deep (parentheses and NOT); at most 100 are allowed"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("q/same.toml: name \"a_good\" is also the name of q/a_good.toml; the two would overwrite each other's tables"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("q/blocked.toml: out/blocked.md: cannot write"),
        "{}",
        o.stderr
    );
    let wide = std::fs::read_to_string(t.path().join("out/wide.csv")).unwrap();
    assert!(wide.starts_with("stories,below_min_n\n"), "{wide}");
    let good = std::fs::read_to_string(t.path().join("out/a_good.csv")).unwrap();
    assert_eq!(good.lines().count(), 2, "{good}");
    assert!(
        o.stderr.contains("3 of 5 query files failed"),
        "{}",
        o.stderr
    );
}

/// Issue 15.7: an output file in --out that was a symlink was followed, overwriting the file
/// it pointed to outside. Outputs are replaced, never written through.
#[cfg(unix)]
#[test]
fn issue_15_7_output_files_that_are_links_are_replaced_not_followed() {
    let t = TestDir::new();
    seeds_index(&t);
    let q = repo().join("queries/monthly.toml");
    let q = q.to_str().unwrap();
    assert_eq!(t.run(["query", "ix", q, "--out", "out"]).code, 0);
    t.write("precious.txt", "my thesis");
    for name in ["monthly.md", "monthly.manifest.json", ".replyscope-out"] {
        let p = t.path().join("out").join(name);
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink("../precious.txt", &p).unwrap();
    }
    let o = t.run(["query", "ix", q, "--out", "out"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(
        std::fs::read_to_string(t.path().join("precious.txt")).unwrap(),
        "my thesis"
    );
    for name in ["monthly.md", "monthly.manifest.json", ".replyscope-out"] {
        let meta = std::fs::symlink_metadata(t.path().join("out").join(name)).unwrap();
        assert!(meta.is_file(), "{name} is a file now");
    }
    let md = std::fs::read_to_string(t.path().join("out/monthly.md")).unwrap();
    assert!(md.starts_with("## "), "{md}");
}

/// `query --no-cells` writes the same tables without the rows behind each number.
#[test]
fn no_cells_writes_the_same_tables_without_cells_files() {
    let t = TestDir::new();
    seeds_index(&t);
    let mut queries: Vec<String> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    queries.sort();
    let args = |out: &str, extra: &[&str]| -> Vec<String> {
        let mut v = vec!["query".to_string(), "ix".into()];
        v.extend(queries.iter().cloned());
        v.extend(["--out".to_string(), out.into()]);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let with = t.run(args("with", &[]));
    assert_eq!(with.code, 0, "{}", with.stderr);
    let without = t.run(args("without", &["--no-cells"]));
    assert_eq!(without.code, 0, "{}", without.stderr);
    let (a, b) = (
        files(&t.path().join("with")),
        files(&t.path().join("without")),
    );
    let cells: Vec<&String> = a.keys().filter(|k| k.ends_with(".cells.parquet")).collect();
    assert!(!cells.is_empty(), "query lists the cells by default");
    for (name, bytes) in &a {
        if name.ends_with(".cells.parquet") {
            assert!(!b.contains_key(name), "{name} written with --no-cells");
        } else if name.ends_with(".csv") || name.ends_with(".md") || name.ends_with(".tex") {
            assert_eq!(Some(bytes), b.get(name), "{name}");
        }
    }
}
