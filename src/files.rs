//! File system access every stage shares: reading a file only when it is a regular file
//! (never blocking on a FIFO, never reading a device until memory runs out), writing an
//! output without following a link planted where it goes, and recognising the directories
//! replyscope itself wrote, so they are never read back as input.
//!
//! Nothing here prints; errors are `std::io::Error`s the caller wraps with the path.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Marker file that says a directory is a replyscope output folder.
pub const OUT_MARKER: &str = ".replyscope-out";

/// Largest file read whole that is not corpus data: a manifest, a query file, a rule file,
/// a gazetteer, a gold file, a text given to `replyscope tag`.
pub const TEXT_FILE_LIMIT: u64 = 256 << 20;

/// What a path that is not a regular file is, for messages: "a FIFO", "a directory" ...
pub fn kind_of(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The error for a path that is not a regular file.
pub fn not_regular(ft: &std::fs::FileType) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", kind_of(ft)),
    )
}

/// True for the error [`open_regular`] gives for a FIFO, socket, device or directory.
pub fn is_not_regular(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::InvalidInput && e.to_string().starts_with("not a regular file")
}

/// Opens a file for reading if, and only if, it is a regular file (links are followed).
///
/// A FIFO is opened without blocking (a FIFO nobody writes to would otherwise block the
/// open forever) and then refused, like a socket or a device: `/dev/zero` would be read
/// until memory runs out, a FIFO read once and gone.
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    #[cfg(unix)]
    {
        // Reads of a regular file ignore O_NONBLOCK; clear it anyway, so the descriptor
        // behaves as an ordinary one wherever it is passed on.
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags.difference(rustix::fs::OFlags::NONBLOCK))?;
    }
    Ok(file)
}

/// Checks, without opening it, that `path` is a regular file of at most `limit` bytes, for
/// files another part reads whole.
pub fn check_regular(path: &Path, limit: u64) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    Ok(())
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Err(too_large(len, limit));
    }
    read_capped(file, limit)
}

/// Reads a whole regular file of at most `limit` bytes as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_regular(path, limit)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Reads at most `limit` bytes; more is an error (a file that grew while being read, or a
/// stream without end).
pub fn read_capped(r: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(len: u64, limit: u64) -> std::io::Error {
    let more = if len > limit { "more than" } else { "at least" };
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{more} the limit of {limit} bytes"),
    )
}

/// Writes `bytes` to `path`, replacing what is there without following it: the bytes go to
/// a new file beside it (created exclusively, so not through a link planted under that
/// name), which is then renamed over `path`. A symbolic link at `path` is replaced by the
/// file, and whatever it pointed to is left alone; a reader never sees half a file.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("needs a file name"))?
        .to_string_lossy();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "is a directory",
        ));
    }
    let (tmp, mut file) = create_unique(dir, &format!(".{name}.replyscope-new"))?;
    let written = file.write_all(bytes).and_then(|_| file.flush());
    drop(file);
    let result = written.and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates a new file `DIR/PREFIX-N` that did not exist before (O_EXCL: never through a
/// link), for the first free N.
pub fn create_unique(dir: &Path, prefix: &str) -> std::io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    for n in 0u32.. {
        let path = dir.join(format!("{prefix}-{pid}-{n}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// A directory replyscope wrote, which is never read as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ours {
    /// An index directory (manifest.json of replyscope, tantivy/).
    Index,
    /// An output folder of `query` or `run` (it has the `.replyscope-out` marker).
    Output,
    /// A build in progress, or an old index waiting to be removed, beside an index.
    Staging,
}

impl Ours {
    /// "an index directory", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Ours::Index => "a replyscope index directory",
            Ours::Output => "a replyscope output folder",
            Ours::Staging => "a replyscope staging directory",
        }
    }
}

/// Whether `dir` is a directory replyscope wrote, from its markers: an output folder's
/// `.replyscope-out`, an index's `manifest.json` (written by replyscope) beside `tantivy/`,
/// or the name of a staging directory.
pub fn ours(dir: &Path) -> Option<Ours> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with('.')
        && (name.contains(".replyscope-tmp") || name.contains(".replyscope-old"))
    {
        return Some(Ours::Staging);
    }
    if std::fs::symlink_metadata(dir.join(OUT_MARKER)).is_ok() {
        return Some(Ours::Output);
    }
    if is_index(dir) {
        return Some(Ours::Index);
    }
    None
}

/// True when `dir` holds a replyscope index: a `tantivy/` directory and a `manifest.json`
/// that says replyscope wrote it (its first field).
pub fn is_index(dir: &Path) -> bool {
    if !dir.join("tantivy").is_dir() {
        return false;
    }
    let Ok(file) = open_regular(&dir.join("manifest.json")) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(256).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.contains("\"tool\": \"replyscope\"") || head.contains("\"tool\":\"replyscope\"")
}

/// The directory of `path` or its nearest ancestor that is one replyscope wrote, with what
/// it is. `path` need not exist.
pub fn inside_ours(path: &Path) -> Option<(PathBuf, Ours)> {
    // The deepest part that exists, with links and `..` resolved (`link/report` where
    // `link -> real/ix`; `ix/../out`, which is not inside ix); below it nothing exists yet,
    // so nothing there is ours.
    let abs = std::path::absolute(path).ok()?;
    let existing = abs.ancestors().find_map(|a| a.canonicalize().ok())?;
    let mut at = Some(existing.as_path());
    while let Some(dir) = at {
        if let Some(kind) = ours(dir).filter(|k| *k != Ours::Output) {
            return Some((dir.to_path_buf(), kind));
        }
        at = dir.parent();
    }
    None
}

/// A file name or path as text: as it is when it is UTF-8; otherwise each byte that is not
/// part of a UTF-8 character written `\xNN`. Two names that differ only in such bytes stay
/// two names (shown with U+FFFD both read `a_�.txt`, one file the other's duplicate), and a
/// glob's `*` matches them (a path that is not UTF-8 matched no pattern, and its file was
/// skipped without a word).
pub fn escaped(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    if let Some(s) = name.to_str() {
        return std::borrow::Cow::Borrowed(s);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        std::borrow::Cow::Owned(out)
    }
    #[cfg(not(unix))]
    name.to_string_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replacing_replaces_a_link_and_leaves_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "precious").unwrap();
        let out = dir.path().join("out.md");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, &out).unwrap();
        write_replacing(&out, b"table").unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "table");
        assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left");
    }

    #[test]
    fn read_regular_refuses_what_is_not_a_file_and_caps_size() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), 10).unwrap_err();
        assert!(is_not_regular(&e), "{e}");
        assert_eq!(e.to_string(), "not a regular file (a directory)");
        let f = dir.path().join("f");
        std::fs::write(&f, "0123456789abc").unwrap();
        let e = read_regular(&f, 10).unwrap_err();
        assert_eq!(e.to_string(), "more than the limit of 10 bytes");
        assert_eq!(read_regular(&f, 13).unwrap(), b"0123456789abc");
        #[cfg(unix)]
        {
            let e = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("a character device"), "{e}");
        }
    }
}
