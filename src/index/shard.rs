//! Shards: one corpus split over N index directories (`replyscope index --shard K/N`), each
//! built by its own run (on its own machine), searched and queried together as one index.
//!
//! A document goes to the shard its key hashes to (the first 8 bytes of SHA-256 of the key,
//! modulo N): its id, or for a reply-linked post the id of its conversation's root, so a
//! conversation and the interaction it makes stay whole in one shard. Finding the roots
//! needs the whole corpus's reply links, so a shard's build reads the corpus twice: a first
//! pass keeps only the reply-linked posts' ids, parents and times (no tagging), the second
//! builds the shard. The first pass also gives what a shard's thread stage must know of the
//! whole corpus: its last time (where unanswered conversations are censored) and every
//! post id (a listed reply is outside the corpus only when no shard has it). A reject goes
//! to the shard its source, file and record hash to.

use crate::error::{Error, Result};
use crate::ingest::{self, Manifest, Sink};
use crate::model::{Document, Reject};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Shard K (from 1) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 1.
    pub k: u32,
    /// How many.
    pub n: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("{s:?}: expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// Whether the document or reject with this key belongs to this shard.
    pub fn owns(&self, key: &str) -> bool {
        let d = Sha256::digest(key.as_bytes());
        let h = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
        h % u64::from(self.n) == u64::from(self.k - 1)
    }
}

/// What the first pass learns of the whole corpus.
#[derive(Debug, Default)]
pub struct Plan {
    /// Reply-linked post id -> its conversation root's id.
    roots: HashMap<String, String>,
    /// Every reply-linked post's id, and the corpus's last time among them.
    pub view: crate::tag::threads::CorpusView,
}

impl Plan {
    /// The key a document is sharded by.
    pub fn key<'a>(&'a self, doc: &'a Document) -> &'a str {
        self.roots
            .get(&doc.id)
            .map_or(doc.id.as_str(), String::as_str)
    }

    /// The key a reject is sharded by.
    pub fn reject_key(r: &Reject) -> String {
        format!("{}\t{}\t{}", r.source, r.file, r.record)
    }
}

/// Collects the reply links of the threaded sources' documents.
struct Links<'a> {
    threaded: &'a [String],
    ids: Vec<String>,
    parents: Vec<Option<String>>,
    end_ms: Option<i64>,
}

impl Sink for Links<'_> {
    fn documents(&mut self, docs: Vec<Document>) -> Result<()> {
        for d in docs
            .into_iter()
            .filter(|d| self.threaded.contains(&d.source))
        {
            if let Some(t) = d.created_at {
                let ms = t.timestamp_millis();
                self.end_ms = Some(self.end_ms.map_or(ms, |e| e.max(ms)));
            }
            self.ids.push(d.id);
            self.parents.push(d.thread.in_reply_to);
        }
        Ok(())
    }

    fn reject(&mut self, _: &Reject) -> Result<()> {
        Ok(())
    }
}

/// The first pass: reads the corpus (without tagging) and finds each reply-linked post's
/// conversation root, the way the thread stage does.
pub fn plan(manifest: &Manifest, opts: &ingest::Options) -> Result<Plan> {
    let threaded = manifest.threaded_sources();
    let mut links = Links {
        threaded: &threaded,
        ids: Vec::new(),
        parents: Vec::new(),
        end_ms: None,
    };
    let opts = ingest::Options {
        strict: false,
        ..opts.clone()
    };
    ingest::read_corpus(manifest, &opts, &mut links, &())?;
    let at: HashMap<&str, u32> = links
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u32))
        .collect();
    // As ThreadStore::parents: a parent outside the corpus, or the post itself, is none.
    let parents: Vec<u32> = links
        .parents
        .iter()
        .enumerate()
        .map(|(i, p)| match p.as_deref().and_then(|p| at.get(p)) {
            Some(&q) if q as usize != i => q,
            _ => u32::MAX,
        })
        .collect();
    let roots = super::threads::roots(&parents);
    let by_root: HashMap<String, String> = links
        .ids
        .iter()
        .zip(&roots)
        .map(|(id, &(root, _))| (id.clone(), links.ids[root as usize].clone()))
        .collect();
    let ids: HashSet<String> = links.ids.into_iter().collect();
    if ids.len() > u32::MAX as usize {
        return Err(Error::Usage("too many reply-linked posts to shard".into()));
    }
    Ok(Plan {
        roots: by_root,
        view: crate::tag::threads::CorpusView {
            end_ms: links.end_ms,
            ids,
        },
    })
}

/// Checks that several index directories, read as one index (`query` and `search` given
/// more than one), are the shards of one corpus: each built with `--shard K/N` of one corpus
/// manifest and one N, each K once. The same directory twice counted every story twice;
/// two indexes of one corpus, or of two corpora, were added up without a word.
pub fn check_together(dirs: &[std::path::PathBuf]) -> Result<()> {
    if dirs.len() < 2 {
        return Ok(());
    }
    let usage = |m: String| Err(Error::Usage(m));
    let mut seen: HashMap<std::path::PathBuf, &std::path::Path> = HashMap::new();
    let mut first: Option<(&std::path::Path, Shard, super::CorpusInfo)> = None;
    let mut ks: HashMap<u32, &std::path::Path> = HashMap::new();
    for d in dirs {
        let real = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        if let Some(before) = seen.insert(real, d) {
            return usage(format!(
                "{} and {} are the same index directory: give each shard once",
                before.display(),
                d.display()
            ));
        }
    }
    for d in dirs {
        let m = super::read_manifest(d)?;
        let Some(s) = m.shard else {
            return usage(format!(
                "{} is not a shard (built without --shard K/N): several index directories \
                 are read as the shards of one corpus, counted as one index",
                d.display()
            ));
        };
        match &first {
            None => first = Some((d, s, m.corpus)),
            Some((f, fs, fc)) => {
                let same_corpus = if fc.sha256.is_empty() {
                    fc.name == m.corpus.name && fc.path == m.corpus.path
                } else {
                    fc.sha256 == m.corpus.sha256
                };
                if fs.n != s.n || !same_corpus {
                    return usage(format!(
                        "{} (shard {fs} of corpus {}) and {} (shard {s} of corpus {}) are not \
                         shards of one corpus build",
                        f.display(),
                        fc.name,
                        d.display(),
                        m.corpus.name
                    ));
                }
            }
        }
        if let Some(before) = ks.insert(s.k, d) {
            return usage(format!(
                "{} and {} are both shard {s}: give each shard once",
                before.display(),
                d.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_keys_between_them() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert_eq!(
            "x".parse::<Shard>().unwrap_err(),
            "\"x\": expected K/N with 1 <= K <= N, e.g. 2/8"
        );
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        let mut per = [0; 3];
        for i in 0..3000 {
            let key = format!("twcs:{i}");
            let owners: Vec<usize> = (0..3).filter(|&s| shards[s].owns(&key)).collect();
            assert_eq!(owners.len(), 1, "{key} belongs to exactly one shard");
            per[owners[0]] += 1;
        }
        assert!(per.iter().all(|&n| n > 900), "{per:?}");
    }
}
