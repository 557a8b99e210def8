//! `replyscope index` on the example corpus and on slices of the shared data sets.

use super::util::*;

#[test]
fn seed_stories_index_from_the_default_manifest() {
    let t = TestDir::new();
    let out = t.path().join("ix");
    // No --corpus: the default corpus/corpus.toml, read from the repository root.
    let o = t.run_in(
        &repo(),
        ["index".as_ref(), "--out".as_ref(), out.as_os_str()],
    );
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stderr.contains("5 records read, 5 documents, 0 rejected"),
        "{}",
        o.stderr
    );
    assert_eq!(counts(&out), (5, 5, 0));
    let m = manifest(&out);
    assert_eq!(m["tool"], "replyscope");
    assert_eq!(m["inputs"].as_array().unwrap().len(), 5);
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["corpus"]["sha256"].as_str().unwrap().len(), 64);
    let docs = table(&out, "documents");
    assert_eq!(docs.height(), 5);
    assert_eq!(
        cell(&docs, "seeds:000_fdbd4c938871ac11.txt", "kind").as_deref(),
        Some("blog")
    );
    assert_eq!(
        cell(&docs, "seeds:004_97d3d5276ba1948e.txt", "title").as_deref(),
        Some("Twitter Is Not Just To Follow Your Friends")
    );
    assert!(
        !out.with_file_name(".ix.replyscope-tmp").exists(),
        "no temporary directory is left behind"
    );
}

#[test]
fn a_directory_of_text_files_is_a_corpus() {
    let t = TestDir::new();
    let o = t.run([
        "index",
        "--corpus",
        fixture("bad_input/blogs").to_str().unwrap(),
        "--out",
        "ix",
    ]);
    assert_eq!(o.code, 1, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (5, 2, 3));
    let reasons: Vec<String> = rejects(&ix)
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                r["file"].as_str().unwrap(),
                r["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("photo.png: unsupported file type \"png\"")),
        "{reasons:?}"
    );
}

#[test]
fn twcs_head_builds_threads_across_the_file() {
    let t = TestDir::new();
    let o = t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (1000, 1000, 0));
    let docs = table(&ix, "documents");
    assert_eq!(
        cell(&docs, "twcs:1", "author").as_deref(),
        Some("sprintcare")
    );
    assert_eq!(
        cell(&docs, "twcs:1", "in_reply_to").as_deref(),
        Some("twcs:3"),
        "pandas float ids link"
    );
    assert_eq!(cell(&docs, "twcs:1", "inbound").as_deref(), Some("false"));
    assert_eq!(
        cell(&docs, "twcs:1", "created_at").as_deref(),
        Some("2017-10-31 22:10:47")
    );
    let threads = table(&ix, "threads");
    assert_eq!(threads.height(), 1000);
    // 1 -> 3 -> 4 -> 5 -> 6 -> 8, and 8 opens the conversation.
    assert_eq!(
        cell(&threads, "twcs:1", "conversation_id").as_deref(),
        Some("twcs:8")
    );
    assert_eq!(cell(&threads, "twcs:1", "depth").as_deref(), Some("5"));
    assert_eq!(cell(&threads, "twcs:8", "parent_in_corpus"), None);
}

#[test]
fn twcs_sample_with_crlf_and_links_outside_the_file() {
    let t = TestDir::new();
    let o = t.index_data("twcs.toml", "corpora/twcs_sample.csv", "ix");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (93, 93, 0));
    let threads = table(&ix, "threads");
    // 119238 answers 119239, which is in the file; 119246 answers a tweet that is not.
    assert_eq!(
        cell(&threads, "twcs:119238", "parent_in_corpus").as_deref(),
        Some("true")
    );
    assert_eq!(
        cell(&threads, "twcs:119246", "parent_in_corpus").as_deref(),
        Some("false")
    );
    assert_eq!(
        cell(&threads, "twcs:119246", "conversation_id").as_deref(),
        Some("twcs:119246")
    );
    let docs = table(&ix, "documents");
    assert!(!cell(&docs, "twcs:119245", "text").unwrap().contains('\r'));
}

#[test]
fn airline_tweets_keep_given_labels_and_reject_duplicate_ids() {
    let t = TestDir::new();
    let o = t.index_data("airline.toml", "corpora/airline_tweets.csv", "ix");
    assert_eq!(o.code, 1, "rejects make exit status 1: {o:?}");
    let ix = t.path().join("ix");
    let (records, docs, rej) = counts(&ix);
    assert_eq!((records, docs, rej), (205, 202, 3));
    for r in rejects(&ix) {
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .starts_with("duplicate id \"airline:"),
            "{r}"
        );
        assert!(
            r["reason"].as_str().unwrap().contains("(first seen at "),
            "{r}"
        );
        assert!(r["line"].as_u64().unwrap() > 1);
    }
    let table = table(&ix, "documents");
    assert_eq!(
        cell(&table, "airline:570300616901320704", "given_company").as_deref(),
        Some("virgin_america")
    );
    assert_eq!(
        cell(&table, "airline:570300616901320704", "given_sentiment").as_deref(),
        Some("positive")
    );
    assert_eq!(
        cell(&table, "airline:570300616901320704", "created_at").as_deref(),
        Some("2015-02-24 19:13:57")
    );
    assert!(
        o.stderr.contains("3 of 205 records rejected"),
        "{}",
        o.stderr
    );
}

#[test]
fn cfpb_complaints_count_csv_records_not_lines() {
    let t = TestDir::new();
    let o = t.index_data("cfpb.toml", "corpora/cfpb_complaints.csv", "ix");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (126, 126, 0));
    let lines = std::fs::read_to_string(fixture("corpora/cfpb_complaints.csv"))
        .unwrap()
        .lines()
        .count();
    assert!(
        lines > 127,
        "the fixture has multi-line records ({lines} lines)"
    );
    let docs = table(&ix, "documents");
    assert_eq!(
        cell(&docs, "cfpb:3558196", "given_response").as_deref(),
        Some("In progress")
    );
    assert_eq!(
        cell(&docs, "cfpb:3558196", "given_channel").as_deref(),
        Some("Web")
    );
    assert_eq!(
        cell(&docs, "cfpb:3558196", "created_at").as_deref(),
        Some("2020-03-07 00:00:00")
    );
}

#[test]
fn comcast_and_reddit_manifests() {
    let t = TestDir::new();
    let o = t.index_data("comcast.toml", "corpora/comcast_complaints.csv", "comcast");
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(counts(&t.path().join("comcast")), (60, 60, 0));
    let o = t.index_data("reddit.toml", "corpora/reddit_posts.csv", "reddit");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("reddit");
    assert_eq!(counts(&ix), (20, 20, 0));
    let docs = table(&ix, "documents");
    let texts = docs.column("text").unwrap().str().unwrap().clone();
    assert!(
        texts.iter().all(|t| !t.unwrap().contains('\r')),
        "bare carriage returns become newlines"
    );
    // Record-numbered ids name the file within its source, not the absolute --data path,
    // so they stay the same when the data moves.
    let ids = docs.column("id").unwrap().str().unwrap().clone();
    assert_eq!(ids.get(0), Some("reddit:reddit_posts.csv#1"));
    let moved = t.write(
        "elsewhere/deeper/reddit_posts.csv",
        std::fs::read_to_string(fixture("corpora/reddit_posts.csv")).unwrap(),
    );
    let o = t.index_file("reddit.toml", &moved, "reddit2");
    assert_eq!(o.code, 0, "{o:?}");
    let again = table(&t.path().join("reddit2"), "documents");
    assert_eq!(
        again.column("id").unwrap(),
        docs.column("id").unwrap(),
        "same ids wherever the file lies"
    );
}

#[test]
fn a_customer_tweet_addressed_to_no_account_and_never_answered_is_no_interaction() {
    // DESIGN: an interaction opens at a customer's post addressed to a company (its @handle,
    // or the company replies). Naming a company in the text is not addressing it.
    let t = TestDir::new();
    let csv =
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
        1,101,True,Tue Oct 31 10:00:00 +0000 2017,@comcastcares my internet is down,,\n\
        2,102,True,Tue Oct 31 10:05:00 +0000 2017,Comcast is the worst,,\n\
        3,103,True,Tue Oct 31 10:06:00 +0000 2017,Comcast is down again,4,\n\
        4,comcastcares,False,Tue Oct 31 10:16:00 +0000 2017,@103 sorry! DM us,,3\n";
    let data = t.write("tweets.csv", csv);
    let o = t.index_file("twcs.toml", &data, "ix");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    let inter = table(&ix, "interactions");
    let col = |name: &str| -> Vec<String> {
        inter
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect()
    };
    let mut rows: Vec<(String, String)> = col("id").into_iter().zip(col("responded")).collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("twcs:1#comcast".to_string(), "no".to_string()),
            ("twcs:3#comcast".to_string(), "yes".to_string())
        ],
        "{inter}"
    );
    assert_eq!(
        manifest(&ix)["tables"]["threads"]["unaddressed"],
        1,
        "{}",
        manifest(&ix)
    );
}

#[test]
fn rebuild_replaces_the_index_and_refuses_foreign_directories() {
    let t = TestDir::new();
    let corpus = repo().join("corpus/corpus.toml");
    let corpus = corpus.to_str().unwrap();
    assert_eq!(t.run(["index", "--corpus", corpus, "--out", "ix"]).code, 0);
    let first = manifest(&t.path().join("ix"))["fingerprint"].clone();
    assert_eq!(t.run(["index", "--corpus", corpus, "--out", "ix"]).code, 0);
    assert_eq!(
        manifest(&t.path().join("ix"))["fingerprint"],
        first,
        "same input, same fingerprint"
    );
    let leftovers: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("ix")]);

    t.write("papers/draft.tex", "my paper");
    let o = t.run(["index", "--corpus", corpus, "--out", "papers"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("papers: exists and is not a replyscope index; not overwriting it"),
        "{}",
        o.stderr
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("papers/draft.tex")).unwrap(),
        "my paper"
    );
}

#[test]
fn a_killed_swap_is_restored_on_the_next_run() {
    let t = TestDir::new();
    let corpus = repo().join("corpus/corpus.toml");
    let corpus = corpus.to_str().unwrap();
    assert_eq!(t.run(["index", "--corpus", corpus, "--out", "ix"]).code, 0);
    let ix = t.path().join("ix");
    let fingerprint = manifest(&ix)["fingerprint"].clone();
    let read = |f: &str| std::fs::read(t.path().join("ix/tables").join(f)).unwrap();
    let (documents, interactions) = (read("documents.parquet"), read("interactions.parquet"));
    let copy = |to: &str| {
        let status = std::process::Command::new("cp")
            .args(["-r", "ix", to])
            .current_dir(t.path())
            .status()
            .unwrap();
        assert!(status.success());
    };
    let same_index = |when: &str| {
        assert_eq!(manifest(&ix)["fingerprint"], fingerprint, "{when}");
        assert!(
            read("documents.parquet") == documents,
            "{when}: documents.parquet"
        );
        assert!(
            read("interactions.parquet") == interactions,
            "{when}: interactions.parquet"
        );
        let o = t.run(["search", "ix", "zappos"]);
        assert_eq!(o.code, 0, "{when}: {o:?}");
        let staging: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".ix."))
            .collect();
        assert!(staging.is_empty(), "{when}: left {staging:?}");
    };

    // Killed between the two renames of a swap (where the system has no atomic exchange):
    // the old index parked, a stale build.
    std::fs::rename(&ix, t.path().join(".ix.replyscope-old")).unwrap();
    t.write(".ix.replyscope-tmp/half-written", "x");
    let o = t.run(["search", "ix", "zappos"]);
    assert_eq!(o.code, 2, "no index at ix yet: {o:?}");
    let o = t.run(["index", "--corpus", corpus, "--out", "ix"]);
    assert_eq!(o.code, 0, "{o:?}");
    same_index("old index parked");

    // Killed after the exchange, before the old index (now in the temporary directory) was
    // removed: the new index is in place and searchable; the next run removes the old.
    copy(".ix.replyscope-tmp");
    assert_eq!(t.run(["search", "ix", "zappos"]).code, 0);
    let o = t.run(["index", "--corpus", corpus, "--out", "ix"]);
    assert_eq!(o.code, 0, "{o:?}");
    same_index("old index left in the temporary directory");

    // Killed while removing the parked old index: half of it is left.
    copy(".ix.replyscope-old");
    std::fs::remove_dir_all(t.path().join(".ix.replyscope-old/tantivy")).unwrap();
    assert_eq!(t.run(["search", "ix", "zappos"]).code, 0);
    let o = t.run(["index", "--corpus", corpus, "--out", "ix"]);
    assert_eq!(o.code, 0, "{o:?}");
    same_index("old index half removed");

    // A failed build after a killed swap still puts the old index back.
    std::fs::rename(&ix, t.path().join(".ix.replyscope-old")).unwrap();
    t.write("bad.csv", "other,columns\n1,x\n");
    t.write(
        "bad.toml",
        "version = 1\n[[source]]\nname = \"a\"\npath = \"bad.csv\"\nformat = \"csv\"\nfields.text = \"text\"\n",
    );
    let o = t.run(["index", "--corpus", "bad.toml", "--out", "ix"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains("the header has no column \"text\""),
        "{}",
        o.stderr
    );
    same_index("a failed build after a killed swap");
}

// ---------------------------------------------------------------------------------------
// Issue 15: concurrent writers, user files, links, own outputs, damaged tables.

fn seeds_corpus() -> String {
    repo().join("corpus/corpus.toml").display().to_string()
}

/// Entries of the temp dir that belong to the index `ix` besides itself (staging
/// directories, lock files).
fn beside_ix(t: &TestDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ix."))
        .collect();
    names.sort();
    names
}

/// Issue 15.3: two `index` runs into one target shared one staging directory and no lock;
/// one could exit 0 leaving the index directory empty. One run writes an index at a time:
/// the second fails at once naming the first, or waits for it with --wait.
#[cfg(unix)]
#[test]
fn issue_15_3_one_writer_per_index_the_second_fails_at_once_or_waits() {
    use std::os::unix::fs::OpenOptionsExt;
    let t = TestDir::new();
    let corpus = seeds_corpus();
    assert_eq!(t.run(["index", "--corpus", &corpus, "--out", "ix"]).code, 0);
    let fingerprint = manifest(&t.path().join("ix"))["fingerprint"].clone();
    // Hold the lock as a running build does.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o644)
        .open(t.path().join(".ix.replyscope-lock"))
        .unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let o = t.run(["index", "--corpus", &corpus, "--out", "ix"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains(
            "ix: another replyscope run is writing this index; wait for it to finish, or pass --wait to wait for it"
        ),
        "{}",
        o.stderr
    );
    assert_eq!(manifest(&t.path().join("ix"))["fingerprint"], fingerprint);
    // With --wait it waits until the lock is released, then builds.
    let mut waiting = t
        .command(["index", "--corpus", &corpus, "--out", "ix", "--wait"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "--wait does not build while the lock is held"
    );
    assert!(
        !beside_ix(&t).iter().any(|n| n.contains("replyscope-tmp")),
        "no staging directory while waiting: {:?}",
        beside_ix(&t)
    );
    drop(lock);
    let status = waiting.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(manifest(&t.path().join("ix"))["fingerprint"], fingerprint);
    assert_eq!(
        beside_ix(&t),
        Vec::<String>::new(),
        "the lock file goes with the build"
    );
}

/// Issue 15.3, the promise: builds racing for one index (with --wait) all succeed, and the
/// index directory is whole at every moment, looked at as often as we can.
#[test]
fn issue_15_3_racing_builds_leave_the_index_whole_at_every_moment() {
    let t = TestDir::new();
    let data = fixture("corpora/twcs_head1000.csv");
    assert_eq!(
        t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix")
            .code,
        0
    );
    let manifest_path = repo().join("corpus/twcs.toml");
    let ix = t.path().join("ix");
    let mut children: Vec<std::process::Child> = (0..3)
        .map(|_| {
            t.command([
                "index".as_ref(),
                "--corpus".as_ref(),
                manifest_path.as_os_str(),
                "--data".as_ref(),
                data.as_os_str(),
                "--out".as_ref(),
                "ix".as_ref(),
                "--wait".as_ref(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut looks = 0;
    let mut codes = Vec::new();
    while !children.is_empty() {
        for rel in [
            "manifest.json",
            "tables/documents.parquet",
            "tantivy/meta.json",
        ] {
            assert!(
                ix.join(rel).exists(),
                "ix/{rel} is missing during the builds"
            );
        }
        looks += 1;
        children.retain_mut(|c| match c.try_wait().unwrap() {
            Some(status) => {
                codes.push(status.code());
                false
            }
            None => true,
        });
    }
    assert!(looks > 10, "{looks}");
    assert_eq!(codes, vec![Some(0); 3]);
    assert_eq!(counts(&ix), (1000, 1000, 0));
    assert_eq!(t.run(["search", "ix", "refund"]).code, 0);
    assert_eq!(beside_ix(&t), Vec::<String>::new());
}

/// Issue 15.5: a rebuild silently deleted files a user put in the index directory, including
/// `query --out INDEX/report`, which replyscope itself allowed. Now query output is never
/// written inside an index, and a rebuild refuses an index directory holding anything it did
/// not write there.
#[test]
fn issue_15_5_a_rebuild_never_deletes_files_a_user_put_in_the_index() {
    let t = TestDir::new();
    let corpus = seeds_corpus();
    assert_eq!(t.run(["index", "--corpus", &corpus, "--out", "ix"]).code, 0);
    let q = repo().join("queries/monthly.toml");
    let q = q.to_str().unwrap();
    for out in ["ix/report", "ix", "ix/tables"] {
        let o = t.run(["query", "ix", q, "--out", out]);
        assert_eq!(o.code, 2, "{out}: {o:?}");
        assert!(
            o.stderr.contains(
                "a rebuild replaces that directory whole, so query output is not written there"
            ),
            "{}",
            o.stderr
        );
    }
    assert!(!t.path().join("ix/report").exists());
    for (rel, contents) in [("ix/notes.txt", "my notes"), ("ix/tables/extra.csv", "a,b")] {
        t.write(rel, contents);
        let o = t.run(["index", "--corpus", &corpus, "--out", "ix"]);
        assert_eq!(o.code, 2, "{o:?}");
        let name = rel.strip_prefix("ix/").unwrap();
        assert!(
            o.stderr.contains(&format!("ix: holds files replyscope did not write ({name}); a rebuild replaces the whole directory and would delete them: move them out of the index directory first")),
            "{}",
            o.stderr
        );
        assert_eq!(
            std::fs::read_to_string(t.path().join(rel)).unwrap(),
            contents
        );
        std::fs::remove_file(t.path().join(rel)).unwrap();
    }
    // The index itself is untouched and can be rebuilt once the files are moved out.
    assert_eq!(t.run(["index", "--corpus", &corpus, "--out", "ix"]).code, 0);
    // Nor can an index be built inside another one, where the next rebuild would meet it.
    let o = t.run(["index", "--corpus", &corpus, "--out", "ix/inner"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains("is inside a replyscope index directory"),
        "{}",
        o.stderr
    );
}

/// Issue 15.7: a symlinked index directory was replaced by a real directory beside the link,
/// and the real one left stale. A build through a link replaces the directory it points to.
#[cfg(unix)]
#[test]
fn issue_15_7_a_linked_index_is_rebuilt_where_the_link_points() {
    let t = TestDir::new();
    let corpus = seeds_corpus();
    assert_eq!(
        t.run(["index", "--corpus", &corpus, "--out", "real/ix"])
            .code,
        0
    );
    std::os::unix::fs::symlink("real/ix", t.path().join("ix")).unwrap();
    t.write("c/a.txt", "I called Comcast and they hung up.\n");
    let o = t.run(["index", "--corpus", "c", "--out", "ix"]);
    assert_eq!(o.code, 0, "{o:?}");
    let link = std::fs::symlink_metadata(t.path().join("ix")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        std::fs::read_link(t.path().join("ix")).unwrap(),
        std::path::Path::new("real/ix")
    );
    assert_eq!(
        counts(&t.path().join("real/ix")),
        (1, 1, 0),
        "the new index is where the link points"
    );
    let names: Vec<String> = std::fs::read_dir(t.path().join("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ix"], "nothing left beside the real index");
    let o = t.run(["search", "ix", "comcast"]);
    assert!(o.stdout.starts_with("1 documents match"), "{o:?}");
    // A link that points nowhere yet: the index is built where it points.
    std::os::unix::fs::symlink("elsewhere/ix2", t.path().join("ix2")).unwrap();
    let o = t.run(["index", "--corpus", "c", "--out", "ix2"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(counts(&t.path().join("elsewhere/ix2")), (1, 1, 0));
    assert!(std::fs::symlink_metadata(t.path().join("ix2"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// Issue 15.8: `run --corpus seeds --out seeds/out` (or an index inside a folder corpus)
/// ingested its own reports and index on the next run: 41 records, 29 rejected. A corpus
/// walk never enters a directory replyscope wrote.
#[test]
fn issue_15_8_outputs_and_indexes_inside_a_corpus_are_not_read_back() {
    let t = TestDir::new();
    t.write(
        "c/posts/a.txt",
        "I tweeted @Zappos_Service and within 10 minutes they replied.\n",
    );
    t.write(
        "c/posts/b.txt",
        "I emailed Comcast twice and never heard back.\n",
    );
    t.write(
        "c/glob.toml",
        "version = 1\n[[source]]\nname = \"p\"\npath = \"**/*\"\nformat = \"text\"\n",
    );
    let queries = repo().join("queries");
    let queries = queries.to_str().unwrap();
    for (corpus, index, out) in [
        ("c/posts", "c/posts/ix", "c/posts/out"),
        ("c/posts", "ix1", "c/posts/report/out"),
        ("c/glob.toml", "c/posts/ix2", "c/out"),
    ] {
        for round in 0..2 {
            let o = t.run([
                "run",
                "--corpus",
                corpus,
                "--index",
                index,
                "--queries",
                queries,
                "--out",
                out,
            ]);
            assert_eq!(o.code, 0, "{corpus} {index} {out} round {round}: {o:?}");
            let ix = t.path().join(index);
            let records = if corpus.ends_with(".toml") { 3 } else { 2 };
            assert_eq!(
                counts(&ix),
                (records, records, 0),
                "{corpus} {index} {out} round {round}"
            );
            if round == 1 {
                assert!(o.stderr.contains("is up to date"), "{}", o.stderr);
            }
        }
    }
}

/// Issue 15.10: `run` said "up to date; reusing it" over an index with a deleted or truncated
/// table, then the queries failed with an error that did not name the file. The tables'
/// sizes and hashes are checked before reuse; a damaged index is rebuilt, saying why.
#[test]
fn issue_15_10_run_rebuilds_an_index_whose_tables_are_damaged() {
    let t = TestDir::new();
    let corpus = seeds_corpus();
    let queries = repo().join("queries");
    let queries = queries.to_str().unwrap();
    let run = || {
        t.run([
            "run",
            "--corpus",
            &corpus,
            "--index",
            "ix",
            "--queries",
            queries,
            "--out",
            "out",
        ])
    };
    assert_eq!(run().code, 0);
    let table = t.path().join("ix/tables/interactions.parquet");
    let size = std::fs::metadata(&table).unwrap().len();
    std::fs::remove_file(&table).unwrap();
    let o = run();
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stderr.contains("replyscope: index ix is damaged: tables/interactions.parquet is missing; rebuilding it"),
        "{}",
        o.stderr
    );
    assert_eq!(std::fs::metadata(&table).unwrap().len(), size);
    // Truncated: the size differs.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&table)
        .unwrap();
    f.set_len(size / 2).unwrap();
    drop(f);
    let q = repo().join("queries/monthly.toml");
    let o = t.run(["query", "ix", q.to_str().unwrap(), "--out", "out"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr.contains(&format!(
            "ix/tables/interactions.parquet: has {} bytes, the index manifest records {size}: the index is damaged; rebuild it with `replyscope index`",
            size / 2
        )),
        "{}",
        o.stderr
    );
    let o = run();
    assert!(
        o.stderr.contains(&format!(
            "index ix is damaged: tables/interactions.parquet has {} bytes; the index manifest records {size}; rebuilding it",
            size / 2
        )),
        "{}",
        o.stderr
    );
    // Same size, other bytes: the hash differs.
    let mut bytes = std::fs::read(&table).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&table, &bytes).unwrap();
    let o = run();
    assert!(
        o.stderr.contains("index ix is damaged: tables/interactions.parquet is not the file the index manifest records (its SHA-256 differs); rebuilding it"),
        "{}",
        o.stderr
    );
    assert!(run().stderr.contains("is up to date"));
}

/// Issue 15.5, during a build: a file put into the index while it is being rebuilt would go
/// with the old index when the new one is swapped in. The swap checks again and refuses.
#[test]
fn issue_15_5_a_file_put_in_the_index_during_a_rebuild_is_kept() {
    let t = TestDir::new();
    assert_eq!(
        t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix")
            .code,
        0
    );
    let fingerprint = manifest(&t.path().join("ix"))["fingerprint"].clone();
    let manifest_path = repo().join("corpus/twcs.toml");
    let data = fixture("corpora/twcs_head1000.csv");
    let child = t
        .command([
            "index".as_ref(),
            "--corpus".as_ref(),
            manifest_path.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--out".as_ref(),
            "ix".as_ref(),
            "--full".as_ref(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !beside_ix(&t).iter().any(|n| n.contains("replyscope-tmp")) {
        assert!(start.elapsed().as_secs() < 60, "the build never started");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    t.write("ix/notes.txt", "written during the build");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ix: holds files replyscope did not write (notes.txt)"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("ix/notes.txt")).unwrap(),
        "written during the build"
    );
    assert_eq!(manifest(&t.path().join("ix"))["fingerprint"], fingerprint);
    assert_eq!(beside_ix(&t), Vec::<String>::new());
}
