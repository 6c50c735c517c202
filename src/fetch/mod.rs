//! Fetches the `[[sources]]` (feeds and pages) into the inbox, before
//! ingest reads it. Each new article becomes one inbox file ([`inbox`]);
//! the ledger remembers validators for conditional GET and every item met,
//! so nothing is saved twice and a failed page is tried again next run.
//!
//! Sources are fetched at once, under the limits of [`http`]: N requests in
//! flight, one per host. One source failing never stops the others.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use url::Url;

pub mod feed;
pub mod http;
pub mod inbox;
pub mod report;
pub mod sources;

pub use http::FetchFailure;
pub use report::{FetchReport, SourceOutcome, SourceReport};
pub use sources::{FetchConfig, SourceConfig, SourceKind};

use crate::config::Config;
use crate::ledger::{locked, ItemState, Ledger, LedgerError, SharedLedger, Validators};
use http::{Fetched, Http};

const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// Why a fetch could not run at all (a source failing is in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{path}: no [[sources]] entry is named {name:?} (names: {known})")]
    UnknownSource {
        path: PathBuf,
        name: String,
        known: String,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{0}")]
    Setup(String),
}

/// Which sources to fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Only the sources with these names (or URLs); all when empty.
    pub only: Vec<String>,
}

/// What every fetch task shares.
struct Run {
    http: Http,
    ledger: SharedLedger,
    inbox: PathBuf,
    fetch: FetchConfig,
    now: DateTime<Utc>,
}

impl Run {
    fn stamp(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Runs `f` on the ledger; the lock is held only for that call.
    fn ledger<T>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError>,
    ) -> Result<T, FetchFailure> {
        let ledger = locked(&self.ledger);
        f(&ledger).map_err(|e| FetchFailure::Other(e.to_string()))
    }
}

/// The User-Agent: the program, the newsletter and where to read about it.
pub fn user_agent(config: &Config) -> String {
    format!(
        "{}/{} ({}; +{})",
        http::ROBOTS_AGENT,
        env!("CARGO_PKG_VERSION"),
        config.newsletter.name,
        config.newsletter.base_url
    )
}

/// Fetches the chosen sources; `progress` is called as each source finishes.
pub fn fetch_sources(
    config: &Config,
    options: &FetchOptions,
    progress: &(dyn Fn(&SourceReport) + Sync),
) -> Result<FetchReport, FetchError> {
    if choose(config, options)?.is_empty() {
        return Ok(FetchReport::default());
    }
    fetch_sources_in(
        config,
        &Ledger::for_config(config)?.share(),
        options,
        progress,
    )
}

/// [`fetch_sources`] on a ledger the command already opened (`run`'s cycle).
pub fn fetch_sources_in(
    config: &Config,
    ledger: &SharedLedger,
    options: &FetchOptions,
    progress: &(dyn Fn(&SourceReport) + Sync),
) -> Result<FetchReport, FetchError> {
    let chosen = choose(config, options)?;
    if chosen.is_empty() {
        return Ok(FetchReport::default());
    }
    let ledger = Arc::clone(ledger);
    let http = Http::new(&config.fetch, &user_agent(config))
        .map_err(|e| FetchError::Setup(e.to_string()))?;
    let run = Arc::new(Run {
        http,
        ledger,
        inbox: config.content.inbox.clone(),
        fetch: config.fetch.clone(),
        now: Utc::now(),
    });
    // Its own thread and runtime, so a caller already inside a runtime
    // (the daemon) can call it too.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        FetchError::Setup(format!("cannot start the async runtime: {e}"))
                    })?;
                Ok(runtime.block_on(fetch_all(run, chosen, progress)))
            })
            .join()
            .unwrap_or_else(|_| Err(FetchError::Setup("the fetch thread panicked".into())))
    })
}

fn choose(config: &Config, options: &FetchOptions) -> Result<Vec<SourceConfig>, FetchError> {
    for name in &options.only {
        if !config
            .sources
            .iter()
            .any(|s| &s.display_name() == name || &s.url == name)
        {
            let known: Vec<String> = config
                .sources
                .iter()
                .map(SourceConfig::display_name)
                .collect();
            return Err(FetchError::UnknownSource {
                path: config.source_path.clone(),
                name: name.clone(),
                known: if known.is_empty() {
                    "none configured".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    Ok(config
        .sources
        .iter()
        .filter(|s| {
            options.only.is_empty()
                || options
                    .only
                    .iter()
                    .any(|n| n == &s.display_name() || n == &s.url)
        })
        .cloned()
        .collect())
}

async fn fetch_all(
    run: Arc<Run>,
    chosen: Vec<SourceConfig>,
    progress: &(dyn Fn(&SourceReport) + Sync),
) -> FetchReport {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (index, source) in chosen.iter().cloned().enumerate() {
        let run = Arc::clone(&run);
        let tx = tx.clone();
        tokio::spawn(async move {
            let name = source.display_name();
            let url = source.url.clone();
            // A panic in one source's task is that source's failure only.
            let report = tokio::spawn(fetch_source(run, source))
                .await
                .unwrap_or_else(|e| {
                    let mut r = SourceReport::new(name, url);
                    r.outcome =
                        SourceOutcome::Failed(FetchFailure::Other(format!("internal error: {e}")));
                    r
                });
            let _ = tx.send((index, report));
        });
    }
    drop(tx);
    let mut reports: Vec<Option<SourceReport>> = vec![None; chosen.len()];
    while let Some((index, report)) = rx.recv().await {
        progress(&report);
        reports[index] = Some(report);
    }
    FetchReport {
        sources: reports.into_iter().flatten().collect(),
    }
}

async fn fetch_source(run: Arc<Run>, source: SourceConfig) -> SourceReport {
    let mut report = SourceReport::new(source.display_name(), source.url.clone());
    if let Err(why) = fetch_source_into(&run, &source, &mut report).await {
        report.outcome = SourceOutcome::Failed(why);
    }
    report
}

async fn fetch_source_into(
    run: &Arc<Run>,
    source: &SourceConfig,
    report: &mut SourceReport,
) -> Result<(), FetchFailure> {
    let url = Url::parse(&source.url).map_err(|e| FetchFailure::Other(format!("bad URL: {e}")))?;
    if source.kind != SourceKind::Feed {
        run.http.robots_allow(&url, source.allow_private).await?;
    }
    let validators = run.ledger(|l| l.fetch_validators(url.as_str()))?;
    let accept = if source.kind == SourceKind::Page {
        PAGE_ACCEPT
    } else {
        FEED_ACCEPT
    };
    let response = match run
        .http
        .get(&url, source.allow_private, validators.as_ref(), accept)
        .await?
    {
        Fetched::NotModified => {
            report.outcome = SourceOutcome::NotModified;
            return Ok(());
        }
        Fetched::Full(response) => response,
    };
    let is_feed = match source.kind {
        SourceKind::Feed => true,
        SourceKind::Page => false,
        SourceKind::Auto => feed::looks_like_feed(&response.body, response.content_type.as_deref()),
    };
    if is_feed {
        let parsed = feed::parse(&response.body, &url, &response.url).map_err(|e| {
            FetchFailure::NotAFeed(format!(
                "{} ({})",
                e,
                response
                    .content_type
                    .as_deref()
                    .unwrap_or("no Content-Type")
            ))
        })?;
        fetch_items(run, source, &url, parsed, report).await?;
    } else {
        save_page_source(run, source, &response, report)?;
    }
    // Validators are kept only when everything in this response is in:
    // a 304 next time must not hide an item that still has to be retried.
    let keep = if report.item_failures.is_empty() {
        response.validators
    } else {
        Validators::default()
    };
    let stamp = run.stamp();
    run.ledger(|l| l.record_validators(url.as_str(), &keep, &stamp))?;
    Ok(())
}

/// A page source: saved once under its canonical URL.
fn save_page_source(
    run: &Run,
    source: &SourceConfig,
    response: &http::Response,
    report: &mut SourceReport,
) -> Result<(), FetchFailure> {
    let Ok(given) = Url::parse(&source.url) else {
        return Ok(());
    };
    let canonical = feed::canonical_url(&given);
    let key = canonical.to_string();
    if run.ledger(|l| l.fetch_item(&key, Some(&key)))? == Some(ItemState::Saved) {
        report.seen += 1;
        return Ok(());
    }
    let html = http::decode_page(&response.body, response.content_type.as_deref());
    // The address the page answered at (after redirects) is the one to link to.
    let answered = feed::canonical_url(&response.url);
    let meta = inbox::PageMeta {
        source: &report.name,
        url: &answered,
        fetched_from: &response.url,
        published: None,
        fetched_at: run.now,
    };
    let path = inbox::write_page(&run.inbox, &key, &html, &meta).map_err(|e| {
        FetchFailure::Other(format!("cannot write into {}: {e}", run.inbox.display()))
    })?;
    record_saved(run, &key, Some(&key), &report.name, &path)?;
    report.saved.push(path);
    Ok(())
}

fn record_saved(
    run: &Run,
    key: &str,
    url: Option<&str>,
    source: &str,
    path: &std::path::Path,
) -> Result<(), FetchFailure> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = run.stamp();
    run.ledger(|l| l.record_item_saved(key, url, source, &file, &stamp))
}

/// What became of one item.
enum ItemOutcome {
    Saved(PathBuf),
    Fallback(PathBuf, String),
    Failed(String, FetchFailure),
}

/// The new items of a feed: saved from the feed's text, or from their page
/// when the feed carries only an excerpt (page fetches run concurrently,
/// under the host and overall limits).
async fn fetch_items(
    run: &Arc<Run>,
    source: &SourceConfig,
    feed_url: &Url,
    parsed: feed::Feed,
    report: &mut SourceReport,
) -> Result<(), FetchFailure> {
    let mut pages = tokio::task::JoinSet::new();
    let mut order = Vec::new();
    for item in parsed.items {
        let link = item.link.as_ref().map(|u| u.to_string());
        let attempts = match run.ledger(|l| l.fetch_item(&item.key, link.as_deref()))? {
            Some(ItemState::Saved) => {
                report.seen += 1;
                continue;
            }
            Some(ItemState::Failed { attempts }) => attempts,
            None => 0,
        };
        let wants_page = item.link.is_some()
            && source
                .fetch_full
                .unwrap_or(item.words < run.fetch.excerpt_words);
        let index = order.len();
        order.push(None);
        if wants_page {
            let run = Arc::clone(run);
            let source = source.clone();
            let feed_url = feed_url.clone();
            let name = report.name.clone();
            pages.spawn(async move {
                (
                    index,
                    fetch_item_page(&run, &source, &name, &feed_url, item, attempts).await,
                )
            });
        } else {
            let outcome = match save_item(run, &report.name, feed_url, &item) {
                Ok(path) => ItemOutcome::Saved(path),
                Err(why) => ItemOutcome::Failed(link.unwrap_or(item.key.clone()), why),
            };
            order[index] = Some(outcome);
        }
    }
    while let Some(done) = pages.join_next().await {
        match done {
            Ok((index, outcome)) => order[index] = Some(outcome),
            Err(e) => report.item_failures.push((
                feed_url.to_string(),
                FetchFailure::Other(format!("internal error: {e}")),
            )),
        }
    }
    for outcome in order.into_iter().flatten() {
        match outcome {
            ItemOutcome::Saved(path) => report.saved.push(path),
            ItemOutcome::Fallback(path, url) => {
                report.saved.push(path);
                report.fallbacks.push(url);
            }
            ItemOutcome::Failed(url, why) => report.item_failures.push((url, why)),
        }
    }
    Ok(())
}

fn save_item(
    run: &Run,
    source: &str,
    feed_url: &Url,
    item: &feed::Item,
) -> Result<PathBuf, FetchFailure> {
    let path = inbox::write_item(&run.inbox, source, feed_url, item, run.now).map_err(|e| {
        FetchFailure::Other(format!("cannot write into {}: {e}", run.inbox.display()))
    })?;
    let link = item.link.as_ref().map(|u| u.to_string());
    record_saved(run, &item.key, link.as_deref(), source, &path)?;
    Ok(path)
}

async fn fetch_item_page(
    run: &Run,
    source: &SourceConfig,
    name: &str,
    feed_url: &Url,
    item: feed::Item,
    attempts: u32,
) -> ItemOutcome {
    let Some(link) = item.link.clone() else {
        return ItemOutcome::Failed(item.key.clone(), FetchFailure::Other("no link".into()));
    };
    let fetched = async {
        run.http.robots_allow(&link, source.allow_private).await?;
        match run
            .http
            .get(&link, source.allow_private, None, PAGE_ACCEPT)
            .await?
        {
            Fetched::Full(response) => Ok(response),
            Fetched::NotModified => Err(FetchFailure::Other(
                "a 304 to an unconditional request".into(),
            )),
        }
    }
    .await;
    let result = fetched.and_then(|response| {
        let html = http::decode_page(&response.body, response.content_type.as_deref());
        let answered = feed::canonical_url(&response.url);
        let meta = inbox::PageMeta {
            source: name,
            url: &answered,
            fetched_from: &response.url,
            published: item.published,
            fetched_at: run.now,
        };
        let path = inbox::write_page(&run.inbox, &item.key, &html, &meta).map_err(|e| {
            FetchFailure::Other(format!("cannot write into {}: {e}", run.inbox.display()))
        })?;
        record_saved(run, &item.key, Some(link.as_str()), name, &path)?;
        Ok(path)
    });
    match result {
        Ok(path) => ItemOutcome::Saved(path),
        Err(why) => {
            let stamp = run.stamp();
            let tries = run
                .ledger(|l| {
                    l.record_item_failed(
                        &item.key,
                        Some(link.as_str()),
                        name,
                        &why.to_string(),
                        &stamp,
                    )
                })
                .unwrap_or(attempts + 1);
            // Nothing lost: after enough failed runs the feed's own text is saved.
            if tries >= run.fetch.page_attempts && item.words > 0 {
                if let Ok(path) = save_item(run, name, feed_url, &item) {
                    return ItemOutcome::Fallback(path, link.to_string());
                }
            }
            ItemOutcome::Failed(link.to_string(), why)
        }
    }
}
