//! The index directory: a tantivy index for search and Parquet tables for analysis.
//!
//! Layout of an index directory:
//!
//! ```text
//! manifest.json            tool version, hashes of every input and the corpus manifest, counts
//! rejects.jsonl            one JSON object per rejected record: source, file, line, record, reason
//! tantivy/                 the search index
//! tables/documents.parquet one row per document
//! tables/threads.parquet   reply structure, for reply-linked sources
//! ```
//!
//! A build writes into a fresh temporary directory beside the target and swaps it in only
//! when complete, so an interrupted build leaves the previous index as it was. One build at
//! a time writes an index (a lock file beside it), and a build never deletes a file
//! replyscope did not write there.

pub mod incremental;
pub mod schema;
pub mod shard;
pub mod tables;
pub mod threads;

use crate::error::{Error, Result};
use crate::ingest::{self, Sink};
use crate::model::{Document, Reject, TagSet};
use crate::schema::Table;
use crate::tag::{self, Lexicons, TaggedDoc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::{Index, IndexWriter, TantivyDocument};

/// File name of the index manifest.
pub const MANIFEST: &str = "manifest.json";
/// File name of the rejects log.
pub const REJECTS: &str = "rejects.jsonl";
/// Version of the index directory layout; bumped when old indexes cannot be read.
/// 2: the typed tables of [`crate::schema`] (document numbers, list columns).
pub const LAYOUT_VERSION: u32 = 2;

/// Contents of `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexManifest {
    /// Always "replyscope": how we recognise our own directories.
    pub tool: String,
    /// replyscope version that built it.
    pub version: String,
    /// Layout version.
    pub layout: u32,
    /// When the build finished (UTC, RFC 3339).
    pub built_at: String,
    /// The corpus manifest (or directory) and its hash.
    pub corpus: CorpusInfo,
    /// Per input file: hash and counts.
    pub inputs: Vec<ingest::FileSummary>,
    /// Totals: records read = documents + rejects.
    pub counts: ingest::Counts,
    /// Rows of the other tables and the thread stage's counts.
    pub tables: TableCounts,
    /// Rule files the tagger used, with their SHA-256.
    pub lexicons: Vec<(String, String)>,
    /// Hash of everything that decides the index's content: tool version, corpus manifest,
    /// every input file. Two builds with the same fingerprint hold the same data.
    pub fingerprint: String,
    /// Size and SHA-256 of the tables and the rejects log, so a damaged or replaced file is
    /// found before an index is reused (absent in indexes of earlier versions).
    #[serde(default)]
    pub files: Vec<RecordedFile>,
    /// Settings of the build that decide the index's content (absent in indexes of earlier
    /// versions, which an incremental build therefore rebuilds in full).
    #[serde(default)]
    pub settings: Option<BuildSettings>,
    /// Builds that changed this index's content so far: 1 for its first build.
    #[serde(default)]
    pub generation: u64,
    /// When each input file (with its present content) was first indexed: what
    /// `replyscope watch` calls new.
    #[serde(default)]
    pub added: Vec<FileAdded>,
    /// The shard this index holds (`index --shard K/N`); its counts are the shard's, its
    /// inputs' counts the whole files'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<shard::Shard>,
}

/// Settings of a build that decide an index's content besides its inputs and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildSettings {
    /// Largest record read (`--max-record-bytes`): longer ones are rejects.
    pub max_record_bytes: u64,
}

/// When an input file's present content was first indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAdded {
    /// Source name.
    pub source: String,
    /// File as shown in documents and rejects.
    pub file: String,
    /// Its SHA-256 then (and now).
    pub sha256: String,
    /// The index's generation that first held it.
    pub generation: u64,
    /// When that build finished (UTC, RFC 3339).
    pub at: String,
}

/// A file, besides the tables, rejects and manifest, that an index directory may hold and
/// that a rebuild carries over: the state of `replyscope watch`.
pub const WATCH_STATE: &str = "watch-state.json";

/// A file of an index directory as the build wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFile {
    /// Path relative to the index directory, with '/' separators: `tables/documents.parquet`.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// The tables an index may hold, relative to the index directory.
pub const TABLES: [&str; 4] = [
    Table::Documents.rel(),
    Table::Mentions.rel(),
    Table::Interactions.rel(),
    Table::Threads.rel(),
];

/// Records size and SHA-256 of the rejects log and every table a build wrote in `dir`.
pub fn record_files(dir: &Path) -> Result<Vec<RecordedFile>> {
    let mut out = Vec::new();
    for rel in std::iter::once(&REJECTS).chain(TABLES.iter()) {
        let path = dir.join(rel);
        if !path.exists() {
            continue;
        }
        let (bytes, sha256) = ingest::hash_file(&path)?;
        out.push(RecordedFile {
            path: rel.to_string(),
            bytes,
            sha256,
        });
    }
    Ok(out)
}

/// Checks that an index directory is whole: every file its manifest records is there with
/// the size and SHA-256 recorded, the tables the queries read are there, and the search
/// index opens. The error names the first file that is not as the build left it.
pub fn verify(dir: &Path, m: &IndexManifest) -> std::result::Result<(), String> {
    for f in &m.files {
        let path = dir.join(&f.path);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => meta,
            Ok(meta) => {
                return Err(format!(
                    "{} is {}",
                    f.path,
                    crate::files::kind_of(&meta.file_type())
                ))
            }
            Err(_) => return Err(format!("{} is missing", f.path)),
        };
        if meta.len() != f.bytes {
            return Err(format!(
                "{} has {} bytes; the index manifest records {}",
                f.path,
                meta.len(),
                f.bytes
            ));
        }
        match ingest::hash_file(&path) {
            Ok((_, sha)) if sha == f.sha256 => {}
            Ok(_) => {
                return Err(format!(
                    "{} is not the file the index manifest records (its SHA-256 differs)",
                    f.path
                ))
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    for rel in &TABLES[..3] {
        if !dir.join(rel).is_file() {
            return Err(format!("{rel} is missing"));
        }
    }
    let index = Index::open_in_dir(dir.join("tantivy")).map_err(|e| format!("tantivy: {e}"))?;
    index
        .reader()
        .map_err(|e| format!("tantivy: cannot be opened ({e})"))?;
    Ok(())
}

/// The corpus an index was built from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusInfo {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the manifest file (empty for a directory).
    pub sha256: String,
    /// Corpus name.
    pub name: String,
}

/// Writes documents into the search index and tables as ingest streams them: tags each batch
/// (in parallel), indexes it with its labels, and appends to the tables.
pub struct Builder {
    dir: PathBuf,
    fields: schema::Fields,
    lexicons: Arc<Lexicons>,
    /// Sources whose documents carry reply links; only they go into the threads table.
    threaded: Vec<String>,
    rejects: BufWriter<File>,
    /// The shard this build keeps, with what the first pass learnt of the whole corpus.
    shard: Option<(shard::Shard, Arc<shard::Plan>)>,
    /// Documents and rejects kept (all of them, unless this is a shard).
    kept: ingest::Counts,
    /// The last batch tagged, handed to the writers while the next one is tagged.
    pending: Option<Vec<Prepared>>,
    out: Out,
}

/// The writers of a build and what they have been handed.
struct Out {
    writer: IndexWriter,
    documents: tables::TableWriter<(u32, Document)>,
    mentions: tables::TableWriter<tables::MentionRow>,
    interactions: tables::TableWriter<tables::InteractionRow>,
    threads: tag::threads::ThreadStore,
    /// The document number of each post of `threads`, in push order.
    thread_docs: Vec<u32>,
    /// Documents written so far: the next document's number.
    docs: u64,
    tags: u64,
    /// In an incremental build: the files it keeps, and the fresh reply-linked posts with
    /// their numbers (the thread stage runs over them and the index's own posts).
    update: Option<(incremental::KeptLog, Vec<(u32, tag::threads::PostDraft)>)>,
}

/// A document tagged, with its index entry, its post for the thread stage (reply-linked
/// sources) and its tags with their surface text and interactions, for the writers.
type Prepared = (
    Document,
    tantivy::TantivyDocument,
    Option<tag::threads::PostTags>,
    Vec<(crate::model::Tag, String)>,
    Vec<crate::model::Interaction>,
);

/// What a [`Builder`] builds.
enum Part {
    /// A whole index, or one shard of the corpus with what the first pass learnt of it.
    Whole(Option<(shard::Shard, Arc<shard::Plan>)>),
    /// The files an incremental build reads, beside the ones it keeps.
    Update(incremental::KeptLog),
}

/// What the build wrote besides the documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCounts {
    /// Rows of tables/mentions.parquet (tags).
    pub tags: u64,
    /// Rows of tables/interactions.parquet.
    pub interactions: u64,
    /// Rows of tables/threads.parquet.
    pub thread_posts: u64,
    /// The thread stage's counts.
    pub threads: tag::threads::ThreadStats,
}

impl Builder {
    /// Creates an empty index in `dir`, which must exist and be empty.
    /// `threaded` names the sources whose documents go into the threads table.
    pub fn create(
        dir: &Path,
        lexicons: Arc<Lexicons>,
        given_labels: Vec<String>,
        threaded: Vec<String>,
        threads: usize,
        shard: Option<(shard::Shard, Arc<shard::Plan>)>,
    ) -> Result<Builder> {
        let tantivy_dir = dir.join("tantivy");
        std::fs::create_dir_all(&tantivy_dir)
            .map_err(Error::io(&tantivy_dir, "cannot create directory"))?;
        let (schema, _) = schema::build();
        let index = Index::create_in_dir(&tantivy_dir, schema)?;
        let writer = writer_of(&index, threads)?;
        Builder::with_writer(
            dir,
            dir,
            writer,
            lexicons,
            given_labels,
            threaded,
            Part::Whole(shard),
        )
    }

    /// A builder of the part of an index an incremental build reads: documents go into
    /// `writer` (the search index being updated), their table rows into `tables_dir`
    /// (merged with the index's own rows afterwards), rejects, with the kept files' own, into
    /// `dir/rejects.jsonl`.
    pub fn update(
        dir: &Path,
        tables_dir: &Path,
        writer: IndexWriter,
        lexicons: Arc<Lexicons>,
        given_labels: Vec<String>,
        threaded: Vec<String>,
        kept: incremental::KeptLog,
    ) -> Result<Builder> {
        Builder::with_writer(
            dir,
            tables_dir,
            writer,
            lexicons,
            given_labels,
            threaded,
            Part::Update(kept),
        )
    }

    fn with_writer(
        dir: &Path,
        tables_dir: &Path,
        writer: IndexWriter,
        lexicons: Arc<Lexicons>,
        given_labels: Vec<String>,
        threaded: Vec<String>,
        part: Part,
    ) -> Result<Builder> {
        let (update, shard) = match part {
            Part::Whole(shard) => (None, shard),
            Part::Update(kept) => (Some((kept, Vec::new())), None),
        };
        let tables = tables_dir.join("tables");
        std::fs::create_dir_all(&tables).map_err(Error::io(&tables, "cannot create directory"))?;
        let fields = schema::fields_of(&writer.index().schema())?;
        let rejects_path = dir.join(REJECTS);
        let rejects =
            File::create(&rejects_path).map_err(Error::io(&rejects_path, "cannot create"))?;
        Ok(Builder {
            dir: dir.to_path_buf(),
            fields,
            lexicons,
            threaded,
            rejects: BufWriter::new(rejects),
            shard,
            kept: ingest::Counts::default(),
            pending: None,
            out: Out {
                writer,
                documents: tables::documents(&Table::Documents.path(tables_dir), given_labels)?,
                mentions: tables::mentions(&Table::Mentions.path(tables_dir))?,
                interactions: tables::interactions(&Table::Interactions.path(tables_dir))?,
                threads: tag::threads::ThreadStore::default(),
                thread_docs: Vec::new(),
                docs: 0,
                tags: 0,
                update,
            },
        })
    }

    /// Commits the search index and finishes the tables of the documents read, leaving
    /// the thread stage to the incremental build: returns the fresh reply-linked posts with
    /// their numbers and the kept files' places.
    pub fn finish_update(mut self) -> Result<incremental::Fresh> {
        self.flush()?;
        self.out.writer.commit()?;
        self.out.writer.wait_merging_threads()?;
        let rejects_path = self.dir.join(REJECTS);
        self.rejects
            .flush()
            .map_err(Error::io(&rejects_path, "cannot write"))?;
        self.out.documents.finish()?;
        let tags = self.out.mentions.finish()?;
        let interactions = self.out.interactions.finish()?;
        let (kept, drafts) = self.out.update.take().expect("an update builder");
        Ok(incremental::Fresh {
            drafts,
            ranges: kept.ranges,
            docs: self.out.docs,
            tags,
            interactions,
        })
    }

    /// Commits the search index, builds the thread interactions and writes the tables;
    /// returns their counts and the documents and rejects kept.
    pub fn finish(mut self) -> Result<(TableCounts, ingest::Counts)> {
        self.flush()?;
        let rejects_path = self.dir.join(REJECTS);
        self.rejects
            .flush()
            .map_err(Error::io(&rejects_path, "cannot write"))?;
        // The search index commits (its threads write their last segments, then one merges
        // them) while the tables ingest filled are finished and the store's links are built
        // for the thread stage (a map of every post id: at 3M tweets about a second on one
        // core, which the commit's last merge leaves idle; the peak did not rise,
        // BENCHMARKS.md).
        let Out {
            mut writer,
            documents,
            mentions,
            interactions,
            threads,
            thread_docs,
            ..
        } = self.out;
        let store = &threads;
        let (committed, finished) = rayon::join(
            move || -> Result<()> {
                writer.commit()?;
                writer.wait_merging_threads()?;
                Ok(())
            },
            move || -> Result<(u64, tag::threads::Links<'_>)> {
                documents.finish()?;
                Ok((mentions.finish()?, store.links()))
            },
        );
        committed?;
        let (tags, links) = finished?;
        // The thread stage, and beside it the threads table (both read the store and its
        // links only); the stage's rows are encoded on another thread as it makes them.
        let (dir, corpus) = (&self.dir, self.shard.as_ref().map(|(_, plan)| &plan.view));
        let (staged, written) = rayon::join(
            || -> Result<(tag::threads::ThreadStats, u64)> {
                interactions.finish_beside(|push| {
                    tag::threads::interactions(&threads, &links, corpus, &mut |i, at| {
                        push(thread_row(i, at, &thread_docs))
                    })
                })
            },
            || -> Result<u64> {
                if threads.is_empty() {
                    return Ok(0);
                }
                let path = Table::Threads.path(dir);
                threads::write(&threads, &links.parents, &thread_docs, &path)
            },
        );
        let (stats, interactions) = staged?;
        let thread_posts = written?;
        Ok((
            TableCounts {
                tags,
                interactions,
                thread_posts,
                threads: stats,
            },
            self.kept,
        ))
    }
}

/// The interactions-table row of a thread interaction; `at` are the store positions of its
/// post and of each of its evidence's posts ([`tag::threads::interactions`]), `docs` the
/// document numbers of the store's posts.
pub(crate) fn thread_row(
    i: crate::model::Interaction,
    at: &[u32],
    docs: &[u32],
) -> tables::InteractionRow {
    debug_assert_eq!(
        at.len(),
        1 + i.evidence.len(),
        "a position for each evidence"
    );
    tables::InteractionRow {
        doc: docs[at[0] as usize],
        evidence_docs: at[1..].iter().map(|&p| Some(docs[p as usize])).collect(),
        interaction: i,
    }
}

/// Tags a document and makes its index entry and table rows.
fn prepare(
    lex: &Lexicons,
    fields: &schema::Fields,
    threaded: &[String],
    doc: Document,
) -> Prepared {
    let TaggedDoc {
        doc,
        tags,
        interactions,
        author,
        ..
    } = lex.tag(doc);
    let tdoc = tantivy_doc(fields, &doc, &tags);
    let post = threaded
        .contains(&doc.source)
        .then(|| tag::threads::PostTags::of(author, &tags));
    let rows: Vec<(crate::model::Tag, String)> = tags
        .into_iter()
        .map(|tag| {
            let surface = doc.text.get(tag.start..tag.end).unwrap_or("").to_string();
            (tag, surface)
        })
        .collect();
    (doc, tdoc, post, rows, interactions)
}

impl Out {
    /// Numbers a batch of prepared documents and hands them to the writers, in order.
    fn hand_off(&mut self, batch: Vec<Prepared>) -> Result<()> {
        for (doc, tdoc, post, rows, interactions) in batch {
            let number = tables::doc_number(self.docs)?;
            self.docs += 1;
            self.writer.add_document(tdoc)?;
            if let Some(post) = post {
                match &mut self.update {
                    Some((_, drafts)) => {
                        drafts.push((number, tag::threads::PostDraft::new(&doc, post)));
                    }
                    None => {
                        self.threads.push_doc(&doc, &post);
                        self.thread_docs.push(number);
                    }
                }
            }
            let source = crate::intern::intern(&doc.source);
            for (tag, surface) in rows {
                self.tags += 1;
                self.mentions.push(tables::MentionRow {
                    doc: number,
                    source,
                    tag,
                    surface,
                })?;
            }
            for i in interactions {
                // A text interaction's evidence lies in its own document.
                let evidence_docs = i
                    .evidence
                    .iter()
                    .map(|e| (e.doc == doc.id).then_some(number))
                    .collect();
                self.interactions.push(tables::InteractionRow {
                    doc: number,
                    evidence_docs,
                    interaction: i,
                })?;
            }
            self.documents.push((number, doc))?;
        }
        Ok(())
    }
}

impl Builder {
    /// Hands the batch still pending to the writers: before anything reads what they were
    /// handed (the count of documents, the tables, the index).
    fn flush(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(batch) => self.out.hand_off(batch),
            None => Ok(()),
        }
    }
}

impl Sink for Builder {
    fn documents(&mut self, mut docs: Vec<Document>) -> Result<()> {
        if let Some((shard, plan)) = &self.shard {
            docs.retain(|d| shard.owns(plan.key(d)));
        }
        self.kept.records += docs.len() as u64;
        self.kept.documents += docs.len() as u64;
        // Tagging and turning each document into its index entry and table rows run in
        // parallel; handing them to the writers is sequential (and keeps input order), so the
        // last batch is handed over while this one is tagged.
        let (lex, fields, threaded) = (&self.lexicons, self.fields, &self.threaded);
        let (pending, out) = (self.pending.take(), &mut self.out);
        let (prepared, handed) = rayon::join(
            || {
                docs.into_par_iter()
                    .map(|doc| prepare(lex, &fields, threaded, doc))
                    .collect::<Vec<_>>()
            },
            || pending.map_or(Ok(()), |batch| out.hand_off(batch)),
        );
        handed?;
        self.pending = Some(prepared);
        Ok(())
    }

    fn reject(&mut self, reject: &Reject) -> Result<()> {
        if let Some((shard, _)) = &self.shard {
            if !shard.owns(&shard::Plan::reject_key(reject)) {
                return Ok(());
            }
        }
        self.kept.records += 1;
        self.kept.rejects += 1;
        let line = serde_json::to_string(reject).expect("reject serialises");
        let path = self.dir.join(REJECTS);
        writeln!(self.rejects, "{line}").map_err(Error::io(&path, "cannot write"))
    }

    fn kept(&mut self, file: &ingest::FileSummary) -> Result<()> {
        // The kept file's documents are numbered after those read before it.
        self.flush()?;
        let Some((log, _)) = &mut self.out.update else {
            return Ok(());
        };
        let path = self.dir.join(REJECTS);
        let (old_start, lines) = log.file(file)?;
        for line in lines {
            writeln!(self.rejects, "{line}").map_err(Error::io(&path, "cannot write"))?;
        }
        log.ranges.push(incremental::Range {
            old: old_start,
            new: self.out.docs,
            len: file.counts.documents,
        });
        self.out.docs += file.counts.documents;
        Ok(())
    }
}

/// The writer of a search index: tantivy runs its own indexing threads; 64 MB of heap each
/// keeps segments large enough that merging stays cheap, and memory bounded whatever the
/// corpus size.
pub fn writer_of(index: &Index, threads: usize) -> Result<IndexWriter> {
    let threads = threads.clamp(1, 8);
    Ok(index.writer_with_num_threads(threads, threads * 64_000_000)?)
}

/// Reads and checks `manifest.json` of an index directory.
pub fn read_manifest(dir: &Path) -> Result<IndexManifest> {
    let path = dir.join(MANIFEST);
    let bytes = crate::files::read_regular(&path, crate::files::TEXT_FILE_LIMIT).map_err(|e| {
        Error::Index {
            path: dir.to_path_buf(),
            message: format!(
                "not a replyscope index ({MANIFEST}: {e}); build one with `replyscope index`"
            ),
        }
    })?;
    let m: IndexManifest = serde_json::from_slice(&bytes).map_err(|e| Error::Index {
        path: dir.to_path_buf(),
        message: format!(
            "{MANIFEST} is not valid ({e}); rebuild the index with `replyscope index`"
        ),
    })?;
    if m.tool != "replyscope" {
        return Err(Error::Index {
            path: dir.to_path_buf(),
            message: "not a replyscope index".into(),
        });
    }
    if m.layout != LAYOUT_VERSION {
        return Err(Error::Index {
            path: dir.to_path_buf(),
            message: format!(
                "index layout {} is not supported (expected {LAYOUT_VERSION}); rebuild it",
                m.layout
            ),
        });
    }
    Ok(m)
}

/// Writes `manifest.json`.
pub fn write_manifest(dir: &Path, m: &IndexManifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_string_pretty(m).expect("manifest serialises");
    text.push('\n');
    std::fs::write(&path, text).map_err(Error::io(&path, "cannot write"))
}

/// Opens the search index of an index directory.
pub fn open_search(dir: &Path) -> Result<(Index, schema::Fields)> {
    read_manifest(dir)?;
    let index = Index::open_in_dir(dir.join("tantivy"))?;
    let fields = schema::fields_of(&index.schema())?;
    Ok((index, fields))
}

/// Staging directories next to the target: where a build writes, and where the old index
/// waits while the new one is moved in. Holds the index's writer lock while it lives.
pub struct Staging {
    /// The index directory, with links resolved: a build through a link to an index
    /// replaces the directory the link points to, and the link stays.
    pub target: PathBuf,
    /// Where the new index is built: a directory of this run only.
    pub tmp: PathBuf,
    /// The directory the target is in.
    parent: PathBuf,
    /// Names of old indexes parked during a two-rename swap start with this.
    old_prefix: String,
    _lock: Lock,
}

impl Staging {
    /// Prepares to build `target`: takes the index's writer lock (waiting for it with `wait`,
    /// else failing at once when another run holds it), refuses a directory that is not
    /// ours or that holds files we did not write, finishes or undoes a swap an earlier run
    /// was killed in, and removes the staging directories killed runs left.
    pub fn prepare(target: &Path, wait: bool) -> Result<Staging> {
        let target = resolve_links(target)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "." && n != "..")
            .ok_or_else(|| Error::Refused {
                path: target.to_path_buf(),
                message: "needs a directory name for the index".into(),
            })?;
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if let Some((dir, kind)) = crate::files::inside_ours(&parent) {
            return Err(Error::Refused {
                path: target.to_path_buf(),
                message: format!(
                    "is inside {} {}; build the index elsewhere",
                    kind.describe(),
                    dir.display()
                ),
            });
        }
        std::fs::create_dir_all(&parent).map_err(Error::io(&parent, "cannot create directory"))?;
        let lock = Lock::acquire(
            &parent.join(format!(".{name}.replyscope-lock")),
            wait,
            &target,
        )?;
        let tmp_prefix = format!(".{name}.replyscope-tmp");
        let old_prefix = format!(".{name}.replyscope-old");
        // Under the lock no other run builds this index: every staging directory beside it
        // was left by a run that was killed.
        let mut stale: Vec<PathBuf> = std::fs::read_dir(&parent)
            .map_err(Error::io(&parent, "cannot list"))?
            .filter_map(|e| e.ok())
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with(&tmp_prefix) || n.starts_with(&old_prefix)
            })
            .map(|e| e.path())
            .collect();
        stale.sort();
        // A run killed between the two renames of a swap (where there is no atomic
        // exchange) leaves the old index parked and none in place.
        if std::fs::symlink_metadata(&target).is_err() {
            let parked = stale.iter().find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&old_prefix))
                    && crate::files::is_index(p)
            });
            if let Some(old) = parked {
                std::fs::rename(old, &target).map_err(Error::io(old, "cannot restore"))?;
            }
        }
        for dir in stale.iter().filter(|p| p.exists()) {
            remove_dir(dir)?;
        }
        if std::fs::symlink_metadata(&target).is_ok() {
            check_ours(&target)?;
            check_only_ours(&target)?;
        }
        let tmp = unique_dir(&parent, &tmp_prefix)?;
        Ok(Staging {
            target,
            tmp,
            parent,
            old_prefix,
            _lock: lock,
        })
    }

    /// Moves the finished build into place and removes the old index.
    ///
    /// Where the system can swap two directories in one step (Linux), the index directory
    /// exists at every moment: a run killed during the swap leaves the old or the new index
    /// in place, and at most a stale directory that the next run removes. Elsewhere the old
    /// index is moved aside first, and [`Staging::prepare`] restores it if the run dies
    /// between the two renames.
    pub fn commit(self) -> Result<()> {
        // The saved searches' state goes with the index (no watch writes it meanwhile:
        // `replyscope watch` takes this build's lock to write it).
        let state = self.target.join(WATCH_STATE);
        if state.is_file() {
            let to = self.tmp.join(WATCH_STATE);
            if let Err(e) = std::fs::copy(&state, &to) {
                let _ = std::fs::remove_dir_all(&self.tmp);
                return Err(Error::io(&state, "cannot copy")(e));
            }
        }
        sync_dir(&self.tmp);
        let mut old = None;
        if std::fs::symlink_metadata(&self.target).is_ok() {
            // Checked again: a file put into the index while it was being rebuilt would go
            // with the old index.
            if let Err(e) = check_only_ours(&self.target) {
                let _ = std::fs::remove_dir_all(&self.tmp);
                return Err(e);
            }
            if exchange(&self.tmp, &self.target).is_ok() {
                // The temporary directory now holds the old index.
                return remove_dir(&self.tmp);
            }
            let parked = self.parent.join(format!(
                "{}-{}-{}",
                self.old_prefix,
                std::process::id(),
                nanos()
            ));
            std::fs::rename(&self.target, &parked)
                .map_err(Error::io(&self.target, "cannot move aside"))?;
            old = Some(parked);
        }
        std::fs::rename(&self.tmp, &self.target)
            .map_err(Error::io(&self.tmp, "cannot move into place"))?;
        if let Some(old) = old {
            remove_dir(&old)?;
        }
        Ok(())
    }

    /// Removes the unfinished build (after an error).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// The writer lock of an index, held while it lives.
pub struct IndexLock {
    _lock: Lock,
}

/// Takes the writer lock of the index `target` (the lock builds take): waits for a build
/// with `wait`, else fails at once when one runs.
pub fn lock(target: &Path, wait: bool) -> Result<IndexLock> {
    let target = resolve_links(target)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Refused {
            path: target.to_path_buf(),
            message: "needs a directory name for the index".into(),
        })?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok(IndexLock {
        _lock: Lock::acquire(
            &parent.join(format!(".{name}.replyscope-lock")),
            wait,
            &target,
        )?,
    })
}

/// The directory a path names, through any links: where a build must write so that the
/// link, and whoever follows it, sees the new index.
fn resolve_links(target: &Path) -> Result<PathBuf> {
    let mut p = target.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(Error::io(&p, "cannot read link"))?;
                p = if to.is_absolute() {
                    to
                } else {
                    p.parent().unwrap_or(Path::new("")).join(to)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::Refused {
        path: target.to_path_buf(),
        message: "has too many levels of symbolic links".into(),
    })
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A new directory `PARENT/PREFIX-PID-TIME`, made for this run only.
fn unique_dir(parent: &Path, prefix: &str) -> Result<PathBuf> {
    for n in 0..100 {
        let dir = parent.join(format!("{prefix}-{}-{}{n}", std::process::id(), nanos()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&dir, "cannot create directory")(e)),
        }
    }
    Err(Error::Refused {
        path: parent.to_path_buf(),
        message: "cannot find a free name for a staging directory".into(),
    })
}

/// The writer lock of one index: a file beside it, locked with `flock` while a build runs,
/// removed when the build ends. A run killed with the lock leaves the file; the kernel
/// releases the lock itself, so the next run takes it.
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    #[cfg(unix)]
    fn acquire(path: &Path, wait: bool, target: &Path) -> Result<Lock> {
        use rustix::fs::{flock, FlockOperation};
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        loop {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                // Never through a link planted under the lock's name.
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(path)
                .map_err(Error::io(path, "cannot create the lock file"))?;
            let op = if wait {
                FlockOperation::LockExclusive
            } else {
                FlockOperation::NonBlockingLockExclusive
            };
            match flock(&file, op) {
                Ok(()) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    let holder = std::fs::read_to_string(path).unwrap_or_default();
                    let holder = holder.trim();
                    let by = if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (process {holder})")
                    };
                    return Err(Error::Refused {
                        path: target.to_path_buf(),
                        message: format!(
                            "another replyscope run is writing this index{by}; wait for it to \
                             finish, or pass --wait to wait for it"
                        ),
                    });
                }
                Err(e) => return Err(Error::io(path, "cannot lock")(e.into())),
            }
            // The run we waited for removed the file when it finished, and a third run may
            // have made a new one: the lock counts only on the file that is there now.
            let same = match (file.metadata(), std::fs::symlink_metadata(path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if same {
                let _ = file.set_len(0);
                let _ = (&file).write_all(format!("{}\n", std::process::id()).as_bytes());
                return Ok(Lock {
                    path: path.to_path_buf(),
                    _file: file,
                });
            }
        }
    }

    /// No advisory locks here: the file only marks the build.
    #[cfg(not(unix))]
    fn acquire(path: &Path, _wait: bool, _target: &Path) -> Result<Lock> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(Error::io(path, "cannot create the lock file"))?;
        Ok(Lock {
            path: path.to_path_buf(),
            _file: file,
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked (the file closes after this), so a run waiting on it
        // sees it gone and takes a fresh one.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Refuses to replace a directory that is not a replyscope index (or empty).
fn check_ours(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::Refused {
            path: dir.to_path_buf(),
            message: "exists and is not a directory; not overwriting it".into(),
        });
    }
    let empty = std::fs::read_dir(dir)
        .map_err(Error::io(dir, "cannot list"))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let ours = crate::files::read_regular(&dir.join(MANIFEST), crate::files::TEXT_FILE_LIMIT)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("tool").and_then(|t| t.as_str()) == Some("replyscope"));
    if !ours {
        return Err(Error::Refused {
            path: dir.to_path_buf(),
            message: "exists and is not a replyscope index; not overwriting it (choose another --out or remove it)".into(),
        });
    }
    Ok(())
}

/// Refuses to replace an index directory that holds files replyscope did not write there: a
/// rebuild replaces the whole directory, and would delete them.
fn check_only_ours(dir: &Path) -> Result<()> {
    let mut unknown = Vec::new();
    let list = |d: &Path| -> Result<Vec<(String, bool)>> {
        Ok(std::fs::read_dir(d)
            .map_err(Error::io(d, "cannot list"))?
            .filter_map(|e| e.ok())
            .map(|e| {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                (e.file_name().to_string_lossy().into_owned(), is_dir)
            })
            .collect())
    };
    for (name, is_dir) in list(dir)? {
        match (name.as_str(), is_dir) {
            (MANIFEST | REJECTS | WATCH_STATE, false) | ("tantivy", true) => {}
            ("tables", true) => {
                for (t, t_dir) in list(&dir.join("tables"))? {
                    let rel = format!("tables/{t}");
                    if t_dir || !TABLES.contains(&rel.as_str()) {
                        unknown.push(rel);
                    }
                }
            }
            _ => unknown.push(name),
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    let shown: Vec<&str> = unknown.iter().take(5).map(String::as_str).collect();
    let more = if unknown.len() > 5 {
        format!(" and {} more", unknown.len() - 5)
    } else {
        String::new()
    };
    Err(Error::Refused {
        path: dir.to_path_buf(),
        message: format!(
            "holds files replyscope did not write ({}{more}); a rebuild replaces the whole \
             directory and would delete them: move them out of the index directory first",
            shown.join(", ")
        ),
    })
}

/// Swaps two directories atomically (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// No atomic swap here: the caller falls back to two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

fn remove_dir(dir: &Path) -> Result<()> {
    std::fs::remove_dir_all(dir).map_err(Error::io(dir, "cannot remove stale directory"))
}

fn sync_dir(dir: &Path) {
    // Best effort: make the new files durable before they become the index.
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// The search-index entry of a tagged document.
fn tantivy_doc(f: &schema::Fields, doc: &Document, tags: &[crate::model::Tag]) -> TantivyDocument {
    // Room for every value (a length prefix and the bytes each) up front: tantivy's default
    // of 1,024 bytes is more than a tweet needs, and a longer text's buffer grew by
    // reallocation, copied each time.
    let optional = [&doc.author, &doc.title, &doc.url];
    let bytes = [&doc.id, &doc.source, &doc.kind, &doc.text]
        .into_iter()
        .chain(optional.into_iter().flatten())
        .map(|s| s.len() + 8)
        .sum::<usize>()
        + tags.len() * 24
        + 16;
    let mut d = TantivyDocument::with_capacity(bytes);
    d.add_text(f.id, &doc.id);
    d.add_text(f.source, &doc.source);
    d.add_text(f.kind, &doc.kind);
    if let Some(a) = &doc.author {
        d.add_text(f.author, a);
    }
    if let Some(title) = &doc.title {
        d.add_text(f.title, title);
    }
    d.add_text(f.text, &doc.text);
    if let Some(c) = doc.created_at {
        d.add_date(
            f.created_at,
            tantivy::DateTime::from_timestamp_secs(c.timestamp()),
        );
    }
    if let Some(u) = &doc.url {
        d.add_text(f.url, u);
    }
    // Each (field, label set, label) once, in the order the tags first give it; the text
    // is made only then (two copies per tag before).
    let mut seen = std::collections::BTreeSet::new();
    let parties: std::collections::BTreeSet<&str> = tags
        .iter()
        .filter(|x| x.set == TagSet::Company && x.role.is_some_and(crate::model::Role::is_party))
        .map(|x| x.label)
        .collect();
    for tag in tags {
        let field = match tag.set {
            TagSet::Company if parties.contains(tag.label) => f.company,
            TagSet::Company => f.mention,
            TagSet::Channel => f.channel,
            TagSet::Latency => continue,
            _ => f.outcome,
        };
        if !seen.insert((field, tag.set, tag.label)) {
            continue;
        }
        match tag.set {
            TagSet::Company | TagSet::Channel => d.add_text(field, tag.label),
            // "set:label", interned: no string made per tag.
            set => d.add_text(
                field,
                crate::intern::join(crate::intern::join(set.as_str(), ":"), tag.label),
            ),
        }
    }
    d
}
