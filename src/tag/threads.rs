//! Interactions from reply structure: one per customer conversation with a company account.
//!
//! Definitions (README, "Definitions that decide numbers"):
//! - An interaction opens at a customer's post (inbound) that replies to nothing, or to a post
//!   outside the corpus, and is addressed to a company (its @handle) or answered by one.
//! - Its company is the first company account that replies anywhere below it in the
//!   conversation; if none replies, the first company it addresses.
//! - Responded: yes when a company post in the corpus replies below it; unknown when no
//!   company post does but a post of the conversation lists a reply that is not in the
//!   corpus (an answer may exist; we do not know whose or when); no otherwise.
//! - Time to first response: the company's first reply time minus the opening post's time,
//!   exact. A negative or missing delay is left empty with the reason in `problem`.
//! - An unanswered conversation is censored at the corpus's last timestamp.

use crate::model::{Document, Evidence, Interaction, Label, Responded, Role, Tag, TagSet};
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use serde::Serialize;

/// What the thread stage reads of one reply-linked post's tags and author, as made by the
/// tagging workers: no text, so making it copies nothing. [`ThreadStore::push_doc`] keeps it
/// with the post's document fields.
#[derive(Debug, Clone, Default)]
pub struct PostTags {
    /// The author's company, when the author is a company account.
    company: Option<&'static str>,
    /// The gazetteer knows that account (not only a support account's company part).
    company_known: bool,
    /// Label, span and rule (interned: [`crate::intern`]), as the tags have them.
    addressee: Option<(&'static str, usize, usize, &'static str)>,
    moves: Vec<(
        &'static str,
        Option<&'static str>,
        usize,
        usize,
        &'static str,
    )>,
    resolution: Option<(&'static str, usize, usize, &'static str)>,
    sentiment: (u32, u32),
}

impl PostTags {
    /// Keeps what the thread stage needs of a tagged post's tags.
    /// `author` is the post's [`super::Lexicons::company_author`] (as [`super::TaggedDoc`] has it).
    pub fn of(author: Option<(&'static str, bool)>, tags: &[Tag]) -> PostTags {
        let (company, company_known) = match author {
            Some((id, known)) => (Some(id), known),
            None => (None, false),
        };
        let mut cues = PostTags {
            company,
            company_known,
            ..PostTags::default()
        };
        for tag in tags {
            match tag.set {
                TagSet::Company
                    if cues.addressee.is_none() && tag.role == Some(Role::Addressee) =>
                {
                    cues.addressee = Some((tag.label, tag.start, tag.end, tag.rule));
                }
                TagSet::Move => {
                    cues.moves
                        .push((tag.label, tag.target, tag.start, tag.end, tag.rule));
                }
                TagSet::Resolution => {
                    cues.resolution = Some((tag.label, tag.start, tag.end, tag.rule));
                }
                TagSet::Sentiment if tag.label == "positive" => cues.sentiment.0 += 1,
                TagSet::Sentiment if tag.label == "negative" => cues.sentiment.1 += 1,
                _ => {}
            }
        }
        cues
    }
}

/// One reply-linked post as the thread stage needs it, owning its document's thread fields
/// (no text): what an incremental build keeps of the posts it tags again
/// ([`ThreadStore::push`]).
#[derive(Debug, Clone)]
pub struct PostDraft {
    /// The post's document without its text, title, link, labels or columns.
    doc: Document,
    tags: PostTags,
}

impl PostDraft {
    /// Keeps what the thread stage needs of a tagged post.
    /// `author` is the post's [`super::Lexicons::company_author`] (as [`super::TaggedDoc`] has it).
    pub fn from_tagged(
        author: Option<(&'static str, bool)>,
        d: &Document,
        tags: &[Tag],
    ) -> PostDraft {
        PostDraft::new(d, PostTags::of(author, tags))
    }

    /// The post of `d` with its cues `tags`.
    pub fn new(d: &Document, tags: PostTags) -> PostDraft {
        let doc = Document {
            id: d.id.clone(),
            source: d.source.clone(),
            kind: d.kind.clone(),
            author: d.author.clone(),
            created_at: d.created_at,
            thread: d.thread.clone(),
            ..Document::default()
        };
        PostDraft { doc, tags }
    }
}

impl PostDraft {
    /// The post's id.
    pub fn id(&self) -> &str {
        &self.doc.id
    }

    /// The post it replies to, if any.
    pub fn in_reply_to(&self) -> Option<&str> {
        self.doc.thread.in_reply_to.as_deref()
    }

    /// The replies the source lists.
    pub fn replies(&self) -> &[String] {
        &self.doc.thread.replies
    }

    /// When it was written, in milliseconds.
    pub fn created_ms(&self) -> Option<i64> {
        self.doc.created_at.map(|t| t.timestamp_millis())
    }
}

/// What the thread stage reads of one tagged post besides its document fields, as
/// `tag --stream` writes it for an engine that runs the thread stage itself (Spark).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostCues {
    /// The author's company id, else the author's handle in lower case, else none: the
    /// company a reply by this post's author is credited to.
    pub company: Option<String>,
    /// The gazetteer knows the author's account (a reply by it is not `discovered`).
    pub company_known: bool,
    /// The post is a company's: `inbound = false`, or (inbound unknown) a known account.
    pub company_post: bool,
    /// First company the post addresses (@handle).
    pub addressee: Option<Cue>,
    /// Moves in text order, with a redirect's target channel.
    pub moves: Vec<Cue>,
    /// The post's last resolution cue.
    pub resolution: Option<Cue>,
    /// Positive sentiment tags.
    pub positive: u32,
    /// Negative sentiment tags.
    pub negative: u32,
}

/// One cue of [`PostCues`]: its label (a company id for the addressee), a redirect's
/// target, its span and rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cue {
    /// Label.
    pub label: String,
    /// A redirect's target channel.
    pub target: Option<String>,
    /// Byte offset of the evidence.
    pub start: usize,
    /// End of the evidence.
    pub end: usize,
    /// Rule id.
    pub rule: String,
}

impl PostDraft {
    /// The cues as [`PostCues`], decided the way [`ThreadStore`] decides them.
    pub fn cues(&self) -> PostCues {
        let cue = |&(label, start, end, rule): &(&str, usize, usize, &str)| Cue {
            label: label.to_string(),
            target: None,
            start,
            end,
            rule: rule.to_string(),
        };
        PostCues {
            company: (self.tags.company.map(str::to_string))
                .or_else(|| self.doc.author.as_ref().map(|a| a.to_ascii_lowercase())),
            company_known: self.tags.company_known,
            company_post: match self.doc.thread.inbound {
                Some(inbound) => !inbound,
                None => self.tags.company_known,
            },
            addressee: self.tags.addressee.as_ref().map(cue),
            moves: (self.tags.moves)
                .iter()
                .take(u16::MAX as usize)
                .map(|&(label, target, start, end, rule)| Cue {
                    label: label.to_string(),
                    target: target.map(str::to_string),
                    start,
                    end,
                    rule: rule.to_string(),
                })
                .collect(),
            resolution: self.tags.resolution.as_ref().map(cue),
            positive: self.tags.sentiment.0.min(u16::MAX as u32),
            negative: self.tags.sentiment.1.min(u16::MAX as u32),
        }
    }
}

/// Marks "no symbol" and "no time".
const NONE: u32 = u32::MAX;
const NO_TIME: i64 = i64::MIN;

/// A string in the store's arena.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u64,
    len: u32,
}

/// One post as kept: strings in one arena, everything else as small numbers and interned
/// symbols, so millions of posts fit in memory (about 120 bytes each plus their ids).
#[derive(Debug, Clone)]
struct Post {
    id: Span,
    /// in_reply_to; len 0 when none.
    parent: Span,
    /// Listed replies: replies[reply_start..reply_start + reply_count].
    reply_start: u32,
    reply_count: u16,
    created_ms: i64,
    /// 0 unknown, 1 customer, 2 company.
    inbound: u8,
    /// The author is a company account the gazetteer knows.
    known_company: bool,
    source: u32,
    kind: u32,
    /// The author's company id, or the author's handle in lower case when it is not in the
    /// gazetteer (NONE without an author).
    company: u32,
    /// First company addressed: company (NONE when none), start, end, rule.
    addressee: [u32; 4],
    /// Moves: moves[move_start..move_start + move_count].
    move_start: u32,
    move_count: u16,
    /// Last resolution cue: label (NONE when none), start, end, rule.
    resolution: [u32; 4],
    pos: u16,
    neg: u16,
}

/// Posts per chunk: chunks never move once filled, so the store grows without copying and
/// wastes at most one chunk.
const CHUNK: usize = 1 << 16;

/// The position in a [`ThreadStore`] of each post id ([`Links`]).
pub type Positions<'a> = HashMap<&'a str, u32>;

/// How the posts of a [`ThreadStore`] link ([`ThreadStore::links`]).
pub struct Links<'a> {
    /// The in-corpus parent of each post (`u32::MAX` when it replies to nothing, to a post
    /// outside the corpus, or to itself).
    pub parents: Vec<u32>,
    /// The position of every post id.
    pub index: Positions<'a>,
}

/// Every reply-linked post of the corpus, kept compactly until ingest ends.
#[derive(Debug, Default)]
pub struct ThreadStore {
    chunks: Vec<Vec<Post>>,
    len: usize,
    arena: String,
    replies: Vec<Span>,
    moves: Vec<[u32; 5]>,
    conversations: HashMap<u32, Box<str>>,
    symbols: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl ThreadStore {
    fn sym(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.symbols.len() as u32;
        self.symbols.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    fn name(&self, sym: u32) -> &str {
        &self.symbols[sym as usize]
    }

    fn keep(&mut self, s: &str) -> Span {
        let span = Span {
            start: self.arena.len() as u64,
            len: s.len().min(u32::MAX as usize) as u32,
        };
        self.arena.push_str(&s[..span.len as usize]);
        span
    }

    fn text(&self, span: Span) -> &str {
        &self.arena[span.start as usize..span.start as usize + span.len as usize]
    }

    fn post(&self, i: usize) -> &Post {
        &self.chunks[i / CHUNK][i % CHUNK]
    }

    /// Keeps one post.
    pub fn push(&mut self, d: PostDraft) {
        self.push_doc(&d.doc, &d.tags);
    }

    /// Keeps one post from its document and cues: the document's fields are copied into the
    /// store once, with no draft in between.
    pub fn push_doc(&mut self, d: &Document, t: &PostTags) {
        let company = match (t.company, d.author.as_deref()) {
            (Some(c), _) => self.sym(c),
            // Most handles are lower case already (numeric customer ids): no copy then.
            (None, Some(a)) if a.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.sym(&a.to_ascii_lowercase())
            }
            (None, Some(a)) => self.sym(a),
            (None, None) => NONE,
        };
        let span = |x: usize| x.min(u32::MAX as usize) as u32;
        let addressee = match &t.addressee {
            Some((c, s, e, r)) => [self.sym(c), span(*s), span(*e), self.sym(r)],
            None => [NONE, 0, 0, 0],
        };
        let move_start = self.moves.len() as u32;
        for (l, target, s, e, r) in t.moves.iter().take(u16::MAX as usize) {
            let m = [
                self.sym(l),
                target.map_or(NONE, |x| self.sym(x)),
                span(*s),
                span(*e),
                self.sym(r),
            ];
            self.moves.push(m);
        }
        let resolution = match &t.resolution {
            Some((l, s, e, r)) => [self.sym(l), span(*s), span(*e), self.sym(r)],
            None => [NONE, 0, 0, 0],
        };
        let reply_start = self.replies.len() as u32;
        for r in d.thread.replies.iter().take(u16::MAX as usize) {
            let kept = self.keep(r);
            self.replies.push(kept);
        }
        let i = self.len as u32;
        if let Some(c) = &d.thread.conversation_id {
            self.conversations.insert(i, c.as_str().into());
        }
        let post = Post {
            id: self.keep(&d.id),
            parent: (d.thread.in_reply_to.as_deref())
                .map(|p| self.keep(p))
                .unwrap_or_default(),
            reply_start,
            reply_count: d.thread.replies.len().min(u16::MAX as usize) as u16,
            created_ms: d.created_at.map_or(NO_TIME, |t| t.timestamp_millis()),
            inbound: match d.thread.inbound {
                None => 0,
                Some(true) => 1,
                Some(false) => 2,
            },
            known_company: t.company_known,
            source: self.sym(&d.source),
            kind: self.sym(&d.kind),
            company,
            addressee,
            move_start,
            move_count: t.moves.len().min(u16::MAX as usize) as u16,
            resolution,
            pos: t.sentiment.0.min(u16::MAX as u32) as u16,
            neg: t.sentiment.1.min(u16::MAX as u32) as u16,
        };
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks.last_mut().expect("just pushed").push(post);
        self.len += 1;
    }

    /// Posts kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no post was kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How the posts link: built once after ingest, read by the thread stage and the
    /// threads table.
    pub fn links(&self) -> Links<'_> {
        let index: Positions = (0..self.len).map(|i| (self.id(i), i as u32)).collect();
        let parents = (0..self.len)
            .map(|i| match self.parent_id(i).and_then(|r| index.get(r)) {
                Some(&q) if q as usize != i => q,
                _ => NONE,
            })
            .collect();
        Links { parents, index }
    }

    /// Post id.
    pub fn id(&self, i: usize) -> &str {
        self.text(self.post(i).id)
    }

    /// The post's own parent id, if any (in the corpus or not).
    pub fn parent_id(&self, i: usize) -> Option<&str> {
        let p = self.post(i).parent;
        (p.len > 0).then(|| self.text(p))
    }

    /// The conversation id the source gave, if any.
    pub fn given_conversation(&self, i: usize) -> Option<&str> {
        self.conversations.get(&(i as u32)).map(|c| &**c)
    }

    /// Replies the source lists.
    pub fn replies_listed(&self, i: usize) -> usize {
        self.post(i).reply_count as usize
    }

    fn replies(&self, i: usize) -> impl Iterator<Item = &str> {
        let p = self.post(i);
        let start = p.reply_start as usize;
        self.replies[start..start + p.reply_count as usize]
            .iter()
            .map(|s| self.text(*s))
    }

    fn moves_of(&self, i: usize) -> &[[u32; 5]] {
        let p = self.post(i);
        &self.moves[p.move_start as usize..p.move_start as usize + p.move_count as usize]
    }

    fn is_company(&self, i: usize) -> bool {
        let p = self.post(i);
        match p.inbound {
            1 => false,
            2 => true,
            _ => p.known_company,
        }
    }

    fn time(&self, i: usize) -> Option<DateTime<Utc>> {
        let ms = self.post(i).created_ms;
        if ms == NO_TIME {
            None
        } else {
            DateTime::from_timestamp_millis(ms)
        }
    }
}

/// Counts of the thread stage, for the index manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ThreadStats {
    /// Reply-linked posts read.
    pub posts: u64,
    /// Customer posts that open a conversation.
    pub openings: u64,
    /// Openings addressed to no company and answered by none: not interactions.
    pub unaddressed: u64,
    /// Interactions made.
    pub interactions: u64,
    /// Interactions whose delay could not be computed (missing or negative times).
    pub bad_delays: u64,
}

/// What the thread stage of one shard must know of the whole corpus (`index --shard`).
#[derive(Debug, Default)]
pub struct CorpusView {
    /// The last time of any reply-linked post, in milliseconds: where unanswered
    /// conversations are censored.
    pub end_ms: Option<i64>,
    /// Every reply-linked post's id: a listed reply is outside the corpus only when it is
    /// none of them.
    pub ids: std::collections::HashSet<String>,
}

/// Builds the interactions of all reply-linked posts and hands each to `emit`, in post
/// order, so they need not all be held at once, with the store positions of its post and
/// then of each of its evidence's posts. `links` are the store's ([`ThreadStore::links`]).
/// `corpus` is the whole corpus when the store holds one shard of it; without it, the
/// store is the corpus.
pub fn interactions(
    store: &ThreadStore,
    links: &Links,
    corpus: Option<&CorpusView>,
    emit: &mut dyn FnMut(Interaction, &[u32]) -> crate::Result<()>,
) -> crate::Result<ThreadStats> {
    match corpus {
        None => interactions_in(store, links, &Corpus::Store, emit),
        Some(c) => {
            let has = |id: &str| c.ids.contains(id);
            let larger = Corpus::Larger {
                end: c.end_ms.and_then(DateTime::from_timestamp_millis),
                has: &has,
            };
            interactions_in(store, links, &larger, emit)
        }
    }
}

/// What lies outside the posts of a store, for a store that holds only some conversations
/// of a corpus: one shard's ([`CorpusView`]), or those an incremental build recomputes
/// because new posts touch them.
pub enum Corpus<'a> {
    /// The store is the whole corpus.
    Store,
    /// The store holds whole conversations of a larger corpus.
    Larger {
        /// The corpus's last timestamp (unanswered conversations are censored there).
        end: Option<DateTime<Utc>>,
        /// Whether a post id is in the corpus (a listed reply that is not: "unknown").
        has: &'a (dyn Fn(&str) -> bool + Sync),
    },
}

/// [`interactions`] of a store that may hold only some of a corpus's conversations (each
/// whole: every post linked to one of its posts by `in_reply_to` is in the store).
pub fn interactions_in(
    store: &ThreadStore,
    links: &Links,
    corpus: &Corpus<'_>,
    emit: &mut dyn FnMut(Interaction, &[u32]) -> crate::Result<()>,
) -> crate::Result<ThreadStats> {
    let n = store.len();
    let mut stats = ThreadStats {
        posts: n as u64,
        ..ThreadStats::default()
    };
    let Links { parents, index } = links;
    // Children in compressed form: child_start[p]..child_start[p + 1] indexes child_list.
    let mut child_start = vec![0u32; n + 1];
    for &q in parents {
        if q != NONE {
            child_start[q as usize + 1] += 1;
        }
    }
    for k in 1..child_start.len() {
        child_start[k] += child_start[k - 1];
    }
    let mut fill = child_start.clone();
    let mut child_list = vec![0u32; child_start[n] as usize];
    for (i, &q) in parents.iter().enumerate() {
        if q != NONE {
            child_list[fill[q as usize] as usize] = i as u32;
            fill[q as usize] += 1;
        }
    }
    drop(fill);
    let children = |p: usize| {
        child_list[child_start[p] as usize..child_start[p + 1] as usize]
            .iter()
            .map(|&c| c as usize)
    };
    let corpus_end = match corpus {
        Corpus::Store => (0..n).filter_map(|i| store.time(i)).max(),
        Corpus::Larger { end, .. } => *end,
    };
    let in_corpus = |id: &str| match corpus {
        Corpus::Store => index.contains_key(id),
        Corpus::Larger { has, .. } => index.contains_key(id) || has(id),
    };
    let mut seen = vec![false; n];
    // The store positions of an opening and of each of its evidence's posts, for `emit`
    // (one buffer for all openings).
    let mut at: Vec<u32> = Vec::new();
    for i in 0..n {
        let p = store.post(i);
        if store.is_company(i) || parents[i] != NONE {
            continue;
        }
        stats.openings += 1;
        // Every post below the opening, without revisiting (bad data can hold cycles).
        let mut below = Vec::new();
        let mut stack: Vec<usize> = children(i).collect();
        seen[i] = true;
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c], true) {
                continue;
            }
            below.push(c);
            stack.extend(children(c));
        }
        for &c in &below {
            seen[c] = false;
        }
        seen[i] = false;
        below.sort_by(|&a, &b| {
            (store.post(a).created_ms, store.id(a)).cmp(&(store.post(b).created_ms, store.id(b)))
        });
        let first_reply = below.iter().copied().find(|&c| store.is_company(c));
        let mut ev = Vec::new();
        // Evidence is added by `cite` only, so it and `at` stay in step.
        at.clear();
        at.push(i as u32);
        let mut cite = |field: &'static str, post: usize, start: u32, end: u32, rule| {
            ev.push(Evidence {
                field: field.into(),
                doc: store.id(post).to_string(),
                start: start as usize,
                end: end as usize,
                rule,
            });
            at.push(post as u32);
        };
        let company = match first_reply {
            Some(r) => {
                cite("company", r, 0, 0, "thread.first_company_reply".into());
                let c = store.post(r).company;
                if c == NONE {
                    String::new()
                } else {
                    store.name(c).to_string()
                }
            }
            None => match p.addressee {
                [c, s, e, rule] if c != NONE => {
                    cite("company", i, s, e, store.name(rule).to_string().into());
                    store.name(c).to_string()
                }
                _ => {
                    stats.unaddressed += 1;
                    continue;
                }
            },
        };
        // Asked only without a company reply: a look-up per listed reply of the thread.
        let listed_outside = || {
            std::iter::once(i)
                .chain(below.iter().copied())
                .any(|k| store.replies(k).any(|r| !in_corpus(r)))
        };
        let responded = match first_reply {
            Some(r) => {
                cite("responded", r, 0, 0, "thread.reply_link".into());
                Responded::Yes
            }
            None if listed_outside() => {
                cite("responded", i, 0, 0, "thread.reply_outside_corpus".into());
                Responded::Unknown
            }
            None => {
                cite("responded", i, 0, 0, "thread.no_company_reply".into());
                Responded::No
            }
        };
        let responded_at = first_reply.and_then(|r| store.time(r));
        let opened_at = store.time(i);
        let mut problem = None;
        let latency = match (first_reply, opened_at, responded_at) {
            (None, ..) => None,
            (Some(r), Some(open), Some(reply)) => {
                let secs = (reply - open).num_milliseconds() as f64 / 1000.0;
                if secs < 0.0 {
                    problem = Some(format!(
                        "reply is {:.0} s before the post it answers",
                        -secs
                    ));
                    None
                } else {
                    cite("latency", r, 0, 0, "thread.timestamps".into());
                    Some(secs)
                }
            }
            (Some(_), ..) => {
                problem = Some("missing created_at on the post or its reply".into());
                None
            }
        };
        if problem.is_some() {
            stats.bad_delays += 1;
        }
        let mut moves: Vec<Label> = Vec::new();
        let mut redirect_to: Vec<Label> = Vec::new();
        let mut resolution: Option<(u32, usize, u32, u32, u32)> = None;
        let (mut pos, mut neg) = (u32::from(p.pos), u32::from(p.neg));
        for &c in &below {
            let post = store.post(c);
            if store.is_company(c) {
                for &[label, target, s, e, rule] in store.moves_of(c) {
                    let label = store.name(label);
                    if !moves.iter().any(|m| m == label) {
                        moves.push(label.to_string().into());
                        cite("move", c, s, e, store.name(rule).to_string().into());
                    }
                    if target != NONE {
                        let t = store.name(target);
                        if !redirect_to.iter().any(|r| r == t) {
                            redirect_to.push(t.to_string().into());
                        }
                    }
                }
            } else {
                pos += u32::from(post.pos);
                neg += u32::from(post.neg);
                let [label, s, e, rule] = post.resolution;
                if label != NONE {
                    resolution = Some((label, c, s, e, rule));
                }
            }
        }
        moves.sort();
        let resolution = match resolution {
            Some((label, c, s, e, rule)) => {
                cite("resolution", c, s, e, store.name(rule).to_string().into());
                store.name(label).to_string()
            }
            None => "unknown".into(),
        };
        let sentiment = match (pos, neg) {
            (0, 0) => "neutral",
            (_, 0) => "positive",
            (0, _) => "negative",
            (p, n) if p >= 2 * n => "positive",
            (p, n) if n >= 2 * p => "negative",
            _ => "mixed",
        };
        let censor_seconds = match (responded, corpus_end, opened_at) {
            (Responded::No, Some(end), Some(open)) => {
                Some(((end - open).num_milliseconds() as f64 / 1000.0).max(0.0))
            }
            _ => None,
        };
        stats.interactions += 1;
        emit(
            Interaction {
                id: format!("{}#{company}", store.id(i)),
                doc_id: store.id(i).to_string(),
                source: store.name(p.source).to_string(),
                kind: store.name(p.kind).to_string(),
                basis: "thread".into(),
                company: company.into(),
                company_basis: "thread".into(),
                discovered: first_reply.is_some_and(|r| !store.post(r).known_company),
                channels: vec!["twitter".into()],
                first_channel: Some("twitter".into()),
                response_channel: first_reply.map(|_| "twitter".into()),
                responded,
                latency_seconds: latency,
                latency_kind: latency.map(|_| "exact".into()),
                switched: !redirect_to.is_empty(),
                moves,
                redirect_to,
                resolution: resolution.into(),
                sentiment: sentiment.into(),
                opened_at,
                responded_at,
                censor_seconds,
                posts: 1 + below.len() as u32,
                problem,
                evidence: ev,
            },
            &at,
        )?;
    }
    Ok(stats)
}
