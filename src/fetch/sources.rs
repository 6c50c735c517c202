//! The `[[sources]]` tables and the `[fetch]` section of `config.toml`: what
//! to fetch, and how politely.

use serde::{Deserialize, Serialize};

/// What a source's URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// An RSS, Atom or JSON feed: one article per item.
    Feed,
    /// One article page.
    Page,
    /// Sniffed from the response: a feed when it parses as one, else a page.
    #[default]
    Auto,
}

/// One `[[sources]]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The feed or page address (http or https).
    pub url: String,
    /// Shown in reports and used by `fetch --source NAME`; the host when absent.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: SourceKind,
    /// For feed items: fetch the item's link and clean that page instead of
    /// the feed's text. Absent: only when the item's text is short (an excerpt).
    #[serde(default)]
    pub fetch_full: Option<bool>,
    /// Allow addresses that resolve to loopback, private or link-local
    /// ranges (an intranet feed, or a test server). Off by default so that a
    /// feed cannot point the fetcher at the machine's own services.
    #[serde(default)]
    pub allow_private: bool,
}

impl SourceConfig {
    /// The name in reports: the configured one, else the URL's host.
    pub fn display_name(&self) -> String {
        if let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return name.trim().to_string();
        }
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.url.clone())
    }
}

/// The `[fetch]` section: limits that keep the fetcher a good citizen and
/// keep one bad server from holding up the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchConfig {
    /// Requests in flight at once, over all hosts (one per host at a time).
    pub concurrency: usize,
    /// Seconds to wait for a connection.
    pub connect_timeout_secs: u64,
    /// Seconds one request may take from start to the last byte.
    pub timeout_secs: u64,
    /// Largest response body kept, in bytes (after decompression).
    pub max_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// An item whose page failed this many runs in a row is saved from the
    /// feed's own text instead, so it is never lost.
    pub page_attempts: u32,
    /// A feed item with fewer words than this is taken as an excerpt (see
    /// `fetch_full`).
    pub excerpt_words: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            concurrency: 8,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            max_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            page_attempts: 3,
            excerpt_words: 150,
        }
    }
}

/// Checks the sources and limits; the message names the table at fault.
pub fn validate(sources: &[SourceConfig], fetch: &FetchConfig) -> Result<(), String> {
    if fetch.concurrency == 0 {
        return Err("[fetch] concurrency must be at least 1".into());
    }
    if fetch.timeout_secs == 0 || fetch.connect_timeout_secs == 0 {
        return Err("[fetch] timeout_secs and connect_timeout_secs must be at least 1".into());
    }
    if fetch.max_bytes == 0 {
        return Err("[fetch] max_bytes must be at least 1".into());
    }
    let mut names = std::collections::HashSet::new();
    for (i, source) in sources.iter().enumerate() {
        let at = format!("[[sources]] #{} (url = {:?})", i + 1, source.url);
        let parsed = url::Url::parse(&source.url).map_err(|e| {
            format!(
                "{at}: not a URL ({e}); write it in full, like \"https://example.com/feed.xml\""
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "{at}: only http and https URLs can be fetched, not {}:",
                parsed.scheme()
            ));
        }
        if parsed.host_str().is_none() {
            return Err(format!("{at}: the URL has no host"));
        }
        if !names.insert(source.display_name()) {
            return Err(format!(
                "{at}: another source has the name {:?}; give each a distinct name",
                source.display_name()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(url: &str, name: Option<&str>) -> SourceConfig {
        SourceConfig {
            url: url.into(),
            name: name.map(str::to_string),
            kind: SourceKind::Auto,
            fetch_full: None,
            allow_private: false,
        }
    }

    #[test]
    fn only_http_urls_with_distinct_names_pass() {
        let fetch = FetchConfig::default();
        assert!(validate(&[source("https://a.example/feed", None)], &fetch).is_ok());
        let err = validate(&[source("file:///etc/passwd", None)], &fetch).unwrap_err();
        assert!(err.contains("only http and https"), "{err}");
        let err = validate(&[source("feed.xml", None)], &fetch).unwrap_err();
        assert!(err.contains("#1"), "{err}");
        let twice = [
            source("https://a.example/one", None),
            source("https://a.example/two", None),
        ];
        let err = validate(&twice, &fetch).unwrap_err();
        assert!(err.contains("#2") && err.contains("a.example"), "{err}");
    }
}
