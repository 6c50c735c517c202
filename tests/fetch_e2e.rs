//! `newsletter fetch` against a real HTTP server on loopback: feeds of every
//! kind and a page saved once with their full text, 304s the second time, only
//! a new item fetched the third; a failed page retried; a wire story from two
//! sources kept once; a gzip-encoded feed; `run --now` on a config of one source.

mod common;
#[path = "common/feed_server.rs"]
mod feed_server;
#[path = "common/fetch_project.rs"]
mod fetch_project;

use common::cli::run_cli;
use feed_server::FeedServer;
use fetch_project::*;

#[test]
fn feeds_and_pages_are_saved_once_then_cost_a_304_and_only_new_items_are_fetched() {
    let server = FeedServer::start();
    serve_good(&server);
    let sources = [
        source("Power Wire", &server.url("/rss.xml"), "feed"),
        source("North Energy", &server.url("/atom.xml"), "auto"),
        source("Nordic Power Journal", &server.url("/feed.json"), "auto"),
        source("Refinery page", &server.url("/pages/refinery.html"), "page"),
    ]
    .concat();
    let (dir, config) = project(&sources, "");

    // First fetch: every article, the RSS excerpts replaced by their pages.
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&format!("Power Wire ({}): 2 new", server.url("/rss.xml"))),
        "{shown}"
    );
    assert!(
        shown.contains("North Energy") && shown.contains("Refinery page"),
        "{shown}"
    );
    let files = inbox_files(dir.path());
    assert_eq!(files.len(), 5, "{files:?}");
    let ua = server.hits("/rss.xml")[0]
        .user_agent
        .clone()
        .unwrap_or_default();
    assert!(
        ua.contains("Test Wire") && ua.contains("https://news.example"),
        "{ua}"
    );
    // Pages were asked for without the tracking parameters, once each.
    assert_eq!(server.hits("/articles/solar.html").len(), 1);
    assert_eq!(server.hits("/articles/grid.html").len(), 1);
    // The Atom and JSON items were long enough: their links were not fetched.
    assert!(server.hits("/atom/hydrogen").is_empty() && server.hits("/json/nuclear").is_empty());

    let articles = cleaned(&config, dir.path());
    assert_eq!(articles.len(), 5, "{articles:#?}");
    let solar = article(&articles, "Solar beats gas in Spain");
    let body = solar["body"].as_str().unwrap();
    assert!(
        body.contains("4.1 terawatt hours") && body.contains("daytime surpluses"),
        "the full page text: {body}"
    );
    assert_eq!(solar["url"], server.url("/articles/solar.html"));
    assert_eq!(solar["source"], "Power Wire");
    assert!(
        solar["published"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2026-11-30"),
        "{solar}"
    );
    let hydrogen = article(&articles, "Hydrogen plant postponed");
    assert_eq!(hydrogen["source"], "North Energy");
    assert!(hydrogen["body"]
        .as_str()
        .unwrap()
        .contains("contract-for-difference"));
    let nuclear = article(&articles, "Sweden backs new reactors");
    assert_eq!(nuclear["url"], server.url("/json/nuclear"));
    let refinery = article(&articles, "Italian refinery cuts runs");
    assert_eq!(refinery["url"], server.url("/pages/refinery.html"));
    assert!(refinery["body"]
        .as_str()
        .unwrap()
        .contains("Mediterranean markets"));

    // Second fetch: conditional requests, 304s, nothing saved.
    server.clear_log();
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}");
    assert_eq!(shown.matches("unchanged (304)").count(), 4, "{shown}");
    for path in ["/rss.xml", "/atom.xml", "/feed.json"] {
        let hits = server.hits(path);
        assert_eq!(hits.len(), 1, "{path}");
        assert!(
            hits[0].if_none_match.is_some(),
            "{path} was not asked conditionally"
        );
    }
    assert!(
        server.hits("/pages/refinery.html")[0]
            .if_modified_since
            .is_some()
            || server.hits("/pages/refinery.html")[0]
                .if_none_match
                .is_some()
    );
    assert_eq!(inbox_files(dir.path()), files, "a 304 run wrote files");
    assert!(server.hits("/articles/solar.html").is_empty());

    // A new item: only its page is fetched, only it is saved.
    server.put("/rss.xml", "application/rss+xml", rss(&server, true));
    server.clear_log();
    let out = run_cli(&config, &["fetch", "--source", "Power Wire"]);
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("1 new, 2 already seen"), "{shown}");
    let pages: Vec<String> = server
        .log()
        .into_iter()
        .map(|s| s.path)
        .filter(|p| p.starts_with("/articles/"))
        .collect();
    assert_eq!(pages, ["/articles/storage.html"]);
    assert!(
        server.hits("/atom.xml").is_empty(),
        "--source fetched another source"
    );
    assert_eq!(inbox_files(dir.path()).len(), 6);
    let articles = cleaned(&config, dir.path());
    assert!(article(&articles, "Dutch funds back battery park")["body"]
        .as_str()
        .unwrap()
        .contains("balancing market"));

    // An unknown --source is bad input.
    let out = run_cli(&config, &["fetch", "--source", "Nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

#[test]
fn a_failed_page_is_retried_next_run_and_a_wire_story_from_two_sources_is_kept_once() {
    let server = FeedServer::start();
    serve_good(&server);
    // The grid page is down for the first run.
    server.put(
        "/rss.xml",
        "application/rss+xml",
        rss(&server, false).replace("/articles/grid.html", "/articles/grid-later.html"),
    );
    let wire = |outlet: &str, lead: &str| {
        let mut paragraphs = vec![lead];
        paragraphs.extend_from_slice(&WIRE);
        serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": outlet,
            "items": [{"id": format!("{outlet}-opec"), "url": format!("https://{outlet}.example/opec"),
                       "title": "Producers extend output cuts", "content_html": long_html(&paragraphs)}]
        })
        .to_string()
    };
    server.put(
        "/wire-a.json",
        "application/feed+json",
        wire("alpha", "LONDON (Alpha Wire) - Oil prices climbed."),
    );
    server.put(
        "/wire-b.json",
        "application/feed+json",
        wire("beta", "From our markets desk."),
    );
    let sources = [
        source("Power Wire", &server.url("/rss.xml"), "feed"),
        source("Alpha", &server.url("/wire-a.json"), "feed"),
        source("Beta", &server.url("/wire-b.json"), "feed"),
    ]
    .concat();
    let (dir, config) = project(&sources, "");
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(&format!(
            "{}: failed: HTTP status 404; tried again next run",
            server.url("/articles/grid-later.html")
        )),
        "{shown}"
    );
    assert_eq!(
        inbox_files(dir.path()).len(),
        3,
        "solar and the two wire copies"
    );

    // The page is back: the next run fetches it (and only it).
    server.put(
        "/articles/grid-later.html",
        "text/html",
        page("German grid corridor sped up", &GRID, ""),
    );
    server.clear_log();
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        server.hits("/rss.xml")[0].if_none_match.is_none(),
        "a feed with a failed item must be fetched in full again"
    );
    assert!(
        shown.contains("Power Wire") && shown.contains("1 new, 1 already seen"),
        "{shown}"
    );
    assert!(server.hits("/articles/solar.html").is_empty());
    assert_eq!(inbox_files(dir.path()).len(), 4);

    // clean merges the wire story the two outlets carried.
    let articles = cleaned(&config, dir.path());
    let copies: Vec<_> = articles
        .iter()
        .filter(|a| a["title"] == "Producers extend output cuts")
        .collect();
    assert_eq!(copies.len(), 1, "{articles:#?}");
    assert!(
        copies[0]["also_in"]
            .as_array()
            .is_some_and(|a| a.len() == 1),
        "{:#?}",
        copies[0]
    );
}

#[test]
fn run_now_on_a_config_of_one_loopback_source_makes_an_issue_of_its_articles() {
    let server = FeedServer::start();
    serve_good(&server);
    let (dir, out, shown) =
        run_now_with_sources(&source("Power Wire", &server.url("/rss.xml"), "auto"));
    assert!(out.status.success(), "{shown}");
    let issue = std::fs::read_to_string(dir.path().join("dist/issues/001/email.html")).unwrap();
    assert!(issue.contains("Solar beats gas in Spain"), "{issue}");
    assert!(issue.contains("German grid corridor sped up"), "{issue}");
    let outbox: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .collect();
    assert_eq!(outbox.len(), 1, "one reader, one message");
}

#[test]
fn a_gzip_encoded_feed_is_decoded() {
    let server = FeedServer::start();
    serve_good(&server);
    server.put_gzip("/feed.json", "application/feed+json", json_feed(&server));
    let (dir, config) = project(
        &source("Nordic Power Journal", &server.url("/feed.json"), "auto"),
        "",
    );
    let out = run_cli(&config, &["fetch"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let asked = server.hits("/feed.json")[0]
        .accept_encoding
        .clone()
        .unwrap_or_default();
    assert!(asked.contains("gzip") && asked.contains("br"), "{asked}");
    let articles = cleaned(&config, dir.path());
    assert!(article(&articles, "Sweden backs new reactors")["body"]
        .as_str()
        .unwrap()
        .contains("cost of capital"));
}
