//! Discovery: companies that no list names, found from the text ("Lord & Taylor refunded
//! me", "I called Potentia Energy", "a spokesperson for KlearGear said"). A candidate is a
//! run of words the part-of-speech tagger ([`super::pos`]) reads as a proper name, joined by
//! "&", "and", "of" or a possessive, or an @handle, or a web domain; it becomes a company
//! only where the text confirms it (`names.toml`). People, places, news outlets,
//! institutions and events are not companies.
//!
//! Takes a text and the spans the gazetteer already named; returns the discovered names,
//! each with its span, its id (made from the name: `lord_and_taylor`) and the rule that
//! confirmed it. Roles are decided by `super::roles` like any other name's.

use super::gazetteer::company_id;
use super::pos::{Model, Upos};
use super::rules::LoadError;
use super::tokens;
use foldhash::{HashMap, HashSet, HashSetExt};
use serde::Deserialize;

/// What `names.toml` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesFile {
    version: u32,
    org_words: Vec<String>,
    outlet_words: Vec<String>,
    outlets: Vec<String>,
    institution_words: Vec<String>,
    not_names: Vec<String>,
    titles: Vec<String>,
    places: Vec<String>,
    before: Vec<String>,
    after: Vec<String>,
}

/// The compiled lists, shared read-only.
#[derive(Debug, Clone)]
pub struct Names {
    org_words: HashSet<String>,
    outlet_words: HashSet<String>,
    outlets: HashSet<String>,
    institution_words: HashSet<String>,
    not_names: HashSet<String>,
    titles: HashSet<String>,
    /// Phrases before a name, as lower-case word sequences.
    before: Vec<Vec<String>>,
    /// Phrases after a name, as lower-case word sequences.
    after: Vec<Vec<String>>,
    first_names: HashSet<String>,
    surnames: HashSet<String>,
    places: HashSet<String>,
    /// Frequent lower-case English words: a name made only of them is a common noun
    /// written with a capital ("Airline", "Body Shop").
    common: HashSet<String>,
}

/// Whether a run of name words can be a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Not a company: a person, an outlet, an institution, an event.
    No,
    /// Only where the text says the customer dealt with it (a place, a surname).
    IfDealt,
    /// Yes, where the text confirms it.
    Yes,
}

/// A company found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Byte span.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// The id made from the name.
    pub id: String,
    /// What confirmed it: `company.discovered.{org_word,before,after,act,handle,domain,repeat}`.
    pub rule: &'static str,
    /// Confirmed by a dealing ("called X", "X refunded"), not only by its form ("X Inc."):
    /// the company is party to the story.
    pub dealt: bool,
}

impl Names {
    /// Reads `names.toml`; the first names and places are built in (`data/`).
    pub fn load(path: &str, text: &str) -> Result<Names, LoadError> {
        let f: NamesFile = toml::from_str(text).map_err(|e| LoadError::toml(path, text, &e))?;
        if f.version != 1 {
            return Err(LoadError::at(
                path,
                None,
                format!("version {} is not supported (expected 1)", f.version),
            ));
        }
        let exact = |v: Vec<String>| -> HashSet<String> { v.into_iter().collect() };
        let phrases = |v: Vec<String>| -> Vec<Vec<String>> {
            v.iter()
                .map(|p| p.split_whitespace().map(str::to_lowercase).collect())
                .filter(|p: &Vec<String>| !p.is_empty())
                .collect()
        };
        let lines = |s: &str| -> HashSet<String> {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        };
        Ok(Names {
            org_words: exact(f.org_words),
            outlet_words: exact(f.outlet_words),
            outlets: exact(f.outlets),
            institution_words: exact(f.institution_words),
            not_names: exact(f.not_names),
            titles: exact(f.titles),
            before: phrases(f.before),
            after: phrases(f.after),
            first_names: lines(include_str!("data/first_names.txt")),
            surnames: lines(include_str!("data/surnames.txt")),
            places: lines(include_str!("data/places.txt"))
                .into_iter()
                .chain(f.places)
                .collect(),
            common: lines(include_str!("data/common_words.txt")),
        })
    }

    /// The companies `text` names that no list has. `known` are the spans already named
    /// (gazetteer); `soft` the list's names left out as too ambiguous there ("Amazon" in
    /// "Amazon Prime", "Sun Country" in "Sun Country Airlines": only a name with an
    /// organisation word may contain one); `is_agent` says whether a span is the subject of
    /// a company act.
    pub fn discover(
        &self,
        text: &str,
        known: &[(usize, usize)],
        soft: &[(usize, usize)],
        is_agent: &dyn Fn(usize, usize) -> bool,
    ) -> Vec<Discovered> {
        let model = Model::builtin();
        let toks = tokens::tokenize(text);
        let mut out: Vec<Discovered> = Vec::new();
        let mut tags = Vec::new();
        let mut words: Vec<&str> = Vec::new();
        // People the text names ("spokesman Tom Kuhn", "Diana Hudson"): their surnames alone
        // later ("Kuhn said", "Hudson says") are the same people.
        let people = self.people(text, &toks);
        // Words written in lower case somewhere in the text: a capitalised one of them is a
        // common noun at a sentence start or in a title ("Airline", "Company").
        let lower_words: HashSet<&str> = toks
            .iter()
            .map(|t| t.as_str(text))
            .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
            .collect();
        let known_spans = super::text::Spans::new(known.to_vec());
        let soft_spans = super::text::Spans::new(soft.to_vec());
        // Where a known name ends and starts, for "right next to a known name".
        let ends: HashSet<usize> = known.iter().chain(soft).map(|&(_, e)| e).collect();
        let starts: HashSet<usize> = known.iter().chain(soft).map(|&(s, _)| s).collect();
        for r in tokens::split_sentences(text, &toks) {
            let sent = &toks[r.clone()];
            // Only sentences with a capitalised word past the first, a handle or a domain
            // are read for names; and of those, only ones with a handle, a domain or a
            // capitalised word that is not a common word, outside the names already known,
            // can hold one (a run of common words alone is never a name, see `common`
            // below, and a run or a handle that overlaps a known name is never one). Most
            // sentences need no part-of-speech tagging at all.
            let promising = sent.iter().enumerate().any(|(i, t)| {
                let w = t.as_str(text);
                (i > 0 && w.chars().next().is_some_and(char::is_uppercase))
                    || w.starts_with('@')
                    || is_domain(w)
            }) && sent.iter().any(|t| {
                let w = t.as_str(text);
                (w.starts_with('@') || is_domain(w) || self.could_name(w))
                    && !known_spans.overlaps(t.start, t.end)
            });
            if !promising {
                continue;
            }
            words.clear();
            words.extend(sent.iter().map(|t| t.as_str(text)));
            model.tag_into(&words, &mut tags);
            // A line in capitals, or in title case (a headline, a menu, a list of related
            // posts: "Marketwired Names Jim Delaney CEO"), capitalises every word.
            let upper = words
                .iter()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .all(|w| !w.chars().any(char::is_lowercase))
                || title_case(&words);
            let mut i = 0;
            // The end of the last run read, and where the staff and platform words that end
            // it begin: every start inside a run reaches the same end. Reading the run again
            // from each start took time quadratic in its length (a text of "DM DM DM ...",
            // every word a platform word, cut off the run before it).
            let mut last_run: Option<(usize, usize)> = None;
            while i < sent.len() {
                let w = words[i];
                // @handles and domains are candidates of their own.
                if (w.starts_with('@') && w.len() > 2) || is_domain(w) {
                    let (a, b) = (sent[i].start, sent[i].end);
                    if !known_spans.overlaps(a, b) {
                        let stem = if w.starts_with('@') {
                            w.trim_start_matches('@').to_string()
                        } else {
                            domain_name(w)
                        };
                        // A web shop: "ordered a phone from www.wirefly.com", "bought it on
                        // kleargear.com".
                        let via = || {
                            let before = text[..a].trim_end().to_lowercase();
                            ["from", "at", "on", "through", "via", "with", "to"]
                                .iter()
                                .any(|p| before.ends_with(&format!(" {p}")))
                                .then_some(("company.discovered.domain", true))
                        };
                        let confirmed = self
                            .confirm(text, a, b, is_agent)
                            .or_else(|| is_domain(w).then(via).flatten());
                        if let Some(rule) = confirmed {
                            let id = company_id(&stem);
                            if !id.is_empty() {
                                out.push(Discovered {
                                    start: a,
                                    end: b,
                                    id,
                                    rule: if w.starts_with('@') {
                                        "company.discovered.handle"
                                    } else {
                                        "company.discovered.domain"
                                    },
                                    dealt: rule.1,
                                });
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                if !self.nameish(w, tags[i], i == 0) {
                    i += 1;
                    continue;
                }
                let (end, cut) = match last_run {
                    Some(run) if i < run.0 => run,
                    _ => *last_run.insert(self.run_from(&words, &tags, i)),
                };
                debug_assert!(i < end);
                let j = cut.max(i + 1);
                let (a, b) = (sent[i].start, sent[j - 1].end);
                let run = &words[i..j];
                // Right next to a known name it is part of that name or a product of it
                // ("Amazon Prime", "Chase Sapphire").
                let next_to_known = ends.contains(&text[..a].trim_end().len())
                    || starts.contains(&(text.len() - text[b..].trim_start().len()));
                let lower_elsewhere = |w: &str| {
                    let l = w.to_lowercase();
                    l != w && lower_words.contains(l.as_str())
                };
                let common = run.iter().all(|w| {
                    !w.chars().any(char::is_alphabetic)
                        || matches!(*w, "&" | "and" | "of" | "'s" | "’s" | "de" | "-")
                        || self.common.contains(&w.to_lowercase())
                        || lower_elsewhere(w)
                });
                let person = run.len() == 1 && people.contains(run[0]);
                let fit = self.is_company_name(run, i, &words, upper);
                let org = self.org_words.contains(run[run.len() - 1]);
                if !known_spans.overlaps(a, b)
                    && (org || !soft_spans.overlaps(a, b))
                    && !next_to_known
                    && !common
                    && !person
                    && fit != Fit::No
                {
                    // A single word that only "said" something is a person quoted, as often
                    // as a firm ("Smith said"); it needs more than that.
                    let said_only = run.len() == 1 && self.only_said(text, b);
                    // A place or a surname counts only where the customer dealt with it.
                    let confirmed = self.confirm(text, a, b, is_agent).filter(|(rule, _)| {
                        let before = *rule == "company.discovered.before";
                        before || !said_only && fit == Fit::Yes
                    });
                    if let Some((rule, dealt)) = confirmed {
                        let id = company_id(&text[a..b]);
                        if !id.is_empty() {
                            out.push(Discovered {
                                start: a,
                                end: b,
                                id,
                                rule,
                                dealt,
                            });
                        }
                    }
                }
                i = j;
            }
        }
        // Every other occurrence of a confirmed name counts too ("Potentia Energy ... Potentia
        // Energy's reply"), found in one pass over the text.
        let confirmed: HashMap<String, String> = out
            .iter()
            .map(|d| (text[d.start..d.end].to_string(), d.id.clone()))
            .collect();
        if !confirmed.is_empty() {
            let mut names: Vec<(&String, &String)> = confirmed.iter().collect();
            names.sort();
            let finder = aho_corasick::AhoCorasickBuilder::new()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(names.iter().map(|(n, _)| n.as_str()))
                .expect("names compile");
            let seen: HashSet<(usize, usize)> = out.iter().map(|d| (d.start, d.end)).collect();
            let mut more = Vec::new();
            for m in finder.find_iter(text) {
                let (a, b) = (m.start(), m.end());
                let bounded = !text[..a]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
                    && !text[b..].chars().next().is_some_and(char::is_alphanumeric);
                if bounded
                    && !seen.contains(&(a, b))
                    && !known_spans.overlaps(a, b)
                    && !soft_spans.overlaps(a, b)
                {
                    more.push(Discovered {
                        start: a,
                        end: b,
                        id: names[m.pattern().as_usize()].1.clone(),
                        rule: "company.discovered.repeat",
                        dealt: false,
                    });
                }
            }
            out.extend(more);
        }
        out.sort_by_key(|d| (d.start, d.end));
        out.dedup_by_key(|d| (d.start, d.end));
        // A short form of a longer name found in the same text is that company ("Xcel" for
        // "Xcel Energy", "PSA" for "PSA Airlines"): the shortest id that extends it.
        let mut ids: Vec<String> = out.iter().map(|d| d.id.clone()).collect();
        ids.sort();
        ids.dedup();
        for d in &mut out {
            let prefix = format!("{}_", d.id);
            let from = ids.partition_point(|l| l.as_str() < prefix.as_str());
            if let Some(long) = ids[from..]
                .iter()
                .take_while(|l| l.starts_with(&prefix))
                .min_by_key(|l| (l.len(), l.as_str()))
            {
                d.id = long.clone();
            }
        }
        out
    }

    /// Whether a word, by its letters alone, could be the uncommon word every name run needs:
    /// capitalised (or a digit first, "3M"), not a common word, not a redaction or a link.
    fn could_name(&self, w: &str) -> bool {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            && w.chars().any(char::is_alphabetic)
            && !self.common.contains(&w.to_lowercase())
            && !tokens::is_redaction(w)
            && !tokens::is_url_or_email(w)
    }

    /// The run of name words from `i` (a name word): where it ends, and where the staff and
    /// platform words that end it begin (they are not part of the name: "GM Twitter
    /// Specialist" is GM's specialist), at least `i + 1`. Names, and "&", "and", "of", "'s"
    /// between two of them, extend it.
    fn run_from(&self, words: &[&str], tags: &[Upos], i: usize) -> (usize, usize) {
        let mut j = i + 1;
        while j < words.len() {
            if self.nameish(words[j], tags[j], false) {
                j += 1;
            } else if j + 1 < words.len()
                && matches!(words[j], "&" | "and" | "of" | "'s" | "’s" | "de" | "-")
                && self.nameish(words[j + 1], tags[j + 1], false)
                && (words[j] != "and"
                    || words[j + 1].chars().next().is_some_and(char::is_uppercase))
            {
                j += 2;
            } else {
                break;
            }
        }
        let mut cut = j;
        while cut > i + 1 && self.trailing_not_name(words[cut - 1]) {
            cut -= 1;
        }
        (j, cut)
    }

    /// A word that may be part of a name: a proper noun, or a capitalised word the tagger
    /// read otherwise ("a Comcast customer": ADJ) that is not a sentence's first.
    fn nameish(&self, w: &str, tag: Upos, first: bool) -> bool {
        #[cfg(test)]
        tests::NAMEISH_CALLS.with(|c| c.set(c.get() + 1));
        let cap = w
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            && w.chars().any(char::is_alphabetic);
        if !cap || tokens::is_redaction(w) || tokens::is_url_or_email(w) || w.starts_with('@') {
            return false;
        }
        match tag {
            Upos::Propn => true,
            Upos::Noun | Upos::Adj | Upos::X | Upos::Num => !first,
            _ => false,
        }
    }

    /// A word that ends a name run without being part of the name: a staff word
    /// ("Specialist", "Manager") or a platform ("Twitter").
    fn trailing_not_name(&self, w: &str) -> bool {
        self.not_names.contains(w)
            || matches!(
                w.to_lowercase().as_str(),
                "specialist"
                    | "specialists"
                    | "manager"
                    | "representative"
                    | "rep"
                    | "agent"
                    | "supervisor"
                    | "employee"
                    | "staff"
                    | "spokesperson"
                    | "spokesman"
                    | "spokeswoman"
                    | "team"
                    | "ceo"
                    | "president"
                    | "founder"
                    | "owner"
            )
    }

    /// The surnames of the people a text names: the last word of a first name and surname
    /// ("Diana Hudson"), or of a name after a title ("spokesman Tom Kuhn", "Ms. Tremblay").
    fn people(&self, text: &str, toks: &[tokens::Token]) -> HashSet<String> {
        let words: Vec<&str> = toks.iter().map(|t| t.as_str(text)).collect();
        let cap = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let mut out = HashSet::new();
        for i in 0..words.len() {
            let titled = self.titles.contains(words[i]);
            let first = self.first_names.contains(words[i]);
            if !(titled || first) {
                continue;
            }
            let mut j = i + 1;
            while j < words.len()
                && j <= i + 3
                && cap(words[j])
                && words[j].chars().all(char::is_alphabetic)
            {
                j += 1;
            }
            if j > i + 1 {
                let last = words[j - 1];
                if !self.org_words.contains(last) {
                    out.insert(last.to_string());
                    // "the Tremblays": the family.
                    out.insert(format!("{last}s"));
                }
            }
        }
        out
    }

    /// The name ending at `end` is followed by a speech verb ("said", "told", "says").
    fn only_said(&self, text: &str, end: usize) -> bool {
        let rest = text[end..].trim_start();
        ["said", "says", "told", "explained", "added", "wrote"]
            .iter()
            .any(|v| {
                rest.starts_with(v) && !rest[v.len()..].starts_with(|c: char| c.is_alphanumeric())
            })
    }

    /// Whether a run of name words can be a company: not a person, a place, an outlet, an
    /// institution, an event or a word that is never a name.
    fn is_company_name(&self, run: &[&str], at: usize, words: &[&str], upper: bool) -> Fit {
        let last = *run.last().expect("non-empty");
        let first = run[0];
        let has_org_word = self.org_words.contains(last)
            || run.len() >= 2 && self.org_words.contains(&run[run.len() - 2..].join(" "));
        // A sentence in capitals reads every word as a name: only an organisation word tells.
        if upper && !has_org_word {
            return Fit::No;
        }
        if run.iter().all(|w| self.not_names.contains(*w)) || self.titles.contains(first) {
            return Fit::No;
        }
        if run.iter().any(|w| self.institution_words.contains(*w)) && !has_org_word {
            return Fit::No;
        }
        if self.outlets.contains(&run.join(" ")) || self.outlet_words.contains(last) {
            return Fit::No;
        }
        // Single words: too short, a word that is never a name, or an organisation word
        // alone ("Airlines").
        if run.len() == 1
            && (first.chars().count() < 2
                || self.not_names.contains(first)
                || self.org_words.contains(first))
        {
            return Fit::No;
        }
        // A person: a first name then a surname, a title before the name, or a first name
        // alone. "Lord & Taylor" joins with "&": that is a firm's name.
        let joined_by_and = run.iter().any(|w| matches!(*w, "&" | "and"));
        if has_org_word || joined_by_and {
            return Fit::Yes;
        }
        if self.first_names.contains(first) && run.len() <= 3
            || at > 0 && self.titles.contains(words[at - 1])
        {
            return Fit::No;
        }
        // A place ("Sylvania", "Zurich") or a surname ("Kuhn", "Elon Musk", not "Time
        // Warner"): a company only where the customer dealt with it ("I called Sylvania").
        let place = self.places.contains(&run.join(" "));
        // An acronym alone ("PMI", "FHA", "LIHEAP") is as often a programme or a product.
        let acronym = run.len() == 1
            && first.chars().filter(|c| c.is_alphabetic()).count() <= 6
            && !first.chars().any(char::is_lowercase);
        let surname = self.surnames.contains(last)
            && (run.len() == 1 || run.len() == 2 && !self.common.contains(&first.to_lowercase()));
        if place || surname || acronym {
            return Fit::IfDealt;
        }
        Fit::Yes
    }

    /// What confirms the name at `text[a..b]` as a company (a dealing, or its form), and
    /// whether it is a dealing: the company is party to the story.
    pub fn confirm(
        &self,
        text: &str,
        a: usize,
        b: usize,
        is_agent: &dyn Fn(usize, usize) -> bool,
    ) -> Option<(&'static str, bool)> {
        let lower_words = |s: &str| -> Vec<String> {
            tokens::tokenize(s)
                .iter()
                .map(|t| t.as_str(s).to_lowercase())
                .collect()
        };
        // The clause around the name: up to 80 bytes, not across a sentence end.
        let from = super::text::floor(text, a.saturating_sub(80));
        let before_text = &text[from..a];
        let before_text = before_text
            .rfind(['.', '!', '?', ';', '\n'])
            .map_or(before_text, |k| &before_text[k + 1..]);
        let to = super::text::floor(text, (b + 80).min(text.len())).max(b);
        let after_text = &text[b..to];
        let after_text = after_text
            .find(['.', '!', '?', ';', '\n'])
            .map_or(after_text, |k| &after_text[..k]);
        // Right before: "called X", "a spokesperson for X", "reply from X" (also "the X").
        let mut before = lower_words(before_text);
        while before
            .last()
            .is_some_and(|w| matches!(w.as_str(), "\"" | "“" | "”" | "("))
        {
            before.pop();
        }
        if before
            .last()
            .is_some_and(|w| matches!(w.as_str(), "the" | "a" | "an" | "my" | "our" | "their"))
        {
            before.pop();
        }
        // "something called X", "a plan called X": a name given to a thing.
        let named_thing = before.len() >= 2
            && before[before.len() - 1] == "called"
            && matches!(
                before[before.len() - 2].as_str(),
                "something"
                    | "thing"
                    | "things"
                    | "program"
                    | "plan"
                    | "product"
                    | "service"
                    | "feature"
                    | "app"
                    | "one"
                    | "is"
                    | "was"
                    | "are"
                    | "were"
                    | "so"
                    | "now"
                    | "also"
                    | "account"
                    | "option"
                    | "package"
                    | "policy"
                    | "card"
            );
        if !named_thing && self.before.iter().any(|p| ends_with(&before, p)) {
            return Some(("company.discovered.before", true));
        }
        if is_agent(a, b) {
            return Some(("company.discovered.act", true));
        }
        // Right after: "X customer service", "X's rep", "X said", "X refunded".
        let mut after = lower_words(after_text);
        while after.first().is_some_and(|w| {
            matches!(
                w.as_str(),
                "'s" | "’s" | "'" | "’" | "\"" | "“" | "”" | "(" | ","
            )
        }) {
            after.remove(0);
        }
        if self.after.iter().any(|p| starts_with(&after, p)) {
            return Some(("company.discovered.after", true));
        }
        // An apposition that calls it the customer's company: "Ditech, our mortgage
        // company", "Conn's, my lender".
        if after
            .first()
            .is_some_and(|w| matches!(w.as_str(), "our" | "my" | "the"))
            && after
                .iter()
                .skip(1)
                .take(3)
                .any(|w| COMPANY_NOUNS.contains(&w.as_str()))
        {
            return Some(("company.discovered.after", true));
        }
        let name = tokens::tokenize(&text[a..b]);
        let words: Vec<&str> = name.iter().map(|t| t.as_str(&text[a..b])).collect();
        let last = words.last().copied().unwrap_or("");
        let two = (words.len() >= 2).then(|| words[words.len() - 2..].join(" "));
        if self.org_words.contains(last) || two.is_some_and(|t| self.org_words.contains(&t)) {
            return Some(("company.discovered.org_word", false));
        }
        None
    }
}

/// Nouns that call a name a company in an apposition ("Ditech, our mortgage company").
const COMPANY_NOUNS: &[&str] = &[
    "company",
    "bank",
    "lender",
    "servicer",
    "provider",
    "insurer",
    "carrier",
    "landlord",
    "creditor",
    "collector",
    "store",
    "retailer",
    "airline",
    "utility",
    "dealer",
    "dealership",
];

fn ends_with(words: &[String], phrase: &[String]) -> bool {
    words.len() >= phrase.len() && words[words.len() - phrase.len()..] == *phrase
}

fn starts_with(words: &[String], phrase: &[String]) -> bool {
    words.len() >= phrase.len() && words[..phrase.len()] == *phrase
}

/// Words a title leaves in lower case ("Lessons Learned from the Best Airlines").
const TITLE_SMALL: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "of", "to", "in", "on", "at", "for", "by", "with",
    "from", "as", "vs", "via", "per", "is",
];

/// A line in title case: at least four words, every one of them capitalised but the small
/// words a title leaves in lower case.
fn title_case(words: &[&str]) -> bool {
    let mut n = 0;
    for w in words.iter().filter(|w| w.chars().any(char::is_alphabetic)) {
        if !w.chars().next().is_some_and(char::is_uppercase) {
            if !TITLE_SMALL.iter().any(|s| s.eq_ignore_ascii_case(w)) {
                return false;
            }
        } else {
            n += 1;
        }
    }
    n >= 4
}

/// "wirefly.com", "www.kleargear.com", "shop.example.co.uk": a web domain (not an e-mail).
fn is_domain(w: &str) -> bool {
    if !w.contains('.') {
        return false;
    }
    let w = w
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let host = w.split('/').next().unwrap_or("");
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() >= 2
        && !w.contains('@')
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && matches!(
            parts
                .last()
                .copied()
                .unwrap_or("")
                .to_ascii_lowercase()
                .as_str(),
            "com"
                | "net"
                | "org"
                | "co"
                | "uk"
                | "io"
                | "us"
                | "ca"
                | "au"
                | "biz"
                | "info"
                | "shop"
                | "store"
        )
        && parts
            .iter()
            .any(|p| p.chars().any(|c| c.is_ascii_alphabetic()))
}

/// The name part of a domain: "www.kleargear.com" -> "kleargear".
fn domain_name(w: &str) -> String {
    let w = w
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let host = w.split('/').next().unwrap_or("");
    let parts: Vec<&str> = host
        .split('.')
        .filter(|p| {
            !matches!(
                p.to_ascii_lowercase().as_str(),
                "www" | "m" | "shop" | "store"
            )
        })
        .collect();
    // The label before the public suffix ("co.uk" counts as one).
    let n = parts.len();
    let name = if n >= 3 && matches!(parts[n - 2], "co" | "com" | "org" | "net") {
        parts[n - 3]
    } else if n >= 2 {
        parts[n - 2]
    } else {
        parts.first().copied().unwrap_or("")
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Calls of [`Names::nameish`] on this thread: the words a run reads.
        pub(super) static NAMEISH_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// A run of platform words, each cut off the run before it, is read once: reading it
    /// again from each of its words took time quadratic in its length (16,000 words of "DM
    /// DM ..." took 2.5 s, a 786 KB text minutes). Also checks the cut still applies: "GM
    /// Twitter Specialist" is GM.
    #[test]
    fn a_run_is_read_once_however_many_of_its_words_are_cut_off() {
        let names = names();
        for n in [1_000, 4_000] {
            let text = "DM ".repeat(n);
            NAMEISH_CALLS.with(|c| c.set(0));
            names.discover(&text, &[], &[], &|_, _| false);
            let calls = NAMEISH_CALLS.with(|c| c.get());
            assert!(calls <= 3 * n, "{n} words read {calls} times");
        }
        let text = "I wrote to the Zorblax Twitter Specialist about my order.";
        let got: Vec<&str> = (names.discover(text, &[], &[], &|_, _| true).iter())
            .map(|d| &text[d.start..d.end])
            .collect();
        assert_eq!(got, ["Zorblax"]);
    }

    fn names() -> Names {
        Names::load("names.toml", include_str!("rules/names.toml")).unwrap()
    }

    fn found(text: &str) -> Vec<(String, String)> {
        names()
            .discover(text, &[], &[], &|_, _| false)
            .into_iter()
            .map(|d| (text[d.start..d.end].to_string(), d.id))
            .collect()
    }

    #[test]
    fn companies_no_list_names_are_found_in_service_contexts() {
        assert_eq!(
            found("Yesterday I called Potentia Energy about my bill."),
            [("Potentia Energy".to_string(), "potentia_energy".to_string())]
        );
        assert_eq!(
            found("I wrote to Lord & Taylor twice."),
            [("Lord & Taylor".to_string(), "lord_and_taylor".to_string())]
        );
        assert_eq!(
            found("A spokesperson for KlearGear said the fee was in the terms."),
            [("KlearGear".to_string(), "kleargear".to_string())]
        );
        assert_eq!(
            found("I ordered from wirefly.com and it never came."),
            [("wirefly.com".to_string(), "wirefly".to_string())]
        );
        assert_eq!(
            found("The Obento-Ya manager apologised."),
            [("Obento-Ya".to_string(), "obento_ya".to_string())]
        );
    }

    #[test]
    fn people_places_outlets_and_bare_names_are_not_companies() {
        for text in [
            "I called Dave Carroll yesterday.",
            "We flew to Zurich on Tuesday.",
            "The New York Times reported the story.",
            "A spokesperson for the Department of Transportation said no.",
            "Then Mark Evans points out how social media can affect a company.",
            "CAPITAL ONE BANK IS FALSELY REPORTING MY ACCOUNTS.",
            "I went to the World Economic Forum.",
            // A headline in title case capitalises every word, a name or not.
            "Related posts:\n\nMarketwired Names Jim Delaney CEO\n",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
        assert!(title_case(&[
            "Lessons", "Learned", "from", "the", "Best", "Airlines"
        ]));
        assert!(!title_case(&[
            "Lessons",
            "learned",
            "from",
            "women",
            "entrepreneurs"
        ]));
        assert!(!title_case(&["I", "called", "Potentia", "Energy"]));
    }
}
