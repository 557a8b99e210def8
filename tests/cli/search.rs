//! `replyscope search`: syntax, filters, formats and the keyword-in-context line.

use super::util::*;

fn seeds() -> TestDir {
    let t = TestDir::new();
    let corpus = repo().join("corpus/corpus.toml");
    assert_eq!(
        t.run(["index", "--corpus", corpus.to_str().unwrap(), "--out", "ix"])
            .code,
        0
    );
    t
}

#[test]
fn phrase_from_a_seed_story_returns_it_with_a_highlighted_context_line() {
    let t = seeds();
    let o = t.run(["search", "ix", "\"within 30 minutes\""]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout.starts_with("1 documents match; showing 1\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("seeds:004_97d3d5276ba1948e.txt"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("my size?!?!?! **Within 30 minutes**, she was contacted"),
        "{}",
        o.stdout
    );
}

#[test]
fn json_hits_carry_offsets_into_the_document_text() {
    let t = seeds();
    let o = t.run(["search", "ix", "\"direct message\"", "--format", "json"]);
    assert_eq!(o.code, 0, "{o:?}");
    let hits: Vec<serde_json::Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(hits.len(), 2);
    for h in &hits {
        assert!(h["score"].as_f64().unwrap() > 0.0);
        assert!(h["snippet"].as_str().unwrap().contains("**"), "{h}");
        let file = h["id"].as_str().unwrap().strip_prefix("seeds:").unwrap();
        let text = std::fs::read_to_string(repo().join("corpus/seeds").join(file)).unwrap();
        let (s, e) = (
            h["match_start"].as_u64().unwrap() as usize,
            h["match_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(text[s..e].to_lowercase(), "direct message");
        assert_eq!(h["match"].as_str().unwrap(), &text[s..e]);
    }
}

#[test]
fn boolean_syntax_fields_and_csv_output() {
    let t = seeds();
    let o = t.run([
        "search",
        "ix",
        "twitter AND NOT zappos",
        "--format",
        "csv",
        "--limit",
        "50",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let mut rd = csv::Reader::from_reader(o.stdout.as_bytes());
    let ids: Vec<String> = rd.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(!ids.contains(&"seeds:004_97d3d5276ba1948e.txt".to_string()));
    let o = t.run(["search", "ix", "title:twitter", "--format", "json"]);
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
}

#[test]
fn filters_by_source_kind_and_date() {
    let t = TestDir::new();
    assert_eq!(
        t.index_data("twcs.toml", "corpora/twcs_sample.csv", "ix")
            .code,
        0
    );
    let hits = |query: &str, args: &[&str]| {
        let mut all = vec!["search", "ix", query, "--format", "json", "--limit", "1000"];
        all.extend_from_slice(args);
        let o = t.run(all);
        assert_eq!(o.code, 0, "{o:?}");
        o.stdout.lines().count()
    };
    let n = |args: &[&str]| hits("dm OR help OR please", args);
    let all = n(&[]);
    assert!(all > 3, "{all}");
    assert_eq!(n(&["--source", "twcs"]), all);
    assert_eq!(n(&["--source", "other"]), 0);
    assert_eq!(n(&["--kind", "tweet"]), all);
    assert_eq!(n(&["--kind", "blog"]), 0);
    let early = n(&["--until", "2017-10-11T12:00:00Z"]);
    let late = n(&["--since", "2017-10-11T12:00:00Z"]);
    assert_eq!(early + late, all, "since and until split the hits");
    assert!(early > 0 && late > 0);
    // The same split written in the query: created_at is a fast field, read for ranges.
    let ranged = |range: &str| {
        hits(
            &format!("(dm OR help OR please) AND created_at:{range}"),
            &[],
        )
    };
    assert_eq!(
        ranged("[2000-01-01T00:00:00Z TO 2017-10-11T12:00:00Z}"),
        early
    );
    assert_eq!(
        ranged("[2017-10-11T12:00:00Z TO 2100-01-01T00:00:00Z}"),
        late
    );
    // One second is no range: the message says how to write one.
    let o = t.run(["search", "ix", "created_at:\"2017-10-11T12:00:00Z\""]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains("created_at:[2017-10-01T00:00:00Z TO"),
        "{}",
        o.stderr
    );
}

#[test]
fn results_are_the_same_at_any_thread_count() {
    let t = TestDir::new();
    assert_eq!(
        t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix")
            .code,
        0
    );
    let run = |threads: &str| {
        t.run([
            "search",
            "ix",
            "help",
            "--format",
            "json",
            "--limit",
            "25",
            "--threads",
            threads,
            // Masked snippets carry per-run pseudonyms; the hits and their order must not
            // depend on the threads.
            "--unmask",
        ])
        .stdout
    };
    assert_eq!(run("1"), run("8"));
    assert_eq!(run("2").lines().count(), 25);
}

#[test]
fn bad_query_and_missing_index_are_fatal_with_clear_messages() {
    let t = seeds();
    let o = t.run(["search", "ix", "author_name:x"]);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.render(t.path()), @r###"
    exit: 2
    --- stdout ---
    --- stderr ---
    replyscope: cannot parse query "author_name:x": Field does not exist: 'author_name' (fields: title, text, id, source, kind, author, created_at, company, mention, channel, outcome)
    "###);
    let o = t.run(["search", "nowhere", "x"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("nowhere: not a replyscope index"),
        "{}",
        o.stderr
    );
    let o = t.run(["search", "ix", "x", "--since", "tomorrow"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("--since: created_at \"tomorrow\" is not a date"),
        "{}",
        o.stderr
    );
}

/// Issue 15.4: a search with a few thousand nested parentheses overflowed the stack and
/// aborted; `--limit 10000000000000` aborted on allocation and `--limit 18446744073709551615`
/// panicked. Depth is bounded with a clear error; the limit never exceeds the hits.
#[test]
fn issue_15_4_deep_searches_fail_clearly_and_any_limit_is_safe() {
    let t = seeds();
    for (query, depth) in [
        (
            format!("{}zappos{}", "(".repeat(3000), ")".repeat(3000)),
            3000,
        ),
        (format!("{}zappos", "NOT ".repeat(3000)), 3000),
        (
            format!("{}zappos{}", "text:(".repeat(101), ")".repeat(101)),
            101,
        ),
    ] {
        let (o, _) = t.run_within(std::time::Duration::from_secs(60), ["search", "ix", &query]);
        assert_eq!(o.code, 2, "{o:?}");
        assert!(
            o.stderr.contains(&format!(
                "nested {depth} levels deep (parentheses and NOT); at most 100 are allowed"
            )),
            "{}",
            o.stderr
        );
        assert!(o.stderr.len() < 400, "the query is shortened: {}", o.stderr);
    }
    let ok = format!("{}zappos{}", "(".repeat(100), ")".repeat(100));
    let o = t.run(["search", "ix", &ok]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.starts_with("1 documents match"), "{}", o.stdout);
    for limit in ["10000000000000", "18446744073709551615"] {
        let (o, _) = t.run_within(
            std::time::Duration::from_secs(60),
            [
                "search",
                "ix",
                "twitter",
                "--limit",
                limit,
                "--context",
                "18446744073709551615",
            ],
        );
        assert_eq!(o.code, 0, "{limit}: {o:?}");
        assert!(
            o.stdout.starts_with("5 documents match; showing 5"),
            "{}",
            o.stdout
        );
    }
}
