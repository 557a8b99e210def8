//! Reply structure across the corpus: which conversation each linked post belongs to, and
//! whether its parent is in the corpus. Computed after ingest, because a reply may come
//! before its parent in the file. Written as `tables/threads.parquet`.
//!
//! A conversation is named by its root: the earliest ancestor found in the corpus by
//! following `in_reply_to`. When that root itself replies to a post outside the corpus
//! (threads cut at the file edge), `parent_in_corpus` is false for it: we know the thread
//! started earlier, not where.

use super::tables::TableWriter;
use crate::error::Result;
use crate::schema::Threads;
use crate::tag::threads::ThreadStore;
use polars::prelude::*;
use std::path::Path;

/// Longest reply chain followed; longer chains (or cycles in bad data) stop here.
const MAX_DEPTH: u32 = 10_000;
const NONE: u32 = u32::MAX;

/// One row of the threads table ([`Threads`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Document number of the post.
    pub doc: u32,
    /// Conversation: the source's own, else the root post's id.
    pub conversation_id: String,
    /// Document number of the conversation's root post.
    pub root: u32,
    /// Document number of the parent, when it is in the corpus.
    pub parent: Option<u32>,
    /// Whether the parent is in the corpus (`None` when the post replies to nothing).
    pub parent_in_corpus: Option<bool>,
    /// Steps from the conversation's root (0 for the root).
    pub depth: u32,
    /// Replies the source lists for this post (in the corpus or not).
    pub replies_listed: u32,
}

/// Root and depth of every post, by index.
pub fn roots(parents: &[u32]) -> Vec<(u32, u32)> {
    let n = parents.len();
    let mut root: Vec<(u32, u32)> = vec![(NONE, 0); n];
    // on_path[i] == start + 1 while post i is on the walk that began at `start`.
    let mut on_path = vec![0usize; n];
    let mut path = Vec::new();
    for start in 0..n {
        if root[start].0 != NONE {
            continue;
        }
        // Walk up until a post whose root is known, a post with no parent in the corpus,
        // a cycle (bad data), or MAX_DEPTH.
        path.clear();
        path.push(start);
        on_path[start] = start + 1;
        let (top, base_depth) = loop {
            let cur = *path.last().expect("path starts non-empty");
            let p = parents[cur];
            if p != NONE && on_path[p as usize] != start + 1 && (path.len() as u32) < MAX_DEPTH {
                match root[p as usize] {
                    (r, d) if r != NONE => break (r, d + 1),
                    _ => {
                        on_path[p as usize] = start + 1;
                        path.push(p as usize);
                    }
                }
            } else {
                let top = path.pop().expect("path starts non-empty");
                root[top] = (top as u32, 0);
                break (top as u32, 1);
            }
        };
        for (k, &node) in path.iter().rev().enumerate() {
            root[node] = (top, base_depth + k as u32);
        }
    }
    root
}

/// The rows of a store's posts, in post order; `parents` are the store's
/// ([`Links`](crate::tag::threads::Links)), `docs` the posts' document numbers.
pub fn rows<'a>(
    store: &'a ThreadStore,
    parents: &'a [u32],
    docs: &'a [u32],
) -> impl Iterator<Item = Row> + 'a {
    let roots = roots(parents);
    (0..roots.len()).map(move |i| {
        let (root, depth) = roots[i];
        let parent = store.parent_id(i);
        let in_corpus = parents[i] != NONE;
        Row {
            doc: docs[i],
            conversation_id: store
                .given_conversation(i)
                .unwrap_or_else(|| store.id(root as usize))
                .to_string(),
            root: docs[root as usize],
            parent: in_corpus.then(|| docs[parents[i] as usize]),
            parent_in_corpus: parent.map(|_| in_corpus),
            depth,
            replies_listed: store.replies_listed(i) as u32,
        }
    })
}

/// A batch of rows as a data frame with the table's schema.
pub fn frame(rows: &[Row]) -> Result<DataFrame> {
    let columns = Threads::ALL
        .iter()
        .map(|&c| {
            let name = c.name().into();
            match c {
                Threads::Doc => Column::new(name, rows.iter().map(|r| r.doc).collect::<Vec<_>>()),
                Threads::ConversationId => Column::new(
                    name,
                    rows.iter()
                        .map(|r| r.conversation_id.as_str())
                        .collect::<Vec<_>>(),
                ),
                Threads::Root => Column::new(name, rows.iter().map(|r| r.root).collect::<Vec<_>>()),
                Threads::Parent => {
                    Column::new(name, rows.iter().map(|r| r.parent).collect::<Vec<_>>())
                }
                Threads::ParentInCorpus => Column::new(
                    name,
                    rows.iter().map(|r| r.parent_in_corpus).collect::<Vec<_>>(),
                ),
                Threads::Depth => {
                    Column::new(name, rows.iter().map(|r| r.depth).collect::<Vec<_>>())
                }
                Threads::RepliesListed => Column::new(
                    name,
                    rows.iter().map(|r| r.replies_listed).collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Writes `threads.parquet` in row groups; `parents` are the store's
/// ([`Links`](crate::tag::threads::Links)), `docs` the posts' document numbers. Returns the
/// rows written.
pub fn write(store: &ThreadStore, parents: &[u32], docs: &[u32], path: &Path) -> Result<u64> {
    let mut w = TableWriter::create(path, crate::schema::Table::Threads, |_, rows: &[Row]| {
        frame(rows)
    })?;
    for row in rows(store, parents, docs) {
        w.push(row)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_before_parents_cut_threads_and_cycles() {
        // 0 -> 1 (listed before its parent), 2 -> 0, 3 -> outside, 4 <-> 5 (a cycle).
        let parents = [1, NONE, 0, NONE, 5, 4];
        let r = roots(&parents);
        assert_eq!(r[2], (1, 2));
        assert_eq!(r[0], (1, 1));
        assert_eq!(r[1], (1, 0));
        assert_eq!(r[3], (3, 0));
        assert_eq!(r[4].0, r[5].0, "a cycle ends up in one conversation");
    }
}
