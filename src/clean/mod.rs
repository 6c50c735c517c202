//! Turns a raw article into the story and only the story: junk rules for
//! scraped text ([`rules`]), main-content extraction for HTML ([`html`]),
//! with the page pruned before parsing ([`prune`]), feed items ([`feed`]),
//! Markdown taken as clean ([`markdown`]), and
//! near-duplicate merging ([`dedup`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub(crate) mod bytes;
pub mod dates;
pub mod dedup;
pub mod feed;
pub mod html;
pub mod markdown;
pub mod prune;
pub mod rules;
pub mod text;

pub use dedup::merge_near_duplicates;

/// An article reduced to what a summary needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanArticle {
    /// The input file (for a feed item, the feed file).
    pub path: PathBuf,
    pub title: String,
    /// Publication or site name.
    pub source: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// The story's paragraphs, in order, each one line of plain text.
    pub paragraphs: Vec<String>,
    /// Other sources that ran the same story (merged near-duplicates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
}

impl CleanArticle {
    /// An article with a title and paragraphs and no metadata yet.
    pub fn new(path: &Path, title: String, paragraphs: Vec<String>) -> Self {
        CleanArticle {
            path: path.to_path_buf(),
            title,
            source: None,
            url: None,
            author: None,
            published: None,
            paragraphs,
            also_in: Vec::new(),
        }
    }

    /// Paragraphs separated by a blank line.
    pub fn body(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// Number of words in the body (used to pick the fullest duplicate).
    pub fn word_count(&self) -> usize {
        self.paragraphs
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum()
    }
}

/// Cleans scraped plain text: the first line is the headline when it looks
/// like one. Kept for callers that hold text rather than a file.
pub fn clean_text(raw: &str, path: &Path) -> CleanArticle {
    text::clean(raw, path)
}

/// Reads the date forms found in meta tags, JSON-LD, feeds and front matter:
/// RFC 3339, RFC 2822, ISO 8601 without an offset (taken as UTC), or a bare
/// date (midnight UTC). `None` for anything else, and for the placeholders
/// some publishing systems write when they have no date: the zero date
/// (0001-01-01) and the Unix epoch, or anything else before 1970-01-02.
pub fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    read_date(s).filter(|d| d.timestamp() >= 86_400)
}

fn read_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    let utc = FixedOffset::east_opt(0)?;
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc().with_timezone(&utc));
        }
    }
    let date_part = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().with_timezone(&utc))
}

/// Trims a metadata value and turns an empty one into `None`.
pub(crate) fn non_empty(s: Option<impl AsRef<str>>) -> Option<String> {
    s.map(|v| rules::collapse(v.as_ref()))
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_common_forms() {
        assert_eq!(
            parse_date("2024-03-05T07:30:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2024-03-05T07:30:00+01:00"
        );
        assert_eq!(
            parse_date("Tue, 05 Mar 2024 07:30:00 GMT")
                .unwrap()
                .to_rfc3339(),
            "2024-03-05T07:30:00+00:00"
        );
        assert_eq!(
            parse_date("2024-03-05").unwrap().to_rfc3339(),
            "2024-03-05T00:00:00+00:00"
        );
        assert_eq!(
            parse_date("2024-03-05T07:30:00").unwrap().to_rfc3339(),
            "2024-03-05T07:30:00+00:00"
        );
        assert!(parse_date("yesterday").is_none());
        // Placeholders for "no date" are no date.
        assert!(parse_date("0001-01-01T00:00:00Z").is_none());
        assert!(parse_date("1970-01-01T00:00:00+00:00").is_none());
        assert!(parse_date("1970-01-01").is_none());
        assert!(parse_date("1975-06-30").is_some());
    }
}
