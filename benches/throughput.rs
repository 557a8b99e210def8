//! Criterion benches of the hot paths: tagging throughput (bytes per second on one core) and
//! reader throughput per format. Inputs are the committed fixtures, so the benches run on a
//! clone without ../shared. `cargo bench --bench throughput`; CI only builds them.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use replyscope::ingest::manifest::{Format, ManifestFile};
use replyscope::ingest::{structured, whole_file};
use replyscope::model::Document;
use replyscope::tag::sentiment::Polarity;
use replyscope::tag::Lexicons;
use std::hint::black_box;

// Tagging and reading as the binary runs them: with its allocator (src/main.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEEDS: &[&str] = &[
    include_str!("../corpus/seeds/000_fdbd4c938871ac11.txt"),
    include_str!("../corpus/seeds/001_cf68434358fba99b.txt"),
    include_str!("../corpus/seeds/002_5df654dbd229bebf.txt"),
    include_str!("../corpus/seeds/003_fce58c3ab8835649.txt"),
    include_str!("../corpus/seeds/004_97d3d5276ba1948e.txt"),
];
const TWCS: &str = include_str!("../tests/fixtures/corpora/twcs_head1000.csv");
const PAGE: &str = include_str!("../tests/fixtures/bad_input/pages/page.html");

/// The tweets' texts of the twcs fixture.
fn tweets() -> Vec<(String, String)> {
    let mut rd = csv::Reader::from_reader(TWCS.as_bytes());
    rd.records()
        .map(|r| r.unwrap())
        .map(|r| (r[2].to_string(), r[5].to_string()))
        .collect()
}

fn tagging(c: &mut Criterion) {
    let lex = Lexicons::defaults();
    let mut g = c.benchmark_group("tag");
    let blogs: Vec<Document> = SEEDS
        .iter()
        .enumerate()
        .map(|(i, t)| Document {
            id: format!("s{i}"),
            kind: "blog".into(),
            text: t.to_string(),
            ..Document::default()
        })
        .collect();
    g.throughput(Throughput::Bytes(
        blogs.iter().map(|d| d.text.len() as u64).sum(),
    ));
    g.bench_function("blog_stories", |b| {
        b.iter(|| {
            let n: usize = blogs.iter().map(|d| lex.tag(d.clone()).tags.len()).sum();
            assert!(n > 50, "the seed stories have tags");
            black_box(n)
        })
    });
    let tweets: Vec<Document> = tweets()
        .into_iter()
        .enumerate()
        .map(|(i, (author, text))| Document {
            id: format!("t{i}"),
            kind: "tweet".into(),
            // As airline.toml declares tweets on their own: short posts on Twitter.
            shape: replyscope::model::Shape::Short,
            channel: Some("twitter".into()),
            author: Some(author),
            text,
            ..Document::default()
        })
        .collect();
    let tweet_bytes: u64 = tweets.iter().map(|d| d.text.len() as u64).sum();
    g.throughput(Throughput::Bytes(tweet_bytes));
    g.bench_function("tweets", |b| {
        b.iter(|| {
            let n: usize = tweets.iter().map(|d| lex.tag(d.clone()).tags.len()).sum();
            assert!(n > 1000);
            black_box(n)
        })
    });
    g.finish();
    // The sentiment model alone, a part of tagging (one label per tweet).
    let mut g = c.benchmark_group("sentiment");
    g.throughput(Throughput::Bytes(tweet_bytes));
    let model = replyscope::tag::sentiment::Model::builtin();
    g.bench_function("tweets", |b| {
        b.iter(|| {
            let n = tweets
                .iter()
                .filter(|d| model.classify(&d.text) == Polarity::Negative)
                .count();
            black_box(n)
        })
    });
    g.finish();
    // Other parts of tagging the tweets, each alone: the gazetteer's names, the sentence
    // spans.
    let mut g = c.benchmark_group("tag_part");
    g.throughput(Throughput::Bytes(tweet_bytes));
    g.bench_function("gazetteer", |b| {
        b.iter(|| {
            let n: usize = tweets
                .iter()
                .map(|d| lex.gazetteer.find(&d.text).len())
                .sum();
            black_box(n)
        })
    });
    g.bench_function("sentences", |b| {
        b.iter(|| {
            let n: usize = tweets
                .iter()
                .map(|d| replyscope::tag::text::sentences(&d.text).len())
                .sum();
            black_box(n)
        })
    });
    g.finish();
}

fn readers(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    let text = SEEDS.concat();
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("text", |b| {
        b.iter(|| black_box(whole_file::read(text.as_bytes(), Format::Text).unwrap()))
    });
    let md = SEEDS
        .iter()
        .map(|s| format!("# Story\n\n{s}\n"))
        .collect::<String>();
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("markdown", |b| {
        b.iter(|| black_box(whole_file::read(md.as_bytes(), Format::Markdown).unwrap()))
    });
    let html = PAGE.repeat(20);
    g.throughput(Throughput::Bytes(html.len() as u64));
    g.bench_function("html", |b| {
        b.iter(|| black_box(whole_file::read(html.as_bytes(), Format::Html).unwrap()))
    });

    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("twcs.csv");
    std::fs::write(&csv_path, TWCS).unwrap();
    let jsonl_path = dir.path().join("twcs.jsonl");
    let lines: String = tweets()
        .into_iter()
        .enumerate()
        .map(|(i, (a, t))| serde_json::json!({"id": i, "author": a, "text": t}).to_string() + "\n")
        .collect();
    std::fs::write(&jsonl_path, &lines).unwrap();
    let spec = |format: &str, fields: &str| {
        let text = format!("version = 1\n[[source]]\nname = \"s\"\npath = \"x\"\nformat = \"{format}\"\nkind = \"tweet\"\n[source.fields]\n{fields}\n");
        toml::from_str::<ManifestFile>(&text)
            .unwrap()
            .sources
            .remove(0)
    };
    let csv_spec = spec("csv", "id = \"tweet_id\"\ntext = \"text\"\nauthor = \"author_id\"\ncreated_at = \"created_at\"\nin_reply_to = \"in_response_to_tweet_id\"\nreplies = \"response_tweet_id\"\ninbound = \"inbound\"");
    let json_spec = spec("jsonl", "id = \"id\"\ntext = \"text\"\nauthor = \"author\"");
    for (name, path, spec, bytes) in [
        ("csv", &csv_path, &csv_spec, TWCS.len()),
        ("jsonl", &jsonl_path, &json_spec, lines.len()),
    ] {
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let (mut reader, mapper) = structured::open(path, spec).unwrap().unwrap();
                let mut n = 0;
                loop {
                    let batch = reader.next_batch(8192, usize::MAX).unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    n += batch
                        .into_iter()
                        .filter_map(|r| mapper.map(spec, "f", r).ok())
                        .count();
                }
                assert_eq!(n, 1000);
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, tagging, readers);
criterion_main!(benches);
