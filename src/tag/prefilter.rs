//! One literal pass over a text says which rules can match it and where the act verbs are.
//!
//! For each rule pattern, [`factors`] reads the pattern's syntax tree (parsed exactly as the
//! rule is compiled: the same flags, the same case-insensitivity) and finds strings every
//! match contains at least one of: "sorry" or "apolog" for an apology rule, "call" or
//! "phone" for a phone rule. The strings of every rule of every file given, and the act
//! verbs, go into one Aho-Corasick automaton, searched once per text. A rule none of whose
//! strings occur in a text cannot match it and is not run; a rule without such strings (it
//! can match text made of any word) is always run. The pass only ever skips rules that
//! cannot match, so the tags are those of running every rule. It replaced a `RegexSet` over
//! the rules, whose lazy DFA was a fifth of tagging time, waiting on memory; and then one
//! pass per rule file and one more for the verbs (BENCHMARKS.md).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::BTreeSet;

/// Which rules of some rule files can match a text, by file and position in the file, and
/// where a list of words occurs in it.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: AhoCorasick,
    /// For each string of the automaton, the rules (file, position) it is one of the
    /// strings of.
    rules_of: Vec<Vec<(usize, usize)>>,
    /// For each string of the automaton, the first word of the word list it is, if any.
    word_of: Vec<Option<usize>>,
    /// Whether the word list has any word (the pass then reads the whole text).
    has_words: bool,
    /// Rules without strings: run on every text.
    always: Vec<(usize, usize)>,
    /// Where each file's rules start in a flat list of all rules, and (last) how many.
    offsets: Vec<usize>,
}

/// What one pass found in one text.
#[derive(Debug, Clone)]
pub struct Hits<'a> {
    hit: Vec<bool>,
    offsets: &'a [usize],
    words: Vec<WordMatch>,
}

/// A word of the list found in a text: where, and which word (its position in the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordMatch {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// Position of the word in the list given to [`Prefilter::new`].
    pub word: usize,
}

impl Hits<'_> {
    /// Whether rule `i` of file `file` can match.
    pub fn matched(&self, file: usize, i: usize) -> bool {
        self.offsets
            .get(file)
            .and_then(|o| self.hit.get(o + i))
            .copied()
            .unwrap_or(false)
    }

    /// The words found, leftmost first and longest of those starting at one place, none
    /// overlapping the one before (an Aho-Corasick leftmost-longest search; a word between
    /// others of the list, as in "called" and "call", is found once), in any case of ASCII.
    pub fn words(&self) -> &[WordMatch] {
        &self.words
    }
}

impl Default for Prefilter {
    fn default() -> Self {
        Prefilter::new(&[], &[]).expect("no patterns")
    }
}

impl Prefilter {
    /// The prefilter of the rule files `files` (each rule as the regex crate compiles its
    /// pattern, with whether it is case-insensitive; rule `i` of file `f` being
    /// `files[f][i]`) and of the list `words` (found as written, in any case of ASCII).
    pub fn new(files: &[&[(String, bool)]], words: &[String]) -> Result<Prefilter, String> {
        let mut strings: Vec<Vec<u8>> = Vec::new();
        let mut rules_of: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut word_of: Vec<Option<usize>> = Vec::new();
        let mut at: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        // The position of a string in the automaton, added when new.
        let mut string = |s: Vec<u8>, rules_of: &mut Vec<_>, word_of: &mut Vec<_>| -> usize {
            *at.entry(s.clone()).or_insert_with(|| {
                strings.push(s);
                rules_of.push(Vec::new());
                word_of.push(None);
                rules_of.len() - 1
            })
        };
        let mut always = Vec::new();
        let mut offsets = vec![0];
        for (f, patterns) in files.iter().enumerate() {
            offsets.push(offsets[f] + patterns.len());
            for (i, (pattern, insensitive)) in patterns.iter().enumerate() {
                let hir = regex_syntax::ParserBuilder::new()
                    .case_insensitive(*insensitive)
                    .build()
                    .parse(pattern)
                    .map_err(|e| e.to_string())?;
                match factors(&hir) {
                    None => always.push((f, i)),
                    Some(set) => {
                        for s in set {
                            let k = string(s, &mut rules_of, &mut word_of);
                            if !rules_of[k].contains(&(f, i)) {
                                rules_of[k].push((f, i));
                            }
                        }
                    }
                }
            }
        }
        for (w, word) in words.iter().enumerate() {
            if word.is_empty() {
                return Err(format!("word {w} is empty"));
            }
            let k = string(word.as_bytes().to_vec(), &mut rules_of, &mut word_of);
            word_of[k].get_or_insert(w);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&strings)
            .map_err(|e| e.to_string())?;
        Ok(Prefilter {
            automaton,
            rules_of,
            word_of,
            has_words: !words.is_empty(),
            always,
            offsets,
        })
    }

    /// What the pass finds in `text`.
    pub fn hits(&self, text: &str) -> Hits<'_> {
        let rules = *self.offsets.last().unwrap_or(&0);
        // One memchr-driven search per letter: `contains(FOLDS)` decoded every character.
        let folds = FOLDS.iter().any(|&c| text.contains(c));
        let mut hit = vec![folds; rules];
        let mut left = 0;
        if !folds {
            for &(f, i) in &self.always {
                hit[self.offsets[f] + i] = true;
            }
            left = rules - self.always.len();
        }
        let mut words = Vec::new();
        if left > 0 || self.has_words {
            for m in self.automaton.find_overlapping_iter(text) {
                let k = m.pattern().as_usize();
                if let Some(word) = self.word_of[k] {
                    words.push(WordMatch {
                        start: m.start(),
                        end: m.end(),
                        word,
                    });
                }
                for &(f, i) in &self.rules_of[k] {
                    let h = &mut hit[self.offsets[f] + i];
                    if !*h {
                        *h = true;
                        left -= 1;
                    }
                }
                if left == 0 && !self.has_words {
                    break;
                }
            }
        }
        Hits {
            hit,
            offsets: &self.offsets,
            words: leftmost_longest(words),
        }
    }
}

/// Of all matches of a list's words, those a leftmost-longest search reports: from the
/// left, at each place the longest (of equal ones, the first in the list), then on from its
/// end.
fn leftmost_longest(mut all: Vec<WordMatch>) -> Vec<WordMatch> {
    all.sort_unstable_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.word));
    let mut end = 0;
    all.retain(|m| {
        let keep = m.start >= end;
        if keep {
            end = m.end;
        }
        keep
    });
    all
}

/// The most strings an exact set or a factor set may hold; longer cross products are cut
/// into shorter strings.
const LIMIT: usize = 64;
/// The most characters a class may have to count as a set of strings.
const CLASS_LIMIT: usize = 8;

/// The two characters outside ASCII that a case-insensitive regex takes for ASCII letters:
/// the long s ("ſ" for "s") and the Kelvin sign ("K" for "k"). The strings leave them out
/// (with them, every "s" doubled the strings of a word); a text holding either runs every
/// rule instead.
const FOLDS: [char; 2] = ['\u{17F}', '\u{212A}'];

/// What a piece of a pattern says about the text it matches.
#[derive(Default)]
struct Info {
    /// The piece matches exactly one of these strings (ASCII-lowercased), when few.
    exact: Option<BTreeSet<Vec<u8>>>,
    /// Every match of the piece contains one of these (never the empty string).
    factor: Option<BTreeSet<Vec<u8>>>,
    /// Every match of the piece starts with one of these (never the empty string): what a
    /// string before the piece goes on with ("th" then "ank" or "x" of `th(?:ank\s+you|x)`).
    prefix: Option<BTreeSet<Vec<u8>>>,
    /// Every match of the piece ends with one of these (never the empty string).
    suffix: Option<BTreeSet<Vec<u8>>>,
}

/// Strings every match of `hir` contains at least one of, or `None` when a match need
/// contain none. The strings are ASCII-lowercased (the automaton matches them without
/// regard to ASCII case) and leave out the long s and the Kelvin sign, which
/// [`Prefilter::hits`] looks for in the text instead.
pub fn factors(hir: &Hir) -> Option<BTreeSet<Vec<u8>>> {
    best(info(hir)).map(|set| {
        // A string holding another of the set adds nothing ("dms" after "dm").
        set.iter()
            .filter(|s| !set.iter().any(|t| t != *s && contains(s, t)))
            .cloned()
            .collect()
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The best of a piece's sets every match contains one of: its exact set (when that has no
/// empty string), its factor, prefix and suffix sets; of equal ones the first.
fn best(i: Info) -> Option<BTreeSet<Vec<u8>>> {
    [nonempty(i.exact), i.factor, i.prefix, i.suffix]
        .into_iter()
        .flatten()
        .reduce(better)
}

/// A set when it has strings and none is empty.
fn nonempty(set: Option<BTreeSet<Vec<u8>>>) -> Option<BTreeSet<Vec<u8>>> {
    set.filter(|s| !s.is_empty() && !s.contains(&Vec::new()))
}

/// Strings every match of a piece starts with: its exact strings when none is empty, else
/// its prefix set.
fn starts(i: &Info) -> Option<BTreeSet<Vec<u8>>> {
    nonempty(i.exact.clone()).or_else(|| i.prefix.clone())
}

/// Strings every match of a piece ends with: its exact strings when none is empty, else its
/// suffix set.
fn ends(i: &Info) -> Option<BTreeSet<Vec<u8>>> {
    nonempty(i.exact.clone()).or_else(|| i.suffix.clone())
}

/// The union of some sets, when each is known and they hold at most [`LIMIT`] strings.
fn union(sets: impl IntoIterator<Item = Option<BTreeSet<Vec<u8>>>>) -> Option<BTreeSet<Vec<u8>>> {
    let mut all = BTreeSet::new();
    for set in sets {
        all.extend(set?);
        if all.len() > LIMIT {
            return None;
        }
    }
    Some(all)
}

/// `a` then `b` (every string of one followed by every string of the other), when that
/// makes at most [`LIMIT`] strings.
fn product_within(a: &BTreeSet<Vec<u8>>, b: &BTreeSet<Vec<u8>>) -> Option<BTreeSet<Vec<u8>>> {
    (a.len() * b.len() <= LIMIT).then(|| product(a, b))
}

/// How often a set's strings would occur in random text of 27 letters, per byte: the sum
/// of 27^-len over its strings. Lower is more selective: one longer string beats a shorter
/// one, and "dm", "drop", "send" beat "dm", "me", "us".
fn rate(s: &BTreeSet<Vec<u8>>) -> f64 {
    s.iter()
        .map(|x| 27f64.powi(-(x.len().min(16) as i32)))
        .sum()
}

/// The more selective of two sets ([`rate`]); of equal ones the first.
fn better(a: BTreeSet<Vec<u8>>, b: BTreeSet<Vec<u8>>) -> BTreeSet<Vec<u8>> {
    if rate(&b) < rate(&a) {
        b
    } else {
        a
    }
}

fn one(s: &[u8]) -> BTreeSet<Vec<u8>> {
    BTreeSet::from([s.to_ascii_lowercase()])
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info {
            exact: Some(one(b"")),
            ..Info::default()
        },
        HirKind::Literal(l) => {
            let known = (!l.0.is_empty()).then(|| one(&l.0));
            Info {
                exact: Some(one(&l.0)),
                factor: known.clone(),
                prefix: known.clone(),
                suffix: known,
            }
        }
        HirKind::Class(c) => {
            let set = class_strings(c);
            let known = set.clone().filter(|s| !s.is_empty());
            Info {
                exact: set,
                factor: known.clone(),
                prefix: known.clone(),
                suffix: known,
            }
        }
        HirKind::Capture(c) => info(&c.sub),
        HirKind::Repetition(r) => {
            let sub = info(&r.sub);
            match (r.min, r.max) {
                (1, Some(1)) => sub,
                (0, Some(1)) => Info {
                    exact: sub.exact.map(|mut e| {
                        e.insert(Vec::new());
                        e
                    }),
                    ..Info::default()
                },
                (0, _) => Info::default(),
                // At least once: a match starts with a match of the piece and ends with one.
                _ => Info {
                    prefix: starts(&sub),
                    suffix: ends(&sub),
                    factor: best(sub),
                    exact: None,
                },
            }
        }
        HirKind::Alternation(branches) => {
            let infos: Vec<Info> = branches.iter().map(info).collect();
            let mut exact = Some(BTreeSet::new());
            for i in &infos {
                exact = match (exact, &i.exact) {
                    (Some(mut a), Some(b)) if a.len() + b.len() <= LIMIT => {
                        a.extend(b.iter().cloned());
                        Some(a)
                    }
                    _ => None,
                };
            }
            let prefix = union(infos.iter().map(starts));
            let suffix = union(infos.iter().map(ends));
            let mut factor = Some(BTreeSet::new());
            for i in infos {
                factor = match (factor, best(i)) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            Info {
                exact,
                factor,
                prefix,
                suffix,
            }
        }
        HirKind::Concat(pieces) => {
            let infos: Vec<Info> = pieces.iter().map(info).collect();
            // Runs of exact pieces are joined into longer strings (cross products), and a
            // run goes on into the strings the next piece starts with; a run after an
            // inexact piece starts with the strings that piece ends with. The best of those
            // runs and of the pieces' own factors is the concatenation's.
            let mut candidates: Vec<BTreeSet<Vec<u8>>> = Vec::new();
            let mut run = one(b"");
            let mut whole = true;
            for i in &infos {
                match &i.exact {
                    Some(e) if run.len() * e.len() <= LIMIT => run = product(&run, e),
                    Some(e) => {
                        whole = false;
                        candidates.push(std::mem::replace(&mut run, e.clone()));
                    }
                    None => {
                        whole = false;
                        candidates.extend(starts(i).and_then(|s| product_within(&run, &s)));
                        let after = ends(i).unwrap_or_else(|| one(b""));
                        candidates.push(std::mem::replace(&mut run, after));
                        candidates.extend(i.factor.clone());
                    }
                }
            }
            let exact = whole.then(|| run.clone());
            candidates.push(run);
            let factor = candidates
                .into_iter()
                .filter_map(|c| nonempty(Some(c)))
                .reduce(better);
            Info {
                exact,
                factor,
                prefix: edge(&infos, starts, product),
                suffix: edge(infos.iter().rev(), ends, |run, e| product(e, run)),
            }
        }
    }
}

/// The strings every match of a concatenation starts with (pieces in order, `outer`
/// [`starts`], `join` appending a piece's exact strings to a run) or ends with (pieces in
/// reverse, [`ends`], prepending): the exact pieces at that edge joined, then the strings
/// the first inexact piece starts (ends) with.
fn edge<'a>(
    pieces: impl IntoIterator<Item = &'a Info>,
    outer: impl Fn(&Info) -> Option<BTreeSet<Vec<u8>>>,
    join: impl Fn(&BTreeSet<Vec<u8>>, &BTreeSet<Vec<u8>>) -> BTreeSet<Vec<u8>>,
) -> Option<BTreeSet<Vec<u8>>> {
    let mut run = one(b"");
    for i in pieces {
        match &i.exact {
            Some(e) if run.len() * e.len() <= LIMIT => run = join(&run, e),
            Some(_) => break,
            None => {
                if let Some(s) = outer(i).filter(|s| run.len() * s.len() <= LIMIT) {
                    run = join(&run, &s);
                }
                break;
            }
        }
    }
    nonempty(Some(run))
}

fn product(a: &BTreeSet<Vec<u8>>, b: &BTreeSet<Vec<u8>>) -> BTreeSet<Vec<u8>> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y].concat()))
        .collect()
}

/// The strings a class matches (ASCII-lowercased, so `[sS]` is one), when few.
fn class_strings(c: &Class) -> Option<BTreeSet<Vec<u8>>> {
    let mut out = BTreeSet::new();
    match c {
        Class::Unicode(u) => {
            for r in u.ranges() {
                if (r.end() as u32 - r.start() as u32) as usize >= CLASS_LIMIT * 2 {
                    return None;
                }
                for ch in (r.start()..=r.end()).filter(|c| !FOLDS.contains(c)) {
                    let mut buf = [0u8; 4];
                    out.insert(ch.encode_utf8(&mut buf).as_bytes().to_ascii_lowercase());
                    if out.len() > CLASS_LIMIT {
                        return None;
                    }
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                for byte in r.start()..=r.end() {
                    out.insert(vec![byte.to_ascii_lowercase()]);
                    if out.len() > CLASS_LIMIT {
                        return None;
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .build()
            .parse(pattern)
            .unwrap();
        factors(&hir).map(|s| {
            s.into_iter()
                .map(|v| String::from_utf8(v).unwrap())
                .collect()
        })
    }

    #[test]
    fn factors_are_strings_every_match_contains() {
        for (pattern, want) in [
            (r"(?-u:\b)(?:so|very)\s+sorry(?-u:\b)", Some(&["sorry"][..])),
            (
                r"\bapolog(?:y|ies)\b|\bsorry for\b",
                Some(&["apologies", "apology", "sorry for"][..]),
            ),
            // An optional ending adds nothing: every "dms" holds "dm".
            (r"dms?", Some(&["dm"][..])),
            (r"\w+ed", Some(&["ed"][..])),
            (r"(?:in)?to", Some(&["to"][..])),
            // A string goes on into what the next piece starts with: "th" alone (before an
            // alternation regex-syntax factors out of "thank..." and "thx") would run the
            // rule on every "the".
            (
                r"\bthank(?:s|\s+you)\b|\bthx\b",
                Some(&["thank", "thx"][..]),
            ),
            // ... and a run starts again with what an inexact piece ends with.
            (r"x(?:ab|cd)+yz", Some(&["abyz", "cdyz"][..])),
            // Of two sets, the one rarer in text: three strings of two letters and more
            // beat three of two.
            (
                r"\b(?:dm|drop|send)\s+(?:me|us)\b",
                Some(&["dm", "drop", "send"][..]),
            ),
            // "k" also folds to the Kelvin sign in a case-insensitive regex, which
            // [`Prefilter::hits`] looks for instead.
            (r"took", Some(&["took"][..])),
            // A branch with nothing certain makes the whole pattern uncertain.
            (r"call|\w+", None),
            (r"a*", None),
        ] {
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(strings(pattern), want, "{pattern}");
        }
    }

    /// Every match of every default rule on the fixture texts holds one of the rule's
    /// strings (in any case of ASCII).
    #[test]
    fn every_match_of_a_default_rule_holds_one_of_its_strings() {
        let lex = crate::tag::Lexicons::defaults();
        let texts: Vec<String> = [
            (
                include_str!("../../tests/fixtures/corpora/twcs_head1000.csv"),
                "text",
            ),
            (
                include_str!("../../tests/fixtures/corpora/cfpb_complaints.csv"),
                "Consumer complaint narrative",
            ),
            (
                include_str!("../../tests/fixtures/corpora/reddit_posts.csv"),
                "post_text",
            ),
        ]
        .iter()
        .flat_map(|(file, column)| {
            let mut rd = csv::Reader::from_reader(file.as_bytes());
            let at = rd
                .headers()
                .unwrap()
                .iter()
                .position(|h| h == *column)
                .unwrap();
            rd.records()
                .map(|r| r.unwrap()[at].to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
        let mut matches = 0;
        for set in [&lex.channels, &lex.outcomes, &lex.roles] {
            for rule in set.all() {
                let (pattern, insensitive) = &set.patterns[rule.index];
                let hir = regex_syntax::ParserBuilder::new()
                    .case_insensitive(*insensitive)
                    .build()
                    .parse(pattern)
                    .unwrap();
                let Some(strings) = factors(&hir) else {
                    continue;
                };
                for text in &texts {
                    for m in rule.regex.find_iter(text) {
                        matches += 1;
                        let found = m.as_str().as_bytes();
                        assert!(
                            strings.iter().any(|s| contains(found, s)),
                            "{}: {:?} holds none of its strings",
                            rule.id,
                            m.as_str()
                        );
                    }
                }
            }
        }
        assert!(matches > 1000, "the rules match ({matches} matches)");
    }

    #[test]
    fn a_rule_is_skipped_only_when_it_cannot_match() {
        // Two files, the second sharing a rule of the first: each rule has its own hit.
        let files: [&[&str]; 2] = [
            &[
                r"(?-u:\b)(?:please\s+)?call\s+us(?-u:\b)",
                r"(?-u:\b)ask(?-u:\b)",
                r"\w+",
            ],
            &[r"(?-u:\b)today(?-u:\b)", r"(?-u:\b)ask(?-u:\b)"],
        ];
        let compiled: Vec<Vec<(String, bool)>> = files
            .iter()
            .map(|f| f.iter().map(|s| (s.to_string(), true)).collect())
            .collect();
        let slices: Vec<&[(String, bool)]> = compiled.iter().map(Vec::as_slice).collect();
        let p = Prefilter::new(&slices, &[]).unwrap();
        for text in [
            "Please CALL us today",
            "nothing here",
            "you may a\u{17F}k", // "\u{17F}" (long s) folds to "s" in a case-insensitive regex
            "ASK",
            "",
        ] {
            let hits = p.hits(text);
            for (f, patterns) in files.iter().enumerate() {
                for (i, pattern) in patterns.iter().enumerate() {
                    let re = regex::RegexBuilder::new(pattern)
                        .case_insensitive(true)
                        .build()
                        .unwrap();
                    if re.is_match(text) {
                        assert!(hits.matched(f, i), "{text:?}: rule {i} of file {f} skipped");
                    }
                }
            }
            assert!(hits.matched(0, 2), "a rule without strings always runs");
        }
        let none = p.hits("nothing here");
        assert!(!none.matched(0, 0) && !none.matched(0, 1));
        assert!(!none.matched(1, 0) && !none.matched(1, 1));
        let some = p.hits("ask me TODAY");
        assert!(some.matched(1, 0) && some.matched(1, 1) && some.matched(0, 1));
        assert!(!some.matched(0, 0));
        assert!(!some.matched(2, 0), "no third file");
    }

    #[test]
    fn words_are_found_as_a_leftmost_longest_search_finds_them() {
        let words: Vec<String> = [
            "call",
            "called",
            "call back",
            "back",
            "replied",
            "ed",
            "call",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A rule file whose strings overlap the words: "all" inside "call".
        let rules = vec![(r"(?-u:\b)all(?-u:\b)".to_string(), true)];
        let p = Prefilter::new(&[&rules], &words).unwrap();
        let reference = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .unwrap();
        for text in [
            "They CALLED back and called back, then replied; call back; recall",
            "callback call call back back",
            "nothing",
            "\u{17F}he called", // the long s runs every rule, and the words are still found
            "",
        ] {
            let want: Vec<WordMatch> = reference
                .find_iter(text)
                .map(|m| WordMatch {
                    start: m.start(),
                    end: m.end(),
                    word: m.pattern().as_usize(),
                })
                .collect();
            assert_eq!(p.hits(text).words(), want.as_slice(), "{text:?}");
        }
    }
}
