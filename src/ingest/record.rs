//! One structured record (a CSV row, a JSON line) to a [`Document`]: the checks and
//! conversions shared by the CSV and JSON lines readers.

use super::decode::normalize_newlines;
use super::manifest::{EmptyText, SourceSpec};
use crate::model::{Document, Thread};
use std::borrow::Cow;

/// The mapped values of one record, before they are checked: borrowed from the record
/// where it holds them as they are (a CSV row's fields, a JSON line's strings), owned where
/// they had to be made (a JSON number).
#[derive(Debug, Default, Clone)]
pub struct Values<'a> {
    /// Raw id.
    pub id: Option<Cow<'a, str>>,
    /// Text parts, joined with a blank line.
    pub text: Vec<Cow<'a, str>>,
    /// Title.
    pub title: Option<Cow<'a, str>>,
    /// Author.
    pub author: Option<Cow<'a, str>>,
    /// Timestamp parts, joined with a space.
    pub created_at: Vec<Cow<'a, str>>,
    /// Link.
    pub url: Option<Cow<'a, str>>,
    /// Raw id of the parent post.
    pub in_reply_to: Option<Cow<'a, str>>,
    /// Raw ids of the replies.
    pub replies: Vec<Cow<'a, str>>,
    /// Raw conversation id.
    pub conversation_id: Option<Cow<'a, str>>,
    /// Raw inbound flag.
    pub inbound: Option<Cow<'a, str>>,
    /// Given labels (label, value).
    pub given: Vec<(String, Cow<'a, str>)>,
    /// Kept columns (column, value).
    pub meta: Vec<(String, Cow<'a, str>)>,
}

/// Where a record came from.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// File as shown to the user.
    pub file: &'a str,
    /// The file's name within its source (its path below the source's directory), which
    /// record-numbered ids carry: `reddit:posts.csv#12` wherever the file lives.
    pub name: &'a str,
    /// Line where the record starts.
    pub line: u64,
    /// Record number in the file, from 1.
    pub record: u64,
}

/// Checks and converts mapped values into a document, or says why the record cannot be one.
pub fn build(spec: &SourceSpec, at: Location<'_>, v: Values<'_>) -> Result<Document, String> {
    let id_col = spec.fields.id.as_deref().unwrap_or("id");
    let id = match v.id {
        Some(raw) => {
            let raw = normalize_ref(&raw);
            if raw.is_empty() {
                return Err(format!("empty id in {id_col:?}; expected a record id"));
            }
            format!("{}:{raw}", spec.name)
        }
        None if spec.fields.id.is_some() => {
            return Err(format!("missing id {id_col:?}; expected a record id"))
        }
        None => format!("{}:{}#{}", spec.name, at.name, at.record),
    };
    let decode = |s: &str| -> String {
        if spec.html_entities {
            normalize_newlines(&html_escape::decode_html_entities(s))
        } else {
            normalize_newlines(s)
        }
    };
    let text = decode(&joined(&v.text, "\n\n"));
    if text.trim().is_empty() && spec.empty_text == EmptyText::Reject {
        let cols = spec
            .fields
            .text
            .as_ref()
            .map(|c| c.names().join(", "))
            .unwrap_or_default();
        return Err(format!("empty text in {cols:?}; expected text (set empty_text = \"keep\" to keep such records)"));
    }
    let stamp = joined(&v.created_at, " ");
    let created_at = if stamp.is_empty() {
        None
    } else {
        Some(super::date::parse(&stamp, spec.date_format.as_deref())?)
    };
    let reference = |raw: Option<Cow<'_, str>>| -> Option<String> {
        let raw = raw?;
        let r = normalize_ref(&raw);
        (!r.is_empty()).then(|| format!("{}:{r}", spec.name))
    };
    let inbound = match v.inbound.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(parse_bool(raw).ok_or_else(|| {
            format!("inbound {raw:?} is not true or false (expected true/false, yes/no, 1/0)")
        })?),
    };
    let thread = Thread {
        in_reply_to: reference(v.in_reply_to),
        replies: v
            .replies
            .into_iter()
            .filter_map(|r| reference(Some(r)))
            .collect(),
        conversation_id: reference(v.conversation_id),
        inbound,
    };
    let mut meta: std::collections::BTreeMap<String, String> = (v.meta.into_iter())
        .map(|(c, x)| (c, x.into_owned()))
        .collect();
    let mut given = std::collections::BTreeMap::new();
    for (label, raw) in v.given {
        let raw = raw.trim().to_string();
        if raw.is_empty() {
            continue;
        }
        match spec.given_values.get(&label).and_then(|m| m.get(&raw)) {
            Some(mapped) => {
                if mapped != &raw {
                    meta.insert(format!("given_{label}_raw"), raw);
                }
                given.insert(label, mapped.clone());
            }
            None => {
                given.insert(label, raw);
            }
        }
    }
    let clean = |s: Option<Cow<'_, str>>| s.map(|s| decode(s.trim())).filter(|s| !s.is_empty());
    Ok(Document {
        id,
        source: spec.name.clone(),
        kind: spec.kind.clone(),
        shape: spec.shape(),
        channel: spec.channel.clone(),
        file: at.file.to_string(),
        line: at.line,
        url: clean(v.url),
        title: clean(v.title),
        author: clean(v.author),
        created_at,
        text,
        thread,
        given,
        meta,
    })
}

/// The pieces of a field read from several columns, trimmed, without the empty ones,
/// joined by `sep`; the piece itself when there is one (most records: one text column, one
/// time column), without a copy.
fn joined<'a>(pieces: &'a [Cow<'_, str>], sep: &str) -> Cow<'a, str> {
    let mut kept = pieces.iter().map(|p| p.trim()).filter(|p| !p.is_empty());
    match (kept.next(), kept.next()) {
        (None, _) => "".into(),
        (Some(one), None) => one.into(),
        (Some(first), Some(second)) => {
            let mut all = vec![first, second];
            all.extend(kept);
            all.join(sep).into()
        }
    }
}

/// A record id as written by exporters: pandas writes integer ids of a column with
/// missing values as floats ("3.0"), which must still link to tweet 3.
pub fn normalize_ref(raw: &str) -> &str {
    let raw = raw.trim();
    match raw.strip_suffix(".0") {
        Some(int) if !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) => int,
        _ => raw,
    }
}

/// Splits a list of reply ids as CSV exports write them: "9,6,10". The ids borrow from
/// `raw` when it is borrowed.
pub fn split_ids(raw: Cow<'_, str>) -> Vec<Cow<'_, str>> {
    fn pieces(s: &str) -> impl Iterator<Item = &str> {
        s.split([',', ' ', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
    match raw {
        Cow::Borrowed(s) => pieces(s).map(Cow::Borrowed).collect(),
        Cow::Owned(s) => pieces(&s).map(|p| Cow::Owned(p.to_string())).collect(),
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| raw.eq_ignore_ascii_case(w));
    if is(&["true", "t", "yes", "y", "1"]) {
        Some(true)
    } else if is(&["false", "f", "no", "n", "0"]) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::manifest::ManifestFile;

    fn spec(extra: &str) -> SourceSpec {
        let text = format!(
            "version = 1\n[[source]]\nname = \"twcs\"\npath = \"x.csv\"\nformat = \"csv\"\nkind = \"tweet\"\n{extra}\n[source.fields]\nid = \"tweet_id\"\ntext = \"text\"\n"
        );
        toml::from_str::<ManifestFile>(&text)
            .unwrap()
            .sources
            .remove(0)
    }

    const AT: Location<'static> = Location {
        file: "x.csv",
        name: "x.csv",
        line: 2,
        record: 1,
    };

    #[test]
    fn pieces_are_trimmed_and_joined_without_the_empty_ones() {
        let p = |v: &[&'static str]| v.iter().map(|&s| Cow::Borrowed(s)).collect::<Vec<_>>();
        assert_eq!(joined(&p(&[" a ", "", "  ", "b\n"]), "\n\n"), "a\n\nb");
        assert_eq!(
            joined(&p(&["2016-01-01", " 10:00", "UTC"]), " "),
            "2016-01-01 10:00 UTC"
        );
        assert_eq!(joined(&p(&["", " only "]), " "), "only");
        assert!(matches!(
            joined(&p(&[" only "]), " "),
            Cow::Borrowed("only")
        ));
        assert_eq!(joined(&p(&["", " "]), " "), "");
        assert_eq!(joined(&[], " "), "");
    }

    #[test]
    fn thread_ids_are_normalised_and_prefixed() {
        let v = Values {
            id: Some("1".into()),
            text: vec!["@115712 hi &amp; bye".into()],
            in_reply_to: Some("3.0".into()),
            replies: split_ids("9,6,10".into()),
            inbound: Some("False".into()),
            ..Values::default()
        };
        let d = build(&spec("html_entities = true"), AT, v).unwrap();
        assert_eq!(d.id, "twcs:1");
        assert_eq!(d.text, "@115712 hi & bye");
        assert_eq!(d.thread.in_reply_to.as_deref(), Some("twcs:3"));
        assert_eq!(d.thread.replies, vec!["twcs:9", "twcs:6", "twcs:10"]);
        assert_eq!(d.thread.inbound, Some(false));
    }

    #[test]
    fn bad_values_are_rejected_with_reasons() {
        let v = |f: fn(&mut Values<'static>)| {
            let mut v = Values {
                id: Some("1".into()),
                text: vec!["t".into()],
                ..Values::default()
            };
            f(&mut v);
            build(&spec(""), AT, v).unwrap_err()
        };
        assert!(v(|v| v.id = Some(" ".into())).starts_with("empty id in \"tweet_id\""));
        assert!(v(|v| v.text = vec!["  ".into()]).starts_with("empty text in \"text\""));
        assert!(v(|v| v.inbound = Some("maybe".into()))
            .starts_with("inbound \"maybe\" is not true or false"));
        assert!(
            v(|v| v.created_at = vec!["yesterday".into()]).contains("not a date in a known format")
        );
    }

    #[test]
    fn empty_text_kept_when_asked() {
        let v = Values {
            id: Some("7".into()),
            given: vec![("company".into(), "Acme".into())],
            ..Values::default()
        };
        let d = build(&spec("empty_text = \"keep\""), AT, v).unwrap();
        assert_eq!(d.text, "");
        assert_eq!(d.given.get("company").map(String::as_str), Some("Acme"));
    }

    #[test]
    fn inbound_flags_read_in_any_case() {
        for (raw, want) in [("TRUE", true), ("Yes", true), ("t", true), ("1", true)]
            .into_iter()
            .chain([("False", false), ("NO", false), ("n", false), ("0", false)])
        {
            assert_eq!(parse_bool(raw), Some(want), "{raw}");
        }
        for raw in ["", "truth", "2", "oui"] {
            assert_eq!(parse_bool(raw), None, "{raw}");
        }
    }

    #[test]
    fn split_ids_borrow_when_the_list_is_borrowed() {
        let ids = split_ids(" 9, 6;10  ".into());
        assert_eq!(ids, vec!["9", "6", "10"]);
        assert!(ids.iter().all(|i| matches!(i, Cow::Borrowed(_))));
        let owned = split_ids(Cow::Owned("7 8".to_string()));
        assert_eq!(owned, vec!["7", "8"]);
    }

    #[test]
    fn refs_only_strip_float_suffix_of_integers() {
        assert_eq!(normalize_ref("3.0"), "3");
        assert_eq!(normalize_ref("v1.0"), "v1.0");
        assert_eq!(normalize_ref(" 42 "), "42");
    }
}
