//! `replyscope companies`: every company an index's texts name, with how it was found and
//! two lines of evidence, so that a researcher can review the companies the tagger
//! discovered and paste the good ones into the study's gazetteer.
//!
//! Reads `tables/mentions.parquet` (the company tags) and the texts of the documents the
//! evidence lines come from; writes nothing.

use crate::error::{Error, Result};
use crate::tag::Lexicons;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One company of an index.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyRow {
    /// Canonical id.
    pub id: String,
    /// Display name: the gazetteer's, else the words the texts use most.
    pub name: String,
    /// How it was found: gazetteer, handle, domain, author, discovered, given.
    pub found: Vec<String>,
    /// True when no gazetteer entry names it (found only by discovery).
    pub discovered: bool,
    /// Documents where it is party to a story (subject, addressee, responder).
    pub party_docs: u64,
    /// Documents that only mention it.
    pub mention_docs: u64,
    /// Up to two evidence lines: document id, the words and their sentence.
    pub evidence: Vec<EvidenceLine>,
}

/// A line of evidence for a company.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceLine {
    /// Document id.
    pub doc: String,
    /// The rule that found it and the one that decided its role.
    pub rule: String,
    /// The words around it, the name in `**`.
    pub context: String,
}

/// Every company of the index at `dir`, most party documents first (then by id). With
/// `discovered_only`, only those no gazetteer entry names.
pub fn list(dir: &Path, lex: &Lexicons, discovered_only: bool) -> Result<Vec<CompanyRow>> {
    crate::index::read_manifest(dir)?;
    let path = dir.join("tables").join("mentions.parquet");
    let f = std::fs::File::open(&path).map_err(Error::io(&path, "cannot open"))?;
    let tags = ParquetReader::new(f).finish()?;
    let tags = tags
        .lazy()
        .filter(col("set").eq(lit("company")))
        .collect()?;
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(match tags.column(name) {
            Ok(c) => c
                .cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect(),
            Err(_) => vec![None; tags.height()],
        })
    };
    let (doc, label, role, found, surface, rule, role_rule) = (
        text("doc_id")?,
        text("label")?,
        text("role")?,
        text("found")?,
        text("surface")?,
        text("rule")?,
        text("role_rule")?,
    );
    let num = |name: &str| -> Result<Vec<u64>> {
        Ok(tags
            .column(name)?
            .cast(&DataType::UInt64)?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (start, end) = (num("start")?, num("end")?);
    #[derive(Default)]
    struct Acc {
        found: BTreeSet<String>,
        party: BTreeSet<String>,
        named: BTreeSet<String>,
        surfaces: BTreeMap<String, u64>,
        /// (party first, doc, start, end, rule)
        evidence: Vec<(bool, String, usize, usize, String)>,
    }
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for k in 0..tags.height() {
        let (Some(d), Some(l)) = (&doc[k], &label[k]) else {
            continue;
        };
        let a = by.entry(l.clone()).or_default();
        if let Some(f) = &found[k] {
            a.found.insert(f.clone());
        }
        let party = role[k].as_deref().is_some_and(|r| r != "mention");
        a.named.insert(d.clone());
        if party {
            a.party.insert(d.clone());
        }
        if let Some(s) = surface[k].as_deref().filter(|s| !s.is_empty()) {
            *a.surfaces.entry(s.to_string()).or_default() += 1;
        }
        if a.evidence.len() < 8 {
            let r = match (&rule[k], &role_rule[k]) {
                (Some(r), Some(rr)) => format!("{r} + {rr}"),
                (Some(r), None) => r.clone(),
                _ => String::new(),
            };
            a.evidence
                .push((party, d.clone(), start[k] as usize, end[k] as usize, r));
        }
    }
    // The texts of the documents evidence lines quote.
    let wanted: BTreeSet<String> = by
        .values()
        .flat_map(|a| a.evidence.iter().map(|e| e.1.clone()))
        .collect();
    let texts = doc_texts(dir, &wanted)?;
    let mut out = Vec::new();
    for (id, mut a) in by {
        let known = lex.gazetteer.entry(&id).is_some();
        let discovered = !known && a.found.contains("discovered");
        if discovered_only && !discovered {
            continue;
        }
        // Party evidence first, then by document and place; two lines from two documents.
        a.evidence
            .sort_by(|x, y| (!x.0, &x.1, x.2).cmp(&(!y.0, &y.1, y.2)));
        let mut lines: Vec<EvidenceLine> = Vec::new();
        for (_, d, s, e, r) in &a.evidence {
            if lines.len() == 2 || lines.iter().any(|l| &l.doc == d) {
                continue;
            }
            let context = texts.get(d).map(|t| kwic(t, *s, *e)).unwrap_or_default();
            lines.push(EvidenceLine {
                doc: d.clone(),
                rule: r.clone(),
                context,
            });
        }
        let name = lex
            .gazetteer
            .name_of(&id)
            .map(str::to_string)
            .or_else(|| {
                a.surfaces
                    .iter()
                    .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                    .map(|(s, _)| s.clone())
            })
            .unwrap_or_else(|| id.clone());
        let party_docs = a.party.len() as u64;
        out.push(CompanyRow {
            id,
            name,
            found: a.found.into_iter().collect(),
            discovered,
            party_docs,
            mention_docs: (a.named.len() as u64).saturating_sub(party_docs),
            evidence: lines,
        });
    }
    out.sort_by(|a, b| {
        b.party_docs
            .cmp(&a.party_docs)
            .then(b.mention_docs.cmp(&a.mention_docs))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The texts of the documents `ids`, by id.
fn doc_texts(dir: &Path, ids: &BTreeSet<String>) -> Result<BTreeMap<String, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let path = dir.join("tables").join("documents.parquet");
    let args = ScanArgsParquet {
        glob: false,
        ..ScanArgsParquet::default()
    };
    let wanted = DataFrame::new(
        ids.len(),
        vec![Column::new(
            "id".into(),
            ids.iter().map(String::as_str).collect::<Vec<_>>(),
        )],
    )?
    .lazy();
    let df = LazyFrame::scan_parquet(PlRefPath::new(path.display().to_string()), args)?
        .select([col("id"), col("text")])
        .join(
            wanted,
            [col("id")],
            [col("id")],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let (i, t) = (df.column("id")?.str()?, df.column("text")?.str()?);
    Ok((0..df.height())
        .filter_map(|k| Some((i.get(k)?.to_string(), t.get(k)?.to_string())))
        .collect())
}

/// The words around `text[s..e]` on one line, at most ~70 characters each side, the
/// name in `**`. The whole document (a span 0..0) shows its first words.
pub fn kwic(text: &str, s: usize, e: usize) -> String {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (s, e) = (floor(s), floor(e.max(s)));
    let from = floor(s.saturating_sub(70));
    let to = floor((e + 70).min(text.len()));
    let one = |x: &str| x.split_whitespace().collect::<Vec<_>>().join(" ");
    if s == e {
        return one(&text[..floor(140.min(text.len()))]);
    }
    let parts = [
        if from > 0 {
            "…".to_string()
        } else {
            String::new()
        },
        one(&text[from..s]),
        format!("**{}**", one(&text[s..e])),
        one(&text[e..to]),
        if to < text.len() {
            "…".to_string()
        } else {
            String::new()
        },
    ];
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Discovered companies as gazetteer entries, ready to paste into `companies.toml` (each
/// with its evidence as comments, to read before keeping it).
pub fn as_toml(rows: &[CompanyRow]) -> String {
    let mut out = String::from(
        "# Companies replyscope discovered. Keep the good ones in your companies.toml;\n\
         # mark names that are also ordinary words as case_sensitive.\n",
    );
    for r in rows {
        out.push('\n');
        for e in &r.evidence {
            out.push_str(&format!("# {}: {}\n", e.doc, e.context.replace('\n', " ")));
        }
        out.push_str("[[company]]\n");
        out.push_str(&format!("id = {:?}\n", r.id));
        out.push_str(&format!("name = {:?}\n", r.name));
        out.push_str(&format!("aliases = [{:?}]\n", r.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_lines_mark_the_name_and_stay_on_one_line() {
        let t = "I wrote to Lord & Taylor twice.\nThey refunded me.";
        assert_eq!(
            kwic(t, 11, 24),
            "I wrote to **Lord & Taylor** twice. They refunded me."
        );
        assert_eq!(kwic("é", 0, 2), "**é**");
        assert_eq!(kwic("abc", 0, 0), "abc");
    }
}
