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

/// Markup soup for the pruning scan: the pieces it looks for (scripts,
/// comments, raw-text elements, SVG, emptied elements, attributes in every
/// quoting), cut off anywhere, between words with multi-byte characters.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => token(),
        3 => prop::sample::select(vec![
            "<script>", "</script>", "<script type=\"application/ld+json\">", "<style>",
            "</style >", "<!--", "-->", "<!-->", "<title>", "</title>", "<textarea>", "<svg>",
            "</svg>", "<svg/>", "<nav class=\"m\">", "</nav>", "<footer>", "</footer>", "<aside>",
            "</aside>", "<figure>", "</div>", "<div data-x='a>b' id=x>", "<a href=/>", "<img data-src=a.jpg>",
            "<link rel=stylesheet>", "<link rel=canonical href=\"https://e.com/a\">", "<p", "=\"",
            "'", "<", ">", "/", "<plaintext>", "</", "é", "東京",
        ]).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// True when `small` is `big` with some ranges taken out.
fn is_subsequence(small: &str, big: &str) -> bool {
    let mut rest = big.chars();
    small.chars().all(|c| rest.any(|b| b == c))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Pruning only ever cuts: it never panics (every cut is at an ASCII
    /// byte, so never inside a character) and adds nothing.
    #[test]
    fn pruning_only_cuts(html in soup()) {
        let pruned = clean::prune::page(&html);
        prop_assert!(pruned.len() <= html.len());
        prop_assert!(is_subsequence(&pruned, &html), "{pruned:?} from {html:?}");
    }
}
