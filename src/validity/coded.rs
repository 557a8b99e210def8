//! Coded samples: the JSON lines coders return from `coding.html`, or any gold file of
//! tests/gold/GUIDE.md. One record per document (or per interaction, when the sample was
//! drawn from the interactions table), labels in the gold format, plus:
//!
//! - `coder`: who coded it (free text);
//! - `interaction`: the interaction id the record codes (samples of the interactions table);
//! - `stratum`, `weight` (N_h / n_h) and `sample` (seed, table, stratify) from the sample;
//! - `switched`: whether the company moved the customer to another channel (true / false);
//!   without it, a record that lists `moves` says so by `redirect` among them;
//! - `coded`: false for a record the coder left (the page saves every record of the sheet).
//!
//! A label key that is absent means "not coded" (a field the page does not ask for, such as
//! sentiment); `responded` or `resolution` null means the text tells no exchange ("none"),
//! `latency` null means no stated latency, as in the gold format.

use crate::error::{Error, Result};
use crate::model::Shape;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One coded record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coded {
    /// Line in the file (1-based).
    pub line: usize,
    /// Document id.
    pub id: String,
    /// Interaction id, for samples of the interactions table.
    pub interaction: Option<String>,
    /// Source name.
    pub source: String,
    /// Kind.
    pub kind: String,
    /// Shape, when the record says.
    pub shape: Option<Shape>,
    /// The channel the document itself is a use of.
    pub channel: Option<String>,
    /// The text.
    pub text: String,
    /// Author.
    pub author: Option<String>,
    /// Customer (true) or company (false) post.
    pub inbound: Option<bool>,
    /// Labels the data set gives.
    pub given: BTreeMap<String, String>,
    /// Who coded it.
    pub coder: Option<String>,
    /// Stratum of the sample.
    pub stratum: Option<String>,
    /// Sampling weight N_h / n_h (1 when the record has none).
    pub weight: f64,
    /// N_h: rows of the record's stratum in the index it was drawn from.
    pub population: Option<u64>,
    /// The sample's description (seed, table, stratify), as the sheet wrote it.
    pub sample: Option<Json>,
    /// Companies party to the story (`companies.subject`).
    pub company: Option<BTreeSet<String>>,
    /// yes, no, unknown or none.
    pub responded: Option<String>,
    /// resolved, unresolved, unknown or none.
    pub resolution: Option<String>,
    /// Channels used.
    pub channels: Option<BTreeSet<String>>,
    /// Moved to another channel by the company.
    pub switched: Option<bool>,
    /// Stated latency: kind ("none" without one) and seconds.
    pub latency: Option<(String, Option<f64>)>,
    /// The company's moves.
    pub moves: Option<BTreeSet<String>>,
    /// Redirect targets.
    pub redirect_to: Option<BTreeSet<String>>,
    /// The customer's sentiment.
    pub sentiment: Option<String>,
}

impl Coded {
    /// The key that pairs records of two coders and a record with the tagger's row: the
    /// interaction id when there is one, else the document id.
    pub fn key(&self) -> &str {
        self.interaction.as_deref().unwrap_or(&self.id)
    }
}

/// A coded file read whole.
#[derive(Debug, Clone)]
pub struct CodedFile {
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Records the coder coded, in file order.
    pub records: Vec<Coded>,
    /// Records left uncoded (`"coded": false`).
    pub uncoded: usize,
}

impl CodedFile {
    /// Seed, table and stratification of the sample (from the first record that says), and
    /// per stratum its population, coded records and weight.
    pub fn describe(&self) -> Json {
        let sample = self.records.iter().find_map(|r| r.sample.clone());
        let mut strata: BTreeMap<String, (u64, f64, Option<u64>)> = BTreeMap::new();
        for r in &self.records {
            let s = strata
                .entry(r.stratum.clone().unwrap_or_else(|| "(none)".into()))
                .or_insert((0, r.weight, r.population));
            s.0 += 1;
        }
        let strata: serde_json::Map<String, Json> = strata
            .into_iter()
            .map(|(k, (n, w, p))| {
                (
                    k,
                    serde_json::json!({ "population": p, "coded": n, "weight": w }),
                )
            })
            .collect();
        let coders: BTreeSet<&str> = self
            .records
            .iter()
            .filter_map(|r| r.coder.as_deref())
            .collect();
        serde_json::json!({
            "file": self.path.display().to_string(),
            "sha256": self.sha256,
            "records": self.records.len() + self.uncoded,
            "coded": self.records.len(),
            "uncoded": self.uncoded,
            "coders": coders,
            "sample": sample,
            "strata": strata,
        })
    }
}

/// Reads a coded file. Errors name the file, the line and what was expected.
pub fn read(path: &Path) -> Result<CodedFile> {
    // A regular file of bounded size: `/dev/zero` filled the memory.
    let bytes = crate::files::read_regular(path, crate::files::TEXT_FILE_LIMIT)
        .map_err(Error::io(path, "cannot read"))?;
    let sha256 = crate::ingest::hex(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| Error::Source {
        path: path.to_path_buf(),
        message: format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
    })?;
    let mut records = Vec::new();
    let mut uncoded = 0;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| Error::Source {
            path: path.to_path_buf(),
            message: format!("line {}: {message}", i + 1),
        };
        let v: Json =
            serde_json::from_str(line).map_err(|e| err(format!("not a JSON object ({e})")))?;
        if !v.is_object() {
            return Err(err("not a JSON object".into()));
        }
        if v.get("coded") == Some(&Json::Bool(false)) {
            uncoded += 1;
            continue;
        }
        let r = record(&v, i + 1).map_err(err)?;
        if let Some(first) = seen.insert(r.key().to_string(), i + 1) {
            return Err(err(format!(
                "{} is coded twice (first on line {first})",
                r.key()
            )));
        }
        records.push(r);
    }
    Ok(CodedFile {
        path: path.to_path_buf(),
        sha256,
        records,
        uncoded,
    })
}

fn string(v: &Json, key: &str) -> std::result::Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{key}: expected a string, found {other}")),
    }
}

fn list(v: &Json, key: &str) -> std::result::Result<Option<BTreeSet<String>>, String> {
    match v.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Array(items)) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{key}: expected a list of strings, found {x}"))
            })
            .collect::<std::result::Result<_, _>>()
            .map(Some),
        Some(other) => Err(format!("{key}: expected a list of strings, found {other}")),
    }
}

/// A single-valued label: absent = not coded, null = "none", else one of `allowed`.
fn label(v: &Json, key: &str, allowed: &[&str]) -> std::result::Result<Option<String>, String> {
    match v.get(key) {
        None => Ok(None),
        Some(Json::Null) => Ok(Some("none".into())),
        Some(Json::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "{key}: {other} is not a label (expected one of {}, or null)",
            allowed.join(", ")
        )),
    }
}

/// Latency kinds a coder can state, and `exact` (a delay measured from time stamps, as the
/// tagger labels thread replies).
pub const LATENCY_KINDS: &[&str] = &["at_most", "at_least", "approximate", "bounded", "exact"];

fn record(v: &Json, line: usize) -> std::result::Result<Coded, String> {
    let id = string(v, "id")?.ok_or("missing \"id\"")?;
    let channels = list(v, "channels")?;
    if let Some(cs) = &channels {
        if let Some(bad) = cs
            .iter()
            .find(|c| !crate::tag::rules::CHANNELS.contains(&c.as_str()))
        {
            return Err(format!(
                "channels: {bad:?} is not a channel label (expected one of {})",
                crate::tag::rules::CHANNELS.join(", ")
            ));
        }
    }
    let latency = match v.get("latency") {
        None => None,
        Some(Json::Null) => Some(("none".to_string(), None)),
        Some(l @ Json::Object(_)) => {
            let kind = string(l, "kind")?.ok_or("latency: missing \"kind\"")?;
            if !LATENCY_KINDS.contains(&kind.as_str()) {
                return Err(format!(
                    "latency: kind {kind:?} is not one of {}",
                    LATENCY_KINDS.join(", ")
                ));
            }
            let seconds = match l.get("seconds") {
                None | Some(Json::Null) => None,
                Some(s) => Some(
                    s.as_f64()
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .ok_or_else(|| format!("latency: seconds {s} is not a number >= 0"))?,
                ),
            };
            Some((kind, seconds))
        }
        Some(other) => {
            return Err(format!(
                "latency: expected an object or null, found {other}"
            ))
        }
    };
    let moves = list(v, "moves")?;
    let switched = match v.get("switched") {
        Some(Json::Bool(b)) => Some(*b),
        None | Some(Json::Null) => moves.as_ref().map(|m| m.contains("redirect")),
        Some(other) => {
            return Err(format!(
                "switched: expected true, false or null, found {other}"
            ))
        }
    };
    let weight = match v.get("weight") {
        None | Some(Json::Null) => 1.0,
        Some(w) => w
            .as_f64()
            .filter(|w| w.is_finite() && *w > 0.0)
            .ok_or_else(|| format!("weight: {w} is not a positive number"))?,
    };
    let given = match v.get("given") {
        Some(Json::Object(m)) => m
            .iter()
            .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    };
    let shape = match string(v, "shape")?.as_deref() {
        Some("short") => Some(Shape::Short),
        Some("long") => Some(Shape::Long),
        Some("thread") => Some(Shape::Thread),
        Some(other) => return Err(format!("shape: {other:?} is not short, long or thread")),
        None => None,
    };
    let company = match v.get("companies") {
        Some(c @ Json::Object(_)) => list(c, "subject")?,
        _ => None,
    };
    Ok(Coded {
        line,
        id,
        interaction: string(v, "interaction")?,
        source: string(v, "source")?.unwrap_or_default(),
        kind: string(v, "kind")?.unwrap_or_default(),
        shape,
        channel: string(v, "channel")?,
        text: string(v, "text")?.unwrap_or_default(),
        author: string(v, "author")?,
        inbound: v.get("inbound").and_then(Json::as_bool),
        given,
        coder: string(v, "coder")?,
        stratum: string(v, "stratum")?,
        weight,
        population: v.get("population").and_then(Json::as_u64),
        sample: v.get("sample").filter(|s| !s.is_null()).cloned(),
        company,
        responded: label(v, "responded", &crate::model::Responded::LABELS)?,
        resolution: label(v, "resolution", &crate::model::RESOLUTION_LABELS)?,
        channels,
        switched,
        latency,
        moves,
        redirect_to: list(v, "redirect_to")?,
        sentiment: string(v, "sentiment")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("coded.jsonl");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn reads_gold_and_page_records() {
        let (_d, p) = write(concat!(
            r#"{"id":"a","text":"t","companies":{"subject":["acme"],"mention":[]},"channels":["phone"],"responded":"yes","latency":{"kind":"at_most","seconds":300,"phrase":"x"},"moves":["redirect"],"redirect_to":["phone"],"resolution":null,"sentiment":"positive"}"#,
            "\n",
            r#"{"id":"b","interaction":"b#1","coder":"ann","stratum":"s1","weight":2.5,"responded":"no","resolution":"unresolved","channels":[],"switched":false,"latency":null}"#,
            "\n\n",
            r#"{"id":"c","coded":false}"#,
            "\n"
        ));
        let f = read(&p).unwrap();
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.uncoded, 1);
        let a = &f.records[0];
        assert_eq!(a.resolution.as_deref(), Some("none"));
        assert_eq!(a.switched, Some(true), "derived from moves");
        assert_eq!(a.latency, Some(("at_most".into(), Some(300.0))));
        assert_eq!(a.weight, 1.0);
        assert_eq!(a.company.as_ref().unwrap().len(), 1);
        let b = &f.records[1];
        assert_eq!(b.key(), "b#1");
        assert_eq!(b.latency, Some(("none".into(), None)));
        assert_eq!(b.moves, None, "not coded");
        assert_eq!(b.sentiment, None);
        assert_eq!(b.weight, 2.5);
    }

    #[test]
    fn errors_name_the_line() {
        let (_d, p) = write("{\"id\":\"a\",\"responded\":\"maybe\"}\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(e.ends_with("line 1: responded: \"maybe\" is not a label (expected one of yes, no, unknown, or null)"), "{e}");
        let (_d, p) = write("{\"id\":\"a\"}\n{\"id\":\"a\"}\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("line 2: a is coded twice (first on line 1)"),
            "{e}"
        );
        let (_d, p) = write("{\"id\":\"a\",\"channels\":[\"fax\"]}\n");
        assert!(read(&p)
            .unwrap_err()
            .to_string()
            .contains("\"fax\" is not a channel label"));
    }
}
