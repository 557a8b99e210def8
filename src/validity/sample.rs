//! `replyscope sample`: a reproducible simple or stratified random sample of an index's
//! rows, written as a coding sheet (`sample.jsonl`, `coding.html`, `sample.manifest.json`).
//!
//! The algorithm, so anyone can redraw the same sample by hand:
//!
//! 1. Each row (an interaction, or a document with `--table documents`) gets the key
//!    SHA-256("{seed}:{row id}"), its first 8 bytes read as a big-endian integer. Rows are
//!    ordered by key (then id). A simple random sample is the first n rows.
//! 2. With `--stratify FIELD`, rows are grouped by the field's value (a missing value is the
//!    stratum `(none)`); stratum h has N_h rows. Allocation is proportional with at least one
//!    row per stratum when n is at least the number of strata: quota q_h = n N_h / N,
//!    n_h = min(N_h, max(1, floor(q_h))), then one row at a time to the stratum with the
//!    largest q_h − n_h that has rows left (while the total is below n) or from the stratum
//!    with the smallest q_h − n_h that keeps one (while above); ties by stratum name. With
//!    fewer rows than strata, plain largest remainders (some strata get none, and say so).
//!    Each stratum's sample is its first n_h rows in key order.
//! 3. Each sampled row's weight is N_h / n_h (N / n for a simple sample): how many rows of
//!    the corpus it stands for. The sheet lists rows in key order, so strata are mixed.
//!
//! A SHA-256 key rather than a seeded shuffle: a row's place does not depend on which other
//! rows the index holds, so a grown index keeps the old sample's rows ahead of new ones.

use crate::error::{Error, Result};
use crate::schema::{Table, D, DOC_ID, I};
use polars::prelude::*;
use serde::Serialize;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Which table's rows are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleTable {
    /// Customer-company stories (one row per interaction).
    Interactions,
    /// Documents.
    Documents,
}

impl SampleTable {
    /// Table name.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleTable::Interactions => "interactions",
            SampleTable::Documents => "documents",
        }
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    /// Rows to draw.
    pub n: usize,
    /// Seed of the keys.
    pub seed: u64,
    /// Field whose values are the strata.
    pub stratify: Option<String>,
    /// Table sampled.
    pub table: SampleTable,
    /// Include the tagger's labels (coders are no longer blind to them).
    pub with_tags: bool,
}

/// One stratum of a drawn sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stratum {
    /// The field's value.
    pub name: String,
    /// N_h: rows of the table in it.
    pub population: u64,
    /// n_h: rows drawn.
    pub sampled: u64,
    /// N_h / n_h; none when nothing was drawn.
    pub weight: Option<f64>,
}

/// A drawn sample.
#[derive(Debug, Clone)]
pub struct Sample {
    /// One sheet record per drawn row, in key order.
    pub records: Vec<Json>,
    /// The strata (one, "all", for a simple sample).
    pub strata: Vec<Stratum>,
    /// Rows of the table.
    pub population: u64,
    /// The description every record carries: seed, table, stratify, n.
    pub info: Json,
}

/// The sampling key of a row: the first 8 bytes of SHA-256("{seed}:{id}"), big-endian.
pub fn key(seed: u64, id: &str) -> u64 {
    let h = Sha256::digest(format!("{seed}:{id}").as_bytes());
    u64::from_be_bytes(h[..8].try_into().expect("8 bytes"))
}

/// Rows per stratum for a sample of n: proportional, at least one per stratum when n allows
/// (see the module docs). `sizes` are N_h; the result is n_h in the same order.
pub fn allocate(n: usize, sizes: &[(String, u64)]) -> Vec<u64> {
    let big_n: u64 = sizes.iter().map(|s| s.1).sum();
    let n = (n as u64).min(big_n);
    if big_n == 0 {
        return vec![0; sizes.len()];
    }
    let q: Vec<f64> = sizes
        .iter()
        .map(|s| n as f64 * s.1 as f64 / big_n as f64)
        .collect();
    let floor1 = n >= sizes.iter().filter(|s| s.1 > 0).count() as u64;
    let mut alloc: Vec<u64> = sizes
        .iter()
        .zip(&q)
        .map(|(s, q)| {
            let base = q.floor() as u64;
            let base = if floor1 && s.1 > 0 { base.max(1) } else { base };
            base.min(s.1)
        })
        .collect();
    let order = |a: usize, b: usize, rem: &dyn Fn(usize) -> f64| {
        rem(a)
            .total_cmp(&rem(b))
            .then(sizes[a].1.cmp(&sizes[b].1))
            .then(sizes[b].0.cmp(&sizes[a].0))
    };
    loop {
        let total: u64 = alloc.iter().sum();
        let rem = |i: usize| q[i] - alloc[i] as f64;
        if total < n {
            let best = (0..sizes.len())
                .filter(|&i| alloc[i] < sizes[i].1)
                .max_by(|&a, &b| order(a, b, &rem))
                .expect("rows left somewhere while total < n <= N");
            alloc[best] += 1;
        } else if total > n {
            let keep = if floor1 { 1 } else { 0 };
            let worst = (0..sizes.len())
                .filter(|&i| alloc[i] > keep)
                .min_by(|&a, &b| order(a, b, &rem))
                .expect("a stratum above its floor while total > n");
            alloc[worst] -= 1;
        } else {
            return alloc;
        }
    }
}

fn strings(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    crate::schema::texts(df.column(name)?)
}

/// Shape and channel of each source, from the corpus manifest the index was built from,
/// when it can still be read (the tagger needs them to tag a coded text as the index did).
fn source_shapes(dir: &Path) -> BTreeMap<String, (String, Option<String>)> {
    let Ok(m) = crate::index::read_manifest(dir) else {
        return BTreeMap::new();
    };
    let Ok(text) = std::fs::read_to_string(&m.corpus.path) else {
        return BTreeMap::new();
    };
    let Ok(file) = toml::from_str::<crate::ingest::manifest::ManifestFile>(&text) else {
        return BTreeMap::new();
    };
    file.sources
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                (s.shape().as_str().to_string(), s.channel.clone()),
            )
        })
        .collect()
}

/// Draws a sample of an index's rows.
pub fn draw(dir: &Path, spec: &SampleSpec) -> Result<Sample> {
    let table = match spec.table {
        SampleTable::Interactions => Table::Interactions,
        SampleTable::Documents => Table::Documents,
    };
    let fields = table.query_fields();
    let (id_col, doc_col) = match table {
        Table::Interactions => (I::Id.name(), I::Doc.name()),
        _ => (D::Id.name(), D::Doc.name()),
    };
    let mut cols: Vec<Expr> = vec![col(id_col), col(doc_col)];
    let lf = table.scan(dir)?;
    let schema: Vec<String> = lf
        .clone()
        .collect_schema()?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    if let Some(f) = &spec.stratify {
        let known = fields.contains(&f.as_str())
            || (table == Table::Documents && f.starts_with(crate::schema::GIVEN_PREFIX));
        let stored = f == DOC_ID || schema.contains(f);
        if !known || !stored {
            return Err(Error::Usage(format!(
                "--stratify {f:?}: not a field of the {} table (known: {})",
                table.name(),
                fields.join(", ")
            )));
        }
        if f != DOC_ID && f != id_col {
            cols.push(col(f.as_str()));
        }
    }
    let df = lf.select(cols).collect()?;
    let ids = strings(&df, id_col)?;
    let numbers: Vec<Option<u32>> = df.column(doc_col)?.u32()?.iter().collect();
    // The documents of every row when they stratify (doc_id), else of the drawn rows only.
    let all_docs = spec.stratify.as_deref() == Some(DOC_ID);
    let mut docs = if all_docs {
        documents(dir, &numbers.iter().flatten().copied().collect())?
    } else {
        HashMap::new()
    };
    let doc_id_of = |docs: &HashMap<u32, Json>, i: usize| -> Option<String> {
        numbers[i]
            .and_then(|n| docs.get(&n))
            .and_then(|d| d.get(D::Id.name()))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let strata_col = match spec.stratify.as_deref() {
        Some(DOC_ID) => (0..df.height()).map(|i| doc_id_of(&docs, i)).collect(),
        Some(f) => strings(&df, f)?,
        None => vec![None; df.height()],
    };
    let stratum_of = |i: usize| match (&spec.stratify, &strata_col[i]) {
        (None, _) => "all".to_string(),
        (Some(_), Some(v)) => v.clone(),
        (Some(_), None) => "(none)".to_string(),
    };
    // Rows by stratum, each in key order.
    let mut by_stratum: BTreeMap<String, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        by_stratum
            .entry(stratum_of(i))
            .or_default()
            .push((key(spec.seed, id), i));
    }
    for rows in by_stratum.values_mut() {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(ids[a.1].cmp(&ids[b.1])));
    }
    let sizes: Vec<(String, u64)> = by_stratum
        .iter()
        .map(|(k, v)| (k.clone(), v.len() as u64))
        .collect();
    let alloc = allocate(spec.n, &sizes);
    let population: u64 = sizes.iter().map(|s| s.1).sum();
    let mut strata = Vec::new();
    let mut drawn: Vec<(u64, usize, String, f64, u64)> = Vec::new();
    for ((name, rows), &n_h) in by_stratum.iter().zip(&alloc) {
        let weight = (n_h > 0).then(|| rows.len() as f64 / n_h as f64);
        strata.push(Stratum {
            name: name.clone(),
            population: rows.len() as u64,
            sampled: n_h,
            weight,
        });
        for &(k, i) in rows.iter().take(n_h as usize) {
            drawn.push((k, i, name.clone(), weight.unwrap_or(0.0), rows.len() as u64));
        }
    }
    drawn.sort_by(|a, b| a.0.cmp(&b.0).then(ids[a.1].cmp(&ids[b.1])));
    let info = json!({
        "seed": spec.seed,
        "table": table.name(),
        "stratify": spec.stratify,
        "n": drawn.len(),
        "population": population,
    });
    if !all_docs {
        let wanted: BTreeSet<u32> = drawn.iter().filter_map(|d| numbers[d.1]).collect();
        docs = documents(dir, &wanted)?;
    }
    let doc_ids: Vec<Option<String>> = (0..df.height()).map(|i| doc_id_of(&docs, i)).collect();
    let tags = if spec.with_tags {
        let stubs: Vec<super::coded::Coded> = drawn
            .iter()
            .map(|d| super::coded::Coded {
                id: doc_ids[d.1].clone().unwrap_or_default(),
                interaction: (spec.table == SampleTable::Interactions)
                    .then(|| ids[d.1].clone())
                    .flatten(),
                ..Default::default()
            })
            .collect();
        super::agree::tagger_from_index(dir, &stubs)?
            .into_iter()
            .map(|c| (c.key().to_string(), c))
            .collect::<HashMap<_, _>>()
    } else {
        HashMap::new()
    };
    let shapes = source_shapes(dir);
    let mut records = Vec::new();
    for (_, i, stratum, weight, population) in &drawn {
        let doc_id = doc_ids[*i].clone().unwrap_or_default();
        let d = numbers[*i]
            .and_then(|n| docs.get(&n))
            .cloned()
            .unwrap_or_default();
        let source = d
            .get("source")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let (shape, channel) = shapes
            .get(&source)
            .map_or((Json::Null, Json::Null), |(s, c)| (json!(s), json!(c)));
        let mut r = json!({
            "id": doc_id,
            "interaction": if spec.table == SampleTable::Interactions { json!(ids[*i]) } else { Json::Null },
            "source": source,
            "kind": d.get("kind").cloned().unwrap_or(Json::Null),
            "shape": shape,
            "channel": channel,
            "title": d.get("title").cloned().unwrap_or(Json::Null),
            "author": d.get("author").cloned().unwrap_or(Json::Null),
            "inbound": d.get("inbound").cloned().unwrap_or(Json::Null),
            "created_at": d.get("created_at").cloned().unwrap_or(Json::Null),
            "text": d.get("text").cloned().unwrap_or(Json::Null),
            "given": d.get("given").cloned().unwrap_or(json!({})),
            "stratum": stratum,
            "weight": weight,
            "population": population,
            "sample": info,
        });
        let k = ids[*i].clone().unwrap_or_default();
        let tag_key = if spec.table == SampleTable::Interactions {
            k
        } else {
            doc_id.clone()
        };
        if let Some(t) = tags.get(&tag_key) {
            r["tagger"] = json!({
                "companies": { "subject": t.company },
                "responded": t.responded,
                "resolution": t.resolution,
                "channels": t.channels,
                "switched": t.switched,
                "latency": t.latency.as_ref().map(|(k, s)| json!({ "kind": k, "seconds": s })),
            });
        }
        records.push(r);
    }
    Ok(Sample {
        records,
        strata,
        population,
        info,
    })
}

/// The documents with the given ids: source, kind, title, author, inbound, created_at,
/// text and given labels, as JSON.
fn documents(dir: &Path, wanted: &BTreeSet<u32>) -> Result<HashMap<u32, Json>> {
    let lf = Table::Documents.scan(dir)?;
    let names: Vec<String> = lf
        .clone()
        .collect_schema()?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let given: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with(crate::schema::GIVEN_PREFIX))
        .cloned()
        .collect();
    let mut cols: Vec<Expr> = [
        D::Doc,
        D::Id,
        D::Source,
        D::Kind,
        D::Title,
        D::Author,
        D::Text,
        D::Inbound,
    ]
    .iter()
    .map(|c| c.col())
    .collect();
    cols.push(
        D::CreatedAt
            .col()
            .dt()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .alias(D::CreatedAt.name()),
    );
    cols.extend(given.iter().map(|g| col(g.as_str())));
    let numbers = DataFrame::new(
        wanted.len(),
        vec![Column::new(
            D::Doc.name().into(),
            wanted.iter().copied().collect::<Vec<_>>(),
        )],
    )?
    .lazy();
    let df = lf
        .select(cols)
        .join(
            numbers,
            [D::Doc.col()],
            [D::Doc.col()],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let nums: Vec<Option<u32>> = df.column(D::Doc.name())?.u32()?.iter().collect();
    let mut text_cols: HashMap<&str, Vec<Option<String>>> = HashMap::new();
    for c in [
        D::Id,
        D::Source,
        D::Kind,
        D::Title,
        D::Author,
        D::Text,
        D::CreatedAt,
    ] {
        text_cols.insert(c.name(), strings(&df, c.name())?);
    }
    for g in &given {
        text_cols.insert(g.as_str(), strings(&df, g)?);
    }
    let inbound: Vec<Option<bool>> = df.column(D::Inbound.name())?.bool()?.iter().collect();
    let mut out: HashMap<u32, Json> = HashMap::new();
    for (i, n) in nums.iter().enumerate() {
        let Some(n) = n else { continue };
        let get = |c: &str| text_cols.get(c).and_then(|v| v[i].clone());
        let given: serde_json::Map<String, Json> = given
            .iter()
            .filter_map(|g| {
                get(g).map(|v| {
                    (
                        g[crate::schema::GIVEN_PREFIX.len()..].to_string(),
                        Json::from(v),
                    )
                })
            })
            .collect();
        out.insert(
            *n,
            json!({
                "id": get(D::Id.name()),
                "source": get(D::Source.name()),
                "kind": get(D::Kind.name()),
                "title": get(D::Title.name()),
                "author": get(D::Author.name()),
                "text": get(D::Text.name()),
                "created_at": get(D::CreatedAt.name()),
                "inbound": inbound[i],
                "given": given,
            }),
        );
    }
    Ok(out)
}

/// Writes the coding sheet into `out` (created, or an empty or replyscope output folder):
/// `sample.jsonl`, `coding.html` and `sample.manifest.json`. Returns the paths written.
pub fn write(out: &Path, s: &Sample, index: &Path) -> Result<Vec<std::path::PathBuf>> {
    crate::report::prepare_out(out)?;
    let mut jsonl = String::new();
    for r in &s.records {
        jsonl.push_str(&serde_json::to_string(r).expect("record serialises"));
        jsonl.push('\n');
    }
    let sheet = out.join("sample.jsonl");
    std::fs::write(&sheet, &jsonl).map_err(Error::io(&sheet, "cannot write"))?;
    let page = out.join("coding.html");
    let html = super::page::render(&s.records, &s.info);
    std::fs::write(&page, &html).map_err(Error::io(&page, "cannot write"))?;
    let fingerprint = crate::index::read_manifest(index)
        .map(|m| m.fingerprint)
        .unwrap_or_default();
    let manifest = json!({
        "tool": "replyscope",
        "version": env!("CARGO_PKG_VERSION"),
        "index": index.display().to_string(),
        "index_fingerprint": fingerprint,
        "sample": s.info,
        "strata": s.strata,
        "algorithm": "key = first 8 bytes of SHA-256(\"{seed}:{row id}\"), big-endian; rows in key order; proportional allocation, at least one per stratum when n allows; weight = N_h / n_h",
        "sample_jsonl_sha256": crate::ingest::hex(&Sha256::digest(jsonl.as_bytes())),
        "coding_html_sha256": crate::ingest::hex(&Sha256::digest(html.as_bytes())),
        // Coders read and code the original texts (the README's privacy section).
        "masking": crate::mask::Mode::Unmasked,
    });
    let mpath = out.join("sample.manifest.json");
    let mut text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    text.push('\n');
    std::fs::write(&mpath, text).map_err(Error::io(&mpath, "cannot write"))?;
    Ok(vec![sheet, page, mpath])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    }

    #[test]
    fn allocation_is_proportional_with_one_per_stratum() {
        assert_eq!(
            allocate(10, &sizes(&[("a", 50), ("b", 30), ("c", 20)])),
            [5, 3, 2]
        );
        // Tiny strata still get one; the big one gives way.
        assert_eq!(
            allocate(5, &sizes(&[("a", 1000), ("b", 5), ("c", 5)])),
            [3, 1, 1]
        );
        // Largest remainders: quotas 3.33, 3.33, 3.33 -> 4, 3, 3 (ties by size, then name).
        assert_eq!(
            allocate(10, &sizes(&[("a", 10), ("b", 10), ("c", 10)])),
            [4, 3, 3]
        );
        // A small stratum keeps its one row; remainders decide the rest.
        assert_eq!(allocate(10, &sizes(&[("a", 2), ("b", 100)])), [1, 9]);
        assert_eq!(allocate(4, &sizes(&[("a", 2), ("b", 3)])), [2, 2]);
        // Fewer rows than strata: some get none.
        assert_eq!(allocate(1, &sizes(&[("a", 10), ("b", 30)])), [0, 1]);
        // More than there is: everything.
        assert_eq!(allocate(99, &sizes(&[("a", 3), ("b", 4)])), [3, 4]);
        assert_eq!(allocate(3, &sizes(&[])), Vec::<u64>::new());
    }

    #[test]
    fn keys_are_stable() {
        // SHA-256("1:a") starts with these bytes; a change here changes every sample.
        let h = Sha256::digest(b"1:a");
        assert_eq!(key(1, "a"), u64::from_be_bytes(h[..8].try_into().unwrap()));
        assert_ne!(key(1, "a"), key(2, "a"));
    }
}
