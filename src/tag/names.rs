//! Names: the companies a text names (gazetteer aliases, @handles, web domains, the author
//! of a company's own post), each with the role decided by [`super::roles`].

use super::gazetteer::PatternKind;
use super::prefilter::Hits;
use super::roles::{possessive, quoted_reply, NO_CUE};
use super::rules::Group;
use super::text::{sentence_of, Spans};
use super::{Lexicons, CHANNELS};
use crate::intern::{intern, join};
use crate::model::{Document, Found, Role, Shape, Tag, TagSet};
use foldhash::{HashMap, HashMapExt};

/// is a channel used, not the company served.
/// Role rule of a company named in the text that the data set gives: party to the story by
/// the given label, whatever the text's cues say.
pub(crate) const GIVEN_ROLE: &str = "role.subject.given";

/// An @handle.
static HANDLE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"@\w{2,}").expect("valid"));

/// The companies a text names in full, to find what a short form stands for: "psa" for
/// `psa_airlines`, "gm" for "General Motors" (its initials). Built once per text, looked up
/// per name.
struct LongForms {
    /// Distinct ids, sorted, for "the ids that extend this one".
    ids: Vec<&'static str>,
    /// Initials (lower case) of multi-word names -> the first id with them.
    initials: HashMap<String, &'static str>,
}

impl LongForms {
    fn new(names: &[(&'static str, String)]) -> LongForms {
        let mut ids: Vec<&'static str> = names.iter().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        let mut by_initials = HashMap::new();
        for (id, name) in names {
            let i = initials(name).to_lowercase();
            if !i.is_empty() {
                by_initials.entry(i).or_insert(*id);
            }
        }
        LongForms {
            ids,
            initials: by_initials,
        }
    }

    /// The company `id` is a short form of, if any.
    fn of(&self, id: &str) -> Option<&'static str> {
        let prefix = format!("{id}_");
        let from = self.ids.partition_point(|l| *l < prefix.as_str());
        if let Some(long) = self.ids.get(from).filter(|l| l.starts_with(&prefix)) {
            return Some(long);
        }
        self.initials.get(id).filter(|other| **other != id).copied()
    }
}

/// The capital initials of a name of two or more words ("United Airlines" -> "UA").
fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() < 2 {
        return String::new();
    }
    words
        .iter()
        .filter_map(|w| w.chars().next().filter(|c| c.is_uppercase()))
        .collect()
}

pub(crate) const NAMED_CHANNELS: &[&str] =
    &["third_party", "review_site", "forum_or_blog", "video"];

impl Lexicons {
    pub(crate) fn company_tags(
        &self,
        doc: &Document,
        author: Option<(&'static str, bool)>,
        sentences: &[(usize, usize)],
        pass: &Hits,
        tags: &mut Vec<Tag>,
    ) -> Option<&'static str> {
        let text = doc.text.as_str();
        let short = doc.shape != Shape::Long;
        // A company's own post (`author`, from [`Lexicons::company_author`]): it is the
        // account that answers (a support account of a company the list lacks is that
        // company, discovered).
        if let Some((id, known)) = author {
            let mut t = Tag::new(TagSet::Company, id, 0, 0, "company.author_handle");
            t.role = Some(Role::Responder);
            t.role_rule = Some("role.responder.author");
            t.found = Some(if known {
                Found::Author
            } else {
                Found::Discovered
            });
            tags.push(t);
        }
        let author_company_id = author.map(|(id, _)| id);
        // Names that a channel rule reads as a channel (the Better Business Bureau, a review
        // site): a third party used as a channel is named in passing, not the provider.
        let is_agent = |_: usize, b: usize| self.acts.is_subject(text, b);
        // A weak name ("Target", "Three", "Delta") counts only where a dealing confirms it,
        // and never as a sentence's first word ("Next, I called").
        let all_found = self.gazetteer.find(text);
        let found: Vec<_> = all_found
            .iter()
            .filter(|f| {
                !f.weak || {
                    let (ss, _) = sentence_of(sentences, f.start);
                    let first = text[ss..f.start]
                        .trim_matches(|c: char| c.is_whitespace() || "\"“‘'(-".contains(c))
                        .is_empty();
                    // At a sentence's start only as the subject of what follows ("UPS lost
                    // my envelope"), not before a comma ("Next, I called").
                    match self.names.confirm(text, f.start, f.end, &is_agent) {
                        Some((rule, true)) => !first || rule != "company.discovered.before",
                        _ => false,
                    }
                }
            })
            .cloned()
            .collect();
        let channel_spans: Vec<(usize, usize)> = if found.is_empty() {
            Vec::new()
        } else {
            self.channels
                .get(Group::Channel)
                .iter()
                // Only rules the literal pass leaves in can match.
                .filter(|r| NAMED_CHANNELS.contains(&r.label) && pass.matched(CHANNELS, r.index))
                .flat_map(|r| r.regex.find_iter(text).map(|m| (m.start(), m.end())))
                .collect()
        };
        let channel_spans = Spans::new(channel_spans);
        let spans = Spans::new(found.iter().map(|f| (f.start, f.end)).collect());
        let mut sentence_cues = HashMap::new();
        let first_tag = tags.len();
        for f in found {
            let s = sentence_of(sentences, f.start);
            let (role, role_rule) = if author_company_id == Some(self.gazetteer.root_id(f.entry)) {
                (Role::Responder, "role.responder.author")
            } else if author.is_some() && f.kind != PatternKind::Handle {
                // Other companies a company's reply names are named in passing ("your
                // Microsoft account" in an XboxSupport reply).
                (Role::Mention, "role.mention.company_post")
            } else if short && f.kind == PatternKind::Handle && author.is_none() {
                if quoted_reply(text, f.start, f.end) {
                    // “@USAirways: ...” quotes the company's reply.
                    (Role::Responder, "role.responder.quoted")
                } else if possessive(text, f.end) {
                    // "@JetBlue's CEO ...": about the company, not to it.
                    (Role::Mention, "role.mention.possessive_handle")
                } else {
                    (Role::Addressee, "role.addressee.handle")
                }
            } else if channel_spans.overlaps(f.start, f.end) {
                (Role::Mention, "role.mention.channel")
            } else {
                self.role(text, s, (f.start, f.end), &spans, pass, &mut sentence_cues)
            };
            let mut t = Tag::new(
                TagSet::Company,
                self.gazetteer.root_id(f.entry),
                f.start,
                f.end,
                join(f.kind.rule_prefix(), self.gazetteer.id(f.entry)),
            );
            t.role = Some(role);
            t.role_rule = Some(role_rule);
            t.found = Some(f.kind.found());
            tags.push(t);
        }
        // Handles the list lacks: a support account of a known company ("@AppleSupport") or
        // of one it lacks ("@XboxSupport"); in a short post it is the account written to.
        let named = Spans::new(tags[first_tag..].iter().map(|t| (t.start, t.end)).collect());
        for m in HANDLE.find_iter(text) {
            let (a, b) = (m.start(), m.end());
            if named.overlaps(a, b) || text[..a].ends_with(|c: char| c.is_alphanumeric()) {
                continue;
            }
            let Some((id, known)) = self.gazetteer.handle_company(m.as_str()) else {
                continue;
            };
            let (role, role_rule) = if author_company_id == Some(id) {
                (Role::Responder, "role.responder.author")
            } else if short && author.is_none() && !possessive(text, b) {
                (Role::Addressee, "role.addressee.handle")
            } else {
                let s = sentence_of(sentences, a);
                self.role(text, s, (a, b), &spans, pass, &mut sentence_cues)
            };
            let mut t = Tag::new(
                TagSet::Company,
                id,
                a,
                b,
                join("company.handle.support:", id),
            );
            t.role = Some(role);
            t.role_rule = Some(role_rule);
            t.found = Some(if known {
                Found::Handle
            } else {
                Found::Discovered
            });
            tags.push(t);
        }
        // Companies no list names, where the text confirms them (long texts only: a tweet's
        // unknown accounts are people as often as firms).
        if doc.shape == Shape::Long {
            let known: Vec<(usize, usize)> =
                tags[first_tag..].iter().map(|t| (t.start, t.end)).collect();
            // A set: a text naming a company a hundred thousand times searched the list of
            // them once per name, quadratic in the names.
            let known_set: std::collections::HashSet<(usize, usize)> =
                known.iter().copied().collect();
            let soft: Vec<(usize, usize)> = all_found
                .iter()
                .filter(|f| !known_set.contains(&(f.start, f.end)))
                .map(|f| (f.start, f.end))
                .collect();
            let spans = Spans::new(known.clone());
            let discovered = self.names.discover(text, &known, &soft, &is_agent);
            // A short form of a company named in full ("PSA" and "PSA Airlines") or its
            // initials ("UA" for "United Airlines") is that company.
            let full: Vec<(&'static str, String)> = tags[first_tag..]
                .iter()
                .filter(|t| t.end > t.start)
                .map(|t| (t.label, text[t.start..t.end].to_string()))
                .chain(
                    discovered
                        .iter()
                        .map(|d| (intern(&d.id), text[d.start..d.end].to_string())),
                )
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let long_forms = LongForms::new(&full);
            for d in discovered {
                let mut id = long_forms.of(&d.id).unwrap_or_else(|| intern(&d.id));
                // A possessive written without its apostrophe ("Experians customer
                // service") is the listed company.
                let surface = &text[d.start..d.end];
                let known = surface
                    .strip_suffix('s')
                    .filter(|stem| stem.len() >= 3 && !stem.ends_with('s'))
                    .and_then(|stem| self.gazetteer.lookup_name(stem));
                if let Some(e) = known {
                    id = self.gazetteer.root_id(e);
                }
                let s = sentence_of(sentences, d.start);
                let (role, role_rule) = if d.dealt {
                    (Role::Subject, "role.subject.dealt")
                } else {
                    self.role(text, s, (d.start, d.end), &spans, pass, &mut sentence_cues)
                };
                let rule = join(join(d.rule, ":"), id);
                let mut t = Tag::new(TagSet::Company, id, d.start, d.end, rule);
                t.role = Some(role);
                t.role_rule = Some(role_rule);
                t.found = Some(if known.is_some() {
                    Found::Gazetteer
                } else {
                    Found::Discovered
                });
                tags.push(t);
            }
        }
        // A support account of a company the list lacks, named by its initials or a short
        // form ("@GMCustomerSvc" beside "General Motors") is that company.
        let full: Vec<(&'static str, String)> = tags[first_tag..]
            .iter()
            .filter(|t| t.end > t.start && t.found != Some(Found::Discovered))
            .map(|t| (t.label, text[t.start..t.end].to_string()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let long_forms = LongForms::new(&full);
        for t in tags[first_tag..]
            .iter_mut()
            .filter(|t| t.found == Some(Found::Discovered))
        {
            if let Some(id) = long_forms.of(t.label) {
                t.label = id;
            }
        }
        // A name that starts a longer name of the same text is that company: "Frontier"
        // after "Frontier Airlines", "Hartz" after "Hartz Mountain".
        // The longest name of each first word: a text naming a company a thousand times
        // holds a few distinct names, looked up by their first word.
        let mut by_first: HashMap<&str, Vec<(&str, &'static str)>> = HashMap::new();
        let mut names: Vec<(&str, &'static str)> = tags[first_tag..]
            .iter()
            .filter(|t| t.end > t.start)
            .map(|t| (&text[t.start..t.end], t.label))
            .collect();
        names.sort_unstable();
        names.dedup();
        for &(name, label) in &names {
            if let Some(first) = name.split(' ').next().filter(|f| f.len() < name.len()) {
                by_first.entry(first).or_default().push((name, label));
            }
        }
        let relabel: Vec<Option<&'static str>> = tags[first_tag..]
            .iter()
            .map(|t| {
                if t.end <= t.start {
                    return None;
                }
                let surface = &text[t.start..t.end];
                let first = surface.split(' ').next().unwrap_or(surface);
                by_first
                    .get(first)?
                    .iter()
                    .filter(|(name, label)| {
                        *label != t.label
                            && name.len() > surface.len()
                            && name.starts_with(surface)
                            && name[surface.len()..].starts_with(' ')
                    })
                    .max_by_key(|(name, label)| (name.len(), *label))
                    .map(|(_, label)| *label)
            })
            .collect();
        for (t, label) in tags[first_tag..].iter_mut().zip(relabel) {
            if let Some(label) = label {
                t.label = label;
            }
        }
        // A customer's short post is about a company even when no cue says so ("Unfair
        // billing practices of Comcast", "I wish Amazon had ..."): with no party found, the
        // first company named without any cue is the subject.
        let customer_post = short && author.is_none() && doc.thread.inbound != Some(false);
        if customer_post
            && !tags[first_tag..]
                .iter()
                .any(|t| t.role.is_some_and(Role::is_party))
        {
            let first = tags[first_tag..]
                .iter()
                .find(|t| t.role_rule == Some(NO_CUE))
                .map(|t| t.label);
            if let Some(company) = first {
                let rule = "role.subject.short_post_default";
                for t in tags[first_tag..].iter_mut().filter(|t| t.label == company) {
                    if t.role_rule == Some(NO_CUE) {
                        t.role = Some(Role::Subject);
                        t.role_rule = Some(rule);
                    }
                }
            }
        }
        // The company the data set gives (a complaint's Company column) is party to the
        // story even where the text hides it ("XXXX", "the lender", "they").
        if let Some(mut given) = self.given_company(doc) {
            // The text's own name for it, when the text names it ("Ditech" for "Ditech
            // Financial LLC"): one company, one id.
            let same = |label: &str| {
                label.starts_with(&format!("{given}_")) || given.starts_with(&format!("{label}_"))
            };
            if !tags[first_tag..].iter().any(|t| t.label == given) {
                if let Some(t) = tags[first_tag..]
                    .iter()
                    .find(|t| t.set == TagSet::Company && same(t.label))
                {
                    given = t.label;
                }
            }
            let mut named = false;
            for t in tags[first_tag..].iter_mut().filter(|t| t.label == given) {
                named = true;
                if t.role == Some(Role::Mention) {
                    t.role = Some(Role::Subject);
                    t.role_rule = Some(GIVEN_ROLE);
                }
            }
            if !named {
                let mut t = Tag::new(TagSet::Company, given, 0, 0, "company.given");
                t.role = Some(Role::Subject);
                t.role_rule = Some(GIVEN_ROLE);
                t.found = Some(Found::Given);
                tags.push(t);
            }
            return Some(given);
        }
        None
    }

    /// The id of the company the document's source gives, if any: the gazetteer's when it
    /// knows the name ("EQUIFAX, INC." is `equifax`), else one made from the name.
    pub(crate) fn given_company(&self, doc: &Document) -> Option<&'static str> {
        let name = doc.given.get("company")?.trim();
        if name.is_empty() {
            return None;
        }
        self.gazetteer
            .resolve_name(name)
            .or_else(|| Some(super::gazetteer::formal_name_id(name)).filter(|id| !id.is_empty()))
            .map(|id| intern(&id))
    }
}
