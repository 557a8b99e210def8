//! `replyscope explain`: one indexed document with its tags, the evidence behind each and
//! the interactions it takes part in, read back from the index's tables (not re-tagged, so
//! it shows exactly what the tables that queries read hold).

use crate::error::{Error, Result};
use polars::prelude::*;
use serde_json::{Map, Value as Json};
use std::path::Path;

/// What the index holds about one document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explained {
    /// The document's row of documents.parquet.
    pub document: Map<String, Json>,
    /// Its rows of mentions.parquet (its tags), in span order.
    pub tags: Vec<Map<String, Json>>,
    /// Rows of interactions.parquet it opens or is evidence for.
    pub interactions: Vec<Map<String, Json>>,
}

fn scan(dir: &Path, table: &str) -> Result<LazyFrame> {
    let path = dir.join("tables").join(format!("{table}.parquet"));
    if !path.exists() {
        return Err(Error::Index {
            path: dir.to_path_buf(),
            message: format!("has no tables/{table}.parquet; rebuild it"),
        });
    }
    let args = ScanArgsParquet {
        glob: false,
        ..ScanArgsParquet::default()
    };
    Ok(LazyFrame::scan_parquet(
        PlRefPath::new(path.display().to_string()),
        args,
    )?)
}

fn rows(df: &DataFrame) -> Vec<Map<String, Json>> {
    (0..df.height())
        .map(|i| {
            df.columns()
                .iter()
                .map(|c| {
                    let v = match c.get(i) {
                        Ok(AnyValue::Null) | Err(_) => Json::Null,
                        Ok(AnyValue::String(s)) => Json::from(s),
                        Ok(AnyValue::StringOwned(s)) => Json::from(s.as_str()),
                        Ok(AnyValue::Boolean(b)) => Json::from(b),
                        Ok(AnyValue::UInt32(x)) => Json::from(x),
                        Ok(AnyValue::UInt64(x)) => Json::from(x),
                        Ok(AnyValue::Int64(x)) => Json::from(x),
                        Ok(AnyValue::Float64(x)) => Json::from(x),
                        Ok(other) => Json::from(other.to_string()),
                    };
                    (c.name().to_string(), v)
                })
                .collect()
        })
        .collect()
}

/// Reads one document and everything the index says about it.
pub fn explain(dir: &Path, id: &str) -> Result<Explained> {
    crate::index::read_manifest(dir)?;
    let docs = scan(dir, "documents")?
        .filter(col("id").eq(lit(id)))
        .collect()?;
    let document = rows(&docs).into_iter().next().ok_or_else(|| Error::Index {
        path: dir.to_path_buf(),
        message: format!("has no document {id:?} (ids look like source:record, e.g. seeds:000_fdbd4c938871ac11.txt; `replyscope search` shows them)"),
    })?;
    let tags = rows(
        &scan(dir, "mentions")?
            .filter(col("doc_id").eq(lit(id)))
            .collect()?,
    );
    let needle = format!(
        "\"doc\":{}",
        serde_json::to_string(id).expect("string serialises")
    );
    // Interactions it opens, or whose evidence cites it (a company's reply in a thread).
    let ev = scan(dir, "interactions")?
        .select([col("id"), col("doc_id"), col("evidence")])
        .collect()?;
    let (ids, opens, evidence) = (
        ev.column("id")?.str()?,
        ev.column("doc_id")?.str()?,
        ev.column("evidence")?.str()?,
    );
    let mut pred: Option<Expr> = None;
    for k in 0..ev.height() {
        if opens.get(k) == Some(id) || evidence.get(k).is_some_and(|e| e.contains(&needle)) {
            let e = col("id").eq(lit(ids.get(k).unwrap_or_default().to_string()));
            pred = Some(match pred {
                None => e,
                Some(p) => p.or(e),
            });
        }
    }
    let interactions = match pred {
        Some(p) => rows(&scan(dir, "interactions")?.filter(p).collect()?),
        None => Vec::new(),
    };
    Ok(Explained {
        document,
        tags,
        interactions,
    })
}

/// Masks personal data in what `explain` shows ([`crate::mask`]): the document's text, title
/// and author, and the words of each tag. Offsets stay those of the stored text.
pub fn mask(e: &mut Explained, m: &crate::mask::Masker) {
    if m.mode() == crate::mask::Mode::Unmasked {
        return;
    }
    for k in ["text", "title"] {
        if let Some(Json::String(s)) = e.document.get_mut(k) {
            *s = m.text(s);
        }
    }
    if let Some(Json::String(a)) = e.document.get_mut("author") {
        *a = m.author(a);
    }
    for t in &mut e.tags {
        if let Some(Json::String(s)) = t.get_mut("surface") {
            *s = m.text(s);
        }
    }
    for i in &mut e.interactions {
        if let Some(Json::String(s)) = i.get_mut("problem") {
            *s = m.text(s);
        }
    }
}
