//! Validated settings built from the flags.

use crate::cli::{IndexArgs, SearchArgs};
use crate::error::{Error, Result};
use crate::ingest::{self, manifest::DATA_VAR, Manifest};
use crate::pipeline::IndexConfig;
use crate::search::Request;
use std::collections::BTreeMap;

/// Threads to use: the flag, or every core.
pub fn threads(flag: Option<usize>) -> Result<usize> {
    match flag {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
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
    if let Some(data) = &args.data {
        vars.insert(DATA_VAR.to_string(), data.display().to_string());
    }
    let manifest = Manifest::load(&args.corpus, &vars)?;
    Ok(IndexConfig {
        manifest,
        out: args.out.clone(),
        ingest: ingest::Options {
            strict: args.strict,
            ..ingest::Options::default()
        },
        index_threads: threads,
    })
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
    })
}
