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
use std::collections::HashMap;
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
            let story = self.story(&doc, &tags, company_post);
            text_interactions(&doc, &tags, &sentences, story)
        };
        TaggedDoc {
            doc,
            tags,
            interactions,
        }
    }

    /// What the whole text tells about an exchange: whether there is one at all, and
    /// whether the customer started it.
    fn story(&self, doc: &Document, tags: &[Tag], company_post: bool) -> Story {
        let text = doc.text.as_str();
        let tweet = doc.kind == "tweet";
        let cue = |c: &str| self.roles.get(c).iter().any(|r| r.regex.is_match(text));
        // A customer's tweet to an account we cannot name ("Hey @116016 ...").
        let unknown_handle = tweet
            && HANDLE.find_iter(text).any(|m| {
                self.gazetteer.by_handle(&m.as_str()[1..]).is_none() && !possessive(text, m.end())
            });
        let addressed = tags.iter().any(|t| {
            t.set == TagSet::Company && matches!(t.role, Some(Role::Addressee | Role::Responder))
        });
        let told = tags.iter().any(|t| match t.set {
            TagSet::Channel => t.rule != "channel.twitter.tweet_itself",
            TagSet::Responded | TagSet::Move | TagSet::Latency => true,
            _ => false,
        });
        let contact = cue("contact");
        Story {
            exchange: told
                || contact
                || cue("exchange")
                || company_post
                || (tweet && (addressed || unknown_handle)),
            contacted: contact || (tweet && !company_post && (addressed || unknown_handle)),
            company_post,
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
        // Names that a channel rule reads as a channel (the Better Business Bureau, a review
        // site): a third party used as a channel is named in passing, not the provider.
        let found = self.gazetteer.find(text);
        let channel_spans: Vec<(usize, usize)> = if found.is_empty() {
            Vec::new()
        } else {
            self.channels
                .get("channel")
                .iter()
                .filter(|r| NAMED_CHANNELS.contains(&r.label.as_str()))
                .flat_map(|r| r.regex.find_iter(text).map(|m| (m.start(), m.end())))
                .collect()
        };
        let channel_spans = Spans::new(channel_spans);
        let spans = Spans::new(found.iter().map(|f| (f.start, f.end)).collect());
        let mut sentence_cues = HashMap::new();
        let first_tag = tags.len();
        for f in found {
            let s = sentence_of(sentences, f.start);
            let (role, role_rule) = if author_company == Some(f.entry) {
                (Role::Responder, "role.responder.author".to_string())
            } else if author_company.is_some() && f.kind != PatternKind::Handle {
                // Other companies a company's reply names are named in passing ("your
                // Microsoft account" in an XboxSupport reply).
                (Role::Mention, "role.mention.company_post".to_string())
            } else if tweet && f.kind == PatternKind::Handle && author_company.is_none() {
                if quoted_reply(text, f.start, f.end) {
                    // “@USAirways: ...” quotes the company's reply.
                    (Role::Responder, "role.responder.quoted".to_string())
                } else if possessive(text, f.end) {
                    // "@JetBlue's CEO ...": about the company, not to it.
                    (Role::Mention, "role.mention.possessive_handle".to_string())
                } else {
                    (Role::Addressee, "role.addressee.handle".to_string())
                }
            } else if channel_spans.overlaps(f.start, f.end) {
                (Role::Mention, "role.mention.channel".to_string())
            } else {
                self.role(text, s, f.start, f.end, &spans, &mut sentence_cues)
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
        // A complaint, or a customer's tweet, is about a company even when no cue says so
        // ("Unfair billing practices of Comcast", "I wish Amazon had ..."): with no party
        // found, the first company named without any cue is the subject.
        let customer_tweet = tweet && author_company.is_none() && doc.thread.inbound != Some(false);
        if (doc.kind == "complaint" || customer_tweet)
            && !tags[first_tag..]
                .iter()
                .any(|t| t.role.is_some_and(Role::is_party))
        {
            let first = tags[first_tag..]
                .iter()
                .find(|t| t.role_rule.as_deref() == Some(NO_CUE))
                .map(|t| t.label.clone());
            if let Some(company) = first {
                let rule = if doc.kind == "complaint" {
                    "role.subject.complaint_default"
                } else {
                    "role.subject.tweet_default"
                };
                for t in tags[first_tag..].iter_mut().filter(|t| t.label == company) {
                    if t.role_rule.as_deref() == Some(NO_CUE) {
                        t.role = Some(Role::Subject);
                        t.role_rule = Some(rule.into());
                    }
                }
            }
        }
    }

    /// Subject or mention, from the cues around one occurrence. A list or product cue makes
    /// a mention whatever else the sentence says; a staff cue or a service verb in the
    /// sentence makes a subject; otherwise a mention. `sentence_cues` remembers, per sentence
    /// and rule, whether a sentence-wide cue fires, so a long sentence naming many companies
    /// is scanned once per rule, not once per name.
    fn role(
        &self,
        text: &str,
        (ss, se): (usize, usize),
        start: usize,
        end: usize,
        names: &Spans,
        sentence_cues: &mut HashMap<(usize, usize, usize), bool>,
    ) -> (Role, String) {
        // A cue counts only outside every company name ("Tweet" in "Tweet Beep" is a name).
        // A cue counts unless it lies inside a company name ("Tweet" in "Tweet Beep"); a cue
        // that spans a name ("sent @Wirefly a", "AT&T LG VU phone") counts.
        let in_range = |r: &Rule, from: usize, to: usize| -> bool {
            r.regex.find_iter(&text[from..to]).any(|m| {
                let (a, b) = (from + m.start(), from + m.end());
                !names.contains(a, b)
            })
        };
        let mut fires = |r: &Rule| -> bool {
            let before = floor(text, start.saturating_sub(r.window).max(ss));
            let after = floor(text, (end + r.window).min(se)).max(end);
            match r.position {
                Position::Sentence => *sentence_cues
                    .entry((ss, se, r.index))
                    .or_insert_with(|| in_range(r, ss, se.max(ss))),
                Position::Before => in_range(r, before, start),
                Position::After => in_range(r, end, after),
                Position::Near => in_range(r, before, start) || in_range(r, end, after),
            }
        };
        for cue in ["list", "product", "place"] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Mention, r.id.clone());
            }
        }
        for cue in ["staff", "service"] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Subject, r.id.clone());
            }
        }
        (Role::Mention, NO_CUE.into())
    }

    fn rule_tags(&self, doc: &Document, sentences: &[(usize, usize)], tags: &mut Vec<Tag>) {
        let text = doc.text.as_str();
        let company_post = doc.thread.inbound == Some(false)
            || doc
                .author
                .as_deref()
                .and_then(|a| self.gazetteer.by_handle(a))
                .is_some();
        // "should I call", "plan on submitting the letter", "I don't have any DMs": the words
        // right before a tag say it did not happen.
        let planned = |at: usize| -> bool {
            let (ss, _) = sentence_of(sentences, at);
            self.roles.get("plan").iter().any(|r| {
                let from = floor(text, at.saturating_sub(r.window).max(ss));
                r.regex.is_match(&text[from..at])
            })
        };
        let first_outcome = tags.len();
        // One pass each says which rules can match at all; only those are run.
        let outcome_hits = self.outcomes.any.matches(text);
        let channel_hits = self.channels.any.matches(text);
        for (set, kind) in [
            ("responded", TagSet::Responded),
            ("move", TagSet::Move),
            ("resolution", TagSet::Resolution),
            ("sentiment", TagSet::Sentiment),
        ] {
            for r in self
                .outcomes
                .get(set)
                .iter()
                .filter(|r| outcome_hits.matched(r.index))
            {
                for m in r.regex.find_iter(text) {
                    let mut t = tag(kind, r, m.start(), m.end(), None);
                    match kind {
                        TagSet::Sentiment if negated(text, m.start()) => {
                            t.label = if t.label == "positive" {
                                "negative".into()
                            } else {
                                "positive".into()
                            };
                            t.rule.push_str("+negated");
                        }
                        TagSet::Responded | TagSet::Resolution if planned(m.start()) => continue,
                        TagSet::Move if nobody_before(text, m.start()) => continue,
                        // "the reply never came": an answer word denied inside the match.
                        TagSet::Responded
                            if t.label == "yes"
                                && (NEGATION.is_match(m.as_str())
                                    || nobody_before(text, m.start())) =>
                        {
                            continue
                        }
                        _ => {}
                    }
                    tags.push(t);
                }
            }
        }
        // Redirects not carried out ("DM us", not "Just sent you a DM").
        let redirects = Spans::new(
            tags[first_outcome..]
                .iter()
                .filter(|t| t.set == TagSet::Move && t.label == "redirect")
                .filter(|t| !DONE.is_match(&text[t.start..t.end]))
                .map(|t| (t.start, t.end))
                .collect(),
        );
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
        let vetoes = Spans::new(
            self.roles
                .get("not_channel")
                .iter()
                .flat_map(|r| r.regex.find_iter(text).map(|m| (m.start(), m.end())))
                .collect(),
        );
        // Sentence-wide checks, each computed once per sentence: asked for every tag in a
        // sentence, they would rescan it each time (quadratic in a long text without a
        // sentence end).
        let mut asked: HashMap<(usize, usize), bool> = HashMap::new();
        let mut by_company: HashMap<(usize, usize), bool> = HashMap::new();
        let mut with_reply: HashMap<(usize, usize), bool> = HashMap::new();
        for r in self
            .channels
            .get("channel")
            .iter()
            .filter(|r| channel_hits.matched(r.index))
        {
            for m in r.regex.find_iter(text) {
                let (a, b) = (m.start(), m.end());
                let sentence = sentence_of(sentences, a);
                if vetoes.contains(a, b)
                    || planned(a)
                    || *asked
                        .entry(sentence)
                        .or_insert_with(|| question(text, sentence))
                {
                    continue;
                }
                // In a tweet, "DM us" / "LiveChat is online" asks for a channel; it is a
                // redirect, not a use, unless the words say it was done ("Just sent you a DM").
                if doc.kind == "tweet" && redirects.overlaps(a, b) {
                    continue;
                }
                // "nobody called me back": no call happened.
                if nobody_before(text, a) {
                    continue;
                }
                let actor = if company_post {
                    Actor::Company
                } else if first_person_before(text, a) || opens_first_person(&text[a..b]) {
                    // "I called", "we emailed", "my tweet": the customer's own use, whatever
                    // else the sentence says the company did.
                    Actor::Customer
                } else {
                    let (ss, se) = sentence;
                    let company_acts = *by_company.entry(sentence).or_insert_with(|| {
                        self.roles.get("actor").iter().any(|x| {
                            // is_match first: most sentences have no cue, and finding
                            // where one starts costs a reverse search.
                            x.regex.is_match(&text[ss..se])
                                && x.regex
                                    .find_iter(&text[ss..se])
                                    .any(|m| !nobody_before(text, ss + m.start()))
                        })
                    });
                    if company_acts {
                        Actor::Company
                    } else {
                        Actor::Customer
                    }
                };
                tags.push(tag(TagSet::Channel, r, a, b, Some(actor)));
            }
        }
        let first_latency = tags.len();
        for r in self
            .outcomes
            .get("latency")
            .iter()
            .filter(|r| outcome_hits.matched(r.index))
        {
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
                let (ss, se) = sentence_of(sentences, m.start());
                // Only a delay stated with an answer word is the first answer's latency
                // (not "checked the machine in within ten minutes"), and not a promise
                // ("would call me back within 48 hours").
                let replied = *with_reply.entry((ss, se)).or_insert_with(|| {
                    self.roles
                        .get("reply")
                        .iter()
                        .any(|x| x.regex.is_match(&text[ss..se]))
                });
                let promised = self.roles.get("promise").iter().any(|x| {
                    let from = floor(text, m.start().saturating_sub(x.window).max(ss));
                    x.regex.is_match(&text[from..m.start()])
                });
                if !replied || promised {
                    continue;
                }
                let mut t = tag(TagSet::Latency, r, m.start(), m.end(), None);
                t.seconds = seconds;
                tags.push(t);
            }
        }
        // Overlapping latency matches: the longest one reads the phrase ("after 47 minutes
        // on hold a representative finally picked up" over "47 minutes on hold"). A match
        // inside a longer one is dropped, and of identical matches all but the first.
        let lat = Spans::new(
            tags[first_latency..]
                .iter()
                .map(|t| (t.start, t.end))
                .collect(),
        );
        let mut seen = std::collections::HashSet::new();
        let mut k = 0;
        tags.retain(|t| {
            let i = k;
            k += 1;
            if i < first_latency {
                return true;
            }
            let (a, b) = (t.start, t.end);
            !lat.contains_longer(a, b) && seen.insert((a, b))
        });
    }
}

/// Channel labels a company name can itself be (a third party, a review site): such a name
/// is a channel used, not the company served.
const NAMED_CHANNELS: &[&str] = &["third_party", "review_site", "forum_or_blog", "video"];

/// Role rule of a company named with no cue at all.
const NO_CUE: &str = "role.mention.no_service_cue";

/// A negation inside an answer phrase ("the reply never came"). Refusals ("not honored",
/// "would not remove") are answers, so "not" is not one.
static NEGATION: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\bnever\b").expect("valid"));

/// A redirect that says it was carried out ("Just sent you a DM", "called you back").
static DONE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:sent|called|rang|emailed|messaged|booked)\b").expect("valid")
});

/// A handle quoted as the author of a reply: “@USAirways: ...” or RT @USAirways: ...
fn quoted_reply(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let opens = before.ends_with(['“', '"', '\'', '‘']) || before.ends_with("RT");
    opens && text[end..].starts_with(':')
}

/// "@JetBlue's CEO": a handle in the possessive.
fn possessive(text: &str, end: usize) -> bool {
    let after = &text[end..];
    after.starts_with("'s") || after.starts_with("’s")
}

/// An interrogative sentence ("Should I call my bank?", "Did you mean email?"): the channels
/// it names are asked about, not used. Leading @handles are skipped.
fn question(text: &str, (ss, se): (usize, usize)) -> bool {
    let s = text[ss..se].trim();
    if !s.ends_with('?') {
        return false;
    }
    let first = s
        .split_whitespace()
        .find(|w| !w.starts_with('@') && !w.starts_with('.'))
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "should"
            | "shall"
            | "can"
            | "could"
            | "would"
            | "will"
            | "do"
            | "does"
            | "did"
            | "are"
            | "is"
            | "am"
            | "may"
            | "might"
    )
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
/// "nobody called me back", "no one replied", "never answered": the answer right after
/// these words did not happen.
fn nobody_before(text: &str, start: usize) -> bool {
    let is = |w: &str, x: &str| w.eq_ignore_ascii_case(x);
    match words_before(text, start, 12, &[]).as_slice() {
        [.., no, one] if is(no, "no") && is(one, "one") => true,
        [.., w] => ["nobody", "noone", "never"].iter().any(|x| is(w, x)),
        [] => false,
    }
}

/// "I called", "we emailed", "my tweet", "I then tweeted": the word just before a channel
/// word (or the one before it) is the customer speaking of their own use.
fn first_person_before(text: &str, start: usize) -> bool {
    let first = |w: &str| matches!(w, "I" | "i" | "we" | "We" | "my" | "My" | "our" | "Our");
    // Not across a sentence or clause end.
    match words_before(text, start, 12, &['.', '!', '?', ';', ',']).as_slice() {
        [.., w] if first(w) => true,
        [.., w, adverb] => {
            first(w) && matches!(*adverb, "then" | "also" | "finally" | "even" | "just")
        }
        _ => false,
    }
}

/// A channel match that itself opens with the customer: "I called", "we emailed".
fn opens_first_person(matched: &str) -> bool {
    matches!(
        matched.split_whitespace().next(),
        Some("I" | "i" | "we" | "We")
    )
}

fn negated(text: &str, start: usize) -> bool {
    // Not across a sentence end: "Still no answer. Horrible." is not "no ... horrible".
    words_before(text, start, 16, &['.', '!', '?', ';'])
        .iter()
        .rev()
        .take(2)
        .any(|w| {
            [
                "not", "never", "no", "isn't", "wasn't", "don't", "didn't", "won't", "hardly",
            ]
            .iter()
            .any(|x| w.eq_ignore_ascii_case(x))
        })
}

/// The words (letters, digits, apostrophes) in the `window` bytes before `start`, after the
/// last of the `stops` there.
fn words_before<'a>(text: &'a str, start: usize, window: usize, stops: &[char]) -> Vec<&'a str> {
    let before = &text[floor(text, start.saturating_sub(window))..start];
    let before = before.rfind(stops).map_or(before, |i| &before[i + 1..]);
    before
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect()
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

/// Byte spans sorted by start, with the running maximum of their ends: whether some span
/// contains or overlaps a given one in O(log n), so a text with a million names or cues is
/// not checked pair by pair.
#[derive(Debug, Default)]
struct Spans {
    /// (start, end), sorted.
    spans: Vec<(usize, usize)>,
    /// max_end[i] = the largest end among spans[..=i].
    max_end: Vec<usize>,
}

impl Spans {
    fn new(mut spans: Vec<(usize, usize)>) -> Spans {
        spans.sort_unstable();
        let mut max = 0;
        let max_end = spans
            .iter()
            .map(|&(_, e)| {
                max = max.max(e);
                max
            })
            .collect();
        Spans { spans, max_end }
    }

    /// Max end of the first `k` spans.
    fn max_end_of(&self, k: usize) -> Option<usize> {
        k.checked_sub(1).map(|i| self.max_end[i])
    }

    /// Some span (s, e) with s <= a and b <= e.
    fn contains(&self, a: usize, b: usize) -> bool {
        let k = self.spans.partition_point(|&(s, _)| s <= a);
        self.max_end_of(k).is_some_and(|e| e >= b)
    }

    /// Some span (s, e) with s < b and a < e.
    fn overlaps(&self, a: usize, b: usize) -> bool {
        let k = self.spans.partition_point(|&(s, _)| s < b);
        self.max_end_of(k).is_some_and(|e| e > a)
    }

    /// Some span that contains (a, b) and is longer: starts before it and ends at or after
    /// its end, or starts with it and ends after.
    fn contains_longer(&self, a: usize, b: usize) -> bool {
        let before = self.spans.partition_point(|&(s, _)| s < a);
        let at = self.spans.partition_point(|&(s, _)| s <= a);
        self.max_end_of(before).is_some_and(|e| e >= b)
            || self.max_end_of(at).is_some_and(|e| e > b)
    }
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

/// What a whole text tells, for its interactions.
#[derive(Debug, Clone, Copy)]
struct Story {
    /// Some exchange with a company is told: a channel used, an answer, a move, a stated
    /// delay, a contact verb, service words, or a tweet to an account.
    exchange: bool,
    /// The customer contacted the company (a contact verb, a tweet to it): a message the
    /// company then sent is an answer.
    contacted: bool,
    /// The company's own post.
    company_post: bool,
}

/// Company id of an interaction with a company the text does not name.
pub const UNNAMED: &str = "unnamed";

static HANDLE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"@\w+").expect("valid"));

/// Interactions a text describes: one per company that is party to it, each over its window
/// of the text (from its first appearance as a party to the next party company's). A text
/// that tells no exchange (a complaint about a company with no contact, general advice) has
/// none. A post, complaint or tweet that tells an exchange with a company it does not name
/// ("texts and calls from payday lenders", a tweet to an anonymised account) has one, with
/// the company [`UNNAMED`]; a blog post that names no party is commentary and has none.
fn text_interactions(
    doc: &Document,
    tags: &[Tag],
    sentences: &[(usize, usize)],
    story: Story,
) -> Vec<Interaction> {
    if !story.exchange {
        return Vec::new();
    }
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
    if parties.is_empty() && doc.kind != "blog" {
        parties.push((0, UNNAMED.to_string()));
    }
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
        // Tags are sorted by span: the whole-post tags (0..0) first, then those starting in
        // the window, found by binary search rather than a pass over every tag per party.
        let whole = tags.partition_point(|t| t.start == 0 && t.end == 0);
        let lo = tags.partition_point(|t| t.start < from).max(whole);
        let hi = tags.partition_point(|t| t.start < to).max(lo);
        let window: Vec<&Tag> = tags[..whole].iter().chain(&tags[lo..hi]).collect();
        out.push(summarise(doc, company, &window, story));
    }
    out
}

fn summarise(doc: &Document, company: &str, window: &[&Tag], story: Story) -> Interaction {
    let company_post = story.company_post;
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
    // A message the company sent counts as an answer only when the customer had asked
    // for something; contact the company started on its own does not tell.
    let yes = window.iter().find(|t| {
        t.set == TagSet::Responded
            && t.label == "yes"
            && (story.contacted || !t.rule.contains(".incoming"))
    });
    let no = window
        .iter()
        .find(|t| t.set == TagSet::Responded && t.label == "no");
    // A quoted reply of the company (“@USAirways: ...”) is its answer.
    let quoted = window.iter().find(|t| {
        t.set == TagSet::Company && t.label == company && t.role == Some(Role::Responder)
    });
    let responded = match (yes, no) {
        (Some(t), _) => {
            note("responded", t);
            Responded::Yes
        }
        (None, _) if quoted.is_some() => {
            if let Some(t) = quoted {
                note("responded", t);
            }
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
        // A customer still waiting for any answer has nothing solved.
        None if responded == Responded::No => "unresolved".into(),
        None => "unknown".into(),
    };
    // A company's reply does not carry the customer's voice; an unanswered customer, or a
    // complaint, with no feeling words is not neutral about the company.
    let sentiment = if company_post {
        "neutral".to_string()
    } else {
        // The outcome is one more vote: a solved problem pleases, one left unsolved does not
        // ("It works now, but it shouldn't take a viral video" is mixed).
        let (mut pos, mut neg) = sentiment_counts(window.iter().copied());
        match resolution.as_str() {
            "resolved" => pos += 1,
            "unresolved" => neg += 1,
            _ => {}
        }
        match sentiment_label(pos, neg) {
            "neutral" if responded == Responded::No || doc.kind == "complaint" => "negative",
            s => s,
        }
        .to_string()
    };
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
    let (pos, neg) = sentiment_counts(tags);
    sentiment_label(pos, neg).to_string()
}

/// Positive and negative sentiment tags.
fn sentiment_counts<'a>(tags: impl Iterator<Item = &'a Tag>) -> (u32, u32) {
    let (mut pos, mut neg) = (0, 0);
    for t in tags.filter(|t| t.set == TagSet::Sentiment) {
        if t.label == "positive" {
            pos += 1;
        } else {
            neg += 1;
        }
    }
    (pos, neg)
}

/// One side wins when it has at least twice the other's count.
fn sentiment_label(pos: u32, neg: u32) -> &'static str {
    match (pos, neg) {
        (0, 0) => "neutral",
        (_, 0) => "positive",
        (0, _) => "negative",
        (p, n) if p >= 2 * n => "positive",
        (p, n) if n >= 2 * p => "negative",
        _ => "mixed",
    }
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

    fn tag_text(kind: &str, author: Option<&str>, text: &str) -> TaggedDoc {
        let doc = Document {
            id: "t:1".into(),
            kind: kind.into(),
            author: author.map(str::to_string),
            text: text.into(),
            ..Document::default()
        };
        Lexicons::defaults().tag_as_text(doc)
    }

    fn roles(t: &TaggedDoc, company: &str) -> Vec<Role> {
        t.tags
            .iter()
            .filter(|x| x.set == TagSet::Company && x.label == company)
            .filter_map(|x| x.role)
            .collect()
    }

    #[test]
    fn a_promise_is_not_a_latency() {
        let t = tag_text(
            "blog",
            None,
            "I called Verizon and the rep told me someone would call me back within 48 hours. \
             Nobody ever called back.",
        );
        assert!(
            t.tags.iter().all(|x| x.set != TagSet::Latency),
            "{:?}",
            t.tags
        );
        let i = &t.interactions[0];
        assert_eq!(i.latency_kind, None);
        assert_eq!(i.responded, Responded::Yes, "the rep told me: an answer");
        // A delay stated with the answer is the latency, the later promise is not.
        let t = tag_text(
            "blog",
            None,
            "I tweeted @Delta. Within an hour they replied and said they will refund me within \
             5 days.",
        );
        let i = &t.interactions[0];
        assert_eq!(
            (i.latency_kind.as_deref(), i.latency_seconds),
            (Some("at_most"), Some(3600.0))
        );
        // A stated time that is not an answer's ("checked in within ten minutes") is none.
        let t = tag_text(
            "blog",
            None,
            "Apple booked me a slot at the Apple Store, where they checked the laptop in within \
             ten minutes.",
        );
        assert!(t.interactions.iter().all(|i| i.latency_kind.is_none()));
    }

    #[test]
    fn an_unanswered_wait_is_a_lower_bound_and_an_answered_one_approximate() {
        let t = tag_text(
            "tweet",
            None,
            "@USAirways 2 hours on hold. Still no answer.",
        );
        let i = &t.interactions[0];
        assert_eq!(i.responded, Responded::No);
        assert_eq!(i.resolution, "unresolved");
        assert_eq!(
            (i.latency_kind.as_deref(), i.latency_seconds),
            (Some("at_least"), Some(7200.0))
        );
        let t = tag_text(
            "blog",
            None,
            "I called Bank of America, and after 47 minutes on hold a representative finally \
             picked up.",
        );
        let i = &t.interactions[0];
        assert_eq!(
            (i.latency_kind.as_deref(), i.latency_seconds),
            (Some("approximate"), Some(2820.0))
        );
        // An answer after a stated wait, told with who answered.
        let t = tag_text(
            "blog",
            None,
            "I emailed Comcast and after three weeks they finally replied.",
        );
        let i = &t.interactions[0];
        assert_eq!(
            (i.latency_kind.as_deref(), i.latency_seconds),
            (Some("approximate"), Some(3.0 * 604_800.0))
        );
        // The customer acting after a wait is no answer's delay.
        let t = tag_text(
            "blog",
            None,
            "I emailed Comcast and after a week we called back.",
        );
        assert!(
            !t.tags.iter().any(|x| x.set == TagSet::Latency),
            "{:?}",
            t.tags
        );
    }

    #[test]
    fn a_passing_mention_in_a_product_phrase_stays_a_mention() {
        let t = tag_text(
            "blog",
            None,
            "I ordered an AT&T LG VU phone from www.wirefly.com and it broke. My Samsung washing \
             machine, bought at Home Depot, shakes. I sent @Wirefly a tweet.",
        );
        assert_eq!(roles(&t, "att"), vec![Role::Mention]);
        assert_eq!(roles(&t, "lg"), vec![Role::Mention]);
        assert_eq!(roles(&t, "samsung"), vec![Role::Mention]);
        assert_eq!(roles(&t, "home_depot"), vec![Role::Mention]);
        assert!(roles(&t, "wirefly").contains(&Role::Subject));
        assert_eq!(t.interactions.len(), 1);
        assert_eq!(t.interactions[0].company, "wirefly");
        // A bank's card is the bank's own service, not a product brand.
        let t = tag_text(
            "blog",
            None,
            "I found a strange charge on my Bank of America debit card.",
        );
        assert_eq!(roles(&t, "bank_of_america"), vec![Role::Subject]);
    }

    #[test]
    fn tweets_customer_unknown_company_reply_yes_headline_none() {
        // A customer's tweet to a company says nothing of an answer.
        let t = tag_text(
            "tweet",
            Some("115000"),
            "@JetBlue Help - I left my Nikon camera under the seat. What do I do?",
        );
        assert_eq!(t.interactions.len(), 1);
        assert_eq!(t.interactions[0].responded, Responded::Unknown);
        assert_eq!(roles(&t, "nikon"), vec![Role::Mention]);
        // The company's reply is an answer, its asks for a DM a redirect, not a DM used.
        let t = tag_text(
            "tweet",
            Some("ChaseSupport"),
            "@105835 Please DM your name, zip code and additional details about your concern.",
        );
        let i = &t.interactions[0];
        assert_eq!(i.responded, Responded::Yes);
        assert_eq!(i.sentiment, "neutral");
        assert_eq!(i.channels, vec!["twitter".to_string()]);
        assert_eq!(i.redirect_to, vec!["twitter_dm".to_string()]);
        // ... unless it says the DM was sent.
        let t = tag_text(
            "tweet",
            Some("ChipotleTweets"),
            "@115737 My apologies for that. Just sent you a DM to help.",
        );
        assert!(t.interactions[0]
            .channels
            .contains(&"twitter_dm".to_string()));
        // A possessive handle in a headline is no exchange at all.
        let t = tag_text(
            "tweet",
            None,
            "@JetBlue's CEO Battles to Appease Passengers - http://t.co/x",
        );
        assert_eq!(roles(&t, "jetblue"), vec![Role::Mention]);
        assert!(t.interactions.is_empty());
        // A tweet to an anonymised account is an exchange with an unnamed company.
        let t = tag_text(
            "tweet",
            Some("116017"),
            "Hey @116016 we need to talk about these pending charges.",
        );
        assert_eq!(t.interactions.len(), 1);
        assert_eq!(t.interactions[0].company, UNNAMED);
    }

    #[test]
    fn no_exchange_no_interaction_and_company_started_contact_is_no_answer() {
        // A complaint about a company with no contact: the company is the subject, but the
        // text tells no exchange.
        let t = tag_text(
            "complaint",
            None,
            "CAPITAL ONE BANK IS FALSELY REPORTING 2 ACCOUNTS AS INCLUDED IN BANKRUPTCY.",
        );
        assert_eq!(roles(&t, "capital_one"), vec![Role::Subject]);
        assert!(t.interactions.is_empty());
        // General advice in a blog names channels but no exchange.
        let t = tag_text(
            "blog",
            None,
            "Try to get in touch by mail, email or by telephone. If ignored, try Twitter.",
        );
        assert!(t.interactions.is_empty());
        // An email the collector sent unasked is contact, not an answer.
        let t = tag_text(
            "post",
            None,
            "I got an email detailing collections on an account from 2018 through a tribal \
             lender. This is the first time I've ever been contacted over this.",
        );
        assert_eq!(t.interactions.len(), 1);
        assert_eq!(t.interactions[0].responded, Responded::Unknown);
        assert_eq!(t.interactions[0].channels, vec!["email".to_string()]);
        // After the customer called, a letter from the company is an answer.
        let t = tag_text(
            "complaint",
            None,
            "I called Citi twice. Then I received a letter from Citi saying the check was sent.",
        );
        assert_eq!(t.interactions[0].responded, Responded::Yes);
    }

    #[test]
    fn planned_asked_and_denied_channels_are_not_used() {
        let t = tag_text(
            "post",
            None,
            "We have 6 payday loans. I plan on submitting the letter to revoke ACH today. \
             Should I call my bank?",
        );
        assert!(
            t.tags.iter().all(|x| x.set != TagSet::Channel),
            "{:?}",
            t.tags
        );
        let t = tag_text(
            "tweet",
            Some("115799"),
            "@AirAsiaSupport Hi Yana I don't have any DMs from you. Did you mean email?",
        );
        assert_eq!(t.interactions[0].channels, vec!["twitter".to_string()]);
    }

    #[test]
    fn third_party_channel_is_a_mention_and_names_next_to_quotes_match() {
        let t = tag_text(
            "blog",
            None,
            "I have been a Comcast customer for years. After three weeks of silence I filed a \
             complaint with the Better Business Bureau.",
        );
        assert_eq!(roles(&t, "better_business_bureau"), vec![Role::Mention]);
        assert!(roles(&t, "comcast").contains(&Role::Subject));
        let i = &t.interactions[0];
        assert_eq!(i.company, "comcast");
        assert_eq!(
            (i.latency_kind.as_deref(), i.latency_seconds),
            (Some("at_least"), Some(1_814_400.0))
        );
        // A quoted company reply answers the customer.
        let t = tag_text(
            "tweet",
            None,
            "“@USAirways: @AnnetteNaif We appreciate the #shoutout. DM confirmation code.” Code?",
        );
        assert_eq!(roles(&t, "us_airways"), vec![Role::Responder]);
        assert_eq!(t.interactions[0].responded, Responded::Yes);
    }

    proptest::proptest! {
        /// The span index answers as the pair-by-pair checks it replaced (which made a long
        /// sentence full of names quadratic).
        #[test]
        fn spans_answer_like_a_scan(
            spans in proptest::collection::vec((0usize..40, 0usize..12), 0..20),
            a in 0usize..50,
            len in 0usize..12,
        ) {
            let spans: Vec<(usize, usize)> = spans.into_iter().map(|(s, n)| (s, s + n)).collect();
            let b = a + len;
            let index = Spans::new(spans.clone());
            proptest::prop_assert_eq!(
                index.contains(a, b),
                spans.iter().any(|&(s, e)| s <= a && b <= e)
            );
            proptest::prop_assert_eq!(
                index.overlaps(a, b),
                spans.iter().any(|&(s, e)| s < b && a < e)
            );
            proptest::prop_assert_eq!(
                index.contains_longer(a, b),
                spans.iter().any(|&(s, e)| s <= a && b <= e && e - s > b - a)
            );
        }
    }

    #[test]
    fn a_long_sentence_full_of_names_and_channels_is_tagged_once_per_sentence() {
        // One sentence, 2,000 stories: every company, channel and delay in it used to rescan
        // the whole sentence (minutes); now each sentence-wide check runs once.
        let story = "I called Comcast about my email address and they replied within 5 minutes, ";
        let text = story.repeat(2000);
        let t = tag_text("blog", None, &text);
        let count = |set: TagSet, label: &str| {
            t.tags
                .iter()
                .filter(|x| x.set == set && x.label == label)
                .count()
        };
        assert_eq!(count(TagSet::Company, "comcast"), 2000);
        assert_eq!(count(TagSet::Channel, "phone"), 2000);
        assert_eq!(
            count(TagSet::Channel, "email"),
            0,
            "\"email address\" is no channel"
        );
        assert_eq!(count(TagSet::Latency, "at_most"), 2000);
        assert_eq!(t.interactions.len(), 1);
        assert_eq!(t.interactions[0].latency_seconds, Some(300.0));
    }

    #[test]
    fn nobody_answering_is_no_answer() {
        for text in [
            "I called Comcast twice and nobody called me back.",
            "I emailed Comcast and no one replied.",
        ] {
            let t = tag_text("blog", None, text);
            assert!(
                !t.tags
                    .iter()
                    .any(|x| x.set == TagSet::Responded && x.label == "yes"),
                "{text}: {:?}",
                t.tags
            );
        }
        // "I called" is the customer's call even when the company called back later on.
        let t = tag_text("blog", None, "I called Comcast and they called me back.");
        let actors: Vec<_> = t
            .tags
            .iter()
            .filter(|x| x.set == TagSet::Channel)
            .map(|x| (x.start, x.actor))
            .collect();
        assert_eq!(
            actors,
            [(0, Some(Actor::Customer)), (21, Some(Actor::Company))]
        );
        assert!(nobody_before("and nobody ", 11));
        assert!(nobody_before("No one ", 7));
        assert!(!nobody_before("someone ", 8));
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
