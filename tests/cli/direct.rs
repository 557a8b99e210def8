//! The independent check of the query engine (issue: batch queries): per-company response
//! rates, median and Kaplan-Meier times to first response and switch rates computed here in
//! plain Rust straight from the raw tweets CSV, with no code shared with replyscope's ingest,
//! tagging or query stages, must equal what `replyscope query` writes.
//!
//! Definitions, as in the README: an interaction opens at a customer's tweet that replies to
//! nothing in the file; its company is the author of the earliest company tweet below it in
//! the reply tree (else the first company @handle it addresses); responded is yes when such
//! a reply exists, unknown when none does but a tweet of the conversation lists a reply that
//! is not in the file, no otherwise. A story switched channel when a company reply in it
//! redirects the customer; which tweets redirect is read from the tagger's output
//! (tables/mentions.parquet), so this checks the assembly and the arithmetic, and
//! `replyscope eval` measures the tagger.

use super::util::*;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// Handle -> company, for the brand accounts in the fixtures (as the gazetteer rolls them up).
const HANDLES: &[(&str, &str)] = &[
    ("adobecare", "adobe"),
    ("airasiasupport", "airasia"),
    ("airbnbhelp", "airbnb"),
    ("amazonhelp", "amazon"),
    ("americanair", "american_airlines"),
    ("applesupport", "apple"),
    ("ask_spectrum", "spectrum"),
    ("askamex", "american_express"),
    ("askebay", "ebay"),
    ("asklyft", "lyft"),
    ("askpaypal", "paypal"),
    ("askplaystation", "playstation"),
    ("atviassist", "activision"),
    ("bofa_help", "bank_of_america"),
    ("british_airways", "british_airways"),
    ("chasesupport", "jpmorgan_chase"),
    ("chipotletweets", "chipotle"),
    ("comcastcares", "comcast"),
    ("coxhelp", "cox"),
    ("delta", "delta"),
    ("dropboxsupport", "dropbox"),
    ("gwrhelp", "great_western_railway"),
    ("hpsupport", "hp"),
    ("hulu_support", "hulu"),
    ("marksandspencer", "marks_and_spencer"),
    ("mcdonalds", "mcdonalds"),
    ("microsofthelps", "microsoft"),
    ("morrisons", "morrisons"),
    ("nationalrailenq", "national_rail"),
    ("nikesupport", "nike"),
    ("o2", "o2"),
    ("sainsburys", "sainsburys"),
    ("southwestair", "southwest_airlines"),
    ("spotifycares", "spotify"),
    ("sprintcare", "sprint"),
    ("tesco", "tesco"),
    ("tmobilehelp", "t_mobile"),
    ("uber_support", "uber"),
    ("upshelp", "ups"),
    ("verizonsupport", "verizon"),
    ("virginatlantic", "virgin_atlantic"),
    ("virgintrains", "virgin_trains"),
    ("xboxsupport", "xbox"),
    ("yahoocare", "yahoo"),
];

struct Tweet {
    author: String,
    inbound: bool,
    at: DateTime<Utc>,
    text: String,
    parent: Option<String>,
    replies: Vec<String>,
}

#[derive(Debug, Default, PartialEq)]
struct Expected {
    stories: u64,
    answered: u64,
    unanswered: u64,
    unknown: u64,
    latencies: Vec<f64>,
    switched: u64,
}

fn id(raw: &str) -> String {
    raw.trim().trim_end_matches(".0").to_string()
}

fn direct(
    fixture_file: &str,
    redirects: &std::collections::HashSet<String>,
) -> BTreeMap<String, Expected> {
    let handles: HashMap<&str, &str> = HANDLES.iter().copied().collect();
    let mut rd = csv::Reader::from_path(fixture(fixture_file)).unwrap();
    let header = rd.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (c_id, c_author, c_in, c_at, c_text, c_resp, c_parent) = (
        col("tweet_id"),
        col("author_id"),
        col("inbound"),
        col("created_at"),
        col("text"),
        col("response_tweet_id"),
        col("in_response_to_tweet_id"),
    );
    let mut tweets: BTreeMap<String, Tweet> = BTreeMap::new();
    for rec in rd.records() {
        let r = rec.unwrap();
        let parent = Some(id(&r[c_parent])).filter(|p| !p.is_empty());
        tweets.insert(
            id(&r[c_id]),
            Tweet {
                author: r[c_author].to_string(),
                inbound: &r[c_in] == "True",
                at: DateTime::parse_from_str(&r[c_at], "%a %b %d %H:%M:%S %z %Y")
                    .unwrap()
                    .with_timezone(&Utc),
                text: r[c_text].to_string(),
                parent,
                replies: r[c_resp]
                    .split(',')
                    .map(id)
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
        );
    }
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, t) in &tweets {
        if let Some(p) = t.parent.as_deref().filter(|p| tweets.contains_key(*p)) {
            children.entry(p).or_default().push(k);
        }
    }
    let mut out: BTreeMap<String, Expected> = BTreeMap::new();
    for (k, t) in &tweets {
        let opens = t.inbound && t.parent.as_deref().is_none_or(|p| !tweets.contains_key(p));
        if !opens {
            continue;
        }
        let mut below = Vec::new();
        let mut stack = children.get(k.as_str()).cloned().unwrap_or_default();
        while let Some(c) = stack.pop() {
            below.push(c);
            stack.extend(children.get(c).cloned().unwrap_or_default());
        }
        let first_reply = below
            .iter()
            .filter(|c| !tweets[**c].inbound)
            .min_by_key(|c| (tweets[**c].at, c.to_string()));
        let company = match first_reply {
            Some(c) => handles[tweets[*c].author.to_lowercase().as_str()].to_string(),
            None => {
                let addressed = t
                    .text
                    .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '@'))
                    .filter_map(|w| w.strip_prefix('@'))
                    .find_map(|h| handles.get(h.to_lowercase().as_str()));
                match addressed {
                    Some(c) => c.to_string(),
                    None => continue,
                }
            }
        };
        let e = out.entry(company).or_default();
        e.stories += 1;
        if below
            .iter()
            .any(|c| !tweets[*c].inbound && redirects.contains(&format!("twcs:{c}")))
        {
            e.switched += 1;
        }
        match first_reply {
            Some(c) => {
                e.answered += 1;
                e.latencies
                    .push((tweets[*c].at - t.at).num_seconds() as f64);
            }
            None => {
                let outside = std::iter::once(k.as_str())
                    .chain(below.iter().copied())
                    .any(|x| tweets[x].replies.iter().any(|r| !tweets.contains_key(r)));
                if outside {
                    e.unknown += 1;
                } else {
                    e.unanswered += 1;
                }
            }
        }
    }
    out
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    })
}

fn check(fixture_file: &str) {
    let t = TestDir::new();
    assert!(t.index_data("twcs.toml", fixture_file, "ix").code <= 1);
    let q = repo().join("queries/response_by_company.toml");
    let o = t.run([
        "query".as_ref(),
        "ix".as_ref(),
        q.as_os_str(),
        "--out".as_ref(),
        "out".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let mut rd = csv::Reader::from_path(t.path().join("out/response_by_company.csv")).unwrap();
    let header = rd.headers().unwrap().clone();
    let get = |r: &csv::StringRecord, name: &str| {
        r[header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))]
        .to_string()
    };
    let redirects = {
        let tags = table(&t.path().join("ix"), "mentions");
        let (doc, label) = (
            tags.column("doc_id").unwrap().str().unwrap().clone(),
            tags.column("label").unwrap().str().unwrap().clone(),
        );
        doc.iter()
            .zip(label.iter())
            .filter(|(_, l)| *l == Some("redirect"))
            .filter_map(|(d, _)| d.map(str::to_string))
            .collect()
    };
    let mut expected = direct(fixture_file, &redirects);
    let mut seen = 0;
    for rec in rd.records() {
        let r = rec.unwrap();
        let company = get(&r, "company");
        let e = expected
            .get_mut(&company)
            .unwrap_or_else(|| panic!("{company} not in the direct computation"));
        seen += 1;
        let n = |name: &str| get(&r, name).parse::<u64>().unwrap();
        assert_eq!(
            (n("stories"), n("answered"), n("unanswered"), n("unknown")),
            (e.stories, e.answered, e.unanswered, e.unknown),
            "{company}"
        );
        let decided = e.answered + e.unanswered;
        if decided > 0 {
            let rate: f64 = get(&r, "response_rate").parse().unwrap();
            assert!(
                (rate - e.answered as f64 / decided as f64).abs() < 1e-6,
                "{company}: rate {rate}"
            );
        } else {
            assert_eq!(
                get(&r, "response_rate"),
                "",
                "{company}: no rate without answered or unanswered"
            );
        }
        let med = median(&mut e.latencies);
        match med {
            Some(m) => {
                let got: f64 = get(&r, "latency_median").parse().unwrap();
                assert!((got - m).abs() < 1e-6, "{company}: median {got} vs {m}");
                // Nobody is censored when every opening was answered or is unknown, so the
                // Kaplan-Meier median is the lower median of the delays.
                if e.unanswered == 0 {
                    let mut l = e.latencies.clone();
                    l.sort_by(f64::total_cmp);
                    let km_median = l[l.len().div_ceil(2) - 1];
                    let got: f64 = get(&r, "km_median").parse().unwrap();
                    assert!(
                        (got - km_median).abs() < 1e-6,
                        "{company}: KM median {got} vs {km_median}"
                    );
                }
            }
            None => assert_eq!(get(&r, "latency_median"), "", "{company}"),
        }
    }
    assert_eq!(
        seen,
        expected.len(),
        "every company of the direct computation has a row"
    );

    let q = repo().join("queries/channel_switches.toml");
    let o = t.run([
        "query".as_ref(),
        "ix".as_ref(),
        q.as_os_str(),
        "--out".as_ref(),
        "out".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let mut rd = csv::Reader::from_path(t.path().join("out/channel_switches.csv")).unwrap();
    let header = rd.headers().unwrap().clone();
    let get = |r: &csv::StringRecord, name: &str| {
        r[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    for rec in rd.records() {
        let r = rec.unwrap();
        let e = &expected[&get(&r, "company")];
        assert_eq!(
            get(&r, "switched").parse::<u64>().unwrap(),
            e.switched,
            "{}",
            get(&r, "company")
        );
        let rate: f64 = get(&r, "switch_rate").parse().unwrap();
        assert!((rate - e.switched as f64 / e.stories as f64).abs() < 1e-6);
    }
}

#[test]
fn twcs_head_response_rates_and_times_match_a_direct_computation() {
    check("corpora/twcs_head1000.csv");
}

#[test]
fn twcs_sample_with_answers_outside_the_file_matches_a_direct_computation() {
    check("corpora/twcs_sample.csv");
}
