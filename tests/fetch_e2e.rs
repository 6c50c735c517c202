//! `newsletter fetch` against a real HTTP server on loopback: feeds of every
//! kind and a page saved once with their full text, 304s the second time, only
//! a new item fetched the third; faults reported with their URL while the
//! other sources still arrive; `run --now` on a config of one source.

use std::path::{Path, PathBuf};

mod common;
#[path = "common/feed_server.rs"]
mod feed_server;

use common::cli::run_cli;
use feed_server::FeedServer;

/// Distinct stories, each a few paragraphs, so clean keeps them apart.
const SOLAR: [&str; 3] = [
    "Solar farms across southern Spain produced more electricity than gas-fired plants for the first time in November, according to figures published by the national grid operator on Monday.",
    "The operator said photovoltaic output reached 4.1 terawatt hours over the month, helped by an unusually dry autumn and by 2.3 gigawatts of new capacity connected since the summer.",
    "Analysts cautioned that the comparison flatters solar because several combined-cycle plants were offline for maintenance, but said the trend toward daytime surpluses was now unmistakable.",
];
const GRID: [&str; 3] = [
    "Germany's four transmission operators have asked the regulator to approve a faster schedule for the high-voltage lines that carry northern wind power to factories in Bavaria.",
    "Under the proposal, the first underground cable of the corridor would enter service in 2027 rather than 2028, saving consumers an estimated 900 million euros in redispatch costs.",
    "Farmers' groups along the route said they would challenge the plan in court unless compensation for lost harvests during construction was raised to the level promised two years ago.",
];
const STORAGE: [&str; 3] = [
    "A consortium of Dutch pension funds has agreed to finance the largest battery storage park in the Netherlands, a 600 megawatt installation beside a former coal station near Rotterdam.",
    "The batteries will charge when offshore wind output is high and discharge in the evening peak, when wholesale prices have regularly exceeded 250 euros per megawatt hour this year.",
    "Construction is due to begin in the spring, and the developer expects the first half of the park to trade in the balancing market before the end of next winter.",
];
const HYDROGEN: [&str; 3] = [
    "Norway's state-backed hydrogen venture has postponed a final investment decision on its electrolysis plant in the far north after failing to secure long-term buyers for the fuel.",
    "Executives told investors that steelmakers and fertiliser producers were unwilling to sign contracts at prices that would cover the plant's costs without a larger public subsidy.",
    "The company will keep its engineering team together for another year while it lobbies the government for a contract-for-difference scheme modelled on the one used for offshore wind.",
];
const NUCLEAR: [&str; 3] = [
    "Sweden's parliament has voted to guarantee loans for up to four new reactors, reversing decades of policy that had aimed to phase out nuclear power by the middle of the century.",
    "The guarantees cover construction risk and are meant to lower the cost of capital, which ministers described as the single largest obstacle to building reactors on time and on budget.",
    "Opposition members warned that taxpayers could face large bills if the projects overrun, pointing to delays at recent European reactor builds in Finland, France and Britain.",
];
const REFINERY: [&str; 3] = [
    "Italy's largest refinery will cut crude processing by a fifth from January after losing access to discounted supplies that had kept the plant profitable through the past two years.",
    "The owner said margins for diesel and jet fuel had fallen sharply since the autumn, as new capacity in the Middle East and Asia sent more cargoes into Mediterranean markets.",
    "Unions have called a meeting with the regional government to discuss the hundreds of jobs that depend on the site, which also supplies steam and power to a neighbouring chemicals plant.",
];
const COAL: [&str; 3] = [
    "Poland's coal miners agreed a wage deal with the state holding company late on Friday, ending a strike that had halted output at six pits for nearly two weeks.",
    "The agreement raises pay by seven percent and keeps the schedule for closing the last mines in the 2040s, a timetable the government is under pressure from Brussels to shorten.",
    "Power companies had drawn down coal stocks at their plants during the strike, and traders said imports through the Baltic ports rose to their highest level since the spring.",
];
const WIRE: [&str; 4] = [
    "Brent crude rose above 84 dollars a barrel on Wednesday after the producer group said it would extend its output cuts through the first quarter, surprising traders who had expected a gradual increase.",
    "Delegates said the decision was taken to prevent a build-up of inventories during the seasonally weak months, when refinery maintenance reduces demand for crude across Asia and Europe.",
    "The group also said it would review the market again in March and stood ready to act further if prices weakened, a phrase analysts read as a sign that more cuts were possible.",
    "Shares in European oil companies rose in early trading, while airlines fell on concern that higher jet fuel costs would erode the profits they had expected from a busy winter season.",
];

fn page(title: &str, paragraphs: &[&str], extra_head: &str) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><title>{title}</title>{extra_head}</head>\n<body>\
         <nav><a href=\"/\">Home</a> | <a href=\"/markets\">Markets</a></nav>\n\
         <article><h1>{title}</h1>\n{body}</article>\n<footer>Example News Ltd</footer></body></html>\n"
    )
}

fn rss_item(server: &FeedServer, guid: &str, title: &str, path: &str, lead: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
         <link>{}?utm_source=rss&amp;utm_medium=feed</link>\
         <pubDate>Mon, 30 Nov 2026 06:00:00 GMT</pubDate>\
         <description>{lead}</description></item>\n",
        server.url(path)
    )
}

fn rss(server: &FeedServer, with_storage: bool) -> String {
    let mut items = rss_item(
        server,
        "solar-1",
        "Solar beats gas in Spain",
        "/articles/solar.html",
        "Solar output beat gas for the first time.",
    );
    items += &rss_item(
        server,
        "grid-1",
        "German grid corridor sped up",
        "/articles/grid.html",
        "Operators want the corridor sooner.",
    );
    if with_storage {
        items += &rss_item(
            server,
            "storage-1",
            "Dutch funds back battery park",
            "/articles/storage.html",
            "Pension funds finance a battery park.",
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Power Wire</title>\
         <link>{}</link><description>Power news</description>\n{items}</channel></rss>\n",
        server.url("/")
    )
}

/// Long enough (150 words and more) to be taken from the feed as it is.
fn long_html(paragraphs: &[&str]) -> String {
    let mut all = paragraphs.to_vec();
    all.extend_from_slice(paragraphs);
    all.iter().map(|p| format!("<p>{p}</p>")).collect()
}

fn atom(server: &FeedServer) -> String {
    let content = long_html(&HYDROGEN)
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>North Energy</title><id>urn:north:feed</id><updated>2026-11-30T08:00:00Z</updated>\
         <entry><id>urn:north:hydrogen-1</id><title>Hydrogen plant postponed</title>\
         <link href=\"{}\"/><updated>2026-11-30T08:00:00Z</updated>\
         <content type=\"html\">{content}</content></entry></feed>\n",
        server.url("/atom/hydrogen")
    )
}

fn json_feed(server: &FeedServer) -> String {
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Nordic Power Journal",
        "items": [{
            "id": "nuclear-1",
            "url": server.url("/json/nuclear"),
            "title": "Sweden backs new reactors",
            "date_published": "2026-11-30T09:00:00Z",
            "content_html": long_html(&NUCLEAR),
        }]
    })
    .to_string()
}

fn serve_good(server: &FeedServer) {
    server.put(
        "/robots.txt",
        "text/plain",
        "User-agent: *\nDisallow: /private/\n",
    );
    server.put("/rss.xml", "application/rss+xml", rss(server, false));
    server.put("/atom.xml", "application/atom+xml", atom(server));
    server.put("/feed.json", "application/feed+json", json_feed(server));
    server.put(
        "/articles/solar.html",
        "text/html; charset=utf-8",
        page("Solar beats gas in Spain", &SOLAR, ""),
    );
    server.put(
        "/articles/grid.html",
        "text/html; charset=utf-8",
        page("German grid corridor sped up", &GRID, ""),
    );
    server.put(
        "/articles/storage.html",
        "text/html; charset=utf-8",
        page("Dutch funds back battery park", &STORAGE, ""),
    );
    server.put(
        "/pages/refinery.html",
        "text/html",
        page(
            "Italian refinery cuts runs",
            &REFINERY,
            "<meta property=\"article:published_time\" content=\"2026-11-29T10:00:00Z\">",
        ),
    );
}

fn project(sources: &str, fetch: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[newsletter]\nname = \"Test Wire\"\nbase_url = \"https://news.example\"\n\n[fetch]\n{fetch}\n\n{sources}"),
    )
    .unwrap();
    (dir, config)
}

fn source(name: &str, url: &str, kind: &str) -> String {
    format!("[[sources]]\nname = \"{name}\"\nurl = \"{url}\"\nkind = \"{kind}\"\nallow_private = true\n\n")
}

fn inbox_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("content/inbox"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn stdout(out: &std::process::Output) -> String {
    format!(
        "{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The cleaned articles of the inbox, as `clean --format json` prints them.
fn cleaned(config: &Path, root: &Path) -> Vec<serde_json::Value> {
    let files: Vec<String> = inbox_files(root)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["clean", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = run_cli(config, &args);
    assert!(out.status.success(), "{}", stdout(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn article<'a>(articles: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    articles
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no article {title:?} in {articles:#?}"))
}

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
    assert_eq!(articles.len(), 3, "{articles:#?}");
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
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        source("Power Wire", &server.url("/rss.xml"), "auto"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("subscribers.csv"),
        "email,name\nreader@example.com,Reader\n",
    )
    .unwrap();
    let out = run_cli(&config, &["run", "--now"]);
    let shown = stdout(&out);
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
