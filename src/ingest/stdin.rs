//! Standard input, or a pipe given with `--data` (`--data <(unzip -p data.zip)`), read once
//! into a temporary file. A stream can be read only once, and ingest reads a file more than
//! once (its hash, its records, its line numbers), so the stream is copied first and the copy
//! is what the index records: its size and SHA-256 are those of the bytes actually read.
//!
//! Reading is bounded: more than the limit (`--max-stdin-bytes`) is an error, and a stream
//! whose first 8 KiB hold a NUL byte (`/dev/zero`) is read no further, since every reader
//! rejects such a file whole as binary.

use super::decode::BINARY_SCAN;
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Bytes read from standard input or a pipe at most, by default (`--max-stdin-bytes`).
pub const MAX_STDIN_BYTES: u64 = 16 << 30;

/// A stream read into a temporary file, which lives as long as this value.
#[derive(Debug)]
pub struct Spooled {
    /// The temporary copy.
    pub path: PathBuf,
    /// The name shown for it in messages, rejects and the index manifest: `stdin`, or the
    /// pipe's path as given.
    pub shown: String,
    /// Bytes read.
    pub bytes: u64,
    _dir: tempfile::TempDir,
}

/// True when `path` is standard input (`-`, `/dev/stdin`) or a pipe, which must be read once.
pub fn is_stream(path: &Path) -> bool {
    if is_stdin(path) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if let Ok(meta) = std::fs::metadata(path) {
            return meta.file_type().is_fifo();
        }
    }
    false
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-" || path == Path::new("/dev/stdin")
}

/// Reads standard input or a pipe once into a temporary file of at most `limit` bytes.
pub fn spool(given: &Path, limit: u64) -> Result<Spooled> {
    let name = if is_stdin(given) {
        "stdin".to_string()
    } else {
        given
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stdin".into())
    };
    let shown = if is_stdin(given) {
        "stdin".to_string()
    } else {
        given.display().to_string()
    };
    let reader: Box<dyn Read> = if is_stdin(given) {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(open_pipe(given).map_err(Error::io(given, "cannot open"))?)
    };
    let dir = tempfile::Builder::new()
        .prefix("replyscope-stdin-")
        .tempdir()
        .map_err(Error::io(
            std::env::temp_dir(),
            "cannot create a temporary directory",
        ))?;
    let path = dir.path().join(&name);
    let file = std::fs::File::create(&path).map_err(Error::io(&path, "cannot create"))?;
    let bytes = copy(reader, file, limit).map_err(|e| match e {
        CopyError::Read(e) => Error::Io {
            path: given.to_path_buf(),
            action: "cannot read",
            source: e,
        },
        CopyError::Write(e) => Error::Io {
            path: path.clone(),
            action: "cannot write",
            source: e,
        },
        CopyError::TooLong => Error::Source {
            path: if is_stdin(given) {
                PathBuf::from("standard input")
            } else {
                given.to_path_buf()
            },
            message: format!(
                "more than {limit} bytes (--max-stdin-bytes); save the data to a file and pass that"
            ),
        },
    })?;
    Ok(Spooled {
        path,
        shown,
        bytes,
        _dir: dir,
    })
}

enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
    TooLong,
}

/// Copies at most `limit` bytes; stops early after a binary head.
fn copy(mut r: impl Read, file: std::fs::File, limit: u64) -> std::result::Result<u64, CopyError> {
    let mut w = std::io::BufWriter::new(file);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    let mut head_checked = false;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        if total + n as u64 > limit {
            return Err(CopyError::TooLong);
        }
        let head_end = (BINARY_SCAN as u64).saturating_sub(total).min(n as u64) as usize;
        let binary = !head_checked && buf[..head_end].contains(&0);
        w.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
        if binary {
            break; // rejected whole as binary: the rest would never be read
        }
        head_checked = total >= BINARY_SCAN as u64;
    }
    w.flush().map_err(CopyError::Write)?;
    Ok(total)
}

/// Opens a pipe for reading without waiting for a writer: a named pipe nobody writes to
/// reads as empty instead of blocking the run forever.
fn open_pipe(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = opts.open(path)?;
    #[cfg(unix)]
    {
        // Blocking reads from here on: wait for data while a writer is there, end when it
        // closes (or when there never was one).
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags.difference(rustix::fs::OFlags::NONBLOCK))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copied(bytes: &[u8], limit: u64) -> std::result::Result<Vec<u8>, &'static str> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        let f = std::fs::File::create(&p).unwrap();
        match copy(bytes, f, limit) {
            Ok(n) => {
                let got = std::fs::read(&p).unwrap();
                assert_eq!(got.len() as u64, n);
                Ok(got)
            }
            Err(CopyError::TooLong) => Err("too long"),
            Err(_) => Err("io"),
        }
    }

    #[test]
    fn copies_within_the_limit_and_stops_after_a_binary_head() {
        assert_eq!(copied(b"a,b\n1,2\n", 100).unwrap(), b"a,b\n1,2\n");
        assert_eq!(copied(b"a,b\n1,2\n", 3), Err("too long"));
        // 1 MB of zeros: read no further than the first buffer.
        let zeros = vec![0u8; 1 << 20];
        let got = copied(&zeros, u64::MAX).unwrap();
        assert!(got.len() <= 1 << 16, "{}", got.len());
        // A NUL after the first 8 KiB is a record's problem, not the file's: all is read.
        let mut late = vec![b'a'; 20_000];
        late[17_000] = 0;
        assert_eq!(copied(&late, u64::MAX).unwrap().len(), 20_000);
    }
}
