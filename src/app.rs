//! Runs a parsed command line and prints its results: the only place besides `main` that
//! writes to the terminal.

use crate::cli::{Args, Command, SearchFormat};
use crate::{config, pipeline, search};
use anyhow::Context;
use std::io::{IsTerminal, Write};

/// What a finished command reports for the exit status.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records rejected (exit status 1 when non-zero).
    pub rejects: u64,
}

/// Runs one command.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
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
        Command::Search(a) => {
            let req = config::search_request(&a)?;
            let (count, hits) = search::search(&a.index, &req)?;
            print_hits(count, &hits, a.format)?;
            Ok(Outcome::default())
        }
    })
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
    let m = result?;
    let c = m.counts;
    if !quiet {
        let out = cfg.out.display();
        eprintln!(
            "replyscope: indexed {} into {out}: {} records read, {} documents, {} rejected",
            cfg.manifest.path.display(),
            c.records,
            c.documents,
            c.rejects
        );
        for f in m.inputs.iter().filter(|f| f.counts.rejects > 0) {
            eprintln!(
                "  {}: {} of {} records rejected",
                f.file, f.counts.rejects, f.counts.records
            );
        }
        if c.rejects > 0 {
            print_first_rejects(&cfg.out.join(crate::index::REJECTS), 10);
            eprintln!(
                "  every reject, with its reason: {out}/{}",
                crate::index::REJECTS
            );
        }
    }
    Ok(Outcome { rejects: c.rejects })
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
                Some(l) => eprintln!("  reject: {file}:{l}: record {}: {reason}", r["record"]),
                None => eprintln!("  reject: {file}: {reason}"),
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
