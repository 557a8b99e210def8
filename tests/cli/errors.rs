//! Broken input: every record of tests/fixtures/bad_input has a defined outcome.

use super::util::*;

fn bad_input() -> (TestDir, Output) {
    let t = TestDir::new();
    let m = fixture("bad_input/manifest.toml");
    let o = t.run(["index", "--corpus", m.to_str().unwrap(), "--out", "ix"]);
    (t, o)
}

#[test]
fn every_broken_record_is_rejected_with_its_location_and_the_rest_indexed() {
    let (t, o) = bad_input();
    assert_eq!(o.code, 1, "finished with rejects: {o:?}");
    let ix = t.path().join("ix");
    let (records, docs, rej) = counts(&ix);
    assert_eq!(records, docs + rej);
    assert_eq!((records, docs, rej), (23, 6, 17));
    let got = reject_places(&ix);
    let expected: &[(&str, Option<u64>, &str)] = &[
        ("blogs/empty.txt", None, "empty file; expected text"),
        (
            "blogs/latin1.txt",
            None,
            "invalid UTF-8 at byte 3 (line 1); expected UTF-8 text",
        ),
        (
            "blogs/photo.png",
            None,
            "binary file (NUL byte at offset 8); expected text",
        ),
        (
            "tweets.csv",
            Some(4),
            "expected 7 fields (as in the header), found 8",
        ),
        (
            "tweets.csv",
            Some(5),
            "created_at \"yesterday at noon\" is not a date in a known format",
        ),
        (
            "tweets.csv",
            Some(6),
            "duplicate id \"tweets:1\" (first seen at tweets.csv:2)",
        ),
        ("tweets.csv", Some(7), "empty text in \"text\""),
        (
            "tweets.csv",
            Some(8),
            "inbound \"maybe\" is not true or false",
        ),
        (
            "tweets.csv",
            Some(9),
            "created_at \"2190-01-01T00:00:00Z\" is out of range",
        ),
        (
            "tweets.csv",
            Some(10),
            "invalid UTF-8 in column \"text\" at byte 3",
        ),
        (
            "tweets.csv",
            Some(11),
            "found 5; the record runs from line 11 to line 12: an unbalanced quote",
        ),
        ("posts.jsonl", Some(3), "truncated JSON at column 30"),
        ("posts.jsonl", Some(4), "field \"text\" is an object"),
        (
            "posts.jsonl",
            Some(5),
            "expected a JSON object, found an array",
        ),
        ("posts.jsonl", Some(6), "recursion limit exceeded"),
        (
            "posts.jsonl",
            Some(7),
            "created_at \"20171031\" is not a date",
        ),
        ("empty.csv", None, "empty file; expected a header row"),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((file, line, reason), (efile, eline, ereason)) in got.iter().zip(expected) {
        assert_eq!((file.as_str(), *line), (*efile, *eline), "{reason}");
        assert!(
            reason.contains(ereason),
            "{file}:{line:?}: {reason:?} should contain {ereason:?}"
        );
    }
}

#[test]
fn good_records_among_bad_ones_are_read_right() {
    let (t, _) = bad_input();
    let docs = table(&t.path().join("ix"), "documents");
    assert_eq!(
        cell(&docs, "blogs:bom_crlf.txt", "text").as_deref(),
        Some("A title line\n\nThe reply came\ntwo days later.\n")
    );
    assert_eq!(
        cell(&docs, "blogs:bom_crlf.txt", "title").as_deref(),
        Some("A title line")
    );
    assert_eq!(
        cell(&docs, "pages:page.html", "title").as_deref(),
        Some("Zappos & my shoes")
    );
    assert_eq!(
        cell(&docs, "pages:page.html", "text").as_deref(),
        Some("Zappos answered\nI tweeted \u{201c}Oh Zappos I hate you\u{201d} and got a reply within 30 minutes.")
    );
    assert_eq!(
        cell(&docs, "tweets:2", "text").as_deref(),
        Some("@101 Please DM us, so we can help & fix it")
    );
    assert_eq!(
        cell(&docs, "tweets:2", "in_reply_to").as_deref(),
        Some("tweets:1")
    );
    assert_eq!(
        cell(&docs, "posts:a", "created_at").as_deref(),
        Some("2017-10-31 10:00:00")
    );
    let o = t.run(["search", "ix", "tracking OR javascript OR comment"]);
    assert!(
        o.stdout.starts_with("0 documents match"),
        "scripts, noscript and comments are not text: {}",
        o.stdout
    );
}

#[test]
fn summary_names_files_and_first_rejects() {
    let (t, o) = bad_input();
    insta::assert_snapshot!(o.render(t.path()));
}

#[test]
fn strict_stops_at_the_first_reject_and_leaves_no_index() {
    let t = TestDir::new();
    let m = fixture("bad_input/manifest.toml");
    let o = t.run([
        "index",
        "--corpus",
        m.to_str().unwrap(),
        "--out",
        "ix",
        "--strict",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("blogs/empty.txt: empty file; expected text (stopped by --strict)"),
        "{}",
        o.stderr
    );
    assert!(!t.path().join("ix").exists());
    assert!(!t.path().join(".ix.replyscope-tmp").exists());
}

#[test]
fn manifest_errors_are_fatal_and_say_where() {
    let t = TestDir::new();
    let run = |name: &str, text: &str| {
        let p = t.write(name, text);
        t.run(["index", "--corpus", p.to_str().unwrap(), "--out", "ix"])
    };
    let o = run("typo.toml", "version = 1\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nformat = \"csv\"\n[source.fields]\ntxt = \"t\"\n");
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("typo.toml: line 7: unknown field `txt`, expected one of"),
        "{}",
        o.stderr
    );

    let o = run("missing.toml", "version = 1\n[[source]]\nname = \"a\"\npath = \"nothing-here.csv\"\nformat = \"csv\"\nfields.text = \"t\"\n");
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "nothing-here.csv: no such file (the manifest points at a file that cannot be read)"
        ) && o.stderr.contains("missing.toml: line 4: source \"a\": "),
        "{}",
        o.stderr
    );

    let o = run(
        "format.toml",
        "version = 1\n[[source]]\nname = \"a\"\npath = \"x\"\nformat = \"pdf\"\n",
    );
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "unknown variant `pdf`, expected one of `text`, `markdown`, `html`, `jsonl`, `csv`"
        ),
        "{}",
        o.stderr
    );

    t.write("data.csv", "tweet_id,text\n1,hi\n");
    let o = run("column.toml", "version = 1\n[[source]]\nname = \"a\"\npath = \"data.csv\"\nformat = \"csv\"\nfields.text = \"body\"\n");
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "data.csv: the header has no column \"body\" (columns: \"tweet_id\", \"text\")"
        ),
        "{}",
        o.stderr
    );

    let twcs = repo().join("corpus/twcs.toml");
    let o = t.run(["index", "--corpus", twcs.to_str().unwrap(), "--out", "ix"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("needs ${REPLYSCOPE_DATA}: pass --data PATH or set the environment variable REPLYSCOPE_DATA"), "{}", o.stderr);
    assert!(!t.path().join("ix").exists());
}

/// A 50 MB line with no line break and no sentence end: filler words with a service story
/// every ~50 KB, so the tagger meets a thousand companies, channels and stated delays in one
/// sentence (each of them once rescanned the whole sentence: hours for this line).
fn fifty_mb_line() -> String {
    let filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ";
    let story = "I called Comcast and they replied within 5 minutes and sent an email ";
    let chunk = filler.repeat(640) + story;
    let mut line = chunk.repeat(50_000_000 / chunk.len() + 1);
    line.truncate(50_000_000 - 3);
    line.push_str("end");
    line
}

/// Tags of `set`/`label` per document in the mentions table.
fn mention_count(ix: &std::path::Path, doc: &str, label: &str) -> usize {
    let m = table(ix, "mentions");
    let docs = m.column("doc_id").unwrap().str().unwrap().clone();
    let labels = m.column("label").unwrap().str().unwrap().clone();
    docs.iter()
        .zip(labels.iter())
        .filter(|(d, l)| *d == Some(doc) && *l == Some(label))
        .count()
}

#[test]
fn a_single_50_mb_line_is_one_document_in_a_text_file_and_in_a_csv_field() {
    let t = TestDir::new();
    let line = fifty_mb_line();
    t.write("blogs/long.txt", &line);
    t.write("long.csv", format!("id,text\n1,\"{line}\"\n"));
    t.write(
        "corpus.toml",
        "version = 1\n\
         [[source]]\nname = \"blogs\"\npath = \"blogs\"\nformat = \"text\"\nkind = \"blog\"\n\
         [[source]]\nname = \"rows\"\npath = \"long.csv\"\nformat = \"csv\"\nkind = \"complaint\"\n\
         [source.fields]\nid = \"id\"\ntext = \"text\"\n",
    );
    // About 35 s in a debug build on 2 cores, 5 s in a release build, five times that on a
    // machine shared with other builds; the limit only turns a hang into a failure.
    let (o, took) = t.run_within(
        std::time::Duration::from_secs(900),
        ["index", "--corpus", "corpus.toml", "--out", "ix"],
    );
    eprintln!("two 50 MB lines indexed in {took:.1?}");
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (2, 2, 0));
    let docs = table(&ix, "documents");
    let stories = line.matches("I called Comcast").count();
    for id in ["blogs:long.txt", "rows:1"] {
        let text = cell(&docs, id, "text").expect("a document");
        assert!(
            text == line,
            "{id}: the whole line is the text ({} bytes)",
            text.len()
        );
        assert_eq!(cell(&docs, id, "title"), None, "{id}: too long for a title");
        // Every name in the line is tagged: nothing is cut off.
        assert_eq!(mention_count(&ix, id, "comcast"), stories, "{id}");
        assert_eq!(mention_count(&ix, id, "phone"), stories, "{id}");
    }
    let (o, took) = t.run_within(
        std::time::Duration::from_secs(120),
        ["search", "ix", "comcast"],
    );
    eprintln!("search over two 50 MB documents in {took:.1?}");
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.starts_with("2 documents match"), "{}", o.stdout);
    assert!(
        o.stdout.contains("I called **Comcast** and they"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_million_handles_tag_without_blowing_up() {
    use replyscope::model::{Document, TagSet};
    let lex = replyscope::tag::Lexicons::defaults();
    let unknown = "@a ".repeat(1_000_000);
    let known = format!("{}@Delta ", "@a ".repeat(999)).repeat(1000);
    for (text, companies) in [(&unknown, 0), (&known, 1000)] {
        for kind in ["tweet", "blog"] {
            let doc = Document {
                id: "x:1".into(),
                kind: kind.into(),
                shape: if kind == "tweet" {
                    replyscope::model::Shape::Short
                } else {
                    replyscope::model::Shape::Long
                },
                text: text.clone(),
                ..Document::default()
            };
            let t = lex.tag(doc);
            for tag in &t.tags {
                assert!(tag.start <= tag.end && tag.end <= text.len(), "{tag:?}");
                assert!(text.is_char_boundary(tag.start) && text.is_char_boundary(tag.end));
            }
            let named = t.tags.iter().filter(|x| x.set == TagSet::Company).count();
            assert_eq!(named, companies, "{kind}: every @Delta and nothing else");
            // A tweet to accounts is an exchange (with an unnamed account, or Delta); a blog
            // post that only lists handles tells none.
            let with: Vec<&str> = t.interactions.iter().map(|i| &*i.company).collect();
            let expected: &[&str] = match (kind, companies) {
                ("tweet", 0) => &["unnamed"],
                ("tweet", _) => &["delta"],
                _ => &[],
            };
            assert_eq!(with, expected, "{kind} with {companies} companies");
        }
    }
}

#[test]
fn files_of_only_blanks_and_line_ends_are_empty_files() {
    let t = TestDir::new();
    t.write("bom.csv", b"\xEF\xBB\xBF\r\n\r\n");
    t.write("blank.jsonl", b"\n  \n\t\n");
    t.write(
        "m.toml",
        "version = 1\n\
         [[source]]\nname = \"c\"\npath = \"bom.csv\"\nformat = \"csv\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"j\"\npath = \"blank.jsonl\"\nformat = \"jsonl\"\nfields.text = \"text\"\n",
    );
    let o = t.run(["index", "--corpus", "m.toml", "--out", "ix"]);
    assert_eq!(o.code, 1, "finished with rejects: {o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (2, 0, 2));
    let got = reject_places(&ix);
    assert_eq!(
        got,
        vec![
            (
                "bom.csv".to_string(),
                None,
                "empty file (only blanks and line ends); expected a header row".to_string()
            ),
            (
                "blank.jsonl".to_string(),
                None,
                "empty file (only blanks and line ends); expected JSON lines".to_string()
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Issue 15: what a hostile or careless user gives as input.

/// Three short stories under `c/posts`, as `a.txt`, `b.txt` and `sub/c.txt`.
fn three_stories(t: &TestDir) {
    t.write(
        "c/posts/a.txt",
        "I tweeted @Zappos_Service and within 10 minutes they replied.\n",
    );
    t.write(
        "c/posts/b.txt",
        "I emailed Comcast twice and never heard back.\n",
    );
    t.write("c/posts/sub/c.txt", "I called Delta and they apologised.\n");
}

/// Issue 15.2: a `current -> .` link in a corpus folder made `**` read every file again and
/// again (3 files became 123 documents). Links to directories are not followed unless the
/// source asks, a followed link enters each directory once, and a file reached by two paths
/// is read once.
#[cfg(unix)]
#[test]
fn issue_15_2_links_to_directories_are_not_followed_and_each_file_is_read_once() {
    use std::os::unix::fs::symlink;
    let t = TestDir::new();
    three_stories(&t);
    let posts = t.path().join("c/posts");
    symlink(".", posts.join("current")).unwrap();
    symlink("..", posts.join("sub/up")).unwrap();
    symlink("current", posts.join("loop")).unwrap();
    symlink("a.txt", posts.join("again.txt")).unwrap();
    let source = |extra: &str| {
        format!("version = 1\n[[source]]\nname = \"p\"\npath = \"posts/**/*.txt\"\nformat = \"text\"\nkind = \"blog\"\n{extra}")
    };
    t.write("c/glob.toml", source(""));
    t.write("c/follow.toml", source("follow_links = true\n"));
    t.write(
        "c/dir.toml",
        "version = 1\n[[source]]\nname = \"p\"\npath = \"posts\"\nformat = \"text\"\nfollow_links = true\n",
    );
    for corpus in ["c/glob.toml", "c/follow.toml", "c/dir.toml", "c/posts"] {
        let (o, _) = t.run_within(
            std::time::Duration::from_secs(120),
            ["index", "--corpus", corpus, "--out", "ix"],
        );
        assert_eq!(o.code, 0, "{corpus}: {o:?}");
        let ix = t.path().join("ix");
        assert_eq!(counts(&ix), (3, 3, 0), "{corpus}: each file once");
        let docs = table(&ix, "documents");
        let ids: Vec<String> = docs
            .column("id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 3, "{corpus}: {ids:?}");
        assert!(
            ids.iter()
                .all(|id| id.ends_with("a.txt") || id.ends_with("b.txt") || id.ends_with("c.txt")),
            "{corpus}: {ids:?}"
        );
        assert!(
            ids.contains(&"p:a.txt".to_string()) || ids.contains(&"posts:a.txt".to_string()),
            "{corpus}: the shortest path names a file: {ids:?}"
        );
    }
}

/// Issue 15.6: `--data <(cat file.csv)` or `/dev/stdin` read the input twice (once to hash
/// it, once for its records) and called it empty, while manifest.json recorded the real size.
/// Standard input and pipes are read once; the index records what was read.
#[test]
fn issue_15_6_standard_input_and_pipes_are_read_once_and_recorded_as_read() {
    use sha2::Digest;
    use std::io::Write;
    let t = TestDir::new();
    let data = std::fs::read(fixture("corpora/reddit_posts.csv")).unwrap();
    let sha = replyscope::ingest::hex(&sha2::Sha256::digest(&data));
    let manifest = repo().join("corpus/reddit.toml");
    for (via, shown) in [
        ("-", "stdin"),
        ("/dev/stdin", "stdin"),
        ("/dev/fd/0", "/dev/fd/0"),
    ] {
        let mut child = t
            .command([
                "index",
                "--corpus",
                manifest.to_str().unwrap(),
                "--data",
                via,
                "--out",
                "ix",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let bytes = data.clone();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{via}: {stderr}");
        let ix = t.path().join("ix");
        assert_eq!(counts(&ix), (20, 20, 0), "{via}: {stderr}");
        let input = &manifest_of(&ix)["inputs"][0];
        assert_eq!(input["file"], shown, "{via}");
        assert_eq!(input["bytes"], data.len() as u64, "{via}: the bytes read");
        assert_eq!(input["sha256"], sha.as_str(), "{via}");
    }
}

fn manifest_of(ix: &std::path::Path) -> serde_json::Value {
    manifest(ix)
}

/// Issue 15.6: one NUL byte 17 KB into a 3,000-row CSV rejected the whole file as binary,
/// while the README said only the first 8 KiB were checked (the code checked 64 KiB, and
/// accepted a NUL after that). Now every reader counts a NUL the same way: in the first
/// 8 KiB, the file is binary; further on, the record holding it is rejected.
#[test]
fn issue_15_6_a_nul_byte_rejects_its_record_and_only_a_binary_head_the_file() {
    let t = TestDir::new();
    let mut csv = String::from("id,text\n");
    let mut jsonl = String::new();
    let (mut csv_line, mut json_line, mut json_nul) = (0, 0, 0);
    for i in 1..=3000 {
        if csv_line == 0 && csv.len() > 17_000 {
            csv_line = i + 1;
            csv.push_str(&format!("{i},row \0 number {i}\n"));
        } else {
            csv.push_str(&format!("{i},row number {i}\n"));
        }
        if json_line == 0 && jsonl.len() > 17_000 {
            json_line = i;
            let line = format!("{{\"id\": {i}, \"text\": \"row\0{i}\"}}\n");
            json_nul = line.find('\0').unwrap();
            jsonl.push_str(&line);
        } else {
            jsonl.push_str(&format!("{{\"id\": {i}, \"text\": \"row {i}\"}}\n"));
        }
    }
    t.write("late.csv", &csv);
    t.write("late.jsonl", &jsonl);
    t.write("early.csv", format!("id,text\n1,a\0b\n{}", &csv[8..]));
    let mut text = "a story line\n".repeat(1000);
    text.insert(9000, '\0');
    t.write("texts/late.txt", &text);
    t.write(
        "m.toml",
        "version = 1\n\
         [[source]]\nname = \"late\"\npath = \"late.csv\"\nformat = \"csv\"\nfields.id = \"id\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"json\"\npath = \"late.jsonl\"\nformat = \"jsonl\"\nfields.id = \"id\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"early\"\npath = \"early.csv\"\nformat = \"csv\"\nfields.id = \"id\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"texts\"\npath = \"texts\"\nformat = \"text\"\n",
    );
    let o = t.run(["index", "--corpus", "m.toml", "--out", "ix"]);
    assert_eq!(o.code, 1, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (3000 + 3000 + 1 + 1, 2999 + 2999, 4));
    assert_eq!(
        reject_places(&ix),
        vec![
            (
                "late.csv".to_string(),
                Some(csv_line as u64),
                "NUL byte in column \"text\"; expected text (a NUL after the first 8 KiB rejects the record, not the file)".to_string()
            ),
            (
                "late.jsonl".to_string(),
                Some(json_line as u64),
                format!("NUL byte at byte {json_nul} of the line; expected text (a NUL after the first 8 KiB rejects the record, not the file)")
            ),
            (
                "early.csv".to_string(),
                None,
                "binary file (NUL byte at offset 11); expected csv text".to_string()
            ),
            (
                "texts/late.txt".to_string(),
                None,
                "NUL byte at offset 9000 (line 693); expected text".to_string()
            ),
        ]
    );
}

/// Makes a FIFO (named pipe) at `path`.
#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
}

/// Issue 15.9: a FIFO listed as input blocked forever; `/dev/zero` as CSV spun, as text read
/// until memory ran out. Whatever is not a regular file is refused, naming it: a reject when
/// a directory or glob finds it, an error when the manifest or a flag names it; standard
/// input is read once, and no further than a binary head.
#[cfg(unix)]
#[test]
fn issue_15_9_fifos_and_devices_are_refused_without_blocking() {
    let t = TestDir::new();
    let limit = std::time::Duration::from_secs(120);
    three_stories(&t);
    mkfifo(&t.path().join("c/posts/feed.txt"));
    mkfifo(&t.path().join("c/posts/sub/feed.md"));
    let (o, _) = t.run_within(limit, ["index", "--corpus", "c/posts", "--out", "ix"]);
    assert_eq!(o.code, 1, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (5, 3, 2));
    let got = reject_places(&ix);
    for (file, line, reason) in &got {
        assert!(
            file.ends_with("feed.txt") || file.ends_with("feed.md"),
            "{file}"
        );
        assert_eq!(*line, None);
        assert_eq!(reason, "not a regular file (a FIFO); not read");
    }
    // Named in a manifest, or by --corpus, --data, --companies: an error naming it.
    t.write(
        "c/fifo.toml",
        "version = 1\n[[source]]\nname = \"p\"\npath = \"posts/feed.txt\"\nformat = \"text\"\n",
    );
    let (o, _) = t.run_within(limit, ["index", "--corpus", "c/fifo.toml", "--out", "ix2"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains(
            "c/fifo.toml: line 4: source \"p\": c/posts/feed.txt is a FIFO, not a regular file"
        ),
        "{}",
        o.stderr
    );
    let (o, _) = t.run_within(
        limit,
        ["index", "--corpus", "c/posts/feed.txt", "--out", "ix2"],
    );
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr
            .contains("c/posts/feed.txt: cannot read corpus manifest: not a regular file (a FIFO)"),
        "{}",
        o.stderr
    );
    let reddit = repo().join("corpus/reddit.toml");
    let reddit = reddit.to_str().unwrap();
    let (o, _) = t.run_within(
        limit,
        [
            "index",
            "--corpus",
            reddit,
            "--data",
            "/dev/zero",
            "--out",
            "ix2",
        ],
    );
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr
            .contains("/dev/zero is a character device, not a regular file"),
        "{}",
        o.stderr
    );
    let (o, _) = t.run_within(
        limit,
        [
            "index",
            "--corpus",
            "c/posts",
            "--companies",
            "c/posts/feed.txt",
            "--out",
            "ix2",
        ],
    );
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr
            .contains("c/posts/feed.txt: cannot read: not a regular file (a FIFO)"),
        "{}",
        o.stderr
    );
    assert!(!t.path().join("ix2").exists());
    // /dev/zero as standard input: read no further than its first bytes, then rejected.
    let out = t
        .command(["index", "--corpus", reddit, "--data", "-", "--out", "ix3"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let ix3 = t.path().join("ix3");
    assert_eq!(counts(&ix3), (1, 0, 1));
    assert_eq!(
        reject_places(&ix3),
        vec![(
            "stdin".to_string(),
            None,
            "binary file (NUL byte at offset 0); expected csv text".to_string()
        )]
    );
    // A query file that is a FIFO fails alone; the others are written.
    t.write(
        "q/good.toml",
        "title = \"Good\"\ntable = \"documents\"\nmetrics = [\"stories\"]\n",
    );
    mkfifo(&t.path().join("q/fifo.toml"));
    let (o, _) = t.run_within(
        limit,
        ["query", "ix", "q/fifo.toml", "q/good.toml", "--out", "out"],
    );
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr
            .contains("q/fifo.toml: cannot read (not a regular file (a FIFO))"),
        "{}",
        o.stderr
    );
    assert!(t.path().join("out/good.csv").exists());
    let (o, _) = t.run_within(limit, ["tag", "c/posts/feed.txt"]);
    assert_eq!(o.code, 2, "{o:?}");
    let (o, _) = t.run_within(limit, ["tag", "/dev/zero"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("a character device"), "{}", o.stderr);
}

/// Issue 15.9, the memory half: a record without end (a quote never closed, a stream without
/// line ends) is rejected at a limit instead of growing until memory runs out; so is standard
/// input beyond its limit.
#[test]
fn issue_15_9_records_and_streams_longer_than_their_limit_are_refused() {
    use std::io::Write;
    let t = TestDir::new();
    t.write("texts/small.txt", "I called Comcast.\n");
    t.write("texts/big.txt", "word ".repeat(1000));
    t.write(
        "lines.jsonl",
        format!(
            "{{\"id\": 1, \"text\": \"short\"}}\n{{\"id\": 2, \"text\": \"{}\"}}\n{{\"id\": 3, \"text\": \"short again\"}}\n",
            "x".repeat(5000)
        ),
    );
    t.write(
        "open.csv",
        format!(
            "id,text\n1,fine\n2,\"never closed\n{}",
            "3,more\n".repeat(2000)
        ),
    );
    // Without end: an open quote and 3 MB more, no line end. Read no further than the limit
    // (and the readers' buffers) past the last record.
    t.write(
        "endless.csv",
        format!("id,text\n1,\"{}", "x".repeat(3_000_000)),
    );
    t.write(
        "m.toml",
        "version = 1\n\
         [[source]]\nname = \"texts\"\npath = \"texts\"\nformat = \"text\"\n\
         [[source]]\nname = \"json\"\npath = \"lines.jsonl\"\nformat = \"jsonl\"\nfields.id = \"id\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"csv\"\npath = \"open.csv\"\nformat = \"csv\"\nfields.id = \"id\"\nfields.text = \"text\"\n\
         [[source]]\nname = \"endless\"\npath = \"endless.csv\"\nformat = \"csv\"\nfields.id = \"id\"\nfields.text = \"text\"\n",
    );
    let o = t.run([
        "index",
        "--corpus",
        "m.toml",
        "--out",
        "ix",
        "--max-record-bytes",
        "1000",
    ]);
    assert_eq!(o.code, 1, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (2 + 3 + 2 + 1, 1 + 2 + 1, 4));
    assert_eq!(
        reject_places(&ix),
        vec![
            (
                "texts/big.txt".to_string(),
                None,
                "file of 5000 bytes is larger than the limit of 1000 bytes for one document (--max-record-bytes)".to_string()
            ),
            (
                "lines.jsonl".to_string(),
                Some(2),
                "line longer than the limit of 1000 bytes (--max-record-bytes)".to_string()
            ),
            (
                "open.csv".to_string(),
                Some(3),
                "record longer than the limit of 1000 bytes (--max-record-bytes), from line 3 to line 2003; an unbalanced quote may have joined lines".to_string()
            ),
            (
                "endless.csv".to_string(),
                Some(2),
                "record longer than the limit of 1000 bytes (--max-record-bytes), from line 2 on; an unbalanced quote may have joined the rest of the file, which is not read".to_string()
            ),
        ]
    );
    // A stream without end on standard input stops at --max-stdin-bytes.
    let manifest = repo().join("corpus/reddit.toml");
    let mut child = t
        .command([
            "index",
            "--corpus",
            manifest.to_str().unwrap(),
            "--data",
            "-",
            "--out",
            "ix2",
            "--max-stdin-bytes",
            "100000",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let line = b"y,y,y,y,y\n".repeat(1000);
        while stdin.write_all(&line).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "standard input: more than 100000 bytes (--max-stdin-bytes); save the data to a file and pass that"
        ),
        "{stderr}"
    );
    assert!(!t.path().join("ix2").exists());
}
