//! The data model shared by the stages: documents, rejects and the labels a source gives.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::borrow::Cow;
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
    /// blog, tweet, post, complaint, review ... (a free label; the tagger reads `shape`).
    pub kind: String,
    /// What kind of text it is for the tagger, as the manifest declares it.
    pub shape: Shape,
    /// The channel the document itself was posted on, when the manifest says so (a tweet
    /// is a use of public Twitter by its author); a blog post's own medium is not one.
    pub channel: Option<String>,
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

/// A document's shape: what the tagger may assume about its text. Declared per source in
/// the manifest (`shape = "short"`), never guessed from the `kind` label.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A reply-linked post (a tweet with reply ids): interactions come from the threads.
    Thread,
    /// A short post on its own: a tweet, a comment, a complaint's title. Its @handles are
    /// the accounts it is written to, and a company it names with no cue is its subject.
    Short,
    /// A longer text: a blog post, a news story, a complaint narrative, a forum post.
    #[default]
    Long,
}

impl Shape {
    /// Name as written in manifests and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Thread => "thread",
            Shape::Short => "short",
            Shape::Long => "long",
        }
    }
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

/// What a tag says: which label set it belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TagSet {
    /// A company named in the text (label: canonical company id).
    Company,
    /// A channel someone used (label: channel name).
    Channel,
    /// Whether the company answered (label: yes or no).
    Responded,
    /// A move the company made (label: apology, asks_details, redirect, fix, compensate, thanks).
    Move,
    /// Whether the problem was solved (label: resolved or unresolved).
    Resolution,
    /// Words of the customer's feeling (label: positive or negative).
    Sentiment,
    /// A stated response time (label: at_most, at_least, approximate, bounded).
    Latency,
}

impl TagSet {
    /// The set's name as written in tables and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            TagSet::Company => "company",
            TagSet::Channel => "channel",
            TagSet::Responded => "responded",
            TagSet::Move => "move",
            TagSet::Resolution => "resolution",
            TagSet::Sentiment => "sentiment",
            TagSet::Latency => "latency",
        }
    }
}

/// The part a company plays in a text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The company in the service story.
    Subject,
    /// The account a customer writes to (@handle).
    Addressee,
    /// The account that answers (a company's own post).
    Responder,
    /// Named in passing: an example, a product, a place.
    Mention,
}

impl Role {
    /// Name as written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Subject => "subject",
            Role::Addressee => "addressee",
            Role::Responder => "responder",
            Role::Mention => "mention",
        }
    }

    /// True for the roles that make a company party to the interaction.
    pub fn is_party(self) -> bool {
        self != Role::Mention
    }
}

/// Who used a channel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer.
    Customer,
    /// The company.
    Company,
}

impl Actor {
    /// Name as written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Company => "company",
        }
    }
}

/// One inferred label with its evidence: the byte span in the text and the rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tag {
    /// Label set.
    pub set: TagSet,
    /// The label: company id, channel, yes/no, move, ... (interned: [`crate::intern`]).
    pub label: &'static str,
    /// For companies: the role.
    pub role: Option<Role>,
    /// For channels: who used it.
    pub actor: Option<Actor>,
    /// For latency: seconds (None when the bound is unquantified); for redirects: none.
    pub seconds: Option<f64>,
    /// For redirect moves: the target channel.
    pub target: Option<&'static str>,
    /// Byte offset of the evidence in the document text.
    pub start: usize,
    /// Byte offset just past the evidence.
    pub end: usize,
    /// The rule that produced the tag (a role rule id for companies is in `role_rule`).
    pub rule: &'static str,
    /// For companies: the rule that decided the role.
    pub role_rule: Option<&'static str>,
    /// For companies: how the name was found.
    pub found: Option<Found>,
}

impl Tag {
    /// A tag with only its set, label, span and rule (both interned or literals).
    pub fn new(
        set: TagSet,
        label: &'static str,
        start: usize,
        end: usize,
        rule: &'static str,
    ) -> Tag {
        Tag {
            set,
            label,
            role: None,
            actor: None,
            seconds: None,
            target: None,
            start,
            end,
            rule,
            role_rule: None,
            found: None,
        }
    }
}

/// How a company was found in a document.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// A name or brand of the gazetteer.
    Gazetteer,
    /// An @handle.
    Handle,
    /// A web domain.
    Domain,
    /// An organisation name no list has, found in a service context.
    Discovered,
    /// The label the data set gives (the text hides the name).
    Given,
    /// The account that wrote the post.
    Author,
}

impl Found {
    /// Name as written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Found::Gazetteer => "gazetteer",
            Found::Handle => "handle",
            Found::Domain => "domain",
            Found::Discovered => "discovered",
            Found::Given => "given",
            Found::Author => "author",
        }
    }
}

/// Whether the company answered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Responded {
    /// A company answer is in the corpus (or the text says it answered).
    Yes,
    /// The conversation is in the corpus and no company post answers it (or the text says so).
    No,
    /// We cannot tell: the text does not say, or the answer lies outside the corpus.
    Unknown,
}

impl Responded {
    /// Every name, as written in tables and gold and coded files.
    pub const LABELS: [&'static str; 3] = ["yes", "no", "unknown"];

    /// Name as written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Responded::Yes => "yes",
            Responded::No => "no",
            Responded::Unknown => "unknown",
        }
    }
}

/// Every resolution, as written in tables and gold and coded files.
pub const RESOLUTION_LABELS: [&str; 3] = ["resolved", "unresolved", "unknown"];

/// A piece of evidence behind an interaction field.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The interaction field it supports: company, channel, responded, latency, move, ...
    pub field: Cow<'static, str>,
    /// The document the span is in.
    pub doc: String,
    /// Byte span in that document's text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// Rule id, or a structural rule such as `thread.reply_link` (the tagger's and the
    /// structural ones are static: no copy per piece of evidence).
    pub rule: Cow<'static, str>,
}

/// A label of an interaction (a company id, a channel, an outcome): one of the tagger's
/// interned strings, borrowed, or owned where it is read at run time (the thread stage's
/// labels come from its own table of names).
pub type Label = Cow<'static, str>;

/// One customer-company story: the unit of analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    /// `doc_id#company` for a text, `conversation_id#company` for a thread.
    pub id: String,
    /// The document that opens it.
    pub doc_id: String,
    /// Source name.
    pub source: String,
    /// Document kind.
    pub kind: String,
    /// `text` (from one document's words) or `thread` (from reply structure).
    pub basis: Label,
    /// Canonical company id, rolled up to the parent.
    pub company: Label,
    /// How the company is known: `text` (named in it), `thread` (the account that
    /// answered, or the one addressed) or `given` (the data set's label; the text hides it).
    pub company_basis: Label,
    /// The company was discovered in the text (no gazetteer entry names it).
    pub discovered: bool,
    /// Channels in order of first use: customer's and company's.
    pub channels: Vec<Label>,
    /// The first channel the customer used, if known.
    pub first_channel: Option<Label>,
    /// The channel the company answered on, if known.
    pub response_channel: Option<Label>,
    /// Whether the company answered.
    pub responded: Responded,
    /// Time to first response in seconds: exact (threads) or a bound from the text.
    pub latency_seconds: Option<f64>,
    /// exact, at_most, at_least, approximate or bounded.
    pub latency_kind: Option<Label>,
    /// The company's moves, sorted, distinct.
    pub moves: Vec<Label>,
    /// Channels the company redirected the customer to, in order.
    pub redirect_to: Vec<Label>,
    /// True when the company moved the customer to another channel.
    pub switched: bool,
    /// resolved, unresolved or unknown.
    pub resolution: Label,
    /// positive, negative, neutral or mixed: the customer's.
    pub sentiment: Label,
    /// When the customer's first post was written.
    pub opened_at: Option<DateTime<Utc>>,
    /// When the company first answered (threads).
    pub responded_at: Option<DateTime<Utc>>,
    /// For an unanswered thread: seconds from the opening post to the corpus's last
    /// timestamp, where Kaplan-Meier censors it.
    pub censor_seconds: Option<f64>,
    /// Posts in the conversation (1 for a text).
    pub posts: u32,
    /// Why a field could not be filled (a negative delay, a missing time).
    pub problem: Option<String>,
    /// Why each field has its value.
    pub evidence: Vec<Evidence>,
}
