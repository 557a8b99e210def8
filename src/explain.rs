//! `replyscope explain`: one indexed document with its tags, the evidence behind each and
//! the interactions it takes part in, read back from the index's tables (not re-tagged, so
//! it shows exactly what the tables that queries read hold).

use crate::error::{Error, Result};
use crate::schema::{Table, D, DOC_ID, I, M};
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
                        Ok(AnyValue::List(l)) => {
                            Json::Array(l.iter().map(|v| scalar(&v)).collect())
                        }
                        Ok(other) => scalar(&other),
                    };
                    (c.name().to_string(), v)
                })
                .collect()
        })
        .collect()
}

fn scalar(v: &AnyValue) -> Json {
    match v {
        AnyValue::Null => Json::Null,
        AnyValue::String(s) => Json::from(*s),
        AnyValue::StringOwned(s) => Json::from(s.as_str()),
        AnyValue::Boolean(b) => Json::from(*b),
        AnyValue::UInt32(x) => Json::from(*x),
        AnyValue::UInt64(x) => Json::from(*x),
        AnyValue::Int64(x) => Json::from(*x),
        AnyValue::Float64(x) => Json::from(*x),
        other => Json::from(other.to_string()),
    }
}

/// Reads one document and everything the index says about it. Document numbers are shown
/// as the ids they stand for: each tag and interaction row gets `doc_id`, and the evidence
/// lists of an interaction become one `evidence` array of {field, doc, start, end, rule}.
pub fn explain(dir: &Path, id: &str) -> Result<Explained> {
    crate::index::read_manifest(dir)?;
    let docs = Table::Documents
        .scan(dir)?
        .filter(D::Id.col().eq(lit(id)))
        .collect()?;
    let mut document = rows(&docs).into_iter().next().ok_or_else(|| Error::Index {
        path: dir.to_path_buf(),
        message: format!("has no document {id:?} (ids look like source:record, e.g. seeds:000_fdbd4c938871ac11.txt; `replyscope search` shows them)"),
    })?;
    let number = docs.column(D::Doc.name())?.u32()?.get(0).unwrap_or(0);
    document.remove(D::Doc.name());
    let mut tags = rows(
        &Table::Mentions
            .scan(dir)?
            .filter(M::Doc.col().eq(lit(number)))
            .collect()?,
    );
    for t in &mut tags {
        t.remove(M::Doc.name());
        t.insert(DOC_ID.into(), Json::from(id));
    }
    // Interactions it opens, or whose evidence cites it (a company's reply in a thread).
    let evidence =
        Table::Interactions
            .scan(dir)?
            .select([I::Id.col(), I::Doc.col(), I::EvidenceDoc.col()]);
    let cited = crate::schema::explode(evidence, I::EvidenceDoc.name())
        .filter(
            I::Doc
                .col()
                .eq(lit(number))
                .or(I::EvidenceDoc.col().eq(lit(number))),
        )
        .select([I::Id.col()])
        .unique_stable(None, UniqueKeepStrategy::First);
    let found = Table::Interactions
        .scan(dir)?
        .join(
            cited,
            [I::Id.col()],
            [I::Id.col()],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let mut interactions = rows(&found);
    // The ids of every document the evidence cites.
    let mut numbers: Vec<u32> = vec![number];
    for i in &interactions {
        for d in i
            .get(I::EvidenceDoc.name())
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            numbers.extend(d.as_u64().map(|d| d as u32));
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    let ids = doc_ids(dir, &numbers)?;
    for i in &mut interactions {
        let list = |i: &mut Map<String, Json>, c: I| match i.remove(c.name()) {
            Some(Json::Array(a)) => a,
            _ => Vec::new(),
        };
        let (field, doc, start, end, rule) = (
            list(i, I::EvidenceField),
            list(i, I::EvidenceDoc),
            list(i, I::EvidenceStart),
            list(i, I::EvidenceEnd),
            list(i, I::EvidenceRule),
        );
        let evidence: Vec<Json> = (0..field.len())
            .map(|k| {
                let doc = doc
                    .get(k)
                    .and_then(Json::as_u64)
                    .and_then(|d| ids.get(&(d as u32)))
                    .map_or(Json::Null, |d| Json::from(d.as_str()));
                serde_json::json!({
                    "field": field[k], "doc": doc,
                    "start": start.get(k), "end": end.get(k), "rule": rule.get(k),
                })
            })
            .collect();
        let opener = i
            .remove(I::Doc.name())
            .and_then(|d| d.as_u64())
            .and_then(|d| ids.get(&(d as u32)).cloned());
        i.insert(DOC_ID.into(), opener.map_or(Json::Null, Json::from));
        i.insert(EVIDENCE.into(), Json::Array(evidence));
    }
    interactions.sort_by(|a, b| {
        a.get(I::Id.name())
            .map(Json::to_string)
            .cmp(&b.get(I::Id.name()).map(Json::to_string))
    });
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
    for k in [D::Text, D::Title] {
        if let Some(Json::String(s)) = e.document.get_mut(k.name()) {
            *s = m.text(s);
        }
    }
    if let Some(Json::String(a)) = e.document.get_mut(D::Author.name()) {
        *a = m.author(a);
    }
    for t in &mut e.tags {
        if let Some(Json::String(s)) = t.get_mut(M::Surface.name()) {
            *s = m.text(s);
        }
    }
    for i in &mut e.interactions {
        if let Some(Json::String(s)) = i.get_mut(I::Problem.name()) {
            *s = m.text(s);
        }
    }
}

/// Key of an explained interaction's evidence array.
pub const EVIDENCE: &str = "evidence";

/// The string ids of document numbers.
pub fn doc_ids(dir: &Path, numbers: &[u32]) -> Result<std::collections::HashMap<u32, String>> {
    if numbers.is_empty() {
        return Ok(Default::default());
    }
    let wanted = DataFrame::new(
        numbers.len(),
        vec![Column::new(D::Doc.name().into(), numbers.to_vec())],
    )?
    .lazy();
    let df = Table::Documents
        .scan(dir)?
        .select([D::Doc.col(), D::Id.col()])
        .join(
            wanted,
            [D::Doc.col()],
            [D::Doc.col()],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let (n, i) = (
        df.column(D::Doc.name())?.u32()?,
        df.column(D::Id.name())?.str()?,
    );
    Ok((0..df.height())
        .filter_map(|k| Some((n.get(k)?, i.get(k)?.to_string())))
        .collect())
}
