//! Roles: whether a company named in a text is party to its service story (subject) or
//! named in passing (mention), from the cues of `roles.toml` around each name.

use super::prefilter::Hits;
use super::rules::{Group, Position, Rule};
use super::text::{floor, Spans};
use super::{Lexicons, ROLES};
use crate::model::{Role, Tag, TagSet};
use foldhash::HashMap;

/// Role rule of a company named with no cue at all.
pub(crate) const NO_CUE: &str = "role.mention.no_service_cue";

/// A handle quoted as the author of a reply: “@USAirways: ...” or RT @USAirways: ...
pub(crate) fn quoted_reply(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let opens = before.ends_with(['“', '"', '\'', '‘']) || before.ends_with("RT");
    opens && text[end..].starts_with(':')
}

/// "@JetBlue's CEO": a handle in the possessive.
pub(crate) fn possessive(text: &str, end: usize) -> bool {
    let after = &text[end..];
    after.starts_with("'s") || after.starts_with("’s")
}

impl Lexicons {
    /// Subject or mention, from the cues around one occurrence (`start..end`, in the
    /// sentence `ss..se`). A list or product cue makes a mention whatever else the sentence
    /// says; a staff cue or a service verb in the sentence makes a subject; otherwise a
    /// mention. `sentence_cues` remembers, per sentence and rule, whether a sentence-wide cue
    /// fires, so a long sentence naming many companies is scanned once per rule, not once per
    /// name. `pass` is the text's literal pass: a rule it rules out is not run.
    pub(crate) fn role(
        &self,
        text: &str,
        (ss, se): (usize, usize),
        (start, end): (usize, usize),
        names: &Spans,
        pass: &Hits,
        sentence_cues: &mut HashMap<(usize, usize, usize), bool>,
    ) -> (Role, &'static str) {
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
            // A rule that cannot match the text cannot match a part of it.
            if !pass.matched(ROLES, r.index) {
                return false;
            }
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
        for cue in [Group::List, Group::Product, Group::Place] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Mention, r.id);
            }
        }
        for cue in [Group::Staff, Group::Service] {
            if let Some(r) = self.roles.get(cue).iter().find(|r| fires(r)) {
                return (Role::Subject, r.id);
            }
        }
        (Role::Mention, NO_CUE)
    }
}

/// A long text that tells an exchange but names no company as a party with a cue is about
/// the company it names most often with no cue at all (ties: the first named), when that
/// one is named twice or is the only one: "I have had
/// nothing but trouble with Comcast. ... I called three times." The company's other
/// occurrences stay as they are.
pub(crate) fn promote_salient(tags: &mut [Tag]) {
    let company = |t: &Tag| t.set == TagSet::Company;
    if tags
        .iter()
        .any(|t| company(t) && t.role.is_some_and(Role::is_party))
    {
        return;
    }
    let mut counts: Vec<(&str, usize, usize)> = Vec::new(); // (company, count, first)
    for t in tags
        .iter()
        .filter(|t| company(t) && t.role_rule == Some(NO_CUE))
    {
        match counts.iter_mut().find(|c| c.0 == t.label) {
            Some(c) => c.1 += 1,
            None => counts.push((t.label, 1, t.start)),
        }
    }
    // Named more than once, or the only company the text names: a company named once among
    // others is as likely an example as the story's.
    let Some(best) = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
        .filter(|c| c.1 >= 2 || counts.len() == 1)
        .map(|c| c.0)
    else {
        return;
    };
    for t in tags.iter_mut().filter(|t| company(t) && t.label == best) {
        if t.role_rule == Some(NO_CUE) {
            t.role = Some(Role::Subject);
            t.role_rule = Some("role.subject.salient");
        }
    }
}
