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
}

/// Builds the index directory from the corpus. The old index stays in place until the new
/// one is complete; on error, the partial build is removed.
pub fn build_index(cfg: &IndexConfig, progress: &dyn ingest::Progress) -> Result<IndexManifest> {
    let staging = Staging::prepare(&cfg.out)?;
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
    let mut builder = Builder::create(
        dir,
        cfg.lexicons.clone(),
        manifest.given_labels(),
        manifest.threaded_sources(),
        cfg.index_threads,
    )?;
    let summary = ingest::read_corpus(manifest, &cfg.ingest, &mut builder, progress)?;
    let tables = builder.finish()?;
    let lexicons: Vec<(String, String)> = cfg
        .lexicons
        .files
        .iter()
        .map(|(p, h)| (p.trim_start_matches("(built-in) ").to_string(), h.clone()))
        .collect();
    let corpus_sha = if manifest.raw.is_empty() {
        String::new()
    } else {
        hex(&Sha256::digest(&manifest.raw))
    };
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(index::LAYOUT_VERSION.to_le_bytes());
    h.update(corpus_sha.as_bytes());
    for f in &summary.files {
        h.update(format!("\n{}\t{}\t{}", f.source, f.file, f.sha256).as_bytes());
    }
    for (file, sha) in &lexicons {
        h.update(format!("\nrules\t{file}\t{sha}").as_bytes());
    }
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
        counts: summary.counts,
        tables,
        lexicons,
        fingerprint: hex(&h.finalize()),
    };
    index::write_manifest(dir, &m)?;
    Ok(m)
}
