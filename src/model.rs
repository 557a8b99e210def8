//! The data model shared by the stages: documents, rejects and the labels a source gives.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One text in the corpus: a blog post, a tweet, a complaint, a forum post.
///
/// `id` is stable: it is derived from the source name and the record's own id (or its file
/// and record number), so the same input always gives the same id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    /// `source:record-id`, unique in the index.
    pub id: String,
    /// The manifest's name for the source this came from.
    pub source: String,
    /// blog, tweet, post, complaint, review ...
    pub kind: String,
    /// The input file, relative to the manifest's directory where possible.
    pub file: String,
    /// Line (CSV, JSON lines) or 1 for whole-file formats: where the record starts.
    pub line: u64,
    /// Link to the original, if the source gives one.
    pub url: Option<String>,
    /// Title: the HTML `<title>`, a Markdown heading, a mapped column.
    pub title: Option<String>,
    /// Author or account name.
    pub author: Option<String>,
    /// When it was written, in UTC.
    pub created_at: Option<DateTime<Utc>>,
    /// The visible text, line ends normalised to `\n`. Tag spans are byte offsets into it.
    pub text: String,
    /// Thread fields for reply-linked posts.
    pub thread: Thread,
    /// Labels the source states (a CSV column with the airline, the recorded company
    /// response). Kept apart from inferred labels so the two can be compared.
    pub given: BTreeMap<String, String>,
    /// Extra columns the manifest asked to keep, as given.
    pub meta: BTreeMap<String, String>,
}

/// Reply structure of a post, as document ids of the same source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Thread {
    /// The post this one answers.
    pub in_reply_to: Option<String>,
    /// Posts that answer this one, as the source lists them (they may lie outside the corpus).
    pub replies: Vec<String>,
    /// Conversation id, when the source states it; otherwise computed from the reply links.
    pub conversation_id: Option<String>,
    /// Written by a customer (true) or by a company account (false).
    pub inbound: Option<bool>,
}

impl Thread {
    /// True when the source gave any thread field.
    pub fn is_linked(&self) -> bool {
        self.in_reply_to.is_some() || !self.replies.is_empty() || self.conversation_id.is_some()
    }
}

/// A record that could not become a document, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The manifest's source name.
    pub source: String,
    /// The input file.
    pub file: String,
    /// Line where the record starts (1-based), when the format has lines.
    pub line: Option<u64>,
    /// Record number within the file (1-based, header not counted).
    pub record: u64,
    /// What was wrong and what was expected.
    pub reason: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: record {}: {}",
                self.file, line, self.record, self.reason
            ),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}
