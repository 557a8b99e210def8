//! Incremental builds: an index brought up to date with its corpus by reading only the
//! files that are new or changed since it was built, giving the index a full build would.
//!
//! Takes the index as it is (its manifest, tables, rejects and search index) and the corpus
//! as it is now. A file whose source, name and SHA-256 the index records is *kept*: it is
//! hashed, not read. New and changed files are read and tagged; a changed or removed file's
//! documents leave the index. What it returns is what a full build of the corpus returns,
//! byte for byte in every table:
//!
//! - **Document numbers.** A full build numbers documents in reading order (manifest order
//!   of sources, each source's files in order, records in order). The kept files keep
//!   their place in that order; each kept file's block of numbers moves by the documents
//!   the files before it gained or lost ([`Range`]), and every `doc` column (and `root`,
//!   `parent`, `evidence_doc`) is renumbered through that map. New documents get their
//!   final numbers as they are read.
//! - **Tables** are merged by document number from the old table (renumbered, removed
//!   documents dropped) and the rows of the documents read, and written in the row groups
//!   a full build writes ([`super::tables::FrameWriter`]). The leading row groups no change
//!   reaches (numbering unchanged, no document recomputed, every new row sorting after
//!   them: the usual case of new files named by date) are copied as stored, compressed,
//!   without decoding them.
//! - **Threads.** Interactions of reply-linked posts are recomputed only for the
//!   conversations the change touches: a conversation a new post joins, whose post lists a
//!   new or removed post among its replies, that a new post becomes the parent of, or that
//!   loses a post. Their old posts are tagged again from the documents table (tagging is a
//!   function of the document). Every other conversation keeps its interaction, except that
//!   an unanswered one is censored at the corpus's new last timestamp.
//! - **Search.** New documents are added to the old segments (linked, not copied, into the
//!   new build). When documents leave, the search index is rebuilt from the old one's
//!   stored documents instead: tantivy keeps deleted documents in its BM25 statistics until
//!   a merge, which only estimates them, and scores must equal a full build's.
//!
//! A change it cannot apply exactly (an unchanged file whose documents' ids a new file read
//! before it now has) is [`Error::NeedsFullBuild`]; the caller builds in full instead.

use super::tables::{self, FrameWriter, InteractionRow};
use super::threads::Row;
use super::{IndexManifest, REJECTS};
use crate::error::{Error, Result};
use crate::ingest::{self, FileSummary};
use crate::model::{Document, Shape, Thread};
use crate::schema::{Documents as D, Interactions as I, Table, Threads as T, GIVEN_PREFIX};
use crate::tag::threads::{self as tthreads, Corpus, PostDraft, ThreadStats, ThreadStore};
use crate::tag::Lexicons;
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// No number: a document that leaves the index.
const NONE: u32 = u32::MAX;
/// Rows read from an old table at a time.
const CHUNK: usize = 1 << 16;
/// Rows per row group of the documents table (document numbers are its rows).
const GROUP: usize = Table::Documents.rows_per_group();

/// Where a kept file's documents were and are: numbers `old..old + len` become
/// `new..new + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First number in the old index.
    pub old: u64,
    /// First number in the new one.
    pub new: u64,
    /// Documents.
    pub len: u64,
}

/// The kept files' places in the old index and their reject lines, for the builder: it
/// writes a kept file's rejects where the file comes in the reading order, and records its
/// documents' new place.
#[derive(Debug, Default)]
pub struct KeptLog {
    files: HashMap<(String, String), (u64, usize, usize)>,
    lines: Vec<String>,
    /// Kept files' ranges, in reading order.
    pub ranges: Vec<Range>,
}

impl KeptLog {
    /// The first document number of a kept file in the old index and its reject lines.
    pub fn file(&self, f: &FileSummary) -> Result<(u64, &[String])> {
        let &(start, first, n) = self
            .files
            .get(&(f.source.clone(), f.file.clone()))
            .ok_or_else(|| Error::NeedsFullBuild(format!("{}: not a file of the index", f.file)))?;
        Ok((start, &self.lines[first..first + n]))
    }
}

/// What the builder read in an incremental build.
pub struct Fresh {
    /// Reply-linked posts read, with their document numbers.
    pub drafts: Vec<(u32, PostDraft)>,
    /// Kept files' ranges.
    pub ranges: Vec<Range>,
    /// Documents in the new index.
    pub docs: u64,
    /// Mention rows of the documents read.
    pub tags: u64,
    /// Interaction rows of the documents read (text interactions).
    pub interactions: u64,
}

/// What an incremental build found and did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files kept unread.
    pub kept: usize,
    /// Files new since the last build.
    pub added: Vec<String>,
    /// Files whose content changed.
    pub changed: Vec<String>,
    /// Files gone from the corpus.
    pub removed: Vec<String>,
    /// Thread interactions recomputed (of conversations the change touched).
    pub conversations: u64,
    /// Documents read.
    pub read: u64,
    /// The search index was rebuilt from its stored documents (documents left it).
    pub search_rebuilt: bool,
}

/// What the corpus is now, besides its files: compared with what the index was built from.
#[derive(Debug, Clone)]
pub struct Current {
    /// replyscope version.
    pub version: String,
    /// Path of the corpus manifest (or directory) as given.
    pub corpus_path: String,
    /// SHA-256 of the corpus manifest.
    pub corpus_sha: String,
    /// Rule files and their SHA-256.
    pub lexicons: Vec<(String, String)>,
    /// Build settings that decide content.
    pub settings: super::BuildSettings,
}

/// What to do with an index.
pub enum Plan {
    /// Nothing changed: the index is its corpus's index.
    UpToDate(Box<IndexManifest>),
    /// Build in full, for this reason.
    Full(String),
    /// Bring it up to date by reading the new and changed files.
    Update(Box<Update>),
}

/// An incremental build to do.
pub struct Update {
    old_dir: PathBuf,
    old: IndexManifest,
    /// Size and SHA-256 of every input file now.
    hashed: HashMap<PathBuf, (u64, String)>,
    changes: Changes,
}

/// Decides between a full build, an incremental one and nothing, by comparing the index in
/// `dir` (if any) with the corpus now. Hashes every input file.
pub fn plan(cfg: &crate::pipeline::IndexConfig, dir: &Path, now: &Current) -> Result<Plan> {
    if std::fs::symlink_metadata(dir).is_err() {
        // A first build: nothing to say.
        return Ok(Plan::Full(String::new()));
    }
    let old = match super::read_manifest(dir) {
        Ok(m) => m,
        Err(e) => return Ok(Plan::Full(format!("the index cannot be read ({e})"))),
    };
    if let Err(why) = super::verify(dir, &old) {
        return Ok(Plan::Full(format!("the index is damaged: {why}")));
    }
    if old.version != now.version {
        return Ok(Plan::Full(format!(
            "the index was built by replyscope {}, this is {}",
            old.version, now.version
        )));
    }
    if old.corpus.path != now.corpus_path || old.corpus.sha256 != now.corpus_sha {
        return Ok(Plan::Full(if old.corpus.path != now.corpus_path {
            format!(
                "the corpus is {}, the index was built from {}",
                now.corpus_path, old.corpus.path
            )
        } else {
            "the corpus manifest changed".into()
        }));
    }
    if old.lexicons != now.lexicons {
        let before: BTreeSet<&(String, String)> = old.lexicons.iter().collect();
        let after: BTreeSet<&(String, String)> = now.lexicons.iter().collect();
        let mut names: Vec<&str> = before
            .symmetric_difference(&after)
            .map(|(f, _)| f.as_str())
            .collect();
        names.dedup();
        return Ok(Plan::Full(format!(
            "rule files or gazetteer changed ({})",
            names.join(", ")
        )));
    }
    match &old.settings {
        None => {
            return Ok(Plan::Full(
                "the index does not record its build settings (built by an earlier version)".into(),
            ))
        }
        Some(s) if *s != now.settings => {
            return Ok(Plan::Full(format!(
                "build settings changed (--max-record-bytes {} -> {})",
                s.max_record_bytes, now.settings.max_record_bytes
            )))
        }
        Some(_) => {}
    }
    if old.shard != cfg.shard {
        let what = |s: Option<super::shard::Shard>| match s {
            Some(s) => format!("shard {s}"),
            None => "the whole corpus".to_string(),
        };
        return Ok(Plan::Full(format!(
            "the index holds {}, this build {}",
            what(old.shard),
            what(cfg.shard)
        )));
    }
    let m = &cfg.manifest;
    let mut hashed = HashMap::new();
    let mut now_files: Vec<(String, String, String)> = Vec::new();
    for s in &m.sources {
        for f in &s.files {
            let h = ingest::hash_file(f)?;
            now_files.push((s.spec.name.clone(), m.display_path(f), h.1.clone()));
            hashed.insert(f.clone(), h);
        }
    }
    let old_files: HashMap<(&str, &str), &str> = old
        .inputs
        .iter()
        .map(|f| ((f.source.as_str(), f.file.as_str()), f.sha256.as_str()))
        .collect();
    let mut changes = Changes::default();
    let mut present = HashSet::new();
    for (source, file, sha) in &now_files {
        present.insert((source.as_str(), file.as_str()));
        match old_files.get(&(source.as_str(), file.as_str())) {
            Some(old_sha) if old_sha == sha => changes.kept += 1,
            Some(_) => changes.changed.push(file.clone()),
            None => changes.added.push(file.clone()),
        }
    }
    for f in &old.inputs {
        if !present.contains(&(f.source.as_str(), f.file.as_str())) {
            changes.removed.push(f.file.clone());
        }
    }
    if changes.added.is_empty() && changes.changed.is_empty() && changes.removed.is_empty() {
        return Ok(Plan::UpToDate(Box::new(old)));
    }
    if let Some(s) = cfg.shard {
        // A new post can change a conversation's root, and so its shard: a shard is rebuilt
        // from the whole corpus (its inputs' counts are the whole files', not the shard's).
        return Ok(Plan::Full(format!(
            "shard {s} is built in full when files change (a new post can move a conversation \
             to another shard)"
        )));
    }
    if changes.kept == 0 {
        return Ok(Plan::Full("no indexed file is unchanged".into()));
    }
    Ok(Plan::Update(Box::new(Update {
        old_dir: dir.to_path_buf(),
        old,
        hashed,
        changes,
    })))
}

/// The kept files for ingest: recorded summaries and their documents' ids.
struct Prior<'a> {
    kept: HashMap<(String, String, String), usize>,
    old: &'a IndexManifest,
    /// First document number of each old input.
    starts: Vec<u64>,
    /// Every old document's id hash and line, by number.
    ids: Vec<(u128, u64)>,
    hashed: &'a HashMap<PathBuf, (u64, String)>,
}

impl ingest::Prior for Prior<'_> {
    fn kept(&self, source: &str, file: &str, sha256: &str) -> Option<FileSummary> {
        self.kept
            .get(&(source.to_string(), file.to_string(), sha256.to_string()))
            .map(|&i| self.old.inputs[i].clone())
    }

    fn ids(&self, file: &FileSummary) -> Result<Vec<(u128, u64)>> {
        let i = *self
            .kept
            .get(&(file.source.clone(), file.file.clone(), file.sha256.clone()))
            .expect("a kept file");
        let start = self.starts[i] as usize;
        let end = start + self.old.inputs[i].counts.documents as usize;
        self.ids.get(start..end).map(<[_]>::to_vec).ok_or_else(|| {
            Error::NeedsFullBuild(format!(
                "{}: the documents table has fewer documents than the manifest records",
                file.file
            ))
        })
    }

    fn hashed(&self, path: &Path) -> Option<(u64, String)> {
        self.hashed.get(path).cloned()
    }
}

/// Brings the index up to date into the empty directory `tmp`: reads the new and changed
/// files, merges their rows with the index's own and recomputes the conversations they
/// touch. Returns the new manifest (without its recorded files and fingerprint, which the
/// caller adds) and what changed.
pub fn update(
    cfg: &crate::pipeline::IndexConfig,
    up: &Update,
    tmp: &Path,
    progress: &dyn ingest::Progress,
) -> Result<(IndexManifest, Changes)> {
    // An update reads and rewrites the tables in large buffers, as the query batch does:
    // keeping freed memory took a 1M + 10k update from 4.47 s to 3.82 s (BENCHMARKS.md).
    crate::alloc::keep_freed_memory();
    let old = &up.old;
    let old_dir = &up.old_dir;
    let old_docs = old.counts.documents as usize;
    let mut starts = Vec::with_capacity(old.inputs.len());
    let mut at = 0u64;
    for f in &old.inputs {
        starts.push(at);
        at += f.counts.documents;
    }
    if at != old.counts.documents {
        return Err(Error::NeedsFullBuild(
            "the index manifest's file counts do not add up".into(),
        ));
    }
    let kept: HashMap<(String, String, String), usize> = old
        .inputs
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.source.clone(), f.file.clone(), f.sha256.clone()), i))
        .collect();
    let now: HashSet<(String, String, String)> = cfg
        .manifest
        .sources
        .iter()
        .flat_map(|s| {
            s.files.iter().filter_map(|f| {
                up.hashed.get(f).map(|(_, sha)| {
                    (
                        s.spec.name.clone(),
                        cfg.manifest.display_path(f),
                        sha.clone(),
                    )
                })
            })
        })
        .collect();
    let kept: HashMap<_, _> = kept.into_iter().filter(|(k, _)| now.contains(k)).collect();
    let leaving = !up.changes.changed.is_empty() || !up.changes.removed.is_empty();

    // The kept files' rejects, in the old log's order (the reading order).
    let log_path = old_dir.join(REJECTS);
    let text = std::fs::read_to_string(&log_path).map_err(Error::io(&log_path, "cannot read"))?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut log = KeptLog::default();
    let mut first = 0usize;
    for (i, f) in old.inputs.iter().enumerate() {
        let n = f.counts.rejects as usize;
        if first + n > lines.len() {
            return Err(Error::NeedsFullBuild(format!(
                "{REJECTS} has fewer lines than the index manifest records"
            )));
        }
        let is_kept = kept.contains_key(&(f.source.clone(), f.file.clone(), f.sha256.clone()));
        if is_kept && n > 0 && cfg.ingest.strict {
            // A full build would stop at the kept file's first reject.
            return Err(Error::NeedsFullBuild(format!(
                "--strict, and {} has rejected records",
                f.file
            )));
        }
        if is_kept && leaving && lines[first..first + n].iter().any(|l| is_duplicate(l)) {
            // Its duplicate may have been a document of a file that changed or left.
            return Err(Error::NeedsFullBuild(format!(
                "{}: records rejected as duplicate ids, and files changed or were removed",
                f.file
            )));
        }
        log.files
            .insert((f.source.clone(), f.file.clone()), (starts[i], first, n));
        first += n;
    }
    log.lines = lines;
    crate::timing::stage("rejects log");

    // Every old document's id (for the duplicate check) and, for documents that leave,
    // which ones they are.
    let docs_lf = Table::Documents.scan(old_dir)?;
    let id_df = docs_lf
        .clone()
        .select([D::Id.col(), D::Line.col()])
        .collect()?;
    if id_df.height() != old_docs {
        return Err(Error::NeedsFullBuild(format!(
            "{} has {} rows; the index manifest records {old_docs} documents",
            Table::Documents.rel(),
            id_df.height()
        )));
    }
    // One chunk each: `get(i)` on a column of many chunks searches for its chunk.
    let id_col = id_df.column(D::Id.name())?.str()?.rechunk().into_owned();
    let line_col = id_df.column(D::Line.name())?.u64()?.rechunk().into_owned();
    let ids: Vec<(u128, u64)> = (0..old_docs)
        .into_par_iter()
        .map(|i| {
            (
                ingest::id_hash(id_col.get(i).unwrap_or("")),
                line_col.get(i).unwrap_or(0),
            )
        })
        .collect();
    crate::timing::stage("old ids read and hashed");

    // The search index: the old segments, or (when documents leave) a new one.
    let tantivy_dir = tmp.join("tantivy");
    std::fs::create_dir_all(&tantivy_dir)
        .map_err(Error::io(&tantivy_dir, "cannot create directory"))?;
    let (writer, index_kept) = if leaving {
        let (schema, _) = super::schema::build();
        let index = tantivy::Index::create_in_dir(&tantivy_dir, schema)?;
        (super::writer_of(&index, cfg.index_threads)?, false)
    } else {
        link_dir(&old_dir.join("tantivy"), &tantivy_dir)?;
        let index = tantivy::Index::open_in_dir(&tantivy_dir)?;
        (super::writer_of(&index, cfg.index_threads)?, true)
    };

    let prior = Prior {
        kept: kept.clone(),
        old,
        starts: starts.clone(),
        ids,
        hashed: &up.hashed,
    };
    let fresh_dir = tmp.join("fresh");
    let mut builder = super::Builder::update(
        tmp,
        &fresh_dir,
        writer,
        cfg.lexicons.clone(),
        cfg.manifest.given_labels(),
        cfg.manifest.threaded_sources(),
        log,
    )?;
    let summary = ingest::read_corpus_after(
        &cfg.manifest,
        &cfg.ingest,
        &mut builder,
        progress,
        Some(&prior),
    )?;
    drop(prior);
    crate::timing::stage("new files read and tagged");
    let fresh = builder.finish_update()?;
    let map = renumber(old_docs, &fresh.ranges);
    crate::timing::stage("fresh tables finished");
    if !index_kept {
        copy_stored(old_dir, &tantivy_dir, &id_col, &map, cfg.index_threads)?;
    }
    drop(id_col);

    // Threads: the conversations the change touched.
    let threads = thread_update(cfg, old_dir, old, &docs_lf, &map, fresh.drafts)?;
    crate::timing::stage("threads");

    // The tables, merged by document number.
    let tables_dir = tmp.join("tables");
    std::fs::create_dir_all(&tables_dir).map_err(Error::io(&tables_dir, "cannot create"))?;
    let identity = map.iter().enumerate().all(|(i, &m)| m == i as u32);
    let renum = |df: DataFrame, cols: &[&str], extra: &dyn Fn(u32) -> bool| {
        renumber_frame(df, &map, identity, cols, extra)
    };
    let no_extra = |_: u32| true;
    let old_thread = old.tables.threads.interactions;
    let old_text = old.tables.interactions.saturating_sub(old_thread);
    let affected = &threads.affected;
    let not_affected = |d: u32| !affected.contains(&d);
    let end_ms = threads.end_ms;
    // Leading row groups no change reaches are copied as stored.
    let mut touched: Vec<u32> = affected.iter().copied().collect();
    touched.sort_unstable();
    // Read documents are numbered after the old ones (the numbering is unchanged), the
    // recomputed threads rows are those of `touched` documents and new ones.
    let first_read = old_docs as u32;
    let first_recomputed = threads
        .rows
        .iter()
        .map(|r| r.doc)
        .fold(first_read, u32::min);
    let copied = std::sync::atomic::AtomicUsize::new(0);
    let prefix = |table: Table, end: u64, first_new: u32, touched| -> Result<Option<Prefix>> {
        if !identity {
            return Ok(None);
        }
        Prefix::new(old_dir, table, end, first_new, touched, &copied).map(Some)
    };
    // The four tables are written at once: each is mostly one thread decoding and encoding.
    let documents = || {
        merge(
            Table::Documents,
            tmp,
            prefix(Table::Documents, old_docs as u64, first_read, &[])?,
            Some((docs_lf.clone(), 0, old_docs as u64)),
            &mut |df| renum(df, &[D::Doc.name()], &no_extra),
            Some(Table::Documents.scan(&fresh_dir)?),
            &[],
        )
    };
    let mentions = || {
        merge(
            Table::Mentions,
            tmp,
            prefix(Table::Mentions, old.tables.tags, first_read, &[])?,
            Some((Table::Mentions.scan(old_dir)?, 0, old.tables.tags)),
            &mut |df| renum(df, &[Table::DOC], &no_extra),
            Some(Table::Mentions.scan(&fresh_dir)?),
            &[],
        )
    };
    let interactions = || -> Result<u64> {
        let mut out = Pieces::new(Table::Interactions, tmp);
        let old_lf = Table::Interactions.scan(old_dir)?;
        let copied = out.copy(
            prefix(Table::Interactions, old_text, first_read, &[])?,
            &old_lf,
        )?;
        merge_into(
            &mut out,
            Some((old_lf, copied, old_text)),
            &mut |df| renum(df, &[I::Doc.name()], &no_extra).and_then(evidence_docs(&map)),
            Some(Table::Interactions.scan(&fresh_dir)?),
            &[],
        )?;
        let recomputed = if threads.interactions.is_empty() {
            Vec::new()
        } else {
            vec![tables::interaction_frame(&threads.interactions)?]
        };
        merge_into(
            &mut out,
            Some((
                Table::Interactions.scan(old_dir)?,
                old_text,
                old.tables.interactions,
            )),
            &mut |df| {
                renum(df, &[I::Doc.name()], &not_affected)
                    .and_then(evidence_docs(&map))
                    .and_then(|df| censor(df, end_ms))
            },
            None,
            &recomputed,
        )?;
        match out.writer {
            Some(_) => out.finish(),
            None => {
                // No interaction at all: the table is still written, with its schema.
                let empty = Table::Interactions.scan(old_dir)?.slice(0, 0).collect()?;
                FrameWriter::create(&Table::Interactions.path(tmp), Table::Interactions, &empty)?
                    .finish()
            }
        }
    };
    let thread_table = || -> Result<u64> {
        if threads.stats.posts == 0 {
            return Ok(0);
        }
        let recomputed = if threads.rows.is_empty() {
            Vec::new()
        } else {
            vec![super::threads::frame(&threads.rows)?]
        };
        let old_rows = old.tables.thread_posts;
        let old_threads = (old_rows > 0)
            .then(|| Table::Threads.scan(old_dir))
            .transpose()?
            .map(|lf| (lf, 0, old_rows));
        merge(
            Table::Threads,
            tmp,
            match old_threads {
                Some(_) => prefix(Table::Threads, old_rows, first_recomputed, &touched)?,
                None => None,
            },
            old_threads,
            &mut |df| {
                renum(
                    df,
                    &[T::Doc.name(), T::Root.name(), T::Parent.name()],
                    &not_affected,
                )
            },
            None,
            &recomputed,
        )
    };
    let timed = |name: &'static str, f: &(dyn Fn() -> Result<u64> + Sync)| {
        let r = f();
        crate::timing::stage(name);
        r
    };
    let ((docs, tags_rows), (interactions, thread_rows)) = rayon::join(
        || {
            rayon::join(
                || timed("documents merged", &documents),
                || timed("mentions merged", &mentions),
            )
        },
        || {
            rayon::join(
                || timed("interactions merged", &interactions),
                || timed("threads merged", &thread_table),
            )
        },
    );
    let (docs, tags_rows, interactions, thread_rows) =
        (docs?, tags_rows?, interactions?, thread_rows?);
    std::fs::remove_dir_all(&fresh_dir).map_err(Error::io(&fresh_dir, "cannot remove"))?;
    crate::timing::stage(&format!(
        "tables merged ({} row groups copied as stored)",
        copied.into_inner()
    ));
    let mut changes = up.changes.clone();
    changes.conversations = threads.interactions.len() as u64;
    changes.read = fresh
        .docs
        .saturating_sub(fresh.ranges.iter().map(|r| r.len).sum());
    changes.search_rebuilt = !index_kept;
    debug_assert_eq!(docs, fresh.docs);
    let m = IndexManifest {
        tool: "replyscope".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        layout: super::LAYOUT_VERSION,
        built_at: String::new(),
        corpus: old.corpus.clone(),
        inputs: summary.files,
        counts: summary.counts,
        tables: super::TableCounts {
            tags: tags_rows,
            interactions,
            thread_posts: thread_rows,
            threads: threads.stats,
        },
        lexicons: old.lexicons.clone(),
        fingerprint: String::new(),
        files: Vec::new(),
        settings: old.settings.clone(),
        generation: old.generation,
        added: old.added.clone(),
        shard: old.shard,
    };
    Ok((m, changes))
}

fn is_duplicate(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v["reason"].as_str().map(|r| r.starts_with("duplicate id")))
        .unwrap_or(false)
}

/// Links (hard links; copies where the file system cannot link) every file of `from` into
/// `to`. Tantivy never writes into a file it has written: new segments and the metadata are
/// new files (the metadata replaced by rename), so the old index is never changed.
fn link_dir(from: &Path, to: &Path) -> Result<()> {
    for e in std::fs::read_dir(from).map_err(Error::io(from, "cannot list"))? {
        let e = e.map_err(Error::io(from, "cannot list"))?;
        let name = e.file_name();
        if name.to_string_lossy().starts_with(".tantivy-")
            && name.to_string_lossy().ends_with(".lock")
        {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if !e
            .file_type()
            .map_err(Error::io(&src, "cannot read"))?
            .is_file()
        {
            continue;
        }
        if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(Error::io(&src, "cannot copy"))?;
        }
    }
    Ok(())
}

/// Adds the stored documents of the old search index that stay to the new one.
fn copy_stored(
    old_dir: &Path,
    tantivy_dir: &Path,
    ids: &StringChunked,
    map: &[u32],
    threads: usize,
) -> Result<()> {
    let leaving: HashSet<&str> = map
        .iter()
        .enumerate()
        .filter(|(_, &m)| m == NONE)
        .filter_map(|(i, _)| ids.get(i))
        .collect();
    let (old_index, fields) = super::open_search(old_dir)?;
    let searcher = old_index.reader()?.searcher();
    let index = tantivy::Index::open_in_dir(tantivy_dir)?;
    let mut writer = super::writer_of(&index, threads)?;
    for seg in searcher.segment_readers() {
        let store = seg
            .get_store_reader(64)
            .map_err(|e| Error::Tantivy(tantivy::TantivyError::from(e)))?;
        for d in seg.doc_ids_alive() {
            let doc: tantivy::TantivyDocument = store.get(d)?;
            let id = tantivy::schema::Value::as_str(
                &doc.get_first(fields.id).expect("every document has an id"),
            )
            .unwrap_or("");
            if !leaving.contains(id) {
                writer.add_document(doc)?;
            }
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Old number -> new number (NONE for documents that leave).
fn renumber(old_docs: usize, ranges: &[Range]) -> Vec<u32> {
    let mut map = vec![NONE; old_docs];
    for r in ranges {
        for k in 0..r.len {
            if let Some(slot) = map.get_mut((r.old + k) as usize) {
                *slot = (r.new + k) as u32;
            }
        }
    }
    map
}

/// Drops the rows of documents that leave (or `keep` refuses, by old number) and renumbers
/// the document-number columns `cols` (the first is the row's own document).
fn renumber_frame(
    df: DataFrame,
    map: &[u32],
    identity: bool,
    cols: &[&str],
    keep: &dyn Fn(u32) -> bool,
) -> Result<DataFrame> {
    let own: Vec<Option<u32>> = df.column(cols[0])?.u32()?.iter().collect();
    let mask: BooleanChunked = own
        .iter()
        .map(|d| d.is_some_and(|d| map.get(d as usize).is_some_and(|&m| m != NONE) && keep(d)))
        .collect();
    let mut df = if mask.all() { df } else { df.filter(&mask)? };
    if identity {
        return Ok(df);
    }
    for &c in cols {
        let mapped: Vec<Option<u32>> = df
            .column(c)?
            .u32()?
            .iter()
            .map(|d| d.map(|d| map[d as usize]))
            .collect();
        df.with_column(Column::new(c.into(), mapped))?;
    }
    Ok(df)
}

/// Renumbers the `evidence_doc` lists of interaction rows.
fn evidence_docs(map: &[u32]) -> impl Fn(DataFrame) -> Result<DataFrame> + '_ {
    move |mut df| {
        if df.height() == 0 {
            return Ok(df);
        }
        let name = I::EvidenceDoc.name();
        let lists = df.column(name)?.list()?.clone();
        let mut changed = false;
        let rows: Vec<Series> = lists
            .amortized_iter()
            .map(|l| {
                let docs: Vec<Option<u32>> = match l {
                    Some(s) => s
                        .as_ref()
                        .u32()
                        .map(|ca| ca.iter().collect())
                        .unwrap_or_default(),
                    None => Vec::new(),
                };
                let mapped: Vec<Option<u32>> = docs
                    .iter()
                    .map(|d| d.and_then(|d| map.get(d as usize).copied().filter(|&m| m != NONE)))
                    .collect();
                changed |= mapped != docs;
                Series::new(PlSmallStr::EMPTY, mapped)
            })
            .collect();
        if changed {
            let c = Column::new(name.into(), rows).cast(&I::EvidenceDoc.dtype())?;
            df.with_column(c)?;
        }
        Ok(df)
    }
}

/// Censors the unanswered thread interactions of `df` at the corpus's last timestamp, as
/// the thread stage does: (end - opened) in seconds, at least 0.
fn censor(mut df: DataFrame, end_ms: Option<i64>) -> Result<DataFrame> {
    let Some(end) = end_ms else {
        return Ok(df);
    };
    if df.height() == 0 {
        return Ok(df);
    }
    let responded = df.column(I::Responded.name())?.str()?.clone();
    let opened = df
        .column(I::OpenedAt.name())?
        .cast(&DataType::Int64)?
        .i64()?
        .clone();
    let before: Vec<Option<f64>> = df.column(I::CensorSeconds.name())?.f64()?.iter().collect();
    let after: Vec<Option<f64>> = (0..df.height())
        .map(|i| match (responded.get(i), opened.get(i)) {
            (Some("no"), Some(open)) => Some(((end - open) as f64 / 1000.0).max(0.0)),
            _ => before[i],
        })
        .collect();
    if after != before {
        df.with_column(Column::new(I::CensorSeconds.name().into(), after))?;
    }
    Ok(df)
}

/// A table being written from pieces.
struct Pieces {
    table: Table,
    path: PathBuf,
    writer: Option<FrameWriter>,
}

impl Pieces {
    /// `table` written in the directory `dir`.
    fn new(table: Table, dir: &Path) -> Pieces {
        Pieces {
            table,
            path: table.path(dir),
            writer: None,
        }
    }

    fn push(&mut self, df: DataFrame) -> Result<()> {
        if self.writer.is_none() {
            self.writer = Some(FrameWriter::create(&self.path, self.table, &df.clear())?);
        }
        self.writer.as_mut().expect("created").push(df)
    }

    /// Starts the table with the row groups of the old table (`old`: a scan of it) that
    /// `prefix` keeps, as stored; returns the rows they hold.
    fn copy(&mut self, prefix: Option<Prefix>, old: &LazyFrame) -> Result<u64> {
        let Some(prefix) = prefix else {
            return Ok(0);
        };
        let (table, path, writer) = (self.table, &self.path, &mut self.writer);
        let (groups, rows) = tables::copy_full_groups(
            &prefix.path,
            table,
            |rows| prefix.keep(rows),
            |group| {
                let w = match writer {
                    Some(w) => w,
                    None => writer.insert(FrameWriter::create(
                        path,
                        table,
                        &old.clone().slice(0, 0).collect()?,
                    )?),
                };
                w.copy(group)
            },
        )?;
        (prefix.copied).fetch_add(groups, std::sync::atomic::Ordering::Relaxed);
        Ok(rows)
    }

    fn finish(self) -> Result<u64> {
        match self.writer {
            Some(w) => w.finish(),
            None => Ok(0),
        }
    }
}

/// Writes `table` in the directory `dir`, merged from old rows (`old`: a scan and a row
/// range, each chunk passed through `fix`), new rows (`fresh`: a scan) and recomputed rows
/// (`extra`), by document number, starting with `prefix` (the leading old rows, as stored).
/// Returns the rows written.
fn merge(
    table: Table,
    dir: &Path,
    prefix: Option<Prefix>,
    mut old: Option<(LazyFrame, u64, u64)>,
    fix: &mut dyn FnMut(DataFrame) -> Result<DataFrame>,
    fresh: Option<LazyFrame>,
    extra: &[DataFrame],
) -> Result<u64> {
    let mut out = Pieces::new(table, dir);
    if let Some((lf, start, _)) = &mut old {
        *start += out.copy(prefix, lf)?;
    }
    merge_into(&mut out, old.clone(), fix, fresh.clone(), extra)?;
    if out.writer.is_none() {
        // No rows at all: the table is still written, with its schema.
        let empty = match (&old, &fresh, extra.first()) {
            (Some((lf, ..)), ..) => lf.clone().slice(0, 0).collect()?,
            (_, Some(lf), _) => lf.clone().slice(0, 0).collect()?,
            (.., Some(df)) => df.clear(),
            _ => return Ok(0),
        };
        out.writer = Some(FrameWriter::create(&out.path, table, &empty)?);
    }
    out.finish()
}

/// A source of row chunks sorted by document number.
struct Chunks {
    lf: Option<LazyFrame>,
    next: u64,
    end: u64,
}

impl Chunks {
    fn next_chunk(&mut self) -> Result<Option<DataFrame>> {
        let Some(lf) = &self.lf else {
            return Ok(None);
        };
        if self.next >= self.end {
            return Ok(None);
        }
        let n = (self.end - self.next).min(CHUNK as u64);
        let df = lf.clone().slice(self.next as i64, n as IdxSize).collect()?;
        if df.height() == 0 {
            return Ok(None);
        }
        self.next += df.height() as u64;
        Ok(Some(df))
    }
}

/// The leading row groups of an old table (its first `end` rows) that stay as they are in
/// the merged one, to be copied as stored. A group stays when none of its documents is
/// `touched` (their rows are recomputed) and every row new to the table sorts after it
/// (`first_new`: the smallest number of a new or recomputed document); the caller checks
/// that the numbering of old documents is unchanged. The merge would then write the same
/// rows in the same fixed-size groups, so the copy has a full build's bytes.
struct Prefix<'a> {
    path: PathBuf,
    /// The old table's document numbers, its first `end` rows.
    docs: Vec<u32>,
    first_new: u32,
    touched: &'a [u32],
    /// Groups copied, over all tables.
    copied: &'a std::sync::atomic::AtomicUsize,
}

impl<'a> Prefix<'a> {
    fn new(
        old_dir: &Path,
        table: Table,
        end: u64,
        first_new: u32,
        touched: &'a [u32],
        copied: &'a std::sync::atomic::AtomicUsize,
    ) -> Result<Prefix<'a>> {
        let df = table
            .scan(old_dir)?
            .select([col(Table::DOC)])
            .slice(0, end as IdxSize)
            .collect()?;
        let docs = df.column(Table::DOC)?.u32()?.rechunk();
        Ok(Prefix {
            path: table.path(old_dir),
            docs: docs.cont_slice()?.to_vec(),
            first_new,
            touched,
            copied,
        })
    }

    fn keep(&self, rows: std::ops::Range<u64>) -> bool {
        if rows.end > self.docs.len() as u64 {
            return false;
        }
        let (first, last) = (
            self.docs[rows.start as usize],
            self.docs[rows.end as usize - 1],
        );
        let t = self.touched.partition_point(|&t| t < first);
        last < self.first_new && self.touched.get(t).is_none_or(|&t| t > last)
    }
}

fn last_doc(df: &DataFrame) -> Result<u32> {
    Ok(df
        .column(Table::DOC)?
        .u32()?
        .get(df.height() - 1)
        .unwrap_or(NONE))
}

/// Rows of `df` with document number at most `max`: a prefix, the rows being sorted.
fn split_at_doc(df: DataFrame, max: u32) -> Result<(DataFrame, DataFrame)> {
    let n = df
        .column(Table::DOC)?
        .u32()?
        .iter()
        .take_while(|d| d.is_some_and(|d| d <= max))
        .count();
    Ok((df.slice(0, n), df.slice(n as i64, df.height() - n)))
}

fn merge_into(
    out: &mut Pieces,
    old: Option<(LazyFrame, u64, u64)>,
    fix: &mut dyn FnMut(DataFrame) -> Result<DataFrame>,
    fresh: Option<LazyFrame>,
    extra: &[DataFrame],
) -> Result<()> {
    let (old_lf, start, end) = match old {
        Some((lf, s, e)) => (Some(lf), s, e),
        None => (None, 0, 0),
    };
    let mut a = Chunks {
        lf: old_lf,
        next: start,
        end,
    };
    // New rows: read ones, then recomputed ones; both sorted, never sharing a document
    // with each other or with the old rows.
    let mut extra_iter = extra.iter().cloned();
    let mut b = Chunks {
        lf: fresh,
        next: 0,
        end: u64::MAX,
    };
    let mut next_b = move || -> Result<Option<DataFrame>> {
        match b.next_chunk()? {
            Some(df) => Ok(Some(df)),
            None => Ok(extra_iter.next()),
        }
    };
    let mut next_a = || -> Result<Option<DataFrame>> {
        loop {
            match a.next_chunk()? {
                None => return Ok(None),
                Some(df) => {
                    let df = fix(df)?;
                    if df.height() > 0 {
                        return Ok(Some(df));
                    }
                }
            }
        }
    };
    let (mut ba, mut bb): (Option<DataFrame>, Option<DataFrame>) = (None, None);
    let (mut a_done, mut b_done) = (false, false);
    loop {
        if ba.is_none() && !a_done {
            ba = next_a()?;
            a_done = ba.is_none();
        }
        if bb.is_none() && !b_done {
            bb = next_b()?;
            b_done = bb.is_none();
        }
        match (ba.take(), bb.take()) {
            (None, None) => return Ok(()),
            (Some(x), None) | (None, Some(x)) => out.push(x)?,
            (Some(x), Some(y)) => {
                let m = last_doc(&x)?.min(last_doc(&y)?);
                let (x1, x2) = split_at_doc(x, m)?;
                let (y1, y2) = split_at_doc(y, m)?;
                let part = if y1.height() == 0 {
                    x1
                } else if x1.height() == 0 {
                    y1
                } else {
                    let mut both = x1;
                    both.vstack_mut_owned(y1)?;
                    both.sort(
                        [Table::DOC],
                        SortMultipleOptions::default().with_maintain_order(true),
                    )?
                };
                out.push(part)?;
                ba = (x2.height() > 0).then_some(x2);
                bb = (y2.height() > 0).then_some(y2);
            }
        }
    }
}

/// The thread stage of an incremental build.
struct ThreadUpdate {
    /// Old numbers of the posts (and so interactions) recomputed or gone.
    affected: HashSet<u32>,
    /// Recomputed interactions, by new document number.
    interactions: Vec<InteractionRow>,
    /// Recomputed threads rows (every new post's among them), by new document number.
    rows: Vec<Row>,
    /// The thread stage's counts for the whole new index.
    stats: ThreadStats,
    /// The corpus's last timestamp (ms) among reply-linked posts.
    end_ms: Option<i64>,
}

fn thread_update(
    cfg: &crate::pipeline::IndexConfig,
    old_dir: &Path,
    old: &IndexManifest,
    docs_lf: &LazyFrame,
    map: &[u32],
    drafts: Vec<(u32, PostDraft)>,
) -> Result<ThreadUpdate> {
    let threaded = cfg.manifest.threaded_sources();
    let lex: &Lexicons = &cfg.lexicons;
    let mut affected = HashSet::new();
    let removed = |d: u32| map.get(d as usize).is_none_or(|&m| m == NONE);
    // The old reply-linked posts: number, id, parent, listed replies, time.
    let old_posts = if old.tables.thread_posts == 0 || threaded.is_empty() {
        None
    } else {
        let is_threaded = threaded
            .iter()
            .map(|s| D::Source.col().eq(lit(s.as_str())))
            .reduce(|a, b| a.or(b))
            .expect("threaded sources");
        Some(
            docs_lf
                .clone()
                .filter(is_threaded)
                .select([
                    D::Doc.col(),
                    D::Id.col(),
                    D::InReplyTo.col(),
                    D::Replies.col(),
                    D::CreatedAt.col().cast(DataType::Int64),
                ])
                .collect()?,
        )
    };
    let fresh_ids: foldhash::HashSet<String> =
        drafts.iter().map(|(_, d)| d.id().to_string()).collect();
    crate::timing::stage("threads: old reply-linked posts read");
    let empty = DataFrame::empty();
    let posts = old_posts.as_ref().unwrap_or(&empty);
    // One chunk each: `get(i)` on a column of many chunks searches for its chunk.
    let (p_doc, p_id, p_parent, p_replies, p_time) = if posts.height() > 0 {
        (
            posts.column(D::Doc.name())?.u32()?.rechunk().into_owned(),
            posts.column(D::Id.name())?.str()?.rechunk().into_owned(),
            posts
                .column(D::InReplyTo.name())?
                .str()?
                .rechunk()
                .into_owned(),
            posts
                .column(D::Replies.name())?
                .list()?
                .rechunk()
                .into_owned(),
            posts
                .column(D::CreatedAt.name())?
                .i64()?
                .rechunk()
                .into_owned(),
        )
    } else {
        (
            UInt32Chunked::from_slice(PlSmallStr::EMPTY, &[]),
            StringChunked::from_slice(PlSmallStr::EMPTY, &[] as &[&str]),
            StringChunked::from_slice(PlSmallStr::EMPTY, &[] as &[&str]),
            ListChunked::full_null_with_dtype(PlSmallStr::EMPTY, 0, &DataType::String),
            Int64Chunked::from_slice(PlSmallStr::EMPTY, &[]),
        )
    };
    // The old posts' numbers of the ids in `wanted` (the last post of an id, as a map of
    // every id would hold): one pass over the old posts instead of a map of millions.
    let resolve = |wanted: foldhash::HashSet<&str>, known: &mut HashMap<String, u32>| {
        if wanted.is_empty() {
            return;
        }
        for (d, id) in p_doc.iter().zip(p_id.iter()) {
            if let (Some(d), Some(id)) = (d, id) {
                if wanted.contains(id) {
                    known.insert(id.to_string(), d);
                }
            }
        }
    };
    let mut removed_ids: HashSet<&str> = HashSet::new();
    let mut end_ms: Option<i64> = None;
    for ((d, id), t) in p_doc.iter().zip(p_id.iter()).zip(p_time.iter()) {
        let (Some(d), Some(id)) = (d, id) else {
            continue;
        };
        if removed(d) {
            removed_ids.insert(id);
        } else if t.is_some() {
            end_ms = end_ms.max(t);
        }
    }
    for (_, d) in &drafts {
        if let Some(t) = d.created_ms() {
            end_ms = end_ms.max(Some(t));
        }
    }
    // Old posts the new ones answer or list as replies.
    let mut known: HashMap<String, u32> = HashMap::new();
    resolve(
        (drafts.iter())
            .flat_map(|(_, d)| {
                d.in_reply_to()
                    .into_iter()
                    .chain(d.replies().iter().map(String::as_str))
            })
            .collect(),
        &mut known,
    );
    crate::timing::stage("threads: old ids mapped");
    // Posts whose conversation the change touches.
    let mut seeds: Vec<u32> = Vec::new();
    // The listed replies as one column of values and each post's range in it.
    let offsets = p_replies.offsets()?;
    let offsets = offsets.as_slice();
    let listed = p_replies.get_inner();
    let listed = listed.str()?.rechunk();
    for (i, (d, parent)) in p_doc.iter().zip(p_parent.iter()).enumerate() {
        let Some(d) = d else { continue };
        let parent_new = parent.is_some_and(|p| fresh_ids.contains(p));
        let lists_changed = || {
            (offsets[i] as usize..offsets[i + 1] as usize).any(|k| {
                listed
                    .get(k)
                    .is_some_and(|r| fresh_ids.contains(r) || removed_ids.contains(r))
            })
        };
        if removed(d) || parent_new || lists_changed() {
            seeds.push(d);
        }
    }
    for (_, draft) in &drafts {
        if let Some(&d) = draft.in_reply_to().and_then(|p| known.get(p)) {
            seeds.push(d);
        }
    }
    crate::timing::stage("threads: seeds found");
    if !seeds.is_empty() {
        let roots = Table::Threads
            .scan(old_dir)?
            .select([T::Doc.col(), T::Root.col()])
            .collect()?;
        let (t_doc, t_root) = (
            roots.column(T::Doc.name())?.u32()?.clone(),
            roots.column(T::Root.name())?.u32()?.clone(),
        );
        let mut root_of: HashMap<u32, u32> = HashMap::with_capacity(t_doc.len());
        for (d, r) in t_doc.iter().zip(t_root.iter()) {
            if let (Some(d), Some(r)) = (d, r) {
                root_of.insert(d, r);
            }
        }
        let hit: HashSet<u32> = seeds
            .iter()
            .map(|d| root_of.get(d).copied().unwrap_or(*d))
            .collect();
        for (d, r) in &root_of {
            if hit.contains(r) {
                affected.insert(*d);
            }
        }
        affected.extend(seeds.iter().copied());
    }
    crate::timing::stage("threads: affected conversations found");
    // The affected old posts, tagged again from their rows.
    let old_drafts = retag(cfg, docs_lf, &affected, lex)?;
    // Old posts the recomputed ones list as replies: whether they are in the corpus.
    resolve(
        (old_drafts.iter())
            .flat_map(|(_, d)| d.replies().iter().map(String::as_str))
            .filter(|r| !known.contains_key(*r))
            .collect(),
        &mut known,
    );
    let mut before: Vec<(u32, PostDraft)> = old_drafts.clone();
    crate::timing::stage("threads: affected posts tagged again");
    before.sort_by_key(|(d, _)| *d);
    let mut after: Vec<(u32, PostDraft)> = old_drafts
        .into_iter()
        .filter(|(d, _)| !removed(*d))
        .map(|(d, p)| (map[d as usize], p))
        .chain(drafts)
        .collect();
    after.sort_by_key(|(d, _)| *d);
    let store_of = |posts: Vec<(u32, PostDraft)>| {
        let mut store = ThreadStore::default();
        let mut docs = Vec::with_capacity(posts.len());
        for (d, p) in posts {
            store.push(p);
            docs.push(d);
        }
        (store, docs)
    };
    let (old_store, _) = store_of(before);
    // Asked only of the stores' listed replies, all of them resolved above.
    let old_has = |id: &str| known.contains_key(id);
    let before_stats = tthreads::interactions_in(
        &old_store,
        &old_store.links(),
        &Corpus::Larger {
            end: None,
            has: &old_has,
        },
        &mut |_, _| Ok(()),
    )?;
    drop(old_store);
    let (store, docs) = store_of(after);
    let new_has = |id: &str| fresh_ids.contains(id) || known.get(id).is_some_and(|&d| !removed(d));
    let end = end_ms.and_then(chrono::DateTime::from_timestamp_millis);
    let mut interactions = Vec::new();
    let links = store.links();
    let after_stats = {
        tthreads::interactions_in(
            &store,
            &links,
            &Corpus::Larger { end, has: &new_has },
            &mut |i, at| {
                interactions.push(super::thread_row(i, at, &docs));
                Ok(())
            },
        )?
    };
    let rows: Vec<Row> = super::threads::rows(&store, &links.parents, &docs).collect();
    let o = old.tables.threads;
    let stats = ThreadStats {
        posts: o.posts - before_stats.posts + after_stats.posts,
        openings: o.openings - before_stats.openings + after_stats.openings,
        unaddressed: o.unaddressed - before_stats.unaddressed + after_stats.unaddressed,
        interactions: o.interactions - before_stats.interactions + after_stats.interactions,
        bad_delays: o.bad_delays - before_stats.bad_delays + after_stats.bad_delays,
    };
    Ok(ThreadUpdate {
        affected,
        interactions,
        rows,
        stats,
        end_ms,
    })
}

/// The documents `which` (old numbers) rebuilt from the documents table and tagged again,
/// as the thread stage's drafts.
fn retag(
    cfg: &crate::pipeline::IndexConfig,
    docs_lf: &LazyFrame,
    which: &HashSet<u32>,
    lex: &Lexicons,
) -> Result<Vec<(u32, PostDraft)>> {
    if which.is_empty() {
        return Ok(Vec::new());
    }
    let sources: HashMap<&str, (Shape, Option<String>)> = cfg
        .manifest
        .sources
        .iter()
        .map(|s| {
            (
                s.spec.name.as_str(),
                (s.spec.shape(), s.spec.channel.clone()),
            )
        })
        .collect();
    let groups: BTreeSet<usize> = which.iter().map(|&d| d as usize / GROUP).collect();
    let mut docs: Vec<(u32, Document)> = Vec::with_capacity(which.len());
    for g in groups {
        let df = docs_lf
            .clone()
            .slice((g * GROUP) as i64, GROUP as IdxSize)
            .collect()?;
        let numbers = df.column(D::Doc.name())?.u32()?.clone();
        let rows: Vec<usize> = (0..df.height())
            .filter(|&i| numbers.get(i).is_some_and(|d| which.contains(&d)))
            .collect();
        for (i, doc) in documents_of(&df, &rows, &sources)? {
            docs.push((numbers.get(i).expect("filtered on it"), doc));
        }
    }
    let threaded: HashSet<String> = cfg.manifest.threaded_sources().into_iter().collect();
    Ok(docs
        .into_par_iter()
        .filter(|(_, doc)| threaded.contains(&doc.source))
        .map(|(d, doc)| {
            let tagged = lex.tag(doc);
            (
                d,
                PostDraft::from_tagged(tagged.author, &tagged.doc, &tagged.tags),
            )
        })
        .collect())
}

/// Documents from rows of the documents table, as ingest made them (what the table does
/// not hold, shape and channel, comes from the source in the manifest).
fn documents_of(
    df: &DataFrame,
    rows: &[usize],
    sources: &HashMap<&str, (Shape, Option<String>)>,
) -> Result<Vec<(usize, Document)>> {
    let s = |c: D| -> Result<StringChunked> { Ok(df.column(c.name())?.str()?.clone()) };
    let (id, source, kind, file, url, title, author, text, parent, conv, meta) = (
        s(D::Id)?,
        s(D::Source)?,
        s(D::Kind)?,
        s(D::File)?,
        s(D::Url)?,
        s(D::Title)?,
        s(D::Author)?,
        s(D::Text)?,
        s(D::InReplyTo)?,
        s(D::ConversationId)?,
        s(D::Meta)?,
    );
    let line = df.column(D::Line.name())?.u64()?.clone();
    let created = df
        .column(D::CreatedAt.name())?
        .cast(&DataType::Int64)?
        .i64()?
        .clone();
    let inbound = df.column(D::Inbound.name())?.bool()?.clone();
    let replies = df.column(D::Replies.name())?.list()?.clone();
    let given: Vec<(String, StringChunked)> = df
        .get_column_names()
        .into_iter()
        .filter(|n| n.starts_with(GIVEN_PREFIX))
        .map(|n| -> Result<_> {
            Ok((
                n[GIVEN_PREFIX.len()..].to_string(),
                df.column(n.as_str())?.str()?.clone(),
            ))
        })
        .collect::<Result<_>>()?;
    let owned = |ca: &StringChunked, i: usize| ca.get(i).map(str::to_string);
    let mut out = Vec::with_capacity(rows.len());
    for &i in rows {
        let src = source.get(i).unwrap_or("");
        let (shape, channel) = sources.get(src).cloned().unwrap_or_default();
        let replies: Vec<String> = replies
            .get_as_series(i)
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|ca| ca.iter().flatten().map(str::to_string).collect())
            })
            .unwrap_or_default();
        let meta: BTreeMap<String, String> = match meta.get(i) {
            Some(m) => serde_json::from_str(m).map_err(|e| {
                Error::NeedsFullBuild(format!("documents table: meta is not a JSON object ({e})"))
            })?,
            None => BTreeMap::new(),
        };
        let given = given
            .iter()
            .filter_map(|(label, ca)| ca.get(i).map(|v| (label.clone(), v.to_string())))
            .collect();
        out.push((
            i,
            Document {
                id: owned(&id, i).unwrap_or_default(),
                source: src.to_string(),
                kind: owned(&kind, i).unwrap_or_default(),
                shape,
                channel,
                file: owned(&file, i).unwrap_or_default(),
                line: line.get(i).unwrap_or(0),
                url: owned(&url, i),
                title: owned(&title, i),
                author: owned(&author, i),
                created_at: created
                    .get(i)
                    .and_then(chrono::DateTime::from_timestamp_millis),
                text: owned(&text, i).unwrap_or_default(),
                thread: Thread {
                    in_reply_to: owned(&parent, i),
                    replies,
                    conversation_id: owned(&conv, i),
                    inbound: inbound.get(i),
                },
                given,
                meta,
            },
        ));
    }
    Ok(out)
}
