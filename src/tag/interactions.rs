//! Interactions from text: one per company party to the story, with its channels, answer,
//! stated latency, moves, resolution and sentiment read within the company's window.

use super::prefilter::Hits;
use super::roles::possessive;
use super::rules::Group;
use super::text::sentence_of;
use super::{Lexicons, ROLES};
use crate::model::{
    Actor, Document, Evidence, Found, Interaction, Label, Responded, Role, Shape, Tag, TagSet,
};

/// Sentences a story may span when a text tells several.
const STORY_SENTENCES: usize = 3;

/// What a whole text tells, for its interactions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Story {
    /// Some exchange with a company is told: a channel used, an answer, a move, a stated
    /// delay, a contact verb, service words, or a tweet to an account.
    pub(crate) exchange: bool,
    /// The customer contacted the company (a contact verb, a tweet to it): a message the
    /// company then sent is an answer.
    contacted: bool,
    /// The customer took part: they contacted a company, or one answered, moved or reached
    /// them ("I got an email detailing collections"). Channels named in advice ("get in
    /// touch by mail") are an exchange told, not one the author took part in.
    pub(crate) involved: bool,
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
pub(crate) fn text_interactions(
    doc: &Document,
    tags: &[Tag],
    sentences: &[(usize, usize)],
    story: Story,
    given: Option<&str>,
) -> Vec<Interaction> {
    if !story.exchange {
        return Vec::new();
    }
    let parties = parties(tags, given);
    // A long text that names no party tells a story with an unnamed company only when the
    // customer says they contacted one ("I won't name the company, but I called them") or
    // that one answered, moved or reached them ("I got an email detailing collections");
    // channels named in advice ("get in touch by mail") are no such story.
    if parties.is_empty() {
        if story.involved {
            let window: Vec<&Tag> = tags.iter().collect();
            return vec![summarise(doc, UNNAMED, Basis::Text, &window, story)];
        }
        return Vec::new();
    }
    let whole = tags.partition_point(|t| t.start == 0 && t.end == 0);
    // Where the other stories start, sorted: a story ends where the next one begins.
    let mut firsts: Vec<usize> = parties.iter().skip(1).map(|q| q.first).collect();
    firsts.sort_unstable();
    let mut out = Vec::with_capacity(parties.len());
    for (i, p) in parties.iter().enumerate() {
        // The main story (the first party) is the whole text. The others each run from
        // their first sentence for at most STORY_SENTENCES sentences, and stop where the
        // next one begins.
        let (from, to) = if i == 0 {
            (0, doc.text.len())
        } else {
            let k = sentences.partition_point(|s| s.1 <= p.first);
            let from = sentences.get(k).map_or(p.first, |s| s.0);
            let cap = sentences
                .get(k + STORY_SENTENCES - 1)
                .map_or(doc.text.len(), |s| s.1);
            let k_next = firsts.partition_point(|&f| f <= p.first);
            let next = firsts
                .get(k_next)
                .map_or(doc.text.len(), |&f| sentence_of(sentences, f).0);
            (from, cap.min(next.max(from)))
        };
        // Tags are sorted by span: the whole-post tags (0..0) first, then those starting in
        // the window, found by binary search rather than a pass over every tag per party.
        let lo = tags.partition_point(|t| t.start < from).max(whole);
        let hi = tags.partition_point(|t| t.start < to).max(lo);
        let window: Vec<&Tag> = tags[..whole].iter().chain(&tags[lo..hi]).collect();
        let mut inter = summarise(doc, p.company, p.basis, &window, story);
        inter.discovered = p.discovered;
        out.push(inter);
    }
    out
}

/// How the story's company is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    Text,
    Given,
}

impl Basis {
    fn as_str(self) -> &'static str {
        match self {
            Basis::Text => "text",
            Basis::Given => "given",
        }
    }
}

/// A company party to a text.
struct Party {
    company: &'static str,
    /// Where it is first named as a party (0 when the text does not name it).
    first: usize,
    /// Occurrences as a party.
    count: usize,
    basis: Basis,
    discovered: bool,
}

/// The companies party to a text, the main one first: the one the data set gives, else the
/// one named most often as a party (ties: the first named); then the others in text order.
fn parties(tags: &[Tag], given: Option<&str>) -> Vec<Party> {
    let mut out: Vec<Party> = Vec::new();
    let mut at: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for t in tags
        .iter()
        .filter(|t| t.set == TagSet::Company && t.role.is_some_and(Role::is_party))
    {
        let given = t.found == Some(Found::Given);
        match at.get(t.label) {
            Some(&k) => {
                let p = &mut out[k];
                p.count += 1;
                p.first = p.first.min(t.start);
            }
            None => {
                at.insert(t.label, out.len());
                out.push(Party {
                    company: t.label,
                    first: t.start,
                    count: 1,
                    basis: if given { Basis::Given } else { Basis::Text },
                    discovered: t.found == Some(Found::Discovered),
                });
            }
        }
    }
    // The company the data set gives is the main story's, named or not.
    if let Some(p) = out.iter_mut().find(|p| Some(p.company) == given) {
        p.count = usize::MAX;
    }
    out.sort_by_key(|p| p.first);
    if let Some(main) = (0..out.len()).max_by(|&a, &b| {
        out[a]
            .count
            .cmp(&out[b].count)
            .then(out[b].first.cmp(&out[a].first))
    }) {
        let p = out.remove(main);
        out.insert(0, p);
    }
    out
}

fn summarise(
    doc: &Document,
    company: &'static str,
    basis: Basis,
    window: &[&Tag],
    story: Story,
) -> Interaction {
    let company_post = story.company_post;
    let mut ev = Vec::new();
    let mut note = |field: &'static str, t: &Tag| {
        ev.push(Evidence {
            field: field.into(),
            doc: doc.id.clone(),
            start: t.start,
            end: t.end,
            rule: t.rule.into(),
        });
    };
    for t in window.iter().filter(|t| {
        t.set == TagSet::Company && t.label == company && t.role.is_some_and(Role::is_party)
    }) {
        note("company", t);
    }
    let mut channels: Vec<Label> = Vec::new();
    let (mut first_channel, mut response_channel) = (None, None);
    for t in window.iter().filter(|t| t.set == TagSet::Channel) {
        if !channels.iter().any(|c| c == t.label) {
            channels.push(t.label.into());
            note("channel", t);
        }
        match t.actor {
            Some(Actor::Customer) if first_channel.is_none() => {
                first_channel = Some(Label::from(t.label))
            }
            Some(Actor::Company) if response_channel.is_none() => {
                response_channel = Some(Label::from(t.label))
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
    let mut moves: Vec<Label> = Vec::new();
    let mut redirect_to: Vec<Label> = Vec::new();
    for t in window.iter().filter(|t| t.set == TagSet::Move) {
        if !moves.iter().any(|m| m == t.label) {
            moves.push(t.label.into());
        }
        if let Some(target) = t.target {
            if !redirect_to.iter().any(|r| r == target) {
                redirect_to.push(target.into());
            }
        }
        note("move", t);
    }
    moves.sort();
    let resolution = match window.iter().rev().find(|t| t.set == TagSet::Resolution) {
        Some(t) => {
            note("resolution", t);
            Label::from(t.label)
        }
        // A customer still waiting for any answer has nothing solved.
        None if responded == Responded::No => "unresolved".into(),
        None => "unknown".into(),
    };
    // A company's reply does not carry the customer's voice.
    let sentiment = Label::from(if company_post {
        "neutral"
    } else {
        let (pos, neg) = sentiment_counts(window.iter().copied());
        sentiment_label(pos, neg)
    });
    // The evidence: the sentences of the winning side (both for mixed), at most three.
    for t in window
        .iter()
        .filter(|t| {
            t.set == TagSet::Sentiment
                && (t.label == sentiment || sentiment == "mixed" && t.label != "neutral")
        })
        .take(3)
    {
        note("sentiment", t);
    }
    let switched = !redirect_to.is_empty()
        || matches!((&first_channel, &response_channel), (Some(a), Some(b)) if a != b);
    Interaction {
        id: format!("{}#{company}", doc.id),
        doc_id: doc.id.clone(),
        source: doc.source.clone(),
        kind: doc.kind.clone(),
        basis: "text".into(),
        company: company.into(),
        company_basis: basis.as_str().into(),
        discovered: false,
        channels,
        first_channel,
        response_channel,
        responded,
        latency_seconds: latency.and_then(|t| t.seconds),
        latency_kind: latency.map(|t| t.label.into()),
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

/// positive, negative, mixed or neutral from sentiment labels (as the mentions table
/// stores them).
pub fn sentiment_of_labels<'a>(labels: impl Iterator<Item = &'a str>) -> &'static str {
    let (mut pos, mut neg) = (0, 0);
    for l in labels {
        match l {
            "positive" => pos += 1,
            "negative" => neg += 1,
            _ => {}
        }
    }
    sentiment_label(pos, neg)
}

/// Positive and negative sentiment tags (neutral ones count for neither).
fn sentiment_counts<'a>(tags: impl Iterator<Item = &'a Tag>) -> (u32, u32) {
    let (mut pos, mut neg) = (0, 0);
    for t in tags.filter(|t| t.set == TagSet::Sentiment) {
        match t.label {
            "positive" => pos += 1,
            "negative" => neg += 1,
            _ => {}
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

impl Lexicons {
    /// What the whole text tells about an exchange: whether there is one at all, and
    /// whether the customer started it.
    /// `pass` is the text's literal pass: a role rule it rules out is not run.
    pub(crate) fn story(
        &self,
        doc: &Document,
        tags: &[Tag],
        company_post: bool,
        pass: &Hits,
    ) -> Story {
        let text = doc.text.as_str();
        let short = doc.shape != Shape::Long;
        let cue = |c: Group| {
            self.roles
                .get(c)
                .iter()
                .any(|r| pass.matched(ROLES, r.index) && r.regex.is_match(text))
        };
        // A customer's tweet to an account we cannot name ("Hey @116016 ...").
        let unknown_handle = short
            && HANDLE.find_iter(text).any(|m| {
                self.gazetteer.handle_company(m.as_str()).is_none() && !possessive(text, m.end())
            });
        let addressed = tags.iter().any(|t| {
            t.set == TagSet::Company && matches!(t.role, Some(Role::Addressee | Role::Responder))
        });
        let told = tags.iter().any(|t| match t.set {
            // Not the post's own channel (a tweet is on Twitter): a channel the text names.
            TagSet::Channel => !(t.start == 0 && t.end == 0),
            TagSet::Responded | TagSet::Move | TagSet::Latency => true,
            _ => false,
        });
        let contact = cue(Group::Contact);
        Story {
            exchange: told
                || contact
                || cue(Group::Exchange)
                || company_post
                || (short && (addressed || unknown_handle)),
            contacted: contact || (short && !company_post && (addressed || unknown_handle)),
            involved: contact
                || short
                || tags.iter().any(|t| {
                    matches!(t.set, TagSet::Responded | TagSet::Move | TagSet::Latency)
                        || (t.set == TagSet::Channel && t.actor == Some(Actor::Company))
                }),
            company_post,
        }
    }
}
