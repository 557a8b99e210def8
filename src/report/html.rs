//! `report.html`: every table of a run in one self-contained page a reader can click
//! through, from a number down to the stories behind it and their evidence. Takes finished
//! tables (with their cells, [`crate::query::cells`]), the index they ran on and a
//! [`Masker`]; returns the page. Its CSS and script are inline, the data is embedded as JSON,
//! and a Content-Security-Policy lets nothing load or connect, so it opens from a file with
//! no server and makes no network request.
//!
//! A cell embeds at most K stories: those with the smallest sample keys, the first 8 bytes of
//! SHA-256(`"{seed}:{document id}:{story id}"`). The key depends only on the story, so the
//! same index, seed and K embed the same stories, and cells that count the same stories (a
//! company's "stories", "answered" and "response_rate") mostly embed the same ones: each is
//! stored once. The page says how many more each cell has, and `NAME.cells.parquet` lists
//! them all.

use super::{human, human_seconds, Provenance};
use crate::error::Result;
use crate::mask::Masker;
use crate::query::cells::{Cells, Item};
use crate::query::{Kind, Table, Value};
use crate::schema::{Table as Stored, D, I, M};
use polars::prelude::*;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const TEMPLATE: &str = include_str!("report.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// How the report samples stories.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stories embedded per cell at most.
    pub per_cell: usize,
    /// Seed of the sample.
    pub seed: u64,
}

/// Query files that failed, shown on the page.
#[derive(Debug, Clone)]
pub struct FailedQuery {
    /// The query file.
    pub path: String,
    /// Why.
    pub message: String,
}

/// What the page holds, for the run's manifest and messages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    /// Tables shown.
    pub tables: usize,
    /// Cells with stories.
    pub cells: usize,
    /// Distinct stories embedded.
    pub stories_embedded: usize,
    /// Stories behind the cells that are not embedded (the sum over cells).
    pub stories_not_embedded: u64,
}

/// Renders the page: tables in the order given, the index's corpus summary, the run manifest.
pub fn render(
    index: &Path,
    tables: &[Table],
    failed: &[FailedQuery],
    p: &Provenance,
    masker: &Masker,
    opts: &Options,
    manifest: &Json,
) -> Result<(String, Stats)> {
    // 1. The sample of each cell, the tables' in parallel.
    let sampled: Vec<(Vec<Pick>, u64)> = {
        use rayon::prelude::*;
        let tables: Vec<(usize, &Table)> = tables.iter().enumerate().collect();
        tables
            .into_par_iter()
            .map(|(ti, t)| {
                t.cells
                    .as_ref()
                    .map_or_else(Default::default, |c| sample(ti, c, opts))
            })
            .collect()
    };
    let mut wanted: BTreeSet<Item> = BTreeSet::new();
    let mut picks: Vec<Pick> = Vec::new();
    let mut not_embedded = 0u64;
    for (p, more) in sampled {
        for (_, _, _, _, chosen) in &p {
            wanted.extend(chosen.iter().map(|(i, _)| i.clone()));
        }
        picks.extend(p);
        not_embedded += more;
    }
    // 2. The stories, read from the index and masked.
    let stories = load_stories(index, &wanted, masker, &p.index)?;
    let order: HashMap<&Item, usize> = wanted.iter().enumerate().map(|(i, it)| (it, i)).collect();
    let mut cells = serde_json::Map::new();
    for (ti, row, column, total, chosen) in &picks {
        let s: Vec<Json> = chosen
            .iter()
            .map(|(item, counted)| json!([order[item], u8::from(*counted)]))
            .collect();
        cells.insert(
            format!("{ti}:{row}:{column}"),
            json!({ "n": total, "s": s }),
        );
    }
    let story_list: Vec<Json> = wanted
        .iter()
        .map(|it| stories.get(it).cloned().unwrap_or_else(|| missing(it)))
        .collect();
    let stats = Stats {
        tables: tables.len(),
        cells: picks.len(),
        stories_embedded: story_list.len(),
        stories_not_embedded: not_embedded,
    };
    let data = json!({
        "stories": story_list,
        "cells": cells,
        "index": p.index,
        "per_cell": opts.per_cell,
        "masking": masker.mode().as_str(),
    });
    // '<' only occurs inside JSON strings, where \u003c means the same: no "</script>" can
    // end the data block early.
    let data = serde_json::to_string(&data)
        .expect("data serialises")
        .replace('<', "\\u003c");

    // 3. The page.
    let mut body = String::new();
    body.push_str(&summary(index, tables, failed, masker, opts)?);
    body.push_str("<nav aria-label=\"Tables\"><h2>Tables</h2><ol>");
    for (ti, t) in tables.iter().enumerate() {
        body.push_str(&format!(
            "<li><a href=\"#t{ti}\">{}</a></li>",
            esc(&t.title)
        ));
    }
    body.push_str("</ol></nav>\n");
    for (ti, t) in tables.iter().enumerate() {
        body.push_str(&table_html(ti, t, masker, p));
    }
    let mut manifest_text = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    manifest_text = esc(&manifest_text);
    body.push_str(&format!(
        "<section id=\"manifest\" aria-labelledby=\"manifest-h\"><h2 id=\"manifest-h\">Run manifest</h2><details><summary>What ran, on which index, with which settings</summary><pre>{manifest_text}</pre></details></section>\n"
    ));
    let html = TEMPLATE
        .replace("{{CSP}}", &csp())
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replace("{{TITLE}}", "replyscope report")
        .replacen("{{BODY}}", &body, 1)
        .replacen("{{DATA}}", &data, 1);
    Ok((html, stats))
}

/// The Content-Security-Policy of the page: nothing from anywhere, except its own script
/// and style.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'none'; img-src 'none'; font-src 'none'; media-src 'none'; frame-src 'none'; object-src 'none'; worker-src 'none'; form-action 'none'; base-uri 'none'",
        crate::validity::page::csp_hash(SCRIPT),
        crate::validity::page::csp_hash(STYLE)
    )
}

/// One cell's sample: (table, row, column, stories behind the cell, the sample with its
/// numerator marks).
type Pick = (usize, usize, usize, usize, Vec<(Item, bool)>);

/// The sample of each cell of table `ti`, and how many stories its cells hold beyond it.
/// Each row's sample key is computed once for the table (a row is counted by several cells);
/// a cell's rows sort by key, then ids, then their place in the cell (the first of equal
/// rows is kept, as a stable sort would).
fn sample(ti: usize, cells: &Cells, opts: &Options) -> (Vec<Pick>, u64) {
    let ids = cells.keys();
    let keys: Vec<u64> = ids.iter().map(|&id| sample_key(opts.seed, id)).collect();
    let (mut picks, mut not_embedded) = (Vec::new(), 0u64);
    let mut keyed: Vec<(u32, u32, bool)> = Vec::new();
    for c in &cells.cells {
        keyed.clear();
        keyed.extend(
            (c.items.iter().enumerate()).map(|(at, &(i, counted))| (i, at as u32, counted)),
        );
        keyed.sort_unstable_by(|a, b| {
            let (x, y) = (a.0 as usize, b.0 as usize);
            (keys[x].cmp(&keys[y]))
                .then_with(|| ids[x].cmp(&ids[y]))
                .then(a.1.cmp(&b.1))
        });
        keyed.dedup_by(|a, b| ids[a.0 as usize] == ids[b.0 as usize]);
        let total = keyed.len();
        let chosen: Vec<(Item, bool)> = (keyed.iter().take(opts.per_cell))
            .map(|&(i, _, counted)| (cells.item(i), counted))
            .collect();
        not_embedded += (total - chosen.len()) as u64;
        picks.push((ti, c.row, c.column, total, chosen));
    }
    (picks, not_embedded)
}

/// The sample key of a story: the first 8 bytes of SHA-256("{seed}:{doc}:{story}").
fn sample_key(seed: u64, (doc, story): (&str, Option<&str>)) -> u64 {
    let h = Sha256::digest(format!("{seed}:{doc}:{}", story.unwrap_or("")).as_bytes());
    u64::from_be_bytes(h[..8].try_into().expect("8 bytes"))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The corpus summary: records read, documents, rejects, per source.
fn summary(
    index: &Path,
    tables: &[Table],
    failed: &[FailedQuery],
    masker: &Masker,
    opts: &Options,
) -> Result<String> {
    let m = crate::index::read_manifest(index)?;
    let mut by_source: BTreeMap<&str, (u64, u64, u64, usize)> = BTreeMap::new();
    for f in &m.inputs {
        let e = by_source.entry(f.source.as_str()).or_default();
        e.0 += f.counts.records;
        e.1 += f.counts.documents;
        e.2 += f.counts.rejects;
        e.3 += 1;
    }
    let mut s = String::from(
        "<section id=\"summary\" aria-labelledby=\"summary-h\"><h2 id=\"summary-h\">Corpus</h2>\n",
    );
    s.push_str(&format!(
        "<p>Index <code>{}</code> (fingerprint <code>{}</code>), built {} from <code>{}</code>.</p>\n",
        esc(&index.display().to_string()),
        esc(&m.fingerprint[..m.fingerprint.len().min(12)]),
        esc(&m.built_at),
        esc(&m.corpus.path)
    ));
    s.push_str("<table class=\"plain\"><caption>Records read, documents and rejects per source (records read = documents + rejects)</caption><thead><tr><th scope=\"col\">source</th><th scope=\"col\">files</th><th scope=\"col\">records read</th><th scope=\"col\">documents</th><th scope=\"col\">rejects</th></tr></thead><tbody>\n");
    for (src, (r, d, x, files)) in &by_source {
        s.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{files}</td><td>{r}</td><td>{d}</td><td>{x}</td></tr>\n",
            esc(src)
        ));
    }
    s.push_str(&format!(
        "</tbody><tfoot><tr><th scope=\"row\">all</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></tfoot></table>\n",
        m.inputs.len(),
        m.counts.records,
        m.counts.documents,
        m.counts.rejects
    ));
    s.push_str(&format!(
        "<p>{} stories (interactions) and {} tags in the index. {} tables below; click a count, a rate or a share to see the stories behind it (at most {} per cell, a reproducible sample with seed {}; <code>NAME.cells.parquet</code> lists them all).</p>\n",
        m.tables.interactions,
        m.tables.tags,
        tables.len(),
        opts.per_cell,
        opts.seed
    ));
    s.push_str(&match masker.mode() {
        crate::mask::Mode::Masked => "<p class=\"privacy\">Personal data is masked: private customers' @handles and ids are pseudonyms that hold only within this report (<code>@user_…</code>), e-mail addresses, phone, card and account numbers and street addresses are replaced by <code>[email]</code>, <code>[phone]</code>, <code>[card]</code>, <code>[account]</code>, <code>[address]</code>. Company accounts are shown as written.</p>\n".to_string(),
        crate::mask::Mode::Unmasked => "<p class=\"privacy unmasked\">Unmasked (<code>--unmask</code>): texts are shown as written, with customers' handles, e-mail addresses and numbers. Do not share this file beyond the people the study's ethics approval covers.</p>\n".to_string(),
    });
    if !failed.is_empty() {
        s.push_str("<div class=\"failed\" role=\"alert\"><h3>Query files that failed</h3><ul>");
        for f in failed {
            s.push_str(&format!(
                "<li><code>{}</code>: {}</li>",
                esc(&f.path),
                esc(&f.message)
            ));
        }
        s.push_str("</ul></div>\n");
    }
    s.push_str("</section>\n");
    Ok(s)
}

/// The raw value of a cell as its CSV's first column for it says it (for sorting and for
/// the test that compares the page with the CSV).
fn raw(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(t) => t.clone(),
        Value::Count(c) => c.to_string(),
        Value::Num(x) => super::num(*x),
        Value::Rate(r) => super::num(r.p),
        Value::Share(k, n) if *n > 0 => super::num(*k as f64 / *n as f64),
        Value::Share(..) => String::new(),
        Value::Ppi(x) => super::num(x.estimate),
    }
}

/// One table as semantic HTML: caption, column headers with sort buttons, a row header per
/// row, a button in every cell with stories.
fn table_html(ti: usize, t: &Table, masker: &Masker, p: &Provenance) -> String {
    let with_cells: BTreeSet<(usize, usize)> = t
        .cells
        .iter()
        .flat_map(|c| &c.cells)
        .map(|c| (c.row, c.column))
        .collect();
    let keys = t.columns.iter().take_while(|c| c.kind == Kind::Key).count();
    let mut s = format!(
        "<section class=\"table\" id=\"t{ti}\" aria-labelledby=\"t{ti}-h\" data-name=\"{}\">\n<h2 id=\"t{ti}-h\">{}</h2>\n",
        esc(&t.name),
        esc(&t.title)
    );
    if let Some(d) = &t.description {
        s.push_str(&format!("<p>{}</p>\n", esc(d)));
    }
    if let Some(svg) = super::figure(t) {
        // The figure's own XML prologue is not needed inline.
        s.push_str(&format!(
            "<figure aria-label=\"Figure of {}\">{}</figure>\n",
            esc(&t.title),
            svg.trim()
        ));
    }
    s.push_str(&format!(
        "<div class=\"scroll\"><table class=\"data\" data-table=\"{ti}\"><caption>{} <span class=\"rows\">({} rows from {} records)</span></caption>\n<thead><tr>",
        esc(&t.title),
        t.rows.len(),
        t.rows_read
    ));
    for (ci, c) in t.columns.iter().enumerate() {
        let num = !matches!(c.kind, Kind::Key | Kind::Text);
        s.push_str(&format!(
            "<th scope=\"col\" aria-sort=\"none\" class=\"{}\"><button type=\"button\" class=\"sort\" data-col=\"{ci}\" data-num=\"{}\">{}</button></th>",
            if num { "num" } else { "txt" },
            u8::from(num),
            esc(&c.name)
        ));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for (ri, r) in t.rows.iter().enumerate() {
        s.push_str(&format!("<tr data-row=\"{ri}\">"));
        for (ci, (v, c)) in r.values.iter().zip(&t.columns).enumerate() {
            let shown_value = match (v, c.name.as_str()) {
                // A group of authors shows them as the rest of the page does.
                (Value::Text(a), "author") => Value::Text(masker.author(a)),
                _ => v.clone(),
            };
            let mut text = esc(&human(&shown_value, c.kind));
            if ci == 0 && r.below_min_n {
                text.push_str(" <abbr class=\"weak\" title=\"fewer stories than min_n: not reliable\">†</abbr>");
            }
            let tag = if ci < keys.max(1) && c.kind == Kind::Key {
                "th scope=\"row\""
            } else {
                "td"
            };
            let close = if tag == "td" { "td" } else { "th" };
            let class = if matches!(c.kind, Kind::Key | Kind::Text) {
                "txt"
            } else {
                "num"
            };
            let value = esc(&match c.name.as_str() {
                "author" => raw(&shown_value),
                _ => raw(v),
            });
            if with_cells.contains(&(ri, ci)) {
                s.push_str(&format!(
                    "<{tag} class=\"{class}\" data-v=\"{value}\"><button type=\"button\" class=\"cell\" data-cell=\"{ti}:{ri}:{ci}\" aria-haspopup=\"dialog\">{text}</button></{close}>"
                ));
            } else {
                s.push_str(&format!(
                    "<{tag} class=\"{class}\" data-v=\"{value}\">{text}</{close}>"
                ));
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    if t.rows.is_empty() {
        s.push_str("<p>(no rows: nothing matched the query's filters)</p>\n");
    }
    if t.rows.iter().any(|r| r.below_min_n) {
        s.push_str(&format!(
            "<p class=\"note\">† fewer than {} stories in this row: shown for completeness, not reliable.</p>\n",
            t.min_n
        ));
    }
    s.push_str("<ul class=\"notes\">");
    for n in &t.notes {
        s.push_str(&format!("<li>{}</li>", esc(n)));
    }
    s.push_str("</ul>\n");
    s.push_str(&format!(
        "<p class=\"prov\">{}</p>\n</section>\n",
        esc(&super::provenance_line(t, p))
    ));
    s
}

/// A story the index no longer holds (it cannot happen with the index the tables ran on).
fn missing(it: &Item) -> Json {
    json!({ "id": it.story.clone().unwrap_or_else(|| it.doc_id.clone()), "doc": it.doc_id, "gone": true })
}

/// Text of a cell of any type, lists joined as their column reads
/// ([`crate::schema::list_separator`]; None for null).
fn text_at(c: &Column, i: usize) -> Option<String> {
    match c.get(i).ok()? {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        AnyValue::Boolean(b) => Some(b.to_string()),
        AnyValue::List(l) => {
            let l = l.cast(&DataType::String).ok()?;
            let parts: Vec<String> = l.str().ok()?.iter().flatten().map(str::to_string).collect();
            Some(parts.join(crate::schema::list_separator(c.name())))
        }
        AnyValue::Datetime(ms, ..) => chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string()),
        other => Some(other.to_string()),
    }
}

/// Rows of an index table whose column `wanted.name()` has one of `wanted`'s values, the
/// named columns only (those the table has).
fn rows_where(dir: &Path, table: Stored, wanted: Column, cols: &[&str]) -> Result<DataFrame> {
    let key = wanted.name().to_string();
    let lf = table.scan(dir)?;
    let names: Vec<String> = lf
        .clone()
        .collect_schema()?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let cols: Vec<Expr> = cols
        .iter()
        .filter(|c| names.iter().any(|n| n == *c))
        .map(|c| col(*c))
        .collect();
    let wanted = DataFrame::new(wanted.len(), vec![wanted])?.lazy();
    Ok(lf
        .select(cols)
        .join(
            wanted,
            [col(key.as_str())],
            [col(key.as_str())],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?)
}

/// A document's text and author, by id.
struct Doc {
    text: String,
    author: Option<String>,
    created: Option<String>,
}

fn load_docs(dir: &Path, ids: &BTreeSet<String>) -> Result<HashMap<String, Doc>> {
    let ids: Vec<String> = ids.iter().cloned().collect();
    let df = rows_where(
        dir,
        Stored::Documents,
        Column::new(D::Id.name().into(), ids),
        &[D::Id, D::Text, D::Author, D::CreatedAt].map(D::name),
    )?;
    let get = |c: D| df.column(c.name()).ok();
    let (id, text, author, created) = (get(D::Id), get(D::Text), get(D::Author), get(D::CreatedAt));
    let mut out = HashMap::new();
    for i in 0..df.height() {
        let Some(k) = id.and_then(|c| text_at(c, i)) else {
            continue;
        };
        out.insert(
            k,
            Doc {
                text: text.and_then(|c| text_at(c, i)).unwrap_or_default(),
                author: author.and_then(|c| text_at(c, i)),
                created: created.and_then(|c| text_at(c, i)),
            },
        );
    }
    Ok(out)
}

/// One piece of evidence: the field it supports, its document, span and rule.
#[derive(Debug, Clone, serde::Deserialize)]
struct Ev {
    field: String,
    doc: String,
    start: usize,
    end: usize,
    rule: String,
}

/// Texts of at most this many bytes are shown whole; longer ones by the sentences that hold
/// evidence.
const WHOLE_TEXT: usize = 480;
/// Bytes of context at most on each side of a span, within its sentence.
const CONTEXT: usize = 160;

/// Excerpts of one document with the evidence marked: [doc, text, [[start, end, label]...]],
/// offsets in UTF-16 code units (what the page's script counts in).
fn excerpts(doc_id: &str, text: &str, evs: &[&Ev], masker: &Masker) -> Vec<Json> {
    // Windows of the text (byte ranges), each with the spans in it.
    type Window = (usize, usize, Vec<(usize, usize, String)>);
    let mut windows: Vec<Window> = Vec::new();
    let label = |e: &Ev| format!("{} · {}", e.field, e.rule);
    if text.len() <= WHOLE_TEXT {
        let spans = evs
            .iter()
            .map(|e| {
                (
                    floor(text, e.start),
                    floor(text, e.end.max(e.start)),
                    label(e),
                )
            })
            .collect();
        windows.push((0, text.len(), spans));
    } else {
        let mut sorted: Vec<&&Ev> = evs.iter().collect();
        sorted.sort_by_key(|e| (e.start, e.end));
        for e in sorted {
            let (s, end) = (floor(text, e.start), floor(text, e.end.max(e.start)));
            let (from, to) = if s == end {
                // A structural piece of evidence (the whole post, a reply link): the opening.
                (0, floor(text, WHOLE_TEXT.min(text.len())))
            } else {
                sentence(text, s, end)
            };
            match windows.last_mut() {
                Some(w) if from <= w.1 => {
                    w.1 = w.1.max(to);
                    w.2.push((s, end, label(e)));
                }
                _ => windows.push((from, to, vec![(s, end, label(e))])),
            }
        }
    }
    windows
        .into_iter()
        .map(|(from, to, spans)| {
            let local: Vec<(usize, usize)> =
                spans.iter().map(|(s, e, _)| (s - from, e - from)).collect();
            let (masked, moved) = masker.text_keeping(&text[from..to], &local);
            let u16_at = |b: usize| masked[..b].encode_utf16().count();
            let marks: Vec<Json> = moved
                .iter()
                .zip(&spans)
                .map(|(&(s, e), (_, _, l))| json!([u16_at(s), u16_at(e), l]))
                .collect();
            json!([
                doc_id,
                format!(
                    "{}{}{}",
                    if from > 0 { "… " } else { "" },
                    masked,
                    if to < text.len() { " …" } else { "" }
                ),
                marks,
                u8::from(from > 0)
            ])
        })
        .collect()
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The sentence around a span, at most CONTEXT bytes on each side (cut at a space).
fn sentence(text: &str, s: usize, e: usize) -> (usize, usize) {
    let lo = floor(text, s.saturating_sub(CONTEXT));
    let mut from = text[lo..s]
        .rfind(['.', '!', '?', '\n'])
        .map_or(lo, |i| lo + i + 1);
    if from == lo && lo > 0 {
        from = text[lo..s].find(' ').map_or(lo, |i| lo + i + 1);
    }
    let hi = floor(text, e.saturating_add(CONTEXT));
    let mut to = text[e..hi]
        .find(['.', '!', '?', '\n'])
        .map_or(hi, |i| e + i + 1);
    if to == hi && hi < text.len() {
        to = text[e..hi].rfind(' ').map_or(hi, |i| e + i);
    }
    while from < s && text[from..].starts_with(char::is_whitespace) {
        from += text[from..].chars().next().map_or(1, char::len_utf8);
    }
    while to > e && text[..to].ends_with(char::is_whitespace) {
        to -= text[..to].chars().next_back().map_or(1, char::len_utf8);
    }
    (from, to.max(e))
}

/// Shell-quotes an argument for the `replyscope explain` line.
fn shell(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/#@+=,".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Reads the embedded stories from the index: interactions with their evidence, documents
/// with their tags; every text masked.
fn load_stories(
    dir: &Path,
    wanted: &BTreeSet<Item>,
    masker: &Masker,
    index_shown: &str,
) -> Result<HashMap<Item, Json>> {
    let mut out = HashMap::new();
    let story_ids: Vec<String> = wanted.iter().filter_map(|i| i.story.clone()).collect();
    let doc_items: Vec<&Item> = wanted.iter().filter(|i| i.story.is_none()).collect();
    let explain = |doc: &str| format!("replyscope explain {} {}", shell(index_shown), shell(doc));

    // Interactions.
    let mut evidence_docs: BTreeSet<String> = BTreeSet::new();
    type Story = (Item, BTreeMap<I, Option<String>>, Vec<Ev>);
    let mut inter: Vec<Story> = Vec::new();
    if !story_ids.is_empty() {
        const COLS: &[I] = &[
            I::Id,
            I::Doc,
            I::Company,
            I::CompanyBasis,
            I::Basis,
            I::Channels,
            I::FirstChannel,
            I::ResponseChannel,
            I::Responded,
            I::LatencySeconds,
            I::LatencyKind,
            I::Moves,
            I::RedirectTo,
            I::Switched,
            I::Resolution,
            I::Sentiment,
            I::OpenedAt,
        ];
        const EVIDENCE: &[I] = &[
            I::EvidenceField,
            I::EvidenceDoc,
            I::EvidenceStart,
            I::EvidenceEnd,
            I::EvidenceRule,
        ];
        let names: Vec<&str> = COLS.iter().chain(EVIDENCE).map(|c| c.name()).collect();
        let df = rows_where(
            dir,
            Stored::Interactions,
            Column::new(I::Id.name().into(), story_ids),
            &names,
        )?;
        // Evidence names documents by number: their ids, once for every story.
        let list = |c: I, i: usize| -> Option<Series> {
            df.column(c.name()).ok()?.list().ok()?.get_as_series(i)
        };
        let u32s = |c: I, i: usize| -> Vec<u32> {
            list(c, i)
                .and_then(|s| s.cast(&DataType::UInt32).ok())
                .map(|s| {
                    s.u32()
                        .map(|v| v.iter().flatten().collect())
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        };
        let u64s = |c: I, i: usize| -> Vec<u64> {
            list(c, i)
                .and_then(|s| s.cast(&DataType::UInt64).ok())
                .map(|s| {
                    s.u64()
                        .map(|v| v.iter().flatten().collect())
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        };
        let texts = |c: I, i: usize| -> Vec<String> {
            list(c, i)
                .and_then(|s| crate::schema::texts(&s.into_column()).ok())
                .map(|v| v.into_iter().map(Option::unwrap_or_default).collect())
                .unwrap_or_default()
        };
        let mut numbers: BTreeSet<u32> = BTreeSet::new();
        for i in 0..df.height() {
            numbers.extend(u32s(I::EvidenceDoc, i));
        }
        if let Ok(d) = df.column(I::Doc.name()).and_then(|c| c.u32().cloned()) {
            numbers.extend(d.iter().flatten());
        }
        let numbers: Vec<u32> = numbers.into_iter().collect();
        let id_of = crate::explain::doc_ids(dir, &numbers)?;
        let name_of = |n: u32| id_of.get(&n).cloned().unwrap_or_default();
        for i in 0..df.height() {
            let mut row: BTreeMap<I, Option<String>> = BTreeMap::new();
            for &c in COLS {
                row.insert(c, df.column(c.name()).ok().and_then(|col| text_at(col, i)));
            }
            let (fields, docs, starts, ends, rules) = (
                texts(I::EvidenceField, i),
                u32s(I::EvidenceDoc, i),
                u64s(I::EvidenceStart, i),
                u64s(I::EvidenceEnd, i),
                texts(I::EvidenceRule, i),
            );
            let evs: Vec<Ev> = (0..fields.len())
                .map(|k| Ev {
                    field: fields[k].clone(),
                    doc: docs.get(k).map(|&d| name_of(d)).unwrap_or_default(),
                    start: starts.get(k).copied().unwrap_or(0) as usize,
                    end: ends.get(k).copied().unwrap_or(0) as usize,
                    rule: rules.get(k).cloned().unwrap_or_default(),
                })
                .collect();
            let doc = df
                .column(I::Doc.name())
                .ok()
                .and_then(|c| c.u32().ok()?.get(i))
                .map(name_of)
                .unwrap_or_default();
            evidence_docs.insert(doc.clone());
            evidence_docs.extend(evs.iter().map(|e| e.doc.clone()));
            let item = Item {
                doc_id: doc,
                story: row[&I::Id].clone(),
            };
            inter.push((item, row, evs));
        }
    }
    // Tags of documents counted by the documents and mentions tables.
    let mut tags: HashMap<String, Vec<Ev>> = HashMap::new();
    if !doc_items.is_empty() {
        let ids: Vec<String> = doc_items.iter().map(|i| i.doc_id.clone()).collect();
        // Mentions name documents by number.
        let numbered = rows_where(
            dir,
            Stored::Documents,
            Column::new(D::Id.name().into(), ids.clone()),
            &[D::Doc.name(), D::Id.name()],
        )?;
        let (nums, names) = (
            numbered.column(D::Doc.name())?.u32()?,
            numbered.column(D::Id.name())?.str()?,
        );
        let id_of: HashMap<u32, String> = nums
            .iter()
            .zip(names.iter())
            .filter_map(|(n, s)| Some((n?, s?.to_string())))
            .collect();
        let wanted: Vec<u32> = id_of.keys().copied().collect();
        let df = rows_where(
            dir,
            Stored::Mentions,
            Column::new(M::Doc.name().into(), wanted),
            &[M::Doc, M::Set, M::Label, M::Role, M::Start, M::End, M::Rule].map(M::name),
        )?;
        let g = |c: M, i: usize| df.column(c.name()).ok().and_then(|c| text_at(c, i));
        let docs = df.column(M::Doc.name())?.u32()?;
        for i in 0..df.height() {
            let (Some(doc), Some(set)) = (docs.get(i).and_then(|n| id_of.get(&n)), g(M::Set, i))
            else {
                continue;
            };
            let label = g(M::Label, i).unwrap_or_default();
            let field = match g(M::Role, i) {
                Some(r) => format!("{set} {label} ({r})"),
                None => format!("{set} {label}"),
            };
            let num = |c: M| g(c, i).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
            tags.entry(doc.clone()).or_default().push(Ev {
                field,
                doc: doc.clone(),
                start: num(M::Start),
                end: num(M::End),
                rule: g(M::Rule, i).unwrap_or_default(),
            });
        }
        evidence_docs.extend(ids);
    }
    let docs = load_docs(dir, &evidence_docs)?;
    let doc_json = |id: &str, evs: &[&Ev]| -> Vec<Json> {
        match docs.get(id) {
            Some(d) => excerpts(id, &d.text, evs, masker),
            None => Vec::new(),
        }
    };
    for (item, row, evs) in inter {
        let get = |k: I| row.get(&k).cloned().flatten();
        // Evidence grouped by document, the opening document first.
        let mut by_doc: BTreeMap<(bool, String), Vec<&Ev>> = BTreeMap::new();
        for e in &evs {
            by_doc
                .entry((e.doc != item.doc_id, e.doc.clone()))
                .or_default()
                .push(e);
        }
        // The customer's opening post is shown even when no evidence points into it.
        by_doc.entry((false, item.doc_id.clone())).or_default();
        let mut ex = Vec::new();
        for ((_, d), list) in &by_doc {
            ex.extend(doc_json(d, list));
        }
        let latency = match (get(I::LatencySeconds), get(I::LatencyKind)) {
            (Some(s), Some(kind)) => s
                .parse::<f64>()
                .ok()
                .map(|x| format!("{} ({kind})", human_seconds(x))),
            (None, Some(kind)) => Some(kind),
            _ => None,
        };
        let opening = docs.get(&item.doc_id);
        out.insert(
            item.clone(),
            json!({
                "id": item.story,
                "doc": item.doc_id,
                "company": get(I::Company),
                "company_basis": get(I::CompanyBasis),
                "basis": get(I::Basis),
                "channels": get(I::Channels),
                "first_channel": get(I::FirstChannel),
                "response_channel": get(I::ResponseChannel),
                "responded": get(I::Responded),
                "latency": latency,
                "moves": get(I::Moves),
                "redirect_to": get(I::RedirectTo),
                "switched": get(I::Switched),
                "resolution": get(I::Resolution),
                "sentiment": get(I::Sentiment),
                "opened_at": get(I::OpenedAt).or_else(|| opening.and_then(|d| d.created.clone())),
                "author": opening.and_then(|d| d.author.as_deref()).map(|a| masker.author(a)),
                "ex": ex,
                "cmd": explain(&item.doc_id),
            }),
        );
    }
    for item in doc_items {
        let list: Vec<&Ev> = tags.get(&item.doc_id).map_or(Vec::new(), |v| {
            // Company tags first, then the rest; a long list is cut.
            let mut v: Vec<&Ev> = v.iter().collect();
            v.sort_by(|a, b| {
                (
                    !a.field.starts_with("company"),
                    a.start,
                    a.end,
                    &a.field,
                    &a.rule,
                )
                    .cmp(&(
                        !b.field.starts_with("company"),
                        b.start,
                        b.end,
                        &b.field,
                        &b.rule,
                    ))
            });
            v.truncate(12);
            v
        });
        let d = docs.get(&item.doc_id);
        out.insert(
            item.clone(),
            json!({
                "id": item.doc_id,
                "doc": item.doc_id,
                "opened_at": d.and_then(|d| d.created.clone()),
                "author": d.and_then(|d| d.author.as_deref()).map(|a| masker.author(a)),
                "ex": doc_json(&item.doc_id, &list),
                "cmd": explain(&item.doc_id),
            }),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_cut_at_their_ends() {
        let text = "First one. The agent said sorry twice. Then nothing happened at all.";
        let s = text.find("sorry").unwrap();
        let (a, b) = sentence(text, s, s + 5);
        assert_eq!(&text[a..b], "The agent said sorry twice.");
    }

    #[test]
    fn excerpts_mark_evidence_in_utf16_and_mask_around_it() {
        let m = Masker::with_key([1; 32], ["acme"]);
        let text = "Ça va? @jane asked @acme for a refund";
        let s = text.find("refund").unwrap();
        let ev = Ev {
            field: "move".into(),
            doc: "d".into(),
            start: s,
            end: s + 6,
            rule: "move.fix".into(),
        };
        let ex = excerpts("d", text, &[&ev], &m);
        let shown = ex[0][1].as_str().unwrap();
        assert!(
            shown.contains("@acme") && !shown.contains("@jane"),
            "{shown}"
        );
        let (a, b) = (
            ex[0][2][0][0].as_u64().unwrap() as usize,
            ex[0][2][0][1].as_u64().unwrap() as usize,
        );
        let units: Vec<u16> = shown.encode_utf16().collect();
        assert_eq!(String::from_utf16(&units[a..b]).unwrap(), "refund");
        assert_eq!(ex[0][2][0][2], "move · move.fix");
    }

    #[test]
    fn explain_lines_quote_what_a_shell_would_split() {
        assert_eq!(shell("twcs:119237"), "twcs:119237");
        assert_eq!(shell("my index"), "'my index'");
        assert_eq!(shell("it's"), "'it'\\''s'");
    }
}
