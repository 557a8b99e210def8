//! Benchmark helpers behind hidden subcommands: a deterministic corpus generator and the
//! bare-tantivy baseline that `replyscope index` is measured against (BENCHMARKS.md).

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// Writes `scale` copies of a tweets CSV (the twcs columns) with fresh ids and shifted
/// timestamps, keeping every reply link consistent: copy k maps tweet id `i` to
/// `k * (max_id + 1) + i` (links to tweets outside the file stay outside), numeric customer
/// ids likewise, and moves every timestamp k hours later. Returns the rows written.
pub fn corpus(from: &Path, scale: u64, out: &Path) -> Result<u64> {
    let read_err = |e: csv::Error| Error::Source {
        path: from.to_path_buf(),
        message: e.to_string(),
    };
    let mut rd = csv::Reader::from_path(from).map_err(read_err)?;
    let header = rd.headers().map_err(read_err)?.clone();
    let names = [
        "tweet_id",
        "author_id",
        "inbound",
        "created_at",
        "text",
        "response_tweet_id",
        "in_response_to_tweet_id",
    ];
    let cols: Vec<usize> = names
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == *n)
                .ok_or_else(|| Error::Source {
                    path: from.to_path_buf(),
                    message: format!("no column {n:?}; expected the twcs columns"),
                })
        })
        .collect::<Result<_>>()?;
    let rows: Vec<csv::StringRecord> = rd
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(read_err)?;
    let num = |s: &str| s.trim().trim_end_matches(".0").parse::<u64>().ok();
    let max_id = rows
        .iter()
        .filter_map(|r| num(&r[cols[0]]))
        .max()
        .unwrap_or(0);
    let max_author = rows
        .iter()
        .filter_map(|r| num(&r[cols[1]]))
        .max()
        .unwrap_or(0);
    // Links may point outside the file: they need the same mapping, so the stride must
    // exceed every id that appears anywhere.
    let max_link = rows
        .iter()
        .flat_map(|r| {
            r[cols[5]]
                .split(',')
                .chain(std::iter::once(&r[cols[6]]))
                .filter_map(num)
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0);
    let stride = max_id.max(max_link) + 1;
    let mut w = csv::Writer::from_path(out).map_err(|e| Error::Source {
        path: out.to_path_buf(),
        message: e.to_string(),
    })?;
    let write_err = |e: csv::Error| Error::Source {
        path: out.to_path_buf(),
        message: e.to_string(),
    };
    w.write_record(names).map_err(write_err)?;
    let mut times: HashMap<String, chrono::DateTime<chrono::FixedOffset>> = HashMap::new();
    let mut n = 0;
    for k in 0..scale {
        let map = |s: &str| {
            num(s)
                .map(|i| (k * stride + i).to_string())
                .unwrap_or_default()
        };
        for r in &rows {
            let author = match num(&r[cols[1]]) {
                Some(a) => (k * (max_author + 1) + a).to_string(),
                None => r[cols[1]].to_string(),
            };
            let raw_time = &r[cols[3]];
            let t = match times.get(raw_time) {
                Some(t) => *t,
                None => {
                    let t = chrono::DateTime::parse_from_str(raw_time, "%a %b %d %H:%M:%S %z %Y")
                        .map_err(|e| Error::Source {
                        path: from.to_path_buf(),
                        message: format!("created_at {raw_time:?}: {e}"),
                    })?;
                    times.insert(raw_time.to_string(), t);
                    t
                }
            };
            let shifted = (t + chrono::Duration::hours(k as i64))
                .format("%a %b %d %H:%M:%S %z %Y")
                .to_string();
            let replies: Vec<String> = r[cols[5]]
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(map)
                .collect();
            w.write_record([
                map(&r[cols[0]]),
                author,
                r[cols[2]].to_string(),
                shifted,
                r[cols[4]].to_string(),
                replies.join(","),
                map(&r[cols[6]]),
            ])
            .map_err(write_err)?;
            n += 1;
        }
    }
    w.flush().map_err(Error::io(out, "cannot write"))?;
    Ok(n)
}

/// The baseline: the same tweets in a bare tantivy index with replyscope's text field options
/// (TEXT | STORED, positions) and id field, the same writer threads and heap, one commit. No
/// tagging, no Parquet, no thread resolution. Returns the documents indexed.
pub fn baseline(data: &Path, out: &Path, threads: usize) -> Result<u64> {
    use tantivy::schema::{Schema, STORED, STRING, TEXT};
    std::fs::create_dir_all(out).map_err(Error::io(out, "cannot create directory"))?;
    let mut sb = Schema::builder();
    let id = sb.add_text_field("id", STRING | STORED);
    let text = sb.add_text_field("text", TEXT | STORED);
    let index = tantivy::Index::create_in_dir(out, sb.build())?;
    let threads = threads.clamp(1, 8);
    let mut writer: tantivy::IndexWriter =
        index.writer_with_num_threads(threads, threads * 64_000_000)?;
    let read_err = |e: csv::Error| Error::Source {
        path: data.to_path_buf(),
        message: e.to_string(),
    };
    let mut rd = csv::Reader::from_path(data).map_err(read_err)?;
    let header = rd.headers().map_err(read_err)?.clone();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .ok_or_else(|| Error::Source {
                path: data.to_path_buf(),
                message: format!("no column {n:?}"),
            })
    };
    let (c_id, c_text) = (col("tweet_id")?, col("text")?);
    let mut n = 0;
    let mut rec = csv::StringRecord::new();
    while rd.read_record(&mut rec).map_err(read_err)? {
        let mut d = tantivy::TantivyDocument::default();
        d.add_text(id, &rec[c_id]);
        d.add_text(text, &rec[c_text]);
        writer.add_document(d)?;
        n += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(n)
}

/// Search latencies: opens the index once, runs every query of `queries` (one per line, `#`
/// for comments) once to warm up, then `passes` times, timing each search (query parsing,
/// collection and the context line of every hit). Returns (query, seconds) per timed search.
pub fn searches(
    index: &Path,
    queries: &Path,
    passes: usize,
    limit: usize,
) -> Result<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(queries).map_err(Error::io(queries, "cannot read"))?;
    let list: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let s = crate::search::Searcher::open(index)?;
    let req = |q: &str| crate::search::Request {
        query: q.to_string(),
        limit,
        context: 60,
        ..Default::default()
    };
    for q in &list {
        s.search(&req(q))?;
    }
    let mut out = Vec::with_capacity(list.len() * passes);
    for _ in 0..passes {
        for q in &list {
            let t = std::time::Instant::now();
            let r = s.search(&req(q))?;
            out.push((q.to_string(), t.elapsed().as_secs_f64()));
            std::hint::black_box(r);
        }
    }
    Ok(out)
}
