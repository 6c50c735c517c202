//! Writes fetched articles into the inbox in forms `ingest` already reads:
//! a page as saved HTML (UTF-8, with its address, source and fetch time in
//! `<head>`), a feed item as a one-item JSON Feed. Names come from the
//! item's key, so writing the same item twice replaces, never duplicates;
//! every file goes through a temporary name and a rename.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use super::feed::Item;

/// `fetched-<source>-<digest of key>.<ext>`: readable, stable, distinct.
pub fn file_name(source: &str, key: &str, ext: &str) -> String {
    let mut slug = String::new();
    for c in source.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..6]);
    format!(
        "fetched-{}-{digest}.{ext}",
        if slug.is_empty() { "source" } else { slug }
    )
}

/// Writes a feed item as a JSON Feed with that one item; the feed's title
/// is the source's name, which ingest takes as the article's source.
pub fn write_item(
    inbox: &Path,
    source: &str,
    feed_url: &Url,
    item: &Item,
    fetched_at: DateTime<Utc>,
) -> std::io::Result<PathBuf> {
    let mut entry = serde_json::json!({
        "id": item.key,
        "content_html": item.html.clone().unwrap_or_default(),
    });
    if let Some(link) = &item.link {
        entry["url"] = link.as_str().into();
    }
    if let Some(title) = &item.title {
        entry["title"] = title.as_str().into();
    }
    if let Some(published) = item.published {
        entry["date_published"] = published.to_rfc3339_opts(SecondsFormat::Secs, true).into();
    }
    if let Some(author) = &item.author {
        entry["authors"] = serde_json::json!([{ "name": author }]);
    }
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": source,
        "feed_url": feed_url.as_str(),
        "_newsletter": {
            "fetched": fetched_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        },
        "items": [entry],
    });
    let text = serde_json::to_string_pretty(&feed).map_err(std::io::Error::other)?;
    let path = inbox.join(file_name(source, &item.key, "json"));
    crate::fsutil::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// What a saved page records about where it came from.
pub struct PageMeta<'a> {
    pub source: &'a str,
    /// The page's canonical address: where it answered, after redirects,
    /// tracking parameters stripped.
    pub url: &'a Url,
    /// Where the bytes came from after redirects.
    pub fetched_from: &'a Url,
    pub published: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
}

/// Writes a page (already decoded to text) as UTF-8 HTML with our metadata
/// first in `<head>`, where ingest's metadata reading finds it before the
/// page's own. The page's own canonical link and site name are kept when it
/// has them.
pub fn write_page(
    inbox: &Path,
    key: &str,
    html: &str,
    meta: &PageMeta,
) -> std::io::Result<PathBuf> {
    let lower = html.to_ascii_lowercase();
    let mut head = String::from("\n<meta charset=\"utf-8\">\n");
    let tag = |out: &mut String, attr: &str, name: &str, content: &str| {
        out.push_str(&format!(
            "<meta {attr}=\"{name}\" content=\"{}\">\n",
            escape_attr(content)
        ));
    };
    if !lower.contains("rel=\"canonical\"")
        && !lower.contains("rel=canonical")
        && !lower.contains("rel='canonical'")
    {
        head.push_str(&format!(
            "<link rel=\"canonical\" href=\"{}\">\n",
            escape_attr(meta.url.as_str())
        ));
    }
    if !lower.contains("og:site_name") {
        tag(&mut head, "property", "og:site_name", meta.source);
    }
    if let Some(published) = meta.published {
        if !lower.contains("article:published_time") {
            tag(
                &mut head,
                "property",
                "article:published_time",
                &published.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        }
    }
    tag(
        &mut head,
        "name",
        "newsletter:fetched-from",
        meta.fetched_from.as_str(),
    );
    tag(
        &mut head,
        "name",
        "newsletter:fetched-at",
        &meta.fetched_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    let page = match head_insert_point(&lower) {
        Some(at) => format!("{}{head}{}", &html[..at], &html[at..]),
        None => format!("<head>{head}</head>\n{html}"),
    };
    let path = inbox.join(file_name(meta.source, key, "html"));
    crate::fsutil::write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

/// Just after the `<head>` start tag, if the page has one.
fn head_insert_point(lower: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = lower[from..].find("<head") {
        let start = from + at;
        let after = lower.as_bytes().get(start + 5).copied();
        if matches!(after, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
            return lower[start..].find('>').map(|end| start + end + 1);
        }
        from = start + 5;
    }
    None
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_safe() {
        let a = file_name("Grid Weekly / EU", "k1", "json");
        assert_eq!(a, file_name("Grid Weekly / EU", "k1", "json"));
        assert!(
            a.starts_with("fetched-grid-weekly-eu-") && a.ends_with(".json"),
            "{a}"
        );
        assert_ne!(a, file_name("Grid Weekly / EU", "k2", "json"));
        assert!(file_name("***", "k", "html").starts_with("fetched-source-"));
    }

    #[test]
    fn a_saved_page_keeps_its_address_for_ingest() {
        let dir = tempfile::tempdir().unwrap();
        let url = Url::parse("https://news.example/story").unwrap();
        let page = "<!DOCTYPE html><html><HEAD><title>Wind &amp; sun</title></HEAD><body>\
            <article><h1>Wind and sun</h1><p>Offshore wind farms in the North Sea produced a record \
            share of the country's electricity last month, the grid operator said on Tuesday.</p>\
            <p>Solar output also rose, helped by a dry and bright spring across the south.</p>\
            </article></body></html>";
        let meta = PageMeta {
            source: "News \"Example\"",
            url: &url,
            fetched_from: &url,
            published: Some("2026-11-30T08:00:00Z".parse().unwrap()),
            fetched_at: "2026-12-01T07:00:00Z".parse().unwrap(),
        };
        let path = write_page(dir.path(), "k", page, &meta).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert!(
            saved.contains("<HEAD>\n<meta charset=\"utf-8\">"),
            "{saved}"
        );
        assert!(
            saved.contains("content=\"News &quot;Example&quot;\""),
            "{saved}"
        );
        let mut problems = Vec::new();
        let articles = crate::ingest::ingest_bytes(&path, saved.as_bytes(), &mut problems);
        assert_eq!(articles.len(), 1, "{problems:?}");
        assert_eq!(
            articles[0].url.as_deref(),
            Some("https://news.example/story")
        );
        assert_eq!(
            articles[0].published.map(|d| d.to_rfc3339()),
            Some("2026-11-30T08:00:00+00:00".to_string())
        );
    }
}
