//! Timestamps in the formats collected corpora use, to UTC.
//!
//! Tried in order: RFC 3339 / ISO 8601 with an offset; Twitter's API format
//! ("Tue Oct 31 22:10:47 +0000 2017"); "2015-02-24 11:35:52 -0800"; RFC 2822; ISO dates and
//! times without an offset (taken as UTC); slash dates, year first ("2019/9/24") or US
//! month/day/year ("2/24/2015"). Day-first dates ("22-04-15") are never guessed: they
//! need `date_format` in the manifest, because 03-04-15 reads both ways.

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::sync::LazyLock;

/// Earliest timestamp accepted; earlier ones are almost always a parse of the wrong field.
const MIN_YEAR: i32 = 1970;
/// Latest year accepted.
const MAX_YEAR: i32 = 2100;

const WITH_OFFSET: &[&str] = &[
    "%a %b %d %H:%M:%S %z %Y",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];

const NAIVE_DATETIME: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
];

const NAIVE_DATE: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"];

/// Parses a timestamp. With `format`, only that chrono format is tried (with an offset if it
/// has `%z`, else as UTC, else as a date at midnight UTC).
pub fn parse(raw: &str, format: Option<&str>) -> Result<DateTime<Utc>, String> {
    let s = raw.trim();
    let parsed = match format {
        Some(f) => parse_with(s, f).ok_or_else(|| format!("created_at {raw:?} does not match date_format {f:?}")),
        None => parse_auto(s).ok_or_else(|| {
            format!(
                "created_at {raw:?} is not a date in a known format (expected e.g. \"2017-10-31T22:10:47Z\", \
                 \"Tue Oct 31 22:10:47 +0000 2017\", \"2015-02-24 11:35:52 -0800\", \"2019/9/24\", \"2/24/2015\"; \
                 set date_format in the manifest for others)"
            )
        }),
    }?;
    let year = chrono::Datelike::year(&parsed);
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(format!(
            "created_at {raw:?} is out of range: {} in UTC (expected a year from {MIN_YEAR} \
             to {MAX_YEAR}, in UTC)",
            parsed.format("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
    Ok(parsed)
}

/// The automatic formats, each read once: chrono's `parse_from_str` reads its format
/// string again on every call (a third of the time of reading a date, once per record).
struct Formats {
    with_offset: Vec<Vec<Item<'static>>>,
    naive_datetime: Vec<Vec<Item<'static>>>,
    naive_date: Vec<Vec<Item<'static>>>,
}

static FORMATS: LazyLock<Formats> = LazyLock::new(|| {
    let read = |formats: &[&'static str]| -> Vec<Vec<Item<'static>>> {
        formats
            .iter()
            .map(|f| {
                StrftimeItems::new(f)
                    .parse()
                    .expect("a valid built-in format")
            })
            .collect()
    };
    Formats {
        with_offset: read(WITH_OFFSET),
        naive_datetime: read(NAIVE_DATETIME),
        naive_date: read(NAIVE_DATE),
    }
});

/// `s` read by a format's items (what `parse_from_str` does with the format string).
fn fields(s: &str, items: &[Item<'static>]) -> Option<Parsed> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, items.iter()).ok()?;
    Some(parsed)
}

fn parse_auto(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    let formats = &*FORMATS;
    for f in &formats.with_offset {
        if let Some(d) = fields(s, f).and_then(|p| p.to_datetime().ok()) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    for f in &formats.naive_datetime {
        if let Some(d) = fields(s, f).and_then(|p| p.to_naive_datetime_with_offset(0).ok()) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    for f in &formats.naive_date {
        if let Some(d) = fields(s, f).and_then(|p| p.to_naive_date().ok()) {
            return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
        }
    }
    None
}

fn parse_with(s: &str, f: &str) -> Option<DateTime<Utc>> {
    if f.contains("%z") || f.contains("%:z") || f.contains("%#z") {
        return DateTime::parse_from_str(s, f)
            .ok()
            .map(|d| d.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
        return Some(Utc.from_utc_datetime(&d));
    }
    NaiveDate::parse_from_str(s, f)
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> String {
        parse(raw, None).unwrap().to_rfc3339()
    }

    #[test]
    fn formats_of_the_shared_corpora() {
        assert_eq!(
            iso("Tue Oct 31 22:10:47 +0000 2017"),
            "2017-10-31T22:10:47+00:00"
        );
        assert_eq!(
            iso("2015-02-24 11:35:52 -0800"),
            "2015-02-24T19:35:52+00:00"
        );
        assert_eq!(iso("2019/9/24"), "2019-09-24T00:00:00+00:00");
        assert_eq!(iso("2025-02-01 18:38:22"), "2025-02-01T18:38:22+00:00");
        assert_eq!(iso("2017-10-31T22:10:47Z"), "2017-10-31T22:10:47+00:00");
        assert_eq!(
            iso("2017-10-31T22:10:47.250+02:00"),
            "2017-10-31T20:10:47.250+00:00"
        );
        assert_eq!(iso("2/24/2015"), "2015-02-24T00:00:00+00:00");
        assert_eq!(iso("02/24/2015 13:05"), "2015-02-24T13:05:00+00:00");
        assert_eq!(
            iso("Tue, 31 Oct 2017 22:10:47 +0000"),
            "2017-10-31T22:10:47+00:00"
        );
    }

    /// The automatic formats as chrono reads them from their strings on every call.
    fn parse_auto_reference(s: &str) -> Option<DateTime<Utc>> {
        if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            return Some(d.with_timezone(&Utc));
        }
        for f in WITH_OFFSET {
            if let Ok(d) = DateTime::parse_from_str(s, f) {
                return Some(d.with_timezone(&Utc));
            }
        }
        if let Ok(d) = DateTime::parse_from_rfc2822(s) {
            return Some(d.with_timezone(&Utc));
        }
        let s = s.strip_suffix('Z').unwrap_or(s);
        for f in NAIVE_DATETIME {
            if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
                return Some(Utc.from_utc_datetime(&d));
            }
        }
        for f in NAIVE_DATE {
            if let Ok(d) = NaiveDate::parse_from_str(s, f) {
                return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
            }
        }
        None
    }

    #[test]
    fn formats_read_once_read_dates_as_chrono_reads_them() {
        for s in [
            "Tue Oct 31 22:10:47 +0000 2017",
            "Wed Nov 01 00:00:00 -0500 2017",
            "Tue Oct 31 22:10:47 2017",
            "Tue Feb 30 22:10:47 +0000 2017",
            "2015-02-24 11:35:52 -0800",
            "2015-02-24 11:35:52.5-08:00",
            "2015-02-24 11:35:52.123+0100",
            "2015-02-24T11:35:52.1234+0100",
            "2015-02-24T11:35:52Z",
            "2015-02-24T11:35",
            "2015-02-24 11:35:52",
            "2015-02-24 25:35",
            "2019/9/24 7:05:01",
            "2019/9/24 7:05",
            "2019/9/24",
            "2/24/2015 1:05:09 PM",
            "2/24/2015 1:05 am",
            "02/24/2015 13:05:09",
            "2/24/2015",
            "2/30/2015",
            "Tue, 31 Oct 2017 22:10:47 +0000",
            "22-04-15",
            "last tuesday",
            "",
            "2015",
            "\u{FEFF}2015-02-24",
        ] {
            assert_eq!(parse_auto(s), parse_auto_reference(s), "{s:?}");
        }
    }

    #[test]
    fn explicit_format_for_day_first_dates() {
        let d = parse("22-Apr-15 4:40:36 PM", Some("%d-%b-%y %I:%M:%S %p")).unwrap();
        assert_eq!(d.to_rfc3339(), "2015-04-22T16:40:36+00:00");
        assert_eq!(
            parse("22-04-15", Some("%d-%m-%y")).unwrap().to_rfc3339(),
            "2015-04-22T00:00:00+00:00"
        );
        assert!(
            parse("22-04-15", None).is_err(),
            "day-first dates are never guessed"
        );
    }

    #[test]
    fn unknown_and_out_of_range_dates_say_what_was_expected() {
        assert!(parse("last tuesday", None)
            .unwrap_err()
            .contains("not a date in a known format"));
        assert!(parse("1850-01-01", None)
            .unwrap_err()
            .contains("out of range"));
        // Where the local time is in range and UTC is not, the message says so.
        assert_eq!(
            parse("2100-12-31T23:59:59-05:00", None).unwrap_err(),
            "created_at \"2100-12-31T23:59:59-05:00\" is out of range: 2101-01-01T04:59:59Z in \
             UTC (expected a year from 1970 to 2100, in UTC)"
        );
        assert!(parse("31/31/2015", None).is_err());
        assert!(parse("2015-13-01", Some("%Y-%m-%d"))
            .unwrap_err()
            .contains("does not match date_format"));
    }
}
