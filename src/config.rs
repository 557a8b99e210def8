//! Validated settings built from the flags.

use crate::cli::{IndexArgs, RuleArgs, SearchArgs};
use crate::error::{Error, Result};
use crate::ingest::{self, manifest::DATA_VAR, Manifest};
use crate::pipeline::IndexConfig;
use crate::search::Request;
use crate::tag::Lexicons;
use std::collections::BTreeMap;
use std::path::Path;

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
    let lexicons = std::sync::Arc::new(lexicons(&args.rule_args, Some(&args.corpus))?);
    Ok(IndexConfig {
        lexicons,
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

/// Loads the tagging rules: `--rules` files over the built-in ones, and the study's
/// gazetteer (`--companies`, else `companies.toml` beside the corpus manifest).
pub fn lexicons(args: &RuleArgs, corpus: Option<&Path>) -> Result<Lexicons> {
    let beside = corpus
        .filter(|c| c.is_file())
        .and_then(|c| c.parent())
        .map(|d| d.join("companies.toml"))
        .filter(|p| p.is_file());
    let companies = args.companies.clone().or(beside);
    Lexicons::load(args.rules.as_deref(), companies.as_deref())
        .map_err(|e| Error::Rules(e.to_string()))
}
