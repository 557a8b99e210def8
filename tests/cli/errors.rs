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
    // About 35 s in a debug build on 2 cores, 5 s in a release build; the limit only turns a
    // hang into a failure.
    let (o, took) = t.run_within(
        std::time::Duration::from_secs(300),
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
            let with: Vec<&str> = t.interactions.iter().map(|i| i.company.as_str()).collect();
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
