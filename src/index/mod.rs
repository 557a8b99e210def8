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
//! when complete, so an interrupted build leaves the previous index as it was.

pub mod schema;
pub mod tables;
pub mod threads;

use crate::error::{Error, Result};
use crate::ingest::{self, Sink};
use crate::model::{Document, Interaction, Reject, TagSet};
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
pub const LAYOUT_VERSION: u32 = 1;

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
    writer: IndexWriter,
    fields: schema::Fields,
    lexicons: Arc<Lexicons>,
    documents: tables::TableWriter<Document>,
    mentions: tables::TableWriter<tables::MentionRow>,
    interactions: tables::TableWriter<Interaction>,
    threads: tag::threads::ThreadStore,
    /// Sources whose documents carry reply links; only they go into the threads table.
    threaded: Vec<String>,
    rejects: BufWriter<File>,
    tags: u64,
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
    ) -> Result<Builder> {
        let tantivy_dir = dir.join("tantivy");
        let tables_dir = dir.join("tables");
        for d in [&tantivy_dir, &tables_dir] {
            std::fs::create_dir_all(d).map_err(Error::io(d, "cannot create directory"))?;
        }
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(&tantivy_dir, schema)?;
        // Tantivy runs its own indexing threads; 64 MB of heap each keeps segments large
        // enough that merging stays cheap, and memory bounded whatever the corpus size.
        let threads = threads.clamp(1, 8);
        let writer = index.writer_with_num_threads(threads, threads * 64_000_000)?;
        let rejects_path = dir.join(REJECTS);
        let rejects =
            File::create(&rejects_path).map_err(Error::io(&rejects_path, "cannot create"))?;
        Ok(Builder {
            dir: dir.to_path_buf(),
            writer,
            fields,
            lexicons,
            documents: tables::documents(&tables_dir.join("documents.parquet"), given_labels)?,
            mentions: tables::mentions(&tables_dir.join("mentions.parquet"))?,
            interactions: tables::interactions(&tables_dir.join("interactions.parquet"))?,
            threads: tag::threads::ThreadStore::default(),
            threaded,
            rejects: BufWriter::new(rejects),
            tags: 0,
        })
    }

    /// Commits the search index, builds the thread interactions and writes the tables.
    pub fn finish(mut self) -> Result<TableCounts> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        let rejects_path = self.dir.join(REJECTS);
        self.rejects
            .flush()
            .map_err(Error::io(&rejects_path, "cannot write"))?;
        // Finish the tables ingest filled first, so their buffers are gone before the thread
        // stage builds its indexes.
        self.documents.finish()?;
        let interactions_table = &mut self.interactions;
        let stats = tag::threads::interactions(&self.threads, &mut |i| interactions_table.push(i))?;
        let thread_posts = if self.threads.is_empty() {
            0
        } else {
            threads::write(
                &self.threads,
                &self.dir.join("tables").join("threads.parquet"),
            )?
        };
        drop(self.threads);
        let tags = self.mentions.finish()?;
        let interactions = self.interactions.finish()?;
        Ok(TableCounts {
            tags,
            interactions,
            thread_posts,
            threads: stats,
        })
    }
}

impl Sink for Builder {
    fn documents(&mut self, docs: Vec<Document>) -> Result<()> {
        // Tagging and turning each document into its index entry and table rows run in
        // parallel; only handing them to the writers is sequential (and keeps input order).
        let (lex, fields, threaded) = (&self.lexicons, self.fields, &self.threaded);
        let prepared: Vec<_> = docs
            .into_par_iter()
            .map(|doc| {
                let TaggedDoc {
                    doc,
                    tags,
                    interactions,
                    ..
                } = lex.tag(doc);
                let tdoc = tantivy_doc(&fields, &doc, &tags);
                let post = threaded
                    .contains(&doc.source)
                    .then(|| tag::threads::PostDraft::from_tagged(lex, &doc, &tags));
                let rows: Vec<tables::MentionRow> = tags
                    .into_iter()
                    .map(|tag| tables::MentionRow {
                        surface: doc.text.get(tag.start..tag.end).unwrap_or("").to_string(),
                        doc_id: doc.id.clone(),
                        source: doc.source.clone(),
                        tag,
                    })
                    .collect();
                (doc, tdoc, post, rows, interactions)
            })
            .collect();
        for (doc, tdoc, post, rows, interactions) in prepared {
            self.writer.add_document(tdoc)?;
            if let Some(post) = post {
                self.threads.push(post);
            }
            for row in rows {
                self.tags += 1;
                self.mentions.push(row)?;
            }
            for i in interactions {
                self.interactions.push(i)?;
            }
            self.documents.push(doc)?;
        }
        Ok(())
    }

    fn reject(&mut self, reject: &Reject) -> Result<()> {
        let line = serde_json::to_string(reject).expect("reject serialises");
        let path = self.dir.join(REJECTS);
        writeln!(self.rejects, "{line}").map_err(Error::io(&path, "cannot write"))
    }
}

/// Reads and checks `manifest.json` of an index directory.
pub fn read_manifest(dir: &Path) -> Result<IndexManifest> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| Error::Index {
        path: dir.to_path_buf(),
        message: format!(
            "not a replyscope index ({MANIFEST}: {e}); build one with `replyscope index`"
        ),
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
/// waits while the new one is moved in.
pub struct Staging {
    /// The index directory the user named.
    pub target: PathBuf,
    /// Where the new index is built.
    pub tmp: PathBuf,
    /// Where the old index is parked during the swap.
    pub old: PathBuf,
}

impl Staging {
    /// Prepares to build `target`: refuses a directory that is not ours, finishes or undoes
    /// a swap an earlier run was killed in, and removes a stale temporary directory.
    pub fn prepare(target: &Path) -> Result<Staging> {
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
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(Error::io(parent, "cannot create directory"))?;
        let staging = Staging {
            target: target.to_path_buf(),
            tmp: parent.join(format!(".{name}.replyscope-tmp")),
            old: parent.join(format!(".{name}.replyscope-old")),
        };
        // A run killed between the two renames of a swap leaves the old index parked.
        if !staging.target.exists() && staging.old.exists() {
            std::fs::rename(&staging.old, &staging.target)
                .map_err(Error::io(&staging.old, "cannot restore"))?;
        }
        if staging.old.exists() {
            remove_dir(&staging.old)?;
        }
        if staging.target.exists() {
            check_ours(&staging.target)?;
        }
        if staging.tmp.exists() {
            remove_dir(&staging.tmp)?;
        }
        std::fs::create_dir(&staging.tmp)
            .map_err(Error::io(&staging.tmp, "cannot create directory"))?;
        Ok(staging)
    }

    /// Moves the finished build into place and removes the old index.
    ///
    /// Where the system can swap two directories in one step (Linux), the index directory
    /// exists at every moment: a run killed during the swap leaves the old or the new index
    /// in place, and at most a stale directory that the next run removes. Elsewhere the old
    /// index is moved aside first, and [`Staging::prepare`] restores it if the run dies
    /// between the two renames.
    pub fn commit(self) -> Result<()> {
        sync_dir(&self.tmp);
        if self.target.exists() {
            if exchange(&self.tmp, &self.target).is_ok() {
                // The temporary directory now holds the old index.
                return remove_dir(&self.tmp);
            }
            std::fs::rename(&self.target, &self.old)
                .map_err(Error::io(&self.target, "cannot move aside"))?;
        }
        std::fs::rename(&self.tmp, &self.target)
            .map_err(Error::io(&self.tmp, "cannot move into place"))?;
        if self.old.exists() {
            remove_dir(&self.old)?;
        }
        Ok(())
    }

    /// Removes the unfinished build (after an error).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
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
    let ours = std::fs::read(dir.join(MANIFEST))
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
    let mut d = TantivyDocument::default();
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
    let mut seen = std::collections::BTreeSet::new();
    let parties: std::collections::BTreeSet<&str> = tags
        .iter()
        .filter(|x| x.set == TagSet::Company && x.role.is_some_and(crate::model::Role::is_party))
        .map(|x| x.label.as_str())
        .collect();
    for tag in tags {
        let (field, value) = match tag.set {
            TagSet::Company if parties.contains(tag.label.as_str()) => {
                (f.company, tag.label.clone())
            }
            TagSet::Company => (f.mention, tag.label.clone()),
            TagSet::Channel => (f.channel, tag.label.clone()),
            TagSet::Latency => continue,
            set => (f.outcome, format!("{}:{}", set.as_str(), tag.label)),
        };
        if seen.insert((field, value.clone())) {
            d.add_text(field, value);
        }
    }
    d
}
