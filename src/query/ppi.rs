//! Error-corrected rates: prediction-powered inference (PPI; Angelopoulos, Bates, Fannjiang,
//! Jordan and Zrnic, "Prediction-powered inference", Science 382, 2023).
//!
//! A rate the tagger measures over the whole corpus is biased by the tagger's errors. A
//! coded sample (coders' labels of a random sample of the same rows) measures that bias: the
//! corrected rate is the tagger's rate over every row of the cell plus the mean of
//! (coded − tagger) over the cell's coded rows,
//!
//! ```text
//! θ̂ = mean_N(f) + Σ w_i (y_i − f_i) / Σ w_i
//! se² = var(f) / N + var(w'_i (y_i − f_i)) / n,   w'_i = n w_i / Σ w_i
//! 95% interval: θ̂ ± z se,  z = 1.959964 (the normal quantile, as ppi-python uses)
//! ```
//!
//! with f the tagger's 0/1 label of a row, y the coder's, w the sampling weight N_h / n_h of
//! a stratified sample (1 for a simple one), variances with divisor n (not n − 1). This is
//! `ppi_mean_ci(Y, Yhat, Yhat_unlabeled, lam=1, w=w)` of the `ppi-python` package, against
//! which tests/crosscheck/ppi.py checks [`ppi_mean`]. With weights, the rectifier's variance
//! treats each weighted coded row as an independent draw, which overstates the variance of a
//! stratified sample a little (the interval is conservative), as ppi-python does.
//!
//! The cells are the tagger's cells (a row counts where the tagger puts it, e.g. under the
//! company it found); the correction is to the rate's label, not to the cell. [`Calibration`]
//! loads the coded sample a query file names; [`columns`] and `values` are the two hooks
//! the metric loop calls.

use super::metric::Metric;
use super::{joined, ColumnDef, Frame, Kind, Value};
use crate::error::{Error, Result};
use crate::schema::I;
use crate::validity::coded::{self, Coded, CodedFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The two-sided 95% normal quantile, Φ⁻¹(0.975), to full precision: ppi-python's value
/// (the Wilson intervals elsewhere use the rounded 1.96 papers quote).
pub const Z95_EXACT: f64 = 1.959_963_984_540_054;

/// A prediction-powered estimate of a mean with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ppi {
    /// The corrected estimate θ̂ (not clipped to [0, 1]).
    pub estimate: f64,
    /// θ̂ − z·se.
    pub low: f64,
    /// θ̂ + z·se.
    pub high: f64,
    /// Standard error.
    pub se: f64,
    /// The tagger's mean over the whole cell.
    pub tagger: f64,
    /// The weighted mean of (coded − tagger) over the coded rows.
    pub rectifier: f64,
    /// Coded rows.
    pub n: u64,
    /// Rows of the cell.
    pub big_n: u64,
}

impl Ppi {
    /// The estimate and interval clipped to [0, 1], for a table of rates.
    pub fn clipped(self) -> Ppi {
        let c = |x: f64| x.clamp(0.0, 1.0);
        Ppi {
            estimate: c(self.estimate),
            low: c(self.low),
            high: c(self.high),
            ..self
        }
    }
}

/// Population variance (divisor n), as numpy's default `std`.
fn var0(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = v.clone().fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    v.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64
}

/// The PPI mean estimate: `y` coded and `f` tagger labels of the coded rows (same order),
/// `w` their sampling weights (None: all 1), `f_all` the tagger's labels of every row of the
/// cell. None when either set is empty. A pure function: see the module docs for the formula.
pub fn ppi_mean(y: &[f64], f: &[f64], w: Option<&[f64]>, f_all: &[f64]) -> Option<Ppi> {
    let (n, big_n) = (y.len(), f_all.len());
    if n == 0 || big_n == 0 || f.len() != n || w.is_some_and(|w| w.len() != n) {
        return None;
    }
    let wsum: f64 = w.map_or(n as f64, |w| w.iter().sum());
    if wsum <= 0.0 || !wsum.is_finite() {
        return None;
    }
    let wn = |i: usize| w.map_or(1.0, |w| w[i] * n as f64 / wsum);
    let tagger = f_all.iter().sum::<f64>() / big_n as f64;
    let r = (0..n).map(|i| wn(i) * (y[i] - f[i]));
    let rectifier = r.clone().sum::<f64>() / n as f64;
    let se = (var0(f_all.iter().copied()) / big_n as f64 + var0(r) / n as f64).sqrt();
    let estimate = tagger + rectifier;
    Some(Ppi {
        estimate,
        low: estimate - Z95_EXACT * se,
        high: estimate + Z95_EXACT * se,
        se,
        tagger,
        rectifier,
        n: n as u64,
        big_n: big_n as u64,
    })
}

/// Fewest coded rows in a cell for a corrected rate to be trusted (query key `min_coded`).
pub const DEFAULT_MIN_CODED: u64 = 10;

/// A coded sample loaded for a query, its records by key.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The file and its records.
    pub file: CodedFile,
    /// Record index by interaction id.
    by_interaction: HashMap<String, usize>,
    /// Record index by document id (records without an interaction id).
    by_doc: HashMap<String, usize>,
    /// Cells with fewer coded rows are marked.
    pub min_coded: u64,
}

impl Calibration {
    /// Reads the coded sample at `path` (already resolved against the query file's folder).
    pub fn load(path: &Path, min_coded: u64) -> Result<Calibration> {
        let file = coded::read(path)?;
        let mut by_interaction = HashMap::new();
        let mut by_doc = HashMap::new();
        for (i, r) in file.records.iter().enumerate() {
            match &r.interaction {
                Some(x) => by_interaction.insert(x.clone(), i),
                None => by_doc.insert(r.id.clone(), i),
            };
        }
        Ok(Calibration {
            file,
            by_interaction,
            by_doc,
            min_coded,
        })
    }

    /// The coded record of an interaction row: the record of that interaction, else the
    /// record of its document (a document-level code applies to each story of the document).
    pub fn lookup(&self, interaction: Option<&str>, doc: Option<&str>) -> Option<&Coded> {
        interaction
            .and_then(|i| self.by_interaction.get(i))
            .or_else(|| doc.and_then(|d| self.by_doc.get(d)))
            .map(|&i| &self.file.records[i])
    }

    /// What the table's manifest records about the sample.
    pub fn describe(&self) -> serde_json::Value {
        let mut d = self.file.describe();
        d["min_coded"] = self.min_coded.into();
        d
    }

    /// The note under a corrected table: which columns are corrected, how, and by which
    /// sample.
    pub fn note(&self) -> String {
        let d = self.file.describe();
        let sample = match &d["sample"] {
            serde_json::Value::Object(s) => format!(
                ", seed {}, {} table{}",
                s.get("seed").map_or("?".into(), |v| v.to_string()),
                s.get("table").and_then(|v| v.as_str()).unwrap_or("?"),
                match s.get("stratify").and_then(|v| v.as_str()) {
                    Some(f) => format!(", stratified by {f}"),
                    None => String::new(),
                }
            ),
            _ => String::new(),
        };
        format!(
            "*_ppi columns: prediction-powered estimates (Angelopoulos et al., Science 2023) corrected by the coded sample {} (SHA-256 {}, {} coded records{sample}): the tagger's rate over every row of the cell plus the weighted mean of (coded − tagger) over the cell's coded rows, 95% interval from both variances (z = 1.959964), clipped to [0, 1]; a *_ppi_note says when a cell has fewer than {} coded rows (min_coded) or a field is not coded. Cells are the tagger's cells: the correction is to the label, not to the cell.",
            self.file.path.display(),
            &self.file.sha256[..12],
            self.file.records.len(),
            self.min_coded
        )
    }
}

/// Resolves a query file's `calibration` path against the query file's folder.
pub fn resolve(query_path: &str, calibration: &str) -> PathBuf {
    let p = Path::new(calibration);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    Path::new(query_path)
        .parent()
        .unwrap_or(Path::new(""))
        .join(p)
}

/// Columns a query may need to match its rows with coded records: the interaction id and
/// the document id (joined from documents).
pub const KEY_COLUMNS: &[&str] = &[I::Id.name(), crate::schema::DOC_ID];

/// The interactions column whose per-row value a metric's correction reads (`None` for
/// metrics that are not rates).
pub fn field(metric: Metric) -> Option<I> {
    match metric {
        Metric::ResponseRate => Some(I::Responded),
        Metric::ResolutionRate => Some(I::Resolution),
        Metric::ChannelSwitchRate => Some(I::Switched),
        Metric::Share(f) => Some(f.column()),
        _ => None,
    }
}

/// The corrected columns that follow a metric's own columns (`names`), none for metrics
/// that are not rates.
pub fn columns(metric: Metric, names: &[String]) -> Vec<ColumnDef> {
    let col = |name: String, kind| ColumnDef { name, kind };
    match metric {
        Metric::ResponseRate | Metric::ResolutionRate | Metric::ChannelSwitchRate => {
            let rate = rate_column(metric);
            vec![
                col(format!("{rate}_ppi"), Kind::Ppi),
                col(format!("{rate}_ppi_note"), Kind::Text),
            ]
        }
        Metric::Share(f) => {
            let field = f.name();
            let mut c: Vec<ColumnDef> = names
                .iter()
                .map(|n| col(format!("{n}_ppi"), Kind::Ppi))
                .collect();
            c.push(col(format!("{field}_ppi_note"), Kind::Text));
            c
        }
        _ => Vec::new(),
    }
}

fn rate_column(metric: Metric) -> &'static str {
    match metric {
        Metric::ResponseRate => "response_rate",
        Metric::ResolutionRate => "resolution_rate",
        _ => "switch_rate",
    }
}

/// A row's tagger label and the coded label for one 0/1 outcome: `None` when the row is
/// outside the rate's population (a response rate counts only decided stories).
type Outcome<'a> = Box<dyn Fn(&Frame, usize) -> Option<f64> + 'a>;
/// The coded 0/1 label of a record: `None` when the record does not decide it.
type CodedOutcome<'a> = Box<dyn Fn(&Coded) -> Option<f64> + 'a>;

/// The corrected values of one cell (`idx`: its rows) for a metric, in [`columns`] order.
pub(super) fn values(
    cal: &Calibration,
    metric: Metric,
    names: &[String],
    frame: &Frame,
    idx: &[usize],
) -> Vec<Value> {
    let decided =
        |field: &'static str, yes: &'static str, no: &'static str| -> (Outcome, CodedOutcome) {
            (
                Box::new(move |fr: &Frame, i: usize| match fr.get(field, i) {
                    Some(v) if v == yes => Some(1.0),
                    Some(v) if v == no => Some(0.0),
                    _ => None,
                }),
                Box::new(move |c: &Coded| {
                    let v = if field == I::Responded.name() {
                        c.responded.as_deref()
                    } else {
                        c.resolution.as_deref()
                    };
                    match v {
                        Some(v) if v == yes => Some(1.0),
                        Some(v) if v == no => Some(0.0),
                        _ => None,
                    }
                }),
            )
        };
    match metric {
        Metric::ResponseRate => {
            let (f, y) = decided(I::Responded.name(), "yes", "no");
            cell(cal, frame, idx, &f, &y, I::Responded.name()).to_vec()
        }
        Metric::ResolutionRate => {
            let (f, y) = decided(I::Resolution.name(), "resolved", "unresolved");
            cell(cal, frame, idx, &f, &y, I::Resolution.name()).to_vec()
        }
        Metric::ChannelSwitchRate => {
            let f: Outcome = Box::new(|fr: &Frame, i: usize| {
                Some(if fr.get(I::Switched.name(), i) == Some("true") {
                    1.0
                } else {
                    0.0
                })
            });
            let y: CodedOutcome =
                Box::new(|c: &Coded| c.switched.map(|b| if b { 1.0 } else { 0.0 }));
            cell(cal, frame, idx, &f, &y, I::Switched.name()).to_vec()
        }
        Metric::Share(share) => {
            let field = share.name();
            let mut out = Vec::new();
            let mut note = Value::Null;
            for name in names {
                let value = name.split_once(':').map_or("", |x| x.1).to_string();
                let has = {
                    let value = value.clone();
                    move |v: Option<&str>| -> f64 {
                        let hit = match (v, joined(field)) {
                            (Some(v), Some(sep)) => v.split(sep).any(|x| x == value),
                            (Some(v), None) => v == value,
                            (None, _) => false,
                        };
                        if hit {
                            1.0
                        } else {
                            0.0
                        }
                    }
                };
                let f: Outcome = Box::new(|fr: &Frame, i: usize| Some(has(fr.get(field, i))));
                let y: CodedOutcome =
                    Box::new(|c: &Coded| coded_field(c, field).map(|v| has(v.as_deref())));
                let [v, n] = cell(cal, frame, idx, &f, &y, field);
                out.push(v);
                note = n;
            }
            out.push(note);
            out
        }
        _ => Vec::new(),
    }
}

/// A coded record's value of a share field, joined like the table stores it: `None` when
/// the field is not coded, `Some(None)` when coded as no value.
fn coded_field(c: &Coded, field: &str) -> Option<Option<String>> {
    let set = |s: &Option<std::collections::BTreeSet<String>>, sep: &str| {
        s.as_ref()
            .map(|s| (!s.is_empty()).then(|| s.iter().cloned().collect::<Vec<_>>().join(sep)))
    };
    let one = |s: &Option<String>| s.as_ref().map(|v| (v != "none").then(|| v.clone()));
    let sep = crate::schema::list_separator(field);
    match I::parse(field)? {
        I::Responded => one(&c.responded),
        I::Resolution => one(&c.resolution),
        I::Sentiment => c.sentiment.as_ref().map(|s| Some(s.clone())),
        I::Channels => set(&c.channels, sep),
        I::RedirectTo => set(&c.redirect_to, sep),
        I::Moves => set(&c.moves, sep),
        I::LatencyKind => c
            .latency
            .as_ref()
            .map(|(k, _)| (k != "none").then(|| k.clone())),
        _ => None,
    }
}

/// Whether a coded record codes a field at all (the page does not ask for every field).
fn is_coded(c: &Coded, field: &str) -> bool {
    match I::parse(field) {
        Some(I::Responded) => c.responded.is_some(),
        Some(I::Resolution) => c.resolution.is_some(),
        Some(I::Switched) => c.switched.is_some(),
        _ => coded_field(c, field).is_some(),
    }
}

/// One corrected value and its note for the rows `idx` of a cell.
fn cell(
    cal: &Calibration,
    frame: &Frame,
    idx: &[usize],
    f: &Outcome,
    y: &CodedOutcome,
    field: &str,
) -> [Value; 2] {
    let mut f_all = Vec::new();
    let (mut ys, mut fs, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    let (mut matched, mut coded) = (0u64, 0u64);
    for &i in idx {
        let Some(fi) = f(frame, i) else { continue };
        f_all.push(fi);
        let Some(c) = cal.lookup(frame.get(KEY_COLUMNS[0], i), frame.get(KEY_COLUMNS[1], i)) else {
            continue;
        };
        matched += 1;
        coded += is_coded(c, field) as u64;
        if let Some(yi) = y(c) {
            ys.push(yi);
            fs.push(fi);
            ws.push(c.weight);
        }
    }
    let n = ys.len() as u64;
    let note = if matched > 0 && coded == 0 {
        format!("{field} is not coded in the sample")
    } else if n < cal.min_coded {
        format!(
            "{n} coded rows, fewer than min_coded {}: not reliable",
            cal.min_coded
        )
    } else {
        String::new()
    };
    // One coded row has no variance to speak of: no interval.
    let est = if n >= 2 {
        ppi_mean(&ys, &fs, Some(&ws), &f_all).map(Ppi::clipped)
    } else {
        None
    };
    [
        est.map_or(Value::Null, Value::Ppi),
        if note.is_empty() {
            Value::Null
        } else {
            Value::Text(note)
        },
    ]
}

/// Loads the calibration a query names, if any.
pub fn for_query(q: &super::spec::Query) -> Result<Option<Calibration>> {
    let Some(c) = &q.spec.calibration else {
        return Ok(None);
    };
    let path = resolve(&q.path, c);
    if !path.exists() {
        return Err(Error::Usage(format!(
            "calibration {c:?}: {} does not exist (the path is relative to the query file)",
            path.display()
        )));
    }
    Calibration::load(&path, q.spec.min_coded.unwrap_or(DEFAULT_MIN_CODED)).map(Some)
}

#[cfg(test)]
mod tests;
