//! `replyscope agree`: how far coders agree with each other (intercoder reliability) and the
//! tagger with the coders (validity), per label set.
//!
//! Label sets, each compared over the records both sides code:
//!
//! | label set | level | value |
//! |---|---|---|
//! | `company` | nominal | the set of companies party to the story, as one value (`acme+zappos`, `(none)`) |
//! | `responded` | nominal | yes, no, unknown, none |
//! | `resolution` | nominal | resolved, unresolved, unknown, none |
//! | `switched` | nominal | yes, no (moved to another channel by the company) |
//! | `channel:LABEL` | nominal | 1 when the story used the channel, else 0 (one per channel label) |
//! | `latency_kind` | nominal | at_most, at_least, approximate, bounded, exact (tagger only), none |
//! | `latency_seconds` | interval | seconds, where both sides state a number |
//!
//! Statistics: percent agreement; Cohen's kappa (po − pe) / (1 − pe) with pe from each
//! side's own label shares (scikit-learn's `cohen_kappa_score`; nominal sets only);
//! Krippendorff's alpha 1 − (n − 1) Σ_u 2 δ(a_u, b_u) / Σ_{i≠j} δ(v_i, v_j) over the n = 2N
//! pairable values, δ = 0/1 (nominal) or the squared difference (interval) (the
//! `krippendorff` package). A statistic whose denominator is 0 (every value the same) is
//! n/a. Each has a percentile bootstrap 95% interval: [`BOOTSTRAP_REPLICATES`] resamples of
//! the documents with replacement, seeded with [`BOOTSTRAP_SEED`], so reruns print the same
//! numbers. tests/crosscheck/agreement.py checks kappa and alpha against the Python packages.
//!
//! The tagger's labels come from the index's tables (`--index`: what queries count; a thread
//! corpus's responses then come from its reply links) or, without an index, from tagging the
//! coded texts as `replyscope eval --gold` does (each text alone, reply links not followed).

use super::coded::{Coded, CodedFile};
use super::rng::SplitMix64;
use crate::error::{Error, Result};
use crate::query::metrics::quantile;
use crate::schema::{list_separator, value, Table, D, I, M};
use crate::tag::Lexicons;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Bootstrap resamples per statistic.
pub const BOOTSTRAP_REPLICATES: usize = 1000;
/// Seed of the bootstrap: fixed, so the same files give the same intervals.
pub const BOOTSTRAP_SEED: u64 = 20_231_010;

/// Level of measurement of a label set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Unordered categories.
    Nominal,
    /// Numbers whose differences mean something (seconds).
    Interval,
}

/// A value of a label set.
#[derive(Debug, Clone, PartialEq)]
enum V {
    N(String),
    I(f64),
}

/// Every label set, in report order.
pub fn label_sets() -> Vec<(String, Level)> {
    let mut v: Vec<(String, Level)> = ["company", "responded", "resolution", "switched"]
        .iter()
        .map(|s| (s.to_string(), Level::Nominal))
        .collect();
    v.extend(
        crate::tag::rules::CHANNELS
            .iter()
            .map(|c| (format!("channel:{c}"), Level::Nominal)),
    );
    v.push(("latency_kind".into(), Level::Nominal));
    v.push(("latency_seconds".into(), Level::Interval));
    v
}

/// A record's value of a label set; None when the record does not code it.
fn value(c: &Coded, set: &str) -> Option<V> {
    let n = |s: &str| Some(V::N(s.to_string()));
    match set {
        "company" => c.company.as_ref().map(|s| {
            V::N(if s.is_empty() {
                "(none)".into()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join("+")
            })
        }),
        "responded" => c.responded.as_deref().and_then(n),
        "resolution" => c.resolution.as_deref().and_then(n),
        "switched" => c.switched.and_then(|b| n(if b { "yes" } else { "no" })),
        "latency_kind" => c.latency.as_ref().and_then(|(k, _)| n(k)),
        "latency_seconds" => c.latency.as_ref().and_then(|(_, s)| s.map(V::I)),
        ch => {
            let label = ch.strip_prefix("channel:")?;
            c.channels
                .as_ref()
                .and_then(|s| n(if s.contains(label) { "1" } else { "0" }))
        }
    }
}

/// Percent agreement: share of units where both sides give the same value.
pub fn percent_agreement<T: PartialEq>(a: &[T], b: &[T]) -> Option<f64> {
    (!a.is_empty()).then(|| a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64)
}

/// Cohen's kappa of two coders' nominal labels of the same units: (po − pe) / (1 − pe),
/// pe = Σ_k p_a(k) p_b(k). None without units or when pe = 1.
pub fn cohen_kappa(a: &[String], b: &[String]) -> Option<f64> {
    let n = a.len() as f64;
    if a.is_empty() {
        return None;
    }
    let po = percent_agreement(a, b)?;
    let (mut ca, mut cb): (HashMap<&str, f64>, HashMap<&str, f64>) = Default::default();
    for (x, y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1.0;
        *cb.entry(y).or_default() += 1.0;
    }
    let pe: f64 = ca
        .iter()
        .map(|(k, x)| x * cb.get(k).copied().unwrap_or(0.0))
        .sum::<f64>()
        / (n * n);
    (1.0 - pe > 1e-12).then(|| (po - pe) / (1.0 - pe))
}

/// Krippendorff's alpha for nominal data, two coders, every unit coded by both.
pub fn alpha_nominal(a: &[String], b: &[String]) -> Option<f64> {
    let units = a.len();
    if units == 0 {
        return None;
    }
    let n = 2.0 * units as f64;
    let mut counts: HashMap<&str, f64> = HashMap::new();
    for v in a.iter().chain(b) {
        *counts.entry(v).or_default() += 1.0;
    }
    let expected = n * n - counts.values().map(|c| c * c).sum::<f64>();
    let observed = 2.0 * a.iter().zip(b).filter(|(x, y)| x != y).count() as f64;
    (expected > 0.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// Krippendorff's alpha for interval data (δ = squared difference), two coders, every unit
/// coded by both.
pub fn alpha_interval(a: &[f64], b: &[f64]) -> Option<f64> {
    let units = a.len();
    if units == 0 {
        return None;
    }
    let n = 2.0 * units as f64;
    // Centre first: the sums of squares of seconds in the millions lose digits otherwise.
    let mean = a.iter().chain(b).sum::<f64>() / n;
    let ss: f64 = a.iter().chain(b).map(|v| (v - mean) * (v - mean)).sum();
    // Σ_{i≠j} (v_i − v_j)² over ordered pairs = 2n Σ (v − mean)².
    let expected = 2.0 * n * ss;
    let observed: f64 = a.iter().zip(b).map(|(x, y)| 2.0 * (x - y) * (x - y)).sum();
    (expected > 0.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// A statistic with its bootstrap interval.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Stat {
    /// The value on all units; None when undefined.
    pub value: Option<f64>,
    /// 2.5th percentile of the bootstrap replicates.
    pub low: Option<f64>,
    /// 97.5th percentile.
    pub high: Option<f64>,
}

/// Agreement on one label set.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// Label set.
    pub set: String,
    /// Level of measurement.
    pub level: Level,
    /// Units both sides code.
    pub n: usize,
    /// Percent agreement (exact equality for seconds).
    pub agreement: Stat,
    /// Cohen's kappa (nominal sets).
    pub kappa: Stat,
    /// Krippendorff's alpha.
    pub alpha: Stat,
    /// Side A's value -> side B's value -> units (nominal sets).
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
}

/// One comparison: side A against side B over the records both have.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Side A (a coder's name, or "tagger").
    pub a: String,
    /// Side B.
    pub b: String,
    /// Records both sides have.
    pub units: usize,
    /// Per label set.
    pub sets: Vec<Agreement>,
}

/// The whole report of `replyscope agree`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where the tagger's labels come from.
    pub tagger: String,
    /// Bootstrap replicates.
    pub bootstrap_replicates: usize,
    /// Bootstrap seed.
    pub bootstrap_seed: u64,
    /// The comparisons: coder vs coder (two files), then tagger vs each coder.
    pub comparisons: Vec<Comparison>,
}

/// Percentile interval of a statistic over bootstrap resamples of the units.
fn bootstrap(units: usize, stat: impl Fn(&[usize]) -> Option<f64>) -> Stat {
    let all: Vec<usize> = (0..units).collect();
    let value = stat(&all);
    if units == 0 {
        return Stat::default();
    }
    let mut rng = SplitMix64::new(BOOTSTRAP_SEED);
    let mut reps: Vec<f64> = Vec::with_capacity(BOOTSTRAP_REPLICATES);
    let mut pick = vec![0usize; units];
    for _ in 0..BOOTSTRAP_REPLICATES {
        for p in pick.iter_mut() {
            *p = rng.below(units);
        }
        if let Some(v) = stat(&pick) {
            reps.push(v);
        }
    }
    reps.sort_by(f64::total_cmp);
    Stat {
        value,
        low: quantile(&reps, 0.025),
        high: quantile(&reps, 0.975),
    }
}

/// Agreement of two sides' records on one label set, over the keys both have.
pub fn compare_set(a: &[&Coded], b: &[&Coded], set: &str, level: Level) -> Agreement {
    let pairs: Vec<(V, V)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((value(x, set)?, value(y, set)?)))
        .collect();
    let n = pairs.len();
    let mut confusion: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let (agreement, kappa, alpha) = match level {
        Level::Nominal => {
            let s = |v: &V| match v {
                V::N(s) => s.clone(),
                V::I(x) => x.to_string(),
            };
            let (va, vb): (Vec<String>, Vec<String>) =
                pairs.iter().map(|(x, y)| (s(x), s(y))).unzip();
            for (x, y) in va.iter().zip(&vb) {
                *confusion
                    .entry(x.clone())
                    .or_default()
                    .entry(y.clone())
                    .or_default() += 1;
            }
            let sub = |f: fn(&[String], &[String]) -> Option<f64>| {
                bootstrap(n, |idx| {
                    let xa: Vec<String> = idx.iter().map(|&i| va[i].clone()).collect();
                    let xb: Vec<String> = idx.iter().map(|&i| vb[i].clone()).collect();
                    f(&xa, &xb)
                })
            };
            (sub(percent_agreement), sub(cohen_kappa), sub(alpha_nominal))
        }
        Level::Interval => {
            let f = |v: &V| match v {
                V::I(x) => *x,
                V::N(_) => f64::NAN,
            };
            let (va, vb): (Vec<f64>, Vec<f64>) = pairs.iter().map(|(x, y)| (f(x), f(y))).unzip();
            let sub = |g: fn(&[f64], &[f64]) -> Option<f64>| {
                bootstrap(n, |idx| {
                    let xa: Vec<f64> = idx.iter().map(|&i| va[i]).collect();
                    let xb: Vec<f64> = idx.iter().map(|&i| vb[i]).collect();
                    g(&xa, &xb)
                })
            };
            (sub(percent_agreement), Stat::default(), sub(alpha_interval))
        }
    };
    Agreement {
        set: set.to_string(),
        level,
        n,
        agreement,
        kappa,
        alpha,
        confusion,
    }
}

/// Compares side A with side B on every label set, pairing records by key.
pub fn compare(a_name: &str, a: &[Coded], b_name: &str, b: &[Coded]) -> Comparison {
    let by_key: HashMap<&str, &Coded> = b.iter().map(|r| (r.key(), r)).collect();
    let (xa, xb): (Vec<&Coded>, Vec<&Coded>) = a
        .iter()
        .filter_map(|r| by_key.get(r.key()).map(|o| (r, *o)))
        .unzip();
    Comparison {
        a: a_name.to_string(),
        b: b_name.to_string(),
        units: xa.len(),
        sets: label_sets()
            .iter()
            .map(|(s, l)| compare_set(&xa, &xb, s, *l))
            .collect(),
    }
}

/// A coder's name for the report: the `coder` of the file's records, else the file's stem.
pub fn coder_name(f: &CodedFile) -> String {
    let names: BTreeSet<&str> = f
        .records
        .iter()
        .filter_map(|r| r.coder.as_deref())
        .filter(|c| !c.is_empty())
        .collect();
    if names.is_empty() {
        f.path
            .file_stem()
            .map_or("coder".into(), |s| s.to_string_lossy().into_owned())
    } else {
        names.into_iter().collect::<Vec<_>>().join("+")
    }
}

/// Company ids rolled up as the gazetteer does (a brand counts for its maker), so coders
/// who write `chevrolet` and the tagger's `general_motors` agree.
pub fn roll_up(lex: &Lexicons, records: &mut [Coded]) {
    for r in records {
        if let Some(c) = &r.company {
            r.company = Some(c.iter().map(|x| lex.gazetteer.roll_up(x)).collect());
        }
    }
}

/// The tagger's labels of the coded records, by tagging their texts (as `eval --gold`).
pub fn tagger_from_text(lex: &Lexicons, records: &[Coded]) -> Result<Vec<Coded>> {
    records
        .iter()
        .map(|r| {
            let gold: crate::tag::eval::Gold = serde_json::from_value(serde_json::json!({
                "id": r.id, "source": r.source, "kind": r.kind, "text": r.text,
                "author": r.author, "inbound": r.inbound,
                "shape": r.shape.map(|s| if s == crate::model::Shape::Thread { "short" } else { s.as_str() }),
                "channel": r.channel, "given": r.given,
            }))
            .map_err(|e| Error::Usage(format!("record {}: {e}", r.id)))?;
            let t = crate::tag::eval::tag_gold(lex, &gold);
            let inf = crate::tag::eval::infer(&t);
            Ok(Coded {
                id: r.id.clone(),
                interaction: r.interaction.clone(),
                company: Some(inf.company),
                responded: Some(inf.responded),
                resolution: Some(inf.resolution),
                channels: Some(inf.channels),
                switched: Some(t.interactions.iter().any(|i| i.switched)),
                latency: Some(inf.latency.unwrap_or(("none".into(), None))),
                ..Coded::default()
            })
        })
        .collect()
}

fn read_table(dir: &Path, table: Table, cols: &[&str]) -> Result<DataFrame> {
    let cols: Vec<Expr> = cols.iter().map(|c| col(*c)).collect();
    Ok(table.scan(dir)?.select(cols).collect()?)
}

fn strings(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    crate::schema::texts(df.column(name)?)
}

/// The string ids of a table's document numbers (`None` for documents not wanted).
fn ids_of(df: &DataFrame, name: &str, ids: &HashMap<u32, String>) -> Result<Vec<Option<String>>> {
    Ok(df
        .column(name)?
        .u32()?
        .iter()
        .map(|n| n.and_then(|n| ids.get(&n).cloned()))
        .collect())
}

/// The tagger's labels of the coded records as the index's tables hold them: the
/// interaction a record names, else the document's first interaction (its channels and
/// moves from all of them), its party companies from the mentions table and the companies
/// of its stories. A record whose
/// document is not in the index gets no labels (it is left out of the comparison).
pub fn tagger_from_index(dir: &Path, records: &[Coded]) -> Result<Vec<Coded>> {
    let wanted: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let docs = read_table(dir, Table::Documents, &[D::Doc.name(), D::Id.name()])?;
    let numbers: HashMap<u32, String> = docs
        .column(D::Doc.name())?
        .u32()?
        .iter()
        .zip(strings(&docs, D::Id.name())?)
        .filter_map(|(n, id)| Some((n?, id.filter(|id| wanted.contains(id.as_str()))?)))
        .collect();
    let present: BTreeSet<String> = numbers.values().cloned().collect();
    let it = read_table(
        dir,
        Table::Interactions,
        &[
            I::Id,
            I::Doc,
            I::Company,
            I::Channels,
            I::Responded,
            I::Resolution,
            I::LatencyKind,
            I::LatencySeconds,
            I::Switched,
        ]
        .map(I::name),
    )?;
    let (ids, doc_ids) = (
        strings(&it, I::Id.name())?,
        ids_of(&it, I::Doc.name(), &numbers)?,
    );
    let company = strings(&it, I::Company.name())?;
    let (channels, responded, resolution, kind) = (
        strings(&it, I::Channels.name())?,
        strings(&it, I::Responded.name())?,
        strings(&it, I::Resolution.name())?,
        strings(&it, I::LatencyKind.name())?,
    );
    let secs: Vec<Option<f64>> = it.column(I::LatencySeconds.name())?.f64()?.iter().collect();
    let switched: Vec<Option<bool>> = it.column(I::Switched.name())?.bool()?.iter().collect();
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut row_of_id: HashMap<&str, usize> = HashMap::new();
    for i in 0..it.height() {
        if let (Some(d), Some(id)) = (&doc_ids[i], &ids[i]) {
            if present.contains(d) {
                rows_of.entry(d).or_default().push(i);
                row_of_id.insert(id, i);
            }
        }
    }
    let m = read_table(
        dir,
        Table::Mentions,
        &[M::Doc, M::Set, M::Label, M::Role].map(M::name),
    )?;
    let (md, ms, ml, mr) = (
        ids_of(&m, M::Doc.name(), &numbers)?,
        strings(&m, M::Set.name())?,
        strings(&m, M::Label.name())?,
        strings(&m, M::Role.name())?,
    );
    let mut party: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for k in 0..m.height() {
        if let (Some(d), Some(value::COMPANY), Some(l)) = (&md[k], ms[k].as_deref(), &ml[k]) {
            if present.contains(d) && mr[k].as_deref().is_some_and(|r| r != value::MENTION) {
                party.entry(d).or_default().insert(l.clone());
            }
        }
    }
    let split = |v: &Option<String>| -> BTreeSet<String> {
        v.as_deref()
            .map(|s| {
                s.split(list_separator(I::Channels.name()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for r in records.iter().filter(|r| present.contains(&r.id)) {
        let rows = rows_of.get(r.id.as_str()).cloned().unwrap_or_default();
        let first = r
            .interaction
            .as_deref()
            .and_then(|x| row_of_id.get(x).copied())
            .or_else(|| rows.first().copied());
        let own: Vec<usize> = match (r.interaction.as_deref(), first) {
            (Some(_), Some(f)) => vec![f],
            _ => rows.clone(),
        };
        out.push(Coded {
            id: r.id.clone(),
            interaction: r.interaction.clone(),
            // Party companies: tagged in the text, and every story's company (a thread's
            // company may be the account that replied, named nowhere in the opening post).
            company: Some(
                party
                    .get(r.id.as_str())
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .chain(rows.iter().filter_map(|&i| company[i].clone()))
                    .collect(),
            ),
            responded: Some(
                first
                    .and_then(|i| responded[i].clone())
                    .unwrap_or("none".into()),
            ),
            resolution: Some(
                first
                    .and_then(|i| resolution[i].clone())
                    .unwrap_or("none".into()),
            ),
            channels: Some(own.iter().flat_map(|&i| split(&channels[i])).collect()),
            switched: Some(own.iter().any(|&i| switched[i] == Some(true))),
            latency: Some(
                own.iter()
                    .find_map(|&i| kind[i].clone().map(|k| (k, secs[i])))
                    .unwrap_or(("none".into(), None)),
            ),
            ..Coded::default()
        });
    }
    Ok(out)
}

/// Runs `replyscope agree`: coder A against coder B (when given), then the tagger against
/// each coder.
pub fn agree(
    lex: &Lexicons,
    a: &CodedFile,
    b: Option<&CodedFile>,
    index: Option<&Path>,
) -> Result<Report> {
    let mut files: Vec<(String, Vec<Coded>)> = vec![(coder_name(a), a.records.clone())];
    if let Some(b) = b {
        let mut name = coder_name(b);
        if name == files[0].0 {
            name.push_str(" (B)");
        }
        files.push((name, b.records.clone()));
    }
    for (_, recs) in files.iter_mut() {
        roll_up(lex, recs);
    }
    let mut comparisons = Vec::new();
    if files.len() == 2 {
        comparisons.push(compare(&files[0].0, &files[0].1, &files[1].0, &files[1].1));
    }
    for (name, recs) in &files {
        let tagger = match index {
            Some(dir) => tagger_from_index(dir, recs)?,
            None => tagger_from_text(lex, recs)?,
        };
        comparisons.push(compare("tagger", &tagger, name, recs));
    }
    Ok(Report {
        tagger: match index {
            Some(d) => format!("the tables of index {}", d.display()),
            None => "the coded texts, tagged one by one (reply links not followed)".into(),
        },
        bootstrap_replicates: BOOTSTRAP_REPLICATES,
        bootstrap_seed: BOOTSTRAP_SEED,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn kappa_and_alpha_by_hand() {
        // 10 units, agree on 8: yes/yes x5, no/no x3, yes/no, no/yes.
        let a = s(&["y", "y", "y", "y", "y", "n", "n", "n", "y", "n"]);
        let b = s(&["y", "y", "y", "y", "y", "n", "n", "n", "n", "y"]);
        assert_eq!(percent_agreement(&a, &b), Some(0.8));
        // pa = pb = (0.6, 0.4): pe = 0.52; kappa = 0.28 / 0.48.
        assert!((cohen_kappa(&a, &b).unwrap() - 0.28 / 0.48).abs() < 1e-12);
        // n = 20 values, 12 y 8 n: expected = 400 - 144 - 64 = 192; observed 4.
        assert!((alpha_nominal(&a, &b).unwrap() - (1.0 - 19.0 * 4.0 / 192.0)).abs() < 1e-12);
        // Every value the same: undefined.
        assert_eq!(cohen_kappa(&s(&["y", "y"]), &s(&["y", "y"])), None);
        assert_eq!(alpha_nominal(&s(&["y"]), &s(&["y"])), None);
        // Interval: (1,2), (3,3): mean 2.25; ss = 1.5625+0.0625+0.5625+0.5625 = 2.75;
        // expected = 2*4*2.75 = 22; observed = 2; alpha = 1 - 3*2/22.
        let al = alpha_interval(&[1.0, 3.0], &[2.0, 3.0]).unwrap();
        assert!((al - (1.0 - 6.0 / 22.0)).abs() < 1e-12, "{al}");
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_the_value() {
        let a = s(&["y", "y", "n", "n", "y", "n", "y", "y", "n", "y", "n", "n"]);
        let b = s(&["y", "n", "n", "n", "y", "n", "y", "y", "y", "y", "n", "n"]);
        let run = || {
            bootstrap(a.len(), |idx| {
                let xa: Vec<String> = idx.iter().map(|&i| a[i].clone()).collect();
                let xb: Vec<String> = idx.iter().map(|&i| b[i].clone()).collect();
                cohen_kappa(&xa, &xb)
            })
        };
        let (x, y) = (run(), run());
        assert_eq!(x, y);
        let (v, lo, hi) = (x.value.unwrap(), x.low.unwrap(), x.high.unwrap());
        assert!(lo <= v && v <= hi && lo < hi, "{x:?}");
    }
}
