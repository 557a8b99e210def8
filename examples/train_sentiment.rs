//! Trains the built-in sentiment model (`src/tag/models/sentiment.bin`) on the airline tweets.
//!
//! ```text
//! cargo run --release --example train_sentiment -- \
//!     ../shared/corpora/airline-tweets/Tweets_sample2000.csv src/tag/models/sentiment.bin \
//!     [tests/fixtures/sentiment/airline_heldout.csv]
//! ```
//!
//! Reads the CSV (columns `tweet_id`, `airline_sentiment`, `airline_sentiment_confidence`,
//! `text`; HTML entities in the text decoded), holds out the tweets whose FNV-1a 64-bit hash of
//! the `tweet_id` string is 0 mod 5, cross-validates the default options on the rest (3 x
//! 5-fold, printed), trains on the rest with each tweet weighted by the annotators' confidence,
//! writes the model, then prints its accuracy and confusion table on the held-out tweets.
//! With a third path it also writes the held-out tweets there (`tweet_id,airline_sentiment,text`,
//! text as in the source), the fixture of the unit tests.
//! Takes about a minute on two cores.

use replyscope::tag::sentiment::{cross_validate, train_weighted, Model, Polarity, TrainOptions};
use std::process::ExitCode;

/// FNV-1a 64-bit: the held-out split.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Whether a tweet is in the held-out fifth.
fn held_out(tweet_id: &str) -> bool {
    fnv1a(tweet_id).is_multiple_of(5)
}

struct Tweet {
    id: String,
    label: Polarity,
    confidence: f64,
    raw_text: String,
    text: String,
}

fn read(path: &str) -> Result<Vec<Tweet>, String> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let hdr = rdr.headers().map_err(|e| e.to_string())?.clone();
    let col = |n: &str| {
        hdr.iter()
            .position(|h| h == n)
            .ok_or_else(|| format!("{path}: no column {n}"))
    };
    let (ci, cl, cc, ct) = (
        col("tweet_id")?,
        col("airline_sentiment")?,
        col("airline_sentiment_confidence")?,
        col("text")?,
    );
    let mut out = Vec::new();
    for (n, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| format!("{path}: record {}: {e}", n + 1))?;
        let field = |i: usize| r.get(i).unwrap_or("");
        let label = Polarity::from_label(field(cl))
            .ok_or_else(|| format!("{path}: record {}: bad label {:?}", n + 1, field(cl)))?;
        out.push(Tweet {
            id: field(ci).to_string(),
            label,
            confidence: field(cc).parse().unwrap_or(1.0),
            raw_text: field(ct).to_string(),
            text: html_escape::decode_html_entities(field(ct)).into_owned(),
        });
    }
    Ok(out)
}

fn argmax(p: [f32; 3]) -> usize {
    let mut best = 0;
    for k in 1..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    best
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        return Err("usage: train_sentiment TWEETS.csv OUT.bin [HELDOUT_FIXTURE.csv]".into());
    }
    let tweets = read(&args[0])?;
    let (test, train): (Vec<&Tweet>, Vec<&Tweet>) = tweets.iter().partition(|t| held_out(&t.id));
    println!(
        "{} tweets: {} for training, {} held out",
        tweets.len(),
        train.len(),
        test.len()
    );
    let examples: Vec<(String, Polarity)> =
        train.iter().map(|t| (t.text.clone(), t.label)).collect();
    let weights: Vec<f64> = train.iter().map(|t| t.confidence).collect();
    let opts = TrainOptions::default();
    println!("options: {opts:?}");

    let mut accs = Vec::new();
    for seed in 0..3 {
        let p = cross_validate(&examples, Some(&weights), &opts, 5, seed);
        let right = p
            .iter()
            .zip(&examples)
            .filter(|(p, e)| argmax(**p) == e.1.index())
            .count();
        accs.push(right as f64 / examples.len() as f64);
    }
    let cv = accs.iter().sum::<f64>() / accs.len() as f64;
    println!("cross-validation accuracy (3 x 5-fold, training part): {cv:.4} {accs:.4?}");

    let model = train_weighted(&examples, Some(&weights), &opts);
    let bytes = model.to_bytes();
    // what is written must read back as the same model
    if Model::from_bytes(&bytes).as_ref() != Ok(&model) {
        return Err("the model does not read back as written".into());
    }
    std::fs::write(&args[1], &bytes).map_err(|e| format!("{}: {e}", args[1]))?;
    println!("wrote {} ({} bytes)", args[1], bytes.len());

    let mut conf = [[0usize; 3]; 3];
    for t in &test {
        conf[t.label.index()][model.classify(&t.text).index()] += 1;
    }
    let right: usize = (0..3).map(|k| conf[k][k]).sum();
    println!(
        "held-out accuracy: {:.4} ({right}/{})",
        right as f64 / test.len().max(1) as f64,
        test.len()
    );
    println!("confusion (rows: label, columns: predicted)");
    println!(
        "{:>10} {:>9} {:>9} {:>9}",
        "", "negative", "neutral", "positive"
    );
    for p in Polarity::ALL {
        let r = conf[p.index()];
        println!("{:>10} {:>9} {:>9} {:>9}", p.as_str(), r[0], r[1], r[2]);
    }

    if let Some(path) = args.get(2) {
        let mut w = csv::Writer::from_path(path).map_err(|e| format!("{path}: {e}"))?;
        let io = |e: csv::Error| format!("{path}: {e}");
        w.write_record(["tweet_id", "airline_sentiment", "text"])
            .map_err(io)?;
        for t in &test {
            w.write_record([t.id.as_str(), t.label.as_str(), t.raw_text.as_str()])
                .map_err(io)?;
        }
        w.flush().map_err(|e| format!("{path}: {e}"))?;
        println!("wrote {path} ({} tweets)", test.len());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train_sentiment: {e}");
            ExitCode::FAILURE
        }
    }
}
