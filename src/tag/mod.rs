//! Tag: a document (plus its thread context) in, tags and interactions out.
//!
//! Every tag carries its evidence: the byte span in the text and the id of the rule that
//! produced it. Companies come from the gazetteer ([`gazetteer`]), with a role decided by
//! role cues around each name ([`rules`], `roles.toml`); channels and outcomes come from the
//! rules in `channels.toml` and `outcomes.toml`. [`Lexicons::tag`] is plain single-threaded
//! code; [`tag_all`] runs it over a batch with rayon. Nothing here reads or writes files
//! except [`Lexicons::load`].
//!
//! Interactions from text (blogs, posts, complaints, tweets without reply links): one per
//! company that is party to the story (subject, addressee or responder), never for a company
//! only mentioned. Reply-linked tweets get their interactions from the thread structure
//! instead ([`threads`]).

pub mod acts;
mod cues;
pub mod discover;
pub mod eval;
pub mod gazetteer;
mod interactions;
pub mod latency;
mod memory;
pub(crate) mod names;
pub mod pos;
pub mod prefilter;
mod roles;
pub mod rules;
pub mod sentiment;
pub mod text;
pub mod threads;
pub mod tokens;

pub use interactions::{sentiment_of, sentiment_of_labels, UNNAMED};

use crate::model::{Document, Interaction, Tag};
use gazetteer::Gazetteer;
use interactions::text_interactions;
use rayon::prelude::*;
use rules::{FileKind, LoadError, RuleSet};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use text::sentences;

/// Default rule files, built into the binary.
pub const DEFAULTS: &[(&str, &str)] = &[
    // Generated from open data by tools/gazetteer/build.py (sources and licences there).
    ("companies.jsonl", include_str!("data/companies.jsonl")),
    ("channels.toml", include_str!("rules/channels.toml")),
    ("outcomes.toml", include_str!("rules/outcomes.toml")),
    ("roles.toml", include_str!("rules/roles.toml")),
    ("acts.toml", include_str!("rules/acts.toml")),
    ("names.toml", include_str!("rules/names.toml")),
];

/// The position of channels.toml's rules in [`Lexicons`]' literal pass.
const CHANNELS: usize = 0;
/// The position of outcomes.toml's rules in [`Lexicons`]' literal pass.
const OUTCOMES: usize = 1;
/// The position of roles.toml's rules in [`Lexicons`]' literal pass.
const ROLES: usize = 2;

/// Everything the tagger needs, loaded, checked and compiled once.
#[derive(Debug, Clone)]
pub struct Lexicons {
    /// Companies.
    pub gazetteer: Gazetteer,
    channels: RuleSet,
    outcomes: RuleSet,
    roles: RuleSet,
    acts: acts::Acts,
    names: discover::Names,
    /// The one literal pass over a text: which channel, outcome and role rules can match it
    /// ([`CHANNELS`], [`OUTCOMES`], [`ROLES`]; a role rule run on a window of the text can
    /// match there only if it can match the text) and where the act verbs are.
    literals: prefilter::Prefilter,
    /// (file, sha256) of every rule file used, for the index manifest.
    pub files: Vec<(String, String)>,
}

/// A document with its tags and the interactions its text describes.
#[derive(Debug, Clone, Serialize)]
pub struct TaggedDoc {
    /// The document.
    pub doc: Document,
    /// All tags, ordered by span.
    pub tags: Vec<Tag>,
    /// Interactions from the text (empty for reply-linked posts).
    pub interactions: Vec<Interaction>,
    /// The id of the company the data set gives, as the tagger resolved it (the text's own
    /// name for it when the text names it).
    pub given_company: Option<&'static str>,
    /// The company whose account wrote it ([`Lexicons::company_author`]), looked up once
    /// for the tagger and the thread stage.
    #[serde(skip)]
    pub author: Option<(&'static str, bool)>,
}

impl Lexicons {
    /// The built-in defaults only.
    pub fn defaults() -> Lexicons {
        Lexicons::load(None, None).expect("built-in rules are valid")
    }

    /// Loads the rules: each file from `rules_dir` when it has one, else the built-in default;
    /// then the study's gazetteer (`companies`) on top of the companies file.
    pub fn load(rules_dir: Option<&Path>, companies: Option<&Path>) -> Result<Lexicons, LoadError> {
        let mut texts: Vec<(String, String)> = Vec::new();
        for (name, default) in DEFAULTS {
            let own = rules_dir.map(|d| d.join(name)).filter(|p| p.exists());
            match own {
                Some(p) => {
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        LoadError::at(&p.display().to_string(), None, format!("cannot read: {e}"))
                    })?;
                    texts.push((p.display().to_string(), text));
                }
                None => texts.push((format!("(built-in) {name}"), default.to_string())),
            }
        }
        let mut gaz_files = vec![texts[0].clone()];
        if let Some(p) = companies {
            let text = std::fs::read_to_string(p).map_err(|e| {
                LoadError::at(&p.display().to_string(), None, format!("cannot read: {e}"))
            })?;
            gaz_files.push((p.display().to_string(), text.clone()));
            texts.push((p.display().to_string(), text));
        }
        // The parts load on two threads (0.12 s one after another, most of a small run's
        // start): the gazetteer, the name cues and the roles on one; the channels, the
        // outcomes and the acts on the other; the literal pass over all their strings after
        // both. The first error in file order is the one reported, as when they loaded one
        // by one.
        let rule_file = |k: usize, kind| rules::load(&texts[k].0, &texts[k].1, kind);
        let ((gazetteer, names, roles), (channels, outcomes, acts)) = rayon::join(
            || {
                (
                    Gazetteer::load(&gaz_files),
                    discover::Names::load(&texts[5].0, &texts[5].1),
                    rule_file(3, FileKind::Roles),
                )
            },
            || {
                (
                    rule_file(1, FileKind::Channels),
                    rule_file(2, FileKind::Outcomes),
                    acts::Acts::load(&texts[4].0, &texts[4].1),
                )
            },
        );
        let gazetteer = gazetteer?;
        let (channels, outcomes, roles, acts) = (channels?, outcomes?, roles?, acts?);
        let names = names?;
        let literals = prefilter::Prefilter::new(
            &[&channels.patterns, &outcomes.patterns, &roles.patterns],
            acts.verbs(),
        )
        .map_err(|e| {
            LoadError::at(
                &format!(
                    "{}, {}, {} and {}",
                    texts[1].0, texts[2].0, texts[3].0, texts[4].0
                ),
                None,
                format!("the rules' strings and the verbs do not compile together: {e}"),
            )
        })?;
        let files = texts
            .iter()
            .map(|(p, t)| (p.clone(), crate::ingest::hex(&Sha256::digest(t.as_bytes()))))
            .collect();
        Ok(Lexicons {
            gazetteer,
            channels,
            outcomes,
            roles,
            acts,
            names,
            literals,
            files,
        })
    }

    /// The company whose account wrote a post, if any: `(id, known)` for a handle the
    /// gazetteer gives (known) or a support account of a company it lacks ("XboxSupport").
    pub fn company_author(&self, doc: &Document) -> Option<(&'static str, bool)> {
        doc.author
            .as_deref()
            .and_then(|a| self.gazetteer.handle_company(a))
    }

    /// A company's own post: the source says so (`inbound = false`), or its author is a
    /// company's account.
    pub fn is_company_post(&self, doc: &Document) -> bool {
        doc.thread.inbound == Some(false) || self.company_author(doc).is_some()
    }

    /// Tags one document.
    pub fn tag(&self, doc: Document) -> TaggedDoc {
        let threaded = is_threaded(&doc);
        self.tag_with(doc, threaded)
    }

    /// Tags one document as a text, building interactions from its words even when it is a
    /// reply-linked post (used by evaluation, which sees one post at a time).
    pub fn tag_as_text(&self, doc: Document) -> TaggedDoc {
        self.tag_with(doc, false)
    }

    fn tag_with(&self, doc: Document, threaded: bool) -> TaggedDoc {
        let text = doc.text.as_str();
        let sentences = sentences(text);
        let mut tags = Vec::new();
        // Who wrote it, looked up once: every stage asks.
        let author = self.company_author(&doc);
        let company_post = doc.thread.inbound == Some(false) || author.is_some();
        // One literal pass says which rules can match and where the act verbs are.
        let pass = self.literals.hits(text);
        let given = self.company_tags(&doc, author, &sentences, &pass, &mut tags);
        self.rule_tags(&doc, company_post, &sentences, &pass, &mut tags);
        tags.extend(sentiment::tags(
            &doc.text,
            &sentences,
            doc.shape != crate::model::Shape::Long,
            company_post,
        ));
        tags.sort_by(|a, b| {
            (a.start, a.end, a.set, &a.label).cmp(&(b.start, b.end, b.set, &b.label))
        });
        let interactions = if threaded {
            Vec::new()
        } else {
            let story = self.story(&doc, &tags, company_post, &pass);
            if story.involved && doc.shape == crate::model::Shape::Long {
                roles::promote_salient(&mut tags);
            }
            text_interactions(&doc, &tags, &sentences, story, given)
        };
        TaggedDoc {
            doc,
            tags,
            interactions,
            given_company: given,
            author,
        }
    }
}

/// Tags a batch in parallel; output order is input order.
pub fn tag_all(lex: &Lexicons, docs: Vec<Document>) -> Vec<TaggedDoc> {
    docs.into_par_iter().map(|d| lex.tag(d)).collect()
}

/// True for posts whose interactions come from reply structure, not from their words.
pub fn is_threaded(doc: &Document) -> bool {
    doc.shape == crate::model::Shape::Thread
}

#[cfg(test)]
mod tests;
