//! How often the tagger is right: inferred labels against a hand-labelled gold file, or
//! against the labels a data set gives.
//!
//! A gold file is JSON lines, one document per line (format in the README and
//! tests/gold/GUIDE.md). Each document is tagged as a text (reply links are not followed) and
//! its labels are compared with the gold ones: sets (companies, channels, moves) by
//! precision, recall and F1, micro-averaged over documents; single values (responded,
//! resolution, sentiment) by accuracy with a confusion table; stated latency by exact
//! agreement of kind and seconds. Every rule gets its coverage, its precision against gold,
//! its overlaps with other rules and its conflicts.

use super::{Lexicons, TaggedDoc};
use crate::model::{Document, Interaction, Role, TagSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One gold document.
#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    /// Document id.
    pub id: String,
    /// Source name.
    #[serde(default)]
    pub source: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// The text.
    pub text: String,
    /// Author (tweets).
    #[serde(default)]
    pub author: Option<String>,
    /// Customer (true) or company (false) post.
    #[serde(default)]
    pub inbound: Option<bool>,
    /// Companies by role.
    #[serde(default)]
    pub companies: GoldCompanies,
    /// Channels used in the story.
    #[serde(default)]
    pub channels: Vec<String>,
    /// yes, no, unknown, or null when the text tells no interaction.
    #[serde(default)]
    pub responded: Option<String>,
    /// Stated latency.
    #[serde(default)]
    pub latency: Option<GoldLatency>,
    /// The company's moves.
    #[serde(default)]
    pub moves: Vec<String>,
    /// Redirect targets.
    #[serde(default)]
    pub redirect_to: Vec<String>,
    /// resolved, unresolved, unknown, or null.
    #[serde(default)]
    pub resolution: Option<String>,
    /// The customer's sentiment.
    #[serde(default)]
    pub sentiment: Option<String>,
    /// The labeller's note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Gold companies.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoldCompanies {
    /// Party to the interaction.
    #[serde(default)]
    pub subject: Vec<String>,
    /// Named in passing.
    #[serde(default)]
    pub mention: Vec<String>,
}

/// A gold latency.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldLatency {
    /// at_most, at_least, approximate, bounded.
    pub kind: String,
    /// Seconds, or null for an unquantified bound.
    pub seconds: Option<f64>,
    /// The words in the text.
    #[serde(default)]
    pub phrase: Option<String>,
}

/// Counts for one label or label set.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Score {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    pub fn_: u64,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

impl Score {
    fn add(&mut self, pred: &BTreeSet<String>, gold: &BTreeSet<String>) {
        self.tp += pred.intersection(gold).count() as u64;
        self.fp += pred.difference(gold).count() as u64;
        self.fn_ += gold.difference(pred).count() as u64;
    }

    fn finish(&mut self) {
        let div = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        self.precision = div(self.tp, self.tp + self.fp);
        self.recall = div(self.tp, self.tp + self.fn_);
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
    }
}

/// Accuracy of a single-valued label, with its confusion table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Accuracy {
    /// Documents compared.
    pub n: u64,
    /// Documents where inferred equals gold.
    pub correct: u64,
    /// correct / n.
    pub accuracy: f64,
    /// gold label -> inferred label -> count ("none" when absent).
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Accuracy {
    fn add(&mut self, gold: &str, pred: &str) {
        self.n += 1;
        if gold == pred {
            self.correct += 1;
        }
        *self
            .confusion
            .entry(gold.to_string())
            .or_default()
            .entry(pred.to_string())
            .or_default() += 1;
    }

    fn finish(&mut self) {
        self.accuracy = if self.n == 0 {
            1.0
        } else {
            self.correct as f64 / self.n as f64
        };
    }
}

/// One rule's record on the gold set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleScore {
    /// Rule id.
    pub rule: String,
    /// Label set.
    pub set: String,
    /// Tags it produced.
    pub tags: u64,
    /// Documents it fired in.
    pub docs: u64,
    /// Tags whose label the gold agrees with.
    pub correct: u64,
    /// correct / tags.
    pub precision: f64,
    /// Tags whose span overlaps a tag of another rule of the same set.
    pub overlaps: u64,
    /// Tags that disagree with another rule's tag in the same document on a single-valued
    /// set (responded yes vs no, resolved vs unresolved, latency kinds).
    pub conflicts: u64,
}

/// A document the tagger got wrong somewhere, for reading.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Document id.
    pub id: String,
    /// Field.
    pub field: String,
    /// Gold value.
    pub gold: String,
    /// Inferred value.
    pub inferred: String,
}

/// The evaluation report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Gold documents.
    pub documents: u64,
    /// Party companies (subject, addressee, responder).
    pub company: Score,
    /// Companies named only in passing.
    pub mention: Score,
    /// Channels.
    pub channel: Score,
    /// Channels, per label.
    pub channel_by_label: BTreeMap<String, Score>,
    /// Company moves.
    pub moves: Score,
    /// Responded (documents with gold not null).
    pub responded: Accuracy,
    /// Resolution (documents with gold not null).
    pub resolution: Accuracy,
    /// Sentiment.
    pub sentiment: Accuracy,
    /// Stated latency: documents whose gold has one, and how many the tagger got exactly.
    pub latency: Accuracy,
    /// Latencies inferred where the gold has none.
    pub latency_spurious: u64,
    /// Per rule.
    pub rules: Vec<RuleScore>,
    /// Every disagreement.
    pub misses: Vec<Miss>,
}

/// The labels the tagger gives a document, in the gold's terms.
#[derive(Debug, Clone, Default)]
pub struct Inferred {
    /// Party companies.
    pub company: BTreeSet<String>,
    /// Mentioned-only companies.
    pub mention: BTreeSet<String>,
    /// Channels of its interactions (of all channel tags when it has none).
    pub channels: BTreeSet<String>,
    /// Responded of the first interaction, "none" without one.
    pub responded: String,
    /// Latency (kind, seconds) of the first interaction that has one.
    pub latency: Option<(String, Option<f64>)>,
    /// Moves of all interactions.
    pub moves: BTreeSet<String>,
    /// Resolution of the first interaction, "none" without one.
    pub resolution: String,
    /// Sentiment of the first interaction, else of the whole text.
    pub sentiment: String,
}

/// Summarises a tagged document as the gold labels it.
pub fn infer(t: &TaggedDoc) -> Inferred {
    let mut inf = Inferred::default();
    for tag in t.tags.iter().filter(|x| x.set == TagSet::Company) {
        if tag.role.is_some_and(Role::is_party) {
            inf.company.insert(tag.label.clone());
        }
    }
    for tag in t.tags.iter().filter(|x| x.set == TagSet::Company) {
        if !inf.company.contains(&tag.label) {
            inf.mention.insert(tag.label.clone());
        }
    }
    let first: Option<&Interaction> = t.interactions.first();
    if t.interactions.is_empty() {
        // No story with a company: channels named are not channels used.
        inf.channels = BTreeSet::new();
    }
    for i in &t.interactions {
        inf.channels.extend(i.channels.iter().cloned());
        inf.moves.extend(i.moves.iter().cloned());
    }
    inf.responded = first.map_or("none".into(), |i| i.responded.as_str().to_string());
    inf.latency = t
        .interactions
        .iter()
        .find(|i| i.latency_kind.is_some())
        .map(|i| {
            (
                i.latency_kind.clone().unwrap_or_default(),
                i.latency_seconds,
            )
        });
    inf.resolution = first.map_or("none".into(), |i| i.resolution.clone());
    inf.sentiment = first.map_or_else(
        || super::sentiment_of(t.tags.iter()),
        |i| i.sentiment.clone(),
    );
    inf
}

/// Tags one gold document as a text.
pub fn tag_gold(lex: &Lexicons, g: &Gold) -> TaggedDoc {
    let doc = Document {
        id: g.id.clone(),
        source: g.source.clone(),
        kind: if g.kind.is_empty() {
            "blog".into()
        } else {
            g.kind.clone()
        },
        file: String::new(),
        text: g.text.clone(),
        author: g.author.clone(),
        ..Document::default()
    };
    lex.tag_as_text(doc)
}

/// Compares the tagger with a gold set.
pub fn evaluate(lex: &Lexicons, gold: &[Gold]) -> Report {
    let mut r = Report {
        documents: gold.len() as u64,
        ..Report::default()
    };
    let mut rules: BTreeMap<String, RuleScore> = BTreeMap::new();
    // Gold ids roll up like the gazetteer does (a brand counts for its maker).
    let norm = |ids: &[String]| -> BTreeSet<String> {
        ids.iter().map(|c| lex.gazetteer.roll_up(c)).collect()
    };
    for g in gold {
        let t = tag_gold(lex, g);
        let inf = infer(&t);
        let gold_company = norm(&g.companies.subject);
        let gold_mention: BTreeSet<String> = norm(&g.companies.mention)
            .difference(&gold_company)
            .cloned()
            .collect();
        let gold_channels: BTreeSet<String> = g.channels.iter().cloned().collect();
        let gold_moves: BTreeSet<String> = g.moves.iter().cloned().collect();
        let mut miss = |field: &str, gold: String, inferred: String| {
            if gold != inferred {
                r.misses.push(Miss {
                    id: g.id.clone(),
                    field: field.into(),
                    gold,
                    inferred,
                });
            }
        };
        let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
        miss("company", show(&gold_company), show(&inf.company));
        miss("mention", show(&gold_mention), show(&inf.mention));
        miss("channels", show(&gold_channels), show(&inf.channels));
        miss("moves", show(&gold_moves), show(&inf.moves));
        r.company.add(&inf.company, &gold_company);
        r.mention.add(&inf.mention, &gold_mention);
        r.channel.add(&inf.channels, &gold_channels);
        for label in gold_channels.union(&inf.channels) {
            let one = |s: &BTreeSet<String>| {
                s.iter()
                    .filter(|x| *x == label)
                    .cloned()
                    .collect::<BTreeSet<_>>()
            };
            r.channel_by_label
                .entry(label.clone())
                .or_default()
                .add(&one(&inf.channels), &one(&gold_channels));
        }
        r.moves.add(&inf.moves, &gold_moves);
        if let Some(gr) = &g.responded {
            r.responded.add(gr, &inf.responded);
            miss("responded", gr.clone(), inf.responded.clone());
        }
        if let Some(gr) = &g.resolution {
            r.resolution.add(gr, &inf.resolution);
            miss("resolution", gr.clone(), inf.resolution.clone());
        }
        if let Some(gs) = &g.sentiment {
            r.sentiment.add(gs, &inf.sentiment);
            miss("sentiment", gs.clone(), inf.sentiment.clone());
        }
        let fmt_latency = |l: &Option<(String, Option<f64>)>| match l {
            Some((k, Some(s))) => format!("{k} {s}"),
            Some((k, None)) => format!("{k} -"),
            None => "none".into(),
        };
        let gold_latency = g.latency.as_ref().map(|l| (l.kind.clone(), l.seconds));
        match &gold_latency {
            Some(_) => {
                let (gs, is) = (fmt_latency(&gold_latency), fmt_latency(&inf.latency));
                r.latency.add(&gs, &is);
                miss("latency", gs, is);
            }
            None if inf.latency.is_some() => {
                r.latency_spurious += 1;
                miss("latency", "none".into(), fmt_latency(&inf.latency));
            }
            None => {}
        }
        score_rules(
            &t,
            g,
            &gold_company,
            &gold_mention,
            &gold_channels,
            &gold_moves,
            &mut rules,
        );
    }
    for s in [&mut r.company, &mut r.mention, &mut r.channel, &mut r.moves] {
        s.finish();
    }
    for s in r.channel_by_label.values_mut() {
        s.finish();
    }
    for a in [
        &mut r.responded,
        &mut r.resolution,
        &mut r.sentiment,
        &mut r.latency,
    ] {
        a.finish();
    }
    r.rules = rules
        .into_values()
        .map(|mut s| {
            s.precision = if s.tags == 0 {
                0.0
            } else {
                s.correct as f64 / s.tags as f64
            };
            s
        })
        .collect();
    r
}

#[allow(clippy::too_many_arguments)]
fn score_rules(
    t: &TaggedDoc,
    g: &Gold,
    gold_company: &BTreeSet<String>,
    gold_mention: &BTreeSet<String>,
    gold_channels: &BTreeSet<String>,
    gold_moves: &BTreeSet<String>,
    rules: &mut BTreeMap<String, RuleScore>,
) {
    let mut fired: BTreeSet<&str> = BTreeSet::new();
    for (k, tag) in t.tags.iter().enumerate() {
        let rule = tag.rule.split(':').next().unwrap_or(&tag.rule).to_string();
        let correct = match tag.set {
            TagSet::Company => match tag.role {
                Some(role) if role.is_party() => gold_company.contains(&tag.label),
                _ => gold_mention.contains(&tag.label) || gold_company.contains(&tag.label),
            },
            TagSet::Channel => gold_channels.contains(&tag.label),
            TagSet::Move => gold_moves.contains(&tag.label),
            TagSet::Responded => g.responded.as_deref() == Some(tag.label.as_str()),
            TagSet::Resolution => g.resolution.as_deref() == Some(tag.label.as_str()),
            TagSet::Sentiment => g
                .sentiment
                .as_deref()
                .is_some_and(|s| s == tag.label || s == "mixed"),
            TagSet::Latency => g
                .latency
                .as_ref()
                .is_some_and(|l| l.kind == tag.label && l.seconds == tag.seconds),
        };
        let single = matches!(
            tag.set,
            TagSet::Responded | TagSet::Resolution | TagSet::Latency
        );
        let others = t
            .tags
            .iter()
            .enumerate()
            .filter(|(j, o)| *j != k && o.set == tag.set && o.rule != tag.rule);
        let mut overlaps = 0;
        let mut conflicts = 0;
        for (_, o) in others {
            if o.start < tag.end && tag.start < o.end && tag.end > tag.start {
                overlaps = 1;
            }
            if single && o.label != tag.label {
                conflicts = 1;
            }
        }
        let s = rules.entry(rule.clone()).or_insert_with(|| RuleScore {
            rule: rule.clone(),
            set: tag.set.as_str().into(),
            ..RuleScore::default()
        });
        s.tags += 1;
        s.correct += u64::from(correct);
        s.overlaps += overlaps;
        s.conflicts += conflicts;
        if fired.insert(tag.rule.as_str()) {
            s.docs += 1;
        }
    }
}

/// Reads a gold file: one JSON object per line; errors name the line.
pub fn read_gold(path: &std::path::Path) -> crate::Result<Vec<Gold>> {
    let text =
        std::fs::read_to_string(path).map_err(crate::Error::io(path, "cannot read gold file"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let g: Gold = serde_json::from_str(line).map_err(|e| crate::Error::Source {
            path: path.to_path_buf(),
            message: format!(
                "line {}: {e}; expected a gold document (see tests/gold/GUIDE.md)",
                i + 1
            ),
        })?;
        out.push(g);
    }
    Ok(out)
}

/// Agreement of an inferred label with the label a data set gives, over an index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GivenAgreement {
    /// The given label: company or sentiment.
    pub label: String,
    /// Documents with a given value.
    pub n: u64,
    /// Documents whose inferred value equals the given one.
    pub agree: u64,
    /// agree / n.
    pub rate: f64,
    /// Given values the gazetteer cannot name (compared as written).
    pub unknown_given: u64,
    /// (given, inferred) -> count, for the disagreements.
    pub confusion: BTreeMap<String, u64>,
}

/// Compares inferred labels with given ones over an index: the first party company of each
/// document (the account a tweet addresses, the subject of a story) against `given_company`,
/// and the text's sentiment against `given_sentiment`, where the data set has them.
pub fn given_agreement(
    lex: &Lexicons,
    dir: &std::path::Path,
) -> crate::Result<Vec<GivenAgreement>> {
    use polars::prelude::*;
    let read = |name: &str| -> crate::Result<DataFrame> {
        let path = dir.join("tables").join(name);
        let f = std::fs::File::open(&path).map_err(crate::Error::io(&path, "cannot open"))?;
        Ok(ParquetReader::new(f).finish()?)
    };
    let docs = read("documents.parquet")?;
    let tags = read("mentions.parquet")?;
    let str_col = |df: &DataFrame, name: &str| -> crate::Result<Vec<Option<String>>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (t_doc, t_set, t_label, t_role) = (
        str_col(&tags, "doc_id")?,
        str_col(&tags, "set")?,
        str_col(&tags, "label")?,
        str_col(&tags, "role")?,
    );
    let mut first_party: BTreeMap<String, String> = BTreeMap::new();
    let (mut pos, mut neg): (BTreeMap<String, u32>, BTreeMap<String, u32>) = Default::default();
    for k in 0..tags.height() {
        let (Some(doc), Some(set), Some(label)) = (&t_doc[k], &t_set[k], &t_label[k]) else {
            continue;
        };
        match set.as_str() {
            "company" if t_role[k].as_deref().is_some_and(|r| r != "mention") => {
                first_party
                    .entry(doc.clone())
                    .or_insert_with(|| label.clone());
            }
            "sentiment" if label == "positive" => *pos.entry(doc.clone()).or_default() += 1,
            "sentiment" => *neg.entry(doc.clone()).or_default() += 1,
            _ => {}
        }
    }
    let ids = str_col(&docs, "id")?;
    let mut out = Vec::new();
    for label in ["company", "sentiment"] {
        let col = format!("given_{label}");
        if docs.column(&col).is_err() {
            continue;
        }
        let given = str_col(&docs, &col)?;
        let mut a = GivenAgreement {
            label: label.into(),
            ..GivenAgreement::default()
        };
        for (id, g) in ids.iter().zip(&given) {
            let (Some(id), Some(g)) = (id, g) else {
                continue;
            };
            a.n += 1;
            let (want, got) = if label == "company" {
                let want = lex.gazetteer.resolve_name(g).unwrap_or_else(|| {
                    a.unknown_given += 1;
                    g.clone()
                });
                (
                    want,
                    first_party
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| "none".into()),
                )
            } else {
                let (p, n) = (
                    pos.get(id).copied().unwrap_or(0),
                    neg.get(id).copied().unwrap_or(0),
                );
                let got = match (p, n) {
                    (0, 0) => "neutral",
                    (_, 0) => "positive",
                    (0, _) => "negative",
                    (p, n) if p >= 2 * n => "positive",
                    (p, n) if n >= 2 * p => "negative",
                    _ => "mixed",
                };
                (g.to_ascii_lowercase(), got.to_string())
            };
            if want == got {
                a.agree += 1;
            } else {
                *a.confusion.entry(format!("{want} -> {got}")).or_default() += 1;
            }
        }
        a.rate = if a.n == 0 {
            1.0
        } else {
            a.agree as f64 / a.n as f64
        };
        out.push(a);
    }
    Ok(out)
}
