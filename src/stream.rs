//! `replyscope tag --stream`: the tagger as a streaming worker, for engines that spread the
//! documents over many machines (Spark's `rdd.pipe`, `mapPartitions`).
//!
//! Takes documents as JSON lines (the fields of `tables/documents.parquet`, plus the
//! source's `shape` and `channel`) and answers each line with one JSON line, in input
//! order: the document's tags (with the words each covers), the interactions its text
//! describes, and the cues the thread stage reads of a reply-linked post. The rules are
//! loaded once per process; lines are read and tagged in batches (in parallel within a
//! batch), so memory is bounded by the batch, never by the stream.
//!
//! A line that is not a document (broken JSON, a missing `text`, a wrong type, invalid
//! UTF-8, longer than the limit) is answered with an error line in its place and the
//! stream goes on:
//!
//! ```text
//! {"error":"field \"text\": expected a string, found a number","id":"tweets:12","line":3}
//! ```
//!
//! `line` is the input line (from 1) and `id` the document id when the line got that far.
//! Every output line therefore pairs with its input line: ok lines carry `"id"` and no
//! `"error"`. Blank lines are answered too (as errors), so the pairing never shifts.

use crate::model::{Document, Interaction, Shape, Tag, Thread};
use crate::tag::threads::{PostCues, PostDraft};
use crate::tag::Lexicons;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

/// Lines tagged together; bounds memory to a batch of lines and their answers.
pub const BATCH_LINES: usize = 512;

/// Bytes of input lines gathered before a batch is tagged, whatever its line count.
const BATCH_BYTES: usize = 8 << 20;

/// What a stream did, for the summary line on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input lines answered.
    pub lines: u64,
    /// Lines answered with an error.
    pub errors: u64,
}

/// One input line as read: its bytes, or why they were not kept.
enum Line {
    Bytes(Vec<u8>),
    TooLong(u64),
}

/// Reads `input` to its end and answers every line on `output`, in order. `max_line`
/// bounds one line: a longer one is skipped to its end without being held, and answered
/// with an error. Fails only when reading or writing fails (a closed pipe included).
///
/// A reader thread hands lines over through a bounded queue; the lines waiting when the
/// tagger is free (at most [`BATCH_LINES`], or `BATCH_BYTES` of text) are tagged together
/// in parallel and answered at once. So a reader waiting for one answer gets it without
/// sending more, and a fast writer cannot fill memory.
pub fn run(
    lex: &Lexicons,
    input: impl std::io::Read + Send,
    output: impl Write,
    max_line: u64,
) -> std::io::Result<Summary> {
    let mut out = std::io::BufWriter::new(output);
    let mut summary = Summary::default();
    let (send, recv) = std::sync::mpsc::sync_channel::<std::io::Result<Line>>(BATCH_LINES);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut input = std::io::BufReader::with_capacity(1 << 16, input);
            loop {
                match read_line(&mut input, max_line) {
                    Ok(Some(l)) => {
                        if send.send(Ok(l)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = send.send(Err(e));
                        break;
                    }
                }
            }
        });
        // Dropped when this closure ends, on an error too: a reader blocked on a full queue
        // then stops instead of keeping the scope waiting.
        let recv = recv;
        // Blocks for the first line of a batch, then takes what is already waiting.
        while let Ok(first) = recv.recv() {
            let mut batch = vec![first?];
            let mut bytes = size(&batch[0]);
            while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
                match recv.try_recv() {
                    Ok(l) => {
                        let l = l?;
                        bytes += size(&l);
                        batch.push(l);
                    }
                    Err(_) => break,
                }
            }
            let first = summary.lines + 1;
            let answers: Vec<(String, bool)> = batch
                .into_par_iter()
                .enumerate()
                .map(|(k, l)| answer(lex, first + k as u64, l, max_line))
                .collect();
            for (text, ok) in answers {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
                summary.lines += 1;
                summary.errors += u64::from(!ok);
            }
            out.flush()?;
        }
        Ok(summary)
    })
}

fn size(l: &Line) -> usize {
    match l {
        Line::Bytes(b) => b.len(),
        Line::TooLong(_) => 0,
    }
}

/// Reads one line without its line end; None at the end of input. A line longer than
/// `max` is read to its end and dropped.
fn read_line(input: &mut impl BufRead, max: u64) -> std::io::Result<Option<Line>> {
    let mut buf = Vec::new();
    let mut len: u64 = 0;
    let mut any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        len += part.len() as u64;
        if len <= max {
            buf.extend_from_slice(part);
        } else if !buf.is_empty() {
            buf = Vec::new();
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
        len = len.saturating_sub(1);
    }
    Ok(Some(if len > max {
        Line::TooLong(len)
    } else {
        Line::Bytes(buf)
    }))
}

/// A document as a stream line gives it.
#[derive(Debug, Deserialize)]
struct StreamDoc {
    id: String,
    text: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    shape: Option<Shape>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    created_at: Option<Time>,
    #[serde(default)]
    in_reply_to: Option<String>,
    #[serde(default)]
    replies: Option<Vec<String>>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    inbound: Option<bool>,
    #[serde(default)]
    given: Option<BTreeMap<String, String>>,
    #[serde(default)]
    meta: Option<Meta>,
    /// `given_<label>` columns as documents.parquet has them; any other key is an error.
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

/// A time as text (any format `created_at` accepts in a manifest) or milliseconds.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Time {
    Millis(i64),
    Text(String),
}

/// `meta` as documents.parquet stores it (a JSON object in a string), or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Meta {
    Object(BTreeMap<String, String>),
    Text(String),
}

/// The answer to one good line.
#[derive(Serialize)]
struct Answer<'a> {
    line: u64,
    id: &'a str,
    tags: Vec<StreamTag<'a>>,
    interactions: &'a [Interaction],
    /// The thread stage's view of the post (every document has one; it is used for the
    /// reply-linked sources).
    post: PostCues,
}

/// A tag with the words its span covers (the `surface` column of mentions.parquet).
#[derive(Serialize)]
struct StreamTag<'a> {
    #[serde(flatten)]
    tag: &'a Tag,
    surface: &'a str,
}

fn error_line(line: u64, id: Option<&str>, error: &str) -> String {
    serde_json::json!({ "line": line, "id": id, "error": error }).to_string()
}

/// Answers one line: (the JSON line, whether it is a document).
fn answer(lex: &Lexicons, n: u64, line: Line, max: u64) -> (String, bool) {
    let bytes = match line {
        Line::TooLong(len) => {
            let e = format!("line of {len} bytes is longer than the limit of {max} bytes; skipped");
            return (error_line(n, None, &e), false);
        }
        Line::Bytes(b) => b,
    };
    let doc = match document(&bytes) {
        Ok(d) => d,
        Err((id, e)) => return (error_line(n, id.as_deref(), &e), false),
    };
    let tagged = lex.tag(doc);
    let post = PostDraft::from_tagged(tagged.author, &tagged.doc, &tagged.tags).cues();
    let text = tagged.doc.text.as_str();
    let a = Answer {
        line: n,
        id: &tagged.doc.id,
        tags: tagged
            .tags
            .iter()
            .map(|tag| StreamTag {
                tag,
                surface: text.get(tag.start..tag.end).unwrap_or(""),
            })
            .collect(),
        interactions: &tagged.interactions,
        post,
    };
    (
        serde_json::to_string(&a).expect("an answer serialises"),
        true,
    )
}

/// Parses one line into a document; on error, the id when it was read, and the reason.
fn document(bytes: &[u8]) -> Result<Document, (Option<String>, String)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        (
            None,
            format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })?;
    if text.trim().is_empty() {
        return Err((
            None,
            "empty line; expected a JSON object (a document)".into(),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        (
            None,
            format!("not JSON ({e}); expected one JSON object per line"),
        )
    })?;
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
    if !value.is_object() {
        return Err((
            None,
            format!(
                "expected a JSON object (a document), found {}",
                kind(&value)
            ),
        ));
    }
    // Each field's type, checked first so that a message names the field.
    if let Some(obj) = value.as_object() {
        for (key, v) in obj {
            let want = match key.as_str() {
                "id" | "text" => "a string",
                "source" | "kind" | "shape" | "channel" | "file" | "url" | "title" | "author"
                | "in_reply_to" | "conversation_id" => "a string or null",
                "line" => "a whole number or null",
                "created_at" => "a string, milliseconds or null",
                "replies" => "a list of strings or null",
                "inbound" => "true, false or null",
                "given" => "an object of strings or null",
                "meta" => "an object of strings, a string or null",
                _ => continue,
            };
            let ok = match (key.as_str(), v) {
                ("id" | "text", serde_json::Value::String(_)) => true,
                ("id" | "text", _) => false,
                (_, serde_json::Value::Null) => true,
                ("line", serde_json::Value::Number(n)) => n.is_u64(),
                ("created_at", serde_json::Value::Number(n)) => n.is_i64(),
                ("created_at" | "meta", serde_json::Value::String(_)) => true,
                ("replies", serde_json::Value::Array(items)) => items.iter().all(|x| x.is_string()),
                ("inbound", serde_json::Value::Bool(_)) => true,
                ("given" | "meta", serde_json::Value::Object(m)) => {
                    m.values().all(|x| x.is_string())
                }
                ("line" | "created_at" | "replies" | "inbound" | "given" | "meta", _) => false,
                (_, v) => v.is_string(),
            };
            if !ok {
                return Err((
                    id.clone(),
                    format!("field {key:?}: expected {want}, found {}", kind(v)),
                ));
            }
        }
    }
    let d: StreamDoc = serde_json::from_value(value).map_err(|e| (id.clone(), e.to_string()))?;
    let fail = |e: String| (Some(d.id.clone()), e);
    let mut given = d.given.clone().unwrap_or_default();
    for (key, v) in &d.rest {
        let Some(label) = key.strip_prefix(crate::schema::GIVEN_PREFIX) else {
            return Err(fail(format!(
                "unknown field {key:?} (expected id, text, source, kind, shape, channel, file, \
                 line, url, title, author, created_at, in_reply_to, replies, conversation_id, \
                 inbound, given, given_LABEL, meta)"
            )));
        };
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => {
                given.insert(label.to_string(), s.clone());
            }
            other => {
                return Err(fail(format!(
                    "field {key:?}: expected a string, found {}",
                    kind(other)
                )))
            }
        }
    }
    if d.id.is_empty() {
        return Err(fail("empty id; expected the document id".into()));
    }
    if let Some(c) = &d.channel {
        if !crate::tag::rules::CHANNELS.contains(&c.as_str()) {
            return Err(fail(format!(
                "channel {c:?} is not a channel label (expected one of {})",
                crate::tag::rules::CHANNELS.join(", ")
            )));
        }
    }
    let created_at = match &d.created_at {
        None => None,
        Some(Time::Millis(ms)) => Some(
            chrono::DateTime::from_timestamp_millis(*ms)
                .ok_or_else(|| fail(format!("created_at {ms} ms is out of range")))?,
        ),
        Some(Time::Text(s)) => Some(crate::ingest::date::parse(s, None).map_err(fail)?),
    };
    let meta = match &d.meta {
        None => BTreeMap::new(),
        Some(Meta::Object(m)) => m.clone(),
        Some(Meta::Text(s)) => serde_json::from_str(s).map_err(|e| {
            fail(format!(
                "field \"meta\": expected a JSON object of strings in the string ({e})"
            ))
        })?,
    };
    Ok(Document {
        id: d.id.clone(),
        source: d.source.clone().unwrap_or_else(|| "stream".into()),
        kind: d.kind.clone().unwrap_or_else(|| "post".into()),
        shape: d.shape.unwrap_or_default(),
        channel: d.channel.clone(),
        file: d.file.clone().unwrap_or_default(),
        line: d.line.unwrap_or(0),
        url: d.url.clone(),
        title: d.title.clone(),
        author: d.author.clone(),
        created_at,
        text: crate::ingest::decode::normalize_newlines(&d.text),
        thread: Thread {
            in_reply_to: d.in_reply_to.clone(),
            replies: d.replies.clone().unwrap_or_default(),
            conversation_id: d.conversation_id.clone(),
            inbound: d.inbound,
        },
        given,
        meta,
    })
}

/// A document as a `tag --stream` input line: the fields of documents.parquet flattened,
/// with the source's shape and channel, and created_at in milliseconds.
pub fn document_json(d: &Document) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "source": d.source,
        "kind": d.kind,
        "shape": d.shape.as_str(),
        "channel": d.channel,
        "file": d.file,
        "line": d.line,
        "url": d.url,
        "title": d.title,
        "author": d.author,
        "created_at": d.created_at.map(|t| t.timestamp_millis()),
        "text": d.text,
        "in_reply_to": d.thread.in_reply_to,
        "replies": d.thread.replies,
        "conversation_id": d.thread.conversation_id,
        "inbound": d.thread.inbound,
        "given": d.given,
        "meta": d.meta,
    })
}

/// An ingest sink that writes documents and rejects as JSON lines (`ingest-file`).
pub struct JsonSink<W: Write> {
    out: std::io::BufWriter<W>,
}

impl<W: Write> JsonSink<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonSink {
            out: std::io::BufWriter::new(out),
        }
    }

    /// Writes the file's summary line and flushes.
    pub fn finish(mut self, f: &crate::ingest::FileSummary) -> crate::Result<()> {
        let line = serde_json::json!({ "file": f }).to_string();
        writeln!(self.out, "{line}")
            .and_then(|_| self.out.flush())
            .map_err(stdout_error)
    }
}

fn stdout_error(e: std::io::Error) -> crate::Error {
    crate::Error::io(std::path::Path::new("(standard output)"), "cannot write")(e)
}

impl<W: Write> crate::ingest::Sink for JsonSink<W> {
    fn documents(&mut self, docs: Vec<Document>) -> crate::Result<()> {
        for d in &docs {
            let line = serde_json::json!({ "doc": document_json(d) }).to_string();
            writeln!(self.out, "{line}").map_err(stdout_error)?;
        }
        Ok(())
    }

    fn reject(&mut self, reject: &crate::Reject) -> crate::Result<()> {
        let line = serde_json::json!({ "reject": reject }).to_string();
        writeln!(self.out, "{line}").map_err(stdout_error)
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(input: &str, max: u64) -> (Vec<serde_json::Value>, Summary) {
        let lex = Lexicons::defaults();
        let mut out = Vec::new();
        let s = run(&lex, input.as_bytes(), &mut out, max).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (lines, s)
    }

    #[test]
    fn answers_every_line_in_order_with_errors_in_place() {
        let input = concat!(
            r#"{"id":"a","text":"@AppleSupport my iPhone is broken","shape":"short","channel":"twitter","author":"ann"}"#,
            "\n",
            "{broken\n",
            "\n",
            r#"{"id":"b","text":12}"#,
            "\n",
            r#"{"id":"c","text":"hello","colour":"red"}"#,
            "\n",
            r#"{"id":"d","text":"thanks","given_company":"Apple","created_at":"2017-10-31T22:10:47Z","inbound":false,"author":"AppleSupport","shape":"thread","in_reply_to":"a"}"#,
            "\r\n",
            "[1]",
        );
        let (lines, s) = stream(input, 1 << 20);
        assert_eq!(
            s,
            Summary {
                lines: 7,
                errors: 5
            }
        );
        let n: Vec<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
        assert_eq!(n, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(lines[0]["id"], "a");
        assert!(
            lines[0]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["label"] == "apple" && t["surface"] == "@AppleSupport"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[0]["interactions"][0]["company"], "apple");
        assert_eq!(lines[0]["post"]["addressee"]["label"], "apple");
        assert!(lines[1]["error"].as_str().unwrap().starts_with("not JSON"));
        assert_eq!(
            lines[2]["error"],
            "empty line; expected a JSON object (a document)"
        );
        assert_eq!(lines[3]["id"], "b");
        assert_eq!(
            lines[3]["error"],
            "field \"text\": expected a string, found a number"
        );
        assert!(
            lines[4]["error"]
                .as_str()
                .unwrap()
                .starts_with("unknown field \"colour\""),
            "{}",
            lines[4]
        );
        // A reply-linked post: no text interactions; the cues the thread stage reads.
        assert_eq!(lines[5]["interactions"], serde_json::json!([]));
        assert_eq!(lines[5]["post"]["company"], "apple");
        assert_eq!(lines[5]["post"]["company_post"], true);
        assert_eq!(
            lines[6]["error"],
            "expected a JSON object (a document), found an array"
        );
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_not_held() {
        let long = format!("{{\"id\":\"x\",\"text\":\"{}\"}}\n", "a".repeat(5000));
        let input = format!("{long}{{\"id\":\"y\",\"text\":\"ok\"}}\n");
        let (lines, s) = stream(&input, 1000);
        assert_eq!(s.errors, 1);
        assert!(lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("longer than the limit of 1000 bytes"));
        assert_eq!(lines[1]["id"], "y");
    }

    #[test]
    fn invalid_utf8_is_an_error_line() {
        let lex = Lexicons::defaults();
        let mut out = Vec::new();
        let input: &[u8] = b"{\"id\":\"a\",\"text\":\"\xff\"}\n";
        let s = run(&lex, input, &mut out, 1 << 20).unwrap();
        assert_eq!(s.errors, 1);
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["error"], "not UTF-8 (invalid byte at offset 18)");
    }
}
