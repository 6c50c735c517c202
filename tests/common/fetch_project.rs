//! The fetch tests' project: sample stories (written for these tests),
//! the feeds and pages that carry them on a [`FeedServer`], a config of
//! sources, and readers for what landed in the inbox.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::common::cli::run_cli;
use crate::feed_server::FeedServer;

/// Distinct stories, each a few paragraphs, so clean keeps them apart.
pub const SOLAR: [&str; 3] = [
    "Solar farms across southern Spain produced more electricity than gas-fired plants for the first time in November, according to figures published by the national grid operator on Monday.",
    "The operator said photovoltaic output reached 4.1 terawatt hours over the month, helped by an unusually dry autumn and by 2.3 gigawatts of new capacity connected since the summer.",
    "Analysts cautioned that the comparison flatters solar because several combined-cycle plants were offline for maintenance, but said the trend toward daytime surpluses was now unmistakable.",
];
pub const GRID: [&str; 3] = [
    "Germany's four transmission operators have asked the regulator to approve a faster schedule for the high-voltage lines that carry northern wind power to factories in Bavaria.",
    "Under the proposal, the first underground cable of the corridor would enter service in 2027 rather than 2028, saving consumers an estimated 900 million euros in redispatch costs.",
    "Farmers' groups along the route said they would challenge the plan in court unless compensation for lost harvests during construction was raised to the level promised two years ago.",
];
pub const STORAGE: [&str; 3] = [
    "A consortium of Dutch pension funds has agreed to finance the largest battery storage park in the Netherlands, a 600 megawatt installation beside a former coal station near Rotterdam.",
    "The batteries will charge when offshore wind output is high and discharge in the evening peak, when wholesale prices have regularly exceeded 250 euros per megawatt hour this year.",
    "Construction is due to begin in the spring, and the developer expects the first half of the park to trade in the balancing market before the end of next winter.",
];
pub const HYDROGEN: [&str; 3] = [
    "Norway's state-backed hydrogen venture has postponed a final investment decision on its electrolysis plant in the far north after failing to secure long-term buyers for the fuel.",
    "Executives told investors that steelmakers and fertiliser producers were unwilling to sign contracts at prices that would cover the plant's costs without a larger public subsidy.",
    "The company will keep its engineering team together for another year while it lobbies the government for a contract-for-difference scheme modelled on the one used for offshore wind.",
];
pub const NUCLEAR: [&str; 3] = [
    "Sweden's parliament has voted to guarantee loans for up to four new reactors, reversing decades of policy that had aimed to phase out nuclear power by the middle of the century.",
    "The guarantees cover construction risk and are meant to lower the cost of capital, which ministers described as the single largest obstacle to building reactors on time and on budget.",
    "Opposition members warned that taxpayers could face large bills if the projects overrun, pointing to delays at recent European reactor builds in Finland, France and Britain.",
];
pub const REFINERY: [&str; 3] = [
    "Italy's largest refinery will cut crude processing by a fifth from January after losing access to discounted supplies that had kept the plant profitable through the past two years.",
    "The owner said margins for diesel and jet fuel had fallen sharply since the autumn, as new capacity in the Middle East and Asia sent more cargoes into Mediterranean markets.",
    "Unions have called a meeting with the regional government to discuss the hundreds of jobs that depend on the site, which also supplies steam and power to a neighbouring chemicals plant.",
];
pub const COAL: [&str; 3] = [
    "Poland's coal miners agreed a wage deal with the state holding company late on Friday, ending a strike that had halted output at six pits for nearly two weeks.",
    "The agreement raises pay by seven percent and keeps the schedule for closing the last mines in the 2040s, a timetable the government is under pressure from Brussels to shorten.",
    "Power companies had drawn down coal stocks at their plants during the strike, and traders said imports through the Baltic ports rose to their highest level since the spring.",
];
pub const WIRE: [&str; 4] = [
    "Brent crude rose above 84 dollars a barrel on Wednesday after the producer group said it would extend its output cuts through the first quarter, surprising traders who had expected a gradual increase.",
    "Delegates said the decision was taken to prevent a build-up of inventories during the seasonally weak months, when refinery maintenance reduces demand for crude across Asia and Europe.",
    "The group also said it would review the market again in March and stood ready to act further if prices weakened, a phrase analysts read as a sign that more cuts were possible.",
    "Shares in European oil companies rose in early trading, while airlines fell on concern that higher jet fuel costs would erode the profits they had expected from a busy winter season.",
];

pub fn page(title: &str, paragraphs: &[&str], extra_head: &str) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><title>{title}</title>{extra_head}</head>\n<body>\
         <nav><a href=\"/\">Home</a> | <a href=\"/markets\">Markets</a></nav>\n\
         <article><h1>{title}</h1>\n{body}</article>\n<footer>Example News Ltd</footer></body></html>\n"
    )
}

pub fn rss_item(server: &FeedServer, guid: &str, title: &str, path: &str, lead: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
         <link>{}?utm_source=rss&amp;utm_medium=feed</link>\
         <pubDate>Mon, 30 Nov 2026 06:00:00 GMT</pubDate>\
         <description>{lead}</description></item>\n",
        server.url(path)
    )
}

pub fn rss(server: &FeedServer, with_storage: bool) -> String {
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
pub fn long_html(paragraphs: &[&str]) -> String {
    let mut all = paragraphs.to_vec();
    all.extend_from_slice(paragraphs);
    all.iter().map(|p| format!("<p>{p}</p>")).collect()
}

pub fn atom(server: &FeedServer) -> String {
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

pub fn json_feed(server: &FeedServer) -> String {
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

pub fn serve_good(server: &FeedServer) {
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

pub fn project(sources: &str, fetch: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[newsletter]\nname = \"Test Wire\"\nbase_url = \"https://news.example\"\n\n[fetch]\n{fetch}\n\n{sources}"),
    )
    .unwrap();
    (dir, config)
}

pub fn source(name: &str, url: &str, kind: &str) -> String {
    format!("[[sources]]\nname = \"{name}\"\nurl = \"{url}\"\nkind = \"{kind}\"\nallow_private = true\n\n")
}

pub fn inbox_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("content/inbox"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

pub fn stdout(out: &std::process::Output) -> String {
    format!(
        "{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The cleaned articles of the inbox, as `clean --format json` prints them.
pub fn cleaned(config: &Path, root: &Path) -> Vec<serde_json::Value> {
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

pub fn article<'a>(articles: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    articles
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no article {title:?} in {articles:#?}"))
}

/// `run --now` on a project whose config is only `sources` and whose list
/// has one reader; returns the project, the output and its text.
pub fn run_now_with_sources(sources: &str) -> (tempfile::TempDir, std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, sources).unwrap();
    std::fs::write(
        dir.path().join("subscribers.csv"),
        "email,name\nreader@example.com,Reader\n",
    )
    .unwrap();
    let out = run_cli(&config, &["run", "--now"]);
    let shown = stdout(&out);
    (dir, out, shown)
}
