//! Channel, outcome and role rules: data files read by serde, checked, then compiled once
//! into regexes that every worker shares.
//!
//! The defaults live in `src/tag/rules/*.toml` and are built into the binary; a directory
//! given with `--rules` replaces any of them file by file. Errors name the file, the line and
//! what was expected: an unknown key, a bad pattern, a duplicate id, an unknown label.

use crate::intern::intern;
use crate::model::{Actor, Shape};
use foldhash::{HashMap, HashMapExt};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

/// A rule or gazetteer file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct LoadError {
    /// The file.
    pub path: String,
    /// The line, when known.
    pub line: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl LoadError {
    /// An error at a place.
    pub fn at(path: &str, line: Option<usize>, message: String) -> LoadError {
        LoadError {
            path: path.to_string(),
            line,
            message,
        }
    }

    /// A TOML syntax or schema error, with its line.
    pub fn toml(path: &str, text: &str, e: &toml::de::Error) -> LoadError {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        LoadError::at(path, line, e.message().trim_end().to_string())
    }
}

/// The 1-based line of the first occurrence of `needle`.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|i| text[..i].matches('\n').count() + 1)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    version: u32,
    #[serde(rename = "rule")]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    pattern: String,
    #[serde(default)]
    set: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    cue: Option<String>,
    #[serde(default)]
    position: Option<String>,
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    shape: Option<Shape>,
    #[serde(default)]
    written_by: Option<Actor>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Rule id, cited as evidence (interned, as the label and target: [`crate::intern`]).
    pub id: &'static str,
    /// What it means: label (channels, outcomes), kind (latency) or cue (roles).
    pub label: &'static str,
    /// Redirect target channel.
    pub target: Option<&'static str>,
    /// Where a role cue must be.
    pub position: Position,
    /// Bytes around the name a before/after cue may span.
    pub window: usize,
    /// The only shape of text the rule reads (`shape = "long"`), if it reads one only.
    pub shape: Option<Shape>,
    /// Whose posts only the rule reads (`written_by = "company"`), if only one side's.
    pub written_by: Option<Actor>,
    /// The pattern.
    pub regex: Regex,
    /// Its position in the file (in [`RuleSet::patterns`] and the literal pass).
    pub index: usize,
}

/// Where a role cue is looked for, relative to the company name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Anywhere in the sentence.
    Sentence,
    /// In the bytes before the name (same sentence).
    Before,
    /// In the bytes after the name (same sentence).
    After,
    /// In the bytes before or after the name (same sentence), not in the name itself.
    Near,
}

/// The default channel labels (DESIGN.md); rules must use one of them.
pub const CHANNELS: &[&str] = &[
    "twitter",
    "twitter_dm",
    "facebook",
    "facebook_messenger",
    "instagram",
    "phone",
    "email",
    "mail",
    "web_form",
    "live_chat",
    "in_person",
    "video",
    "review_site",
    "forum_or_blog",
    "third_party",
];

/// The company's moves (DESIGN.md): the labels of the move rules.
pub const MOVES: &[&str] = &[
    "apology",
    "asks_details",
    "redirect",
    "fix",
    "compensate",
    "thanks",
];

/// Outcome sets and their labels.
const OUTCOMES: &[(Group, &[&str])] = &[
    (Group::Responded, &["yes", "no"]),
    (Group::Move, MOVES),
    (Group::Resolution, &["resolved", "unresolved"]),
    (Group::Sentiment, &["positive", "negative"]),
    (Group::Latency, LATENCY),
];

/// The kinds of a latency a text states: the labels of the latency rules.
pub const LATENCY: &[&str] = &["at_most", "at_least", "approximate", "bounded"];

/// The group a rule belongs to: the channel rules, an outcome set or a role cue. The
/// tagger asks for the rules of a group ([`RuleSet::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// channels.toml: every rule.
    Channel,
    /// outcomes.toml, `set = "responded"`.
    Responded,
    /// outcomes.toml, `set = "move"`.
    Move,
    /// outcomes.toml, `set = "resolution"`.
    Resolution,
    /// outcomes.toml, `set = "sentiment"`.
    Sentiment,
    /// outcomes.toml, `set = "latency"`.
    Latency,
    /// roles.toml, `cue = "service"`.
    Service,
    /// roles.toml, `cue = "staff"`.
    Staff,
    /// roles.toml, `cue = "list"`.
    List,
    /// roles.toml, `cue = "product"`.
    Product,
    /// roles.toml, `cue = "place"`.
    Place,
    /// roles.toml, `cue = "actor"`.
    Actor,
    /// roles.toml, `cue = "contact"`.
    Contact,
    /// roles.toml, `cue = "reply"`.
    Reply,
    /// roles.toml, `cue = "plan"`.
    Plan,
    /// roles.toml, `cue = "promise"`.
    Promise,
    /// roles.toml, `cue = "not_channel"`.
    NotChannel,
    /// roles.toml, `cue = "exchange"`.
    Exchange,
    /// roles.toml, `cue = "press"`.
    Press,
}

impl Group {
    /// Every group, in the order of their numbers.
    pub const ALL: [Group; 19] = [
        Group::Channel,
        Group::Responded,
        Group::Move,
        Group::Resolution,
        Group::Sentiment,
        Group::Latency,
        Group::Service,
        Group::Staff,
        Group::List,
        Group::Product,
        Group::Place,
        Group::Actor,
        Group::Contact,
        Group::Reply,
        Group::Plan,
        Group::Promise,
        Group::NotChannel,
        Group::Exchange,
        Group::Press,
    ];

    /// The name a rule file gives it (a set or a cue; "channel" for channel rules).
    pub fn name(self) -> &'static str {
        match self {
            Group::Channel => "channel",
            Group::Responded => "responded",
            Group::Move => "move",
            Group::Resolution => "resolution",
            Group::Sentiment => "sentiment",
            Group::Latency => "latency",
            Group::Service => "service",
            Group::Staff => "staff",
            Group::List => "list",
            Group::Product => "product",
            Group::Place => "place",
            Group::Actor => "actor",
            Group::Contact => "contact",
            Group::Reply => "reply",
            Group::Plan => "plan",
            Group::Promise => "promise",
            Group::NotChannel => "not_channel",
            Group::Exchange => "exchange",
            Group::Press => "press",
        }
    }

    /// The rule file whose rules it groups.
    fn file(self) -> FileKind {
        match self {
            Group::Channel => FileKind::Channels,
            Group::Responded
            | Group::Move
            | Group::Resolution
            | Group::Sentiment
            | Group::Latency => FileKind::Outcomes,
            _ => FileKind::Roles,
        }
    }

    /// The group of a set or cue name of rule file `file`.
    fn named(file: FileKind, name: &str) -> Option<Group> {
        Group::ALL
            .into_iter()
            .find(|g| g.file() == file && g.name() == name)
    }

    /// The names of the groups of rule file `file`, for messages.
    fn names(file: FileKind) -> String {
        let names: Vec<&str> = Group::ALL
            .into_iter()
            .filter(|g| g.file() == file)
            .map(Group::name)
            .collect();
        names.join(", ")
    }
}

/// What kind of rule file is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// channels.toml
    Channels,
    /// outcomes.toml
    Outcomes,
    /// roles.toml
    Roles,
}

/// Compiled rules of one file, grouped by set ("channel" for channels, the cue for roles).
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// The rules of each group (by [`Group`] number), in file order.
    groups: Vec<Vec<Rule>>,
    /// Each rule's pattern as compiled (rule `Rule::index`), with whether it is
    /// case-insensitive: the tagger's one literal pass ([`super::prefilter::Prefilter`]) reads them to say
    /// which rules can match a text, so the others are not run (most rules match nothing
    /// in a given tweet).
    pub patterns: Vec<(String, bool)>,
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet {
            groups: Group::ALL.iter().map(|_| Vec::new()).collect(),
            patterns: Vec::new(),
        }
    }
}

impl RuleSet {
    /// The rules of one group (empty when none).
    pub fn get(&self, group: Group) -> &[Rule] {
        &self.groups[group as usize]
    }

    /// Every rule, group by group.
    pub fn all(&self) -> impl Iterator<Item = &Rule> {
        self.groups.iter().flatten()
    }
}

/// Makes `\b` an ASCII word boundary. A Unicode `\b` stops the regex engine's fast DFA at
/// the first non-ASCII byte (an emoji, a curly quote) and falls back to a backtracker, which
/// made tagging tweets ~10x slower; the rules are English and ASCII words are what they mean.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Fills the placeholders a pattern may use: `{duration}` (a stated length of time, see
/// [`super::latency::DURATION`]).
pub fn expand(pattern: &str) -> String {
    pattern.replace("{duration}", super::latency::DURATION)
}

/// Reads and compiles one rule file.
pub fn load(path: &str, text: &str, kind: FileKind) -> Result<RuleSet, LoadError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| LoadError::toml(path, text, &e))?;
    if file.version != 1 {
        return Err(LoadError::at(
            path,
            None,
            format!("version {} is not supported (expected 1)", file.version),
        ));
    }
    let mut out = RuleSet::default();
    let mut patterns: Vec<(String, bool)> = Vec::new();
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for spec in file.rules {
        let line = line_of(text, &format!("id = \"{}\"", spec.id));
        let err = |m: String| LoadError::at(path, line, format!("rule {:?}: {m}", spec.id));
        if let Some(first) = seen.get(&spec.id) {
            let first = first
                .map(|l| format!(" (first at line {l})"))
                .unwrap_or_default();
            return Err(LoadError::at(
                path,
                line_of_nth(text, &format!("id = \"{}\"", spec.id), 2),
                format!("duplicate rule id {:?}{first}", spec.id),
            ));
        }
        seen.insert(spec.id.clone(), line);
        let (group, label) = match kind {
            FileKind::Channels => {
                let label = spec
                    .label
                    .clone()
                    .ok_or_else(|| err("needs a label (the channel)".into()))?;
                if !CHANNELS.contains(&label.as_str()) {
                    return Err(err(format!(
                        "unknown channel {label:?} (known: {})",
                        CHANNELS.join(", ")
                    )));
                }
                (Group::Channel, label)
            }
            FileKind::Outcomes => {
                let known = || Group::names(FileKind::Outcomes);
                let set = spec
                    .set
                    .as_deref()
                    .ok_or_else(|| err(format!("needs a set (one of: {})", known())))?;
                let group = Group::named(FileKind::Outcomes, set)
                    .ok_or_else(|| err(format!("unknown set {set:?} (known: {})", known())))?;
                let labels = OUTCOMES
                    .iter()
                    .find(|(g, _)| *g == group)
                    .map(|(_, l)| *l)
                    .expect("every outcome set has its labels");
                let latency = group == Group::Latency;
                let label = if latency {
                    spec.kind.clone()
                } else {
                    spec.label.clone()
                };
                let label = label.ok_or_else(|| {
                    err(format!(
                        "needs a {} (one of: {})",
                        if latency { "kind" } else { "label" },
                        labels.join(", ")
                    ))
                })?;
                if !labels.contains(&label.as_str()) {
                    return Err(err(format!(
                        "unknown {set} label {label:?} (known: {})",
                        labels.join(", ")
                    )));
                }
                if label == "redirect" {
                    let t = spec
                        .target
                        .as_deref()
                        .ok_or_else(|| err("a redirect needs a target channel".into()))?;
                    if !CHANNELS.contains(&t) {
                        return Err(err(format!(
                            "unknown target channel {t:?} (known: {})",
                            CHANNELS.join(", ")
                        )));
                    }
                }
                (group, label)
            }
            FileKind::Roles => {
                let known = || Group::names(FileKind::Roles);
                let cue = spec
                    .cue
                    .clone()
                    .ok_or_else(|| err(format!("needs a cue (one of: {})", known())))?;
                let group = Group::named(FileKind::Roles, &cue)
                    .ok_or_else(|| err(format!("unknown cue {cue:?} (known: {})", known())))?;
                (group, cue)
            }
        };
        let position = match spec.position.as_deref() {
            None | Some("sentence") => Position::Sentence,
            Some("before") => Position::Before,
            Some("after") => Position::After,
            Some("near") => Position::Near,
            Some(p) => {
                return Err(err(format!(
                    "unknown position {p:?} (known: sentence, before, after, near)"
                )))
            }
        };
        let (shape, written_by) = (spec.shape, spec.written_by);
        if (shape.is_some() || written_by.is_some()) && kind == FileKind::Roles {
            return Err(err(
                "`shape` and `written_by` are for channel and outcome rules (a role rule reads every text)".into(),
            ));
        }
        let pattern = expand(&spec.pattern);
        let regex = RegexBuilder::new(&ascii_word_boundaries(&pattern))
            .case_insensitive(!spec.case_sensitive)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| err(format!("bad pattern: {}", one_line(&e.to_string()))))?;
        if group == Group::Latency && label != "bounded" {
            let groups: Vec<_> = regex.capture_names().flatten().collect();
            if !groups.contains(&"d") && !groups.contains(&"unit") {
                return Err(err(
                    "a latency pattern needs the duration as a named group: (?P<d>{duration})"
                        .into(),
                ));
            }
        }
        let index = patterns.len();
        patterns.push((ascii_word_boundaries(&pattern), !spec.case_sensitive));
        out.groups[group as usize].push(Rule {
            id: intern(&spec.id),
            label: intern(&label),
            target: spec.target.as_deref().map(intern),
            position,
            window: spec.window.unwrap_or(80),
            shape,
            written_by,
            regex,
            index,
        });
    }
    out.patterns = patterns;
    Ok(out)
}

/// The top-level alternatives of a pattern: `a|b(c|d)|e` is `a`, `b(c|d)`, `e`. Escapes and
/// character classes are respected.
pub fn alternatives(pattern: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut class, mut escaped, mut from) = (0i32, false, false, 0);
    for (i, c) in pattern.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            ']' if class => class = false,
            '[' if !class => class = true,
            '(' if !class => depth += 1,
            ')' if !class => depth -= 1,
            '|' if !class && depth == 0 => {
                out.push(&pattern[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&pattern[from..]);
    out
}

/// The 1-based line of the n-th occurrence of `needle`.
pub fn line_of_nth(text: &str, needle: &str, n: usize) -> Option<usize> {
    text.match_indices(needle)
        .nth(n - 1)
        .map(|(i, _)| text[..i].matches('\n').count() + 1)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternatives_split_at_the_top_level_only() {
        assert_eq!(
            alternatives(r"a|b(c|d)|[|]e|\|f"),
            vec!["a", "b(c|d)", "[|]e", r"\|f"]
        );
        assert_eq!(alternatives(""), vec![""]);
    }

    /// The default rule files of each kind.
    const DEFAULTS: [(&str, &str, FileKind); 3] = [
        (
            "channels.toml",
            include_str!("rules/channels.toml"),
            FileKind::Channels,
        ),
        (
            "outcomes.toml",
            include_str!("rules/outcomes.toml"),
            FileKind::Outcomes,
        ),
        (
            "roles.toml",
            include_str!("rules/roles.toml"),
            FileKind::Roles,
        ),
    ];

    #[test]
    fn defaults_compile() {
        for (name, text, kind) in DEFAULTS {
            load(name, text, kind).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// The literal pass skips only rules that cannot match: on every line of the fixture
    /// tweets, complaints and forum posts and every paragraph of the seed stories, each
    /// default rule that matches was let through.
    #[test]
    fn the_literal_pass_never_skips_a_rule_that_matches() {
        let mut texts: Vec<&str> = Vec::new();
        for file in [
            include_str!("../../tests/fixtures/corpora/twcs_head1000.csv"),
            include_str!("../../tests/fixtures/corpora/cfpb_complaints.csv"),
            include_str!("../../tests/fixtures/corpora/reddit_posts.csv"),
            include_str!("../../tests/fixtures/corpora/airline_tweets.csv"),
        ] {
            texts.extend(file.lines());
        }
        for seed in crate::tag::tests::SEEDS {
            texts.extend(seed.split("\n\n"));
        }
        let mut matched = 0;
        for (name, text, kind) in DEFAULTS {
            let set = load(name, text, kind).unwrap();
            let any = crate::tag::prefilter::Prefilter::new(&[&set.patterns], &[]).unwrap();
            for t in &texts {
                let hits = any.hits(t);
                for r in set.all() {
                    if r.regex.is_match(t) {
                        matched += 1;
                        assert!(hits.matched(0, r.index), "{}: skipped on {t:?}", r.id);
                    }
                }
            }
        }
        assert!(
            matched > 500,
            "the texts exercise the rules ({matched} matches)"
        );
    }

    #[test]
    fn errors_name_line_and_what_was_expected() {
        // Each bad file and the start of the message it must get (all of it, with a line).
        let rule = "version = 1\n[[rule]]\nid = \"a\"\n";
        let cases = [
            (
                FileKind::Channels,
                format!("{rule}label = \"twitter\"\npattern = '(unclosed'\n"),
                "line 3: rule \"a\": bad pattern: regex parse error:",
            ),
            (
                FileKind::Channels,
                format!("{rule}label = \"twitter\"\npatern = 'x'\n"),
                "line 5: unknown field `patern`, expected one of",
            ),
            (
                FileKind::Channels,
                format!("{rule}label = \"twiter\"\npattern = 'x'\n"),
                "line 3: rule \"a\": unknown channel \"twiter\" (known: twitter, twitter_dm",
            ),
            (
                FileKind::Channels,
                format!("{rule}label = \"phone\"\npattern = 'x'\nshape = \"tweet\"\n"),
                "line 6: unknown variant `tweet`, expected one of `thread`, `short`, `long`",
            ),
            (
                FileKind::Channels,
                format!("{rule}label = \"phone\"\npattern = 'x'\nwritten_by = \"bot\"\n"),
                "line 6: unknown variant `bot`, expected `customer` or `company`",
            ),
            (
                FileKind::Roles,
                format!("{rule}cue = \"staff\"\npattern = 'x'\nshape = \"long\"\n"),
                "line 3: rule \"a\": `shape` and `written_by` are for channel and outcome rules",
            ),
            (
                FileKind::Channels,
                format!("{rule}label = \"phone\"\npattern = 'x'\n[[rule]]\nid = \"a\"\nlabel = \"phone\"\npattern = 'y'\n"),
                "line 7: duplicate rule id \"a\" (first at line 3)",
            ),
            (
                FileKind::Outcomes,
                format!("{rule}set = \"mood\"\nlabel = \"x\"\npattern = 'x'\n"),
                "line 3: rule \"a\": unknown set \"mood\" (known: responded, move, resolution, sentiment, latency)",
            ),
        ];
        for (kind, text, expected) in cases {
            let e = load("f.toml", &text, kind).unwrap_err().to_string();
            assert!(e.starts_with(&format!("f.toml: {expected}")), "{e}");
        }
    }
}
