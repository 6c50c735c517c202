//! Finds the articles in the inbox and reads each file in the form it came in
//! (scraped text, saved HTML page, RSS/Atom/JSON feed, Markdown with front
//! matter), handing the text to [`crate::clean`].
//!
//! One bad file never stops the others: it becomes a [`Problem`] and the rest
//! go through.

use std::path::{Path, PathBuf};

use crate::clean::CleanArticle;
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

/// Reads and cleans every file; a feed may yield several articles.
pub fn ingest_files(paths: &[PathBuf]) -> Ingested {
    let mut out = Ingested::default();
    for path in paths {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let article = crate::clean::clean_text(&text, path);
                out.articles.push(article);
            }
            Err(err) => {
                out.problems
                    .push(Problem::skipped(path, None, format!("cannot read: {err}")))
            }
        }
    }
    out
}
