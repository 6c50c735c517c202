//! Saved HTML pages: main-content extraction (dom_smoothie's readability
//! port), then the junk rules over the extracted paragraphs. Title, site
//! name, canonical URL, author and date come from meta tags, JSON-LD and the
//! page itself.
//!
//! Every walk over the DOM here and in dom_query's text formatting is
//! iterative, so deeply nested markup cannot overflow the stack.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use dom_query::{Document, Matcher, NodeRef};
use dom_smoothie::{Config, Readability, TextMode};

use super::{dates, non_empty, parse_date, prune, rules, text, CleanArticle};

/// Metadata read from the page before extraction rewrites it.
#[derive(Debug, Default)]
struct PageMeta {
    canonical: Option<String>,
    site_name: Option<String>,
    author: Option<String>,
    published: Option<String>,
    title: Option<String>,
}

/// What one walk over the parsed page finds: the few elements the metadata
/// selectors can match, the outermost elements that are never the story,
/// and whether the page is nested too deep for dom_smoothie. One hand-written
/// walk replaces a CSS selector pass per question: matching a selector list
/// against every element was a tenth of the cost of cleaning a page.
struct Survey<'a> {
    meta: Vec<NodeRef<'a>>,
    not_story: Vec<NodeRef<'a>>,
    too_deep: bool,
}

/// True when `haystack` contains `needle` (ASCII lower case), ignoring ASCII
/// case.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Walks the page once, iteratively (deep markup cannot overflow the stack),
/// in document order. An element is a metadata candidate when it could match
/// any selector [`page_meta`] tries (a superset: the selectors decide); it is
/// not the story when it matches [`NOT_STORY`] (checked with the selector on
/// the few elements a cheap test lets through). Depth is counted as it will
/// be once the not-story elements are replaced by a line break.
fn survey<'a>(doc: &'a Document, not_story: &Matcher, max_depth: usize) -> Survey<'a> {
    let mut out = Survey {
        meta: Vec::new(),
        not_story: Vec::new(),
        too_deep: false,
    };
    // (node, depth, inside an element that is not the story)
    let mut stack = vec![(doc.root(), 0usize, false)];
    while let Some((node, depth, hidden)) = stack.pop() {
        if !hidden && depth > max_depth {
            out.too_deep = true;
        }
        let mut hides = hidden;
        if let Some(el) = node.element_ref() {
            let name: &str = &el.name.local;
            let mut is_meta = matches!(name, "meta" | "link" | "time" | "h1");
            let mut may_hide = matches!(name, "nav" | "footer" | "aside" | "figure" | "figcaption");
            for attr in &el.attrs {
                let value: &str = &attr.value;
                match &*attr.name.local {
                    "rel" => is_meta = true,
                    "itemprop" => {
                        is_meta = true;
                        may_hide |= value == "caption";
                    }
                    "class" => {
                        is_meta |= contains_ci(value, "author");
                        may_hide |= value.contains("caption") || value.contains("-credit");
                    }
                    _ => {}
                }
            }
            drop(el);
            if is_meta {
                out.meta.push(node);
            }
            if !hidden && may_hide && node.is_match(not_story) {
                out.not_story.push(node);
                hides = true;
            }
        }
        for child in node.children_it(true) {
            if child.is_element() {
                stack.push((child, depth + 1, hides));
            }
        }
    }
    out
}

/// Where each field is read from, in order of preference: a selector and the
/// attribute holding the value.
const CANONICAL: &[(&str, &str)] = &[
    ("link[rel=canonical]", "href"),
    ("meta[property='og:url']", "content"),
    ("meta[name='twitter:url']", "content"),
];
const SITE_NAME: &[(&str, &str)] = &[
    ("meta[property='og:site_name']", "content"),
    ("meta[name='application-name']", "content"),
    ("meta[name=publisher]", "content"),
];
const AUTHOR: &[(&str, &str)] = &[
    ("meta[name=author]", "content"),
    ("meta[property='article:author']", "content"),
    ("meta[name='dc.creator']", "content"),
    ("[rel=author]", "title"),
];
/// Where the author is read from the text when no attribute names one.
const AUTHOR_TEXT: &str = "[rel=author], [itemprop=author] [itemprop=name], .byline .author";
const PUBLISHED: &[(&str, &str)] = &[
    ("meta[property='article:published_time']", "content"),
    ("meta[itemprop=datePublished]", "content"),
    ("meta[name=date]", "content"),
    ("meta[name=pubdate]", "content"),
    ("meta[name='dc.date']", "content"),
    ("meta[name='dcterms.created']", "content"),
    ("[itemprop=datePublished]", "datetime"),
    ("time[pubdate]", "datetime"),
    ("article time[datetime]", "datetime"),
    ("time[datetime]", "datetime"),
];
const TITLE: &[(&str, &str)] = &[
    ("meta[property='og:title']", "content"),
    ("meta[name='twitter:title']", "content"),
];

/// The metadata selectors, compiled once per process rather than once per
/// page.
fn matcher(sel: &str) -> Option<&'static Matcher> {
    static ALL: OnceLock<HashMap<&'static str, Matcher>> = OnceLock::new();
    ALL.get_or_init(|| {
        [CANONICAL, SITE_NAME, AUTHOR, PUBLISHED, TITLE]
            .iter()
            .flat_map(|table| table.iter().map(|(sel, _)| *sel))
            .chain([AUTHOR_TEXT, "h1"])
            .filter_map(|sel| Matcher::new(sel).ok().map(|m| (sel, m)))
            .collect()
    })
    .get(sel)
}

fn first_attr(cands: &[NodeRef], selectors: &[(&str, &str)]) -> Option<String> {
    selectors.iter().find_map(|(sel, attr)| {
        let matcher = matcher(sel)?;
        cands
            .iter()
            .filter(|n| n.is_match(matcher))
            .find_map(|n| non_empty(n.attr(attr)))
    })
}

fn first_text(cands: &[NodeRef], sel: &str) -> Option<String> {
    let matcher = matcher(sel)?;
    cands
        .iter()
        .filter(|n| n.is_match(matcher))
        .find_map(|n| non_empty(Some(n.text())))
}

/// Reads the page's metadata from the candidates [`survey`] found.
fn page_meta(doc: &[NodeRef]) -> PageMeta {
    PageMeta {
        canonical: first_attr(doc, CANONICAL)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        site_name: first_attr(doc, SITE_NAME),
        author: first_attr(doc, AUTHOR).or_else(|| first_text(doc, AUTHOR_TEXT)),
        published: first_attr(doc, PUBLISHED),
        title: first_attr(doc, TITLE).or_else(|| first_text(doc, "h1")),
    }
}

/// Splits formatted text (blank line between blocks, newline between list
/// items and `<br>` lines) into one paragraph per line.
fn lines_to_paragraphs(formatted: &str) -> Vec<String> {
    formatted
        .lines()
        .map(rules::collapse)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The visible text of an HTML fragment (a feed item's content), as
/// paragraphs, with scripts and styles dropped and junk rules applied.
pub fn fragment_paragraphs(html: &str) -> Vec<String> {
    // A fragment that would keep too many elements open is not parsed (see
    // [`MAX_OPEN_ELEMENTS`]); a feed item then falls back to its summary.
    if check_nesting(html).is_err() {
        return Vec::new();
    }
    let doc = Document::fragment(html);
    doc.select("script, style, noscript, template").remove();
    rules::apply(&lines_to_paragraphs(&doc.formatted_text())).kept
}

/// Deeper than this, a page is not handed to dom_smoothie: parts of its
/// scoring recurse once per level (a stack overflow at ~10,000 levels) and
/// cost grows with depth squared. Real article pages stay well under 100.
pub const MAX_DEPTH: usize = 400;

/// More elements open at once than this, and a page is refused before
/// parsing. The HTML parser checks the stack of open elements at every
/// block start tag, so a page of many unclosed block tags costs time in the
/// square of their number: 30,000 unclosed `<aside>` tags took 7 s, 100,000
/// (a 900 KB file) 80 s, 3 million did not finish. The deepest real pages
/// stay in the hundreds; tests parse 10,000 properly nested levels.
pub const MAX_OPEN_ELEMENTS: usize = 20_000;

/// Elements the parser never keeps open (void elements) or closes by itself
/// when a sibling starts (optional end tags): they do not deepen the stack.
const NOT_KEPT_OPEN: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "rb", "rt", "rp", "colgroup", "caption", "html", "head", "body", "!doctype",
];

/// Refuses a page whose tags would keep more than [`MAX_OPEN_ELEMENTS`] open
/// at once (see there), with a message saying so; a cheap scan of the tags,
/// linear in the page's size. An estimate: end tags close the most recent
/// element of any name, as they nearly always do in real pages.
pub fn check_nesting(html: &str) -> Result<(), String> {
    let bytes = html.as_bytes();
    let (mut open, mut deepest) = (0usize, 0usize);
    for at in memchr::memchr_iter(b'<', bytes) {
        let rest = &bytes[at + 1..];
        let (closing, name_start) = match rest.first() {
            Some(b'/') => (true, 1),
            Some(b) if b.is_ascii_alphabetic() => (false, 0),
            _ => continue,
        };
        let name: &[u8] = {
            let tail = &rest[name_start..];
            let len = tail
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(tail.len());
            &tail[..len]
        };
        if name.is_empty()
            || NOT_KEPT_OPEN
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
        {
            continue;
        }
        if closing {
            open = open.saturating_sub(1);
        } else {
            open += 1;
            deepest = deepest.max(open);
        }
    }
    if deepest > MAX_OPEN_ELEMENTS {
        return Err(format!(
            "about {deepest} elements are left open at once (unclosed tags?); parsing a page like \
             this takes time in the square of that, so it is skipped: save the page again, or \
             close its tags"
        ));
    }
    Ok(())
}

/// Removes the selected elements, leaving a line break in their place so the
/// text on either side is not run together into one word.
fn remove_apart(doc: &Document, selector: &str) {
    doc.select(selector).replace_with_html(" <br> ");
}

/// Replaces an element with a line break, as [`remove_apart`] does, without
/// parsing a fragment for each element.
fn replace_with_break(node: &NodeRef) {
    let tree = node.tree;
    for new in [
        tree.new_text(" "),
        tree.new_element("br"),
        tree.new_text(" "),
    ] {
        node.insert_before(&new);
    }
    node.remove_from_parent();
}

/// [`NOT_STORY`], compiled once per process.
fn not_story_matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(NOT_STORY).expect("NOT_STORY is a valid selector list"))
}

/// All the visible text of the page's body, without the parts that are
/// never the story (navigation, header, footer, asides): the best effort for
/// a page that main-content extraction cannot or should not handle. Figures
/// and captions stay, set apart by breaks: [`prune::page`] may have emptied
/// one, and an empty element between two words must not run them together.
fn visible_text(doc: &Document) -> Vec<String> {
    remove_apart(
        doc,
        "script, style, noscript, template, nav, header, footer, aside",
    );
    for node in doc.select("figure, figcaption").nodes() {
        let tree = node.tree;
        node.insert_before(&tree.new_element("br"));
        node.insert_after(&tree.new_element("br"));
    }
    let body = doc
        .body()
        .map(|b| b.formatted_text().to_string())
        .unwrap_or_default();
    lines_to_paragraphs(&body)
}

/// Elements that are never the story: navigation, footers, asides, figures
/// and their captions, photo credits. Taken out before extraction, with a
/// line break left behind (see [`remove_apart`]). The elements named here
/// are emptied before parsing too ([`prune::page`]).
const NOT_STORY: &str =
    "nav, footer, aside, figure, figcaption, [class*=caption], [itemprop=caption], \
     [class*=photo-credit], [class*=image-credit], [class*=img-credit]";

/// True when a paragraph ends like a sentence (or a quote of one).
fn ends_sentence(p: &str) -> bool {
    p.trim_end_matches(['"', '”', '’', '\'', ')', ']'])
        .ends_with(['.', '!', '?', '…', ':', ';', '。', '！', '？'])
}

/// The longest run of short non-sentence lines at the end that is taken
/// for teaser links rather than part of the story.
const MAX_TEASERS: usize = 4;

/// Tidies the extracted paragraphs: drops exact repeats (a caption shown
/// twice), a line that is only the byline, and the short non-sentence lines
/// left at the edges of the extracted block (breadcrumbs and section labels
/// before the story, teaser headlines after it).
fn tidy(paragraphs: Vec<String>, byline: Option<&str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let byline = byline.map(|b| b.to_lowercase());
    let mut out: Vec<String> = paragraphs
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .filter(|p| {
            let lower = p.to_lowercase();
            byline.as_deref().is_none_or(|b| {
                lower != b && lower.strip_prefix("by ").is_none_or(|rest| rest != b)
            })
        })
        .collect();
    let words = |p: &String| rules::word_count(p);
    let lead = out
        .iter()
        .take_while(|p| words(p) <= 3 && !ends_sentence(p))
        .count();
    if lead < out.len() {
        out.drain(..lead);
    }
    // A short run of teasers is dropped; a long run of short lines (a list
    // of tour dates, a table) is part of the story.
    let tail = out
        .iter()
        .rev()
        .take_while(|p| words(p) <= 15 && !ends_sentence(p))
        .count();
    if tail <= MAX_TEASERS && tail < out.len() {
        out.truncate(out.len() - tail);
    }
    out
}

/// Extracts the article from a saved page, with no reference time (see
/// [`clean_at`]).
pub fn clean(html: &str, path: &Path) -> CleanArticle {
    clean_at(html, path, None)
}

/// Extracts the article from a saved page. The published date comes from
/// the page's metadata (dom_smoothie's reading of JSON-LD and meta tags,
/// then ours), and for a page that has none, from the stamps, bylines and
/// wire datelines in the extracted text ([`dates::published_in_text`],
/// read before the junk rules drop them); `reference` places a dateline
/// that has no year.
pub fn clean_at(html: &str, path: &Path, reference: Option<DateTime<Utc>>) -> CleanArticle {
    let html = &*prune::page(html);
    let doc = Document::from(html);
    let (meta, too_deep) = {
        let found = survey(&doc, not_story_matcher(), MAX_DEPTH);
        let meta = page_meta(&found.meta);
        // Captions and credits sit inside the article but are not the story.
        for node in &found.not_story {
            replace_with_break(node);
        }
        (meta, found.too_deep)
    };
    let cfg = Config {
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    let extracted = if too_deep {
        Err(visible_text(&doc))
    } else {
        Readability::with_document(doc, None, Some(cfg))
            .and_then(|mut r| r.parse())
            .map_err(|_| visible_text(&Document::from(html)))
    };
    let (title, paragraphs, site, byline, date, url) = match extracted {
        Ok(article) => (
            non_empty(Some(article.title.as_str())),
            lines_to_paragraphs(&article.text_content),
            non_empty(article.site_name),
            non_empty(article.byline),
            article.published_time,
            article.url,
        ),
        // Too deep, or nothing readable found: all the visible text,
        // and the junk rules do what they can.
        Err(paragraphs) => (None, paragraphs, None, None, None, None),
    };
    let author = byline.or(meta.author);
    let mut kept = tidy(rules::apply(&paragraphs).kept, author.as_deref());
    let title = title.or(meta.title).unwrap_or_default();
    // The headline often opens the extracted text as well; keep it once.
    if kept
        .first()
        .is_some_and(|p| !title.is_empty() && rules::collapse(p) == rules::collapse(&title))
    {
        kept.remove(0);
    }
    let title = if title.is_empty() {
        kept.first()
            .map(|p| text::title_from_lead(p))
            .unwrap_or_default()
    } else {
        title
    };
    let mut article = CleanArticle::new(path, title, kept);
    article.source = site.or(meta.site_name);
    article.author = author;
    article.published = date
        .as_deref()
        .and_then(parse_date)
        .or_else(|| meta.published.as_deref().and_then(parse_date))
        .or_else(|| dates::published_in_text(&paragraphs, reference));
    article.url = meta
        .canonical
        .or(url.filter(|u| u.starts_with("http://") || u.starts_with("https://")));
    article
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The one-walk survey finds what the CSS selectors it replaces find:
    /// every element a metadata selector matches is a candidate, and the
    /// not-story elements are exactly the outermost matches of `NOT_STORY`.
    #[test]
    fn survey_agrees_with_the_selectors() {
        let page = "<html><head><meta property=\"og:title\" content=\"T\">\
            <link rel=\"canonical\" href=\"https://example.com/a\"></head><body>\
            <nav><time datetime=\"2026-01-02\">x</time><figure>f</figure></nav>\
            <div class=\"Author byline\"><span class=\"author\">Ann</span></div>\
            <article><h1>Head</h1><p>Story.</p>\
            <div class=\"image-caption\"><span class=\"photo-credit\">c</span></div>\
            <span itemprop=\"caption\">x</span><span itemprop=\"author\"><b itemprop=\"name\">B</b></span>\
            <p class=\"img-credit-x\">y</p><p class=\"credit\">kept</p><aside><aside>a</aside></aside>\
            </article><footer>f</footer></body></html>";
        let doc = Document::from(page);
        for (sel, _) in [CANONICAL, SITE_NAME, AUTHOR, PUBLISHED, TITLE].concat() {
            assert!(matcher(sel).is_some(), "{sel}");
        }
        assert!(matcher(AUTHOR_TEXT).is_some());
        let found = survey(&doc, not_story_matcher(), MAX_DEPTH);
        let ids = |nodes: &[NodeRef]| nodes.iter().map(|n| n.id).collect::<Vec<_>>();
        let meta_sel = doc.select(
            "meta, link, [rel], [itemprop], time, h1, .author, .byline .author, \
             [itemprop=author] [itemprop=name]",
        );
        for node in meta_sel.nodes() {
            assert!(
                found.meta.iter().any(|m| m.id == node.id),
                "{}",
                node.html()
            );
        }
        let outermost: Vec<NodeRef> = doc
            .select(NOT_STORY)
            .nodes()
            .iter()
            .filter(|n| {
                !n.ancestors_it(None)
                    .any(|a| a.is_match(not_story_matcher()))
            })
            .cloned()
            .collect();
        assert_eq!(ids(&found.not_story), ids(&outermost));
        assert_eq!(found.not_story.len(), 6);
        assert!(!found.too_deep);
        assert!(survey(&doc, not_story_matcher(), 3).too_deep);
    }

    /// A figure emptied before parsing, between two words of a page that
    /// extraction gives up on, leaves them apart (proptest found "Aa").
    #[test]
    fn an_emptied_figure_does_not_join_the_words_around_it() {
        for page in [
            "<html><head><title>t</title></head><body><figure>A<figure>B</figure><span>a</body></html>",
            "<html><head><title>t</title></head><body><figure>A a A A<figure>B</figure><figure>C</body></html>",
            "<html><head><title>t</title></head><body><p>one<figure>B</figure>two</p></body></html>",
        ] {
            let article = clean(page, Path::new("p.html"));
            let body = article.body();
            for joined in ["Aa", "AC", "onetwo"] {
                assert!(!body.contains(joined), "{page}: {body:?}");
            }
        }
    }

    const STORY: &str = "Norway's grid operator said on Monday that it would curb power exports to Denmark and Germany for three weeks while it repairs a damaged subsea cable, the second such outage on the link this year.";
    const MORE: &str = "Traders said the cut would take about 1.4 gigawatts off the interconnectors at a time when reservoirs in the south of the country are already below their seasonal average, lifting forward prices.";

    fn story_page(head: &str, before: &str) -> String {
        format!(
            "<html><head><title>Norway curbs power exports</title>{head}</head><body><article>\
             <h1>Norway curbs power exports</h1>{before}<p>{STORY}</p><p>{MORE}</p><p>{STORY} {MORE}</p>\
             </article></body></html>"
        )
    }

    fn published(a: &CleanArticle) -> Option<String> {
        a.published.map(|d| d.to_rfc3339())
    }

    #[test]
    fn a_page_without_a_date_in_its_metadata_takes_the_one_in_its_text() {
        let stamped = story_page("", "<p class=\"stamp\">Published 3 March 2026</p>");
        let a = clean(&stamped, Path::new("a.html"));
        assert_eq!(published(&a).as_deref(), Some("2026-03-03T00:00:00+00:00"));
        // The stamp gives the date and is not part of the story.
        assert!(!a.body().contains("Published"), "{:?}", a.paragraphs);
        assert!(a.paragraphs.iter().any(|p| p == STORY));

        // A wire dateline with no year: the year from the reference time.
        let wire = story_page("", "").replacen(
            &format!("<p>{STORY}</p>"),
            &format!("<p>OSLO, March 3 (Meridian Wire) - {STORY}</p>"),
            1,
        );
        let reference = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).single();
        let a = clean_at(&wire, Path::new("a.html"), reference);
        assert_eq!(published(&a).as_deref(), Some("2026-03-03T00:00:00+00:00"));
        assert_eq!(published(&clean(&wire, Path::new("a.html"))), None);

        // The metadata's date wins over the text's.
        let meta = story_page(
            "<meta property=\"article:published_time\" content=\"2026-02-01T10:00:00Z\">",
            "<p>Published 3 March 2026</p>",
        );
        let a = clean(&meta, Path::new("a.html"));
        assert_eq!(published(&a).as_deref(), Some("2026-02-01T10:00:00+00:00"));

        // A placeholder date in the metadata is no date: the text's is taken.
        let placeholder = story_page(
            "<script type=\"application/ld+json\">{\"@context\": \"https://schema.org\", \
             \"@type\": \"NewsArticle\", \"datePublished\": \"0001-01-01T00:00:00Z\"}</script>",
            "<p>Published 11:11 PM EST Nov 19, 2019</p>",
        );
        let a = clean(&placeholder, Path::new("a.html"));
        assert_eq!(published(&a).as_deref(), Some("2019-11-19T23:11:00-05:00"));

        // No date anywhere: none.
        assert_eq!(
            published(&clean(&story_page("", ""), Path::new("a.html"))),
            None
        );
    }

    #[test]
    fn stripping_does_not_change_what_is_extracted() {
        let story = "Norway's grid operator said on Monday that it would curb power exports to Denmark and Germany for three weeks while it repairs a damaged subsea cable.";
        let page = format!(
            "<html><head><title>Norway curbs exports</title><script>var s = '<p>not the story</p>';</script>\
             <style>.a {{ x: 1 }}</style></head><body><!-- ad slot --><article><h1>Norway curbs exports</h1>\
             <p>{story}</p><p>{story}</p><script>track();</script><p>The cut takes 1.4GW off the links, traders said.</p>\
             </article></body></html>"
        );
        let a = clean(&page, Path::new("a.html"));
        assert!(
            a.paragraphs.iter().any(|p| p == story),
            "{:?}",
            a.paragraphs
        );
        assert!(!a.body().contains("not the story"));
        assert!(!a.body().contains("track()"));
    }
}
