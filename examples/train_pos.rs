//! Trains the part-of-speech model on UD English-EWT and writes it.
//!
//! ```text
//! cargo run --release --example train_pos -- ../shared/corpora/ud-english-ewt src/tag/models/pos.bin
//! ```
//!
//! Reads `en_ewt-ud-{train,dev,test}.conllu` from the directory, trains with the default
//! options of `replyscope::tag::pos::TrainOptions` (the built-in model's), writes the model,
//! and prints UPOS accuracy on dev and test with gold tokens and with the `# text` lines
//! re-tokenized by `replyscope::tag::tokens`, PROPN precision and recall, an upper-cased
//! copy of test, the model's size, load time and tagging speed. Optional third argument:
//! the number of iterations.

use replyscope::tag::pos::{self, Model, Sentence, TrainOptions, Upos};
use replyscope::tag::tokens;
use std::path::Path;
use std::time::Instant;

fn read(dir: &Path, split: &str) -> Vec<Sentence> {
    let path = dir.join(format!("en_ewt-ud-{split}.conllu"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    pos::read_conllu(&text)
}

fn report(name: &str, m: &Model, s: &[Sentence]) {
    let e = pos::evaluate(m, s);
    let r = pos::evaluate_retokenized(m, s);
    println!(
        "{name:>5}: {} sentences, {} words: UPOS {:.2} %, PROPN precision {:.3} recall {:.3}; \
         re-tokenized: {:.2} % of words aligned, UPOS {:.2} % of those",
        s.len(),
        e.words,
        100.0 * e.accuracy(),
        e.precision(Upos::Propn),
        e.recall(Upos::Propn),
        100.0 * r.aligned(),
        100.0 * r.accuracy(),
    );
}

fn upper(s: &[Sentence]) -> Vec<Sentence> {
    s.iter()
        .map(|s| Sentence {
            words: s.words.iter().map(|w| w.to_uppercase()).collect(),
            text: s.text.to_uppercase(),
            spans: vec![None; s.words.len()],
            ..s.clone()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: train_pos CORPUS_DIR OUT_MODEL [ITERATIONS]");
        std::process::exit(2);
    }
    let dir = Path::new(&args[1]);
    let mut opts = TrainOptions::default();
    if let Some(n) = args.get(3) {
        opts.iterations = n.parse().expect("iterations: a number");
    }
    let (train, dev, test) = (read(dir, "train"), read(dir, "dev"), read(dir, "test"));
    let t = Instant::now();
    let model = pos::train_with(&train, &opts);
    println!(
        "trained on {} sentences in {:.1} s ({opts:?})",
        train.len(),
        t.elapsed().as_secs_f64()
    );
    let bytes = model.to_bytes();
    std::fs::write(&args[2], &bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", args[2]));
    let mut load = f64::MAX;
    let mut model = None;
    for _ in 0..5 {
        let t = Instant::now();
        model = Some(Model::from_bytes(&bytes).expect("the model just written reads back"));
        load = load.min(t.elapsed().as_secs_f64());
    }
    let model = model.expect("loaded");
    println!(
        "wrote {}: {} bytes, {} features; from_bytes {:.1} ms (best of 5)",
        args[2],
        bytes.len(),
        model.n_features(),
        load * 1e3
    );
    report("dev", &model, &dev);
    report("test", &model, &test);
    let e = pos::evaluate(&model, &upper(&test));
    println!("test upper-cased: UPOS {:.2} %", 100.0 * e.accuracy());

    // Speed on the test texts, best of 10 rounds (the machine may be busy): the tokenizer on
    // their concatenation, the tagger on their gold-token sentences.
    let all: String = test
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<Vec<&str>> = test
        .iter()
        .map(|s| s.words.iter().map(String::as_str).collect())
        .collect();
    let (mut tok_secs, mut tag_secs) = (f64::MAX, f64::MAX);
    let (mut n_tokens, mut n_tagged) = (0, 0);
    let mut toks = Vec::new();
    let mut out = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        toks.clear();
        tokens::tokenize_into(&all, &mut toks);
        n_tokens = toks.len();
        tok_secs = tok_secs.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        n_tagged = 0;
        for w in &words {
            model.tag_into(w, &mut out);
            n_tagged += out.len();
        }
        tag_secs = tag_secs.min(t.elapsed().as_secs_f64());
    }
    println!(
        "speed: tokenizer {:.1} MB/s ({:.1} M tokens/s); tagger {:.0} k tokens/s",
        all.len() as f64 / tok_secs / 1e6,
        n_tokens as f64 / tok_secs / 1e6,
        n_tagged as f64 / tag_secs / 1e3
    );
}
