//! Finds the articles in the inbox and reads each file in the form it came in
//! (scraped text, saved HTML page, RSS/Atom/JSON feed, Markdown with front
//! matter), handing the text to [`crate::clean`].
//!
//! One bad file never stops the others: it becomes a [`Problem`] and the rest
//! go through.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::clean::{self, CleanArticle};
use crate::problem::Problem;

/// The forms an input file can take, decided from its extension and, where
/// that is ambiguous, its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Html,
    Markdown,
    Feed,
}

/// What came out of a batch of input files.
#[derive(Debug, Default)]
pub struct Ingested {
    pub articles: Vec<CleanArticle>,
    pub problems: Vec<Problem>,
}

/// The article files in `inbox`, sorted by name so runs are deterministic.
/// Hidden files and editor backups are ignored.
pub fn discover(inbox: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(inbox)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.ends_with('~') || !path.is_file() {
            continue;
        }
        paths.push(path);
    }
    paths.sort();
    Ok(paths)
}

/// The kind of an input: by extension when it names one, else by content.
pub fn detect_kind(path: &Path, bytes: &[u8]) -> InputKind {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" | "xhtml" | "shtml" => InputKind::Html,
        "md" | "markdown" | "mdown" => InputKind::Markdown,
        "rss" | "atom" | "rdf" => InputKind::Feed,
        // .xml, .json and .txt (or no extension) are only a hint: a scraper
        // may save a page as .txt, and .xml may hold an XHTML page.
        _ => sniff(bytes, &ext),
    }
}

/// Looks at the first few kilobytes to tell a feed, a page, Markdown with
/// front matter and plain text apart.
fn sniff(bytes: &[u8], ext: &str) -> InputKind {
    let head = &bytes[..bytes.len().min(4096)];
    let start = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    let start = start.trim_ascii_start();
    // The feed and page tests need a tag or a brace near the start; plain
    // scraped text has neither, so it skips the lower-cased copy.
    let lower = memchr::memchr2(b'<', b'{', head)
        .map(|_| String::from_utf8_lossy(start).to_ascii_lowercase());
    if let Some(lower) = &lower {
        let is_feed_xml = ["<rss", "<feed", "<rdf:rdf", "<channel"]
            .iter()
            .any(|tag| lower.contains(tag));
        if lower.starts_with('<') && is_feed_xml && !lower.contains("<html") {
            return InputKind::Feed;
        }
        if lower.starts_with('{') && lower.contains("jsonfeed.org") {
            return InputKind::Feed;
        }
        if lower.starts_with("<!doctype html")
            || lower.starts_with("<html")
            || lower.contains("<body")
        {
            return InputKind::Html;
        }
    }
    if start.starts_with(b"+++") || start.starts_with(b"---\n") || start.starts_with(b"---\r\n") {
        return InputKind::Markdown;
    }
    match ext {
        "xml" | "json" => InputKind::Feed,
        _ if lower
            .as_ref()
            .is_some_and(|l| l.starts_with('<') && l.contains("</p>")) =>
        {
            InputKind::Html
        }
        _ => InputKind::Text,
    }
}

/// True when the bytes look like a binary file rather than text: a NUL byte,
/// or many control characters, in the first 8 KB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    controls * 10 > head.len()
}

/// The 1-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads and cleans one file's bytes; problems (skips and warnings) go into
/// `problems`, articles into the result. With no reference time, see
/// [`ingest_bytes_at`].
pub fn ingest_bytes(path: &Path, bytes: &[u8], problems: &mut Vec<Problem>) -> Vec<CleanArticle> {
    ingest_bytes_at(path, bytes, None, problems)
}

/// Like [`ingest_bytes`], with the time the article was scraped (or saved):
/// in scraped text, or in a page with no date in its metadata, a wire
/// dateline with no year ("LONDON, Nov. 19 (...)") is dated the most
/// recent such day not after it. Passing it in keeps the output a function
/// of the input.
pub fn ingest_bytes_at(
    path: &Path,
    bytes: &[u8],
    reference: Option<DateTime<Utc>>,
    problems: &mut Vec<Problem>,
) -> Vec<CleanArticle> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        problems.push(Problem::skipped(
            path,
            None,
            "the file is empty; nothing to clean",
        ));
        return Vec::new();
    }
    if looks_binary(bytes) {
        problems.push(Problem::skipped(
            path,
            None,
            "looks like a binary file, not an article; give text, HTML, Markdown or a feed",
        ));
        return Vec::new();
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(err) => {
            problems.push(Problem::warning(
                path,
                Some(line_of(bytes, err.valid_up_to())),
                "not valid UTF-8; bad bytes were replaced with \u{fffd} (save the file as UTF-8 to fix)",
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    let articles = match detect_kind(path, bytes) {
        InputKind::Text => vec![clean::text::clean_at(&text, path, reference)],
        InputKind::Html => {
            if let Err(msg) = clean::html::check_nesting(&text) {
                problems.push(Problem::skipped(path, None, msg));
                return Vec::new();
            }
            vec![clean::html::clean_at(&text, path, reference)]
        }
        InputKind::Markdown => match clean::markdown::clean(&text, path) {
            Ok(article) => vec![article],
            Err(msg) => {
                problems.push(Problem::skipped(path, None, msg));
                return Vec::new();
            }
        },
        InputKind::Feed => match clean::feed::clean(text.as_bytes(), path) {
            Ok(items) if items.is_empty() => {
                problems.push(Problem::skipped(
                    path,
                    None,
                    "the feed has no items with content or a summary",
                ));
                return Vec::new();
            }
            Ok(items) => items,
            Err(err) => {
                problems.push(Problem::skipped(path, None, err.to_string()));
                return Vec::new();
            }
        },
    };
    let mut kept = Vec::new();
    for article in articles {
        if article.paragraphs.is_empty() {
            problems.push(Problem::skipped(
                path,
                None,
                format!(
                    "no article text left after cleaning{}",
                    if article.title.is_empty() {
                        String::new()
                    } else {
                        format!(" (\"{}\")", article.title)
                    }
                ),
            ));
        } else {
            kept.push(article);
        }
    }
    kept
}

/// Reads and cleans every file; a feed may yield several articles. Each
/// file's modification time is its reference time (see [`ingest_bytes_at`]):
/// a scraper saves an article the day it runs, so a dateline's year is the
/// one that makes the date no later than that.
pub fn ingest_files(paths: &[PathBuf]) -> Ingested {
    let mut out = Ingested::default();
    for path in paths {
        match std::fs::read(path) {
            Ok(bytes) => {
                let reference = std::fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .map(DateTime::<Utc>::from);
                let articles = ingest_bytes_at(path, &bytes, reference, &mut out.problems);
                out.articles.extend(articles);
            }
            Err(err) => {
                out.problems
                    .push(Problem::skipped(path, None, format!("cannot read: {err}")))
            }
        }
    }
    out
}
