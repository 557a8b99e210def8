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
use crate::index::tables::DocLabels;
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
    /// The document's shape (`short` for a tweet or a title, `long` by default).
    #[serde(default)]
    pub shape: Option<crate::model::Shape>,
    /// The channel the document itself is a use of (`twitter` for a tweet).
    #[serde(default)]
    pub channel: Option<String>,
    /// Labels the data set gives (a complaint's company), handed to the tagger as a source
    /// would. A given company counts as party to the story.
    #[serde(default)]
    pub given: BTreeMap<String, String>,
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
    /// tp / (tp + fp); none when nothing was inferred.
    pub precision: Option<f64>,
    /// tp / (tp + fn); none when the gold has nothing.
    pub recall: Option<f64>,
    /// Harmonic mean of the two; none when either is.
    pub f1: Option<f64>,
}

/// A ratio, or none when its denominator is 0 (printed "n/a", never 1.0).
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// A score for printing: three decimals, or "n/a".
pub fn shown(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

impl Score {
    fn add(&mut self, pred: &BTreeSet<String>, gold: &BTreeSet<String>) {
        self.tp += pred.intersection(gold).count() as u64;
        self.fp += pred.difference(gold).count() as u64;
        self.fn_ += gold.difference(pred).count() as u64;
    }

    fn finish(&mut self) {
        self.precision = ratio(self.tp, self.tp + self.fp);
        self.recall = ratio(self.tp, self.tp + self.fn_);
        self.f1 = match (self.precision, self.recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
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
    /// correct / n; none when n is 0.
    pub accuracy: Option<f64>,
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
        self.accuracy = ratio(self.correct, self.n);
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
    pub precision: Option<f64>,
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
    /// Companies the gold names only in passing that the tagger takes as a party: (taken,
    /// mentioned only).
    pub mention_as_party: (u64, u64),
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
    /// The main scores per source of the gold file.
    pub by_source: BTreeMap<String, SourceScores>,
    /// Per rule.
    pub rules: Vec<RuleScore>,
    /// Every disagreement.
    pub misses: Vec<Miss>,
}

/// The main scores of one source's documents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceScores {
    /// Documents.
    pub documents: u64,
    /// Party companies.
    pub company: Score,
    /// Channels.
    pub channel: Score,
    /// Responded.
    pub responded: Accuracy,
    /// Stated latency.
    pub latency: Accuracy,
    /// Sentiment.
    pub sentiment: Accuracy,
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
            inf.company.insert(tag.label.to_string());
        }
    }
    for tag in t.tags.iter().filter(|x| x.set == TagSet::Company) {
        if !inf.company.contains(tag.label) {
            inf.mention.insert(tag.label.to_string());
        }
    }
    let first: Option<&Interaction> = t.interactions.first();
    if t.interactions.is_empty() {
        // No story with a company: channels named are not channels used.
        inf.channels = BTreeSet::new();
    }
    for i in &t.interactions {
        inf.channels
            .extend(i.channels.iter().map(|c| c.to_string()));
        inf.moves.extend(i.moves.iter().map(|m| m.to_string()));
    }
    inf.responded = first.map_or("none".into(), |i| i.responded.as_str().to_string());
    inf.latency = t
        .interactions
        .iter()
        .find(|i| i.latency_kind.is_some())
        .map(|i| {
            (
                i.latency_kind.as_deref().unwrap_or_default().to_string(),
                i.latency_seconds,
            )
        });
    inf.resolution = first.map_or("none".into(), |i| i.resolution.to_string());
    inf.sentiment = first.map_or_else(
        || super::sentiment_of(t.tags.iter()),
        |i| i.sentiment.to_string(),
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
        shape: g.shape.unwrap_or_default(),
        channel: g.channel.clone(),
        file: String::new(),
        text: g.text.clone(),
        author: g.author.clone(),
        given: g.given.clone(),
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
        let mut gold_company = norm(&g.companies.subject);
        // A company the data set gives is party to the story (what the complaint is
        // against), whether or not the text names it.
        gold_company.extend(t.given_company.map(str::to_string));
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
        let src = r.by_source.entry(g.source.clone()).or_default();
        src.documents += 1;
        src.company.add(&inf.company, &gold_company);
        src.channel.add(&inf.channels, &gold_channels);
        if let Some(gr) = &g.responded {
            src.responded.add(gr, &inf.responded);
        }
        if let Some(gs) = &g.sentiment {
            src.sentiment.add(gs, &inf.sentiment);
        }
        r.mention.add(&inf.mention, &gold_mention);
        r.mention_as_party.0 += gold_mention.intersection(&inf.company).count() as u64;
        r.mention_as_party.1 += gold_mention.len() as u64;
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
                if let Some(src) = r.by_source.get_mut(&g.source) {
                    src.latency.add(&gs, &is);
                }
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
    for s in r.by_source.values_mut() {
        s.company.finish();
        s.channel.finish();
        for a in [&mut s.responded, &mut s.latency, &mut s.sentiment] {
            a.finish();
        }
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
            s.precision = ratio(s.correct, s.tags);
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
        let rule = tag.rule.split(':').next().unwrap_or(tag.rule).to_string();
        let correct = match tag.set {
            TagSet::Company => match tag.role {
                Some(role) if role.is_party() => gold_company.contains(tag.label),
                _ => gold_mention.contains(tag.label) || gold_company.contains(tag.label),
            },
            TagSet::Channel => gold_channels.contains(tag.label),
            TagSet::Move => gold_moves.contains(tag.label),
            TagSet::Responded => g.responded.as_deref() == Some(tag.label),
            TagSet::Resolution => g.resolution.as_deref() == Some(tag.label),
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
        if fired.insert(tag.rule) {
            s.docs += 1;
        }
    }
}

/// Reads a gold file: one JSON object per line; errors name the line.
pub fn read_gold(path: &std::path::Path) -> crate::Result<Vec<Gold>> {
    let text = crate::files::read_regular_text(path, crate::files::TEXT_FILE_LIMIT)
        .map_err(crate::Error::io(path, "cannot read gold file"))?;
    let err = |message: String| crate::Error::Source {
        path: path.to_path_buf(),
        message,
    };
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let g: Gold = serde_json::from_str(line).map_err(|e| {
            err(format!(
                "line {}: {e}; expected a gold document (see tests/gold/GUIDE.md)",
                i + 1
            ))
        })?;
        check_gold(&g).map_err(|e| err(format!("line {}: {e}", i + 1)))?;
        if let Some(first) = seen.insert(g.id.clone(), i + 1) {
            return Err(err(format!(
                "line {}: {:?} is labelled twice (first on line {first}); it would count twice",
                i + 1,
                g.id
            )));
        }
        out.push(g);
    }
    if out.is_empty() {
        return Err(err(
            "no gold documents; expected JSON lines (see tests/gold/GUIDE.md)".into(),
        ));
    }
    Ok(out)
}

/// A gold label outside its label set (a typo, "maybe") would count as a disagreement in
/// every score it enters: refused, naming the field and the labels it may take.
fn check_gold(g: &Gold) -> std::result::Result<(), String> {
    let one = |field: &str, v: &Option<String>, allowed: &[&str]| match v {
        Some(v) if !allowed.contains(&v.as_str()) => Err(format!(
            "{field}: {v:?} is not one of {} (or null)",
            allowed.join(", ")
        )),
        _ => Ok(()),
    };
    let each = |field: &str, vs: &[String], allowed: &[&str]| match vs
        .iter()
        .find(|v| !allowed.contains(&v.as_str()))
    {
        Some(v) => Err(format!(
            "{field}: {v:?} is not one of {}",
            allowed.join(", ")
        )),
        None => Ok(()),
    };
    one("responded", &g.responded, &crate::model::Responded::LABELS)?;
    one(
        "resolution",
        &g.resolution,
        &crate::model::RESOLUTION_LABELS,
    )?;
    one(
        "sentiment",
        &g.sentiment,
        &["positive", "negative", "neutral", "mixed"],
    )?;
    each("channels", &g.channels, crate::tag::rules::CHANNELS)?;
    each("redirect_to", &g.redirect_to, crate::tag::rules::CHANNELS)?;
    each("moves", &g.moves, crate::tag::rules::MOVES)?;
    if let Some(l) = &g.latency {
        one(
            "latency.kind",
            &Some(l.kind.clone()),
            crate::tag::rules::LATENCY,
        )?;
        if let Some(s) = l.seconds.filter(|s| !s.is_finite() || *s < 0.0) {
            return Err(format!("latency.seconds: {s} is not a number >= 0"));
        }
    }
    Ok(())
}

/// Agreement of an inferred label with the label a data set gives, over an index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GivenAgreement {
    /// The given label: company or sentiment.
    pub label: String,
    /// Documents with a given value and some text (the tagger reads only text).
    pub n: u64,
    /// Documents with a given value and no text, left out of `n`: nothing in them can
    /// agree (a complaint filed without its narrative).
    pub without_text: u64,
    /// Documents whose inferred value equals the given one.
    pub agree: u64,
    /// agree / n.
    pub rate: Option<f64>,
    /// Given values the gazetteer cannot name (compared as written).
    pub unknown_given: u64,
    /// (given, inferred) -> count, for the disagreements.
    pub confusion: BTreeMap<String, u64>,
}

/// Compares inferred labels with given ones over an index, among the documents with text:
/// the first company a document's own words make party to it (the account a tweet
/// addresses, the subject of a story; not the given label itself) against `given_company`,
/// and the text's sentiment against `given_sentiment`, where the data set has them.
pub fn given_agreement(lex: &Lexicons, docs: &[DocLabels]) -> Vec<GivenAgreement> {
    let mut out = Vec::new();
    for label in ["company", "sentiment"] {
        let mut a = GivenAgreement {
            label: label.into(),
            ..GivenAgreement::default()
        };
        for d in docs {
            let Some(g) = d.given.get(label) else {
                continue;
            };
            if !d.has_text {
                a.without_text += 1;
                continue;
            }
            a.n += 1;
            let (want, got) = if label == "company" {
                let want = lex.gazetteer.resolve_name(g).unwrap_or_else(|| {
                    a.unknown_given += 1;
                    g.clone()
                });
                // The text's own party: not the given label, nor a name made party by it.
                let got = d
                    .tags
                    .iter()
                    .find(|t| {
                        t.set == "company"
                            && t.role.as_deref().is_some_and(|r| r != "mention")
                            && t.found.as_deref() != Some("given")
                            && t.role_rule.as_deref() != Some(super::names::GIVEN_ROLE)
                    })
                    .map_or_else(|| "none".to_string(), |t| t.label.clone());
                (want, got)
            } else {
                let labels = d
                    .tags
                    .iter()
                    .filter(|t| t.set == "sentiment")
                    .map(|t| t.label.as_str());
                (
                    g.to_ascii_lowercase(),
                    super::sentiment_of_labels(labels).to_string(),
                )
            };
            if want == got {
                a.agree += 1;
            } else {
                *a.confusion.entry(format!("{want} -> {got}")).or_default() += 1;
            }
        }
        a.rate = ratio(a.agree, a.n);
        if a.n > 0 {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> std::result::Result<Vec<Gold>, String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gold.jsonl");
        std::fs::write(&p, text).unwrap();
        read_gold(&p).map_err(|e| e.to_string())
    }

    /// Labels outside their sets, duplicate ids and an empty file are refused with the line;
    /// a byte-order mark is not part of the first line. They were scored: "maybe" a
    /// disagreement in every score, a duplicate counted twice.
    #[test]
    fn gold_labels_outside_their_sets_are_refused() {
        let ok = r#"{"id": "a", "text": "t", "responded": "yes", "channels": ["phone"], "moves": ["fix"], "latency": {"kind": "at_most", "seconds": 60}, "sentiment": "mixed"}"#;
        assert_eq!(read(&format!("\u{feff}{ok}\n")).unwrap().len(), 1);
        for (bad, says) in [
            (
                r#""responded": "yes""#.replace("yes", "maybe"),
                "responded: \"maybe\" is not one of yes, no, unknown",
            ),
            (
                r#""channels": ["pigeon"]"#.into(),
                "channels: \"pigeon\" is not one of twitter",
            ),
            (
                r#""moves": ["hug"]"#.into(),
                "moves: \"hug\" is not one of apology",
            ),
            (
                r#""sentiment": "ecstatic""#.into(),
                "sentiment: \"ecstatic\"",
            ),
            (
                r#""latency": {"kind": "soon", "seconds": 1}"#.into(),
                "latency.kind: \"soon\"",
            ),
            (
                r#""latency": {"kind": "at_most", "seconds": -5}"#.into(),
                "latency.seconds: -5",
            ),
        ] {
            let line = format!(r#"{{"id": "b", "text": "t", {bad}}}"#);
            let e = read(&format!("{ok}\n{line}\n")).unwrap_err();
            assert!(e.contains("line 2: ") && e.contains(says), "{e}");
        }
        let e = read(&format!("{ok}\n\n{ok}\n")).unwrap_err();
        assert!(
            e.contains("line 3: \"a\" is labelled twice (first on line 1)"),
            "{e}"
        );
        assert!(read("\n").unwrap_err().contains("no gold documents"));
    }
}
