//! Readers for formats with one document per file: plain text, Markdown and HTML.

use super::decode::{normalize_newlines, utf8_text};
use super::manifest::Format;
use scraper::{Html, Node, Selector};

/// Title and visible text of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The title, if the file has one.
    pub title: Option<String>,
    /// The visible text, line ends normalised.
    pub text: String,
}

/// Reads a whole file in the given format.
pub fn read(bytes: &[u8], format: Format) -> Result<Page, String> {
    if bytes.is_empty() {
        return Err("empty file; expected text".into());
    }
    let text = utf8_text(bytes)?;
    let page = match format {
        Format::Text => plain(text),
        Format::Markdown => markdown(text),
        Format::Html => html(text),
        Format::Csv | Format::Jsonl => unreachable!("structured formats are read record by record"),
    };
    if page.text.trim().is_empty() {
        return Err("no visible text; expected a document with text".into());
    }
    Ok(page)
}

/// Plain text: the text as it is; the title is the first line when it is short and
/// followed by a blank line or more text, the usual shape of a saved blog post.
pub fn plain(text: &str) -> Page {
    let text = normalize_newlines(text);
    let title = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .filter(|l| l.chars().count() <= 120)
        .map(str::to_string);
    Page { title, text }
}

/// Markdown: the rendered plain text (no markup characters), so spans and snippets read
/// like the post; the title is the first heading.
pub fn markdown(text: &str) -> Page {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let source = normalize_newlines(text);
    let mut out = String::with_capacity(source.len());
    let mut title: Option<String> = None;
    let mut in_heading = false;
    let mut heading = String::new();
    for event in Parser::new(&source) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                if title.is_none() && !heading.trim().is_empty() {
                    title = Some(heading.trim().to_string());
                }
                out.push_str("\n\n");
            }
            Event::Text(t) | Event::Code(t) => {
                if in_heading {
                    heading.push_str(&t);
                }
                out.push_str(&t);
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) => out.push_str("\n\n"),
            Event::Html(h) | Event::InlineHtml(h) => {
                // Raw HTML inside Markdown: keep its visible text only.
                let inner = html(&h).text;
                out.push_str(&inner);
            }
            _ => {}
        }
    }
    Page {
        title: title.or_else(|| plain(&source).title),
        text: tidy(&out),
    }
}

/// HTML: the visible text of the body (no scripts, styles, comments or hidden template
/// content), entities decoded, block elements on their own lines; title from `<title>`,
/// else the first `<h1>`.
pub fn html(text: &str) -> Page {
    let doc = Html::parse_document(text);
    let pick = |sel: &str| {
        let sel = Selector::parse(sel).expect("static selector");
        doc.select(&sel)
            .next()
            .map(|e| collapse_ws(&e.text().collect::<String>()))
            .filter(|t| !t.is_empty())
    };
    let title = pick("head > title")
        .or_else(|| pick("title"))
        .or_else(|| pick("h1"));
    let mut out = String::with_capacity(text.len() / 2);
    let root = Selector::parse("body").expect("static selector");
    match doc.select(&root).next() {
        Some(body) => visible_text(*body, &mut out),
        None => visible_text(doc.tree.root(), &mut out),
    }
    Page {
        title,
        text: tidy(&out),
    }
}

fn visible_text(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    // An explicit stack instead of recursion: a page nested 10,000 elements deep must not
    // overflow the thread's stack.
    enum Step<'a> {
        Enter(ego_tree::NodeRef<'a, Node>),
        Leave(bool),
    }
    let mut stack = vec![Step::Enter(node)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave(block) => {
                if block {
                    line_break(out);
                }
            }
            Step::Enter(n) => match n.value() {
                Node::Text(t) if t.trim().is_empty() => out.push(' '),
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if matches!(
                        name,
                        "script"
                            | "style"
                            | "noscript"
                            | "template"
                            | "head"
                            | "title"
                            | "svg"
                            | "iframe"
                    ) {
                        continue;
                    }
                    if name == "br" {
                        out.push('\n');
                        continue;
                    }
                    let block = is_block(name);
                    if block {
                        line_break(out);
                    }
                    stack.push(Step::Leave(block));
                    for child in n.children().rev() {
                        stack.push(Step::Enter(child));
                    }
                }
                Node::Document | Node::Fragment => {
                    for child in n.children().rev() {
                        stack.push(Step::Enter(child));
                    }
                }
                _ => {} // comments, doctype, processing instructions
            },
        }
    }
}

/// Ends the current line once: block elements sit on their own lines, without blank lines
/// from the whitespace between tags.
fn line_break(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "main"
            | "aside"
            | "nav"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "dd"
            | "dt"
            | "dl"
            | "figure"
            | "figcaption"
            | "hr"
            | "form"
    )
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collapses runs of spaces within lines and runs of blank lines, trims the ends.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.lines() {
        let line = collapse_ws(line);
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keeps_text_and_takes_short_first_line_as_title() {
        let p = plain("Twitter Is Not Just To Follow Your Friends\r\n\r\nMarni Weinberg");
        assert_eq!(
            p.title.as_deref(),
            Some("Twitter Is Not Just To Follow Your Friends")
        );
        assert_eq!(
            p.text,
            "Twitter Is Not Just To Follow Your Friends\n\nMarni Weinberg"
        );
    }

    #[test]
    fn markdown_renders_plain_text_and_heading_title() {
        let p = markdown("# Zappos rocks\n\nWithin **30 minutes** I got a reply from [@Zappos_Service](http://x).\n");
        assert_eq!(p.title.as_deref(), Some("Zappos rocks"));
        assert_eq!(
            p.text,
            "Zappos rocks\n\nWithin 30 minutes I got a reply from @Zappos_Service."
        );
    }

    #[test]
    fn html_drops_scripts_styles_comments_and_decodes_entities() {
        let p = html(
            "<html><head><title>GM &amp; me</title><style>p{color:red}</style></head>\
             <body><script>var x = 1;</script><!-- hidden --><p>AT&amp;T said &quot;hi&quot;</p><p>second</p></body></html>",
        );
        assert_eq!(p.title.as_deref(), Some("GM & me"));
        assert_eq!(p.text, "AT&T said \"hi\"\nsecond");
    }

    #[test]
    fn deeply_nested_html_does_not_overflow() {
        let deep = "<div>".repeat(20_000) + "deep text" + &"</div>".repeat(20_000);
        assert_eq!(html(&deep).text, "deep text");
    }

    #[test]
    fn empty_and_blank_files_are_refused() {
        assert_eq!(
            read(b"", Format::Text).unwrap_err(),
            "empty file; expected text"
        );
        assert!(read(b"<html><script>x</script></html>", Format::Html)
            .unwrap_err()
            .starts_with("no visible text"));
    }
}
