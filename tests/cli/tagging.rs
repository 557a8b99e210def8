//! Tagging: the seed stories' subjects and mentions, evidence in `tag` and `explain`, the
//! tagger's scores on the gold set, agreement with the labels a data set gives, rule errors.

use super::util::*;
use std::collections::{BTreeMap, BTreeSet};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn seed_stories_tell_subjects_from_passing_mentions() {
    let t = TestDir::new();
    let corpus = repo().join("corpus/corpus.toml");
    assert_eq!(
        t.run(["index", "--corpus", corpus.to_str().unwrap(), "--out", "ix"])
            .code,
        0
    );
    let tags = table(&t.path().join("ix"), "mentions");
    let col = |n: &str| tags.column(n).unwrap().str().unwrap().clone();
    let (doc, set_, label, role) = (col("doc_id"), col("set"), col("label"), col("role"));
    let mut party: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in 0..tags.height() {
        if set_.get(i) != Some("company") {
            continue;
        }
        let d = doc
            .get(i)
            .unwrap()
            .trim_start_matches("seeds:")
            .split('_')
            .next()
            .unwrap()
            .to_string();
        named
            .entry(d.clone())
            .or_default()
            .insert(label.get(i).unwrap().to_string());
        if role.get(i) != Some("mention") {
            party
                .entry(d)
                .or_default()
                .insert(label.get(i).unwrap().to_string());
        }
    }
    let mentions = |d: &str| -> BTreeSet<String> {
        named
            .get(d)
            .cloned()
            .unwrap_or_default()
            .difference(&party.get(d).cloned().unwrap_or_default())
            .cloned()
            .collect()
    };
    let party_of = |d: &str| party.get(d).cloned().unwrap_or_default();
    // The company of each story, whether a list names it (General Motors, by its support
    // account's initials), the text's own words find it (Wirefly, by its handle and its
    // web shop) or both.
    assert_eq!(party_of("000"), set(&["general_motors"]));
    assert_eq!(party_of("001"), set(&["wirefly"]));
    // Advice with no company's story.
    assert_eq!(party_of("002"), set(&[]));
    // Retold stories: United breaking a guitar, Lego answering a letter.
    assert!(
        party_of("003").is_superset(&set(&["united_airlines", "lego"])),
        "{:?}",
        party_of("003")
    );
    assert_eq!(party_of("004"), set(&["zappos"]));
    // Named in passing: examples, a product's maker, where the author sat.
    for (d, c) in [
        ("001", "comcast"),
        ("001", "dell"),
        ("001", "att"),
        ("004", "starbucks"),
    ] {
        assert!(mentions(d).contains(c), "{d}: {c} in {:?}", mentions(d));
    }

    // explain shows each tag with its span and rule, and the interaction with its evidence.
    let o = t.run(["explain", "ix", "seeds:000_fdbd4c938871ac11.txt"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout.contains("company    general_motors role=subject"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("\"@GMCustomerSvc\"  (company.handle.support:gm + role.service."),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("latency    at_most seconds=300"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("evidence latency"), "{}", o.stdout);
    let o = t.run(["explain", "ix", "seeds:nope"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("has no document \"seeds:nope\""),
        "{}",
        o.stderr
    );
}

#[test]
fn tag_prints_every_tag_with_evidence_and_rule() {
    let t = TestDir::new();
    let seed = repo().join("corpus/seeds/004_97d3d5276ba1948e.txt");
    let o = t.run(["tag", seed.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("\"@Zappos_Service\""), "{}", o.stdout);
    assert!(
        o.stdout.contains("(latency.at_most.within)"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("interaction input#zappos (text)"),
        "{}",
        o.stdout
    );
    let o = t.run(["tag", seed.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let text = std::fs::read_to_string(&seed).unwrap();
    for tag in v["tags"].as_array().unwrap() {
        let (s, e) = (
            tag["start"].as_u64().unwrap() as usize,
            tag["end"].as_u64().unwrap() as usize,
        );
        assert!(
            s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e),
            "{tag}"
        );
        assert!(!tag["rule"].as_str().unwrap().is_empty());
    }
}

/// The tagger's scores on the development set and on the held-out set stay at or above
/// what they were when the rules were last changed (floors a little under today's figures,
/// README "Measuring the tagger"): a change that loses ground on real texts fails here.
#[test]
fn gold_set_scores_stay_at_or_above_the_targets() {
    let t = TestDir::new();
    // (file, company F1, channel F1, responded accuracy, stated latency accuracy,
    // resolution accuracy)
    for (file, company, channel, responded, latency, resolution) in [
        ("tests/gold/gold.jsonl", 0.88, 0.82, 0.68, 0.80, 0.66),
        ("tests/gold/heldout.jsonl", 0.85, 0.80, 0.58, 1.0, 0.62),
    ] {
        let gold = repo().join(file);
        let o = t.run_in(
            &repo(),
            ["eval", "--gold", gold.to_str().unwrap(), "--format", "json"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        let g = &r["gold"];
        let f = |path: &[&str]| path.iter().fold(g, |v, k| &v[*k]).as_f64().unwrap();
        assert!(g["documents"].as_u64().unwrap() >= 60, "{file}");
        for (name, path, floor) in [
            ("company F1", &["company", "f1"][..], company),
            ("channel F1", &["channel", "f1"], channel),
            ("responded accuracy", &["responded", "accuracy"], responded),
            ("latency accuracy", &["latency", "accuracy"], latency),
            (
                "resolution accuracy",
                &["resolution", "accuracy"],
                resolution,
            ),
        ] {
            assert!(f(path) >= floor, "{file}: {name} {} < {floor}", f(path));
        }
        assert_eq!(
            g["latency_spurious"], 0,
            "{file}: no latency where the text states none"
        );
    }
}

#[test]
fn airline_tweets_address_the_airline_the_data_set_gives() {
    let t = TestDir::new();
    assert_eq!(
        t.index_data("airline.toml", "corpora/airline_tweets.csv", "ix")
            .code,
        1,
        "three duplicate ids"
    );
    let o = t.run(["eval", "--index", "ix", "--format", "json"]);
    assert_eq!(o.code, 0, "{o:?}");
    let company = given(&o.stdout, "company");
    assert_eq!(company["n"], 202);
    assert!(company["rate"].as_f64().unwrap() >= 0.99, "{company}");
    // The data set's "Delta" label is kept as written beside the mapped value.
    let docs = table(&t.path().join("ix"), "documents");
    let metas = docs.column("meta").unwrap().str().unwrap().clone();
    assert!(metas
        .iter()
        .flatten()
        .any(|m| m.contains("\"given_company_raw\":\"Delta\"")));
}

/// A complaint filed without its narrative cannot agree with its given company: it is left
/// out of the agreement rate and counted apart, not counted as a miss of the tagger.
#[test]
fn given_agreement_counts_only_documents_with_text() {
    let t = TestDir::new();
    let o = t.index_data("cfpb.toml", "corpora/cfpb_complaints.csv", "ix");
    assert_eq!(o.code, 0, "{o:?}");
    let mut r = csv::Reader::from_path(fixture("corpora/cfpb_complaints.csv")).unwrap();
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Consumer complaint narrative")
        .unwrap();
    let narratives: Vec<String> = r.records().map(|x| x.unwrap()[at].to_string()).collect();
    let with_text = narratives.iter().filter(|t| !t.is_empty()).count() as u64;
    assert_eq!(
        (narratives.len(), with_text),
        (126, 88),
        "the fixture as copied"
    );
    let o = t.run(["eval", "--index", "ix", "--format", "json"]);
    assert_eq!(o.code, 0, "{o:?}");
    let company = given(&o.stdout, "company");
    assert_eq!(company["n"], with_text, "{company}");
    assert_eq!(company["without_text"], 126 - with_text, "{company}");
    let (agree, n) = (company["agree"].as_f64().unwrap(), with_text as f64);
    assert_eq!(company["rate"].as_f64().unwrap(), agree / n, "{company}");
    let o = t.run(["eval", "--index", "ix", "--format", "csv"]);
    assert_eq!(o.code, 0, "{o:?}");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(o.stdout.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let row = |kind: &str| {
        rows.iter()
            .find(|r| &r[0] == kind && &r[1] == "company")
            .unwrap_or_else(|| panic!("no {kind} row: {}", o.stdout))
            .clone()
    };
    assert_eq!(row("given")[2], with_text.to_string());
    assert_eq!(row("given_without_text")[2], (126 - with_text).to_string());
    let o = t.run(["eval", "--index", "ix"]);
    assert!(
        o.stdout
            .contains(&format!("of {with_text} documents with text agree"))
            && o.stdout.contains("38 documents without text left out"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_bad_rule_file_stops_the_run_with_file_line_and_reason() {
    let t = TestDir::new();
    t.write(
        "rules/channels.toml",
        "version = 1\n[[rule]]\nid = \"channel.phone.x\"\nlabel = \"phone\"\npattern = '(call'\n",
    );
    let corpus = repo().join("corpus/corpus.toml");
    let index_with_rules = || {
        t.run([
            "index",
            "--corpus",
            corpus.to_str().unwrap(),
            "--out",
            "ix",
            "--rules",
            "rules",
        ])
    };
    let o = index_with_rules();
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "rules/channels.toml: line 3: rule \"channel.phone.x\": bad pattern: regex parse error"
        ),
        "{}",
        o.stderr
    );
    assert!(
        !t.path().join("ix").exists(),
        "nothing is built when a rule file is bad"
    );
    // With two bad files, loaded on different threads, the error named is the first file's
    // in the order of the list (channels before roles), run after run.
    t.write("rules/roles.toml", "version = 1\n[[rule]\n");
    for _ in 0..3 {
        let o = index_with_rules();
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("rules/channels.toml: line 3") && !o.stderr.contains("roles.toml"),
            "{}",
            o.stderr
        );
    }
    std::fs::remove_file(t.path().join("rules/channels.toml")).unwrap();
    let o = index_with_rules();
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("rules/roles.toml"), "{}", o.stderr);
    t.write(
        "companies.toml",
        "version = 1\n[[company]]\nid = \"acme\"\nname = \"Acme\"\naliasses = [\"Acme\"]\n",
    );
    let o = t.run([
        "index",
        "--corpus",
        corpus.to_str().unwrap(),
        "--out",
        "ix",
        "--companies",
        "companies.toml",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("companies.toml: line 5: unknown field `aliasses`, expected one of"),
        "{}",
        o.stderr
    );
}

/// Texts of a CSV fixture's column.
/// The agreement of one given label in `eval --format json`'s output.
fn given(stdout: &str, label: &str) -> serde_json::Value {
    let r: serde_json::Value = serde_json::from_str(stdout).unwrap();
    r["given"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == label)
        .unwrap()
        .clone()
}

fn csv_texts(file: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(fixture(file)).unwrap();
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    r.records()
        .map(|x| x.unwrap().get(at).unwrap_or("").to_string())
        .filter(|t| !t.trim().is_empty())
        .collect()
}

fn jsonl_texts(rel: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(repo().join(rel))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Issue 9, item 8: no rule alternative may be copied from one development text. Every
/// top-level alternative of every built-in rule that matches exactly one development text
/// (gold.jsonl, written.jsonl) must match some other text too (the held-out set, the fixture
/// slices of the open data sets, the seed stories); else it is that text's words, not a
/// pattern texts share.
#[test]
fn no_rule_alternative_matches_only_one_development_text() {
    // Channels named by their own name (the label's vocabulary, not a text's phrasing):
    // rare in the open data sets, common in what researchers collect.
    const VOCABULARY: &[&str] = &[
        r"\b(?:facebook\s+)?messenger\b",
        r"\binstagram\b",
        r"\btrip ?advisor\b",
        r"\btrustpilot\b",
        r"\bin[ -]person\b",
    ];
    let dev: Vec<(String, String)> = jsonl_texts("tests/gold/gold.jsonl")
        .into_iter()
        .chain(jsonl_texts("tests/gold/written.jsonl"))
        .collect();
    let dev_ids: BTreeSet<&str> = dev.iter().map(|(i, _)| i.as_str()).collect();
    let mut other: Vec<String> = jsonl_texts("tests/gold/heldout.jsonl")
        .into_iter()
        .chain(jsonl_texts("tests/fixtures/corpora/rule_evidence.jsonl"))
        .filter(|(i, _)| !dev_ids.contains(i.as_str()))
        .map(|(_, t)| t)
        .collect();
    for (file, column) in [
        (
            "corpora/cfpb_complaints.csv",
            "Consumer complaint narrative",
        ),
        ("corpora/airline_tweets.csv", "text"),
        ("corpora/twcs_head1000.csv", "text"),
        ("corpora/twcs_sample.csv", "text"),
        ("corpora/comcast_complaints.csv", "Customer Complaint"),
        ("corpora/reddit_posts.csv", "post_text"),
    ] {
        other.extend(csv_texts(file, column));
    }
    // A fixture text that is also a development text is not "another" text.
    let dev_texts: BTreeSet<&str> = dev.iter().map(|(_, t)| t.as_str()).collect();
    other.retain(|t| !dev_texts.contains(t.replace("\r\n", "\n").as_str()));
    let mut single = Vec::new();
    for (name, text) in replyscope::tag::DEFAULTS {
        if !name.ends_with(".toml") || *name == "acts.toml" || *name == "names.toml" {
            continue;
        }
        let file: toml::Value = toml::from_str(text).unwrap();
        for rule in file["rule"].as_array().unwrap() {
            let id = rule["id"].as_str().unwrap();
            let pattern = replyscope::tag::rules::expand(rule["pattern"].as_str().unwrap());
            let exact = rule.get("case_sensitive").and_then(|v| v.as_bool()) == Some(true);
            for alt in replyscope::tag::rules::alternatives(&pattern) {
                if VOCABULARY.contains(&alt) {
                    continue;
                }
                let re = regex::RegexBuilder::new(alt)
                    .case_insensitive(!exact)
                    .build()
                    .unwrap_or_else(|e| panic!("{id}: {alt}: {e}"));
                let hits: Vec<&str> = dev
                    .iter()
                    .filter(|(_, t)| re.is_match(t))
                    .map(|(i, _)| i.as_str())
                    .collect();
                if hits.len() == 1 && !other.iter().any(|t| re.is_match(t)) {
                    single.push(format!("{id}: {alt} (only {})", hits[0]));
                }
            }
        }
    }
    assert!(
        single.is_empty(),
        "rule alternatives that match exactly one development text and nothing else:\n{}",
        single.join("\n")
    );
}
