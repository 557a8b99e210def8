//! Interactions from reply structure: one per customer conversation with a company account.
//!
//! Definitions (README, "Definitions that decide numbers"):
//! - An interaction opens at a customer's post (inbound) that replies to nothing, or to a post
//!   outside the corpus, and is addressed to a company (its @handle) or answered by one.
//! - Its company is the first company account that replies anywhere below it in the
//!   conversation; if none replies, the first company it addresses.
//! - Responded: yes when a company post in the corpus replies below it; unknown when no
//!   company post does but a post of the conversation lists a reply that is not in the
//!   corpus (an answer may exist; we do not know whose or when); no otherwise.
//! - Time to first response: the company's first reply time minus the opening post's time,
//!   exact. A negative or missing delay is left empty with the reason in `problem`.
//! - An unanswered conversation is censored at the corpus's last timestamp.

use super::Lexicons;
use crate::model::{Document, Evidence, Interaction, Responded, Role, Tag, TagSet};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// What the thread stage keeps of one reply-linked post.
#[derive(Debug, Clone)]
pub struct ThreadPost {
    id: String,
    source: String,
    kind: String,
    author: Option<String>,
    inbound: Option<bool>,
    created_at: Option<DateTime<Utc>>,
    in_reply_to: Option<String>,
    replies: Vec<String>,
    /// The author's company, when the author is a company account.
    company: Option<String>,
    addressees: Vec<(String, usize, usize, String)>,
    moves: Vec<(String, Option<String>, usize, usize, String)>,
    resolution: Option<(String, usize, usize, String)>,
    sentiment: (u32, u32),
}

impl ThreadPost {
    /// Keeps what the thread stage needs of a tagged post.
    pub fn from_tagged(lex: &Lexicons, d: &Document, tags: &[Tag]) -> ThreadPost {
        let company = d
            .author
            .as_deref()
            .and_then(|a| lex.gazetteer.by_handle(a))
            .map(|e| lex.gazetteer.root_id(e).to_string());
        let mut addressees: Vec<(String, usize, usize, String)> = Vec::new();
        let mut moves = Vec::new();
        let mut resolution = None;
        let mut sentiment = (0, 0);
        for tag in tags {
            match tag.set {
                TagSet::Company
                    if matches!(tag.role, Some(Role::Addressee | Role::Subject))
                        && !addressees.iter().any(|(c, ..)| c == &tag.label) =>
                {
                    addressees.push((tag.label.clone(), tag.start, tag.end, tag.rule.clone()));
                }
                TagSet::Move => moves.push((
                    tag.label.clone(),
                    tag.target.clone(),
                    tag.start,
                    tag.end,
                    tag.rule.clone(),
                )),
                TagSet::Resolution => {
                    resolution = Some((tag.label.clone(), tag.start, tag.end, tag.rule.clone()))
                }
                TagSet::Sentiment if tag.label == "positive" => sentiment.0 += 1,
                TagSet::Sentiment => sentiment.1 += 1,
                _ => {}
            }
        }
        ThreadPost {
            id: d.id.clone(),
            source: d.source.clone(),
            kind: d.kind.clone(),
            author: d.author.clone(),
            inbound: d.thread.inbound,
            created_at: d.created_at,
            in_reply_to: d.thread.in_reply_to.clone(),
            replies: d.thread.replies.clone(),
            company,
            addressees,
            moves,
            resolution,
            sentiment,
        }
    }

    fn is_company(&self) -> bool {
        match self.inbound {
            Some(inbound) => !inbound,
            None => self.company.is_some(),
        }
    }

    fn company_id(&self) -> String {
        self.company
            .clone()
            .unwrap_or_else(|| self.author.clone().unwrap_or_default().to_ascii_lowercase())
    }
}

/// Counts of the thread stage, for the index manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ThreadStats {
    /// Reply-linked posts read.
    pub posts: u64,
    /// Customer posts that open a conversation.
    pub openings: u64,
    /// Openings addressed to no company and answered by none: not interactions.
    pub unaddressed: u64,
    /// Interactions made.
    pub interactions: u64,
    /// Interactions whose delay could not be computed (missing or negative times).
    pub bad_delays: u64,
}

/// Builds the interactions of all reply-linked posts.
pub fn interactions(posts: &[ThreadPost]) -> (Vec<Interaction>, ThreadStats) {
    let mut stats = ThreadStats {
        posts: posts.len() as u64,
        ..ThreadStats::default()
    };
    let index: HashMap<&str, usize> = posts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); posts.len()];
    let mut has_parent = vec![false; posts.len()];
    for (i, p) in posts.iter().enumerate() {
        if let Some(&parent) = p.in_reply_to.as_deref().and_then(|r| index.get(r)) {
            if parent != i {
                children[parent].push(i);
                has_parent[i] = true;
            }
        }
    }
    let corpus_end = posts.iter().filter_map(|p| p.created_at).max();
    let mut out = Vec::new();
    let mut seen = vec![false; posts.len()];
    for (i, p) in posts.iter().enumerate() {
        if p.is_company() || has_parent[i] {
            continue;
        }
        stats.openings += 1;
        // Every post below the opening, without revisiting (bad data can hold cycles).
        let mut below = Vec::new();
        let mut stack = children[i].clone();
        seen[i] = true;
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c], true) {
                continue;
            }
            below.push(c);
            stack.extend(children[c].iter().copied());
        }
        for &c in &below {
            seen[c] = false;
        }
        seen[i] = false;
        below.sort_by(|&a, &b| {
            (posts[a].created_at, &posts[a].id).cmp(&(posts[b].created_at, &posts[b].id))
        });
        let first_reply = below.iter().copied().find(|&c| posts[c].is_company());
        let mut ev = Vec::new();
        let company = match first_reply {
            Some(r) => {
                ev.push(Evidence {
                    field: "company".into(),
                    doc: posts[r].id.clone(),
                    start: 0,
                    end: 0,
                    rule: "thread.first_company_reply".into(),
                });
                posts[r].company_id()
            }
            None => match p.addressees.first() {
                Some((c, s, e, rule)) => {
                    ev.push(Evidence {
                        field: "company".into(),
                        doc: p.id.clone(),
                        start: *s,
                        end: *e,
                        rule: rule.clone(),
                    });
                    c.clone()
                }
                None => {
                    stats.unaddressed += 1;
                    continue;
                }
            },
        };
        let listed_outside = std::iter::once(i).chain(below.iter().copied()).any(|k| {
            posts[k]
                .replies
                .iter()
                .any(|r| !index.contains_key(r.as_str()))
        });
        let responded = match first_reply {
            Some(r) => {
                ev.push(Evidence {
                    field: "responded".into(),
                    doc: posts[r].id.clone(),
                    start: 0,
                    end: 0,
                    rule: "thread.reply_link".into(),
                });
                Responded::Yes
            }
            None if listed_outside => {
                ev.push(Evidence {
                    field: "responded".into(),
                    doc: p.id.clone(),
                    start: 0,
                    end: 0,
                    rule: "thread.reply_outside_corpus".into(),
                });
                Responded::Unknown
            }
            None => {
                ev.push(Evidence {
                    field: "responded".into(),
                    doc: p.id.clone(),
                    start: 0,
                    end: 0,
                    rule: "thread.no_company_reply".into(),
                });
                Responded::No
            }
        };
        let responded_at = first_reply.and_then(|r| posts[r].created_at);
        let mut problem = None;
        let latency = match (first_reply, p.created_at, responded_at) {
            (None, ..) => None,
            (Some(_), Some(open), Some(reply)) => {
                let secs = (reply - open).num_milliseconds() as f64 / 1000.0;
                if secs < 0.0 {
                    problem = Some(format!(
                        "reply is {:.0} s before the post it answers",
                        -secs
                    ));
                    None
                } else {
                    ev.push(Evidence {
                        field: "latency".into(),
                        doc: posts[first_reply.expect("some")].id.clone(),
                        start: 0,
                        end: 0,
                        rule: "thread.timestamps".into(),
                    });
                    Some(secs)
                }
            }
            (Some(_), ..) => {
                problem = Some("missing created_at on the post or its reply".into());
                None
            }
        };
        if problem.is_some() {
            stats.bad_delays += 1;
        }
        let mut moves: Vec<String> = Vec::new();
        let mut redirect_to: Vec<String> = Vec::new();
        let mut resolution: Option<(String, &str, usize, usize, String)> = None;
        let (mut pos, mut neg) = p.sentiment;
        for &c in &below {
            let post = &posts[c];
            if post.is_company() {
                for (label, target, s, e, rule) in &post.moves {
                    if !moves.contains(label) {
                        moves.push(label.clone());
                        ev.push(Evidence {
                            field: "move".into(),
                            doc: post.id.clone(),
                            start: *s,
                            end: *e,
                            rule: rule.clone(),
                        });
                    }
                    if let Some(t) = target {
                        if !redirect_to.contains(t) {
                            redirect_to.push(t.clone());
                        }
                    }
                }
            } else {
                pos += post.sentiment.0;
                neg += post.sentiment.1;
                if let Some((label, s, e, rule)) = &post.resolution {
                    resolution = Some((label.clone(), &post.id, *s, *e, rule.clone()));
                }
            }
        }
        moves.sort();
        let resolution = match resolution {
            Some((label, doc, s, e, rule)) => {
                ev.push(Evidence {
                    field: "resolution".into(),
                    doc: doc.to_string(),
                    start: s,
                    end: e,
                    rule,
                });
                label
            }
            None => "unknown".into(),
        };
        let sentiment = match (pos, neg) {
            (0, 0) => "neutral",
            (_, 0) => "positive",
            (0, _) => "negative",
            (p, n) if p >= 2 * n => "positive",
            (p, n) if n >= 2 * p => "negative",
            _ => "mixed",
        };
        let censor_seconds = match (responded, corpus_end, p.created_at) {
            (Responded::No, Some(end), Some(open)) => {
                Some(((end - open).num_milliseconds() as f64 / 1000.0).max(0.0))
            }
            _ => None,
        };
        out.push(Interaction {
            id: format!("{}#{company}", p.id),
            doc_id: p.id.clone(),
            source: p.source.clone(),
            kind: p.kind.clone(),
            basis: "thread".into(),
            company,
            channels: vec!["twitter".into()],
            first_channel: Some("twitter".into()),
            response_channel: first_reply.map(|_| "twitter".into()),
            responded,
            latency_seconds: latency,
            latency_kind: latency.map(|_| "exact".into()),
            switched: !redirect_to.is_empty(),
            moves,
            redirect_to,
            resolution,
            sentiment: sentiment.into(),
            opened_at: p.created_at,
            responded_at,
            censor_seconds,
            posts: 1 + below.len() as u32,
            problem,
            evidence: ev,
        });
    }
    stats.interactions = out.len() as u64;
    (out, stats)
}
