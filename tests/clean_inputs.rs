//! Every input form a user has, through `ingest::ingest_files`, and the bad
//! inputs that must be reported and skipped while the rest go through.

use std::path::{Path, PathBuf};

use newsletter::clean::{self, CleanArticle};
use newsletter::ingest::{self, InputKind};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const STORY: &[&str] = &[
    "Norway's grid operator said on Monday that it would curb power exports to Denmark and Germany for three weeks while it repairs a damaged subsea cable.",
    "The cut, which takes 1.4 gigawatts off the interconnectors, comes as reservoir levels in the south of the country sit at their lowest for the time of year since 2010.",
    "“We have no choice but to keep the water for the winter,” said Ingrid Vold, the operator's head of system operations. “Exports will resume once the cable is back.”",
    "German day-ahead prices rose 6 per cent on the news, traders said.",
];

fn page() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head>
<title>Norway curbs power exports after cable fault | Nordic Power Daily</title>
<meta property="og:site_name" content="Nordic Power Daily">
<meta property="og:title" content="Norway curbs power exports after cable fault">
<meta name="author" content="Lars Berg">
<meta property="article:published_time" content="2025-03-04T08:15:00+01:00">
<link rel="canonical" href="https://power.example.com/2025/03/norway-exports">
<script>window.ads = [1,2,3];</script>
<style>body {{ font-family: serif }}</style>
</head><body>
<header><nav><a href="/">Home</a> <a href="/markets">Markets</a> <a href="/policy">Policy</a> <a href="/about">About us</a></nav></header>
<div class="ad-slot">Advertisement</div>
<main><article>
<h1>Norway curbs power exports after cable fault</h1>
<p class="byline">By Lars Berg</p>
<p>{}</p>
<p>{}</p>
<div class="share">Share this article</div>
<p>{}</p>
<figure><img src="cable.jpg"><figcaption>Photograph: Ola Dahl/Reuters</figcaption></figure>
<p>{}</p>
<p>Reporting by Lars Berg; Editing by Anne Moe</p>
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Gas storage hits record</a></li><li><a href="/b">Why wind farms pause in storms</a></li></ul></aside>
<footer><p>© 2025 Nordic Power Daily. All rights reserved.</p><p>We use cookies to improve your experience. Accept all cookies.</p></footer>
</body></html>"#,
        STORY[0], STORY[1], STORY[2], STORY[3]
    )
}

#[test]
fn html_page_yields_the_story_and_its_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "norway.html", page().as_bytes());
    let got = ingest::ingest_files(std::slice::from_ref(&path));
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let a = &got.articles[0];
    assert_eq!(a.paragraphs, STORY, "body: {:#?}", a.paragraphs);
    assert_eq!(a.title, "Norway curbs power exports after cable fault");
    assert_eq!(a.source.as_deref(), Some("Nordic Power Daily"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://power.example.com/2025/03/norway-exports")
    );
    assert_eq!(a.author.as_deref(), Some("Lars Berg"));
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-03-04T08:15:00+01:00")
    );
}

#[test]
fn json_ld_supplies_metadata_when_meta_tags_do_not() {
    let html = format!(
        r#"<html><head><title>x</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"Qatar signs LNG deal with Poland","datePublished":"2025-02-11T06:00:00Z","author":{{"@type":"Person","name":"Maya Roth"}},"publisher":{{"@type":"Organization","name":"Gas Weekly"}}}}</script>
</head><body><article><p>{}</p><p>{}</p><p>{}</p></article></body></html>"#,
        STORY[0], STORY[1], STORY[2]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "qatar.html", html.as_bytes());
    let a = &ingest::ingest_files(&[path]).articles[0];
    assert_eq!(a.title, "Qatar signs LNG deal with Poland");
    assert_eq!(a.author.as_deref(), Some("Maya Roth"));
    assert_eq!(a.source.as_deref(), Some("Gas Weekly"));
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-02-11T06:00:00+00:00")
    );
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Grid Wire</title><link>https://grid.example.org</link><description>Power news</description>
<item><title>Spain adds 2GW of solar in a quarter</title><link>https://grid.example.org/spain-solar</link>
<pubDate>Tue, 04 Mar 2025 07:00:00 GMT</pubDate>
<description>Short summary that should not be used.</description>
<content:encoded><![CDATA[<p>Spain connected 2 gigawatts of new solar capacity in the first quarter, the grid operator said.</p><p>Share this article</p><p>Curtailment rose as midday prices fell below zero on 40 days.</p>]]></content:encoded>
</item>
<item><title>Texas grid sets winter record</title><link>https://grid.example.org/texas</link>
<pubDate>Mon, 03 Mar 2025 18:30:00 GMT</pubDate>
<description>&lt;p&gt;ERCOT demand peaked at 80 gigawatts during the cold snap.&lt;/p&gt;</description>
</item>
<item><title>Headline only</title><link>https://grid.example.org/empty</link></item>
</channel></rss>"#;

#[test]
fn rss_feed_gives_one_article_per_item_content_else_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "grid.xml", RSS.as_bytes());
    let got = ingest::ingest_files(&[path]);
    assert_eq!(got.articles.len(), 2, "{:#?}", got.articles);
    let spain = &got.articles[0];
    assert_eq!(spain.title, "Spain adds 2GW of solar in a quarter");
    assert_eq!(
        spain.paragraphs,
        [
            "Spain connected 2 gigawatts of new solar capacity in the first quarter, the grid operator said.",
            "Curtailment rose as midday prices fell below zero on 40 days."
        ]
    );
    assert_eq!(
        spain.url.as_deref(),
        Some("https://grid.example.org/spain-solar")
    );
    assert_eq!(spain.source.as_deref(), Some("Grid Wire"));
    assert_eq!(
        spain.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-03-04T07:00:00+00:00")
    );
    let texas = &got.articles[1];
    assert_eq!(
        texas.paragraphs,
        ["ERCOT demand peaked at 80 gigawatts during the cold snap."]
    );
}

#[test]
fn atom_and_json_feeds_are_read() {
    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Carbon Desk</title><id>urn:x</id><updated>2025-03-01T00:00:00Z</updated>
<entry><title>EU carbon price slips</title><id>urn:1</id><link href="https://carbon.example.net/eua"/>
<published>2025-03-01T09:00:00Z</published><updated>2025-03-01T10:00:00Z</updated>
<content type="html">&lt;p&gt;EU carbon allowances fell 3 per cent to 71 euros a tonne on Friday.&lt;/p&gt;</content></entry></feed>"#;
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Oil Notes","items":[{"id":"1","url":"https://oil.example.com/brent","title":"Brent steadies","content_text":"Brent crude steadied near 80 dollars after two days of losses.","date_published":"2025-03-02T12:00:00Z"}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        write(dir.path(), "carbon.atom", atom.as_bytes()),
        write(dir.path(), "oil.json", json.as_bytes()),
    ];
    let got = ingest::ingest_files(&paths);
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    assert_eq!(got.articles.len(), 2);
    assert_eq!(got.articles[0].title, "EU carbon price slips");
    assert_eq!(
        got.articles[0].url.as_deref(),
        Some("https://carbon.example.net/eua")
    );
    assert_eq!(got.articles[0].source.as_deref(), Some("Carbon Desk"));
    assert_eq!(got.articles[1].title, "Brent steadies");
    assert_eq!(
        got.articles[1].body(),
        "Brent crude steadied near 80 dollars after two days of losses."
    );
}

#[test]
fn markdown_front_matter_toml_and_yaml() {
    let toml_md = "+++\ntitle = \"Hydrogen hub approved\"\nsource = \"Clean Fuel Review\"\nurl = \"https://fuel.example.com/h2\"\npublished = 2025-02-20T09:00:00Z\n+++\n\nThe government approved a hydrogen hub on the Humber.\n\nIt will supply steelworks from 2028.\n";
    let yaml_md = "---\ntitle: 'Coal plant closes'\nauthor: Rui Costa\ndate: 2025-01-31\n---\nPortugal's last coal plant\nshut on Friday.\n\nClick here to subscribe.\n";
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        write(dir.path(), "h2.md", toml_md.as_bytes()),
        write(dir.path(), "coal.md", yaml_md.as_bytes()),
    ];
    let got = ingest::ingest_files(&paths);
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let h2 = &got.articles[0];
    assert_eq!(h2.title, "Hydrogen hub approved");
    assert_eq!(h2.source.as_deref(), Some("Clean Fuel Review"));
    assert_eq!(h2.url.as_deref(), Some("https://fuel.example.com/h2"));
    assert_eq!(
        h2.published.unwrap().to_rfc3339(),
        "2025-02-20T09:00:00+00:00"
    );
    assert_eq!(h2.paragraphs.len(), 2);
    let coal = &got.articles[1];
    assert_eq!(coal.title, "Coal plant closes");
    assert_eq!(coal.author.as_deref(), Some("Rui Costa"));
    // Markdown is taken as already clean: nothing is removed.
    assert_eq!(
        coal.paragraphs,
        [
            "Portugal's last coal plant shut on Friday.",
            "Click here to subscribe."
        ]
    );
}

#[test]
fn kind_by_extension_then_by_content() {
    let p = Path::new;
    assert_eq!(ingest::detect_kind(p("a.html"), b"hello"), InputKind::Html);
    assert_eq!(
        ingest::detect_kind(p("a.md"), b"hello"),
        InputKind::Markdown
    );
    assert_eq!(ingest::detect_kind(p("a.rss"), b"x"), InputKind::Feed);
    assert_eq!(
        ingest::detect_kind(p("a.txt"), b"Oil fell."),
        InputKind::Text
    );
    assert_eq!(
        ingest::detect_kind(p("saved.txt"), b"<!DOCTYPE html><html><body><p>x</p>"),
        InputKind::Html
    );
    assert_eq!(
        ingest::detect_kind(p("noext"), b"<?xml version=\"1.0\"?><rss><channel>"),
        InputKind::Feed
    );
    assert_eq!(
        ingest::detect_kind(p("noext"), b"+++\ntitle='x'\n+++\n"),
        InputKind::Markdown
    );
    // Front matter is found whether or not the text holds a tag or a brace,
    // and after a byte-order mark.
    assert_eq!(
        ingest::detect_kind(
            p("noext"),
            "\u{feff}---\ntitle: x\n---\nA <b>bold</b> {claim}.".as_bytes()
        ),
        InputKind::Markdown
    );
    assert_eq!(
        ingest::detect_kind(p("a.txt"), b"<p>Saved as text.</p>"),
        InputKind::Html
    );
    assert_eq!(ingest::detect_kind(p("a.json"), b"plain"), InputKind::Feed);
}

#[test]
fn bad_files_are_reported_by_name_and_skipped_while_the_rest_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.txt",
        b"Gas storage is full\n\nEurope's gas storage reached 95 per cent on Sunday.\n",
    );
    let empty = write(dir.path(), "empty.txt", b"  \n\n");
    let binary = write(
        dir.path(),
        "photo.txt",
        &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0],
    );
    let latin1 = write(
        dir.path(),
        "latin1.txt",
        b"Oil in S\xe3o Paulo\n\nPetrobras raised output in S\xe3o Paulo state by 4 per cent.\n",
    );
    let not_xml = write(
        dir.path(),
        "broken.xml",
        b"this is not a feed at all, just words",
    );
    let missing = dir.path().join("missing.txt");
    let got = ingest::ingest_files(&[
        good.clone(),
        empty.clone(),
        binary.clone(),
        latin1.clone(),
        not_xml.clone(),
        missing.clone(),
    ]);

    let titles: Vec<&str> = got.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Gas storage is full", "Oil in S\u{fffd}o Paulo"]);
    assert!(got.articles[1].body().contains("Petrobras raised output"));

    let find = |p: &Path| {
        got.problems
            .iter()
            .find(|pr| pr.path == p)
            .unwrap_or_else(|| {
                panic!(
                    "no problem reported for {}: {:?}",
                    p.display(),
                    got.problems
                )
            })
    };
    assert!(find(&empty).skipped && find(&empty).message.contains("empty"));
    assert!(find(&binary).skipped && find(&binary).message.contains("binary"));
    assert!(find(&not_xml).skipped && find(&not_xml).message.contains("feed"));
    assert!(find(&missing).skipped && find(&missing).message.contains("cannot read"));
    let warn = find(&latin1);
    assert!(
        !warn.skipped,
        "invalid UTF-8 is a warning, the file still goes through"
    );
    assert!(warn.message.contains("UTF-8"));
    assert_eq!(warn.line, Some(1));
    assert!(warn
        .to_string()
        .starts_with(&format!("{}:1: ", latin1.display())));
}

#[test]
fn deep_nesting_and_unclosed_tags_do_not_overflow_or_hang() {
    let mut html = String::from("<html><body>");
    for _ in 0..10_000 {
        html.push_str("<div>");
    }
    html.push_str(
        "<p>Deep inside, the wind farm produced a record 1.2 terawatt hours in January.</p>",
    );
    for _ in 0..10_000 {
        html.push_str("</div>");
    }
    html.push_str("</body></html>");
    let a = clean::html::clean(&html, Path::new("deep.html"));
    assert!(a.body().contains("record 1.2 terawatt hours"), "{a:?}");

    let mut spans = String::from("<p>Unclosed spans around the LNG story");
    for _ in 0..10_000 {
        spans.push_str("<span><b><i>");
    }
    spans.push_str(" cargoes rose.");
    let a = clean::html::clean(&spans, Path::new("unclosed.html"));
    assert!(a.body().contains("cargoes rose"), "{a:?}");

    let a = clean::html::clean("<p>Tariffs <b>rose <i>again", Path::new("tiny.html"));
    assert_eq!(a.body(), "Tariffs rose again");
}

fn article(source: &str, title: &str, paragraphs: &[&str]) -> CleanArticle {
    let mut a = CleanArticle::new(
        Path::new(&format!("{source}.txt")),
        title.to_string(),
        paragraphs.iter().map(|p| p.to_string()).collect(),
    );
    a.source = Some(source.to_string());
    a
}

#[test]
fn near_duplicates_keep_the_fullest_and_record_the_other_sources() {
    let wire = article("Wire One", "Norway curbs power exports", &STORY[..3]);
    let full = article(
        "Nordic Power Daily",
        "Norway curbs exports after cable fault",
        STORY,
    );
    let other = article(
        "Gas Weekly",
        "Qatar signs LNG deal",
        &["Qatar signed a 20-year deal to supply liquefied natural gas to Poland from 2027, the two governments said on Tuesday, adding to a string of long-term contracts."],
    );
    let syndicated = article("Reprint Hub", "Norway to curb power exports", &STORY[..4]);
    let merged = clean::merge_near_duplicates(vec![wire, other.clone(), full, syndicated]);
    assert_eq!(merged.len(), 2, "{merged:#?}");
    assert_eq!(merged[0].source.as_deref(), Some("Nordic Power Daily"));
    assert_eq!(merged[0].paragraphs, STORY);
    assert_eq!(merged[0].also_in, ["Wire One", "Reprint Hub"]);
    assert_eq!(merged[1], other);
}

/// A page of many unclosed block tags would take minutes to parse (the
/// parser's cost is quadratic in the open elements): it is refused quickly,
/// with a message saying why, and the other inputs still go through.
#[test]
fn a_page_of_unclosed_block_tags_is_refused_not_parsed_for_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("asides.html");
    let mut html = String::from("<html><body>");
    for _ in 0..100_000 {
        html.push_str("<aside>x ");
    }
    html.push_str("<p>Oil prices rose.</p></body></html>");
    std::fs::write(&page, &html).unwrap();
    let story = dir.path().join("story.txt");
    std::fs::write(
        &story,
        "Brent climbs\n\nOil prices rose to a seven-week high on Thursday after the outage.\n",
    )
    .unwrap();

    let out = newsletter::ingest::ingest_files(&[page.clone(), story]);
    assert_eq!(out.articles.len(), 1, "the story still goes through");
    let problem = out
        .problems
        .iter()
        .find(|p| p.path == page)
        .expect("the page is reported");
    assert!(problem.skipped);
    assert!(problem.message.contains("left open"), "{}", problem.message);

    // Real nesting, however deep the tests above go, is not refused.
    assert!(clean::html::check_nesting("<div><div><p>a<p>b<br><img src=x></div></div>").is_ok());
}

/// The same guard covers a feed item's HTML content: the item is not
/// parsed for minutes but falls back to its summary.
#[test]
fn a_feed_item_of_unclosed_block_tags_falls_back_to_its_summary() {
    let content = "<aside>x ".repeat(30_000);
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Wire</title>\
         <item><title>Refinery outage</title><link>https://example.com/outage</link>\
         <description>The refinery stopped two units after a power cut on Monday.</description>\
         <content:encoded><![CDATA[{content}]]></content:encoded></item></channel></rss>"
    );
    let items = clean::feed::clean(feed.as_bytes(), Path::new("wire.rss")).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].body(),
        "The refinery stopped two units after a power cut on Monday."
    );
}

#[test]
fn a_dateline_without_a_year_takes_it_from_the_file_time() {
    // A scraper saves an article the day it runs: a file written on
    // 5 January 2025 that says "Nov. 19" means 19 November 2024.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "Norway curbs power exports after cable fault\n\nOSLO, Nov. 19 (Nordic Wire) - {}\n\n{}\n",
        STORY[0], STORY[1]
    );
    let path = write(dir.path(), "oslo.txt", text.as_bytes());
    let saved = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_736_064_000); // 2025-01-05
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(saved)
        .unwrap();
    let got = ingest::ingest_files(std::slice::from_ref(&path));
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let published = got.articles[0].published.expect("a date from the dateline");
    assert_eq!(published.date_naive().to_string(), "2024-11-19");
    assert_eq!(got.articles[0].source.as_deref(), Some("Nordic Wire"));
}
