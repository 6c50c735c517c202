//! Templates and Markdown: tera with a `markdown` filter backed by
//! pulldown-cmark, HTML sanitised with ammonia, CSS inlined for email
//! clients, and a plain-text rendering built from the same content.
//!
//! Untrusted article text is escaped by tera's autoescaping; Markdown from
//! summaries goes through [`markdown_to_html`], which strips raw HTML that
//! could run (scripts, event handlers, `javascript:` URLs).
//!
//! The theme is the `templates/` folder: every file there overrides the
//! built-in one of the same name, so an editor can change any template or the
//! CSS, and a project without the folder still builds with the default look.

pub mod chart;
pub mod personalize;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use tera::{Tera, Value};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RenderError {
    /// A template that does not parse or render; names the file and, where
    /// tera reports one, the line.
    #[error("{}{}: {message}\n  hint: fix the template, or delete it to use the built-in one", template.display(), line.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Template {
        template: PathBuf,
        line: Option<(usize, usize)>,
        message: String,
    },
    #[error("{path}: cannot read the template: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: CSS inlining failed: {message}")]
    Css { path: PathBuf, message: String },
}

/// The built-in theme: (file name, contents). Files in the project's
/// templates folder with the same name replace these.
pub const BUILTIN: &[(&str, &str)] = &[
    ("email.html", include_str!("../../templates/email.html")),
    ("email.txt", include_str!("../../templates/email.txt")),
    ("email.css", include_str!("../../templates/email.css")),
    (
        "web_base.html",
        include_str!("../../templates/web_base.html"),
    ),
    ("issue.html", include_str!("../../templates/issue.html")),
    ("archive.html", include_str!("../../templates/archive.html")),
    ("web.css", include_str!("../../templates/web.css")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
];

/// The loaded theme.
pub struct Renderer {
    tera: Tera,
    dir: PathBuf,
    email_css: String,
}

impl Renderer {
    /// Loads and parses every template (project files over built-in ones).
    pub fn load(dir: &Path) -> Result<Renderer, RenderError> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for (name, builtin) in BUILTIN {
            let path = dir.join(name);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin.to_string(),
                Err(source) => return Err(RenderError::Read { path, source }),
            };
            sources.push((name.to_string(), text));
        }
        // Extra templates the theme adds (partials for `{% include %}` and
        // the like) are loaded too.
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut extra: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "html" || x == "txt" || x == "xml")
                })
                .collect();
            extra.sort();
            for path in extra {
                let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                    continue;
                };
                if sources.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| RenderError::Read { path, source })?;
                sources.push((name, text));
            }
        }
        let mut tera = Tera::default();
        // Only these are HTML-escaped; the text part and CSS are not.
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_markup);
        register_filters(&mut tera);
        let templates: Vec<(&str, &str)> = sources
            .iter()
            .filter(|(n, _)| !n.ends_with(".css"))
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        if let Err(all) = tera.add_raw_templates(templates.clone()) {
            // Parse one at a time (only now: parsing is most of a build's
            // CPU time) so the error names its own file and line.
            for (name, text) in &templates {
                if let Err(err) = tera::Template::new(name, None, text) {
                    return Err(template_error(dir, name, &err));
                }
            }
            return Err(template_error(dir, "templates", &all));
        }
        let css = |name: &str| {
            sources
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        let email_css = css("email.css");
        let web_css = css("web.css");
        let mut renderer = Renderer {
            tera,
            dir: dir.to_path_buf(),
            email_css,
        };
        // The web pages embed their CSS, so they work from file:// too.
        renderer
            .tera
            .register_function("web_css", move |_: &HashMap<String, Value>| {
                Ok(Value::String(web_css.clone()))
            });
        Ok(renderer)
    }

    /// Renders one template.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map_err(|err| template_error(&self.dir, name, &err))
    }

    /// Renders the email HTML and inlines `email.css` into it; only `@media`
    /// (and other at-) rules stay in a `<style>` element.
    pub fn render_email_html(&self, context: &tera::Context) -> Result<String, RenderError> {
        let html = self.render("email.html", context)?;
        let with_css = html.replacen(
            "</head>",
            &format!("<style>{}</style></head>", self.email_css),
            1,
        );
        let inliner = css_inline::CSSInliner::options()
            .keep_style_tags(false)
            .keep_at_rules(true)
            .load_remote_stylesheets(false)
            .build();
        let inlined = inliner.inline(&with_css).map_err(|e| RenderError::Css {
            path: self.dir.join("email.css"),
            message: e.to_string(),
        })?;
        // The inliner puts the kept @media rules first in <head>; the charset
        // declaration must stay within the first 1024 bytes, so move it up.
        let charset = "<meta charset=\"utf-8\">";
        Ok(match (inlined.find(charset), inlined.find("<head>")) {
            (Some(at), Some(head)) if at > head => {
                let mut out = inlined.clone();
                out.replace_range(at..at + charset.len(), "");
                out.insert_str(head + "<head>".len(), charset);
                out
            }
            _ => inlined,
        })
    }
}

/// Turns a tera error chain into a message naming the template and line.
fn template_error(dir: &Path, name: &str, err: &tera::Error) -> RenderError {
    let mut messages = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        messages.push(e.to_string());
        cause = e.source();
    }
    let joined = messages.join(": ");
    // pest reports positions as " --> line:column".
    let line = joined.find("--> ").and_then(|at| {
        let rest = &joined[at + 4..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ':'))
            .unwrap_or(rest.len());
        let mut nums = rest[..end].split(':').filter_map(|n| n.parse().ok());
        Some((nums.next()?, nums.next().unwrap_or(1)))
    });
    // Tera names the template in quotes in its first message; prefer that.
    let named = messages
        .iter()
        .find_map(|m| {
            let start = m.find('\'').or_else(|| m.find('"'))?;
            let rest = &m[start + 1..];
            let end = rest.find(['\'', '"'])?;
            let candidate = &rest[..end];
            BUILTIN
                .iter()
                .any(|(n, _)| *n == candidate)
                .then(|| candidate.to_string())
        })
        .unwrap_or_else(|| name.to_string());
    let message = messages
        .iter()
        .skip(1)
        .map(|m| m.trim().to_string())
        .collect::<Vec<_>>()
        .join(": ");
    let message = if message.is_empty() { joined } else { message };
    // pest draws the offending line; the "= expected ..." note is what reads well.
    let message = match message.find("\n  = ") {
        Some(at) => message[at + 5..].trim().to_string(),
        None => message,
    };
    RenderError::Template {
        template: dir.join(named),
        line,
        message,
    }
}

/// Escapes text for HTML and XML. Unlike tera's default it leaves `/`
/// alone, so URLs stay readable (and lintable) in every output.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped_markup(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escape_markup`] does.
pub fn push_escaped_markup(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter("markdown", markdown_filter);
    tera.register_filter("markdown_inline", markdown_inline_filter);
    tera.register_filter("wrap", wrap_filter);
    tera.register_filter("if_present", if_present_filter);
}

fn markdown_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(markdown_to_html(
        value.as_str().unwrap_or(""),
    )))
}

fn markdown_inline_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(markdown_inline_html(
        value.as_str().unwrap_or(""),
    )))
}

/// `{{ text | wrap(width=72, indent="  ") }}`: word-wraps plain text.
fn wrap_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let width = args.get("width").and_then(Value::as_u64).unwrap_or(72) as usize;
    let indent = args.get("indent").and_then(Value::as_str).unwrap_or("");
    Ok(Value::String(wrap_text(
        value.as_str().unwrap_or(""),
        width,
        indent,
    )))
}

/// `{{ subscriber.name | if_present(before=" ") }}`: the value with text
/// around it, or nothing when the value is empty. Works on per-recipient
/// markers too, so "Hello{{ ... }}," reads "Hello Ada," or "Hello,".
fn if_present_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let before = args.get("before").and_then(Value::as_str).unwrap_or("");
    let after = args.get("after").and_then(Value::as_str).unwrap_or("");
    let text = value.as_str().unwrap_or("");
    if let Some(slot) = personalize::marker_slot(text) {
        return Ok(Value::String(personalize::conditional_marker(
            slot, before, after,
        )));
    }
    if text.is_empty() {
        Ok(Value::String(String::new()))
    } else {
        Ok(Value::String(format!("{before}{text}{after}")))
    }
}

/// The sanitiser for Markdown from summaries, intros and sign-offs: only
/// text formatting and absolute http(s)/mailto links survive.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.tags(HashSet::from([
        "p",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "code",
        "ul",
        "ol",
        "li",
        "blockquote",
        "br",
        "h3",
        "h4",
    ]))
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .url_relative(ammonia::UrlRelative::Deny)
    .link_rel(Some("noopener noreferrer"))
    .clean_content_tags(HashSet::from(["script", "style", "iframe", "object"]));
    b
});

/// Renders Markdown to sanitised HTML.
pub fn markdown_to_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new(markdown);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    SANITIZER.clean(&html).to_string()
}

/// Renders one paragraph of Markdown to sanitised inline HTML (no `<p>`).
pub fn markdown_inline_html(markdown: &str) -> String {
    let html = markdown_to_html(markdown);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// Links met while turning Markdown into plain text, numbered in reading
/// order and listed at the end of the text part.
#[derive(Debug, Default, Clone)]
pub struct LinkList {
    pub urls: Vec<String>,
}

impl LinkList {
    /// The 1-based number of `url`, adding it if new.
    pub fn number(&mut self, url: &str) -> usize {
        if let Some(i) = self.urls.iter().position(|u| u == url) {
            return i + 1;
        }
        self.urls.push(url.to_string());
        self.urls.len()
    }
}

/// Whether a URL is an absolute http(s) or mailto address (the only links
/// that may reach an email).
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Markdown to plain text: paragraphs separated by blank lines, list items
/// as "- ", links as "text [n]" with the URL numbered in `links`. Raw HTML
/// is dropped.
pub fn markdown_to_text(markdown: &str, links: &mut LinkList) -> String {
    markdown_text(markdown, Some(links))
}

/// Markdown to plain text without link references (for teasers and
/// preheaders, where a "[n]" would dangle).
pub fn markdown_to_plain(markdown: &str) -> String {
    markdown_text(markdown, None)
}

fn markdown_text(markdown: &str, mut links: Option<&mut LinkList>) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = String::new();
    let mut link: Option<String> = None;
    let mut in_list = 0usize;
    // Text inside raw <script>/<style> tags is code, not prose: drop it too.
    let mut in_code_tag = false;
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            Event::InlineHtml(h) | Event::Html(h) => {
                let lower = h.to_ascii_lowercase();
                if lower.starts_with("<script") || lower.starts_with("<style") {
                    in_code_tag = !(lower.contains("</script") || lower.contains("</style"));
                } else if lower.starts_with("</script") || lower.starts_with("</style") {
                    in_code_tag = false;
                }
            }
            Event::Text(_) | Event::Code(_) if in_code_tag => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let (Some(url), Some(links)) = (link.take(), links.as_deref_mut()) {
                    if is_safe_url(&url) {
                        let n = links.number(&url);
                        out.push_str(&format!(" [{n}]"));
                    }
                }
            }
            Event::Start(Tag::List(_)) => in_list += 1,
            Event::End(TagEnd::List(_)) => {
                in_list = in_list.saturating_sub(1);
                if in_list == 0 {
                    out.push_str("\n\n");
                }
            }
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Heading(_)) if in_list == 0 => {
                out.push_str("\n\n")
            }
            Event::End(TagEnd::BlockQuote(_)) => out.push_str("\n\n"),
            _ => {}
        }
    }
    let mut text = out.trim().to_string();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text
}

/// Word-wraps `text` to `width` columns. Paragraphs (blank-line separated)
/// stay apart; lines starting "- " or "* " get a hanging indent. Every line
/// is prefixed with `indent`.
pub fn wrap_text(text: &str, width: usize, indent: &str) -> String {
    let width = width.max(20);
    let mut out = String::new();
    for (pi, paragraph) in text.split("\n\n").enumerate() {
        if pi > 0 {
            out.push('\n');
            out.push('\n');
        }
        for (li, line) in paragraph.lines().enumerate() {
            if li > 0 {
                out.push('\n');
            }
            let hang = if line.starts_with("- ") || line.starts_with("* ") {
                "  "
            } else {
                ""
            };
            let mut col = 0usize;
            let mut first = true;
            for word in line.split_whitespace() {
                let w = word.chars().count();
                if first {
                    out.push_str(indent);
                    out.push_str(word);
                    col = indent.chars().count() + w;
                    first = false;
                } else if col + 1 + w > width {
                    out.push('\n');
                    out.push_str(indent);
                    out.push_str(hang);
                    out.push_str(word);
                    col = indent.chars().count() + hang.len() + w;
                } else {
                    out.push(' ');
                    out.push_str(word);
                    col += 1 + w;
                }
            }
        }
    }
    out
}

/// Collapses runs of blank lines into one, and trims trailing spaces, so
/// template conditionals leave no holes in the plain-text part.
pub fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// "Tuesday 24 November 2026".
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        date.format("%A"),
        date.day(),
        date.format("%B"),
        date.year()
    )
}

/// Words a shortened text must not end on: "… in the south and…" reads as
/// a slip, because each only leads into what was cut.
const LEADING_ON: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "its", "of", "on",
    "or", "than", "that", "the", "their", "to", "which", "while", "who", "with",
];

/// Shortens plain text to about `max` characters at a word boundary: at the
/// last clause break when that keeps most of the text, and never on a word
/// that only leads into what was cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let clause_end = clause_breaks(&out)
        .last()
        .map(|(start, _)| start)
        .filter(|&at| out[..at].chars().count() * 5 >= max * 3);
    let kept = without_words_that_lead_on(&out[..clause_end.unwrap_or(out.len())]);
    let trimmed = kept.trim_end_matches([',', ';', ':', '.', ' ', '—', '–']);
    format!("{trimmed}…")
}

/// Where `text` breaks between clauses (", ", "; ", ": " or a dash with a
/// space either side), in order, as (start, end) byte offsets. Where a teaser
/// or a figure's label may be cut; one pass over the bytes, where searching
/// for each of the six separately took six.
pub fn clause_breaks(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    (0..bytes.len()).filter_map(move |i| {
        let rest = &bytes[i..];
        let len = match rest {
            [b',' | b';' | b':', b' ', ..] => 2,
            [b' ', b'-', b' ', ..] => 3,
            // " — " and " – ": U+2014 and U+2013 are E2 80 94 and E2 80 93.
            [b' ', 0xE2, 0x80, 0x93 | 0x94, b' ', ..] => 5,
            _ => return None,
        };
        Some((i, i + len))
    })
}

/// `text` without the last words while they only lead into what follows
/// ("… pushed demand up and"), for a text about to be cut with "…". The
/// first word always stays.
pub fn without_words_that_lead_on(text: &str) -> &str {
    let mut kept = text.trim_end();
    while let Some((head, last)) = kept.rsplit_once(' ') {
        let bare = last.trim_end_matches([',', ';', ':']);
        if head.trim().is_empty() || !LEADING_ON.iter().any(|w| w.eq_ignore_ascii_case(bare)) {
            break;
        }
        kept = head.trim_end();
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_breaks_are_the_six_separators() {
        let text = "a, b; c: d - e — f – g,h -i";
        let found: Vec<&str> = clause_breaks(text).map(|(s, e)| &text[s..e]).collect();
        assert_eq!(found, [", ", "; ", ": ", " - ", " — ", " – "]);
        assert_eq!(clause_breaks("no breaks-here,at all").count(), 0);
    }

    #[test]
    fn a_shortened_teaser_ends_at_a_clause_or_a_word_that_does_not_lead_on() {
        let text = "Italy's grid operator said its first auction for long-duration storage attracted bids for about 9GWh of capacity, almost twice the 5GWh on offer, with most of the projects in the south and on the islands.";
        assert_eq!(
            truncate_words(text, 180),
            "Italy's grid operator said its first auction for long-duration storage attracted bids for about 9GWh of capacity, almost twice the 5GWh on offer…"
        );
        // No clause break late enough: the words that lead on go.
        let text = "Bayou Crest LNG has approved a $14bn export plant on the Louisiana coast in a bet that Asian buyers will keep signing long contracts for the rest of the decade and beyond.";
        assert_eq!(
            truncate_words(text, 88),
            "Bayou Crest LNG has approved a $14bn export plant on the Louisiana coast in a bet…"
        );
        assert_eq!(truncate_words("Short enough.", 40), "Short enough.");
        let long = "word ".repeat(100);
        assert!(truncate_words(&long, 50).chars().count() <= 51);
    }

    #[test]
    fn markdown_is_sanitised() {
        let html = markdown_to_html(
            "Hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](/rel) [z](https://ok.example/)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("href=\"/rel\""), "{html}");
        assert!(html.contains("href=\"https://ok.example/\""), "{html}");
    }

    #[test]
    fn markdown_to_text_numbers_links_and_drops_html() {
        let mut links = LinkList::default();
        let text = markdown_to_text(
            "See [the report](https://a.example/r) <b>now</b>.\n\n- one\n- two [again](https://a.example/r)",
            &mut links,
        );
        assert_eq!(text, "See the report [1] now.\n\n- one\n- two again [1]");
        assert_eq!(links.urls, vec!["https://a.example/r"]);
    }

    #[test]
    fn wraps_with_hanging_indent() {
        let text = "- alpha beta gamma delta epsilon zeta eta theta iota kappa";
        let wrapped = wrap_text(text, 24, "");
        for line in wrapped.lines() {
            assert!(line.chars().count() <= 24, "{wrapped}");
        }
        assert!(
            wrapped.lines().nth(1).unwrap().starts_with("  "),
            "{wrapped}"
        );
    }

    #[test]
    fn long_date_reads_like_a_dateline() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(long_date(d), "Tuesday 24 November 2026");
    }

    #[test]
    fn a_theme_may_add_partials() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("_hello.txt"), "Hi from a partial").unwrap();
        std::fs::write(
            dir.path().join("email.txt"),
            "{% include \"_hello.txt\" %} {{ 1 + 1 }}",
        )
        .unwrap();
        let renderer = Renderer::load(dir.path()).unwrap();
        let out = renderer.render("email.txt", &tera::Context::new()).unwrap();
        assert_eq!(out, "Hi from a partial 2");
    }

    #[test]
    fn broken_template_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("email.txt"),
            "line one\nline two {{ oops oops }}\nline three\n",
        )
        .unwrap();
        let err = Renderer::load(dir.path()).err().expect("must fail");
        let shown = err.to_string();
        assert!(shown.contains("email.txt:2:"), "{shown}");
    }
}
