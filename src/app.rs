//! Runs a parsed command line and prints its results: the only place besides `main` that
//! writes to the terminal.

use crate::cli::{Args, Command, SearchFormat, TagFormat};
use crate::model::{Document, Tag, TagSet};
use crate::{config, pipeline, search};
use anyhow::Context;
use std::io::{IsTerminal, Write};

/// A line on stderr. A closed stderr (`replyscope run 2>&1 | head -1`) must not stop the run
/// half way, so a failed write is ignored, unlike `eprintln!`, which panics.
macro_rules! note {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// What a finished command reports for the exit status.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records rejected (exit status 1 when non-zero).
    pub rejects: u64,
    /// Query files that failed (the exit status when non-zero).
    pub failed_queries: u64,
}

/// Runs one command.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    crate::timing::stage("start");
    let threads = config::threads(args.threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    pool.install(|| match args.command {
        Command::Index(a) => {
            let cfg = config::index_config(&a, threads)?;
            index(&cfg, a.quiet)
        }
        Command::Sql(a) => sql(&a),
        Command::Tag(a) if a.stream => tag_stream(&a),
        Command::Tag(a) => tag_text(&a),
        Command::Companies(a) => {
            let lex = config::lexicons(&a.rule_args, None)?;
            let mut rows = crate::companies::list(&a.index, &lex, a.discovered)?;
            let masker = crate::mask::Masker::for_index(&a.index, a.unmask)?;
            for e in rows.iter_mut().flat_map(|r| r.evidence.iter_mut()) {
                e.context = masker.text(&e.context);
            }
            print_companies(&rows, a.format)?;
            Ok(Outcome::default())
        }
        Command::Explain(a) => {
            let mut e = crate::explain::explain(&a.index, &a.id)?;
            let masker = crate::mask::Masker::for_index(&a.index, a.unmask)?;
            crate::explain::mask(&mut e, &masker);
            print_explained(&e, a.format)?;
            Ok(Outcome::default())
        }
        Command::IngestFile {
            corpus,
            source,
            file,
            shown,
            file_id,
            max_record_bytes,
        } => {
            let manifest = crate::ingest::Manifest::load_specs(&corpus)?;
            let opts = crate::ingest::Options {
                max_record_bytes,
                ..Default::default()
            };
            let mut sink = crate::stream::JsonSink::new(std::io::stdout().lock());
            let summary = crate::ingest::read_file_as(
                &manifest, &source, &file, &shown, &file_id, &opts, &mut sink,
            )?;
            sink.finish(&summary)?;
            Ok(Outcome::default())
        }
        Command::BenchCorpus { from, scale, out } => {
            let n = crate::bench::corpus(&from, scale, &out)?;
            note!("replyscope: wrote {n} tweets to {}", out.display());
            Ok(Outcome::default())
        }
        Command::BenchSearch {
            index,
            queries,
            passes,
        } => bench_search(&index, &queries, passes),
        Command::BenchBaseline { data, out } => {
            let n = crate::bench::baseline(&data, &out, threads)?;
            note!(
                "replyscope: bare tantivy index of {n} documents in {}",
                out.display()
            );
            Ok(Outcome::default())
        }
        Command::Query(a) => query_command(&a),
        Command::Report(a) => {
            let files = query_files(&a.queries)?;
            let failed = report(&a.index, &files, &a.out, &a.format, &a.report)?;
            Ok(Outcome {
                rejects: 0,
                failed_queries: failed,
            })
        }
        Command::Run(a) => run_command(&a, threads),
        Command::Eval(a) => eval(&a),
        Command::Sample(a) => sample(&a),
        Command::Agree(a) => agree(&a),
        Command::Watch(a) => watch(&a),
        Command::Search(a) => search_command(&a),
    })
}

/// Times searches of a list of queries on an index and prints the median, p90, p99 and
/// slowest.
fn bench_search(
    index: &std::path::Path,
    queries: &std::path::Path,
    passes: usize,
) -> anyhow::Result<Outcome> {
    let mut times = crate::bench::searches(index, queries, passes, 10)?;
    let n = times.len();
    times.sort_by(|a, b| a.1.total_cmp(&b.1));
    let ms = |q: f64| {
        crate::query::metrics::quantile(&times.iter().map(|t| t.1).collect::<Vec<_>>(), q)
            .unwrap_or(0.0)
            * 1000.0
    };
    println!(
        "searches {n}  median_ms {:.3}  p90_ms {:.3}  p99_ms {:.3}  max_ms {:.3}",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(1.0)
    );
    for (q, t) in times.iter().rev().take(3) {
        println!("slowest {:.3} ms  {q}", t * 1000.0);
    }
    Ok(Outcome::default())
}

/// Turns query files into SQL: prints it, or the rows a SQL engine gives for it.
fn sql(a: &crate::cli::SqlArgs) -> anyhow::Result<Outcome> {
    let files = if a.queries.is_empty() {
        query_files(std::path::Path::new("queries"))?
    } else {
        a.queries.clone()
    };
    let failed = match &a.rows {
        Some(rows) => sql_table(a, &files, rows)?,
        None => sql_print(a, &files)?,
    };
    Ok(Outcome {
        rejects: 0,
        failed_queries: failed as u64,
    })
}

/// Tags JSON lines from standard input, one answer line per input line.
fn tag_stream(a: &crate::cli::TagArgs) -> anyhow::Result<Outcome> {
    let lex = config::lexicons(&a.rule_args, None)?;
    if a.file.as_os_str() != "-" && a.file.as_os_str() != "/dev/stdin" {
        anyhow::bail!("--stream reads standard input; drop the file argument");
    }
    let s = crate::stream::run(
        &lex,
        std::io::stdin(),
        std::io::stdout().lock(),
        a.max_line_bytes,
    )
    .context("tag --stream")?;
    if s.errors > 0 {
        note!(
            "replyscope: tag --stream: {} lines, {} answered with an error",
            s.lines,
            s.errors
        );
    }
    Ok(Outcome::default())
}

/// Tags one text (a file or standard input) and prints its tags and interactions.
fn tag_text(a: &crate::cli::TagArgs) -> anyhow::Result<Outcome> {
    let lex = config::lexicons(&a.rule_args, None)?;
    let limit = crate::files::TEXT_FILE_LIMIT;
    let text = if a.file.as_os_str() == "-" || a.file.as_os_str() == "/dev/stdin" {
        let bytes = crate::files::read_capped(std::io::stdin().lock(), limit)
            .context("cannot read standard input")?;
        String::from_utf8(bytes).context("standard input is not UTF-8 text")?
    } else {
        crate::files::read_regular_text(&a.file, limit)
            .with_context(|| format!("{}: cannot read", a.file.display()))?
    };
    if let Some(c) = &a.channel {
        if !crate::tag::rules::CHANNELS.contains(&c.as_str()) {
            anyhow::bail!(
                "--channel {c:?} is not a channel label (expected one of {})",
                crate::tag::rules::CHANNELS.join(", ")
            );
        }
    }
    let mut given = std::collections::BTreeMap::new();
    for g in &a.given {
        let Some((label, value)) = g.split_once('=') else {
            anyhow::bail!("--given {g:?}: expected LABEL=VALUE, e.g. company=Equifax");
        };
        given.insert(label.trim().to_string(), value.trim().to_string());
    }
    let doc = Document {
        id: "input".into(),
        source: "input".into(),
        kind: a.kind.clone(),
        shape: match a.shape {
            crate::cli::TagShape::Short => crate::model::Shape::Short,
            crate::cli::TagShape::Long => crate::model::Shape::Long,
        },
        channel: a.channel.clone(),
        text: crate::ingest::decode::normalize_newlines(&text),
        author: a.author.clone(),
        given,
        ..Document::default()
    };
    let tagged = lex.tag(doc);
    print_tagged(&tagged.doc, &tagged.tags, &tagged.interactions, a.format)?;
    Ok(Outcome::default())
}

/// Runs query files over one index or the shards of one corpus.
fn query_command(a: &crate::cli::QueryArgs) -> anyhow::Result<Outcome> {
    // Directories after the first index are more indexes (the shards of one corpus).
    let mut indexes = vec![a.index.clone()];
    let mut files = Vec::new();
    for p in &a.queries {
        if p.is_dir() {
            indexes.push(p.clone());
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        files = query_files(std::path::Path::new("queries"))?;
    }
    let ran = query(
        &indexes,
        &files,
        &a.out,
        &a.format,
        crate::mask::Mode::Masked,
        !a.no_cells,
    )?;
    Ok(Outcome {
        rejects: 0,
        failed_queries: ran.failed.len() as u64,
    })
}

/// Builds the index (or reuses a whole one built from the same inputs), then writes the
/// tables and the report.
fn run_command(a: &crate::cli::RunArgs, threads: usize) -> anyhow::Result<Outcome> {
    let index_args = crate::cli::IndexArgs {
        corpus: a.corpus.clone(),
        out: a.index.clone(),
        data: a.data.clone(),
        vars: Vec::new(),
        strict: false,
        quiet: false,
        wait: a.wait,
        full: a.rebuild,
        max_record_bytes: a.max_record_bytes,
        max_stdin_bytes: a.max_stdin_bytes,
        rule_args: a.rule_args.clone(),
        shard: None,
    };
    let cfg = config::index_config(&index_args, threads)?;
    let current = pipeline::current_fingerprint(&cfg)?;
    let existing = crate::index::read_manifest(&a.index).ok();
    // Same inputs are not enough to reuse an index: its files must be whole too.
    let reusable = existing
        .filter(|m| !a.rebuild && m.fingerprint == current)
        .and_then(|m| match crate::index::verify(&a.index, &m) {
            Ok(()) => Some(m),
            Err(why) => {
                note!(
                    "replyscope: index {} is damaged: {why}; rebuilding it",
                    a.index.display()
                );
                None
            }
        });
    let rejects = match reusable {
        Some(m) => {
            note!(
                "replyscope: index {} is up to date (fingerprint {}); reusing it",
                a.index.display(),
                &current[..12]
            );
            m.counts.rejects
        }
        None => index(&cfg, false)?.rejects,
    };
    let files = query_files(&a.queries)?;
    let failed = report(&a.index, &files, &a.out, &a.format, &a.report)?;
    Ok(Outcome {
        rejects,
        failed_queries: failed,
    })
}

/// Scores the tagger against a gold file, or the given labels of an index.
fn eval(a: &crate::cli::EvalArgs) -> anyhow::Result<Outcome> {
    // The built-in rules and gazetteer only, unless --companies names a study's:
    // a gold set is scored on what any user gets, not on a study's own list.
    let lex = config::lexicons(&a.rule_args, None)?;
    if a.gold.is_none() && a.index.is_none() {
        anyhow::bail!("eval needs --gold FILE or --index DIR");
    }
    if let Some(g) = &a.gold {
        crate::files::check_regular(g, crate::files::TEXT_FILE_LIMIT)
            .with_context(|| format!("{}: cannot read gold file", g.display()))?;
    }
    let report = a
        .gold
        .as_deref()
        .map(crate::tag::eval::read_gold)
        .transpose()?
        .map(|gold| crate::tag::eval::evaluate(&lex, &gold));
    let given = a
        .index
        .as_deref()
        .map(crate::index::tables::read_labels)
        .transpose()?
        .map(|docs| crate::tag::eval::given_agreement(&lex, &docs));
    print_eval(report.as_ref(), given.as_deref(), a.format)?;
    Ok(Outcome::default())
}

/// Draws a coding sample and prints its strata.
fn sample(a: &crate::cli::SampleArgs) -> anyhow::Result<Outcome> {
    let spec = crate::validity::sample::SampleSpec {
        n: a.n,
        seed: a.seed,
        stratify: a.stratify.clone(),
        table: a.table,
        with_tags: a.with_tags,
    };
    let s = crate::validity::sample::draw(&a.index, &spec)?;
    crate::validity::sample::write(&a.out, &s, &a.index)?;
    note!(
        "replyscope: drew {} of {} {} rows (seed {}) into {}/sample.jsonl and coding.html",
        s.records.len(),
        s.population,
        a.table.as_str(),
        a.seed,
        a.out.display()
    );
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<32} {:>10} {:>8} {:>10}",
        "stratum", "population", "sampled", "weight"
    )?;
    for st in &s.strata {
        writeln!(
            out,
            "{:<32} {:>10} {:>8} {:>10}",
            st.name,
            st.population,
            st.sampled,
            st.weight.map_or("-".into(), |w| format!("{w:.3}"))
        )?;
    }
    Ok(Outcome::default())
}

/// Prints the agreement of coders with each other and with the tagger.
fn agree(a: &crate::cli::AgreeArgs) -> anyhow::Result<Outcome> {
    let lex = config::lexicons(&a.rule_args, None)?;
    let coded_a = crate::validity::coded::read(&a.coded)?;
    let coded_b = a
        .coded_b
        .as_deref()
        .map(crate::validity::coded::read)
        .transpose()?;
    let r = crate::validity::agree::agree(&lex, &coded_a, coded_b.as_ref(), a.index.as_deref())?;
    let text = match a.format {
        crate::cli::AgreeFormat::Table => crate::validity::report::table(&r),
        crate::cli::AgreeFormat::Csv => crate::validity::report::csv(&r),
        crate::cli::AgreeFormat::Json => crate::validity::report::json(&r),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::default())
}

/// Searches one or more indexes and prints the hits.
fn search_command(a: &crate::cli::SearchArgs) -> anyhow::Result<Outcome> {
    let mut req = config::search_request(a)?;
    // An index that cannot be opened gets search's own message, not the masker's.
    if !a.unmask
        && a.index
            .iter()
            .all(|i| crate::index::read_manifest(i).is_ok())
    {
        req.mask = Some(std::sync::Arc::new(crate::mask::Masker::for_indexes(
            &a.index, false,
        )?));
    }
    let (count, hits) = search::search_all(&a.index, &req)?;
    print_hits(count, &hits, a.format)?;
    Ok(Outcome::default())
}

fn watch(a: &crate::cli::WatchArgs) -> anyhow::Result<Outcome> {
    use crate::cli::WatchFormat;
    use crate::watch::{self as w, Since};
    let since = match &a.since {
        Some(d) => Since::Time(
            crate::ingest::date::parse(d, None).map_err(|e| anyhow::anyhow!("--since: {e}"))?,
        ),
        None => Since::LastRun,
    };
    let searches = w::load(&a.searches)?;
    let (m, reports) = w::run(&a.index, &searches, &since, a.unmask)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = (|| -> anyhow::Result<()> {
        match a.format {
            WatchFormat::Table => {
                for r in &reports {
                    writeln!(
                        out,
                        "== {}: {} new documents, {} new interactions  ({})",
                        r.name,
                        r.documents.len(),
                        r.interactions.len(),
                        r.query
                    )?;
                    for d in &r.documents {
                        writeln!(
                            out,
                            "  {}  {}",
                            d.id,
                            d.created_at.as_deref().unwrap_or("-")
                        )?;
                        writeln!(out, "      {}", d.snippet)?;
                    }
                    for i in &r.interactions {
                        let latency = i
                            .latency_seconds
                            .map(|s| format!("  first response after {s} s"))
                            .unwrap_or_default();
                        writeln!(
                            out,
                            "  interaction {}  company {}  responded {}{latency}",
                            i.id, i.company, i.responded
                        )?;
                    }
                }
            }
            WatchFormat::Jsonl => {
                for r in &reports {
                    for d in &r.documents {
                        let mut v = serde_json::to_value(d)?;
                        v["search"] = r.name.clone().into();
                        v["type"] = "document".into();
                        writeln!(out, "{v}")?;
                    }
                    for i in &r.interactions {
                        let mut v = serde_json::to_value(i)?;
                        v["search"] = r.name.clone().into();
                        v["type"] = "interaction".into();
                        writeln!(out, "{v}")?;
                    }
                    let summary = serde_json::json!({
                        "search": r.name, "type": "summary", "query": r.query,
                        "documents": r.documents.len(), "interactions": r.interactions.len(),
                    });
                    writeln!(out, "{summary}")?;
                }
            }
            WatchFormat::Csv => {
                let mut c = csv::Writer::from_writer(&mut out);
                c.write_record([
                    "search",
                    "type",
                    "id",
                    "doc_id",
                    "created_at",
                    "company",
                    "responded",
                    "snippet",
                ])?;
                for r in &reports {
                    for d in &r.documents {
                        c.write_record([
                            r.name.as_str(),
                            "document",
                            &d.id,
                            &d.id,
                            d.created_at.as_deref().unwrap_or(""),
                            "",
                            "",
                            &d.snippet,
                        ])?;
                    }
                    for i in &r.interactions {
                        c.write_record([
                            r.name.as_str(),
                            "interaction",
                            &i.id,
                            &i.doc_id,
                            "",
                            &i.company,
                            &i.responded,
                            "",
                        ])?;
                    }
                }
                c.flush()?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    drop(out);
    for r in &reports {
        note!(
            "replyscope: watch {}: {} new documents, {} new interactions",
            r.name,
            r.documents.len(),
            r.interactions.len()
        );
    }
    match written {
        Err(e) => {
            // The report did not reach its reader whole: next run reports it again.
            note!("replyscope: watch: the report was not written whole ({e:#}); state not saved");
            return Ok(Outcome::default());
        }
        Ok(()) => {
            if matches!(since, Since::LastRun) {
                let names: Vec<String> = reports.iter().map(|r| r.name.clone()).collect();
                w::save_state(&a.index, &names, m.generation)?;
            }
        }
    }
    Ok(Outcome::default())
}

struct Bar(indicatif::ProgressBar);

impl crate::ingest::Progress for Bar {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

fn index(cfg: &pipeline::IndexConfig, quiet: bool) -> anyhow::Result<Outcome> {
    let bar = if !quiet && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(crate::ingest::total_bytes(&cfg.manifest));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} indexing [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        Some(Bar(bar))
    } else {
        None
    };
    let result = match &bar {
        Some(b) => pipeline::build_index(cfg, b),
        None => pipeline::build_index(cfg, &()),
    };
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    let built = result?;
    let m = &built.manifest;
    let c = m.counts;
    if !quiet {
        let out = cfg.out.display();
        match &built.how {
            pipeline::How::UpToDate => note!(
                "replyscope: index {out} is up to date with {}: no file is new, changed or removed",
                cfg.manifest.path.display()
            ),
            pipeline::How::Full(why) if why.is_empty() => {}
            pipeline::How::Full(why) => note!("replyscope: building {out} in full: {why}"),
            pipeline::How::Updated(ch) => {
                let list = |v: &[String]| {
                    let shown: Vec<&str> = v.iter().take(3).map(String::as_str).collect();
                    let more = if v.len() > 3 {
                        format!(" and {} more", v.len() - 3)
                    } else {
                        String::new()
                    };
                    format!("{}{more}", shown.join(", "))
                };
                let mut parts = vec![format!("{} unchanged (not read)", ch.kept)];
                for (n, what) in [
                    (&ch.added, "new"),
                    (&ch.changed, "changed"),
                    (&ch.removed, "removed"),
                ] {
                    if !n.is_empty() {
                        parts.push(format!("{} {what} ({})", n.len(), list(n)));
                    }
                }
                note!(
                    "replyscope: updated {out}: files {}; {} documents read, {} thread interactions recomputed{}",
                    parts.join(", "),
                    ch.read,
                    ch.conversations,
                    if ch.search_rebuilt {
                        "; search index rebuilt from its stored documents (documents left it)"
                    } else {
                        ""
                    }
                );
            }
        }
        note!(
            "replyscope: indexed {} into {out}: {} records read, {} documents, {} rejected",
            cfg.manifest.path.display(),
            c.records,
            c.documents,
            c.rejects
        );
        for f in m.inputs.iter().filter(|f| f.counts.rejects > 0) {
            note!(
                "  {}: {} of {} records rejected",
                f.file,
                f.counts.rejects,
                f.counts.records
            );
        }
        if c.rejects > 0 {
            print_first_rejects(&cfg.out.join(crate::index::REJECTS), 10);
            note!(
                "  every reject, with its reason: {out}/{}",
                crate::index::REJECTS
            );
        }
    }
    Ok(Outcome {
        rejects: c.rejects,
        failed_queries: 0,
    })
}

fn print_first_rejects(path: &std::path::Path, n: usize) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines().take(n) {
        if let Ok(r) = serde_json::from_str::<serde_json::Value>(line) {
            let file = r["file"].as_str().unwrap_or("");
            let reason = r["reason"].as_str().unwrap_or("");
            match r["line"].as_u64() {
                Some(l) => note!("  reject: {file}:{l}: record {}: {reason}", r["record"]),
                None => note!("  reject: {file}: {reason}"),
            }
        }
    }
}

fn print_hits(count: usize, hits: &[search::Hit], format: SearchFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        SearchFormat::Table => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            writeln!(out, "{count} documents match; showing {}", hits.len())?;
            for h in hits {
                let matched = if color {
                    format!("\x1b[1;31m{}\x1b[0m", h.matched)
                } else {
                    format!("**{}**", h.matched)
                };
                let offsets = match (h.match_start, h.match_end) {
                    (Some(s), Some(e)) => format!("[{s}..{e}]"),
                    _ => "[title]".to_string(),
                };
                writeln!(out, "{:>7.3}  {}  {offsets}", h.score, h.id)?;
                if h.matched.is_empty() {
                    writeln!(out, "         {}", h.left)?;
                } else {
                    writeln!(out, "         {}{matched}{}", h.left, h.right)?;
                }
            }
        }
        SearchFormat::Json => {
            for h in hits {
                serde_json::to_writer(&mut out, h)?;
                writeln!(out)?;
            }
        }
        SearchFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "id",
                "score",
                "source",
                "kind",
                "created_at",
                "title",
                "match_start",
                "match_end",
                "snippet",
            ])?;
            for h in hits {
                let opt = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    h.id.as_str(),
                    &format!("{:.4}", h.score),
                    &h.source,
                    &h.kind,
                    h.created_at.as_deref().unwrap_or(""),
                    h.title.as_deref().unwrap_or(""),
                    &opt(h.match_start),
                    &opt(h.match_end),
                    &h.snippet,
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

fn print_tagged(
    doc: &Document,
    tags: &[Tag],
    interactions: &[crate::model::Interaction],
    format: TagFormat,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if format == TagFormat::Json {
        let v = serde_json::json!({ "id": doc.id, "tags": tags, "interactions": interactions });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    writeln!(
        out,
        "{} ({}, {} bytes): {} tags",
        doc.id,
        doc.kind,
        doc.text.len(),
        tags.len()
    )?;
    for t in tags {
        let what = match t.set {
            TagSet::Company => format!("{} {}", t.label, t.role.map(|r| r.as_str()).unwrap_or("")),
            TagSet::Channel => format!(
                "{} by {}",
                t.label,
                t.actor.map(|a| a.as_str()).unwrap_or("?")
            ),
            TagSet::Latency => match t.seconds {
                Some(s) => format!("{} {s} s", t.label),
                None => format!("{} (unquantified)", t.label),
            },
            TagSet::Move if t.target.is_some() => {
                format!("{} -> {}", t.label, t.target.unwrap_or(""))
            }
            _ => t.label.to_string(),
        };
        let surface = if t.start == t.end {
            "(whole document)".to_string()
        } else {
            format!("{:?}", &doc.text[t.start..t.end])
        };
        let rule = match t.role_rule {
            Some(r) => format!("{} + {r}", t.rule),
            None => t.rule.to_string(),
        };
        writeln!(
            out,
            "  {:<10} {:<28} [{}..{}] {surface}  ({rule})",
            t.set.as_str(),
            what,
            t.start,
            t.end
        )?;
    }
    for i in interactions {
        writeln!(out, "interaction {} ({})", i.id, i.basis)?;
        writeln!(
            out,
            "  company {}  responded {}  channels {}  switched {}",
            i.company,
            i.responded.as_str(),
            i.channels.join(">"),
            i.switched
        )?;
        let latency = match (&i.latency_kind, i.latency_seconds) {
            (Some(k), Some(s)) => format!("{k} {s} s"),
            (Some(k), None) => format!("{k} (unquantified)"),
            _ => "-".into(),
        };
        writeln!(
            out,
            "  latency {latency}  moves {}  redirect_to {}  resolution {}  sentiment {}",
            list(&i.moves),
            list(&i.redirect_to),
            i.resolution,
            i.sentiment
        )?;
        if let Some(p) = &i.problem {
            writeln!(out, "  problem: {p}")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn list(v: &[crate::model::Label]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

fn ratio_of(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// A score in CSV: four decimals, or empty when it has no denominator.
fn csv_num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.4}")).unwrap_or_default()
}

fn print_eval(
    report: Option<&crate::tag::eval::Report>,
    given: Option<&[crate::tag::eval::GivenAgreement]>,
    format: crate::cli::EvalFormat,
) -> anyhow::Result<()> {
    use crate::cli::EvalFormat;
    use crate::tag::eval::{shown, Accuracy, Score};
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        EvalFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "gold": report, "given": given }),
            )?;
            writeln!(out)?;
        }
        EvalFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "kind",
                "name",
                "n_or_tags",
                "tp_or_correct",
                "fp",
                "fn",
                "precision",
                "recall",
                "f1_or_accuracy",
            ])?;
            if let Some(r) = report {
                let mut score = |name: &str, s: &Score| {
                    w.write_record([
                        "labelset",
                        name,
                        &(s.tp + s.fn_).to_string(),
                        &s.tp.to_string(),
                        &s.fp.to_string(),
                        &s.fn_.to_string(),
                        &csv_num(s.precision),
                        &csv_num(s.recall),
                        &csv_num(s.f1),
                    ])
                };
                score("company", &r.company)?;
                score("mention", &r.mention)?;
                score("channel", &r.channel)?;
                score("moves", &r.moves)?;
                for (label, s) in &r.channel_by_label {
                    score(&format!("channel:{label}"), s)?;
                }
                for (name, a) in [
                    ("responded", &r.responded),
                    ("resolution", &r.resolution),
                    ("sentiment", &r.sentiment),
                    ("latency", &r.latency),
                ] {
                    w.write_record([
                        "accuracy",
                        name,
                        &a.n.to_string(),
                        &a.correct.to_string(),
                        "",
                        "",
                        "",
                        "",
                        &csv_num(a.accuracy),
                    ])?;
                }
                for s in &r.rules {
                    w.write_record([
                        "rule",
                        &s.rule,
                        &s.tags.to_string(),
                        &s.correct.to_string(),
                        "",
                        "",
                        &csv_num(s.precision),
                        "",
                        "",
                    ])?;
                }
            }
            for g in given.unwrap_or(&[]) {
                w.write_record([
                    "given",
                    &g.label,
                    &g.n.to_string(),
                    &g.agree.to_string(),
                    "",
                    "",
                    "",
                    "",
                    &csv_num(g.rate),
                ])?;
                // The documents the `given` row's n leaves out: no text, nothing can agree.
                w.write_record([
                    "given_without_text",
                    &g.label,
                    &g.without_text.to_string(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ])?;
            }
            w.flush()?;
        }
        EvalFormat::Table => {
            if let Some(r) = report {
                writeln!(out, "gold documents: {}", r.documents)?;
                writeln!(
                    out,
                    "\n{:<28} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                    "label set", "tp", "fp", "fn", "precision", "recall", "F1"
                )?;
                let line = |out: &mut dyn Write, name: &str, s: &Score| {
                    writeln!(
                        out,
                        "{:<28} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                        name,
                        s.tp,
                        s.fp,
                        s.fn_,
                        shown(s.precision),
                        shown(s.recall),
                        shown(s.f1)
                    )
                };
                line(&mut out, "company (party)", &r.company)?;
                line(&mut out, "company (mention only)", &r.mention)?;
                let (taken, mentioned) = r.mention_as_party;
                writeln!(
                    out,
                    "  mentioned only, taken as party: {taken} of {mentioned} ({})",
                    shown(ratio_of(taken, mentioned))
                )?;
                line(&mut out, "channel", &r.channel)?;
                for (label, s) in &r.channel_by_label {
                    line(&mut out, &format!("  {label}"), s)?;
                }
                line(&mut out, "moves", &r.moves)?;
                writeln!(
                    out,
                    "\n{:<28} {:>5} {:>8} {:>9}",
                    "single label", "n", "correct", "accuracy"
                )?;
                let acc = |out: &mut dyn Write, name: &str, a: &Accuracy| -> std::io::Result<()> {
                    writeln!(
                        out,
                        "{:<28} {:>5} {:>8} {:>9}",
                        name,
                        a.n,
                        a.correct,
                        shown(a.accuracy)
                    )?;
                    for (g, row) in &a.confusion {
                        let cells: Vec<String> =
                            row.iter().map(|(p, n)| format!("{p}:{n}")).collect();
                        writeln!(out, "    gold {g:<14} -> {}", cells.join("  "))?;
                    }
                    Ok(())
                };
                acc(&mut out, "responded", &r.responded)?;
                acc(&mut out, "resolution", &r.resolution)?;
                acc(&mut out, "sentiment", &r.sentiment)?;
                acc(&mut out, "latency (stated)", &r.latency)?;
                writeln!(
                    out,
                    "latency inferred where gold has none: {}",
                    r.latency_spurious
                )?;
                writeln!(
                    out,
                    "\n{:<14} {:>5} {:>11} {:>11} {:>16} {:>16} {:>16}",
                    "by source",
                    "docs",
                    "company F1",
                    "channel F1",
                    "responded",
                    "latency",
                    "sentiment"
                )?;
                let acc = |a: &Accuracy| format!("{} ({}/{})", shown(a.accuracy), a.correct, a.n);
                for (source, x) in &r.by_source {
                    writeln!(
                        out,
                        "{:<14} {:>5} {:>11} {:>11} {:>16} {:>16} {:>16}",
                        source,
                        x.documents,
                        shown(x.company.f1),
                        shown(x.channel.f1),
                        acc(&x.responded),
                        acc(&x.latency),
                        acc(&x.sentiment)
                    )?;
                }
                writeln!(
                    out,
                    "\n{:<40} {:<10} {:>5} {:>5} {:>8} {:>9} {:>8} {:>9}",
                    "rule", "set", "tags", "docs", "correct", "precision", "overlaps", "conflicts"
                )?;
                for s in &r.rules {
                    writeln!(
                        out,
                        "{:<40} {:<10} {:>5} {:>5} {:>8} {:>9} {:>8} {:>9}",
                        s.rule,
                        s.set,
                        s.tags,
                        s.docs,
                        s.correct,
                        shown(s.precision),
                        s.overlaps,
                        s.conflicts
                    )?;
                }
                writeln!(out, "\ndisagreements ({}):", r.misses.len())?;
                for m in &r.misses {
                    writeln!(
                        out,
                        "  {:<44} {:<10} gold {:<30} inferred {}",
                        m.id, m.field, m.gold, m.inferred
                    )?;
                }
            }
            for g in given.unwrap_or(&[]) {
                // Only company labels are looked up in the gazetteer.
                let unknown = if g.label == "company" {
                    format!("; {} given values not in the gazetteer", g.unknown_given)
                } else {
                    String::new()
                };
                let without = if g.without_text > 0 {
                    format!(
                        "; {} documents without text left out (nothing in them can agree)",
                        g.without_text
                    )
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "\ngiven {}: {} of {} documents with text agree ({:.2}%){without}{unknown}",
                    g.label,
                    g.agree,
                    g.n,
                    100.0 * g.rate.unwrap_or(0.0)
                )?;
                let mut worst: Vec<_> = g.confusion.iter().collect();
                worst.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                for (pair, n) in worst.into_iter().take(10) {
                    writeln!(out, "    {pair}: {n}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Every *.toml file of a folder, sorted.
fn query_files(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the query folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!("{}: no query files (*.toml)", dir.display());
    }
    Ok(files)
}

/// What a batch of query files gave: the tables written, the files that failed, and where
/// the tables came from.
struct Ran {
    tables: Vec<crate::query::Table>,
    failed: Vec<crate::report::html::FailedQuery>,
    provenance: crate::report::Provenance,
    files: Vec<std::path::PathBuf>,
}

/// Runs query files and writes their tables.
fn query(
    indexes: &[std::path::PathBuf],
    files: &[std::path::PathBuf],
    out: &std::path::Path,
    formats: &[crate::report::Format],
    masking: crate::mask::Mode,
    with_cells: bool,
) -> anyhow::Result<Ran> {
    crate::alloc::keep_freed_memory();
    crate::index::shard::check_together(indexes)?;
    let sha = |bytes: &[u8]| {
        crate::ingest::hex(&sha2::Digest::finalize(
            <sha2::Sha256 as sha2::Digest>::new_with_prefix(bytes),
        ))
    };
    let (mut fingerprints, mut manifests) = (Vec::new(), Vec::new());
    for index in indexes {
        let m = crate::index::read_manifest(index)?;
        let manifest_bytes = crate::files::read_regular(
            &index.join(crate::index::MANIFEST),
            crate::files::TEXT_FILE_LIMIT,
        )
        .with_context(|| format!("{}: cannot read the index manifest", index.display()))?;
        fingerprints.push(m.fingerprint);
        manifests.push(sha(&manifest_bytes));
    }
    // Several indexes: the hash of their fingerprints (and manifests) in the order given.
    let joined = |v: &[String]| match v {
        [one] => one.clone(),
        many => sha(many.join("\n").as_bytes()),
    };
    let provenance = crate::report::Provenance {
        version: env!("CARGO_PKG_VERSION").into(),
        index_fingerprint: joined(&fingerprints),
        index_manifest_sha256: joined(&manifests),
        index: indexes
            .iter()
            .map(|i| i.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        masking,
    };
    crate::report::prepare_out(out)?;
    let mut formats = formats.to_vec();
    formats.sort();
    formats.dedup();
    let results = crate::query::run_all(indexes, files, with_cells);
    // Output name -> the query file that wrote it: two files of one name would overwrite
    // each other's tables.
    let mut names: std::collections::BTreeMap<String, String> = Default::default();
    let results: Vec<_> = results
        .into_iter()
        .map(|r| {
            r.and_then(|t| match names.get(&t.name) {
                Some(first) => Err(crate::query::Failure {
                    message: format!(
                        "{}: name {:?} is also the name of {first}; the two would overwrite \
                         each other's tables (give one another `name`)",
                        t.query_path, t.name
                    ),
                    path: t.query_path.clone(),
                }),
                None => {
                    names.insert(t.name.clone(), t.query_path.clone());
                    Ok(t)
                }
            })
        })
        .collect();
    // Tables of distinct names write distinct files: they are written in parallel (a cells
    // file of millions of rows takes a core for a second), and reported in query order. A
    // table that cannot be written fails its query, not the batch.
    let results: Vec<_> = {
        use rayon::prelude::*;
        results
            .into_par_iter()
            .map(|r| {
                r.and_then(
                    |t| match crate::report::write_table(out, &t, &provenance, &formats) {
                        Ok(written) => Ok((t, written)),
                        Err(e) => Err(crate::query::Failure {
                            message: format!("{}: {e}", t.query_path),
                            path: t.query_path,
                        }),
                    },
                )
            })
            .collect()
    };
    let mut failed = Vec::new();
    let mut tables = Vec::new();
    for r in results {
        match r {
            Ok((t, written)) => {
                let below = t.rows.iter().filter(|r| r.below_min_n).count();
                note!(
                    "replyscope: {} -> {}/{}.* ({} rows from {} records{}; {} files)",
                    t.query_path,
                    out.display(),
                    t.name,
                    t.rows.len(),
                    t.rows_read,
                    if below > 0 {
                        format!(", {below} below min_n")
                    } else {
                        String::new()
                    },
                    written.len()
                );
                tables.push(t);
            }
            Err(f) => {
                note!("replyscope: query failed: {}", f.message);
                failed.push(crate::report::html::FailedQuery {
                    path: f.path,
                    message: f.message,
                });
            }
        }
    }
    if !failed.is_empty() {
        note!(
            "replyscope: {} of {} query files failed",
            failed.len(),
            files.len()
        );
    }
    Ok(Ran {
        tables,
        failed,
        provenance,
        files: files.to_vec(),
    })
}

/// Runs query files with the cells behind every number, then writes OUT/report.html and
/// OUT/report.manifest.json from their tables (`report` and `run`); returns how many query
/// files failed.
fn report(
    index: &std::path::Path,
    files: &[std::path::PathBuf],
    out: &std::path::Path,
    formats: &[crate::report::Format],
    opts: &crate::cli::ReportOptions,
) -> anyhow::Result<u64> {
    let mode = crate::mask::Mode::from_unmask(opts.unmask);
    let ran = query(
        std::slice::from_ref(&index.to_path_buf()),
        files,
        out,
        formats,
        mode,
        true,
    )?;
    let masker = crate::mask::Masker::for_index(index, opts.unmask)?;
    let options = crate::report::html::Options {
        per_cell: opts.stories_per_cell,
        seed: opts.story_seed,
    };
    let written = crate::report::write_report(
        out,
        index,
        &ran.tables,
        &ran.failed,
        &ran.files,
        &ran.provenance,
        &masker,
        &options,
    )?;
    note!(
        "replyscope: report -> {} ({} tables, {} cells with stories, {} stories embedded, {}; {:.1} MB)",
        written.path.display(),
        written.stats.tables,
        written.stats.cells,
        written.stats.stories_embedded,
        masker.mode().as_str(),
        written.bytes as f64 / 1e6
    );
    Ok(ran.failed.len() as u64)
}

fn print_companies(
    rows: &[crate::companies::CompanyRow],
    format: crate::cli::CompaniesFormat,
) -> anyhow::Result<()> {
    use crate::cli::CompaniesFormat;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        CompaniesFormat::Json => {
            for r in rows {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
        CompaniesFormat::Toml => write!(out, "{}", crate::companies::as_toml(rows))?,
        CompaniesFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "id",
                "name",
                "found",
                "discovered",
                "party_docs",
                "mention_docs",
                "evidence_1",
                "evidence_2",
            ])?;
            for r in rows {
                let ev = |k: usize| {
                    r.evidence
                        .get(k)
                        .map(|e| format!("{}: {}", e.doc, e.context))
                        .unwrap_or_default()
                };
                w.write_record([
                    r.id.as_str(),
                    &r.name,
                    &r.found.join(","),
                    if r.discovered { "true" } else { "false" },
                    &r.party_docs.to_string(),
                    &r.mention_docs.to_string(),
                    &ev(0),
                    &ev(1),
                ])?;
            }
            w.flush()?;
        }
        CompaniesFormat::Table => {
            writeln!(
                out,
                "{} companies ({} discovered)",
                rows.len(),
                rows.iter().filter(|r| r.discovered).count()
            )?;
            for r in rows {
                writeln!(
                    out,
                    "\n{}  {:?}  party in {} documents, mentioned only in {}  [{}]{}",
                    r.id,
                    r.name,
                    r.party_docs,
                    r.mention_docs,
                    r.found.join(", "),
                    if r.discovered { "  discovered" } else { "" }
                )?;
                for e in &r.evidence {
                    writeln!(out, "    {}: {}", e.doc, e.context)?;
                    writeln!(out, "      ({})", e.rule)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn print_explained(e: &crate::explain::Explained, format: TagFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if format == TagFormat::Json {
        serde_json::to_writer_pretty(&mut out, e)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    use crate::schema::{D, I, M};
    // Lists read as they are written in a path: channels in order, moves as a set.
    let s = |m: &serde_json::Map<String, serde_json::Value>, k: &str| match m.get(k) {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(serde_json::Value::Null) | None => "-".into(),
        Some(serde_json::Value::Array(a)) if a.is_empty() => "-".into(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(if k == I::Moves.name() { "," } else { ">" }),
        Some(v) => v.to_string(),
    };
    let d = &e.document;
    let text = s(d, D::Text.name());
    writeln!(
        out,
        "{}  ({} from {}, {}:{})",
        s(d, D::Id.name()),
        s(d, D::Kind.name()),
        s(d, D::Source.name()),
        s(d, D::File.name()),
        s(d, D::Line.name())
    )?;
    writeln!(
        out,
        "title: {}\nauthor: {}\ncreated_at: {}",
        s(d, D::Title.name()),
        s(d, D::Author.name()),
        s(d, D::CreatedAt.name())
    )?;
    for (k, v) in d
        .iter()
        .filter(|(k, v)| k.starts_with(crate::schema::GIVEN_PREFIX) && !v.is_null())
    {
        writeln!(out, "{k}: {}", v.as_str().unwrap_or(""))?;
    }
    writeln!(out, "\n{text}\n")?;
    writeln!(out, "tags ({}):", e.tags.len())?;
    for t in &e.tags {
        let mut what = s(t, M::Label.name());
        for extra in [M::Role, M::Actor, M::Target, M::Seconds, M::Found].map(M::name) {
            if !t.get(extra).is_none_or(|v| v.is_null()) {
                what.push_str(&format!(" {extra}={}", s(t, extra)));
            }
        }
        let surface = s(t, M::Surface.name());
        let surface = if surface.is_empty() {
            "(whole document)".to_string()
        } else {
            format!("{surface:?}")
        };
        let rule = match t.get(M::RoleRule.name()).and_then(|v| v.as_str()) {
            Some(r) => format!("{} + {r}", s(t, M::Rule.name())),
            None => s(t, M::Rule.name()),
        };
        writeln!(
            out,
            "  {:<10} {:<32} [{}..{}] {surface}  ({rule})",
            s(t, M::Set.name()),
            what,
            s(t, M::Start.name()),
            s(t, M::End.name())
        )?;
    }
    writeln!(out, "\ninteractions ({}):", e.interactions.len())?;
    for i in &e.interactions {
        writeln!(
            out,
            "  {} ({}, {} posts)",
            s(i, I::Id.name()),
            s(i, I::Basis.name()),
            s(i, I::Posts.name())
        )?;
        for k in [
            I::Company,
            I::CompanyBasis,
            I::Discovered,
            I::Responded,
            I::LatencySeconds,
            I::LatencyKind,
            I::Channels,
            I::FirstChannel,
            I::ResponseChannel,
            I::Switched,
            I::Moves,
            I::RedirectTo,
            I::Resolution,
            I::Sentiment,
            I::OpenedAt,
            I::RespondedAt,
            I::Problem,
        ]
        .map(I::name)
        {
            writeln!(out, "    {k:<17} {}", s(i, k))?;
        }
        let evidence = i.get(crate::explain::EVIDENCE).and_then(|v| v.as_array());
        for x in evidence.into_iter().flatten().filter_map(|x| x.as_object()) {
            writeln!(
                out,
                "    evidence {:<10} {} [{}..{}] ({})",
                s(x, "field"),
                s(x, "doc"),
                s(x, "start"),
                s(x, "end"),
                s(x, "rule")
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Reads and checks one query file.
fn read_query(f: &std::path::Path) -> std::result::Result<crate::query::spec::Query, String> {
    let path = f.display().to_string();
    let text = crate::files::read_regular_text(f, crate::files::TEXT_FILE_LIMIT)
        .map_err(|e| format!("{path}: cannot read ({e})"))?;
    crate::query::spec::parse(&path, &text)
}

/// `replyscope sql`: prints one statement per query file; returns the files that failed.
fn sql_print(a: &crate::cli::SqlArgs, files: &[std::path::PathBuf]) -> anyhow::Result<usize> {
    let mut failed = 0;
    let mut json = Vec::new();
    let mut out = std::io::stdout().lock();
    for f in files {
        let result = read_query(f).and_then(|q| {
            crate::sql::translate(&q, a.dialect, a.tables.as_deref()).map(|sql| (q, sql))
        });
        match (result, a.json) {
            (Ok((q, sql)), true) => {
                json.push(serde_json::json!({ "name": q.name, "path": q.path, "sql": sql }))
            }
            (Ok((q, sql)), false) => writeln!(out, "-- {} ({})\n{sql};\n", q.name, q.path)?,
            (Err(e), json_out) => {
                failed += 1;
                note!("replyscope: {e}");
                if json_out {
                    json.push(serde_json::json!({ "path": f.display().to_string(), "error": e }));
                }
            }
        }
    }
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    }
    Ok(failed)
}

/// `replyscope sql --rows`: the table of one query file from an engine's result rows.
fn sql_table(
    a: &crate::cli::SqlArgs,
    files: &[std::path::PathBuf],
    rows: &std::path::Path,
) -> anyhow::Result<usize> {
    let [f] = files else {
        anyhow::bail!(
            "--rows takes the rows of one query file; {} given",
            files.len()
        );
    };
    let q = read_query(f).map_err(anyhow::Error::msg)?;
    let text = crate::files::read_regular_text(rows, u64::MAX)
        .with_context(|| format!("{}: cannot read", rows.display()))?;
    let mut values = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        values.push(
            serde_json::from_str::<serde_json::Value>(line).with_context(|| {
                format!("{}: line {}: not a JSON object", rows.display(), i + 1)
            })?,
        );
    }
    let table = crate::sql::table_from_rows(&q, &values).map_err(anyhow::Error::msg)?;
    crate::report::prepare_out(&a.out)?;
    let p = crate::report::Provenance {
        version: env!("CARGO_PKG_VERSION").into(),
        index_fingerprint: String::new(),
        index_manifest_sha256: String::new(),
        index: a.source_label.clone(),
        // As `query` records by default; a table of counts shows no excerpts.
        masking: crate::mask::Mode::Masked,
    };
    crate::report::write_table(&a.out, &table, &p, &a.format)?;
    Ok(0)
}
