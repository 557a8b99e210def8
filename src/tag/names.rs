//! Names: the companies a text names (gazetteer aliases, @handles, web domains, the author
//! of a company's own post), each with the role decided by [`super::roles`].

use super::gazetteer::PatternKind;
use super::roles::{possessive, quoted_reply, NO_CUE};
use super::text::{sentence_of, Spans};
use super::Lexicons;
use crate::model::{Document, Role, Tag, TagSet};
use std::collections::HashMap;

/// is a channel used, not the company served.
pub(crate) const NAMED_CHANNELS: &[&str] =
    &["third_party", "review_site", "forum_or_blog", "video"];

impl Lexicons {
    pub(crate) fn company_tags(
        &self,
        doc: &Document,
        sentences: &[(usize, usize)],
        tags: &mut Vec<Tag>,
    ) {
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
}
