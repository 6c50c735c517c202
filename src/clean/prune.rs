//! Cuts what extraction never uses out of a saved page before it is parsed.
//!
//! Parsing is the largest single cost of cleaning a page, and most of a news
//! page's bytes are never the story: script and style bodies, inline SVG
//! drawings, comments, navigation menus and footers, `data-*` attributes,
//! resource links. A byte scan, far cheaper than the HTML tokenizer, drops
//! them so the parser never sees them. The scan follows the tokenizer
//! wherever a difference would change the parsed page: a `<` inside a
//! title, a textarea or another raw-text element opens no tag, quotes only
//! quote attribute values, a script body ends at the first `</script` end
//! tag, and an element's content is cut only when its end tag is certain
//! (see [`element_end`]). Every cut is at an ASCII byte, so the result stays
//! valid UTF-8. On the 91 dev pages the extracted text is byte for byte the
//! same with and without pruning.

use std::borrow::Cow;

/// Elements emptied before parsing: extraction takes each of them out
/// whole anyway (`html::NOT_STORY` names them too), so their content is
/// parsed for nothing. A menu or a footer is often the larger part of a
/// page. Metadata inside them (a `<time>` in a list of related stories)
/// describes other pages and is not read; JSON-LD inside them is kept.
const EMPTIED: [&str; 5] = ["nav", "footer", "aside", "figure", "figcaption"];

/// Elements whose content the tokenizer reads as text, not markup.
const RAW_TEXT: [&str; 6] = ["title", "textarea", "xmp", "iframe", "noembed", "noframes"];

/// Elements with no end tag: they open nothing that an end tag must close.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The `rel` values of the `<link>` elements metadata is read from
/// (`html::page_meta`: canonical URL, author). Other links (style sheets,
/// preloads, icons, alternates) are dropped.
const LINK_RELS_READ: [&str; 2] = ["canonical", "author"];

/// Whitespace as the HTML tokenizer knows it.
fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn ends_name(b: u8) -> bool {
    is_html_space(b) || b == b'/' || b == b'>'
}

/// True when `hay` contains `needle` (ASCII lower case), ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// One piece of markup, as the tokenizer would read it at a `<`.
enum Markup<'a> {
    /// A comment, from its `<` to one past its end.
    Comment { end: usize },
    /// A start tag (`end` is `false`) or an end tag.
    Tag {
        name: &'a str,
        is_end: bool,
        tag: TagInfo,
    },
    /// A `<` that opens no tag or comment (text, a doctype, `<?`).
    Other,
}

/// What the attribute scan of a tag found.
struct TagInfo {
    /// One past the `>`, or the end of the page.
    end: usize,
    /// `<... />`: an empty element in SVG.
    self_closing: bool,
    /// The byte ranges of the `data-*` attributes, name to end of value.
    data_attrs: Vec<(usize, usize)>,
    /// The value of a `rel` attribute, as a byte range.
    rel: Option<(usize, usize)>,
    /// A `type` attribute that contains `ld+json`.
    json_ld: bool,
}

/// Reads the markup at `at` (a `<`).
fn markup_at(html: &str, at: usize) -> Markup<'_> {
    let bytes = html.as_bytes();
    if bytes[at + 1..].starts_with(b"!--") {
        return Markup::Comment {
            end: comment_end(bytes, at),
        };
    }
    let is_end = bytes.get(at + 1) == Some(&b'/');
    let name_start = at + 1 + usize::from(is_end);
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return Markup::Other;
    }
    let name_end = bytes[name_start..]
        .iter()
        .position(|&b| ends_name(b))
        .map_or(bytes.len(), |p| name_start + p);
    Markup::Tag {
        name: &html[name_start..name_end],
        is_end,
        tag: attributes(bytes, name_end),
    }
}

/// Where a comment that opens at `at` (`<!--`) ends, as the parser ends it:
/// just past the first `-->` (or at `<!-->` and `<!--->`), else the end.
fn comment_end(bytes: &[u8], at: usize) -> usize {
    let body = at + 4;
    for short in [&b">"[..], b"->"] {
        if bytes.get(body..).is_some_and(|r| r.starts_with(short)) {
            return body + short.len();
        }
    }
    memchr::memmem::find(bytes.get(body..).unwrap_or_default(), b"-->")
        .map_or(bytes.len(), |i| body + i + 3)
}

/// Reads the attributes of the tag whose name ends at `from`, following the
/// tokenizer's states: a quote only quotes right after `=`, and an unquoted
/// value ends at whitespace or `>`.
fn attributes(bytes: &[u8], from: usize) -> TagInfo {
    let n = bytes.len();
    let mut tag = TagInfo {
        end: n,
        self_closing: false,
        data_attrs: Vec::new(),
        rel: None,
        json_ld: false,
    };
    let mut j = from;
    loop {
        let gap = j;
        while j < n && (is_html_space(bytes[j]) || bytes[j] == b'/') {
            j += 1;
        }
        if j >= n {
            return tag;
        }
        if bytes[j] == b'>' {
            tag.end = j + 1;
            // A `/` ending an unquoted value (`href=/>`) is not one.
            tag.self_closing = j > gap && bytes[j - 1] == b'/';
            return tag;
        }
        let name_start = j;
        // A name may start with `=`; it ends at space, `/`, `>` or `=`.
        j += 1;
        while j < n && !ends_name(bytes[j]) && bytes[j] != b'=' {
            j += 1;
        }
        let name = &bytes[name_start..j];
        let mut value = (j, j);
        let mut k = j;
        while k < n && is_html_space(bytes[k]) {
            k += 1;
        }
        if k < n && bytes[k] == b'=' {
            k += 1;
            while k < n && is_html_space(bytes[k]) {
                k += 1;
            }
            (value, j) = match bytes.get(k) {
                Some(&q @ (b'"' | b'\'')) => match memchr::memchr(q, &bytes[k + 1..]) {
                    Some(i) => ((k + 1, k + 1 + i), k + 1 + i + 1),
                    None => ((k + 1, n), n),
                },
                _ => {
                    let start = k;
                    while k < n && bytes[k] != b'>' && !is_html_space(bytes[k]) {
                        k += 1;
                    }
                    ((start, k), k)
                }
            };
        }
        if name.len() > 5 && name[..5].eq_ignore_ascii_case(b"data-") {
            tag.data_attrs.push((name_start, j));
        } else if name.eq_ignore_ascii_case(b"rel") {
            tag.rel.get_or_insert(value);
        } else if name.eq_ignore_ascii_case(b"type") {
            tag.json_ld |= contains_ci(&bytes[value.0..value.1], b"ld+json");
        }
    }
}

/// The offset of the next `</name` end tag at or after `from` (ignoring
/// ASCII case), as the tokenizer finds it to end a raw-text element; the
/// end of the page if there is none.
fn end_tag_from(bytes: &[u8], from: usize, name: &str) -> usize {
    memchr::memmem::find_iter(bytes.get(from..).unwrap_or_default(), b"</")
        .map(|i| from + i)
        .find(|&at| {
            let name_at = at + 2;
            bytes
                .get(name_at..name_at + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                && bytes
                    .get(name_at + name.len())
                    .is_some_and(|&b| ends_name(b))
        })
        .unwrap_or(bytes.len())
}

/// One past the `>` of the end tag that starts at `at`, or the end of the
/// page when `at` is the end.
fn past_end_tag(bytes: &[u8], at: usize, name: &str) -> usize {
    if at >= bytes.len() {
        return bytes.len();
    }
    attributes(bytes, at + 2 + name.len()).end
}

/// How the scan steps over an element's content whatever it is inside:
/// where the content ends for raw-text elements, scripts and styles, and
/// SVG drawings, or `None` for an element whose content is markup.
fn skip_content(html: &str, name: &str, tag: &TagInfo) -> Option<usize> {
    let bytes = html.as_bytes();
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("script") || is("style") || RAW_TEXT.iter().any(|r| is(r)) {
        Some(end_tag_from(bytes, tag.end, name))
    } else if is("svg") && !tag.self_closing {
        Some(svg_end(html, tag.end))
    } else if is("plaintext") {
        Some(bytes.len())
    } else {
        None
    }
}

/// Where the `<svg>` element whose content starts at `from` ends: at the
/// `</svg` that closes it, counting nested `<svg>` elements.
fn svg_end(html: &str, from: usize) -> usize {
    let bytes = html.as_bytes();
    let mut depth = 1usize;
    let mut i = from;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + lt;
        i = at + 1;
        if let Markup::Tag { name, is_end, tag } = markup_at(html, at) {
            if !name.eq_ignore_ascii_case("svg") {
                continue;
            }
            if is_end {
                depth -= 1;
                if depth == 0 {
                    return at;
                }
            } else if !tag.self_closing {
                depth += 1;
            }
        }
    }
    bytes.len()
}

/// The content of an element that [`EMPTIED`] names: where its end tag
/// starts, and the JSON-LD scripts inside it, to keep.
struct Region {
    end: usize,
    keep: Vec<(usize, usize)>,
}

/// Finds the end tag of the `name` element whose content starts at `from`,
/// or, as an error, how far the scan read when it is not certain that the
/// parser ends the element there: when its content has an end tag for an
/// element opened before it (the parser would close `name` there, or
/// ignore the tag), or it never closes. Nested elements of the same name
/// are counted.
fn element_end(html: &str, from: usize, name: &str) -> Result<Region, usize> {
    let bytes = html.as_bytes();
    let mut depth = 1usize;
    // Elements opened inside the content and not yet closed, by name.
    let mut open: Vec<(&str, usize)> = Vec::new();
    let mut keep = Vec::new();
    let mut i = from;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + lt;
        i = at + 1;
        let (tag_name, is_end, tag) = match markup_at(html, at) {
            Markup::Comment { end } => {
                i = end;
                continue;
            }
            Markup::Other => continue,
            Markup::Tag { name, is_end, tag } => (name, is_end, tag),
        };
        i = tag.end;
        let same = tag_name.eq_ignore_ascii_case(name);
        if is_end && same {
            depth -= 1;
            if depth == 0 {
                return Ok(Region { end: at, keep });
            }
        } else if is_end {
            let Some(count) = open
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(tag_name))
                .map(|(_, c)| c)
                .filter(|c| **c > 0)
            else {
                return Err(i);
            };
            *count -= 1;
        } else if same {
            depth += 1;
        } else {
            if let Some(end) = skip_content(html, tag_name, &tag) {
                if tag.json_ld && tag_name.eq_ignore_ascii_case("script") {
                    keep.push((at, past_end_tag(bytes, end, tag_name)));
                }
                if end >= bytes.len() {
                    return Err(bytes.len());
                }
                i = end;
            }
            if !VOID.iter().any(|v| tag_name.eq_ignore_ascii_case(v)) {
                match open
                    .iter_mut()
                    .find(|(n, _)| n.eq_ignore_ascii_case(tag_name))
                {
                    Some((_, c)) => *c += 1,
                    None => open.push((tag_name, 1)),
                }
            }
        }
    }
    Err(bytes.len())
}

/// The page with byte ranges cut out, copied only once something is.
struct Cuts<'a> {
    src: &'a str,
    out: String,
    /// Bytes of `src` before this are accounted for in `out`.
    copied: usize,
}

impl<'a> Cuts<'a> {
    /// Drops `src[from..to]`; cuts come in order and do not overlap.
    fn cut(&mut self, from: usize, to: usize) {
        if from > self.copied {
            if self.out.is_empty() {
                self.out.reserve(self.src.len() / 2);
            }
            self.out.push_str(&self.src[self.copied..from]);
        }
        self.copied = self.copied.max(to);
    }

    fn finish(mut self) -> Cow<'a, str> {
        if self.copied == 0 {
            return Cow::Borrowed(self.src);
        }
        self.out.push_str(&self.src[self.copied..]);
        Cow::Owned(self.out)
    }
}

/// The page without what extraction never uses: comments; script and style
/// elements (JSON-LD scripts stay whole: they carry the article's metadata);
/// the drawing inside `<svg>`; the content of the elements in [`EMPTIED`]
/// (the tags stay, empty); `<link>` elements other than the canonical and
/// author links; and `data-*` attributes (script state), except on `<img>`,
/// where lazy-loading addresses decide whether the image counts.
pub fn page(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut cuts = Cuts {
        src: html,
        out: String::new(),
        copied: 0,
    };
    let mut i = 0;
    // Bytes the scans for the end of an emptied element may read in all.
    // A scan that fails (an unclosed element) does not move the main scan
    // past what it read, so without a budget a page of many unclosed
    // `<aside>`s would be read once per element: quadratic.
    let mut budget = bytes.len().saturating_mul(2).max(1 << 16);
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + lt;
        i = at + 1;
        let (name, tag) = match markup_at(html, at) {
            Markup::Comment { end } => {
                cuts.cut(at, end);
                i = end;
                continue;
            }
            Markup::Tag {
                name,
                is_end: false,
                tag,
            } => (name, tag),
            Markup::Tag { .. } | Markup::Other => continue,
        };
        i = tag.end;
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if (is("script") && !tag.json_ld) || is("style") {
            let end = past_end_tag(bytes, end_tag_from(bytes, tag.end, name), name);
            cuts.cut(at, end);
            i = end;
            continue;
        }
        if is("link")
            && !tag.rel.is_some_and(|(from, to)| {
                LINK_RELS_READ
                    .iter()
                    .any(|r| contains_ci(&bytes[from..to], r.as_bytes()))
            })
        {
            cuts.cut(at, tag.end);
            continue;
        }
        if !is("img") {
            for &(from, to) in &tag.data_attrs {
                cuts.cut(from, to);
            }
        }
        if is("svg") && !tag.self_closing {
            let end = svg_end(html, tag.end);
            cuts.cut(tag.end, end);
            i = end;
        } else if let Some(end) = skip_content(html, name, &tag) {
            i = end; // raw text (or a JSON-LD script): kept as it is
        } else if EMPTIED.iter().any(|e| is(e)) && budget > 0 {
            // The scan reads no further than the budget allows; an element
            // whose end lies beyond is left whole.
            let mut limit = tag.end.saturating_add(budget).min(bytes.len());
            while !html.is_char_boundary(limit) {
                limit -= 1;
            }
            match element_end(&html[..limit], tag.end, name) {
                Ok(region) => {
                    budget = budget.saturating_sub(region.end - tag.end);
                    let mut from = tag.end;
                    for (start, end) in region.keep {
                        cuts.cut(from, start);
                        from = end;
                    }
                    cuts.cut(from, region.end);
                    i = region.end;
                }
                Err(read_to) => budget = budget.saturating_sub(read_to - tag.end),
            }
        }
        if i >= bytes.len() {
            break;
        }
    }
    cuts.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_comments_go() {
        let html = "<html><head><STYLE type=\"text/css\">p > a { color: red }</STYLE>\
            <script src=\"a.js\"></script><script>if (a < b && c > d) { x = '</div>'; }</Script >\
            <script type=\"application/ld+json\">{\"datePublished\": \"2026-11-19\"}</script>\
            </head><body><!-- <script> not a script --><p>Story <b>text</b> &lt;script&gt;</p>\
            <scripted>kept</scripted><styles>kept too</styles></body></html>";
        assert_eq!(
            page(html),
            "<html><head>\
            <script type=\"application/ld+json\">{\"datePublished\": \"2026-11-19\"}</script>\
            </head><body><p>Story <b>text</b> &lt;script&gt;</p>\
            <scripted>kept</scripted><styles>kept too</styles></body></html>"
        );
        // Nothing to drop: the input comes back unchanged without a copy.
        assert!(matches!(page("<p>plain</p>"), Cow::Borrowed(_)));
        // Unclosed: the rest is script, as the parser takes it.
        assert_eq!(page("<p>a</p><script>var x = 1;<p>b</p>"), "<p>a</p>");
        assert_eq!(page("<p>a</p><!-- open"), "<p>a</p>");
        // A quoted '>' inside the open tag does not end it.
        assert_eq!(
            page("<script title=\"a>b\">code</script><p>c</p>"),
            "<p>c</p>"
        );
        // `</scripts` is not the end tag; the parser's short comments end early.
        assert_eq!(
            page("<script>a</scripts>b</script ><p>c<!-->d<!--->e</p>"),
            "<p>cde</p>"
        );
    }

    #[test]
    fn svg_drawings_go_and_data_attributes_and_resource_links() {
        // SVG drawings go, nested ones counted; a self-closing SVG has none.
        assert_eq!(
            page(
                "<p>a<svg viewBox=\"0 0 9 9\"><svg><path d=\"M0\"/></svg><text>b</text></SVG>c</p>\
                 <svg/><p>kept</p>"
            ),
            "<p>a<svg viewBox=\"0 0 9 9\"></SVG>c</p><svg/><p>kept</p>"
        );
        // data-* attributes go, quoted or not, others stay; on <img> they
        // stay (lazy-loading addresses decide whether an image counts).
        assert_eq!(
            page(
                "<div class=\"story\" data-track='{\"a\":\">\"}' DATA-x=1 data-empty id=\"s\">\
                 <img data-src=\"a.jpg\" alt=\"x\"><a data-x=\"1\"href=\"/y\">y</a></div>"
            ),
            "<div class=\"story\"    id=\"s\"><img data-src=\"a.jpg\" alt=\"x\"><a href=\"/y\">y</a></div>"
        );
        assert_eq!(
            page(
                "<link rel=stylesheet href=a.css><link rel=\"Canonical\" href=\"https://e.com/a\">\
                 <link href=\"/b\"><a rel=\"author\" href=\"/c\">C</a>"
            ),
            "<link rel=\"Canonical\" href=\"https://e.com/a\"><a rel=\"author\" href=\"/c\">C</a>"
        );
    }

    #[test]
    fn raw_text_is_not_markup() {
        let titled =
            "<title>Why <svg> and <script> tags <!-- --> data-x=1</title><p data-x=\"1\">b</p>";
        assert_eq!(
            page(titled),
            "<title>Why <svg> and <script> tags <!-- --> data-x=1</title><p >b</p>"
        );
        let area = "<textarea><style>x</style></textarea><style>y</style>";
        assert_eq!(page(area), "<textarea><style>x</style></textarea>");
    }

    #[test]
    fn navigation_and_footers_are_emptied_when_their_end_is_certain() {
        assert_eq!(
            page(
                "<body><nav class=\"menu\"><ul><li><a href=/>Home<li>World</ul><nav>x</nav></nav>\
                 <p>Story.</p><footer><p>About<script type=\"application/ld+json\">{}</script>\
                 <textarea></footer></textarea></footer><aside><figure></figure>y</aside></body>"
            ),
            "<body><nav class=\"menu\"></nav><p>Story.</p>\
             <footer><script type=\"application/ld+json\">{}</script></footer><aside></aside></body>"
        );
        // The parser would end the nav at `</div>` (a still-open element
        // closes it): left whole. An unclosed one too.
        let closed_early = "<div><nav><a>x</a></div><p>Story.</p></nav>";
        assert_eq!(page(closed_early), closed_early);
        let unclosed = "<nav><a>x</a><p>Story.</p>";
        assert_eq!(page(unclosed), unclosed);
    }

    /// Each unclosed `<aside>` here would be read to the end of the page
    /// (200,000 of them over 1.8 MB); the scan budget keeps the work linear
    /// in the page's length, and a page this size goes through at once.
    #[test]
    fn many_unclosed_elements_are_read_a_bounded_number_of_times() {
        let html = "<aside>x ".repeat(200_000) + "<p>Story.</p>";
        assert_eq!(page(&html), html);
        // Within the budget, a closed element after unclosed ones is emptied.
        let mixed = "<div><aside>a</div><aside>b</aside><p>Story.</p>";
        assert_eq!(
            page(mixed),
            "<div><aside>a</div><aside></aside><p>Story.</p>"
        );
    }
}
