//! Finding a source's files: a directory walked, or a glob matched against the files below
//! its fixed part. Each regular file is listed once, however many paths lead to it.
//!
//! The walk does not follow a link to a directory unless the source asks
//! (`follow_links = true`), so `current -> .` cannot loop, and when it follows links it enters
//! each directory once (by device and inode). It never enters a directory replyscope wrote
//! (an index, an output folder, a build in progress): a corpus folder that holds its own
//! index or reports is not read back. What is neither a regular file nor a directory (a
//! FIFO, a socket, a device) is listed too, so the reader reports it as a reject instead of
//! blocking on it or skipping it silently.

use crate::files::{self, Ours};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// How to walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Follow links to directories (each directory is still entered once).
    pub follow_links: bool,
    /// List names starting with a dot (a glob's `*` matches them; a plain directory's walk
    /// skips them: .git, editor swap files).
    pub hidden: bool,
}

/// Every file below `root` (matching `pattern`, when given), sorted by path, each regular
/// file once: of several paths to one file (links, a directory reached twice), the first
/// in sorted order.
pub fn files(
    root: &Path,
    pattern: Option<&glob::Pattern>,
    opts: Options,
) -> Result<Vec<PathBuf>, String> {
    if let Some(kind) = files::ours(root).filter(|k| *k != Ours::Staging) {
        return Err(format!(
            "{} is {}, not a corpus: replyscope does not read its own output",
            root.display(),
            kind.describe()
        ));
    }
    // Without `**`, a file can only match at the pattern's own depth below the root.
    let max_depth = pattern
        .map(glob::Pattern::as_str)
        .filter(|s| !s.contains("**"))
        .and_then(|s| Path::new(s).strip_prefix(root).ok())
        .map(|rest| rest.components().count().max(1));
    let match_opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let mut found: Vec<(PathBuf, Option<(u64, u64)>)> = Vec::new();
    let mut dirs: HashSet<(u64, u64)> = HashSet::new();
    if let Ok(meta) = std::fs::metadata(root) {
        if let Some(id) = file_id(&meta) {
            dirs.insert(id);
        }
    }
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = entry.path();
            if !opts.hidden && entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let ty = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            // What the entry is, through a link; a dangling link is no file.
            let meta = if ty.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            } else {
                match entry.metadata() {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            };
            let depth = depth + 1;
            if meta.is_dir() {
                if ty.is_symlink() && !opts.follow_links {
                    continue;
                }
                if max_depth.is_some_and(|m| depth >= m) || files::ours(&path).is_some() {
                    continue;
                }
                if let Some(id) = file_id(&meta) {
                    if !dirs.insert(id) {
                        continue; // entered already: a link loop, or two links to one place
                    }
                }
                stack.push((path, depth));
                continue;
            }
            if max_depth.is_some_and(|m| depth != m) {
                continue;
            }
            if pattern
                .is_some_and(|p| !p.matches_with(&files::escaped(path.as_os_str()), match_opts))
            {
                continue;
            }
            let id = if meta.is_file() { file_id(&meta) } else { None };
            found.push((path, id));
        }
    }
    found.sort();
    let mut seen = HashSet::new();
    Ok(found
        .into_iter()
        .filter(|(_, id)| id.is_none_or(|id| seen.insert(id)))
        .map(|(p, _)| p)
        .collect())
}

/// Device and inode: what makes two paths the same file.
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(root: &Path, found: &[PathBuf]) -> Vec<String> {
        found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("a/b")).unwrap();
        std::fs::write(r.join("one.txt"), "1").unwrap();
        std::fs::write(r.join("a/two.txt"), "2").unwrap();
        std::fs::write(r.join("a/b/three.txt"), "3").unwrap();
        std::fs::write(r.join(".hidden.txt"), "h").unwrap();
        symlink(".", r.join("current")).unwrap();
        symlink("..", r.join("a/up")).unwrap();
        symlink("one.txt", r.join("same.txt")).unwrap();
        t
    }

    /// Names that are not UTF-8 are listed by a glob too (they matched no pattern, and
    /// their files were skipped without a word), and stay two names in text.
    #[test]
    fn names_that_are_not_utf8_are_listed_and_kept_apart() {
        use std::os::unix::ffi::OsStrExt;
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for name in [&b"a_\xff.txt"[..], b"a_\xfe.txt", b"plain.txt"] {
            std::fs::write(r.join(std::ffi::OsStr::from_bytes(name)), "x").unwrap();
        }
        let pat = glob::Pattern::new(&format!("{}/*.txt", r.display())).unwrap();
        let found = files(r, Some(&pat), Options::default()).unwrap();
        let shown: Vec<String> = (found.iter())
            .map(|p| files::escaped(p.strip_prefix(r).unwrap().as_os_str()).into_owned())
            .collect();
        assert_eq!(shown, ["a_\\xfe.txt", "a_\\xff.txt", "plain.txt"]);
    }

    #[test]
    fn links_to_directories_are_not_followed_and_files_are_listed_once() {
        let t = tree();
        let r = t.path();
        let all = files(r, None, Options::default()).unwrap();
        assert_eq!(names(r, &all), ["a/b/three.txt", "a/two.txt", "one.txt"]);
        let pat = glob::Pattern::new(&format!("{}/**/*.txt", r.display())).unwrap();
        let globbed = files(
            r,
            Some(&pat),
            Options {
                hidden: true,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(
            names(r, &globbed),
            [".hidden.txt", "a/b/three.txt", "a/two.txt", "one.txt"]
        );
    }

    #[test]
    fn followed_links_enter_each_directory_once() {
        let t = tree();
        let r = t.path();
        let opts = Options {
            follow_links: true,
            hidden: false,
        };
        let all = files(r, None, opts).unwrap();
        assert_eq!(names(r, &all), ["a/b/three.txt", "a/two.txt", "one.txt"]);
    }

    #[test]
    fn a_pattern_without_double_star_stays_at_its_depth() {
        let t = tree();
        let r = t.path();
        let pat = glob::Pattern::new(&format!("{}/*/*.txt", r.display())).unwrap();
        let found = files(r, Some(&pat), Options::default()).unwrap();
        assert_eq!(names(r, &found), ["a/two.txt"]);
    }

    #[test]
    fn directories_replyscope_wrote_are_not_entered() {
        let t = tree();
        let r = t.path();
        std::fs::create_dir_all(r.join("out")).unwrap();
        std::fs::write(r.join("out").join(files::OUT_MARKER), "").unwrap();
        std::fs::write(r.join("out/table.md"), "x").unwrap();
        std::fs::create_dir_all(r.join("ix/tantivy")).unwrap();
        std::fs::write(
            r.join("ix/manifest.json"),
            "{\n  \"tool\": \"replyscope\"\n}",
        )
        .unwrap();
        std::fs::write(r.join("ix/rejects.jsonl"), "").unwrap();
        let all = files(r, None, Options::default()).unwrap();
        assert_eq!(names(r, &all), ["a/b/three.txt", "a/two.txt", "one.txt"]);
        let e = files(&r.join("ix"), None, Options::default()).unwrap_err();
        assert!(e.ends_with("is a replyscope index directory, not a corpus: replyscope does not read its own output"), "{e}");
    }
}
