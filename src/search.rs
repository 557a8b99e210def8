//! Full-text search over an index directory, with a keyword-in-context line per hit.
//!
//! Takes tantivy's query syntax (terms, "phrases", AND/OR/NOT, +must -mustnot, field:value)
//! over title and text, plus exact filters. Terms are combined with AND by default, which is
//! what a researcher narrowing a corpus expects. Hits are ordered by score, then id, so the
//! same index and query always list the same hits in the same order.

use crate::error::{Error, Result};
use crate::index::{self, schema::Fields};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;
use std::ops::Bound;
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, TantivyDocument, Term};

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Query in tantivy syntax.
    pub query: String,
    /// Only these sources (any of them).
    pub sources: Vec<String>,
    /// Only these kinds (any of them).
    pub kinds: Vec<String>,
    /// Created at or after.
    pub since: Option<DateTime<Utc>>,
    /// Created before.
    pub until: Option<DateTime<Utc>>,
    /// At most this many hits.
    pub limit: usize,
    /// Bytes of context on each side of the match.
    pub context: usize,
    /// Masks personal data in snippets and titles ([`crate::mask`]); None shows them as
    /// written.
    pub mask: Option<std::sync::Arc<crate::mask::Masker>>,
}

/// One hit with its keyword-in-context line.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// BM25 score.
    pub score: f32,
    /// Source name.
    pub source: String,
    /// Kind.
    pub kind: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Creation time, if known.
    pub created_at: Option<String>,
    /// The context line: `left **match** right`, on one line.
    pub snippet: String,
    /// Text before the match.
    pub left: String,
    /// The matched text (empty when only the title matched).
    #[serde(rename = "match")]
    pub matched: String,
    /// Text after the match.
    pub right: String,
    /// Byte offset of the match in the document text.
    pub match_start: Option<usize>,
    /// Byte offset just past the match.
    pub match_end: Option<usize>,
}

/// Runs a search on an index directory.
pub fn search(dir: &Path, req: &Request) -> Result<(usize, Vec<Hit>)> {
    Searcher::open(dir)?.search(req)
}

/// Runs a search on several index directories (the shards of one corpus) as on one index:
/// scores use the statistics of all of them together (document count, term frequencies,
/// field lengths), so a hit scores as it would in one index of the whole corpus; hits are
/// merged by score, then id.
pub fn search_all(dirs: &[std::path::PathBuf], req: &Request) -> Result<(usize, Vec<Hit>)> {
    if let [one] = dirs {
        return search(one, req);
    }
    crate::index::shard::check_together(dirs)?;
    let shards: Vec<Searcher> = dirs
        .iter()
        .map(|d| Searcher::open(d))
        .collect::<Result<_>>()?;
    let searchers: Vec<tantivy::Searcher> = shards.iter().map(|s| s.reader.searcher()).collect();
    let stats = Combined(&searchers);
    let mut count = 0;
    let mut hits = Vec::new();
    for (shard, searcher) in shards.iter().zip(&searchers) {
        let (n, mut h) = search_with(&shard.index, &shard.fields, searcher, &stats, req)?;
        count += n;
        hits.append(&mut h);
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    hits.truncate(req.limit.min(count));
    Ok((count, hits))
}

/// BM25 statistics of several indexes taken together.
struct Combined<'a>(&'a [tantivy::Searcher]);

impl Bm25StatisticsProvider for Combined<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        self.0
            .iter()
            .map(|s| Bm25StatisticsProvider::total_num_tokens(s, field))
            .sum()
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.0
            .iter()
            .map(Bm25StatisticsProvider::total_num_docs)
            .sum()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.0
            .iter()
            .map(|s| Bm25StatisticsProvider::doc_freq(s, term))
            .sum()
    }
}

/// An open index, for running many searches (the search benchmark).
pub struct Searcher {
    index: Index,
    fields: Fields,
    reader: tantivy::IndexReader,
}

impl Searcher {
    /// Opens the search index of an index directory.
    pub fn open(dir: &Path) -> Result<Searcher> {
        let (index, fields) = index::open_search(dir)?;
        let reader = index.reader()?;
        Ok(Searcher {
            index,
            fields,
            reader,
        })
    }

    /// Runs one search: (documents matching, hits with context).
    pub fn search(&self, req: &Request) -> Result<(usize, Vec<Hit>)> {
        search_in(&self.index, &self.fields, &self.reader, req)
    }
}

fn search_in(
    index: &Index,
    fields: &Fields,
    reader: &tantivy::IndexReader,
    req: &Request,
) -> Result<(usize, Vec<Hit>)> {
    let searcher = reader.searcher();
    search_with(index, fields, &searcher, &searcher, req)
}

/// One index's hits, scored with `stats` (its own, or those of all shards).
fn search_with(
    index: &Index,
    fields: &Fields,
    searcher: &tantivy::Searcher,
    stats: &dyn Bm25StatisticsProvider,
    req: &Request,
) -> Result<(usize, Vec<Hit>)> {
    let (index, fields) = (index, *fields);
    let query = build_query(index, &fields, req)?;
    let count = searcher.search(&query, &tantivy::collector::Count)?;
    // No more hits than documents match, whatever --limit says: the collector allocates for
    // as many as it is asked for. Ranked by score, then id (a fast field), inside the
    // collector: ties at the cut are broken by id, however many documents tie.
    let limit = req.limit.min(count);
    let top: Vec<((f32, Option<String>), tantivy::DocAddress)> = if limit == 0 {
        Vec::new()
    } else {
        use tantivy::collector::sort_key::{SortBySimilarityScore, SortByString};
        use tantivy::Order;
        searcher.search_with_statistics_provider(
            &query,
            &TopDocs::with_limit(limit).order_by((
                (SortBySimilarityScore, Order::Desc),
                (SortByString::for_field("id"), Order::Asc),
            )),
            stats,
        )?
    };
    let mut terms = HashSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == fields.text {
            if let Some(s) = term.value().as_str() {
                terms.insert(s.to_string());
            }
        }
    });
    let analyzer = index.tokenizer_for_field(fields.text)?;
    let mut hits = Vec::with_capacity(top.len());
    for ((score, _), addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text_of = |f| {
            doc.get_first(f)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let text = text_of(fields.text).unwrap_or_default();
        let span = best_match(&mut analyzer.clone(), &text, &terms);
        let created_at = doc
            .get_first(fields.created_at)
            .and_then(|v| v.as_datetime())
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.into_timestamp_secs(), 0))
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        // Masked before the context is cut, so no number or handle is cut in half; the
        // offsets stay those of the stored text.
        let (left, matched, right) = match &req.mask {
            Some(m) => masked_kwic(m, &text, span, req.context),
            None => kwic(&text, span, req.context),
        };
        let snippet = if matched.is_empty() {
            left.clone()
        } else {
            format!("{left}**{matched}**{right}")
        };
        hits.push(Hit {
            id: text_of(fields.id).unwrap_or_default(),
            score,
            source: text_of(fields.source).unwrap_or_default(),
            kind: text_of(fields.kind).unwrap_or_default(),
            title: text_of(fields.title).map(|t| match &req.mask {
                Some(m) => m.text(&t),
                None => t,
            }),
            created_at,
            snippet,
            left,
            matched,
            right,
            match_start: span.map(|s| s.0),
            match_end: span.map(|s| s.1),
        });
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    hits.truncate(limit);
    Ok((count, hits))
}

/// Ids of every document matching a query in any of several indexes.
/// The directories are the shards of one build: the query batch checks that once
/// ([`crate::query::run_all`], [`crate::query::run_many`]).
pub fn matching_ids_all(dirs: &[std::path::PathBuf], query: &str) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for d in dirs {
        ids.extend(matching_ids(d, query)?);
    }
    Ok(ids)
}

/// Ids of every document matching a query (for queries restricted by full text).
pub fn matching_ids(dir: &Path, query: &str) -> Result<HashSet<String>> {
    let (index, fields) = index::open_search(dir)?;
    let req = Request {
        query: query.to_string(),
        ..Request::default()
    };
    let q = build_query(&index, &fields, &req)?;
    let searcher = index.reader()?.searcher();
    let docs = searcher.search(&q, &tantivy::collector::DocSetCollector)?;
    let mut ids = HashSet::with_capacity(docs.len());
    for addr in docs {
        let doc: TantivyDocument = searcher.doc(addr)?;
        if let Some(id) = doc.get_first(fields.id).and_then(|v| v.as_str()) {
            ids.insert(id.to_string());
        }
    }
    Ok(ids)
}

/// Deepest nesting a search may have: parentheses, and NOT applied to NOT. Tantivy's parser
/// recurses once per level, and a few thousand levels overflowed the stack, aborting the
/// process with every query of a batch (issue 15).
pub const MAX_QUERY_DEPTH: usize = 100;

/// How deep a query nests, counted the way tantivy's parser recurses: each open
/// parenthesis, and each NOT waiting for the term or group it negates. Quoted phrases and
/// escaped characters do not count.
pub fn query_depth(query: &str) -> usize {
    // NOTs pending at each open parenthesis level.
    let mut levels: Vec<usize> = vec![0];
    let (mut max, mut in_quotes, mut escaped) = (0, false, false);
    let mut prev_boundary = true;
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if escaped {
            escaped = false;
        } else if c == b'\\' {
            escaped = true;
        } else if c == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            match c {
                b'(' => levels.push(0),
                b')' => {
                    if levels.len() > 1 {
                        levels.pop();
                    }
                    // The group was the leaf the NOTs before it were waiting for.
                    *levels.last_mut().expect("the outer level stays") = 0;
                }
                b'N' if prev_boundary
                    && bytes[i..].starts_with(b"NOT")
                    && bytes.get(i + 3).is_some_and(u8::is_ascii_whitespace) =>
                {
                    *levels.last_mut().expect("a level") += 1;
                    i += 3;
                }
                c if c.is_ascii_whitespace() => {}
                _ => *levels.last_mut().expect("a level") = 0,
            }
        }
        let depth = levels.len() - 1 + levels.iter().sum::<usize>();
        max = max.max(depth);
        prev_boundary = i >= bytes.len() || bytes[i].is_ascii_whitespace() || bytes[i] == b'(';
        i += 1;
    }
    max
}

/// The query as shown in a message: at most 80 characters.
fn shown_query(query: &str) -> String {
    match query.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &query[..cut]),
        None => query.to_string(),
    }
}

fn build_query(index: &Index, f: &Fields, req: &Request) -> Result<Box<dyn Query>> {
    let depth = query_depth(&req.query);
    if depth > MAX_QUERY_DEPTH {
        return Err(Error::Query {
            query: shown_query(&req.query),
            message: format!(
                "nested {depth} levels deep (parentheses and NOT); at most {MAX_QUERY_DEPTH} are allowed"
            ),
        });
    }
    let mut parser = QueryParser::for_index(index, vec![f.title, f.text]);
    parser.set_conjunction_by_default();
    let q = parser
        .parse_query(&quote_outcomes(&drop_and_before_not(&req.query)))
        .map_err(|e| {
            let known = match &e {
                // A date is a fast field: read for ranges, with no term per second.
                tantivy::query::QueryParserError::FieldNotIndexed(f) if f == "created_at" => {
                    "created_at takes a range: \
                     created_at:[2017-10-01T00:00:00Z TO 2017-11-01T00:00:00Z}, or --since and --until"
                }
                _ => {
                    "fields: title, text, id, source, kind, author, created_at, \
                     company, mention, channel, outcome"
                }
            };
            Error::Query {
                query: req.query.clone(),
                message: format!("{e} ({known})"),
            }
        })?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, q)];
    let any_of = |field, values: &[String]| -> Box<dyn Query> {
        let terms: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(terms))
    };
    if !req.sources.is_empty() {
        clauses.push((Occur::Must, any_of(f.source, &req.sources)));
    }
    if !req.kinds.is_empty() {
        clauses.push((Occur::Must, any_of(f.kind, &req.kinds)));
    }
    if req.since.is_some() || req.until.is_some() {
        let term = |d: DateTime<Utc>| {
            Term::from_field_date(
                f.created_at,
                tantivy::DateTime::from_timestamp_secs(d.timestamp()),
            )
        };
        let lower = req
            .since
            .map(|d| Bound::Included(term(d)))
            .unwrap_or(Bound::Unbounded);
        let upper = req
            .until
            .map(|d| Bound::Excluded(term(d)))
            .unwrap_or(Bound::Unbounded);
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// Rewrites `a AND NOT b` as `a NOT b`, outside quotes. Tantivy's parser gives the former no
/// hits at all (quickwit-oss/tantivy#2584), which would silently empty a researcher's query;
/// the latter means the same and works.
/// `outcome:responded:yes` as the README writes it: the label holds a colon, which tantivy's
/// syntax reads as a second field, so an unquoted one is quoted (`outcome:"responded:yes"`).
fn quote_outcomes(query: &str) -> String {
    static LABEL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(^|[\s(+\-])outcome:([A-Za-z0-9_]+:[A-Za-z0-9_]+)").expect("valid")
    });
    // Only outside quoted phrases: the even pieces between double quotes.
    query
        .split('"')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 0 {
                LABEL
                    .replace_all(piece, "${1}outcome:\"${2}\"")
                    .into_owned()
            } else {
                piece.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}

fn drop_and_before_not(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut in_quotes = false;
    let mut rest = query;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if !in_quotes
            && rest.starts_with("AND")
            && out.chars().last().is_none_or(char::is_whitespace)
        {
            let after = &rest[3..];
            let trimmed = after.trim_start();
            if after.len() != trimmed.len()
                && trimmed.starts_with("NOT")
                && trimmed[3..].starts_with(char::is_whitespace)
            {
                rest = trimmed;
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The longest run of consecutive tokens that are query terms (a phrase match is such a
/// run), as a byte range of `text`; the first such run when several are equally long.
fn best_match(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    text: &str,
    terms: &HashSet<String>,
) -> Option<(usize, usize)> {
    if terms.is_empty() {
        return None;
    }
    let mut stream = analyzer.token_stream(text);
    let mut best: Option<(usize, usize, usize)> = None; // (start, end, tokens)
    let mut run: Option<(usize, usize, usize, usize)> = None; // (start, end, tokens, last position)
    while let Some(tok) = stream.next() {
        if terms.contains(&tok.text) {
            run = match run {
                Some((s, _, n, pos)) if tok.position == pos + 1 => {
                    Some((s, tok.offset_to, n + 1, tok.position))
                }
                _ => Some((tok.offset_from, tok.offset_to, 1, tok.position)),
            };
            let (s, e, n, _) = run.expect("just set");
            if best.is_none_or(|(_, _, bn)| n > bn) {
                best = Some((s, e, n));
            }
        } else {
            run = None;
        }
    }
    best.map(|(s, e, _)| (s, e))
}

/// Splits the text around the match into (left, match, right), each on one line, with about
/// `context` bytes each side, cut at character and word boundaries.
fn kwic(text: &str, span: Option<(usize, usize)>, context: usize) -> (String, String, String) {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some((start, end)) = span else {
        let cut = floor_char(text, context.saturating_mul(2));
        let mut left = one_line(&text[..cut]);
        if cut < text.len() {
            left.push_str(" …");
        }
        return (left, String::new(), String::new());
    };
    let mut from = floor_char(text, start.saturating_sub(context));
    if from > 0 && !text[..from].ends_with(char::is_whitespace) {
        from = text[from..start]
            .find(char::is_whitespace)
            .map_or(from, |i| from + i);
    }
    let mut to = floor_char(text, end.saturating_add(context).min(text.len()));
    if to < text.len() && !text[to..].starts_with(char::is_whitespace) {
        to = text[end..to]
            .rfind(char::is_whitespace)
            .map_or(to, |i| end + i);
    }
    let mut left = one_line(&text[from..start]);
    if from > 0 {
        left.insert_str(0, "… ");
    }
    if text[..start].ends_with(char::is_whitespace) && !left.is_empty() {
        left.push(' ');
    }
    let mut right = one_line(&text[end..to]);
    if text[end..].starts_with(char::is_whitespace) && !right.is_empty() {
        right.insert(0, ' ');
    }
    if to < text.len() {
        right.push_str(" …");
    }
    (left, one_line(&text[start..end]), right)
}

/// [`kwic`] of the masked text. Only a window around the match is masked (a document may be
/// 50 MB): the context plus a margin, widened to whitespace so that no handle or number is cut
/// at its edge. The window starts before kwic's own cut whenever that is not the text's
/// start, so the ellipses are the same as without masking.
fn masked_kwic(
    m: &crate::mask::Masker,
    text: &str,
    span: Option<(usize, usize)>,
    context: usize,
) -> (String, String, String) {
    const MARGIN: usize = 64;
    let (lo, hi) = match span {
        Some((s, e)) => (
            s.saturating_sub(context.saturating_add(MARGIN)),
            e.saturating_add(context.saturating_add(MARGIN)),
        ),
        None => (0, context.saturating_mul(2).saturating_add(MARGIN)),
    };
    let mut from = floor_char(text, lo);
    while from > 0 && !text[..from].ends_with(char::is_whitespace) {
        from = floor_char(text, from - 1);
    }
    let mut to = floor_char(text, hi);
    while to < text.len() && !text[to..].starts_with(char::is_whitespace) {
        to += text[to..].chars().next().map_or(1, char::len_utf8);
    }
    let local: Vec<(usize, usize)> = span
        .map(|(s, e)| (s - from, e - from))
        .into_iter()
        .collect();
    let (masked, spans) = m.text_keeping(&text[from..to], &local);
    let (mut left, matched, mut right) = kwic(&masked, spans.first().copied(), context);
    if from > 0 && !left.starts_with('…') {
        left.insert_str(0, "… ");
    }
    if to < text.len() && !right.ends_with('…') && !(span.is_none() && left.ends_with('…')) {
        if span.is_some() {
            right.push_str(" …");
        } else {
            left.push_str(" …");
        }
    }
    (left, matched, right)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_labels_are_quoted_outside_phrases() {
        assert_eq!(
            quote_outcomes("outcome:responded:yes"),
            "outcome:\"responded:yes\""
        );
        assert_eq!(
            quote_outcomes("refund AND (outcome:move:redirect OR -outcome:resolution:resolved)"),
            "refund AND (outcome:\"move:redirect\" OR -outcome:\"resolution:resolved\")"
        );
        // Already quoted, or inside a phrase: unchanged.
        for q in [
            "outcome:\"responded:yes\"",
            "\"see outcome:responded:yes here\"",
        ] {
            assert_eq!(quote_outcomes(q), q);
        }
    }

    #[test]
    fn query_depth_counts_parentheses_and_not_chains_outside_quotes() {
        assert_eq!(query_depth("refund"), 0);
        assert_eq!(query_depth("(a OR (b AND c))"), 2);
        assert_eq!(query_depth("NOT NOT NOT x"), 3);
        assert_eq!(query_depth("NOT (NOT (x)) y"), 4);
        assert_eq!(query_depth("\"((( NOT NOT\" x"), 0);
        assert_eq!(query_depth("a \\( b"), 0);
        assert_eq!(query_depth("NOTHING NOTE"), 0);
        assert_eq!(query_depth(&"(".repeat(5000)), 5000);
        assert_eq!(query_depth("(a) (b) (c)"), 1);
    }

    #[test]
    fn kwic_survives_any_context_width() {
        let text = "one two three";
        let (l, m, r) = kwic(text, Some((4, 7)), usize::MAX);
        assert_eq!(
            (l.as_str(), m.as_str(), r.as_str()),
            ("one ", "two", " three")
        );
        let (l, ..) = kwic(text, None, usize::MAX);
        assert_eq!(l, text);
    }

    #[test]
    fn kwic_cuts_at_word_boundaries_and_marks_ellipses() {
        let text = "Within 5 minutes of my tweet, I received a Direct message from @GMCustomerSvc asking me";
        let start = text.find("Direct").unwrap();
        let (l, m, r) = kwic(text, Some((start, start + "Direct message".len())), 20);
        assert_eq!(m, "Direct message");
        assert_eq!(l, "… tweet, I received a ");
        assert_eq!(r, " from @GMCustomerSvc …");
    }

    #[test]
    fn and_not_is_rewritten_outside_quotes_only() {
        assert_eq!(
            drop_and_before_not("twitter AND NOT zappos"),
            "twitter NOT zappos"
        );
        assert_eq!(
            drop_and_before_not("\"this AND NOT that\" AND NOT x"),
            "\"this AND NOT that\" NOT x"
        );
        assert_eq!(
            drop_and_before_not("BRAND AND NOTHING"),
            "BRAND AND NOTHING"
        );
    }

    #[test]
    fn kwic_is_safe_on_multibyte_text() {
        let text = "すごい犬 said the reply came within 30 minutes ✓✓✓";
        let start = text.find("within").unwrap();
        let (l, m, r) = kwic(text, Some((start, start + 6)), 7);
        assert_eq!(m, "within");
        assert!(l.starts_with('…') && r.ends_with('…'), "{l:?} {r:?}");
    }

    #[test]
    fn phrase_runs_beat_single_terms() {
        let (schema, fields) = crate::index::schema::build();
        let index = Index::create_in_ram(schema);
        let mut analyzer = index.tokenizer_for_field(fields.text).unwrap();
        let terms: HashSet<String> = ["direct", "message"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = "a message came; then a Direct Message arrived";
        let (s, e) = best_match(&mut analyzer, text, &terms).unwrap();
        assert_eq!(&text[s..e], "Direct Message");
    }
}
