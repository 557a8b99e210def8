//! Tokenizer: text in, byte spans of tokens out, split the way Universal Dependencies
//! English-EWT splits words, so that the part-of-speech tagger ([`super::pos`]) sees the
//! kind of tokens it was trained on.
//!
//! [`tokenize`] returns [`Token`]s: byte spans into the text, on char boundaries, in order,
//! never overlapping, never empty; whitespace, control characters and zero-width characters
//! are skipped. The rules, in the order they are tried at each position:
//!
//! - URLs (`http://…`, `https://…`, `www.…`, `mailto:…`) up to the next space, without
//!   trailing punctuation (`.` `,` `)` quotes…; a `)` stays when the URL has an unclosed
//!   `(`); e-mail addresses (`jo.ann@example.co.uk`); bare domains with a known top-level
//!   domain (`wirefly.com`, `amazon.co.uk/help`; `end.The` is three tokens); file names with
//!   a known extension (`invoice_2.pdf`); `@handles` and `#hashtags` (a hashtag needs a
//!   letter: `#1` is `#` `1`).
//! - Words: letters, digits, `_` and combining marks, joined across
//!   - `-` between word characters (`T-Mobile`, `follow-up`, `713-853-3989`; EWT splits
//!     these, `follow` `-` `up`, but a name must stay one token);
//!   - `&` between letters (`AT&T`, `PG&E`);
//!   - `.` `,` `:` `/` between digits (`1,200.50`, `3:30`, `24/7`, `10/12/2020`), also with
//!     redaction `X`s (`XX/XX/XXXX`);
//!   - an apostrophe (`'` or `’`) followed by letters that are not a clitic (`O'Brien`), and
//!     a decade's `'s` (`80's`).
//! - Clitics split as in EWT: `don't` → `do` `n't`, `can't` → `ca` `n't`, `I'm` → `I` `'m`,
//!   `company's` → `company` `'s` (also `'d` `'ll` `'re` `'ve`, either apostrophe), and the
//!   apostrophe-less forms EWT splits (`dont` → `do` `nt`, `cannot` → `can` `not`,
//!   `gonna` → `gon` `na`, `im` → `i` `m`, …). Units after a number are split off as in EWT
//!   (`5pm` → `5` `pm`, `10k` → `10` `k`, `2hrs` → `2` `hrs`); ordinals stay (`17th`).
//! - Abbreviations keep their dots: single letters with dots (`U.S.`, `e.g.`, `p.m.`), a
//!   list of common abbreviations (`Inc.`, `Mr.`, `etc.`, `Jan.`; words such as `Sat.` or
//!   `No.` only when capitalised or followed by more of the sentence), and a capital initial
//!   followed by a capitalised word (`John F. Kennedy`). At the very end of the text the
//!   dot is split off, as EWT does with a sentence's full stop (`etc` `.`). `Yahoo!` is one
//!   token.
//! - Emoticons (`:)`, `:-(`, `;)`, `:D`, `<3`, `^_^`) are one token; an emoji keeps its
//!   modifiers (skin tone, variation selector, zero-width-joiner sequences, flag pairs);
//!   a year's apostrophe stays (`'90s`).
//! - Punctuation: one token per character, except runs of `.` `!` `?` (`...`, `?!`; but
//!   `...?` is `...` `?`), runs of the same ASCII symbol (`--`, `**`, `''`) and `’’`, which
//!   are one token each.
//!
//! On the EWT dev and test texts 98.1 % of the gold words get a token with exactly their
//! span; two thirds of the rest are hyphenated words. About 100 MB/s (release, EWT text).
//! Linear time, no allocation besides the output vector, and no panic on any input: every
//! look-ahead that may fail is bounded or not repeated, so a megabyte without spaces costs
//! what it costs to read it. [`split_sentences`] groups tokens into sentences for the
//! tagger.

use std::cell::Cell;
use std::ops::Range;

/// A token: the byte span `start..end` of the text it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Token {
    /// The token's text.
    ///
    /// # Panics
    /// When the span is not a span of `text` on char boundaries (a token of another text).
    pub fn as_str<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    /// The span as a range.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The tokens of `text`, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    tokenize_into(text, &mut out);
    out
}

/// Like [`tokenize`], appending to `out` (which is not cleared).
pub fn tokenize_into(text: &str, out: &mut Vec<Token>) {
    let s = Scanner::new(text);
    let mut i = 0;
    while i < s.b.len() {
        let (c, n) = s.ch(i);
        if is_skip(c) {
            i += n;
            continue;
        }
        let end = s.token_at(i, c, n);
        debug_assert!(end > i && text.is_char_boundary(end));
        out.push(Token { start: i, end });
        i = end;
    }
}

/// The words of `text` (the token strings), for [`super::pos::Model::tag`].
pub fn words<'a>(text: &'a str, tokens: &[Token]) -> Vec<&'a str> {
    tokens.iter().map(|t| t.as_str(text)).collect()
}

/// Groups tokens into sentences: ranges of token indices, in order, covering all tokens.
///
/// A sentence ends after a token of `.` `!` `?` (or a run of them), possibly followed by
/// closing quotes and brackets, when the next token does not start with a lower-case letter;
/// at a blank line; and at a line break before a token that starts with an upper-case letter
/// or a non-letter (a new line of a tweet, a bullet), unless the line ended with `,` or the
/// like. Abbreviations keep their dot inside the token (`Inc.`, `U.S.`), so they end a
/// sentence only when they end the text. Headlines without punctuation and lists of lines are
/// thus separate sentences, which is what the tagger's first-token and capitalisation
/// features expect.
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        let w = tokens[i].as_str(text);
        let mut end_here = false;
        let mut last = i;
        if is_terminal(w) {
            // Closing quotes and brackets belong to the sentence they close.
            while last + 1 < tokens.len() && is_closer(tokens[last + 1].as_str(text)) {
                last += 1;
            }
            end_here = match tokens.get(last + 1) {
                None => true,
                Some(next) => !next
                    .as_str(text)
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit()),
            };
        }
        if !end_here {
            if let Some(next) = tokens.get(i + 1) {
                let gap = &text[tokens[i].end..next.start];
                let breaks = gap.bytes().filter(|&b| b == b'\n').count();
                if breaks >= 2 {
                    end_here = true;
                } else if breaks == 1 {
                    let first = next.as_str(text).chars().next().unwrap_or(' ');
                    let continues =
                        matches!(w, "," | ";" | ":" | "-" | "&" | "and" | "or") || w.ends_with(',');
                    end_here = !continues && (first.is_uppercase() || !first.is_alphabetic());
                }
            }
        }
        if end_here || last + 1 == tokens.len() {
            out.push(start..last + 1);
            start = last + 1;
        }
        i = last + 1;
    }
    out
}

fn is_terminal(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| matches!(b, b'.' | b'!' | b'?')) || w == "…"
}

fn is_closer(w: &str) -> bool {
    matches!(w, "\"" | "'" | "''" | ")" | "]" | "}" | "”" | "’" | "»")
}

/// True for a redaction placeholder as in the CFPB complaint narratives: `XXXX`, `XX/XX/XXXX`,
/// `XXXX-XXXX` (two or more `X`s, optionally with digits and `/` `-` `.` `,` `:`, no other
/// letters).
pub fn is_redaction(w: &str) -> bool {
    w.bytes()
        .all(|b| matches!(b, b'X' | b'0'..=b'9' | b'/' | b'-' | b'.' | b',' | b':'))
        && w.bytes().filter(|&b| b == b'X').count() >= 2
}

/// True for a token that [`tokenize`] keeps whole as a URL, e-mail address or bare domain.
pub fn is_url_or_email(w: &str) -> bool {
    let s = Scanner::new(w);
    if w.is_empty() {
        return false;
    }
    let full = |end: Option<usize>| end == Some(w.len());
    full(s.url(0)) || full(s.email(0)) || full(s.domain(0))
}

// ---------------------------------------------------------------------------------------

/// Digits, or digits and redaction `X`s, or `X`s alone: a part of a number or date.
fn is_numeric(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter().all(|b| b.is_ascii_digit() || *b == b'X')
        && (s.iter().any(u8::is_ascii_digit) || s.len() >= 2 || s == b"X")
}

/// Units EWT splits from a number before them (`5pm` → `5` `pm`, `10k` → `10` `k`).
const UNITS: &[&str] = &[
    "am", "pm", "k", "m", "mm", "cm", "km", "ft", "lb", "lbs", "kg", "g", "mg", "gb", "mb", "tb",
    "kb", "hr", "hrs", "min", "mins", "sec", "secs", "ml", "oz", "mph", "yr", "yrs",
];

/// The digits of `s` when `s` is digits followed by a unit (any case), else `s`.
fn strip_unit(s: &[u8]) -> &[u8] {
    let d = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let tail = &s[d..];
    if d > 0
        && !tail.is_empty()
        && tail.len() <= 4
        && UNITS
            .iter()
            .any(|u| u.as_bytes().eq_ignore_ascii_case(tail))
    {
        &s[..d]
    } else {
        s
    }
}

/// Characters that separate tokens and are not part of any.
fn is_skip(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{FE0E}'
                | '\u{FE0F}'
        )
}

/// Combining marks that continue a word (the common blocks; `is_alphanumeric` already covers
/// the spacing and many non-spacing marks of Indic and other scripts).
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        c.is_alphanumeric() || is_mark(c)
    }
}

fn is_apos(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Emoji modifiers and joiners that stay with the emoji before them.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F)
}

const TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "uk", "ca", "de", "fr", "au",
    "nz", "ie", "info", "biz", "tv", "ly", "app", "ai", "jp", "cn", "ru", "es", "nl", "eu", "ch",
    "se", "no", "dk", "fi", "pl", "br", "mx", "za", "gl", "gg", "xyz", "online", "site", "store",
    "shop", "news", "live", "blog", "tech", "cc", "fm", "ws", "aero", "coop", "museum",
];

/// Abbreviations that keep their final dot (compared lower-case).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "jr", "sr", "st", "prof", "inc", "corp", "ltd", "llc", "bros", "dept",
    "univ", "assn", "vs", "etc", "approx", "misc", "jan", "feb", "apr", "jun", "jul", "aug",
    "sept", "oct", "nov", "dec", "tues", "thur", "thurs", "blvd", "hwy",
];

/// Abbreviations that are also words (`sat`, `col`): capitalised they keep their dot; in
/// lower case only when the sentence goes on after them (`sat. 5`).
const ABBREVIATIONS_CAPITALISED: &[&str] = &[
    "co", "gen", "lt", "rev", "gov", "sen", "sens", "rep", "reps", "capt", "sgt", "col", "ft",
    "mt", "attn", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "mar", "sep", "ave", "rd",
    "apt", "ext", "tel", "fig", "vol", "est",
];

/// Abbreviations that keep their dot only when the sentence goes on (`No. 5`, `ca. 1900`).
const ABBREVIATIONS_CONTINUED: &[&str] = &[
    "no", "nos", "ca", "ed", "eds", "pp", "cf", "viz", "min", "max", "hr", "hrs",
];

/// File extensions: `invoice.pdf` is one token.
const FILE_EXTENSIONS: &[&str] = &[
    "doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf", "txt", "rtf", "csv", "jpg", "jpeg", "png",
    "gif", "zip", "exe", "htm", "html", "xml", "json", "mp3", "mp4", "wav", "mov", "avi",
];

/// Apostrophe-less contractions EWT splits, and where: (word, length of the first part).
const BARE_CONTRACTIONS: &[(&str, usize)] = &[
    ("dont", 2),
    ("doesnt", 4),
    ("didnt", 3),
    ("cant", 2),
    ("wont", 2),
    ("isnt", 2),
    ("wasnt", 3),
    ("arent", 3),
    ("werent", 4),
    ("havent", 4),
    ("hasnt", 3),
    ("hadnt", 3),
    ("couldnt", 5),
    ("wouldnt", 5),
    ("shouldnt", 6),
    ("aint", 2),
    ("cannot", 3),
    ("gonna", 3),
    ("wanna", 3),
    ("gotta", 3),
    ("im", 1),
    ("ive", 1),
    ("youre", 3),
    ("theyre", 4),
    ("thats", 4),
    ("hes", 2),
    ("shes", 3),
    ("whats", 4),
    ("theres", 5),
];

const EMOTICONS: &[&str] = &[
    ":-)", ":-(", ":-D", ":-P", ":-p", ":-/", ":-|", ":-O", ":-o", ";-)", ":')", ":'(", ">:(",
    ":)", ":(", ":D", ":P", ":p", ":/", ":|", ":O", ":o", ";)", ";(", ";D", ";P", ";p", "=)", "=(",
    "=D", "(:", "<3", "</3", "^_^", "^^", "-_-", ":3", ":*", ";*", ":]", ":[",
];

struct Scanner<'a> {
    t: &'a str,
    b: &'a [u8],
    /// No e-mail address / host name starts before this offset in the run of address
    /// characters being scanned: a failed look-ahead is not repeated from every position of
    /// the same run (which would make `a.b.c.d…` quadratic).
    no_email_before: Cell<usize>,
    no_host_before: Cell<usize>,
}

impl<'a> Scanner<'a> {
    fn new(t: &'a str) -> Scanner<'a> {
        Scanner {
            t,
            b: t.as_bytes(),
            no_email_before: Cell::new(0),
            no_host_before: Cell::new(0),
        }
    }

    /// The char at byte `i` (a char boundary < len) and its length.
    #[inline]
    fn ch(&self, i: usize) -> (char, usize) {
        let b0 = self.b[i];
        if b0 < 0x80 {
            return (b0 as char, 1);
        }
        let c = self.t[i..].chars().next().unwrap_or('\u{FFFD}');
        (c, c.len_utf8())
    }

    /// The char at byte `i`, if `i` is in the text.
    #[inline]
    fn peek(&self, i: usize) -> Option<char> {
        if i < self.b.len() {
            Some(self.ch(i).0)
        } else {
            None
        }
    }

    /// The byte at `i`, or 0 past the end.
    #[inline]
    fn byte(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn word_char_at(&self, i: usize) -> bool {
        self.peek(i).is_some_and(is_word_char)
    }

    /// End of the run of word characters starting at `i`.
    fn run(&self, mut i: usize) -> usize {
        while i < self.b.len() {
            let (c, n) = self.ch(i);
            if !is_word_char(c) {
                break;
            }
            i += n;
        }
        i
    }

    fn starts_with_ci(&self, i: usize, p: &str) -> bool {
        self.b.len() >= i + p.len() && self.b[i..i + p.len()].eq_ignore_ascii_case(p.as_bytes())
    }

    /// The end of the token that starts at `i` with char `c` of length `n`.
    fn token_at(&self, i: usize, c: char, n: usize) -> usize {
        if is_word_char(c) {
            return self.word(i);
        }
        match c {
            '@' => {
                let e = self.run(i + 1);
                if e > i + 1 {
                    return e;
                }
            }
            '#' => {
                let e = self.run(i + 1);
                if e > i + 1 && self.t[i + 1..e].chars().any(|c| c.is_alphabetic()) {
                    return e;
                }
            }
            '\'' | '’' | '`' => {
                if let Some(e) = self.clitic(i) {
                    return e;
                }
                // A year: `'68`, `'90s`.
                let j = i + n;
                let d = self.b[j..]
                    .iter()
                    .take(3)
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if d == 2 && !self.prev_is_word(i) {
                    let e = if self.byte(j + 2) == b's' {
                        j + 3
                    } else {
                        j + 2
                    };
                    if !self.word_char_at(e) {
                        return e;
                    }
                }
            }
            _ => {}
        }
        if let Some(e) = self.emoticon(i) {
            return e;
        }
        if c.is_ascii() {
            let b = c as u8;
            let mut e = i + 1;
            if matches!(b, b'.' | b'!' | b'?') {
                while matches!(self.byte(e), b'.' | b'!' | b'?') {
                    e += 1;
                }
                // `...?` is `...` `?`; `.?`, `?!` stay whole.
                let dots = self.b[i..e].iter().take_while(|&&b| b == b'.').count();
                if dots >= 3 && dots < e - i {
                    e = i + dots;
                }
            } else if b"-*=_~'`<>#+^|".contains(&b) {
                while self.byte(e) == b {
                    e += 1;
                }
            }
            return e;
        }
        // A non-ASCII symbol: one char, with its emoji modifiers and joined sequences; `’’`
        // and `‘’` (a double quote typed as two single ones) are one token.
        let mut e = i + n;
        if matches!(c, '‘' | '’') && matches!(self.peek(e), Some('‘' | '’')) {
            return e + 3;
        }
        if (0x1F1E6..=0x1F1FF).contains(&(c as u32)) {
            if let Some(d) = self.peek(e) {
                if (0x1F1E6..=0x1F1FF).contains(&(d as u32)) {
                    e += d.len_utf8();
                }
            }
            return e;
        }
        let mut steps = 0;
        while let Some(d) = self.peek(e) {
            steps += 1;
            if steps > 32 {
                break;
            }
            if is_emoji_modifier(d) {
                e += d.len_utf8();
            } else if d == '\u{200D}' {
                match self.peek(e + 3) {
                    Some(f) if !f.is_whitespace() && !is_word_char(f) => e += 3 + f.len_utf8(),
                    _ => break,
                }
            } else {
                break;
            }
        }
        e
    }

    fn prev_is_word(&self, i: usize) -> bool {
        self.t[..i].chars().next_back().is_some_and(is_word_char)
    }

    /// A clitic at an apostrophe right after a word: `'s` `'m` `'d` `'ll` `'re` `'ve`.
    fn clitic(&self, i: usize) -> Option<usize> {
        if !self.prev_is_word(i) {
            return None;
        }
        let (_, n) = self.ch(i);
        let j = i + n;
        for suf in ["s", "m", "d", "ll", "re", "ve"] {
            if self.starts_with_ci(j, suf) && !self.word_char_at(j + suf.len()) {
                return Some(j + suf.len());
            }
        }
        None
    }

    fn emoticon(&self, i: usize) -> Option<usize> {
        if !matches!(
            self.b[i],
            b':' | b';' | b'=' | b'(' | b'<' | b'^' | b'-' | b'>'
        ) {
            return None;
        }
        for e in EMOTICONS {
            if self.b[i..].starts_with(e.as_bytes()) {
                let end = i + e.len();
                // `:D` and `XD` must not be the start of a word (`:Don`), `(:` not before a word.
                let last = e.as_bytes()[e.len() - 1];
                if (last.is_ascii_alphanumeric() || e.starts_with('(')) && self.word_char_at(end) {
                    continue;
                }
                return Some(end);
            }
        }
        None
    }

    /// A URL that starts at `i` with a scheme or `www.`: up to the next space, without the
    /// trailing punctuation.
    fn url(&self, i: usize) -> Option<usize> {
        let after_prefix = if self.starts_with_ci(i, "https://") {
            i + 8
        } else if self.starts_with_ci(i, "http://") {
            i + 7
        } else if self.starts_with_ci(i, "www.") {
            i + 4
        } else if self.starts_with_ci(i, "mailto:") {
            return self.email(i + 7);
        } else {
            return None;
        };
        if !self.word_char_at(after_prefix) {
            return None;
        }
        Some(self.trim_url(i, self.nonspace_end(after_prefix)))
    }

    fn nonspace_end(&self, mut e: usize) -> usize {
        while e < self.b.len() {
            let (c, n) = self.ch(e);
            if is_skip(c) || c == '<' || c == '>' || c == '"' || c == '“' || c == '”' {
                break;
            }
            e += n;
        }
        e
    }

    /// Drops trailing punctuation from `start..end` (keeps a `)` closing a `(` of the URL).
    fn trim_url(&self, start: usize, mut end: usize) -> usize {
        let s = &self.b[start..end];
        let mut open = s.iter().filter(|&&b| b == b'(').count();
        let mut close = s.iter().filter(|&&b| b == b')').count();
        loop {
            let Some(c) = self.t[start..end].chars().next_back() else {
                return end;
            };
            let drop = match c {
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '’' | '*' | ']' | '}' => true,
                ')' => close > open,
                _ => false,
            };
            if !drop || end - c.len_utf8() <= start {
                return end;
            }
            if c == ')' {
                close -= 1;
            } else if c == '(' {
                open -= 1;
            }
            end -= c.len_utf8();
        }
    }

    /// An e-mail address starting at `i` (bounded look-ahead).
    fn email(&self, i: usize) -> Option<usize> {
        if i < self.no_email_before.get() {
            return None;
        }
        let mut j = i;
        while j < self.b.len() && j - i <= 64 {
            let b = self.b[j];
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-') {
                j += 1;
            } else {
                break;
            }
        }
        if j == i || self.byte(j) != b'@' {
            if j - i <= 64 {
                self.no_email_before.set(j);
            }
            return None;
        }
        let d = self.host(j + 1)?;
        Some(d)
    }

    /// A host name `label(.label)+` starting at `i` whose last label is a known TLD; bounded.
    fn host(&self, i: usize) -> Option<usize> {
        if i < self.no_host_before.get() {
            return None;
        }
        let mut j = i;
        let mut last_label = i;
        let mut dots = 0;
        loop {
            let start = j;
            while j < self.b.len() && (self.b[j].is_ascii_alphanumeric() || self.b[j] == b'-') {
                j += 1;
                if j - i > 253 {
                    return None;
                }
            }
            if j == start {
                return None;
            }
            if self.byte(j) == b'.' && self.byte(j + 1).is_ascii_alphanumeric() {
                last_label = j + 1;
                dots += 1;
                j += 1;
            } else {
                break;
            }
        }
        let tld = &self.b[last_label..j];
        if dots == 0
            || self.word_char_at(j)
            || !TLDS.iter().any(|t| t.as_bytes().eq_ignore_ascii_case(tld))
        {
            self.no_host_before.set(j);
            return None;
        }
        Some(j)
    }

    /// A bare domain (`wirefly.com`, `amazon.co.uk/help`) at `i`.
    fn domain(&self, i: usize) -> Option<usize> {
        let e = self.host(i)?;
        if self.byte(e) == b'/' {
            return Some(self.trim_url(i, self.nonspace_end(e)));
        }
        Some(e)
    }

    /// The token that starts with a word character at `i`.
    fn word(&self, i: usize) -> usize {
        // `n't` right after a word (the rest of `don't`).
        if i > 0
            && matches!(self.b[i], b'n' | b'N')
            && self.t[..i].chars().next_back().is_some_and(is_word_char)
        {
            if let Some(e) = self.nt_after_n(i + 1) {
                return e;
            }
        }
        let mut e = self.run(i);
        let c0 = self.b[i];
        if c0.is_ascii_alphanumeric() {
            let stop = self.byte(e);
            if matches!(c0 | 0x20, b'h' | b'w' | b'm') {
                if let Some(e) = self.url(i) {
                    return e;
                }
            }
            if matches!(stop, b'@' | b'.' | b'%' | b'+' | b'-') {
                if let Some(e) = self.email(i) {
                    return e;
                }
            }
            if stop == b'.' && e == i + 1 {
                if let Some(e) = self.letter_dots(i) {
                    return e;
                }
            }
            if matches!(stop, b'.' | b'-') {
                if let Some(e) = self.domain(i).or_else(|| self.filename(i)) {
                    return e;
                }
            }
        }
        let mut seg_start = i;
        let mut joined = false;
        // Join across `-`, `&`, numeric separators and word-internal apostrophes.
        while let Some(c) = self.peek(e) {
            let next = e + c.len_utf8();
            let ok = match c {
                '-' | '\u{2010}' | '\u{2011}' => self.word_char_at(next),
                '&' => {
                    self.peek(next).is_some_and(|d| d.is_alphabetic())
                        && self.t[seg_start..e].chars().all(|d| d.is_alphabetic())
                }
                '.' | ',' | ':' | '/' => {
                    let r = self.run(next);
                    is_numeric(&self.b[seg_start..e]) && is_numeric(strip_unit(&self.b[next..r]))
                }
                '\'' | '’' => {
                    // Word-internal unless what follows is a clitic or the `t` of `n't`; a
                    // decade keeps its `'s` (`80's`).
                    let r = self.run(next);
                    let decade = r == next + 1
                        && matches!(self.b[next], b's')
                        && self.b[seg_start..e].iter().all(u8::is_ascii_digit);
                    decade
                        || r > next
                            && self.t[next..r].chars().all(|d| d.is_alphabetic())
                            && self.clitic(e).is_none()
                            && !(e - seg_start >= 2
                                && self.nt_after_n(e - 1 + 1).is_some()
                                && matches!(self.b[e - 1], b'n' | b'N'))
                }
                _ => false,
            };
            if !ok {
                break;
            }
            seg_start = next;
            e = self.run(next);
            joined = true;
        }
        // `don't`: the word ends before the `n` of `n't`.
        if e - seg_start >= 2
            && matches!(self.b[e - 1], b'n' | b'N')
            && self.nt_after_n(e).is_some()
        {
            return e - 1;
        }
        // `5pm`, `10:30pm`, `10k`: the number alone.
        let seg = strip_unit(&self.b[seg_start..e]);
        if seg.len() < e - seg_start {
            return seg_start + seg.len();
        }
        let w = &self.t[i..e];
        if joined {
            return e;
        }
        // `dont`, `cannot`, `gonna`, ... (not `IM`).
        if w.len() <= 8 && w != "IM" {
            for (bare, cut) in BARE_CONTRACTIONS {
                if w.eq_ignore_ascii_case(bare) {
                    return i + cut;
                }
            }
        }
        // Abbreviations keep their dot, except at the end of the text, where EWT splits it off
        // as the sentence's full stop (`etc` `.`).
        if self.byte(e) == b'.' && !self.word_char_at(e + 1) && w.len() <= 6 {
            let capital = self.b[i].is_ascii_uppercase();
            let is = |list: &[&str]| list.iter().any(|a| w.eq_ignore_ascii_case(a));
            let keep = is(ABBREVIATIONS)
                || is(ABBREVIATIONS_CAPITALISED) && (capital || self.continues_after(e + 1))
                || is(ABBREVIATIONS_CONTINUED) && self.continues_after(e + 1)
                // An initial: `John F. Kennedy`.
                || w.len() == 1 && capital && self.capital_after_space(e + 1);
            if keep && !self.at_text_end(e + 1) {
                return e + 1;
            }
        }
        // `Yahoo!` is a name.
        if w.eq_ignore_ascii_case("yahoo") && self.byte(e) == b'!' && !self.at_text_end(e + 1) {
            return e + 1;
        }
        e
    }

    /// The end of `'t` at `j` (the rest of `n't`), if there is one.
    fn nt_after_n(&self, j: usize) -> Option<usize> {
        let a = self.peek(j)?;
        if !is_apos(a) {
            return None;
        }
        let k = j + a.len_utf8();
        (matches!(self.byte(k), b't' | b'T') && !self.word_char_at(k + 1)).then_some(k + 1)
    }

    /// A file name with a known extension (`invoice_2.pdf`) at `i`; bounded.
    fn filename(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while j < self.b.len()
            && (self.b[j].is_ascii_alphanumeric() || matches!(self.b[j], b'_' | b'-'))
        {
            j += 1;
            if j - i > 128 {
                return None;
            }
        }
        if self.byte(j) != b'.' {
            return None;
        }
        let e = self.run(j + 1);
        let ext = &self.b[j + 1..e];
        FILE_EXTENSIONS
            .iter()
            .any(|x| x.as_bytes().eq_ignore_ascii_case(ext))
            .then_some(e)
    }

    /// Only spaces and closing quotes or brackets from `j` to the end of the text.
    fn at_text_end(&self, j: usize) -> bool {
        self.t[j.min(self.t.len())..]
            .chars()
            .all(|c| is_skip(c) || matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»'))
    }

    /// `U.S.`, `e.g.`, `p.m.`: single letters each followed by a dot (`U.S` too), at `i`.
    fn letter_dots(&self, i: usize) -> Option<usize> {
        let mut j = i;
        let mut letters = 0;
        while self.byte(j).is_ascii_alphabetic() {
            if self.byte(j + 1) == b'.' {
                letters += 1;
                j += 2;
            } else if letters >= 1 && !self.word_char_at(j + 1) {
                return Some(j + 1);
            } else {
                return None;
            }
        }
        if letters < 2 || self.word_char_at(j) {
            return None;
        }
        // At the end of the text the last dot is the full stop (`U.S.A` `.`).
        Some(if self.at_text_end(j) { j - 1 } else { j })
    }

    /// A space, then a digit, `#`, or a lower-case letter: the sentence goes on.
    fn continues_after(&self, mut j: usize) -> bool {
        if self.byte(j) == b',' {
            return true;
        }
        let mut spaces = 0;
        while self.byte(j) == b' ' {
            j += 1;
            spaces += 1;
        }
        spaces > 0 && (self.byte(j).is_ascii_digit() || matches!(self.byte(j), b'#' | b'a'..=b'z'))
    }

    fn capital_after_space(&self, j: usize) -> bool {
        self.byte(j) == b' ' && self.peek(j + 1).is_some_and(|c| c.is_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| t.as_str(s)).collect()
    }

    #[test]
    fn clitics() {
        assert_eq!(toks("I don't know"), ["I", "do", "n't", "know"]);
        assert_eq!(toks("can't won't"), ["ca", "n't", "wo", "n't"]);
        assert_eq!(toks("I'm sure"), ["I", "'m", "sure"]);
        assert_eq!(toks("the company's fee"), ["the", "company", "'s", "fee"]);
        assert_eq!(
            toks("it’s the company’s"),
            ["it", "’s", "the", "company", "’s"]
        );
        assert_eq!(toks("DIDN’T"), ["DID", "N’T"]);
        assert_eq!(
            toks("we'll they're you've he'd"),
            ["we", "'ll", "they", "'re", "you", "'ve", "he", "'d"]
        );
        assert_eq!(
            toks("dont cannot gonna im"),
            ["do", "nt", "can", "not", "gon", "na", "i", "m"]
        );
        assert_eq!(toks("O'Brien rock'n'roll"), ["O'Brien", "rock'n'roll"]);
        assert_eq!(toks("the students' fees"), ["the", "students", "'", "fees"]);
        assert_eq!(toks("'quoted'"), ["'", "quoted", "'"]);
        assert_eq!(toks("Amazon.com's fee"), ["Amazon.com", "'s", "fee"]);
    }

    #[test]
    fn kept_whole() {
        assert_eq!(toks("@comcast #fail"), ["@comcast", "#fail"]);
        assert_eq!(
            toks("see http://x.com/a?b=1."),
            ["see", "http://x.com/a?b=1", "."]
        );
        assert_eq!(toks("(www.att.com)"), ["(", "www.att.com", ")"]);
        assert_eq!(
            toks("https://en.wikipedia.org/wiki/AT&T_(company), ok"),
            ["https://en.wikipedia.org/wiki/AT&T_(company)", ",", "ok"]
        );
        assert_eq!(
            toks("mail jo.ann@example.co.uk."),
            ["mail", "jo.ann@example.co.uk", "."]
        );
        assert_eq!(
            toks("Go to wirefly.com now"),
            ["Go", "to", "wirefly.com", "now"]
        );
        assert_eq!(toks("amazon.co.uk/help!"), ["amazon.co.uk/help", "!"]);
        assert_eq!(
            toks("$1,200.50 at 3:30 24/7"),
            ["$", "1,200.50", "at", "3:30", "24/7"]
        );
        assert_eq!(
            toks("on 10/12/2020, 5pm"),
            ["on", "10/12/2020", ",", "5", "pm"]
        );
        assert_eq!(toks("at 10:30PM"), ["at", "10:30", "PM"]);
        assert_eq!(toks("on XX/XX/XXXX I"), ["on", "XX/XX/XXXX", "I"]);
        assert_eq!(
            toks("the U.S. and e.g. p.m."),
            ["the", "U.S.", "and", "e.g.", "p.m", "."]
        );
        assert_eq!(
            toks("paid 10k for TVs, DVDs etc."),
            ["paid", "10", "k", "for", "TVs", ",", "DVDs", "etc", "."]
        );
        assert_eq!(
            toks("Gen. Motors on Sat. at 5"),
            ["Gen.", "Motors", "on", "Sat.", "at", "5"]
        );
        assert_eq!(toks("No. I sat."), ["No", ".", "I", "sat", "."]);
        assert_eq!(
            toks("see invoice_2.pdf or Yahoo! Mail"),
            ["see", "invoice_2.pdf", "or", "Yahoo!", "Mail"]
        );
        assert_eq!(
            toks("mailto:a@b.com ’’Hi’’"),
            ["mailto:a@b.com", "’’", "Hi", "’’"]
        );
        assert_eq!(
            toks("Apple Inc. and Mr. Smith"),
            ["Apple", "Inc.", "and", "Mr.", "Smith"]
        );
        assert_eq!(toks("John F. Kennedy"), ["John", "F.", "Kennedy"]);
        assert_eq!(toks("AT&T and PG&E"), ["AT&T", "and", "PG&E"]);
        assert_eq!(toks("Lord & Taylor"), ["Lord", "&", "Taylor"]);
        assert_eq!(toks("T-Mobile follow-up"), ["T-Mobile", "follow-up"]);
        assert_eq!(toks("call 713-853-3989"), ["call", "713-853-3989"]);
        assert_eq!(toks("17th 2nd"), ["17th", "2nd"]);
        assert_eq!(
            toks("the 80's and '90s, in '68"),
            ["the", "80's", "and", "'90s", ",", "in", "'68"]
        );
    }

    #[test]
    fn punctuation() {
        assert_eq!(toks("No... really?!"), ["No", "...", "really", "?!"]);
        assert_eq!(toks("what...?"), ["what", "...", "?"]);
        assert_eq!(
            toks("Bad service!!! :( :-)"),
            ["Bad", "service", "!!!", ":(", ":-)"]
        );
        assert_eq!(toks("a -- b"), ["a", "--", "b"]);
        assert_eq!(
            toks("\"Hi,\" she said."),
            ["\"", "Hi", ",", "\"", "she", "said", "."]
        );
        assert_eq!(toks("end.The"), ["end", ".", "The"]);
        assert_eq!(toks("it.in"), ["it", ".", "in"]);
        assert_eq!(toks("(50%)"), ["(", "50", "%", ")"]);
        assert_eq!(toks("#1 fan"), ["#", "1", "fan"]);
        assert_eq!(toks("great 👍🏽 🇺🇸!"), ["great", "👍🏽", "🇺🇸", "!"]);
        assert_eq!(toks(":Done"), [":", "Done"]);
    }

    #[test]
    fn spans() {
        let s = "  Hi\u{200B} there\t\n";
        let t = tokenize(s);
        assert_eq!(t, [Token { start: 2, end: 4 }, Token { start: 8, end: 13 }]);
    }

    #[test]
    fn sentences() {
        let s =
            "I called Comcast. They never called back! Worst service\nWhy? Because e.g. this. ok";
        let t = tokenize(s);
        let got: Vec<Vec<&str>> = split_sentences(s, &t)
            .into_iter()
            .map(|r| t[r].iter().map(|x| x.as_str(s)).collect())
            .collect();
        assert_eq!(
            got,
            vec![
                vec!["I", "called", "Comcast", "."],
                vec!["They", "never", "called", "back", "!"],
                vec!["Worst", "service"],
                vec!["Why", "?"],
                vec!["Because", "e.g.", "this", ".", "ok"],
            ]
        );
    }

    fn check(s: &str) {
        let t = tokenize(s);
        let mut prev = 0;
        for tok in &t {
            assert!(tok.start >= prev && tok.end > tok.start, "{s:?}: {tok:?}");
            assert!(s.is_char_boundary(tok.start) && s.is_char_boundary(tok.end));
            assert!(!tok.as_str(s).chars().next().is_some_and(is_skip));
            // Nothing but separators between tokens.
            assert!(
                s[prev..tok.start].chars().all(is_skip),
                "{s:?}: dropped text before {tok:?}"
            );
            prev = tok.end;
        }
        assert!(
            s[prev..].chars().all(is_skip),
            "{s:?}: dropped text at the end"
        );
        let sentences = split_sentences(s, &t);
        let mut next = 0;
        for r in &sentences {
            assert!(r.start == next && r.end > r.start);
            next = r.end;
        }
        assert_eq!(next, t.len());
    }

    #[test]
    fn hostile_inputs() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "'".into(),
            "n't".into(),
            "'s".into(),
            "a'".into(),
            "x@".into(),
            "@".into(),
            "#".into(),
            "http://".into(),
            "www.".into(),
            "a.".into(),
            "U.".into(),
            "1,".into(),
            "\u{0}\u{1}\u{7f}\u{85}\u{2028}".into(),
            "\u{301}\u{301}a\u{301}".into(),
            "\u{200D}\u{200D}👍\u{200D}".into(),
            "🇺".into(),
            "x\u{FE0F}\u{20E3}".into(),
            "ａｂｃ　ＤＥＦ".into(),
            "مرحبا بالعالم".into(),
            "日本語のテキスト。".into(),
            "Ω≈ç√∫˜µ≤≥÷".into(),
        ];
        for unit in [
            "a.", "a-", "1,", "x.y", "a'", "n't", "@a", "X/", ".", "a&", "é", "👍🏽", "www.", ":)",
            "-",
        ] {
            cases.push(unit.repeat(50_000));
        }
        cases.push("a".repeat(1 << 20));
        cases.push("a.b.c.d.e.f.g.h.".repeat(20_000));
        for c in &cases {
            check(c);
        }
        // All char boundaries of a mixed string, cut anywhere.
        let mixed = "Hi @ATT, I'm at http://x.co/(a) e.g. U.S. 1,200.50 👍🏽\u{200D}🔥 don’t—O'Brien";
        for (i, _) in mixed.char_indices() {
            check(&mixed[i..]);
            check(&mixed[..i]);
        }
    }

    #[test]
    fn random_strings() {
        let alphabet: Vec<char> =
            "aZ9_-&.,:/'’`@#!?()\"$% \n\tXnt.sw@hm:)(👍🏽\u{200D}\u{FE0F}\u{301}é日\u{0}"
                .chars()
                .collect();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let mut s = String::new();
            let mut y = x;
            for _ in 0..len {
                y = y
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(y >> 33) as usize % alphabet.len()]);
            }
            check(&s);
        }
    }

    #[test]
    fn redactions() {
        assert!(is_redaction("XXXX"));
        assert!(is_redaction("XX/XX/XXXX"));
        assert!(!is_redaction("X"));
        assert!(!is_redaction("XXL"));
        assert!(!is_redaction("Xx"));
        assert!(is_url_or_email("wirefly.com"));
        assert!(is_url_or_email("a@b.com"));
        assert!(!is_url_or_email("end.The"));
    }
}
