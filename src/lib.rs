//! replyscope: an offline corpus analyzer for social customer-service stories.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! corpus/ --ingest--> Document --index--> tantivy index + Parquet tables --search--> hits
//! ```
//!
//! ```no_run
//! use replyscope::{ingest::Manifest, pipeline};
//! let manifest = Manifest::load("corpus/corpus.toml".as_ref(), &Default::default())?;
//! let cfg = pipeline::IndexConfig {
//!     manifest,
//!     out: "index".into(),
//!     ingest: Default::default(),
//!     index_threads: 2,
//!     lexicons: std::sync::Arc::new(replyscope::tag::Lexicons::defaults()),
//!     wait: false,
//!     full: false,
//!     shard: None,
//! };
//! let built = pipeline::build_index(&cfg, &())?;
//! let counts = built.manifest.counts;
//! assert_eq!(counts.records, counts.documents + counts.rejects);
//! # Ok::<(), replyscope::Error>(())
//! ```
#![warn(missing_docs)]

pub mod alloc;
pub mod app;
pub mod bench;
pub mod cli;
pub mod companies;
pub mod config;
pub mod error;
pub mod explain;
pub mod files;
pub mod index;
pub mod ingest;
pub mod intern;
pub mod mask;
pub mod model;
pub mod pipeline;
pub mod query;
pub mod report;
pub mod schema;
pub mod search;
pub mod sql;
pub mod stream;
pub mod tag;
pub mod timing;
pub mod validity;
pub mod watch;

pub use error::{Error, Result};
pub use model::{Document, Reject};
