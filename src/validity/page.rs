//! `coding.html`: the coding page, one self-contained file. Its CSS and script are inline
//! and the sample is embedded as JSON, so it works from file:// with no server. A
//! Content-Security-Policy forbids every fetch, image, frame and form target and lets run
//! only the page's own script and style (by their SHA-256), so the page cannot reach the
//! network or load anything. `coding.html#selftest` runs a scripted sequence of keys and
//! writes the coded JSONL, the errors and whether a fetch was refused into the page (the
//! headless-Chromium test reads it back).

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

const TEMPLATE: &str = include_str!("coding.html");
const STYLE: &str = include_str!("coding.css");
const SCRIPT: &str = include_str!("coding.js");

/// Standard base64 with padding (RFC 4648), for the CSP hashes.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hash(s: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(s.as_bytes())))
}

/// A Content-Security-Policy source for an inline script or style: `'sha256-…'`.
pub(crate) fn csp_hash(s: &str) -> String {
    hash(s)
}

/// The Content-Security-Policy of the page: nothing from anywhere, except its own script
/// and style.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'none'; img-src 'none'; font-src 'none'; media-src 'none'; frame-src 'none'; object-src 'none'; worker-src 'none'; form-action 'none'; base-uri 'none'",
        hash(SCRIPT),
        hash(STYLE)
    )
}

/// The page with the sample's records embedded.
pub fn render(records: &[Json], _info: &Json) -> String {
    // '<' only occurs inside JSON strings, where \u003c means the same: no "</script>" can
    // end the data block early.
    let data = serde_json::to_string(records)
        .expect("records serialise")
        .replace('<', "\\u003c");
    TEMPLATE
        .replace("{{CSP}}", &csp())
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replacen("{{DATA}}", &data, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn page_embeds_the_sample_and_loads_nothing() {
        let recs = vec![serde_json::json!({"id": "a", "text": "</script><b>x</b>"})];
        let html = render(&recs, &Json::Null);
        assert!(html.contains("default-src 'none'"));
        assert!(html.contains("connect-src 'none'"));
        assert!(!html.contains("{{"), "every placeholder filled");
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "the text cannot close a script"
        );
        assert!(
            !html.contains(" src=") && !html.contains("href="),
            "nothing to load"
        );
        assert!(html.contains(&hash(SCRIPT)) && html.contains(&hash(STYLE)));
    }
}
