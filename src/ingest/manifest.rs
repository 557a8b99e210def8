//! The corpus manifest (`corpus/corpus.toml`): which files make the corpus, in which format,
//! and for structured formats which column or JSON field becomes which document field.
//!
//! Unknown keys are errors, so a typo never silently turns off a mapping.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the manifest file says, before paths are resolved.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Format version; only 1 exists.
    pub version: u32,
    /// Optional name of the corpus, shown in summaries.
    #[serde(default)]
    pub name: Option<String>,
    /// The sources, read in order.
    #[serde(rename = "source")]
    pub sources: Vec<SourceSpec>,
}

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text, one document per file.
    Text,
    /// Markdown, one document per file; the text is the rendered plain text.
    Markdown,
    /// HTML, one document per file; visible text only, title from `<title>`.
    Html,
    /// JSON lines: one object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

impl Format {
    /// True for formats with one record per file.
    pub fn is_whole_file(self) -> bool {
        matches!(self, Format::Text | Format::Markdown | Format::Html)
    }

    /// The format a file extension suggests, for a directory given instead of a manifest.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// What to do with a record whose text is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmptyText {
    /// Reject it (the default): a document without text cannot be searched or tagged.
    #[default]
    Reject,
    /// Keep it: its given labels still count (a complaint filed without a narrative).
    Keep,
}

/// One column name, or several whose values are joined.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    /// A single column or JSON field.
    One(String),
    /// Several, joined in order (text with a blank line, dates with a space).
    Many(Vec<String>),
}

impl Columns {
    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Columns::One(s) => vec![s.as_str()],
            Columns::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Which column (CSV) or field path (JSON lines, dotted for nesting) becomes which
/// document field. Only `text` is required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// Record id, unique within the source. Without it, records are numbered.
    pub id: Option<String>,
    /// The text; several columns are joined with a blank line.
    pub text: Option<Columns>,
    /// Title or subject line.
    pub title: Option<String>,
    /// Author or account.
    pub author: Option<String>,
    /// Timestamp; several columns (a date and a time) are joined with a space.
    pub created_at: Option<Columns>,
    /// Link to the original.
    pub url: Option<String>,
    /// Id of the post this one replies to.
    pub in_reply_to: Option<String>,
    /// Ids of the replies, comma-separated in CSV or an array in JSON.
    pub replies: Option<String>,
    /// Conversation id, if the source has one.
    pub conversation_id: Option<String>,
    /// true when a customer wrote it, false for a company account.
    pub inbound: Option<String>,
}

/// One entry of `[[source]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Short name; document ids start with it.
    pub name: String,
    /// A file, a directory or a glob, relative to the manifest. `${VAR}` is replaced by
    /// `--data` (for `REPLYSCOPE_DATA`) or the environment.
    pub path: String,
    /// Input format.
    pub format: Format,
    /// Document kind: blog, tweet, post, complaint ... (a free label).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// What the tagger may assume of the texts: `thread` (reply-linked posts), `short` (a
    /// tweet or a title on its own) or `long` (stories, narratives, posts). Default: `thread`
    /// when the source maps a reply field, else `long`.
    #[serde(default)]
    pub shape: Option<crate::model::Shape>,
    /// The channel each document itself is a use of (`"twitter"` for tweets), if any.
    #[serde(default)]
    pub channel: Option<String>,
    /// Field mapping for csv and jsonl.
    #[serde(default)]
    pub fields: Fields,
    /// Given labels: label name -> column. Kept apart from inferred labels.
    #[serde(default)]
    pub given: BTreeMap<String, String>,
    /// The data set's own vocabulary for a given label, mapped to replyscope's: label ->
    /// (value as written -> value to store), e.g. company "United" -> "united_airlines". The
    /// value as written is kept in the metadata as `given_<label>_raw` when it differs.
    #[serde(default)]
    pub given_values: BTreeMap<String, BTreeMap<String, String>>,
    /// Extra columns to keep as metadata.
    #[serde(default)]
    pub keep: Vec<String>,
    /// chrono format for `created_at` when the automatic formats do not fit
    /// (e.g. "%d-%m-%y" for day-first dates, which auto-detection never guesses).
    #[serde(default)]
    pub date_format: Option<String>,
    /// Decode HTML entities (`&amp;`, `&gt;`) in text and title; tweets exports carry them.
    #[serde(default)]
    pub html_entities: bool,
    /// What to do with empty text.
    #[serde(default)]
    pub empty_text: EmptyText,
    /// CSV delimiter, one character.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Follow links to directories when walking a directory or a glob (each directory is
    /// still entered once). Off by default: a link such as `current -> .` would read the
    /// same files again.
    #[serde(default)]
    pub follow_links: bool,
}

impl SourceSpec {
    /// The declared shape, or the default: `thread` when a reply field is mapped.
    pub fn shape(&self) -> crate::model::Shape {
        use crate::model::Shape;
        let f = &self.fields;
        self.shape.unwrap_or(
            if f.in_reply_to.is_some()
                || f.replies.is_some()
                || f.conversation_id.is_some()
                || f.inbound.is_some()
            {
                Shape::Thread
            } else {
                Shape::Long
            },
        )
    }
}

fn default_kind() -> String {
    "post".to_string()
}

/// A source with its files found.
#[derive(Debug, Clone)]
pub struct Source {
    /// The manifest entry.
    pub spec: SourceSpec,
    /// The files, sorted, so runs are deterministic.
    pub files: Vec<PathBuf>,
    /// Whole-file formats chosen per file by extension (a directory given instead of a manifest).
    pub by_extension: bool,
    /// The directory the source's path starts from (the part before any glob character);
    /// whole-file document ids are file paths relative to it.
    pub root: PathBuf,
}

impl Source {
    /// A whole file's record id: its path relative to the source root, with '/' separators.
    pub fn file_id(&self, file: &Path) -> String {
        let rel = file.strip_prefix(&self.root).unwrap_or(file);
        rel.components()
            .map(|c| crate::files::escaped(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A loaded, validated manifest with every path resolved.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file, or the directory given instead.
    pub path: PathBuf,
    /// Where relative paths start.
    pub base: PathBuf,
    /// The manifest's own bytes, hashed into the index manifest (empty for a directory).
    pub raw: Vec<u8>,
    /// The corpus name.
    pub name: String,
    /// Sources in manifest order.
    pub sources: Vec<Source>,
    /// Standard input or pipes read into temporary files (`--data -`), with the names shown
    /// for them; the files live as long as the manifest.
    pub spooled: Vec<std::sync::Arc<super::stdin::Spooled>>,
}

/// Names of given labels that later stages read (any other name is kept as given too).
pub const KNOWN_GIVEN: &[&str] = &[
    "company",
    "channel",
    "response",
    "resolution",
    "sentiment",
    "responded",
];

impl Manifest {
    /// Loads a manifest file, or builds one for a directory of text, Markdown and HTML files.
    ///
    /// `vars` are the `${NAME}` values from the command line; the environment fills the rest.
    pub fn load(path: &Path, vars: &BTreeMap<String, String>) -> Result<Manifest> {
        Manifest::load_with(path, vars, true)
    }

    /// Loads and checks a manifest file without looking for its sources' files (every
    /// source has none): for a worker that is handed the files one by one, from wherever
    /// they are stored ([`super::read_file_as`]).
    pub fn load_specs(path: &Path) -> Result<Manifest> {
        Manifest::load_with(path, &BTreeMap::new(), false)
    }

    fn load_with(path: &Path, vars: &BTreeMap<String, String>, resolve: bool) -> Result<Manifest> {
        let meta = std::fs::metadata(path).map_err(Error::io(path, "cannot read corpus"))?;
        if meta.is_dir() && resolve {
            return Manifest::for_directory(path);
        }
        let raw = crate::files::read_regular(path, crate::files::TEXT_FILE_LIMIT)
            .map_err(Error::io(path, "cannot read corpus manifest"))?;
        let text = std::str::from_utf8(&raw).map_err(|e| Error::Manifest {
            path: path.to_path_buf(),
            message: format!("not UTF-8 ({e})"),
        })?;
        let file: ManifestFile = toml::from_str(text).map_err(|e| Error::Manifest {
            path: path.to_path_buf(),
            message: toml_message(&e, text),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        let name = file.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let err = |message: String| Error::Manifest {
            path: path.to_path_buf(),
            message,
        };
        if file.version != 1 {
            return Err(err(format!(
                "version {} is not supported (expected 1)",
                file.version
            )));
        }
        if file.sources.is_empty() {
            return Err(err("no [[source]] entries".into()));
        }
        let mut sources = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for spec in file.sources {
            validate_spec(&spec).map_err(|m| err(format!("source {:?}: {m}", spec.name)))?;
            if !seen.insert(spec.name.clone()) {
                return Err(err(format!(
                    "source name {:?} is used twice (names must be unique)",
                    spec.name
                )));
            }
            // A path that cannot be filled in or found: the message names the line of the
            // source's `path` key.
            let at_path = |m: String| {
                let line = path_line(text, &spec.name, &spec.path)
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default();
                err(format!("{line}source {:?}: {m}", spec.name))
            };
            let (files, root) = if resolve {
                let expanded = expand_vars(&spec.path, vars).map_err(at_path)?;
                let files = find_files(&base, &expanded, spec.format, spec.follow_links)
                    .map_err(at_path)?;
                (files, source_root(&base, &expanded))
            } else {
                (Vec::new(), base.clone())
            };
            sources.push(Source {
                spec,
                files,
                by_extension: false,
                root,
            });
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            base,
            raw,
            name,
            sources,
            spooled: Vec::new(),
        })
    }

    /// A manifest for a plain directory: one source whose files are read by extension
    /// (.txt, .md, .html). Files of other types are listed too, so each is reported as a
    /// reject rather than skipped.
    fn for_directory(dir: &Path) -> Result<Manifest> {
        if let Some(kind) = crate::files::ours(dir) {
            return Err(Error::Refused {
                path: dir.to_path_buf(),
                message: format!(
                    "is {}, not a corpus: replyscope does not read its own output",
                    kind.describe()
                ),
            });
        }
        let files =
            super::walk::files(dir, None, super::walk::Options::default()).map_err(|message| {
                Error::Refused {
                    path: dir.to_path_buf(),
                    message,
                }
            })?;
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|s| s.to_string_lossy().into_owned()))
            .filter(|n| validate_name(n))
            .unwrap_or_else(|| "corpus".into());
        let spec = SourceSpec {
            name: name.clone(),
            path: dir.display().to_string(),
            format: Format::Text,
            kind: "blog".into(),
            shape: None,
            channel: None,
            fields: Fields::default(),
            given: BTreeMap::new(),
            given_values: BTreeMap::new(),
            keep: Vec::new(),
            date_format: None,
            html_entities: false,
            empty_text: EmptyText::Reject,
            delimiter: None,
            follow_links: false,
        };
        let sources = vec![Source {
            spec,
            files,
            by_extension: true,
            root: dir.to_path_buf(),
        }];
        Ok(Manifest {
            path: dir.to_path_buf(),
            base: dir.to_path_buf(),
            raw: Vec::new(),
            name,
            sources,
            spooled: Vec::new(),
        })
    }

    /// Every given-label name any source maps, sorted: the columns of the documents table.
    pub fn given_labels(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sources
            .iter()
            .flat_map(|s| s.spec.given.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Names of the sources that map reply links (in_reply_to, replies or conversation_id).
    pub fn threaded_sources(&self) -> Vec<String> {
        let linked = |f: &Fields| {
            f.in_reply_to.is_some() || f.replies.is_some() || f.conversation_id.is_some()
        };
        self.sources
            .iter()
            .filter(|s| linked(&s.spec.fields))
            .map(|s| s.spec.name.clone())
            .collect()
    }

    /// A file's name as recorded in documents and rejects: relative to the manifest's
    /// directory when it lies below it.
    pub fn display_path(&self, file: &Path) -> String {
        if let Some(s) = self.spooled.iter().find(|s| s.path == file) {
            return s.shown.clone();
        }
        crate::files::escaped(file.strip_prefix(&self.base).unwrap_or(file).as_os_str())
            .into_owned()
    }
}

fn validate_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn validate_spec(spec: &SourceSpec) -> std::result::Result<(), String> {
    if !validate_name(&spec.name) {
        return Err("name must be non-empty and use only letters, digits, '_', '-', '.'".into());
    }
    let structured = matches!(spec.format, Format::Csv | Format::Jsonl);
    if structured && spec.fields.text.is_none() {
        return Err(
            "fields.text is required for csv and jsonl (which column holds the text?)".into(),
        );
    }
    if !structured {
        let f = &spec.fields;
        let mapped = f.id.is_some()
            || f.text.is_some()
            || f.title.is_some()
            || f.author.is_some()
            || f.created_at.is_some()
            || f.url.is_some()
            || f.in_reply_to.is_some()
            || f.replies.is_some()
            || f.conversation_id.is_some()
            || f.inbound.is_some();
        if mapped || !spec.given.is_empty() || !spec.keep.is_empty() {
            return Err(format!(
                "fields, given and keep apply to csv and jsonl only, not {:?}",
                spec.format
            )
            .to_lowercase());
        }
    }
    for label in spec.given_values.keys() {
        if !spec.given.contains_key(label) {
            return Err(format!(
                "given_values.{label} maps a label that [source.given] does not name"
            ));
        }
    }
    for label in spec.given.keys() {
        if label.is_empty()
            || !label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "given label {label:?} must use lower-case letters, digits and '_' (known: {})",
                KNOWN_GIVEN.join(", ")
            ));
        }
    }
    if let Some(fmt) = &spec.date_format {
        if fmt.trim().is_empty() {
            return Err("date_format is empty".into());
        }
    }
    if let Some(d) = spec.delimiter {
        if !d.is_ascii() || d == '"' || d == '\n' || d == '\r' {
            return Err(format!(
                "delimiter {d:?} must be one ASCII character other than a quote or line end"
            ));
        }
        if spec.format != Format::Csv {
            return Err("delimiter applies to csv only".into());
        }
    }
    if let Some(c) = &spec.channel {
        let known = crate::tag::rules::CHANNELS;
        if !known.contains(&c.as_str()) {
            return Err(format!(
                "channel {c:?} is not a channel label (expected one of {})",
                known.join(", ")
            ));
        }
    }
    Ok(())
}

/// Turns a toml error into "line N: message", with the offending line when known.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim_end_matches('\n').to_string();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg,
    }
}

/// Replaces `${NAME}` with `vars[NAME]` or the environment variable NAME.
pub fn expand_vars(
    path: &str,
    vars: &BTreeMap<String, String>,
) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("path {path:?} has an unclosed ${{"))?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.is_empty());
        match value {
            // A data path given on the command line or in the environment is relative to
            // where the user is, not to the manifest.
            Some(v) if name == DATA_VAR => out.push_str(&std::path::absolute(&v).map(|p| p.display().to_string()).unwrap_or(v)),
            Some(v) => out.push_str(&v),
            None if name == DATA_VAR => {
                return Err(format!("path {path:?} needs ${{{name}}}: pass --data PATH or set the environment variable {name}"))
            }
            None => return Err(format!("path {path:?} needs ${{{name}}}: set the environment variable {name}")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The variable `--data` sets.
pub const DATA_VAR: &str = "REPLYSCOPE_DATA";

fn find_files(
    base: &Path,
    pattern: &str,
    format: Format,
    follow_links: bool,
) -> std::result::Result<Vec<PathBuf>, String> {
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let is_glob = pattern.contains(['*', '?', '[']);
    if is_glob {
        let full_str = full.to_string_lossy().into_owned();
        let glob =
            glob::Pattern::new(&full_str).map_err(|e| format!("bad glob {pattern:?}: {e}"))?;
        let root = source_root(base, pattern);
        let files = if root.is_dir() {
            let opts = super::walk::Options {
                follow_links,
                // A glob's `*` matches names starting with a dot, as a shell's does not but
                // the glob crate (and earlier versions) did.
                hidden: true,
            };
            super::walk::files(&root, Some(&glob), opts)?
        } else {
            Vec::new()
        };
        if files.is_empty() {
            return Err(format!("no file matches {}", full.display()));
        }
        return Ok(files);
    }
    let meta = std::fs::metadata(&full).map_err(|e| {
        format!(
            "{}: {} (the manifest points at a file that cannot be read)",
            full.display(),
            io_reason(&e)
        )
    })?;
    if meta.is_dir() {
        if !format.is_whole_file() {
            return Err(format!(
                "{} is a directory; give a file or a glob for {:?}",
                full.display(),
                format
            )
            .to_lowercase());
        }
        let opts = super::walk::Options {
            follow_links,
            hidden: false,
        };
        return super::walk::files(&full, None, opts);
    }
    if !meta.is_file() {
        return Err(format!(
            "{} is {}, not a regular file; a source reads files, directories and globs \
             (standard input: --data -)",
            full.display(),
            crate::files::kind_of(&meta.file_type())
        ));
    }
    Ok(vec![full])
}

/// The directory a path pattern starts from: the components before the first one with a
/// glob character; for a plain file, its directory; for a directory, itself.
fn source_root(base: &Path, pattern: &str) -> PathBuf {
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let mut root = PathBuf::new();
    for c in full.components() {
        if c.as_os_str().to_string_lossy().contains(['*', '?', '[']) {
            return root;
        }
        root.push(c);
    }
    if full.is_dir() {
        full
    } else {
        full.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// The 1-based line of a source's `path` value: the first line after the source's name that
/// holds the path as written.
fn path_line(text: &str, name: &str, path: &str) -> Option<usize> {
    let named = text
        .find(&format!("\"{name}\""))
        .or_else(|| text.find(&format!("'{name}'")))
        .unwrap_or(0);
    let at = named + text[named..].find(path)?;
    Some(text[..at].matches('\n').count() + 1)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<ManifestFile, String> {
        toml::from_str::<ManifestFile>(text).map_err(|e| toml_message(&e, text))
    }

    #[test]
    fn unknown_key_names_line_and_known_keys() {
        let err = parse("version = 1\n[[source]]\nname = \"a\"\npath = \"x\"\nformat = \"csv\"\n[source.fields]\ntxt = \"t\"\n").unwrap_err();
        assert!(err.starts_with("line 7:"), "{err}");
        assert!(err.contains("unknown field `txt`"), "{err}");
        assert!(err.contains("`text`"), "{err}");
    }

    #[test]
    fn text_may_be_one_or_many_columns() {
        let m = parse("version = 1\n[[source]]\nname = \"a\"\npath = \"x\"\nformat = \"csv\"\nfields.text = [\"a\", \"b\"]\n").unwrap();
        assert_eq!(
            m.sources[0].fields.text.as_ref().unwrap().names(),
            vec!["a", "b"]
        );
    }

    #[test]
    fn vars_expand_from_map_and_explain_when_missing() {
        let mut vars = BTreeMap::new();
        vars.insert(DATA_VAR.to_string(), "/data/twcs.csv".to_string());
        assert_eq!(
            expand_vars("${REPLYSCOPE_DATA}", &vars).unwrap(),
            "/data/twcs.csv"
        );
        let err = expand_vars("${REPLYSCOPE_DATA}", &BTreeMap::new());
        if std::env::var(DATA_VAR).is_err() {
            assert!(err.unwrap_err().contains("pass --data PATH"));
        }
        assert!(expand_vars("${OPEN", &vars)
            .unwrap_err()
            .contains("unclosed"));
    }

    #[test]
    fn structured_source_needs_text() {
        let m = parse("version = 1\n[[source]]\nname = \"a\"\npath = \"x\"\nformat = \"jsonl\"\n")
            .unwrap();
        assert!(validate_spec(&m.sources[0])
            .unwrap_err()
            .contains("fields.text is required"));
    }
}
