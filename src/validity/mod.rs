//! The validity workflow: what makes a table defensible (DESIGN.md, "Validity workflow").
//!
//! ```text
//! index --sample--> coding sheet (sample.jsonl + coding.html) --coders--> coded.jsonl
//! coded.jsonl --agree--> kappa / Krippendorff's alpha (coder vs coder, tagger vs coder)
//! coded.jsonl + query file (calibration = ...) --query--> raw rate | corrected rate (PPI)
//! ```
//!
//! [`sample`] draws a reproducible (stratified) random sample of an index's rows and writes
//! the coding sheet; [`coded`] reads what coders return (the gold format of
//! tests/gold/GUIDE.md plus `coder`, `stratum` and `weight`); [`agree`] measures agreement.
//! The error-corrected rates live with the queries, in [`crate::query::ppi`]. Nothing here
//! prints: [`crate::app`] does.

pub mod agree;
pub mod coded;
pub mod page;
pub mod report;
pub mod rng;
pub mod sample;
