//! RSS 0.9x/1.0/2.0, Atom and JSON Feed files: one article per item, the
//! full content where the item carries it, else its summary, with the item's
//! link and date.

use std::path::Path;

use feed_rs::model::{Entry, Feed};

use super::{html, non_empty, CleanArticle};

/// Why a feed could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("not a readable RSS, Atom or JSON feed ({0}); check that the file is a complete feed")]
pub struct FeedError(String);

/// Parses a feed into its items. Items with neither content nor summary are
/// left out (a feed of headlines alone has nothing to summarize).
pub fn clean(bytes: &[u8], path: &Path) -> Result<Vec<CleanArticle>, FeedError> {
    let feed = feed_rs::parser::parse(bytes).map_err(|e| FeedError(e.to_string()))?;
    Ok(articles(&feed, path))
}

fn articles(feed: &Feed, path: &Path) -> Vec<CleanArticle> {
    let source = non_empty(feed.title.as_ref().map(|t| t.content.as_str()));
    feed.entries
        .iter()
        .filter_map(|entry| item(entry, path, source.clone()))
        .collect()
}

fn item(entry: &Entry, path: &Path, source: Option<String>) -> Option<CleanArticle> {
    let content = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(html::fragment_paragraphs)
        .filter(|p| !p.is_empty());
    let paragraphs = content.or_else(|| {
        entry
            .summary
            .as_ref()
            .map(|s| html::fragment_paragraphs(&s.content))
            .filter(|p| !p.is_empty())
    })?;
    let title = entry
        .title
        .as_ref()
        .map(|t| html::fragment_paragraphs(&t.content).join(" "))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| super::text::title_from_lead(&paragraphs[0]));
    let mut article = CleanArticle::new(path, title, paragraphs);
    article.source = non_empty(entry.source.as_deref()).or(source);
    article.url = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.clone());
    article.author = non_empty(entry.authors.first().map(|p| p.name.as_str()));
    article.published = entry.published.or(entry.updated).map(|d| d.fixed_offset());
    Some(article)
}
