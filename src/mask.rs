//! Masking of personal data in texts shown to readers: report excerpts, search snippets,
//! `explain` and exported evidence. Takes a text, returns it with private customers' @handles
//! replaced by a pseudonym (`@user_7f3a91c2`, the same for the same handle throughout one
//! run), e-mail addresses by `[email]`, phone numbers by `[phone]`, card numbers by `[card]`,
//! account numbers by `[account]` and street addresses by `[address]`. Company accounts stay
//! readable. Never touches the index: tables, offsets and ids are the stored ones.
//!
//! A pseudonym is the first 8 hex digits of HMAC-SHA256(key, handle in lower case), with a
//! key of 32 random bytes drawn when the run starts and recorded nowhere: within a run the
//! same handle always gets the same pseudonym (two tweets of one customer stay linked), but
//! nobody, the researcher included, can recompute it from a list of candidate handles, and
//! two runs give unrelated pseudonyms.
//!
//! What is deliberately left as written (each has a test): dates, times, prices, flight
//! numbers, order, case, ticket, confirmation and tracking numbers (they name an order or a
//! shipment, not a person, and are often the evidence of what the company did), toll-free
//! numbers (800, 888, 877, 866, 855, 844, 833: companies' service lines), ZIP codes on their
//! own, web addresses, and durations such as "a 10 minute drive".

use crate::error::Result;
use regex::Regex;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

/// Whether a run masks personal data (the default) or shows it (`--unmask`), as manifests
/// record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Personal data masked.
    Masked,
    /// Shown as written (`--unmask`).
    Unmasked,
}

impl Mode {
    /// The mode a command's `--unmask` flag asks for.
    pub fn from_unmask(unmask: bool) -> Mode {
        if unmask {
            Mode::Unmasked
        } else {
            Mode::Masked
        }
    }

    /// "masked" or "unmasked".
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Masked => "masked",
            Mode::Unmasked => "unmasked",
        }
    }
}

/// Masks texts of one run. Cheap to share: build once, use from every thread.
pub struct Masker {
    mode: Mode,
    key: [u8; 32],
    /// Company accounts, lower case, without the `@`.
    companies: HashSet<String>,
}

impl std::fmt::Debug for Masker {
    // The key stays out of every printout.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("mode", &self.mode)
            .field("companies", &self.companies.len())
            .finish()
    }
}

/// What replaces a piece of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Kept as written: a web address, a toll-free number, an order or tracking number.
    /// Claims its bytes so no other pattern masks part of it.
    Keep,
    Email,
    Handle,
    Card,
    Account,
    Phone,
    Address,
}

/// One piece of the text to replace: byte span and kind.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    kind: Kind,
}

impl Masker {
    /// A masker with a fresh random key (recorded nowhere) and these company accounts
    /// (handles with or without `@`, any case).
    pub fn new<I, S>(companies: I) -> Masker
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Masker::with_key(run_key(), companies)
    }

    /// A masker with a given key: the same key gives the same pseudonyms (tests).
    pub fn with_key<I, S>(key: [u8; 32], companies: I) -> Masker
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Masker {
            mode: Mode::Masked,
            key,
            companies: companies
                .into_iter()
                .map(|h| h.as_ref().trim_start_matches('@').to_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        }
    }

    /// A masker that shows everything as written (`--unmask`).
    pub fn unmasked() -> Masker {
        Masker {
            mode: Mode::Unmasked,
            key: [0; 32],
            companies: HashSet::new(),
        }
    }

    /// The masker for texts of an index: company accounts are the authors of the index's
    /// company posts (handles that answer as a company in threads) and every @handle the
    /// tagger resolved to a company (gazetteer, support-handle patterns). With `unmask`,
    /// nothing is masked and the index is not read.
    pub fn for_index(dir: &Path, unmask: bool) -> Result<Masker> {
        Masker::for_indexes(std::slice::from_ref(&dir.to_path_buf()), unmask)
    }

    /// The masker for texts of several indexes (the shards of one corpus): the company
    /// accounts of all of them.
    pub fn for_indexes(dirs: &[std::path::PathBuf], unmask: bool) -> Result<Masker> {
        if unmask {
            return Ok(Masker::unmasked());
        }
        let mut accounts = HashSet::new();
        for dir in dirs {
            accounts.extend(company_accounts(dir)?);
        }
        Ok(Masker::new(accounts))
    }

    /// Masked or unmasked.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether a handle (with or without `@`) is a company account.
    pub fn is_company(&self, handle: &str) -> bool {
        self.companies
            .contains(&handle.trim_start_matches('@').to_lowercase())
    }

    /// The pseudonym of a private handle or author id, without `@`: `user_` and the first 8
    /// hex digits of HMAC-SHA256(run key, lower-case handle).
    pub fn pseudonym(&self, handle: &str) -> String {
        let h = hmac_sha256(
            &self.key,
            handle.trim_start_matches('@').to_lowercase().as_bytes(),
        );
        format!("user_{}", crate::ingest::hex(&h[..4]))
    }

    /// A document's author as shown: company accounts as written, anyone else as a pseudonym.
    pub fn author(&self, author: &str) -> String {
        if self.mode == Mode::Unmasked || author.is_empty() || self.is_company(author) {
            author.to_string()
        } else {
            self.pseudonym(author)
        }
    }

    /// The text with its personal data masked.
    pub fn text(&self, text: &str) -> String {
        self.text_keeping(text, &[]).0
    }

    /// The text masked, and where the given byte spans of the original text lie in it. A
    /// span boundary inside a masked piece moves to that piece's start (span start) or end
    /// (span end), so a span covering a handle covers its pseudonym.
    pub fn text_keeping(
        &self,
        text: &str,
        spans: &[(usize, usize)],
    ) -> (String, Vec<(usize, usize)>) {
        if self.mode == Mode::Unmasked {
            return (text.to_string(), spans.to_vec());
        }
        let found = self.find(text);
        let mut out = String::with_capacity(text.len());
        // (original start, original end, new start, new end) of each replacement.
        let mut moved: Vec<(usize, usize, usize, usize)> = Vec::new();
        let mut at = 0;
        for f in &found {
            out.push_str(&text[at..f.start]);
            let new_start = out.len();
            out.push_str(&self.replacement(&text[f.start..f.end], f.kind));
            moved.push((f.start, f.end, new_start, out.len()));
            at = f.end;
        }
        out.push_str(&text[at..]);
        let map = |p: usize, is_end: bool| -> usize {
            let mut delta: isize = 0;
            for &(s, e, ns, ne) in &moved {
                if p <= s {
                    break;
                }
                if p < e {
                    // Inside a replaced piece: a start moves to its start, an end to its end.
                    return if is_end { ne } else { ns };
                }
                delta = ne as isize - e as isize;
            }
            (p as isize + delta) as usize
        };
        let spans = spans
            .iter()
            .map(|&(s, e)| {
                let (s, e) = (s.min(text.len()), e.min(text.len()));
                let ns = map(s, false);
                (ns, map(e, true).max(ns))
            })
            .collect();
        (out, spans)
    }

    /// Pieces of one text (e.g. before, match, after) masked as one text, so a handle or a
    /// number that crosses a boundary is still found, then cut at the same boundaries.
    pub fn parts(&self, parts: &[&str]) -> Vec<String> {
        let whole: String = parts.concat();
        let mut bounds = Vec::with_capacity(parts.len());
        let mut at = 0;
        for p in parts {
            bounds.push((at, at + p.len()));
            at += p.len();
        }
        let (masked, spans) = self.text_keeping(&whole, &bounds);
        let mut out = Vec::with_capacity(parts.len());
        let mut from = 0;
        for (i, &(_, e)) in spans.iter().enumerate() {
            let end = if i + 1 == spans.len() {
                masked.len()
            } else {
                e.max(from)
            };
            out.push(masked[from..end].to_string());
            from = end;
        }
        out
    }

    fn replacement(&self, piece: &str, kind: Kind) -> String {
        match kind {
            Kind::Keep => piece.to_string(),
            Kind::Email => "[email]".into(),
            Kind::Handle => format!("@{}", self.pseudonym(piece)),
            Kind::Card => "[card]".into(),
            Kind::Account => "[account]".into(),
            Kind::Phone => "[phone]".into(),
            Kind::Address => "[address]".into(),
        }
    }

    /// Every piece of personal data in the text, in order, not overlapping. Patterns are
    /// tried in priority order; a piece claimed by an earlier one (a web address, an e-mail
    /// address) is not looked at again by a later one (the handle inside an e-mail).
    fn find(&self, text: &str) -> Vec<Found> {
        // Claimed pieces by start: a new piece is checked against its neighbours only, so a
        // text with a million numbers is not compared a million times over.
        let mut claimed: std::collections::BTreeMap<usize, (usize, Kind)> =
            std::collections::BTreeMap::new();
        let mut add = |start: usize, end: usize, kind: Kind| {
            if start >= end {
                return;
            }
            let before = claimed.range(..=start).next_back();
            let after = claimed.range(start..).next();
            let overlaps = before.is_some_and(|(_, &(e, _))| e > start)
                || after.is_some_and(|(&s, _)| s < end);
            if !overlaps {
                claimed.insert(start, (end, kind));
            }
        };
        for m in URL.find_iter(text) {
            add(m.start(), m.end(), Kind::Keep);
        }
        for m in EMAIL.find_iter(text) {
            add(m.start(), m.end(), Kind::Email);
        }
        for m in HANDLE.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            // Part of a word, an e-mail address or a path: not a handle.
            if before.is_some_and(|c| c.is_alphanumeric() || "_@./".contains(c)) {
                continue;
            }
            let kind = if self.is_company(m.as_str()) {
                Kind::Keep
            } else {
                Kind::Handle
            };
            add(m.start(), m.end(), kind);
        }
        // Numbers that name an order, a shipment or a flight: kept whole, so no digit run
        // inside them reads as a card or a phone.
        for c in NOT_PERSONAL.captures_iter(text) {
            let g = c.get(1).expect("group 1");
            add(g.start(), g.end(), Kind::Keep);
        }
        for c in ACCOUNT.captures_iter(text) {
            let g = c.get(1).expect("group 1");
            add(g.start(), g.end(), Kind::Account);
        }
        for m in IBAN.find_iter(text) {
            add(m.start(), m.end(), Kind::Account);
        }
        for m in CARD.find_iter(text) {
            let digits: Vec<u32> = m.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
            if (13..=19).contains(&digits.len()) && luhn(&digits) {
                add(m.start(), m.end(), Kind::Card);
            }
        }
        for c in PHONE_NANP.captures_iter(text) {
            let m = c.get(0).expect("match");
            let area = c.name("area").or(c.name("a1")).map_or("", |a| a.as_str());
            let kind = if TOLL_FREE.contains(&area) {
                Kind::Keep
            } else {
                Kind::Phone
            };
            add(m.start(), m.end(), kind);
        }
        for re in [&*PHONE_INTL, &*PHONE_TRUNK] {
            for m in re.find_iter(text) {
                // Nine digits at least: "+0100 2017" is a time zone and a year.
                if m.as_str().chars().filter(char::is_ascii_digit).count() >= 9 {
                    add(m.start(), m.end(), Kind::Phone);
                }
            }
        }
        for c in PHONE_SAID.captures_iter(text) {
            let g = c.get(1).expect("group 1");
            add(g.start(), g.end(), Kind::Phone);
        }
        for re in [&*ADDRESS, &*PO_BOX] {
            for m in re.find_iter(text) {
                add(m.start(), m.end(), Kind::Address);
            }
        }
        // Kept pieces only had to claim their bytes.
        claimed
            .into_iter()
            .filter(|(_, (_, kind))| *kind != Kind::Keep)
            .map(|(start, (end, kind))| Found { start, end, kind })
            .collect()
    }
}

/// Toll-free area codes of the North American plan: companies' service lines.
const TOLL_FREE: &[&str] = &["800", "888", "877", "866", "855", "844", "833"];

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:https?://|www\.)[^\s<>]+").expect("static regex"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
        .expect("static regex")
});
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@[A-Za-z0-9_]{1,30}\b").expect("static regex"));
static NOT_PERSONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:order|tracking|track|shipment|parcel|package|case|ticket|confirmation|conf|reference|ref|booking|reservation|flight|invoice|claim|incident|pnr|record locator)(?:\s+(?:number|no\.?|num|id|code))?\s*(?:(?:is|[:#])\s*)*([A-Z0-9][A-Z0-9-]{3,})\b",
    )
    .expect("static regex")
});
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:account|acct|a/c|member(?:ship)?|policy|loan|routing|customer|subscriber)(?:\s+(?:number|no\.?|num|id))?\s*(?:(?:is|[:#])\s*)*(\d[\d -]{4,}\d)\b",
    )
    .expect("static regex")
});
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
        .expect("static regex")
});
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("static regex"));
static PHONE_NANP: LazyLock<Regex> = LazyLock::new(|| {
    // Three groups with a separator before the last: a bare run of ten digits is an order
    // number as often as a phone number (PHONE_SAID takes those after "call me at").
    Regex::new(
        r"(?:\+?\b1[\s.-]?)?(?:\((?P<a1>\d{3})\)\s?|\b(?P<area>\d{3})[\s.-]?)\d{3}[\s.-]\d{4}\b",
    )
    .expect("static regex")
});
static PHONE_INTL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+[1-9]\d{0,2}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,4}\b")
        .expect("static regex")
});
static PHONE_TRUNK: LazyLock<Regex> = LazyLock::new(|| {
    // National numbers with a trunk 0 (UK, Europe, Australia): 020 7946 0958, 07700 900123.
    Regex::new(r"\b0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}\b").expect("static regex")
});
static PHONE_SAID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:call|text|phone|cell|mobile|tel|reach me|contact me|my number)\b[^\d\n]{0,20}(\+?\d{10,13})\b",
    )
    .expect("static regex")
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b\d{1,6}[A-Za-z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Circle|Parkway|Pkwy|Highway|Hwy|Square|Trail|STREET|ST|AVENUE|AVE|ROAD|RD|BLVD|LANE|LN|DRIVE|DR)\b\.?(?:\s+(?:NW|NE|SW|SE))?(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*[A-Za-z0-9-]+)?",
    )
    .expect("static regex")
});
static PO_BOX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bP\.?\s?O\.?\s+Box\s+\d+\b").expect("static regex"));

/// The Luhn check every payment card number passes (and 9 in 10 random digit runs fail).
fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// HMAC-SHA256 (RFC 2104) of a message under a 32-byte key.
fn hmac_sha256(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(key);
    let inner = Sha256::new()
        .chain_update(k.map(|b| b ^ 0x36))
        .chain_update(msg)
        .finalize();
    let outer = Sha256::new()
        .chain_update(k.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize();
    outer.into()
}

/// 32 random bytes for this run's key: from the operating system's generator, else from
/// the random keys the standard library's hash maps draw from it.
fn run_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        if f.read_exact(&mut key).is_ok() {
            return key;
        }
    }
    use std::hash::{BuildHasher, Hasher};
    for chunk in key.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    key
}

/// Company accounts of an index: authors of company posts (inbound = false) and @handles
/// the tagger resolved to a company.
fn company_accounts(dir: &Path) -> Result<HashSet<String>> {
    use crate::schema::{value, Table, D, M};
    use polars::prelude::*;
    let mut out = HashSet::new();
    let mut add = |df: DataFrame, name: &str| -> Result<()> {
        let c = df.column(name)?.cast(&DataType::String)?;
        for v in c.str()?.iter().flatten() {
            let h = v.trim_start_matches('@').to_lowercase();
            if !h.is_empty() {
                out.insert(h);
            }
        }
        Ok(())
    };
    let docs = Table::Documents.scan(dir)?;
    let names: Vec<String> = docs
        .clone()
        .collect_schema()?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let has = |c: D| names.iter().any(|n| n == c.name());
    if has(D::Inbound) && has(D::Author) {
        add(
            docs.filter(D::Inbound.col().eq(lit(false)))
                .select([D::Author.col()])
                .unique(None, UniqueKeepStrategy::Any)
                .collect()?,
            D::Author.name(),
        )?;
    }
    add(
        Table::Mentions
            .scan(dir)?
            .filter(
                M::Set
                    .col()
                    .eq(lit(value::COMPANY))
                    .and(M::Surface.col().str().starts_with(lit("@"))),
            )
            .select([M::Surface.col()])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?,
        M::Surface.name(),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests;
