//! Property tests: cleaning never panics on any input, and never invents
//! text — every word it outputs occurs in its input.

use std::collections::HashSet;
use std::path::Path;

use newsletter::clean;
use newsletter::ingest;
use proptest::prelude::*;

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Story-like words mixed with the junk the rules look for.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,9}",
        1 => "[0-9]{1,4}(\\.[0-9])?%?",
        1 => prop::sample::select(vec![
            "[ad_1]", "Advertisement", "Source link", "Sign up here.", "newsletter",
            "Click here", "Share this article", "Related:", "Read more:", "By", "Reporting by",
            "Photograph:", "Published 3 hours ago", "[embedded content]", "©", "“", "”", "—",
            "By .", "PUBLISHED: .", "| . UPDATED: .", "café", "東京電力", "...", ".", ",", "?",
        ]).prop_map(str::to_string),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..25).prop_map(|t| t.join(" "))
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            line(),
            prop::sample::select(vec!["\n", "\n\n", "\r\n", " "]),
        ),
        0..20,
    )
    .prop_map(|v| v.into_iter().map(|(l, sep)| l + sep).collect())
}

/// An HTML page built from lines wrapped in a random mix of tags, some left
/// unclosed.
fn page() -> impl Strategy<Value = String> {
    let tag = prop::sample::select(vec![
        "p", "div", "span", "b", "article", "li", "h2", "nav", "footer", "figure", "td",
    ]);
    prop::collection::vec((tag, line(), any::<bool>()), 0..30).prop_map(|parts| {
        let mut html = String::from("<html><head><title>t</title></head><body>");
        for (tag, line, close) in parts {
            html.push_str(&format!("<{tag}>{line}"));
            if close {
                html.push_str(&format!("</{tag}>"));
            }
        }
        html + "</body></html>"
    })
}

/// The input's text with tags taken out, for the HTML property: inline tags
/// may join two text runs into one word, which is still the input's text.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_in_any_form_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        ext in prop::sample::select(vec!["txt", "html", "md", "xml", "json", "atom", ""]),
    ) {
        let path = Path::new("input").with_extension(ext);
        let mut problems = Vec::new();
        let articles = ingest::ingest_bytes(&path, &bytes, &mut problems);
        for a in &articles {
            prop_assert!(!a.paragraphs.is_empty());
        }
    }

    #[test]
    fn scraped_text_output_words_occur_in_the_input(raw in text()) {
        let a = clean::text::clean(&raw, Path::new("a.txt"));
        let input: HashSet<&str> = words(&raw).collect();
        for w in words(&a.title).chain(a.paragraphs.iter().flat_map(|p| words(p))) {
            prop_assert!(input.contains(w), "{w:?} not in input {raw:?}");
        }
    }

    #[test]
    fn html_output_words_occur_in_the_input(html in page()) {
        let a = clean::html::clean(&html, Path::new("a.html"));
        let input = strip_tags(&html);
        for w in a.paragraphs.iter().flat_map(|p| words(p)) {
            prop_assert!(input.contains(w), "{w:?} not in input {html:?}");
        }
    }
}
