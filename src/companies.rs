//! `replyscope companies`: every company an index's texts name, with how it was found and
//! two lines of evidence, so that a researcher can review the companies the tagger
//! discovered and paste the good ones into the study's gazetteer.
//!
//! Reads `tables/mentions.parquet` (the company tags) and the texts of the documents the
//! evidence lines come from; writes nothing.

use crate::error::Result;
use crate::schema::{value, Table, D, M};
use crate::tag::Lexicons;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    let tags = Table::Mentions
        .scan(dir)?
        .filter(M::Set.col().eq(lit(value::COMPANY)))
        .select([
            M::Doc.col(),
            M::Label.col(),
            M::Role.col(),
            M::Found.col(),
            M::Surface.col(),
            M::Rule.col(),
            M::RoleRule.col(),
            M::Start.col(),
            M::End.col(),
        ])
        .collect()?;
    let text = |c: M| -> Result<Vec<Option<String>>> {
        Ok(tags
            .column(c.name())?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let doc: Vec<Option<u32>> = tags.column(M::Doc.name())?.u32()?.iter().collect();
    let (label, role, found, surface, rule, role_rule) = (
        text(M::Label)?,
        text(M::Role)?,
        text(M::Found)?,
        text(M::Surface)?,
        text(M::Rule)?,
        text(M::RoleRule)?,
    );
    let num = |c: M| -> Result<Vec<u64>> {
        Ok(tags
            .column(c.name())?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (start, end) = (num(M::Start)?, num(M::End)?);
    #[derive(Default)]
    struct Acc {
        found: BTreeSet<String>,
        party: BTreeSet<u32>,
        named: BTreeSet<u32>,
        surfaces: BTreeMap<String, u64>,
        /// (party first, doc, start, end, rule)
        evidence: Vec<(bool, u32, usize, usize, String)>,
    }
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for k in 0..tags.height() {
        let (Some(d), Some(l)) = (doc[k], &label[k]) else {
            continue;
        };
        let a = by.entry(l.clone()).or_default();
        if let Some(f) = &found[k] {
            a.found.insert(f.clone());
        }
        let party = role[k].as_deref().is_some_and(|r| r != "mention");
        a.named.insert(d);
        if party {
            a.party.insert(d);
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
                .push((party, d, start[k] as usize, end[k] as usize, r));
        }
    }
    // The texts of the documents evidence lines quote.
    let wanted: BTreeSet<u32> = by
        .values()
        .flat_map(|a| a.evidence.iter().map(|e| e.1))
        .collect();
    let texts = doc_texts(dir, &wanted)?;
    let id_of = |d: u32| texts.get(&d).map_or("", |t| t.0.as_str());
    let mut out = Vec::new();
    for (id, mut a) in by {
        let known = lex.gazetteer.entry(&id).is_some();
        let discovered = !known && a.found.contains("discovered");
        if discovered_only && !discovered {
            continue;
        }
        // Party evidence first, then by document and place; two lines from two documents.
        a.evidence
            .sort_by(|x, y| (!x.0, id_of(x.1), x.2).cmp(&(!y.0, id_of(y.1), y.2)));
        let mut lines: Vec<EvidenceLine> = Vec::new();
        for (_, n, s, e, r) in &a.evidence {
            let d = id_of(*n);
            if lines.len() == 2 || lines.iter().any(|l| l.doc == d) {
                continue;
            }
            let context = texts.get(n).map(|t| kwic(&t.1, *s, *e)).unwrap_or_default();
            lines.push(EvidenceLine {
                doc: d.to_string(),
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

/// The ids and texts of the documents numbered `numbers`.
fn doc_texts(dir: &Path, numbers: &BTreeSet<u32>) -> Result<HashMap<u32, (String, String)>> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted = DataFrame::new(
        numbers.len(),
        vec![Column::new(
            D::Doc.name().into(),
            numbers.iter().copied().collect::<Vec<_>>(),
        )],
    )?
    .lazy();
    let df = Table::Documents
        .scan(dir)?
        .select([D::Doc.col(), D::Id.col(), D::Text.col()])
        .join(
            wanted,
            [D::Doc.col()],
            [D::Doc.col()],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let (n, i, t) = (
        df.column(D::Doc.name())?.u32()?,
        df.column(D::Id.name())?.str()?,
        df.column(D::Text.name())?.str()?,
    );
    Ok((0..df.height())
        .filter_map(|k| Some((n.get(k)?, (i.get(k)?.to_string(), t.get(k)?.to_string()))))
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
