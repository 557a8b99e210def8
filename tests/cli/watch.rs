//! Issue 14, item 2: saved searches report what was added since they last ran.

use super::util::*;
use std::process::Stdio;

const MANIFEST: &str = r#"version = 1
name = "growing"

[[source]]
name = "twcs"
path = "days/*.csv"
format = "csv"
kind = "tweet"
channel = "twitter"
html_entities = true

[source.fields]
id = "tweet_id"
text = "text"
author = "author_id"
created_at = "created_at"
in_reply_to = "in_response_to_tweet_id"
replies = "response_tweet_id"
inbound = "inbound"
"#;

/// The twcs fixture's header and its records from `from` to `to`, as a CSV file.
fn part(from: usize, to: usize) -> Vec<u8> {
    let mut rd = csv::Reader::from_path(fixture("corpora/twcs_head1000.csv")).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_byte_record(rd.byte_headers().unwrap()).unwrap();
    for r in rd.byte_records().skip(from).take(to - from) {
        w.write_byte_record(&r.unwrap()).unwrap();
    }
    w.into_inner().unwrap()
}

fn jsonl(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids_of(t: &TestDir, file: &str) -> std::collections::HashSet<String> {
    let mut rd = csv::Reader::from_path(t.path().join(file)).unwrap();
    rd.records()
        .map(|r| format!("twcs:{}", &r.unwrap()[1]))
        .collect()
}

#[test]
fn issue_14_2_saved_searches_report_what_is_new_since_their_last_run() {
    let t = TestDir::new();
    t.write("corpus.toml", MANIFEST);
    t.write("days/1.csv", part(0, 500));
    t.write("watch/dm.toml", "query = '\"private message\" OR DM'\n");
    t.write(
        "watch/unanswered.toml",
        "name = \"unanswered\"\nquery = \"help OR please\"\noutcome = \"responded:no\"\n",
    );
    t.write("watch/stories.toml", "query = \"help OR please OR sent\"\n");
    let index = || t.run(["index", "--corpus", "corpus.toml", "--out", "ix"]);
    assert_eq!(index().code, 0);
    // A search never run reports everything in the index.
    let o = t.run(["watch", "ix", "--format", "jsonl"]);
    assert_eq!(o.code, 0, "{o:?}");
    let lines = jsonl(&o.stdout);
    let summary = |name: &str| {
        lines
            .iter()
            .find(|v| v["type"] == "summary" && v["search"] == name)
            .unwrap()
            .clone()
    };
    assert!(
        summary("dm")["documents"].as_u64().unwrap() > 0,
        "{}",
        o.stdout
    );
    assert!(
        summary("stories")["interactions"].as_u64().unwrap() > 0,
        "{}",
        o.stdout
    );
    assert!(o.stderr.contains("replyscope: watch dm: "), "{}", o.stderr);
    // Customers' handles are masked, company accounts are not.
    let snippets: Vec<&str> = lines
        .iter()
        .filter(|v| v["type"] == "document")
        .map(|v| v["snippet"].as_str().unwrap())
        .collect();
    assert!(snippets.iter().any(|s| s.contains("@user")), "{snippets:?}");
    let numeric_handle = regex::Regex::new(r"@\d{3,}").unwrap();
    assert!(
        !snippets.iter().any(|s| numeric_handle.is_match(s)),
        "{snippets:?}"
    );
    assert!(
        snippets.iter().any(|s| s.contains("@sprintcare")
            || s.contains("@AppleSupport")
            || s.contains("@Delta")),
        "{snippets:?}"
    );
    // The interactions of an outcome filter have that outcome.
    for v in lines
        .iter()
        .filter(|v| v["type"] == "interaction" && v["search"] == "unanswered")
    {
        assert_eq!(v["responded"], "no", "{v}");
    }
    // Nothing new: empty report, exit 0.
    let o = t.run(["watch", "ix"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout
            .contains("== dm: 0 new documents, 0 new interactions"),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr
            .contains("replyscope: watch stories: 0 new documents, 0 new interactions"),
        "{}",
        o.stderr
    );
    // A new day: only its documents are new, and the state survives the index update.
    t.write("days/2.csv", part(500, 1000));
    assert_eq!(index().code, 0);
    assert!(t.path().join("ix/watch-state.json").is_file());
    // A report that cannot be written whole (the reader went away) saves no state.
    let state = std::fs::read(t.path().join("ix/watch-state.json")).unwrap();
    let mut child = t
        .command(["watch", "ix", "--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("state not saved"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read(t.path().join("ix/watch-state.json")).unwrap(),
        state
    );
    let o = t.run(["watch", "ix", "--format", "jsonl"]);
    assert_eq!(o.code, 0, "{o:?}");
    let new_ids = ids_of(&t, "days/2.csv");
    let lines = jsonl(&o.stdout);
    let docs: Vec<&serde_json::Value> = lines.iter().filter(|v| v["type"] == "document").collect();
    assert!(!docs.is_empty(), "{}", o.stdout);
    for d in &docs {
        assert!(
            new_ids.contains(d["id"].as_str().unwrap()),
            "{d} is not new"
        );
    }
    for i in lines.iter().filter(|v| v["type"] == "interaction") {
        assert!(
            new_ids.contains(i["doc_id"].as_str().unwrap()),
            "{i} is not new"
        );
    }
    // --since looks back without touching the state; csv has one row per item.
    let state = std::fs::read(t.path().join("ix/watch-state.json")).unwrap();
    let o = t.run(["watch", "ix", "--since", "2000-01-01", "--format", "csv"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o
        .stdout
        .starts_with("search,type,id,doc_id,created_at,company,responded,snippet\n"));
    assert!(o.stdout.lines().count() > docs.len() + 1);
    assert_eq!(
        std::fs::read(t.path().join("ix/watch-state.json")).unwrap(),
        state
    );
    let o = t.run(["watch", "ix", "--since", "2099-01-01"]);
    assert!(o.stdout.contains("== dm: 0 new documents"), "{}", o.stdout);
}

#[test]
fn issue_14_2_a_bad_saved_search_names_its_file() {
    let t = TestDir::new();
    t.write("corpus.toml", MANIFEST);
    t.write("days/1.csv", part(0, 50));
    assert_eq!(
        t.run(["index", "--corpus", "corpus.toml", "--out", "ix"])
            .code,
        0
    );
    t.write(
        "watch/a.toml",
        "query = \"refund\"\ncompnay = \"comcast\"\n",
    );
    let o = t.run(["watch", "ix"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr
            .contains("a.toml: not a saved search (unknown field `compnay`"),
        "{}",
        o.stderr
    );
    t.write("watch/a.toml", "query = \"refund AND (\"\n");
    let o = t.run(["watch", "ix"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains("a.toml: cannot parse query"),
        "{}",
        o.stderr
    );
    t.write("watch/a.toml", "query = \"refund\"\noutcome = \"no\"\n");
    let o = t.run(["watch", "ix"]);
    assert!(
        o.stderr.contains("outcome \"no\" needs its set"),
        "{}",
        o.stderr
    );
    let o = t.run(["watch", "ix", "--searches", "nowhere"]);
    assert_eq!(o.code, 2, "{o:?}");
}

#[test]
fn issue_14_2_snippets_are_masked_as_search_masks_them_unless_unmask() {
    let t = TestDir::new();
    t.write("corpus.toml", MANIFEST);
    t.write("days/1.csv", part(0, 400));
    t.write("watch/help.toml", "query = \"help OR please\"\n");
    assert_eq!(
        t.run(["index", "--corpus", "corpus.toml", "--out", "ix"])
            .code,
        0
    );
    // id -> snippet of watch's documents and of `search` for the same query and context.
    let by_id = |lines: &[serde_json::Value]| -> std::collections::BTreeMap<String, String> {
        lines
            .iter()
            .filter(|v| v["type"] == "document" || v.get("type").is_none())
            .map(|v| {
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["snippet"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // Pseudonyms are keyed per run: compare with them blanked out.
    let pseudonym = regex::Regex::new(r"user_[0-9a-f]{8}").unwrap();
    let blank = |m: std::collections::BTreeMap<String, String>| {
        m.into_iter()
            .map(|(k, v)| (k, pseudonym.replace_all(&v, "user_X").into_owned()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let mut seen = Vec::new();
    for unmask in [false, true] {
        let mut w = vec!["watch", "ix", "--since", "2000-01-01", "--format", "jsonl"];
        let mut s = vec![
            "search",
            "ix",
            "(help OR please)",
            "--limit",
            "100000",
            "--context",
            "60",
            "--format",
            "json",
        ];
        if unmask {
            w.push("--unmask");
            s.push("--unmask");
        }
        let (wo, so) = (t.run(&w), t.run(&s));
        assert_eq!((wo.code, so.code), (0, 0), "{wo:?} {so:?}");
        let (wm, sm) = (by_id(&jsonl(&wo.stdout)), by_id(&jsonl(&so.stdout)));
        assert!(wm.len() > 10, "{}", wo.stdout);
        assert_eq!(wm.len(), sm.len(), "every match is new");
        if unmask {
            assert_eq!(wm, sm, "--unmask: as written, as search shows them");
        } else {
            assert_eq!(blank(wm.clone()), blank(sm), "masked as search masks them");
        }
        seen.push(wm);
    }
    let numeric_handle = regex::Regex::new(r"@\d{3,}").unwrap();
    assert!(!seen[0].values().any(|s| numeric_handle.is_match(s)));
    assert!(seen[0].values().any(|s| pseudonym.is_match(s)));
    assert!(seen[1].values().any(|s| numeric_handle.is_match(s)));
    assert!(!seen[1].values().any(|s| pseudonym.is_match(s)));
}
