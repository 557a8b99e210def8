mod direct;
mod errors;
mod index;
mod query;
mod search;
mod tagging;
mod util;
