//! issue 11: `index --shard K/N`, and search and query over several index directories. The
//! three shards of the mixed fixture, searched and queried together, give what one index
//! of the whole corpus gives.

use super::crosscheck::{assert_same_table, mixed_index, sql_query_files};
use super::util::*;
use replyscope::search::{search, search_all, Request};

#[test]
fn three_shards_give_what_one_index_gives() {
    let t = TestDir::new();
    let ix = mixed_index(&t);
    let mut shards = Vec::new();
    let (mut docs, mut rejects) = (0, 0);
    for k in 1..=3 {
        let out = format!("shard{k}");
        let o = t.run([
            "index".as_ref(),
            "--corpus".as_ref(),
            fixture("mixed/corpus.toml").as_os_str(),
            "--shard".as_ref(),
            format!("{k}/3").as_ref(),
            "--out".as_ref(),
            out.as_ref(),
        ]);
        assert!(o.code <= 1, "{}", o.stderr);
        let dir = t.path().join(&out);
        let (r, d, j) = counts(&dir);
        assert_eq!(r, d + j, "shard {k}: records = documents + rejects");
        assert!(d > 100, "shard {k} holds a share of the documents: {d}");
        assert_eq!(manifest(&dir)["shard"], serde_json::json!({"k": k, "n": 3}));
        docs += d;
        rejects += j;
        shards.push(dir);
    }
    let (_, all_docs, all_rejects) = counts(&ix);
    assert_eq!(
        (docs, rejects),
        (all_docs, all_rejects),
        "every document and reject in one shard"
    );

    // Every query table, cell by cell.
    for f in sql_query_files() {
        let path = f.display().to_string();
        let q =
            replyscope::query::spec::parse(&path, &std::fs::read_to_string(&f).unwrap()).unwrap();
        let one = replyscope::query::run(&ix, &q).unwrap();
        let three = replyscope::query::run_many(&shards, &q).unwrap();
        assert_same_table("3 shards", &one, &three);
    }

    // The rows behind every number: the cells files of the three shards queried together
    // are those of the one index, byte for byte (each shard numbers its documents from 0;
    // the files name them by id, in the order of their ids).
    let query = |dirs: &[&std::path::Path], out: &str| {
        let mut args: Vec<std::ffi::OsString> = vec!["query".into()];
        args.extend(dirs.iter().map(|d| d.as_os_str().to_owned()));
        args.extend(sql_query_files().into_iter().map(|f| f.into_os_string()));
        args.extend(["--out", out, "--format", "csv"].map(Into::into));
        let o = t.run(&args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        t.path().join(out)
    };
    let one = query(&[&ix], "cells_one");
    let three = query(&[&shards[0], &shards[1], &shards[2]], "cells_three");
    let mut compared = 0;
    for f in sql_query_files() {
        let name = |f: &std::path::Path| -> String {
            let text = std::fs::read_to_string(f).unwrap();
            let q = replyscope::query::spec::parse(&f.display().to_string(), &text).unwrap();
            format!("{}.cells.parquet", q.name)
        };
        let file = name(&f);
        let a = std::fs::read(one.join(&file)).unwrap();
        assert!(
            a == std::fs::read(three.join(&file)).unwrap(),
            "{file}: 3 shards differ"
        );
        compared += 1;
    }
    assert!(compared >= 10, "{compared} cells files compared");
    // ... and they list rows: 1,981 for the response rates by company.
    let rows = |dir: &std::path::Path| {
        let f = std::fs::File::open(dir.join("response_by_company.cells.parquet")).unwrap();
        use polars::prelude::SerReader;
        polars::prelude::ParquetReader::new(f)
            .finish()
            .unwrap()
            .height()
    };
    assert!(rows(&three) > 1000, "{} rows", rows(&three));

    // Searches: the same hits in the same order with the same scores (BM25 over the
    // statistics of all shards together).
    for (query, limit) in [
        ("refund", 10),
        ("\"direct message\"", 5),
        ("dm OR phone", 50),
        ("company:apple", 3),
        ("delay NOT flight", 20),
    ] {
        let req = Request {
            query: query.into(),
            limit,
            context: 40,
            ..Request::default()
        };
        let (n1, h1) = search(&ix, &req).unwrap();
        let (n3, h3) = search_all(&shards, &req).unwrap();
        assert_eq!(n1, n3, "{query}: documents matching");
        assert!(!h1.is_empty(), "{query}: the test searches for something");
        let view = |h: &[replyscope::search::Hit]| -> Vec<(String, f32, String)> {
            h.iter()
                .map(|h| (h.id.clone(), h.score, h.snippet.clone()))
                .collect()
        };
        assert_eq!(view(&h1), view(&h3), "{query}: hits");
    }

    // The command line: several index directories to `query` and `search`.
    let qf = repo().join("queries/response_by_company.toml");
    let mut args: Vec<std::ffi::OsString> = vec!["query".into()];
    args.extend(shards.iter().map(|s| s.clone().into_os_string()));
    args.push(qf.clone().into_os_string());
    args.extend(["--out", "three", "--format", "csv"].map(Into::into));
    let o = t.run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = t.run([
        "query".as_ref(),
        ix.as_os_str(),
        qf.as_os_str(),
        "--out".as_ref(),
        "one".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let csv = |d: &str| {
        std::fs::read_to_string(t.path().join(d).join("response_by_company.csv")).unwrap()
    };
    assert_eq!(csv("three"), csv("one"));
    let mut args: Vec<std::ffi::OsString> = vec!["search".into()];
    args.extend(shards.iter().map(|s| s.clone().into_os_string()));
    // Unmasked: masked handles are pseudonyms keyed per run.
    args.extend(["refund", "--format", "csv", "--unmask"].map(Into::into));
    let three = t.run(&args);
    let one = t.run([
        "search".as_ref(),
        ix.as_os_str(),
        "refund".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--unmask".as_ref(),
    ]);
    assert_eq!((three.code, &three.stdout), (0, &one.stdout));

    // Directories that are not the shards of one build, each once, are refused: the same
    // shard twice counted every story twice, and two whole indexes were added up.
    let refused = |dirs: &[&std::path::Path], says: &str| {
        for cmd in ["query", "search"] {
            let mut args: Vec<std::ffi::OsString> = vec![cmd.into()];
            args.extend(dirs.iter().map(|d| d.as_os_str().to_owned()));
            if cmd == "query" {
                args.push(qf.clone().into_os_string());
                args.extend(["--out", "refused"].map(Into::into));
            } else {
                args.push("refund".into());
            }
            let o = t.run(&args);
            assert_eq!(o.code, 2, "{cmd} {dirs:?}: {}", o.stderr);
            assert!(o.stderr.contains(says), "{cmd} {dirs:?}: {}", o.stderr);
        }
        let q = replyscope::query::spec::parse(
            &qf.display().to_string(),
            &std::fs::read_to_string(&qf).unwrap(),
        )
        .unwrap();
        let dirs: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
        assert!(replyscope::query::run_many(&dirs, &q).is_err());
        let batch = replyscope::query::run_all(&dirs, std::slice::from_ref(&qf), false);
        assert!(batch.iter().all(|r| r.is_err()), "run_all over {dirs:?}");
    };
    refused(
        &[&shards[0], &shards[1], &shards[0]],
        "are the same index directory",
    );
    refused(&[&ix, &ix], "are the same index directory");
    refused(&[&ix, &shards[0]], "is not a shard");
    assert!(!t.path().join("refused").exists(), "no tables written");
}
