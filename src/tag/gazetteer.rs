//! The company gazetteer: canonical names, aliases, social handles, web domains and the
//! brands that roll up to a parent, compiled into one trie of names.
//!
//! Matching is ASCII case-insensitive, the longest name at each place a name can start
//! (where a word starts, or at a character that is not a letter or digit), then checked for
//! word boundaries; aliases listed in `case_sensitive` must match their exact case, so a
//! short name that is also a word ("Delta", "GM") does not fire on the word.

use super::rules::{line_of, line_of_nth, LoadError};
use crate::intern::intern;
use foldhash::{HashMap, HashMapExt};
use serde::Deserialize;

/// What a gazetteer file says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GazetteerFile {
    version: u32,
    #[serde(rename = "company", default)]
    companies: Vec<CompanyEntry>,
}

/// One company or brand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyEntry {
    /// Canonical id (lower-case snake_case).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Names matched as whole words.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Aliases that must match with exactly this case.
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    /// Twitter handles without '@'.
    #[serde(default)]
    pub handles: Vec<String>,
    /// Web domains.
    #[serde(default)]
    pub domains: Vec<String>,
    /// The company this one rolls up to (only car brands and dealers in the built-in list).
    #[serde(default)]
    pub parent: Option<String>,
    /// Aliases too ambiguous alone (an ordinary word, a first name, a place): an occurrence
    /// counts only where a service cue makes it a party.
    #[serde(default)]
    pub weak: Vec<String>,
    /// The owning company, when the data says so (informational: nothing rolls up to it).
    #[serde(default)]
    pub owner: Option<String>,
    /// What kind of company: airline, bank, retailer ...
    #[serde(default)]
    pub category: Option<String>,
    /// Wikidata id.
    #[serde(default)]
    pub wikidata: Option<String>,
    /// Where the entry comes from.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// How a pattern names a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// A name or brand.
    Alias,
    /// An @handle.
    Handle,
    /// A web domain.
    Domain,
}

impl PatternKind {
    /// How a company found by this kind of pattern was found.
    pub fn found(self) -> crate::model::Found {
        match self {
            PatternKind::Alias => crate::model::Found::Gazetteer,
            PatternKind::Handle => crate::model::Found::Handle,
            PatternKind::Domain => crate::model::Found::Domain,
        }
    }

    /// The rule of a match of this kind, with the colon that the company's id follows in
    /// the tag's rule id (`company.alias:delta`).
    pub fn rule_prefix(self) -> &'static str {
        match self {
            PatternKind::Alias => "company.alias:",
            PatternKind::Handle => "company.handle:",
            PatternKind::Domain => "company.domain:",
        }
    }
}

#[derive(Debug, Clone)]
struct Pattern {
    entry: usize,
    kind: PatternKind,
    exact: Option<String>,
    weak: bool,
}

/// A company found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Index of the matched entry.
    pub entry: usize,
    /// How it was named.
    pub kind: PatternKind,
    /// Byte span.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// The alias alone is ambiguous (see [`CompanyEntry::weak`]).
    pub weak: bool,
}

/// The compiled gazetteer, shared read-only by all workers.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    entries: Vec<CompanyEntry>,
    /// Each entry's id, interned ([`crate::intern`]): tags carry them.
    ids: Vec<&'static str>,
    root: Vec<usize>,
    /// Every name, handle and domain, ASCII-lowercased, with its pattern's position.
    names: Names,
    patterns: Vec<Pattern>,
    handles: HashMap<String, usize>,
    /// Squashed names (see `load`), for support handles.
    stems: HashMap<String, usize>,
    /// Squashed names, the ambiguous ones too: a support account's affix ("GMCustomerSvc")
    /// says the rest is a company's name.
    weak_stems: HashMap<String, usize>,
    /// id -> entry.
    index: HashMap<String, usize>,
}

impl Gazetteer {
    /// Loads the built-in list and, on top, a study's own file (same id replaces, new ids
    /// add; a name the study gives its own company is taken from a built-in one). A file is
    /// TOML (`[[company]]` tables) or, for the generated built-in list, JSON lines.
    pub fn load(files: &[(String, String)]) -> Result<Gazetteer, LoadError> {
        let mut entries: Vec<CompanyEntry> = Vec::new();
        let mut origin: Vec<usize> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        for (fi, (path, text)) in files.iter().enumerate() {
            let (companies, lines) = parse_file(path, text)?;
            let mut seen: HashMap<String, ()> = HashMap::new();
            for (entry, line) in companies.into_iter().zip(lines) {
                check_entry(&entry).map_err(|m| {
                    LoadError::at(path, line, format!("company {:?}: {m}", entry.id))
                })?;
                if seen.insert(entry.id.clone(), ()).is_some() {
                    let second = if path.ends_with(".jsonl") {
                        line
                    } else {
                        line_of_nth(text, &format!("id = \"{}\"", entry.id), 2)
                    };
                    return Err(LoadError::at(
                        path,
                        second,
                        format!("duplicate company id {:?}", entry.id),
                    ));
                }
                match at.get(&entry.id) {
                    Some(&i) => {
                        entries[i] = entry;
                        origin[i] = fi;
                    }
                    None => {
                        at.insert(entry.id.clone(), entries.len());
                        entries.push(entry);
                        origin.push(fi);
                    }
                }
            }
        }
        let where_ = |i: usize| files[origin[i]].0.clone();
        let index: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut root = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let mut cur = i;
            let mut steps = 0;
            while let Some(p) = entries[cur].parent.as_deref() {
                cur = *index.get(p).ok_or_else(|| {
                    LoadError::at(
                        &where_(i),
                        None,
                        format!("company {:?}: parent {p:?} is not a company id", e.id),
                    )
                })?;
                steps += 1;
                if steps > entries.len() {
                    return Err(LoadError::at(
                        &where_(i),
                        None,
                        format!("company {:?}: parents form a cycle", e.id),
                    ));
                }
            }
            root.push(cur);
        }
        let mut texts: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        let mut owner: HashMap<String, usize> = HashMap::new();
        let mut handles = HashMap::new();
        // The study's file first: a name it gives is its own, even if the built-in list
        // gives it to another company; within one file a name belongs to one company.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(origin[i]));
        for i in order {
            let e = &entries[i];
            let mut add = |text: String,
                           kind: PatternKind,
                           exact: Option<String>,
                           weak: bool|
             -> Result<(), LoadError> {
                let key = text.to_ascii_lowercase();
                if let Some(&j) = owner.get(&key) {
                    if j != i && origin[j] == origin[i] {
                        return Err(LoadError::at(
                            &where_(i),
                            None,
                            format!("{text:?} of company {:?} is also a name of {:?}; give it to one of them", e.id, entries[j].id),
                        ));
                    }
                    return Ok(());
                }
                owner.insert(key, i);
                texts.push(text);
                patterns.push(Pattern {
                    entry: i,
                    kind,
                    exact,
                    weak,
                });
                Ok(())
            };
            for a in &e.aliases {
                let exact = e.case_sensitive.contains(a).then(|| a.clone());
                add(a.clone(), PatternKind::Alias, exact, e.weak.contains(a))?;
            }
            for h in &e.handles {
                add(format!("@{h}"), PatternKind::Handle, None, false)?;
                handles.entry(h.to_ascii_lowercase()).or_insert(i);
            }
            for d in &e.domains {
                add(d.clone(), PatternKind::Domain, None, false)?;
            }
        }
        // Names without spaces or punctuation, for support handles ("AppleSupport" is
        // Apple's): lower case, letters and digits only.
        let mut stems: HashMap<String, usize> = HashMap::new();
        let mut weak_stems: HashMap<String, usize> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for name in &e.aliases {
                let stem: String = name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if stem.len() >= 2 {
                    weak_stems.entry(stem).or_insert(i);
                }
            }
            for name in e
                .aliases
                .iter()
                .filter(|a| !e.weak.contains(a))
                .chain(&e.handles)
            {
                let stem: String = name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if stem.len() >= 2 {
                    stems.entry(stem).or_insert(i);
                }
            }
        }
        let names = Names::new(&texts).map_err(|e| {
            LoadError::at(
                &files.last().map(|f| f.0.clone()).unwrap_or_default(),
                None,
                e,
            )
        })?;
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(Gazetteer {
            ids: entries.iter().map(|e| intern(&e.id)).collect(),
            entries,
            root,
            names,
            patterns,
            handles,
            stems,
            weak_stems,
            index,
        })
    }

    /// Every company named in `text`, in order.
    ///
    /// A name is looked for only where one can be accepted: where a word starts, or at a
    /// character that is not an ASCII letter or digit ("@handle"), never inside a word, whose
    /// matches the checks below reject anyway. From each such place the longest name that
    /// starts there is taken and the search goes on after it, accepted or not.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            if !self.names.can_start(b) || !text.is_char_boundary(at) {
                at += 1;
                continue;
            }
            // The character before the name, for the checks below too: the search is
            // anchored, so a match starts here.
            let before = match at.checked_sub(1).map(|p| bytes[p]) {
                Some(p) if p.is_ascii() => Some(p),
                _ => near_byte(text[..at].chars().next_back()),
            };
            // After a name that cannot be taken here, where the search goes on: after the
            // word it starts, or the next byte.
            let mut next = at + 1;
            if b.is_ascii_alphanumeric() {
                if is_word(before) {
                    at += 1;
                    continue;
                }
                // A name found from a word's start that no name can begin with would end
                // inside the word (rejected below, as would any found from the places
                // after, inside the word): the search goes on after the word.
                let word = bytes[at..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |n| at + n);
                if !self.names.may_begin(&bytes[at..word]) {
                    at = word;
                    continue;
                }
                next = word;
            }
            let Some((len, k)) = self.names.longest(&bytes[at..]) else {
                at = next;
                continue;
            };
            out.extend(self.accept(text, before, at, at + len, k));
            at += len;
        }
        out
    }

    /// The name `k` found at `s..e` of `text` (after the character `before`), if it is
    /// taken there: a web address of the name is the company's domain; a name is not taken
    /// inside a word, as part of an address or an e-mail, or, when the list gives its exact
    /// case, in another.
    fn accept(
        &self,
        text: &str,
        before: Option<u8>,
        s: usize,
        e: usize,
        k: usize,
    ) -> Option<Found> {
        let bytes = text.as_bytes();
        let p = &self.patterns[k];
        let found = |kind, weak| Found {
            entry: p.entry,
            kind,
            start: s,
            end: e,
            weak,
        };
        // A name as a web address ("www.honda.com", "pepsi.com"): the company, however the
        // name is cased there and however common a word it is.
        if p.kind == PatternKind::Alias && web_address(bytes, s, e) {
            return Some(found(PatternKind::Domain, false));
        }
        if p.exact.as_ref().is_some_and(|exact| &text[s..e] != exact) {
            return None;
        }
        let after = near_byte(text[e..].chars().next());
        let ok = match p.kind {
            PatternKind::Alias => {
                let first_is_word = bytes[s].is_ascii_alphanumeric();
                let last_is_word = bytes[e - 1].is_ascii_alphanumeric();
                (!first_is_word || !is_word(before) && before != Some(b'@'))
                    && (!last_is_word || !is_word(after))
                    && before != Some(b'.')
                    // "Google+" is a platform, not Google.
                    && after != Some(b'+')
                    && !(after == Some(b'.')
                        && bytes.get(e + 1).is_some_and(|b| b.is_ascii_alphabetic()))
            }
            PatternKind::Handle => !is_word(before) && !is_word(after),
            PatternKind::Domain => {
                !(is_word(before) || before == Some(b'-') || is_word(after) || after == Some(b'-'))
            }
        };
        ok.then(|| found(p.kind, p.weak))
    }

    /// The company whose handle this is (a tweet's author), if any: a handle the list
    /// gives, or a company's name with a support prefix or suffix ("AppleSupport",
    /// "AskPlayStation", "sprintcare", "Ask_Spectrum", "KFC_UKI_Help").
    pub fn by_handle(&self, handle: &str) -> Option<usize> {
        self.lookup_handle(handle).ok()
    }

    /// [`Gazetteer::by_handle`], or on a miss the handle's [`support_stem`] (made only
    /// when the handle is neither listed nor a name).
    fn lookup_handle(&self, handle: &str) -> Result<usize, Option<(String, bool)>> {
        let handle = handle.trim_start_matches('@');
        // In lower case on the stack: a tweet has a handle or two, looked up more than once.
        let mut buf = [0u8; 64];
        let copied;
        let h: &str = match buf.get_mut(..handle.len()) {
            Some(b) => {
                b.copy_from_slice(handle.as_bytes());
                b.make_ascii_lowercase();
                // ASCII case changes keep UTF-8 valid.
                std::str::from_utf8(b).unwrap_or(handle)
            }
            None => {
                copied = handle.to_ascii_lowercase();
                &copied
            }
        };
        if let Some(i) = self.handles.get(h).copied().or_else(|| self.by_name(h)) {
            return Ok(i);
        }
        let stemmed = support_stem(h);
        self.by_support(stemmed.as_ref()).ok_or(stemmed)
    }

    /// A handle (in lower case, without '@') that spells a company's name
    /// ("VirginAmerica").
    fn by_name(&self, h: &str) -> Option<usize> {
        self.stems.get(squash(h).as_ref()).copied()
    }

    /// A handle that is a company's name with a support or regional affix ("AppleSupport",
    /// "AmazonUK"), from its [`support_stem`].
    fn by_support(&self, stemmed: Option<&(String, bool)>) -> Option<usize> {
        let (stem, support) = stemmed?;
        self.stems
            .get(stem.as_str())
            .or_else(|| {
                support
                    .then(|| self.weak_stems.get(stem.as_str()))
                    .flatten()
            })
            .copied()
    }

    /// The company behind an account handle: a known one (its root id, `true`), or, for a
    /// support account of a company the list lacks ("XboxSupport", "hulu_support"), an id
    /// made from the company part (`false`). None for other handles.
    pub fn handle_company(&self, handle: &str) -> Option<(&'static str, bool)> {
        let stemmed = match self.lookup_handle(handle) {
            Ok(e) => return Some((self.root_id(e), true)),
            Err(stemmed) => stemmed,
        };
        let (stem, support) = stemmed.filter(|(_, support)| *support)?;
        debug_assert!(support);
        let id = company_id(&stem);
        (!id.is_empty() && id.chars().any(|c| c.is_ascii_alphabetic()))
            .then(|| (intern(&id), false))
    }

    /// The canonical id an entry rolls up to.
    pub fn root_id(&self, entry: usize) -> &'static str {
        self.ids[self.root[entry]]
    }

    /// The entry's own id.
    pub fn id(&self, entry: usize) -> &'static str {
        self.ids[entry]
    }

    /// The display name of a company id, if known.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.entry(id).map(|e| e.name.as_str())
    }

    /// The entry of a company id, if known.
    pub fn entry(&self, id: &str) -> Option<&CompanyEntry> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    /// The id a company id rolls up to; unknown ids stay as they are.
    pub fn roll_up(&self, id: &str) -> String {
        match self.index.get(id) {
            Some(&i) => self.root_id(i).to_string(),
            None => id.to_string(),
        }
    }

    /// The entry whose name is exactly `name` (any of its aliases, as matching would find
    /// it), if any.
    pub fn lookup_name(&self, name: &str) -> Option<usize> {
        self.find(name)
            .into_iter()
            .find(|f| f.start == 0 && f.end == name.len())
            .map(|f| f.entry)
    }

    /// The company a free-text name (a data set's label such as "Virgin America" or
    /// "EQUIFAX, INC.") denotes: an entry whose id or display name it is, whose alias it is
    /// as a whole, or whose id it is once its legal and corporate words are dropped. Not a
    /// company named inside it ("Freedom" in "Freedom Mortgage Company").
    pub fn resolve_name(&self, name: &str) -> Option<String> {
        let name = name.trim();
        let entry = self
            .index
            .get(name)
            .copied()
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|e| e.name.eq_ignore_ascii_case(name))
            })
            .or_else(|| self.lookup_name(name))
            .or_else(|| self.index.get(&formal_name_id(name)).copied())?;
        Some(self.root_id(entry).to_string())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A character next to a name, as the boundary checks of [`Gazetteer::find`] see it: an
/// ASCII character as itself, any other letter or digit as `a`, anything else as a space (a
/// curly quote or an emoji next to a name is a boundary, a letter such as "é" is not).
fn near_byte(c: Option<char>) -> Option<u8> {
    c.map(|c| match c {
        c if c.is_ascii() => c as u8,
        c if c.is_alphanumeric() => b'a',
        _ => b' ',
    })
}

/// Top-level domains a web address of a company ends with, longer ones first.
const TLDS: &[&[u8]] = &[
    b".co.uk", b".com.au", b".com", b".net", b".org", b".co", b".io", b".us", b".ca", b".uk",
];

/// Whether `bytes[s..e]` is the host name of a web address: "honda" in "www.honda.com",
/// "https://pepsi.com/", "tesco.co.uk" (nothing but "www." before it, a common top-level
/// domain after it), not in an email address ("help@honda.com") or a longer host
/// ("cars.honda.com").
fn web_address(bytes: &[u8], s: usize, e: usize) -> bool {
    if s == e
        || !bytes[s..e]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return false;
    }
    let host = if s >= 4 && bytes[s - 4..s].eq_ignore_ascii_case(b"www.") {
        s - 4
    } else {
        s
    };
    let in_host = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@');
    if host > 0 && in_host(bytes[host - 1]) {
        return false;
    }
    let rest = &bytes[e..];
    TLDS.iter().any(|t| {
        rest.len() >= t.len()
            && rest[..t.len()].eq_ignore_ascii_case(t)
            && match rest.get(t.len()) {
                None => true,
                Some(b'.') => !rest
                    .get(t.len() + 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric()),
                Some(&b) => !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            }
    })
}

/// Whether a character next to a name ([`near_byte`]) continues a word.
fn is_word(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// What a gazetteer file says, with the line of each entry (TOML or JSON lines).
fn parse_file(
    path: &str,
    text: &str,
) -> Result<(Vec<CompanyEntry>, Vec<Option<usize>>), LoadError> {
    if path.ends_with(".jsonl") {
        let mut out = Vec::new();
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let e: CompanyEntry = serde_json::from_str(line).map_err(|e| {
                LoadError::at(path, Some(n + 1), format!("{e}; expected a company object"))
            })?;
            out.push(e);
            lines.push(Some(n + 1));
        }
        return Ok((out, lines));
    }
    let file: GazetteerFile = toml::from_str(text).map_err(|e| LoadError::toml(path, text, &e))?;
    if file.version != 1 {
        return Err(LoadError::at(
            path,
            None,
            format!("version {} is not supported (expected 1)", file.version),
        ));
    }
    let lines = file
        .companies
        .iter()
        .map(|e| line_of(text, &format!("id = \"{}\"", e.id)))
        .collect();
    Ok((file.companies, lines))
}

/// The company name inside a support account's handle, and whether the affixes said it
/// is one: "applesupport" -> ("apple", true), "askplaystation" -> ("playstation", true),
/// "sprintcare" -> ("sprint", true), "kfc_uki_help" -> ("kfc", true), "amazonuk" ->
/// ("amazon", false: a regional or team suffix alone does not make a support account).
/// None when the handle has no such prefix or suffix.
fn support_stem(handle: &str) -> Option<(String, bool)> {
    // Affixes that say a handle is a company's service account.
    const SUPPORT_PREFIXES: &[&str] = &["ask"];
    const SUPPORT: &[&str] = &[
        "customerservice",
        "customersvc",
        "customercare",
        "customersupport",
        "support",
        "helpers",
        "helps",
        "help",
        "cares",
        "care",
        "service",
        "svc",
    ];
    // Affixes that go with a company's name but also with a person's.
    const OTHER_PREFIXES: &[&str] = &["the", "team", "hello", "contact"];
    const OTHER: &[&str] = &[
        "team", "tweets", "official", "online", "global", "uki", "uk", "usa", "us", "cs", "hq",
        "app", "enq", "desk",
    ];
    // Stripped in place: most handles (a customer's, a company's own name) have no affix
    // and no stem, and are answered without a copy.
    let original = squash(handle);
    let mut h: &str = &original;
    let mut strong = false;
    for p in SUPPORT_PREFIXES.iter().chain(OTHER_PREFIXES) {
        if h.len() > p.len() + 2 && h.starts_with(p) {
            h = &h[p.len()..];
            strong |= SUPPORT_PREFIXES.contains(p);
            break;
        }
    }
    // Suffixes may stack: "kfcukihelp" -> "kfcuki" -> "kfc".
    for _ in 0..3 {
        match SUPPORT
            .iter()
            .chain(OTHER)
            .find(|s| h.len() > s.len() + 1 && h.ends_with(*s))
        {
            Some(s) => {
                strong |= SUPPORT.contains(s);
                h = &h[..h.len() - s.len()];
            }
            None => break,
        }
    }
    (h != original && h.len() >= 2).then(|| (h.to_string(), strong))
}

/// A handle without its underscores ("Ask_Spectrum" -> "AskSpectrum"), copied only when it
/// has one.
fn squash(handle: &str) -> std::borrow::Cow<'_, str> {
    if handle.contains('_') {
        std::borrow::Cow::Owned(handle.chars().filter(|c| *c != '_').collect())
    } else {
        std::borrow::Cow::Borrowed(handle)
    }
}

/// A stable company id made from a name: ASCII snake case, "&" read as "and", apostrophes
/// dropped, a leading "The" and legal-form suffixes ("Inc.", "LLC", "Corp.", "N.A.")
/// removed: "Lord & Taylor" is `lord_and_taylor`, "McDonald's" `mcdonalds`, "EQUIFAX, INC."
/// `equifax`.
pub fn company_id(name: &str) -> String {
    const LEGAL: &[&str] = &[
        "inc",
        "incorporated",
        "llc",
        "l l c",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "plc",
        "na",
        "n a",
        "lp",
        "llp",
        "pllc",
        "sa",
        "ag",
        "gmbh",
        "company",
    ];
    // Dotted initials are one word: "L.L.C." is "llc", "I.Q. Data" is "iq data".
    let name = collapse_initials(name);
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for c in name.chars() {
        match c {
            '\'' | '’' | '`' => {}
            '&' => {
                flush(&mut word, &mut words);
                words.push("and".into());
            }
            c if c.is_ascii_alphanumeric() => word.push(c.to_ascii_lowercase()),
            // "é" -> "e": the ASCII letter a decomposed form starts with, else a break.
            c if c.is_alphabetic() => match deaccent(c) {
                Some(a) => word.push(a),
                None => flush(&mut word, &mut words),
            },
            _ => flush(&mut word, &mut words),
        }
    }
    flush(&mut word, &mut words);
    if words.first().is_some_and(|w| w == "the") && words.len() > 1 {
        words.remove(0);
    }
    // Legal forms at the end, also two-word ones written with dots ("N.A.", "L.L.C.").
    loop {
        let n = words.len();
        if n > 1 && LEGAL.contains(&words[n - 1].as_str()) {
            words.pop();
        } else if n > 2 && LEGAL.contains(&format!("{} {}", words[n - 2], words[n - 1]).as_str()) {
            words.truncate(n - 2);
        } else {
            break;
        }
    }
    if words.last().is_some_and(|w| w == "and") && words.len() > 1 {
        words.pop(); // "Johnson & Co." -> "johnson"
    }
    words.join("_")
}

/// "L.L.C." -> "LLC", "N.A." -> "NA", "I.Q. Data" -> "IQ Data": single letters joined by
/// dots become one word.
fn collapse_initials(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        let start_of_word = i == 0 || !chars[i - 1].is_alphanumeric();
        if start_of_word
            && chars[i].is_alphabetic()
            && chars.get(i + 1) == Some(&'.')
            && chars.get(i + 2).is_some_and(|c| c.is_alphabetic())
            && chars.get(i + 3).is_none_or(|c| *c == '.')
        {
            // A run of "X." pairs.
            while i + 1 < chars.len() && chars[i].is_alphabetic() && chars[i + 1] == '.' {
                out.push(chars[i]);
                i += 2;
                if chars.get(i).is_none_or(|c| {
                    !c.is_alphabetic() || chars.get(i + 1).is_some_and(|d| d.is_alphabetic())
                }) {
                    break;
                }
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The id of a company a data set names formally ("Ditech Financial LLC", "Flagstar Bank,
/// FSB", "Navient Solutions, LLC."): [`company_id`] without the trailing words of a legal
/// or corporate form, which texts leave out ("ditech", "flagstar", "navient").
pub fn formal_name_id(name: &str) -> String {
    const CORPORATE: &[&str] = &[
        "financial",
        "solutions",
        "services",
        "service",
        "holdings",
        "holding",
        "group",
        "international",
        "bank",
        "banks",
        "bancorp",
        "fsb",
        "usa",
        "us",
        "na",
        "national",
        "association",
        "corporation",
        "incorporated",
        "company",
        "inc",
        "llc",
        "lp",
        "ltd",
        "trust",
        "worldwide",
        "global",
        "intermediate",
        "information",
    ];
    let id = company_id(name);
    let mut words: Vec<&str> = id.split('_').collect();
    while words.len() > 1 && CORPORATE.contains(words.last().expect("non-empty")) {
        words.pop();
    }
    words.join("_")
}

fn deaccent(c: char) -> Option<char> {
    let base = match c {
        'à'..='å' | 'À'..='Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è'..='ë' | 'È'..='Ë' => 'e',
        'ì'..='ï' | 'Ì'..='Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' => 'o',
        'ù'..='ü' | 'Ù'..='Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        _ => return None,
    };
    Some(base)
}

fn check_entry(e: &CompanyEntry) -> Result<(), String> {
    if e.id.is_empty()
        || !e
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err("id must be lower-case letters, digits and '_'".into());
    }
    if e.aliases.is_empty() && e.handles.is_empty() && e.domains.is_empty() {
        return Err("needs at least one alias, handle or domain".into());
    }
    for c in &e.case_sensitive {
        if !e.aliases.contains(c) {
            return Err(format!("case_sensitive {c:?} is not one of its aliases"));
        }
    }
    for a in e.aliases.iter().chain(&e.domains) {
        if a.trim().len() < 2 || a.trim() != a {
            return Err(format!(
                "name {a:?} must have at least 2 characters and no surrounding spaces"
            ));
        }
    }
    for h in &e.handles {
        if h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "handle {h:?} must be letters, digits and '_' without '@'"
            ));
        }
    }
    Ok(())
}

/// The names of a gazetteer as a trie of their lower-case texts, for the longest name that
/// starts at a place in a text: a walk from its first byte, ASCII letters folded, as far as
/// a key goes. The nodes are numbered level by level, so a node's children are consecutive
/// nodes and a step is a scan of their bytes ([`Names::step`]). An Aho-Corasick automaton
/// answered the same anchored question, but it builds failure transitions, used only by
/// unanchored searches (a third of the tagger's start-up); a finite-state transducer, smaller,
/// cost [`Gazetteer::find`] 38% more instructions to decode its nodes, and took longer to
/// build.
#[derive(Clone)]
struct Names {
    /// The byte on the edge into each node (the root's is unused).
    label: std::sync::Arc<[u8]>,
    /// Each node's first child and value, side by side: a walk reads both at every node,
    /// and one cache line is one wait (one entry more than there are nodes, so that node
    /// `i`'s children are `nodes[i].child..nodes[i + 1].child`).
    nodes: std::sync::Arc<[Node]>,
    /// The root's child on each byte, looked up once here: every word start of a text begins
    /// a walk there, and the root, with a child per letter and digit, is the widest node.
    first: std::sync::Arc<[u32; 256]>,
    /// The words a name can begin with (see [`Names::may_begin`]): a Bloom filter of
    /// [`WORD_BITS`] bits, two per word, which a walk's cache misses cost more than.
    words: std::sync::Arc<[u64]>,
}

/// A node of [`Names`]' trie.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The node's first child.
    child: u32,
    /// The value of the key that ends at the node, or [`Names::NONE`].
    value: u32,
}

/// The size of [`Names`]' word filter in bits (64 KiB): about 33,000 words (of 20,000
/// names) set under 2% of its answers wrongly to yes.
const WORD_BITS: usize = 1 << 19;

impl Names {
    /// No key ends at the node (in [`Node::value`]); no child on a byte (in
    /// [`Names::first`]).
    const NONE: u32 = u32::MAX;

    /// Of `names`, each found as its position there; no two may be the same text in ASCII
    /// lower case (`Gazetteer::load` keeps one pattern per lower-case text).
    fn new(names: &[impl AsRef<str>]) -> Result<Names, String> {
        if names.len() >= Self::NONE as usize {
            return Err("too many names".into());
        }
        let mut keyed: Vec<(Vec<u8>, u32)> = names
            .iter()
            .enumerate()
            .map(|(k, t)| (t.as_ref().as_bytes().to_ascii_lowercase(), k as u32))
            .collect();
        keyed.sort_unstable();
        if let Some(w) = keyed.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!(
                "two names are the same text in lower case: {:?}",
                String::from_utf8_lossy(&w[0].0)
            ));
        }
        let mut words = vec![0u64; WORD_BITS / 64];
        for (key, _) in &keyed {
            // A name's first word, or its first words up to any byte that is not an ASCII
            // letter or digit ("at" of "at&t", "home" and "home depot" of "home depot inc").
            let ends = key
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, b)| !b.is_ascii_alphanumeric())
                .map(|(i, _)| i)
                .chain([key.len()]);
            for end in ends {
                for bit in word_bits(&key[..end]) {
                    words[bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        // Level by level: a node is the sorted keys `lo..hi` that share its first `depth`
        // bytes; its children, numbered next, split them by the byte after.
        let (mut label, mut nodes) = (vec![0u8], Vec::new());
        let mut queue = std::collections::VecDeque::from([(0, keyed.len(), 0)]);
        while let Some((mut lo, hi, depth)) = queue.pop_front() {
            // The key that ends here sorts first.
            let ends_here = lo < hi && keyed[lo].0.len() == depth;
            nodes.push(Node {
                child: label.len() as u32,
                value: if ends_here { keyed[lo].1 } else { Self::NONE },
            });
            lo += usize::from(ends_here);
            while lo < hi {
                let b = keyed[lo].0[depth];
                let end = lo + keyed[lo..hi].partition_point(|(k, _)| k[depth] == b);
                label.push(b);
                queue.push_back((lo, end, depth + 1));
                lo = end;
            }
        }
        nodes.push(Node {
            child: label.len() as u32,
            value: Self::NONE,
        });
        let n = u32::try_from(label.len()).map_err(|_| "too many names".to_string())?;
        if n == Self::NONE {
            return Err("too many names".into());
        }
        let mut first = [Self::NONE; 256];
        for node in nodes[0].child..nodes[1].child {
            first[usize::from(label[node as usize])] = node;
        }
        Ok(Names {
            label: label.into(),
            nodes: nodes.into(),
            first: std::sync::Arc::new(first),
            words: words.into(),
        })
    }

    /// The child of `node` on the byte `b` (lower case), if any.
    fn step(&self, node: u32, b: u8) -> Option<u32> {
        let (from, to) = (
            self.nodes[node as usize].child as usize,
            self.nodes[node as usize + 1].child as usize,
        );
        // A node's labels are in byte order (its keys are sorted): near the root a node
        // has dozens of children, a scan read half of them.
        self.label[from..to]
            .binary_search(&b)
            .ok()
            .map(|i| (from + i) as u32)
    }

    /// Whether a name can begin with `word`, a whole run of ASCII letters and digits in a
    /// text (either case): true when some key is the word or goes on after it with a byte
    /// that is not an ASCII letter or digit ("home" for "home depot"), and, rarely, for
    /// other words. Where it is false, every name the walk could find from the word's start
    /// would end inside the word, where [`Gazetteer::find`] accepts none.
    fn may_begin(&self, word: &[u8]) -> bool {
        word_bits(word)
            .into_iter()
            .all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }

    /// Whether some key starts with `b` (either case of a letter).
    fn can_start(&self, b: u8) -> bool {
        self.first[usize::from(b.to_ascii_lowercase())] != Self::NONE
    }

    /// The longest key `text` starts with (ASCII case folded), as its length and value.
    fn longest(&self, text: &[u8]) -> Option<(usize, usize)> {
        let (&b0, rest) = text.split_first()?;
        let mut node = self.first[usize::from(b0.to_ascii_lowercase())];
        if node == Self::NONE {
            return None;
        }
        let mut best = None;
        for len in 1.. {
            let v = self.nodes[node as usize].value;
            if v != Self::NONE {
                best = Some((len, v as usize));
            }
            match rest.get(len - 1) {
                Some(b) => match self.step(node, b.to_ascii_lowercase()) {
                    Some(next) => node = next,
                    None => break,
                },
                None => break,
            }
        }
        best
    }

    /// Every key, in order, with its value (for tests).
    #[cfg(test)]
    fn keys(&self) -> Vec<(Vec<u8>, usize)> {
        fn walk(n: &Names, node: u32, key: &mut Vec<u8>, out: &mut Vec<(Vec<u8>, usize)>) {
            if n.nodes[node as usize].value != Names::NONE {
                out.push((key.clone(), n.nodes[node as usize].value as usize));
            }
            for c in n.nodes[node as usize].child..n.nodes[node as usize + 1].child {
                key.push(n.label[c as usize]);
                walk(n, c, key, out);
                key.pop();
            }
        }
        let mut out = Vec::new();
        walk(self, 0, &mut Vec::new(), &mut out);
        out
    }
}

/// The two bits of a word (ASCII case folded) in [`Names`]' word filter.
fn word_bits(word: &[u8]) -> [usize; 2] {
    let mut h = FOLD_OFFSET;
    for b in word {
        h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FOLD_PRIME);
    }
    // FNV's low bits mix poorly: spread them before taking two indices.
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 32;
    [h as usize % WORD_BITS, (h >> 32) as usize % WORD_BITS]
}

const FOLD_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FOLD_PRIME: u64 = 0x0000_0100_0000_01b3;

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.nodes.iter().filter(|n| n.value != Names::NONE).count();
        write!(f, "Names({keys} keys)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaz(text: &str) -> Gazetteer {
        Gazetteer::load(&[("test.toml".into(), text.into())]).unwrap()
    }

    const G: &str = r#"
version = 1
[[company]]
id = "general_motors"
name = "General Motors"
aliases = ["General Motors", "GM"]
case_sensitive = ["GM"]
handles = ["GMCustomerSvc"]
[[company]]
id = "chevrolet"
name = "Chevrolet"
aliases = ["Chevy", "Chevrolet"]
parent = "general_motors"
[[company]]
id = "att"
name = "AT&T"
aliases = ["AT&T"]
[[company]]
id = "wirefly"
name = "Wirefly"
aliases = ["Wirefly"]
domains = ["wirefly.com"]
handles = ["Wirefly"]
[[company]]
id = "delta"
name = "Delta"
aliases = ["Delta"]
case_sensitive = ["Delta"]
"#;

    fn ids(g: &Gazetteer, text: &str) -> Vec<String> {
        g.find(text)
            .iter()
            .map(|f| format!("{}:{}", g.root_id(f.entry), &text[f.start..f.end]))
            .collect()
    }

    #[test]
    fn ids_from_names() {
        for (name, id) in [
            ("Lord & Taylor", "lord_and_taylor"),
            ("McDonald's", "mcdonalds"),
            ("EQUIFAX, INC.", "equifax"),
            ("Citibank, N.A.", "citibank"),
            ("Navient Solutions, LLC.", "navient_solutions"),
            ("The Home Depot", "home_depot"),
            ("T-Mobile", "t_mobile"),
            ("AT&T", "at_and_t"),
            ("1-800-Flowers", "1_800_flowers"),
            ("Nestlé", "nestle"),
            ("JPMORGAN CHASE & CO.", "jpmorgan_chase"),
            ("", ""),
            ("!!!", ""),
            (
                "Trident Asset Management, L.L.C.",
                "trident_asset_management",
            ),
            ("I.Q. Data International, Inc.", "iq_data_international"),
        ] {
            assert_eq!(company_id(name), id, "{name}");
        }
        for (name, id) in [
            ("Ditech Financial LLC", "ditech"),
            ("Flagstar Bank, FSB", "flagstar"),
            ("Navient Solutions, LLC.", "navient"),
            ("TRANSUNION INTERMEDIATE HOLDINGS, INC.", "transunion"),
            ("Bank of America, National Association", "bank_of_america"),
            ("Freedom Mortgage Company", "freedom_mortgage"),
        ] {
            assert_eq!(formal_name_id(name), id, "{name}");
        }
    }

    #[test]
    fn aliases_handles_domains_and_roll_up() {
        let g = gaz(G);
        assert_eq!(
            ids(&g, "My Chevy dealer; @GMCustomerSvc replied. I ordered an AT&T phone from www.wirefly.com and tweeted @wirefly."),
            vec!["general_motors:Chevy", "general_motors:@GMCustomerSvc", "att:AT&T", "wirefly:wirefly.com", "wirefly:@wirefly"]
        );
    }

    #[test]
    fn case_sensitive_and_word_boundaries() {
        let g = gaz(G);
        assert!(ids(&g, "the delta of the river, a gm crop, GMT time, Chevys").is_empty());
        assert_eq!(
            ids(&g, "Flew Delta. GM answered."),
            vec!["delta:Delta", "general_motors:GM"]
        );
        assert!(ids(&g, "email me at x@wirefly.company or @Wirefly_fan").is_empty());
    }

    #[test]
    fn a_name_as_a_web_address_is_the_company_in_any_case() {
        let g = gaz(G);
        let text = "Ads gave www.delta.com or chevy.com/deals, see https://www.Chevrolet.co.uk.";
        assert_eq!(
            ids(&g, text),
            vec![
                "delta:delta",
                "general_motors:chevy",
                "general_motors:Chevrolet"
            ]
        );
        assert!(g.find(text).iter().all(|f| !f.weak));
        // Not an email address, a longer host, another top-level domain or a file name.
        assert!(ids(
            &g,
            "help@chevy.com, cars.chevy.com, chevy.computer, delta.com.pdf2"
        )
        .is_empty());
    }

    /// A name's letters inside a word ("E Tran" at the end of "issue" and the start of
    /// "TransUnion") are no match, and do not hide the name that starts after them.
    #[test]
    fn a_match_inside_a_word_hides_no_name() {
        let g = gaz(r#"
version = 1
[[company]]
id = "e_tran"
name = "E Tran"
aliases = ["E Tran"]
[[company]]
id = "transunion"
name = "TransUnion"
aliases = ["TransUnion"]
"#);
        assert_eq!(
            ids(&g, "the issue TransUnion refused; E Tran, and (E Tran)"),
            vec!["transunion:TransUnion", "e_tran:E Tran", "e_tran:E Tran"]
        );
    }

    #[test]
    fn load_errors_name_file_line_and_problem() {
        let err = Gazetteer::load(&[(
            "g.toml".into(),
            "version = 1\n[[company]]\nid = \"a\"\nname = \"A\"\nalias = [\"A\"]\n".into(),
        )])
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("g.toml: line 5: unknown field `alias`"),
            "{err}"
        );
        let dup = "version = 1\n[[company]]\nid = \"a\"\nname = \"A\"\naliases = [\"Acme\"]\n[[company]]\nid = \"a\"\nname = \"B\"\naliases = [\"Bee\"]\n";
        let err = Gazetteer::load(&[("g.toml".into(), dup.into())]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "g.toml: line 7: duplicate company id \"a\""
        );
        let bad_parent = "version = 1\n[[company]]\nid = \"a\"\nname = \"A\"\naliases = [\"Acme\"]\nparent = \"zz\"\n";
        assert!(Gazetteer::load(&[("g.toml".into(), bad_parent.into())])
            .unwrap_err()
            .to_string()
            .contains("parent \"zz\" is not a company id"));
    }

    #[test]
    fn study_file_overrides_defaults() {
        let study = "version = 1\n[[company]]\nid = \"delta\"\nname = \"Delta Faucet\"\naliases = [\"Delta Faucet\"]\n";
        let g = Gazetteer::load(&[("d.toml".into(), G.into()), ("s.toml".into(), study.into())])
            .unwrap();
        assert!(ids(&g, "Flew Delta").is_empty());
        assert_eq!(ids(&g, "my Delta Faucet leaks"), vec!["delta:Delta Faucet"]);
    }

    /// The longest name a place starts with is the longest key that is a prefix of the text
    /// there with ASCII letters folded (non-ASCII bytes as they are), as a search of every
    /// key finds it.
    #[test]
    fn the_longest_name_at_a_place_is_the_longest_key_it_starts_with() {
        let keys = [
            "ab",
            "abc",
            "abcde",
            "b@x",
            "x.com",
            "\u{e9}t\u{e9}",
            "\u{c9}t\u{c9}",
            "at&t",
            "at",
            "zz top",
        ];
        let names = Names::new(&keys).unwrap();
        let texts = [
            "ABCD",
            "abcdef",
            "ab",
            "a",
            "",
            "B@X.com",
            "\u{c9}T\u{c9}!",
            "\u{e9}t\u{e9}",
            "AT&T",
            "at&",
            "ZZ Top",
            "zz to",
            "x.co",
        ];
        for text in texts {
            let folded = text.as_bytes().to_ascii_lowercase();
            let want = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| folded.starts_with(&k.as_bytes().to_ascii_lowercase()))
                .max_by_key(|(_, k)| k.len())
                .map(|(i, k)| (k.len(), i));
            assert_eq!(names.longest(text.as_bytes()), want, "{text:?}");
        }
        assert_eq!(names.longest(b"ABCD"), Some((3, 1)));
        assert_eq!(names.longest("\u{c9}T\u{c9}!".as_bytes()), Some((5, 6)));
        assert_eq!(names.longest(b"a"), None);
    }

    /// The names [`Gazetteer::find`] takes, found the slow way: the longest name from every
    /// place but those inside a word (after an ASCII letter, digit or `_`, or a letter of
    /// another script), with neither the word filter nor the skips over words.
    fn find_everywhere(gaz: &Gazetteer, text: &str) -> Vec<Found> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if !text.is_char_boundary(at) {
                at += 1;
                continue;
            }
            let before = near_byte(text[..at].chars().next_back());
            let inside = bytes[at].is_ascii_alphanumeric() && is_word(before);
            match gaz.names.longest(&bytes[at..]) {
                Some((len, k)) if !inside => {
                    out.extend(gaz.accept(text, before, at, at + len, k));
                    at += len;
                }
                _ => at += 1,
            }
        }
        out
    }

    #[test]
    fn the_word_filter_and_the_skips_change_no_name_found() {
        let gaz = crate::tag::Lexicons::defaults().gazetteer;
        let mut texts: Vec<String> = [
            "AT&T and at&t's bill; T-Mobile, t-mobile; sprint_care helped; @sprintcare",
            "upset with Apple; Appleé; apples; 7-Eleven; 7eleven; www.honda.com; pepsi.com.",
            "Home Depot, the home depot; HomeDepot; home-depot; Home_Depot; home depot's",
            "Delta's agents, DELTA, Delta Air Lines, delta.com/help, me@delta.com",
            "",
            "a",
            "ünited and United, Comcast_Cares",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (csv, col) in [
            (
                include_str!("../../tests/fixtures/corpora/twcs_head1000.csv"),
                5,
            ),
            (
                include_str!("../../tests/fixtures/corpora/cfpb_complaints.csv"),
                usize::MAX,
            ),
            (
                include_str!("../../tests/fixtures/corpora/reddit_posts.csv"),
                usize::MAX,
            ),
            (
                include_str!("../../tests/fixtures/corpora/airline_tweets.csv"),
                usize::MAX,
            ),
        ] {
            let mut rd = csv::Reader::from_reader(csv.as_bytes());
            for r in rd.records() {
                let r = r.unwrap();
                // Every field of the narrative data sets, the text of the tweets.
                match col {
                    usize::MAX => texts.extend(r.iter().map(str::to_string)),
                    c => texts.push(r[c].to_string()),
                }
            }
        }
        let mut found = 0;
        for t in &texts {
            let want = find_everywhere(&gaz, t);
            found += want.len();
            assert_eq!(gaz.find(t), want, "{t:?}");
        }
        assert!(found > 500, "the texts name companies ({found})");
    }

    #[test]
    fn every_first_word_of_a_name_passes_the_filter() {
        let gaz = crate::tag::Lexicons::defaults().gazetteer;
        let keys = gaz.names.keys();
        let n = keys.len();
        for (key, _) in keys {
            let first = key
                .iter()
                .skip(1)
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(key.len(), |n| n + 1);
            assert!(gaz.names.may_begin(&key[..first]), "{key:?}");
            assert!(gaz.names.may_begin(&key.to_ascii_uppercase()[..first]));
        }
        assert!(n > 10_000, "{n} names");
    }
}
