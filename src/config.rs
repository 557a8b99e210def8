//! Validated settings built from the flags.

use crate::cli::{IndexArgs, RuleArgs, SearchArgs};
use crate::error::{Error, Result};
use crate::ingest::{self, manifest::DATA_VAR, Manifest};
use crate::pipeline::IndexConfig;
use crate::search::Request;
use crate::tag::Lexicons;
use std::collections::BTreeMap;
use std::path::Path;

/// The most worker threads `--threads` may ask for. Each is an operating-system thread with
/// its own stack, started before any work: 10,000 took minutes to start for one line of
/// text, and 100,000 failed to start (a panic in the thread library, then a hang).
pub const MAX_THREADS: usize = 1024;

/// Threads to use: the flag, or every core.
pub fn threads(flag: Option<usize>) -> Result<usize> {
    match flag {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => Err(Error::Usage(format!(
            "--threads {n} is more than the {MAX_THREADS} replyscope starts; this machine has \
             {} cores",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        ))),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

/// Resolves `replyscope index` flags: loads and checks the manifest before any work.
pub fn index_config(args: &IndexArgs, threads: usize) -> Result<IndexConfig> {
    let mut vars = BTreeMap::new();
    for v in &args.vars {
        let (name, value) = v
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--var {v:?} must look like NAME=VALUE")))?;
        vars.insert(name.to_string(), value.to_string());
    }
    // Standard input or a pipe can be read only once: it is read into a temporary file
    // first, and only when the manifest reads ${REPLYSCOPE_DATA} at all.
    let mut spooled = None;
    if let Some(data) = &args.data {
        let path = if ingest::stdin::is_stream(data) && reads_data(&args.corpus) {
            let s = ingest::stdin::spool(data, args.max_stdin_bytes)?;
            let path = s.path.clone();
            spooled = Some(std::sync::Arc::new(s));
            path
        } else {
            data.clone()
        };
        vars.insert(DATA_VAR.to_string(), path.display().to_string());
    }
    let mut manifest = Manifest::load(&args.corpus, &vars)?;
    manifest.spooled.extend(spooled);
    let lexicons = std::sync::Arc::new(lexicons(&args.rule_args, Some(&args.corpus))?);
    Ok(IndexConfig {
        lexicons,
        manifest,
        out: args.out.clone(),
        ingest: ingest::Options {
            strict: args.strict,
            max_record_bytes: args.max_record_bytes,
            ..ingest::Options::default()
        },
        index_threads: threads,
        wait: args.wait,
        full: args.full,
        shard: args.shard,
    })
}

/// Whether a corpus manifest names `${REPLYSCOPE_DATA}` (a directory never does).
fn reads_data(corpus: &Path) -> bool {
    crate::files::read_regular(corpus, crate::files::TEXT_FILE_LIMIT)
        .is_ok_and(|b| String::from_utf8_lossy(&b).contains(&format!("${{{DATA_VAR}}}")))
}

/// Resolves `replyscope search` flags.
pub fn search_request(args: &SearchArgs) -> Result<Request> {
    let date = |flag: &str, v: &Option<String>| -> Result<_> {
        v.as_deref()
            .map(|s| {
                ingest::date::parse(s, None).map_err(|e| Error::Usage(format!("--{flag}: {e}")))
            })
            .transpose()
    };
    if args.limit == 0 {
        return Err(Error::Usage("--limit must be at least 1".into()));
    }
    Ok(Request {
        query: args.query.clone(),
        sources: args.source.clone(),
        kinds: args.kind.clone(),
        since: date("since", &args.since)?,
        until: date("until", &args.until)?,
        limit: args.limit,
        context: args.context,
        mask: None,
    })
}

/// Loads the tagging rules: `--rules` files over the built-in ones, and the study's
/// gazetteer (`--companies`, else `companies.toml` beside the corpus manifest).
pub fn lexicons(args: &RuleArgs, corpus: Option<&Path>) -> Result<Lexicons> {
    let beside = corpus
        .filter(|c| c.is_file())
        .and_then(|c| c.parent())
        .map(|d| d.join("companies.toml"))
        .filter(|p| p.is_file());
    let companies = args.companies.clone().or(beside);
    // The rule loader reads whole files: a FIFO would block it, a device never end.
    let mut inputs: Vec<std::path::PathBuf> = companies.iter().cloned().collect();
    if let Some(dir) = &args.rules {
        inputs.extend(crate::tag::DEFAULTS.iter().map(|(name, _)| dir.join(name)));
    }
    for p in &inputs {
        if let Err(e) = crate::files::check_regular(p, crate::files::TEXT_FILE_LIMIT) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(Error::Rules(format!("{}: cannot read: {e}", p.display())));
            }
        }
    }
    Lexicons::load(args.rules.as_deref(), companies.as_deref())
        .map_err(|e| Error::Rules(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More threads than replyscope starts is a usage error naming the flag, not minutes of
    /// starting threads or a panic.
    #[test]
    fn threads_are_bounded() {
        assert_eq!(threads(Some(MAX_THREADS)).unwrap(), MAX_THREADS);
        let e = threads(Some(MAX_THREADS + 1)).unwrap_err().to_string();
        assert!(e.contains("--threads 1025"), "{e}");
        assert!(threads(Some(0)).is_err());
    }
}
