//! Cues: channel and outcome rules (`channels.toml`, `outcomes.toml`) run over a text, each
//! match a tag with its span and rule id, unless the words around it say it did not happen
//! (a plan, a question, a negation, "nobody").

use super::acts::Agent;
use super::latency::duration;
use super::prefilter::Hits;
use super::rules::{Group, Rule};
use super::text::{
    first_person_before, floor, negated, nobody_before, opens_first_person, question, sentence_of,
    told_in_third_person, Spans,
};
use super::{Lexicons, CHANNELS, OUTCOMES, ROLES};
use crate::intern::{intern, join};
use crate::model::{Actor, Document, Shape, Tag, TagSet};
use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

/// A negation inside an answer phrase ("the reply never came"). Refusals ("not honored",
/// "would not remove") are answers, so "not" is not one.
static NEGATION: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\bnever\b").expect("valid"));

/// A redirect that says it was carried out ("Just sent you a DM", "called you back").
static DONE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:sent|called|rang|emailed|messaged|booked)\b").expect("valid")
});

impl Lexicons {
    pub(crate) fn rule_tags(
        &self,
        doc: &Document,
        company_post: bool,
        sentences: &[(usize, usize)],
        pass: &Hits,
        tags: &mut Vec<Tag>,
    ) {
        let text = doc.text.as_str();
        // Only rules the text's literal pass leaves in are run (a role rule ruled out for the
        // text cannot match a window of it either).
        // A rule for one shape of text ("long": narratives) reads no other; a rule for one
        // side's posts ("company": a company's replies) reads no other side's.
        let author = if company_post {
            Actor::Company
        } else {
            Actor::Customer
        };
        let reads = |r: &Rule| {
            r.shape.is_none_or(|s| s == doc.shape) && r.written_by.is_none_or(|w| w == author)
        };
        let outcome_hit = |r: &Rule| pass.matched(OUTCOMES, r.index) && reads(r);
        let channel_hit = |r: &Rule| pass.matched(CHANNELS, r.index) && reads(r);
        let role_hit = |r: &&Rule| pass.matched(ROLES, r.index);
        // "should I call", "plan on submitting the letter", "I don't have any DMs": the words
        // right before a tag say it did not happen.
        let planned = |at: usize| -> bool {
            let (ss, _) = sentence_of(sentences, at);
            self.roles
                .get(Group::Plan)
                .iter()
                .filter(role_hit)
                .any(|r| {
                    let from = floor(text, at.saturating_sub(r.window).max(ss));
                    r.regex.is_match(&text[from..at])
                })
        };
        // Sentences where a reporter asks the company for comment: its answer there is to
        // the press ("did not respond to a request for comment", "declined to comment").
        let press: Vec<(usize, usize)> = self
            .roles
            .get(Group::Press)
            .iter()
            .filter(role_hit)
            .flat_map(|r| r.regex.find_iter(text))
            .map(|m| sentence_of(sentences, m.start()))
            .collect();
        let to_press = |at: usize| !press.is_empty() && press.contains(&sentence_of(sentences, at));
        let first_outcome = tags.len();
        for (set, kind) in [
            (Group::Responded, TagSet::Responded),
            (Group::Move, TagSet::Move),
            (Group::Resolution, TagSet::Resolution),
            (Group::Sentiment, TagSet::Sentiment),
        ] {
            for r in self.outcomes.get(set).iter().filter(|r| outcome_hit(r)) {
                for m in r.regex.find_iter(text) {
                    let mut t = tag(kind, r, m.start(), m.end(), None);
                    match kind {
                        TagSet::Sentiment if negated(text, m.start()) => {
                            t.label = if t.label == "positive" {
                                "negative"
                            } else {
                                "positive"
                            };
                            t.rule = join(r.id, "+negated");
                        }
                        TagSet::Responded | TagSet::Resolution
                            if planned(m.start()) || to_press(m.start()) =>
                        {
                            continue
                        }
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
        // An answer inside words that say it never came is no answer: "received any written
        // reply" inside "I have not yet received any written reply".
        let denied = Spans::new(
            tags[first_outcome..]
                .iter()
                .filter(|t| t.set == TagSet::Responded && t.label == "no")
                .map(|t| (t.start, t.end))
                .collect(),
        );
        let mut k = 0;
        tags.retain(|t| {
            k += 1;
            k <= first_outcome
                || !(t.set == TagSet::Responded
                    && t.label == "yes"
                    && denied.contains(t.start, t.end))
        });
        // Who did what: the company's answers, and answers denied ("they never replied").
        let names: Vec<(usize, usize, &str)> = tags[..first_outcome]
            .iter()
            .filter(|t| t.set == TagSet::Company && t.end > t.start)
            .map(|t| (t.start, t.end, t.label))
            .collect();
        let acts = self.acts.find(text, pass.words(), sentences, &names);
        // In a report told in the third person, "she said", "he called back" and "a Denver
        // woman says" are the customer's words and acts as often as the company's: there
        // only subjects the text ties to the company count (a name, "the rep", "they").
        let reported = |a: &super::acts::Act| self.acts.reported_subject(text, a);
        let third_person =
            doc.shape == Shape::Long && acts.iter().any(reported) && told_in_third_person(text);
        for a in acts
            .iter()
            .filter(|a| !(to_press(a.start) || third_person && reported(a)))
        {
            let label = match (&a.agent, a.negated, a.modal) {
                (agent, false, false) if agent.is_company_side() => "yes",
                // "they never replied", "nobody called back": only an answer denied is a
                // "no"; a fix denied ("they never fixed it") is no answer either way.
                (agent, true, _) if agent.is_company_side() && a.id == "act.reply" => "no",
                (Agent::Nobody, _, false) if a.id == "act.reply" => "no",
                _ => continue,
            };
            let rule = join(a.id, a.agent.rule_suffix(label == "no"));
            tags.push(Tag::new(TagSet::Responded, label, a.start, a.end, rule));
        }
        let company_acts = Spans::new(
            acts.iter()
                .filter(|a| a.agent.is_company_side() && !a.negated && !a.modal)
                .map(|a| (a.start, a.end))
                .collect(),
        );
        // Redirects not carried out ("DM us", not "Just sent you a DM").
        let redirects = Spans::new(
            tags[first_outcome..]
                .iter()
                .filter(|t| t.set == TagSet::Move && t.label == "redirect")
                .filter(|t| !DONE.is_match(&text[t.start..t.end]))
                .map(|t| (t.start, t.end))
                .collect(),
        );
        if let Some(channel) = &doc.channel {
            // The post itself is a use of its channel (a tweet of public Twitter), by
            // whoever wrote it.
            let (label, rule) = document_itself(channel);
            let mut t = Tag::new(TagSet::Channel, label, 0, 0, rule);
            t.actor = Some(if company_post {
                Actor::Company
            } else {
                Actor::Customer
            });
            tags.push(t);
        }
        let any_channel = self.channels.get(Group::Channel).iter().any(channel_hit);
        let vetoes = Spans::new(if any_channel {
            self.roles
                .get(Group::NotChannel)
                .iter()
                .filter(role_hit)
                .flat_map(|r| r.regex.find_iter(text).map(|m| (m.start(), m.end())))
                .collect()
        } else {
            Vec::new()
        });
        // Sentence-wide checks, each computed once per sentence: asked for every tag in a
        // sentence, they would rescan it each time (quadratic in a long text without a
        // sentence end).
        let mut asked: HashMap<(usize, usize), bool> = HashMap::new();
        let mut by_company: HashMap<(usize, usize), bool> = HashMap::new();
        let mut with_reply: HashMap<(usize, usize), bool> = HashMap::new();
        for r in self
            .channels
            .get(Group::Channel)
            .iter()
            .filter(|r| channel_hit(r))
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
                // In a short post, "DM us" / "LiveChat is online" asks for a channel; it is a
                // redirect, not a use, unless the words say it was done ("Just sent you a DM").
                if doc.shape != Shape::Long && redirects.overlaps(a, b) {
                    continue;
                }
                // "nobody called me back": no call happened.
                if nobody_before(text, a) {
                    continue;
                }
                let actor = if company_post || company_acts.overlaps(a, b) {
                    // A company's post, or the company's own act ("they emailed me").
                    Actor::Company
                } else if first_person_before(text, a) || opens_first_person(&text[a..b]) {
                    // "I called", "we emailed", "my tweet": the customer's own use, whatever
                    // else the sentence says the company did.
                    Actor::Customer
                } else {
                    let (ss, se) = sentence;
                    let company_acts = *by_company.entry(sentence).or_insert_with(|| {
                        self.roles
                            .get(Group::Actor)
                            .iter()
                            .filter(role_hit)
                            .any(|x| {
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
            .get(Group::Latency)
            .iter()
            .filter(|r| outcome_hit(r))
        {
            for caps in r.regex.captures_iter(text) {
                let m = caps.get(0).expect("group 0");
                let seconds = if r.label == "bounded" {
                    None
                } else {
                    let read = match caps.name("d") {
                        Some(d) => super::latency::seconds(d.as_str()),
                        None => duration(
                            caps.name("n").map(|n| n.as_str()),
                            caps.name("unit").map(|u| u.as_str()).unwrap_or(""),
                        ),
                    };
                    match read {
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
                        .get(Group::Reply)
                        .iter()
                        .filter(role_hit)
                        .any(|x| x.regex.is_match(&text[ss..se]))
                });
                let promised = self
                    .roles
                    .get(Group::Promise)
                    .iter()
                    .filter(role_hit)
                    .any(|x| {
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
        let mut seen = foldhash::HashSet::default();
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

/// The label and rule of the tag a post's own channel gives it (`channel.twitter.document_itself`),
/// interned once per channel label (the manifest allows only those).
fn document_itself(channel: &str) -> (&'static str, &'static str) {
    static KNOWN: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    let rule = |c: &str| intern(&format!("channel.{c}.document_itself"));
    KNOWN
        .get_or_init(|| {
            super::rules::CHANNELS
                .iter()
                .map(|&c| (c, rule(c)))
                .collect()
        })
        .iter()
        .find(|(c, _)| *c == channel)
        .copied()
        .unwrap_or_else(|| (intern(channel), rule(channel)))
}

fn tag(set: TagSet, r: &Rule, start: usize, end: usize, actor: Option<Actor>) -> Tag {
    let mut t = Tag::new(set, r.label, start, end, r.id);
    t.actor = actor;
    t.target = r.target;
    t
}
