//! The tantivy schema: text stored with positions for phrase search and snippets; id,
//! source, kind and author as exact-match filters; created_at as a date. Of the texts only
//! id is also a fast (columnar) field: search breaks ties of equal scores by it. Source,
//! kind and author were fast fields too, read by nothing, at about 1% of `index`'s work
//! (BENCHMARKS.md); indexes built with them still open and update as they are.
//!
//! created_at is a fast field and not indexed: tantivy answers a range on a fast field from
//! its column (`--since`, `--until`, `created_at:[A TO B}` in a query), and indexing it made
//! a term of nearly every tweet's second: 5% of `index`'s time at 300,000 tweets, 10% at 3
//! million (BENCHMARKS.md). An index built when it was also indexed reads and updates as it
//! is.

use tantivy::schema::{DateOptions, DateTimePrecision, Field, Schema, FAST, STORED, STRING, TEXT};

/// The fields of the search index, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Document id (exact).
    pub id: Field,
    /// Source name (exact).
    pub source: Field,
    /// Kind (exact).
    pub kind: Field,
    /// Author (exact).
    pub author: Field,
    /// Title (full text).
    pub title: Field,
    /// Text (full text, positions, stored).
    pub text: Field,
    /// Creation time (date, seconds).
    pub created_at: Field,
    /// Link (stored only).
    pub url: Field,
    /// Companies party to an interaction in the document (exact, repeated).
    pub company: Field,
    /// Companies only mentioned in passing (exact, repeated).
    pub mention: Field,
    /// Channels named as used (exact, repeated).
    pub channel: Field,
    /// Outcome tags as `set:label`: responded:yes, move:redirect, resolution:resolved,
    /// sentiment:negative (exact, repeated).
    pub outcome: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let date = DateOptions::from(STORED | FAST).set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        id: sb.add_text_field("id", STRING | STORED | FAST),
        source: sb.add_text_field("source", STRING | STORED),
        kind: sb.add_text_field("kind", STRING | STORED),
        author: sb.add_text_field("author", STRING | STORED),
        title: sb.add_text_field("title", TEXT | STORED),
        text: sb.add_text_field("text", TEXT | STORED),
        created_at: sb.add_date_field("created_at", date),
        url: sb.add_text_field("url", STORED),
        company: sb.add_text_field("company", STRING | STORED),
        mention: sb.add_text_field("mention", STRING | STORED),
        channel: sb.add_text_field("channel", STRING | STORED),
        outcome: sb.add_text_field("outcome", STRING | STORED),
    };
    (sb.build(), fields)
}

/// Resolves the field handles of an existing index, checking it has them all.
pub fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let f = |name: &str| schema.get_field(name);
    Ok(Fields {
        id: f("id")?,
        source: f("source")?,
        kind: f("kind")?,
        author: f("author")?,
        title: f("title")?,
        text: f("text")?,
        created_at: f("created_at")?,
        url: f("url")?,
        company: f("company")?,
        mention: f("mention")?,
        channel: f("channel")?,
        outcome: f("outcome")?,
    })
}
