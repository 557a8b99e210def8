//! Part-of-speech tagger: the words of a sentence in, one Universal POS tag ([`Upos`]) per
//! word out. An averaged perceptron with a greedy left-to-right decoder, trained on Universal
//! Dependencies English-EWT; the weights are built into the binary.
//!
//! # Use
//!
//! ```
//! use replyscope::tag::{pos::{Model, Upos}, tokens};
//! let text = "I called Comcast and they never called back.";
//! let toks = tokens::tokenize(text);
//! let words = tokens::words(text, &toks);
//! let tags = Model::builtin().tag(&words);
//! assert_eq!(tags[2], Upos::Propn);
//! // Or a whole text: tokens, sentences and tags in one go.
//! let tagged = Model::builtin().tag_text("Lord & Taylor refunded me. THEY NEVER CALLED BACK.");
//! assert_eq!(tagged[0].1, Upos::Propn);
//! ```
//!
//! [`Model::tag`] takes the words of **one sentence**, as [`super::tokens::tokenize`] splits
//! them (EWT's way: `do` `n't`, `company` `'s`, punctuation apart), and returns one tag per
//! word; [`super::tokens::split_sentences`] cuts a text into sentences, and
//! [`Model::tag_text`] does all three. Tagging is pure and thread-safe and never fails (any
//! strings, empty ones included). [`Model::builtin`] parses the embedded `models/pos.bin`
//! once (`OnceLock`; about 1 ms in release).
//!
//! # Training data and licence
//!
//! Trained on the training split of Universal Dependencies English-EWT r2.16 (the English Web
//! Treebank: weblogs, newsgroups, e-mail, Yahoo! Answers, reviews; 12,544 sentences, 204,577
//! words), licensed CC BY-SA 4.0 (annotations © Stanford University; texts from LDC2012T13,
//! <https://github.com/UniversalDependencies/UD_English-EWT>; NOTICE). The weights in `models/pos.bin` are
//! derived from that data and carry its attribution and share-alike terms. The number of
//! iterations, the pruning and the training options were chosen on the dev split; test was
//! measured once at the end.
//!
//! # Accuracy
//!
//! UPOS accuracy with gold tokens: **dev 94.95 %, test 94.88 %** (25,147 and 25,094 words).
//! PROPN precision / recall: dev 0.890 / 0.891, test 0.885 / 0.870. With each sentence's
//! `# text` re-tokenized by [`super::tokens::tokenize`] and aligned to the gold words by
//! character offsets: 98.1 % of the gold words (dev and test) get a token with exactly their
//! span (two thirds of the rest are hyphenated words, which EWT splits and our tokenizer
//! keeps whole), and 95.0 % (dev) / 95.1 % (test) of those are tagged right. The test
//! sentences upper-cased: 93.6 %. The unit tests check the first 500 test sentences
//! (`tests/fixtures/ud-ewt/test-slice.conllu`): 95.7 %.
//!
//! Known weak spots: company names that are also English words (`Chase`, `Best Buy`,
//! `United`, `Discover`, `Sprint`) and unknown names at the start of a sentence or before a
//! noun (`a Comcast customer`) often come out NOUN or ADJ, not PROPN; names in ALL CAPS
//! text are tagged from context alone. Combine with the gazetteer where names matter.
//!
//! # Features
//!
//! In the style of Honnibal's "A good POS tagger in about 200 lines". Per word: the
//! normalised word (lower case, `’` as `'`; numbers by their shape, `!YEAR`; URLs, e-mail
//! addresses, `@handles`, `#hashtags`, emoji and `XXXX` redactions by kind), suffixes of 1–4
//! and prefixes of 1–2 characters, the part after the last hyphen, the word shape (`Xxxx`,
//! `XXX`, `d:dd`, `X-Xxxx`) and a capitalisation class (lower, Title, UPPER, mIxed, single
//! capital, none, redaction). Context: the two previous and two next normalised words, the
//! suffixes of the neighbours, the capitalisation of the neighbours, the two previous tags,
//! the previous tag with the word and with its suffix, and the word bigrams on either side.
//! Two sentence-level signals keep capitals from meaning PROPN wholesale: whether the word
//! starts a sentence (position 0, after `.` `!` `?`, or after opening quotes and leading
//! `@handles`), and the sentence's case mode (normal, ALL CAPS, Title Case, all lower
//! case), which every capitalisation feature is conjoined with. Training adds upper-cased
//! (15 %), title-cased (8 %) and lower-cased (8 %) copies of sentences so that the modes are
//! learnt, copies with runs of capitalised proper nouns joined by hyphens (`Coca-Cola`; 30 %),
//! and each sentence as our tokenizer splits its text wherever that differs from EWT's
//! tokens. Words seen at least 50 times in training with one tag in 99 % of cases are tagged
//! from a dictionary (exact spelling). Two tags are fixed, as EWT has next to no examples:
//! `@handles` are PROPN and emoji SYM. Redactions (`XXXX`) have features training never
//! sees, so their tag comes from context (often PROPN where a name was redacted:
//! [`super::tokens::is_redaction`] tells them apart); redacted dates (`XX/XX/XXXX`) read as
//! numbers.
//!
//! # Model file
//!
//! Features are 64-bit hashes (integer arithmetic only, so the same on every platform);
//! averaged weights are quantised to `i16`, and features whose weights are all below 3 % of
//! the largest weight are dropped ([`TrainOptions::prune`]; no loss on dev, half the size):
//! 79,070 features, 1.4 MB. Layout in [`Model::from_bytes`].
//!
//! # Retraining
//!
//! ```text
//! cargo run --release --example train_pos -- PATH/TO/UD_English-EWT src/tag/models/pos.bin
//! ```
//!
//! reads `en_ewt-ud-{train,dev,test}.conllu` from the directory, trains with
//! [`TrainOptions::default`] (12 passes, about 5 s), writes the model, and prints the
//! accuracies above, the size, the load time and the speed. Training is deterministic (fixed
//! shuffling seed, no hash-map order in anything that affects the result): the same data
//! gives the same bytes.

use super::tokens;
use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::OnceLock;

/// Universal POS tags (<https://universaldependencies.org/u/pos/>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Upos {
    /// Adjective.
    Adj,
    /// Adposition.
    Adp,
    /// Adverb.
    Adv,
    /// Auxiliary.
    Aux,
    /// Coordinating conjunction.
    Cconj,
    /// Determiner.
    Det,
    /// Interjection.
    Intj,
    /// Noun.
    Noun,
    /// Numeral.
    Num,
    /// Particle.
    Part,
    /// Pronoun.
    Pron,
    /// Proper noun.
    Propn,
    /// Punctuation.
    Punct,
    /// Subordinating conjunction.
    Sconj,
    /// Symbol.
    Sym,
    /// Verb.
    Verb,
    /// Other.
    X,
}

/// Number of tags.
const NT: usize = 17;

impl Upos {
    /// All tags, in order of their `u8` value.
    pub const ALL: [Upos; NT] = [
        Upos::Adj,
        Upos::Adp,
        Upos::Adv,
        Upos::Aux,
        Upos::Cconj,
        Upos::Det,
        Upos::Intj,
        Upos::Noun,
        Upos::Num,
        Upos::Part,
        Upos::Pron,
        Upos::Propn,
        Upos::Punct,
        Upos::Sconj,
        Upos::Sym,
        Upos::Verb,
        Upos::X,
    ];

    /// The tag as UD writes it: `"ADJ"`, `"PROPN"`, ...
    pub fn as_str(self) -> &'static str {
        [
            "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
            "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
        ][self as usize]
    }

    fn from_index(i: usize) -> Upos {
        Upos::ALL[i.min(NT - 1)]
    }
}

impl FromStr for Upos {
    type Err = String;

    /// Parses the UD spelling (`"ADJ"`, exact case).
    fn from_str(s: &str) -> Result<Upos, String> {
        Upos::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("not a UPOS tag: {s:?}"))
    }
}

impl fmt::Display for Upos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// CoNLL-U

/// A sentence of a CoNLL-U file: its text and its words (multiword tokens expanded, empty
/// nodes left out) with their gold tags.
#[derive(Debug, Clone, Default)]
pub struct Sentence {
    /// `# sent_id`, or empty.
    pub id: String,
    /// `# text`, or the words joined by their `SpaceAfter` when the file has none.
    pub text: String,
    /// Word forms.
    pub words: Vec<String>,
    /// Gold UPOS, one per word.
    pub tags: Vec<Upos>,
    /// Head of each word: 0 for the root, else 1-based index of the head word.
    pub heads: Vec<usize>,
    /// Byte span of each word in `text`, where the word can be found there (a word of a
    /// multiword token whose parts do not spell the token has none).
    pub spans: Vec<Option<Range<usize>>>,
}

/// Reads the sentences of a CoNLL-U text. Multiword-token lines (`1-2`) and empty nodes
/// (`1.1`) are skipped (the words of a multiword token are kept), and so are lines that are
/// not ten tab-separated columns; an unknown UPOS reads as [`Upos::X`].
pub fn read_conllu(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut cur = Sentence::default();
    // Surface units: (form, first word, last word) in word indices; space after.
    let mut units: Vec<(String, usize, usize)> = Vec::new();
    let mut space_after: Vec<bool> = Vec::new();
    let mut mwt_until = 0usize;
    let mut has_text = false;
    let finish = |cur: &mut Sentence,
                  units: &mut Vec<(String, usize, usize)>,
                  space_after: &mut Vec<bool>,
                  has_text: &mut bool,
                  out: &mut Vec<Sentence>| {
        if !cur.words.is_empty() {
            if !*has_text {
                let mut t = String::new();
                for (k, (form, _, _)) in units.iter().enumerate() {
                    t.push_str(form);
                    if space_after.get(k).copied().unwrap_or(true) && k + 1 < units.len() {
                        t.push(' ');
                    }
                }
                cur.text = t;
            }
            cur.spans = align_units(&cur.text, units, &cur.words);
            out.push(std::mem::take(cur));
        } else {
            *cur = Sentence::default();
        }
        units.clear();
        space_after.clear();
        *has_text = false;
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            finish(
                &mut cur,
                &mut units,
                &mut space_after,
                &mut has_text,
                &mut out,
            );
            mwt_until = 0;
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim_start();
            if let Some(t) = c.strip_prefix("text =") {
                cur.text = t.strip_prefix(' ').unwrap_or(t).to_string();
                has_text = true;
            } else if let Some(t) = c.strip_prefix("sent_id =") {
                cur.id = t.trim().to_string();
            }
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            continue;
        }
        let id = cols[0];
        let no_space = cols[9].split('|').any(|m| m == "SpaceAfter=No");
        if let Some((a, b)) = id.split_once('-') {
            if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                if a >= 1 && b >= a {
                    let first = cur.words.len();
                    units.push((cols[1].to_string(), first, first + (b - a)));
                    space_after.push(!no_space);
                    mwt_until = b;
                }
            }
            continue;
        }
        let Ok(n) = id.parse::<usize>() else { continue };
        cur.words.push(cols[1].to_string());
        cur.tags.push(cols[3].parse().unwrap_or(Upos::X));
        cur.heads.push(cols[6].parse().unwrap_or(0));
        if n > mwt_until {
            let w = cur.words.len() - 1;
            units.push((cols[1].to_string(), w, w));
            space_after.push(!no_space);
        }
    }
    finish(
        &mut cur,
        &mut units,
        &mut space_after,
        &mut has_text,
        &mut out,
    );
    out
}

/// Byte spans of the words in `text`, found unit by unit from left to right.
fn align_units(
    text: &str,
    units: &[(String, usize, usize)],
    words: &[String],
) -> Vec<Option<Range<usize>>> {
    let mut spans = vec![None; words.len()];
    let mut cur = 0;
    for (form, first, last) in units {
        let (first, last) = (*first, (*last).min(words.len().saturating_sub(1)));
        if form.is_empty() || first > last {
            continue;
        }
        let rest = &text[cur..];
        let skipped = rest.len() - rest.trim_start().len();
        let at = if rest[skipped..].starts_with(form.as_str()) {
            Some(cur + skipped)
        } else {
            // Tolerate a little text the tokens do not cover.
            let window = rest.char_indices().nth(24).map_or(rest.len(), |(i, _)| i);
            rest[..window].find(form.as_str()).map(|k| cur + k)
        };
        let Some(start) = at else { continue };
        let end = start + form.len();
        cur = end;
        if first == last {
            spans[first] = Some(start..end);
        } else if words[first..=last].concat() == *form {
            let mut s = start;
            for (k, w) in words[first..=last].iter().enumerate() {
                spans[first + k] = Some(s..s + w.len());
                s += w.len();
            }
        }
    }
    spans
}

// ---------------------------------------------------------------------------------------
// Hashing: features are 64-bit hashes of (template, parts). Pure integer arithmetic, so the
// same on every platform and every Rust version.

const K1: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn fmix(mut z: u64) -> u64 {
    z = z.wrapping_add(K1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    fmix(a.rotate_left(5) ^ b)
}

/// FNV-1a over bytes, streaming.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    fn bytes(&mut self, s: &[u8]) {
        for &b in s {
            self.byte(b);
        }
    }
    fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes());
    }
    fn finish(self) -> u64 {
        fmix(self.0)
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = Fnv::new();
    h.bytes(s.as_bytes());
    h.finish()
}

/// Lower case, with the quote variants EWT mixes mapped to one.
#[inline]
fn norm_char(c: char, mut f: impl FnMut(char)) {
    match c {
        '’' | '‘' | '`' | '´' | 'ʼ' => f('\''),
        '“' | '”' | '„' | '«' | '»' => f('"'),
        c if c.is_ascii() => f(c.to_ascii_lowercase()),
        c => c.to_lowercase().for_each(f),
    }
}

// ---------------------------------------------------------------------------------------
// Word and sentence information.

/// Capitalisation classes.
const CAP_NONE: u8 = 0; // no cased letter
const CAP_LOWER: u8 = 1;
const CAP_TITLE: u8 = 2; // Comcast
const CAP_UPPER: u8 = 3; // IBM (two or more letters)
const CAP_MIXED: u8 = 4; // iPhone, McDonald
const CAP_SINGLE: u8 = 5; // I, A
const CAP_REDACTED: u8 = 6;

/// Sentence case modes.
const MODE_NORMAL: u8 = 0;
const MODE_UPPER: u8 = 1;
const MODE_TITLE: u8 = 2;
const MODE_LOWER: u8 = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Number,
    Url,
    Email,
    Mention,
    Hashtag,
    /// Emoji and other symbols outside ASCII (arrows, dingbats, ...).
    Emoji,
    Redaction,
}

/// What the features need of one word, computed once per word.
#[derive(Clone, Copy, Debug)]
struct Info {
    raw: u64,
    norm: u64,
    suf: [u64; 4],
    pre: [u64; 2],
    shape: u64,
    hyph: u64,
    cap: u8,
    kind: Kind,
    /// Cased letters and upper-case letters.
    cased: u32,
    upper: u32,
    first_upper: bool,
    terminal: bool,
    opener: bool,
}

fn pad_info(name: &str) -> Info {
    let h = hash_str(name);
    Info {
        raw: h,
        norm: h,
        suf: [h; 4],
        pre: [h; 2],
        shape: h,
        hyph: h,
        cap: CAP_NONE,
        kind: Kind::Word,
        cased: 0,
        upper: 0,
        first_upper: false,
        terminal: false,
        opener: false,
    }
}

fn word_kind(w: &str) -> Kind {
    let b = w.as_bytes();
    if b.is_empty() {
        return Kind::Word;
    }
    if b[0] == b'@'
        && w[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return Kind::Mention;
    }
    if b.len() > 1 && b[0] == b'#' && w[1..].chars().any(char::is_alphabetic) {
        return Kind::Hashtag;
    }
    if b[0] >= 0x80 && w.chars().all(is_emoji_char) {
        return Kind::Emoji;
    }
    if tokens::is_redaction(w) {
        return if b.iter().all(|&c| c == b'X') {
            Kind::Redaction
        } else {
            Kind::Number
        };
    }
    if b[0].is_ascii_digit() {
        return Kind::Number;
    }
    if (b.len() > 4 && (b.contains(&b'.') || b.contains(&b'@')) || b.len() > 7 && b.contains(&b':'))
        && tokens::is_url_or_email(w)
    {
        return if b.contains(&b'@') && !w.contains("//") {
            Kind::Email
        } else {
            Kind::Url
        };
    }
    Kind::Word
}

/// A char of an emoji or a symbol: from U+2100 on, not a letter or digit, not CJK or
/// full-width punctuation; or a joiner or variation selector.
fn is_emoji_char(c: char) -> bool {
    let u = c as u32;
    u >= 0x2100
        && !c.is_alphanumeric()
        && !(0x3000..=0x303F).contains(&u)
        && !(0xFF00..=0xFFEF).contains(&u)
        || matches!(u, 0x200D | 0xFE0E | 0xFE0F | 0x20E3)
}

/// The tag of a word whatever its context: `@handles` are PROPN, emoji SYM. EWT has next to
/// none of either, so the model could not learn them.
#[inline]
fn fixed_tag(x: &Info) -> Option<usize> {
    match x.kind {
        Kind::Mention => Some(Upos::Propn as usize),
        Kind::Emoji => Some(Upos::Sym as usize),
        _ => None,
    }
}

/// Shape class of a char.
#[inline]
fn shape_class(c: char, redaction: bool) -> char {
    if c.is_ascii_digit() || redaction && c == 'X' {
        'd'
    } else if c.is_uppercase() {
        'X'
    } else if c.is_lowercase() {
        'x'
    } else if c.is_alphanumeric() {
        'a'
    } else {
        match c {
            '’' | '‘' | '`' => '\'',
            '“' | '”' => '"',
            c => c,
        }
    }
}

/// Hash of the word shape: classes, at most 3 of a run, at most 12 chars.
fn shape_hash(w: &str, redaction: bool, prefix: &str) -> u64 {
    let mut h = Fnv::new();
    h.bytes(prefix.as_bytes());
    let mut last = '\0';
    let mut run = 0;
    let mut n = 0;
    for c in w.chars() {
        let s = shape_class(c, redaction);
        if s == last {
            run += 1;
            if run > 3 {
                continue;
            }
        } else {
            run = 1;
            last = s;
        }
        h.char(s);
        n += 1;
        if n >= 12 {
            h.byte(b'~');
            break;
        }
    }
    h.finish()
}

fn info(w: &str) -> Info {
    let kind = word_kind(w);
    let raw = hash_str(w);
    let (mut cased, mut upper) = (0u32, 0u32);
    let mut first_upper = false;
    // Upper-case letters only at the start of the word or of a part after `-`: `T-Mobile`.
    let mut part_initials_only = true;
    let mut part_start = true;
    for (k, c) in w.chars().enumerate() {
        if c.is_uppercase() {
            cased += 1;
            upper += 1;
            if k == 0 {
                first_upper = true;
            }
            part_initials_only &= part_start;
        } else if c.is_lowercase() {
            cased += 1;
        }
        part_start = c == '-';
    }
    let cap = if kind == Kind::Redaction || kind == Kind::Number && w.contains('X') {
        CAP_REDACTED
    } else if cased == 0 {
        CAP_NONE
    } else if upper == 0 {
        CAP_LOWER
    } else if upper == cased {
        if cased == 1 {
            if first_upper {
                CAP_SINGLE
            } else {
                CAP_MIXED
            }
        } else {
            CAP_UPPER
        }
    } else if first_upper && part_initials_only {
        CAP_TITLE
    } else {
        CAP_MIXED
    };
    let special = |name: &str| {
        let h = hash_str(name);
        (
            h,
            [mix(h, 1), mix(h, 2), mix(h, 3), mix(h, 4)],
            [mix(h, 5), mix(h, 6)],
        )
    };
    let (norm, suf, pre) = match kind {
        Kind::Url => special("!URL"),
        Kind::Email => special("!EMAIL"),
        Kind::Mention => special("!MENTION"),
        Kind::Hashtag => special("!HASHTAG"),
        Kind::Emoji => special("!EMOJI"),
        Kind::Redaction => special("!REDACTED"),
        Kind::Number | Kind::Word => {
            let norm = if kind == Kind::Number {
                let b = w.as_bytes();
                if b.len() == 4 && b.iter().all(u8::is_ascii_digit) && matches!(b[0], b'1' | b'2') {
                    hash_str("!YEAR")
                } else {
                    shape_hash(w, true, "!NUM:")
                }
            } else {
                let mut h = Fnv::new();
                for c in w.chars() {
                    norm_char(c, |d| h.char(d));
                }
                h.finish()
            };
            // Suffixes: the last 1..=4 chars, lower-cased; prefixes: the first 1..=2. The `X`s
            // of a redacted number read as digits.
            let digit = |c: char| {
                if kind == Kind::Number && c == 'X' {
                    '0'
                } else {
                    c
                }
            };
            let mut last = ['\0'; 4];
            let mut n = 0;
            for c in w.chars().rev().take(4) {
                last[n] = digit(c);
                n += 1;
            }
            let mut suf = [0u64; 4];
            for (k, s) in suf.iter_mut().enumerate() {
                let m = (k + 1).min(n);
                let mut h = Fnv::new();
                h.byte(b's');
                for &c in last[..m].iter().rev() {
                    norm_char(c, |d| h.char(d));
                }
                *s = h.finish();
            }
            let mut pre = [0u64; 2];
            for (k, p) in pre.iter_mut().enumerate() {
                let mut h = Fnv::new();
                h.byte(b'p');
                for c in w.chars().take(k + 1) {
                    norm_char(digit(c), |d| h.char(d));
                }
                *p = h.finish();
            }
            (norm, suf, pre)
        }
    };
    let shape = match kind {
        Kind::Redaction => hash_str("!SHAPE-REDACTED"),
        Kind::Url | Kind::Email | Kind::Mention | Kind::Hashtag | Kind::Emoji => norm,
        _ => shape_hash(w, kind == Kind::Number, ""),
    };
    // The part after the last inner hyphen: `follow-up` → `up`.
    let hyph = match w.rfind('-') {
        Some(k) if k > 0 && k + 1 < w.len() && kind == Kind::Word => {
            let mut h = Fnv::new();
            h.byte(b'h');
            for c in w[k + 1..].chars() {
                norm_char(c, |d| h.char(d));
            }
            h.finish()
        }
        _ => 0,
    };
    let terminal = !w.is_empty() && w.bytes().all(|b| matches!(b, b'.' | b'!' | b'?')) || w == "…";
    let opener = matches!(
        w,
        "\"" | "'" | "(" | "[" | "“" | "‘" | "-" | "*" | "--" | "``" | "`"
    );
    Info {
        raw,
        norm,
        suf,
        pre,
        shape,
        hyph,
        cap,
        kind,
        cased,
        upper,
        first_upper,
        terminal,
        opener,
    }
}

/// The case mode of a sentence: ALL CAPS, Title Case, all lower case, or normal.
fn sentence_mode(infos: &[Info]) -> u8 {
    let (mut multi, mut multi_upper, mut title_cands, mut titled, mut alpha) = (0, 0, 0, 0, 0);
    let mut any_upper = false;
    for (i, w) in infos.iter().enumerate() {
        if w.kind != Kind::Word || w.cap == CAP_REDACTED {
            continue;
        }
        if w.cased >= 2 {
            multi += 1;
            if w.cap == CAP_UPPER {
                multi_upper += 1;
            }
        }
        if w.cased >= 1 {
            alpha += 1;
            any_upper |= w.upper > 0;
        }
        if i > 0 && w.cased >= 4 {
            title_cands += 1;
            if w.first_upper {
                titled += 1;
            }
        }
    }
    if multi_upper >= 2 && multi_upper * 5 >= multi * 4 {
        MODE_UPPER
    } else if title_cands >= 3 && titled * 5 >= title_cands * 4 {
        MODE_TITLE
    } else if alpha >= 3 && !any_upper {
        MODE_LOWER
    } else {
        MODE_NORMAL
    }
}

/// A sentence ready for feature extraction: two pads on each side.
struct Prepared {
    infos: Vec<Info>,
    starts: Vec<bool>,
    mode: u8,
}

const PAD: usize = 2;

fn pads() -> &'static [Info; 4] {
    static P: OnceLock<[Info; 4]> = OnceLock::new();
    P.get_or_init(|| {
        [
            pad_info("-START2-"),
            pad_info("-START-"),
            pad_info("-END-"),
            pad_info("-END2-"),
        ]
    })
}

impl Prepared {
    fn new<S: AsRef<str>>(words: &[S]) -> Prepared {
        let mut p = Prepared {
            infos: Vec::new(),
            starts: Vec::new(),
            mode: 0,
        };
        p.fill(words);
        p
    }

    fn fill<S: AsRef<str>>(&mut self, words: &[S]) {
        let pads = pads();
        self.infos.clear();
        self.infos.extend_from_slice(&pads[..2]);
        self.infos.extend(words.iter().map(|w| info(w.as_ref())));
        self.infos.extend_from_slice(&pads[2..]);
        self.mode = sentence_mode(&self.infos[PAD..PAD + words.len()]);
        self.starts.clear();
        for i in 0..words.len() {
            let s = i == 0 || {
                let prev = &self.infos[PAD + i - 1];
                prev.terminal || (prev.opener || prev.kind == Kind::Mention) && self.starts[i - 1]
            };
            self.starts.push(s);
        }
    }

    fn len(&self) -> usize {
        self.infos.len() - 2 * PAD
    }
}

/// Number of features per word.
const NF: usize = 27;

/// Start tags for the history.
const T_START: u64 = NT as u64;
const T_START2: u64 = NT as u64 + 1;

/// The features of word `i` given the two previous tags.
#[inline]
fn features(p: &Prepared, i: usize, t1: u64, t2: u64, f: &mut [u64; NF]) {
    let x = &p.infos[i + PAD];
    let xp = &p.infos[i + PAD - 1];
    let xpp = &p.infos[i + PAD - 2];
    let xn = &p.infos[i + PAD + 1];
    let xnn = &p.infos[i + PAD + 2];
    let mode = p.mode as u64;
    let start = p.starts[i] as u64;
    let cap = x.cap as u64;
    let t = |n: u64| n.wrapping_mul(0x1000_0000_0000_0001);
    f[0] = fmix(t(1));
    f[1] = mix(t(2), x.norm);
    f[2] = mix(t(3), x.suf[0]);
    f[3] = mix(t(4), x.suf[1]);
    f[4] = mix(t(5), x.suf[2]);
    f[5] = mix(t(6), x.suf[3]);
    f[6] = mix(t(7), x.pre[0]);
    f[7] = mix(t(8), x.pre[1]);
    f[8] = mix(mix(t(9), x.shape), mode);
    f[9] = mix(t(10), cap | mode << 8 | start << 16);
    f[10] = mix(t(11), t1);
    f[11] = mix(t(12), t2);
    f[12] = mix(t(13), t1 | t2 << 8);
    f[13] = mix(mix(t(14), t1), x.norm);
    f[14] = mix(t(15), xp.norm);
    f[15] = mix(t(16), xp.suf[2]);
    f[16] = mix(t(17), xpp.norm);
    f[17] = mix(t(18), xn.norm);
    f[18] = mix(t(19), xn.suf[2]);
    f[19] = mix(t(20), xnn.norm);
    f[20] = mix(t(21), xp.cap as u64 | cap << 8 | mode << 16 | start << 24);
    f[21] = mix(t(22), xn.cap as u64 | cap << 8 | mode << 16 | start << 24);
    f[22] = mix(t(23), x.hyph);
    f[23] = mix(t(24), t1 | cap << 8 | mode << 16 | start << 24);
    f[24] = mix(mix(t(25), t1), x.suf[2]);
    f[25] = mix(mix(t(26), xp.norm), x.norm);
    f[26] = mix(mix(t(27), x.norm), xn.norm);
}

// ---------------------------------------------------------------------------------------
// The model.

/// Weights of one feature: a bit per tag with a weight, and where the weights start.
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    mask: u32,
    off: u32,
}

/// An averaged-perceptron POS model: weights (quantised to `i16`) and a tag dictionary.
#[derive(Clone)]
pub struct Model {
    /// Weight of one quantum (for information; tagging compares integer sums).
    scale: f32,
    /// Open addressing, power-of-two size; key 0 is empty.
    slots: Vec<Slot>,
    weights: Vec<i16>,
    /// Tag dictionary: (hash of the word, tag), sorted by hash.
    dict: Vec<(u64, u8)>,
    n_features: usize,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("features", &self.n_features)
            .field("weights", &self.weights.len())
            .field("dict", &self.dict.len())
            .field("scale", &self.scale)
            .finish()
    }
}

const MAGIC: &[u8; 8] = b"RSPOS\x00\x01\x00";

/// A key never 0 (the empty slot).
#[inline]
fn nonzero(k: u64) -> u64 {
    if k == 0 {
        1
    } else {
        k
    }
}

impl Model {
    /// The model built into the binary (`models/pos.bin`), parsed on first use.
    pub fn builtin() -> &'static Model {
        static M: OnceLock<Model> = OnceLock::new();
        M.get_or_init(|| {
            Model::from_bytes(include_bytes!("models/pos.bin"))
                .expect("the built-in POS model is valid")
        })
    }

    /// Number of features with weights.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Tags the words of one sentence.
    pub fn tag<S: AsRef<str>>(&self, words: &[S]) -> Vec<Upos> {
        let mut out = Vec::with_capacity(words.len());
        self.tag_into(words, &mut out);
        out
    }

    /// Tokenizes `text` ([`tokens::tokenize`]), splits it into sentences
    /// ([`tokens::split_sentences`]) and tags each: every token with its tag.
    pub fn tag_text(&self, text: &str) -> Vec<(tokens::Token, Upos)> {
        let toks = tokens::tokenize(text);
        let mut out = Vec::with_capacity(toks.len());
        let mut tags = Vec::new();
        let mut words = Vec::new();
        for r in tokens::split_sentences(text, &toks) {
            words.clear();
            words.extend(toks[r.clone()].iter().map(|t| t.as_str(text)));
            self.tag_into(&words, &mut tags);
            out.extend(toks[r].iter().copied().zip(tags.iter().copied()));
        }
        out
    }

    /// Tags the words of one sentence into `out` (cleared first).
    pub fn tag_into<S: AsRef<str>>(&self, words: &[S], out: &mut Vec<Upos>) {
        out.clear();
        if words.is_empty() {
            return;
        }
        thread_local! {
            static SCRATCH: std::cell::RefCell<Prepared> = const {
                std::cell::RefCell::new(Prepared { infos: Vec::new(), starts: Vec::new(), mode: 0 })
            };
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut p) => {
                p.fill(words);
                self.decode(&p, out);
            }
            Err(_) => self.decode(&Prepared::new(words), out),
        });
    }

    fn decode(&self, p: &Prepared, out: &mut Vec<Upos>) {
        let (mut t1, mut t2) = (T_START, T_START2);
        let mut f = [0u64; NF];
        for i in 0..p.len() {
            let x = &p.infos[i + PAD];
            let tag = match fixed_tag(x).or_else(|| self.lookup_dict(x.raw)) {
                Some(t) => t,
                None => {
                    features(p, i, t1, t2, &mut f);
                    let s = self.scores(&f);
                    argmax(&s)
                }
            };
            out.push(Upos::from_index(tag));
            t2 = t1;
            t1 = tag as u64;
        }
    }

    fn lookup_dict(&self, raw: u64) -> Option<usize> {
        self.dict
            .binary_search_by_key(&raw, |e| e.0)
            .ok()
            .map(|k| self.dict[k].1 as usize)
    }

    /// The tags' scores of a word's features. Each feature costs two reads of memory the
    /// cache rarely holds (its slot, then its weights): all slots are asked for first and
    /// all weights next, so the reads of one word overlap instead of waiting one after
    /// another. The sums are those of reading each feature in turn (integers).
    #[inline]
    fn scores(&self, f: &[u64; NF]) -> [i32; NT] {
        let mask = self.slots.len() - 1;
        let mut at = [0usize; NF];
        for (a, &k) in at.iter_mut().zip(f) {
            *a = (fmix(nonzero(k)) as usize) & mask;
            super::memory::prefetch(&self.slots[*a]);
        }
        let mut found = [(0u32, 0u32); NF];
        let mut n = 0;
        for (&k, &a) in f.iter().zip(&at) {
            let k = nonzero(k);
            let mut h = a;
            loop {
                let slot = &self.slots[h];
                if slot.key == k {
                    if let Some(w) = self.weights.get(slot.off as usize) {
                        super::memory::prefetch(w);
                    }
                    found[n] = (slot.mask, slot.off);
                    n += 1;
                    break;
                }
                if slot.key == 0 {
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        let mut s = [0i32; NT];
        for &(mut m, off) in &found[..n] {
            let mut o = off as usize;
            while m != 0 {
                let t = m.trailing_zeros() as usize;
                s[t] += self.weights[o] as i32;
                o += 1;
                m &= m - 1;
            }
        }
        s
    }

    /// Serialises the model (little-endian; see [`Model::from_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut feats: Vec<&Slot> = self.slots.iter().filter(|s| s.key != 0).collect();
        feats.sort_by_key(|s| s.key);
        let mut b = Vec::with_capacity(
            32 + self.dict.len() * 9 + feats.len() * 11 + self.weights.len() * 2,
        );
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&(NT as u32).to_le_bytes());
        b.extend_from_slice(&self.scale.to_le_bytes());
        b.extend_from_slice(&(self.dict.len() as u32).to_le_bytes());
        b.extend_from_slice(&(feats.len() as u32).to_le_bytes());
        for (h, t) in &self.dict {
            b.extend_from_slice(&h.to_le_bytes());
            b.push(*t);
        }
        for s in &feats {
            b.extend_from_slice(&s.key.to_le_bytes());
        }
        for s in &feats {
            b.extend_from_slice(&s.mask.to_le_bytes()[..3]);
        }
        for s in &feats {
            let n = s.mask.count_ones() as usize;
            for w in &self.weights[s.off as usize..s.off as usize + n] {
                b.extend_from_slice(&w.to_le_bytes());
            }
        }
        b
    }

    /// Parses a model written by [`Model::to_bytes`]: magic `RSPOS\0\1\0`, u32 number of tags
    /// (17), f32 scale, u32 dictionary entries, u32 features; the dictionary (u64 word hash,
    /// u8 tag; ascending); the feature keys (u64, ascending); a 3-byte tag mask per feature;
    /// then, per feature, one i16 weight per bit of its mask.
    pub fn from_bytes(b: &[u8]) -> Result<Model, String> {
        let mut r = Reader { b, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not a replyscope POS model (bad magic)".into());
        }
        let nt = r.u32()? as usize;
        if nt != NT {
            return Err(format!("model has {nt} tags, expected {NT}"));
        }
        let scale = f32::from_le_bytes(r.take(4)?.try_into().map_err(|_| "short")?);
        let n_dict = r.u32()? as usize;
        let n_feat = r.u32()? as usize;
        if n_dict
            .saturating_mul(9)
            .saturating_add(n_feat.saturating_mul(11))
            > b.len()
        {
            return Err("model is truncated".into());
        }
        let mut dict = Vec::with_capacity(n_dict);
        for _ in 0..n_dict {
            let h = r.u64()?;
            let t = r.take(1)?[0];
            if t as usize >= NT {
                return Err(format!("bad tag {t} in dictionary"));
            }
            dict.push((h, t));
        }
        if !dict.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err("dictionary is not sorted".into());
        }
        let keys = r.take(n_feat * 8)?;
        let masks = r.take(n_feat * 3)?;
        let cap = (n_feat * 2).next_power_of_two().max(16);
        let mut slots = vec![Slot::default(); cap];
        let mut total = 0usize;
        let mut mask_of = Vec::with_capacity(n_feat);
        for k in 0..n_feat {
            let m = u32::from_le_bytes([masks[3 * k], masks[3 * k + 1], masks[3 * k + 2], 0]);
            if m >> NT != 0 {
                return Err("bad tag mask".into());
            }
            mask_of.push(m);
            total += m.count_ones() as usize;
        }
        let wbytes = r.take(total * 2)?;
        if r.at != b.len() {
            return Err("trailing bytes after the model".into());
        }
        let weights: Vec<i16> = wbytes
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let m = cap - 1;
        let mut off = 0u32;
        for (k, &mask) in mask_of.iter().enumerate() {
            let key = nonzero(u64::from_le_bytes(
                keys[8 * k..8 * k + 8].try_into().expect("8 bytes"),
            ));
            let mut h = (fmix(key) as usize) & m;
            while slots[h].key != 0 {
                if slots[h].key == key {
                    return Err("duplicate feature".into());
                }
                h = (h + 1) & m;
            }
            slots[h] = Slot { key, mask, off };
            off += mask.count_ones();
        }
        Ok(Model {
            scale,
            slots,
            weights,
            dict,
            n_features: n_feat,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or("model is truncated")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| "short")?,
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "short")?,
        ))
    }
}

/// Highest score; ties go to the lower tag.
#[inline]
fn argmax<T: PartialOrd + Copy>(s: &[T; NT]) -> usize {
    let mut best = 0;
    for t in 1..NT {
        if s[t] > s[best] {
            best = t;
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// Training.

/// Training settings; [`TrainOptions::default`] is what the built-in model used.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Passes over the training data.
    pub iterations: usize,
    /// Seed of the shuffle and of the choice of sentences to copy in other cases.
    pub seed: u64,
    /// Share of sentences added again in upper case, Title Case and lower case.
    pub upper: f64,
    /// See `upper`.
    pub title: f64,
    /// See `upper`.
    pub lower: f64,
    /// Also train on sentences as [`tokens::tokenize`] splits their text, where that differs
    /// from the gold tokens.
    pub retokenized: bool,
    /// Share of sentences added again with runs of capitalised proper nouns joined by hyphens.
    pub hyphen_names: f64,
    /// Drop a feature when all its averaged weights are below this fraction of the largest
    /// weight of the model.
    pub prune: f64,
    /// Tag dictionary: minimum count and minimum share of the commonest tag.
    pub dict_min_count: usize,
    /// See `dict_min_count`.
    pub dict_min_share: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            iterations: 12,
            seed: 0x5EED_1234,
            upper: 0.15,
            title: 0.08,
            lower: 0.08,
            retokenized: true,
            hyphen_names: 0.3,
            prune: 0.03,
            dict_min_count: 50,
            dict_min_share: 0.99,
        }
    }
}

/// Trains a model on the sentences with [`TrainOptions::default`] and `iterations` passes.
pub fn train(sentences: &[Sentence], iterations: usize) -> Model {
    train_with(
        sentences,
        &TrainOptions {
            iterations,
            ..TrainOptions::default()
        },
    )
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(K1);
        fmix(self.0 ^ 0x1234_5678)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Function words a Title Case headline leaves in lower case.
const TITLE_SMALL: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "by", "as", "with",
];

/// The sentence as [`tokens::tokenize`] splits its text, with tags projected from the gold
/// words: a token over one word takes its tag, a token over several words (a hyphenated
/// word) the tag of the one whose head is outside the token. `None` when the tokens are the
/// gold words, or a token splits a gold word.
fn retokenized(s: &Sentence) -> Option<(Vec<String>, Vec<Upos>)> {
    let toks = tokens::tokenize(&s.text);
    let mut words = Vec::with_capacity(toks.len());
    let mut tags = Vec::with_capacity(toks.len());
    let mut differs = false;
    let mut k = 0; // first gold word not before the token
    for t in &toks {
        while k < s.spans.len() && s.spans[k].as_ref().is_some_and(|r| r.end <= t.start) {
            k += 1;
        }
        let mut inside = Vec::new();
        let mut j = k;
        while j < s.spans.len() {
            let r = s.spans[j].as_ref()?;
            if r.start >= t.end {
                break;
            }
            if r.start < t.start || r.end > t.end {
                return None;
            }
            inside.push(j);
            j += 1;
        }
        match inside.len() {
            0 => return None,
            1 => tags.push(s.tags[inside[0]]),
            _ => {
                differs = true;
                let within = |h: usize| h >= 1 && inside.contains(&(h - 1));
                let head = inside.iter().copied().find(|&w| !within(s.heads[w]));
                let head = head.or_else(|| {
                    inside
                        .iter()
                        .copied()
                        .rev()
                        .find(|&w| s.tags[w] != Upos::Punct)
                });
                tags.push(s.tags[head.unwrap_or(inside[0])]);
            }
        }
        words.push(t.as_str(&s.text).to_string());
    }
    if s.spans.iter().any(Option::is_none)
        || tags.len() != toks.len()
        || k_total(&toks, s) != s.words.len()
    {
        return None;
    }
    differs.then_some((words, tags))
}

/// Number of gold words inside some token.
fn k_total(toks: &[tokens::Token], s: &Sentence) -> usize {
    s.spans
        .iter()
        .flatten()
        .filter(|r| {
            let j = toks.partition_point(|t| t.end <= r.start);
            toks.get(j)
                .is_some_and(|t| t.start <= r.start && r.end <= t.end)
        })
        .count()
}

/// The sentence with each run of capitalised proper nouns joined by hyphens (`Coca` `Cola`
/// → `Coca-Cola`), if it has one.
fn hyphen_names(words: &[String], tags: &[Upos]) -> Option<(Vec<String>, Vec<Upos>)> {
    let name = |k: usize| {
        tags[k] == Upos::Propn
            && words[k].chars().next().is_some_and(char::is_uppercase)
            && words[k].chars().all(char::is_alphabetic)
    };
    let (mut w, mut t) = (Vec::new(), Vec::new());
    let mut joined = false;
    let mut k = 0;
    while k < words.len() {
        let mut e = k + 1;
        if name(k) {
            while e < words.len() && name(e) && e - k < 3 {
                e += 1;
            }
        }
        joined |= e > k + 1;
        w.push(words[k..e].join("-"));
        t.push(tags[k]);
        k = e;
    }
    joined.then_some((w, t))
}

/// Trains a model.
pub fn train_with(sentences: &[Sentence], opts: &TrainOptions) -> Model {
    // The tag dictionary.
    let mut counts: HashMap<&str, [usize; NT]> = HashMap::new();
    for s in sentences {
        for (w, t) in s.words.iter().zip(&s.tags) {
            counts.entry(w.as_str()).or_insert([0; NT])[*t as usize] += 1;
        }
    }
    let mut dict: Vec<(u64, u8)> = counts
        .iter()
        .filter_map(|(w, c)| {
            let n: usize = c.iter().sum();
            let best = argmax(c);
            (n >= opts.dict_min_count && c[best] as f64 >= opts.dict_min_share * n as f64)
                .then(|| (hash_str(w), best as u8))
        })
        .collect();
    dict.sort_unstable();
    dict.dedup_by_key(|e| e.0);

    // The training set: the sentences, their re-tokenized forms, and case variants.
    let mut rng = Rng(opts.seed);
    let mut data: Vec<(Prepared, Vec<u8>)> = Vec::new();
    let mut push = |words: &[String], tags: &[Upos]| {
        data.push((
            Prepared::new(words),
            tags.iter().map(|&t| t as u8).collect(),
        ));
    };
    for s in sentences {
        push(&s.words, &s.tags);
        let (words, tags) = match opts.retokenized.then(|| retokenized(s)).flatten() {
            Some((w, t)) => {
                push(&w, &t);
                (w, t)
            }
            None => (s.words.clone(), s.tags.clone()),
        };
        // Hyphenated names (`T-Mobile`, `Coca-Cola`) are rare in EWT, which splits hyphens:
        // join capitalised proper nouns that follow each other, in some sentences.
        if opts.hyphen_names > 0.0 && rng.unit() < opts.hyphen_names {
            if let Some((w, t)) = hyphen_names(&words, &tags) {
                push(&w, &t);
            }
        }
        let r = rng.unit();
        if r < opts.upper {
            let up: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
            push(&up, &tags);
        } else if r < opts.upper + opts.title {
            let title: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let mut c = w.chars();
                    match c.next() {
                        Some(f)
                            if f.is_lowercase()
                                && (i == 0 || !TITLE_SMALL.contains(&w.as_str())) =>
                        {
                            f.to_uppercase().chain(c).collect()
                        }
                        _ => w.clone(),
                    }
                })
                .collect();
            push(&title, &tags);
        } else if r < opts.upper + opts.title + opts.lower {
            let low: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
            push(&low, &tags);
        }
    }

    let mut p = Perceptron::default();
    let dict_of = |raw: u64| {
        dict.binary_search_by_key(&raw, |e| e.0)
            .ok()
            .map(|k| dict[k].1 as usize)
    };
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut f = [0u64; NF];
    for _ in 0..opts.iterations {
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        for &k in &order {
            let (prep, gold) = &data[k];
            let (mut t1, mut t2) = (T_START, T_START2);
            for (i, &gold) in gold.iter().enumerate() {
                // Words of the dictionary are trained on too (their features and weights help
                // the same word in other cases), but the history gets the dictionary's tag,
                // as when tagging.
                features(prep, i, t1, t2, &mut f);
                let guess = argmax(&p.scores(&f));
                p.update(&f, gold as usize, guess);
                let x = &prep.infos[i + PAD];
                let guess = fixed_tag(x).or_else(|| dict_of(x.raw)).unwrap_or(guess);
                t2 = t1;
                t1 = guess as u64;
            }
        }
    }
    p.finish(dict, opts.prune)
}

/// Weights during training: integer weights and the sums for averaging (exact, so the result
/// does not depend on the order of floating-point additions).
#[derive(Default)]
struct Perceptron {
    index: HashMap<u64, u32>,
    w: Vec<[i32; NT]>,
    u: Vec<[i64; NT]>,
    keys: Vec<u64>,
    c: i64,
}

impl Perceptron {
    fn scores(&self, f: &[u64]) -> [i64; NT] {
        let mut s = [0i64; NT];
        for k in f {
            if let Some(&r) = self.index.get(k) {
                for (a, b) in s.iter_mut().zip(&self.w[r as usize]) {
                    *a += *b as i64;
                }
            }
        }
        s
    }

    fn update(&mut self, f: &[u64], gold: usize, guess: usize) {
        self.c += 1;
        if gold == guess {
            return;
        }
        for &k in f {
            let r = *self.index.entry(k).or_insert_with(|| {
                self.w.push([0; NT]);
                self.u.push([0; NT]);
                self.keys.push(k);
                (self.w.len() - 1) as u32
            }) as usize;
            self.w[r][gold] += 1;
            self.u[r][gold] += self.c;
            self.w[r][guess] -= 1;
            self.u[r][guess] -= self.c;
        }
    }

    /// Averages, prunes and quantises.
    fn finish(self, dict: Vec<(u64, u8)>, prune: f64) -> Model {
        let c = self.c.max(1) as f64;
        let avg: Vec<[f64; NT]> = self
            .w
            .iter()
            .zip(&self.u)
            .map(|(w, u)| std::array::from_fn(|t| w[t] as f64 - u[t] as f64 / c))
            .collect();
        let max = avg
            .iter()
            .flatten()
            .fold(0f64, |m, &x| m.max(x.abs()))
            .max(1e-9);
        let scale = max / 32767.0;
        let threshold = prune * max;
        let mut rows: Vec<(u64, u32, Vec<i16>)> = Vec::new();
        for (k, a) in self.keys.iter().zip(&avg) {
            if a.iter().all(|x| x.abs() < threshold) {
                continue;
            }
            let mut mask = 0u32;
            let mut ws = Vec::new();
            for (t, &x) in a.iter().enumerate() {
                let q = (x / scale).round().clamp(-32767.0, 32767.0) as i16;
                if q != 0 && x.abs() >= threshold * 0.25 {
                    mask |= 1 << t;
                    ws.push(q);
                }
            }
            if mask != 0 {
                rows.push((nonzero(*k), mask, ws));
            }
        }
        rows.sort_by_key(|r| r.0);
        let cap = (rows.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![Slot::default(); cap];
        let mut weights = Vec::new();
        for (key, mask, ws) in &rows {
            let mut h = (fmix(*key) as usize) & (cap - 1);
            while slots[h].key != 0 {
                h = (h + 1) & (cap - 1);
            }
            slots[h] = Slot {
                key: *key,
                mask: *mask,
                off: weights.len() as u32,
            };
            weights.extend_from_slice(ws);
        }
        Model {
            scale: scale as f32,
            slots,
            weights,
            dict,
            n_features: rows.len(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// Counts of an evaluation: words, correct tags, and per tag gold / predicted / both.
#[derive(Debug, Clone, Default)]
pub struct Eval {
    /// Words scored.
    pub words: usize,
    /// Words tagged as in the gold data.
    pub correct: usize,
    /// Per tag ([`Upos`] as index): gold count.
    pub gold: [usize; NT],
    /// Per tag: predicted count.
    pub predicted: [usize; NT],
    /// Per tag: predicted and gold.
    pub hits: [usize; NT],
    /// Gold words in total (for re-tokenized evaluation: aligned or not).
    pub gold_words: usize,
}

impl Eval {
    /// Share of words tagged right.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.words.max(1) as f64
    }
    /// Precision of one tag.
    pub fn precision(&self, t: Upos) -> f64 {
        self.hits[t as usize] as f64 / self.predicted[t as usize].max(1) as f64
    }
    /// Recall of one tag.
    pub fn recall(&self, t: Upos) -> f64 {
        self.hits[t as usize] as f64 / self.gold[t as usize].max(1) as f64
    }
    /// Share of gold words scored (1 with gold tokens; aligned words when re-tokenized).
    pub fn aligned(&self) -> f64 {
        self.words as f64 / self.gold_words.max(1) as f64
    }
    fn add(&mut self, gold: Upos, pred: Upos) {
        self.words += 1;
        self.gold[gold as usize] += 1;
        self.predicted[pred as usize] += 1;
        if gold == pred {
            self.correct += 1;
            self.hits[gold as usize] += 1;
        }
    }
}

/// Tags the gold words of each sentence and compares with the gold tags.
pub fn evaluate(model: &Model, sentences: &[Sentence]) -> Eval {
    let mut e = Eval::default();
    let mut out = Vec::new();
    for s in sentences {
        model.tag_into(&s.words, &mut out);
        for (g, p) in s.tags.iter().zip(&out) {
            e.add(*g, *p);
        }
        e.gold_words += s.words.len();
    }
    e
}

/// Tokenizes each sentence's text with [`tokens::tokenize`], tags the tokens, and scores the
/// gold words that have a token with exactly their character span.
pub fn evaluate_retokenized(model: &Model, sentences: &[Sentence]) -> Eval {
    let mut e = Eval::default();
    let mut out = Vec::new();
    for s in sentences {
        let toks = tokens::tokenize(&s.text);
        let words = tokens::words(&s.text, &toks);
        model.tag_into(&words, &mut out);
        for (k, span) in s.spans.iter().enumerate() {
            if let Some(r) = span {
                if let Ok(j) = toks.binary_search_by_key(&r.start, |t| t.start) {
                    if toks[j].end == r.end {
                        e.add(s.tags[k], out[j]);
                    }
                }
            }
        }
        e.gold_words += s.words.len();
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLICE: &str = include_str!("../../tests/fixtures/ud-ewt/test-slice.conllu");

    fn tag_text(text: &str) -> Vec<(String, Upos)> {
        let toks = tokens::tokenize(text);
        let words = tokens::words(text, &toks);
        let tags = Model::builtin().tag(&words);
        words.iter().map(|w| w.to_string()).zip(tags).collect()
    }

    fn tag_of(tagged: &[(String, Upos)], w: &str) -> Upos {
        tagged
            .iter()
            .find(|(x, _)| x == w)
            .map(|x| x.1)
            .unwrap_or_else(|| panic!("{w} not in {tagged:?}"))
    }

    #[test]
    fn upos_strings() {
        for t in Upos::ALL {
            assert_eq!(t.as_str().parse::<Upos>(), Ok(t));
            assert_eq!(Upos::from_index(t as usize), t);
        }
        assert!("propn".parse::<Upos>().is_err());
    }

    #[test]
    fn reads_conllu() {
        let s = read_conllu(SLICE);
        assert_eq!(s.len(), 500);
        let words: usize = s.iter().map(|s| s.words.len()).sum();
        assert!(words > 5000);
        for x in &s {
            assert_eq!(x.words.len(), x.tags.len());
            assert_eq!(x.words.len(), x.spans.len());
            for (w, sp) in x.words.iter().zip(&x.spans) {
                if let Some(r) = sp {
                    assert_eq!(&x.text[r.clone()], w.as_str());
                }
            }
        }
        assert_eq!(s[0].text, "What if Google Morphed Into GoogleOS?");
        assert_eq!(s[0].tags[2], Upos::Propn);
    }

    #[test]
    fn accuracy_on_test_slice() {
        let s = read_conllu(SLICE);
        let m = Model::builtin();
        let e = evaluate(m, &s);
        let r = evaluate_retokenized(m, &s);
        println!(
            "test slice ({} sentences, {} words): UPOS accuracy {:.4}; PROPN precision {:.3} recall {:.3}",
            s.len(),
            e.words,
            e.accuracy(),
            e.precision(Upos::Propn),
            e.recall(Upos::Propn)
        );
        println!(
            "re-tokenized: {:.4} of words aligned, accuracy {:.4}",
            r.aligned(),
            r.accuracy()
        );
        assert!(e.accuracy() >= 0.945, "accuracy {}", e.accuracy());
        assert!(e.recall(Upos::Propn) >= 0.88 && e.precision(Upos::Propn) >= 0.9);
        assert!(r.aligned() >= 0.96 && r.accuracy() >= 0.945);
    }

    #[test]
    fn company_names_are_propn() {
        let t = tag_text("I called Comcast and they never called back.");
        assert_eq!(tag_of(&t, "Comcast"), Upos::Propn);
        assert_eq!(tag_of(&t, "called"), Upos::Verb);
        assert_eq!(tag_of(&t, "I"), Upos::Pron);
        let t = tag_text("Lord & Taylor refunded me.");
        assert_eq!(tag_of(&t, "Lord"), Upos::Propn);
        assert_eq!(tag_of(&t, "Taylor"), Upos::Propn);
        assert_eq!(tag_of(&t, "refunded"), Upos::Verb);
        let t = tag_text("A spokesperson for FedEx said in a statement");
        assert_eq!(tag_of(&t, "FedEx"), Upos::Propn);
        assert_eq!(tag_of(&t, "said"), Upos::Verb);
        assert_eq!(tag_of(&t, "spokesperson"), Upos::Noun);
    }

    #[test]
    fn sentence_starts_are_not_propn() {
        let t = tag_text("Yesterday I called them.");
        assert_ne!(tag_of(&t, "Yesterday"), Upos::Propn);
        assert_eq!(tag_of(&t, "called"), Upos::Verb);
        let t = tag_text("THEY NEVER CALLED BACK.");
        assert!(t.iter().all(|(_, u)| *u != Upos::Propn), "{t:?}");
        assert_eq!(tag_of(&t, "CALLED"), Upos::Verb);
        let t = tag_text("CAPITAL ONE BANK IS FALSELY REPORTING MY ACCOUNT AS LATE");
        assert_eq!(tag_of(&t, "REPORTING"), Upos::Verb);
        assert_eq!(tag_of(&t, "MY"), Upos::Pron);
    }

    #[test]
    fn headlines_tweets_and_redactions() {
        let t = tag_text("Comcast Is The Worst Company In America");
        assert_eq!(tag_of(&t, "Comcast"), Upos::Propn);
        assert_eq!(tag_of(&t, "Is"), Upos::Aux);
        assert_eq!(tag_of(&t, "The"), Upos::Det);
        assert_ne!(tag_of(&t, "Worst"), Upos::Propn);
        let t = tag_text("@comcast why is my internet down again?? 😡 #fail");
        assert_eq!(tag_of(&t, "@comcast"), Upos::Propn);
        assert_eq!(tag_of(&t, "is"), Upos::Aux);
        assert_eq!(tag_of(&t, "internet"), Upos::Noun);
        assert_eq!(tag_of(&t, "😡"), Upos::Sym);
        let t = tag_text("I contacted them on XX/XX/XXXX and paid $XXXX.");
        assert_eq!(tag_of(&t, "XX/XX/XXXX"), Upos::Num);
        assert_eq!(tag_of(&t, "contacted"), Upos::Verb);
        let tagged =
            Model::builtin().tag_text("Verizon charged me twice. I called them.\nNo reply");
        let words: Vec<Upos> = tagged.iter().map(|x| x.1).collect();
        assert_eq!(words.len(), 11);
        assert_eq!(words[0], Upos::Propn);
        assert_eq!(words[5], Upos::Pron);
    }

    #[test]
    fn model_round_trip() {
        let m = Model::builtin();
        let b = m.to_bytes();
        let m2 = Model::from_bytes(&b).unwrap();
        assert_eq!(m2.to_bytes(), b);
        assert!(Model::from_bytes(&b[..b.len() - 1]).is_err());
        assert!(Model::from_bytes(b"RSPOS").is_err());
        assert!(Model::from_bytes(&[]).is_err());
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let m = Model::builtin();
        let empty: [&str; 0] = [];
        assert!(m.tag(&empty).is_empty());
        let odd = [
            "",
            " ",
            "\u{0}",
            "XXXX",
            "XX/XX/XXXX",
            "@",
            "#",
            "👍🏽",
            "\u{301}",
            "ǅ",
            "ß",
            "İ",
        ];
        assert_eq!(m.tag(&odd).len(), odd.len());
        let long = "a".repeat(100_000);
        assert_eq!(m.tag(&[long.as_str()]).len(), 1);
    }

    #[test]
    fn tiny_training_is_deterministic() {
        let s = read_conllu(SLICE);
        let a = train(&s[..60], 2).to_bytes();
        let b = train(&s[..60], 2).to_bytes();
        assert_eq!(a, b);
    }
}
