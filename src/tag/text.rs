//! Sentences and the words around a position: the lowest layer of the tagger, which every
//! other layer reads instead of re-deriving it.

/// it names are asked about, not used. Leading @handles are skipped.
pub(crate) fn question(text: &str, (ss, se): (usize, usize)) -> bool {
    let s = text[ss..se].trim();
    if !s.ends_with('?') {
        return false;
    }
    let first = s
        .split_whitespace()
        .find(|w| !w.starts_with('@') && !w.starts_with('.'))
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "should"
            | "shall"
            | "can"
            | "could"
            | "would"
            | "will"
            | "do"
            | "does"
            | "did"
            | "are"
            | "is"
            | "am"
            | "may"
            | "might"
    )
}

/// "not happy", "never again"? A negation word in the few words before a sentiment word.
/// "nobody called me back", "no one replied", "never answered": the answer right after
/// these words did not happen.
pub(crate) fn nobody_before(text: &str, start: usize) -> bool {
    let is = |w: &str, x: &str| w.eq_ignore_ascii_case(x);
    match words_before(text, start, 12, &[]).as_slice() {
        [.., no, one] if is(no, "no") && is(one, "one") => true,
        [.., w] => ["nobody", "noone", "never"].iter().any(|x| is(w, x)),
        [] => false,
    }
}

/// "I called", "we emailed", "my tweet", "I then tweeted": the word just before a channel
/// word (or the one before it) is the customer speaking of their own use.
pub(crate) fn first_person_before(text: &str, start: usize) -> bool {
    let first = |w: &str| matches!(w, "I" | "i" | "we" | "We" | "my" | "My" | "our" | "Our");
    // Not across a sentence or clause end.
    match words_before(text, start, 12, &['.', '!', '?', ';', ',']).as_slice() {
        [.., w] if first(w) => true,
        [.., w, adverb] => {
            first(w) && matches!(*adverb, "then" | "also" | "finally" | "even" | "just")
        }
        _ => false,
    }
}

/// Quotations, which may speak in the first person inside a report that does not.
static QUOTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#""[^"\n]{0,500}"|“[^”]{0,500}”"#).expect("valid")
});

/// The first person: "I" (as a capital), "me", "my", "we", "our", "us".
static FIRST_PERSON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\bI\b|(?i:\b(?:me|my|mine|myself|we|our|ours|us)\b)").expect("valid")
});

/// A text told in the third person: no first-person word outside quotations (a news
/// report: `Lopez said she called Comcast. "I was shocked," she said.`).
pub(crate) fn told_in_third_person(text: &str) -> bool {
    !FIRST_PERSON.is_match(&QUOTED.replace_all(text, " "))
}

/// A channel match that itself opens with the customer: "I called", "we emailed".
pub(crate) fn opens_first_person(matched: &str) -> bool {
    matches!(
        matched.split_whitespace().next(),
        Some("I" | "i" | "we" | "We")
    )
}

pub(crate) fn negated(text: &str, start: usize) -> bool {
    // Not across a sentence end: "Still no answer. Horrible." is not "no ... horrible".
    words_before(text, start, 16, &['.', '!', '?', ';'])
        .iter()
        .rev()
        .take(2)
        .any(|w| {
            [
                "not", "never", "no", "isn't", "wasn't", "don't", "didn't", "won't", "hardly",
            ]
            .iter()
            .any(|x| w.eq_ignore_ascii_case(x))
        })
}

/// The words (letters, digits, apostrophes) in the `window` bytes before `start`, after the
/// last of the `stops` there.
pub(crate) fn words_before<'a>(
    text: &'a str,
    start: usize,
    window: usize,
    stops: &[char],
) -> Vec<&'a str> {
    let before = &text[floor(text, start.saturating_sub(window))..start];
    let before = before.rfind(stops).map_or(before, |i| &before[i + 1..]);
    before
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect()
}

/// Sentence spans: split after . ! ? followed by white space (not after an abbreviation such
/// as "i.e." or "Jan."), and at every line break.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let end_here = match b {
            b'\n' => true,
            b'.' | b'!' | b'?' => {
                let next_ws = bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace());
                next_ws && !(b == b'.' && is_abbreviation(&text[start..i]))
            }
            _ => false,
        };
        if end_here {
            if i + 1 > start && !text[start..=i].trim().is_empty() {
                out.push((start, i + 1));
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    if out.is_empty() {
        out.push((0, text.len()));
    }
    out
}

/// Whether the full stop after `before` ends an abbreviation ("Mr.", "Jan.", "i.e.", "A."):
/// the last word of `before` is one of [`ABBREVIATIONS`] in any case of ASCII, a short word
/// with a dot in it, or one capital letter.
pub(crate) fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    word.contains('.') && word.len() <= 4
        || ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
        || word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase())
}

/// Words a full stop follows without ending a sentence (lower case).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "vs", "etc", "inc", "co", "corp", "no", "approx",
];

pub(crate) fn sentence_of(sentences: &[(usize, usize)], at: usize) -> (usize, usize) {
    let i = sentences.partition_point(|s| s.1 <= at);
    sentences.get(i).copied().unwrap_or((0, 0))
}

/// Byte spans sorted by start, with the running maximum of their ends: whether some span
/// contains or overlaps a given one in O(log n), so a text with a million names or cues is
/// not checked pair by pair.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// (start, end), sorted.
    spans: Vec<(usize, usize)>,
    /// max_end[i] = the largest end among spans[..=i].
    max_end: Vec<usize>,
}

impl Spans {
    pub(crate) fn new(mut spans: Vec<(usize, usize)>) -> Spans {
        spans.sort_unstable();
        let mut max = 0;
        let max_end = spans
            .iter()
            .map(|&(_, e)| {
                max = max.max(e);
                max
            })
            .collect();
        Spans { spans, max_end }
    }

    /// Max end of the first `k` spans.
    fn max_end_of(&self, k: usize) -> Option<usize> {
        k.checked_sub(1).map(|i| self.max_end[i])
    }

    /// Some span (s, e) with s <= a and b <= e.
    pub(crate) fn contains(&self, a: usize, b: usize) -> bool {
        let k = self.spans.partition_point(|&(s, _)| s <= a);
        self.max_end_of(k).is_some_and(|e| e >= b)
    }

    /// Some span (s, e) with s < b and a < e.
    pub(crate) fn overlaps(&self, a: usize, b: usize) -> bool {
        let k = self.spans.partition_point(|&(s, _)| s < b);
        self.max_end_of(k).is_some_and(|e| e > a)
    }

    /// Some span that contains (a, b) and is longer: starts before it and ends at or after
    /// its end, or starts with it and ends after.
    pub(crate) fn contains_longer(&self, a: usize, b: usize) -> bool {
        let before = self.spans.partition_point(|&(s, _)| s < a);
        let at = self.spans.partition_point(|&(s, _)| s <= a);
        self.max_end_of(before).is_some_and(|e| e >= b)
            || self.max_end_of(at).is_some_and(|e| e > b)
    }
}

pub(crate) fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
