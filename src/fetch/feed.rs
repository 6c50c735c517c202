//! A fetched feed read into items with a stable identity: the feed's GUID,
//! else the item's canonical URL (tracking parameters stripped), else a
//! digest of its title and text, so the same item is recognised run after run.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

/// One feed item, as fetch needs it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The identity the ledger keeps it under.
    pub key: String,
    /// The item's page, canonical (see [`canonical_url`]).
    pub link: Option<Url>,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
    /// The item's content, else its summary (HTML).
    pub html: Option<String>,
    /// Words in `html`'s text: a short one is an excerpt.
    pub words: usize,
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: Option<String>,
    pub items: Vec<Item>,
}

/// True when the response is worth parsing as a feed: a feed media type, or
/// a body that starts like RSS, Atom or JSON Feed.
pub fn looks_like_feed(body: &[u8], content_type: Option<&str>) -> bool {
    let media = content_type.unwrap_or_default().to_ascii_lowercase();
    if ["rss", "atom", "feed+json", "rdf"]
        .iter()
        .any(|m| media.contains(m))
    {
        return true;
    }
    crate::ingest::detect_kind(std::path::Path::new("fetched"), body)
        == crate::ingest::InputKind::Feed
}

/// Parses RSS, Atom or JSON Feed fetched from `feed_url`; relative links are
/// resolved against `base` (where the body came from, after redirects), and
/// GUIDs are scoped by `feed_url` (the configured one, which stays put).
pub fn parse(body: &[u8], feed_url: &Url, base: &Url) -> Result<Feed, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An item without a GUID gets no made-up one (feed-rs would use a
        // random UUID when there is no link either): we key it ourselves.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(body).map_err(|e| e.to_string())?;
    let feed_key = canonical_url(feed_url);
    let items = feed
        .entries
        .iter()
        .map(|entry| item(entry, base, &feed_key))
        .collect();
    Ok(Feed {
        title: feed
            .title
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty()),
        items,
    })
}

fn item(entry: &feed_rs::model::Entry, base: &Url, feed_key: &Url) -> Item {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .and_then(|l| base.join(l.href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| canonical_url(&u));
    let html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .filter(|b| !b.trim().is_empty())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .filter(|b| !b.trim().is_empty());
    let words = html
        .as_deref()
        .map(|h| {
            crate::clean::html::fragment_paragraphs(h)
                .iter()
                .map(|p| p.split_whitespace().count())
                .sum()
        })
        .unwrap_or(0);
    let title = entry
        .title
        .as_ref()
        .map(|t| t.content.trim().to_string())
        .filter(|t| !t.is_empty());
    let id = entry.id.trim();
    let key = if let Some(as_url) = Url::parse(id)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    {
        // A permalink GUID is the page's address: the same article in any feed.
        canonical_url(&as_url).to_string()
    } else if !id.is_empty() {
        format!("guid:{feed_key} {id}")
    } else if let Some(link) = &link {
        link.to_string()
    } else {
        let mut digest = Sha256::new();
        digest.update(title.as_deref().unwrap_or_default());
        digest.update([0]);
        digest.update(html.as_deref().unwrap_or_default());
        format!("text:{feed_key} {}", hex::encode(&digest.finalize()[..12]))
    };
    Item {
        key,
        link,
        title,
        published: entry.published.or(entry.updated),
        author: entry
            .authors
            .first()
            .map(|p| p.name.trim().to_string())
            .filter(|n| !n.is_empty()),
        html,
        words,
    }
}

/// Query parameters that only say who sent the reader, never which page.
fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || name.starts_with("_hs")
        || matches!(
            name.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "mc_cid"
                | "mc_eid"
                | "igshid"
                | "mkt_tok"
                | "ref_src"
                | "ref_url"
                | "cmpid"
                | "ocid"
                | "spm"
                | "_ga"
                | "wt.mc_id"
        )
}

/// The address that identifies a page: no fragment, no tracking parameters
/// (`utm_*`, `fbclid` and the like); scheme and host are already lower-case
/// and default ports gone, as the `url` crate writes them.
pub fn canonical_url(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        out.set_query(None);
    } else if kept.len() != url.query_pairs().count() {
        out.query_pairs_mut().clear().extend_pairs(kept);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        let u = |s: &str| canonical_url(&Url::parse(s).unwrap()).to_string();
        assert_eq!(
            u("HTTPS://News.Example:443/a?utm_source=rss&utm_medium=feed#top"),
            "https://news.example/a"
        );
        assert_eq!(
            u("https://news.example/a?id=7&fbclid=xyz&page=2"),
            "https://news.example/a?id=7&page=2"
        );
        assert_eq!(
            u("https://news.example/a?id=7"),
            "https://news.example/a?id=7"
        );
    }

    #[test]
    fn items_are_keyed_by_guid_then_link_then_text() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><guid isPermaLink="false">abc-1</guid><title>One</title><link>/one?utm_source=x</link>
              <description>Short excerpt.</description></item>
            <item><title>Two</title><link>https://site.example/two#c</link><description>x</description></item>
            <item><title>Three</title><description>No link at all.</description></item>
            <item><guid>https://site.example/four?utm_campaign=z</guid><title>Four</title></item>
            </channel></rss>"#;
        let feed_url = Url::parse("https://site.example/feed.xml").unwrap();
        let feed = parse(rss.as_bytes(), &feed_url, &feed_url).unwrap();
        let keys: Vec<&str> = feed.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys[0], "guid:https://site.example/feed.xml abc-1");
        assert_eq!(keys[1], "https://site.example/two");
        assert!(
            keys[2].starts_with("text:https://site.example/feed.xml "),
            "{}",
            keys[2]
        );
        assert_eq!(keys[3], "https://site.example/four");
        assert_eq!(
            feed.items[0].link.as_ref().map(Url::as_str),
            Some("https://site.example/one")
        );
        assert_eq!(feed.items[0].words, 2);
        // The same feed read again gives the same keys.
        let again = parse(rss.as_bytes(), &feed_url, &feed_url).unwrap();
        assert_eq!(again.items[2].key, feed.items[2].key);
    }

    #[test]
    fn html_is_not_a_feed() {
        assert!(!looks_like_feed(
            b"<!doctype html><html><body><p>x</p></body></html>",
            Some("text/html")
        ));
        assert!(looks_like_feed(
            b"<?xml version=\"1.0\"?><rss version=\"2.0\">",
            None
        ));
        assert!(looks_like_feed(b"{}", Some("application/feed+json")));
        let feed_url = Url::parse("https://site.example/feed").unwrap();
        assert!(parse(
            b"<html><body>not a feed</body></html>",
            &feed_url,
            &feed_url
        )
        .is_err());
    }
}
