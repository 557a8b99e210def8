//! Tag: a document (plus its thread context) in, tags and interactions out.
//!
//! Every tag carries its evidence: the byte span in the text and the id of the rule that
//! produced it. Companies come from the gazetteer ([`gazetteer`]), with a role decided by
//! role cues around each name ([`rules`], `roles.toml`); channels and outcomes come from the
//! rules in `channels.toml` and `outcomes.toml`. [`Tagger::tag`] is plain single-threaded
//! code; [`tag_all`] runs it over a batch with rayon. Nothing here reads or writes files
//! except [`Lexicons::load`].
//!
//! Interactions from text (blogs, posts, complaints, tweets without reply links): one per
//! company that is party to the story (subject, addressee or responder), never for a company
//! only mentioned. Reply-linked tweets get their interactions from the thread structure
//! instead ([`threads`]).

pub mod eval;
pub mod gazetteer;
pub mod rules;
pub mod threads;

use crate::model::{Actor, Document, Evidence, Interaction, Responded, Role, Tag, TagSet};
use gazetteer::{Gazetteer, PatternKind};
use rayon::prelude::*;
use rules::{FileKind, LoadError, Position, Rule, RuleSet};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Default rule files, built into the binary.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("companies.toml", include_str!("rules/companies.toml")),
    ("channels.toml", include_str!("rules/channels.toml")),
    ("outcomes.toml", include_str!("rules/outcomes.toml")),
    ("roles.toml", include_str!("rules/roles.toml")),
];

/// Everything the tagger needs, loaded, checked and compiled once.
#[derive(Debug, Clone)]
pub struct Lexicons {
    /// Companies.
    pub gazetteer: Gazetteer,
    channels: RuleSet,
    outcomes: RuleSet,
    roles: RuleSet,
    /// (file, sha256) of every rule file used, for the index manifest.
    pub files: Vec<(String, String)>,
}

/// A document with its tags and the interactions its text describes.
#[derive(Debug, Clone, Serialize)]
pub struct TaggedDoc {
    /// The document.
    pub doc: Document,
    /// All tags, ordered by span.
    pub tags: Vec<Tag>,
    /// Interactions from the text (empty for reply-linked posts).
    pub interactions: Vec<Interaction>,
}

impl Lexicons {
    /// The built-in defaults only.
    pub fn defaults() -> Lexicons {
        Lexicons::load(None, None).expect("built-in rules are valid")
    }

    /// Loads the rules: each file from `rules_dir` when it has one, else the built-in default;
    /// then the study's gazetteer (`companies`) on top of the companies file.
    pub fn load(rules_dir: Option<&Path>, companies: Option<&Path>) -> Result<Lexicons, LoadError> {
        let mut texts: Vec<(String, String)> = Vec::new();
        for (name, default) in DEFAULTS {
            let own = rules_dir.map(|d| d.join(name)).filter(|p| p.exists());
            match own {
                Some(p) => {
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        LoadError::at(&p.display().to_string(), None, format!("cannot read: {e}"))
                    })?;
                    texts.push((p.display().to_string(), text));
                }
                None => texts.push((format!("(built-in) {name}"), default.to_string())),
            }
        }
        let mut gaz_files = vec![texts[0].clone()];
        if let Some(p) = companies {
            let text = std::fs::read_to_string(p).map_err(|e| {
                LoadError::at(&p.display().to_string(), None, format!("cannot read: {e}"))
            })?;
            gaz_files.push((p.display().to_string(), text.clone()));
            texts.push((p.display().to_string(), text));
        }
        let gazetteer = Gazetteer::load(&gaz_files)?;
        let channels = rules::load(&texts[1].0, &texts[1].1, FileKind::Channels)?;
        let outcomes = rules::load(&texts[2].0, &texts[2].1, FileKind::Outcomes)?;
        let roles = rules::load(&texts[3].0, &texts[3].1, FileKind::Roles)?;
        let files = texts
            .iter()
            .map(|(p, t)| (p.clone(), crate::ingest::hex(&Sha256::digest(t.as_bytes()))))
            .collect();
        Ok(Lexicons {
            gazetteer,
            channels,
            outcomes,
            roles,
            files,
        })
    }

    /// Tags one document.
    pub fn tag(&self, doc: Document) -> TaggedDoc {
        let threaded = is_threaded(&doc);
        self.tag_with(doc, threaded)
    }

    /// Tags one document as a text, building interactions from its words even when it is a
    /// reply-linked post (used by evaluation, which sees one post at a time).
    pub fn tag_as_text(&self, doc: Document) -> TaggedDoc {
        self.tag_with(doc, false)
    }

    fn tag_with(&self, doc: Document, threaded: bool) -> TaggedDoc {
        let text = doc.text.as_str();
        let sentences = sentences(text);
        let mut tags = Vec::new();
        self.company_tags(&doc, &sentences, &mut tags);
        self.rule_tags(&doc, &sentences, &mut tags);
        tags.sort_by(|a, b| {
            (a.start, a.end, a.set, &a.label).cmp(&(b.start, b.end, b.set, &b.label))
        });
        let company_post = doc.thread.inbound == Some(false)
            || doc
                .author
                .as_deref()
                .and_then(|a| self.gazetteer.by_handle(a))
                .is_some();
        let interactions = if threaded {
            Vec::new()
        } else {
            text_interactions(&doc, &tags, &sentences, company_post)
        };
        TaggedDoc {
            doc,
            tags,
            interactions,
        }
    }

    fn company_tags(&self, doc: &Document, sentences: &[(usize, usize)], tags: &mut Vec<Tag>) {
        let text = doc.text.as_str();
        let tweet = doc.kind == "tweet" || doc.thread.inbound.is_some();
        let author_company = doc
            .author
            .as_deref()
            .and_then(|a| self.gazetteer.by_handle(a));
        if let Some(entry) = author_company {
            // A company's own post: it is the account that answers.
            tags.push(Tag {
                set: TagSet::Company,
                label: self.gazetteer.root_id(entry).to_string(),
                role: Some(Role::Responder),
                actor: None,
                seconds: None,
                target: None,
                start: 0,
                end: 0,
                rule: "company.author_handle".into(),
                role_rule: Some("role.responder.author".into()),
            });
        }
        let found = self.gazetteer.find(text);
        let spans: Vec<(usize, usize)> = found.iter().map(|f| (f.start, f.end)).collect();
        for f in found {
            let s = sentence_of(sentences, f.start);
            let (role, role_rule) =
                if tweet && f.kind == PatternKind::Handle && author_company.is_none() {
                    (Role::Addressee, "role.addressee.handle".to_string())
                } else if author_company == Some(f.entry) {
                    (Role::Responder, "role.responder.author".to_string())
                } else {
                    self.role(text, s, f.start, f.end, &spans)
                };
            tags.push(Tag {
                set: TagSet::Company,
                label: self.gazetteer.root_id(f.entry).to_string(),
                role: Some(role),
                actor: None,
                seconds: None,
                target: None,
                start: f.start,
                end: f.end,
                rule: format!("{}:{}", f.kind.rule(), self.gazetteer.id(f.entry)),
                role_rule: Some(role_rule),
            });
        }
    }

    /// Subject or mention, from the cues around one occurrence. A list or product cue makes
    /// a mention whatever else the sentence says; a staff cue or a service verb in the
    /// sentence makes a subject; otherwise a mention.
    fn role(
        &self,
        text: &str,
        (ss, se): (usize, usize),
        start: usize,
        end: usize,
        names: &[(usize, usize)],
    ) -> (Role, String) {
        // A cue counts only outside every company name ("Tweet" in "Tweet Beep" is a name).
        let in_range = |r: &Rule, from: usize, to: usize| -> bool {
            r.regex.find_iter(&text[from..to]).any(|m| {
                let (a, b) = (from + m.start(), from + m.end());
                !names.iter().any(|&(s, e)| a < e && s < b)
            })
        };
        let fires = |r: &Rule| -> bool {
            let before = floor(text, start.saturating_sub(r.window).max(ss));
            let after = floor(text, (end + r.window).min(se)).max(end);
            match r.position {
                Position::Sentence => in_range(r, ss, se.max(ss)),
                Position::Before => in_range(r, before, start),
                Position::After => in_range(r, end, after),
                Position::Near => in_range(r, before, start) || in_range(r, end, after),
            }
        };
        for cue in ["list", "product"] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Mention, r.id.clone());
            }
        }
        for cue in ["staff", "service"] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Subject, r.id.clone());
            }
        }
        (Role::Mention, "role.mention.no_service_cue".into())
    }

    fn rule_tags(&self, doc: &Document, sentences: &[(usize, usize)], tags: &mut Vec<Tag>) {
        let text = doc.text.as_str();
        let company_post = doc.thread.inbound == Some(false)
            || doc
                .author
                .as_deref()
                .and_then(|a| self.gazetteer.by_handle(a))
                .is_some();
        if doc.kind == "tweet" {
            // The tweet itself is a use of public Twitter, by whoever wrote it.
            tags.push(Tag {
                set: TagSet::Channel,
                label: "twitter".into(),
                role: None,
                actor: Some(if company_post {
                    Actor::Company
                } else {
                    Actor::Customer
                }),
                seconds: None,
                target: None,
                start: 0,
                end: 0,
                rule: "channel.twitter.tweet_itself".into(),
                role_rule: None,
            });
        }
        for r in self.channels.get("channel") {
            for m in r.regex.find_iter(text) {
                let actor = if company_post {
                    Actor::Company
                } else {
                    let (ss, se) = sentence_of(sentences, m.start());
                    if self
                        .roles
                        .get("actor")
                        .iter()
                        .any(|a| a.regex.is_match(&text[ss..se]))
                    {
                        Actor::Company
                    } else {
                        Actor::Customer
                    }
                };
                tags.push(tag(TagSet::Channel, r, m.start(), m.end(), Some(actor)));
            }
        }
        for (set, kind) in [
            ("responded", TagSet::Responded),
            ("move", TagSet::Move),
            ("resolution", TagSet::Resolution),
            ("sentiment", TagSet::Sentiment),
        ] {
            for r in self.outcomes.get(set) {
                for m in r.regex.find_iter(text) {
                    let mut t = tag(kind, r, m.start(), m.end(), None);
                    if kind == TagSet::Sentiment && negated(text, m.start()) {
                        t.label = if t.label == "positive" {
                            "negative".into()
                        } else {
                            "positive".into()
                        };
                        t.rule.push_str("+negated");
                    }
                    tags.push(t);
                }
            }
        }
        for r in self.outcomes.get("latency") {
            for caps in r.regex.captures_iter(text) {
                let m = caps.get(0).expect("group 0");
                let seconds = if r.label == "bounded" {
                    None
                } else {
                    let unit = caps.name("unit").map(|u| u.as_str()).unwrap_or("");
                    let n = caps.name("n").map(|n| n.as_str());
                    match duration(n, unit) {
                        Some(s) => Some(s),
                        None => continue, // "within the week": no unit we can count
                    }
                };
                let mut t = tag(TagSet::Latency, r, m.start(), m.end(), None);
                t.seconds = seconds;
                tags.push(t);
            }
        }
    }
}

fn tag(set: TagSet, r: &Rule, start: usize, end: usize, actor: Option<Actor>) -> Tag {
    Tag {
        set,
        label: r.label.clone(),
        role: None,
        actor,
        seconds: None,
        target: r.target.clone(),
        start,
        end,
        rule: r.id.clone(),
        role_rule: None,
    }
}

/// Tags a batch in parallel; output order is input order.
pub fn tag_all(lex: &Lexicons, docs: Vec<Document>) -> Vec<TaggedDoc> {
    docs.into_par_iter().map(|d| lex.tag(d)).collect()
}

/// True for posts whose interactions come from reply structure, not from their words.
pub fn is_threaded(doc: &Document) -> bool {
    doc.thread.inbound.is_some() || doc.thread.is_linked()
}

/// "not happy", "never again"? A negation word in the few words before a sentiment word.
fn negated(text: &str, start: usize) -> bool {
    let from = floor(text, start.saturating_sub(16));
    let before = text[from..start].to_ascii_lowercase();
    let words: Vec<&str> = before
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().rev().take(2).any(|w| {
        matches!(
            *w,
            "not" | "never" | "no" | "isn't" | "wasn't" | "don't" | "didn't" | "won't" | "hardly"
        )
    })
}

/// Seconds for "5 minutes", "half an hour", "a few days". None when the number is missing
/// and the unit is plural ("within minutes" is not a count).
pub fn duration(n: Option<&str>, unit: &str) -> Option<f64> {
    let unit = unit.to_ascii_lowercase();
    let per = if unit.starts_with("sec") {
        1.0
    } else if unit.starts_with("min") {
        60.0
    } else if unit.starts_with("h") {
        3600.0
    } else if unit.starts_with("day") {
        86_400.0
    } else if unit.starts_with("week") {
        604_800.0
    } else if unit.starts_with("month") {
        2_592_000.0
    } else {
        return None;
    };
    let plural =
        unit.ends_with('s') && !unit.starts_with("sec") || unit == "seconds" || unit == "secs";
    let n = match n.map(|s| s.trim().to_ascii_lowercase()) {
        None => {
            if plural {
                return None;
            }
            1.0
        }
        Some(s) => match s.as_str() {
            "a" | "an" | "one" => 1.0,
            "half a" | "half an" => 0.5,
            "two" | "a couple of" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "fifteen" => 15.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty-five" => 45.0,
            "sixty" => 60.0,
            "a few" | "few" | "several" => 3.0,
            other => other.parse::<f64>().ok()?,
        },
    };
    Some(n * per)
}

/// Sentence spans: split after . ! ? followed by white space (not after an abbreviation such
/// as "i.e." or "Jan."), and at every line break.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let end_here = match b {
            b'\n' => true,
            b'.' | b'!' | b'?' => {
                let next_ws = bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace());
                next_ws && !(b == b'.' && is_abbreviation(&text[start..i]))
            }
            _ => false,
        };
        if end_here {
            if i + 1 > start && !text[start..=i].trim().is_empty() {
                out.push((start, i + 1));
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    if out.is_empty() {
        out.push((0, text.len()));
    }
    out
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let lower = word.to_ascii_lowercase();
    word.contains('.') && word.len() <= 4
        || matches!(
            lower.as_str(),
            "mr" | "mrs"
                | "ms"
                | "dr"
                | "st"
                | "jan"
                | "feb"
                | "mar"
                | "apr"
                | "jun"
                | "jul"
                | "aug"
                | "sep"
                | "sept"
                | "oct"
                | "nov"
                | "dec"
                | "vs"
                | "etc"
                | "inc"
                | "co"
                | "corp"
                | "no"
                | "approx"
        )
        || word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase())
}

fn sentence_of(sentences: &[(usize, usize)], at: usize) -> (usize, usize) {
    let i = sentences.partition_point(|s| s.1 <= at);
    sentences.get(i).copied().unwrap_or((0, 0))
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Sentences a story may span when a text tells several.
const STORY_SENTENCES: usize = 3;

/// Interactions a text describes: one per company that is party to it, each over its window
/// of the text (from its first appearance as a party to the next party company's).
fn text_interactions(
    doc: &Document,
    tags: &[Tag],
    sentences: &[(usize, usize)],
    company_post: bool,
) -> Vec<Interaction> {
    let mut parties: Vec<(usize, String)> = Vec::new(); // (first byte, company)
    for t in tags
        .iter()
        .filter(|t| t.set == TagSet::Company && t.role.is_some_and(Role::is_party))
    {
        if !parties.iter().any(|(_, c)| c == &t.label) {
            parties.push((t.start, t.label.clone()));
        }
    }
    parties.sort();
    let n = parties.len();
    let mut out = Vec::with_capacity(n);
    for (i, (first, company)) in parties.iter().enumerate() {
        // One party: the whole text is its story. Several: each story runs from its first
        // sentence for at most STORY_SENTENCES sentences, and stops where the next begins.
        let (from, to) = if n == 1 {
            (0, doc.text.len())
        } else {
            let k = sentences.partition_point(|s| s.1 <= *first);
            let from = sentences.get(k).map_or(*first, |s| s.0);
            let cap = sentences
                .get(k + STORY_SENTENCES - 1)
                .map_or(doc.text.len(), |s| s.1);
            let next = parties
                .get(i + 1)
                .map(|(next, _)| sentence_of(sentences, *next).0)
                .unwrap_or(doc.text.len());
            (from, cap.min(next.max(from)))
        };
        let inside = |t: &&Tag| (t.start >= from && t.start < to) || (t.start == 0 && t.end == 0);
        let window: Vec<&Tag> = tags.iter().filter(inside).collect();
        out.push(summarise(doc, company, &window, company_post));
    }
    out
}

fn summarise(doc: &Document, company: &str, window: &[&Tag], company_post: bool) -> Interaction {
    let mut ev = Vec::new();
    let mut note = |field: &str, t: &Tag| {
        ev.push(Evidence {
            field: field.into(),
            doc: doc.id.clone(),
            start: t.start,
            end: t.end,
            rule: t.rule.clone(),
        });
    };
    for t in window.iter().filter(|t| {
        t.set == TagSet::Company && t.label == company && t.role.is_some_and(Role::is_party)
    }) {
        note("company", t);
    }
    let mut channels: Vec<String> = Vec::new();
    let (mut first_channel, mut response_channel) = (None, None);
    for t in window.iter().filter(|t| t.set == TagSet::Channel) {
        if !channels.contains(&t.label) {
            channels.push(t.label.clone());
            note("channel", t);
        }
        match t.actor {
            Some(Actor::Customer) if first_channel.is_none() => {
                first_channel = Some(t.label.clone())
            }
            Some(Actor::Company) if response_channel.is_none() => {
                response_channel = Some(t.label.clone())
            }
            _ => {}
        }
    }
    let yes = window
        .iter()
        .find(|t| t.set == TagSet::Responded && t.label == "yes");
    let no = window
        .iter()
        .find(|t| t.set == TagSet::Responded && t.label == "no");
    let responded = match (yes, no) {
        (Some(t), _) => {
            note("responded", t);
            Responded::Yes
        }
        (None, Some(t)) => {
            note("responded", t);
            Responded::No
        }
        _ if company_post => Responded::Yes,
        _ => Responded::Unknown,
    };
    let latency = window.iter().find(|t| t.set == TagSet::Latency);
    if let Some(t) = latency {
        note("latency", t);
    }
    let mut moves: Vec<String> = Vec::new();
    let mut redirect_to: Vec<String> = Vec::new();
    for t in window.iter().filter(|t| t.set == TagSet::Move) {
        if !moves.contains(&t.label) {
            moves.push(t.label.clone());
        }
        if let Some(target) = &t.target {
            if !redirect_to.contains(target) {
                redirect_to.push(target.clone());
            }
        }
        note("move", t);
    }
    moves.sort();
    let resolution = match window.iter().rev().find(|t| t.set == TagSet::Resolution) {
        Some(t) => {
            note("resolution", t);
            t.label.clone()
        }
        None => "unknown".into(),
    };
    let sentiment = sentiment_of(window.iter().copied());
    let switched = !redirect_to.is_empty()
        || matches!((&first_channel, &response_channel), (Some(a), Some(b)) if a != b);
    Interaction {
        id: format!("{}#{company}", doc.id),
        doc_id: doc.id.clone(),
        source: doc.source.clone(),
        kind: doc.kind.clone(),
        basis: "text".into(),
        company: company.to_string(),
        channels,
        first_channel,
        response_channel,
        responded,
        latency_seconds: latency.and_then(|t| t.seconds),
        latency_kind: latency.map(|t| t.label.clone()),
        moves,
        redirect_to,
        switched,
        resolution,
        sentiment,
        opened_at: doc.created_at,
        responded_at: None,
        censor_seconds: None,
        posts: 1,
        problem: None,
        evidence: ev,
    }
}

/// positive, negative, mixed or neutral from sentiment tags: one side wins when it has at
/// least twice the other's count.
pub fn sentiment_of<'a>(tags: impl Iterator<Item = &'a Tag>) -> String {
    let (mut pos, mut neg) = (0, 0);
    for t in tags.filter(|t| t.set == TagSet::Sentiment) {
        if t.label == "positive" {
            pos += 1;
        } else {
            neg += 1;
        }
    }
    match (pos, neg) {
        (0, 0) => "neutral",
        (_, 0) => "positive",
        (0, _) => "negative",
        (p, n) if p >= 2 * n => "positive",
        (p, n) if n >= 2 * p => "negative",
        _ => "mixed",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_skip_abbreviations() {
        let t = "Companies, i.e. www.honda.com or Pepsi. On Jan. 16, a story. Next!\nLine";
        let s: Vec<&str> = sentences(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            vec![
                "Companies, i.e. www.honda.com or Pepsi.",
                " On Jan. 16, a story.",
                " Next!",
                "\n",
                "Line"
            ]
            .into_iter()
            .filter(|x| x != &"\n")
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(Some("5"), "minutes"), Some(300.0));
        assert_eq!(duration(Some("half an"), "hour"), Some(1800.0));
        assert_eq!(duration(Some("two"), "days"), Some(172_800.0));
        assert_eq!(duration(None, "minutes"), None);
        assert_eq!(duration(None, "hour"), Some(3600.0));
    }
}
