//! One literal pass over a text says which rules of a file can match it.
//!
//! For each rule pattern, [`factors`] reads the pattern's syntax tree (parsed exactly as the
//! rule is compiled: the same flags, the same case-insensitivity) and finds strings every
//! match contains at least one of: "sorry" or "apolog" for an apology rule, "call" or
//! "phone" for a phone rule. All rules' strings go into one Aho-Corasick automaton; a rule
//! none of whose strings occur in a text cannot match it and is not run. A rule without
//! such strings (it can match text made of any word) is always run. The pass only ever
//! skips rules that cannot match, so the tags are those of running every rule. It replaced
//! a `RegexSet` over the rules, whose lazy DFA was a fifth of tagging time, waiting on
//! memory; tagging tweets took about a quarter less time (BENCHMARKS.md).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::BTreeSet;

/// Which rules of a file can match a text, by position in the file.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: AhoCorasick,
    /// For each string of the automaton, the rules it is one of the strings of.
    rules_of: Vec<Vec<usize>>,
    /// Rules without strings: run on every text.
    always: Vec<usize>,
    rules: usize,
}

/// The rules that can match one text.
#[derive(Debug, Clone)]
pub struct Hits(Vec<bool>);

impl Hits {
    /// Whether rule `i` can match.
    pub fn matched(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(false)
    }
}

impl Default for Prefilter {
    fn default() -> Self {
        Prefilter::new(&[]).expect("no patterns")
    }
}

impl Prefilter {
    /// The prefilter of `patterns` (each as the regex crate compiles it, with whether it is
    /// case-insensitive), rule `i` being `patterns[i]`.
    pub fn new(patterns: &[(String, bool)]) -> Result<Prefilter, String> {
        let mut strings: Vec<Vec<u8>> = Vec::new();
        let mut rules_of: Vec<Vec<usize>> = Vec::new();
        let mut at: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut always = Vec::new();
        for (i, (pattern, insensitive)) in patterns.iter().enumerate() {
            let hir = regex_syntax::ParserBuilder::new()
                .case_insensitive(*insensitive)
                .build()
                .parse(pattern)
                .map_err(|e| e.to_string())?;
            match factors(&hir) {
                None => always.push(i),
                Some(set) => {
                    for s in set {
                        let k = *at.entry(s.clone()).or_insert_with(|| {
                            strings.push(s);
                            rules_of.push(Vec::new());
                            rules_of.len() - 1
                        });
                        if !rules_of[k].contains(&i) {
                            rules_of[k].push(i);
                        }
                    }
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&strings)
            .map_err(|e| e.to_string())?;
        Ok(Prefilter {
            automaton,
            rules_of,
            always,
            rules: patterns.len(),
        })
    }

    /// The rules that can match `text`.
    pub fn hits(&self, text: &str) -> Hits {
        // One memchr-driven search per letter: `contains(FOLDS)` decoded every character.
        if FOLDS.iter().any(|&c| text.contains(c)) {
            return Hits(vec![true; self.rules]);
        }
        let mut hit = vec![false; self.rules];
        for &i in &self.always {
            hit[i] = true;
        }
        let mut left = self.rules - self.always.len();
        if left > 0 {
            for m in self.automaton.find_overlapping_iter(text) {
                for &i in &self.rules_of[m.pattern().as_usize()] {
                    if !hit[i] {
                        hit[i] = true;
                        left -= 1;
                    }
                }
                if left == 0 {
                    break;
                }
            }
        }
        Hits(hit)
    }
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
struct Info {
    /// The piece matches exactly one of these strings (ASCII-lowercased), when few.
    exact: Option<BTreeSet<Vec<u8>>>,
    /// Every match of the piece contains one of these (never the empty string).
    factor: Option<BTreeSet<Vec<u8>>>,
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

/// The better of a piece's factor set and its exact set (when that has no empty string).
fn best(i: Info) -> Option<BTreeSet<Vec<u8>>> {
    let exact = i
        .exact
        .filter(|e| !e.is_empty() && !e.contains(&Vec::new()));
    match (exact, i.factor) {
        (Some(a), Some(b)) => Some(if score(&a) >= score(&b) { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// How selective a set is: longer shortest strings first, then fewer strings.
fn score(s: &BTreeSet<Vec<u8>>) -> (usize, std::cmp::Reverse<usize>) {
    (
        s.iter().map(Vec::len).min().unwrap_or(0),
        std::cmp::Reverse(s.len()),
    )
}

fn one(s: &[u8]) -> BTreeSet<Vec<u8>> {
    BTreeSet::from([s.to_ascii_lowercase()])
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info {
            exact: Some(one(b"")),
            factor: None,
        },
        HirKind::Literal(l) => Info {
            exact: Some(one(&l.0)),
            factor: (!l.0.is_empty()).then(|| one(&l.0)),
        },
        HirKind::Class(c) => {
            let set = class_strings(c);
            Info {
                factor: set.clone().filter(|s| !s.is_empty()),
                exact: set,
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
                    factor: None,
                },
                (0, _) => Info {
                    exact: None,
                    factor: None,
                },
                _ => Info {
                    exact: None,
                    factor: best(sub),
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
            Info { exact, factor }
        }
        HirKind::Concat(pieces) => {
            // Runs of exact pieces are joined into longer strings (cross products); the
            // best of those runs and of the other pieces' factors is the concatenation's.
            let mut candidates: Vec<BTreeSet<Vec<u8>>> = Vec::new();
            let mut run = one(b"");
            let mut whole = true;
            for p in pieces {
                let i = info(p);
                match i.exact {
                    Some(e) if run.len() * e.len() <= LIMIT => run = product(&run, &e),
                    Some(e) => {
                        whole = false;
                        candidates.push(std::mem::replace(&mut run, e));
                    }
                    None => {
                        whole = false;
                        candidates.push(std::mem::replace(&mut run, one(b"")));
                        candidates.extend(i.factor);
                    }
                }
            }
            let exact = whole.then(|| run.clone());
            candidates.push(run);
            let factor = candidates
                .into_iter()
                .filter(|c| !c.is_empty() && !c.contains(&Vec::new()))
                .max_by_key(score);
            Info { exact, factor }
        }
    }
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

    #[test]
    fn a_rule_is_skipped_only_when_it_cannot_match() {
        let patterns = [
            r"(?-u:\b)(?:please\s+)?call\s+us(?-u:\b)",
            r"(?-u:\b)ask(?-u:\b)",
            r"\w+",
        ];
        let p = Prefilter::new(
            &patterns
                .iter()
                .map(|s| (s.to_string(), true))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let res: Vec<regex::Regex> = patterns
            .iter()
            .map(|s| {
                regex::RegexBuilder::new(s)
                    .case_insensitive(true)
                    .build()
                    .unwrap()
            })
            .collect();
        for text in [
            "Please CALL us today",
            "nothing here",
            "you may a\u{17F}k", // "\u{17F}" (long s) folds to "s" in a case-insensitive regex
            "ASK",
            "",
        ] {
            let hits = p.hits(text);
            for (i, re) in res.iter().enumerate() {
                if re.is_match(text) {
                    assert!(hits.matched(i), "{text:?}: rule {i} skipped");
                }
            }
            assert!(hits.matched(2), "a rule without strings always runs");
        }
        assert!(!p.hits("nothing here").matched(0));
        assert!(!p.hits("nothing here").matched(1));
    }
}
