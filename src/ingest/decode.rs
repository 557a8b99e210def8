//! Bytes to text: the checks every reader shares (binary, encoding, BOM, line ends).

/// How many leading bytes are scanned for a NUL, the sign of a binary file.
const BINARY_SCAN: usize = 8192;

/// Turns a file's bytes into text, or says why it cannot.
///
/// Strips a UTF-8 byte-order mark. Refuses binary data (a NUL byte in the first 8 KiB)
/// and invalid UTF-8, naming the byte offset and line, rather than guessing an encoding:
/// a silently mis-decoded text would be tagged and counted as if it were right.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, String> {
    let bytes = strip_bom(bytes);
    if let Some(pos) = bytes[..bytes.len().min(BINARY_SCAN)]
        .iter()
        .position(|&b| b == 0)
    {
        return Err(format!(
            "binary file (NUL byte at offset {pos}); expected text"
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!(
            "invalid UTF-8 at byte {at} (line {line}); expected UTF-8 text (convert it first, e.g. iconv -f windows-1252 -t utf-8)"
        )
    })
}

/// The bytes without a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Normalises line ends: `\r\n` and a bare `\r` both become `\n`.
///
/// Exports from old Mac tools and some tweet dumps split lines with a bare carriage return;
/// left alone, it would glue words together in snippets and break line-based spans.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped() {
        assert_eq!(utf8_text(b"\xEF\xBB\xBFhello").unwrap(), "hello");
    }

    #[test]
    fn nul_means_binary() {
        let err = utf8_text(b"PK\x03\x04\x00\x00").unwrap_err();
        assert_eq!(err, "binary file (NUL byte at offset 4); expected text");
    }

    #[test]
    fn invalid_utf8_names_offset_and_line() {
        let err = utf8_text(b"caf\xC3\xA9\nna\xEFve").unwrap_err();
        assert!(err.starts_with("invalid UTF-8 at byte 8 (line 2)"), "{err}");
    }

    #[test]
    fn line_ends_become_newlines() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalize_newlines("\r\r\n"), "\n\n");
    }
}
