//! Reply structure across the corpus: which conversation each linked post belongs to, and
//! whether its parent is in the corpus. Computed after ingest, because a reply may come
//! before its parent in the file. Written as `tables/threads.parquet`.
//!
//! A conversation is named by its root: the earliest ancestor found in the corpus by
//! following `in_reply_to`. When that root itself replies to a post outside the corpus
//! (threads cut at the file edge), `parent_in_corpus` is false for it: we know the thread
//! started earlier, not where.

use crate::error::{Error, Result};
use crate::model::Document;
use polars::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// The thread fields of one post, kept during ingest.
#[derive(Debug, Clone)]
struct Post {
    id: String,
    in_reply_to: Option<String>,
    conversation_id: Option<String>,
    replies: u32,
}

/// Collects linked posts during ingest and resolves conversations at the end.
#[derive(Debug, Default)]
pub struct Threads {
    posts: Vec<Post>,
}

/// One row of the threads table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Post id.
    pub id: String,
    /// Conversation: the source's own, else the root post's id.
    pub conversation_id: String,
    /// Parent post, if any.
    pub in_reply_to: Option<String>,
    /// Whether the parent is in the corpus (`None` when the post replies to nothing).
    pub parent_in_corpus: Option<bool>,
    /// Replies in the corpus to a post outside it are cut threads; 0 for a root.
    pub depth: u32,
    /// Replies the source lists for this post (in the corpus or not).
    pub replies_listed: u32,
}

/// Longest reply chain followed; longer chains (or cycles in bad data) stop here.
const MAX_DEPTH: u32 = 10_000;

impl Threads {
    /// Notes a document of a reply-linked source.
    pub fn observe(&mut self, doc: &Document) {
        {
            self.posts.push(Post {
                id: doc.id.clone(),
                in_reply_to: doc.thread.in_reply_to.clone(),
                conversation_id: doc.thread.conversation_id.clone(),
                replies: doc.thread.replies.len() as u32,
            });
        }
    }

    /// True when no document had thread fields.
    pub fn is_empty(&self) -> bool {
        self.posts.is_empty()
    }

    /// Resolves every post's conversation.
    pub fn resolve(&self) -> Vec<Row> {
        let index: HashMap<&str, usize> = self
            .posts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let parent = |i: usize| {
            self.posts[i]
                .in_reply_to
                .as_deref()
                .and_then(|p| index.get(p).copied())
        };
        let mut root: Vec<Option<(usize, u32)>> = vec![None; self.posts.len()];
        // on_path[i] == start + 1 while post i is on the walk that began at `start`.
        let mut on_path = vec![0usize; self.posts.len()];
        for start in 0..self.posts.len() {
            if root[start].is_some() {
                continue;
            }
            // Walk up until a post whose root is known, a post with no parent in the corpus,
            // a cycle (bad data), or MAX_DEPTH.
            let mut path = vec![start];
            on_path[start] = start + 1;
            let (top, base_depth) = loop {
                let cur = *path.last().expect("path starts non-empty");
                match parent(cur) {
                    Some(p) if on_path[p] != start + 1 && (path.len() as u32) < MAX_DEPTH => {
                        match root[p] {
                            Some((r, d)) => break (r, d + 1),
                            None => {
                                on_path[p] = start + 1;
                                path.push(p);
                            }
                        }
                    }
                    _ => {
                        let top = path.pop().expect("path starts non-empty");
                        root[top] = Some((top, 0));
                        break (top, 1);
                    }
                }
            };
            for (k, &node) in path.iter().rev().enumerate() {
                root[node] = Some((top, base_depth + k as u32));
            }
        }
        self.posts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (r, depth) = root[i].expect("every post resolved");
                Row {
                    id: p.id.clone(),
                    conversation_id: p
                        .conversation_id
                        .clone()
                        .unwrap_or_else(|| self.posts[r].id.clone()),
                    in_reply_to: p.in_reply_to.clone(),
                    parent_in_corpus: p.in_reply_to.as_ref().map(|_| parent(i).is_some()),
                    depth,
                    replies_listed: p.replies,
                }
            })
            .collect()
    }

    /// Writes `threads.parquet`.
    pub fn write(&self, path: &Path) -> Result<u64> {
        let rows = self.resolve();
        let mut df = DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    "id".into(),
                    rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "conversation_id".into(),
                    rows.iter()
                        .map(|r| r.conversation_id.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "in_reply_to".into(),
                    rows.iter()
                        .map(|r| r.in_reply_to.as_deref())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "parent_in_corpus".into(),
                    rows.iter().map(|r| r.parent_in_corpus).collect::<Vec<_>>(),
                ),
                Column::new(
                    "depth".into(),
                    rows.iter().map(|r| r.depth).collect::<Vec<_>>(),
                ),
                Column::new(
                    "replies_listed".into(),
                    rows.iter().map(|r| r.replies_listed).collect::<Vec<_>>(),
                ),
            ],
        )?;
        let file = std::fs::File::create(path).map_err(Error::io(path, "cannot create"))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut df)?;
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thread;

    fn post(id: &str, parent: Option<&str>) -> Document {
        Document {
            id: id.into(),
            thread: Thread {
                in_reply_to: parent.map(Into::into),
                inbound: Some(true),
                ..Thread::default()
            },
            ..Document::default()
        }
    }

    #[test]
    fn replies_before_parents_and_cut_threads() {
        let mut t = Threads::default();
        // Reply listed before its parent; a reply to a post outside the corpus; a cycle.
        for d in [
            post("t:2", Some("t:1")),
            post("t:1", None),
            post("t:3", Some("t:2")),
            post("t:9", Some("t:404")),
            post("t:5", Some("t:6")),
            post("t:6", Some("t:5")),
        ] {
            t.observe(&d);
        }
        let rows = t.resolve();
        let get = |id: &str| rows.iter().find(|r| r.id == id).unwrap().clone();
        assert_eq!(
            (get("t:3").conversation_id.as_str(), get("t:3").depth),
            ("t:1", 2)
        );
        assert_eq!(get("t:2").conversation_id, "t:1");
        assert_eq!(get("t:1").parent_in_corpus, None);
        assert_eq!(
            (
                get("t:9").conversation_id.as_str(),
                get("t:9").parent_in_corpus
            ),
            ("t:9", Some(false))
        );
        assert!(
            get("t:5").conversation_id == get("t:6").conversation_id,
            "a cycle ends up in one conversation"
        );
    }
}
