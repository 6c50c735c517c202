//! `newsletter fetch` when things go wrong, against real servers on
//! loopback: 404, a server that never answers, 50 MB, a redirect loop, not a
//! feed, windows-1252, robots.txt, private addresses, a page that keeps
//! failing; and the per-host and overall request limits.

mod common;
#[path = "common/feed_server.rs"]
mod feed_server;
#[path = "common/fetch_project.rs"]
mod fetch_project;

use common::cli::run_cli;
use feed_server::FeedServer;
use fetch_project::*;

#[test]
fn faults_are_reported_with_their_url_and_the_other_sources_still_arrive() {
    let server = FeedServer::start();
    serve_good(&server);
    server.put(
        "/not-a-feed",
        "text/html",
        "<!DOCTYPE html><html><body><p>Moved to our app.</p></body></html>",
    );
    let mut cp1252 = b"<!DOCTYPE html><html><head><meta charset=\"windows-1252\"><title>Polish miners end strike</title></head><body><article><h1>Polish miners end strike</h1>".to_vec();
    for p in COAL {
        cp1252.extend_from_slice(b"<p>");
        cp1252.extend(p.bytes());
        cp1252.extend_from_slice(b"</p>");
    }
    cp1252.extend_from_slice(b"<p>\x93We are caf\xe9 owners too,\x94 one miner said \x96 and laughed.</p></article></body></html>");
    server.put("/coal.html", "text/html", cp1252);
    let huge = feed_server::start_huge(50);
    let sources = [
        source("Missing", &server.url("/missing.xml"), "auto"),
        source("Silent", &server.url("/hang"), "feed"),
        source("Huge", &format!("http://{huge}/feed.xml"), "feed"),
        source("Loop", &server.url("/loop-a"), "feed"),
        source("Not XML", &server.url("/not-a-feed"), "feed"),
        source("Coal page", &server.url("/coal.html"), "page"),
        source("Power Wire", &server.url("/rss.xml"), "feed"),
        source("Private", &server.url("/private/secret.html"), "page"),
        source("Moved", &server.url("/moved"), "page"),
    ]
    .concat();
    let (dir, config) = project(
        &sources,
        "timeout_secs = 2\nconnect_timeout_secs = 2\nmax_bytes = 2000000\n",
    );
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    let line = |name: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("no line for {name}: {shown}"))
            .to_string()
    };
    assert!(
        line("Missing").contains(&server.url("/missing.xml"))
            && line("Missing").contains("HTTP status 404"),
        "{shown}"
    );
    assert!(
        line("Silent").contains(&server.url("/hang")) && line("Silent").contains("timeout"),
        "{shown}"
    );
    assert!(
        line("Huge").contains(&huge.to_string()) && line("Huge").contains("too large"),
        "{shown}"
    );
    assert!(
        line("Loop").contains(&server.url("/loop-a")) && line("Loop").contains("redirect loop"),
        "{shown}"
    );
    assert!(
        line("Not XML").contains(&server.url("/not-a-feed"))
            && line("Not XML").contains("not a feed"),
        "{shown}"
    );
    assert!(line("Private").contains("robots.txt"), "{shown}");
    assert!(line("Power Wire").contains("2 new"), "{shown}");
    assert!(line("Coal page").contains("1 new"), "{shown}");

    // The windows-1252 page arrives as UTF-8 with its quotes and accents.
    let articles = cleaned(&config, dir.path());
    let coal = article(&articles, "Polish miners end strike");
    let body = coal["body"].as_str().unwrap();
    assert!(
        body.contains(
            "\u{201c}We are café owners too,\u{201d} one miner said \u{2013} and laughed."
        ),
        "{body}"
    );
    // A redirect is followed; the page is linked where it answered.
    let moved = article(&articles, "Italian refinery cuts runs");
    assert_eq!(moved["url"], server.url("/pages/refinery.html"));
    assert_eq!(articles.len(), 4, "{articles:#?}");
}

#[test]
fn private_addresses_are_refused_unless_the_source_allows_them() {
    let server = FeedServer::start();
    serve_good(&server);
    let by_name = server.url("/rss.xml").replace("127.0.0.1", "localhost");
    let sources = format!(
        "[[sources]]\nname = \"Literal\"\nurl = \"{}\"\n\n[[sources]]\nname = \"Named\"\nurl = \"{by_name}\"\n\n",
        server.url("/rss.xml")
    );
    let (dir, config) = project(&sources, "");
    let out = run_cli(&config, &["fetch"]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert_eq!(shown.matches("refused:").count(), 2, "{shown}");
    assert!(shown.contains("allow_private"), "{shown}");
    assert!(
        server.log().is_empty(),
        "a refused source reached the server"
    );
    assert!(inbox_files(dir.path()).is_empty());
}

/// Two slow servers, four excerpt items each: never two requests at once to
/// one host, never more in flight overall than [fetch] concurrency.
#[test]
fn requests_stay_within_one_per_host_and_the_overall_limit() {
    for (concurrency, overall) in [(8, 2), (1, 1)] {
        let shared = std::sync::Arc::new(feed_server::Gauge::default());
        let servers: Vec<FeedServer> = (0..2)
            .map(|_| FeedServer::start_slow(30, Some(std::sync::Arc::clone(&shared))))
            .collect();
        let mut sources = String::new();
        for (n, server) in servers.iter().enumerate() {
            let mut items = String::new();
            for (i, (title, text)) in [
                ("Solar", SOLAR),
                ("Grid", GRID),
                ("Storage", STORAGE),
                ("Coal", COAL),
            ]
            .into_iter()
            .enumerate()
            {
                let path = format!("/s{n}/{i}.html");
                server.put(&path, "text/html", page(&format!("{title} {n}"), &text, ""));
                items += &rss_item(server, &format!("{n}-{i}"), title, &path, "Short.");
            }
            server.put(
                "/rss.xml",
                "application/rss+xml",
                format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>S{n}</title>{items}</channel></rss>"),
            );
            sources += &source(&format!("Server {n}"), &server.url("/rss.xml"), "feed");
        }
        let (dir, config) = project(&sources, &format!("concurrency = {concurrency}"));
        let out = run_cli(&config, &["fetch"]);
        assert!(out.status.success(), "{}", stdout(&out));
        assert_eq!(inbox_files(dir.path()).len(), 8);
        for server in &servers {
            assert_eq!(
                server.max_in_flight(),
                1,
                "two requests at once to one host"
            );
        }
        assert!(
            shared.max() <= overall,
            "{} in flight with concurrency {concurrency}",
            shared.max()
        );
    }
}

/// A page that keeps failing is not lost: after `page_attempts` runs the
/// feed's own text is saved, once.
#[test]
fn an_item_whose_page_keeps_failing_is_saved_from_the_feed_text() {
    let server = FeedServer::start();
    serve_good(&server);
    let lead = "Operators want the corridor sooner, and farmers object to the route.";
    server.put(
        "/rss.xml",
        "application/rss+xml",
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Power Wire</title>{}</channel></rss>",
            rss_item(&server, "grid-gone", "German grid corridor sped up", "/gone.html", lead)
        ),
    );
    let (dir, config) = project(
        &source("Power Wire", &server.url("/rss.xml"), "feed"),
        "page_attempts = 2",
    );
    let first = run_cli(&config, &["fetch"]);
    assert_eq!(first.status.code(), Some(1), "{}", stdout(&first));
    assert!(inbox_files(dir.path()).is_empty());
    let second = run_cli(&config, &["fetch"]);
    let shown = stdout(&second);
    assert!(second.status.success(), "{shown}");
    assert!(
        shown.contains("saved the feed's own text instead"),
        "{shown}"
    );
    assert_eq!(inbox_files(dir.path()).len(), 1);
    let articles = cleaned(&config, dir.path());
    assert_eq!(
        article(&articles, "German grid corridor sped up")["body"],
        lead
    );
    let third = run_cli(&config, &["fetch"]);
    assert!(third.status.success(), "{}", stdout(&third));
    assert_eq!(
        server.hits("/gone.html").len(),
        2,
        "a saved item is not fetched again"
    );
    assert_eq!(inbox_files(dir.path()).len(), 1);
}

/// A source that fails never stops the issue: `run` warns and goes on.
#[test]
fn run_goes_on_when_a_source_fails() {
    let server = FeedServer::start();
    serve_good(&server);
    let sources = [
        source("Gone", &server.url("/gone.xml"), "feed"),
        source("Power Wire", &server.url("/rss.xml"), "feed"),
    ]
    .concat();
    let (dir, out, shown) = run_now_with_sources(&sources);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&server.url("/gone.xml")) && shown.contains("HTTP status 404"),
        "the failure is reported: {shown}"
    );
    let issue = std::fs::read_to_string(dir.path().join("dist/issues/001/email.html")).unwrap();
    assert!(issue.contains("Solar beats gas in Spain"));
}
