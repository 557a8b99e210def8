//! Interned strings. A tag's label, rule id and redirect target are one of a few thousand
//! texts (the rules' labels and ids, the companies' ids) repeated in millions of tags; each
//! is stored once for the life of the process and a tag holds a `&'static str` to it, so
//! making, copying and dropping a tag allocates nothing.
//!
//! The rules, the acts and the gazetteer intern their strings when they are loaded; as it
//! tags, the tagger interns only the ids of companies it discovers in a text or that a data
//! set gives. The table only grows: by one entry per distinct text, never per use.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{OnceLock, RwLock};

static TABLE: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();

/// The one stored copy of `s`, stored now if it was not yet.
pub fn intern(s: &str) -> &'static str {
    let table = TABLE.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked while inserting: the set itself is
    // still whole (an insert either happened or did not).
    if let Some(&found) = table.read().unwrap_or_else(|e| e.into_inner()).get(s) {
        return found;
    }
    let mut set = table.write().unwrap_or_else(|e| e.into_inner());
    if let Some(&found) = set.get(s) {
        return found;
    }
    let stored: &'static str = Box::leak(s.into());
    set.insert(stored);
    stored
}

/// Where two parts are stored: their addresses and lengths.
type Parts = (usize, usize, usize, usize);

thread_local! {
    /// [`join`]'s answers, by where the two parts are stored.
    static JOINED: RefCell<HashMap<Parts, &'static str>> = RefCell::new(HashMap::new());
}

/// `a` followed by `b`, interned: a rule id made of a prefix and a company id
/// (`company.alias:` and `delta`). Each thread remembers the answer by where the two parts
/// are stored, so a pair seen before costs one lookup and no allocation.
pub fn join(a: &'static str, b: &'static str) -> &'static str {
    let key = (a.as_ptr() as usize, a.len(), b.as_ptr() as usize, b.len());
    JOINED.with(|cell| {
        let mut cache = cell.borrow_mut();
        *cache.entry(key).or_insert_with(|| intern(&[a, b].concat()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_per_text() {
        let a = intern("phone.call_them");
        let b = intern(&String::from("phone.call_them"));
        assert_eq!(a, "phone.call_them");
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, intern("phone.called")));
        assert_eq!(intern(""), "");
    }

    #[test]
    fn joined_parts() {
        let id = intern("delta");
        let rule = join("company.alias:", id);
        assert_eq!(rule, "company.alias:delta");
        assert!(std::ptr::eq(rule, join("company.alias:", id)));
        assert!(std::ptr::eq(rule, intern("company.alias:delta")));
        assert_eq!(
            join("company.alias:", intern("united")),
            "company.alias:united"
        );
    }

    #[test]
    fn threads_share_the_table() {
        let ptrs: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| intern("company.given").as_ptr() as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ptrs.windows(2).all(|w| w[0] == w[1]));
    }
}
