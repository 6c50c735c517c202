//! The seed fixture (a real scraped article) cleans to every news paragraph
//! and none of its junk.

use std::path::PathBuf;

use newsletter::ingest;

fn shared() -> PathBuf {
    std::env::var("NEWSLETTER_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")))
}

const JUNK: &[&str] = &[
    "[ad_",
    "Source link",
    "Newsletter twice a week",
    "Sign up here",
    "Energy Source is his newsletter",
    "Additional reports by",
];

#[test]
#[ignore = "needs the shared evaluation data beside the checkout (../shared or NEWSLETTER_SHARED)"]
fn seed_fixture_keeps_every_news_paragraph_and_no_junk() {
    let path = shared().join("fixtures/000_db5a6231c38fe282.txt");
    let raw = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set NEWSLETTER_SHARED)", path.display()));
    let got = ingest::ingest_files(std::slice::from_ref(&path));
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    assert_eq!(got.articles.len(), 1);
    let article = &got.articles[0];
    let body = article.body();

    for junk in JUNK {
        assert!(!body.contains(junk), "junk {junk:?} left in:\n{body}");
        assert!(!article.title.contains(junk));
    }
    // Every line of the input that is not junk is a news paragraph, and each
    // must come through whole, in order.
    let news: Vec<&str> = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| !JUNK.iter().any(|j| l.contains(j)))
        .filter(|l| !l.starts_with("Energy is an indispensable business"))
        .collect();
    assert_eq!(news.len(), 23, "the fixture has 23 news paragraphs");
    assert_eq!(article.paragraphs, news);
    assert!(body.contains("“We don’t need this panic,” he added."));
    assert!(body.ends_with(
        "The IEA believes Russia retains at least one-third of the gas it could send to Europe."
    ));
    // No headline in this scrape: the title is made from the lead.
    assert!(article
        .title
        .starts_with("The Pentagon has warned that Russia has amassed"));
}
