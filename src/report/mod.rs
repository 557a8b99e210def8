//! Report: tables in, files out. One writer per format, each a pure function from a
//! [`Table`] to a string (easy to snapshot), plus a sidecar manifest per table that records
//! the query text, the index it ran on, the tool version and the time, so a table in a paper
//! can be regenerated exactly. The tables themselves carry no time stamp: the same index and
//! query give byte-identical files.

pub mod html;
mod latex;
mod markdown;
mod svg;

use crate::error::{Error, Result};
use crate::query::{Kind, Table, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use latex::latex;
pub use markdown::markdown;
pub use svg::figure;

/// Output formats (the command line names them by [`Format::ext`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Markdown table with notes.
    Md,
    /// CSV with raw numbers (rates with their interval ends as separate columns).
    Csv,
    /// JSON document with columns, rows and notes.
    Json,
    /// LaTeX table (booktabs).
    Tex,
    /// SVG figure, for queries that name one.
    Svg,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Md,
        Format::Csv,
        Format::Json,
        Format::Tex,
        Format::Svg,
    ];

    /// What the format holds.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Md => "Markdown table with notes",
            Format::Csv => {
                "CSV with raw numbers (rates with their interval ends as separate columns)"
            }
            Format::Json => "JSON document with columns, rows and notes",
            Format::Tex => "LaTeX table (booktabs)",
            Format::Svg => "SVG figure, for queries that name one",
        }
    }

    /// File extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Tex => "tex",
            Format::Svg => "svg",
        }
    }
}

/// Where a table came from, printed in every output.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// replyscope version.
    pub version: String,
    /// The index's content fingerprint (manifest.json `fingerprint`).
    pub index_fingerprint: String,
    /// SHA-256 of the index's manifest.json.
    pub index_manifest_sha256: String,
    /// The index directory as given.
    pub index: String,
    /// Whether texts shown by this run (the report) mask personal data; tables hold none.
    pub masking: crate::mask::Mode,
}

pub use crate::files::OUT_MARKER;

/// Prepares an output directory: creates it, or checks that an existing non-empty one is a
/// replyscope output folder (it has the marker file) before writing into it. Refuses a
/// folder inside an index directory: a rebuild replaces that directory whole.
pub fn prepare_out(dir: &Path) -> Result<()> {
    if let Some((index, kind)) = crate::files::inside_ours(dir) {
        let at = if std::path::absolute(dir).ok().as_deref() == Some(index.as_path()) {
            format!("is {}", kind.describe())
        } else {
            format!("is inside {} {}", kind.describe(), index.display())
        };
        return Err(Error::Refused {
            path: dir.to_path_buf(),
            message: format!(
                "{at}; a rebuild replaces that directory whole, so query output is not \
                 written there (choose another --out)"
            ),
        });
    }
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(Error::io(dir, "cannot list"))?
            .next()
            .is_none();
        if !empty && std::fs::symlink_metadata(dir.join(OUT_MARKER)).is_err() {
            return Err(Error::Refused {
                path: dir.to_path_buf(),
                message: "exists and is not a replyscope output folder; not writing into it (choose another --out or remove it)".into(),
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(Error::io(dir, "cannot create directory"))?;
    let marker = dir.join(OUT_MARKER);
    crate::files::write_replacing(&marker, b"replyscope output folder\n")
        .map_err(Error::io(&marker, "cannot write"))
}

/// Renders one table in one format; None when the format does not apply (an SVG for a table
/// without a figure).
pub fn render(t: &Table, p: &Provenance, f: Format) -> Option<String> {
    match f {
        Format::Md => Some(markdown(t, p)),
        Format::Csv => Some(csv(t)),
        Format::Json => Some(json(t, p)),
        Format::Tex => Some(latex(t, p)),
        Format::Svg => figure(t),
    }
}

/// Writes a table in every format asked for, and its sidecar manifest; returns the paths.
pub fn write_table(
    dir: &Path,
    t: &Table,
    p: &Provenance,
    formats: &[Format],
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut outputs = Vec::new();
    for &f in formats {
        let Some(text) = render(t, p, f) else {
            continue;
        };
        let path = dir.join(format!("{}.{}", t.name, f.ext()));
        // Replaced, never written through: a link planted under an output's name is
        // replaced by the table, and the file it pointed to is left alone.
        crate::files::write_replacing(&path, text.as_bytes())
            .map_err(Error::io(&path, "cannot write"))?;
        outputs.push(serde_json::json!({
            "file": path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": crate::ingest::hex(&Sha256::digest(text.as_bytes())),
        }));
        written.push(path);
    }
    // The documents behind each number, for DuckDB, pandas or R (issue 12). Only a table
    // computed from an index with its cells listed knows them: one made from another
    // engine's result rows (`replyscope sql --rows`) or by `query --no-cells` gets no cells
    // file rather than an empty one.
    if let Some(c) = &t.cells {
        let cells = cells_parquet(t, c)?;
        let path = dir.join(format!("{}.cells.parquet", t.name));
        crate::files::write_replacing(&path, &cells).map_err(Error::io(&path, "cannot write"))?;
        outputs.push(serde_json::json!({
            "file": path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": crate::ingest::hex(&Sha256::digest(&cells)),
        }));
        written.push(path);
    }
    let manifest = serde_json::json!({
        "table": t.name,
        "title": t.title,
        "query_file": t.query_path,
        "query": t.query_text,
        "index": p.index,
        "index_fingerprint": p.index_fingerprint,
        "index_manifest_sha256": p.index_manifest_sha256,
        "tool": "replyscope",
        "version": p.version,
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "rows_read": t.rows_read,
        "masking": p.masking,
        "outputs": outputs,
        "regenerate": format!("replyscope query {} {}", p.index, t.query_path),
    });
    let mut manifest = manifest;
    if let Some(c) = &t.calibration {
        // The coded sample that corrected the *_ppi columns: file, hash, size, seed, strata.
        manifest["calibration"] = c.clone();
    }
    let path = dir.join(format!("{}.manifest.json", t.name));
    let mut text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    text.push('\n');
    crate::files::write_replacing(&path, text.as_bytes())
        .map_err(Error::io(&path, "cannot write"))?;
    written.push(path);
    Ok(written)
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenReport {
    /// report.html.
    pub path: PathBuf,
    /// Its size.
    pub bytes: usize,
    /// What it holds.
    pub stats: html::Stats,
}

/// Writes `report.html` ([`html`]) and `report.manifest.json` into an output folder
/// prepared by [`prepare_out`]: the page, and a manifest with the index, the query files,
/// the sample's settings, the masking used and the page's SHA-256.
#[allow(clippy::too_many_arguments)]
pub fn write_report(
    dir: &Path,
    index: &Path,
    tables: &[Table],
    failed: &[html::FailedQuery],
    query_files: &[PathBuf],
    p: &Provenance,
    masker: &crate::mask::Masker,
    opts: &html::Options,
) -> Result<WrittenReport> {
    let queries: Vec<serde_json::Value> = query_files
        .iter()
        .map(|f| {
            let sha = std::fs::read(f)
                .map(|b| crate::ingest::hex(&Sha256::digest(&b)))
                .ok();
            let table = tables
                .iter()
                .find(|t| Path::new(&t.query_path) == f.as_path())
                .map(|t| t.name.clone());
            serde_json::json!({ "file": f.display().to_string(), "sha256": sha, "table": table })
        })
        .collect();
    let mut manifest = serde_json::json!({
        "tool": "replyscope",
        "version": p.version,
        "index": p.index,
        "index_fingerprint": p.index_fingerprint,
        "index_manifest_sha256": p.index_manifest_sha256,
        "masking": masker.mode(),
        "pseudonyms": match masker.mode() {
            crate::mask::Mode::Masked => "user_ + first 8 hex digits of HMAC-SHA256(per-run random key, lower-case handle); the key is recorded nowhere",
            crate::mask::Mode::Unmasked => "none: texts shown as written (--unmask)",
        },
        "stories_per_cell": opts.per_cell,
        "story_seed": opts.seed,
        "story_sample": "per cell, the stories with the smallest first 8 bytes of SHA-256(\"{seed}:{document id}:{story id}\")",
        "queries": queries,
        "failed": failed.iter().map(|f| serde_json::json!({"file": f.path, "message": f.message})).collect::<Vec<_>>(),
        "tables": tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
    });
    let (page, stats) = html::render(index, tables, failed, p, masker, opts, &manifest)?;
    let path = dir.join("report.html");
    crate::files::write_replacing(&path, page.as_bytes())
        .map_err(Error::io(&path, "cannot write"))?;
    // The time goes into the manifest file only: with --unmask the page itself is the same
    // bytes for the same index, queries and settings.
    manifest["generated_at"] = chrono::Utc::now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .into();
    manifest["stats"] = serde_json::to_value(&stats).expect("stats serialise");
    manifest["report_html_sha256"] = crate::ingest::hex(&Sha256::digest(page.as_bytes())).into();
    manifest["regenerate"] = format!(
        "replyscope report {} --queries {} --stories-per-cell {} --story-seed {}{}",
        p.index,
        query_files
            .first()
            .and_then(|f| f.parent())
            .map_or(".".into(), |d| d.display().to_string()),
        opts.per_cell,
        opts.seed,
        if masker.mode() == crate::mask::Mode::Unmasked {
            " --unmask"
        } else {
            ""
        }
    )
    .into();
    let mpath = dir.join("report.manifest.json");
    let mut text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    text.push('\n');
    crate::files::write_replacing(&mpath, text.as_bytes())
        .map_err(Error::io(&mpath, "cannot write"))?;
    Ok(WrittenReport {
        path,
        bytes: page.len(),
        stats,
    })
}

/// `NAME.cells.parquet`: one row per (table row, column, document) a count, rate or share
/// counts ([`crate::query::cells`]).
pub fn cells_parquet(t: &Table, cells: &crate::query::cells::Cells) -> Result<Vec<u8>> {
    let keys = t.columns.iter().take_while(|c| c.kind == Kind::Key).count();
    crate::query::cells::parquet(cells, &t.rows, keys, &t.columns)
}

/// A duration for reading: seconds, minutes, hours or days with one decimal.
pub fn human_seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

/// A cell for reading (Markdown, LaTeX): percentages with one decimal, intervals, k of n.
pub fn human(v: &Value, kind: Kind) -> String {
    match (v, kind) {
        (Value::Null, _) => "–".into(),
        (Value::Text(t), _) => t.clone(),
        (Value::Count(c), _) => c.to_string(),
        (Value::Num(x), Kind::Seconds) => human_seconds(*x),
        (Value::Num(x), Kind::Proportion) => format!("{:.1}%", 100.0 * x),
        (Value::Num(x), Kind::Ratio) => format!("{x:.2}×"),
        (Value::Num(x), _) => format!("{x:.2}"),
        (Value::Rate(r), _) => format!(
            "{:.1}% [{:.1}, {:.1}] n={}",
            100.0 * r.p,
            100.0 * r.low,
            100.0 * r.high,
            r.n
        ),
        (Value::Share(k, n), _) if *n > 0 => {
            format!("{:.1}% ({k}/{n})", 100.0 * *k as f64 / *n as f64)
        }
        (Value::Share(..), _) => "–".into(),
        (Value::Ppi(x), _) => format!(
            "{:.1}% [{:.1}, {:.1}] coded={}",
            100.0 * x.estimate,
            100.0 * x.low,
            100.0 * x.high,
            x.n
        ),
    }
}

/// CSV: one row per table row; a rate becomes three columns (value, low, high); counts and
/// seconds are raw numbers; `below_min_n` says which rows are not reliable.
pub fn csv(t: &Table) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    for c in &t.columns {
        match c.kind {
            Kind::Rate => header.extend([
                c.name.clone(),
                format!("{}_low", c.name),
                format!("{}_high", c.name),
                format!("{}_n", c.name),
            ]),
            Kind::Share => header.extend([c.name.clone(), format!("{}_k", c.name)]),
            Kind::Ppi => header.extend([
                c.name.clone(),
                format!("{}_low", c.name),
                format!("{}_high", c.name),
                format!("{}_coded", c.name),
            ]),
            _ => header.push(c.name.clone()),
        }
    }
    header.push("below_min_n".into());
    w.write_record(&header).expect("in-memory write");
    for r in &t.rows {
        let mut rec: Vec<String> = Vec::new();
        for (v, c) in r.values.iter().zip(&t.columns) {
            match (v, c.kind) {
                (Value::Rate(x), _) => {
                    rec.extend([num(x.p), num(x.low), num(x.high), x.n.to_string()])
                }
                (Value::Null, Kind::Rate) => {
                    rec.extend([String::new(), String::new(), String::new(), "0".into()])
                }
                (Value::Share(k, n), _) => rec.extend([
                    if *n == 0 {
                        String::new()
                    } else {
                        num(*k as f64 / *n as f64)
                    },
                    k.to_string(),
                ]),
                (Value::Null, Kind::Share) => rec.extend([String::new(), String::new()]),
                (Value::Ppi(x), _) => {
                    rec.extend([num(x.estimate), num(x.low), num(x.high), x.n.to_string()])
                }
                (Value::Null, Kind::Ppi) => {
                    rec.extend([String::new(), String::new(), String::new(), String::new()])
                }
                (Value::Null, _) => rec.push(String::new()),
                (Value::Text(s), _) => rec.push(s.clone()),
                (Value::Count(c), _) => rec.push(c.to_string()),
                (Value::Num(x), _) => rec.push(num(*x)),
            }
        }
        rec.push(r.below_min_n.to_string());
        w.write_record(&rec).expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV of UTF-8 is UTF-8")
}

/// A number with enough digits to round-trip the 4th significant decimal, and no more, so
/// outputs do not change with the last bits of floating point.
fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// JSON: the table's columns, rows (one object per row) and notes, with its provenance.
pub fn json(t: &Table, p: &Provenance) -> String {
    let rows: Vec<serde_json::Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut obj = serde_json::Map::new();
            for (v, c) in r.values.iter().zip(&t.columns) {
                let val = match v {
                    Value::Null => serde_json::Value::Null,
                    Value::Text(s) => s.clone().into(),
                    Value::Count(c) => (*c).into(),
                    Value::Num(x) => round(*x).into(),
                    Value::Rate(x) => serde_json::json!({ "value": round(x.p), "low": round(x.low), "high": round(x.high), "k": x.k, "n": x.n }),
                    Value::Share(k, n) => serde_json::json!({ "share": if *n == 0 { serde_json::Value::Null } else { round(*k as f64 / *n as f64).into() }, "k": k, "n": n }),
                    Value::Ppi(x) => serde_json::json!({ "value": round(x.estimate), "low": round(x.low), "high": round(x.high), "se": round(x.se), "tagger": round(x.tagger), "rectifier": round(x.rectifier), "coded": x.n, "rows": x.big_n }),
                };
                obj.insert(c.name.clone(), val);
            }
            obj.insert("below_min_n".into(), r.below_min_n.into());
            serde_json::Value::Object(obj)
        })
        .collect();
    let doc = serde_json::json!({
        "name": t.name,
        "title": t.title,
        "description": t.description,
        "columns": t.columns,
        "rows": rows,
        "min_n": t.min_n,
        "notes": t.notes,
        "query_file": t.query_path,
        "index_fingerprint": p.index_fingerprint,
        "version": p.version,
    });
    let mut doc = doc;
    if let Some(c) = &t.calibration {
        doc["calibration"] = c.clone();
    }
    let mut s = serde_json::to_string_pretty(&doc).expect("table serialises");
    s.push('\n');
    s
}

fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The line every readable output ends with: where the numbers come from.
pub fn provenance_line(t: &Table, p: &Provenance) -> String {
    format!(
        "Generated by replyscope {} from index {} (fingerprint {}) with {}; regenerate: replyscope query {} {}",
        p.version,
        p.index,
        &p.index_fingerprint[..p.index_fingerprint.len().min(12)],
        t.query_path,
        p.index,
        t.query_path
    )
}

#[cfg(test)]
mod tests;
