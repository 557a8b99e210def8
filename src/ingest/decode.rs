//! Bytes to text: the checks every reader shares (binary, encoding, BOM, line ends).
//!
//! A NUL byte is counted the same way by every reader: one in the first 8 KiB of a file
//! makes the whole file binary (one reject, whatever its format); one further on rejects
//! the record that holds it (a CSV record, a JSON line, or a text, Markdown or HTML file,
//! which is one record).

/// How many leading bytes of a file are scanned for a NUL, the sign of a binary file.
pub const BINARY_SCAN: usize = 8192;

/// The offset of a NUL byte in the first 8 KiB, if any: the file is binary.
pub fn binary_head(bytes: &[u8]) -> Option<usize> {
    bytes[..bytes.len().min(BINARY_SCAN)]
        .iter()
        .position(|&b| b == 0)
}

/// The reason a file is rejected as binary.
pub fn binary_reason(pos: usize, expected: &str) -> String {
    format!("binary file (NUL byte at offset {pos}); expected {expected}")
}

/// Turns a file's bytes into text, or says why it cannot.
///
/// Strips a UTF-8 byte-order mark. Refuses binary data (a NUL byte in the first 8 KiB), a
/// NUL byte further on (text never holds one: it is a damaged or binary file) and invalid
/// UTF-8, naming the byte offset and line, rather than guessing an encoding: a silently
/// mis-decoded text would be tagged and counted as if it were right.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, String> {
    if let Some(pos) = binary_head(bytes) {
        return Err(binary_reason(pos, "text"));
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(format!(
            "NUL byte at offset {pos} (line {line}); expected text"
        ));
    }
    let bytes = strip_bom(bytes);
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
    fn a_nul_after_the_first_8_kib_rejects_the_text_too() {
        let mut text = b"line\n".repeat(4000);
        text[17_000] = 0;
        assert_eq!(
            utf8_text(&text).unwrap_err(),
            "NUL byte at offset 17000 (line 3401); expected text"
        );
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
