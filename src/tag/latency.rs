//! Stated response times: "5 minutes", "half an hour", "two hours and seven minutes",
//! "1 hr, 45 mins", "a couple of weeks", "a day or so" in seconds.
//!
//! Rule files name a duration with the placeholder `{duration}` ([`DURATION`]), written as
//! the named group `(?P<d>{duration})`; [`seconds`] reads the words the group matched. A
//! month is 30 days and a year 365, as the labelling guide counts them.

/// Number words, longest first so that "seventeen" is not read as "seven".
const WORDS: &[(&str, f64)] = &[
    ("seventeen", 17.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventy", 70.0),
    ("hundred", 100.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("three", 3.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("dozen", 12.0),
    ("four", 4.0),
    ("five", 5.0),
    ("nine", 9.0),
    ("one", 1.0),
    ("two", 2.0),
    ("six", 6.0),
    ("ten", 10.0),
];

/// Units and their seconds, as the words may be written (singular, plural, abbreviated).
const UNITS: &[(&str, f64)] = &[
    ("seconds", 1.0),
    ("second", 1.0),
    ("secs", 1.0),
    ("sec", 1.0),
    ("minutes", 60.0),
    ("minute", 60.0),
    ("mins", 60.0),
    ("min", 60.0),
    ("hours", 3600.0),
    ("hour", 3600.0),
    ("hrs", 3600.0),
    ("hr", 3600.0),
    ("days", 86_400.0),
    ("day", 86_400.0),
    ("weeks", 604_800.0),
    ("week", 604_800.0),
    ("months", 2_592_000.0),
    ("month", 2_592_000.0),
    ("years", 31_536_000.0),
    ("year", 31_536_000.0),
];

/// The regex of a duration: one or two amounts with their units ("two hours and seven
/// minutes", "1 hr, 45 mins"), optionally "and a half" or "or so". A number may be digits,
/// number words ("twenty-four", "forty five"), "a"/"an", "half a", "a couple of", "a few",
/// "several", "a dozen", "one and a half". Without a number, a singular unit counts one
/// ("within the hour", "after a day"): see [`seconds`].
pub const DURATION: &str = concat!(
    r"(?:(?:(?:\d+(?:\.\d+)?|(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine|ten|(?:a|one)\s+hundred|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several|(?:a\s+)?dozen|half\s+(?:an?|the)|an?|the)",
    r"(?:\s+and\s+a\s+half)?\s*(?:business\s+|working\s+|full\s+|more\s+|other\s+|long\s+)?",
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b)",
    r"(?:\s*(?:,|and|,\s*and)\s*(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|an?)\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b)?",
    r"(?:\s+and\s+a\s+half)?(?:\s+or\s+(?:so|more|less))?)"
);

/// Seconds of a duration as [`DURATION`] matches it: "two hours and seven minutes" is
/// 7,620; "a couple of weeks" 1,209,600; "half an hour" 1,800; "an hour and a half"
/// 5,400; "a day or so" 86,400. None when no unit is named, or a plural unit has no
/// number ("minutes" is not a count).
pub fn seconds(phrase: &str) -> Option<f64> {
    let lower = phrase.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0.0;
    let mut amount: Option<f64> = None;
    let mut any_unit = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if let Some(&(_, per)) = UNITS.iter().find(|(u, _)| *u == w) {
            let n = match amount.take() {
                Some(n) => n,
                // "within the hour", "after a day": no number; a plural is no count.
                None if !w.ends_with('s') => 1.0,
                None => return None,
            };
            total += n * per;
            any_unit = true;
            // "an hour and a half": half of the unit just read.
            if words.get(i + 1..i + 4) == Some(&["and", "a", "half"]) {
                total += 0.5 * per;
                i += 3;
            }
        } else if w == "half" {
            // "half an hour", "one and a half": a half of what follows, or added.
            amount = Some(amount.map_or(0.5, |n| n + 0.5));
        } else if let Ok(n) = w.parse::<f64>() {
            amount = Some(amount.unwrap_or(0.0) + n);
        } else if let Some(&(_, n)) = WORDS.iter().find(|(x, _)| *x == w) {
            amount = Some(match (amount, n) {
                (Some(a), 100.0) => a * 100.0,
                (Some(a), n) if a >= 20.0 && n < 10.0 => a + n, // "twenty four"
                (_, n) => n,
            });
        } else if w == "couple" {
            amount = Some(2.0);
        } else if w == "few" || w == "several" {
            amount = Some(3.0);
        } else if (w == "a" || w == "an" || w == "the") && amount.is_none() {
            // "a couple of", "a few": the next word says; alone it is one.
            amount = match words.get(i + 1) {
                Some(&("couple" | "few" | "dozen" | "hundred")) => None,
                _ => Some(1.0),
            };
        }
        i += 1;
    }
    any_unit.then_some(total)
}

/// Seconds for "5 minutes", "half an hour", "a few days" from a rule's number and unit
/// groups (rule files written before `{duration}`).
pub fn duration(n: Option<&str>, unit: &str) -> Option<f64> {
    match n {
        Some(n) => seconds(&format!("{n} {unit}")),
        None => seconds(unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_general_form() {
        for (phrase, want) in [
            ("5 minutes", Some(300.0)),
            ("half an hour", Some(1800.0)),
            ("two days", Some(172_800.0)),
            ("the hour", Some(3600.0)),
            ("an hour", Some(3600.0)),
            ("two hours and seven minutes", Some(7620.0)),
            ("1 hr, 45 mins", Some(6300.0)),
            ("a couple of weeks", Some(1_209_600.0)),
            ("a day or so", Some(86_400.0)),
            ("an hour and a half", Some(5400.0)),
            ("one and a half hours", Some(5400.0)),
            ("twenty-four hours", Some(86_400.0)),
            ("forty five minutes", Some(2700.0)),
            ("3 hrs", Some(10_800.0)),
            ("a few days", Some(259_200.0)),
            ("several weeks", Some(1_814_400.0)),
            ("another month", Some(2_592_000.0)),
            ("1.5 hours", Some(5400.0)),
            ("a hundred days", Some(8_640_000.0)),
            ("10 business days", Some(864_000.0)),
            ("minutes", None),
            ("days", None),
            ("", None),
        ] {
            assert_eq!(seconds(phrase), want, "{phrase}");
        }
        assert_eq!(duration(Some("5"), "minutes"), Some(300.0));
        assert_eq!(duration(None, "hour"), Some(3600.0));
        assert_eq!(duration(None, "minutes"), None);
    }

    #[test]
    fn the_duration_pattern_matches_whole_phrases() {
        let re = regex::Regex::new(&format!("(?i)^{DURATION}$")).unwrap();
        for p in [
            "5 minutes",
            "two hours and seven minutes",
            "1 hr, 45 mins",
            "a couple of weeks",
            "a day or so",
            "an hour and a half",
            "twenty-four hours",
            "the hour",
            "ten business days",
            "45 minutes or more",
        ] {
            assert!(re.is_match(p), "{p}");
        }
        assert!(!re.is_match("minutes"));
    }
}
