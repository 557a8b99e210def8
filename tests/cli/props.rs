//! Property tests: random and mutated inputs never panic, every record read becomes a
//! document or a reject (records = documents + rejects), and every tag span lies inside its
//! text on char boundaries. Random query files over random small indexes count what a direct
//! count of the Parquet tables counts, and random trees of links, FIFOs and folders
//! replyscope wrote are read without hanging, each regular file once (issue 15).
//!
//! Inputs are real fixture bytes mutated (truncated, random bytes, quotes, CR, NUL, invalid
//! UTF-8, duplicated or deleted stretches) or random strings built from the words the rules
//! look for, with non-ASCII text, emoji and runs of @handles. Case counts are kept small so
//! the file runs in well under a minute in a debug build.

use super::util::*;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use replyscope::ingest::{self, date, manifest::ManifestFile, structured, whole_file, Format};
use replyscope::model::{Document, Reject, Tag};
use replyscope::tag::{gazetteer::Gazetteer, rules, Lexicons, TaggedDoc};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

/// `n` cases, or PROPTEST_CASES when set (for a longer hunt: `PROPTEST_CASES=5000 cargo
/// test --test integration props`).
fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig::with_cases(n)
}

// ---------------------------------------------------------------------------------------
// Mutations of real bytes

/// One edit of a byte string; positions scale to its length when applied.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Duplicate(Index, usize),
}

/// Bytes that break readers: quotes, line ends, NUL, invalid or partial UTF-8, a BOM,
/// delimiters, JSON and HTML syntax, entities, emoji.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b"\0",
    b",",
    b";",
    b"\t",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"<",
    b">",
    b"<!--",
    b"<script>",
    b"</p>",
    b"&amp;",
    b"&#x1F600;",
    b"&#0;",
    b"@",
    b"#",
    b"*",
    b"=",
    b"'''",
    b"${",
    b"\xf0\x9f\x98\x80",
    b"\xc3\xa9",
    b"\xe2\x80\x99",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Truncate),
        5 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Edit::Insert(i, t.to_vec())),
        2 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<Index>(), 1usize..400).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        match e {
            Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Edit::Insert(i, t) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            Edit::Delete(i, n) if len > 0 => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Duplicate(i, n) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                let piece = bytes[at..end].to_vec();
                bytes.splice(end..end, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// `base` with up to six edits.
fn mutated(base: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(edit(), 0..6).prop_map(move |e| mutate(base.to_vec(), &e))
}

/// `base` as text with up to six edits, kept only when still UTF-8 (for parsers of text).
fn mutated_text(base: &'static str) -> impl Strategy<Value = String> {
    mutated(base.as_bytes()).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A fixture file's first `max` bytes, read once.
fn fixture_bytes(rel: &str, max: usize) -> &'static [u8] {
    let mut bytes = std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes.truncate(max);
    Box::leak(bytes.into_boxed_slice())
}

fn repo_text(rel: &str) -> &'static str {
    let text = std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Box::leak(text.into_boxed_str())
}

/// `s` as a TOML string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The first `n` entries of a TOML file of `[[header]]` tables (compiling every default rule
/// in every case would make the test slow without testing more).
fn first_entries(text: &'static str, header: &str, n: usize) -> &'static str {
    let cut = text
        .match_indices(header)
        .nth(n)
        .map_or(text.len(), |(i, _)| i);
    &text[..cut]
}

// ---------------------------------------------------------------------------------------
// Reading a corpus through the real pipeline

/// Collects what ingest hands over.
#[derive(Default)]
struct Collect {
    docs: Vec<Document>,
    rejects: Vec<Reject>,
}

impl ingest::Sink for Collect {
    fn documents(&mut self, docs: Vec<Document>) -> replyscope::Result<()> {
        self.docs.extend(docs);
        Ok(())
    }
    fn reject(&mut self, reject: &Reject) -> replyscope::Result<()> {
        self.rejects.push(reject.clone());
        Ok(())
    }
}

/// Writes `files` and `manifest` into a temp dir and loads the manifest.
fn corpus(manifest: &str, files: &[(&str, &[u8])]) -> (tempfile::TempDir, ingest::Manifest) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let path = dir.path().join("corpus.toml");
    std::fs::write(&path, manifest).unwrap();
    let m = ingest::Manifest::load(&path, &BTreeMap::new()).expect("test manifest loads");
    (dir, m)
}

/// Reads the corpus with small batches and checks the accounting: records read = documents
/// + rejects, per file and in total, and exactly what the sink received.
fn read_and_check(
    m: &ingest::Manifest,
    batch_records: usize,
) -> Result<(ingest::Summary, Collect), replyscope::Error> {
    let opts = ingest::Options {
        strict: false,
        batch_records,
        batch_bytes: 1 << 10,
        ..ingest::Options::default()
    };
    let mut sink = Collect::default();
    let summary = ingest::read_corpus(m, &opts, &mut sink, &())?;
    let c = summary.counts;
    assert_eq!(c.records, c.documents + c.rejects, "{c:?}");
    assert_eq!(c.documents, sink.docs.len() as u64);
    assert_eq!(c.rejects, sink.rejects.len() as u64);
    for f in &summary.files {
        let fc = f.counts;
        assert_eq!(fc.records, fc.documents + fc.rejects, "{}: {fc:?}", f.file);
    }
    let ids: HashSet<&str> = sink.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), sink.docs.len(), "document ids are unique");
    for r in &sink.rejects {
        assert!(!r.reason.trim().is_empty(), "{r:?}");
    }
    for d in &sink.docs {
        assert!(!d.text.contains('\r'), "line ends normalised: {:?}", d.text);
    }
    Ok((summary, sink))
}

/// What the record reader of one structured file yields: records read (1 for a file that is
/// rejected whole), checking record numbers and lines as it goes; Err for a fatal mapping.
fn read_records(
    path: &Path,
    spec: &ingest::manifest::SourceSpec,
    batch: usize,
) -> Result<u64, String> {
    let (mut reader, mapper) = match structured::open(path, spec).map_err(|e| e.to_string())? {
        Err(reason) => {
            assert!(
                reason.starts_with("empty file") || reason.starts_with("binary file"),
                "{reason}"
            );
            return Ok(1);
        }
        Ok(opened) => opened,
    };
    let (mut n, mut last_line) = (0u64, 0u64);
    loop {
        let recs = reader.next_batch(batch, usize::MAX).unwrap();
        if recs.is_empty() {
            return Ok(n);
        }
        for rec in recs {
            n += 1;
            assert_eq!(rec.record, n, "records are numbered from 1 without gaps");
            assert!(
                rec.line >= 1 && rec.line >= last_line,
                "line {} after {last_line}",
                rec.line
            );
            last_line = rec.line;
            let line = rec.line;
            match mapper.map(spec, "f", rec) {
                Ok(doc) => assert_eq!(doc.line, line),
                Err(reason) => assert!(!reason.is_empty()),
            }
        }
    }
}

const CSV_MANIFEST: &str = r#"version = 1
[[source]]
name = "tweets"
path = "data.csv"
format = "csv"
kind = "tweet"
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

const CFPB_MANIFEST: &str = r#"version = 1
[[source]]
name = "cfpb"
path = "data.csv"
format = "csv"
kind = "complaint"
empty_text = "keep"
[source.fields]
id = "Complaint ID"
text = ["Issue", "Consumer complaint narrative"]
created_at = "Date received"
[source.given]
company = "Company"
channel = "Submitted via"
"#;

const JSONL_MANIFEST: &str = r#"version = 1
[[source]]
name = "posts"
path = "data.jsonl"
format = "jsonl"
[source.fields]
id = "id"
text = "text"
author = "user.name"
created_at = "created_at"
replies = "replies"
"#;

/// Records the csv crate itself counts in the file (the independent count).
fn csv_records(bytes: &[u8]) -> u64 {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(body)
        .byte_records()
        .count() as u64
}

fn check_csv(manifest: &str, bytes: &[u8], batch: usize) -> Result<(), TestCaseError> {
    let (dir, m) = corpus(manifest, &[("data.csv", bytes)]);
    let spec = &m.sources[0].spec;
    let read = read_records(&dir.path().join("data.csv"), spec, batch);
    let pipeline = read_and_check(&m, batch);
    match (read, pipeline) {
        (Err(fatal), Err(e)) => {
            // Only a header that lost a mapped column stops the run.
            prop_assert!(
                fatal.contains("the header has no column")
                    || fatal.contains("cannot read the CSV header"),
                "{fatal}"
            );
            prop_assert_eq!(fatal, e.to_string());
        }
        (Ok(records), Ok((summary, _))) => {
            prop_assert_eq!(summary.counts.records, records);
            // A file of nothing, a NUL byte, or only a byte-order mark, blanks and line ends
            // is one reject of the whole file (one record read), by design.
            let blank = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let rejected_whole =
                bytes.is_empty() || bytes.contains(&0) || blank.trim_ascii().is_empty();
            if !rejected_whole {
                prop_assert_eq!(records, csv_records(bytes), "every CSV record is read");
            }
        }
        (read, pipeline) => prop_assert!(false, "reader {read:?} vs pipeline {:?}", pipeline.err()),
    }
    Ok(())
}

fn twcs_csv() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| fixture_bytes("corpora/twcs_head1000.csv", 5000))
}

fn bad_tweets_csv() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| fixture_bytes("bad_input/tweets.csv", 1 << 16))
}

fn cfpb_csv() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| fixture_bytes("corpora/cfpb_complaints.csv", 6000))
}

fn posts_jsonl() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| {
        // The fixture's 10,000-deep line makes every case slow; a shallower one still
        // trips the recursion limit.
        let text = String::from_utf8(fixture_bytes("bad_input/posts.jsonl", 1 << 20).to_vec()).unwrap();
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                if l.len() > 1000 {
                    format!("{}{}", "[".repeat(200), "]".repeat(200))
                } else {
                    l.to_string()
                }
            })
            .collect();
        let extra = "{\"id\": \"b\", \"text\": \"nested \\u00e9 \\ud83d\\ude00\", \"user\": {\"name\": \"x\"}, \"replies\": [\"a\", 2]}\n";
        Box::leak((lines.join("\n") + "\n" + extra).into_bytes().into_boxed_slice())
    })
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn csv_reader_accounts_for_every_record(
        bytes in prop_oneof![mutated(twcs_csv()), mutated(bad_tweets_csv())],
        batch in 1usize..5,
    ) {
        check_csv(CSV_MANIFEST, &bytes, batch)?;
    }

    #[test]
    fn csv_with_multiline_fields_accounts_for_every_record(
        bytes in mutated(cfpb_csv()),
        batch in 1usize..5,
    ) {
        check_csv(CFPB_MANIFEST, &bytes, batch)?;
    }

    #[test]
    fn jsonl_reader_accounts_for_every_line(bytes in mutated(posts_jsonl()), batch in 1usize..5) {
        let (dir, m) = corpus(JSONL_MANIFEST, &[("data.jsonl", &bytes)]);
        let records = read_records(&dir.path().join("data.jsonl"), &m.sources[0].spec, batch)
            .expect("a JSON lines mapping is never fatal");
        let (summary, _) = read_and_check(&m, batch).expect("JSON lines never stop the run");
        prop_assert_eq!(summary.counts.records, records);
        if !bytes.is_empty() && !bytes.contains(&0) {
            let lines = bytes.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty()).count() as u64;
            prop_assert_eq!(records, lines, "one record per non-blank line");
        }
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Each record's line is the line it starts on, with quoted fields spanning lines and
    /// CRLF or LF line ends (the line a reject names is where to look).
    #[test]
    fn csv_records_report_the_line_they_start_on(
        texts in prop::collection::vec(
            prop::collection::vec(select(&["a", "b \"q\"", ",", "\n", "\r\n", " ", "é😀"][..]), 1..6)
                .prop_map(|parts| format!("x{}", parts.concat())),
            0..30,
        ),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let terminator = if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        let mut expected = Vec::new();
        let mut line = 1u64;
        let mut write = |fields: &[&str], bytes: &mut Vec<u8>| {
            let mut w = csv::WriterBuilder::new().terminator(terminator).from_writer(Vec::new());
            w.write_record(fields).unwrap();
            let out = w.into_inner().unwrap();
            let start = line;
            line += out.iter().filter(|&&b| b == b'\n').count() as u64;
            bytes.extend_from_slice(&out);
            start
        };
        write(&["id", "text"], &mut bytes);
        for (i, text) in texts.iter().enumerate() {
            let id = (i + 1).to_string();
            expected.push((format!("s:{id}"), write(&[&id, text], &mut bytes)));
        }
        let manifest = "version = 1\n[[source]]\nname = \"s\"\npath = \"data.csv\"\nformat = \"csv\"\n[source.fields]\nid = \"id\"\ntext = \"text\"\n";
        let (_dir, m) = corpus(manifest, &[("data.csv", &bytes)]);
        let (_, sink) = read_and_check(&m, 3).expect("a well-formed CSV reads");
        prop_assert!(sink.rejects.is_empty(), "{:?}", sink.rejects);
        let got: Vec<(String, u64)> = sink.docs.iter().map(|d| (d.id.clone(), d.line)).collect();
        prop_assert_eq!(got, expected);
    }
}

const BLANKS: &[&[u8]] = &[b"\n", b"\r", b"\r\n", b" ", b"\t"];

proptest! {
    #![proptest_config(cases(32))]

    /// Nothing but a byte-order mark, blanks and line ends is an empty file: one record read,
    /// one reject (it once was a fatal "header has no column" for CSV and 0 records for JSON).
    #[test]
    fn blank_files_are_one_reject(
        bom in any::<bool>(),
        parts in prop::collection::vec(select(BLANKS), 0..8),
        jsonl in any::<bool>(),
    ) {
        let bom: &[u8] = if bom { b"\xEF\xBB\xBF" } else { b"" };
        let bytes = [bom, &parts.concat()].concat();
        let (name, manifest) = if jsonl { ("data.jsonl", JSONL_MANIFEST) } else { ("data.csv", CSV_MANIFEST) };
        let (_dir, m) = corpus(manifest, &[(name, &bytes)]);
        let (summary, sink) = read_and_check(&m, 3).expect("an empty file does not stop the run");
        prop_assert_eq!((summary.counts.records, summary.counts.rejects), (1, 1));
        prop_assert!(sink.rejects[0].reason.starts_with("empty file"), "{:?}", sink.rejects[0]);
    }
}

// ---------------------------------------------------------------------------------------
// Whole files: text, Markdown, HTML

const MARKDOWN: &str = "# Zappos rocks\n\nWithin **30 minutes** I got a reply from [@Zappos_Service](http://x).\n\n\
> quoted *text* with `code`\n\n- one\n- two <b>bold</b> &amp; more\n\n```\ncode block\n```\n\n<div>raw <script>x()</script> html</div>\n\
1. [link][ref]\n\n[ref]: http://example.com \"t\"\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

fn text_bytes() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| {
        let mut files: Vec<_> = std::fs::read_dir(repo().join("corpus/seeds"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut b = std::fs::read(&files[0]).unwrap();
        b.truncate(3000);
        b.extend_from_slice(&std::fs::read(fixture("bad_input/blogs/bom_crlf.txt")).unwrap());
        Box::leak(b.into_boxed_slice())
    })
}

fn html_bytes() -> &'static [u8] {
    static B: OnceLock<&'static [u8]> = OnceLock::new();
    B.get_or_init(|| fixture_bytes("bad_input/pages/page.html", 1 << 16))
}

fn check_page(bytes: &[u8], format: Format) -> Result<(), TestCaseError> {
    match whole_file::read(bytes, format) {
        Ok(page) => {
            prop_assert!(!page.text.trim().is_empty());
            prop_assert!(!page.text.contains('\r'), "{:?}", page.text);
            if let Some(t) = &page.title {
                prop_assert!(!t.trim().is_empty());
            }
        }
        Err(reason) => prop_assert!(
            [
                "empty file",
                "no visible text",
                "binary file",
                "invalid UTF-8"
            ]
            .iter()
            .any(|p| reason.starts_with(p)),
            "{reason}"
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn whole_file_readers_never_panic(
        text in mutated(text_bytes()),
        md in mutated(MARKDOWN.as_bytes()),
        html in mutated(html_bytes()),
        noise in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        check_page(&text, Format::Text)?;
        check_page(&md, Format::Markdown)?;
        check_page(&html, Format::Html)?;
        for f in [Format::Text, Format::Markdown, Format::Html] {
            check_page(&noise, f)?;
        }
    }

    #[test]
    fn markdown_and_html_of_deep_or_odd_structure(
        open in select(&["<div>", "<p>", "<b>", "<table><tr><td>", "> ", "* ", "[", "<!--", "<![CDATA[", "`", "<svg>", "<template>"][..]),
        depth in 0usize..3000,
        word in "\\PC{0,12}",
    ) {
        let deep = format!("{}{word}", open.repeat(depth));
        check_page(deep.as_bytes(), Format::Html)?;
        check_page(deep.as_bytes(), Format::Markdown)?;
    }
}

#[test]
fn whole_files_through_the_pipeline_are_one_record_each() {
    let manifest = "version = 1\n\
        [[source]]\nname = \"t\"\npath = \"a.txt\"\nformat = \"text\"\n\
        [[source]]\nname = \"m\"\npath = \"a.md\"\nformat = \"markdown\"\n\
        [[source]]\nname = \"h\"\npath = \"a.html\"\nformat = \"html\"\n";
    let mut runner = proptest::test_runner::TestRunner::new(cases(48));
    runner
        .run(
            &(
                mutated(text_bytes()),
                mutated(MARKDOWN.as_bytes()),
                mutated(html_bytes()),
            ),
            |(t, md, h)| {
                let (_dir, m) = corpus(manifest, &[("a.txt", &t), ("a.md", &md), ("a.html", &h)]);
                let (summary, _) = read_and_check(&m, 2).expect("whole files never stop the run");
                prop_assert_eq!(summary.counts.records, 3);
                Ok(())
            },
        )
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Dates

const DATE_FORMATS: &[&str] = &[
    "%Y", "%m", "%d", "%e", "%H", "%I", "%M", "%S", "%.f", "%z", "%:z", "%#z", "%Z", "%b", "%a",
    "%p", "%y", "%j", "%s", "%%", "%", "%+", "%c", "%D", "%T", "-", "/", " ", "T", ":",
];

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn dates_parse_or_say_why(
        raw in prop_oneof![
            "\\PC{0,40}",
            "[0-9]{1,5}[-/.][0-9]{1,3}[-/.][0-9]{1,5}([ T][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{1,12})?)?)?( ?(Z|[+-][0-9]{2}:?[0-9]{2}|[AP]M))?",
            "(Mon|Tue|Sun) (Jan|Oct|Feb) [0-9]{1,2} [0-9]{1,2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4} [0-9]{1,6}",
            "(Mon|Tue), [0-9]{1,2} (Jan|Oct) [0-9]{2,5} [0-9]{2}:[0-9]{2}:[0-9]{2} ([+-][0-9]{4}|GMT|EST)",
        ],
        format in prop::option::of(prop::collection::vec(select(DATE_FORMATS), 0..7).prop_map(|v| v.concat())),
    ) {
        match date::parse(&raw, format.as_deref()) {
            Ok(t) => {
                let year = chrono::Datelike::year(&t);
                prop_assert!((1970..=2100).contains(&year), "{raw:?} -> {t}");
                // What we store reads back as the same instant.
                prop_assert_eq!(date::parse(&t.to_rfc3339(), None), Ok(t));
            }
            Err(reason) => prop_assert!(reason.contains("created_at"), "{reason}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Manifests, query files, rule files, gazetteers

fn manifest_texts() -> &'static [&'static str] {
    static T: OnceLock<Vec<&'static str>> = OnceLock::new();
    T.get_or_init(|| {
        let mut v: Vec<&'static str> = ["twcs", "airline", "cfpb", "comcast", "reddit", "corpus"]
            .iter()
            .map(|n| repo_text(&format!("corpus/{n}.toml")))
            .collect();
        v.push(repo_text("tests/fixtures/bad_input/manifest.toml"));
        v
    })
}

fn query_texts() -> &'static [&'static str] {
    static T: OnceLock<Vec<&'static str>> = OnceLock::new();
    T.get_or_init(|| {
        let mut files: Vec<_> = std::fs::read_dir(repo().join("queries"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| &*Box::leak(std::fs::read_to_string(p).unwrap().into_boxed_str()))
            .collect()
    })
}

/// One of `texts`, mutated.
fn mutated_one(texts: &'static [&'static str]) -> impl Strategy<Value = String> {
    (select(texts), prop::collection::vec(edit(), 0..6))
        .prop_map(|(t, e)| String::from_utf8_lossy(&mutate(t.as_bytes().to_vec(), &e)).into_owned())
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn manifests_load_or_say_where(text in mutated_one(manifest_texts())) {
        let parsed = toml::from_str::<ManifestFile>(&text);
        // Load the file too, unless a mutated path could send the glob over the whole disk.
        let safe = parsed.as_ref().is_ok_and(|f| {
            f.sources.iter().all(|s| !s.path.contains("..") && !s.path.starts_with(['/', '~', '*']) && !s.path.contains("**"))
        });
        if parsed.is_err() || safe {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("m.toml");
            std::fs::write(&path, &text).unwrap();
            if let Err(e) = ingest::Manifest::load(&path, &BTreeMap::new()) {
                prop_assert!(e.to_string().contains("m.toml"), "{e}");
            }
        }
    }

    #[test]
    fn query_files_parse_or_say_where(
        text in prop_oneof![4 => mutated_one(query_texts()), 1 => "\\PC{0,80}"],
    ) {
        if let Err(e) = replyscope::query::spec::parse("q.toml", &text) {
            prop_assert!(e.starts_with("q.toml: "), "{e}");
        }
    }

    #[test]
    fn rule_files_load_or_say_where(
        channels in mutated_text(first_entries(replyscope::tag::DEFAULTS[1].1, "[[rule]]", 4)),
        outcomes in mutated_text(first_entries(replyscope::tag::DEFAULTS[2].1, "[[rule]]", 4)),
        roles in mutated_text(first_entries(replyscope::tag::DEFAULTS[3].1, "[[rule]]", 4)),
    ) {
        for (text, kind) in [
            (&channels, rules::FileKind::Channels),
            (&outcomes, rules::FileKind::Outcomes),
            (&roles, rules::FileKind::Roles),
        ] {
            if let Err(e) = rules::load("r.toml", text, kind) {
                prop_assert!(e.to_string().starts_with("r.toml: "), "{e}");
            }
        }
    }

    #[test]
    fn gazetteers_load_and_find_on_char_boundaries(
        file in mutated_text(first_entries(replyscope::tag::DEFAULTS[0].1, "[[company]]", 12)),
        aliases in prop::collection::vec("\\PC{0,6}", 1..4),
        handle in "[A-Za-z0-9_]{0,6}",
        text in "\\PC{0,120}",
    ) {
        let own = format!(
            "version = 1\n[[company]]\nid = \"own\"\nname = \"Own\"\naliases = {}\nhandles = [{}]\n",
            toml::Value::from(aliases.clone()), toml_str(&handle)
        );
        let mut text = text;
        for a in &aliases {
            text.push_str(&format!(" {a} @{handle}"));
        }
        for files in [
            vec![("g.toml".to_string(), file.clone())],
            vec![("g.toml".to_string(), file.clone()), ("own.toml".to_string(), own.clone())],
        ] {
            match Gazetteer::load(&files) {
                Ok(g) => {
                    for f in g.find(&text) {
                        prop_assert!(f.start < f.end && f.end <= text.len());
                        prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
                    }
                }
                Err(e) => prop_assert!(e.to_string().starts_with("g.toml: ") || e.to_string().starts_with("own.toml: "), "{e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The tagger

fn lexicons() -> &'static Lexicons {
    static L: OnceLock<Lexicons> = OnceLock::new();
    L.get_or_init(Lexicons::defaults)
}

/// Words and marks the rules react to, and text that trips byte-level code.
const VOCAB: &[&str] = &[
    "I",
    "we",
    "they",
    "called",
    "tweeted",
    "emailed",
    "email",
    "email address",
    "phone",
    "DM",
    "DM us",
    "sent you a DM",
    "DMs",
    "letter",
    "Facebook",
    "chat",
    "replied",
    "reply",
    "never replied",
    "responded",
    "within 5 minutes",
    "within an hour",
    "after 47 minutes on hold",
    "2 hours on hold",
    "would call me back within 48 hours",
    "three weeks of silence",
    "refund",
    "refunded",
    "fixed",
    "resolved",
    "thanks",
    "great",
    "terrible",
    "not happy",
    "sorry",
    "apologize",
    "should I call",
    "plan on",
    "customer service",
    "Comcast",
    "Verizon",
    "AT&T",
    "Delta",
    "delta",
    "GM",
    "Apple",
    "Better Business Bureau",
    "Yelp",
    "Bank of America",
    "@Delta",
    "@AmericanAir",
    "@sprintcare",
    "@comcastcares",
    "@116016",
    "@a",
    "@",
    "@Delta's",
    "@Delta:",
    "“@USAirways:",
    "RT",
    "delta.com",
    "www.wirefly.com",
    "Google+",
    "Mr.",
    "i.e.",
    "Jan.",
    "e.g.",
    "a",
    "the",
    "from",
    "by",
    "to",
    "é",
    "日本",
    "😀",
    "\u{200b}",
    "ﬁ",
    "’s",
    "'s",
    "“",
    "”",
    "\"",
    ".",
    "!",
    "?",
    ",",
    ";",
    ":",
    "(",
    ")",
    "-",
    "#",
    "&amp;",
    "\t",
];

const SEPARATORS: &[&str] = &[" ", " ", " ", "", "\n", ". ", "? ", "! ", "\n\n", "  "];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((select(VOCAB), select(SEPARATORS)), 0..120)
        .prop_map(|v| v.into_iter().flat_map(|(w, s)| [w, s]).collect())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => soup(),
        1 => "\\PC{0,300}",
        1 => (0usize..5000, soup()).prop_map(|(n, s)| format!("{}{s}", "@a ".repeat(n))),
        1 => (1usize..300, select(VOCAB)).prop_map(|(n, w)| format!("{w} ").repeat(n)),
    ]
}

fn doc() -> impl Strategy<Value = Document> {
    (
        text(),
        select(&["blog", "tweet", "post", "complaint", "review"][..]),
        prop::option::of(select(
            &["Delta", "sprintcare", "AmericanAir", "12345", "é"][..],
        )),
        prop::option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(|(text, kind, author, inbound, linked)| {
            let mut d = Document {
                id: "p:1".into(),
                source: "p".into(),
                kind: kind.into(),
                author: author.map(str::to_string),
                text,
                ..Document::default()
            };
            d.thread.inbound = inbound;
            if linked {
                d.thread.in_reply_to = Some("p:0".into());
            }
            d
        })
}

/// Every tag span inside the text on char boundaries, tags ordered by span, evidence valid.
fn check_tagged(t: &TaggedDoc) -> Result<(), TestCaseError> {
    let text = &t.doc.text;
    let ok = |start: usize, end: usize| {
        start <= end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
    };
    for tag in &t.tags {
        prop_assert!(ok(tag.start, tag.end), "{tag:?} in {} bytes", text.len());
        prop_assert!(!tag.label.is_empty() && !tag.rule.is_empty(), "{tag:?}");
    }
    let spans: Vec<(usize, usize)> = t.tags.iter().map(|x: &Tag| (x.start, x.end)).collect();
    prop_assert!(
        spans.windows(2).all(|w| w[0] <= w[1]),
        "tags ordered by span"
    );
    for i in &t.interactions {
        prop_assert_eq!(&i.doc_id, &t.doc.id);
        prop_assert!(!i.company.is_empty());
        for e in &i.evidence {
            prop_assert!(ok(e.start, e.end), "{e:?}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(192))]

    #[test]
    fn tag_spans_lie_inside_the_text_on_char_boundaries(d in doc()) {
        let lex = lexicons();
        check_tagged(&lex.tag(d.clone()))?;
        check_tagged(&lex.tag_as_text(d))?;
    }
}

proptest! {
    #![proptest_config(cases(12))]

    /// A study's own rules (any position, any window, sentence-wide cues) and gazetteer.
    #[test]
    fn own_rules_tag_on_char_boundaries(
        position in select(&["sentence", "before", "after", "near"][..]),
        window in prop_oneof![Just(0i64), 0i64..200, Just(i64::MAX)],
        pattern in select(&["\\bcall(?:ed)?\\b", "é|😀", "\\w+", "(?:)", ".", "^", "$", "\\s"][..]),
        alias in "\\PC{2,8}",
        docs in prop::collection::vec(doc(), 4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let roles = format!(
            "{}\n[[rule]]\nid = \"role.own\"\ncue = \"service\"\nposition = {position:?}\nwindow = {window}\npattern = {}\n\
             [[rule]]\nid = \"role.own_actor\"\ncue = \"actor\"\npattern = {}\n",
            replyscope::tag::DEFAULTS[3].1, toml_str(pattern), toml_str(pattern)
        );
        std::fs::write(dir.path().join("roles.toml"), roles).unwrap();
        let companies = dir.path().join("study.toml");
        std::fs::write(
            &companies,
            format!("version = 1\n[[company]]\nid = \"own\"\nname = \"Own\"\naliases = [{}]\n", toml_str(alias.trim())),
        ).unwrap();
        let lex = match Lexicons::load(Some(dir.path()), Some(&companies)) {
            Ok(l) => l,
            Err(e) => {
                // Only the generated alias can be refused (too short, or another company's name).
                prop_assert!(e.to_string().contains("study.toml"), "{e}");
                return Ok(());
            }
        };
        for mut d in docs {
            d.text.push_str(&format!(" {alias} called {alias}. {alias}"));
            check_tagged(&lex.tag(d))?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// End to end: a random CSV through `replyscope index`

#[derive(Debug, Clone)]
struct Row {
    id: String,
    author: String,
    inbound: String,
    created_at: String,
    text: String,
    replies: String,
    in_reply_to: String,
}

fn row() -> impl Strategy<Value = Row> {
    let id = prop_oneof![4 => (1u32..40).prop_map(|n| n.to_string()), 1 => "\\PC{0,4}", 1 => Just("3.0".to_string())];
    (
        id,
        prop_oneof![
            Just("sprintcare".to_string()),
            Just("115712".to_string()),
            "[a-z]{0,5}"
        ],
        select(&["True", "False", "", "maybe", "1"][..]),
        select(
            &[
                "Tue Oct 31 22:10:47 +0000 2017",
                "2017-10-31T22:10:47Z",
                "",
                "yesterday",
                "2190-01-01",
                "2/24/2015",
            ][..],
        ),
        prop_oneof![
            soup(),
            "\\PC{0,40}",
            Just(String::new()),
            Just("a \"quoted\"\r\nline, with comma".to_string())
        ],
        prop_oneof![
            Just(String::new()),
            (1u32..40).prop_map(|n| n.to_string()),
            Just("2,3".to_string())
        ],
        prop_oneof![
            Just(String::new()),
            (1u32..40).prop_map(|n| format!("{n}.0"))
        ],
    )
        .prop_map(
            |(id, author, inbound, created_at, text, replies, in_reply_to)| Row {
                id,
                author,
                inbound: inbound.into(),
                created_at: created_at.into(),
                text,
                replies,
                in_reply_to,
            },
        )
}

proptest! {
    #![proptest_config(cases(16))]

    #[test]
    fn random_csv_through_the_binary_accounts_for_every_record(
        rows in prop::collection::vec(row(), 0..40),
        raw_tail in prop::option::of(mutated_text("1,x,True,2017-10-31,\"open quote\n2,y,False,,text,,\n")),
    ) {
        let t = TestDir::new();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]).unwrap();
        for r in &rows {
            w.write_record([&r.id, &r.author, &r.inbound, &r.created_at, &r.text, &r.replies, &r.in_reply_to]).unwrap();
        }
        let mut bytes = w.into_inner().unwrap();
        if let Some(tail) = &raw_tail {
            bytes.extend_from_slice(tail.as_bytes());
        }
        t.write("data.csv", &bytes);
        let o = t.index_file("twcs.toml", &t.path().join("data.csv"), "ix");
        prop_assert!(o.code == 0 || o.code == 1, "{o:?}");
        let ix = t.path().join("ix");
        let (records, docs, rejected) = counts(&ix);
        prop_assert_eq!(records, docs + rejected);
        if raw_tail.is_none() {
            prop_assert_eq!(records, rows.len() as u64, "one record per row written");
        }
        prop_assert_eq!(rejects(&ix).len() as u64, rejected);
        prop_assert_eq!(table(&ix, "documents").height() as u64, docs);
        prop_assert_eq!(o.code, i32::from(rejected > 0));
    }
}

// ---------------------------------------------------------------------------------------
// The query engine: random query files over random small indexes (issue 15). Every count a
// table shows equals a count made here, straight from the index's Parquet tables, whatever
// the metrics, keys, filters, dates and full-text restriction combined.

/// The rules `replyscope index` uses for the ready manifests (with the study's gazetteer).
fn study_lexicons() -> std::sync::Arc<Lexicons> {
    static L: OnceLock<std::sync::Arc<Lexicons>> = OnceLock::new();
    L.get_or_init(|| {
        let args = replyscope::cli::RuleArgs {
            rules: None,
            companies: None,
        };
        let lex = replyscope::config::lexicons(&args, Some(&repo().join("corpus/twcs.toml")));
        std::sync::Arc::new(lex.expect("study rules load"))
    })
    .clone()
}

/// The header and the records of the twcs slice, each a CSV line as written.
fn twcs_records() -> &'static (String, Vec<String>) {
    static R: OnceLock<(String, Vec<String>)> = OnceLock::new();
    R.get_or_init(|| {
        let mut rd = csv::Reader::from_path(fixture("corpora/twcs_head1000.csv")).unwrap();
        let line = |r: &csv::StringRecord| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(r).unwrap();
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        };
        let header = line(rd.headers().unwrap());
        let records = rd.records().map(|r| line(&r.unwrap())).collect();
        (header, records)
    })
}

/// An index of the chosen tweets (thread interactions) and seed stories (text interactions).
fn small_index(rows: &[usize], seeds: &[bool]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (header, records) = twcs_records();
    let mut csv = header.clone();
    for &r in rows {
        csv.push_str(&records[r]);
    }
    std::fs::write(dir.path().join("tweets.csv"), csv).unwrap();
    std::fs::create_dir_all(dir.path().join("blogs")).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(repo().join("corpus/seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for (p, keep) in names.iter().zip(seeds) {
        if *keep {
            std::fs::copy(p, dir.path().join("blogs").join(p.file_name().unwrap())).unwrap();
        }
    }
    let twcs = std::fs::read_to_string(repo().join("corpus/twcs.toml")).unwrap();
    let manifest = format!(
        "{}\n[[source]]\nname = \"blogs\"\npath = \"blogs\"\nformat = \"text\"\nkind = \"blog\"\n",
        twcs.replace("${REPLYSCOPE_DATA}", "tweets.csv")
    );
    std::fs::write(dir.path().join("corpus.toml"), manifest).unwrap();
    let m = ingest::Manifest::load(&dir.path().join("corpus.toml"), &BTreeMap::new()).unwrap();
    let cfg = replyscope::pipeline::IndexConfig {
        manifest: m,
        out: dir.path().join("ix"),
        ingest: ingest::Options::default(),
        index_threads: 1,
        lexicons: study_lexicons(),
        wait: false,
        full: false,
        shard: None,
    };
    replyscope::pipeline::build_index(&cfg, &()).expect("the index builds");
    dir
}

/// What a random query file says.
#[derive(Debug, Clone)]
struct QuerySpec {
    table: &'static str,
    group_by: Vec<&'static str>,
    metrics: Vec<&'static str>,
    filter: Option<(&'static str, Vec<&'static str>)>,
    since: Option<&'static str>,
    until: Option<&'static str>,
    search: Option<&'static str>,
}

/// Per table: group keys, metrics, filterable fields with values to pick from, time column.
type TableChoices = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [(&'static str, &'static [&'static str])],
    &'static str,
);

const QUERY_TABLES: &[TableChoices] = &[
    (
        "interactions",
        &[
            "company",
            "source",
            "kind",
            "basis",
            "responded",
            "first_channel",
            "switched",
            "resolution",
            "sentiment",
            "latency_kind",
            "month(opened_at)",
            "year(opened_at)",
        ],
        &[
            "stories",
            "response_rate",
            "resolution_rate",
            "channel_switch_rate",
            "latency",
            "kaplan_meier",
            "share:responded",
            "share:channels",
            "share:moves",
        ],
        &[
            (
                "company",
                &["comcast", "apple", "amazon", "sprint", "zappos", "nobody"],
            ),
            ("responded", &["yes", "no", "unknown"]),
            ("basis", &["thread", "text"]),
            ("channels", &["twitter", "twitter_dm", "phone", "email"]),
            ("moves", &["apology", "redirect", "asks_details", "fix"]),
            ("switched", &["true", "false"]),
        ],
        "opened_at",
    ),
    (
        "documents",
        &["source", "kind", "inbound", "month(created_at)"],
        &["stories"],
        &[
            ("kind", &["tweet", "blog"]),
            ("inbound", &["true", "false"]),
            ("source", &["twcs", "blogs", "other"]),
        ],
        "created_at",
    ),
    (
        "mentions",
        &["set", "label", "role", "source", "actor"],
        &["stories", "roles"],
        &[
            ("set", &["company", "channel", "responded", "move"]),
            ("role", &["subject", "addressee", "responder", "mention"]),
            ("label", &["comcast", "apple", "twitter", "phone", "delta"]),
        ],
        "",
    ),
];

const DATES: &[&str] = &["2017-10-01", "2017-10-31", "2017-11-01", "2017-12-01"];
const SEARCHES: &[&str] = &[
    "help",
    "dm OR phone",
    "\"direct message\"",
    "company:comcast",
    "help NOT dm",
];

fn query_spec() -> impl Strategy<Value = QuerySpec> {
    (
        0usize..QUERY_TABLES.len(),
        prop::collection::vec(any::<Index>(), 0..3),
        prop::collection::vec(any::<Index>(), 1..4),
        prop::option::of((any::<Index>(), prop::collection::vec(any::<Index>(), 1..3))),
        prop::option::of(any::<Index>()),
        prop::option::of(any::<Index>()),
        prop::option::weighted(0.3, any::<Index>()),
    )
        .prop_map(|(t, keys, metrics, filter, since, until, search)| {
            let (table, key_pool, metric_pool, filter_pool, time) = QUERY_TABLES[t];
            let mut group_by: Vec<&str> = Vec::new();
            for k in keys {
                let k = *k.get(key_pool);
                if !group_by.contains(&k) {
                    group_by.push(k);
                }
            }
            let mut ms: Vec<&str> = Vec::new();
            for m in metrics {
                let m = *m.get(metric_pool);
                // A group key and a metric may not make two columns of one name.
                let clash = m == "channel_switch_rate" && group_by.contains(&"switched");
                if !ms.contains(&m) && !clash {
                    ms.push(m);
                }
            }
            if ms.is_empty() {
                ms.push("stories");
            }
            let filter = filter.map(|(f, vals)| {
                let (field, pool) = *f.get(filter_pool);
                let mut values: Vec<&str> = Vec::new();
                for v in vals {
                    let v = *v.get(pool);
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                (field, values)
            });
            let timed = !time.is_empty();
            QuerySpec {
                table,
                group_by,
                metrics: ms,
                filter,
                since: since.filter(|_| timed).map(|i| *i.get(DATES)),
                until: until.filter(|_| timed).map(|i| *i.get(DATES)),
                search: search.map(|i| *i.get(SEARCHES)),
            }
        })
}

impl QuerySpec {
    fn toml(&self) -> String {
        let list = |v: &[&str]| v.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", ");
        let mut s = format!(
            "title = \"random\"\ntable = \"{}\"\ngroup_by = [{}]\nmetrics = [{}]\n",
            self.table,
            list(&self.group_by),
            list(&self.metrics)
        );
        if self.metrics.contains(&"kaplan_meier") {
            s.push_str("answered_within = [\"1h\"]\n");
        }
        if let Some(q) = self.search {
            s.push_str(&format!("search = {}\n", toml_str(q)));
        }
        s.push_str("[filter]\n");
        if let Some((f, values)) = &self.filter {
            s.push_str(&format!("{f} = [{}]\n", list(values)));
        }
        if let Some(d) = self.since {
            s.push_str(&format!("since = \"{d}\"\n"));
        }
        if let Some(d) = self.until {
            s.push_str(&format!("until = \"{d}\"\n"));
        }
        s
    }
}

/// A table of the index read here: text of each column (datetimes as milliseconds), numbers
/// of the float columns.
struct Raw {
    text: BTreeMap<String, Vec<Option<String>>>,
    num: BTreeMap<String, Vec<Option<f64>>>,
    len: usize,
}

fn read_raw(ix: &Path, table_name: &str) -> Raw {
    use polars::prelude::*;
    let df = table(ix, table_name);
    let mut raw = Raw {
        text: BTreeMap::new(),
        num: BTreeMap::new(),
        len: df.height(),
    };
    for c in df.columns() {
        let name = c.name().to_string();
        match c.dtype() {
            DataType::Float64 | DataType::Float32 => {
                let c = c.cast(&DataType::Float64).unwrap();
                raw.num.insert(name, c.f64().unwrap().iter().collect());
            }
            DataType::List(_) => {
                raw.text.insert(name, replyscope::schema::texts(c).unwrap());
            }
            DataType::Datetime(..) => {
                let c = c.cast(&DataType::Int64).unwrap();
                let v = c
                    .i64()
                    .unwrap()
                    .iter()
                    .map(|x| x.map(|ms| ms.to_string()))
                    .collect();
                raw.text.insert(name, v);
            }
            _ => {
                let c = c.cast(&DataType::String).unwrap();
                let v = c
                    .str()
                    .unwrap()
                    .iter()
                    .map(|x| x.map(str::to_string))
                    .collect();
                raw.text.insert(name, v);
            }
        }
    }
    raw
}

impl Raw {
    fn get(&self, col: &str, i: usize) -> Option<&str> {
        self.text.get(col).and_then(|c| c[i].as_deref())
    }
}

fn joined_sep(field: &str) -> Option<&'static str> {
    match field {
        "channels" | "redirect_to" => Some(">"),
        "moves" => Some(","),
        _ => None,
    }
}

fn day_ms(d: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// Counts every cell of the query's table straight from the rows, and compares them with
/// what the engine made.
fn check_query(
    ix: &Path,
    spec: &QuerySpec,
    got: &replyscope::query::Table,
) -> Result<(), TestCaseError> {
    use replyscope::query::Value;
    let raw = read_raw(ix, spec.table);
    let time_col = QUERY_TABLES.iter().find(|t| t.0 == spec.table).unwrap().4;
    let ids = spec
        .search
        .map(|q| replyscope::search::matching_ids(ix, q).unwrap());
    let id_col = if spec.table == "documents" {
        "id"
    } else {
        "doc_id"
    };
    let kept: Vec<usize> = (0..raw.len)
        .filter(|&i| {
            ids.as_ref()
                .is_none_or(|ids| raw.get(id_col, i).is_some_and(|d| ids.contains(d)))
        })
        .filter(|&i| match &spec.filter {
            None => true,
            Some((f, values)) => raw.get(f, i).is_some_and(|v| match joined_sep(f) {
                Some(sep) => v.split(sep).any(|x| values.contains(&x)),
                None => values.contains(&v),
            }),
        })
        .filter(|&i| {
            let t = raw.get(time_col, i).and_then(|v| v.parse::<i64>().ok());
            spec.since.is_none_or(|d| t.is_some_and(|t| t >= day_ms(d)))
                && spec.until.is_none_or(|d| t.is_some_and(|t| t < day_ms(d)))
        })
        .collect();
    let key_of = |i: usize| -> Vec<String> {
        spec.group_by
            .iter()
            .map(|k| match k.split_once('(') {
                Some((bucket, rest)) => {
                    let col = rest.trim_end_matches(')');
                    let fmt = if bucket == "month" { "%Y-%m" } else { "%Y" };
                    raw.get(col, i)
                        .and_then(|v| v.parse::<i64>().ok())
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|d| d.format(fmt).to_string())
                        .unwrap_or_else(|| "(none)".into())
                }
                None => raw.get(k, i).unwrap_or("(none)").to_string(),
            })
            .collect()
    };
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for &i in &kept {
        groups.entry(key_of(i)).or_default().push(i);
    }
    if spec.group_by.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), Vec::new());
    }
    let nkeys = spec.group_by.len();
    let mut rows: BTreeMap<Vec<String>, BTreeMap<String, Value>> = BTreeMap::new();
    for r in &got.rows {
        let key: Vec<String> = r.values[..nkeys]
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        let cells = got
            .columns
            .iter()
            .zip(&r.values)
            .skip(nkeys)
            .map(|(c, v)| (c.name.clone(), v.clone()))
            .collect();
        prop_assert!(rows.insert(key, cells).is_none(), "one row per group");
    }
    prop_assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        groups.keys().collect::<Vec<_>>(),
        "the groups"
    );
    let count =
        |idx: &[usize], f: &dyn Fn(usize) -> bool| idx.iter().filter(|&&i| f(i)).count() as u64;
    let raw_ref = &raw;
    let is =
        move |col: &'static str, v: &'static str| move |i: usize| raw_ref.get(col, i) == Some(v);
    for (key, idx) in &groups {
        let cells = &rows[key];
        let n = idx.len() as u64;
        let mut want: Vec<(String, Value)> = Vec::new();
        let rate = |k: u64, n: u64| (k, n);
        let mut rates: Vec<(String, (u64, u64))> = Vec::new();
        for m in &spec.metrics {
            match *m {
                "stories" => want.push(("stories".into(), Value::Count(n))),
                "response_rate" => {
                    let (y, no) = (
                        count(idx, &is("responded", "yes")),
                        count(idx, &is("responded", "no")),
                    );
                    want.push(("answered".into(), Value::Count(y)));
                    want.push(("unanswered".into(), Value::Count(no)));
                    want.push((
                        "unknown".into(),
                        Value::Count(count(idx, &is("responded", "unknown"))),
                    ));
                    rates.push(("response_rate".into(), rate(y, y + no)));
                }
                "resolution_rate" => {
                    let (y, no) = (
                        count(idx, &is("resolution", "resolved")),
                        count(idx, &is("resolution", "unresolved")),
                    );
                    want.push(("resolved".into(), Value::Count(y)));
                    want.push(("unresolved".into(), Value::Count(no)));
                    want.push(("resolution_unknown".into(), Value::Count(n - y - no)));
                    rates.push(("resolution_rate".into(), rate(y, y + no)));
                }
                "channel_switch_rate" => {
                    let k = count(idx, &is("switched", "true"));
                    want.push(("switched".into(), Value::Count(k)));
                    rates.push(("switch_rate".into(), rate(k, n)));
                }
                "latency" | "kaplan_meier" => {
                    let exact = |i: usize| {
                        raw.get("responded", i) == Some("yes")
                            && raw.get("latency_kind", i) == Some("exact")
                            && raw.num["latency_seconds"][i].is_some()
                    };
                    let events = count(idx, &exact);
                    if *m == "latency" {
                        want.push(("latency_n".into(), Value::Count(events)));
                    } else {
                        let censored = count(idx, &|i| {
                            raw.get("responded", i) == Some("no")
                                && raw.num["censor_seconds"][i].is_some()
                        });
                        want.push(("km_n".into(), Value::Count(events + censored)));
                    }
                }
                "roles" => {
                    let docs = |party: bool| -> HashSet<&str> {
                        idx.iter()
                            .filter(|&&i| {
                                !party || raw.get("role", i).is_some_and(|r| r != "mention")
                            })
                            .filter_map(|&i| raw.get("doc_id", i))
                            .collect()
                    };
                    let (named, party) = (docs(false).len() as u64, docs(true).len() as u64);
                    want.push(("named_in_docs".into(), Value::Count(named)));
                    want.push(("party_docs".into(), Value::Count(party)));
                    want.push(("mention_only_docs".into(), Value::Count(named - party)));
                }
                share => {
                    let field = share.strip_prefix("share:").unwrap();
                    let split = |v: &str| -> Vec<String> {
                        match joined_sep(field) {
                            Some(sep) => v.split(sep).map(str::to_string).collect(),
                            None => vec![v.to_string()],
                        }
                    };
                    let values: std::collections::BTreeSet<String> = kept
                        .iter()
                        .filter_map(|&i| raw.get(field, i))
                        .flat_map(split)
                        .collect();
                    for v in values {
                        let k = count(idx, &|i| {
                            raw.get(field, i).is_some_and(|x| split(x).contains(&v))
                        });
                        want.push((format!("{field}:{v}"), Value::Share(k, n)));
                    }
                }
            }
        }
        for (col, v) in &want {
            prop_assert_eq!(
                cells.get(col),
                Some(v),
                "{:?} {}: {}",
                key,
                col,
                spec.toml()
            );
        }
        for (col, (k, n)) in &rates {
            match cells.get(col) {
                Some(Value::Rate(r)) => {
                    prop_assert_eq!((r.k, r.n), (*k, *n), "{:?} {}: {}", key, col, spec.toml())
                }
                Some(Value::Null) => prop_assert_eq!(*n, 0, "{:?} {}", key, col),
                other => prop_assert!(false, "{:?} {}: {:?}", key, col, other),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(6))]

    #[test]
    fn random_queries_over_random_indexes_count_like_a_direct_count(
        rows in proptest::sample::subsequence((0..1000).collect::<Vec<usize>>(), 20..300),
        seeds in prop::collection::vec(any::<bool>(), 5),
        specs in prop::collection::vec(query_spec(), 8),
    ) {
        let dir = small_index(&rows, &seeds);
        let ix = dir.path().join("ix");
        for (n, spec) in specs.iter().enumerate() {
            let text = spec.toml();
            let path = format!("q{n}.toml");
            let q = replyscope::query::spec::parse(&path, &text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let table = replyscope::query::run(&ix, &q)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            check_query(&ix, spec, &table)?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The CLI's path handling: random trees of files, links (to files and directories, loops,
// dangling), FIFOs, and folders replyscope wrote (issue 15). Nothing hangs, each regular file
// is read once, each FIFO is one reject, nothing inside an index or output folder is read,
// and a run that writes its index and tables inside the corpus reads the same corpus again.

#[cfg(unix)]
#[derive(Debug, Clone)]
enum Node {
    File,
    Dir,
    Link(Index),
    Fifo,
    Dangling,
    Output,
    FakeIndex,
}

#[cfg(unix)]
fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        4 => Just(Node::File),
        3 => Just(Node::Dir),
        3 => any::<Index>().prop_map(Node::Link),
        1 => Just(Node::Fifo),
        1 => Just(Node::Dangling),
        1 => Just(Node::Output),
        1 => Just(Node::FakeIndex),
    ]
}

/// Builds the tree under `root`: each entry goes into a directory made before it.
#[cfg(unix)]
fn build_tree(root: &Path, entries: &[(Index, Node)]) {
    use std::os::unix::fs::symlink;
    let mut dirs = vec![root.to_path_buf()];
    let mut all = vec![root.to_path_buf()];
    for (k, (parent, node)) in entries.iter().enumerate() {
        let parent = dirs[parent.index(dirs.len())].clone();
        let path = parent.join(format!("n{k}.txt"));
        match node {
            Node::File => {
                std::fs::write(&path, format!("I called Comcast about story {k}.\n")).unwrap()
            }
            Node::Dir => {
                std::fs::create_dir(&path).unwrap();
                dirs.push(path.clone());
            }
            Node::Link(target) => symlink(&all[target.index(all.len())], &path).unwrap(),
            Node::Fifo => rustix::fs::mkfifoat(
                rustix::fs::CWD,
                &path,
                rustix::fs::Mode::from_raw_mode(0o644),
            )
            .unwrap(),
            Node::Dangling => symlink(parent.join("nowhere"), &path).unwrap(),
            Node::Output => {
                std::fs::create_dir(&path).unwrap();
                std::fs::write(path.join(".replyscope-out"), "").unwrap();
                std::fs::write(path.join("table.txt"), "I called Comcast (a table).\n").unwrap();
            }
            Node::FakeIndex => {
                std::fs::create_dir_all(path.join("tantivy")).unwrap();
                std::fs::write(
                    path.join("manifest.json"),
                    "{\n  \"tool\": \"replyscope\"\n}\n",
                )
                .unwrap();
                std::fs::write(path.join("notes.txt"), "I called Comcast (an index).\n").unwrap();
            }
        }
        all.push(path);
    }
}

/// Regular files (distinct) and FIFOs a corpus walk of `root` should meet.
#[cfg(unix)]
fn expected_inputs(root: &Path, follow: bool) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    fn visit(
        dir: &Path,
        follow: bool,
        files: &mut HashSet<(u64, u64)>,
        dirs: &mut HashSet<(u64, u64)>,
        fifos: &mut u64,
    ) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            let link = std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink();
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                let ours = path.join(".replyscope-out").exists() || path.join("tantivy").is_dir();
                if (link && !follow) || ours || !dirs.insert((meta.dev(), meta.ino())) {
                    continue;
                }
                visit(&path, follow, files, dirs, fifos);
            } else if meta.is_file() {
                files.insert((meta.dev(), meta.ino()));
            } else {
                *fifos += 1;
            }
        }
    }
    let (mut files, mut dirs, mut fifos) = (HashSet::new(), HashSet::new(), 0);
    let m = std::fs::metadata(root).unwrap();
    dirs.insert((m.dev(), m.ino()));
    visit(root, follow, &mut files, &mut dirs, &mut fifos);
    (files.len() as u64, fifos)
}

#[cfg(unix)]
proptest! {
    #![proptest_config(cases(4))]

    #[test]
    fn random_trees_of_links_fifos_and_own_outputs_are_read_once_without_hanging(
        entries in prop::collection::vec((any::<Index>(), node()), 1..25),
        index_inside in any::<bool>(),
        out_at in 0usize..3,
    ) {
        let t = TestDir::new();
        let root = t.path().join("root");
        std::fs::create_dir(&root).unwrap();
        build_tree(&root, &entries);
        let limit = std::time::Duration::from_secs(120);
        let (files, fifos) = expected_inputs(&root, false);
        let code = |rejects: u64| i32::from(rejects > 0);

        // A folder corpus, with its index and tables inside it or beside it, run twice.
        t.write("q/docs.toml", "title = \"Docs\"\ntable = \"documents\"\nmetrics = [\"stories\"]\n");
        let ix = if index_inside { "root/ix" } else { "ix" };
        let out = ["root/out", "root/n0.txt.out", "out"][out_at];
        let run = ["run", "--corpus", "root", "--index", ix, "--queries", "q", "--out", out];
        for round in 0..2 {
            let (o, _) = t.run_within(limit, run);
            prop_assert_eq!(o.code, code(fifos), "round {}: {:?}", round, o);
            prop_assert_eq!(counts(&t.path().join(ix)), (files + fifos, files, fifos), "round {}", round);
            for r in rejects(&t.path().join(ix)) {
                prop_assert_eq!(r["reason"].as_str().unwrap(), "not a regular file (a FIFO); not read");
            }
            if round == 1 {
                prop_assert!(o.stderr.contains("is up to date"), "{}", o.stderr);
            }
        }

        // A glob that follows links: each directory once, each file once.
        let (files, fifos) = expected_inputs(&root, true);
        t.write(
            "follow.toml",
            "version = 1\n[[source]]\nname = \"r\"\npath = \"root/**/*.txt\"\nformat = \"text\"\nfollow_links = true\n",
        );
        if files + fifos > 0 {
            let (o, _) = t.run_within(limit, ["index", "--corpus", "follow.toml", "--out", "ix2"]);
            prop_assert_eq!(o.code, code(fifos), "{:?}", o);
            prop_assert_eq!(counts(&t.path().join("ix2")), (files + fifos, files, fifos));
        }
    }
}
