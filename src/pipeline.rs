//! The stages wired together: corpus -> ingest -> index directory.

use crate::error::Result;
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
    /// Build only this shard of the corpus.
    pub shard: Option<index::shard::Shard>,
}

/// Builds the index directory from the corpus. The old index stays in place until the new
/// one is complete; on error, the partial build is removed. One run at a time writes an
/// index: another one fails at once, or with `wait` blocks until the first is done.
pub fn build_index(cfg: &IndexConfig, progress: &dyn ingest::Progress) -> Result<IndexManifest> {
    let staging = Staging::prepare(&cfg.out, cfg.wait)?;
    match build_into(cfg, &staging.tmp, progress) {
        Ok(m) => {
            staging.commit()?;
            Ok(m)
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

fn build_into(
    cfg: &IndexConfig,
    dir: &std::path::Path,
    progress: &dyn ingest::Progress,
) -> Result<IndexManifest> {
    let manifest = &cfg.manifest;
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
    // A shard counts its own documents and rejects (records = documents + rejects still).
    let counts = if cfg.shard.is_some() {
        kept
    } else {
        summary.counts
    };
    let lexicons = lexicon_list(cfg);
    let corpus_sha = corpus_sha(manifest);
    let files: Vec<(String, String, String)> = summary
        .files
        .iter()
        .map(|f| (f.source.clone(), f.file.clone(), f.sha256.clone()))
        .collect();
    let mut fingerprint = fingerprint(&corpus_sha, &files, &lexicons);
    if let Some(s) = cfg.shard {
        fingerprint = hex(&Sha256::digest(
            format!("{fingerprint}\nshard {s}").as_bytes(),
        ));
    }
    let recorded = index::record_files(dir)?;
    let m = IndexManifest {
        tool: "replyscope".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        layout: index::LAYOUT_VERSION,
        built_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        corpus: CorpusInfo {
            path: manifest.path.display().to_string(),
            sha256: corpus_sha,
            name: manifest.name.clone(),
        },
        inputs: summary.files,
        counts,
        tables,
        lexicons,
        fingerprint,
        files: recorded,
        shard: cfg.shard,
    };
    index::write_manifest(dir, &m)?;
    Ok(m)
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
