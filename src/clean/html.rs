//! Saved HTML pages: main-content extraction (dom_smoothie's readability
//! port), then the junk rules over the extracted paragraphs. Title, site
//! name, canonical URL, author and date come from meta tags, JSON-LD and the
//! page itself.
//!
//! Every walk over the DOM here and in dom_query's text formatting is
//! iterative, so deeply nested markup cannot overflow the stack.

use std::path::Path;

use dom_query::{Document, Matcher, NodeRef};
use dom_smoothie::{Config, Readability, TextMode};

use super::{non_empty, parse_date, rules, text, CleanArticle};

/// Metadata read from the page before extraction rewrites it.
#[derive(Debug, Default)]
struct PageMeta {
    canonical: Option<String>,
    site_name: Option<String>,
    author: Option<String>,
    published: Option<String>,
    title: Option<String>,
}

/// Every element any metadata selector below can match, found in one walk
/// of the page; the selectors are then tried on these few nodes only.
const META_CANDIDATES: &str = "meta, link, [rel], [itemprop], time, h1, .author";

fn first_attr(cands: &[NodeRef], selectors: &[(&str, &str)]) -> Option<String> {
    selectors.iter().find_map(|(sel, attr)| {
        let matcher = Matcher::new(sel).ok()?;
        cands
            .iter()
            .filter(|n| n.is_match(&matcher))
            .find_map(|n| non_empty(n.attr(attr)))
    })
}

fn first_text(cands: &[NodeRef], sel: &str) -> Option<String> {
    let matcher = Matcher::new(sel).ok()?;
    cands
        .iter()
        .filter(|n| n.is_match(&matcher))
        .find_map(|n| non_empty(Some(n.text())))
}

fn page_meta(doc: &Document) -> PageMeta {
    let selection = doc.select(META_CANDIDATES);
    let doc = selection.nodes();
    PageMeta {
        canonical: first_attr(
            doc,
            &[
                ("link[rel=canonical]", "href"),
                ("meta[property='og:url']", "content"),
                ("meta[name='twitter:url']", "content"),
            ],
        )
        .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        site_name: first_attr(
            doc,
            &[
                ("meta[property='og:site_name']", "content"),
                ("meta[name='application-name']", "content"),
                ("meta[name=publisher]", "content"),
            ],
        ),
        author: first_attr(
            doc,
            &[
                ("meta[name=author]", "content"),
                ("meta[property='article:author']", "content"),
                ("meta[name='dc.creator']", "content"),
                ("[rel=author]", "title"),
            ],
        )
        .or_else(|| {
            first_text(
                doc,
                "[rel=author], [itemprop=author] [itemprop=name], .byline .author",
            )
        }),
        published: first_attr(
            doc,
            &[
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
            ],
        ),
        title: first_attr(
            doc,
            &[
                ("meta[property='og:title']", "content"),
                ("meta[name='twitter:title']", "content"),
            ],
        )
        .or_else(|| first_text(doc, "h1")),
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
    let doc = Document::fragment(html);
    doc.select("script, style, noscript, template").remove();
    rules::apply(&lines_to_paragraphs(&doc.formatted_text())).kept
}

/// Deeper than this, a page is not handed to dom_smoothie: parts of its
/// scoring recurse once per level (a stack overflow at ~10,000 levels) and
/// cost grows with depth squared. Real article pages stay well under 100.
pub const MAX_DEPTH: usize = 400;

/// Removes the selected elements, leaving a line break in their place so the
/// text on either side is not run together into one word.
fn remove_apart(doc: &Document, selector: &str) {
    doc.select(selector).replace_with_html(" <br> ");
}

/// True when some element is nested more than `limit` levels deep. The walk
/// is iterative and stops at the first node past the limit.
fn deeper_than(doc: &Document, limit: usize) -> bool {
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        let mut child = node.first_child();
        while let Some(c) = child {
            if c.is_element() {
                stack.push((c, depth + 1));
            }
            child = c.next_sibling();
        }
    }
    false
}

/// All the visible text of the page's body, without the parts that are
/// never the story (navigation, header, footer, asides): the best effort for
/// a page that main-content extraction cannot or should not handle.
fn visible_text(doc: &Document) -> Vec<String> {
    remove_apart(
        doc,
        "script, style, noscript, template, nav, header, footer, aside",
    );
    let body = doc
        .body()
        .map(|b| b.formatted_text().to_string())
        .unwrap_or_default();
    lines_to_paragraphs(&body)
}

/// Elements that are never the story: navigation, footers, asides, figures
/// and their captions, photo credits. Taken out before extraction, with a
/// line break left behind (see [`remove_apart`]).
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

/// Finds `needle` (ASCII, lower case, starting with `<` or `-`) in `html`
/// from `from`, ignoring ASCII case; the byte offset of its start. Searches
/// for the first two bytes with the standard library's fast substring search
/// and checks the rest, so a long script body costs little.
fn find_ascii_ci(html: &str, from: usize, needle: &str) -> Option<usize> {
    let head = needle.get(..2)?;
    let mut i = from;
    loop {
        let at = i + html.get(i..)?.find(head)?;
        if html
            .as_bytes()
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
        {
            return Some(at);
        }
        i = at + 1;
    }
}

/// The end (one past the `>`) of the tag that opens at `start`, stepping
/// over quoted attribute values; the end of the text if it never closes.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Drops what a reader never sees before the page is parsed: the bodies of
/// `<script>` and `<style>` elements (the tags stay, empty) and comments.
/// They are over half the bytes of a typical news page and parsing them is
/// the largest single cost of cleaning one. JSON-LD scripts are kept whole:
/// they carry the article's metadata. A body ends where the HTML parser
/// would end it, at the first `</script` or `</style`; an unclosed one runs
/// to the end of the page, as it does for the parser.
pub fn strip_invisible(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0; // bytes of `html` before this are in `out`
    let mut i = 0;
    while let Some(lt) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'<'))
    {
        let at = i + lt;
        let rest = &bytes[at..];
        let starts = |tag: &[u8]| {
            rest.len() > tag.len()
                && rest[..tag.len()].eq_ignore_ascii_case(tag)
                && matches!(
                    rest[tag.len()],
                    b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
                )
        };
        if rest.starts_with(b"<!--") {
            let end = find_ascii_ci(html, at + 4, "-->").map_or(bytes.len(), |e| e + 3);
            out.push_str(&html[copied..at]);
            copied = end;
            i = end;
            continue;
        }
        let close = if starts(b"<script") {
            "</script"
        } else if starts(b"<style") {
            "</style"
        } else {
            i = at + 1;
            continue;
        };
        let open_end = tag_end(bytes, at);
        let keep = close == "</script"
            && bytes[at..open_end]
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"ld+json"));
        let body_end = find_ascii_ci(html, open_end, close).unwrap_or(bytes.len());
        if !keep {
            out.push_str(&html[copied..open_end]);
            copied = body_end;
        }
        i = body_end.max(at + 1);
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Extracts the article from a saved page.
pub fn clean(html: &str, path: &Path) -> CleanArticle {
    let html = &*strip_invisible(html);
    let doc = Document::from(html);
    let meta = page_meta(&doc);
    // Captions and credits sit inside the article but are not the story.
    remove_apart(&doc, NOT_STORY);
    let cfg = Config {
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    let extracted = if deeper_than(&doc, MAX_DEPTH) {
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
        .or_else(|| meta.published.as_deref().and_then(parse_date));
    article.url = meta
        .canonical
        .or(url.filter(|u| u.starts_with("http://") || u.starts_with("https://")));
    article
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_invisible_empties_scripts_styles_and_comments_only() {
        let page = "<html><head><STYLE type=\"text/css\">p > a { color: red }</STYLE>\
            <script src=\"a.js\"></script><script>if (a < b && c > d) { x = '</div>'; }</Script >\
            <script type=\"application/ld+json\">{\"datePublished\": \"2026-11-19\"}</script>\
            </head><body><!-- <script> not a script --><p>Story <b>text</b> &lt;script&gt;</p>\
            <scripted>kept</scripted><styles>kept too</styles></body></html>";
        assert_eq!(
            strip_invisible(page),
            "<html><head><STYLE type=\"text/css\"></STYLE>\
            <script src=\"a.js\"></script><script></Script >\
            <script type=\"application/ld+json\">{\"datePublished\": \"2026-11-19\"}</script>\
            </head><body><p>Story <b>text</b> &lt;script&gt;</p>\
            <scripted>kept</scripted><styles>kept too</styles></body></html>"
        );
        // Nothing to drop: the input comes back unchanged without a copy.
        assert!(matches!(
            strip_invisible("<p>plain</p>"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Unclosed: the rest is script, as the parser takes it.
        assert_eq!(
            strip_invisible("<p>a</p><script>var x = 1;<p>b</p>"),
            "<p>a</p><script>"
        );
        assert_eq!(strip_invisible("<p>a</p><!-- open"), "<p>a</p>");
        // A quoted '>' inside the open tag does not end it.
        assert_eq!(
            strip_invisible("<script data-x=\"a>b\">code</script><p>c</p>"),
            "<script data-x=\"a>b\"></script><p>c</p>"
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
