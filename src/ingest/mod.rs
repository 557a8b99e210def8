//! Ingest: corpus manifest in, a stream of [`Document`]s and [`Reject`]s out.
//!
//! Takes a [`Manifest`] and a [`Sink`]; reads every source in manifest order, parses in
//! parallel (rayon) in bounded batches, and hands documents and rejects to the sink in
//! input order, so memory does not grow with corpus size and output does not depend on the
//! thread count. It never drops a record: each one read becomes exactly one document or
//! one reject, and [`Counts`] says so. It does not index, tag or print.

pub mod date;
pub mod decode;
pub mod manifest;
pub mod record;
pub mod stdin;
pub mod structured;
pub mod walk;
pub mod whole_file;

pub use manifest::{Format, Manifest};

use crate::error::{Error, Result};
use crate::model::{Document, Reject};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Where documents and rejects go, in input order.
pub trait Sink {
    /// Takes a batch of documents (at most a few thousand), in input order.
    fn documents(&mut self, docs: Vec<Document>) -> Result<()>;
    /// Takes one reject.
    fn reject(&mut self, reject: &Reject) -> Result<()>;
    /// A file an incremental build keeps from the index it updates, in its place in the
    /// reading order: its documents and rejects are already there and are not read again.
    fn kept(&mut self, _file: &FileSummary) -> Result<()> {
        Ok(())
    }
}

/// The files of an index an incremental build keeps: unchanged since they were indexed
/// (same source, name and SHA-256), so they are not read again.
pub trait Prior: Sync {
    /// The recorded summary of the file, when it is kept.
    fn kept(&self, source: &str, file: &str, sha256: &str) -> Option<FileSummary>;
    /// Per document of a kept file, in order: the hash of its id ([`id_hash`]) and its line.
    fn ids(&self, file: &FileSummary) -> Result<Vec<(u128, u64)>>;
    /// Size and SHA-256 of a file when already computed (deciding what changed needs them).
    fn hashed(&self, _path: &Path) -> Option<(u64, String)> {
        None
    }
}

/// Settings for one ingest run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop at the first reject.
    pub strict: bool,
    /// Records per parallel batch.
    pub batch_records: usize,
    /// Input bytes per parallel batch (bounds memory for long records).
    pub batch_bytes: usize,
    /// Bytes one record may have: a text, Markdown or HTML file, a CSV record, a JSON line.
    /// A longer one is rejected without being held in memory.
    pub max_record_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            batch_records: 8192,
            batch_bytes: 32 << 20,
            max_record_bytes: structured::MAX_RECORD_BYTES,
        }
    }
}

/// Records read, documents made, records rejected. `records == documents + rejects`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Records read (CSV rows, JSON lines, whole files).
    pub records: u64,
    /// Records that became documents.
    pub documents: u64,
    /// Records that did not, each with a reason in `rejects.jsonl`.
    pub rejects: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.records += other.records;
        self.documents += other.documents;
        self.rejects += other.rejects;
    }
}

/// What was read from one input file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSummary {
    /// Source name.
    pub source: String,
    /// File as shown in documents and rejects.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// What ingest read, file by file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Totals over all files.
    pub counts: Counts,
    /// One entry per input file, in reading order.
    pub files: Vec<FileSummary>,
}

/// Progress events for a progress bar; stages do not print.
pub trait Progress: Sync {
    /// `bytes` more input bytes have been read.
    fn advance(&self, bytes: u64);
}

impl Progress for () {
    fn advance(&self, _: u64) {}
}

/// Total input bytes, for a progress bar.
pub fn total_bytes(manifest: &Manifest) -> u64 {
    manifest
        .sources
        .iter()
        .flat_map(|s| &s.files)
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Reads the whole corpus into `sink`.
pub fn read_corpus(
    manifest: &Manifest,
    opts: &Options,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> Result<Summary> {
    read_corpus_after(manifest, opts, sink, progress, None)
}

/// Reads the corpus into `sink` as [`read_corpus`] does, except the files `prior` keeps:
/// those are hashed, not read, and handed to [`Sink::kept`] in their place in the reading
/// order, their documents' ids taking part in the duplicate check as if read. The summary
/// lists every file, kept ones with their recorded counts. A kept document whose id a file
/// read before it now also has is a change the kept file's recorded outcome does not show:
/// [`Error::NeedsFullBuild`].
pub fn read_corpus_after(
    manifest: &Manifest,
    opts: &Options,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
    prior: Option<&dyn Prior>,
) -> Result<Summary> {
    let mut state = State {
        opts,
        sink,
        seen: HashMap::new(),
        files: Vec::new(),
        pending: Vec::with_capacity(SINK_BATCH),
    };
    let mut summary = Summary::default();
    for source in &manifest.sources {
        if source.spec.format.is_whole_file() {
            for chunk in source.files.chunks(64) {
                let parsed: Vec<_> = chunk
                    .par_iter()
                    .map(|path| {
                        let shown = manifest.display_path(path);
                        let kept = match prior {
                            Some(p) => match p.hashed(path).map_or_else(|| hash_file(path), Ok) {
                                Ok((_, sha)) => p.kept(&source.spec.name, &shown, &sha).map(Ok),
                                Err(e) => Some(Err(e)),
                            },
                            None => None,
                        };
                        let result = match kept {
                            Some(k) => Err(k),
                            None => {
                                let id = source.file_id(path);
                                Ok(read_whole_file(
                                    source,
                                    path,
                                    &shown,
                                    &id,
                                    opts.max_record_bytes,
                                ))
                            }
                        };
                        progress.advance(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
                        (shown, result)
                    })
                    .collect();
                for (shown, result) in parsed {
                    let result = match result {
                        Ok(read) => read,
                        Err(kept) => {
                            let kept = kept?;
                            state.keep_file(&shown, &kept, prior.expect("kept only with prior"))?;
                            summary.files.push(kept);
                            continue;
                        }
                    };
                    let (bytes, sha256, result) = result?;
                    let idx = state.start_file(&shown);
                    let counts = state.take(idx, &source.spec.name, &shown, 1, None, result)?;
                    summary.files.push(FileSummary {
                        source: source.spec.name.clone(),
                        file: shown,
                        bytes,
                        sha256,
                        counts,
                    });
                }
            }
        } else {
            for path in &source.files {
                let shown = manifest.display_path(path);
                let (bytes, sha256) = match prior.and_then(|p| p.hashed(path)) {
                    Some(h) => h,
                    None => hash_file(path)?,
                };
                if let Some(p) = prior {
                    if let Some(kept) = p.kept(&source.spec.name, &shown, &sha256) {
                        state.keep_file(&shown, &kept, p)?;
                        progress.advance(bytes);
                        summary.files.push(kept);
                        continue;
                    }
                }
                let idx = state.start_file(&shown);
                let name = source.file_id(path);
                let counts = read_records(&mut state, idx, source, path, &shown, &name, progress)?;
                summary.files.push(FileSummary {
                    source: source.spec.name.clone(),
                    file: shown,
                    bytes,
                    sha256,
                    counts,
                });
            }
        }
    }
    state.flush()?;
    for f in &summary.files {
        summary.counts.add(f.counts);
    }
    debug_assert_eq!(
        summary.counts.records,
        summary.counts.documents + summary.counts.rejects
    );
    Ok(summary)
}

/// Reads one file as a source of the manifest, as [`read_corpus`] reads it, into `sink`:
/// for a worker handed the corpus's files one by one (a Spark executor with a local copy).
/// `shown` is the file as documents and rejects name it; `file_id` its name within the
/// source (record-numbered and whole-file ids carry it). A duplicate id is found within
/// this file only: across files it is the caller's to find.
pub fn read_file_as(
    manifest: &Manifest,
    source: &str,
    path: &Path,
    shown: &str,
    file_id: &str,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<FileSummary> {
    let source = manifest
        .sources
        .iter()
        .find(|s| s.spec.name == source)
        .ok_or_else(|| Error::Manifest {
            path: manifest.path.clone(),
            message: format!(
                "no source {source:?} (sources: {})",
                manifest
                    .sources
                    .iter()
                    .map(|s| s.spec.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let mut state = State {
        opts,
        sink,
        seen: HashMap::new(),
        files: Vec::new(),
        pending: Vec::with_capacity(SINK_BATCH),
    };
    let idx = state.start_file(shown);
    let (bytes, sha256, counts) = if source.spec.format.is_whole_file() {
        let (bytes, sha, result) =
            read_whole_file(source, path, shown, file_id, opts.max_record_bytes)?;
        let counts = state.take(idx, &source.spec.name, shown, 1, None, result)?;
        (bytes, sha, counts)
    } else {
        let (bytes, sha) = hash_file(path)?;
        let counts = read_records(&mut state, idx, source, path, shown, file_id, &())?;
        (bytes, sha, counts)
    };
    state.flush()?;
    Ok(FileSummary {
        source: source.spec.name.clone(),
        file: shown.to_string(),
        bytes,
        sha256,
        counts,
    })
}

type WholeFile = (u64, String, std::result::Result<Document, String>);

fn read_whole_file(
    source: &manifest::Source,
    path: &Path,
    shown: &str,
    file_id: &str,
    max_bytes: u64,
) -> Result<WholeFile> {
    // What is not a regular file (a FIFO or a socket found in a directory) is rejected
    // unread, and so is a file too large to be one document.
    let file = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) if crate::files::is_not_regular(&e) => {
            return Ok((0, String::new(), Err(format!("{e}; not read"))))
        }
        Err(e) => return Err(Error::io(path, "cannot open")(e)),
    };
    let len = file
        .metadata()
        .map_err(Error::io(path, "cannot read"))?
        .len();
    let too_large = |len: u64| {
        format!(
            "file of {len} bytes is larger than the limit of {max_bytes} bytes for one document \
             (--max-record-bytes)"
        )
    };
    if len > max_bytes {
        let (bytes, sha) = hash_file(path)?;
        return Ok((bytes, sha, Err(too_large(len))));
    }
    let bytes = match crate::files::read_capped(file, max_bytes) {
        Ok(b) => b,
        // It grew past the limit while being read.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            let (bytes, sha) = hash_file(path)?;
            return Ok((bytes, sha, Err(too_large(bytes))));
        }
        Err(e) => return Err(Error::io(path, "cannot read")(e)),
    };
    let sha = hex(&Sha256::digest(&bytes));
    let format = if source.by_extension {
        Format::from_extension(path)
    } else {
        Some(source.spec.format)
    };
    let result = match format {
        None => Err(format!(
            "unsupported file type {:?}; expected .txt, .md or .html (write a manifest for CSV or JSON lines)",
            path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
        )),
        Some(format) => whole_file::read(&bytes, format).map(|page| Document {
            id: format!("{}:{file_id}", source.spec.name),
            source: source.spec.name.clone(),
            kind: source.spec.kind.clone(),
            shape: source.spec.shape(),
            channel: source.spec.channel.clone(),
            file: shown.to_string(),
            line: 1,
            title: page.title,
            text: page.text,
            ..Document::default()
        }),
    };
    Ok((bytes.len() as u64, sha, result))
}

fn read_records(
    state: &mut State<'_>,
    idx: usize,
    source: &manifest::Source,
    path: &Path,
    shown: &str,
    name: &str,
    progress: &dyn Progress,
) -> Result<Counts> {
    let spec = &source.spec;
    let (mut reader, mapper) = match structured::open_with(path, spec, state.opts.max_record_bytes)?
    {
        Ok(opened) => opened,
        Err(reason) => return state.take(idx, &spec.name, shown, 1, None, Err(reason)),
    };
    let mut counts = Counts::default();
    // Record-numbered ids name the file as the source sees it (`name`), not where it was
    // found, so they stay the same when the data moves (`--data` elsewhere).
    let io_err = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        action: "cannot read",
        source: e,
    };
    let mut batch = reader
        .next_batch(state.opts.batch_records, state.opts.batch_bytes)
        .map_err(io_err)?;
    while !batch.is_empty() {
        // Read the next batch on this thread while the pool maps the current one.
        let (next, mapped) = rayon::join(
            || reader.next_batch(state.opts.batch_records, state.opts.batch_bytes),
            || {
                batch
                    .into_par_iter()
                    .map(|rec| {
                        let (line, record) = (rec.line, rec.record);
                        (line, record, mapper.map_named(spec, shown, name, rec))
                    })
                    .collect::<Vec<_>>()
            },
        );
        for (line, record, result) in mapped {
            counts.add(state.take(idx, &spec.name, shown, record, Some(line), result)?);
        }
        batch = next.map_err(io_err)?;
        progress.advance(0);
    }
    progress.advance(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    Ok(counts)
}

struct State<'a> {
    opts: &'a Options,
    sink: &'a mut dyn Sink,
    /// Hash of each document id seen -> (file index, line), to reject duplicates.
    /// A 128-bit hash keeps this small for millions of ids with no practical collision risk.
    seen: HashMap<u128, (u32, u64)>,
    files: Vec<String>,
    /// Documents not yet handed to the sink.
    pending: Vec<Document>,
}

/// Documents handed to the sink at a time.
const SINK_BATCH: usize = 4096;

impl State<'_> {
    fn flush(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            // A full batch's room at once, not grown by doubling again for every batch.
            let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(SINK_BATCH));
            self.sink.documents(batch)?;
        }
        Ok(())
    }

    /// Takes a kept file's documents into the duplicate check and hands the file to the
    /// sink, after the documents read before it.
    fn keep_file(&mut self, shown: &str, kept: &FileSummary, prior: &dyn Prior) -> Result<()> {
        self.flush()?;
        let idx = self.start_file(shown) as u32;
        for (key, line) in prior.ids(kept)? {
            if let Some(&(f, l)) = self.seen.get(&key) {
                return Err(Error::NeedsFullBuild(format!(
                    "{shown}:{line}: a document of this unchanged file has the id of a record \
                     read before it ({}:{l})",
                    self.files[f as usize]
                )));
            }
            self.seen.insert(key, (idx, line));
        }
        self.sink.kept(kept)
    }

    fn start_file(&mut self, shown: &str) -> usize {
        self.files.push(shown.to_string());
        self.files.len() - 1
    }

    /// Passes one record's outcome to the sink, turning a duplicate id into a reject.
    fn take(
        &mut self,
        file_idx: usize,
        source: &str,
        file: &str,
        record: u64,
        line: Option<u64>,
        result: std::result::Result<Document, String>,
    ) -> Result<Counts> {
        let result = result.and_then(|doc| {
            let key = id_hash(&doc.id);
            match self.seen.get(&key) {
                Some(&(f, l)) => {
                    let first = &self.files[f as usize];
                    Err(format!("duplicate id {:?} (first seen at {first}:{l}); the later record is not indexed", doc.id))
                }
                None => {
                    self.seen.insert(key, (file_idx as u32, doc.line));
                    Ok(doc)
                }
            }
        });
        match result {
            Ok(doc) => {
                self.pending.push(doc);
                if self.pending.len() >= SINK_BATCH {
                    self.flush()?;
                }
                Ok(Counts {
                    records: 1,
                    documents: 1,
                    rejects: 0,
                })
            }
            Err(reason) => {
                let reject = Reject {
                    source: source.to_string(),
                    file: file.to_string(),
                    line,
                    record,
                    reason,
                };
                if self.opts.strict {
                    return Err(Error::Strict(reject.to_string()));
                }
                self.sink.reject(&reject)?;
                Ok(Counts {
                    records: 1,
                    documents: 0,
                    rejects: 1,
                })
            }
        }
    }
}

/// The key of a document id in the duplicate check.
pub fn id_hash(id: &str) -> u128 {
    let digest = Sha256::digest(id.as_bytes());
    u128::from_le_bytes(digest[..16].try_into().expect("16 bytes"))
}

/// Size and SHA-256 of a file, streamed. What is not a regular file (a FIFO found in a
/// directory, which is rejected unread) has size 0 and an empty hash: it is never opened.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut file = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) if crate::files::is_not_regular(&e) => return Ok((0, String::new())),
        Err(e) => return Err(Error::io(path, "cannot open")(e)),
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, "cannot read")(e)),
        };
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((total, hex(&hasher.finalize())))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
