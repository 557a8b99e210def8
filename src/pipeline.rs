//! The stages wired together: corpus -> ingest -> index directory.

use crate::error::Error;
use crate::error::Result;
use crate::index::incremental::{self, Plan};
use crate::index::{self, Builder, CorpusInfo, IndexManifest, Staging};
use crate::ingest::{self, hex, Manifest};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Settings of `replyscope index`, resolved and validated.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The loaded corpus manifest.
    pub manifest: Manifest,
    /// The index directory to build or replace.
    pub out: PathBuf,
    /// Ingest settings.
    pub ingest: ingest::Options,
    /// Tantivy indexing threads.
    pub index_threads: usize,
    /// Tagging rules.
    pub lexicons: std::sync::Arc<crate::tag::Lexicons>,
    /// Wait for another run writing the same index to finish, instead of failing at once.
    pub wait: bool,
    /// Build in full even when the index could be brought up to date incrementally.
    pub full: bool,
    /// Build only this shard of the corpus.
    pub shard: Option<index::shard::Shard>,
}

/// How a build went.
#[derive(Debug, Clone)]
pub enum How {
    /// Built in full, for this reason.
    Full(String),
    /// Brought up to date by reading only new and changed files.
    Updated(crate::index::incremental::Changes),
    /// Nothing changed since the index was built; it was left as it was.
    UpToDate,
}

/// A finished build: the index's manifest and how it was made.
#[derive(Debug, Clone)]
pub struct Built {
    /// The index manifest.
    pub manifest: IndexManifest,
    /// Full, incremental or nothing to do.
    pub how: How,
}

/// Builds the index directory from the corpus, or brings it up to date: an index whose
/// rules, corpus manifest, settings and replyscope version are those of this run is updated
/// by reading only its new and changed files ([`crate::index::incremental`]); otherwise (or
/// with `full`) it is built in full, and [`How::Full`] says why. The old index stays in place
/// until the new one is complete; on error, the partial build is removed. One run at a time
/// writes an index: another one fails at once, or with `wait` blocks until the first is done.
pub fn build_index(cfg: &IndexConfig, progress: &dyn ingest::Progress) -> Result<Built> {
    let staging = Staging::prepare(&cfg.out, cfg.wait)?;
    let now = incremental::Current {
        version: env!("CARGO_PKG_VERSION").into(),
        corpus_path: cfg.manifest.path.display().to_string(),
        corpus_sha: corpus_sha(&cfg.manifest),
        lexicons: lexicon_list(cfg),
        settings: settings(cfg),
    };
    let plan = if cfg.full {
        Ok(Plan::Full("--full".into()))
    } else {
        incremental::plan(cfg, &staging.target, &now)
    };
    crate::timing::stage("plan: corpus and old index checked");
    let result = plan.and_then(|plan| match plan {
        Plan::UpToDate(m) => Ok(Built {
            manifest: *m,
            how: How::UpToDate,
        }),
        Plan::Full(reason) => build_into(cfg, &staging.tmp, progress, None).map(|b| Built {
            manifest: b.manifest,
            how: How::Full(reason),
        }),
        Plan::Update(up) => {
            match build_into(cfg, &staging.tmp, progress, Some(&up)) {
                Ok(m) => Ok(m),
                Err(Error::NeedsFullBuild(reason)) => {
                    // Start again from an empty staging directory.
                    std::fs::remove_dir_all(&staging.tmp)
                        .and_then(|_| std::fs::create_dir(&staging.tmp))
                        .map_err(Error::io(&staging.tmp, "cannot empty"))?;
                    build_into(cfg, &staging.tmp, progress, None).map(|b| Built {
                        manifest: b.manifest,
                        how: How::Full(reason),
                    })
                }
                Err(e) => Err(e),
            }
        }
    });
    match result {
        Ok(built) if matches!(built.how, How::UpToDate) => {
            staging.abandon();
            Ok(built)
        }
        Ok(built) => {
            staging.commit()?;
            crate::timing::stage("committed");
            Ok(built)
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

fn settings(cfg: &IndexConfig) -> index::BuildSettings {
    index::BuildSettings {
        max_record_bytes: cfg.ingest.max_record_bytes,
    }
}

/// Builds in full (`up` None) or incrementally into `dir`, and writes the manifest.
fn build_into(
    cfg: &IndexConfig,
    dir: &std::path::Path,
    progress: &dyn ingest::Progress,
    up: Option<&incremental::Update>,
) -> Result<Built> {
    let manifest = &cfg.manifest;
    let (mut m, how, old) = match up {
        Some(up) => {
            let (m, changes) = incremental::update(cfg, up, dir, progress)?;
            let old = (m.generation, m.added.clone());
            (m, How::Updated(changes), Some(old))
        }
        None => {
            let shard = match cfg.shard {
                Some(s) => Some((
                    s,
                    std::sync::Arc::new(index::shard::plan(manifest, &cfg.ingest)?),
                )),
                None => None,
            };
            let mut builder = Builder::create(
                dir,
                cfg.lexicons.clone(),
                manifest.given_labels(),
                manifest.threaded_sources(),
                cfg.index_threads,
                shard,
            )?;
            let summary = ingest::read_corpus(manifest, &cfg.ingest, &mut builder, progress)?;
            let (tables, kept) = builder.finish()?;
            // A shard counts its own documents and rejects (records = documents + rejects
            // still).
            let counts = if cfg.shard.is_some() {
                kept
            } else {
                summary.counts
            };
            // A full build keeps the record of when each unchanged file was first indexed.
            let old = index::read_manifest(&cfg.out)
                .ok()
                .map(|m| (m.generation, m.added));
            let m = IndexManifest {
                tool: "replyscope".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                layout: index::LAYOUT_VERSION,
                built_at: String::new(),
                corpus: CorpusInfo {
                    path: manifest.path.display().to_string(),
                    sha256: corpus_sha(manifest),
                    name: manifest.name.clone(),
                },
                inputs: summary.files,
                counts,
                tables,
                lexicons: lexicon_list(cfg),
                fingerprint: String::new(),
                files: Vec::new(),
                settings: Some(settings(cfg)),
                generation: 0,
                added: Vec::new(),
                shard: cfg.shard,
            };
            (m, How::Full(String::new()), old)
        }
    };
    m.built_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (old_generation, old_added) = old.unwrap_or_default();
    m.generation = old_generation + 1;
    let before: std::collections::HashMap<(&str, &str, &str), &index::FileAdded> = old_added
        .iter()
        .map(|a| ((a.source.as_str(), a.file.as_str(), a.sha256.as_str()), a))
        .collect();
    m.added = m
        .inputs
        .iter()
        .map(
            |f| match before.get(&(f.source.as_str(), f.file.as_str(), f.sha256.as_str())) {
                Some(&a) => a.clone(),
                None => index::FileAdded {
                    source: f.source.clone(),
                    file: f.file.clone(),
                    sha256: f.sha256.clone(),
                    generation: m.generation,
                    at: m.built_at.clone(),
                },
            },
        )
        .collect();
    let files: Vec<(String, String, String)> = m
        .inputs
        .iter()
        .map(|f| (f.source.clone(), f.file.clone(), f.sha256.clone()))
        .collect();
    m.fingerprint = fingerprint(&m.corpus.sha256, &files, &m.lexicons);
    if let Some(s) = m.shard {
        m.fingerprint = hex(&Sha256::digest(
            format!("{}\nshard {s}", m.fingerprint).as_bytes(),
        ));
    }
    crate::timing::stage("build");
    m.files = index::record_files(dir)?;
    index::write_manifest(dir, &m)?;
    crate::timing::stage("tables hashed, manifest written");
    Ok(Built { manifest: m, how })
}

fn corpus_sha(manifest: &ingest::Manifest) -> String {
    if manifest.raw.is_empty() {
        String::new()
    } else {
        hex(&Sha256::digest(&manifest.raw))
    }
}

fn lexicon_list(cfg: &IndexConfig) -> Vec<(String, String)> {
    cfg.lexicons
        .files
        .iter()
        .map(|(p, h)| (p.trim_start_matches("(built-in) ").to_string(), h.clone()))
        .collect()
}

/// Hash of everything that decides an index's content: tool version, layout, corpus manifest,
/// every input file (source, name, SHA-256) and every rule file.
fn fingerprint(
    corpus_sha: &str,
    files: &[(String, String, String)],
    lexicons: &[(String, String)],
) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(index::LAYOUT_VERSION.to_le_bytes());
    h.update(corpus_sha.as_bytes());
    for (source, file, sha) in files {
        h.update(format!("\n{source}\t{file}\t{sha}").as_bytes());
    }
    for (file, sha) in lexicons {
        h.update(format!("\nrules\t{file}\t{sha}").as_bytes());
    }
    hex(&h.finalize())
}

/// The fingerprint an index of this corpus would have now, from the files as they are,
/// without building anything: `run` compares it with the existing index to decide whether
/// to rebuild.
pub fn current_fingerprint(cfg: &IndexConfig) -> Result<String> {
    let m = &cfg.manifest;
    let mut files = Vec::new();
    for s in &m.sources {
        for f in &s.files {
            let (_, sha) = ingest::hash_file(f)?;
            files.push((s.spec.name.clone(), m.display_path(f), sha));
        }
    }
    Ok(fingerprint(&corpus_sha(m), &files, &lexicon_list(cfg)))
}
