//! Saved searches that report what is new: `replyscope watch INDEX_DIR`.
//!
//! Takes an index directory and a folder of saved searches (`watch/*.toml`: a name, a
//! tantivy query, optional company, channel and outcome filters) and returns, per search,
//! the documents that match it and were added to the index since the search last ran, and
//! the interactions those documents open. "Added" is per input file: the index manifest
//! records the build (its generation) that first indexed each file with its present
//! content ([`crate::index::FileAdded`]), so a file that changed counts as new again.
//! The state (each search's last generation) is `watch-state.json` in the index directory,
//! which rebuilds carry over; [`save_state`] writes it under the index's writer lock. This
//! module does not print: `app` writes the report and saves the state once it is written.

use crate::error::{Error, Result};
use crate::index::{self, IndexManifest, WATCH_STATE};
use crate::schema::{Documents as D, Interactions as I, Table};
use crate::search;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A saved search file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSearch {
    /// Name in the report and the state (default: the file's stem).
    #[serde(default)]
    pub name: Option<String>,
    /// Full-text query in tantivy syntax.
    pub query: String,
    /// Only documents where this company is party to a story (a company id).
    #[serde(default)]
    pub company: Option<String>,
    /// Only documents naming this channel as used.
    #[serde(default)]
    pub channel: Option<String>,
    /// Only documents with this outcome tag: `responded:no`, `move:redirect`,
    /// `resolution:resolved`, `sentiment:negative`.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A loaded saved search.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Its name.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// What the file says.
    pub spec: SavedSearch,
}

/// Loads every `*.toml` of `dir`, in name order. A file that cannot be read or parsed, an
/// unknown key, an outcome without its set, or two searches of one name are errors naming
/// the file.
pub fn load(dir: &Path) -> Result<Vec<Watch>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(Error::io(dir, "cannot list saved searches"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no saved searches (*.toml with name, query and optional company, channel, \
             outcome)",
            dir.display()
        )));
    }
    let mut out: Vec<Watch> = Vec::new();
    for path in files {
        let text = crate::files::read_regular_text(&path, crate::files::TEXT_FILE_LIMIT)
            .map_err(Error::io(&path, "cannot read"))?;
        let spec: SavedSearch = toml::from_str(&text).map_err(|e| Error::Source {
            path: path.clone(),
            message: format!(
                "not a saved search ({}); expected name, query, company, channel, outcome",
                e.message()
            ),
        })?;
        if let Some(o) = &spec.outcome {
            if !o.contains(':') {
                return Err(Error::Source {
                    path: path.clone(),
                    message: format!(
                        "outcome {o:?} needs its set: responded:no, move:redirect, \
                         resolution:resolved, sentiment:negative"
                    ),
                });
            }
        }
        let name = spec.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        if let Some(first) = out.iter().find(|w| w.name == name) {
            return Err(Error::Source {
                path: path.clone(),
                message: format!(
                    "saved search {name:?} has the name of {}",
                    first.path.display()
                ),
            });
        }
        out.push(Watch { name, path, spec });
    }
    Ok(out)
}

/// What counts as new.
#[derive(Debug, Clone)]
pub enum Since {
    /// Added after each search's last run (everything, for a search never run).
    LastRun,
    /// Added at or after this time.
    Time(chrono::DateTime<chrono::Utc>),
}

/// The state of the saved searches of an index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Per search: the index generation it last reported up to, and when.
    pub searches: BTreeMap<String, Seen>,
}

/// Where a search last stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seen {
    /// The index generation it had seen.
    pub generation: u64,
    /// When that run finished (UTC, RFC 3339).
    pub at: String,
}

/// Reads `watch-state.json` of an index (empty when there is none).
pub fn read_state(dir: &Path) -> Result<State> {
    let path = dir.join(WATCH_STATE);
    if !path.exists() {
        return Ok(State::default());
    }
    let bytes = crate::files::read_regular(&path, crate::files::TEXT_FILE_LIMIT)
        .map_err(Error::io(&path, "cannot read"))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Source {
        path,
        message: format!("not the saved searches' state ({e}); remove it to start over"),
    })
}

/// Records that `names` have seen the index up to `generation`: writes the state beside the
/// index and renames it into place, holding the index's writer lock (waiting for a build),
/// so a build never loses it and a reader never sees half of it.
pub fn save_state(dir: &Path, names: &[String], generation: u64) -> Result<()> {
    let _lock = index::lock(dir, true)?;
    let mut state = read_state(dir)?;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for n in names {
        state.searches.insert(
            n.clone(),
            Seen {
                generation,
                at: at.clone(),
            },
        );
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.replyscope-watch-{}", std::process::id()));
    let json = serde_json::to_vec_pretty(&state).expect("state serialises");
    std::fs::write(&tmp, json).map_err(Error::io(&tmp, "cannot write"))?;
    std::fs::rename(&tmp, dir.join(WATCH_STATE)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&dir.join(WATCH_STATE), "cannot write")(e)
    })
}

/// One new document matching a search.
#[derive(Debug, Clone, Serialize)]
pub struct NewDoc {
    /// Document id.
    pub id: String,
    /// Creation time.
    pub created_at: Option<String>,
    /// The keyword-in-context line, masked unless `--unmask`.
    pub snippet: String,
    /// BM25 score.
    pub score: f32,
}

/// One interaction of a new matching document.
#[derive(Debug, Clone, Serialize)]
pub struct NewInteraction {
    /// Interaction id.
    pub id: String,
    /// Its document.
    pub doc_id: String,
    /// Company.
    pub company: String,
    /// yes, no, unknown.
    pub responded: String,
    /// Exact delay to the first response (seconds).
    pub latency_seconds: Option<f64>,
    /// Channels the customer used.
    pub channels: Vec<String>,
}

/// What one saved search found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Search name.
    pub name: String,
    /// The query as run (with its filters).
    pub query: String,
    /// New matching documents, best first.
    pub documents: Vec<NewDoc>,
    /// Their interactions, by document then id.
    pub interactions: Vec<NewInteraction>,
}

/// Runs every saved search over what is new in the index. Keyword-in-context lines are
/// masked as `search` and the report mask them ([`crate::mask::Masker::for_index`]), unless
/// `unmask`.
pub fn run(
    dir: &Path,
    watches: &[Watch],
    since: &Since,
    unmask: bool,
) -> Result<(IndexManifest, Vec<Report>)> {
    let m = index::read_manifest(dir)?;
    if let Err(why) = index::verify(dir, &m) {
        return Err(Error::Index {
            path: dir.to_path_buf(),
            message: format!("is damaged: {why}; rebuild it with `replyscope index`"),
        });
    }
    let state = read_state(dir)?;
    // Per file: the generation and time it was added.
    let added: HashMap<(&str, &str), (u64, &str)> = m
        .added
        .iter()
        .map(|a| {
            (
                (a.source.as_str(), a.file.as_str()),
                (a.generation, a.at.as_str()),
            )
        })
        .collect();
    let docs = Table::Documents
        .scan(dir)?
        .select([D::Id.col(), D::Source.col(), D::File.col()])
        .collect()?;
    let (ids, sources, files) = (
        docs.column(D::Id.name())?.str()?.clone(),
        docs.column(D::Source.name())?.str()?.clone(),
        docs.column(D::File.name())?.str()?.clone(),
    );
    let file_of: Vec<(u64, &str)> = (0..docs.height())
        .map(|i| {
            let key = (sources.get(i).unwrap_or(""), files.get(i).unwrap_or(""));
            added.get(&key).copied().unwrap_or((0, ""))
        })
        .collect();
    let interactions = read_interactions(dir)?;
    let mask = if unmask {
        None
    } else {
        Some(std::sync::Arc::new(crate::mask::Masker::for_index(
            dir, false,
        )?))
    };
    let mut reports = Vec::new();
    for w in watches {
        let is_new = |i: usize| -> bool {
            let (generation, at) = file_of[i];
            match since {
                Since::LastRun => {
                    generation > state.searches.get(&w.name).map_or(0, |s| s.generation)
                }
                Since::Time(t) => chrono::DateTime::parse_from_rfc3339(at)
                    .map(|a| a >= *t)
                    .unwrap_or(false),
            }
        };
        let new_ids: HashSet<&str> = (0..docs.height())
            .filter(|&i| is_new(i))
            .filter_map(|i| ids.get(i))
            .collect();
        let query = full_query(&w.spec);
        let mut documents = Vec::new();
        if !new_ids.is_empty() {
            let req = search::Request {
                query: query.clone(),
                limit: usize::MAX,
                context: 60,
                mask: mask.clone(),
                ..search::Request::default()
            };
            let (_, hits) = search::search(dir, &req).map_err(|e| match e {
                Error::Query { query, message } => Error::Source {
                    path: w.path.clone(),
                    message: format!("cannot parse query {query:?}: {message}"),
                },
                e => e,
            })?;
            for h in hits.into_iter().filter(|h| new_ids.contains(h.id.as_str())) {
                documents.push(NewDoc {
                    snippet: h.snippet,
                    id: h.id,
                    created_at: h.created_at,
                    score: h.score,
                });
            }
        }
        let matched: HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
        let mut found: Vec<NewInteraction> = interactions
            .iter()
            .filter(|(i, f)| matched.contains(i.doc_id.as_str()) && keeps(&w.spec, i, f))
            .map(|(i, _)| i.clone())
            .collect();
        found.sort_by(|a, b| (&a.doc_id, &a.id).cmp(&(&b.doc_id, &b.id)));
        reports.push(Report {
            name: w.name.clone(),
            query,
            documents,
            interactions: found,
        });
    }
    Ok((m, reports))
}

/// The search's query with its filters as exact-match fields.
fn full_query(s: &SavedSearch) -> String {
    let mut q = format!("({})", s.query);
    let quote = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    if let Some(c) = &s.company {
        q.push_str(&format!(" AND company:\"{}\"", quote(c)));
    }
    if let Some(c) = &s.channel {
        q.push_str(&format!(" AND channel:\"{}\"", quote(c)));
    }
    if let Some(o) = &s.outcome {
        q.push_str(&format!(" AND outcome:\"{}\"", quote(o)));
    }
    q
}

/// An interaction's fields the filters read besides the report's.
#[derive(Debug, Clone, Default)]
struct Facets {
    moves: Vec<String>,
    resolution: String,
    sentiment: String,
}

/// Whether an interaction of a matching document fits the search's own filters (the
/// document matching them is not enough when it holds stories with several companies).
fn keeps(s: &SavedSearch, i: &NewInteraction, f: &Facets) -> bool {
    if s.company.as_ref().is_some_and(|c| *c != i.company) {
        return false;
    }
    if s.channel.as_ref().is_some_and(|c| !i.channels.contains(c)) {
        return false;
    }
    match s.outcome.as_deref().and_then(|o| o.split_once(':')) {
        Some(("responded", v)) => i.responded == v,
        Some(("move", v)) => f.moves.iter().any(|m| m == v),
        Some(("resolution", v)) => f.resolution == v,
        Some(("sentiment", v)) => f.sentiment == v,
        _ => true,
    }
}

fn read_interactions(dir: &Path) -> Result<Vec<(NewInteraction, Facets)>> {
    let df = Table::Interactions
        .scan(dir)?
        .join(
            Table::Documents
                .scan(dir)?
                .select([D::Doc.col(), D::Id.col().alias("doc_id")]),
            [I::Doc.col()],
            [D::Doc.col()],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            I::Id.col(),
            col("doc_id"),
            I::Company.col(),
            I::Responded.col(),
            I::LatencySeconds.col(),
            I::Channels.col(),
            I::Moves.col(),
            I::Resolution.col(),
            I::Sentiment.col(),
        ])
        .collect()?;
    let s = |n: &str| -> Result<StringChunked> { Ok(df.column(n)?.str()?.clone()) };
    let (id, doc, company, responded, resolution, sentiment) = (
        s(I::Id.name())?,
        s("doc_id")?,
        s(I::Company.name())?,
        s(I::Responded.name())?,
        s(I::Resolution.name())?,
        s(I::Sentiment.name())?,
    );
    let latency = df.column(I::LatencySeconds.name())?.f64()?.clone();
    let list = |n: &str, i: usize| -> Vec<String> {
        df.column(n)
            .ok()
            .and_then(|c| c.list().ok().and_then(|l| l.get_as_series(i)))
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|ca| ca.iter().flatten().map(str::to_string).collect())
            })
            .unwrap_or_default()
    };
    let get = |ca: &StringChunked, i: usize| ca.get(i).unwrap_or("").to_string();
    Ok((0..df.height())
        .map(|i| {
            (
                NewInteraction {
                    id: get(&id, i),
                    doc_id: get(&doc, i),
                    company: get(&company, i),
                    responded: get(&responded, i),
                    latency_seconds: latency.get(i),
                    channels: list(I::Channels.name(), i),
                },
                Facets {
                    moves: list(I::Moves.name(), i),
                    resolution: get(&resolution, i),
                    sentiment: get(&sentiment, i),
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_add_exact_fields() {
        let s = SavedSearch {
            name: None,
            query: "refund".into(),
            company: Some("comcast".into()),
            channel: Some("twitter_dm".into()),
            outcome: Some("responded:no".into()),
        };
        assert_eq!(
            full_query(&s),
            "(refund) AND company:\"comcast\" AND channel:\"twitter_dm\" AND outcome:\"responded:no\""
        );
    }
}
