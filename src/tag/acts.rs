//! Acts: who did what to whom. An act is a verb of `acts.toml` (an answer, a statement, an
//! apology, a fix, a refusal) with its subject: the nearest word before the verb in the same
//! clause once adverbs, auxiliaries, negators and modals are passed over. The subject
//! decides whose act it is: the company's (a company the text names, its people, a generic
//! noun for a company, a pronoun), nobody's ("nobody called back") or the customer's.
//!
//! Takes the text, its sentences and the company names found; returns the acts with their
//! spans. It does not decide what the acts mean for an interaction: `super::cues` turns
//! the company's answers into `responded` tags.

use super::prefilter::WordMatch;
use super::rules::LoadError;
use crate::intern::intern;
use foldhash::HashSet;
use serde::Deserialize;

/// What `acts.toml` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActsFile {
    version: u32,
    pronouns: Vec<String>,
    nobody: Vec<String>,
    staff: Vec<String>,
    customer: Vec<String>,
    /// Absent from rule files written before it: none.
    #[serde(default)]
    reported: Vec<String>,
    skip: Vec<String>,
    negators: Vec<String>,
    modals: Vec<String>,
    #[serde(rename = "act")]
    acts: Vec<ActSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActSpec {
    id: String,
    kind: String,
    verbs: Vec<String>,
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    /// A company the text names (its id).
    Company(&'static str),
    /// The company's people or a generic company noun ("the rep", "the airline").
    Staff,
    /// A pronoun ("they", "he", "someone").
    Pronoun,
    /// Nobody ("nobody called back").
    Nobody,
    /// The customer ("I", "we").
    Customer,
}

impl Agent {
    /// The company's side (named, its people, or a pronoun for it).
    pub fn is_company_side(&self) -> bool {
        matches!(self, Agent::Company(_) | Agent::Staff | Agent::Pronoun)
    }

    /// What a tag's rule id adds to the act's id for this agent: `.staff` (the act said),
    /// `.staff.denied` (the act denied), so `act.reply.staff.denied`.
    pub fn rule_suffix(&self, denied: bool) -> &'static str {
        match (self, denied) {
            (Agent::Company(_), false) => ".company",
            (Agent::Company(_), true) => ".company.denied",
            (Agent::Staff, false) => ".staff",
            (Agent::Staff, true) => ".staff.denied",
            (Agent::Pronoun, false) => ".pronoun",
            (Agent::Pronoun, true) => ".pronoun.denied",
            (Agent::Nobody, false) => ".nobody",
            (Agent::Nobody, true) => ".nobody.denied",
            (Agent::Customer, false) => ".customer",
            (Agent::Customer, true) => ".customer.denied",
        }
    }
}

/// One act found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    /// The act's rule id (`act.reply`, ...).
    pub id: &'static str,
    /// Where the subject starts.
    pub start: usize,
    /// Where the verb starts.
    pub verb_start: usize,
    /// Where the verb ends.
    pub end: usize,
    /// Who acts.
    pub agent: Agent,
    /// A negator stands between subject and verb ("they never replied").
    pub negated: bool,
    /// A modal, plan or promise does ("said they would call back").
    pub modal: bool,
}

/// The compiled acts lexicon.
#[derive(Debug, Clone)]
pub struct Acts {
    pronouns: HashSet<String>,
    nobody: HashSet<String>,
    staff: HashSet<String>,
    customer: HashSet<String>,
    reported: HashSet<String>,
    skip: HashSet<String>,
    negators: HashSet<String>,
    modals: HashSet<String>,
    /// Act id of each verb.
    verb_act: Vec<usize>,
    ids: Vec<&'static str>,
    /// The verbs, lower case; the tagger's one literal pass finds them
    /// ([`super::prefilter::Prefilter`]).
    verbs: Vec<String>,
}

impl Acts {
    /// Reads and compiles `acts.toml`.
    pub fn load(path: &str, text: &str) -> Result<Acts, LoadError> {
        let f: ActsFile = toml::from_str(text).map_err(|e| LoadError::toml(path, text, &e))?;
        if f.version != 1 {
            return Err(LoadError::at(
                path,
                None,
                format!("version {} is not supported (expected 1)", f.version),
            ));
        }
        let set =
            |v: &[String]| -> HashSet<String> { v.iter().map(|w| w.to_lowercase()).collect() };
        let mut patterns = Vec::new();
        let mut verb_act = Vec::new();
        let mut ids = Vec::new();
        for (i, a) in f.acts.iter().enumerate() {
            if a.kind != "answer" {
                return Err(LoadError::at(
                    path,
                    super::rules::line_of(text, &format!("id = \"{}\"", a.id)),
                    format!("act {:?}: unknown kind {:?} (known: answer)", a.id, a.kind),
                ));
            }
            if ids.contains(&a.id.as_str()) {
                return Err(LoadError::at(
                    path,
                    super::rules::line_of_nth(text, &format!("id = \"{}\"", a.id), 2),
                    format!("duplicate act id {:?}", a.id),
                ));
            }
            ids.push(intern(&a.id));
            for v in &a.verbs {
                if v.trim().is_empty() {
                    return Err(LoadError::at(
                        path,
                        None,
                        format!("act {:?}: an empty verb", a.id),
                    ));
                }
                patterns.push(v.to_lowercase());
                verb_act.push(i);
            }
        }
        Ok(Acts {
            pronouns: set(&f.pronouns),
            nobody: set(&f.nobody),
            staff: set(&f.staff),
            customer: set(&f.customer),
            reported: set(&f.reported),
            skip: set(&f.skip),
            negators: set(&f.negators),
            modals: set(&f.modals),
            verb_act,
            ids,
            verbs: patterns,
        })
    }

    /// The verbs, lower case, in the order [`WordMatch::word`] counts them.
    pub fn verbs(&self) -> &[String] {
        &self.verbs
    }

    /// Every act in `text`. `verbs` are where the verbs occur in it (the literal pass's
    /// [`super::prefilter::Hits::words`] of a prefilter given [`Acts::verbs`]);
    /// `sentences` are the text's sentence spans; `names` the spans of the companies
    /// found, with their ids, sorted by start.
    pub fn find(
        &self,
        text: &str,
        verbs: &[WordMatch],
        sentences: &[(usize, usize)],
        names: &[(usize, usize, &'static str)],
    ) -> Vec<Act> {
        let bytes = text.as_bytes();
        let word_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'\'' || b >= 0x80;
        let mut out = Vec::new();
        for m in verbs {
            let (vs, ve) = (m.start, m.end);
            // Whole words only.
            if vs > 0 && bytes[vs - 1].is_ascii_alphanumeric()
                || ve < bytes.len() && bytes[ve].is_ascii_alphanumeric()
            {
                continue;
            }
            let (ss, _) = super::text::sentence_of(sentences, vs);
            let act = self.verb_act[m.word];
            // Walk back over the words before the verb, within the clause.
            let mut negated = false;
            let mut modal = false;
            let mut at = vs;
            let mut found: Option<(usize, Agent)> = None;
            loop {
                // Skip spaces; stop at clause punctuation.
                let mut j = at;
                while j > ss && bytes[j - 1] == b' ' {
                    j -= 1;
                }
                if j <= ss || !word_byte(bytes[j - 1]) {
                    break;
                }
                let mut k = j;
                while k > ss && word_byte(bytes[k - 1]) {
                    k -= 1;
                }
                let word = text[k..j].trim_matches(|c: char| c == '\'' || c == '’');
                let lower = word.to_lowercase();
                // "didn't": the clitic is the negator.
                let clitic_not = lower.ends_with("n't") || lower.ends_with("n’t");
                if self.negators.contains(&lower) || clitic_not {
                    negated = true;
                } else if self.modals.contains(&lower) {
                    modal = true;
                } else if self.skip.contains(&lower) {
                } else {
                    found = self.agent(text, k, j, &lower, names).map(|a| (k, a));
                    if found.is_none()
                        && lower == "one"
                        && text[..k].trim_end().to_lowercase().ends_with("no")
                    {
                        found = Some((k, Agent::Nobody));
                    }
                    break;
                }
                at = k;
            }
            if let Some((start, agent)) = found {
                out.push(Act {
                    id: self.ids[act],
                    start,
                    verb_start: vs,
                    end: ve,
                    agent,
                    negated,
                    modal,
                });
            }
        }
        out
    }

    /// Whether an act's subject is a pronoun or people word that a report told in the third
    /// person uses for the customer as often as for the company (`reported` in acts.toml:
    /// "she said", "a Denver woman says"), not a name.
    pub fn reported_subject(&self, text: &str, a: &Act) -> bool {
        matches!(a.agent, Agent::Pronoun | Agent::Staff) && {
            let w = text[a.start..a.verb_start].split_whitespace().next();
            w.is_some_and(|w| self.reported.contains(&w.to_lowercase()))
        }
    }

    /// Whether the name ending at `end` is the subject of a company act: a verb of an act
    /// follows it, with only adverbs, auxiliaries, negators or modals between ("KlearGear
    /// never replied", "Potentia Energy refunded").
    pub fn is_subject(&self, text: &str, end: usize) -> bool {
        let mut at = end;
        let bytes = text.as_bytes();
        if text[at..].starts_with("'s") {
            return false; // "X's rep said" is the rep's act, seen by its own subject
        }
        loop {
            while at < bytes.len() && bytes[at] == b' ' {
                at += 1;
            }
            let rest = &text[at..super::text::floor(text, (at + 40).min(text.len()))];
            // The longest verb the words start with, as a leftmost-longest search finds it.
            let longest = self
                .verbs
                .iter()
                .filter(|v| {
                    rest.as_bytes()
                        .get(..v.len())
                        .is_some_and(|b| b.eq_ignore_ascii_case(v.as_bytes()))
                })
                .map(String::len)
                .max();
            if let Some(len) = longest {
                let ends_word = rest[len..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
                if ends_word {
                    return true;
                }
            }
            let word_end = text[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
                .map_or(text.len(), |k| at + k);
            if word_end == at {
                return false;
            }
            let w = text[at..word_end].to_lowercase();
            if self.skip.contains(&w)
                || self.negators.contains(&w)
                || self.modals.contains(&w)
                || w.ends_with("n't")
            {
                at = word_end;
            } else {
                return false;
            }
        }
    }

    /// Who the word `text[k..j]` (the subject's head) is.
    fn agent(
        &self,
        text: &str,
        k: usize,
        j: usize,
        lower: &str,
        names: &[(usize, usize, &'static str)],
    ) -> Option<Agent> {
        // A company name ending here ("Comcast", "Bank of America", "@Delta"). Names are
        // sorted by start and barely overlap: the few that start before the word are the
        // only ones that can cover or end at it.
        let i = names.partition_point(|n| n.0 < j);
        let near = &names[i.saturating_sub(4)..i];
        if let Some(n) = near.iter().rev().find(|n| n.1 >= j && n.0 <= k || n.1 == j) {
            return Some(Agent::Company(n.2));
        }
        // "Aldous collection sent me", "the Comcast rep said": a noun right after a
        // company's name is the company's; the customer's own words are not ("@sprintcare
        // I have sent", "@united we called": a tweet addressed to the company).
        let before = text[..k].trim_end_matches(' ');
        if let Some(n) = near
            .iter()
            .rev()
            .find(|n| n.1 == before.len() && n.1 < k && !self.customer.contains(lower))
        {
            return Some(Agent::Company(n.2));
        }
        // A redacted name ("XXXX refuses to", "XXXX XXXX has not"): in a complaint, the
        // company whose name was taken out.
        if lower.len() >= 2 && lower.bytes().all(|b| b == b'x') {
            return Some(Agent::Staff);
        }
        if self.pronouns.contains(lower) {
            return Some(Agent::Pronoun);
        }
        if self.nobody.contains(lower) {
            return Some(Agent::Nobody);
        }
        if self.customer.contains(lower) {
            return Some(Agent::Customer);
        }
        if self.staff.contains(lower) {
            // "my husband" is no staff, but "my bank" is a company: only people words
            // after "my"/"our" are the customer's own.
            return Some(Agent::Staff);
        }
        // "Comcast spokesman John Smith said": a name after a staff word.
        let is_name = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        if is_name(&text[k..j]) {
            // Within the sentence: in "... cancelled her service. Maria Lopez said", the
            // word before the name ends another sentence.
            let head = &text[..k];
            let head = head
                .rfind(['.', '!', '?', ';', '\n'])
                .map_or(head, |i| &head[i + 1..]);
            let before: Vec<&str> = head
                .split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .filter(|w| !w.is_empty())
                .rev()
                .take(3)
                .collect();
            let mut it = before.into_iter().skip_while(|w| is_name(w));
            if it
                .next()
                .is_some_and(|w| self.staff.contains(&w.to_lowercase()))
            {
                return Some(Agent::Staff);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acts(
        text: &str,
        names: &[(usize, usize, &'static str)],
    ) -> Vec<(String, Agent, bool, bool)> {
        let lex = Acts::load("acts.toml", include_str!("rules/acts.toml")).unwrap();
        let s = super::super::text::sentences(text);
        let pass = super::super::prefilter::Prefilter::new(&[], lex.verbs()).unwrap();
        lex.find(text, pass.hits(text).words(), &s, names)
            .into_iter()
            .map(|a| {
                (
                    text[a.verb_start..a.end].to_string(),
                    a.agent,
                    a.negated,
                    a.modal,
                )
            })
            .collect()
    }

    #[test]
    fn subjects_decide_whose_act_it_is() {
        let t = "I called Comcast and they never called back.";
        assert_eq!(
            acts(t, &[(9, 16, "comcast")]),
            vec![("called back".to_string(), Agent::Pronoun, true, false)]
        );
        let t = "British Airways responded to Syed within hours.";
        assert_eq!(
            acts(t, &[(0, 15, "british_airways")]),
            vec![(
                "responded".to_string(),
                Agent::Company("british_airways"),
                false,
                false
            )]
        );
        let t = "The rep said they would call me back.";
        let a = acts(t, &[]);
        assert_eq!(a[0], ("said".to_string(), Agent::Staff, false, false));
        assert_eq!(
            a[1],
            ("call me back".to_string(), Agent::Pronoun, false, true)
        );
        let t = "Nobody called me back. No one replied.";
        let a = acts(t, &[]);
        assert!(a.iter().all(|x| x.1 == Agent::Nobody), "{a:?}");
        let t = "We emailed them twice.";
        assert!(acts(t, &[]).is_empty());
        // The customer's words right after the handle a tweet is addressed to are the
        // customer's, not a noun of the company's ("Aldous collection sent me").
        let t = "@sprintcare I have sent several messages and no one is responding";
        assert_eq!(
            acts(t, &[(0, 11, "sprint")]),
            vec![
                ("sent".to_string(), Agent::Customer, false, false),
                ("responding".to_string(), Agent::Nobody, false, false)
            ]
        );
        let t = "@united we called back twice. Nobody is answering.";
        let a = acts(t, &[(0, 7, "united")]);
        assert_eq!(a[0].1, Agent::Customer, "{a:?}");
        assert_eq!(a[1], ("answering".to_string(), Agent::Nobody, false, false));
        let t = "A spokesperson for FedEx said the package was found.";
        assert_eq!(acts(t, &[(19, 24, "fedex")])[0].1, Agent::Company("fedex"));
        let t = "Comcast spokesman John Smith said sorry.";
        assert_eq!(acts(t, &[(0, 7, "comcast")])[0].1, Agent::Staff);
        // The word before the name ends the sentence before: not "service Maria Lopez".
        let t = "She cancelled her service. Maria Lopez said she was billed twice.";
        assert!(acts(t, &[]).is_empty(), "{:?}", acts(t, &[]));
    }
}
