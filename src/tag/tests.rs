//! Tests of the whole tagger on short texts.

use super::interactions::UNNAMED;
use super::latency::duration;
use super::text::{nobody_before, sentences, Spans};
use super::*;
use crate::model::{Actor, Responded, Role, Shape, TagSet};

#[test]
fn sentences_skip_abbreviations() {
    fn cut(t: &str) -> Vec<&str> {
        sentences(t).iter().map(|&(a, b)| &t[a..b]).collect()
    }
    let t = "Companies, i.e. www.honda.com or Pepsi. On Jan. 16, a story. Next!\nLine";
    assert_eq!(
        cut(t),
        vec![
            "Companies, i.e. www.honda.com or Pepsi.",
            " On Jan. 16, a story.",
            " Next!",
            "\n",
            "Line"
        ]
        .into_iter()
        .filter(|x| x != &"\n")
        .collect::<Vec<_>>()
    );
    // A listed word in any case ("DR.", "Etc."), a short word with a dot in it ("E.g.") end
    // no sentence; an unlisted one ("Drs.") does.
    assert_eq!(
        cut("Ask DR. Smith, Etc. and so on. Then E.g. Drs. Lee. End"),
        vec![
            "Ask DR. Smith, Etc. and so on.",
            " Then E.g. Drs.",
            " Lee.",
            " End"
        ]
    );
}

/// The five seed stories of the example corpus.
pub(super) const SEEDS: [&str; 5] = [
    include_str!("../../corpus/seeds/000_fdbd4c938871ac11.txt"),
    include_str!("../../corpus/seeds/001_cf68434358fba99b.txt"),
    include_str!("../../corpus/seeds/002_5df654dbd229bebf.txt"),
    include_str!("../../corpus/seeds/003_fce58c3ab8835649.txt"),
    include_str!("../../corpus/seeds/004_97d3d5276ba1948e.txt"),
];

fn tag_text(kind: &str, author: Option<&str>, text: &str) -> TaggedDoc {
    // The shape and channel a manifest declares for such texts.
    let (shape, channel) = match kind {
        "tweet" => (Shape::Short, Some("twitter".to_string())),
        _ => (Shape::Long, None),
    };
    let doc = Document {
        id: "t:1".into(),
        kind: kind.into(),
        shape,
        channel,
        author: author.map(str::to_string),
        text: text.into(),
        ..Document::default()
    };
    Lexicons::defaults().tag_as_text(doc)
}

fn roles(t: &TaggedDoc, company: &str) -> Vec<Role> {
    t.tags
        .iter()
        .filter(|x| x.set == TagSet::Company && x.label == company)
        .filter_map(|x| x.role)
        .collect()
}

#[test]
fn a_promise_is_not_a_latency() {
    let t = tag_text(
        "blog",
        None,
        "I called Verizon and the rep told me someone would call me back within 48 hours. \
         Nobody ever called back.",
    );
    assert!(
        t.tags.iter().all(|x| x.set != TagSet::Latency),
        "{:?}",
        t.tags
    );
    let i = &t.interactions[0];
    assert_eq!(i.latency_kind, None);
    assert_eq!(i.responded, Responded::Yes, "the rep told me: an answer");
    // A delay stated with the answer is the latency, the later promise is not.
    let t = tag_text(
        "blog",
        None,
        "I tweeted @Delta. Within an hour they replied and said they will refund me within \
         5 days.",
    );
    let i = &t.interactions[0];
    assert_eq!(
        (i.latency_kind.as_deref(), i.latency_seconds),
        (Some("at_most"), Some(3600.0))
    );
    // A stated time that is not an answer's ("checked in within ten minutes") is none.
    let t = tag_text(
        "blog",
        None,
        "Apple booked me a slot at the Apple Store, where they checked the laptop in within \
         ten minutes.",
    );
    assert!(t.interactions.iter().all(|i| i.latency_kind.is_none()));
}

#[test]
fn an_unanswered_wait_is_a_lower_bound_and_an_answered_one_approximate() {
    let t = tag_text(
        "tweet",
        None,
        "@USAirways 2 hours on hold. Still no answer.",
    );
    let i = &t.interactions[0];
    assert_eq!(i.responded, Responded::No);
    assert_eq!(i.resolution, "unresolved");
    assert_eq!(
        (i.latency_kind.as_deref(), i.latency_seconds),
        (Some("at_least"), Some(7200.0))
    );
    let t = tag_text(
        "blog",
        None,
        "I called Bank of America, and after 47 minutes on hold a representative finally \
         picked up.",
    );
    let i = &t.interactions[0];
    assert_eq!(
        (i.latency_kind.as_deref(), i.latency_seconds),
        (Some("approximate"), Some(2820.0))
    );
    // An answer after a stated wait, told with who answered.
    let t = tag_text(
        "blog",
        None,
        "I emailed Comcast and after three weeks they finally replied.",
    );
    let i = &t.interactions[0];
    assert_eq!(
        (i.latency_kind.as_deref(), i.latency_seconds),
        (Some("approximate"), Some(3.0 * 604_800.0))
    );
    // The customer acting after a wait is no answer's delay.
    let t = tag_text(
        "blog",
        None,
        "I emailed Comcast and after a week we called back.",
    );
    assert!(
        !t.tags.iter().any(|x| x.set == TagSet::Latency),
        "{:?}",
        t.tags
    );
}

#[test]
fn a_passing_mention_in_a_product_phrase_stays_a_mention() {
    let t = tag_text(
        "blog",
        None,
        "I ordered an AT&T LG VU phone from www.wirefly.com and it broke. My Samsung washing \
         machine, bought at Home Depot, shakes. I sent @Wirefly a tweet.",
    );
    assert_eq!(roles(&t, "att"), vec![Role::Mention]);
    // "LG" alone is too ambiguous a name (two letters) to count without a dealing.
    assert_eq!(roles(&t, "lg"), vec![]);
    assert!(!roles(&t, "samsung").iter().any(|r| r.is_party()));
    assert!(!roles(&t, "home_depot").iter().any(|r| r.is_party()));
    assert!(roles(&t, "wirefly").contains(&Role::Subject));
    assert_eq!(t.interactions.len(), 1);
    assert_eq!(t.interactions[0].company, "wirefly");
    // A bank's card is the bank's own service, not a product brand.
    let t = tag_text(
        "blog",
        None,
        "I found a strange charge on my Bank of America debit card.",
    );
    assert_eq!(roles(&t, "bank_of_america"), vec![Role::Subject]);
}

#[test]
fn tweets_customer_unknown_company_reply_yes_headline_none() {
    // A customer's tweet to a company says nothing of an answer.
    let t = tag_text(
        "tweet",
        Some("115000"),
        "@JetBlue Help - I left my Nikon camera under the seat. What do I do?",
    );
    assert_eq!(t.interactions.len(), 1);
    assert_eq!(t.interactions[0].responded, Responded::Unknown);
    assert_eq!(roles(&t, "nikon"), vec![Role::Mention]);
    // The company's reply is an answer, its asks for a DM a redirect, not a DM used.
    let t = tag_text(
        "tweet",
        Some("ChaseSupport"),
        "@105835 Please DM your name, zip code and additional details about your concern.",
    );
    let i = &t.interactions[0];
    assert_eq!(i.responded, Responded::Yes);
    assert_eq!(i.sentiment, "neutral");
    assert_eq!(i.channels, vec!["twitter".to_string()]);
    assert_eq!(i.redirect_to, vec!["twitter_dm".to_string()]);
    // ... unless it says the DM was sent.
    let t = tag_text(
        "tweet",
        Some("ChipotleTweets"),
        "@115737 My apologies for that. Just sent you a DM to help.",
    );
    assert!(t.interactions[0].channels.contains(&"twitter_dm".into()));
    // A possessive handle in a headline is no exchange at all.
    let t = tag_text(
        "tweet",
        None,
        "@JetBlue's CEO Battles to Appease Passengers - http://t.co/x",
    );
    assert_eq!(roles(&t, "jetblue"), vec![Role::Mention]);
    assert!(t.interactions.is_empty());
    // A tweet to an anonymised account is an exchange with an unnamed company.
    let t = tag_text(
        "tweet",
        Some("116017"),
        "Hey @116016 we need to talk about these pending charges.",
    );
    assert_eq!(t.interactions.len(), 1);
    assert_eq!(t.interactions[0].company, UNNAMED);
}

#[test]
fn no_exchange_no_interaction_and_company_started_contact_is_no_answer() {
    // A complaint about a company with no contact: the company the data set gives is the
    // subject, but the text tells no exchange.
    let doc = Document {
        id: "t:1".into(),
        text: "CAPITAL ONE BANK IS FALSELY REPORTING 2 ACCOUNTS AS INCLUDED IN BANKRUPTCY.".into(),
        given: [(
            "company".to_string(),
            "CAPITAL ONE FINANCIAL CORPORATION".to_string(),
        )]
        .into(),
        ..Document::default()
    };
    let t = Lexicons::defaults().tag_as_text(doc);
    assert_eq!(roles(&t, "capital_one"), vec![Role::Subject]);
    assert!(t.interactions.is_empty());
    // General advice in a blog names channels but no exchange.
    let t = tag_text(
        "blog",
        None,
        "Try to get in touch by mail, email or by telephone. If ignored, try Twitter.",
    );
    assert!(t.interactions.is_empty());
    // An email the collector sent unasked is contact, not an answer.
    let t = tag_text(
        "post",
        None,
        "I got an email detailing collections on an account from 2018 through a tribal \
         lender. This is the first time I've ever been contacted over this.",
    );
    assert_eq!(t.interactions.len(), 1);
    assert_eq!(t.interactions[0].responded, Responded::Unknown);
    assert_eq!(t.interactions[0].channels, vec!["email".to_string()]);
    // After the customer called, a letter from the company is an answer.
    let t = tag_text(
        "complaint",
        None,
        "I called Citi twice. Then I received a letter from Citi saying the check was sent.",
    );
    assert_eq!(t.interactions[0].responded, Responded::Yes);
}

#[test]
fn planned_asked_and_denied_channels_are_not_used() {
    let t = tag_text(
        "post",
        None,
        "We have 6 payday loans. I plan on submitting the letter to revoke ACH today. \
         Should I call my bank?",
    );
    assert!(
        t.tags.iter().all(|x| x.set != TagSet::Channel),
        "{:?}",
        t.tags
    );
    let t = tag_text(
        "tweet",
        Some("115799"),
        "@AirAsiaSupport Hi Yana I don't have any DMs from you. Did you mean email?",
    );
    assert_eq!(t.interactions[0].channels, vec!["twitter".to_string()]);
}

#[test]
fn an_answer_that_never_came_is_no_answer_and_its_channel_unused() {
    use Responded::{No, Unknown};
    for (text, responded, channels) in [
        (
            "I emailed Comcast in May and I never received a response.",
            No,
            vec!["email"],
        ),
        (
            "I called Comcast twice. I have not yet received any written reply.",
            No,
            vec!["phone"],
        ),
        (
            "I called Comcast but can't get ahold of anyone.",
            No,
            vec!["phone"],
        ),
        // A letter that never came is no use of the mail; it does not say that nobody
        // answered.
        (
            "I called Comcast but I never received a letter confirming the refund.",
            Unknown,
            vec!["phone"],
        ),
        (
            "I disputed it with Comcast. I have never received any notification, via phone, \
             text, email or mail.",
            Unknown,
            vec![],
        ),
    ] {
        let t = tag_text("blog", None, text);
        let i = &t.interactions[0];
        assert_eq!(i.responded, responded, "{text}: {:?}", t.tags);
        // Nothing was solved.
        assert_eq!(i.resolution, "unresolved", "{text}");
        assert_eq!(i.channels, channels, "{text}: {:?}", t.tags);
    }
    // A refusal and a plea that the calls stop: the problem remains.
    for text in [
        "Netcredit would not delete my personal information when I called.",
        "I asked them to stop calling me at work, and they called again.",
    ] {
        let t = tag_text("complaint", None, text);
        assert_eq!(t.interactions[0].resolution, "unresolved", "{text}");
    }
}

#[test]
fn the_company_asked_for_comment_by_the_press_is_no_answer_to_the_customer() {
    for text in [
        "Maria Lopez said she called Comcast four times about the double bill. Comcast did \
         not respond to a request for comment on Tuesday.",
        "Maria Lopez said she called Comcast four times about the double bill. A Comcast \
         spokesperson declined to comment.",
    ] {
        let t = tag_text("blog", None, text);
        let i = &t.interactions[0];
        assert_eq!(i.company, "comcast");
        assert_eq!(i.responded, Responded::Unknown, "{text}: {:?}", t.tags);
        assert_eq!(i.resolution, "unknown", "{text}: {:?}", t.tags);
    }
    // The customer's own "no reply" in another sentence still counts.
    let t = tag_text(
        "blog",
        None,
        "I called Comcast four times and nobody called me back. Comcast did not respond to \
         a request for comment.",
    );
    assert_eq!(t.interactions[0].responded, Responded::No);
}

#[test]
fn in_a_report_told_in_the_third_person_she_is_the_customer() {
    let report = "A Denver woman says Comcast billed her twice. Maria Lopez said she called \
                  Comcast four times. \"Nobody ever followed up. I gave up,\" she said.";
    let t = tag_text("blog", None, report);
    assert_eq!(t.interactions[0].responded, Responded::No, "{:?}", t.tags);
    // Told in the first person, "she" is the one who answered.
    let story = "I called Comcast four times about the double bill. She said it was fixed.";
    let t = tag_text("blog", None, story);
    assert_eq!(t.interactions[0].responded, Responded::Yes, "{:?}", t.tags);
}

#[test]
fn third_party_channel_is_a_mention_and_names_next_to_quotes_match() {
    let t = tag_text(
        "blog",
        None,
        "I have been a Comcast customer for years. After three weeks of silence I filed a \
         complaint with the Better Business Bureau.",
    );
    // The Better Business Bureau is a channel (third party), not a company of the story.
    assert!(!roles(&t, "better_business_bureau")
        .iter()
        .any(|r| r.is_party()));
    assert!(t.interactions[0].channels.contains(&"third_party".into()));
    assert!(roles(&t, "comcast").contains(&Role::Subject));
    let i = &t.interactions[0];
    assert_eq!(i.company, "comcast");
    assert_eq!(
        (i.latency_kind.as_deref(), i.latency_seconds),
        (Some("at_least"), Some(1_814_400.0))
    );
    // A quoted company reply answers the customer.
    let t = tag_text(
        "tweet",
        None,
        "“@USAirways: @AnnetteNaif We appreciate the #shoutout. DM confirmation code.” Code?",
    );
    assert_eq!(roles(&t, "us_airways"), vec![Role::Responder]);
    assert_eq!(t.interactions[0].responded, Responded::Yes);
}

proptest::proptest! {
    /// The span index answers as the pair-by-pair checks it replaced (which made a long
    /// sentence full of names quadratic).
    #[test]
    fn spans_answer_like_a_scan(
        spans in proptest::collection::vec((0usize..40, 0usize..12), 0..20),
        a in 0usize..50,
        len in 0usize..12,
    ) {
        let spans: Vec<(usize, usize)> = spans.into_iter().map(|(s, n)| (s, s + n)).collect();
        let b = a + len;
        let index = Spans::new(spans.clone());
        proptest::prop_assert_eq!(
            index.contains(a, b),
            spans.iter().any(|&(s, e)| s <= a && b <= e)
        );
        proptest::prop_assert_eq!(
            index.overlaps(a, b),
            spans.iter().any(|&(s, e)| s < b && a < e)
        );
        proptest::prop_assert_eq!(
            index.contains_longer(a, b),
            spans.iter().any(|&(s, e)| s <= a && b <= e && e - s > b - a)
        );
    }
}

#[test]
fn a_long_sentence_full_of_names_and_channels_is_tagged_once_per_sentence() {
    // One sentence, 2,000 stories: every company, channel and delay in it used to rescan
    // the whole sentence (minutes); now each sentence-wide check runs once.
    let story = "I called Comcast about my email address and they replied within 5 minutes, ";
    let text = story.repeat(2000);
    let t = tag_text("blog", None, &text);
    let count = |set: TagSet, label: &str| {
        t.tags
            .iter()
            .filter(|x| x.set == set && x.label == label)
            .count()
    };
    assert_eq!(count(TagSet::Company, "comcast"), 2000);
    assert_eq!(count(TagSet::Channel, "phone"), 2000);
    assert_eq!(
        count(TagSet::Channel, "email"),
        0,
        "\"email address\" is no channel"
    );
    assert_eq!(count(TagSet::Latency, "at_most"), 2000);
    assert_eq!(t.interactions.len(), 1);
    assert_eq!(t.interactions[0].latency_seconds, Some(300.0));
}

#[test]
fn nobody_answering_is_no_answer() {
    for text in [
        "I called Comcast twice and nobody called me back.",
        "I emailed Comcast and no one replied.",
    ] {
        let t = tag_text("blog", None, text);
        assert!(
            !t.tags
                .iter()
                .any(|x| x.set == TagSet::Responded && x.label == "yes"),
            "{text}: {:?}",
            t.tags
        );
    }
    // "I called" is the customer's call even when the company called back later on.
    let t = tag_text("blog", None, "I called Comcast and they called me back.");
    let actors: Vec<_> = t
        .tags
        .iter()
        .filter(|x| x.set == TagSet::Channel)
        .map(|x| (x.start, x.actor))
        .collect();
    assert_eq!(
        actors,
        [(0, Some(Actor::Customer)), (21, Some(Actor::Company))]
    );
    assert!(nobody_before("and nobody ", 11));
    assert!(nobody_before("No one ", 7));
    assert!(!nobody_before("someone ", 8));
}

#[test]
fn durations() {
    assert_eq!(duration(Some("5"), "minutes"), Some(300.0));
    assert_eq!(duration(Some("half an"), "hour"), Some(1800.0));
    assert_eq!(duration(Some("two"), "days"), Some(172_800.0));
    assert_eq!(duration(None, "minutes"), None);
    assert_eq!(duration(None, "hour"), Some(3600.0));
}

#[test]
fn a_long_text_of_distinct_company_names_is_tagged_in_linear_time() {
    // 5,000 distinct companies, each confirmed by a dealing and named again later, in one
    // long story: discovery, repeats and short forms look names up, never pair them up.
    let mut text = String::new();
    for i in 0..5000 {
        let name = format!("Qz{}x{} Energy", i * 7919 % 10007, i);
        text.push_str(&format!(
            "I called {name} and {name} never replied. Quiet day. "
        ));
    }
    let start = std::time::Instant::now();
    let t = tag_text("blog", None, &text);
    let companies: std::collections::BTreeSet<&str> = t
        .tags
        .iter()
        .filter(|x| x.set == TagSet::Company)
        .map(|x| x.label)
        .collect();
    assert_eq!(companies.len(), 5000);
    eprintln!("5,000 companies tagged in {:?}", start.elapsed());
}

/// The literal pass only skips rules that cannot match: the tagger running every rule on
/// every text gives the same tags and interactions, on texts of each open data set (tweets
/// with their authors, complaint narratives, forum posts, the seed stories).
#[test]
fn the_literal_pass_changes_no_tag() {
    let lex = Lexicons::defaults();
    let mut every = lex.clone();
    // An empty pattern has no string a match must contain: every rule is always run.
    let none = |n: usize| vec![(String::new(), false); n];
    let (c, o, r) = (
        none(lex.channels.patterns.len()),
        none(lex.outcomes.patterns.len()),
        none(lex.roles.patterns.len()),
    );
    every.literals = prefilter::Prefilter::new(&[&c, &o, &r], lex.acts.verbs()).unwrap();
    let column =
        |csv_text: &str, name: &str, author: Option<&str>| -> Vec<(String, Option<String>)> {
            let mut rd = csv::Reader::from_reader(csv_text.as_bytes());
            let header = rd.headers().unwrap().clone();
            let at = |n: &str| header.iter().position(|h| h == n).unwrap();
            let (t, a) = (at(name), author.map(at));
            rd.records()
                .map(|r| {
                    let r = r.unwrap();
                    (r[t].to_string(), a.map(|a| r[a].to_string()))
                })
                .collect()
        };
    let mut docs: Vec<(Shape, Option<String>, String)> = Vec::new();
    for (text, author) in column(
        include_str!("../../tests/fixtures/corpora/twcs_head1000.csv"),
        "text",
        Some("author_id"),
    ) {
        docs.push((Shape::Short, author, text));
    }
    for (file, name, shape) in [
        (
            include_str!("../../tests/fixtures/corpora/airline_tweets.csv"),
            "text",
            Shape::Short,
        ),
        (
            include_str!("../../tests/fixtures/corpora/comcast_complaints.csv"),
            "Customer Complaint",
            Shape::Short,
        ),
        (
            include_str!("../../tests/fixtures/corpora/cfpb_complaints.csv"),
            "Consumer complaint narrative",
            Shape::Long,
        ),
        (
            include_str!("../../tests/fixtures/corpora/reddit_posts.csv"),
            "post_text",
            Shape::Long,
        ),
    ] {
        for (text, _) in column(file, name, None) {
            docs.push((shape, None, text));
        }
    }
    for seed in SEEDS {
        docs.push((Shape::Long, None, seed.to_string()));
    }
    let (mut skipped, mut tags) = (0usize, 0usize);
    for (shape, author, text) in docs {
        let doc = Document {
            id: "t:1".into(),
            kind: if shape == Shape::Short {
                "tweet"
            } else {
                "post"
            }
            .into(),
            shape,
            channel: (shape == Shape::Short).then(|| "twitter".to_string()),
            author,
            text,
            ..Document::default()
        };
        let pass = lex.literals.hits(&doc.text);
        skipped += (0..lex.outcomes.patterns.len())
            .filter(|&i| !pass.matched(OUTCOMES, i))
            .count();
        let (a, b) = (lex.tag_as_text(doc.clone()), every.tag_as_text(doc));
        tags += a.tags.len();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap(),
            "{:?}",
            a.doc.text
        );
    }
    assert!(skipped > 10_000, "the pass skips rules ({skipped} skipped)");
    assert!(tags > 5_000, "the texts are tagged ({tags} tags)");
}

/// Whether rule `rule` of set `set` tagged the text.
fn fired(t: &TaggedDoc, set: TagSet, rule: &str) -> bool {
    t.tags.iter().any(|x| x.set == set && x.rule == rule)
}

/// A rule for long texts reads no tweet: a plea for help ends a complaint whose problem is
/// still open, and opens a tweet's exchange.
#[test]
fn a_long_text_rule_reads_no_tweet() {
    let plea = |t: &TaggedDoc| fired(t, TagSet::Resolution, "resolution.unresolved.plea");
    let text = "I called Navient three times about the payment they misapplied. \
                Please help me with this matter.";
    let complaint = tag_text("complaint", None, text);
    assert!(plea(&complaint), "{:?}", complaint.tags);
    assert_eq!(
        complaint.interactions[0].resolution, "unresolved",
        "{:?}",
        complaint.interactions
    );
    let tweet = tag_text("tweet", None, &format!("@Navient {text}"));
    assert!(!plea(&tweet), "{:?}", tweet.tags);
}

/// A rule for a company's posts reads no customer's: a company's reply that thanks the
/// customer is a thanks move, a customer's "thanks" is none.
#[test]
fn a_company_rule_reads_no_customer_post() {
    let thanks = |t: &TaggedDoc| fired(t, TagSet::Move, "move.thanks.company_reply");
    let reply = tag_text(
        "tweet",
        Some("AppleSupport"),
        "@115749 The update should fix that battery drain. Thanks",
    );
    assert!(thanks(&reply), "{:?}", reply.tags);
    let customer = tag_text(
        "tweet",
        Some("115749"),
        "@AppleSupport The update did not fix the battery drain. Thanks",
    );
    assert!(!thanks(&customer), "{:?}", customer.tags);
}
