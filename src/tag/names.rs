//! Names: the companies a text names (gazetteer aliases, @handles, web domains, the author
//! of a company's own post), each with the role decided by [`super::roles`].

use super::gazetteer::PatternKind;
use super::roles::{possessive, quoted_reply, NO_CUE};
use super::text::{sentence_of, Spans};
use super::Lexicons;
use crate::model::{Document, Found, Role, Shape, Tag, TagSet};
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
        let short = doc.shape != Shape::Long;
        let author_company = doc
            .author
            .as_deref()
            .and_then(|a| self.gazetteer.by_handle(a));
        if let Some(entry) = author_company {
            // A company's own post: it is the account that answers.
            let mut t = Tag::new(
                TagSet::Company,
                self.gazetteer.root_id(entry),
                0,
                0,
                "company.author_handle",
            );
            t.role = Some(Role::Responder);
            t.role_rule = Some("role.responder.author".into());
            t.found = Some(Found::Author);
            tags.push(t);
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
            } else if short && f.kind == PatternKind::Handle && author_company.is_none() {
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
            let mut t = Tag::new(
                TagSet::Company,
                self.gazetteer.root_id(f.entry),
                f.start,
                f.end,
                format!("{}:{}", f.kind.rule(), self.gazetteer.id(f.entry)),
            );
            t.role = Some(role);
            t.role_rule = Some(role_rule);
            t.found = Some(f.kind.found());
            tags.push(t);
        }
        // A customer's short post is about a company even when no cue says so ("Unfair
        // billing practices of Comcast", "I wish Amazon had ..."): with no party found, the
        // first company named without any cue is the subject.
        let customer_post = short && author_company.is_none() && doc.thread.inbound != Some(false);
        if customer_post
            && !tags[first_tag..]
                .iter()
                .any(|t| t.role.is_some_and(Role::is_party))
        {
            let first = tags[first_tag..]
                .iter()
                .find(|t| t.role_rule.as_deref() == Some(NO_CUE))
                .map(|t| t.label.clone());
            if let Some(company) = first {
                let rule = "role.subject.short_post_default";
                for t in tags[first_tag..].iter_mut().filter(|t| t.label == company) {
                    if t.role_rule.as_deref() == Some(NO_CUE) {
                        t.role = Some(Role::Subject);
                        t.role_rule = Some(rule.into());
                    }
                }
            }
        }
        // The company the data set gives (a complaint's Company column) is party to the
        // story even where the text hides it ("XXXX", "the lender", "they").
        if let Some(given) = self.given_company(doc) {
            let mut named = false;
            for t in tags[first_tag..].iter_mut().filter(|t| t.label == given) {
                named = true;
                if t.role == Some(Role::Mention) {
                    t.role = Some(Role::Subject);
                    t.role_rule = Some("role.subject.given".into());
                }
            }
            if !named {
                let mut t = Tag::new(TagSet::Company, given, 0, 0, "company.given");
                t.role = Some(Role::Subject);
                t.role_rule = Some("role.subject.given".into());
                t.found = Some(Found::Given);
                tags.push(t);
            }
        }
    }

    /// The id of the company the document's source gives, if any: the gazetteer's when it
    /// knows the name ("EQUIFAX, INC." is `equifax`), else one made from the name.
    pub(crate) fn given_company(&self, doc: &Document) -> Option<String> {
        let name = doc.given.get("company")?.trim();
        if name.is_empty() {
            return None;
        }
        self.gazetteer
            .resolve_name(name)
            .or_else(|| Some(super::gazetteer::company_id(name)).filter(|id| !id.is_empty()))
    }
}
