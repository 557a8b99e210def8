//! Integration tests: run the real binary on small fixture corpora. One test binary, so it
//! links once.

mod cli;
