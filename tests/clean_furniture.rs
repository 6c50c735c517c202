//! Page furniture by family (issue 16): for each family, lines the cleaner
//! must cut and a story sentence with the same words that it must keep,
//! each tried in scraped plain text and in an HTML page.

use std::path::Path;

use newsletter::clean::{html, text, CleanArticle};

const HEADLINE: &str = "Europe's solar boom slows as rooftop demand fades";
const OPENING: &str = "New solar installations in the EU are set to fall this year for the first time since 2016, an industry report said on Tuesday.";
const CLOSING: &str = "The council said it expected growth to return in 2028, helped by falling battery prices and new building rules.";

/// (family, lines to cut, story sentence to keep). The lines of one family
/// stand together between two story paragraphs, as a page lays them out.
const FAMILIES: &[(&str, &[&str], &str)] = &[
    (
        "related list",
        &[
            "Related:",
            "The hidden cost of negative power prices",
            "Spain's grid operator wants more batteries, fast",
            "Can Europe build its own solar panels again?",
        ],
        "Shares in the related company rose 4% after the results, traders said.",
    ),
    (
        "related stories, no colon",
        &[
            "Related stories",
            "Why rooftop solar stalled in Germany",
            "Is the battery boom a bubble?",
        ],
        "Related costs of the project rose by a third, the developer said in its filing.",
    ),
    (
        "more from this section",
        &[
            "More from this section",
            "Gas storage is full. Now what?",
            "Norway's new field starts early",
        ],
        "More from the section of the report on storage will be published next month, the council said.",
    ),
    (
        "recommended",
        &["Recommended", "Inside the race for cheaper panels"],
        "The council recommended that governments stop changing the rules every eighteen months.",
    ),
    (
        "you may also like",
        &[
            "You may also like:",
            "Five charts that explain the power market",
            "Who pays for the grid?",
        ],
        "Households may also like the new tariff, which rewards using power at midday, the supplier said.",
    ),
    (
        "popular now",
        &[
            "Popular now",
            "Oil slips as OPEC talks drag on",
            "Heat pumps outsell boilers for the first time",
        ],
        "The scheme was popular now that prices had fallen, installers said on Tuesday.",
    ),
    (
        "top stories",
        &[
            "Top stories",
            "Brent climbs above $78",
            "UK power prices spike in wind lull",
        ],
        "Top executives from the largest stories-high warehouse operators attended the launch.",
    ),
    (
        "numbered headlines",
        &[
            "1. Can Europe build its own solar panels again?",
            "2. The hidden cost of negative power prices",
            "3. Spain's grid operator wants more batteries",
        ],
        "Installations fell in three markets: Germany, Italy and the Netherlands, the report said.",
    ),
    (
        "audio and reading time",
        &["Listen to this story (6 min)", "3 minute read", "Audio: 4:12"],
        "Listen to the minister and you would think the grid was already built, the union said.",
    ),
    (
        "share row",
        &[
            "Share this on LinkedIn Share on Reddit Email",
            "Facebook Twitter LinkedIn Email",
            "Copy URL",
            "Save article",
        ],
        "Shares rose 4% on Monday, and the company said it would save the article of the treaty it relied on.",
    ),
    (
        "comment and paywall prompts",
        &[
            "Read 31 comments",
            "Leave a comment",
            "Log in to continue reading",
            "Subscribe to unlock this article",
        ],
        "The agency published readers' comments to the regulator, which said subscribers to the scheme would get a rebate.",
    ),
    (
        "wire credits and rights",
        &[
            "Reporting by Jo Lind in Oslo; Editing by Mark Hale",
            "Compiled by Ana Ruiz",
            "© 2026 Southlight Media. All rights reserved.",
        ],
        "Reporting rules for methane leaks will be tightened, and the rights reserved for grid operators will be reviewed.",
    ),
    (
        "tag lines",
        &["Tags: Solar, Batteries, Spain", "Filed under Energy transition"],
        "Filed complaints rose by a fifth after the tariff change, and the tags on the meters were replaced.",
    ),
];

fn plain(lines: &[&str], keep: &str) -> CleanArticle {
    let mut raw = format!("{HEADLINE}\n{OPENING}\n{keep}\n");
    for line in lines {
        raw.push_str(line);
        raw.push('\n');
    }
    raw.push_str(CLOSING);
    raw.push('\n');
    text::clean(&raw, Path::new("story.txt"))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

fn page(lines: &[&str], keep: &str) -> CleanArticle {
    let mut body = String::new();
    // A label becomes a heading, the headlines a list of links, as pages
    // lay them out; other furniture stays a paragraph of its own.
    let (label, items): (Option<&str>, &[&str]) = match lines.first() {
        Some(first)
            if !first.starts_with(char::is_numeric) && lines.len() > 1 && is_label(first) =>
        {
            (Some(first), &lines[1..])
        }
        _ => (None, lines),
    };
    if let Some(label) = label {
        body.push_str(&format!("<h3>{}</h3>\n<ul>\n", escape(label)));
        for item in items {
            body.push_str(&format!("<li><a href=\"/x\">{}</a></li>\n", escape(item)));
        }
        body.push_str("</ul>\n");
    } else {
        for line in items {
            body.push_str(&format!("<p>{}</p>\n", escape(line)));
        }
    }
    let html = format!(
        "<!doctype html><html><head><title>{h}</title></head><body><article><h1>{h}</h1>\n\
         <p>{o}</p>\n<p>{k}</p>\n{body}<p>{c}</p>\n</article></body></html>",
        h = escape(HEADLINE),
        o = escape(OPENING),
        k = escape(keep),
        c = escape(CLOSING),
    );
    html::clean(&html, Path::new("story.html"))
}

fn is_label(line: &str) -> bool {
    let l = line.trim_end_matches(':').to_lowercase();
    [
        "related",
        "related stories",
        "more from this section",
        "recommended",
        "you may also like",
        "popular now",
        "top stories",
    ]
    .contains(&l.as_str())
}

fn check(form: &str, family: &str, article: &CleanArticle, cut: &[&str], keep: &str) {
    let body = article.paragraphs.join("\n");
    for line in cut {
        assert!(
            !article.paragraphs.iter().any(|p| p.contains(line)),
            "{form}, {family}: {line:?} was not cut:\n{body}"
        );
    }
    for story in [OPENING, keep, CLOSING] {
        assert!(
            article.paragraphs.iter().any(|p| p == story),
            "{form}, {family}: story sentence lost or changed: {story:?}\n{body}"
        );
    }
}

#[test]
fn every_family_is_cut_from_plain_text_and_the_story_kept() {
    for (family, cut, keep) in FAMILIES {
        check("text", family, &plain(cut, keep), cut, keep);
    }
}

#[test]
fn every_family_is_cut_from_html_and_the_story_kept() {
    for (family, cut, keep) in FAMILIES {
        check("html", family, &page(cut, keep), cut, keep);
    }
}

#[test]
fn a_headline_run_goes_however_long_and_ends_where_prose_resumes() {
    let mut lines = vec!["Related:"];
    let heads: Vec<String> = (0..12)
        .map(|i| format!("Headline number {i} about the grid?"))
        .collect();
    lines.extend(heads.iter().map(String::as_str));
    let article = plain(
        &lines,
        "Prices fell on Monday as wind output rose, traders said.",
    );
    assert!(
        !article
            .paragraphs
            .iter()
            .any(|p| p.contains("Headline number")),
        "{:?}",
        article.paragraphs
    );
    assert_eq!(article.paragraphs.last().map(String::as_str), Some(CLOSING));
}

#[test]
fn a_single_short_sub_heading_of_the_story_stays() {
    let raw = format!(
        "{HEADLINE}\n{OPENING}\nWhat comes next\n{CLOSING}\n1. The first step is a levy on imports, the council said.\n"
    );
    let article = text::clean(&raw, Path::new("story.txt"));
    assert!(
        article.paragraphs.iter().any(|p| p == "What comes next"),
        "{:?}",
        article.paragraphs
    );
    assert!(article
        .paragraphs
        .iter()
        .any(|p| p.starts_with("1. The first step")));
}

#[test]
fn the_sample_related_block_is_cut_whole() {
    let raw = include_str!("../content/inbox/europe-solar-slowdown.txt");
    let article = text::clean(raw, Path::new("europe-solar-slowdown.txt"));
    let body = article.paragraphs.join("\n");
    for gone in [
        "Related",
        "The hidden cost of negative power prices",
        "Can Europe build its own solar panels again?",
        "Share this article",
        "Facebook Twitter LinkedIn Email",
    ] {
        assert!(!body.contains(gone), "{gone:?} left in:\n{body}");
    }
    assert!(body.contains("Large solar farms face a different problem."));
}

#[test]
fn a_sub_heading_of_the_story_stays_in_html_too() {
    let html = format!(
        "<!doctype html><html><head><title>{h}</title></head><body><article><h1>{h}</h1>\n\
         <p>{o}</p>\n<h2>What comes next</h2>\n<p>{c}</p>\n</article></body></html>",
        h = HEADLINE,
        o = OPENING,
        c = CLOSING,
    );
    let article = html::clean(&html, Path::new("story.html"));
    assert!(
        article.paragraphs.iter().any(|p| p == "What comes next"),
        "{:?}",
        article.paragraphs
    );
}
