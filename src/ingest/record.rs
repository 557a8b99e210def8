//! One structured record (a CSV row, a JSON line) to a [`Document`]: the checks and
//! conversions shared by the CSV and JSON lines readers.

use super::decode::normalize_newlines;
use super::manifest::{EmptyText, SourceSpec};
use crate::model::{Document, Thread};

/// The mapped values of one record, before they are checked.
#[derive(Debug, Default, Clone)]
pub struct Values {
    /// Raw id.
    pub id: Option<String>,
    /// Text parts, joined with a blank line.
    pub text: Vec<String>,
    /// Title.
    pub title: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Timestamp parts, joined with a space.
    pub created_at: Vec<String>,
    /// Link.
    pub url: Option<String>,
    /// Raw id of the parent post.
    pub in_reply_to: Option<String>,
    /// Raw ids of the replies.
    pub replies: Vec<String>,
    /// Raw conversation id.
    pub conversation_id: Option<String>,
    /// Raw inbound flag.
    pub inbound: Option<String>,
    /// Given labels (label, value).
    pub given: Vec<(String, String)>,
    /// Kept columns (column, value).
    pub meta: Vec<(String, String)>,
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
pub fn build(spec: &SourceSpec, at: Location<'_>, v: Values) -> Result<Document, String> {
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
    let reference = |raw: Option<String>| -> Option<String> {
        raw.map(|r| normalize_ref(&r))
            .filter(|r| !r.is_empty())
            .map(|r| format!("{}:{r}", spec.name))
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
    let mut meta: std::collections::BTreeMap<String, String> = v.meta.into_iter().collect();
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
    let clean = |s: Option<String>| s.map(|s| decode(s.trim())).filter(|s| !s.is_empty());
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
fn joined<'a>(pieces: &'a [String], sep: &str) -> std::borrow::Cow<'a, str> {
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
pub fn normalize_ref(raw: &str) -> String {
    let raw = raw.trim();
    match raw.strip_suffix(".0") {
        Some(int) if !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) => int.to_string(),
        _ => raw.to_string(),
    }
}

/// Splits a list of reply ids as CSV exports write them: "9,6,10".
pub fn split_ids(raw: &str) -> Vec<String> {
    raw.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
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
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(joined(&p(&[" a ", "", "  ", "b\n"]), "\n\n"), "a\n\nb");
        assert_eq!(
            joined(&p(&["2016-01-01", " 10:00", "UTC"]), " "),
            "2016-01-01 10:00 UTC"
        );
        assert_eq!(joined(&p(&["", " only "]), " "), "only");
        assert!(matches!(
            joined(&p(&[" only "]), " "),
            std::borrow::Cow::Borrowed("only")
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
            replies: split_ids("9,6,10"),
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
        let v = |f: fn(&mut Values)| {
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
    fn refs_only_strip_float_suffix_of_integers() {
        assert_eq!(normalize_ref("3.0"), "3");
        assert_eq!(normalize_ref("v1.0"), "v1.0");
        assert_eq!(normalize_ref(" 42 "), "42");
    }
}
