mod errors;
mod index;
mod search;
mod util;
