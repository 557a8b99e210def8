//! Readers for formats with many records per file: CSV (with the user's own column names)
//! and JSON lines. Reading is sequential and cheap (split the file into raw records);
//! turning a raw record into a document is the costly part and runs in parallel
//! ([`Mapper::map`] is a pure function of one record).

use super::decode::{binary_head, binary_reason, strip_bom};
use super::manifest::{Format, SourceSpec};
use super::record::{self, split_ids, Location, Values};
use crate::model::Document;
use serde_json::Value;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes one record (a CSV record, a JSON line) may have by default; `--max-record-bytes`.
pub const MAX_RECORD_BYTES: u64 = 256 << 20;

/// The largest buffer a CSV record is read into before its bytes are seen (see
/// `RecordReader::Csv::last_size`): one long narrative does not make every later record's
/// buffer as large.
const RECORD_HINT_MAX: usize = 64 << 10;

/// One record as read from the file, not yet checked.
#[derive(Debug)]
pub struct RawRecord {
    /// Line where it starts.
    pub line: u64,
    /// Record number in the file, from 1.
    pub record: u64,
    /// The record, or why it could not even be split out.
    pub raw: Raw,
}

/// The payload of a raw record.
#[derive(Debug)]
pub enum Raw {
    /// A CSV row.
    Csv(csv::ByteRecord),
    /// A JSON line.
    Json(String),
    /// Unusable as read; the reason.
    Bad(String),
}

/// A problem with a whole file that still lets the run go on: the file counts as one
/// record read and one reject.
pub type FileReject = String;

/// An open CSV or JSON lines file that yields raw records in batches.
pub enum RecordReader {
    /// CSV with its header checked.
    Csv {
        /// The csv reader.
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// Number of header fields.
        width: usize,
        /// The header's column names.
        names: Vec<String>,
        /// Records read so far.
        count: u64,
        /// Line numbers from byte offsets (the csv crate miscounts lines in CRLF files).
        lines: LineCounter,
        /// Whether the file's last byte, ignoring line ends, is a quote.
        ends_in_quote: bool,
        /// Bytes of the file after the byte-order mark.
        len: u64,
        /// Where the last record ended, shared with the [`Capped`] reader under the csv one.
        boundary: Arc<AtomicU64>,
        /// The record limit.
        max_record: u64,
        /// A record went over the limit: the rest of the file is not read.
        done: bool,
        /// Bytes of the last record read (at most `RECORD_HINT_MAX`): each record is read
        /// into a buffer of that size, so a file of like records reads without regrowing one.
        last_size: usize,
        /// The field delimiter.
        delimiter: u8,
    },
    /// JSON lines.
    Jsonl {
        /// Buffered file.
        reader: BufReader<Capped>,
        /// Lines read so far.
        line: u64,
        /// Records read so far.
        count: u64,
        /// Reused line buffer.
        buf: Vec<u8>,
        /// The line limit.
        max_record: u64,
    },
}

/// Compiled mapping from a record to [`Values`]: column indices for CSV, paths for JSON.
#[derive(Debug, Clone)]
pub struct Mapper {
    kind: MapKind,
    slots: Slots<Key>,
}

#[derive(Debug, Clone)]
enum MapKind {
    Csv,
    Json,
}

#[derive(Debug, Clone)]
enum Key {
    Col(usize, String),
    Path(Vec<String>),
}

impl Key {
    fn name(&self) -> String {
        match self {
            Key::Col(_, name) => name.clone(),
            Key::Path(p) => p.join("."),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Slots<K> {
    id: Option<K>,
    text: Vec<K>,
    title: Option<K>,
    author: Option<K>,
    created_at: Vec<K>,
    url: Option<K>,
    in_reply_to: Option<K>,
    replies: Option<K>,
    conversation_id: Option<K>,
    inbound: Option<K>,
    given: Vec<(String, K)>,
    meta: Vec<(String, K)>,
}

/// Builds the slots from the manifest, resolving each column name with `resolve`.
fn slots<K>(
    spec: &SourceSpec,
    mut resolve: impl FnMut(&str) -> Result<K, String>,
) -> Result<Slots<K>, String> {
    let f = &spec.fields;
    let mut one = |c: &Option<String>| c.as_deref().map(&mut resolve).transpose();
    let id = one(&f.id)?;
    let title = one(&f.title)?;
    let author = one(&f.author)?;
    let url = one(&f.url)?;
    let in_reply_to = one(&f.in_reply_to)?;
    let replies = one(&f.replies)?;
    let conversation_id = one(&f.conversation_id)?;
    let inbound = one(&f.inbound)?;
    let many = |c: &Option<super::manifest::Columns>,
                resolve: &mut dyn FnMut(&str) -> Result<K, String>| {
        c.as_ref()
            .map(|c| {
                c.names()
                    .into_iter()
                    .map(resolve)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let text = many(&f.text, &mut resolve)?;
    let created_at = many(&f.created_at, &mut resolve)?;
    let given = spec
        .given
        .iter()
        .map(|(label, col)| Ok((label.clone(), resolve(col)?)))
        .collect::<Result<_, String>>()?;
    let meta = spec
        .keep
        .iter()
        .map(|col| Ok((col.clone(), resolve(col)?)))
        .collect::<Result<_, String>>()?;
    Ok(Slots {
        id,
        text,
        title,
        author,
        created_at,
        url,
        in_reply_to,
        replies,
        conversation_id,
        inbound,
        given,
        meta,
    })
}

/// Opens a structured file. `Ok(Err(reason))` is a file that cannot be read as records but
/// does not stop the run (empty, binary, not a regular file); `Err` is a mapping that cannot
/// work (a mapped column missing from the header) and is fatal, because every record would
/// fail the same way.
pub fn open(
    path: &Path,
    spec: &SourceSpec,
) -> crate::Result<Result<(RecordReader, Mapper), FileReject>> {
    open_with(path, spec, MAX_RECORD_BYTES)
}

/// [`open`] with a limit on the bytes of one record: a longer JSON line is rejected and the
/// next one read; a longer CSV record is rejected with the rest of the file (without a
/// closing quote or a line end, there is no telling where the next record starts).
pub fn open_with(
    path: &Path,
    spec: &SourceSpec,
    max_record: u64,
) -> crate::Result<Result<(RecordReader, Mapper), FileReject>> {
    let file = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) if crate::files::is_not_regular(&e) => return Ok(Err(format!("{e}; not read"))),
        Err(e) => return Err(crate::Error::io(path, "cannot open")(e)),
    };
    let len = file
        .metadata()
        .map_err(crate::Error::io(path, "cannot read"))?
        .len();
    let boundary = Arc::new(AtomicU64::new(0));
    let capped = Capped {
        inner: file,
        read: 0,
        boundary: boundary.clone(),
        max_record: if spec.format == Format::Csv {
            max_record
        } else {
            u64::MAX
        },
    };
    let mut reader = BufReader::with_capacity(1 << 16, capped);
    let head = reader
        .fill_buf()
        .map_err(crate::Error::io(path, "cannot read"))?;
    // A file holding nothing but a byte-order mark, blanks and line ends is empty too: it has
    // no header row (CSV) and no record (JSON lines), and still counts as one record read.
    let blank = head.len() as u64 == len && strip_bom(head).iter().all(u8::is_ascii_whitespace);
    if blank {
        let what = if spec.format == Format::Csv {
            "a header row"
        } else {
            "JSON lines"
        };
        let empty = if head.is_empty() {
            "empty file"
        } else {
            "empty file (only blanks and line ends)"
        };
        return Ok(Err(format!("{empty}; expected {what}")));
    }
    // Only the first 8 KiB say whether the whole file is binary; a NUL further on rejects
    // the record that holds it.
    if let Some(pos) = binary_head(head) {
        return Ok(Err(binary_reason(
            pos,
            &format!("{:?} text", spec.format).to_lowercase(),
        )));
    }
    let bom = strip_bom(head).len() != head.len();
    if bom {
        reader.consume(3);
    }
    let source_err = |message: String| crate::Error::Source {
        path: path.to_path_buf(),
        message,
    };
    match spec.format {
        Format::Csv => {
            let delimiter = spec.delimiter.map(|c| c as u8).unwrap_or(b',');
            let boxed: Box<dyn Read + Send> = Box::new(reader);
            let skip = if bom { 3 } else { 0 };
            let mut csv = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .has_headers(true)
                .from_reader(boxed);
            let header = match csv.byte_headers() {
                Ok(h) => h.clone(),
                // A file that is one endless line (no line end within the limit) has no
                // header to map: the file is rejected, the run goes on.
                Err(e) if is_too_long(&e) => {
                    return Ok(Err(format!(
                        "header row longer than the limit of {max_record} bytes \
                         (--max-record-bytes); expected a CSV header"
                    )))
                }
                Err(e) => return Err(source_err(format!("cannot read the CSV header: {e}"))),
            };
            boundary.store(csv.position().byte(), Ordering::Relaxed);
            let names: Vec<String> = header
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_string())
                .collect();
            let slots = slots(spec, |col| {
                names.iter().position(|n| n == col).map(|i| Key::Col(i, col.to_string())).ok_or_else(|| {
                    // At most 50 columns of at most 60 characters each: a file of one 50 MB
                    // line made a 52 MB message.
                    let mut shown: Vec<_> = names.iter().take(50).map(|n| match n.char_indices().nth(60) {
                        Some((cut, _)) => format!("{:?}...", &n[..cut]),
                        None => format!("{n:?}"),
                    }).collect();
                    if names.len() > 50 {
                        shown.push(format!("and {} more", names.len() - 50));
                    }
                    format!("the header has no column {col:?} (columns: {}); fix the mapping in the manifest", shown.join(", "))
                })
            })
            .map_err(source_err)?;
            let width = names.len();
            let lines = LineCounter::open(path, skip)?;
            let (len, last) = last_byte_ignoring_line_ends(path)?;
            let ends_in_quote = last == Some(b'"');
            let reader = RecordReader::Csv {
                reader: csv,
                width,
                names,
                count: 0,
                lines,
                ends_in_quote,
                len: len - skip,
                boundary,
                max_record,
                done: false,
                last_size: 0,
                delimiter,
            };
            Ok(Ok((
                reader,
                Mapper {
                    kind: MapKind::Csv,
                    slots,
                },
            )))
        }
        Format::Jsonl => {
            let slots = slots(spec, |col| {
                if col.is_empty() || col.split('.').any(str::is_empty) {
                    return Err(format!(
                        "field path {col:?} is not valid (expected names joined by '.')"
                    ));
                }
                Ok(Key::Path(col.split('.').map(str::to_string).collect()))
            })
            .map_err(source_err)?;
            let reader = RecordReader::Jsonl {
                reader,
                line: 0,
                count: 0,
                buf: Vec::new(),
                max_record,
            };
            Ok(Ok((
                reader,
                Mapper {
                    kind: MapKind::Json,
                    slots,
                },
            )))
        }
        _ => unreachable!("whole-file formats have no record reader"),
    }
}

impl RecordReader {
    /// Reads up to `max_records` raw records or about `max_bytes` of input; empty at the end.
    pub fn next_batch(
        &mut self,
        max_records: usize,
        max_bytes: usize,
    ) -> std::io::Result<Vec<RawRecord>> {
        let mut out = Vec::new();
        let mut bytes = 0;
        while out.len() < max_records && bytes < max_bytes {
            match self.next_record()? {
                Some((r, n)) => {
                    bytes += n;
                    out.push(r)
                }
                None => break,
            }
        }
        Ok(out)
    }

    fn next_record(&mut self) -> std::io::Result<Option<(RawRecord, usize)>> {
        match self {
            RecordReader::Csv {
                reader,
                width,
                names,
                count,
                lines,
                ends_in_quote,
                len,
                boundary,
                max_record,
                done,
                last_size,
                delimiter,
            } => {
                if *done {
                    return Ok(None);
                }
                let mut rec = csv::ByteRecord::with_capacity(*last_size, *width);
                let more = match reader.read_byte_record(&mut rec) {
                    Ok(more) => more,
                    Err(e) if is_too_long(&e) => {
                        // The record has no end within the limit: reject it with the rest of
                        // the file, which cannot be split into records any more.
                        *done = true;
                        *count += 1;
                        let line = lines.record_line(boundary.load(Ordering::Relaxed))?;
                        let raw = Raw::Bad(format!(
                            "record longer than the limit of {max_record} bytes (--max-record-bytes), \
                             from line {line} on; an unbalanced quote may have joined the rest of \
                             the file, which is not read"
                        ));
                        let rec = RawRecord {
                            line,
                            record: *count,
                            raw,
                        };
                        return Ok(Some((rec, 0)));
                    }
                    Err(e) => return Err(std::io::Error::other(e.to_string())),
                };
                if !more {
                    return Ok(None);
                }
                boundary.store(reader.position().byte(), Ordering::Relaxed);
                *count += 1;
                let line = lines.record_line(rec.position().map(|p| p.byte()).unwrap_or(0))?;
                let size = rec.as_slice().len();
                *last_size = size.min(RECORD_HINT_MAX);
                // The line holding the record's last byte (its terminator). A record over
                // several lines is kept to check its quotes.
                let last = reader.position().byte().saturating_sub(1);
                let mut bytes = Vec::new();
                let end = if rec.as_slice().contains(&b'\n') {
                    lines.line_at_keeping(last, &mut bytes)?
                } else {
                    lines.line_at(last)?
                }
                .max(line);
                let last_field_multiline =
                    rec.iter().next_back().is_some_and(|f| f.contains(&b'\n'));
                let raw = if rec.len() != *width {
                    let mut reason = format!(
                        "expected {} fields (as in the header), found {}",
                        width,
                        rec.len()
                    );
                    if end > line {
                        reason.push_str(&format!(
                            "; the record runs from line {line} to line {end}: an unbalanced quote may have joined lines"
                        ));
                    }
                    Raw::Bad(reason)
                } else if size as u64 > *max_record {
                    let mut reason = format!(
                        "record longer than the limit of {max_record} bytes (--max-record-bytes), \
                         from line {line} to line {end}"
                    );
                    if end > line {
                        reason.push_str("; an unbalanced quote may have joined lines");
                    }
                    Raw::Bad(reason)
                } else if let Some(at) = text_after_closing_quote(&bytes, *delimiter) {
                    // `2,"I said hi` then `3,"a reply"`: the open quote takes the line end and
                    // the next record up to its first quote, which then closes mid-field; the
                    // csv crate keeps the rest of the line in the field, and a record was gone.
                    let at = line + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                    Raw::Bad(format!(
                        "a quote closes a field in the middle of line {at}, with text after it; \
                         the record runs from line {line} to line {end}: an unbalanced quote \
                         may have joined lines"
                    ))
                } else if let Some(i) = rec.iter().position(|f| f.contains(&0)) {
                    let name = names.get(i).map(String::as_str).unwrap_or("?");
                    Raw::Bad(format!(
                        "NUL byte in column {name:?}; expected text (a NUL after the first \
                         8 KiB rejects the record, not the file)"
                    ))
                } else if reader.position().byte() >= *len
                    && last_field_multiline
                    && !*ends_in_quote
                {
                    // A quoted last field that runs to the end of the file without a closing
                    // quote: the rest of the file was swallowed into one field.
                    Raw::Bad(format!(
                        "unterminated quote: the record runs from line {line} to the end of the file (line {end}); \
                         expected a closing quote"
                    ))
                } else {
                    Raw::Csv(rec)
                };
                Ok(Some((
                    RawRecord {
                        line,
                        record: *count,
                        raw,
                    },
                    size,
                )))
            }
            RecordReader::Jsonl {
                reader,
                line,
                count,
                buf,
                max_record,
            } => loop {
                buf.clear();
                let (n, long) = read_line_capped(reader, buf, *max_record)?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let trimmed = buf.trim_ascii();
                if trimmed.is_empty() && !long {
                    continue; // a blank line is not a record
                }
                *count += 1;
                let raw = if long {
                    Raw::Bad(format!(
                        "line longer than the limit of {max_record} bytes (--max-record-bytes)"
                    ))
                } else if let Some(pos) = trimmed.iter().position(|&b| b == 0) {
                    Raw::Bad(format!(
                        "NUL byte at byte {pos} of the line; expected text (a NUL after the \
                         first 8 KiB rejects the record, not the file)"
                    ))
                } else {
                    match std::str::from_utf8(trimmed) {
                        Ok(s) => Raw::Json(s.to_string()),
                        Err(e) => Raw::Bad(format!(
                            "invalid UTF-8 at byte {} of the line; expected UTF-8 JSON",
                            e.valid_up_to()
                        )),
                    }
                };
                return Ok(Some((
                    RawRecord {
                        line: *line,
                        record: *count,
                        raw,
                    },
                    buf.len(),
                )));
            },
        }
    }
}

/// Reads one line, through its `\n`, into `buf`, keeping it only when its content is at most
/// `max` bytes. Returns the bytes consumed (0 at the end) and whether the line was longer:
/// then `buf` is empty and the line was skipped, without holding it in memory.
fn read_line_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: u64,
) -> std::io::Result<(usize, bool)> {
    let (mut consumed, mut long) = (0usize, false);
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        let (n, found) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !long {
            let content = buf.len() + n - usize::from(found);
            if content as u64 > max {
                long = true;
                buf.clear();
                buf.shrink_to(1 << 16);
            } else {
                buf.extend_from_slice(&avail[..n]);
            }
        }
        r.consume(n);
        consumed += n;
        if found {
            break;
        }
    }
    Ok((consumed, long))
}

/// The file under a CSV reader: fails once it has been read further than one record's limit
/// past the end of the last record, so a record without end (a quote never closed in a
/// large file, `/dev/zero`) cannot grow without bound.
pub struct Capped {
    inner: File,
    read: u64,
    boundary: Arc<AtomicU64>,
    max_record: u64,
}

/// Read-ahead of the buffers above [`Capped`] that may lie past a record's end.
const READ_AHEAD: u64 = 1 << 20;

#[derive(Debug)]
struct TooLong;

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record longer than the limit")
    }
}

impl std::error::Error for TooLong {}

fn is_too_long(e: &csv::Error) -> bool {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.get_ref().is_some_and(|x| x.is::<TooLong>()),
        _ => false,
    }
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = self.boundary.load(Ordering::Relaxed);
        if self.read
            > start
                .saturating_add(self.max_record)
                .saturating_add(READ_AHEAD)
        {
            return Err(std::io::Error::other(TooLong));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Line numbers for byte offsets, by counting newlines on a second, sequential read of
/// the file. Offsets must be asked for in increasing order.
pub struct LineCounter {
    reader: BufReader<File>,
    pos: u64,
    newlines: u64,
}

impl LineCounter {
    fn open(path: &Path, skip: u64) -> crate::Result<LineCounter> {
        let file = File::open(path).map_err(crate::Error::io(path, "cannot open"))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        std::io::copy(&mut (&mut reader).take(skip), &mut std::io::sink())
            .map_err(crate::Error::io(path, "cannot read"))?;
        Ok(LineCounter {
            reader,
            pos: 0,
            newlines: 0,
        })
    }

    /// The 1-based line holding byte `offset`.
    fn line_at(&mut self, offset: u64) -> std::io::Result<u64> {
        self.line_at_into(offset, None)
    }

    /// [`LineCounter::line_at`], appending the bytes passed over to `keep`.
    fn line_at_keeping(&mut self, offset: u64, keep: &mut Vec<u8>) -> std::io::Result<u64> {
        self.line_at_into(offset, Some(keep))
    }

    fn line_at_into(
        &mut self,
        offset: u64,
        mut keep: Option<&mut Vec<u8>>,
    ) -> std::io::Result<u64> {
        while self.pos < offset {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min((offset - self.pos) as usize);
            self.newlines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            if let Some(k) = keep.as_deref_mut() {
                k.extend_from_slice(&buf[..n]);
            }
            self.reader.consume(n);
            self.pos += n as u64;
        }
        Ok(self.newlines + 1)
    }

    /// The line where a record starts, given the csv crate's offset for it. That offset can
    /// point at the line end before the record (CRLF files), so line-end bytes are skipped.
    fn record_line(&mut self, offset: u64) -> std::io::Result<u64> {
        self.line_at(offset)?;
        loop {
            let buf = self.reader.fill_buf()?;
            match buf.first() {
                Some(&b) if self.pos >= offset && (b == b'\n' || b == b'\r') => {
                    self.newlines += u64::from(b == b'\n');
                    self.reader.consume(1);
                    self.pos += 1;
                }
                _ => return Ok(self.newlines + 1),
            }
        }
    }
}

/// The file's length and its last byte that is not a line end.
fn last_byte_ignoring_line_ends(path: &Path) -> crate::Result<(u64, Option<u8>)> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path).map_err(crate::Error::io(path, "cannot open"))?;
    let len = f
        .metadata()
        .map_err(crate::Error::io(path, "cannot read"))?
        .len();
    let tail = len.min(64);
    f.seek(SeekFrom::Start(len - tail))
        .map_err(crate::Error::io(path, "cannot read"))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(crate::Error::io(path, "cannot read"))?;
    Ok((
        len,
        buf.iter()
            .rev()
            .copied()
            .find(|b| *b != b'\n' && *b != b'\r'),
    ))
}

impl Mapper {
    /// Turns one raw record into a document, or the reason it cannot be one.
    pub fn map(&self, spec: &SourceSpec, file: &str, rec: RawRecord) -> Result<Document, String> {
        self.map_named(spec, file, file, rec)
    }

    /// Like [`Mapper::map`], with the file's name within its source for record-numbered ids
    /// (`file` is the path shown in messages).
    pub fn map_named(
        &self,
        spec: &SourceSpec,
        file: &str,
        name: &str,
        rec: RawRecord,
    ) -> Result<Document, String> {
        let at = Location {
            file,
            name,
            line: rec.line,
            record: rec.record,
        };
        // The values borrow from the record: the document is built while it is at hand.
        match (&self.kind, rec.raw) {
            (_, Raw::Bad(reason)) => Err(reason),
            (MapKind::Csv, Raw::Csv(row)) => record::build(spec, at, self.csv_values(&row)?),
            (MapKind::Json, Raw::Json(line)) => {
                let value = json_object(&line)?;
                record::build(spec, at, self.json_values(&value)?)
            }
            _ => unreachable!("reader and mapper are made together"),
        }
    }

    fn csv_values<'a>(&self, row: &'a csv::ByteRecord) -> Result<Values<'a>, String> {
        let get = |k: &Key| -> Result<Cow<'a, str>, String> {
            let Key::Col(i, name) = k else { unreachable!() };
            let bytes = row.get(*i).unwrap_or_default();
            std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
                format!(
                    "invalid UTF-8 in column {name:?} at byte {}; expected UTF-8 text",
                    e.valid_up_to()
                )
            })
        };
        self.values(|k| get(k).map(Some), |k| get(k).map(split_ids))
    }

    fn json_values<'a>(&self, value: &'a Value) -> Result<Values<'a>, String> {
        let lookup = |k: &Key| -> Option<&'a Value> {
            let Key::Path(path) = k else { unreachable!() };
            path.iter().try_fold(value, |v, p| v.get(p))
        };
        let scalar = |k: &Key| -> Result<Option<Cow<'a, str>>, String> {
            match lookup(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s))),
                Some(Value::Number(n)) => Ok(Some(exact_number(k, n)?.into())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string().into())),
                Some(other) => Err(format!(
                    "field {:?} is {}; expected a string or number",
                    k.name(),
                    type_name(other)
                )),
            }
        };
        let list = |k: &Key| -> Result<Vec<Cow<'a, str>>, String> {
            match lookup(k) {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(Cow::Borrowed(s.as_str())),
                        Value::Number(n) => Ok(exact_number(k, n)?.into()),
                        other => Err(format!(
                            "field {:?} holds {}; expected ids",
                            k.name(),
                            type_name(other)
                        )),
                    })
                    .collect(),
                _ => Ok(scalar(k)?.map(split_ids).unwrap_or_default()),
            }
        };
        let mut v = self.values(scalar, list)?;
        // Text-like fields must really be text: a number where the text should be is a
        // mapping mistake, not a post.
        for k in self
            .slots
            .text
            .iter()
            .chain(&self.slots.title)
            .chain(&self.slots.author)
        {
            if let Some(found) = lookup(k).filter(|x| !x.is_string() && !x.is_null()) {
                return Err(format!(
                    "field {:?} is {}; expected a string",
                    k.name(),
                    type_name(found)
                ));
            }
        }
        v.text.retain(|t| !t.is_empty());
        Ok(v)
    }

    fn values<'a>(
        &self,
        one: impl Fn(&Key) -> Result<Option<Cow<'a, str>>, String>,
        list: impl Fn(&Key) -> Result<Vec<Cow<'a, str>>, String>,
    ) -> Result<Values<'a>, String> {
        let s = &self.slots;
        let opt = |k: &Option<Key>| k.as_ref().map(&one).transpose().map(Option::flatten);
        let all = |ks: &[Key]| {
            ks.iter()
                .map(&one)
                .filter_map(|r| r.transpose())
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Values {
            id: opt(&s.id)?,
            text: all(&s.text)?,
            title: opt(&s.title)?,
            author: opt(&s.author)?,
            created_at: all(&s.created_at)?,
            url: opt(&s.url)?,
            in_reply_to: opt(&s.in_reply_to)?,
            replies: s
                .replies
                .as_ref()
                .map(&list)
                .transpose()?
                .unwrap_or_default(),
            conversation_id: opt(&s.conversation_id)?,
            inbound: opt(&s.inbound)?,
            given: s
                .given
                .iter()
                .filter_map(|(l, k)| one(k).map(|v| v.map(|v| (l.clone(), v))).transpose())
                .collect::<Result<_, _>>()?,
            meta: s
                .meta
                .iter()
                .filter_map(|(c, k)| one(k).map(|v| v.map(|v| (c.clone(), v))).transpose())
                .collect::<Result<_, _>>()?,
        })
    }
}

/// One JSON lines record parsed, or why it is not a JSON object.
fn json_object(line: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else {
            "invalid JSON"
        };
        format!(
            "{what} at column {}: {e}; expected one JSON object per line",
            e.column()
        )
    })?;
    if !value.is_object() {
        return Err(format!(
            "expected a JSON object, found {}",
            type_name(&value)
        ));
    }
    Ok(value)
}

/// Where, in a CSV record's bytes, a quoted field's closing quote is followed by something
/// other than a delimiter, a line end or another quote (an escaped one): malformed CSV,
/// which the csv crate reads leniently by keeping the rest in the field.
fn text_after_closing_quote(record: &[u8], delimiter: u8) -> Option<usize> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for (i, &b) in record.iter().enumerate() {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart | State::Unquoted if ends_field => State::FieldStart,
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if ends_field => State::FieldStart,
            State::QuoteInQuoted => return Some(i),
        };
    }
    None
}

/// A JSON number as text, when the number read is the number written: one beyond 64 bits
/// is read as a float, which keeps 53 bits ("123456789012345678901" and
/// "123456789012345678902" both became "1.2345678901234568e20": two ids as one).
fn exact_number(k: &Key, n: &serde_json::Number) -> Result<String, String> {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.abs() >= 9_007_199_254_740_992.0 => Err(format!(
            "field {:?} is a number beyond 64 bits, read only approximately (as {n}); write \
             it as a string",
            k.name()
        )),
        _ => Ok(n.to_string()),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::manifest::ManifestFile;
    use std::io::Write;

    fn spec(format: &str, fields: &str) -> SourceSpec {
        let text = format!("version = 1\n[[source]]\nname = \"s\"\npath = \"x\"\nformat = \"{format}\"\n[source.fields]\n{fields}\n");
        toml::from_str::<ManifestFile>(&text)
            .unwrap()
            .sources
            .remove(0)
    }

    fn read_all(
        bytes: &[u8],
        spec: &SourceSpec,
    ) -> crate::Result<Result<Vec<Result<Document, String>>, String>> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        Ok(match open(f.path(), spec)? {
            Err(reject) => Err(reject),
            Ok((mut reader, mapper)) => {
                let mut out = Vec::new();
                loop {
                    let batch = reader.next_batch(3, usize::MAX).unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    out.extend(batch.into_iter().map(|r| mapper.map(spec, "f", r)));
                }
                Ok(out)
            }
        })
    }

    /// An open quote that swallows a line end and the next record up to its first quote is
    /// a reject naming both lines: the csv crate kept the rest of that line in the field, and
    /// the next record was gone without a word. A quoted field over several lines, with
    /// escaped quotes, stays a record.
    #[test]
    fn csv_quote_closed_mid_field_over_lines_is_a_reject() {
        let spec = spec("csv", "id = \"id\"\ntext = \"text\"");
        let data = "id,text\n1,ok\n2,\"I said hi\n3,\"quoted reply text\"\n4,\"one\r\nhe said \"\"hi\"\" ok\"\n5,last\n";
        let out = read_all(data.as_bytes(), &spec).unwrap().unwrap();
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(
            out[1].as_ref().unwrap_err(),
            "a quote closes a field in the middle of line 4, with text after it; the record \
             runs from line 3 to line 4: an unbalanced quote may have joined lines"
        );
        let d = out[2].as_ref().unwrap();
        assert_eq!(
            (d.id.as_str(), d.text.as_str()),
            ("s:4", "one\nhe said \"hi\" ok")
        );
        assert_eq!(out[3].as_ref().unwrap().line, 7);
        assert_eq!(text_after_closing_quote(b"2,\"a\"\"b\",c", b','), None);
        assert_eq!(text_after_closing_quote(b"2,\"a\"b", b','), Some(5));
        assert_eq!(text_after_closing_quote(b"2;\"a\";b", b';'), None);
    }

    #[test]
    fn csv_with_bom_crlf_quoted_newlines_and_own_column_names() {
        let spec = spec("csv", "id = \"Ticket #\"\ntext = \"Complaint\"");
        let data = "\u{feff}Ticket #,Complaint\r\n1,\"line one\r\nline two\"\r\n2,plain\r\n";
        let docs = read_all(data.as_bytes(), &spec).unwrap().unwrap();
        let docs: Vec<_> = docs.into_iter().map(Result::unwrap).collect();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "s:1");
        assert_eq!(docs[0].text, "line one\nline two");
        assert_eq!((docs[1].line, docs[1].text.as_str()), (4, "plain"));
    }

    #[test]
    fn csv_ragged_row_and_unbalanced_quote_are_located() {
        let spec = spec("csv", "id = \"id\"\ntext = \"text\"");
        let data = "id,text\n1,ok\n2,too,many\n3,\"open quote\n4,next\n5,last\n";
        let out = read_all(data.as_bytes(), &spec).unwrap().unwrap();
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(out[0].is_ok());
        assert_eq!(
            out[1].as_ref().unwrap_err(),
            "expected 2 fields (as in the header), found 3"
        );
        assert_eq!(
            out[2].as_ref().unwrap_err(),
            "unterminated quote: the record runs from line 4 to the end of the file (line 6); expected a closing quote"
        );
        // A properly closed multi-line last field at the end of the file is fine.
        let out = read_all(b"id,text\r\n1,\"two\r\nlines\"\r\n", &spec)
            .unwrap()
            .unwrap();
        assert_eq!(out[0].as_ref().unwrap().text, "two\nlines");
    }

    #[test]
    fn csv_missing_mapped_column_is_fatal_with_the_columns_listed() {
        let spec = spec("csv", "id = \"tweet_id\"\ntext = \"body\"");
        let err = read_all(b"tweet_id,text\n1,x\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the header has no column \"body\" (columns: \"tweet_id\", \"text\")"),
            "{err}"
        );
        // A header of a hundred columns, one of them a megabyte long: the message lists 50,
        // each cut at 60 characters.
        let mut header: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        header[0] = "x".repeat(1 << 20);
        let data = format!("{}\n", header.join(","));
        let err = read_all(data.as_bytes(), &spec).unwrap_err().to_string();
        assert!(err.len() < 2_000, "{} bytes", err.len());
        assert!(
            err.contains(&format!("{:?}..., \"c1\"", "x".repeat(60))),
            "{err}"
        );
        assert!(err.contains("\"c49\", and 50 more)"), "{err}");
    }

    #[test]
    fn csv_empty_and_binary_files_are_file_rejects() {
        let spec_of = spec;
        let spec = spec_of("csv", "text = \"text\"");
        assert_eq!(
            read_all(b"", &spec).unwrap().unwrap_err(),
            "empty file; expected a header row"
        );
        assert!(read_all(b"PK\x03\x04\x00", &spec)
            .unwrap()
            .unwrap_err()
            .starts_with("binary file"));
        // Only a byte-order mark, blanks and line ends: empty, not a header without columns.
        for blank in [&b"\xEF\xBB\xBF"[..], b"\n\n", b"\r\n", b" \n\t"] {
            assert_eq!(
                read_all(blank, &spec).unwrap().unwrap_err(),
                "empty file (only blanks and line ends); expected a header row"
            );
        }
        let jsonl = spec_of("jsonl", "text = \"text\"");
        assert_eq!(
            read_all(b"\xEF\xBB\xBF\n\n", &jsonl).unwrap().unwrap_err(),
            "empty file (only blanks and line ends); expected JSON lines"
        );
    }

    #[test]
    fn endless_headers_and_lines_stop_at_the_record_limit() {
        let spec_of = spec;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![b'a'; 2 << 20]).unwrap();
        match open_with(f.path(), &spec_of("csv", "text = \"text\""), 10).unwrap() {
            Err(reason) => assert_eq!(
                reason,
                "header row longer than the limit of 10 bytes (--max-record-bytes); expected a CSV header"
            ),
            Ok(_) => panic!("an endless header is a file reject"),
        }
        let jsonl = spec_of("jsonl", "text = \"text\"");
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(b"{\"text\": \"ok\"}\n").unwrap();
        f.write_all(&vec![b'a'; 1 << 20]).unwrap();
        f.write_all(b"\n{\"text\": \"ok too\"}\n").unwrap();
        let (mut reader, mapper) = open_with(f.path(), &jsonl, 100).unwrap().unwrap();
        let recs = reader.next_batch(10, usize::MAX).unwrap();
        let out: Vec<_> = recs
            .into_iter()
            .map(|r| mapper.map(&jsonl, "f", r))
            .collect();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().text, "ok");
        assert_eq!(
            out[1].as_ref().unwrap_err(),
            "line longer than the limit of 100 bytes (--max-record-bytes)"
        );
        assert_eq!(out[2].as_ref().unwrap().line, 3);
    }

    #[test]
    fn csv_invalid_utf8_in_a_mapped_field() {
        let spec = spec("csv", "text = \"text\"");
        let out = read_all(b"text\nna\xEFve\n", &spec).unwrap().unwrap();
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .starts_with("invalid UTF-8 in column \"text\" at byte 2"));
    }

    #[test]
    fn jsonl_broken_truncated_deep_and_wrong_type() {
        let spec = spec(
            "jsonl",
            "id = \"id\"\ntext = \"body.text\"\nreplies = \"replies\"",
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let data = format!(
            "{{\"id\": 1, \"body\": {{\"text\": \"hello\"}}, \"replies\": [2, \"3\"]}}\n\n{{\"id\": 2, \"body\"\n{deep}\n{{\"id\": 3, \"body\": {{\"text\": 42}}}}\n[1]\n"
        );
        let out = read_all(data.as_bytes(), &spec).unwrap().unwrap();
        assert_eq!(out.len(), 5, "blank line is not a record: {out:?}");
        let d = out[0].as_ref().unwrap();
        assert_eq!(
            (d.id.as_str(), d.text.as_str(), d.line),
            ("s:1", "hello", 1)
        );
        assert_eq!(d.thread.replies, vec!["s:2", "s:3"]);
        assert!(
            out[1].as_ref().unwrap_err().starts_with("truncated JSON"),
            "{out:?}"
        );
        assert!(
            out[2].as_ref().unwrap_err().contains("recursion limit"),
            "{out:?}"
        );
        assert_eq!(
            out[3].as_ref().unwrap_err(),
            "field \"body.text\" is a number; expected a string"
        );
        assert_eq!(
            out[4].as_ref().unwrap_err(),
            "expected a JSON object, found an array"
        );
    }

    /// A number id is kept as written up to 64 bits; beyond, serde_json reads a float, and
    /// two ids differing in the last digit became one id: such a record is a reject.
    #[test]
    fn jsonl_number_ids_are_exact_or_rejected() {
        let spec = spec("jsonl", "id = \"id\"\ntext = \"t\"\nreplies = \"r\"");
        let data = "{\"id\": 18446744073709551615, \"t\": \"a\", \"r\": [-9223372036854775808]}\n\
                    {\"id\": 123456789012345678901, \"t\": \"b\"}\n\
                    {\"id\": 7, \"t\": \"c\", \"r\": [123456789012345678902]}\n\
                    {\"id\": 2.5, \"t\": \"d\"}\n";
        let out = read_all(data.as_bytes(), &spec).unwrap().unwrap();
        let d = out[0].as_ref().unwrap();
        assert_eq!(d.id, "s:18446744073709551615");
        assert_eq!(d.thread.replies, vec!["s:-9223372036854775808"]);
        assert_eq!(
            out[1].as_ref().unwrap_err(),
            "field \"id\" is a number beyond 64 bits, read only approximately (as \
             1.2345678901234567e+20); write it as a string"
        );
        assert!(
            out[2]
                .as_ref()
                .unwrap_err()
                .starts_with("field \"r\" is a number beyond 64 bits"),
            "{out:?}"
        );
        assert_eq!(out[3].as_ref().unwrap().id, "s:2.5");
    }
}
